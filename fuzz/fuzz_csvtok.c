/*
 * fuzz_csvtok.c - libFuzzer target for the CSV tokenizer (core/csvtok.h)
 * on its own, apart from any reader: the first byte picks the line cap
 * (1..64 bytes) and the delimiter, the rest is the text. Its lines are
 * read from memory and through a stream (the bounded block buffer that
 * drops the rest of a line over the cap), and the two must agree on every
 * line: number, too_long, content (the first cap + 1 bytes of a long
 * one). Each line is then split into fields, which must stay inside the
 * line and move forward, and unquoted. A difference or a field outside
 * its line aborts.
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include "core/csvtok.h"

#include "zeropark/zeropark.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 4096

typedef struct seen {
    size_t lineno;
    int too_long;
    size_t n;    /* bytes compared */
    size_t off;  /* offset of b in the input (memory only) */
    size_t tail; /* eol - e: the CR, or nothing */
} seen;

/* Split [b, e) into fields and check where they are. */
static void fields(const zp_csvline *ln, char delim, char *scratch)
{
    const char *p = ln->b;
    for (size_t k = 0; k < 100000; k++) {
        zp_csvfield f;
        zp_csvfield_err fe = zp__csvtok_field(p, ln->e, delim, &f);
        if (f.start != p || f.b < p || f.b > f.e || f.e > ln->e || f.next < f.e ||
            f.next > ln->e || (fe == ZP_CSVF_OK && f.next < ln->e && *f.next != delim))
            abort();
        size_t n = zp__csvtok_unquote(&f, scratch);
        size_t raw = (size_t)(f.e - f.b);
        if (n > raw || scratch[n] != '\0' || (!f.escaped && n != raw))
            abort();
        if (f.next >= ln->e)
            return;
        p = f.next + 1;
    }
    abort(); /* fields must move forward */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static seen mem[MAX_LINES];
    if (size < 1)
        return 0;
    size_t max_line = (size_t)(data[0] & 63) + 1;
    char delim = (data[0] & 64) ? ';' : ',';
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char *scratch = malloc(len + 1);
    zp_ctx *ctx = zp_ctx_new();
    if (!scratch || !ctx)
        goto out;

    zp_csvtok t;
    zp_csvline ln;
    size_t nmem = 0;
    zp__csvtok_init_buf(&t, text, len, max_line);
    while (zp__csvtok_next(&t, &ln) > 0 && nmem < MAX_LINES) {
        if (ln.b < text || ln.e < ln.b || ln.eol < ln.e || ln.eol > text + len ||
            ln.eol - ln.e > 1 || ln.lineno != nmem + 1)
            abort();
        seen *s = &mem[nmem++];
        s->lineno = ln.lineno;
        s->too_long = ln.too_long;
        s->n = ln.too_long ? max_line + 1 : (size_t)(ln.e - ln.b);
        s->off = (size_t)(ln.b - text);
        s->tail = ln.too_long ? 0 : (size_t)(ln.eol - ln.e);
        if (((size_t)(ln.e - ln.b) > max_line) != ln.too_long)
            abort();
        if (!ln.too_long)
            fields(&ln, delim, scratch);
    }
    zp__csvtok_free(&t);
    if (len == 0 || nmem == MAX_LINES)
        goto out; /* fmemopen wants a byte; very many lines: memory only */

    FILE *f = fmemopen((void *)text, len, "rb");
    if (!f)
        goto out;
    size_t i = 0;
    int got;
    zp__csvtok_init_stream(&t, ctx, f, "fuzz.csv", max_line);
    while ((got = zp__csvtok_next(&t, &ln)) > 0) {
        if (i >= nmem)
            abort();
        const seen *s = &mem[i++];
        if (ln.lineno != s->lineno || ln.too_long != s->too_long ||
            memcmp(ln.b, text + s->off, s->n) != 0 ||
            (!ln.too_long && ((size_t)(ln.e - ln.b) != s->n || (size_t)(ln.eol - ln.e) != s->tail)))
            abort();
    }
    if (got < 0 || i != nmem)
        abort();
    zp__csvtok_free(&t);
    fclose(f);
out:
    zp_ctx_free(ctx);
    free(scratch);
    return 0;
}
