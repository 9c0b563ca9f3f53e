/*
 * stage.h — what the model does with a pair of scores: total, stage, route.
 */
#ifndef LS_STAGE_H
#define LS_STAGE_H

#include "model.h"

/* fit * weights.fit + intent * weights.intent; a missing score counts 0. */
double		ls_total_of(const ls_model *m, double fit, double intent);

/* "sql" at or over thresholds.sql, "mql" at or over thresholds.mql, else "lead". */
const char *ls_stage_of(const ls_model *m, double total);

/*
 * fit high and intent high: "route_to_sales"; fit only: "nurture";
 * intent only: "manual_review"; neither: "deprioritize".
 */
const char *ls_route_of(const ls_model *m, double fit, double intent);

#endif
