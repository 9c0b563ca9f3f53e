/*
 * test_score_hist.c — distinct-score histogram (score_hist.c).
 *
 * The aggregates are checked against brute-force definitions computed
 * straight from the raw (score, converted) rows, on many small random
 * inputs drawn from a few score levels so ties are the common case.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score_hist.h"
#include "unit.h"

#define MAX_ROWS 64

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

/* splitmix64: seeded, so a failure reproduces. */
static uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int
rng_int(int n)
{
	return (int) (rng_next() % (uint64_t) n);
}

/* Raw rows for the brute-force references. */
typedef struct rows
{
	int			n;
	double		score[MAX_ROWS];
	bool		pos[MAX_ROWS];
} rows;

/* Few score levels, around zero (with -0 sometimes), so ties abound. */
static void
random_rows(rows *r, int max_rows)
{
	int			levels = 1 + rng_int(8);
	int			pos_pct = rng_int(101);
	int			i;

	r->n = 1 + rng_int(max_rows);
	for (i = 0; i < r->n; i++)
	{
		int			lv = rng_int(levels) - levels / 2;

		r->score[i] = lv * 0.25;
		if (lv == 0 && rng_int(2))
			r->score[i] = -0.0;
		r->pos[i] = rng_int(100) < pos_pct;
	}
}

static ls_score_hist *
hist_of(ls_arena *a, const rows *r)
{
	ls_score_hist *h = ls_hist_new(a);
	int			i;

	for (i = 0; i < r->n; i++)
		if (!ls_hist_add(h, r->score[i], r->pos[i], 1))
			return NULL;
	return h;
}

static bool
brute_auc(const rows *r, double *auc)
{
	double		sum = 0;
	int			np = 0;
	int			nn = 0;
	int			i;
	int			j;

	for (i = 0; i < r->n; i++)
	{
		if (r->pos[i])
			np++;
		else
			nn++;
		for (j = 0; j < r->n; j++)
		{
			if (!r->pos[i] || r->pos[j])
				continue;
			if (r->score[i] > r->score[j])
				sum += 1;
			else if (r->score[i] == r->score[j])
				sum += 0.5;
		}
	}
	if (np == 0 || nn == 0)
		return false;
	*auc = sum / ((double) np * nn);
	return true;
}

/* Metrics of "score >= t" computed from the rows, as the header defines. */
static ls_threshold
brute_cut(const rows *r, double t)
{
	ls_threshold c;
	int64_t		tp = 0;
	int64_t		np = 0;
	int			i;

	c.threshold = t;
	c.predicted = 0;
	for (i = 0; i < r->n; i++)
	{
		np += r->pos[i];
		if (r->score[i] >= t)
		{
			c.predicted++;
			tp += r->pos[i];
		}
	}
	c.precision = (double) tp / (double) c.predicted;
	c.recall = (double) tp / (double) np;
	c.f1 = 2.0 * (double) tp / ((double) c.predicted + (double) np);
	return c;
}

static bool
brute_best(const rows *r, double min_precision, ls_threshold *out)
{
	bool		found = false;
	int			np = 0;
	int			i;

	for (i = 0; i < r->n; i++)
		np += r->pos[i];
	if (np == 0)
		return false;
	for (i = 0; i < r->n; i++)
	{
		ls_threshold c = brute_cut(r, r->score[i]);
		bool		better;

		if (isnan(min_precision))
			better = !found || c.f1 > out->f1 ||
				(c.f1 == out->f1 && c.threshold > out->threshold);
		else
			better = c.precision >= min_precision &&
				(!found || c.threshold < out->threshold);
		if (better)
		{
			*out = c;
			found = true;
		}
	}
	return found;
}

static bool
same_entries(ls_score_hist *a, ls_score_hist *b)
{
	size_t		na;
	size_t		nb;
	const ls_hist_entry *ea = ls_hist_sorted(a, &na);
	const ls_hist_entry *eb = ls_hist_sorted(b, &nb);
	size_t		i;

	if (na != nb || ls_hist_positives(a) != ls_hist_positives(b) ||
		ls_hist_negatives(a) != ls_hist_negatives(b))
		return false;
	for (i = 0; i < na; i++)
		if (ea[i].score != eb[i].score || ea[i].pos != eb[i].pos ||
			ea[i].neg != eb[i].neg)
			return false;
	return true;
}

