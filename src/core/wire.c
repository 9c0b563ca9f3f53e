/*
 * wire.c — aggregate states to and from bytes, checked both ways.
 *
 * The one idea: a state is checked against the invariants the aggregate
 * code keeps (not just against the buffer's length), by one function per
 * state that the encoder and the decoder share.  So a decoded state is one
 * the transition functions could have built, and an encoded one decodes.
 * Byte order is done by hand (shifts), so the format does not depend on
 * the host and no server header is needed.
 */
#include "wire.h"

#include <math.h>
#include <string.h>

#include "model.h"

/* PostgreSQL's infinite timestamps (DT_NOBEGIN, DT_NOEND). */
#define TIME_MINUS_INFINITY INT64_MIN
#define TIME_PLUS_INFINITY INT64_MAX

static bool
time_finite(int64_t t)
{
	return t != TIME_MINUS_INFINITY && t != TIME_PLUS_INFINITY;
}

/* ---------------------------------------------------------------------
 * Reader and writer
 * ---------------------------------------------------------------------
 */

void
ls_wire_reader_init(ls_wire_reader *r, const void *bytes, size_t len)
{
	r->p = bytes;
	r->len = bytes != NULL ? len : 0;
	r->pos = 0;
	r->short_read = false;
}

size_t
ls_wire_remaining(const ls_wire_reader *r)
{
	return r->len - r->pos;
}

/* n bytes at the read position, or NULL (short_read) when fewer remain. */
static const unsigned char *
take(ls_wire_reader *r, size_t n)
{
	const unsigned char *p;

	if (r->short_read || ls_wire_remaining(r) < n)
	{
		r->short_read = true;
		return NULL;
	}
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

static uint64_t
be64(const unsigned char *p)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t
be32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static double
be_f64(const unsigned char *p)
{
	uint64_t	bits = be64(p);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

bool
ls_wire_get_u8(ls_wire_reader *r, uint8_t *v)
{
	const unsigned char *p = take(r, 1);

	if (p == NULL)
		return false;
	*v = p[0];
	return true;
}

bool
ls_wire_get_i32(ls_wire_reader *r, int32_t *v)
{
	const unsigned char *p = take(r, 4);

	if (p == NULL)
		return false;
	*v = (int32_t) be32(p);
	return true;
}

bool
ls_wire_get_i64(ls_wire_reader *r, int64_t *v)
{
	const unsigned char *p = take(r, 8);

	if (p == NULL)
		return false;
	*v = (int64_t) be64(p);
	return true;
}

bool
ls_wire_get_f64(ls_wire_reader *r, double *v)
{
	const unsigned char *p = take(r, 8);

	if (p == NULL)
		return false;
	*v = be_f64(p);
	return true;
}

bool
ls_wire_get_cstring(ls_wire_reader *r, const char **s, size_t *len)
{
	const unsigned char *start;
	const unsigned char *nul;

	if (r->short_read)
		return false;
	start = r->p + r->pos;
	nul = memchr(start, '\0', ls_wire_remaining(r));
	if (nul == NULL)
	{
		r->short_read = true;
		return false;
	}
	*s = (const char *) start;
	*len = (size_t) (nul - start);
	r->pos += *len + 1;
	return true;
}

void
ls_wire_writer_init(ls_wire_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->len = 0;
	w->overflow = false;
}

/* Room for n more bytes at the write position, or NULL (overflow). */
static unsigned char *
room(ls_wire_writer *w, size_t n)
{
	unsigned char *p;

	if (w->overflow || w->cap - w->len < n)
	{
		w->overflow = true;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	int			i;

	for (i = 7; i >= 0; i--)
	{
		p[i] = (unsigned char) (v & 0xff);
		v >>= 8;
	}
}

void
ls_wire_put_u8(ls_wire_writer *w, uint8_t v)
{
	unsigned char *p = room(w, 1);

	if (p != NULL)
		p[0] = v;
}

void
ls_wire_put_i32(ls_wire_writer *w, int32_t v)
{
	unsigned char *p = room(w, 4);
	uint32_t	u = (uint32_t) v;

	if (p == NULL)
		return;
	p[0] = (unsigned char) (u >> 24);
	p[1] = (unsigned char) (u >> 16);
	p[2] = (unsigned char) (u >> 8);
	p[3] = (unsigned char) u;
}

void
ls_wire_put_i64(ls_wire_writer *w, int64_t v)
{
	unsigned char *p = room(w, 8);

	if (p != NULL)
		put_be64(p, (uint64_t) v);
}

/* The double's bits as they are (pq_sendfloat8): NaN payloads survive. */
void
ls_wire_put_f64(ls_wire_writer *w, double v)
{
	unsigned char *p = room(w, 8);
	uint64_t	bits;

	if (p == NULL)
		return;
	memcpy(&bits, &v, sizeof(bits));
	put_be64(p, bits);
}

void
ls_wire_put_cstring(ls_wire_writer *w, const char *s, size_t len)
{
	unsigned char *p = room(w, len + 1);

	if (p == NULL)
		return;
	memcpy(p, s, len);
	p[len] = '\0';
}

static bool
short_message(ls_error *err, const char *what, const ls_wire_reader *r)
{
	return ls_error_set(err, LS_ERR_INVALID,
						"%s: truncated (%zu bytes end inside a field)",
						what, r->len);
}

/* ---------------------------------------------------------------------
 * Intent state
 * ---------------------------------------------------------------------
 */

#define INTENT_WHAT "serialized intent state"

size_t
ls_intent_wire_size(const char *model, int32_t n_rules)
{
	size_t		n = n_rules > 0 ? (size_t) n_rules : 0;

	return strlen(model) + 1 + 4 + 4 * 8 + 4 + n * 8;
}

/* Everything but the sums, which the caller checks one by one. */
static bool
check_intent_fields(const char *model, size_t model_len, int64_t pending_from,
					int64_t as_of, int64_t newest, int64_t n_events,
					int32_t n_rules, ls_error *err)
{
	if (model_len == 0 || model_len > LS_MAX_NAME)
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": model name of %zu bytes (expected 1 to %d)",
							model_len, LS_MAX_NAME);
	if (!ls_utf8_valid(model, model_len, NULL))
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": model name is not valid UTF-8");
	if (!time_finite(as_of))
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": as_of is not a finite time");
	if (pending_from != LS_NO_TIME &&
		(!time_finite(pending_from) || pending_from <= as_of))
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": pending_from must be a finite time after as_of, or none");
	if (n_events < 0)
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": n_events is negative (%lld)",
							(long long) n_events);
	if ((newest == LS_NO_TIME) != (n_events == 0))
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": newest must be set exactly when events were counted");
	if (newest != LS_NO_TIME && (!time_finite(newest) || newest > as_of))
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": newest must be a finite time at or before as_of");
	if (n_rules < 0 || n_rules > LS_MAX_RULES)
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": %ld rules (expected 0 to %d)",
							(long) n_rules, LS_MAX_RULES);
	return true;
}

