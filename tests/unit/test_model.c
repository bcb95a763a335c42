/*
 * test_model.c - park model: parsing, validation messages (exact text with
 * line:column), defaults, series loading, the position index and
 * allocation-failure handling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/jsonpos.h"
#include "zeropark/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODELS_DIR ZP_SOURCE_DIR "/tests/unit/models"

/* Lines 1-3 of most test models; the part under test starts on line 4. */
#define HEAD                                                                               \
    "{\n"                                                                                  \
    "  \"name\": \"t\",\n"                                                                 \
    "  \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": "                     \
    "\"2024-01-02T00:00:00+08:00\"},\n"

/* Site and weather, so that pv entries are complete (lines 4-5). */
#define SITE_WEATHER                                                                       \
    "  \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6},\n"                               \
    "  \"weather\": {\"csv\": \"data/weather.csv\"},\n"

static void dump_diags(zp_ctx *ctx)
{
    char buf[2048];
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
        print_message("  diag %zu: %s\n", i, buf);
    }
}

/* Load json as "model.json" and require exactly the diagnostics want, in
 * order, and the summary error. */
static void expect_problems(const char *json, unsigned flags, const char *const *want,
                            size_t nwant)
{
    char buf[2048], sum[64];
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_non_null(ctx);
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "model.json", MODELS_DIR, flags, &m);
    if (rc != ZP_EMODEL || zp_ctx_diag_count(ctx) != nwant)
        dump_diags(ctx);
    assert_int_equal(rc, ZP_EMODEL);
    assert_null(m);
    assert_int_equal(zp_ctx_diag_count(ctx), nwant);
    for (size_t i = 0; i < nwant; i++) {
        zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
        assert_string_equal(buf, want[i]);
    }
    snprintf(sum, sizeof sum, "model.json: %zu problem%s", nwant, nwant == 1 ? "" : "s");
    assert_string_equal(zp_ctx_errmsg(ctx), sum);
    zp_ctx_free(ctx);
}

#define EXPECT(json, flags, ...)                                                           \
    expect_problems(json, flags, (const char *const[]){__VA_ARGS__},                       \
                    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static zp_model *load_ok(zp_ctx *ctx, const char *json, unsigned flags)
{
    zp_model *m = NULL;
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "model.json", MODELS_DIR, flags, &m);
    if (rc != ZP_OK) {
        print_message("  error: %s\n", zp_ctx_errmsg(ctx));
        dump_diags(ctx);
    }
    assert_int_equal(rc, ZP_OK);
    assert_non_null(m);
    return m;
}

/* ---- one test per class of problem --------------------------------------- */

static void test_syntax_error(void **state)
{
    (void)state;
    EXPECT("{\"name\": \"t\",\n  \"period\": ,}\n", ZP_MODEL_NO_SERIES,
           "model.json:2:13: unexpected token near ','");
}

static void test_duplicate_key(void **state)
{
    (void)state;
    EXPECT("{\"name\": \"a\",\n \"name\": \"b\"}", ZP_MODEL_NO_SERIES,
           "model.json:2:7: a key appears twice in the same object near '\"name\"'; keep one");
}

static void test_unknown_key_did_you_mean(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"storage\": [{\"name\": \"b\", \"energy_kwh\": 10, \"power_kw\": 5,\n"
                "               \"soc_mni\": 0.2}],\n"
                "  \"objectiv\": {}\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:16: storage[0].soc_mni: unknown key 'soc_mni'; did you mean 'soc_min'?",
           "model.json:6:3: objectiv: unknown key 'objectiv'; did you mean 'objective'?");
}

static void test_unknown_key_no_match(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"colour\": \"green\"\n}\n", ZP_MODEL_NO_SERIES,
           "model.json:4:3: colour: unknown key 'colour'; expected one of: name, utc_offset_h, "
           "site, period, weather, grid, pv, wind, storage, loads, datacenter, fuels, "
           "certificates, targets, objective, resilience, accounting, devices, planning");
}

static void test_missing_required(void **state)
{
    (void)state;
    EXPECT(HEAD SITE_WEATHER
           "  \"pv\": [{\"name\": \"roof\", \"tilt_deg\": 20, \"azimuth_deg\": 180}]\n"
           "}\n",
           ZP_MODEL_NO_SERIES, "model.json:6:10: pv[0]: missing required field 'capacity_kwp'");
    EXPECT("{\"period\": {\"start\": \"2024-01-01T00:00:00+08:00\",\n"
           "            \"end\": \"2024-01-02T00:00:00+08:00\"}}",
           ZP_MODEL_NO_SERIES, "model.json:1:1: missing required field 'name'");
}

static void test_wrong_type(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"utc_offset_h\": \"8\",\n"
                "  \"targets\": {\"max_pue\": true},\n"
                "  \"pv\": {}\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:19: utc_offset_h: expected a number, got a string",
           "model.json:5:26: targets.max_pue: expected a number, got a boolean",
           "model.json:6:9: pv: expected an array, got an object");
}

static void test_out_of_range(void **state)
{
    (void)state;
    EXPECT(HEAD SITE_WEATHER
           "  \"pv\": [{\"name\": \"a\", \"capacity_kwp\": 100, \"tilt_deg\": 120, "
           "\"azimuth_deg\": 180}]\n"
           "}\n",
           ZP_MODEL_NO_SERIES, "model.json:6:57: pv[0].tilt_deg: 120 is out of range 0..90");
    EXPECT(HEAD "  \"storage\": [{\"name\": \"b\", \"energy_kwh\": 0, \"power_kw\": 5,\n"
                "               \"charge_efficiency\": 1.5}],\n"
                "  \"datacenter\": {\"it_power_kw\": -1, \"pue\": 1.2,\n"
                "                 \"flexible\": {\"share\": 0.5, \"max_delay_h\": 200}}\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:43: storage[0].energy_kwh: 0 must be greater than 0",
           "model.json:5:37: storage[0].charge_efficiency: 1.5 must be greater than 0 and at "
           "most 1",
           "model.json:6:33: datacenter.it_power_kw: -1 must be at least 0",
           "model.json:7:60: datacenter.flexible.max_delay_h: 200 must be greater than 0 and "
           "at most 168");
}

static void test_duplicate_name(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"storage\": [{\"name\": \"b\", \"energy_kwh\": 10, \"power_kw\": 5},\n"
                "              {\"name\": \"b\", \"energy_kwh\": 20, \"power_kw\": 5}]\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:24: storage[1].name: duplicate name 'b'; storage[0] already uses it");
}

static void test_bad_timestamp(void **state)
{
    (void)state;
    EXPECT("{\"name\": \"t\",\n"
           " \"period\": {\"start\": \"2024-01-01 00:00\", \"end\": \"2024-13-01T00:00Z\"}}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:2:22: period.start: '2024-01-01 00:00' is not an ISO-8601 timestamp with "
           "a UTC offset (such as 2024-01-01T00:00:00+08:00)",
           "model.json:2:49: period.end: '2024-13-01T00:00Z' is not an ISO-8601 timestamp with "
           "a UTC offset (such as 2024-01-01T00:00:00+08:00)");
}

