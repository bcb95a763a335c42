/*
 * cost.c - energy cost and peak grid import of a run, in total and per
 * local calendar month (zp_report_cost_compute, zeropark/report.h).
 */
#include "report/report_impl.h"

void zp_report_cost_free(zp_ctx *ctx, zp_report_cost *c)
{
    if (!c)
        return;
    zp__free(ctx, c->months);
    zp__free(ctx, c);
}

zp_status zp_report_cost_compute(zp_ctx *ctx, const zp_sim_result *r, zp_report_cost **out)
{
    if (!ctx || !r || !out || !r->model || !r->flows)
        return zp__error(ctx, ZP_EINVAL, "report: a simulation result is required");
    *out = NULL;
    if (r->steps == 0 || r->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "report: the run has no steps");
    const zp_model *m = r->model;
    const int32_t off = m->utc_offset_min;
    const size_t n = r->steps;
    /* Months: one per change of local (year, month) over the steps. */
    size_t nmonths = 0;
    int64_t prev = -1;
    for (size_t t = 0; t < n; t++) {
        int64_t y;
        unsigned mo, d;
        zp_civil_from_days(local_day(r->start + (zp_time_t)t * r->step_s, off), &y, &mo, &d);
        if (y * 12 + mo != prev)
            nmonths++;
        prev = y * 12 + mo;
    }
    zp_report_cost *c = zp__calloc(ctx, 1, sizeof *c);
    if (!c || !(c->months = zp__calloc(ctx, nmonths, sizeof *c->months))) {
        zp__free(ctx, c);
        return zp__nomem(ctx);
    }
    c->nmonths = nmonths;
    c->peak_import_kw = -1;
    zp_report_cost_month *x = NULL;
    prev = -1;
    for (size_t t = 0; t < n; t++) {
        zp_time_t ts = r->start + (zp_time_t)t * r->step_s;
        int64_t y;
        unsigned mo, d;
        zp_civil_from_days(local_day(ts, off), &y, &mo, &d);
        if (y * 12 + mo != prev) {
            x = x ? x + 1 : c->months;
            x->start = ts;
            x->peak_import_kw = -1;
        }
        prev = y * 12 + mo;
        double imp = r->flows->grid_import_kw[t], exp = r->flows->grid_export_kw[t];
        double pi = r->price_cny_per_kwh ? r->price_cny_per_kwh[t] : m->grid.price_cny_per_kwh.constant;
        double pe = r->export_price_cny_per_kwh ? r->export_price_cny_per_kwh[t]
                                                : m->grid.export_price_cny_per_kwh.constant;
        x->import_cost_cny += imp * r->step_h * pi;
        x->export_revenue_cny += exp * r->step_h * pe;
        if (imp > x->peak_import_kw) {
            x->peak_import_kw = imp;
            x->peak_at = ts;
        }
    }
    for (size_t i = 0; i < nmonths; i++) {
        x = &c->months[i];
        x->net_cny = x->import_cost_cny - x->export_revenue_cny;
        c->import_cost_cny += x->import_cost_cny;
        c->export_revenue_cny += x->export_revenue_cny;
        if (x->peak_import_kw > c->peak_import_kw) {
            c->peak_import_kw = x->peak_import_kw;
            c->peak_at = x->peak_at;
        }
    }
    c->net_cny = c->import_cost_cny - c->export_revenue_cny;
    *out = c;
    return ZP_OK;
}
