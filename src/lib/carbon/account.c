/*
 * account.c - the accounting engine, zp_account (include/zeropark/carbon.h):
 * one pass over the steps for the park's flows (Scope 2, months and days;
 * hourly matching by matching.c) and one pass per meter for the per-asset
 * breakdown, then Scope 1, the market-based method, tce, intensities,
 * targets and the budget, each a phase of zp_account (at the end of the
 * file). Formulas and rules: docs/methodology.md "Carbon accounting".
 */
#include "carbon/carbon_impl.h"
#include "carbon/matching.h"
#include "core/internal.h"
#include "zeropark/carbon.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *zp_target_status_name(zp_target_status s)
{
    switch (s) {
    case ZP_TARGET_MET: return "met";
    case ZP_TARGET_AT_RISK: return "at_risk";
    case ZP_TARGET_MISSED: return "missed";
    }
    return "unknown";
}

/* ---- the engine ---------------------------------------------------------- */

#define SECONDS_PER_DAY 86400

/* Instant of local midnight of day number d. */
static zp_time_t day_start(int64_t d, int32_t off_min)
{
    return d * SECONDS_PER_DAY - (int64_t)off_min * 60;
}

/* A copy of s owned by the result (NULL for NULL): what the result names
 * outlives the factor set and the input. Everything the result holds but
 * its alerts and notes arrays is in its pool (r->priv_). */
static char *keep(zp_ctx *ctx, zp_acct_result *r, const char *s)
{
    return s ? zp__cpool_strdup(ctx, r->priv_, s) : NULL;
}

/* n zeroed elements of size bytes owned by the result. */
static void *result_calloc(zp_ctx *ctx, zp_acct_result *r, size_t n, size_t size)
{
    return zp__cpool_calloc(ctx, r->priv_, n, size);
}

/* fmt formatted (at most 1023 bytes), owned by the result. */
static char *keep_vfmt(zp_ctx *ctx, zp_acct_result *r, const char *fmt, va_list ap)
    ZP_PRINTF(3, 0);
static char *keep_vfmt(zp_ctx *ctx, zp_acct_result *r, const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    return keep(ctx, r, buf);
}

static zp_status keep_factor(zp_ctx *ctx, zp_acct_result *r, zp_factor *f)
{
    if ((f->unit && !(f->unit = keep(ctx, r, f->unit))) ||
        (f->region && !(f->region = keep(ctx, r, f->region))) ||
        (f->source && !(f->source = keep(ctx, r, f->source))) ||
        (f->verification && !(f->verification = keep(ctx, r, f->verification))))
        return zp__nomem(ctx);
    return ZP_OK;
}

static zp_status add_note(zp_ctx *ctx, zp_acct_result *r, const char *fmt, ...) ZP_PRINTF(3, 4);
static zp_status add_note(zp_ctx *ctx, zp_acct_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = keep_vfmt(ctx, r, fmt, ap);
    va_end(ap);
    char **n = text ? zp__realloc(ctx, r->notes, (r->nnotes + 1) * sizeof *n) : NULL;
    if (!n)
        return zp__nomem(ctx);
    r->notes = n;
    r->notes[r->nnotes++] = text;
    return ZP_OK;
}

/* A figure of an alert's text as people write it (docs/cli.md): thousands
 * separators and about four significant digits without trailing zeros
 * ("5,000", "367,200", "60.76", "0.000005358"); below 1e-6 and from 1e15
 * on three significant digits with an exponent. buf holds 48 bytes. */
#define HNUM_SIZE 48
static const char *hnum(char *buf, double v)
{
    double a = fabs(v);
    if (!isfinite(v) || a >= 1e15 || (a != 0 && a < 1e-6)) {
        snprintf(buf, HNUM_SIZE, "%.3g", v);
        return buf;
    }
    int mag = a > 0 ? (int)floor(log10(a)) : 0;
    int dec = mag >= 3 ? 0 : 3 - mag;
    double scale = pow(10, dec), w = v;
    if (a * scale < 0x1p52)
        w = round(v * scale) / scale; /* halves away from zero */
    char tmp[HNUM_SIZE];
    snprintf(tmp, sizeof tmp, "%.*f", dec, w);
    char *t = tmp + (tmp[0] == '-');
    if (strchr(t, '.')) {
        char *e = t + strlen(t);
        while (e[-1] == '0')
            *--e = '\0';
        if (e[-1] == '.')
            e[-1] = '\0';
    }
    char *o = buf;
    if (t != tmp && strspn(t, "0.") != strlen(t))
        *o++ = '-'; /* a zero that rounding left has no sign */
    size_t nint = strcspn(t, ".");
    for (size_t i = 0; i < nint; i++) {
        *o++ = t[i];
        if ((nint - 1 - i) && (nint - 1 - i) % 3 == 0)
            *o++ = ',';
    }
    snprintf(o, HNUM_SIZE - (size_t)(o - buf), "%s", t + nint);
    return buf;
}
#define HNUM(v) hnum((char[HNUM_SIZE]){0}, (v))

static zp_status add_alert(zp_ctx *ctx, zp_acct_result *r, const char *kind, zp_time_t when,
                           const char *fmt, ...) ZP_PRINTF(5, 6);
static zp_status add_alert(zp_ctx *ctx, zp_acct_result *r, const char *kind, zp_time_t when,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = keep_vfmt(ctx, r, fmt, ap);
    va_end(ap);
    char *k = text ? keep(ctx, r, kind) : NULL;
    zp_acct_alert *a = k ? zp__realloc(ctx, r->alerts, (r->nalerts + 1) * sizeof *a) : NULL;
    if (!a)
        return zp__nomem(ctx);
    r->alerts = a;
    r->alerts[r->nalerts++] = (zp_acct_alert){.kind = k, .when = when, .message = text};
    return ZP_OK;
}

void zp_acct_result_free(zp_ctx *ctx, zp_acct_result *r)
{
    if (!r)
        return;
    if (r->priv_)
        zp__cpool_free(ctx, r->priv_);
    zp__free(ctx, r->priv_);
    zp__free(ctx, r->alerts);
    zp__free(ctx, r->notes);
    zp__free(ctx, r);
}

static void totals_zero(zp_acct_totals *t, zp_time_t start, zp_time_t end, int water)
{
    memset(t, 0, sizeof *t);
    t->start = start;
    t->end = end;
    t->water_l = water ? 0 : NAN;
    t->pue = NAN;
}

/* Sum, dot product with w (when w is given) and a negative-value check
 * over n values: the inner loop of the per-meter pass, which has to run
 * at memory speed (bench/bench_carbon.c). It keeps eight independent
 * lanes (GCC/Clang vector extensions, two doubles per vector: SSE2 on
 * x86-64, NEON on arm64) so it is bound by memory bandwidth rather than
 * by the latency of one floating-point add. NaN and infinity poison the
 * sum, which the caller checks; *neg is set when any value is < 0. */
