/*
 * model_cache.c — each backend compiles a model once per version.
 *
 * The catalog trigger leadscore.model_changed() sends a relcache
 * invalidation for leadscore.model at commit (and locally at the next
 * command).  Our callback only bumps a generation counter, because a
 * callback may not touch the catalog; the next lookup of a model whose
 * generation is behind re-reads its version with one query and recompiles
 * only if the version moved.  In steady state a lookup is a hash probe.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "leadscore.h"
#include "model_json.h"

static HTAB *model_cache = NULL;
static uint64 cache_generation = 1;
static Oid	model_relid = InvalidOid;
static uint64 compile_serial = 0;

static void
relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == model_relid || model_relid == InvalidOid)
		cache_generation++;
}

uint64
ls_cache_generation(void)
{
	return cache_generation;
}

void
ls_model_cache_init(void)
{
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
}

static void
remember_model_relid(void)
{
	Oid			nsp;

	if (OidIsValid(model_relid))
		return;
	nsp = get_namespace_oid("leadscore", true);
	if (OidIsValid(nsp))
		model_relid = get_relname_relid("model", nsp);
}

/*
 * Reads a model from the catalog through leadscore.model_document and
 * parses it with the core codec.  NULL when there is no such model.
 */
ls_model *
ls_model_load(const char *name, ls_arena *arena, int32 *id, int32 *version)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	ls_model   *model = NULL;
	char	   *doc = NULL;
	int			rc;

	args[0] = CStringGetTextDatum(name);
	SPI_connect();
	rc = SPI_execute_with_args(
							   "SELECT id, version, document::text FROM leadscore.model_document WHERE name = $1",
							   1, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "leadscore: reading model \"%s\" failed: %s",
			 name, SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		bool		isnull;
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext old;

		*id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		*version = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		old = MemoryContextSwitchTo((MemoryContext) arena->ctx);
		doc = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	remember_model_relid();

	if (doc != NULL)
	{
		ls_error	err;

		if (!ls_model_from_json(doc, strlen(doc), arena, &ls_pg_validate_hooks,
								&model, &err))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("stored model \"%s\" is not valid: %s", name, err.msg),
					 errhint("Fix its rows in leadscore.fit_rule / leadscore.intent_rule or re-import it.")));
		pfree(doc);
	}
	return model;
}

static int32
current_version(const char *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int32		version = -1;
	int			rc;

	args[0] = CStringGetTextDatum(name);
	SPI_connect();
	rc = SPI_execute_with_args("SELECT version FROM leadscore.model WHERE name = $1",
							   1, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "leadscore: reading model \"%s\" failed: %s",
			 name, SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		bool		isnull;

		version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();
	return version;
}

/*
 * A model of rules alone (an account's fit rules, the committee's roles),
 * compiled like a lead model's fit rules: the row and jsonb readers take
 * it as they take a whole model.
 */
static ls_cached_model *
compile_part(const ls_model *whole, ls_fit_rule *rules, int n_rules, ls_grade *grades,
			 int n_grades, ls_arena *arena)
{
	ls_cached_model *part = palloc0(sizeof(ls_cached_model));
	ls_model   *m = palloc(sizeof(ls_model));
	ls_error	err;

	*m = *whole;
	m->fit_rules = rules;
	m->n_fit = n_rules;
	m->grades = grades;
	m->n_grades = n_grades;
	m->account = NULL;
	part->model = m;
	part->fit = ls_fit_compile(m, arena, &ls_pg_match_hooks, &err);
	if (part->fit == NULL)
		ls_pg_raise(&err, NULL);
	part->serial = ++compile_serial;
	return part;
}

/* The committee's roles as fit rules: a role's rule fires when its `when` matches. */
static ls_cached_model *
compile_roles(const ls_model *whole, const ls_account_model *a, ls_arena *arena)
{
	ls_fit_rule *rules = palloc0(sizeof(ls_fit_rule) * Max(a->n_roles, 1));
	int			i;

	for (i = 0; i < a->n_roles; i++)
	{
		rules[i].name = a->roles[i].name;
		rules[i].cond = a->roles[i].when;
		rules[i].points = 1;
	}
	return compile_part(whole, rules, a->n_roles, a->grades, a->n_grades, arena);
}

static void
compile_entry(ls_cached_model *entry)
{
	MemoryContext cxt;
	ls_arena	arena;
	ls_model   *model;
	ls_fit_plan *fit;
	ls_intent_plan *intent;
	ls_error	err;
	int32		id = 0,
				version = 0;
	ls_cached_model *volatile account_fit = NULL;
	ls_cached_model *volatile roles = NULL;

	cxt = AllocSetContextCreate(CacheMemoryContext, "leadscore model",
								ALLOCSET_SMALL_SIZES);
	ls_pg_arena_init(&arena, cxt);
	PG_TRY();
	{
		model = ls_model_load(entry->name, &arena, &id, &version);
		if (model == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("leadscore model \"%s\" does not exist", entry->name),
					 errhint("Import it with leadscore.import_model(json); see leadscore.model for the models there are.")));
		fit = ls_fit_compile(model, &arena, &ls_pg_match_hooks, &err);
		if (fit == NULL)
			ls_pg_raise(&err, NULL);
		intent = ls_intent_compile(model, &arena, &ls_pg_match_hooks, &err);
		if (intent == NULL)
			ls_pg_raise(&err, NULL);
		if (model->account != NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);
			const ls_account_model *a = model->account;

			account_fit = compile_part(model, a->fit_rules, a->n_fit, a->grades,
									   a->n_grades, &arena);
			roles = compile_roles(model, a, &arena);
			MemoryContextSwitchTo(old);
		}
	}
	PG_CATCH();
	{
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();

	if (entry->cxt)
		MemoryContextDelete(entry->cxt);
	MemoryContextSetIdentifier(cxt, MemoryContextStrdup(cxt, entry->name));
	entry->cxt = cxt;
	entry->model = model;
	entry->fit = fit;
	entry->intent = intent;
	entry->account_fit = account_fit;
	entry->roles = roles;
	entry->id = id;
	entry->version = version;
	entry->compiled_at = GetCurrentTimestamp();
	entry->serial = ++compile_serial;
}

