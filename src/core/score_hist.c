/*
 * score_hist.c — distinct-score histogram behind AUC, calibration and
 * threshold aggregates.
 *
 * Entries live in a dense array (insertion order, so iteration and sorting
 * need no extra memory) indexed by an open-addressing hash table of slot
 * numbers keyed on the score's bits.  Adding is O(1) amortised; only
 * ls_hist_sorted sorts, in place, and then rebuilds the index.
 */
#include "score_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LS_HIST_MIN_CAP 16
/* Slots hold entry index + 1 in a uint32 and there are 2 slots per entry. */
#define LS_HIST_MAX_CAP ((size_t) 1 << 30)

struct ls_score_hist
{
	ls_arena   *arena;
	ls_hist_entry *entries;		/* count used of cap */
	size_t		count;
	size_t		cap;
	uint32_t   *slots;			/* 2 * cap, power of two; 0 = empty */
	size_t		nslots;
	int64_t		pos_total;
	int64_t		neg_total;
	bool		sorted;			/* entries ascending by score */
};

/* A 64-bit finaliser (murmur3's) so nearby scores spread over the table. */
static size_t
hash_score(double score)
{
	uint64_t	x;

	memcpy(&x, &score, sizeof(x));
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (size_t) x;
}

/* The slot holding score, or the empty slot where it would go. */
static size_t
find_slot(const ls_score_hist *h, double score)
{
	size_t		mask = h->nslots - 1;
	size_t		i = hash_score(score) & mask;

	while (h->slots[i] != 0 && h->entries[h->slots[i] - 1].score != score)
		i = (i + 1) & mask;
	return i;
}

/* Rebuild the index from the entries (after growing or sorting). */
static void
reindex(ls_score_hist *h)
{
	size_t		i;

	memset(h->slots, 0, h->nslots * sizeof(uint32_t));
	for (i = 0; i < h->count; i++)
		h->slots[find_slot(h, h->entries[i].score)] = (uint32_t) (i + 1);
}

/* Double the capacity; the histogram is untouched when this fails. */
static bool
grow(ls_score_hist *h)
{
	size_t		cap = h->cap ? h->cap * 2 : LS_HIST_MIN_CAP;
	ls_hist_entry *entries;
	uint32_t   *slots;

	if (cap > LS_HIST_MAX_CAP)
	{
		h->arena->failed = 1;
		return false;
	}
	entries = ls_arena_alloc(h->arena, cap * sizeof(ls_hist_entry));
	slots = entries ? ls_arena_alloc(h->arena, 2 * cap * sizeof(uint32_t)) : NULL;
	if (slots == NULL)
		return false;
	if (h->count > 0)
		memcpy(entries, h->entries, h->count * sizeof(ls_hist_entry));
	h->entries = entries;
	h->cap = cap;
	h->slots = slots;
	h->nslots = 2 * cap;
	reindex(h);
	return true;
}

ls_score_hist *
ls_hist_new(ls_arena *arena)
{
	ls_score_hist *h = ls_arena_alloc(arena, sizeof(ls_score_hist));

	if (h == NULL)
		return NULL;
	h->arena = arena;
	h->sorted = true;
	return h;
}

bool
ls_hist_add_counts(ls_score_hist *h, double score, int64_t pos, int64_t neg)
{
	int64_t		new_pos;
	int64_t		new_neg;
	int64_t		all;
	size_t		slot;
	ls_hist_entry *e;

	if (!isfinite(score) || pos < 0 || neg < 0)
		return false;
	if (pos == 0 && neg == 0)
		return true;
	if (score == 0)
		score = 0;				/* fold -0 so it shares 0's bits and entry */

	/*
	 * Per-entry and per-bucket counts are bounded by the grand total, so
	 * checking the totals alone keeps every later sum in range.
	 */
	if (__builtin_add_overflow(h->pos_total, pos, &new_pos) ||
		__builtin_add_overflow(h->neg_total, neg, &new_neg) ||
		__builtin_add_overflow(new_pos, new_neg, &all))
		return false;

	if (h->cap > 0)
	{
		slot = find_slot(h, score);
		if (h->slots[slot] != 0)
		{
			e = &h->entries[h->slots[slot] - 1];
			e->pos += pos;
			e->neg += neg;
			h->pos_total = new_pos;
			h->neg_total = new_neg;
			return true;
		}
	}
	if (h->count == h->cap && !grow(h))
		return false;
	slot = find_slot(h, score);

	/* Appending keeps the order when scores arrive ascending. */
	if (h->count > 0 && score < h->entries[h->count - 1].score)
		h->sorted = false;
	e = &h->entries[h->count];
	e->score = score;
	e->pos = pos;
	e->neg = neg;
	h->slots[slot] = (uint32_t) (h->count + 1);
	h->count++;
	h->pos_total = new_pos;
	h->neg_total = new_neg;
	return true;
}

bool
ls_hist_add(ls_score_hist *h, double score, bool positive, int64_t weight)
{
	return ls_hist_add_counts(h, score, positive ? weight : 0,
							  positive ? 0 : weight);
}

bool
ls_hist_merge(ls_score_hist *dst, const ls_score_hist *src)
{
	size_t		n = src->count;	/* src may be dst: it gains no new keys */
	size_t		i;

	for (i = 0; i < n; i++)
	{
		ls_hist_entry e = src->entries[i];

		if (!ls_hist_add_counts(dst, e.score, e.pos, e.neg))
			return false;
	}
	return true;
}

size_t
ls_hist_size(const ls_score_hist *h)
{
	return h->count;
}

