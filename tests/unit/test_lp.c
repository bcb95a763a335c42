/*
 * test_lp.c - the optimal (LP) dispatch: hand-computed optima (battery
 * arbitrage, a grid limit that forces unserved energy, flexible demand
 * moved to the green step within its deadline, a storage reserve through a
 * grid outage), plan invariants on seeded random inputs (balance, limits,
 * terminal SOC, no simultaneous charge and discharge), LP <= rule on the
 * same objective, the tie-break epsilons leaving the optimum alone, the
 * exported MPS solved by independent solvers (GLPK's glpsol, SciPy's
 * HiGHS through tests/unit/lp_reference.py), warm starts on a rolling
 * horizon, and the rule fallback when CLP stops early.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "need.h"
#include "testutil.h"

#include "zeropark/dispatch.h"

#include "lp_testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PI 3.14159265358979323846

/* ---- hand-computed cases -------------------------------------------------- */

/* Four hours, firm 100 kW, no renewables, cost objective, prices
 * [0.2, 0.9, 0.3, 0.8] CNY/kWh. Battery 100 kWh, 50 kW, eta 0.9 / 0.9,
 * SOC 0..1 starting at 0.5 (50 kWh); terminal energy >= 50 kWh.
 *
 * A stored kWh is worth 0.9 x 0.9 = 0.81 CNY at hour 1 and 0.9 x 0.8 =
 * 0.72 at hour 3; it costs 0.2 / 0.9 = 0.22 at hour 0 and 0.3 / 0.9 =
 * 0.33 at hour 2. So:
 *   h0: charge at the power limit, 50 kW -> e = 50 + 45 = 95 kWh
 *   h1: discharge at the power limit, 50 kW -> e = 95 - 50/0.9 = 39.444 kWh
 *   h2: charge 50 kW (e stays below 100) -> e = 84.444 kWh
 *   h3: discharge down to the terminal 50 kWh: (84.444 - 50) x 0.9 = 31 kW
 * Imports 150, 50, 150, 69 kW; cost 30 + 45 + 45 + 55.2 = 175.2 CNY
 * (220 without the battery). The LP objective adds epsilon per kWh
 * through the battery: (50 + 50 + 50 + 31) x eps. */
static void test_arbitrage(void **state)
{
    zp_ctx *ctx = *state;
    double firm[4] = {100, 100, 100, 100}, price[4] = {0.2, 0.9, 0.3, 0.8};
    zp_storage s = bess(100, 50, 0.9, 0.9, 0.0, 1.0, 0.5);
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 4;
    in.step_h = 1;
    in.firm_kw = firm;
    in.storage = &s;
    in.nstorage = 1;
    in.import_price_cny_per_kwh = price;
    in.objective = ZP_MINIMISE_COST;
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &in, NULL, &info);
    check_plan(&in, NULL, r);
    const double imp[4] = {150, 50, 150, 69};
    const double ch[4] = {50, 0, 50, 0}, dis[4] = {0, 50, 0, 31};
    for (int t = 0; t < 4; t++) {
        assert_near(r->grid_import_kw[t], imp[t], 1e-9);
        assert_near(r->storage[0].charge_kw[t], ch[t], 1e-9);
        assert_near(r->storage[0].discharge_kw[t], dis[t], 1e-9);
    }
    assert_near(r->storage[0].soc[3], 0.5, 1e-9);
    assert_near(info.objective_economic, 175.2, 1e-9);
    assert_near(zp_dispatch_objective(&in, r), 175.2, 1e-9);
    assert_near(info.epsilon, 1e-6 * 0.9, 1e-15);
    assert_near(info.objective, 175.2 + 181 * info.epsilon, 1e-9);
    assert_int_equal(info.cols, 4 * 8);
    assert_int_equal(info.rows, 4 * 2);
    zp_dispatch_result_free(ctx, r);
}

/* Two hours, firm 100 kW, PV [50, 0], import limit 40 kW, no storage,
 * carbon objective with factor 0.5: hour 0 supplies 50 + 40 = 90 (10
 * unserved), hour 1 supplies 40 (60 unserved). Emissions 80 x 0.5 = 40 kg.
 * With a 20 kWh battery at 50 % the total stays 70 kWh unserved (the
 * terminal constraint forbids net discharge). */
static void test_unserved(void **state)
{
    zp_ctx *ctx = *state;
    double firm[2] = {100, 100}, pv[2] = {50, 0}, f[2] = {0.5, 0.5};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 2;
    in.step_h = 1;
    in.firm_kw = firm;
    in.pv_kw = pv;
    in.import_limit_kw = 40;
    in.grid_factor_kg_per_kwh = f;
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &in, NULL, &info);
    check_plan(&in, NULL, r);
    assert_near(r->unserved_kw[0], 10, 1e-9);
    assert_near(r->unserved_kw[1], 60, 1e-9);
    assert_near(r->grid_import_kw[0], 40, 1e-9);
    assert_near(r->grid_import_kw[1], 40, 1e-9);
    assert_near(r->totals.unserved_kwh, 70, 1e-9);
    assert_near(info.objective_economic, 40, 1e-9);
    /* Automatic penalty: 100 x the largest marginal value (0.5). */
    assert_near(info.unserved_penalty, 50, 1e-12);
    assert_near(info.objective, 40 + 70 * 50, 1e-9);
    zp_dispatch_result_free(ctx, r);

    zp_storage s = bess(20, 10, 1.0, 1.0, 0.0, 1.0, 0.5);
    in.storage = &s;
    in.nstorage = 1;
    r = solve_ok(ctx, &in, NULL, &info);
    check_plan(&in, NULL, r);
    assert_near(r->totals.unserved_kwh, 70, 1e-9);
    assert_near(r->totals.import_kwh, 80, 1e-9);
    assert_near(info.objective_economic, 40, 1e-9);
    zp_dispatch_result_free(ctx, r);
}

