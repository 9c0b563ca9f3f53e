/*
 * logreg.c — streaming L2 logistic regression by Newton steps.
 *
 * Coefficients are k = p + 1 long with the intercept first, so a row is
 * treated as the augmented vector (1, x).  Only the lower triangle of the
 * Hessian is accumulated (it is symmetric), which halves the per-row cost.
 */
#include "logreg.h"

#include <math.h>
#include <string.h>

/* How often one step is halved before it is taken anyway. */
#define LS_LOGREG_MAX_HALVINGS 30
/* Pivots below this fraction of the largest diagonal count as singular. */
#define LS_LOGREG_PIVOT_TOL 1e-13
/* First ridge (relative to the largest diagonal) and how many to try. */
#define LS_LOGREG_RIDGE_START 1e-10
#define LS_LOGREG_RIDGE_TRIES 6

struct ls_logreg
{
	int			p;				/* features */
	int			k;				/* p + 1 coefficients */
	double		l2;
	double	   *beta;			/* current coefficients */
	double	   *base;			/* last accepted point: beta = base + step */
	double	   *step;			/* the step taken from base */
	double	   *grad;			/* pass accumulator: gradient of loglik */
	double	   *hess;			/* pass accumulator: k x k, lower triangle */
	double	   *chol;			/* k x k work space for the factor */
	double	   *rhs;			/* k work space for the solve */
	double		pass_loglik;	/* pass accumulator, unpenalised */
	double		last_loglik;	/* penalised, of the last finished pass */
	double		base_loglik;	/* penalised objective at base */
	bool		have_base;
	int			halvings;
};

ls_logreg *
ls_logreg_new(ls_arena *arena, int n_features, double l2)
{
	ls_logreg  *m;
	size_t		k;

	if (n_features < 0 || n_features > LS_LOGREG_MAX_FEATURES ||
		!isfinite(l2) || l2 < 0)
		return NULL;
	k = (size_t) n_features + 1;
	m = ls_arena_alloc(arena, sizeof(ls_logreg));
	if (m == NULL)
		return NULL;
	m->p = n_features;
	m->k = (int) k;
	m->l2 = l2;
	m->beta = ls_arena_alloc(arena, k * sizeof(double));
	m->base = ls_arena_alloc(arena, k * sizeof(double));
	m->step = ls_arena_alloc(arena, k * sizeof(double));
	m->grad = ls_arena_alloc(arena, k * sizeof(double));
	m->rhs = ls_arena_alloc(arena, k * sizeof(double));
	m->hess = ls_arena_alloc(arena, k * k * sizeof(double));
	m->chol = ls_arena_alloc(arena, k * k * sizeof(double));
	if (!m->beta || !m->base || !m->step || !m->grad || !m->rhs ||
		!m->hess || !m->chol)
		return NULL;
	m->last_loglik = NAN;
	return m;
}

void
ls_logreg_begin_pass(ls_logreg *m)
{
	size_t		k = (size_t) m->k;

	memset(m->grad, 0, k * sizeof(double));
	memset(m->hess, 0, k * k * sizeof(double));
	m->pass_loglik = 0;
}

/* log(1 + exp(t)) without overflow for large t or lost digits for small. */
static double
softplus(double t)
{
	return fmax(t, 0) + log1p(exp(-fabs(t)));
}

/* 1 / (1 + exp(-t)), never dividing by an overflowed exp. */
static double
sigmoid(double t)
{
	double		e;

	if (t >= 0)
		return 1 / (1 + exp(-t));
	e = exp(t);
	return e / (1 + e);
}

double
ls_logreg_predict(const ls_logreg *m, const double *x)
{
	double		eta = m->beta[0];
	int			j;

	for (j = 0; j < m->p; j++)
		eta += m->beta[j + 1] * x[j];
	return eta;
}

void
ls_logreg_add(ls_logreg *m, const double *x, bool y, double weight)
{
	double		eta = ls_logreg_predict(m, x);
	double		mu = sigmoid(eta);
	double		w = weight * mu * (1 - mu);
	double		r = weight * ((y ? 1.0 : 0.0) - mu);
	int			k = m->k;
	int			i;
	int			j;

	m->pass_loglik -= weight * softplus(y ? -eta : eta);

	/* Row 0 is the intercept's, whose "feature" is the constant 1. */
	m->grad[0] += r;
	m->hess[0] += w;
	for (i = 1; i < k; i++)
	{
		double	   *row = m->hess + (size_t) i * k;
		double		wi = w * x[i - 1];

		m->grad[i] += r * x[i - 1];
		row[0] += wi;
		for (j = 1; j <= i; j++)
			row[j] += wi * x[j - 1];
	}
}

/*
 * Cholesky-factor the lower triangle of a (k x k) plus ridge on the
 * diagonal into l.  False when a pivot is not clearly positive.
 */
