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

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "fit_call.h"
#include "leadscore.h"

/* Runs one of the binding's maintenance functions over some lead keys. */
static void
call_with_keys(const char *sql, int32 binding_id, Datum keys, const char *what)
{
	Oid			types[2] = {INT4OID, TEXTARRAYOID};
	Datum		args[2] = {Int32GetDatum(binding_id), keys};

	if (SPI_execute_plan(ls_kept_plan(sql, 2, types), args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadscore: %s failed", what);
}

/* Recomputes the states whose pending events fell due, from the events. */
static void
recompute_stale(int32 binding_id, Datum keys)
{
	call_with_keys("SELECT leadscore.recompute_intent($1, $2)", binding_id, keys,
				   "recomputing stale intent states");
}

/* The accounts of the leads whose scores moved, refreshed from their contacts. */
static void
refresh_accounts(int32 binding_id, Datum keys)
{
	call_with_keys("SELECT leadscore.refresh_lead_accounts($1, $2)", binding_id, keys,
				   "refreshing account scores");
}

/*
 * The lead key of a value of the event table's lead column, as the
 * set-based upsert's "lead::text" makes it; false when that cast is not
 * one this file repeats exactly (a domain, a cast function with options).
 */
static bool
lead_key_text(Oid type, Datum value, text **key)
{
	Oid			funcid = InvalidOid;
	CoercionPathType path;

	if (get_typtype(type) != TYPTYPE_BASE)
		return false;
	path = find_coercion_pathway(TEXTOID, type, COERCION_EXPLICIT, &funcid);
	if (path == COERCION_PATH_RELABELTYPE)
		*key = DatumGetTextPP(value);
	else if (path == COERCION_PATH_COERCEVIAIO)
	{
		Oid			out;
		bool		varlena;

		getTypeOutputInfo(type, &out, &varlena);
		*key = cstring_to_text(OidOutputFunctionCall(out, value));
	}
	else if (path == COERCION_PATH_FUNC && get_func_nargs(funcid) == 1)
		*key = DatumGetTextPP(OidFunctionCall1(funcid, value));
	else
		return false;
	return true;
}

/*
 * Plans are kept by their text, and two bound event tables may name their
 * columns alike: the text starts with where and of what type each column
 * is, so that a plan made over one table's transition rows (which it reads
 * by position, with the casts its types need) is never run over another's.
 */
static void
plan_shape(StringInfo sql, TupleDesc desc, const ls_binding_info *bd)
{
	const char *cols[4] = {bd->event_lead, bd->event_type, bd->event_time, bd->event_props};
	int			i;

	appendStringInfoString(sql, "/* columns");
	for (i = 0; i < 4; i++)
	{
		int			attnum = cols[i] ? SPI_fnumber(desc, cols[i]) : 0;

		if (attnum > 0)
			appendStringInfo(sql, " %d:%u:%d", attnum, TupleDescAttr(desc, attnum - 1)->atttypid,
							 TupleDescAttr(desc, attnum - 1)->atttypmod);
		else
			appendStringInfoString(sql, " -");
	}
	appendStringInfoString(sql, " */ ");
}

/* The event table's column of a binding, if it has the type the fast path reads. */
static int
event_column(TupleDesc desc, const char *name, Oid type1, Oid type2)
{
	int			attnum = SPI_fnumber(desc, name);
	Oid			type;

	if (attnum <= 0)
		return 0;
	type = TupleDescAttr(desc, attnum - 1)->atttypid;
	return (type == type1 || type == type2) ? attnum : 0;
}

/*
 * A statement that inserted one event (an application logging events as
 * they happen): its state is made here and written by a one-row upsert,
 * which sets up a fraction of the executor the set-based upsert needs (a
 * scan of the transition table, an aggregate, a sort, a CTE).  The result
 * is the same.  Returns false, having done nothing, when the statement has
 * more rows or the columns' types need the SQL casts of the set-based path.
 */
static bool
fold_one_event(TriggerData *td, const ls_binding_info *bd)
{
	Tuplestorestate *events = td->tg_newtable;
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int			lead_col,
				type_col,
				time_col,
				props_col = 0;
	TupleTableSlot *slot;
	int			reader;
	bool		lead_null,
				type_null,
				time_null,
				props_null = true;
	Datum		lead,
				type,
				at,
				props = (Datum) 0;
	text	   *key;
	ls_cached_model *entry;
	Oid			up_types[5] = {TEXTOID, INT4OID, INT4OID, TEXTOID, ls_intent_state_type()};
	Datum		up_args[5];
	char		sql[512];
	bool		isnull;
	Datum		keys;

	if (tuplestore_tuple_count(events) != 1)
		return false;
	lead_col = SPI_fnumber(desc, bd->event_lead);
	type_col = event_column(desc, bd->event_type, TEXTOID, VARCHAROID);
	time_col = event_column(desc, bd->event_time, TIMESTAMPTZOID, TIMESTAMPTZOID);
	if (bd->event_props != NULL &&
		(props_col = event_column(desc, bd->event_props, JSONBOID, JSONBOID)) == 0)
		return false;
	if (lead_col <= 0 || type_col == 0 || time_col == 0)
		return false;

	/* a read pointer of our own: other triggers may read the same rows */
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	reader = tuplestore_alloc_read_pointer(events, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(events, reader);
	tuplestore_rescan(events);
	if (!tuplestore_gettupleslot(events, true, false, slot))
		elog(ERROR, "leadscore: the transition table lost its row");
	tuplestore_select_read_pointer(events, 0);
	lead = slot_getattr(slot, lead_col, &lead_null);
	type = slot_getattr(slot, type_col, &type_null);
	at = slot_getattr(slot, time_col, &time_null);
	if (props_col)
		props = slot_getattr(slot, props_col, &props_null);

	if (!lead_null && !lead_key_text(TupleDescAttr(desc, lead_col - 1)->atttypid, lead, &key))
	{
		ExecDropSingleTupleTableSlot(slot);
		return false;
	}
	if (!lead_null)
	{
		entry = ls_model_get(bd->model);
		up_args[0] = CStringGetTextDatum(bd->model);
		up_args[1] = Int32GetDatum(bd->model_id);
		up_args[2] = Int32GetDatum(bd->id);
		up_args[3] = PointerGetDatum(key);
		up_args[4] = ls_one_event_state(entry, type_null ? NULL : DatumGetTextPP(type), !time_null,
										time_null ? 0 : DatumGetTimestampTz(at), props, props_null,
										GetCurrentTransactionStartTimestamp());
		/* the state's type is in the text: a recreated extension gets a new plan */
		snprintf(sql, sizeof(sql),
				 "INSERT INTO leadscore.score AS s (model_id, binding_id, lead_key, fit, intent_state)"
				 " VALUES ($2, $3, $4, NULL, $5 /* intent_state %u */)"
				 " ON CONFLICT (model_id, lead_key) DO UPDATE"
				 " SET intent_state = leadscore.intent_merge($1, s.intent_state, excluded.intent_state)"
				 " RETURNING (s.intent_state).pending_from <= (s.intent_state).as_of",
				 up_types[4]);
		if (SPI_execute_plan(ls_kept_plan(sql, 5, up_types), up_args, NULL, false, 0) != SPI_OK_INSERT_RETURNING ||
			SPI_processed != 1)
			elog(ERROR, "leadscore: folding the new event into the stored score failed");
		keys = PointerGetDatum(construct_array(&up_args[3], 1, TEXTOID, -1, false, TYPALIGN_INT));
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) && !isnull)
			recompute_stale(bd->id, keys);
		if (bd->has_accounts)
			refresh_accounts(bd->id, keys);
	}
	ExecDropSingleTupleTableSlot(slot);
	return true;
}

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
	Datum		touched = (Datum) 0;
	bool		touched_null;

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
	if (fold_one_event(td, &bd))
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "leadscore: registering the transition table failed");

	/* one upsert for every lead the statement touched, in key order */
	initStringInfo(&sql);
	plan_shape(&sql, RelationGetDescr(td->tg_relation), &bd);
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
					 " SELECT array_agg(lead_key) FILTER (WHERE (intent_state).pending_from <= (intent_state).as_of)%s"
					 " FROM up",
					 quote_identifier(ev_lead), quote_identifier(ev_type), quote_identifier(ev_time),
					 ev_props ? "n." : "", ev_props ? quote_identifier(ev_props) : "NULL::jsonb",
					 quote_identifier(ev_lead), quote_identifier(ev_lead),
					 bd.has_accounts ? ", array_agg(lead_key)" : "");
	up_args[0] = CStringGetTextDatum(bd.model);
	up_args[1] = Int32GetDatum(bd.model_id);
	up_args[2] = Int32GetDatum(bd.id);
	if (SPI_execute_plan(ls_kept_plan(sql.data, 3, up_types), up_args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "leadscore: folding new events into the stored scores failed");
	stale = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	touched_null = true;
	if (bd.has_accounts)
		touched = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &touched_null);

	/* states whose pending events fell due: recomputed from the events */
	if (!isnull)
		recompute_stale(bd.id, stale);
	if (!touched_null)
		refresh_accounts(bd.id, touched);
	SPI_finish();
	return PointerGetDatum(NULL);
}
