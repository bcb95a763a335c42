/*
 * test_plan_curve.c - the abatement curve (`plan --curve`,
 * zp_planning_curve_solve; docs/planning.md "Curve").
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
#include <jansson.h>
#include "zeropark/zeropark.h"

#define MODELS_DIR ZP_SOURCE_DIR "/tests/unit/models"

/* One day (2024-01-01: the year share f = 1/372), 1000 kW of load all
 * day, 1 CNY/kWh, grid and residual factor 0.5 kg/kWh. */
#define DAY                                                                                \
    "{\"name\": \"day\",\n"                                                                \
    " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-02T00:00:00+08:00\"},\n" \
    " \"site\": {\"lat_deg\": 24.8, \"lon_deg\": 113.6}, \"weather\": {\"csv\": \"data/weather.csv\"},\n" \
    " \"grid\": {\"price_cny_per_kwh\": 1.0, \"emission_factor_kg_per_kwh\": 0.5},\n"     \
    " \"accounting\": {\"residual_factor_kg_per_kwh\": 0.5},\n"                           \
    " \"loads\": [{\"name\": \"l\", \"power_kw\": 1000}],\n"

static zp_model *load_text(zp_ctx *ctx, const char *json)
{
    zp_model *m = NULL;
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "model.json", MODELS_DIR, 0, &m);
    if (rc)
        print_message("  %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    return m;
}