#if defined(__GNUC__)
typedef double zp_v2d __attribute__((vector_size(16)));
typedef long long zp_v2i __attribute__((vector_size(16)));

static zp_v2d load2(const double *p)
{
    zp_v2d x;
    memcpy(&x, p, sizeof x);
    return x;
}

static void meter_kernel(const double *restrict v, const double *restrict w, size_t n,
                         double *sum, double *dot, int *neg)
{
    const zp_v2d z = {0, 0};
    zp_v2d s0 = z, s1 = z, s2 = z, s3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
    zp_v2i ng = {0, 0};
    size_t i = 0;
    /* w is the same for the whole loop: the compiler keeps one loop
     * without the dot product and one with it (loop unswitching). */
    for (; i + 8 <= n; i += 8) {
        zp_v2d a = load2(v + i), b = load2(v + i + 2), c = load2(v + i + 4), d = load2(v + i + 6);
        s0 += a;
        s1 += b;
        s2 += c;
        s3 += d;
        if (w) {
            d0 += a * load2(w + i);
            d1 += b * load2(w + i + 2);
            d2 += c * load2(w + i + 4);
            d3 += d * load2(w + i + 6);
        }
        ng |= (a < z) | (b < z) | (c < z) | (d < z);
    }
    zp_v2d s = (s0 + s1) + (s2 + s3), dd = (d0 + d1) + (d2 + d3);
    double ts = s[0] + s[1], td = dd[0] + dd[1];
    int bad = (ng[0] | ng[1]) != 0;
    for (; i < n; i++) {
        ts += v[i];
        if (w)
            td += v[i] * w[i];
        bad |= v[i] < 0;
    }
    *sum = ts;
    *dot = td;
    *neg = bad;
}
#else
static void meter_kernel(const double *restrict v, const double *restrict w, size_t n,
                         double *sum, double *dot, int *neg)
{
    double s0 = 0, s1 = 0, d0 = 0, d1 = 0;
    int bad = 0;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        s0 += v[i];
        s1 += v[i + 1];
        if (w) {
            d0 += v[i] * w[i];
            d1 += v[i + 1] * w[i + 1];
        }
        bad |= (v[i] < 0) | (v[i + 1] < 0);
    }
    for (; i < n; i++) {
        s0 += v[i];
        if (w)
            d0 += v[i] * w[i];
        bad |= v[i] < 0;
    }
    *sum = s0 + s1;
    *dot = d0 + d1;
    *neg = bad;
}
#endif

/* The first bad value of a flow: the error names it and the step. */
static zp_status bad_value(zp_ctx *ctx, const zp_acct_input *in, const char *what,
                           const double *v, size_t from, size_t to, int allow_negative)
{
    char tb[ZP_TIME_BUFSIZE];
    for (size_t t = from; t < to; t++) {
        if (!isfinite(v[t]) || (!allow_negative && v[t] < 0)) {
            zp_time_format(in->start + (zp_time_t)t * in->step_s, in->utc_offset_min, tb);
            return zp__error(ctx, ZP_EDATA, "%s: %s value %.10g at step %zu (%s)%s", what,
                             isfinite(v[t]) ? "negative" : "non-finite", v[t], t, tb,
                             isfinite(v[t]) ? "; meter readings must be >= 0" : "");
        }
    }
    return ZP_OK;
}

typedef struct flows {
    const double *v[ZP_ROLE_LAST]; /* aggregate per role (NULL = zero/absent) */
    double *sum[ZP_ROLE_LAST];     /* owned sums of meters */
    double *consumption;           /* owned when derived */
} flows;

/* Aggregate flows: the input's arrays, else the sum of its meters. */
static zp_status build_flows(zp_ctx *ctx, const zp_acct_input *in, flows *f)
{
    const double *given[ZP_ROLE_LAST] = {
        in->grid_import_kw, in->grid_export_kw, in->pv_kw, in->wind_kw, NULL, NULL,
        NULL, in->dc_it_kw, in->dc_facility_kw, in->water_l};
    for (int role = 0; role < ZP_ROLE_LAST; role++) {
        f->v[role] = given[role];
        if (given[role] || role == ZP_ROLE_STORAGE_CHARGE || role == ZP_ROLE_STORAGE_DISCHARGE)
            continue;
        /* load meters only make up consumption when it is not given */
        if (role == ZP_ROLE_LOAD && in->consumption_kw)
            continue;
        for (size_t k = 0; k < in->nmeters; k++) {
            const zp_acct_meter *m = &in->meters[k];
            if ((int)m->role != role || !m->v)
                continue;
            if (!f->sum[role] && !(f->sum[role] = zp__calloc(ctx, in->steps, sizeof(double))))
                return zp__nomem(ctx);
            /* values are checked by the per-meter pass, which fails the
             * whole accounting on a bad reading */
            for (size_t t = 0; t < in->steps; t++)
                f->sum[role][t] += m->v[t];
        }
        if (f->sum[role])
            f->v[role] = f->sum[role];
    }
    /* Storage charge/discharge totals come from the batteries, or from
     * meters when no battery is described. */
    for (int role = ZP_ROLE_STORAGE_CHARGE; role <= ZP_ROLE_STORAGE_DISCHARGE; role++) {
        int any = 0;
        for (size_t s = 0; s < in->nstorage; s++)
            any |= (role == ZP_ROLE_STORAGE_CHARGE ? in->storage[s].charge_kw
                                                   : in->storage[s].discharge_kw) != NULL;
        for (size_t k = 0; !any && k < in->nmeters; k++)
            any |= (int)in->meters[k].role == role && in->meters[k].v;
        if (!any)
            continue;
        if (!(f->sum[role] = zp__calloc(ctx, in->steps, sizeof(double))))
            return zp__nomem(ctx);
        f->v[role] = f->sum[role];
        for (size_t s = 0; s < in->nstorage; s++) {
            const double *a = role == ZP_ROLE_STORAGE_CHARGE ? in->storage[s].charge_kw
                                                             : in->storage[s].discharge_kw;
            if (a)
                for (size_t t = 0; t < in->steps; t++)
                    f->sum[role][t] += a[t];
        }
        if (in->nstorage == 0)
            for (size_t k = 0; k < in->nmeters; k++)
                if ((int)in->meters[k].role == role && in->meters[k].v)
                    for (size_t t = 0; t < in->steps; t++)
                        f->sum[role][t] += in->meters[k].v[t];
    }
    return ZP_OK;
}

static void flows_free(zp_ctx *ctx, flows *f)
{
    for (int role = 0; role < ZP_ROLE_LAST; role++)
        zp__free(ctx, f->sum[role]);
    zp__free(ctx, f->consumption);
}

/* Relative tolerance for limit comparisons, as in the simulation. */
#define LE_TOL(v, lim) ((v) <= (lim) + 1e-9 * fabs(lim))
#define GE_TOL(v, lim) ((v) >= (lim)-1e-9 * fabs(lim))

static double nan_div(double a, double b) { return b > 0 ? a / b : NAN; }

