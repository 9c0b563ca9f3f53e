/*
 * fit.c — fit rules compiled for matching, and the single-condition matcher
 * that intent `where` shares.
 *
 * Case-insensitivity without copying: literals are folded once at compile
 * time, and values are compared against them with ASCII folding applied on
 * the fly, so a plain ASCII value (nearly all of them) is never copied.  A
 * value with a byte >= 0x80 goes through hooks->fold once per row per
 * attribute slot; the folded copy lives in a per-slot buffer that grows
 * (geometrically, through the plan's own arena) and is reused for every
 * later row.
 *
 * A plan is mutable while it evaluates (slot caches, regex memo, fold
 * scratch), so one plan serves one thread; a PostgreSQL backend is one.
 *
 * What evaluation allocates (memo entries, folded copies, fold scratch) is
 * bounded per plan and reused across rows.  It comes from an arena of the
 * plan's own on the same host allocator as the arena the plan was compiled
 * in, because the caller's ls_arena struct itself may be gone by then (the
 * glue keeps only the memory context); ls_fit_release gives it back.
 */
#include "fit.h"
#include "memo.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* eq/in lists up to this size are scanned; longer ones are hashed. */
#define LS_SET_LINEAR_MAX 4

/* Chunks one call of hooks->fold may take from the fold scratch. */
#define LS_FOLD_REGIONS 4
#define LS_FOLD_REGION_MIN (16 * 1024)

/* "%.15g" of any double fits. */
#define LS_NUMBER_TEXT_MAX 32

/* Longest text (after trimming) that can parse as a number. */
#define LS_PARSE_MAX 256

/* seen_value.have */
#define HAVE_VIEW	0x01
#define HAVE_NUM	0x02
#define HAVE_FHASH	0x04
#define HAVE_XHASH	0x08
#define HAVE_BITS	0x10

/*
 * An attribute gets a memo of its text rules' answers when their cost
 * (regex 8, each contains literal 2, each prefix/suffix literal 1, a set 1)
 * reaches this, over at least two rules.
 */
#define LS_SLOT_MEMO_COST 6
#define LS_SLOT_MEMO_MAX_RULES 64

/*
 * hooks->fold writes into an arena.  Giving it the plan's arena directly
 * would grow that arena by every non-ASCII value of every row, so each call
 * gets a throwaway arena whose chunks are these regions, reused call after
 * call.
 */
typedef struct fold_scratch
{
	ls_arena   *owner;
	char	   *region[LS_FOLD_REGIONS];
	size_t		cap[LS_FOLD_REGIONS];
	int			handed;			/* regions given out during the current call */
} fold_scratch;

/* What every condition of one plan shares. */
typedef struct match_ctx
{
	ls_arena   *compile_arena;	/* the caller's; NULL once compiled */
	ls_arena	eval;			/* what evaluation takes */
	ls_match_hooks hooks;
	fold_scratch scratch;
} match_ctx;

/*
 * One attribute value as the conditions see it during one row, with what
 * has been derived from it so far (so several rules on one slot fold, hash
 * and parse it once).
 */
typedef struct seen_value
{
	const ls_attr_value *v;
	uint32_t	stamp;			/* fit: generation this row belongs to */
	unsigned	have;			/* HAVE_* */
	const char *text;			/* text operators' view; NULL: no text */
	size_t		len;
	uint32_t	fold_hash;		/* of text, ASCII-folded */
	uint32_t	exact_hash;		/* of text as is */
	bool		num_ok;
	double		num;
	uint64_t	bits;			/* HAVE_BITS: the attribute's memoed rule answers */
	char	   *buf;			/* hook-folded copy, reused across rows */
	size_t		cap;
	char		numtext[LS_NUMBER_TEXT_MAX];
} seen_value;

/* A folded literal. */
typedef struct lit
{
	const char *s;
	size_t		len;
} lit;

typedef struct text_entry
{
	const char *s;				/* NULL: empty */
	uint32_t	len;
	uint32_t	hash;
} text_entry;

struct ls_cond_plan
{
	ls_op		op;
	match_ctx  *mc;
	/* eq/in text literals; contains/prefix/suffix literals */
	lit		   *text;
	int			n_text;
	text_entry *tset;			/* hashed text literals, or NULL */
	uint32_t	tmask;
	/* eq/in numeric literals */
	double	   *num;
	int			n_num;
	double	   *nset;			/* hashed numbers (NaN: empty), or NULL */
	uint32_t	nmask;
	/* numeric operators */
	double		lo;
	double		hi;
	/* regex */
	void	  **regex;
	int			n_regex;
	ls_memo		memo;
	/* ls_cond_match's own view of its value */
	seen_value *own;
};

typedef struct fit_rule_plan
{
	int			slot;
	int			group;			/* -1: none */
	int			memo_bit;		/* in its attribute's memo; -1: not memoed */
	double		points;
	ls_cond_plan cond;
} fit_rule_plan;

/* The text rules of one attribute, answered together and remembered. */
typedef struct slot_memo
{
	int			n_rules;		/* 0: no memo for this attribute */
	int		   *rules;			/* rule indexes; rule k answers bit k */
	ls_memo		memo;
} slot_memo;

struct ls_fit_plan
{
	match_ctx	mc;
	int			n_rules;
	fit_rule_plan *rules;
	int			n_attrs;
	ls_fit_attr *attrs;
	seen_value *slots;
	slot_memo  *memos;			/* per attribute */
	int			n_groups;
	uint32_t   *group_stamp;	/* == gen: the group already counted this row */
	uint32_t	gen;
};

