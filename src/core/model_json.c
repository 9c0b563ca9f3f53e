/*
 * model_json.c — the model document codec, on json-c.
 *
 * Reading goes in four steps, each refusing what the next cannot see:
 *
 *   1. raw checks: size, NUL bytes;
 *   2. json-c in strict mode (syntax, depth, UTF-8), with line and column;
 *   3. a scan of the raw text for what json-c accepts silently: duplicate
 *      keys (json-c keeps the last one), integers it would clamp, raw
 *      control characters inside strings;
 *   4. conversion to ls_model with type checks and JSON paths, then
 *      ls_model_validate.
 *
 * json-c memory is released before validation, so a host regex hook that
 * throws (ereport) leaves nothing of json-c behind.  The model lives in the
 * caller's arena; scratch memory of the scan is malloc'd and freed here.
 *
 * Writing uses a small printer of its own (two passes: measure, then write
 * into one arena block) so the output does not depend on json-c's
 * formatting choices and numbers get their shortest exact spelling.
 */
#include "model_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#define PATH_LEN 256
#define KEY_SHOWN 48			/* bytes of a key quoted in a path */

/* ---------------------------------------------------------------------
 * Positions and paths
 * ---------------------------------------------------------------------
 */

/* 1-based line and column (in characters) of byte offset off. */
static void
line_column(const char *text, size_t len, size_t off, int *line, int *column)
{
	size_t		i;

	*line = 1;
	*column = 1;
	if (off > len)
		off = len;
	for (i = 0; i < off; i++)
	{
		if (text[i] == '\n')
		{
			(*line)++;
			*column = 1;
		}
		else if (((unsigned char) text[i] & 0xc0) != 0x80)
			(*column)++;
	}
}

/*
 * Append one component to a path.  A path too long for its buffer ends in
 * "..." at a component boundary, so it is never cut inside a character.
 */
static void
path_append(char *path, size_t *path_len, const char *component)
{
	size_t		n = strlen(component);

	if (*path_len >= 3 && strcmp(path + *path_len - 3, "...") == 0)
		return;
	if (*path_len + n + 4 > PATH_LEN)
		component = "...";
	snprintf(path + *path_len, PATH_LEN - *path_len, "%s", component);
	*path_len += strlen(path + *path_len);
}

/* Append ".key" ("key" at the start of the path). */
static void
path_append_key(char *path, size_t *path_len, const char *key, size_t key_len)
{
	char		raw[KEY_SHOWN + 8];
	char		shown[KEY_SHOWN + 1];
	size_t		n = key_len < sizeof(raw) - 1 ? key_len : sizeof(raw) - 1;
	size_t		i;

	memcpy(raw, key, n);
	raw[n] = '\0';
	for (i = 0; i < n; i++)
		if (raw[i] == '\0')
			raw[i] = '?';		/* a \u0000 in a key must not end it early */

	/* raw is longer than the excerpt, so a long key always shows "..." */
	shown[0] = '.';
	ls_text_excerpt(raw, shown + 1, sizeof(shown) - 1);
	path_append(path, path_len, *path_len ? shown : shown + 1);
}

static void
path_append_index(char *path, size_t *path_len, long index)
{
	char		component[32];

	snprintf(component, sizeof(component), "[%ld]", index);
	path_append(path, path_len, component);
}

/*
 * A message may be cut to fit LS_ERROR_MSG_LEN; never leave half a UTF-8
 * character at its end (the server sends it to clients as is).
 */
static bool
finish_error(ls_error *err)
{
	size_t		bad;

	if (err != NULL && !ls_utf8_valid(err->msg, strlen(err->msg), &bad))
		err->msg[bad] = '\0';
	return false;
}

/* ---------------------------------------------------------------------
 * Step 2: json-c
 * ---------------------------------------------------------------------
 */

