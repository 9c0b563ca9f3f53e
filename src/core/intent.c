/*
 * intent.c — intent rules compiled for matching events, and the decaying
 * accumulator.
 *
 * Matching maps an event type (exact bytes, case-sensitive) through a hash
 * table to the rules for that type in rule order; the first whose `where`
 * matches wins.  The state holds uncapped per-rule sums decayed to as_of:
 * decay is a common factor of every term, so decaying a state from T1 to
 * T2 gives what adding the same events at T2 would (up to rounding), and
 * states at the same as_of simply add.  Caps and inactivity are not linear,
 * so they are applied only when reading a value out.
 */
#include "intent.h"
#include "memo.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct event_entry
{
	const char *name;			/* NULL: empty */
	size_t		len;
	uint32_t	hash;
	int			first;			/* into plan->order */
	int			count;
	/*
	 * When every `where` of the type's rules reads one property (memo_key),
	 * the type's first matching rule is a function of that property's text,
	 * remembered per text (page URLs repeat).
	 */
	const char *memo_key;
	ls_memo		memo;
} event_entry;

struct ls_intent_plan
{
	const ls_model *model;
	int			n_rules;
	double		half_life;
	double	   *points;
	bool	   *has_cap;
	double	   *cap;
	ls_cond_plan **where;		/* NULL: no where */
	const char **where_key;		/* interned: equal keys share a pointer */
	event_entry *events;
	uint32_t	mask;
	int		   *order;			/* rule indexes grouped by event type */
	bool		has_inactivity;
	double		inactivity_usec;
	double		inactivity_points;
	ls_arena	eval;			/* what the memos take while matching */
};