/* Four hours, carbon factors [0.8, 0.8, 0.2, 0.0], no firm demand, one
 * flexible load with max_delay 2 h: 40 kW arrives at hour 0 (deadline
 * hour 2) and 10 kW at hour 2 (2 + 2 = 4 is past the last hour 3, so it is
 * due at once, as in the rule). Best: the 40 kWh wait for hour 2 (0.2 is
 * the greenest hour in its window 0..2; hour 3 is out of reach) and the
 * 10 kWh are served at hour 2. Emissions 50 x 0.2 = 10 kg (32 kg served on
 * arrival; 8 kg if the late arrival could move to hour 3, which the
 * deadline rule forbids). Delay: 40 kWh x 2 h = 80 kWh h; the LP objective
 * adds eps per kWh queued per step: 40 + 40. */
static void test_flexible(void **state)
{
    zp_ctx *ctx = *state;
    double f[4] = {0.8, 0.8, 0.2, 0.0}, kw[4] = {40, 0, 10, 0};
    zp_dispatch_flex fl = {"jobs", kw, 2.0, 0.0, NULL, 0};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 4;
    in.step_h = 1;
    in.flex = &fl;
    in.nflex = 1;
    in.grid_factor_kg_per_kwh = f;
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &in, NULL, &info);
    check_plan(&in, NULL, r);
    const double served[4] = {0, 0, 50, 0}, backlog[4] = {40, 40, 0, 0};
    for (int t = 0; t < 4; t++) {
        assert_near(r->flex_served_kw[t], served[t], 1e-9);
        assert_near(r->flex_backlog_kwh[t], backlog[t], 1e-9);
        assert_near(r->grid_import_kw[t], served[t], 1e-9);
    }
    assert_near(r->flex_delayed_kw[0], 40, 1e-9);
    assert_near(info.objective_economic, 10, 1e-9);
    assert_near(info.objective, 10 + 80 * info.epsilon, 1e-9);
    assert_near(r->flex[0].demand_kwh, 50, 1e-9);
    assert_near(r->flex[0].served_kwh, 50, 1e-9);
    assert_near(r->flex[0].delayed_kwh, 40, 1e-9);
    assert_near(r->flex[0].delay_kwh_h, 80, 1e-9);
    assert_near(r->totals.unserved_kwh, 0, 1e-12);

    /* The rule serves the 40 kWh at the deadline too (no surplus to use). */
    zp_dispatch_result *rr = NULL;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &rr), ZP_OK);
    assert_near(zp_dispatch_objective(&in, rr), 10, 1e-9);
    zp_dispatch_result_free(ctx, rr);

    /* The flexible share of a whole load gives the same answer. */
    double whole[4] = {80, 0, 20, 0};
    fl.kw = whole;
    fl.share = 0.5;
    zp_dispatch_result_free(ctx, r);
    r = solve_ok(ctx, &in, NULL, &info);
    assert_near(info.objective_economic, 10, 1e-9);
    zp_dispatch_result_free(ctx, r);
}

/* Reserve through an outage. Four hours, firm 20 kW, flat price 0.5,
 * battery 100 kWh / 50 kW, eta 1, SOC 0.1..1 from 0.5 (50 kWh). The grid
 * is out in hour 2, so the battery carries 20 kWh then. Without a reserve
 * the cost is 80 x 0.5 = 40 either way. With reserve_kwh 40 (usable =
 * energy - 10 kWh >= 40) the energy must stay >= 50 kWh at every step end:
 * the battery is charged by 20 kWh before the outage, at the same cost.
 * Asking 100 kWh usable (90 is the most) cannot be met: the shortfall is
 * penalised, the LP stays feasible and optimal, and supply comes first. */
static void test_reserve_outage(void **state)
{
    zp_ctx *ctx = *state;
    double firm[4] = {20, 20, 20, 20}, price[4] = {0.5, 0.5, 0.5, 0.5};
    double lim[4] = {INFINITY, INFINITY, 0, INFINITY};
    double reserve[4] = {40, 40, 40, 40};
    zp_storage s = bess(100, 50, 1.0, 1.0, 0.1, 1.0, 0.5);
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 4;
    in.step_h = 1;
    in.firm_kw = firm;
    in.storage = &s;
    in.nstorage = 1;
    in.import_price_cny_per_kwh = price;
    in.objective = ZP_MINIMISE_COST;
    zp_lp_opts o;
    zp_lp_opts_init(&o);
    o.import_limit_kw = lim;
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &in, &o, &info);
    check_plan(&in, &o, r);
    assert_near(r->grid_import_kw[2], 0, 1e-12);
    assert_near(r->storage[0].discharge_kw[2], 20, 1e-9);
    assert_near(r->totals.unserved_kwh, 0, 1e-9);
    assert_near(info.objective_economic, 40, 1e-9);
    zp_dispatch_result_free(ctx, r);

    o.reserve_kwh = reserve;
    r = solve_ok(ctx, &in, &o, &info);
    check_plan(&in, &o, r);
    for (int t = 0; t < 4; t++)
        assert_true(r->storage[0].soc[t] * 100 >= 50 - 1e-6);
    assert_near(r->totals.unserved_kwh, 0, 1e-9);
    assert_near(info.objective_economic, 40, 1e-9);
    assert_true(info.reserve_penalty > 0);
    assert_int_equal(info.rows, 4 * 3);
    zp_dispatch_result_free(ctx, r);

    double big[4] = {100, 100, 100, 100};
    o.reserve_kwh = big;
    r = solve_ok(ctx, &in, &o, &info);
    check_plan(&in, &o, r);
    assert_near(r->totals.unserved_kwh, 0, 1e-9);
    /* Full before and after the outage, 20 kWh short of full after it. */
    assert_near(r->storage[0].soc[0], 1.0, 1e-9);
    assert_near(r->storage[0].soc[2], 0.8, 1e-9);
    zp_dispatch_result_free(ctx, r);
}

