/*
 * test_dispatch.c - the rule-based dispatch: small hand-computed cases
 * (surplus charging, deficit discharging, the import limit leaving demand
 * unserved, the export limit curtailing, flexible demand moved to a surplus
 * hour and forced at its deadline, earliest deadline first, the horizon
 * end), then seeded random years checking the step balance, SOC and power
 * bounds, flexible energy conservation and deadlines, totals, determinism;
 * input errors and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "zeropark/dispatch.h"
#include "zeropark/storage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>



/* 1000 kWh, 300 kW, 0.9 / 0.9, SOC 0.1 .. 0.9, starting at 0.5. */
static zp_storage small_bess(void)
{
    zp_storage s;
    memset(&s, 0, sizeof s);
    s.name = "small";
    s.energy_kwh = 1000;
    s.power_kw = 300;
    s.charge_efficiency = 0.9;
    s.discharge_efficiency = 0.9;
    s.soc_min = 0.1;
    s.soc_max = 0.9;
    s.soc_initial = 0.5;
    return s;
}

static zp_dispatch_result *run(zp_ctx *ctx, const zp_dispatch_input *in)
{
    zp_dispatch_result *r = NULL;
    zp_status rc = zp_dispatch_rule(ctx, in, &r);
    if (rc != ZP_OK)
        print_error("zp_dispatch_rule: %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    assert_non_null(r);
    assert_string_equal(r->method, "rule");
    return r;
}

/* Every invariant that must hold for any input; used by all cases. */
static void check_invariants(const zp_dispatch_input *in, const zp_dispatch_result *r)
{
    const double dt = in->step_h;
    double sum_pv = 0, sum_wind = 0, sum_imp = 0, sum_exp = 0, sum_cur = 0, sum_uns = 0;
    double sum_ch = 0, sum_dis = 0, sum_flex_rel = 0, sum_flex_arr = 0, sum_firm = 0;
    double *stored = calloc(in->nstorage + 1, sizeof *stored);
    assert_non_null(stored);
    for (size_t k = 0; k < in->nstorage; k++) {
        stored[k] = r->storage[k].soc_start * in->storage[k].energy_kwh;
        assert_near(r->storage[k].soc_start,
                    in->soc_initial ? in->soc_initial[k] : in->storage[k].soc_initial, 1e-12);
    }
    assert_int_equal(r->steps, in->steps);
    assert_int_equal(r->nstorage, in->nstorage);
    assert_int_equal(r->nflex, in->nflex);
    assert_true(r->step_h == dt);
    for (size_t t = 0; t < in->steps; t++) {
        double pv = in->pv_kw ? in->pv_kw[t] : 0.0;
        double wind = in->wind_kw ? in->wind_kw[t] : 0.0;
        double firm = in->firm_kw ? in->firm_kw[t] : 0.0;
        double ch = 0, dis = 0;
        for (size_t k = 0; k < in->nstorage; k++) {
            const zp_storage *s = &in->storage[k];
            double c = r->storage[k].charge_kw[t], d = r->storage[k].discharge_kw[t];
            /* Power bounds, one direction per step. */
            assert_true(c >= 0.0 && c <= s->power_kw);
            assert_true(d >= 0.0 && d <= s->power_kw);
            assert_true(c == 0.0 || d == 0.0);
            /* SOC bounds, and SOC follows the one-way efficiencies. */
            double soc = r->storage[k].soc[t];
            assert_true(soc >= s->soc_min - 1e-12 && soc <= s->soc_max + 1e-12);
            stored[k] += c * s->charge_efficiency * dt - d / s->discharge_efficiency * dt;
            assert_near(soc * s->energy_kwh, stored[k], 1e-6);
            stored[k] = soc * s->energy_kwh;
            ch += c;
            dis += d;
        }
        double imp = r->grid_import_kw[t], exp_kw = r->grid_export_kw[t];
        assert_true(imp >= 0.0 && imp <= in->import_limit_kw);
        assert_true(exp_kw >= 0.0 && exp_kw <= in->export_limit_kw);
        assert_true(imp == 0.0 || exp_kw == 0.0);
        assert_true(r->curtailed_kw[t] >= 0.0 && r->unserved_kw[t] >= 0.0);
        assert_true(r->pv_used_kw[t] >= 0.0 && r->pv_used_kw[t] <= pv + 1e-9);
        assert_true(r->wind_used_kw[t] >= 0.0 && r->wind_used_kw[t] <= wind + 1e-9);
        /* Renewables: used + curtailed = available. */
        assert_near(r->pv_used_kw[t] + r->wind_used_kw[t] + r->curtailed_kw[t], pv + wind,
                    1e-6);
        assert_true(r->flex_unserved_kw[t] >= 0.0 &&
                    r->flex_unserved_kw[t] <= r->flex_served_kw[t] + 1e-9 &&
                    r->flex_unserved_kw[t] <= r->unserved_kw[t] + 1e-9);
        /* The step balance (kWh):
         * firm + flex + charge + export + curtailed
         *   = pv + wind + discharge + import + unserved */
        double lhs = (firm + r->flex_served_kw[t] + ch + exp_kw + r->curtailed_kw[t]) * dt;
        double rhs = (pv + wind + dis + imp + r->unserved_kw[t]) * dt;
        assert_near(lhs, rhs, 1e-6);
        assert_true(r->flex_backlog_kwh[t] >= 0.0);
        assert_true(r->flex_delayed_kw[t] >= 0.0);
        sum_pv += r->pv_used_kw[t] * dt;
        sum_wind += r->wind_used_kw[t] * dt;
        sum_imp += imp * dt;
        sum_exp += exp_kw * dt;
        sum_cur += r->curtailed_kw[t] * dt;
        sum_uns += r->unserved_kw[t] * dt;
        sum_ch += ch * dt;
        sum_dis += dis * dt;
        sum_flex_rel += r->flex_served_kw[t] * dt;
        sum_firm += firm * dt;
        for (size_t j = 0; j < in->nflex; j++)
            sum_flex_arr += in->flex[j].kw ? in->flex[j].kw[t] * dt : 0.0;
    }
    /* Totals are the sums of the steps. */
    double tol = 1e-9 * (1.0 + sum_firm + sum_flex_arr + sum_pv + sum_wind + sum_imp);
    const zp_dispatch_totals *T = &r->totals;
    assert_near(T->pv_kwh, sum_pv, tol);
    assert_near(T->wind_kwh, sum_wind, tol);
    assert_near(T->import_kwh, sum_imp, tol);
    assert_near(T->export_kwh, sum_exp, tol);
    assert_near(T->curtailed_kwh, sum_cur, tol);
    assert_near(T->unserved_kwh, sum_uns, tol);
    assert_near(T->charge_kwh, sum_ch, tol);
    assert_near(T->discharge_kwh, sum_dis, tol);
    assert_near(T->firm_kwh, sum_firm, tol);
    assert_near(T->flex_kwh, sum_flex_arr, tol);
    assert_near(T->load_kwh, sum_firm + sum_flex_arr, tol);
    /* Flexible energy is conserved: everything that arrived left the
     * queues within the horizon, supplied or (at its deadline) unserved. */
    assert_near(sum_flex_rel, sum_flex_arr, tol);
    assert_near(r->flex_backlog_kwh[in->steps - 1], 0.0, 1e-9);
    double served = 0, uns = 0, dem = 0, delayed = 0, delay = 0;
    for (size_t j = 0; j < in->nflex; j++) {
        const zp_dispatch_flex_totals *f = &r->flex[j];
        assert_near(f->served_kwh + f->unserved_kwh, f->demand_kwh, tol);
        assert_true(f->delayed_kwh <= f->served_kwh + tol);
        /* Nothing waits longer than its max delay. */
        assert_true(f->delay_kwh_h <= f->delayed_kwh * in->flex[j].max_delay_h + tol);
        served += f->served_kwh;
        uns += f->unserved_kwh;
        dem += f->demand_kwh;
        delayed += f->delayed_kwh;
        delay += f->delay_kwh_h;
    }
    assert_near(uns, T->flex_unserved_kwh, tol);
    assert_near(served + uns, T->flex_kwh, tol);
    assert_near(dem, T->flex_kwh, tol);
    assert_near(delayed, T->delayed_kwh, tol);
    assert_near(delay, T->delay_kwh_h, tol);
    assert_true(T->flex_unserved_kwh <= T->unserved_kwh + tol);
    for (size_t k = 0; k < in->nstorage; k++) {
        double c = 0, d = 0;
        for (size_t t = 0; t < in->steps; t++) {
            c += r->storage[k].charge_kw[t] * dt;
            d += r->storage[k].discharge_kw[t] * dt;
        }
        assert_near(r->storage[k].charge_kwh, c, tol);
        assert_near(r->storage[k].discharge_kwh, d, tol);
    }
    free(stored);
}

/* One step, dt 1 h: PV 1000, wind 500, firm 600, export limit 200,
 * battery at 500 kWh (small_bess).
 *   1. firm 600 from PV            -> PV left 400, wind left 500, surplus 900
 *   3. charge min(900, 300 kW, (900 - 500) / 0.9 = 444.4) = 300 kW
 *      stored 500 + 300 * 0.9 = 770 kWh -> SOC 0.77; surplus 600
 *   5. export min(600, 200) = 200; curtailed 400
 *   PV first: the pool gave out 300 + 200 = 500 -> 400 PV + 100 wind,
 *   so pv_used 600 + 400 = 1000, wind_used 100, curtailed 400 (wind).
 *   balance: 600 + 300 + 200 + 400 = 1500 = 1000 + 500 */
static void test_surplus_charging(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_storage s = small_bess();
    double pv[1] = {1000}, wind[1] = {500}, firm[1] = {600};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 1;
    in.step_h = 1.0;
    in.pv_kw = pv;
    in.wind_kw = wind;
    in.firm_kw = firm;
    in.storage = &s;
    in.nstorage = 1;
    in.export_limit_kw = 200;
    zp_dispatch_result *r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->storage[0].charge_kw[0], 300.0, 1e-9);
    assert_true(r->storage[0].discharge_kw[0] == 0.0);
    assert_near(r->storage[0].soc[0], 0.77, 1e-12);
    assert_near(r->grid_export_kw[0], 200.0, 1e-9);
    assert_true(r->grid_import_kw[0] == 0.0);
    assert_near(r->curtailed_kw[0], 400.0, 1e-9);
    assert_near(r->pv_used_kw[0], 1000.0, 1e-9);
    assert_near(r->wind_used_kw[0], 100.0, 1e-9);
    assert_true(r->unserved_kw[0] == 0.0);
    assert_near(r->totals.pv_available_kwh, 1000.0, 1e-9);
    assert_near(r->totals.wind_available_kwh, 500.0, 1e-9);

    /* Two storages fill in model order: the first takes 300 of the 900,
     * the second 300 of the remaining 600 (its own power limit); with
     * export limit 0 the last 300 is curtailed. */
    zp_storage two[2] = {small_bess(), small_bess()};
    in.storage = two;
    in.nstorage = 2;
    in.export_limit_kw = 0;
    zp_dispatch_result_free(ctx, r);
    r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->storage[0].charge_kw[0], 300.0, 1e-9);
    assert_near(r->storage[1].charge_kw[0], 300.0, 1e-9);
    assert_near(r->curtailed_kw[0], 300.0, 1e-9); /* 900 - 600 */
    zp_dispatch_result_free(ctx, r);
    zp_ctx_free(ctx);
}

