/*
 * cmd_compare.c - `zeropark compare MODEL`: the rule-based, rolling-horizon
 * and perfect-foresight dispatch side by side, and what optimisation buys.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "simopts.h"
#include "util.h"

const char cmd_compare_usage[] =
    "usage: zeropark compare MODEL [options]\n"
    "\n"
    "Simulate the park three times - rule-based dispatch, rolling-horizon MPC on\n"
    "forecasts, and the perfect-foresight optimum - and show side by side the\n"
    "model's objective, emissions, the bill in parts (energy, demand and capacity\n"
    "charges, export revenue, battery wear, green-power premium), the monthly\n"
    "peak, hourly-matched green share and unserved energy, with each method's\n"
    "change against the rule; then what the optimum's saving comes from (tariff\n"
    "periods, battery, flexible load), by five more runs with one lever held\n"
    "at a time (docs/methodology.md \"What optimisation buys\").\n"
    "\n"
    "Options:\n"
    "  --step-min N          run at N-minute steps (default: the model's)\n"
    "  --horizon-h H, --replan-h H, --pv-forecast M, --load-forecast M,\n"
    "  --wind-forecast M, --noise-pct P, --seed N\n"
    "                        MPC settings, as for `zeropark simulate`\n"
    "  --reserve             hold the model's resilience reserve in MPC and optimal\n"
    "                        (the rule cannot hold one, so by default none does)\n"
    "  --no-split            leave out the runs that split the optimum's saving\n"
    "  --json                print the comparison as JSON (docs/cli.md)\n"
    "  -h, --help            show this help\n";

static const char *const method_names[] = {"rule", "mpc", "optimal"};

/* compare runs every method: --dispatch is a usage error. */
static int refuse_dispatch(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    return cli_usage_error(cmd, "--dispatch: compare runs every method");
}

/* The three methods side by side (zp_compare_run), their bills, and what
 * the optimum's saving comes from. */
