/*
 * test_sweep.c - sweeps (src/lib/sweep): JSON paths, the sweep file's
 * messages (exact text with line:column), the grid's order, ranges,
 * scenario models, the pool (threads and order do not change the
 * results), the results' JSON and CSV, the "simulate" work against hand
 * calculations, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sweep/sweep_impl.h"
#include "zeropark/sweep.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A park without files: a 100 kW load on a flat 0.5 CNY/kWh grid for one
 * day, a battery, an emission cap. Its optimal day costs 24 h x load kW x
 * price (a flat price gives the battery nothing to do) and emits 24 h x
 * load kW x 0.5 kg/kWh, location-based. */
static const char MODEL[] =
    "{\n"
    "  \"name\": \"t\",\n"
    "  \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-02T00:00:00+08:00\"},\n"
    "  \"grid\": {\"price_cny_per_kwh\": 0.5, \"emission_factor_kg_per_kwh\": 0.5},\n"
    "  \"loads\": [{\"name\": \"a\", \"power_kw\": 100}],\n"
    "  \"storage\": [{\"name\": \"b\", \"energy_kwh\": 100, \"power_kw\": 50}],\n"
    "  \"targets\": {\"max_emissions_t\": 10}\n"
    "}\n";

static void dump_diags(zp_ctx *ctx)
{
    char buf[2048];
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
        print_message("  diag %zu: %s\n", i, buf);
    }
    print_message("  error: %s\n", zp_ctx_errmsg(ctx));
}

static zp_status load(zp_ctx *ctx, const char *text, zp_sweep **sw)
{
    return zp_sweep_load_buf(ctx, text, strlen(text), "s.json", NULL, MODEL, strlen(MODEL), 0, sw);
}

static zp_sweep *load_ok(zp_ctx *ctx, const char *text)
{
    zp_sweep *sw = NULL;
    zp_status rc = load(ctx, text, &sw);
    if (rc)
        dump_diags(ctx);
    assert_int_equal(rc, ZP_OK);
    return sw;
}

/* Diagnostic i as "file:line:col: path: message". */
static const char *diag(zp_ctx *ctx, size_t i)
{
    static char buf[2048];
    const zp_diag *d = zp_ctx_diag_get(ctx, i);
    assert_non_null(d);
    zp_diag_format(d, buf, sizeof buf);
    return buf;
}

/* ---- paths ------------------------------------------------------------------ */

static void test_path_form(void **state)
{
    (void)state;
    assert_null(sw__path_form("a"));
    assert_null(sw__path_form("storage[0].energy_kwh"));
    assert_null(sw__path_form("a[0][1].b"));
    assert_null(sw__path_form("build.pv.roof_kwp"));
    assert_string_equal(sw__path_form(""), "is empty");
    assert_string_equal(sw__path_form(".a"), "must start with a key");
    assert_string_equal(sw__path_form("a..b"), "has an empty key");
    assert_string_equal(sw__path_form("a."), "has an empty key");
    assert_string_equal(sw__path_form("a[x]"), "has '[' without an index: write [N], as in storage[0]");
    assert_string_equal(sw__path_form("a[1"), "has '[' without its ']': write [N], as in storage[0]");
    assert_string_equal(sw__path_form("a[1]b"), "needs '.' after ']' before the next key");
    assert_string_equal(sw__path_form("a]"), "has ']' without its '['");
}

