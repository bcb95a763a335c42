/*
 * test_forecast.c - forecasts: hand-computed persistence, similar-day,
 * clear-sky index and noise cases; no look-ahead; the bundle; clear-sky PV
 * against the simulated PV of the example parks; skill on the campus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zeropark/zeropark.h"
#include "zeropark/forecast.h"

#define DAY 24
#define WEEK (7 * DAY)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void test_method_names(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    for (int m = 0; m < ZP_FORECAST_METHOD_LAST; m++) {
        zp_forecast_method back;
        assert_int_equal(zp_forecast_method_parse(ctx, zp_forecast_method_name(m), &back), ZP_OK);
        assert_int_equal(back, m);
    }
    zp_forecast_method back;
    assert_int_equal(zp_forecast_method_parse(ctx, "crystal-ball", &back), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "similar-day"));
    assert_null(zp_forecast_method_name(ZP_FORECAST_METHOD_LAST));
    zp_ctx_free(ctx);
}

static void test_persistence(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const double x[] = {1, 2, 3, 4, 5};
    double out[4];
    assert_int_equal(zp_forecast_persistence(ctx, x, 3, 4, out), ZP_OK);
    for (int k = 0; k < 4; k++)
        assert_near(out[k], 3.0, 0);
    /* Start-up: the present reading. */
    assert_int_equal(zp_forecast_persistence(ctx, x, 0, 2, out), ZP_OK);
    assert_near(out[0], 1.0, 0);
    assert_near(out[1], 1.0, 0);
    assert_int_equal(zp_forecast_persistence(ctx, NULL, 1, 2, out), ZP_EINVAL);
    zp_ctx_free(ctx);
}

/* A weekly pattern repeated for six weeks is recovered exactly from any
 * origin with at least one week of history. */
static void test_similar_day_weekly_pattern(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    enum { N = 6 * WEEK };
    static double x[N];
    double p[WEEK];
    test_rng_state = 42;
    for (int i = 0; i < WEEK; i++)
        p[i] = 100.0 + 50.0 * test_rnd() + (i / DAY >= 5 ? -40.0 : 0.0); /* weekend dip */
    for (int t = 0; t < N; t++)
        x[t] = p[t % WEEK];
    double out[48];
    const size_t origins[] = {WEEK, WEEK + 7, 2 * WEEK + 13, 5 * WEEK - 48};
    for (size_t o = 0; o < NELEM(origins); o++) {
        size_t at = origins[o];
        assert_int_equal(zp_forecast_similar_day(ctx, x, at, 48, 3600, 4, out), ZP_OK);
        for (size_t k = 0; k < 48; k++)
            assert_near(out[k], p[(at + k) % WEEK], 1e-12);
    }
    zp_ctx_free(ctx);
}

/* Hand-computed means and fallbacks on x[t] = t and on weekly steps. */
static void test_similar_day_fallbacks(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    enum { N = 6 * WEEK };
    static double x[N];
    double out[3];
    for (int t = 0; t < N; t++)
        x[t] = t;
    /* Less than a day of history: persistence, x[9]. */
    assert_int_equal(zp_forecast_similar_day(ctx, x, 10, 3, 3600, 4, out), ZP_OK);
    assert_near(out[0], 9, 0);
    assert_near(out[2], 9, 0);
    /* Less than a week: yesterday, x[j - 24]. */
    assert_int_equal(zp_forecast_similar_day(ctx, x, 30, 3, 3600, 4, out), ZP_OK);
    assert_near(out[0], 6, 0);
    assert_near(out[1], 7, 0);
    assert_near(out[2], 8, 0);
    /* Two weeks: j = 341, mean of x[173] and x[5] = 89. */
    assert_int_equal(zp_forecast_similar_day(ctx, x, 2 * WEEK + 5, 1, 3600, 4, out), ZP_OK);
    assert_near(out[0], 89, 1e-12);
    /* Week w holds 10 w: from the start of week 5 the mean of weeks 1..4
     * is 25; with weeks = 2 it is (40 + 30) / 2. */
    for (int t = 0; t < N; t++)
        x[t] = 10.0 * (t / WEEK);
    assert_int_equal(zp_forecast_similar_day(ctx, x, 5 * WEEK, 3, 3600, 4, out), ZP_OK);
    assert_near(out[0], 25, 1e-12);
    assert_near(out[2], 25, 1e-12);
    assert_int_equal(zp_forecast_similar_day(ctx, x, 5 * WEEK, 1, 3600, 2, out), ZP_OK);
    assert_near(out[0], 35, 1e-12);
    /* 15-minute steps: a week is 672 steps. */
    assert_int_equal(zp_forecast_similar_day(ctx, x, 672 + 1, 1, 900, 1, out), ZP_OK);
    assert_near(out[0], x[1], 0);
    assert_int_equal(zp_forecast_similar_day(ctx, x, 10, 1, 7000, 1, out), ZP_EINVAL);
    zp_ctx_free(ctx);
}

