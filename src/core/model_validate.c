/*
 * model_validate.c — operator names, attributes, durations, and the checks
 * a model passes before it is stored.
 *
 * The same checks run whether the model came from a JSON document
 * (model_json.c passes JSON paths such as "fit.rules[2]" as `where`) or
 * from catalog rows (the glue passes `rule "exec"`), so a bad rule is
 * refused when it is saved and never at scoring time.
 *
 * Messages start with `where`.  A field is appended JSON-style when
 * `where` is a path ("fit.rules[2].value: ...") and after a colon
 * otherwise ("rule \"exec\": value: ...").
 *
 * Character classes are tested by hand (ASCII only) rather than with
 * <ctype.h>, whose answers depend on the server's locale.
 *
 * The validator refuses everything the catalog's CHECK constraints would
 * (so a refusal is always 22023 with a path, never 23514), bounds every
 * number so no sum of points reaches infinity (model.h), and scans regexes
 * itself before any engine compiles them (ls_regex_precheck, here because
 * the command-line validator links only this file, the codec and arenas).
 */
#include "model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHERE_LEN 384

static const char *const op_names[LS_OP_COUNT] = {
	"eq", "in", "contains", "prefix", "suffix", "regex",
	"between", "gt", "gte", "lt", "lte", "exists", "missing"
};

#define OP_LIST "eq, in, contains, prefix, suffix, regex, between, gt, gte, lt, lte, exists, missing"

static const struct
{
	const char *name;
	ls_derive	derive;
}			derive_names[] = {
	{"seniority", LS_DERIVE_SENIORITY},
	{"email_class", LS_DERIVE_EMAIL_CLASS},
	{"email_domain", LS_DERIVE_EMAIL_DOMAIN}
};

#define DERIVE_LIST "seniority, email_class or email_domain"

/* ---------------------------------------------------------------------
 * Small character and text helpers
 * ---------------------------------------------------------------------
 */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_ident_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

static char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

static bool
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Case-insensitive (ASCII) comparison of s[0..len) with a lower-case word. */
static bool
word_equals(const char *s, size_t len, const char *word)
{
	size_t		i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++)
		if (ascii_lower(s[i]) != word[i])
			return false;
	return true;
}

/*
 * Length of the well-formed UTF-8 character at p (at most n bytes
 * available), or 0 when the bytes there are not one.
 */