/* ---------- AUC ---------- */

TEST(auc_matches_brute_force)
{
	ls_arena	a;
	int			trial;
	int			bad = 0;

	ls_arena_init_malloc(&a);
	for (trial = 0; trial < 3000; trial++)
	{
		rows		r;
		ls_score_hist *h;
		double		want = -1;
		double		got = -1;
		bool		want_ok;
		bool		got_ok;

		random_rows(&r, MAX_ROWS);
		h = hist_of(&a, &r);
		want_ok = brute_auc(&r, &want);
		got_ok = ls_hist_auc(h, &got);
		if (want_ok != got_ok || (want_ok && fabs(want - got) > 1e-12))
			bad++;
	}
	CHECK(bad == 0);
	ls_arena_free(&a);
}

TEST(auc_extremes)
{
	ls_arena	a;
	ls_score_hist *sep;
	ls_score_hist *rev;
	ls_score_hist *tie;
	ls_score_hist *one;
	ls_score_hist *empty;
	double		auc = -1;
	int			i;

	ls_arena_init_malloc(&a);
	sep = ls_hist_new(&a);
	rev = ls_hist_new(&a);
	tie = ls_hist_new(&a);
	one = ls_hist_new(&a);
	empty = ls_hist_new(&a);
	for (i = 0; i < 50; i++)
	{
		CHECK(ls_hist_add(sep, 10 + i, true, 1));
		CHECK(ls_hist_add(sep, -i, false, 2));
		CHECK(ls_hist_add(rev, 10 + i, false, 1));
		CHECK(ls_hist_add(rev, -i, true, 3));
		CHECK(ls_hist_add(tie, 7, i % 3 == 0, 1));
		CHECK(ls_hist_add(one, i, true, 1));
	}
	CHECK(ls_hist_auc(sep, &auc));
	CHECK(auc == 1.0);
	CHECK(ls_hist_auc(rev, &auc));
	CHECK(auc == 0.0);
	CHECK(ls_hist_auc(tie, &auc));
	CHECK(auc == 0.5);
	CHECK(!ls_hist_auc(one, &auc));
	CHECK(!ls_hist_auc(empty, &auc));
	ls_arena_free(&a);
}

TEST(auc_large_weights)
{
	ls_arena	a;
	ls_score_hist *h;
	double		auc = -1;
	int64_t		big = INT64_C(1) << 40;

	/* Products of counts far past 2^53 still come out right. */
	ls_arena_init_malloc(&a);
	h = ls_hist_new(&a);
	CHECK(ls_hist_add(h, 1, true, big));
	CHECK(ls_hist_add(h, 0, false, big));
	CHECK(ls_hist_add(h, 0, true, big));
	CHECK(ls_hist_auc(h, &auc));
	CHECK_NEAR(auc, 0.75, 1e-15);
	ls_arena_free(&a);
}

/* ---------- state ---------- */

TEST(negative_zero_folds)
{
	ls_arena	a;
	ls_score_hist *h;
	const ls_hist_entry *e;
	size_t		n;
	double		auc = -1;

	ls_arena_init_malloc(&a);
	h = ls_hist_new(&a);
	CHECK(ls_hist_add(h, -0.0, true, 1));
	CHECK(ls_hist_add(h, 0.0, false, 1));
	CHECK(ls_hist_add(h, -0.0, false, 2));
	CHECK(ls_hist_size(h) == 1);
	e = ls_hist_sorted(h, &n);
	CHECK(n == 1);
	CHECK(e[0].score == 0 && !signbit(e[0].score));
	CHECK(e[0].pos == 1 && e[0].neg == 3);
	CHECK(ls_hist_auc(h, &auc));
	CHECK(auc == 0.5);
	ls_arena_free(&a);
}

TEST(rejects_bad_input)
{
	ls_arena	a;
	ls_score_hist *h;

	ls_arena_init_malloc(&a);
	h = ls_hist_new(&a);
	CHECK(!ls_hist_add(h, NAN, true, 1));
	CHECK(!ls_hist_add(h, INFINITY, true, 1));
	CHECK(!ls_hist_add(h, -INFINITY, false, 1));
	CHECK(!ls_hist_add(h, 1, true, -1));
	CHECK(!ls_hist_add_counts(h, 1, 1, -1));
	CHECK(ls_hist_add(h, 1, true, 0));
	CHECK(ls_hist_size(h) == 0);
	CHECK(ls_hist_add(h, 1, true, INT64_MAX));
	CHECK(!ls_hist_add(h, 2, true, 1));
	CHECK(!ls_hist_add(h, 2, false, 1));	/* total leads would overflow */
	CHECK(ls_hist_size(h) == 1);
	CHECK(ls_hist_positives(h) == INT64_MAX && ls_hist_negatives(h) == 0);
	CHECK(!a.failed);
	ls_arena_free(&a);
}

