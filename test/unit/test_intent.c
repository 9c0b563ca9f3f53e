/*
 * test_intent.c — intent matching and the decaying accumulator (intent.c).
 *
 * The central invariant of the design (§4): the intent of a lead as of T2
 * is the same whether all its events are added at T2, added in batches at
 * earlier times with decays in between, or spread over partial states that
 * are combined.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent.h"
#include "unit.h"

#define USEC_PER_DAY (86400 * INT64_C(1000000))
#define T_BASE (INT64_C(757382400) * 1000000)	/* 2024-01-01 as TimestampTz */

#define MAX_TEST_RULES 16

typedef struct tmodel
{
	ls_arena	arena;
	ls_model	m;
	ls_intent_rule rules[MAX_TEST_RULES];
	ls_intent_plan *plans[8];
	int			n_plans;
} tmodel;

static void
tm_init(tmodel *t, double half_life_days)
{
	memset(t, 0, sizeof(*t));
	ls_arena_init_malloc(&t->arena);
	t->m.name = "test";
	t->m.intent_rules = t->rules;
	t->m.half_life_seconds = half_life_days * 86400;
}

static ls_intent_rule *
tm_rule(tmodel *t, const char *name, const char *event, double points)
{
	ls_intent_rule *r = &t->rules[t->m.n_intent++];

	r->name = (char *) name;
	r->event = (char *) event;
	r->points = points;
	return r;
}

static void
tm_cap(ls_intent_rule *r, double cap)
{
	r->has_cap = true;
	r->cap = cap;
}

static void
tm_where(tmodel *t, ls_intent_rule *r, const char *attr, ls_op op,
		 const char *text, double num)
{
	r->has_where = true;
	r->where.attribute = (char *) attr;
	r->where.op = op;
	if (op == LS_OP_MISSING || op == LS_OP_EXISTS)
		return;
	r->where.values = ls_arena_alloc(&t->arena, sizeof(ls_value));
	r->where.nvalues = 1;
	if (text != NULL)
		r->where.values[0].text = (char *) text;
	else
	{
		r->where.values[0].is_number = true;
		r->where.values[0].num = num;
		r->where.values[0].text = "n";
	}
}

static ls_intent_plan *
tm_compile(tmodel *t)
{
	ls_error	err;
	ls_intent_plan *p = ls_intent_compile(&t->m, &t->arena, NULL, &err);

	CHECK(p != NULL);
	if (p == NULL)
		printf("# %s\n", err.msg);
	else
		t->plans[t->n_plans++] = p;
	return p;
}

/* Plans first: what they took while evaluating is not in the arena. */
static void
tm_free(tmodel *t)
{
	int			i;

	for (i = 0; i < t->n_plans; i++)
		ls_intent_release(t->plans[i]);
	t->n_plans = 0;
	ls_arena_free(&t->arena);
}

static ls_intent_state *
state_new(int n_rules, int64_t as_of)
{
	ls_intent_state *s = malloc(ls_intent_state_size(n_rules));

	ls_intent_state_init(s, n_rules, as_of);
	return s;
}

/* ---------- events and their properties ---------- */

typedef struct tevent
{
	const char *type;
	int64_t		t;
	const char *url;			/* NULL: no such property */
	bool		has_n;
	double		n;
} tevent;

static void
event_props(const char *key, ls_attr_value *out, void *ctx)
{
	const tevent *e = ctx;

	if (strcmp(key, "url") == 0 && e->url != NULL)
	{
		out->kind = LS_VAL_TEXT;
		out->text = e->url;
		out->len = strlen(e->url);
	}
	else if (strcmp(key, "n") == 0 && e->has_n)
	{
		out->kind = LS_VAL_NUMBER;
		out->num = e->n;
	}
}

static int
match(ls_intent_plan *p, const tevent *e)
{
	return ls_intent_match(p, e->type, strlen(e->type), event_props, (void *) e);
}

static int
match_url(ls_intent_plan *p, const char *type, const char *url)
{
	tevent		e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.url = url;
	return match(p, &e);
}

/* ---------- tests ---------- */

