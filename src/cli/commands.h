/*
 * commands.h - the subcommands of the zeropark command.
 *
 * Each cmd_NAME.c exports two things: cmd_NAME_usage, the text of
 * `zeropark NAME --help`, and cmd_NAME_run, the command. main.c's table of
 * commands pairs them with the name and the one-line summary that
 * `zeropark help` lists; a new command is a file here, its two lines below
 * and its row in that table.
 *
 * run gets the arguments from the command's name on (argv[0] is "NAME")
 * and its row of the table, cmd, which it hands to the option parser and
 * to cli_usage_error for the "zeropark NAME: ..." and --help hint of a
 * usage error.
 */
#ifndef ZP_CLI_COMMANDS_H
#define ZP_CLI_COMMANDS_H

#include "util.h"

extern const char cmd_account_usage[];
int cmd_account_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_compare_usage[];
int cmd_compare_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_credits_usage[];
int cmd_credits_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_devices_usage[];
int cmd_devices_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_export_usage[];
int cmd_export_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_forecast_usage[];
int cmd_forecast_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_import_usage[];
int cmd_import_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_optimize_usage[];
int cmd_optimize_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_plan_usage[];
int cmd_plan_run(const cli_cmd *cmd, int argc, char **argv);
/* cmd_plan_curve.c: plan --curve (operands MODEL FROM TO STEPS) */
int cmd_plan_curve_run(const cli_cmd *cmd, int argc, char **argv, const char *target,
                       const zp_planning_opts *po, bool json, const char *csv, const char *html,
                       int lang);
extern const char cmd_report_usage[];
int cmd_report_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_schedule_usage[];
int cmd_schedule_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_series_usage[];
int cmd_series_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_serve_usage[];
int cmd_serve_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_simulate_usage[];
int cmd_simulate_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_solar_usage[];
int cmd_solar_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_validate_usage[];
int cmd_validate_run(const cli_cmd *cmd, int argc, char **argv);
extern const char cmd_weather_usage[];
int cmd_weather_run(const cli_cmd *cmd, int argc, char **argv);

#endif
