/*
 * logreg.h — streaming L2-regularised logistic regression (Newton / IRLS).
 *
 * The server cannot hold the training rows, so the fit is driven in
 * passes: each pass the caller feeds every row once, the model accumulates
 * the gradient and Hessian of the log-likelihood at its current
 * coefficients, and ls_logreg_end_pass takes one Newton step.  Memory is
 * O(p^2) and allocated once by ls_logreg_new; adding rows allocates
 * nothing.  The caller loops:
 *
 *     for (iter = 0; iter < max_iter; iter++)
 *     {
 *         ls_logreg_begin_pass(m);
 *         for each row: ls_logreg_add(m, x, y, weight);
 *         if (!ls_logreg_end_pass(m, &step))  -> could not solve
 *         if (step < 1e-8) break;             -> converged
 *     }
 *
 * The objective maximised is
 *     sum_i w_i * (y_i * eta_i - log(1 + exp(eta_i))) - l2/2 * |beta|^2
 * where eta = intercept + x . beta and beta excludes the intercept, which
 * is not penalised.  l2 is absolute (not per row), so the same l2 shrinks
 * less on more data.  The penalty treats features alike, so standardising
 * them is the caller's business: features should be 0/1 indicators or
 * continuous values already centred and scaled.
 *
 * A Newton step that lowers the objective (possible far from the optimum,
 * e.g. on nearly separable data) is not taken: the next pass re-evaluates
 * at half the step instead (step-halving), so every pass still costs one
 * sweep of the data and the caller's loop is unchanged.
 */
#ifndef LS_LOGREG_H
#define LS_LOGREG_H

#include <stdbool.h>

#include "arena.h"

/* Keeps the two (p+1)^2 matrices to about 16 MB. */
#define LS_LOGREG_MAX_FEATURES 1000

typedef struct ls_logreg ls_logreg;

/*
 * A model with all coefficients 0.  n_features excludes the intercept.
 * NULL when n_features is outside 0..LS_LOGREG_MAX_FEATURES, l2 is
 * negative or not finite, or the arena refuses.
 */
ls_logreg  *ls_logreg_new(ls_arena *arena, int n_features, double l2);

/* Zero the gradient, Hessian and log-likelihood accumulators. */
void		ls_logreg_begin_pass(ls_logreg *m);

/*
 * Accumulate one row at the current coefficients.  x has n_features
 * values; weight >= 0 (a frequency or importance weight).
 */
void		ls_logreg_add(ls_logreg *m, const double *x, bool y, double weight);

/*
 * Finish a pass: solve (H + l2 I) d = g by Cholesky (retrying with a tiny
 * growing ridge when the matrix is not positive definite, e.g. a constant
 * feature with l2 = 0) and move the coefficients by d, or by half the last
 * step when this pass showed that step lowered the objective.  *step_norm
 * is the Euclidean length of the change.  False, with the coefficients
 * unchanged, when the system cannot be solved (non-finite input).
 */
bool		ls_logreg_end_pass(ls_logreg *m, double *step_norm);

/* Penalised log-likelihood at the coefficients the last pass used. */
double		ls_logreg_loglik(const ls_logreg *m);

/* [0] = intercept, [1..n_features] = features. */
const double *ls_logreg_coef(const ls_logreg *m);

/* Linear predictor (log-odds) of x at the current coefficients. */
double		ls_logreg_predict(const ls_logreg *m, const double *x);

int			ls_logreg_n_features(const ls_logreg *m);

#endif
