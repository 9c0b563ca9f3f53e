/*
 * error.h — how the core reports a refusal without knowing about ereport.
 *
 * The glue maps kind to a SQLSTATE: LS_ERR_SYNTAX -> 22P02
 * (invalid_text_representation), LS_ERR_INVALID -> 22023
 * (invalid_parameter_value), LS_ERR_LIMIT -> 54000 (program_limit_exceeded),
 * LS_ERR_NOMEM -> 53200 (out_of_memory).
 */
#ifndef LS_ERROR_H
#define LS_ERROR_H

#include <stdbool.h>

typedef enum ls_error_kind
{
	LS_ERR_NONE = 0,
	LS_ERR_SYNTAX,				/* the text is not JSON / not a number */
	LS_ERR_INVALID,				/* well-formed but not a valid model */
	LS_ERR_LIMIT,				/* too deep, too large, too many */
	LS_ERR_NOMEM
} ls_error_kind;

#define LS_ERROR_MSG_LEN 512

typedef struct ls_error
{
	ls_error_kind kind;
	char		msg[LS_ERROR_MSG_LEN];
} ls_error;

/* Sets err (when not NULL) and returns false, so callers can
 * `return ls_error_set(...)`. */
bool		ls_error_set(ls_error *err, ls_error_kind kind, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
void		ls_error_clear(ls_error *err);

#endif
