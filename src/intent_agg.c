/*
 * intent_agg.c — the intent_score aggregate and the stored intent state.
 *
 * One transition state per group: the core's per-rule uncapped decayed
 * sums as of a fixed `as_of`, plus what the core does not track:
 * the earliest event after as_of (pending_from), so a stored state knows
 * when it must be recomputed from events instead of decayed.  The state is
 * bounded by the number of intent rules, never by the number of events.
 *
 * The same state, as the composite leadscore.intent_state, is what
 * leadscore.score stores; intent_merge / intent_decay move it forward.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "fit_call.h"
#include "state_pool.h"
#include "wire.h"

/* A timestamptz argument that must be a finite instant. */
static TimestampTz
finite_time_arg(FunctionCallInfo fcinfo, int argno, const char *fname, const char *what)
{
	TimestampTz t;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: %s must not be NULL", fname, what)));
	t = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: %s must be a finite timestamp", fname, what)));
	return t;
}

/* The aggregate's transition state, in the aggregate memory context. */
typedef struct intent_agg
{
	char	   *model;			/* model name (for the final function) */
	int32		version;		/* model version the sums follow */
	uint64		serial;			/* compiled model last checked against (0: none) */
	int64		pending_from;	/* earliest event after as_of, or LS_NO_TIME */
	ls_intent_state *s;
} intent_agg;

/*
 * One allocation per group: a hash aggregate holds one state per lead, and
 * the aggregates declare SSPACE from this layout so the planner does not
 * expect 8 kB per group and plan to spill.  The transition function cuts
 * its states from its call site's pool (exactly this size); the others
 * (combine, deserialize) palloc theirs.
 */
static intent_agg *
agg_new_in(ls_fit_call *call, MemoryContext cxt, const char *model, int32 version,
		   int n_rules, int64 as_of)
{
	size_t		head = MAXALIGN(sizeof(intent_agg));
	size_t		state = MAXALIGN(ls_intent_state_size(n_rules));
	size_t		name = strlen(model) + 1;
	char	   *block = call != NULL
		? ls_state_pool_alloc(&call->agg_pools, call->cxt, cxt, head + state + name)
		: MemoryContextAllocZero(cxt, head + state + name);
	intent_agg *a = (intent_agg *) block;

	a->s = (ls_intent_state *) (block + head);
	a->model = block + head + state;
	memcpy(a->model, model, name);
	a->version = version;
	a->pending_from = LS_NO_TIME;
	ls_intent_state_init(a->s, n_rules, as_of);
	return a;
}

static intent_agg *
agg_new(MemoryContext cxt, const char *model, int32 version, int n_rules, int64 as_of)
{
	return agg_new_in(NULL, cxt, model, version, n_rules, as_of);
}

static intent_agg *
agg_copy(MemoryContext cxt, const intent_agg *src)
{
	intent_agg *a = agg_new(cxt, src->model, src->version, src->s->n_rules, src->s->as_of);

	a->pending_from = src->pending_from;
	memcpy(a->s, src->s, ls_intent_state_size(src->s->n_rules));
	return a;
}

/*
 * An event's properties, fetched when a `where` condition first asks: most
 * events' types have no condition, and fetching a jsonb argument copies it
 * (an inline jsonb has a short header, which Jsonb access cannot read).
 */
typedef struct event_props
{
	Datum		raw;
	bool		fetched;
	Jsonb	   *jb;
} event_props;

static Jsonb *
props_jsonb(Datum raw)
{
	Jsonb	   *jb = DatumGetJsonbP(raw);

	if (JB_ROOT_IS_SCALAR(jb))
	{
		JsonbValue *v = getIthJsonbValueFromContainer(&jb->root, 0);

		/* a JSON null is "no properties"; any other scalar is a mistake */
		if (v != NULL && v->type == jbvNull)
			return NULL;
	}
	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event properties must be a JSON object"),
				 errhint("Pass NULL for an event without properties.")));
	return jb;
}

/*
 * Whether the event has properties to look at.  Every event's properties
 * are checked (a bad row is an error whatever its type), from the root
 * header alone when that is enough: no copy for the usual object.
 */
