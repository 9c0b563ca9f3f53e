/*
 * model.h — the scoring model as the server-free core sees it.
 *
 * This is the contract between the JSON codec (model_json.c), validation
 * (model_validate.c), the compiled matchers (fit.c, intent.c) and the
 * PostgreSQL glue, which builds the same structure from catalog rows.
 * Everything a model points to lives in one ls_arena.
 */
#ifndef LS_MODEL_H
#define LS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"

typedef enum ls_op
{
	LS_OP_EQ = 0,
	LS_OP_IN,
	LS_OP_CONTAINS,
	LS_OP_PREFIX,
	LS_OP_SUFFIX,
	LS_OP_REGEX,
	LS_OP_BETWEEN,
	LS_OP_GT,
	LS_OP_GTE,
	LS_OP_LT,
	LS_OP_LTE,
	LS_OP_EXISTS,
	LS_OP_MISSING,
	LS_OP_COUNT
} ls_op;

/* What kind of value an operator takes. */
typedef enum ls_op_kind
{
	LS_OPK_TEXT,				/* eq, in, contains, prefix, suffix, regex */
	LS_OPK_NUMERIC,				/* between, gt, gte, lt, lte */
	LS_OPK_PRESENCE				/* exists, missing: no value */
} ls_op_kind;

const char *ls_op_name(ls_op op);
bool		ls_op_parse(const char *name, ls_op *op);
ls_op_kind	ls_op_kind_of(ls_op op);

/*
 * One literal of a condition.  eq/in accept strings or numbers: a number
 * compares numerically, a string case-insensitively.  `text` is always set
 * (numbers keep their canonical spelling so the glue can store them in a
 * text[] column).
 */
typedef struct ls_value
{
	bool		is_number;
	double		num;
	char	   *text;
} ls_value;

/*
 * attribute op value.  For fit rules the attribute is a column name or a
 * derived attribute "fn(column)" (see ls_derive); for intent `where` it is
 * a key of the event's properties.
 */
typedef struct ls_condition
{
	char	   *attribute;
	ls_op		op;
	ls_value   *values;
	int			nvalues;		/* 0 for exists/missing */
	bool		value_is_array; /* document wrote "value": [...] */
} ls_condition;

/* Derived attributes usable as "fn(column)" in fit rules. */
typedef enum ls_derive
{
	LS_DERIVE_NONE = 0,
	LS_DERIVE_SENIORITY,		/* seniority(job_title) */
	LS_DERIVE_EMAIL_CLASS,		/* email_class(email) */
	LS_DERIVE_EMAIL_DOMAIN		/* email_domain(email) */
} ls_derive;

/*
 * Split "fn(column)" into its function and column; a plain column gives
 * LS_DERIVE_NONE and the whole text.  Returns false (and fills err) for an
 * unknown function or malformed text.  *column is allocated in arena.
 */
bool		ls_parse_attribute(const char *attribute, ls_arena *arena,
							   ls_derive *derive, char **column, ls_error *err);
const char *ls_derive_name(ls_derive d);

typedef struct ls_fit_rule
{
	char	   *name;
	ls_condition cond;
	double		points;
	char	   *group;			/* NULL: no group */
} ls_fit_rule;

typedef struct ls_intent_rule
{
	char	   *name;
	char	   *event;
	bool		has_where;
	ls_condition where;
	double		points;
	bool		has_cap;
	double		cap;			/* same sign as points, non-zero */
} ls_intent_rule;

typedef struct ls_grade
{
	char	   *letter;
	double		bar;
} ls_grade;

/*
 * The buying committee: a role is covered when a contact matches `when`
 * (a fit condition on the lead row) and is engaged.
 */
typedef struct ls_role
{
	char	   *name;
	ls_condition when;
	double		points;
	bool		required;
} ls_role;

/* A model's "account" section (design.md §7). */
typedef struct ls_account_model
{
	ls_fit_rule *fit_rules;		/* over the accounts table's columns */
	int			n_fit;
	ls_grade   *grades;			/* highest bar first */
	int			n_grades;
	bool		has_contact_cap;
	double		contact_cap;	/* bound on each contact's positive intent */
	double		intent_gte;		/* a contact is engaged at this intent */
	ls_role    *roles;
	int			n_roles;
	double		engaged;		/* thresholds */
	double		buying;
} ls_account_model;

#define LS_DEFAULT_ENGAGED 60.0
#define LS_DEFAULT_BUYING 120.0
#define LS_MAX_ROLES 64

#define LS_STATUS_DRAFT   "draft"
#define LS_STATUS_ACTIVE  "active"
#define LS_STATUS_SHADOW  "shadow"
#define LS_STATUS_RETIRED "retired"

typedef struct ls_model
{
	char	   *name;
	char	   *status;			/* NULL when the document has none */

	ls_fit_rule *fit_rules;
	int			n_fit;
	ls_grade   *grades;			/* sorted by bar, highest first */
	int			n_grades;

	double		half_life_seconds;	/* 0: intent does not decay */
	ls_intent_rule *intent_rules;
	int			n_intent;
	bool		has_inactivity;
	double		inactivity_days;
	double		inactivity_points;

	double		mql;
	double		sql;
	double		fit_high;
	double		intent_high;
	double		fit_weight;
	double		intent_weight;

	/* alerts: which stages alert when reached, follow-up task SLA per route */
	bool		alert_mql;
	bool		alert_sql;
	double		task_sla_seconds[4];	/* by ls_route; 0: no task */

	ls_account_model *account;	/* NULL: the model scores no accounts */
} ls_model;

