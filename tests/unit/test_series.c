/*
 * test_series.c - fixed-step series: lifecycle, energy and mean,
 * resampling of each kind (with hand-computed values), energy conservation
 * over a random year, and alignment to windows including its errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "zeropark/zeropark.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 2024-01-01T00:00:00Z: 19723 days after 1970-01-01 (54*365 + 13 leap days). */
#define T2024 ((zp_time_t)1704067200)

static zp_series *make(zp_ctx *ctx, zp_series_kind kind, zp_time_t start, int32_t step,
                       const double *v, size_t n)
{
    zp_series *s = NULL;
    assert_int_equal(zp_series_new(ctx, "s", kind, start, step, n, &s), ZP_OK);
    if (n)
        memcpy(s->v, v, n * sizeof *v);
    return s;
}

static void test_lifecycle(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series *s = NULL, *d = NULL;
    assert_int_equal(zp_series_new(ctx, NULL, ZP_SERIES_POWER, T2024, 900, 4, &s), ZP_OK);
    assert_null(s->name);
    for (size_t i = 0; i < 4; i++)
        assert_true(s->v[i] == 0.0);
    assert_int_equal(zp_series_set_name(ctx, s, "pv_kw"), ZP_OK);
    assert_int_equal(zp_series_set_unit(ctx, s, "kW"), ZP_OK);
    assert_int_equal(zp_series_set_name(ctx, s, "pv2_kw"), ZP_OK);
    s->v[2] = 7.5;
    assert_int_equal(zp_series_dup(ctx, s, &d), ZP_OK);
    assert_string_equal(d->name, "pv2_kw");
    assert_string_equal(d->unit, "kW");
    assert_true(d->v[2] == 7.5);
    assert_ptr_not_equal(d->v, s->v);
    /* end = start + 4 * 900 s = start + 1 h */
    assert_int_equal(zp_series_end(d), T2024 + 3600);
    zp_series_free(ctx, d);
    zp_series_free(ctx, NULL);

    zp_series_array_free(ctx, NULL, 3);

    /* Bad step / kind. */
    zp_series *x = (zp_series *)1;
    assert_int_equal(zp_series_new(ctx, "x", ZP_SERIES_POWER, 0, 0, 1, &x), ZP_EINVAL);
    assert_null(x);
    assert_int_equal(zp_series_new(ctx, "x", (zp_series_kind)7, 0, 60, 1, &x), ZP_EINVAL);
    /* A zero-length series is valid. */
    assert_int_equal(zp_series_new(ctx, "x", ZP_SERIES_POWER, 0, 60, 0, &x), ZP_OK);
    assert_int_equal(zp_series_end(x), 0);
    zp_series_free(ctx, x);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

static void test_energy_mean(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    /* 15-min power 10, 20, NaN, 40 kW: energy = (10+20+40) * 900/3600 = 17.5 kWh;
     * mean of the non-NaN values = 70/3. */
    const double v[] = {10, 20, NAN, 40};
    zp_series *s = make(ctx, ZP_SERIES_POWER, T2024, 900, v, 4);
    assert_true(fabs(zp_series_energy(s) - 17.5) < 1e-12);
    assert_true(fabs(zp_series_mean(s) - 70.0 / 3.0) < 1e-12);
    s->v[0] = s->v[1] = s->v[3] = NAN;
    assert_true(isnan(zp_series_mean(s)));
    assert_true(zp_series_energy(s) == 0.0);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

static void test_resample_power(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series *r = NULL, *back = NULL;
    /* 15-min power [10,20,30,40] -> 1 h: time-weighted mean
     * (10+20+30+40) * 900 / 3600 = 25 kW. */
    const double v[] = {10, 20, 30, 40};
    zp_series *s = make(ctx, ZP_SERIES_POWER, T2024, 900, v, 4);
    assert_int_equal(zp_series_resample(ctx, s, 3600, &r), ZP_OK);
    assert_int_equal(r->len, 1);
    assert_int_equal(r->step_s, 3600);
    assert_int_equal(r->start, T2024);
    assert_true(r->v[0] == 25.0);
    assert_string_equal(r->name, "s");
    /* Energy: 25 kW * 1 h = 25 kWh = (10+20+30+40)/4 kWh. */
    assert_true(zp_series_energy(r) == zp_series_energy(s));
    /* Back to 5 min: the value repeats (12 intervals of 25 kW). */
    assert_int_equal(zp_series_resample(ctx, r, 300, &back), ZP_OK);
    assert_int_equal(back->len, 12);
    for (size_t i = 0; i < 12; i++)
        assert_true(back->v[i] == 25.0);
    assert_true(zp_series_energy(back) == 25.0);
    zp_series_free(ctx, back);
    zp_series_free(ctx, r);

    /* Same step: an equal copy. */
    assert_int_equal(zp_series_resample(ctx, s, 900, &r), ZP_OK);
    assert_int_equal(r->len, 4);
    assert_memory_equal(r->v, v, sizeof v);
    zp_series_free(ctx, r);

    /* A NaN makes its coarse interval NaN, not the others:
     * 5-min [1,2,3, NaN,5,6] -> 15 min [2, NaN]. */
    const double w[] = {1, 2, 3, NAN, 5, 6};
    zp_series *n = make(ctx, ZP_SERIES_POWER, T2024, 300, w, 6);
    assert_int_equal(zp_series_resample(ctx, n, 900, &r), ZP_OK);
    assert_int_equal(r->len, 2);
    assert_true(r->v[0] == 2.0);
    assert_true(isnan(r->v[1]));
    zp_series_free(ctx, r);
    zp_series_free(ctx, n);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

static void test_resample_energy_intensity(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series *r = NULL;
    /* ENERGY 15-min kWh [1,2,3,4] -> 1 h: sum = 10 kWh. */
    const double e[] = {1, 2, 3, 4};
    zp_series *s = make(ctx, ZP_SERIES_ENERGY, T2024, 900, e, 4);
    assert_int_equal(zp_series_resample(ctx, s, 3600, &r), ZP_OK);
    assert_int_equal(r->len, 1);
    assert_true(r->v[0] == 10.0);
    assert_int_equal(r->kind, ZP_SERIES_ENERGY);
    zp_series_free(ctx, s);
    /* 1 h 10 kWh -> 30 min: split evenly into 5 + 5. */
    zp_series *h = r;
    assert_int_equal(zp_series_resample(ctx, h, 1800, &r), ZP_OK);
    assert_int_equal(r->len, 2);
    assert_true(r->v[0] == 5.0 && r->v[1] == 5.0);
    zp_series_free(ctx, r);
    zp_series_free(ctx, h);

    /* INTENSITY 30-min kg/kWh [0.5, 0.7] -> 1 h: mean 0.6; -> 15 min: repeat. */
    const double g[] = {0.5, 0.7};
    s = make(ctx, ZP_SERIES_INTENSITY, T2024, 1800, g, 2);
    assert_int_equal(zp_series_resample(ctx, s, 3600, &r), ZP_OK);
    assert_true(fabs(r->v[0] - 0.6) < 1e-15);
    zp_series_free(ctx, r);
    assert_int_equal(zp_series_resample(ctx, s, 900, &r), ZP_OK);
    assert_int_equal(r->len, 4);
    assert_true(r->v[0] == 0.5 && r->v[1] == 0.5 && r->v[2] == 0.7 && r->v[3] == 0.7);
    zp_series_free(ctx, r);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

static void test_resample_errors(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series *r = (zp_series *)1;
    const double v[] = {1, 2, 3, 4, 5, 6};
    /* 900 and 1200: neither divides the other. */
    zp_series *s = make(ctx, ZP_SERIES_POWER, T2024, 900, v, 4);
    assert_int_equal(zp_series_resample(ctx, s, 1200, &r), ZP_EINVAL);
    assert_null(r);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "one step must divide the other"));
    assert_int_equal(zp_series_resample(ctx, s, 0, &r), ZP_EINVAL);
    assert_int_equal(zp_series_resample(ctx, s, -3600, &r), ZP_EINVAL);
    zp_series_free(ctx, s);
    /* Start at 00:15, not on the 1 h grid. */
    s = make(ctx, ZP_SERIES_POWER, T2024 + 900, 900, v, 4);
    assert_int_equal(zp_series_resample(ctx, s, 3600, &r), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "2024-01-01T00:15:00+00:00 is not on the 3600 s "
                                               "grid"));
    zp_series_free(ctx, s);
    /* Six 15-min values do not fill whole hours (2 left over). */
    s = make(ctx, ZP_SERIES_POWER, T2024, 900, v, 6);
    assert_int_equal(zp_series_resample(ctx, s, 3600, &r), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "(2 left over)"));
    zp_series_free(ctx, s);
    /* Before 1970 the grid still works: -3600 is on the hour. */
    s = make(ctx, ZP_SERIES_POWER, -3600, 900, v, 4);
    assert_int_equal(zp_series_resample(ctx, s, 3600, &r), ZP_OK);
    assert_true(r->v[0] == 2.5); /* (1+2+3+4)/4 */
    zp_series_free(ctx, r);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

/* xorshift64*, so the random year is the same on every platform. */
static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1DULL;
}

