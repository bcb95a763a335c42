/*
 * work.c - what a sweep's scenario runs, by the name its file gives
 * ("run"), and the CSV columns each shows by default.
 *
 *   simulate  the year with the optimal dispatch (zp_simulate, one LP):
 *             `zeropark simulate --dispatch optimal --json`'s document
 *             without its timings, so that a scenario's result is the
 *             same bytes however and wherever it ran.
 */
#include "sweep/sweep_impl.h"
#include "zeropark/sim.h"

#include <string.h>

/* The document's text without the keys that time the run. */
static zp_status untimed(zp_ctx *ctx, const char *text, char **out)
{
    json_t *doc = json_loads(text, 0, NULL);
    if (!doc)
        return zp__error(ctx, ZP_EINVAL, "the result is not JSON");
    json_object_del(doc, "seconds");
    json_object_del(json_object_get(doc, "solver"), "seconds");
    char *t = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(12));
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
        rc = untimed(ctx, text, result);
    zp_sim_text_free(ctx, text);
    zp_sim_result_free(ctx, r);
    return rc;
}

static const char *const simulate_outputs[] = {
    "cost_breakdown_cny.total", "emissions_t.total_market", "green_share_pct",
    "energy_kwh.grid_import",   "energy_kwh.curtailed",     "targets",
    NULL};

zp_sweep_fn zp_sweep_fn_by_name(const char *name)
{
    if (name && strcmp(name, "simulate") == 0)
        return run_simulate;
    return NULL;
}

const char *const *sw__default_outputs(const char *run)
{
    if (run && strcmp(run, "simulate") == 0)
        return simulate_outputs;
    static const char *const none[] = {NULL};
    return none;
}