TEST(decay_factor)
{
	double		h = 30 * 86400.0;

	CHECK(ls_decay_factor(h, 0) == 1.0);
	CHECK_NEAR(ls_decay_factor(h, 30 * USEC_PER_DAY), 0.5, 1e-15);
	CHECK_NEAR(ls_decay_factor(h, 60 * USEC_PER_DAY), 0.25, 1e-15);
	CHECK_NEAR(ls_decay_factor(h, 15 * USEC_PER_DAY), 0.70710678118654752, 1e-15);
	CHECK_NEAR(ls_decay_factor(h, -30 * USEC_PER_DAY), 2.0, 1e-14);
	CHECK_NEAR(ls_decay_factor(1.0, 1), exp2(-1e-6), 1e-18);
	CHECK(ls_decay_factor(0, 365 * USEC_PER_DAY) == 1.0);
	CHECK(ls_decay_factor(h, INT64_MAX) == 0.0);
	/* product of factors is the factor of the sum */
	CHECK_NEAR(ls_decay_factor(h, 7 * USEC_PER_DAY + 123) *
			   ls_decay_factor(h, 11 * USEC_PER_DAY + 877),
			   ls_decay_factor(h, 18 * USEC_PER_DAY + 1000), 1e-15);
}

TEST(one_half_life)
{
	tmodel		t;
	ls_intent_plan *p;
	ls_intent_state *s;
	int64_t		as_of = T_BASE + 100 * USEC_PER_DAY;

	tm_init(&t, 30);
	tm_rule(&t, "demo", "demo_request", 30);
	p = tm_compile(&t);
	if (p == NULL)
		return;
	s = state_new(ls_intent_n_rules(p), as_of);
	CHECK(ls_intent_add(s, p, 0, as_of - 30 * USEC_PER_DAY));
	CHECK_NEAR(s->sums[0], 15.0, 1e-12);
	CHECK_NEAR(ls_intent_finalize(s, p), 15.0, 1e-12);
	CHECK_NEAR(ls_intent_rule_value(s, p, 0), 15.0, 1e-12);
	CHECK(ls_intent_add(s, p, 0, as_of));
	CHECK_NEAR(ls_intent_finalize(s, p), 45.0, 1e-12);
	CHECK(s->n_events == 2 && s->newest == as_of);
	/* a further half-life halves everything */
	ls_intent_decay(s, p, as_of + 30 * USEC_PER_DAY);
	CHECK_NEAR(ls_intent_finalize(s, p), 22.5, 1e-12);
	CHECK(s->as_of == as_of + 30 * USEC_PER_DAY && s->newest == as_of);
	free(s);

	/* no decay at all */
	t.m.half_life_seconds = 0;
	p = tm_compile(&t);
	s = state_new(1, as_of);
	CHECK(ls_intent_add(s, p, 0, as_of - 3650 * USEC_PER_DAY));
	ls_intent_decay(s, p, as_of + 3650 * USEC_PER_DAY);
	CHECK(ls_intent_finalize(s, p) == 30.0);
	free(s);
	tm_free(&t);
}

TEST(future_events_do_not_exist)
{
	tmodel		t;
	ls_intent_plan *p;
	ls_intent_state *s;
	int64_t		as_of = T_BASE;

	tm_init(&t, 30);
	tm_rule(&t, "demo", "demo_request", 30);
	t.m.has_inactivity = true;
	t.m.inactivity_days = 0;
	t.m.inactivity_points = -7;
	p = tm_compile(&t);
	if (p == NULL)
		return;
	s = state_new(1, as_of);
	CHECK(!ls_intent_add(s, p, 0, as_of + 1));
	CHECK(!ls_intent_add(s, p, -1, INT64_MAX));
	CHECK(s->n_events == 0 && s->newest == LS_NO_TIME && s->sums[0] == 0);
	/* not even activity: no events, so no inactivity either */
	CHECK(!ls_intent_inactive(s, p));
	CHECK(ls_intent_finalize(s, p) == 0);
	/* exactly at as_of counts in full */
	CHECK(ls_intent_add(s, p, 0, as_of));
	CHECK(s->sums[0] == 30.0);
	/* days 0: a lead whose newest event is now is already "inactive" */
	CHECK(ls_intent_finalize(s, p) == 23.0);
	free(s);
	tm_free(&t);
}

