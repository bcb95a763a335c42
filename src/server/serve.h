/*
 * serve.h - `zeropark serve` (docs/serve.md, docs/api.md): its entry point
 * (serve.c, which wires the parts in one place), and the headers of all
 * its parts, for the callers that take the whole daemon (cmd_serve.c, the
 * unit tests):
 *
 *   config.h   the config file (JSON, mode 0600 checked)
 *   log.h      one-line key=value logs on stderr
 *   metrics.h  counters, alerts, the Prometheus text
 *   ingest.h   readings parser, queue, writer thread, latest values
 *   poller.h   the Modbus poller;  mqtt.h  libmosquitto subscriptions
 *   health.h   devices' health and its alerts
 *   status.h   the /status document;  info.h  the /info document
 *   control.h  the control loop: plan, clamp, write setpoints, safe mode
 *   http.h     libmicrohttpd: the API, metrics, SSE and static files
 *   doc.h      the shared documents;  clock.h  clocks and time text
 *   server.h   the daemon's one state struct
 */
#ifndef ZEROPARK_SERVER_SERVE_H
#define ZEROPARK_SERVER_SERVE_H

#include <stdbool.h>

#include "clock.h"
#include "config.h"
#include "control.h"
#include "devices.h"
#include "doc.h"
#include "health.h"
#include "http.h"
#include "info.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "mqtt.h"
#include "poller.h"
#include "server.h"
#include "status.h"

/* Options of `zeropark serve`. */
typedef struct zs_serve_opts {
    const char *model;
    const char *config;
    const char *db;        /* overrides the config's db */
    const char *listen;    /* "host:port" overrides the config's */
    const char *web;
    bool dry_run;
} zs_serve_opts;

/* Run the daemon until SIGTERM/SIGINT. Returns an exit code (0 ok, 2 bad
 * input, 3 internal); messages on stderr. */
int zs_serve_main(const zs_serve_opts *o);

#endif
