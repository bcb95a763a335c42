/*
 * csvtok.c - the one CSV tokenizer (core/csvtok.h): lines from memory or
 * a stream with a cap, the fields of a line and the UTF-8 checks of CSV
 * text.
 */
#include "core/csvtok.h"

#include "core/internal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* ---- lines ---------------------------------------------------------------- */

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

void zp__csvtok_init_buf(zp_csvtok *t, const char *buf, size_t len, size_t max_line)
{
    memset(t, 0, sizeof *t);
    t->data = buf ? buf : ""; /* (NULL, 0) is an empty input; NULL + 0 is not valid C */
    t->len = buf ? len : 0;
    t->max_line = max_line;
    t->first = true;
    t->eof = true;
}

void zp__csvtok_init_stream(zp_csvtok *t, zp_ctx *ctx, FILE *f, const char *fname,
                            size_t max_line)
{
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    t->fname = fname;
    t->f = f;
    t->data = "";
    t->max_line = max_line;
    t->first = true;
}

void zp__csvtok_free(zp_csvtok *t)
{
    if (t->own)
        zp__free(t->ctx, t->own);
    t->own = NULL;
    t->data = "";
    t->len = t->pos = t->cap = 0;
}

/* The line [b, eol) (eol at its LF or the end of the input). */
static void line_at(zp_csvtok *t, const char *b, const char *eol, zp_csvline *ln)
{
    if (t->first && eol - b >= 3 && memcmp(b, bom, 3) == 0)
        b += 3;
    t->first = false;
    const char *e = eol;
    if (e > b && e[-1] == '\r')
        e--;
    ln->b = b;
    ln->e = e;
    ln->eol = eol;
    ln->lineno = ++t->lineno;
    ln->too_long = (size_t)(e - b) > t->max_line;
}

/* More of the stream into the block buffer: keep the unread part, grow
 * the buffer as far as a line needs (the longest line that can be
 * accepted, raw, with its CR and a BOM, and a block more), read. */
static int refill(zp_csvtok *t)
{
    if (t->pos > 0) {
        memmove(t->own, t->own + t->pos, t->len - t->pos);
        t->len -= t->pos;
        t->pos = 0;
    }
    const size_t most = t->max_line + 4 + ZP_CSVTOK_BLOCK;
    if (t->cap - t->len < ZP_CSVTOK_BLOCK / 4 && t->cap < most) {
        size_t ncap = t->cap ? t->cap * 2 : ZP_CSVTOK_BLOCK * 4;
        if (ncap > most || ncap < t->cap)
            ncap = most;
        char *nb = zp__realloc(t->ctx, t->own, ncap);
        if (!nb) {
            t->rc = zp__nomem(t->ctx);
            return -1;
        }
        t->own = nb;
        t->cap = ncap;
    }
    t->data = t->own;
    size_t n = fread(t->own + t->len, 1, t->cap - t->len, t->f);
    if (n == 0) {
        if (ferror(t->f)) {
            t->rc = zp__error(t->ctx, ZP_EIO, "cannot read %s: %s", t->fname, strerror(errno));
            return -1;
        }
        t->eof = true;
    }
    t->len += n;
    t->total += n;
    if (t->total > ZP_CSVTOK_MAX_BYTES) {
        t->rc = zp__error(t->ctx, ZP_ETOOBIG, "%s is larger than 2 GiB; CSV files are limited "
                          "to 2 GiB, split it by time", t->fname);
        return -1;
    }
    return 0;
}

int zp__csvtok_next_slow(zp_csvtok *t, zp_csvline *ln)
{
    for (;;) {
        if (t->rc)
            return -1;
        const char *p = t->data + t->pos, *end = t->data + t->len;
        if (t->skip) {
            /* the rest of a line refused as too long */
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            t->pos = nl ? (size_t)(nl - t->data) + 1 : t->len;
            t->skip = !nl;
            if (t->skip && t->eof)
                return 0;
        } else if (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (nl) {
                line_at(t, p, nl, ln);
                t->pos = (size_t)(nl - t->data) + 1;
                return 1;
            }
            if (t->eof) {
                t->pos = t->len;
                if (t->first && end - p == 3 && memcmp(p, bom, 3) == 0)
                    return 0; /* a BOM and nothing else: no line */
                line_at(t, p, end, ln);
                return 1;
            }
            /* a line without its end yet: refuse it once it cannot fit */
            if ((size_t)(end - p) > t->max_line + 1 + (t->first ? 3 : 0)) {
                line_at(t, p, end, ln);
                ln->too_long = true;
                t->pos = t->len;
                t->skip = true;
                return 1;
            }
        } else if (t->eof) {
            return 0;
        }
        if (!t->f || t->eof)
            return 0;
        if (refill(t))
            return -1;
    }
}