/* A random year of 1-min power (seed 20240101, values 0..1000 kW) keeps its
 * energy to 1e-9 relative through 1 min -> 15 min -> 1 h -> 15 min -> 1 min. */
static void test_energy_conserved_year(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const size_t n = 525600; /* 365 days * 1440 min */
    zp_series *m1 = NULL, *m15 = NULL, *h1 = NULL, *b15 = NULL, *b1 = NULL;
    assert_int_equal(zp_series_new(ctx, "p", ZP_SERIES_POWER, T2024, 60, n, &m1), ZP_OK);
    uint64_t x = 20240101;
    for (size_t i = 0; i < n; i++)
        m1->v[i] = (double)(rng_next(&x) >> 11) * 0x1.0p-53 * 1000.0;
    double e0 = zp_series_energy(m1);
    assert_int_equal(zp_series_resample(ctx, m1, 900, &m15), ZP_OK);
    assert_int_equal(zp_series_resample(ctx, m15, 3600, &h1), ZP_OK);
    assert_int_equal(h1->len, 8760);
    assert_int_equal(zp_series_resample(ctx, h1, 900, &b15), ZP_OK);
    assert_int_equal(zp_series_resample(ctx, b15, 60, &b1), ZP_OK);
    assert_int_equal(b1->len, n);
    const zp_series *all[] = {m15, h1, b15, b1};
    for (size_t i = 0; i < 4; i++)
        assert_true(fabs(zp_series_energy(all[i]) - e0) <= 1e-9 * e0);

    /* The same as ENERGY: 1-min kWh summed to hours and split back. */
    zp_series *ek = NULL, *eh = NULL, *eb = NULL;
    assert_int_equal(zp_series_dup(ctx, m1, &ek), ZP_OK);
    ek->kind = ZP_SERIES_ENERGY;
    double sum0 = 0;
    for (size_t i = 0; i < n; i++)
        sum0 += ek->v[i];
    assert_int_equal(zp_series_resample(ctx, ek, 3600, &eh), ZP_OK);
    assert_int_equal(zp_series_resample(ctx, eh, 60, &eb), ZP_OK);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < eh->len; i++)
        s1 += eh->v[i];
    for (size_t i = 0; i < eb->len; i++)
        s2 += eb->v[i];
    assert_true(fabs(s1 - sum0) <= 1e-9 * sum0);
    assert_true(fabs(s2 - sum0) <= 1e-9 * sum0);
    zp_series_free(ctx, ek);
    zp_series_free(ctx, eh);
    zp_series_free(ctx, eb);
    zp_series_free(ctx, m1);
    zp_series_free(ctx, m15);
    zp_series_free(ctx, h1);
    zp_series_free(ctx, b15);
    zp_series_free(ctx, b1);
    zp_ctx_free(ctx);
}

