/*
 * floors.c — the bench's floors: C functions that do nothing but take what
 * leadscore's take, so that PostgreSQL's own cost of the same shape of work
 * can be printed beside leadscore's.  Built and loaded by test/bench/run
 * into its throwaway cluster only.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

/* A BEFORE ROW trigger that hands the row back: the trigger manager's cost. */
PG_FUNCTION_INFO_V1(bench_noop_row);
Datum
bench_noop_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("bench_noop_row must be called as a trigger")));
	return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple);
}

/*
 * The transition function of an aggregate called with intent_score's
 * arguments (model, type, at, props, as_of) that only counts its rows: what
 * reading an event's columns and calling a C aggregate per event costs,
 * before any scoring.  Not strict, as intent_score's is not.
 */
PG_FUNCTION_INFO_V1(bench_noop_sfunc);
Datum
bench_noop_sfunc(PG_FUNCTION_ARGS)
{
	int64		n = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0);

	PG_RETURN_INT64(n + 1);
}
