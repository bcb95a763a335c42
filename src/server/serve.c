/*
 * serve.c - `zeropark serve`, wired in one place: read the config and the
 * model, start the ingest writer, the Modbus poller, MQTT and HTTP, then
 * run the main loop (status every second, device health, the control loop
 * every replan_min) until SIGTERM. Signals are blocked in every thread and
 * taken by the main loop with sigtimedwait: SIGTERM/SIGINT stop (HTTP
 * first, then acquisition, then the last batch is written), SIGHUP
 * reloads the model and its devices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

static void print_ctx_error(const char *what, zp_ctx *ctx)
{
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        char line[1024];
        zp_diag_format(zp_ctx_diag_get(ctx, i), line, sizeof line);
        fprintf(stderr, "zeropark serve: %s\n", line);
    }
    fprintf(stderr, "zeropark serve: %s: %s\n", what, zp_ctx_errmsg(ctx));
}

static bool has_kind(const zs_devices *d, zs_dev_kind k)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->dev[i].kind == k)
            return true;
    return false;
}

/* Start the poller and MQTT on S->devs. The handles are published under
 * the model's write lock: HTTP threads read them under the read lock. */
static void start_acquisition(zs_server *S)
{
    char err[512], q[600];
    zs_poller *poller = NULL;
    zs_mqtt *mqtt = NULL;
    if (has_kind(&S->devs, ZS_DEV_MODBUS)) {
        if (zs_poller_start(S->ctx, &S->devs, zs_ingest_sink, S->ingest, &poller) != ZP_OK) {
            zs_log(ZS_LOG_ERROR, "event=poller_failed message=%s",
                   zs_log_quote(zp_ctx_errmsg(S->ctx), q, sizeof q));
            zs_alert_raise("modbus.start", ZS_ALERT_CRITICAL, "device", "Modbus poller did not start: %s",
                           zp_ctx_errmsg(S->ctx));
            zp_ctx_clear_error(S->ctx);
            poller = NULL;
        }
    }
    if (S->cfg.mqtt_enabled || has_kind(&S->devs, ZS_DEV_MQTT)) {
        if (zs_mqtt_start(S, &mqtt, err, sizeof err) != ZP_OK) {
            zs_log(ZS_LOG_ERROR, "event=mqtt_failed message=%s", zs_log_quote(err, q, sizeof q));
            zs_alert_raise("mqtt.start", ZS_ALERT_CRITICAL, "ingest", "MQTT did not start: %s", err);
            mqtt = NULL;
        }
    }
    pthread_rwlock_wrlock(&S->model_lock);
    S->poller = poller;
    S->mqtt = mqtt;
    pthread_rwlock_unlock(&S->model_lock);
}

/* Take the handles away from the HTTP threads first, then stop them
 * (their threads are joined outside the lock: MQTT's callback takes the
 * read lock). */
static void stop_acquisition(zs_server *S)
{
    pthread_rwlock_wrlock(&S->model_lock);
    zs_poller *poller = S->poller;
    zs_mqtt *mqtt = S->mqtt;
    S->poller = NULL;
    S->mqtt = NULL;
    pthread_rwlock_unlock(&S->model_lock);
    zs_mqtt_stop(mqtt);
    zs_poller_stop(poller);
}

/* SIGHUP: load the model and its devices again; keep the old ones when the
 * new model is bad. Returns true when the new model is in use. */
