/*
 * test_storage.c - battery bookkeeping: hand-computed charge and discharge
 * steps, power and SOC clamps, a full round trip whose AC energy out is
 * exactly E_in * eta_c * eta_d, bounds never left under seeded random
 * request sequences, efficiency accounting and the checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "zeropark/storage.h"

#include <math.h>
#include <string.h>


/* bess-1 of spec/model.md. */
static zp_storage bess(void)
{
    zp_storage s;
    memset(&s, 0, sizeof s);
    s.name = "bess-1";
    s.energy_kwh = 40000;
    s.power_kw = 10000;
    s.charge_efficiency = 0.95;
    s.discharge_efficiency = 0.95;
    s.soc_min = 0.10;
    s.soc_max = 0.95;
    s.soc_initial = 0.50;
    return s;
}


static void test_init(void **state)
{
    (void)state;
    zp_storage s = bess();
    zp_storage_state st;
    zp_storage_state_init(&st, &s);
    /* 0.50 * 40000 = 20000 kWh; bounds 4000 .. 38000 kWh */
    assert_near(st.stored_kwh, 20000.0, 1e-9);
    assert_near(st.min_kwh, 4000.0, 1e-9);
    assert_near(st.max_kwh, 38000.0, 1e-9);
    assert_near(zp_storage_soc(&st), 0.5, 1e-12);
    assert_true(st.charged_kwh == 0.0 && st.discharged_kwh == 0.0 && st.loss_kwh == 0.0);
    /* An out-of-window start is clamped, so bounds hold from the start. */
    zp_storage_state_init_soc(&st, &s, 0.99);
    assert_near(zp_storage_soc(&st), 0.95, 1e-12);
    zp_storage_state_init_soc(&st, &s, NAN);
    assert_true(st.stored_kwh >= st.min_kwh && st.stored_kwh <= st.max_kwh);
}

static void test_steps_by_hand(void **state)
{
    (void)state;
    zp_storage s = bess();
    zp_storage_state st;
    zp_storage_state_init(&st, &s);

    /* Charge 4000 kW for 1 h: stored += 4000 * 0.95 = 3800 -> 23800 kWh. */
    assert_true(zp_storage_charge(&st, 4000.0, 1.0) == 4000.0);
    assert_near(st.stored_kwh, 23800.0, 1e-9);
    /* Above power: 15000 kW asked, 10000 kW taken; += 9500 -> 33300 kWh. */
    assert_true(zp_storage_charge(&st, 15000.0, 1.0) == 10000.0);
    assert_near(st.stored_kwh, 33300.0, 1e-9);
    /* Headroom 38000 - 33300 = 4700 kWh, so max AC = 4700 / 0.95 = 4947.368 kW. */
    assert_near(zp_storage_max_charge_kw(&st, 1.0), 4700.0 / 0.95, 1e-9);
    /* Over 15 min the power limit binds: 4700 / (0.95 * 0.25) = 19789 > 10000. */
    assert_true(zp_storage_max_charge_kw(&st, 0.25) == 10000.0);
    assert_near(zp_storage_charge(&st, 9000.0, 1.0), 4700.0 / 0.95, 1e-9);
    assert_true(st.stored_kwh == 38000.0); /* exactly on soc_max */
    assert_true(zp_storage_charge(&st, 100.0, 1.0) == 0.0);
    assert_true(zp_storage_max_charge_kw(&st, 1.0) == 0.0);

    /* Discharge 9500 kW for 1 h: stored -= 9500 / 0.95 = 10000 -> 28000 kWh. */
    assert_true(zp_storage_discharge(&st, 9500.0, 1.0) == 9500.0);
    assert_near(st.stored_kwh, 28000.0, 1e-9);
    /* Power limit for 0.5 h: 10000 kW, stored -= 10000 * 0.5 / 0.95 = 5263.158. */
    assert_true(zp_storage_discharge(&st, 20000.0, 0.5) == 10000.0);
    assert_near(st.stored_kwh, 28000.0 - 5000.0 / 0.95, 1e-9);
    /* Energy limit: above soc_min 22736.842 - 4000 = 18736.842 kWh; 1 h:
     * min(10000, 18736.842 * 0.95) = 10000; 2 h: 18736.842 * 0.95 / 2 = 8900 kW. */
    assert_near(zp_storage_max_discharge_kw(&st, 2.0), 8900.0, 1e-9);
    assert_near(zp_storage_discharge(&st, 10000.0, 2.0), 8900.0, 1e-9);
    assert_true(st.stored_kwh == 4000.0); /* exactly on soc_min */
    assert_true(zp_storage_discharge(&st, 1.0, 1.0) == 0.0);

    /* Bad requests take nothing and change nothing. */
    zp_storage_state before = st;
    assert_true(zp_storage_charge(&st, -5.0, 1.0) == 0.0);
    assert_true(zp_storage_charge(&st, NAN, 1.0) == 0.0);
    assert_true(zp_storage_charge(&st, 5.0, 0.0) == 0.0);
    assert_true(zp_storage_charge(&st, 5.0, NAN) == 0.0);
    assert_true(zp_storage_discharge(&st, 5.0, -1.0) == 0.0);
    assert_memory_equal(&before, &st, sizeof st);

    /* Signed form: one direction per call. */
    assert_true(zp_storage_step(&st, 1000.0, 1.0) == 1000.0);
    assert_near(st.stored_kwh, 4950.0, 1e-9);
    assert_near(zp_storage_step(&st, -500.0, 1.0), -500.0, 1e-12);
    assert_near(st.stored_kwh, 4950.0 - 500.0 / 0.95, 1e-9);
    assert_true(zp_storage_step(&st, 0.0, 1.0) == 0.0);
}