static void test_path_get_set(void **state)
{
    (void)state;
    char why[256];
    json_t *doc = json_loads("{\"build\": {\"pv\": {\"x\": 1}, \"pv.roof_kwp\": 7}, "
                             "\"s\": [{\"e\": 2}], \"t\": \"x\"}", 0, NULL);
    assert_non_null(doc);
    /* the longest key wins: "pv.roof_kwp", not "pv" then "roof_kwp" */
    json_t *v = sw__path_get(doc, "build.pv.roof_kwp", "the result", why, sizeof why);
    assert_non_null(v);
    assert_int_equal(json_integer_value(v), 7);
    assert_int_equal(json_integer_value(sw__path_get(doc, "build.pv.x", "r", why, sizeof why)), 1);
    assert_int_equal(json_integer_value(sw__path_get(doc, "s[0].e", "r", why, sizeof why)), 2);
    assert_null(sw__path_get(doc, "s[1].e", "the model", why, sizeof why));
    assert_string_equal(why, "'s' has 1 entry in the model; [1] is past its end");
    assert_null(sw__path_get(doc, "buld.pv", "the model", why, sizeof why));
    assert_string_equal(why, "the model has no 'buld' (did you mean 'build'?)");
    assert_null(sw__path_get(doc, "t.u", "the model", why, sizeof why));
    assert_string_equal(why, "'t' is a string in the model, not an object");
    assert_null(sw__path_get(doc, "s.e", "the model", why, sizeof why));
    assert_string_equal(why, "'s' is an array in the model, not an object");
    /* a new last key may be set; a missing object before it may not */
    json_t *nine = json_integer(9);
    assert_int_equal(sw__path_set(doc, "s[0].f", nine, "m", why, sizeof why), 0);
    assert_int_equal(sw__path_set(doc, "build.pv.roof_kwp", nine, "m", why, sizeof why), 0);
    assert_int_equal(sw__path_set(doc, "s[0]", nine, "m", why, sizeof why), 0);
    assert_int_equal(sw__path_set(doc, "zz.r", nine, "the model", why, sizeof why), -1);
    assert_string_equal(why, "the model has no 'zz'");
    json_decref(nine);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, "{\"build\":{\"pv\":{\"x\":1},\"pv.roof_kwp\":9},\"s\":[9],\"t\":\"x\"}");
    free(text);
    json_decref(doc);
    assert_true(sw__path_within("grid.x", "grid"));
    assert_true(sw__path_within("a[0]", "a"));
    assert_true(sw__path_within("a", "a"));
    assert_false(sw__path_within("gridx", "grid"));
}

/* ---- the sweep file --------------------------------------------------------- */

/* A grid of 2 x 3: scenarios count like nested loops, the last parameter
 * innermost (docs/sweep.md): 0 (0.5, 100), 1 (0.5, 200), 2 (0.5, 300),
 * 3 (1, 100), ... */
static const char GRID[] =
    "{\"model\": \"m.json\", \"run\": \"simulate\",\n"
    " \"parameters\": [\n"
    "  {\"name\": \"price\", \"path\": \"grid.price_cny_per_kwh\", \"values\": [0.5, 1]},\n"
    "  {\"path\": \"loads[0].power_kw\", \"values\": {\"from\": 100, \"to\": 300, \"steps\": 3}}]}\n";

static void test_grid_order(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sweep *sw = load_ok(ctx, GRID);
    assert_int_equal(zp_sweep_count(sw), 6);
    assert_string_equal(zp_sweep_run_name(sw), "simulate");
    const char *want[] = {
        "scenario 0 (price = 0.5, loads[0].power_kw = 100)", "scenario 1 (price = 0.5, loads[0].power_kw = 200)",
        "scenario 2 (price = 0.5, loads[0].power_kw = 300)", "scenario 3 (price = 1, loads[0].power_kw = 100)",
        "scenario 4 (price = 1, loads[0].power_kw = 200)",   "scenario 5 (price = 1, loads[0].power_kw = 300)"};
    for (size_t i = 0; i < 6; i++) {
        char *label = zp_sweep_label(ctx, sw, i);
        assert_string_equal(label, want[i]);
        zp_free(ctx, label);
    }
    /* scenario 4's model holds its values */
    zp_model *m = NULL;
    assert_int_equal(zp_sweep_scenario_model(ctx, sw, 4, 0, &m), ZP_OK);
    assert_near(m->loads[0].power_kw.constant, 200, 0);
    assert_near(m->grid.price_cny_per_kwh.constant, 1, 0);
    assert_near(m->storage[0].energy_kwh, 100, 0);
    zp_model_free(ctx, m);
    zp_sweep_free(ctx, sw);
    zp_ctx_free(ctx);
}

/* A range's values are rounded to 15 digits: 0.1 + 0.4 x 2/4 would be
 * 0.30000000000000004 unrounded. */
