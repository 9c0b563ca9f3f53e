/*
 * test_wire.c — the byte format of aggregate states (wire.c).
 *
 * The layouts are written out byte by byte as PostgreSQL's pq_send* wrote
 * them before the codec moved to the core: a serialized state from an older
 * leader or worker of the same version must read the same.  Then every way
 * a message can be wrong is refused with a message, never read past.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "arena.h"
#include "error.h"
#include "intent.h"
#include "score_hist.h"
#include "wire.h"

/* A byte buffer written field by field, big-endian (what pq_send* does). */
typedef struct bytes
{
	unsigned char b[4096];
	size_t		n;
} bytes;

static void
b_u8(bytes *b, unsigned v)
{
	b->b[b->n++] = (unsigned char) v;
}

static void
b_be(bytes *b, uint64_t v, int width)
{
	int			i;

	for (i = width - 1; i >= 0; i--)
		b_u8(b, (unsigned) ((v >> (8 * i)) & 0xff));
}

static void
b_f64(bytes *b, double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, sizeof(bits));
	b_be(b, bits, 8);
}

static void
b_str(bytes *b, const char *s)
{
	size_t		n = strlen(s) + 1;

	memcpy(b->b + b->n, s, n);
	b->n += n;
}

/* The state "m", version 7, one event at 900 as of 1000, two rules. */
static void
intent_bytes(bytes *b)
{
	b->n = 0;
	b_str(b, "m");
	b_be(b, 7, 4);
	b_be(b, (uint64_t) LS_NO_TIME, 8);
	b_be(b, 1000, 8);
	b_be(b, 900, 8);
	b_be(b, 1, 8);
	b_be(b, 2, 4);
	b_f64(b, 2.5);
	b_f64(b, -0.125);
}

static void
intent_refused(int line, const bytes *b, const char *message)
{
	ls_intent_wire w;
	ls_error	err;

	if (ls_intent_wire_decode(b->b, b->n, &w, &err))
	{
		printf("#   line %d: accepted, expected \"%s\"\n", line, message);
		unit_current_failed = 1;
	}
	else if (err.kind != LS_ERR_INVALID || strstr(err.msg, message) == NULL)
	{
		printf("#   line %d: got \"%s\", expected \"%s\"\n", line, err.msg, message);
		unit_current_failed = 1;
	}
}

#define INTENT_REFUSED(b, message) intent_refused(__LINE__, b, message)

TEST(intent_layout_and_round_trip)
{
	bytes		b;
	ls_intent_wire w;
	ls_error	err;
	ls_intent_state *s = malloc(ls_intent_state_size(2));
	unsigned char out[256];
	size_t		len = 0;

	intent_bytes(&b);
	CHECK(ls_intent_wire_size("m", 2) == b.n);
	CHECK(ls_intent_wire_decode(b.b, b.n, &w, &err));
	CHECK_STR(w.model, "m");
	CHECK(w.model_len == 1);
	CHECK(w.version == 7);
	CHECK(w.pending_from == LS_NO_TIME);
	CHECK(w.as_of == 1000 && w.newest == 900 && w.n_events == 1 && w.n_rules == 2);
	ls_intent_wire_fill(&w, s);
	CHECK(s->as_of == 1000 && s->newest == 900 && s->n_events == 1 && s->n_rules == 2);
	CHECK(s->sums[0] == 2.5 && s->sums[1] == -0.125);

	/* and back, byte for byte */
	CHECK(ls_intent_wire_encode("m", 7, LS_NO_TIME, s, out, sizeof(out), &len, &err));
	CHECK(len == b.n && memcmp(out, b.b, len) == 0);
	/* a buffer one byte short is refused, not overrun */
	CHECK(!ls_intent_wire_encode("m", 7, LS_NO_TIME, s, out, b.n - 1, &len, &err));
	CHECK_CONTAINS(err.msg, "needs 58 bytes, the buffer has 57");

	/* an empty state: no events, no rules, an event pending */
	ls_intent_state_init(s, 0, -5);
	CHECK(ls_intent_wire_encode("x", -1, 10, s, out, sizeof(out), &len, &err));
	CHECK(ls_intent_wire_decode(out, len, &w, &err));
	CHECK(w.pending_from == 10 && w.as_of == -5 && w.newest == LS_NO_TIME && w.n_rules == 0);
	free(s);
}

