/*
 * plan.c - one plan: what the live controller runs every few minutes
 * (zp_plan_make, zp_plan_json in include/zeropark/sim.h). The model's
 * inputs prepared as for a simulation (sim_impl.h), forecasts from what is
 * known before the plan's first step, and the dispatch LP over the horizon.
 */
#include "core/internal.h"
#include "sim/sim_impl.h"
#include "zeropark/forecast.h"
#include "zeropark/sim.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* ---- one plan (the live controller's problem) --------------------------- */

void zp_plan_opts_init(zp_plan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->horizon_h = 24;
}

void zp_plan_free(zp_ctx *ctx, zp_plan *pl)
{
    if (!pl)
        return;
    zp__free(ctx, pl->pv_kw); /* the block of the plan's arrays (plan_new) */
    zp__free(ctx, pl->month_fraction); /* the block of its months (plan_months) */
    zp_dispatch_result_free(ctx, pl->flows);
    zp__free(ctx, pl);
}

/* A new plan of h steps whose per-step arrays share one zeroed block,
 * which pv_kw points at; NULL when out of memory. */
static zp_plan *plan_new(zp_ctx *ctx, size_t h)
{
    zp_plan *pl = zp__calloc(ctx, 1, sizeof *pl);
    if (!pl)
        return NULL;
    double **arrays[] = {&pl->pv_kw, &pl->wind_kw, &pl->firm_kw, &pl->flex_kw,
                         &pl->price_cny_per_kwh, &pl->grid_factor_kg_per_kwh};
    double *block = zp__calloc(ctx, ZP_ARRAY_LEN(arrays) * (h ? h : 1), sizeof *block);
    if (!block) {
        zp__free(ctx, pl);
        return NULL;
    }
    for (size_t k = 0; k < ZP_ARRAY_LEN(arrays); k++)
        *arrays[k] = block + k * h;
    return pl;
}

/* The run's calendar month of step t (zeropark/dispatch.h). */
static size_t month_at(const zp_dispatch_input *in, size_t t)
{
    return in->month_of_step ? in->month_of_step[t] : 0;
}

/* The plan's calendar months (zp_plan): from the run's month of each of
 * its steps k .. k + h - 1 (wrapping at n), renumbered from 0 at each
 * change, each with the run's share of its month's charge, in one block
 * that month_of_step points at. */
static zp_status plan_months(zp_ctx *ctx, zp_plan *pl, const zp_dispatch_input *in, size_t k,
                             size_t h, size_t n, double peak_so_far_kw)
{
    size_t nm = 1;
    for (size_t i = 1; i < h; i++)
        nm += month_at(in, (k + i) % n) != month_at(in, (k + i - 1) % n);
    /* h months at most: the doubles first, then the month of each step */
    double *block = zp__calloc(ctx, 2 * nm * sizeof(double) + h * sizeof(uint16_t), 1);
    if (!block)
        return zp__nomem(ctx);
    pl->month_fraction = block; /* the block's start (zp_plan_free) */
    pl->peak_so_far_kw = block + nm;
    pl->month_of_step = (uint16_t *)(block + 2 * nm);
    pl->nmonths = nm;
    for (size_t i = 0, mo = 0; i < h; i++) {
        size_t run_mo = month_at(in, (k + i) % n);
        if (i > 0 && run_mo != month_at(in, (k + i - 1) % n))
            mo++;
        pl->month_of_step[i] = (uint16_t)mo;
        pl->month_fraction[mo] = in->month_fraction ? in->month_fraction[run_mo] : 1.0;
    }
    pl->peak_so_far_kw[0] = peak_so_far_kw > 0 ? peak_so_far_kw : 0.0;
    pl->demand_charge_cny_per_kw_month = in->demand_charge_cny_per_kw_month;
    return ZP_OK;
}

/* A copy of the n values of a, repeated to ne values (a[i % n]), in *out
 * (NULL for a NULL a); owned by the caller. */
