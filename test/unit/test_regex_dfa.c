/*
 * test_regex_dfa.c — the cached-DFA matcher for the plain subset of
 * advanced regular expressions (regex_dfa.c).
 *
 * The answers below are what PostgreSQL's `text ~* pattern` gives; the
 * pg_regress test regex_rules checks the same agreement inside the server
 * on a few tens of thousands of pairs.
 */
#include <stdint.h>
#include <stdlib.h>

#include "regex_dfa.h"
#include "unit.h"

static ls_arena arena;

static void *
heap_chunk(size_t size, void *ctx)
{
	(void) ctx;
	return ls_arena_alloc(&arena, size);
}

static void *
no_chunk(size_t size, void *ctx)
{
	(void) size;
	(void) ctx;
	return NULL;
}

static ls_dfa_regex *
compile(const char *pattern)
{
	return ls_dfa_compile(pattern, &arena, heap_chunk, NULL);
}

static int
match(ls_dfa_regex *re, const char *text)
{
	return ls_dfa_match(re, text, strlen(text));
}

TEST(subset_accepted)
{
	static const char *ok[] = {
		"", "abc", "\\m(vp|svp|evp|vice president)\\M", "@[a-z0-9-]+\\.(com|io|ai|net)$",
		"^head of", "[^@]+@[^@]+", "\\d+\\s\\w*\\W?\\D\\S", "(?:vice|vp) ?pres", "a+?b*?c??",
		"[]x]", "[a-]", "[-a]", "[^]a]", "\\y\\Y\\A\\Z", "a|", "(|a)", "\\.\\$\\(\\*", "x(y(z)+)*",
		NULL
	};
	static const char *not_ok[] = {
		"a{2}", "[[:alpha:]]", "(a)\\1", "\\t", "\\b", "(?=a)", "(?i)a", "***=a", "*a",
		"a**", "^*", "\\m+", "[a\\]]", "[z-a]", "[a-Z]", "[!-/]", "[a-c-e]", "(a", "a)",
		"caf\xc3\xa9", "[\xc3\xa9]", "a}", "\\", "[abc", "\\x41", NULL
	};
	const char *const *p;

	for (p = ok; *p != NULL; p++)
		if (compile(*p) == NULL)
		{
			printf("#   refused: %s\n", *p);
			unit_current_failed = 1;
		}
	for (p = not_ok; *p != NULL; p++)
		if (compile(*p) != NULL)
		{
			printf("#   accepted: %s\n", *p);
			unit_current_failed = 1;
		}
}

typedef struct re_case
{
	const char *pattern;
	const char *text;
	int			want;
} re_case;

TEST(answers)
{
	static const re_case cases[] = {
		{"\\m(vp|chief)\\M", "VP Sales", 1},
		{"\\m(vp|chief)\\M", "SVP Sales", 0},
		{"\\m(vp|chief)\\M", "vpn admin", 0},
		{"\\m(vp|chief)\\M", "Chief of Staff", 1},
		{"\\m(vp|chief)\\M", "co-chief", 1},
		{"\\m(vp|chief)\\M", "under_chief", 0},		/* _ is a word character */
		{"@[a-z0-9-]+\\.(com|io|ai|net)$", "john@ACME.com", 1},
		{"@[a-z0-9-]+\\.(com|io|ai|net)$", "john@acme.co.uk", 0},
		{"@[a-z0-9-]+\\.(com|io|ai|net)$", "john@a.b.com", 0},	/* no @ before b.com */
		{"@[a-z0-9-]+\\.(com|io|ai|net)$", "john@acme.comx", 0},
		{"^head of", "Head Of Sales", 1},
		{"^head of", "Sub-head of sales", 0},
		{"manager$", "Manager, EMEA", 0},
		{"", "anything", 1},
		{"", "", 1},
		{"^$", "", 1},
		{"^$", " ", 0},
		{"a|", "zzz", 1},
		{"x*", "", 1},
		{"^x+$", "XxX", 1},
		{"^x+$", "xxy", 0},
		{"\\yit\\y", "IT manager", 1},
		{"\\yit\\y", "items", 0},
		{"\\Yt\\Y", "items", 1},
		{"\\Yt\\Y", "t", 0},
		{"\\Aceo\\Z", "CEO", 1},
		{"\\Aceo\\Z", "CEO ", 0},
		{"[^a-z ]", "abc def", 0},
		{"[^a-z ]", "ABC DEF", 0},			/* the negation folds too */
		{"[^a-z ]", "abc-def", 1},
		{"[A-C]x", "bX", 1},
		{"\\d+", "room 12", 1},
		{"\\D\\d", "12", 0},
		{"\\s", "a\tb", 1},
		{"\\S+\\s\\S+", "ab", 0},
		{"\\w+@\\w+", "a_b@c", 1},
		{"\\W", "abc_123", 0},
		{"v\\.?p\\.?", "V.P.", 1},
		{"(?:vice|vp) ?pres", "Vice President", 1},
		{"[]x]", "]", 1},
		{"[a-]", "-", 1},
		{"a+?b", "aab", 1},
		{".", "\n", 1},
		{"(ab|a)(bc|c)", "abc", 1},
		{"(a|b)*c", "ababab", 0},
		{"\\$", "$5", 1},
		{"\\m", "  ", 0},
		{"\\M", "a", 1},
		{"o$|^c", "cat", 1},
		{"o$|^c", "act", 0},
		{NULL, NULL, 0}
	};
	const re_case *c;

	for (c = cases; c->pattern != NULL; c++)
	{
		ls_dfa_regex *re = compile(c->pattern);
		int			got;
		int			round;

		if (re == NULL)
		{
			printf("#   refused: %s\n", c->pattern);
			unit_current_failed = 1;
			continue;
		}
		/* twice: built states, then cached ones */
		for (round = 0; round < 2; round++)
		{
			got = match(re, c->text);
			if (got != c->want)
			{
				printf("#   /%s/ on \"%s\" (round %d): got %d, want %d\n",
					   c->pattern, c->text, round, got, c->want);
				unit_current_failed = 1;
			}
		}
	}
}

