/*
 * serve.h - `zeropark serve`: the daemon's one state struct and the
 * interfaces between its parts (docs/serve.md, docs/api.md).
 *
 *   config.c   the config file (JSON, mode 0600 checked)
 *   log.c      one-line key=value logs on stderr
 *   metrics.c  counters, alerts, the Prometheus text
 *   ingest.c   readings parser, queue, writer thread, latest values
 *   status.c   the /status document (flows, today's and the year's carbon)
 *   control.c  the control loop: plan, clamp, write setpoints, safe mode
 *   mqtt.c     libmosquitto subscriptions
 *   http.c     libmicrohttpd: the API, metrics, SSE and static files
 *   serve.c    wiring: init, the main loop, signals, shutdown
 *
 * Threads: the main thread (status, control, signals), the ingest writer,
 * libmicrohttpd's pool, libmosquitto's loop threads and the poller's
 * threads. Shared data is guarded by the mutexes named at each field.
 */
#ifndef ZEROPARK_SERVER_SERVE_H
#define ZEROPARK_SERVER_SERVE_H

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "devices.h"
#include "zeropark/zeropark.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* ---- log.c ---------------------------------------------------------------- */
typedef enum zs_log_level { ZS_LOG_DEBUG = 0, ZS_LOG_INFO, ZS_LOG_WARN, ZS_LOG_ERROR } zs_log_level;
void zs_log_set_level(zs_log_level lvl);
bool zs_log_enabled(zs_log_level lvl);
/* One line on stderr: "ts=... level=... " then fmt (key=value pairs). */
void zs_log(zs_log_level lvl, const char *fmt, ...) ZP_PRINTF(2, 3);
/* Quote a value for a key=value line into buf (adds "" when it holds
 * spaces, quotes or '='; escapes \ and "). Returns buf. */
const char *zs_log_quote(const char *s, char *buf, size_t bufsz);

/* ---- config.c ------------------------------------------------------------- */
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

/* ---- metrics.c: counters and alerts --------------------------------------- */
typedef struct zs_metrics {
    atomic_uint_fast64_t readings_http, readings_mqtt, readings_modbus;
    atomic_uint_fast64_t readings_stored, readings_dropped;
    atomic_uint_fast64_t flushes, store_errors;
    atomic_uint_fast64_t park_writes; /* writes of the accounting meters (park store) */
    atomic_uint_fast64_t http_by_code[6][32]; /* [class 1..5][code % 100] */
    atomic_uint_fast64_t http_protocol_errors; /* refused by libmicrohttpd itself */
    atomic_uint_fast64_t mqtt_messages, mqtt_malformed;
    atomic_int mqtt_connected;
    atomic_uint_fast64_t replans, replan_failures;
    atomic_uint_fast64_t setpoint_writes, setpoint_write_errors, setpoint_clamped;
} zs_metrics;

typedef enum zs_alert_level { ZS_ALERT_INFO = 0, ZS_ALERT_WARNING, ZS_ALERT_CRITICAL } zs_alert_level;

void zs_metrics_http(zs_metrics *m, unsigned code);
/* Raise (or refresh) the alert with this key; returns its id. A key names
 * a cause ("control.solver", "device.bess1"): raising it again while it is
 * active updates its message; zs_alert_clear ends it. */
int64_t zs_alert_raise(const char *key, zs_alert_level lvl, const char *source, const char *fmt,
                       ...) ZP_PRINTF(4, 5);
void zs_alert_clear(const char *key);
size_t zs_alerts_active(void);
json_t *zs_alerts_json(int32_t offset_min);
void zs_alerts_reset(void);

/* ---- ingest.c ------------------------------------------------------------- */
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

/* What a series feeds, resolved from the model's devices and the names
 * themselves (docs/api.md "Series names"). */
typedef enum zs_feed_kind {
    ZS_FEED_NONE = 0, ZS_FEED_PV, ZS_FEED_WIND, ZS_FEED_STORAGE_POWER, ZS_FEED_STORAGE_SOC,
    ZS_FEED_LOAD, ZS_FEED_DC_IT, ZS_FEED_DC_FACILITY, ZS_FEED_GRID_IMPORT, ZS_FEED_GRID_EXPORT,
    ZS_FEED_GRID_NET
} zs_feed_kind;
/* Parse "pv.rooftops" etc.; asset gets the name part ("" for grid/dc). */
zs_feed_kind zs_feed_parse(const char *feeds, char *asset, size_t assetsz);

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

/* ---- status.c ------------------------------------------------------------- */
typedef struct zs_server zs_server;
/* Rebuild the /status document (main thread). */
void zs_status_refresh(zs_server *S, bool year_too);

/* ---- control.c ------------------------------------------------------------ */
/* One control step: plan, clamp, write (the control thread; the model's
 * read lock is held for the run). */