TEST(intent_refusals)
{
	bytes		b;
	size_t		n;

	intent_bytes(&b);
	/* every truncation, including inside the name */
	for (n = 0; n < b.n; n++)
	{
		bytes		t = b;
		ls_intent_wire w;
		ls_error	err;

		t.n = n;
		if (ls_intent_wire_decode(t.b, t.n, &w, &err))
		{
			printf("#   truncated to %zu bytes: accepted\n", n);
			unit_current_failed = 1;
		}
	}
	b.b[b.n++] = 0;
	INTENT_REFUSED(&b, "17 bytes of sums for 2 rules (expected 16)");

	intent_bytes(&b);
	b.b[0] = '\0';				/* empty name */
	INTENT_REFUSED(&b, "model name of 0 bytes");
	intent_bytes(&b);
	b.b[0] = (char) 0xff;
	INTENT_REFUSED(&b, "model name is not valid UTF-8");

	/* n_rules is at byte 2 + 4 + 32 = 38 */
	intent_bytes(&b);
	b.b[38] = 0xff;
	INTENT_REFUSED(&b, "-16777214 rules (expected 0 to 10000)");
	intent_bytes(&b);
	b.b[40] = 0x27;
	b.b[41] = 0x11;				/* 10001 */
	INTENT_REFUSED(&b, "10001 rules (expected 0 to 10000)");

	/* n_events at 30 */
	intent_bytes(&b);
	b.b[30] = 0x80;
	INTENT_REFUSED(&b, "n_events is negative");
	intent_bytes(&b);
	memset(b.b + 30, 0, 8);		/* no events, but a newest */
	INTENT_REFUSED(&b, "newest must be set exactly when events were counted");

	/* as_of at 14, newest at 22, pending at 6 */
	intent_bytes(&b);
	memset(b.b + 14, 0xff, 8);
	b.b[14] = 0x7f;				/* +infinity */
	INTENT_REFUSED(&b, "as_of is not a finite time");
	intent_bytes(&b);
	b.b[29] = 0xe9;				/* newest 1001 > as_of 1000 (0x3e8) */
	b.b[28] = 0x03;
	INTENT_REFUSED(&b, "newest must be a finite time at or before as_of");
	intent_bytes(&b);
	memset(b.b + 6, 0, 8);		/* pending_from 0 <= as_of */
	INTENT_REFUSED(&b, "pending_from must be a finite time after as_of");

	/* non-finite sums */
	intent_bytes(&b);
	b.n -= 8;
	b_f64(&b, 1.0 / 0.0);
	INTENT_REFUSED(&b, "sums[1] is not a finite number");
	intent_bytes(&b);
	b.n -= 16;
	b_f64(&b, nan(""));
	b_f64(&b, 0);
	INTENT_REFUSED(&b, "sums[0] is not a finite number");

	/* no NUL at all */
	memset(b.b, 'a', 20);
	b.n = 20;
	INTENT_REFUSED(&b, "no NUL after the model name");
	INTENT_REFUSED(&(bytes) {.n = 0}, "no NUL after the model name");
}

/* buckets 10, NaN, has_extra, two entries */
static void
hist_bytes(bytes *b)
{
	b->n = 0;
	b_be(b, 10, 4);
	b_f64(b, nan(""));
	b_u8(b, 1);
	b_be(b, 2, 8);
	b_f64(b, -1.5);
	b_be(b, 3, 8);
	b_be(b, 0, 8);
	b_f64(b, 80);
	b_be(b, 1, 8);
	b_be(b, 2, 8);
}

