/*
 * simopts.c - the options of the commands that run a simulation (simulate,
 * compare, report, optimize): dispatch method, MPC horizon and forecasts.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <string.h>

#include "simopts.h"

/* Parse a forecast method option into *m (a usage error names the choices). */
static bool forecast_method(const char *text, zp_forecast_method *m)
{
    zp_ctx *c = zp_ctx_new();
    bool ok = c && zp_forecast_method_parse(c, text, m) == ZP_OK;
    zp_ctx_free(c);
    return ok;
}

int cli_sim_option(int c, const char *arg, zp_sim_opts *so, zp_forecast_opts *fo, const cli_cmd *cmd)
{
    double x;
    switch (c) {
    case 'd':
        if (strcmp(arg, "rule") == 0)
            so->dispatch = ZP_DISPATCH_RULE;
        else if (strcmp(arg, "optimal") == 0)
            so->dispatch = ZP_DISPATCH_OPTIMAL;
        else if (strcmp(arg, "mpc") == 0)
            so->dispatch = ZP_DISPATCH_MPC;
        else
            return cli_usage_error(cmd, "--dispatch '%s': use rule, optimal or mpc", arg);
        return EXIT_OK;
    case 'H':
        if (!cli_parse_double(arg, 0.01, 24 * 31, &x))
            return cli_usage_error(cmd, "--horizon-h '%s': hours, e.g. 48", arg);
        so->horizon_h = x;
        return EXIT_OK;
    case 'R':
        if (!cli_parse_double(arg, 0.01, 24 * 31, &x))
            return cli_usage_error(cmd, "--replan-h '%s': hours, e.g. 1", arg);
        so->replan_h = x;
        return EXIT_OK;
    case 'P':
    case 'L':
    case 'W': {
        zp_forecast_method fm;
        if (!forecast_method(arg, &fm))
            return cli_usage_error(cmd, "forecast method '%s': use perfect, persistence, "
                                   "similar-day, clearsky or noisy", arg);
        if (c == 'P')
            fo->pv = fm;
        else if (c == 'L')
            fo->load = fm;
        else
            fo->wind = fm;
        return EXIT_OK;
    }
    case 'N':
        if (!cli_parse_double(arg, 0, 500, &x))
            return cli_usage_error(cmd, "--noise-pct '%s': 0..500", arg);
        fo->noise.sigma = x / 100.0;
        return EXIT_OK;
    case 'S':
        if (!cli_parse_double(arg, 0, 1e15, &x) || x != floor(x))
            return cli_usage_error(cmd, "--seed '%s': a whole number", arg);
        fo->noise.seed = (uint64_t)x;
        return EXIT_OK;
    default:
        return -1;
    }
}

int cli_sim_mpc_only(const cli_cmd *cmd, const zp_sim_opts *so, int mpc_opt)
{
    static const struct {
        int c;
        const char *name;
    } names[] = {{'H', "--horizon-h"},     {'R', "--replan-h"},      {'P', "--pv-forecast"},
                 {'L', "--load-forecast"}, {'W', "--wind-forecast"}, {'N', "--noise-pct"},
                 {'S', "--seed"}};
    if (!mpc_opt || so->dispatch == ZP_DISPATCH_MPC)
        return EXIT_OK;
    const char *name = "an MPC option";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].c == mpc_opt)
            name = names[i].name;
    return cli_usage_error(cmd, "%s applies to --dispatch mpc only (this run is --dispatch %s)", name,
                           so->dispatch == ZP_DISPATCH_OPTIMAL ? "optimal" : "rule");
}
