/*
 * server.h - the daemon's one state struct, owned by serve.c (which wires
 * the parts together) and read by the parts it hands it to. Threads: the
 * main thread (status, health, signals), the control thread, the ingest
 * writer, libmicrohttpd's pool, libmosquitto's loop threads and the
 * poller's threads. Shared data is guarded by the locks named at each
 * field.
 */
#ifndef ZEROPARK_SERVER_SERVER_H
#define ZEROPARK_SERVER_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "devices.h"
#include "doc.h"
#include "http.h"
#include "ingest.h"
#include "metrics.h"
#include "mqtt.h"
#include "poller.h"
#include "zeropark/zeropark.h"

typedef struct zs_server zs_server;

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
    double year_t_co2_per_tce, year_clean_share_pct; /* the indicator, year to date */
    int64_t year_from, year_to;
    uint_fast64_t year_park_writes;
    bool year_known;

    /* control loop (its own thread, one run at a time) */
    zp_ctx *cctx;                  /* the control thread's context */
    zp_store *cpark;               /* its read-only park store */
    zp_store *craw;                /* its read-only raw store (SOC actuals) */
    int64_t t_start_ms;
};

#endif
