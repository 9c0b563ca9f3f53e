/*
 * decay_worker.c — the nightly decay, as background workers.
 *
 * A launcher (registered at postmaster start) keeps one worker per database
 * named in leadscore.database alive: it starts them as dynamic workers,
 * restarts one that died, and follows the list on SIGHUP.  Each worker
 * waits for the extension to exist in its database, then each night at
 * leadscore.decay_time (server time zone) decays every stored score to that
 * instant, one transaction per batch, under an advisory lock shared with
 * leadscore.apply_decay().
 *
 * Exactly once comes from the SQL side: decay moves a state to an absolute
 * instant and leaves a state already there alone, so a run interrupted by a
 * crash is simply run again, and missed nights collapse into one run to the
 * latest due instant.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "leadscore.h"

#define LS_WORKER_TYPE "leadscore decay worker"
#define LS_LAUNCHER_TYPE "leadscore launcher"
#define LS_MAX_DATABASES 32
#define LS_IDLE_MS (60 * 1000L)			/* longest sleep between checks */
#define LS_RETRY_MS (10 * 1000L)		/* after a failure, or no extension */

/* The advisory lock key every decay takes (apply_decay uses the same). */
#define LS_DECAY_LOCK_KEY INT64CONST(7450420135)

char	   *ls_guc_database = NULL;
char	   *ls_guc_decay_time = NULL;
int			ls_guc_batch_size = 10000;
bool		ls_guc_worker_enabled = true;
int			ls_guc_clock_offset = 0;	/* test hook, seconds */
int			ls_guc_batch_delay = 0;		/* test hook, milliseconds */
char	   *ls_guc_cause = NULL;		/* why leadscore.score is being written */
static char *ls_guc_decay_cursor = NULL;	/* read by apply_decay_batch in SQL */
bool		ls_guc_quiet = false;		/* backfill: history, but no alerts or tasks */
bool		ls_preloaded = false;		/* loaded by shared_preload_libraries */

/* How far past the clock an as_of may be (clock skew between servers). */
#define LS_AS_OF_TOLERANCE_SECS 60

PGDLLEXPORT void ls_launcher_main(Datum arg);
PGDLLEXPORT void ls_decay_worker_main(Datum arg);
static TimestampTz worker_now(void);

/* Two digits and a bound: one field of a time of day. */
static bool
time_field(const char *s, int max)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
		(s[0] - '0') * 10 + (s[1] - '0') <= max;
}

/* "HH:MM" or "HH:MM:SS", a time of day; nothing else (SQL reads it too). */
static bool
check_decay_time(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;
	size_t		len = strlen(v);

	if ((len == 5 || len == 8) && time_field(v, 23) && v[2] == ':' && time_field(v + 3, 59) &&
		(len == 5 || (v[5] == ':' && time_field(v + 6, 59))))
		return true;
	GUC_check_errdetail("leadscore.decay_time must be a time of day, HH:MM or HH:MM:SS (00:00 to 23:59:59).");
	return false;
}

