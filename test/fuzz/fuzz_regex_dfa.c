/*
 * fuzz_regex_dfa.c — the cached regex DFA (regex_dfa.c) and the core's
 * regex precheck (ls_regex_precheck) on arbitrary patterns and texts.
 *
 * Input: the pattern, a NUL, then texts separated by NULs.  Checked:
 *   - the precheck never fails without a message;
 *   - what the DFA compiles the precheck accepts (the DFA's subset is
 *     valid PostgreSQL syntax, so a refusal there would be the precheck
 *     refusing a valid pattern);
 *   - matching a text twice gives the same answer (the cache); a text
 *     with a byte >= 0x80 never gets a "no", and a "yes" only when its
 *     ASCII prefix has the match; a cache that ran out of memory says
 *     UNKNOWN rather than something wrong;
 *   - where the DFA answers, glibc's POSIX engine, given the pattern
 *     translated to an ERE (\m -> \<, \d -> [[:digit:]], ...), agrees: the
 *     subset means the same in both, case-insensitively, on ASCII.
 */
#include <regex.h>

#include "fuzz_common.h"

#include "arena.h"
#include "model.h"
#include "regex_dfa.h"

#define MAX_TEXTS 8
#define MAX_GLIBC_PATTERN 256

static void *
chunk(size_t size, void *ctx)
{
	return ls_arena_alloc((ls_arena *) ctx, size);
}

/*
 * The DFA's subset as a POSIX ERE, into out (4 * len + 1 bytes at least
 * per character); false when the pattern has anything the translation does
 * not cover.
 */
static bool
to_ere(const char *p, char *out, size_t outlen)
{
	size_t		o = 0;

#define EMIT(str) do { const char *s_ = (str); size_t n_ = strlen(s_); \
		if (o + n_ + 1 > outlen) return false; memcpy(out + o, s_, n_); o += n_; } while (0)

	while (*p)
	{
		char		one[3] = {0, 0, 0};

		if (p[0] == '(' && p[1] == '?' && p[2] == ':')
		{
			EMIT("(");
			p += 3;
		}
		else if (*p == '[')
		{
			/* the subset's brackets: plain characters and ranges, as in POSIX */
			const char *close = p + 1;

			if (*close == '^')
				close++;
			if (*close == ']')
				close++;
			close = strchr(close, ']');
			if (close == NULL || close - p > 100)
				return false;
			while (p <= close)
			{
				one[0] = *p++;
				EMIT(one);
			}
		}
		else if (*p == '\\')
		{
			char		c = p[1];

			p += 2;
			switch (c)
			{
				case 'm':
					EMIT("\\<");
					break;
				case 'M':
					EMIT("\\>");
					break;
				case 'y':
					EMIT("\\b");
					break;
				case 'Y':
					EMIT("\\B");
					break;
				case 'A':
					EMIT("^");
					break;
				case 'Z':
					EMIT("$");
					break;
				case 'd':
					EMIT("[[:digit:]]");
					break;
				case 'D':
					EMIT("[^[:digit:]]");
					break;
				case 's':
					EMIT("[[:space:]]");
					break;
				case 'S':
					EMIT("[^[:space:]]");
					break;
				case 'w':
					EMIT("[[:alnum:]_]");
					break;
				case 'W':
					EMIT("[^[:alnum:]_]");
					break;
				default:
					/* punctuation is itself; glibc gives \< \> \' \` meanings */
					if (c == '\0' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
						(c >= '0' && c <= '9'))
						return false;
					if (c == '<' || c == '>' || c == '\'' || c == '`')
					{
						char		br[4] = {'[', c, ']', 0};

						EMIT(br);
					}
					else
					{
						char		esc[3] = {'\\', c, 0};

						EMIT(esc);
					}
					break;
			}
		}
		else if ((*p == '*' || *p == '+' || *p == '?') && p[1] == '?')
		{
			/* non-greedy: whether there is a match does not change */
			one[0] = *p;
			EMIT(one);
			p += 2;
		}
		else
		{
			one[0] = *p++;
			EMIT(one);
		}
	}
	out[o] = '\0';
	return true;
#undef EMIT
}

