/*
 * sbuf.h - private to src/lib/report: the report's text buffer (sbuf.c).
 */
#ifndef ZP_REPORT_SBUF_H
#define ZP_REPORT_SBUF_H

#include "core/internal.h"

/* ---- text buffer ------------------------------------------------------------ */

typedef struct sbuf {
    zp_ctx *ctx;
    char *p;       /* text, NUL-terminated while err == ZP_OK */
    size_t len;
    size_t cap;
    size_t max;    /* cap on len */
    zp_status err; /* sticky: after a failure every append is a no-op */
} sbuf;

void sb_fail(sbuf *b, zp_status rc);
void sb_addn(sbuf *b, const char *s, size_t n);
void sb_puts(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) ZP_PRINTF(2, 3);
void sb_esc(sbuf *b, const char *s);
void sb_data(sbuf *b, const char *s);
char *sb_fmt_num(char *buf, double v, int dec);
void sb_num(sbuf *b, double v, int dec);

#endif
