/*
 * test_fit.c — fit rule matching (fit.c).
 *
 * Models are built by hand so these tests need neither the JSON codec nor
 * model validation.  Regexes go through a fake host engine on POSIX
 * regcomp(REG_ICASE); non-ASCII folding through a fake hook that knows the
 * Latin-1 capitals of UTF-8.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "unit.h"

/* ---------- building models ---------- */

#define MAX_TEST_RULES 64

static ls_value
lt(const char *s)
{
	ls_value	v;

	v.is_number = false;
	v.num = 0;
	v.text = (char *) s;
	return v;
}

static ls_value
ln(double d)
{
	static char spell[64][32];
	static int	next;
	ls_value	v;
	char	   *t = spell[next++ % 64];

	snprintf(t, 32, "%.15g", d);
	v.is_number = true;
	v.num = d;
	v.text = t;
	return v;
}

#define VALS(...) (ls_value[]){__VA_ARGS__}, \
	(int) (sizeof((ls_value[]){__VA_ARGS__}) / sizeof(ls_value))
#define NOVALS NULL, 0

typedef struct tmodel
{
	ls_arena	arena;
	ls_model	m;
	ls_fit_rule rules[MAX_TEST_RULES];
	ls_grade	grades[4];
	ls_fit_plan *plans[8];
	int			n_plans;
} tmodel;

static void
tm_init(tmodel *t)
{
	memset(t, 0, sizeof(*t));
	ls_arena_init_malloc(&t->arena);
	t->m.name = "test";
	t->m.fit_rules = t->rules;
}

static ls_fit_plan *
tm_compile(tmodel *t, const ls_match_hooks *hooks, ls_error *err)
{
	ls_fit_plan *p = ls_fit_compile(&t->m, &t->arena, hooks, err);

	if (p != NULL)
		t->plans[t->n_plans++] = p;
	return p;
}

/* Plans first: what they took while evaluating is not in the arena. */
static void
tm_free(tmodel *t)
{
	int			i;

	for (i = 0; i < t->n_plans; i++)
		ls_fit_release(t->plans[i]);
	t->n_plans = 0;
	ls_arena_free(&t->arena);
}

static ls_fit_rule *
tm_rule(tmodel *t, const char *name, const char *attr, ls_op op,
		double points, const char *group, const ls_value *vals, int n)
{
	ls_fit_rule *r = &t->rules[t->m.n_fit++];

	r->name = (char *) name;
	r->cond.attribute = (char *) attr;
	r->cond.op = op;
	r->cond.nvalues = n;
	r->cond.value_is_array = n > 1;
	if (n > 0)
	{
		r->cond.values = ls_arena_alloc(&t->arena, n * sizeof(ls_value));
		memcpy(r->cond.values, vals, n * sizeof(ls_value));
	}
	r->points = points;
	r->group = (char *) group;
	return r;
}

/* ---------- attribute values ---------- */

static ls_attr_value
at(const char *s)
{
	ls_attr_value v;

	v.kind = LS_VAL_TEXT;
	v.text = s;
	v.len = strlen(s);
	v.num = 0;
	return v;
}

static ls_attr_value
an(double d)
{
	ls_attr_value v;

	v.kind = LS_VAL_NUMBER;
	v.text = NULL;
	v.len = 0;
	v.num = d;
	return v;
}

static ls_attr_value
anull(void)
{
	ls_attr_value v;

	memset(&v, 0, sizeof(v));
	v.kind = LS_VAL_NULL;
	return v;
}

static int
slot_of(const ls_fit_plan *p, const char *name)
{
	int			i;

	for (i = 0; i < ls_fit_n_attrs(p); i++)
		if (strcmp(ls_fit_attr_at(p, i)->name, name) == 0)
			return i;
	return -1;
}

/* ---------- fake host: POSIX regex, Latin-1 capitals fold ---------- */

#define MAX_REGEX 4096

typedef struct fake_host
{
	regex_t    *compiled[MAX_REGEX];
	int			n_compiled;
	long		regex_calls;
	long		fold_calls;
	bool		greedy_fold;	/* take extra scratch to stress the fold arena */
} fake_host;

static void *
rx_compile(const char *pattern, ls_arena *arena, void *ctx, ls_error *err)
{
	fake_host  *h = ctx;
	regex_t    *re = ls_arena_alloc(arena, sizeof(regex_t));
	int			rc;

	if (re == NULL || h->n_compiled >= MAX_REGEX)
	{
		ls_error_set(err, LS_ERR_NOMEM, "no room");
		return NULL;
	}
	rc = regcomp(re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0)
	{
		char		buf[200];

		regerror(rc, re, buf, sizeof(buf));
		ls_error_set(err, LS_ERR_INVALID, "%s", buf);
		return NULL;
	}
	h->compiled[h->n_compiled++] = re;
	return re;
}

static bool
rx_match(void *compiled, const char *text, size_t len, void *ctx)
{
	fake_host  *h = ctx;
	char	   *buf = malloc(len + 1);
	bool		r;

	h->regex_calls++;
	memcpy(buf, text, len);
	buf[len] = '\0';
	r = regexec(compiled, buf, 0, NULL, 0) == 0;
	free(buf);
	return r;
}

/* ASCII capitals and UTF-8 C3 80..C3 9E (Latin-1 capitals, not the ×). */
static char *
fake_fold(const char *text, size_t len, size_t *out_len, ls_arena *arena,
		  void *ctx)
{
	fake_host  *h = ctx;
	char	   *out;
	size_t		i;

	h->fold_calls++;
	if (h->greedy_fold && ls_arena_alloc(arena, 20000) == NULL)
		return NULL;
	out = ls_arena_alloc(arena, len + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (c >= 'A' && c <= 'Z')
			c += 32;
		else if (i > 0 && (unsigned char) text[i - 1] == 0xC3 &&
				 c >= 0x80 && c <= 0x9E && c != 0x97)
			c += 0x20;
		out[i] = (char) c;
	}
	*out_len = len;
	return out;
}