static bool reload(zs_server *S)
{
    zp_model *m = NULL;
    zp_factor_set *fs = NULL;
    char q[600];
    zs_log(ZS_LOG_INFO, "event=reload model=%s", zs_log_quote(S->model_path, q, sizeof q));
    zp_status rc = zp_model_load_file(S->ctx, S->model_path, 0, &m);
    if (!rc && m->accounting.factor_set_path)
        rc = zp_factor_set_load_dir(S->ctx, m->accounting.factor_set_path, &fs);
    if (rc) {
        char first[512] = "";
        if (zp_ctx_diag_count(S->ctx))
            zp_diag_format(zp_ctx_diag_get(S->ctx, 0), first, sizeof first);
        char qd[600];
        zs_log(ZS_LOG_ERROR, "event=reload_failed message=%s detail=%s",
               zs_log_quote(zp_ctx_errmsg(S->ctx), q, sizeof q),
               first[0] ? zs_log_quote(first, qd, sizeof qd) : "-");
        zs_alert_raise("reload", ZS_ALERT_WARNING, "control", "reloading %s failed (kept the old model): %s",
                       S->model_path, zp_ctx_errmsg(S->ctx));
        zp_ctx_clear_error(S->ctx);
        zp_ctx_diag_clear(S->ctx);
        zp_model_free(S->ctx, m);
        return false;
    }
    zs_alert_clear("reload");
    stop_acquisition(S);
    zs_ingest_set_devices(S->ingest, NULL);
    pthread_rwlock_wrlock(&S->model_lock);
    zp_model *oldm = S->model;
    zp_factor_set *oldfs = S->factors;
    S->model = m;
    S->factors = fs;
    S->devs = m->devices; /* the model's: freed with it */
    S->year_known = false; /* the year's figures follow the new model at once */
    pthread_rwlock_unlock(&S->model_lock);
    zs_ingest_set_devices(S->ingest, &S->devs);
    zp_factor_set_free(S->ctx, oldfs);
    zp_model_free(S->ctx, oldm);
    start_acquisition(S);
    zs_log(ZS_LOG_INFO, "event=reloaded park=%s devices=%zu", zs_log_quote(m->name, q, sizeof q),
           S->devs.n);
    return true;
}

static void log_to_stderr(void *ud, zp_log_level level, const char *msg)
{
    char q[600];
    (void)ud;
    zs_log(level == ZP_LOG_DEBUG ? ZS_LOG_DEBUG : level == ZP_LOG_INFO ? ZS_LOG_INFO
           : level == ZP_LOG_WARN ? ZS_LOG_WARN : ZS_LOG_ERROR,
           "event=library message=%s", zs_log_quote(msg, q, sizeof q));
}

