/*
 * json.c - the plan as documents: the `plan --json` result (docs/cli.md
 * "plan") and the out-model, the model's own JSON with the plan's
 * capacities and purchases (docs/planning.md "The out-model").
 */
#define _DEFAULT_SOURCE /* realpath */
#include "plan/plan_impl.h"

#include "sim/evaluate.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static zp_status dump(zp_ctx *ctx, json_t *doc, int indent, char **out)
{
    if (!doc)
        return zp__nomem(ctx);
    char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17) |
                                     (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT));
    json_decref(doc);
    if (!text)
        return zp__nomem(ctx);
    *out = zp__strdup(ctx, text);
    free(text);
    return *out ? ZP_OK : zp__nomem(ctx);
}

static const char *status_name(int st)
{
    switch (st) {
    case ZP_PLANNING_OPTIMAL: return "optimal";
    case ZP_PLANNING_INFEASIBLE: return "infeasible";
    case ZP_PLANNING_STOPPED: return "stopped";
    default: return "error";
    }
}

zp_status zp_planning_result_json(zp_ctx *ctx, const zp_planning_result *r, int indent, char **out)
{
    json_t *doc = json_object();
    if (!doc)
        return zp__nomem(ctx);
    json_object_set_new(doc, "model", json_string(r->model->name));
    json_object_set_new(doc, "status", json_string(status_name(r->status)));
    json_object_set_new(doc, "message", json_string(r->status_text));
    json_object_set_new(doc, "year_share", num(r->year_share));
    json_t *build = json_object();
    for (size_t i = 0; i < r->nbuild; i++)
        json_object_set_new(build, r->build[i].key, num(r->build[i].value));
    json_object_set_new(doc, "build", build);
    const zp_planning_annual *a = &r->annual_cny;
    int ok = r->status == ZP_PLANNING_OPTIMAL;
    json_object_set_new(doc, "annualised_cost_cny",
                        ok ? json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "capital",
                                       num(a->capital), "om", num(a->om), "operation",
                                       num(a->operation), "certificates", num(a->certificates),
                                       "credits", num(a->credits), "carbon_price",
                                       num(a->carbon_price), "total", num(a->total))
                           : json_null());
    json_object_set_new(doc, "operation_cost_cny", ok ? num(r->operation_cost_cny) : json_null());
    if (ok && r->run && r->run->bill)
        json_object_set_new(doc, "cost_breakdown_cny", zp__sim_breakdown_json(&r->run->bill->cost));
    json_object_set_new(doc, "capex_cny", ok ? num(r->capex_cny) : json_null());
    json_t *items = json_array();
    for (size_t i = 0; ok && i < r->nbuild; i++)
        json_array_append_new(items, json_pack("{s:s, s:o, s:o, s:o}", "key", r->build[i].key,
                                               "value", num(r->build[i].value), "capex_cny",
                                               num(r->build[i].capex_cny), "annual_cny",
                                               num(r->build[i].annual_cny)));
    json_object_set_new(doc, "build_costs", items);
    json_object_set_new(
        doc, "economics",
        ok ? json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "baseline_annual_cost_cny",
                       num(r->baseline_annual_cost_cny), "annual_saving_cny",
                       num(r->annual_saving_cny), "npv_cny", num(r->npv_cny),
                       "simple_payback_years", num(r->simple_payback_years), "lcoe_cny_per_kwh",
                       num(r->lcoe_cny_per_kwh), "discount_rate",
                       num(r->model->planning.discount_rate), "analysis_years",
                       r->model->planning.analysis_years)
           : json_null());
    json_t *tg = json_array(), *sp = json_object();
    for (size_t i = 0; i < r->ntargets; i++) {
        const zp_planning_target *t = &r->targets[i];
        json_array_append_new(tg, json_pack("{s:s, s:o, s:o, s:b}", "name", t->name, "limit",
                                            num(t->limit), "value", num(t->value), "met", t->met));
        if (t->binding)
            json_object_set_new(sp, t->name, json_pack("{s:o, s:s}", "value", num(t->shadow_price),
                                                       "unit", t->shadow_unit));
    }
    json_object_set_new(doc, "targets", tg);
    json_object_set_new(doc, "shadow_prices", sp);
    if (ok && r->run) {
        const zp_sim_result *s = r->run;
        json_object_set_new(doc, "energy_kwh",
                            json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "pv", num(s->energy_kwh.pv),
                                      "wind", num(s->energy_kwh.wind), "grid_import",
                                      num(s->energy_kwh.grid_import), "grid_export",
                                      num(s->energy_kwh.grid_export), "curtailed",
                                      num(s->energy_kwh.curtailed), "unserved",
                                      num(s->energy_kwh.unserved)));
        json_object_set_new(doc, "emissions_t",
                            json_pack("{s:o, s:o, s:o}", "scope1", num(s->emissions_t.scope1),
                                      "scope2_market", num(s->emissions_t.scope2_market),
                                      "total_market", num(s->emissions_t.total_market)));
        json_object_set_new(doc, "green_share_pct",
                            json_pack("{s:o, s:o}", "annual_volumetric",
                                      num(s->green_share_volumetric_pct), "hourly_matched",
                                      num(s->green_share_hourly_pct)));
    }
    json_object_set_new(doc, "solver",
                        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "kind",
                                  r->integer ? "MILP (CBC)" : "LP (CLP)", "rows",
                                  (json_int_t)r->rows, "cols", (json_int_t)r->cols, "nnz",
                                  (json_int_t)r->nnz, "integers", (json_int_t)r->integers,
                                  "iterations", (json_int_t)r->iterations, "objective",
                                  num(r->objective), "build_s", num(r->build_s), "solve_s",
                                  num(r->solve_s), "seconds", num(r->seconds)));
    return dump(ctx, doc, indent, out);
}

