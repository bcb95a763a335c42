/*
 * sbuf.c - the report's text buffer: capped, growing, with a sticky error
 * checked once at the end (SQLite's mallocFailed idea), so the writers stay
 * free of error plumbing; HTML escaping of outside text; numbers with
 * thousands separators.
 */
#include "report/sbuf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void sb_fail(sbuf *b, zp_status rc)
{
    if (b->err)
        return;
    b->err = rc;
    if (rc == ZP_ETOOBIG)
        zp__error(b->ctx, rc, "report larger than its cap of %zu bytes", b->max);
    else
        zp__nomem(b->ctx);
}

static int sb_reserve(sbuf *b, size_t extra)
{
    if (b->err)
        return 0;
    if (extra > b->max || b->len + extra > b->max) {
        sb_fail(b, ZP_ETOOBIG);
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t ncap = b->cap ? b->cap : 1 << 16;
    while (ncap < need)
        ncap *= 2;
    char *np = zp__realloc(b->ctx, b->p, ncap);
    if (!np) {
        sb_fail(b, ZP_ENOMEM);
        return 0;
    }
    b->p = np;
    b->cap = ncap;
    return 1;
}

void sb_addn(sbuf *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sb_puts(sbuf *b, const char *s) { sb_addn(b, s, strlen(s)); }

void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (!sb_reserve(b, 256))
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb_fail(b, ZP_ENOMEM);
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        /* Longer than the room there was: grow and print again. */
        if (!sb_reserve(b, (size_t)n))
            return;
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* Text from outside (model, factor files, notes): escaped for element
 * content and quoted attribute values alike. NULL writes nothing. */
void sb_esc(sbuf *b, const char *s)
{
    if (!s)
        return;
    const char *run = s;
    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        sb_addn(b, run, (size_t)(s - run));
        sb_puts(b, rep);
        run = s + 1;
    }
    sb_addn(b, run, (size_t)(s - run));
}

/* Text from outside the page's own words (model, factor files, ledger):
 * escaped, and marked as not to be translated. NULL or "" writes nothing. */
void sb_data(sbuf *b, const char *s)
{
    if (!s || !*s)
        return;
    sb_puts(b, "<span translate=\"no\">");
    sb_esc(b, s);
    sb_puts(b, "</span>");
}

/* ---- numbers and dates ---------------------------------------------------- */

/* v with dec decimals and thousands separators ("12,345.6"); NaN as an
 * en dash. buf must hold 64 bytes. Returns buf. */
char *sb_fmt_num(char *buf, double v, int dec)
{
    if (isnan(v) || isinf(v)) {
        snprintf(buf, 64, "%s", isnan(v) ? "\xE2\x80\x93" : v > 0 ? "\xE2\x88\x9E" : "-\xE2\x88\x9E");
        return buf;
    }
    if (fabs(v) >= 1e15) {
        snprintf(buf, 64, "%.4g", v);
        return buf;
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", dec, v);
    const char *s = tmp;
    char *o = buf;
    if (*s == '-') {
        /* "-0.0" rounds to zero: print it without the sign. */
        int zero = 1;
        for (const char *q = s + 1; *q; q++)
            if (*q >= '1' && *q <= '9')
                zero = 0;
        if (!zero)
            *o++ = '-';
        s++;
    }
    size_t ndig = strcspn(s, ".");
    for (size_t i = 0; i < ndig; i++) {
        *o++ = s[i];
        size_t left = ndig - 1 - i;
        if (left && left % 3 == 0)
            *o++ = ',';
    }
    snprintf(o, 64 - (size_t)(o - buf), "%s", s + ndig);
    return buf;
}

void sb_num(sbuf *b, double v, int dec)
{
    char buf[64];
    sb_puts(b, sb_fmt_num(buf, v, dec));
}
