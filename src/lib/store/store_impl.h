/*
 * store_impl.h - the function table behind zp_store (never installed).
 *
 * store.c owns everything that is the same for every backend: argument
 * checks, cutting a write into chunk time-slices, merging new values into
 * stored chunks, NaN-filling reads, series statistics. A backend only
 * keeps series rows, chunks and runs, and brackets writes in transactions.
 * Backends are sibling files (store_sqlite.c, store_mem.c) that export one
 * const table each.
 *
 * A chunk holds ZP__STORE_CHUNK consecutive values of one series, starting
 * at chunk_start = floor(t / span) * span with span = step_s * CHUNK, so
 * the chunk that holds an instant is found by arithmetic alone. Changing
 * the chunk length changes the meaning of stored data: it needs a schema
 * migration.
 */
#ifndef ZP_STORE_IMPL_H
#define ZP_STORE_IMPL_H

#include "core/internal.h"
#include "zeropark/store.h"

#include <stdbool.h>

/* Values per chunk: one day at one-minute resolution. */
#define ZP__STORE_CHUNK 1440

/* Schema version this library writes; store_sqlite.c has one migration
 * per version. */
#define ZP__STORE_SCHEMA 2

typedef struct zp__store_backend zp__store_backend;

struct zp_store {
    zp_ctx *ctx;                   /* context for errors and allocation */
    const zp__store_backend *be;   /* backend function table */
    void *impl;                    /* backend state, owned by the backend */
    char *where;                   /* file name (or "mem:") for messages */
    unsigned flags;                /* ZP_STORE_* open flags */
    int schema_version;            /* version of the open store */
    double *scratch;               /* ZP__STORE_CHUNK values for merges */
};

/* A series row as a backend keeps it. */
typedef struct zp__store_row {
    int64_t id;           /* backend's key for the series */
    zp_series_kind kind;  /* resampling kind */
    int32_t step_s;       /* native step */
} zp__store_row;

/* Statistics over the chunks of one series. */
typedef struct zp__store_span {
    int64_t count;          /* sum of non-NaN values over all chunks */
    zp_time_t first_chunk;  /* start of the earliest chunk */
    zp_time_t last_chunk;   /* start of the latest chunk */
    bool any;               /* false when the series has no chunks */
} zp__store_span;

/*
 * Every function returns ZP_OK or an error already set on st->ctx (with
 * the backend's own message, e.g. "FILE: sqlite: ... (while ...)").
 */
struct zp__store_backend {
    const char *name; /* "sqlite", "mem" */
    /* Open or create the store at path (NULL for mem); sets
     * st->impl and st->schema_version, runs migrations unless read-only. */
    zp_status (*open)(zp_store *st, const char *path);
    /* Free st->impl. Called once, also after a failed open. */
    void (*close)(zp_store *st);

    /* *found = false (and ZP_OK) when the series is not defined. When unit
     * is not NULL it receives a copy of the unit (NULL if none), allocated
     * with ctx. */
    zp_status (*series_find)(zp_store *st, const char *name, zp__store_row *row, char **unit,
                             bool *found);
    zp_status (*series_insert)(zp_store *st, const char *name, const char *unit,
                               zp_series_kind kind, int32_t step_s, int64_t *id);
    /* All series ordered by name: *info gets name/unit/kind/step_s (other
     * fields zero) and *ids their keys; both arrays allocated with ctx. */
    zp_status (*series_all)(zp_store *st, zp_store_series_info **info, int64_t **ids, size_t *n);
    zp_status (*series_span)(zp_store *st, int64_t id, zp__store_span *span);

    /* Writes between begin and commit are atomic; rollback never fails
     * (an error there leaves the transaction to be rolled back on close). */
    zp_status (*begin)(zp_store *st);
    zp_status (*commit)(zp_store *st);
    void (*rollback)(zp_store *st);

    /* Fill vals[0..CHUNK) with the stored chunk (NaN where empty);
     * *found = false and vals all NaN when there is none. */
    zp_status (*chunk_get)(zp_store *st, int64_t id, zp_time_t chunk_start, double *vals,
                           bool *found);
    /* Insert or replace a chunk; nvalid is the number of non-NaN values. */
    zp_status (*chunk_put)(zp_store *st, int64_t id, zp_time_t chunk_start, const double *vals,
                           int32_t nvalid);
    /* Copy every stored value in [from, from + len*step) into out, which
     * the caller has filled with NaN. from is on the step grid. */
    zp_status (*chunk_read)(zp_store *st, int64_t id, int32_t step_s, zp_time_t from, size_t len,
                            double *out);

    zp_status (*run_save)(zp_store *st, const zp_store_run *run, int64_t *id);
    /* Strings stay valid until the next call on st. */
    zp_status (*run_get)(zp_store *st, int64_t id, zp_store_run *out, bool *found);
    zp_status (*run_count)(zp_store *st, int64_t *count);
};

extern const zp__store_backend zp__store_sqlite;
extern const zp__store_backend zp__store_mem;

/* floor(a / b) * b for b > 0, correct for negative a. */
static inline zp_time_t zp__store_floor(zp_time_t a, zp_time_t b)
{
    zp_time_t q = a / b;
    if (a % b != 0 && a < 0)
        q--;
    return q * b;
}

/* The part of one chunk (values k in [0, nvals) at chunk_start + k*step)
 * that falls in the window [from, from + len*step): chunk values [*k0, *k1)
 * go to window index k + *off. *k0 >= *k1 when nothing overlaps. */
static inline void zp__store_window(zp_time_t chunk_start, size_t nvals, int32_t step_s,
                                    zp_time_t from, size_t len, int64_t *k0, int64_t *k1,
                                    int64_t *off)
{
    *off = (chunk_start - from) / step_s;
    *k0 = *off < 0 ? -*off : 0;
    *k1 = (int64_t)len - *off;
    if (*k1 > (int64_t)nvals)
        *k1 = (int64_t)nvals;
}

#endif
