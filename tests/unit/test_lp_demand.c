/*
 * test_lp_demand.c - the demand charge and battery wear in the
 * dispatchers (docs/methodology.md, "Demand charge and battery wear"):
 * a flat load with one daily spike that the optimal battery shaves to the
 * level computed here by hand; the optimum with a demand charge equal to
 * independent solvers' optimum of the exported MPS (GLPK's glpsol, SciPy's
 * HiGHS) on one month, two months and part months, short and long (the
 * start from week-long and month-long windows) horizons; a peak already paid costing nothing to reach
 * again; wear priced exactly and cutting cycling; optimal <= MPC <= rule
 * on the bill (zp_bill_compute) of a two-month case; warm starts across a
 * month's end; results unchanged, bit for bit, without a charge or wear;
 * a wind surplus the MPC's forecast missed taken by the flexible queue it
 * kept, curtailment worked by hand and equal to the optimum's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "need.h"
#include "testutil.h"

#include "zeropark/dispatch.h"
#include "zeropark/tariff.h"

#include "dispatch/mpc.h"
#include "lp_testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

static double value_at(const double *a, size_t t) { return a ? a[t] : 0.0; }

/* ---- the spike, by hand ----------------------------------------------------- */

/* Two days hourly, firm demand 1000 kW except 2000 kW at 18:00 and 19:00
 * of each day, no renewables, one month, flat price 0.5 CNY/kWh, demand
 * charge 30 CNY/kW-month, objective cost. Battery 1000 kWh, 500 kW, eta
 * 0.9 / 0.9, SOC 0.1 .. 0.9, starting at 0.5.
 *
 * Shaving the spike to S saves 30 CNY per kW and costs only the round
 * trip's losses (0.5 x 2 x (1 / 0.81 - 1) = 0.23 CNY per kW), so the
 * battery delivers all it can in the two spike hours: its usable energy
 * (0.9 - 0.1) x 1000 = 800 kWh, 800 x 0.9 = 720 kWh at the bus, 360 kW in
 * each hour (within its 500 kW):
 *     S = 2000 - 720 / 2 = 1640 kW.
 * It can refill in time: 400 kWh before the first spike (18 h, +25 kW of
 * import), 800 kWh in the 22 h between the spikes (+40 kW), 400 kWh in the
 * 4 h after the second back to the initial 500 kWh (+111 kW), all far
 * below 1640 kW. The energy: 1440 kWh delivered takes 1600 kWh from the
 * cells, refilled by 1600 / 0.9 = 1777.78 kWh charged, so import is
 *     52000 - 1440 + 16000 / 9 = 52337.78 kWh,
 * and the bill 0.5 x that + 30 x 1640 = 26168.89 + 49200 = 75368.89 CNY. */
static void spike_input(zp_dispatch_input *in, double *firm, double *price, zp_storage *st)
{
    for (size_t t = 0; t < 48; t++) {
        firm[t] = (t % 24 == 18 || t % 24 == 19) ? 2000.0 : 1000.0;
        price[t] = 0.5;
    }
    *st = bess(1000, 500, 0.9, 0.9, 0.1, 0.9, 0.5);
    zp_dispatch_input_init(in);
    in->steps = 48;
    in->step_h = 1.0;
    in->firm_kw = firm;
    in->storage = st;
    in->nstorage = 1;
    in->import_price_cny_per_kwh = price;
    in->objective = ZP_MINIMISE_COST;
    in->demand_charge_cny_per_kw_month = 30.0;
}

static double max_import(const zp_dispatch_result *r)
{
    double m = 0;
    for (size_t t = 0; t < r->steps; t++)
        m = fmax(m, r->grid_import_kw[t]);
    return m;
}