static bool
cholesky(const double *a, double ridge, double tol, int k, double *l)
{
	int			i;
	int			j;
	int			r;

	for (j = 0; j < k; j++)
	{
		double		s = a[(size_t) j * k + j] + ridge;
		double		piv;

		for (i = 0; i < j; i++)
			s -= l[(size_t) j * k + i] * l[(size_t) j * k + i];
		if (!(s > tol))			/* also catches NaN */
			return false;
		piv = sqrt(s);
		l[(size_t) j * k + j] = piv;
		for (r = j + 1; r < k; r++)
		{
			double		t = a[(size_t) r * k + j];

			for (i = 0; i < j; i++)
				t -= l[(size_t) r * k + i] * l[(size_t) j * k + i];
			l[(size_t) r * k + j] = t / piv;
		}
	}
	return true;
}

/* Solve l l' d = b in place (b becomes d). */
static void
cholesky_solve(const double *l, int k, double *b)
{
	int			i;
	int			j;

	for (i = 0; i < k; i++)
	{
		for (j = 0; j < i; j++)
			b[i] -= l[(size_t) i * k + j] * b[j];
		b[i] /= l[(size_t) i * k + i];
	}
	for (i = k - 1; i >= 0; i--)
	{
		for (j = i + 1; j < k; j++)
			b[i] -= l[(size_t) j * k + i] * b[j];
		b[i] /= l[(size_t) i * k + i];
	}
}

/*
 * The Newton direction at beta into m->rhs.  The penalty adds l2 to the
 * feature diagonal (in place: the Hessian is rebuilt next pass) and
 * -l2 * beta to the feature gradient.
 */
static bool
newton_direction(ls_logreg *m)
{
	int			k = m->k;
	double		diag_max = 0;
	double		ridge = 0;
	int			i;
	int			attempt;

	for (i = 0; i < k; i++)
	{
		double	   *d = &m->hess[(size_t) i * k + i];

		if (i > 0)
		{
			*d += m->l2;
			m->rhs[i] = m->grad[i] - m->l2 * m->beta[i];
		}
		else
			m->rhs[i] = m->grad[i];
		diag_max = fmax(diag_max, *d);
	}
	if (!isfinite(diag_max))
		return false;

	/*
	 * A constant feature with l2 = 0, or collinear ones, leave the matrix
	 * singular.  A ridge far below the data's scale then picks the
	 * smallest step without visibly biasing the well-determined ones.
	 */
	for (attempt = 0; attempt <= LS_LOGREG_RIDGE_TRIES; attempt++)
	{
		if (cholesky(m->hess, ridge, LS_LOGREG_PIVOT_TOL * diag_max, k, m->chol))
		{
			cholesky_solve(m->chol, k, m->rhs);
			return true;
		}
		ridge = ridge == 0
			? LS_LOGREG_RIDGE_START * fmax(diag_max, 1)
			: ridge * 100;
	}
	return false;
}

static double
norm2(const double *v, int n)
{
	double		s = 0;
	int			i;

	for (i = 0; i < n; i++)
		s += v[i] * v[i];
	return sqrt(s);
}

bool
ls_logreg_end_pass(ls_logreg *m, double *step_norm)
{
	int			k = m->k;
	double		ll;
	int			i;

	ll = m->pass_loglik - 0.5 * m->l2 * norm2(m->beta + 1, m->p) *
		norm2(m->beta + 1, m->p);
	m->last_loglik = ll;
	if (!isfinite(ll))
		return false;

	/* The last step made things worse: try half of it next pass. */
	if (m->have_base && m->halvings < LS_LOGREG_MAX_HALVINGS &&
		ll < m->base_loglik - 1e-12 * (1 + fabs(m->base_loglik)))
	{
		for (i = 0; i < k; i++)
		{
			m->step[i] *= 0.5;
			m->beta[i] = m->base[i] + m->step[i];
		}
		m->halvings++;
		*step_norm = norm2(m->step, k);
		return true;
	}

	if (!newton_direction(m) || !isfinite(norm2(m->rhs, k)))
		return false;
	memcpy(m->base, m->beta, (size_t) k * sizeof(double));
	memcpy(m->step, m->rhs, (size_t) k * sizeof(double));
	m->base_loglik = ll;
	m->have_base = true;
	m->halvings = 0;
	for (i = 0; i < k; i++)
		m->beta[i] += m->step[i];
	*step_norm = norm2(m->step, k);
	return true;
}

double
ls_logreg_loglik(const ls_logreg *m)
{
	return m->last_loglik;
}

const double *
ls_logreg_coef(const ls_logreg *m)
{
	return m->beta;
}

int
ls_logreg_n_features(const ls_logreg *m)
{
	return m->p;
}
