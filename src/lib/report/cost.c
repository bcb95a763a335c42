/*
 * cost.c - energy cost and peak grid import of a run, in total and per
 * local calendar month, and its bill (zp_report_cost_compute,
 * zeropark/report.h): read from the run's bill (zp_sim_result.bill, made
 * by zp_bill_compute on the flows), so the report counts what the
 * simulation counted and nothing twice.
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
    const zp_bill *bill = r->bill;
    if (!bill || !bill->nmonths)
        return zp__error(ctx, ZP_EINVAL, "report: the run has no bill");
    zp_report_cost *c = zp__calloc(ctx, 1, sizeof *c);
    if (!c || !(c->months = zp__calloc(ctx, bill->nmonths, sizeof *c->months))) {
        zp__free(ctx, c);
        return zp__nomem(ctx);
    }
    c->nmonths = bill->nmonths;
    c->peak_import_kw = -1;
    for (size_t i = 0; i < bill->nmonths; i++) {
        const zp_bill_month *bm = &bill->months[i];
        zp_report_cost_month *x = &c->months[i];
        x->start = bm->start;
        x->import_cost_cny = bm->cost.energy;
        x->export_revenue_cny = bm->cost.export_revenue;
        x->net_cny = x->import_cost_cny - x->export_revenue_cny;
        x->peak_import_kw = bm->peak_import_kw;
        x->peak_at = bm->peak_at;
        x->bill = bm->cost;
        x->fraction = bm->fraction;
        if (x->peak_import_kw > c->peak_import_kw) {
            c->peak_import_kw = x->peak_import_kw;
            c->peak_at = x->peak_at;
        }
    }
    c->bill = bill->cost;
    c->import_cost_cny = bill->cost.energy;
    c->export_revenue_cny = bill->cost.export_revenue;
    c->net_cny = c->import_cost_cny - c->export_revenue_cny;
    *out = c;
    return ZP_OK;
}
