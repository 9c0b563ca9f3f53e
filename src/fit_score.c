/*
 * fit_score.c — fit_score, grade and explain over a lead row or a jsonb.
 *
 * Every function keeps, in fn_extra, the compiled model it used last and
 * the column map of the row type it saw last, so a scan over a lead table
 * costs one hash probe and one tuple deform per row.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#include "fit_call.h"

/* The compiled model named by a text argument, cached in `cache`. */
ls_cached_model *
ls_fit_call_model(ls_fit_call *cache, text *name)
{
	const char *s = VARDATA_ANY(name);
	size_t		len = VARSIZE_ANY_EXHDR(name);

	if (cache->entry == NULL || cache->name_len != len ||
		memcmp(cache->name, s, len) != 0 || !ls_model_is_current(cache->entry))
	{
		char	   *cname = pnstrdup(s, len);

		cache->entry = ls_model_get(cname);
		pfree(cname);
		if (cache->name_cap < len + 1)
		{
			cache->name = MemoryContextAlloc(cache->cxt, len + 1);
			cache->name_cap = len + 1;
		}
		memcpy(cache->name, s, len);
		cache->name_len = len;
	}
	return cache->entry;
}

ls_fit_call *
ls_fit_call_get(FunctionCallInfo fcinfo)
{
	ls_fit_call *cache = fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ls_fit_call));
		cache->cxt = fcinfo->flinfo->fn_mcxt;
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache;
}

/*
 * The lead argument is declared anyelement so that any table's row type
 * fits; anything that is not a row (a column, a number, an array) has no
 * tuple header to read, so it is refused before the datum is touched.
 */
void
ls_fit_call_check_row(FunctionCallInfo fcinfo, ls_fit_call *cache, int argno,
					  const char *fname)
{
	Oid			type;

	if (cache->row_checked)
		return;
	type = get_fn_expr_argtype(fcinfo->flinfo, argno);
	if (!OidIsValid(type))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: cannot determine the type of the lead argument", fname)));
	if (!type_is_rowtype(type))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: the lead must be a row, not a value of type %s",
						fname, format_type_be(type)),
				 errhint("Pass the whole row, as in %s('model', l) FROM leads l, not a column such as l.id; "
						 "or pass the attributes as jsonb.", fname)));
	cache->row_checked = true;
}

/* Reads a composite argument into the call's row map. */
const ls_attr_value *
ls_fit_call_read_row(ls_fit_call *cache, HeapTupleHeader th)
{
	Oid			tupType = HeapTupleHeaderGetTypeId(th);
	int32		tupTypmod = HeapTupleHeaderGetTypMod(th);
	HeapTupleData tuple;

	if (cache->desc == NULL || cache->desc->tdtypeid != tupType ||
		cache->desc->tdtypmod != tupTypmod)
	{
		TupleDesc	desc = lookup_rowtype_tupdesc(tupType, tupTypmod);
		MemoryContext old = MemoryContextSwitchTo(cache->cxt);

		cache->desc = CreateTupleDescCopy(desc);
		MemoryContextSwitchTo(old);
		ReleaseTupleDesc(desc);
	}
	ls_row_map_prepare(&cache->map, cache->entry, cache->desc, cache->cxt);
	tuple.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	ls_row_read(&cache->map, cache->entry, &tuple, cache->desc);
	return cache->map.values;
}

const ls_attr_value *
ls_fit_call_read_jsonb(ls_fit_call *cache, Jsonb *jb)
{
	int			n = ls_fit_n_attrs(cache->entry->fit);

	if (cache->jsonb_serial != cache->entry->serial)
	{
		cache->jsonb_values = MemoryContextAllocZero(cache->cxt, sizeof(ls_attr_value) * Max(n, 1));
		cache->jsonb_cols = MemoryContextAllocZero(cache->cxt, sizeof(ls_col_map) * Max(n, 1));
		cache->jsonb_serial = cache->entry->serial;
	}
	ls_jsonb_read(cache->jsonb_values, cache->jsonb_cols, cache->entry, jb);
	return cache->jsonb_values;
}

/*
 * Scores are mostly whole numbers: building those numerics from an int64
 * skips float8_numeric's print-and-parse, which dominated a cheap model.
 */
Datum
ls_float8_numeric(double d)
{
	if (d == rint(d) && fabs(d) < 9007199254740992.0)	/* 2^53: exact */
#if PG_VERSION_NUM >= 140000
		return NumericGetDatum(int64_to_numeric((int64) d));
#else
		return DirectFunctionCall1(int8_numeric, Int64GetDatum((int64) d));
#endif
	return DirectFunctionCall1(float8_numeric, Float8GetDatum(d));
}

