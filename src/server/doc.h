/*
 * doc.h - the documents the daemon serves (doc.c): refcounted immutable
 * texts built by one thread and shared with the HTTP threads.
 */
#ifndef ZEROPARK_SERVER_DOC_H
#define ZEROPARK_SERVER_DOC_H

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

/* A refcounted immutable text (a JSON document shared with HTTP threads). */
typedef struct zs_doc {
    atomic_int refs;
    size_t len;
    char text[];
} zs_doc;
/* A copy of text (len bytes, NUL added) with one reference; NULL when out
 * of memory. */
zs_doc *zs_doc_new(const char *text, size_t len);
/* Drop a reference (NULL is fine); the last one frees it. */
void zs_doc_unref(zs_doc *d);
/* Replace *slot with d (takes d's reference) under lock. */
void zs_doc_set(pthread_mutex_t *lock, zs_doc **slot, zs_doc *d);
/* A new reference to *slot under lock (NULL if none). */
zs_doc *zs_doc_get(pthread_mutex_t *lock, zs_doc **slot);

/* x as a JSON number, or null when not finite. */
static inline json_t *zs_json_num(double x) { return isfinite(x) ? json_real(x) : json_null(); }

#endif