static void
host_init(fake_host *h, ls_match_hooks *hooks, bool with_fold)
{
	memset(h, 0, sizeof(*h));
	memset(hooks, 0, sizeof(*hooks));
	hooks->fold = with_fold ? fake_fold : NULL;
	hooks->regex_compile = rx_compile;
	hooks->regex_match = rx_match;
	hooks->ctx = h;
}

static void
host_free(fake_host *h)
{
	int			i;

	for (i = 0; i < h->n_compiled; i++)
		regfree(h->compiled[i]);
	h->n_compiled = 0;
}

/*
 * Does a one-rule model on attribute "a" match v?  Compiles afresh each
 * time so every operator goes through ls_fit_compile and ls_fit_eval.
 */
static bool
one(ls_op op, const ls_value *vals, int n, ls_attr_value v)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_error	err;
	ls_fit_plan *p;
	double		s = -1;

	tm_init(&t);
	host_init(&h, &hooks, true);
	tm_rule(&t, "r", "a", op, 7, NULL, vals, n);
	p = tm_compile(&t, &hooks, &err);
	CHECK(p != NULL);
	if (p != NULL)
	{
		CHECK(ls_fit_n_attrs(p) == 1);
		s = ls_fit_eval(p, &v, NULL, NULL);
		CHECK(s == 0 || s == 7);
	}
	host_free(&h);
	tm_free(&t);
	return s == 7;
}

/* ---------- tests ---------- */

TEST(eq_case_insensitive)
{
	CHECK(one(LS_OP_EQ, VALS(lt("director")), at("Director")));
	CHECK(one(LS_OP_EQ, VALS(lt("director")), at("DIRECTOR")));
	CHECK(one(LS_OP_EQ, VALS(lt("VP Sales")), at("vp sales")));
	CHECK(!one(LS_OP_EQ, VALS(lt("director")), at("directors")));
	CHECK(!one(LS_OP_EQ, VALS(lt("director")), at("directo")));
	CHECK(!one(LS_OP_EQ, VALS(lt("director")), at(" director")));
	CHECK(one(LS_OP_EQ, VALS(lt("")), at("")));
	CHECK(!one(LS_OP_EQ, VALS(lt("")), at("x")));
	/* folding must not confuse neighbours of the letter range */
	CHECK(!one(LS_OP_EQ, VALS(lt("@")), at("`")));
	CHECK(!one(LS_OP_EQ, VALS(lt("[")), at("{")));
}

TEST(eq_numbers)
{
	/* numeric literal against text: parsed, trimmed, whole string */
	CHECK(one(LS_OP_EQ, VALS(ln(42)), at("42")));
	CHECK(one(LS_OP_EQ, VALS(ln(42)), at("  42 ")));
	CHECK(one(LS_OP_EQ, VALS(ln(42)), at("42.0")));
	CHECK(one(LS_OP_EQ, VALS(ln(42)), at("+42")));
	CHECK(one(LS_OP_EQ, VALS(ln(42)), at("4.2e1")));
	CHECK(one(LS_OP_EQ, VALS(ln(0.5)), at(".5")));
	CHECK(one(LS_OP_EQ, VALS(ln(0)), at("-0")));
	CHECK(!one(LS_OP_EQ, VALS(ln(42)), at("42abc")));
	CHECK(!one(LS_OP_EQ, VALS(ln(42)), at("4 2")));
	CHECK(!one(LS_OP_EQ, VALS(ln(42)), at("0x2A")));
	CHECK(!one(LS_OP_EQ, VALS(ln(42)), at("")));
	CHECK(!one(LS_OP_EQ, VALS(ln(42)), at("n/a")));
	CHECK(!one(LS_OP_EQ, VALS(ln(42)), at("42e")));
	CHECK(!one(LS_OP_EQ, VALS(ln(42)), at(".")));
	/* numeric literal against a number: numerically */
	CHECK(one(LS_OP_EQ, VALS(ln(42)), an(42.0)));
	CHECK(!one(LS_OP_EQ, VALS(ln(42)), an(42.0000001)));
	CHECK(one(LS_OP_EQ, VALS(ln(0)), an(-0.0)));
	CHECK(!one(LS_OP_EQ, VALS(ln(1)), an(NAN)));
	/* text literal against a number: its canonical spelling */
	CHECK(one(LS_OP_EQ, VALS(lt("42")), an(42)));
	CHECK(one(LS_OP_EQ, VALS(lt("2.5")), an(2.5)));
	CHECK(one(LS_OP_EQ, VALS(lt("-7")), an(-7)));
	CHECK(one(LS_OP_EQ, VALS(lt("1E+20")), an(1e20)));
	CHECK(!one(LS_OP_EQ, VALS(lt("42.0")), an(42)));
	CHECK(one(LS_OP_EQ, VALS(lt("0")), an(-0.0)));
	/* a text literal does not parse the value as a number */
	CHECK(!one(LS_OP_EQ, VALS(lt("42")), at("42.0")));
}

TEST(in_mixed)
{
	CHECK(one(LS_OP_IN, VALS(lt("us"), ln(1), lt("CA")), at("US")));
	CHECK(one(LS_OP_IN, VALS(lt("us"), ln(1), lt("CA")), at("ca")));
	CHECK(one(LS_OP_IN, VALS(lt("us"), ln(1), lt("CA")), at("1.0")));
	CHECK(one(LS_OP_IN, VALS(lt("us"), ln(1), lt("CA")), an(1)));
	CHECK(!one(LS_OP_IN, VALS(lt("us"), ln(1), lt("CA")), at("2")));
	CHECK(!one(LS_OP_IN, VALS(lt("us"), ln(1), lt("CA")), at("usa")));
	/* longer than the linear limit: hashed, same answers */
	CHECK(one(LS_OP_IN, VALS(lt("a"), lt("b"), lt("c"), lt("d"), lt("E"), lt("f"),
							  ln(1), ln(2), ln(3), ln(4), ln(5), ln(-0.0)), at("e")));
	CHECK(one(LS_OP_IN, VALS(lt("a"), lt("b"), lt("c"), lt("d"), lt("E"), lt("f"),
							  ln(1), ln(2), ln(3), ln(4), ln(5), ln(-0.0)), at(" 5 ")));
	CHECK(one(LS_OP_IN, VALS(lt("a"), lt("b"), lt("c"), lt("d"), lt("E"), lt("f"),
							  ln(1), ln(2), ln(3), ln(4), ln(5), ln(-0.0)), an(0)));
	CHECK(!one(LS_OP_IN, VALS(lt("a"), lt("b"), lt("c"), lt("d"), lt("E"), lt("f"),
							   ln(1), ln(2), ln(3), ln(4), ln(5), ln(-0.0)), at("g")));
	CHECK(!one(LS_OP_IN, VALS(lt("a"), lt("b"), lt("c"), lt("d"), lt("E"), lt("f"),
							   ln(1), ln(2), ln(3), ln(4), ln(5), ln(-0.0)), an(6)));
}

