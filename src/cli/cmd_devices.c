/*
 * cmd_devices.c - `zeropark devices`: the device simulator. Serves every
 * Modbus device of a park model from the park's simulation, so the daemon
 * can be tried end to end on one machine (src/server/devsim.h).
 */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "devsim.h"
#include "util.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void log_line(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

/* "HOST:PORT" (or ":PORT", or "PORT"). */
static int parse_listen(const char *s, char *host, size_t hsz, int *port)
{
    const char *colon = strrchr(s, ':');
    const char *p = colon ? colon + 1 : s;
    long v;
    if (!cli_parse_long(p, 0, 65535, &v))
        return 0;
    *port = (int)v;
    if (colon && colon > s) {
        size_t n = (size_t)(colon - s);
        if (n >= hsz)
            return 0;
        memcpy(host, s, n);
        host[n] = 0;
    }
    return 1;
}

int cmd_devices_run(const cli_cmd *cmd, int argc, char **argv)
{
    static const struct option longopts[] = {{"listen", required_argument, NULL, 'l'},
                                             {"speed", required_argument, NULL, 's'},
                                             {"start", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    char host[64] = "";
    int port = -1, c;
    double speed = 1;
    const char *start_text = NULL;
    zp_ctx *ctx = NULL;
    zp_model *m = NULL;
    zs_devsim *sim = NULL;
    zp_status rc;
    int ex = EXIT_OK;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (!parse_listen(optarg, host, sizeof host, &port))
                return cli_usage_error(cmd, "--listen '%s': expected HOST:PORT, e.g. "
                                       "127.0.0.1:5020", optarg);
            break;
        case 's':
            if (!cli_parse_double(optarg, 0, 1e7, &speed))
                return cli_usage_error(cmd, "--speed '%s': expected a number of simulated "
                                       "seconds per second, 0..1e7", optarg);
            break;
        case 't': start_text = optarg; break;
        case 'h': return cli_help(cmd);
        default: return cli_usage_error(cmd, "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(cmd, "expected one MODEL file");
    ctx = zp_ctx_new();
    if (!ctx) {
        cli_err("devices", "out of memory");
        return EXIT_INTERNAL;
    }
    rc = zp_model_load_file(ctx, argv[optind], 0, &m);
    if (rc) {
        ex = cli_fail("devices", ctx, rc);
        goto out;
    }
    const zs_devices *devs = &m->devices;
    zs_devsim_opts o;
    zs_devsim_opts_init(&o);
    if (port < 0) {
        /* default: where the model's Modbus devices say they are */
        for (size_t i = 0; i < devs->n; i++)
            if (devs->dev[i].kind == ZS_DEV_MODBUS) {
                snprintf(host, sizeof host, "%s", devs->dev[i].host);
                port = devs->dev[i].port;
                break;
            }
        if (port < 0)
            port = 5020;
    }
    if (host[0])
        o.host = host;
    o.port = port;
    o.speed = speed;
    if (start_text && !cli_parse_time(start_text, m->utc_offset_min, &o.start)) {
        ex = cli_usage_error(cmd, "--start '%s': expected an ISO-8601 time such as "
                             "2024-06-21T12:00+08:00", start_text);
        goto out;
    }
    if (start_text && (o.start < m->start || o.start >= m->end)) {
        ex = cli_usage_error(cmd, "--start '%s' is outside the model period", start_text);
        goto out;
    }
    o.log = log_line;
    rc = zs_devsim_new(ctx, m, devs, &o, &sim);
    if (rc) {
        ex = cli_fail("devices", ctx, rc);
        goto out;
    }
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
    }
    rc = zs_devsim_run(sim, &stop_flag);
    if (rc)
        ex = cli_fail("devices", ctx, rc);
out:
    zs_devsim_free(sim);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return ex;
}

const char cmd_devices_usage[] =
    "usage: zeropark devices MODEL [--listen HOST:PORT] [--speed N] [--start TIME]\n"
    "\n"
    "Simulates the park (rule dispatch) and serves every Modbus device in the\n"
    "model's \"devices\" from it, on one port, one unit id per device, to any\n"
    "number of clients: PV inverters, meters and batteries with SunSpec maps or\n"
    "plain registers (docs/model.md, \"Devices\"). Values follow simulated time;\n"
    "batteries follow the model's dispatch until a setpoint is written, then the\n"
    "setpoint (within the battery's rating and state of charge), written to its\n"
    "setpoint register or, for a SunSpec 124 battery without one, to StorCtl_Mod,\n"
    "OutWRte and InWRte. A setpoint outside the device's limits is refused with\n"
    "a Modbus exception.\n"
    "\n"
    "Options:\n"
    "  --listen HOST:PORT  address to serve (default: the first Modbus device's\n"
    "                      host and port in the model); port 0 = any free port\n"
    "  --speed N           simulated seconds per wall-clock second (default 1;\n"
    "                      0 freezes time)\n"
    "  --start TIME        simulated time at start, ISO-8601 within the model\n"
    "                      period (default: now, moved into the model's year)\n"
    "  -h, --help          this help\n"
    "\n"
    "Logs one key=value line per event to stderr (listening, connections,\n"
    "setpoints, refused writes). Stops cleanly on SIGINT or SIGTERM.\n"
    "\n"
    "Example:\n"
    "  zeropark devices examples/live-campus/model.json --listen 127.0.0.1:5020 --speed 60\n"
    "  mbpoll -m tcp -p 5020 -a 1 -0 -r 40084 -c 2 -1 127.0.0.1\n";
