/*
 * http.c - the HTTP side of `zeropark serve` (libmicrohttpd, epoll, an
 * internal thread pool): the JSON API under /api/v1 (docs/api.md),
 * /metrics, /healthz, Server-Sent Events and the dashboard's static files.
 *
 * Cheap documents (/status, /info, /plan) are built by the main thread and
 * shared by reference; handlers that read the stores (/series, /carbon)
 * use a per-thread context and read-only store connections, so the pool
 * threads never share a zp_ctx. /events parks its connection (suspend)
 * until the main thread publishes a new status (resume).
 */
#define _DEFAULT_SOURCE
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "core/jsonread.h"
#include "clock.h"
#include "control.h"
#include "doc.h"
#include "health.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

#define MAX_READINGS_PER_REQUEST 100000
#define MAX_VALUES 1000000
#define SSE_MAX 64

struct zs_http {
    zs_server *S;
    struct MHD_Daemon *d;
    int port;
    char web[PATH_MAX];
    pthread_key_t tls;
    pthread_mutex_t sse_lock;
    struct MHD_Connection *sse_parked[SSE_MAX];
    size_t nparked;
    int nsse;
    bool quiesce;
};

/* Per pool-thread state. */
typedef struct tls_state {
    zp_ctx *ctx;
    zp_store *raw, *park;
    zp_ledger *lg; /* the credit ledger, opened on first use */
} tls_state;

static void tls_free(void *p)
{
    tls_state *t = p;
    if (!t)
        return;
    zp_store_close(t->raw);
    zp_store_close(t->park);
    zp_ledger_close(t->lg);
    zp_ctx_free(t->ctx);
    free(t);
}

static tls_state *tls_get(zs_http *h)
{
    tls_state *t = pthread_getspecific(h->tls);
    if (t)
        return t;
    if (!(t = calloc(1, sizeof *t)) || !(t->ctx = zp_ctx_new())) {
        free(t);
        return NULL;
    }
    pthread_setspecific(h->tls, t);
    return t;
}

/* Read-only store of this thread (opened on first use). */
static zp_store *tls_store(zs_http *h, tls_state *t, bool park)
{
    zp_store **slot = park ? &t->park : &t->raw;
    if (*slot)
        return *slot;
    /* zs_serve_main has filled cfg.raw_db in (zs_raw_db_path) */
    const char *path = park ? h->S->cfg.db : h->S->cfg.raw_db;
    if (zp_store_open(t->ctx, path, ZP_STORE_READONLY | ZP_STORE_LOWMEM, slot) != ZP_OK)
        *slot = NULL;
    return *slot;
}

/* ---- responses ----------------------------------------------------------- */

typedef struct req {
    char *body;
    size_t len, cap;
    bool too_large;
    bool is_post;
} req;

/* Queue r (and drop our reference); counted in /metrics only when it was
 * queued, so the counters hold what clients were sent. */
static enum MHD_Result queue(zs_http *h, struct MHD_Connection *c, unsigned status,
                             struct MHD_Response *r)
{
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    if (ok == MHD_YES)
        zs_metrics_http(&h->S->metrics, status);
    return ok;
}

/* allow: the Allow header of a 405, else NULL */
static enum MHD_Result send_buf_allow(zs_http *h, struct MHD_Connection *c, unsigned status,
                                      const char *ctype, const char *buf, size_t len,
                                      enum MHD_ResponseMemoryMode mode, const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)buf, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free((void *)buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    return queue(h, c, status, r);
}

static enum MHD_Result send_buf(zs_http *h, struct MHD_Connection *c, unsigned status,
                                const char *ctype, const char *buf, size_t len,
                                enum MHD_ResponseMemoryMode mode)
{
    return send_buf_allow(h, c, status, ctype, buf, len, mode, NULL);
}

static enum MHD_Result send_json_allow(zs_http *h, struct MHD_Connection *c, unsigned status,
                                       json_t *doc, const char *allow)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (!text)
        return send_buf(h, c, 500, "application/json",
                        "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}", 55,
                        MHD_RESPMEM_PERSISTENT);
    return send_buf_allow(h, c, status, "application/json", text, strlen(text), MHD_RESPMEM_MUST_FREE,
                          allow);
}

static enum MHD_Result send_json(zs_http *h, struct MHD_Connection *c, unsigned status, json_t *doc)
{
    return send_json_allow(h, c, status, doc, NULL);
}

/* The error document of docs/api.md, logged as event=http_error. */
static enum MHD_Result send_error_v(zs_http *h, struct MHD_Connection *c, unsigned status,
                                    const char *allow, const char *code, const char *fmt, va_list ap)
    ZP_PRINTF(6, 0);