/* ---- the out-model ---------------------------------------------------------- */

/* obj[key] = v (number) */
static void setnum(json_t *obj, const char *key, double v)
{
    json_object_set_new(obj, key, json_real(v));
}

static json_t *member_obj(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(parent, key, o);
    }
    return o;
}

static json_t *member_arr(json_t *parent, const char *key)
{
    json_t *a = json_object_get(parent, key);
    if (!json_is_array(a)) {
        a = json_array();
        json_object_set_new(parent, key, a);
    }
    return a;
}

static json_t *curve_json(const zp_wind *w)
{
    json_t *c = json_array();
    for (size_t i = 0; i < w->power_curve_len; i++)
        json_array_append_new(c, json_pack("[f, f]", w->power_curve[i][0], w->power_curve[i][1]));
    return c;
}

/* A path of the model relative to its directory, made absolute. */
static void absolute(zp_ctx *ctx, json_t *holder, const char *key, const char *dir)
{
    json_t *v = json_object_get(holder, key);
    const char *s = json_string_value(v);
    if (!s || s[0] == '/' || !dir)
        return;
    char *joined = zp__asprintf(ctx, "%s/%s", dir, s);
    char *real = joined ? realpath(joined, NULL) : NULL;
    json_object_set_new(holder, key, json_string(real ? real : joined ? joined : s));
    free(real);
    zp__free(ctx, joined);
}

/* Every {"csv": PATH, ...} (series references and the weather). */
static void absolute_csv(zp_ctx *ctx, json_t *v, const char *dir)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        if (json_is_string(json_object_get(v, "csv")))
            absolute(ctx, v, "csv", dir);
        json_object_foreach(v, k, x)
            absolute_csv(ctx, x, dir);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
            absolute_csv(ctx, x, dir);
    }
}

static void out_pv(json_t *root, const zp_planning_result *r, const plan_built *b)
{
    const zp_model *m = r->model;
    json_t *arr = member_arr(root, "pv");
    for (size_t i = 0; i < m->npv; i++) {
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o) || b->pv[i].capacity_kwp == m->pv[i].capacity_kwp)
            continue;
        setnum(o, "capacity_kwp", b->pv[i].capacity_kwp);
        if (json_object_get(o, "inverter_kw"))
            setnum(o, "inverter_kw", b->pv[i].inverter_kw);
    }
    for (size_t i = m->npv; i < b->m.npv; i++) {
        const zp_pv *a = &b->pv[i];
        json_array_append_new(arr, json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f}", "name", a->name,
                                             "capacity_kwp", a->capacity_kwp, "tilt_deg",
                                             a->tilt_deg, "azimuth_deg", a->azimuth_deg,
                                             "losses_pct", a->losses_pct, "inverter_kw",
                                             a->inverter_kw, "gamma_pct_per_c", a->gamma_pct_per_c));
    }
}

