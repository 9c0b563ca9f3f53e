/*
 * model_json.h — the model document (design.md §3) to and from ls_model.
 *
 * model_json.c is the only file that includes json-c headers: they define
 * names that clash with PostgreSQL's, so this interface is plain C.
 *
 * Reading is strict: not JSON, trailing text, invalid UTF-8, NUL bytes,
 * duplicate keys, unknown keys and values of the wrong type are all
 * refused, with the JSON path in the message ("fit.rules[0].op: ...").
 * Error kinds: LS_ERR_SYNTAX (not well-formed JSON, with line and column),
 * LS_ERR_INVALID (well-formed but not a valid model), LS_ERR_LIMIT (over
 * 16 MiB, nested deeper than 64, more than LS_MAX_RULES rules, strings
 * over LS_MAX_TEXT bytes), LS_ERR_NOMEM (the arena refused).
 */
#ifndef LS_MODEL_JSON_H
#define LS_MODEL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define LS_MAX_DOCUMENT (16 * 1024 * 1024)	/* bytes */
#define LS_MAX_DEPTH 64

/*
 * Parse and validate a document of len bytes (text need not be
 * NUL-terminated).  The model and everything it points to are allocated in
 * arena; on failure *out is left alone, err is filled and the arena may
 * hold partial allocations (free it).  json-c's own memory is released on
 * every path before returning, so the caller may ereport right after.
 * hooks may be NULL (regexes are then not checked).
 */
bool		ls_model_from_json(const char *text, size_t len, ls_arena *arena,
							   const ls_validate_hooks *hooks, ls_model **out,
							   ls_error *err);

/*
 * Write the normalized document: 2-space indentation, fixed key order,
 * numbers in their shortest exact spelling, no trailing newline.  *out is
 * NUL-terminated arena memory; *out_len excludes the NUL.  Writing what
 * ls_model_from_json read and reading it back gives the same text.
 */
bool		ls_model_to_json(const ls_model *m, ls_arena *arena, char **out,
							 size_t *out_len, ls_error *err);

/* The "account" section alone, written as inside the document. */
bool		ls_account_to_json(const ls_account_model *a, ls_arena *arena,
							   char **out, ls_error *err);

#endif
