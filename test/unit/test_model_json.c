/*
 * test_model_json.c — the model codec and validation, without a server.
 *
 * Documents are written with ' for " to stay readable; jdoc() swaps them.
 * Every refusal is checked for its kind and for the exact start of its
 * message (the JSON path), which is what users and the glue rely on.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "arena.h"
#include "error.h"
#include "model.h"
#include "model_json.h"

static const char *const example_doc =
"{\n"
"  'name': 'b2b-saas',\n"
"  'fit': {\n"
"    'rules': [\n"
"      {'name': 'exec', 'attribute': 'job_title', 'op': 'regex', 'value': '\\\\m(vp|chief|c[eft]o)\\\\M', 'points': 20, 'group': 'seniority'},\n"
"      {'name': 'director', 'attribute': 'job_title', 'op': 'contains', 'value': 'director', 'points': 15, 'group': 'seniority'},\n"
"      {'name': 'mid-market', 'attribute': 'employees', 'op': 'between', 'value': [200, 5000], 'points': 15},\n"
"      {'name': 'student email', 'attribute': 'email', 'op': 'suffix', 'value': ['.edu', '.ac.uk'], 'points': -15}\n"
"    ],\n"
"    'grades': {'A': 80, 'B': 60, 'C': 40}\n"
"  },\n"
"  'intent': {\n"
"    'half_life': '30 days',\n"
"    'rules': [\n"
"      {'name': 'demo', 'event': 'demo_request', 'points': 30},\n"
"      {'name': 'pricing', 'event': 'page_view', 'where': {'attribute': 'url', 'op': 'contains', 'value': '/pricing'}, 'points': 10, 'cap': 30},\n"
"      {'name': 'careers', 'event': 'page_view', 'where': {'attribute': 'url', 'op': 'contains', 'value': '/careers'}, 'points': -25},\n"
"      {'name': 'unsubscribed', 'event': 'unsubscribe', 'points': -50}\n"
"    ],\n"
"    'inactivity': {'days': 90, 'points': -20}\n"
"  },\n"
"  'thresholds': {'mql': 50, 'sql': 100},\n"
"  'routing': {'fit_high': 60, 'intent_high': 40}\n"
"}\n";

#define CHECK_PREFIX(s, prefix) do { \
	if (strncmp((s), (prefix), strlen(prefix)) != 0) { \
		printf("#   %s:%d: \"%s\" does not start with \"%s\"\n", __FILE__, __LINE__, \
			   (s), (prefix)); \
		unit_current_failed = 1; \
	} } while (0)

#define FITDOC(rule) "{'name': 'm', 'fit': {'rules': [" rule "]}}"
#define INTENTDOC(rule) "{'name': 'm', 'intent': {'rules': [" rule "]}}"

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

/* A fake host regex engine: refuses unbalanced parentheses. */
static int	regex_calls;

static bool
fake_regex_check(const char *pattern, char *errbuf, size_t errlen, void *ctx)
{
	int			depth = 0;
	const char *p;

	(void) ctx;
	regex_calls++;
	for (p = pattern; *p; p++)
	{
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			break;
	}
	if (depth != 0)
	{
		snprintf(errbuf, errlen, "parentheses () not balanced");
		return false;
	}
	return true;
}

static const ls_validate_hooks fake_hooks = {fake_regex_check, NULL};

static void
check_fail_raw(int line, const char *text, size_t len, ls_error_kind kind,
			   const char *prefix, const ls_validate_hooks *hooks)
{
	ls_arena	arena;
	ls_error	err;
	ls_model   *m = NULL;

	ls_arena_init_malloc(&arena);
	if (ls_model_from_json(text, len, &arena, hooks, &m, &err))
	{
		printf("#   line %d: accepted, expected kind %d \"%s...\"\n",
			   line, (int) kind, prefix);
		unit_current_failed = 1;
	}
	else if (err.kind != kind || strncmp(err.msg, prefix, strlen(prefix)) != 0)
	{
		printf("#   line %d: got kind %d \"%s\"\n#   expected kind %d \"%s...\"\n",
			   line, (int) err.kind, err.msg, (int) kind, prefix);
		unit_current_failed = 1;
	}
	ls_arena_free(&arena);
}

static void
check_fail(int line, const char *sdoc, ls_error_kind kind, const char *prefix,
		   const ls_validate_hooks *hooks)
{
	char	   *doc = jdoc(sdoc);

	check_fail_raw(line, doc, strlen(doc), kind, prefix, hooks);
	free(doc);
}

#define FAILS(doc, kind, prefix) check_fail(__LINE__, doc, kind, prefix, &fake_hooks)
#define FAILS_RAW(text, len, kind, prefix) \
	check_fail_raw(__LINE__, text, len, kind, prefix, &fake_hooks)

/* Parse a '-quoted document that must be valid; NULL (and a report) if not. */
static ls_model *
parse_ok(int line, const char *sdoc, ls_arena *arena)
{
	char	   *doc = jdoc(sdoc);
	ls_error	err;
	ls_model   *m = NULL;

	if (!ls_model_from_json(doc, strlen(doc), arena, &fake_hooks, &m, &err))
	{
		printf("#   line %d: refused: %s\n", line, err.msg);
		unit_current_failed = 1;
		m = NULL;
	}
	free(doc);
	return m;
}

#define PARSES(doc, arena) parse_ok(__LINE__, doc, arena)

/* to_json of from_json of text; NULL when either step fails */
static char *
normalize(const char *text, size_t len, ls_arena *arena)
{
	ls_model   *m;
	ls_error	err;
	char	   *out;
	size_t		out_len;

	if (!ls_model_from_json(text, len, arena, &fake_hooks, &m, &err))
	{
		printf("#   normalize: %s\n", err.msg);
		return NULL;
	}
	if (!ls_model_to_json(m, arena, &out, &out_len, &err))
	{
		printf("#   normalize: %s\n", err.msg);
		return NULL;
	}
	if (strlen(out) != out_len)
		return NULL;
	return out;
}

/* A growing text buffer for generated documents. */
typedef struct sbuf
{
	char	   *s;
	size_t		len;
	size_t		cap;
} sbuf;