static void test_end_before_start(void **state)
{
    (void)state;
    EXPECT("{\"name\": \"t\",\n"
           " \"period\": {\"start\": \"2024-01-02T00:00:00+08:00\",\n"
           "            \"end\": \"2024-01-01T00:00:00+08:00\"}}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:3:20: period.end: end 2024-01-01T00:00:00+08:00 is not after start "
           "2024-01-02T00:00:00+08:00");
}

static void test_period_not_multiple_of_step(void **state)
{
    (void)state;
    EXPECT("{\"name\": \"t\",\n"
           " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\",\n"
           "            \"end\": \"2024-01-01T01:30:00+08:00\", \"step_min\": 60}}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:3:20: period.end: the period (5400 s) is not a whole number of 60-minute "
           "steps");
    /* off the local step grid */
    EXPECT("{\"name\": \"t\",\n"
           " \"period\": {\"start\": \"2024-01-01T00:10:00+08:00\",\n"
           "            \"end\": \"2024-01-01T01:10:00+08:00\", \"step_min\": 15}}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:2:22: period.start: 2024-01-01T00:10:00+08:00 does not fall on the "
           "15-minute step grid");
}

static void test_bad_step(void **state)
{
    (void)state;
    EXPECT("{\"name\": \"t\",\n"
           " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\",\n"
           "            \"end\": \"2024-01-01T01:00:00+08:00\", \"step_min\": 7}}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:3:61: period.step_min: 7 is not an allowed step; use 1, 5, 10, 15, 30 "
           "or 60");
    EXPECT("{\"name\": \"t\",\n"
           " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\",\n"
           "            \"end\": \"2024-01-01T01:00:00+08:00\", \"step_min\": 7.5}}\n",
           ZP_MODEL_NO_SERIES, "model.json:3:61: period.step_min: expected an integer, got 7.5");
}

static void test_bad_enum(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"objective\": {\"minimise\": \"carbn\"},\n"
                "  \"weather\": {\"csv\": \"w.csv\", \"format\": \"epw\"},\n"
                "  \"site\": {\"lat_deg\": 0, \"lon_deg\": 0}\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:29: objective.minimise: 'carbn' is not one of carbon, cost, "
           "cost_with_carbon_price; did you mean 'carbon'?",
           "model.json:5:41: weather.format: 'epw' is not one of csv, tmy3");
    EXPECT(HEAD "  \"objective\": {\"minimise\": \"cost_with_carbon_price\"}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:29: objective.minimise: cost_with_carbon_price needs "
           "carbon_price_cny_per_t");
}

static void test_soc_ordering(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"storage\": [{\"name\": \"a\", \"energy_kwh\": 10, \"power_kw\": 5,\n"
                "               \"soc_min\": 0.9, \"soc_max\": 0.5},\n"
                "              {\"name\": \"b\", \"energy_kwh\": 10, \"power_kw\": 5,\n"
                "               \"soc_initial\": 0.05}]\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:43: storage[0].soc_max: soc_min 0.9 must be less than soc_max 0.5",
           "model.json:7:31: storage[1].soc_initial: 0.05 is outside soc_min..soc_max "
           "(0.1..0.95)");
}

static void test_power_curve(void **state)
{
    (void)state;
    EXPECT(HEAD SITE_WEATHER
           "  \"wind\": [{\"name\": \"w\", \"rated_kw\": 100, \"hub_height_m\": 80,\n"
           "            \"power_curve\": [[3, 0], [9, 60], [6, 120], \"x\"]},\n"
           "           {\"name\": \"v\", \"rated_kw\": 100, \"hub_height_m\": 80, \"count\": 0,\n"
           "            \"power_curve\": [[3, 0]]}]\n"
           "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:7:47: wind[0].power_curve[2][0]: wind speeds must rise: 6 follows 9",
           "model.json:7:50: wind[0].power_curve[2][1]: power 120 exceeds 1.05 x rated_kw (105)",
           "model.json:7:56: wind[0].power_curve[3]: expected a point [speed_m_s, power_kw], got "
           "a string",
           "model.json:8:72: wind[1].count: 0 must be at least 1",
           "model.json:9:28: wind[1].power_curve: needs at least 2 points [speed_m_s, power_kw], "
           "got 1");
}

static void test_fuel_unit_mismatch(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"fuels\": [{\"type\": \"natural_gas\", \"amount\": 1000, \"unit\": \"t\"},\n"
                "            {\"type\": \"diesel\", \"amount\": 5, \"unit\": \"t\"}]\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:61: fuels[0].unit: unit 't' does not fit fuel type 'natural_gas'; "
           "expected 'm3'");
}

static void test_unknown_fuel_type(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"fuels\": [{\"type\": \"natral_gas\", \"amount\": 1000, \"unit\": \"m3\"},\n"
                "            {\"type\": \"uranium\", \"amount\": 1, \"unit\": \"t\"}]\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:22: fuels[0].type: unknown fuel type 'natral_gas'; did you mean "
           "'natural_gas'?",
           "model.json:5:22: fuels[1].type: unknown fuel type 'uranium'; known types: raw_coal, "
           "natural_gas, diesel, gasoline, lpg, fuel_oil, purchased_heat");
}

