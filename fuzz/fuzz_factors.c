/*
 * fuzz_factors.c - libFuzzer target for the emission-factor table parser
 * (the CSV files in data/factors, or a directory given with "factor_set"). The first
 * byte picks the table (grid, fuels, heat, gwp, power_coal); the rest is
 * its CSV text.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"
#include "zeropark/zeropark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return 0;
    (void)zp__factor_table_parse(ctx, data[0], (const char *)data + 1, size - 1);
    zp_ctx_free(ctx);
    return 0;
}
