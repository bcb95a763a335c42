/*
 * fuzz_model.c - libFuzzer target for the park model loader. Each input
 * is loaded with a fresh context and ZP_MODEL_NO_SERIES (no file is ever
 * touched), every diagnostic is formatted, and everything is freed, so
 * leaks and bad lengths show up under ASan. The position indexer is also
 * run on the raw bytes: the loader only gives it text jansson accepted,
 * but it promises to be safe on anything.
 */
#include "zeropark/zeropark.h"

#include "../src/lib/core/jsonpos.h" /* internal; the fuzz build has no src/lib include path */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[512];
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return 0;
    zp_model *m = NULL;
    if (zp_model_load_buf(ctx, (const char *)data, size, "fuzz.json", NULL, ZP_MODEL_NO_SERIES,
                          &m) == ZP_OK) {
        /* Touch what a consumer would read. */
        volatile double sink = 0;
        for (size_t i = 0; i < m->npv; i++)
            sink += m->pv[i].capacity_kwp;
        for (size_t i = 0; i < m->nwind; i++)
            for (size_t k = 0; k < m->wind[i].power_curve_len; k++)
                sink += m->wind[i].power_curve[k][1];
        for (size_t i = 0; i < m->nloads; i++)
            sink += zp_value_at(&m->loads[i].power_kw, 0);
        (void)sink;
    }
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++)
        (void)zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
    zp_model_free(ctx, m);

    zp_jsonpos *jp = NULL;
    if (zp__jsonpos_build(ctx, (const char *)data, size, &jp) == ZP_OK) {
        zp_jsonpos_loc loc;
        (void)zp__jsonpos_find(jp, "pv[0].tilt_deg", &loc);
        (void)zp__jsonpos_find(jp, "", &loc);
    }
    zp__jsonpos_free(ctx, jp);
    zp_ctx_free(ctx);
    return 0;
}
