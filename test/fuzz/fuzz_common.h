/*
 * fuzz_common.h — what the libFuzzer targets share: reading typed values
 * off the input, and a failed invariant that libFuzzer reports as a crash.
 *
 * Targets free everything they allocate on every path, so LeakSanitizer
 * (on by default with -fsanitize=address) turns a leak into a finding too.
 */
#ifndef LS_FUZZ_COMMON_H
#define LS_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An invariant the target checks; abort() is a crash to libFuzzer. */
#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} } while (0)

/* The input, consumed from the front; reads past its end give zeros. */
typedef struct fuzz_input
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
} fuzz_input;

static inline void
fuzz_init(fuzz_input *in, const uint8_t *data, size_t size)
{
	in->data = data;
	in->size = size;
	in->pos = 0;
}

static inline size_t
fuzz_left(const fuzz_input *in)
{
	return in->size - in->pos;
}

static inline uint8_t
fuzz_u8(fuzz_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint32_t
fuzz_u32(fuzz_input *in)
{
	uint32_t	v = 0;
	int			i;

	for (i = 0; i < 4; i++)
		v = (v << 8) | fuzz_u8(in);
	return v;
}

static inline uint64_t
fuzz_u64(fuzz_input *in)
{
	return ((uint64_t) fuzz_u32(in) << 32) | fuzz_u32(in);
}

/* Any double, NaN and infinities included. */
static inline double
fuzz_double(fuzz_input *in)
{
	uint64_t	bits = fuzz_u64(in);
	double		d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* A double that is mostly "interesting": small integers, bounds, specials. */
static inline double
fuzz_number(fuzz_input *in)
{
	static const double specials[] = {
		0, -0.0, 1, -1, 0.5, 1e9, -1e9, 1e15, 1e308, -1e308, 5e-324,
		1.0 / 0.0, -1.0 / 0.0
	};
	uint8_t		k = fuzz_u8(in);

	if (k < 64)
		return (double) (int8_t) fuzz_u8(in);
	if (k < 128)
		return specials[k % (sizeof(specials) / sizeof(specials[0]))];
	if (k < 160)
		return __builtin_nan("");
	return fuzz_double(in);
}

/*
 * Up to max bytes of the input, as a malloc'd NUL-terminated string (the
 * length is in the first byte read); *len gets its length.
 */
static inline char *
fuzz_string(fuzz_input *in, size_t max, size_t *len)
{
	size_t		n = fuzz_u8(in);
	char	   *s;

	if (n > max)
		n = max;
	if (n > fuzz_left(in))
		n = fuzz_left(in);
	s = malloc(n + 1);
	if (s == NULL)
		abort();
	memcpy(s, in->data + in->pos, n);
	s[n] = '\0';
	in->pos += n;
	if (len != NULL)
		*len = n;
	return s;
}

#endif
