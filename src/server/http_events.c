/*
 * http_events.c - Server-Sent Events (/api/v1/events): each stream is
 * parked (suspended) until the main thread publishes a new status
 * (zs_http_notify), then sent it.
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

#include "doc.h"

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

enum MHD_Result http__ep_events(zs_http *h, struct MHD_Connection *c)
{
    pthread_mutex_lock(&h->sse_lock);
    bool full = h->nsse >= SSE_MAX;
    if (!full)
        h->nsse++;
    pthread_mutex_unlock(&h->sse_lock);
    if (full)
        return http__send_error(h, c, 503, "unavailable", "too many event streams (%d); poll /api/v1/status",
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
    return http__queue(h, c, 200, r);
}

