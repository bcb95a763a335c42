/*
 * http_api.c - the endpoints of the JSON API that are more than a shared
 * document (docs/api.md): series and their values, carbon over a window,
 * devices and their health, /metrics, POST /api/v1/readings and the
 * credit ledger's operations.
 */
#define _DEFAULT_SOURCE
#include "http_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "doc.h"
#include "health.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"

/* ---- query helpers ------------------------------------------------------- */

static int parse_step(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v <= 0)
        return -1;
    int64_t mul = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        mul = 60, end++;
    else if (*end == 'h')
        mul = 3600, end++;
    else if (*end == 'd')
        mul = 86400, end++;
    if (*end || v > 366LL * 86400 / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static int query_time(struct MHD_Connection *c, const char *key, int32_t off, int64_t *t_s, bool *given)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
    *given = v != NULL;
    if (!v)
        return 0;
    int64_t ms;
    if (zs_time_text_parse(v, strlen(v), off, &ms))
        return -1;
    *t_s = ms / 1000;
    return 0;
}

/* ---- endpoints ----------------------------------------------------------- */

static void add_series_list(json_t *arr, zp_store *st, zp_ctx *ctx, int32_t off)
{
    zp_store_series_info *info = NULL;
    size_t n = 0;
    char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
    if (!st || zp_store_series_list(st, &info, &n) != ZP_OK) {
        zp_ctx_clear_error(ctx);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool any = info[i].count > 0;
        json_array_append_new(
            arr, json_pack("{ss so sI so so}", "name", info[i].name, "unit",
                           info[i].unit ? json_string(info[i].unit) : json_null(), "step_s",
                           (json_int_t)info[i].step_s,
                           "first", any ? json_string(zp_time_format(info[i].first, off, a)) : json_null(),
                           "last", any ? json_string(zp_time_format(info[i].last_end, off, b)) : json_null()));
    }
    zp_store_series_info_free(ctx, info, n);
}

enum MHD_Result http__ep_series_list(zs_http *h, struct MHD_Connection *c, tls_state *t, int32_t off)
{
    json_t *arr = json_array();
    add_series_list(arr, http__tls_store(h, t, true), t->ctx, off);
    add_series_list(arr, http__tls_store(h, t, false), t->ctx, off);
    return http__send_json(h, c, 200, json_pack("{so}", "series", arr));
}

/* The stored name (raw or park store) nearest to name into out: true when
 * one is close enough (zp_nearest). */
static bool nearest_series(zs_http *h, tls_state *t, const char *name, char *out, size_t outsz)
{
    zp_store_series_info *info[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    const char **names = NULL;
    bool found = false;
    for (int k = 0; k < 2; k++) {
        zp_store *st = http__tls_store(h, t, k == 1);
        if (!st || zp_store_series_list(st, &info[k], &n[k]) != ZP_OK) {
            zp_ctx_clear_error(t->ctx);
            info[k] = NULL;
            n[k] = 0;
        }
    }
    if (n[0] + n[1] && (names = calloc(n[0] + n[1], sizeof *names))) {
        size_t m = 0;
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < n[k]; i++)
                names[m++] = info[k][i].name;
        const char *near = zp_nearest(name, names, m);
        if (near && strlen(near) < outsz) {
            snprintf(out, outsz, "%s", near);
            found = true;
        }
    }
    free(names);
    for (int k = 0; k < 2; k++)
        zp_store_series_info_free(t->ctx, info[k], n[k]);
    return found;
}

