/*
 * control.c - the control loop (docs/serve.md "Control loop"), run by the
 * main thread every replan_min minutes:
 *
 *  1. forecasts from live data: the park store's meters at the model's
 *     step over the last day, forecast with the library's forecasters
 *     (clear-sky PV x the clear-sky index of the measured daylight steps,
 *     persistence for wind, similar-day - yesterday's profile - for load;
 *     zp_forecast_make). Until each quantity the park has (PV, wind, load)
 *     has readings in LIVE_MIN_H of the last HIST_H hours (PV: night steps,
 *     the sun below the horizon, count as read 0 kW), the model's own
 *     series stand in (zp_plan_make, which forecasts from the model's data
 *     up to the same time of year); the plan says which and why;
 *  2. the dispatch LP over the horizon (zp_dispatch_optimal) from the
 *     batteries' live SOC, with the model's prices and grid factors of the
 *     same time of year (a horizon past the end of the model's year goes
 *     on from its start: zp_plan_opts.wrap); with a demand charge it
 *     prices each calendar month's peak import, the current month's from
 *     the peak so far: the highest step-mean grid import the park store
 *     holds since the first of the month (park-local), which costs
 *     nothing to reach again (month_peak_so_far);
 *  3. the first step's battery power written to each battery device with
 *     zs_poller_write_setpoint (clamped to the device's limits);
 *  4. safe mode when the data are stale, the solver fails (or falls back)
 *     or a device refuses a write: the safe action (config "safe_mode":
 *     "hold" = setpoint 0, or "self-consumption" = cover load - PV - wind
 *     within the battery's power and SOC limits) is written instead, an
 *     alert is raised, and the next run tries again.
 *
 * --dry-run plans and reports the setpoints it would write, writing none.
 */
#define _DEFAULT_SOURCE
#include "control.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "doc.h"
#include "log.h"
#include "metrics.h"
#include "poller.h"
#include "server.h"

#define MAX_STORAGE 16
#define HIST_H 24     /* hours of live history read for the forecast */
#define LIVE_MIN_H 22 /* hours of them with readings the live forecast needs */

/* The model-period instant with the same local calendar date and time as
 * t (the model's year), on the model's step grid. */
static int64_t model_time(const zp_model *m, int64_t t)
{
    const int64_t offs = (int64_t)m->utc_offset_min * 60, step = (int64_t)m->step_min * 60;
    int64_t ys, y;
    unsigned mo, d, mo0, d0;
    zp_civil_from_days(zp_fdiv(m->start + offs, 86400), &ys, &mo0, &d0);
    int64_t days = zp_fdiv(t + offs, 86400), sod = t + offs - days * 86400;
    zp_civil_from_days(days, &y, &mo, &d);
    if (mo == 2 && d == 29)
        d = 28;
    int64_t at = zp_days_from_civil(ys, mo, d) * 86400 + sod - offs;
    if (at < m->start)
        at = zp_days_from_civil(ys + 1, mo, d) * 86400 + sod - offs;
    int64_t span = m->end - m->start;
    if (at < m->start || at >= m->end)
        at = m->start + ((at - m->start) % span + span) % span;
    at = m->start + zp_fdiv(at - m->start, step) * step;
    if (at >= m->end)
        at = m->end - step;
    return at;
}

/* Sum of the park store's meters whose name starts with one of prefixes,
 * over n steps of step_s from t0 (interval means of the stored values);
 * NaN where none has a value. sign -1 subtracts. cover (may be NULL)
 * receives per step the share of it that the best-covered meter has
 * values for (0..1). Returns how many meters were found. */
static size_t meters_sum(zp_store *st, zp_ctx *ctx, const char *const *prefixes, const int *signs,
                         size_t np, int64_t t0, int64_t step_s, size_t n, double *out, double *cover)
{
    zp_store_series_info *info = NULL;
    size_t ninfo = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NAN;
        if (cover)
            cover[i] = 0;
    }
    if (zp_store_series_list(st, &info, &ninfo) != ZP_OK) {
        zp_ctx_clear_error(ctx);
        return 0;
    }
    double *sum = calloc(n, sizeof *sum);
    unsigned *cnt = calloc(n, sizeof *cnt);
    for (size_t k = 0; sum && cnt && k < ninfo; k++) {
        int sign = 0;
        for (size_t p = 0; p < np; p++)
            if (strncmp(info[k].name, prefixes[p], strlen(prefixes[p])) == 0 &&
                strcmp(info[k].name + strlen(info[k].name) - 3, "_kw") == 0)
                sign = signs[p];
        if (!sign)
            continue;
        zp_series *s = NULL;
        if (zp_store_read(st, info[k].name, t0, t0 + (int64_t)n * step_s, &s) != ZP_OK) {
            zp_ctx_clear_error(ctx);
            continue;
        }
        found++;
        memset(sum, 0, n * sizeof *sum);
        memset(cnt, 0, n * sizeof *cnt);
        for (size_t i = 0; i < s->len; i++) {
            int64_t ts = s->start + (int64_t)i * s->step_s;
            if (isnan(s->v[i]) || ts < t0)
                continue;
            int64_t j = (ts - t0) / step_s;
            if (j >= (int64_t)n)
                continue;
            sum[j] += s->v[i];
            cnt[j]++;
        }
        for (size_t j = 0; j < n; j++)
            if (cnt[j]) {
                out[j] = (isnan(out[j]) ? 0 : out[j]) + sign * sum[j] / cnt[j];
                double c = (double)cnt[j] * (double)s->step_s / (double)step_s;
                if (cover && c > cover[j])
                    cover[j] = c > 1 ? 1 : c;
            }
        zp_series_free(ctx, s);
    }
    free(sum);
    free(cnt);
    zp_store_series_info_free(ctx, info, ninfo);
    return found;
}