static void test_align(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series *r = NULL;
    /* 15-min power over 2 h from 00:00: 1..8 kW. */
    const double v[] = {1, 2, 3, 4, 5, 6, 7, 8};
    zp_series *s = make(ctx, ZP_SERIES_POWER, T2024, 900, v, 8);

    /* Cut [00:30, 01:15) at 15 min: 3, 4, 5. */
    assert_int_equal(zp_series_align(ctx, s, T2024 + 1800, 900, 3, &r), ZP_OK);
    assert_int_equal(r->start, T2024 + 1800);
    assert_int_equal(r->len, 3);
    assert_true(r->v[0] == 3 && r->v[1] == 4 && r->v[2] == 5);
    zp_series_free(ctx, r);

    /* Coarsen to 30 min from 00:15 (off the epoch 30-min grid is fine for a
     * window): (2+3)/2 = 2.5, (4+5)/2 = 4.5, (6+7)/2 = 6.5. */
    assert_int_equal(zp_series_align(ctx, s, T2024 + 900, 1800, 3, &r), ZP_OK);
    assert_true(r->v[0] == 2.5 && r->v[1] == 4.5 && r->v[2] == 6.5);
    zp_series_free(ctx, r);

    /* Refine to 5 min from 00:20 (inside the 00:15 interval, value 2):
     * 00:20 -> 2, 00:25 -> 2, 00:30 -> 3, 00:35 -> 3. */
    assert_int_equal(zp_series_align(ctx, s, T2024 + 1200, 300, 4, &r), ZP_OK);
    assert_true(r->v[0] == 2 && r->v[1] == 2 && r->v[2] == 3 && r->v[3] == 3);
    zp_series_free(ctx, r);

    /* Empty window. */
    assert_int_equal(zp_series_align(ctx, s, T2024, 3600, 0, &r), ZP_OK);
    assert_int_equal(r->len, 0);
    zp_series_free(ctx, r);

    /* Window past the end: ERANGE naming both spans. */
    assert_int_equal(zp_series_align(ctx, s, T2024 + 3600, 3600, 2, &r), ZP_ERANGE);
    assert_null(r);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "series 's' covers [2024-01-01T00:00:00+00:00, 2024-01-01T02:00:00+00:00) "
                        "but the window is [2024-01-01T01:00:00+00:00, 2024-01-01T03:00:00+00:00); "
                        "supply data for the whole window");
    /* Window before the start. */
    assert_int_equal(zp_series_align(ctx, s, T2024 - 900, 900, 2, &r), ZP_ERANGE);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "window is [2023-12-31T23:45:00+00:00"));

    /* Window start between 15-min boundaries when coarsening. */
    assert_int_equal(zp_series_align(ctx, s, T2024 + 600, 1800, 1, &r), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "not on series 's''s grid"));
    /* Steps that do not divide. */
    assert_int_equal(zp_series_align(ctx, s, T2024, 1200, 1, &r), ZP_EINVAL);

    /* A NaN inside the window: EDATA naming the interval; outside: fine. */
    s->v[5] = NAN; /* 01:15-01:30 */
    assert_int_equal(zp_series_align(ctx, s, T2024, 3600, 2, &r), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "[2024-01-01T01:00:00+00:00, "
                                               "2024-01-01T02:00:00+00:00)"));
    assert_int_equal(zp_series_align(ctx, s, T2024, 3600, 1, &r), ZP_OK);
    assert_true(r->v[0] == 2.5); /* (1+2+3+4)/4 */
    zp_series_free(ctx, r);

    /* ENERGY refining inside align splits: 15-min 8 kWh -> 5 min 8/3 each. */
    s->kind = ZP_SERIES_ENERGY;
    assert_int_equal(zp_series_align(ctx, s, T2024 + 6300, 300, 3, &r), ZP_OK);
    for (size_t i = 0; i < 3; i++)
        assert_true(fabs(r->v[i] - 8.0 / 3.0) < 1e-15);
    zp_series_free(ctx, r);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