/* ---- random inputs ---------------------------------------------------------- */

typedef struct rnd_case {
    size_t steps;
    double dt;
    double *pv, *wind, *firm, *flex0, *flex1, *price, *eprice, *factor;
    zp_dispatch_flex fl[2];
    zp_storage st[2];
    zp_dispatch_input in;
} rnd_case;

static void rnd_case_make(rnd_case *c, size_t steps, double dt, uint64_t seed, int soc_at_min)
{
    memset(c, 0, sizeof *c);
    test_rng_state = seed;
    c->steps = steps;
    c->dt = dt;
    double **arrs[] = {&c->pv, &c->wind, &c->firm, &c->flex0, &c->flex1, &c->price,
                       &c->eprice, &c->factor};
    for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
        *arrs[i] = calloc(steps, sizeof(double));
        assert_non_null(*arrs[i]);
    }
    for (size_t t = 0; t < steps; t++) {
        double h = fmod((double)t * dt, 24.0);
        double sun = fmax(0.0, sin((h - 6.0) / 12.0 * PI));
        c->pv[t] = 400 * sun * (0.5 + 0.5 * test_rnd());
        c->wind[t] = 150 * test_rnd();
        c->firm[t] = 150 + 100 * test_rnd();
        c->flex0[t] = 60 * test_rnd();
        c->flex1[t] = 200 * test_rnd();
        c->price[t] = 0.3 + 0.7 * test_rnd();
        c->eprice[t] = 0.2 * test_rnd();
        c->factor[t] = 0.4 + 0.4 * test_rnd();
    }
    c->fl[0] = (zp_dispatch_flex){"f0", c->flex0, 4.0, 0.0, NULL, 0};
    c->fl[1] = (zp_dispatch_flex){"f1", c->flex1, 6.0, 0.25, NULL, 0};
    c->st[0] = bess(800, 200, 0.95, 0.95, 0.1, 0.9, soc_at_min ? 0.1 : 0.2 + 0.6 * test_rnd());
    c->st[1] = bess(300, 150, 0.9, 0.92, 0.05, 1.0, soc_at_min ? 0.05 : 0.5);
    zp_dispatch_input_init(&c->in);
    c->in.steps = steps;
    c->in.step_h = dt;
    c->in.pv_kw = c->pv;
    c->in.wind_kw = c->wind;
    c->in.firm_kw = c->firm;
    c->in.flex = c->fl;
    c->in.nflex = 2;
    c->in.storage = c->st;
    c->in.nstorage = 2;
    c->in.import_limit_kw = 350;
    c->in.export_limit_kw = 100;
    c->in.import_price_cny_per_kwh = c->price;
    c->in.export_price_cny_per_kwh = c->eprice;
    c->in.grid_factor_kg_per_kwh = c->factor;
    c->in.objective = (zp_objective_kind)(seed % 3);
    c->in.carbon_price_cny_per_t = 200;
}

static void rnd_case_free(rnd_case *c)
{
    free(c->pv);
    free(c->wind);
    free(c->firm);
    free(c->flex0);
    free(c->flex1);
    free(c->price);
    free(c->eprice);
    free(c->factor);
}

/* The LP's full objective (penalties, epsilons) evaluated on any plan. */
static double full_objective(const zp_dispatch_input *in, const zp_dispatch_result *r,
                             const zp_lp_info *info)
{
    double v = zp_dispatch_objective(in, r);
    for (size_t t = 0; t < in->steps; t++) {
        double cyc = 0;
        for (size_t k = 0; k < in->nstorage; k++)
            cyc += r->storage[k].charge_kw[t] + r->storage[k].discharge_kw[t];
        v += (info->unserved_penalty * r->unserved_kw[t] + info->epsilon * cyc) * in->step_h +
             info->epsilon * r->flex_backlog_kwh[t];
    }
    return v;
}

/* Random horizons: invariants, LP <= rule, epsilons harmless. Storages
 * start at soc_min so the rule's plan (which ignores the terminal
 * constraint) is feasible for the LP and the comparison is fair. */
