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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planning_valid),
        cmocka_unit_test(test_planning_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
