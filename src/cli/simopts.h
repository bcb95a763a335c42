/*
 * simopts.h - the options of the commands that run a simulation.
 */
#ifndef ZP_CLI_SIMOPTS_H
#define ZP_CLI_SIMOPTS_H

#include "util.h"

/* Options shared by the commands that run a simulation (simulate, compare,
 * report): dispatch method, MPC horizon and forecasts. */
#define CLI_SIM_LONG_OPTIONS                                                                   \
    {"dispatch", required_argument, NULL, 'd'}, {"horizon-h", required_argument, NULL, 'H'},   \
        {"replan-h", required_argument, NULL, 'R'},                                            \
        {"pv-forecast", required_argument, NULL, 'P'},                                         \
        {"load-forecast", required_argument, NULL, 'L'},                                       \
        {"wind-forecast", required_argument, NULL, 'W'},                                       \
        {"noise-pct", required_argument, NULL, 'N'}, {"seed", required_argument, NULL, 'S'}
/* Apply one of those options (c is its code). EXIT_OK, a usage error's
 * exit code, or -1 when c is not one of them. */
int cli_sim_option(int c, const char *arg, zp_sim_opts *so, zp_forecast_opts *fo,
                   const cli_cmd *cmd);
/* With --dispatch rule or optimal, an MPC option (mpc_opt, the code of the
 * first one given, 0 for none) is a usage error naming it; EXIT_OK else. */
int cli_sim_mpc_only(const cli_cmd *cmd, const zp_sim_opts *so, int mpc_opt);

#endif
