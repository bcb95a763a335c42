/*
 * test_carbon.c - carbon accounting: hand-worked examples (written out
 * below each test's header), the simulation cross-check, units, tce,
 * targets and the budget burn-down, and every class of bad input with its
 * message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "zeropark/carbon.h"
#include "zeropark/sim.h"

#define assert_rel(a, b) assert_near((a), (b), 1e-9 * fabs((double)(b)) + 1e-12)

/* 2023-01-01T00:00:00+08:00 */
static zp_time_t t2023(void) { return zp_days_from_civil(2023, 1, 1) * 86400 - 8 * 3600; }

static double *filled(size_t n, double v)
{
    double *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = v;
    return a;
}

/* A grid-only park: import kW for n hours. */
static void grid_input(zp_acct_input *in, size_t n, const double *imp)
{
    zp_acct_input_init(in);
    in->start = t2023();
    in->step_s = 3600;
    in->steps = n;
    in->utc_offset_min = 480;
    in->grid_import_kw = imp;
    in->consumption_kw = imp;
}

/* Grid electricity at a stated factor: 100 kW for 48 h = 4800 kWh.
 *   at 0.5 kg/kWh:                 4800 x 0.5    = 2400 kg   = 2.4 t
 *   South grid 2023 (0.4042):      4800 x 0.4042 = 1940.16 kg
 * Market-based with no instruments takes the residual mix (national,
 * excluding market-traded non-fossil, 2023: 0.6096): 4800 x 0.6096 =
 * 2926.08 kg. */
static void test_grid_factor(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double *imp = filled(48, 100);
    zp_acct_input in;
    grid_input(&in, 48, imp);
    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.grid_factor_kg_per_kwh = 0.5;
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_rel(r->total.grid_import_kwh, 4800);
    assert_rel(r->total.scope2_location_t, 2.4);
    assert_rel(r->total.scope2_market_t, 4800 * 0.6096 / 1000);
    assert_int_equal(r->residual.year, 2023);
    assert_int_equal(r->ndays, 2);
    assert_int_equal(r->nmonths, 1);
    assert_rel(r->days[0].scope2_location_t, 1.2);
    zp_acct_result_free(ctx, r);

    zp_acct_opts_init(&o);
    o.grid_region = "south";
    o.year = 2023;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_rel(r->total.scope2_location_t, 1.94016);
    assert_string_equal(r->grid.verification, "S");
    assert_non_null(strstr(r->grid.source, "2023"));
    char *json = NULL;
    assert_int_equal(zp_acct_result_json(ctx, r, 2, &json), ZP_OK);
    assert_non_null(strstr(json, "\"scope2_location\": 1.94016"));
    zp_acct_text_free(ctx, json);
    zp_acct_result_free(ctx, r);

    /* No year given: data of 2023 take the 2023 factor. */
    zp_acct_opts_init(&o);
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_rel(r->grid.value, 0.5306);
    zp_acct_result_free(ctx, r);
    free(imp);
    zp_ctx_free(ctx);
}

/* One resolution of the grid factors (carbon.h "The park's grid factors"),
 * against data/factors/grid.csv: sichuan average 2021 0.1255, 2022 0.1404;
 * national residual 2022 0.5856, 2023 0.6096. */
static void test_grid_resolution(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_factor_set *fs = NULL;
    assert_int_equal(zp_factor_set_default(ctx, &fs), ZP_OK);
    zp_acct_opts o;
    zp_grid_factors gf;
    zp_acct_opts_init(&o);
    o.factors = fs;
    o.grid_region = "sichuan";
    /* 2024 data: the latest published, each table on its own. */
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 0, 2024, &gf), ZP_OK);
    assert_int_equal(gf.rule, ZP_GRID_RULE_REGION);
    assert_true(gf.location.value == 0.1404 && gf.location.year == 2022);
    assert_true(gf.residual.value == 0.6096 && gf.residual.year == 2023);
    assert_non_null(strstr(gf.location_note, "2022 is the latest year"));
    assert_string_equal(gf.warning, "");
    /* 2021 data: the 2021 factor; the residual mix starts in 2022 (noted). */
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 0, 2021, &gf), ZP_OK);
    assert_true(gf.location.value == 0.1255 && gf.location.year == 2021);
    assert_string_equal(gf.location_note, "");
    assert_true(gf.residual.value == 0.5856 && gf.residual.year == 2022);
    assert_non_null(strstr(gf.residual_note, "older than every published"));
    /* 2019 data: the table's first year, noted. */
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 0, 2019, &gf), ZP_OK);
    assert_true(gf.location.value == 0.1255);
    assert_non_null(strstr(gf.location_note, "the first, 2021, is used"));
    /* A typed factor wins and says so; an equal one says nothing. */
    o.grid_factor_kg_per_kwh = 0.5306;
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 0, 2024, &gf), ZP_OK);
    assert_int_equal(gf.rule, ZP_GRID_RULE_TYPED);
    assert_true(gf.location.value == 0.5306 && gf.region_factor.value == 0.1404);
    assert_string_equal(gf.warning,
                        "grid.emission_factor_kg_per_kwh 0.5306 kg/kWh wins over "
                        "accounting.grid_region 'sichuan' (0.1404 kg/kWh, 2022); remove "
                        "grid.emission_factor_kg_per_kwh to use the region's factor");
    o.grid_factor_kg_per_kwh = 0.1404;
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 0, 2024, &gf), ZP_OK);
    assert_string_equal(gf.warning, "");
    /* A per-step factor wins over the region too. */
    o.grid_factor_kg_per_kwh = NAN;
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 1, 2024, &gf), ZP_OK);
    assert_int_equal(gf.rule, ZP_GRID_RULE_SERIES);
    assert_true(isnan(gf.location.value));
    assert_non_null(strstr(gf.warning, "per-step grid factor wins"));
    /* No region named: national, no warning with a typed factor. */
    zp_acct_opts_init(&o);
    o.factors = fs;
    o.grid_factor_kg_per_kwh = 0.9;
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 0, 2024, &gf), ZP_OK);
    assert_string_equal(gf.warning, "");
    assert_true(gf.region_factor.value == 0.5306);
    /* Residual "location" follows the location factor. */
    o.grid_factor_kg_per_kwh = NAN;
    o.residual = ZP_RESIDUAL_LOCATION;
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 0, 2024, &gf), ZP_OK);
    assert_int_equal(gf.rule, ZP_GRID_RULE_NATIONAL);
    assert_true(gf.residual.value == 0.5306);
    /* An explicit year the table lacks names the years there are. */
    o.grid_region = "sichuan";
    o.year = 2023;
    assert_int_equal(zp_grid_factors_resolve(ctx, NULL, &o, 0, 2024, &gf), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "years with factors: 2021, 2022"));
    zp_factor_set_free(ctx, fs);
    zp_ctx_free(ctx);
}

