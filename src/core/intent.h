/*
 * intent.h — intent rules compiled, and the decaying accumulator.
 *
 * The state keeps, per intent rule, the *uncapped* sum of
 * points * 0.5^((as_of - t) / half_life) over the rule's events, as of
 * as_of.  Because decay is a common factor, moving a state from T1 to T2
 * multiplies every sum by 0.5^((T2 - T1) / half_life) and equals a fresh
 * computation at T2; caps and inactivity are applied only when finalizing,
 * which keeps that identity exact.  Times are microseconds (PostgreSQL's
 * TimestampTz).
 */
#ifndef LS_INTENT_H
#define LS_INTENT_H

#include "fit.h"

#define LS_NO_TIME INT64_MIN

typedef struct ls_intent_plan ls_intent_plan;

ls_intent_plan *ls_intent_compile(const ls_model *m, ls_arena *arena,
								  const ls_match_hooks *hooks, ls_error *err);
/* Give back what the plan's `where` conditions took (see ls_fit_release). */
void		ls_intent_release(ls_intent_plan *p);
int			ls_intent_n_rules(const ls_intent_plan *p);
const ls_model *ls_intent_model(const ls_intent_plan *p);

/* Looks up a property of the event for `where` conditions. */
typedef void (*ls_prop_fn) (const char *key, ls_attr_value *out, void *ctx);

/*
 * Index of the first rule whose event and where match, or -1 (an unknown
 * type or no match: activity only).  props may be NULL (no properties).
 */
int			ls_intent_match(ls_intent_plan *p, const char *type, size_t len,
							ls_prop_fn props, void *props_ctx);

typedef struct ls_intent_state
{
	int64_t		as_of;			/* the instant the sums are decayed to */
	int64_t		newest;			/* newest event at or before as_of, or LS_NO_TIME */
	int64_t		n_events;		/* events counted (matched or not) */
	int32_t		n_rules;
	double		sums[];			/* n_rules uncapped decayed sums */
} ls_intent_state;

size_t		ls_intent_state_size(int n_rules);
void		ls_intent_state_init(ls_intent_state *s, int n_rules, int64_t as_of);

/*
 * Add one event: rule_index from ls_intent_match (-1: activity only).
 * Events after as_of count nothing (returns false); true if counted.
 */
bool		ls_intent_add(ls_intent_state *s, const ls_intent_plan *p,
						  int rule_index, int64_t t);

/* dst += src; both must share as_of and n_rules (false otherwise). */
bool		ls_intent_combine(ls_intent_state *dst, const ls_intent_state *src,
							  ls_error *err);

/* Move the state forward (or back) to new_as_of: sums *= 0.5^(dt/h). */
void		ls_intent_decay(ls_intent_state *s, const ls_intent_plan *p,
							int64_t new_as_of);

/* Per-rule capped contribution (for explain). */
double		ls_intent_rule_value(const ls_intent_state *s,
								 const ls_intent_plan *p, int rule_index);

/* Whether the inactivity rule applies as of s->as_of. */
bool		ls_intent_inactive(const ls_intent_state *s, const ls_intent_plan *p);

/* Intent as of s->as_of: capped sums plus inactivity points. */
double		ls_intent_finalize(const ls_intent_state *s, const ls_intent_plan *p);

/* Factor 0.5^(dt / half_life); 1 when the model does not decay. */
double		ls_decay_factor(double half_life_seconds, int64_t dt_usec);

#endif