/* A synthetic clear sky: a half sine from 06:00 to 18:00, 1000 kW peak. */
static double clear_shape(size_t t)
{
    double h = (double)(t % DAY) + 0.5;
    return h > 6 && h < 18 ? 1000.0 * sin((h - 6) / 12 * 3.14159265358979323846) : 0.0;
}

static void test_clearsky_index(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    enum { N = 5 * DAY };
    double cs[N], x[N], out[48], csi;
    for (size_t t = 0; t < N; t++) {
        cs[t] = clear_shape(t);
        x[t] = 0.6 * cs[t];
    }
    /* Origins at noon, in the early morning (the window reaches back into
     * yesterday afternoon) and at midnight. */
    const size_t origins[] = {2 * DAY + 12, 2 * DAY + 7, 3 * DAY};
    for (size_t o = 0; o < NELEM(origins); o++) {
        size_t at = origins[o];
        assert_int_equal(zp_forecast_clearsky_index(ctx, x, cs, at, 48, 3600, 3, 1.2, out, &csi), ZP_OK);
        assert_near(csi, 0.6, 1e-12);
        for (size_t k = 0; k < 48; k++) {
            assert_near(out[k], 0.6 * cs[at + k], 1e-9);
            if (cs[at + k] == 0)
                assert_true(out[k] == 0.0); /* 0 at night */
        }
    }
    /* The window is the last 3 daylight steps: 0.2 then 0.8 of clear sky
     * gives the ratio of sums over the last three only. */
    for (size_t t = 0; t < N; t++)
        x[t] = 0.2 * cs[t];
    size_t at = 2 * DAY + 12;
    for (size_t t = at - 3; t < at; t++)
        x[t] = 0.8 * cs[t];
    assert_int_equal(zp_forecast_clearsky_index(ctx, x, cs, at, 1, 3600, 3, 1.2, out, &csi), ZP_OK);
    assert_near(csi, 0.8, 1e-12);
    /* Clipped to 1.2 (cloud enhancement does not last) and to 0. */
    for (size_t t = 0; t < N; t++)
        x[t] = 2.0 * cs[t];
    assert_int_equal(zp_forecast_clearsky_index(ctx, x, cs, at, 1, 3600, 3, 1.2, out, &csi), ZP_OK);
    assert_near(csi, 1.2, 0);
    /* No daylight known yet: clear sky assumed. */
    assert_int_equal(zp_forecast_clearsky_index(ctx, x, cs, 3, 10, 3600, 3, 1.2, out, &csi), ZP_OK);
    assert_near(csi, 1.0, 0);
    assert_near(out[9], cs[12], 0);
    zp_ctx_free(ctx);
}

