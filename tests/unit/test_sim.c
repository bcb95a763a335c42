/*
 * test_sim.c - the year simulation: hand-computed toy parks, the per-step
 * energy balance on the example parks, fuel factors.
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

static char tmpdir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/zp_test_sim_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static zp_model *load(zp_ctx *ctx, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    zp_model *m = NULL;
    zp_status rc = zp_model_load_file(ctx, path, 0, &m);
    if (rc) {
        char buf[1024];
        for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
            zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
            fprintf(stderr, "%s\n", buf);
        }
        fprintf(stderr, "%s\n", zp_ctx_errmsg(ctx));
    }
    assert_int_equal(rc, ZP_OK);
    return m;
}

/* A grid-only day: 100 kW for 24 h at 0.5 kg/kWh and 0.6 CNY/kWh, plus
 * 10,000 m3 of natural gas, and 3 MWh of certificates.
 *   import   = 100 kW x 24 h = 2400 kWh
 *   scope 2  = 2400 x 0.5 / 1000 = 1.2 t (location)
 *   market   = max(0, 2400 - 3000) = 0 kWh -> 0 t; volumetric share 100 % (capped)
 *   scope 1  = 10000 m3 x 0.038931 GJ/m3 x 0.0153 tC/GJ x 0.99 x 44/12
 *   cost     = 2400 x 0.6 = 1440 CNY */
static void test_grid_only_day(void **state)
{
    (void)state;
    write_file("grid.json",
               "{\"name\": \"grid only\",\n"
               " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-02T00:00:00+08:00\", \"step_min\": 60},\n"
               " \"grid\": {\"emission_factor_kg_per_kwh\": 0.5, \"price_cny_per_kwh\": 0.6},\n"
               " \"loads\": [{\"name\": \"l\", \"power_kw\": 100}],\n"
               " \"fuels\": [{\"type\": \"natural_gas\", \"amount\": 10000, \"unit\": \"m3\"}],\n"
               " \"certificates\": {\"green_certificates_mwh\": 3},\n"
               " \"targets\": {\"max_emissions_t\": 20, \"min_green_share_pct\": 90}}\n");
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = load(ctx, "grid.json");
    zp_sim_result *r = NULL;
    assert_int_equal(zp_simulate(ctx, m, NULL, &r), ZP_OK);
    assert_int_equal(r->steps, 24);
    assert_near(r->energy_kwh.load, 2400.0, 1e-9);
    assert_near(r->energy_kwh.grid_import, 2400.0, 1e-9);
    assert_near(r->emissions_t.scope2_location, 1.2, 1e-12);
    assert_near(r->emissions_t.scope2_market, 0.0, 1e-12);
    double gas = 10000.0 * 0.038931 * 0.0153 * 0.99 * 44.0 / 12.0;
    assert_near(r->emissions_t.scope1, gas, 1e-9);
    assert_near(r->emissions_t.total_location, gas + 1.2, 1e-9);
    assert_near(r->cost_cny, 1440.0, 1e-9);
    assert_near(r->green_share_volumetric_pct, 100.0, 1e-9);
    assert_near(r->green_share_hourly_pct, 0.0, 1e-12);
    assert_true(isnan(r->pue));
    assert_int_equal(r->ntargets, 2);
    assert_string_equal(r->targets[0].name, "max_emissions_t");
    /* 21.62 t of gas + 0 t market-based Scope 2 > 20 t: missed. */
    assert_false(r->targets[0].met);
    assert_near(r->targets[0].value, gas, 1e-9);
    assert_string_equal(r->targets[1].name, "min_green_share_pct");
    assert_true(r->targets[1].met);
    zp_sim_result_free(ctx, r);

    /* Half a day: fuels and certificates are prorated (12/24). */
    zp_sim_opts o;
    zp_sim_opts_init(&o);
    o.from = m->start + 6 * 3600;
    o.to = m->start + 18 * 3600;
    assert_int_equal(zp_simulate(ctx, m, &o, &r), ZP_OK);
    assert_int_equal(r->steps, 12);
    assert_near(r->emissions_t.scope1, gas / 2, 1e-9);
    assert_near(r->energy_kwh.grid_import, 1200.0, 1e-9);
    zp_sim_result_free(ctx, r);

    /* A window outside the period is refused with both spans named. */
    o.from = m->start - 3600;
    assert_int_equal(zp_simulate(ctx, m, &o, &r), ZP_ERANGE);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "is not inside the model period"));
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* Three night hours, wind only, one lossless battery, no export:
 *   wind (v = 6 m/s, curve 3..13 m/s linear to 1000 kW) = 300, 0, 0 kW
 *   load 100 kW each hour
 *   h0: surplus 200 -> charge 150 (power limit), curtail 50
 *   h1: deficit 100 -> discharge 100 (green)
 *   h2: deficit 100 -> discharge 50 (the rest of the store), import 50
 *   carbon-free consumed = 100 + 100 + 50 = 250 of 300 kWh = 83.33 %
 *   scope 2 = 50 kWh x 0.5 = 25 kg */