/* Two steps, dt 1 h, no renewables beyond PV 100 at t0, firm 500:
 *   t0: deficit 500 - 100 = 400. Discharge min(400, 300 kW,
 *       (500 - 100) * 0.9 = 360) = 300; stored 500 - 300 / 0.9 = 166.667 kWh.
 *       Import 100.
 *   t1: deficit 500. Discharge min(500, 300, (166.667 - 100) * 0.9 = 60)
 *       = 60; stored exactly 100 (soc_min). Import 440.
 *   Totals: discharge 360 kWh, import 540 kWh, load 1000 kWh. */
static void test_deficit_discharging(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_storage s = small_bess();
    double pv[2] = {100, 0}, firm[2] = {500, 500};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 2;
    in.step_h = 1.0;
    in.pv_kw = pv;
    in.firm_kw = firm;
    in.storage = &s;
    in.nstorage = 1;
    zp_dispatch_result *r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->storage[0].discharge_kw[0], 300.0, 1e-9);
    assert_near(r->storage[0].soc[0], (500.0 - 300.0 / 0.9) / 1000.0, 1e-12);
    assert_near(r->grid_import_kw[0], 100.0, 1e-9);
    assert_near(r->storage[0].discharge_kw[1], 60.0, 1e-9);
    assert_true(r->storage[0].soc[1] == 0.1);
    assert_near(r->grid_import_kw[1], 440.0, 1e-9);
    assert_near(r->totals.discharge_kwh, 360.0, 1e-9);
    assert_near(r->totals.import_kwh, 540.0, 1e-9);
    assert_near(r->totals.load_kwh, 1000.0, 1e-9);
    assert_near(r->totals.pv_kwh, 100.0, 1e-9);
    assert_true(r->totals.unserved_kwh == 0.0);

    /* A rolling-horizon start at SOC 0.1 has nothing to give: all import. */
    double soc0[1] = {0.1};
    in.soc_initial = soc0;
    zp_dispatch_result_free(ctx, r);
    r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->totals.import_kwh, 900.0, 1e-9);
    assert_true(r->totals.discharge_kwh == 0.0);
    zp_dispatch_result_free(ctx, r);
    zp_ctx_free(ctx);
}