TEST(contains_prefix_suffix)
{
	CHECK(one(LS_OP_CONTAINS, VALS(lt("director")), at("Sales DIRECTOR, EMEA")));
	CHECK(one(LS_OP_CONTAINS, VALS(lt("Director")), at("director")));
	CHECK(!one(LS_OP_CONTAINS, VALS(lt("director")), at("Direct report")));
	CHECK(one(LS_OP_CONTAINS, VALS(lt("xyz"), lt("ECT")), at("director")));
	CHECK(one(LS_OP_CONTAINS, VALS(lt("")), at("")));
	CHECK(one(LS_OP_CONTAINS, VALS(lt("aab")), at("aaab")));
	CHECK(!one(LS_OP_CONTAINS, VALS(lt("abc")), at("ab")));

	CHECK(one(LS_OP_PREFIX, VALS(lt("VP ")), at("vp sales")));
	CHECK(!one(LS_OP_PREFIX, VALS(lt("VP ")), at("svp sales")));
	CHECK(!one(LS_OP_PREFIX, VALS(lt("VP ")), at("vp")));
	CHECK(one(LS_OP_PREFIX, VALS(lt("chief"), lt("head of")), at("Head Of Growth")));

	CHECK(one(LS_OP_SUFFIX, VALS(lt(".edu"), lt(".ac.uk")), at("kim@MIT.EDU")));
	CHECK(one(LS_OP_SUFFIX, VALS(lt(".edu"), lt(".ac.uk")), at("j@ox.ac.uk")));
	CHECK(!one(LS_OP_SUFFIX, VALS(lt(".edu"), lt(".ac.uk")), at("j@edu.com")));
	CHECK(!one(LS_OP_SUFFIX, VALS(lt(".edu")), at("edu")));
	CHECK(one(LS_OP_SUFFIX, VALS(lt(".EDU")), at(".edu")));
}

TEST(text_ops_on_numbers)
{
	CHECK(one(LS_OP_CONTAINS, VALS(lt(".")), an(2.5)));
	CHECK(!one(LS_OP_CONTAINS, VALS(lt(".")), an(2)));
	CHECK(one(LS_OP_PREFIX, VALS(lt("-")), an(-3)));
	CHECK(one(LS_OP_SUFFIX, VALS(lt("5")), an(2.5)));
	CHECK(one(LS_OP_CONTAINS, VALS(lt("e+")), an(1e20)));
	CHECK(one(LS_OP_EQ, VALS(lt("123456789012345")), an(123456789012345.0)));
	CHECK(one(LS_OP_EQ, VALS(lt("1e+15")), an(1e15)));
	CHECK(one(LS_OP_EQ, VALS(lt("0.1")), an(0.1)));
	CHECK(one(LS_OP_REGEX, VALS(lt("^4[0-9]$")), an(42)));
	CHECK(one(LS_OP_CONTAINS, VALS(ln(5000)), at("5000 employees")));
}

TEST(numeric_ops)
{
	CHECK(one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), an(200)));
	CHECK(one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), an(5000)));
	CHECK(one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), an(1000.5)));
	CHECK(!one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), an(199.999)));
	CHECK(!one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), an(5000.001)));
	CHECK(one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), at(" 200")));
	CHECK(one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), at("5e3")));
	CHECK(!one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), at("n/a")));
	CHECK(!one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), at("N/A")));
	CHECK(!one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), at("1,000")));
	CHECK(!one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), at("")));
	CHECK(!one(LS_OP_BETWEEN, VALS(ln(200), ln(5000)), an(NAN)));

	CHECK(one(LS_OP_GT, VALS(ln(10)), an(10.5)));
	CHECK(!one(LS_OP_GT, VALS(ln(10)), an(10)));
	CHECK(one(LS_OP_GTE, VALS(ln(10)), an(10)));
	CHECK(!one(LS_OP_GTE, VALS(ln(10)), an(9.99)));
	CHECK(one(LS_OP_LT, VALS(ln(10)), an(-1)));
	CHECK(!one(LS_OP_LT, VALS(ln(10)), an(10)));
	CHECK(one(LS_OP_LTE, VALS(ln(10)), an(10)));
	CHECK(!one(LS_OP_LTE, VALS(ln(10)), an(10.01)));

	CHECK(one(LS_OP_GT, VALS(ln(1e6)), at("2500000")));
	CHECK(one(LS_OP_LT, VALS(ln(0)), at("-3.5")));
	CHECK(!one(LS_OP_GT, VALS(ln(1e6)), at("1e999")));
	CHECK(!one(LS_OP_GT, VALS(ln(1e6)), at("inf")));
	CHECK(!one(LS_OP_GT, VALS(ln(1e6)), at("Infinity")));
	CHECK(!one(LS_OP_LT, VALS(ln(1e6)), at("nan")));
	CHECK(!one(LS_OP_GT, VALS(ln(0)), at("12 employees")));
	/* more than 15 digits goes through strtod */
	CHECK(one(LS_OP_GT, VALS(ln(1e17)), at("1234567890123456789")));
	CHECK(one(LS_OP_LT, VALS(ln(1)), at("0.000000000000000000001")));
	CHECK(one(LS_OP_EQ, VALS(ln(1e24)), at("1000000000000000000000000")));
	CHECK(one(LS_OP_EQ, VALS(ln(-12345678901234567.0)), at("-12345678901234567")));
	/* past 256 characters nothing is a number (no real column holds one) */
	{
		char		digits[400];

		memset(digits, '0', sizeof(digits) - 2);
		digits[sizeof(digits) - 2] = '5';
		digits[sizeof(digits) - 1] = '\0';
		CHECK(one(LS_OP_EQ, VALS(ln(5)), at(digits + sizeof(digits) - 40)));
		CHECK(!one(LS_OP_EQ, VALS(ln(5)), at(digits)));
	}
}