static const ls_attr_value null_value = {LS_VAL_NULL, NULL, 0, 0.0};


/* ---------- folding, hashing ---------- */

static inline unsigned char
fold_c(unsigned char c)
{
	return (unsigned) (c - 'A') < 26u ? (unsigned char) (c + 32) : c;
}

static inline uint32_t
hash_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t
hash_folded(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		h ^= fold_c((unsigned char) s[i]);
		h *= 16777619u;
	}
	return hash_mix(h);
}

static uint32_t
hash_exact(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return hash_mix(h);
}

static uint32_t
hash_number(double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, sizeof(bits));
	return hash_mix((uint32_t) (bits ^ (bits >> 32)));
}

static bool
has_non_ascii(const char *s, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			return true;
	return false;
}

/* Does t, folded on the fly, equal the folded literal l (both len bytes)? */
static inline bool
eq_folded(const char *t, const char *l, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		if (fold_c((unsigned char) t[i]) != (unsigned char) l[i])
			return false;
	return true;
}

static bool
contains_folded(const char *t, size_t tlen, const char *l, size_t llen)
{
	unsigned char first;
	size_t		i;

	if (llen == 0)
		return true;
	if (llen > tlen)
		return false;
	first = (unsigned char) l[0];
	for (i = 0; i <= tlen - llen; i++)
		if (fold_c((unsigned char) t[i]) == first &&
			eq_folded(t + i + 1, l + 1, llen - 1))
			return true;
	return false;
}

/* Grow *buf geometrically so that it holds need bytes. */
static bool
ensure_buf(ls_arena *arena, char **buf, size_t *cap, size_t need)
{
	size_t		newcap;
	char	   *nb;

	if (*buf != NULL && *cap >= need)
		return true;
	newcap = *cap ? *cap : 64;
	while (newcap < need)
	{
		if (newcap > SIZE_MAX / 4)
			return false;
		newcap *= 2;
	}
	nb = ls_arena_alloc(arena, newcap);
	if (nb == NULL)
		return false;
	*buf = nb;
	*cap = newcap;
	return true;
}

static void *
scratch_chunk_alloc(size_t size, void *ctx)
{
	fold_scratch *fs = ctx;
	int			i = fs->handed;

	if (i >= LS_FOLD_REGIONS)
		return NULL;
	if (fs->cap[i] < size)
	{
		size_t		cap = fs->cap[i] * 2;
		char	   *r;

		if (cap < LS_FOLD_REGION_MIN)
			cap = LS_FOLD_REGION_MIN;
		if (cap < size)
			cap = size;
		r = ls_arena_alloc(fs->owner, cap);
		if (r == NULL)
			return NULL;
		fs->region[i] = r;
		fs->cap[i] = cap;
	}
	fs->handed++;
	return fs->region[i];
}

/*
 * Run hooks->fold on a row's value.  The result lives in the scratch
 * regions and is valid until the next call.
 */
static const char *
hook_fold_scratch(match_ctx *mc, const char *text, size_t len, size_t *out_len)
{
	ls_arena	tmp;

	mc->scratch.owner = &mc->eval;
	mc->scratch.handed = 0;
	ls_arena_init(&tmp, scratch_chunk_alloc, NULL, &mc->scratch);
	return mc->hooks.fold(text, len, out_len, &tmp, mc->hooks.ctx);
}

/*
 * Fold a literal at compile time into arena memory: hooks->fold for
 * non-ASCII text when there is one, then ASCII folding (idempotent on the
 * hook's output, and the whole job when there is no hook).
 */
static bool
fold_literal(match_ctx *mc, const char *text, lit *out)
{
	size_t		len = strlen(text);
	const char *src = text;
	size_t		src_len = len;
	char	   *dst;
	size_t		i;

	if (mc->hooks.fold != NULL && has_non_ascii(text, len))
	{
		const char *f = mc->hooks.fold(text, len, &src_len, mc->compile_arena,
									   mc->hooks.ctx);

		if (f != NULL)
			src = f;
		else
			src_len = len;
	}
	dst = ls_arena_strndup(mc->compile_arena, src, src_len);
	if (dst == NULL)
		return false;
	for (i = 0; i < src_len; i++)
		dst[i] = (char) fold_c((unsigned char) dst[i]);
	out->s = dst;
	out->len = src_len;
	return true;
}


/* ---------- numbers ---------- */

/* The canonical spelling of a number ("%.15g", with -0 as "0"). */
static size_t
number_text(double d, char *buf)
{
	int			n;

	if (d == 0)
	{
		buf[0] = '0';
		buf[1] = '\0';
		return 1;
	}
	if (isfinite(d) && fabs(d) < 1e15 && d == trunc(d))
	{
		/* what %.15g prints for these, without the cost of printf */
		char		tmp[24];
		int64_t		iv = (int64_t) d;
		uint64_t	u = iv < 0 ? (uint64_t) (-iv) : (uint64_t) iv;
		int			k = 0;
		size_t		len = 0;

		while (u > 0)
		{
			tmp[k++] = (char) ('0' + u % 10);
			u /= 10;
		}
		if (iv < 0)
			buf[len++] = '-';
		while (k > 0)
			buf[len++] = tmp[--k];
		buf[len] = '\0';
		return len;
	}
	n = snprintf(buf, LS_NUMBER_TEXT_MAX, "%.15g", d);
	if (n < 0)
		n = 0;
	if (n >= LS_NUMBER_TEXT_MAX)
		n = LS_NUMBER_TEXT_MAX - 1;
	return (size_t) n;
}

