/*
 * pool.c - a sweep's scenarios run on a pool of threads (zp_sweep_exec).
 *
 * Threads take the next scenario of the caller's list when they are free
 * (a counter under a mutex), so that a slow scenario holds up one thread
 * only. Each thread has a context of its own (the caller's allocator, no
 * log) that it clears between scenarios; a scenario's outcome goes to its
 * own slot, so the outcomes do not depend on which thread ran what. The
 * caller's thread only waits: it may ask how many are done (zp_sweep_done)
 * and report progress, or talk to other processes meanwhile.
 */
#include "sweep/sweep_impl.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

struct zp_sweep_exec {
    zp_ctx *ctx;               /* the caller's (its allocator) */
    const zp_sweep *sw;
    const size_t *indices;     /* the scenarios to run */
    size_t n;
    zp_sweep_fn fn;
    void *ud;
    zp_sweep_outcome *out;     /* n, in the order of indices */
    pthread_mutex_t mu;        /* guards next, done, nomem */
    pthread_cond_t cv;         /* signalled when done grows */
    size_t next;               /* the next position to take */
    size_t done;               /* positions finished */
    int nomem;                 /* an outcome could not be recorded */
    pthread_t *threads;
    unsigned nthreads;         /* started */
};

/* The context's diagnostics and error as one message. */
static char *message_of(zp_ctx *w, zp_ctx *into)
{
    char buf[2048];
    size_t len = 0, nd = zp_ctx_diag_count(w);
    for (size_t k = 0; k < nd && len < sizeof buf; k++) {
        const zp_diag *d = zp_ctx_diag_get(w, k);
        if (d->severity != ZP_SEV_ERROR)
            continue;
        if (len)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "; ");
        if (len < sizeof buf)
            len += (size_t)zp_diag_format(d, buf + len, sizeof buf - len);
    }
    if (len == 0)
        snprintf(buf, sizeof buf, "%s", zp_ctx_errmsg(w));
    return zp__strdup(into, buf);
}

/* Run scenario idx in the thread's context w into o. 0, or -1 when out
 * of memory. */
static int run_one(zp_sweep_exec *x, zp_ctx *w, size_t idx, zp_sweep_outcome *o)
{
    zp_model *m = NULL;
    char *result = NULL;
    o->index = idx;
    zp_status rc = zp_sweep_scenario_model(w, x->sw, idx, 0, &m);
    if (rc == ZP_OK)
        rc = x->fn(w, m, x->ud, &result);
    zp_model_free(w, m);
    if (rc == ZP_ENOMEM) {
        zp__free(w, result);
        return -1;
    }
    if (rc == ZP_OK) {
        o->ok = 1;
        o->result = result;
    } else {
        zp__free(w, result);
        char *label = zp_sweep_label(w, x->sw, idx);
        char *why = message_of(w, w);
        /* a load failure's message names the scenario already */
        if (label && why && !strstr(why, label))
            o->message = zp__asprintf(w, "%s: %s", label, why);
        else
            o->message = why ? zp__strdup(w, why) : NULL;
        zp__free(w, label);
        zp__free(w, why);
        if (!o->message)
            return -1;
    }
    zp_ctx_diag_clear(w);
    zp_ctx_clear_error(w);
    return 0;
}

static void *worker(void *arg)
{
    zp_sweep_exec *x = arg;
    zp_ctx *w = zp__ctx_new_sibling(x->ctx);
    pthread_mutex_lock(&x->mu);
    for (;;) {
        if (x->next >= x->n)
            break;
        size_t pos = x->next++;
        pthread_mutex_unlock(&x->mu);
        int bad = !w || run_one(x, w, x->indices[pos], &x->out[pos]);
        pthread_mutex_lock(&x->mu);
        if (bad)
            x->nomem = 1;
        x->done++;
        pthread_cond_broadcast(&x->cv);
    }
    pthread_mutex_unlock(&x->mu);
    zp_ctx_free(w);
    return NULL;
}