static void
hist_refused(int line, const bytes *b, const char *message)
{
	ls_hist_wire w;
	ls_error	err;

	if (ls_hist_wire_decode(b->b, b->n, &w, &err))
	{
		printf("#   line %d: accepted, expected \"%s\"\n", line, message);
		unit_current_failed = 1;
	}
	else if (err.kind != LS_ERR_INVALID || strstr(err.msg, message) == NULL)
	{
		printf("#   line %d: got \"%s\", expected \"%s\"\n", line, err.msg, message);
		unit_current_failed = 1;
	}
}

#define HIST_REFUSED(b, message) hist_refused(__LINE__, b, message)

TEST(hist_layout_and_round_trip)
{
	bytes		b;
	ls_hist_wire w;
	ls_error	err;
	ls_arena	arena;
	ls_score_hist *h;
	const ls_hist_entry *e;
	size_t		n;
	unsigned char out[256];
	size_t		len = 0;

	hist_bytes(&b);
	CHECK(ls_hist_wire_size(2) == b.n);
	CHECK(ls_hist_wire_decode(b.b, b.n, &w, &err));
	CHECK(w.buckets == 10 && isnan(w.min_precision) && w.has_extra && w.n == 2);
	ls_arena_init_malloc(&arena);
	h = ls_hist_new(&arena);
	CHECK(ls_hist_wire_load(&w, h, &err));
	CHECK(ls_hist_positives(h) == 4 && ls_hist_negatives(h) == 2);
	e = ls_hist_sorted(h, &n);
	CHECK(n == 2 && e[0].score == -1.5 && e[1].score == 80);
	CHECK(ls_hist_wire_encode(w.buckets, w.min_precision, w.has_extra, e, n,
							  out, sizeof(out), &len, &err));
	CHECK(len == b.n && memcmp(out, b.b, len) == 0);

	/* best_threshold's extra, and none at all */
	CHECK(ls_hist_wire_encode(0, 0.75, true, e, n, out, sizeof(out), &len, &err));
	CHECK(ls_hist_wire_decode(out, len, &w, &err) && w.min_precision == 0.75);
	CHECK(ls_hist_wire_encode(0, nan(""), false, NULL, 0, out, sizeof(out), &len, &err));
	CHECK(len == 21 && ls_hist_wire_decode(out, len, &w, &err) && w.n == 0);
	CHECK(!ls_hist_wire_encode(0, nan(""), false, e, n, out, 40, &len, &err));
	CHECK_CONTAINS(err.msg, "needs 69 bytes, the buffer has 40");
	ls_arena_free(&arena);
}

