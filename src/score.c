/*
 * score.c — what a stored score row says, derived in one place.
 *
 * leadscore.score rows are written by the binding triggers, apply_decay and
 * rescoring, which only set fit and the intent state; the BEFORE trigger
 * here derives intent, total, grade, stage and route from them, so no
 * writer can leave the row inconsistent.  stage() and route() expose the
 * same rules to SQL.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "fit_call.h"
#include "stage.h"

static double
numeric_arg(FunctionCallInfo fcinfo, int argno)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  PG_GETARG_DATUM(argno)));
}

PG_FUNCTION_INFO_V1(ls_stage_sql);
Datum
ls_stage_sql(PG_FUNCTION_ARGS)
{
	ls_cached_model *entry = ls_fit_call_model(ls_fit_call_get(fcinfo), PG_GETARG_TEXT_PP(0));
	double		total = numeric_arg(fcinfo, 1);

	if (isnan(total))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("total score must be a number, not NaN")));
	PG_RETURN_TEXT_P(cstring_to_text(ls_stage_of(entry->model, total)));
}

PG_FUNCTION_INFO_V1(ls_route_sql);
Datum
ls_route_sql(PG_FUNCTION_ARGS)
{
	ls_cached_model *entry = ls_fit_call_model(ls_fit_call_get(fcinfo), PG_GETARG_TEXT_PP(0));
	double		fit = numeric_arg(fcinfo, 1);
	double		intent = numeric_arg(fcinfo, 2);

	if (isnan(fit) || isnan(intent))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit and intent must be numbers, not NaN")));
	PG_RETURN_TEXT_P(cstring_to_text(ls_route_of(entry->model, fit, intent)));
}

/*
 * The compiled model of a model id.  The id -> name lookup is kept per
 * backend, not per call site: every statement that writes leadscore.score
 * (one per event INSERT under pgbench) gets a fresh trigger FmgrInfo, and
 * looking the name up again planned a query per statement.  A slot is
 * looked up again only when its model is no longer current (changed,
 * renamed or deleted); ids are never reused.
 */
typedef struct derive_cache
{
	ls_fit_call call;
	int32		model_id;
	char	   *name;
} derive_cache;

#define LS_DERIVE_SLOTS 8

static derive_cache derive_slots_cache[LS_DERIVE_SLOTS];
static int	derive_next_slot = 0;

static derive_cache *
derive_slot(int32 model_id)
{
	int			i;
	derive_cache *dc;

	for (i = 0; i < LS_DERIVE_SLOTS; i++)
		if (derive_slots_cache[i].name != NULL && derive_slots_cache[i].model_id == model_id)
			return &derive_slots_cache[i];
	/* round robin: a backend writing more models than slots looks names up again */
	dc = &derive_slots_cache[derive_next_slot];
	derive_next_slot = (derive_next_slot + 1) % LS_DERIVE_SLOTS;
	if (dc->name != NULL)
		pfree(dc->name);
	dc->name = NULL;
	dc->call.cxt = TopMemoryContext;
	dc->call.entry = NULL;
	dc->model_id = model_id;
	return dc;
}

static ls_cached_model *
model_by_id(int32 model_id)
{
	derive_cache *dc = derive_slot(model_id);

	if (dc->name == NULL || dc->call.entry == NULL || !ls_model_is_current(dc->call.entry))
	{
		Oid			types[1] = {INT4OID};
		Datum		args[1] = {Int32GetDatum(model_id)};
		char	   *name;
		int			rc;

		SPI_connect();
		rc = SPI_execute_with_args("SELECT name FROM leadscore.model WHERE id = $1",
								   1, types, args, NULL, true, 1);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("leadscore model %d does not exist", model_id)));
		name = MemoryContextStrdup(TopMemoryContext,
								   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
		SPI_finish();
		if (dc->name != NULL)
			pfree(dc->name);
		dc->name = name;
		dc->call.entry = NULL;
	}
	if (dc->call.entry == NULL || !ls_model_is_current(dc->call.entry))
	{
		text	   *t = cstring_to_text(dc->name);

		ls_fit_call_model(&dc->call, t);
		pfree(t);
	}
	return dc->call.entry;
}

static int
attnum_of(TupleDesc desc, const char *name)
{
	int			attnum = SPI_fnumber(desc, name);

	if (attnum <= 0)
		elog(ERROR, "leadscore: column \"%s\" missing from leadscore.score", name);
	return attnum;
}

static double
float8_col(HeapTuple tup, TupleDesc desc, int attnum)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attnum, desc, &isnull);

	return isnull ? NAN : DatumGetFloat8(d);
}

PG_FUNCTION_INFO_V1(ls_score_derive);
Datum
ls_score_derive(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	tup;
	TupleDesc	desc;
	ls_cached_model *entry;
	bool		isnull;
	Datum		state;
	double		fit,
				intent = NAN,
				total;
	int			cols[6];
	Datum		vals[6];
	bool		nulls[6] = {0};

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadscore.score_derive must be called as a trigger")));
	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	desc = RelationGetDescr(td->tg_relation);

	/*
	 * pg_dump and pg_restore turn check_function_bodies off: restored rows
	 * are kept exactly as dumped.
	 */
	if (!check_function_bodies)
		return PointerGetDatum(tup);
	if (ls_guc_cause == NULL || ls_guc_cause[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("leadscore.score is derived from your lead and event tables and cannot be written directly"),
				 errhint("Change the lead or its events, or call leadscore.rescore() to recompute the stored scores.")));
	entry = model_by_id(DatumGetInt32(heap_getattr(tup, attnum_of(desc, "model_id"),
													   desc, &isnull)));

	fit = float8_col(tup, desc, attnum_of(desc, "fit"));
	state = heap_getattr(tup, attnum_of(desc, "intent_state"), desc, &isnull);
	if (!isnull)
		intent = ls_stored_intent(entry, state);

	/*
	 * A state waiting to be recomputed (its rules changed, or pending events
	 * fell due) keeps the last known intent: dropping to "unknown" and back
	 * within one statement would record a false stage change and alert twice.
	 */
	if (!isnull && isnan(intent) && TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		intent = float8_col(td->tg_trigtuple, desc, attnum_of(desc, "intent"));
	total = ls_total_of(entry->model, fit, intent);

	cols[0] = attnum_of(desc, "intent");
	vals[0] = Float8GetDatum(intent);
	nulls[0] = isnan(intent);
	cols[1] = attnum_of(desc, "total");
	vals[1] = Float8GetDatum(total);
	cols[2] = attnum_of(desc, "grade");
	nulls[2] = isnan(fit);
	vals[2] = nulls[2] ? (Datum) 0 : CStringGetTextDatum(ls_grade_of(entry->model, fit));
	cols[3] = attnum_of(desc, "stage");
	vals[3] = CStringGetTextDatum(ls_stage_of(entry->model, total));
	cols[4] = attnum_of(desc, "route");
	vals[4] = CStringGetTextDatum(ls_route_of(entry->model, fit, intent));
	cols[5] = attnum_of(desc, "updated_at");
	vals[5] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	return PointerGetDatum(heap_modify_tuple_by_cols(tup, desc, 6, cols, vals, nulls));
}
