/*
 * train.c — learn a model's point values from won and lost leads.
 *
 * Features are the model's own rules: each fit rule as 0/1 (did it count
 * for this lead — so a group is one-hot), each intent rule's capped decayed
 * value from the stored score (bound models), scaled to about [-1, 1].
 * An L2-regularised logistic regression is fitted by Newton steps, one pass
 * over the leads per step through a cursor, so memory grows with the
 * number of rules squared, never with the number of leads.  The learned
 * log-odds become points on the original model's scale, and a new draft
 * model with the same rules and those points is written.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "fit_call.h"
#include "logreg.h"
#include "model_json.h"
#include "score_hist.h"

#define TRAIN_FETCH 10000

/*
 * Leads with the same features are the same row for the regression, with a
 * weight: one-hot rule features repeat a lot, so the first pass folds the
 * leads into distinct patterns and the Newton steps iterate over those.
 * Past this many patterns (continuous intent features rarely repeat) the
 * table is dropped and every step streams over the leads again.
 */
#define TRAIN_MAX_PATTERNS 200000
#define TRAIN_MAX_PATTERN_BYTES (64 * 1024 * 1024)

typedef struct train_pattern
{
	uint32		hash;
	bool		holdout;
	double		old_total;
	double		w_pos;
	double		w_neg;
	double		x[FLEXIBLE_ARRAY_MEMBER];
} train_pattern;

typedef struct pattern_table
{
	ls_arena	arena;
	train_pattern **slots;
	uint32		mask;
	uint32		count;
	uint32		limit;			/* patterns allowed: by count and by bytes */
	bool		overflow;
} pattern_table;

typedef struct train_options
{
	double		holdout;
	double		l2;
	int32		seed;
	int32		max_iter;
} train_options;

typedef struct train_ctx
{
	ls_cached_model *entry;
	ls_fit_call call;			/* row reading, as fit_score does */
	int			n_fit;
	int			n_intent;
	int			p;				/* features */
	double	   *x;
	double	   *intent_scale;	/* per intent rule, to about [-1, 1] */
	double	   *intent_tmp;
	char	   *query;
	train_options opt;
	int64		n_train;
	int64		n_holdout;
	pattern_table *patterns;	/* NULL: stream every pass */
} train_ctx;

static void
fired_feature(int rule_index, const ls_attr_value *seen, double points, void *ctx)
{
	((double *) ctx)[rule_index] = 1.0;
}

static double
option_number(Jsonb *opts, const char *key, double dflt, double lo, double hi)
{
	JsonbValue	v;
	double		d;

	if (opts == NULL || !getKeyJsonValueFromContainer(&opts->root, key, strlen(key), &v))
		return dflt;
	if (v.type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("train: option \"%s\" must be a number", key)));
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric)));
	if (!(d >= lo && d <= hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("train: option \"%s\" must be between %g and %g", key, lo, hi)));
	return d;
}

static void
read_options(Jsonb *opts, train_options *o)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (opts != NULL && (!JB_ROOT_IS_OBJECT(opts) || JB_ROOT_IS_SCALAR(opts)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("train: options must be a JSON object")));
	if (opts != NULL)
	{
		it = JsonbIteratorInit(&opts->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (tok == WJB_KEY)
			{
				char	   *k = pnstrdup(v.val.string.val, v.val.string.len);

				if (strcmp(k, "holdout") != 0 && strcmp(k, "l2") != 0 &&
					strcmp(k, "seed") != 0 && strcmp(k, "max_iter") != 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("train: unknown option \"%s\" (expected holdout, l2, seed, max_iter)", k)));
			}
	}
	o->holdout = option_number(opts, "holdout", 0.3, 0, 0.9);
	o->l2 = option_number(opts, "l2", 1.0, 0, 1e6);
	o->seed = (int32) option_number(opts, "seed", 0, 0, 2147483647);
	o->max_iter = (int32) option_number(opts, "max_iter", 25, 1, 1000);
}

