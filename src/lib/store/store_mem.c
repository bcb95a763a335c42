/*
 * store_mem.c - the in-memory storage backend ("mem:"), for tests.
 *
 * Same semantics as the SQLite backend (store.c does the merging and
 * slicing for both): series by name, each with a sorted array of chunks,
 * and an undo journal so a failed slice rolls back exactly like an SQLite
 * transaction. Nothing is persisted.
 */
#include "store/store_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct mem_chunk {
    zp_time_t start;              /* chunk_start */
    int32_t n;                    /* non-NaN values */
    double v[ZP__STORE_CHUNK];    /* values, NaN = no reading */
} mem_chunk;

typedef struct mem_series {
    char *name;          /* unique name */
    char *unit;          /* may be NULL */
    zp_series_kind kind; /* resampling kind */
    int32_t step_s;      /* native step */
    mem_chunk **chunks;  /* sorted by start */
    size_t nchunks;      /* chunks in use */
    size_t cap;          /* chunks allocated */
} mem_series;

typedef struct mem_run {
    zp_time_t created;  /* as given */
    char *str[4];       /* kind, model_name, inputs_sha256, results_json */
} mem_run;

/* One undo record: the chunk of series id at start held *old before the
 * transaction (NULL: it did not exist). */
typedef struct mem_undo {
    int64_t id;
    zp_time_t start;
    mem_chunk *old;
} mem_undo;

typedef struct mem_store {
    mem_series *series;  /* id = index + 1 */
    size_t nseries, capseries;
    mem_run *runs;       /* id = index + 1 */
    size_t nruns, capruns;
    mem_undo *undo;      /* journal of the open transaction */
    size_t nundo, capundo;
    bool in_txn;         /* between begin and commit/rollback */
} mem_store;

#define MEM(st) ((mem_store *)(st)->impl)

static zp_status mem_open(zp_store *st, const char *path)
{
    (void)path;
    st->impl = zp__calloc(st->ctx, 1, sizeof(mem_store));
    if (!st->impl)
        return zp__nomem(st->ctx);
    st->schema_version = ZP__STORE_SCHEMA;
    return ZP_OK;
}

static void mem_undo_clear(zp_store *st)
{
    mem_store *m = MEM(st);
    for (size_t i = 0; i < m->nundo; i++)
        zp__free(st->ctx, m->undo[i].old);
    m->nundo = 0;
}

static void mem_close(zp_store *st)
{
    mem_store *m = MEM(st);
    if (!m)
        return;
    mem_undo_clear(st);
    zp__free(st->ctx, m->undo);
    for (size_t i = 0; i < m->nseries; i++) {
        mem_series *s = &m->series[i];
        for (size_t c = 0; c < s->nchunks; c++)
            zp__free(st->ctx, s->chunks[c]);
        zp__free(st->ctx, s->chunks);
        zp__free(st->ctx, s->name);
        zp__free(st->ctx, s->unit);
    }
    zp__free(st->ctx, m->series);
    for (size_t i = 0; i < m->nruns; i++)
        for (int k = 0; k < 4; k++)
            zp__free(st->ctx, m->runs[i].str[k]);
    zp__free(st->ctx, m->runs);
    zp__free(st->ctx, m);
    st->impl = NULL;
}

static mem_series *mem_by_id(zp_store *st, int64_t id)
{
    mem_store *m = MEM(st);
    return id >= 1 && (uint64_t)id <= m->nseries ? &m->series[id - 1] : NULL;
}

static zp_status mem_series_find(zp_store *st, const char *name, zp__store_row *row, char **unit,
                                 bool *found)
{
    mem_store *m = MEM(st);
    *found = false;
    if (unit)
        *unit = NULL;
    for (size_t i = 0; i < m->nseries; i++) {
        if (strcmp(m->series[i].name, name) == 0) {
            row->id = (int64_t)i + 1;
            row->kind = m->series[i].kind;
            row->step_s = m->series[i].step_s;
            *found = true;
            if (unit && m->series[i].unit && !(*unit = zp__strdup(st->ctx, m->series[i].unit)))
                return zp__nomem(st->ctx);
            return ZP_OK;
        }
    }
    return ZP_OK;
}

static zp_status mem_series_insert(zp_store *st, const char *name, const char *unit,
                                   zp_series_kind kind, int32_t step_s, int64_t *id)
{
    mem_store *m = MEM(st);
    if (zp__grow(st->ctx, (void **)&m->series, &m->capseries, m->nseries + 1, sizeof *m->series))
        return ZP_ENOMEM;
    mem_series *s = &m->series[m->nseries];
    memset(s, 0, sizeof *s);
    s->name = zp__strdup(st->ctx, name);
    s->unit = unit ? zp__strdup(st->ctx, unit) : NULL;
    if (!s->name || (unit && !s->unit)) {
        zp__free(st->ctx, s->name);
        zp__free(st->ctx, s->unit);
        return zp__nomem(st->ctx);
    }
    s->kind = kind;
    s->step_s = step_s;
    m->nseries++;
    *id = (int64_t)m->nseries;
    return ZP_OK;
}