static void test_missing_csv_file(void **state)
{
    (void)state;
    char want[1024];
    snprintf(want, sizeof want,
             "model.json:4:39: loads[0].power_kw: cannot open %s/data/nope.csv: No such file or "
             "directory",
             MODELS_DIR);
    const char *json = HEAD "  \"loads\": [{\"name\": \"l\", \"power_kw\": {\"csv\": "
                            "\"data/nope.csv\", \"column\": \"kw\"}}]\n}\n";
    EXPECT(json, 0, want);
    /* ZP_MODEL_NO_SERIES touches no file, so the same model loads */
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = load_ok(ctx, json, ZP_MODEL_NO_SERIES);
    assert_int_equal(m->loads[0].power_kw.is_series, 1);
    assert_string_equal(m->loads[0].power_kw.csv, "data/nope.csv");
    assert_string_equal(m->loads[0].power_kw.csv_path, MODELS_DIR "/data/nope.csv");
    assert_string_equal(m->loads[0].power_kw.column, "kw");
    assert_null(m->loads[0].power_kw.series);
    assert_true(isnan(zp_value_at(&m->loads[0].power_kw, 0)));
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void test_missing_csv_column(void **state)
{
    (void)state;
    char want[1024];
    zp_ctx *ctx = zp_ctx_new();
    const char *json = HEAD "  \"loads\": [{\"name\": \"l\", \"power_kw\": {\"csv\": "
                            "\"data/load.csv\", \"column\": \"factroy_kw\"}}]\n}\n";
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_buf(ctx, json, strlen(json), "model.json", MODELS_DIR, 0, &m),
                     ZP_EMODEL);
    /* The message is the CSV reader's own: name it, not its wording. */
    size_t n = zp_ctx_diag_count(ctx);
    assert_true(n >= 1);
    char buf[2048];
    zp_diag_format(zp_ctx_diag_get(ctx, n - 1), buf, sizeof buf);
    snprintf(want, sizeof want, "model.json:4:39: loads[0].power_kw: %s/data/load.csv:1: no column 'factroy_kw'",
             MODELS_DIR);
    assert_memory_equal(buf, want, strlen(want));
    assert_non_null(strstr(buf, "factory_kw"));
    zp_ctx_free(ctx);
    /* With the period broken, the column is still checked (header only). */
    EXPECT("{\"name\": \"t\", \"period\": {\"start\": \"x\", \"end\": \"2024-01-02T00:00:00Z\"},\n"
           " \"loads\": [{\"name\": \"l\", \"power_kw\": {\"csv\": \"data/load.csv\", \"column\": "
           "\"factroy_kw\"}}]}",
           0,
           "model.json:1:35: period.start: 'x' is not an ISO-8601 timestamp with a UTC offset "
           "(such as 2024-01-01T00:00:00+08:00)",
           "model.json:2:38: loads[0].power_kw: data/load.csv has no column 'factroy_kw'; did "
           "you mean 'factory_kw'?");
}

static void test_weather_checks(void **state)
{
    (void)state;
    char want[1024];
    EXPECT(HEAD "  \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6},\n"
                "  \"weather\": {\"csv\": \"data/weather_nowind.csv\"},\n"
                "  \"wind\": [{\"name\": \"w\", \"rated_kw\": 100, \"hub_height_m\": 80,\n"
                "            \"power_curve\": [[3, 0], [12, 100]]}]\n"
                "}\n",
           0,
           "model.json:5:22: weather.csv: data/weather_nowind.csv has no column 'wind_speed_m_s' "
           "(wind assets need it)");
    EXPECT(HEAD "  \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6},\n"
                "  \"weather\": {\"csv\": \"data/load.csv\"}\n"
                "}\n",
           0, "model.json:5:22: weather.csv: data/load.csv has no column 'ghi_w_m2'",
           "model.json:5:22: weather.csv: data/load.csv has no column 'temp_air_c'");
    snprintf(want, sizeof want,
             "model.json:5:22: weather.csv: cannot open %s/data/none.tmy3: No such file or "
             "directory",
             MODELS_DIR);
    EXPECT(HEAD "  \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6},\n"
                "  \"weather\": {\"csv\": \"data/none.tmy3\", \"format\": \"tmy3\"}\n"
                "}\n",
           0, want);
    /* pv without weather or site */
    EXPECT(HEAD "  \"pv\": [{\"name\": \"a\", \"capacity_kwp\": 1, \"tilt_deg\": 0, "
                "\"azimuth_deg\": 0}]\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:1:1: missing required field 'site' (pv and weather need the coordinates)",
           "model.json:4:9: pv: needs weather data; add \"weather\": {\"csv\": ...}");
}

static void test_series_value_out_of_range(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"loads\": [{\"name\": \"l\", \"power_kw\": {\"csv\": \"data/neg.csv\", "
                "\"column\": \"kw\"}}]\n}\n",
           0,
           "model.json:4:39: loads[0].power_kw: data/neg.csv column 'kw' at "
           "2024-01-01T03:00:00+08:00: -5 must be at least 0");
}

static void test_bad_series_reference(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"grid\": {\"price_cny_per_kwh\": \"0.65\",\n"
                "           \"emission_factor_kg_per_kwh\": {\"csv\": \"g.csv\", \"col\": \"f\"}}\n"
                "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:33: grid.price_cny_per_kwh: expected a number or {\"csv\": PATH, "
           "\"column\": NAME}, got a string",
           "model.json:5:42: grid.emission_factor_kg_per_kwh: missing required field 'column'",
           "model.json:5:59: grid.emission_factor_kg_per_kwh.col: unknown key 'col'; expected "
           "one of: csv, column");
}

static void test_several_problems(void **state)
{
    (void)state;
    /* Reported in text order, whatever order validation found them in. */
    EXPECT("{\n"
           "  \"objective\": {\"minimise\": \"cash\"},\n"
           "  \"name\": 42,\n"
           "  \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\",\n"
           "             \"end\": \"2024-01-02T00:00:00+08:00\", \"step\": 60},\n"
           "  \"storage\": [{\"name\": \"b\", \"energy_kwh\": 10, \"power_kw\": 5, "
           "\"soc_max\": 1.5}],\n"
           "  \"targets\": {\"min_green_share_pct\": 101}\n"
           "}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:2:29: objective.minimise: 'cash' is not one of carbon, cost, "
           "cost_with_carbon_price; did you mean 'cost'?",
           "model.json:3:11: name: expected a string, got a number",
           "model.json:5:50: period.step: unknown key 'step'; expected one of: start, end, step_min",
           "model.json:6:73: storage[0].soc_max: 1.5 is out of range 0..1",
           "model.json:7:38: targets.min_green_share_pct: 101 is out of range 0..100");
}

static void test_not_an_object(void **state)
{
    (void)state;
    EXPECT("[1, 2]", ZP_MODEL_NO_SERIES,
           "model.json:1:1: the model must be a JSON object, got an array");
    EXPECT("", ZP_MODEL_NO_SERIES, "model.json:1: '[' or '{' expected near end of file");
    EXPECT("{\"name\": \"t\", \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", "
           "\"end\": \"2024-01-02T00:00:00+08:00\"}, \"utc_offset_h\": 5.33}",
           ZP_MODEL_NO_SERIES,
           "model.json:1:117: utc_offset_h: 5.33 hours is not a whole number of minutes");
}

static void test_unicode_columns(void **state)
{
    (void)state;
    /* Columns count characters: the name has 4 two- and three-byte ones;
     * a byte order mark is not a column. */
    EXPECT("\xEF\xBB\xBF{\"name\": \"\xE5\x9B\xAD\xE5\x8C\xBA\xC3\xA9\xC3\xA9\", "
           "\"period\": 1}",
           ZP_MODEL_NO_SERIES, "model.json:1:28: period: expected an object, got a number");
}

/* ---- valid models ----------------------------------------------------------- */

