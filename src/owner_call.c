/*
 * owner_call.c — bind() and unbind(): the caller's identity, proven.
 *
 * A binding decides which tables the SECURITY DEFINER triggers (and the
 * nightly worker) read with the extension owner's rights, so it must record
 * who made it, and only someone who owns the tables may make it.  A definer
 * function cannot tell who called it, and an invoker function cannot write
 * the catalog without granting everyone the right to forge it.  These
 * invoker C functions read the caller from GetUserId(), then become the
 * extension owner and call the internal SQL function (not executable by
 * anyone else) with the caller as its first argument.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "leadscore.h"

static Oid
extension_owner(void)
{
	bool		isnull;
	Datum		owner;

	if (SPI_execute("SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'leadscore'",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"leadscore\" is not installed in this database")));
	owner = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetObjectId(owner);
}

/*
 * Calls leadscore.<internal>(caller, <this function's arguments>) as the
 * extension owner and returns its result (a pass-by-value type or void).
 */
static Datum
call_as_owner(FunctionCallInfo fcinfo, const char *internal)
{
	Oid			caller = GetUserId();
	Oid			fn_rettype;
	Oid		   *fn_argtypes;
	int			fn_nargs;
	Oid			argtypes[FUNC_MAX_ARGS];
	Datum		values[FUNC_MAX_ARGS];
	char		nulls[FUNC_MAX_ARGS];
	StringInfoData sql;
	Oid			save_user;
	int			save_sec;
	Datum		result = (Datum) 0;
	bool		isnull = true;
	int			i;

	fn_rettype = get_func_signature(fcinfo->flinfo->fn_oid, &fn_argtypes, &fn_nargs);
	if (fn_nargs + 1 > FUNC_MAX_ARGS || !(get_typbyval(fn_rettype) || fn_rettype == VOIDOID))
		elog(ERROR, "leadscore.%s: unsupported signature", internal);

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT leadscore.%s($1::pg_catalog.regrole", internal);
	argtypes[0] = OIDOID;
	values[0] = ObjectIdGetDatum(caller);
	nulls[0] = ' ';
	for (i = 0; i < fn_nargs; i++)
	{
		argtypes[i + 1] = fn_argtypes[i];
		values[i + 1] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		nulls[i + 1] = PG_ARGISNULL(i) ? 'n' : ' ';
		appendStringInfo(&sql, ", $%d", i + 2);
	}
	appendStringInfoChar(&sql, ')');

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadscore.%s: SPI_connect failed", internal);

	/* an error unwinds the user switch with the (sub)transaction */
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(extension_owner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_execute_with_args(sql.data, fn_nargs + 1, argtypes, values, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadscore.%s: call failed", internal);
	SetUserIdAndSecContext(save_user, save_sec);

	if (fn_rettype != VOIDOID && SPI_processed == 1)
		result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	SPI_finish();
	pfree(sql.data);

	if (fn_rettype == VOIDOID)
		PG_RETURN_VOID();
	if (isnull)
		PG_RETURN_NULL();
	return result;
}

PG_FUNCTION_INFO_V1(ls_bind);
Datum
ls_bind(PG_FUNCTION_ARGS)
{
	return call_as_owner(fcinfo, "bind_as");
}

PG_FUNCTION_INFO_V1(ls_unbind);
Datum
ls_unbind(PG_FUNCTION_ARGS)
{
	return call_as_owner(fcinfo, "unbind_as");
}

PG_FUNCTION_INFO_V1(ls_rescore_accounts);
Datum
ls_rescore_accounts(PG_FUNCTION_ARGS)
{
	return call_as_owner(fcinfo, "rescore_accounts_as");
}
