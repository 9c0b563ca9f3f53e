/*
 * model_document.c — import_model, export_model, validate_model.
 *
 * The document is parsed and validated in full by the core before the
 * catalog is touched, so a refused document changes nothing; the rows are
 * then written with parameterized statements (rule text is never spliced
 * into SQL).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "leadscore.h"
#include "model_json.h"

static ls_model *
parse_document(text *doc, ls_arena *arena)
{
	ls_model   *model;
	ls_error	err;

	ls_pg_arena_init(arena, CurrentMemoryContext);
	if (!ls_model_from_json(VARDATA_ANY(doc), VARSIZE_ANY_EXHDR(doc), arena,
							&ls_pg_validate_hooks, &model, &err))
		ls_pg_raise(&err, NULL);
	return model;
}

/* A condition's literal as the jsonb stored in the catalog; NULL if none. */
static Datum
value_jsonb(const ls_condition *c, bool *isnull)
{
	StringInfoData buf;
	int			i;

	*isnull = (c->nvalues == 0);
	if (*isnull)
		return (Datum) 0;
	initStringInfo(&buf);
	if (c->value_is_array)
		appendStringInfoChar(&buf, '[');
	for (i = 0; i < c->nvalues; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		if (c->values[i].is_number)
			appendStringInfoString(&buf, float8out_internal(c->values[i].num));
		else
			escape_json(&buf, c->values[i].text);
	}
	if (c->value_is_array)
		appendStringInfoChar(&buf, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

/* Whole days go to the interval's day field so the catalog reads "30 days". */
static Datum
half_life_interval(double seconds)
{
	Interval   *iv = palloc0(sizeof(Interval));
	int64		usec = (int64) llround(seconds * USECS_PER_SEC);

	iv->day = (int32) (usec / USECS_PER_DAY);
	iv->time = usec % USECS_PER_DAY;
	return IntervalPGetDatum(iv);
}

static void
spi_check(int rc, int expected, const char *what)
{
	if (rc != expected)
		elog(ERROR, "leadscore: %s failed: %s", what, SPI_result_code_string(rc));
}

/* The alert settings as the catalog stores them: stages text[], sla jsonb. */
static void
alert_datums(const ls_model *m, Datum *stages, Datum *sla)
{
	StringInfoData buf;
	Datum		elems[2];
	int			n = 0;
	int			k;
	bool		first = true;

	if (m->alert_mql)
		elems[n++] = CStringGetTextDatum("mql");
	if (m->alert_sql)
		elems[n++] = CStringGetTextDatum("sql");
	*stages = PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (k = 0; k < LS_ROUTE_COUNT; k++)
	{
		char		duration[64];

		if (m->task_sla_seconds[k] <= 0)
			continue;
		ls_duration_format(m->task_sla_seconds[k], duration, sizeof(duration));
		if (!first)
			appendStringInfoString(&buf, ", ");
		first = false;
		escape_json(&buf, ls_route_names[k]);
		appendStringInfoString(&buf, ": ");
		escape_json(&buf, duration);
	}
	appendStringInfoChar(&buf, '}');
	*sla = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

/*
 * Versions before 0.4 have no alert columns; the library serves every
 * installed version, so it writes them only where they exist.
 */
/*
 * Whether leadscore.model has a column: the library serves every installed
 * version of the extension, and later ones added columns.
 */
static bool
model_has_column(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(name)};
	int			rc;

	rc = SPI_execute_with_args("SELECT 1 FROM pg_attribute WHERE attrelid = 'leadscore.model'::regclass"
							   " AND attname = $1 AND NOT attisdropped", 1, types, vals, NULL, true, 1);
	return rc == SPI_OK_SELECT && SPI_processed > 0;
}

static void
update_alerts(int32 id, const ls_model *m)
{
	Oid			types[3] = {INT4OID, TEXTARRAYOID, JSONBOID};
	Datum		vals[3];

	if (!model_has_column("alert_stages"))
		return;
	vals[0] = Int32GetDatum(id);
	alert_datums(m, &vals[1], &vals[2]);
	spi_check(SPI_execute_with_args("UPDATE leadscore.model SET alert_stages = $2, task_sla = $3"
									" WHERE id = $1", 3, types, vals, NULL, false, 0),
			  SPI_OK_UPDATE, "writing alert settings");
}

/*
 * The account section goes into leadscore.model.account as the core writes
 * it (NULL without one); versions before 0.9 have no such column.
 */
static void
update_account(int32 id, const ls_model *m, ls_arena *arena)
{
	Oid			types[2] = {INT4OID, JSONBOID};
	Datum		vals[2];
	char		nulls[2] = {' ', ' '};
	char	   *section;
	ls_error	err;

	if (!model_has_column("account"))
	{
		if (m->account != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("model \"%s\" has an account section, which this version of the extension cannot store",
							m->name),
					 errhint("ALTER EXTENSION leadscore UPDATE, then import it again.")));
		return;
	}
	vals[0] = Int32GetDatum(id);
	if (m->account == NULL)
	{
		vals[1] = (Datum) 0;
		nulls[1] = 'n';
	}
	else
	{
		if (!ls_account_to_json(m->account, arena, &section, &err))
			ls_pg_raise(&err, NULL);
		vals[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(section));
	}
	spi_check(SPI_execute_with_args("UPDATE leadscore.model SET account = $2 WHERE id = $1"
									" AND account IS DISTINCT FROM $2",
									2, types, vals, nulls, false, 0),
			  SPI_OK_UPDATE, "writing the account section");
}

static int32
upsert_model(const ls_model *m)
{
	Oid			types[13] = {TEXTOID, TEXTOID, FLOAT8OID, FLOAT8OID, JSONBOID,
		FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, INTERVALOID, FLOAT8OID, FLOAT8OID,
	BOOLOID};
	Datum		vals[13];
	char		nulls[13];
	StringInfoData grades;
	bool		isnull;
	int			i;

	memset(nulls, ' ', sizeof(nulls));
	initStringInfo(&grades);
	appendStringInfoChar(&grades, '{');
	for (i = 0; i < m->n_grades; i++)
	{
		if (i > 0)
			appendStringInfoString(&grades, ", ");
		escape_json(&grades, m->grades[i].letter);
		appendStringInfo(&grades, ": %s", float8out_internal(m->grades[i].bar));
	}
	appendStringInfoChar(&grades, '}');

	vals[0] = CStringGetTextDatum(m->name);
	if (m->status)
		vals[1] = CStringGetTextDatum(m->status);
	else
		nulls[1] = 'n';
	vals[2] = Float8GetDatum(m->mql);
	vals[3] = Float8GetDatum(m->sql);
	vals[4] = DirectFunctionCall1(jsonb_in, CStringGetDatum(grades.data));
	vals[5] = Float8GetDatum(m->fit_high);
	vals[6] = Float8GetDatum(m->intent_high);
	vals[7] = Float8GetDatum(m->fit_weight);
	vals[8] = Float8GetDatum(m->intent_weight);
	if (m->half_life_seconds > 0)
		vals[9] = half_life_interval(m->half_life_seconds);
	else
		nulls[9] = 'n';
	vals[10] = Float8GetDatum(m->inactivity_days);
	vals[11] = Float8GetDatum(m->inactivity_points);
	if (!m->has_inactivity)
		nulls[10] = nulls[11] = 'n';
	vals[12] = BoolGetDatum(m->status != NULL);

	/*
	 * A new model without a status is active (importing is how a model goes
	 * live); an existing one keeps its status unless the document says.
	 */
	spi_check(SPI_execute_with_args(
									"INSERT INTO leadscore.model AS m (name, status, mql, sql, grades, fit_high, intent_high,"
									" fit_weight, intent_weight, half_life, inactivity_days, inactivity_points)"
									" VALUES ($1, coalesce($2, 'active'), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
									" ON CONFLICT (name) DO UPDATE SET"
									" status = CASE WHEN $13 THEN excluded.status ELSE m.status END,"
									" mql = excluded.mql, sql = excluded.sql, grades = excluded.grades,"
									" fit_high = excluded.fit_high, intent_high = excluded.intent_high,"
									" fit_weight = excluded.fit_weight, intent_weight = excluded.intent_weight,"
									" half_life = excluded.half_life, inactivity_days = excluded.inactivity_days,"
									" inactivity_points = excluded.inactivity_points"
									" RETURNING id",
									13, types, vals, nulls, false, 1),
			  SPI_OK_INSERT_RETURNING, "writing the model");
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

static void
insert_fit_rules(int32 id, const ls_model *m)
{
	Oid			types[7] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, FLOAT8OID, TEXTOID};
	SPIPlanPtr	plan = SPI_prepare("INSERT INTO leadscore.fit_rule"
								   " (model_id, name, attribute, op, value, points, rule_group)"
								   " VALUES ($1, $2, $3, $4, $5, $6, $7)", 7, types);
	int			i;

	for (i = 0; i < m->n_fit; i++)
	{
		const ls_fit_rule *r = &m->fit_rules[i];
		Datum		vals[7];
		char		nulls[7];
		bool		isnull;

		memset(nulls, ' ', sizeof(nulls));
		vals[0] = Int32GetDatum(id);
		vals[1] = CStringGetTextDatum(r->name);
		vals[2] = CStringGetTextDatum(r->cond.attribute);
		vals[3] = CStringGetTextDatum(ls_op_name(r->cond.op));
		vals[4] = value_jsonb(&r->cond, &isnull);
		if (isnull)
			nulls[4] = 'n';
		vals[5] = Float8GetDatum(r->points);
		if (r->group)
			vals[6] = CStringGetTextDatum(r->group);
		else
			nulls[6] = 'n';
		spi_check(SPI_execute_plan(plan, vals, nulls, false, 0), SPI_OK_INSERT,
				  "writing a fit rule");
	}
}

static void
insert_intent_rules(int32 id, const ls_model *m)
{
	Oid			types[8] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
	FLOAT8OID, FLOAT8OID};
	SPIPlanPtr	plan = SPI_prepare("INSERT INTO leadscore.intent_rule"
								   " (model_id, name, event, where_attribute, where_op, where_value, points, cap)"
								   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8, types);
	int			i;

	for (i = 0; i < m->n_intent; i++)
	{
		const ls_intent_rule *r = &m->intent_rules[i];
		Datum		vals[8];
		char		nulls[8];
		bool		isnull;

		memset(nulls, ' ', sizeof(nulls));
		vals[0] = Int32GetDatum(id);
		vals[1] = CStringGetTextDatum(r->name);
		vals[2] = CStringGetTextDatum(r->event);
		if (r->has_where)
		{
			vals[3] = CStringGetTextDatum(r->where.attribute);
			vals[4] = CStringGetTextDatum(ls_op_name(r->where.op));
			vals[5] = value_jsonb(&r->where, &isnull);
			if (isnull)
				nulls[5] = 'n';
		}
		else
			nulls[3] = nulls[4] = nulls[5] = 'n';
		vals[6] = Float8GetDatum(r->points);
		if (r->has_cap)
			vals[7] = Float8GetDatum(r->cap);
		else
			nulls[7] = 'n';
		spi_check(SPI_execute_plan(plan, vals, nulls, false, 0), SPI_OK_INSERT,
				  "writing an intent rule");
	}
}