static uint32_t
hash_bytes(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

static uint32_t
table_size(int n)
{
	uint32_t	size = 8;

	while (size < (uint32_t) n * 2)
		size *= 2;
	return size;
}

/* The table entry for this type, or the empty entry where it would go. */
static event_entry *
event_slot(event_entry *events, uint32_t mask, const char *name, size_t len,
		   uint32_t h)
{
	uint32_t	i;

	for (i = h & mask; events[i].name != NULL; i = (i + 1) & mask)
		if (events[i].hash == h && events[i].len == len &&
			memcmp(events[i].name, name, len) == 0)
			break;
	return &events[i];
}

static bool
rule_fail(ls_error *err, const ls_intent_rule *r, int i, ls_error_kind kind,
		  const char *msg)
{
	if (r->name != NULL)
		return ls_error_set(err, kind, "intent rule \"%.200s\": %s", r->name, msg);
	return ls_error_set(err, kind, "intent.rules[%d]: %s", i, msg);
}

/* The first copy of key seen, so that equal keys compare by pointer. */
static const char *
intern_key(const char *key, event_entry *keys, uint32_t mask)
{
	size_t		len = strlen(key);
	uint32_t	h = hash_bytes(key, len);
	event_entry *e = event_slot(keys, mask, key, len, h);

	if (e->name == NULL)
	{
		e->name = key;
		e->len = len;
		e->hash = h;
	}
	return e->name;
}

static bool
compile_rule(ls_intent_plan *p, int i, ls_arena *arena,
			 const ls_match_hooks *hooks, event_entry *keys, uint32_t kmask,
			 ls_error *err)
{
	const ls_intent_rule *r = &p->model->intent_rules[i];
	size_t		len;
	uint32_t	h;
	event_entry *e;

	if (r->event == NULL)
		return rule_fail(err, r, i, LS_ERR_INVALID, "no event");
	if (isnan(r->points) || isinf(r->points))
		return rule_fail(err, r, i, LS_ERR_INVALID, "points must be a finite number");
	if (r->has_cap && (isnan(r->cap) || r->cap == 0 ||
					   (r->points > 0 && r->cap < 0) ||
					   (r->points < 0 && r->cap > 0)))
		return rule_fail(err, r, i, LS_ERR_INVALID,
						 "cap must be non-zero with the sign of points");
	p->points[i] = r->points;
	p->has_cap[i] = r->has_cap;
	p->cap[i] = r->cap;
	if (r->has_where)
	{
		ls_error	why;

		if (r->where.attribute == NULL)
			return rule_fail(err, r, i, LS_ERR_INVALID, "where has no attribute");
		ls_error_clear(&why);
		p->where[i] = ls_cond_compile(&r->where, arena, hooks, &why);
		if (p->where[i] == NULL)
			return rule_fail(err, r, i, why.kind ? why.kind : LS_ERR_INVALID, why.msg);
		p->where_key[i] = intern_key(r->where.attribute, keys, kmask);
	}

	len = strlen(r->event);
	h = hash_bytes(r->event, len);
	e = event_slot(p->events, p->mask, r->event, len, h);
	if (e->name == NULL)
	{
		e->name = r->event;
		e->len = len;
		e->hash = h;
	}
	e->count++;
	return true;
}

/* A memo for the type when its `where`s (two or more) read one property. */
static void
plan_type_memo(ls_intent_plan *p, event_entry *e)
{
	const char *key = NULL;
	int			n_where = 0;
	int			k;

	e->memo_key = NULL;
	for (k = 0; k < e->count; k++)
	{
		int			r = p->order[e->first + k];

		if (p->where[r] == NULL)
			continue;
		if (key != NULL && p->where_key[r] != key)
			return;
		key = p->where_key[r];
		n_where++;
	}
	if (n_where >= 2)
		e->memo_key = key;
}

ls_intent_plan *
ls_intent_compile(const ls_model *m, ls_arena *arena,
				  const ls_match_hooks *hooks, ls_error *err)
{
	ls_intent_plan *p;
	event_entry *keys;
	int			n = m->n_intent;
	int			alloc_n;
	int			first = 0;
	uint32_t	i;
	int			k;

	if (n < 0 || (n > 0 && m->intent_rules == NULL))
	{
		ls_error_set(err, LS_ERR_INVALID, "malformed intent rule list");
		return NULL;
	}
	if (isnan(m->half_life_seconds) || m->half_life_seconds < 0)
	{
		ls_error_set(err, LS_ERR_INVALID, "half_life must be zero or positive");
		return NULL;
	}
	if (m->has_inactivity &&
		(!isfinite(m->inactivity_days) || m->inactivity_days < 0 ||
		 !isfinite(m->inactivity_points)))
	{
		ls_error_set(err, LS_ERR_INVALID,
					 "inactivity needs non-negative days and finite points");
		return NULL;
	}

	alloc_n = n > 0 ? n : 1;
	p = ls_arena_alloc(arena, sizeof(ls_intent_plan));
	if (p == NULL)
		goto nomem;
	p->model = m;
	p->n_rules = n;
	p->half_life = m->half_life_seconds;
	p->has_inactivity = m->has_inactivity;
	p->inactivity_usec = m->inactivity_days * 86400e6;
	p->inactivity_points = m->inactivity_points;
	p->points = ls_arena_alloc(arena, alloc_n * sizeof(double));
	p->has_cap = ls_arena_alloc(arena, alloc_n * sizeof(bool));
	p->cap = ls_arena_alloc(arena, alloc_n * sizeof(double));
	p->where = ls_arena_alloc(arena, alloc_n * sizeof(ls_cond_plan *));
	p->where_key = ls_arena_alloc(arena, alloc_n * sizeof(char *));
	p->order = ls_arena_alloc(arena, alloc_n * sizeof(int));
	p->mask = table_size(n) - 1;
	p->events = ls_arena_alloc(arena, (p->mask + 1) * sizeof(event_entry));
	keys = ls_arena_alloc(arena, (p->mask + 1) * sizeof(event_entry));
	if (p->points == NULL || p->has_cap == NULL || p->cap == NULL ||
		p->where == NULL || p->where_key == NULL || p->order == NULL ||
		p->events == NULL || keys == NULL)
		goto nomem;

	for (k = 0; k < n; k++)
		if (!compile_rule(p, k, arena, hooks, keys, p->mask, err))
			return NULL;

	/* lay each type's rules out contiguously, in rule order */
	for (i = 0; i <= p->mask; i++)
	{
		if (p->events[i].name == NULL)
			continue;
		p->events[i].first = first;
		first += p->events[i].count;
		p->events[i].count = 0;
	}
	for (k = 0; k < n; k++)
	{
		const char *ev = m->intent_rules[k].event;
		size_t		len = strlen(ev);
		event_entry *e = event_slot(p->events, p->mask, ev, len,
									hash_bytes(ev, len));

		p->order[e->first + e->count++] = k;
	}
	for (i = 0; i <= p->mask; i++)
		if (p->events[i].name != NULL)
			plan_type_memo(p, &p->events[i]);
	ls_arena_init(&p->eval, arena->alloc, arena->free, arena->ctx);
	p->eval.limit = arena->limit;
	return p;

nomem:
	ls_error_set(err, LS_ERR_NOMEM, "out of memory compiling intent rules");
	return NULL;
}

void
ls_intent_release(ls_intent_plan *p)
{
	int			i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_rules; i++)
		ls_cond_release(p->where[i]);
	for (i = 0; i <= (int) p->mask; i++)
		memset(&p->events[i].memo, 0, sizeof(ls_memo));
	ls_arena_free(&p->eval);
}