static void test_noise(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    enum { H = 96, N = 4000 + H };
    static double x[N], a[H], b[H];
    for (size_t t = 0; t < N; t++)
        x[t] = 100.0 + (double)(t % 7);
    /* Zero sigma is the actual. */
    zp_forecast_noise nz = {0.0, 12.0, 7};
    assert_int_equal(zp_forecast_noisy(ctx, x, 50, H, 3600, &nz, 1, a), ZP_OK);
    for (size_t k = 0; k < H; k++)
        assert_near(a[k], x[50 + k], 0);
    /* Deterministic per seed, origin and stream. */
    nz.sigma = 0.2;
    assert_int_equal(zp_forecast_noisy(ctx, x, 50, H, 3600, &nz, 1, a), ZP_OK);
    assert_int_equal(zp_forecast_noisy(ctx, x, 50, H, 3600, &nz, 1, b), ZP_OK);
    assert_memory_equal(a, b, sizeof a);
    nz.seed = 8;
    assert_int_equal(zp_forecast_noisy(ctx, x, 50, H, 3600, &nz, 1, b), ZP_OK);
    assert_true(memcmp(a, b, sizeof a) != 0);
    nz.seed = 7;
    assert_int_equal(zp_forecast_noisy(ctx, x, 50, H, 3600, &nz, 2, b), ZP_OK);
    assert_true(memcmp(a, b, sizeof a) != 0);

    /* The stated sigma: over 4000 origins the sample standard deviation of
     * the relative error at lead k is sigma sqrt(1 - phi^(2(k+1))); the
     * sampling error of a standard deviation from 4000 draws is about 1.1 %,
     * so 5 % is a loose, never-flaky bound. */
    const double sigma = 0.2, phi = exp(-1.0 / 12.0);
    const size_t leads[] = {0, 5, 23, 47, 95};
    double s1[5] = {0}, s2[5] = {0};
    for (size_t at = 0; at < 4000; at++) {
        assert_int_equal(zp_forecast_noisy(ctx, x, at, H, 3600, &nz, 1, a), ZP_OK);
        for (size_t l = 0; l < NELEM(leads); l++) {
            double e = a[leads[l]] / x[at + leads[l]] - 1.0;
            s1[l] += e;
            s2[l] += e * e;
        }
    }
    for (size_t l = 0; l < NELEM(leads); l++) {
        double mean = s1[l] / 4000, sd = sqrt(s2[l] / 4000 - mean * mean);
        double want = sigma * sqrt(1.0 - pow(phi, 2.0 * (double)(leads[l] + 1)));
        assert_near(sd, want, 0.05 * want);
        assert_near(mean, 0.0, 4 * want / sqrt(4000.0));
    }
    /* At 4 days the error has reached the stated 20 % (within sampling). */
    assert_near(sqrt(s2[4] / 4000), 0.2, 0.01);

    /* Never negative. */
    nz.sigma = 3.0;
    assert_int_equal(zp_forecast_noisy(ctx, x, 10, H, 3600, &nz, 1, a), ZP_OK);
    for (size_t k = 0; k < H; k++)
        assert_true(a[k] >= 0);
    nz.sigma = -1;
    assert_int_equal(zp_forecast_noisy(ctx, x, 10, H, 3600, &nz, 1, a), ZP_EINVAL);
    zp_ctx_free(ctx);
}

/* Changing the actuals at and after `at` changes none of the forecasts
 * that claim to use only the past. */
static void test_no_look_ahead(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    enum { N = 6 * WEEK, H = 48 };
    static double x[N], y[N], cs[N];
    double a[H], b[H];
    test_rng_state = 9;
    for (size_t t = 0; t < N; t++) {
        cs[t] = clear_shape(t);
        x[t] = cs[t] * test_rnd() + 10 * test_rnd();
    }
    const size_t origins[] = {1, 20, DAY + 3, WEEK + 11, 3 * WEEK + 17, 5 * WEEK};
    for (size_t o = 0; o < NELEM(origins); o++) {
        size_t at = origins[o];
        memcpy(y, x, sizeof x);
        for (size_t t = at; t < N; t++)
            y[t] = 1e6 + (double)t; /* a different future */
        assert_int_equal(zp_forecast_persistence(ctx, x, at, H, a), ZP_OK);
        assert_int_equal(zp_forecast_persistence(ctx, y, at, H, b), ZP_OK);
        assert_memory_equal(a, b, sizeof a);
        assert_int_equal(zp_forecast_similar_day(ctx, x, at, H, 3600, 4, a), ZP_OK);
        assert_int_equal(zp_forecast_similar_day(ctx, y, at, H, 3600, 4, b), ZP_OK);
        assert_memory_equal(a, b, sizeof a);
        assert_int_equal(zp_forecast_clearsky_index(ctx, x, cs, at, H, 3600, 3, 1.2, a, NULL), ZP_OK);
        assert_int_equal(zp_forecast_clearsky_index(ctx, y, cs, at, H, 3600, 3, 1.2, b, NULL), ZP_OK);
        assert_memory_equal(a, b, sizeof a);
    }
    /* The same through the bundle with its defaults. */
    zp_forecast_inputs in = {N, 3600, x, cs, x, x, NULL, 0};
    zp_forecast_inputs iny = {N, 3600, y, cs, y, y, NULL, 0};
    zp_forecast_out fa, fb;
    zp_forecast_out_init(&fa);
    zp_forecast_out_init(&fb);
    size_t at = 4 * WEEK + 5;
    memcpy(y, x, sizeof x);
    for (size_t t = at; t < N; t++)
        y[t] = -1;
    assert_int_equal(zp_forecast_make(ctx, &in, NULL, at, H, &fa), ZP_OK);
    assert_int_equal(zp_forecast_make(ctx, &iny, NULL, at, H, &fb), ZP_OK);
    assert_memory_equal(fa.pv_kw, fb.pv_kw, H * sizeof(double));
    assert_memory_equal(fa.wind_kw, fb.wind_kw, H * sizeof(double));
    assert_memory_equal(fa.firm_kw, fb.firm_kw, H * sizeof(double));
    zp_forecast_out_release(ctx, &fa);
    zp_forecast_out_release(ctx, &fb);
    zp_ctx_free(ctx);
}

