/*
 * catalog_check.c — triggers that keep the model catalog valid.
 *
 * A row inserted by hand must pass the very checks a model document passes,
 * so each trigger writes the row as a one-rule document and runs it through
 * the core codec; the message is re-worded to name the rule instead of a
 * JSON path.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "leadscore.h"
#include "model_json.h"

static TriggerData *
trigger_data(FunctionCallInfo fcinfo, const char *fname)
{
	TriggerData *td;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be called as a trigger", fname)));
	td = (TriggerData *) fcinfo->context;
	return td;
}

static HeapTuple
new_row(TriggerData *td)
{
	return TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
}

/*
 * Appends "key": <column as JSON>, skipping NULLs.  NaN and infinities have
 * no JSON spelling, so they are refused here, naming the rule.
 */
static void
append_column(StringInfo buf, const char *key, HeapTuple tup, TupleDesc desc,
			  const char *column, bool *first, const char *label)
{
	int			attno = SPI_fnumber(desc, column);
	Oid			type;
	bool		isnull;
	Datum		d;

	if (attno <= 0)
		elog(ERROR, "leadscore: catalog column \"%s\" is missing", column);
	d = heap_getattr(tup, attno, desc, &isnull);
	if (isnull)
		return;
	if (!*first)
		appendStringInfoChar(buf, ',');
	*first = false;
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	type = TupleDescAttr(desc, attno - 1)->atttypid;
	if (type == FLOAT8OID)
	{
		float8		f = DatumGetFloat8(d);

		if (isnan(f) || isinf(f))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: %s: expected a finite number, not %s",
							label, key, float8out_internal(f))));
		appendStringInfoString(buf, float8out_internal(f));
	}
	else if (type == JSONBOID)
		appendStringInfoString(buf, JsonbToCString(NULL, &DatumGetJsonbP(d)->root, 0));
	else
		escape_json(buf, TextDatumGetCString(d));
}

/*
 * Runs a document through the codec; on failure reports the message with
 * `path` replaced by `label` (e.g. fit.rules[0] -> fit rule "exec").
 */
static void
check_document(const char *doc, const char *path, const char *label)
{
	ls_arena	arena;
	ls_model   *model;
	ls_error	err;
	size_t		plen = strlen(path);

	ls_pg_arena_init(&arena, CurrentMemoryContext);
	if (ls_model_from_json(doc, strlen(doc), &arena, &ls_pg_validate_hooks, &model, &err))
		return;
	if (strncmp(err.msg, path, plen) == 0)
	{
		const char *rest = err.msg + plen;

		if (*rest == '.')
			rest++;
		else if (*rest == ':')
			rest += (rest[1] == ' ') ? 2 : 1;
		ereport(ERROR,
				(errcode(ls_pg_sqlstate(err.kind)),
				 errmsg("%s: %s", label, rest)));
	}
	ereport(ERROR,
			(errcode(ls_pg_sqlstate(err.kind)),
			 errmsg("%s: %s", label, err.msg)));
}

static char *
rule_label(const char *kind, HeapTuple tup, TupleDesc desc)
{
	char	   *name = SPI_getvalue(tup, desc, SPI_fnumber(desc, "name"));

	return psprintf("%s rule \"%s\"", kind, name ? name : "");
}

PG_FUNCTION_INFO_V1(ls_check_fit_rule);
Datum
ls_check_fit_rule(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "leadscore.check_fit_rule");
	HeapTuple	tup = new_row(td);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	StringInfoData buf;
	bool		first = true;
	char	   *label = rule_label("fit", tup, desc);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"name\":\"check\",\"fit\":{\"rules\":[{");
	append_column(&buf, "name", tup, desc, "name", &first, label);
	append_column(&buf, "attribute", tup, desc, "attribute", &first, label);
	append_column(&buf, "op", tup, desc, "op", &first, label);
	append_column(&buf, "value", tup, desc, "value", &first, label);
	append_column(&buf, "points", tup, desc, "points", &first, label);
	append_column(&buf, "group", tup, desc, "rule_group", &first, label);
	appendStringInfoString(&buf, "}]}}");
	check_document(buf.data, "fit.rules[0]", label);
	return PointerGetDatum(tup);
}

