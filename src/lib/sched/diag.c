/*
 * diag.c - the diagnostics of the jobs file's rows and of the checker's
 * violations: each one counted, the first SCHED_MAX_DIAGS sent to the
 * context.
 */
#include "sched/sched_impl.h"

#include <stdarg.h>

void zp__sched_diag(sched_diags *d, size_t line, const char *fmt, ...)
{
    d->n++;
    if (d->n > SCHED_MAX_DIAGS || d->st)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (zp__vdiag(d->ctx, ZP_SEV_ERROR, d->file, line > INT32_MAX ? 0 : (int)line, 0, NULL, fmt,
                  ap))
        d->st = ZP_ENOMEM;
    va_end(ap);
}