TEST(hist_refusals)
{
	bytes		b;
	size_t		n;

	hist_bytes(&b);
	for (n = 0; n < b.n; n++)
	{
		ls_hist_wire w;
		ls_error	err;

		if (ls_hist_wire_decode(b.b, n, &w, &err))
		{
			printf("#   truncated to %zu bytes: accepted\n", n);
			unit_current_failed = 1;
		}
	}
	b.b[b.n++] = 0;
	HIST_REFUSED(&b, "2 entries in 49 bytes");

	/* n at byte 13 */
	hist_bytes(&b);
	b.b[13] = 0x80;
	HIST_REFUSED(&b, "entries in 48 bytes");
	hist_bytes(&b);
	b.b[20] = 3;
	HIST_REFUSED(&b, "3 entries in 48 bytes");
	hist_bytes(&b);
	b.b[13] = 0x0f;				/* a huge count must not overflow the size check */
	HIST_REFUSED(&b, "entries in 48 bytes");

	hist_bytes(&b);
	b.b[12] = 2;
	HIST_REFUSED(&b, "has_extra is 2");
	hist_bytes(&b);
	b.b[12] = 0;
	HIST_REFUSED(&b, "buckets or a minimum precision without has_extra");
	hist_bytes(&b);
	b.b[0] = 0x80;
	HIST_REFUSED(&b, "buckets (expected 0 to 10000)");
	hist_bytes(&b);
	b.b[2] = 0x27;
	b.b[3] = 0x11;
	HIST_REFUSED(&b, "10001 buckets");
	hist_bytes(&b);
	b.n = 4;
	b_f64(&b, 0.5);				/* buckets and a minimum precision */
	b.n = 21 + 48;
	HIST_REFUSED(&b, "expected buckets or a minimum precision");
	hist_bytes(&b);
	memset(b.b, 0, 4);
	b.n = 4;
	b_f64(&b, 1.5);
	b.n = 21 + 48;
	HIST_REFUSED(&b, "minimum precision outside [0, 1]");

	/* entries: scores at 21 and 45, counts after each */
	hist_bytes(&b);
	b.n = 45;
	b_f64(&b, -1.5);
	b.n = 69;
	HIST_REFUSED(&b, "entry 1 is not above the one before");
	hist_bytes(&b);
	b.n = 21;
	b_f64(&b, -0.0);
	b.n = 69;
	HIST_REFUSED(&b, "entry 0 has a score that is not finite (or is -0)");
	hist_bytes(&b);
	b.n = 45;
	b_f64(&b, 1.0 / 0.0);
	b.n = 69;
	HIST_REFUSED(&b, "entry 1 has a score that is not finite");
	hist_bytes(&b);
	b.b[29] = 0x80;				/* pos < 0 */
	HIST_REFUSED(&b, "entry 0 has counts");
	hist_bytes(&b);
	b.b[36] = 0;				/* pos 0, neg 0 */
	HIST_REFUSED(&b, "entry 0 has counts 0 and 0");
	hist_bytes(&b);
	memset(b.b + 29, 0xff, 8);
	b.b[29] = 0x7f;				/* pos INT64_MAX, then one more */
	HIST_REFUSED(&b, "counts overflow at entry 1");
}

TEST(reader_and_writer)
{
	ls_wire_reader r;
	ls_wire_writer w;
	unsigned char buf[16];
	int32_t		i32;
	int64_t		i64;
	uint8_t		u8;
	double		d;
	const char *s;
	size_t		len;

	ls_wire_writer_init(&w, buf, sizeof(buf));
	ls_wire_put_i32(&w, -2);
	ls_wire_put_cstring(&w, "ab", 2);
	ls_wire_put_f64(&w, 0.5);
	CHECK(!w.overflow && w.len == 15);
	ls_wire_put_i32(&w, 1);
	CHECK(w.overflow && w.len == 15);
	CHECK(buf[0] == 0xff && buf[3] == 0xfe && buf[6] == 0 && buf[7] == 0x3f && buf[8] == 0xe0);

	ls_wire_reader_init(&r, buf, w.len);
	CHECK(ls_wire_get_i32(&r, &i32) && i32 == -2);
	CHECK(ls_wire_get_cstring(&r, &s, &len) && len == 2 && strcmp(s, "ab") == 0);
	CHECK(ls_wire_get_f64(&r, &d) && d == 0.5);
	CHECK(ls_wire_remaining(&r) == 0);
	CHECK(!ls_wire_get_u8(&r, &u8) && r.short_read);
	/* once short, always short */
	ls_wire_reader_init(&r, buf, 3);
	CHECK(!ls_wire_get_i32(&r, &i32));
	CHECK(!ls_wire_get_u8(&r, &u8));
	ls_wire_reader_init(&r, NULL, 99);
	CHECK(!ls_wire_get_i64(&r, &i64) && !ls_wire_get_cstring(&r, &s, &len));
}

int
main(void)
{
	RUN(intent_layout_and_round_trip);
	RUN(intent_refusals);
	RUN(hist_layout_and_round_trip);
	RUN(hist_refusals);
	RUN(reader_and_writer);
	return UNIT_DONE();
}