/* ---- counters -------------------------------------------------------------- */

/* A kWh register read every 15 min from 00:00 to 03:00 (13 readings) that
 * is reset at 01:30 (160 -> 2: 160 is not in the top tenth of its range
 * 1000, so not a roll-over). The hourly energy, by hand:
 *   [00:00, 01:00): 150 - 100                          = 50
 *   [01:00, 02:00): (160-150) + 2 (from 0) + (12-2) + (30-12) = 40
 *   [02:00, 03:00): 60 - 30                            = 30
 * 120 kWh in all = (160 - 100) + (60 - 0): the register's two runs. */
static void test_counter_reset_hourly(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const double v[13] = {100, 110.5, 125, 130, 150, 160, 2, 12, 30, 40, 45, 50, 60};
    zp_series *s = make(ctx, ZP_SERIES_COUNTER, T2024, 900, v, 13);
    zp_series *h = NULL;
    zp_counter_drops d;
    assert_int_equal(zp_series_counter_diff(ctx, s, 3600, &h, &d), ZP_OK);
    assert_int_equal(h->kind, ZP_SERIES_ENERGY);
    assert_int_equal(h->start, T2024);
    assert_int_equal(h->step_s, 3600);
    assert_int_equal(h->len, 3);
    assert_true(h->v[0] == 50 && h->v[1] == 40 && h->v[2] == 30);
    assert_true(h->v[0] + h->v[1] + h->v[2] == 120);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.resets, 1);
    assert_int_equal(d.nlisted, 1);
    assert_int_equal(d.drop[0].index, 6);
    assert_int_equal(d.drop[0].at, T2024 + 90 * 60);
    assert_true(d.drop[0].before == 160 && d.drop[0].after == 2 && d.drop[0].wrap == 0);
    zp_series_free(ctx, h);

    /* resample takes the same path; at the native step the differences are
     * the 12 increments (10.5, 14.5, 5, 20, 10, 2, 10, 18, 10, 5, 5, 10) */
    assert_int_equal(zp_series_resample(ctx, s, 3600, &h), ZP_OK);
    assert_true(h->len == 3 && h->v[1] == 40);
    zp_series_free(ctx, h);
    assert_int_equal(zp_series_resample(ctx, s, 900, &h), ZP_OK);
    const double inc[12] = {10.5, 14.5, 5, 20, 10, 2, 10, 18, 10, 5, 5, 10};
    assert_int_equal(h->len, 12);
    for (int i = 0; i < 12; i++)
        assert_true(h->v[i] == inc[i]);
    zp_series_free(ctx, h);

    /* the scan finds the same drop */
    zp_counter_scan(s, &d);
    assert_true(d.count == 1 && d.drop[0].index == 6);

    /* align: the window [01:00, 03:00) needs the readings at 01:00 and 03:00 */
    assert_int_equal(zp_series_align(ctx, s, T2024 + 3600, 3600, 2, &h), ZP_OK);
    assert_true(h->kind == ZP_SERIES_ENERGY && h->v[0] == 40 && h->v[1] == 30);
    zp_series_free(ctx, h);
    /* [01:00, 04:00) would need a reading at 04:00: the last is at 03:00 */
    assert_int_equal(zp_series_align(ctx, s, T2024 + 3600, 3600, 3, &h), ZP_ERANGE);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "readings at both ends"));
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