enum MHD_Result http__ep_series(zs_http *h, struct MHD_Connection *c, tls_state *t, const char *name,
                                 int32_t off)
{
    if (!zs_series_name_ok(name))
        return http__send_error(h, c, 400, "bad_request",
                                "series name: 1..111 characters A-Z a-z 0-9 . _ - : expected");
    zp_store *st = NULL;
    zp_store_series_info info;
    memset(&info, 0, sizeof info);
    bool failed = false;
    zp_store *cand[2] = {http__tls_store(h, t, false), http__tls_store(h, t, true)};
    for (int k = 0; k < 2 && !st; k++) {
        if (!cand[k])
            continue;
        zp_status rc = zp_store_series_get(cand[k], name, &info);
        if (rc == ZP_OK) {
            st = cand[k];
        } else {
            if (rc != ZP_ENOTFOUND) { /* the details (file paths) go to the log only */
                char q[600];
                zs_log(ZS_LOG_ERROR, "event=store_error store=%s message=%s", k ? "park" : "raw",
                       zs_log_quote(zp_ctx_errmsg(t->ctx), q, sizeof q));
                failed = true;
            }
            zp_ctx_clear_error(t->ctx);
        }
    }
    if (!st && failed)
        return http__send_error(h, c, 500, "internal", "series '%s': a store could not be read (see the log)",
                                name);
    if (!st) {
        /* the message names the series and the nearest of both stores,
         * never the store files */
        char near[128];
        if (nearest_series(h, t, name, near, sizeof near))
            return http__send_error(h, c, 404, "not_found", "no series '%s'; did you mean '%s'?", name, near);
        return http__send_error(h, c, 404, "not_found", "no series '%s' (GET /api/v1/series lists them)", name);
    }
    const int64_t sstep = info.step_s;
    zp_series_kind kind = info.kind;
    json_t *unit = info.unit ? json_string(info.unit) : json_null();
    zp_store_series_info_clear(t->ctx, &info);
    int64_t step = sstep, from = 0, to = 0;
    bool gf, gt;
    const char *sp = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "step");
    if (sp && (parse_step(sp, &step) || step % sstep != 0)) {
        json_decref(unit);
        return http__send_error(h, c, 400, "bad_request",
                                "step '%s': seconds or 15m, 1h, 1d, a multiple of the stored step %llds",
                                sp, (long long)sstep);
    }
    if (query_time(c, "from", off, &from, &gf) || query_time(c, "to", off, &to, &gt)) {
        json_decref(unit);
        return http__send_error(h, c, 400, "bad_request",
                                "from/to: ISO-8601 times (2024-06-01T00:00:00+08:00), dates or Unix ms");
    }
    int64_t now = zs_now_ms() / 1000;
    int64_t offs = (int64_t)off * 60;
    if (!gt)
        to = (zp_fdiv(now + offs, step) + 1) * step - offs;
    if (!gf)
        from = to - 86400;
    /* align to the step grid of the park's local time */
    from = zp_fdiv(from + offs, step) * step - offs;
    to = -zp_fdiv(-(to + offs), step) * step - offs;
    if (to <= from) {
        json_decref(unit);
        return http__send_error(h, c, 400, "bad_request", "to must be after from");
    }
    int64_t nout = (to - from) / step;
    if (nout > MAX_VALUES) {
        json_decref(unit);
        return http__send_error(h, c, 413, "too_large",
                                "%lld values asked, at most %d: use a coarser step or a shorter window",
                                (long long)nout, MAX_VALUES);
    }
    /* A counter (the readings of a cumulative register, docs/formats.md
     * "Counters") asked for at a step gives the energy of each interval:
     * the reading at its end minus the one at its start, roll-overs and
     * resets counted and noise left out by zp_counter_advance, as `zeropark export
     * --step-min`. Without a step it gives its readings. */
    const bool diff = kind == ZP_SERIES_COUNTER && sp;
    double *sum = calloc((size_t)nout, sizeof *sum);
    uint32_t *cnt = calloc((size_t)nout + 1, sizeof *cnt);
    if (!sum || !cnt) {
        free(sum);
        free(cnt);
        json_decref(unit);
        return http__send_error(h, c, 500, "internal", "out of memory");
    }
    /* a counter's differences need the reading at `to` too */
    const int64_t rto = diff ? to + sstep : to;
    int64_t prev_t = 0;
    double prev_v = NAN;
    size_t drops = 0;
    /* read in pieces of at most a day of stored values */
    int64_t piece = sstep * 86400;
    for (int64_t a = from; a < rto; a += piece) {
        int64_t b = a + piece < rto ? a + piece : rto;
        zp_series *s = NULL;
        if (zp_store_read(st, name, a, b, &s) != ZP_OK) {
            char q[600];
            zs_log(ZS_LOG_ERROR, "event=store_error series=%s message=%s", name,
                   zs_log_quote(zp_ctx_errmsg(t->ctx), q, sizeof q));
            zp_ctx_clear_error(t->ctx);
            free(sum);
            free(cnt);
            json_decref(unit);
            return http__send_error(h, c, 500, "internal", "reading series '%s' failed (see the log)", name);
        }
        for (size_t i = 0; i < s->len; i++) {
            int64_t ts = s->start + (int64_t)i * s->step_s;
            if (isnan(s->v[i]) || ts < from || ts >= rto)
                continue;
            if (diff) {
                /* cnt[k]: a reading at the boundary from + k*step; an
                 * increment counts in the interval that holds both of
                 * its readings (one that spans a boundary has no
                 * reading there, so both intervals stay empty) */
                if ((ts - from) % step == 0)
                    cnt[(ts - from) / step] = 1;
                double before = prev_v;
                double inc = zp_counter_advance(&prev_v, s->v[i], NULL);
                if (!isnan(before)) {
                    int64_t k = (prev_t - from) / step;
                    if (ts <= from + (k + 1) * step && k < nout) {
                        sum[k] += inc;
                        drops += s->v[i] < before && !zp_counter_is_noise(before, s->v[i]);
                    }
                }
                prev_t = ts; /* prev_v: the reading the counter goes on from */
                continue;
            }
            int64_t k = (ts - from) / step;
            sum[k] += s->v[i];
            cnt[k]++;
        }
        zp_series_free(t->ctx, s);
    }
    json_t *vals = json_array();
    for (int64_t k = 0; k < nout; k++)
        json_array_append_new(vals, diff ? (cnt[k] && cnt[k + 1] ? json_real(sum[k]) : json_null())
                                    : cnt[k] ? json_real(kind == ZP_SERIES_ENERGY ? sum[k] : sum[k] / cnt[k])
                                             : json_null());
    free(sum);
    free(cnt);
    char fa[ZP_TIME_BUFSIZE], fb[ZP_TIME_BUFSIZE];
    json_t *doc = json_pack("{ss so ss ss sI so}", "name", name, "unit", unit, "from",
                            zp_time_format(from, off, fa), "to", zp_time_format(to, off, fb),
                            "step_s", (json_int_t)step, "values", vals);
    if (doc && diff)
        json_object_set_new(doc, "drops", json_integer((json_int_t)drops));
    return http__send_json(h, c, 200, doc);
}