/* Scope 1 by the IPCC formula CO2 = AD x NCV x CC x OF x 44/12, with the
 * table's Chinese guideline-style values:
 *   natural gas 10 000 m3: 10 000 x 0.038931 GJ/m3 = 389.31 GJ
 *       x 0.01530 tC/GJ = 5.956443 tC x 0.99 = 5.89687857 x 44/12 = 21.62188809 t
 *   diesel 10 t: 433.3 GJ x 0.02020 = 8.75266 tC x 0.98 = 8.5776068 x 44/12 = 31.45122493 t
 *   raw coal 100 t: 2090.8 GJ x 0.02637 = 55.134396 tC x 0.94 = 51.82633224
 *       x 44/12 = 190.02988488 t
 * IPCC 2006 set, diesel 10 t: 430 GJ x 0.0202 = 8.686 tC x 1 x 44/12 = 31.84866667 t
 * Refrigerant: 12 kg R-410A x 2255.5 (AR6) = 27.066 t; AR5 1923.5 -> 23.082 t. */
static void test_scope1(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double *imp = filled(24, 0);
    zp_acct_input in;
    grid_input(&in, 24, imp);
    zp_acct_fuel fuels[] = {{"natural_gas", 10000, "m3"}, {"diesel", 10, "t"}, {"raw_coal", 100, "t"}};
    zp_acct_refrigerant refr[] = {{"R-410A", 12}};
    in.fuels = fuels;
    in.nfuels = 3;
    in.refrigerants = refr;
    in.nrefrigerants = 1;
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, &in, NULL, &r), ZP_OK);
    assert_rel(r->fuels[0].t_co2, 21.62188809);
    assert_rel(r->fuels[1].t_co2, 31.451224933333);
    assert_rel(r->fuels[2].t_co2, 190.02988488);
    assert_string_equal(r->fuels[2].factor.verification, "not verified");
    assert_rel(r->refrigerants[0].t_co2e, 27.066);
    assert_rel(r->total.scope1_t, 21.62188809 + 31.451224933333 + 190.02988488 + 27.066);
    assert_rel(r->total.total_market_t, r->total.scope1_t);
    zp_acct_result_free(ctx, r);

    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.fuel_set = ZP_FUELS_IPCC2006;
    o.gwp = ZP_GWP_AR5;
    in.nfuels = 2;
    in.fuels = &fuels[1]; /* diesel and raw coal: the IPCC set has no raw coal */
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "fuel 'raw_coal' has no factor in the 'ipcc2006' set"));
    in.nfuels = 1;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_rel(r->fuels[0].t_co2, 31.848666666667);
    assert_rel(r->refrigerants[0].t_co2e, 23.082);
    zp_acct_result_free(ctx, r);

    /* The simulation's factor (zp_fuel_factor) is the built-in set's row,
     * to the bit, for every fuel the model accepts. */
    zp_factor_set *fs = NULL;
    assert_int_equal(zp_factor_set_default(ctx, &fs), ZP_OK);
    static const char *const types[][2] = {{"natural_gas", "m3"}, {"diesel", "t"}, {"gasoline", "t"},
                                           {"lpg", "t"}, {"raw_coal", "t"}, {"fuel_oil", "t"},
                                           {"purchased_heat", "GJ"}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        double k;
        const char *src;
        zp_fuel_factor_row row;
        assert_int_equal(zp_fuel_factor(ctx, types[i][0], types[i][1], &k, &src), ZP_OK);
        assert_int_equal(zp_factor_fuel(ctx, fs, types[i][0], types[i][1], NULL, &row), ZP_OK);
        assert_true(k == row.t_co2_per_unit);
        assert_string_equal(src, row.source);
    }
    zp_factor_set_free(ctx, fs);
    /* By hand from the IPCC 2006 row of residual fuel oil, which the
     * Chinese guideline set lacks: NCV 40.4 GJ/t x CC 0.0211 tC/GJ x OF 1
     * = 0.85244 tC/t, x 44/12 = 3.1256133 t CO2/t. */
    double k_oil;
    const char *src_oil;
    assert_int_equal(zp_fuel_factor(ctx, "fuel_oil", "t", &k_oil, &src_oil), ZP_OK);
    assert_near(k_oil, 3.1256133, 1e-7);
    assert_non_null(strstr(src_oil, "IPCC 2006"));
    free(imp);
    zp_ctx_free(ctx);
}

