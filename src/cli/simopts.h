/*
 * simopts.h - the options of the commands that run a simulation (simulate,
 * compare, report) or make a plan (optimize): dispatch method, MPC horizon
 * and forecasts, as entries of an option table (opts.h).
 */
#ifndef ZP_CLI_SIMOPTS_H
#define ZP_CLI_SIMOPTS_H

#include "opts.h"
#include "util.h"

/* What those options set. */
typedef struct cli_sim_args {
    zp_sim_opts so;      /* dispatch and MPC settings; so.forecast points at fo */
    zp_forecast_opts fo; /* forecast methods and their noise */
    const char *mpc_opt; /* the first MPC option given (its name), NULL for none */
    bool given;          /* any of the options given */
} cli_sim_args;

/* The library's defaults, so.forecast = &fo (*a must stay where it is). */
void cli_sim_args_init(cli_sim_args *a);

/* Apply one of the options below to the cli_sim_args at o->dst (CLI_OPT_CALL). */
int cli_sim_option(const cli_cmd *cmd, const cli_opt *o, const char *value);

/* The table entries, each applied to the cli_sim_args *a. */
#define CLI_FORECAST_OPTS(a)                                                                       \
    CLI_CALL("pv-forecast", cli_sim_option, a), CLI_CALL("load-forecast", cli_sim_option, a),      \
        CLI_CALL("wind-forecast", cli_sim_option, a), CLI_CALL("noise-pct", cli_sim_option, a),    \
        CLI_CALL("seed", cli_sim_option, a)
#define CLI_MPC_OPTS(a)                                                                            \
    CLI_CALL("horizon-h", cli_sim_option, a), CLI_CALL("replan-h", cli_sim_option, a),             \
        CLI_FORECAST_OPTS(a)
#define CLI_SIM_OPTS(a) CLI_CALL("dispatch", cli_sim_option, a), CLI_MPC_OPTS(a)

/* With --dispatch rule or optimal, an MPC option given is a usage error
 * naming the first one; EXIT_OK else. */
int cli_sim_mpc_only(const cli_cmd *cmd, const cli_sim_args *a);

#endif
