/*
 * http_impl.h - what the files of the HTTP side share (internal to http*.c):
 *
 *   http.c         the daemon, the access handler (routing, methods,
 *                  bodies, tokens), responses, per-thread stores
 *   http_api.c     the endpoints: series, carbon, devices, /metrics,
 *                  readings, credits
 *   http_events.c  Server-Sent Events (/api/v1/events)
 *   http_static.c  the dashboard's static files
 */
#ifndef ZEROPARK_SERVER_HTTP_IMPL_H
#define ZEROPARK_SERVER_HTTP_IMPL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "http.h"
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

typedef struct req {
    char *body;
    size_t len, cap;
    bool too_large;
    bool is_post;
} req;

/* ---- http.c: responses and per-thread state ---------------------------------- */

/* Queue r (and drop our reference), counting the status. */
enum MHD_Result http__queue(zs_http *h, struct MHD_Connection *c, unsigned status,
                            struct MHD_Response *r);
/* buf (len bytes) as a response of type ctype; mode as libmicrohttpd's. */
enum MHD_Result http__send_buf(zs_http *h, struct MHD_Connection *c, unsigned status,
                               const char *ctype, const char *buf, size_t len,
                               enum MHD_ResponseMemoryMode mode);
/* doc (its reference taken) as compact JSON. */
enum MHD_Result http__send_json(zs_http *h, struct MHD_Connection *c, unsigned status, json_t *doc);
/* The error document of docs/api.md, logged as event=http_error. */
enum MHD_Result http__send_error(zs_http *h, struct MHD_Connection *c, unsigned status,
                                 const char *code, const char *fmt, ...) ZP_PRINTF(5, 6);
/* 405 method_not_allowed with the Allow header. */
enum MHD_Result http__send_405(zs_http *h, struct MHD_Connection *c, const char *allow,
                               const char *fmt, ...) ZP_PRINTF(4, 5);
/* This pool thread's state, made on first use (NULL when out of memory). */
tls_state *http__tls_get(zs_http *h);
/* This thread's read-only park (park) or raw store, opened on first use;
 * NULL when it cannot be opened. */
zp_store *http__tls_store(zs_http *h, tls_state *t, bool park);

/* ---- http_api.c: the endpoints ------------------------------------------------ */

enum MHD_Result http__ep_series_list(zs_http *h, struct MHD_Connection *c, tls_state *t,
                                     int32_t off);
enum MHD_Result http__ep_series(zs_http *h, struct MHD_Connection *c, tls_state *t,
                                const char *name, int32_t off);
enum MHD_Result http__ep_carbon(zs_http *h, struct MHD_Connection *c, tls_state *t);
enum MHD_Result http__ep_devices(zs_http *h, struct MHD_Connection *c);
enum MHD_Result http__ep_metrics(zs_http *h, struct MHD_Connection *c);
/* The Authorization header carries the config's token (never when none is set). */
bool http__token_ok(const zs_config *cfg, struct MHD_Connection *c);
enum MHD_Result http__ep_readings(zs_http *h, struct MHD_Connection *c, req *rq);
/* The credits operations that write (POST) and that read (GET), NULL-ended. */
extern const char *const http__credit_writes[];
extern const char *const http__credit_reads[];
/* s is one of the NULL-ended list l. */
bool http__in_list(const char *const *l, const char *s);
enum MHD_Result http__ep_credits(zs_http *h, struct MHD_Connection *c, const char *op, bool post,
                                 req *rq);

/* ---- http_events.c, http_static.c -------------------------------------------- */

enum MHD_Result http__ep_events(zs_http *h, struct MHD_Connection *c);
enum MHD_Result http__ep_static(zs_http *h, struct MHD_Connection *c, const char *url);
/* The dashboard's directory: --web/config, else the installed
 * share/zeropark/web, else web/dist of the source tree next to the build
 * directory. */
void http__find_web(const zs_config *cfg, char *out, size_t outsz);

#endif
