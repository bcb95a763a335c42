/*
 * tariff.c - the time-of-use tariff (zeropark/tariff.h): the strings it
 * owns, kinds of day, the periods of a day minute by minute, each
 * period's price and the price series on a time grid.
 */
#include "tariff/tariff_impl.h"

#include "core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

zp_tariff *zp__tariff_new(zp_ctx *ctx)
{
    zp_tariff *t = zp__calloc(ctx, 1, sizeof *t);
    if (!t)
        return NULL;
    t->ctx = ctx;
    t->info.base_price_cny_per_kwh = NAN;
    t->info.fixed_cny_per_kwh = NAN;
    t->info.demand_charge_cny_per_kw_month = NAN;
    t->info.capacity_charge_cny_per_kva_month = NAN;
    memset(t->table, TF_NONE, sizeof t->table);
    return t;
}

const char *zp__tariff_str(zp_tariff *t, const char *s, int *oom)
{
    if (!s)
        return NULL;
    if (zp__grow(t->ctx, (void **)&t->strs, &t->capstrs, t->nstrs + 1, sizeof *t->strs)) {
        *oom = 1;
        return NULL;
    }
    char *c = zp__strdup(t->ctx, s);
    if (!c) {
        *oom = 1;
        return NULL;
    }
    t->strs[t->nstrs++] = c;
    return c;
}

void zp__tariff_row_clear(zp_ctx *ctx, tf_row *r)
{
    zp__free(ctx, r->ranges);
    zp__free(ctx, r->dates);
    zp__free(ctx, r->path);
    memset(r, 0, sizeof *r);
}

void zp_tariff_free(zp_ctx *ctx, zp_tariff *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nstrs; i++)
        zp__free(ctx, t->strs[i]);
    zp__free(ctx, t->strs);
    zp__free(ctx, t->sources);
    for (size_t i = 0; i < t->nover; i++)
        zp__tariff_row_clear(ctx, &t->over[i]);
    zp__free(ctx, t->over);
    zp__free(ctx, t->holidays);
    zp__free(ctx, t->workdays);
    zp__free(ctx, t->years);
    zp__free(ctx, t);
}

const char *zp__tariff_hhmm(int m, char *buf)
{
    unsigned h = (unsigned)(m / 60) % 100, mi = (unsigned)m % 60;
    buf[0] = (char)('0' + h / 10);
    buf[1] = (char)('0' + h % 10);
    buf[2] = ':';
    buf[3] = (char)('0' + mi / 10);
    buf[4] = (char)('0' + mi % 10);
    buf[5] = 0;
    return buf;
}

const char *zp__tariff_months(unsigned mask, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (int m = 1; m <= 12 && len < size; m++) {
        if (!(mask >> (m - 1) & 1u))
            continue;
        int e = m;
        while (e < 12 && (mask >> e & 1u))
            e++;
        len += (size_t)snprintf(buf + len, size - len, len ? ", %d" : "%d", m);
        if (e > m && len < size)
            len += (size_t)snprintf(buf + len, size - len, e > m + 1 ? "-%d" : ", %d", e);
        m = e;
    }
    return buf;
}