static enum MHD_Result send_error_v(zs_http *h, struct MHD_Connection *c, unsigned status,
                                    const char *allow, const char *code, const char *fmt, va_list ap)
{
    char msg[512], q[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char peer[64] = "?";
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
        const unsigned char *a =
            (const unsigned char *)&((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr;
        snprintf(peer, sizeof peer, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    }
    zs_log(status >= 500 ? ZS_LOG_ERROR : ZS_LOG_WARN, "event=http_error status=%u code=%s peer=%s message=%s",
           status, code, peer, zs_log_quote(msg, q, sizeof q));
    return send_json_allow(h, c, status, json_pack("{s{ssss}}", "error", "code", code, "message", msg),
                           allow);
}

static enum MHD_Result send_error(zs_http *h, struct MHD_Connection *c, unsigned status,
                                  const char *code, const char *fmt, ...) ZP_PRINTF(5, 6);
static enum MHD_Result send_error(zs_http *h, struct MHD_Connection *c, unsigned status,
                                  const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result ok = send_error_v(h, c, status, NULL, code, fmt, ap);
    va_end(ap);
    return ok;
}

/* 405 method_not_allowed with the Allow header. */
static enum MHD_Result send_405(zs_http *h, struct MHD_Connection *c, const char *allow,
                                const char *fmt, ...) ZP_PRINTF(4, 5);
static enum MHD_Result send_405(zs_http *h, struct MHD_Connection *c, const char *allow,
                                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result ok = send_error_v(h, c, 405, allow, "method_not_allowed", fmt, ap);
    va_end(ap);
    return ok;
}

static enum MHD_Result send_doc(zs_http *h, struct MHD_Connection *c, zs_doc **slot,
                                const char *fallback)
{
    zs_doc *d = zs_doc_get(&h->S->doc_lock, slot);
    if (!d)
        return send_buf(h, c, 200, "application/json", fallback, strlen(fallback),
                        MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = send_buf(h, c, 200, "application/json", d->text, d->len, MHD_RESPMEM_MUST_COPY);
    zs_doc_unref(d);
    return ok;
}

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

static enum MHD_Result ep_series_list(zs_http *h, struct MHD_Connection *c, tls_state *t, int32_t off)
{
    json_t *arr = json_array();
    add_series_list(arr, tls_store(h, t, true), t->ctx, off);
    add_series_list(arr, tls_store(h, t, false), t->ctx, off);
    return send_json(h, c, 200, json_pack("{so}", "series", arr));
}

/* The stored name (raw or park store) nearest to name into out: true when
 * one is close enough (zp__nearest). */
static bool nearest_series(zs_http *h, tls_state *t, const char *name, char *out, size_t outsz)
{
    zp_store_series_info *info[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    const char **names = NULL;
    bool found = false;
    for (int k = 0; k < 2; k++) {
        zp_store *st = tls_store(h, t, k == 1);
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
        const char *near = zp__nearest(name, names, m);
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

static enum MHD_Result ep_series(zs_http *h, struct MHD_Connection *c, tls_state *t, const char *name,
                                 int32_t off)
{
    if (!zs_series_name_ok(name))
        return send_error(h, c, 400, "bad_request",
                          "series name: 1..111 characters A-Z a-z 0-9 . _ - : expected");
    zp_store *st = NULL;
    zp_store_series_info info;
    memset(&info, 0, sizeof info);
    bool failed = false;
    zp_store *cand[2] = {tls_store(h, t, false), tls_store(h, t, true)};
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
        return send_error(h, c, 500, "internal", "series '%s': a store could not be read (see the log)",
                          name);
    if (!st) {
        /* the message names the series and the nearest of both stores,
         * never the store files */
        char near[128];
        if (nearest_series(h, t, name, near, sizeof near))
            return send_error(h, c, 404, "not_found", "no series '%s'; did you mean '%s'?", name, near);
        return send_error(h, c, 404, "not_found", "no series '%s' (GET /api/v1/series lists them)", name);
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
        return send_error(h, c, 400, "bad_request",
                          "step '%s': seconds or 15m, 1h, 1d, a multiple of the stored step %llds",
                          sp, (long long)sstep);
    }
    if (query_time(c, "from", off, &from, &gf) || query_time(c, "to", off, &to, &gt)) {
        json_decref(unit);
        return send_error(h, c, 400, "bad_request",
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
        return send_error(h, c, 400, "bad_request", "to must be after from");
    }
    int64_t nout = (to - from) / step;
    if (nout > MAX_VALUES) {
        json_decref(unit);
        return send_error(h, c, 413, "too_large",
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
        return send_error(h, c, 500, "internal", "out of memory");
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
            return send_error(h, c, 500, "internal", "reading series '%s' failed (see the log)", name);
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
    return send_json(h, c, 200, doc);
}

static enum MHD_Result ep_carbon(zs_http *h, struct MHD_Connection *c, tls_state *t)
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
        return send_error(h, c, 400, "bad_request", "by '%s': use total, month, day or hour", by);
    pthread_rwlock_rdlock(&S->model_lock);
    const zp_model *m = S->model;
    int32_t off = m->utc_offset_min;
    int64_t offs = (int64_t)off * 60, now = zs_now_ms() / 1000, from = 0, to = 0;
    bool gf, gt;
    if (query_time(c, "from", off, &from, &gf) || query_time(c, "to", off, &to, &gt)) {
        pthread_rwlock_unlock(&S->model_lock);
        return send_error(h, c, 400, "bad_request",
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
    zp_store *st = tls_store(h, t, true);
    zp_acct_input *in = NULL;
    zp_acct_result *r = NULL;
    char *text = NULL;
    zp_status rc = ZP_EIO;
    if (to <= from) {
        pthread_rwlock_unlock(&S->model_lock);
        return send_error(h, c, 400, "bad_request", "to must be after from");
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
        return send_error(h, c, input ? 400 : 500, input ? "bad_request" : "internal",
                          "accounting %s: %s", by, msg);
    }
    json_t *doc = json_loads(text, 0, NULL);
    zp_acct_text_free(t->ctx, text);
    zp_acct_result_free(t->ctx, r);
    zp_acct_input_free(t->ctx, in);
    if (!doc)
        return send_error(h, c, 500, "internal", "accounting document did not parse");
    char fa[ZP_TIME_BUFSIZE], fb[ZP_TIME_BUFSIZE];
    json_object_set_new(doc, "from", json_string(zp_time_format(from, off, fa)));
    json_object_set_new(doc, "to", json_string(zp_time_format(to, off, fb)));
    json_object_set_new(doc, "by", json_string(by));
    /* meter-steps without a reading, counted as nothing metered */
    json_object_set_new(doc, "missing_meter_steps", json_integer((json_int_t)missing));
    ok = send_json(h, c, 200, doc);
    return ok;
}

static enum MHD_Result ep_devices(zs_http *h, struct MHD_Connection *c)
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
    return send_json(h, c, 200, json_pack("{so}", "devices", arr));
}

static enum MHD_Result ep_metrics(zs_http *h, struct MHD_Connection *c)
{
    zs_server *S = h->S;
    zs_metrics *M = &S->metrics;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return send_error(h, c, 500, "internal", "out of memory");
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
        return send_error(h, c, 500, "internal", "out of memory");
    }
    return send_buf(h, c, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len, MHD_RESPMEM_MUST_FREE);
}

/* ---- Server-Sent Events ---------------------------------------------------- */

typedef struct sse {
    zs_http *h;
    struct MHD_Connection *c;
    uint64_t sent_version;
    char *pending;             /* an event not yet (fully) handed to MHD */
    size_t plen, poff;
} sse;

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    sse *e = cls;
    zs_http *h = e->h;
    (void)pos;
    if (!e->pending) {
        pthread_mutex_lock(&h->sse_lock);
        if (h->quiesce) {
            pthread_mutex_unlock(&h->sse_lock);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        uint64_t v = atomic_load(&h->S->status_version);
        if (v == e->sent_version) {
            if (h->nparked < SSE_MAX) {
                h->sse_parked[h->nparked++] = e->c;
                MHD_suspend_connection(e->c);
                pthread_mutex_unlock(&h->sse_lock);
                return 0;
            }
            pthread_mutex_unlock(&h->sse_lock);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        pthread_mutex_unlock(&h->sse_lock);
        e->sent_version = v;
        zs_doc *d = zs_doc_get(&h->S->doc_lock, &h->S->status_doc);
        if (!d) {
            static const char ka[] = ": keep-alive\n\n";
            e->pending = strdup(ka);
            e->plen = sizeof ka - 1;
        } else {
            size_t n = d->len + 32;
            if ((e->pending = malloc(n)))
                e->plen = (size_t)snprintf(e->pending, n, "event: status\ndata: %s\n\n", d->text);
            zs_doc_unref(d);
        }
        if (!e->pending)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        e->poff = 0;
    }
    size_t k = e->plen - e->poff < max ? e->plen - e->poff : max;
    memcpy(buf, e->pending + e->poff, k);
    e->poff += k;
    if (e->poff == e->plen) {
        free(e->pending);
        e->pending = NULL;
    }
    return (ssize_t)k;
}

static void sse_free(void *cls)
{
    sse *e = cls;
    zs_http *h = e->h;
    pthread_mutex_lock(&h->sse_lock);
    for (size_t i = 0; i < h->nparked; i++)
        if (h->sse_parked[i] == e->c)
            h->sse_parked[i] = h->sse_parked[--h->nparked];
    h->nsse--;
    pthread_mutex_unlock(&h->sse_lock);
    free(e->pending);
    free(e);
}

void zs_http_notify(zs_http *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->sse_lock);
    for (size_t i = 0; i < h->nparked; i++)
        MHD_resume_connection(h->sse_parked[i]);
    h->nparked = 0;
    pthread_mutex_unlock(&h->sse_lock);
}

static enum MHD_Result ep_events(zs_http *h, struct MHD_Connection *c)
{
    pthread_mutex_lock(&h->sse_lock);
    bool full = h->nsse >= SSE_MAX;
    if (!full)
        h->nsse++;
    pthread_mutex_unlock(&h->sse_lock);
    if (full)
        return send_error(h, c, 503, "unavailable", "too many event streams (%d); poll /api/v1/status",
                          SSE_MAX);
    sse *e = calloc(1, sizeof *e);
    if (!e) {
        pthread_mutex_lock(&h->sse_lock);
        h->nsse--;
        pthread_mutex_unlock(&h->sse_lock);
        return MHD_NO;
    }
    e->h = h;
    e->c = c;
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, e, sse_free);
    if (!r) {
        sse_free(e);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return queue(h, c, 200, r);
}

/* ---- POST /api/v1/readings ----------------------------------------------- */

static bool token_ok(const zs_config *cfg, struct MHD_Connection *c)
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

static enum MHD_Result ep_readings(zs_http *h, struct MHD_Connection *c, req *rq)
{
    zs_server *S = h->S;
    if (rq->too_large)
        return send_error(h, c, 413, "too_large", "body larger than max_body_bytes (%ld bytes)",
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
        return send_error(h, c, toobig ? 413 : 400, toobig ? "too_large" : "bad_request", "%s", err);
    long k = zs_ingest_push(S->ingest, ZS_SRC_HTTP, r, n);
    free(r);
    json_decref(root);
    if (k < 0)
        return send_error(h, c, 503, "unavailable", "the ingest queue is full (queue_max %ld); retry later",
                          S->cfg.queue_max);
    return send_json(h, c, 202, json_pack("{sI}", "accepted", (json_int_t)k));
}

/* ---- /api/v1/credits/<op> ------------------------------------------------- */

/* The ledger's operations (docs/credits.md) over HTTP: writes are POST with
 * the arguments as a JSON object and an optional Idempotency-Key header,
 * behind the bearer token; reads are GET with the arguments in the query
 * string. One ledger handle per pool thread; SQLite serialises writers. */
static const char *const credit_writes[] = {"account", "project", "issue", "transfer",
                                            "retire", "cancel", "order", NULL};
static const char *const credit_reads[] = {"balance", "book", "history", "verify", "offsets", NULL};

static bool in_list(const char *const *l, const char *s)
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

static enum MHD_Result ep_credits(zs_http *h, struct MHD_Connection *c, const char *op, bool post,
                                  req *rq)
{
    zs_server *S = h->S;
    bool w = in_list(credit_writes, op), r = in_list(credit_reads, op);
    if (!w && !r)
        return send_error(h, c, 404, "not_found",
                          "no credits operation '%.64s' (account, project, issue, transfer, retire, "
                          "cancel, order, balance, book, history, verify, offsets)", op);
    if (w != post)
        return send_405(h, c, w ? "POST" : "GET, HEAD", "/api/v1/credits/%.64s: use %s", op,
                        w ? "POST" : "GET");
    if (!S->cfg.credits_db[0])
        return send_error(h, c, 404, "not_found",
                          "the credit ledger is off: set \"credits_db\" in the config file");
    if (rq && rq->too_large)
        return send_error(h, c, 413, "too_large", "body larger than max_body_bytes (%ld bytes)",
                          S->cfg.max_body_bytes);
    tls_state *t = tls_get(h);
    if (!t)
        return send_error(h, c, 500, "internal", "out of memory");
    if (!t->lg && zp_ledger_open(t->ctx, S->cfg.credits_db, ZP_LEDGER_CREATE, &t->lg))
        return send_error(h, c, 500, "internal", "credit ledger %.200s: %.200s", S->cfg.credits_db,
                          zp_ctx_errmsg(t->ctx));
    json_t *args = NULL;
    if (post) {
        json_error_t je;
        args = json_loadb(rq && rq->body ? rq->body : "{}", rq && rq->len ? rq->len : 2,
                          JSON_REJECT_DUPLICATES, &je);
        char words[JSON_ERROR_TEXT_LENGTH + 128];
        if (!args)
            return send_error(h, c, 400, "bad_request", "body line %d column %d: %.200s", je.line,
                              je.column, zp__json_errtext(je.text, words, sizeof words));
        if (!json_is_object(args)) {
            json_decref(args);
            return send_error(h, c, 400, "bad_request", "body: expected a JSON object of arguments");
        }
    } else {
        args = json_object();
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_arg, args);
    }
    const char *key = post ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key") : NULL;
    if (key && (strlen(key) == 0 || strlen(key) > 200)) {
        json_decref(args);
        return send_error(h, c, 400, "bad_request", "Idempotency-Key: 1 to 200 characters");
    }
    json_t *result = NULL;
    zp_status rc = zp_ledger_exec(t->lg, op, args, key, &result);
    json_decref(args);
    if (rc)
        return send_error(h, c, credit_status(rc),
                          rc == ZP_EINVAL ? "bad_request" : rc == ZP_ENOTFOUND ? "not_found"
                          : rc == ZP_EEXISTS || rc == ZP_ERANGE ? "conflict" : "internal",
                          "%.400s", zp_ctx_errmsg(t->ctx));
    char qk[256];
    zs_log(ZS_LOG_INFO, "event=credits op=%s key=%s", op, key ? zs_log_quote(key, qk, sizeof qk) : "-");
    return send_json(h, c, 200, result);
}

/* ---- static files -------------------------------------------------------- */

static const char *mime(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const struct {
        const char *ext, *type;
    } t[] = {{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
             {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
             {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
             {".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".woff", "font/woff"},
             {".map", "application/json"}, {".txt", "text/plain; charset=utf-8"},
             {".webmanifest", "application/manifest+json"}};
    for (size_t i = 0; dot && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(dot, t[i].ext) == 0)
            return t[i].type;
    return "application/octet-stream";
}

/* Longest path of a static file (a request target above is refused). */
#define STATIC_PATH_MAX 1024

/* Why url cannot name a file of the web directory, or NULL when it can: a
 * path is '/' then segments of visible characters, none empty, '.' or
 * '..' (a trailing '/' is allowed), without '\\' or '%' (what is left of
 * an encoded NUL, see unescape) and at most STATIC_PATH_MAX bytes. So a
 * request target without a leading '/' ("-secret.txt", "http://x/..")
 * never reaches the file system to be glued onto the directory's name. */
static const char *static_path_problem(const char *url)
{
    if (url[0] != '/')
        return "a request target must start with '/'";
    size_t n = strlen(url);
    if (n > STATIC_PATH_MAX)
        return "longer than 1024 bytes";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)url[i];
        if (ch < 0x20 || ch == 0x7f)
            return "holds a control character";
        if (ch == '\\' || ch == '%')
            return "holds '\\', '%' or an encoded NUL (%00)";
    }
    for (const char *seg = url + 1; *seg;) {
        const char *e = strchr(seg, '/');
        size_t len = e ? (size_t)(e - seg) : strlen(seg);
        if (len == 0)
            return "holds an empty segment ('//')";
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return "holds a '.' or '..' segment";
        seg += len + (e != NULL);
    }
    return NULL;
}

/* Opens the regular file rel ('/'-separated segments checked by
 * static_path_problem, no leading '/') below the directory root_fd,
 * following no symbolic link on the way: O_NOFOLLOW on every segment, so
 * neither a link in the web directory nor one swapped in after a check can
 * lead out of it. -1 with errno ENOENT or ENOTDIR (no such file), EISDIR
 * (a directory), ELOOP (a symbolic link), EACCES (not a regular file) or
 * another open error. */
static int open_below(int root_fd, const char *rel, struct stat *st)
{
    char buf[STATIC_PATH_MAX + 1];
    if (strlen(rel) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", rel);
    int dfd = root_fd, fd = -1;
    char *seg = buf;
    for (;;) {
        char *slash = strchr(seg, '/');
        if (slash)
            *slash = '\0';
        if (!*seg) { /* a trailing '/' names a directory */
            errno = EISDIR;
            break;
        }
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : O_NONBLOCK | O_NOCTTY);
        int nfd = openat(dfd, seg, flags);
        if (nfd < 0) {
            struct stat ls;
            /* a link to a directory fails O_DIRECTORY with ENOTDIR: say ELOOP */
            if (slash && errno == ENOTDIR && fstatat(dfd, seg, &ls, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(ls.st_mode))
                errno = ELOOP;
            break;
        }
        if (dfd != root_fd)
            close(dfd);
        dfd = -1;
        if (slash) {
            dfd = nfd;
            seg = slash + 1;
            continue;
        }
        if (fstat(nfd, st) != 0 || !S_ISREG(st->st_mode)) {
            int e = errno;
            if (fstat(nfd, st) == 0)
                e = S_ISDIR(st->st_mode) ? EISDIR : EACCES;
            close(nfd);
            errno = e;
            break;
        }
        fd = nfd;
        break;
    }
    if (dfd >= 0 && dfd != root_fd) {
        int e = errno;
        close(dfd);
        errno = e;
    }
    return fd;
}

/* A path that is inside dir (both resolved): dir + '/' is a prefix of it,
 * so "/srv/w/web-secret.txt" is not inside "/srv/w/web". */
static bool path_inside(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static enum MHD_Result ep_static(zs_http *h, struct MHD_Connection *c, const char *url)
{
    const char *why = static_path_problem(url);
    if (why)
        return send_error(h, c, 400, "bad_request", "path '%.200s': %s", url, why);
    if (!h->web[0])
        return send_error(h, c, 404, "not_found",
                          "no dashboard directory (give --web DIR or build web/dist)");
    char root[PATH_MAX], full[PATH_MAX + STATIC_PATH_MAX + 16], real[PATH_MAX];
    /* resolved per request: the directory may be a link switched on deploy */
    int root_fd = realpath(h->web, root) ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (root_fd < 0)
        return send_error(h, c, 404, "not_found", "the dashboard directory is missing");
    const char *rel = strcmp(url, "/") == 0 ? "index.html" : url + 1;
    const char *served = rel;
    struct stat st;
    int fd = -1;
    /* belt and braces: the resolved file must lie inside the resolved root;
     * open_below, which follows no link at all, is what serves */
    snprintf(full, sizeof full, "%s/%s", root, rel);
    bool exists = realpath(full, real) != NULL;
    int rerr = errno;
    if (exists && !path_inside(root, real)) {
        close(root_fd);
        return send_error(h, c, 404, "not_found",
                          "'%.200s' not found in the dashboard directory (symbolic links there are "
                          "not followed)", url);
    }
    if (!exists && rerr != ENOENT && rerr != ENOTDIR) {
        close(root_fd);
        return send_error(h, c, 404, "not_found", "'%.200s' not found in the dashboard directory", url);
    }
    if (exists)
        fd = open_below(root_fd, rel, &st);
    if (fd < 0 && (!exists || errno == ENOENT || errno == ENOTDIR || errno == EISDIR)) {
        /* not a file: the single-page app's index.html */
        served = "index.html";
        fd = open_below(root_fd, served, &st);
    }
    int oerr = errno;
    close(root_fd);
    if (fd < 0)
        return send_error(h, c, 404, "not_found", "'%.200s' not found in the dashboard directory%s", url,
                          oerr == ELOOP ? " (symbolic links there are not followed)" : "");
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime(served));
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            strncmp(served, "assets/", 7) == 0 ? "max-age=31536000, immutable" : "no-cache");
    return queue(h, c, 200, r);
}

/* ---- the access handler -------------------------------------------------- */

/* con_cls of a request that is not a POST with a body: seen once, and seen
 * with upload data. */
static int first_seen_marker, body_seen_marker;

static const char *const get_paths[] = {"/healthz", "/metrics", "/api/v1/status", "/api/v1/info",
                                        "/api/v1/plan", "/api/v1/alerts", "/api/v1/devices",
                                        "/api/v1/events", "/api/v1/series", "/api/v1/series/",
                                        "/api/v1/carbon", NULL};

/* The methods url answers, as its Allow header: "POST" for the endpoints
 * that take a body (readings, credit writes), "GET, HEAD" for the other
 * endpoints and the dashboard's files; NULL when it is no endpoint (a
 * path under /api/ that docs/api.md does not list: 404 whatever the
 * method). */
static const char *path_methods(const char *url)
{
    if (strcmp(url, "/api/v1/readings") == 0)
        return "POST";
    if (strncmp(url, "/api/v1/credits/", 16) == 0)
        return in_list(credit_writes, url + 16) ? "POST"
               : in_list(credit_reads, url + 16) ? "GET, HEAD"
                                                 : NULL;
    if (in_list(get_paths, url) || strncmp(url, "/api/v1/series/", 15) == 0)
        return "GET, HEAD";
    return strncmp(url, "/api/", 5) == 0 ? NULL : "GET, HEAD";
}

static bool method_allowed(const char *allow, const char *method)
{
    if (strcmp(allow, "POST") == 0)
        return strcmp(method, "POST") == 0;
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* A body follows the header: a Content-Length above 0 or any
 * Transfer-Encoding (chunked). */
static bool has_body(struct MHD_Connection *c)
{
    if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return true;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    for (; cl && *cl; cl++)
        if (*cl >= '1' && *cl <= '9')
            return true;
    return false;
}

/* Content-Length given more than once with different values: the body's
 * length is unknown, so the request is refused (RFC 9112 section 6.3);
 * the same value repeated is one length (RFC 9110 section 8.6).
 * libmicrohttpd takes the first and does not check the others. */
typedef struct cl_seen {
    const char *first;
    const char *other; /* a value that differs from first, or NULL */
} cl_seen;

static bool cl_same(const char *a, const char *b)
{
    while (*a == ' ' || *a == '\t')
        a++;
    while (*b == ' ' || *b == '\t')
        b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la && (a[la - 1] == ' ' || a[la - 1] == '\t'))
        la--;
    while (lb && (b[lb - 1] == ' ' || b[lb - 1] == '\t'))
        lb--;
    return la == lb && memcmp(a, b, la) == 0;
}

static enum MHD_Result cl_each(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    cl_seen *s = cls;
    (void)kind;
    if (!key || strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
        return MHD_YES;
    if (!s->first)
        s->first = value ? value : "";
    else if (!s->other && !cl_same(s->first, value ? value : ""))
        s->other = value ? value : "";
    return MHD_YES;
}

/* The error for a request its path does not take: a target without a
 * leading '/' (400), no such endpoint (404), a method the path does not
 * answer (405 with Allow), a body sent to a path that takes none (400). */
static enum MHD_Result refuse(zs_http *h, struct MHD_Connection *c, const char *url, const char *method,
                              const char *allow)
{
    if (url[0] != '/')
        return send_error(h, c, 400, "bad_request", "request target '%.200s': must start with '/'", url);
    if (!allow && strncmp(url, "/api/v1/credits/", 16) == 0)
        return send_error(h, c, 404, "not_found",
                          "no credits operation '%.64s' (account, project, issue, transfer, retire, "
                          "cancel, order, balance, book, history, verify, offsets)", url + 16);
    if (!allow)
        return send_error(h, c, 404, "not_found", "no endpoint %.200s (docs/api.md lists them)", url);
    if (!method_allowed(allow, method))
        return send_405(h, c, allow, "%.16s %.200s: use %s", method, url,
                        strcmp(allow, "POST") == 0 ? "POST" : "GET or HEAD");
    return send_error(h, c, 400, "bad_request", "%.16s %.200s: takes no body", method, url);
}

/* libmicrohttpd calls this once with the header, once per piece of the
 * body and once at the end; a response can be queued on the first call
 * (then the rest of the request is discarded and the connection closed)
 * or on the last, never while a piece of body is being handed over. */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
    zs_http *h = cls;
    zs_server *S = h->S;
    (void)version;
    if (!*con_cls) {
        cl_seen cs = {NULL, NULL};
        MHD_get_connection_values(c, MHD_HEADER_KIND, cl_each, &cs);
        if (cs.other) {
            atomic_fetch_add(&S->metrics.http_protocol_errors, 1);
            return send_error(h, c, 400, "bad_request",
                              "Content-Length given twice with different values (%.20s and %.20s): "
                              "the body's length is unknown; send one Content-Length (RFC 9112 6.3)",
                              cs.first, cs.other);
        }
    }
    const char *allow = path_methods(url);
    bool credits = strncmp(url, "/api/v1/credits/", 16) == 0;
    if (allow && strcmp(allow, "POST") == 0 && strcmp(method, "POST") == 0) {
        req *rq = *con_cls;
        if (!rq) {
            if (!token_ok(&S->cfg, c))
                return send_error(h, c, 401, "unauthorized",
                                  S->cfg.token[0] ? "Authorization: Bearer <token> missing or wrong"
                                                  : "writes are disabled: set \"token\" in the config file");
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (cl && strtoll(cl, NULL, 10) > S->cfg.max_body_bytes)
                return send_error(h, c, 413, "too_large", "body of %s bytes, at most %ld (max_body_bytes)",
                                  cl, S->cfg.max_body_bytes);
            if (!(rq = calloc(1, sizeof *rq)))
                return MHD_NO;
            rq->is_post = true;
            long long want = cl ? strtoll(cl, NULL, 10) : 0;
            if (want > 0 && (rq->body = malloc((size_t)want + 1)))
                rq->cap = (size_t)want + 1; /* one buffer, no growing copies */
            *con_cls = rq;
            return MHD_YES;
        }
        if (*upload_data_size) {
            size_t n = *upload_data_size;
            *upload_data_size = 0;
            if (rq->too_large || rq->len + n > (size_t)S->cfg.max_body_bytes) {
                rq->too_large = true;
                return MHD_YES;
            }
            if (rq->len + n + 1 > rq->cap) {
                size_t cap = rq->cap ? rq->cap : 65536;
                while (cap < rq->len + n + 1)
                    cap *= 2;
                char *nb = realloc(rq->body, cap);
                if (!nb)
                    return MHD_NO;
                rq->body = nb;
                rq->cap = cap;
            }
            memcpy(rq->body + rq->len, upload_data, n);
            rq->len += n;
            return MHD_YES;
        }
        return credits ? ep_credits(h, c, url + 16, true, rq) : ep_readings(h, c, rq);
    }
    if (!*con_cls) {
        /* A body this path does not take is refused before it is read:
         * answered now, as no answer can be queued while its pieces are
         * handed over. Without a body, answer on the next call, once MHD
         * knows the request is complete: a response queued on the first
         * call closes the connection (no keep-alive). */
        if (has_body(c))
            return refuse(h, c, url, method, allow);
        *con_cls = &first_seen_marker;
        return MHD_YES;
    }
    if (*upload_data_size) { /* a body no header announced: drop it, refuse at the end */
        *upload_data_size = 0;
        *con_cls = &body_seen_marker;
        return MHD_YES;
    }
    if (url[0] != '/' || !allow || !method_allowed(allow, method) || *con_cls == &body_seen_marker)
        return refuse(h, c, url, method, allow);
    if (strcmp(url, "/healthz") == 0)
        return send_buf(h, c, 200, "text/plain; charset=utf-8", "ok\n", 3, MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/api/v1/status") == 0)
        return send_doc(h, c, &S->status_doc, "{\"error\":{\"code\":\"unavailable\",\"message\":\"starting\"}}");
    if (strcmp(url, "/metrics") == 0)
        return ep_metrics(h, c);
    if (strncmp(url, "/api/", 5) != 0)
        return ep_static(h, c, url);
    if (strcmp(url, "/api/v1/info") == 0)
        return send_doc(h, c, &S->info_doc, "{}");
    if (strcmp(url, "/api/v1/plan") == 0)
        return send_doc(h, c, &S->plan_doc,
                        "{\"created\":null,\"status\":\"none\",\"method\":\"lp\",\"steps\":[],"
                        "\"setpoints\":[],\"actuals\":[]}");
    if (strcmp(url, "/api/v1/alerts") == 0) {
        pthread_rwlock_rdlock(&S->model_lock);
        int32_t off = S->model->utc_offset_min;
        pthread_rwlock_unlock(&S->model_lock);
        return send_json(h, c, 200, zs_alerts_json(off));
    }
    if (strcmp(url, "/api/v1/devices") == 0)
        return ep_devices(h, c);
    if (strcmp(url, "/api/v1/events") == 0)
        return ep_events(h, c);
    tls_state *t = tls_get(h);
    if (!t)
        return send_error(h, c, 500, "internal", "out of memory");
    if (strcmp(url, "/api/v1/series") == 0 || strcmp(url, "/api/v1/series/") == 0) {
        pthread_rwlock_rdlock(&S->model_lock);
        int32_t off = S->model->utc_offset_min;
        pthread_rwlock_unlock(&S->model_lock);
        return ep_series_list(h, c, t, off);
    }
    if (strncmp(url, "/api/v1/series/", 15) == 0) {
        pthread_rwlock_rdlock(&S->model_lock);
        int32_t off = S->model->utc_offset_min;
        pthread_rwlock_unlock(&S->model_lock);
        return ep_series(h, c, t, url + 15, off);
    }
    if (strcmp(url, "/api/v1/carbon") == 0)
        return ep_carbon(h, c, t);
    if (credits)
        return ep_credits(h, c, url + 16, false, NULL);
    return send_error(h, c, 404, "not_found", "no endpoint %.200s (docs/api.md lists them)", url);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req *rq = *con_cls;
    if (rq && (void *)rq != (void *)&first_seen_marker && (void *)rq != (void *)&body_seen_marker) {
        free(rq->body);
        free(rq);
    }
    *con_cls = NULL;
}

/* libmicrohttpd's format string: printf-checked at its call sites there */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512], q[600];
    zs_http *h = cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    /* Requests libmicrohttpd answers itself (a malformed Content-Length, a
     * header over the memory limit: 400/414/431) never reach the handler.
     * It logs one line of this form for each such response, and maybe
     * another line or two about the same request before it: only this one
     * is counted, so each refused request counts once. Its message is the
     * HTML page it sends; the log gets the page's text. */
    unsigned code = 0;
    const char *pre = "Error processing request (HTTP response code is ";
    if (strncmp(msg, pre, strlen(pre)) == 0 && sscanf(msg + strlen(pre), "%u", &code) == 1) {
        atomic_fetch_add(&h->S->metrics.http_protocol_errors, 1);
        char text[512];
        size_t t = 0;
        const char *a = strchr(msg, '(');
        a = a ? strchr(a + 1, '(') : NULL; /* ('<html>...') */
        bool tag = false;
        for (const char *p = a ? a + 2 : ""; *p && t + 3 < sizeof text; p++) {
            if (p[0] == '\'' && p[1] == ')')
                break;
            if (*p == '<') {
                tag = true;
                if (strncasecmp(p, "</title>", 8) == 0 && t) {
                    text[t++] = ':'; /* the page's title, then its text */
                    text[t++] = ' ';
                }
            } else if (*p == '>') {
                tag = false;
            } else if (!tag && !(*p == ' ' && (t == 0 || text[t - 1] == ' '))) {
                text[t++] = *p;
            }
        }
        while (t && text[t - 1] == ' ')
            t--;
        text[t] = '\0';
        zs_log(ZS_LOG_WARN, "event=http_refused status=%u message=%s", code, zs_log_quote(text, q, sizeof q));
        return;
    }
    zs_log(ZS_LOG_WARN, "event=http_library message=%s", zs_log_quote(msg, q, sizeof q));
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

/* Percent-decoding of request paths and query values: libmicrohttpd's,
 * except that an encoded NUL (%00) stays as it is. Decoded, it would end
 * the string early ("/x.txt%00.html" would name "/x.txt"); left as text, a
 * path holding it is refused and a query value holding it fails its check. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (const char *r = s; *r;) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 && (hi | lo)) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* The dashboard: --web/config, else the installed share/zeropark/web, else
 * web/dist of the source tree next to the build directory. */
static void find_web(const zs_config *cfg, char *out, size_t outsz)
{
    struct stat st;
    out[0] = '\0';
    if (cfg->web[0]) {
        snprintf(out, outsz, "%s", cfg->web);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    const char *cands[] = {"/web/dist", "/../share/zeropark/web", "/../web/dist"};
    for (size_t i = 0; i < 3; i++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s%s", exe, cands[i]);
        char idx[PATH_MAX + 80];
        snprintf(idx, sizeof idx, "%s/index.html", p);
        if (stat(idx, &st) == 0 && strlen(p) < outsz) {
            snprintf(out, outsz, "%s", p);
            return;
        }
    }
}

zp_status zs_http_start(zs_server *S, zs_http **out, char *err, size_t errsz)
{
    zs_http *h = calloc(1, sizeof *h);
    *out = NULL;
    if (!h) {
        snprintf(err, errsz, "out of memory");
        return ZP_ENOMEM;
    }
    h->S = S;
    pthread_key_create(&h->tls, tls_free);
    pthread_mutex_init(&h->sse_lock, NULL);
    find_web(&S->cfg, h->web, sizeof h->web);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)S->cfg.listen_port);
    if (inet_pton(AF_INET, S->cfg.listen_host, &sa.sin_addr) != 1) {
        snprintf(err, errsz, "listen: '%s' is not an IPv4 address", S->cfg.listen_host);
        zs_http_stop(h);
        return ZP_EINVAL;
    }
    /* epoll, a thread pool, opportunistic reads and writes (turbo) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
                            MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)S->cfg.http_threads,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)1000, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, h, MHD_OPTION_UNESCAPE_CALLBACK, unescape, h,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errsz, "cannot listen on %s:%d: %s", S->cfg.listen_host, S->cfg.listen_port,
                 errno ? strerror(errno) : "libmicrohttpd refused the options");
        zs_http_stop(h);
        return ZP_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : S->cfg.listen_port;
    *out = h;
    return ZP_OK;
}

int zs_http_port(const zs_http *h) { return h ? h->port : 0; }

void zs_http_stop(zs_http *h)
{
    if (!h)
        return;
    if (h->d) {
        pthread_mutex_lock(&h->sse_lock);
        h->quiesce = true;
        pthread_mutex_unlock(&h->sse_lock);
        zs_http_notify(h);
        MHD_stop_daemon(h->d);
    }
    pthread_mutex_destroy(&h->sse_lock);
    pthread_key_delete(h->tls);
    free(h);
}
