#include "stage.h"

#include <math.h>

double
ls_total_of(const ls_model *m, double fit, double intent)
{
	/* a lead known only by its events has no fit yet, and vice versa */
	if (isnan(fit))
		fit = 0;
	if (isnan(intent))
		intent = 0;
	return fit * m->fit_weight + intent * m->intent_weight;
}

const char *
ls_stage_of(const ls_model *m, double total)
{
	if (total >= m->sql)
		return "sql";
	if (total >= m->mql)
		return "mql";
	return "lead";
}

const char *
ls_route_of(const ls_model *m, double fit, double intent)
{
	bool		fit_high = !isnan(fit) && fit >= m->fit_high;
	bool		intent_high = !isnan(intent) && intent >= m->intent_high;

	if (fit_high && intent_high)
		return "route_to_sales";
	if (fit_high)
		return "nurture";
	if (intent_high)
		return "manual_review";
	return "deprioritize";
}