TEST(unknown_types_are_activity)
{
	tmodel		t;
	ls_intent_plan *p;
	ls_intent_state *s;
	int64_t		as_of = T_BASE + 200 * USEC_PER_DAY;

	tm_init(&t, 30);
	tm_rule(&t, "demo", "demo_request", 30);
	t.m.has_inactivity = true;
	t.m.inactivity_days = 90;
	t.m.inactivity_points = -20;
	p = tm_compile(&t);
	if (p == NULL)
		return;
	CHECK(match_url(p, "tweet", NULL) == -1);
	CHECK(match_url(p, "Demo_Request", NULL) == -1);	/* case-sensitive */
	CHECK(match_url(p, "demo_reques", NULL) == -1);
	CHECK(match_url(p, "demo_request", NULL) == 0);
	CHECK(ls_intent_match(p, NULL, 0, NULL, NULL) == -1);
	/* length is honoured: no NUL needed */
	CHECK(ls_intent_match(p, "demo_request_xyz", 12, NULL, NULL) == 0);

	s = state_new(1, as_of);
	CHECK(ls_intent_add(s, p, -1, as_of - 100 * USEC_PER_DAY));
	CHECK(s->n_events == 1 && s->sums[0] == 0);
	CHECK(ls_intent_inactive(s, p));
	CHECK(ls_intent_finalize(s, p) == -20);
	/* a recent unknown event keeps the lead active, still no points */
	CHECK(ls_intent_add(s, p, -1, as_of - USEC_PER_DAY));
	CHECK(!ls_intent_inactive(s, p));
	CHECK(ls_intent_finalize(s, p) == 0);
	free(s);
	tm_free(&t);
}

TEST(caps)
{
	tmodel		t;
	ls_intent_plan *p;
	ls_intent_state *s;
	int64_t		as_of = T_BASE;
	int			i;

	tm_init(&t, 30);
	tm_cap(tm_rule(&t, "pricing", "pricing_view", 10), 30);
	tm_cap(tm_rule(&t, "careers", "careers_view", -25), -40);
	tm_rule(&t, "demo", "demo_request", 30);
	p = tm_compile(&t);
	if (p == NULL)
		return;
	s = state_new(3, as_of);
	for (i = 0; i < 5; i++)
		CHECK(ls_intent_add(s, p, 0, as_of));
	for (i = 0; i < 3; i++)
		CHECK(ls_intent_add(s, p, 1, as_of));
	CHECK(ls_intent_add(s, p, 2, as_of));
	/* the state keeps uncapped sums; caps apply when read */
	CHECK(s->sums[0] == 50 && s->sums[1] == -75);
	CHECK(ls_intent_rule_value(s, p, 0) == 30);
	CHECK(ls_intent_rule_value(s, p, 1) == -40);
	CHECK(ls_intent_rule_value(s, p, 2) == 30);
	CHECK(ls_intent_rule_value(s, p, 3) == 0);
	CHECK(ls_intent_rule_value(s, p, -1) == 0);
	CHECK_NEAR(ls_intent_finalize(s, p), 30 - 40 + 30, 1e-12);
	/* one half-life later the decayed sums are under the caps */
	ls_intent_decay(s, p, as_of + 30 * USEC_PER_DAY);
	CHECK_NEAR(ls_intent_rule_value(s, p, 0), 25, 1e-12);
	CHECK_NEAR(ls_intent_rule_value(s, p, 1), -37.5, 1e-12);
	CHECK_NEAR(ls_intent_finalize(s, p), 25 - 37.5 + 15, 1e-12);
	free(s);

	/* a cap of the wrong sign is refused */
	t.rules[0].cap = -30;
	{
		ls_error	err;

		CHECK(ls_intent_compile(&t.m, &t.arena, NULL, &err) == NULL);
		CHECK_CONTAINS(err.msg, "pricing");
	}
	tm_free(&t);
}