enum MHD_Result http__ep_carbon(zs_http *h, struct MHD_Connection *c, tls_state *t)
{
    zs_server *S = h->S;
    enum MHD_Result ok;
    const char *by = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by");
    unsigned flags;
    if (!by || strcmp(by, "month") == 0)
        flags = ZP_ACCT_BY_MONTH, by = "month";
    else if (strcmp(by, "total") == 0)
        flags = 0;
    else if (strcmp(by, "day") == 0)
        flags = ZP_ACCT_BY_MONTH | ZP_ACCT_BY_DAY;
    else if (strcmp(by, "hour") == 0)
        flags = ZP_ACCT_BY_MONTH | ZP_ACCT_BY_DAY | ZP_ACCT_BY_ASSET;
    else
        return http__send_error(h, c, 400, "bad_request", "by '%s': use total, month, day or hour", by);
    pthread_rwlock_rdlock(&S->model_lock);
    const zp_model *m = S->model;
    int32_t off = m->utc_offset_min;
    int64_t offs = (int64_t)off * 60, now = zs_now_ms() / 1000, from = 0, to = 0;
    bool gf, gt;
    if (query_time(c, "from", off, &from, &gf) || query_time(c, "to", off, &to, &gt)) {
        pthread_rwlock_unlock(&S->model_lock);
        return http__send_error(h, c, 400, "bad_request",
                                "from/to: ISO-8601 times (2024-06-01T00:00:00+08:00), dates or Unix ms");
    }
    if (!gt)
        to = now;
    if (!gf) {
        int64_t y;
        unsigned mo, d;
        zp_civil_from_days(zp_fdiv(now + offs, 86400), &y, &mo, &d);
        from = zp_days_from_civil(y, 1, 1) * 86400 - offs;
    }
    zp_store *st = http__tls_store(h, t, true);
    zp_acct_input *in = NULL;
    zp_acct_result *r = NULL;
    char *text = NULL;
    zp_status rc = ZP_EIO;
    if (to <= from) {
        pthread_rwlock_unlock(&S->model_lock);
        return http__send_error(h, c, 400, "bad_request", "to must be after from");
    }
    size_t missing = 0;
    if (st && !(rc = zp_acct_from_store_ex(t->ctx, st, m, from, to, ZP_ACCT_FILL_GAPS, &in))) {
        missing = in->missing_steps;
        zp_acct_opts o;
        zp_acct_opts_from_model(&o, m);
        o.by = flags;
        if (S->factors)
            o.factors = S->factors;
        if (!(rc = zp_account(t->ctx, in, &o, &r)))
            rc = zp_acct_result_json(t->ctx, r, 0, &text);
    }
    pthread_rwlock_unlock(&S->model_lock);
    if (rc) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", st ? zp_ctx_errmsg(t->ctx) : "the park store cannot be opened");
        zp_ctx_clear_error(t->ctx);
        zp_ctx_diag_clear(t->ctx);
        zp_acct_result_free(t->ctx, r);
        zp_acct_input_free(t->ctx, in);
        bool input = rc == ZP_EDATA || rc == ZP_ERANGE || rc == ZP_EINVAL || rc == ZP_ENOTFOUND;
        return http__send_error(h, c, input ? 400 : 500, input ? "bad_request" : "internal",
                                "accounting %s: %s", by, msg);
    }
    json_t *doc = json_loads(text, 0, NULL);
    zp_acct_text_free(t->ctx, text);
    zp_acct_result_free(t->ctx, r);
    zp_acct_input_free(t->ctx, in);
    if (!doc)
        return http__send_error(h, c, 500, "internal", "accounting document did not parse");
    char fa[ZP_TIME_BUFSIZE], fb[ZP_TIME_BUFSIZE];
    json_object_set_new(doc, "from", json_string(zp_time_format(from, off, fa)));
    json_object_set_new(doc, "to", json_string(zp_time_format(to, off, fb)));
    json_object_set_new(doc, "by", json_string(by));
    /* meter-steps without a reading, counted as nothing metered */
    json_object_set_new(doc, "missing_meter_steps", json_integer((json_int_t)missing));
    ok = http__send_json(h, c, 200, doc);
    return ok;
}

