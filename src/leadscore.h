/*
 * leadscore.h — declarations shared by the PostgreSQL glue (the C files in src/).
 * The server-free core lives in src/core/ and never includes this.
 */
#ifndef LEADSCORE_H
#define LEADSCORE_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/memutils.h"

#include "compat.h"

#include "arena.h"
#include "error.h"
#include "fit.h"
#include "intent.h"
#include "model.h"

/* core_bridge.c: the core on PostgreSQL's allocator, regex and errors */
extern const ls_validate_hooks ls_pg_validate_hooks;
extern const ls_match_hooks ls_pg_match_hooks;
extern void ls_pg_arena_init(ls_arena *arena, MemoryContext cxt);
extern int	ls_pg_sqlstate(ls_error_kind kind);
extern void ls_pg_raise(const ls_error *err, const char *context) pg_attribute_noreturn();
extern void ls_not_in_aggregate(const char *fname, const char *aggregates) pg_attribute_noreturn();

/* kept_plan.c: the SPI plan for sql, prepared once per backend */
extern SPIPlanPtr ls_kept_plan(const char *sql, int nargs, Oid *argtypes);

/* binding_check.c */
typedef struct ls_binding_info
{
	Datum		row;			/* the leadscore.binding row */
	int32		id;
	int32		model_id;
	char	   *model;			/* the model's name */
	char	   *event_lead;		/* the event table's columns (NULL: none) */
	char	   *event_type;
	char	   *event_time;
	char	   *event_props;
	bool		has_accounts;	/* the binding scores accounts too */
} ls_binding_info;

extern int32 ls_binding_id_arg(const char *arg);
extern bool ls_binding_check(int32 id, bool has_relid, Oid relid, const char *kind,
							 ls_binding_info *out);

/* decay_worker.c: GUCs and the background workers */
extern char *ls_guc_database;
extern char *ls_guc_decay_time;
extern int	ls_guc_batch_size;
extern bool ls_guc_worker_enabled;
extern char *ls_guc_cause;
extern bool ls_guc_quiet;
extern bool ls_preloaded;
extern void ls_define_gucs(void);
extern void ls_register_launcher(void);

/* model_cache.c: compiled models, one per backend per model version */
typedef struct ls_cached_model
{
	char		name[1024];		/* hash key: the model's name */
	int32		id;
	int32		version;
	uint64		checked_generation;
	MemoryContext cxt;
	ls_model   *model;
	ls_fit_plan *fit;
	ls_intent_plan *intent;
	TimestampTz compiled_at;
	uint64		serial;			/* changes at every recompile: per-call caches compare it */

	/*
	 * With an account section: its fit rules over the accounts table, and
	 * the committee's roles as rules over the lead row (rule i is role i),
	 * each compiled as a model of its own so the row readers serve them.
	 */
	struct ls_cached_model *account_fit;
	struct ls_cached_model *roles;
} ls_cached_model;

extern void ls_model_cache_init(void);
extern uint64 ls_cache_generation(void);
extern ls_cached_model *ls_model_get(const char *name);
extern ls_cached_model *ls_model_get_text(text *name);
extern bool ls_model_is_current(const ls_cached_model *entry);
extern ls_model *ls_model_load(const char *name, ls_arena *arena,
							   int32 *id, int32 *version);

#endif