/* A five-digit register rolling over: 99900, 99950, 99990, 40, 100 every
 * 30 min. By hand: hour 1 = 99990 - 99900 = 90; hour 2 = (40 + 100000 -
 * 99990) + (100 - 40) = 50 + 60 = 110. */
static void test_counter_rollover(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const double v[5] = {99900, 99950, 99990, 40, 100};
    zp_series *s = make(ctx, ZP_SERIES_COUNTER, T2024, 1800, v, 5), *h = NULL;
    zp_counter_drops d;
    assert_int_equal(zp_series_counter_diff(ctx, s, 3600, &h, &d), ZP_OK);
    assert_true(h->len == 2 && h->v[0] == 90 && h->v[1] == 110);
    assert_true(d.count == 1 && d.resets == 0 && d.drop[0].wrap == 100000);
    double w;
    assert_true(zp_counter_increment(99990, 40, &w) == 50 && w == 100000);
    assert_true(zp_counter_increment(5100, 4000, &w) == 4000 && w == 0); /* reset */
    assert_true(zp_counter_increment(10, 12.5, &w) == 2.5 && w == 0);
    assert_true(isnan(zp_counter_increment(NAN, 12.5, &w)));
    zp_series_free(ctx, h);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

/* Noise (docs/formats.md "Counters"): a drop of at most 0.1 % of the
 * reading before it counts 0 and the counter goes on from the higher
 * reading. Readings every 15 min from 00:00, by hand:
 *   50123.4, 50123.3 (noise: 0), 50123.5 (+0.1 from 50123.4, not +0.2),
 *   50124.0 (+0.5), 50123.9 at 01:00 (noise: 0)   hour 0 = 0.6
 *   50125.0 (+1.0 from 50124.0, not +1.1), 2 (a reset: 2), 3.5 (+1.5),
 *   4.0 at 02:00 (+0.5)                            hour 1 = 5.0
 * Hour 0 is the highest reading minus the first, 50124.0 - 50123.4; the
 * old rule counted the noise as two resets (50123.3 + 50123.9 kWh). */
static void test_counter_noise(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double w = -1;
    /* the rule, pair by pair */
    assert_true(zp_counter_increment(50123.4, 50123.3, &w) == 0 && w == 0);
    assert_true(zp_counter_is_noise(50123.4, 50123.3));
    assert_true(zp_counter_increment(1000, 999, &w) == 0);         /* 0.1 %: noise */
    assert_true(zp_counter_increment(1000, 998.9, &w) == 998.9);   /* 0.11 %: a reset */
    assert_true(zp_counter_increment(12.3, 12.2, &w) == 12.2);     /* 0.8 %: a reset */
    assert_true(zp_counter_increment(160, 2, &w) == 2 && w == 0);  /* reset, as before */
    assert_true(zp_counter_increment(99990, 40, &w) == 50 && w == 100000); /* roll-over */
    assert_false(zp_counter_is_noise(99990, 40));
    assert_false(zp_counter_is_noise(5, 6));
    assert_false(zp_counter_is_noise(NAN, 6));
    /* the running reference stays at the higher reading */
    double ref = 50123.4;
    assert_true(zp_counter_advance(&ref, 50123.3, NULL) == 0 && ref == 50123.4);
    assert_true(fabs(zp_counter_advance(&ref, 50123.5, NULL) - 0.1) < 1e-9 && ref == 50123.5);
    assert_true(zp_counter_advance(&ref, 2, &w) == 2 && w == 0 && ref == 2);
    ref = NAN;
    assert_true(isnan(zp_counter_advance(&ref, 7, NULL)) && ref == 7);

    const double v[9] = {50123.4, 50123.3, 50123.5, 50124.0, 50123.9, 50125.0, 2, 3.5, 4.0};
    zp_series *s = make(ctx, ZP_SERIES_COUNTER, T2024, 900, v, 9), *h = NULL;
    zp_counter_drops d;
    assert_int_equal(zp_series_counter_diff(ctx, s, 3600, &h, &d), ZP_OK);
    assert_int_equal(h->len, 2);
    assert_true(fabs(h->v[0] - 0.6) < 1e-9);
    assert_true(fabs(h->v[1] - 5.0) < 1e-9);
    /* only the reset is a drop, from the higher reading 50125.0 */
    assert_true(d.count == 1 && d.resets == 1 && d.nlisted == 1 && d.drop[0].index == 6);
    assert_true(d.drop[0].before == 50125.0 && d.drop[0].after == 2);
    zp_series_free(ctx, h);
    /* at the native step: 0, 0.1, 0.5, 0, 1.0, 2, 1.5, 0.5 */
    const double inc[8] = {0, 0.1, 0.5, 0, 1.0, 2, 1.5, 0.5};
    assert_int_equal(zp_series_counter_diff(ctx, s, 900, &h, NULL), ZP_OK);
    for (int i = 0; i < 8; i++)
        assert_true(fabs(h->v[i] - inc[i]) < 1e-9);
    zp_series_free(ctx, h);
    /* refined to 5 min: 01:00-01:15 is 1.0 / 3 each (from 50124.0, the
     * reading before the 01:00 noise) */
    assert_int_equal(zp_series_counter_diff(ctx, s, 300, &h, NULL), ZP_OK);
    assert_int_equal(h->len, 24);
    assert_true(fabs(h->v[12] - 1.0 / 3) < 1e-9 && fabs(h->v[14] - 1.0 / 3) < 1e-9);
    zp_series_free(ctx, h);
    /* a window from 01:00 goes on from 50124.0 too: [01:00, 02:00) = 5.0 */
    assert_int_equal(zp_series_align(ctx, s, T2024 + 3600, 3600, 1, &h), ZP_OK);
    assert_true(fabs(h->v[0] - 5.0) < 1e-9);
    zp_series_free(ctx, h);
    zp_counter_scan(s, &d);
    assert_true(d.count == 1 && d.drop[0].index == 6);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

/* Missing readings: a missing reading inside an interval loses nothing
 * (the increments add up: 0 -> 20 over a missing 10 is 20), a missing
 * reading at an interval's end makes it NaN. Refining splits an interval
 * evenly and counts its drop once. */
static void test_counter_gaps_and_refine(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const double a[5] = {0, NAN, 20, 30, 40};
    zp_series *s = make(ctx, ZP_SERIES_COUNTER, T2024, 900, a, 5), *h = NULL;
    assert_int_equal(zp_series_counter_diff(ctx, s, 1800, &h, NULL), ZP_OK);
    assert_true(h->len == 2 && h->v[0] == 20 && h->v[1] == 20);
    zp_series_free(ctx, h);
    zp_series_free(ctx, s);
    const double b[5] = {0, 10, NAN, 30, 40};
    s = make(ctx, ZP_SERIES_COUNTER, T2024, 900, b, 5);
    assert_int_equal(zp_series_counter_diff(ctx, s, 1800, &h, NULL), ZP_OK);
    assert_true(isnan(h->v[0]) && isnan(h->v[1]));
    zp_series_free(ctx, h);
    zp_series_free(ctx, s);

    /* hourly 0, 60, 20 (a reset): 15-min values 15 x4, then 20/4 = 5 x4 */
    const double c[3] = {0, 60, 20};
    s = make(ctx, ZP_SERIES_COUNTER, T2024, 3600, c, 3);
    zp_counter_drops d;
    assert_int_equal(zp_series_counter_diff(ctx, s, 900, &h, &d), ZP_OK);
    assert_int_equal(h->len, 8);
    for (int i = 0; i < 8; i++)
        assert_true(h->v[i] == (i < 4 ? 15.0 : 5.0));
    assert_int_equal(d.count, 1);
    zp_series_free(ctx, h);
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

/* What cannot be differenced says why. */
static void test_counter_errors(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series *h = (zp_series *)1;
    const double v[6] = {1, 2, 3, 4, 5, 6};
    /* six readings bound five 15-min intervals: not whole hours (1 left over) */
    zp_series *s = make(ctx, ZP_SERIES_COUNTER, T2024, 900, v, 6);
    assert_int_equal(zp_series_counter_diff(ctx, s, 3600, &h, NULL), ZP_EINVAL);
    assert_null(h);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "bound 5 intervals, which do not fill whole 3600 s "
                                               "intervals (1 left over)"));
    zp_series_free(ctx, s);
    s = make(ctx, ZP_SERIES_COUNTER, T2024 + 900, 900, v, 5);
    assert_int_equal(zp_series_counter_diff(ctx, s, 3600, &h, NULL), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "first reading 2024-01-01T00:15:00+00:00 is not on "
                                               "the 3600 s grid"));
    zp_series_free(ctx, s);
    s = make(ctx, ZP_SERIES_COUNTER, T2024, 900, v, 1);
    assert_int_equal(zp_series_counter_diff(ctx, s, 900, &h, NULL), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "has 1 reading; differences need at least two"));
    zp_series_free(ctx, s);
    s = make(ctx, ZP_SERIES_ENERGY, T2024, 900, v, 4);
    assert_int_equal(zp_series_counter_diff(ctx, s, 900, &h, NULL), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "is not a counter (its kind is energy)"));
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

