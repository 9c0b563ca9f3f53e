/*
 * fit_trigger.c — leadscore.fit_trigger(model, score_column [, grade_column])
 * writes the fit score (and grade) into the lead row before it is stored.
 *
 *   CREATE TRIGGER lead_fit BEFORE INSERT OR UPDATE ON leads FOR EACH ROW
 *     EXECUTE FUNCTION leadscore.fit_trigger('b2b', 'fit_score', 'fit_grade');
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "fit_call.h"

typedef struct fit_trigger_state
{
	ls_fit_call call;
	Oid			relid;
	int			score_attnum;
	Oid			score_type;
	int			grade_attnum;	/* 0: no grade column */
	text	   *model;			/* tgargs[0], made once */
	uint64		grades_serial;	/* compiled model the grade texts belong to */
	const char *letters[LS_MAX_GRADES + 1];
	Datum		grade_texts[LS_MAX_GRADES + 1];
	int			n_letters;
} fit_trigger_state;

/* The grade as a text Datum, made once per letter per compiled model. */
static Datum
grade_datum(fit_trigger_state *st, const ls_cached_model *entry, double fit)
{
	const char *letter = ls_grade_of(entry->model, fit);
	int			i;

	if (st->grades_serial != entry->serial)
	{
		st->n_letters = 0;
		st->grades_serial = entry->serial;
	}
	for (i = 0; i < st->n_letters; i++)
		if (st->letters[i] == letter)
			return st->grade_texts[i];
	if (st->n_letters < (int) lengthof(st->letters))
	{
		MemoryContext old = MemoryContextSwitchTo(st->call.cxt);

		st->letters[st->n_letters] = letter;
		st->grade_texts[st->n_letters] = CStringGetTextDatum(letter);
		MemoryContextSwitchTo(old);
		return st->grade_texts[st->n_letters++];
	}
	return CStringGetTextDatum(letter);
}

static int
target_column(Relation rel, const char *name, const Oid *types, int ntypes,
			  const char *what, Oid *type_out)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			attnum = SPI_fnumber(desc, name);
	Oid			type;
	int			i;

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("leadscore.fit_trigger: table \"%s\" has no column \"%s\" for the %s",
						RelationGetRelationName(rel), name, what)));
	type = getBaseType(TupleDescAttr(desc, attnum - 1)->atttypid);
	for (i = 0; i < ntypes; i++)
		if (types[i] == type)
		{
			*type_out = type;
			return attnum;
		}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("leadscore.fit_trigger: column \"%s\" of table \"%s\" is of type %s, which cannot hold the %s",
					name, RelationGetRelationName(rel),
					format_type_be(TupleDescAttr(desc, attnum - 1)->atttypid), what),
			 errhint("Use numeric or double precision for the score, text for the grade.")));
	return 0;
}

static fit_trigger_state *
trigger_state(FunctionCallInfo fcinfo, TriggerData *td)
{
	fit_trigger_state *st = fcinfo->flinfo->fn_extra;
	Trigger    *tg = td->tg_trigger;
	static const Oid score_types[] = {NUMERICOID, FLOAT8OID, FLOAT4OID};
	static const Oid grade_types[] = {TEXTOID, VARCHAROID, BPCHAROID};
	Oid			grade_type;

	if (st != NULL && st->relid == RelationGetRelid(td->tg_relation))
		return st;
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadscore.fit_trigger must be a BEFORE INSERT OR UPDATE ... FOR EACH ROW trigger")));
	if (tg->tgnargs < 2 || tg->tgnargs > 3)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadscore.fit_trigger takes (model, score_column [, grade_column]), got %d arguments",
						tg->tgnargs)));
	st = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(fit_trigger_state));
	st->call.cxt = fcinfo->flinfo->fn_mcxt;
	st->relid = RelationGetRelid(td->tg_relation);
	st->score_attnum = target_column(td->tg_relation, tg->tgargs[1], score_types,
									 lengthof(score_types), "fit score", &st->score_type);
	if (tg->tgnargs == 3)
		st->grade_attnum = target_column(td->tg_relation, tg->tgargs[2], grade_types,
										 lengthof(grade_types), "fit grade", &grade_type);
	st->model = (text *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
											VARHDRSZ + strlen(tg->tgargs[0]));
	SET_VARSIZE(st->model, VARHDRSZ + strlen(tg->tgargs[0]));
	memcpy(VARDATA(st->model), tg->tgargs[0], strlen(tg->tgargs[0]));
	fcinfo->flinfo->fn_extra = st;
	return st;
}

static Datum
score_datum(Oid type, double score)
{
	switch (type)
	{
		case FLOAT8OID:
			return Float8GetDatum(score);
		case FLOAT4OID:
			return Float4GetDatum((float4) score);
		default:
			return ls_float8_numeric(score);
	}
}

PG_FUNCTION_INFO_V1(ls_fit_trigger);
Datum
ls_fit_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	fit_trigger_state *st;
	HeapTuple	tup;
	TupleDesc	desc;
	ls_cached_model *entry;
	ls_row_map *map;
	HeapTuple	out;
	double		fit;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadscore.fit_trigger must be called as a trigger")));
	td = (TriggerData *) fcinfo->context;
	st = trigger_state(fcinfo, td);
	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	desc = RelationGetDescr(td->tg_relation);

	entry = ls_fit_call_model(&st->call, st->model);
	map = &st->call.map;
	ls_row_map_prepare(map, entry, desc, st->call.cxt);
	ls_row_read(map, entry, tup, desc);
	fit = ls_fit_eval(entry->fit, map->values, NULL, NULL);

	/*
	 * The row is already deformed into map: form the new tuple from it (what
	 * heap_modify_tuple_by_cols would do after deforming it a second time).
	 */
	map->datums[st->score_attnum - 1] = score_datum(st->score_type, fit);
	map->nulls[st->score_attnum - 1] = false;
	if (st->grade_attnum)
	{
		map->datums[st->grade_attnum - 1] = grade_datum(st, entry, fit);
		map->nulls[st->grade_attnum - 1] = false;
	}
	out = heap_form_tuple(desc, map->datums, map->nulls);
	out->t_data->t_ctid = tup->t_data->t_ctid;
	out->t_self = tup->t_self;
	out->t_tableOid = tup->t_tableOid;
	return PointerGetDatum(out);
}