TEST(null_and_presence)
{
	ls_attr_value null = anull();

	CHECK(one(LS_OP_MISSING, NOVALS, null));
	CHECK(!one(LS_OP_EXISTS, NOVALS, null));
	CHECK(one(LS_OP_EXISTS, NOVALS, at("")));
	CHECK(!one(LS_OP_MISSING, NOVALS, at("")));
	CHECK(one(LS_OP_EXISTS, NOVALS, an(0)));
	CHECK(!one(LS_OP_MISSING, NOVALS, an(0)));

	CHECK(!one(LS_OP_EQ, VALS(lt("")), null));
	CHECK(!one(LS_OP_IN, VALS(lt(""), ln(0)), null));
	CHECK(!one(LS_OP_CONTAINS, VALS(lt("")), null));
	CHECK(!one(LS_OP_PREFIX, VALS(lt("")), null));
	CHECK(!one(LS_OP_SUFFIX, VALS(lt("")), null));
	CHECK(!one(LS_OP_REGEX, VALS(lt(".*")), null));
	CHECK(!one(LS_OP_LT, VALS(ln(1e300)), null));
	CHECK(!one(LS_OP_GT, VALS(ln(-1e300)), null));
	CHECK(!one(LS_OP_BETWEEN, VALS(ln(-1e300), ln(1e300)), null));
}

typedef struct fired_log
{
	int			n;
	int			rules[MAX_TEST_RULES];
	double		sum;
	const ls_attr_value *seen[MAX_TEST_RULES];
} fired_log;

static void
log_fired(int rule_index, const ls_attr_value *seen, double points, void *ctx)
{
	fired_log  *l = ctx;

	l->seen[l->n] = seen;
	l->rules[l->n++] = rule_index;
	l->sum += points;
}

/* The design's example rubric, with POSIX word boundaries. */
static ls_fit_plan *
b2b_plan(tmodel *t, fake_host *h, ls_match_hooks *hooks)
{
	ls_error	err;
	ls_fit_plan *p;

	tm_init(t);
	host_init(h, hooks, true);
	tm_rule(t, "exec", "job_title", LS_OP_REGEX, 20, "seniority",
			VALS(lt("\\<(vp|chief|c[eft]o)\\>")));
	tm_rule(t, "director", "job_title", LS_OP_CONTAINS, 15, "seniority",
			VALS(lt("director")));
	tm_rule(t, "mid-market", "employees", LS_OP_BETWEEN, 15, NULL,
			VALS(ln(200), ln(5000)));
	tm_rule(t, "student email", "email", LS_OP_SUFFIX, -15, NULL,
			VALS(lt(".edu"), lt(".ac.uk")));
	tm_rule(t, "manager", "job_title", LS_OP_CONTAINS, 10, "seniority",
			VALS(lt("manager")));
	tm_rule(t, "no email", "email", LS_OP_MISSING, -5, NULL, NOVALS);
	tm_rule(t, "personal", "email_class(email)", LS_OP_EQ, -10, "email",
			VALS(lt("personal")));
	tm_rule(t, "work", "email_class(email)", LS_OP_EQ, 5, "email",
			VALS(lt("work"), lt("personal")));
	t->grades[0].letter = "A";
	t->grades[0].bar = 80;
	t->grades[1].letter = "B";
	t->grades[1].bar = 60;
	t->grades[2].letter = "C";
	t->grades[2].bar = 40;
	t->m.grades = t->grades;
	t->m.n_grades = 3;
	p = tm_compile(t, hooks, &err);
	CHECK(p != NULL);
	if (p == NULL)
		printf("# %s\n", err.msg);
	return p;
}

TEST(attribute_slots)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_fit_plan *p = b2b_plan(&t, &h, &hooks);
	const ls_fit_attr *a;

	if (p == NULL)
		return;
	CHECK(ls_fit_n_attrs(p) == 4);
	a = ls_fit_attr_at(p, slot_of(p, "job_title"));
	CHECK(a != NULL && a->wants_text && !a->wants_number &&
		  a->derive == LS_DERIVE_NONE);
	if (a)
		CHECK_STR(a->column, "job_title");
	a = ls_fit_attr_at(p, slot_of(p, "employees"));
	CHECK(a != NULL && !a->wants_text && a->wants_number);
	a = ls_fit_attr_at(p, slot_of(p, "email"));
	CHECK(a != NULL && a->wants_text && !a->wants_number);
	a = ls_fit_attr_at(p, slot_of(p, "email_class(email)"));
	CHECK(a != NULL && a->derive == LS_DERIVE_EMAIL_CLASS && a->wants_text);
	if (a)
		CHECK_STR(a->column, "email");
	CHECK(ls_fit_attr_at(p, -1) == NULL);
	CHECK(ls_fit_attr_at(p, 4) == NULL);
	host_free(&h);
	tm_free(&t);
}

TEST(wants_number_from_eq)
{
	tmodel		t;
	ls_error	err;
	ls_fit_plan *p;

	tm_init(&t);
	tm_rule(&t, "ten", "n", LS_OP_IN, 1, NULL, VALS(ln(10), ln(20)));
	tm_rule(&t, "gone", "m", LS_OP_MISSING, 1, NULL, NOVALS);
	tm_rule(&t, "seniority", "seniority( job_title )", LS_OP_EQ, 1, NULL,
			VALS(lt("vp")));
	p = tm_compile(&t, NULL, &err);
	CHECK(p != NULL);
	if (p != NULL)
	{
		const ls_fit_attr *a = ls_fit_attr_at(p, 0);

		CHECK(a->wants_number && a->wants_text);
		a = ls_fit_attr_at(p, 1);
		CHECK(!a->wants_number && !a->wants_text);
		a = ls_fit_attr_at(p, 2);
		CHECK(a->derive == LS_DERIVE_SENIORITY);
		CHECK_STR(a->column, "job_title");
	}
	tm_free(&t);
}