/* Import limit: firm 1000, nothing else, limit 700 -> import 700,
 * unserved 300. Export limit: PV 1000, firm 200, limit 300 -> export 300,
 * curtailed 500. 15-min steps: energies are a quarter of the powers. */
static void test_grid_limits(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double firm[2] = {1000, 200}, pv[2] = {0, 1000};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 2;
    in.step_h = 0.25;
    in.pv_kw = pv;
    in.firm_kw = firm;
    in.import_limit_kw = 700;
    in.export_limit_kw = 300;
    zp_dispatch_result *r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->grid_import_kw[0], 700.0, 1e-9);
    assert_near(r->unserved_kw[0], 300.0, 1e-9);
    assert_true(r->flex_unserved_kw[0] == 0.0);
    assert_near(r->grid_export_kw[1], 300.0, 1e-9);
    assert_near(r->curtailed_kw[1], 500.0, 1e-9);
    assert_near(r->pv_used_kw[1], 500.0, 1e-9); /* 200 to load + 300 exported */
    /* kWh: 300 * 0.25 = 75 unserved; 500 * 0.25 = 125 curtailed. */
    assert_near(r->totals.unserved_kwh, 75.0, 1e-9);
    assert_near(r->totals.curtailed_kwh, 125.0, 1e-9);
    assert_near(r->totals.import_kwh, 175.0, 1e-9);
    assert_near(r->totals.export_kwh, 75.0, 1e-9);
    zp_dispatch_result_free(ctx, r);

    /* Import limit 0 with a battery: the battery still serves. */
    zp_storage s = small_bess();
    in.storage = &s;
    in.nstorage = 1;
    in.import_limit_kw = 0;
    in.step_h = 1.0;
    r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->storage[0].discharge_kw[0], 300.0, 1e-9);
    assert_near(r->unserved_kw[0], 700.0, 1e-9);
    zp_dispatch_result_free(ctx, r);
    zp_ctx_free(ctx);
}

