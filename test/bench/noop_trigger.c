/*
 * noop_trigger.c — the bench's floor: a C BEFORE ROW trigger that does
 * nothing but hand the row back, so the trigger manager's own cost can be
 * printed beside the fit trigger's.  Built and loaded by test/bench/run
 * into its throwaway cluster only.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

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
