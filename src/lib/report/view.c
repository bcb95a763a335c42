/*
 * view.c - the report's view of the data, one shape for both sources: the
 * accounting result (carbon.h) when the caller has one, else the same
 * totals (zp_acct_totals per month and per day) built from the simulation
 * alone, so every chart and table is written by one code path; and the
 * hourly carbon-free share of the heat map.
 */
#include "report/report_impl.h"

#include <math.h>
#include <string.h>

/* Find a per-step column of the simulation by name; NULL when absent. The
 * pointer of a derived column lives until the next zp_sim_column call. */
static const double *sim_col(const zp_sim_result *r, const char *name)
{
    size_t n = zp_sim_column_count(r);
    for (size_t i = 1; i < n; i++)
        if (strcmp(zp_sim_column_name(r, i), name) == 0)
            return zp_sim_column(r, i);
    return NULL;
}

/* Build months and days from the simulation (no accounting result). Scope 1
 * is spread evenly over time, as the simulation prorates fuels; market-
 * based Scope 2 follows location-based Scope 2 scaled by the run's ratio,
 * which makes every sum equal the simulation's own totals. */
static zp_status view_from_sim(rep *p)
{
    const zp_sim_result *r = p->r;
    const zp_model *m = p->m;
    const zp_dispatch_result *f = r->flows;
    const double dt = r->step_h;
    const size_t n = r->steps;
    const zp_time_t end = r->start + (zp_time_t)n * r->step_s;
    int64_t d0 = local_day(r->start, p->off), d1 = local_day(end - 1, p->off);
    size_t ndays = (size_t)(d1 - d0 + 1);
    size_t *dmonth = NULL;
    zp_status rc = ZP_OK;

    /* Months: a calendar month per change of (year, month) over the days. */
    if (!(dmonth = zp__calloc(p->ctx, ndays, sizeof *dmonth)))
        return zp__nomem(p->ctx);
    size_t nmonths = 0;
    int64_t prev_key = -1;
    for (size_t i = 0; i < ndays; i++) {
        int64_t y;
        unsigned mo, d;
        zp_civil_from_days(d0 + (int64_t)i, &y, &mo, &d);
        int64_t key = y * 12 + mo;
        if (key != prev_key)
            nmonths++;
        prev_key = key;
        dmonth[i] = nmonths - 1;
    }
    if (!(p->own = zp__calloc(p->ctx, nmonths + ndays, sizeof *p->own))) {
        rc = zp__nomem(p->ctx);
        goto out;
    }
    zp_acct_totals *mo_t = p->own, *dy_t = p->own + nmonths;
    for (size_t i = 0; i < ndays; i++) {
        zp_time_t ds = (d0 + (int64_t)i) * 86400 - (zp_time_t)p->off * 60;
        zp_time_t de = ds + 86400;
        dy_t[i].start = ds < r->start ? r->start : ds;
        dy_t[i].end = de > end ? end : de;
        zp_acct_totals *mt = &mo_t[dmonth[i]];
        if (!mt->end)
            mt->start = dy_t[i].start;
        mt->end = dy_t[i].end;
    }

    const double s1_step = n ? r->emissions_t.scope1 / (double)n : 0;
    const double mkt_ratio = r->emissions_t.scope2_location > 0
                                 ? r->emissions_t.scope2_market / r->emissions_t.scope2_location
                                 : 0;
    /* One pass per column: a derived column's buffer is reused by the next
     * zp_sim_column call, so each is consumed before the next is asked. */
    enum { F_S2, F_CONS, F_CFE, F_FAC, F_COUNT };
    static const char *const names[F_COUNT] = {"scope2_location_kg", "consumption_kw",
                                               "carbon_free_kw", "datacenter.facility_kw"};
    for (int k = 0; k < F_COUNT; k++) {
        const double *v = sim_col(r, names[k]);
        if (!v) {
            if (k == F_FAC)
                continue; /* no data center */
            rc = zp__error(p->ctx, ZP_ENOMEM, "report: simulation column %s unavailable", names[k]);
            goto out;
        }
        for (size_t t = 0; t < n; t++) {
            size_t di = (size_t)(local_day(r->start + (zp_time_t)t * r->step_s, p->off) - d0);
            zp_acct_totals *x[2] = {&dy_t[di], &mo_t[dmonth[di]]};
            for (int j = 0; j < 2; j++) {
                switch (k) {
                case F_S2: x[j]->scope2_location_t += v[t] / 1000.0; break;
                case F_CONS: x[j]->consumption_kwh += v[t] * dt; break;
                case F_CFE: x[j]->cfe_kwh += v[t] * dt; break;
                case F_FAC: x[j]->dc_facility_kwh += v[t] * dt; break;
                }
            }
        }
    }
    for (size_t t = 0; t < n; t++) {
        size_t di = (size_t)(local_day(r->start + (zp_time_t)t * r->step_s, p->off) - d0);
        double dis = 0, chg = 0;
        for (size_t s = 0; s < f->nstorage; s++) {
            dis += f->storage[s].discharge_kw[t];
            chg += f->storage[s].charge_kw[t];
        }
        zp_acct_totals *x[2] = {&dy_t[di], &mo_t[dmonth[di]]};
        for (int j = 0; j < 2; j++) {
            x[j]->scope1_t += s1_step;
            x[j]->grid_import_kwh += f->grid_import_kw[t] * dt;
            x[j]->grid_export_kwh += f->grid_export_kw[t] * dt;
            x[j]->pv_kwh += f->pv_used_kw[t] * dt;
            x[j]->wind_kwh += f->wind_used_kw[t] * dt;
            x[j]->storage_discharge_kwh += dis * dt;
            x[j]->storage_charge_kwh += chg * dt;
            if (r->dc_it_kw)
                x[j]->dc_it_kwh += r->dc_it_kw[t] * dt;
        }
    }
    double cum = 0;
    for (size_t i = 0; i < nmonths + ndays; i++) {
        zp_acct_totals *x = &p->own[i];
        x->scope2_market_t = x->scope2_location_t * mkt_ratio;
        x->total_location_t = x->scope1_t + x->scope2_location_t;
        x->total_market_t = x->scope1_t + x->scope2_market_t;
        x->green_share_hourly_pct = x->consumption_kwh > 0 ? 100 * x->cfe_kwh / x->consumption_kwh : NAN;
        x->pue = x->dc_it_kwh > 0 ? x->dc_facility_kwh / x->dc_it_kwh : NAN;
        x->water_l = x->energy_tce_calorific = x->energy_tce_equal_value = NAN;
        if (i >= nmonths) {
            cum += x->total_market_t;
            x->cumulative_market_t = cum;
        }
    }
    p->months = mo_t;
    p->nmonths = nmonths;
    p->days = dy_t;
    p->ndays = ndays;

    /* Totals are the simulation's own. */
    zp_acct_totals *T = &p->total;
    const zp_sim_energy *e = &r->energy_kwh;
    T->start = r->start;
    T->end = end;
    T->scope1_t = r->emissions_t.scope1;
    T->scope2_location_t = r->emissions_t.scope2_location;
    T->scope2_market_t = r->emissions_t.scope2_market;
    T->total_location_t = r->emissions_t.total_location;
    T->total_market_t = r->emissions_t.total_market;
    T->grid_import_kwh = e->grid_import;
    T->grid_export_kwh = e->grid_export;
    T->pv_kwh = f->totals.pv_kwh;
    T->wind_kwh = f->totals.wind_kwh;
    T->storage_charge_kwh = e->storage_charge;
    T->storage_discharge_kwh = e->storage_discharge;
    for (size_t i = 0; i < nmonths; i++) {
        T->consumption_kwh += mo_t[i].consumption_kwh;
        T->cfe_kwh += mo_t[i].cfe_kwh;
    }
    T->dc_it_kwh = e->datacenter_it;
    T->dc_facility_kwh = e->datacenter_facility;
    T->water_l = T->energy_tce_calorific = T->energy_tce_equal_value = NAN;
    T->green_share_hourly_pct = r->green_share_hourly_pct;
    T->pue = r->pue;
    T->cumulative_market_t = cum;
    p->green_vol_pct = r->green_share_volumetric_pct;
    p->green_hourly_pct = r->green_share_hourly_pct;
    p->pue = r->pue;

    /* Budget over the model period; a shorter run is projected linearly. */
    p->budget_t = m->targets.max_emissions_t;
    p->by_start = m->start;
    p->by_end = m->end;
    double covered_d = (double)(end - r->start) / 86400.0;
    double year_d = (double)(m->end - m->start) / 86400.0;
    p->projected_t = covered_d > 0 ? cum / covered_d * year_d : cum;
    p->crossing = 0;
    if (!isnan(p->budget_t)) {
        for (size_t i = 0; i < ndays && !p->crossing; i++)
            if (dy_t[i].cumulative_market_t > p->budget_t)
                p->crossing = dy_t[i].start;
        if (!p->crossing && p->projected_t > p->budget_t && cum < p->budget_t && covered_d > 0) {
            double rate = cum / covered_d;
            p->crossing = end + (zp_time_t)((p->budget_t - cum) / rate * 86400.0);
        }
    }
    for (size_t i = 0; i < r->ntargets && p->ntg < ZP_ARRAY_LEN(p->tg); i++) {
        const zp_sim_target *t = &r->targets[i];
        tgt_view *v = &p->tg[p->ntg++];
        v->name = t->name;
        v->limit = t->limit;
        v->value = t->value;
        v->projected = NAN;
        v->status = t->met ? ZP_TARGET_MET : ZP_TARGET_MISSED;
        if (strcmp(t->name, "max_emissions_t") == 0 && end < m->end) {
            /* A run that stops early: judge the cap by the projection. */
            v->projected = p->projected_t;
            if (t->met && p->projected_t > t->limit)
                v->status = ZP_TARGET_AT_RISK;
        }
    }
out:
    zp__free(p->ctx, dmonth);
    return rc;
}