static void test_hourly_matching_toy(void **state)
{
    (void)state;
    write_file("w.csv", "timestamp,ghi_w_m2,temp_air_c,wind_speed_m_s\n"
                        "2024-01-01T00:00:00+08:00,0,10,6\n"
                        "2024-01-01T01:00:00+08:00,0,10,2\n"
                        "2024-01-01T02:00:00+08:00,0,10,0\n");
    write_file("toy.json",
               "{\"name\": \"toy\", \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6},\n"
               " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-01T03:00:00+08:00\"},\n"
               " \"weather\": {\"csv\": \"w.csv\"},\n"
               " \"grid\": {\"emission_factor_kg_per_kwh\": 0.5, \"export_limit_kw\": 0},\n"
               " \"wind\": [{\"name\": \"t\", \"count\": 1, \"rated_kw\": 1000, \"hub_height_m\": 10,\n"
               "            \"measurement_height_m\": 10, \"power_curve\": [[3, 0], [13, 1000], [25, 1000]]}],\n"
               " \"storage\": [{\"name\": \"b\", \"energy_kwh\": 1000, \"power_kw\": 150,\n"
               "               \"charge_efficiency\": 1, \"discharge_efficiency\": 1,\n"
               "               \"soc_min\": 0, \"soc_max\": 1, \"soc_initial\": 0}],\n"
               " \"loads\": [{\"name\": \"l\", \"power_kw\": 100}]}\n");
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = load(ctx, "toy.json");
    zp_sim_result *r = NULL;
    assert_int_equal(zp_simulate(ctx, m, NULL, &r), ZP_OK);
    assert_near(r->wind_kw[0], 300.0, 1e-9);
    assert_near(r->energy_kwh.wind, 300.0, 1e-9);
    assert_near(r->energy_kwh.storage_charge, 150.0, 1e-9);
    assert_near(r->energy_kwh.storage_discharge, 150.0, 1e-9);
    assert_near(r->energy_kwh.curtailed, 50.0, 1e-9);
    assert_near(r->energy_kwh.grid_import, 50.0, 1e-9);
    const double *cfe = NULL;
    for (size_t i = 1; i < zp_sim_column_count(r); i++)
        if (strcmp(zp_sim_column_name(r, i), "carbon_free_kw") == 0)
            cfe = zp_sim_column(r, i);
    assert_non_null(cfe);
    assert_near(cfe[0], 100.0, 1e-9);
    assert_near(cfe[1], 100.0, 1e-9);
    assert_near(cfe[2], 50.0, 1e-9);
    assert_near(r->green_share_hourly_pct, 250.0 / 3.0, 1e-9);
    assert_near(r->emissions_t.scope2_location, 0.025, 1e-12);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* Every step of every example balances:
 * demand served + charge + export + curtailed = pv + wind + discharge + import + unserved,
 * where demand = firm + flexible released. Checked from the per-step CSV columns. */
static const double *col(const zp_sim_result *r, const char *name)
{
    for (size_t i = 1; i < zp_sim_column_count(r); i++)
        if (strcmp(zp_sim_column_name(r, i), name) == 0)
            return zp_sim_column(r, i);
    fail_msg("no column %s", name);
    return NULL;
}

static void check_example(const char *rel, int step_min)
{
    char path[512];
    snprintf(path, sizeof path, "%s/examples/%s/model.json", ZP_SOURCE_DIR, rel);
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_file(ctx, path, 0, &m), ZP_OK);
    zp_sim_opts o;
    zp_sim_opts_init(&o);
    o.step_min = step_min;
    zp_sim_result *r = NULL;
    zp_status rc = zp_simulate(ctx, m, &o, &r);
    if (rc)
        fail_msg("%s: %s", rel, zp_ctx_errmsg(ctx));
    const double *pv = col(r, "pv_available_kw"), *wind = col(r, "wind_available_kw"),
                 *cur = col(r, "curtailed_kw"), *firm = col(r, "firm_demand_kw"),
                 *flex = col(r, "flexible_served_kw"), *imp = col(r, "grid_import_kw"),
                 *exp_ = col(r, "grid_export_kw"), *uns = col(r, "unserved_kw");
    double worst = 0, sum_demand = 0;
    for (size_t t = 0; t < r->steps; t++) {
        double ch = 0, dis = 0;
        for (size_t s = 0; s < m->nstorage; s++) {
            ch += r->flows->storage[s].charge_kw[t];
            dis += r->flows->storage[s].discharge_kw[t];
            assert_true(r->flows->storage[s].soc[t] >= m->storage[s].soc_min - 1e-9);
            assert_true(r->flows->storage[s].soc[t] <= m->storage[s].soc_max + 1e-9);
            assert_true(r->flows->storage[s].charge_kw[t] <= m->storage[s].power_kw + 1e-9);
            assert_true(r->flows->storage[s].discharge_kw[t] <= m->storage[s].power_kw + 1e-9);
        }
        double lhs = firm[t] + flex[t] + ch + exp_[t] + cur[t];
        double rhs = pv[t] + wind[t] + dis + imp[t] + uns[t];
        double err = fabs(lhs - rhs) * r->step_h;
        if (err > worst)
            worst = err;
        sum_demand += (firm[t] + flex[t]) * r->step_h;
        assert_true(pv[t] >= 0 && wind[t] >= 0 && imp[t] >= 0 && exp_[t] >= 0);
    }
    assert_true(worst <= 1e-6); /* kWh per step */
    /* Demand released over the run = loads + data-center facility energy
     * (flexible energy is conserved). */
    assert_near(sum_demand, r->energy_kwh.load + r->energy_kwh.datacenter_facility,
                        1e-6 * sum_demand);
    /* PV totals agree with the per-array AC output. */
    double pv_total = 0;
    for (size_t i = 0; i < m->npv; i++)
        pv_total += r->pv_totals[i].ac_kwh;
    assert_near(pv_total, r->energy_kwh.pv, 1e-6 * (pv_total + 1));
    char *json = NULL;
    assert_int_equal(zp_sim_result_json(ctx, r, 2, &json), ZP_OK);
    assert_non_null(strstr(json, "\"energy_kwh\""));
    assert_non_null(strstr(json, "\"hourly_matched\""));
    zp_sim_text_free(ctx, json);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void test_examples_balance(void **state)
{
    (void)state;
    check_example("shaoguan-campus", 0);
    check_example("shaoguan-campus", 15);
    check_example("baoshan-park", 0);
    check_example("greensboro-pv", 0);
}

/* A PUE that follows the outdoor temperature: curve (0 C, 1.10), (30 C, 1.40),
 * IT 1000 kW, two night hours at 10 C and 25 C:
 *   PUE(10) = 1.10 + 10/30 x 0.30 = 1.20 -> facility 1200 kW
 *   PUE(25) = 1.10 + 25/30 x 0.30 = 1.35 -> facility 1350 kW
 *   facility energy 2550 kWh, IT 2000 kWh, run PUE 1.275; below and above the
 *   curve the end values hold. */
static void test_pue_curve(void **state)
{
    (void)state;
    write_file("wt.csv", "timestamp,ghi_w_m2,temp_air_c\n"
                         "2024-01-01T00:00:00+08:00,0,10\n"
                         "2024-01-01T01:00:00+08:00,0,25\n");
    write_file("dc.json",
               "{\"name\": \"dc\", \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6},\n"
               " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-01T02:00:00+08:00\"},\n"
               " \"weather\": {\"csv\": \"wt.csv\"},\n"
               " \"datacenter\": {\"it_power_kw\": 1000, \"pue\": {\"curve\": [[0, 1.10], [30, 1.40]]}}}\n");
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = load(ctx, "dc.json");
    assert_non_null(m->datacenter.pue_curve);
    assert_near(zp_datacenter_pue_at(&m->datacenter, 10), 1.20, 1e-12);
    assert_near(zp_datacenter_pue_at(&m->datacenter, -5), 1.10, 1e-12);
    assert_near(zp_datacenter_pue_at(&m->datacenter, 45), 1.40, 1e-12);
    assert_near(m->datacenter.pue, 1.30, 1e-12); /* the curve at 20 C, for summaries */
    zp_sim_result *r = NULL;
    assert_int_equal(zp_simulate(ctx, m, NULL, &r), ZP_OK);
    assert_near(r->energy_kwh.datacenter_it, 2000.0, 1e-9);
    assert_near(r->energy_kwh.datacenter_facility, 2550.0, 1e-9);
    assert_near(r->energy_kwh.grid_import, 2550.0, 1e-9);
    assert_near(r->pue, 1.275, 1e-12);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);

    /* A curve needs weather, rising temperatures and PUE within 1..3. */
    write_file("dcbad.json",
               "{\"name\": \"dc\",\n"
               " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-01T02:00:00+08:00\"},\n"
               " \"datacenter\": {\"it_power_kw\": 1000, \"pue\": {\"curve\": [[10, 1.2], [5, 0.9]]}}}\n");
    char path[512];
    snprintf(path, sizeof path, "%s/dcbad.json", tmpdir);
    m = NULL;
    assert_int_equal(zp_model_load_file(ctx, path, 0, &m), ZP_EMODEL);
    char buf[512], all[2048] = "";
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
        strncat(all, buf, sizeof all - strlen(all) - 2);
        strcat(all, "\n");
    }
    assert_non_null(strstr(all, "datacenter.pue: a PUE curve follows the outdoor temperature: add \"weather\""));
    assert_non_null(strstr(all, "datacenter.pue.curve[1][0]: temperatures must rise: 5 follows 10"));
    assert_non_null(strstr(all, "datacenter.pue.curve[1][1]: 0.9 is out of range 1..3"));
    zp_ctx_diag_clear(ctx);
    zp_ctx_free(ctx);
}