/* Night at the site over the n steps of step_s from t0: night[i] = 1 when
 * the sun's upper limb stays below the horizon for the whole step (the
 * apparent zenith of its centre above 90 deg + its semi-diameter at every
 * minute of the step, the library's SPA), when PV can only be 0. Returns
 * 0, or -1 (night all 0) when the position cannot be computed. */
#define NIGHT_ZENITH_DEG (90.0 + 0.26667)
static int night_steps(zp_ctx *ctx, const zp_model *m, int64_t t0, int64_t step_s, size_t n,
                       unsigned char *night)
{
    memset(night, 0, n);
    const size_t per = step_s >= 60 ? (size_t)(step_s / 60) : 1; /* samples per step */
    double *z = calloc(n * per + 1, sizeof *z);
    zp_spa_input in;
    zp_spa_input_init(&in);
    in.lat_deg = m->lat_deg;
    in.lon_deg = m->lon_deg;
    in.elevation_m = m->elevation_m;
    in.utc_offset_min = m->utc_offset_min;
    /* the minutes t0, t0 + 60 s, ..., t0 + n x step_s (both ends of each step) */
    if (!z || zp_spa_series(ctx, &in, t0, (int32_t)(step_s / (int64_t)per), n * per + 1, z, NULL) != ZP_OK) {
        zp_ctx_clear_error(ctx);
        free(z);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        night[i] = 1;
        for (size_t j = i * per; j <= (i + 1) * per && night[i]; j++)
            night[i] = z[j] > NIGHT_ZENITH_DEG;
    }
    free(z);
    return 0;
}

/* Fill NaN with the previous value (the first known value before it);
 * negative values become 0. Returns how many values were known. */
static size_t fill(double *x, size_t n)
{
    size_t known = 0;
    double last = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) {
            if (isnan(last))
                for (size_t j = 0; j < i; j++)
                    x[j] = x[i] < 0 ? 0 : x[i];
            last = x[i];
            known++;
        } else if (!isnan(last)) {
            x[i] = last;
        }
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]) || x[i] < 0)
            x[i] = 0;
    return known;
}

typedef struct plan_out {
    size_t h;
    double step_h;
    double demand_charge;    /* CNY per kW-month the plan priced (0: none) */
    double peak_so_far_kw;   /* the month's peak import so far (store) */
    double planned_peak_kw;  /* the month's peak as planned (>= peak_so_far_kw) */
    double *pv, *wind, *load, *bat, *soc, *imp, *exp; /* h values each, one block (plan_alloc);
                                                          soc: mean over storages */
    double first_kw[MAX_STORAGE];                      /* step 0 battery power per storage */
    const char *forecast;                              /* "live" or "model" */
    char forecast_reason[200];                         /* why that forecast */
    double history_h;                                  /* live history it had (hours) */
    char error[300];
} plan_out;

/* The flows live in one block that pv points to. */
static void plan_out_free(plan_out *p)
{
    free(p->pv);
    p->pv = NULL;
}

static int plan_alloc(plan_out *p, size_t h)
{
    double **flows[] = {&p->pv, &p->wind, &p->load, &p->bat, &p->soc, &p->imp, &p->exp};
    plan_out_free(p);
    p->h = h;
    double *block = calloc(h ? h * ZP_ARRAY_LEN(flows) : 1, sizeof *block);
    if (!block)
        return -1;
    for (size_t i = 0; i < ZP_ARRAY_LEN(flows); i++)
        *flows[i] = block + i * h;
    return 0;
}

/* The highest step-mean grid import of the calendar month (park-local)
 * now falls in, from its first day up to now (the park store's
 * grid_import meters at the model's step); 0 when the store has none. */