TEST(first_matching_rule_with_where)
{
	tmodel		t;
	ls_intent_plan *p;
	tevent		e;

	tm_init(&t, 30);
	tm_where(&t, tm_rule(&t, "pricing", "page_view", 10), "url", LS_OP_CONTAINS, "/pricing", 0);
	tm_where(&t, tm_rule(&t, "careers", "page_view", -25), "url", LS_OP_CONTAINS, "/careers", 0);
	tm_rule(&t, "demo", "demo_request", 30);
	tm_where(&t, tm_rule(&t, "big", "webinar", 5), "n", LS_OP_GTE, NULL, 100);
	tm_where(&t, tm_rule(&t, "anonymous", "page_view", 1), "url", LS_OP_MISSING, NULL, 0);
	tm_rule(&t, "any page", "page_view", 2);
	tm_rule(&t, "shadowed", "page_view", 3);
	p = tm_compile(&t);
	if (p == NULL)
		return;
	CHECK(ls_intent_n_rules(p) == 7);
	CHECK(ls_intent_model(p) == &t.m);
	CHECK(match_url(p, "page_view", "https://x.io/PRICING") == 0);
	CHECK(match_url(p, "page_view", "https://x.io/careers/pricing") == 0);
	CHECK(match_url(p, "page_view", "https://x.io/careers") == 1);
	CHECK(match_url(p, "page_view", "https://x.io/blog") == 5);
	CHECK(match_url(p, "page_view", NULL) == 4);
	CHECK(ls_intent_match(p, "page_view", 9, NULL, NULL) == 4);
	CHECK(match_url(p, "demo_request", "/pricing") == 2);
	CHECK(ls_intent_match(p, "demo_request", 12, NULL, NULL) == 2);

	memset(&e, 0, sizeof(e));
	e.type = "webinar";
	CHECK(match(p, &e) == -1);
	e.has_n = true;
	e.n = 99;
	CHECK(match(p, &e) == -1);
	e.n = 100;
	CHECK(match(p, &e) == 3);
	tm_free(&t);
}

TEST(where_regex_errors_name_the_rule)
{
	tmodel		t;
	ls_error	err;

	tm_init(&t, 30);
	tm_where(&t, tm_rule(&t, "docs", "page_view", 3), "url", LS_OP_REGEX, "/docs/", 0);
	CHECK(ls_intent_compile(&t.m, &t.arena, NULL, &err) == NULL);
	CHECK_CONTAINS(err.msg, "\"docs\"");
	tm_free(&t);

	tm_init(&t, 30);
	tm_rule(&t, "nameless", NULL, 3);
	CHECK(ls_intent_compile(&t.m, &t.arena, NULL, &err) == NULL);
	CHECK_CONTAINS(err.msg, "nameless");
	tm_free(&t);

	tm_init(&t, -1);
	CHECK(ls_intent_compile(&t.m, &t.arena, NULL, &err) == NULL);
	CHECK_CONTAINS(err.msg, "half_life");
	tm_free(&t);
}

TEST(inactivity_boundaries)
{
	tmodel		t;
	ls_intent_plan *p;
	ls_intent_state *s;
	int64_t		as_of = T_BASE + 1000 * USEC_PER_DAY;

	tm_init(&t, 30);
	tm_rule(&t, "demo", "demo_request", 30);
	t.m.has_inactivity = true;
	t.m.inactivity_days = 90;
	t.m.inactivity_points = -20;
	p = tm_compile(&t);
	if (p == NULL)
		return;

	/* no events: never inactive */
	s = state_new(1, as_of);
	CHECK(!ls_intent_inactive(s, p));
	CHECK(ls_intent_finalize(s, p) == 0);

	/* exactly 90 days: inactive; a microsecond less: not */
	CHECK(ls_intent_add(s, p, 0, as_of - 90 * USEC_PER_DAY + 1));
	CHECK(!ls_intent_inactive(s, p));
	ls_intent_decay(s, p, as_of + 1);
	CHECK(ls_intent_inactive(s, p));
	CHECK_NEAR(ls_intent_finalize(s, p), 30 * exp2(-3) - 20, 1e-12);
	free(s);

	s = state_new(1, as_of);
	CHECK(ls_intent_add(s, p, -1, as_of - 90 * USEC_PER_DAY));
	CHECK(ls_intent_inactive(s, p));
	CHECK(ls_intent_finalize(s, p) == -20);
	/* the newest event counts, not the oldest */
	CHECK(ls_intent_add(s, p, -1, as_of - 200 * USEC_PER_DAY));
	CHECK(ls_intent_inactive(s, p));
	CHECK(ls_intent_add(s, p, -1, as_of - 89 * USEC_PER_DAY));
	CHECK(!ls_intent_inactive(s, p));
	free(s);

	/* fractional days */
	t.m.inactivity_days = 0.5;
	p = tm_compile(&t);
	s = state_new(1, as_of);
	CHECK(ls_intent_add(s, p, -1, as_of - 12 * 3600 * INT64_C(1000000)));
	CHECK(ls_intent_inactive(s, p));
	free(s);
	tm_free(&t);
}