static zp_planning_curve *curve(zp_ctx *ctx, const zp_model *m, const char *t, double from,
                                double to, size_t n)
{
    zp_planning_curve *c = NULL;
    zp_status rc = zp_planning_curve_solve(ctx, m, NULL, t, from, to, n, &c);
    if (rc)
        print_message("  %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    return c;
}

static double build_of(const zp_planning_curve_point *p, const char *key)
{
    for (size_t i = 0; i < p->nbuild; i++)
        if (strcmp(p->build[i].key, key) == 0)
            return p->build[i].value;
    fail_msg("no build key %s", key);
    return NAN;
}

/* A cap met by certificates at a known price. By hand: 24 MWh a day at
 * 0.5 t/MWh is 12 t in the day unconstrained. A cap of L t needs
 * (12 - L) / 0.5 MWh of certificates in the day, (12 - L) x 2 x 372 MWh a
 * year, at 5 CNY/MWh: the annualised total rises 3720 CNY per t of the
 * day's cap, i.e. by price / factor = 5 / 0.5 = 10 CNY per tonne a year
 * (a tonne a year is 1/372 t of the day): the shadow price, the finite
 * difference and the average abatement cost are all 10 CNY/t. 5000 MWh a
 * year can take at most 5000 / 372 / 2 = 6.720430 t off the day: a cap of
 * 4 t is infeasible, recorded with its best reachable 5.279570 t. */
static void test_linear_by_certificates(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const char *json = DAY " \"targets\": {\"max_emissions_t\": 11},\n"
        " \"planning\": {\"certificates\": {\"price_cny_per_mwh\": 5, \"max_mwh_per_year\": 5000}}}\n";
    zp_model *m = load_text(ctx, json);
    zp_planning_curve *c = curve(ctx, m, "max_emissions_t", 12, 4, 5);
    assert_int_equal(c->npoints, 5);
    const double base = 24000.0 * 372.0; /* the bill: 24 MWh at 1 CNY, a year */
    assert_int_equal(c->base.status, ZP_PLANNING_OPTIMAL);
    assert_near(c->base.annual_cny.total, base, 1e-6);
    assert_near(c->base.emissions_t, 12.0, 1e-9);
    for (size_t i = 0; i < 4; i++) {
        const zp_planning_curve_point *p = &c->points[i];
        double L = 12.0 - 2.0 * (double)i;
        assert_near(p->target, L, 1e-12);
        assert_int_equal(p->status, ZP_PLANNING_OPTIMAL);
        assert_near(p->annual_cny.total, base + 3720.0 * (12.0 - L), 1e-6);
        assert_near(build_of(p, "certificates_mwh"), (12.0 - L) * 2.0 * 372.0, 1e-6);
        assert_near(p->emissions_t, L, 1e-9);
        assert_near(p->abatement_t_per_year, (12.0 - L) * 372.0, 1e-6);
        assert_near(p->finite_difference, 10.0, 1e-9);
        if (i > 0) {
            assert_near(p->shadow_price, 10.0, 1e-6);
            assert_near(p->avg_abatement_cost_cny_per_t, 10.0, 1e-9);
        }
    }
    assert_int_equal(c->points[4].status, ZP_PLANNING_INFEASIBLE);
    assert_near(c->points[4].best_reachable, 12.0 - 5000.0 / 372.0 / 2.0, 1e-8);
    assert_true(isnan(c->points[4].annual_cny.total));
    /* the model's own cap (11 t) is what the curve replaces: the
     * unconstrained plan buys nothing */
    assert_near(build_of(&c->base, "certificates_mwh"), 0.0, 1e-9);
    zp_planning_curve_free(ctx, c);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* A green-share curve over PV, a battery and certificates: a tighter
 * target never lowers the total, and the shadow price at each interior
 * point lies between the one-sided finite differences of the total to its
 * neighbours. The optimum of an LP as a function of a right-hand side is
 * convex and piecewise linear, and the row's dual is a subgradient of it
 * (LP sensitivity): left slope <= dual <= right slope, exactly. The
 * tolerance, 1e-4 x |slope| + 1e-3 CNY/pct, covers what the total (the
 * bill as simulate computes it) leaves out of the LP's objective: the
 * small epsilons that order ties (docs/methodology.md "Optimal dispatch"),
 * a few CNY against slopes of thousands of CNY per point. */
static void test_monotone_and_shadow_bracketed(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const char *json = DAY
        " \"planning\": {\"pv\": [{\"name\": \"new\", \"tilt_deg\": 20, \"azimuth_deg\": 180,"
        " \"capex_cny_per_kwp\": 4000, \"lifetime_years\": 25, \"max_kwp\": 3000}],\n"
        "  \"storage\": [{\"name\": \"bat\", \"capex_cny_per_kwh\": 1000, \"capex_cny_per_kw\": 300,"
        " \"lifetime_years\": 12, \"max_kwh\": 4000, \"max_kw\": 1000}],\n"
        "  \"certificates\": {\"price_cny_per_mwh\": 60, \"max_mwh_per_year\": 2000}}}\n";
    zp_model *m = load_text(ctx, json);
    zp_planning_curve *c = curve(ctx, m, "min_green_share_pct", 0, 60, 13);
    double prev = -INFINITY;
    size_t nok = 0;
    for (size_t i = 0; i < c->npoints; i++) {
        const zp_planning_curve_point *p = &c->points[i];
        if (p->status != ZP_PLANNING_OPTIMAL)
            continue;
        nok++;
        assert_true(p->annual_cny.total >= prev - 1e-6 * fabs(prev));
        prev = p->annual_cny.total;
        assert_true(p->value >= p->target - 1e-6);
    }
    assert_true(nok >= 5);
    /* the curve must rise somewhere, or the test proves nothing */
    assert_true(c->points[nok - 1].annual_cny.total > c->points[0].annual_cny.total + 1.0);
    size_t checked = 0;
    for (size_t i = 1; i + 1 < nok; i++) {
        const zp_planning_curve_point *a = &c->points[i - 1], *p = &c->points[i],
                                      *b = &c->points[i + 1];
        double left = (p->annual_cny.total - a->annual_cny.total) / (p->target - a->target);
        double right = (b->annual_cny.total - p->annual_cny.total) / (b->target - p->target);
        double tol = 1e-4 * fmax(fabs(left), fabs(right)) + 1e-3;
        print_message("  %g %%: left %.6f, shadow %.6f, right %.6f CNY/pct\n", p->target, left,
                      p->shadow_price, right);
        assert_true(left <= right + tol); /* convex */
        assert_true(p->shadow_price >= left - tol);
        assert_true(p->shadow_price <= right + tol);
        checked += p->shadow_price > 0;
    }
    assert_true(checked >= 3);
    /* by hand, where certificates make the margin (PV and the battery at
     * their best already): a point of the share is 1 % of 24 MWh = 0.24 MWh
     * in the day, 0.24 x 372 = 89.28 MWh a year at 60 CNY/MWh = 5356.8 CNY */
    assert_near(c->points[8].target, 40.0, 1e-12);
    assert_near(c->points[8].shadow_price, 5356.8, 1e-6);
    zp_planning_curve_free(ctx, c);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* The JSON and CSV say the same, and an unknown target is refused by name. */
static void test_documents(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const char *json = DAY
        " \"planning\": {\"certificates\": {\"price_cny_per_mwh\": 5, \"max_mwh_per_year\": 5000}}}\n";
    zp_model *m = load_text(ctx, json);
    zp_planning_curve *c = NULL;
    assert_int_equal(zp_planning_curve_solve(ctx, m, NULL, "max_pue", 1, 2, 3, &c), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "\"max_pue\" is not a target a curve can sweep"));
    assert_int_equal(zp_planning_curve_solve(ctx, m, NULL, "min_green_share_pct", 0, 120, 3, &c),
                     ZP_EINVAL);
    c = curve(ctx, m, "max_t_co2_per_tce", 1.6, 0.8, 3);
    char *j = NULL, *csv = NULL;
    assert_int_equal(zp_planning_curve_json(ctx, c, 0, &j), ZP_OK);
    assert_int_equal(zp_planning_curve_csv(ctx, c, &csv), ZP_OK);
    json_error_t err;
    json_t *doc = json_loads(j, 0, &err);
    assert_non_null(doc);
    json_t *pts = json_object_get(doc, "points");
    assert_int_equal(json_array_size(pts), 3);
    char *line = strtok(csv, "\n"); /* header */
    assert_non_null(strstr(line, "kind,target,status,best_reachable,value,total_cny"));
    size_t row = 0;
    while ((line = strtok(NULL, "\n"))) {
        json_t *p = row ? json_array_get(pts, row - 1) : json_object_get(doc, "unconstrained");
        char kind[32], status[32];
        double target, best, value, total;
        /* target may be empty (the unconstrained row) */
        char *q = line;
        assert_int_equal(sscanf(q, "%31[^,]", kind), 1);
        q = strchr(q, ',') + 1;
        target = *q == ',' ? NAN : strtod(q, NULL);
        q = strchr(q, ',') + 1;
        assert_int_equal(sscanf(q, "%31[^,]", status), 1);
        q = strchr(q, ',') + 1;
        best = *q == ',' ? NAN : strtod(q, NULL);
        q = strchr(q, ',') + 1;
        value = strtod(q, NULL);
        q = strchr(q, ',') + 1;
        total = strtod(q, NULL);
        assert_string_equal(status, json_string_value(json_object_get(p, "status")));
        assert_string_equal(kind, row ? "point" : "unconstrained");
        if (row)
            assert_true(target == json_real_value(json_object_get(p, "target")));
        assert_true(isnan(best) == json_is_null(json_object_get(p, "best_reachable")));
        assert_true(value == json_real_value(json_object_get(p, "value")));
        assert_true(total == json_real_value(json_object_get(
                                 json_object_get(p, "annualised_cost_cny"), "total")));
        row++;
    }
    assert_int_equal(row, 4);
    json_decref(doc);
    zp_sim_text_free(ctx, j);
    zp_sim_text_free(ctx, csv);
    zp_planning_curve_free(ctx, c);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_by_certificates),
        cmocka_unit_test(test_monotone_and_shadow_bracketed),
        cmocka_unit_test(test_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