static void test_spike_shaved(void **state)
{
    zp_ctx *ctx = *state;
    double firm[48], price[48];
    zp_storage st;
    zp_dispatch_input in;
    spike_input(&in, firm, price, &st);
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &in, NULL, &info);
    check_plan(&in, NULL, r);
    const double S = 2000.0 - 0.8 * 1000.0 * 0.9 / 2.0;
    assert_near(S, 1640.0, 1e-12);
    assert_near(max_import(r), S, 1e-6);
    for (size_t t = 0; t < 48; t++)
        if (firm[t] > 1500) {
            assert_near(r->grid_import_kw[t], S, 1e-6);
            assert_near(r->storage[0].discharge_kw[t], 360.0, 1e-6);
        }
    assert_near(r->storage[0].discharge_kwh, 1440.0, 1e-6);
    assert_near(r->totals.import_kwh, 52000.0 - 1440.0 + 16000.0 / 9.0, 1e-6);
    assert_near(info.objective_economic, 0.5 * (52000.0 - 1440.0 + 16000.0 / 9.0) + 30.0 * S,
                1e-6);
    /* A peak variable and a pk row per step: 1 column and 48 rows more
     * than the LP without the charge. */
    zp_dispatch_input plain = in;
    plain.demand_charge_cny_per_kw_month = 0;
    zp_lp_info info0;
    zp_dispatch_result *r0 = solve_ok(ctx, &plain, NULL, &info0);
    assert_int_equal(info.cols, info0.cols + 1);
    assert_int_equal(info.rows, info0.rows + 48);
    assert_near(max_import(r0), 2000.0, 1e-9); /* flat price: nothing to gain */
    zp_dispatch_result_free(ctx, r0);

    /* The rule shaves too: its threshold from the (first) day is the same
     * 1640 kW, kept from the second day's peak on. */
    zp_dispatch_result *rr = NULL;
    assert_int_equal(zp_dispatch_rule(ctx, &in, &rr), ZP_OK);
    assert_near(max_import(rr), S, 1e-6);
    zp_dispatch_result_free(ctx, rr);
    zp_dispatch_result_free(ctx, r);
}

/* A peak already paid this month costs nothing to reach again: with 1800
 * kW paid, the battery shaves the spikes to 1800 kW only (200 kW for two
 * hours a day, less cycling than for 1640), and with 2000 kW paid it does
 * not cycle at all (the peak it could shave is paid for already). The
 * objective counts the whole month's charge, the paid part included. */
static void test_peak_so_far(void **state)
{
    zp_ctx *ctx = *state;
    double firm[48], price[48];
    zp_storage st;
    zp_dispatch_input in;
    spike_input(&in, firm, price, &st);
    double paid = 1800.0;
    in.peak_so_far_kw = &paid;
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &in, NULL, &info);
    check_plan(&in, NULL, r);
    assert_near(max_import(r), 1800.0, 1e-6);
    /* 4 x 200 kWh delivered, 800 / 0.81 kWh charged for it */
    assert_near(r->storage[0].discharge_kwh, 800.0, 1e-6);
    assert_near(info.objective_economic,
                0.5 * (52000.0 - 800.0 + 800.0 / 0.81) + 30.0 * 1800.0, 1e-6);
    zp_dispatch_result_free(ctx, r);

    paid = 2000.0;
    r = solve_ok(ctx, &in, NULL, &info);
    assert_near(max_import(r), 2000.0, 1e-6);
    assert_near(r->storage[0].discharge_kwh, 0.0, 1e-6);
    assert_near(info.objective_economic, 0.5 * 52000.0 + 30.0 * 2000.0, 1e-6);
    zp_dispatch_result_free(ctx, r);

    /* Above every import: the peak stays where it was. */
    paid = 2500.0;
    r = solve_ok(ctx, &in, NULL, &info);
    assert_near(info.objective_economic, 0.5 * 52000.0 + 30.0 * 2500.0, 1e-6);
    zp_dispatch_result_free(ctx, r);
}

/* ---- a park over month ends ---------------------------------------------------- */

/* n hourly steps from local midnight of a day; steps before the month
 * change (at step month_end) are month 0, the rest month 1. Load: a
 * working-day shape with noise and an evening spike on some days; PV; a
 * deferrable 4-h flexible load; time-of-use prices; export at 0.2. */
typedef struct dcase {
    size_t n;
    double *pv, *firm, *flex, *price, *xprice, *factor;
    uint16_t *mos;
    double frac[2], peak[2];
    zp_dispatch_flex fl;
    zp_storage st;
    zp_dispatch_input in;
} dcase;

static double tou(size_t t)
{
    size_t h = t % 24;
    return h >= 23 || h < 7 ? 0.30 : (h >= 10 && h < 12) || (h >= 14 && h < 19) ? 1.10 : 0.65;
}

