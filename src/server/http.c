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
#include "http_impl.h"

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

#include "clock.h"
#include "control.h"
#include "doc.h"
#include "health.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

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

tls_state *http__tls_get(zs_http *h)
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
zp_store *http__tls_store(zs_http *h, tls_state *t, bool park)
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

/* Queue r (and drop our reference); counted in /metrics only when it was
 * queued, so the counters hold what clients were sent. */
enum MHD_Result http__queue(zs_http *h, struct MHD_Connection *c, unsigned status,
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
    return http__queue(h, c, status, r);
}

enum MHD_Result http__send_buf(zs_http *h, struct MHD_Connection *c, unsigned status,
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
        return http__send_buf(h, c, 500, "application/json",
                              "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}", 55,
                              MHD_RESPMEM_PERSISTENT);
    return send_buf_allow(h, c, status, "application/json", text, strlen(text), MHD_RESPMEM_MUST_FREE,
                          allow);
}

enum MHD_Result http__send_json(zs_http *h, struct MHD_Connection *c, unsigned status, json_t *doc)
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

enum MHD_Result http__send_error(zs_http *h, struct MHD_Connection *c, unsigned status,
                                  const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result ok = send_error_v(h, c, status, NULL, code, fmt, ap);
    va_end(ap);
    return ok;
}

enum MHD_Result http__send_405(zs_http *h, struct MHD_Connection *c, const char *allow,
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
        return http__send_buf(h, c, 200, "application/json", fallback, strlen(fallback),
                              MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = http__send_buf(h, c, 200, "application/json", d->text, d->len, MHD_RESPMEM_MUST_COPY);
    zs_doc_unref(d);
    return ok;
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
        return http__in_list(http__credit_writes, url + 16) ? "POST"
               : http__in_list(http__credit_reads, url + 16) ? "GET, HEAD"
                                                 : NULL;
    if (http__in_list(get_paths, url) || strncmp(url, "/api/v1/series/", 15) == 0)
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
        return http__send_error(h, c, 400, "bad_request", "request target '%.200s': must start with '/'", url);
    if (!allow && strncmp(url, "/api/v1/credits/", 16) == 0)
        return http__send_error(h, c, 404, "not_found",
                                "no credits operation '%.64s' (account, project, issue, transfer, retire, "
                                "cancel, order, balance, book, history, verify, offsets)", url + 16);
    if (!allow)
        return http__send_error(h, c, 404, "not_found", "no endpoint %.200s (docs/api.md lists them)", url);
    if (!method_allowed(allow, method))
        return http__send_405(h, c, allow, "%.16s %.200s: use %s", method, url,
                              strcmp(allow, "POST") == 0 ? "POST" : "GET or HEAD");
    return http__send_error(h, c, 400, "bad_request", "%.16s %.200s: takes no body", method, url);
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
            return http__send_error(h, c, 400, "bad_request",
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
            if (!http__token_ok(&S->cfg, c))
                return http__send_error(h, c, 401, "unauthorized",
                                        S->cfg.token[0] ? "Authorization: Bearer <token> missing or wrong"
                                                  : "writes are disabled: set \"token\" in the config file");
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (cl && strtoll(cl, NULL, 10) > S->cfg.max_body_bytes)
                return http__send_error(h, c, 413, "too_large", "body of %s bytes, at most %ld (max_body_bytes)",
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
        return credits ? http__ep_credits(h, c, url + 16, true, rq) : http__ep_readings(h, c, rq);
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
        return http__send_buf(h, c, 200, "text/plain; charset=utf-8", "ok\n", 3, MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/api/v1/status") == 0)
        return send_doc(h, c, &S->status_doc, "{\"error\":{\"code\":\"unavailable\",\"message\":\"starting\"}}");
    if (strcmp(url, "/metrics") == 0)
        return http__ep_metrics(h, c);
    if (strncmp(url, "/api/", 5) != 0)
        return http__ep_static(h, c, url);
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
        return http__send_json(h, c, 200, zs_alerts_json(off));
    }
    if (strcmp(url, "/api/v1/devices") == 0)
        return http__ep_devices(h, c);
    if (strcmp(url, "/api/v1/events") == 0)
        return http__ep_events(h, c);
    tls_state *t = http__tls_get(h);
    if (!t)
        return http__send_error(h, c, 500, "internal", "out of memory");
    if (strcmp(url, "/api/v1/series") == 0 || strcmp(url, "/api/v1/series/") == 0) {
        pthread_rwlock_rdlock(&S->model_lock);
        int32_t off = S->model->utc_offset_min;
        pthread_rwlock_unlock(&S->model_lock);
        return http__ep_series_list(h, c, t, off);
    }
    if (strncmp(url, "/api/v1/series/", 15) == 0) {
        pthread_rwlock_rdlock(&S->model_lock);
        int32_t off = S->model->utc_offset_min;
        pthread_rwlock_unlock(&S->model_lock);
        return http__ep_series(h, c, t, url + 15, off);
    }
    if (strcmp(url, "/api/v1/carbon") == 0)
        return http__ep_carbon(h, c, t);
    if (credits)
        return http__ep_credits(h, c, url + 16, false, NULL);
    return http__send_error(h, c, 404, "not_found", "no endpoint %.200s (docs/api.md lists them)", url);
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
    http__find_web(&S->cfg, h->web, sizeof h->web);
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