static zp_target_status status_max(double value, double projected, double limit, double margin,
                                   int complete, int cumulative)
{
    /* Emissions already emitted cannot be taken back: a cumulative value
     * past its limit is missed at once; a ratio can still recover until
     * the year is complete. */
    if (!LE_TOL(value, limit))
        return (cumulative || complete) ? ZP_TARGET_MISSED : ZP_TARGET_AT_RISK;
    double p = isnan(projected) ? value : projected;
    if (!LE_TOL(p, limit) || p > limit * (1.0 - margin / 100.0))
        return ZP_TARGET_AT_RISK;
    return ZP_TARGET_MET;
}

static zp_target_status status_min(double value, double limit, double margin, int complete)
{
    if (!GE_TOL(value, limit))
        return complete ? ZP_TARGET_MISSED : ZP_TARGET_AT_RISK;
    if (value < limit * (1.0 + margin / 100.0))
        return ZP_TARGET_AT_RISK;
    return ZP_TARGET_MET;
}

/* Location, residual and power-coal factors: the grid factors as above,
 * the power-coal rate by the year rule of docs/methodology.md "Factor
 * selection". */
static zp_status select_factors(zp_ctx *ctx, const zp_factor_set *fs, const zp_acct_opts *o,
                                const zp_acct_input *in, int data_year, zp_acct_result *r)
{
    zp_status rc;
    zp_grid_factors gf;
    if ((rc = zp_grid_factors_resolve(ctx, fs, o, in->grid_factor_kg_per_kwh != NULL, data_year,
                                      &gf)))
        return rc;
    r->grid = gf.location;
    r->grid_hourly = gf.rule == ZP_GRID_RULE_SERIES;
    r->residual = gf.residual;
    if (gf.residual_method == ZP_RESIDUAL_LOCATION)
        r->residual.value = NAN; /* import-weighted below */
    r->year = o->year ? o->year
              : (gf.rule == ZP_GRID_RULE_REGION || gf.rule == ZP_GRID_RULE_NATIONAL)
                  ? gf.location.year
                  : data_year;
    if ((gf.location_note[0] && (rc = add_note(ctx, r, "%s", gf.location_note))) ||
        (gf.residual_note[0] && (rc = add_note(ctx, r, "%s", gf.residual_note))) ||
        (gf.warning[0] && (rc = add_note(ctx, r, "grid factor: %s", gf.warning))))
        return rc;
    /* Equal-value electricity factor. */
    int cy = o->power_coal_year;
    if (!cy) {
        int want = o->year ? o->year : data_year;
        cy = zp__factor_latest_year(fs, NULL, NULL, want);
        if (cy && cy != want &&
            (rc = add_note(ctx, r,
                           "equal-value tce: %d is the latest year with a coal consumption of "
                           "power supply up to %d",
                           cy, want)))
            return rc;
    }
    if ((rc = zp_factor_power_coal(ctx, fs, cy, &r->power_coal)))
        return rc;
    if ((rc = keep_factor(ctx, r, &r->grid)) || (rc = keep_factor(ctx, r, &r->residual)) ||
        (rc = keep_factor(ctx, r, &r->power_coal)))
        return rc;
    return ZP_OK;
}

/* Derived fields of a period from its sums (kg in scope2_location_t until
 * here is converted by the caller). */
static void totals_finish(zp_acct_totals *p, const zp_acct_result *r)
{
    p->green_share_hourly_pct = p->consumption_kwh > 0 ? 100.0 * p->cfe_kwh / p->consumption_kwh : 0.0;
    p->pue = nan_div(p->dc_facility_kwh, p->dc_it_kwh);
    double net = p->grid_import_kwh - p->grid_export_kwh;
    double fuels_tce = r->steps ? r->fuels_tce * (double)((p->end - p->start) / r->step_s) /
                                      (double)r->steps
                                : 0;
    if (p == &r->total)
        fuels_tce = r->fuels_tce;
    p->energy_tce_calorific = net * ZP_ELEC_KGCE_PER_KWH_CALORIFIC / 1000.0 + fuels_tce;
    p->energy_tce_equal_value = net * r->power_coal.value / 1e6 + fuels_tce;
}

static void totals_add(zp_acct_totals *a, const zp_acct_totals *b)
{
    a->scope1_t += b->scope1_t;
    a->scope2_location_t += b->scope2_location_t;
    a->scope2_market_t += b->scope2_market_t;
    a->total_location_t += b->total_location_t;
    a->total_market_t += b->total_market_t;
    a->grid_import_kwh += b->grid_import_kwh;
    a->grid_export_kwh += b->grid_export_kwh;
    a->pv_kwh += b->pv_kwh;
    a->wind_kwh += b->wind_kwh;
    a->storage_charge_kwh += b->storage_charge_kwh;
    a->storage_discharge_kwh += b->storage_discharge_kwh;
    a->consumption_kwh += b->consumption_kwh;
    a->cfe_kwh += b->cfe_kwh;
    a->dc_it_kwh += b->dc_it_kwh;
    a->dc_facility_kwh += b->dc_facility_kwh;
    if (!isnan(a->water_l))
        a->water_l += b->water_l;
}

#define AT0(a, t) ((a) ? (a)[t] : 0.0)

/* One accounting run: what zp_account's phases share. */
typedef struct acct {
    zp_ctx *ctx;
    const zp_acct_input *in;
    zp_acct_opts o;
    const zp_factor_set *fs;
    zp_factor_set *own_fs;      /* the built-in set when the options name none */
    zp_acct_result *r;          /* the result being made */
    flows fl;                   /* the park's flows per role */
    const double *cons;         /* consumption per step, kW (the input's or derived) */
    double *w;                  /* location-based kg per kWh consumed, per step */
    size_t *day_first;          /* first step of each local day; [ndays] = n */
    size_t *month_first;        /* first day of each month; [nmonths] = ndays */
    size_t n;                   /* steps */
    int32_t off;                /* UTC offset, minutes */
    double dt;                  /* step, hours */
    zp_time_t end;              /* end of the period */
    double msteps;              /* metered steps (live data with gaps), else n */
    int64_t first_day, last_day; /* local day numbers of the period */
    int data_year;              /* local year of the first day */
    int complete;               /* the period covers the budget year */
    double tce_projected;       /* equal-value tce projected to the year's end */
    double contract_cfe_kwh;    /* the part of the matched carbon-free energy that a
                                   contract's hourly profile gave (in contracts too) */
} acct;

/* The options (defaults when NULL), the factor set (the built-in one when
 * the options name none), the period's constants. */
