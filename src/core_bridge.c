/*
 * core_bridge.c — runs the server-free core on PostgreSQL's services:
 * arenas on palloc, PostgreSQL's regex engine, collation-aware lower-casing,
 * and core errors turned into ereport with a SQLSTATE.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "regex/regex.h"
#include "regex_dfa.h"
#include "utils/formatting.h"

#include "leadscore.h"

static void *
pg_chunk_alloc(size_t size, void *ctx)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
pg_chunk_free(void *ptr, void *ctx)
{
	pfree(ptr);
}

void
ls_pg_arena_init(ls_arena *arena, MemoryContext cxt)
{
	ls_arena_init(arena, pg_chunk_alloc, pg_chunk_free, cxt);
}

int
ls_pg_sqlstate(ls_error_kind kind)
{
	switch (kind)
	{
		case LS_ERR_SYNTAX:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case LS_ERR_LIMIT:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case LS_ERR_NOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case LS_ERR_INVALID:
		case LS_ERR_NONE:
			break;
	}
	return ERRCODE_INVALID_PARAMETER_VALUE;
}

void
ls_pg_raise(const ls_error *err, const char *context)
{
	if (context)
		ereport(ERROR,
				(errcode(ls_pg_sqlstate(err->kind)),
				 errmsg("%s", err->msg),
				 errcontext("%s", context)));
	ereport(ERROR,
			(errcode(ls_pg_sqlstate(err->kind)),
			 errmsg("%s", err->msg)));
}

/*
 * Regexes use PostgreSQL's advanced syntax (\m, \M, \y ...) so a rule means
 * what the same pattern means in a `~*` query.
 */
#define LS_REGEX_FLAGS (REG_ADVANCED | REG_ICASE | REG_NOSUB)

typedef struct pg_compiled_regex
{
	regex_t		re;
	ls_dfa_regex *dfa;			/* NULL: PostgreSQL's engine only */
	pg_wchar   *buf;			/* reused conversion buffer */
	size_t		buflen;
	MemoryContext cxt;
} pg_compiled_regex;

static int
compile_pattern(regex_t *re, const char *pattern)
{
	size_t		len = strlen(pattern);
	pg_wchar   *wide = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(pattern, wide, len);
	int			rc = pg_regcomp(re, wide, wlen, LS_REGEX_FLAGS, DEFAULT_COLLATION_OID);

	pfree(wide);
	return rc;
}

/*
 * The DFA matcher folds ASCII letters as A-Z = a-z.  The database's
 * collation may not (Turkish: i and I are not one letter), so ask
 * PostgreSQL's engine once per backend whether it agrees.
 */
static bool
ascii_folds_plainly(void)
{
	static int	known = -1;

	if (known < 0)
	{
		static const char *const pairs[][2] = {
			{"^abcdefghijklmnopqrstuvwxyz$", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
			{"^ABCDEFGHIJKLMNOPQRSTUVWXYZ$", "abcdefghijklmnopqrstuvwxyz"},
		};
		int			i;

		known = 1;
		for (i = 0; i < (int) lengthof(pairs); i++)
		{
			regex_t		re;
			pg_wchar	wide[32];
			int			wlen;
			int			rc;

			if (compile_pattern(&re, pairs[i][0]) != REG_OKAY)
			{
				known = 0;
				break;
			}
			wlen = pg_mb2wchar_with_len(pairs[i][1], wide, strlen(pairs[i][1]));
			rc = pg_regexec(&re, wide, wlen, 0, NULL, 0, NULL, 0);
			pg_regfree(&re);
			if (rc != REG_OKAY)
			{
				known = 0;
				break;
			}
		}
	}
	return known == 1;
}

static bool
pg_regex_check(const char *pattern, char *errbuf, size_t errlen, void *ctx)
{
	regex_t		re;
	int			rc = compile_pattern(&re, pattern);

	if (rc != REG_OKAY)
	{
		pg_regerror(rc, &re, errbuf, errlen);
		return false;
	}
	pg_regfree(&re);
	return true;
}

static void *
pg_regex_compile(const char *pattern, ls_arena *arena, void *ctx, ls_error *err)
{
	MemoryContext cxt = (MemoryContext) arena->ctx;
	MemoryContext old = MemoryContextSwitchTo(cxt);
	pg_compiled_regex *cr = palloc0(sizeof(pg_compiled_regex));
	int			rc = compile_pattern(&cr->re, pattern);

	MemoryContextSwitchTo(old);
	if (rc != REG_OKAY)
	{
		char		msg[256];

		pg_regerror(rc, &cr->re, msg, sizeof(msg));
		ls_error_set(err, LS_ERR_INVALID, "invalid regular expression: %s", msg);
		return NULL;
	}
	cr->cxt = cxt;
	if (ascii_folds_plainly())
	{
		ls_arena	dfa_arena;

		ls_pg_arena_init(&dfa_arena, cxt);
		cr->dfa = ls_dfa_compile(pattern, &dfa_arena, pg_chunk_alloc, cxt);
	}
	return cr;
}

static bool
pg_regex_match(void *compiled, const char *text, size_t len, void *ctx)
{
	pg_compiled_regex *cr = compiled;
	int			wlen;
	int			rc;

	if (cr->dfa != NULL)
	{
		int			answer = ls_dfa_match(cr->dfa, text, len);

		if (answer != LS_DFA_UNKNOWN)
			return answer == LS_DFA_MATCH;
	}
	if (cr->buflen < len + 1)
	{
		if (cr->buf)
			pfree(cr->buf);
		cr->buflen = Max(len + 1, 64);
		cr->buf = MemoryContextAlloc(cr->cxt, cr->buflen * sizeof(pg_wchar));
	}
	wlen = pg_mb2wchar_with_len(text, cr->buf, len);
	rc = pg_regexec(&cr->re, cr->buf, wlen, 0, NULL, 0, NULL, 0);
	if (rc == REG_OKAY)
		return true;
	if (rc == REG_NOMATCH)
		return false;
	CHECK_FOR_INTERRUPTS();
	{
		char		msg[256];

		pg_regerror(rc, &cr->re, msg, sizeof(msg));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("regular expression failed: %s", msg)));
	}
	return false;
}

/* Non-ASCII text: lower-case as the database's default collation does. */
static char *
pg_fold(const char *text, size_t len, size_t *out_len, ls_arena *arena, void *ctx)
{
	char	   *lower = str_tolower(text, len, DEFAULT_COLLATION_OID);
	size_t		n = strlen(lower);
	char	   *copy = ls_arena_strndup(arena, lower, n);

	pfree(lower);
	*out_len = n;
	return copy;
}

const ls_validate_hooks ls_pg_validate_hooks = {pg_regex_check, NULL};
const ls_match_hooks ls_pg_match_hooks = {pg_fold, pg_regex_compile, pg_regex_match, NULL};

/*
 * Aggregate support functions take `internal`, which only the aggregate
 * machinery can hand them; called from SQL they would read garbage.
 */
void
ls_not_in_aggregate(const char *fname, const char *aggregates)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("leadscore.%s can only be called by the %s aggregates", fname, aggregates)));
}
