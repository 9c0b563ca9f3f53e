/*
 * binding_check.c — leadscore.binding_checked(binding_id, relid, kind): the
 * binding a trigger or a decay works for, checked before it writes.
 *
 * Every leadscore trigger calls it once per statement, so under one event
 * per transaction it ran as often as the INSERT itself: in PL/pgSQL it was
 * five queries and a function-scan per statement.  Here it is one kept plan
 * and syscache lookups, with the same answers:
 *   - the binding is gone, a bound table was dropped, or the model is
 *     retired: a WARNING (for a trigger) and NULL, so the trigger does nothing;
 *   - the trigger sits on a table the binding does not score, or the role
 *     that bound it can no longer read a bound table: 42501.
 * The event trigger calls ls_binding_check directly (no query around it).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "leadscore.h"

static const char *
rel_name(Oid relid)
{
	return DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
}

static const char *
role_name(Oid roleid)
{
	return DatumGetCString(DirectFunctionCall1(regroleout, ObjectIdGetDatum(roleid)));
}

static char *
strdup_in(MemoryContext cxt, const char *s)
{
	return s == NULL ? NULL : MemoryContextStrdup(cxt, s);
}

static char *
copy_value(MemoryContext cxt, HeapTuple row, TupleDesc desc, int col)
{
	return strdup_in(cxt, SPI_getvalue(row, desc, col));
}

/* A trigger's binding argument, read as ::integer would (22P02 on garbage). */
int32
ls_binding_id_arg(const char *arg)
{
	return DatumGetInt32(DirectFunctionCall1(int4in, CStringGetDatum(arg)));
}

/*
 * The binding rows this backend read, with their model's name and status,
 * kept until the catalog generation moves: a trigger statement then reads
 * no table to find its binding.  Triggers on leadscore.binding and
 * leadscore.model send the invalidation that moves it.  Rights and the
 * bound tables' existence are checked on every call, from the syscache.
 */
typedef struct cached_binding
{
	uint64		generation;		/* 0: empty */
	int32		id;
	bool		found;			/* the binding exists */
	bool		retired;		/* its model is retired */
	Oid			tables[2];		/* leads, events */
	Oid			created_by;
	ls_binding_info info;		/* in cxt */
	MemoryContext cxt;
} cached_binding;

#define BINDING_SLOTS 16
static cached_binding bindings[BINDING_SLOTS];

