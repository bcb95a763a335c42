/*
 * doc.c - the documents the daemon serves (doc.h): refcounted immutable
 * texts, swapped under a lock by the thread that builds them.
 */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

zs_doc *zs_doc_new(const char *text, size_t len)
{
    zs_doc *d = malloc(sizeof *d + len + 1);
    if (!d)
        return NULL;
    atomic_init(&d->refs, 1);
    d->len = len;
    memcpy(d->text, text, len);
    d->text[len] = '\0';
    return d;
}

void zs_doc_unref(zs_doc *d)
{
    if (d && atomic_fetch_sub(&d->refs, 1) == 1)
        free(d);
}

void zs_doc_set(pthread_mutex_t *lock, zs_doc **slot, zs_doc *d)
{
    pthread_mutex_lock(lock);
    zs_doc *old = *slot;
    *slot = d;
    pthread_mutex_unlock(lock);
    zs_doc_unref(old);
}

zs_doc *zs_doc_get(pthread_mutex_t *lock, zs_doc **slot)
{
    pthread_mutex_lock(lock);
    zs_doc *d = *slot;
    if (d)
        atomic_fetch_add(&d->refs, 1);
    pthread_mutex_unlock(lock);
    return d;
}