int64_t
ls_hist_positives(const ls_score_hist *h)
{
	return h->pos_total;
}

int64_t
ls_hist_negatives(const ls_score_hist *h)
{
	return h->neg_total;
}

static int
cmp_entry(const void *a, const void *b)
{
	double		x = ((const ls_hist_entry *) a)->score;
	double		y = ((const ls_hist_entry *) b)->score;

	return (x > y) - (x < y);
}

const ls_hist_entry *
ls_hist_sorted(ls_score_hist *h, size_t *n)
{
	if (!h->sorted)
	{
		qsort(h->entries, h->count, sizeof(ls_hist_entry), cmp_entry);
		reindex(h);
		h->sorted = true;
	}
	*n = h->count;
	return h->count ? h->entries : NULL;
}

bool
ls_hist_auc(ls_score_hist *h, double *auc)
{
	const ls_hist_entry *e;
	size_t		n;
	size_t		i;
	int64_t		neg_below = 0;
	long double sum = 0;

	if (h->pos_total == 0 || h->neg_total == 0)
		return false;
	e = ls_hist_sorted(h, &n);

	/*
	 * Each positive beats the negatives scored strictly lower and ties half
	 * of those scored the same.  long double keeps the products of counts
	 * exact far beyond any realistic table.
	 */
	for (i = 0; i < n; i++)
	{
		sum += (long double) e[i].pos *
			((long double) neg_below + 0.5L * (long double) e[i].neg);
		neg_below += e[i].neg;
	}
	*auc = (double) (sum / ((long double) h->pos_total *
							(long double) h->neg_total));
	return true;
}

/* Close the bucket e[first..last] into out[*filled]. */
static void
close_bucket(const ls_hist_entry *e, size_t first, size_t last,
			 int64_t leads, int64_t converted, double overall,
			 ls_calib_bucket *out, int *filled)
{
	ls_calib_bucket *b = &out[*filled];

	b->lo = e[first].score;
	b->hi = e[last].score;
	b->leads = leads;
	b->converted = converted;
	b->rate = (double) converted / (double) leads;
	b->lift = overall > 0 ? b->rate / overall : 0;
	(*filled)++;
}

/* Where cut k of buckets falls, in cumulative leads. */
static long double
cut_target(int64_t total, int k, int buckets)
{
	return (long double) total * k / buckets;
}

int
ls_hist_calibration(ls_score_hist *h, int buckets, ls_calib_bucket *out)
{
	const ls_hist_entry *e;
	size_t		n;
	size_t		i;
	size_t		first = 0;
	int64_t		total = h->pos_total + h->neg_total;
	int64_t		cum = 0;
	int64_t		leads = 0;
	int64_t		converted = 0;
	double		overall;
	int			k = 1;			/* next cut to place: after k/buckets of leads */
	int			filled = 0;

	if (buckets < 1 || h->count == 0)
		return 0;
	e = ls_hist_sorted(h, &n);
	overall = (double) h->pos_total / (double) total;

	/*
	 * Cut k belongs at the boundary between distinct scores whose
	 * cumulative count is nearest k * total / buckets.  Entry i spans
	 * cumulative counts [cum, cum + its count]; a target inside that span
	 * cuts before i when it is nearer the start, else after i.  Several
	 * cuts at one boundary would make empty buckets, which are dropped.
	 */
	for (i = 0; i < n; i++)
	{
		int64_t		cnt = e[i].pos + e[i].neg;
		long double end = (long double) (cum + cnt);

		while (k < buckets)
		{
			long double target = cut_target(total, k, buckets);

			if (target >= end || target - cum >= end - target)
				break;
			if (leads > 0)
				close_bucket(e, first, i - 1, leads, converted, overall,
							 out, &filled);
			leads = converted = 0;
			first = i;
			k++;
		}
		leads += cnt;
		converted += e[i].pos;
		cum += cnt;
		while (k < buckets && cut_target(total, k, buckets) <= end)
		{
			if (leads > 0)
				close_bucket(e, first, i, leads, converted, overall,
							 out, &filled);
			leads = converted = 0;
			first = i + 1;
			k++;
		}
	}
	if (leads > 0)
		close_bucket(e, first, n - 1, leads, converted, overall,
					 out, &filled);
	return filled;
}

bool
ls_hist_best_threshold(ls_score_hist *h, double min_precision,
					   ls_threshold *out)
{
	const ls_hist_entry *e;
	size_t		n;
	size_t		i;
	int64_t		tp = 0;
	int64_t		predicted = 0;
	bool		by_f1 = isnan(min_precision);
	bool		found = false;

	if (h->pos_total == 0)
		return false;
	e = ls_hist_sorted(h, &n);

	/*
	 * Walk thresholds from the highest down so the counts above each are
	 * running sums.  For F1 only a strictly better value replaces the best,
	 * so ties keep the higher threshold; for a precision floor every
	 * qualifying threshold replaces it, so the lowest one wins.
	 */
	for (i = n; i-- > 0;)
	{
		ls_threshold t;

		tp += e[i].pos;
		predicted += e[i].pos + e[i].neg;
		t.threshold = e[i].score;
		t.predicted = predicted;
		t.precision = (double) tp / (double) predicted;
		t.recall = (double) tp / (double) h->pos_total;
		t.f1 = 2.0 * (double) tp / ((double) predicted + (double) h->pos_total);
		if (by_f1 ? (!found || t.f1 > out->f1) : t.precision >= min_precision)
		{
			*out = t;
			found = true;
		}
	}
	return found;
}