static void test_range_values(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sweep *sw = load_ok(ctx, "{\"model\": \"m.json\", \"run\": \"simulate\", \"parameters\": [{\"path\": "
                                "\"grid.emission_factor_kg_per_kwh\", \"values\": {\"from\": 0.1, \"to\": "
                                "0.5, \"steps\": 5}}]}");
    const double want[] = {0.1, 0.2, 0.3, 0.4, 0.5};
    assert_int_equal(zp_sweep_count(sw), 5);
    for (size_t i = 0; i < 5; i++)
        assert_true(json_real_value(sw__value(sw, i, 0)->v) == want[i]);
    zp_sweep_free(ctx, sw);
    zp_ctx_free(ctx);
}

static void test_file_errors(void **state)
{
    (void)state;
    static const char text[] =
        "{\"model\": \"m.json\", \"run\": \"simulat\",\n"                                   /* 1 */
        " \"parameters\": [\n"                                                               /* 2 */
        "  {\"path\": \"grid.pric_cny_per_kwh.x\", \"values\": [1]},\n"                      /* 3 */
        "  {\"path\": \"storage[2].power_kw\", \"values\": {\"from\": 1, \"to\": 2, \"steps\": 1}},\n" /* 4 */
        "  {\"path\": \"loads[0]..x\", \"values\": []},\n"                                   /* 5 */
        "  {\"path\": \"grid\", \"valuez\": [1]},\n"                                         /* 6 */
        "  {\"path\": \"grid.price_cny_per_kwh\", \"values\": [null]}],\n"                   /* 7 */
        " \"outputs\": [3]}\n";                                                              /* 8 */
    zp_ctx *ctx = zp_ctx_new();
    zp_sweep *sw = NULL;
    assert_int_equal(load(ctx, text, &sw), ZP_EMODEL);
    assert_null(sw);
    const char *want[] = {
        "s.json:1:28: run: 'simulat' is not one of plan, simulate; did you mean 'simulate'?",
        "s.json:3:12: parameters[0].path: 'grid.pric_cny_per_kwh.x': the model has no 'pric_cny_per_kwh' in "
        "'grid' (did you mean 'price_cny_per_kwh'?)",
        "s.json:4:12: parameters[1].path: 'storage[2].power_kw': 'storage' has 1 entry in the model; [2] is "
        "past its end",
        "s.json:4:75: parameters[1].values.steps: 1 is out of range 2..1000000",
        "s.json:5:12: parameters[2].path: 'loads[0]..x' has an empty key",
        "s.json:5:37: parameters[2].values: must be a list of values or a range {\"from\": A, \"to\": B, "
        "\"steps\": N}",
        "s.json:6:3: parameters[3]: missing required field 'values'",
        "s.json:6:20: parameters[3].valuez: unknown key 'valuez'; did you mean 'values'?",
        "s.json:7:12: parameters[4].path: 'grid.price_cny_per_kwh' overlaps parameters[3].path 'grid': a "
        "scenario would set the value twice",
        "s.json:7:49: parameters[4].values[0]: null is not a value for the model",
        "s.json:8:14: outputs[0]: must be a JSON path into each result, as \"cost_breakdown_cny.total\"",
    };
    if (zp_ctx_diag_count(ctx) != sizeof want / sizeof want[0])
        dump_diags(ctx);
    assert_int_equal(zp_ctx_diag_count(ctx), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(diag(ctx, i), want[i]);
    assert_string_equal(zp_ctx_errmsg(ctx), "s.json: 11 problems");
    zp_ctx_free(ctx);
}

/* A plan (the default work) needs the model's "planning" section. */
static void test_plan_needs_planning(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sweep *sw = NULL;
    assert_int_equal(load(ctx, "{\"model\": \"m.json\",\n \"parameters\": [{\"path\": "
                               "\"grid.price_cny_per_kwh\", \"values\": [1]}]}", &sw),
                     ZP_EMODEL);
    assert_int_equal(zp_ctx_diag_count(ctx), 1);
    assert_string_equal(diag(ctx, 0), "s.json:1:11: model: plans need the model's \"planning\" section "
                                      "(docs/planning.md); for the optimal dispatch of each scenario "
                                      "write \"run\": \"simulate\"");
    zp_ctx_free(ctx);
}

/* Values the model refuses are found before anything runs, at the sweep
 * file's value, once for all the scenarios that share it. */
static void test_scenario_errors(void **state)
{
    (void)state;
    static const char text[] =
        "{\"model\": \"m.json\", \"run\": \"simulate\",\n"
        " \"parameters\": [\n"
        "  {\"name\": \"kw\", \"path\": \"loads[0].power_kw\", \"values\": [100, -5, \"x\"]},\n"
        "  {\"path\": \"storage[0].soc_min\", \"values\": [0.1, 0.2]}]}\n";
    zp_ctx *ctx = zp_ctx_new();
    zp_sweep *sw = NULL;
    assert_int_equal(load(ctx, text, &sw), ZP_EMODEL);
    const char *want[] = {
        "s.json:3:63: parameters[0].values[1]: scenario 2 (kw = -5, storage[0].soc_min = 0.1): "
        "loads[0].power_kw: -5 must be at least 0 (and 1 more scenario)",
        "s.json:3:67: parameters[0].values[2]: scenario 4 (kw = \"x\", storage[0].soc_min = 0.1): "
        "loads[0].power_kw: expected a number or {\"csv\": PATH, \"column\": NAME}, got a string (and 1 more "
        "scenario)",
    };
    if (zp_ctx_diag_count(ctx) != 2)
        dump_diags(ctx);
    assert_int_equal(zp_ctx_diag_count(ctx), 2);
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(diag(ctx, i), want[i]);
    zp_ctx_free(ctx);
}

/* A list of scenarios: each sets its own paths; the columns are every
 * path set, in the order first set. */
static void test_scenario_list(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sweep *sw = load_ok(ctx, "{\"model\": \"m.json\", \"run\": \"simulate\", \"scenarios\": [\n"
                                " {\"name\": \"cheap\", \"set\": {\"grid.price_cny_per_kwh\": 0.25}},\n"
                                " {\"set\": {\"loads[0].power_kw\": 50, \"grid.price_cny_per_kwh\": 2}}]}");
    assert_int_equal(zp_sweep_count(sw), 2);
    char *a = zp_sweep_label(ctx, sw, 0), *b = zp_sweep_label(ctx, sw, 1);
    assert_string_equal(a, "scenario 0 'cheap'");
    assert_string_equal(b, "scenario 1 (grid.price_cny_per_kwh = 2, loads[0].power_kw = 50)");
    zp_free(ctx, a);
    zp_free(ctx, b);
    assert_null(sw__value(sw, 0, 1));
    zp_sweep_free(ctx, sw);
    zp_ctx_free(ctx);
}

/* ---- the pool and the results ------------------------------------------------ */

/* A work that says the load and fails when it is 200 kW. */
static zp_status echo_load(zp_ctx *ctx, const zp_model *m, void *ud, char **result)
{
    if (ud)
        (*(int *)ud)++; /* counted in the one-thread run only */
    double kw = m->loads[0].power_kw.constant;
    if (kw == 200)
        return zp_ctx_set_error(ctx, ZP_EDATA, "no plan meets max_emissions_t = 10 (best 11.5)");
    char buf[128];
    snprintf(buf, sizeof buf, "{\"kw\": %g, \"targets\": [{\"name\": \"cap\", \"value\": %g, \"met\": true}]}",
             kw, kw / 100);
    size_t n = strlen(buf) + 1;
    char *t = malloc(n);
    memcpy(t, buf, n);
    /* the sweep frees the result with the context's allocator: the C one here */
    *result = t;
    return ZP_OK;
}

static void run(zp_ctx *ctx, const zp_sweep *sw, const size_t *idx, size_t n, unsigned threads,
                zp_sweep_fn fn, void *ud, zp_sweep_outcome **out)
{
    zp_sweep_exec_opts o = {threads, fn, ud};
    zp_sweep_exec *x = NULL;
    assert_int_equal(zp_sweep_start(ctx, sw, idx, n, &o, &x), ZP_OK);
    assert_int_equal(zp_sweep_wait(x, -1), 1);
    assert_int_equal(zp_sweep_done(x), n);
    assert_int_equal(zp_sweep_finish(ctx, x, out), ZP_OK);
}

static void test_pool_results(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    /* GRID with the outputs of echo_load */
    char text[sizeof GRID + 64];
    snprintf(text, sizeof text, "%.*s, \"outputs\": [\"kw\", \"targets\"]}", (int)strlen(GRID) - 2, GRID);
    zp_sweep *sw = load_ok(ctx, text);
    const size_t fwd[] = {0, 1, 2, 3, 4, 5}, back[] = {5, 4, 3, 2, 1, 0};
    int calls = 0;
    zp_sweep_outcome *o1 = NULL, *o3 = NULL;
    run(ctx, sw, fwd, 6, 1, echo_load, &calls, &o1);
    assert_int_equal(calls, 6);
    /* three threads over the list backwards: each outcome in its slot */
    zp_sweep_outcome *ob = NULL;
    run(ctx, sw, back, 6, 3, echo_load, NULL, &ob);
    o3 = zp_sweep_outcomes_new(ctx, 6);
    for (size_t k = 0; k < 6; k++) {
        assert_int_equal(ob[k].index, back[k]);
        o3[ob[k].index] = ob[k];
        ob[k].result = ob[k].message = NULL;
    }
    zp_sweep_outcomes_free(ctx, ob, 6);
    assert_int_equal(o1[1].ok, 0);
    assert_string_equal(o1[1].message, "scenario 1 (price = 0.5, loads[0].power_kw = 200): no plan meets "
                                       "max_emissions_t = 10 (best 11.5)");
    assert_int_equal(o1[4].ok, 0);
    char *j1 = NULL, *j3 = NULL, *c1 = NULL, *c3 = NULL;
    assert_int_equal(zp_sweep_results_json(ctx, sw, o1, 6, &j1), ZP_OK);
    assert_int_equal(zp_sweep_results_json(ctx, sw, o3, 6, &j3), ZP_OK);
    assert_int_equal(zp_sweep_results_csv(ctx, sw, o1, 6, &c1), ZP_OK);
    assert_int_equal(zp_sweep_results_csv(ctx, sw, o3, 6, &c3), ZP_OK);
    assert_string_equal(j1, j3);
    assert_string_equal(c1, c3);
    /* written out by hand from GRID and echo_load */
    static const char want[] =
        "index,price,loads[0].power_kw,status,kw,targets.cap.value,targets.cap.met,message\n"
        "0,0.5,100,ok,100,1,true,\n"
        "1,0.5,200,failed,,,,\"scenario 1 (price = 0.5, loads[0].power_kw = 200): no plan meets "
        "max_emissions_t = 10 (best 11.5)\"\n"
        "2,0.5,300,ok,300,3,true,\n"
        "3,1,100,ok,100,1,true,\n"
        "4,1,200,failed,,,,\"scenario 4 (price = 1, loads[0].power_kw = 200): no plan meets "
        "max_emissions_t = 10 (best 11.5)\"\n"
        "5,1,300,ok,300,3,true,\n";
    assert_string_equal(c1, want);
    json_t *doc = json_loads(j1, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "failed")), 2);
    json_t *s5 = json_array_get(json_object_get(doc, "scenarios"), 5);
    assert_string_equal(json_string_value(json_object_get(s5, "status")), "ok");
    assert_near(json_number_value(json_object_get(json_object_get(s5, "result"), "kw")), 300, 0);
    assert_near(json_number_value(json_object_get(json_object_get(s5, "set"), "grid.price_cny_per_kwh")), 1, 0);
    json_decref(doc);
    zp_free(ctx, j1);
    zp_free(ctx, j3);
    zp_free(ctx, c1);
    zp_free(ctx, c3);
    /* outcomes out of order are refused */
    o1[0].index = 1;
    assert_int_equal(zp_sweep_results_csv(ctx, sw, o1, 6, &c1), ZP_EINVAL);
    o1[0].index = 0;
    zp_sweep_outcomes_free(ctx, o1, 6);
    zp_sweep_outcomes_free(ctx, o3, 6);
    zp_sweep_free(ctx, sw);
    zp_ctx_free(ctx);
}