static zp_status acct_init(acct *a, zp_ctx *ctx, const zp_acct_input *in,
                           const zp_acct_opts *opts)
{
    memset(a, 0, sizeof *a);
    a->ctx = ctx;
    a->in = in;
    if (opts)
        a->o = *opts;
    else
        zp_acct_opts_init(&a->o);
    a->fs = a->o.factors;
    if (!a->fs) {
        zp_status rc = zp_factor_set_default(ctx, &a->own_fs);
        if (rc)
            return rc;
        a->fs = a->own_fs;
    }
    a->n = in->steps;
    a->off = in->utc_offset_min;
    a->dt = (double)in->step_s / 3600.0;
    a->end = in->start + (zp_time_t)a->n * in->step_s;
    a->first_day = zp__local_day(in->start, a->off);
    a->last_day = zp__local_day(a->end - 1, a->off);
    int64_t yy;
    unsigned mm, dd;
    zp_civil_from_days(a->first_day, &yy, &mm, &dd);
    a->data_year = (int)yy;
    return ZP_OK;
}

static void acct_free(acct *a)
{
    zp__free(a->ctx, a->w);
    zp__free(a->ctx, a->day_first);
    zp__free(a->ctx, a->month_first);
    flows_free(a->ctx, &a->fl);
    zp_acct_result_free(a->ctx, a->r);
    zp_factor_set_free(a->ctx, a->own_fs);
}

/* The result with what it names (factor set, GWP set, region, input) and
 * its period; the metered steps (live data with gaps), else every step. */
static zp_status result_new(acct *a)
{
    zp_ctx *ctx = a->ctx;
    const zp_acct_input *in = a->in;
    const zp_acct_opts *o = &a->o;
    zp_acct_result *r;
    if (!(r = a->r = zp__calloc(ctx, 1, sizeof *r)) ||
        !(r->priv_ = zp__calloc(ctx, 1, sizeof(zp__cpool))))
        return zp__nomem(ctx);
    if (!(r->factor_set = keep(ctx, r, zp_factor_set_name(a->fs))) ||
        !(r->gwp_set = keep(ctx, r, o->gwp == ZP_GWP_AR5 ? "AR5" : "AR6")) ||
        !(r->grid_region = keep(ctx, r, isfinite(o->grid_factor_kg_per_kwh)
                                            ? "park model"
                                            : (o->grid_region ? o->grid_region : "national"))) ||
        !(r->input_source = keep(ctx, r, in->source ? in->source : "caller")))
        return zp__nomem(ctx);
    r->start = in->start;
    r->step_s = in->step_s;
    r->steps = a->n;
    r->utc_offset_min = a->off;
    a->msteps = (double)a->n;
    if (in->metered) {
        a->msteps = 0;
        for (size_t t = 0; t < a->n; t++) {
            double k = in->metered[t];
            if (!(k >= 0 && k <= 1))
                return zp__error(ctx, ZP_EINVAL, "accounting input: metered share %g at step %zu "
                                 "is not in 0..1", k, t);
            a->msteps += k;
        }
    }
    r->metered_s = a->msteps * (double)in->step_s;
    r->by = o->by;
    r->output_value_cny = o->output_value_cny;
    return ZP_OK;
}

/* The flows per role, each value checked, and the batteries. */
static zp_status flows_checked(acct *a)
{
    static const char *const flow_names[ZP_ROLE_LAST] = {
        "grid_import_kw", "grid_export_kw", "pv_kw", "wind_kw", "storage_charge_kw",
        "storage_discharge_kw", "load_kw", "dc_it_kw", "dc_facility_kw", "water_l"};
    zp_ctx *ctx = a->ctx;
    const zp_acct_input *in = a->in;
    const size_t n = a->n;
    zp_status rc;
    if ((rc = build_flows(ctx, in, &a->fl)))
        return rc;
    for (int role = 0; role < ZP_ROLE_LAST; role++)
        if (a->fl.v[role] && !a->fl.sum[role] &&
            (rc = bad_value(ctx, in, flow_names[role], a->fl.v[role], 0, n, 0)))
            return rc;
    if (in->consumption_kw && (rc = bad_value(ctx, in, "consumption_kw", in->consumption_kw, 0, n, 0)))
        return rc;
    if (in->grid_factor_kg_per_kwh &&
        (rc = bad_value(ctx, in, "grid_factor_kg_per_kwh", in->grid_factor_kg_per_kwh, 0, n, 0)))
        return rc;
    for (size_t s = 0; s < in->nstorage; s++) {
        const zp_acct_storage *b = &in->storage[s];
        if (!(b->charge_efficiency > 0 && b->charge_efficiency <= 1) ||
            !(b->discharge_efficiency > 0 && b->discharge_efficiency <= 1) ||
            !(b->initial_kwh >= 0))
            return zp__error(ctx, ZP_EINVAL,
                             "storage '%s': efficiencies must be in (0, 1] and initial_kwh >= 0",
                             b->name ? b->name : "?");
    }
    return ZP_OK;
}

/* Consumption per step: the input's; else loads and the data center's
 * facility; else, nothing of it metered, the balance of the flows. */
static zp_status consumption(acct *a)
{
    zp_ctx *ctx = a->ctx;
    flows *fl = &a->fl;
    const size_t n = a->n;
    a->cons = a->in->consumption_kw;
    if (a->cons)
        return ZP_OK;
    if (!(fl->consumption = zp__calloc(ctx, n, sizeof(double))))
        return zp__nomem(ctx);
    a->cons = fl->consumption;
    const double *ld = fl->v[ZP_ROLE_LOAD], *fc = fl->v[ZP_ROLE_DC_FACILITY];
    if (ld || fc) {
        for (size_t t = 0; t < n; t++)
            fl->consumption[t] = AT0(ld, t) + AT0(fc, t);
        return ZP_OK;
    }
    /* No consumption metered: what came in and was not stored or sent out
     * was consumed. */
    for (size_t t = 0; t < n; t++) {
        double c = AT0(fl->v[ZP_ROLE_GRID_IMPORT], t) - AT0(fl->v[ZP_ROLE_GRID_EXPORT], t) +
                   AT0(fl->v[ZP_ROLE_PV], t) + AT0(fl->v[ZP_ROLE_WIND], t) +
                   AT0(fl->v[ZP_ROLE_STORAGE_DISCHARGE], t) - AT0(fl->v[ZP_ROLE_STORAGE_CHARGE], t);
        fl->consumption[t] = c > 0 ? c : 0;
    }
    return add_note(ctx, a->r,
                    "consumption is not metered: derived per step from the balance "
                    "import - export + pv + wind + discharge - charge");
}

/* Days and months of the local calendar (months group whole days), the
 * period's totals zeroed, and the per-step arrays. */
