/*
 * test_wind.c - hub-height extrapolation (power law and log law) against
 * hand-computed values, power-curve interpolation on the model-spec
 * example curve, cut-in and cut-out, turbine count, availability and
 * losses, the rated-power cap, the series form and its errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "zeropark/wind.h"

#include <math.h>
#include <string.h>

/* cmocka 1.1 has no double comparison; this one prints both values. */
#define assert_near(a, b, eps) assert_near_((a), (b), (eps), #a, __FILE__, __LINE__)
static void assert_near_(double a, double b, double eps, const char *expr, const char *file,
                         int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%s = %.15g, expected %.15g +- %g\n", expr, a, b, eps);
        _fail(file, line);
    }
}

/* The example curve of spec/model.md. */
static double curve[5][2] = {{3, 0}, {6, 550}, {9, 1700}, {12, 2500}, {25, 2500}};

static zp_wind ridge(void)
{
    zp_wind w;
    memset(&w, 0, sizeof w);
    w.name = "ridge";
    w.count = 20;
    w.rated_kw = 2500;
    w.hub_height_m = 90;
    w.measurement_height_m = 10;
    w.shear_exponent = 0.143;
    w.power_curve = curve;
    w.power_curve_len = 5;
    return w;
}

static void test_power_law(void **state)
{
    (void)state;
    /* 5 m/s at 10 m to 90 m, alpha 0.143:
     *   (90/10)^0.143 = 9^0.143 = exp(0.143 * ln 9) = exp(0.143 * 2.1972246)
     *                 = exp(0.3142031) = 1.3691678
     *   v_hub = 5 * 1.3691678 = 6.845839 m/s */
    assert_near(zp_wind_speed_power_law(5.0, 10.0, 90.0, 0.143), 6.845839, 1e-6);
    /* alpha 1/7, 10 m to 80 m: 8^(1/7) = 2^(3/7) = 1.3459001; 10 m/s -> 13.459001 */
    assert_near(zp_wind_speed_power_law(10.0, 10.0, 80.0, 1.0 / 7.0), 13.459001, 1e-6);
    /* Same height: unchanged whatever alpha. Downward works too. */
    assert_true(zp_wind_speed_power_law(7.0, 50.0, 50.0, 0.3) == 7.0);
    assert_near(zp_wind_speed_power_law(6.845839031108431, 90.0, 10.0, 0.143), 5.0,
                        1e-12);
    assert_true(zp_wind_speed_power_law(0.0, 10.0, 90.0, 0.143) == 0.0);
    /* Bad input gives NaN, never a plausible number. */
    assert_true(isnan(zp_wind_speed_power_law(-1.0, 10.0, 90.0, 0.143)));
    assert_true(isnan(zp_wind_speed_power_law(NAN, 10.0, 90.0, 0.143)));
    assert_true(isnan(zp_wind_speed_power_law(5.0, 0.0, 90.0, 0.143)));
    assert_true(isnan(zp_wind_speed_power_law(5.0, 10.0, -90.0, 0.143)));
    assert_true(isnan(zp_wind_speed_power_law(5.0, 10.0, 90.0, INFINITY)));
}

static void test_log_law(void **state)
{
    (void)state;
    /* z0 = 0.03 m, 5 m/s at 10 m to 90 m:
     *   ln(90/0.03) = ln 3000 = 8.0063676;  ln(10/0.03) = ln 333.33 = 5.8091430
     *   v_hub = 5 * 8.0063676 / 5.8091430 = 6.891178 m/s */
    assert_near(zp_wind_speed_log_law(5.0, 10.0, 90.0, 0.03), 6.891178, 1e-6);
    /* z0 = 0.1 m, 10 m to 100 m: ln 1000 / ln 100 = 1.5 exactly; 4 m/s -> 6 m/s */
    assert_near(zp_wind_speed_log_law(4.0, 10.0, 100.0, 0.1), 6.0, 1e-12);
    assert_true(isnan(zp_wind_speed_log_law(5.0, 10.0, 90.0, 0.0)));
    assert_true(isnan(zp_wind_speed_log_law(5.0, 10.0, 90.0, 10.0))); /* z0 not below h */
    assert_true(isnan(zp_wind_speed_log_law(-5.0, 10.0, 90.0, 0.03)));
}

