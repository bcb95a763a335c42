/*
 * series.c - fixed-step time series: creation, energy and mean, resampling
 * and alignment to a window.
 *
 * Value i covers [start + i*step, start + (i+1)*step). Resampling only
 * supports steps where one divides the other, so every output interval is
 * made of whole input intervals (coarsening) or lies inside exactly one
 * input interval (refining); no interpolation is ever needed and energy is
 * conserved exactly up to rounding.
 */
#include "core/internal.h"
#include "zeropark/series.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* Floor modulo: the grid test must hold for instants before 1970 too. */
static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

const char *zp_series_kind_name(zp_series_kind kind)
{
    switch (kind) {
    case ZP_SERIES_POWER:
        return "power";
    case ZP_SERIES_ENERGY:
        return "energy";
    case ZP_SERIES_INTENSITY:
        return "intensity";
    case ZP_SERIES_COUNTER:
        return "counter";
    }
    return NULL;
}

int zp_series_kind_parse(const char *text, zp_series_kind *out)
{
    static const zp_series_kind all[] = {ZP_SERIES_POWER, ZP_SERIES_ENERGY, ZP_SERIES_INTENSITY,
                                         ZP_SERIES_COUNTER};
    for (size_t i = 0; text && i < ZP_ARRAY_LEN(all); i++)
        if (strcmp(text, zp_series_kind_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && memcmp(s + a - b, suffix, b) == 0;
}

int zp_series_name_is_counter(const char *name)
{
    return name && ends_with(name, "_total");
}

/* The naming convention (docs/formats.md "Series names"): units in names. */
zp_series_kind zp_series_kind_from_name(const char *name, const char **unit)
{
    static const struct {
        const char *suffix, *unit;
        zp_series_kind kind;
    } table[] = {
        {"_kwh_total", "kWh", ZP_SERIES_COUNTER},
        {"_mwh_total", "MWh", ZP_SERIES_COUNTER},
        {"_l_total", "l", ZP_SERIES_COUNTER},
        {"_m3_total", "m3", ZP_SERIES_COUNTER},
        {"_total", NULL, ZP_SERIES_COUNTER},
        {"_kg_per_kwh", "kg/kWh", ZP_SERIES_INTENSITY},
        {"_cny_per_kwh", "CNY/kWh", ZP_SERIES_INTENSITY},
        {"_g_per_kwh", "g/kWh", ZP_SERIES_INTENSITY},
        {"_kwh", "kWh", ZP_SERIES_ENERGY},
        {"_mwh", "MWh", ZP_SERIES_ENERGY},
        {"_kw", "kW", ZP_SERIES_POWER},
        {"_mw", "MW", ZP_SERIES_POWER},
        {"_w_m2", "W/m2", ZP_SERIES_INTENSITY},
        {"_m_s", "m/s", ZP_SERIES_INTENSITY},
        {"_c", "degC", ZP_SERIES_INTENSITY},
        {"_pct", "%", ZP_SERIES_INTENSITY},
    };
    for (size_t i = 0; name && i < ZP_ARRAY_LEN(table); i++)
        if (ends_with(name, table[i].suffix)) {
            if (unit)
                *unit = table[i].unit;
            return table[i].kind;
        }
    if (unit)
        *unit = NULL;
    return ZP_SERIES_INTENSITY;
}

zp_status zp_series_new(zp_ctx *ctx, const char *name, zp_series_kind kind, zp_time_t start,
                        int32_t step_s, size_t len, zp_series **out)
{
    zp_status rc = ZP_OK;
    zp_series *s = NULL;
    *out = NULL;
    if (step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "series step must be > 0 seconds, got %ld",
                         (long)step_s);
    if (!zp_series_kind_name(kind))
        return zp__error(ctx, ZP_EINVAL, "unknown series kind %d (use ZP_SERIES_POWER, "
                         "ZP_SERIES_ENERGY, ZP_SERIES_INTENSITY or ZP_SERIES_COUNTER)",
                         (int)kind);
    if (len > SIZE_MAX / sizeof(double))
        return zp__error(ctx, ZP_ETOOBIG, "series of %zu values is too large", len);
    s = zp__calloc(ctx, 1, sizeof *s);
    if (!s)
        return zp__nomem(ctx);
    s->kind = kind;
    s->start = start;
    s->step_s = step_s;
    s->len = len;
    s->v = zp__calloc(ctx, len, sizeof(double));
    if (!s->v) {
        rc = zp__nomem(ctx);
        goto out;
    }
    if (name && !(s->name = zp__strdup(ctx, name))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    *out = s;
    s = NULL;
out:
    zp_series_free(ctx, s);
    return rc;
}

zp_status zp_series_dup(zp_ctx *ctx, const zp_series *s, zp_series **out)
{
    zp_series *d = NULL;
    zp_status rc = zp_series_new(ctx, s->name, s->kind, s->start, s->step_s, s->len, &d);
    if (rc)
        return rc;
    if (s->len)
        memcpy(d->v, s->v, s->len * sizeof(double));
    if (s->unit && (rc = zp_series_set_unit(ctx, d, s->unit))) {
        zp_series_free(ctx, d);
        return rc;
    }
    *out = d;
    return ZP_OK;
}

void zp_series_free(zp_ctx *ctx, zp_series *s)
{
    if (!s)
        return;
    zp__free(ctx, s->name);
    zp__free(ctx, s->unit);
    zp__free(ctx, s->v);
    zp__free(ctx, s);
}

void zp_series_array_free(zp_ctx *ctx, zp_series **arr, size_t n)
{
    if (!arr)
        return;
    for (size_t i = 0; i < n; i++)
        zp_series_free(ctx, arr[i]);
    zp__free(ctx, arr);
}

/* Replace *slot with a copy of text (NULL clears it). The old value is kept
 * when the copy fails, so the series stays valid. */
static zp_status set_string(zp_ctx *ctx, char **slot, const char *text)
{
    char *copy = NULL;
    if (text && !(copy = zp__strdup(ctx, text)))
        return zp__nomem(ctx);
    zp__free(ctx, *slot);
    *slot = copy;
    return ZP_OK;
}

zp_status zp_series_set_name(zp_ctx *ctx, zp_series *s, const char *name)
{
    return set_string(ctx, &s->name, name);
}

zp_status zp_series_set_unit(zp_ctx *ctx, zp_series *s, const char *unit)
{
    return set_string(ctx, &s->unit, unit);
}

zp_time_t zp_series_end(const zp_series *s)
{
    return s->start + (zp_time_t)s->len * s->step_s;
}

double zp_series_energy(const zp_series *s)
{
    double sum = 0.0;
    for (size_t i = 0; i < s->len; i++)
        if (!isnan(s->v[i]))
            sum += s->v[i];
    return sum * (double)s->step_s / 3600.0;
}

double zp_series_mean(const zp_series *s)
{
    /* Every interval has the same length, so the time weights cancel. */
    double sum = 0.0;
    size_t n = 0;
    for (size_t i = 0; i < s->len; i++) {
        if (!isnan(s->v[i])) {
            sum += s->v[i];
            n++;
        }
    }
    return n ? sum / (double)n : NAN;
}

static const char *series_label(const zp_series *s)
{
    return s->name ? s->name : "(unnamed)";
}

/* Combine k consecutive values starting at src into one coarse value. */
static double coarsen_one(const double *src, size_t k, zp_series_kind kind)
{
    double sum = 0.0;
    for (size_t j = 0; j < k; j++)
        sum += src[j]; /* a NaN propagates, as the contract asks */
    return kind == ZP_SERIES_ENERGY ? sum : sum / (double)k;
}

/* The core of resample and align: out[i] for n output intervals of step_s
 * beginning at in-series index `first` (coarsening) or at fine offset
 * `skip` inside the input (refining). Steps are already checked. */
static void resample_into(const zp_series *s, size_t first, size_t skip, int32_t step_s,
                          double *out, size_t n)
{
    if (step_s >= s->step_s) {
        size_t k = (size_t)(step_s / s->step_s);
        for (size_t i = 0; i < n; i++)
            out[i] = coarsen_one(s->v + first + i * k, k, s->kind);
    } else {
        size_t k = (size_t)(s->step_s / step_s);
        double div = s->kind == ZP_SERIES_ENERGY ? (double)k : 1.0;
        for (size_t i = 0; i < n; i++) {
            size_t fine = skip + i;
            out[i] = s->v[first + fine / k] / div;
        }
    }
}

/* ---- counters ------------------------------------------------------------ */

/* Smallest power of ten above x: a register's range. */
static double register_range(double x)
{
    double w = 1;
    while (w <= x && w < 1e18)
        w *= 10;
    return w;
}

int zp_counter_is_noise(double a, double b)
{
    /* NaN compares false: never noise */
    return b < a && a > 0 && a - b <= ZP_COUNTER_NOISE * a;
}

double zp_counter_increment(double a, double b, double *wrap)
{
    if (wrap)
        *wrap = 0.0;
    if (isnan(a) || isnan(b))
        return NAN;
    if (b >= a)
        return b - a;
    if (zp_counter_is_noise(a, b))
        return 0.0; /* noise: the register did not go back */
    double w = register_range(a);
    if (a >= 0.9 * w && b < 0.1 * w) {
        if (wrap)
            *wrap = w;
        return b + w - a; /* roll-over */
    }
    return b; /* reset: counting again from 0 */
}

double zp_counter_advance(double *ref, double b, double *wrap)
{
    double inc = zp_counter_increment(*ref, b, wrap);
    if (isnan(*ref) || (!isnan(b) && !zp_counter_is_noise(*ref, b)))
        *ref = b;
    return inc;
}

static void drop_add(zp_counter_drops *d, const zp_series *s, size_t i, double before,
                     double after, double wrap)
{
    if (!d)
        return;
    d->count++;
    if (wrap == 0.0)
        d->resets++;
    if (d->nlisted < ZP_COUNTER_DROPS_LISTED)
        d->drop[d->nlisted++] = (zp_counter_drop){i, s->start + (zp_time_t)i * s->step_s, before,
                                                  after, wrap};
}

/* The increment of reading i (not NaN) from the running reference *ref
 * (the last reading that counts, NaN before the first), the drop it makes
 * listed in d. */
static double counter_step(const zp_series *s, size_t i, double *ref, zp_counter_drops *d)
{
    double before = *ref, wrap;
    if (isnan(before)) {
        *ref = s->v[i];
        return 0.0;
    }
    double inc = zp_counter_advance(ref, s->v[i], &wrap);
    if (s->v[i] < before && !zp_counter_is_noise(before, s->v[i]))
        drop_add(d, s, i, before, s->v[i], wrap);
    return inc;
}

void zp_counter_scan(const zp_series *s, zp_counter_drops *d)
{
    memset(d, 0, sizeof *d);
    double ref = NAN;
    for (size_t i = 0; i < s->len; i++)
        if (!isnan(s->v[i]))
            (void)counter_step(s, i, &ref, d);
}

/* Differences of counter s into out[0..n) at step_s: coarsening, interval
 * i runs from reading first + i*k to first + (i+1)*k; refining, fine
 * interval i is part skip + i of native interval `first` onwards. The
 * caller has checked that the readings are there. The reference a reading
 * is counted from runs over every reading from the series' first (a
 * missing reading loses nothing; after a noise drop the counter goes on
 * from the higher reading), so the intervals of a window add up as those
 * of the whole series. An interval is NaN when the reading at its start or
 * end is; its drops are listed in d when it is not. */
static void counter_into(const zp_series *s, size_t first, size_t skip, int32_t step_s,
                         double *out, size_t n, zp_counter_drops *d)
{
    const double *v = s->v;
    size_t k = step_s >= s->step_s ? (size_t)(step_s / s->step_s) : (size_t)(s->step_s / step_s);
    bool coarse = step_s >= s->step_s;
    /* readings first .. last bound the intervals returned */
    size_t last = coarse ? first + n * k : first + (skip + n + k - 1) / k;
    double ref = NAN;
    for (size_t j = 0; j <= first; j++)
        if (!isnan(v[j]))
            (void)counter_step(s, j, &ref, NULL);
    double inc_sum = 0.0;
    size_t iv = 0; /* native interval (first + iv .. first + iv + 1) or coarse interval */
    for (size_t j = first + 1; j <= last; j++) {
        size_t a = coarse ? first + ((j - first - 1) / k) * k : j - 1, b = coarse ? a + k : j;
        bool valid = !isnan(v[a]) && !isnan(v[b]);
        if (!isnan(v[j]))
            inc_sum += counter_step(s, j, &ref, valid ? d : NULL);
        if (j != b)
            continue;
        double val = valid ? inc_sum : NAN;
        inc_sum = 0.0;
        if (coarse) {
            out[iv] = val;
        } else {
            /* native interval j - 1 .. j gives fine intervals (j - 1 - first) k .. + k - 1 */
            for (size_t f = 0; f < k; f++) {
                size_t fi = (j - 1 - first) * k + f;
                if (fi >= skip && fi - skip < n)
                    out[fi - skip] = val / (double)k;
            }
        }
        iv++;
    }
}

static zp_status check_steps(zp_ctx *ctx, const zp_series *s, int32_t step_s)
{
    if (step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "resampling series '%s': the new step must be > 0 "
                         "seconds, got %ld", series_label(s), (long)step_s);
    if (s->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "series '%s' has step %ld s; the step must be > 0",
                         series_label(s), (long)s->step_s);
    if (step_s % s->step_s != 0 && s->step_s % step_s != 0)
        return zp__error(ctx, ZP_EINVAL,
                         "cannot resample series '%s' from %ld s to %ld s: one step must "
                         "divide the other (e.g. 60, 300, 900, 1800, 3600)",
                         series_label(s), (long)s->step_s, (long)step_s);
    return ZP_OK;
}

zp_status zp_series_counter_diff(zp_ctx *ctx, const zp_series *s, int32_t step_s,
                                 zp_series **out, zp_counter_drops *drops)
{
    zp_status rc;
    zp_series *r = NULL;
    size_t n;
    *out = NULL;
    if (drops)
        memset(drops, 0, sizeof *drops);
    if (s->kind != ZP_SERIES_COUNTER)
        return zp__error(ctx, ZP_EINVAL, "series '%s' is not a counter (its kind is %s)",
                         series_label(s), zp_series_kind_name(s->kind) ? zp_series_kind_name(s->kind) : "unknown");
    if ((rc = check_steps(ctx, s, step_s)))
        return rc;
    if (s->len < 2)
        return zp__error(ctx, ZP_EDATA, "counter '%s' has %zu reading%s; differences need at "
                         "least two", series_label(s), s->len, s->len == 1 ? "" : "s");
    size_t nint = s->len - 1; /* n readings bound n - 1 intervals */
    if (step_s > s->step_s) {
        size_t k = (size_t)(step_s / s->step_s);
        if (floor_mod(s->start, step_s) != 0) {
            char b[ZP_TIME_BUFSIZE];
            return zp__error(ctx, ZP_EINVAL,
                             "cannot resample counter '%s' to %ld s: its first reading %s is not "
                             "on the %ld s grid (counted from 1970-01-01T00:00Z); start at a "
                             "reading on a whole %ld s interval",
                             series_label(s), (long)step_s, zp_time_format(s->start, 0, b),
                             (long)step_s, (long)step_s);
        }
        if (nint % k != 0)
            return zp__error(ctx, ZP_EINVAL,
                             "cannot resample counter '%s' to %ld s: its %zu readings %ld s apart "
                             "bound %zu intervals, which do not fill whole %ld s intervals (%zu "
                             "left over); end at a reading on a whole %ld s interval",
                             series_label(s), (long)step_s, s->len, (long)s->step_s, nint,
                             (long)step_s, nint % k, (long)step_s);
        n = nint / k;
    } else {
        size_t k = (size_t)(s->step_s / step_s);
        if (nint > SIZE_MAX / sizeof(double) / k)
            return zp__error(ctx, ZP_ETOOBIG, "resampling counter '%s' to %ld s gives too many "
                             "values", series_label(s), (long)step_s);
        n = nint * k;
    }
    if ((rc = zp_series_new(ctx, s->name, ZP_SERIES_ENERGY, s->start, step_s, n, &r)))
        return rc;
    if (s->unit && (rc = zp_series_set_unit(ctx, r, s->unit)))
        goto out;
    counter_into(s, 0, 0, step_s, r->v, n, drops);
    *out = r;
    r = NULL;
out:
    zp_series_free(ctx, r);
    return rc;
}

zp_status zp_series_resample(zp_ctx *ctx, const zp_series *s, int32_t step_s, zp_series **out)
{
    zp_status rc;
    zp_series *r = NULL;
    size_t n;
    *out = NULL;
    if (s->kind == ZP_SERIES_COUNTER)
        return zp_series_counter_diff(ctx, s, step_s, out, NULL);
    if ((rc = check_steps(ctx, s, step_s)))
        return rc;
    if (step_s > s->step_s) {
        size_t k = (size_t)(step_s / s->step_s);
        if (floor_mod(s->start, step_s) != 0) {
            char b[ZP_TIME_BUFSIZE];
            return zp__error(ctx, ZP_EINVAL,
                             "cannot resample series '%s' to %ld s: its start %s is not on the "
                             "%ld s grid (counted from 1970-01-01T00:00Z); start it on a whole "
                             "%ld s interval",
                             series_label(s), (long)step_s, zp_time_format(s->start, 0, b),
                             (long)step_s, (long)step_s);
        }
        if (s->len % k != 0)
            return zp__error(ctx, ZP_EINVAL,
                             "cannot resample series '%s' to %ld s: its %zu values of %ld s do "
                             "not fill whole %ld s intervals (%zu left over); end it on a "
                             "whole %ld s interval",
                             series_label(s), (long)step_s, s->len, (long)s->step_s,
                             (long)step_s, s->len % k, (long)step_s);
        n = s->len / k;
    } else {
        size_t k = (size_t)(s->step_s / step_s);
        if (s->len > SIZE_MAX / sizeof(double) / k)
            return zp__error(ctx, ZP_ETOOBIG, "resampling series '%s' to %ld s gives too many "
                             "values", series_label(s), (long)step_s);
        n = s->len * k;
    }
    if ((rc = zp_series_new(ctx, s->name, s->kind, s->start, step_s, n, &r)))
        return rc;
    if (s->unit && (rc = zp_series_set_unit(ctx, r, s->unit)))
        goto out;
    resample_into(s, 0, 0, step_s, r->v, n);
    *out = r;
    r = NULL;
out:
    zp_series_free(ctx, r);
    return rc;
}

zp_status zp_series_align(zp_ctx *ctx, const zp_series *s, zp_time_t start, int32_t step_s,
                          size_t len, zp_series **out)
{
    zp_status rc;
    zp_series *r = NULL;
    char b1[ZP_TIME_BUFSIZE], b2[ZP_TIME_BUFSIZE], b3[ZP_TIME_BUFSIZE], b4[ZP_TIME_BUFSIZE];
    *out = NULL;
    if ((rc = check_steps(ctx, s, step_s)))
        return rc;
    /* Instants are seconds in an int64: a window beyond ~2.9e11 years is a
     * caller bug, not something to wrap around. */
    if (len > (size_t)(INT64_MAX / 4) / (size_t)step_s)
        return zp__error(ctx, ZP_ETOOBIG, "window of %zu values of %ld s is too long",
                         len, (long)step_s);
    const bool counter = s->kind == ZP_SERIES_COUNTER;
    zp_time_t wend = start + (zp_time_t)len * step_s;
    /* a counter's readings bound the intervals between them: the last
     * reading is the end of what it covers */
    zp_time_t send = counter ? (s->len ? zp_series_end(s) - s->step_s : s->start)
                             : zp_series_end(s);
    if (start < s->start || wend > send)
        return zp__error(ctx, ZP_ERANGE,
                         "%s '%s' covers [%s, %s) but the window is [%s, %s); supply data "
                         "for the whole window%s",
                         counter ? "counter" : "series", series_label(s),
                         zp_time_format(s->start, 0, b1), zp_time_format(send, 0, b2),
                         zp_time_format(start, 0, b3), zp_time_format(wend, 0, b4),
                         counter ? " (a counter needs the readings at both ends of it)" : "");
    /* The window must start on a boundary of the finer of the two grids, so
     * each output interval is whole input intervals or part of one. */
    int32_t fine = step_s < s->step_s ? step_s : s->step_s;
    if ((start - s->start) % fine != 0)
        return zp__error(ctx, ZP_EINVAL,
                         "window start %s is not on series '%s''s grid (start %s, step %ld s); "
                         "start the window a whole number of %ld s steps from the series start",
                         zp_time_format(start, 0, b1), series_label(s),
                         zp_time_format(s->start, 0, b2), (long)s->step_s, (long)fine);
    size_t first, skip = 0;
    if (step_s >= s->step_s) {
        first = (size_t)((start - s->start) / s->step_s);
    } else {
        int64_t off = start - s->start;
        first = (size_t)(off / s->step_s);
        skip = (size_t)(off % s->step_s / step_s);
    }
    if ((rc = zp_series_new(ctx, s->name, counter ? ZP_SERIES_ENERGY : s->kind, start, step_s,
                            len, &r)))
        return rc;
    if (s->unit && (rc = zp_series_set_unit(ctx, r, s->unit)))
        goto out;
    if (counter)
        counter_into(s, first, skip, step_s, r->v, len, NULL);
    else
        resample_into(s, first, skip, step_s, r->v, len);
    for (size_t i = 0; i < len; i++) {
        if (isnan(r->v[i])) {
            zp_time_t t = start + (zp_time_t)i * step_s;
            rc = zp__error(ctx, ZP_EDATA,
                           "series '%s' has a missing (NaN) value in [%s, %s) inside the "
                           "window [%s, %s); fill the gap in the source data",
                           series_label(s), zp_time_format(t, 0, b1),
                           zp_time_format(t + step_s, 0, b2), zp_time_format(start, 0, b3),
                           zp_time_format(wend, 0, b4));
            goto out;
        }
    }
    *out = r;
    r = NULL;
out:
    zp_series_free(ctx, r);
    return rc;
}
