/*
 * fuzz_model_json.c — a model document from arbitrary bytes, taken the
 * way the server takes one, and then used.
 *
 * The input is the document.  ls_model_from_json parses and validates it
 * (the core's regex precheck included; the server's extra hook, PostgreSQL's
 * regex compiler, is not here).  A document it accepts must:
 *   - normalize to a document that parses again and normalizes to itself
 *     (export_model then import_model changes nothing);
 *   - compile into fit and intent plans (model_cache.c does this to every
 *     stored model), with the core's regex DFA standing in for PostgreSQL's
 *     engine;
 *   - score leads and events whose values come from the rest of the input
 *     to finite numbers within the bounds the validator promises.
 * Everything is allocated in arenas on malloc and freed before returning.
 */
#include <math.h>

#include "fuzz_common.h"

#include "arena.h"
#include "error.h"
#include "fit.h"
#include "intent.h"
#include "model.h"
#include "model_json.h"
#include "regex_dfa.h"

typedef struct host
{
	ls_arena	dfa_states;		/* what the DFAs build while matching */
	fuzz_input *in;
} host;

typedef struct compiled_regex
{
	ls_dfa_regex *dfa;			/* NULL: outside the DFA's subset */
} compiled_regex;

static void *
dfa_chunk(size_t size, void *ctx)
{
	return ls_arena_alloc(&((host *) ctx)->dfa_states, size);
}

/* ASCII lower-casing: enough for a host fold (the core folds ASCII too). */
static char *
fold(const char *text, size_t len, size_t *out_len, ls_arena *arena, void *ctx)
{
	char	   *out = ls_arena_alloc(arena, len + 1);
	size_t		i;

	(void) ctx;
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		out[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char) (text[i] + 32) : text[i];
	*out_len = len;
	return out;
}

static void *
regex_compile(const char *pattern, ls_arena *arena, void *ctx, ls_error *err)
{
	compiled_regex *cr = ls_arena_alloc(arena, sizeof(compiled_regex));

	(void) err;
	if (cr == NULL)
		return NULL;
	cr->dfa = ls_dfa_compile(pattern, arena, dfa_chunk, ctx);
	return cr;
}

static bool
regex_match(void *compiled, const char *text, size_t len, void *ctx)
{
	compiled_regex *cr = compiled;

	(void) ctx;
	return cr->dfa != NULL && ls_dfa_match(cr->dfa, text, len) == LS_DFA_MATCH;
}

/* A value for an attribute or event property, from the input. */
static void
fuzz_value(fuzz_input *in, ls_attr_value *v)
{
	uint8_t		k = fuzz_u8(in);

	memset(v, 0, sizeof(*v));
	if (k % 3 == 0)
		v->kind = LS_VAL_NULL;
	else if (k % 3 == 1)
	{
		size_t		off = in->size ? fuzz_u32(in) % in->size : 0;
		size_t		len = fuzz_u8(in);

		v->kind = LS_VAL_TEXT;
		if (len > in->size - off)
			len = in->size - off;
		/* not NUL-terminated, as a Datum's text is not */
		v->text = (const char *) in->data + off;
		v->len = len;
	}
	else
	{
		v->kind = LS_VAL_NUMBER;
		v->num = fuzz_number(in);
	}
}

static void
prop(const char *key, ls_attr_value *out, void *ctx)
{
	(void) key;
	fuzz_value((fuzz_input *) ctx, out);
}

static void
fired(int rule_index, const ls_attr_value *seen, double points, void *ctx)
{
	const ls_model *m = ctx;

	FUZZ_ASSERT(rule_index >= 0 && rule_index < m->n_fit);
	FUZZ_ASSERT(points == m->fit_rules[rule_index].points);
	(void) seen;
}

/* Export, import, export: the same text. */
static void
check_round_trip(const ls_model *m)
{
	ls_arena	arena;
	ls_error	err;
	ls_model   *again;
	char	   *once;
	char	   *twice;
	size_t		once_len;
	size_t		twice_len;

	ls_arena_init_malloc(&arena);
	FUZZ_ASSERT(ls_model_to_json(m, &arena, &once, &once_len, &err));
	FUZZ_ASSERT(strlen(once) == once_len);
	if (!ls_model_from_json(once, once_len, &arena, NULL, &again, &err))
	{
		fprintf(stderr, "normalized document refused: %s\n%s\n", err.msg, once);
		abort();
	}
	FUZZ_ASSERT(ls_model_to_json(again, &arena, &twice, &twice_len, &err));
	if (once_len != twice_len || memcmp(once, twice, once_len) != 0)
	{
		fprintf(stderr, "normalization is not stable:\n%s\n---\n%s\n", once, twice);
		abort();
	}
	ls_arena_free(&arena);
}