static double
eval_b2b(ls_fit_plan *p, const char *title, ls_attr_value employees,
		 const char *email, const char *email_class, fired_log *log)
{
	ls_attr_value v[4];

	v[slot_of(p, "job_title")] = title ? at(title) : anull();
	v[slot_of(p, "employees")] = employees;
	v[slot_of(p, "email")] = email ? at(email) : anull();
	v[slot_of(p, "email_class(email)")] = email_class ? at(email_class) : anull();
	if (log)
		memset(log, 0, sizeof(*log));
	return ls_fit_eval(p, v, log ? log_fired : NULL, log);
}

TEST(groups_first_match)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_fit_plan *p = b2b_plan(&t, &h, &hooks);
	fired_log	log;

	if (p == NULL)
		return;
	/* exec and director both match: only exec (first in rule order) */
	CHECK(eval_b2b(p, "VP and Director", anull(), "a@b.com", NULL, &log) == 20);
	CHECK(log.n == 1 && log.rules[0] == 0);
	CHECK(eval_b2b(p, "Sales Director", anull(), "a@b.com", NULL, NULL) == 15);
	/* rule order decides, not the order in the text */
	CHECK(eval_b2b(p, "Manager, Director", anull(), "a@b.com", NULL, NULL) == 15);
	CHECK(eval_b2b(p, "Manager", anull(), "a@b.com", NULL, NULL) == 10);
	CHECK(eval_b2b(p, "Engineer", anull(), "a@b.com", NULL, NULL) == 0);
	/* regex word boundary: "avp" is no VP */
	CHECK(eval_b2b(p, "AVP", anull(), "a@b.com", NULL, NULL) == 0);
	CHECK(eval_b2b(p, "Chief of Staff", anull(), "a@b.com", NULL, NULL) == 20);
	/* a second group is independent; its first match wins too */
	CHECK(eval_b2b(p, NULL, anull(), "a@b.com", "personal", &log) == -10);
	CHECK(log.n == 1 && log.rules[0] == 6);
	CHECK(eval_b2b(p, NULL, anull(), "a@b.com", "WORK", NULL) == 5);
	/* ungrouped rules and negative points add up */
	CHECK(eval_b2b(p, "CEO", an(1000), "kim@Stanford.EDU", "work", &log) == 20 + 15 - 15 + 5);
	CHECK(log.n == 4);
	CHECK(eval_b2b(p, "CEO", at("1000"), NULL, NULL, NULL) == 20 + 15 - 5);
	CHECK(eval_b2b(p, "CEO", at("n/a"), NULL, NULL, NULL) == 20 - 5);
	/* the same plan, row after row, does not leak state between rows */
	CHECK(eval_b2b(p, "Director", anull(), "x@y.ac.uk", NULL, NULL) == 0);
	CHECK(eval_b2b(p, NULL, anull(), NULL, NULL, NULL) == -5);
	host_free(&h);
	tm_free(&t);
}

TEST(explain_sums_to_score)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_fit_plan *p = b2b_plan(&t, &h, &hooks);
	static const char *titles[] = {"VP Sales", "director", "Manager", "cto", NULL, "intern"};
	static const char *emails[] = {"a@mit.edu", "b@acme.com", NULL, "c@ox.ac.uk"};
	static const char *classes[] = {"personal", "work", NULL, "other"};
	int			i;
	int			j;
	int			k;

	if (p == NULL)
		return;
	for (i = 0; i < 6; i++)
		for (j = 0; j < 4; j++)
			for (k = 0; k < 4; k++)
			{
				fired_log	log;
				double		s = eval_b2b(p, titles[i], an(100.0 * (i + j + k)),
										 emails[j], classes[k], &log);
				int			f;

				CHECK(s == log.sum);
				CHECK(s == eval_b2b(p, titles[i], an(100.0 * (i + j + k)),
									emails[j], classes[k], NULL));
				for (f = 1; f < log.n; f++)
					CHECK(log.rules[f] > log.rules[f - 1]);
				for (f = 0; f < log.n; f++)
					CHECK(log.seen[f] != NULL);
			}
	host_free(&h);
	tm_free(&t);
}

TEST(grades)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_fit_plan *p = b2b_plan(&t, &h, &hooks);

	CHECK_STR(ls_grade_of(&t.m, 100), "A");
	CHECK_STR(ls_grade_of(&t.m, 80), "A");
	CHECK_STR(ls_grade_of(&t.m, 79.999), "B");
	CHECK_STR(ls_grade_of(&t.m, 60), "B");
	CHECK_STR(ls_grade_of(&t.m, 40), "C");
	CHECK_STR(ls_grade_of(&t.m, 39.5), "D");
	CHECK_STR(ls_grade_of(&t.m, -50), "D");
	CHECK_STR(ls_grade_of(&t.m, NAN), "D");
	t.m.n_grades = 0;
	CHECK_STR(ls_grade_of(&t.m, 1000), "D");
	(void) p;
	host_free(&h);
	tm_free(&t);
}