static void dcase_make(dcase *c, size_t n, size_t month_end, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->pv = calloc(n, sizeof(double));
    c->firm = calloc(n, sizeof(double));
    c->flex = calloc(n, sizeof(double));
    c->price = calloc(n, sizeof(double));
    c->xprice = calloc(n, sizeof(double));
    c->factor = calloc(n, sizeof(double));
    c->mos = calloc(n, sizeof(uint16_t));
    assert_true(c->pv && c->firm && c->flex && c->price && c->xprice && c->factor && c->mos);
    test_rng_state = seed;
    for (size_t t = 0; t < n; t++) {
        double h = (double)(t % 24);
        int day = (h >= 8 && h < 20);
        c->firm[t] = 800 + (day ? 400 : 0) + 150 * test_rnd();
        if (t % 24 == 19 && test_rnd() < 0.5)
            c->firm[t] += 500 + 300 * test_rnd();
        double sun = sin(PI * (h + 0.5 - 6) / 12);
        c->pv[t] = sun > 0 ? 700 * sun * (0.5 + 0.5 * test_rnd()) : 0;
        c->flex[t] = 100 + 50 * test_rnd();
        c->price[t] = tou(t);
        c->xprice[t] = 0.2;
        c->factor[t] = 0.55;
        c->mos[t] = t < month_end ? 0 : 1;
    }
    c->frac[0] = c->frac[1] = 1.0;
    c->fl = (zp_dispatch_flex){"flex", c->flex, 4.0, 0.0, NULL, 0};
    c->st = bess(2000, 500, 0.95, 0.95, 0.1, 0.95, 0.5);
    zp_dispatch_input *in = &c->in;
    zp_dispatch_input_init(in);
    in->steps = n;
    in->step_h = 1.0;
    in->pv_kw = c->pv;
    in->firm_kw = c->firm;
    in->flex = &c->fl;
    in->nflex = 1;
    in->storage = &c->st;
    in->nstorage = 1;
    in->export_limit_kw = 300;
    in->import_price_cny_per_kwh = c->price;
    in->export_price_cny_per_kwh = c->xprice;
    in->grid_factor_kg_per_kwh = c->factor;
    in->objective = ZP_MINIMISE_COST_WITH_CARBON_PRICE;
    in->carbon_price_cny_per_t = 80;
    in->demand_charge_cny_per_kw_month = 40;
    in->month_of_step = c->mos;
    in->nmonths = month_end < n ? 2 : 1;
    in->month_fraction = c->frac;
}

static void dcase_free(dcase *c)
{
    void *p[] = {c->pv, c->firm, c->flex, c->price, c->xprice, c->factor, c->mos};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        free(p[i]);
}

/* The optimum with a demand charge (and wear, and a peak so far) is
 * another solver's optimum of the exported MPS. */
static void test_mps_demand(void **state)
{
    zp_ctx *ctx = *state;
    zp_need("glpsol py:numpy py:scipy.optimize");
    {
        double firm[48], price[48];
        zp_storage st;
        zp_dispatch_input in;
        spike_input(&in, firm, price, &st);
        check_mps(ctx, &in, NULL, "spike", 1, 1);
    }
    dcase c;
    /* one month, a week */
    dcase_make(&c, 168, 168, 11);
    check_mps(ctx, &c.in, NULL, "month1", 1, 1);
    /* two whole months' worth of charge over 4 days across a month end */
    dcase_free(&c);
    dcase_make(&c, 96, 48, 12);
    c.st.degradation_cny_per_kwh = 0.08;
    check_mps(ctx, &c.in, NULL, "month2", 1, 1);
    /* part months (2 of 31 days, 2 of 29), a peak so far in the first */
    c.frac[0] = 2.0 / 31.0;
    c.frac[1] = 2.0 / 29.0;
    c.peak[0] = 1500.0;
    c.in.peak_so_far_kw = c.peak;
    check_mps(ctx, &c.in, NULL, "part", 1, 1);
    dcase_free(&c);
    /* four weeks in one month: the long-horizon start from two-day
     * windows that carry the month's peak */
    dcase_make(&c, 672, 672, 14);
    c.frac[0] = 28.0 / 31.0;
    check_mps(ctx, &c.in, NULL, "weeks", 1, 0);
    dcase_free(&c);
    /* five weeks over two months: the long-horizon start from the months'
     * own LPs; part months, wear */
    dcase_make(&c, 840, 400, 13);
    c.frac[0] = 17.0 / 31.0;
    c.frac[1] = 18.0 / 30.0;
    c.st.degradation_cny_per_kwh = 0.05;
    check_mps(ctx, &c.in, NULL, "long", 1, 0);
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, &c.in, NULL, &info);
    check_plan(&c.in, NULL, r);
    /* the economic objective is the same function on the plan */
    assert_near(info.objective_economic, zp_dispatch_objective(&c.in, r), 1e-6);
    zp_dispatch_result_free(ctx, r);
    dcase_free(&c);
}

