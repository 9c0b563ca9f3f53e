/*
 * fuzz_intent_state.c — the decaying intent accumulator (intent.c) with
 * numbers and times from the input.
 *
 * The stored state leadscore.intent_state is checked field by field in
 * the glue (intent_agg.c, state_from_datum), so the core's part is the
 * arithmetic: a model of up to 8 intent rules (points, caps, half-life and
 * inactivity from the input, NaN and infinities included) and states with
 * arbitrary times, counts and sums go through add, combine, decay, the
 * capped rule values and finalize.  Under UBSan no input may overflow an
 * integer or convert an out-of-range double.  When the model passes the
 * validator and the states are ones the aggregate can build (finite times,
 * events at or before as_of), every result must be finite, decaying a
 * state must equal adding its events at the later instant (up to
 * rounding), and the state must survive the wire codec unchanged.
 */
#include <math.h>

#include "fuzz_common.h"

#include "arena.h"
#include "error.h"
#include "intent.h"
#include "model.h"
#include "wire.h"

#define MAX_RULES 8
#define MAX_EVENTS 16

static const char *const event_names[MAX_RULES] = {
	"e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"
};

/* An instant the aggregate could see: within +-2^61 microseconds. */
static int64_t
sane_time(fuzz_input *in)
{
	return (int64_t) (fuzz_u64(in) >> 3) - (INT64_C(1) << 60);
}