/* Routes, in the order of task_sla_seconds. */
typedef enum ls_route
{
	LS_ROUTE_TO_SALES = 0,
	LS_ROUTE_NURTURE,
	LS_ROUTE_MANUAL_REVIEW,
	LS_ROUTE_DEPRIORITIZE,
	LS_ROUTE_COUNT
} ls_route;

extern const char *const ls_route_names[LS_ROUTE_COUNT];

/* Defaults for what a document may leave out. */
#define LS_DEFAULT_MQL 50.0
#define LS_DEFAULT_SQL 100.0
#define LS_DEFAULT_FIT_HIGH 60.0
#define LS_DEFAULT_INTENT_HIGH 40.0

/* Limits that keep a hostile document from taking the server down. */
#define LS_MAX_RULES 10000
#define LS_MAX_VALUES 100000
#define LS_MAX_NAME 200
#define LS_MAX_TEXT 10000
#define LS_MAX_GRADES 26

/*
 * Bounds on a model's numbers.  Points, caps and inactivity points are at
 * most 1e9 in magnitude, so a fit score (at most LS_MAX_RULES rules) stays
 * under 1e13 and no sum of points can reach infinity; weights at most 1e6
 * keep the weighted total finite too.  Thresholds and bars are only
 * compared, but a bar past 1e15 could never be reached.  Durations are
 * stored as microseconds (int64) and SLAs are added to timestamps, so they
 * stay within 100,000,000 days (about 273,000 years).
 */
#define LS_MAX_POINTS 1e9
#define LS_MAX_WEIGHT 1e6
#define LS_MAX_BAR 1e15
#define LS_MAX_DURATION_DAYS 100000000.0
#define LS_MAX_DURATION_SECONDS (LS_MAX_DURATION_DAYS * 86400.0)

/*
 * Bounds on regex patterns, checked before any regex engine sees them (see
 * ls_regex_precheck): bytes, atoms with every bound {m,n} written out, and
 * nested groups.  PostgreSQL's own limit on bounds is 255 (DUPMAX).
 */
#define LS_MAX_PATTERN 1000
#define LS_MAX_PATTERN_ATOMS 10000
#define LS_MAX_PATTERN_DEPTH 32
#define LS_REGEX_DUPMAX 255

/* A model with the defaults filled in and no rules. */
void		ls_model_init(ls_model *m);

/*
 * Regex check supplied by the host: the server uses PostgreSQL's own regex
 * engine (advanced syntax, case-insensitive), the validator a POSIX
 * approximation.  Returns false and writes a message when the pattern does
 * not compile.
 */
typedef bool (*ls_regex_check_fn) (const char *pattern, char *errbuf,
								   size_t errlen, void *ctx);

/*
 * The core's own look at a regex, run before the host's check: refuses,
 * with PostgreSQL's wording, what PostgreSQL's compiler refuses in the
 * pattern's structure (a quantifier without an operand such as "a**",
 * bounds over 255, unbalanced parentheses and brackets), and what would be
 * costly to compile (over LS_MAX_PATTERN bytes, over LS_MAX_PATTERN_ATOMS
 * atoms once bounds are written out, groups nested deeper than
 * LS_MAX_PATTERN_DEPTH).  Whatever it accepts is bounded in size, so a host
 * engine (the validator's glibc regcomp) only ever compiles small NFAs.
 * It does not judge everything (escapes, ranges, class names): the host's
 * verdict still counts.  False with a message in errbuf when refused.
 */
bool		ls_regex_precheck(const char *pattern, char *errbuf, size_t errlen);

typedef struct ls_validate_hooks
{
	ls_regex_check_fn regex_check;	/* NULL: regexes are not checked */
	void	   *ctx;
} ls_validate_hooks;

/*
 * Validation, shared by the codec and the catalog triggers.  `where` names
 * the rule in messages, e.g. "fit.rules[3]" or "rule \"exec\"".
 */
bool		ls_condition_validate(const ls_condition *c, bool is_fit,
								  const char *where,
								  const ls_validate_hooks *hooks, ls_error *err);
bool		ls_fit_rule_validate(const ls_fit_rule *r, const char *where,
								 const ls_validate_hooks *hooks, ls_error *err);
bool		ls_intent_rule_validate(const ls_intent_rule *r, const char *where,
									const ls_validate_hooks *hooks, ls_error *err);
/* Whole model: every rule, unique rule names, grades, thresholds. */
bool		ls_model_validate(const ls_model *m, const ls_validate_hooks *hooks,
							  ls_error *err);

/*
 * Durations: "30 days", "12 hours", "1 week 2 days", "90 minutes",
 * "3600 seconds" (singular, plural and short units), or a bare number of
 * seconds.  Formatting gives the largest whole unit: 2592000 -> "30 days".
 */
bool		ls_duration_parse(const char *text, double *seconds, ls_error *err);
void		ls_duration_format(double seconds, char *buf, size_t buflen);

/*
 * Shortest decimal spelling of v that reads back as the same double, with
 * integers written without a fraction ("80", not "80.0") and -0 as "0".
 * The codec writes numbers this way and keeps it as ls_value.text, so the
 * glue can use it for numeric literals too.
 */
#define LS_NUMBER_BUFLEN 32
void		ls_number_format(double v, char *buf, size_t buflen);

/*
 * Copy user text into buf for quoting in a message: cut at a UTF-8
 * character boundary (with "..." appended when cut) and control characters
 * replaced by '?', so a hostile name can neither overflow a message nor
 * make it invalid UTF-8.
 */
void		ls_text_excerpt(const char *s, char *buf, size_t buflen);

/*
 * Whether s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF); when not, *bad_offset (if not NULL) is the
 * offset of the first bad byte.
 */
bool		ls_utf8_valid(const char *s, size_t len, size_t *bad_offset);

#endif