static bool
props_init(event_props *ep, Datum props, bool isnull)
{
	struct varlena *raw;
	uint32		header;

	ep->raw = props;
	ep->fetched = false;
	ep->jb = NULL;
	if (isnull)
		return false;
	raw = PG_DETOAST_DATUM_PACKED(props);
	ep->raw = PointerGetDatum(raw);
	if (VARSIZE_ANY_EXHDR(raw) >= sizeof(uint32))
	{
		memcpy(&header, VARDATA_ANY(raw), sizeof(uint32));
		if ((header & JB_FOBJECT) && !(header & JB_FSCALAR))
			return true;
	}
	/* a scalar (a JSON null is "no properties") or an array */
	ep->jb = props_jsonb(ep->raw);
	ep->fetched = true;
	return ep->jb != NULL;
}

/* Looks up event properties for `where` conditions. */
static void
jsonb_prop(const char *key, ls_attr_value *out, void *ctx)
{
	event_props *ep = ctx;
	JsonbValue	jv;

	if (!ep->fetched)
	{
		ep->jb = props_jsonb(ep->raw);
		ep->fetched = true;
	}
	out->kind = LS_VAL_NULL;
	if (ep->jb != NULL && getKeyJsonValueFromContainer(&ep->jb->root, key, strlen(key), &jv))
		ls_jsonb_scalar_value(out, &jv);
}

/*
 * Folds one event into a state.  NULL type or time, and infinite times,
 * count nothing (not even activity); a time after the state's as_of is
 * remembered as pending, so a stored state can catch up.
 */
static void
add_event(intent_agg *a, const ls_cached_model *entry, text *type, bool has_time,
		  TimestampTz t, Datum props, bool props_null)
{
	event_props ep;
	int			rule;

	if (type == NULL || !has_time || TIMESTAMP_NOT_FINITE(t))
		return;
	if (t > a->s->as_of)
	{
		if (a->pending_from == LS_NO_TIME || t < a->pending_from)
			a->pending_from = t;
		return;
	}
	rule = ls_intent_match(entry->intent, VARDATA_ANY(type), VARSIZE_ANY_EXHDR(type),
						   props_init(&ep, props, props_null) ? jsonb_prop : NULL, &ep);
	ls_intent_add(a->s, entry->intent, rule, t);
}

static int64
as_of_arg(FunctionCallInfo fcinfo, int argno)
{
	TimestampTz t;

	if (PG_NARGS() <= argno)
		return GetCurrentTransactionStartTimestamp();
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("intent_score: as_of must not be NULL"),
				 errhint("Leave it out for the transaction's now().")));
	t = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("intent_score: as_of must be a finite timestamp")));
	return t;
}

/*
 * sfunc(state, model, event_type, occurred_at [, props [, as_of]]).
 * NULL type or time, and infinite times, count nothing (not even activity).
 */
