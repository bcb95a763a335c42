/*
 * test_plan.c - the model's "planning" section and `zeropark plan`
 * (docs/planning.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/internal.h"
#include "need.h"
#include "plan/plan_impl.h"
#include <jansson.h>
#include "zeropark/zeropark.h"

#define MODELS_DIR ZP_SOURCE_DIR "/tests/unit/models"

static void dump_diags(zp_ctx *ctx)
{
    char buf[2048];
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
        print_message("  diag %zu: %s\n", i, buf);
    }
}

/* Load json as "model.json" and require exactly the diagnostics want. */
static void expect_problems(const char *json, const char *const *want, size_t nwant)
{
    char buf[2048];
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_non_null(ctx);
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "model.json", MODELS_DIR,
                                     ZP_MODEL_NO_SERIES, &m);
    if (rc != ZP_EMODEL || zp_ctx_diag_count(ctx) != nwant)
        dump_diags(ctx);
    assert_int_equal(rc, ZP_EMODEL);
    assert_null(m);
    assert_int_equal(zp_ctx_diag_count(ctx), nwant);
    for (size_t i = 0; i < nwant; i++) {
        zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
        assert_string_equal(buf, want[i]);
    }
    zp_ctx_free(ctx);
}
#define EXPECT(json, ...)                                                                  \
    expect_problems(json, (const char *const[]){__VA_ARGS__},                              \
                    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* Lines 1-6: a park with one PV array, one wind farm and one battery. */
#define PARK                                                                               \
    "{\"name\": \"t\",\n"                                                                  \
    " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-02T00:00:00+08:00\"},\n" \
    " \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6}, \"weather\": {\"csv\": \"data/weather.csv\"},\n" \
    " \"pv\": [{\"name\": \"roof\", \"capacity_kwp\": 100, \"tilt_deg\": 20, \"azimuth_deg\": 180}],\n" \
    " \"wind\": [{\"name\": \"mast\", \"rated_kw\": 100, \"hub_height_m\": 30, \"power_curve\": [[3, 0], [12, 100]]}],\n" \
    " \"storage\": [{\"name\": \"b\", \"energy_kwh\": 100, \"power_kw\": 50}],\n"

/* ---- the planning section ------------------------------------------------ */

static void test_planning_valid(void **state)
{
    (void)state;
    const char *json = PARK
        " \"planning\": {\"discount_rate\": 0.08,\n"
        "  \"pv\": [{\"name\": \"roof+\", \"extends\": \"roof\", \"capex_cny_per_kwp\": 3000,"
        " \"lifetime_years\": 25, \"max_kwp\": 50},\n"
        "         {\"name\": \"car\", \"tilt_deg\": 5, \"azimuth_deg\": 180, \"dc_ac_ratio\": 1.25,"
        " \"capex_cny_per_kwp\": 3500, \"lifetime_years\": 25, \"area_m2\": 1000, \"kwp_per_m2\": 0.18}],\n"
        "  \"wind\": [{\"name\": \"mast+\", \"extends\": \"mast\", \"capex_cny_per_kw\": 6000,"
        " \"lifetime_years\": 20, \"max_kw\": 300, \"whole_turbines\": true}],\n"
        "  \"storage\": [{\"name\": \"b2\", \"capex_cny_per_kwh\": 900, \"capex_cny_per_kw\": 300,"
        " \"lifetime_years\": 15, \"max_kwh\": 400, \"max_kw\": 100, \"min_kwh\": 50}],\n"
        "  \"certificates\": {\"price_cny_per_mwh\": 5, \"max_mwh_per_year\": 100},\n"
        "  \"credits\": {\"price_cny_per_t\": 60, \"max_t_per_year\": 10}}\n"
        "}\n";
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "model.json", MODELS_DIR,
                                     ZP_MODEL_NO_SERIES, &m);
    if (rc)
        dump_diags(ctx);
    assert_int_equal(rc, ZP_OK);
    const zp_planning *p = &m->planning;
    assert_true(p->present);
    assert_near(p->discount_rate, 0.08, 0);
    assert_int_equal(p->analysis_years, 20);
    assert_int_equal(p->npv, 2);
    assert_string_equal(p->pv[0].extends, "roof");
    assert_int_equal(p->pv[0].extends_index, 0);
    /* 1000 m2 x 0.18 kWp/m2 */
    assert_near(p->pv[1].max_kwp, 180, 1e-12);
    assert_near(p->pv[1].array.inverter_kw, 1 / 1.25, 1e-15);
    assert_true(p->wind[0].whole_turbines);
    assert_near(p->storage[0].unit.charge_efficiency, 0.95, 0);
    assert_near(p->storage[0].min_kwh, 50, 0);
    assert_true(p->certificates.present);
    /* the national carbon market's 5 % */
    assert_near(p->credits.max_share_pct, 5, 0);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void test_planning_problems(void **state)
{
    (void)state;
    EXPECT(PARK
           " \"planning\": {\"discount_rate\": 1.5,\n"
           "  \"pv\": [{\"name\": \"roof\", \"tilt_deg\": 20, \"azimuth_deg\": 180, \"capex_cny_per_kwp\": 1, \"lifetime_years\": 25},\n"
           "         {\"name\": \"x\", \"extends\": \"rof\", \"tilt_deg\": 10, \"capex_cny_per_kwp\": 1, \"lifetime_years\": 25, \"max_kwp\": 100, \"min_kwp\": 200},\n"
           "         {\"name\": \"y\", \"tilt_deg\": 20, \"azimuth_deg\": 180, \"capex_cny_per_kwp\": 1, \"lifetime_years\": 25, \"area_m2\": 10}],\n"
           "  \"wind\": [{\"name\": \"w\", \"turbine_kw\": 2000, \"hub_height_m\": 90, \"power_curve\": [[3, 0], [12, 2000]], \"capex_cny_per_kw\": 1, \"lifetime_years\": 20, \"max_kw\": 1000, \"whole_turbines\": true}],\n"
           "  \"storage\": [{\"name\": \"b2\", \"extends\": \"b\", \"soc_min\": 0.2, \"capex_cny_per_kwh\": 1, \"lifetime_years\": 15, \"max_kwh\": 100, \"max_kw\": 50},\n"
           "              {\"name\": \"n\", \"lifetime_years\": 15, \"max_kwh\": 100, \"max_kw\": 50}],\n"
           "  \"credits\": {\"price_cny_per_t\": 60, \"max_t_per_year\": 100, \"max_sahre_pct\": 3}}\n"
           "}\n",
           "model.json:7:32: planning.discount_rate: 1.5 is out of range 0..0.99",
           "model.json:8:10: planning.pv[0]: give the ceiling: max_kwp, or area_m2 with kwp_per_m2",
           "model.json:8:19: planning.pv[0].name: the model's pv array 'roof' has this name; a new "
           "pv array needs its own (or extend it with \"extends\")",
           "model.json:9:35: planning.pv[1].extends: the model has no pv array named 'rof'; did "
           "you mean 'roof'?",
           "model.json:9:42: planning.pv[1].tilt_deg: an extension takes the orientation, losses "
           "and inverter ratio of the pv array it extends; drop tilt_deg",
           "model.json:9:131: planning.pv[1].min_kwp: 200 is above the ceiling (100)",
           "model.json:10:106: planning.pv[2].area_m2: area_m2 needs kwp_per_m2 (kWp of modules "
           "per m2 of the area)",
           "model.json:11:158: planning.wind[0].max_kw: 1000 kW is less than one turbine (2000 kW)",
           "model.json:12:46: planning.storage[0].soc_min: an extension takes the efficiencies, "
           "SOC limits and wear of the storage it extends; drop soc_min",
           "model.json:13:15: planning.storage[1]: give capex_cny_per_kwh, capex_cny_per_kw or both",
           "model.json:14:61: planning.credits.max_sahre_pct: unknown key 'max_sahre_pct'; did you "
           "mean 'max_share_pct'?");
    /* two candidates on one array; a second contract */
    EXPECT(PARK
           " \"grid\": {\"green_power\": {\"mwh_per_month\": 1}},\n"
           " \"planning\": {\"pv\": [{\"name\": \"a\", \"extends\": \"roof\", \"capex_cny_per_kwp\": 1, \"lifetime_years\": 25, \"max_kwp\": 1},\n"
           "                      {\"name\": \"a\", \"extends\": \"roof\", \"capex_cny_per_kwp\": 1, \"lifetime_years\": 25, \"max_kwp\": 1}],\n"
           "  \"green_power\": {\"premium_cny_per_mwh\": 30, \"max_mwh_per_year\": 100}}\n"
           "}\n",
           "model.json:9:32: planning.pv[1].name: duplicate name 'a'",
           "model.json:9:48: planning.pv[1].extends: pv array 'roof' is already extended by "
           "planning.pv[0]; one candidate per pv array",
           "model.json:10:3: planning.green_power: the model already has a contract "
           "(grid.green_power); plan with one or the other");
}


/* ---- the plan: hand-solvable cases ---------------------------------------- */

/* One day (2024-01-01: the year share f = 1/31/12 = 1/372), 1000 kW of
 * load all day, 1 CNY/kWh, the weather of tests/unit/models/data. */
#define DAY                                                                                \
    "{\"name\": \"day\",\n"                                                                \
    " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-02T00:00:00+08:00\"},\n" \
    " \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6}, \"weather\": {\"csv\": \"data/weather.csv\"},\n" \
    " \"grid\": {\"price_cny_per_kwh\": 1.0, \"emission_factor_kg_per_kwh\": 0.5},\n"     \
    " \"accounting\": {\"residual_factor_kg_per_kwh\": 0.5},\n"                           \
    " \"loads\": [{\"name\": \"l\", \"power_kw\": 1000}],\n"

static zp_model *load_text(zp_ctx *ctx, const char *json, const char *dir)
{
    zp_model *m = NULL;
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "model.json", dir, 0, &m);
    if (rc) {
        print_message("  %s\n", zp_ctx_errmsg(ctx));
        dump_diags(ctx);
    }
    assert_int_equal(rc, ZP_OK);
    return m;
}