static void
check_wire(const ls_intent_state *s)
{
	size_t		size = ls_intent_wire_size("m", s->n_rules);
	unsigned char *buf = malloc(size);
	ls_intent_state *back = malloc(ls_intent_state_size(s->n_rules));
	ls_intent_wire w;
	ls_error	err;
	size_t		len;
	int			i;

	FUZZ_ASSERT(buf != NULL && back != NULL);
	if (!ls_intent_wire_encode("m", 1, LS_NO_TIME, s, buf, size, &len, &err))
	{
		fprintf(stderr, "a state the aggregate can build does not encode: %s\n", err.msg);
		abort();
	}
	FUZZ_ASSERT(ls_intent_wire_decode(buf, len, &w, &err));
	ls_intent_wire_fill(&w, back);
	FUZZ_ASSERT(back->as_of == s->as_of && back->newest == s->newest &&
				back->n_events == s->n_events && back->n_rules == s->n_rules);
	for (i = 0; i < s->n_rules; i++)
		FUZZ_ASSERT(memcmp(&back->sums[i], &s->sums[i], sizeof(double)) == 0);
	free(back);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_input	in;
	ls_model	m;
	ls_intent_rule rules[MAX_RULES];
	ls_arena	arena;
	ls_error	err;
	ls_intent_plan *p;
	ls_intent_state *a;
	ls_intent_state *b;
	ls_intent_state *later;
	int			n;
	int			n_events;
	int64_t		times[MAX_EVENTS];
	int64_t		t1;
	int64_t		t2;
	bool		valid;
	bool		sane = true;
	double		magnitude = 0;
	int			i;

	fuzz_init(&in, data, size);
	ls_model_init(&m);
	m.name = (char *) "m";
	n = fuzz_u8(&in) % (MAX_RULES + 1);
	memset(rules, 0, sizeof(rules));
	for (i = 0; i < n; i++)
	{
		rules[i].name = (char *) event_names[i];
		rules[i].event = (char *) event_names[fuzz_u8(&in) % MAX_RULES];
		rules[i].points = fuzz_number(&in);
		rules[i].has_cap = fuzz_u8(&in) & 1;
		if (rules[i].has_cap)
			rules[i].cap = fuzz_number(&in);
	}
	m.intent_rules = rules;
	m.n_intent = n;
	m.half_life_seconds = fuzz_number(&in);
	if (fuzz_u8(&in) & 1)
		m.half_life_seconds = fabs(m.half_life_seconds);
	m.has_inactivity = fuzz_u8(&in) & 1;
	m.inactivity_days = fuzz_number(&in);
	m.inactivity_points = fuzz_number(&in);
	valid = ls_model_validate(&m, NULL, &err);

	/* the plan checks what it relies on itself: an invalid model may be refused */
	ls_arena_init_malloc(&arena);
	p = ls_intent_compile(&m, &arena, NULL, &err);
	if (p == NULL)
	{
		FUZZ_ASSERT(!valid);
		ls_arena_free(&arena);
		return 0;
	}
	FUZZ_ASSERT(ls_intent_n_rules(p) == n);

	(void) ls_decay_factor(fuzz_number(&in), (int64_t) fuzz_u64(&in));

	a = malloc(ls_intent_state_size(n));
	b = malloc(ls_intent_state_size(n));
	later = malloc(ls_intent_state_size(n));
	FUZZ_ASSERT(a != NULL && b != NULL && later != NULL);

	/* events at or before t1, then the same events seen from t2 >= t1 */
	t1 = (fuzz_u8(&in) < 16) ? (int64_t) fuzz_u64(&in) : sane_time(&in);
	if (t1 == INT64_MIN || t1 == INT64_MAX || t1 < -(INT64_C(1) << 61) || t1 > (INT64_C(1) << 61))
		sane = false;
	if (sane)
		t2 = t1 + (int64_t) (fuzz_u32(&in) % 2000000000u) * 1000;
	else
		t2 = (int64_t) fuzz_u64(&in);
	ls_intent_state_init(a, n, t1);
	ls_intent_state_init(later, n, t2);
	n_events = fuzz_u8(&in) % (MAX_EVENTS + 1);
	for (i = 0; i < n_events; i++)
	{
		const char *type = event_names[fuzz_u8(&in) % MAX_RULES];
		int			rule = ls_intent_match(p, type, strlen(type), NULL, NULL);

		FUZZ_ASSERT(rule >= -1 && rule < n);
		times[i] = (fuzz_u8(&in) < 8 || !sane) ? (int64_t) fuzz_u64(&in)
			: t1 - (int64_t) (fuzz_u32(&in) % 4000000000u) * 1000;
		/* after t1 it is not counted; before -2^61 no aggregate sees it */
		if (times[i] < -(INT64_C(1) << 61))
			sane = false;
		if (ls_intent_add(a, p, rule, times[i]))
		{
			/* t2 >= t1 when sane: what a counts, later counts */
			bool		counted = ls_intent_add(later, p, rule, times[i]);

			FUZZ_ASSERT(counted || !sane);
			if (rule >= 0)
				magnitude += fabs(m.intent_rules[rule].points);
		}
	}

	/* a second state: made up (combine must refuse a mismatch, not crash) */
	ls_intent_state_init(b, n, (fuzz_u8(&in) & 1) ? t1 : (int64_t) fuzz_u64(&in));
	b->n_events = (int64_t) (fuzz_u64(&in) >> 2);
	b->newest = (fuzz_u8(&in) & 1) ? LS_NO_TIME : b->as_of;
	for (i = 0; i < n; i++)
		b->sums[i] = valid && sane ? (double) (int8_t) fuzz_u8(&in) : fuzz_number(&in);
	if (!(b->as_of == t1))
		FUZZ_ASSERT(!ls_intent_combine(b, a, &err));

	for (i = 0; i < n; i++)
		(void) ls_intent_rule_value(a, p, i);
	(void) ls_intent_rule_value(a, p, -1);
	(void) ls_intent_rule_value(a, p, n);
	(void) ls_intent_inactive(a, p);

	if (valid && sane)
	{
		double		before = ls_intent_finalize(a, p);

		FUZZ_ASSERT(isfinite(before));
		check_wire(a);
		ls_intent_decay(a, p, t2);
		FUZZ_ASSERT(a->as_of == t2);
		FUZZ_ASSERT(isfinite(ls_intent_finalize(a, p)));
		/* decay is a common factor: the same sums as adding at t2 */
		for (i = 0; i < n; i++)
		{
			double		tol = 1e-12 * magnitude + 1e-300;

			if (!(fabs(a->sums[i] - later->sums[i]) <= tol))
			{
				fprintf(stderr, "rule %d: decayed %.17g, fresh %.17g (half-life %.17g s)\n",
						i, a->sums[i], later->sums[i], m.half_life_seconds);
				abort();
			}
		}
		check_wire(later);
		if (b->as_of == t2 || b->as_of == t1)
		{
			b->as_of = t2;
			FUZZ_ASSERT(ls_intent_combine(b, later, &err));
			FUZZ_ASSERT(isfinite(ls_intent_finalize(b, p)));
		}
	}
	else
	{
		/* anything goes, but nothing may crash or overflow */
		(void) ls_intent_finalize(a, p);
		ls_intent_decay(a, p, (int64_t) fuzz_u64(&in));
		(void) ls_intent_finalize(a, p);
		(void) ls_intent_combine(b, a, &err);
		(void) ls_intent_finalize(b, p);
		(void) ls_intent_inactive(b, p);
	}

	free(later);
	free(b);
	free(a);
	ls_intent_release(p);
	ls_arena_free(&arena);
	return 0;
}