TEST(no_intent_rules)
{
	tmodel		t;
	ls_intent_plan *p;
	ls_intent_state *s;
	int64_t		as_of = T_BASE;

	tm_init(&t, 30);
	p = tm_compile(&t);
	if (p == NULL)
		return;
	CHECK(ls_intent_n_rules(p) == 0);
	CHECK(match_url(p, "page_view", "/pricing") == -1);
	s = state_new(0, as_of);
	CHECK(ls_intent_state_size(0) == sizeof(ls_intent_state));
	CHECK(ls_intent_add(s, p, -1, as_of - 100 * USEC_PER_DAY));
	CHECK(ls_intent_finalize(s, p) == 0);
	free(s);

	t.m.has_inactivity = true;
	t.m.inactivity_days = 90;
	t.m.inactivity_points = -20;
	p = tm_compile(&t);
	s = state_new(0, as_of);
	CHECK(ls_intent_finalize(s, p) == 0);
	CHECK(ls_intent_add(s, p, -1, as_of - 100 * USEC_PER_DAY));
	CHECK(ls_intent_finalize(s, p) == -20);
	free(s);
	tm_free(&t);
}

TEST(combine_refuses_mismatch)
{
	tmodel		t;
	ls_intent_plan *p;
	ls_intent_state *a;
	ls_intent_state *b;
	ls_intent_state *c;
	ls_error	err;

	tm_init(&t, 30);
	tm_rule(&t, "demo", "demo_request", 30);
	tm_rule(&t, "web", "webinar", 10);
	p = tm_compile(&t);
	if (p == NULL)
		return;
	a = state_new(2, T_BASE);
	b = state_new(2, T_BASE + 1);
	c = state_new(1, T_BASE);
	CHECK(!ls_intent_combine(a, b, &err));
	CHECK_CONTAINS(err.msg, "different times");
	CHECK(!ls_intent_combine(a, c, &err));
	CHECK_CONTAINS(err.msg, "rules");
	CHECK(!ls_intent_combine(a, b, NULL));

	/* empty into empty stays empty; newest takes the max */
	ls_intent_decay(b, p, T_BASE);
	CHECK(ls_intent_combine(a, b, &err));
	CHECK(a->newest == LS_NO_TIME && a->n_events == 0);
	CHECK(ls_intent_add(b, p, 1, T_BASE - 5));
	CHECK(ls_intent_combine(a, b, &err));
	CHECK(a->newest == T_BASE - 5 && a->n_events == 1);
	CHECK(ls_intent_combine(b, a, &err));
	CHECK(b->newest == T_BASE - 5 && b->n_events == 2);
	CHECK_NEAR(b->sums[1], 20, 1e-9);
	free(a);
	free(b);
	free(c);
	tm_free(&t);
}

/* Lower-cases ASCII and the UTF-8 capitals C3 80..C3 9E. */
static char *
fold_latin1(const char *text, size_t len, size_t *out_len, ls_arena *arena,
			void *ctx)
{
	char	   *out = ls_arena_alloc(arena, len + 1);
	size_t		i;

	(void) ctx;
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (c >= 'A' && c <= 'Z')
			c += 32;
		else if (i > 0 && (unsigned char) text[i - 1] == 0xC3 &&
				 c >= 0x80 && c <= 0x9E && c != 0x97)
			c += 0x20;
		out[i] = (char) c;
	}
	*out_len = len;
	return out;
}

/* The plan keeps working after the caller's ls_arena struct is gone. */
TEST(where_outlives_caller_arena)
{
	ls_arena   *a = malloc(sizeof(ls_arena));
	ls_arena	saved;
	ls_match_hooks hooks;
	ls_intent_plan *p;
	ls_error	err;
	tmodel		t;
	int			i;

	memset(&hooks, 0, sizeof(hooks));
	hooks.fold = fold_latin1;
	tm_init(&t, 30);
	tm_where(&t, tm_rule(&t, "prix", "page_view", 10), "url", LS_OP_CONTAINS, "/TARIFS-ÉTÉ", 0);
	tm_rule(&t, "other", "page_view", 1);
	ls_arena_init_malloc(a);
	p = ls_intent_compile(&t.m, a, &hooks, &err);
	CHECK(p != NULL);
	saved = *a;
	memset(a, 0xA5, sizeof(*a));
	free(a);
	for (i = 0; p != NULL && i < 3; i++)
	{
		CHECK(match_url(p, "page_view", "https://x.fr/Tarifs-Été") == 0);
		CHECK(match_url(p, "page_view", "https://x.fr/TARIFS-ÉTÉ?x") == 0);
		CHECK(match_url(p, "page_view", "https://x.fr/tarifs-ete") == 1);
		if (i == 1)
			ls_intent_release(p);
	}
	ls_intent_release(p);
	ls_arena_free(&saved);
	tm_free(&t);
}

