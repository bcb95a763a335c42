/*
 * zeropark/store.h - the storage interface.
 *
 * Main types and calls: zp_store (zp_store_open on a file or "mem:",
 * zp_store_close), the series it holds (zp_store_series_define,
 * zp_store_series_list, zp_store_series_get, as zp_store_series_info),
 * zp_store_write and zp_store_read of zp_series (series.h), and stored runs
 * (zp_store_run_save, zp_store_run_get). The importer and exporter of the
 * zeropark command, the accounting of stored meters (carbon.h), the
 * simulation's stored runs (sim.h) and the daemon's ingest all go through
 * it. Times are zp_time_t (core.h); calls that can fail return a zp_status
 * with the message on the store's zp_ctx.
 *
 * Backends sit behind one function table: SQLite (the default, a file in
 * WAL mode) and an in-memory backend for tests. A PostgreSQL backend can be
 * added without touching callers.
 *
 * Readings are kept in chunks of consecutive values (not one row per
 * reading). Each chunk write is one transaction, so a crash loses at most
 * the chunk in flight and never corrupts what was committed.
 */
#ifndef ZEROPARK_STORE_H
#define ZEROPARK_STORE_H

#include "zeropark/core.h"
#include "zeropark/series.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zp_store zp_store;

/* Open flags. */
#define ZP_STORE_CREATE 0x1u   /* create the store if it does not exist */
#define ZP_STORE_READONLY 0x2u /* open read-only (no migrations run) */
#define ZP_STORE_LOWMEM 0x4u   /* keep memory small (a daemon on a gateway): no
                                  memory-mapped I/O, a 2 MB page cache */

/* Open a store. uri is a file path or "sqlite:PATH" for SQLite, or "mem:"
 * for a private in-memory store. The schema is created or migrated to the
 * current version; a store written by a newer zeropark is refused with
 * ZP_EUNSUPPORTED. A file that is not a zeropark store (not an SQLite
 * database, another application's database, a directory) is ZP_EDATA or
 * ZP_EINVAL with a message saying what it is; a new file in a directory
 * that does not exist is ZP_ENOTFOUND. The store keeps ctx for errors: use
 * it from ctx's thread only. Close with zp_store_close. */
ZP_API zp_status zp_store_open(zp_ctx *ctx, const char *uri, unsigned flags, zp_store **out);
/* Accepts NULL. */
ZP_API void zp_store_close(zp_store *st);
/* "sqlite" or "mem". */
ZP_API const char *zp_store_backend(const zp_store *st);
/* Schema version of the open store. */
ZP_API int zp_store_schema_version(const zp_store *st);
/* Schema version this library writes. */
ZP_API int zp_store_schema_current(void);

/* Metadata of one stored series. */
typedef struct zp_store_series_info {
    char *name;          /* series (meter) name */
    char *unit;          /* unit, may be NULL */
    zp_series_kind kind; /* resampling kind */
    int32_t step_s;      /* native step */
    zp_time_t first;     /* start of the first stored interval (0 if empty) */
    zp_time_t last_end;  /* end of the last stored interval (0 if empty) */
    int64_t count;       /* number of stored (non-NaN) values */
} zp_store_series_info;

/* Define a series. Defining it again with the same step and kind is a
 * no-op; a different step or kind fails with ZP_EEXISTS. */
ZP_API zp_status zp_store_series_define(zp_store *st, const char *name, const char *unit,
                                        zp_series_kind kind, int32_t step_s);
/* List series; free with zp_store_series_info_free. */
ZP_API zp_status zp_store_series_list(zp_store *st, zp_store_series_info **out, size_t *n);
/* Fill the caller's *out for one series (ZP_ENOTFOUND naming the nearest
 * stored name if there is none); free its strings with
 * zp_store_series_info_clear. */
ZP_API zp_status zp_store_series_get(zp_store *st, const char *name, zp_store_series_info *out);
/* Free an array from zp_store_series_list (strings and array). Accepts NULL. */
ZP_API void zp_store_series_info_free(zp_ctx *ctx, zp_store_series_info *info, size_t n);
/* Free the strings of one caller-owned info and zero it. Accepts NULL. */
ZP_API void zp_store_series_info_clear(zp_ctx *ctx, zp_store_series_info *info);

/* Progress callback: done and total in values. Returning non-zero cancels
 * (what is committed stays committed). */
typedef int (*zp_progress_fn)(void *ud, uint64_t done, uint64_t total);

/* Write n series (values are stored bit-exactly; NaN means no reading).
 * Each series must be defined, with s->step_s equal to its step and
 * s->start on its step grid. Undefined series are defined from s (name,
 * unit, kind, step) when the store was opened with ZP_STORE_CREATE.
 * Values overwrite earlier values at the same instants; NaN in s leaves
 * stored values alone. Chunks are committed one time-slice at a time
 * across all n series. */
ZP_API zp_status zp_store_write(zp_store *st, const zp_series *const *s, size_t n,
                                zp_progress_fn progress, void *ud);

/* Read [from, to) of a series at its native step. Instants with no
 * reading are NaN. from and to are rounded out to the step grid. */
ZP_API zp_status zp_store_read(zp_store *st, const char *name, zp_time_t from, zp_time_t to,
                               zp_series **out);

/* A stored run (a simulation or optimisation result). */
typedef struct zp_store_run {
    int64_t id;             /* assigned by the store */
    zp_time_t created;      /* when it was stored (set by the caller) */
    const char *kind;       /* "simulate", "optimize", ... */
    const char *model_name; /* model's name */
    const char *inputs_sha256; /* hex SHA-256 over the model and its input files */
    const char *results_json;  /* results document */
} zp_store_run;

/* Store a run; *id receives its id. */
ZP_API zp_status zp_store_run_save(zp_store *st, const zp_store_run *run, int64_t *id);
/* Fetch a run by id. Strings in *out are owned by the store and valid
 * until the next call on st. */
ZP_API zp_status zp_store_run_get(zp_store *st, int64_t id, zp_store_run *out);
/* Number of stored runs. */
ZP_API zp_status zp_store_run_count(zp_store *st, int64_t *count);

#ifdef __cplusplus
}
#endif
#endif