static void test_random(void **state)
{
    zp_ctx *ctx = *state;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        rnd_case c;
        size_t steps = seed % 2 ? 96 : 72;
        double dt = seed % 2 ? 0.25 : 1.0;
        rnd_case_make(&c, steps, dt, seed, 1);
        zp_lp_info info, info0;
        zp_dispatch_result *r = solve_ok(ctx, &c.in, NULL, &info);
        check_plan(&c.in, NULL, r);
        assert_near(full_objective(&c.in, r, &info), info.objective,
                    1e-7 * (1 + fabs(info.objective)));

        zp_dispatch_result *rr = NULL;
        assert_int_equal(zp_dispatch_rule(ctx, &c.in, &rr), ZP_OK);
        double rule_obj = full_objective(&c.in, rr, &info);
        if (!(info.objective <= rule_obj + 1e-9 * fabs(rule_obj)))
            print_error("seed %llu: LP %.17g > rule %.17g\n", (unsigned long long)seed,
                        info.objective, rule_obj);
        assert_true(info.objective <= rule_obj + 1e-9 * fabs(rule_obj));

        /* Without epsilons: the same economic optimum (plus penalty). */
        zp_lp_opts o;
        zp_lp_opts_init(&o);
        o.epsilon = -1;
        o.unserved_penalty = info.unserved_penalty;
        zp_dispatch_result *r0 = solve_ok(ctx, &c.in, &o, &info0);
        assert_true(info0.epsilon == 0.0);
        double a = info.objective_economic + info.unserved_penalty * r->totals.unserved_kwh;
        double b = info0.objective_economic + info0.unserved_penalty * r0->totals.unserved_kwh;
        if (fabs(a - b) > 1e-9 * fabs(b))
            print_error("seed %llu: with eps %.17g, without %.17g\n", (unsigned long long)seed,
                        a, b);
        assert_true(fabs(a - b) <= 1e-9 * fabs(b));
        zp_dispatch_result_free(ctx, r0);
        zp_dispatch_result_free(ctx, rr);
        zp_dispatch_result_free(ctx, r);
        rnd_case_free(&c);
    }
    /* Storages starting anywhere: invariants only. */
    for (uint64_t seed = 100; seed < 106; seed++) {
        rnd_case c;
        rnd_case_make(&c, 48, 0.5, seed, 0);
        zp_lp_info info;
        zp_dispatch_result *r = solve_ok(ctx, &c.in, NULL, &info);
        check_plan(&c.in, NULL, r);
        zp_dispatch_result_free(ctx, r);
        rnd_case_free(&c);
    }
}

/* ---- independent solvers on the MPS export ---------------------------------- */

static void test_mps_independent(void **state)
{
    zp_ctx *ctx = *state;
    zp_need("glpsol py:numpy py:scipy.optimize"); /* glpsol and lp_reference.py */
    int scipy = 1, glpk = 1;
    /* Arbitrage (as test_arbitrage). */
    double firm[4] = {100, 100, 100, 100}, price[4] = {0.2, 0.9, 0.3, 0.8};
    zp_storage s = bess(100, 50, 0.9, 0.9, 0.0, 1.0, 0.5);
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 4;
    in.step_h = 1;
    in.firm_kw = firm;
    in.storage = &s;
    in.nstorage = 1;
    in.import_price_cny_per_kwh = price;
    in.objective = ZP_MINIMISE_COST;
    check_mps(ctx, &in, NULL, "arbitrage", scipy, glpk);

    /* Negative prices: with the pwr rows (charge + discharge <= power). */
    double nprice[4] = {-1.0, 0.9, -0.3, 0.8};
    in.import_price_cny_per_kwh = nprice;
    check_mps(ctx, &in, NULL, "negative", scipy, glpk);
    in.import_price_cny_per_kwh = price;

    /* Forced unserved: import limit far below demand. */
    rnd_case c;
    rnd_case_make(&c, 48, 1.0, 7, 0);
    c.in.import_limit_kw = 50;
    check_mps(ctx, &c.in, NULL, "unserved", scipy, glpk);
    rnd_case_free(&c);

    /* Flexible loads, every objective, 15-min steps. */
    for (uint64_t seed = 21; seed <= 23; seed++) {
        char tag[32];
        snprintf(tag, sizeof tag, "flex%llu", (unsigned long long)seed);
        rnd_case_make(&c, 96, 0.25, seed, 0);
        check_mps(ctx, &c.in, NULL, tag, scipy, glpk);
        rnd_case_free(&c);
    }

    /* Outage with a reserve. */
    rnd_case_make(&c, 48, 1.0, 31, 0);
    double lim[48], res[48];
    for (int t = 0; t < 48; t++) {
        lim[t] = t >= 20 && t < 24 ? 0.0 : INFINITY;
        res[t] = t < 20 ? 400.0 : 100.0;
    }
    zp_lp_opts o;
    zp_lp_opts_init(&o);
    o.import_limit_kw = lim;
    o.reserve_kwh = res;
    check_mps(ctx, &c.in, &o, "reserve", scipy, glpk);
    rnd_case_free(&c);

    /* A month, hourly: long enough that the cold solve starts from the
     * weekly windows' bases (dispatch_lp.c, windows_basis), with an outage
     * and a reserve crossing the windows' seams. */
    rnd_case_make(&c, 720, 1.0, 37, 0);
    double *lim2 = malloc(720 * sizeof *lim2), *res2 = malloc(720 * sizeof *res2);
    assert_true(lim2 && res2);
    for (int t = 0; t < 720; t++) {
        lim2[t] = t >= 160 && t < 176 ? 0.0 : 350.0;
        res2[t] = t < 160 ? 300.0 : 0.0;
    }
    o.import_limit_kw = lim2;
    o.reserve_kwh = res2;
    check_mps(ctx, &c.in, &o, "month", scipy, 0);
    free(lim2);
    free(res2);
    rnd_case_free(&c);

    /* A month with negative prices at midday (export prices capped at the
     * import price, as the simulation does): the windows that seed the
     * basis carry the pwr rows of the full LP. */
    rnd_case_make(&c, 720, 1.0, 41, 0);
    c.in.objective = ZP_MINIMISE_COST;
    for (int t = 0; t < 720; t++) {
        if (t % 24 >= 11 && t % 24 < 15)
            c.price[t] = -0.4;
        if (c.eprice[t] > c.price[t])
            c.eprice[t] = c.price[t];
    }
    check_mps(ctx, &c.in, NULL, "negmonth", scipy, 0);
    rnd_case_free(&c);
}

