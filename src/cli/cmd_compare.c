/*
 * cmd_compare.c - `zeropark compare MODEL`: the rule-based, rolling-horizon
 * and perfect-foresight dispatch side by side, and what optimisation buys.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <string.h>

#include "opts.h"
#include "simopts.h"
#include "util.h"

static const char usage_text[] =
    "usage: zeropark compare MODEL [options]\n"
    "\n"
    "Simulate the park three times - rule-based dispatch, rolling-horizon MPC on\n"
    "forecasts, and the perfect-foresight optimum - and show side by side the\n"
    "model's objective, emissions, cost, hourly-matched green share and unserved\n"
    "energy, with each method's change against the rule.\n"
    "\n"
    "Options:\n"
    "  --step-min N          run at N-minute steps (default: the model's)\n"
    "  --horizon-h H, --replan-h H, --pv-forecast M, --load-forecast M,\n"
    "  --wind-forecast M, --noise-pct P, --seed N\n"
    "                        MPC settings, as for `zeropark simulate`\n"
    "  --reserve             hold the model's resilience reserve in MPC and optimal\n"
    "                        (the rule cannot hold one, so by default none does)\n"
    "  --json                print the comparison as JSON (docs/cli.md)\n"
    "  -h, --help            show this help\n";

static int run(int argc, char **argv);
const cli_cmd cmd_compare = {"compare", "rule vs MPC vs optimal dispatch, side by side", usage_text, run};

static const char *const method_names[] = {"rule", "mpc", "optimal"};

/* compare runs every method: --dispatch is a usage error. */
static int refuse_dispatch(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    return cli_usage_error(cmd, "--dispatch: compare runs every method");
}

static int run(int argc, char **argv)
{
    cli_sim_args sim;
    cli_sim_args_init(&sim);
    bool json = false, reserve = false;
    cli_opt opts[] = {CLI_STEP_MIN(&sim.so.step_min), CLI_FLAG("json", &json),
                      CLI_FLAG("reserve", &reserve), CLI_CALL("dispatch", refuse_dispatch, NULL),
                      CLI_MPC_OPTS(&sim), CLI_END};
    int exit_code;
    if (!cli_opts_parse(&cmd_compare, opts, argc, argv, &exit_code))
        return exit_code;
    if ((exit_code = cli_one_operand(&cmd_compare, argc, "MODEL")))
        return exit_code;
    zp_sim_opts so = sim.so;
    so.no_reserve = !reserve;
    const char *path = argv[optind];
    zp_ctx *ctx = cli_ctx_new("compare");
    if (!ctx)
        return EXIT_INTERNAL;
    zp_model *m = NULL;
    zp_sim_result *r[3] = {NULL, NULL, NULL};
    zp_status rc;
    if ((exit_code = cli_model_load("compare", ctx, path, 0, &m)))
        goto out;
    const zp_dispatch_method methods[3] = {ZP_DISPATCH_RULE, ZP_DISPATCH_MPC, ZP_DISPATCH_OPTIMAL};
    for (int i = 0; i < 3; i++) {
        so.dispatch = methods[i];
        if ((rc = zp_simulate(ctx, m, &so, &r[i]))) {
            exit_code = cli_fail("compare", ctx, rc);
            goto out;
        }
    }
    const char *unit = m->objective == ZP_MINIMISE_CARBON ? "kg CO2" : "CNY";
    const char *obj = m->objective == ZP_MINIMISE_CARBON ? "carbon"
                      : m->objective == ZP_MINIMISE_COST ? "cost" : "cost_with_carbon_price";
    if (json) {
        json_t *arr = json_array();
        for (int i = 0; i < 3; i++) {
            const zp_sim_result *x = r[i];
            double red = r[0]->objective != 0 ? 100.0 * (r[0]->objective - x->objective) / fabs(r[0]->objective) : 0.0;
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:f}",
                               "method", method_names[i], "dispatch", x->dispatch, "objective",
                               x->objective, "objective_reduction_vs_rule_pct", red,
                               "emissions_total_market_t", x->emissions_t.total_market,
                               "emissions_total_location_t", x->emissions_t.total_location,
                               "cost_cny", x->cost_cny, "green_share_hourly_pct",
                               x->green_share_hourly_pct, "unserved_kwh", x->energy_kwh.unserved,
                               "curtailed_kwh", x->energy_kwh.curtailed, "solves",
                               (json_int_t)x->solves, "fallbacks", (json_int_t)x->fallbacks,
                               "seconds", x->seconds));
        }
        json_t *doc = json_pack("{s:s, s:s, s:s, s:o}", "model", m->name, "objective", obj,
                                "objective_unit", unit, "methods", arr);
        cli_print_json(doc);
        json_decref(doc);
    } else {
        printf("%s  (%s)\nobjective: minimise %s (%s)\n\n", m->name, path, obj, unit);
        printf("  %-30s %16s %16s %16s\n", "", "rule", "mpc", "optimal");
        double chg[3] = {0, 0, 0};
        for (int i = 1; i < 3; i++)
            chg[i] = r[0]->objective ? 100.0 * (r[i]->objective - r[0]->objective) / fabs(r[0]->objective)
                                     : 0.0;
#define ROW3(label, expr, dec, pct)                                                            \
    printf("  %-30s %*s%s %*s%s %*s%s\n", label, 16 - (pct), CLI_NUM(r[0]->expr, dec), (pct) ? "%" : "", \
           16 - (pct), CLI_NUM(r[1]->expr, dec), (pct) ? "%" : "", 16 - (pct),                 \
           CLI_NUM(r[2]->expr, dec), (pct) ? "%" : "")
        ROW3("objective", objective, 0, 0);
        printf("  %-30s %16s %15s%% %15s%%\n", "  change vs rule", "", CLI_NUM(chg[1], 2),
               CLI_NUM(chg[2], 2));
        ROW3("emissions, market (t CO2)", emissions_t.total_market, 1, 0);
        ROW3("emissions, location (t CO2)", emissions_t.total_location, 1, 0);
        ROW3("energy cost (CNY)", cost_cny, 0, 0);
        ROW3("green share, hourly matched", green_share_hourly_pct, 1, 1);
        ROW3("unserved (MWh)", energy_kwh.unserved / 1e3, 1, 0);
        ROW3("curtailed (MWh)", energy_kwh.curtailed / 1e3, 1, 0);
        ROW3("run time (s)", seconds, 2, 0);
#undef ROW3
        for (int i = 1; i < 3; i++)
            if (r[i]->fallbacks)
                printf("\n  note: %s: %zu of %zu LP solves fell back to the rule\n", method_names[i],
                       r[i]->fallbacks, r[i]->solves);
    }
out:
    for (int i = 0; i < 3; i++)
        zp_sim_result_free(ctx, r[i]);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return exit_code;
}