/* ---- wear ------------------------------------------------------------------ */

/* Arbitrage pays 1.10 x 0.95 - 0.30 / 0.95 = 0.73 CNY per kWh delivered.
 * Wear of 0.05 per kWh leaves the plan as it is and costs exactly 0.05 x
 * the kWh discharged; wear of 0.8, more than the margin, stops cycling
 * for money (what is left is the demand charge's shaving). */
static void test_wear(void **state)
{
    zp_ctx *ctx = *state;
    dcase c;
    dcase_make(&c, 72, 72, 21);
    c.in.demand_charge_cny_per_kw_month = 0;
    c.in.objective = ZP_MINIMISE_COST;
    zp_lp_info i0, i1, i2;
    zp_dispatch_result *r0 = solve_ok(ctx, &c.in, NULL, &i0);
    double d0 = r0->storage[0].discharge_kwh;
    assert_true(d0 > 1000);
    c.st.degradation_cny_per_kwh = 0.05;
    zp_dispatch_result *r1 = solve_ok(ctx, &c.in, NULL, &i1);
    assert_near(r1->storage[0].discharge_kwh, d0, 1e-6);
    assert_near(i1.objective_economic - i0.objective_economic, 0.05 * d0, 1e-6);
    assert_near(i1.objective - i0.objective, 0.05 * d0, 1e-6);
    c.st.degradation_cny_per_kwh = 0.8;
    zp_dispatch_result *r2 = solve_ok(ctx, &c.in, NULL, &i2);
    assert_near(r2->storage[0].discharge_kwh, 0.0, 1e-6);
    /* the carbon objective bills wear, it does not optimise it */
    c.in.objective = ZP_MINIMISE_CARBON;
    zp_lp_info ic;
    zp_dispatch_result *rc = solve_ok(ctx, &c.in, NULL, &ic);
    c.st.degradation_cny_per_kwh = 0;
    zp_lp_info ic0;
    zp_dispatch_result *rc0 = solve_ok(ctx, &c.in, NULL, &ic0);
    assert_memory_equal(rc->grid_import_kw, rc0->grid_import_kw, 72 * sizeof(double));
    assert_true(ic.objective == ic0.objective);
    zp_dispatch_result_free(ctx, r0);
    zp_dispatch_result_free(ctx, r1);
    zp_dispatch_result_free(ctx, r2);
    zp_dispatch_result_free(ctx, rc);
    zp_dispatch_result_free(ctx, rc0);
    dcase_free(&c);
}

/* ---- the three dispatchers on the bill -------------------------------------- */

/* The bill of a plan: energy, demand (the calendar months of the grid from
 * 2024-01-30 00:00 +08:00, hourly), export, wear. */
static double bill_total(zp_ctx *ctx, const dcase *c, const zp_dispatch_result *r,
                         zp_bill_breakdown *parts)
{
    zp_time_t t0;
    int32_t off;
    const char *start = "2024-01-30T00:00:00+08:00";
    assert_int_equal(zp_time_parse(start, strlen(start), ZP_TIME_NO_DEFAULT, &t0, &off), ZP_OK);
    zp_bill_input bi;
    zp_bill_input_init(&bi);
    bi.grid = (zp_time_grid){t0, 3600, c->n, 480};
    bi.import_kw = r->grid_import_kw;
    bi.export_kw = r->grid_export_kw;
    bi.price_cny_per_kwh = c->price;
    bi.export_price_cny_per_kwh = c->xprice;
    bi.demand_charge_cny_per_kw_month = c->in.demand_charge_cny_per_kw_month;
    zp_bill_storage bs = {"bess", r->storage[0].discharge_kw, c->st.degradation_cny_per_kwh,
                          0, 0, 0, 0};
    bi.storage = &bs;
    bi.nstorage = 1;
    zp_bill *b = NULL;
    assert_int_equal(zp_bill_compute(ctx, &bi, &b), ZP_OK);
    double total = b->cost.total;
    if (parts)
        *parts = b->cost;
    zp_bill_free(ctx, b);
    return total;
}

/* Any dispatcher's plan balances every step and keeps every battery
 * within its power and state-of-charge limits. */
