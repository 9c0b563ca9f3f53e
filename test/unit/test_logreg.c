/*
 * test_logreg.c — streaming logistic regression (logreg.c).
 *
 * Rows are a pure function of (seed, row number), so every pass replays the
 * same data set without storing it, exactly as the server streams a table.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logreg.h"
#include "unit.h"

#define MAX_P 8

typedef struct gen
{
	uint64_t	state;
} gen;

/* splitmix64 */
static uint64_t
gen_next(gen *g)
{
	uint64_t	z = (g->state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double
gen_unif(gen *g)
{
	return ((double) (gen_next(g) >> 11) + 0.5) / 9007199254740992.0;
}

static double
gen_normal(gen *g)
{
	double		u = gen_unif(g);
	double		v = gen_unif(g);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A data set: p features per row, outcome drawn from planted log-odds. */
typedef struct dataset
{
	uint64_t	seed;
	int			rows;
	int			p;
	const double *truth;		/* [0] intercept, [1..p]; NULL: y from x[0] > 0 */
	bool		zero_last;		/* the last feature is constantly 0 */
} dataset;

/* Row i: binary, binary, normal, normal, scaled uniform, then normals. */
static bool
make_row(const dataset *d, int i, double *x)
{
	gen			g = {d->seed * UINT64_C(1000003) + (uint64_t) i};
	double		eta;
	int			j;

	for (j = 0; j < d->p; j++)
	{
		if (j == 0 && d->p >= 5)
			x[j] = gen_unif(&g) < 0.4;
		else if (j == 1 && d->p >= 5)
			x[j] = gen_unif(&g) < 0.3;
		else if (j == 4)
			x[j] = (2 * gen_unif(&g) - 1) * sqrt(3.0);
		else
			x[j] = gen_normal(&g);
	}
	if (d->zero_last)
		x[d->p - 1] = 0;
	if (d->truth == NULL)
		return x[0] > 0;
	eta = d->truth[0];
	for (j = 0; j < d->p; j++)
		eta += d->truth[j + 1] * x[j];
	return gen_unif(&g) < 1 / (1 + exp(-eta));
}

static void
feed_pass(ls_logreg *m, const dataset *d)
{
	double		x[MAX_P];
	int			i;

	ls_logreg_begin_pass(m);
	for (i = 0; i < d->rows; i++)
	{
		bool		y = make_row(d, i, x);

		ls_logreg_add(m, x, y, 1.0);
	}
}

/* Passes until the step is below 1e-8; returns how many, or -1. */
static int
fit(ls_logreg *m, const dataset *d, int max_iter, bool *ll_monotone)
{
	double		prev = -INFINITY;
	int			iter;

	if (ll_monotone)
		*ll_monotone = true;
	for (iter = 1; iter <= max_iter; iter++)
	{
		double		step;

		feed_pass(m, d);
		if (!ls_logreg_end_pass(m, &step))
			return -1;
		if (ll_monotone && ls_logreg_loglik(m) < prev - 1e-9)
			*ll_monotone = false;
		prev = ls_logreg_loglik(m);
		if (step < 1e-8)
			return iter;
	}
	return -1;
}

static double
feature_norm(const ls_logreg *m)
{
	const double *b = ls_logreg_coef(m);
	double		s = 0;
	int			j;

	for (j = 1; j <= ls_logreg_n_features(m); j++)
		s += b[j] * b[j];
	return sqrt(s);
}

/* ---------- reference: plain gradient descent ---------- */

/* Gradient of the penalised NEGATIVE log-likelihood at b into g. */
static void
ref_gradient(const dataset *d, double l2, const double *b, double *g)
{
	double		x[MAX_P];
	int			k = d->p + 1;
	int			i;
	int			j;

	memset(g, 0, k * sizeof(double));
	for (i = 0; i < d->rows; i++)
	{
		bool		y = make_row(d, i, x);
		double		eta = b[0];
		double		r;

		for (j = 0; j < d->p; j++)
			eta += b[j + 1] * x[j];
		r = 1 / (1 + exp(-eta)) - y;
		g[0] += r;
		for (j = 0; j < d->p; j++)
			g[j + 1] += r * x[j];
	}
	for (j = 1; j < k; j++)
		g[j] += l2 * b[j];
}

/* Largest eigenvalue of sum (1,x)(1,x)' by power iteration. */
static double
ref_gram_max_eig(const dataset *d)
{
	double		v[MAX_P + 1];
	double		w[MAX_P + 1];
	double		x[MAX_P];
	double		lambda = 0;
	int			k = d->p + 1;
	int			it;
	int			i;
	int			j;

	for (j = 0; j < k; j++)
		v[j] = 1;
	for (it = 0; it < 200; it++)
	{
		double		n = 0;

		memset(w, 0, sizeof(w));
		for (i = 0; i < d->rows; i++)
		{
			double		dot = v[0];

			make_row(d, i, x);
			for (j = 0; j < d->p; j++)
				dot += v[j + 1] * x[j];
			w[0] += dot;
			for (j = 0; j < d->p; j++)
				w[j + 1] += dot * x[j];
		}
		for (j = 0; j < k; j++)
			n += w[j] * w[j];
		n = sqrt(n);
		lambda = n;				/* |A v| with |v| = 1 */
		for (j = 0; j < k; j++)
			v[j] = w[j] / n;
	}
	return lambda;
}

static void
ref_fit(const dataset *d, double l2, double *b)
{
	double		g[MAX_P + 1];
	double		lip = 0.25 * ref_gram_max_eig(d) * 1.01 + l2;
	int			k = d->p + 1;
	int			it;
	int			j;

	memset(b, 0, k * sizeof(double));
	for (it = 0; it < 100000; it++)
	{
		double		gn = 0;

		ref_gradient(d, l2, b, g);
		for (j = 0; j < k; j++)
		{
			b[j] -= g[j] / lip;
			gn += g[j] * g[j];
		}
		if (sqrt(gn) < 1e-11)
			break;
	}
}

/* ---------- tests ---------- */

TEST(recovers_planted_coefficients)
{
	static const double truth[] = {-0.5, 1.0, -0.8, 0.6, -1.2, 0.4};
	dataset		d = {1, 20000, 5, truth, false};
	ls_arena	a;
	ls_logreg  *m;
	const double *b;
	bool		monotone = false;
	int			iters;
	int			j;

	ls_arena_init_malloc(&a);
	m = ls_logreg_new(&a, 5, 1e-3);
	CHECK(m != NULL);
	iters = fit(m, &d, 50, &monotone);
	CHECK(iters > 0 && iters <= 12);
	CHECK(monotone);
	b = ls_logreg_coef(m);
	for (j = 0; j <= 5; j++)
	{
		CHECK_NEAR(b[j], truth[j], 0.15);
		CHECK((b[j] > 0) == (truth[j] > 0));
	}
	ls_arena_free(&a);
}

TEST(agrees_with_gradient_descent)
{
	dataset		d = {2, 300, 3, NULL, false};
	static const double truth[] = {0.3, 1.5, -0.7, 0.2};
	double		ref[MAX_P + 1];
	ls_arena	a;
	ls_logreg  *m;
	const double *b;
	int			j;

	d.truth = truth;
	ref_fit(&d, 2.0, ref);
	ls_arena_init_malloc(&a);
	m = ls_logreg_new(&a, 3, 2.0);
	CHECK(fit(m, &d, 50, NULL) > 0);
	b = ls_logreg_coef(m);
	for (j = 0; j <= 3; j++)
		CHECK_NEAR(b[j], ref[j], 1e-6);
	ls_arena_free(&a);
}

TEST(l2_shrinks_monotonically)
{
	static const double truth[] = {0.2, 0.9, -0.6, 0.8, -1.0, 0.5};
	static const double l2s[] = {0, 1, 10, 100, 1000, 10000, 100000};
	dataset		d = {3, 2000, 5, truth, false};
	ls_arena	a;
	double		prev = INFINITY;
	bool		shrinking = true;
	int			i;

	ls_arena_init_malloc(&a);
	for (i = 0; i < 7; i++)
	{
		ls_logreg  *m = ls_logreg_new(&a, 5, l2s[i]);
		double		n;

		CHECK(fit(m, &d, 50, NULL) > 0);
		n = feature_norm(m);
		shrinking &= n < prev;
		prev = n;
	}
	CHECK(shrinking);
	CHECK(prev < 0.02);
	ls_arena_free(&a);
}

TEST(separable_data_stays_finite)
{
	dataset		d = {4, 500, 2, NULL, false};
	ls_arena	a;
	ls_logreg  *m;
	const double *b;
	double		x[MAX_P];
	bool		all_right = true;
	int			i;

	ls_arena_init_malloc(&a);
	m = ls_logreg_new(&a, 2, 0.1);
	CHECK(fit(m, &d, 100, NULL) > 0);
	b = ls_logreg_coef(m);
	CHECK(isfinite(b[0]) && isfinite(b[1]) && isfinite(b[2]));
	CHECK(b[1] > 5);
	for (i = 0; i < d.rows; i++)
	{
		bool		y = make_row(&d, i, x);

		all_right &= (ls_logreg_predict(m, x) > 0) == y;
	}
	CHECK(all_right);
	ls_arena_free(&a);
}

TEST(constant_zero_feature)
{
	static const double truth[] = {-0.2, 0.9, 0.5};
	dataset		d = {5, 1000, 2, truth, true};
	ls_arena	a;
	ls_logreg  *m;
	ls_logreg  *m0;
	ls_logreg  *m1;

	ls_arena_init_malloc(&a);
	m = ls_logreg_new(&a, 2, 1.0);
	CHECK(fit(m, &d, 50, NULL) > 0);
	CHECK(ls_logreg_coef(m)[2] == 0);

	/* Without a penalty the ridge fallback solves it just the same ... */
	m0 = ls_logreg_new(&a, 2, 0);
	CHECK(fit(m0, &d, 50, NULL) > 0);
	CHECK(ls_logreg_coef(m0)[2] == 0);

	/*
	 * ... and the other coefficients match a fit without the column (a
	 * one-feature model reads only x[0] of the same rows).
	 */
	m1 = ls_logreg_new(&a, 1, 0);
	CHECK(fit(m1, &d, 50, NULL) > 0);
	CHECK_NEAR(ls_logreg_coef(m0)[0], ls_logreg_coef(m1)[0], 1e-7);
	CHECK_NEAR(ls_logreg_coef(m0)[1], ls_logreg_coef(m1)[1], 1e-7);
	ls_arena_free(&a);
}

TEST(memory_independent_of_rows)
{
	static const double truth[] = {0.1, 0.5, -0.5, 0.3, 0.3, -0.2};
	dataset		small = {6, 10, 5, truth, false};
	dataset		big = {6, 100000, 5, truth, false};
	ls_arena	a;
	ls_logreg  *m;
	size_t		after_new;
	size_t		after_small;
	double		step;

	ls_arena_init_malloc(&a);
	m = ls_logreg_new(&a, 5, 1.0);
	after_new = a.total;
	feed_pass(m, &small);
	CHECK(ls_logreg_end_pass(m, &step));
	after_small = a.total;
	feed_pass(m, &big);
	CHECK(ls_logreg_end_pass(m, &step));
	CHECK(after_new == after_small);
	CHECK(a.total == after_small);
	ls_arena_free(&a);
}

TEST(intercept_only_is_logit_of_rate)
{
	ls_arena	a;
	ls_logreg  *m;
	double		step = 1;
	int			iter;
	int			i;

	ls_arena_init_malloc(&a);
	m = ls_logreg_new(&a, 0, 5.0);
	CHECK(ls_logreg_n_features(m) == 0);
	for (iter = 0; iter < 30 && step >= 1e-8; iter++)
	{
		ls_logreg_begin_pass(m);
		for (i = 0; i < 10; i++)
			ls_logreg_add(m, NULL, i < 3, 2.5);
		CHECK(ls_logreg_end_pass(m, &step));
	}
	CHECK(step < 1e-8);
	CHECK_NEAR(ls_logreg_coef(m)[0], log(0.3 / 0.7), 1e-12);
	CHECK_NEAR(ls_logreg_loglik(m),
			   25 * (0.3 * log(0.3) + 0.7 * log(0.7)), 1e-9);
	ls_arena_free(&a);
}

TEST(rejects_bad_input)
{
	ls_arena	a;
	ls_logreg  *m;
	double		x[2] = {1, NAN};
	double		step = -1;

	ls_arena_init_malloc(&a);
	CHECK(ls_logreg_new(&a, -1, 0) == NULL);
	CHECK(ls_logreg_new(&a, LS_LOGREG_MAX_FEATURES + 1, 0) == NULL);
	CHECK(ls_logreg_new(&a, 2, -1) == NULL);
	CHECK(ls_logreg_new(&a, 2, NAN) == NULL);

	/* Non-finite data: the pass fails and the coefficients stay put. */
	m = ls_logreg_new(&a, 2, 1);
	ls_logreg_begin_pass(m);
	ls_logreg_add(m, x, true, 1);
	CHECK(!ls_logreg_end_pass(m, &step));
	CHECK(ls_logreg_coef(m)[0] == 0 && ls_logreg_coef(m)[1] == 0);
	ls_arena_free(&a);

	ls_arena_init_malloc(&a);
	a.limit = 64;
	CHECK(ls_logreg_new(&a, 2, 1) == NULL);
	ls_arena_free(&a);
}

int
main(void)
{
	RUN(recovers_planted_coefficients);
	RUN(agrees_with_gradient_descent);
	RUN(l2_shrinks_monotonically);
	RUN(separable_data_stays_finite);
	RUN(constant_zero_feature);
	RUN(memory_independent_of_rows);
	RUN(intercept_only_is_logit_of_rate);
	RUN(rejects_bad_input);
	return UNIT_DONE();
}
