/*
 * fuzz_devices.c - libFuzzer target for the "devices" parser
 * (src/server/devices.c). Each input is parsed with a fresh context; on
 * success every point is decoded and encoded through the register codec
 * (with the input's own bytes as registers); every diagnostic is
 * formatted; everything is freed, so leaks and bad lengths show under ASan.
 */
#include "devices.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[512];
    zp_ctx *ctx = zp_ctx_new();
    zs_devices d;
    if (!ctx)
        return 0;
    if (zs_devices_parse_buf(ctx, "fuzz.json", (const char *)data, size, &d) == ZP_OK) {
        uint16_t regs[2] = {0, 0};
        if (size >= 4)
            memcpy(regs, data, 4);
        volatile double sink = 0;
        for (size_t i = 0; i < d.n; i++)
            for (size_t j = 0; j < d.dev[i].npoints; j++) {
                const zs_point *p = &d.dev[i].points[j];
                double v = 0;
                uint16_t out[2];
                if (zs_point_decode(p, regs, (int)(size % 21) - 10, &v) == 0)
                    sink += v;
                if (zs_point_encode(p, v, 0, out) > 0)
                    sink += out[0];
                sink += (double)strlen(p->series);
            }
        (void)sink;
        zs_devices_free(&d);
    }
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++)
        (void)zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
    zp_ctx_free(ctx);
    return 0;
}