void
ls_define_gucs(void)
{
	DefineCustomStringVariable("leadscore.database",
							   "Databases the decay worker serves, comma separated.",
							   NULL, &ls_guc_database, "postgres",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("leadscore.decay_time",
							   "Local time of day (server time zone) of the nightly decay.",
							   NULL, &ls_guc_decay_time, "02:00",
							   PGC_SIGHUP, 0, check_decay_time, NULL, NULL);
	DefineCustomIntVariable("leadscore.batch_size",
							"Scores decayed per transaction by the decay worker.",
							NULL, &ls_guc_batch_size, 10000, 1, INT_MAX / 2,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("leadscore.worker_enabled",
							 "Whether the decay worker runs.",
							 NULL, &ls_guc_worker_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	/* set transaction-locally by the writers of leadscore.score */
	DefineCustomStringVariable("leadscore.cause",
							   "Why stored scores are being written (stage history).",
							   NULL, &ls_guc_cause, "",
							   PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	/* where this session's last decay batch stopped (apply_decay_batch) */
	DefineCustomStringVariable("leadscore.decay_cursor",
							   "Where this session's last decay batch stopped.",
							   NULL, &ls_guc_decay_cursor, "",
							   PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("leadscore.quiet",
							 "Record stage changes without raising alerts or tasks (backfills).",
							 "leadscore.quiet() sets it for the current transaction.",
							 &ls_guc_quiet, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	/*
	 * Test hooks, not shown.  The clock offset moves the worker's clock and
	 * the latest instant a decay may reach; a superuser may set it in a
	 * session to test decays "in the future".
	 */
	DefineCustomIntVariable("leadscore.clock_offset",
							"Seconds added to the decay worker's clock (tests only).",
							NULL, &ls_guc_clock_offset, 0, -10 * 365 * 86400, 10 * 365 * 86400,
							PGC_SUSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("leadscore.batch_delay",
							"Pause between decay batches in milliseconds (tests only).",
							NULL, &ls_guc_batch_delay, 0, 0, 60 * 1000,
							PGC_SIGHUP, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_UNIT_MS,
							NULL, NULL, NULL);
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("leadscore");
#else
	EmitWarningsOnPlaceholders("leadscore");
#endif
}

void
ls_register_launcher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "leadscore");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "ls_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, LS_LAUNCHER_TYPE);
	snprintf(worker.bgw_type, BGW_MAXLEN, LS_LAUNCHER_TYPE);
	RegisterBackgroundWorker(&worker);
}

static void
reload_config_if_asked(void)
{
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

static void
wait_ms(long ms)
{
	int			rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							   ms, PG_WAIT_EXTENSION);

	if (rc & WL_LATCH_SET)
		ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/* ------------------------------------------------------------------------
 * Launcher
 * ------------------------------------------------------------------------
 */
typedef struct db_worker
{
	char		name[NAMEDATALEN];
	BackgroundWorkerHandle *handle;
	TimestampTz retry_at;		/* not before this after a failed start */
} db_worker;

static int
wanted_databases(char names[][NAMEDATALEN])
{
	char	   *copy = pstrdup(ls_guc_database ? ls_guc_database : "");
	List	   *list = NIL;
	ListCell   *lc;
	int			n = 0;

	if (!ls_guc_worker_enabled)
		return 0;
	if (!SplitIdentifierString(copy, ',', &list))
	{
		ereport(LOG,
				(errmsg("leadscore: leadscore.database \"%s\" is not a list of database names",
						ls_guc_database)));
		return 0;
	}
	foreach(lc, list)
	{
		if (n == LS_MAX_DATABASES)
		{
			ereport(LOG, (errmsg("leadscore: serving only the first %d databases", LS_MAX_DATABASES)));
			break;
		}
		strlcpy(names[n++], (char *) lfirst(lc), NAMEDATALEN);
	}
	return n;
}

/* The databases leadscore.database names, parsed as the launcher does. */
PG_FUNCTION_INFO_V1(ls_served_databases);
Datum
ls_served_databases(PG_FUNCTION_ARGS)
{
	char		names[LS_MAX_DATABASES][NAMEDATALEN];
	bool		enabled = ls_guc_worker_enabled;
	Datum		elems[LS_MAX_DATABASES];
	int			n,
				i;

	ls_guc_worker_enabled = true;	/* the list, whether or not it is served now */
	n = wanted_databases(names);
	ls_guc_worker_enabled = enabled;
	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(names[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Is the library preloaded, so that the launcher (and its workers) exist? */
PG_FUNCTION_INFO_V1(ls_worker_loaded);
Datum
ls_worker_loaded(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ls_preloaded);
}

/*
 * The latest instant a decay may move stored states to: the clock the
 * worker reads, plus a small tolerance.  A state moved into the future would
 * count later events as already decayed.
 */
PG_FUNCTION_INFO_V1(ls_latest_as_of);
Datum
ls_latest_as_of(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(worker_now() + (TimestampTz) LS_AS_OF_TOLERANCE_SECS * USECS_PER_SEC);
}

static BackgroundWorkerHandle *
start_db_worker(const char *dbname)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;	/* the launcher restarts it */
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "leadscore");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "ls_decay_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, LS_WORKER_TYPE " for %s", dbname);
	snprintf(worker.bgw_type, BGW_MAXLEN, LS_WORKER_TYPE);
	strlcpy(worker.bgw_extra, dbname, BGW_EXTRALEN);
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		ereport(LOG,
				(errmsg("leadscore: could not start the decay worker for database \"%s\"", dbname),
				 errhint("Raise max_worker_processes.")));
		return NULL;
	}
	return handle;
}

void
ls_launcher_main(Datum arg)
{
	db_worker	workers[LS_MAX_DATABASES];
	int			nworkers = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	memset(workers, 0, sizeof(workers));

	for (;;)
	{
		char		names[LS_MAX_DATABASES][NAMEDATALEN];
		int			nwanted;
		int			i,
					k;
		TimestampTz now = GetCurrentTimestamp();

		reload_config_if_asked();
		nwanted = wanted_databases(names);

		/* stop workers of databases no longer listed */
		for (i = 0; i < nworkers; i++)
		{
			bool		keep = false;

			for (k = 0; k < nwanted; k++)
				keep |= strcmp(workers[i].name, names[k]) == 0;
			if (!keep)
			{
				if (workers[i].handle)
					TerminateBackgroundWorker(workers[i].handle);
				workers[i] = workers[--nworkers];
				i--;
			}
		}
		/* start what is missing or has died */
		for (k = 0; k < nwanted; k++)
		{
			db_worker  *w = NULL;
			pid_t		pid;

			for (i = 0; i < nworkers; i++)
				if (strcmp(workers[i].name, names[k]) == 0)
					w = &workers[i];
			if (w == NULL)
			{
				w = &workers[nworkers++];
				memset(w, 0, sizeof(*w));
				strlcpy(w->name, names[k], NAMEDATALEN);
			}
			if (w->handle && GetBackgroundWorkerPid(w->handle, &pid) != BGWH_STOPPED)
				continue;
			if (w->handle)
			{
				/* it died (or its database does not exist yet): back off */
				pfree(w->handle);
				w->handle = NULL;
				w->retry_at = TimestampTzPlusMilliseconds(now, LS_RETRY_MS);
			}
			if (now >= w->retry_at)
				w->handle = start_db_worker(w->name);
		}
		wait_ms(1000L);
	}
}

/* ------------------------------------------------------------------------
 * Per-database worker
 * ------------------------------------------------------------------------
 */
static TimestampTz
worker_now(void)
{
	return GetCurrentTimestamp() + (TimestampTz) ls_guc_clock_offset * USECS_PER_SEC;
}

static void
begin_xact(const char *what)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, what);
}

static void
end_xact(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

static bool
extension_ready(void)
{
	bool		ready;

	begin_xact("leadscore: checking for the extension");
	ready = SPI_execute("SELECT 1 FROM pg_extension e JOIN pg_proc p ON p.proname = 'apply_decay_batch'"
						" AND p.pronamespace = e.extnamespace WHERE e.extname = 'leadscore'",
						true, 1) == SPI_OK_SELECT && SPI_processed > 0;
	end_xact();
	return ready;
}

/*
 * The latest due instant at or before now, and whether this worker's last
 * completed run already reached it.
 */
static bool
decay_due(TimestampTz now, TimestampTz *due, TimestampTz *next)
{
	Oid			types[2] = {TIMESTAMPTZOID, TEXTOID};
	Datum		args[2] = {TimestampTzGetDatum(now), CStringGetTextDatum(ls_guc_decay_time)};
	bool		isnull;
	bool		run;

	begin_xact("leadscore: checking the schedule");
	if (SPI_execute_with_args("SELECT s.last_due, s.next_due,"
							  " coalesce((SELECT max(r.as_of) FROM leadscore.decay_run r"
							  "            WHERE r.kind = 'worker' AND r.status = 'done'), '-infinity') < s.last_due"
							  " FROM leadscore.decay_schedule($1, $2) s",
							  2, types, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "leadscore: reading the decay schedule failed");
	*due = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	*next = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	run = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	end_xact();
	return run;
}

static int64
spi_int8(const char *sql, int nargs, Oid *types, Datum *args)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute_with_args(sql, nargs, types, args, NULL, false, 1) < 0 || SPI_processed != 1)
		elog(ERROR, "leadscore: \"%s\" failed", sql);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

static bool
take_decay_lock(void)
{
	bool		got;

	begin_xact("leadscore: waiting for the decay lock");
	got = spi_int8("SELECT pg_try_advisory_lock($1)::int::int8", 1,
				   (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(LS_DECAY_LOCK_KEY)}) == 1;
	end_xact();
	return got;
}

static void
release_decay_lock(void)
{
	begin_xact("leadscore: releasing the decay lock");
	spi_int8("SELECT pg_advisory_unlock($1)::int::int8", 1,
			 (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(LS_DECAY_LOCK_KEY)});
	end_xact();
}

/* A run is a row in leadscore.decay_run; each batch commits on its own. */
static void
run_decay(TimestampTz as_of)
{
	Oid			types[3] = {TIMESTAMPTZOID, INT4OID, INT8OID};
	Datum		args[3];
	int64		run_id;
	int64		rows;

	begin_xact("leadscore: starting a decay run");
	args[0] = TimestampTzGetDatum(as_of);
	run_id = spi_int8("INSERT INTO leadscore.decay_run (kind, as_of, status) VALUES ('worker', $1, 'running')"
					  " RETURNING id", 1, types, args);
	end_xact();
	ereport(LOG, (errmsg("leadscore: decay run %lld to %s started",
						 (long long) run_id, timestamptz_to_str(as_of))));
	do
	{
		CHECK_FOR_INTERRUPTS();
		reload_config_if_asked();
		begin_xact("leadscore: decaying a batch");
		args[1] = Int32GetDatum(ls_guc_batch_size);
		args[2] = Int64GetDatum(run_id);
		rows = spi_int8("SELECT leadscore.apply_decay_batch($1, $2)", 2, types, args);
		/* the last, empty batch is not a batch (as apply_decay counts) */
		spi_int8("UPDATE leadscore.decay_run SET rows = rows + $1,"
				 " batches = batches + CASE WHEN $1 > 0 THEN 1 ELSE 0 END"
				 " WHERE id = $2 RETURNING 1::int8", 2,
				 (Oid[]) {INT8OID, INT8OID}, (Datum[]) {Int64GetDatum(rows), Int64GetDatum(run_id)});
		end_xact();
		if (rows > 0 && ls_guc_batch_delay > 0)
			wait_ms(ls_guc_batch_delay);
	} while (rows > 0);
	begin_xact("leadscore: finishing a decay run");
	spi_int8("UPDATE leadscore.decay_run SET status = 'done', finished_at = clock_timestamp()"
			 " WHERE id = $1 RETURNING rows", 1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(run_id)});
	end_xact();
	ereport(LOG, (errmsg("leadscore: decay run %lld finished", (long long) run_id)));
}

/* Records a failed run and its error, in a transaction of its own. */
static void
record_failure(const char *message)
{
	Oid			types[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(message)};

	begin_xact("leadscore: recording a failed run");
	SPI_execute_with_args("UPDATE leadscore.decay_run SET status = 'failed', error = $1,"
						  " finished_at = clock_timestamp()"
						  " WHERE kind = 'worker' AND status = 'running'", 1, types, args, NULL, false, 0);
	/* a session lock survives the aborted transaction: give it back */
	SPI_execute("SELECT pg_advisory_unlock_all()", false, 0);
	end_xact();
}

/* Runs left 'running' by a crash or a stop are interrupted, not running. */
static void
close_interrupted_runs(void)
{
	begin_xact("leadscore: closing interrupted runs");
	SPI_execute("UPDATE leadscore.decay_run SET status = 'interrupted', finished_at = clock_timestamp()"
				" WHERE kind = 'worker' AND status = 'running'", false, 0);
	end_xact();
}

/* One pass: decay if due; returns how long to sleep. */
static long
worker_pass(void)
{
	TimestampTz now = worker_now();
	TimestampTz due,
				next;
	long		ms;

	if (!ls_guc_worker_enabled || !extension_ready())
		return LS_RETRY_MS;
	close_interrupted_runs();
	if (decay_due(now, &due, &next))
	{
		if (!take_decay_lock())
			return LS_RETRY_MS;	/* a hand-run apply_decay() holds it */
		run_decay(due);			/* on error, the caller releases the lock */
		release_decay_lock();
		return 0;
	}
	ms = (long) ((next - now) / 1000);
	return Max(1L, Min(ms, LS_IDLE_MS));
}

void
ls_decay_worker_main(Datum arg)
{
	char		dbname[NAMEDATALEN];
	MemoryContext pass_cxt;

	strlcpy(dbname, MyBgworkerEntry->bgw_extra, NAMEDATALEN);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(dbname, NULL, 0);
	pgstat_report_appname(LS_WORKER_TYPE);
	pass_cxt = AllocSetContextCreate(TopMemoryContext, "leadscore decay pass",
									 ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		long		sleep_ms = LS_RETRY_MS;
		MemoryContext old = MemoryContextSwitchTo(pass_cxt);

		reload_config_if_asked();
		PG_TRY();
		{
			sleep_ms = worker_pass();
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			/* report, record, and try again later: the worker stays up */
			MemoryContextSwitchTo(pass_cxt);
			edata = CopyErrorData();
			FlushErrorState();
			if (IsTransactionState())
				AbortCurrentTransaction();
			ereport(LOG,
					(errmsg("leadscore: decay in database \"%s\" failed: %s", dbname, edata->message)));
			PG_TRY();
			{
				record_failure(edata->message);
			}
			PG_CATCH();
			{
				FlushErrorState();
				if (IsTransactionState())
					AbortCurrentTransaction();
			}
			PG_END_TRY();
			sleep_ms = LS_RETRY_MS;
		}
		PG_END_TRY();
		MemoryContextSwitchTo(old);
		MemoryContextReset(pass_cxt);
		if (sleep_ms > 0)
			wait_ms(sleep_ms);
	}
}