enum MHD_Result http__ep_devices(zs_http *h, struct MHD_Connection *c)
{
    zs_server *S = h->S;
    json_t *arr = json_array();
    char tb[ZP_TIME_BUFSIZE];
    pthread_rwlock_rdlock(&S->model_lock);
    int32_t off = S->model->utc_offset_min;
    int64_t now = zs_now_ms();
    for (size_t i = 0; i < S->devs.n; i++) {
        const zs_device *d = &S->devs.dev[i];
        zs_dev_health hl;
        zs_device_health(S, i, &hl);
        json_t *pts = json_array();
        int64_t newest = 0;
        for (size_t j = 0; j < d->npoints; j++) {
            double v;
            int64_t tms;
            bool have = zs_ingest_latest(S->ingest, d->points[j].series, &v, &tms);
            if (have && tms > newest)
                newest = tms;
            json_array_append_new(pts, json_pack("{ss so ss so}", "series", d->points[j].series, "value",
                                                 have ? json_real(v) : json_null(), "unit",
                                                 d->points[j].unit, "t",
                                                 have ? json_string(zs_time_fmt(tms, off, tb)) : json_null()));
        }
        if (d->kind == ZS_DEV_HTTP) {
            hl.last_ok_ms = newest;
            hl.state = !newest ? ZS_STATE_UNKNOWN
                       : now - newest > (int64_t)S->cfg.stale_s * 1000 ? ZS_STATE_STALE
                                                                       : ZS_STATE_OK;
        } else if (hl.state == ZS_STATE_OK && hl.last_ok_ms &&
                   now - hl.last_ok_ms > (int64_t)S->cfg.stale_s * 1000) {
            hl.state = ZS_STATE_STALE;
        }
        json_array_append_new(
            arr, json_pack("{ss ss ss so so sI sI sI sI sI sI sI so}", "name", d->name, "kind",
                           d->kind == ZS_DEV_MODBUS ? "modbus" : d->kind == ZS_DEV_MQTT ? "mqtt" : "http",
                           "state", zs_dev_state_name(hl.state), "last_ok",
                           hl.last_ok_ms ? json_string(zs_time_fmt(hl.last_ok_ms, off, tb)) : json_null(),
                           "last_error", hl.last_error[0] ? json_string(hl.last_error) : json_null(),
                           "polls", (json_int_t)hl.polls, "errors", (json_int_t)hl.errors,
                           "timeouts", (json_int_t)hl.timeouts, "exceptions", (json_int_t)hl.exceptions,
                           "reconnects", (json_int_t)hl.reconnects, "writes", (json_int_t)hl.writes,
                           "write_errors", (json_int_t)hl.write_errors, "points", pts));
    }
    pthread_rwlock_unlock(&S->model_lock);
    return http__send_json(h, c, 200, json_pack("{so}", "devices", arr));
}