int
ls_intent_n_rules(const ls_intent_plan *p)
{
	return p->n_rules;
}

const ls_model *
ls_intent_model(const ls_intent_plan *p)
{
	return p->model;
}

static void
fetch_prop(ls_prop_fn props, void *props_ctx, const char *key, ls_attr_value *val)
{
	val->kind = LS_VAL_NULL;
	val->text = NULL;
	val->len = 0;
	val->num = 0;
	if (props != NULL)
		props(key, val, props_ctx);
}

/*
 * The first of e's rules that matches; *val holds the property named
 * *fetched (NULL: none fetched yet).
 */
static int
type_first_match(ls_intent_plan *p, const event_entry *e, ls_prop_fn props,
				 void *props_ctx, const char **fetched, ls_attr_value *val)
{
	int			k;

	for (k = 0; k < e->count; k++)
	{
		int			r = p->order[e->first + k];

		if (p->where[r] == NULL)
			return r;
		/* rules on one type often test the same property: fetch it once */
		if (p->where_key[r] != *fetched)
		{
			fetch_prop(props, props_ctx, p->where_key[r], val);
			*fetched = p->where_key[r];
		}
		if (ls_cond_match(p->where[r], val))
			return r;
	}
	return -1;
}

int
ls_intent_match(ls_intent_plan *p, const char *type, size_t len,
				ls_prop_fn props, void *props_ctx)
{
	event_entry *e;
	const char *fetched = NULL;
	ls_attr_value val;
	ls_memo_entry *me = NULL;
	const char *text = "";
	uint32_t	h = 0;
	bool		hit = false;
	int			rule;

	if (type == NULL || p->n_rules == 0)
		return -1;
	e = event_slot(p->events, p->mask, type, len, hash_bytes(type, len));
	if (e->name == NULL)
		return -1;
	if (e->memo_key == NULL)
		return type_first_match(p, e, props, props_ctx, &fetched, &val);

	fetch_prop(props, props_ctx, e->memo_key, &val);
	fetched = e->memo_key;
	if (val.kind == LS_VAL_TEXT && !ls_memo_skip(&e->memo, val.len))
	{
		text = val.text != NULL ? val.text : "";
		h = hash_bytes(text, val.len);
		me = ls_memo_lookup(&e->memo, &p->eval, text, val.len, h, &hit);
		if (hit)
			return (int) me->bits - 1;
	}
	rule = type_first_match(p, e, props, props_ctx, &fetched, &val);
	if (me != NULL)
		ls_memo_store(me, &p->eval, text, val.len, h, (uint64_t) (rule + 1));
	return rule;
}

size_t
ls_intent_state_size(int n_rules)
{
	if (n_rules < 0)
		n_rules = 0;
	return offsetof(ls_intent_state, sums) + (size_t) n_rules * sizeof(double);
}

void
ls_intent_state_init(ls_intent_state *s, int n_rules, int64_t as_of)
{
	if (n_rules < 0)
		n_rules = 0;
	s->as_of = as_of;
	s->newest = LS_NO_TIME;
	s->n_events = 0;
	s->n_rules = n_rules;
	memset(s->sums, 0, (size_t) n_rules * sizeof(double));
}