/* Run an example over [from, to) with a dispatch method. */
static zp_sim_result *run_window(zp_ctx *ctx, const zp_model *m, zp_dispatch_method d,
                                 const char *from, const char *to, int no_reserve)
{
    zp_sim_opts o;
    zp_sim_opts_init(&o);
    o.dispatch = d;
    o.no_reserve = no_reserve;
    assert_int_equal(zp_time_parse(from, strlen(from), 480, &o.from, NULL), ZP_OK);
    assert_int_equal(zp_time_parse(to, strlen(to), 480, &o.to, NULL), ZP_OK);
    zp_sim_result *r = NULL;
    if (zp_simulate(ctx, m, &o, &r) != ZP_OK)
        fail_msg("%s", zp_ctx_errmsg(ctx));
    return r;
}

/* Every step of a dispatched run balances and keeps the batteries within
 * their limits (checked on the executed flows, not the LP). */
static void check_flows(const zp_model *m, const zp_sim_result *r)
{
    const zp_dispatch_result *f = r->flows;
    const double *firm = col(r, "firm_demand_kw");
    for (size_t t = 0; t < r->steps; t++) {
        double ch = 0, dis = 0;
        for (size_t s = 0; s < m->nstorage; s++) {
            ch += f->storage[s].charge_kw[t];
            dis += f->storage[s].discharge_kw[t];
            assert_true(f->storage[s].soc[t] >= m->storage[s].soc_min - 1e-9);
            assert_true(f->storage[s].soc[t] <= m->storage[s].soc_max + 1e-9);
            assert_true(f->storage[s].charge_kw[t] <= m->storage[s].power_kw + 1e-6);
            assert_true(f->storage[s].discharge_kw[t] <= m->storage[s].power_kw + 1e-6);
            assert_true(f->storage[s].charge_kw[t] < 1e-9 || f->storage[s].discharge_kw[t] < 1e-9);
        }
        double lhs = firm[t] + f->flex_served_kw[t] + ch + f->grid_export_kw[t] + f->curtailed_kw[t];
        double rhs = r->pv_kw[t] + r->wind_kw[t] + dis + f->grid_import_kw[t] + f->unserved_kw[t];
        assert_near(lhs * r->step_h, rhs * r->step_h, 1e-6);
        assert_true(f->grid_import_kw[t] <= m->grid.import_limit_kw + 1e-6);
        assert_true(f->grid_export_kw[t] <= m->grid.export_limit_kw + 1e-6);
    }
}

