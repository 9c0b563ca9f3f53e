#include "error.h"

#include <stdarg.h>
#include <stdio.h>

bool
ls_error_set(ls_error *err, ls_error_kind kind, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return false;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return false;
}

void
ls_error_clear(ls_error *err)
{
	if (err)
	{
		err->kind = LS_ERR_NONE;
		err->msg[0] = '\0';
	}
}