static size_t
utf8_char_len(const unsigned char *p, size_t n)
{
	unsigned int c = p[0];
	size_t		len;
	unsigned int cp;
	size_t		i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
	{
		len = 2;
		cp = c & 0x1f;
	}
	else if (c >= 0xe0 && c <= 0xef)
	{
		len = 3;
		cp = c & 0x0f;
	}
	else if (c >= 0xf0 && c <= 0xf4)
	{
		len = 4;
		cp = c & 0x07;
	}
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
	{
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		(cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

bool
ls_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
	size_t		i = 0;

	while (i < len)
	{
		size_t		clen;

		/* runs of ASCII are the common case */
		if ((unsigned char) s[i] < 0x80)
		{
			i++;
			continue;
		}
		clen = utf8_char_len((const unsigned char *) s + i, len - i);
		if (clen == 0)
		{
			if (bad_offset)
				*bad_offset = i;
			return false;
		}
		i += clen;
	}
	return true;
}

void
ls_text_excerpt(const char *s, char *buf, size_t buflen)
{
	size_t		len;
	size_t		room;
	size_t		limit;
	size_t		i = 0;
	size_t		o = 0;

	if (buf == NULL || buflen == 0)
		return;
	if (s == NULL)
	{
		snprintf(buf, buflen, "(null)");
		return;
	}
	len = strlen(s);
	room = buflen - 1;
	limit = len <= room ? len : (room > 3 ? room - 3 : 0);
	while (i < len)
	{
		size_t		clen = utf8_char_len((const unsigned char *) s + i, len - i);

		if (clen <= 1)
		{
			/* a control character or a stray byte becomes one '?' */
			if (o + 1 > limit)
				break;
			buf[o++] = (clen == 0 || is_control((unsigned char) s[i])) ? '?' : s[i];
			i++;
		}
		else
		{
			if (o + clen > limit)
				break;
			memcpy(buf + o, s + i, clen);
			o += clen;
			i += clen;
		}
	}
	if (i < len)
	{
		size_t		k;

		for (k = 0; k < 3 && o < room; k++)
			buf[o++] = '.';
	}
	buf[o] = '\0';
}

void
ls_number_format(double v, char *buf, size_t buflen)
{
	int			prec;

	if (isnan(v))
	{
		snprintf(buf, buflen, "NaN");
		return;
	}
	if (isinf(v))
	{
		snprintf(buf, buflen, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (v == 0)
	{
		/* also -0, which would otherwise print as "-0" */
		snprintf(buf, buflen, "0");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15)
	{
		snprintf(buf, buflen, "%.0f", v);
		return;
	}
	for (prec = 15; prec < 17; prec++)
	{
		snprintf(buf, buflen, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, buflen, "%.17g", v);
}

/*
 * Name a field of `where`: a JSON path gets ".field", anything else (such
 * as `rule "exec"`) gets ": field".
 */
static void
sub_where(char *buf, size_t buflen, const char *where, const char *field)
{
	size_t		n;

	if (where == NULL || where[0] == '\0')
	{
		snprintf(buf, buflen, "%s", field ? field : "model");
		return;
	}
	if (field == NULL)
	{
		snprintf(buf, buflen, "%s", where);
		return;
	}
	n = strlen(where);
	if (is_ident_char(where[n - 1]) || where[n - 1] == ']')
		snprintf(buf, buflen, "%s.%s", where, field);
	else
		snprintf(buf, buflen, "%s: %s", where, field);
}

/* Report a problem with `field` of `where`; always returns false. */
static bool
fail_at(ls_error *err, ls_error_kind kind, const char *where,
		const char *field, const char *fmt,...)
__attribute__((format(printf, 5, 6)));

static bool
fail_at(ls_error *err, ls_error_kind kind, const char *where,
		const char *field, const char *fmt,...)
{
	char		prefix[WHERE_LEN];
	char		msg[LS_ERROR_MSG_LEN];
	va_list		ap;
	size_t		bad;

	sub_where(prefix, sizeof(prefix), where, field);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ls_error_set(err, kind, "%s: %s", prefix, msg);

	/* a long `where` may get the message cut: never inside a character */
	if (err != NULL && !ls_utf8_valid(err->msg, strlen(err->msg), &bad))
		err->msg[bad] = '\0';
	return false;
}

/* ---------------------------------------------------------------------
 * Operators and attributes
 * ---------------------------------------------------------------------
 */

const char *
ls_op_name(ls_op op)
{
	if ((int) op < 0 || op >= LS_OP_COUNT)
		return "unknown";
	return op_names[op];
}

bool
ls_op_parse(const char *name, ls_op *op)
{
	int			i;

	if (name == NULL)
		return false;
	for (i = 0; i < LS_OP_COUNT; i++)
	{
		if (strcmp(name, op_names[i]) == 0)
		{
			*op = (ls_op) i;
			return true;
		}
	}
	return false;
}

ls_op_kind
ls_op_kind_of(ls_op op)
{
	switch (op)
	{
		case LS_OP_BETWEEN:
		case LS_OP_GT:
		case LS_OP_GTE:
		case LS_OP_LT:
		case LS_OP_LTE:
			return LS_OPK_NUMERIC;
		case LS_OP_EXISTS:
		case LS_OP_MISSING:
			return LS_OPK_PRESENCE;
		default:
			return LS_OPK_TEXT;
	}
}

const char *
ls_derive_name(ls_derive d)
{
	size_t		i;

	for (i = 0; i < sizeof(derive_names) / sizeof(derive_names[0]); i++)
		if (derive_names[i].derive == d)
			return derive_names[i].name;
	/* LS_DERIVE_NONE: an empty name is safer to print than NULL */
	return "";
}

/* Checks shared by every attribute: present, not blank, short, printable. */
static bool
attribute_basics(const char *a, char *msg, size_t msglen)
{
	size_t		len;
	size_t		i;

	if (a == NULL)
	{
		snprintf(msg, msglen, "is required");
		return false;
	}
	len = strlen(a);
	for (i = 0; i < len && is_space(a[i]); i++)
		;
	if (i == len)
	{
		snprintf(msg, msglen, "expected a non-empty attribute name");
		return false;
	}
	if (len > LS_MAX_NAME)
	{
		snprintf(msg, msglen, "is too long (%zu bytes; the limit is %d)",
				 len, LS_MAX_NAME);
		return false;
	}
	for (i = 0; i < len; i++)
	{
		if (is_control((unsigned char) a[i]))
		{
			snprintf(msg, msglen, "must not contain control characters");
			return false;
		}
	}
	return true;
}

/*
 * Split a fit attribute into function and column without allocating:
 * "job_title" or "seniority( job_title )".  On failure writes a message
 * without prefix into msg.
 */
static bool
split_attribute(const char *a, ls_derive *derive, const char **column,
				size_t *column_len, char *msg, size_t msglen)
{
	char		shown[80];
	const char *start;
	const char *end;
	const char *open;
	const char *fn_end;
	const char *p;
	size_t		i;

	if (!attribute_basics(a, msg, msglen))
		return false;
	ls_text_excerpt(a, shown, sizeof(shown));
	start = a;
	while (is_space(*start))
		start++;
	end = a + strlen(a);
	while (end > start && is_space(end[-1]))
		end--;

	open = memchr(start, '(', (size_t) (end - start));
	if (open == NULL)
	{
		if (memchr(start, ')', (size_t) (end - start)) != NULL)
		{
			snprintf(msg, msglen,
					 "malformed attribute \"%s\" (expected a column name or fn(column))",
					 shown);
			return false;
		}
		*derive = LS_DERIVE_NONE;
		*column = start;
		*column_len = (size_t) (end - start);
		return true;
	}

	/* fn(column): an identifier, "(", a column, ")" and nothing after */
	fn_end = open;
	while (fn_end > start && is_space(fn_end[-1]))
		fn_end--;
	for (p = start; p < fn_end && is_ident_char(*p); p++)
		;
	if (fn_end == start || p != fn_end || is_digit(*start) || end[-1] != ')')
	{
		snprintf(msg, msglen,
				 "malformed attribute \"%s\" (expected a column name or fn(column) with fn one of %s)",
				 shown, DERIVE_LIST);
		return false;
	}
	*derive = LS_DERIVE_NONE;
	for (i = 0; i < sizeof(derive_names) / sizeof(derive_names[0]); i++)
		if (word_equals(start, (size_t) (fn_end - start), derive_names[i].name))
			*derive = derive_names[i].derive;
	if (*derive == LS_DERIVE_NONE)
	{
		char		fn[80];
		size_t		fn_len = (size_t) (fn_end - start);

		if (fn_len >= sizeof(fn))
			fn_len = sizeof(fn) - 1;
		memcpy(fn, start, fn_len);
		fn[fn_len] = '\0';
		snprintf(msg, msglen,
				 "unknown function \"%s\" in attribute \"%s\" (expected %s)",
				 fn, shown, DERIVE_LIST);
		return false;
	}

	start = open + 1;
	end--;						/* drop ")" */
	while (start < end && is_space(*start))
		start++;
	while (end > start && is_space(end[-1]))
		end--;
	if (start == end ||
		memchr(start, '(', (size_t) (end - start)) != NULL ||
		memchr(start, ')', (size_t) (end - start)) != NULL)
	{
		snprintf(msg, msglen,
				 "malformed attribute \"%s\" (expected one column name inside the parentheses)",
				 shown);
		return false;
	}
	*column = start;
	*column_len = (size_t) (end - start);
	return true;
}

bool
ls_parse_attribute(const char *attribute, ls_arena *arena,
				   ls_derive *derive, char **column, ls_error *err)
{
	char		msg[LS_ERROR_MSG_LEN];
	const char *col;
	size_t		col_len;

	if (!split_attribute(attribute, derive, &col, &col_len, msg, sizeof(msg)))
		return ls_error_set(err, LS_ERR_INVALID, "%s", msg);
	*column = ls_arena_strndup(arena, col, col_len);
	if (*column == NULL)
		return ls_error_set(err, LS_ERR_NOMEM,
							"out of memory while parsing an attribute");
	return true;
}

/* ---------------------------------------------------------------------
 * Regex precheck
 *
 * A scan of the pattern's tokens the way PostgreSQL's lexer (regc_lex.c)
 * splits them, in the flavor the pattern selects (advanced by default;
 * "***=", "(?q)" literal; "(?e)" extended; "(?b)" basic; "(?x)" expanded
 * syntax), with a stack of open groups.  It only needs to know what is an
 * atom, a constraint, a quantifier and a group: that is enough to see a
 * quantifier with no operand, the bounds, the nesting and how many atoms
 * the pattern has once every bound is written out, which is what an NFA
 * built from it costs.  Errors PostgreSQL also reports use its wording
 * (regerrs.h), so a message does not depend on which check saw it first.
 * ---------------------------------------------------------------------
 */

#define RX_BADRPT "quantifier operand invalid"
#define RX_BADBR "invalid repetition count(s)"
#define RX_EPAREN "parentheses () not balanced"
#define RX_EBRACK "brackets [] not balanced"
#define RX_EBRACE "braces {} not balanced"
#define RX_EESCAPE "invalid escape \\ sequence"
#define RX_BADOPT "invalid embedded option"
#define RX_BADPAT "invalid regexp (reg version 0.8)"
#define RX_INFINITE (-1)

typedef enum rx_flavor
{
	RX_ARE,						/* advanced: PostgreSQL's default */
	RX_ERE,						/* (?e) */
	RX_BRE						/* (?b) */
} rx_flavor;

/* What the last token of the current branch was. */
typedef enum rx_last
{
	RX_NONE,					/* nothing yet: start of a branch */
	RX_ATOM,					/* an atom, which a quantifier may follow */
	RX_QUANT,					/* a quantified atom: no second quantifier */
	RX_CONSTRAINT				/* ^ $ \m lookaround ...: not quantifiable */
} rx_last;

typedef struct rx_frame
{
	double		atoms;			/* of the group so far, bounds written out */
	double		last_atoms;		/* of its last atom, what a quantifier repeats */
	rx_last		last;
	bool		lookaround;
	int			capture;		/* capture number, 0 for (?:...) */
} rx_frame;

typedef struct rx_scan
{
	const char *p;
	const char *end;
	rx_flavor	flavor;
	bool		expanded;
	bool		bre_open;		/* BRE: the last token was "\(" or the start */
	bool		bre_caret;		/* BRE: the last token was an anchoring ^ */
	int			depth;
	rx_frame	frames[LS_MAX_PATTERN_DEPTH + 1];
	int			ncaptures;
	/* atoms of each closed capturing group, for back references */
	double		capture_atoms[LS_MAX_PATTERN + 1];
	char	   *errbuf;
	size_t		errlen;
} rx_scan;

static bool
rx_fail(rx_scan *s, const char *fmt,...)
__attribute__((format(printf, 2, 3)));

static bool
rx_fail(rx_scan *s, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(s->errbuf, s->errlen, fmt, ap);
	va_end(ap);
	return false;
}

static bool
rx_too_many(rx_scan *s)
{
	return rx_fail(s, "too complex (more than %d atoms once its bounds {m,n} are written out)",
				   LS_MAX_PATTERN_ATOMS);
}

static bool
rx_atom(rx_scan *s, double atoms)
{
	rx_frame   *f = &s->frames[s->depth];

	f->atoms += atoms;
	f->last_atoms = atoms;
	f->last = RX_ATOM;
	s->bre_open = s->bre_caret = false;
	if (f->atoms > LS_MAX_PATTERN_ATOMS)
		return rx_too_many(s);
	return true;
}

static void
rx_constraint(rx_scan *s)
{
	s->frames[s->depth].last = RX_CONSTRAINT;
	s->bre_open = s->bre_caret = false;
}

/* A quantifier repeating the last atom: copies more of it (count >= 1). */
static bool
rx_quantify(rx_scan *s, double copies)
{
	rx_frame   *f = &s->frames[s->depth];

	if (f->last != RX_ATOM)
		return rx_fail(s, RX_BADRPT);
	f->last = RX_QUANT;
	s->bre_open = s->bre_caret = false;
	if (copies > 1)
		f->atoms += f->last_atoms * (copies - 1);
	if (f->atoms > LS_MAX_PATTERN_ATOMS)
		return rx_too_many(s);
	return true;
}

static bool
rx_open(rx_scan *s, bool capture, bool lookaround)
{
	rx_frame   *f;

	if (s->depth >= LS_MAX_PATTERN_DEPTH)
		return rx_fail(s, "too complex (groups nested deeper than %d)",
					   LS_MAX_PATTERN_DEPTH);
	f = &s->frames[++s->depth];
	memset(f, 0, sizeof(*f));
	f->lookaround = lookaround;
	f->capture = capture ? ++s->ncaptures : 0;
	s->bre_open = true;
	s->bre_caret = false;
	return true;
}

static bool
rx_close(rx_scan *s)
{
	rx_frame	inner = s->frames[s->depth];

	s->depth--;
	if (inner.lookaround)
	{
		rx_frame   *f = &s->frames[s->depth];

		f->atoms += inner.atoms;
		rx_constraint(s);
		return f->atoms <= LS_MAX_PATTERN_ATOMS || rx_too_many(s);
	}
	if (inner.capture > 0 && inner.capture <= LS_MAX_PATTERN)
		s->capture_atoms[inner.capture] = inner.atoms;
	return rx_atom(s, inner.atoms);
}

/* A back reference copies the group it names (PostgreSQL's dupnfa). */
static bool
rx_backref(rx_scan *s, long n)
{
	double		atoms = 1;

	if (n >= 1 && n <= s->ncaptures && n <= LS_MAX_PATTERN &&
		s->capture_atoms[n] > atoms)
		atoms = s->capture_atoms[n];
	return rx_atom(s, atoms);
}

static bool
rx_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Expanded syntax: white space and #-comments between tokens mean nothing. */
static void
rx_skip(rx_scan *s)
{
	if (!s->expanded)
		return;
	for (;;)
	{
		while (s->p < s->end && is_space(*s->p))
			s->p++;
		if (s->p >= s->end || *s->p != '#')
			break;
		while (s->p < s->end && *s->p != '\n')
			s->p++;
	}
}

/* A repetition count: digits, at most LS_REGEX_DUPMAX (scannum). */
static bool
rx_count(rx_scan *s, int *n)
{
	long		v = 0;

	while (s->p < s->end && rx_is_digit(*s->p))
	{
		if (v <= LS_REGEX_DUPMAX)
			v = v * 10 + (*s->p - '0');
		s->p++;
		rx_skip(s);
	}
	if (v > LS_REGEX_DUPMAX)
		return rx_fail(s, RX_BADBR);
	*n = (int) v;
	return true;
}

/*
 * A bound after its opening "{" (or "\{" in a BRE): m, m, or m,n, then
 * "}" ("\}"), in ARE optionally "?" for the non-greedy form.
 */
static bool
rx_bound(rx_scan *s)
{
	int			m = 0;
	int			n;

	/* a BRE's "\{,3\}" has no m: scannum reads no digit, m is 0 */
	rx_skip(s);
	if (!rx_count(s, &m))
		return false;
	n = m;
	if (s->p < s->end && *s->p == ',')
	{
		s->p++;
		rx_skip(s);
		n = RX_INFINITE;
		if (s->p < s->end && rx_is_digit(*s->p) && !rx_count(s, &n))
			return false;
	}
	if (s->p >= s->end)
		return rx_fail(s, RX_EBRACE);
	if (s->flavor == RX_BRE)
	{
		if (s->p[0] != '\\' || s->p + 1 >= s->end || s->p[1] != '}')
			return rx_fail(s, RX_BADBR);
		s->p += 2;
	}
	else
	{
		if (*s->p != '}')
			return rx_fail(s, RX_BADBR);
		s->p++;
		if (s->flavor == RX_ARE && s->p < s->end && *s->p == '?')
			s->p++;
	}
	if (n != RX_INFINITE && m > n)
		return rx_fail(s, RX_BADBR);
	/* {m,} is m copies and a loop; {0} drops the atom, counted as one */
	return rx_quantify(s, n == RX_INFINITE ? m + 1 : (n > 1 ? n : 1));
}

/*
 * A bracket expression after its "[": the members up to the closing "]",
 * where a "]" first (after an optional "^") is a member, "[:", "[." and
 * "[=" run to their own closing pair, and in an ARE a backslash escapes.
 */
static bool
rx_bracket(rx_scan *s)
{
	if (s->p < s->end && *s->p == '^')
		s->p++;
	if (s->p < s->end && *s->p == ']')
		s->p++;
	for (;;)
	{
		char		c;

		if (s->p >= s->end)
			return rx_fail(s, RX_EBRACK);
		c = *s->p++;
		if (c == ']')
			return rx_atom(s, 1);
		if (c == '[' && s->p < s->end &&
			(*s->p == ':' || *s->p == '.' || *s->p == '='))
		{
			char		close = *s->p++;

			while (s->p + 1 < s->end && !(s->p[0] == close && s->p[1] == ']'))
				s->p++;
			if (s->p + 1 >= s->end)
				return rx_fail(s, RX_EBRACK);
			s->p += 2;
		}
		else if (c == '\\' && s->flavor == RX_ARE)
		{
			if (s->p >= s->end)
				return rx_fail(s, RX_EESCAPE);
			/* \cX names a control character by the X after it */
			if (*s->p++ == 'c' && s->p < s->end)
				s->p++;
		}
	}
}

/* "[[:<:]]" and "[[:>:]]": word boundaries, in every flavor. */
static bool
rx_word_boundary_bracket(rx_scan *s)
{
	if (s->end - s->p >= 6 && s->p[0] == '[' && s->p[1] == ':' &&
		(s->p[2] == '<' || s->p[2] == '>') && s->p[3] == ':' &&
		s->p[4] == ']' && s->p[5] == ']')
	{
		s->p += 6;
		rx_constraint(s);
		return true;
	}
	return false;
}

/* An ARE escape after its backslash (lexescape). */
static bool
rx_are_escape(rx_scan *s)
{
	char		c;

	if (s->p >= s->end)
		return rx_fail(s, RX_EESCAPE);
	c = *s->p++;
	switch (c)
	{
		case 'A':
		case 'Z':
		case 'm':
		case 'M':
		case 'y':
		case 'Y':
			rx_constraint(s);
			return true;
		case 'c':
			if (s->p >= s->end)
				return rx_fail(s, RX_EESCAPE);
			s->p++;
			return rx_atom(s, 1);
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
		case '8':
		case '9':
			{
				/* one digit, or a number no larger than the groups so far */
				const char *start = s->p - 1;
				long		n = c - '0';

				while (s->p < s->end && rx_is_digit(*s->p) && n <= LS_MAX_PATTERN)
					n = n * 10 + (*s->p++ - '0');
				if (s->p == start + 1 || n <= s->ncaptures)
					return rx_backref(s, n);
				return rx_atom(s, 1);	/* an octal escape */
			}
		default:
			/* other letters are characters, classes or errors PostgreSQL reports */
			return rx_atom(s, 1);
	}
}

static bool
rx_scan_are(rx_scan *s)
{
	for (;;)
	{
		char		c;

		rx_skip(s);
		if (s->p >= s->end)
			break;
		c = *s->p++;
		switch (c)
		{
			case '|':
				s->frames[s->depth].last = RX_NONE;
				break;
			case '*':
			case '+':
			case '?':
				/* "*?", "+?", "??": the non-greedy forms, one token */
				if (s->flavor == RX_ARE && s->p < s->end && *s->p == '?')
					s->p++;
				if (!rx_quantify(s, c == '+' ? 2 : 1))
					return false;
				break;
			case '{':
				rx_skip(s);
				if (s->p >= s->end || !rx_is_digit(*s->p))
				{
					/* "{" not starting a bound is a character */
					if (!rx_atom(s, 1))
						return false;
					break;
				}
				if (s->frames[s->depth].last != RX_ATOM)
					return rx_fail(s, RX_BADRPT);
				if (!rx_bound(s))
					return false;
				break;
			case '(':
				if (s->flavor == RX_ARE && s->p < s->end && *s->p == '?')
				{
					char		k;

					s->p++;
					if (s->p >= s->end)
						return rx_fail(s, RX_BADRPT);
					k = *s->p++;
					if (k == ':')
					{
						if (!rx_open(s, false, false))
							return false;
					}
					else if (k == '#')
					{
						/* a comment: up to and including ")" */
						while (s->p < s->end && *s->p != ')')
							s->p++;
						if (s->p < s->end)
							s->p++;
					}
					else if (k == '=' || k == '!')
					{
						if (!rx_open(s, false, true))
							return false;
					}
					else if (k == '<' && s->p < s->end &&
							 (*s->p == '=' || *s->p == '!'))
					{
						s->p++;
						if (!rx_open(s, false, true))
							return false;
					}
					else
						return rx_fail(s, RX_BADRPT);
					break;
				}
				if (!rx_open(s, true, false))
					return false;
				break;
			case ')':
				if (s->depth == 0)
				{
					/* an ERE takes a stray ")" as a character */
					if (s->flavor == RX_ARE)
						return rx_fail(s, RX_EPAREN);
					if (!rx_atom(s, 1))
						return false;
					break;
				}
				if (!rx_close(s))
					return false;
				break;
			case '[':
				if (rx_word_boundary_bracket(s))
					break;
				if (!rx_bracket(s))
					return false;
				break;
			case '^':
			case '$':
				rx_constraint(s);
				break;
			case '\\':
				if (s->flavor == RX_ARE)
				{
					if (!rx_are_escape(s))
						return false;
					break;
				}
				/* an ERE escape is the character after the backslash */
				if (s->p >= s->end)
					return rx_fail(s, RX_EESCAPE);
				s->p++;
				if (!rx_atom(s, 1))
					return false;
				break;
			default:
				if (!rx_atom(s, 1))
					return false;
				break;
		}
	}
	if (s->depth > 0)
		return rx_fail(s, RX_EPAREN);
	return true;
}

/* A BRE (brenext): groups, bounds and most operators are backslashed. */
static bool
rx_scan_bre(rx_scan *s)
{
	s->bre_open = true;
	for (;;)
	{
		char		c;

		rx_skip(s);
		if (s->p >= s->end)
			break;
		c = *s->p++;
		switch (c)
		{
			case '*':
				/* at the start, after "\(" or an anchoring "^" a character */
				if (s->bre_open || s->bre_caret)
				{
					if (!rx_atom(s, 1))
						return false;
				}
				else if (!rx_quantify(s, 1))
					return false;
				break;
			case '[':
				if (rx_word_boundary_bracket(s))
					break;
				if (!rx_bracket(s))
					return false;
				break;
			case '^':
				if (s->bre_open)
				{
					rx_constraint(s);
					s->bre_caret = true;
				}
				else if (!rx_atom(s, 1))
					return false;
				break;
			case '$':
				rx_skip(s);
				if (s->p >= s->end ||
					(s->p + 1 < s->end && s->p[0] == '\\' && s->p[1] == ')'))
					rx_constraint(s);
				else if (!rx_atom(s, 1))
					return false;
				break;
			case '\\':
				if (s->p >= s->end)
					return rx_fail(s, RX_EESCAPE);
				c = *s->p++;
				if (c == '{')
				{
					if (s->frames[s->depth].last != RX_ATOM)
						return rx_fail(s, RX_BADRPT);
					if (!rx_bound(s))
						return false;
				}
				else if (c == '(')
				{
					if (!rx_open(s, true, false))
						return false;
				}
				else if (c == ')')
				{
					if (s->depth == 0)
						return rx_fail(s, RX_EPAREN);
					if (!rx_close(s))
						return false;
				}
				else if (c == '<' || c == '>')
					rx_constraint(s);
				else if (c >= '1' && c <= '9')
				{
					if (!rx_backref(s, c - '0'))
						return false;
				}
				else if (!rx_atom(s, 1))
					return false;
				break;
			default:
				if (!rx_atom(s, 1))
					return false;
				break;
		}
	}
	if (s->depth > 0)
		return rx_fail(s, RX_EPAREN);
	return true;
}

/*
 * The "***" directors and the embedded options of an ARE's start
 * (prefixes() in regc_lex.c).  False with a message on error; *literal
 * when the rest is a literal string.
 */
static bool
rx_prefixes(rx_scan *s, bool *literal)
{
	*literal = false;
	if (s->end - s->p >= 4 && strncmp(s->p, "***", 3) == 0)
	{
		switch (s->p[3])
		{
			case '?':
				return rx_fail(s, RX_BADPAT);
			case '=':
				*literal = true;
				return true;
			case ':':
				s->p += 4;
				break;
			default:
				return rx_fail(s, RX_BADRPT);
		}
	}
	if (s->end - s->p >= 3 && s->p[0] == '(' && s->p[1] == '?' && is_alpha(s->p[2]))
	{
		for (s->p += 2; s->p < s->end && is_alpha(*s->p); s->p++)
		{
			switch (*s->p)
			{
				case 'b':
					s->flavor = RX_BRE;
					*literal = false;
					break;
				case 'e':
					s->flavor = RX_ERE;
					*literal = false;
					break;
				case 'q':
					*literal = true;
					break;
				case 'x':
					s->expanded = true;
					break;
				case 't':
					s->expanded = false;
					break;
				case 'c':
				case 'i':
				case 'm':
				case 'n':
				case 'p':
				case 's':
				case 'w':
					break;
				default:
					return rx_fail(s, RX_BADOPT);
			}
		}
		if (s->p >= s->end || *s->p != ')')
			return rx_fail(s, RX_BADOPT);
		s->p++;
	}
	return true;
}

bool
ls_regex_precheck(const char *pattern, char *errbuf, size_t errlen)
{
	rx_scan    *s;
	char		dummy[8];
	size_t		len;
	bool		literal;
	bool		ok;

	if (errbuf == NULL || errlen == 0)
	{
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if (pattern == NULL)
	{
		snprintf(errbuf, errlen, "no pattern");
		return false;
	}
	len = strlen(pattern);
	if (len > LS_MAX_PATTERN)
	{
		snprintf(errbuf, errlen, "too long (%zu bytes; the limit is %d)",
				 len, LS_MAX_PATTERN);
		return false;
	}

	/* some 8 kB of group sizes: on the heap, not on a server's stack */
	s = calloc(1, sizeof(rx_scan));
	if (s == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return false;
	}
	s->p = pattern;
	s->end = pattern + len;
	s->flavor = RX_ARE;
	s->errbuf = errbuf;
	s->errlen = errlen;
	ok = rx_prefixes(s, &literal);
	if (ok && !literal)
		ok = s->flavor == RX_BRE ? rx_scan_bre(s) : rx_scan_are(s);
	free(s);
	return ok;
}

/* ---------------------------------------------------------------------
 * Rules
 * ---------------------------------------------------------------------
 */

/*
 * The first character of s[0..len) that a name must not hold, as a code
 * point, with its byte offset: C0 and C1 controls, DEL, the line and
 * paragraph separators, and with format_too Unicode's format characters
 * (category Cf: bidi overrides, zero-width characters, ...).  Those are what
 * [[:cntrl:]] can match in PostgreSQL, whose answer depends on the
 * database's locale (glibc's iswcntrl, ICU's u_iscntrl), and the model
 * table's CHECK refuses a name that matches it.  -1 when there is none.
 */
static long
forbidden_char(const char *s, size_t len, bool format_too, size_t *offset)
{
	/* Unicode 15's Cf ranges */
	static const uint32_t format_ranges[][2] = {
		{0x00ad, 0x00ad}, {0x0600, 0x0605}, {0x061c, 0x061c}, {0x06dd, 0x06dd},
		{0x070f, 0x070f}, {0x0890, 0x0891}, {0x08e2, 0x08e2}, {0x180e, 0x180e},
		{0x200b, 0x200f}, {0x202a, 0x202e}, {0x2060, 0x2064}, {0x2066, 0x206f},
		{0xfeff, 0xfeff}, {0xfff9, 0xfffb}, {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
		{0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a},
		{0xe0001, 0xe0001}, {0xe0020, 0xe007f}
	};
	size_t		i = 0;

	while (i < len)
	{
		const unsigned char *p = (const unsigned char *) s + i;
		size_t		clen = utf8_char_len(p, len - i);
		uint32_t	cp;
		size_t		k;

		if (clen == 0)
		{
			/* not UTF-8: the document's reader refused it already */
			i++;
			continue;
		}
		cp = clen == 1 ? p[0] : (uint32_t) (p[0] & (0x7f >> clen));
		for (k = 1; k < clen; k++)
			cp = (cp << 6) | (p[k] & 0x3f);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
		{
			*offset = i;
			return (long) cp;
		}
		if (format_too)
		{
			for (k = 0; k < sizeof(format_ranges) / sizeof(format_ranges[0]); k++)
			{
				if (cp >= format_ranges[k][0] && cp <= format_ranges[k][1])
				{
					*offset = i;
					return (long) cp;
				}
			}
		}
		i += clen;
	}
	return -1;
}

/*
 * A name-like string: present, not blank, at most LS_MAX_NAME bytes, no
 * control characters (and for the model's name no format characters).
 */
static bool
check_name_chars(const char *s, const char *where, const char *field,
				 bool format_too, ls_error *err)
{
	size_t		len;
	size_t		i;
	long		bad;

	if (s == NULL)
		return fail_at(err, LS_ERR_INVALID, where, field,
					   "is required (expected a non-empty string)");
	len = strlen(s);
	for (i = 0; i < len && is_space(s[i]); i++)
		;
	if (i == len)
		return fail_at(err, LS_ERR_INVALID, where, field,
					   "expected a non-empty string");
	if (len > LS_MAX_NAME)
		return fail_at(err, LS_ERR_INVALID, where, field,
					   "is too long (%zu bytes; the limit is %d)",
					   len, LS_MAX_NAME);
	bad = forbidden_char(s, len, format_too, &i);
	if (bad >= 0)
		return fail_at(err, LS_ERR_INVALID, where, field,
					   "must not contain %s characters (U+%04lX at byte %zu)",
					   format_too ? "control or format" : "control", bad, i);
	return true;
}

static bool
check_name(const char *s, const char *where, const char *field,
		   ls_error *err)
{
	return check_name_chars(s, where, field, false, err);
}

/*
 * A number of a model: finite, and at most bound in magnitude (see
 * LS_MAX_POINTS in model.h for why the bounds exist).
 */
static bool
check_bounded(double v, double bound, const char *where, const char *field,
			  ls_error *err)
{
	char		num[LS_NUMBER_BUFLEN];
	char		lim[LS_NUMBER_BUFLEN];

	if (!isfinite(v))
		return fail_at(err, LS_ERR_INVALID, where, field,
					   "expected a finite number");
	if (fabs(v) > bound)
	{
		ls_number_format(v, num, sizeof(num));
		ls_number_format(bound, lim, sizeof(lim));
		return fail_at(err, LS_ERR_INVALID, where, field,
					   "expected a number between -%s and %s, not %s",
					   lim, lim, num);
	}
	return true;
}

static bool
check_attribute(const char *a, bool is_fit, const char *where, ls_error *err)
{
	char		msg[LS_ERROR_MSG_LEN];
	size_t		len;

	if (is_fit)
	{
		ls_derive	derive;
		const char *col;
		size_t		col_len;

		if (!split_attribute(a, &derive, &col, &col_len, msg, sizeof(msg)))
			return fail_at(err, LS_ERR_INVALID, where, "attribute", "%s", msg);
		return true;
	}

	/*
	 * Event properties are looked up by exact key, so surrounding blanks
	 * would silently never match, and fn(column) means nothing there.
	 */
	if (!attribute_basics(a, msg, sizeof(msg)))
		return fail_at(err, LS_ERR_INVALID, where, "attribute", "%s", msg);
	len = strlen(a);
	if (is_space(a[0]) || is_space(a[len - 1]))
		return fail_at(err, LS_ERR_INVALID, where, "attribute",
					   "expected a property key without leading or trailing whitespace");
	if (strchr(a, '(') != NULL || strchr(a, ')') != NULL)
		return fail_at(err, LS_ERR_INVALID, where, "attribute",
					   "expected a plain property key; derived attributes like seniority(column) are only for fit rules");
	return true;
}

/* "value" for a single value, "value[i]" inside an array. */
static void
value_field(char *buf, size_t buflen, const ls_condition *c, int i)
{
	if (c->value_is_array)
		snprintf(buf, buflen, "value[%d]", i);
	else
		snprintf(buf, buflen, "value");
}

static bool
check_text_values(const ls_condition *c, const char *where,
				  const ls_validate_hooks *hooks, ls_error *err)
{
	const char *op = ls_op_name(c->op);
	char		field[32];
	int			i;

	switch (c->op)
	{
		case LS_OP_EQ:
			if (c->value_is_array || c->nvalues != 1)
				return fail_at(err, LS_ERR_INVALID, where, "value",
							   "expected one string or number for eq (use \"in\" for a list)");
			return true;
		case LS_OP_IN:
			if (!c->value_is_array)
				return fail_at(err, LS_ERR_INVALID, where, "value",
							   "expected an array of strings or numbers for in");
			if (c->nvalues == 0)
				return fail_at(err, LS_ERR_INVALID, where, "value",
							   "expected at least one value for in");
			return true;
		case LS_OP_CONTAINS:
		case LS_OP_PREFIX:
		case LS_OP_SUFFIX:
			if (c->nvalues == 0)
				return fail_at(err, LS_ERR_INVALID, where, "value",
							   "expected a string or a non-empty array of strings for %s",
							   op);
			for (i = 0; i < c->nvalues; i++)
			{
				value_field(field, sizeof(field), c, i);
				if (c->values[i].is_number)
					return fail_at(err, LS_ERR_INVALID, where, field,
								   "expected a string for %s, not a number", op);

				/*
				 * An empty needle matches every value, which is what
				 * exists says; it is almost always a mistake.
				 */
				if (c->values[i].text[0] == '\0')
					return fail_at(err, LS_ERR_INVALID, where, field,
								   "expected a non-empty string for %s (use exists to match any value)",
								   op);
			}
			return true;
		case LS_OP_REGEX:
			if (c->value_is_array || c->nvalues != 1 || c->values[0].is_number)
				return fail_at(err, LS_ERR_INVALID, where, "value",
							   "expected one pattern string for regex");
			{
				char		errbuf[256];
				char		shown[80];

				/*
				 * The core's own check first: the host's engine (glibc's
				 * regcomp in the validator) must never see a pattern whose
				 * compilation could take the process down.
				 */
				errbuf[0] = '\0';
				if (!ls_regex_precheck(c->values[0].text, errbuf, sizeof(errbuf)) ||
					(hooks != NULL && hooks->regex_check != NULL &&
					 !hooks->regex_check(c->values[0].text, errbuf,
										 sizeof(errbuf), hooks->ctx)))
				{
					ls_text_excerpt(c->values[0].text, shown, sizeof(shown));
					errbuf[sizeof(errbuf) - 1] = '\0';
					return fail_at(err, LS_ERR_INVALID, where, "value",
								   "invalid regular expression \"%s\": %s",
								   shown, errbuf[0] ? errbuf : "does not compile");
				}
			}
			return true;
		default:
			return true;
	}
}

static bool
check_numeric_values(const ls_condition *c, const char *where, ls_error *err)
{
	const char *op = ls_op_name(c->op);

	if (c->op == LS_OP_BETWEEN)
	{
		char		lo[LS_NUMBER_BUFLEN];
		char		hi[LS_NUMBER_BUFLEN];

		if (!c->value_is_array || c->nvalues != 2 ||
			!c->values[0].is_number || !c->values[1].is_number)
			return fail_at(err, LS_ERR_INVALID, where, "value",
						   "expected exactly two numbers [lo, hi] for between");
		if (c->values[0].num > c->values[1].num)
		{
			ls_number_format(c->values[0].num, lo, sizeof(lo));
			ls_number_format(c->values[1].num, hi, sizeof(hi));
			return fail_at(err, LS_ERR_INVALID, where, "value",
						   "expected [lo, hi] with lo <= hi for between, got [%s, %s]",
						   lo, hi);
		}
		return true;
	}
	if (c->value_is_array || c->nvalues != 1 || !c->values[0].is_number)
		return fail_at(err, LS_ERR_INVALID, where, "value",
					   "expected one number for %s", op);
	return true;
}

bool
ls_condition_validate(const ls_condition *c, bool is_fit, const char *where,
					  const ls_validate_hooks *hooks, ls_error *err)
{
	char		field[32];
	int			i;

	if (!check_attribute(c->attribute, is_fit, where, err))
		return false;
	if ((int) c->op < 0 || c->op >= LS_OP_COUNT)
		return fail_at(err, LS_ERR_INVALID, where, "op",
					   "unknown operator (expected one of %s)", OP_LIST);
	if (c->nvalues < 0 || (c->nvalues > 0 && c->values == NULL))
		return fail_at(err, LS_ERR_INVALID, where, "value",
					   "malformed value list (%d values)", c->nvalues);
	if (c->nvalues > LS_MAX_VALUES)
		return fail_at(err, LS_ERR_LIMIT, where, "value",
					   "too many values (%d; the limit is %d)",
					   c->nvalues, LS_MAX_VALUES);
	for (i = 0; i < c->nvalues; i++)
	{
		const ls_value *v = &c->values[i];

		value_field(field, sizeof(field), c, i);
		if (v->text == NULL)
			return fail_at(err, LS_ERR_INVALID, where, field,
						   "has no text (every value needs its spelling)");
		if (v->is_number && !isfinite(v->num))
			return fail_at(err, LS_ERR_INVALID, where, field,
						   "expected a finite number");
		if (strlen(v->text) > LS_MAX_TEXT)
			return fail_at(err, LS_ERR_LIMIT, where, field,
						   "is too long (%zu bytes; the limit is %d)",
						   strlen(v->text), LS_MAX_TEXT);
	}

	switch (ls_op_kind_of(c->op))
	{
		case LS_OPK_PRESENCE:
			if (c->nvalues != 0 || c->value_is_array)
				return fail_at(err, LS_ERR_INVALID, where, "value",
							   "expected no value for %s", ls_op_name(c->op));
			return true;
		case LS_OPK_NUMERIC:
			return check_numeric_values(c, where, err);
		case LS_OPK_TEXT:
			return check_text_values(c, where, hooks, err);
	}
	return true;
}

bool
ls_fit_rule_validate(const ls_fit_rule *r, const char *where,
					 const ls_validate_hooks *hooks, ls_error *err)
{
	if (!check_name(r->name, where, "name", err))
		return false;
	if (!ls_condition_validate(&r->cond, true, where, hooks, err))
		return false;
	if (!check_bounded(r->points, LS_MAX_POINTS, where, "points", err))
		return false;
	if (r->group != NULL && !check_name(r->group, where, "group", err))
		return false;
	return true;
}

bool
ls_intent_rule_validate(const ls_intent_rule *r, const char *where,
						const ls_validate_hooks *hooks, ls_error *err)
{
	if (!check_name(r->name, where, "name", err))
		return false;
	if (!check_name(r->event, where, "event", err))
		return false;
	if (r->has_where)
	{
		char		where_where[WHERE_LEN];

		sub_where(where_where, sizeof(where_where), where, "where");
		if (!ls_condition_validate(&r->where, false, where_where, hooks, err))
			return false;
	}
	if (!check_bounded(r->points, LS_MAX_POINTS, where, "points", err))
		return false;
	if (r->has_cap)
	{
		char		pts[LS_NUMBER_BUFLEN];

		if (!check_bounded(r->cap, LS_MAX_POINTS, where, "cap", err))
			return false;
		if (r->points == 0)
			return fail_at(err, LS_ERR_INVALID, where, "cap",
						   "not allowed when points is 0 (there is nothing to cap)");
		if (r->cap == 0)
			return fail_at(err, LS_ERR_INVALID, where, "cap",
						   "expected a non-zero number with the same sign as points");
		if ((r->cap > 0) != (r->points > 0))
		{
			ls_number_format(r->points, pts, sizeof(pts));
			return fail_at(err, LS_ERR_INVALID, where, "cap",
						   "expected the same sign as points (%s)", pts);
		}
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Whole model
 * ---------------------------------------------------------------------
 */

typedef struct name_ref
{
	const char *name;
	int			index;
} name_ref;

static int
name_ref_cmp(const void *a, const void *b)
{
	const name_ref *x = a;
	const name_ref *y = b;
	int			c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * Find the first rule (in rule order) whose name an earlier rule already
 * has.  Sorting keeps this O(n log n) for the 10000 rules a model may
 * hold.  Names are known to be non-NULL here.
 */
static bool
check_unique_names(const char *const *names, int n, const char *section,
				   ls_error *err)
{
	name_ref   *refs;
	int			i;
	int			dup = -1;
	int			first = -1;

	if (n < 2)
		return true;
	refs = malloc(sizeof(name_ref) * (size_t) n);
	if (refs == NULL)
		return ls_error_set(err, LS_ERR_NOMEM,
							"out of memory while checking rule names");
	for (i = 0; i < n; i++)
	{
		refs[i].name = names[i];
		refs[i].index = i;
	}
	qsort(refs, (size_t) n, sizeof(name_ref), name_ref_cmp);
	for (i = 1; i < n; i++)
	{
		/* refs[i - 1] is the earliest rule with this name when they match */
		if (strcmp(refs[i].name, refs[i - 1].name) == 0 &&
			(dup < 0 || refs[i].index < dup))
		{
			int			j = i - 1;

			while (j > 0 && strcmp(refs[j - 1].name, refs[i].name) == 0)
				j--;
			dup = refs[i].index;
			first = refs[j].index;
		}
	}
	free(refs);
	if (dup >= 0)
	{
		char		shown[80];

		ls_text_excerpt(names[dup], shown, sizeof(shown));
		return ls_error_set(err, LS_ERR_INVALID,
							"%s.rules[%d].name: duplicate rule name \"%s\" (%s.rules[%d] has it too; names must be unique within %s rules)",
							section, dup, shown, section, first, section);
	}
	return true;
}

static bool
check_rules(const ls_model *m, const ls_validate_hooks *hooks, ls_error *err)
{
	char		where[48];
	const char **names;
	int			n = m->n_fit > m->n_intent ? m->n_fit : m->n_intent;
	int			i;
	bool		ok;

	if (m->n_fit < 0 || m->n_fit > LS_MAX_RULES)
		return ls_error_set(err, LS_ERR_LIMIT,
							"fit.rules: too many rules (%d; the limit is %d)",
							m->n_fit, LS_MAX_RULES);
	if (m->n_intent < 0 || m->n_intent > LS_MAX_RULES)
		return ls_error_set(err, LS_ERR_LIMIT,
							"intent.rules: too many rules (%d; the limit is %d)",
							m->n_intent, LS_MAX_RULES);
	if ((m->n_fit > 0 && m->fit_rules == NULL) ||
		(m->n_intent > 0 && m->intent_rules == NULL))
		return ls_error_set(err, LS_ERR_INVALID, "model has a malformed rule list");

	for (i = 0; i < m->n_fit; i++)
	{
		snprintf(where, sizeof(where), "fit.rules[%d]", i);
		if (!ls_fit_rule_validate(&m->fit_rules[i], where, hooks, err))
			return false;
	}
	for (i = 0; i < m->n_intent; i++)
	{
		snprintf(where, sizeof(where), "intent.rules[%d]", i);
		if (!ls_intent_rule_validate(&m->intent_rules[i], where, hooks, err))
			return false;
	}

	if (n < 2)
		return true;
	names = malloc(sizeof(char *) * (size_t) n);
	if (names == NULL)
		return ls_error_set(err, LS_ERR_NOMEM,
							"out of memory while checking rule names");
	for (i = 0; i < m->n_fit; i++)
		names[i] = m->fit_rules[i].name;
	ok = check_unique_names(names, m->n_fit, "fit", err);
	if (ok)
	{
		for (i = 0; i < m->n_intent; i++)
			names[i] = m->intent_rules[i].name;
		ok = check_unique_names(names, m->n_intent, "intent", err);
	}
	free(names);
	return ok;
}

static bool check_finite(double v, const char *path, ls_error *err);

/* grades at path ("fit.grades", "account.fit.grades"), highest bar first */
static bool
check_grades(const ls_grade *grades, int n_grades, const char *path, ls_error *err)
{
	int			i;
	int			j;

	if (n_grades < 1 || grades == NULL)
		return ls_error_set(err, LS_ERR_INVALID,
							"%s: expected at least one grade, e.g. {\"A\": 80}", path);
	if (n_grades > LS_MAX_GRADES)
		return ls_error_set(err, LS_ERR_INVALID,
							"%s: too many grades (%d; at most %d)",
							path, n_grades, LS_MAX_GRADES);
	for (i = 0; i < n_grades; i++)
	{
		const ls_grade *g = &grades[i];
		char		shown[80];

		if (g->letter == NULL || g->letter[0] == '\0')
			return ls_error_set(err, LS_ERR_INVALID,
								"%s: expected non-empty grade letters", path);
		if (!check_name(g->letter, path, NULL, err))
			return false;
		ls_text_excerpt(g->letter, shown, sizeof(shown));
		if (!isfinite(g->bar))
			return ls_error_set(err, LS_ERR_INVALID,
								"%s.%s: expected a finite number", path, shown);
		if (fabs(g->bar) > LS_MAX_BAR)
		{
			char		bar_path[WHERE_LEN];

			snprintf(bar_path, sizeof(bar_path), "%s.%s", path, shown);
			return check_bounded(g->bar, LS_MAX_BAR, NULL, bar_path, err);
		}
		for (j = 0; j < i; j++)
			if (strcmp(grades[j].letter, g->letter) == 0)
				return ls_error_set(err, LS_ERR_INVALID,
									"%s.%s: duplicate grade", path, shown);
		if (i > 0 && g->bar == grades[i - 1].bar)
		{
			char		prev[80];
			char		bar[LS_NUMBER_BUFLEN];

			ls_text_excerpt(grades[i - 1].letter, prev, sizeof(prev));
			ls_number_format(g->bar, bar, sizeof(bar));
			return ls_error_set(err, LS_ERR_INVALID,
								"%s.%s: expected a bar different from %s's (%s); the later grade could never be given",
								path, shown, prev, bar);
		}
		if (i > 0 && g->bar > grades[i - 1].bar)
			return ls_error_set(err, LS_ERR_INVALID,
								"%s: expected grades sorted by bar, highest first", path);
	}
	return true;
}

static bool
check_account_rules(const ls_account_model *a, const ls_validate_hooks *hooks,
					ls_error *err)
{
	char		where[64];
	const char **names;
	int			i;
	bool		ok;

	if (a->n_fit < 0 || a->n_fit > LS_MAX_RULES || (a->n_fit > 0 && a->fit_rules == NULL))
		return ls_error_set(err, LS_ERR_INVALID, "account.fit.rules: malformed rule list");
	for (i = 0; i < a->n_fit; i++)
	{
		snprintf(where, sizeof(where), "account.fit.rules[%d]", i);
		if (!ls_fit_rule_validate(&a->fit_rules[i], where, hooks, err))
			return false;
	}
	if (a->n_fit < 2)
		return true;
	names = malloc(sizeof(char *) * (size_t) a->n_fit);
	if (names == NULL)
		return ls_error_set(err, LS_ERR_NOMEM, "out of memory while checking rule names");
	for (i = 0; i < a->n_fit; i++)
		names[i] = a->fit_rules[i].name;
	ok = check_unique_names(names, a->n_fit, "account.fit", err);
	free(names);
	return ok;
}

static bool
check_roles(const ls_account_model *a, const ls_validate_hooks *hooks, ls_error *err)
{
	char		where[64];
	int			i;
	int			j;

	if (a->n_roles < 0 || a->n_roles > LS_MAX_ROLES || (a->n_roles > 0 && a->roles == NULL))
		return ls_error_set(err, LS_ERR_INVALID,
							"account.committee.roles: at most %d roles", LS_MAX_ROLES);
	for (i = 0; i < a->n_roles; i++)
	{
		const ls_role *role = &a->roles[i];
		char		when[WHERE_LEN];

		snprintf(where, sizeof(where), "account.committee.roles[%d]", i);
		if (!check_name(role->name, where, "name", err))
			return false;
		sub_where(when, sizeof(when), where, "when");
		if (!ls_condition_validate(&role->when, true, when, hooks, err))
			return false;
		if (!check_bounded(role->points, LS_MAX_POINTS, where, "points", err))
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(a->roles[j].name, role->name) == 0)
			{
				char		shown[80];

				ls_text_excerpt(role->name, shown, sizeof(shown));
				return ls_error_set(err, LS_ERR_INVALID,
									"%s.name: duplicate role name \"%s\" (account.committee.roles[%d] has it too)",
									where, shown, j);
			}
	}
	return true;
}

static bool
check_account(const ls_account_model *a, const ls_validate_hooks *hooks, ls_error *err)
{
	if (!check_account_rules(a, hooks, err) ||
		!check_grades(a->grades, a->n_grades, "account.fit.grades", err) ||
		!check_roles(a, hooks, err))
		return false;
	if (a->has_contact_cap)
	{
		if (!check_bounded(a->contact_cap, LS_MAX_POINTS, NULL, "account.contact_cap", err))
			return false;
		if (a->contact_cap < 0)
			return ls_error_set(err, LS_ERR_INVALID,
								"account.contact_cap: expected a number of at least 0");
	}
	if (!check_bounded(a->intent_gte, LS_MAX_POINTS, NULL,
					   "account.committee.engaged.intent_gte", err) ||
		!check_finite(a->engaged, "account.thresholds.engaged", err) ||
		!check_finite(a->buying, "account.thresholds.buying", err))
		return false;
	if (a->buying < a->engaged)
	{
		char		engaged[LS_NUMBER_BUFLEN];

		ls_number_format(a->engaged, engaged, sizeof(engaged));
		return ls_error_set(err, LS_ERR_INVALID,
							"account.thresholds.buying: must be at least account.thresholds.engaged (%s)",
							engaged);
	}
	return true;
}

static bool
check_finite(double v, const char *path, ls_error *err)
{
	return check_bounded(v, LS_MAX_BAR, NULL, path, err);
}

/*
 * A duration the catalog can hold: the half-life is stored as an interval
 * of whole microseconds (llround(seconds * 1e6), so it must round to at
 * least one and fit in int64), a task SLA as text that PostgreSQL's
 * interval input reads back and adds to the alert's time (so at least a
 * second, where ls_duration_format never writes an exponent).  0 is "none"
 * and checked by the caller.
 */
static bool
check_duration(double seconds, double min_seconds, const char *path,
			   ls_error *err)
{
	char		lim[LS_NUMBER_BUFLEN];

	if (!isfinite(seconds) || seconds < 0)
		return ls_error_set(err, LS_ERR_INVALID,
							"%s: expected a positive duration", path);
	if (seconds > LS_MAX_DURATION_SECONDS)
	{
		ls_number_format(LS_MAX_DURATION_DAYS, lim, sizeof(lim));
		return ls_error_set(err, LS_ERR_INVALID,
							"%s: is too long (the limit is %s days)", path, lim);
	}
	if (min_seconds >= 1 ? seconds < min_seconds : llround(seconds * 1e6) < 1)
		return ls_error_set(err, LS_ERR_INVALID,
							"%s: is too short (the least is %s)", path,
							min_seconds >= 1 ? "1 second" : "1 microsecond");
	return true;
}

bool
ls_model_validate(const ls_model *m, const ls_validate_hooks *hooks,
				  ls_error *err)
{
	int			k;

	if (!check_name_chars(m->name, NULL, "name", true, err))
		return false;
	if (m->status != NULL &&
		strcmp(m->status, LS_STATUS_DRAFT) != 0 &&
		strcmp(m->status, LS_STATUS_ACTIVE) != 0 &&
		strcmp(m->status, LS_STATUS_SHADOW) != 0 &&
		strcmp(m->status, LS_STATUS_RETIRED) != 0)
	{
		char		shown[80];

		ls_text_excerpt(m->status, shown, sizeof(shown));
		return ls_error_set(err, LS_ERR_INVALID,
							"status: unknown status \"%s\" (expected draft, active, shadow or retired)",
							shown);
	}
	if (!check_rules(m, hooks, err) ||
		!check_grades(m->grades, m->n_grades, "fit.grades", err))
		return false;
	if (m->account != NULL && !check_account(m->account, hooks, err))
		return false;
	/* 0 is "no decay" (a document's null); a document's "0 days" is refused when read */
	if (!isfinite(m->half_life_seconds) || m->half_life_seconds < 0)
		return ls_error_set(err, LS_ERR_INVALID,
							"intent.half_life: expected a positive duration (or null for no decay)");
	if (m->half_life_seconds > 0 &&
		!check_duration(m->half_life_seconds, 0, "intent.half_life", err))
		return false;
	if (m->has_inactivity)
	{
		char		lim[LS_NUMBER_BUFLEN];

		ls_number_format(LS_MAX_DURATION_DAYS, lim, sizeof(lim));
		if (!isfinite(m->inactivity_days) || m->inactivity_days <= 0 ||
			m->inactivity_days > LS_MAX_DURATION_DAYS)
			return ls_error_set(err, LS_ERR_INVALID,
								"intent.inactivity.days: expected a number of days greater than 0 and at most %s",
								lim);
		if (!check_bounded(m->inactivity_points, LS_MAX_POINTS, NULL,
						   "intent.inactivity.points", err))
			return false;
	}
	for (k = 0; k < LS_ROUTE_COUNT; k++)
	{
		char		path[64];

		if (m->task_sla_seconds[k] == 0)
			continue;
		snprintf(path, sizeof(path), "alerts.sla.%s", ls_route_names[k]);
		if (!check_duration(m->task_sla_seconds[k], 1, path, err))
			return false;
	}
	if (!check_finite(m->mql, "thresholds.mql", err) ||
		!check_finite(m->sql, "thresholds.sql", err))
		return false;
	if (m->sql < m->mql)
	{
		char		mql[LS_NUMBER_BUFLEN];

		ls_number_format(m->mql, mql, sizeof(mql));
		return ls_error_set(err, LS_ERR_INVALID,
							"thresholds.sql: must be at least thresholds.mql (%s)",
							mql);
	}
	return check_finite(m->fit_high, "routing.fit_high", err) &&
		check_finite(m->intent_high, "routing.intent_high", err) &&
		check_bounded(m->fit_weight, LS_MAX_WEIGHT, NULL, "weights.fit", err) &&
		check_bounded(m->intent_weight, LS_MAX_WEIGHT, NULL, "weights.intent", err);
}

/*
 * The default grades are shared and read-only: a model points at them
 * until its document or catalog rows give grades of its own.
 */
static const ls_grade default_grades[] = {
	{(char *) "A", 80},
	{(char *) "B", 60},
	{(char *) "C", 40}
};

void
ls_model_init(ls_model *m)
{
	memset(m, 0, sizeof(*m));
	m->grades = (ls_grade *) default_grades;
	m->n_grades = (int) (sizeof(default_grades) / sizeof(default_grades[0]));
	m->mql = LS_DEFAULT_MQL;
	m->sql = LS_DEFAULT_SQL;
	m->fit_high = LS_DEFAULT_FIT_HIGH;
	m->intent_high = LS_DEFAULT_INTENT_HIGH;
	m->fit_weight = 1;
	m->intent_weight = 1;
	m->half_life_seconds = 0;
	m->alert_sql = true;		/* reaching SQL alerts unless the model says otherwise */
}

const char *const ls_route_names[LS_ROUTE_COUNT] = {
	"route_to_sales", "nurture", "manual_review", "deprioritize"
};

/* ---------------------------------------------------------------------
 * Durations
 * ---------------------------------------------------------------------
 */

static const struct
{
	const char *name;
	double		seconds;
}			duration_units[] = {
	{"s", 1}, {"sec", 1}, {"secs", 1}, {"second", 1}, {"seconds", 1},
	{"min", 60}, {"mins", 60}, {"minute", 60}, {"minutes", 60},
	{"h", 3600}, {"hr", 3600}, {"hrs", 3600}, {"hour", 3600}, {"hours", 3600},
	{"d", 86400}, {"day", 86400}, {"days", 86400},
	{"w", 604800}, {"week", 604800}, {"weeks", 604800}
};

/* Units people write that have no fixed length in seconds. */
static const char *const vague_units[] = {
	"mon", "mons", "month", "months", "y", "yr", "yrs", "year", "years"
};

static bool
duration_error(ls_error *err, const char *text, const char *fmt,...)
__attribute__((format(printf, 3, 4)));

static bool
duration_error(ls_error *err, const char *text, const char *fmt,...)
{
	char		shown[80];
	char		msg[LS_ERROR_MSG_LEN];
	va_list		ap;

	ls_text_excerpt(text, shown, sizeof(shown));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ls_error_set(err, LS_ERR_SYNTAX, "invalid duration \"%s\": %s",
						shown, msg);
}

/*
 * Scan an unsigned decimal number (digits, optional fraction, optional
 * exponent) at p; returns its end, or p when there is none.  strtod alone
 * would also take "inf", "nan" and hexadecimal.
 */
static const char *
scan_number(const char *p)
{
	const char *q = p;
	bool		digits = false;

	while (is_digit(*q))
	{
		q++;
		digits = true;
	}
	if (*q == '.' && is_digit(q[1]))
	{
		q++;
		while (is_digit(*q))
			q++;
		digits = true;
	}
	if (!digits)
		return p;
	if ((*q == 'e' || *q == 'E') &&
		(is_digit(q[1]) || ((q[1] == '+' || q[1] == '-') && is_digit(q[2]))))
	{
		q += 2;
		while (is_digit(*q))
			q++;
	}
	return q;
}

static bool
lookup_unit(const char *word, size_t len, double *factor, const char *text,
			ls_error *err)
{
	char		shown[40];
	size_t		i;

	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
	{
		if (word_equals(word, len, duration_units[i].name))
		{
			*factor = duration_units[i].seconds;
			return true;
		}
	}
	snprintf(shown, sizeof(shown), "%.*s", (int) (len < 30 ? len : 30), word);
	for (i = 0; i < sizeof(vague_units) / sizeof(vague_units[0]); i++)
		if (word_equals(word, len, vague_units[i]))
			return duration_error(err, text,
								  "\"%s\" has no fixed length (use days or weeks)",
								  shown);
	if (word_equals(word, len, "m"))
		return duration_error(err, text,
							  "\"m\" is ambiguous (write min or minutes)");
	return duration_error(err, text,
						  "unknown unit \"%s\" (expected seconds, minutes, hours, days or weeks)",
						  shown);
}

bool
ls_duration_parse(const char *text, double *seconds, ls_error *err)
{
	const char *p = text;
	double		total = 0;
	int			terms = 0;

	if (text == NULL)
		return ls_error_set(err, LS_ERR_SYNTAX,
							"invalid duration: expected text such as \"30 days\"");
	while (is_space(*p))
		p++;
	if (*p == '\0')
		return duration_error(err, text,
							  "expected a duration such as \"30 days\" or \"12 hours\"");
	while (*p != '\0')
	{
		const char *num_end;
		const char *word;
		char	   *strtod_end;
		double		n;
		double		factor = 0;

		if (*p == '-')
			return duration_error(err, text, "must not be negative");
		num_end = scan_number(p);
		if (num_end == p)
			return duration_error(err, text,
								  "expected a number at \"%.20s\" (e.g. \"30 days\")", p);
		n = strtod(p, &strtod_end);
		if (strtod_end != num_end)
			return duration_error(err, text, "malformed number at \"%.20s\"", p);
		p = num_end;
		while (is_space(*p))
			p++;
		word = p;
		while (is_alpha(*p))
			p++;
		if (p == word)
		{
			/* a bare number is seconds, but only on its own */
			if (*p == '\0' && terms == 0)
			{
				total = n;
				terms++;
				break;
			}
			return duration_error(err, text,
								  "expected a unit after the number (seconds, minutes, hours, days or weeks)");
		}
		if (!lookup_unit(word, (size_t) (p - word), &factor, text, err))
			return false;
		total += n * factor;
		terms++;
		if (*p != '\0' && !is_space(*p) && !is_digit(*p))
			return duration_error(err, text,
								  "unexpected \"%.20s\" after a unit", p);
		while (is_space(*p))
			p++;
	}
	if (!isfinite(total))
		return duration_error(err, text, "is too large");
	*seconds = total;
	return true;
}

void
ls_duration_format(double seconds, char *buf, size_t buflen)
{
	static const struct
	{
		double		seconds;
		const char *singular;
		const char *plural;
	}			units[] = {
		{604800, "week", "weeks"},
		{86400, "day", "days"},
		{3600, "hour", "hours"},
		{60, "minute", "minutes"},
		{1, "second", "seconds"}
	};
	char		num[LS_NUMBER_BUFLEN];
	size_t		i;
	size_t		last = sizeof(units) / sizeof(units[0]) - 1;

	for (i = 0; i < last; i++)
	{
		/*
		 * The unit must divide exactly and the quotient multiply back
		 * exactly, so parsing the text gives the same double.
		 */
		if (isfinite(seconds) && seconds > 0 &&
			fmod(seconds, units[i].seconds) == 0 &&
			(seconds / units[i].seconds) * units[i].seconds == seconds)
			break;
	}
	ls_number_format(seconds / units[i].seconds, num, sizeof(num));
	snprintf(buf, buflen, "%s %s", num,
			 (seconds / units[i].seconds == 1) ? units[i].singular : units[i].plural);
}
