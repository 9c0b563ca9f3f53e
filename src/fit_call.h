/*
 * fit_call.h — per-call-site state shared by the fit functions and the
 * fit trigger: the compiled model last used and the lead row map.
 */
#ifndef LS_FIT_CALL_H
#define LS_FIT_CALL_H

#include "lead_row.h"
#include "state_pool.h"

typedef struct ls_fit_call
{
	MemoryContext cxt;
	char	   *name;
	size_t		name_len;
	size_t		name_cap;
	ls_cached_model *entry;
	bool		row_checked;	/* the lead argument was checked to be a row */
	TupleDesc	desc;			/* row type of composite arguments */
	ls_row_map	map;
	uint64		jsonb_serial;
	ls_attr_value *jsonb_values;
	ls_col_map *jsonb_cols;
	ls_state_pool *agg_pools;	/* intent_score's group states */
} ls_fit_call;

extern ls_fit_call *ls_fit_call_get(FunctionCallInfo fcinfo);
extern ls_cached_model *ls_fit_call_model(ls_fit_call *cache, text *name);
extern void ls_fit_call_check_row(FunctionCallInfo fcinfo, ls_fit_call *cache, int argno,
								  const char *fname);
extern const ls_attr_value *ls_fit_call_read_row(ls_fit_call *cache, HeapTupleHeader th);
extern const ls_attr_value *ls_fit_call_read_jsonb(ls_fit_call *cache, Jsonb *jb);
extern Datum ls_float8_numeric(double d);
/* explain's rows (section, rule, attribute, value, points) for the rules of entry that fire */
extern Datum ls_explain_values(FunctionCallInfo fcinfo, ls_cached_model *entry,
							   const ls_attr_value *values);

/* intent_agg.c: intent of a stored leadscore.intent_state; NaN when stale */
extern double ls_stored_intent(const ls_cached_model *entry, Datum state);
/* and as of a later instant: false when stale or past it */
extern bool ls_stored_intent_at(const ls_cached_model *entry, Datum state, int64 as_of,
								double *intent);
extern Oid ls_intent_state_type(void);
extern Datum ls_one_event_state(const ls_cached_model *entry, text *type, bool has_time,
								TimestampTz t, Datum props, bool props_null, int64 as_of);
extern double ls_stored_intent_rules(const ls_cached_model *entry, Datum state, int64 as_of,
									 double *values);

#endif
