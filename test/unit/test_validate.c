/*
 * test_validate.c — the validator's bounds: what the catalog's CHECK
 * constraints would refuse, numbers that could add up to infinity,
 * durations the catalog cannot hold, and regexes that are invalid in
 * PostgreSQL or costly to compile (ls_regex_precheck).
 *
 * Each refusal must be LS_ERR_INVALID (SQLSTATE 22023) with a JSON path,
 * never left to a CHECK (23514) or to the host's regex engine.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "arena.h"
#include "error.h"
#include "model.h"
#include "model_json.h"

/* ' -> " (malloc'd) */
static char *
jdoc(const char *s)
{
	char	   *d = strdup(s);
	char	   *p;

	for (p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static void
check_doc(int line, const char *sdoc, bool valid, const char *message)
{
	char	   *doc = jdoc(sdoc);
	ls_arena	arena;
	ls_error	err;
	ls_model   *m = NULL;
	bool		ok;

	ls_arena_init_malloc(&arena);
	ok = ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err);
	if (valid && !ok)
	{
		printf("#   line %d: refused: %s\n", line, err.msg);
		unit_current_failed = 1;
	}
	else if (!valid && ok)
	{
		printf("#   line %d: accepted, expected \"%s\"\n", line, message);
		unit_current_failed = 1;
	}
	else if (!valid && (err.kind != LS_ERR_INVALID || strcmp(err.msg, message) != 0))
	{
		printf("#   line %d: got kind %d \"%s\"\n#   expected kind %d \"%s\"\n",
			   line, (int) err.kind, err.msg, (int) LS_ERR_INVALID, message);
		unit_current_failed = 1;
	}
	ls_arena_free(&arena);
	free(doc);
}

#define VALID(doc) check_doc(__LINE__, doc, true, NULL)
#define REFUSED(doc, message) check_doc(__LINE__, doc, false, message)

#define FITDOC(rule) "{'name': 'm', 'fit': {'rules': [" rule "]}}"
#define INTENTDOC(rule) "{'name': 'm', 'intent': {'rules': [" rule "]}}"
#define POINTS(p) FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'exists', 'points': " p "}")
#define REGEX(p) FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'regex', 'value': '" p "', 'points': 1}")

TEST(half_life_bounds)
{
	/* the catalog: half_life > interval '0' */
	REFUSED("{'name': 'x', 'intent': {'half_life': '0 days'}}",
			"intent.half_life: expected a positive duration (or null for no decay)");
	REFUSED("{'name': 'x', 'intent': {'half_life': '0'}}",
			"intent.half_life: expected a positive duration (or null for no decay)");
	/* stored as whole microseconds: rounds to 0 */
	REFUSED("{'name': 'x', 'intent': {'half_life': '0.0000004 seconds'}}",
			"intent.half_life: is too short (the least is 1 microsecond)");
	VALID("{'name': 'x', 'intent': {'half_life': '0.000001 seconds'}}");
	/* int64 microseconds */
	REFUSED("{'name': 'x', 'intent': {'half_life': '1e300 days'}}",
			"intent.half_life: is too long (the limit is 100000000 days)");
	REFUSED("{'name': 'x', 'intent': {'half_life': '9223372036854.776 seconds'}}",
			"intent.half_life: is too long (the limit is 100000000 days)");
	REFUSED("{'name': 'x', 'intent': {'half_life': '100000001 days'}}",
			"intent.half_life: is too long (the limit is 100000000 days)");
	VALID("{'name': 'x', 'intent': {'half_life': '100000000 days'}}");
	VALID("{'name': 'x', 'intent': {'half_life': null}}");
}

TEST(sla_and_inactivity_bounds)
{
	REFUSED("{'name': 'm', 'alerts': {'sla': {'nurture': '0.5 seconds'}}}",
			"alerts.sla.nurture: is too short (the least is 1 second)");
	REFUSED("{'name': 'm', 'alerts': {'sla': {'route_to_sales': '1e-9 seconds'}}}",
			"alerts.sla.route_to_sales: is too short (the least is 1 second)");
	REFUSED("{'name': 'm', 'alerts': {'sla': {'deprioritize': '100000001 days'}}}",
			"alerts.sla.deprioritize: is too long (the limit is 100000000 days)");
	VALID("{'name': 'm', 'alerts': {'sla': {'nurture': '1 second', 'manual_review': '100000000 days'}}}");
	REFUSED("{'name': 'x', 'intent': {'inactivity': {'days': 1e9, 'points': -5}}}",
			"intent.inactivity.days: expected a number of days greater than 0 and at most 100000000");
	REFUSED("{'name': 'x', 'intent': {'inactivity': {'days': 30, 'points': -1e10}}}",
			"intent.inactivity.points: expected a number between -1000000000 and 1000000000, not -10000000000");
	VALID("{'name': 'x', 'intent': {'inactivity': {'days': 100000000, 'points': -1000000000}}}");
}

TEST(points_bounds)
{
	VALID(POINTS("1000000000"));
	VALID(POINTS("-1e9"));
	REFUSED(POINTS("1000000000.5"),
			"fit.rules[0].points: expected a number between -1000000000 and 1000000000, not 1000000000.5");
	REFUSED(POINTS("-1e308"),
			"fit.rules[0].points: expected a number between -1000000000 and 1000000000, not -1e+308");
	REFUSED(POINTS("1e999"), "fit.rules[0].points: expected a finite number");

	/* two rules of 1e308 points used to give a fit of Infinity */
	REFUSED(FITDOC("{'name': 'a', 'attribute': 'a', 'op': 'exists', 'points': 1e308},"
				   "{'name': 'b', 'attribute': 'a', 'op': 'exists', 'points': 1e308}"),
			"fit.rules[0].points: expected a number between -1000000000 and 1000000000, not 1e+308");

	REFUSED(INTENTDOC("{'name': 'r', 'event': 'e', 'points': 2e9}"),
			"intent.rules[0].points: expected a number between -1000000000 and 1000000000, not 2000000000");
	REFUSED(INTENTDOC("{'name': 'r', 'event': 'e', 'points': 5, 'cap': 1e10}"),
			"intent.rules[0].cap: expected a number between -1000000000 and 1000000000, not 10000000000");
	VALID(INTENTDOC("{'name': 'r', 'event': 'e', 'points': 5, 'cap': 1e9}"));
}

TEST(weights_and_thresholds_bounds)
{
	REFUSED("{'name': 'x', 'weights': {'fit': 1e7}}",
			"weights.fit: expected a number between -1000000 and 1000000, not 10000000");
	REFUSED("{'name': 'x', 'weights': {'intent': -2e6}}",
			"weights.intent: expected a number between -1000000 and 1000000, not -2000000");
	VALID("{'name': 'x', 'weights': {'fit': 1e6, 'intent': -1e6}}");
	REFUSED("{'name': 'x', 'thresholds': {'mql': 1, 'sql': 1e16}}",
			"thresholds.sql: expected a number between -1e+15 and 1e+15, not 1e+16");
	REFUSED("{'name': 'x', 'thresholds': {'mql': -1e300}}",
			"thresholds.mql: expected a number between -1e+15 and 1e+15, not -1e+300");
	REFUSED("{'name': 'x', 'routing': {'fit_high': 2e15}}",
			"routing.fit_high: expected a number between -1e+15 and 1e+15, not 2e+15");
	REFUSED("{'name': 'x', 'routing': {'intent_high': -2e15}}",
			"routing.intent_high: expected a number between -1e+15 and 1e+15, not -2e+15");
	REFUSED("{'name': 'x', 'fit': {'grades': {'A': 1e20, 'B': 1}}}",
			"fit.grades.A: expected a number between -1e+15 and 1e+15, not 1e+20");
	VALID("{'name': 'x', 'thresholds': {'mql': -1e15, 'sql': 1e15}, 'fit': {'grades': {'A': 1e15}}}");
	/* values compared with data stay unbounded: revenue may be large */
	VALID(FITDOC("{'name': 'r', 'attribute': 'revenue', 'op': 'gt', 'value': 1e300, 'points': 1}"));
}

TEST(control_characters_in_names)
{
	/* the model table: name !~ '[[:cntrl:]]', length 1..200 */
	REFUSED("{'name': 'a\\u0007b'}",
			"name: must not contain control or format characters (U+0007 at byte 1)");
	REFUSED("{'name': 'ab\\u007f'}",
			"name: must not contain control or format characters (U+007F at byte 2)");
	REFUSED("{'name': '\\u0085x'}",
			"name: must not contain control or format characters (U+0085 at byte 0)");
	REFUSED("{'name': 'x\\u2028'}",
			"name: must not contain control or format characters (U+2028 at byte 1)");
	REFUSED("{'name': 'caf\\u00e9\\u202egpj.exe'}",
			"name: must not contain control or format characters (U+202E at byte 5)");
	REFUSED("{'name': 'x\\u200b'}",
			"name: must not contain control or format characters (U+200B at byte 1)");
	REFUSED("{'name': 'tag\\udb40\\udc41'}",
			"name: must not contain control or format characters (U+E0041 at byte 3)");
	VALID("{'name': 'caf\\u00e9 \\u2014 \\ud83d\\ude00'}");

	/* rules, events, groups, grades: control characters only */
	REFUSED(FITDOC("{'name': 'line\\nbreak', 'attribute': 'a', 'op': 'exists', 'points': 1}"),
			"fit.rules[0].name: must not contain control characters (U+000A at byte 4)");
	REFUSED(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'exists', 'points': 1, 'group': 'g\\t'}"),
			"fit.rules[0].group: must not contain control characters (U+0009 at byte 1)");
	REFUSED(INTENTDOC("{'name': 'r', 'event': 'page\\u0001view', 'points': 1}"),
			"intent.rules[0].event: must not contain control characters (U+0001 at byte 4)");
	REFUSED("{'name': 'x', 'fit': {'grades': {'A\\u009b': 80}}}",
			"fit.grades: must not contain control characters (U+009B at byte 1)");
	VALID(FITDOC("{'name': 'r\\u200d', 'attribute': 'a', 'op': 'exists', 'points': 1}"));
}