/* Negative price with losses (docs/methodology.md, "Negative prices"):
 * three hours, firm 50 kW, prices [-1.0, 0.1, 0.1], battery 100 kWh /
 * 100 kW, eta 0.9 / 0.9, SOC 0..1 from 0.5 (terminal >= 50 kWh). With x
 * charge and y discharge in hour 0 the stored energy is 50 + 0.9x - y/0.9;
 * above 50 kWh it is discharged later at 0.9 AC kWh per stored kWh, each
 * saving 0.1 CNY: cost = -(50 + x - y) + 0.1 (100 - 0.9 (0.9x - y/0.9))
 * = -40 - 1.081x + 1.1y. Least with the battery full (0.9x - y/0.9 = 50)
 * and charge + discharge at the power (x + y = 100): y = 40 / (0.9 + 1/0.9),
 * x = 100 - y. Without the pwr row the LP would charge and discharge 100 +
 * 36 kW at once (cost -108.5). */
static void test_negative_price(void **state)
{
    zp_ctx *ctx = *state;
    double firm[3] = {50, 50, 50}, price[3] = {-1.0, 0.1, 0.1};
    zp_storage s = bess(100, 100, 0.9, 0.9, 0.0, 1.0, 0.5);
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 3;
    in.step_h = 1;
    in.firm_kw = firm;
    in.storage = &s;
    in.nstorage = 1;
    in.import_price_cny_per_kwh = price;
    in.objective = ZP_MINIMISE_COST;
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &in, NULL, &info);
    check_plan(&in, NULL, r);
    double y = 40 / (0.9 + 1 / 0.9), x = 100 - y;
    assert_near(r->storage[0].charge_kw[0], x, 1e-6);
    assert_near(r->storage[0].discharge_kw[0], y, 1e-6);
    assert_near(r->grid_import_kw[0], 50 + x - y, 1e-6);
    assert_near(r->storage[0].discharge_kw[1] + r->storage[0].discharge_kw[2], 45, 1e-6);
    assert_near(info.objective_economic, -40 - 1.081 * x + 1.1 * y, 1e-6);
    assert_int_equal(info.rows, 3 * 3); /* balance, dynamics, pwr */
    zp_dispatch_result_free(ctx, r);
    /* Every price >= 0: no pwr rows. */
    price[0] = 0.05;
    r = solve_ok(ctx, &in, NULL, &info);
    assert_int_equal(info.rows, 3 * 2);
    zp_dispatch_result_free(ctx, r);
}

/* The inputs as JSON for lp_reference.py --xform. */
static void write_json_array(FILE *f, const char *key, const double *v, size_t n, double scale,
                             int inf_null)
{
    fprintf(f, "\"%s\": [", key);
    for (size_t t = 0; t < n; t++) {
        double x = v ? v[t] * scale : 0.0;
        if (isinf(x) && inf_null)
            fprintf(f, "%snull", t ? "," : "");
        else
            fprintf(f, "%s%.17g", t ? "," : "", x);
    }
    fprintf(f, "]");
}