static double month_peak_so_far(zp_store *st, zp_ctx *ctx, const zp_model *m, int64_t now)
{
    const int64_t offs = (int64_t)m->utc_offset_min * 60, step = (int64_t)m->step_min * 60;
    int64_t y;
    unsigned mo, d;
    zp_civil_from_days(zp_fdiv(now + offs, 86400), &y, &mo, &d);
    int64_t t0 = zp_days_from_civil(y, mo, 1) * 86400 - offs;
    size_t n = (size_t)((now - t0 + step - 1) / step);
    double peak = 0;
    double *v = n && st ? calloc(n, sizeof *v) : NULL;
    static const char *const gi[] = {"grid_import"};
    static const int plus[] = {1};
    if (v && meters_sum(st, ctx, gi, plus, 1, t0, step, n, v, NULL))
        for (size_t i = 0; i < n; i++)
            if (!isnan(v[i]) && v[i] > peak)
                peak = v[i];
    free(v);
    return peak;
}

/* The month's peak so far and as planned, from the plan pl and its flows f. */
static void take_peak(plan_out *p, const zp_plan *pl, const zp_dispatch_result *f, size_t h)
{
    p->demand_charge = pl->demand_charge_cny_per_kw_month;
    p->peak_so_far_kw = pl->peak_so_far_kw[0];
    p->planned_peak_kw = p->peak_so_far_kw;
    for (size_t i = 0; i < h && pl->month_of_step[i] == 0; i++)
        if (f->grid_import_kw[i] > p->planned_peak_kw)
            p->planned_peak_kw = f->grid_import_kw[i];
}

static void take_flows(plan_out *p, const zp_model *m, const zp_dispatch_result *f)
{
    for (size_t i = 0; i < p->h; i++) {
        double b = 0, se = 0, sw = 0;
        for (size_t s = 0; s < f->nstorage; s++) {
            b += f->storage[s].discharge_kw[i] - f->storage[s].charge_kw[i];
            se += f->storage[s].soc[i] * m->storage[s].energy_kwh;
            sw += m->storage[s].energy_kwh;
        }
        p->bat[i] = b;
        p->soc[i] = sw > 0 ? se / sw : NAN;
        p->imp[i] = f->grid_import_kw[i];
        p->exp[i] = f->grid_export_kw[i];
    }
    for (size_t s = 0; s < f->nstorage && s < MAX_STORAGE; s++)
        p->first_kw[s] = f->storage[s].discharge_kw[0] - f->storage[s].charge_kw[0];
}

/* Plan from live data; 1 = not enough live data (use the model), 0 = ok,
 * -1 = failed (p->error). */
