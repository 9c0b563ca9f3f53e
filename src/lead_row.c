/*
 * lead_row.c — reads lead attributes by column name from any row type.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "lead_row.h"

static ls_col_kind
column_kind(Oid type)
{
	switch (type)
	{
		case TEXTOID:
		case VARCHAROID:
			return LS_COL_VARLENA_TEXT;
		case BPCHAROID:
			return LS_COL_BPCHAR;
		case NAMEOID:
			return LS_COL_NAME;
		case INT2OID:
			return LS_COL_INT2;
		case INT4OID:
			return LS_COL_INT4;
		case INT8OID:
			return LS_COL_INT8;
		case FLOAT4OID:
			return LS_COL_FLOAT4;
		case FLOAT8OID:
			return LS_COL_FLOAT8;
		case NUMERICOID:
			return LS_COL_NUMERIC;
		case BOOLOID:
			return LS_COL_BOOL;
		default:
			break;
	}
	/* citext and domains over text behave like text */
	if (get_typlen(type) == -1 && TypeCategory(getBaseType(type)) == TYPCATEGORY_STRING)
		return LS_COL_VARLENA_TEXT;
	return LS_COL_OTHER;
}

void
ls_row_map_prepare(ls_row_map *map, const ls_cached_model *entry,
				   TupleDesc desc, MemoryContext cxt)
{
	int			n = ls_fit_n_attrs(entry->fit);
	int			i;

	if (map->cols != NULL && map->serial == entry->serial &&
		map->tupType == desc->tdtypeid && map->tupTypmod == desc->tdtypmod &&
		map->natts == desc->natts)
		return;

	map->serial = entry->serial;
	map->tupType = desc->tdtypeid;
	map->tupTypmod = desc->tdtypmod;
	map->n = n;
	map->natts = desc->natts;
	map->cols = MemoryContextAllocZero(cxt, sizeof(ls_col_map) * Max(n, 1));
	map->values = MemoryContextAllocZero(cxt, sizeof(ls_attr_value) * Max(n, 1));
	map->datums = MemoryContextAlloc(cxt, sizeof(Datum) * Max(desc->natts, 1));
	map->nulls = MemoryContextAlloc(cxt, sizeof(bool) * Max(desc->natts, 1));

	for (i = 0; i < n; i++)
	{
		const ls_fit_attr *a = ls_fit_attr_at(entry->fit, i);
		ls_col_map *c = &map->cols[i];
		int			k;

		c->kind = LS_COL_ABSENT;
		for (k = 0; k < desc->natts; k++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, k);

			if (att->attisdropped || strcmp(NameStr(att->attname), a->column) != 0)
				continue;
			c->attnum = k + 1;
			c->kind = column_kind(att->atttypid);
			if (c->kind == LS_COL_OTHER)
			{
				Oid			outfn;
				bool		varlena;

				getTypeOutputInfo(att->atttypid, &outfn, &varlena);
				fmgr_info_cxt(outfn, &c->out, cxt);
			}
			break;
		}
	}
}

static void
set_text(ls_attr_value *v, const char *s, size_t len)
{
	v->kind = LS_VAL_TEXT;
	v->text = s;
	v->len = len;
}

static void
set_number(ls_attr_value *v, double d)
{
	v->kind = LS_VAL_NUMBER;
	v->num = d;
}

static void
datum_value(ls_attr_value *v, ls_col_map *c, Datum d)
{
	switch (c->kind)
	{
		case LS_COL_VARLENA_TEXT:
			{
				text	   *t = DatumGetTextPP(d);

				set_text(v, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				break;
			}
		case LS_COL_BPCHAR:
			{
				text	   *t = DatumGetTextPP(d);
				size_t		len = VARSIZE_ANY_EXHDR(t);
				const char *s = VARDATA_ANY(t);

				while (len > 0 && s[len - 1] == ' ')
					len--;
				set_text(v, s, len);
				break;
			}
		case LS_COL_NAME:
			{
				const char *s = NameStr(*DatumGetName(d));

				set_text(v, s, strlen(s));
				break;
			}
		case LS_COL_INT2:
			set_number(v, DatumGetInt16(d));
			break;
		case LS_COL_INT4:
			set_number(v, DatumGetInt32(d));
			break;
		case LS_COL_INT8:
			set_number(v, (double) DatumGetInt64(d));
			break;
		case LS_COL_FLOAT4:
			set_number(v, DatumGetFloat4(d));
			break;
		case LS_COL_FLOAT8:
			set_number(v, DatumGetFloat8(d));
			break;
		case LS_COL_NUMERIC:
			set_number(v, DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d)));
			break;
		case LS_COL_BOOL:
			if (DatumGetBool(d))
				set_text(v, "true", 4);
			else
				set_text(v, "false", 5);
			break;
		case LS_COL_OTHER:
			{
				char	   *s = OutputFunctionCall(&c->out, d);

				set_text(v, s, strlen(s));
				break;
			}
		case LS_COL_ABSENT:
			v->kind = LS_VAL_NULL;
			break;
	}
}