static zp_status calendar(acct *a)
{
    zp_ctx *ctx = a->ctx;
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    const size_t n = a->n, ndays = (size_t)(a->last_day - a->first_day + 1);
    if (!(r->days = result_calloc(ctx, r, ndays, sizeof *r->days)) ||
        !(a->day_first = zp__calloc(ctx, ndays + 1, sizeof *a->day_first)) ||
        !(a->month_first = zp__calloc(ctx, ndays + 1, sizeof *a->month_first)) ||
        !(r->months = result_calloc(ctx, r, ndays, sizeof *r->months)) ||
        !(r->cfe_kw = result_calloc(ctx, r, n, sizeof(double))) ||
        !(r->consumption_kw = result_calloc(ctx, r, n, sizeof(double))) ||
        !(a->w = zp__calloc(ctx, n, sizeof(double))))
        return zp__nomem(ctx);
    r->ndays = ndays;
    size_t *day_first = a->day_first, *month_first = a->month_first;
    int water = a->fl.v[ZP_ROLE_WATER] != NULL;
    size_t d = 0;
    day_first[0] = 0;
    for (size_t t = 1; t < n; t++) {
        int64_t dn = zp__local_day(in->start + (zp_time_t)t * in->step_s, a->off);
        while ((int64_t)d + a->first_day < dn)
            day_first[++d] = t;
    }
    while (d < ndays)
        day_first[++d] = n;
    for (size_t k = 0; k < ndays; k++) {
        zp_time_t ds = in->start + (zp_time_t)day_first[k] * in->step_s;
        zp_time_t de = in->start + (zp_time_t)day_first[k + 1] * in->step_s;
        totals_zero(&r->days[k], ds, de, water);
    }
    size_t nm = 0;
    int64_t prev_y = -1, yy;
    unsigned prev_m = 0, mm, dd;
    for (size_t k = 0; k < ndays; k++) {
        zp_civil_from_days(a->first_day + (int64_t)k, &yy, &mm, &dd);
        if (yy != prev_y || mm != prev_m) {
            month_first[nm] = k;
            totals_zero(&r->months[nm], r->days[k].start, 0, water);
            nm++;
            prev_y = yy;
            prev_m = mm;
        }
    }
    month_first[nm] = ndays;
    for (size_t k = 0; k < nm; k++)
        r->months[k].end = r->days[month_first[k + 1] - 1].end;
    r->nmonths = nm;
    totals_zero(&r->total, in->start, a->end, water);
    return ZP_OK;
}

static double cons_at(const void *ud, size_t t) { return ((const acct *)ud)->cons[t]; }

/* Hourly matching (docs/methodology.md "Green share") into r->cfe_kw. */
static zp_status matching(acct *a)
{
    const zp__cfe_run run = {a->n, a->dt, a->fl.v[ZP_ROLE_PV], a->fl.v[ZP_ROLE_WIND], cons_at, a,
                             a->in->storage, a->in->nstorage, a->in->green_power_kw};
    return zp__cfe_match(a->ctx, &run, a->r->cfe_kw, NULL, &a->contract_cfe_kwh);
}

/* The pass over the steps: location-based Scope 2, the energy totals of
 * the period and of each day, the import-weighted factor. Sums follow the
 * simulation's order (step order, import x dt x factor) so that a
 * simulated run accounts to the same bits or within rounding. */
static void step_pass(acct *a)
{
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    const flows *fl = &a->fl;
    const size_t n = a->n;
    const double dt = a->dt;
    const double *imp = fl->v[ZP_ROLE_GRID_IMPORT], *exq = fl->v[ZP_ROLE_GRID_EXPORT];
    const double *pvv = fl->v[ZP_ROLE_PV], *wnd = fl->v[ZP_ROLE_WIND];
    const double *chg = fl->v[ZP_ROLE_STORAGE_CHARGE], *dis = fl->v[ZP_ROLE_STORAGE_DISCHARGE];
    const double *it = fl->v[ZP_ROLE_DC_IT], *fac = fl->v[ZP_ROLE_DC_FACILITY];
    const double *wat = fl->v[ZP_ROLE_WATER], *efs = in->grid_factor_kg_per_kwh;
    double scope2_kg = 0, ef_sum = 0;
    zp_acct_totals *T = &r->total;
    size_t di = 0;
    for (size_t t = 0; t < n; t++) {
        while (t >= a->day_first[di + 1])
            di++;
        zp_acct_totals *D = &r->days[di];
        double ef = efs ? efs[t] : r->grid.value;
        double gi = AT0(imp, t), cons = a->cons[t];
        double loc_kg = gi * dt * ef;
        ef_sum += ef;
        scope2_kg += loc_kg;
        D->scope2_location_t += loc_kg;
        a->w[t] = cons > 0 ? loc_kg / cons : 0;
        r->consumption_kw[t] = cons;
        /* The step's energy and water, added to the period and the day
         * (water only where it is metered: totals_zero). */
        const zp_acct_totals step = {
            .grid_import_kwh = gi * dt,
            .grid_export_kwh = AT0(exq, t) * dt,
            .pv_kwh = AT0(pvv, t) * dt,
            .wind_kwh = AT0(wnd, t) * dt,
            .storage_charge_kwh = AT0(chg, t) * dt,
            .storage_discharge_kwh = AT0(dis, t) * dt,
            .consumption_kwh = cons * dt,
            .cfe_kwh = r->cfe_kw[t] * dt,
            .dc_it_kwh = AT0(it, t) * dt,
            .dc_facility_kwh = AT0(fac, t) * dt,
            .water_l = AT0(wat, t),
        };
        totals_add(T, &step);
        totals_add(D, &step);
    }
    T->scope2_location_t = scope2_kg / 1000.0;
    double weighted = T->grid_import_kwh > 0 ? scope2_kg / T->grid_import_kwh : ef_sum / (double)n;
    if (r->grid_hourly)
        r->grid.value = weighted;
    if (a->o.residual == ZP_RESIDUAL_LOCATION)
        r->residual.value = weighted;
}

/* Scope 1 of the fuels burnt: amount x the factor of the fuel set. */
static zp_status scope1_fuels(acct *a)
{
    zp_ctx *ctx = a->ctx;
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    zp_status rc;
    if (in->nfuels && !(r->fuels = result_calloc(ctx, r, in->nfuels, sizeof *r->fuels)))
        return zp__nomem(ctx);
    for (size_t i = 0; i < in->nfuels; i++) {
        const zp_acct_fuel *f = &in->fuels[i];
        zp_acct_fuel_line *L = &r->fuels[i];
        r->nfuels = i + 1;
        if (!f->type || !f->unit)
            return zp__error(ctx, ZP_EINVAL, "fuel %zu: type and unit are required", i);
        if (!(L->type = keep(ctx, r, f->type)) || !(L->unit = keep(ctx, r, f->unit)))
            return zp__nomem(ctx);
        if (!(f->amount >= 0) || !isfinite(f->amount))
            return zp__error(ctx, ZP_EDATA, "fuel '%s': amount %.10g must be finite and >= 0",
                             f->type, f->amount);
        if ((rc = zp_factor_fuel(ctx, a->fs, f->type, f->unit, a->o.fuel_set, &L->factor)))
            return rc;
        if (!(L->factor.type = keep(ctx, r, L->factor.type)) ||
            !(L->factor.set = keep(ctx, r, L->factor.set)) ||
            !(L->factor.unit = keep(ctx, r, L->factor.unit)) ||
            !(L->factor.source = keep(ctx, r, L->factor.source)) ||
            !(L->factor.verification = keep(ctx, r, L->factor.verification)))
            return zp__nomem(ctx);
        L->amount = f->amount;
        L->t_co2 = f->amount * L->factor.t_co2_per_unit;
        L->tce = f->amount * L->factor.tce_per_unit;
        r->scope1_fuels_t += L->t_co2;
        r->fuels_tce += L->tce;
    }
    return ZP_OK;
}