static void test_bundle(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    enum { N = 3 * WEEK };
    static double pv[N], cs[N], wind[N], firm[N], f1[N], f2[N];
    for (size_t t = 0; t < N; t++) {
        cs[t] = clear_shape(t);
        pv[t] = 0.5 * cs[t];
        wind[t] = (double)(t % 13);
        firm[t] = 100 + (double)(t % DAY);
        f1[t] = 10 + (double)(t % WEEK);
        f2[t] = 3;
    }
    const double *flex[] = {f1, f2};
    zp_forecast_inputs in = {N, 3600, pv, cs, wind, firm, flex, 2};
    zp_forecast_opts o;
    zp_forecast_opts_init(&o);
    zp_forecast_out f;
    zp_forecast_out_init(&f);
    /* Perfect is the actuals. */
    o.pv = o.wind = o.load = ZP_FORECAST_PERFECT;
    assert_int_equal(zp_forecast_make(ctx, &in, &o, 100, 48, &f), ZP_OK);
    assert_int_equal(f.horizon, 48);
    assert_int_equal(f.nflex, 2);
    assert_memory_equal(f.pv_kw, pv + 100, 48 * sizeof(double));
    assert_memory_equal(f.wind_kw, wind + 100, 48 * sizeof(double));
    assert_memory_equal(f.firm_kw, firm + 100, 48 * sizeof(double));
    assert_memory_equal(f.flex_kw[0], f1 + 100, 48 * sizeof(double));
    assert_memory_equal(f.flex_kw[1], f2 + 100, 48 * sizeof(double));
    /* Defaults: clear-sky PV, persistence wind, similar-day load (a daily
     * and a weekly pattern recovered from two weeks of history). */
    assert_int_equal(zp_forecast_make(ctx, &in, NULL, 2 * WEEK + 1, 24, &f), ZP_OK);
    assert_near(f.csi, 0.5, 1e-12);
    for (size_t k = 0; k < 24; k++) {
        size_t j = 2 * WEEK + 1 + k;
        assert_near(f.pv_kw[k], pv[j], 1e-9);
        assert_near(f.wind_kw[k], wind[2 * WEEK], 0);
        assert_near(f.firm_kw[k], firm[j], 1e-12);
        assert_near(f.flex_kw[0][k], f1[j], 1e-12);
        assert_near(f.flex_kw[1][k], 3, 1e-12);
    }
    /* The horizon ends with the data. */
    assert_int_equal(zp_forecast_make(ctx, &in, NULL, N - 10, 10, &f), ZP_OK);
    assert_int_equal(zp_forecast_make(ctx, &in, NULL, N - 10, 11, &f), ZP_ERANGE);
    assert_int_equal(zp_forecast_make(ctx, &in, NULL, N, 1, &f), ZP_ERANGE);
    assert_int_equal(zp_forecast_make(ctx, &in, NULL, 5, 0, &f), ZP_ERANGE);
    /* Clear-sky is for PV, and needs the clear-sky array. */
    o.wind = ZP_FORECAST_CLEARSKY;
    assert_int_equal(zp_forecast_make(ctx, &in, &o, 5, 5, &f), ZP_EINVAL);
    zp_forecast_inputs nocs = in;
    nocs.clearsky_pv_kw = NULL;
    assert_int_equal(zp_forecast_make(ctx, &nocs, NULL, 5, 5, &f), ZP_EINVAL);
    /* A park without wind forecasts zero wind. */
    zp_forecast_inputs nowind = in;
    nowind.wind_kw = NULL;
    assert_int_equal(zp_forecast_make(ctx, &nowind, NULL, 50, 5, &f), ZP_OK);
    for (size_t k = 0; k < 5; k++)
        assert_near(f.wind_kw[k], 0, 0);
    /* A larger horizon reallocates; the same one reuses the arrays. */
    assert_int_equal(zp_forecast_make(ctx, &in, NULL, 50, 96, &f), ZP_OK);
    const double *keep = f.pv_kw;
    assert_int_equal(zp_forecast_make(ctx, &in, NULL, 51, 96, &f), ZP_OK);
    assert_ptr_equal(keep, f.pv_kw);
    zp_forecast_out_release(ctx, &f);
    zp_forecast_out_release(ctx, NULL);
    zp_ctx_free(ctx);
}

