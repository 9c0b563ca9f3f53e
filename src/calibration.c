/*
 * calibration.c — auc, calibration and best_threshold: three aggregates on
 * one state, the core's histogram of distinct scores (score_hist.c).
 *
 * The extra argument of calibration (buckets) and best_threshold
 * (min_precision) is kept in the state, so the final functions need nothing
 * else; both must be the same for every row of a group.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"

#include "leadscore.h"
#include "score_hist.h"
#include "wire.h"

typedef struct hist_state
{
	ls_arena	arena;
	ls_score_hist *hist;
	int32		buckets;		/* calibration: 0 until given */
	double		min_precision;	/* best_threshold: NaN = maximise F1 */
	bool		has_extra;
} hist_state;

static hist_state *
state_new(MemoryContext cxt)
{
	hist_state *st = MemoryContextAllocZero(cxt, sizeof(hist_state));

	ls_pg_arena_init(&st->arena, cxt);
	st->hist = ls_hist_new(&st->arena);
	if (st->hist == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	st->min_precision = NAN;
	return st;
}

static void
hist_add_or_fail(hist_state *st, double score, bool positive, int64 weight)
{
	if (!ls_hist_add(st->hist, score, positive, weight))
		ereport(ERROR,
				(errcode(st->arena.failed ? ERRCODE_OUT_OF_MEMORY : ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("could not count score %g", score)));
}

/* The extra argument, checked to be the same for every row. */
static void
note_extra(FunctionCallInfo fcinfo, hist_state *st)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 3);
	int32		buckets = 0;
	double		minp = NAN;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the number of buckets or the minimum precision must not be NULL")));
	if (type == INT4OID)
	{
		buckets = PG_GETARG_INT32(3);
		if (buckets < 1 || buckets > 10000)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("calibration: buckets must be between 1 and 10000, not %d", buckets)));
	}
	else
	{
		minp = PG_GETARG_FLOAT8(3);
		if (!(minp >= 0 && minp <= 1))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("best_threshold: min_precision must be between 0 and 1")));
	}
	if (st->has_extra && (st->buckets != buckets ||
						  (isnan(st->min_precision) != isnan(minp)) ||
						  (!isnan(minp) && st->min_precision != minp)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the number of buckets or the minimum precision must be the same for every row")));
	st->buckets = buckets;
	st->min_precision = minp;
	st->has_extra = true;
}

/* sfunc(state, score, converted [, buckets | min_precision]); NULLs skipped */
PG_FUNCTION_INFO_V1(ls_hist_sfunc);
Datum
ls_hist_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	hist_state *st = PG_ARGISNULL(0) ? NULL : (hist_state *) PG_GETARG_POINTER(0);
	double		score;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ls_not_in_aggregate("hist_sfunc", "calibration");
	if (st == NULL)
		st = state_new(aggcxt);
	if (PG_NARGS() > 3)
		note_extra(fcinfo, st);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	score = PG_GETARG_FLOAT8(1);
	if (isnan(score) || isinf(score))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score must be a finite number, not %g", score)));
	hist_add_or_fail(st, score, PG_GETARG_BOOL(2), 1);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(ls_hist_combine);
Datum
ls_hist_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	hist_state *a = PG_ARGISNULL(0) ? NULL : (hist_state *) PG_GETARG_POINTER(0);
	hist_state *b = PG_ARGISNULL(1) ? NULL : (hist_state *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ls_not_in_aggregate("hist_combine", "calibration");
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		a = state_new(aggcxt);
	if (b->has_extra)
	{
		a->buckets = b->buckets;
		a->min_precision = b->min_precision;
		a->has_extra = true;
	}
	if (!ls_hist_merge(a->hist, b->hist))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	PG_RETURN_POINTER(a);
}

/* The byte format is the core's (wire.c), big-endian like pq_send*. */
static void
hist_wire_error(const ls_error *err)
{
	ereport(ERROR,
			(errcode(err->kind == LS_ERR_NOMEM ? ERRCODE_OUT_OF_MEMORY
					 : ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("%s", err->msg)));
}

PG_FUNCTION_INFO_V1(ls_hist_serialize);
Datum
ls_hist_serialize(PG_FUNCTION_ARGS)
{
	hist_state *st;
	const ls_hist_entry *e;
	size_t		n;
	size_t		size;
	size_t		len;
	bytea	   *out;
	ls_error	err;

	if (!AggCheckCallContext(fcinfo, NULL))
		ls_not_in_aggregate("hist_serialize", "calibration");
	st = (hist_state *) PG_GETARG_POINTER(0);
	e = ls_hist_sorted(st->hist, &n);
	size = ls_hist_wire_size(n);
	if (size == 0 || size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("score histogram of %zu distinct scores is too large to serialize", n)));
	out = palloc(VARHDRSZ + size);
	if (!ls_hist_wire_encode(st->buckets, st->min_precision, st->has_extra, e, n,
							 VARDATA(out), size, &len, &err))
		hist_wire_error(&err);
	SET_VARSIZE(out, VARHDRSZ + len);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(ls_hist_deserialize);
Datum
ls_hist_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	hist_state *st;
	ls_hist_wire w;
	ls_error	err;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ls_not_in_aggregate("hist_deserialize", "calibration");
	if (!ls_hist_wire_decode(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes), &w, &err))
		hist_wire_error(&err);
	st = state_new(aggcxt);
	st->buckets = w.buckets;
	st->min_precision = w.min_precision;
	st->has_extra = w.has_extra;
	if (!ls_hist_wire_load(&w, st->hist, &err))
		hist_wire_error(&err);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(ls_auc_final);
Datum
ls_auc_final(PG_FUNCTION_ARGS)
{
	hist_state *st = PG_ARGISNULL(0) ? NULL : (hist_state *) PG_GETARG_POINTER(0);
	double		auc;

	if (st == NULL || !ls_hist_auc(st->hist, &auc))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(auc);
}

static void
json_number(StringInfo buf, const char *key, double v, bool comma)
{
	appendStringInfo(buf, "%s\"%s\": %s", comma ? ", " : "", key, float8out_internal(v));
}

PG_FUNCTION_INFO_V1(ls_calibration_final);
Datum
ls_calibration_final(PG_FUNCTION_ARGS)
{
	hist_state *st = PG_ARGISNULL(0) ? NULL : (hist_state *) PG_GETARG_POINTER(0);
	ls_calib_bucket *b;
	StringInfoData buf;
	int			n,
				i;

	if (st == NULL || st->buckets < 1 || ls_hist_size(st->hist) == 0)
		PG_RETURN_NULL();
	b = palloc(sizeof(ls_calib_bucket) * st->buckets);
	n = ls_hist_calibration(st->hist, st->buckets, b);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (i = 0; i < n; i++)
	{
		appendStringInfo(&buf, "%s{\"bucket\": %d", i ? ", " : "", i + 1);
		json_number(&buf, "lo", b[i].lo, true);
		json_number(&buf, "hi", b[i].hi, true);
		appendStringInfo(&buf, ", \"leads\": " INT64_FORMAT ", \"converted\": " INT64_FORMAT,
						 (int64) b[i].leads, (int64) b[i].converted);
		json_number(&buf, "rate", b[i].rate, true);
		json_number(&buf, "lift", b[i].lift, true);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

PG_FUNCTION_INFO_V1(ls_threshold_final);
Datum
ls_threshold_final(PG_FUNCTION_ARGS)
{
	hist_state *st = PG_ARGISNULL(0) ? NULL : (hist_state *) PG_GETARG_POINTER(0);
	ls_threshold t;
	StringInfoData buf;

	if (st == NULL || !ls_hist_best_threshold(st->hist, st->min_precision, &t))
		PG_RETURN_NULL();
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	json_number(&buf, "threshold", t.threshold, false);
	json_number(&buf, "precision", t.precision, true);
	json_number(&buf, "recall", t.recall, true);
	json_number(&buf, "f1", t.f1, true);
	appendStringInfo(&buf, ", \"predicted\": " INT64_FORMAT "}", (int64) t.predicted);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
