/*
 * csvtok.c - the one CSV tokenizer (core/csvtok.h): the fields of a line
 * and the UTF-8 checks of CSV text.
 */
#include "core/csvtok.h"

#include "core/internal.h"

#include <string.h>

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
