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
 * Rules
 * ---------------------------------------------------------------------
 */

/* A name-like string: present, not blank, at most LS_MAX_NAME bytes. */
static bool
check_name(const char *s, const char *where, const char *field,
		   ls_error *err)
{
	size_t		len;
	size_t		i;

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
			if (hooks != NULL && hooks->regex_check != NULL)
			{
				char		errbuf[256];
				char		shown[80];

				errbuf[0] = '\0';
				if (!hooks->regex_check(c->values[0].text, errbuf,
										sizeof(errbuf), hooks->ctx))
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
	if (!isfinite(r->points))
		return fail_at(err, LS_ERR_INVALID, where, "points",
					   "expected a finite number");
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
	if (!isfinite(r->points))
		return fail_at(err, LS_ERR_INVALID, where, "points",
					   "expected a finite number");
	if (r->has_cap)
	{
		char		pts[LS_NUMBER_BUFLEN];

		if (!isfinite(r->cap))
			return fail_at(err, LS_ERR_INVALID, where, "cap",
						   "expected a finite number");
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

static bool
check_grades(const ls_model *m, ls_error *err)
{
	int			i;
	int			j;

	if (m->n_grades < 1 || m->grades == NULL)
		return ls_error_set(err, LS_ERR_INVALID,
							"fit.grades: expected at least one grade, e.g. {\"A\": 80}");
	if (m->n_grades > LS_MAX_GRADES)
		return ls_error_set(err, LS_ERR_INVALID,
							"fit.grades: too many grades (%d; at most %d)",
							m->n_grades, LS_MAX_GRADES);
	for (i = 0; i < m->n_grades; i++)
	{
		const ls_grade *g = &m->grades[i];
		char		shown[80];

		if (g->letter == NULL || g->letter[0] == '\0')
			return ls_error_set(err, LS_ERR_INVALID,
								"fit.grades: expected non-empty grade letters");
		if (!check_name(g->letter, "fit.grades", NULL, err))
			return false;
		ls_text_excerpt(g->letter, shown, sizeof(shown));
		if (!isfinite(g->bar))
			return ls_error_set(err, LS_ERR_INVALID,
								"fit.grades.%s: expected a finite number", shown);
		for (j = 0; j < i; j++)
			if (strcmp(m->grades[j].letter, g->letter) == 0)
				return ls_error_set(err, LS_ERR_INVALID,
									"fit.grades.%s: duplicate grade", shown);
		if (i > 0 && g->bar == m->grades[i - 1].bar)
		{
			char		prev[80];
			char		bar[LS_NUMBER_BUFLEN];

			ls_text_excerpt(m->grades[i - 1].letter, prev, sizeof(prev));
			ls_number_format(g->bar, bar, sizeof(bar));
			return ls_error_set(err, LS_ERR_INVALID,
								"fit.grades.%s: expected a bar different from %s's (%s); the later grade could never be given",
								shown, prev, bar);
		}
		if (i > 0 && g->bar > m->grades[i - 1].bar)
			return ls_error_set(err, LS_ERR_INVALID,
								"fit.grades: expected grades sorted by bar, highest first");
	}
	return true;
}

static bool
check_finite(double v, const char *path, ls_error *err)
{
	if (!isfinite(v))
		return ls_error_set(err, LS_ERR_INVALID, "%s: expected a finite number",
							path);
	return true;
}

bool
ls_model_validate(const ls_model *m, const ls_validate_hooks *hooks,
				  ls_error *err)
{
	if (!check_name(m->name, NULL, "name", err))
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
	if (!check_rules(m, hooks, err) || !check_grades(m, err))
		return false;
	if (!isfinite(m->half_life_seconds) || m->half_life_seconds < 0)
		return ls_error_set(err, LS_ERR_INVALID,
							"intent.half_life: expected a duration of zero or more (or null for no decay)");
	if (m->has_inactivity)
	{
		if (!isfinite(m->inactivity_days) || m->inactivity_days <= 0)
			return ls_error_set(err, LS_ERR_INVALID,
								"intent.inactivity.days: expected a number of days greater than 0");
		if (!check_finite(m->inactivity_points, "intent.inactivity.points", err))
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
		check_finite(m->fit_weight, "weights.fit", err) &&
		check_finite(m->intent_weight, "weights.intent", err);
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