/* Charge from soc_min to soc_max, then discharge back to soc_min, with
 * seeded random requests over hourly steps (most above and some below the
 * power limit, so both clamps act):
 *   stored range  = 40000 * (0.95 - 0.10)      = 34000 kWh
 *   AC in         = 34000 / 0.95               = 35789.4737 kWh
 *   AC out        = 34000 * 0.95               = 32300 kWh
 *   AC out / in   = 0.95 * 0.95                = 0.9025
 *   losses        = 35789.4737 - 32300         = 3489.4737 kWh */
static void test_round_trip(void **state)
{
    (void)state;
    zp_storage s = bess();
    zp_storage_state st;
    zp_storage_state_init_soc(&st, &s, s.soc_min);
    test_rng_state = 0x9e3779b97f4a7c15ull;
    double in_kwh = 0.0, out_kwh = 0.0;
    size_t hours = 0;
    while (zp_storage_max_charge_kw(&st, 1.0) > 0.0) {
        double req = 12000.0 * test_rnd();
        double got = zp_storage_charge(&st, req, 1.0);
        assert_true(got <= req && got <= s.power_kw);
        in_kwh += got * 1.0;
        hours++;
        assert_true(hours < 8784);
    }
    assert_true(st.stored_kwh == st.max_kwh);
    assert_near(in_kwh, 34000.0 / 0.95, 1e-6);
    while (zp_storage_max_discharge_kw(&st, 1.0) > 0.0) {
        double req = 12000.0 * test_rnd();
        out_kwh += zp_storage_discharge(&st, req, 1.0) * 1.0;
        hours++;
        assert_true(hours < 8784);
    }
    assert_true(st.stored_kwh == st.min_kwh);
    assert_near(out_kwh, 32300.0, 1e-6);
    assert_near(out_kwh, in_kwh * 0.95 * 0.95, 1e-6);
    assert_near(st.charged_kwh, in_kwh, 1e-6);
    assert_near(st.discharged_kwh, out_kwh, 1e-6);
    assert_near(st.loss_kwh, 34000.0 / 0.95 - 32300.0, 1e-6);

    /* Asymmetric efficiencies 0.9 / 0.8, 1000 kWh window 0.2 .. 0.8:
     * stored range 600 kWh; in = 600 / 0.9 = 666.667; out = 600 * 0.8 = 480
     * = 666.667 * 0.9 * 0.8. */
    zp_storage a = bess();
    a.energy_kwh = 1000;
    a.power_kw = 250;
    a.charge_efficiency = 0.9;
    a.discharge_efficiency = 0.8;
    a.soc_min = 0.2;
    a.soc_max = 0.8;
    zp_storage_state_init_soc(&st, &a, 0.2);
    in_kwh = out_kwh = 0.0;
    for (int i = 0; i < 100; i++)
        in_kwh += zp_storage_charge(&st, 250.0, 0.25) * 0.25;
    for (int i = 0; i < 100; i++)
        out_kwh += zp_storage_discharge(&st, 250.0, 0.25) * 0.25;
    assert_near(in_kwh, 600.0 / 0.9, 1e-9);
    assert_near(out_kwh, 480.0, 1e-9);
}