TEST(out_of_memory_is_clean)
{
	ls_arena	a;
	ls_score_hist *h;
	size_t		before = 0;
	int			i;
	bool		ok = true;

	ls_arena_init_malloc(&a);
	a.limit = 40000;
	h = ls_hist_new(&a);
	CHECK(h != NULL);
	for (i = 0; i < 100000 && ok; i++)
	{
		before = ls_hist_size(h);
		ok = ls_hist_add(h, i, i % 2, 1);
	}
	CHECK(!ok);
	CHECK(a.failed);
	CHECK(ls_hist_size(h) == before);
	CHECK(ls_hist_positives(h) + ls_hist_negatives(h) == (int64_t) before);
	/* Existing scores still count without allocating. */
	CHECK(ls_hist_add(h, 0, true, 5));
	CHECK(ls_hist_size(h) == before);
	ls_arena_free(&a);

	ls_arena_init_malloc(&a);
	a.limit = 1;
	CHECK(ls_hist_new(&a) == NULL);
	ls_arena_free(&a);
}

TEST(many_distinct_scores)
{
	ls_arena	a;
	ls_score_hist *h;
	const ls_hist_entry *e;
	size_t		n;
	size_t		i;
	int			pass;
	bool		ascending = true;
	int			k = 100000;
	int			j;

	/* A permutation of 0..k-1 (scaled) so the table grows and must sort. */
	ls_arena_init_malloc(&a);
	h = ls_hist_new(&a);
	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < k; j++)
			CHECK(ls_hist_add(h, ((j * 7919) % k) / 16.0, j % 3 == 0, 1));
	CHECK(ls_hist_size(h) == (size_t) k);
	e = ls_hist_sorted(h, &n);
	CHECK(n == (size_t) k);
	for (i = 0; i < n; i++)
		ascending &= e[i].score == i / 16.0 && e[i].pos + e[i].neg == 2;
	CHECK(ascending);

	/* The index is rebuilt after sorting: old keys are still found. */
	CHECK(ls_hist_add(h, 5 / 16.0, true, 1));
	CHECK(ls_hist_size(h) == (size_t) k);
	CHECK(ls_hist_positives(h) + ls_hist_negatives(h) == 2 * (int64_t) k + 1);
	ls_arena_free(&a);
}

TEST(merge_equals_whole)
{
	ls_arena	a;
	int			trial;
	int			bad = 0;

	ls_arena_init_malloc(&a);
	for (trial = 0; trial < 500; trial++)
	{
		rows		r;
		ls_score_hist *whole;
		ls_score_hist *part[3];
		ls_score_hist *merged;
		int			i;

		random_rows(&r, MAX_ROWS);
		whole = hist_of(&a, &r);
		for (i = 0; i < 3; i++)
			part[i] = ls_hist_new(&a);
		for (i = 0; i < r.n; i++)
			ls_hist_add(part[rng_int(3)], r.score[i], r.pos[i], 1);
		merged = ls_hist_new(&a);
		for (i = 0; i < 3; i++)
			if (!ls_hist_merge(merged, part[i]))
				bad++;
		if (!same_entries(whole, merged))
			bad++;
	}
	CHECK(bad == 0);
	ls_arena_free(&a);
}

TEST(merge_into_self_doubles)
{
	ls_arena	a;
	ls_score_hist *h;
	const ls_hist_entry *e;
	size_t		n;

	ls_arena_init_malloc(&a);
	h = ls_hist_new(&a);
	CHECK(ls_hist_add(h, 2, true, 3));
	CHECK(ls_hist_add(h, 1, false, 4));
	CHECK(ls_hist_merge(h, h));
	e = ls_hist_sorted(h, &n);
	CHECK(n == 2);
	CHECK(e[0].score == 1 && e[0].neg == 8 && e[0].pos == 0);
	CHECK(e[1].score == 2 && e[1].pos == 6 && e[1].neg == 0);
	ls_arena_free(&a);
}