PG_FUNCTION_INFO_V1(ls_intent_sfunc);
Datum
ls_intent_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	intent_agg *a = PG_ARGISNULL(0) ? NULL : (intent_agg *) PG_GETARG_POINTER(0);
	ls_fit_call *call = ls_fit_call_get(fcinfo);
	ls_cached_model *entry;
	int64		as_of = as_of_arg(fcinfo, 5);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ls_not_in_aggregate("intent_sfunc", "intent_score");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("intent_score: model must not be NULL")));
	entry = ls_fit_call_model(call, PG_GETARG_TEXT_PP(1));
	if (a == NULL)
		a = agg_new_in(call, aggcxt, entry->name, entry->version,
					   ls_intent_n_rules(entry->intent), as_of);
	else if (a->s->as_of != as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent_score: as_of must be the same for every event of a group")));
	else if (a->serial != entry->serial &&
			 (a->version != entry->version || strcmp(a->model, entry->name) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("intent_score: model \"%s\" changed while it was being aggregated",
						entry->name),
				 errhint("Run the query again.")));
	a->serial = entry->serial;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(a);
	add_event(a, entry, PG_GETARG_TEXT_PP(2), true, PG_GETARG_TIMESTAMPTZ(3),
			  PG_NARGS() > 4 ? PG_GETARG_DATUM(4) : (Datum) 0, PG_NARGS() <= 4 || PG_ARGISNULL(4));
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(ls_intent_combine_sql);
Datum
ls_intent_combine_sql(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	intent_agg *a = PG_ARGISNULL(0) ? NULL : (intent_agg *) PG_GETARG_POINTER(0);
	intent_agg *b = PG_ARGISNULL(1) ? NULL : (intent_agg *) PG_GETARG_POINTER(1);
	ls_error	err;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ls_not_in_aggregate("intent_combine", "intent_score");
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		PG_RETURN_POINTER(agg_copy(aggcxt, b));
	if (strcmp(a->model, b->model) != 0 || a->version != b->version)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("intent_score: model \"%s\" changed while it was being aggregated",
						a->model),
				 errhint("Run the query again.")));
	if (!ls_intent_combine(a->s, b->s, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent_score: %s", err.msg)));
	if (b->pending_from != LS_NO_TIME &&
		(a->pending_from == LS_NO_TIME || b->pending_from < a->pending_from))
		a->pending_from = b->pending_from;
	PG_RETURN_POINTER(a);
}

/*
 * The byte format is the core's (wire.c), big-endian like pq_send*, so the
 * decoder that checks every field is the one the fuzzers run.
 */
static void
wire_error(const ls_error *err)
{
	ereport(ERROR,
			(errcode(err->kind == LS_ERR_NOMEM ? ERRCODE_OUT_OF_MEMORY
					 : ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("intent_score: %s", err->msg)));
}

PG_FUNCTION_INFO_V1(ls_intent_serialize);
Datum
ls_intent_serialize(PG_FUNCTION_ARGS)
{
	intent_agg *a = (intent_agg *) PG_GETARG_POINTER(0);
	size_t		size;
	size_t		len;
	bytea	   *out;
	ls_error	err;

	if (!AggCheckCallContext(fcinfo, NULL))
		ls_not_in_aggregate("intent_serialize", "intent_score");
	size = ls_intent_wire_size(a->model, a->s->n_rules);
	out = palloc(VARHDRSZ + size);
	if (!ls_intent_wire_encode(a->model, a->version, a->pending_from, a->s,
							   VARDATA(out), size, &len, &err))
		wire_error(&err);
	SET_VARSIZE(out, VARHDRSZ + len);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(ls_intent_deserialize);
Datum
ls_intent_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	ls_intent_wire w;
	ls_error	err;
	intent_agg *a;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ls_not_in_aggregate("intent_deserialize", "intent_score");
	if (!ls_intent_wire_decode(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes), &w, &err))
		wire_error(&err);
	a = agg_new(aggcxt, w.model, w.version, w.n_rules, w.as_of);
	a->pending_from = w.pending_from;
	ls_intent_wire_fill(&w, a->s);
	PG_RETURN_POINTER(a);
}

/* The compiled model a state belongs to. */
static ls_cached_model *
state_model(FunctionCallInfo fcinfo, const char *model)
{
	ls_fit_call *call = ls_fit_call_get(fcinfo);
	text	   *name = cstring_to_text(model);
	ls_cached_model *entry = ls_fit_call_model(call, name);

	pfree(name);
	return entry;
}

PG_FUNCTION_INFO_V1(ls_intent_final);
Datum
ls_intent_final(PG_FUNCTION_ARGS)
{
	intent_agg *a = PG_ARGISNULL(0) ? NULL : (intent_agg *) PG_GETARG_POINTER(0);
	ls_cached_model *entry;

	if (a == NULL)
		PG_RETURN_NULL();
	entry = state_model(fcinfo, a->model);
	if (entry->version != a->version)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("intent_score: model \"%s\" changed while it was being aggregated",
						a->model),
				 errhint("Run the query again.")));
	PG_RETURN_DATUM(ls_float8_numeric(ls_intent_finalize(a->s, entry->intent)));
}

/* ------------------------------------------------------------------------
 * leadscore.intent_state: the stored form of a state
 * ------------------------------------------------------------------------
 */
enum
{
	ST_AS_OF = 0, ST_NEWEST, ST_N_EVENTS, ST_PENDING_FROM, ST_MODEL_VERSION, ST_SUMS, ST_NATTS
};

/* The type leadscore.intent_state, looked up again after the extension is recreated. */
Oid
ls_intent_state_type(void)
{
	static Oid	typoid = InvalidOid;

	if (!OidIsValid(typoid) || !SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typoid)))
	{
		Oid			nsp = get_namespace_oid("leadscore", false);

		typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								 CStringGetDatum("intent_state"), ObjectIdGetDatum(nsp));
		if (!OidIsValid(typoid))
			elog(ERROR, "leadscore: type leadscore.intent_state is missing");
	}
	return typoid;
}