/* Market-based with certificates beyond consumption: import 4800 kWh,
 * certificates 5 MWh, contracts 1 MWh: certificates cover 4800 kWh, the
 * contracts nothing, residual 0 -> market-based Scope 2 = 0 (never
 * negative), surplus 6000 - 4800 = 1200 kWh reported. Volumetric green
 * share (0 + 6000) / 4800 -> capped at 100 %. */
static void test_market_surplus(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double *imp = filled(48, 100);
    zp_acct_input in;
    grid_input(&in, 48, imp);
    in.certificates_mwh = 5;
    in.green_contracts_mwh = 1;
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, &in, NULL, &r), ZP_OK);
    assert_true(r->total.scope2_market_t == 0);
    assert_rel(r->certificates_applied_kwh, 4800);
    assert_true(r->contracts_applied_kwh == 0);
    assert_rel(r->surplus_kwh, 1200);
    assert_rel(r->green_share_volumetric_pct, 100);
    assert_true(r->total.scope2_location_t > 0);
    assert_true(r->nnotes >= 1);
    zp_acct_result_free(ctx, r);

    /* 3 MWh of certificates and 1 MWh contracts: residual 800 kWh x 0.6096 */
    in.certificates_mwh = 3;
    assert_int_equal(zp_account(ctx, &in, NULL, &r), ZP_OK);
    assert_rel(r->contracts_applied_kwh, 1000);
    assert_rel(r->residual_kwh, 800);
    assert_rel(r->total.scope2_market_t, 800 * 0.6096 / 1000);
    zp_acct_result_free(ctx, r);
    free(imp);
    zp_ctx_free(ctx);
}

/* Hourly matching, 3 days at 1 h, consumption 10 kW throughout:
 *   days 1-2: PV 15 kW in hours 8-15 (8 h): 10 kW direct, 5 kW surplus
 *     charges the battery (charge efficiency 0.9: 8 x 5 x 0.9 = 36 kWh,
 *     all green); hours 18-21 it discharges 9 kW (efficiency 1: 36 kWh
 *     out, all green). Grid covers the rest.
 *     CFE per day = 8 x 10 + 4 x 9 = 116 kWh of 240 -> 48.333 %.
 *   day 3: no sun, no battery: CFE 0 of 240.
 *   hourly matched = 232 / 720 = 32.222 %;
 *   with 0.1 MWh of certificates volumetric = (232 + 100) / 720 = 46.111 %. */
static void test_hourly_matching(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    enum { N = 72 };
    double cons[N], pv[N], ch[N], dis[N], imp[N];
    for (int t = 0; t < N; t++) {
        int h = t % 24, day = t / 24;
        cons[t] = 10;
        pv[t] = (day < 2 && h >= 8 && h < 16) ? 15 : 0;
        ch[t] = pv[t] > 0 ? 5 : 0;
        dis[t] = (day < 2 && h >= 18 && h < 22) ? 9 : 0;
        imp[t] = cons[t] - (pv[t] - ch[t]) - dis[t];
    }
    zp_acct_storage bat = {"bess", ch, dis, 0.9, 1.0, 0};
    zp_acct_input in;
    grid_input(&in, N, imp);
    in.consumption_kw = cons;
    in.pv_kw = pv;
    in.storage = &bat;
    in.nstorage = 1;
    in.certificates_mwh = 0.1;
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, &in, NULL, &r), ZP_OK);
    assert_rel(r->total.cfe_kwh, 232);
    assert_rel(r->green_share_hourly_pct, 100.0 * 232 / 720);
    assert_rel(r->green_share_volumetric_pct, 100.0 * 332 / 720);
    assert_int_equal(r->ndays, 3);
    assert_rel(r->days[0].green_share_hourly_pct, 100.0 * 116 / 240);
    assert_rel(r->days[1].green_share_hourly_pct, 100.0 * 116 / 240);
    assert_true(r->days[2].green_share_hourly_pct == 0);
    assert_rel(r->cfe_kw[19], 9);
    zp_acct_result_free(ctx, r);
    zp_ctx_free(ctx);
}

/* The accounting of a simulated year equals the simulation's own
 * emissions. Scope 1, location-based Scope 2, the green shares and PUE are
 * computed independently by the two; the market-based figures of
 * `simulate` are the accounting engine's (docs/methodology.md). */
static void check_sim(int step_min)
{
    char path[512];
    snprintf(path, sizeof path, "%s/examples/shaoguan-campus/model.json", ZP_SOURCE_DIR);
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_file(ctx, path, 0, &m), ZP_OK);
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.step_min = step_min;
    zp_sim_result *s = NULL;
    assert_int_equal(zp_simulate(ctx, m, &so, &s), ZP_OK);
    zp_acct_input *in = NULL;
    assert_int_equal(zp_acct_from_sim(ctx, s, &in), ZP_OK);
    zp_acct_opts o;
    zp_acct_opts_from_model(&o, m);
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, in, &o, &r), ZP_OK);
    const zp_sim_emissions *e = &s->emissions_t;
    assert_rel(r->total.scope1_t, e->scope1);
    assert_rel(r->total.scope2_location_t, e->scope2_location);
    assert_rel(r->total.scope2_market_t, e->scope2_market);
    assert_rel(r->total.total_location_t, e->total_location);
    assert_rel(r->total.total_market_t, e->total_market);
    assert_rel(r->green_share_hourly_pct, s->green_share_hourly_pct);
    assert_rel(r->green_share_volumetric_pct, s->green_share_volumetric_pct);
    assert_rel(r->pue, s->pue);
    assert_rel(r->total.grid_import_kwh, s->energy_kwh.grid_import);
    assert_int_equal(r->nmonths, 12);
    double sum = 0;
    for (size_t k = 0; k < r->nmonths; k++)
        sum += r->months[k].total_market_t;
    assert_rel(sum, e->total_market);
    zp_acct_result_free(ctx, r);
    zp_acct_input_free(ctx, in);
    zp_sim_result_free(ctx, s);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void test_simulation_equal(void **state)
{
    (void)state;
    check_sim(0);
    check_sim(15);
}