TEST(serialize_round_trip)
{
	ls_arena	a;
	ls_score_hist *h;
	ls_score_hist *back;
	const ls_hist_entry *e;
	size_t		n;
	size_t		i;
	rows		r;

	ls_arena_init_malloc(&a);
	random_rows(&r, MAX_ROWS);
	h = hist_of(&a, &r);
	back = ls_hist_new(&a);
	e = ls_hist_sorted(h, &n);
	CHECK(n == ls_hist_size(h));
	for (i = 0; i < n; i++)
		CHECK(ls_hist_add_counts(back, e[i].score, e[i].pos, e[i].neg));
	CHECK(same_entries(h, back));
	ls_arena_free(&a);
}

/* ---------- calibration ---------- */

TEST(calibration_invariants)
{
	ls_arena	a;
	int			trial;
	int			bad = 0;

	ls_arena_init_malloc(&a);
	for (trial = 0; trial < 2000; trial++)
	{
		rows		r;
		ls_score_hist *h;
		ls_calib_bucket out[12];
		int			buckets = 1 + rng_int(10);
		int			got;
		int64_t		leads = 0;
		int64_t		conv = 0;
		double		overall;
		int			i;

		random_rows(&r, MAX_ROWS);
		h = hist_of(&a, &r);
		overall = (double) ls_hist_positives(h) / r.n;
		got = ls_hist_calibration(h, buckets, out);
		if (got < 1 || got > buckets || (size_t) got > ls_hist_size(h))
			bad++;
		for (i = 0; i < got; i++)
		{
			leads += out[i].leads;
			conv += out[i].converted;
			if (out[i].leads < 1 || out[i].lo > out[i].hi ||
				(i > 0 && !(out[i - 1].hi < out[i].lo)) ||
				out[i].rate != (double) out[i].converted / out[i].leads ||
				fabs(out[i].lift - (overall > 0 ? out[i].rate / overall : 0)) > 1e-12)
				bad++;
		}
		if (leads != r.n || conv != ls_hist_positives(h))
			bad++;
	}
	CHECK(bad == 0);
	ls_arena_free(&a);
}

TEST(calibration_shapes)
{
	ls_arena	a;
	ls_score_hist *h;
	ls_calib_bucket out[16];
	int			i;
	int			got;
	bool		even = true;

	ls_arena_init_malloc(&a);

	/* 100 distinct scores in 10 buckets: exactly 10 each, ascending. */
	h = ls_hist_new(&a);
	for (i = 99; i >= 0; i--)
		CHECK(ls_hist_add(h, i, i >= 80, 1));
	got = ls_hist_calibration(h, 10, out);
	CHECK(got == 10);
	for (i = 0; i < got; i++)
		even &= out[i].leads == 10 && out[i].lo == 10 * i && out[i].hi == 10 * i + 9;
	CHECK(even);
	CHECK(out[9].converted == 10 && out[9].rate == 1.0);
	CHECK_NEAR(out[9].lift, 5.0, 1e-12);
	CHECK(out[0].converted == 0 && out[0].lift == 0);

	/* All ties: one bucket whatever is asked, lift 1. */
	h = ls_hist_new(&a);
	CHECK(ls_hist_add(h, 3, true, 4));
	CHECK(ls_hist_add(h, 3, false, 6));
	got = ls_hist_calibration(h, 5, out);
	CHECK(got == 1);
	CHECK(out[0].leads == 10 && out[0].converted == 4 && out[0].lift == 1.0);

	/* Counts 1,1,8 in 2 buckets: the cut goes at 2|8, nearer 5 than 10|0. */
	h = ls_hist_new(&a);
	CHECK(ls_hist_add(h, 1, true, 1));
	CHECK(ls_hist_add(h, 2, false, 1));
	CHECK(ls_hist_add(h, 3, false, 8));
	got = ls_hist_calibration(h, 2, out);
	CHECK(got == 2);
	CHECK(out[0].leads == 2 && out[0].lo == 1 && out[0].hi == 2);
	CHECK(out[1].leads == 8 && out[1].lo == 3);

	/* More buckets than distinct scores: one per score. */
	got = ls_hist_calibration(h, 16, out);
	CHECK(got == 3);

	/* Nothing to fill. */
	CHECK(ls_hist_calibration(h, 0, out) == 0);
	CHECK(ls_hist_calibration(ls_hist_new(&a), 4, out) == 0);
	ls_arena_free(&a);
}