static char *read_fixture(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", MODELS_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void check_full(const zp_model *m)
{
    assert_string_equal(m->name, "Shaoguan green computing campus");
    assert_true(m->utc_offset_h == 8);
    assert_int_equal(m->utc_offset_min, 480);
    assert_true(m->lat_deg == 24.80 && m->lon_deg == 113.60 && m->elevation_m == 70);
    assert_int_equal(m->start, 1704038400);
    assert_int_equal(m->end, 1735660800);
    assert_int_equal(m->step_min, 60);
    assert_int_equal(m->steps, 8784); /* 2024 is a leap year */
    assert_int_equal(m->weather.present, 1);
    assert_string_equal(m->weather.csv, "data/weather.csv");
    assert_string_equal(m->weather.format, "csv");
    assert_true(m->grid.import_limit_kw == 60000);
    assert_true(m->grid.export_limit_kw == 0);
    assert_true(zp_value_at(&m->grid.emission_factor_kg_per_kwh, 5) == 0.5306);
    assert_string_equal(m->grid.emission_factor_source, "park model");
    assert_true(zp_value_at(&m->grid.price_cny_per_kwh, 0) == 0.65);
    assert_int_equal(m->npv, 1);
    assert_string_equal(m->pv[0].name, "roof-a");
    assert_true(m->pv[0].capacity_kwp == 20000 && m->pv[0].tilt_deg == 20 &&
                m->pv[0].azimuth_deg == 180 && m->pv[0].losses_pct == 14 &&
                m->pv[0].inverter_kw == 17000 && m->pv[0].gamma_pct_per_c == -0.35);
    assert_int_equal(m->nwind, 1);
    assert_int_equal(m->wind[0].count, 20);
    assert_true(m->wind[0].rated_kw == 2500 && m->wind[0].hub_height_m == 90 &&
                m->wind[0].measurement_height_m == 10 && m->wind[0].shear_exponent == 0.143);
    assert_int_equal(m->wind[0].power_curve_len, 5);
    assert_true(m->wind[0].power_curve[2][0] == 9 && m->wind[0].power_curve[2][1] == 1700);
    assert_int_equal(m->nstorage, 1);
    assert_true(m->storage[0].energy_kwh == 40000 && m->storage[0].power_kw == 10000 &&
                m->storage[0].soc_min == 0.10 && m->storage[0].soc_max == 0.95 &&
                m->storage[0].soc_initial == 0.5);
    assert_int_equal(m->nloads, 1);
    assert_true(zp_value_at(&m->loads[0].power_kw, 100) == 8000);
    assert_int_equal(m->loads[0].flexible.present, 1);
    assert_true(m->loads[0].flexible.share == 0.2 && m->loads[0].flexible.max_delay_h == 6);
    assert_int_equal(m->datacenter.present, 1);
    assert_true(zp_value_at(&m->datacenter.it_power_kw, 0) == 30000);
    assert_true(m->datacenter.pue == 1.25 && m->datacenter.flexible.share == 0.3);
    assert_int_equal(m->nfuels, 1);
    assert_string_equal(m->fuels[0].type, "natural_gas");
    assert_string_equal(m->fuels[0].unit, "m3");
    assert_true(m->fuels[0].amount == 1200000);
    assert_true(m->green_certificates_mwh == 50000);
    assert_true(m->targets.max_emissions_t == 20000 && m->targets.min_green_share_pct == 90 &&
                m->targets.max_pue == 1.3);
    assert_int_equal(m->objective, ZP_MINIMISE_CARBON);
    assert_true(m->carbon_price_cny_per_t == 80);
}

static void test_full_model(void **state)
{
    (void)state;
    size_t len;
    char *json = read_fixture("full.json", &len);
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_buf(ctx, json, len, "full.json", MODELS_DIR,
                                       ZP_MODEL_NO_SERIES, &m),
                     ZP_OK);
    check_full(m);
    assert_int_equal(m->weather.has_dni, 0); /* header not read */
    zp_model_free(ctx, m);
    /* from the file: weather header is read, paths resolve next to it */
    assert_int_equal(zp_model_load_file(ctx, MODELS_DIR "/full.json", 0, &m), ZP_OK);
    check_full(m);
    assert_string_equal(m->file, MODELS_DIR "/full.json");
    assert_string_equal(m->dir, MODELS_DIR);
    assert_string_equal(m->weather.csv_path, MODELS_DIR "/data/weather.csv");
    assert_int_equal(m->weather.has_dni, 1);
    assert_int_equal(m->weather.has_dhi, 1);
    assert_int_equal(m->weather.has_wind_speed, 1);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    free(json);
}

/* accounting.grid_region and accounting.year name rows of the factor set
 * (data/factors/grid.csv: sichuan has average factors for 2021 and 2022,
 * the national residual mix for 2022 and 2023). */
static void test_grid_region(void **state)
{
    (void)state;
    EXPECT(HEAD "  \"accounting\": {\"grid_region\": \"sichaun\"}\n}\n", ZP_MODEL_NO_SERIES,
           "model.json:4:33: accounting.grid_region: unknown grid region 'sichaun'; did you "
           "mean 'sichuan'?");
    EXPECT(HEAD "  \"accounting\": {\"grid_region\": \"atlantis\"}\n}\n", ZP_MODEL_NO_SERIES,
           "model.json:4:33: accounting.grid_region: unknown grid region 'atlantis'; factor "
           "set builtin has: national, north, northeast, east, central, northwest, south, "
           "southwest, guangdong, shanghai, sichuan, yunnan");
    EXPECT(HEAD "  \"accounting\": {\"grid_region\": \"sichuan\", \"year\": 2023}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:52: accounting.year: grid region 'sichuan' has no factor for 2023 in "
           "factor set builtin; years with factors: 2021, 2022");
    EXPECT(HEAD "  \"accounting\": {\"year\": 2021}\n}\n", ZP_MODEL_NO_SERIES,
           "model.json:4:26: accounting.year: the national residual mix (accounting.residual "
           "\"factor_set\") has no factor for 2021 in factor set builtin; years with factors: "
           "2022, 2023; or set accounting.residual to \"location\" or \"value\"");
    /* A directory that is not a factor set: reported where it is named. */
    EXPECT(HEAD "  \"accounting\": {\"factor_set\": \"no-such-dir\"}\n}\n", 0,
           "model.json:4:32: accounting.factor_set: cannot open " MODELS_DIR
           "/no-such-dir/grid.csv: No such file or directory");

    /* Sound: the model's grid factor is the region's, 2024 -> 2022 (0.1404);
     * case does not matter; a written factor is kept. */
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = load_ok(ctx, HEAD "  \"accounting\": {\"grid_region\": \"Sichuan\"}\n}\n",
                          ZP_MODEL_NO_SERIES);
    assert_true(m->grid.emission_factor_kg_per_kwh.constant == 0.1404);
    assert_int_equal(m->grid.emission_factor_given, 0);
    assert_non_null(strstr(m->grid.emission_factor_source, "2022 provincial factor, Sichuan"));
    zp_model_free(ctx, m);
    m = load_ok(ctx,
                HEAD "  \"accounting\": {\"grid_region\": \"sichuan\", \"year\": 2022},\n"
                     "  \"grid\": {\"emission_factor_kg_per_kwh\": 0.6}\n}\n",
                ZP_MODEL_NO_SERIES);
    assert_true(m->grid.emission_factor_kg_per_kwh.constant == 0.6);
    assert_int_equal(m->grid.emission_factor_given, 1);
    assert_string_equal(m->grid.emission_factor_source, "park model");
    zp_model_free(ctx, m);
    m = load_ok(ctx,
                HEAD "  \"accounting\": {\"grid_region\": \"sichuan\", \"year\": 2021, "
                     "\"residual\": \"location\"}\n}\n",
                ZP_MODEL_NO_SERIES);
    assert_true(m->grid.emission_factor_kg_per_kwh.constant == 0.1255);
    zp_model_free(ctx, m);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    zp_ctx_free(ctx);
}