PG_FUNCTION_INFO_V1(ls_import_model);
Datum
ls_import_model(PG_FUNCTION_ARGS)
{
	ls_arena	arena;
	ls_model   *m = parse_document(PG_GETARG_TEXT_PP(0), &arena);
	Oid			types[1] = {INT4OID};
	Datum		args[1];
	int32		id;

	SPI_connect();
	id = upsert_model(m);
	update_alerts(id, m);
	update_account(id, m, &arena);
	args[0] = Int32GetDatum(id);
	spi_check(SPI_execute_with_args("DELETE FROM leadscore.fit_rule WHERE model_id = $1",
									1, types, args, NULL, false, 0),
			  SPI_OK_DELETE, "replacing fit rules");
	spi_check(SPI_execute_with_args("DELETE FROM leadscore.intent_rule WHERE model_id = $1",
									1, types, args, NULL, false, 0),
			  SPI_OK_DELETE, "replacing intent rules");
	insert_fit_rules(id, m);
	insert_intent_rules(id, m);
	SPI_finish();
	PG_RETURN_INT32(id);
}

PG_FUNCTION_INFO_V1(ls_export_model);
Datum
ls_export_model(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ls_arena	arena;
	ls_model   *m;
	ls_error	err;
	char	   *out;
	size_t		len;
	int32		id,
				version;

	ls_pg_arena_init(&arena, CurrentMemoryContext);
	m = ls_model_load(name, &arena, &id, &version);
	if (m == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("leadscore model \"%s\" does not exist", name)));
	if (!ls_model_to_json(m, &arena, &out, &len, &err))
		ls_pg_raise(&err, NULL);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, len));
}

PG_FUNCTION_INFO_V1(ls_validate_model);
Datum
ls_validate_model(PG_FUNCTION_ARGS)
{
	text	   *doc = PG_GETARG_TEXT_PP(0);
	ls_arena	arena;
	ls_model   *m;
	ls_error	err;

	ls_pg_arena_init(&arena, CurrentMemoryContext);
	if (ls_model_from_json(VARDATA_ANY(doc), VARSIZE_ANY_EXHDR(doc), &arena,
						   &ls_pg_validate_hooks, &m, &err))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(err.msg));
}