int zp__tariff_cmp_day(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---- kinds of day ---------------------------------------------------------- */

int zp__tariff_has_day(const int64_t *v, size_t n, int64_t day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == day;
}

zp_day_type zp__tariff_kind(const zp_tariff *t, int64_t day, unsigned *month)
{
    int64_t y;
    unsigned m, d;
    zp_civil_from_days(day, &y, &m, &d);
    if (month)
        *month = m;
    if (t->has_holidays) {
        size_t i = 0;
        while (i < t->nyears && t->years[i] != y)
            i++;
        if (i == t->nyears)
            return ZP_DAY_UNKNOWN;
        if (zp__tariff_has_day(t->holidays, t->nholidays, day))
            return ZP_DAY_HOLIDAY;
        if (zp__tariff_has_day(t->workdays, t->nworkdays, day))
            return ZP_DAY_WORKDAY;
    }
    int64_t wd = day - zp__fdiv(day + 4, 7) * 7 + 4; /* 0 Sunday .. 6 Saturday */
    return wd == 0 || wd == 6 ? ZP_DAY_WEEKEND : ZP_DAY_WORKDAY;
}

zp_day_type zp_tariff_day_type(const zp_tariff *t, int64_t y, unsigned m, unsigned d)
{
    if (!t || m < 1 || m > 12 || d < 1 || d > 31)
        return ZP_DAY_UNKNOWN;
    return zp__tariff_kind(t, zp_days_from_civil(y, m, d), NULL);
}

/* ---- the day's periods ---------------------------------------------------- */

int zp__tariff_row_applies(const tf_row *r, unsigned month, int dt, int64_t day)
{
    if ((r->months >> (month - 1) & 1u) && (r->days >> dt & 1u))
        return 1;
    return day >= 0 && r->ndates && zp__tariff_has_day(r->dates, r->ndates, day);
}

/* Put period p on the minutes of range g in out. */
static void paint(uint8_t *out, tf_range g, uint8_t p)
{
    if (g.to > g.from) {
        memset(out + g.from, p, (size_t)(g.to - g.from));
    } else {
        memset(out + g.from, p, (size_t)(TF_DAY_MIN - g.from));
        memset(out, p, g.to);
    }
}

int zp__tariff_day(const zp_tariff *t, int64_t day, uint8_t out[TF_DAY_MIN])
{
    unsigned m;
    zp_day_type dt = zp__tariff_kind(t, day, &m);
    if (dt == ZP_DAY_UNKNOWN) {
        if (t->days_matter)
            return -1;
        dt = ZP_DAY_WORKDAY;
    }
    memcpy(out, t->table[m - 1][dt], TF_DAY_MIN);
    for (size_t i = 0; i < t->nover; i++) {
        const tf_row *r = &t->over[i];
        if (!zp__tariff_row_applies(r, m, (int)dt, day))
            continue;
        for (size_t k = 0; k < r->nranges; k++)
            paint(out, r->ranges[k], (uint8_t)r->period);
    }
    return 0;
}

int zp_tariff_period_at(const zp_tariff *t, zp_time_t at, int32_t offset_min)
{
    uint8_t tab[TF_DAY_MIN];
    if (!t)
        return -1;
    int64_t local = at + (int64_t)offset_min * 60;
    int64_t day = zp__fdiv(local, 86400);
    if (zp__tariff_day(t, day, tab))
        return -1;
    uint8_t p = tab[(local - day * 86400) / 60];
    return p == TF_NONE ? -1 : p;
}

/* ---- prices --------------------------------------------------------------- */

/* pa/pb of period p in month m (0-based), resolving "of" chains (the
 * reader refused loops; depth guards anyway). */
static void resolve_one(zp_tariff *t, int m, int p, double fixed, int depth)
{
    const tf_price *pr = &t->price[m][p];
    if (pr->kind == TF_PRICE_ABS) {
        t->pa[m][p] = pr->value;
        t->pb[m][p] = 0;
    } else if (pr->kind == TF_PRICE_RATIO && pr->of < 0) {
        t->pa[m][p] = fixed * (1 - pr->value);
        t->pb[m][p] = pr->value;
    } else if (pr->kind == TF_PRICE_RATIO && depth < ZP_TARIFF_MAX_PERIODS) {
        resolve_one(t, m, pr->of, fixed, depth + 1);
        t->pa[m][p] = fixed + pr->value * (t->pa[m][pr->of] - fixed);
        t->pb[m][p] = pr->value * t->pb[m][pr->of];
    } else {
        t->pa[m][p] = NAN;
        t->pb[m][p] = 0;
    }
}

void zp__tariff_resolve(zp_tariff *t)
{
    double fixed = isnan(t->info.fixed_cny_per_kwh) ? 0 : t->info.fixed_cny_per_kwh;
    for (int m = 0; m < 12; m++)
        for (size_t p = 0; p < t->info.nperiods; p++)
            resolve_one(t, m, (int)p, fixed, 0);
}

/* pa + pb x base, exactly pa when pb is 0 (an absolute price stays the
 * number written, whatever the base). */
static double price_of(double pa, double pb, double base)
{
    return pb == 0 ? pa : pa + pb * base;
}

double zp_tariff_price(const zp_tariff *t, size_t period, unsigned month, double base_cny_per_kwh)
{
    if (!t || period >= t->info.nperiods || month < 1 || month > 12)
        return NAN;
    double base = isnan(base_cny_per_kwh) ? t->info.base_price_cny_per_kwh : base_cny_per_kwh;
    return price_of(t->pa[month - 1][period], t->pb[month - 1][period], base);
}

zp_status zp_tariff_set_base(zp_ctx *ctx, zp_tariff *t, double base_cny_per_kwh,
                             double fixed_cny_per_kwh)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!t)
        return zp__error(ctx, ZP_EINVAL, "zp_tariff_set_base: NULL argument");
    double base = isnan(base_cny_per_kwh) ? t->info.base_price_cny_per_kwh : base_cny_per_kwh;
    double fixed = isnan(fixed_cny_per_kwh) ? t->info.fixed_cny_per_kwh : fixed_cny_per_kwh;
    if (base < 0 || isinf(base) || fixed < 0 || isinf(fixed))
        return zp__error(ctx, ZP_EINVAL,
                         "tariff %s: the base price and its fixed part must be at least 0 and "
                         "finite (got %.15g and %.15g CNY/kWh)",
                         t->info.name, base, fixed);
    if (fixed > base)
        return zp__error(ctx, ZP_EINVAL,
                         "tariff %s: the fixed part (%.15g CNY/kWh) exceeds the base price "
                         "(%.15g CNY/kWh): it is a part of it",
                         t->info.name, fixed, base);
    t->info.base_price_cny_per_kwh = base;
    t->info.fixed_cny_per_kwh = fixed;
    zp__tariff_resolve(t);
    return ZP_OK;
}