static void
sb_add(sbuf *b, const char *s)
{
	size_t		n = strlen(s);

	if (b->len + n + 1 > b->cap)
	{
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->s = realloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* {"name":"big","fit":{"rules":[n rules]},"intent":{"rules":[n rules]}} */
static char *
many_rules_doc(int nfit, int nintent)
{
	sbuf		b = {NULL, 0, 0};
	char		rule[256];
	int			i;

	sb_add(&b, "{\"name\": \"big\", \"fit\": {\"rules\": [");
	for (i = 0; i < nfit; i++)
	{
		snprintf(rule, sizeof(rule),
				 "%s{\"name\": \"f%d\", \"attribute\": \"col%d\", \"op\": \"in\", \"value\": [\"a%d\", %d, \"b\"], \"points\": %d.5}",
				 i ? ", " : "", i, i % 37, i, i, i % 50);
		sb_add(&b, rule);
	}
	sb_add(&b, "]}, \"intent\": {\"half_life\": \"2 weeks\", \"rules\": [");
	for (i = 0; i < nintent; i++)
	{
		snprintf(rule, sizeof(rule),
				 "%s{\"name\": \"i%d\", \"event\": \"e%d\", \"where\": {\"attribute\": \"k\", \"op\": \"gte\", \"value\": %d}, \"points\": -%d, \"cap\": -%d}",
				 i ? ", " : "", i, i % 11, i, i + 1, 10 * (i + 1));
		sb_add(&b, rule);
	}
	sb_add(&b, "]}}");
	return b.s;
}

/* ------------------------------------------------------------------ */

TEST(example_parses)
{
	ls_arena	arena;
	ls_model   *m;

	ls_arena_init_malloc(&arena);
	m = PARSES(example_doc, &arena);
	if (m != NULL)
	{
		CHECK_STR(m->name, "b2b-saas");
		CHECK(m->status == NULL);
		CHECK(m->n_fit == 4);
		CHECK_STR(m->fit_rules[0].name, "exec");
		CHECK_STR(m->fit_rules[0].cond.attribute, "job_title");
		CHECK(m->fit_rules[0].cond.op == LS_OP_REGEX);
		CHECK(m->fit_rules[0].cond.nvalues == 1);
		CHECK(!m->fit_rules[0].cond.value_is_array);
		CHECK_STR(m->fit_rules[0].cond.values[0].text, "\\m(vp|chief|c[eft]o)\\M");
		CHECK(m->fit_rules[0].points == 20);
		CHECK_STR(m->fit_rules[0].group, "seniority");
		CHECK(m->fit_rules[1].cond.op == LS_OP_CONTAINS);
		CHECK_STR(m->fit_rules[1].cond.values[0].text, "director");
		CHECK(m->fit_rules[2].cond.op == LS_OP_BETWEEN);
		CHECK(m->fit_rules[2].cond.value_is_array);
		CHECK(m->fit_rules[2].cond.nvalues == 2);
		CHECK(m->fit_rules[2].cond.values[0].is_number);
		CHECK(m->fit_rules[2].cond.values[0].num == 200);
		CHECK_STR(m->fit_rules[2].cond.values[0].text, "200");
		CHECK(m->fit_rules[2].cond.values[1].num == 5000);
		CHECK(m->fit_rules[2].group == NULL);
		CHECK(m->fit_rules[3].cond.op == LS_OP_SUFFIX);
		CHECK(m->fit_rules[3].cond.nvalues == 2);
		CHECK_STR(m->fit_rules[3].cond.values[1].text, ".ac.uk");
		CHECK(!m->fit_rules[3].cond.values[1].is_number);
		CHECK(m->fit_rules[3].points == -15);

		CHECK(m->n_grades == 3);
		CHECK_STR(m->grades[0].letter, "A");
		CHECK(m->grades[0].bar == 80);
		CHECK_STR(m->grades[2].letter, "C");
		CHECK(m->grades[2].bar == 40);

		CHECK(m->half_life_seconds == 30 * 86400.0);
		CHECK(m->n_intent == 4);
		CHECK_STR(m->intent_rules[0].event, "demo_request");
		CHECK(!m->intent_rules[0].has_where);
		CHECK(!m->intent_rules[0].has_cap);
		CHECK(m->intent_rules[1].has_where);
		CHECK_STR(m->intent_rules[1].where.attribute, "url");
		CHECK(m->intent_rules[1].where.op == LS_OP_CONTAINS);
		CHECK_STR(m->intent_rules[1].where.values[0].text, "/pricing");
		CHECK(m->intent_rules[1].has_cap);
		CHECK(m->intent_rules[1].cap == 30);
		CHECK(m->intent_rules[2].points == -25);
		CHECK(m->intent_rules[3].points == -50);
		CHECK(m->has_inactivity);
		CHECK(m->inactivity_days == 90);
		CHECK(m->inactivity_points == -20);
		CHECK(m->mql == 50 && m->sql == 100);
		CHECK(m->fit_high == 60 && m->intent_high == 40);
		CHECK(m->fit_weight == 1 && m->intent_weight == 1);
	}
	ls_arena_free(&arena);
}

TEST(round_trip_is_byte_identical)
{
	static const char *const docs[] = {
		NULL,					/* the example */
		"{'name': 'odd numbers', 'status': 'shadow',"
		" 'fit': {'rules': ["
		"  {'name': 'r1', 'attribute': 'x', 'op': 'between', 'value': [0.1, 1e20], 'points': 1e-7},"
		"  {'name': 'r2', 'attribute': 'seniority( job_title )', 'op': 'in', 'value': ['vp', 3, -0, 123456789.125], 'points': -0.30000000000000004},"
		"  {'name': 'r3', 'attribute': 'y', 'op': 'eq', 'value': 42, 'points': 2.5},"
		"  {'name': 'r4', 'attribute': 'z', 'op': 'missing', 'points': 0},"
		"  {'name': 'r5', 'attribute': 'w', 'op': 'contains', 'value': ['only one'], 'points': 1},"
		"  {'name': 'quotes', 'attribute': 'w', 'op': 'contains', 'value': 'quotes \\' \\\\ \\n \\t \\u0001 \\u00e9 \\u2028 / \\/', 'points': 1}],"
		"  'grades': {'C': 40.5, 'A': 80, 'B+': 70.25}},"
		" 'intent': {'half_life': '1.5 days', 'rules': ["
		"  {'name': 'i1', 'event': 'e', 'where': {'attribute': 'n', 'op': 'lt', 'value': 1e-300}, 'points': 1, 'cap': 1.5}]},"
		" 'thresholds': {'mql': -5, 'sql': 1e15},"
		" 'routing': {'fit_high': 0.1, 'intent_high': 99999999999999.9},"
		" 'weights': {'fit': 0.7, 'intent': 1.3}}",
		"{'name': 'minimal'}",
		"{'name': 'seconds', 'intent': {'half_life': '0.1 seconds'}}",
		"{'name': 'weeks', 'intent': {'half_life': '1 week 7 days', 'rules': []}, 'fit': {'rules': []}}",
	};
	size_t		i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
	{
		ls_arena	arena;
		char	   *doc = jdoc(docs[i] ? docs[i] : example_doc);
		char	   *once;
		char	   *twice = NULL;

		ls_arena_init_malloc(&arena);
		once = normalize(doc, strlen(doc), &arena);
		CHECK(once != NULL);
		if (once != NULL)
			twice = normalize(once, strlen(once), &arena);
		CHECK(twice != NULL);
		if (once != NULL && twice != NULL && strcmp(once, twice) != 0)
		{
			printf("#   document %zu differs:\n%s\n---\n%s\n", i, once, twice);
			unit_current_failed = 1;
		}
		if (i == 1 && once != NULL)
		{
			/* normalization itself: sorted grades, shortest numbers */
			CHECK_CONTAINS(once, "\"grades\": {\n      \"A\": 80,\n      \"B+\": 70.25,\n      \"C\": 40.5\n    }");
			CHECK_CONTAINS(once, "\"value\": [0.1, 1e+20]");
			CHECK_CONTAINS(once, "\"points\": 1e-07");
			CHECK_CONTAINS(once, "\"value\": [\"vp\", 3, 0, 123456789.125]");
			CHECK_CONTAINS(once, "\"points\": -0.30000000000000004");
			CHECK_CONTAINS(once, "\"value\": 42");
			CHECK_CONTAINS(once, "\"value\": [\"only one\"]");
			CHECK_CONTAINS(once, "\"value\": \"quotes \\\" \\\\ \\n \\t \\u0001 \xc3\xa9 \xe2\x80\xa8 / /\"");
			CHECK_CONTAINS(once, "\"half_life\": \"36 hours\"");
			CHECK_CONTAINS(once, "\"status\": \"shadow\"");
			CHECK_CONTAINS(once, "\"sql\": 1e+15");
			CHECK_CONTAINS(once, "\"intent_high\": 99999999999999.9");
			CHECK_CONTAINS(once, "\"attribute\": \"seniority( job_title )\"");
			CHECK(strstr(once, "\"value\"") < strstr(once, "\"points\""));
		}
		if (i == 3 && once != NULL)
			CHECK_CONTAINS(once, "\"half_life\": \"0.1 seconds\"");
		if (i == 4 && once != NULL)
			CHECK_CONTAINS(once, "\"half_life\": \"2 weeks\"");
		ls_arena_free(&arena);
		free(doc);
	}
}

TEST(output_shape)
{
	ls_arena	arena;
	char	   *doc = jdoc(INTENTDOC("{'points': 10, 'cap': 30, 'where': {'value': '/p', 'op': 'contains', 'attribute': 'url'}, 'event': 'page_view', 'name': 'p'}"));
	char	   *out;

	ls_arena_init_malloc(&arena);
	out = normalize(doc, strlen(doc), &arena);
	CHECK_STR(out,
			  "{\n"
			  "  \"name\": \"m\",\n"
			  "  \"fit\": {\n"
			  "    \"rules\": [],\n"
			  "    \"grades\": {\n"
			  "      \"A\": 80,\n"
			  "      \"B\": 60,\n"
			  "      \"C\": 40\n"
			  "    }\n"
			  "  },\n"
			  "  \"intent\": {\n"
			  "    \"half_life\": null,\n"
			  "    \"rules\": [\n"
			  "      {\n"
			  "        \"name\": \"p\",\n"
			  "        \"event\": \"page_view\",\n"
			  "        \"where\": {\n"
			  "          \"attribute\": \"url\",\n"
			  "          \"op\": \"contains\",\n"
			  "          \"value\": \"/p\"\n"
			  "        },\n"
			  "        \"points\": 10,\n"
			  "        \"cap\": 30\n"
			  "      }\n"
			  "    ]\n"
			  "  },\n"
			  "  \"thresholds\": {\n"
			  "    \"mql\": 50,\n"
			  "    \"sql\": 100\n"
			  "  },\n"
			  "  \"routing\": {\n"
			  "    \"fit_high\": 60,\n"
			  "    \"intent_high\": 40\n"
			  "  },\n"
			  "  \"weights\": {\n"
			  "    \"fit\": 1,\n"
			  "    \"intent\": 1\n"
			  "  },\n"
			  "  \"alerts\": {\n"
			  "    \"stages\": [\n"
			  "      \"sql\"\n"
			  "    ],\n"
			  "    \"sla\": {}\n"
			  "  }\n"
			  "}");
	ls_arena_free(&arena);
	free(doc);
}

TEST(account_section)
{
	static const struct
	{
		const char *doc;
		const char *error;
	}			bad[] = {
		{"{'name': 'm', 'account': {'fits': {}}}", "account.fits: unknown key (expected one of fit, contact_cap, committee, thresholds)"},
		{"{'name': 'm', 'account': {'committee': {'roles': [{'name': 'r', 'points': 1}]}}}", "account.committee.roles[0].when: is required"},
		{"{'name': 'm', 'account': {'committee': {'roles': [{'name': 'r', 'when': {'attribute': 'a', 'op': 'eq', 'value': 1}, 'points': 1, 'required': 1}]}}}",
		"account.committee.roles[0].required: expected true or false"},
		{"{'name': 'm', 'account': {'committee': {'engaged': {'intent': 3}}}}", "account.committee.engaged.intent: unknown key"},
		{"{'name': 'm', 'account': {'contact_cap': -5}}", "account.contact_cap: expected a number of at least 0"},
		{"{'name': 'm', 'account': {'thresholds': {'engaged': 10, 'buying': 5}}}", "account.thresholds.buying: must be at least account.thresholds.engaged (10)"},
		{"{'name': 'm', 'account': {'fit': {'rules': [{'name': 'r', 'attribute': 'a', 'op': 'between', 'value': 3, 'points': 1}]}}}", "account.fit.rules[0].value"},
		{"{'name': 'm', 'account': {'fit': {'grades': {}}}}", "account.fit.grades: expected at least one grade"},
	};
	ls_arena	arena;
	ls_model   *m;
	ls_error	err;
	char	   *doc;
	char	   *once;
	char	   *twice;
	size_t		i;

	ls_arena_init_malloc(&arena);
	doc = jdoc("{'name': 'm'}");
	CHECK(ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err) && m->account == NULL);
	free(doc);
	/* defaults: no cap, engaged at 0, thresholds 60 / 120, the default grades */
	doc = jdoc("{'name': 'm', 'account': {}}");
	CHECK(ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
	CHECK(m->account != NULL && !m->account->has_contact_cap && m->account->intent_gte == 0);
	CHECK(m->account->engaged == 60 && m->account->buying == 120 && m->account->n_grades == 3);
	free(doc);
	doc = jdoc("{'name': 'm', 'account': {'fit': {'rules': [{'name': 'big', 'attribute': 'employees', 'op': 'gte', 'value': 1000, 'points': 30}], 'grades': {'A': 40}},"
			   " 'contact_cap': 60, 'committee': {'engaged': {'intent_gte': 10}, 'roles': ["
			   "{'name': 'dm', 'when': {'attribute': 'seniority(title)', 'op': 'in', 'value': ['vp']}, 'points': 25, 'required': true},"
			   "{'name': 'tech', 'when': {'attribute': 'department', 'op': 'eq', 'value': 'it'}, 'points': 10}]},"
			   " 'thresholds': {'engaged': 60, 'buying': 120}}}");
	CHECK(ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
	CHECK(m->account->n_fit == 1 && m->account->n_roles == 2 && m->account->contact_cap == 60);
	CHECK(m->account->roles[0].required && !m->account->roles[1].required);
	CHECK(m->account->roles[0].when.op == LS_OP_IN && m->account->roles[1].points == 10);
	/* written back and read again, the same text */
	once = normalize(doc, strlen(doc), &arena);
	CHECK(once != NULL);
	twice = once ? normalize(once, strlen(once), &arena) : NULL;
	CHECK(twice != NULL && strcmp(once, twice) == 0);
	CHECK(once != NULL && strstr(once, "\"required\": true") != NULL);
	free(doc);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		doc = jdoc(bad[i].doc);
		CHECK(!ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
		CHECK(err.kind == LS_ERR_INVALID);
		CHECK_CONTAINS(err.msg, bad[i].error);
		free(doc);
	}
	ls_arena_free(&arena);
}

TEST(alerts_section)
{
	static const struct
	{
		const char *doc;
		const char *error;
	}			bad[] = {
		{"{'name': 'm', 'alerts': {'stages': ['lead']}}", "alerts.stages[0]: unknown stage \"lead\""},
		{"{'name': 'm', 'alerts': {'stages': ['sql', 'sql']}}", "alerts.stages[1]: stage \"sql\" is listed twice"},
		{"{'name': 'm', 'alerts': {'stages': 'sql'}}", "alerts.stages: expected an array"},
		{"{'name': 'm', 'alerts': {'sla': {'nurture': '0 days'}}}", "alerts.sla.nurture: expected a positive duration"},
		{"{'name': 'm', 'alerts': {'sla': {'nurturing': '1 day'}}}", "alerts.sla.nurturing: unknown key"},
		{"{'name': 'm', 'alerts': {'sla': {'nurture': 3600}}}", "alerts.sla.nurture: expected a duration"},
		{"{'name': 'm', 'alerts': {'stage': []}}", "alerts.stage: unknown key"},
	};
	ls_arena	arena;
	ls_model   *m;
	ls_error	err;
	char	   *doc;
	size_t		i;

	ls_arena_init_malloc(&arena);
	doc = jdoc("{'name': 'm'}");
	CHECK(ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
	CHECK(m->alert_sql && !m->alert_mql);
	CHECK(m->task_sla_seconds[LS_ROUTE_TO_SALES] == 0);
	free(doc);
	doc = jdoc("{'name': 'm', 'alerts': {'stages': ['mql'], 'sla': {'route_to_sales': '1 hour', 'manual_review': '2 days'}}}");
	CHECK(ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
	CHECK(m->alert_mql && !m->alert_sql);
	CHECK(m->task_sla_seconds[LS_ROUTE_TO_SALES] == 3600);
	CHECK(m->task_sla_seconds[LS_ROUTE_MANUAL_REVIEW] == 172800);
	CHECK(m->task_sla_seconds[LS_ROUTE_NURTURE] == 0);
	free(doc);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		doc = jdoc(bad[i].doc);
		CHECK(!ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
		CHECK(err.kind == LS_ERR_INVALID);
		CHECK_CONTAINS(err.msg, bad[i].error);
		free(doc);
	}
	ls_arena_free(&arena);
}

TEST(defaults)
{
	ls_arena	arena;
	ls_model   *m;
	ls_model	init;

	ls_arena_init_malloc(&arena);
	m = PARSES("{'name': 'x'}", &arena);
	if (m != NULL)
	{
		CHECK(m->mql == 50 && m->sql == 100);
		CHECK(m->fit_high == 60 && m->intent_high == 40);
		CHECK(m->fit_weight == 1 && m->intent_weight == 1);
		CHECK(m->n_grades == 3);
		CHECK_STR(m->grades[0].letter, "A");
		CHECK(m->grades[0].bar == 80);
		CHECK_STR(m->grades[1].letter, "B");
		CHECK(m->grades[1].bar == 60);
		CHECK_STR(m->grades[2].letter, "C");
		CHECK(m->grades[2].bar == 40);
		CHECK(m->half_life_seconds == 0);
		CHECK(!m->has_inactivity);
		CHECK(m->n_fit == 0 && m->n_intent == 0);
		CHECK(m->status == NULL);
	}

	/* sections present but partial keep the other defaults */
	m = PARSES("{'name': 'x', 'thresholds': {'sql': 70}, 'routing': {'intent_high': 5}, 'weights': {'intent': 2}, 'intent': {'half_life': null}}", &arena);
	if (m != NULL)
	{
		CHECK(m->mql == 50 && m->sql == 70);
		CHECK(m->fit_high == 60 && m->intent_high == 5);
		CHECK(m->fit_weight == 1 && m->intent_weight == 2);
		CHECK(m->half_life_seconds == 0);
	}

	ls_model_init(&init);
	CHECK(init.mql == LS_DEFAULT_MQL && init.sql == LS_DEFAULT_SQL);
	CHECK(init.fit_high == LS_DEFAULT_FIT_HIGH);
	CHECK(init.intent_high == LS_DEFAULT_INTENT_HIGH);
	CHECK(init.n_grades == 3 && init.name == NULL && init.n_fit == 0);
	ls_arena_free(&arena);
}

TEST(not_json)
{
	FAILS("hello", LS_ERR_SYNTAX, "invalid JSON at line 1, column 1: ");
	FAILS("", LS_ERR_SYNTAX, "invalid JSON: the document is empty");
	FAILS_RAW(NULL, 0, LS_ERR_SYNTAX, "invalid JSON: the document is empty");
	FAILS("  \n ", LS_ERR_SYNTAX, "invalid JSON: the document is empty");
	FAILS("{'name': 'x'} trailing", LS_ERR_SYNTAX, "invalid JSON at line 1, column 15: ");
	FAILS("{'name': 'x'}{}", LS_ERR_SYNTAX, "invalid JSON at line 1, column 14: ");
	FAILS("{'name': 'x'", LS_ERR_SYNTAX, "invalid JSON at line 1, column 13: unexpected end");
	FAILS("{\n  'name': x\n}", LS_ERR_SYNTAX, "invalid JSON at line 2, column 11: ");
	FAILS("{'name': 'x',}", LS_ERR_SYNTAX, "invalid JSON at line 1");
	FAILS("{'name': 'x' /* c */}", LS_ERR_SYNTAX, "invalid JSON at line 1");
	FAILS("{name: 'x'}", LS_ERR_SYNTAX, "invalid JSON at line 1");
	FAILS("{'name': 'x', 'thresholds': {'mql': 01}}", LS_ERR_SYNTAX, "invalid JSON at line 1");
	FAILS_RAW("{\"name\": 'x'}", 13, LS_ERR_SYNTAX, "invalid JSON at line 1");
	/* a raw tab inside a string is not JSON, though json-c takes it */
	FAILS_RAW("{\"name\": \"a\tb\"}", 15, LS_ERR_SYNTAX,
			  "invalid JSON at line 1, column 12: control character inside a string");
}

TEST(root_not_object)
{
	FAILS("[{'name': 'x'}]", LS_ERR_INVALID, "the model document must be a JSON object, not an array");
	FAILS("'x'", LS_ERR_INVALID, "the model document must be a JSON object, not a string");
	FAILS("5", LS_ERR_INVALID, "the model document must be a JSON object, not a number");
	FAILS("null", LS_ERR_INVALID, "the model document must be a JSON object, not null");
	FAILS("true", LS_ERR_INVALID, "the model document must be a JSON object, not a boolean");
	/*
	 * fuzz_model_json: an object closing before any key was ever read did
	 * pointer arithmetic on the scanner's still-NULL key array (UBSan).
	 */
	FAILS("{}", LS_ERR_INVALID, "name: is required");
	FAILS("[{}, {}]", LS_ERR_INVALID, "the model document must be a JSON object, not an array");
	FAILS("{'fit': {}}", LS_ERR_INVALID, "name: is required");
	/*
	 * fuzz_model_json: json-c takes a single-quoted key in strict mode, and
	 * the raw scan, reading {'}':5} as an object closed twice, indexed
	 * frames[-1].  (FAILS_RAW: jdoc would turn the quotes into ".)
	 */
	FAILS_RAW("{'}':5}", 7, LS_ERR_SYNTAX,
			  "invalid JSON at line 1, column 2: single-quoted strings are not JSON");
	FAILS_RAW("{\"name\": \"x\", 'fit': {}}", strlen("{\"name\": \"x\", 'fit': {}}"), LS_ERR_SYNTAX,
			  "invalid JSON at line 1, column 15: single-quoted strings are not JSON");
}

TEST(missing_required)
{
	FAILS("{}", LS_ERR_INVALID, "name: is required");
	FAILS("{'fit': {}}", LS_ERR_INVALID, "name: is required");
	FAILS(FITDOC("{'attribute': 'a', 'op': 'eq', 'value': 1, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].name: is required");
	FAILS(FITDOC("{'name': 'r', 'op': 'eq', 'value': 1, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].attribute: is required");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'value': 1, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].op: is required");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].points: is required");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].value: is required for eq");
	FAILS(INTENTDOC("{'name': 'r', 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].event: is required");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'op': 'exists'}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.attribute: is required");
	FAILS("{'name': 'x', 'intent': {'inactivity': {'days': 90}}}",
		  LS_ERR_INVALID, "intent.inactivity.points: is required");
	FAILS("{'name': 'x', 'intent': {'inactivity': {'points': -3}}}",
		  LS_ERR_INVALID, "intent.inactivity.days: is required");
}

TEST(wrong_types)
{
	FAILS("{'name': 5}", LS_ERR_INVALID, "name: expected a string, not a number");
	FAILS("{'name': null}", LS_ERR_INVALID, "name: expected a string, not null");
	FAILS("{'name': 'x', 'status': 1}", LS_ERR_INVALID, "status: expected a string");
	FAILS("{'name': 'x', 'fit': []}", LS_ERR_INVALID, "fit: expected an object, not an array");
	FAILS("{'name': 'x', 'fit': {'rules': {}}}", LS_ERR_INVALID, "fit.rules: expected an array");
	FAILS("{'name': 'x', 'fit': {'rules': null}}", LS_ERR_INVALID, "fit.rules: expected an array");
	FAILS(FITDOC("'r'"), LS_ERR_INVALID, "fit.rules[0]: expected an object, not a string");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': 1, 'points': 1}, 7"),
		  LS_ERR_INVALID, "fit.rules[1]: expected an object, not a number");
	FAILS(FITDOC("{'name': 1, 'attribute': 'a', 'op': 'eq', 'value': 1, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].name: expected a string");
	FAILS(FITDOC("{'name': 'r', 'attribute': ['a'], 'op': 'eq', 'value': 1, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].attribute: expected a string, not an array");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 1, 'value': 1, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].op: expected a string");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': true, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].value: expected a string, a number or an array, not a boolean");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': {}, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].value: expected a string, a number or an array, not an object");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': null, 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].value: expected a string, a number or an array, not null");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'in', 'value': ['a', [1]], 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].value[1]: expected a string or a number, not an array");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'in', 'value': [null], 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].value[0]: expected a string or a number, not null");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': 1, 'points': '5'}"),
		  LS_ERR_INVALID, "fit.rules[0].points: expected a number, not a string");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': 1, 'points': 1, 'group': 2}"),
		  LS_ERR_INVALID, "fit.rules[0].group: expected a string");
	FAILS("{'name': 'x', 'fit': {'grades': []}}", LS_ERR_INVALID, "fit.grades: expected an object");
	FAILS("{'name': 'x', 'fit': {'grades': {'A': 'high'}}}", LS_ERR_INVALID, "fit.grades.A: expected a number");
	FAILS("{'name': 'x', 'intent': 1}", LS_ERR_INVALID, "intent: expected an object");
	FAILS("{'name': 'x', 'intent': {'half_life': 30}}", LS_ERR_INVALID,
		  "intent.half_life: expected a duration such as \"30 days\", or null, not a number");
	FAILS(INTENTDOC("{'name': 'a', 'event': 'e', 'points': 1},"
					"{'name': 'b', 'event': 'e', 'points': 1},"
					"{'name': 'c', 'event': 'e', 'points': 'x'}"),
		  LS_ERR_INVALID, "intent.rules[2].points: expected a number");
	FAILS(INTENTDOC("{'name': 'r', 'event': 7, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].event: expected a string");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': 'url', 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where: expected an object, not a string");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': null, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where: expected an object, not null");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'attribute': 'u', 'op': 'eq', 'value': false}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.value: expected a string, a number or an array");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'points': 1, 'cap': '3'}"),
		  LS_ERR_INVALID, "intent.rules[0].cap: expected a number");
	FAILS("{'name': 'x', 'intent': {'inactivity': []}}", LS_ERR_INVALID, "intent.inactivity: expected an object");
	FAILS("{'name': 'x', 'intent': {'inactivity': {'days': '90', 'points': 1}}}",
		  LS_ERR_INVALID, "intent.inactivity.days: expected a number");
	FAILS("{'name': 'x', 'thresholds': {'mql': '50'}}", LS_ERR_INVALID, "thresholds.mql: expected a number");
	FAILS("{'name': 'x', 'thresholds': 50}", LS_ERR_INVALID, "thresholds: expected an object");
	FAILS("{'name': 'x', 'routing': {'fit_high': null}}", LS_ERR_INVALID, "routing.fit_high: expected a number, not null");
	FAILS("{'name': 'x', 'weights': {'fit': true}}", LS_ERR_INVALID, "weights.fit: expected a number, not a boolean");
	FAILS("{'name': 'x', 'weights': {'intent': NaN}}", LS_ERR_INVALID, "weights.intent: expected a finite number");
	FAILS("{'name': 'x', 'weights': {'intent': 1e400}}", LS_ERR_INVALID, "weights.intent: expected a finite number");
	FAILS("{'name': 'x', 'weights': {'intent': -Infinity}}", LS_ERR_INVALID, "weights.intent: expected a finite number");
	/* json-c would clamp these to the int64/uint64 bounds without a word */
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': 1, 'points': 99999999999999999999999}"),
		  LS_ERR_INVALID, "fit.rules[0].points: integer out of range");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'in', 'value': [1, -9223372036854775809], 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].value[1]: integer out of range");
}

