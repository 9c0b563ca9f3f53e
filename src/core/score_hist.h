/*
 * score_hist.h — exact state for score-quality aggregates.
 *
 * The dashboard aggregates (ROC AUC, calibration buckets, best threshold)
 * all need the joint distribution of (score, converted).  Rubric scores
 * repeat a lot, so the state is a map from each DISTINCT score to its
 * positive and negative counts: its size grows with the number of distinct
 * scores, never with rows, and two states combine by adding counts, which
 * is what parallel aggregation needs.
 *
 * Scores are doubles; -0 is folded into 0.  The caller must reject NaN and
 * infinities before adding (ls_hist_add refuses them too, but the caller
 * is the one that can raise a proper error).
 *
 * Memory comes from the arena.  Growing the hash table leaves the old table
 * behind in the arena (a bump allocator cannot free), so a state that grew
 * to n distinct scores has taken at most about twice what n entries need.
 *
 * Serialization is left to the host so the server can use its own wire
 * functions: write ls_hist_size() and then each entry of ls_hist_sorted();
 * read by ls_hist_new() and one ls_hist_add_counts() per entry.
 */
#ifndef LS_SCORE_HIST_H
#define LS_SCORE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct ls_score_hist ls_score_hist;

/* One distinct score and how many leads with it converted or did not. */
typedef struct ls_hist_entry
{
	double		score;
	int64_t		pos;
	int64_t		neg;
} ls_hist_entry;

/* An empty histogram; NULL when the arena refuses. */
ls_score_hist *ls_hist_new(ls_arena *arena);

/*
 * Count weight leads with this score and outcome.  weight 0 is a no-op
 * (no entry is created).  False when the score is not finite, the weight is
 * negative, a count would overflow int64, or the arena refuses (then
 * arena->failed is set, which tells out-of-memory apart); the histogram is
 * unchanged on failure.
 */
bool		ls_hist_add(ls_score_hist *h, double score, bool positive,
						int64_t weight);

/* Both counts at once (deserialization); same rules as ls_hist_add. */
bool		ls_hist_add_counts(ls_score_hist *h, double score,
							   int64_t pos, int64_t neg);

/*
 * Add every count of src into dst (combine function).  src may be dst.
 * False as for ls_hist_add; dst may then hold part of src.
 */
bool		ls_hist_merge(ls_score_hist *dst, const ls_score_hist *src);

size_t		ls_hist_size(const ls_score_hist *h);	/* distinct scores */
int64_t		ls_hist_positives(const ls_score_hist *h);
int64_t		ls_hist_negatives(const ls_score_hist *h);

/*
 * The entries in ascending score order, *n of them (NULL when empty).
 * Sorts in place and allocates nothing, so it cannot fail; the pointer is
 * valid until the next add or merge into h.
 */
const ls_hist_entry *ls_hist_sorted(ls_score_hist *h, size_t *n);

/*
 * Exact ROC AUC: the probability that a random positive outscores a random
 * negative, ties counting half.  False when there is no positive or no
 * negative.
 */
bool		ls_hist_auc(ls_score_hist *h, double *auc);

typedef struct ls_calib_bucket
{
	double		lo;				/* lowest score in the bucket */
	double		hi;				/* highest score in the bucket */
	int64_t		leads;
	int64_t		converted;
	double		rate;			/* converted / leads */
	double		lift;			/* rate / overall rate; 0 when that is 0 */
} ls_calib_bucket;

/*
 * Equal-frequency buckets by score, ascending, written to out[0..ret-1].
 * A distinct score never splits across buckets, so each cut between
 * buckets sits at the distinct-score boundary nearest the ideal quantile
 * and heavy ties yield fewer (never empty) buckets.  Returns how many were
 * filled: 0 when h is empty or buckets < 1, else at most buckets.
 */
int			ls_hist_calibration(ls_score_hist *h, int buckets,
								ls_calib_bucket *out);

typedef struct ls_threshold
{
	double		threshold;		/* "score >= threshold" predicts converted */
	double		precision;
	double		recall;
	double		f1;
	int64_t		predicted;		/* leads with score >= threshold */
} ls_threshold;

/*
 * The best cut among the distinct scores.  min_precision NaN: the highest
 * F1, ties going to the higher threshold.  Otherwise: the LOWEST threshold
 * (so the highest recall) whose precision >= min_precision, false when none
 * reaches it.  False when there is no positive.
 */
bool		ls_hist_best_threshold(ls_score_hist *h, double min_precision,
								   ls_threshold *out);

#endif