static char *write_tmp(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/carbon_%ld_%s", ZP_BINARY_DIR, (long)getpid(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return strdup(path);
}

/* The same energy metered in kWh and in MWh gives the same answer. */
static void test_units(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char *a = write_tmp("kwh.csv", "time,grid_import_kwh,load.hall_kwh,pv_kw\n"
                                   "2023-01-01T00:00:00+08:00,1500,1700,200\n"
                                   "2023-01-01T01:00:00+08:00,2500,2600,100\n"
                                   "2023-01-01T02:00:00+08:00,1250,1250,0\n");
    char *b = write_tmp("mwh.csv", "time,grid_import_mwh,load.hall_mwh,pv_kw\n"
                                   "2023-01-01T00:00:00+08:00,1.5,1.7,200\n"
                                   "2023-01-01T01:00:00+08:00,2.5,2.6,100\n"
                                   "2023-01-01T02:00:00+08:00,1.25,1.25,0\n");
    zp_acct_input *ia = NULL, *ib = NULL;
    const char *pa[] = {a}, *pb[] = {b};
    assert_int_equal(zp_acct_from_csv(ctx, pa, 1, NULL, 0, 0, &ia), ZP_OK);
    assert_int_equal(zp_acct_from_csv(ctx, pb, 1, NULL, 0, 0, &ib), ZP_OK);
    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.by = ZP_ACCT_BY_ASSET;
    zp_acct_result *ra = NULL, *rb = NULL;
    assert_int_equal(zp_account(ctx, ia, &o, &ra), ZP_OK);
    assert_int_equal(zp_account(ctx, ib, &o, &rb), ZP_OK);
    assert_rel(ra->total.grid_import_kwh, 5250);
    assert_rel(rb->total.grid_import_kwh, 5250);
    assert_rel(ra->total.scope2_location_t, rb->total.scope2_location_t);
    assert_rel(ra->total.total_market_t, rb->total.total_market_t);
    assert_rel(ra->total.consumption_kwh, 5550);
    assert_rel(rb->total.consumption_kwh, 5550);
    assert_rel(ra->green_share_hourly_pct, rb->green_share_hourly_pct);
    assert_int_equal(ra->nassets, 3);
    assert_string_equal(ra->assets[1].asset, "hall");
    assert_rel(ra->assets[1].total, rb->assets[1].total);
    /* the one consumer takes all of the location-based Scope 2 */
    assert_rel(ra->assets[1].scope2_location_t, ra->total.scope2_location_t);
    zp_acct_result_free(ctx, ra);
    zp_acct_result_free(ctx, rb);
    zp_acct_input_free(ctx, ia);
    zp_acct_input_free(ctx, ib);
    unlink(a);
    unlink(b);
    free(a);
    free(b);
    zp_ctx_free(ctx);
}

/* tce, both methods: import 1 000 000 kWh (about 41 667 kW for 24 h),
 * diesel 10 t.
 *   calorific:   1e6 x 0.1229 kgce/kWh = 122.9 tce; diesel 433.3 GJ / 29.3076
 *                = 14.784561 tce; total 137.684561 tce
 *   equal value (2020, 305.5 gce/kWh): 305.5 + 14.784561 = 320.284561 tce */
static void test_tce(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double *imp = filled(24, 1e6 / 24);
    zp_acct_input in;
    grid_input(&in, 24, imp);
    zp_acct_fuel diesel = {"diesel", 10, "t"};
    in.fuels = &diesel;
    in.nfuels = 1;
    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.power_coal_year = 2020;
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_rel(r->fuels_tce, 433.3 / 29.3076);
    assert_rel(r->total.energy_tce_calorific, 122.9 + 433.3 / 29.3076);
    assert_rel(r->total.energy_tce_equal_value, 305.5 + 433.3 / 29.3076);
    assert_int_equal(r->power_coal.year, 2020);
    assert_string_equal(r->power_coal.unit, "gce/kWh");
    zp_acct_result_free(ctx, r);
    free(imp);
    zp_ctx_free(ctx);
}

