/*
 * account_input.c - a simulation run as the accounting engine's input
 * (zp_acct_from_sim, zp_acct_from_sim_summary in include/zeropark/sim.h):
 * the run's flows, consumption and data center per step, or as one step
 * of mean power; its assets as meters; the model's fuels, certificates,
 * refrigerants, contracts and water.
 */
#include "carbon/carbon_impl.h"
#include "core/internal.h"
#include "zeropark/carbon.h"
#include "zeropark/series.h"
#include "zeropark/sim.h"

#include <math.h>
#include <string.h>

static const double *sim_column(const zp_sim_result *r, const char *name)
{
    size_t nc = zp_sim_column_count(r);
    for (size_t c = 1; c < nc; c++)
        if (strcmp(zp_sim_column_name(r, c), name) == 0)
            return zp_sim_column(r, c);
    return NULL;
}

/* Append a meter ROLE[.ASSET]_kw reading v to in (its meters hold room). */
static zp_status sim_meter(zp_ctx *ctx, zp_acct_input *in, zp_acct_role role, const char *asset,
                           const double *v)
{
    zp__acct_owned *o = in->owned_;
    zp_acct_meter *mt = &o->meters[in->nmeters];
    const char *rn = zp_acct_role_name(role);
    char *name = asset ? zp__asprintf(ctx, "%s.%s_kw", rn, asset) : zp__asprintf(ctx, "%s_kw", rn);
    mt->name = name ? zp__acct_input_string(ctx, in, name) : NULL;
    zp__free(ctx, name);
    if (!mt->name || !(mt->asset = asset ? zp__acct_input_string(ctx, in, asset) : rn))
        return zp__nomem(ctx);
    mt->role = role;
    mt->v = v;
    in->nmeters++;
    return ZP_OK;
}

/* The simulation's assets as meters (docs/methodology.md "Per-asset
 * breakdown of a simulation"), for --by asset: grid import and export; each
 * PV array and wind farm with its share of the generation used (curtailment
 * shared in proportion to the power available); each battery's charge and
 * discharge; the consumption split among the loads and the data center's
 * facility in proportion to their demand at the step (where none has
 * demand, as their demand over the run), so that the consumption meters
 * add up to the consumption, as metered ones do. cons and facility are the
 * run's consumption and the facility demand (NULL without a data center). */
static zp_status sim_meters(zp_ctx *ctx, zp_acct_input *in, const zp_sim_result *r,
                            const double *cons, const double *facility)
{
    zp__acct_owned *o = in->owned_;
    const zp_model *m = r->model;
    const zp_dispatch_result *f = r->flows;
    const size_t n = r->steps;
    const size_t nd = m->nloads + (facility != NULL); /* consumption assets */
    size_t cap = 2 + m->npv + m->nwind + 2 * m->nstorage + nd;
    if (!(o->meters = zp__calloc(ctx, cap, sizeof *o->meters)))
        return zp__nomem(ctx);
    o->capmeters = cap;
    in->meters = o->meters;
    zp_status rc;
    if ((rc = sim_meter(ctx, in, ZP_ROLE_GRID_IMPORT, NULL, f->grid_import_kw)))
        return rc;
    if ((rc = sim_meter(ctx, in, ZP_ROLE_GRID_EXPORT, NULL, f->grid_export_kw)))
        return rc;
    for (int kind = 0; kind < 2; kind++) {
        size_t na = kind ? m->nwind : m->npv;
        const double *avail = kind ? r->wind_kw : r->pv_kw;
        const double *used = kind ? f->wind_used_kw : f->pv_used_kw;
        for (size_t i = 0; i < na; i++) {
            const double *a = kind ? r->wind_farm_kw[i] : r->pv_array_kw[i];
            double *v = zp__acct_input_array(ctx, in, n);
            if (!v)
                return zp__nomem(ctx);
            for (size_t t = 0; t < n; t++)
                v[t] = avail[t] > 0 ? used[t] * (a[t] / avail[t]) : 0;
            if ((rc = sim_meter(ctx, in, kind ? ZP_ROLE_WIND : ZP_ROLE_PV,
                                kind ? m->wind[i].name : m->pv[i].name, v)))
                return rc;
        }
    }
    for (size_t s = 0; s < m->nstorage; s++) {
        if ((rc = sim_meter(ctx, in, ZP_ROLE_STORAGE_CHARGE, m->storage[s].name,
                            f->storage[s].charge_kw)) ||
            (rc = sim_meter(ctx, in, ZP_ROLE_STORAGE_DISCHARGE, m->storage[s].name,
                            f->storage[s].discharge_kw)))
            return rc;
    }
    if (nd) {
        double *total = zp__calloc(ctx, nd, sizeof *total), all = 0;
        double **v = zp__calloc(ctx, nd, sizeof *v);
        if (!total || !v) {
            zp__free(ctx, total);
            zp__free(ctx, v);
            return zp__nomem(ctx);
        }
        for (size_t i = 0; i < nd; i++) {
            const double *d = i < m->nloads ? r->load_kw[i] : facility;
            for (size_t t = 0; t < n; t++)
                total[i] += d[t];
            all += total[i];
        }
        for (size_t i = 0; i < nd && (v[i] = zp__acct_input_array(ctx, in, n)); i++)
            ;
        for (size_t t = 0; v[nd - 1] && t < n; t++) {
            double sum = 0;
            for (size_t i = 0; i < nd; i++)
                sum += i < m->nloads ? r->load_kw[i][t] : facility[t];
            for (size_t i = 0; i < nd; i++) {
                double d = i < m->nloads ? r->load_kw[i][t] : facility[t];
                v[i][t] = sum > 0   ? cons[t] * (d / sum)
                          : all > 0 ? cons[t] * (total[i] / all)
                                    : cons[t] / (double)nd;
            }
        }
        zp__free(ctx, total);
        rc = ZP_OK;
        for (size_t i = 0; i < nd && !rc; i++)
            rc = !v[i]           ? zp__nomem(ctx)
                 : i < m->nloads ? sim_meter(ctx, in, ZP_ROLE_LOAD, m->loads[i].name, v[i])
                                 : sim_meter(ctx, in, ZP_ROLE_DC_FACILITY, NULL, v[i]);
        zp__free(ctx, v);
        if (rc)
            return rc;
    }
    return ZP_OK;
}

