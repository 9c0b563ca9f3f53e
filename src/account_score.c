/*
 * account_score.c — the account section of a model over SQL values: the
 * account row's fit, the committee roles a contact's row matches, and the
 * points, grade and stage of an account (design.md §7).
 *
 * Rows are read with the fit functions' per-call caches (fit_score.c), over
 * the parts compiled for the account section (model_cache.c), so a refresh
 * of many accounts costs a hash probe and a deform per row.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "fit_call.h"

static const ls_account_model *
account_of(const ls_cached_model *entry)
{
	if (entry->model->account == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadscore model \"%s\" has no account section", entry->name),
				 errhint("Add an \"account\" section to the model document and import it again.")));
	return entry->model->account;
}

/*
 * Reads a row argument with the part of the model that reads it: the
 * call's cache then maps that part's attributes, not the lead model's.
 */
static const ls_attr_value *
read_part_row(FunctionCallInfo fcinfo, const char *fname, bool roles,
			  ls_cached_model **part)
{
	ls_fit_call *cache = ls_fit_call_get(fcinfo);
	ls_cached_model *entry;
	ls_cached_model *saved;
	const ls_attr_value *values;

	ls_fit_call_check_row(fcinfo, cache, 1, fname);
	entry = ls_fit_call_model(cache, PG_GETARG_TEXT_PP(0));
	account_of(entry);
	*part = roles ? entry->roles : entry->account_fit;
	saved = cache->entry;
	cache->entry = *part;
	values = ls_fit_call_read_row(cache, PG_GETARG_HEAPTUPLEHEADER(1));
	cache->entry = saved;
	return values;
}

PG_FUNCTION_INFO_V1(ls_account_fit);
Datum
ls_account_fit(PG_FUNCTION_ARGS)
{
	ls_cached_model *part;
	const ls_attr_value *values = read_part_row(fcinfo, "leadscore.account_fit", false, &part);

	PG_RETURN_DATUM(ls_float8_numeric(ls_fit_eval(part->fit, values, NULL, NULL)));
}

typedef struct roles_seen
{
	bool	   *matched;
} roles_seen;

static void
role_fired(int rule_index, const ls_attr_value *seen, double points, void *ctx)
{
	((roles_seen *) ctx)->matched[rule_index] = true;
	(void) seen;
	(void) points;
}