/*
 * A type whose `where`s all read one property remembers its first
 * matching rule per text: the same answers as a plan that cannot (one
 * more rule reads another property), and a repeated non-ASCII URL is not
 * folded again.
 */
static long url_folds;

static char *
counting_fold(const char *text, size_t len, size_t *out_len, ls_arena *arena,
			  void *ctx)
{
	url_folds++;
	return fold_latin1(text, len, out_len, arena, ctx);
}

static void
url_rules(tmodel *t, bool spoil)
{
	tm_where(t, tm_rule(t, "pricing", "page_view", 10), "url", LS_OP_CONTAINS, "/pricing", 0);
	tm_where(t, tm_rule(t, "careers", "page_view", -25), "url", LS_OP_CONTAINS, "/careers", 0);
	tm_where(t, tm_rule(t, "docs", "page_view", 3), "url", LS_OP_PREFIX, "/docs/", 0);
	tm_where(t, tm_rule(t, "été", "page_view", 4), "url", LS_OP_CONTAINS, "/été", 0);
	tm_where(t, tm_rule(t, "no url", "page_view", 1), "url", LS_OP_MISSING, NULL, 0);
	if (spoil)
		tm_where(t, tm_rule(t, "never", "page_view", 7), "zz", LS_OP_EXISTS, NULL, 0);
}