/* The zero-carbon park indicator (docs/methodology.md "Zero-carbon park
 * indicator"), worked by hand from the published coefficients: a park that
 * imports 1000 kW all through 2023 (8760 h) and burns 100 000 m3 of
 * natural gas, with 2000 MWh of green certificates.
 *   electricity 8 760 000 kWh (no export, no on-site generation)
 *   gas: NCV 389.31 GJ/10^4 m3 (guideline default) -> 3893.1 GJ
 *        CO2 3893.1 x 15.30 tC/TJ / 1000 x 0.99 x 44/12 = 216.218 881 t
 *        tce 3893.1 / 29.3076 GJ/tce (GB/T 2589-2020)  = 132.835 8 tce
 *        i.e. 1.3284 kgce/m3, between the published reference coefficients
 *        for natural gas, 12.1430 tce per 10^4 m3 (1.2143) and 1.33 kgce/m3
 *        (docs/methodology.md "Zero-carbon park indicator")
 *   Scope 2 location at 0.5306 kg/kWh (MEE/NBS 2023 national): 4648.056 t
 *   Scope 2 market: (8 760 000 - 2 000 000) x 0.6096 (MEE/NBS 2023
 *        national excluding market-traded non-fossil) = 4120.896 t
 *   energy, equal value at 305.5 gce/kWh (NDRC, 2020):
 *        8 760 000 x 305.5e-6 + 132.8358 = 2676.18 + 132.8358 tce
 *   energy, calorific at 0.1229 kgce/kWh: 1076.604 + 132.8358 tce
 *   indicator = (216.2189 + 4120.896) / 2809.0158 = 1.5440 t CO2/tce
 *   clean-energy share = 2 000 000 x 305.5e-6 / 2809.0158 = 21.75 %
 * A target at exactly the value is met; 1e-6 tighter, missed (the year is
 * complete). */
static void test_indicator(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double *imp = filled(8760, 1000);
    zp_acct_input in;
    grid_input(&in, 8760, imp);
    zp_acct_fuel gas = {"natural_gas", 100000, "m3"};
    in.fuels = &gas;
    in.nfuels = 1;
    in.certificates_mwh = 2000;
    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.grid_factor_kg_per_kwh = 0.5306;
    o.residual = ZP_RESIDUAL_VALUE;
    o.residual_factor_kg_per_kwh = 0.6096;
    o.power_coal_year = 2020;
    o.at_risk_margin_pct = 0;
    const double gj = 100000 * 389.31 / 10000;
    const double gas_t = gj * 15.30 / 1000 * 0.99 * 44 / 12, gas_tce = gj / 29.3076;
    const double eq = 8760000 * 305.5e-6 + gas_tce, cal = 8760000 * 0.1229e-3 + gas_tce;
    const double market = gas_t + (8760000 - 2000000) * 0.6096 / 1000;
    const double location = gas_t + 8760000 * 0.5306 / 1000;
    const double ind = market / eq, share = 100 * 2000000 * 305.5e-6 / eq;
    assert_true(gas_tce * 1000 / 100000 > 1.2143 && gas_tce * 1000 / 100000 < 1.3300);
    assert_near(ind, 1.5440, 5e-5);
    o.max_t_co2_per_tce = ind;
    o.min_clean_energy_share_pct = share;
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    const zp_indicator *x = &r->indicator;
    assert_rel(x->electricity_kwh, 8760000);
    assert_rel(x->green_electricity_kwh, 2000000);
    assert_rel(x->energy_tce_equal_value, eq);
    assert_rel(x->energy_tce_calorific, cal);
    assert_rel(x->emissions_market_t, market);
    assert_rel(x->emissions_location_t, location);
    assert_rel(x->t_co2_per_tce, ind);
    assert_rel(x->market_calorific, market / cal);
    assert_rel(x->location_equal_value, location / eq);
    assert_rel(x->location_calorific, location / cal);
    assert_rel(x->clean_energy_share_pct, share);
    assert_rel(x->clean_share_calorific_pct, 100 * 2000000 * 0.1229e-3 / cal);
    assert_rel(x->clean_share_with_gas_pct, 100 * (2000000 * 305.5e-6 + gas_tce) / eq);
    assert_rel(x->annual_energy_tce, eq);
    assert_int_equal(x->full_year, 1);
    assert_rel(x->notice_limit_t_co2_per_tce, 0.2);
    assert_int_equal(r->ntargets, 2);
    assert_string_equal(r->targets[0].name, "max_t_co2_per_tce");
    assert_int_equal(r->targets[0].status, ZP_TARGET_MET);
    assert_string_equal(r->targets[1].name, "min_clean_energy_share_pct");
    assert_int_equal(r->targets[1].status, ZP_TARGET_MET);
    zp_acct_result_free(ctx, r);

    o.max_t_co2_per_tce = ind * (1 - 1e-6);
    o.min_clean_energy_share_pct = share * (1 + 1e-6);
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_int_equal(r->targets[0].status, ZP_TARGET_MISSED);
    assert_int_equal(r->targets[1].status, ZP_TARGET_MISSED);
    zp_acct_result_free(ctx, r);

    /* No energy at all: no indicator, and its targets are not judged. */
    for (size_t t = 0; t < 8760; t++)
        imp[t] = 0;
    in.nfuels = 0;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_true(isnan(r->indicator.t_co2_per_tce));
    assert_int_equal(r->ntargets, 0);
    zp_acct_result_free(ctx, r);
    free(imp);
    zp_ctx_free(ctx);
}

/* The pure function: on-site renewables exported are not consumed; the
 * 1 Mtce tier. 1000 MWh bought, 400 MWh of PV of which 100 MWh exported,
 * 50 MWh of certificates: electricity 1300 MWh, green 300 + 50 MWh.
 * Large park: 4e9 kWh at 300 gce/kWh = 1.2 Mtce a year -> 0.3. */