/* Scope 1 of the refrigerants leaked: kg x the gas's GWP. */
static zp_status scope1_refrigerants(acct *a)
{
    zp_ctx *ctx = a->ctx;
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    zp_status rc;
    if (in->nrefrigerants &&
        !(r->refrigerants = result_calloc(ctx, r, in->nrefrigerants, sizeof *r->refrigerants)))
        return zp__nomem(ctx);
    for (size_t i = 0; i < in->nrefrigerants; i++) {
        const zp_acct_refrigerant *g = &in->refrigerants[i];
        zp_acct_refrigerant_line *L = &r->refrigerants[i];
        r->nrefrigerants = i + 1;
        if (!g->gas || !(L->gas = keep(ctx, r, g->gas)))
            return g->gas ? zp__nomem(ctx) : zp__error(ctx, ZP_EINVAL, "refrigerant %zu: no gas", i);
        if (!(g->leak_kg >= 0) || !isfinite(g->leak_kg))
            return zp__error(ctx, ZP_EDATA, "refrigerant '%s': leak %.10g kg must be finite and >= 0",
                             g->gas, g->leak_kg);
        if ((rc = zp_factor_gwp(ctx, a->fs, g->gas, a->o.gwp, &L->gwp)) ||
            (rc = keep_factor(ctx, r, &L->gwp)))
            return rc;
        L->leak_kg = g->leak_kg;
        L->t_co2e = g->leak_kg * L->gwp.value / 1000.0;
        r->scope1_refrigerants_t += L->t_co2e;
    }
    r->total.scope1_t = r->scope1_fuels_t + r->scope1_refrigerants_t;
    return ZP_OK;
}

/* Scope 2, market-based: certificates first, then contracts, then the
 * residual factor on what is left; instruments beyond import are surplus,
 * never negative emissions. The period's totals by both methods. */
static zp_status scope2_market(acct *a)
{
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    zp_acct_totals *T = &r->total;
    if (!(in->certificates_mwh >= 0) || !(in->green_contracts_mwh >= 0) ||
        !isfinite(in->certificates_mwh) || !isfinite(in->green_contracts_mwh))
        return zp__error(a->ctx, ZP_EDATA, "certificates and green-power contracts must be >= 0 MWh");
    r->certificates_kwh = in->certificates_mwh * 1000.0;
    r->contracts_kwh = in->green_contracts_mwh * 1000.0;
    double left = T->grid_import_kwh;
    r->certificates_applied_kwh = r->certificates_kwh < left ? r->certificates_kwh : left;
    left -= r->certificates_applied_kwh;
    r->contracts_applied_kwh = r->contracts_kwh < left ? r->contracts_kwh : left;
    r->residual_kwh = T->grid_import_kwh - r->certificates_kwh - r->contracts_kwh;
    if (r->residual_kwh < 0)
        r->residual_kwh = 0;
    r->surplus_kwh = r->certificates_kwh + r->contracts_kwh -
                     (r->certificates_applied_kwh + r->contracts_applied_kwh);
    T->scope2_market_t = r->residual_kwh * r->residual.value / 1000.0;
    T->total_location_t = T->scope1_t + T->scope2_location_t;
    T->total_market_t = T->scope1_t + T->scope2_market_t;
    if (r->surplus_kwh > 0)
        return add_note(a->ctx, r,
                        "certificates and contracts exceed grid import by %.6g MWh: market-based "
                        "Scope 2 is floored at zero and the surplus is not carried",
                        r->surplus_kwh / 1000.0);
    return ZP_OK;
}

/* The zero-carbon park indicator of the period (indicator.c). */
static void park_indicator(acct *a)
{
    zp_acct_result *r = a->r;
    const zp_acct_totals *T = &r->total;
    double gas_tce = 0;
    for (size_t i = 0; i < r->nfuels; i++)
        if (strcmp(r->fuels[i].type, "natural_gas") == 0 || strcmp(r->fuels[i].type, "lng") == 0)
            gas_tce += r->fuels[i].tce;
    const zp_indicator_input ii = {
        .grid_import_kwh = T->grid_import_kwh,
        .grid_export_kwh = T->grid_export_kwh,
        .onsite_renewable_kwh = T->pv_kwh + T->wind_kwh,
        .green_instruments_kwh = r->certificates_applied_kwh + r->contracts_applied_kwh,
        .fuels_tce = r->fuels_tce,
        .natural_gas_tce = gas_tce,
        .emissions_market_t = T->total_market_t,
        .emissions_location_t = T->total_location_t,
        .power_coal_gce_per_kwh = r->power_coal.value,
        .hours = r->metered_s / 3600.0,
        .year_hours = zp_indicator_year_hours(a->first_day),
    };
    zp_indicator_compute(&ii, &r->indicator);
}

/* Shares, data center, energy and intensity of the period. */
static void indicators(acct *a)
{
    zp_acct_result *r = a->r;
    zp_acct_totals *T = &r->total;
    double cons_kwh = T->consumption_kwh;
    r->green_share_hourly_pct = cons_kwh > 0 ? 100.0 * T->cfe_kwh / cons_kwh : 0.0;
    /* a contract's profile is matched hour by hour and is a contract too:
     * counted once */
    double vol = cons_kwh > 0 ? 100.0 *
                                    (T->cfe_kwh - a->contract_cfe_kwh + r->certificates_kwh +
                                     r->contracts_kwh) /
                                    cons_kwh
                              : 0.0;
    r->green_share_volumetric_pct = vol > 100.0 ? 100.0 : vol;
    r->pue = nan_div(T->dc_facility_kwh, T->dc_it_kwh);
    /* The data center's share of the park's emissions is its share of
     * consumption (facility / consumption); CUE divides that by IT energy. */
    double dc_share = cons_kwh > 0 ? T->dc_facility_kwh / cons_kwh : NAN;
    r->cue_location_kg_per_kwh = nan_div(T->total_location_t * 1000.0 * dc_share, T->dc_it_kwh);
    r->cue_market_kg_per_kwh = nan_div(T->total_market_t * 1000.0 * dc_share, T->dc_it_kwh);
    r->wue_l_per_kwh = a->fl.v[ZP_ROLE_WATER] ? nan_div(T->water_l, T->dc_it_kwh) : NAN;
    r->electricity_net_kwh = T->grid_import_kwh - T->grid_export_kwh;
    r->renewable_coal_saved_tce = (T->pv_kwh + T->wind_kwh) * r->power_coal.value / 1e6;
    totals_finish(T, r);
    double out10k = a->o.output_value_cny / 1e4;
    r->carbon_intensity_t_per_10k_cny = out10k > 0 ? T->total_market_t / out10k : NAN;
    r->carbon_intensity_location_t_per_10k_cny = out10k > 0 ? T->total_location_t / out10k : NAN;
    r->energy_intensity_tce_per_10k_cny = out10k > 0 ? T->energy_tce_equal_value / out10k : NAN;
    park_indicator(a);
}

