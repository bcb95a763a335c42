/*
 * zeropark/series.h - fixed-step time series, CSV import, resampling and
 * alignment.
 *
 * A series is a column of doubles with a start instant and a fixed step.
 * Value i covers the interval [start + i*step, start + (i+1)*step): time
 * stamps label the beginning of their interval. NaN marks a missing value.
 */
#ifndef ZEROPARK_SERIES_H
#define ZEROPARK_SERIES_H

#include "zeropark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a series is resampled.
 * POWER: interval-average power (kW). Resampling conserves energy: a
 *   coarser step takes the time-weighted mean, a finer step repeats the
 *   value, so sum(v * step) is unchanged.
 * ENERGY: energy per interval (kWh). Coarser sums, finer splits evenly.
 * INTENSITY: an intensive quantity (kg/kWh, CNY/kWh, degC, W/m2 averaged).
 *   Coarser takes the time-weighted mean, finer repeats the value. */
typedef enum zp_series_kind {
    ZP_SERIES_POWER = 0,
    ZP_SERIES_ENERGY = 1,
    ZP_SERIES_INTENSITY = 2
} zp_series_kind;

typedef struct zp_series {
    char *name;          /* owned, may be NULL */
    char *unit;          /* owned, may be NULL */
    zp_series_kind kind; /* how it resamples */
    zp_time_t start;     /* start of the first interval */
    int32_t step_s;      /* interval length in seconds, > 0 */
    size_t len;          /* number of values */
    double *v;           /* len values, owned */
} zp_series;

/* New series of len zero values. name may be NULL. Free with zp_series_free. */
ZP_API zp_status zp_series_new(zp_ctx *ctx, const char *name, zp_series_kind kind, zp_time_t start,
                               int32_t step_s, size_t len, zp_series **out);
ZP_API zp_status zp_series_dup(zp_ctx *ctx, const zp_series *s, zp_series **out);
/* Accepts NULL. */
ZP_API void zp_series_free(zp_ctx *ctx, zp_series *s);
/* Frees each series and the array. Accepts NULL. */
ZP_API void zp_series_array_free(zp_ctx *ctx, zp_series **arr, size_t n);
/* Set name or unit (copied). */
ZP_API zp_status zp_series_set_name(zp_ctx *ctx, zp_series *s, const char *name);
ZP_API zp_status zp_series_set_unit(zp_ctx *ctx, zp_series *s, const char *unit);

/* End of the last interval: start + len * step. */
ZP_API zp_time_t zp_series_end(const zp_series *s);
/* Sum of v[i] * step_s / 3600 (kWh for a kW series); NaN values skipped. */
ZP_API double zp_series_energy(const zp_series *s);
/* Time-weighted mean of the non-NaN values (NaN if none). */
ZP_API double zp_series_mean(const zp_series *s);

/* Resample to step_s according to s->kind. One step must divide the
 * other. A coarse interval that holds a NaN becomes NaN. The start of the
 * output is s->start; when coarsening, s->start must lie on the new step
 * grid relative to the Unix epoch and len must fill whole new intervals,
 * otherwise ZP_EINVAL with a message that says which. */
ZP_API zp_status zp_series_resample(zp_ctx *ctx, const zp_series *s, int32_t step_s,
                                    zp_series **out);

/* Resample and cut s to exactly the window [start, start + len*step_s).
 * Fails with ZP_ERANGE when s does not cover the window (the message gives
 * both spans), or ZP_EDATA when a value inside it is NaN. */
ZP_API zp_status zp_series_align(zp_ctx *ctx, const zp_series *s, zp_time_t start,
                                 int32_t step_s, size_t len, zp_series **out);

/* ---- CSV ---------------------------------------------------------------
 * Format: a header row, then one row per interval. The first column is an
 * ISO-8601 timestamp (zp_time_parse); the others are numbers. Rows must be
 * in time order at a fixed step. Gaps, duplicates, rows out of order,
 * wrong field counts and non-numeric or empty values are each reported as a
 * diagnostic (file:line:col) and make the read fail with ZP_EDATA; nothing
 * is skipped silently. Lines end in LF or CRLF. A UTF-8 BOM is ignored. */
typedef struct zp_csv_opts {
    const char *const *columns; /* header names to read; NULL reads every column after the first */
    size_t ncolumns;            /* number of names in columns */
    int32_t default_offset_min; /* offset for timestamps without one; ZP_TIME_NO_DEFAULT rejects them */
    char delimiter;             /* field separator; 0 means ',' */
    zp_series_kind kind;        /* kind given to every series read */
    size_t max_line_bytes;      /* longest accepted line; 0 means 65536 */
    size_t max_diags;           /* stop after this many problems; 0 means 100 */
} zp_csv_opts;

/* Defaults: every column, offset required, ',', POWER. */
ZP_API void zp_csv_opts_init(zp_csv_opts *opts);

/* Parse len bytes of CSV. fname names the input in diagnostics (may be
 * NULL). On success *out is an array of *nout series (one per selected
 * column, in the order asked for), each named after its header. A column
 * that is not in the header fails with ZP_ENOTFOUND naming the columns
 * that are there and the nearest match. */
ZP_API zp_status zp_csv_read_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                                 const zp_csv_opts *opts, zp_series ***out, size_t *nout);
ZP_API zp_status zp_csv_read_file(zp_ctx *ctx, const char *path, const zp_csv_opts *opts,
                                  zp_series ***out, size_t *nout);

/* Header names of a CSV file (the first line), for validation. *out is an
 * array of *nout strings; free with zp_strv_free. */
ZP_API zp_status zp_csv_header_file(zp_ctx *ctx, const char *path, char ***out, size_t *nout);
ZP_API void zp_strv_free(zp_ctx *ctx, char **v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
