/*
 * lead_row.h — turning a lead (a row of any type, or a jsonb object) into
 * the attribute values a compiled fit plan asks for.
 */
#ifndef LS_LEAD_ROW_H
#define LS_LEAD_ROW_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/jsonb.h"

#include "leadscore.h"

typedef enum ls_col_kind
{
	LS_COL_ABSENT,				/* the row type has no such column: always NULL */
	LS_COL_VARLENA_TEXT,		/* text, varchar, citext ... */
	LS_COL_BPCHAR,				/* char(n): trailing blanks are padding */
	LS_COL_NAME,
	LS_COL_INT2,
	LS_COL_INT4,
	LS_COL_INT8,
	LS_COL_FLOAT4,
	LS_COL_FLOAT8,
	LS_COL_NUMERIC,
	LS_COL_BOOL,
	LS_COL_OTHER				/* anything else: its text output */
} ls_col_kind;

typedef struct ls_col_map
{
	AttrNumber	attnum;
	ls_col_kind kind;
	FmgrInfo	out;			/* LS_COL_OTHER */
	char		domain_buf[256];	/* email_domain() result */
} ls_col_map;

/*
 * Attribute numbers are resolved once per (row type, compiled model), not
 * per row: `serial` is the compiled model's, tupType/tupTypmod the row's.
 */
typedef struct ls_row_map
{
	uint64		serial;
	Oid			tupType;
	int32		tupTypmod;
	int			n;
	ls_col_map *cols;
	ls_attr_value *values;
	int			natts;
	Datum	   *datums;
	bool	   *nulls;
} ls_row_map;

/* (Re)builds map for plan and desc in cxt when it does not fit them. */
extern void ls_row_map_prepare(ls_row_map *map, const ls_cached_model *entry,
							   TupleDesc desc, MemoryContext cxt);
/* Fills map->values from a tuple of the prepared row type. */
extern void ls_row_read(ls_row_map *map, const ls_cached_model *entry,
						HeapTuple tup, TupleDesc desc);
/* Fills values (n = plan attributes) from a jsonb object. */
extern void ls_jsonb_read(ls_attr_value *values, ls_col_map *scratch,
						  const ls_cached_model *entry, Jsonb *jb);

/* A jsonb scalar as an attribute value (objects and arrays as their text). */
extern void ls_jsonb_scalar_value(ls_attr_value *v, JsonbValue *jv);

/* Text of an attribute value for display (explain). */
extern char *ls_attr_value_text(const ls_attr_value *v);

/* dictionaries.c: derived attributes (seniority, email class, domain) */
extern void ls_derive_value(ls_derive derive, ls_attr_value *v, char *domain_buf,
							size_t buflen);

#endif