/* Days and months: Scope 1 spread evenly over the (metered) steps (fuel
 * use is known for the period only), market-based Scope 2 as the day's
 * share of import. */
static void periods(acct *a)
{
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    const zp_acct_totals *T = &r->total;
    const size_t *day_first = a->day_first, *month_first = a->month_first;
    double res_share = T->grid_import_kwh > 0 ? r->residual_kwh / T->grid_import_kwh : 0;
    double cum = 0;
    const int by_metered = in->metered && a->msteps > 0;
    for (size_t k = 0; k < r->ndays; k++) {
        zp_acct_totals *D = &r->days[k];
        double share = (double)(day_first[k + 1] - day_first[k]) / (double)a->n;
        if (by_metered) {
            double md = 0;
            for (size_t t = day_first[k]; t < day_first[k + 1]; t++)
                md += in->metered[t];
            share = md / a->msteps;
        }
        D->scope2_location_t /= 1000.0;
        D->scope1_t = T->scope1_t * share;
        D->scope2_market_t = D->grid_import_kwh * res_share * r->residual.value / 1000.0;
        D->total_location_t = D->scope1_t + D->scope2_location_t;
        D->total_market_t = D->scope1_t + D->scope2_market_t;
        totals_finish(D, r);
        cum += D->total_market_t;
        D->cumulative_market_t = cum;
    }
    for (size_t k = 0; k < r->nmonths; k++) {
        zp_acct_totals *M = &r->months[k];
        for (size_t d = month_first[k]; d < month_first[k + 1]; d++)
            totals_add(M, &r->days[d]);
        totals_finish(M, r);
        M->cumulative_market_t = r->days[month_first[k + 1] - 1].cumulative_market_t;
    }
}

/* Assets: one pass per meter, by month; a consumer's location-based
 * Scope 2 is its energy weighted by the step's kg per kWh consumed. */
static zp_status assets(acct *a)
{
    zp_ctx *ctx = a->ctx;
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    double *month_block;
    if (!in->nmeters)
        return ZP_OK;
    if (!(r->assets = result_calloc(ctx, r, in->nmeters, sizeof *r->assets)) ||
        !(month_block = result_calloc(ctx, r, in->nmeters * r->nmonths, sizeof(double))))
        return zp__nomem(ctx);
    for (size_t k = 0; k < in->nmeters; k++) {
        const zp_acct_meter *m = &in->meters[k];
        zp_acct_asset *A = &r->assets[k];
        r->nassets = k + 1;
        A->role = m->role;
        A->month = month_block + k * r->nmonths;
        if (!(A->name = keep(ctx, r, m->name ? m->name : "")) ||
            !(A->asset = keep(ctx, r, m->asset ? m->asset : zp_acct_role_name(m->role))))
            return zp__nomem(ctx);
        if ((unsigned)m->role >= ZP_ROLE_LAST || !m->v)
            return zp__error(ctx, ZP_EINVAL, "meter '%s': no role or no data", A->name);
        int consumer = m->role == ZP_ROLE_LOAD || m->role == ZP_ROLE_DC_FACILITY;
        double scale = m->role == ZP_ROLE_WATER ? 1.0 : a->dt, dot_sum = 0;
        for (size_t mo = 0; mo < r->nmonths; mo++) {
            size_t t0 = a->day_first[a->month_first[mo]], t1 = a->day_first[a->month_first[mo + 1]];
            double sum, dot;
            int neg;
            meter_kernel(m->v + t0, consumer ? a->w + t0 : NULL, t1 - t0, &sum, &dot, &neg);
            if (!isfinite(sum) || neg) {
                char what[256];
                snprintf(what, sizeof what, "meter '%s'", A->name);
                zp_status rc = bad_value(ctx, in, what, m->v, t0, t1, 0);
                return rc ? rc : zp__error(ctx, ZP_EDATA, "meter '%s': readings overflow", A->name);
            }
            A->month[mo] = sum * scale;
            A->total += sum * scale;
            dot_sum += dot;
        }
        A->scope2_location_t = consumer ? dot_sum / 1000.0 : 0;
    }
    return ZP_OK;
}

/* The budget year (the data year, or up to the options' end), the burn
 * rate over the days covered (metered days for live data with gaps) and
 * the projections to the year's end. */
static void budget(acct *a)
{
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    const zp_acct_totals *T = &r->total;
    int64_t y0 = zp_days_from_civil(a->data_year, 1, 1), y1 = zp_days_from_civil(a->data_year + 1, 1, 1);
    r->budget_year_start = day_start(y0, a->off);
    r->budget_year_end = a->o.budget_year_end ? a->o.budget_year_end : day_start(y1, a->off);
    a->complete = in->start <= r->budget_year_start && a->end >= r->budget_year_end;
    double covered_days = (in->metered && a->msteps > 0 ? r->metered_s : (double)(a->end - in->start)) /
                          SECONDS_PER_DAY;
    double remaining_days =
        r->budget_year_end > a->end ? (double)(r->budget_year_end - a->end) / SECONDS_PER_DAY : 0;
    r->burn_rate_t_per_day = T->total_market_t / covered_days;
    r->projected_year_end_t = T->total_market_t + r->burn_rate_t_per_day * remaining_days;
    a->tce_projected = T->energy_tce_equal_value +
                       T->energy_tce_equal_value / covered_days * remaining_days;
    r->budget_t = a->o.max_emissions_t;
}