static void test_curve(void **state)
{
    (void)state;
    const double(*c)[2] = (const double(*)[2])curve;
    /* Below the first point and above the last: 0. */
    assert_true(zp_wind_curve_kw(c, 5, 0.0) == 0.0);
    assert_true(zp_wind_curve_kw(c, 5, 2.99) == 0.0);
    assert_true(zp_wind_curve_kw(c, 5, 25.01) == 0.0);
    assert_true(zp_wind_curve_kw(c, 5, 40.0) == 0.0);
    /* On points: their power; 25 m/s (cut-out) still produces. */
    assert_true(zp_wind_curve_kw(c, 5, 3.0) == 0.0);
    assert_true(zp_wind_curve_kw(c, 5, 6.0) == 550.0);
    assert_true(zp_wind_curve_kw(c, 5, 9.0) == 1700.0);
    assert_true(zp_wind_curve_kw(c, 5, 12.0) == 2500.0);
    assert_true(zp_wind_curve_kw(c, 5, 25.0) == 2500.0);
    /* Between points, linear:
     *   4.5 m/s: 0 + (550 - 0) * (4.5 - 3) / 3 = 275
     *   7.5 m/s: 550 + (1700 - 550) * 1.5 / 3 = 550 + 575 = 1125
     *   10 m/s: 1700 + 800 * 1 / 3 = 1966.667
     *   18 m/s: flat 2500 */
    assert_near(zp_wind_curve_kw(c, 5, 4.5), 275.0, 1e-9);
    assert_near(zp_wind_curve_kw(c, 5, 7.5), 1125.0, 1e-9);
    assert_near(zp_wind_curve_kw(c, 5, 10.0), 1700.0 + 800.0 / 3.0, 1e-9);
    assert_near(zp_wind_curve_kw(c, 5, 18.0), 2500.0, 1e-9);
    assert_true(isnan(zp_wind_curve_kw(c, 5, NAN)));
    assert_true(zp_wind_curve_kw(c, 0, 10.0) == 0.0);
}

static void test_cut_in_out(void **state)
{
    (void)state;
    zp_wind w = ridge();
    assert_true(zp_wind_cut_in_m_s(&w) == 3.0);
    assert_true(zp_wind_cut_out_m_s(&w) == 25.0);
    /* A curve that already produces at its first point cuts in there. */
    double c2[3][2] = {{4, 100}, {10, 2000}, {20, 2000}};
    w.power_curve = c2;
    w.power_curve_len = 3;
    assert_true(zp_wind_cut_in_m_s(&w) == 4.0);
    assert_true(zp_wind_cut_out_m_s(&w) == 20.0);
    assert_true(zp_wind_power_kw(&(zp_wind){.count = 1, .rated_kw = 2000, .hub_height_m = 10,
                                            .measurement_height_m = 10,
                                            .power_curve = c2, .power_curve_len = 3},
                                 3.99) == 0.0);
    /* Leading zeros: cut-in is the last zero before the rise. */
    double c3[4][2] = {{0, 0}, {2, 0}, {4, 50}, {20, 1000}};
    w.power_curve = c3;
    w.power_curve_len = 4;
    assert_true(zp_wind_cut_in_m_s(&w) == 2.0);
    double c4[2][2] = {{3, 0}, {20, 0}};
    w.power_curve = c4;
    w.power_curve_len = 2;
    assert_true(isnan(zp_wind_cut_in_m_s(&w)));
}