TEST(non_ascii_left_to_the_host)
{
	ls_dfa_regex *re = compile("manager");

	CHECK(re != NULL);
	if (re == NULL)
		return;
	CHECK(match(re, "Général manager") == LS_DFA_UNKNOWN);
	CHECK(match(re, "general manager") == LS_DFA_MATCH);
}

TEST(states_are_kept)
{
	ls_dfa_regex *re = compile("@[a-z0-9-]+\\.(com|io|ai|net)$");
	char		email[64];
	int			i;
	int			after_warmup = 0;

	CHECK(re != NULL);
	if (re == NULL)
		return;
	for (i = 0; i < 20000; i++)
	{
		static const char *tld[] = {"com", "io", "fr", "co.uk", "net", "ai"};

		snprintf(email, sizeof(email), "user%d@host-%d.%s", i, i % 97, tld[i % 6]);
		CHECK(match(re, email) == (i % 6 == 2 || i % 6 == 3 ? LS_DFA_NO_MATCH : LS_DFA_MATCH));
		if (i == 1000)
			after_warmup = ls_dfa_states(re);
	}
	/* no new states after the first thousand addresses, never emptied */
	CHECK(ls_dfa_states(re) == after_warmup);
	CHECK(ls_dfa_flushes(re) == 0);
}

/*
 * (a|b)*a(a|b){9}: the DFA needs a state per 10-letter window, more than
 * the cache holds.  It may answer UNKNOWN (the host's engine then runs),
 * never wrongly; it empties its cache, then stands aside for good.
 */
TEST(state_blowup)
{
	ls_dfa_regex *re = compile("(a|b)*a(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)");
	uint64_t	x = 88172645463325252ULL;
	int			i;
	int			wrong = 0;
	int			unknown = 0;

	CHECK(re != NULL);
	if (re == NULL)
		return;
	for (i = 0; i < 30000; i++)
	{
		char		text[41];
		int			k;
		int			want = 0;
		int			got;

		for (k = 0; k < 40; k++)
		{
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			text[k] = (x & 1) ? 'a' : 'b';
		}
		text[40] = '\0';
		for (k = 0; k + 10 <= 40; k++)
			if (text[k] == 'a')
				want = 1;
		got = match(re, text);
		if (got == LS_DFA_UNKNOWN)
			unknown++;
		else if (got != want)
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(unknown > 0);
	CHECK(ls_dfa_flushes(re) > 0);
	CHECK(match(re, "ab") == LS_DFA_UNKNOWN);	/* stood aside */
}

TEST(no_memory)
{
	ls_dfa_regex *re = ls_dfa_compile("abc", &arena, no_chunk, NULL);

	CHECK(re != NULL);
	if (re == NULL)
		return;
	CHECK(match(re, "xabcx") == LS_DFA_UNKNOWN);
	CHECK(match(re, "xabcx") == LS_DFA_UNKNOWN);
}

int
main(void)
{
	ls_arena_init_malloc(&arena);
	RUN(subset_accepted);
	RUN(answers);
	RUN(non_ascii_left_to_the_host);
	RUN(states_are_kept);
	RUN(state_blowup);
	RUN(no_memory);
	ls_arena_free(&arena);
	return UNIT_DONE();
}