static void view_from_acct(rep *p)
{
    const zp_acct_result *a = p->a;
    p->off = a->utc_offset_min;
    p->months = a->months;
    p->nmonths = a->nmonths;
    p->days = a->days;
    p->ndays = a->ndays;
    p->total = a->total;
    p->green_vol_pct = a->green_share_volumetric_pct;
    p->green_hourly_pct = a->green_share_hourly_pct;
    p->pue = a->pue;
    p->budget_t = a->budget_t;
    p->by_start = a->budget_year_start;
    p->by_end = a->budget_year_end;
    p->projected_t = a->projected_year_end_t;
    p->crossing = a->budget_crossing;
    for (size_t i = 0; i < a->ntargets && p->ntg < ZP_ARRAY_LEN(p->tg); i++) {
        const zp_acct_target *t = &a->targets[i];
        p->tg[p->ntg++] = (tgt_view){t->name, t->limit, t->value, t->projected, (int)t->status};
    }
}

/* Hourly carbon-free share by (local day, hour): from the accounting's
 * per-step arrays when it has them, else the simulation's columns. */
static zp_status build_heat(rep *p)
{
    const zp_sim_result *r = p->r;
    zp_time_t start = r->start;
    int32_t step_s = r->step_s;
    size_t n = r->steps;
    const double *cfe = NULL, *cons = NULL;
    if (p->a && p->a->cfe_kw && p->a->consumption_kw) {
        start = p->a->start;
        step_s = p->a->step_s;
        n = p->a->steps;
        cfe = p->a->cfe_kw;
        cons = p->a->consumption_kw;
    }
    zp_time_t end = start + (zp_time_t)n * step_s;
    int64_t d0 = local_day(start, p->off), d1 = local_day(end - 1, p->off);
    size_t ndays = (size_t)(d1 - d0 + 1);
    /* At most a year of columns, so a ten-year run stays readable. */
    p->heat_k = (ndays + 365) / 366;
    p->heat_cols = (ndays + p->heat_k - 1) / p->heat_k;
    p->heat_day0 = d0;
    size_t cells = p->heat_cols * 24;
    double *c_kwh = zp__calloc(p->ctx, cells, sizeof *c_kwh);
    p->heat = zp__calloc(p->ctx, cells, sizeof *p->heat);
    if (!c_kwh || !p->heat) {
        zp__free(p->ctx, c_kwh);
        return zp__nomem(p->ctx);
    }
    /* Sum consumption into c_kwh and carbon-free energy into heat, one
     * column at a time (the simulation's derived columns share a buffer). */
    for (int pass = 0; pass < 2; pass++) {
        const double *v = pass == 0 ? cons : cfe;
        if (!p->a || !p->a->cfe_kw || !p->a->consumption_kw)
            v = sim_col(r, pass == 0 ? "consumption_kw" : "carbon_free_kw");
        if (!v) {
            zp__free(p->ctx, c_kwh);
            return zp__error(p->ctx, ZP_ENOMEM, "report: hourly columns unavailable");
        }
        double *dst = pass == 0 ? c_kwh : p->heat;
        for (size_t t = 0; t < n; t++) {
            int64_t ls = start + (zp_time_t)t * step_s + (int64_t)p->off * 60;
            int64_t day = floor_div(ls, 86400);
            size_t hour = (size_t)((ls - day * 86400) / 3600);
            size_t col = (size_t)(day - d0) / p->heat_k;
            dst[col * 24 + hour] += v[t] * ((double)step_s / 3600.0);
        }
    }
    for (size_t i = 0; i < cells; i++) {
        double s = c_kwh[i] > 1e-9 ? p->heat[i] / c_kwh[i] : NAN;
        p->heat[i] = s > 1 ? 1 : s;
    }
    zp__free(p->ctx, c_kwh);
    return ZP_OK;
}