/* ---------- best threshold ---------- */

TEST(best_threshold_matches_brute_force)
{
	static const double floors[] = {NAN, 0.0, 0.3, 0.5, 0.7, 0.9, 1.0};
	ls_arena	a;
	int			trial;
	int			bad = 0;

	ls_arena_init_malloc(&a);
	for (trial = 0; trial < 3000; trial++)
	{
		rows		r;
		ls_score_hist *h;
		double		floor_ = floors[trial % 7];
		ls_threshold want = {0};
		ls_threshold got = {0};
		bool		want_ok;
		bool		got_ok;

		random_rows(&r, MAX_ROWS);
		h = hist_of(&a, &r);
		want_ok = brute_best(&r, floor_, &want);
		got_ok = ls_hist_best_threshold(h, floor_, &got);
		if (want_ok != got_ok)
			bad++;
		else if (want_ok &&
				 (want.threshold != got.threshold ||
				  want.predicted != got.predicted ||
				  fabs(want.precision - got.precision) > 1e-12 ||
				  fabs(want.recall - got.recall) > 1e-12 ||
				  fabs(want.f1 - got.f1) > 1e-12))
			bad++;
	}
	CHECK(bad == 0);
	ls_arena_free(&a);
}

TEST(best_threshold_cases)
{
	ls_arena	a;
	ls_score_hist *h;
	ls_threshold t;

	ls_arena_init_malloc(&a);
	h = ls_hist_new(&a);
	CHECK(ls_hist_add(h, 1, false, 10));
	CHECK(!ls_hist_best_threshold(h, NAN, &t));		/* no positive */
	CHECK(ls_hist_add(h, 5, true, 3));
	CHECK(ls_hist_add(h, 3, true, 1));
	CHECK(ls_hist_add(h, 3, false, 1));

	/* F1 at 3 is 2*4/(5+4), beating 2*3/(3+4) at 5 and 2*4/(15+4) at 1. */
	CHECK(ls_hist_best_threshold(h, NAN, &t));
	CHECK(t.threshold == 3 && t.predicted == 5 && t.recall == 1.0);
	CHECK_NEAR(t.precision, 0.8, 1e-15);
	CHECK_NEAR(t.f1, 8.0 / 9.0, 1e-15);

	/* Precision floor 0.9: only 5 passes (3/3), recalling 3 of 4. */
	CHECK(ls_hist_best_threshold(h, 0.9, &t));
	CHECK(t.threshold == 5 && t.predicted == 3 && t.precision == 1.0);
	CHECK_NEAR(t.recall, 0.75, 1e-15);
	CHECK_NEAR(t.f1, 6.0 / 7.0, 1e-15);

	/* Floor 0: the lowest score qualifies and predicts every lead. */
	CHECK(ls_hist_best_threshold(h, 0.0, &t));
	CHECK(t.threshold == 1 && t.predicted == 15);

	/* F1 tie, 2*2/(2+4) at 9 and 2*4/(8+4) at 8: the higher one wins. */
	{
		ls_score_hist *tie = ls_hist_new(&a);

		CHECK(ls_hist_add(tie, 9, true, 2));
		CHECK(ls_hist_add(tie, 8, true, 2));
		CHECK(ls_hist_add(tie, 8, false, 4));
		CHECK(ls_hist_best_threshold(tie, NAN, &t));
		CHECK(t.threshold == 9);
		CHECK_NEAR(t.f1, 2.0 / 3.0, 1e-15);
	}

	/* Nothing reaches a floor above 1. */
	CHECK(!ls_hist_best_threshold(h, 1.01, &t));
	ls_arena_free(&a);
}

int
main(void)
{
	RUN(auc_matches_brute_force);
	RUN(auc_extremes);
	RUN(auc_large_weights);
	RUN(negative_zero_folds);
	RUN(rejects_bad_input);
	RUN(out_of_memory_is_clean);
	RUN(many_distinct_scores);
	RUN(merge_equals_whole);
	RUN(merge_into_self_doubles);
	RUN(serialize_round_trip);
	RUN(calibration_invariants);
	RUN(calibration_shapes);
	RUN(best_threshold_matches_brute_force);
	RUN(best_threshold_cases);
	return UNIT_DONE();
}