void zs_control_run(zs_server *S);
/* The safe action for storage i of m from the live flows L (kW, +
 * discharge): 0 with safe_mode "hold"; with "self-consumption" the
 * battery's share (by power rating) of load - PV - wind, within its power,
 * and 0 when its SOC is unknown or at the limit in that direction. */
double zs_control_safe_kw(const zs_server *S, const zp_model *m, size_t i, const zs_live *L);

/* ---- mqtt.c --------------------------------------------------------------- */
typedef struct zs_mqtt zs_mqtt;
zp_status zs_mqtt_start(zs_server *S, zs_mqtt **out, char *err, size_t errsz);
void zs_mqtt_stop(zs_mqtt *q);
/* Per MQTT device health (index into S->devs); false if not an MQTT device. */
bool zs_mqtt_health(zs_mqtt *q, size_t dev, zs_dev_health *out);

/* ---- http.c --------------------------------------------------------------- */
typedef struct zs_http zs_http;
zp_status zs_http_start(zs_server *S, zs_http **out, char *err, size_t errsz);
void zs_http_stop(zs_http *h);
/* Wake the /events streams after a new status document. */
void zs_http_notify(zs_http *h);
/* The port actually bound (when listen_port is 0). */
int zs_http_port(const zs_http *h);

/* ---- serve.c: the daemon's state ------------------------------------------ */
typedef enum zs_mode { ZS_MODE_NORMAL = 0, ZS_MODE_SAFE, ZS_MODE_DRY_RUN } zs_mode;
const char *zs_mode_name(zs_mode m);

/* A refcounted immutable text (a JSON document shared with HTTP threads). */
typedef struct zs_doc {
    atomic_int refs;
    size_t len;
    char text[];
} zs_doc;
zs_doc *zs_doc_new(const char *text, size_t len);
void zs_doc_unref(zs_doc *d);
/* Replace *slot with d (takes d's reference) under lock. */
void zs_doc_set(pthread_mutex_t *lock, zs_doc **slot, zs_doc *d);
/* A new reference to *slot under lock (NULL if none). */
zs_doc *zs_doc_get(pthread_mutex_t *lock, zs_doc **slot);

struct zs_server {
    zs_config cfg;
    char model_path[PATH_MAX];
    bool dry_run;

    pthread_rwlock_t model_lock;   /* guards model, factors, devs (SIGHUP swaps them) */
    zp_model *model;
    zp_factor_set *factors;        /* model's factor set, NULL = builtin */
    zs_devices devs;               /* model->devices (borrowed: freed with the model) */

    zp_ctx *ctx;                   /* main thread's context */
    zp_store *park_ro;             /* main thread's read-only park store */
    zs_ingest *ingest;
    zs_poller *poller;
    zs_mqtt *mqtt;
    zs_http *http;
    zs_metrics metrics;

    atomic_int mode;               /* zs_mode */
    atomic_bool stale;

    pthread_mutex_t doc_lock;      /* guards the cached documents */
    zs_doc *status_doc;            /* /api/v1/status */
    zs_doc *info_doc;              /* /api/v1/info */
    zs_doc *plan_doc;              /* /api/v1/plan */
    atomic_uint_fast64_t status_version;

    /* year-to-date over [year_from, year_to) (main thread only),
     * recomputed whenever the window moves or the park store's meters were
     * written since (year_park_writes), every 5 min and after a reload */
    double year_emissions_t, year_projected_t, year_metered_h;
    int64_t year_from, year_to;
    uint_fast64_t year_park_writes;
    bool year_known;

    /* control loop (its own thread, one run at a time) */
    zp_ctx *cctx;                  /* the control thread's context */
    zp_store *cpark;               /* its read-only park store */
    zp_store *craw;                /* its read-only raw store (SOC actuals) */
    int64_t t_start_ms;
};

extern zs_server *zs_S; /* the one daemon state (signal handlers, callbacks) */

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
/* Health of device i of S->devs from its poller (Modbus) or MQTT client;
 * false, with *out zeroed, for a device neither watches (HTTP push, or the
 * source not running). */
bool zs_device_health(const zs_server *S, size_t i, zs_dev_health *out);
/* Build the /api/v1/info document (model read lock held by the caller). */
zs_doc *zs_info_build(zs_server *S);

/* x as a JSON number, or null when not finite. */
static inline json_t *zs_json_num(double x) { return isfinite(x) ? json_real(x) : json_null(); }
/* a / b rounded toward minus infinity (times before 1970, negative offsets). */
static inline int64_t zs_fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
/* Format Unix ms at the offset (ISO-8601, seconds). */
char *zs_time_fmt(int64_t t_ms, int32_t offset_min, char *buf);

#endif