static void check_balance(const zp_dispatch_input *in, const zp_dispatch_result *r)
{
    for (size_t t = 0; t < in->steps; t++) {
        double ch = 0, dis = 0;
        for (size_t k = 0; k < in->nstorage; k++) {
            const zp_storage *st = &in->storage[k];
            ch += r->storage[k].charge_kw[t];
            dis += r->storage[k].discharge_kw[t];
            assert_true(r->storage[k].charge_kw[t] <= st->power_kw * (1 + 1e-12));
            assert_true(r->storage[k].discharge_kw[t] <= st->power_kw * (1 + 1e-12));
            assert_true(r->storage[k].soc[t] >= st->soc_min - 1e-9 &&
                        r->storage[k].soc[t] <= st->soc_max + 1e-9);
        }
        double supply = r->pv_used_kw[t] + r->wind_used_kw[t] + dis + r->grid_import_kw[t] +
                        r->unserved_kw[t];
        double use = value_at(in->firm_kw, t) + r->flex_served_kw[t] + ch + r->grid_export_kw[t];
        assert_near(supply, use, 1e-6 * (1 + use));
        assert_true(r->grid_import_kw[t] <= in->import_limit_kw);
    }
}

/* A 48-step horizon replanned every step, PV known, wind and load as
 * forecast by the methods given. */
