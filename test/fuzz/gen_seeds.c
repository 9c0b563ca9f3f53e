/*
 * gen_seeds.c — writes the binary seeds of the fuzz corpora:
 *
 *   gen_seeds DIR   (make fuzz-seeds: DIR is test/fuzz/corpus)
 *
 * DIR/fuzz_wire gets serialized intent and histogram states as the
 * aggregates produce them (built with the core's own encoders, behind the
 * selector byte fuzz_wire.c reads first); DIR/fuzz_intent_state gets byte
 * strings that fuzz_intent_state.c reads as a small valid model and sane
 * events, so the fuzzer starts inside the interesting region.  The text
 * seeds (documents, patterns, titles) are plain files next to them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "error.h"
#include "intent.h"
#include "score_hist.h"
#include "wire.h"

static void
write_seed(const char *dir, const char *name, unsigned char selector,
		   const void *bytes, size_t len)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
	{
		perror(path);
		exit(1);
	}
	if (selector != 0xff)
		fputc(selector, f);
	fwrite(bytes, 1, len, f);
	fclose(f);
}

static void
intent_seed(const char *dir, const char *name, const char *model, int n,
			int64_t as_of, int64_t newest, int64_t n_events, int64_t pending)
{
	ls_intent_state *s = malloc(ls_intent_state_size(n));
	unsigned char buf[4096];
	size_t		len;
	ls_error	err;
	int			i;

	ls_intent_state_init(s, n, as_of);
	s->newest = newest;
	s->n_events = n_events;
	for (i = 0; i < n; i++)
		s->sums[i] = (i % 3 == 0) ? 30.0 * pow(0.5, i) : -(double) i * 2.5;
	if (!ls_intent_wire_encode(model, 3, pending, s, buf, sizeof(buf), &len, &err))
	{
		fprintf(stderr, "%s: %s\n", name, err.msg);
		exit(1);
	}
	write_seed(dir, name, 0x00, buf, len);
	free(s);
}

static void
hist_seed(const char *dir, const char *name, int32_t buckets, double minp,
		  bool has_extra, int n)
{
	ls_hist_entry e[64];
	unsigned char buf[4096];
	size_t		len;
	ls_error	err;
	int			i;

	for (i = 0; i < n; i++)
	{
		e[i].score = -20 + i * 7.5;
		e[i].pos = i % 4;
		e[i].neg = 1 + i % 3;
	}
	if (!ls_hist_wire_encode(buckets, minp, has_extra, e, (size_t) n, buf, sizeof(buf),
							 &len, &err))
	{
		fprintf(stderr, "%s: %s\n", name, err.msg);
		exit(1);
	}
	write_seed(dir, name, 0x80, buf, len);
}

int
main(int argc, char **argv)
{
	char		wire[1024];
	char		intent[1024];
	/* 2024-06-01 as PostgreSQL microseconds since 2000-01-01 */
	const int64_t t = INT64_C(770428800000000);
	static const unsigned char intent_seeds[][40] = {
		/* n_rules, then per rule: event, points byte class, value, cap? ... */
		{3, 0, 10, 30, 1, 10, 60, 1, 20, 5, 0, 2, 10, 7, 0, 10, 1, 0, 1, 10, 5,
		 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1, 0, 2, 3, 4, 5, 6, 7, 8},
		{1, 0, 10, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	};
	size_t		i;

	if (argc != 2)
	{
		fprintf(stderr, "usage: gen_seeds CORPUS_DIR\n");
		return 2;
	}
	snprintf(wire, sizeof(wire), "%s/fuzz_wire", argv[1]);
	snprintf(intent, sizeof(intent), "%s/fuzz_intent_state", argv[1]);

	intent_seed(wire, "intent-empty", "b2b-saas", 0, t, LS_NO_TIME, 0, LS_NO_TIME);
	intent_seed(wire, "intent-four-rules", "b2b-saas", 4, t, t - 86400000000, 17, LS_NO_TIME);
	intent_seed(wire, "intent-pending", "m\xc3\xa9tier", 2, t, t - 1, 1, t + 3600000000);
	intent_seed(wire, "intent-negative-time", "x", 1, -t, -t - 5, 2, LS_NO_TIME);
	hist_seed(wire, "hist-empty", 0, NAN, false, 0);
	hist_seed(wire, "hist-calibration", 10, NAN, true, 12);
	hist_seed(wire, "hist-threshold", 0, 0.8, true, 5);
	hist_seed(wire, "hist-auc", 0, NAN, false, 40);

	for (i = 0; i < sizeof(intent_seeds) / sizeof(intent_seeds[0]); i++)
	{
		char		name[32];

		snprintf(name, sizeof(name), "model-%zu", i);
		write_seed(intent, name, 0xff, intent_seeds[i], sizeof(intent_seeds[i]));
	}
	return 0;
}