static void test_defaults(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_file(ctx, MODELS_DIR "/minimal.json", 0, &m), ZP_OK);
    assert_true(m->utc_offset_h == 8);
    assert_int_equal(m->utc_offset_min, 480);
    assert_true(m->elevation_m == 0);
    assert_int_equal(m->step_min, 60);
    assert_int_equal(m->steps, 24);
    assert_string_equal(m->weather.format, "csv");
    assert_true(isinf(m->grid.import_limit_kw));
    assert_true(m->grid.export_limit_kw == 0);
    assert_int_equal(m->grid.emission_factor_kg_per_kwh.is_series, 0);
    /* No grid factor and no region: the factor set's national average for
     * the period's year, 2024 -> the latest published, 2023: 0.5306
     * (data/factors/grid.csv "national,average,2023,0.5306"). */
    assert_int_equal(m->grid.emission_factor_given, 0);
    assert_true(zp_value_at(&m->grid.emission_factor_kg_per_kwh, 0) == 0.5306);
    assert_non_null(strstr(m->grid.emission_factor_source, "MEE/NBS 2023"));
    assert_non_null(m->accounting.factors);
    assert_true(zp_value_at(&m->grid.price_cny_per_kwh, 0) == 0);
    assert_true(zp_value_at(&m->grid.export_price_cny_per_kwh, 0) == 0);
    assert_true(m->pv[0].losses_pct == 14);
    assert_true(m->pv[0].inverter_kw == 1000); /* 1200 / 1.2 */
    assert_true(m->pv[0].gamma_pct_per_c == -0.35);
    assert_int_equal(m->wind[0].count, 1);
    assert_true(m->wind[0].measurement_height_m == 10);
    assert_true(m->wind[0].shear_exponent == 1.0 / 7.0);
    assert_true(m->storage[0].charge_efficiency == 0.95);
    assert_true(m->storage[0].discharge_efficiency == 0.95);
    assert_true(m->storage[0].soc_min == 0.6);
    assert_true(m->storage[0].soc_max == 0.95);
    assert_true(m->storage[0].soc_initial == 0.6); /* default 0.5 kept inside the bounds */
    assert_int_equal(m->nloads, 0);
    assert_int_equal(m->nfuels, 0);
    assert_int_equal(m->datacenter.present, 0);
    assert_true(m->green_certificates_mwh == 0);
    assert_true(isnan(m->targets.max_emissions_t));
    assert_true(isnan(m->targets.min_green_share_pct));
    assert_true(isnan(m->targets.max_pue));
    assert_int_equal(m->objective, ZP_MINIMISE_CARBON);
    assert_true(m->carbon_price_cny_per_t == 0);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void test_series_loaded(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_file(ctx, MODELS_DIR "/series.json", 0, &m), ZP_OK);
    const zp_value *f = &m->grid.emission_factor_kg_per_kwh;
    assert_int_equal(f->is_series, 1);
    assert_non_null(f->series);
    assert_int_equal(f->series->len, 24);
    assert_int_equal(f->series->start, m->start);
    assert_int_equal(f->series->step_s, 3600);
    assert_float_equal(zp_value_at(f, 10), 0.50, 1e-12);
    assert_string_equal(m->grid.emission_factor_source, "park model");
    assert_float_equal(zp_value_at(&m->grid.price_cny_per_kwh, 8), 0.65, 1e-12);
    /* 15-minute power resampled to hourly means */
    assert_float_equal(zp_value_at(&m->loads[0].power_kw, 3), 1030, 1e-9);
    assert_float_equal(zp_value_at(&m->loads[1].power_kw, 0), 250, 1e-9);
    assert_float_equal(zp_value_at(&m->datacenter.it_power_kw, 23), 3000, 1e-9);
    assert_true(isnan(zp_value_at(&m->datacenter.it_power_kw, 24)));
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void test_limits_and_args(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_buf(ctx, "{}", (size_t)ZP_MODEL_MAX_BYTES + 1, "big.json",
                                       NULL, 0, &m),
                     ZP_ETOOBIG);
    assert_int_equal(zp_model_load_buf(ctx, "{}", 2, "x", NULL, 0, NULL), ZP_EINVAL);
    assert_int_equal(zp_model_load_file(ctx, MODELS_DIR "/no-such.json", 0, &m), ZP_EIO);
    assert_null(m);
    zp_model_free(ctx, NULL);
    zp_ctx_free(ctx);
}

/* ---- what the park pays (grid.tariff, charges, green power, wear) ------------ */