/* The targets the options set, each met, at risk or missed. */
static zp_status targets(acct *a)
{
    const zp_acct_opts *o = &a->o;
    zp_acct_result *r = a->r;
    const zp_acct_totals *T = &r->total;
    const double margin = o->at_risk_margin_pct;
    const int complete = a->complete;
    zp_acct_target tg[7];
    size_t nt = 0;
    if (!isnan(o->max_emissions_t))
        tg[nt++] = (zp_acct_target){"max_emissions_t", o->max_emissions_t, T->total_market_t,
                                    r->projected_year_end_t,
                                    status_max(T->total_market_t, r->projected_year_end_t,
                                               o->max_emissions_t, margin, complete, 1)};
    if (!isnan(o->min_green_share_pct))
        tg[nt++] = (zp_acct_target){"min_green_share_pct", o->min_green_share_pct,
                                    r->green_share_volumetric_pct, NAN,
                                    status_min(r->green_share_volumetric_pct,
                                               o->min_green_share_pct, margin, complete)};
    if (!isnan(o->max_pue) && !isnan(r->pue))
        tg[nt++] = (zp_acct_target){"max_pue", o->max_pue, r->pue, NAN,
                                    status_max(r->pue, NAN, o->max_pue, margin, complete, 0)};
    if (!isnan(o->max_energy_tce))
        tg[nt++] = (zp_acct_target){"max_energy_tce", o->max_energy_tce,
                                    T->energy_tce_equal_value, a->tce_projected,
                                    status_max(T->energy_tce_equal_value, a->tce_projected,
                                               o->max_energy_tce, margin, complete, 1)};
    if (!isnan(o->max_carbon_intensity_t_per_10k_cny) && !isnan(r->carbon_intensity_t_per_10k_cny))
        tg[nt++] = (zp_acct_target){"max_carbon_intensity_t_per_10k_cny",
                                    o->max_carbon_intensity_t_per_10k_cny,
                                    r->carbon_intensity_t_per_10k_cny, NAN,
                                    status_max(r->carbon_intensity_t_per_10k_cny, NAN,
                                               o->max_carbon_intensity_t_per_10k_cny, margin,
                                               complete, 0)};
    const zp_indicator *x = &r->indicator;
    if (!isnan(o->max_t_co2_per_tce) && !isnan(x->t_co2_per_tce))
        tg[nt++] = (zp_acct_target){"max_t_co2_per_tce", o->max_t_co2_per_tce, x->t_co2_per_tce,
                                    NAN,
                                    status_max(x->t_co2_per_tce, NAN, o->max_t_co2_per_tce,
                                               margin, complete, 0)};
    if (!isnan(o->min_clean_energy_share_pct) && !isnan(x->clean_energy_share_pct))
        tg[nt++] = (zp_acct_target){"min_clean_energy_share_pct", o->min_clean_energy_share_pct,
                                    x->clean_energy_share_pct, NAN,
                                    status_min(x->clean_energy_share_pct,
                                               o->min_clean_energy_share_pct, margin, complete)};
    if (!nt)
        return ZP_OK;
    if (!(r->targets = result_calloc(a->ctx, r, nt, sizeof *r->targets)))
        return zp__nomem(a->ctx);
    memcpy(r->targets, tg, nt * sizeof *tg);
    r->ntargets = nt;
    return ZP_OK;
}

/* Alerts: the budget exceeded (the day it was) or projected to be (the
 * day it will be at the burn rate), then each target not met. */
static zp_status alerts(acct *a)
{
    zp_ctx *ctx = a->ctx;
    zp_acct_result *r = a->r;
    const zp_acct_totals *T = &r->total;
    const int32_t off = a->off;
    char tb[ZP_TIME_BUFSIZE], tb2[ZP_TIME_BUFSIZE];
    zp_status rc;
    if (!isnan(r->budget_t)) {
        double B = r->budget_t;
        if (!LE_TOL(T->total_market_t, B)) {
            size_t k = 0;
            while (k + 1 < r->ndays && LE_TOL(r->days[k].cumulative_market_t, B))
                k++;
            r->budget_crossing = r->days[k].start;
            if ((rc = add_alert(ctx, r, "budget_exceeded", r->budget_crossing,
                                "carbon budget of %s t exceeded on %.10s: %s t emitted "
                                "(market-based)",
                                HNUM(B), zp_time_format(r->budget_crossing, off, tb),
                                HNUM(T->total_market_t))))
                return rc;
        } else if (!LE_TOL(r->projected_year_end_t, B) && r->burn_rate_t_per_day > 0) {
            double days_left = (B - T->total_market_t) / r->burn_rate_t_per_day;
            r->budget_crossing = a->end + (zp_time_t)floor(days_left * SECONDS_PER_DAY);
            if ((rc = add_alert(ctx, r, "budget_projection", r->budget_crossing,
                                "at %s t/day the carbon budget of %s t is used up on "
                                "%.10s; projected %s t by %.10s",
                                HNUM(r->burn_rate_t_per_day), HNUM(B),
                                zp_time_format(r->budget_crossing, off, tb),
                                HNUM(r->projected_year_end_t),
                                zp_time_format(r->budget_year_end - 1, off, tb2))))
                return rc;
        }
    }
    for (size_t k = 0; k < r->ntargets; k++) {
        const zp_acct_target *g = &r->targets[k];
        if (g->status == ZP_TARGET_MET)
            continue;
        if ((rc = add_alert(ctx, r, g->status == ZP_TARGET_MISSED ? "target_missed" : "target_at_risk",
                            0, "%s: %s against a limit of %s (projected to year-end: %s)",
                            g->name, HNUM(g->value), HNUM(g->limit),
                            HNUM(isnan(g->projected) ? g->value : g->projected))))
            return rc;
    }
    return ZP_OK;
}

/* Corrections made while reading, carried to the report. */
static zp_status corrections(acct *a)
{
    zp_ctx *ctx = a->ctx;
    const zp_acct_input *in = a->in;
    zp_acct_result *r = a->r;
    if (!in->ncorrections)
        return ZP_OK;
    if (!(r->corrections = result_calloc(ctx, r, in->ncorrections, sizeof *r->corrections)))
        return zp__nomem(ctx);
    for (size_t k = 0; k < in->ncorrections; k++) {
        r->corrections[k] = in->corrections[k];
        r->corrections[k].meter = keep(ctx, r, in->corrections[k].meter);
        r->corrections[k].file = keep(ctx, r, in->corrections[k].file);
        r->ncorrections = k + 1;
        if (!r->corrections[k].meter || !r->corrections[k].file)
            return zp__nomem(ctx);
    }
    return ZP_OK;
}

zp_status zp_account(zp_ctx *ctx, const zp_acct_input *in, const zp_acct_opts *opts_in,
                     zp_acct_result **out)
{
    if (!ctx || !in || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_account: NULL argument") : ZP_EINVAL;
    *out = NULL;
    if (in->steps == 0 || in->step_s <= 0 || in->steps > (size_t)INT64_MAX / (size_t)in->step_s)
        return zp__error(ctx, ZP_EINVAL, "accounting input: %zu steps of %ld s is not a period",
                         in->steps, (long)in->step_s);
    acct a;
    zp_status rc;
    if ((rc = acct_init(&a, ctx, in, opts_in)) || (rc = result_new(&a)) ||
        (rc = select_factors(ctx, a.fs, &a.o, in, a.data_year, a.r)) ||
        (rc = flows_checked(&a)) || (rc = consumption(&a)) || (rc = calendar(&a)) ||
        (rc = matching(&a)))
        goto out;
    step_pass(&a);
    if ((rc = scope1_fuels(&a)) || (rc = scope1_refrigerants(&a)) || (rc = scope2_market(&a)))
        goto out;
    indicators(&a);
    periods(&a);
    if ((rc = assets(&a)))
        goto out;
    budget(&a);
    if ((rc = targets(&a)) || (rc = alerts(&a)) || (rc = corrections(&a)))
        goto out;
    *out = a.r;
    a.r = NULL;
out:
    acct_free(&a);
    return rc;
}