static void
derive_slots(ls_attr_value *values, ls_col_map *cols, const ls_cached_model *entry)
{
	int			n = ls_fit_n_attrs(entry->fit);
	int			i;

	for (i = 0; i < n; i++)
	{
		const ls_fit_attr *a = ls_fit_attr_at(entry->fit, i);

		if (a->derive != LS_DERIVE_NONE)
			ls_derive_value(a->derive, &values[i], cols[i].domain_buf,
							sizeof(cols[i].domain_buf));
	}
}

void
ls_row_read(ls_row_map *map, const ls_cached_model *entry,
			HeapTuple tup, TupleDesc desc)
{
	int			i;

	heap_deform_tuple(tup, desc, map->datums, map->nulls);
	for (i = 0; i < map->n; i++)
	{
		ls_col_map *c = &map->cols[i];
		ls_attr_value *v = &map->values[i];

		if (c->kind == LS_COL_ABSENT || map->nulls[c->attnum - 1])
			v->kind = LS_VAL_NULL;
		else
			datum_value(v, c, map->datums[c->attnum - 1]);
	}
	derive_slots(map->values, map->cols, entry);
}

void
ls_jsonb_scalar_value(ls_attr_value *v, JsonbValue *jv)
{
	switch (jv->type)
	{
		case jbvString:
			set_text(v, jv->val.string.val, jv->val.string.len);
			break;
		case jbvNumeric:
			set_number(v, DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
															 NumericGetDatum(jv->val.numeric))));
			break;
		case jbvBool:
			if (jv->val.boolean)
				set_text(v, "true", 4);
			else
				set_text(v, "false", 5);
			break;
		case jbvBinary:
			{
				char	   *s = JsonbToCString(NULL, jv->val.binary.data, jv->val.binary.len);

				set_text(v, s, strlen(s));
				break;
			}
		default:
			v->kind = LS_VAL_NULL;
			break;
	}
}

void
ls_jsonb_read(ls_attr_value *values, ls_col_map *scratch,
			  const ls_cached_model *entry, Jsonb *jb)
{
	int			n = ls_fit_n_attrs(entry->fit);
	int			i;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lead attributes must be a JSON object"),
				 errhint("Pass the lead as {\"job_title\": \"...\", \"employees\": 250, ...}.")));
	for (i = 0; i < n; i++)
	{
		const ls_fit_attr *a = ls_fit_attr_at(entry->fit, i);
		JsonbValue	jv;

		if (getKeyJsonValueFromContainer(&jb->root, a->column, strlen(a->column), &jv))
			ls_jsonb_scalar_value(&values[i], &jv);
		else
			values[i].kind = LS_VAL_NULL;
	}
	derive_slots(values, scratch, entry);
}

char *
ls_attr_value_text(const ls_attr_value *v)
{
	switch (v->kind)
	{
		case LS_VAL_TEXT:
			return pnstrdup(v->text, v->len);
		case LS_VAL_NUMBER:
			return float8out_internal(v->num);
		case LS_VAL_NULL:
			break;
	}
	return NULL;
}

/*
 * The column a rule attribute reads: "seniority(job_title)" reads job_title.
 * NULL for text that is no attribute, so bind() and check_model() can name
 * the rules that would never see a value.
 */
PG_FUNCTION_INFO_V1(ls_attribute_column);
Datum
ls_attribute_column(PG_FUNCTION_ARGS)
{
	char	   *attribute = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ls_arena	arena;
	ls_derive	derive;
	char	   *column;
	ls_error	err;
	text	   *result = NULL;

	ls_pg_arena_init(&arena, CurrentMemoryContext);
	if (ls_parse_attribute(attribute, &arena, &derive, &column, &err))
		result = cstring_to_text(column);
	ls_arena_free(&arena);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}