static void
score_leads(ls_fit_plan *p, const ls_model *m, fuzz_input *in)
{
	int			n = ls_fit_n_attrs(p);
	ls_attr_value *values = calloc((size_t) (n > 0 ? n : 1), sizeof(ls_attr_value));
	int			lead;

	FUZZ_ASSERT(values != NULL);
	for (lead = 0; lead < 4; lead++)
	{
		double		fit;
		int			i;

		for (i = 0; i < n; i++)
			fuzz_value(in, &values[i]);
		fit = ls_fit_eval(p, values, fired, (void *) m);
		FUZZ_ASSERT(isfinite(fit));
		FUZZ_ASSERT(fabs(fit) <= (double) m->n_fit * LS_MAX_POINTS);
		FUZZ_ASSERT(ls_grade_of(m, fit) != NULL);
	}
	free(values);
}

static void
score_events(ls_intent_plan *p, const ls_model *m, fuzz_input *in)
{
	int			n = ls_intent_n_rules(p);
	ls_intent_state *s = malloc(ls_intent_state_size(n));
	int64_t		as_of = (int64_t) (fuzz_u64(in) >> 2) - (INT64_C(1) << 61);
	double		v;
	int			k;

	FUZZ_ASSERT(s != NULL);
	ls_intent_state_init(s, n, as_of);
	for (k = 0; k < 8; k++)
	{
		uint8_t		pick = fuzz_u8(in);
		const char *type;
		size_t		len;
		int			rule;
		int64_t		t = as_of - (int64_t) (fuzz_u32(in) % 1000000000u) * 1000;

		if (m->n_intent > 0 && pick < 200)
		{
			type = m->intent_rules[pick % m->n_intent].event;
			len = strlen(type);
		}
		else
		{
			type = (const char *) in->data + (in->size ? in->pos % in->size : 0);
			len = in->size ? (size_t) (pick % 16) : 0;
			if (len > in->size - (size_t) (type - (const char *) in->data))
				len = 0;
		}
		rule = ls_intent_match(p, type, len, prop, in);
		FUZZ_ASSERT(rule >= -1 && rule < n);
		FUZZ_ASSERT(ls_intent_add(s, p, rule, t));
	}
	v = ls_intent_finalize(s, p);
	FUZZ_ASSERT(isfinite(v));
	for (k = 0; k < n; k++)
		FUZZ_ASSERT(isfinite(ls_intent_rule_value(s, p, k)));
	(void) ls_intent_inactive(s, p);
	ls_intent_decay(s, p, as_of + (int64_t) (fuzz_u32(in) % 1000000u) * 1000000);
	FUZZ_ASSERT(isfinite(ls_intent_finalize(s, p)));
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ls_arena	arena;
	ls_error	err;
	ls_model   *m = NULL;
	host		h;
	fuzz_input	in;
	ls_match_hooks hooks;
	ls_fit_plan *fp;
	ls_intent_plan *ip;

	ls_arena_init_malloc(&arena);
	if (!ls_model_from_json((const char *) data, size, &arena, NULL, &m, &err))
	{
		FUZZ_ASSERT(err.kind != LS_ERR_NONE && err.msg[0] != '\0');
		FUZZ_ASSERT(strlen(err.msg) < LS_ERROR_MSG_LEN);
		FUZZ_ASSERT(ls_utf8_valid(err.msg, strlen(err.msg), NULL));
		ls_arena_free(&arena);
		return 0;
	}
	check_round_trip(m);

	fuzz_init(&in, data, size);
	ls_arena_init_malloc(&h.dfa_states);
	h.in = &in;
	memset(&hooks, 0, sizeof(hooks));
	hooks.fold = fold;
	hooks.regex_compile = regex_compile;
	hooks.regex_match = regex_match;
	hooks.ctx = &h;

	fp = ls_fit_compile(m, &arena, &hooks, &err);
	if (fp == NULL)
	{
		fprintf(stderr, "a valid model's fit rules do not compile: %s\n", err.msg);
		abort();
	}
	ip = ls_intent_compile(m, &arena, &hooks, &err);
	if (ip == NULL)
	{
		fprintf(stderr, "a valid model's intent rules do not compile: %s\n", err.msg);
		abort();
	}
	score_leads(fp, m, &in);
	score_events(ip, m, &in);

	ls_intent_release(ip);
	ls_fit_release(fp);
	ls_arena_free(&arena);
	ls_arena_free(&h.dfa_states);
	return 0;
}
