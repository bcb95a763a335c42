/*
 * curve_json.c - the abatement curve as documents: the `plan --curve
 * --json` document (docs/cli.md "plan") and its CSV, one row per point.
 */
#include "plan/plan_impl.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static const char *status_name(int st)
{
    switch (st) {
    case ZP_PLANNING_OPTIMAL: return "optimal";
    case ZP_PLANNING_INFEASIBLE: return "infeasible";
    case ZP_PLANNING_STOPPED: return "stopped";
    default: return "error";
    }
}

static json_t *point_json(const zp_planning_curve_point *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "target", num(p->target));
    json_object_set_new(o, "status", json_string(status_name(p->status)));
    json_object_set_new(o, "message", json_string(p->status_text));
    json_object_set_new(o, "best_reachable", num(p->best_reachable));
    json_object_set_new(o, "value", num(p->value));
    const zp_planning_annual *a = &p->annual_cny;
    int ok = p->status == ZP_PLANNING_OPTIMAL;
    json_object_set_new(o, "annualised_cost_cny",
                        ok ? json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "capital",
                                       num(a->capital), "om", num(a->om), "operation",
                                       num(a->operation), "certificates", num(a->certificates),
                                       "credits", num(a->credits), "carbon_price",
                                       num(a->carbon_price), "total", num(a->total))
                           : json_null());
    json_object_set_new(o, "capex_cny", num(p->capex_cny));
    json_object_set_new(o, "operation_cost_cny", num(p->operation_cost_cny));
    json_object_set_new(o, "emissions_t", num(p->emissions_t));
    json_object_set_new(o, "abatement_t_per_year", num(p->abatement_t_per_year));
    json_object_set_new(o, "avg_abatement_cost_cny_per_t", num(p->avg_abatement_cost_cny_per_t));
    json_object_set_new(o, "green_share_pct", num(p->green_share_pct));
    json_object_set_new(o, "t_co2_per_tce", num(p->t_co2_per_tce));
    json_object_set_new(o, "clean_energy_share_pct", num(p->clean_energy_share_pct));
    json_object_set_new(o, "shadow_price", num(p->shadow_price));
    json_object_set_new(o, "finite_difference", num(p->finite_difference));
    json_object_set_new(o, "pareto", json_boolean(p->pareto));
    json_t *build = json_object();
    for (size_t i = 0; i < p->nbuild; i++)
        json_object_set_new(build, p->build[i].key, num(p->build[i].value));
    json_object_set_new(o, "build", ok ? build : (json_decref(build), json_null()));
    json_object_set_new(o, "seconds", num(p->seconds));
    return o;
}

zp_status zp_planning_curve_json(zp_ctx *ctx, const zp_planning_curve *c, int indent, char **out)
{
    json_t *doc = json_object();
    if (!doc)
        return zp__nomem(ctx);
    json_object_set_new(doc, "model", json_string(c->model->name));
    json_object_set_new(doc, "target", json_string(c->target));
    json_object_set_new(doc, "target_unit", json_string(c->target_unit));
    json_object_set_new(doc, "shadow_unit", json_string(c->shadow_unit));
    json_object_set_new(doc, "year_share", num(c->year_share));
    json_object_set_new(doc, "unconstrained", point_json(&c->base));
    json_t *pts = json_array();
    for (size_t i = 0; i < c->npoints; i++)
        json_array_append_new(pts, point_json(&c->points[i]));
    json_object_set_new(doc, "points", pts);
    json_object_set_new(doc, "seconds", num(c->seconds));
    char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17) |
                                     (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT));
    json_decref(doc);
    if (!text)
        return zp__nomem(ctx);
    *out = zp__strdup(ctx, text);
    free(text);
    return *out ? ZP_OK : zp__nomem(ctx);
}

/* ---- CSV ------------------------------------------------------------------ */

typedef struct cbuf {
    zp_ctx *ctx;
    char *p;
    size_t len, cap;
    int err;
} cbuf;

static void put(cbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->err)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
        char *q = zp__realloc(b->ctx, b->p, cap);
        if (!q) {
            b->err = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* A number as the JSON writes it (17 significant digits); empty for NaN. */
static void put_num(cbuf *b, double v)
{
    char t[40];
    if (isfinite(v))
        snprintf(t, sizeof t, ",%.17g", v);
    else
        snprintf(t, sizeof t, ",");
    put(b, t);
}

/* The point whose build names the columns: the first that has one. */
static const zp_planning_curve_point *keys_of(const zp_planning_curve *c)
{
    if (c->base.nbuild)
        return &c->base;
    for (size_t i = 0; i < c->npoints; i++)
        if (c->points[i].nbuild)
            return &c->points[i];
    return &c->base;
}

static void put_row(cbuf *b, const zp_planning_curve *c, const zp_planning_curve_point *p)
{
    const zp_planning_curve_point *keys = keys_of(c);
    put(b, isnan(p->target) ? "unconstrained" : "point");
    put_num(b, p->target);
    put(b, ",");
    put(b, status_name(p->status));
    const zp_planning_annual *a = &p->annual_cny;
    int ok = p->status == ZP_PLANNING_OPTIMAL;
    const double v[] = {p->best_reachable, p->value, ok ? a->total : NAN,
                        ok ? a->capital : NAN, ok ? a->om : NAN, ok ? a->operation : NAN,
                        ok ? a->certificates : NAN, ok ? a->credits : NAN,
                        ok ? a->carbon_price : NAN, p->capex_cny, p->operation_cost_cny,
                        p->emissions_t, p->abatement_t_per_year,
                        p->avg_abatement_cost_cny_per_t, p->green_share_pct, p->t_co2_per_tce,
                        p->clean_energy_share_pct, p->shadow_price, p->finite_difference};
    for (size_t i = 0; i < ZP_ARRAY_LEN(v); i++)
        put_num(b, v[i]);
    put(b, ok ? (p->pareto ? ",1" : ",0") : ",");
    for (size_t i = 0; i < keys->nbuild; i++) {
        double x = NAN;
        for (size_t j = 0; ok && j < p->nbuild; j++)
            if (strcmp(p->build[j].key, keys->build[i].key) == 0)
                x = p->build[j].value;
        put_num(b, x);
    }
    put(b, "\n");
}

zp_status zp_planning_curve_csv(zp_ctx *ctx, const zp_planning_curve *c, char **out)
{
    cbuf b = {ctx, NULL, 0, 0, 0};
    const zp_planning_curve_point *keys = keys_of(c);
    put(&b, "kind,target,status,best_reachable,value,total_cny,capital_cny,om_cny,"
            "operation_cny,certificates_cny,credits_cny,carbon_price_cny,capex_cny,"
            "operation_cost_cny,emissions_t,abatement_t_per_year,"
            "avg_abatement_cost_cny_per_t,green_share_pct,t_co2_per_tce,"
            "clean_energy_share_pct,shadow_price,finite_difference,pareto");
    for (size_t i = 0; i < keys->nbuild; i++) {
        put(&b, ",");
        put(&b, keys->build[i].key);
    }
    put(&b, "\n");
    put_row(&b, c, &c->base);
    for (size_t i = 0; i < c->npoints; i++)
        put_row(&b, c, &c->points[i]);
    if (b.err) {
        zp__free(ctx, b.p);
        return zp__nomem(ctx);
    }
    *out = b.p;
    return ZP_OK;
}
