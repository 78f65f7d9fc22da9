#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int ma_fail(ma_error *err, ma_error_kind kind, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->kind = kind;
    return -1;
}

int ma_nomem(ma_error *err)
{
    return ma_fail(err, MA_ERR_NOMEM, "out of memory");
}

void ma_error_clear(ma_error *err)
{
    if (err == NULL)
        return;
    err->kind = MA_ERR_NONE;
    err->msg[0] = '\0';
}