static bool
bad_sum(ls_error *err, int i)
{
	return ls_error_set(err, LS_ERR_INVALID,
						INTENT_WHAT ": sums[%d] is not a finite number", i);
}

bool
ls_intent_wire_encode(const char *model, int32_t version, int64_t pending_from,
					  const ls_intent_state *s, void *buf, size_t cap,
					  size_t *len, ls_error *err)
{
	size_t		model_len;
	ls_wire_writer w;
	int			i;

	if (model == NULL || s == NULL)
		return ls_error_set(err, LS_ERR_INVALID, INTENT_WHAT ": no state");
	model_len = strlen(model);
	if (!check_intent_fields(model, model_len, pending_from, s->as_of,
							 s->newest, s->n_events, s->n_rules, err))
		return false;
	for (i = 0; i < s->n_rules; i++)
		if (!isfinite(s->sums[i]))
			return bad_sum(err, i);
	ls_wire_writer_init(&w, buf, cap);
	ls_wire_put_cstring(&w, model, model_len);
	ls_wire_put_i32(&w, version);
	ls_wire_put_i64(&w, pending_from);
	ls_wire_put_i64(&w, s->as_of);
	ls_wire_put_i64(&w, s->newest);
	ls_wire_put_i64(&w, s->n_events);
	ls_wire_put_i32(&w, s->n_rules);
	for (i = 0; i < s->n_rules; i++)
		ls_wire_put_f64(&w, s->sums[i]);
	if (w.overflow)
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": needs %zu bytes, the buffer has %zu",
							ls_intent_wire_size(model, s->n_rules), cap);
	*len = w.len;
	return true;
}