static void test_indicator_compute(void **state)
{
    (void)state;
    zp_indicator_input ii = {.grid_import_kwh = 1e6, .grid_export_kwh = 1e5,
                             .onsite_renewable_kwh = 4e5, .green_instruments_kwh = 5e4,
                             .emissions_market_t = 100, .emissions_location_t = 120,
                             .power_coal_gce_per_kwh = 300, .hours = 8760};
    zp_indicator x;
    zp_indicator_compute(&ii, &x);
    assert_rel(x.electricity_kwh, 1.3e6);
    assert_rel(x.green_electricity_kwh, 3.5e5);
    assert_rel(x.energy_tce_equal_value, 390);
    assert_rel(x.t_co2_per_tce, 100.0 / 390);
    assert_rel(x.clean_energy_share_pct, 100 * 3.5e5 / 1.3e6);
    assert_rel(x.notice_limit_t_co2_per_tce, 0.2);
    ii.grid_import_kwh = 4e9;
    ii.hours = 4380; /* half a year: 0.6 Mtce, 1.2 Mtce a year */
    ii.grid_export_kwh = ii.onsite_renewable_kwh = ii.green_instruments_kwh = 0;
    zp_indicator_compute(&ii, &x);
    assert_rel(x.annual_energy_tce, 2 * 4e9 * 300e-6);
    assert_rel(x.notice_limit_t_co2_per_tce, 0.3);
    assert_int_equal(x.full_year, 0);
}

/* Targets and the burn-down: 1000 kW for 10 days from 2023-01-01 at
 * 0.5 kg/kWh (residual set to the same 0.5) = 12 t/day, 120 t so far.
 *   budget 3000 t: rate 12 t/day, 355 days left -> projected 120 + 12 x 355
 *   = 4380 t > 3000: at risk; the projection reaches 3000 t after
 *   (3000 - 120) / 12 = 240 days past 2023-01-11 = 2023-09-08.
 *   budget 100 t: exceeded on day 9 (cumulative 108 t): missed, alert
 *   dated 2023-01-09.
 *   max_energy_tce 10 000: 240 MWh x 0.1229... equal value (2022: 300.7)
 *   = 72.168 tce so far, projected 72.168 x 36.5 = 2634.132: met. */
static void test_targets_budget(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double *imp = filled(240, 1000);
    zp_acct_input in;
    grid_input(&in, 240, imp);
    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.grid_factor_kg_per_kwh = 0.5;
    o.residual = ZP_RESIDUAL_VALUE;
    o.residual_factor_kg_per_kwh = 0.5;
    o.max_emissions_t = 3000;
    o.max_energy_tce = 10000;
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_rel(r->burn_rate_t_per_day, 12);
    assert_rel(r->projected_year_end_t, 4380);
    assert_int_equal(r->targets[0].status, ZP_TARGET_AT_RISK);
    char tb[ZP_TIME_BUFSIZE];
    assert_string_equal(zp_time_format(r->budget_crossing, 480, tb), "2023-09-08T00:00:00+08:00");
    assert_string_equal(r->alerts[0].kind, "budget_projection");
    assert_non_null(strstr(r->alerts[0].message, "2023-09-08"));
    assert_rel(r->days[9].cumulative_market_t, 120);
    assert_string_equal(r->targets[1].name, "max_energy_tce");
    assert_rel(r->targets[1].value, 240 * 300.7 / 1000);
    assert_rel(r->targets[1].projected, 240 * 300.7 / 1000 * 36.5);
    assert_int_equal(r->targets[1].status, ZP_TARGET_MET);
    zp_acct_result_free(ctx, r);

    o.max_emissions_t = 100;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_OK);
    assert_int_equal(r->targets[0].status, ZP_TARGET_MISSED);
    assert_string_equal(r->alerts[0].kind, "budget_exceeded");
    assert_string_equal(zp_time_format(r->budget_crossing, 480, tb), "2023-01-09T00:00:00+08:00");
    zp_acct_result_free(ctx, r);
    free(imp);
    zp_ctx_free(ctx);
}

static void expect_csv_error(zp_ctx *ctx, const char *name, const char *text, const char *msg)
{
    char *p = write_tmp(name, text);
    const char *paths[] = {p};
    zp_acct_input *in = NULL;
    zp_status rc = zp_acct_from_csv(ctx, paths, 1, NULL, 0, 0, &in);
    if (rc == ZP_OK)
        fail_msg("%s: expected an error", name);
    if (!strstr(zp_ctx_errmsg(ctx), msg))
        fail_msg("message '%s' lacks '%s'", zp_ctx_errmsg(ctx), msg);
    unlink(p);
    free(p);
}