static Datum
state_datum(const ls_intent_state *s, int32 version, int64 pending_from)
{
	Datum		values[ST_NATTS];
	bool		nulls[ST_NATTS] = {0};
	Datum	   *sums = palloc(sizeof(Datum) * Max(s->n_rules, 1));
	TupleDesc	desc;
	HeapTuple	tup;
	int			i;

	for (i = 0; i < s->n_rules; i++)
		sums[i] = Float8GetDatum(s->sums[i]);
	values[ST_AS_OF] = TimestampTzGetDatum(s->as_of);
	if (s->newest == LS_NO_TIME)
		nulls[ST_NEWEST] = true;
	else
		values[ST_NEWEST] = TimestampTzGetDatum(s->newest);
	values[ST_N_EVENTS] = Int64GetDatum(s->n_events);
	if (pending_from == LS_NO_TIME)
		nulls[ST_PENDING_FROM] = true;
	else
		values[ST_PENDING_FROM] = TimestampTzGetDatum(pending_from);
	values[ST_MODEL_VERSION] = Int32GetDatum(version);
	values[ST_SUMS] = PointerGetDatum(construct_array(sums, s->n_rules, FLOAT8OID,
													  sizeof(float8), FLOAT8PASSBYVAL,
													  TYPALIGN_DOUBLE));
	/* the type cache's descriptor, pinned while the tuple is formed (no copy per state) */
	desc = lookup_rowtype_tupdesc(ls_intent_state_type(), -1);
	tup = heap_form_tuple(desc, values, nulls);
	ReleaseTupleDesc(desc);
	return HeapTupleGetDatum(tup);
}

typedef struct stored_state
{
	int32		version;
	int64		pending_from;
	ls_intent_state *s;
} stored_state;

/*
 * Reads a stored state.  One deform with the type cache's descriptor, not a
 * lookup per field: the account refresh reads a million of these.
 */
