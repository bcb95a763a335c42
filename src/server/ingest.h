/*
 * ingest.h - every reading (HTTP, MQTT, Modbus): the readings parsers,
 * one queue, the batch writer thread, latest values and the live flows
 * (ingest.c).
 */
#ifndef ZEROPARK_SERVER_INGEST_H
#define ZEROPARK_SERVER_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "devices.h"
#include "feed.h"
#include "metrics.h"
#include "poller.h"
#include "zeropark/zeropark.h"

/* A parsed reading: name borrowed from the parsed document. */
typedef struct zs_parsed {
    const char *series;
    int64_t t_ms;
    double value;
} zs_parsed;

/* Parse {"readings": [{"series","t","value"}, ...]} (at most max_n).
 * t: ISO-8601 (offset_min applies when it has none), Unix ms, or absent
 * (now_ms). On success *root owns the strings the readings point into
 * (json_decref it) and returns 0; on error -1 with the JSON path in err.
 * *toobig is set when the count exceeds max_n. */
int zs_readings_parse(const char *buf, size_t len, int32_t offset_min, int64_t now_ms, size_t max_n,
                      json_t **root, zs_parsed **out, size_t *n, bool *toobig, char *err,
                      size_t errsz);
/* A reading of a counter (a series named ..._total, a cumulative
 * register) must be >= 0, as `zeropark import` refuses it: -1 with the
 * reason in err for a negative one, else 0. */
int zs_counter_reading_check(const char *series, double value, char *err, size_t errsz);
/* A series name we store: 1..111 of [A-Za-z0-9._:-]. */
bool zs_series_name_ok(const char *s);
/* Parse an MQTT payload for series (plain number, or {"value": x, "t": ...},
 * or with field: the JSON object's field). Returns 0 or -1 (err). */
int zs_mqtt_payload_parse(const char *payload, size_t len, const char *field, int32_t offset_min,
                          int64_t now_ms, double *value, int64_t *t_ms, char *err, size_t errsz);
/* Parse a time: ISO-8601 or Unix ms digits. 0 or -1. */
int zs_time_text_parse(const char *s, size_t len, int32_t offset_min, int64_t *t_ms);

typedef struct zs_ingest zs_ingest;
typedef enum zs_source { ZS_SRC_HTTP = 0, ZS_SRC_MQTT, ZS_SRC_MODBUS } zs_source;

typedef struct zs_ingest_opts {
    const char *raw_db, *db;
    int store_step_s, account_step_s, flush_ms;
    long queue_max;
    double dc_pue;                 /* IT x PUE = facility when no facility point */
    const zs_devices *devs;        /* feeds and units of device points; may be NULL */
    zs_metrics *metrics;           /* counters to update; may be NULL */
} zs_ingest_opts;

/* The raw store's path into out: raw_db when set, else db with "-raw"
 * before its ".db" (or appended). */
void zs_raw_db_path(const char *db, const char *raw_db, char *out, size_t outsz);
/* Open both stores (created when missing), start the writer thread. */
zp_status zs_ingest_start(zp_ctx *ctx, const zs_ingest_opts *o, zs_ingest **out);
/* Flush what is queued, stop the thread, close the stores. NULL is fine. */
void zs_ingest_stop(zs_ingest *in);
/* Queue n readings. Returns n, or -1 when the queue is full (nothing queued). */
long zs_ingest_push(zs_ingest *in, zs_source src, const zs_parsed *r, size_t n);
/* The sink for the poller (zs_reading_sink; ud = zs_ingest). */
void zs_ingest_sink(void *ud, const zs_reading *r, size_t n);
/* Swap the device list used for units and feeds of new series (SIGHUP). */
void zs_ingest_set_devices(zs_ingest *in, const zs_devices *d);
/* Block until everything queued before the call is written (tests, SIGTERM). */
void zs_ingest_sync(zs_ingest *in);
/* Names of up to max series that feed quantity kind k; returns how many. */
size_t zs_ingest_feed_names(zs_ingest *in, zs_feed_kind k, char (*names)[112], size_t max);
/* Latest value of a series: true when known. */
bool zs_ingest_latest(zs_ingest *in, const char *series, double *value, int64_t *t_ms);
/* Readings waiting to be written, and whether readings are being dropped
 * (the alert "ingest.dropped" is active: a push was refused since the
 * writer's last batch but one). */
void zs_ingest_queue_state(zs_ingest *in, size_t *queued, bool *dropping);

/* Snapshot of the fed quantities for /status and the control loop. */
typedef struct zs_live {
    double pv_kw, wind_kw, battery_kw, grid_kw, load_kw, dc_it_kw, dc_facility_kw;
    bool has_pv, has_wind, has_battery, has_grid, has_load, has_dc_it, has_dc_facility;
    int64_t oldest_ms;             /* the stalest fed quantity: min over quantity kinds of
                                      the newest reading of their points (0 = none) */
    /* per model storage: latest SOC (NaN when unknown), its time */
    double soc[16];
    int64_t soc_t_ms[16];
    size_t nsoc;
} zs_live;
void zs_ingest_live(zs_ingest *in, const zp_model *m, zs_live *out);
/* Stale live data (safe mode, /status): nothing fed yet, or the stalest
 * fed quantity older than stale_s. */
static inline bool zs_live_stale(const zs_live *L, int64_t now_ms, int64_t stale_s)
{
    return !L->oldest_ms || now_ms - L->oldest_ms > stale_s * 1000;
}

#endif