static zp_dispatch_result *run_mpc_on(zp_ctx *ctx, const zp_dispatch_input *in,
                                      zp_forecast_method wind, zp_forecast_method load)
{
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    fo.pv = ZP_FORECAST_PERFECT;
    fo.wind = wind;
    fo.load = load;
    zp_mpc_opts mo = {0};
    mo.horizon_steps = 48;
    mo.replan_steps = 1;
    mo.fc = &fo;
    zp_dispatch_result *r = NULL;
    zp_mpc_info mi;
    zp_status rc = zp__dispatch_mpc(ctx, in, &mo, &r, &mi);
    if (rc)
        print_error("mpc: %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    assert_int_equal(mi.fallbacks, 0);
    return r;
}

static zp_dispatch_result *run_mpc(zp_ctx *ctx, const zp_dispatch_input *in,
                                   zp_forecast_method load)
{
    return run_mpc_on(ctx, in, ZP_FORECAST_PERFECT, load);
}

/* Three weeks from 2024-01-30 hourly (two days of January, the rest in
 * February; each month's fraction as the bill counts it), cost objective,
 * demand charge 40, wear 0.05. The battery starts at its minimum, so no
 * dispatcher gains from ending emptier than it began: the LP is the
 * least bill of all plans, and the MPC, planning with the same charge
 * and the month's peak so far, beats the rule's peak shaving. The
 * objective the dispatchers share is the bill (the LP's demand term is
 * the bill's). */
static void test_three_dispatchers(void **state)
{
    zp_ctx *ctx = *state;
    dcase c;
    dcase_make(&c, 21 * 24, 48, 31);
    c.frac[0] = 2.0 / 31.0;
    c.frac[1] = 19.0 / 29.0;
    c.in.objective = ZP_MINIMISE_COST;
    c.st.degradation_cny_per_kwh = 0.05;
    c.st.soc_initial = c.st.soc_min;
    zp_lp_info info;
    zp_dispatch_result *ro = solve_ok(ctx, &c.in, NULL, &info);
    zp_dispatch_result *rm = run_mpc(ctx, &c.in, ZP_FORECAST_PERFECT);
    zp_dispatch_result *rs = run_mpc(ctx, &c.in, ZP_FORECAST_SIMILAR_DAY);
    zp_dispatch_result *rr = NULL;
    assert_int_equal(zp_dispatch_rule(ctx, &c.in, &rr), ZP_OK);
    c.in.demand_charge_cny_per_kw_month = 0;
    zp_dispatch_result *r0 = NULL; /* the rule without shaving */
    assert_int_equal(zp_dispatch_rule(ctx, &c.in, &r0), ZP_OK);
    c.in.demand_charge_cny_per_kw_month = 40;
    zp_bill_breakdown po, pm, ps, pr, p0;
    double bo = bill_total(ctx, &c, ro, &po), bm = bill_total(ctx, &c, rm, &pm);
    double bs = bill_total(ctx, &c, rs, &ps), br = bill_total(ctx, &c, rr, &pr);
    double b0 = bill_total(ctx, &c, r0, &p0);
    print_message("  bill optimal %.2f (demand %.2f)  mpc %.2f (%.2f)  mpc similar-day %.2f (%.2f)  "
                  "rule %.2f (%.2f)  rule without shaving %.2f (%.2f)\n", bo, po.demand, bm,
                  pm.demand, bs, ps.demand, br, pr.demand, b0, p0.demand);
    assert_near(bo, info.objective_economic, 1e-6 * bo);
    assert_near(bo, zp_dispatch_objective(&c.in, ro), 1e-6 * bo);
    assert_near(bm, zp_dispatch_objective(&c.in, rm), 1e-6 * bm);
    assert_near(br, zp_dispatch_objective(&c.in, rr), 1e-6 * br);
    assert_true(bo <= bm * (1 + 1e-9));
    assert_true(bm <= bs * (1 + 1e-9));
    assert_true(bs <= br);
    assert_true(br < b0); /* shaving pays */
    assert_true(pr.demand < p0.demand);
    check_balance(&c.in, rm);
    check_balance(&c.in, rs);
    check_balance(&c.in, rr);
    for (size_t t = 0; t < c.n; t++) /* nothing unserved */
        assert_true(rm->unserved_kw[t] + rs->unserved_kw[t] + rr->unserved_kw[t] < 1e-9);
    zp_dispatch_result_free(ctx, ro);
    zp_dispatch_result_free(ctx, rm);
    zp_dispatch_result_free(ctx, rs);
    zp_dispatch_result_free(ctx, rr);
    zp_dispatch_result_free(ctx, r0);
    dcase_free(&c);
}

/* ---- warm starts across a month's end ------------------------------------------ */

/* A 24-h horizon moved one hour at a time over two days that cross a
 * month's end, through one handle: every solve the optimum of a cold
 * solve of the same window, warm-started also when the window's months
 * change (the month columns reloaded, the basis kept). */
static void test_warm_month_end(void **state)
{
    zp_ctx *ctx = *state;
    dcase c;
    dcase_make(&c, 72, 36, 41);
    c.st.degradation_cny_per_kwh = 0.03;
    zp_lp *lp = zp_lp_new(ctx);
    assert_non_null(lp);
    double peak[2] = {900, 0};
    int warm = 0;
    for (size_t s = 0; s + 24 <= c.n; s++) {
        zp_dispatch_input w = c.in;
        zp_dispatch_flex fl = c.fl;
        fl.kw = c.flex + s;
        w.flex = &fl;
        w.steps = 24;
        w.pv_kw = c.pv + s;
        w.firm_kw = c.firm + s;
        w.import_price_cny_per_kwh = c.price + s;
        w.export_price_cny_per_kwh = c.xprice + s;
        w.grid_factor_kg_per_kwh = c.factor + s;
        w.month_of_step = c.mos + s;
        w.peak_so_far_kw = peak;
        zp_lp_opts o;
        zp_lp_opts_init(&o);
        o.shift_steps = 1;
        zp_dispatch_result *r = NULL, *r0;
        zp_lp_info info, info0;
        assert_int_equal(zp_lp_solve(lp, &w, &o, &r, &info), ZP_OK);
        assert_int_equal(info.status, ZP_LP_OPTIMAL);
        warm += info.warm_started;
        r0 = solve_ok(ctx, &w, NULL, &info0);
        assert_near(info.objective, info0.objective, 1e-7 * fabs(info0.objective));
        /* the executed step raises its month's peak */
        peak[c.mos[s]] = fmax(peak[c.mos[s]], r->grid_import_kw[0]);
        zp_dispatch_result_free(ctx, r);
        zp_dispatch_result_free(ctx, r0);
    }
    assert_true(warm >= 45);
    zp_lp_free(lp);
    dcase_free(&c);
}

/* ---- nothing changes without them ------------------------------------------------ */

static void assert_same_flows(const zp_dispatch_result *a, const zp_dispatch_result *b)
{
    size_t n = a->steps * sizeof(double);
    assert_int_equal(a->steps, b->steps);
    assert_memory_equal(a->grid_import_kw, b->grid_import_kw, n);
    assert_memory_equal(a->grid_export_kw, b->grid_export_kw, n);
    assert_memory_equal(a->curtailed_kw, b->curtailed_kw, n);
    assert_memory_equal(a->flex_served_kw, b->flex_served_kw, n);
    assert_memory_equal(a->storage[0].charge_kw, b->storage[0].charge_kw, n);
    assert_memory_equal(a->storage[0].discharge_kw, b->storage[0].discharge_kw, n);
    assert_memory_equal(&a->totals, &b->totals, sizeof a->totals);
}

/* Months, fractions and peaks given but no charge, or a charge with the
 * carbon objective (the optimisers ignore it), or wear 0: the same plans,
 * bit for bit, as the input without them. */
static void test_unchanged(void **state)
{
    zp_ctx *ctx = *state;
    dcase c;
    dcase_make(&c, 96, 48, 51);
    c.peak[0] = 3000;
    zp_dispatch_input plain = c.in;
    plain.demand_charge_cny_per_kw_month = 0;
    plain.month_of_step = NULL;
    plain.nmonths = 0;
    plain.month_fraction = NULL;
    zp_dispatch_input months = plain;
    months.month_of_step = c.mos;
    months.nmonths = 2;
    months.month_fraction = c.frac;
    months.peak_so_far_kw = c.peak;
    zp_dispatch_input carbon = c.in;
    carbon.objective = ZP_MINIMISE_CARBON;
    zp_dispatch_input carbon_plain = plain;
    carbon_plain.objective = ZP_MINIMISE_CARBON;
    zp_dispatch_result *a, *b;
    zp_lp_info ia, ib;
    a = solve_ok(ctx, &plain, NULL, &ia);
    b = solve_ok(ctx, &months, NULL, &ib);
    assert_same_flows(a, b);
    assert_true(ia.objective == ib.objective && ia.cols == ib.cols);
    zp_dispatch_result_free(ctx, a);
    zp_dispatch_result_free(ctx, b);
    a = solve_ok(ctx, &carbon_plain, NULL, &ia);
    b = solve_ok(ctx, &carbon, NULL, &ib);
    assert_same_flows(a, b);
    assert_true(ia.objective == ib.objective && ia.cols == ib.cols);
    zp_dispatch_result_free(ctx, a);
    zp_dispatch_result_free(ctx, b);
    assert_int_equal(zp_dispatch_rule(ctx, &plain, &a), ZP_OK);
    assert_int_equal(zp_dispatch_rule(ctx, &months, &b), ZP_OK);
    assert_same_flows(a, b);
    zp_dispatch_result_free(ctx, a);
    zp_dispatch_result_free(ctx, b);
    a = run_mpc(ctx, &plain, ZP_FORECAST_SIMILAR_DAY);
    b = run_mpc(ctx, &months, ZP_FORECAST_SIMILAR_DAY);
    assert_same_flows(a, b);
    zp_dispatch_result_free(ctx, a);
    zp_dispatch_result_free(ctx, b);
    dcase_free(&c);
}

/* ---- a surplus the forecast missed ------------------------------------------- */

/* 36 hours, one month with 2500 kW already paid, a flat 0.5 CNY/kWh, cost
 * objective, demand charge 30 CNY/kW-month, no export. Firm demand 1000 kW;
 * flexible demand 500 kW arriving every hour, each kWh due within 6 h.
 * Wind 3000 kW in hours 12, 13 and 14, none otherwise; the rolling horizon
 * forecasts it by persistence, so no plan before hour 12 sees it coming.
 * Battery 1000 kWh, 1000 kW, eta 0.9 / 0.9, SOC 0.1 .. 0.9, empty (0.1).
 *
 * Waiting costs nothing here: the price is flat and importing up to the
 * 2500 kW already paid costs nothing more, so a queue kept full serves as
 * well as an empty one and is the room for a surplus no plan foresaw.
 * What the park can take of the 9000 kWh of wind:
 *   firm demand                       3 x 1000                = 3000 kWh
 *   flexible energy: at most the 6 h queued before hour 12
 *   (6 x 500) and the arrivals of hours 12-14 (3 x 500)        = 4500 kWh
 *   the battery, 0.1 -> 0.9 of 1000 kWh at 0.9 per kWh charged = 8000/9 kWh
 * so at least 9000 - 3000 - 4500 - 8000/9 = 611.11 kWh is curtailed, and
 * the perfect-foresight optimum curtails exactly that (every kWh
 * curtailed is a kWh bought). The rolling horizon, which keeps the queue
 * while later steps of the plan have room for it under the month's peak,
 * curtails the same; executing the plan's service at once (emptying the
 * queue every hour) left the wind only the battery: 3611.11 kWh. Without
 * a demand charge it keeps the queue too. */
static void surplus_input(zp_dispatch_input *in, zp_dispatch_flex *fl, double *firm,
                          double *flex, double *wind, double *price, zp_storage *st,
                          double *paid)
{
    for (size_t t = 0; t < 36; t++) {
        firm[t] = 1000.0;
        flex[t] = 500.0;
        wind[t] = t >= 12 && t <= 14 ? 3000.0 : 0.0;
        price[t] = 0.5;
    }
    *st = bess(1000, 1000, 0.9, 0.9, 0.1, 0.9, 0.1);
    memset(fl, 0, sizeof *fl);
    fl->name = "batch";
    fl->kw = flex;
    fl->max_delay_h = 6.0;
    paid[0] = 2500.0;
    zp_dispatch_input_init(in);
    in->steps = 36;
    in->step_h = 1.0;
    in->firm_kw = firm;
    in->wind_kw = wind;
    in->flex = fl;
    in->nflex = 1;
    in->storage = st;
    in->nstorage = 1;
    in->export_limit_kw = 0.0;
    in->import_price_cny_per_kwh = price;
    in->objective = ZP_MINIMISE_COST;
    in->demand_charge_cny_per_kw_month = 30.0;
    in->peak_so_far_kw = paid;
}

static void test_missed_surplus(void **state)
{
    zp_ctx *ctx = *state;
    zp_dispatch_input in;
    zp_dispatch_flex fl;
    zp_storage st;
    double firm[36], flex[36], wind[36], price[36], paid[1];
    surplus_input(&in, &fl, firm, flex, wind, price, &st, paid);
    const double least = 9000.0 - 3000.0 - 4500.0 - 8000.0 / 9.0; /* 611.11 kWh */
    zp_lp_info info;
    zp_dispatch_result *ro = solve_ok(ctx, &in, NULL, &info);
    zp_dispatch_result *rm = run_mpc_on(ctx, &in, ZP_FORECAST_PERSISTENCE, ZP_FORECAST_PERFECT);
    print_message("  curtailed: optimal %.2f  mpc %.2f  by hand %.2f kWh; mpc peak %.1f kW\n",
                  ro->totals.curtailed_kwh, rm->totals.curtailed_kwh, least, max_import(rm));
    assert_near(ro->totals.curtailed_kwh, least, 1e-6 * least);
    assert_near(rm->totals.curtailed_kwh, least, 1e-6 * least);
    check_balance(&in, rm);
    assert_true(max_import(rm) <= 2500.0 + 1e-6); /* waiting raised no peak */
    for (size_t t = 0; t < in.steps; t++)
        assert_true(rm->unserved_kw[t] < 1e-9);
    assert_near(rm->totals.flex_kwh - rm->flex[0].served_kwh, 0.0, 1e-6);
    zp_dispatch_result_free(ctx, rm);
    in.demand_charge_cny_per_kw_month = 0.0;
    rm = run_mpc_on(ctx, &in, ZP_FORECAST_PERSISTENCE, ZP_FORECAST_PERFECT);
    assert_near(rm->totals.curtailed_kwh, least, 1e-6 * least);
    zp_dispatch_result_free(ctx, rm);
    zp_dispatch_result_free(ctx, ro);
}

/* ---- errors ------------------------------------------------------------------ */

static void test_errors(void **state)
{
    zp_ctx *ctx = *state;
    dcase c;
    dcase_make(&c, 48, 24, 61);
    zp_dispatch_result *r = NULL;
    zp_lp_info info;
    c.mos[30] = 2;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, NULL, &r, &info), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "month_of_step at step 30 is 2"));
    assert_int_equal(zp_dispatch_rule(ctx, &c.in, &r), ZP_EDATA);
    c.mos[30] = 1;
    c.frac[1] = 1.5;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, NULL, &r, &info), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "month_fraction of month 1 is 1.5"));
    c.frac[1] = 1;
    c.peak[0] = -1;
    c.in.peak_so_far_kw = c.peak;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, NULL, &r, &info), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "peak_so_far_kw of month 0"));
    c.peak[0] = 0;
    c.in.nmonths = 0;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, NULL, &r, &info), ZP_EINVAL);
    c.in.nmonths = 2;
    c.in.demand_charge_cny_per_kw_month = NAN;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, NULL, &r, &info), ZP_EINVAL);
    c.in.demand_charge_cny_per_kw_month = 40;
    c.st.degradation_cny_per_kwh = -0.1;
    assert_int_equal(zp_dispatch_optimal(ctx, &c.in, NULL, &r, &info), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "degradation_cny_per_kwh"));
    assert_null(r);
    dcase_free(&c);
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
        cmocka_unit_test(test_spike_shaved),
        cmocka_unit_test(test_peak_so_far),
        cmocka_unit_test(test_mps_demand),
        cmocka_unit_test(test_wear),
        cmocka_unit_test(test_three_dispatchers),
        cmocka_unit_test(test_warm_month_end),
        cmocka_unit_test(test_unchanged),
        cmocka_unit_test(test_missed_surplus),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