static void
load_binding(cached_binding *c, int32 id)
{
	uint64		generation = ls_cache_generation();
	Datum		id_arg = Int32GetDatum(id);
	Oid			id_type[1] = {INT4OID};
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	char	   *status;

	c->generation = 0;
	if (c->cxt == NULL)
		c->cxt = AllocSetContextCreate(TopMemoryContext, "leadscore binding",
									   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(c->cxt);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadscore: SPI_connect failed");
	if (SPI_execute_plan(ls_kept_plan("SELECT b, b.leads, b.events, b.created_by, m.status, m.name,"
									  " b.model_id, b.event_lead, b.event_type, b.event_time, b.event_props,"
									  " b.lead_account IS NOT NULL"
									  " FROM leadscore.binding b JOIN leadscore.model m ON m.id = b.model_id"
									  " WHERE b.id = $1", 1, id_type),
						 &id_arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadscore: reading binding %d failed", id);
	c->id = id;
	c->found = SPI_processed > 0;
	if (c->found)
	{
		MemoryContext spi = MemoryContextSwitchTo(c->cxt);

		row = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		c->info.row = datumCopy(SPI_getbinval(row, desc, 1, &isnull), false, -1);
		MemoryContextSwitchTo(spi);
		c->tables[0] = DatumGetObjectId(SPI_getbinval(row, desc, 2, &isnull));
		c->tables[1] = DatumGetObjectId(SPI_getbinval(row, desc, 3, &isnull));
		c->created_by = DatumGetObjectId(SPI_getbinval(row, desc, 4, &isnull));
		status = SPI_getvalue(row, desc, 5);
		c->retired = status != NULL && strcmp(status, "retired") == 0;
		c->info.id = id;
		c->info.model = copy_value(c->cxt, row, desc, 6);
		c->info.model_id = DatumGetInt32(SPI_getbinval(row, desc, 7, &isnull));
		c->info.event_lead = copy_value(c->cxt, row, desc, 8);
		c->info.event_type = copy_value(c->cxt, row, desc, 9);
		c->info.event_time = copy_value(c->cxt, row, desc, 10);
		c->info.event_props = copy_value(c->cxt, row, desc, 11);
		c->info.has_accounts = DatumGetBool(SPI_getbinval(row, desc, 12, &isnull));
	}
	SPI_finish();
	c->generation = generation;
}

/*
 * Checks binding id for a trigger (has_relid) on relid, of kind "leads" or
 * "events".  False when it is to do nothing (warned for a trigger);
 * otherwise *out holds the binding: its names in the caller's memory, its
 * row (for binding_checked) in the backend's cache until the next check.
 */
bool
ls_binding_check(int32 id, bool has_relid, Oid relid, const char *kind,
				 ls_binding_info *out)
{
	cached_binding *c = &bindings[(uint32) id % BINDING_SLOTS];
	Oid			scored;
	int			i;

	if (c->generation != ls_cache_generation() || c->id != id)
		load_binding(c, id);
	if (!c->found)
	{
		if (has_relid)
			ereport(WARNING,
					(errmsg("leadscore: binding %d no longer exists; trigger on %s does nothing",
							id, rel_name(relid)),
					 errhint("Drop the trigger, or bind the model again.")));
		return false;
	}
	if (has_relid)
	{
		scored = kind == NULL ? InvalidOid :
			strcmp(kind, "leads") == 0 ? c->tables[0] :
			strcmp(kind, "events") == 0 ? c->tables[1] : InvalidOid;
		if (scored != relid)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("leadscore: binding %d does not score table %s",
							id, rel_name(relid)),
					 errhint("Only leadscore.bind() attaches leadscore triggers.")));
	}
	for (i = 0; i < 2; i++)
	{
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(c->tables[i])))
		{
			ereport(WARNING,
					(errmsg("leadscore: a table bound to model \"%s\" was dropped; the binding does nothing",
							c->info.model),
					 errhint("Call leadscore.unbind() for its model.")));
			return false;
		}
		if (pg_class_aclcheck(c->tables[i], c->created_by, ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("leadscore: role %s bound table %s but can no longer read it",
							role_name(c->created_by), rel_name(c->tables[i])),
					 errhint("Grant it SELECT again, or unbind the model.")));
	}
	if (c->retired)
	{
		if (has_relid)
			ereport(WARNING,
					(errmsg("leadscore: model \"%s\" is retired; its trigger on %s does nothing",
							c->info.model, rel_name(relid)),
					 errhint("Call leadscore.unbind() for it.")));
		return false;
	}
	/* copies: a nested call may reload the slot while the caller uses them */
	out->row = c->info.row;
	out->id = id;
	out->model_id = c->info.model_id;
	out->model = pstrdup(c->info.model);
	out->event_lead = strdup_in(CurrentMemoryContext, c->info.event_lead);
	out->event_type = strdup_in(CurrentMemoryContext, c->info.event_type);
	out->event_time = strdup_in(CurrentMemoryContext, c->info.event_time);
	out->event_props = strdup_in(CurrentMemoryContext, c->info.event_props);
	out->has_accounts = c->info.has_accounts;
	return true;
}

PG_FUNCTION_INFO_V1(ls_binding_checked);
Datum
ls_binding_checked(PG_FUNCTION_ARGS)
{
	bool		has_relid = !PG_ARGISNULL(1);
	Oid			relid = has_relid ? PG_GETARG_OID(1) : InvalidOid;
	char	   *kind = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	ls_binding_info b;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!ls_binding_check(ls_binding_id_arg(text_to_cstring(PG_GETARG_TEXT_PP(0))),
						  has_relid, relid, kind, &b))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(datumCopy(b.row, false, -1));
}