TEST(in_list_10000)
{
	tmodel		t;
	ls_error	err;
	ls_fit_plan *p;
	ls_value   *texts = malloc(10000 * sizeof(ls_value));
	ls_value   *nums = malloc(10000 * sizeof(ls_value));
	char	  (*spell)[32] = malloc(10000 * sizeof(*spell));
	char		buf[64];
	int			i;
	int			bad = 0;

	tm_init(&t);
	for (i = 0; i < 10000; i++)
	{
		snprintf(spell[i], 32, "Company-%d.COM", i * 7);
		texts[i] = lt(spell[i]);
		nums[i].is_number = true;
		nums[i].num = i * 3 + 0.5;
		nums[i].text = "x";
	}
	tm_rule(&t, "domains", "domain", LS_OP_IN, 1, NULL, texts, 10000);
	tm_rule(&t, "codes", "code", LS_OP_IN, 2, NULL, nums, 10000);
	p = tm_compile(&t, NULL, &err);
	CHECK(p != NULL);
	if (p != NULL)
	{
		for (i = 0; i < 70000; i++)
		{
			ls_attr_value v[2];
			double		want = 0;

			snprintf(buf, sizeof(buf), i % 2 ? "COMPANY-%d.Com" : "company-%d.com", i);
			v[0] = at(buf);
			v[1] = an(i * 0.5);
			if (i % 7 == 0)
				want += 1;
			if (i % 2 == 1 && (i - 1) / 2 % 3 == 0 && (i - 1) / 2 / 3 < 10000)
				want += 2;
			if (ls_fit_eval(p, v, NULL, NULL) != want)
				bad++;
		}
		CHECK(bad == 0);
	}
	free(texts);
	free(nums);
	free(spell);
	tm_free(&t);
}

TEST(utf8_fold_hook)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_error	err;
	ls_fit_plan *p;
	ls_attr_value v;

	tm_init(&t);
	host_init(&h, &hooks, true);
	/* literals folded at compile time through the hook too */
	tm_rule(&t, "dg", "title", LS_OP_CONTAINS, 1, NULL, VALS(lt("GÉNÉRAL")));
	tm_rule(&t, "dir", "title", LS_OP_PREFIX, 2, NULL, VALS(lt("directeur")));
	tm_rule(&t, "exact", "title", LS_OP_IN, 4, NULL,
			VALS(lt("a"), lt("b"), lt("c"), lt("d"), lt("e"), lt("directeur général")));
	tm_rule(&t, "rx", "title", LS_OP_REGEX, 8, NULL, VALS(lt("général$")));
	p = tm_compile(&t, &hooks, &err);
	CHECK(p != NULL);
	if (p != NULL)
	{
		long		before;

		v = at("DIRECTEUR GÉNÉRAL");
		before = h.fold_calls;
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 15);
		/* four rules on one slot: the row's value is folded once */
		CHECK(h.fold_calls == before + 1);
		v = at("Directeur Général");
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 15);
		v = at("DIRECTEUR GÉNÉRALE");
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 3);
		/* plain ASCII never reaches the hook */
		before = h.fold_calls;
		v = at("DIRECTEUR");
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 2);
		CHECK(h.fold_calls == before);
	}
	host_free(&h);
	tm_free(&t);

	/* without a fold hook only ASCII folds */
	tm_init(&t);
	host_init(&h, &hooks, false);
	tm_rule(&t, "dg", "title", LS_OP_CONTAINS, 1, NULL, VALS(lt("général")));
	tm_rule(&t, "dir", "title", LS_OP_PREFIX, 2, NULL, VALS(lt("directeur")));
	p = tm_compile(&t, &hooks, &err);
	CHECK(p != NULL);
	if (p != NULL)
	{
		v = at("DIRECTEUR GÉNÉRAL");
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 2);
		v = at("DIRECTEUR GéNéRAL");
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 3);
	}
	host_free(&h);
	tm_free(&t);
}

TEST(long_values_and_fold_scratch)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_error	err;
	ls_fit_plan *p;
	size_t		n = 60000;
	char	   *big = malloc(n + 16);
	size_t		i;
	int			round;

	tm_init(&t);
	host_init(&h, &hooks, true);
	h.greedy_fold = true;
	tm_rule(&t, "tail", "x", LS_OP_SUFFIX, 1, NULL, VALS(lt("général")));
	tm_rule(&t, "mid", "x", LS_OP_CONTAINS, 2, NULL, VALS(lt("éxé")));
	tm_rule(&t, "rx", "x", LS_OP_REGEX, 4, NULL, VALS(lt("^(é)+ g")));
	p = tm_compile(&t, &hooks, &err);
	CHECK(p != NULL);
	for (i = 0; i + 1 < n; i += 2)
	{
		big[i] = (char) 0xC3;
		big[i + 1] = (char) 0x89;	/* É */
	}
	strcpy(big + n, " GÉNÉRAL");
	for (round = 0; p != NULL && round < 3; round++)
	{
		ls_attr_value v = at(big);
		size_t		total_before = t.arena.total;

		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 5);
		v = at("éxÉ");
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 2);
		/* once warmed up, rows take nothing more from the arena */
		if (round > 0)
			CHECK(t.arena.total == total_before);
	}
	free(big);
	host_free(&h);
	tm_free(&t);
}

TEST(regex_memo)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_error	err;
	ls_fit_plan *p;
	enum
	{
		N = 2000
	};
	static char titles[N][120];
	static bool expect[N];
	regex_t		ref;
	int			i;
	int			pass;
	int			bad = 0;
	long		calls;
	uint64_t	x = 88172645463325252ULL;

	tm_init(&t);
	host_init(&h, &hooks, false);
	tm_rule(&t, "senior", "title", LS_OP_REGEX, 1, NULL,
			VALS(lt("^(vp|director)"), lt("chief [a-z]+ officer")));
	p = tm_compile(&t, &hooks, &err);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK(regcomp(&ref, "^(vp|director)|chief [a-z]+ officer",
				  REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0);
	for (i = 0; i < N; i++)
	{
		static const char *shapes[] = {"VP Sales %d", "Engineer %d", "Director %d",
		"Chief %c Officer", "Senior VP %d", "vp %d"};
		int			s = i % 6;

		if (s == 3)
			snprintf(titles[i], sizeof(titles[i]), "Chief %c%c Officer %d",
					 'a' + i % 26, 'A' + i / 26 % 26, i);
		else
			snprintf(titles[i], sizeof(titles[i]), shapes[s], i);
		/* some past the memo's key length: still right, never remembered */
		if (i % 50 == 0)
			memset(titles[i] + strlen(titles[i]), 'x', 110 - strlen(titles[i]));
		expect[i] = regexec(&ref, titles[i], 0, NULL, 0) == 0;
	}

	/* the same title again and again: the engine runs once */
	calls = h.regex_calls;
	for (i = 0; i < 100; i++)
	{
		ls_attr_value v = at(titles[0 + 1]);

		CHECK(ls_fit_eval(p, &v, NULL, NULL) == expect[1]);
	}
	CHECK(h.regex_calls - calls <= 2);

	/* the same and different titles alternate, colliding in the memo */
	for (pass = 0; pass < 4; pass++)
		for (i = 0; i < 4 * N; i++)
		{
			int			k;
			ls_attr_value v;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			k = (i % 2 == 0) ? (int) (x % N) : (int) (x % 8);
			v = at(titles[k]);
			if (ls_fit_eval(p, &v, NULL, NULL) != (expect[k] ? 1 : 0))
				bad++;
		}
	CHECK(bad == 0);
	/* and the memo did save work */
	CHECK(h.regex_calls < 4 * 4 * N * 2);
	regfree(&ref);
	host_free(&h);
	tm_free(&t);
}

