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
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
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

PG_FUNCTION_INFO_V1(ls_binding_checked);
Datum
ls_binding_checked(PG_FUNCTION_ARGS)
{
	bool		has_relid = !PG_ARGISNULL(1);
	Oid			relid = has_relid ? PG_GETARG_OID(1) : InvalidOid;
	char	   *kind = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	Datum		id;
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	Oid			tables[2];
	Oid			created_by;
	Oid			scored;
	char	   *status;
	char	   *model;
	Datum		result;
	int			i;
	Oid			id_type[1] = {INT4OID};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* the trigger argument as ::integer would read it (22P02 on garbage) */
	id = DirectFunctionCall1(int4in, CStringGetDatum(text_to_cstring(PG_GETARG_TEXT_PP(0))));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadscore: SPI_connect failed");
	if (SPI_execute_plan(ls_kept_plan("SELECT b, b.leads, b.events, b.created_by, m.status, m.name"
									  " FROM leadscore.binding b JOIN leadscore.model m ON m.id = b.model_id"
									  " WHERE b.id = $1", 1, id_type),
						 &id, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadscore: reading binding %d failed", DatumGetInt32(id));
	if (SPI_processed == 0)
	{
		SPI_finish();
		if (has_relid)
			ereport(WARNING,
					(errmsg("leadscore: binding %d no longer exists; trigger on %s does nothing",
							DatumGetInt32(id), rel_name(relid)),
					 errhint("Drop the trigger, or bind the model again.")));
		PG_RETURN_NULL();
	}
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	tables[0] = DatumGetObjectId(SPI_getbinval(row, desc, 2, &isnull));
	tables[1] = DatumGetObjectId(SPI_getbinval(row, desc, 3, &isnull));
	created_by = DatumGetObjectId(SPI_getbinval(row, desc, 4, &isnull));
	status = SPI_getvalue(row, desc, 5);
	model = SPI_getvalue(row, desc, 6);

	if (has_relid)
	{
		scored = kind == NULL ? InvalidOid :
			strcmp(kind, "leads") == 0 ? tables[0] :
			strcmp(kind, "events") == 0 ? tables[1] : InvalidOid;
		if (scored != relid)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("leadscore: binding %d does not score table %s",
							DatumGetInt32(id), rel_name(relid)),
					 errhint("Only leadscore.bind() attaches leadscore triggers.")));
	}
	for (i = 0; i < 2; i++)
	{
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(tables[i])))
		{
			/* (warned before SPI_finish frees the model's name) */
			ereport(WARNING,
					(errmsg("leadscore: a table bound to model \"%s\" was dropped; the binding does nothing",
							model),
					 errhint("Call leadscore.unbind() for its model.")));
			SPI_finish();
			PG_RETURN_NULL();
		}
		if (pg_class_aclcheck(tables[i], created_by, ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("leadscore: role %s bound table %s but can no longer read it",
							role_name(created_by), rel_name(tables[i])),
					 errhint("Grant it SELECT again, or unbind the model.")));
	}
	if (status != NULL && strcmp(status, "retired") == 0)
	{
		if (has_relid)
			ereport(WARNING,
					(errmsg("leadscore: model \"%s\" is retired; its trigger on %s does nothing",
							model, rel_name(relid)),
					 errhint("Call leadscore.unbind() for it.")));
		SPI_finish();
		PG_RETURN_NULL();
	}
	result = SPI_datumTransfer(SPI_getbinval(row, desc, 1, &isnull), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}