/* a - b, saturating instead of overflowing (infinite timestamps). */
static int64_t
time_diff(int64_t a, int64_t b)
{
	int64_t		d;

	if (__builtin_sub_overflow(a, b, &d))
		return a > b ? INT64_MAX : INT64_MIN;
	return d;
}

double
ls_decay_factor(double half_life_seconds, int64_t dt_usec)
{
	double		seconds;

	if (!(half_life_seconds > 0) || dt_usec == 0)
		return 1.0;

	/*
	 * Whole seconds and the microsecond remainder convert to double
	 * exactly, so only the division and exp2 round.
	 */
	seconds = (double) (dt_usec / 1000000) + (double) (dt_usec % 1000000) / 1e6;
	return exp2(-(seconds / half_life_seconds));
}

bool
ls_intent_add(ls_intent_state *s, const ls_intent_plan *p, int rule_index,
			  int64_t t)
{
	if (t > s->as_of)
		return false;
	s->n_events++;
	if (s->newest == LS_NO_TIME || t > s->newest)
		s->newest = t;
	if (rule_index >= 0 && rule_index < s->n_rules && rule_index < p->n_rules)
		s->sums[rule_index] += p->points[rule_index] *
			ls_decay_factor(p->half_life, time_diff(s->as_of, t));
	return true;
}

bool
ls_intent_combine(ls_intent_state *dst, const ls_intent_state *src,
				  ls_error *err)
{
	int			i;

	if (dst->as_of != src->as_of)
		return ls_error_set(err, LS_ERR_INVALID,
							"cannot combine intent states as of different times (%lld and %lld)",
							(long long) dst->as_of, (long long) src->as_of);
	if (dst->n_rules != src->n_rules)
		return ls_error_set(err, LS_ERR_INVALID,
							"cannot combine intent states of %d and %d rules",
							(int) dst->n_rules, (int) src->n_rules);
	for (i = 0; i < dst->n_rules; i++)
		dst->sums[i] += src->sums[i];
	dst->n_events += src->n_events;
	if (src->newest != LS_NO_TIME &&
		(dst->newest == LS_NO_TIME || src->newest > dst->newest))
		dst->newest = src->newest;
	return true;
}

/*
 * newest is kept as is: moving a state back before its newest event leaves
 * that event counted, which no fresh computation at new_as_of would do.
 * The caller decays forward only (or recomputes).
 */
void
ls_intent_decay(ls_intent_state *s, const ls_intent_plan *p, int64_t new_as_of)
{
	double		f = ls_decay_factor(p->half_life, time_diff(new_as_of, s->as_of));
	int			i;

	if (f != 1.0)
		for (i = 0; i < s->n_rules; i++)
			if (s->sums[i] != 0)	/* 0 * inf would make a NaN */
				s->sums[i] *= f;
	s->as_of = new_as_of;
}

double
ls_intent_rule_value(const ls_intent_state *s, const ls_intent_plan *p,
					 int rule_index)
{
	double		v;

	if (rule_index < 0 || rule_index >= s->n_rules || rule_index >= p->n_rules)
		return 0;
	v = s->sums[rule_index];
	if (p->has_cap[rule_index])
	{
		if (p->points[rule_index] > 0 && v > p->cap[rule_index])
			v = p->cap[rule_index];
		else if (p->points[rule_index] < 0 && v < p->cap[rule_index])
			v = p->cap[rule_index];
	}
	return v;
}

bool
ls_intent_inactive(const ls_intent_state *s, const ls_intent_plan *p)
{
	int64_t		idle;

	if (!p->has_inactivity || s->n_events <= 0 || s->newest == LS_NO_TIME)
		return false;
	idle = time_diff(s->as_of, s->newest);
	return idle >= 0 && (double) idle >= p->inactivity_usec;
}

double
ls_intent_finalize(const ls_intent_state *s, const ls_intent_plan *p)
{
	double		total = 0;
	int			i;
	int			n = s->n_rules < p->n_rules ? s->n_rules : p->n_rules;

	for (i = 0; i < n; i++)
		total += ls_intent_rule_value(s, p, i);
	if (ls_intent_inactive(s, p))
		total += p->inactivity_points;
	return total;
}