/* The query giving (lead row, converted, key, intent state) per lead. */
static char *
build_query(const ls_cached_model *entry, Oid outcomes, const char *key, const char *conv)
{
	Oid			types[1] = {INT4OID};
	Datum		args[1] = {Int32GetDatum(entry->id)};
	char	   *relname = get_rel_name(outcomes);
	char	   *otab;
	const char *qkey = quote_identifier(key);
	const char *qconv = quote_identifier(conv);
	char	   *q;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("train: outcomes table with OID %u does not exist", outcomes)));
	otab = quote_qualified_identifier(get_namespace_name(get_rel_namespace(outcomes)), relname);
	if (get_attnum(outcomes, key) == InvalidAttrNumber || get_attnum(outcomes, conv) == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("train: table %s has no column \"%s\" or \"%s\"", otab, key, conv)));
	if (SPI_execute_with_args("SELECT leads::text, lead_key FROM leadscore.binding WHERE model_id = $1",
							  1, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadscore: reading bindings failed");
	if (SPI_processed == 0)
		/* not bound: the outcomes rows are the leads */
		q = psprintf("SELECT o AS lead, lower(o.%s::text) IN ('1','t','true','yes','y','won','converted') AS conv,"
					 " o.%s::text AS k, NULL::leadscore.intent_state AS st FROM %s o"
					 " WHERE o.%s IS NOT NULL AND o.%s IS NOT NULL",
					 qconv, qkey, otab, qconv, qkey);
	else
	{
		char	   *leads = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char	   *lkey = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		q = psprintf("SELECT l AS lead, lower(o.%s::text) IN ('1','t','true','yes','y','won','converted') AS conv,"
					 " o.%s::text AS k, s.intent_state AS st FROM %s o"
					 " JOIN %s l ON l.%s::text = o.%s::text"
					 " LEFT JOIN leadscore.score s ON s.model_id = %d AND s.lead_key = o.%s::text"
					 " WHERE o.%s IS NOT NULL",
					 qconv, qkey, otab, leads, quote_identifier(lkey), qkey, entry->id, qkey, qconv);
	}
	return q;
}

/* Deterministic split: a lead is held out by a hash of its key and the seed. */
static bool
holdout_hit(const char *key, size_t len, int32 seed, double holdout)
{
	uint32		h = hash_bytes((const unsigned char *) key, len) ^ (uint32) seed;

	h = hash_bytes_uint32(h);
	return (h % 1000000) < (uint32) (holdout * 1000000);
}

static bool
in_holdout(const train_ctx *tc, const char *key)
{
	return holdout_hit(key, strlen(key), tc->opt.seed, tc->opt.holdout);
}

PG_FUNCTION_INFO_V1(ls_in_holdout);
Datum
ls_in_holdout(PG_FUNCTION_ARGS)
{
	text	   *key = PG_GETARG_TEXT_PP(0);

	PG_RETURN_BOOL(holdout_hit(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), PG_GETARG_INT32(1),
							   PG_GETARG_FLOAT8(2)));
}

/* Features of one lead into tc->x; its old total into *old_total. */
static void
row_features(train_ctx *tc, HeapTuple tup, TupleDesc desc, double *old_total)
{
	bool		isnull;
	Datum		lead = SPI_getbinval(tup, desc, 1, &isnull);
	Datum		st = SPI_getbinval(tup, desc, 4, &isnull);
	const ls_attr_value *values;
	double		fit,
				intent = 0;
	int			j;

	memset(tc->x, 0, sizeof(double) * tc->p);
	values = ls_fit_call_read_row(&tc->call, DatumGetHeapTupleHeader(lead));
	fit = ls_fit_eval(tc->entry->fit, values, fired_feature, tc->x);
	if (tc->n_intent > 0 && !isnull)
	{
		intent = ls_stored_intent_rules(tc->entry, st, GetCurrentTransactionStartTimestamp(),
										tc->intent_tmp);
		for (j = 0; j < tc->n_intent; j++)
			tc->x[tc->n_fit + j] = tc->intent_scale[j] > 0 ? tc->intent_tmp[j] / tc->intent_scale[j] : 0;
	}
	if (isnan(intent))
		intent = 0;
	*old_total = fit * tc->entry->model->fit_weight + intent * tc->entry->model->intent_weight;
}

typedef void (*row_fn) (train_ctx *tc, HeapTuple tup, TupleDesc desc, void *arg);

