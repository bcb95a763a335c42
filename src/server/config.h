/*
 * config.h - the config file of `zeropark serve` (config.c; docs/serve.md):
 * JSON, mode 0600 or 0400 checked.
 */
#ifndef ZEROPARK_SERVER_CONFIG_H
#define ZEROPARK_SERVER_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "log.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

typedef struct zs_config {
    char listen_host[64];      /* "127.0.0.1" */
    int listen_port;           /* 8080 */
    char db[PATH_MAX];         /* park store (accounting meters): "zeropark.db" */
    char raw_db[PATH_MAX];     /* raw readings: default db with "-raw" before ".db" */
    char token[256];           /* bearer token for writes; "" = writes refused */
    char credits_db[PATH_MAX]; /* credit ledger (SQLite), "" = /api/v1/credits off */
    int replan_min;            /* control loop period, default 15 */
    double horizon_h;          /* plan horizon, default 24 */
    int stale_s;               /* a reading older than this is stale, default 60 */
    zs_log_level log_level;    /* default info */
    char web[PATH_MAX];        /* dashboard directory, "" = default */
    int store_step_s;          /* raw store step, default 1 */
    int account_step_s;        /* accounting meters' step, default 300 */
    int flush_ms;              /* ingest batch period, default 5000 */
    long queue_max;            /* readings queued at most, default 2,000,000 */
    long max_body_bytes;       /* HTTP body limit, default 4 MiB */
    int http_threads;          /* libmicrohttpd pool, default 2 */
    /* MQTT (the broker for pushed readings) */
    bool mqtt_enabled;         /* true when "mqtt" is given */
    char mqtt_host[128];
    int mqtt_port;             /* 1883 */
    char mqtt_prefix[96];      /* "zeropark/": subscribes PREFIX "readings" and PREFIX "series/#" */
    char mqtt_client_id[64];   /* "zeropark-serve-<pid>" */
    int mqtt_qos;              /* 0..1, default 1 */
    int mqtt_keepalive_s;      /* 30 */
    long mqtt_max_payload;     /* 262144 */
    bool safe_hold;            /* safe action: true = setpoint 0 (hold); false = self-consumption rule */
} zs_config;

void zs_config_defaults(zs_config *c);
/* Parse a config document of len bytes (fname names it in messages).
 * Returns 0, or -1 with "fname:line:col: message" or "fname: key: message"
 * in err. Unknown keys are errors naming the nearest key. */
int zs_config_parse(const char *buf, size_t len, const char *fname, zs_config *c, char *err,
                    size_t errsz);
/* Read the file, refuse it when group or others may read it (the token is
 * a secret), then zs_config_parse. */
int zs_config_load(const char *path, zs_config *c, char *err, size_t errsz);
/* Set listen_host/listen_port from "HOST:PORT". 0 or -1. */
int zs_config_listen(zs_config *c, const char *s);

#endif