/* ---------------------------------------------------------------------
 * Regex precheck
 * ---------------------------------------------------------------------
 */

static void
check_pattern(int line, const char *pattern, const char *message)
{
	char		errbuf[256];
	bool		ok = ls_regex_precheck(pattern, errbuf, sizeof(errbuf));

	if (message == NULL && !ok)
	{
		printf("#   line %d: \"%s\" refused: %s\n", line, pattern, errbuf);
		unit_current_failed = 1;
	}
	else if (message != NULL && ok)
	{
		printf("#   line %d: \"%s\" accepted, expected \"%s\"\n", line, pattern, message);
		unit_current_failed = 1;
	}
	else if (message != NULL && strcmp(errbuf, message) != 0)
	{
		printf("#   line %d: \"%s\": got \"%s\", expected \"%s\"\n", line, pattern,
			   errbuf, message);
		unit_current_failed = 1;
	}
}

#define PATTERN_OK(p) check_pattern(__LINE__, p, NULL)
#define PATTERN_BAD(p, message) check_pattern(__LINE__, p, message)

#define BADRPT "quantifier operand invalid"
#define BADBR "invalid repetition count(s)"

TEST(regex_precheck_accepts)
{
	/* every pattern of the regex_rules regression test */
	static const char *const regress[] = {
		"\\m(vp|svp|evp|vice president)\\M",
		"\\m(ceo|cto|cfo|coo|cio|cmo|chief|founder|co-founder|owner|president)\\M",
		"\\m(intern|internship|trainee|apprentice)\\M",
		"@[a-z0-9-]+\\.(com|io|ai|net)$", "(\\.co\\.uk|\\.com)$", "\\.com$",
		"^head of", "manager$", "^$", "", "a|", "(x|)y", "x*", "^x+$",
		"\\yit\\y", "\\Yit\\Y", "\\mit", "it\\M", "\\Aceo\\Z", "^(ceo)?$", "c[eft]o",
		"[^a-z ]", "[^@]+@[^@]+", "\\d+", "\\D\\d", "\\s", "\\S+\\s\\S+", "\\w+@\\w+", "\\W",
		"v\\.?p\\.?", "sr\\.? (director|manager)", "dir.*of", "head.+sales", "(?:vice|vp) ?pres",
		"[]x]", "[a-]", "[-a]", "[A-C]x", "[^A-C]x", "a+?b", "a*?c", ".", "ceo\\y", "_\\w",
		"\\m", "\\M", "\\y", "\\Y", "o$|^c", "^|$", "a.c", "(a|b)*c", "(ab|a)(bc|c)",
		"\\ma", "b\\M", "\\yx", "\\Yb", "^a", "c$", "[^ab]c", "[a-c]+x", "x?y",
		"\\w\\W\\w", "a_b", "\\.", "@-", "(a|ab)(c|bcd)(d*)", "((a|b)|c)+x", "\\$", "\\(",
		"[0-9]{2}", "[[:digit:]]x", "(a)\\1", "\\t", "\xc3\xa9" "cole", "(?=a)b", "(?i)x", "\\bx",
		"(a|b)*a(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)", "***=a.c", "[.]", "\\*",
	};
	size_t		i;

	for (i = 0; i < sizeof(regress) / sizeof(regress[0]); i++)
		PATTERN_OK(regress[i]);

	/* the non-greedy forms are one quantifier each */
	PATTERN_OK("a+?");
	PATTERN_OK("a*?");
	PATTERN_OK("a??");
	PATTERN_OK("a{2,3}?");
	PATTERN_OK("a{2}?b{1,}?");
	PATTERN_OK("x{255}");
	PATTERN_OK("x{0,255}");
	PATTERN_OK("(\\d{1,3}\\.){3}\\d{1,3}");
	PATTERN_OK("^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$");
	/* "{" that starts no bound is a character */
	PATTERN_OK("a{");
	PATTERN_OK("a{x}");
	PATTERN_OK("{");
	PATTERN_OK("a{,3}");
	/* escapes that swallow what follows */
	PATTERN_OK("\\c**");
	PATTERN_OK("[\\]]+");
	PATTERN_OK("[[:alpha:]_]+");
	PATTERN_OK("[[.hyphen.]]*");
	PATTERN_OK("[[:<:]]ceo[[:>:]]");
	PATTERN_OK("a(?#comment)*");
	PATTERN_OK("(?<=a)b");
	PATTERN_OK("(?<!a)b");
	PATTERN_OK("(?!x)y");
	PATTERN_OK("()*");
	PATTERN_OK("((((a+)+)+)+)+");
	/* directors and embedded options */
	PATTERN_OK("***:a+");
	PATTERN_OK("***=a++");
	PATTERN_OK("(?q)a++**");
	PATTERN_OK("(?x) a + # one or more a\n b");
	PATTERN_OK("(?x)a{ 2 , 3 }");
	PATTERN_OK("(?e)a{2}(b|c)+");
	PATTERN_OK("(?e)a\\d");
	PATTERN_OK("(?b)*a");
	PATTERN_OK("(?b)a\\{2\\}");
	PATTERN_OK("(?b)a\\{,2\\}");
	PATTERN_OK("(?b)\\(a*\\)*");
	PATTERN_OK("(?b)\\(*a\\)");
	PATTERN_OK("(?b)^*a");
	PATTERN_OK("(?b)a|b+?");
	PATTERN_OK("(?b)a$b");
	PATTERN_OK("(?b)a)");
	PATTERN_OK("(?e)a)");
	PATTERN_OK("(?qb)a\\{2\\}");
}