/*
 * An attribute with several text rules remembers their answers per value:
 * the same totals as the rules spread over one attribute each (no memo),
 * groups included, and a repeated value is matched (folded) only once.
 */
static void
memo_rules(tmodel *t, int spread)
{
	const char *a[] = {"title", "t1", "t2", "t3", "t4", "t5"};

#define ATTR(k) (spread ? a[k] : a[0])
	tm_rule(t, "exec", ATTR(1), LS_OP_REGEX, 20, "seniority", VALS(lt("^(vp|chief)")));
	tm_rule(t, "director", ATTR(2), LS_OP_CONTAINS, 15, "seniority", VALS(lt("director"), lt("directeur")));
	tm_rule(t, "manager", ATTR(3), LS_OP_SUFFIX, 8, "seniority", VALS(lt("manager")));
	tm_rule(t, "sales", ATTR(4), LS_OP_CONTAINS, 6, NULL, VALS(lt("sales"), lt("vente")));
	tm_rule(t, "exact", ATTR(5), LS_OP_IN, -3, NULL, VALS(lt("Intern"), lt("Stagiaire"), lt("Étudiant")));
	tm_rule(t, "no title", ATTR(0), LS_OP_MISSING, -5, NULL, NOVALS);
#undef ATTR
}

TEST(attribute_memo)
{
	tmodel		tm;
	tmodel		ts;
	fake_host	hm;
	fake_host	hs;
	ls_match_hooks hooks_m;
	ls_match_hooks hooks_s;
	ls_error	err;
	ls_fit_plan *memo;
	ls_fit_plan *spread;
	static const char *titles[] = {
		"VP Sales", "Sales Director", "Directeur des ventes", "Chief Executive", "Sales Manager",
		"ÉTUDIANT", "Étudiant", "intern", "Intern", "", "Account Manager", "Vice Director",
		"Directeur Général", "vpn admin", "sales", NULL
	};
	int			n = 0;
	int			i;
	int			bad = 0;
	long		folds;

	while (titles[n] != NULL)
		n++;
	tm_init(&tm);
	tm_init(&ts);
	host_init(&hm, &hooks_m, false);
	host_init(&hs, &hooks_s, false);
	memo_rules(&tm, 0);
	memo_rules(&ts, 1);
	memo = tm_compile(&tm, &hooks_m, &err);
	spread = tm_compile(&ts, &hooks_s, &err);
	CHECK(memo != NULL && spread != NULL);
	if (memo == NULL || spread == NULL)
		return;
	for (i = 0; i < 50 * n + 1; i++)
	{
		ls_attr_value v[6];
		int			k;
		double		want;

		for (k = 0; k < 6; k++)
			v[k] = i == 50 * n ? anull() : at(titles[(i * 7) % n]);
		want = ls_fit_eval(spread, v, NULL, NULL);
		if (ls_fit_eval(memo, v, NULL, NULL) != want)
		{
			printf("#   \"%s\": %g with the memo, %g without\n",
				   i == 50 * n ? "(null)" : titles[(i * 7) % n],
				   ls_fit_eval(memo, v, NULL, NULL), want);
			bad++;
		}
	}
	CHECK(bad == 0);
	/* a non-ASCII title seen again is answered from the memo: no new fold */
	{
		ls_attr_value v = at("Directeur Général");

		(void) ls_fit_eval(memo, &v, NULL, NULL);
		folds = hm.fold_calls;
		for (i = 0; i < 20; i++)
			CHECK(ls_fit_eval(memo, &v, NULL, NULL) == 15);
		CHECK(hm.fold_calls == folds);
	}
	host_free(&hm);
	host_free(&hs);
	tm_free(&tm);
	tm_free(&ts);
}

