/*
 * fuzz_tariff.c - libFuzzer target for the tariff reader (data/tariffs,
 * a tariff file, later a model's grid.tariff): the input is a tariff
 * document; one that loads is expanded to prices over two days at 15
 * minutes and asked the period of a few instants.
 */
#include <stddef.h>
#include <stdint.h>

#include "zeropark/zeropark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_tariff *t = NULL;
    if (!ctx)
        return 0;
    if (zp_tariff_load_buf(ctx, (const char *)data, size, "fuzz.json", &t) == ZP_OK) {
        double prices[192];
        /* 2024-02-28T00:00+08:00: a leap day inside, 15-minute and 37-minute steps */
        zp_time_grid g = {1709049600 - 8 * 3600, 900, 192, 480};
        (void)zp_tariff_prices(ctx, t, &g, NULL, prices);
        g.step_s = 37 * 60;
        g.count = 77;
        (void)zp_tariff_prices(ctx, t, &g, NULL, prices);
        for (int h = 0; h < 48; h += 5)
            (void)zp_tariff_period_at(t, g.start + h * 3600, 480);
        zp_tariff_free(ctx, t);
    }
    zp_ctx_free(ctx);
    return 0;
}