/* Located problems of the billing fields: each at its JSON path. */
static void test_billing_problems(void **state)
{
    (void)state;
    /* a name found nowhere: the nearest and the list, model files passed over */
    EXPECT(HEAD "  \"grid\": {\"tariff\": \"shanghai-large-industry-2042\"}\n}\n", 0,
           "model.json:4:22: grid.tariff: no tariff is called 'shanghai-large-industry-2042'; "
           "did you mean 'shanghai-large-industry-2024'?; there are: "
           "guangdong-large-industry-2021, local-flat-2024, shanghai-large-industry-2024, "
           "sichuan-large-industry-2025 (in the directories searched and built in)");
    /* not a name or an object */
    EXPECT(HEAD "  \"grid\": {\"tariff\": 3}\n}\n", ZP_MODEL_NO_SERIES,
           "model.json:4:22: grid.tariff: expected a tariff's name (such as "
           "\"guangdong-large-industry-2021\") or a tariff object (docs/tariffs.md), got a "
           "number");
    /* an inline tariff's problems are the model's, at grid.tariff... */
    EXPECT(HEAD "  \"grid\": {\"tariff\": {\"periods\": {\"flat\": {\"cny_per_kwh\": 0.5}},\n"
                "    \"schedule\": [{\"period\": \"flta\", \"hours\": [\"0-24\"]}]}}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:29: grid.tariff.schedule[0].period: 'flta' is not one of flat; did "
           "you mean 'flat'?");
    EXPECT(HEAD "  \"grid\": {\"tariff\": {\"periods\": {\"flat\": {\"cny_per_kwh\": 0.5}},\n"
                "    \"schedule\": [{\"period\": \"flat\", \"hours\": [\"0-20\"]}], "
                "\"colour\": 1}}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:17: grid.tariff.schedule: no period holds 20:00-24:00 in months 1-12 on "
           "any day: each hour of the day needs one period (a row without \"replaces\")",
           "model.json:5:58: grid.tariff.colour: unknown key 'colour'; expected one of: name, "
           "title, region, customer, year, source, sources, base_price_cny_per_kwh, "
           "fixed_cny_per_kwh, demand_charge_cny_per_kw_month, "
           "capacity_charge_cny_per_kva_month, evidence, seasons, periods, schedule, holidays, "
           "notes");
    /* the tariff must price the period: holidays of each year, a base price */
    EXPECT("{\n  \"name\": \"t\",\n  \"period\": {\"start\": \"2026-06-01T00:00:00+08:00\", "
           "\"end\": \"2027-02-01T00:00:00+08:00\"},\n"
           "  \"grid\": {\"tariff\": \"shanghai-large-industry-2024\"}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:22: grid.tariff: tariff shanghai-large-industry-2024 prices holidays "
           "apart and its holiday list covers 2024, 2025, 2026; the time grid reaches 2027: "
           "add that year's holidays and working days (\"holidays\", docs/tariffs.md)");
    EXPECT(HEAD "  \"grid\": {\"tariff\": {\"periods\": {\"flat\": {\"ratio\": 1}},\n"
                "    \"schedule\": [{\"period\": \"flat\", \"hours\": [\"0-24\"]}]}}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:22: grid.tariff: tariff grid.tariff prices periods by ratio to a base "
           "price and has none: give base_price_cny_per_kwh (in the park model: "
           "grid.tariff_base_price_cny_per_kwh)");
    /* a tariff and a price; a base price below the fixed part; a base
     * price without a tariff */
    EXPECT(HEAD "  \"grid\": {\"price_cny_per_kwh\": 0.6,\n"
                "    \"tariff\": \"shanghai-large-industry-2024\",\n"
                "    \"tariff_base_price_cny_per_kwh\": 0.05}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:15: grid.tariff: give grid.tariff or grid.price_cny_per_kwh, not both: "
           "the tariff gives the price of each step",
           "model.json:6:38: grid.tariff_base_price_cny_per_kwh: 0.05 is below the part of "
           "every price that does not float in tariff shanghai-large-industry-2024 "
           "(fixed_cny_per_kwh 0.080214): give the flat-period price, all in");
    EXPECT(HEAD "  \"grid\": {\"tariff_base_price_cny_per_kwh\": 0.7}\n}\n", ZP_MODEL_NO_SERIES,
           "model.json:4:12: grid.tariff_base_price_cny_per_kwh: replaces the base price of "
           "grid.tariff, and there is none");
    /* one basis of the basic charge */
    EXPECT(HEAD "  \"grid\": {\"tariff\": \"guangdong-large-industry-2021\", \"transformer_kva\": "
                "2000,\n    \"demand_charge_cny_per_kw_month\": 36}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:5: grid.demand_charge_cny_per_kw_month: a park pays its basic charge "
           "on one basis: maximum demand (demand_charge_cny_per_kw_month) or the transformers' "
           "capacity (capacity_charge_cny_per_kva_month on transformer_kva), not both");
    EXPECT(HEAD "  \"grid\": {\"capacity_charge_cny_per_kva_month\": 22.6}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:12: grid.capacity_charge_cny_per_kva_month: a capacity charge is paid "
           "on the transformers' capacity: give grid.transformer_kva");
    EXPECT(HEAD "  \"grid\": {\"demand_charge_cny_per_kw_month\": -1, \"transformer_kva\": 0}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:46: grid.demand_charge_cny_per_kw_month: -1 must be at least 0",
           "model.json:4:69: grid.transformer_kva: 0 must be greater than 0");
    /* the green-power contract */
    EXPECT(HEAD "  \"grid\": {\"green_power\": {\"premium_cny_per_mwh\": 20}}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:4:27: grid.green_power: a green-power contract needs its energy: "
           "mwh_per_month, or a profile {\"csv\": PATH, \"column\": NAME} of contracted kW");
    EXPECT(HEAD "  \"grid\": {\"green_power\": {\"mwh_per_month\": 100,\n"
                "    \"profile\": {\"csv\": \"data/load.csv\", \"column\": \"factory_kw\"},"
                " \"premum_cny_per_mwh\": 3}}\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:5: grid.green_power.profile: give mwh_per_month or profile, not both",
           "model.json:5:66: grid.green_power.premum_cny_per_mwh: unknown key "
           "'premum_cny_per_mwh'; did you mean 'premium_cny_per_mwh'?");
    EXPECT(HEAD "  \"grid\": {\"green_power\": {\"profile\": 800}}\n}\n", ZP_MODEL_NO_SERIES,
           "model.json:4:39: grid.green_power.profile: expected {\"csv\": PATH, \"column\": "
           "NAME}, the contracted power (kW) of each step, got a number");
    /* battery wear */
    EXPECT(HEAD "  \"storage\": [{\"name\": \"b\", \"energy_kwh\": 100, \"power_kw\": 50,\n"
                "    \"capex_cny_per_kwh\": 600, \"degradation_cny_per_kwh\": 0.1},\n"
                "   {\"name\": \"c\", \"energy_kwh\": 100, \"power_kw\": 50,\n"
                "    \"capex_cny_per_kwh\": 600, \"end_of_life_soh\": 1}]\n}\n",
           ZP_MODEL_NO_SERIES,
           "model.json:5:5: storage[0].capex_cny_per_kwh: give degradation_cny_per_kwh or "
           "capex_cny_per_kwh with cycle_life (it is derived from them), not both",
           "model.json:7:5: storage[1].capex_cny_per_kwh: deriving the wear cost from "
           "capex_cny_per_kwh needs cycle_life (equivalent full cycles to end of life)",
           "model.json:7:50: storage[1].end_of_life_soh: 1 must be less than 1 (the capacity "
           "left at end of life)");
}

/* Sound billing fields: a tariff by name (built in, or beside the model),
 * inline with its base price replaced; the charges' defaults; derived
 * wear; a green-power profile. */