bool
ls_intent_wire_decode(const void *bytes, size_t len, ls_intent_wire *out,
					  ls_error *err)
{
	ls_wire_reader r;
	ls_intent_wire w;
	size_t		want;
	int32_t		i;

	ls_wire_reader_init(&r, bytes, len);
	memset(&w, 0, sizeof(w));
	if (!ls_wire_get_cstring(&r, &w.model, &w.model_len))
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": truncated (no NUL after the model name)");
	if (!ls_wire_get_i32(&r, &w.version) ||
		!ls_wire_get_i64(&r, &w.pending_from) ||
		!ls_wire_get_i64(&r, &w.as_of) ||
		!ls_wire_get_i64(&r, &w.newest) ||
		!ls_wire_get_i64(&r, &w.n_events) ||
		!ls_wire_get_i32(&r, &w.n_rules))
		return short_message(err, INTENT_WHAT, &r);
	if (!check_intent_fields(w.model, w.model_len, w.pending_from, w.as_of,
							 w.newest, w.n_events, w.n_rules, err))
		return false;
	want = (size_t) w.n_rules * 8;
	if (ls_wire_remaining(&r) != want)
		return ls_error_set(err, LS_ERR_INVALID,
							INTENT_WHAT ": %zu bytes of sums for %d rules (expected %zu)",
							ls_wire_remaining(&r), (int) w.n_rules, want);
	w.sums = r.p + r.pos;
	for (i = 0; i < w.n_rules; i++)
		if (!isfinite(be_f64(w.sums + (size_t) i * 8)))
			return bad_sum(err, i);
	*out = w;
	return true;
}

void
ls_intent_wire_fill(const ls_intent_wire *w, ls_intent_state *s)
{
	int32_t		i;

	ls_intent_state_init(s, w->n_rules, w->as_of);
	s->newest = w->newest;
	s->n_events = w->n_events;
	for (i = 0; i < w->n_rules; i++)
		s->sums[i] = be_f64(w->sums + (size_t) i * 8);
}

/* ---------------------------------------------------------------------
 * Score histogram
 * ---------------------------------------------------------------------
 */

#define HIST_WHAT "serialized score histogram"
#define HIST_HEAD (4 + 8 + 1 + 8)

size_t
ls_hist_wire_size(size_t n)
{
	if (n > (SIZE_MAX - HIST_HEAD) / LS_HIST_WIRE_ENTRY)
		return 0;
	return HIST_HEAD + n * LS_HIST_WIRE_ENTRY;
}

/*
 * calibration's buckets or best_threshold's minimum precision, one of them
 * when has_extra, neither otherwise (hist_state in calibration.c).
 */
static bool
check_hist_extra(int32_t buckets, double min_precision, bool has_extra,
				 ls_error *err)
{
	bool		has_buckets = buckets != 0;
	bool		has_minp = !isnan(min_precision);

	if (buckets < 0 || buckets > LS_HIST_MAX_BUCKETS)
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": %ld buckets (expected 0 to %d)",
							(long) buckets, LS_HIST_MAX_BUCKETS);
	if (has_minp && !(min_precision >= 0 && min_precision <= 1))
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": minimum precision outside [0, 1]");
	if (has_extra ? has_buckets == has_minp : (has_buckets || has_minp))
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": %s",
							has_extra ? "expected buckets or a minimum precision"
							: "buckets or a minimum precision without has_extra");
	return true;
}

/*
 * One entry after prev (NULL for the first), with the running totals: what
 * ls_hist_sorted can give, and what ls_hist_add_counts accepts.
 */
static bool
check_hist_entry(const ls_hist_entry *e, const ls_hist_entry *prev,
				 int64_t i, int64_t *pos_total, int64_t *neg_total,
				 ls_error *err)
{
	int64_t		all;

	if (!isfinite(e->score) || (e->score == 0 && signbit(e->score)))
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": entry %lld has a score that is not finite (or is -0)",
							(long long) i);
	if (prev != NULL && !(e->score > prev->score))
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": entry %lld is not above the one before (scores must ascend)",
							(long long) i);
	if (e->pos < 0 || e->neg < 0 || (e->pos == 0 && e->neg == 0))
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": entry %lld has counts %lld and %lld (expected >= 0, not both 0)",
							(long long) i, (long long) e->pos, (long long) e->neg);
	if (__builtin_add_overflow(*pos_total, e->pos, pos_total) ||
		__builtin_add_overflow(*neg_total, e->neg, neg_total) ||
		__builtin_add_overflow(*pos_total, *neg_total, &all))
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": counts overflow at entry %lld", (long long) i);
	return true;
}