int zs_serve_main(const zs_serve_opts *o)
{
    static zs_server server;
    zs_server *S = &server;
    int ex = 0;
    char err[1024], q[600];
    sigset_t set;

    memset(S, 0, sizeof *S);
    /* A few hundred threads (one per Modbus device, the HTTP pool, MQTT)
     * would each get a malloc arena; two keep the resident size small and
     * the allocations are not contended. */
    mallopt(M_ARENA_MAX, 2);
    pthread_rwlock_init(&S->model_lock, NULL);
    pthread_mutex_init(&S->doc_lock, NULL);
    zs_config_defaults(&S->cfg);
    if (zs_config_load(o->config, &S->cfg, err, sizeof err)) {
        fprintf(stderr, "zeropark serve: %s\n", err);
        return 2;
    }
    if (o->db)
        snprintf(S->cfg.db, sizeof S->cfg.db, "%s", o->db);
    if (o->listen && zs_config_listen(&S->cfg, o->listen)) {
        fprintf(stderr, "zeropark serve: --listen '%s': expected HOST:PORT (127.0.0.1:8080)\n", o->listen);
        return 2;
    }
    if (o->web)
        snprintf(S->cfg.web, sizeof S->cfg.web, "%s", o->web);
    if (!S->cfg.raw_db[0]) /* "park.db" -> "park-raw.db" */
        zs_raw_db_path(S->cfg.db, NULL, S->cfg.raw_db, sizeof S->cfg.raw_db);
    zs_log_set_level(S->cfg.log_level);
    snprintf(S->model_path, sizeof S->model_path, "%s", o->model);
    S->dry_run = o->dry_run;
    atomic_store(&S->mode, o->dry_run ? ZS_MODE_DRY_RUN : ZS_MODE_NORMAL);
    S->t_start_ms = zs_now_ms();
    if (zs_clock_offset_s())
        zs_log(ZS_LOG_WARN, "event=clock_shifted offset_s=%lld message=\"ZEROPARK_TEST_CLOCK_OFFSET_S "
               "is set: the daemon's clock is shifted (for tests only)\"",
               (long long)zs_clock_offset_s());

    /* Block the signals before any thread starts: the main loop takes them. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    if (!(S->ctx = zp_ctx_new()) || !(S->cctx = zp_ctx_new())) {
        fprintf(stderr, "zeropark serve: out of memory\n");
        return 3;
    }
    zp_ctx_set_log(S->ctx, log_to_stderr, NULL);
    zp_ctx_set_log(S->cctx, log_to_stderr, NULL);
    zp_status rc = zp_model_load_file(S->ctx, o->model, 0, &S->model);
    if (!rc)
        S->devs = S->model->devices; /* the model's: freed with it */
    if (!rc && S->model->accounting.factor_set_path)
        rc = zp_factor_set_load_dir(S->ctx, S->model->accounting.factor_set_path, &S->factors);
    if (rc) {
        print_ctx_error(o->model, S->ctx);
        ex = 2;
        goto out;
    }
    zs_ingest_opts io = {.raw_db = S->cfg.raw_db,
                         .db = S->cfg.db,
                         .store_step_s = S->cfg.store_step_s,
                         .account_step_s = S->cfg.account_step_s,
                         .flush_ms = S->cfg.flush_ms,
                         .queue_max = S->cfg.queue_max,
                         .dc_pue = S->model->datacenter.present ? S->model->datacenter.pue : 1,
                         .devs = &S->devs,
                         .metrics = &S->metrics};
    if ((rc = zs_ingest_start(S->ctx, &io, &S->ingest))) {
        print_ctx_error(S->cfg.db, S->ctx);
        ex = rc == ZP_ENOMEM ? 3 : 2;
        goto out;
    }
    zs_status_refresh(S, true);
    if (zs_http_start(S, &S->http, err, sizeof err) != ZP_OK) {
        fprintf(stderr, "zeropark serve: %s\n", err);
        ex = 2;
        goto out;
    }
    start_acquisition(S);
    char qdb[600];
    zs_log(ZS_LOG_INFO,
           "event=start version=%s park=%s listen=%s:%d db=%s devices=%zu mode=%s replan_min=%d pid=%ld",
           ZP_VERSION_STRING, zs_log_quote(S->model->name, q, sizeof q), S->cfg.listen_host,
           zs_http_port(S->http), zs_log_quote(S->cfg.db, qdb, sizeof qdb), S->devs.n,
           zs_mode_name((zs_mode)atomic_load(&S->mode)),
           S->cfg.replan_min, (long)getpid());

    zs_dev_state prev[1024];
    memset(prev, 0, sizeof prev);
    int64_t t = zs_mono_ms();
    int64_t next_status = t + 1000, next_year = t + 300000;
    int64_t next_control = t + 10000; /* the first plan once the first readings are in */
    for (;;) {
        int64_t now = zs_mono_ms();
        int64_t wait = next_status - now;
        if (wait > 0) {
            struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
            siginfo_t si;
            int sig = sigtimedwait(&set, &si, &ts);
            if (sig == SIGTERM || sig == SIGINT) {
                zs_log(ZS_LOG_INFO, "event=stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
                break;
            }
            if (sig == SIGHUP)
                zs_control_join(); /* the poller restarts: no setpoint write in flight */
            if (sig == SIGHUP && reload(S))
                next_control = zs_mono_ms() + 2000; /* re-plan on the new model once polled */
            continue;
        }
        bool year = now >= next_year;
        if (year)
            next_year = now + 300000;
        zs_status_refresh(S, year);
        zs_health_check(S, prev, sizeof prev / sizeof prev[0]);
        next_status = now + 1000;
        if (now >= next_control) {
            zs_control_start(S);
            next_control = now + (int64_t)S->cfg.replan_min * 60000;
        }
    }
out:
    zs_http_stop(S->http);
    S->http = NULL;
    zs_control_join();
    stop_acquisition(S);
    if (S->ingest) {
        zs_ingest_stop(S->ingest); /* writes what is queued */
        zs_log(ZS_LOG_INFO, "event=stopped readings_stored=%llu",
               (unsigned long long)atomic_load(&S->metrics.readings_stored));
    }
    S->ingest = NULL;
    zp_store_close(S->park_ro);
    zp_store_close(S->cpark);
    zp_store_close(S->craw);
    zp_ctx_free(S->cctx);
    zp_factor_set_free(S->ctx, S->factors);
    zp_model_free(S->ctx, S->model);
    zp_ctx_free(S->ctx);
    zs_doc_unref(S->status_doc);
    zs_doc_unref(S->info_doc);
    zs_doc_unref(S->plan_doc);
    pthread_rwlock_destroy(&S->model_lock);
    pthread_mutex_destroy(&S->doc_lock);
    zs_alerts_reset();
    return ex;
}