static zp_status wrap_copy(zp_ctx *ctx, const double *a, size_t n, size_t ne, double **out)
{
    *out = NULL;
    if (!a)
        return ZP_OK;
    if (!(*out = zp__calloc(ctx, ne ? ne : 1, sizeof **out)))
        return zp__nomem(ctx);
    for (size_t i = 0; i < ne; i++)
        (*out)[i] = a[i % n];
    return ZP_OK;
}

zp_status zp_plan_make(zp_ctx *ctx, const zp_model *m, const zp_plan_opts *o, zp_plan **out)
{
    zp_status rc = ZP_OK;
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.step_min = o->step_min;
    zp_dispatch_flex *flex = NULL, *wflex = NULL;
    zp_forecast_out fc;
    zp_forecast_out_init(&fc);
    const double **base = NULL;
    double *xprice = NULL;
    /* with opts.wrap, the inputs repeated past the end of the period */
    double *w_pv = NULL, *w_wind = NULL, *w_firm = NULL, *w_csky = NULL, *w_res = NULL;
    double **w_flex = NULL;
    size_t nw_flex = 0;
    zp_plan *pl = NULL;
    sim_priv *p = zp__sim_priv_new(ctx, m);
    if (!p)
        return ZP_ENOMEM;
    zp_sim_result *r = &p->pub;
    zp_dispatch_input in;
    p->want_clearsky = 1;
    if ((rc = zp__sim_prepare(p, m, &so, o->weather, &in, &flex)))
        goto out;
    const size_t n = r->steps;
    char a[ZP_TIME_BUFSIZE];
    if (o->at < r->start || o->at >= r->start + (zp_time_t)n * r->step_s ||
        (o->at - r->start) % r->step_s != 0) {
        rc = zp__error(ctx, ZP_ERANGE, "plan: --at %s must be a step of the model period (every %d min)",
                       zp_time_format(o->at, m->utc_offset_min, a), (int)(r->step_s / 60));
        goto out;
    }
    size_t k = (size_t)((o->at - r->start) / r->step_s);
    size_t h = (size_t)llround((o->horizon_h > 0 ? o->horizon_h : 24.0) / r->step_h);
    if (h < 1)
        h = 1;
    if (k + h > n && (!o->wrap || h > n))
        h = o->wrap ? n : n - k;
    /* the forecasts' inputs: the period, or it repeated to k + h steps */
    const size_t ne = k + h > n ? k + h : n;
    /* Forecasts from what was known before --at. */
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    if (o->forecast)
        fo = *o->forecast;
    base = zp__calloc(ctx, in.nflex + 1, sizeof *base);
    wflex = zp__calloc(ctx, in.nflex + 1, sizeof *wflex);
    if (!base || !wflex) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t j = 0; j < in.nflex; j++)
        base[j] = in.flex[j].kw;
    /* clear-sky PV for the PV forecast (zp__sim_prepare) */
    const double *csky = p->clearsky_pv_kw;
    /* A park without PV (or wind) forecasts zero for it: NULL, whatever
     * the method (in.pv_kw then holds zeros that no method can scale). */
    zp_forecast_inputs fin = {n, r->step_s, m->npv ? in.pv_kw : NULL, csky,
                              m->nwind ? in.wind_kw : NULL, in.firm_kw, base, in.nflex};
    if (ne > n) {
        /* The horizon passes the end of the period: the model's year goes
         * on from its start (weather, loads, prices and factors of the same
         * day of the model year), as the daemon maps any date to it. */
        if (!(w_flex = zp__calloc(ctx, in.nflex + 1, sizeof *w_flex))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        nw_flex = in.nflex;
        if ((rc = wrap_copy(ctx, fin.pv_kw, n, ne, &w_pv)) || (rc = wrap_copy(ctx, fin.wind_kw, n, ne, &w_wind)) ||
            (rc = wrap_copy(ctx, fin.firm_kw, n, ne, &w_firm)) || (rc = wrap_copy(ctx, csky, n, ne, &w_csky)) ||
            (rc = wrap_copy(ctx, p->reserve_kwh, n, ne, &w_res)))
            goto out;
        for (size_t j = 0; j < in.nflex; j++)
            if ((rc = wrap_copy(ctx, base[j], n, ne, &w_flex[j])))
                goto out;
        fin = (zp_forecast_inputs){ne, r->step_s, w_pv, w_csky, w_wind, w_firm, (const double **)w_flex,
                                   in.nflex};
    }
    if ((rc = zp_forecast_make(ctx, &fin, &fo, k, h, &fc)))
        goto out;
    for (size_t j = 0; j < in.nflex; j++) {
        wflex[j] = in.flex[j];
        wflex[j].kw = fc.flex_kw[j];
    }
    if (!(pl = plan_new(ctx, h)) || !(xprice = zp__calloc(ctx, h, sizeof(double)))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t i = 0; i < h; i++) {
        size_t ki = (k + i) % n; /* wraps only with opts.wrap */
        double ip = AT(r->price_cny_per_kwh, m->grid.price_cny_per_kwh, ki);
        double xp = AT(r->export_price_cny_per_kwh, m->grid.export_price_cny_per_kwh, ki);
        pl->price_cny_per_kwh[i] = ip;
        xprice[i] = xp;
        pl->grid_factor_kg_per_kwh[i] =
            GRID_EF(r, ki);
        pl->pv_kw[i] = fc.pv_kw[i];
        pl->wind_kw[i] = fc.wind_kw[i];
        pl->firm_kw[i] = fc.firm_kw[i];
        for (size_t j = 0; j < in.nflex; j++)
            pl->flex_kw[i] += in.flex[j].share > 0 ? in.flex[j].share * fc.flex_kw[j][i]
                                                   : fc.flex_kw[j][i];
    }
    zp__sim_cap_export_prices(pl->price_cny_per_kwh, xprice, h, xprice);
    if (h > UINT16_MAX) {
        rc = zp__error(ctx, ZP_ETOOBIG, "plan: a horizon of %zu steps is too long", h);
        goto out;
    }
    if ((rc = plan_months(ctx, pl, &in, k, h, n, o->peak_so_far_kw)))
        goto out;
    zp_dispatch_input win = in;
    win.steps = h;
    win.pv_kw = pl->pv_kw;
    win.wind_kw = pl->wind_kw;
    win.firm_kw = pl->firm_kw;
    win.flex = wflex;
    win.soc_initial = o->soc_initial;
    win.import_price_cny_per_kwh = pl->price_cny_per_kwh;
    win.export_price_cny_per_kwh = xprice;
    win.grid_factor_kg_per_kwh = pl->grid_factor_kg_per_kwh;
    win.grid_down = NULL;
    win.month_of_step = pl->month_of_step;
    win.nmonths = pl->nmonths;
    win.month_fraction = pl->month_fraction;
    win.peak_so_far_kw = pl->peak_so_far_kw;
    zp_lp_opts lo;
    zp_lp_opts_init(&lo);
    lo.reserve_kwh = w_res ? w_res + k : p->reserve_kwh ? p->reserve_kwh + k : NULL;
    lo.mps_path = o->mps_path;
    if ((rc = zp_dispatch_optimal(ctx, &win, &lo, &pl->flows, &pl->lp)))
        goto out;
    pl->model = m;
    pl->start = o->at;
    pl->step_s = r->step_s;
    pl->step_h = r->step_h;
    pl->steps = h;
    pl->csi = fc.csi;
    *out = pl;
    pl = NULL;
out:
    zp_plan_free(ctx, pl);
    zp_forecast_out_release(ctx, &fc);
    zp__free(ctx, base);
    zp__free(ctx, wflex);
    zp__free(ctx, flex);
    zp__free(ctx, xprice);
    zp__free(ctx, w_pv);
    zp__free(ctx, w_wind);
    zp__free(ctx, w_firm);
    zp__free(ctx, w_csky);
    zp__free(ctx, w_res);
    for (size_t j = 0; w_flex && j < nw_flex; j++)
        zp__free(ctx, w_flex[j]);
    zp__free(ctx, w_flex);
    zp_sim_result_free(ctx, r);
    return rc;
}