TEST(integer_bounds_are_exact)
{
	ls_arena	arena;
	ls_model   *m;

	ls_arena_init_malloc(&arena);
	m = PARSES(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'between', 'value': [-9223372036854775808, 18446744073709551615], 'points': 1}"), &arena);
	if (m != NULL)
	{
		CHECK(m->fit_rules[0].cond.values[0].num == -9223372036854775808.0);
		CHECK(m->fit_rules[0].cond.values[1].num == 18446744073709551615.0);
	}
	ls_arena_free(&arena);
}

TEST(unknown_keys)
{
	FAILS("{'nmae': 'x'}", LS_ERR_INVALID,
		  "nmae: unknown key (expected one of name, status, fit, intent, thresholds, routing, weights, alerts, account)");
	FAILS("{'name': 'x', 'fit': {'rule': []}}", LS_ERR_INVALID,
		  "fit.rule: unknown key (expected one of rules, grades)");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': 1, 'pionts': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].pionts: unknown key (expected one of name, attribute, op, value, points, group)");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'eq', 'value': 1, 'points': 1, 'cap': 3}"),
		  LS_ERR_INVALID, "fit.rules[0].cap: unknown key");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'atribute': 'u', 'op': 'exists'}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.atribute: unknown key (expected one of attribute, op, value)");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'points': 1, 'group': 'g'}"),
		  LS_ERR_INVALID, "intent.rules[0].group: unknown key (expected one of name, event, where, points, cap)");
	FAILS("{'name': 'x', 'intent': {'halflife': '3 days'}}", LS_ERR_INVALID,
		  "intent.halflife: unknown key (expected one of half_life, rules, inactivity)");
	FAILS("{'name': 'x', 'intent': {'inactivity': {'day': 3, 'points': 1}}}", LS_ERR_INVALID,
		  "intent.inactivity.day: unknown key (expected one of days, points)");
	FAILS("{'name': 'x', 'thresholds': {'mql': 1, 'sql2': 3}}", LS_ERR_INVALID,
		  "thresholds.sql2: unknown key (expected one of mql, sql)");
	FAILS("{'name': 'x', 'routing': {'fit': 3}}", LS_ERR_INVALID,
		  "routing.fit: unknown key (expected one of fit_high, intent_high)");
	FAILS("{'name': 'x', 'weights': {'fits': 3}}", LS_ERR_INVALID,
		  "weights.fits: unknown key (expected one of fit, intent)");
}