bool
ls_hist_wire_encode(int32_t buckets, double min_precision, bool has_extra,
					const ls_hist_entry *entries, size_t n, void *buf,
					size_t cap, size_t *len, ls_error *err)
{
	ls_wire_writer w;
	int64_t		pos_total = 0;
	int64_t		neg_total = 0;
	size_t		i;

	if (!check_hist_extra(buckets, min_precision, has_extra, err))
		return false;
	if (n > 0 && entries == NULL)
		return ls_error_set(err, LS_ERR_INVALID, HIST_WHAT ": no entries");
	if (n > (size_t) INT64_MAX || ls_hist_wire_size(n) == 0)
		return ls_error_set(err, LS_ERR_INVALID, HIST_WHAT ": too many entries");
	for (i = 0; i < n; i++)
		if (!check_hist_entry(&entries[i], i > 0 ? &entries[i - 1] : NULL,
							  (int64_t) i, &pos_total, &neg_total, err))
			return false;
	ls_wire_writer_init(&w, buf, cap);
	ls_wire_put_i32(&w, buckets);
	ls_wire_put_f64(&w, min_precision);
	ls_wire_put_u8(&w, has_extra ? 1 : 0);
	ls_wire_put_i64(&w, (int64_t) n);
	for (i = 0; i < n; i++)
	{
		ls_wire_put_f64(&w, entries[i].score);
		ls_wire_put_i64(&w, entries[i].pos);
		ls_wire_put_i64(&w, entries[i].neg);
	}
	if (w.overflow)
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": needs %zu bytes, the buffer has %zu",
							ls_hist_wire_size(n), cap);
	*len = w.len;
	return true;
}

void
ls_hist_wire_entry(const ls_hist_wire *w, int64_t i, ls_hist_entry *e)
{
	const unsigned char *p = w->entries + (size_t) i * LS_HIST_WIRE_ENTRY;

	e->score = be_f64(p);
	e->pos = (int64_t) be64(p + 8);
	e->neg = (int64_t) be64(p + 16);
}

bool
ls_hist_wire_decode(const void *bytes, size_t len, ls_hist_wire *out,
					ls_error *err)
{
	ls_wire_reader r;
	ls_hist_wire w;
	uint8_t		extra;
	ls_hist_entry prev;
	int64_t		pos_total = 0;
	int64_t		neg_total = 0;
	int64_t		i;

	ls_wire_reader_init(&r, bytes, len);
	memset(&w, 0, sizeof(w));
	memset(&prev, 0, sizeof(prev));
	if (!ls_wire_get_i32(&r, &w.buckets) ||
		!ls_wire_get_f64(&r, &w.min_precision) ||
		!ls_wire_get_u8(&r, &extra) ||
		!ls_wire_get_i64(&r, &w.n))
		return short_message(err, HIST_WHAT, &r);
	if (extra > 1)
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": has_extra is %u (expected 0 or 1)",
							(unsigned) extra);
	w.has_extra = extra == 1;
	if (!check_hist_extra(w.buckets, w.min_precision, w.has_extra, err))
		return false;
	/* the count must say exactly how many bytes follow */
	if (w.n < 0 || (uint64_t) w.n > ls_wire_remaining(&r) / LS_HIST_WIRE_ENTRY ||
		ls_wire_remaining(&r) != (size_t) w.n * LS_HIST_WIRE_ENTRY)
		return ls_error_set(err, LS_ERR_INVALID,
							HIST_WHAT ": %lld entries in %zu bytes (each takes %d)",
							(long long) w.n, ls_wire_remaining(&r), LS_HIST_WIRE_ENTRY);
	w.entries = r.p + r.pos;
	for (i = 0; i < w.n; i++)
	{
		ls_hist_entry e;

		ls_hist_wire_entry(&w, i, &e);
		if (!check_hist_entry(&e, i > 0 ? &prev : NULL, i, &pos_total,
							  &neg_total, err))
			return false;
		prev = e;
	}
	*out = w;
	return true;
}

bool
ls_hist_wire_load(const ls_hist_wire *w, ls_score_hist *h, ls_error *err)
{
	int64_t		i;

	for (i = 0; i < w->n; i++)
	{
		ls_hist_entry e;

		ls_hist_wire_entry(w, i, &e);
		if (!ls_hist_add_counts(h, e.score, e.pos, e.neg))
			return ls_error_set(err, LS_ERR_NOMEM,
								HIST_WHAT ": out of memory at entry %lld",
								(long long) i);
	}
	return true;
}