/* optimal <= mpc <= rule in the model's own objective: perfect foresight
 * is at least as good as rolling-horizon MPC on forecasts, which is at
 * least as good as the rule (on the campus, with a constant grid factor,
 * MPC ties the rule; on the park with time-of-use prices it gains more
 * than 5 %). Two weeks of March keep the test short under the sanitizers. */
static void test_dispatch_ordering(void **state)
{
    (void)state;
    const char *ex[] = {"baoshan-park", "shaoguan-campus"};
    for (size_t e = 0; e < 2; e++) {
        char path[512];
        snprintf(path, sizeof path, "%s/examples/%s/model.json", ZP_SOURCE_DIR, ex[e]);
        zp_ctx *ctx = zp_ctx_new();
        zp_model *m = NULL;
        assert_int_equal(zp_model_load_file(ctx, path, 0, &m), ZP_OK);
        zp_sim_result *rule = run_window(ctx, m, ZP_DISPATCH_RULE, "2024-03-01", "2024-03-15", 1);
        zp_sim_result *mpc = run_window(ctx, m, ZP_DISPATCH_MPC, "2024-03-01", "2024-03-15", 1);
        zp_sim_result *opt = run_window(ctx, m, ZP_DISPATCH_OPTIMAL, "2024-03-01", "2024-03-15", 1);
        assert_string_equal(opt->dispatch, "optimal");
        assert_int_equal(opt->fallbacks, 0);
        assert_int_equal(mpc->solves, 14 * 24);
        check_flows(m, rule);
        check_flows(m, mpc);
        check_flows(m, opt);
        assert_true(opt->objective <= mpc->objective * (1 + 1e-9));
        assert_true(mpc->objective <= rule->objective * (1 + 1e-9));
        if (e == 0) /* cost with a carbon price, time-of-use tariff: MPC gains */
            assert_true(mpc->objective < 0.95 * rule->objective);
        zp_sim_result_free(ctx, rule);
        zp_sim_result_free(ctx, mpc);
        zp_sim_result_free(ctx, opt);
        zp_model_free(ctx, m);
        zp_ctx_free(ctx);
    }
}