/* Flexible demand, dt 1 h, max delay 3 h: 100 kW arrives at t0 (deadline
 * t3). PV 60 at t2 only, no firm, no storage.
 *   t0: no surplus -> 100 waits (delayed 100, backlog 100 kWh)
 *   t1: nothing
 *   t2: surplus 60 serves 60 (2 h late); 40 waits (backlog 40)
 *   t3: deadline -> 40 released, imported
 *   delayed 100 kWh; energy-weighted deferral 60 * 2 + 40 * 3 = 240 kWh*h */
static void test_flexible_delay_and_deadline(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double fkw[6] = {100, 0, 0, 0, 0, 0}, pv[6] = {0, 0, 60, 0, 0, 0};
    zp_dispatch_flex f = {"factory", fkw, 3.0, 0, NULL, 0};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 6;
    in.step_h = 1.0;
    in.pv_kw = pv;
    in.flex = &f;
    in.nflex = 1;
    zp_dispatch_result *r = run(ctx, &in);
    check_invariants(&in, r);
    const double served[6] = {0, 0, 60, 40, 0, 0};
    const double backlog[6] = {100, 100, 40, 0, 0, 0};
    const double import[6] = {0, 0, 0, 40, 0, 0};
    for (size_t t = 0; t < 6; t++) {
        assert_near(r->flex_served_kw[t], served[t], 1e-9);
        assert_near(r->flex_backlog_kwh[t], backlog[t], 1e-9);
        assert_near(r->grid_import_kw[t], import[t], 1e-9);
    }
    assert_near(r->flex_delayed_kw[0], 100.0, 1e-9);
    assert_near(r->pv_used_kw[2], 60.0, 1e-9);
    assert_near(r->totals.delayed_kwh, 100.0, 1e-9);
    assert_near(r->totals.delay_kwh_h, 240.0, 1e-9);
    assert_near(r->flex[0].served_kwh, 100.0, 1e-9);
    assert_true(r->totals.unserved_kwh == 0.0);
    zp_dispatch_result_free(ctx, r);

    /* With PV 150 at t1 instead, all 100 is served there, 1 h late;
     * the other 50 kW of PV is curtailed (export limit 0). */
    double pv2[6] = {0, 150, 0, 0, 0, 0};
    in.pv_kw = pv2;
    r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->flex_served_kw[1], 100.0, 1e-9);
    assert_near(r->curtailed_kw[1], 50.0, 1e-9);
    assert_true(r->totals.import_kwh == 0.0);
    assert_near(r->totals.delay_kwh_h, 100.0, 1e-9);
    zp_dispatch_result_free(ctx, r);

    /* Surplus in the arrival step serves it at once: no delay. */
    double pv3[6] = {100, 0, 0, 0, 0, 0};
    in.pv_kw = pv3;
    r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->flex_served_kw[0], 100.0, 1e-9);
    assert_true(r->flex_delayed_kw[0] == 0.0);
    assert_true(r->totals.delayed_kwh == 0.0);
    zp_dispatch_result_free(ctx, r);

    /* 15-min steps: 3 h = 12 steps, so the deadline of t0 is t12. */
    double fq[16] = {100}, pvq[16] = {0};
    in.steps = 16;
    in.step_h = 0.25;
    in.pv_kw = pvq;
    f.kw = fq;
    r = run(ctx, &in);
    check_invariants(&in, r);
    for (size_t t = 0; t < 16; t++)
        assert_near(r->grid_import_kw[t], t == 12 ? 100.0 : 0.0, 1e-9);
    /* 25 kWh deferred 3 h */
    assert_near(r->totals.delay_kwh_h, 75.0, 1e-9);
    zp_dispatch_result_free(ctx, r);
    zp_ctx_free(ctx);
}