/* One pass over the leads through a cursor. */
static void
each_row(train_ctx *tc, row_fn fn, void *arg)
{
	Portal		portal = SPI_cursor_open_with_args(NULL, tc->query, 0, NULL, NULL, NULL, true,
												   CURSOR_OPT_NO_SCROLL);

	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, TRAIN_FETCH);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			CHECK_FOR_INTERRUPTS();
			fn(tc, SPI_tuptable->vals[i], SPI_tuptable->tupdesc, arg);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
}

/* First pass: how many rows, and the scale of each intent feature. */
static void
scan_row(train_ctx *tc, HeapTuple tup, TupleDesc desc, void *arg)
{
	bool		isnull;
	Datum		st = SPI_getbinval(tup, desc, 4, &isnull);
	char	   *key = SPI_getvalue(tup, desc, 3);
	int			j;

	if (in_holdout(tc, key))
		tc->n_holdout++;
	else
		tc->n_train++;
	if (tc->n_intent == 0 || isnull)
		return;
	ls_stored_intent_rules(tc->entry, st, GetCurrentTransactionStartTimestamp(), tc->intent_tmp);
	for (j = 0; j < tc->n_intent; j++)
		tc->intent_scale[j] = Max(tc->intent_scale[j], fabs(tc->intent_tmp[j]));
}

static void
fit_row(train_ctx *tc, HeapTuple tup, TupleDesc desc, void *arg)
{
	bool		isnull;
	double		old_total;

	if (in_holdout(tc, SPI_getvalue(tup, desc, 3)))
		return;
	row_features(tc, tup, desc, &old_total);
	ls_logreg_add((ls_logreg *) arg, tc->x, DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull)), 1.0);
}

typedef struct eval_arg
{
	ls_arena   *arena;
	ls_logreg  *lr;
	ls_score_hist *old_hist;
	ls_score_hist *new_hist;
} eval_arg;

static void
eval_row(train_ctx *tc, HeapTuple tup, TupleDesc desc, void *arg)
{
	eval_arg   *ea = arg;
	bool		isnull;
	bool		y;
	double		old_total;

	if (!in_holdout(tc, SPI_getvalue(tup, desc, 3)))
		return;
	row_features(tc, tup, desc, &old_total);
	y = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
	if (!ls_hist_add(ea->old_hist, old_total, y, 1) ||
		!ls_hist_add(ea->new_hist, ls_logreg_predict(ea->lr, tc->x), y, 1))
		ereport(ERROR,
				(errcode(ea->arena->failed ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("train: a held-out lead's score is not a finite number")));
}

static uint32
pattern_hash(const double *x, int p, bool holdout, double old_total)
{
	uint32		h = hash_bytes((const unsigned char *) x, sizeof(double) * p);

	h = hash_combine(h, hash_bytes((const unsigned char *) &old_total, sizeof(double)));
	return hash_combine(h, holdout ? 1 : 0);
}

static void
pattern_grow(pattern_table *t, int p)
{
	uint32		cap = (t->mask + 1) * 2;
	train_pattern **slots = ls_arena_alloc(&t->arena, sizeof(train_pattern *) * cap);
	uint32		i;

	if (slots == NULL)
	{
		t->overflow = true;
		return;
	}
	for (i = 0; i <= t->mask; i++)
	{
		train_pattern *e = t->slots[i];
		uint32		j;

		if (e == NULL)
			continue;
		for (j = e->hash & (cap - 1); slots[j] != NULL; j = (j + 1) & (cap - 1))
			;
		slots[j] = e;
	}
	t->slots = slots;
	t->mask = cap - 1;
}

/* Count one lead into its pattern; sets overflow when the table is full. */
static void
pattern_add(pattern_table *t, int p, const double *x, bool holdout, double old_total, bool y)
{
	uint32		h = pattern_hash(x, p, holdout, old_total);
	uint32		j;
	train_pattern *e;

	for (j = h & t->mask; (e = t->slots[j]) != NULL; j = (j + 1) & t->mask)
		if (e->hash == h && e->holdout == holdout && e->old_total == old_total &&
			memcmp(e->x, x, sizeof(double) * p) == 0)
			break;
	if (e == NULL)
	{
		if (t->count >= t->limit)
		{
			t->overflow = true;
			return;
		}
		e = ls_arena_alloc(&t->arena, offsetof(train_pattern, x) + sizeof(double) * p);
		if (e == NULL)
		{
			t->overflow = true;
			return;
		}
		e->hash = h;
		e->holdout = holdout;
		e->old_total = old_total;
		memcpy(e->x, x, sizeof(double) * p);
		t->slots[j] = e;
		if (++t->count * 2 > t->mask + 1)
			pattern_grow(t, p);
	}
	if (y)
		e->w_pos += 1;
	else
		e->w_neg += 1;
}

static void
fold_row(train_ctx *tc, HeapTuple tup, TupleDesc desc, void *arg)
{
	bool		isnull;
	double		old_total;

	if (tc->patterns == NULL || tc->patterns->overflow)
		return;
	row_features(tc, tup, desc, &old_total);
	pattern_add(tc->patterns, tc->p, tc->x, in_holdout(tc, SPI_getvalue(tup, desc, 3)), old_total,
				DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull)));
}