TEST(unknown_operator)
{
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'regexp', 'value': 'x', 'points': 1}"),
		  LS_ERR_INVALID,
		  "fit.rules[0].op: unknown operator \"regexp\" (expected one of eq, in, contains, prefix, suffix, regex, between, gt, gte, lt, lte, exists, missing)");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'EQ', 'value': 'x', 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[0].op: unknown operator \"EQ\"");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'attribute': 'u', 'op': 'like', 'value': 'x'}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.op: unknown operator \"like\"");
}

#define RULE(op, value) "{'name': 'r', 'attribute': 'a', 'op': '" op "', " value "'points': 1}"

TEST(operator_values)
{
	/* between */
	FAILS(FITDOC(RULE("between", "'value': 'x', ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected exactly two numbers [lo, hi] for between");
	FAILS(FITDOC(RULE("between", "'value': [1], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected exactly two numbers [lo, hi] for between");
	FAILS(FITDOC(RULE("between", "'value': [1, 2, 3], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected exactly two numbers");
	FAILS(FITDOC(RULE("between", "'value': ['1', '2'], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected exactly two numbers");
	FAILS(FITDOC(RULE("between", "'value': [5000, 200], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected [lo, hi] with lo <= hi for between, got [5000, 200]");
	FAILS(FITDOC(RULE("between", "")), LS_ERR_INVALID,
		  "fit.rules[0].value: is required for between");
	/* comparisons */
	FAILS(FITDOC(RULE("gt", "'value': [1], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected one number for gt");
	FAILS(FITDOC(RULE("lte", "'value': '10', ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected one number for lte");
	/* text */
	FAILS(FITDOC(RULE("eq", "'value': [1, 2], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected one string or number for eq");
	FAILS(FITDOC(RULE("in", "'value': 'x', ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected an array of strings or numbers for in");
	FAILS(FITDOC(RULE("in", "'value': [], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected at least one value for in");
	FAILS(FITDOC(RULE("contains", "'value': 5, ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected a string for contains, not a number");
	FAILS(FITDOC(RULE("prefix", "'value': ['a', 5], ")), LS_ERR_INVALID,
		  "fit.rules[0].value[1]: expected a string for prefix, not a number");
	FAILS(FITDOC(RULE("suffix", "'value': [], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected a string or a non-empty array of strings for suffix");
	FAILS(FITDOC(RULE("contains", "'value': '', ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected a non-empty string for contains");
	FAILS(FITDOC(RULE("regex", "'value': ['a'], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected one pattern string for regex");
	FAILS(FITDOC(RULE("regex", "'value': 3, ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected one pattern string for regex");
	/* presence */
	FAILS(FITDOC(RULE("exists", "'value': 'x', ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected no value for exists");
	FAILS(FITDOC(RULE("missing", "'value': [], ")), LS_ERR_INVALID,
		  "fit.rules[0].value: expected no value for missing");
	/* and in an intent where */
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'attribute': 'n', 'op': 'between', 'value': [3, 1]}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.value: expected [lo, hi] with lo <= hi");
}

TEST(operator_values_accepted)
{
	ls_arena	arena;
	ls_model   *m;

	ls_arena_init_malloc(&arena);
	m = PARSES(FITDOC(RULE("eq", "'value': 'x', ") ","
					  "{'name': 'n', 'attribute': 'a', 'op': 'eq', 'value': 3.5, 'points': 1},"
					  "{'name': 'i', 'attribute': 'a', 'op': 'in', 'value': ['x', 2], 'points': 1},"
					  "{'name': 'c', 'attribute': 'a', 'op': 'contains', 'value': ['x', 'y'], 'points': 1},"
					  "{'name': 'b', 'attribute': 'a', 'op': 'between', 'value': [2, 2], 'points': 1},"
					  "{'name': 'g', 'attribute': 'a', 'op': 'gte', 'value': -1.5, 'points': 1},"
					  "{'name': 'x', 'attribute': 'a', 'op': 'exists', 'points': 1},"
					  "{'name': 'e', 'attribute': 'a', 'op': 'regex', 'value': '', 'points': 1}"),
			   &arena);
	if (m != NULL)
	{
		CHECK(m->n_fit == 8);
		CHECK(m->fit_rules[1].cond.values[0].is_number);
		CHECK_STR(m->fit_rules[1].cond.values[0].text, "3.5");
		CHECK(!m->fit_rules[2].cond.values[0].is_number);
		CHECK(m->fit_rules[2].cond.values[1].is_number);
		CHECK(m->fit_rules[6].cond.nvalues == 0 && !m->fit_rules[6].cond.value_is_array);
	}
	ls_arena_free(&arena);
}

TEST(attributes)
{
	ls_arena	arena;
	ls_model   *m;

	FAILS(FITDOC("{'name': 'r', 'attribute': 'foo(x)', 'op': 'exists', 'points': 1}"), LS_ERR_INVALID,
		  "fit.rules[0].attribute: unknown function \"foo\" in attribute \"foo(x)\" (expected seniority, email_class or email_domain)");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'seniority()', 'op': 'exists', 'points': 1}"), LS_ERR_INVALID,
		  "fit.rules[0].attribute: malformed attribute \"seniority()\"");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'seniority(a) x', 'op': 'exists', 'points': 1}"), LS_ERR_INVALID,
		  "fit.rules[0].attribute: malformed attribute");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a)', 'op': 'exists', 'points': 1}"), LS_ERR_INVALID,
		  "fit.rules[0].attribute: malformed attribute");
	FAILS(FITDOC("{'name': 'r', 'attribute': '  ', 'op': 'exists', 'points': 1}"), LS_ERR_INVALID,
		  "fit.rules[0].attribute: expected a non-empty attribute name");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a\\nb', 'op': 'exists', 'points': 1}"), LS_ERR_INVALID,
		  "fit.rules[0].attribute: must not contain control characters");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'attribute': 'seniority(x)', 'op': 'exists'}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.attribute: expected a plain property key");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'attribute': ' url', 'op': 'exists'}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.attribute: expected a property key without leading or trailing whitespace");

	ls_arena_init_malloc(&arena);
	m = PARSES(FITDOC("{'name': 'r', 'attribute': ' Email_Domain ( email ) ', 'op': 'exists', 'points': 1},"
					  "{'name': 's', 'attribute': 'job title', 'op': 'exists', 'points': 1}"), &arena);
	CHECK(m != NULL);
	ls_arena_free(&arena);
}

TEST(names)
{
	char		doc[1024];
	char		longname[LS_MAX_NAME + 2];

	FAILS("{'name': ''}", LS_ERR_INVALID, "name: expected a non-empty string");
	FAILS("{'name': '   '}", LS_ERR_INVALID, "name: expected a non-empty string");
	FAILS("{'name': 'x', 'status': 'live'}", LS_ERR_INVALID,
		  "status: unknown status \"live\" (expected draft, active, shadow or retired)");
	FAILS(FITDOC("{'name': '', 'attribute': 'a', 'op': 'exists', 'points': 1}"), LS_ERR_INVALID,
		  "fit.rules[0].name: expected a non-empty string");
	FAILS(FITDOC("{'name': 'r', 'attribute': 'a', 'op': 'exists', 'points': 1, 'group': ''}"), LS_ERR_INVALID,
		  "fit.rules[0].group: expected a non-empty string");
	FAILS(INTENTDOC("{'name': 'r', 'event': '', 'points': 1}"), LS_ERR_INVALID,
		  "intent.rules[0].event: expected a non-empty string");

	memset(longname, 'n', LS_MAX_NAME + 1);
	longname[LS_MAX_NAME + 1] = '\0';
	snprintf(doc, sizeof(doc), FITDOC("{'name': '%s', 'attribute': 'a', 'op': 'exists', 'points': 1}"), longname);
	FAILS(doc, LS_ERR_INVALID, "fit.rules[0].name: is too long (201 bytes; the limit is 200)");
	longname[LS_MAX_NAME] = '\0';
	snprintf(doc, sizeof(doc), FITDOC("{'name': '%s', 'attribute': 'a', 'op': 'exists', 'points': 1}"), longname);
	{
		ls_arena	arena;

		ls_arena_init_malloc(&arena);
		CHECK(PARSES(doc, &arena) != NULL);
		ls_arena_free(&arena);
	}
}

TEST(caps)
{
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'points': 10, 'cap': -30}"), LS_ERR_INVALID,
		  "intent.rules[0].cap: expected the same sign as points (10)");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'points': -10, 'cap': 30}"), LS_ERR_INVALID,
		  "intent.rules[0].cap: expected the same sign as points (-10)");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'points': 10, 'cap': 0}"), LS_ERR_INVALID,
		  "intent.rules[0].cap: expected a non-zero number");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'points': 0, 'cap': 5}"), LS_ERR_INVALID,
		  "intent.rules[0].cap: not allowed when points is 0");
}

TEST(duplicate_rule_names)
{
	ls_arena	arena;

	FAILS(FITDOC(RULE("exists", "") "," RULE("exists", "") ""), LS_ERR_INVALID,
		  "fit.rules[1].name: duplicate rule name \"r\" (fit.rules[0] has it too");
	FAILS(FITDOC("{'name': 'a', 'attribute': 'a', 'op': 'exists', 'points': 1},"
				 "{'name': 'b', 'attribute': 'a', 'op': 'exists', 'points': 1},"
				 "{'name': 'c', 'attribute': 'a', 'op': 'exists', 'points': 1},"
				 "{'name': 'b', 'attribute': 'a', 'op': 'exists', 'points': 1},"
				 "{'name': 'a', 'attribute': 'a', 'op': 'exists', 'points': 1}"),
		  LS_ERR_INVALID, "fit.rules[3].name: duplicate rule name \"b\" (fit.rules[1] has it too");
	FAILS(INTENTDOC("{'name': 'x', 'event': 'e', 'points': 1}, {'name': 'x', 'event': 'f', 'points': 2}"),
		  LS_ERR_INVALID, "intent.rules[1].name: duplicate rule name \"x\" (intent.rules[0] has it too");

	/* fit and intent are separate name spaces; names compare exactly */
	ls_arena_init_malloc(&arena);
	CHECK(PARSES("{'name': 'm', 'fit': {'rules': [{'name': 'x', 'attribute': 'a', 'op': 'exists', 'points': 1},"
				 "{'name': 'X', 'attribute': 'a', 'op': 'exists', 'points': 1}]},"
				 " 'intent': {'rules': [{'name': 'x', 'event': 'e', 'points': 1}]}}", &arena) != NULL);
	ls_arena_free(&arena);
}

TEST(duplicate_json_keys)
{
	FAILS("{'name': 'x', 'name': 'y'}", LS_ERR_INVALID,
		  "name: duplicate key \"name\" (a key may appear only once in an object)");
	FAILS("{'name': 'x', 'n\\u0061me': 'y'}", LS_ERR_INVALID, "name: duplicate key \"name\"");
	FAILS("{'fit': {}, 'name': 'x', 'fit': {}}", LS_ERR_INVALID, "fit: duplicate key \"fit\"");
	FAILS("{'name': 'x', 'fit': {'rules': [], 'rules': []}}", LS_ERR_INVALID,
		  "fit.rules: duplicate key \"rules\"");
	FAILS(FITDOC(RULE("exists", "") ", {'name': 's', 'attribute': 'a', 'op': 'exists', 'points': 1, 'points': 2}"),
		  LS_ERR_INVALID, "fit.rules[1].points: duplicate key \"points\"");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'attribute': 'u', 'op': 'exists', 'op': 'missing'}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.op: duplicate key \"op\"");
	FAILS("{'name': 'x', 'fit': {'grades': {'A': 80, 'B': 60, 'A': 90}}}", LS_ERR_INVALID,
		  "fit.grades.A: duplicate key \"A\"");
	FAILS("{'name': 'x', 'thresholds': {'mql': 1, 'sql': 5, 'mql': 2}}", LS_ERR_INVALID,
		  "thresholds.mql: duplicate key \"mql\"");
	/* surrogate pairs decode like json-c does, so both spellings clash */
	FAILS("{'name': 'x', 'fit': {'grades': {'\\ud83d\\ude00': 80, '\xf0\x9f\x98\x80': 60}}}", LS_ERR_INVALID,
		  "fit.grades.\xf0\x9f\x98\x80: duplicate key \"\xf0\x9f\x98\x80\"");
	/* even under an unknown key: duplicates are found before keys are checked */
	FAILS("{'name': 'x', 'extra': {'a': [1, {'b': 1, 'b': 2}]}}", LS_ERR_INVALID,
		  "extra.a[1].b: duplicate key \"b\"");
	/* long keys are shown cut, and deep paths end in "..." */
	FAILS("{'name': 'x', 'fit': {'rules': [], 'ggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg': 1}}",
		  LS_ERR_INVALID, "fit.gggggggggggggggggggggggggggggggggggggggggggg...: unknown key");
	{
		sbuf		b = {NULL, 0, 0};
		int			i;

		sb_add(&b, "{\"name\": \"x\", \"extra\": ");
		for (i = 0; i < 40; i++)
			sb_add(&b, "{\"k\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\": ");
		sb_add(&b, "{\"a\": 1, \"a\": 2}");
		for (i = 0; i < 40; i++)
			sb_add(&b, "}");
		sb_add(&b, "}");
		check_fail_raw(__LINE__, b.s, b.len, LS_ERR_INVALID,
					   "extra.k\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9.k", &fake_hooks);
		{
			ls_arena	arena;
			ls_model   *m;
			ls_error	err;

			ls_arena_init_malloc(&arena);
			CHECK(!ls_model_from_json(b.s, b.len, &arena, NULL, &m, &err));
			CHECK_CONTAINS(err.msg, "...: duplicate key \"a\"");
			CHECK(ls_utf8_valid(err.msg, strlen(err.msg), NULL));
			ls_arena_free(&arena);
		}
		free(b.s);
	}
	FAILS("{'name': 'x', 'a\\u0000b': 1}", LS_ERR_INVALID, "a?b: keys must not contain \\u0000");
	/* json-c turns any lone surrogate into U+FFFD: these two keys are one */
	FAILS("{'name': 'x', '\\ud800': 1, '\\udc00': 2}", LS_ERR_INVALID,
		  "\xef\xbf\xbd: duplicate key \"\xef\xbf\xbd\"");
}

TEST(durations_in_documents)
{
	ls_arena	arena;
	ls_model   *m;

	FAILS("{'name': 'x', 'intent': {'half_life': '30 fortnights'}}", LS_ERR_INVALID,
		  "intent.half_life: invalid duration \"30 fortnights\": unknown unit \"fortnights\"");
	FAILS("{'name': 'x', 'intent': {'half_life': '-5 days'}}", LS_ERR_INVALID,
		  "intent.half_life: invalid duration \"-5 days\": must not be negative");
	FAILS("{'name': 'x', 'intent': {'half_life': ''}}", LS_ERR_INVALID,
		  "intent.half_life: invalid duration \"\"");
	FAILS("{'name': 'x', 'intent': {'half_life': '3 months'}}", LS_ERR_INVALID,
		  "intent.half_life: invalid duration \"3 months\": \"months\" has no fixed length");

	ls_arena_init_malloc(&arena);
	m = PARSES("{'name': 'x', 'intent': {'half_life': '1 week 2 days'}}", &arena);
	CHECK(m != NULL && m->half_life_seconds == 9 * 86400.0);
	m = PARSES("{'name': 'x', 'intent': {'half_life': null}}", &arena);
	CHECK(m != NULL && m->half_life_seconds == 0);
	ls_arena_free(&arena);
}

TEST(grades)
{
	char		doc[1024];
	size_t		len;
	int			i;

	FAILS("{'name': 'x', 'fit': {'grades': {}}}", LS_ERR_INVALID, "fit.grades: expected at least one grade");
	FAILS("{'name': 'x', 'fit': {'grades': {'A': 80, 'B': 80}}}", LS_ERR_INVALID,
		  "fit.grades.B: expected a bar different from A's (80)");
	FAILS("{'name': 'x', 'fit': {'grades': {'': 80}}}", LS_ERR_INVALID,
		  "fit.grades: expected non-empty grade letters");
	FAILS("{'name': 'x', 'fit': {'grades': {'A': 1e999}}}", LS_ERR_INVALID,
		  "fit.grades.A: expected a finite number");

	len = (size_t) snprintf(doc, sizeof(doc), "{'name': 'x', 'fit': {'grades': {");
	for (i = 0; i < LS_MAX_GRADES + 1; i++)
		len += (size_t) snprintf(doc + len, sizeof(doc) - len, "%s'G%d': %d", i ? ", " : "", i, i);
	snprintf(doc + len, sizeof(doc) - len, "}}}");
	FAILS(doc, LS_ERR_INVALID, "fit.grades: too many grades (27; at most 26)");
}

TEST(thresholds)
{
	FAILS("{'name': 'x', 'thresholds': {'mql': 50, 'sql': 40}}", LS_ERR_INVALID,
		  "thresholds.sql: must be at least thresholds.mql (50)");
	FAILS("{'name': 'x', 'thresholds': {'sql': 49.5}}", LS_ERR_INVALID,
		  "thresholds.sql: must be at least thresholds.mql (50)");
	FAILS("{'name': 'x', 'thresholds': {'mql': 200}}", LS_ERR_INVALID,
		  "thresholds.sql: must be at least thresholds.mql (200)");
	FAILS("{'name': 'x', 'intent': {'inactivity': {'days': 0, 'points': -5}}}", LS_ERR_INVALID,
		  "intent.inactivity.days: expected a number of days greater than 0");
	FAILS("{'name': 'x', 'intent': {'inactivity': {'days': -3, 'points': -5}}}", LS_ERR_INVALID,
		  "intent.inactivity.days: expected a number of days greater than 0");
}

TEST(regex_hook)
{
	ls_arena	arena;
	ls_model   *m;
	ls_error	err;
	char	   *doc;

	FAILS(FITDOC(RULE("regex", "'value': '(abc', ")), LS_ERR_INVALID,
		  "fit.rules[0].value: invalid regular expression \"(abc\": parentheses () not balanced");
	FAILS(INTENTDOC("{'name': 'r', 'event': 'e', 'where': {'attribute': 'u', 'op': 'regex', 'value': 'a)'}, 'points': 1}"),
		  LS_ERR_INVALID, "intent.rules[0].where.value: invalid regular expression \"a)\"");

	regex_calls = 0;
	ls_arena_init_malloc(&arena);
	m = PARSES(example_doc, &arena);
	CHECK(m != NULL);
	CHECK(regex_calls == 1);

	/* without a hook only the core's own precheck runs */
	doc = jdoc(FITDOC(RULE("regex", "'value': '[(]', ")));
	CHECK(ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
	free(doc);
	FAILS(FITDOC(RULE("regex", "'value': '[(]', ")), LS_ERR_INVALID,
		  "fit.rules[0].value: invalid regular expression \"[(]\": parentheses () not balanced");
	doc = jdoc(FITDOC(RULE("regex", "'value': '(abc', ")));
	CHECK(!ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
	CHECK_STR(err.msg, "fit.rules[0].value: invalid regular expression \"(abc\": parentheses () not balanced");
	free(doc);
	ls_arena_free(&arena);
}

TEST(invalid_utf8)
{
	static const char bad1[] = "{\"name\": \"caf\xe9\"}";
	static const char bad2[] = "{\"name\": \"\xc0\xaf\"}";
	static const char bad3[] = "{\"name\": \"x\", \"\xff\": 1}";
	static const char bad4[] = "{\"name\": \"\xed\xa0\x80\"}";	/* a surrogate */
	static const char good[] = "{\"name\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}";
	ls_arena	arena;
	ls_model   *m = NULL;
	ls_error	err;

	FAILS_RAW(bad1, sizeof(bad1) - 1, LS_ERR_SYNTAX, "invalid JSON at line 1, column 14: invalid UTF-8");
	FAILS_RAW(bad2, sizeof(bad2) - 1, LS_ERR_SYNTAX, "invalid JSON at line 1, column 11: invalid UTF-8");
	FAILS_RAW(bad3, sizeof(bad3) - 1, LS_ERR_SYNTAX, "invalid JSON at line 1, column 16: invalid UTF-8");
	FAILS_RAW(bad4, sizeof(bad4) - 1, LS_ERR_SYNTAX, "invalid JSON at line 1, column 11: invalid UTF-8");

	ls_arena_init_malloc(&arena);
	CHECK(ls_model_from_json(good, sizeof(good) - 1, &arena, NULL, &m, &err));
	CHECK(m != NULL && strcmp(m->name, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == 0);
	ls_arena_free(&arena);
}

TEST(embedded_nul)
{
	static const char raw[] = "{\"name\": \"a\0b\"}";

	FAILS_RAW(raw, sizeof(raw) - 1, LS_ERR_SYNTAX, "invalid JSON at line 1, column 12: NUL byte");
	FAILS_RAW("{\"name\": \"x\"}\0", 14, LS_ERR_SYNTAX, "invalid JSON at line 1, column 14: NUL byte");
	FAILS("{'name': 'a\\u0000b'}", LS_ERR_INVALID, "name: strings must not contain \\u0000");
	FAILS(FITDOC(RULE("in", "'value': ['ok', 'x\\u0000'], ")), LS_ERR_INVALID,
		  "fit.rules[0].value[1]: strings must not contain \\u0000");
}

TEST(deep_nesting)
{
	size_t		n = 10000;
	char	   *doc = malloc(2 * n + 64);
	size_t		len = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		doc[len++] = '[';
	for (i = 0; i < n; i++)
		doc[len++] = ']';
	FAILS_RAW(doc, len, LS_ERR_LIMIT, "invalid JSON at line 1, column 65: nested deeper than 64 levels");

	len = (size_t) sprintf(doc, "{\"name\": \"x\", \"fit\": ");
	for (i = 0; i < n; i++)
		doc[len++] = '[';
	FAILS_RAW(doc, len, LS_ERR_LIMIT, "invalid JSON at line 1");
	free(doc);

	/* well within the limit: a plain type error */
	FAILS("{'name': [[[[[[[[[[1]]]]]]]]]]}", LS_ERR_INVALID, "name: expected a string, not an array");
}

TEST(limits)
{
	static const char long_head[] =
		"{\"name\": \"x\", \"fit\": {\"rules\": [{\"name\": \"r\", \"attribute\": \"a\", \"op\": \"contains\", \"value\": \"";
	static const char long_tail[] = "\", \"points\": 1}]}}";
	char	   *doc = many_rules_doc(LS_MAX_RULES * 2, 0);
	char	   *big;
	size_t		len;

	FAILS_RAW(doc, strlen(doc), LS_ERR_LIMIT, "fit.rules: too many rules (20000; the limit is 10000)");
	free(doc);
	doc = many_rules_doc(0, LS_MAX_RULES + 1);
	FAILS_RAW(doc, strlen(doc), LS_ERR_LIMIT, "intent.rules: too many rules (10001; the limit is 10000)");
	free(doc);

	/* more values than LS_MAX_VALUES in one rule */
	{
		sbuf		b = {NULL, 0, 0};
		int			i;

		sb_add(&b, "{\"name\": \"x\", \"fit\": {\"rules\": [{\"name\": \"r\", \"attribute\": \"a\", \"op\": \"in\", \"value\": [0");
		for (i = 0; i < LS_MAX_VALUES; i++)
			sb_add(&b, ",1");
		sb_add(&b, "], \"points\": 1}]}}");
		FAILS_RAW(b.s, b.len, LS_ERR_LIMIT, "fit.rules[0].value: too many values (100001; the limit is 100000)");
		free(b.s);
	}

	/* a string over LS_MAX_TEXT */
	len = LS_MAX_TEXT + 200;
	big = malloc(len + 1);
	memset(big, 'x', len);
	big[len] = '\0';
	memcpy(big, long_head, strlen(long_head));
	memcpy(big + len - strlen(long_tail), long_tail, strlen(long_tail));
	FAILS_RAW(big, len, LS_ERR_LIMIT, "fit.rules[0].value: string too long (");
	free(big);

	/* a document over 16 MiB is refused before parsing */
	len = (size_t) LS_MAX_DOCUMENT + 1;
	big = malloc(len);
	memset(big, ' ', len);
	memcpy(big, "{\"name\": \"x\"}", 13);
	FAILS_RAW(big, len, LS_ERR_LIMIT, "the model document is too large (16777217 bytes; the limit is 16777216)");
	/* ... while exactly 16 MiB is fine */
	{
		ls_arena	arena;
		ls_model   *m = NULL;
		ls_error	err;

		ls_arena_init_malloc(&arena);
		CHECK(ls_model_from_json(big, len - 1, &arena, NULL, &m, &err));
		ls_arena_free(&arena);
	}
	free(big);
}

TEST(huge_valid_document)
{
	char	   *doc = many_rules_doc(5000, 5000);
	ls_arena	arena;
	ls_model   *m = NULL;
	ls_error	err;
	char	   *once;
	char	   *twice;

	ls_arena_init_malloc(&arena);
	CHECK(ls_model_from_json(doc, strlen(doc), &arena, &fake_hooks, &m, &err));
	if (m != NULL)
	{
		CHECK(m->n_fit == 5000);
		CHECK(m->n_intent == 5000);
		CHECK_STR(m->fit_rules[4999].name, "f4999");
		CHECK(m->fit_rules[4999].cond.nvalues == 3);
		CHECK(m->fit_rules[4999].points == 49.5);
		CHECK(m->intent_rules[4999].cap == -50000);
		CHECK(m->half_life_seconds == 14 * 86400.0);
	}
	once = normalize(doc, strlen(doc), &arena);
	twice = once ? normalize(once, strlen(once), &arena) : NULL;
	CHECK(once != NULL && twice != NULL && strcmp(once, twice) == 0);
	ls_arena_free(&arena);
	free(doc);
}

TEST(out_of_memory)
{
	char	   *doc = jdoc(example_doc);
	ls_arena	arena;
	ls_model   *m = NULL;
	ls_error	err;
	char	   *out;
	size_t		out_len;

	ls_arena_init_malloc(&arena);
	arena.limit = 256;
	CHECK(!ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
	CHECK(err.kind == LS_ERR_NOMEM);
	ls_arena_free(&arena);

	ls_arena_init_malloc(&arena);
	CHECK(ls_model_from_json(doc, strlen(doc), &arena, NULL, &m, &err));
	{
		ls_arena	small;

		ls_arena_init_malloc(&small);
		small.limit = 64;		/* no room for the output */
		CHECK(!ls_model_to_json(m, &small, &out, &out_len, &err));
		CHECK(err.kind == LS_ERR_NOMEM);
		ls_arena_free(&small);
	}
	ls_arena_free(&arena);
	free(doc);
}

/* ------------------------------------------------------------------
 * The validation API as the glue calls it, with catalog-style `where`.
 * ------------------------------------------------------------------
 */

TEST(validate_api_messages)
{
	ls_value	vals[2] = {{true, 10, (char *) "10"}, {true, 1, (char *) "1"}};
	ls_fit_rule fr;
	ls_intent_rule ir;
	ls_error	err;

	memset(&fr, 0, sizeof(fr));
	fr.name = (char *) "exec";
	fr.cond.attribute = (char *) "employees";
	fr.cond.op = LS_OP_BETWEEN;
	fr.cond.values = vals;
	fr.cond.nvalues = 2;
	fr.cond.value_is_array = true;
	fr.points = 5;
	CHECK(!ls_fit_rule_validate(&fr, "rule \"exec\"", NULL, &err));
	CHECK(err.kind == LS_ERR_INVALID);
	CHECK_PREFIX(err.msg, "rule \"exec\": value: expected [lo, hi] with lo <= hi");
	CHECK(!ls_fit_rule_validate(&fr, "fit.rules[2]", NULL, &err));
	CHECK_PREFIX(err.msg, "fit.rules[2].value: ");

	vals[0].num = 0;
	CHECK(ls_fit_rule_validate(&fr, "rule \"exec\"", NULL, &err));
	fr.points = NAN;
	CHECK(!ls_fit_rule_validate(&fr, "rule \"exec\"", NULL, &err));
	CHECK_STR(err.msg, "rule \"exec\": points: expected a finite number");

	memset(&ir, 0, sizeof(ir));
	ir.name = (char *) "pricing";
	ir.event = (char *) "page_view";
	ir.has_where = true;
	ir.where.attribute = (char *) "email_class(x)";
	ir.where.op = LS_OP_EXISTS;
	ir.points = 1;
	CHECK(!ls_intent_rule_validate(&ir, "rule \"pricing\"", NULL, &err));
	CHECK_PREFIX(err.msg, "rule \"pricing\": where.attribute: expected a plain property key");
	ir.where.attribute = (char *) "url";
	ir.has_cap = true;
	ir.cap = -1;
	CHECK(!ls_intent_rule_validate(&ir, "rule \"pricing\"", NULL, &err));
	CHECK_STR(err.msg, "rule \"pricing\": cap: expected the same sign as points (1)");
	{
		/* a long `where` never leaves half a character in the message */
		char		where[600];
		size_t		k;

		for (k = 0; k + 2 < sizeof(where); k += 2)
			memcpy(where + k, "\xc3\xa9", 2);
		where[k] = '\0';
		CHECK(!ls_intent_rule_validate(&ir, where, NULL, &err));
		CHECK(strlen(err.msg) > 300);
		CHECK(ls_utf8_valid(err.msg, strlen(err.msg), NULL));
	}
	ir.where.op = (ls_op) 99;
	CHECK(!ls_intent_rule_validate(&ir, "rule \"pricing\"", NULL, &err));
	CHECK_PREFIX(err.msg, "rule \"pricing\": where.op: unknown operator");
}

TEST(validate_api_model)
{
	ls_model	m;
	ls_grade	unsorted[2] = {{(char *) "B", 60}, {(char *) "A", 80}};
	ls_error	err;

	ls_model_init(&m);
	CHECK(!ls_model_validate(&m, NULL, &err));
	CHECK_STR(err.msg, "name: is required (expected a non-empty string)");
	m.name = (char *) "m";
	CHECK(ls_model_validate(&m, NULL, &err));
	m.grades = unsorted;
	m.n_grades = 2;
	CHECK(!ls_model_validate(&m, NULL, &err));
	CHECK_STR(err.msg, "fit.grades: expected grades sorted by bar, highest first");
	ls_model_init(&m);
	m.name = (char *) "m";
	m.half_life_seconds = -1;
	CHECK(!ls_model_validate(&m, NULL, &err));
	CHECK_PREFIX(err.msg, "intent.half_life: ");
	m.half_life_seconds = 0;
	m.n_fit = LS_MAX_RULES + 1;
	CHECK(!ls_model_validate(&m, NULL, &err));
	CHECK(err.kind == LS_ERR_LIMIT);
	m.n_fit = 0;
	m.fit_weight = INFINITY;
	CHECK(!ls_model_validate(&m, NULL, &err));
	CHECK_STR(err.msg, "weights.fit: expected a finite number");
}

TEST(ops_and_attributes_api)
{
	ls_arena	arena;
	ls_derive	d;
	char	   *col;
	ls_error	err;
	ls_op		op;
	int			i;

	for (i = 0; i < LS_OP_COUNT; i++)
	{
		CHECK(ls_op_parse(ls_op_name((ls_op) i), &op));
		CHECK(op == (ls_op) i);
	}
	CHECK(!ls_op_parse("regexp", &op));
	CHECK(!ls_op_parse(NULL, &op));
	CHECK_STR(ls_op_name(LS_OP_GTE), "gte");
	CHECK(ls_op_kind_of(LS_OP_IN) == LS_OPK_TEXT);
	CHECK(ls_op_kind_of(LS_OP_REGEX) == LS_OPK_TEXT);
	CHECK(ls_op_kind_of(LS_OP_BETWEEN) == LS_OPK_NUMERIC);
	CHECK(ls_op_kind_of(LS_OP_LT) == LS_OPK_NUMERIC);
	CHECK(ls_op_kind_of(LS_OP_MISSING) == LS_OPK_PRESENCE);

	ls_arena_init_malloc(&arena);
	CHECK(ls_parse_attribute("job_title", &arena, &d, &col, &err));
	CHECK(d == LS_DERIVE_NONE);
	CHECK_STR(col, "job_title");
	CHECK(ls_parse_attribute("  seniority ( job title )  ", &arena, &d, &col, &err));
	CHECK(d == LS_DERIVE_SENIORITY);
	CHECK_STR(col, "job title");
	CHECK(ls_parse_attribute("email_class(email)", &arena, &d, &col, &err));
	CHECK(d == LS_DERIVE_EMAIL_CLASS);
	CHECK_STR(col, "email");
	CHECK(ls_parse_attribute("EMAIL_DOMAIN(email)", &arena, &d, &col, &err));
	CHECK(d == LS_DERIVE_EMAIL_DOMAIN);
	CHECK(!ls_parse_attribute("lower(email)", &arena, &d, &col, &err));
	CHECK(err.kind == LS_ERR_INVALID);
	CHECK_STR(err.msg, "unknown function \"lower\" in attribute \"lower(email)\" (expected seniority, email_class or email_domain)");
	CHECK(!ls_parse_attribute("seniority(a(b))", &arena, &d, &col, &err));
	CHECK(!ls_parse_attribute("1fn(a)", &arena, &d, &col, &err));
	CHECK(!ls_parse_attribute("", &arena, &d, &col, &err));
	CHECK(!ls_parse_attribute(NULL, &arena, &d, &col, &err));
	CHECK_STR(ls_derive_name(LS_DERIVE_EMAIL_DOMAIN), "email_domain");
	CHECK_STR(ls_derive_name(LS_DERIVE_SENIORITY), "seniority");
	CHECK_STR(ls_derive_name(LS_DERIVE_NONE), "");
	ls_arena_free(&arena);
}

TEST(number_format_and_excerpt)
{
	char		buf[LS_NUMBER_BUFLEN];
	char		ex[12];
	static const double samples[] = {
		0.1, 0.2, 1.0 / 3, 2.5, 1e15, 1e16, 123456789012345678.0, 1e-300,
		5e-324, 1.7976931348623157e308, -42, 99999999999999.9, 0.30000000000000004
	};
	size_t		i;

	ls_number_format(80, buf, sizeof(buf));
	CHECK_STR(buf, "80");
	ls_number_format(-0.0, buf, sizeof(buf));
	CHECK_STR(buf, "0");
	ls_number_format(2.5, buf, sizeof(buf));
	CHECK_STR(buf, "2.5");
	ls_number_format(0.1, buf, sizeof(buf));
	CHECK_STR(buf, "0.1");
	ls_number_format(1e20, buf, sizeof(buf));
	CHECK_STR(buf, "1e+20");
	ls_number_format(123456789012345.0, buf, sizeof(buf));
	CHECK_STR(buf, "123456789012345");
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
	{
		ls_number_format(samples[i], buf, sizeof(buf));
		CHECK(strtod(buf, NULL) == samples[i]);
	}

	ls_text_excerpt("short", ex, sizeof(ex));
	CHECK_STR(ex, "short");
	ls_text_excerpt("a\nb\x01", ex, sizeof(ex));
	CHECK_STR(ex, "a?b?");
	ls_text_excerpt("abcdefghijklmnop", ex, sizeof(ex));
	CHECK_STR(ex, "abcdefgh...");
	/* never cut inside a character: é is two bytes */
	ls_text_excerpt("abcdefg\xc3\xa9xyz", ex, sizeof(ex));
	CHECK_STR(ex, "abcdefg...");
	ls_text_excerpt("ab\xff", ex, sizeof(ex));
	CHECK_STR(ex, "ab?");
}

int
main(void)
{
	RUN(example_parses);
	RUN(round_trip_is_byte_identical);
	RUN(output_shape);
	RUN(alerts_section);
	RUN(account_section);
	RUN(defaults);
	RUN(not_json);
	RUN(root_not_object);
	RUN(missing_required);
	RUN(wrong_types);
	RUN(integer_bounds_are_exact);
	RUN(unknown_keys);
	RUN(unknown_operator);
	RUN(operator_values);
	RUN(operator_values_accepted);
	RUN(attributes);
	RUN(names);
	RUN(caps);
	RUN(duplicate_rule_names);
	RUN(duplicate_json_keys);
	RUN(durations_in_documents);
	RUN(grades);
	RUN(thresholds);
	RUN(regex_hook);
	RUN(invalid_utf8);
	RUN(embedded_nul);
	RUN(deep_nesting);
	RUN(limits);
	RUN(huge_valid_document);
	RUN(out_of_memory);
	RUN(validate_api_messages);
	RUN(validate_api_model);
	RUN(ops_and_attributes_api);
	RUN(number_format_and_excerpt);
	return UNIT_DONE();
}