enum MHD_Result http__ep_metrics(zs_http *h, struct MHD_Connection *c)
{
    zs_server *S = h->S;
    zs_metrics *M = &S->metrics;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return http__send_error(h, c, 500, "internal", "out of memory");
#define COUNTER(name, help, v)                                                                  \
    fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,              \
            (unsigned long long)(v))
#define GAUGE(name, help, fmt, v)                                                               \
    fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s " fmt "\n", name, help, name, name, v)
    fprintf(f, "# HELP zeropark_readings_total Readings accepted, by source.\n"
               "# TYPE zeropark_readings_total counter\n"
               "zeropark_readings_total{source=\"http\"} %llu\n"
               "zeropark_readings_total{source=\"mqtt\"} %llu\n"
               "zeropark_readings_total{source=\"modbus\"} %llu\n",
            (unsigned long long)M->readings_http, (unsigned long long)M->readings_mqtt,
            (unsigned long long)M->readings_modbus);
    COUNTER("zeropark_readings_stored_total", "Readings written to the raw store.", M->readings_stored);
    COUNTER("zeropark_readings_dropped_total", "Readings refused because the queue was full.",
            M->readings_dropped);
    size_t queued;
    bool dropping;
    zs_ingest_queue_state(S->ingest, &queued, &dropping);
    GAUGE("zeropark_ingest_queue_readings", "Readings waiting to be written (queue_max at most).", "%zu",
          queued);
    GAUGE("zeropark_ingest_dropping",
          "1 while readings are being dropped (queue full; the ingest alert is active).", "%d",
          (int)dropping);
    COUNTER("zeropark_store_flushes_total", "Batches written.", M->flushes);
    COUNTER("zeropark_store_errors_total", "Batches that failed to write.", M->store_errors);
    fprintf(f, "# HELP zeropark_http_requests_total HTTP responses by status code.\n"
               "# TYPE zeropark_http_requests_total counter\n");
    for (unsigned cls = 1; cls <= 5; cls++)
        for (unsigned s = 0; s < 32; s++)
            if (M->http_by_code[cls][s])
                fprintf(f, "zeropark_http_requests_total{code=\"%u\"} %llu\n", cls * 100 + s,
                        (unsigned long long)M->http_by_code[cls][s]);
    COUNTER("zeropark_http_protocol_errors_total",
            "Requests refused for their framing or headers (a malformed or conflicting "
            "Content-Length, a header too large), each once.",
            M->http_protocol_errors);
    COUNTER("zeropark_mqtt_messages_total", "MQTT messages received.", M->mqtt_messages);
    COUNTER("zeropark_mqtt_malformed_total", "MQTT messages rejected as malformed.", M->mqtt_malformed);
    GAUGE("zeropark_mqtt_connected", "1 while connected to the MQTT broker.", "%d", (int)M->mqtt_connected);
    COUNTER("zeropark_replans_total", "Plans made by the control loop.", M->replans);
    COUNTER("zeropark_replan_failures_total", "Plans that failed (safe mode).", M->replan_failures);
    COUNTER("zeropark_setpoint_writes_total", "Setpoints written.", M->setpoint_writes);
    COUNTER("zeropark_setpoint_write_errors_total", "Setpoint writes that failed.", M->setpoint_write_errors);
    COUNTER("zeropark_setpoint_clamped_total", "Setpoints changed by the device limits.", M->setpoint_clamped);
    GAUGE("zeropark_safe_mode", "1 in safe mode.", "%d", atomic_load(&S->mode) == ZS_MODE_SAFE);
    GAUGE("zeropark_alerts_active", "Active alerts.", "%zu", zs_alerts_active());
    pthread_rwlock_rdlock(&S->model_lock);
    fprintf(f, "# HELP zeropark_device_state Device state: 0 unknown, 1 ok, 2 stale, 3 down.\n"
               "# TYPE zeropark_device_state gauge\n");
    for (size_t i = 0; i < S->devs.n; i++) {
        zs_dev_health hl;
        zs_device_health(S, i, &hl);
        fprintf(f, "zeropark_device_state{device=\"%s\"} %d\n", S->devs.dev[i].name, (int)hl.state);
    }
    fprintf(f, "# HELP zeropark_poll_errors_total Failed polls per device.\n"
               "# TYPE zeropark_poll_errors_total counter\n");
    for (size_t i = 0; i < S->devs.n; i++) {
        zs_dev_health hl;
        zs_device_health(S, i, &hl);
        fprintf(f, "zeropark_poll_errors_total{device=\"%s\"} %llu\n", S->devs.dev[i].name,
                (unsigned long long)hl.errors);
    }
    zs_live L;
    zs_ingest_live(S->ingest, S->model, &L);
    double pue = S->model->datacenter.present ? S->model->datacenter.pue : 1;
    pthread_rwlock_unlock(&S->model_lock);
    fprintf(f, "# HELP zeropark_power_kw Latest power by flow (battery + discharge, grid + import).\n"
               "# TYPE zeropark_power_kw gauge\n");
    const struct {
        const char *n;
        bool has;
        double v;
    } flows[] = {{"pv", L.has_pv, L.pv_kw},
                 {"wind", L.has_wind, L.wind_kw},
                 {"battery", L.has_battery, L.battery_kw},
                 {"grid", L.has_grid, L.grid_kw},
                 {"load", L.has_load, L.load_kw},
                 {"datacenter", L.has_dc_facility || L.has_dc_it,
                  L.has_dc_facility ? L.dc_facility_kw : L.dc_it_kw * pue}};
    for (size_t i = 0; i < sizeof flows / sizeof flows[0]; i++)
        if (flows[i].has)
            fprintf(f, "zeropark_power_kw{flow=\"%s\"} %.6g\n", flows[i].n, flows[i].v);
    double se = 0, sw = 0;
    for (size_t i = 0; i < L.nsoc; i++)
        if (!isnan(L.soc[i]))
            se += L.soc[i], sw += 1;
    if (sw > 0)
        GAUGE("zeropark_soc", "Mean battery state of charge, 0..1.", "%.6g", se / sw);