static inline bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

static inline bool
is_digit(unsigned char c)
{
	return (unsigned) (c - '0') < 10u;
}

/*
 * Parse a whole text as a decimal number, surrounding spaces allowed:
 * [+-] digits [. digits] [e [+-] digits].  No hex, no inf/nan, no
 * thousands separators, and the result must be finite.
 */
static bool
parse_number(const char *s, size_t len, double *out)
{
	size_t		b = 0;
	size_t		e = len;
	size_t		i;
	size_t		digits = 0;
	bool		simple = true;	/* [+-]digits, at most 15 of them */
	char		buf[LS_PARSE_MAX + 1];
	char	   *end;
	double		d;

	if (s == NULL)
		return false;
	while (b < e && is_space((unsigned char) s[b]))
		b++;
	while (e > b && is_space((unsigned char) s[e - 1]))
		e--;
	if (b == e || e - b > LS_PARSE_MAX)
		return false;

	i = b;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < e && is_digit((unsigned char) s[i]))
	{
		i++;
		digits++;
	}
	if (i < e && s[i] == '.')
	{
		simple = false;
		i++;
		while (i < e && is_digit((unsigned char) s[i]))
		{
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	if (i < e && (s[i] == 'e' || s[i] == 'E'))
	{
		size_t		exp_digits = 0;

		simple = false;
		i++;
		if (i < e && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < e && is_digit((unsigned char) s[i]))
		{
			i++;
			exp_digits++;
		}
		if (exp_digits == 0)
			return false;
	}
	if (i != e)
		return false;

	if (simple && digits <= 15)
	{
		int64_t		v = 0;

		for (i = b; i < e; i++)
			if (is_digit((unsigned char) s[i]))
				v = v * 10 + (s[i] - '0');
		*out = s[b] == '-' ? -(double) v : (double) v;
		return true;
	}
	memcpy(buf, s + b, e - b);
	buf[e - b] = '\0';
	d = strtod(buf, &end);
	if (*end != '\0' || !isfinite(d))
		return false;
	*out = d;
	return true;
}


/* ---------- what a condition sees of a value ---------- */

static void
seen_reset(seen_value *sv, const ls_attr_value *v)
{
	sv->v = v ? v : &null_value;
	sv->have = 0;
}

static inline bool
seen_is_null(const seen_value *sv)
{
	return sv->v->kind != LS_VAL_TEXT && sv->v->kind != LS_VAL_NUMBER;
}

static void
fold_with_hook(match_ctx *mc, seen_value *sv)
{
	size_t		out_len = 0;
	const char *out = hook_fold_scratch(mc, sv->text, sv->len, &out_len);

	/* on failure the value keeps its own bytes: ASCII folding only */
	if (out == NULL)
		return;
	if (!ensure_buf(&mc->eval, &sv->buf, &sv->cap, out_len))
		return;
	memcpy(sv->buf, out, out_len);
	sv->text = sv->buf;
	sv->len = out_len;
}

/*
 * The text text operators compare: the value, its hook-folded copy when it
 * has non-ASCII bytes, or a number's canonical spelling.
 */
static bool
seen_view(match_ctx *mc, seen_value *sv)
{
	const ls_attr_value *v = sv->v;

	if (sv->have & HAVE_VIEW)
		return sv->text != NULL;
	sv->have |= HAVE_VIEW;
	sv->text = NULL;
	sv->len = 0;
	if (v->kind == LS_VAL_TEXT)
	{
		sv->text = v->text ? v->text : "";
		sv->len = v->text ? v->len : 0;
		if (mc->hooks.fold != NULL && has_non_ascii(sv->text, sv->len))
			fold_with_hook(mc, sv);
	}
	else if (v->kind == LS_VAL_NUMBER)
	{
		sv->len = number_text(v->num, sv->numtext);
		sv->text = sv->numtext;
	}
	return sv->text != NULL;
}

static bool
seen_number(seen_value *sv)
{
	const ls_attr_value *v = sv->v;

	if (sv->have & HAVE_NUM)
		return sv->num_ok;
	sv->have |= HAVE_NUM;
	sv->num_ok = false;
	if (v->kind == LS_VAL_NUMBER)
	{
		sv->num = v->num;
		sv->num_ok = !isnan(v->num);
	}
	else if (v->kind == LS_VAL_TEXT)
		sv->num_ok = parse_number(v->text, v->len, &sv->num);
	return sv->num_ok;
}

static uint32_t
seen_fold_hash(seen_value *sv)
{
	if (!(sv->have & HAVE_FHASH))
	{
		sv->fold_hash = hash_folded(sv->text, sv->len);
		sv->have |= HAVE_FHASH;
	}
	return sv->fold_hash;
}

static uint32_t
seen_exact_hash(seen_value *sv)
{
	if (!(sv->have & HAVE_XHASH))
	{
		sv->exact_hash = hash_exact(sv->text, sv->len);
		sv->have |= HAVE_XHASH;
	}
	return sv->exact_hash;
}


/* ---------- matching ---------- */

static bool
text_set_has(ls_cond_plan *cp, seen_value *sv)
{
	uint32_t	h;
	uint32_t	i;
	int			k;

	if (cp->tset == NULL)
	{
		for (k = 0; k < cp->n_text; k++)
			if (cp->text[k].len == sv->len &&
				eq_folded(sv->text, cp->text[k].s, sv->len))
				return true;
		return false;
	}
	if (sv->len > UINT32_MAX)
		return false;
	h = seen_fold_hash(sv);
	for (i = h & cp->tmask;; i = (i + 1) & cp->tmask)
	{
		const text_entry *e = &cp->tset[i];

		if (e->s == NULL)
			return false;
		if (e->hash == h && e->len == sv->len &&
			eq_folded(sv->text, e->s, sv->len))
			return true;
	}
}

static bool
num_set_has(const ls_cond_plan *cp, double d)
{
	uint32_t	i;
	int			k;

	if (d == 0)
		d = 0.0;				/* -0 and 0 are one key */
	if (cp->nset == NULL)
	{
		for (k = 0; k < cp->n_num; k++)
			if (cp->num[k] == d)
				return true;
		return false;
	}
	for (i = hash_number(d) & cp->nmask;; i = (i + 1) & cp->nmask)
	{
		double		e = cp->nset[i];

		if (isnan(e))
			return false;
		if (e == d)
			return true;
	}
}

static bool
match_set(ls_cond_plan *cp, seen_value *sv)
{
	if (cp->n_num > 0 && seen_number(sv) && num_set_has(cp, sv->num))
		return true;
	if (cp->n_text > 0 && seen_view(cp->mc, sv) && text_set_has(cp, sv))
		return true;
	return false;
}

static bool
match_affix(ls_cond_plan *cp, seen_value *sv)
{
	int			k;

	if (!seen_view(cp->mc, sv))
		return false;
	for (k = 0; k < cp->n_text; k++)
	{
		const lit  *l = &cp->text[k];

		switch (cp->op)
		{
			case LS_OP_CONTAINS:
				if (contains_folded(sv->text, sv->len, l->s, l->len))
					return true;
				break;
			case LS_OP_PREFIX:
				if (l->len <= sv->len && eq_folded(sv->text, l->s, l->len))
					return true;
				break;
			case LS_OP_SUFFIX:
				if (l->len <= sv->len &&
					eq_folded(sv->text + sv->len - l->len, l->s, l->len))
					return true;
				break;
			default:
				return false;
		}
	}
	return false;
}

static bool
run_regexes(ls_cond_plan *cp, const char *text, size_t len)
{
	int			k;

	for (k = 0; k < cp->n_regex; k++)
		if (cp->mc->hooks.regex_match(cp->regex[k], text, len,
									  cp->mc->hooks.ctx))
			return true;
	return false;
}

/*
 * The memo is keyed by the exact bytes handed to the regex engine, so a
 * hit repeats exactly what the engine answered for the same input.
 */
static bool
match_regex(ls_cond_plan *cp, seen_value *sv)
{
	ls_memo_entry *e = NULL;
	uint32_t	h = 0;
	bool		hit = false;
	bool		result;

	if (!seen_view(cp->mc, sv))
		return false;
	if (!ls_memo_skip(&cp->memo, sv->len))
	{
		h = seen_exact_hash(sv);
		e = ls_memo_lookup(&cp->memo, &cp->mc->eval, sv->text, sv->len, h, &hit);
	}
	if (hit)
		return e->bits != 0;
	result = run_regexes(cp, sv->text, sv->len);
	if (e != NULL)
		ls_memo_store(e, &cp->mc->eval, sv->text, sv->len, h, result ? 1 : 0);
	return result;
}

static bool
match_numeric(ls_cond_plan *cp, seen_value *sv)
{
	double		d;

	if (!seen_number(sv))
		return false;
	d = sv->num;
	switch (cp->op)
	{
		case LS_OP_BETWEEN:
			return d >= cp->lo && d <= cp->hi;
		case LS_OP_GT:
			return d > cp->lo;
		case LS_OP_GTE:
			return d >= cp->lo;
		case LS_OP_LT:
			return d < cp->lo;
		case LS_OP_LTE:
			return d <= cp->lo;
		default:
			return false;
	}
}

static bool
cond_match(ls_cond_plan *cp, seen_value *sv)
{
	if (cp->op == LS_OP_MISSING)
		return seen_is_null(sv);
	if (seen_is_null(sv))
		return false;
	switch (cp->op)
	{
		case LS_OP_EXISTS:
			return true;
		case LS_OP_EQ:
		case LS_OP_IN:
			return match_set(cp, sv);
		case LS_OP_CONTAINS:
		case LS_OP_PREFIX:
		case LS_OP_SUFFIX:
			return match_affix(cp, sv);
		case LS_OP_REGEX:
			return match_regex(cp, sv);
		case LS_OP_BETWEEN:
		case LS_OP_GT:
		case LS_OP_GTE:
		case LS_OP_LT:
		case LS_OP_LTE:
			return match_numeric(cp, sv);
		default:
			return false;
	}
}


/* ---------- compiling a condition ---------- */

static uint32_t
table_size(int n)
{
	uint32_t	size = 8;

	while (size < (uint32_t) n * 2)
		size *= 2;
	return size;
}

static bool
build_text_set(ls_cond_plan *cp, ls_arena *arena)
{
	uint32_t	size = table_size(cp->n_text);
	int			k;

	cp->tset = ls_arena_alloc(arena, size * sizeof(text_entry));
	if (cp->tset == NULL)
		return false;
	cp->tmask = size - 1;
	for (k = 0; k < cp->n_text; k++)
	{
		const lit  *l = &cp->text[k];
		uint32_t	h = hash_folded(l->s, l->len);
		uint32_t	i;

		for (i = h & cp->tmask; cp->tset[i].s != NULL; i = (i + 1) & cp->tmask)
			if (cp->tset[i].hash == h && cp->tset[i].len == l->len &&
				memcmp(cp->tset[i].s, l->s, l->len) == 0)
				break;
		cp->tset[i].s = l->s;
		cp->tset[i].len = (uint32_t) l->len;
		cp->tset[i].hash = h;
	}
	return true;
}

static bool
build_num_set(ls_cond_plan *cp, ls_arena *arena)
{
	uint32_t	size = table_size(cp->n_num);
	uint32_t	i;
	int			k;

	cp->nset = ls_arena_alloc(arena, size * sizeof(double));
	if (cp->nset == NULL)
		return false;
	cp->nmask = size - 1;
	for (i = 0; i < size; i++)
		cp->nset[i] = NAN;
	for (k = 0; k < cp->n_num; k++)
	{
		double		d = cp->num[k];

		for (i = hash_number(d) & cp->nmask; !isnan(cp->nset[i]);
			 i = (i + 1) & cp->nmask)
			if (cp->nset[i] == d)
				break;
		cp->nset[i] = d;
	}
	return true;
}

/* A literal of a numeric operator: its number, or its text if numeric. */
static bool
literal_number(const ls_value *v, double *out)
{
	if (v->is_number)
	{
		*out = v->num;
		return !isnan(v->num);
	}
	return v->text != NULL && parse_number(v->text, strlen(v->text), out);
}

static bool
compile_set(ls_cond_plan *cp, const ls_condition *c, ls_error *err)
{
	ls_arena   *arena = cp->mc->compile_arena;
	int			k;

	cp->text = ls_arena_alloc(arena, c->nvalues * sizeof(lit));
	cp->num = ls_arena_alloc(arena, c->nvalues * sizeof(double));
	if (cp->text == NULL || cp->num == NULL)
		return ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling a rule");
	for (k = 0; k < c->nvalues; k++)
	{
		const ls_value *v = &c->values[k];

		if (v->is_number)
		{
			if (isnan(v->num))
				return ls_error_set(err, LS_ERR_INVALID, "value %d is not a number", k + 1);
			cp->num[cp->n_num++] = v->num == 0 ? 0.0 : v->num;
		}
		else
		{
			if (v->text == NULL)
				return ls_error_set(err, LS_ERR_INVALID, "value %d has no text", k + 1);
			if (!fold_literal(cp->mc, v->text, &cp->text[cp->n_text]))
				return ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling a rule");
			cp->n_text++;
		}
	}
	if (cp->n_text > LS_SET_LINEAR_MAX && !build_text_set(cp, arena))
		return ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling a rule");
	if (cp->n_num > LS_SET_LINEAR_MAX && !build_num_set(cp, arena))
		return ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling a rule");
	return true;
}

static bool
compile_affix(ls_cond_plan *cp, const ls_condition *c, ls_error *err)
{
	int			k;

	cp->text = ls_arena_alloc(cp->mc->compile_arena, c->nvalues * sizeof(lit));
	if (cp->text == NULL)
		return ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling a rule");
	for (k = 0; k < c->nvalues; k++)
	{
		const ls_value *v = &c->values[k];
		char		nbuf[LS_NUMBER_TEXT_MAX];
		const char *t = v->text;

		if (t == NULL && v->is_number)
		{
			number_text(v->num, nbuf);
			t = nbuf;
		}
		if (t == NULL)
			return ls_error_set(err, LS_ERR_INVALID, "value %d has no text", k + 1);
		if (!fold_literal(cp->mc, t, &cp->text[cp->n_text]))
			return ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling a rule");
		cp->n_text++;
	}
	return true;
}

static bool
compile_regex(ls_cond_plan *cp, const ls_condition *c, ls_error *err)
{
	const ls_match_hooks *hooks = &cp->mc->hooks;
	int			k;

	if (hooks->regex_compile == NULL || hooks->regex_match == NULL)
		return ls_error_set(err, LS_ERR_INVALID, "regex is not available here");
	cp->regex = ls_arena_alloc(cp->mc->compile_arena, c->nvalues * sizeof(void *));
	if (cp->regex == NULL)
		return ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling a rule");
	for (k = 0; k < c->nvalues; k++)
	{
		const char *pattern = c->values[k].text;
		ls_error	rerr;
		void	   *re;

		if (pattern == NULL)
			return ls_error_set(err, LS_ERR_INVALID, "regex %d has no text", k + 1);
		ls_error_clear(&rerr);
		re = hooks->regex_compile(pattern, cp->mc->compile_arena, hooks->ctx, &rerr);
		if (re == NULL)
			return ls_error_set(err, rerr.kind != LS_ERR_NONE ? rerr.kind : LS_ERR_INVALID,
								"invalid regex \"%.200s\": %s", pattern,
								rerr.msg[0] ? rerr.msg : "does not compile");
		cp->regex[cp->n_regex++] = re;
	}
	return true;
}

static bool
compile_numeric(ls_cond_plan *cp, const ls_condition *c, ls_error *err)
{
	int			want = c->op == LS_OP_BETWEEN ? 2 : 1;

	if (c->nvalues != want)
		return ls_error_set(err, LS_ERR_INVALID, "%s takes %s",
							c->op == LS_OP_BETWEEN ? "between" : "a numeric operator",
							want == 2 ? "two numbers" : "one number");
	if (!literal_number(&c->values[0], &cp->lo) ||
		(want == 2 && !literal_number(&c->values[1], &cp->hi)))
		return ls_error_set(err, LS_ERR_INVALID, "value is not a number");
	return true;
}

/* Compile c into cp, which belongs to mc's plan. */
static bool
cond_compile_into(ls_cond_plan *cp, const ls_condition *c, match_ctx *mc,
				  ls_error *err)
{
	memset(cp, 0, sizeof(*cp));
	cp->op = c->op;
	cp->mc = mc;
	if (c->nvalues < 0 || (c->nvalues > 0 && c->values == NULL))
		return ls_error_set(err, LS_ERR_INVALID, "malformed value list");
	switch (c->op)
	{
		case LS_OP_EQ:
		case LS_OP_IN:
			if (c->nvalues == 0)
				return ls_error_set(err, LS_ERR_INVALID, "%s needs a value",
									c->op == LS_OP_EQ ? "eq" : "in");
			return compile_set(cp, c, err);
		case LS_OP_CONTAINS:
		case LS_OP_PREFIX:
		case LS_OP_SUFFIX:
			if (c->nvalues == 0)
				return ls_error_set(err, LS_ERR_INVALID, "operator needs a value");
			return compile_affix(cp, c, err);
		case LS_OP_REGEX:
			if (c->nvalues == 0)
				return ls_error_set(err, LS_ERR_INVALID, "regex needs a pattern");
			return compile_regex(cp, c, err);
		case LS_OP_BETWEEN:
		case LS_OP_GT:
		case LS_OP_GTE:
		case LS_OP_LT:
		case LS_OP_LTE:
			return compile_numeric(cp, c, err);
		case LS_OP_EXISTS:
		case LS_OP_MISSING:
			return true;
		default:
			return ls_error_set(err, LS_ERR_INVALID, "unknown operator %d", (int) c->op);
	}
}

static void
mc_init(match_ctx *mc, ls_arena *arena, const ls_match_hooks *hooks)
{
	mc->compile_arena = arena;
	ls_arena_init(&mc->eval, arena->alloc, arena->free, arena->ctx);
	mc->eval.limit = arena->limit;
	if (hooks != NULL)
		mc->hooks = *hooks;
}

static void
mc_release(match_ctx *mc)
{
	ls_arena_free(&mc->eval);
	memset(&mc->scratch, 0, sizeof(mc->scratch));
}

/* Drop what a condition took from the evaluation arena. */
static void
cond_forget(ls_cond_plan *cp)
{
	memset(&cp->memo, 0, sizeof(cp->memo));
}

static void
seen_forget(seen_value *sv)
{
	sv->buf = NULL;
	sv->cap = 0;
	sv->stamp = 0;
	seen_reset(sv, NULL);
}

ls_cond_plan *
ls_cond_compile(const ls_condition *c, ls_arena *arena,
				const ls_match_hooks *hooks, ls_error *err)
{
	match_ctx  *mc = ls_arena_alloc(arena, sizeof(match_ctx));
	ls_cond_plan *cp = ls_arena_alloc(arena, sizeof(ls_cond_plan));
	seen_value *own = ls_arena_alloc(arena, sizeof(seen_value));

	if (mc == NULL || cp == NULL || own == NULL)
	{
		ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling a condition");
		return NULL;
	}
	mc_init(mc, arena, hooks);
	if (!cond_compile_into(cp, c, mc, err))
		return NULL;
	mc->compile_arena = NULL;
	cp->own = own;
	seen_reset(own, NULL);
	return cp;
}

void
ls_cond_release(ls_cond_plan *cp)
{
	if (cp == NULL)
		return;
	mc_release(cp->mc);
	cond_forget(cp);
	seen_forget(cp->own);
}

bool
ls_cond_match(ls_cond_plan *cp, const ls_attr_value *v)
{
	seen_reset(cp->own, v);
	return cond_match(cp, cp->own);
}


/* ---------- compiling the fit rules ---------- */

/* Compile-time map from a name to a small integer. */
typedef struct name_map
{
	const char **keys;
	int		   *ids;
	uint32_t	mask;
	int			n;
} name_map;

static bool
name_map_init(name_map *nm, int capacity, ls_arena *arena)
{
	uint32_t	size = table_size(capacity);

	nm->keys = ls_arena_alloc(arena, size * sizeof(char *));
	nm->ids = ls_arena_alloc(arena, size * sizeof(int));
	nm->mask = size - 1;
	nm->n = 0;
	return nm->keys != NULL && nm->ids != NULL;
}

/* The id of key, adding it as the next id when new (*added says so). */
static int
name_map_id(name_map *nm, const char *key, bool *added)
{
	size_t		len = strlen(key);
	uint32_t	i;

	for (i = hash_exact(key, len) & nm->mask; nm->keys[i] != NULL;
		 i = (i + 1) & nm->mask)
	{
		if (strcmp(nm->keys[i], key) == 0)
		{
			*added = false;
			return nm->ids[i];
		}
	}
	nm->keys[i] = key;
	nm->ids[i] = nm->n;
	*added = true;
	return nm->n++;
}

static bool
op_is_numeric(ls_op op)
{
	return op == LS_OP_BETWEEN || op == LS_OP_GT || op == LS_OP_GTE ||
		op == LS_OP_LT || op == LS_OP_LTE;
}

static bool
op_is_text(ls_op op)
{
	return op == LS_OP_EQ || op == LS_OP_IN || op == LS_OP_CONTAINS ||
		op == LS_OP_PREFIX || op == LS_OP_SUFFIX || op == LS_OP_REGEX;
}

static void
note_wants(ls_fit_attr *a, const ls_condition *c)
{
	int			k;

	if (op_is_text(c->op))
		a->wants_text = true;
	if (op_is_numeric(c->op))
		a->wants_number = true;
	if (c->op == LS_OP_EQ || c->op == LS_OP_IN)
		for (k = 0; k < c->nvalues; k++)
			if (c->values[k].is_number)
				a->wants_number = true;
}

static bool
fit_rule_fail(ls_error *err, const ls_fit_rule *r, int i, const ls_error *why)
{
	if (r->name != NULL)
		return ls_error_set(err, why->kind, "fit rule \"%.200s\": %s", r->name, why->msg);
	return ls_error_set(err, why->kind, "fit.rules[%d]: %s", i, why->msg);
}

static bool
compile_fit_rule(ls_fit_plan *p, int i, const ls_fit_rule *r,
				 name_map *attrs, name_map *groups, ls_error *err)
{
	fit_rule_plan *rp = &p->rules[i];
	ls_error	why;
	bool		added;
	int			slot;

	ls_error_clear(&why);
	if (r->cond.attribute == NULL)
	{
		ls_error_set(&why, LS_ERR_INVALID, "no attribute");
		return fit_rule_fail(err, r, i, &why);
	}
	slot = name_map_id(attrs, r->cond.attribute, &added);
	if (added)
	{
		ls_fit_attr *a = &p->attrs[slot];

		a->name = ls_arena_strdup(p->mc.compile_arena, r->cond.attribute);
		if (a->name == NULL)
			return ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling fit rules");
		if (!ls_parse_attribute(r->cond.attribute, p->mc.compile_arena, &a->derive,
								&a->column, &why))
			return fit_rule_fail(err, r, i, &why);
		p->n_attrs++;
	}
	rp->slot = slot;
	rp->group = r->group != NULL ? name_map_id(groups, r->group, &added) : -1;
	rp->points = r->points;
	if (!cond_compile_into(&rp->cond, &r->cond, &p->mc, &why))
		return fit_rule_fail(err, r, i, &why);
	note_wants(&p->attrs[slot], &r->cond);
	return true;
}

/* What matching a text against cp costs, roughly (see LS_SLOT_MEMO_COST). */
static int
match_cost(const ls_cond_plan *cp)
{
	switch (cp->op)
	{
		case LS_OP_REGEX:
			return 8 * cp->n_regex;
		case LS_OP_CONTAINS:
			return 2 * cp->n_text;
		case LS_OP_PREFIX:
		case LS_OP_SUFFIX:
			return cp->n_text;
		case LS_OP_EQ:
		case LS_OP_IN:
			return 1;
		default:
			return 0;
	}
}

/*
 * Which attributes remember their text rules' answers per value: those
 * whose text rules cost enough that one lookup beats running them.
 */
static bool
plan_slot_memos(ls_fit_plan *p, ls_arena *arena)
{
	int			slot;
	int			i;

	p->memos = ls_arena_alloc(arena, (p->n_attrs > 0 ? p->n_attrs : 1) * sizeof(slot_memo));
	if (p->memos == NULL)
		return false;
	for (i = 0; i < p->n_rules; i++)
		p->rules[i].memo_bit = -1;
	for (slot = 0; slot < p->n_attrs; slot++)
	{
		slot_memo  *sm = &p->memos[slot];
		int			cost = 0;
		int			n = 0;

		for (i = 0; i < p->n_rules; i++)
			if (p->rules[i].slot == slot && op_is_text(p->rules[i].cond.op))
			{
				cost += match_cost(&p->rules[i].cond);
				n++;
			}
		if (n < 2 || n > LS_SLOT_MEMO_MAX_RULES || cost < LS_SLOT_MEMO_COST)
			continue;
		sm->rules = ls_arena_alloc(arena, n * sizeof(int));
		if (sm->rules == NULL)
			return false;
		for (i = 0; i < p->n_rules; i++)
			if (p->rules[i].slot == slot && op_is_text(p->rules[i].cond.op))
			{
				p->rules[i].memo_bit = sm->n_rules;
				sm->rules[sm->n_rules++] = i;
			}
	}
	return true;
}

ls_fit_plan *
ls_fit_compile(const ls_model *m, ls_arena *arena,
			   const ls_match_hooks *hooks, ls_error *err)
{
	ls_fit_plan *p;
	name_map	attrs;
	name_map	groups;
	int			n = m->n_fit;
	int			i;

	if (n < 0 || (n > 0 && m->fit_rules == NULL))
	{
		ls_error_set(err, LS_ERR_INVALID, "malformed fit rule list");
		return NULL;
	}
	p = ls_arena_alloc(arena, sizeof(ls_fit_plan));
	if (p == NULL)
		goto nomem;
	mc_init(&p->mc, arena, hooks);
	p->n_rules = n;
	p->rules = ls_arena_alloc(arena, (n > 0 ? n : 1) * sizeof(fit_rule_plan));
	p->attrs = ls_arena_alloc(arena, (n > 0 ? n : 1) * sizeof(ls_fit_attr));
	if (p->rules == NULL || p->attrs == NULL ||
		!name_map_init(&attrs, n, arena) || !name_map_init(&groups, n, arena))
		goto nomem;

	for (i = 0; i < n; i++)
		if (!compile_fit_rule(p, i, &m->fit_rules[i], &attrs, &groups, err))
			return NULL;

	p->n_groups = groups.n;
	if (!plan_slot_memos(p, arena))
		goto nomem;
	p->slots = ls_arena_alloc(arena, (p->n_attrs > 0 ? p->n_attrs : 1) * sizeof(seen_value));
	p->group_stamp = ls_arena_alloc(arena, (p->n_groups > 0 ? p->n_groups : 1) * sizeof(uint32_t));
	if (p->slots == NULL || p->group_stamp == NULL)
		goto nomem;
	for (i = 0; i < p->n_attrs; i++)
		seen_reset(&p->slots[i], NULL);
	p->mc.compile_arena = NULL;
	return p;

nomem:
	ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling fit rules");
	return NULL;
}

void
ls_fit_release(ls_fit_plan *p)
{
	int			i;

	if (p == NULL)
		return;
	mc_release(&p->mc);
	for (i = 0; i < p->n_rules; i++)
		cond_forget(&p->rules[i].cond);
	for (i = 0; i < p->n_attrs; i++)
		memset(&p->memos[i].memo, 0, sizeof(ls_memo));
	for (i = 0; i < p->n_attrs; i++)
		seen_forget(&p->slots[i]);
}

int
ls_fit_n_attrs(const ls_fit_plan *p)
{
	return p->n_attrs;
}

const ls_fit_attr *
ls_fit_attr_at(const ls_fit_plan *p, int i)
{
	if (i < 0 || i >= p->n_attrs)
		return NULL;
	return &p->attrs[i];
}

/*
 * Each row gets a new generation number, so the per-slot caches and the
 * per-group "already counted" marks go stale without being cleared.
 */
static uint32_t
next_generation(ls_fit_plan *p)
{
	int			i;

	if (++p->gen == 0)
	{
		for (i = 0; i < p->n_attrs; i++)
			p->slots[i].stamp = 0;
		for (i = 0; i < p->n_groups; i++)
			p->group_stamp[i] = 0;
		p->gen = 1;
	}
	return p->gen;
}

/*
 * All memoed rules of the attribute answered at once for a text value:
 * from the memo when the value was seen before, else by matching.
 */
static void
slot_answers(ls_fit_plan *p, int slot, seen_value *sv)
{
	slot_memo  *sm = &p->memos[slot];
	const char *s = sv->v->text ? sv->v->text : "";
	size_t		len = sv->v->text ? sv->v->len : 0;
	ls_memo_entry *e = NULL;
	uint32_t	h = 0;
	bool		hit = false;
	uint64_t	bits = 0;
	int			k;

	sv->have |= HAVE_BITS;
	if (!ls_memo_skip(&sm->memo, len))
	{
		h = hash_exact(s, len);
		e = ls_memo_lookup(&sm->memo, &p->mc.eval, s, len, h, &hit);
	}
	if (hit)
	{
		sv->bits = e->bits;
		return;
	}
	for (k = 0; k < sm->n_rules; k++)
		if (cond_match(&p->rules[sm->rules[k]].cond, sv))
			bits |= UINT64_C(1) << k;
	sv->bits = bits;
	if (e != NULL)
		ls_memo_store(e, &p->mc.eval, s, len, h, bits);
}

/* Text values are all a memoed rule's answer depends on. */
static bool
rule_match(ls_fit_plan *p, fit_rule_plan *r, seen_value *sv)
{
	if (r->memo_bit < 0 || sv->v->kind != LS_VAL_TEXT)
		return cond_match(&r->cond, sv);
	if (!(sv->have & HAVE_BITS))
		slot_answers(p, r->slot, sv);
	return (sv->bits >> r->memo_bit) & 1;
}

double
ls_fit_eval(ls_fit_plan *p, const ls_attr_value *values,
			ls_fired_fn fired, void *fired_ctx)
{
	uint32_t	gen = next_generation(p);
	double		total = 0;
	int			i;

	for (i = 0; i < p->n_rules; i++)
	{
		fit_rule_plan *r = &p->rules[i];
		seen_value *sv;

		if (r->group >= 0 && p->group_stamp[r->group] == gen)
			continue;
		sv = &p->slots[r->slot];
		if (sv->stamp != gen)
		{
			sv->stamp = gen;
			seen_reset(sv, &values[r->slot]);
		}
		if (!rule_match(p, r, sv))
			continue;
		if (r->group >= 0)
			p->group_stamp[r->group] = gen;
		total += r->points;
		if (fired != NULL)
			fired(i, sv->v, r->points, fired_ctx);
	}
	return total;
}

const char *
ls_grade_of(const ls_model *m, double fit)
{
	int			i;

	for (i = 0; i < m->n_grades; i++)
		if (fit >= m->grades[i].bar)
			return m->grades[i].letter;
	return "D";
}