static void out_wind(json_t *root, const zp_planning_result *r, const plan_built *b)
{
    const zp_model *m = r->model;
    if (b->m.nwind == 0)
        return;
    json_t *arr = member_arr(root, "wind");
    for (size_t i = 0; i < m->nwind; i++) {
        json_t *o = json_array_get(arr, i);
        const zp_wind *w = &b->wind[i];
        if (!json_is_object(o) || (w->count == m->wind[i].count && w->rated_kw == m->wind[i].rated_kw))
            continue;
        json_object_set_new(o, "count", json_integer(w->count));
        setnum(o, "rated_kw", w->rated_kw);
        json_object_set_new(o, "power_curve", curve_json(w));
    }
    for (size_t i = m->nwind; i < b->m.nwind; i++) {
        const zp_wind *w = &b->wind[i];
        json_array_append_new(arr, json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:o}", "name", w->name,
                                             "count", w->count, "rated_kw", w->rated_kw,
                                             "hub_height_m", w->hub_height_m, "measurement_height_m",
                                             w->measurement_height_m, "shear_exponent",
                                             w->shear_exponent, "power_curve", curve_json(w)));
    }
}

static void out_storage(json_t *root, const zp_planning_result *r, const plan_built *b)
{
    const zp_model *m = r->model;
    if (b->m.nstorage == 0)
        return;
    json_t *arr = member_arr(root, "storage");
    for (size_t i = 0; i < m->nstorage; i++) {
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o))
            continue;
        if (b->storage[i].energy_kwh != m->storage[i].energy_kwh)
            setnum(o, "energy_kwh", b->storage[i].energy_kwh);
        if (b->storage[i].power_kw != m->storage[i].power_kw)
            setnum(o, "power_kw", b->storage[i].power_kw);
    }
    for (size_t i = m->nstorage; i < b->m.nstorage; i++) {
        const zp_storage *s = &b->storage[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "name", s->name,
                           "energy_kwh", s->energy_kwh, "power_kw", s->power_kw,
                           "charge_efficiency", s->charge_efficiency, "discharge_efficiency",
                           s->discharge_efficiency, "soc_min", s->soc_min, "soc_max", s->soc_max,
                           "soc_initial", s->soc_initial, "degradation_cny_per_kwh",
                           s->degradation_cny_per_kwh));
    }
}

/* Purchases, the objective in money, the scenario's targets. */
static void out_rest(json_t *root, const zp_planning_result *r, const plan_built *b)
{
    const zp_model *m = r->model, *bm = &b->m;
    if (bm->green_certificates_mwh != m->green_certificates_mwh)
        setnum(member_obj(root, "certificates"), "green_certificates_mwh",
               bm->green_certificates_mwh);
    if (bm->grid.green_power.present && !m->grid.green_power.present)
        json_object_set_new(member_obj(root, "grid"), "green_power",
                            json_pack("{s:f, s:f}", "mwh_per_month", bm->grid.green_power.mwh_per_month,
                                      "premium_cny_per_mwh",
                                      bm->grid.green_power.premium_cny_per_mwh));
    if (bm->objective != m->objective || bm->carbon_price_cny_per_t != m->carbon_price_cny_per_t) {
        static const char *const kinds[] = {"carbon", "cost", "cost_with_carbon_price"};
        json_t *o = member_obj(root, "objective");
        json_object_set_new(o, "minimise", json_string(kinds[bm->objective]));
        if (bm->objective == ZP_MINIMISE_COST_WITH_CARBON_PRICE)
            setnum(o, "carbon_price_cny_per_t", bm->carbon_price_cny_per_t);
        else
            json_object_del(o, "carbon_price_cny_per_t");
    }
    const struct {
        const char *key;
        double was, is;
    } tg[] = {{"max_emissions_t", m->targets.max_emissions_t, bm->targets.max_emissions_t},
              {"min_green_share_pct", m->targets.min_green_share_pct,
               bm->targets.min_green_share_pct}};
    for (size_t i = 0; i < ZP_ARRAY_LEN(tg); i++) {
        if ((isnan(tg[i].was) && isnan(tg[i].is)) || tg[i].was == tg[i].is)
            continue;
        json_t *o = member_obj(root, "targets");
        if (isnan(tg[i].is))
            json_object_del(o, tg[i].key);
        else
            setnum(o, tg[i].key, tg[i].is);
    }
    json_object_del(root, "planning");
}