/* Check the arguments and build the view both outputs share. */
zp_status rep__init(rep *p, zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                    const zp_acct_result *acct, const zp_report_opts *o, int heat)
{
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    if (!m || !r || !o)
        return zp__error(ctx, ZP_EINVAL, "report: model and simulation result are required");
    if (r->model != m)
        return zp__error(ctx, ZP_EINVAL, "report: the simulation result is not a run of this model");
    if (r->steps == 0 || r->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "report: the run has no steps");
    if (acct && (acct->nmonths == 0 || acct->ndays == 0))
        return zp__error(ctx, ZP_EINVAL, "report: the accounting result has no months or days");
    p->lang = o->lang == ZP_REPORT_ZH ? ZP_REPORT_ZH : ZP_REPORT_EN;
    p->m = m;
    p->r = r;
    p->a = acct;
    p->off = m->utc_offset_min;
    p->b.ctx = ctx;
    p->b.max = o->max_bytes ? o->max_bytes : ZP_REPORT_MAX_BYTES;
    zp_status rc;
    if (acct)
        view_from_acct(p);
    else if ((rc = view_from_sim(p)))
        return rc;
    if (heat && (rc = build_heat(p)))
        return rc;
    return zp_report_cost_compute(ctx, r, &p->cost);
}

void rep__free(rep *p)
{
    zp__free(p->ctx, p->own);
    zp__free(p->ctx, p->heat);
    zp_report_cost_free(p->ctx, p->cost);
    zp__free(p->ctx, p->b.p);
}
