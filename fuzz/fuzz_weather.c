/*
 * fuzz_weather.c - libFuzzer target for the NREL TMY3 reader
 * (zp_weather_read_tmy3_buf). Each input is parsed with a fresh context;
 * a successful parse is walked so a bad length or pointer shows up under
 * ASan, and everything is freed (leaks are bugs).
 */
#include "zeropark/weather.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return 0;
    zp_weather_data *w = NULL;
    if (zp_weather_read_tmy3_buf(ctx, (const char *)data, size, "fuzz.tmy3", &w) == ZP_OK) {
        double kwh[12], s = 0;
        zp_weather_monthly_ghi(w, w->utc_offset_min, kwh);
        for (size_t i = 0; i < w->len; i++)
            s += w->dni_w_m2[i] + w->dhi_w_m2[i] + w->temp_air_c[i] +
                 (w->wind_speed_m_s ? w->wind_speed_m_s[i] : 0) +
                 (w->pressure_hpa ? w->pressure_hpa[i] : 0);
        (void)s;
    }
    zp_weather_free(ctx, w);
    zp_ctx_free(ctx);
    return 0;
}
