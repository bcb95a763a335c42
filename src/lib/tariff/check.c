/*
 * check.c - the schedule holds each minute once (docs/tariffs.md,
 * "Coverage"). In every month and on every kind of day each minute of the
 * day belongs to exactly one base row (a row without "replaces"); an
 * override ("replaces") lies inside the hours of the period it replaces
 * and meets no other override on the same day. What is wrong is said at
 * the row's hours: which hours, in which month, on which kind of day.
 * The base rows' periods, minute by minute, become t->table.
 */
#include "tariff/tariff_impl.h"

#include "core/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const day_words[TF_NDAYTYPES] = {"workdays", "weekends", "holidays"};

typedef struct checker {
    zp_jr *jr;
    zp_tariff *t;
    const tf_row *rows;
    size_t nrows;
    int ndt;                  /* kinds of day there are: 3 with a holiday list, else 2 */
    uint8_t said[TF_MAX_ROWS]; /* a problem of row i was said (one each) */
    size_t problems;
} checker;

static void say(checker *c, size_t row, size_t k, const char *fmt, ...) ZP_PRINTF(4, 5);
static void say(checker *c, size_t row, size_t k, const char *fmt, ...)
{
    char hpath[ZP_JR_PATH_MAX], path[ZP_JR_PATH_MAX];
    va_list ap;
    c->said[row] = 1;
    c->problems++;
    zp__jsonpos_path_key(hpath, sizeof hpath, c->rows[row].path, "hours");
    zp__jsonpos_path_index(path, sizeof path, hpath, k);
    va_start(ap, fmt);
    zp__jr_vreport(c->jr, path, ZP_JR_AT_VALUE, fmt, ap);
    va_end(ap);
}

static int range_len(tf_range g)
{
    return g.to > g.from ? g.to - g.from : TF_DAY_MIN - g.from + g.to;
}

/* "HH:MM-HH:MM" of minutes [a, a+n) (mod a day) into buf (12 bytes). */
static const char *span(int a, int n, char *buf)
{
    char x[6], y[6];
    int e = (a + n) % TF_DAY_MIN;
    snprintf(buf, 12, "%s-%s", zp__tariff_hhmm(a % TF_DAY_MIN, x),
             zp__tariff_hhmm(e == 0 ? TF_DAY_MIN : e, y));
    return buf;
}

/* Where: "in month 7 on workdays" ("in month 7" when the tariff makes no
 * kinds of day) or "on 2024-06-12". */
static const char *where(const checker *c, unsigned month, int dt, int64_t day, char *buf,
                         size_t size)
{
    if (day >= 0) {
        int64_t y;
        unsigned m, d;
        zp_civil_from_days(day, &y, &m, &d);
        snprintf(buf, size, "on %04lld-%02u-%02u", (long long)y, m, d);
    } else if (c->t->days_matter) {
        snprintf(buf, size, "in month %u on %s", month, day_words[dt]);
    } else {
        snprintf(buf, size, "in month %u", month);
    }
    return buf;
}

/* ---- base rows ------------------------------------------------------------ */

/* Uncovered minutes of one day's owners as "HH:MM-HH:MM, ..." into buf
 * ("" when none). */
static void gaps(const int16_t *owner, char *buf, size_t size)
{
    char s[12];
    size_t len = 0;
    buf[0] = 0;
    for (int x = 0; x < TF_DAY_MIN; x++) {
        if (owner[x] >= 0)
            continue;
        int e = x;
        while (e < TF_DAY_MIN && owner[e] < 0)
            e++;
        if (len + 16 < size)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                                    span(x, e - x, s));
        x = e;
    }
}

/* One month and kind of day: paint the base rows, say overlaps, put the
 * periods into the table and the gaps into gap. */