/* Bad input, each class with its message. */
static void test_bad_input(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double *imp = filled(24, 10);
    zp_acct_input in;
    grid_input(&in, 24, imp);
    zp_acct_result *r = NULL;

    /* unknown fuel */
    zp_acct_fuel f1 = {"natral_gas", 1, "m3"};
    in.fuels = &f1;
    in.nfuels = 1;
    assert_int_equal(zp_account(ctx, &in, NULL, &r), ZP_ENOTFOUND);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "unknown fuel 'natral_gas' in factor set builtin; did you mean 'natural_gas'?");
    /* unit mismatch */
    zp_acct_fuel f2 = {"diesel", 1, "m3"};
    in.fuels = &f2;
    assert_int_equal(zp_account(ctx, &in, NULL, &r), ZP_EDATA);
    assert_string_equal(zp_ctx_errmsg(ctx), "fuel 'diesel' is measured in t, not m3");
    in.nfuels = 0;
    /* missing factor year */
    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.year = 2019;
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_ENOTFOUND);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "no average grid factor for region 'national', year 2019 in factor set "
                        "builtin; years with factors: 2021, 2022, 2023");
    o.year = 2021; /* has a location factor but no residual mix */
    assert_int_equal(zp_account(ctx, &in, &o, &r), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "no residual grid factor for region 'national', year 2021"));
    /* negative reading in an array */
    imp[5] = -1;
    assert_int_equal(zp_account(ctx, &in, NULL, &r), ZP_EDATA);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "grid_import_kw: negative value -1 at step 5 (2023-01-01T05:00:00+08:00); "
                        "meter readings must be >= 0");
    imp[5] = 10;
    assert_null(r);

    /* CSV: negative reading, named with meter and line */
    expect_csv_error(ctx, "neg.csv",
                     "time,grid_import_kwh\n2023-01-01T00:00:00+08:00,5\n"
                     "2023-01-01T01:00:00+08:00,-2\n2023-01-01T02:00:00+08:00,5\n",
                     "neg.csv:3: meter 'grid_import_kwh': negative reading -2; meter readings must be >= 0");
    /* CSV: unit mismatch */
    expect_csv_error(ctx, "unit.csv",
                     "time,water_kw\n2023-01-01T00:00:00+08:00,5\n2023-01-01T01:00:00+08:00,5\n",
                     "meter 'water_kw': unit mismatch: water is metered in l or m3");
    /* CSV: unknown role */
    expect_csv_error(ctx, "role.csv",
                     "time,grid_imprt_kw\n2023-01-01T00:00:00+08:00,5\n2023-01-01T01:00:00+08:00,5\n",
                     "meter 'grid_imprt_kw': unknown role 'grid_imprt'; did you mean 'grid_import'?");
    /* CSV: a counter that goes down without rolling over is a reset (a
     * meter change) counted from 0, and listed: 5000 -> 5100 is 100 kWh,
     * 5100 -> 4000 (5100 is not in the top tenth of 10000) is 4000 kWh
     * counted from 0; 4100 kWh in all, the same rule export follows. */
    char *dp = write_tmp("down.csv", "time,grid_import_kwh_total\n2023-01-01T00:00:00+08:00,5000\n"
                                     "2023-01-01T01:00:00+08:00,5100\n2023-01-01T02:00:00+08:00,4000\n");
    const char *dpaths[] = {dp};
    zp_acct_input *di = NULL;
    assert_int_equal(zp_acct_from_csv(ctx, dpaths, 1, NULL, 0, 0, &di), ZP_OK);
    assert_int_equal(di->steps, 2);
    assert_int_equal(di->ncorrections, 1);
    assert_int_equal(di->corrections[0].row, 4);
    assert_true(di->corrections[0].before == 5100 && di->corrections[0].after == 4000);
    assert_true(di->corrections[0].wrap == 0);
    assert_int_equal(zp_account(ctx, di, NULL, &r), ZP_OK);
    assert_rel(r->total.grid_import_kwh, 4100);
    zp_acct_result_free(ctx, r);
    zp_acct_input_free(ctx, di);
    unlink(dp);
    free(dp);

    /* CSV: a counter that rolls over at 99999 -> corrected and listed:
     * 99900 -> 99990 (90), -> 40 (40 + 100000 - 99990 = 50), -> 100 (60). */
    char *p = write_tmp("roll.csv", "time,grid_import_kwh_total\n"
                                    "2023-01-01T00:00:00+08:00,99900\n"
                                    "2023-01-01T01:00:00+08:00,99990\n"
                                    "2023-01-01T02:00:00+08:00,40\n"
                                    "2023-01-01T03:00:00+08:00,100\n");
    const char *paths[] = {p};
    zp_acct_input *ci = NULL;
    assert_int_equal(zp_acct_from_csv(ctx, paths, 1, NULL, 0, 0, &ci), ZP_OK);
    assert_int_equal(ci->steps, 3);
    assert_int_equal(ci->ncorrections, 1);
    assert_int_equal(ci->corrections[0].row, 4);
    assert_true(ci->corrections[0].wrap == 100000);
    assert_int_equal(zp_account(ctx, ci, NULL, &r), ZP_OK);
    assert_rel(r->total.grid_import_kwh, 200);
    assert_int_equal(r->ncorrections, 1);
    zp_acct_result_free(ctx, r);
    zp_acct_input_free(ctx, ci);
    unlink(p);
    free(p);

    /* unknown gas */
    zp_acct_refrigerant g = {"R-41OA", 1};
    in.refrigerants = &g;
    in.nrefrigerants = 1;
    assert_int_equal(zp_account(ctx, &in, NULL, &r), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "no AR6 GWP for gas 'R-41OA'"));
    free(imp);
    zp_ctx_free(ctx);
}

/* Factor tables load from a directory too (the repository's data). */
static void test_factor_dir(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_factor_set *fs = NULL;
    assert_int_equal(zp_factor_set_load_dir(ctx, ZP_SOURCE_DIR "/data/factors", &fs), ZP_OK);
    zp_factor f;
    assert_int_equal(zp_factor_grid(ctx, fs, "national", ZP_GRID_ETS, 2022, &f), ZP_OK);
    assert_true(f.value == 0.5703);
    assert_int_equal(zp_factor_grid(ctx, fs, "national", ZP_GRID_ETS, 2021, &f), ZP_OK);
    assert_string_equal(f.verification, "not verified");
    assert_int_equal(zp_factor_gwp(ctx, fs, "r-134A", ZP_GWP_AR6, &f), ZP_OK);
    assert_true(f.value == 1530);
    assert_int_equal(zp_factor_grid(ctx, fs, "sout", ZP_GRID_AVERAGE, 0, &f), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "did you mean 'south'"));
    zp_factor_set_free(ctx, fs);
    assert_int_equal(zp_factor_set_load_dir(ctx, "/nonexistent", &fs), ZP_EIO);
    zp_ctx_free(ctx);
}

