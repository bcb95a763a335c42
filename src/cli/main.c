/*
 * main.c - the zeropark command: git-style dispatch to subcommands.
 *
 *   zeropark <command> [options]
 *   zeropark help [<command>]
 *   zeropark --version
 */
#define _DEFAULT_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util.h"

/* Every command: name, the summary `zeropark help` lists (in this order),
 * help text and run (commands.h). */
static const cli_cmd commands[] = {
    {"simulate", "simulate the park's year (the main job)", cmd_simulate_usage, cmd_simulate_run},
    {"compare", "rule vs MPC vs optimal dispatch, side by side", cmd_compare_usage, cmd_compare_run},
    {"optimize", "one dispatch plan from a given time (live control)", cmd_optimize_usage, cmd_optimize_run},
    {"plan", "least-cost capacity and purchases to meet the targets", cmd_plan_usage, cmd_plan_run},
    {"account", "carbon and energy accounting (Scope 1/2, tce, targets)", cmd_account_usage, cmd_account_run},
    {"report", "write the park's HTML report (charts, tables, sources)", cmd_report_usage, cmd_report_run},
    {"forecast", "forecast PV, wind and load; forecast skill", cmd_forecast_usage, cmd_forecast_run},
    {"schedule", "carbon-aware placement of compute jobs across sites", cmd_schedule_usage, cmd_schedule_run},
    {"credits", "carbon-credit registry, order book and audit journal", cmd_credits_usage, cmd_credits_run},
    {"devices", "serve the model's Modbus devices from its simulation (device simulator)", cmd_devices_usage, cmd_devices_run},
    {"serve", "the live daemon: acquisition, control, HTTP API, dashboard", cmd_serve_usage, cmd_serve_run},
    {"validate", "check a park model and summarise it", cmd_validate_usage, cmd_validate_run},
    {"solar", "position of the sun, sunrise and sunset at a site", cmd_solar_usage, cmd_solar_run},
    {"weather", "synthesise a year of weather for a site", cmd_weather_usage, cmd_weather_run},
    {"import", "import CSV columns into the store", cmd_import_usage, cmd_import_run},
    {"export", "export stored series as CSV", cmd_export_usage, cmd_export_run},
    {"series", "list the series in a store", cmd_series_usage, cmd_series_run},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: zeropark <command> [options]\n"
                 "       zeropark help <command>\n"
                 "       zeropark --version\n\n"
                 "zeropark is an energy-and-carbon engine for zero-carbon parks and green\n"
                 "data-center campuses.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nEvery command takes --help. Exit codes: 0 ok, 1 a check failed,\n"
                 "2 bad usage or input, 3 internal error (docs/cli.md).\n");
}

static const cli_cmd *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown(const char *name)
{
    fprintf(stderr, "zeropark: '%s' is not a command.", name);
    size_t best = (size_t)-1;
    const char *hint = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        /* Prefix match is the most likely slip ("valid"). */
        if (strncmp(commands[i].name, name, strlen(name)) == 0) {
            hint = commands[i].name;
            break;
        }
        size_t la = strlen(name), lb = strlen(commands[i].name);
        size_t common = 0;
        while (common < la && common < lb && name[common] == commands[i].name[common])
            common++;
        size_t score = la + lb - 2 * common;
        if (common >= 2 && score < best) {
            best = score;
            hint = commands[i].name;
        }
    }
    if (hint)
        fprintf(stderr, " Did you mean '%s'?", hint);
    fprintf(stderr, "\nSee 'zeropark help'.\n");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* Series of a year at 1-min steps are 4.2 MB each. glibc raises its mmap
     * threshold after the first such block is freed and then serves the next
     * ones from the heap, which it cannot give back: memory then grows with
     * fragmentation. A fixed 1 MiB threshold keeps big arrays in their own
     * mappings, returned to the system when freed (docs/architecture.md). */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("zeropark %s\n", zp_version());
        return EXIT_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return EXIT_OK;
        }
        const cli_cmd *c = find(argv[2]);
        return c ? cli_help(c) : unknown(argv[2]);
    }
    const cli_cmd *c = find(name);
    if (!c)
        return unknown(name);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cli_help(c);
    }
    return c->run(c, argc - 1, argv + 1);
}