/* Earliest deadline first across loads, dt 1 h. A (delay 5 h) and B
 * (delay 1 h) each bring 100 kW at t0; PV 150 at t1.
 *   t1: B's deadline (t1) precedes A's (t5): B gets 100, A gets 50.
 *   t5: A's remaining 50 is due -> imported.
 * A tie goes to the earlier load in model order. */
static void test_flexible_edf(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double a[6] = {100, 0, 0, 0, 0, 0}, b[6] = {100, 0, 0, 0, 0, 0};
    double pv[6] = {0, 150, 0, 0, 0, 0};
    zp_dispatch_flex f[2] = {{"A", a, 5.0, 0, NULL, 0}, {"B", b, 1.0, 0, NULL, 0}};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 6;
    in.step_h = 1.0;
    in.pv_kw = pv;
    in.flex = f;
    in.nflex = 2;
    zp_dispatch_result *r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->flex_served_kw[1], 150.0, 1e-9);
    assert_true(r->grid_import_kw[1] == 0.0);
    assert_near(r->grid_import_kw[5], 50.0, 1e-9);
    assert_near(r->flex[1].delay_kwh_h, 100.0, 1e-9);          /* 100 * 1 h */
    assert_near(r->flex[0].delay_kwh_h, 50.0 + 250.0, 1e-9);   /* 50 * 1 + 50 * 5 */
    zp_dispatch_result_free(ctx, r);

    /* Same deadlines: model order decides (A first). */
    f[0].max_delay_h = 1.0;
    r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->flex[0].delay_kwh_h, 100.0, 1e-9); /* all of A at t1 */
    /* B: 50 from surplus at t1 and the rest, due at t1, imported: 100 * 1 h */
    assert_near(r->flex[1].delay_kwh_h, 100.0, 1e-9);
    assert_near(r->grid_import_kw[1], 50.0, 1e-9);    /* B's rest, due at t1 */
    zp_dispatch_result_free(ctx, r);
    zp_ctx_free(ctx);
}

/* Forced flexible energy beyond the import limit is unserved, before
 * firm demand: firm 50, flexible 100 with no delay allowed, import
 * limit 120 -> deficit 150, import 120, unserved 30, all flexible.
 * Arrivals in the last step are due in it (horizon end). */