PG_FUNCTION_INFO_V1(ls_fit_score_row);
Datum
ls_fit_score_row(PG_FUNCTION_ARGS)
{
	ls_fit_call *cache = ls_fit_call_get(fcinfo);
	ls_cached_model *entry;
	const ls_attr_value *values;

	ls_fit_call_check_row(fcinfo, cache, 1, "leadscore.fit_score");
	entry = ls_fit_call_model(cache, PG_GETARG_TEXT_PP(0));
	values = ls_fit_call_read_row(cache, PG_GETARG_HEAPTUPLEHEADER(1));
	PG_RETURN_DATUM(ls_float8_numeric(ls_fit_eval(entry->fit, values, NULL, NULL)));
}

PG_FUNCTION_INFO_V1(ls_fit_score_jsonb);
Datum
ls_fit_score_jsonb(PG_FUNCTION_ARGS)
{
	ls_fit_call *cache = ls_fit_call_get(fcinfo);
	ls_cached_model *entry = ls_fit_call_model(cache, PG_GETARG_TEXT_PP(0));
	const ls_attr_value *values = ls_fit_call_read_jsonb(cache, PG_GETARG_JSONB_P(1));

	PG_RETURN_DATUM(ls_float8_numeric(ls_fit_eval(entry->fit, values, NULL, NULL)));
}

PG_FUNCTION_INFO_V1(ls_grade_sql);
Datum
ls_grade_sql(PG_FUNCTION_ARGS)
{
	ls_fit_call *cache = ls_fit_call_get(fcinfo);
	ls_cached_model *entry = ls_fit_call_model(cache, PG_GETARG_TEXT_PP(0));
	double		fit = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
														 PG_GETARG_DATUM(1)));

	if (isnan(fit))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit score must be a number, not NaN")));
	PG_RETURN_TEXT_P(cstring_to_text(ls_grade_of(entry->model, fit)));
}

/* explain: one row per rule that fired and counted */
typedef struct explain_ctx
{
	ReturnSetInfo *rsinfo;
	const ls_model *model;
	const ls_fit_plan *plan;
} explain_ctx;

static void
explain_fired(int rule_index, const ls_attr_value *seen, double points, void *ctx)
{
	explain_ctx *ec = ctx;
	const ls_fit_rule *r = &ec->model->fit_rules[rule_index];
	Datum		values[5];
	bool		nulls[5] = {0};
	char	   *text = ls_attr_value_text(seen);

	values[0] = CStringGetTextDatum("fit");
	values[1] = CStringGetTextDatum(r->name);
	values[2] = CStringGetTextDatum(r->cond.attribute);
	if (text)
		values[3] = CStringGetTextDatum(text);
	else
		nulls[3] = true;
	values[4] = ls_float8_numeric(points);
	tuplestore_putvalues(ec->rsinfo->setResult, ec->rsinfo->setDesc, values, nulls);
}

Datum
ls_explain_values(FunctionCallInfo fcinfo, ls_cached_model *entry, const ls_attr_value *values)
{
	explain_ctx ec;

	InitMaterializedSRF(fcinfo, 0);
	ec.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ec.model = entry->model;
	ec.plan = entry->fit;
	ls_fit_eval(entry->fit, values, explain_fired, &ec);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(ls_explain_row);
Datum
ls_explain_row(PG_FUNCTION_ARGS)
{
	ls_fit_call *cache = ls_fit_call_get(fcinfo);
	ls_cached_model *entry;

	ls_fit_call_check_row(fcinfo, cache, 1, "leadscore.explain");
	entry = ls_fit_call_model(cache, PG_GETARG_TEXT_PP(0));
	return ls_explain_values(fcinfo, entry,
						  ls_fit_call_read_row(cache, PG_GETARG_HEAPTUPLEHEADER(1)));
}

PG_FUNCTION_INFO_V1(ls_explain_jsonb);
Datum
ls_explain_jsonb(PG_FUNCTION_ARGS)
{
	ls_fit_call *cache = ls_fit_call_get(fcinfo);
	ls_cached_model *entry = ls_fit_call_model(cache, PG_GETARG_TEXT_PP(0));

	return ls_explain_values(fcinfo, entry, ls_fit_call_read_jsonb(cache, PG_GETARG_JSONB_P(1)));
}