/* Live data with gaps (the daemon's case): an in-memory store with an
 * hourly grid-import meter missing 2 of its 6 hours and a PV meter that
 * starts 2 h later. Strict reading refuses the gap, naming the meter; with
 * ZP_ACCT_FILL_GAPS the window is the union (6 h), the gaps count as 0 and
 * are counted: import by hand 100 + 200 + 300 + 400 = 1000 kWh (hours 0, 1,
 * 3, 5), x 0.5 kg/kWh = 0.5 t; PV 4 x 50 = 200 kWh; missing meter-steps
 * 2 (import) + 2 (PV before it started) = 4. */
static void test_store_gaps(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = NULL;
    assert_int_equal(zp_store_open(ctx, "mem:", ZP_STORE_CREATE, &st), ZP_OK);
    const zp_time_t t0 = 1717171200; /* 2024-06-01T00:00:00+08:00 is 1717171200 - 8 h */
    zp_series *imp = NULL, *pv = NULL;
    assert_int_equal(zp_series_new(ctx, "grid_import_kw", ZP_SERIES_POWER, t0, 3600, 6, &imp), ZP_OK);
    const double iv[6] = {100, 200, NAN, 300, NAN, 400};
    memcpy(imp->v, iv, sizeof iv);
    assert_int_equal(zp_series_new(ctx, "pv_kw", ZP_SERIES_POWER, t0 + 7200, 3600, 4, &pv), ZP_OK);
    for (int i = 0; i < 4; i++)
        pv->v[i] = 50;
    const zp_series *both[2] = {imp, pv};
    zp_status wrc = zp_store_write(st, both, 2, NULL, NULL);
    if (wrc)
        print_error("store write: %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(wrc, ZP_OK);

    zp_acct_input *in = NULL;
    assert_int_not_equal(zp_acct_from_store(ctx, st, NULL, 0, 0, &in), ZP_OK);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "no reading"));
    zp_status frc = zp_acct_from_store_ex(ctx, st, NULL, 0, 0, ZP_ACCT_FILL_GAPS, &in);
    if (frc)
        print_error("fill gaps: %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(frc, ZP_OK);
    assert_int_equal(in->steps, 6);
    assert_int_equal(in->start, t0);
    assert_int_equal(in->missing_steps, 4);
    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.grid_factor_kg_per_kwh = 0.5;
    zp_acct_result *r = NULL;
    assert_int_equal(zp_account(ctx, in, &o, &r), ZP_OK);
    assert_rel(r->total.grid_import_kwh, 1000);
    assert_rel(r->total.scope2_location_t, 0.5);
    assert_rel(r->total.pv_kwh, 200);
    /* every hour has a reading of one meter or the other: 6 metered hours */
    assert_rel(r->metered_s, 6 * 3600.0);
    zp_acct_result_free(ctx, r);
    zp_acct_input_free(ctx, in);

    /* A window a day wider on both sides is cut to the readings (not a
     * day of zeros before them); with grid import alone (PV gone), hours 2
     * and 4 hold no reading: 4 metered hours, and the burn rate is the
     * (market-based) emissions per metered day, x 24 / 4, not per 6 h. */
    zp_store_close(st);
    st = NULL;
    assert_int_equal(zp_store_open(ctx, "mem:", ZP_STORE_CREATE, &st), ZP_OK);
    const zp_series *one[1] = {imp};
    assert_int_equal(zp_store_write(st, one, 1, NULL, NULL), ZP_OK);
    assert_int_equal(zp_acct_from_store_ex(ctx, st, NULL, t0 - 86400, t0 + 2 * 86400, ZP_ACCT_FILL_GAPS, &in),
                     ZP_OK);
    assert_int_equal(in->start, t0);
    assert_int_equal(in->steps, 6);
    assert_non_null(in->metered);
    const double want[6] = {1, 1, 0, 1, 0, 1};
    for (int i = 0; i < 6; i++)
        assert_rel(in->metered[i], want[i]);
    assert_int_equal(zp_account(ctx, in, &o, &r), ZP_OK);
    assert_rel(r->metered_s, 4 * 3600.0);
    assert_rel(r->total.scope2_location_t, 0.5);
    assert_rel(r->burn_rate_t_per_day, r->total.total_market_t * 6);
    zp_acct_result_free(ctx, r);
    zp_acct_input_free(ctx, in);
    /* nothing stored in the window: an error that names it */
    assert_int_equal(zp_acct_from_store_ex(ctx, st, NULL, t0 + 86400, t0 + 2 * 86400, ZP_ACCT_FILL_GAPS, &in),
                     ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "no meter reading between"));
    zp_series_free(ctx, imp);
    zp_series_free(ctx, pv);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_factor),      cmocka_unit_test(test_scope1),
        cmocka_unit_test(test_grid_resolution),
        cmocka_unit_test(test_market_surplus),   cmocka_unit_test(test_hourly_matching),
        cmocka_unit_test(test_simulation_equal), cmocka_unit_test(test_units),
        cmocka_unit_test(test_tce),              cmocka_unit_test(test_targets_budget),
        cmocka_unit_test(test_bad_input),        cmocka_unit_test(test_factor_dir),
        cmocka_unit_test(test_store_gaps),       cmocka_unit_test(test_indicator),
        cmocka_unit_test(test_indicator_compute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
