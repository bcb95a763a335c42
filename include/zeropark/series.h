/*
 * zeropark/series.h - fixed-step time series, CSV import, resampling and
 * alignment.
 *
 * Main types and calls: zp_series (zp_series_new, zp_series_dup,
 * zp_series_free), resampled and aligned by its zp_series_kind (power,
 * energy, intensity or counter: zp_series_resample conserves energy); the
 * counter helpers (zp_counter_scan, zp_series_counter_diff: a cumulative
 * register's readings as energy per interval, its roll-overs and resets
 * found); and the CSV reader (zp_csv_read_file, zp_csv_read_buf,
 * zp_csv_read_stream) that reports every bad row as FILE:LINE. The model
 * (model.h) reads its series references with it, the store (store.h) keeps
 * series, the accounting (carbon.h) reads metered CSV through it. Units are
 * in the names (_kw, _kwh, and _total for a counter); calls that can fail
 * take a zp_ctx (core.h).
 *
 * A series is a column of doubles with a start instant and a fixed step.
 * Value i covers the interval [start + i*step, start + (i+1)*step): time
 * stamps label the beginning of their interval. NaN marks a missing value.
 */
#ifndef ZEROPARK_SERIES_H
#define ZEROPARK_SERIES_H

#include "zeropark/core.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a series is resampled.
 * POWER: interval-average power (kW). Resampling conserves energy: a
 *   coarser step takes the time-weighted mean, a finer step repeats the
 *   value, so sum(v * step) is unchanged.
 * ENERGY: energy per interval (kWh). Coarser sums, finer splits evenly.
 * INTENSITY: an intensive quantity (kg/kWh, CNY/kWh, degC, W/m2 averaged).
 *   Coarser takes the time-weighted mean, finer repeats the value.
 * COUNTER: readings of a cumulative register (a meter's kWh total): v[i]
 *   is the reading at the instant start + i*step (the start of interval
 *   i), so n readings bound n - 1 intervals. Resampling gives an ENERGY
 *   series of the differences over each new interval (see
 *   zp_series_counter_diff for roll-overs and resets), which conserves
 *   energy: over a span without resets the differences add up to the last
 *   reading minus the first. A series is a counter exactly when its name
 *   ends in "_total" (zp_series_kind_from_name). */
typedef enum zp_series_kind {
    ZP_SERIES_POWER = 0,
    ZP_SERIES_ENERGY = 1,
    ZP_SERIES_INTENSITY = 2,
    ZP_SERIES_COUNTER = 3
} zp_series_kind;

/* "power", "energy", "intensity", "counter" (NULL for another value). */
ZP_API const char *zp_series_kind_name(zp_series_kind kind);
/* The kind named by text (as zp_series_kind_name spells it); 0 on
 * success, -1 when text names none. */
ZP_API int zp_series_kind_parse(const char *text, zp_series_kind *out);

/* Kind and unit from a series name (the naming convention of
 * docs/formats.md, units in names): a name ending in "_total" is a
 * COUNTER (its unit from the suffix before: _kwh_total kWh, _mwh_total
 * MWh, _l_total l, _m3_total m3); _kwh and _mwh ENERGY; _kw and _mw
 * POWER; _kg_per_kwh, _cny_per_kwh, _g_per_kwh, _w_m2, _m_s, _c, _pct
 * INTENSITY with that unit; anything else INTENSITY without a unit.
 * *unit (when unit is not NULL) receives a static string or NULL. */
ZP_API zp_series_kind zp_series_kind_from_name(const char *name, const char **unit);
/* Non-zero when name ends in "_total" (the counter suffix). */
ZP_API int zp_series_name_is_counter(const char *name);

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
 * otherwise ZP_EINVAL with a message that says which. A COUNTER becomes
 * an ENERGY series of differences (zp_series_counter_diff, whose rules
 * apply). */
ZP_API zp_status zp_series_resample(zp_ctx *ctx, const zp_series *s, int32_t step_s,
                                    zp_series **out);

/* Resample and cut s to exactly the window [start, start + len*step_s).
 * Fails with ZP_ERANGE when s does not cover the window (the message gives
 * both spans), or ZP_EDATA when a value inside it is NaN. A COUNTER gives
 * the ENERGY differences over the window, which needs the readings at both
 * of its ends. */
ZP_API zp_status zp_series_align(zp_ctx *ctx, const zp_series *s, zp_time_t start,
                                 int32_t step_s, size_t len, zp_series **out);

/* ---- counters ----------------------------------------------------------
 * A counter reading b lower than the one before it, a, is either noise or
 * a drop.
 * Noise: a - b is at most ZP_COUNTER_NOISE (0.1 %) of a (50123.4 then
 * 50123.3): the register's last digit flickering, a rounding of the
 * register, or a reading corrected down by a little. It is not a drop:
 * the increment is 0 and the counter goes on from the higher reading a
 * (zp_counter_advance), so 50123.4, 50123.3, 50123.5 count 0 then 0.1
 * and the total is still the last reading minus the first. A reset starts
 * again near 0 (a drop of almost 100 % of a) and a roll-over drops by at
 * least 80 % of the register, so neither can look like noise; 0.1 % is a
 * flip of the last digit of any register that shows 4 digits or more
 * (0.1 in 100.0) and far above the rounding of a float32 register
 * (6e-8 of the reading).
 * A drop is a roll-over when a lies in the top tenth of its register range
 * W (the smallest power of ten above a, e.g. 100000 for 99990) and b in
 * the bottom tenth: the register wrapped, and the increment is b + W - a.
 * Any other drop is a reset (the meter was replaced or cleared): the
 * register counts again from 0, and the increment is b. Drops are
 * reported, never hidden; noise is not reported. */
#define ZP_COUNTER_NOISE 0.001
typedef struct zp_counter_drop {
    size_t index;  /* index of the lower reading */
    zp_time_t at;  /* its instant */
    double before; /* the reading before it (the last one that is not NaN) */
    double after;  /* the lower reading */
    double wrap;   /* register range added for a roll-over; 0 for a reset */
} zp_counter_drop;

#define ZP_COUNTER_DROPS_LISTED 8

typedef struct zp_counter_drops {
    size_t count;   /* drops found: roll-overs and resets */
    size_t resets;  /* of which resets */
    size_t nlisted; /* the first ones, in time order, listed in drop[] */
    zp_counter_drop drop[ZP_COUNTER_DROPS_LISTED];
} zp_counter_drops;

/* The increment of a register read a, then b (the rule above): b - a
 * when b >= a, 0 for noise, b + W - a for a roll-over, b for a reset; NaN
 * when a or b is NaN. *wrap (may be NULL) receives W for a roll-over and
 * 0 otherwise. */
ZP_API double zp_counter_increment(double a, double b, double *wrap);
/* Non-zero when b after a is noise (the rule above), not a drop. */
ZP_API int zp_counter_is_noise(double a, double b);
/* The increment of reading b from the running reference *ref (the reading
 * the counter goes on from; NaN before the first reading, which then
 * gives NaN) by zp_counter_increment, and *ref moves to b unless b is
 * noise (or NaN). Every reader of a register's readings in order uses it,
 * so noise counts 0 and is not counted again when the register comes
 * back up. */
ZP_API double zp_counter_advance(double *ref, double b, double *wrap);

/* Every drop in the readings of s (NaN readings are skipped: a drop is
 * between consecutive readings that are not NaN). */
ZP_API void zp_counter_scan(const zp_series *s, zp_counter_drops *d);

/* Differences of a counter (s->kind COUNTER, at least two readings) over
 * intervals of step_s: an ENERGY series starting at s->start, value i
 * being the increment from the reading at start + i*step_s to the reading
 * at start + (i+1)*step_s, roll-overs and resets counted as above. One
 * step must divide the other. Coarsening: s->start must lie on the
 * step_s grid (counted from the Unix epoch) and the len - 1 intervals
 * between the readings must fill whole new intervals; an interval is NaN
 * when the reading at its start or end is NaN (readings missing in
 * between lose nothing: the increments add up). Refining splits each
 * interval's increment evenly. drops (may be NULL) receives the drops
 * inside the intervals returned. */
ZP_API zp_status zp_series_counter_diff(zp_ctx *ctx, const zp_series *s, int32_t step_s,
                                        zp_series **out, zp_counter_drops *drops);

/* ---- CSV ---------------------------------------------------------------
 * Format: a header row, then one row per interval. The first column is an
 * ISO-8601 timestamp (zp_time_parse); the others are numbers. Rows must be
 * in time order at a fixed step. Gaps, duplicates, rows out of order,
 * wrong field counts and non-numeric or empty values are each reported as a
 * diagnostic (file:line:col) and make the read fail with ZP_EDATA; nothing
 * is skipped silently. Lines end in LF or CRLF. A UTF-8 BOM is ignored.
 * The header must be UTF-8 without control characters (a name is what
 * the series is called). A line longer than max_line_bytes ends the read
 * at once: the reader never holds more than about that much of a line. */
typedef struct zp_csv_opts {
    const char *const *columns; /* header names to read; NULL reads every column after the first */
    size_t ncolumns;            /* number of names in columns */
    int32_t default_offset_min; /* offset for timestamps without one; ZP_TIME_NO_DEFAULT rejects them */
    char delimiter;             /* field separator; 0 means ',' */
    zp_series_kind kind;        /* kind given to every series read */
    size_t max_line_bytes;      /* longest accepted line; 0 means 65536 */
    size_t max_diags;           /* stop after this many problems; 0 means 100 */
    /* How the caller's users raise max_line_bytes, named in the message
     * about a long line (e.g. "--max-line-bytes"); NULL names nothing. */
    const char *max_line_option;
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
/* The same from an open stream (a pipe, standard input), read to its end
 * in blocks; fname names it in diagnostics. The stream is not closed. */
ZP_API zp_status zp_csv_read_stream(zp_ctx *ctx, FILE *f, const char *fname,
                                    const zp_csv_opts *opts, zp_series ***out, size_t *nout);

/* Header names of a CSV file (the first line), for validation. *out is an
 * array of *nout strings; free with zp_strv_free. */
ZP_API zp_status zp_csv_header_file(zp_ctx *ctx, const char *path, char ***out, size_t *nout);
ZP_API void zp_strv_free(zp_ctx *ctx, char **v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
