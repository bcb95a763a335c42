/*
 * compare.c - the dispatch methods side by side and what the optimum's
 * saving comes from (zeropark/compare.h; docs/methodology.md "What
 * optimisation buys").
 *
 * The split holds one more lever fixed at each stage and bills every run
 * with the real tariff: the optimum planned on a flat price (the tariff's
 * periods), then the park with its batteries idle (a copy of the model
 * without storage), then with its flexible loads firm as well. A lever's
 * share is how much the optimum's saving over the rule shrinks when it is
 * held, so the shares add up to the saving.
 */
#include "core/internal.h"
#include "sim/sim_impl.h"
#include "zeropark/compare.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[3] = {"rule", "mpc", "optimal"};
static const zp_dispatch_method methods[3] = {ZP_DISPATCH_RULE, ZP_DISPATCH_MPC,
                                              ZP_DISPATCH_OPTIMAL};

void zp_compare_opts_init(zp_compare_opts *o)
{
    memset(o, 0, sizeof *o);
    zp_sim_opts_init(&o->sim);
    o->sim.no_reserve = 1;
    o->split = 1;
}

void zp_compare_free(zp_ctx *ctx, zp_compare *c)
{
    if (!c)
        return;
    for (int i = 0; i < 3; i++)
        zp_sim_result_free(ctx, c->run[i]);
    zp__free(ctx, c);
}

/* The bill of one run of m with dispatch d (and the flat plan or not). */
static zp_status bill_of(zp_ctx *ctx, const zp_model *m, const zp_sim_opts *base,
                         zp_dispatch_method d, int flat, double *bill)
{
    zp_sim_opts so = *base;
    zp_sim_result *r = NULL;
    so.dispatch = d;
    so.flat_price_plan = flat;
    zp_status rc = zp_simulate(ctx, m, &so, &r);
    if (rc == ZP_OK)
        *bill = r->cost_cny;
    zp_sim_result_free(ctx, r);
    return rc;
}

/* The run's time-weighted mean import price: the flat plan's price. */
static double mean_price(const zp_sim_result *r)
{
    if (!r->price_cny_per_kwh || !r->steps)
        return r->model->grid.price_cny_per_kwh.constant;
    double sum = 0;
    for (size_t t = 0; t < r->steps; t++)
        sum += r->price_cny_per_kwh[t];
    return sum / (double)r->steps;
}

/* The split (compare.h): five more runs on m and two copies of it, one
 * without batteries, one also without flexible loads. The copies share
 * m's arrays and are never freed as models. */
static zp_status split(zp_ctx *ctx, const zp_model *m, const zp_sim_opts *so, zp_compare *c)
{
    zp_compare_split *s = &c->split;
    const double rule = c->run[0]->cost_cny, opt = c->run[2]->cost_cny;
    zp_model idle = *m, firm = *m;
    idle.storage = firm.storage = NULL;
    idle.nstorage = firm.nstorage = 0;
    zp_load *loads = zp__calloc(ctx, m->nloads + 1, sizeof *loads);
    if (!loads)
        return zp__nomem(ctx);
    for (size_t i = 0; i < m->nloads; i++) {
        loads[i] = m->loads[i];
        loads[i].flexible.present = 0;
        loads[i].flexible.share = 0;
    }
    firm.loads = loads;
    firm.datacenter.flexible.present = 0;
    firm.datacenter.flexible.share = 0;
    zp_status rc;
    if ((rc = bill_of(ctx, m, so, ZP_DISPATCH_OPTIMAL, 1, &s->bill_optimal_flat)) ||
        (rc = bill_of(ctx, &idle, so, ZP_DISPATCH_RULE, 0, &s->bill_rule_no_storage)) ||
        (rc = bill_of(ctx, &idle, so, ZP_DISPATCH_OPTIMAL, 1, &s->bill_optimal_flat_no_storage)) ||
        (rc = bill_of(ctx, &firm, so, ZP_DISPATCH_RULE, 0, &s->bill_rule_firm)) ||
        (rc = bill_of(ctx, &firm, so, ZP_DISPATCH_OPTIMAL, 1, &s->bill_optimal_flat_firm))) {
        zp__free(ctx, loads);
        return rc;
    }
    zp__free(ctx, loads);
    const double with_all = rule - s->bill_optimal_flat;
    const double no_storage = s->bill_rule_no_storage - s->bill_optimal_flat_no_storage;
    const double none = s->bill_rule_firm - s->bill_optimal_flat_firm;
    s->saving_cny = rule - opt;
    s->tariff_periods_cny = s->bill_optimal_flat - opt;
    s->battery_cny = with_all - no_storage;
    s->flexible_cny = no_storage - none;
    s->other_cny = none;
    s->flat_price_cny_per_kwh = mean_price(c->run[2]);
    c->has_split = 1;
    return ZP_OK;
}