TEST(regex_precheck_refuses)
{
	char		big[LS_MAX_PATTERN + 2];
	char		deep[3 * (LS_MAX_PATTERN_DEPTH + 1) + 2];
	char		buf[512];
	int			i;

	/* consecutive quantifiers: PostgreSQL refuses them, glibc explodes */
	PATTERN_BAD("a++", BADRPT);
	PATTERN_BAD("a**", BADRPT);
	PATTERN_BAD("a+*", BADRPT);
	PATTERN_BAD("a*+", BADRPT);
	PATTERN_BAD("a?*", BADRPT);
	PATTERN_BAD("a???", BADRPT);
	PATTERN_BAD("a+??", BADRPT);
	PATTERN_BAD("a{2}{3}", BADRPT);
	PATTERN_BAD("a{2}*", BADRPT);
	PATTERN_BAD("a*{2}", BADRPT);
	PATTERN_BAD("a{2}??", BADRPT);
	PATTERN_BAD("(?x)a+ ?", BADRPT);
	PATTERN_BAD("(?x)a+ # c\n+", BADRPT);
	/* a quantifier with nothing to repeat */
	PATTERN_BAD("*a", BADRPT);
	PATTERN_BAD("+", BADRPT);
	PATTERN_BAD("(*a)", BADRPT);
	PATTERN_BAD("a|*b", BADRPT);
	PATTERN_BAD("{1}", BADRPT);
	PATTERN_BAD("^*", BADRPT);
	PATTERN_BAD("a$+", BADRPT);
	PATTERN_BAD("\\m+", BADRPT);
	PATTERN_BAD("x\\y?", BADRPT);
	PATTERN_BAD("(?=a)*", BADRPT);
	PATTERN_BAD("[[:<:]]*", BADRPT);
	PATTERN_BAD("a(?i)", BADRPT);
	PATTERN_BAD("(?", BADRPT);
	PATTERN_BAD("***", BADRPT);
	PATTERN_BAD("***x", BADRPT);
	PATTERN_BAD("(?e)a+?", BADRPT);
	PATTERN_BAD("(?e)(?:a)", BADRPT);
	PATTERN_BAD("(?b)a**", BADRPT);
	PATTERN_BAD("(?b)\\{1\\}", BADRPT);
	PATTERN_BAD("(?b)a\\{1\\}*", BADRPT);
	/* bounds: at most 255 (DUPMAX), m <= n, well-formed */
	PATTERN_BAD("a{256}", BADBR);
	PATTERN_BAD("a{1,256}", BADBR);
	PATTERN_BAD("a{99999999999999999999}", BADBR);
	PATTERN_BAD("a{3,2}", BADBR);
	PATTERN_BAD("a{1x}", BADBR);
	PATTERN_BAD("a{1,2,3}", BADBR);
	PATTERN_BAD("a{1", "braces {} not balanced");
	PATTERN_BAD("a{1,", "braces {} not balanced");
	PATTERN_BAD("(?b)a\\{256\\}", BADBR);
	PATTERN_BAD("(?b)a\\{1}", BADBR);
	/* structure, in PostgreSQL's words */
	PATTERN_BAD("(abc", "parentheses () not balanced");
	PATTERN_BAD("a)", "parentheses () not balanced");
	PATTERN_BAD("(?b)\\(a", "parentheses () not balanced");
	PATTERN_BAD("(?b)a\\)", "parentheses () not balanced");
	PATTERN_BAD("[abc", "brackets [] not balanced");
	PATTERN_BAD("[]", "brackets [] not balanced");
	PATTERN_BAD("[[:alpha:", "brackets [] not balanced");
	PATTERN_BAD("a\\", "invalid escape \\ sequence");
	PATTERN_BAD("\\c", "invalid escape \\ sequence");
	PATTERN_BAD("(?z)a", "invalid embedded option");
	PATTERN_BAD("(?i", "invalid embedded option");
	PATTERN_BAD("***?", "invalid regexp (reg version 0.8)");

	/* the 35-byte pattern that took glibc's regcomp to 20 GB */
	memcpy(buf, "(zz\\", 4);
	memset(buf + 4, '+', 30);
	memcpy(buf + 34, ")", 2);
	CHECK(strlen(buf) == 35);
	PATTERN_BAD(buf, BADRPT);

	/* cost: length, nesting, atoms with bounds written out */
	memset(big, 'a', LS_MAX_PATTERN + 1);
	big[LS_MAX_PATTERN + 1] = '\0';
	PATTERN_BAD(big, "too long (1001 bytes; the limit is 1000)");
	big[LS_MAX_PATTERN] = '\0';
	PATTERN_OK(big);

	for (i = 0; i <= LS_MAX_PATTERN_DEPTH; i++)
		deep[i] = '(';
	deep[i++] = 'a';
	memset(deep + i, ')', LS_MAX_PATTERN_DEPTH + 1);
	deep[i + LS_MAX_PATTERN_DEPTH + 1] = '\0';
	PATTERN_BAD(deep, "too complex (groups nested deeper than 32)");
	deep[strlen(deep) - 1] = '\0';
	PATTERN_OK(deep + 1);

	PATTERN_BAD("(((a{10}){10}){10}){11}",
				"too complex (more than 10000 atoms once its bounds {m,n} are written out)");
	PATTERN_OK("(((a{10}){10}){10}){10}");
	PATTERN_BAD("((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+",
				"too complex (more than 10000 atoms once its bounds {m,n} are written out)");
	PATTERN_BAD("x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}"
				"x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}"
				"x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}"
				"x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}x{255}",
				"too complex (more than 10000 atoms once its bounds {m,n} are written out)");
	/* a back reference copies its group */
	snprintf(buf, sizeof(buf), "(a{250})");
	for (i = 0; i < 40; i++)
		strcat(buf, "\\1");
	PATTERN_BAD(buf, "too complex (more than 10000 atoms once its bounds {m,n} are written out)");
	PATTERN_BAD(NULL, "no pattern");
}