int zp__csvtok_col(const char *line, const char *at)
{
    /* a column past INT_MAX (a 2 GiB line) is left out rather than wrapped */
    return at && at - line < INT_MAX ? (int)(at - line) + 1 : 0;
}

const char *zp__csvtok_bare_cr(const char *b, size_t n) { return memchr(b, '\r', n); }

/* ---- fields --------------------------------------------------------------- */

static bool is_space(char c, char delim)
{
    return (c == ' ' || c == '\t') && c != delim;
}

zp_csvfield_err zp__csvtok_field(const char *p, const char *e, char delim, zp_csvfield *f)
{
    f->start = p;
    f->quoted = f->escaped = false;
    while (p < e && is_space(*p, delim))
        p++;
    if (p < e && *p == '"') {
        const char *q = ++p;
        for (;;) {
            if (q >= e) {
                f->b = p;
                f->e = f->next = e;
                return ZP_CSVF_UNTERMINATED;
            }
            if (*q == '"') {
                if (q + 1 < e && q[1] == '"') {
                    f->escaped = true;
                    q += 2;
                    continue;
                }
                break;
            }
            q++;
        }
        f->b = p;
        f->e = q;
        f->quoted = true;
        q++;
        while (q < e && is_space(*q, delim))
            q++;
        f->next = q;
        if (q < e && *q != delim) {
            /* Point next at the real end so the caller can go on. */
            while (q < e && *q != delim)
                q++;
            f->next = q;
            return ZP_CSVF_AFTER_QUOTE;
        }
        return ZP_CSVF_OK;
    }
    const char *q = p;
    while (q < e && *q != delim)
        q++;
    f->next = q;
    while (q > p && is_space(q[-1], delim))
        q--;
    f->b = p;
    f->e = q;
    return ZP_CSVF_OK;
}

size_t zp__csvtok_unquote(const zp_csvfield *f, char *dst)
{
    size_t j = 0;
    for (const char *p = f->b; p < f->e; p++) {
        dst[j++] = *p;
        if (f->escaped && *p == '"' && p + 1 < f->e && p[1] == '"')
            p++;
    }
    dst[j] = '\0';
    return j;
}

/* ---- text ---------------------------------------------------------------- */

/* Length of the UTF-8 sequence at p (n > 0 bytes left), or 0 when the
 * bytes there are not UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) ||
        (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
        return 0;
    return len;
}

size_t zp__name_check(const char *s, size_t n, const char **what)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i);
        if (k == 0) {
            *what = "a byte that is not UTF-8";
            return i;
        }
        /* C0 controls, DEL and the C1 controls U+0080..U+009F */
        if ((k == 1 && (u[i] < 0x20 || u[i] == 0x7f)) || (k == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0)) {
            *what = "a control character";
            return i;
        }
        i += k;
    }
    *what = NULL;
    return n;
}

size_t zp__show(char *dst, size_t cap, const char *p, size_t n, size_t max)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t j = 0, i = 0;
    if (cap < 5) {
        if (cap)
            dst[0] = '\0';
        return 0;
    }
    if (max > cap - 4)
        max = cap - 4;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i);
        size_t w = k ? k : 1;
        if (j + w > max)
            break;
        if (k == 0 || (k == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
            (k == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0)) {
            dst[j++] = '?'; /* a message is always one line of UTF-8 */
        } else {
            memcpy(dst + j, p + i, k);
            j += k;
        }
        i += w;
    }
    if (i < n) {
        memcpy(dst + j, "...", 3);
        j += 3;
    }
    dst[j] = '\0';
    return j;
}
