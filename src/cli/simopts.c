/*
 * simopts.c - the options of the commands that run a simulation (simulate,
 * compare, report, optimize): dispatch method, MPC horizon and forecasts.
 */
#define _DEFAULT_SOURCE
#include <string.h>

#include "simopts.h"

void cli_sim_args_init(cli_sim_args *a)
{
    zp_sim_opts_init(&a->so);
    zp_forecast_opts_init(&a->fo);
    a->so.forecast = &a->fo;
    a->mpc_opt = NULL;
    a->given = false;
}

/* Parse a forecast method option into *m (a usage error names the choices). */
static bool forecast_method(const char *text, zp_forecast_method *m)
{
    zp_ctx *c = zp_ctx_new();
    bool ok = c && zp_forecast_method_parse(c, text, m) == ZP_OK;
    zp_ctx_free(c);
    return ok;
}

int cli_sim_option(const cli_cmd *cmd, const cli_opt *o, const char *arg)
{
    cli_sim_args *a = o->dst;
    const char *name = o->name;
    double x;
    if (strcmp(name, "dispatch") == 0) {
        if (strcmp(arg, "rule") == 0)
            a->so.dispatch = ZP_DISPATCH_RULE;
        else if (strcmp(arg, "optimal") == 0)
            a->so.dispatch = ZP_DISPATCH_OPTIMAL;
        else if (strcmp(arg, "mpc") == 0)
            a->so.dispatch = ZP_DISPATCH_MPC;
        else
            return cli_usage_error(cmd, "--dispatch '%s': use rule, optimal or mpc", arg);
    } else if (strcmp(name, "horizon-h") == 0 || strcmp(name, "replan-h") == 0) {
        bool horizon = name[0] == 'h';
        if (!cli_parse_double(arg, 0.01, 24 * 31, &x))
            return cli_usage_error(cmd, "--%s '%s': hours, e.g. %s", name, arg, horizon ? "48" : "1");
        *(horizon ? &a->so.horizon_h : &a->so.replan_h) = x;
    } else if (strcmp(name, "noise-pct") == 0) {
        if (!cli_parse_double(arg, 0, 500, &x))
            return cli_usage_error(cmd, "--noise-pct '%s': 0..500", arg);
        a->fo.noise.sigma = x / 100.0;
    } else if (strcmp(name, "seed") == 0) {
        if (!cli_parse_whole(arg, 1e15, &a->fo.noise.seed))
            return cli_usage_error(cmd, "--seed '%s': a whole number", arg);
    } else { /* pv-forecast, load-forecast, wind-forecast */
        zp_forecast_method fm;
        if (!forecast_method(arg, &fm))
            return cli_usage_error(cmd, "forecast method '%s': use perfect, persistence, "
                                   "similar-day, clearsky or noisy", arg);
        *(name[0] == 'p' ? &a->fo.pv : name[0] == 'l' ? &a->fo.load : &a->fo.wind) = fm;
    }
    a->given = true;
    if (strcmp(name, "dispatch") != 0 && !a->mpc_opt)
        a->mpc_opt = name;
    return EXIT_OK;
}

int cli_sim_mpc_only(const cli_cmd *cmd, const cli_sim_args *a)
{
    if (!a->mpc_opt || a->so.dispatch == ZP_DISPATCH_MPC)
        return EXIT_OK;
    return cli_usage_error(cmd, "--%s applies to --dispatch mpc only (this run is --dispatch %s)",
                           a->mpc_opt, a->so.dispatch == ZP_DISPATCH_OPTIMAL ? "optimal" : "rule");
}