PG_FUNCTION_INFO_V1(ls_committee_roles);
Datum
ls_committee_roles(PG_FUNCTION_ARGS)
{
	ls_cached_model *part;
	const ls_attr_value *values = read_part_row(fcinfo, "leadscore.committee_roles", true, &part);
	const ls_model *m = part->model;
	roles_seen	seen;
	Datum	   *names;
	int			n = 0;
	int			i;

	seen.matched = palloc0(sizeof(bool) * Max(m->n_fit, 1));
	ls_fit_eval(part->fit, values, role_fired, &seen);
	names = palloc(sizeof(Datum) * Max(m->n_fit, 1));
	for (i = 0; i < m->n_fit; i++)
		if (seen.matched[i])
			names[n++] = CStringGetTextDatum(m->fit_rules[i].name);
	PG_RETURN_ARRAYTYPE_P(construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Which of the model's roles a text[] of role names holds (NULLs hold none). */
static bool *
covered_roles(const ls_account_model *a, ArrayType *covered)
{
	bool	   *has = palloc0(sizeof(bool) * Max(a->n_roles, 1));
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	int			j;

	deconstruct_array(covered, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *name;

		if (nulls[i])
			continue;
		name = TextDatumGetCString(elems[i]);
		for (j = 0; j < a->n_roles; j++)
			if (strcmp(a->roles[j].name, name) == 0)
				has[j] = true;
		pfree(name);
	}
	return has;
}

static const ls_account_model *
model_account(FunctionCallInfo fcinfo)
{
	ls_fit_call *cache = ls_fit_call_get(fcinfo);

	return account_of(ls_fit_call_model(cache, PG_GETARG_TEXT_PP(0)));
}

static double
finite_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	double		v = PG_GETARG_FLOAT8(argno);

	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", what)));
	return v;
}

PG_FUNCTION_INFO_V1(ls_committee_points);
Datum
ls_committee_points(PG_FUNCTION_ARGS)
{
	const ls_account_model *a = model_account(fcinfo);
	bool	   *has = covered_roles(a, PG_GETARG_ARRAYTYPE_P(1));
	double		points = 0;
	int			i;

	for (i = 0; i < a->n_roles; i++)
		if (has[i])
			points += a->roles[i].points;
	PG_RETURN_FLOAT8(points);
}

PG_FUNCTION_INFO_V1(ls_account_grade);
Datum
ls_account_grade(PG_FUNCTION_ARGS)
{
	const ls_account_model *a = model_account(fcinfo);
	double		fit = finite_arg(fcinfo, 1, "account fit");
	int			i;

	for (i = 0; i < a->n_grades; i++)
		if (fit >= a->grades[i].bar)
			PG_RETURN_TEXT_P(cstring_to_text(a->grades[i].letter));
	PG_RETURN_TEXT_P(cstring_to_text("D"));
}

/* target, engaged at its threshold, buying at its own with every required role */
PG_FUNCTION_INFO_V1(ls_account_stage);
Datum
ls_account_stage(PG_FUNCTION_ARGS)
{
	const ls_account_model *a = model_account(fcinfo);
	double		total = finite_arg(fcinfo, 1, "account total");
	bool	   *has = covered_roles(a, PG_GETARG_ARRAYTYPE_P(2));
	bool		committee = true;
	int			i;

	for (i = 0; i < a->n_roles; i++)
		if (a->roles[i].required && !has[i])
			committee = false;
	if (total >= a->buying && committee)
		PG_RETURN_TEXT_P(cstring_to_text("buying"));
	if (total >= a->engaged)
		PG_RETURN_TEXT_P(cstring_to_text("engaged"));
	PG_RETURN_TEXT_P(cstring_to_text("target"));
}

/* One contact's share of its account's intent: the positive part capped. */
PG_FUNCTION_INFO_V1(ls_contact_intent);
Datum
ls_contact_intent(PG_FUNCTION_ARGS)
{
	const ls_account_model *a = model_account(fcinfo);
	double		v = finite_arg(fcinfo, 1, "contact intent");
	double		pos = v > 0 ? v : 0;

	if (a->has_contact_cap && pos > a->contact_cap)
		pos = a->contact_cap;
	PG_RETURN_FLOAT8(pos + (v < 0 ? v : 0));
}

/*
 * contact_intent_at(model, state, as_of): a contact's intent as of its
 * account's instant, as a float8 for the refresh's sums: 0 without a state
 * (no event yet), NULL when the state cannot be moved there (stale, or
 * already later: the refresh then recomputes it or moves the account).
 */
PG_FUNCTION_INFO_V1(ls_contact_intent_at);
Datum
ls_contact_intent_at(PG_FUNCTION_ARGS)
{
	ls_cached_model *entry;
	TimestampTz as_of;
	double		v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("contact_intent_at: model and as_of must not be NULL")));
	as_of = PG_GETARG_TIMESTAMPTZ(2);
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("contact_intent_at: as_of must be a finite timestamp")));
	entry = ls_fit_call_model(ls_fit_call_get(fcinfo), PG_GETARG_TEXT_PP(0));
	if (PG_ARGISNULL(1))
		PG_RETURN_FLOAT8(0.0);
	if (!ls_stored_intent_at(entry, PG_GETARG_DATUM(1), as_of, &v))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(v);
}

/* The engagement bar of the committee (intent_gte), for SQL that filters by it. */
PG_FUNCTION_INFO_V1(ls_committee_engaged);
Datum
ls_committee_engaged(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(model_account(fcinfo)->intent_gte);
}

PG_FUNCTION_INFO_V1(ls_explain_account_fit);
Datum
ls_explain_account_fit(PG_FUNCTION_ARGS)
{
	ls_cached_model *part;
	const ls_attr_value *values = read_part_row(fcinfo, "leadscore.explain_account_fit", false, &part);

	return ls_explain_values(fcinfo, part, values);
}