static void print_text(const zp_compare *c, const char *path)
{
    const zp_model *m = c->model;
    zp_sim_result *const *r = c->run;
    const char *unit = m->objective == ZP_MINIMISE_CARBON ? "kg CO2" : "CNY";
    const char *obj = m->objective == ZP_MINIMISE_CARBON ? "carbon"
                      : m->objective == ZP_MINIMISE_COST ? "cost" : "cost_with_carbon_price";
    printf("%s  (%s)\nobjective: minimise %s (%s)\n\n", m->name, path, obj, unit);
    printf("  %-30s %16s %16s %16s\n", "", "rule", "mpc", "optimal");
    double chg[3] = {0, 0, 0}, peak[3] = {0, 0, 0};
    for (int i = 1; i < 3; i++)
        chg[i] = r[0]->objective ? 100.0 * (r[i]->objective - r[0]->objective) / fabs(r[0]->objective)
                                 : 0.0;
    for (int i = 0; i < 3; i++)
        for (size_t k = 0; k < r[i]->bill->nmonths; k++)
            peak[i] = fmax(peak[i], r[i]->bill->months[k].peak_import_kw);
#define ROW3(label, expr, dec, pct)                                                            \
    printf("  %-30s %*s%s %*s%s %*s%s\n", label, 16 - (pct), CLI_NUM(r[0]->expr, dec), (pct) ? "%" : "", \
           16 - (pct), CLI_NUM(r[1]->expr, dec), (pct) ? "%" : "", 16 - (pct),                 \
           CLI_NUM(r[2]->expr, dec), (pct) ? "%" : "")
    ROW3("objective", objective, 0, 0);
    printf("  %-30s %16s %15s%% %15s%%\n", "  change vs rule", "", CLI_NUM(chg[1], 2),
           CLI_NUM(chg[2], 2));
    ROW3("emissions, market (t CO2)", emissions_t.total_market, 1, 0);
    ROW3("emissions, location (t CO2)", emissions_t.total_location, 1, 0);
    ROW3("energy cost (CNY)", bill->cost.energy, 0, 0);
    ROW3("demand charge (CNY)", bill->cost.demand, 0, 0);
    ROW3("capacity charge (CNY)", bill->cost.capacity, 0, 0);
    ROW3("less export revenue (CNY)", bill->cost.export_revenue, 0, 0);
    ROW3("battery wear (CNY)", bill->cost.degradation, 0, 0);
    ROW3("green-power premium (CNY)", bill->cost.green_power, 0, 0);
    ROW3("bill (CNY)", cost_cny, 0, 0);
    printf("  %-30s %16s %16s %16s\n", "highest monthly peak (kW)", CLI_NUM(peak[0], 0),
           CLI_NUM(peak[1], 0), CLI_NUM(peak[2], 0));
    for (size_t s = 0; s < r[0]->bill->nstorage; s++) {
        char label[64];
        snprintf(label, sizeof label, "%.24s: cycles a year", r[0]->bill->storage[s].name);
        ROW3(label, bill->storage[s].cycles_per_year, 1, 0);
    }
    ROW3("green share, hourly matched", green_share_hourly_pct, 1, 1);
    ROW3("unserved (MWh)", energy_kwh.unserved / 1e3, 1, 0);
    ROW3("curtailed (MWh)", energy_kwh.curtailed / 1e3, 1, 0);
    ROW3("run time (s)", seconds, 2, 0);
#undef ROW3
    for (int i = 1; i < 3; i++)
        if (r[i]->fallbacks)
            printf("\n  note: %s: %zu of %zu LP solves fell back to the rule\n", method_names[i],
                   r[i]->fallbacks, r[i]->solves);
    if (!c->has_split)
        return;
    const zp_compare_split *sp = &c->split;
    printf("\n  what optimal saved against the rule (CNY of the bill), lever by lever:\n");
    const struct {
        const char *label;
        double v;
    } rows[] = {{"tariff periods", sp->tariff_periods_cny},
                {"battery", sp->battery_cny},
                {"flexible load", sp->flexible_cny},
                {"other", sp->other_cny},
                {"saved in all", sp->saving_cny}};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        printf("  %-30s %16s\n", rows[k].label, CLI_NUM(rows[k].v, 0));
    printf("  (each lever held in turn: a flat price of %s CNY/kWh, then the batteries idle, then\n"
           "  the flexible load firm; docs/methodology.md \"What optimisation buys\")\n",
           CLI_NUM(sp->flat_price_cny_per_kwh, 4));
}

int cmd_compare_run(const cli_cmd *cmd, int argc, char **argv)
{
    cli_sim_args sim;
    cli_sim_args_init(&sim);
    bool json = false, reserve = false, no_split = false;
    cli_opt opts[] = {CLI_STEP_MIN(&sim.so.step_min), CLI_FLAG("json", &json),
                      CLI_FLAG("reserve", &reserve), CLI_FLAG("no-split", &no_split),
                      CLI_CALL("dispatch", refuse_dispatch, NULL), CLI_MPC_OPTS(&sim), CLI_END};
    int exit_code;
    if (!cli_opts_parse(cmd, opts, argc, argv, &exit_code))
        return exit_code;
    if ((exit_code = cli_one_operand(cmd, argc, "MODEL")))
        return exit_code;
    zp_compare_opts co;
    zp_compare_opts_init(&co);
    co.sim = sim.so;
    co.sim.no_reserve = !reserve;
    co.split = !no_split;
    const char *path = argv[optind];
    zp_ctx *ctx = cli_ctx_new("compare");
    if (!ctx)
        return EXIT_INTERNAL;
    zp_model *m = NULL;
    zp_compare *c = NULL;
    zp_status rc;
    if ((exit_code = cli_model_load("compare", ctx, path, 0, &m)))
        goto out;
    if ((rc = zp_compare_run(ctx, m, &co, &c))) {
        exit_code = cli_fail("compare", ctx, rc);
        goto out;
    }
    if (json) {
        char *text = NULL;
        rc = zp_compare_json(ctx, c, 2, &text);
        exit_code = cli_put_text("compare", ctx, rc, text, zp_sim_text_free);
    } else {
        print_text(c, path);
    }
out:
    zp_compare_free(ctx, c);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return exit_code;
}