static int plan_live(zs_server *S, const zp_model *m, zp_store *st, int64_t now, int64_t at_model,
                     const double *soc0, double peak_so_far, plan_out *p)
{
    const int64_t step = (int64_t)m->step_min * 60;
    const size_t hist = (size_t)(HIST_H * 3600 / step);
    size_t h = (size_t)llround(S->cfg.horizon_h * 3600 / (double)step);
    size_t mh = (size_t)((m->end - m->start) / step);
    if (h > mh)
        h = mh; /* prices and factors: the model's year, wrapped (zp_plan_opts.wrap) */
    if (h < 1)
        h = 1;
    const size_t n = hist + h;
    int64_t t0 = zp_fdiv(now, step) * step - (int64_t)hist * step;
    int rc = -1;
    zp_ctx *ctx = S->cctx;
    double *pvh = calloc(n, sizeof *pvh), *windh = calloc(n, sizeof *windh), *loadh = calloc(n, sizeof *loadh);
    double *csky = calloc(n, sizeof *csky), *tmp = calloc(n, sizeof *tmp);
    double *cov = calloc(3 * hist, sizeof *cov), *cload = cov, *cpv = cov ? cov + hist : NULL,
           *cwind = cov ? cov + 2 * hist : NULL; /* measured share of each history step */
    zp_forecast_out fc;
    zp_forecast_out_init(&fc);
    zp_plan *pl = NULL;
    zp_dispatch_result *res = NULL;
    if (!pvh || !windh || !loadh || !csky || !tmp || !cov || !st) {
        snprintf(p->forecast_reason, sizeof p->forecast_reason, "%s: the model's forecast",
                 st ? "out of memory for the live history" : "the park store cannot be read");
        rc = 1;
        goto out;
    }
    static const char *const pvp[] = {"pv."}, *const wp[] = {"wind."};
    static const char *const lp[] = {"load.", "dc_facility"};
    static const char *const bal[] = {"grid_import", "grid_export", "pv.", "wind.", "storage_discharge.",
                                      "storage_charge."};
    static const int plus[] = {1, 1}, bals[] = {1, -1, 1, 1, 1, -1};
    size_t npvm = meters_sum(st, ctx, pvp, plus, 1, t0, step, hist, pvh, cpv);
    /* At night PV is known: 0 kW, read or not (inverters that stop
     * reporting after sunset leave no gap in the history). */
    unsigned char *night = npvm ? calloc(hist, 1) : NULL;
    if (night && night_steps(ctx, m, t0, step, hist, night) == 0)
        for (size_t i = 0; i < hist; i++)
            if (night[i]) {
                pvh[i] = 0;
                cpv[i] = 1;
            }
    free(night);
    size_t nwm = meters_sum(st, ctx, wp, plus, 1, t0, step, hist, windh, cwind);
    size_t nl = meters_sum(st, ctx, lp, plus, 2, t0, step, hist, loadh, cload);
    if (!nl)
        nl = meters_sum(st, ctx, bal, bals, 6, t0, step, hist, loadh, cload);
    /* the PV steps measured (the clear-sky index is taken over these only) */
    for (size_t i = 0; i < hist; i++)
        tmp[i] = isnan(pvh[i]) ? 0 : 1;
    /* Each quantity the park has needs readings in LIVE_MIN_H of the last
     * HIST_H hours: a day's profile for the load (similar-day), measured
     * daylight for the clear-sky index, a recent value for wind. Until
     * then the model's data stand in. */
    const double step_h = (double)step / 3600.0;
    fill(loadh, hist);
    fill(pvh, hist);
    fill(windh, hist);
    struct {
        const char *name;
        bool needed;
        size_t meters;
        const double *cover;
    } q[3] = {{"load", true, nl, cload}, {"PV", m->npv > 0, npvm, cpv}, {"wind", m->nwind > 0, nwm, cwind}};
    p->history_h = HIST_H;
    const char *short_of = NULL;
    for (size_t k = 0; k < 3; k++) {
        if (!q[k].needed)
            continue;
        double hk = 0;
        for (size_t i = 0; q[k].meters && i < hist; i++)
            hk += q[k].cover[i] * step_h;
        if (hk < p->history_h)
            p->history_h = hk;
        if (!short_of && (!q[k].meters || hk < LIVE_MIN_H - 1e-9)) {
            short_of = q[k].name;
            if (!q[k].meters)
                snprintf(p->forecast_reason, sizeof p->forecast_reason,
                         "no %s meter in the park store: the model's forecast", q[k].name);
            else
                snprintf(p->forecast_reason, sizeof p->forecast_reason,
                         "%s has readings in %.1f of the last %d h%s; live forecasts need %d h",
                         q[k].name, hk, HIST_H, k == 1 ? " (night counts as 0 kW)" : "", LIVE_MIN_H);
        }
    }
    if (short_of) {
        rc = 1;
        goto out;
    }
    snprintf(p->forecast_reason, sizeof p->forecast_reason,
             "readings in %.1f of the last %d h (at least %d h needed)", p->history_h, HIST_H, LIVE_MIN_H);
    if (m->npv && zp_forecast_clearsky_pv(ctx, m, t0, (int32_t)step, n, csky) != ZP_OK) {
        snprintf(p->error, sizeof p->error, "clear-sky PV: %s", zp_ctx_errmsg(ctx));
        zp_ctx_clear_error(ctx);
        goto out;
    }
    for (size_t i = 0; i < hist; i++)
        if (tmp[i] == 0)
            csky[i] = 0; /* a step without a PV reading does not enter the index */
    zp_forecast_inputs fin = {n, (int32_t)step, m->npv ? pvh : NULL, m->npv ? csky : NULL,
                              m->nwind ? windh : NULL, loadh, NULL, 0};
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    fo.pv = m->npv ? ZP_FORECAST_CLEARSKY : ZP_FORECAST_PERSISTENCE;
    fo.wind = ZP_FORECAST_PERSISTENCE;
    fo.load = ZP_FORECAST_SIMILAR_DAY; /* yesterday's profile (a day of history) */
    if (zp_forecast_make(ctx, &fin, &fo, hist, h, &fc) != ZP_OK) {
        snprintf(p->error, sizeof p->error, "forecast: %s", zp_ctx_errmsg(ctx));
        zp_ctx_clear_error(ctx);
        goto out;
    }
    /* the model's prices and grid factors at the same time of year */
    zp_plan_opts po;
    zp_plan_opts_init(&po);
    po.at = at_model;
    po.horizon_h = (double)h * (double)step / 3600.0;
    po.soc_initial = soc0;
    po.wrap = 1; /* past the end of the model's year: its start again */
    po.peak_so_far_kw = peak_so_far;
    if (zp_plan_make(ctx, m, &po, &pl) != ZP_OK) {
        snprintf(p->error, sizeof p->error, "plan: %s", zp_ctx_errmsg(ctx));
        zp_ctx_clear_error(ctx);
        goto out;
    }
    if (pl->steps < h)
        h = pl->steps;
    zp_dispatch_input in;
    zp_dispatch_input_init(&in);
    in.steps = h;
    in.step_h = (double)step / 3600.0;
    in.pv_kw = fc.pv_kw;
    in.wind_kw = fc.wind_kw;
    in.firm_kw = fc.firm_kw;
    in.storage = m->storage;
    in.nstorage = m->nstorage;
    in.soc_initial = soc0;
    in.import_limit_kw = m->grid.import_limit_kw;
    in.export_limit_kw = m->grid.export_limit_kw;
    in.import_price_cny_per_kwh = pl->price_cny_per_kwh;
    in.grid_factor_kg_per_kwh = pl->grid_factor_kg_per_kwh;
    in.objective = m->objective;
    in.carbon_price_cny_per_t = m->carbon_price_cny_per_t;
    /* the demand charge on the plan's months, the first from its peak so far */
    in.demand_charge_cny_per_kw_month = pl->demand_charge_cny_per_kw_month;
    in.month_of_step = pl->month_of_step;
    in.nmonths = pl->nmonths;
    in.month_fraction = pl->month_fraction;
    in.peak_so_far_kw = pl->peak_so_far_kw;
    zp_lp_opts lo;
    zp_lp_opts_init(&lo);
    lo.time_limit_s = 20;
    zp_lp_info info;
    if (zp_dispatch_optimal(ctx, &in, &lo, &res, &info) != ZP_OK) {
        snprintf(p->error, sizeof p->error, "solver: %s", zp_ctx_errmsg(ctx));
        zp_ctx_clear_error(ctx);
        goto out;
    }
    if (info.status != ZP_LP_OPTIMAL) {
        snprintf(p->error, sizeof p->error, "solver: %s", info.status_text);
        goto out;
    }
    if (plan_alloc(p, h)) {
        snprintf(p->error, sizeof p->error, "out of memory");
        goto out;
    }
    p->step_h = in.step_h;
    p->forecast = "live";
    for (size_t i = 0; i < h; i++) {
        p->pv[i] = fc.pv_kw[i];
        p->wind[i] = fc.wind_kw[i];
        p->load[i] = fc.firm_kw[i];
    }
    take_flows(p, m, res);
    take_peak(p, pl, res, h);
    rc = 0;
out:
    zp_dispatch_result_free(ctx, res);
    zp_plan_free(ctx, pl);
    zp_forecast_out_release(ctx, &fc);
    free(pvh);
    free(windh);
    free(loadh);
    free(csky);
    free(tmp);
    free(cov);
    return rc;
}

