/*
 * leadscore.c — module entry point.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "leadscore.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	ls_model_cache_init();
	ls_define_gucs();
	if (process_shared_preload_libraries_in_progress)
	{
		ls_preloaded = true;
		ls_register_launcher();
	}
	else if (!IsBackgroundWorker)
		ereport(WARNING,
				(errmsg("leadscore is not in shared_preload_libraries: the nightly decay worker is not running"),
				 errhint("Add leadscore to shared_preload_libraries and restart, or schedule leadscore.apply_decay() yourself (pg_cron).")));
}
