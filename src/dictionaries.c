/*
 * dictionaries.c — the editable hygiene dictionaries (seniority keywords,
 * email domains, role mailboxes) compiled once per backend, and the SQL
 * functions seniority(), email_class(), email_domain().
 *
 * The dictionaries are reloaded when the model cache's generation moves:
 * their tables carry the same invalidation trigger as leadscore.model.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "hygiene.h"
#include "lead_row.h"

typedef struct ls_dictionaries
{
	MemoryContext cxt;
	uint64		generation;
	ls_seniority_dict *seniority;
	ls_email_dict *email;
} ls_dictionaries;

static ls_dictionaries dicts;

static void
load_rows(const char *query, ls_arena *arena, void *dict,
		  bool (*add) (void *dict, const char *a, const char *b))
{
	uint64		i;
	int			rc = SPI_execute(query, true, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "leadscore: reading dictionary failed: %s", SPI_result_code_string(rc));
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *a = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *b = SPI_tuptable->tupdesc->natts > 1 ?
		SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2) : NULL;

		if (a == NULL || !add(dict, a, b))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leadscore: dictionary entry \"%s\" cannot be used", a ? a : ""),
					 errdetail("Query: %s", query)));
	}
}

static bool
add_keyword(void *d, const char *a, const char *b)
{
	return ls_seniority_dict_add(d, a, b);
}

static bool
add_domain(void *d, const char *a, const char *b)
{
	return ls_email_dict_add_domain(d, a, b);
}

static bool
add_role(void *d, const char *a, const char *b)
{
	return ls_email_dict_add_role(d, a);
}

static void
load_dictionaries(void)
{
	MemoryContext cxt = AllocSetContextCreate(CacheMemoryContext, "leadscore dictionaries",
											  ALLOCSET_DEFAULT_SIZES);
	ls_arena   *arena = MemoryContextAllocZero(cxt, sizeof(ls_arena));
	ls_seniority_dict *seniority;
	ls_email_dict *email;
	uint64		generation = ls_cache_generation();

	ls_pg_arena_init(arena, cxt);
	PG_TRY();
	{
		seniority = ls_seniority_dict_new(arena);
		email = ls_email_dict_new(arena);
		if (seniority == NULL || email == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		SPI_connect();
		load_rows("SELECT keyword, level FROM leadscore.seniority_keyword ORDER BY keyword",
				  arena, seniority, add_keyword);
		load_rows("SELECT domain, class FROM leadscore.email_domain ORDER BY domain",
				  arena, email, add_domain);
		load_rows("SELECT local_part FROM leadscore.role_mailbox ORDER BY local_part",
				  arena, email, add_role);
		SPI_finish();
	}
	PG_CATCH();
	{
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (dicts.cxt)
		MemoryContextDelete(dicts.cxt);
	dicts.cxt = cxt;
	dicts.seniority = seniority;
	dicts.email = email;
	dicts.generation = generation;
}

static void
ensure_dictionaries(void)
{
	if (dicts.cxt == NULL || dicts.generation != ls_cache_generation())
		load_dictionaries();
}

void
ls_derive_value(ls_derive derive, ls_attr_value *v, char *domain_buf, size_t buflen)
{
	const char *label = NULL;
	int			n;

	if (v->kind == LS_VAL_NULL)
		return;
	if (v->kind == LS_VAL_NUMBER)
	{
		/* a number is not a title or an address: classify its text */
		char	   *s = float8out_internal(v->num);

		v->text = s;
		v->len = strlen(s);
		v->kind = LS_VAL_TEXT;
	}
	ensure_dictionaries();
	switch (derive)
	{
		case LS_DERIVE_SENIORITY:
			label = ls_seniority(dicts.seniority, v->text, v->len);
			break;
		case LS_DERIVE_EMAIL_CLASS:
			label = ls_email_class(dicts.email, v->text, v->len);
			break;
		case LS_DERIVE_EMAIL_DOMAIN:
			n = ls_email_domain(v->text, v->len, domain_buf, buflen);
			if (n < 0)
				v->kind = LS_VAL_NULL;
			else
			{
				v->text = domain_buf;
				v->len = n;
			}
			return;
		case LS_DERIVE_NONE:
			return;
	}
	v->text = label;
	v->len = strlen(label);
}

PG_FUNCTION_INFO_V1(ls_seniority_sql);
Datum
ls_seniority_sql(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	ensure_dictionaries();
	PG_RETURN_TEXT_P(cstring_to_text(ls_seniority(dicts.seniority, VARDATA_ANY(t),
												  VARSIZE_ANY_EXHDR(t))));
}

PG_FUNCTION_INFO_V1(ls_email_class_sql);
Datum
ls_email_class_sql(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	ensure_dictionaries();
	PG_RETURN_TEXT_P(cstring_to_text(ls_email_class(dicts.email, VARDATA_ANY(t),
													VARSIZE_ANY_EXHDR(t))));
}

PG_FUNCTION_INFO_V1(ls_email_domain_sql);
Datum
ls_email_domain_sql(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char		buf[256];
	int			n = ls_email_domain(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), buf, sizeof(buf));

	if (n < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, n));
}

/*
 * CHECK constraint of leadscore.seniority_keyword: a keyword the classifier
 * would refuse (no words, more than 8, a '*' not at the end) is refused at
 * INSERT rather than at the next scoring.
 */
PG_FUNCTION_INFO_V1(ls_seniority_keyword_valid);
Datum
ls_seniority_keyword_valid(PG_FUNCTION_ARGS)
{
	char	   *kw = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ls_arena	arena;
	ls_seniority_dict *d;
	bool		ok;

	ls_pg_arena_init(&arena, CurrentMemoryContext);
	d = ls_seniority_dict_new(&arena);
	ok = d != NULL && ls_seniority_dict_add(d, kw, "individual");
	ls_arena_free(&arena);
	PG_RETURN_BOOL(ok);
}

/* The built-in lists the install script seeds the dictionary tables with. */
PG_FUNCTION_INFO_V1(ls_builtin_dictionary);
Datum
ls_builtin_dictionary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; ls_seniority_defaults[i].keyword; i++)
	{
		Datum		v[3] = {CStringGetTextDatum("seniority"),
			CStringGetTextDatum(ls_seniority_defaults[i].keyword),
		CStringGetTextDatum(ls_seniority_defaults[i].level)};
		bool		n[3] = {0};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	for (i = 0; ls_email_domain_defaults[i].keyword; i++)
	{
		Datum		v[3] = {CStringGetTextDatum("email_domain"),
			CStringGetTextDatum(ls_email_domain_defaults[i].keyword),
		CStringGetTextDatum(ls_email_domain_defaults[i].level)};
		bool		n[3] = {0};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	for (i = 0; ls_role_mailbox_defaults[i]; i++)
	{
		Datum		v[3] = {CStringGetTextDatum("role_mailbox"),
			CStringGetTextDatum(ls_role_mailbox_defaults[i]), (Datum) 0};
		bool		n[3] = {false, false, true};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	PG_RETURN_VOID();
}