/* ---- The example parks ------------------------------------------------- */

typedef struct park {
    zp_model *m;
    zp_sim_result *r;
    double *cs;       /* clear-sky PV */
    double *flex;     /* total flexible demand as it arrives */
    const double *firm;
} park;

static const double *column(const zp_sim_result *r, const char *name)
{
    for (size_t i = 0; i < zp_sim_column_count(r); i++)
        if (strcmp(zp_sim_column_name(r, i), name) == 0)
            return zp_sim_column(r, i);
    return NULL;
}

static void park_load(zp_ctx *ctx, const char *example, park *p)
{
    char path[512];
    snprintf(path, sizeof path, "%s/examples/%s/model.json", ZP_SOURCE_DIR, example);
    memset(p, 0, sizeof *p);
    assert_int_equal(zp_model_load_file(ctx, path, 0, &p->m), ZP_OK);
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    assert_int_equal(zp_simulate(ctx, p->m, &so, &p->r), ZP_OK);
    size_t n = p->r->steps;
    p->cs = calloc(n, sizeof *p->cs);
    p->flex = calloc(n, sizeof *p->flex);
    assert_non_null(p->cs);
    assert_non_null(p->flex);
    assert_int_equal(zp_forecast_clearsky_pv(ctx, p->m, p->r->start, p->r->step_s, n, p->cs), ZP_OK);
    p->firm = column(p->r, "firm_demand_kw");
    assert_non_null(p->firm);
    /* Total demand as it arrives: every load and the data-center facility
     * power; the flexible part is what the firm demand leaves out. */
    const double *fac = column(p->r, "datacenter.facility_kw");
    for (size_t t = 0; t < n; t++) {
        double tot = fac ? fac[t] : 0.0;
        for (size_t i = 0; i < p->m->nloads; i++)
            tot += p->r->load_kw[i][t];
        p->flex[t] = tot - p->firm[t] > 0 ? tot - p->firm[t] : 0.0;
    }
}

static void park_free(zp_ctx *ctx, park *p)
{
    free(p->cs);
    free(p->flex);
    zp_sim_result_free(ctx, p->r);
    zp_model_free(ctx, p->m);
}

/* Clear-sky PV (Haurwitz GHI, Erbs split) bounds the PV simulated from the
 * weather. What is asserted, over the daylight steps (simulated PV above
 * 1 % of the clear-sky peak): the simulated PV exceeds clear-sky PV by
 * more than margin x peak at fewer than max_share of them, and by more
 * than hard x peak at none; over the year the simulated energy is below
 * the clear-sky energy. Exceptions are real: cloud enhancement, and
 * Haurwitz is a conservative clear sky (low at low sun, where diffuse
 * light already gives power). */
static void check_clearsky_bound(const char *example, double margin, double max_share,
                                 double hard)
{
    zp_ctx *ctx = zp_ctx_new();
    park p;
    park_load(ctx, example, &p);
    const double *pv = p.r->pv_kw;
    size_t n = p.r->steps, day = 0, over = 0;
    double peak = 0, e_cs = 0, e_pv = 0, worst = 0;
    for (size_t t = 0; t < n; t++)
        peak = fmax(peak, p.cs[t]);
    assert_true(peak > 0);
    for (size_t t = 0; t < n; t++) {
        e_cs += p.cs[t];
        e_pv += pv[t];
        worst = fmax(worst, pv[t] - p.cs[t]);
        if (pv[t] <= 0.01 * peak)
            continue;
        day++;
        if (pv[t] > p.cs[t] + margin * peak)
            over++;
    }
    printf("%s: clear-sky PV peak %.0f kW; simulated PV above it by > %.0f %% of peak at %zu of "
           "%zu daylight steps (%.2f %%); largest excess %.1f %% of peak; energy ratio "
           "simulated / clear-sky %.3f\n", example, peak, 100 * margin, over, day,
           100.0 * (double)over / (double)day, 100 * worst / peak, e_pv / e_cs);
    assert_true(day > 1000);
    assert_true((double)over < max_share * (double)day);
    assert_true(worst < hard * peak);
    assert_true(e_pv < e_cs);
    park_free(ctx, &p);
    zp_ctx_free(ctx);
}