/* Plan on the model's own data (no live history yet). 0 ok, -1 failed. */
static int plan_model(zs_server *S, const zp_model *m, int64_t at_model, const double *soc0,
                      double peak_so_far, plan_out *p)
{
    zp_plan_opts po;
    zp_plan_opts_init(&po);
    po.at = at_model;
    po.horizon_h = S->cfg.horizon_h;
    po.soc_initial = soc0;
    po.peak_so_far_kw = peak_so_far;
    po.wrap = 1; /* past the end of the model's year: its start again */
    zp_plan *pl = NULL;
    if (zp_plan_make(S->cctx, m, &po, &pl) != ZP_OK) {
        snprintf(p->error, sizeof p->error, "plan: %s", zp_ctx_errmsg(S->cctx));
        zp_ctx_clear_error(S->cctx);
        zp_ctx_diag_clear(S->cctx);
        return -1;
    }
    if (pl->lp.status != ZP_LP_OPTIMAL) {
        snprintf(p->error, sizeof p->error, "solver: %s", pl->lp.status_text);
        zp_plan_free(S->cctx, pl);
        return -1;
    }
    if (plan_alloc(p, pl->steps)) {
        zp_plan_free(S->cctx, pl);
        snprintf(p->error, sizeof p->error, "out of memory");
        return -1;
    }
    p->step_h = pl->step_h;
    p->forecast = "model";
    for (size_t i = 0; i < pl->steps; i++) {
        p->pv[i] = pl->pv_kw[i];
        p->wind[i] = pl->wind_kw[i];
        p->load[i] = pl->firm_kw[i] + pl->flex_kw[i];
    }
    take_flows(p, m, pl->flows);
    take_peak(p, pl, pl->flows, pl->steps);
    zp_plan_free(S->cctx, pl);
    return 0;
}

/* The safe action for storage i. */
double zs_control_safe_kw(const zs_server *S, const zp_model *m, size_t i, const zs_live *L)
{
    if (S->cfg.safe_hold)
        return 0;
    double load = (L->has_load ? L->load_kw : 0) +
                  (L->has_dc_facility ? L->dc_facility_kw
                                      : L->dc_it_kw * (m->datacenter.present ? m->datacenter.pue : 1));
    double net = load - (L->has_pv ? L->pv_kw : 0) - (L->has_wind ? L->wind_kw : 0);
    double total_p = 0;
    for (size_t s = 0; s < m->nstorage; s++)
        total_p += m->storage[s].power_kw;
    double kw = total_p > 0 ? net * m->storage[i].power_kw / total_p : 0; /* shared by power */
    if (kw > m->storage[i].power_kw)
        kw = m->storage[i].power_kw;
    if (kw < -m->storage[i].power_kw)
        kw = -m->storage[i].power_kw;
    double soc = i < L->nsoc ? L->soc[i] : NAN;
    if (isnan(soc) || (kw > 0 && soc <= m->storage[i].soc_min) || (kw < 0 && soc >= m->storage[i].soc_max))
        return 0;
    return kw;
}

/* The batteries' SOC over n steps from t0: per step the mean of the
 * readings of every point feeding a storage SOC (raw store); NaN where
 * none. */