static void write_xform_json(const char *path, const zp_dispatch_input *in, const zp_lp_opts *o,
                             const zp_lp_info *info)
{
    const size_t n = in->steps;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    double *ic = calloc(n, sizeof *ic), *ev = calloc(n, sizeof *ev), *lim = calloc(n, sizeof *lim);
    assert_true(ic && ev && lim);
    for (size_t t = 0; t < n; t++) {
        double fac = in->grid_factor_kg_per_kwh ? in->grid_factor_kg_per_kwh[t] : 0;
        double pr = in->import_price_cny_per_kwh ? in->import_price_cny_per_kwh[t] : 0;
        double ep = in->export_price_cny_per_kwh ? in->export_price_cny_per_kwh[t] : 0;
        ic[t] = in->objective == ZP_MINIMISE_CARBON ? fac
              : in->objective == ZP_MINIMISE_COST ? pr
              : pr + in->carbon_price_cny_per_t * fac / 1000.0;
        ev[t] = in->objective == ZP_MINIMISE_CARBON ? 0 : ep;
        lim[t] = o && o->import_limit_kw ? o->import_limit_kw[t] : in->import_limit_kw;
    }
    fprintf(f, "{\"steps\": %zu, \"step_h\": %.17g, \"unserved_penalty\": %.17g, "
               "\"reserve_penalty\": %.17g, \"epsilon\": %.17g, \"export_limit_kw\": %.17g,\n",
            n, in->step_h, info->unserved_penalty, info->reserve_penalty, info->epsilon,
            in->export_limit_kw);
    write_json_array(f, "pv_kw", in->pv_kw, n, 1, 0);
    fprintf(f, ",\n");
    write_json_array(f, "wind_kw", in->wind_kw, n, 1, 0);
    fprintf(f, ",\n");
    write_json_array(f, "firm_kw", in->firm_kw, n, 1, 0);
    fprintf(f, ",\n");
    write_json_array(f, "import_cost", ic, n, 1, 0);
    fprintf(f, ",\n");
    write_json_array(f, "export_value", ev, n, 1, 0);
    fprintf(f, ",\n");
    write_json_array(f, "import_limit_kw", lim, n, 1, 1);
    fprintf(f, ",\n");
    if (o && o->reserve_kwh)
        write_json_array(f, "reserve_kwh", o->reserve_kwh, n, 1, 0);
    else
        fprintf(f, "\"reserve_kwh\": null");
    fprintf(f, ",\n\"storage\": [");
    for (size_t k = 0; k < in->nstorage; k++) {
        const zp_storage *st = &in->storage[k];
        fprintf(f, "%s{\"energy_kwh\": %.17g, \"power_kw\": %.17g, \"charge_efficiency\": %.17g, "
                   "\"discharge_efficiency\": %.17g, \"soc_min\": %.17g, \"soc_max\": %.17g, "
                   "\"soc_initial\": %.17g}", k ? "," : "", st->energy_kwh, st->power_kw,
                st->charge_efficiency, st->discharge_efficiency, st->soc_min, st->soc_max,
                in->soc_initial ? in->soc_initial[k] : st->soc_initial);
    }
    fprintf(f, "],\n\"flex\": [");
    for (size_t j = 0; j < in->nflex; j++) {
        const zp_dispatch_flex *fl = &in->flex[j];
        double ds = floor(fl->max_delay_h / in->step_h + 1e-9);
        fprintf(f, "%s{\"delay_steps\": %d, ", j ? "," : "", (int)ds);
        write_json_array(f, "kw", fl->kw, n, fl->share > 0 ? fl->share : 1.0, 0);
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
    fclose(f);
    free(ic);
    free(ev);
    free(lim);
}

/* The formulation itself: zeropark's queue form against the delay-variable
 * form x[j][t][d] built independently in Python, on the same inputs. */
static void check_xform(zp_ctx *ctx, const zp_dispatch_input *in, const zp_lp_opts *o,
                        const char *tag)
{
    char path[1024], cmd[2300], line[512];
    snprintf(path, sizeof path, "%s/test_lp_%ld_%s.json", ZP_BINARY_DIR, (long)getpid(), tag);
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, in, o, &info);
    zp_dispatch_result_free(ctx, r);
    write_xform_json(path, in, o, &info);
    snprintf(cmd, sizeof cmd, PYTHON " %s/tests/unit/lp_reference.py --xform %s", ZP_SOURCE_DIR,
             path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    double v = NAN;
    while (fgets(line, sizeof line, p))
        if (sscanf(line, "objective %lf", &v) == 1)
            break;
    pclose(p);
    print_message("  %-10s zeropark %.12g  delay-variable form (HiGHS) %.12g\n", tag,
                  info.objective, v);
    assert_false(isnan(v));
    assert_near(v, info.objective, 1e-6 * fmax(1.0, fabs(info.objective)));
    remove(path);
}

static void test_formulation_independent(void **state)
{
    zp_ctx *ctx = *state;
    zp_need("py:numpy py:scipy.optimize"); /* lp_reference.py */
    rnd_case c;
    for (uint64_t seed = 41; seed <= 44; seed++) {
        char tag[32];
        snprintf(tag, sizeof tag, "x%llu", (unsigned long long)seed);
        rnd_case_make(&c, seed % 2 ? 96 : 48, seed % 2 ? 0.25 : 1.0, seed, 0);
        if (seed == 44)
            c.in.import_limit_kw = 120; /* forced unserved */
        check_xform(ctx, &c.in, NULL, tag);
        rnd_case_free(&c);
    }
    rnd_case_make(&c, 48, 1.0, 45, 0);
    double lim[48], res[48];
    for (int t = 0; t < 48; t++) {
        lim[t] = t >= 30 && t < 34 ? 0.0 : INFINITY;
        res[t] = t < 30 ? 500.0 : 50.0;
    }
    zp_lp_opts o;
    zp_lp_opts_init(&o);
    o.import_limit_kw = lim;
    o.reserve_kwh = res;
    check_xform(ctx, &c.in, &o, "x-reserve");
    rnd_case_free(&c);
}

/* ---- warm start -------------------------------------------------------------- */

/* A rolling horizon: 48-step windows over a 72-step series, moved by one
 * or four steps. Each warm solve must match a cold solve of the same
 * window and need no more iterations. */
static void test_warm_start(void **state)
{
    zp_ctx *ctx = *state;
    rnd_case c;
    rnd_case_make(&c, 96, 1.0, 5, 0);
    const size_t H = 48;
    zp_lp *lp = zp_lp_new(ctx);
    assert_non_null(lp);
    double soc0[2] = {0.5, 0.5};
    size_t start = 0, shifts[] = {0, 1, 1, 4, 1, 6};
    int total_warm = 0, total_cold = 0;
    for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
        start += shifts[i];
        zp_dispatch_input w = c.in;
        w.steps = H;
        w.pv_kw = c.pv + start;
        w.wind_kw = c.wind + start;
        w.firm_kw = c.firm + start;
        zp_dispatch_flex fl[2] = {c.fl[0], c.fl[1]};
        fl[0].kw = c.flex0 + start;
        fl[1].kw = c.flex1 + start;
        w.flex = fl;
        w.import_price_cny_per_kwh = c.price + start;
        w.export_price_cny_per_kwh = c.eprice + start;
        w.grid_factor_kg_per_kwh = c.factor + start;
        w.soc_initial = soc0;
        zp_lp_opts o;
        zp_lp_opts_init(&o);
        o.shift_steps = shifts[i];
        zp_lp_info warm, cold;
        zp_dispatch_result *rw = NULL, *rc = NULL;
        assert_int_equal(zp_lp_solve(lp, &w, &o, &rw, &warm), ZP_OK);
        assert_int_equal(warm.fell_back, 0);
        assert_int_equal(warm.warm_started, i > 0);
        o.shift_steps = 0;
        rc = solve_ok(ctx, &w, &o, &cold);
        assert_int_equal(cold.warm_started, 0);
        print_message("  window %2zu: warm %4d iterations, cold %4d; objective %.12g / %.12g\n",
                      start, warm.iterations, cold.iterations, warm.objective, cold.objective);
        assert_true(fabs(warm.objective - cold.objective) <= 1e-9 * fabs(cold.objective));
        if (i > 0) {
            assert_true(warm.iterations <= cold.iterations);
            total_warm += warm.iterations;
            total_cold += cold.iterations;
        }
        check_plan(&w, NULL, rw);
        /* Execute the first steps of the plan: the next window starts
         * from the SOC they leave. */
        size_t next = i + 1 < sizeof shifts / sizeof shifts[0] ? shifts[i + 1] : 0;
        if (next > 0)
            for (size_t k = 0; k < 2; k++)
                soc0[k] = rw->storage[k].soc[next - 1];
        zp_dispatch_result_free(ctx, rw);
        zp_dispatch_result_free(ctx, rc);
    }
    assert_true(total_warm < total_cold);
    /* A different shape rebuilds. */
    zp_dispatch_input w = c.in;
    w.steps = 24;
    zp_lp_info info;
    zp_dispatch_result *r = NULL;
    assert_int_equal(zp_lp_solve(lp, &w, NULL, &r, &info), ZP_OK);
    assert_int_equal(info.warm_started, 0);
    assert_int_equal(info.fell_back, 0);
    zp_dispatch_result_free(ctx, r);
    zp_lp_free(lp);
    rnd_case_free(&c);
}

