/*
 * fuzz_wire.c — the serialized aggregate states (wire.c): what a parallel
 * worker hands the leader, decoded from arbitrary bytes.
 *
 * The first byte picks the intent state or the score histogram; the rest
 * is the message.  A message the decoder accepts must fill a state that
 * encodes back to exactly the same bytes, and those decode to the same
 * state (decode -> encode -> decode).  Then a state made up from the input
 * is encoded: if the encoder takes it, the decoder must take what it wrote.
 */
#include <math.h>

#include "fuzz_common.h"

#include "arena.h"
#include "error.h"
#include "intent.h"
#include "score_hist.h"
#include "wire.h"

static bool
same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static void
intent_round_trip(const uint8_t *bytes, size_t len)
{
	ls_intent_wire w;
	ls_intent_wire w2;
	ls_intent_state *s;
	ls_intent_state *s2;
	ls_error	err;
	unsigned char *out;
	size_t		size;
	size_t		out_len = 0;
	char	   *model;
	int			i;

	if (!ls_intent_wire_decode(bytes, len, &w, &err))
	{
		FUZZ_ASSERT(err.kind == LS_ERR_INVALID && err.msg[0] != '\0');
		return;
	}
	FUZZ_ASSERT(w.model_len == strlen(w.model));
	FUZZ_ASSERT(w.n_rules >= 0 && w.n_rules <= LS_MAX_RULES);
	s = malloc(ls_intent_state_size(w.n_rules));
	s2 = malloc(ls_intent_state_size(w.n_rules));
	model = strdup(w.model);
	FUZZ_ASSERT(s != NULL && s2 != NULL && model != NULL);
	ls_intent_wire_fill(&w, s);

	size = ls_intent_wire_size(model, s->n_rules);
	FUZZ_ASSERT(size == len);
	out = malloc(size);
	FUZZ_ASSERT(out != NULL);
	if (!ls_intent_wire_encode(model, w.version, w.pending_from, s, out, size, &out_len, &err))
	{
		fprintf(stderr, "a decoded intent state does not encode: %s\n", err.msg);
		abort();
	}
	FUZZ_ASSERT(out_len == len && memcmp(out, bytes, len) == 0);
	FUZZ_ASSERT(ls_intent_wire_decode(out, out_len, &w2, &err));
	ls_intent_wire_fill(&w2, s2);
	FUZZ_ASSERT(strcmp(w2.model, model) == 0 && w2.version == w.version &&
				w2.pending_from == w.pending_from);
	FUZZ_ASSERT(s2->as_of == s->as_of && s2->newest == s->newest &&
				s2->n_events == s->n_events && s2->n_rules == s->n_rules);
	for (i = 0; i < s->n_rules; i++)
		FUZZ_ASSERT(same_double(s->sums[i], s2->sums[i]) && isfinite(s->sums[i]));
	free(out);
	free(model);
	free(s2);
	free(s);
}

static void
hist_round_trip(const uint8_t *bytes, size_t len)
{
	ls_hist_wire w;
	ls_hist_wire w2;
	ls_error	err;
	ls_arena	arena;
	ls_score_hist *h;
	const ls_hist_entry *e;
	size_t		n;
	size_t		size;
	size_t		out_len = 0;
	unsigned char *out;
	int64_t		i;

	if (!ls_hist_wire_decode(bytes, len, &w, &err))
	{
		FUZZ_ASSERT(err.kind == LS_ERR_INVALID && err.msg[0] != '\0');
		return;
	}
	ls_arena_init_malloc(&arena);
	h = ls_hist_new(&arena);
	FUZZ_ASSERT(h != NULL);
	FUZZ_ASSERT(ls_hist_wire_load(&w, h, &err));
	e = ls_hist_sorted(h, &n);
	FUZZ_ASSERT((int64_t) n == w.n);
	size = ls_hist_wire_size(n);
	FUZZ_ASSERT(size == len);
	out = malloc(size);
	FUZZ_ASSERT(out != NULL);
	if (!ls_hist_wire_encode(w.buckets, w.min_precision, w.has_extra, e, n, out, size,
							 &out_len, &err))
	{
		fprintf(stderr, "a decoded histogram does not encode: %s\n", err.msg);
		abort();
	}
	FUZZ_ASSERT(out_len == len && memcmp(out, bytes, len) == 0);
	FUZZ_ASSERT(ls_hist_wire_decode(out, out_len, &w2, &err));
	FUZZ_ASSERT(w2.buckets == w.buckets && same_double(w2.min_precision, w.min_precision) &&
				w2.has_extra == w.has_extra && w2.n == w.n);
	for (i = 0; i < w.n; i++)
	{
		ls_hist_entry a;
		ls_hist_entry b;

		ls_hist_wire_entry(&w, i, &a);
		ls_hist_wire_entry(&w2, i, &b);
		FUZZ_ASSERT(same_double(a.score, b.score) && a.pos == b.pos && a.neg == b.neg);
	}
	free(out);
	ls_arena_free(&arena);
}