TEST(regex_precheck_in_documents)
{
	/* the 35-byte pattern that took glibc's regcomp to 20 GB */
	REFUSED(REGEX("(zz\\\\" "++++++++++" "++++++++++" "++++++++++" ")"),
			"fit.rules[0].value: invalid regular expression \"(zz\\" "++++++++++" "++++++++++" "++++++++++" ")\": quantifier operand invalid");
	REFUSED(REGEX("a{300}"),
			"fit.rules[0].value: invalid regular expression \"a{300}\": invalid repetition count(s)");
	REFUSED(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'attribute': 'u', 'op': 'regex', 'value': 'x**'}, 'points': 1}"),
			"intent.rules[0].where.value: invalid regular expression \"x**\": quantifier operand invalid");
	VALID(REGEX("^(vp|chief|c[eft]o)+?$"));
	{
		ls_error	err;
		ls_fit_rule r;
		ls_value	v = {false, 0, (char *) "a++"};

		memset(&r, 0, sizeof(r));
		r.name = (char *) "exec";
		r.cond.attribute = (char *) "title";
		r.cond.op = LS_OP_REGEX;
		r.cond.values = &v;
		r.cond.nvalues = 1;
		r.points = 1;
		CHECK(!ls_fit_rule_validate(&r, "fit rule \"exec\"", NULL, &err));
		CHECK(err.kind == LS_ERR_INVALID);
		CHECK_STR(err.msg, "fit rule \"exec\": value: invalid regular expression \"a++\": quantifier operand invalid");
	}
}

int
main(void)
{
	RUN(half_life_bounds);
	RUN(sla_and_inactivity_bounds);
	RUN(points_bounds);
	RUN(weights_and_thresholds_bounds);
	RUN(control_characters_in_names);
	RUN(regex_precheck_accepts);
	RUN(regex_precheck_refuses);
	RUN(regex_precheck_in_documents);
	return UNIT_DONE();
}