static void soc_actuals(zs_server *S, int64_t t0, int64_t step, size_t n, double *out)
{
    char names[16][112];
    size_t k = zs_ingest_feed_names(S->ingest, ZS_FEED_STORAGE_SOC, names, 16);
    double *sum = calloc(n, sizeof *sum);
    unsigned *cnt = calloc(n, sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        out[i] = NAN;
    if (!S->craw && zp_store_open(S->cctx, S->cfg.raw_db, ZP_STORE_READONLY | ZP_STORE_LOWMEM, &S->craw) != ZP_OK) {
        zp_ctx_clear_error(S->cctx);
        S->craw = NULL;
    }
    for (size_t j = 0; S->craw && sum && cnt && j < k; j++) {
        zp_series *s = NULL;
        if (zp_store_read(S->craw, names[j], t0, t0 + (int64_t)n * step, &s) != ZP_OK) {
            zp_ctx_clear_error(S->cctx);
            continue;
        }
        for (size_t i = 0; i < s->len; i++) {
            int64_t ts = s->start + (int64_t)i * s->step_s;
            if (isnan(s->v[i]) || ts < t0 || ts >= t0 + (int64_t)n * step)
                continue;
            sum[(ts - t0) / step] += s->v[i];
            cnt[(ts - t0) / step]++;
        }
        zp_series_free(S->cctx, s);
    }
    for (size_t i = 0; sum && cnt && i < n; i++)
        if (cnt[i])
            out[i] = sum[i] / cnt[i];
    free(sum);
    free(cnt);
}

typedef struct sp_rec {
    char storage[48], device[48];
    double requested, applied;
    bool clamped, ok, written;
    char error[160];
} sp_rec;

static const char *device_of(const zs_devices *d, const char *storage)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->dev[i].storage[0] && strcmp(d->dev[i].storage, storage) == 0)
            return d->dev[i].name;
    return NULL;
}

static void write_one(zs_server *S, const zp_model *m, size_t i, double kw, sp_rec *r, bool *rejected)
{
    snprintf(r->storage, sizeof r->storage, "%s", m->storage[i].name);
    const char *dev = device_of(&S->devs, m->storage[i].name);
    snprintf(r->device, sizeof r->device, "%s", dev ? dev : "");
    r->requested = kw;
    r->applied = NAN;
    if (!dev) {
        r->ok = false;
        snprintf(r->error, sizeof r->error, "no device controls storage '%s'", m->storage[i].name);
        return;
    }
    if (S->dry_run) {
        r->ok = true;
        r->applied = kw;
        snprintf(r->error, sizeof r->error, "dry run: not written");
        return;
    }
    char err[160] = "";
    double applied = NAN;
    zp_status rc = S->poller ? zs_poller_write_setpoint(S->poller, m->storage[i].name, kw, &applied, err, sizeof err)
                             : ZP_ENOTFOUND;
    if (!S->poller)
        snprintf(err, sizeof err, "no Modbus poller runs");
    r->written = true;
    if (rc == ZP_OK) {
        r->ok = true;
        r->applied = applied;
        r->clamped = fabs(applied - kw) > 1e-6 * (1 + fabs(kw));
        atomic_fetch_add(&S->metrics.setpoint_writes, 1);
        if (r->clamped)
            atomic_fetch_add(&S->metrics.setpoint_clamped, 1);
        char qs[200], qd[200];
        zs_log(ZS_LOG_INFO, "event=setpoint storage=%s device=%s requested_kw=%.3f applied_kw=%.3f clamped=%d",
               zs_log_quote(r->storage, qs, sizeof qs), zs_log_quote(r->device, qd, sizeof qd), kw, applied,
               (int)r->clamped);
    } else {
        r->ok = false;
        snprintf(r->error, sizeof r->error, "%s", err[0] ? err : zp_strerror(rc));
        atomic_fetch_add(&S->metrics.setpoint_write_errors, 1);
        *rejected = true;
        char q[300];
        char qs[200], qd[200];
        zs_log(ZS_LOG_ERROR, "event=setpoint_failed storage=%s device=%s requested_kw=%.3f message=%s",
               zs_log_quote(r->storage, qs, sizeof qs), zs_log_quote(r->device, qd, sizeof qd), kw,
               zs_log_quote(r->error, q, sizeof q));
    }
}

