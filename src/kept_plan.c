/*
 * kept_plan.c — SPI plans prepared once per backend, keyed by their text.
 *
 * The trigger paths run once per statement, and under one event per
 * transaction planning their queries again cost more than running them.
 * PostgreSQL's plan cache revalidates a kept plan after DDL.  Callers must
 * be connected to SPI.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/memutils.h"

#include "leadscore.h"

typedef struct kept_plan
{
	struct kept_plan *next;
	char	   *sql;
	SPIPlanPtr	plan;
} kept_plan;

static kept_plan *kept_plans = NULL;
static int	n_kept = 0;

#define LS_MAX_KEPT_PLANS 256	/* a backend serving more bindings re-plans */

SPIPlanPtr
ls_kept_plan(const char *sql, int nargs, Oid *argtypes)
{
	kept_plan  *k;
	SPIPlanPtr	plan;

	for (k = kept_plans; k != NULL; k = k->next)
		if (strcmp(k->sql, sql) == 0)
			return k->plan;
	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "leadscore: preparing \"%s\" failed: %s", sql, SPI_result_code_string(SPI_result));
	if (n_kept >= LS_MAX_KEPT_PLANS)
		return plan;			/* freed with the SPI connection */
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "leadscore: keeping a plan failed");
	k = MemoryContextAlloc(TopMemoryContext, sizeof(kept_plan));
	k->sql = MemoryContextStrdup(TopMemoryContext, sql);
	k->plan = plan;
	k->next = kept_plans;
	kept_plans = k;
	n_kept++;
	return plan;
}
