/*
 * fuzz_csv.c - libFuzzer target for the CSV reader: every input is read
 * with a fresh context, once with the defaults and once with a small line
 * cap, a ';' delimiter, a default offset and one named column, so the
 * option paths are fuzzed too. Each read is done twice, from memory and
 * through a stream (the reader that refills a bounded buffer), and the two
 * must agree exactly (status, message, values): a difference aborts. The
 * columns read are then taken as counters and differenced, so the counter
 * code is fuzzed as well. Everything is freed (leaks are bugs).
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include "zeropark/zeropark.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read data from memory and through a stream with the same options; abort
 * when they differ. Returns the status; *s and *n hold the series read
 * from memory. */
static zp_status read_both(zp_ctx *ctx, const uint8_t *data, size_t size, const char *fname,
                           const zp_csv_opts *o, zp_series ***s, size_t *n)
{
    zp_status rc = zp_csv_read_buf(ctx, (const char *)data, size, fname, o, s, n);
    char msg[2048];
    snprintf(msg, sizeof msg, "%s", rc ? zp_ctx_errmsg(ctx) : "");
    zp_ctx_diag_clear(ctx);
    if (size == 0)
        return rc; /* fmemopen wants at least a byte */
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return rc;
    zp_series **t = NULL;
    size_t m = 0;
    zp_status rc2 = zp_csv_read_stream(ctx, f, fname, o, &t, &m);
    fclose(f);
    if (rc2 != ZP_ENOMEM) {
        if (rc2 != rc || (rc && strcmp(msg, zp_ctx_errmsg(ctx)) != 0) || m != *n)
            abort();
        for (size_t i = 0; i < m; i++)
            if ((*s)[i]->len != t[i]->len || (*s)[i]->start != t[i]->start ||
                (*s)[i]->step_s != t[i]->step_s ||
                memcmp((*s)[i]->v, t[i]->v, t[i]->len * sizeof(double)) != 0 ||
                strcmp((*s)[i]->name, t[i]->name) != 0)
                abort();
    }
    zp_series_array_free(ctx, t, m);
    zp_ctx_diag_clear(ctx);
    return rc;
}

/* The columns as counters: scan and difference at the native step and at
 * twice it (the errors for a length that does not fit are expected). */
static void as_counters(zp_ctx *ctx, zp_series **s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s[i]->kind = ZP_SERIES_COUNTER;
        zp_counter_drops d;
        zp_counter_scan(s[i], &d);
        if (d.nlisted > d.count || d.resets > d.count || d.nlisted > ZP_COUNTER_DROPS_LISTED)
            abort();
        for (int32_t k = 1; k <= 2; k++) {
            zp_series *r = NULL;
            if (zp_series_counter_diff(ctx, s[i], s[i]->step_s * k, &r, &d) == ZP_OK)
                (void)zp_series_energy(r);
            zp_series_free(ctx, r);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return 0;
    zp_series **s = NULL;
    size_t n = 0;
    zp_csv_opts o;
    zp_csv_opts_init(&o);
    if (read_both(ctx, data, size, "fuzz.csv", &o, &s, &n) == ZP_OK) {
        /* Touch the result so a bad length or pointer shows up under ASan. */
        for (size_t i = 0; i < n; i++)
            (void)zp_series_energy(s[i]);
        as_counters(ctx, s, n);
    }
    zp_series_array_free(ctx, s, n);

    static const char *const cols[] = {"pv_kw"};
    o.columns = cols;
    o.ncolumns = 1;
    o.delimiter = ';';
    o.max_line_bytes = 64;
    o.max_line_option = "--max-line-bytes";
    o.max_diags = 3;
    o.default_offset_min = 480;
    o.kind = ZP_SERIES_ENERGY;
    s = NULL;
    n = 0;
    read_both(ctx, data, size, NULL, &o, &s, &n);
    zp_series_array_free(ctx, s, n);
    zp_ctx_free(ctx);
    return 0;
}