/* The day's periods and, for each minute, where its run of one period
 * ends (a step walks runs, not minutes). */
typedef struct day_runs {
    int64_t day;              /* local day held, or INT64_MIN */
    unsigned month;
    uint8_t p[TF_DAY_MIN];
    uint16_t end[TF_DAY_MIN];
} day_runs;

static int load_day(const zp_tariff *t, day_runs *dr, int64_t day)
{
    if (dr->day == day)
        return 0;
    if (zp__tariff_day(t, day, dr->p))
        return -1;
    zp__tariff_kind(t, day, &dr->month);
    dr->end[TF_DAY_MIN - 1] = TF_DAY_MIN;
    for (int i = TF_DAY_MIN - 2; i >= 0; i--)
        dr->end[i] = dr->p[i] == dr->p[i + 1] ? dr->end[i + 1] : (uint16_t)(i + 1);
    dr->day = day;
    return 0;
}

/* The year of local day `day`. */
static int64_t year_of(int64_t day)
{
    int64_t y;
    unsigned m, d;
    zp_civil_from_days(day, &y, &m, &d);
    return y;
}

static zp_status unknown_day(zp_ctx *ctx, const zp_tariff *t, int64_t day)
{
    char list[256];
    size_t len = 0;
    list[0] = 0;
    for (size_t i = 0; i < t->nyears && len + 16 < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", i ? ", " : "", t->years[i]);
    return zp__error(ctx, ZP_ERANGE,
                     "tariff %s prices holidays apart and its holiday list covers %s; the "
                     "time grid reaches %lld: add that year's holidays and working days "
                     "(\"holidays\", docs/tariffs.md)",
                     t->info.name, list, (long long)year_of(day));
}

zp_status zp_tariff_prices(zp_ctx *ctx, const zp_tariff *t, const zp_time_grid *g,
                           const double *base_cny_per_kwh, double *out)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!t || !g || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_tariff_prices: NULL argument");
    if (g->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "zp_tariff_prices: step %d s is not positive",
                         (int)g->step_s);
    double base = t->info.base_price_cny_per_kwh;
    int needs_base = 0;
    for (int m = 0; m < 12; m++)
        for (size_t p = 0; p < t->info.nperiods; p++)
            needs_base |= t->pb[m][p] != 0;
    if (needs_base && !base_cny_per_kwh && !isfinite(base))
        return zp__error(ctx, ZP_EDATA,
                         "tariff %s prices periods by ratio to a base price and has none: give "
                         "base_price_cny_per_kwh",
                         t->info.name);
    day_runs *dr = zp__malloc(ctx, sizeof *dr);
    if (!dr)
        return zp__nomem(ctx);
    dr->day = INT64_MIN;
    zp_status rc = ZP_OK;
    const int64_t off = (int64_t)g->offset_min * 60;
    for (size_t i = 0; i < g->count; i++) {
        double b = base_cny_per_kwh ? base_cny_per_kwh[i] : base;
        if (needs_base && !isfinite(b)) {
            rc = zp__error(ctx, ZP_EINVAL, "tariff %s: base price of step %zu is %.15g",
                           t->info.name, i, b);
            break;
        }
        int64_t s = g->start + (int64_t)i * g->step_s + off, e = s + g->step_s;
        double sum = 0, first = NAN;
        int pieces = 0;
        while (s < e) {
            int64_t day = zp__fdiv(s, 86400), sod = s - day * 86400;
            if (load_day(t, dr, day)) {
                rc = unknown_day(ctx, t, day);
                goto out;
            }
            int minute = (int)(sod / 60);
            int64_t run_end = day * 86400 + (int64_t)dr->end[minute] * 60;
            int64_t pe = run_end < e ? run_end : e;
            uint8_t p = dr->p[minute];
            double v = p == TF_NONE ? NAN
                                    : price_of(t->pa[dr->month - 1][p], t->pb[dr->month - 1][p], b);
            if (pieces++ == 0)
                first = v;
            sum += v * (double)(pe - s);
            s = pe;
        }
        /* one run over the whole step: the price itself, not sum / step */
        out[i] = pieces == 1 ? first : sum / (double)g->step_s;
    }
out:
    zp__free(ctx, dr);
    return rc;
}

/* ---- what the tariff says about itself ------------------------------------ */

const zp_tariff_info *zp_tariff_get_info(const zp_tariff *t) { return t ? &t->info : NULL; }

const char *zp_tariff_period_name(const zp_tariff *t, size_t i)
{
    return t && i < t->info.nperiods ? t->periods[i] : NULL;
}

int zp_tariff_period_index(const zp_tariff *t, const char *name)
{
    if (!t || !name)
        return -1;
    for (size_t i = 0; i < t->info.nperiods; i++)
        if (strcmp(t->periods[i], name) == 0)
            return (int)i;
    return -1;
}

const zp_tariff_source *zp_tariff_source_get(const zp_tariff *t, size_t i)
{
    return t && i < t->info.nsources ? &t->sources[i] : NULL;
}
