/*
 * work.c - what a sweep's scenario runs, by the name its file gives
 * ("run"), and the CSV columns each shows by default.
 *
 *   plan      the least-cost plan (zp_planning_solve): `zeropark plan
 *             --json`'s document; a plan that is not optimal (a target no
 *             portfolio meets, the solver stopped) fails the scenario
 *             with its message
 *   simulate  the year with the optimal dispatch (zp_simulate, one LP):
 *             `zeropark simulate --dispatch optimal --json`'s document
 * Both without their timings, so that a scenario's result is the same
 * bytes however and wherever it ran.
 */
#include "sweep/sweep_impl.h"
#include "zeropark/plan.h"
#include "zeropark/sim.h"

#include <string.h>

/* The document's text without the keys that time the run, its numbers
 * written again with the digits they had. */
static zp_status untimed(zp_ctx *ctx, const char *text, int digits, char **out)
{
    json_t *doc = json_loads(text, 0, NULL);
    if (!doc)
        return zp__error(ctx, ZP_EINVAL, "the result is not JSON");
    json_t *solver = json_object_get(doc, "solver");
    json_object_del(doc, "seconds");
    json_object_del(solver, "seconds");
    json_object_del(solver, "build_s");
    json_object_del(solver, "solve_s");
    char *t = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(digits));
    json_decref(doc);
    *out = t ? zp__strdup(ctx, t) : NULL;
    free(t);
    return *out ? ZP_OK : zp__nomem(ctx);
}

static zp_status run_simulate(zp_ctx *ctx, const zp_model *m, void *ud, char **result)
{
    (void)ud;
    zp_sim_opts o;
    zp_sim_opts_init(&o);
    o.dispatch = ZP_DISPATCH_OPTIMAL;
    zp_sim_result *r = NULL;
    char *text = NULL;
    zp_status rc = zp_simulate(ctx, m, &o, &r);
    if (rc == ZP_OK)
        rc = zp_sim_result_json(ctx, r, 0, &text);
    if (rc == ZP_OK)
        rc = untimed(ctx, text, 12, result);
    zp_sim_text_free(ctx, text);
    zp_sim_result_free(ctx, r);
    return rc;
}

static zp_status run_plan(zp_ctx *ctx, const zp_model *m, void *ud, char **result)
{
    (void)ud;
    zp_planning_result *r = NULL;
    char *text = NULL;
    zp_status rc = zp_planning_solve(ctx, m, NULL, &r);
    if (rc == ZP_OK && r->status != ZP_PLANNING_OPTIMAL)
        rc = zp__error(ctx, r->status == ZP_PLANNING_ERROR ? ZP_ESOLVER : ZP_EDATA, "%s",
                       r->status_text);
    if (rc == ZP_OK)
        rc = zp_planning_result_json(ctx, r, 0, &text);
    if (rc == ZP_OK)
        rc = untimed(ctx, text, 17, result);
    zp_sim_text_free(ctx, text);
    zp_planning_result_free(ctx, r);
    return rc;
}

static const char *const plan_outputs[] = {
    "build",          "annualised_cost_cny.total",  "operation_cost_cny", "capex_cny",
    "economics.npv_cny", "economics.simple_payback_years", "emissions_t.total_market",
    "green_share_pct", "targets",                  "shadow_prices",      NULL};

static const char *const simulate_outputs[] = {
    "cost_breakdown_cny.total", "emissions_t.total_market", "green_share_pct",
    "energy_kwh.grid_import",   "energy_kwh.curtailed",     "targets",
    NULL};

zp_sweep_fn zp_sweep_fn_by_name(const char *name)
{
    if (name && strcmp(name, "simulate") == 0)
        return run_simulate;
    if (name && strcmp(name, "plan") == 0)
        return run_plan;
    return NULL;
}

const char *const *sw__default_outputs(const char *run)
{
    if (run && strcmp(run, "simulate") == 0)
        return simulate_outputs;
    if (run && strcmp(run, "plan") == 0)
        return plan_outputs;
    static const char *const none[] = {NULL};
    return none;
}