static void test_flexible_unserved_and_horizon(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double firm[1] = {50}, fkw[1] = {100};
    zp_dispatch_flex f = {NULL, fkw, 0.0, 0, NULL, 0};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 1;
    in.step_h = 1.0;
    in.firm_kw = firm;
    in.flex = &f;
    in.nflex = 1;
    in.import_limit_kw = 120;
    zp_dispatch_result *r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->grid_import_kw[0], 120.0, 1e-9);
    assert_near(r->unserved_kw[0], 30.0, 1e-9);
    assert_near(r->flex_unserved_kw[0], 30.0, 1e-9);
    assert_near(r->flex[0].served_kwh, 70.0, 1e-9);
    assert_near(r->flex[0].unserved_kwh, 30.0, 1e-9);
    zp_dispatch_result_free(ctx, r);

    /* Nothing is deferred out of the horizon: 100 kW arrives in each of
     * 4 steps, max delay 2 h, no renewables.
     *   t0 -> deadline t2; t1 -> deadline t3 (both queued)
     *   t2, t3: t + 2 > last step 3, so due at once.
     *   import: t2 = 100 (t0's) + 100 (own) = 200; t3 = 100 + 100 = 200
     * (clipping deadlines to the last step would instead pile 300 on t3). */
    double f4[4] = {100, 100, 100, 100};
    f.kw = f4;
    f.max_delay_h = 2.0;
    in.steps = 4;
    in.firm_kw = NULL;
    in.import_limit_kw = INFINITY;
    r = run(ctx, &in);
    check_invariants(&in, r);
    const double imp4[4] = {0, 0, 200, 200};
    for (size_t t = 0; t < 4; t++)
        assert_near(r->grid_import_kw[t], imp4[t], 1e-9);
    assert_near(r->totals.delay_kwh_h, 400.0, 1e-9); /* 2 x 100 kWh x 2 h */
    assert_near(r->totals.delayed_kwh, 200.0, 1e-9);
    zp_dispatch_result_free(ctx, r);

    /* Arrival at the last step with 12 h allowed: due at once. */
    double f3[3] = {0, 0, 100};
    f.kw = f3;
    f.max_delay_h = 12.0;
    in.steps = 3;
    in.firm_kw = NULL;
    in.import_limit_kw = INFINITY;
    r = run(ctx, &in);
    check_invariants(&in, r);
    assert_near(r->grid_import_kw[2], 100.0, 1e-9);
    assert_true(r->flex_backlog_kwh[2] == 0.0);
    zp_dispatch_result_free(ctx, r);
    zp_ctx_free(ctx);
}

/* A random year: PV with a daily shape, wind, firm load, two flexible
 * loads (6 h and 12 h), two batteries, finite grid limits so that every
 * branch (unserved, export, curtailment) happens. */
typedef struct year {
    double *pv, *wind, *firm, *fa, *fb;
    zp_dispatch_flex flex[2];
    zp_storage st[2];
    zp_dispatch_input in;
} year;

static void year_make(year *y, size_t steps, double step_h, uint64_t seed)
{
    test_rng_state = seed;
    y->pv = calloc(steps, sizeof(double));
    y->wind = calloc(steps, sizeof(double));
    y->firm = calloc(steps, sizeof(double));
    y->fa = calloc(steps, sizeof(double));
    y->fb = calloc(steps, sizeof(double));
    assert_true(y->pv && y->wind && y->firm && y->fa && y->fb);
    for (size_t t = 0; t < steps; t++) {
        double hour = fmod((double)t * step_h, 24.0);
        double sun = sin((hour - 6.0) / 12.0 * 3.141592653589793);
        y->pv[t] = sun > 0 ? 60000.0 * sun * (0.3 + 0.7 * test_rnd()) : 0.0;
        y->wind[t] = test_rnd() < 0.3 ? 0.0 : 15000.0 * test_rnd() * test_rnd();
        y->firm[t] = 6000.0 + 8000.0 * test_rnd();
        y->fa[t] = 3000.0 * test_rnd();
        y->fb[t] = test_rnd() < 0.1 ? 0.0 : 8000.0 * test_rnd();
    }
    y->flex[0] = (zp_dispatch_flex){"factory", y->fa, 6.0, 0, NULL, 0};
    y->flex[1] = (zp_dispatch_flex){"datacenter", y->fb, 12.0, 0, NULL, 0};
    y->st[0] = small_bess();
    y->st[0].energy_kwh = 40000;
    y->st[0].power_kw = 10000;
    y->st[0].charge_efficiency = 0.95;
    y->st[0].discharge_efficiency = 0.95;
    y->st[0].soc_max = 0.95;
    y->st[1] = small_bess();
    y->st[1].energy_kwh = 8000;
    y->st[1].power_kw = 4000;
    zp_dispatch_input_init(&y->in);
    y->in.steps = steps;
    y->in.step_h = step_h;
    y->in.pv_kw = y->pv;
    y->in.wind_kw = y->wind;
    y->in.firm_kw = y->firm;
    y->in.flex = y->flex;
    y->in.nflex = 2;
    y->in.storage = y->st;
    y->in.nstorage = 2;
    y->in.import_limit_kw = 14000;
    y->in.export_limit_kw = 3000;
}

static void year_free(year *y)
{
    free(y->pv);
    free(y->wind);
    free(y->firm);
    free(y->fa);
    free(y->fb);
}

