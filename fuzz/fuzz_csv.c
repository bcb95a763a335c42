/*
 * fuzz_csv.c - libFuzzer target for the CSV reader: every input is read
 * with a fresh context, once with the defaults and once with a small line
 * cap, a ';' delimiter, a default offset and one named column, so the
 * option paths are fuzzed too. Everything is freed (leaks are bugs).
 */
#include "zeropark/zeropark.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return 0;
    zp_series **s = NULL;
    size_t n = 0;
    zp_csv_opts o;
    zp_csv_opts_init(&o);
    if (zp_csv_read_buf(ctx, (const char *)data, size, "fuzz.csv", &o, &s, &n) == ZP_OK) {
        /* Touch the result so a bad length or pointer shows up under ASan. */
        for (size_t i = 0; i < n; i++)
            (void)zp_series_energy(s[i]);
    }
    zp_series_array_free(ctx, s, n);

    static const char *const cols[] = {"pv_kw"};
    o.columns = cols;
    o.ncolumns = 1;
    o.delimiter = ';';
    o.max_line_bytes = 64;
    o.max_diags = 3;
    o.default_offset_min = 480;
    o.kind = ZP_SERIES_ENERGY;
    s = NULL;
    n = 0;
    zp_csv_read_buf(ctx, (const char *)data, size, NULL, &o, &s, &n);
    zp_series_array_free(ctx, s, n);
    zp_ctx_free(ctx);
    return 0;
}