static void test_billing_fields(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    /* built in: the demand charge is the tariff's */
    zp_model *m = load_ok(
        ctx, HEAD "  \"grid\": {\"tariff\": \"guangdong-large-industry-2021\"}\n}\n",
        ZP_MODEL_NO_SERIES);
    const zp_tariff_info *ti = zp_tariff_get_info(m->grid.tariff);
    assert_string_equal(ti->name, "guangdong-large-industry-2021");
    assert_string_equal(ti->origin, "builtin:tariffs/guangdong.json");
    assert_int_equal(m->grid.tariff_inline, 0);
    assert_true(m->grid.demand_charge_cny_per_kw_month == 36.1);
    assert_int_equal(m->grid.demand_charge_given, 0);
    assert_true(m->grid.capacity_charge_cny_per_kva_month == 0);
    assert_true(isnan(m->grid.tariff_base_price_cny_per_kwh));
    assert_int_equal(m->grid.green_power.present, 0);
    zp_model_free(ctx, m);
    /* transformer_kva chooses the capacity basis: the tariff's capacity charge */
    m = load_ok(ctx, HEAD "  \"grid\": {\"tariff\": \"guangdong-large-industry-2021\", "
                          "\"transformer_kva\": 2500}\n}\n",
                ZP_MODEL_NO_SERIES);
    assert_true(m->grid.demand_charge_cny_per_kw_month == 0);
    assert_true(m->grid.capacity_charge_cny_per_kva_month == 22.6);
    assert_true(m->grid.transformer_kva == 2500);
    zp_model_free(ctx, m);
    /* beside the model (its directory), not looked at with NO_SERIES */
    m = load_ok(ctx, HEAD "  \"grid\": {\"tariff\": \"local-flat-2024\", "
                          "\"demand_charge_cny_per_kw_month\": 25}\n}\n",
                0);
    ti = zp_tariff_get_info(m->grid.tariff);
    assert_string_equal(ti->origin, MODELS_DIR "/local-flat-2024.json");
    assert_true(m->grid.demand_charge_cny_per_kw_month == 25);
    assert_int_equal(m->grid.demand_charge_given, 1);
    zp_model_free(ctx, m);
    m = load_ok(ctx, HEAD "  \"grid\": {\"tariff\": \"local-flat-2024\"}\n}\n",
                ZP_MODEL_NO_SERIES);
    assert_null(m->grid.tariff);
    assert_string_equal(m->grid.tariff_name, "local-flat-2024");
    zp_model_free(ctx, m);
    /* inline, its base replaced; wear derived; a green-power profile */
    assert_int_equal(zp_model_load_file(ctx, MODELS_DIR "/billing.json", 0, &m), ZP_OK);
    ti = zp_tariff_get_info(m->grid.tariff);
    assert_string_equal(ti->name, "inline-tou");
    assert_string_equal(ti->origin, MODELS_DIR "/billing.json");
    assert_int_equal(m->grid.tariff_inline, 1);
    assert_true(ti->base_price_cny_per_kwh == 0.7);
    assert_true(m->grid.tariff_base_price_cny_per_kwh == 0.7);
    assert_true(zp_tariff_price(m->grid.tariff, (size_t)zp_tariff_period_index(m->grid.tariff,
                                                                                "peak"),
                                7, NAN) == 0.7 * 1.6);
    assert_true(m->grid.demand_charge_cny_per_kw_month == 30);
    const zp_storage *s = &m->storage[0];
    /* 600 / (6000 x 0.85 x 0.95 x (1 + 0.8) / 2) */
    assert_true(fabs(s->degradation_cny_per_kwh - 600.0 / (6000 * 0.85 * 0.95 * 0.9)) < 1e-12);
    assert_int_equal(s->degradation_derived, 1);
    assert_true(s->cycle_life == 6000);
    assert_true(s->end_of_life_soh == 0.8);
    const zp_green_power *gp = &m->grid.green_power;
    assert_int_equal(gp->present, 1);
    assert_int_equal(gp->profile_kw.is_series, 1);
    assert_non_null(gp->profile_kw.series);
    assert_true(zp_value_at(&gp->profile_kw, 0) == 1000);
    assert_true(gp->premium_cny_per_mwh == 25);
    assert_true(gp->mwh_per_month == 0);
    zp_model_free(ctx, m);
    /* no billing fields: no tariff, no charges, no wear */
    m = load_ok(ctx, HEAD "  \"storage\": [{\"name\": \"b\", \"energy_kwh\": 100, "
                          "\"power_kw\": 50}]\n}\n",
                ZP_MODEL_NO_SERIES);
    assert_null(m->grid.tariff);
    assert_true(m->grid.demand_charge_cny_per_kw_month == 0);
    assert_true(m->storage[0].degradation_cny_per_kwh == 0);
    assert_int_equal(m->storage[0].degradation_derived, 0);
    assert_true(isnan(m->storage[0].capex_cny_per_kwh));
    zp_model_free(ctx, m);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    zp_ctx_free(ctx);
}

/* ---- fault injection -------------------------------------------------------- */

typedef struct failer {
    long fail_at; /* allocation number that fails (1-based); 0 = never */
    long count;   /* allocations so far */
} failer;

static void *failing_alloc(void *ud, void *ptr, size_t nsize)
{
    failer *f = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (f->fail_at && ++f->count == f->fail_at)
        return NULL;
    return realloc(ptr, nsize);
}

/* Fail allocation 1, 2, ... until the load succeeds: every run must end in
 * ZP_ENOMEM or success (ASan catches crashes and leaks). */
static void fail_each_allocation(const char *file, unsigned flags)
{
    size_t len;
    char *json = read_fixture(file, &len);
    int done = 0;
    for (long n = 1; n < 100000 && !done; n++) {
        failer f = {0, 0};
        zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &f);
        assert_non_null(ctx);
        f.fail_at = n;
        zp_model *m = NULL;
        zp_status rc = zp_model_load_buf(ctx, json, len, file, MODELS_DIR, flags, &m);
        if (rc != ZP_OK && rc != ZP_ENOMEM) {
            print_message("  allocation %ld: %s: %s\n", n, zp_status_name(rc), zp_ctx_errmsg(ctx));
            dump_diags(ctx);
        }
        assert_true(rc == ZP_OK || rc == ZP_ENOMEM);
        if (rc == ZP_OK) {
            assert_non_null(m);
            done = 1;
        } else {
            assert_null(m);
        }
        zp_model_free(ctx, m);
        zp_ctx_free(ctx);
    }
    assert_true(done);
    free(json);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    fail_each_allocation("full.json", ZP_MODEL_NO_SERIES);
}

static void test_alloc_failures_series(void **state)
{
    (void)state;
    fail_each_allocation("series.json", 0);
}

static void test_alloc_failures_billing(void **state)
{
    (void)state;
    fail_each_allocation("billing.json", 0);
}

/* A model with problems, under allocation failure: diagnostics are
 * allocated too. */