static void test_random_year(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const double step_hs[2] = {1.0, 0.25};
    for (int v = 0; v < 2; v++) {
        year y;
        size_t steps = (size_t)(8784 / step_hs[v]);
        year_make(&y, steps, step_hs[v], 20240101u + (uint64_t)v);
        zp_dispatch_result *r = run(ctx, &y.in);
        check_invariants(&y.in, r);
        /* The random year exercises every branch. */
        const zp_dispatch_totals *T = &r->totals;
        print_message("year %zu steps: unserved %.0f export %.0f curtailed %.0f charge %.0f "
                      "delayed %.0f import %.0f kWh\n", steps, T->unserved_kwh,
                      T->export_kwh, T->curtailed_kwh, T->charge_kwh, T->delayed_kwh,
                      T->import_kwh);
        assert_true(T->unserved_kwh > 0.0 && T->export_kwh > 0.0 && T->curtailed_kwh > 0.0);
        assert_true(T->charge_kwh > 0.0 && T->discharge_kwh > 0.0 && T->delayed_kwh > 0.0);
        assert_true(T->import_kwh > 0.0);

        /* Determinism: a second run is bit-identical. */
        zp_dispatch_result *r2 = run(ctx, &y.in);
        size_t nd = steps * (10 + 3 * 2);
        assert_memory_equal(r->block_, r2->block_, nd * sizeof(double));
        assert_memory_equal(&r->totals, &r2->totals, sizeof r->totals);
        assert_memory_equal(r->flex, r2->flex, 2 * sizeof *r->flex);
        zp_dispatch_result_free(ctx, r2);
        zp_dispatch_result_free(ctx, r);
        year_free(&y);
    }
    zp_ctx_free(ctx);
}

/* With one flexible load the per-step release can be checked against the
 * deadlines directly: by the end of step t, everything that arrived by
 * t - k has left the queue, and nothing leaves before it arrives. Random
 * inputs, random delays, random limits. */
static void test_random_flexible_conservation(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    test_rng_state = 7;
    for (int run_i = 0; run_i < 200; run_i++) {
        size_t steps = 1 + (size_t)(test_rnd() * 300);
        double step_h = test_rnd() < 0.5 ? 1.0 : 0.25;
        double *pv = calloc(steps, sizeof(double));
        double *firm = calloc(steps, sizeof(double));
        double *fk = calloc(steps, sizeof(double));
        assert_true(pv && firm && fk);
        for (size_t t = 0; t < steps; t++) {
            pv[t] = test_rnd() < 0.5 ? 0.0 : 500.0 * test_rnd();
            firm[t] = 200.0 * test_rnd();
            fk[t] = test_rnd() < 0.3 ? 0.0 : 300.0 * test_rnd();
        }
        double delay_h = floor(test_rnd() * 30.0) * step_h;
        if (run_i % 7 == 0)
            delay_h = 1e6; /* longer than the horizon */
        zp_dispatch_flex f = {"f", fk, delay_h, 0, NULL, 0};
        zp_storage s = small_bess();
        zp_dispatch_input in;
        zp_dispatch_input_init(&in);
        in.steps = steps;
        in.step_h = step_h;
        in.pv_kw = pv;
        in.firm_kw = firm;
        in.flex = &f;
        in.nflex = 1;
        in.storage = &s;
        in.nstorage = (size_t)(run_i % 2);
        in.import_limit_kw = test_rnd() < 0.5 ? (double)INFINITY : 400.0 * test_rnd();
        in.export_limit_kw = 200.0 * test_rnd();
        zp_dispatch_result *r = run(ctx, &in);
        check_invariants(&in, r);
        /* The same demand given as a share of a whole load (kw x share) is
         * dispatched the same way: whole = fk / 0.4 with share 0.4. */
        double *whole = calloc(steps, sizeof(double));
        assert_non_null(whole);
        for (size_t t = 0; t < steps; t++)
            whole[t] = fk[t] / 0.4;
        zp_dispatch_flex f2 = {"f", whole, delay_h, 0.4, NULL, 0};
        in.flex = &f2;
        zp_dispatch_result *r2 = run(ctx, &in);
        for (size_t t = 0; t < steps; t++) {
            assert_near(r2->flex_served_kw[t], r->flex_served_kw[t], 1e-6 * (1.0 + fk[t]));
            assert_near(r2->grid_import_kw[t], r->grid_import_kw[t], 1e-6 * (1.0 + fk[t]));
        }
        zp_dispatch_result_free(ctx, r2);
        free(whole);
        in.flex = &f;
        /* due[d]: energy whose deadline is step d (t + k, or t itself when
         * t + k is past the last step). */
        double kd = floor(delay_h / step_h + 1e-9);
        double *due = calloc(steps, sizeof(double));
        assert_non_null(due);
        for (size_t t = 0; t < steps; t++) {
            double d = (double)t + kd;
            due[d <= (double)(steps - 1) ? (size_t)d : t] += fk[t];
        }
        double cum_arr = 0, cum_rel = 0, cum_due = 0;
        for (size_t t = 0; t < steps; t++) {
            cum_arr += fk[t];
            cum_rel += r->flex_served_kw[t];
            cum_due += due[t];
            assert_true(cum_rel <= cum_arr + 1e-9 * (1.0 + cum_arr));
            assert_true(cum_rel >= cum_due - 1e-9 * (1.0 + cum_arr));
            assert_near(r->flex_backlog_kwh[t], (cum_arr - cum_rel) * step_h,
                        1e-6 * (1.0 + cum_arr));
        }
        assert_near(cum_rel, cum_arr, 1e-9 * (1.0 + cum_arr));
        free(due);
        zp_dispatch_result_free(ctx, r);
        free(pv);
        free(firm);
        free(fk);
    }
    zp_ctx_free(ctx);
}