TEST(compile_errors)
{
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_error	err;

	tm_init(&t);
	host_init(&h, &hooks, false);
	tm_rule(&t, "fine", "a", LS_OP_EQ, 1, NULL, VALS(lt("x")));
	tm_rule(&t, "exec", "job_title", LS_OP_REGEX, 20, NULL, VALS(lt("(vp|ceo")));
	ls_error_clear(&err);
	CHECK(tm_compile(&t, &hooks, &err) == NULL);
	CHECK_CONTAINS(err.msg, "\"exec\"");
	CHECK(err.kind == LS_ERR_INVALID);
	host_free(&h);
	tm_free(&t);

	/* a regex rule needs the host's engine */
	tm_init(&t);
	tm_rule(&t, "exec", "job_title", LS_OP_REGEX, 20, NULL, VALS(lt("vp")));
	CHECK(tm_compile(&t, NULL, &err) == NULL);
	CHECK_CONTAINS(err.msg, "exec");
	tm_free(&t);

	tm_init(&t);
	tm_rule(&t, "size", "employees", LS_OP_BETWEEN, 1, NULL, VALS(ln(1)));
	CHECK(tm_compile(&t, NULL, &err) == NULL);
	CHECK_CONTAINS(err.msg, "size");
	tm_free(&t);

	tm_init(&t);
	tm_rule(&t, "size", "employees", LS_OP_GT, 1, NULL, VALS(lt("many")));
	CHECK(tm_compile(&t, NULL, &err) == NULL);
	tm_free(&t);

	tm_init(&t);
	tm_rule(&t, "odd", "shoe_size(email)", LS_OP_EXISTS, 1, NULL, NOVALS);
	CHECK(tm_compile(&t, NULL, &err) == NULL);
	CHECK_CONTAINS(err.msg, "odd");
	CHECK_CONTAINS(err.msg, "shoe_size");
	tm_free(&t);

	tm_init(&t);
	tm_rule(&t, "empty", "a", LS_OP_IN, 1, NULL, NOVALS);
	CHECK(tm_compile(&t, NULL, &err) == NULL);
	tm_free(&t);

	/* no rules at all: a plan that scores 0 */
	tm_init(&t);
	{
		ls_fit_plan *p = tm_compile(&t, NULL, &err);

		CHECK(p != NULL);
		if (p)
		{
			CHECK(ls_fit_n_attrs(p) == 0);
			CHECK(ls_fit_eval(p, NULL, NULL, NULL) == 0);
		}
	}
	tm_free(&t);
}

TEST(cond_standalone)
{
	ls_arena	arena;
	fake_host	h;
	ls_match_hooks hooks;
	ls_error	err;
	ls_condition c;
	ls_value	vals[2];
	ls_cond_plan *cp;
	ls_cond_plan *first;
	ls_attr_value v;

	ls_arena_init_malloc(&arena);
	host_init(&h, &hooks, true);
	memset(&c, 0, sizeof(c));
	c.attribute = "url";
	c.op = LS_OP_CONTAINS;
	vals[0] = lt("/pricing");
	vals[1] = lt("/PLANS");
	c.values = vals;
	c.nvalues = 2;
	cp = first = ls_cond_compile(&c, &arena, &hooks, &err);
	CHECK(cp != NULL);
	if (cp != NULL)
	{
		v = at("https://x.io/Pricing?a=1");
		CHECK(ls_cond_match(cp, &v));
		v = at("https://x.io/plans");
		CHECK(ls_cond_match(cp, &v));
		v = at("https://x.io/blog");
		CHECK(!ls_cond_match(cp, &v));
		v = anull();
		CHECK(!ls_cond_match(cp, &v));
		CHECK(!ls_cond_match(cp, NULL));
	}
	c.op = LS_OP_MISSING;
	c.nvalues = 0;
	cp = ls_cond_compile(&c, &arena, &hooks, &err);
	CHECK(cp != NULL && ls_cond_match(cp, NULL));
	c.op = LS_OP_REGEX;
	vals[0] = lt("[");
	c.nvalues = 1;
	CHECK(ls_cond_compile(&c, &arena, &hooks, &err) == NULL);
	CHECK_CONTAINS(err.msg, "regex");
	ls_cond_release(cp);
	ls_cond_release(first);
	host_free(&h);
	ls_arena_free(&arena);
}

/*
 * The glue keeps the memory context, not the ls_arena struct it compiled
 * with: a plan must not touch that struct once compiled.
 */
TEST(plan_outlives_caller_arena)
{
	ls_arena   *a = malloc(sizeof(ls_arena));
	ls_arena	saved;
	tmodel		t;
	fake_host	h;
	ls_match_hooks hooks;
	ls_error	err;
	ls_fit_plan *p;
	ls_cond_plan *cp;
	ls_condition c;
	ls_value	pat = lt("(général|vp)");
	int			round;

	tm_init(&t);
	host_init(&h, &hooks, true);
	tm_rule(&t, "rx", "title", LS_OP_REGEX, 1, NULL, VALS(lt("^(directeur|vp)")));
	tm_rule(&t, "dg", "title", LS_OP_CONTAINS, 2, NULL, VALS(lt("général")));
	ls_arena_init_malloc(a);
	p = ls_fit_compile(&t.m, a, &hooks, &err);
	memset(&c, 0, sizeof(c));
	c.attribute = "title";
	c.op = LS_OP_REGEX;
	c.values = &pat;
	c.nvalues = 1;
	cp = ls_cond_compile(&c, a, &hooks, &err);
	CHECK(p != NULL && cp != NULL);
	saved = *a;
	memset(a, 0xA5, sizeof(*a));
	free(a);
	for (round = 0; p != NULL && cp != NULL && round < 3; round++)
	{
		ls_attr_value v = at("DIRECTEUR GÉNÉRAL");

		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 3);
		CHECK(ls_cond_match(cp, &v));
		v = at("VP Sales");
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 1);
		CHECK(ls_cond_match(cp, &v));
		v = at("Ingénieur");
		CHECK(ls_fit_eval(p, &v, NULL, NULL) == 0);
		CHECK(!ls_cond_match(cp, &v));
		/* released plans start over and still answer right */
		if (round == 1)
		{
			ls_fit_release(p);
			ls_cond_release(cp);
		}
	}
	ls_fit_release(p);
	ls_cond_release(cp);
	host_free(&h);				/* the regex_t live in the arena */
	ls_arena_free(&saved);
	tm_free(&t);
}

int
main(void)
{
	RUN(eq_case_insensitive);
	RUN(eq_numbers);
	RUN(in_mixed);
	RUN(contains_prefix_suffix);
	RUN(text_ops_on_numbers);
	RUN(numeric_ops);
	RUN(null_and_presence);
	RUN(attribute_slots);
	RUN(wants_number_from_eq);
	RUN(groups_first_match);
	RUN(explain_sums_to_score);
	RUN(grades);
	RUN(in_list_10000);
	RUN(utf8_fold_hook);
	RUN(long_values_and_fold_scratch);
	RUN(regex_memo);
	RUN(attribute_memo);
	RUN(compile_errors);
	RUN(cond_standalone);
	RUN(plan_outlives_caller_arena);
	return UNIT_DONE();
}