/* The out-model as text: two-space indents, keys in the model's order,
 * each number in the fewest digits that read back as the same double (so
 * that what the model wrote reads as it did, and a size computed by the
 * plan is exact). */
static void put_value(FILE *f, json_t *v, int depth)
{
    size_t i;
    const char *k;
    json_t *x;
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (!json_object_size(v)) {
            fputs("{}", f);
            break;
        }
        fputs("{", f);
        i = 0;
        json_object_foreach(v, k, x) {
            json_t *key = json_string(k);
            char *ks = key ? json_dumps(key, JSON_ENCODE_ANY) : NULL;
            fprintf(f, "%s\n%*s%s: ", i++ ? "," : "", 2 * (depth + 1), "", ks ? ks : "\"\"");
            free(ks);
            json_decref(key);
            put_value(f, x, depth + 1);
        }
        fprintf(f, "\n%*s}", 2 * depth, "");
        break;
    case JSON_ARRAY:
        if (!json_array_size(v)) {
            fputs("[]", f);
            break;
        }
        /* arrays of numbers (power curves, points) on one line */
        int flat = 1;
        json_array_foreach(v, i, x) flat &= json_is_number(x);
        fputs("[", f);
        json_array_foreach(v, i, x) {
            if (flat)
                fputs(i ? ", " : "", f);
            else
                fprintf(f, "%s\n%*s", i ? "," : "", 2 * (depth + 1), "");
            put_value(f, x, depth + 1);
        }
        if (flat)
            fputs("]", f);
        else
            fprintf(f, "\n%*s]", 2 * depth, "");
        break;
    case JSON_REAL: {
        double d = json_real_value(v);
        for (int p = 15; p <= 17; p++) {
            snprintf(buf, sizeof buf, "%.*g", p, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        if (!strpbrk(buf, ".eEn"))
            strcat(buf, ".0");
        fputs(buf, f);
        break;
    }
    default: {
        char *t = json_dumps(v, JSON_ENCODE_ANY);
        fputs(t ? t : "null", f);
        free(t);
        break;
    }
    }
}

static zp_status dump_model(zp_ctx *ctx, json_t *root, char **out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        json_decref(root);
        return zp__nomem(ctx);
    }
    put_value(f, root, 0);
    int bad = fclose(f) != 0;
    json_decref(root);
    if (bad || !text) {
        free(text);
        return zp__nomem(ctx);
    }
    *out = zp__strdup(ctx, text);
    free(text);
    return *out ? ZP_OK : zp__nomem(ctx);
}

zp_status zp_planning_out_model(zp_ctx *ctx, const zp_planning_result *r, const char *json,
                                size_t len, const char *out_dir, char **out)
{
    if (!r || r->status != ZP_PLANNING_OPTIMAL || !r->priv_)
        return zp__error(ctx, ZP_EINVAL, "plan: there is no plan to write (status %s)",
                         r ? status_name(r->status) : "none");
    json_error_t err;
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY, &err);
    if (!json_is_object(root)) {
        json_decref(root);
        return zp__error(ctx, ZP_EPARSE, "plan: the model's JSON does not parse: %s", err.text);
    }
    const plan_built *b = &((const result_priv *)r->priv_)->built;
    out_pv(root, r, b);
    out_wind(root, r, b);
    out_storage(root, r, b);
    out_rest(root, r, b);
    const char *dir = r->model->dir;
    int same = !out_dir || (dir && strcmp(out_dir, dir) == 0);
    if (!same && dir) {
        char *a = realpath(dir, NULL), *o = realpath(out_dir, NULL);
        same = a && o && strcmp(a, o) == 0;
        free(a);
        free(o);
    }
    if (!same) {
        absolute_csv(ctx, root, dir);
        json_t *acc = json_object_get(root, "accounting");
        const char *fs = json_string_value(json_object_get(acc, "factor_set"));
        if (fs && strcmp(fs, "builtin") != 0)
            absolute(ctx, acc, "factor_set", dir);
    }
    return dump_model(ctx, root, out);
}