static void test_input_errors(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_dispatch_result *r = (zp_dispatch_result *)1;
    double pv[3] = {1, NAN, 3}, neg[3] = {1, 2, -3};
    zp_storage s = small_bess();
    zp_dispatch_flex f = {"fab", neg, 2.0, 0, NULL, 0};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    assert_true(isinf(in.import_limit_kw) && in.export_limit_kw == 0.0);
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EINVAL); /* 0 steps */
    assert_null(r);
    in.steps = 3;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EINVAL); /* step_h 0 */
    in.step_h = 1.0;
    in.pv_kw = pv;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "pv_kw at step 1"));
    in.pv_kw = NULL;
    in.firm_kw = neg;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "firm_kw at step 2"));
    in.firm_kw = NULL;
    in.flex = &f;
    in.nflex = 1;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "fab"));
    f.kw = NULL; /* NULL series = no demand */
    f.max_delay_h = -1;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EINVAL);
    f.max_delay_h = 2;
    in.flex = NULL;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EINVAL);
    in.flex = &f;
    s.soc_max = 2.0;
    in.storage = &s;
    in.nstorage = 1;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "small"));
    s = small_bess();
    double soc0[1] = {0.95};
    in.soc_initial = soc0;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EINVAL);
    in.soc_initial = NULL;
    in.import_limit_kw = NAN;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EINVAL);
    in.import_limit_kw = 5;
    in.export_limit_kw = -1;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_EINVAL);
    in.export_limit_kw = INFINITY; /* unlimited export is allowed */
    assert_int_equal(zp_dispatch_rule(ctx, &in, &r), ZP_OK);
    zp_dispatch_result_free(ctx, r);
    assert_int_equal(zp_dispatch_rule(ctx, NULL, &r), ZP_EINVAL);
    assert_int_equal(zp_dispatch_rule(ctx, &in, NULL), ZP_EINVAL);
    zp_dispatch_result_free(ctx, NULL);
    zp_ctx_free(ctx);
}

/* Allocator that fails after a number of allocations. */
typedef struct failing {
    int left;
} failing;

static void *failing_alloc(void *ud, void *ptr, size_t nsize)
{
    failing *f = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (f->left-- <= 0)
        return NULL;
    return realloc(ptr, nsize);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    year y;
    year_make(&y, 48, 1.0, 99);
    int ok = 0;
    for (int n = 0; n < 40 && !ok; n++) {
        failing f = {1000}; /* room for the context itself */
        zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &f);
        assert_non_null(ctx);
        f.left = n;
        zp_dispatch_result *r = (zp_dispatch_result *)1;
        zp_status rc = zp_dispatch_rule(ctx, &y.in, &r);
        if (rc == ZP_OK) {
            ok = 1;
            check_invariants(&y.in, r);
        } else {
            assert_int_equal(rc, ZP_ENOMEM);
            assert_null(r);
        }
        zp_dispatch_result_free(ctx, r);
        f.left = 1000;
        zp_ctx_free(ctx);
    }
    assert_true(ok);
    year_free(&y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_surplus_charging),
        cmocka_unit_test(test_deficit_discharging),
        cmocka_unit_test(test_grid_limits),
        cmocka_unit_test(test_flexible_delay_and_deadline),
        cmocka_unit_test(test_flexible_edf),
        cmocka_unit_test(test_flexible_unserved_and_horizon),
        cmocka_unit_test(test_random_year),
        cmocka_unit_test(test_random_flexible_conservation),
        cmocka_unit_test(test_input_errors),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
