/*
 * leadscore.c — module entry point.
 */
#include "postgres.h"

#include "fmgr.h"

#include "leadscore.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	ls_model_cache_init();
}