/* A 4-hour grid outage late on a July weekday evening at the industrial
 * park, when Shanghai's summer evening peak (18:00-21:00) has ended:
 * holding the resilience reserve (1.5 MW x 4 h / 0.95 of usable storage),
 * MPC - which does not see the outage coming - keeps the whole critical
 * load on (1,500 kW x 4 h = 6,000 kWh); without the reserve it has spent
 * the battery in the peak and cannot. Everything else is shed during the
 * outage. */
static void test_outage_reserve(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/examples/baoshan-park/model.json", ZP_SOURCE_DIR);
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_file(ctx, path, 0, &m), ZP_OK);
    double served[2];
    for (int no_reserve = 0; no_reserve < 2; no_reserve++) {
        zp_sim_opts o;
        zp_sim_opts_init(&o);
        o.dispatch = ZP_DISPATCH_MPC;
        o.no_reserve = no_reserve;
        const char *f = "2024-07-12T00:00:00+08:00", *t = "2024-07-17T00:00:00+08:00";
        const char *of = "2024-07-15T21:00:00+08:00", *ot = "2024-07-16T01:00:00+08:00";
        assert_int_equal(zp_time_parse(f, strlen(f), 480, &o.from, NULL), ZP_OK);
        assert_int_equal(zp_time_parse(t, strlen(t), 480, &o.to, NULL), ZP_OK);
        assert_int_equal(zp_time_parse(of, strlen(of), 480, &o.outage_from, NULL), ZP_OK);
        assert_int_equal(zp_time_parse(ot, strlen(ot), 480, &o.outage_to, NULL), ZP_OK);
        zp_sim_result *r = NULL;
        assert_int_equal(zp_simulate(ctx, m, &o, &r), ZP_OK);
        assert_int_equal(r->outage_steps, 4);
        assert_near(r->critical_demand_kwh, 6000.0, 1e-6);
        served[no_reserve] = r->critical_served_kwh;
        const double *imp = col(r, "grid_import_kw"), *exp_ = col(r, "grid_export_kw");
        for (size_t k = 0; k < r->steps; k++) {
            zp_time_t a0 = r->start + (zp_time_t)k * r->step_s;
            if (a0 >= o.outage_from && a0 < o.outage_to)
                assert_true(imp[k] == 0.0 && exp_[k] == 0.0);
        }
        zp_sim_result_free(ctx, r);
    }
    assert_near(served[0], 6000.0, 1e-3);
    assert_true(served[1] < 6000.0 - 1000.0);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* One plan as the controller makes it: horizon, limits, the battery's
 * starting state, the MPS written (tests/cli/run.sh solves it with GLPK). */