/* The examples' synthetic weather is itself a Haurwitz sky times a
 * clear-sky index (docs/methodology.md "Weather synthesis"), so the bound
 * holds almost by construction: measured 0 steps above 2 % of peak. */
static void test_clearsky_pv_campus(void **state)
{
    (void)state;
    check_clearsky_bound("shaoguan-campus", 0.02, 0.005, 0.05);
}

static void test_clearsky_pv_baoshan(void **state)
{
    (void)state;
    check_clearsky_bound("baoshan-park", 0.02, 0.005, 0.05);
}

/* Measured weather (NREL TMY3, Greensboro NC): the bound is not built in,
 * and cloud enhancement shows. */
static void test_clearsky_pv_greensboro(void **state)
{
    (void)state;
    /* Measured: 1.8 % of daylight steps above clear sky by > 5 % of peak,
     * 0.07 % by > 10 %, the largest excess 11 % of peak. */
    check_clearsky_bound("greensboro-pv", 0.05, 0.03, 0.15);
}

static void test_clearsky_pv_no_pv(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    const char *json = "{\"name\": \"no pv\", \"site\": {\"lat_deg\": 30, \"lon_deg\": 120},"
                       "\"period\": {\"start\": \"2024-06-01T00:00:00+08:00\","
                       "\"end\": \"2024-06-02T00:00:00+08:00\"},"
                       "\"loads\": [{\"name\": \"a\", \"power_kw\": 5}]}";
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "nopv.json", NULL, 0, &m);
    assert_int_equal(rc, ZP_OK);
    double out[24];
    out[3] = 99;
    assert_int_equal(zp_forecast_clearsky_pv(ctx, m, m->start, 3600, 24, out), ZP_OK);
    assert_near(out[3], 0, 0);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void print_skill(const char *title, const zp_forecast_skill_report *s)
{
    printf("%s: horizon %zu steps, %zu origins (every %zu steps)\n", title, s->horizon, s->origins,
           s->stride);
    for (size_t i = 0; i < s->nentries; i++) {
        const zp_forecast_skill_entry *e = &s->entries[i];
        printf("  %-5s %-12s MAE %10.1f kW  RMSE %10.1f kW  skill %7.3f  (lead %zu: RMSE %10.1f, "
               "skill %7.3f)\n", e->quantity, zp_forecast_method_name(e->method), e->mae_kw,
               e->rmse_kw, e->skill, s->horizon, e->rmse_by_lead_kw[s->horizon - 1],
               e->skill_by_lead[s->horizon - 1]);
    }
}

/* Skill on the campus, hourly, every origin of the year: perfect is exact,
 * similar-day beats persistence on load at a 24-h lead. */