/* The "simulate" work against the hand calculation above: cost 24 h x kW
 * x price, location-based emissions 24 h x kW x 0.5 kg / 1000. */
static void test_simulate_work(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sweep *sw = load_ok(ctx, GRID);
    const size_t idx[] = {0, 1, 2, 3, 4, 5};
    zp_sweep_outcome *o = NULL;
    run(ctx, sw, idx, 6, 2, NULL, NULL, &o);
    const double price[] = {0.5, 0.5, 0.5, 1, 1, 1}, kw[] = {100, 200, 300, 100, 200, 300};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(o[i].ok, 1);
        json_t *doc = json_loads(o[i].result, 0, NULL);
        assert_non_null(doc);
        json_t *cost = json_object_get(json_object_get(doc, "cost_breakdown_cny"), "total");
        json_t *em = json_object_get(json_object_get(doc, "emissions_t"), "total_location");
        assert_near(json_number_value(cost), 24 * kw[i] * price[i], 1e-6);
        assert_near(json_number_value(em), 24 * kw[i] * 0.5 / 1000, 1e-9);
        /* no timings: the same bytes wherever it ran */
        assert_null(json_object_get(doc, "seconds"));
        assert_null(json_object_get(json_object_get(doc, "solver"), "seconds"));
        json_decref(doc);
    }
    char *csv = NULL;
    assert_int_equal(zp_sweep_results_csv(ctx, sw, o, 6, &csv), ZP_OK);
    /* the default columns of "simulate" start with the bill's total */
    assert_non_null(strstr(csv, "index,price,loads[0].power_kw,status,cost_breakdown_cny.total,"));
    assert_non_null(strstr(csv, "\n4,1,200,ok,4800,"));
    zp_free(ctx, csv);
    zp_sweep_outcomes_free(ctx, o, 6);
    zp_sweep_free(ctx, sw);
    zp_ctx_free(ctx);
}