static bool
only_whitespace(const char *text, size_t from, size_t len)
{
	size_t		i;

	for (i = from; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
			return false;
	return true;
}

/*
 * Parse with json-c.  Returns false with err set when the text is not
 * JSON; *obj may be NULL on success, for the document "null".
 */
static bool
parse_json(const char *text, size_t len, struct json_object **obj,
		   ls_error *err)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t		end;
	int			line;
	int			column;

	*obj = NULL;
	tok = json_tokener_new_ex(LS_MAX_DEPTH);
	if (tok == NULL)
		return ls_error_set(err, LS_ERR_NOMEM,
							"out of memory while parsing the model document");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	*obj = json_tokener_parse_ex(tok, len ? text : " ", (int) len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue && !only_whitespace(text, 0, len))
	{
		/* a number at the very end waits for a delimiter; give it one */
		*obj = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	else
		end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (jerr == json_tokener_success)
	{
		if (end >= len || only_whitespace(text, end, len))
			return true;
		jerr = json_tokener_error_parse_unexpected;
	}
	if (*obj != NULL)
		json_object_put(*obj);
	*obj = NULL;

	line_column(text, len, end, &line, &column);
	if (jerr == json_tokener_continue)
	{
		if (only_whitespace(text, 0, len))
			return ls_error_set(err, LS_ERR_SYNTAX,
								"invalid JSON: the document is empty (expected an object)");
		return ls_error_set(err, LS_ERR_SYNTAX,
							"invalid JSON at line %d, column %d: unexpected end of the document",
							line, column);
	}
	if (jerr == json_tokener_error_depth)
		return ls_error_set(err, LS_ERR_LIMIT,
							"invalid JSON at line %d, column %d: nested deeper than %d levels",
							line, column, LS_MAX_DEPTH);
	if (jerr == json_tokener_error_parse_utf8_string)
		return ls_error_set(err, LS_ERR_SYNTAX,
							"invalid JSON at line %d, column %d: invalid UTF-8",
							line, column);
	return ls_error_set(err, LS_ERR_SYNTAX, "invalid JSON at line %d, column %d: %s",
						line, column, json_tokener_error_desc(jerr));
}

/* ---------------------------------------------------------------------
 * Step 3: scan of the raw text (known to be well-formed JSON here)
 * ---------------------------------------------------------------------
 */

typedef struct scan_frame
{
	bool		is_object;
	bool		expect_key;
	bool		has_key;
	long		index;			/* arrays: the current element */
	size_t		key_off;		/* objects: the current key, in keybuf */
	size_t		key_len;
	size_t		keys_start;		/* objects: this object's first entry in keys */
	size_t		buf_start;		/* keybuf length when the object opened */
} scan_frame;

typedef struct scan_key
{
	size_t		off;
	size_t		len;
	size_t		seq;			/* order within its object */
	const char *p;				/* set just before sorting */
} scan_key;

typedef struct scanner
{
	const char *text;
	size_t		len;
	scan_frame	frames[LS_MAX_DEPTH + 2];
	int			depth;

	/*
	 * Keys of the objects still open, decoded.  Both grow and shrink like
	 * a stack, so memory stays proportional to the open objects' keys.
	 */
	char	   *keybuf;
	size_t		keybuf_len;
	size_t		keybuf_cap;
	scan_key   *keys;
	size_t		nkeys;
	size_t		keys_cap;
	ls_error   *err;
} scanner;

static bool
scan_nomem(scanner *s)
{
	return ls_error_set(s->err, LS_ERR_NOMEM,
						"out of memory while reading the model document");
}

static bool
keybuf_reserve(scanner *s, size_t extra)
{
	if (s->keybuf_cap - s->keybuf_len < extra)
	{
		size_t		cap = s->keybuf_cap ? s->keybuf_cap : 1024;
		char	   *p;

		while (cap - s->keybuf_len < extra)
			cap *= 2;
		p = realloc(s->keybuf, cap);
		if (p == NULL)
			return scan_nomem(s);
		s->keybuf = p;
		s->keybuf_cap = cap;
	}
	return true;
}

/* Path of the current position; with key set, of that key in the innermost object. */
static void
scan_path(const scanner *s, int frames, const char *key, size_t key_len,
		  char *path)
{
	size_t		path_len = 0;
	int			i;

	path[0] = '\0';
	for (i = 0; i < frames; i++)
	{
		const scan_frame *f = &s->frames[i];

		if (f->is_object && f->has_key)
			path_append_key(path, &path_len, s->keybuf + f->key_off, f->key_len);
		else if (!f->is_object)
			path_append_index(path, &path_len, f->index);
	}
	if (key != NULL)
		path_append_key(path, &path_len, key, key_len);
}

static bool
scan_error_at(scanner *s, size_t pos, const char *what)
{
	int			line;
	int			column;

	line_column(s->text, s->len, pos, &line, &column);
	return ls_error_set(s->err, LS_ERR_SYNTAX,
						"invalid JSON at line %d, column %d: %s", line, column, what);
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned int
hex4(const char *p)
{
	return (unsigned int) ((hex_value(p[0]) << 12) | (hex_value(p[1]) << 8) |
						   (hex_value(p[2]) << 4) | hex_value(p[3]));
}

static size_t
utf8_encode(unsigned int cp, char *out)
{
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xc0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xe0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char) (0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char) (0xf0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char) (0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Skip the string starting at s->text[*pos] (a '"'), refusing raw control
 * characters.  With decode, the string is appended to keybuf the way json-c
 * decodes it (a lone surrogate becomes U+FFFD), so two spellings of one key
 * compare equal; *has_nul reports a \u0000.
 */
static bool
scan_string(scanner *s, size_t *pos, bool decode, bool *has_nul)
{
	size_t		i = *pos + 1;
	char		utf8[4];

	*has_nul = false;
	while (i < s->len && s->text[i] != '"')
	{
		unsigned char c = (unsigned char) s->text[i];
		size_t		n;

		if (c < 0x20)
			return scan_error_at(s, i, "control character inside a string (escape it)");
		if (c != '\\')
		{
			if (decode)
			{
				if (!keybuf_reserve(s, 1))
					return false;
				s->keybuf[s->keybuf_len++] = (char) c;
			}
			i++;
			continue;
		}
		if (s->text[i + 1] != 'u')
		{
			static const char from[] = "\"\\/bfnrt";
			static const char to[] = "\"\\/\b\f\n\r\t";
			const char *e = strchr(from, s->text[i + 1]);

			if (decode)
			{
				if (!keybuf_reserve(s, 1))
					return false;
				s->keybuf[s->keybuf_len++] = e ? to[e - from] : s->text[i + 1];
			}
			i += 2;
			continue;
		}
		else
		{
			unsigned int cp = hex4(s->text + i + 2);

			i += 6;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= s->len &&
				s->text[i] == '\\' && s->text[i + 1] == 'u')
			{
				unsigned int lo = hex4(s->text + i + 2);

				if (lo >= 0xdc00 && lo <= 0xdfff)
				{
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			if (cp == 0)
				*has_nul = true;
			if (decode)
			{
				n = utf8_encode(cp, utf8);
				if (!keybuf_reserve(s, n))
					return false;
				memcpy(s->keybuf + s->keybuf_len, utf8, n);
				s->keybuf_len += n;
			}
		}
	}
	*pos = i + 1;
	return true;
}

static int
scan_key_cmp(const void *a, const void *b)
{
	const scan_key *x = a;
	const scan_key *y = b;
	size_t		n = x->len < y->len ? x->len : y->len;
	int			c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * The innermost object closes: sort its keys and refuse the first key
 * (in document order) that repeats an earlier one.
 */
static bool
scan_close_object(scanner *s)
{
	scan_frame *f = &s->frames[s->depth - 1];
	size_t		n = s->nkeys - f->keys_start;
	const scan_key *dup = NULL;
	size_t		i;

	/* s->keys is NULL until the first key: no arithmetic on it before */
	if (n > 1)
	{
		scan_key   *keys = s->keys + f->keys_start;

		for (i = 0; i < n; i++)
			keys[i].p = s->keybuf + keys[i].off;
		qsort(keys, n, sizeof(scan_key), scan_key_cmp);
		for (i = 1; i < n; i++)
		{
			if (keys[i].len == keys[i - 1].len &&
				memcmp(keys[i].p, keys[i - 1].p, keys[i].len) == 0 &&
				(dup == NULL || keys[i].seq < dup->seq))
				dup = &keys[i];
		}
	}
	if (dup != NULL)
	{
		char		path[PATH_LEN];
		char		raw[KEY_SHOWN + 1];
		char		shown[KEY_SHOWN];
		size_t		rn = dup->len < KEY_SHOWN ? dup->len : KEY_SHOWN;

		memcpy(raw, dup->p, rn);
		raw[rn] = '\0';
		ls_text_excerpt(raw, shown, sizeof(shown));
		scan_path(s, s->depth - 1, dup->p, dup->len, path);
		return ls_error_set(s->err, LS_ERR_INVALID,
							"%s: duplicate key \"%s\" (a key may appear only once in an object)",
							path, shown);
	}
	s->nkeys = f->keys_start;
	s->keybuf_len = f->buf_start;
	return true;
}

static bool
scan_key_read(scanner *s, size_t *pos)
{
	scan_frame *f = &s->frames[s->depth - 1];
	size_t		start = s->keybuf_len;
	bool		has_nul;

	if (!scan_string(s, pos, true, &has_nul))
		return false;
	f->key_off = start;
	f->key_len = s->keybuf_len - start;
	f->has_key = true;
	f->expect_key = false;
	if (has_nul)
	{
		char		path[PATH_LEN];

		scan_path(s, s->depth, NULL, 0, path);
		return ls_error_set(s->err, LS_ERR_INVALID,
							"%s: keys must not contain \\u0000", path);
	}
	if (s->nkeys == s->keys_cap)
	{
		size_t		cap = s->keys_cap ? s->keys_cap * 2 : 64;
		scan_key   *k = realloc(s->keys, cap * sizeof(scan_key));

		if (k == NULL)
			return scan_nomem(s);
		s->keys = k;
		s->keys_cap = cap;
	}
	s->keys[s->nkeys].off = start;
	s->keys[s->nkeys].len = f->key_len;
	s->keys[s->nkeys].seq = s->nkeys - f->keys_start;
	s->keys[s->nkeys].p = NULL;
	s->nkeys++;
	return true;
}

/*
 * json-c clamps integers outside int64/uint64 to the nearest bound
 * without a word; refuse them instead.  Decimals overflow to infinity,
 * which the conversion refuses as not finite.
 */
static bool
scan_scalar(scanner *s, size_t *pos)
{
	size_t		start = *pos;
	size_t		i = start;
	bool		integer = true;
	const char *digits;
	size_t		ndigits;
	bool		negative;

	while (i < s->len && !strchr(",]} \t\r\n", s->text[i]))
	{
		if (s->text[i] == '.' || s->text[i] == 'e' || s->text[i] == 'E')
			integer = false;
		i++;
	}
	*pos = i;
	negative = s->text[start] == '-';
	digits = s->text + start + (negative ? 1 : 0);
	ndigits = (size_t) (s->text + i - digits);
	if (!integer || ndigits == 0 || digits[0] < '0' || digits[0] > '9')
		return true;
	if ((negative && (ndigits > 19 ||
					  (ndigits == 19 && memcmp(digits, "9223372036854775808", 19) > 0))) ||
		(!negative && (ndigits > 20 ||
					   (ndigits == 20 && memcmp(digits, "18446744073709551615", 20) > 0))))
	{
		char		path[PATH_LEN];

		scan_path(s, s->depth, NULL, 0, path);
		return ls_error_set(s->err, LS_ERR_INVALID,
							"%s%sinteger out of range (write large numbers with an exponent, e.g. 1e20)",
							path, path[0] ? ": " : "");
	}
	return true;
}

static bool
scan_open(scanner *s, bool is_object)
{
	scan_frame *f;

	if (s->depth >= (int) (sizeof(s->frames) / sizeof(s->frames[0])))
		return ls_error_set(s->err, LS_ERR_LIMIT,
							"the model document is nested deeper than %d levels",
							LS_MAX_DEPTH);
	f = &s->frames[s->depth++];
	memset(f, 0, sizeof(*f));
	f->is_object = is_object;
	f->expect_key = is_object;
	f->keys_start = s->nkeys;
	f->buf_start = s->keybuf_len;
	return true;
}

static bool
scan_document(scanner *s)
{
	size_t		pos = 0;
	bool		has_nul;

	while (pos < s->len)
	{
		char		c = s->text[pos];
		scan_frame *top = s->depth > 0 ? &s->frames[s->depth - 1] : NULL;

		switch (c)
		{
			case ' ':
			case '\t':
			case '\r':
			case '\n':
			case ':':
				pos++;
				break;
			case '{':
			case '[':
				if (!scan_open(s, c == '{'))
					return false;
				pos++;
				break;
			case '\'':
				/* json-c takes a single-quoted key even in strict mode */
				return scan_error_at(s, pos, "single-quoted strings are not JSON (use double quotes)");
			case '}':
			case ']':
				/* json-c balanced them; a scan out of step must not underflow */
				if (s->depth <= 0)
					return scan_error_at(s, pos, "unbalanced brackets");
				if (c == '}' && !scan_close_object(s))
					return false;
				s->depth--;
				pos++;
				break;
			case ',':
				if (top != NULL && top->is_object)
					top->expect_key = true;
				else if (top != NULL)
					top->index++;
				pos++;
				break;
			case '"':
				if (top != NULL && top->is_object && top->expect_key)
				{
					if (!scan_key_read(s, &pos))
						return false;
				}
				else if (!scan_string(s, &pos, false, &has_nul))
					return false;
				break;
			default:
				if (!scan_scalar(s, &pos))
					return false;
				break;
		}
	}
	return true;
}

static bool
scan_raw(const char *text, size_t len, ls_error *err)
{
	scanner    *s = calloc(1, sizeof(scanner));
	bool		ok;

	if (s == NULL)
		return ls_error_set(err, LS_ERR_NOMEM,
							"out of memory while reading the model document");
	s->text = text;
	s->len = len;
	s->err = err;
	ok = scan_document(s);
	free(s->keybuf);
	free(s->keys);
	free(s);
	return ok;
}

/* ---------------------------------------------------------------------
 * Step 4: conversion to ls_model
 * ---------------------------------------------------------------------
 */

typedef struct reader
{
	ls_arena   *arena;
	ls_error   *err;
	char		path[PATH_LEN];
	size_t		path_len;
} reader;

static bool
rfail(reader *r, ls_error_kind kind, const char *fmt,...)
__attribute__((format(printf, 3, 4)));

/* Report a problem at the current path; always returns false. */
static bool
rfail(reader *r, ls_error_kind kind, const char *fmt,...)
{
	char		msg[LS_ERROR_MSG_LEN];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->path_len == 0)
		ls_error_set(r->err, kind, "%s", msg);
	else
		ls_error_set(r->err, kind, "%s: %s", r->path, msg);
	return finish_error(r->err);
}

static size_t
push_key(reader *r, const char *key)
{
	size_t		saved = r->path_len;

	path_append_key(r->path, &r->path_len, key, strlen(key));
	return saved;
}

static size_t
push_index(reader *r, long index)
{
	size_t		saved = r->path_len;

	path_append_index(r->path, &r->path_len, index);
	return saved;
}

static void
pop_path(reader *r, size_t saved)
{
	r->path_len = saved;
	r->path[saved] = '\0';
}

static void *
ralloc(reader *r, size_t size)
{
	void	   *p = ls_arena_alloc(r->arena, size);

	if (p == NULL)
		rfail(r, LS_ERR_NOMEM, "out of memory while reading the model document");
	return p;
}

static const char *
type_name(struct json_object *v)
{
	switch (json_object_get_type(v))
	{
		case json_type_null:
			return "null";
		case json_type_boolean:
			return "a boolean";
		case json_type_double:
		case json_type_int:
			return "a number";
		case json_type_object:
			return "an object";
		case json_type_array:
			return "an array";
		case json_type_string:
			return "a string";
	}
	return "an unknown type";
}

/* Refuse keys not in allowed (a typo must not be silently ignored). */
static bool
check_keys(reader *r, struct json_object *obj, const char *const *allowed,
		   int nallowed)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);

	while (!json_object_iter_equal(&it, &end))
	{
		const char *key = json_object_iter_peek_name(&it);
		int			i;

		for (i = 0; i < nallowed; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (i == nallowed)
		{
			char		list[256];
			size_t		len = 0;

			list[0] = '\0';
			for (i = 0; i < nallowed; i++)
			{
				snprintf(list + len, sizeof(list) - len, "%s%s",
						 i ? ", " : "", allowed[i]);
				len += strlen(list + len);
			}
			push_key(r, key);
			return rfail(r, LS_ERR_INVALID, "unknown key (expected one of %s)", list);
		}
		json_object_iter_next(&it);
	}
	return true;
}

/* The value of key in obj, or NULL when absent; *present tells null apart. */
static struct json_object *
member(struct json_object *obj, const char *key, bool *present)
{
	struct json_object *v = NULL;

	*present = json_object_object_get_ex(obj, key, &v);
	return v;
}

/* Copy a JSON string into the arena (current path names it in errors). */
static bool
get_string(reader *r, struct json_object *v, char **out)
{
	int			len;
	const char *s;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return rfail(r, LS_ERR_INVALID, "expected a string, not %s",
					 v ? type_name(v) : "null");
	len = json_object_get_string_len(v);
	s = json_object_get_string(v);
	if (len > LS_MAX_TEXT)
		return rfail(r, LS_ERR_LIMIT, "string too long (%d bytes; the limit is %d)",
					 len, LS_MAX_TEXT);
	if (strlen(s) != (size_t) len)
		return rfail(r, LS_ERR_INVALID, "strings must not contain \\u0000");
	*out = ls_arena_strndup(r->arena, s, (size_t) len);
	if (*out == NULL)
		return rfail(r, LS_ERR_NOMEM, "out of memory while reading the model document");
	return true;
}

static bool
get_number(reader *r, struct json_object *v, double *out)
{
	if (v == NULL || (!json_object_is_type(v, json_type_int) &&
					  !json_object_is_type(v, json_type_double)))
		return rfail(r, LS_ERR_INVALID, "expected a number, not %s",
					 v ? type_name(v) : "null");
	*out = json_object_get_double(v);
	if (!isfinite(*out))
		return rfail(r, LS_ERR_INVALID, "expected a finite number");
	return true;
}

/* Optional or required string member. */
static bool
read_string_member(reader *r, struct json_object *obj, const char *key,
				   bool required, char **out)
{
	bool		present;
	struct json_object *v = member(obj, key, &present);
	size_t		saved;
	bool		ok;

	if (!present)
	{
		if (!required)
			return true;
		saved = push_key(r, key);
		return rfail(r, LS_ERR_INVALID, "is required (expected a string)");
	}
	saved = push_key(r, key);
	ok = get_string(r, v, out);
	if (ok)
		pop_path(r, saved);
	return ok;
}

/* Optional or required number member; *present_out may be NULL. */
static bool
read_number_member(reader *r, struct json_object *obj, const char *key,
				   bool required, double *out, bool *present_out)
{
	bool		present;
	struct json_object *v = member(obj, key, &present);
	size_t		saved;
	bool		ok;

	if (present_out)
		*present_out = present;
	if (!present)
	{
		if (!required)
			return true;
		saved = push_key(r, key);
		return rfail(r, LS_ERR_INVALID, "is required (expected a number)");
	}
	saved = push_key(r, key);
	ok = get_number(r, v, out);
	if (ok)
		pop_path(r, saved);
	return ok;
}

static bool
expect_object(reader *r, struct json_object *v)
{
	if (v == NULL || !json_object_is_type(v, json_type_object))
		return rfail(r, LS_ERR_INVALID, "expected an object, not %s",
					 v ? type_name(v) : "null");
	return true;
}

/* One literal: a string or a number. */
static bool
read_value(reader *r, struct json_object *v, ls_value *out)
{
	if (v != NULL && (json_object_is_type(v, json_type_int) ||
					  json_object_is_type(v, json_type_double)))
	{
		char		num[LS_NUMBER_BUFLEN];

		if (!get_number(r, v, &out->num))
			return false;
		out->is_number = true;
		ls_number_format(out->num, num, sizeof(num));
		out->text = ls_arena_strdup(r->arena, num);
		if (out->text == NULL)
			return rfail(r, LS_ERR_NOMEM, "out of memory while reading the model document");
		return true;
	}
	if (v != NULL && json_object_is_type(v, json_type_string))
		return get_string(r, v, &out->text);
	return rfail(r, LS_ERR_INVALID, "expected a string or a number, not %s",
				 v ? type_name(v) : "null");
}

/*
 * "value": a literal or an array of literals.  What the operator needs
 * (two numbers for between, ...) is ls_condition_validate's business.
 */
static bool
read_values(reader *r, struct json_object *v, ls_condition *c)
{
	size_t		n;
	size_t		i;

	if (v == NULL || !json_object_is_type(v, json_type_array))
	{
		if (v == NULL || json_object_is_type(v, json_type_object) ||
			json_object_is_type(v, json_type_boolean))
			return rfail(r, LS_ERR_INVALID,
						 "expected a string, a number or an array, not %s",
						 v ? type_name(v) : "null");
		c->values = ralloc(r, sizeof(ls_value));
		if (c->values == NULL)
			return false;
		c->nvalues = 1;
		return read_value(r, v, &c->values[0]);
	}
	n = json_object_array_length(v);
	c->value_is_array = true;
	if (n > LS_MAX_VALUES)
		return rfail(r, LS_ERR_LIMIT, "too many values (%zu; the limit is %d)",
					 n, LS_MAX_VALUES);
	if (n == 0)
		return true;
	c->values = ralloc(r, sizeof(ls_value) * n);
	if (c->values == NULL)
		return false;
	c->nvalues = (int) n;
	for (i = 0; i < n; i++)
	{
		size_t		saved = push_index(r, (long) i);

		if (!read_value(r, json_object_array_get_idx(v, i), &c->values[i]))
			return false;
		pop_path(r, saved);
	}
	return true;
}

/* attribute, op and value of a fit rule or of an intent `where`. */
static bool
read_condition(reader *r, struct json_object *obj, ls_condition *c)
{
	char	   *op = NULL;
	bool		present;
	struct json_object *v;
	size_t		saved;

	if (!read_string_member(r, obj, "attribute", true, &c->attribute) ||
		!read_string_member(r, obj, "op", true, &op))
		return false;
	if (!ls_op_parse(op, &c->op))
	{
		char		shown[64];
		char		list[200];
		size_t		len = 0;
		int			i;

		list[0] = '\0';
		for (i = 0; i < LS_OP_COUNT; i++)
		{
			snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					 ls_op_name((ls_op) i));
			len += strlen(list + len);
		}
		ls_text_excerpt(op, shown, sizeof(shown));
		push_key(r, "op");
		return rfail(r, LS_ERR_INVALID, "unknown operator \"%s\" (expected one of %s)",
					 shown, list);
	}
	v = member(obj, "value", &present);
	saved = push_key(r, "value");
	if (!present)
	{
		if (ls_op_kind_of(c->op) == LS_OPK_PRESENCE)
		{
			pop_path(r, saved);
			return true;
		}
		return rfail(r, LS_ERR_INVALID, "is required for %s", op);
	}
	if (!read_values(r, v, c))
		return false;
	pop_path(r, saved);
	return true;
}

static bool
read_fit_rule(reader *r, struct json_object *obj, ls_fit_rule *rule)
{
	static const char *const keys[] = {
		"name", "attribute", "op", "value", "points", "group"
	};

	return expect_object(r, obj) &&
		check_keys(r, obj, keys, 6) &&
		read_string_member(r, obj, "name", true, &rule->name) &&
		read_condition(r, obj, &rule->cond) &&
		read_number_member(r, obj, "points", true, &rule->points, NULL) &&
		read_string_member(r, obj, "group", false, &rule->group);
}

static bool
read_intent_rule(reader *r, struct json_object *obj, ls_intent_rule *rule)
{
	static const char *const keys[] = {
		"name", "event", "where", "points", "cap"
	};
	static const char *const where_keys[] = {"attribute", "op", "value"};
	bool		present;
	struct json_object *where;

	if (!expect_object(r, obj) ||
		!check_keys(r, obj, keys, 5) ||
		!read_string_member(r, obj, "name", true, &rule->name) ||
		!read_string_member(r, obj, "event", true, &rule->event))
		return false;
	where = member(obj, "where", &present);
	if (present)
	{
		size_t		saved = push_key(r, "where");

		if (!expect_object(r, where) ||
			!check_keys(r, where, where_keys, 3) ||
			!read_condition(r, where, &rule->where))
			return false;
		rule->has_where = true;
		pop_path(r, saved);
	}
	return read_number_member(r, obj, "points", true, &rule->points, NULL) &&
		read_number_member(r, obj, "cap", false, &rule->cap, &rule->has_cap);
}

/*
 * An optional member `key` holding an array of at most `limit` elements:
 * true with *v NULL when absent; else the path is pushed to it (*saved pops
 * it) and *n is its length.
 */
static bool
read_array_member(reader *r, struct json_object *obj, const char *key, int limit,
				  struct json_object **v, size_t *n, size_t *saved)
{
	bool		present;

	*v = member(obj, key, &present);
	*n = 0;
	if (!present)
	{
		*v = NULL;
		return true;
	}
	*saved = push_key(r, key);
	if (*v == NULL || !json_object_is_type(*v, json_type_array))
		return rfail(r, LS_ERR_INVALID, "expected an array of %s, not %s",
					 key, *v ? type_name(*v) : "null");
	*n = json_object_array_length(*v);
	if (*n > (size_t) limit)
		return rfail(r, LS_ERR_LIMIT, "too many %s (%zu; the limit is %d)",
					 key, *n, limit);
	return true;
}

/* "rules": an array of rule objects, at most LS_MAX_RULES. */
static bool
read_rules(reader *r, struct json_object *section, bool fit, ls_model *m)
{
	struct json_object *v;
	size_t		saved;
	size_t		n;
	size_t		i;

	if (!read_array_member(r, section, "rules", LS_MAX_RULES, &v, &n, &saved))
		return false;
	if (v == NULL)
		return true;
	if (n > 0)
	{
		if (fit)
			m->fit_rules = ralloc(r, sizeof(ls_fit_rule) * n);
		else
			m->intent_rules = ralloc(r, sizeof(ls_intent_rule) * n);
		if (fit ? m->fit_rules == NULL : m->intent_rules == NULL)
			return false;
	}
	for (i = 0; i < n; i++)
	{
		size_t		saved_i = push_index(r, (long) i);
		struct json_object *rule = json_object_array_get_idx(v, i);

		if (fit ? !read_fit_rule(r, rule, &m->fit_rules[i])
			: !read_intent_rule(r, rule, &m->intent_rules[i]))
			return false;
		pop_path(r, saved_i);
	}
	if (fit)
		m->n_fit = (int) n;
	else
		m->n_intent = (int) n;
	pop_path(r, saved);
	return true;
}

/* "grades": {"A": 80, ...}, stored highest bar first. */
static bool
read_grades(reader *r, struct json_object *fit, ls_model *m)
{
	bool		present;
	struct json_object *v = member(fit, "grades", &present);
	struct json_object_iterator it;
	struct json_object_iterator end;
	size_t		saved;
	int			n;
	int			i;

	if (!present)
		return true;
	saved = push_key(r, "grades");
	if (!expect_object(r, v))
		return false;
	n = json_object_object_length(v);
	if (n > LS_MAX_GRADES)
		return rfail(r, LS_ERR_INVALID, "too many grades (%d; at most %d)",
					 n, LS_MAX_GRADES);
	m->grades = n > 0 ? ralloc(r, sizeof(ls_grade) * (size_t) n) : NULL;
	if (n > 0 && m->grades == NULL)
		return false;
	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	for (i = 0; !json_object_iter_equal(&it, &end); i++)
	{
		const char *letter = json_object_iter_peek_name(&it);
		size_t		saved_g = push_key(r, letter);
		ls_grade	g;
		int			j;

		if (strlen(letter) > LS_MAX_TEXT)
			return rfail(r, LS_ERR_LIMIT, "grade letter too long");
		g.letter = ls_arena_strdup(r->arena, letter);
		if (g.letter == NULL)
			return rfail(r, LS_ERR_NOMEM, "out of memory while reading the model document");
		if (!get_number(r, json_object_iter_peek_value(&it), &g.bar))
			return false;
		pop_path(r, saved_g);

		/* insertion sort, highest bar first, ties in document order */
		for (j = i; j > 0 && m->grades[j - 1].bar < g.bar; j--)
			m->grades[j] = m->grades[j - 1];
		m->grades[j] = g;
		json_object_iter_next(&it);
	}
	m->n_grades = n;
	pop_path(r, saved);
	return true;
}

static bool
read_fit(reader *r, struct json_object *root, ls_model *m)
{
	static const char *const keys[] = {"rules", "grades"};
	bool		present;
	struct json_object *fit = member(root, "fit", &present);
	size_t		saved;

	if (!present)
		return true;
	saved = push_key(r, "fit");
	if (!expect_object(r, fit) || !check_keys(r, fit, keys, 2) ||
		!read_rules(r, fit, true, m) || !read_grades(r, fit, m))
		return false;
	pop_path(r, saved);
	return true;
}

static bool
read_half_life(reader *r, struct json_object *intent, ls_model *m)
{
	bool		present;
	struct json_object *v = member(intent, "half_life", &present);
	size_t		saved;
	char	   *text;
	ls_error	derr;

	if (!present || v == NULL)
		return true;			/* null: intent does not decay */
	saved = push_key(r, "half_life");
	if (!json_object_is_type(v, json_type_string))
		return rfail(r, LS_ERR_INVALID,
					 "expected a duration such as \"30 days\", or null, not %s",
					 type_name(v));
	if (!get_string(r, v, &text))
		return false;

	/*
	 * The text of a duration is a syntax matter on its own, but inside a
	 * well-formed document it is a wrong value like any other.
	 */
	if (!ls_duration_parse(text, &m->half_life_seconds, &derr))
		return rfail(r, LS_ERR_INVALID, "%s", derr.msg);

	/*
	 * In the model 0 means "no decay", which a document says with null; a
	 * half-life of "0 days" would decay everything at once, and the catalog
	 * refuses it (half_life > interval '0').
	 */
	if (m->half_life_seconds <= 0)
		return rfail(r, LS_ERR_INVALID,
					 "expected a positive duration (or null for no decay)");
	pop_path(r, saved);
	return true;
}

static bool
read_inactivity(reader *r, struct json_object *intent, ls_model *m)
{
	static const char *const keys[] = {"days", "points"};
	bool		present;
	struct json_object *v = member(intent, "inactivity", &present);
	size_t		saved;

	if (!present)
		return true;
	saved = push_key(r, "inactivity");
	if (!expect_object(r, v) || !check_keys(r, v, keys, 2) ||
		!read_number_member(r, v, "days", true, &m->inactivity_days, NULL) ||
		!read_number_member(r, v, "points", true, &m->inactivity_points, NULL))
		return false;
	m->has_inactivity = true;
	pop_path(r, saved);
	return true;
}

static bool
read_intent(reader *r, struct json_object *root, ls_model *m)
{
	static const char *const keys[] = {"half_life", "rules", "inactivity"};
	bool		present;
	struct json_object *intent = member(root, "intent", &present);
	size_t		saved;

	if (!present)
		return true;
	saved = push_key(r, "intent");
	if (!expect_object(r, intent) || !check_keys(r, intent, keys, 3) ||
		!read_half_life(r, intent, m) || !read_rules(r, intent, false, m) ||
		!read_inactivity(r, intent, m))
		return false;
	pop_path(r, saved);
	return true;
}

/* A section of two optional numbers: thresholds, routing, weights. */
static bool
read_pair(reader *r, struct json_object *root, const char *section,
		  const char *k1, double *v1, const char *k2, double *v2)
{
	const char *const keys[] = {k1, k2};
	bool		present;
	struct json_object *v = member(root, section, &present);
	size_t		saved;

	if (!present)
		return true;
	saved = push_key(r, section);
	if (!expect_object(r, v) || !check_keys(r, v, keys, 2) ||
		!read_number_member(r, v, k1, false, v1, NULL) ||
		!read_number_member(r, v, k2, false, v2, NULL))
		return false;
	pop_path(r, saved);
	return true;
}

/* alerts.stages: which stages alert when a lead reaches them */
static bool
read_alert_stages(reader *r, struct json_object *alerts, ls_model *m)
{
	bool		present;
	struct json_object *v = member(alerts, "stages", &present);
	size_t		saved;
	size_t		i,
				n;

	if (!present)
		return true;
	saved = push_key(r, "stages");
	if (v == NULL || !json_object_is_type(v, json_type_array))
		return rfail(r, LS_ERR_INVALID, "expected an array of stages (\"mql\", \"sql\"), not %s",
					 type_name(v));
	m->alert_mql = m->alert_sql = false;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
	{
		struct json_object *e = json_object_array_get_idx(v, i);
		size_t		esaved = push_index(r, (long) i);
		char	   *stage;
		bool	   *flag;

		if (e == NULL || !json_object_is_type(e, json_type_string))
			return rfail(r, LS_ERR_INVALID, "expected \"mql\" or \"sql\", not %s", type_name(e));
		if (!get_string(r, e, &stage))
			return false;
		if (strcmp(stage, "mql") == 0)
			flag = &m->alert_mql;
		else if (strcmp(stage, "sql") == 0)
			flag = &m->alert_sql;
		else
			return rfail(r, LS_ERR_INVALID, "unknown stage \"%s\" (expected \"mql\" or \"sql\")", stage);
		if (*flag)
			return rfail(r, LS_ERR_INVALID, "stage \"%s\" is listed twice", stage);
		*flag = true;
		pop_path(r, esaved);
	}
	pop_path(r, saved);
	return true;
}

/* alerts.sla: a follow-up task, due this long after the alert, per route */
static bool
read_alert_sla(reader *r, struct json_object *alerts, ls_model *m)
{
	bool		present;
	struct json_object *v = member(alerts, "sla", &present);
	size_t		saved;
	int			k;

	if (!present)
		return true;
	saved = push_key(r, "sla");
	if (!expect_object(r, v) || !check_keys(r, v, ls_route_names, LS_ROUTE_COUNT))
		return false;
	for (k = 0; k < LS_ROUTE_COUNT; k++)
	{
		bool		has;
		struct json_object *d = member(v, ls_route_names[k], &has);
		size_t		dsaved;
		char	   *text;
		ls_error	derr;

		if (!has)
			continue;
		dsaved = push_key(r, ls_route_names[k]);
		if (d == NULL || !json_object_is_type(d, json_type_string))
			return rfail(r, LS_ERR_INVALID, "expected a duration such as \"1 hour\", not %s",
						 type_name(d));
		if (!get_string(r, d, &text))
			return false;
		if (!ls_duration_parse(text, &m->task_sla_seconds[k], &derr))
			return rfail(r, LS_ERR_INVALID, "%s", derr.msg);
		if (m->task_sla_seconds[k] <= 0)
			return rfail(r, LS_ERR_INVALID, "expected a positive duration");
		pop_path(r, dsaved);
	}
	pop_path(r, saved);
	return true;
}

static bool
read_alerts(reader *r, struct json_object *root, ls_model *m)
{
	static const char *const keys[] = {"stages", "sla"};
	bool		present;
	struct json_object *alerts = member(root, "alerts", &present);
	size_t		saved;

	if (!present)
		return true;
	saved = push_key(r, "alerts");
	if (!expect_object(r, alerts) || !check_keys(r, alerts, keys, 2) ||
		!read_alert_stages(r, alerts, m) || !read_alert_sla(r, alerts, m))
		return false;
	pop_path(r, saved);
	return true;
}

/* Optional boolean member. */
static bool
read_bool_member(reader *r, struct json_object *obj, const char *key, bool *out)
{
	bool		present;
	struct json_object *v = member(obj, key, &present);
	size_t		saved;

	if (!present)
		return true;
	saved = push_key(r, key);
	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return rfail(r, LS_ERR_INVALID, "expected true or false, not %s",
					 v ? type_name(v) : "null");
	*out = json_object_get_boolean(v);
	pop_path(r, saved);
	return true;
}

static bool
read_role(reader *r, struct json_object *obj, ls_role *role)
{
	static const char *const keys[] = {"name", "when", "points", "required"};
	static const char *const when_keys[] = {"attribute", "op", "value"};
	bool		present;
	struct json_object *when;
	size_t		saved;

	if (!expect_object(r, obj) || !check_keys(r, obj, keys, 4) ||
		!read_string_member(r, obj, "name", true, &role->name))
		return false;
	when = member(obj, "when", &present);
	saved = push_key(r, "when");
	if (!present)
		return rfail(r, LS_ERR_INVALID, "is required (expected a condition on the lead row)");
	if (!expect_object(r, when) || !check_keys(r, when, when_keys, 3) ||
		!read_condition(r, when, &role->when))
		return false;
	pop_path(r, saved);
	return read_number_member(r, obj, "points", true, &role->points, NULL) &&
		read_bool_member(r, obj, "required", &role->required);
}

static bool
read_roles(reader *r, struct json_object *committee, ls_account_model *a)
{
	struct json_object *v;
	size_t		saved;
	size_t		n;
	size_t		i;

	if (!read_array_member(r, committee, "roles", LS_MAX_ROLES, &v, &n, &saved))
		return false;
	if (v == NULL)
		return true;
	if (n > 0 && (a->roles = ralloc(r, sizeof(ls_role) * n)) == NULL)
		return false;
	for (i = 0; i < n; i++)
	{
		size_t		saved_i = push_index(r, (long) i);

		memset(&a->roles[i], 0, sizeof(ls_role));
		if (!read_role(r, json_object_array_get_idx(v, i), &a->roles[i]))
			return false;
		pop_path(r, saved_i);
	}
	a->n_roles = (int) n;
	pop_path(r, saved);
	return true;
}

static bool
read_committee(reader *r, struct json_object *account, ls_account_model *a)
{
	static const char *const keys[] = {"engaged", "roles"};
	static const char *const engaged_keys[] = {"intent_gte"};
	bool		present;
	struct json_object *committee = member(account, "committee", &present);
	struct json_object *engaged;
	size_t		saved;

	if (!present)
		return true;
	saved = push_key(r, "committee");
	if (!expect_object(r, committee) || !check_keys(r, committee, keys, 2))
		return false;
	engaged = member(committee, "engaged", &present);
	if (present)
	{
		size_t		saved_e = push_key(r, "engaged");

		if (!expect_object(r, engaged) || !check_keys(r, engaged, engaged_keys, 1) ||
			!read_number_member(r, engaged, "intent_gte", true, &a->intent_gte, NULL))
			return false;
		pop_path(r, saved_e);
	}
	if (!read_roles(r, committee, a))
		return false;
	pop_path(r, saved);
	return true;
}

/* "account": fit over the accounts table, the contact cap, the committee */
static bool
read_account(reader *r, struct json_object *root, ls_model *m)
{
	static const char *const keys[] = {"fit", "contact_cap", "committee", "thresholds"};
	static const char *const fit_keys[] = {"rules", "grades"};
	bool		present;
	struct json_object *account = member(root, "account", &present);
	struct json_object *fit;
	ls_account_model *a;
	ls_model	sub;
	size_t		saved;

	if (!present)
		return true;
	saved = push_key(r, "account");
	if (!expect_object(r, account) || !check_keys(r, account, keys, 4))
		return false;
	if ((a = ralloc(r, sizeof(ls_account_model))) == NULL)
		return false;
	memset(a, 0, sizeof(*a));
	a->engaged = LS_DEFAULT_ENGAGED;
	a->buying = LS_DEFAULT_BUYING;

	/* the fit section reads like the lead's, into a model of its own */
	ls_model_init(&sub);
	fit = member(account, "fit", &present);
	if (present)
	{
		size_t		saved_f = push_key(r, "fit");

		if (!expect_object(r, fit) || !check_keys(r, fit, fit_keys, 2) ||
			!read_rules(r, fit, true, &sub) || !read_grades(r, fit, &sub))
			return false;
		pop_path(r, saved_f);
	}
	a->fit_rules = sub.fit_rules;
	a->n_fit = sub.n_fit;
	a->grades = sub.grades;
	a->n_grades = sub.n_grades;
	if (!read_number_member(r, account, "contact_cap", false, &a->contact_cap,
							&a->has_contact_cap) ||
		!read_committee(r, account, a) ||
		!read_pair(r, account, "thresholds", "engaged", &a->engaged, "buying", &a->buying))
		return false;
	m->account = a;
	pop_path(r, saved);
	return true;
}

static bool
read_model(reader *r, struct json_object *root, ls_model *m)
{
	static const char *const keys[] = {
		"name", "status", "fit", "intent", "thresholds", "routing", "weights", "alerts",
		"account"
	};

	if (!json_object_is_type(root, json_type_object))
		return rfail(r, LS_ERR_INVALID,
					 "the model document must be a JSON object, not %s",
					 type_name(root));
	return check_keys(r, root, keys, 9) &&
		read_string_member(r, root, "name", true, &m->name) &&
		read_string_member(r, root, "status", false, &m->status) &&
		read_fit(r, root, m) &&
		read_intent(r, root, m) &&
		read_pair(r, root, "thresholds", "mql", &m->mql, "sql", &m->sql) &&
		read_pair(r, root, "routing", "fit_high", &m->fit_high,
				  "intent_high", &m->intent_high) &&
		read_pair(r, root, "weights", "fit", &m->fit_weight,
				  "intent", &m->intent_weight) &&
		read_alerts(r, root, m) &&
		read_account(r, root, m);
}

bool
ls_model_from_json(const char *text, size_t len, ls_arena *arena,
				   const ls_validate_hooks *hooks, ls_model **out,
				   ls_error *err)
{
	struct json_object *root;
	reader		r;
	ls_model   *m;
	const char *nul;
	size_t		bad;
	bool		ok;

	ls_error_clear(err);
	if (text == NULL)
		text = "";
	if (len > LS_MAX_DOCUMENT)
		return ls_error_set(err, LS_ERR_LIMIT,
							"the model document is too large (%zu bytes; the limit is %d)",
							len, LS_MAX_DOCUMENT);
	nul = memchr(text, '\0', len);
	if (nul != NULL)
	{
		int			line;
		int			column;

		line_column(text, len, (size_t) (nul - text), &line, &column);
		return ls_error_set(err, LS_ERR_SYNTAX,
							"invalid JSON at line %d, column %d: NUL byte in the document",
							line, column);
	}
	/* json-c lets overlong forms and encoded surrogates through */
	if (!ls_utf8_valid(text, len, &bad))
	{
		int			line;
		int			column;

		line_column(text, len, bad, &line, &column);
		return ls_error_set(err, LS_ERR_SYNTAX,
							"invalid JSON at line %d, column %d: invalid UTF-8",
							line, column);
	}
	if (!parse_json(text, len, &root, err))
		return false;
	if (root == NULL)
		return ls_error_set(err, LS_ERR_INVALID,
							"the model document must be a JSON object, not null");

	memset(&r, 0, sizeof(r));
	r.arena = arena;
	r.err = err;
	m = ralloc(&r, sizeof(ls_model));
	ok = m != NULL;
	if (ok)
	{
		ls_model_init(m);
		ok = scan_raw(text, len, err) && read_model(&r, root, m);
	}

	/*
	 * Free json-c's memory before validating: the host's regex hook may
	 * throw, and the model no longer points into json-c objects.
	 */
	json_object_put(root);
	if (!ok)
		return false;
	if (!ls_model_validate(m, hooks, err))
		return false;
	*out = m;
	return true;
}

/* ---------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------
 */

#define WRITER_MAX_DEPTH 16

typedef struct writer
{
	char	   *buf;			/* NULL: only measure */
	size_t		len;
	int			depth;
	bool		empty[WRITER_MAX_DEPTH];	/* nothing written yet at a level */
} writer;

static void
w_raw(writer *w, const char *s, size_t n)
{
	if (w->buf != NULL)
		memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void
w_str(writer *w, const char *s)
{
	w_raw(w, s, strlen(s));
}

static void
w_newline(writer *w)
{
	int			i;

	w_raw(w, "\n", 1);
	for (i = 0; i < w->depth; i++)
		w_raw(w, "  ", 2);
}

static void
w_string(writer *w, const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *run;

	if (s == NULL)
	{
		w_str(w, "null");
		return;
	}
	w_raw(w, "\"", 1);
	run = p;
	for (; *p; p++)
	{
		char		esc[8];

		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		w_raw(w, (const char *) run, (size_t) (p - run));
		switch (*p)
		{
			case '"':
				w_raw(w, "\\\"", 2);
				break;
			case '\\':
				w_raw(w, "\\\\", 2);
				break;
			case '\n':
				w_raw(w, "\\n", 2);
				break;
			case '\r':
				w_raw(w, "\\r", 2);
				break;
			case '\t':
				w_raw(w, "\\t", 2);
				break;
			case '\b':
				w_raw(w, "\\b", 2);
				break;
			case '\f':
				w_raw(w, "\\f", 2);
				break;
			default:
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				w_str(w, esc);
				break;
		}
		run = p + 1;
	}
	w_raw(w, (const char *) run, (size_t) (p - run));
	w_raw(w, "\"", 1);
}

static void
w_number(writer *w, double v)
{
	char		num[LS_NUMBER_BUFLEN];

	/* JSON has no NaN or infinity; only an invalid model gets here */
	if (!isfinite(v))
	{
		w_str(w, "null");
		return;
	}
	ls_number_format(v, num, sizeof(num));
	w_str(w, num);
}

static void
w_open(writer *w, char c)
{
	w_raw(w, &c, 1);
	w->depth++;					/* a model nests 6 levels at most */
	w->empty[w->depth] = true;
}

static void
w_close(writer *w, char c)
{
	bool		was_empty = w->empty[w->depth];

	w->depth--;
	if (!was_empty)
		w_newline(w);
	w_raw(w, &c, 1);
}

/* Start an array element or, with key, an object member. */
static void
w_item(writer *w, const char *key)
{
	if (!w->empty[w->depth])
		w_raw(w, ",", 1);
	w->empty[w->depth] = false;
	w_newline(w);
	if (key != NULL)
	{
		w_string(w, key);
		w_raw(w, ": ", 2);
	}
}

/* Values stay on one line: "value": [200, 5000]. */
static void
w_condition_value(writer *w, const ls_condition *c)
{
	int			i;

	if (c->nvalues == 0 && !c->value_is_array)
		return;
	w_item(w, "value");
	if (c->value_is_array)
		w_raw(w, "[", 1);
	for (i = 0; i < c->nvalues; i++)
	{
		if (i > 0)
			w_raw(w, ", ", 2);
		if (c->values[i].is_number)
			w_number(w, c->values[i].num);
		else
			w_string(w, c->values[i].text);
	}
	if (c->value_is_array)
		w_raw(w, "]", 1);
}

static void
w_fit_rule(writer *w, const ls_fit_rule *rule)
{
	w_open(w, '{');
	w_item(w, "name");
	w_string(w, rule->name);
	w_item(w, "attribute");
	w_string(w, rule->cond.attribute);
	w_item(w, "op");
	w_string(w, ls_op_name(rule->cond.op));
	w_condition_value(w, &rule->cond);
	w_item(w, "points");
	w_number(w, rule->points);
	if (rule->group != NULL)
	{
		w_item(w, "group");
		w_string(w, rule->group);
	}
	w_close(w, '}');
}

static void
w_intent_rule(writer *w, const ls_intent_rule *rule)
{
	w_open(w, '{');
	w_item(w, "name");
	w_string(w, rule->name);
	w_item(w, "event");
	w_string(w, rule->event);
	if (rule->has_where)
	{
		w_item(w, "where");
		w_open(w, '{');
		w_item(w, "attribute");
		w_string(w, rule->where.attribute);
		w_item(w, "op");
		w_string(w, ls_op_name(rule->where.op));
		w_condition_value(w, &rule->where);
		w_close(w, '}');
	}
	w_item(w, "points");
	w_number(w, rule->points);
	if (rule->has_cap)
	{
		w_item(w, "cap");
		w_number(w, rule->cap);
	}
	w_close(w, '}');
}

static void
w_pair(writer *w, const char *section, const char *k1, double v1,
	   const char *k2, double v2)
{
	w_item(w, section);
	w_open(w, '{');
	w_item(w, k1);
	w_number(w, v1);
	w_item(w, k2);
	w_number(w, v2);
	w_close(w, '}');
}

static void
w_alerts(writer *w, const ls_model *m)
{
	char		duration[64];
	int			k;

	w_item(w, "alerts");
	w_open(w, '{');
	w_item(w, "stages");
	w_open(w, '[');
	if (m->alert_mql)
	{
		w_item(w, NULL);
		w_string(w, "mql");
	}
	if (m->alert_sql)
	{
		w_item(w, NULL);
		w_string(w, "sql");
	}
	w_close(w, ']');
	w_item(w, "sla");
	w_open(w, '{');
	for (k = 0; k < LS_ROUTE_COUNT; k++)
		if (m->task_sla_seconds[k] > 0)
		{
			ls_duration_format(m->task_sla_seconds[k], duration, sizeof(duration));
			w_item(w, ls_route_names[k]);
			w_string(w, duration);
		}
	w_close(w, '}');
	w_close(w, '}');
}

static void
w_fit_section(writer *w, const ls_fit_rule *rules, int n_rules,
			  const ls_grade *grades, int n_grades)
{
	int			i;

	w_item(w, "fit");
	w_open(w, '{');
	w_item(w, "rules");
	w_open(w, '[');
	for (i = 0; i < n_rules; i++)
	{
		w_item(w, NULL);
		w_fit_rule(w, &rules[i]);
	}
	w_close(w, ']');
	w_item(w, "grades");
	w_open(w, '{');
	for (i = 0; i < n_grades; i++)
	{
		w_item(w, grades[i].letter ? grades[i].letter : "");
		w_number(w, grades[i].bar);
	}
	w_close(w, '}');
	w_close(w, '}');
}

static void
w_role(writer *w, const ls_role *role)
{
	w_open(w, '{');
	w_item(w, "name");
	w_string(w, role->name);
	w_item(w, "when");
	w_open(w, '{');
	w_item(w, "attribute");
	w_string(w, role->when.attribute);
	w_item(w, "op");
	w_string(w, ls_op_name(role->when.op));
	w_condition_value(w, &role->when);
	w_close(w, '}');
	w_item(w, "points");
	w_number(w, role->points);
	w_item(w, "required");
	w_str(w, role->required ? "true" : "false");
	w_close(w, '}');
}

static void
w_account_body(writer *w, const ls_account_model *a)
{
	int			i;

	w_open(w, '{');
	w_fit_section(w, a->fit_rules, a->n_fit, a->grades, a->n_grades);
	if (a->has_contact_cap)
	{
		w_item(w, "contact_cap");
		w_number(w, a->contact_cap);
	}
	w_item(w, "committee");
	w_open(w, '{');
	w_item(w, "engaged");
	w_open(w, '{');
	w_item(w, "intent_gte");
	w_number(w, a->intent_gte);
	w_close(w, '}');
	w_item(w, "roles");
	w_open(w, '[');
	for (i = 0; i < a->n_roles; i++)
	{
		w_item(w, NULL);
		w_role(w, &a->roles[i]);
	}
	w_close(w, ']');
	w_close(w, '}');
	w_pair(w, "thresholds", "engaged", a->engaged, "buying", a->buying);
	w_close(w, '}');
}

static void
w_model(writer *w, const ls_model *m)
{
	char		duration[64];
	int			i;

	w_open(w, '{');
	w_item(w, "name");
	w_string(w, m->name);
	if (m->status != NULL)
	{
		w_item(w, "status");
		w_string(w, m->status);
	}

	w_fit_section(w, m->fit_rules, m->n_fit, m->grades, m->n_grades);

	w_item(w, "intent");
	w_open(w, '{');
	w_item(w, "half_life");
	if (m->half_life_seconds == 0)
		w_str(w, "null");
	else
	{
		ls_duration_format(m->half_life_seconds, duration, sizeof(duration));
		w_string(w, duration);
	}
	w_item(w, "rules");
	w_open(w, '[');
	for (i = 0; i < m->n_intent; i++)
	{
		w_item(w, NULL);
		w_intent_rule(w, &m->intent_rules[i]);
	}
	w_close(w, ']');
	if (m->has_inactivity)
		w_pair(w, "inactivity", "days", m->inactivity_days,
			   "points", m->inactivity_points);
	w_close(w, '}');

	w_pair(w, "thresholds", "mql", m->mql, "sql", m->sql);
	w_pair(w, "routing", "fit_high", m->fit_high, "intent_high", m->intent_high);
	w_pair(w, "weights", "fit", m->fit_weight, "intent", m->intent_weight);
	w_alerts(w, m);
	if (m->account != NULL)
	{
		w_item(w, "account");
		w_account_body(w, m->account);
	}
	w_close(w, '}');
}

/*
 * The account section alone, for the catalog (leadscore.model.account):
 * measured, then written into one block like the whole document.
 */
bool
ls_account_to_json(const ls_account_model *a, ls_arena *arena, char **out,
				   ls_error *err)
{
	writer		w;
	size_t		len;

	memset(&w, 0, sizeof(w));
	w_account_body(&w, a);
	len = w.len;
	memset(&w, 0, sizeof(w));
	w.buf = ls_arena_alloc(arena, len + 1);
	if (w.buf == NULL)
		return ls_error_set(err, LS_ERR_NOMEM,
							"out of memory while writing the account section");
	w_account_body(&w, a);
	w.buf[len] = '\0';
	*out = w.buf;
	return true;
}

bool
ls_model_to_json(const ls_model *m, ls_arena *arena, char **out,
				 size_t *out_len, ls_error *err)
{
	writer		w;
	size_t		len;

	/* measure, then write the same text into one block */
	memset(&w, 0, sizeof(w));
	w_model(&w, m);
	len = w.len;

	memset(&w, 0, sizeof(w));
	w.buf = ls_arena_alloc(arena, len + 1);
	if (w.buf == NULL)
		return ls_error_set(err, LS_ERR_NOMEM,
							"out of memory while writing the model document");
	w_model(&w, m);
	w.buf[len] = '\0';
	*out = w.buf;
	*out_len = len;
	return true;
}
