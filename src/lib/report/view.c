/*
 * view.c - the report's view of the data: the accounting result
 * (carbon.h), the caller's or, when the caller has none, one made here by
 * the accounting engine from the run (as `zeropark report` does), so every
 * figure of the page has one source; and the hourly carbon-free share of
 * the heat map.
 */
#include "report/report_impl.h"

#include <math.h>
#include <string.h>

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

/* Hourly carbon-free share by (local day, hour), from the accounting's
 * per-step arrays. */
static zp_status build_heat(rep *p)
{
    const zp_time_t start = p->a->start;
    const int32_t step_s = p->a->step_s;
    const size_t n = p->a->steps;
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
    /* Sum consumption into c_kwh and carbon-free energy into heat. */
    for (int pass = 0; pass < 2; pass++) {
        const double *v = pass == 0 ? p->a->consumption_kw : p->a->cfe_kw;
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

/* Check the arguments and build the view both outputs share; without the
 * caller's accounting result, account the run here with the model's
 * accounting options. */
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
    if (acct && (acct->nmonths == 0 || acct->ndays == 0 || !acct->cfe_kw || !acct->consumption_kw))
        return zp__error(ctx, ZP_EINVAL,
                         "report: the accounting result has no months, days or per-step figures");
    p->lang = o->lang == ZP_REPORT_ZH ? ZP_REPORT_ZH : ZP_REPORT_EN;
    p->m = m;
    p->r = r;
    p->a = acct;
    p->off = m->utc_offset_min;
    p->b.ctx = ctx;
    p->b.max = o->max_bytes ? o->max_bytes : ZP_REPORT_MAX_BYTES;
    zp_status rc;
    if (!acct) {
        zp_acct_opts ao;
        zp_acct_opts_from_model(&ao, m);
        if ((rc = zp_acct_from_sim(ctx, r, &p->own_in)) ||
            (rc = zp_account(ctx, p->own_in, &ao, &p->own_a)))
            return rc;
        p->a = p->own_a;
    }
    view_from_acct(p);
    if (heat && (rc = build_heat(p)))
        return rc;
    return zp_report_cost_compute(ctx, r, &p->cost);
}

void rep__free(rep *p)
{
    zp_acct_result_free(p->ctx, p->own_a);
    zp_acct_input_free(p->ctx, p->own_in);
    zp__free(p->ctx, p->heat);
    zp_report_cost_free(p->ctx, p->cost);
    zp__free(p->ctx, p->b.p);
}