/* The run's green-power contract (grid.green_power, docs/methodology.md
 * "Green power"): the green energy the bill says it delivered is a bundled
 * contract for the market-based method, and an hourly profile's delivery
 * is carbon-free hour by hour. */
static void green_power(zp_acct_input *in, const zp_sim_result *r)
{
    if (!r->bill)
        return;
    in->green_contracts_mwh += r->bill->green_mwh;
    in->green_power_kw = r->bill->green_kw;
}

zp_status zp_acct_from_sim(zp_ctx *ctx, const zp_sim_result *r, zp_acct_input **out)
{
    zp_acct_input *in = NULL;
    zp_status rc;
    if (!ctx || !r || !out || !r->flows || !r->model)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_acct_from_sim: NULL argument") : ZP_EINVAL;
    *out = NULL;
    if ((rc = zp__acct_input_new(ctx, &in)))
        return rc;
    zp__acct_owned *o = in->owned_;
    const zp_model *m = r->model;
    const zp_dispatch_result *f = r->flows;
    const size_t n = r->steps;
    in->source = "simulation";
    in->start = r->start;
    in->step_s = r->step_s;
    in->steps = n;
    in->grid_import_kw = f->grid_import_kw;
    in->grid_export_kw = f->grid_export_kw;
    in->pv_kw = f->pv_used_kw;
    in->wind_kw = f->wind_used_kw;
    in->dc_it_kw = r->dc_it_kw;
    in->grid_factor_kg_per_kwh = r->grid_factor_kg_per_kwh;
    /* Computed columns share one buffer in r: copy them. */
    static const char *const copy[] = {"consumption_kw", "datacenter.facility_kw"};
    double *dst[2] = {NULL, NULL};
    for (size_t k = 0; k < 2; k++) {
        const double *src = sim_column(r, copy[k]);
        if (!src)
            continue;
        if (!(dst[k] = zp__acct_input_array(ctx, in, n))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        memcpy(dst[k], src, n * sizeof(double));
    }
    if (!dst[0]) {
        rc = zp__error(ctx, ZP_EINVAL, "simulation result has no consumption_kw column");
        goto out;
    }
    in->consumption_kw = dst[0];
    in->dc_facility_kw = r->dc_it_kw ? dst[1] : NULL;
    if (m->nstorage) {
        if (!(o->storage = zp__calloc(ctx, m->nstorage, sizeof *o->storage))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        for (size_t s = 0; s < m->nstorage; s++)
            o->storage[s] = (zp_acct_storage){m->storage[s].name, f->storage[s].charge_kw,
                                              f->storage[s].discharge_kw,
                                              m->storage[s].charge_efficiency,
                                              m->storage[s].discharge_efficiency,
                                              f->storage[s].soc_start * m->storage[s].energy_kwh};
        in->storage = o->storage;
        in->nstorage = m->nstorage;
    }
    if ((rc = sim_meters(ctx, in, r, in->consumption_kw, in->dc_facility_kw)))
        goto out;
    double frac = (double)(n * (size_t)r->step_s) / (double)(m->end - m->start);
    if ((rc = zp__acct_input_from_model(ctx, in, m, frac)))
        goto out;
    green_power(in, r);
    /* Water: the model's series over the run window. */
    const zp_value *wv = &m->accounting.water_l;
    if (wv->is_series && wv->series) {
        zp_series *al = NULL;
        if ((rc = zp_series_align(ctx, wv->series, r->start, r->step_s, n, &al)))
            goto out;
        double *wa = zp__acct_input_array(ctx, in, n);
        if (wa)
            memcpy(wa, al->v, n * sizeof(double));
        zp_series_free(ctx, al);
        if (!wa) {
            rc = zp__nomem(ctx);
            goto out;
        }
        in->water_l = wa;
    } else if (!wv->is_series && isfinite(wv->constant)) {
        double *wa = zp__acct_input_array(ctx, in, n);
        if (!wa) {
            rc = zp__nomem(ctx);
            goto out;
        }
        /* a constant is litres per model step */
        double per_step = wv->constant * (double)r->step_s / (double)(m->step_min * 60);
        for (size_t t = 0; t < n; t++)
            wa[t] = per_step;
        in->water_l = wa;
    }
    *out = in;
    in = NULL;
out:
    zp_acct_input_free(ctx, in);
    return rc;
}

zp_status zp_acct_from_sim_summary(zp_ctx *ctx, const zp_sim_result *r, zp_acct_input **out)
{
    zp_acct_input *in = NULL;
    zp_status rc;
    if (!ctx || !r || !out || !r->flows || !r->model)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_acct_from_sim_summary: NULL argument")
                   : ZP_EINVAL;
    *out = NULL;
    const zp_model *m = r->model;
    const zp_dispatch_result *f = r->flows;
    const size_t n = r->steps;
    if ((double)n * r->step_s > 2147483647.0)
        return zp__error(ctx, ZP_ERANGE, "zp_acct_from_sim_summary: run longer than 68 years");
    if ((rc = zp__acct_input_new(ctx, &in)))
        return rc;
    zp__acct_owned *o = in->owned_;
    in->source = "simulation";
    in->start = r->start;
    in->step_s = (int32_t)(n * (size_t)r->step_s);
    in->steps = 1;
    /* One step of mean power over the run: every total is exact. */
    const double *cons = sim_column(r, "consumption_kw");
    if (!cons) {
        rc = zp__error(ctx, ZP_EINVAL, "simulation result has no consumption_kw column");
        goto out;
    }
    double v[7] = {0}, kg = 0, dn = (double)n;
    for (size_t t = 0; t < n; t++) {
        v[0] += f->grid_import_kw[t];
        v[1] += f->grid_export_kw[t];
        v[2] += f->pv_used_kw[t];
        v[3] += f->wind_used_kw[t];
        v[4] += cons[t];
        if (r->dc_it_kw)
            v[5] += r->dc_it_kw[t];
        if (r->grid_factor_kg_per_kwh)
            kg += f->grid_import_kw[t] * r->grid_factor_kg_per_kwh[t];
    }
    const double *fac = r->dc_it_kw ? sim_column(r, "datacenter.facility_kw") : NULL;
    for (size_t t = 0; fac && t < n; t++)
        v[6] += fac[t];
    double *a[8];
    for (size_t k = 0; k < 8; k++)
        if (!(a[k] = zp__acct_input_array(ctx, in, 1))) {
            rc = zp__nomem(ctx);
            goto out;
        }
    for (size_t k = 0; k < 7; k++)
        a[k][0] = v[k] / dn;
    in->grid_import_kw = a[0];
    in->grid_export_kw = a[1];
    in->pv_kw = a[2];
    in->wind_kw = a[3];
    in->consumption_kw = a[4];
    in->dc_it_kw = r->dc_it_kw ? a[5] : NULL;
    in->dc_facility_kw = r->dc_it_kw ? a[6] : NULL;
    if (r->grid_factor_kg_per_kwh) {
        /* the import-weighted factor keeps location-based Scope 2 exact */
        double mean = 0;
        for (size_t t = 0; t < n; t++)
            mean += r->grid_factor_kg_per_kwh[t] / dn;
        a[7][0] = v[0] > 0 ? kg / v[0] : mean;
        in->grid_factor_kg_per_kwh = a[7];
    }
    if (m->nstorage) {
        if (!(o->storage = zp__calloc(ctx, m->nstorage, sizeof *o->storage))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        for (size_t s = 0; s < m->nstorage; s++) {
            double *ch = zp__acct_input_array(ctx, in, 1), *dis = zp__acct_input_array(ctx, in, 1);
            if (!ch || !dis) {
                rc = zp__nomem(ctx);
                goto out;
            }
            ch[0] = f->storage[s].charge_kwh / (dn * r->step_h);
            dis[0] = f->storage[s].discharge_kwh / (dn * r->step_h);
            o->storage[s] = (zp_acct_storage){m->storage[s].name, ch, dis,
                                              m->storage[s].charge_efficiency,
                                              m->storage[s].discharge_efficiency,
                                              f->storage[s].soc_start * m->storage[s].energy_kwh};
        }
        in->storage = o->storage;
        in->nstorage = m->nstorage;
    }
    double frac = (double)(n * (size_t)r->step_s) / (double)(m->end - m->start);
    if ((rc = zp__acct_input_from_model(ctx, in, m, frac)))
        goto out;
    /* the summary's one step has no hours to match a profile in */
    in->green_contracts_mwh += r->bill ? r->bill->green_mwh : 0;
    *out = in;
    in = NULL;
out:
    zp_acct_input_free(ctx, in);
    return rc;
}