bool
ls_model_is_current(const ls_cached_model *entry)
{
	return entry->cxt != NULL && entry->checked_generation == cache_generation;
}

/*
 * The compiled model called `name`; ERROR when there is none.  The pointer
 * stays valid until the next lookup after a catalog change.
 */
ls_cached_model *
ls_model_get(const char *name)
{
	ls_cached_model *entry;
	bool		found;
	uint64		generation;

	if (strlen(name) >= sizeof(entry->name))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("leadscore model \"%.64s...\" does not exist", name)));
	if (model_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(entry->name);
		ctl.entrysize = sizeof(ls_cached_model);
		ctl.hcxt = CacheMemoryContext;
		model_cache = hash_create("leadscore models", 16, &ctl,
								  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	entry = hash_search(model_cache, name, HASH_ENTER, &found);
	if (!found)
	{
		entry->cxt = NULL;
		entry->checked_generation = 0;
	}
	if (ls_model_is_current(entry))
		return entry;

	/* read before checking, so an invalidation during the check re-checks */
	generation = cache_generation;
	PG_TRY();
	{
		if (entry->cxt == NULL || current_version(name) != entry->version)
			compile_entry(entry);
	}
	PG_CATCH();
	{
		if (entry->cxt == NULL)
			hash_search(model_cache, name, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	entry->checked_generation = generation;
	return entry;
}

ls_cached_model *
ls_model_get_text(text *name)
{
	char	   *cname = text_to_cstring(name);
	ls_cached_model *entry = ls_model_get(cname);

	pfree(cname);
	return entry;
}

PG_FUNCTION_INFO_V1(ls_cached_models);
Datum
ls_cached_models(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS seq;
	ls_cached_model *entry;

	InitMaterializedSRF(fcinfo, 0);
	if (model_cache == NULL)
		PG_RETURN_VOID();
	hash_seq_init(&seq, model_cache);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		Datum		values[7];
		bool		nulls[7] = {0};

		if (entry->cxt == NULL)
			continue;
		values[0] = CStringGetTextDatum(entry->name);
		values[1] = Int32GetDatum(entry->id);
		values[2] = Int32GetDatum(entry->version);
		values[3] = Int32GetDatum(entry->model->n_fit);
		values[4] = Int32GetDatum(entry->model->n_intent);
		values[5] = TimestampTzGetDatum(entry->compiled_at);
		values[6] = BoolGetDatum(!ls_model_is_current(entry));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
