/*
 * event_trigger.c — leadscore.on_events_insert, the statement trigger that
 * folds inserted events into the stored scores.
 *
 * It does what a PL/pgSQL EXECUTE would, but keeps its plans: the upsert is
 * built from the binding's column names, so it is dynamic SQL, and planning
 * it again for every statement cost more than running it when events come
 * one per transaction.  Plans are kept per backend (kept_plan.c), keyed by
 * their text (which names every column).  The transition table is
 * registered with SPI, so the plans read it by name as PL/pgSQL's do.  The
 * binding is checked by a direct call (binding_check.c), not a query.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "leadscore.h"

PG_FUNCTION_INFO_V1(ls_on_events_insert);
Datum
ls_on_events_insert(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	ls_binding_info bd;
	char	   *ev_lead,
			   *ev_type,
			   *ev_time,
			   *ev_props;
	bool		isnull;
	StringInfoData sql;
	Oid			up_types[3] = {TEXTOID, INT4OID, INT4OID};
	Datum		up_args[3];
	Datum		stale;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(td->tg_event) || td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadscore.on_events_insert must be an AFTER INSERT statement trigger with a transition table"),
				 errhint("Only leadscore.bind() attaches leadscore triggers.")));

	/* the binding, checked: its table, its creator's rights, its model */
	if (td->tg_trigger->tgnargs == 0 ||
		!ls_binding_check(ls_binding_id_arg(td->tg_trigger->tgargs[0]), true,
						  RelationGetRelid(td->tg_relation), "events", &bd))
		return PointerGetDatum(NULL);
	ev_lead = bd.event_lead;
	ev_type = bd.event_type;
	ev_time = bd.event_time;
	ev_props = bd.event_props;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadscore: SPI_connect failed");
	if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "leadscore: registering the transition table failed");

	/* one upsert for every lead the statement touched, in key order */
	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "WITH up AS ("
					 " INSERT INTO leadscore.score AS s (model_id, binding_id, lead_key, fit, intent_state)"
					 " SELECT $2, $3, e.k, NULL, e.state"
					 " FROM (SELECT n.%s::text AS k,"
					 " leadscore.intent_state_agg($1, n.%s::text, n.%s, %s%s, now()) AS state"
					 " FROM leadscore_new_events n WHERE n.%s IS NOT NULL GROUP BY n.%s) e"
					 " ORDER BY e.k"
					 " ON CONFLICT (model_id, lead_key) DO UPDATE"
					 " SET intent_state = leadscore.intent_merge($1, s.intent_state, excluded.intent_state)"
					 " RETURNING s.lead_key, s.intent_state)"
					 " SELECT array_agg(lead_key) FROM up"
					 " WHERE (intent_state).pending_from <= (intent_state).as_of",
					 quote_identifier(ev_lead), quote_identifier(ev_type), quote_identifier(ev_time),
					 ev_props ? "n." : "", ev_props ? quote_identifier(ev_props) : "NULL::jsonb",
					 quote_identifier(ev_lead), quote_identifier(ev_lead));
	up_args[0] = CStringGetTextDatum(bd.model);
	up_args[1] = Int32GetDatum(bd.model_id);
	up_args[2] = Int32GetDatum(bd.id);
	if (SPI_execute_plan(ls_kept_plan(sql.data, 3, up_types), up_args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "leadscore: folding new events into the stored scores failed");
	stale = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

	/* states whose pending events fell due: recomputed from the events */
	if (!isnull)
	{
		Oid			rc_types[2] = {INT4OID, TEXTARRAYOID};
		Datum		rc_args[2] = {Int32GetDatum(bd.id), stale};

		if (SPI_execute_plan(ls_kept_plan("SELECT leadscore.recompute_intent($1, $2)", 2, rc_types),
							 rc_args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "leadscore: recomputing stale intent states failed");
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