zp_status zp_plan_json(zp_ctx *ctx, const zp_plan *pl, int indent, char **out)
{
    const zp_model *m = pl->model;
    const zp_dispatch_result *f = pl->flows;
    char tb[ZP_TIME_BUFSIZE];
    json_t *doc = json_object(), *steps = json_array();
    if (!doc || !steps) {
        json_decref(doc);
        json_decref(steps);
        return zp__nomem(ctx);
    }
    json_object_set_new(doc, "model", json_string(m->name));
    json_object_set_new(doc, "at", json_string(zp_time_format(pl->start, m->utc_offset_min, tb)));
    json_object_set_new(doc, "step_min", json_integer(pl->step_s / 60));
    json_object_set_new(doc, "steps_count", json_integer((json_int_t)pl->steps));
    json_object_set_new(doc, "method", json_string(f->method));
    json_object_set_new(doc, "solver",
                        json_pack("{s:s, s:o, s:o, s:I, s:I, s:I, s:i, s:o, s:b}", "status",
                                  pl->lp.status_text, "objective", num(pl->lp.objective),
                                  "objective_economic", num(pl->lp.objective_economic), "rows",
                                  (json_int_t)pl->lp.rows, "cols", (json_int_t)pl->lp.cols, "nnz",
                                  (json_int_t)pl->lp.nnz, "iterations", pl->lp.iterations,
                                  "seconds", num(pl->lp.build_s + pl->lp.solve_s), "fell_back",
                                  pl->lp.fell_back));
    if (pl->demand_charge_cny_per_kw_month > 0) {
        /* the month the plan starts in: its peak so far and as planned */
        double planned = pl->peak_so_far_kw[0];
        for (size_t i = 0; i < pl->steps && pl->month_of_step[i] == 0; i++)
            planned = fmax(planned, f->grid_import_kw[i]);
        json_object_set_new(doc, "demand_charge",
                            json_pack("{s:o, s:o, s:o}", "cny_per_kw_month",
                                      num(pl->demand_charge_cny_per_kw_month),
                                      "month_peak_so_far_kw", num(pl->peak_so_far_kw[0]),
                                      "month_planned_peak_kw", num(planned)));
    }
    for (size_t i = 0; i < pl->steps; i++) {
        json_t *st = json_object();
        json_object_set_new(st, "time", json_string(zp_time_format(pl->start + (zp_time_t)i * pl->step_s,
                                                                   m->utc_offset_min, tb)));
        json_object_set_new(st, "forecast",
                            json_pack("{s:o, s:o, s:o, s:o}", "pv_kw", num(pl->pv_kw[i]), "wind_kw",
                                      num(pl->wind_kw[i]), "firm_kw", num(pl->firm_kw[i]),
                                      "flexible_kw", num(pl->flex_kw[i])));
        json_object_set_new(st, "pv_used_kw", num(f->pv_used_kw[i]));
        json_object_set_new(st, "wind_used_kw", num(f->wind_used_kw[i]));
        json_object_set_new(st, "curtailed_kw", num(f->curtailed_kw[i]));
        json_object_set_new(st, "grid_import_kw", num(f->grid_import_kw[i]));
        json_object_set_new(st, "grid_export_kw", num(f->grid_export_kw[i]));
        json_object_set_new(st, "flexible_served_kw", num(f->flex_served_kw[i]));
        json_object_set_new(st, "unserved_kw", num(f->unserved_kw[i]));
        json_t *bats = json_array();
        for (size_t s = 0; s < f->nstorage; s++)
            json_array_append_new(bats, json_pack("{s:s, s:o, s:o}", "name", m->storage[s].name,
                                                  "setpoint_kw",
                                                  num(f->storage[s].discharge_kw[i] -
                                                      f->storage[s].charge_kw[i]),
                                                  "soc", num(f->storage[s].soc[i])));
        json_object_set_new(st, "storage", bats);
        json_array_append_new(steps, st);
    }
    json_object_set_new(doc, "steps", steps);
    char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12) |
                                     (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT));
    json_decref(doc);
    if (!text)
        return zp__nomem(ctx);
    *out = zp__strdup(ctx, text);
    free(text);
    return *out ? ZP_OK : zp__nomem(ctx);
}