static void test_random_bounds(void **state)
{
    (void)state;
    zp_storage s = bess();
    zp_storage_state st;
    test_rng_state = 42;
    for (int run = 0; run < 20; run++) {
        s.energy_kwh = 100.0 + 50000.0 * test_rnd();
        s.power_kw = 10.0 + s.energy_kwh * test_rnd();
        s.charge_efficiency = 0.7 + 0.3 * test_rnd();
        s.discharge_efficiency = 0.7 + 0.3 * test_rnd();
        s.soc_min = 0.3 * test_rnd();
        s.soc_max = 0.7 + 0.3 * test_rnd();
        s.soc_initial = s.soc_min + (s.soc_max - s.soc_min) * test_rnd();
        assert_int_equal(zp_storage_check(NULL, &s), ZP_OK);
        zp_storage_state_init(&st, &s);
        double start_kwh = st.stored_kwh;
        for (int i = 0; i < 5000; i++) {
            double dt = test_rnd() < 0.5 ? 1.0 : 0.25;
            double req = 2.0 * s.power_kw * test_rnd();
            double r = test_rnd();
            double got;
            if (r < 0.45) {
                double maxc = zp_storage_max_charge_kw(&st, dt);
                got = zp_storage_charge(&st, req, dt);
                assert_true(got >= 0.0 && got <= req && got <= s.power_kw);
                assert_true(got == fmin(req, maxc));
            } else if (r < 0.9) {
                double maxd = zp_storage_max_discharge_kw(&st, dt);
                got = zp_storage_discharge(&st, req, dt);
                assert_true(got >= 0.0 && got <= req && got <= s.power_kw);
                assert_true(got == fmin(req, maxd));
            } else {
                got = zp_storage_step(&st, (test_rnd() - 0.5) * req, dt);
                assert_true(fabs(got) <= s.power_kw);
            }
            assert_true(st.stored_kwh >= st.min_kwh);
            assert_true(st.stored_kwh <= st.max_kwh);
            double soc = zp_storage_soc(&st);
            assert_true(soc >= s.soc_min - 1e-12 && soc <= s.soc_max + 1e-12);
        }
        /* Efficiency accounting: the change in stored energy is what went
         * in times eta_c minus what came out over eta_d, and the losses
         * are the rest. */
        double delta = st.stored_kwh - start_kwh;
        double expect = st.charged_kwh * s.charge_efficiency -
                        st.discharged_kwh / s.discharge_efficiency;
        assert_near(delta, expect, 1e-6 * (1.0 + st.charged_kwh));
        assert_near(st.charged_kwh - st.discharged_kwh - st.loss_kwh, delta,
                            1e-6 * (1.0 + st.charged_kwh));
    }
}

static void test_check(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_storage s = bess();
    assert_int_equal(zp_storage_check(ctx, &s), ZP_OK);
    s.charge_efficiency = 1.2;
    assert_int_equal(zp_storage_check(ctx, &s), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "charge_efficiency"));
    s = bess();
    s.discharge_efficiency = 0.0;
    assert_int_equal(zp_storage_check(ctx, &s), ZP_EINVAL);
    s = bess();
    s.soc_min = 0.9;
    s.soc_max = 0.5;
    assert_int_equal(zp_storage_check(ctx, &s), ZP_EINVAL);
    s = bess();
    s.soc_initial = 0.05;
    assert_int_equal(zp_storage_check(ctx, &s), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "soc_initial"));
    s = bess();
    s.power_kw = INFINITY;
    assert_int_equal(zp_storage_check(ctx, &s), ZP_EINVAL);
    s = bess();
    s.energy_kwh = NAN;
    assert_int_equal(zp_storage_check(ctx, &s), ZP_EINVAL);
    assert_int_equal(zp_storage_check(ctx, NULL), ZP_EINVAL);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),        cmocka_unit_test(test_steps_by_hand),
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_random_bounds),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
