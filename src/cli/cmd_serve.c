/*
 * cmd_serve.c - `zeropark serve MODEL --config FILE`: the live daemon
 * (src/server, docs/serve.md, docs/api.md).
 */
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "serve.h"
#include "util.h"

const char cmd_serve_usage[] =
    "usage: zeropark serve MODEL --config FILE [--db FILE] [--listen HOST:PORT] [--web DIR]\n"
    "                      [--dry-run]\n"
    "\n"
    "Run the park live: poll its Modbus devices, take readings over MQTT and\n"
    "HTTP, store them (SQLite), account carbon as they come in, re-plan the\n"
    "batteries every replan_min minutes and write their setpoints (clamped to\n"
    "the devices' limits; safe mode when data are stale, the solver fails or a\n"
    "write is refused), and answer the HTTP API (docs/api.md) with the\n"
    "dashboard. Runs until SIGTERM or SIGINT (the queued readings are written\n"
    "first); SIGHUP reloads the model. Logs are key=value lines on stderr.\n"
    "\n"
    "Options:\n"
    "  --config FILE        the config file (JSON, mode 0600: it holds the write\n"
    "                       token); keys in docs/serve.md\n"
    "  --db FILE            the park store (overrides the config's db)\n"
    "  --listen HOST:PORT   HTTP address (overrides the config's listen; port 0\n"
    "                       picks a free port, logged at start)\n"
    "  --web DIR            the dashboard's files (default: installed\n"
    "                       share/zeropark/web, or web/dist of the source tree)\n"
    "  --dry-run            plan without writing setpoints\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 stopped by a signal, 2 bad model, config or address,\n"
    "3 internal error.\n";

int cmd_serve_run(const cli_cmd *cmd, int argc, char **argv)
{
    zs_serve_opts o;
    memset(&o, 0, sizeof o);
    cli_opt opts[] = {CLI_TEXT("config", &o.config), CLI_TEXT("db", &o.db),
                      CLI_TEXT("listen", &o.listen), CLI_TEXT("web", &o.web),
                      CLI_FLAG("dry-run", &o.dry_run), CLI_HELP,
                      CLI_END};
    int ex;
    if (!cli_opts_parse(cmd, opts, argc, argv, &ex))
        return ex;
    if (optind != argc - 1)
        return cli_usage_error(cmd, "expected one MODEL");
    if (!o.config)
        return cli_usage_error(cmd, "--config FILE is required (docs/serve.md)");
    o.model = argv[optind];
    return zs_serve_main(&o);
}