PG_FUNCTION_INFO_V1(ls_check_intent_rule);
Datum
ls_check_intent_rule(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "leadscore.check_intent_rule");
	HeapTuple	tup = new_row(td);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	StringInfoData buf;
	bool		first = true;
	bool		isnull;
	char	   *label = rule_label("intent", tup, desc);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"name\":\"check\",\"intent\":{\"rules\":[{");
	append_column(&buf, "name", tup, desc, "name", &first, label);
	append_column(&buf, "event", tup, desc, "event", &first, label);
	append_column(&buf, "points", tup, desc, "points", &first, label);
	append_column(&buf, "cap", tup, desc, "cap", &first, label);
	heap_getattr(tup, SPI_fnumber(desc, "where_attribute"), desc, &isnull);
	if (!isnull)
	{
		bool		wfirst = true;

		appendStringInfoString(&buf, first ? "\"where\":{" : ",\"where\":{");
		first = false;
		append_column(&buf, "attribute", tup, desc, "where_attribute", &wfirst, label);
		append_column(&buf, "op", tup, desc, "where_op", &wfirst, label);
		append_column(&buf, "value", tup, desc, "where_value", &wfirst, label);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "}]}}");
	check_document(buf.data, "intent.rules[0]", label);
	return PointerGetDatum(tup);
}

/*
 * Model rows: grades must form a valid grade table (the CHECK constraints
 * cover the plain numbers), and any UPDATE that does not bump the version
 * itself gets a new version, so no edit can leave a stale compiled copy.
 */
PG_FUNCTION_INFO_V1(ls_check_model);
Datum
ls_check_model(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "leadscore.check_model");
	HeapTuple	tup = new_row(td);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	StringInfoData buf;
	bool		first = true;
	char	   *label = psprintf("model \"%s\"",
									 SPI_getvalue(tup, desc, SPI_fnumber(desc, "name")));

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"name\":\"check\",\"fit\":{");
	append_column(&buf, "grades", tup, desc, "grades", &first, label);
	appendStringInfoChar(&buf, '}');
	/* 0.4+: the task SLA per route (alert stages are a CHECK constraint) */
	if (SPI_fnumber(desc, "task_sla") > 0)
	{
		bool		afirst = true;

		appendStringInfoString(&buf, ",\"alerts\":{");
		append_column(&buf, "sla", tup, desc, "task_sla", &afirst, label);
		appendStringInfoChar(&buf, '}');
	}
	/* 0.9+: the account section, as a document would hold it */
	if (SPI_fnumber(desc, "account") > 0)
		append_column(&buf, "account", tup, desc, "account", &first, label);
	appendStringInfoChar(&buf, '}');
	check_document(buf.data, "", label);

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		int			vattno = SPI_fnumber(desc, "version");
		int			uattno = SPI_fnumber(desc, "updated_at");
		bool		isnull;
		int32		oldv = DatumGetInt32(heap_getattr(td->tg_trigtuple, vattno, desc, &isnull));
		int32		newv = DatumGetInt32(heap_getattr(tup, vattno, desc, &isnull));

		/* each version is one compiled rubric: numbers are never reused or skipped */
		if (newv != oldv && newv != oldv + 1)
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("%s: version is kept by leadscore and cannot be set to %d", label, newv),
					 errdetail("Every change to a model makes the next version (now %d).", oldv)));
		if (newv == oldv)
		{
			int			cols[2] = {vattno, uattno};
			Datum		vals[2] = {Int32GetDatum(oldv + 1),
			TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())};
			bool		nulls[2] = {false, false};

			tup = heap_modify_tuple_by_cols(tup, desc, 2, cols, vals, nulls);
		}
	}
	return PointerGetDatum(tup);
}

/*
 * Statement trigger on leadscore.model and the hygiene dictionaries: every
 * backend re-checks what it compiled.  The invalidation always names
 * leadscore.model, the one relation the cache callback listens for.
 */
PG_FUNCTION_INFO_V1(ls_model_changed);
Datum
ls_model_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "leadscore.model_changed");
	Oid			model = get_relname_relid("model", RelationGetNamespace(td->tg_relation));

	CacheInvalidateRelcacheByRelid(OidIsValid(model) ? model : RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}