static int mem_cmp_name(const void *a, const void *b)
{
    const zp_store_series_info *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static zp_status mem_series_all(zp_store *st, zp_store_series_info **info, int64_t **ids,
                                size_t *n)
{
    mem_store *m = MEM(st);
    zp_store_series_info *arr = zp__calloc(st->ctx, m->nseries, sizeof *arr);
    int64_t *idarr = zp__calloc(st->ctx, m->nseries, sizeof *idarr);
    zp_status rc = ZP_OK;
    size_t i;

    if (!arr || !idarr) {
        rc = zp__nomem(st->ctx);
        goto cleanup;
    }
    for (i = 0; i < m->nseries; i++) {
        const mem_series *s = &m->series[i];
        arr[i].name = zp__strdup(st->ctx, s->name);
        arr[i].unit = s->unit ? zp__strdup(st->ctx, s->unit) : NULL;
        arr[i].kind = s->kind;
        arr[i].step_s = s->step_s;
        /* borrow count to carry the id through the sort */
        arr[i].count = (int64_t)i + 1;
        if (!arr[i].name || (s->unit && !arr[i].unit)) {
            rc = zp__nomem(st->ctx);
            goto cleanup;
        }
    }
    /* The same order as the SQLite backend's ORDER BY name (BINARY). */
    qsort(arr, m->nseries, sizeof *arr, mem_cmp_name);
    for (i = 0; i < m->nseries; i++) {
        idarr[i] = arr[i].count;
        arr[i].count = 0;
    }
    *info = arr;
    *ids = idarr;
    *n = m->nseries;
    arr = NULL;
    idarr = NULL;
cleanup:
    zp_store_series_info_free(st->ctx, arr, m->nseries);
    zp__free(st->ctx, idarr);
    return rc;
}

/* Index of the first chunk with start >= t. */
static size_t mem_lower(const mem_series *s, zp_time_t t)
{
    size_t lo = 0, hi = s->nchunks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->chunks[mid]->start < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static zp_status mem_series_span(zp_store *st, int64_t id, zp__store_span *span)
{
    const mem_series *s = mem_by_id(st, id);
    memset(span, 0, sizeof *span);
    if (!s || s->nchunks == 0)
        return ZP_OK;
    span->any = true;
    span->first_chunk = s->chunks[0]->start;
    span->last_chunk = s->chunks[s->nchunks - 1]->start;
    for (size_t c = 0; c < s->nchunks; c++)
        span->count += s->chunks[c]->n;
    return ZP_OK;
}

static zp_status mem_begin(zp_store *st)
{
    mem_store *m = MEM(st);
    if (m->in_txn)
        return zp__error(st->ctx, ZP_ESTORE, "%s: a transaction is already open", st->where);
    m->in_txn = true;
    m->nundo = 0;
    return ZP_OK;
}

static zp_status mem_commit(zp_store *st)
{
    mem_undo_clear(st);
    MEM(st)->in_txn = false;
    return ZP_OK;
}

static void mem_rollback(zp_store *st)
{
    mem_store *m = MEM(st);
    /* Newest first, so a chunk changed twice ends at its oldest state. */
    for (size_t i = m->nundo; i-- > 0;) {
        mem_undo *u = &m->undo[i];
        mem_series *s = mem_by_id(st, u->id);
        size_t at = mem_lower(s, u->start);
        if (u->old) {
            *s->chunks[at] = *u->old;
        } else {
            zp__free(st->ctx, s->chunks[at]);
            memmove(&s->chunks[at], &s->chunks[at + 1],
                    (s->nchunks - at - 1) * sizeof *s->chunks);
            s->nchunks--;
        }
    }
    mem_undo_clear(st);
    m->in_txn = false;
}

static zp_status mem_chunk_get(zp_store *st, int64_t id, zp_time_t chunk_start, double *vals,
                               bool *found)
{
    const mem_series *s = mem_by_id(st, id);
    size_t at = s ? mem_lower(s, chunk_start) : 0;
    *found = s && at < s->nchunks && s->chunks[at]->start == chunk_start;
    if (*found) {
        memcpy(vals, s->chunks[at]->v, sizeof s->chunks[at]->v);
    } else {
        for (size_t k = 0; k < ZP__STORE_CHUNK; k++)
            vals[k] = NAN;
    }
    return ZP_OK;
}

static zp_status mem_chunk_put(zp_store *st, int64_t id, zp_time_t chunk_start, const double *vals,
                               int32_t nvalid)
{
    mem_store *m = MEM(st);
    mem_series *s = mem_by_id(st, id);
    mem_chunk *old = NULL;

    if (!s)
        return zp__error(st->ctx, ZP_ESTORE, "%s: no series with id %lld", st->where,
                         (long long)id);
    size_t at = mem_lower(s, chunk_start);
    bool exists = at < s->nchunks && s->chunks[at]->start == chunk_start;
    /* Reserve every allocation first: a failure must leave nothing changed. */
    if (m->in_txn &&
        zp__grow(st->ctx, (void **)&m->undo, &m->capundo, m->nundo + 1, sizeof *m->undo))
        return ZP_ENOMEM;
    if (exists) {
        if (m->in_txn) {
            old = zp__malloc(st->ctx, sizeof *old);
            if (!old)
                return zp__nomem(st->ctx);
            *old = *s->chunks[at];
        }
    } else {
        if (zp__grow(st->ctx, (void **)&s->chunks, &s->cap, s->nchunks + 1, sizeof *s->chunks))
            return ZP_ENOMEM;
        mem_chunk *c = zp__malloc(st->ctx, sizeof *c);
        if (!c)
            return zp__nomem(st->ctx);
        memmove(&s->chunks[at + 1], &s->chunks[at], (s->nchunks - at) * sizeof *s->chunks);
        s->chunks[at] = c;
        s->nchunks++;
        c->start = chunk_start;
    }
    memcpy(s->chunks[at]->v, vals, sizeof s->chunks[at]->v);
    s->chunks[at]->n = nvalid;
    if (m->in_txn)
        m->undo[m->nundo++] = (mem_undo){.id = id, .start = chunk_start, .old = old};
    return ZP_OK;
}

static zp_status mem_chunk_read(zp_store *st, int64_t id, int32_t step_s, zp_time_t from,
                                size_t len, double *out)
{
    const mem_series *s = mem_by_id(st, id);
    const zp_time_t span = (zp_time_t)step_s * ZP__STORE_CHUNK;
    const zp_time_t end = from + (zp_time_t)len * step_s;
    if (!s)
        return ZP_OK;
    for (size_t c = mem_lower(s, zp__store_floor(from, span));
         c < s->nchunks && s->chunks[c]->start < end; c++) {
        int64_t k0, k1, off;
        zp__store_window(s->chunks[c]->start, ZP__STORE_CHUNK, step_s, from, len, &k0, &k1,
                         &off);
        if (k0 < k1)
            memcpy(out + k0 + off, s->chunks[c]->v + k0, (size_t)(k1 - k0) * sizeof *out);
    }
    return ZP_OK;
}

static zp_status mem_run_save(zp_store *st, const zp_store_run *run, int64_t *id)
{
    mem_store *m = MEM(st);
    const char *src[4] = {run->kind, run->model_name, run->inputs_sha256, run->results_json};
    mem_run r;

    memset(&r, 0, sizeof r);
    if (zp__grow(st->ctx, (void **)&m->runs, &m->capruns, m->nruns + 1, sizeof *m->runs))
        return ZP_ENOMEM;
    r.created = run->created;
    for (int k = 0; k < 4; k++) {
        if (src[k] && !(r.str[k] = zp__strdup(st->ctx, src[k]))) {
            for (int j = 0; j < k; j++)
                zp__free(st->ctx, r.str[j]);
            return zp__nomem(st->ctx);
        }
    }
    m->runs[m->nruns++] = r;
    *id = (int64_t)m->nruns;
    return ZP_OK;
}

static zp_status mem_run_get(zp_store *st, int64_t id, zp_store_run *out, bool *found)
{
    mem_store *m = MEM(st);
    *found = id >= 1 && (uint64_t)id <= m->nruns;
    if (!*found)
        return ZP_OK;
    const mem_run *r = &m->runs[id - 1];
    out->id = id;
    out->created = r->created;
    out->kind = r->str[0];
    out->model_name = r->str[1];
    out->inputs_sha256 = r->str[2];
    out->results_json = r->str[3];
    return ZP_OK;
}

static zp_status mem_run_count(zp_store *st, int64_t *count)
{
    *count = (int64_t)MEM(st)->nruns;
    return ZP_OK;
}

const zp__store_backend zp__store_mem = {
    .name = "mem",
    .open = mem_open,
    .close = mem_close,
    .series_find = mem_series_find,
    .series_insert = mem_series_insert,
    .series_all = mem_series_all,
    .series_span = mem_series_span,
    .begin = mem_begin,
    .commit = mem_commit,
    .rollback = mem_rollback,
    .chunk_get = mem_chunk_get,
    .chunk_put = mem_chunk_put,
    .chunk_read = mem_chunk_read,
    .run_save = mem_run_save,
    .run_get = mem_run_get,
    .run_count = mem_run_count,
};