/* Fit-only models need no scales: count and fold in one pass. */
static void
scan_and_fold_row(train_ctx *tc, HeapTuple tup, TupleDesc desc, void *arg)
{
	scan_row(tc, tup, desc, arg);
	fold_row(tc, tup, desc, arg);
}

static pattern_table *
pattern_table_new(int p)
{
	pattern_table *t = palloc0(sizeof(pattern_table));
	size_t		entry = offsetof(train_pattern, x) + sizeof(double) * p + 2 * sizeof(void *);

	t->limit = (uint32) Min((size_t) TRAIN_MAX_PATTERNS, TRAIN_MAX_PATTERN_BYTES / entry);

	ls_pg_arena_init(&t->arena, CurrentMemoryContext);
	t->mask = 1023;
	t->slots = ls_arena_alloc(&t->arena, sizeof(train_pattern *) * (t->mask + 1));
	if (t->slots == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return t;
}

/* One Newton pass: over the patterns when they fit, else over the leads. */
static void
newton_pass(train_ctx *tc, ls_logreg *lr)
{
	uint32		i;

	ls_logreg_begin_pass(lr);
	if (tc->patterns == NULL)
	{
		each_row(tc, fit_row, lr);
		return;
	}
	for (i = 0; i <= tc->patterns->mask; i++)
	{
		train_pattern *e = tc->patterns->slots[i];

		if (e == NULL || e->holdout)
			continue;
		if (e->w_pos > 0)
			ls_logreg_add(lr, e->x, true, e->w_pos);
		if (e->w_neg > 0)
			ls_logreg_add(lr, e->x, false, e->w_neg);
	}
}

/* Held-out AUCs: from the patterns when they fit, else another pass. */
static void
evaluate(train_ctx *tc, eval_arg *ea)
{
	uint32		i;

	if (tc->patterns == NULL)
	{
		each_row(tc, eval_row, ea);
		return;
	}
	for (i = 0; i <= tc->patterns->mask; i++)
	{
		train_pattern *e = tc->patterns->slots[i];
		double		pred;

		if (e == NULL || !e->holdout)
			continue;
		pred = ls_logreg_predict(ea->lr, e->x);
		if (!ls_hist_add(ea->old_hist, e->old_total, true, (int64) e->w_pos) ||
			!ls_hist_add(ea->old_hist, e->old_total, false, (int64) e->w_neg) ||
			!ls_hist_add(ea->new_hist, pred, true, (int64) e->w_pos) ||
			!ls_hist_add(ea->new_hist, pred, false, (int64) e->w_neg))
			ereport(ERROR,
					(errcode(ea->arena->failed ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("train: a held-out lead's score is not a finite number")));
	}
}

static double
readable(double points)
{
	/* whole points where they are large enough to read as such */
	if (fabs(points) >= 10)
		return rint(points);
	return rint(points * 10) / 10;
}

/*
 * Points from log-odds: S points per unit of log-odds, S chosen so the
 * learned fit points have the same mean magnitude as the original ones (10
 * when the original model has none, e.g. fresh from suggest_rules).
 */
static double
points_scale(const ls_model *m, const double *coef)
{
	double		old_sum = 0,
				coef_sum = 0;
	int			j;

	for (j = 0; j < m->n_fit; j++)
	{
		old_sum += fabs(m->fit_rules[j].points);
		coef_sum += fabs(coef[1 + j]);
	}
	if (old_sum == 0 || coef_sum == 0)
		return 10;
	return old_sum / coef_sum;
}

static void
append_rule_json(StringInfo buf, bool first, const char *kind, const char *name,
				 double coef, double old_points, double new_points)
{
	appendStringInfo(buf, "%s{\"kind\": \"%s\", \"rule\": ", first ? "" : ", ", kind);
	escape_json(buf, name);
	appendStringInfo(buf, ", \"coefficient\": %s, \"points_old\": %s, \"points_new\": %s}",
					 float8out_internal(coef), float8out_internal(old_points),
					 float8out_internal(new_points));
}

PG_FUNCTION_INFO_V1(ls_train);
Datum
ls_train(PG_FUNCTION_ARGS)
{
	text	   *model_name;
	Oid			outcomes;
	char	   *key;
	char	   *conv;
	char	   *new_name;
	Jsonb	   *opts;
	train_ctx	tc;
	ls_arena	arena;
	ls_logreg  *lr;
	ls_model   *nm;
	eval_arg	ea;
	const double *coef;
	double		scale,
				step = 0,
				auc_old = NAN,
				auc_new = NAN;
	int			iter,
				j;
	bool		converged = false;
	char	   *doc;
	size_t		doclen;
	ls_error	err;
	StringInfoData rep;
	int32		new_id;
	bool		isnull;
	MemoryContext outer = CurrentMemoryContext;	/* SPI_finish frees what SPI's context holds */

	for (j = 0; j < 5; j++)
		if (PG_ARGISNULL(j))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("train: model, outcomes, lead_key, converted and new_name must not be NULL")));
	model_name = PG_GETARG_TEXT_PP(0);
	outcomes = PG_GETARG_OID(1);
	key = text_to_cstring(PG_GETARG_TEXT_PP(2));
	conv = text_to_cstring(PG_GETARG_TEXT_PP(3));
	new_name = text_to_cstring(PG_GETARG_TEXT_PP(4));
	opts = PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5);
	memset(&tc, 0, sizeof(tc));
	read_options(opts, &tc.opt);
	tc.call.cxt = CurrentMemoryContext;
	tc.entry = ls_fit_call_model(&tc.call, model_name);
	tc.n_fit = tc.entry->model->n_fit;
	tc.n_intent = tc.entry->model->n_intent;
	tc.p = tc.n_fit + tc.n_intent;
	if (tc.p == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("train: model \"%s\" has no rules to learn points for", tc.entry->name)));
	tc.x = palloc0(sizeof(double) * tc.p);
	tc.intent_scale = palloc0(sizeof(double) * Max(tc.n_intent, 1));
	tc.intent_tmp = palloc0(sizeof(double) * Max(tc.n_intent, 1));
	ls_pg_arena_init(&arena, CurrentMemoryContext);

	SPI_connect();
	tc.query = build_query(tc.entry, outcomes, key, conv);
	tc.patterns = pattern_table_new(tc.p);
	if (tc.n_intent > 0)
	{
		/* intent features are scaled by their largest value: one pass first */
		each_row(&tc, scan_row, NULL);
		each_row(&tc, fold_row, NULL);
	}
	else
		each_row(&tc, scan_and_fold_row, NULL);
	if (tc.n_train < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("train: %lld leads to learn from; at least 2 are needed", (long long) tc.n_train)));

	/* the leads folded into weighted patterns, or streamed when too many */
	if (tc.patterns->overflow)
	{
		ls_arena_free(&tc.patterns->arena);
		tc.patterns = NULL;
	}

	lr = ls_logreg_new(&arena, tc.p, tc.opt.l2);
	if (lr == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	for (iter = 1; iter <= tc.opt.max_iter; iter++)
	{
		CHECK_FOR_INTERRUPTS();
		newton_pass(&tc, lr);
		if (!ls_logreg_end_pass(lr, &step))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("train: the Newton step could not be solved"),
					 errhint("Raise the l2 option.")));
		if (step < 1e-8)
		{
			converged = true;
			break;
		}
	}
	coef = ls_logreg_coef(lr);

	/* held-out AUC of the old and the new scoring */
	ea.arena = &arena;
	ea.lr = lr;
	ea.old_hist = ls_hist_new(&arena);
	ea.new_hist = ls_hist_new(&arena);
	if (tc.n_holdout > 0)
	{
		evaluate(&tc, &ea);
		if (!ls_hist_auc(ea.old_hist, &auc_old))
			auc_old = NAN;
		if (!ls_hist_auc(ea.new_hist, &auc_new))
			auc_new = NAN;
	}

	/* the new draft model: the same rules, learned points */
	scale = points_scale(tc.entry->model, coef);
	nm = palloc(sizeof(ls_model));
	*nm = *tc.entry->model;
	nm->name = new_name;
	nm->status = LS_STATUS_DRAFT;
	nm->fit_rules = palloc(sizeof(ls_fit_rule) * Max(nm->n_fit, 1));
	nm->intent_rules = palloc(sizeof(ls_intent_rule) * Max(nm->n_intent, 1));
	memcpy(nm->fit_rules, tc.entry->model->fit_rules, sizeof(ls_fit_rule) * nm->n_fit);
	memcpy(nm->intent_rules, tc.entry->model->intent_rules, sizeof(ls_intent_rule) * nm->n_intent);
	{
		MemoryContext old = MemoryContextSwitchTo(outer);

		initStringInfo(&rep);
		MemoryContextSwitchTo(old);
	}
	appendStringInfoString(&rep, "[");
	for (j = 0; j < nm->n_fit; j++)
	{
		nm->fit_rules[j].points = readable(coef[1 + j] * scale);
		append_rule_json(&rep, j == 0, "fit", nm->fit_rules[j].name, coef[1 + j],
						 tc.entry->model->fit_rules[j].points, nm->fit_rules[j].points);
	}
	for (j = 0; j < nm->n_intent; j++)
	{
		ls_intent_rule *r = &nm->intent_rules[j];
		double		old = r->points;

		/* value/scale was the feature: a unit of it is worth coef log-odds */
		if (old != 0 && tc.intent_scale[j] > 0)
		{
			r->points = readable(coef[1 + tc.n_fit + j] * scale * old / tc.intent_scale[j]);
			if (r->has_cap)
				r->cap = r->points != 0 ? readable(r->cap * r->points / old) : 0;
			if (r->has_cap && r->cap == 0)
				r->has_cap = false;
		}
		append_rule_json(&rep, nm->n_fit == 0 && j == 0, "intent", r->name,
						 coef[1 + tc.n_fit + j], old, r->points);
	}
	appendStringInfoString(&rep, "]");
	if (!ls_model_to_json(nm, &arena, &doc, &doclen, &err))
		ls_pg_raise(&err, "writing the trained model");
	{
		Oid			types[1] = {TEXTOID};
		Datum		args[1] = {CStringGetTextDatum(doc)};

		if (SPI_execute_with_args("SELECT leadscore.import_model($1::json)", 1, types, args,
								  NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "leadscore: writing the trained model failed");
		new_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();

	{
		StringInfoData out;

		initStringInfo(&out);
		appendStringInfoString(&out, "{\"model\": ");
		escape_json(&out, tc.entry->name);
		appendStringInfoString(&out, ", \"new_model\": ");
		escape_json(&out, new_name);
		appendStringInfo(&out, ", \"new_model_id\": %d, \"status\": \"draft\""
						 ", \"leads\": {\"train\": %lld, \"holdout\": %lld}"
						 ", \"iterations\": %d, \"converged\": %s, \"l2\": %s, \"seed\": %d"
						 ", \"distinct_patterns\": %s"
						 ", \"auc\": {\"old\": %s, \"new\": %s}"
						 ", \"points_per_log_odds\": %s, \"intercept\": %s, \"rules\": %s}",
						 new_id, (long long) tc.n_train, (long long) tc.n_holdout,
						 Min(iter, tc.opt.max_iter), converged ? "true" : "false",
						 float8out_internal(tc.opt.l2), tc.opt.seed,
						 tc.patterns ? psprintf("%u", tc.patterns->count) : "null",
						 isnan(auc_old) ? "null" : float8out_internal(auc_old),
						 isnan(auc_new) ? "null" : float8out_internal(auc_new),
						 float8out_internal(scale), float8out_internal(coef[0]), rep.data);
		PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
	}
}
