/*
 * wire.h — the byte format of aggregate states that cross to parallel
 * workers (serialfunc / deserialfunc), without the server.
 *
 * The format is PostgreSQL's pq_send* layout, which these functions wrote
 * before: integers and float8 bits big-endian, a string as its bytes and a
 * NUL.  Bytes that arrive are untrusted in the sense that matters (a bug
 * on the other side, a truncated copy): the decoders refuse a truncated or
 * over-long message, counts out of range, non-finite sums and every state
 * the encoder could not have written, with an ls_error, so the glue can
 * raise invalid_binary_representation instead of reading past the end or
 * computing with garbage.  The encoders check the same invariants, so
 * whatever they write decodes.
 *
 * Nothing here allocates: encoders write into a buffer of the size
 * *_wire_size() says, decoders point into the bytes they were given.
 */
#ifndef LS_WIRE_H
#define LS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "intent.h"
#include "score_hist.h"

/* ---------- a bounded big-endian reader and writer ---------- */

typedef struct ls_wire_reader
{
	const unsigned char *p;
	size_t		len;
	size_t		pos;
	bool		short_read;		/* a get ran past the end */
} ls_wire_reader;

void		ls_wire_reader_init(ls_wire_reader *r, const void *bytes, size_t len);
size_t		ls_wire_remaining(const ls_wire_reader *r);
/* Each returns false (and sets short_read) when the bytes run out. */
bool		ls_wire_get_u8(ls_wire_reader *r, uint8_t *v);
bool		ls_wire_get_i32(ls_wire_reader *r, int32_t *v);
bool		ls_wire_get_i64(ls_wire_reader *r, int64_t *v);
bool		ls_wire_get_f64(ls_wire_reader *r, double *v);
/* A NUL-terminated string; *s points into the bytes, *len excludes the NUL. */
bool		ls_wire_get_cstring(ls_wire_reader *r, const char **s, size_t *len);

typedef struct ls_wire_writer
{
	unsigned char *buf;
	size_t		cap;
	size_t		len;
	bool		overflow;		/* a put did not fit (nothing past cap written) */
} ls_wire_writer;

void		ls_wire_writer_init(ls_wire_writer *w, void *buf, size_t cap);
void		ls_wire_put_u8(ls_wire_writer *w, uint8_t v);
void		ls_wire_put_i32(ls_wire_writer *w, int32_t v);
void		ls_wire_put_i64(ls_wire_writer *w, int64_t v);
void		ls_wire_put_f64(ls_wire_writer *w, double v);
void		ls_wire_put_cstring(ls_wire_writer *w, const char *s, size_t len);

/* ---------- the intent aggregate's state (intent_agg.c) ----------
 *
 *   model    string   the model's name, 1 to LS_MAX_NAME bytes of UTF-8
 *   version  int32    the model version the sums follow
 *   pending  int64    earliest event after as_of, or LS_NO_TIME
 *   as_of    int64    a finite instant (microseconds)
 *   newest   int64    newest event at or before as_of, LS_NO_TIME iff no event
 *   n_events int64    >= 0
 *   n_rules  int32    0 to LS_MAX_RULES
 *   sums     n_rules float8, finite
 *
 * "Finite" is PostgreSQL's: not INT64_MIN (-infinity, also LS_NO_TIME) nor
 * INT64_MAX (infinity).
 */
typedef struct ls_intent_wire
{
	const char *model;			/* NUL-terminated, inside the bytes */
	size_t		model_len;
	int32_t		version;
	int64_t		pending_from;
	int64_t		as_of;
	int64_t		newest;
	int64_t		n_events;
	int32_t		n_rules;
	const unsigned char *sums;	/* n_rules big-endian float8, inside the bytes */
} ls_intent_wire;

size_t		ls_intent_wire_size(const char *model, int32_t n_rules);
/* Writes the state into buf (cap bytes); *len is what was written. */
bool		ls_intent_wire_encode(const char *model, int32_t version,
								  int64_t pending_from, const ls_intent_state *s,
								  void *buf, size_t cap, size_t *len,
								  ls_error *err);
/* Checks all of bytes[0..len); on success *out describes the state. */
bool		ls_intent_wire_decode(const void *bytes, size_t len,
								  ls_intent_wire *out, ls_error *err);
/* Copies a decoded state into s, which has room for w->n_rules sums. */
void		ls_intent_wire_fill(const ls_intent_wire *w, ls_intent_state *s);

/* ---------- the score histogram's state (calibration.c) ----------
 *
 *   buckets   int32   calibration's buckets, 1 to LS_HIST_MAX_BUCKETS, or 0
 *   min_prec  float8  best_threshold's minimum precision in [0, 1], or NaN
 *   has_extra uint8   0 or 1: whether buckets / min_prec were given
 *                     (then exactly one of them is; else neither)
 *   n         int64   distinct scores, >= 0
 *   entries   n of (score float8, pos int64, neg int64): scores finite,
 *             strictly ascending, never -0; counts >= 0, not both 0, and
 *             their totals within int64
 */
#define LS_HIST_MAX_BUCKETS 10000	/* calibration.c's note_extra */
#define LS_HIST_WIRE_ENTRY 24

typedef struct ls_hist_wire
{
	int32_t		buckets;
	double		min_precision;
	bool		has_extra;
	int64_t		n;
	const unsigned char *entries;	/* n entries, inside the bytes */
} ls_hist_wire;

/* 0 when n entries would not fit in a size_t. */
size_t		ls_hist_wire_size(size_t n);
bool		ls_hist_wire_encode(int32_t buckets, double min_precision,
								bool has_extra, const ls_hist_entry *entries,
								size_t n, void *buf, size_t cap, size_t *len,
								ls_error *err);
bool		ls_hist_wire_decode(const void *bytes, size_t len,
								ls_hist_wire *out, ls_error *err);
void		ls_hist_wire_entry(const ls_hist_wire *w, int64_t i, ls_hist_entry *e);
/* Adds every entry of a decoded state to an empty h; false (LS_ERR_NOMEM) if its arena refuses. */
bool		ls_hist_wire_load(const ls_hist_wire *w, ls_score_hist *h, ls_error *err);

#endif