static void test_alloc_failures_invalid(void **state)
{
    (void)state;
    const char *json = HEAD "  \"storage\": [{\"name\": \"b\", \"energy_kwh\": -1, \"soc\": 1},\n"
                            "              {\"name\": \"b\"}]\n}\n";
    for (long n = 1; n < 100000; n++) {
        failer f = {0, 0};
        zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &f);
        f.fail_at = n;
        zp_model *m = NULL;
        zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "m.json", NULL,
                                         ZP_MODEL_NO_SERIES, &m);
        assert_null(m);
        assert_true(rc == ZP_EMODEL || rc == ZP_ENOMEM);
        zp_ctx_free(ctx);
        if (rc == ZP_EMODEL)
            break;
    }
}

/* ---- position index ---------------------------------------------------------- */

static zp_jsonpos *index_text(zp_ctx *ctx, const char *text)
{
    zp_jsonpos *jp = NULL;
    assert_int_equal(zp__jsonpos_build(ctx, text, strlen(text), &jp), ZP_OK);
    assert_non_null(jp);
    return jp;
}

static void assert_loc(const zp_jsonpos *jp, const char *path, int line, int col, int kline,
                       int kcol)
{
    zp_jsonpos_loc loc;
    if (!zp__jsonpos_find(jp, path, &loc))
        print_message("  path not found: %s\n", path);
    assert_int_equal(loc.line, line);
    assert_int_equal(loc.col, col);
    assert_int_equal(loc.key_line, kline);
    assert_int_equal(loc.key_col, kcol);
}

static void test_jsonpos_basic(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_jsonpos *jp = index_text(ctx, "  {\"a\": [1, {\"b\": true}],\n"
                                     "\t\"c\\u00e9\\\"\":\"x\\\"y\", \"d\": {\"e\": null},\r\n"
                                     "\"\xF0\x9F\x8C\xB1\": -1.5e3, \"\\ud83c\\udf31x\": []}");
    assert_loc(jp, "", 1, 3, 0, 0);
    assert_loc(jp, "a", 1, 9, 1, 4);
    assert_loc(jp, "a[0]", 1, 10, 0, 0);
    assert_loc(jp, "a[1]", 1, 13, 0, 0);
    assert_loc(jp, "a[1].b", 1, 19, 1, 14);
    assert_loc(jp, "c\xC3\xA9\"", 2, 14, 2, 2);
    assert_loc(jp, "d", 2, 27, 2, 22);
    assert_loc(jp, "d.e", 2, 33, 2, 28);
    assert_loc(jp, "\xF0\x9F\x8C\xB1", 3, 6, 3, 1);
    assert_loc(jp, "\xF0\x9F\x8C\xB1x", 3, 31, 3, 14);
    assert_int_equal(zp__jsonpos_count(jp), 10);
    zp_jsonpos_loc loc;
    assert_int_equal(zp__jsonpos_find(jp, "nope", &loc), 0);
    assert_int_equal(loc.line, 0);
    zp__jsonpos_free(ctx, jp);
    zp_ctx_free(ctx);
}

static void test_jsonpos_hostile(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    /* deeper than the cap: values below it are not recorded, the ones
     * after it still are */
    char deep[1024];
    size_t n = 0;
    n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"k\":");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    for (int i = 0; i < 100; i++)
        deep[n++] = ']';
    n += (size_t)snprintf(deep + n, sizeof deep - n, ", \"z\": 1}");
    deep[n] = '\0';
    zp_jsonpos *jp = index_text(ctx, deep);
    zp_jsonpos_loc loc;
    assert_int_equal(zp__jsonpos_find(jp, "k[0][0]", &loc), 1);
    assert_int_equal(zp__jsonpos_find(jp, "z", &loc), 1);
    assert_int_equal(loc.col, (int)n - 1);
    assert_int_equal(zp__jsonpos_count(jp), ZP_JSONPOS_MAX_DEPTH + 2);
    zp__jsonpos_free(ctx, jp);
    /* truncated and malformed texts index what they can and stop */
    const char *bad[] = {"", "{", "{\"a", "{\"a\":", "{\"a\\u12", "[1,", "\"abc", "{\"a\" 1}",
                         "}}}", "[[[[\"\\", "{\"a\":1,}", "nul"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        jp = NULL;
        assert_int_equal(zp__jsonpos_build(ctx, bad[i], strlen(bad[i]), &jp), ZP_OK);
        zp__jsonpos_free(ctx, jp);
    }
    assert_int_equal(zp__jsonpos_build(ctx, NULL, 0, &jp), ZP_OK);
    zp__jsonpos_free(ctx, jp);
    /* long keys are cut the same way on both sides */
    char longkey[2048], path[ZP_JSONPOS_PATH_MAX];
    memset(longkey, 'k', 1000);
    memcpy(longkey, "{\"", 2);
    memcpy(longkey + 1000, "\": 1}", 6);
    jp = index_text(ctx, longkey);
    char key[1000];
    memset(key, 'k', 997);
    key[997] = '\0';
    zp__jsonpos_path_key(path, sizeof path, "", key);
    assert_int_equal(strlen(path), ZP_JSONPOS_PATH_MAX - 1);
    assert_int_equal(zp__jsonpos_find(jp, path, &loc), 1);
    assert_int_equal(loc.key_col, 2);
    zp__jsonpos_free(ctx, jp);
    /* control bytes in keys are sanitised */
    jp = index_text(ctx, "{\"a\\nb\": 1}");
    assert_int_equal(zp__jsonpos_find(jp, zp__jsonpos_path_key(path, sizeof path, "", "a\nb"),
                                      &loc),
                     1);
    assert_string_equal(path, "a?b");
    zp__jsonpos_free(ctx, jp);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_unknown_key_did_you_mean),
        cmocka_unit_test(test_unknown_key_no_match),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_duplicate_name),
        cmocka_unit_test(test_bad_timestamp),
        cmocka_unit_test(test_end_before_start),
        cmocka_unit_test(test_period_not_multiple_of_step),
        cmocka_unit_test(test_bad_step),
        cmocka_unit_test(test_bad_enum),
        cmocka_unit_test(test_soc_ordering),
        cmocka_unit_test(test_power_curve),
        cmocka_unit_test(test_fuel_unit_mismatch),
        cmocka_unit_test(test_unknown_fuel_type),
        cmocka_unit_test(test_missing_csv_file),
        cmocka_unit_test(test_missing_csv_column),
        cmocka_unit_test(test_weather_checks),
        cmocka_unit_test(test_series_value_out_of_range),
        cmocka_unit_test(test_bad_series_reference),
        cmocka_unit_test(test_several_problems),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_unicode_columns),
        cmocka_unit_test(test_full_model),
        cmocka_unit_test(test_grid_region),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_series_loaded),
        cmocka_unit_test(test_limits_and_args),
        cmocka_unit_test(test_billing_problems),
        cmocka_unit_test(test_billing_fields),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_alloc_failures_series),
        cmocka_unit_test(test_alloc_failures_billing),
        cmocka_unit_test(test_alloc_failures_invalid),
        cmocka_unit_test(test_jsonpos_basic),
        cmocka_unit_test(test_jsonpos_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