/* A state from the input; whatever the encoder takes must decode. */
static void
encode_made_up(fuzz_input *in)
{
	uint8_t		buf[64 * 24 + 64];
	ls_error	err;
	size_t		len = 0;

	if (fuzz_u8(in) & 1)
	{
		int32_t		n = (int32_t) (fuzz_u8(in) % 9) - 1;
		ls_intent_state *s = malloc(ls_intent_state_size(n));
		char	   *model = fuzz_string(in, 20, NULL);
		int32_t		version = (int32_t) fuzz_u32(in);
		int64_t		pending = (int64_t) fuzz_u64(in);
		int			i;
		ls_intent_wire w;

		FUZZ_ASSERT(s != NULL);
		ls_intent_state_init(s, n, (int64_t) fuzz_u64(in));
		s->n_rules = n;			/* -1 included: the encoder must refuse it */
		s->newest = (fuzz_u8(in) & 1) ? LS_NO_TIME : (int64_t) fuzz_u64(in);
		s->n_events = (int64_t) fuzz_u64(in) % 1000;
		for (i = 0; i < n; i++)
			s->sums[i] = fuzz_number(in);
		if (ls_intent_wire_encode(model, version, pending, s, buf, sizeof(buf), &len, &err))
		{
			FUZZ_ASSERT(len == ls_intent_wire_size(model, n));
			if (!ls_intent_wire_decode(buf, len, &w, &err))
			{
				fprintf(stderr, "an encoded intent state does not decode: %s\n", err.msg);
				abort();
			}
		}
		free(model);
		free(s);
	}
	else
	{
		ls_hist_entry e[8];
		size_t		n = fuzz_u8(in) % 9;
		int32_t		buckets = (int32_t) (fuzz_u32(in) % 10003) - 1;
		double		minp = fuzz_number(in);
		bool		has_extra = fuzz_u8(in) & 1;
		size_t		i;
		ls_hist_wire w;

		for (i = 0; i < n; i++)
		{
			e[i].score = (i > 0 && (fuzz_u8(in) & 1)) ? e[i - 1].score + 1 : fuzz_number(in);
			e[i].pos = (int64_t) fuzz_u64(in) >> (fuzz_u8(in) % 64);
			e[i].neg = (int64_t) fuzz_u64(in) >> (fuzz_u8(in) % 64);
		}
		if (ls_hist_wire_encode(buckets, minp, has_extra, e, n, buf, sizeof(buf), &len, &err))
		{
			FUZZ_ASSERT(len == ls_hist_wire_size(n));
			if (!ls_hist_wire_decode(buf, len, &w, &err))
			{
				fprintf(stderr, "an encoded histogram does not decode: %s\n", err.msg);
				abort();
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_input	in;

	if (size == 0)
		return 0;
	if (data[0] < 128)
		intent_round_trip(data + 1, size - 1);
	else
		hist_round_trip(data + 1, size - 1);
	fuzz_init(&in, data, size);
	encode_made_up(&in);
	return 0;
}