/* The naming rule every front end shares. */
static void test_kind_from_name(void **state)
{
    (void)state;
    const char *u = "x";
    assert_int_equal(zp_series_kind_from_name("grid_import_kwh_total", &u), ZP_SERIES_COUNTER);
    assert_string_equal(u, "kWh");
    assert_int_equal(zp_series_kind_from_name("water.cooling_m3_total", &u), ZP_SERIES_COUNTER);
    assert_string_equal(u, "m3");
    assert_int_equal(zp_series_kind_from_name("pulses_total", &u), ZP_SERIES_COUNTER);
    assert_null(u);
    assert_int_equal(zp_series_kind_from_name("pv_kwh", &u), ZP_SERIES_ENERGY);
    assert_string_equal(u, "kWh");
    assert_int_equal(zp_series_kind_from_name("load_kw", &u), ZP_SERIES_POWER);
    assert_int_equal(zp_series_kind_from_name("grid_factor_kg_per_kwh", &u), ZP_SERIES_INTENSITY);
    assert_string_equal(u, "kg/kWh");
    assert_int_equal(zp_series_kind_from_name("outdoor_c", &u), ZP_SERIES_INTENSITY);
    assert_string_equal(u, "degC");
    assert_int_equal(zp_series_kind_from_name("_total", &u), ZP_SERIES_INTENSITY);
    assert_null(u);
    assert_true(zp_series_name_is_counter("a_total") && !zp_series_name_is_counter("a_totals"));
    zp_series_kind k;
    assert_int_equal(zp_series_kind_parse("counter", &k), 0);
    assert_int_equal(k, ZP_SERIES_COUNTER);
    assert_int_equal(zp_series_kind_parse("Counter", &k), -1);
    assert_string_equal(zp_series_kind_name(ZP_SERIES_INTENSITY), "intensity");
    assert_null(zp_series_kind_name((zp_series_kind)9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_energy_mean),
        cmocka_unit_test(test_resample_power),
        cmocka_unit_test(test_resample_energy_intensity),
        cmocka_unit_test(test_resample_errors),
        cmocka_unit_test(test_energy_conserved_year),
        cmocka_unit_test(test_align),
        cmocka_unit_test(test_counter_reset_hourly),
        cmocka_unit_test(test_counter_rollover),
        cmocka_unit_test(test_counter_noise),
        cmocka_unit_test(test_counter_gaps_and_refine),
        cmocka_unit_test(test_counter_errors),
        cmocka_unit_test(test_kind_from_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