zp_status zp_sweep_start(zp_ctx *ctx, const zp_sweep *sw, const size_t *indices, size_t n,
                         const zp_sweep_exec_opts *opts, zp_sweep_exec **out)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!sw || !out || (n && !indices))
        return zp__error(ctx, ZP_EINVAL, "zp_sweep_start: NULL argument");
    for (size_t k = 0; k < n; k++)
        if (indices[k] >= sw->count)
            return zp__error(ctx, ZP_EINVAL, "zp_sweep_start: no scenario %zu (the sweep has %zu)",
                             indices[k], sw->count);
    zp_sweep_exec *x = zp__calloc(ctx, 1, sizeof *x);
    if (!x)
        return zp__nomem(ctx);
    x->ctx = ctx;
    x->sw = sw;
    x->indices = indices;
    x->n = n;
    x->fn = opts && opts->fn ? opts->fn : sw->fn;
    x->ud = opts ? opts->ud : NULL;
    if (!x->fn) {
        zp__free(ctx, x);
        return zp__error(ctx, ZP_EINVAL, "zp_sweep_start: no work for '%s'", sw->run);
    }
    unsigned threads = opts && opts->threads ? opts->threads : 1;
    if (threads > n)
        threads = (unsigned)n;
    x->out = zp__calloc(ctx, n ? n : 1, sizeof *x->out);
    x->threads = zp__calloc(ctx, threads ? threads : 1, sizeof *x->threads);
    if (!x->out || !x->threads) {
        zp__free(ctx, x->out);
        zp__free(ctx, x->threads);
        zp__free(ctx, x);
        return zp__nomem(ctx);
    }
    pthread_mutex_init(&x->mu, NULL);
    pthread_cond_init(&x->cv, NULL);
    for (unsigned t = 0; t < threads; t++) {
        int e = pthread_create(&x->threads[t], NULL, worker, x);
        if (e) {
            /* the threads started finish the list; the error is said after */
            zp_sweep_outcome *o = NULL;
            zp_sweep_finish(ctx, x, &o);
            zp_sweep_outcomes_free(ctx, o, n);
            return zp__error(ctx, ZP_EIO, "cannot start a thread: %s", strerror(e));
        }
        x->nthreads++;
    }
    *out = x;
    return ZP_OK;
}

size_t zp_sweep_done(zp_sweep_exec *x)
{
    pthread_mutex_lock(&x->mu);
    size_t d = x->done;
    pthread_mutex_unlock(&x->mu);
    return d;
}

int zp_sweep_wait(zp_sweep_exec *x, double timeout_s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout_s >= 0) {
        double whole = floor(timeout_s);
        until.tv_sec += (time_t)whole;
        until.tv_nsec += (long)((timeout_s - whole) * 1e9);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&x->mu);
    /* with no thread (none could start) nobody else finishes the list */
    while (x->done < x->n && x->nthreads) {
        if (timeout_s < 0)
            pthread_cond_wait(&x->cv, &x->mu);
        else if (pthread_cond_timedwait(&x->cv, &x->mu, &until) == ETIMEDOUT)
            break;
    }
    int all = x->done >= x->n;
    pthread_mutex_unlock(&x->mu);
    return all;
}

zp_status zp_sweep_finish(zp_ctx *ctx, zp_sweep_exec *x, zp_sweep_outcome **out)
{
    if (!x)
        return ZP_EINVAL;
    for (unsigned t = 0; t < x->nthreads; t++)
        pthread_join(x->threads[t], NULL);
    zp_status rc = ZP_OK;
    if (x->nomem || x->done < x->n) {
        zp_sweep_outcomes_free(ctx, x->out, x->n);
        x->out = NULL;
        rc = zp__nomem(ctx);
    }
    if (out)
        *out = x->out;
    else
        zp_sweep_outcomes_free(ctx, x->out, x->n);
    pthread_mutex_destroy(&x->mu);
    pthread_cond_destroy(&x->cv);
    zp__free(ctx, x->threads);
    zp__free(ctx, x);
    return rc;
}

zp_sweep_outcome *zp_sweep_outcomes_new(zp_ctx *ctx, size_t n)
{
    zp_sweep_outcome *o = zp__calloc(ctx, n ? n : 1, sizeof *o);
    if (!o)
        zp__nomem(ctx);
    return o;
}

zp_status zp_sweep_outcome_set(zp_ctx *ctx, zp_sweep_outcome *o, size_t index, int ok,
                               const char *text, size_t len)
{
    char *t = zp__strndup(ctx, text ? text : "", text ? len : 0);
    if (!t)
        return zp__nomem(ctx);
    o->index = index;
    o->ok = ok ? 1 : 0;
    o->result = ok ? t : NULL;
    o->message = ok ? NULL : t;
    return ZP_OK;
}

void zp_sweep_outcomes_free(zp_ctx *ctx, zp_sweep_outcome *o, size_t n)
{
    for (size_t i = 0; o && i < n; i++) {
        zp__free(ctx, o[i].result);
        zp__free(ctx, o[i].message);
    }
    zp__free(ctx, o);
}