static void base_day(checker *c, unsigned month, int dt, char *gap, size_t gapsize)
{
    int16_t owner[TF_DAY_MIN];
    uint8_t okey[TF_DAY_MIN]; /* the range of the owner */
    char a[12], b[12], at[12], w[48];
    memset(owner, 0xff, sizeof owner);
    for (size_t r = 0; r < c->nrows; r++) {
        const tf_row *row = &c->rows[r];
        if (row->replaces || !zp__tariff_row_applies(row, month, dt, -1))
            continue;
        for (size_t k = 0; k < row->nranges; k++) {
            tf_range g = row->ranges[k];
            int n = range_len(g);
            for (int i = 0; i < n; i++) {
                int x = (g.from + i) % TF_DAY_MIN;
                if (owner[x] < 0) {
                    owner[x] = (int16_t)r;
                    okey[x] = (uint8_t)k;
                    continue;
                }
                if (c->said[r])
                    continue;
                int o = owner[x], ok = okey[x], j = i;
                while (j < n && owner[(g.from + j) % TF_DAY_MIN] == o)
                    j++;
                const tf_row *other = &c->rows[o];
                if ((size_t)o == r)
                    say(c, r, k, "%s overlaps %s of the same row at %s",
                        span(g.from, n, a), span(other->ranges[ok].from,
                                                 range_len(other->ranges[ok]), b),
                        span(x, j - i, w));
                else
                    say(c, r, k,
                        "%s (%s) overlaps %s (%s, %s) at %s %s: give each hour one period, "
                        "or mark an override such as a critical peak with \"replaces\"",
                        span(g.from, n, a), c->t->periods[row->period], other->path,
                        c->t->periods[other->period],
                        span(other->ranges[ok].from, range_len(other->ranges[ok]), b),
                        span(x, j - i, at), where(c, month, dt, -1, w, sizeof w));
            }
        }
    }
    for (int x = 0; x < TF_DAY_MIN; x++)
        c->t->table[month - 1][dt][x] =
            owner[x] < 0 ? TF_NONE : (uint8_t)c->rows[owner[x]].period;
    gaps(owner, gap, gapsize);
}

static const char *days_text(unsigned mask, char *buf, size_t size)
{
    size_t len = 0;
    int n = 0, i = 0;
    for (int k = 0; k < TF_NDAYTYPES; k++)
        n += mask >> k & 1u;
    buf[0] = 0;
    for (int k = 0; k < TF_NDAYTYPES; k++) {
        if (!(mask >> k & 1u))
            continue;
        i++;
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i == 1 ? "" : i == n ? " and " : ", ",
                                day_words[k]);
    }
    return buf;
}

/* Say each distinct gap once, with the months and kinds of day it is in. */
static void say_gaps(checker *c, char gap[12][TF_NDAYTYPES][160], const char *spath)
{
    char mt[48], dtx[48];
    uint8_t done[12][TF_NDAYTYPES];
    memset(done, 0, sizeof done);
    for (int m = 0; m < 12; m++)
        for (int dt = 0; dt < c->ndt; dt++) {
            if (!gap[m][dt][0] || done[m][dt])
                continue;
            /* the months with this gap on this kind of day, then the kinds
             * of day with this gap in exactly those months */
            unsigned months = 0, days = 0;
            for (int m2 = 0; m2 < 12; m2++)
                if (!done[m2][dt] && strcmp(gap[m2][dt], gap[m][dt]) == 0)
                    months |= 1u << m2;
            for (int d2 = dt; d2 < c->ndt; d2++) {
                int same = 1;
                for (int m2 = 0; m2 < 12 && same; m2++)
                    same = ((months >> m2 & 1u) != 0) ==
                           (!done[m2][d2] && strcmp(gap[m2][d2], gap[m][dt]) == 0);
                if (same)
                    days |= 1u << d2;
            }
            for (int m2 = 0; m2 < 12; m2++)
                for (int d2 = 0; d2 < c->ndt; d2++)
                    if ((months >> m2 & 1u) && (days >> d2 & 1u))
                        done[m2][d2] = 1;
            c->problems++;
            zp__jr_report(c->jr, spath, ZP_JR_AT_VALUE,
                          "no period holds %s in month%s %s on %s: each hour of the day needs "
                          "one period (a row without \"replaces\")",
                          gap[m][dt], (months & (months - 1)) ? "s" : "",
                          zp__tariff_months(months, mt, sizeof mt),
                          c->t->days_matter ? days_text(days, dtx, sizeof dtx) : "any day");
        }
}

/* ---- overrides ------------------------------------------------------------ */

/* The periods of mask as "peak" or "peak, flat" into buf. */
static const char *names(const zp_tariff *t, unsigned mask, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (size_t p = 0; p < t->info.nperiods && len < size; p++)
        if (mask >> p & 1u)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                                    t->periods[p]);
    return buf;
}

/* One day (a month and kind of day; or a date, day >= 0): each override
 * that applies lies on its period's hours and meets no other. */