void zs_control_run(zs_server *S)
{
    pthread_rwlock_rdlock(&S->model_lock);
    const zp_model *m = S->model;
    const int32_t off = m->utc_offset_min;
    const int64_t now_ms = zs_now_ms(), now = now_ms / 1000, step = (int64_t)m->step_min * 60;
    size_t ns = m->nstorage < MAX_STORAGE ? m->nstorage : MAX_STORAGE;
    zs_live L;
    zs_ingest_live(S->ingest, m, &L);
    double soc0[MAX_STORAGE];
    for (size_t i = 0; i < ns; i++) {
        double s = i < L.nsoc ? L.soc[i] : NAN;
        bool fresh = !isnan(s) && now_ms - L.soc_t_ms[i] <= (int64_t)S->cfg.stale_s * 1000;
        s = fresh ? s : m->storage[i].soc_initial;
        soc0[i] = s < m->storage[i].soc_min ? m->storage[i].soc_min
                  : s > m->storage[i].soc_max ? m->storage[i].soc_max : s;
    }
    bool stale = zs_live_stale(&L, now_ms, S->cfg.stale_s);
    int64_t at_model = model_time(m, zp_fdiv(now, step) * step);
    plan_out p;
    memset(&p, 0, sizeof p);
    if (!S->cpark &&
        zp_store_open(S->cctx, S->cfg.db, ZP_STORE_READONLY | ZP_STORE_LOWMEM, &S->cpark) != ZP_OK) {
        zp_ctx_clear_error(S->cctx);
        S->cpark = NULL;
    }
    zp_store *st = S->cpark;
    double peak_so_far = month_peak_so_far(st, S->cctx, m, now);
    int pr = ns < m->nstorage ? -1 : plan_live(S, m, st, now, at_model, soc0, peak_so_far, &p);
    if (ns < m->nstorage)
        snprintf(p.error, sizeof p.error, "more than %d batteries", MAX_STORAGE);
    if (pr == 1)
        pr = plan_model(S, m, at_model, soc0, peak_so_far, &p);
    atomic_fetch_add(&S->metrics.replans, 1);
    bool failed = pr != 0;
    if (failed)
        atomic_fetch_add(&S->metrics.replan_failures, 1);

    /* setpoints: the plan's first step, or the safe action */
    char reason[400] = "";
    if (failed)
        snprintf(reason, sizeof reason, "%s", p.error);
    else if (stale)
        snprintf(reason, sizeof reason, "data are stale (no fed reading for %d s)", S->cfg.stale_s);
    bool safe = reason[0] != '\0';
    sp_rec recs[MAX_STORAGE];
    memset(recs, 0, sizeof recs);
    bool rejected = false;
    for (size_t i = 0; i < ns; i++)
        write_one(S, m, i, safe ? zs_control_safe_kw(S, m, i, &L) : p.first_kw[i], &recs[i], &rejected);
    if (rejected && !safe) {
        /* a device refused: the safe action on every battery */
        snprintf(reason, sizeof reason, "a battery device refused its setpoint");
        safe = true;
        for (size_t i = 0; i < ns; i++) {
            bool again = false;
            if (recs[i].written)
                write_one(S, m, i, zs_control_safe_kw(S, m, i, &L), &recs[i], &again);
        }
    }
    if (!S->dry_run)
        atomic_store(&S->mode, safe ? ZS_MODE_SAFE : ZS_MODE_NORMAL);
    if (safe)
        zs_alert_raise("control.safe", ZS_ALERT_CRITICAL, "control", "safe mode (%s): %s", 
                       S->cfg.safe_hold ? "batteries hold at 0 kW" : "self-consumption rule", reason);
    else
        zs_alert_clear("control.safe");
    if (failed)
        zs_alert_raise("control.solver", ZS_ALERT_WARNING, "control", "planning failed: %s", p.error);
    else
        zs_alert_clear("control.solver");
    {
        char q[500];
        zs_log(safe ? ZS_LOG_WARN : ZS_LOG_INFO,
               "event=replan status=%s forecast=%s history_h=%.2f steps=%zu mode=%s reason=%s",
               failed ? "failed" : "ok", p.forecast ? p.forecast : "-", p.history_h, p.h,
               zs_mode_name((zs_mode)atomic_load(&S->mode)), zs_log_quote(reason[0] ? reason : "-", q, sizeof q));
    }

    /* the /plan document */
    char tb[ZP_TIME_BUFSIZE];
    json_t *steps = json_array();
    int64_t t0 = zp_fdiv(now, step) * step;
    for (size_t i = 0; !failed && i < p.h; i++)
        json_array_append_new(
            steps, json_pack("{ss sf sf sf sf so sf sf sf sf}", "t", zp_time_format(t0 + (int64_t)i * step, off, tb),
                             "pv_kw", p.pv[i], "wind_kw", p.wind[i], "load_kw", p.load[i], "battery_kw",
                             p.bat[i], "soc", zs_json_num(p.soc[i]), "grid_import_kw", p.imp[i],
                             "grid_export_kw", p.exp[i], "pv_forecast_kw", p.pv[i], "load_forecast_kw",
                             p.load[i]));
    json_t *sps = json_array();
    for (size_t i = 0; i < ns; i++)
        json_array_append_new(
            sps, json_pack("{ss so sf so sb sb so}", "storage", recs[i].storage, "device",
                           recs[i].device[0] ? json_string(recs[i].device) : json_null(), "requested_kw",
                           recs[i].requested, "applied_kw", zs_json_num(recs[i].applied), "clamped",
                           recs[i].clamped, "ok", recs[i].ok, "error",
                           recs[i].error[0] ? json_string(recs[i].error) : json_null()));
    /* actuals: the last 24 h of the meters at the model's step */
    json_t *act = json_array();
    size_t na = (size_t)(86400 / step);
    double *apv = calloc(na, sizeof *apv), *aload = calloc(na, sizeof *aload), *agrid = calloc(na, sizeof *agrid);
    double *asoc = calloc(na, sizeof *asoc);
    if (st && apv && aload && agrid && asoc) {
        static const char *const pvp[] = {"pv."}, *const gp[] = {"grid_import", "grid_export"};
        static const char *const lp[] = {"load.", "dc_facility"};
        static const char *const bal[] = {"grid_import", "grid_export", "pv.", "wind.", "storage_discharge.",
                                          "storage_charge."};
        static const int plus[] = {1, 1}, pm[] = {1, -1}, bals[] = {1, -1, 1, 1, 1, -1};
        int64_t a0 = t0 - (int64_t)na * step;
        meters_sum(st, S->cctx, pvp, plus, 1, a0, step, na, apv, NULL);
        soc_actuals(S, a0, step, na, asoc);
        meters_sum(st, S->cctx, gp, pm, 2, a0, step, na, agrid, NULL);
        if (!meters_sum(st, S->cctx, lp, plus, 2, a0, step, na, aload, NULL))
            meters_sum(st, S->cctx, bal, bals, 6, a0, step, na, aload, NULL);
        for (size_t i = 0; i < na; i++)
            if (!isnan(apv[i]) || !isnan(aload[i]) || !isnan(agrid[i]))
                json_array_append_new(act, json_pack("{ss so so so so}", "t",
                                                     zp_time_format(a0 + (int64_t)i * step, off, tb), "pv_kw",
                                                     zs_json_num(apv[i]), "load_kw", zs_json_num(aload[i]),
                                                     "grid_kw", zs_json_num(agrid[i]), "soc", zs_json_num(asoc[i])));
    }
    free(asoc);
    free(apv);
    free(aload);
    free(agrid);
    json_t *doc = json_pack("{ss ss so ss ss so sf si ss si so so so so}", "created", zs_time_fmt(now_ms, off, tb),
                            "status", failed ? "failed" : "ok", "error",
                            failed ? json_string(p.error) : json_null(), "method", "lp", "forecast",
                            p.forecast ? p.forecast : "none", "forecast_reason",
                            p.forecast && p.forecast_reason[0] ? json_string(p.forecast_reason) : json_null(),
                            "forecast_history_h", p.history_h, "forecast_needed_h", LIVE_MIN_H, "mode",
                            zs_mode_name((zs_mode)atomic_load(&S->mode)), "step_min", (int)m->step_min,
                            "safe_reason", reason[0] ? json_string(reason) : json_null(), "steps", steps,
                            "setpoints", sps, "actuals", act);
    if (doc && !failed && p.demand_charge > 0) {
        /* the month's peak so far and as planned, and their charge */
        int64_t y;
        unsigned mo, d;
        char month[16];
        zp_civil_from_days(zp_fdiv(now + (int64_t)off * 60, 86400), &y, &mo, &d);
        snprintf(month, sizeof month, "%04lld-%02u", (long long)y, mo);
        json_object_set_new(doc, "demand_charge",
                            json_pack("{sf ss sf sf sf}", "cny_per_kw_month", p.demand_charge, "month", month,
                                      "month_peak_so_far_kw", p.peak_so_far_kw, "month_planned_peak_kw",
                                      p.planned_peak_kw, "month_charge_cny", p.demand_charge * p.planned_peak_kw));
    }
    pthread_rwlock_unlock(&S->model_lock);
    plan_out_free(&p);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    json_decref(doc);
    if (text) {
        zs_doc_set(&S->doc_lock, &S->plan_doc, zs_doc_new(text, strlen(text)));
        free(text);
    }
}

const char *zs_mode_name(zs_mode m)
{
    return m == ZS_MODE_SAFE ? "safe" : m == ZS_MODE_DRY_RUN ? "dry-run" : "normal";
}

/* The control loop runs in a thread of its own, so a long solve never
 * holds up /status; one run at a time. */
static pthread_t control_thread;
static atomic_bool control_running;
static bool control_started;

static void *control_main(void *ud)
{
    zs_control_run(ud);
    atomic_store(&control_running, false);
    return NULL;
}

void zs_control_join(void)
{
    if (control_started) {
        pthread_join(control_thread, NULL);
        control_started = false;
    }
}

void zs_control_start(zs_server *S)
{
    if (atomic_load(&control_running))
        return; /* the previous run is still solving */
    zs_control_join();
    atomic_store(&control_running, true);
    if (pthread_create(&control_thread, NULL, control_main, S) != 0) {
        atomic_store(&control_running, false);
        zs_log(ZS_LOG_ERROR, "event=control_thread_failed");
        return;
    }
    control_started = true;
}
