/*
 * bench_solar.c - solar-position speed: the full SPA (zp_spa_calc, zenith
 * and azimuth only) over many instants, and the batch form (zp_spa_series)
 * over a year at 1-minute steps (525,600 instants), at the paper's example
 * site. Then the largest difference between the two over that year while
 * the sun is up. Prints one JSON line per measure; the best of a few runs
 * is reported so a noisy machine does not hide a regression behind a
 * lucky one. The target: >= 2 million evaluations/s on one core.
 *
 * Build: cmake --build build --target bench_solar
 * Run:   ./bench_solar [runs]
 */
#include "zeropark/solar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define STEPS 525600 /* a year of minutes */
#define FULL_N 200000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void site(zp_spa_input *in)
{
    zp_spa_input_init(in);
    in->lat_deg = 39.742476;
    in->lon_deg = -105.1786;
    in->elevation_m = 1830.14;
    in->pressure_hpa = 820;
    in->temperature_c = 11;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1)
        runs = 1;
    const zp_time_t start = 1704067200; /* 2024-01-01T00:00:00Z */
    zp_ctx *ctx = zp_ctx_new();
    double *z = malloc(STEPS * sizeof *z), *a = malloc(STEPS * sizeof *a);
    if (!ctx || !z || !a)
        return 1;
    zp_spa_input in;
    site(&in);
    volatile double sink = 0;

    /* Full algorithm: instants 157 s apart, so they cover every hour. */
    double best = INFINITY;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        for (int i = 0; i < FULL_N; i++) {
            zp_spa_result res;
            in.t = start + (zp_time_t)i * 157;
            if (zp_spa_calc(ctx, &in, ZP_SPA_ZA, &res) != ZP_OK) {
                fprintf(stderr, "bench_solar: %s\n", zp_ctx_errmsg(ctx));
                return 1;
            }
            sink += res.zenith_deg;
        }
        best = fmin(best, now_s() - t0);
    }
    printf("{\"bench\":\"spa_full\",\"value\":%.0f,\"unit\":\"evaluations/s\"}\n", FULL_N / best);

    best = INFINITY;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        if (zp_spa_series(ctx, &in, start, 60, STEPS, z, a) != ZP_OK) {
            fprintf(stderr, "bench_solar: %s\n", zp_ctx_errmsg(ctx));
            return 1;
        }
        best = fmin(best, now_s() - t0);
        sink += z[STEPS / 2];
    }
    printf("{\"bench\":\"spa_series\",\"value\":%.0f,\"unit\":\"evaluations/s\"}\n", STEPS / best);

    /* Agreement with the full algorithm at every minute of the year while
     * the sun is up; azimuth away from the zenith, where it is defined. */
    double max_z = 0, max_a = 0;
    for (size_t i = 0; i < STEPS; i++) {
        zp_spa_result res;
        in.t = start + (zp_time_t)i * 60;
        if (zp_spa_calc(ctx, &in, ZP_SPA_ZA, &res) != ZP_OK)
            return 1;
        if (res.zenith_deg >= 90.0)
            continue;
        max_z = fmax(max_z, fabs(z[i] - res.zenith_deg));
        double da = fabs(a[i] - res.azimuth_deg);
        da = fmin(da, 360.0 - da);
        if (res.zenith_deg > 1.0)
            max_a = fmax(max_a, da);
    }
    printf("{\"bench\":\"spa_series_max_err\",\"value\":%.3g,\"unit\":\"deg\"}\n", fmax(max_z, max_a));
    fprintf(stderr, "bench_solar: max |zenith| diff %.3g deg, max |azimuth| diff %.3g deg\n", max_z,
            max_a);
    (void)sink;
    free(z);
    free(a);
    zp_ctx_free(ctx);
    return 0;
}