static zp_planning_result *plan(zp_ctx *ctx, const zp_model *m, const zp_planning_opts *o)
{
    zp_planning_result *r = NULL;
    zp_status rc = zp_planning_solve(ctx, m, o, &r);
    if (rc)
        print_message("  %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    assert_non_null(r);
    return r;
}

static double built(const zp_planning_result *r, const char *key)
{
    for (size_t i = 0; i < r->nbuild; i++)
        if (strcmp(r->build[i].key, key) == 0)
            return r->build[i].value;
    fail_msg("no build key %s", key);
    return NAN;
}

static const zp_planning_target *target(const zp_planning_result *r, const char *name)
{
    for (size_t i = 0; i < r->ntargets; i++)
        if (strcmp(r->targets[i].name, name) == 0)
            return &r->targets[i];
    fail_msg("no target %s", name);
    return NULL;
}

/* PV that costs less per kWh than the grid, and nothing else limits it,
 * is built to its ceiling (500 m2 x 0.2 kWp/m2 = 100 kWp: all its power is
 * consumed, 100 kW << 1000 kW of load). Above the break-even capex it is
 * not built at all. By hand: a kWp gives Y kWh in the day, worth Y CNY;
 * it costs f x capex x CRF(6 %, 25 y) = capex x 0.0782267 / 372 in the
 * day; break-even capex = 372 Y / 0.0782267. */
static void test_pv_to_ceiling(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char json[4096];
#define PV_MODEL(capex)                                                                    \
    snprintf(json, sizeof json, DAY " \"objective\": {\"minimise\": \"cost\"},\n"                \
             " \"planning\": {\"pv\": [{\"name\": \"roof\", \"tilt_deg\": 20, \"azimuth_deg\": 180," \
             " \"capex_cny_per_kwp\": %.17g, \"lifetime_years\": 25, \"area_m2\": 500,"        \
             " \"kwp_per_m2\": 0.2}]}}\n", (capex))
    PV_MODEL(100.0);
    zp_model *m = load_text(ctx, json, MODELS_DIR);
    zp_planning_result *r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    assert_near(r->year_share, 1.0 / 372.0, 1e-15);
    assert_near(built(r, "pv.roof_kwp"), 100.0, 1e-6);
    /* all of it consumed: the bill is 24000 kWh less the PV's, at 1 CNY */
    double y = r->run->energy_kwh.pv / 100.0;
    assert_true(y > 1.0 && y < 6.0);
    assert_near(r->run->energy_kwh.curtailed, 0.0, 1e-6);
    assert_near(r->operation_cost_cny, 24000.0 - 100.0 * y, 1e-6);
    double crf = 0.06 / (1.0 - pow(1.06, -25.0));
    assert_near(crf, 0.0782267182, 1e-9);
    assert_near(r->annual_cny.capital, 100.0 * 100.0 * crf, 1e-9);
    /* payback: capex / (baseline - operation) a year */
    assert_near(r->simple_payback_years, 10000.0 / (100.0 * y * 372.0), 1e-9);
    double breakeven = 372.0 * y / crf;
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    for (int k = 0; k < 2; k++) {
        PV_MODEL(breakeven * (k ? 1.02 : 0.98));
        m = load_text(ctx, json, MODELS_DIR);
        r = plan(ctx, m, NULL);
        assert_near(built(r, "pv.roof_kwp"), k ? 0.0 : 100.0, 1e-6);
        zp_planning_result_free(ctx, r);
        zp_model_free(ctx, m);
    }
    zp_ctx_free(ctx);
}

/* An emission cap met exactly by certificates. By hand: 24 MWh a day at
 * 0.5 t/MWh (the residual factor) is 12 t; a cap of 10 t needs 4 MWh of
 * certificates in the day, 4 x 372 = 1488 MWh a year; at 5 CNY/MWh a
 * tonne less costs 2 MWh x 5 = 10 CNY (the shadow price). */
static void test_cap_by_certificates(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const char *json = DAY " \"targets\": {\"max_emissions_t\": 10},\n"
        " \"planning\": {\"certificates\": {\"price_cny_per_mwh\": 5, \"max_mwh_per_year\": 5000}}}\n";
    zp_model *m = load_text(ctx, json, MODELS_DIR);
    zp_planning_result *r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    assert_near(built(r, "certificates_mwh"), 1488.0, 1e-6);
    const zp_planning_target *t = target(r, "max_emissions_t");
    assert_near(t->value, 10.0, 1e-9);
    assert_true(t->met);
    assert_true(t->binding);
    assert_near(t->shadow_price, 10.0, 1e-6);
    assert_near(r->annual_cny.certificates, 1488.0 * 5.0, 1e-6);
    assert_near(r->operation_cost_cny, 24000.0, 1e-6);
    zp_planning_result_free(ctx, r);
    /* a cap of 13 t does not bind: nothing bought, no shadow price */
    zp_planning_opts o;
    zp_planning_opts_init(&o);
    o.max_emissions_t = 13;
    r = plan(ctx, m, &o);
    assert_near(built(r, "certificates_mwh"), 0.0, 1e-9);
    assert_false(target(r, "max_emissions_t")->binding);
    zp_planning_result_free(ctx, r);
    /* 5000 MWh a year is 5000 / 372 = 13.44086 MWh in the day: at most
     * 6.720430 t less, so a cap of 5 t cannot be met; the best is
     * 12 - 6.720430 = 5.279570 t */
    o.max_emissions_t = 5;
    r = plan(ctx, m, &o);
    assert_int_equal(r->status, ZP_PLANNING_INFEASIBLE);
    assert_non_null(strstr(r->status_text, "max_emissions_t: 5 t cannot be met; the best the "
                                            "candidates reach is 5.279569892 t"));
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* A green share met exactly by green power. By hand: 30 % of 24 MWh is
 * 7.2 MWh in the day, a contract of G / 12 MWh a month pro rata 1/31:
 * G = 7.2 x 12 x 31 = 2678.4 MWh a year; the premium (20 CNY/MWh) on the
 * 7.2 MWh delivered is 144 CNY in the bill; a point more is 0.24 MWh, 4.8
 * CNY in the day, 4.8 x 372 = 1785.6 CNY a year. */
static void test_share_by_green_power(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const char *json = DAY " \"targets\": {\"min_green_share_pct\": 30},\n"
        " \"planning\": {\"green_power\": {\"premium_cny_per_mwh\": 20, \"max_mwh_per_year\": 1e5}}}\n";
    zp_model *m = load_text(ctx, json, MODELS_DIR);
    zp_planning_result *r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    assert_near(built(r, "green_power_mwh"), 2678.4, 1e-6);
    assert_near(r->operation_cost_cny, 24000.0 + 144.0, 1e-6);
    assert_near(r->run->bill->cost.green_power, 144.0, 1e-6);
    const zp_planning_target *t = target(r, "min_green_share_pct");
    assert_near(t->value, 30.0, 1e-9);
    assert_true(t->met);
    assert_near(t->shadow_price, 1785.6, 1e-6);
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* The zero-carbon park indicator (t CO2 per tce) and the clean-energy
 * share as targets, met by certificates. By hand: the day's 24 MWh is
 * E = 24000 k tce (k the equal-value rate of the factor set, power_coal
 * gce/kWh / 1e6) and emits 12 t; at most 1.2 t/tce leaves 1.2 E t, so
 * (12 - 1.2 E) / 0.5 MWh of certificates in the day, x 372 a year. A
 * clean-energy share of 25 % (no fuels: of the electricity) needs 6 MWh of
 * green electricity in the day: 6 x 372 = 2232 MWh of certificates. */
static void test_indicator_by_certificates(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const char *json = DAY " \"targets\": {\"max_t_co2_per_tce\": 1.2},\n"
        " \"planning\": {\"certificates\": {\"price_cny_per_mwh\": 5, \"max_mwh_per_year\": 1e5}}}\n";
    zp_model *m = load_text(ctx, json, MODELS_DIR);
    zp_planning_result *r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    double k = r->run->indicator.power_coal_gce_per_kwh / 1e6;
    assert_true(k > 2e-4 && k < 4e-4);
    double E = 24000.0 * k;
    assert_near(built(r, "certificates_mwh"), (12.0 - 1.2 * E) / 0.5 * 372.0, 1e-6);
    const zp_planning_target *t = target(r, "max_t_co2_per_tce");
    assert_near(t->value, 1.2, 1e-9);
    assert_true(t->met);
    assert_true(t->binding);
    /* a tenth of a t/tce less costs 0.1 E t more at 10 CNY/t, a year */
    assert_near(t->shadow_price * 0.1, 0.1 * E / 0.5 * 5.0 * 372.0, 1e-6);
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    /* 100 MWh a year is 100 / 372 MWh in the day: 0.5 x 100 / 372 t less at
     * most, so 1.2 t/tce cannot be met; the best is (12 - 50 / 372) / E */
    json = DAY " \"targets\": {\"max_t_co2_per_tce\": 1.2},\n"
        " \"planning\": {\"certificates\": {\"price_cny_per_mwh\": 5, \"max_mwh_per_year\": 100}}}\n";
    m = load_text(ctx, json, MODELS_DIR);
    r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_INFEASIBLE);
    const char *at = strstr(r->status_text, "max_t_co2_per_tce: 1.2 t/tce cannot be met; the best "
                                            "the candidates reach is ");
    assert_non_null(at);
    double best = strtod(at + strlen("max_t_co2_per_tce: 1.2 t/tce cannot be met; the best the "
                                     "candidates reach is "), NULL);
    assert_near(best, (12.0 - 50.0 / 372.0) / E, 1e-8);
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    json = DAY " \"targets\": {\"min_clean_energy_share_pct\": 25},\n"
        " \"planning\": {\"certificates\": {\"price_cny_per_mwh\": 5, \"max_mwh_per_year\": 1e5}}}\n";
    m = load_text(ctx, json, MODELS_DIR);
    r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    assert_near(built(r, "certificates_mwh"), 2232.0, 1e-6);
    t = target(r, "min_clean_energy_share_pct");
    assert_near(t->value, 25.0, 1e-9);
    assert_true(t->met);
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* Minimum sizes and whole turbines make a MILP (CBC). By hand: a cap of
 * 11.95 t on the day's 12 t needs 0.05 t less, 100 kWh of PV at 0.5 t/MWh:
 * 100 / Y kWp (Y the kWh a kWp gives that day) when the PV may be any
 * size, 50 kWp with "build nothing or at least 50". Wind cheaper than
 * the grid builds whole 2500-kW turbines: 2 of them in a ceiling of 6000 kW. */
static void test_minimum_sizes_milp(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char json[4096];
    for (int k = 0; k < 2; k++) {
        snprintf(json, sizeof json, DAY " \"targets\": {\"max_emissions_t\": 11.95},\n"
                 " \"planning\": {\"pv\": [{\"name\": \"roof\", \"tilt_deg\": 20, \"azimuth_deg\": 180,"
                 " \"capex_cny_per_kwp\": 1e5, \"lifetime_years\": 25, \"max_kwp\": 200%s}]}}\n",
                 k ? ", \"min_kwp\": 50" : "");
        zp_model *m = load_text(ctx, json, MODELS_DIR);
        zp_planning_result *r = plan(ctx, m, NULL);
        assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
        assert_int_equal(r->integer, k);
        double x = built(r, "pv.roof_kwp"), y = r->run->energy_kwh.pv / x;
        assert_near(x, k ? 50.0 : 100.0 / y, 1e-6);
        assert_true(target(r, "max_emissions_t")->met);
        zp_planning_result_free(ctx, r);
        zp_model_free(ctx, m);
    }
    const char *wind = DAY " \"objective\": {\"minimise\": \"cost\"},\n"
        " \"planning\": {\"wind\": [{\"name\": \"w\", \"turbine_kw\": 2500, \"hub_height_m\": 80,"
        " \"power_curve\": [[3, 0], [12, 2500], [25, 2500]], \"capex_cny_per_kw\": 10,"
        " \"lifetime_years\": 20, \"max_kw\": 6000, \"whole_turbines\": true}]}}\n";
    zp_model *m = load_text(ctx, wind, MODELS_DIR);
    zp_planning_result *r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    assert_true(r->integer);
    assert_near(built(r, "wind.w_kw"), 5000.0, 1e-6);
    char *out = NULL;
    assert_int_equal(zp_planning_out_model(ctx, r, wind, strlen(wind), MODELS_DIR, &out), ZP_OK);
    assert_non_null(strstr(out, "\"count\": 2"));
    zp_sim_text_free(ctx, out);
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* ---- consistency on two weeks of the Shaoguan campus ----------------------- */

#define CAMPUS_DIR ZP_SOURCE_DIR "/examples/shaoguan-campus"

/* Five candidates (a new PV array, more of the carports' array, a new wind
 * farm, more of bess-1, a new battery) and certificates. */
/* Five candidates (a new PV array, more of the carports' array, a new wind
 * farm, more of bess-1, a new battery) and certificates: the benchmark's
 * too (bench/bench_plan.c). */
#define CAMPUS_PLANNING_FILE MODELS_DIR "/campus-planning.json"
static char CAMPUS_PLANNING[8192];

static int read_campus_planning(void **state)
{
    (void)state;
    FILE *f = fopen(CAMPUS_PLANNING_FILE, "r");
    if (!f)
        return -1;
    size_t n = fread(CAMPUS_PLANNING, 1, sizeof CAMPUS_PLANNING - 1, f);
    CAMPUS_PLANNING[n] = 0;
    fclose(f);
    /* the test appends purchases before the closing brace */
    while (n && CAMPUS_PLANNING[n - 1] != '}')
        CAMPUS_PLANNING[--n] = 0;
    return 0;
}

/* The campus model over 2024-07-01 .. 07-15 with planning (a JSON object
 * text, or NULL for none) and targets (text), as JSON text (caller frees). */
static char *campus_text_with(const char *planning, const char *targets, const char *extra)
{
    json_error_t err;
    json_t *m = json_load_file(CAMPUS_DIR "/model.json", 0, &err);
    assert_non_null(m);
    json_object_set_new(m, "period", json_pack("{s:s, s:s, s:i}", "start",
                                               "2024-07-01T00:00:00+08:00", "end",
                                               "2024-07-15T00:00:00+08:00", "step_min", 60));
    json_object_set_new(m, "certificates", json_pack("{s:f}", "green_certificates_mwh", 500.0));
    json_object_set_new(m, "targets", json_loads(targets, 0, &err));
    if (planning)
        json_object_set_new(m, "planning", json_loads(planning, 0, &err));
    if (extra) {
        json_t *x = json_loads(extra, 0, &err);
        assert_non_null(x);
        json_object_update(m, x);
        json_decref(x);
    }
    char *text = json_dumps(m, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(m);
    assert_non_null(text);
    return text;
}

static char *campus_text(const char *planning, const char *targets)
{
    return campus_text_with(planning, targets, NULL);
}

/* simulate --dispatch optimal on the plan's out-model. */
static zp_sim_result *simulate_out_model(zp_ctx *ctx, const zp_planning_result *r,
                                         const char *text, zp_model **om)
{
    char *out = NULL;
    assert_int_equal(zp_planning_out_model(ctx, r, text, strlen(text), CAMPUS_DIR, &out), ZP_OK);
    *om = load_text(ctx, out, CAMPUS_DIR);
    assert_false((*om)->planning.present);
    zp_sim_text_free(ctx, out);
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.dispatch = ZP_DISPATCH_OPTIMAL;
    zp_sim_result *s = NULL;
    assert_int_equal(zp_simulate(ctx, *om, &so, &s), ZP_OK);
    return s;
}

/* The out-model reproduces the plan: simulate --dispatch optimal on it
 * bills operation_cost_cny to 1e-6 and meets the targets the plan meets. */
static void test_out_model_reproduces(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    /* the cap binds (about 1450 t without it) and is met by certificates */
    char *text = campus_text(CAMPUS_PLANNING, "{\"max_emissions_t\": 1000, \"min_green_share_pct\": 60}");
    zp_model *m = load_text(ctx, text, CAMPUS_DIR);
    zp_planning_result *r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    assert_true(target(r, "max_emissions_t")->binding);
    assert_true(built(r, "certificates_mwh") > 0);
    /* something of each kind is built */
    assert_true(built(r, "pv.roof-new_kwp") > 1000);
    assert_true(built(r, "storage.bess-2_kwh") > 1000);
    zp_model *om = NULL;
    zp_sim_result *s = simulate_out_model(ctx, r, text, &om);
    assert_near(s->cost_cny, r->operation_cost_cny, 1e-6 * r->operation_cost_cny);
    assert_near(s->bill->cost.total, r->run->bill->cost.total, 1e-6 * r->operation_cost_cny);
    for (size_t i = 0; i < r->ntargets; i++) {
        if (!r->targets[i].met)
            continue;
        int found = 0;
        for (size_t k = 0; k < s->ntargets; k++)
            if (strcmp(s->targets[k].name, r->targets[i].name) == 0) {
                assert_true(s->targets[k].met);
                found = 1;
            }
        assert_true(found || strcmp(r->targets[i].name, "reserve_h") == 0);
    }
    zp_sim_result_free(ctx, s);
    zp_model_free(ctx, om);
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    free(text);
    zp_ctx_free(ctx);
}

/* A tighter target never lowers the total. */
static void test_tighter_never_cheaper(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char *text = campus_text(CAMPUS_PLANNING, "{}");
    zp_model *m = load_text(ctx, text, CAMPUS_DIR);
    const double caps[] = {INFINITY, 2000, 1500, 1000, 700, 400};
    double prev = -INFINITY;
    for (size_t i = 0; i < ZP_ARRAY_LEN(caps); i++) {
        zp_planning_opts o;
        zp_planning_opts_init(&o);
        o.max_emissions_t = caps[i];
        zp_planning_result *r = plan(ctx, m, &o);
        assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
        print_message("  cap %g t: total %.2f CNY/yr\n", caps[i], r->annual_cny.total);
        assert_true(r->annual_cny.total >= prev - 1e-6 * fabs(prev));
        if (isfinite(caps[i]))
            assert_true(target(r, "max_emissions_t")->met);
        prev = r->annual_cny.total;
        zp_planning_result_free(ctx, r);
    }
    zp_model_free(ctx, m);
    free(text);
    zp_ctx_free(ctx);
}

/* With every ceiling 0 the plan is the model's own optimal dispatch: the
 * same bill and the same objective as simulate --dispatch optimal. */
static void test_zero_ceilings(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    static const char zero[] =
        "{\"pv\": [{\"name\": \"p\", \"tilt_deg\": 15, \"azimuth_deg\": 180, \"capex_cny_per_kwp\": 1,"
        "          \"lifetime_years\": 25, \"max_kwp\": 0},"
        "         {\"name\": \"q\", \"extends\": \"carports\", \"capex_cny_per_kwp\": 1, \"lifetime_years\": 25,"
        "          \"max_kwp\": 0}],"
        " \"storage\": [{\"name\": \"b\", \"extends\": \"bess-1\", \"capex_cny_per_kwh\": 1, \"lifetime_years\": 15,"
        "              \"max_kwh\": 0, \"max_kw\": 0},"
        "             {\"name\": \"c\", \"capex_cny_per_kwh\": 1, \"lifetime_years\": 15, \"max_kwh\": 0, \"max_kw\": 0}],"
        " \"certificates\": {\"price_cny_per_mwh\": 1, \"max_mwh_per_year\": 0}}";
    char *text = campus_text(zero, "{}");
    zp_model *m = load_text(ctx, text, CAMPUS_DIR);
    zp_planning_result *r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    for (size_t i = 0; i < r->nbuild; i++)
        assert_near(r->build[i].value, 0.0, 0);
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.dispatch = ZP_DISPATCH_OPTIMAL;
    zp_sim_result *s = NULL;
    assert_int_equal(zp_simulate(ctx, m, &so, &s), ZP_OK);
    assert_near(r->operation_cost_cny, s->cost_cny, 1e-6 * s->cost_cny);
    assert_near(r->run->objective, s->objective, 1e-6 * s->objective);
    assert_near(r->annual_cny.total, r->baseline_annual_cost_cny, 1e-6 * r->annual_cny.total);
    zp_sim_result_free(ctx, s);
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    free(text);
    zp_ctx_free(ctx);
}

/* ---- the same LP written independently -------------------------------------- */

/* tests/unit/plan_reference.py builds the planning LP from docs/planning.md
 * and docs/methodology.md alone, on the inputs zeropark writes (profiles,
 * demand, prices: no rows or columns), and solves it with SciPy's HiGHS:
 * the same optimum to 1e-6. Two weeks of the campus with the five
 * candidates, green power, certificates and credits, a binding emission
 * cap, a green share, the indicator (0.23 t/tce, binding) and the
 * clean-energy share, a resilience reserve. */
static void test_independent_reference(void **state)
{
    (void)state;
    zp_need("python3 py:scipy.optimize py:numpy");
    zp_ctx *ctx = zp_ctx_new();
    char planning[8192];
    snprintf(planning, sizeof planning, "%.*s, \"green_power\": {\"premium_cny_per_mwh\": 30, "
             "\"max_mwh_per_year\": 50000}, \"credits\": {\"price_cny_per_t\": 60, "
             "\"max_t_per_year\": 2000}}", (int)strlen(CAMPUS_PLANNING) - 1, CAMPUS_PLANNING);
    char *text = campus_text_with(planning, "{\"max_emissions_t\": 900, \"min_green_share_pct\": 70, "
                                  "\"max_t_co2_per_tce\": 0.23, \"min_clean_energy_share_pct\": 86}",
                                  "{\"resilience\": {\"critical_load_kw\": 8000, \"reserve_h\": 2}}");
    zp_model *m = load_text(ctx, text, CAMPUS_DIR);
    zp_planning_result *r = plan(ctx, m, NULL);
    assert_int_equal(r->status, ZP_PLANNING_OPTIMAL);
    /* the indicator binds; the others hold */
    assert_true(target(r, "max_t_co2_per_tce")->binding);
    for (size_t i = 0; i < r->ntargets; i++)
        assert_true(r->targets[i].met);
    const char *csv = ZP_BINARY_DIR "/plan_reference_inputs.csv";
    const char *js = ZP_BINARY_DIR "/plan_reference_params.json";
    assert_int_equal(zp__plan_write_inputs(ctx, m, NULL, csv, js), ZP_OK);
    char cmd[1024], out[8192];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/unit/plan_reference.py' '%s' '%s'",
             ZP_SOURCE_DIR, csv, js);
    FILE *pp = popen(cmd, "r");
    assert_non_null(pp);
    size_t got = fread(out, 1, sizeof out - 1, pp);
    out[got] = 0;
    assert_int_equal(pclose(pp), 0);
    json_error_t err;
    json_t *doc = json_loads(out, 0, &err);
    assert_non_null(doc);
    double obj = json_number_value(json_object_get(doc, "objective"));
    print_message("  zeropark %.15g, reference %.15g (HiGHS, %lld rows x %lld cols)\n", r->objective,
                  obj, (long long)json_integer_value(json_object_get(doc, "rows")),
                  (long long)json_integer_value(json_object_get(doc, "cols")));
    assert_near(r->objective, obj, 1e-6 * fabs(obj));
    json_decref(doc);
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    free(text);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planning_valid),
        cmocka_unit_test(test_planning_problems),
        cmocka_unit_test(test_pv_to_ceiling),
        cmocka_unit_test(test_cap_by_certificates),
        cmocka_unit_test(test_share_by_green_power),
        cmocka_unit_test(test_minimum_sizes_milp),
        cmocka_unit_test(test_indicator_by_certificates),
        cmocka_unit_test(test_out_model_reproduces),
        cmocka_unit_test(test_tighter_never_cheaper),
        cmocka_unit_test(test_zero_ceilings),
        cmocka_unit_test(test_independent_reference),
    };
    return cmocka_run_group_tests(tests, read_campus_planning, NULL);
}