static bool
ascii_text(const char *t, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		if ((unsigned char) t[i] >= 0x80)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf = malloc(size + 1);
	const char *pattern = buf;
	const char *texts[MAX_TEXTS];
	size_t		lens[MAX_TEXTS];
	int			n_texts = 0;
	size_t		plen;
	char		errbuf[256];
	bool		pre_ok;
	ls_arena	arena;
	ls_arena	states;
	ls_dfa_regex *re;
	regex_t		posix;
	bool		have_posix = false;
	int			i;

	FUZZ_ASSERT(buf != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	plen = strlen(pattern);
	if (plen < size)
	{
		const char *t = buf + plen + 1;
		const char *end = buf + size;

		while (t <= end && n_texts < MAX_TEXTS)
		{
			size_t		n = strlen(t);

			texts[n_texts] = t;
			lens[n_texts++] = n;
			t += n + 1;
		}
	}

	errbuf[0] = '\0';
	pre_ok = ls_regex_precheck(pattern, errbuf, sizeof(errbuf));
	FUZZ_ASSERT(pre_ok || errbuf[0] != '\0');

	ls_arena_init_malloc(&arena);
	ls_arena_init_malloc(&states);
	/* every fourth pattern gets a tight budget: the cache must degrade, not fail */
	if (plen % 4 == 3)
		states.limit = 4096 + plen * 64;
	re = ls_dfa_compile(pattern, &arena, chunk, &states);
	/*
	 * A pattern the DFA takes must pass the precheck, unless the precheck
	 * refuses it for its cost ("too complex": nesting, written-out bounds),
	 * which is a limit of its own, stricter than the DFA's on purpose.
	 */
	if (re != NULL && plen <= LS_MAX_PATTERN && !pre_ok &&
		strncmp(errbuf, "too complex", 11) != 0)
	{
		fprintf(stderr, "the DFA compiles \"%s\" but the precheck refuses it: %s\n",
				pattern, errbuf);
		abort();
	}

	if (re != NULL && pre_ok && plen <= MAX_GLIBC_PATTERN)
	{
		char		ere[MAX_GLIBC_PATTERN * 16];

		if (to_ere(pattern, ere, sizeof(ere)))
			have_posix = regcomp(&posix, ere, REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0;
	}

	for (i = 0; re != NULL && i < n_texts; i++)
	{
		int			first = ls_dfa_match(re, texts[i], lens[i]);
		int			again = ls_dfa_match(re, texts[i], lens[i]);

		FUZZ_ASSERT(first == LS_DFA_MATCH || first == LS_DFA_NO_MATCH || first == LS_DFA_UNKNOWN);
		if (!ascii_text(texts[i], lens[i]))
		{
			/*
			 * A match may end before the first byte >= 0x80 (it depends on
			 * ASCII only, and the ASCII prefix has it too); a "no" would
			 * need the whole text.
			 */
			size_t		k = 0;

			FUZZ_ASSERT(first != LS_DFA_NO_MATCH);
			while ((unsigned char) texts[i][k] < 0x80)
				k++;
			if (first == LS_DFA_MATCH)
				FUZZ_ASSERT(ls_dfa_match(re, texts[i], k) != LS_DFA_NO_MATCH);
			continue;
		}
		if (first != LS_DFA_UNKNOWN && again != LS_DFA_UNKNOWN)
			FUZZ_ASSERT(first == again);
		/*
		 * glibc is no oracle for an anchor after a newline: it takes
		 * "[^@]^" to match "\n", PostgreSQL (whose answers the DFA gives)
		 * does not (found by the 600-s run; regex_rules tests against ~*).
		 */
		if (have_posix && first != LS_DFA_UNKNOWN && memchr(texts[i], '\n', lens[i]) == NULL)
		{
			bool		posix_match = regexec(&posix, texts[i], 0, NULL, 0) == 0;

			if (posix_match != (first == LS_DFA_MATCH))
			{
				fprintf(stderr, "pattern \"%s\" text \"%s\": DFA %s, glibc %s\n",
						pattern, texts[i], first == LS_DFA_MATCH ? "matches" : "does not",
						posix_match ? "matches" : "does not");
				abort();
			}
		}
	}
	if (re != NULL)
		FUZZ_ASSERT(ls_dfa_states(re) >= 0 && ls_dfa_flushes(re) >= 0);
	if (have_posix)
		regfree(&posix);
	ls_arena_free(&states);
	ls_arena_free(&arena);
	free(buf);
	return 0;
}