/* ---- failure paths ------------------------------------------------------------ */

static void test_fallback(void **state)
{
    zp_ctx *ctx = *state;
    rnd_case c;
    rnd_case_make(&c, 96, 0.25, 3, 0);
    zp_lp_opts o;
    zp_lp_opts_init(&o);
    o.max_iterations = 1;
    zp_lp_info info;
    zp_dispatch_result *r = NULL, *rr = NULL;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, &o, &r, &info), ZP_OK);
    assert_int_equal(info.fell_back, 1);
    assert_int_equal(info.status, ZP_LP_STOPPED);
    assert_string_equal(r->method, "rule (LP failed: time or iteration limit)");
    assert_int_equal(zp_dispatch_rule(ctx, &c.in, &rr), ZP_OK);
    for (size_t t = 0; t < c.steps; t++) {
        assert_true(r->grid_import_kw[t] == rr->grid_import_kw[t]);
        assert_true(r->storage[0].soc[t] == rr->storage[0].soc[t]);
    }
    assert_near(info.objective_economic, zp_dispatch_objective(&c.in, rr), 1e-9);
    zp_dispatch_result_free(ctx, r);

    /* A time limit too short for any solve. */
    zp_lp_opts_init(&o);
    o.time_limit_s = 1e-9;
    r = NULL;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, &o, &r, &info), ZP_OK);
    if (!info.fell_back)
        print_message("  note: CLP finished within 1 ns of its clock (%d iterations)\n",
                      info.iterations);
    else
        assert_int_equal(info.status, ZP_LP_STOPPED);
    zp_dispatch_result_free(ctx, r);

    /* The fallback respects a per-step import limit (an outage). */
    double lim[96];
    for (int t = 0; t < 96; t++)
        lim[t] = t >= 40 && t < 60 ? 0.0 : 350.0;
    zp_lp_opts_init(&o);
    o.max_iterations = 1;
    o.import_limit_kw = lim;
    r = NULL;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, &o, &r, &info), ZP_OK);
    assert_int_equal(info.fell_back, 1);
    for (int t = 40; t < 60; t++)
        assert_true(r->grid_import_kw[t] == 0.0);
    double sum = 0;
    for (int t = 0; t < 96; t++)
        sum += r->unserved_kw[t] * 0.25;
    assert_near(r->totals.unserved_kwh, sum, 1e-6);
    zp_dispatch_result_free(ctx, r);
    zp_dispatch_result_free(ctx, rr);
    rnd_case_free(&c);
}