static void override_day(checker *c, unsigned month, int dt, int64_t day)
{
    int16_t ov[TF_DAY_MIN];
    const uint8_t *base = c->t->table[month - 1][dt];
    char a[12], b[12], w[40], rn[160];
    memset(ov, 0xff, sizeof ov);
    for (size_t r = 0; r < c->nrows; r++) {
        const tf_row *row = &c->rows[r];
        if (!row->replaces || !zp__tariff_row_applies(row, month, dt, day))
            continue;
        for (size_t k = 0; k < row->nranges && !c->said[r]; k++) {
            tf_range g = row->ranges[k];
            int n = range_len(g);
            for (int i = 0; i < n && !c->said[r]; i++) {
                int x = (g.from + i) % TF_DAY_MIN, j = i;
                if (base[x] == TF_NONE || !(row->replaces >> base[x] & 1u)) {
                    while (j < n && base[(g.from + j) % TF_DAY_MIN] == base[x])
                        j++;
                    say(c, r, k,
                        "%s (%s) replaces %s, but %s is %s %s: an override lies inside the "
                        "hours of the periods it replaces",
                        span(g.from, n, a), c->t->periods[row->period],
                        names(c->t, row->replaces, rn, sizeof rn), span(x, j - i, b),
                        base[x] == TF_NONE ? "in no period" : c->t->periods[base[x]],
                        where(c, month, dt, day, w, sizeof w));
                } else if (ov[x] >= 0 && (size_t)ov[x] != r) {
                    while (j < n && ov[(g.from + j) % TF_DAY_MIN] == ov[x])
                        j++;
                    say(c, r, k, "%s (%s) meets the override %s (%s) at %s %s: an hour has one "
                                 "period",
                        span(g.from, n, a), c->t->periods[row->period], c->rows[ov[x]].path,
                        c->t->periods[c->rows[ov[x]].period], span(x, j - i, b),
                        where(c, month, dt, day, w, sizeof w));
                } else {
                    ov[x] = (int16_t)r;
                }
            }
        }
    }
}

/* The dates of the override rows, each day checked with the rows of its
 * month and kind (every kind when the holiday list does not cover it). */
static zp_status override_dates(checker *c, zp_ctx *ctx)
{
    size_t n = 0, k = 0;
    for (size_t r = 0; r < c->nrows; r++)
        n += c->rows[r].ndates;
    if (!n)
        return ZP_OK;
    int64_t *all = zp__malloc(ctx, n * sizeof *all);
    if (!all)
        return ZP_ENOMEM;
    for (size_t r = 0; r < c->nrows; r++)
        for (size_t i = 0; i < c->rows[r].ndates; i++)
            all[k++] = c->rows[r].dates[i];
    qsort(all, n, sizeof *all, zp__tariff_cmp_day);
    for (size_t i = 0; i < n; i++) {
        if (i && all[i] == all[i - 1])
            continue;
        unsigned month;
        zp_day_type dt = zp__tariff_kind(c->t, all[i], &month);
        for (int d = 0; d < c->ndt; d++)
            if (dt == ZP_DAY_UNKNOWN || (int)dt == d)
                override_day(c, month, d, all[i]);
    }
    zp__free(ctx, all);
    return ZP_OK;
}

size_t zp__tariff_check(zp_jr *jr, zp_tariff *t, const tf_row *rows, size_t nrows,
                        const char *spath, int *oom)
{
    checker *c = zp__calloc(t->ctx, 1, sizeof *c);
    char(*gap)[TF_NDAYTYPES][160] = zp__calloc(t->ctx, 12, sizeof *gap);
    size_t problems = 1;
    if (!c || !gap) {
        *oom = 1;
        goto out;
    }
    c->jr = jr;
    c->t = t;
    c->rows = rows;
    c->nrows = nrows < TF_MAX_ROWS ? nrows : TF_MAX_ROWS;
    c->ndt = t->has_holidays ? TF_NDAYTYPES : TF_NDAYTYPES - 1;
    for (unsigned m = 1; m <= 12; m++)
        for (int dt = 0; dt < c->ndt; dt++)
            base_day(c, m, dt, gap[m - 1][dt], sizeof gap[m - 1][dt]);
    if (!t->has_holidays) /* never used: no day is a holiday */
        for (int m = 0; m < 12; m++)
            memcpy(t->table[m][ZP_DAY_HOLIDAY], t->table[m][ZP_DAY_WORKDAY], TF_DAY_MIN);
    say_gaps(c, gap, spath);
    /* overrides are checked against a whole base */
    if (!c->problems) {
        for (unsigned m = 1; m <= 12; m++)
            for (int dt = 0; dt < c->ndt; dt++)
                override_day(c, m, dt, -1);
        if (override_dates(c, t->ctx))
            *oom = 1;
    }
    problems = c->problems;
out:
    zp__free(t->ctx, gap);
    zp__free(t->ctx, c);
    return problems;
}