#undef COUNTER
#undef GAUGE
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return http__send_error(h, c, 500, "internal", "out of memory");
    }
    return http__send_buf(h, c, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len, MHD_RESPMEM_MUST_FREE);
}

/* ---- POST /api/v1/readings ----------------------------------------------- */

bool http__token_ok(const zs_config *cfg, struct MHD_Connection *c)
{
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!cfg->token[0] || !a || strncmp(a, "Bearer ", 7) != 0)
        return false;
    a += 7;
    size_t n = strlen(cfg->token), m = strlen(a);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++) /* constant time over the token's length */
        diff |= (unsigned char)(cfg->token[i] ^ (i < m ? a[i] : 0));
    return diff == 0;
}

enum MHD_Result http__ep_readings(zs_http *h, struct MHD_Connection *c, req *rq)
{
    zs_server *S = h->S;
    if (rq->too_large)
        return http__send_error(h, c, 413, "too_large", "body larger than max_body_bytes (%ld bytes)",
                                S->cfg.max_body_bytes);
    json_t *root = NULL;
    zs_parsed *r = NULL;
    size_t n = 0;
    bool toobig;
    char err[256];
    pthread_rwlock_rdlock(&S->model_lock);
    int32_t off = S->model->utc_offset_min;
    pthread_rwlock_unlock(&S->model_lock);
    if (zs_readings_parse(rq->body ? rq->body : "", rq->len, off, zs_now_ms(), MAX_READINGS_PER_REQUEST,
                          &root, &r, &n, &toobig, err, sizeof err))
        return http__send_error(h, c, toobig ? 413 : 400, toobig ? "too_large" : "bad_request", "%s", err);
    long k = zs_ingest_push(S->ingest, ZS_SRC_HTTP, r, n);
    free(r);
    json_decref(root);
    if (k < 0)
        return http__send_error(h, c, 503, "unavailable", "the ingest queue is full (queue_max %ld); retry later",
                                S->cfg.queue_max);
    return http__send_json(h, c, 202, json_pack("{sI}", "accepted", (json_int_t)k));
}

/* ---- /api/v1/credits/<op> ------------------------------------------------- */

/* The ledger's operations (docs/credits.md) over HTTP: writes are POST with
 * the arguments as a JSON object and an optional Idempotency-Key header,
 * behind the bearer token; reads are GET with the arguments in the query
 * string. One ledger handle per pool thread; SQLite serialises writers. */