static void test_plan(void **state)
{
    (void)state;
    char path[512], mps[600];
    snprintf(path, sizeof path, "%s/examples/baoshan-park/model.json", ZP_SOURCE_DIR);
    snprintf(mps, sizeof mps, "%s/plan.mps", tmpdir);
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_file(ctx, path, 0, &m), ZP_OK);
    zp_plan_opts po;
    zp_plan_opts_init(&po);
    const char *at = "2024-07-15T08:00:00+08:00";
    assert_int_equal(zp_time_parse(at, strlen(at), 480, &po.at, NULL), ZP_OK);
    po.horizon_h = 12;
    po.mps_path = mps;
    double soc[1] = {0.5};
    po.soc_initial = soc;
    zp_plan *pl = NULL;
    assert_int_equal(zp_plan_make(ctx, m, &po, &pl), ZP_OK);
    assert_int_equal(pl->steps, 12);
    assert_int_equal(pl->lp.status, ZP_LP_OPTIMAL);
    assert_near(pl->flows->storage[0].soc_start, 0.5, 1e-12);
    for (size_t i = 0; i < pl->steps; i++) {
        assert_true(pl->flows->storage[0].soc[i] >= 0.1 - 1e-9);
        assert_true(pl->flows->grid_import_kw[i] <= 30000 + 1e-6);
    }
    FILE *f = fopen(mps, "r");
    assert_non_null(f);
    fclose(f);
    char *json = NULL;
    assert_int_equal(zp_plan_json(ctx, pl, 0, &json), ZP_OK);
    assert_non_null(strstr(json, "\"setpoint_kw\""));
    zp_sim_text_free(ctx, json);
    zp_plan_free(ctx, pl);
    /* --at outside the period, or off the step grid, is refused. */
    po.at += 1800;
    assert_int_equal(zp_plan_make(ctx, m, &po, &pl), ZP_ERANGE);

    /* Late on 31 December: cut at the end of the period (2 hourly steps
     * left), or with wrap the whole 24 h, 1 January taking the model's own
     * 1 January prices (its tariff on the period, from its first step). */
    const char *late = "2024-12-31T22:00:00+08:00";
    assert_int_equal(zp_time_parse(late, strlen(late), 480, &po.at, NULL), ZP_OK);
    po.horizon_h = 24;
    po.mps_path = NULL;
    assert_int_equal(zp_plan_make(ctx, m, &po, &pl), ZP_OK);
    assert_int_equal(pl->steps, 2);
    zp_plan_free(ctx, pl);
    po.wrap = 1;
    assert_int_equal(zp_plan_make(ctx, m, &po, &pl), ZP_OK);
    assert_int_equal(pl->steps, 24);
    assert_int_equal(pl->lp.status, ZP_LP_OPTIMAL);
    assert_non_null(m->grid.tariff);
    zp_time_grid g = {m->start, 3600, m->steps, m->utc_offset_min};
    double *tariff = calloc(m->steps, sizeof *tariff);
    assert_non_null(tariff);
    assert_int_equal(zp_tariff_prices(ctx, m->grid.tariff, &g, NULL, tariff), ZP_OK);
    for (size_t i = 0; i < 22; i++)
        assert_near(pl->price_cny_per_kwh[2 + i], tariff[i], 0);
    assert_near(pl->price_cny_per_kwh[0], tariff[m->steps - 2], 0);
    free(tariff);
    for (size_t i = 0; i < pl->steps; i++)
        assert_true(pl->flows->storage[0].soc[i] >= 0.1 - 1e-9);
    zp_plan_free(ctx, pl);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void test_fuel_factors(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double k;
    const char *src;
    /* Diesel: 43.33 GJ/t x 0.0202 tC/GJ x 0.98 x 44/12 = 3.1450 t/t. */
    assert_int_equal(zp_fuel_factor(ctx, "diesel", "t", &k, &src), ZP_OK);
    assert_near(k, 43.33 * 0.0202 * 0.98 * 44.0 / 12.0, 1e-12);
    assert_near(k, 3.1450, 5e-4);
    assert_non_null(strstr(src, "43.33"));
    /* Purchased heat: 0.11 t/GJ exactly. */
    assert_int_equal(zp_fuel_factor(ctx, "purchased_heat", "GJ", &k, NULL), ZP_OK);
    assert_near(k, 0.11, 1e-12);
    assert_int_equal(zp_fuel_factor(ctx, "diesel", "m3", &k, NULL), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "measured in t, not m3"));
    assert_int_equal(zp_fuel_factor(ctx, "peat", "t", &k, NULL), ZP_ENOTFOUND);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_only_day),
        cmocka_unit_test(test_hourly_matching_toy),
        cmocka_unit_test(test_examples_balance),
        cmocka_unit_test(test_pue_curve),
        cmocka_unit_test(test_dispatch_ordering),
        cmocka_unit_test(test_outage_reserve),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_fuel_factors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
