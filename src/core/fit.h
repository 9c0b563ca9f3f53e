/*
 * fit.h — a model's fit rules compiled for fast matching.
 *
 * Compiling resolves each rule to an attribute slot (rules on the same
 * attribute share one slot, so the host fetches and case-folds a value
 * once per row), hashes `in` lists, lower-cases literals and compiles
 * regexes once through the host's regex engine.  Evaluation then touches
 * no allocator except the regex memo.
 */
#ifndef LS_FIT_H
#define LS_FIT_H

#include "model.h"

/* One attribute value of a lead, as the host found it. */
typedef enum ls_value_kind
{
	LS_VAL_NULL = 0,			/* NULL or the column does not exist */
	LS_VAL_TEXT,
	LS_VAL_NUMBER
} ls_value_kind;

typedef struct ls_attr_value
{
	ls_value_kind kind;
	const char *text;			/* LS_VAL_TEXT: not necessarily NUL-terminated */
	size_t		len;
	double		num;			/* LS_VAL_NUMBER */
} ls_attr_value;

/*
 * Host hooks for matching.  fold lower-cases text that is not plain ASCII
 * (the core folds ASCII itself); regex_compile/regex_match run the host's
 * engine case-insensitively.  All may be NULL in tests that need none.
 */
typedef struct ls_match_hooks
{
	/* Write the lower-case form of text into arena memory; NULL on failure. */
	char	   *(*fold) (const char *text, size_t len, size_t *out_len,
						 ls_arena *arena, void *ctx);
	void	   *(*regex_compile) (const char *pattern, ls_arena *arena,
								  void *ctx, ls_error *err);
	bool		(*regex_match) (void *compiled, const char *text, size_t len,
								void *ctx);
	void	   *ctx;
} ls_match_hooks;

typedef struct ls_fit_attr
{
	char	   *name;			/* as written in the rule, e.g. "seniority(job_title)" */
	char	   *column;			/* the column to read, e.g. "job_title" */
	ls_derive	derive;
	bool		wants_text;		/* some rule on it is a text operator */
	bool		wants_number;	/* some rule on it is numeric or eq/in with a number */
} ls_fit_attr;

typedef struct ls_fit_plan ls_fit_plan;

/* Called for each rule that fires and counts (explain). */
typedef void (*ls_fired_fn) (int rule_index, const ls_attr_value *seen,
							 double points, void *ctx);

ls_fit_plan *ls_fit_compile(const ls_model *m, ls_arena *arena,
							const ls_match_hooks *hooks, ls_error *err);

int			ls_fit_n_attrs(const ls_fit_plan *p);
const ls_fit_attr *ls_fit_attr_at(const ls_fit_plan *p, int i);

/*
 * Score one lead: values[i] is the value of attribute slot i.  Groups act
 * like CASE (first matching rule in rule order counts).  fired may be NULL.
 */
double		ls_fit_eval(ls_fit_plan *p, const ls_attr_value *values,
						ls_fired_fn fired, void *fired_ctx);

/* Does one condition match one value?  Exposed for intent `where`. */
typedef struct ls_cond_plan ls_cond_plan;
ls_cond_plan *ls_cond_compile(const ls_condition *c, ls_arena *arena,
							  const ls_match_hooks *hooks, ls_error *err);
bool		ls_cond_match(ls_cond_plan *cp, const ls_attr_value *v);

/*
 * What a plan takes while evaluating (regex memo, folded copies of
 * non-ASCII values; bounded per plan, reused across rows) comes from the
 * host allocator of the arena it was compiled in, through an arena of the
 * plan's own, so the caller's ls_arena struct need not outlive compiling.
 * An allocator that frees in bulk (palloc in the model's memory context)
 * needs nothing more; with malloc, release a plan before freeing its arena.
 * A released plan can still be used (it starts over).
 */
void		ls_fit_release(ls_fit_plan *p);
void		ls_cond_release(ls_cond_plan *cp);

/* Grade letter for a fit score: first bar reached, else "D". */
const char *ls_grade_of(const ls_model *m, double fit);

#endif