const char *const http__credit_writes[] = {"account", "project", "issue", "transfer",
                                            "retire", "cancel", "order", NULL};
const char *const http__credit_reads[] = {"balance", "book", "history", "verify", "offsets", NULL};

bool http__in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (strcmp(*l, s) == 0)
            return true;
    return false;
}

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    json_t *args = cls;
    if (!key || !value)
        return MHD_YES;
    /* whole numbers (after, limit, year, vintage, qty, order) as integers */
    char *end = NULL;
    long long v = strtoll(value, &end, 10);
    if (*value && end && *end == '\0' && strlen(value) < 19)
        json_object_set_new(args, key, json_integer(v));
    else
        json_object_set_new(args, key, json_string(value));
    return MHD_YES;
}

static unsigned credit_status(zp_status rc)
{
    switch (rc) {
    case ZP_EINVAL: return 400;
    case ZP_ENOTFOUND: return 404;
    case ZP_EEXISTS: return 409;
    case ZP_ERANGE: return 409;
    case ZP_ENOMEM: return 503;
    default: return 500;
    }
}

enum MHD_Result http__ep_credits(zs_http *h, struct MHD_Connection *c, const char *op, bool post,
                                  req *rq)
{
    zs_server *S = h->S;
    bool w = http__in_list(http__credit_writes, op), r = http__in_list(http__credit_reads, op);
    if (!w && !r)
        return http__send_error(h, c, 404, "not_found",
                                "no credits operation '%.64s' (account, project, issue, transfer, retire, "
                                "cancel, order, balance, book, history, verify, offsets)", op);
    if (w != post)
        return http__send_405(h, c, w ? "POST" : "GET, HEAD", "/api/v1/credits/%.64s: use %s", op,
                              w ? "POST" : "GET");
    if (!S->cfg.credits_db[0])
        return http__send_error(h, c, 404, "not_found",
                                "the credit ledger is off: set \"credits_db\" in the config file");
    if (rq && rq->too_large)
        return http__send_error(h, c, 413, "too_large", "body larger than max_body_bytes (%ld bytes)",
                                S->cfg.max_body_bytes);
    tls_state *t = http__tls_get(h);
    if (!t)
        return http__send_error(h, c, 500, "internal", "out of memory");
    if (!t->lg && zp_ledger_open(t->ctx, S->cfg.credits_db, ZP_LEDGER_CREATE, &t->lg))
        return http__send_error(h, c, 500, "internal", "credit ledger %.200s: %.200s", S->cfg.credits_db,
                                zp_ctx_errmsg(t->ctx));
    json_t *args = NULL;
    if (post) {
        json_error_t je;
        args = json_loadb(rq && rq->body ? rq->body : "{}", rq && rq->len ? rq->len : 2,
                          JSON_REJECT_DUPLICATES, &je);
        char words[JSON_ERROR_TEXT_LENGTH + 128];
        if (!args)
            return http__send_error(h, c, 400, "bad_request", "body line %d column %d: %.200s", je.line,
                                    je.column, zp_json_errtext(je.text, words, sizeof words));
        if (!json_is_object(args)) {
            json_decref(args);
            return http__send_error(h, c, 400, "bad_request", "body: expected a JSON object of arguments");
        }
    } else {
        args = json_object();
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_arg, args);
    }
    const char *key = post ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key") : NULL;
    if (key && (strlen(key) == 0 || strlen(key) > 200)) {
        json_decref(args);
        return http__send_error(h, c, 400, "bad_request", "Idempotency-Key: 1 to 200 characters");
    }
    json_t *result = NULL;
    zp_status rc = zp_ledger_exec(t->lg, op, args, key, &result);
    json_decref(args);
    if (rc)
        return http__send_error(h, c, credit_status(rc),
                                rc == ZP_EINVAL ? "bad_request" : rc == ZP_ENOTFOUND ? "not_found"
                                : rc == ZP_EEXISTS || rc == ZP_ERANGE ? "conflict" : "internal",
                                "%.400s", zp_ctx_errmsg(t->ctx));
    char qk[256];
    zs_log(ZS_LOG_INFO, "event=credits op=%s key=%s", op, key ? zs_log_quote(key, qk, sizeof qk) : "-");
    return http__send_json(h, c, 200, result);
}

