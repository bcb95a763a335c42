/*
 * http.h - the HTTP side of `zeropark serve` (http.c, libmicrohttpd): the
 * API, /metrics, Server-Sent Events and static files.
 */
#ifndef ZEROPARK_SERVER_HTTP_H
#define ZEROPARK_SERVER_HTTP_H

#include <stddef.h>

#include "zeropark/core.h"

typedef struct zs_server zs_server;

typedef struct zs_http zs_http;
/* Listen on S->cfg's listen_host:listen_port (an IPv4 address; port 0
 * picks one) with a pool of http_threads and serve S. ZP_OK with *out
 * running; else *out NULL and the reason in err: ZP_EINVAL (not an IPv4
 * address), ZP_EIO (cannot listen), ZP_ENOMEM. */
zp_status zs_http_start(zs_server *S, zs_http **out, char *err, size_t errsz);
/* End the /events streams, stop serving and free h. NULL is fine. */
void zs_http_stop(zs_http *h);
/* Wake the /events streams after a new status document. */
void zs_http_notify(zs_http *h);
/* The port actually bound (when listen_port is 0). */
int zs_http_port(const zs_http *h);

#endif