static void test_skill_campus(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    park p;
    park_load(ctx, "shaoguan-campus", &p);
    const double *flex[] = {p.flex};
    zp_forecast_inputs in = {p.r->steps, p.r->step_s, p.r->pv_kw, p.cs, p.r->wind_kw, p.firm,
                             flex, 1};
    zp_forecast_opts o;
    zp_forecast_opts_init(&o);
    const size_t horizons[] = {24, 48};
    for (size_t hi = 0; hi < NELEM(horizons); hi++) {
        zp_forecast_skill_report *s = NULL;
        assert_int_equal(zp_forecast_skill(ctx, &in, &o, horizons[hi], 1, &s), ZP_OK);
        assert_int_equal(s->origins, p.r->steps - horizons[hi]);
        print_skill("shaoguan-campus", s);
        const char *qs[] = {"pv", "wind", "load"};
        for (size_t q = 0; q < 3; q++) {
            const zp_forecast_skill_entry *e = zp_forecast_skill_find(s, qs[q], ZP_FORECAST_PERFECT);
            assert_non_null(e);
            assert_near(e->mae_kw, 0, 0);
            assert_near(e->rmse_kw, 0, 0);
            assert_near(e->skill, 1, 0);
            const zp_forecast_skill_entry *pe = zp_forecast_skill_find(s, qs[q], ZP_FORECAST_PERSISTENCE);
            assert_non_null(pe);
            assert_near(pe->skill, 0, 0);
            assert_int_equal(pe->values, s->origins * s->horizon);
        }
        const zp_forecast_skill_entry *sd = zp_forecast_skill_find(s, "load", ZP_FORECAST_SIMILAR_DAY);
        assert_non_null(sd);
        assert_true(sd->skill_by_lead[23] > 0);
        assert_true(sd->skill > 0);
        /* Clear-sky index beats persistence on PV (persistence of the last
         * hour carries daylight into the night and back). */
        const zp_forecast_skill_entry *cs = zp_forecast_skill_find(s, "pv", ZP_FORECAST_CLEARSKY);
        assert_non_null(cs);
        assert_true(cs->skill > 0);
        assert_null(zp_forecast_skill_find(s, "wind", ZP_FORECAST_CLEARSKY));
        zp_forecast_skill_free(ctx, s);
    }
    zp_forecast_skill_report *s = NULL;
    assert_int_equal(zp_forecast_skill(ctx, &in, &o, p.r->steps, 1, &s), ZP_ERANGE);
    assert_null(s);
    park_free(ctx, &p);
    zp_ctx_free(ctx);
}

/* The clear-sky PV of a tiny model follows from the pieces: a horizontal
 * array at noon sees Haurwitz GHI (all of it on the plane). The model's
 * weather gives 25 degC and 1 m/s all day (its own GHI does not matter). */
static void test_clearsky_pv_horizontal(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    char dir[] = "/tmp/zp_test_forecast_XXXXXX", path[256], json[1024];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/weather.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("timestamp,ghi_w_m2,temp_air_c,wind_speed_m_s\n", f);
    for (int h = 0; h < 24; h++)
        fprintf(f, "2024-06-21T%02d:00:00+08:00,%d,25,1\n", h, h >= 7 && h < 17 ? 500 : 0);
    fclose(f);
    snprintf(json, sizeof json,
             "{\"name\": \"flat\", \"site\": {\"lat_deg\": 23.4, \"lon_deg\": 120},"
             "\"period\": {\"start\": \"2024-06-21T00:00:00+08:00\","
             "\"end\": \"2024-06-22T00:00:00+08:00\"}, \"weather\": {\"csv\": \"%s\"},"
             "\"pv\": [{\"name\": \"flat\", \"capacity_kwp\": 1000, \"tilt_deg\": 0,"
             "\"azimuth_deg\": 180}],"
             "\"loads\": [{\"name\": \"a\", \"power_kw\": 5}]}", path);
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "flat.json", NULL, 0, &m);
    assert_int_equal(rc, ZP_OK);
    double out[24];
    assert_int_equal(zp_forecast_clearsky_pv(ctx, m, m->start, 3600, 24, out), ZP_OK);
    /* Night is zero; the 11:30-12:30 local interval (the sun near the
     * zenith at the tropic on the solstice) gives about 1098 exp(-0.059)
     * = 1035 W/m2: 1000 kWp x 1.035 x (1 - 0.14) with a warm cell and the
     * inverter's loss, between 700 and 880 kW. */
    assert_near(out[2], 0, 0);
    assert_near(out[22], 0, 0);
    double peak = 0;
    size_t ipk = 0;
    for (size_t i = 0; i < 24; i++)
        if (out[i] > peak) {
            peak = out[i];
            ipk = i;
        }
    assert_true(ipk == 11 || ipk == 12);
    assert_true(peak > 700 && peak < 880);
    zp_model_free(ctx, m);
    unlink(path);
    rmdir(dir);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_names),
        cmocka_unit_test(test_persistence),
        cmocka_unit_test(test_similar_day_weekly_pattern),
        cmocka_unit_test(test_similar_day_fallbacks),
        cmocka_unit_test(test_clearsky_index),
        cmocka_unit_test(test_noise),
        cmocka_unit_test(test_no_look_ahead),
        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_clearsky_pv_horizontal),
        cmocka_unit_test(test_clearsky_pv_no_pv),
        cmocka_unit_test(test_clearsky_pv_campus),
        cmocka_unit_test(test_clearsky_pv_baoshan),
        cmocka_unit_test(test_clearsky_pv_greensboro),
        cmocka_unit_test(test_skill_campus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