static void
state_from_datum(Datum d, stored_state *out)
{
	HeapTupleHeader th = DatumGetHeapTupleHeader(d);
	HeapTupleData tuple;
	TupleDesc	desc;
	Datum		values[ST_NATTS];
	bool		nulls[ST_NATTS];
	ArrayType  *arr;
	const float8 *sums;
	int			n;
	int			i;

	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th), HeapTupleHeaderGetTypMod(th));
	if (desc->natts != ST_NATTS)
	{
		int			natts = desc->natts;

		ReleaseTupleDesc(desc);
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("intent state has %d fields, expected %d", natts, ST_NATTS)));
	}
	tuple.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	heap_deform_tuple(&tuple, desc, values, nulls);
	ReleaseTupleDesc(desc);

	if (nulls[ST_SUMS])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("intent state has no sums")));
	arr = DatumGetArrayTypeP(values[ST_SUMS]);
	if (ARR_NDIM(arr) > 1 || ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent state sums must be a one-dimensional float8 array without NULLs")));
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (n > LS_MAX_RULES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent state has more sums than a model has rules (at most %d)", LS_MAX_RULES)));
	if (nulls[ST_AS_OF] || TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(values[ST_AS_OF])))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent state needs a finite as_of")));
	out->s = palloc0(ls_intent_state_size(n));
	ls_intent_state_init(out->s, n, DatumGetTimestampTz(values[ST_AS_OF]));
	/* float8 without NULLs: the elements lie packed after the header */
	sums = (const float8 *) ((const char *) arr + ARR_OVERHEAD_NONULLS(ARR_NDIM(arr)));
	for (i = 0; i < n; i++)
	{
		out->s->sums[i] = sums[i];
		if (!isfinite(out->s->sums[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("intent state sums must be finite numbers")));
	}
	out->s->newest = nulls[ST_NEWEST] ? LS_NO_TIME : DatumGetTimestampTz(values[ST_NEWEST]);
	if (!nulls[ST_NEWEST] && TIMESTAMP_NOT_FINITE(out->s->newest))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent state newest must be a finite timestamp or NULL")));
	out->s->n_events = nulls[ST_N_EVENTS] ? 0 : DatumGetInt64(values[ST_N_EVENTS]);
	if (out->s->n_events < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent state n_events must not be negative")));
	out->pending_from = nulls[ST_PENDING_FROM] ? LS_NO_TIME : DatumGetTimestampTz(values[ST_PENDING_FROM]);
	if (!nulls[ST_PENDING_FROM] && TIMESTAMP_NOT_FINITE(out->pending_from))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent state pending_from must be a finite timestamp or NULL")));
	out->version = nulls[ST_MODEL_VERSION] ? -1 : DatumGetInt32(values[ST_MODEL_VERSION]);
}

PG_FUNCTION_INFO_V1(ls_intent_state_final);
Datum
ls_intent_state_final(PG_FUNCTION_ARGS)
{
	intent_agg *a = PG_ARGISNULL(0) ? NULL : (intent_agg *) PG_GETARG_POINTER(0);

	if (a == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(state_datum(a->s, a->version, a->pending_from));
}

/*
 * The stored state intent_state_agg(model, type, at, props, as_of) makes of
 * one event: the event trigger's path for a statement that inserted one
 * row, where setting up the set-based upsert cost more than the work.
 */
Datum
ls_one_event_state(const ls_cached_model *entry, text *type, bool has_time, TimestampTz t,
				   Datum props, bool props_null, int64 as_of)
{
	intent_agg *a = agg_new(CurrentMemoryContext, entry->name, entry->version,
							ls_intent_n_rules(entry->intent), as_of);

	add_event(a, entry, type, has_time, t, props, props_null);
	return state_datum(a->s, a->version, a->pending_from);
}

/*
 * A state the current model cannot continue: compiled from other rules,
 * or with events that became due.  Such a state must be recomputed from
 * the events; "pending_from <= as_of" says so to the SQL side.  (Not
 * -infinity: PostgreSQL's -infinity is INT64_MIN, the core's "no time".)
 */
static bool
state_is_stale(const stored_state *st, const ls_cached_model *entry)
{
	return st->version != entry->version ||
		st->s->n_rules != ls_intent_n_rules(entry->intent) ||
		(st->pending_from != LS_NO_TIME && st->pending_from <= st->s->as_of);
}

static Datum
stale_datum(stored_state *st)
{
	int64		pending = st->pending_from;

	if (pending == LS_NO_TIME || pending > st->s->as_of)
		pending = st->s->as_of;
	return state_datum(st->s, st->version, pending);
}

/*
 * Moves a state to `as_of` (never backwards: decaying to an instant the
 * state has passed is a no-op, which makes re-running a decay harmless).
 */
static void
move_to(stored_state *st, const ls_cached_model *entry, int64 as_of)
{
	if (as_of > st->s->as_of)
		ls_intent_decay(st->s, entry->intent, as_of);
}

/* intent_decay(model, state, as_of) */
PG_FUNCTION_INFO_V1(ls_intent_decay_sql);
Datum
ls_intent_decay_sql(PG_FUNCTION_ARGS)
{
	ls_cached_model *entry = ls_fit_call_model(ls_fit_call_get(fcinfo), PG_GETARG_TEXT_PP(0));
	stored_state st;
	TimestampTz as_of = finite_time_arg(fcinfo, 2, "intent_decay", "as_of");

	state_from_datum(PG_GETARG_DATUM(1), &st);
	if (state_is_stale(&st, entry))
	{
		/*
		 * Its sums cannot be decayed, but it still moves to as_of (marked for
		 * recompute), so that a batched decay does not pick it again.
		 */
		if (as_of > st.s->as_of)
			st.s->as_of = as_of;
		PG_RETURN_DATUM(stale_datum(&st));
	}
	/* pending events falling due leave pending_from <= as_of: recompute */
	move_to(&st, entry, as_of);
	PG_RETURN_DATUM(state_datum(st.s, st.version, st.pending_from));
}

/*
 * intent_merge(model, stored, new): both moved to the later as_of and
 * added.  NULL on either side gives the other.
 */
PG_FUNCTION_INFO_V1(ls_intent_merge);
Datum
ls_intent_merge(PG_FUNCTION_ARGS)
{
	ls_cached_model *entry;
	stored_state a,
				b;
	ls_error	err;
	int64		pending;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("intent_merge: model must not be NULL")));
	if (PG_ARGISNULL(1) && PG_ARGISNULL(2))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(2));
	if (PG_ARGISNULL(2))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	entry = ls_fit_call_model(ls_fit_call_get(fcinfo), PG_GETARG_TEXT_PP(0));
	state_from_datum(PG_GETARG_DATUM(1), &a);
	state_from_datum(PG_GETARG_DATUM(2), &b);
	if (state_is_stale(&a, entry) || state_is_stale(&b, entry))
		PG_RETURN_DATUM(stale_datum(&a));
	move_to(&a, entry, b.s->as_of);
	move_to(&b, entry, a.s->as_of);
	if (!ls_intent_combine(a.s, b.s, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intent_merge: %s", err.msg)));
	pending = a.pending_from;
	if (b.pending_from != LS_NO_TIME && (pending == LS_NO_TIME || b.pending_from < pending))
		pending = b.pending_from;
	PG_RETURN_DATUM(state_datum(a.s, a.version, pending));
}

/*
 * intent_value(model, state [, as_of]): the intent a state stands for, as
 * of its own as_of or a later instant.  NULL for a stale state.
 */
PG_FUNCTION_INFO_V1(ls_intent_value);
Datum
ls_intent_value(PG_FUNCTION_ARGS)
{
	ls_cached_model *entry = ls_fit_call_model(ls_fit_call_get(fcinfo), PG_GETARG_TEXT_PP(0));
	stored_state st;

	state_from_datum(PG_GETARG_DATUM(1), &st);
	if (state_is_stale(&st, entry))
		PG_RETURN_NULL();
	if (PG_NARGS() > 2)
	{
		move_to(&st, entry, finite_time_arg(fcinfo, 2, "intent_value", "as_of"));
		if (st.pending_from != LS_NO_TIME && st.pending_from <= st.s->as_of)
			PG_RETURN_NULL();
	}
	PG_RETURN_DATUM(ls_float8_numeric(ls_intent_finalize(st.s, entry->intent)));
}

/* Used by the score trigger: intent of a stored state, NaN when stale. */
double
ls_stored_intent(const ls_cached_model *entry, Datum state)
{
	stored_state st;

	state_from_datum(state, &st);
	if (state_is_stale(&st, entry))
		return NAN;
	return ls_intent_finalize(st.s, entry->intent);
}

/*
 * The intent a stored state stands for as of `as_of`, for the account
 * refresh: false when the state is stale or already past `as_of` (its
 * contact has to be recomputed, or its account moved later).
 */
bool
ls_stored_intent_at(const ls_cached_model *entry, Datum state, int64 as_of, double *intent)
{
	stored_state st;

	state_from_datum(state, &st);
	if (state_is_stale(&st, entry) || st.s->as_of > as_of)
		return false;
	move_to(&st, entry, as_of);
	if (st.pending_from != LS_NO_TIME && st.pending_from <= st.s->as_of)
		return false;
	*intent = ls_intent_finalize(st.s, entry->intent);
	return true;
}

/*
 * explain_intent(model, state [, as_of]): one row per intent rule that
 * contributes, with its capped value, plus the inactivity points; the
 * points add up to intent_value().
 */
PG_FUNCTION_INFO_V1(ls_explain_intent);
Datum
ls_explain_intent(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ls_cached_model *entry = ls_fit_call_model(ls_fit_call_get(fcinfo), PG_GETARG_TEXT_PP(0));
	stored_state st;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	state_from_datum(PG_GETARG_DATUM(1), &st);
	if (state_is_stale(&st, entry))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("explain_intent: the intent state must be recomputed first"),
				 errhint("Its model changed or its pending events fell due; leadscore.apply_decay() recomputes it.")));
	if (PG_NARGS() > 2)
		move_to(&st, entry, finite_time_arg(fcinfo, 2, "explain_intent", "as_of"));
	for (i = 0; i < st.s->n_rules; i++)
	{
		const ls_intent_rule *r = &entry->model->intent_rules[i];
		double		v = ls_intent_rule_value(st.s, entry->intent, i);
		Datum		values[5];
		bool		nulls[5] = {0};

		if (v == 0)
			continue;
		values[0] = CStringGetTextDatum("intent");
		values[1] = CStringGetTextDatum(r->name);
		values[2] = CStringGetTextDatum(r->event);
		nulls[3] = !r->has_cap;
		values[3] = r->has_cap ? CStringGetTextDatum(psprintf("cap %g", r->cap)) : (Datum) 0;
		values[4] = ls_float8_numeric(v);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (ls_intent_inactive(st.s, entry->intent))
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, true, false, false};

		values[0] = CStringGetTextDatum("intent");
		values[1] = CStringGetTextDatum("inactivity");
		values[3] = CStringGetTextDatum(psprintf("no activity for %g days",
												 entry->model->inactivity_days));
		values[4] = ls_float8_numeric(entry->model->inactivity_points);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}

/*
 * For train(): each intent rule's capped value of a stored state moved to
 * as_of, into values[]; returns the intent, NaN (values zero) when stale.
 */
double
ls_stored_intent_rules(const ls_cached_model *entry, Datum state, int64 as_of, double *values)
{
	stored_state st;
	int			j;
	int			n = ls_intent_n_rules(entry->intent);

	state_from_datum(state, &st);
	if (state_is_stale(&st, entry))
	{
		memset(values, 0, sizeof(double) * n);
		return NAN;
	}
	move_to(&st, entry, as_of);
	for (j = 0; j < n; j++)
		values[j] = ls_intent_rule_value(st.s, entry->intent, j);
	return ls_intent_finalize(st.s, entry->intent);
}