static void test_errors(void **state)
{
    zp_ctx *ctx = *state;
    double firm[2] = {1, 1}, bad[2] = {0.5, -1}, nan_price[2] = {0.5, NAN};
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 2;
    in.step_h = 1;
    in.firm_kw = firm;
    zp_dispatch_result *r = (zp_dispatch_result *)&in;
    zp_lp_info info;
    /* a price may be negative, not NaN */
    in.import_price_cny_per_kwh = nan_price;
    in.objective = ZP_MINIMISE_COST;
    assert_int_equal(zp_dispatch_optimal(ctx, &in, NULL, &r, &info), ZP_EDATA);
    assert_null(r);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "import_price_cny_per_kwh at step 1"));
    in.import_price_cny_per_kwh = NULL;
    zp_lp_opts o;
    zp_lp_opts_init(&o);
    o.reserve_kwh = bad;
    assert_int_equal(zp_dispatch_optimal(ctx, &in, &o, &r, &info), ZP_EDATA);
    o.reserve_kwh = NULL;
    o.time_limit_s = -1;
    assert_int_equal(zp_dispatch_optimal(ctx, &in, &o, &r, &info), ZP_EINVAL);
    in.steps = 0;
    assert_int_equal(zp_dispatch_optimal(ctx, &in, NULL, &r, &info), ZP_EINVAL);
    in.steps = 2;
    assert_int_equal(zp_dispatch_write_mps(ctx, &in, NULL, "/nonexistent-dir/x.mps"), ZP_EIO);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "/nonexistent-dir/x.mps"));
    /* NULL everywhere it is allowed. */
    zp_lp_free(NULL);
    r = NULL;
    assert_int_equal(zp_dispatch_optimal(ctx, &in, NULL, &r, NULL), ZP_OK);
    assert_near(r->grid_import_kw[0], 1, 1e-12);
    zp_dispatch_result_free(ctx, r);
}

/* Degenerate shapes, and an LP with no optimum: export paying more than
 * import costs with both limits infinite is unbounded, so the rule's plan
 * comes back, labelled. */
static void test_edges(void **state)
{
    zp_ctx *ctx = *state;
    double firm[1] = {10}, pv[1] = {30};
    zp_storage s = bess(100, 50, 0.9, 0.9, 0.1, 0.9, 0.5);
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = 1;
    in.step_h = 0.5;
    in.firm_kw = firm;
    in.pv_kw = pv;
    in.storage = &s;
    in.nstorage = 1;
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &in, NULL, &info);
    check_plan(&in, NULL, r);
    assert_near(r->curtailed_kw[0], 20 - r->storage[0].charge_kw[0], 1e-9);
    zp_dispatch_result_free(ctx, r);

    /* Nothing at all: every array NULL. */
    zp_dispatch_input_init(&in);
    in.steps = 3;
    in.step_h = 1;
    r = solve_ok(ctx, &in, NULL, &info);
    assert_near(info.objective, 0, 1e-12);
    zp_dispatch_result_free(ctx, r);

    double ip[2] = {0.1, 0.1}, ep[2] = {0.5, 0.5}, f2[2] = {1, 1};
    zp_dispatch_input_init(&in);
    in.steps = 2;
    in.step_h = 1;
    in.firm_kw = f2;
    in.export_limit_kw = INFINITY;
    in.import_price_cny_per_kwh = ip;
    in.export_price_cny_per_kwh = ep;
    in.objective = ZP_MINIMISE_COST;
    r = NULL;
    assert_int_equal(zp_dispatch_optimal(ctx, &in, NULL, &r, &info), ZP_OK);
    assert_int_equal(info.fell_back, 1);
    assert_int_equal(info.status, ZP_LP_UNBOUNDED);
    assert_string_equal(r->method, "rule (LP failed: unbounded)");
    assert_near(r->grid_import_kw[0], 1, 1e-12);
    zp_dispatch_result_free(ctx, r);
}

/* Allocator that fails after a number of allocations (fault injection). */
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

/* Every allocation failing in turn: ZP_ENOMEM and no plan, or a good plan;
 * never a crash or a leak (ASan), through a handle reused after a failure. */
static void test_alloc_failures(void **state)
{
    (void)state;
    rnd_case c;
    rnd_case_make(&c, 24, 1.0, 77, 0);
    int ok = 0;
    int n;
    for (n = 0; n < 200 && !ok; n++) {
        failing f = {1000};
        zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &f);
        assert_non_null(ctx);
        f.left = n;
        zp_lp *lp = zp_lp_new(ctx);
        zp_status rc = lp ? ZP_OK : ZP_ENOMEM;
        for (int k = 0; lp && k < 2; k++) {
            zp_dispatch_result *r = (zp_dispatch_result *)1;
            zp_lp_info info;
            rc = zp_lp_solve(lp, &c.in, NULL, &r, &info);
            if (rc == ZP_OK) {
                if (k == 0)
                    ok = 1; /* n allocations were enough: done */
                assert_int_equal(info.fell_back, 0);
                check_plan(&c.in, NULL, r);
            } else {
                assert_int_equal(rc, ZP_ENOMEM);
                assert_null(r);
            }
            zp_dispatch_result_free(ctx, r);
            f.left = 1000000; /* the second solve may allocate again */
        }
        zp_lp_free(lp);
        zp_ctx_free(ctx);
    }
    print_message("  a solve needs %d allocations through the context\n", n - 1);
    assert_true(ok);
    rnd_case_free(&c);
}

static int setup(void **state)
{
    *state = zp_ctx_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    zp_ctx_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arbitrage),
        cmocka_unit_test(test_unserved),
        cmocka_unit_test(test_flexible),
        cmocka_unit_test(test_reserve_outage),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_mps_independent),
        cmocka_unit_test(test_negative_price),
        cmocka_unit_test(test_formulation_independent),
        cmocka_unit_test(test_warm_start),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