/* ---- allocation failures ------------------------------------------------------ */

typedef struct failer {
    long left; /* allocations to allow before failing; < 0 never fails */
} failer;

static void *failing_alloc(void *ud, void *ptr, size_t nsize)
{
    failer *f = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    return realloc(ptr, nsize);
}

/* Fail each allocation of the read and of the results in turn: every call
 * returns ZP_ENOMEM or succeeds, and ASan's leak checker proves nothing is
 * left behind. */
static void test_alloc_failures(void **state)
{
    (void)state;
    int ok = 0;
    for (long k = 0; k < 5000 && !ok; k++) {
        failer f = {-1};
        zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &f);
        assert_non_null(ctx);
        f.left = k;
        zp_sweep *sw = NULL;
        zp_status rc = load(ctx, GRID, &sw);
        char *json = NULL, *csv = NULL;
        if (rc == ZP_OK) {
            zp_sweep_outcome *o = zp_sweep_outcomes_new(ctx, 6);
            rc = o ? ZP_OK : ZP_ENOMEM;
            for (size_t i = 0; i < 6 && rc == ZP_OK; i++)
                rc = zp_sweep_outcome_set(ctx, &o[i], i, i != 2, i != 2 ? "{\"a\": [1, 2]}" : "no", i != 2 ? 13 : 2);
            if (rc == ZP_OK)
                rc = zp_sweep_results_json(ctx, sw, o, 6, &json);
            if (rc == ZP_OK)
                rc = zp_sweep_results_csv(ctx, sw, o, 6, &csv);
            ok = rc == ZP_OK;
            zp_sweep_outcomes_free(ctx, o, 6);
        }
        if (!ok)
            assert_int_equal(rc, ZP_ENOMEM);
        f.left = -1;
        zp_free(ctx, json);
        zp_free(ctx, csv);
        zp_sweep_free(ctx, sw);
        zp_ctx_free(ctx);
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_form),       cmocka_unit_test(test_path_get_set),
        cmocka_unit_test(test_grid_order),      cmocka_unit_test(test_range_values),
        cmocka_unit_test(test_file_errors),     cmocka_unit_test(test_scenario_errors),
        cmocka_unit_test(test_plan_needs_planning),
        cmocka_unit_test(test_scenario_list),   cmocka_unit_test(test_pool_results),
        cmocka_unit_test(test_simulate_work),   cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