zp_status zp_compare_run(zp_ctx *ctx, const zp_model *m, const zp_compare_opts *opts,
                         zp_compare **out)
{
    zp_compare_opts o;
    if (!ctx)
        return ZP_EINVAL;
    if (!m || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_compare_run: NULL argument");
    if (opts)
        o = *opts;
    else
        zp_compare_opts_init(&o);
    zp_compare *c = zp__calloc(ctx, 1, sizeof *c);
    if (!c)
        return zp__nomem(ctx);
    c->model = m;
    zp_status rc = ZP_OK;
    for (int i = 0; i < 3 && !rc; i++) {
        zp_sim_opts so = o.sim;
        so.dispatch = methods[i];
        so.flat_price_plan = 0;
        rc = zp_simulate(ctx, m, &so, &c->run[i]);
    }
    if (!rc && o.split)
        rc = split(ctx, m, &o.sim, c);
    if (rc) {
        zp_compare_free(ctx, c);
        return rc;
    }
    *out = c;
    return ZP_OK;
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* The highest month's peak import of a run (kW). */
static double peak_of(const zp_sim_result *r)
{
    double p = 0;
    for (size_t i = 0; r->bill && i < r->bill->nmonths; i++)
        if (r->bill->months[i].peak_import_kw > p)
            p = r->bill->months[i].peak_import_kw;
    return p;
}

static json_t *method_json(const zp_compare *c, int i)
{
    const zp_sim_result *x = c->run[i], *rule = c->run[0];
    double red = rule->objective != 0
                     ? 100.0 * (rule->objective - x->objective) / fabs(rule->objective)
                     : 0.0;
    json_t *wear = json_array();
    for (size_t s = 0; x->bill && s < x->bill->nstorage; s++) {
        const zp_bill_wear *w = &x->bill->storage[s];
        json_array_append_new(
            wear, json_pack("{s:s?, s:o, s:o, s:o}", "name", w->name,
                            "equivalent_full_cycles_per_year", num(w->cycles_per_year),
                            "capacity_fade_pct_per_year", num(100.0 * w->fade_per_year),
                            "degradation_cny", num(w->degradation_cny)));
    }
    zp_bill_breakdown none = {0};
    return json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o}",
        "method", method_names[i], "dispatch", x->dispatch, "objective", num(x->objective),
        "objective_reduction_vs_rule_pct", num(red), "emissions_total_market_t",
        num(x->emissions_t.total_market), "emissions_total_location_t",
        num(x->emissions_t.total_location), "cost_cny", num(x->cost_cny), "cost_breakdown_cny",
        zp__sim_breakdown_json(x->bill ? &x->bill->cost : &none), "peak_import_kw", num(peak_of(x)),
        "green_share_hourly_pct", num(x->green_share_hourly_pct), "unserved_kwh",
        num(x->energy_kwh.unserved), "curtailed_kwh", num(x->energy_kwh.curtailed), "solves",
        (json_int_t)x->solves, "fallbacks", (json_int_t)x->fallbacks, "seconds", num(x->seconds),
        "storage_wear", wear);
}

static json_t *split_json(const zp_compare_split *s)
{
    return json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:[s,s,s,s], s:o, s:{s:o, s:o, s:o, s:o, s:o}}", "of",
        "optimal", "saving_cny", num(s->saving_cny), "tariff_periods_cny",
        num(s->tariff_periods_cny), "battery_cny", num(s->battery_cny), "flexible_load_cny",
        num(s->flexible_cny), "other_cny", num(s->other_cny), "order", "tariff_periods",
        "battery", "flexible_load", "other", "flat_price_cny_per_kwh",
        num(s->flat_price_cny_per_kwh), "bills_cny", "optimal_flat_price",
        num(s->bill_optimal_flat), "rule_storage_idle", num(s->bill_rule_no_storage),
        "optimal_flat_price_storage_idle", num(s->bill_optimal_flat_no_storage),
        "rule_storage_idle_load_firm", num(s->bill_rule_firm),
        "optimal_flat_price_storage_idle_load_firm", num(s->bill_optimal_flat_firm));
}

zp_status zp_compare_json(zp_ctx *ctx, const zp_compare *c, int indent, char **out)
{
    static const char *const obj_names[] = {"carbon", "cost", "cost_with_carbon_price"};
    if (!ctx)
        return ZP_EINVAL;
    if (!c || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_compare_json: NULL argument");
    const zp_model *m = c->model;
    json_t *arr = json_array();
    for (int i = 0; arr && i < 3; i++)
        if (json_array_append_new(arr, method_json(c, i))) {
            json_decref(arr);
            arr = NULL;
        }
    json_t *doc = arr ? json_pack("{s:s, s:s, s:s, s:o, s:o}", "model", m->name, "objective",
                                  obj_names[m->objective], "objective_unit",
                                  m->objective == ZP_MINIMISE_CARBON ? "kg CO2" : "CNY",
                                  "methods", arr, "split",
                                  c->has_split ? split_json(&c->split) : json_null())
                      : NULL;
    if (!doc)
        return zp__nomem(ctx);
    char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12) |
                                     (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT));
    json_decref(doc);
    char *copy = text ? zp__strdup(ctx, text) : NULL;
    free(text);
    if (!copy)
        return zp__nomem(ctx);
    *out = copy;
    return ZP_OK;
}