static void test_farm(void **state)
{
    (void)state;
    zp_wind w = ridge();
    /* 5 m/s at 10 m -> 6.845839 m/s at hub (test_power_law);
     * curve: 550 + 1150 * (6.845839 - 6) / 3 = 550 + 324.2383 = 874.2383 kW
     * 20 turbines: 17484.766 kW */
    assert_near(zp_wind_power_kw(&w, 5.0), 17484.766, 1e-3);
    /* Count scales linearly. */
    w.count = 1;
    assert_near(zp_wind_power_kw(&w, 5.0), 874.2383, 1e-4);
    w.count = 20;
    /* Cut-out at hub height: 25 m/s at hub = 25 / 1.3691678 = 18.259267 m/s
     * measured. Just below: 20 * 2500 = 50000; above: 0. */
    assert_near(zp_wind_power_kw(&w, 18.259), 50000.0, 1e-9);
    assert_true(zp_wind_power_kw(&w, 18.26) == 0.0);
    /* Cut-in: 3 m/s at hub = 2.191 m/s measured; below that nothing. */
    assert_true(zp_wind_power_kw(&w, 2.0) == 0.0);
    assert_true(zp_wind_power_kw(&w, 0.0) == 0.0);
    assert_true(isnan(zp_wind_power_kw(&w, -1.0)));

    /* Availability 0.97 and 3 % losses: 17484.766 * 0.97 * 0.97 = 16451.416 */
    zp_wind_options opt;
    zp_wind_options_init(&opt);
    assert_int_equal(opt.profile, ZP_WIND_POWER_LAW);
    opt.availability = 0.97;
    opt.losses_pct = 3.0;
    assert_near(zp_wind_power_kw_opt(&w, &opt, 5.0), 16451.416, 1e-3);

    /* Log law, z0 0.03: hub 6.891178 m/s;
     * 20 * (550 + 1150 * 0.891178 / 3) = 20 * 891.6182 = 17832.364 kW */
    zp_wind_options_init(&opt);
    opt.profile = ZP_WIND_LOG_LAW;
    assert_near(zp_wind_power_kw_opt(&w, &opt, 5.0), 17832.364, 1e-3);

    /* A curve point above the nameplate is capped at rated_kw. */
    double c[3][2] = {{3, 0}, {12, 3000}, {25, 3000}};
    w.power_curve = c;
    w.power_curve_len = 3;
    w.measurement_height_m = 90; /* no extrapolation */
    assert_true(zp_wind_power_kw(&w, 15.0) == 20 * 2500.0);
}

static void test_check_and_series(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_wind w = ridge();
    assert_int_equal(zp_wind_check(ctx, &w, NULL), ZP_OK);

    double v[6] = {0.0, 2.0, 5.0, 10.0, 18.0, 30.0};
    double out[6];
    assert_int_equal(zp_wind_power_series(ctx, &w, NULL, v, 6, out), ZP_OK);
    for (size_t i = 0; i < 6; i++)
        assert_true(out[i] == zp_wind_power_kw(&w, v[i]));
    assert_near(out[2], 17484.766, 1e-3);
    assert_true(out[5] == 0.0); /* 30 * 1.369 = 41 m/s at hub: cut out */
    /* In place. */
    assert_int_equal(zp_wind_power_series(ctx, &w, NULL, v, 6, v), ZP_OK);
    assert_memory_equal(v, out, sizeof out);

    /* A missing speed is an error naming the step, never zero power. */
    double bad[3] = {5.0, NAN, 5.0};
    assert_int_equal(zp_wind_power_series(ctx, &w, NULL, bad, 3, out), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "step 1"));
    bad[1] = -2.0;
    assert_int_equal(zp_wind_power_series(ctx, &w, NULL, bad, 3, out), ZP_EDATA);

    /* Description errors. */
    w.count = 0;
    assert_int_equal(zp_wind_check(ctx, &w, NULL), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "count"));
    w = ridge();
    double unsorted[3][2] = {{3, 0}, {9, 1700}, {6, 550}};
    w.power_curve = unsorted;
    w.power_curve_len = 3;
    assert_int_equal(zp_wind_check(ctx, &w, NULL), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "power_curve[2]"));
    w = ridge();
    w.power_curve_len = 1;
    assert_int_equal(zp_wind_check(ctx, &w, NULL), ZP_EINVAL);
    w = ridge();
    zp_wind_options opt;
    zp_wind_options_init(&opt);
    opt.profile = ZP_WIND_LOG_LAW;
    opt.roughness_m = 20.0; /* above the 10 m measurement height */
    assert_int_equal(zp_wind_check(ctx, &w, &opt), ZP_EINVAL);
    assert_int_equal(zp_wind_power_series(ctx, &w, &opt, v, 6, out), ZP_EINVAL);
    zp_wind_options_init(&opt);
    opt.availability = 1.5;
    assert_int_equal(zp_wind_check(ctx, &w, &opt), ZP_EINVAL);
    zp_wind_options_init(&opt);
    opt.losses_pct = -1;
    assert_int_equal(zp_wind_check(ctx, &w, &opt), ZP_EINVAL);
    assert_int_equal(zp_wind_check(ctx, NULL, NULL), ZP_EINVAL);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_law),       cmocka_unit_test(test_log_law),
        cmocka_unit_test(test_curve),           cmocka_unit_test(test_cut_in_out),
        cmocka_unit_test(test_farm),            cmocka_unit_test(test_check_and_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