TEST(where_memo)
{
	static const char *urls[] = {
		"/pricing", "/PRICING/team", "/careers", "/docs/a", "/Docs/b", "/blog/pricing-x",
		"/ÉTÉ/soldes", "/été", "/", "/about", "", NULL
	};
	tmodel		tm;
	tmodel		ts;
	ls_match_hooks hooks;
	ls_intent_plan *memo;
	ls_intent_plan *plain;
	ls_error	err;
	int			n = 0;
	int			i;
	int			bad = 0;
	long		folds;

	while (urls[n] != NULL)
		n++;
	memset(&hooks, 0, sizeof(hooks));
	hooks.fold = counting_fold;
	tm_init(&tm, 30);
	tm_init(&ts, 30);
	url_rules(&tm, false);
	url_rules(&ts, true);
	memo = ls_intent_compile(&tm.m, &tm.arena, &hooks, &err);
	plain = ls_intent_compile(&ts.m, &ts.arena, &hooks, &err);
	CHECK(memo != NULL && plain != NULL);
	if (memo == NULL || plain == NULL)
		return;
	tm.plans[tm.n_plans++] = memo;
	ts.plans[ts.n_plans++] = plain;
	for (i = 0; i < 200 * (n + 1); i++)
	{
		const char *url = (i % (n + 1) == n) ? NULL : urls[(i * 7) % n];
		int			want = match_url(plain, "page_view", url);
		int			got = match_url(memo, "page_view", url);

		if (got != want)
		{
			printf("#   \"%s\": rule %d with the memo, %d without\n",
				   url ? url : "(null)", got, want);
			bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(match_url(memo, "page_view", "/ÉTÉ/soldes") == 3);
	folds = url_folds;
	for (i = 0; i < 10; i++)
		CHECK(match_url(memo, "page_view", "/ÉTÉ/soldes") == 3);
	CHECK(url_folds == folds);
	tm_free(&tm);
	tm_free(&ts);
}

/* ---------- the invariant ---------- */

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t	x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static int
rng_int(int n)
{
	return (int) (rng() % (uint64_t) n);
}

static int64_t
rng_time(int64_t lo, int64_t hi)
{
	return lo + (int64_t) (rng() % (uint64_t) (hi - lo + 1));
}

static const char *const types[] = {"demo_request", "page_view", "webinar", "download",
"email_open", "tweet"};
static const char *const urls[] = {"https://x.io/pricing", "https://x.io/careers",
"https://x.io/docs/api", "https://x.io/", "/PRICING#plans"};

static void
random_model(tmodel *t)
{
	static const double half_lives[] = {0, 1, 7, 30, 45.5};
	int			n = rng_int(9);
	int			i;

	tm_init(t, half_lives[rng_int(5)]);
	for (i = 0; i < n; i++)
	{
		double		sign = rng_int(3) == 0 ? -1 : 1;
		double		points = sign * (1 + rng_int(50)) * (rng_int(4) == 0 ? 0.37 : 1);
		ls_intent_rule *r = tm_rule(t, "r", types[rng_int(5)], points);

		if (rng_int(5) < 2)
			tm_cap(r, sign * (5 + rng_int(100)));
		switch (rng_int(6))
		{
			case 0:
				tm_where(t, r, "url", LS_OP_CONTAINS, rng_int(2) ? "/pricing" : "/careers", 0);
				break;
			case 1:
				tm_where(t, r, "url", LS_OP_MISSING, NULL, 0);
				break;
			case 2:
				tm_where(t, r, "n", LS_OP_GT, NULL, rng_int(10));
				break;
			default:
				break;
		}
	}
	if (rng_int(2))
	{
		t->m.has_inactivity = true;
		t->m.inactivity_days = 1 + rng_int(120);
		t->m.inactivity_points = -1 - rng_int(30);
	}
}

static void
random_event(tevent *e, int64_t lo, int64_t hi)
{
	memset(e, 0, sizeof(*e));
	e->type = types[rng_int(6)];
	e->t = rng_time(lo, hi);
	e->url = rng_int(3) ? urls[rng_int(5)] : NULL;
	e->has_n = rng_int(2);
	e->n = rng_int(12);
}

static bool
close_rel(double a, double b)
{
	double		m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= 1e-9 * m + 1e-300;
}

/* Same state up to rounding: per-rule sums, counts, newest, final intent. */
static bool
same_state(const ls_intent_state *a, const ls_intent_state *b,
		   const ls_intent_plan *p)
{
	double		scale = 0;
	int			i;

	if (a->as_of != b->as_of || a->n_rules != b->n_rules ||
		a->n_events != b->n_events || a->newest != b->newest)
		return false;
	for (i = 0; i < a->n_rules; i++)
	{
		if (!close_rel(a->sums[i], b->sums[i]))
			return false;
		scale += fabs(ls_intent_rule_value(a, p, i));
	}
	if (ls_intent_inactive(a, p) != ls_intent_inactive(b, p))
		return false;
	scale += fabs(ls_intent_model(p)->inactivity_points);
	return fabs(ls_intent_finalize(a, p) - ls_intent_finalize(b, p)) <=
		1e-9 * scale + 1e-300;
}

/*
 * Build a state as of cuts[n_cuts - 1] from events, adding each event at
 * its assigned batch (a cut at or after its time) and decaying between
 * cuts.  Events after the last cut are offered too and must be refused.
 */
static ls_intent_state *
build_incremental(ls_intent_plan *p, const tevent *ev, const int *rule,
				  const bool *in_part, int n_ev, const int64_t *cuts, int n_cuts,
				  int *refused_wrongly)
{
	ls_intent_state *s = state_new(ls_intent_n_rules(p), cuts[0]);
	int		   *batch = malloc((n_ev + 1) * sizeof(int));
	int			b;
	int			i;

	for (i = 0; i < n_ev; i++)
	{
		int			first = 0;

		while (first < n_cuts && cuts[first] < ev[i].t)
			first++;
		if (first == n_cuts)
			batch[i] = rng_int(n_cuts);
		else
			batch[i] = first + rng_int(n_cuts - first);
	}
	for (b = 0; b < n_cuts; b++)
	{
		if (b > 0)
			ls_intent_decay(s, p, cuts[b]);
		for (i = 0; i < n_ev; i++)
		{
			if (!in_part[i] || batch[i] != b)
				continue;
			if (ls_intent_add(s, p, rule[i], ev[i].t) != (ev[i].t <= cuts[b]))
				(*refused_wrongly)++;
		}
	}
	free(batch);
	return s;
}

static int
random_cuts(int64_t *cuts, int64_t t0, int64_t t2)
{
	int			n = 1 + rng_int(6);
	int			i;

	for (i = 0; i < n - 1; i++)
		cuts[i] = rng_time(t0, t2);
	cuts[n - 1] = t2;
	/* sort ascending: a handful of values */
	for (i = 1; i < n; i++)
	{
		int64_t		v = cuts[i];
		int			j = i;

		while (j > 0 && cuts[j - 1] > v)
		{
			cuts[j] = cuts[j - 1];
			j--;
		}
		cuts[j] = v;
	}
	return n;
}

TEST(batch_incremental_combine_agree)
{
	int			iter;
	int			mismatches = 0;
	int			refused_wrongly = 0;
	int			nontrivial = 0;

	rng_state = 0x9E3779B97F4A7C15ULL;
	for (iter = 0; iter < 300; iter++)
	{
		tmodel		t;
		ls_intent_plan *p;
		int64_t		t0 = T_BASE + rng_int(1000) * USEC_PER_DAY;
		int64_t		t2 = t0 + (1 + rng_int(400)) * USEC_PER_DAY + rng_int(1000000);
		int			n_ev = rng_int(400);
		tevent	   *ev = malloc((n_ev + 1) * sizeof(tevent));
		int		   *rule = malloc((n_ev + 1) * sizeof(int));
		bool	   *all = malloc((n_ev + 1) * sizeof(bool));
		bool	   *mine = malloc((n_ev + 1) * sizeof(bool));
		int		   *part = malloc((n_ev + 1) * sizeof(int));
		ls_intent_state *full;
		ls_intent_state *inc;
		ls_intent_state *comb;
		int64_t		cuts[8];
		int			n_cuts;
		int			n_parts;
		int			i;
		int			k;
		ls_error	err;

		random_model(&t);
		p = tm_compile(&t);
		if (p == NULL)
			break;
		for (i = 0; i < n_ev; i++)
		{
			/* a few events before t0 and some after t2 */
			random_event(&ev[i], t0 - 30 * USEC_PER_DAY, t2 + 20 * USEC_PER_DAY);
			rule[i] = match(p, &ev[i]);
			all[i] = true;
		}

		/* everything at once, as the aggregate does */
		full = state_new(ls_intent_n_rules(p), t2);
		for (i = 0; i < n_ev; i++)
			if (ls_intent_add(full, p, rule[i], ev[i].t) != (ev[i].t <= t2))
				refused_wrongly++;

		/* in batches with nightly decays, as the trigger and worker do */
		n_cuts = random_cuts(cuts, t0, t2);
		inc = build_incremental(p, ev, rule, all, n_ev, cuts, n_cuts, &refused_wrongly);
		if (!same_state(full, inc, p))
			mismatches++;

		/* partial states (parallel workers), each built its own way */
		n_parts = 1 + rng_int(5);
		for (i = 0; i < n_ev; i++)
			part[i] = rng_int(n_parts);
		comb = state_new(ls_intent_n_rules(p), t2);
		for (k = 0; k < n_parts; k++)
		{
			ls_intent_state *ps;

			for (i = 0; i < n_ev; i++)
				mine[i] = part[i] == k;
			if (rng_int(2))
			{
				n_cuts = random_cuts(cuts, t0, t2);
				ps = build_incremental(p, ev, rule, mine, n_ev, cuts, n_cuts,
									   &refused_wrongly);
			}
			else
			{
				ps = state_new(ls_intent_n_rules(p), t2);
				for (i = 0; i < n_ev; i++)
					if (mine[i])
						ls_intent_add(ps, p, rule[i], ev[i].t);
			}
			if (!ls_intent_combine(comb, ps, &err))
				mismatches++;
			free(ps);
		}
		if (!same_state(full, comb, p))
			mismatches++;
		if (ls_intent_finalize(full, p) != 0)
			nontrivial++;

		free(full);
		free(inc);
		free(comb);
		free(ev);
		free(rule);
		free(all);
		free(mine);
		free(part);
		tm_free(&t);
	}
	CHECK(mismatches == 0);
	CHECK(refused_wrongly == 0);
	/* the random models do exercise something */
	CHECK(nontrivial > 150);
}

int
main(void)
{
	RUN(decay_factor);
	RUN(one_half_life);
	RUN(future_events_do_not_exist);
	RUN(unknown_types_are_activity);
	RUN(caps);
	RUN(first_matching_rule_with_where);
	RUN(where_regex_errors_name_the_rule);
	RUN(inactivity_boundaries);
	RUN(no_intent_rules);
	RUN(combine_refuses_mismatch);
	RUN(where_outlives_caller_arena);
	RUN(where_memo);
	RUN(batch_incremental_combine_agree);
	return UNIT_DONE();
}
