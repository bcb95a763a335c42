/*
 * cmd_plan.c - `zeropark plan`: least-cost capacity and procurement for
 * the park's targets. This build runs its sweeps (sweep.c).
 */
#include "commands.h"
#include "sweep.h"
#include "util.h"

const char cmd_plan_usage[] =
    "usage: zeropark plan --sweep FILE [options]\n"
    "\n"
    "Plan the park: what to build and buy to meet its targets at least cost.\n"
    "\n" CLI_SWEEP_HELP
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 ok, 1 some scenario failed (its message is in the results),\n"
    "2 bad sweep file, model or options, 3 internal error.\n";

int cmd_plan_run(const cli_cmd *cmd, int argc, char **argv)
{
    if (cli_sweep_asked(argc, argv))
        return cli_sweep_run(cmd, argc, argv);
    return cli_usage_error(cmd, "this build plans sweeps only: give --sweep FILE");
}
