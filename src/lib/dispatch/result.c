/*
 * result.c - what every dispatcher shares (zeropark/dispatch.h): the
 * input's defaults and check, the result's lifecycle, and its totals
 * (dispatch_impl.h).
 */
#include "core/internal.h"
#include "dispatch/dispatch_impl.h"
#include "zeropark/dispatch.h"
#include "zeropark/storage.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Per-step arrays in a result, besides the 3 per storage. */
#define ZP__DISPATCH_STEP_ARRAYS 10

void zp_dispatch_input_init(zp_dispatch_input *in)
{
    memset(in, 0, sizeof *in);
    in->import_limit_kw = INFINITY;
    in->export_limit_kw = 0.0;
    in->objective = ZP_MINIMISE_CARBON;
}

static zp_status check_array(zp_ctx *ctx, const char *what, const double *v, size_t n)
{
    if (!v)
        return ZP_OK;
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] >= 0.0) || !isfinite(v[i]))
            return zp__error(ctx, ZP_EDATA, "dispatch: %s at step %zu is %g; values must be "
                             "finite and >= 0 (fill gaps in the input series first)",
                             what, i, v[i]);
    }
    return ZP_OK;
}

/* The demand charge's fields (read only with a charge > 0) and the
 * storages' wear. */
static zp_status check_demand(zp_ctx *ctx, const zp_dispatch_input *in)
{
    for (size_t k = 0; k < in->nstorage; k++) {
        double d = in->storage[k].degradation_cny_per_kwh;
        if (!(d >= 0.0) || !isfinite(d))
            return zp__error(ctx, ZP_EINVAL, "dispatch: storage '%s': degradation_cny_per_kwh %g "
                             "must be finite and >= 0", in->storage[k].name ? in->storage[k].name
                             : "(unnamed)", d);
    }
    double c = in->demand_charge_cny_per_kw_month;
    if (!(c >= 0.0) || !isfinite(c))
        return zp__error(ctx, ZP_EINVAL, "dispatch: demand_charge_cny_per_kw_month %g must be "
                         "finite and >= 0", c);
    if (c == 0.0)
        return ZP_OK;
    const size_t nm = zp__dispatch_nmonths(in);
    if (in->month_of_step) {
        if (in->nmonths == 0)
            return zp__error(ctx, ZP_EINVAL, "dispatch: month_of_step is given with nmonths 0");
        for (size_t t = 0; t < in->steps; t++)
            if (in->month_of_step[t] >= in->nmonths)
                return zp__error(ctx, ZP_EDATA, "dispatch: month_of_step at step %zu is %u; "
                                 "months are 0 .. %zu", t, (unsigned)in->month_of_step[t],
                                 in->nmonths - 1);
    }
    for (size_t m = 0; m < nm; m++) {
        double f = in->month_fraction ? in->month_fraction[m] : 1.0;
        double p = in->peak_so_far_kw ? in->peak_so_far_kw[m] : 0.0;
        if (!(f >= 0.0 && f <= 1.0))
            return zp__error(ctx, ZP_EDATA, "dispatch: month_fraction of month %zu is %g; "
                             "values must be in [0, 1]", m, f);
        if (!(p >= 0.0) || !isfinite(p))
            return zp__error(ctx, ZP_EDATA, "dispatch: peak_so_far_kw of month %zu is %g; "
                             "values must be finite and >= 0", m, p);
    }
    return ZP_OK;
}

zp_status zp_dispatch_input_check(zp_ctx *ctx, const zp_dispatch_input *in)
{
    zp_status rc;
    if (!in)
        return zp__error(ctx, ZP_EINVAL, "dispatch: no input given");
    if (in->steps == 0)
        return zp__error(ctx, ZP_EINVAL, "dispatch: the horizon has 0 steps; give steps > 0");
    if (!(in->step_h > 0.0) || !isfinite(in->step_h))
        return zp__error(ctx, ZP_EINVAL, "dispatch: step_h %g must be a finite number of "
                         "hours > 0", in->step_h);
    if (isnan(in->import_limit_kw) || in->import_limit_kw < 0.0)
        return zp__error(ctx, ZP_EINVAL, "dispatch: import_limit_kw %g must be >= 0 "
                         "(INFINITY for no limit)", in->import_limit_kw);
    if (isnan(in->export_limit_kw) || in->export_limit_kw < 0.0)
        return zp__error(ctx, ZP_EINVAL, "dispatch: export_limit_kw %g must be >= 0",
                         in->export_limit_kw);
    if ((rc = check_array(ctx, "pv_kw", in->pv_kw, in->steps)) ||
        (rc = check_array(ctx, "wind_kw", in->wind_kw, in->steps)) ||
        (rc = check_array(ctx, "firm_kw", in->firm_kw, in->steps)))
        return rc;
    if (in->nflex > 0 && !in->flex)
        return zp__error(ctx, ZP_EINVAL, "dispatch: nflex is %zu but flex is NULL", in->nflex);
    for (size_t j = 0; j < in->nflex; j++) {
        const zp_dispatch_flex *f = &in->flex[j];
        const char *name = f->name ? f->name : "(unnamed)";
        if (!(f->share >= 0.0) || !isfinite(f->share))
            return zp__error(ctx, ZP_EINVAL, "dispatch: flexible load %zu '%s': share %g must "
                             "be finite and >= 0", j, name, f->share);
        if (f->nqueued > (size_t)floor(f->max_delay_h / in->step_h + 1e-9))
            return zp__error(ctx, ZP_EINVAL, "dispatch: flexible load %zu '%s': %zu queued "
                             "steps, more than its delay of %g h allows", j, name, f->nqueued,
                             f->max_delay_h);
        if (f->nqueued && !f->queued_kw)
            return zp__error(ctx, ZP_EINVAL, "dispatch: flexible load %zu '%s': nqueued %zu "
                             "without queued_kw", j, name, f->nqueued);
        for (size_t q = 0; f->queued_kw && q < f->nqueued; q++)
            if (!(f->queued_kw[q] >= 0.0) || !isfinite(f->queued_kw[q]))
                return zp__error(ctx, ZP_EDATA, "dispatch: flexible load %zu '%s': queued_kw[%zu] "
                                 "is %g; values must be finite and >= 0", j, name, q,
                                 f->queued_kw[q]);
        if (!(f->max_delay_h >= 0.0) || !isfinite(f->max_delay_h))
            return zp__error(ctx, ZP_EINVAL, "dispatch: flexible load %zu '%s': max_delay_h "
                             "%g must be finite and >= 0", j, name, f->max_delay_h);
        if (f->kw) {
            for (size_t t = 0; t < in->steps; t++) {
                if (!(f->kw[t] >= 0.0) || !isfinite(f->kw[t]))
                    return zp__error(ctx, ZP_EDATA, "dispatch: flexible load %zu '%s' at step "
                                     "%zu is %g; values must be finite and >= 0", j, name, t,
                                     f->kw[t]);
            }
        }
    }
    if (in->nstorage > 0 && !in->storage)
        return zp__error(ctx, ZP_EINVAL, "dispatch: nstorage is %zu but storage is NULL",
                         in->nstorage);
    for (size_t k = 0; k < in->nstorage; k++) {
        if ((rc = zp_storage_check(ctx, &in->storage[k])))
            return rc;
        if (in->soc_initial) {
            const zp_storage *s = &in->storage[k];
            double soc = in->soc_initial[k];
            if (!(soc >= s->soc_min && soc <= s->soc_max))
                return zp__error(ctx, ZP_EINVAL, "dispatch: soc_initial[%zu] %g for storage "
                                 "'%s' must lie within %g..%g", k, soc,
                                 s->name ? s->name : "(unnamed)", s->soc_min, s->soc_max);
        }
    }
    return check_demand(ctx, in);
}

/* The storages' entries follow the per-step arrays in a result's block,
 * and the flexible loads' entries follow them: each starts where its
 * type's alignment allows. */
_Static_assert(_Alignof(zp_dispatch_storage) <= sizeof(double) &&
                   sizeof(zp_dispatch_storage) % _Alignof(zp_dispatch_flex_totals) == 0,
               "a result's block holds its sections aligned");

zp_status zp_dispatch_result_new(zp_ctx *ctx, size_t steps, size_t nstorage, size_t nflex,
                                 zp_dispatch_result **out)
{
    zp_dispatch_result *r = NULL;
    double *p;
    *out = NULL;
    /* Everything a result holds shares one block, one allocation and one
     * free: the per-step arrays, then the storages' entries, then the
     * flexible loads'. */
    if (nstorage > (SIZE_MAX / sizeof(double) - ZP__DISPATCH_STEP_ARRAYS) / 3)
        return zp__error(ctx, ZP_ETOOBIG, "dispatch: %zu storages is too many", nstorage);
    size_t narrays = ZP__DISPATCH_STEP_ARRAYS + 3 * nstorage;
    if (steps > SIZE_MAX / sizeof(double) / narrays)
        return zp__error(ctx, ZP_ETOOBIG, "dispatch: %zu steps x %zu arrays is too large",
                         steps, narrays);
    size_t arrays_b = steps * narrays * sizeof(double);
    if (nstorage > (SIZE_MAX - arrays_b) / sizeof *r->storage)
        return zp__nomem(ctx);
    size_t storage_b = nstorage * sizeof *r->storage;
    if (nflex > (SIZE_MAX - arrays_b - storage_b) / sizeof *r->flex)
        return zp__nomem(ctx);
    size_t flex_b = nflex * sizeof *r->flex;
    if (!(r = zp__calloc(ctx, 1, sizeof *r)) ||
        !(r->block_ = zp__calloc(ctx, 1, arrays_b + storage_b + flex_b))) {
        zp__free(ctx, r);
        return zp__nomem(ctx);
    }
    r->method = "rule";
    r->steps = steps;
    r->nstorage = nstorage;
    r->nflex = nflex;
    r->storage = (zp_dispatch_storage *)(void *)((char *)r->block_ + arrays_b);
    r->flex = (zp_dispatch_flex_totals *)(void *)((char *)r->block_ + arrays_b + storage_b);
    p = r->block_;
    r->pv_used_kw = p, p += steps;
    r->wind_used_kw = p, p += steps;
    r->curtailed_kw = p, p += steps;
    r->grid_import_kw = p, p += steps;
    r->grid_export_kw = p, p += steps;
    r->unserved_kw = p, p += steps;
    r->flex_served_kw = p, p += steps;
    r->flex_unserved_kw = p, p += steps;
    r->flex_delayed_kw = p, p += steps;
    r->flex_backlog_kwh = p, p += steps;
    for (size_t k = 0; k < nstorage; k++) {
        r->storage[k].charge_kw = p, p += steps;
        r->storage[k].discharge_kw = p, p += steps;
        r->storage[k].soc = p, p += steps;
    }
    *out = r;
    return ZP_OK;
}

void zp_dispatch_result_free(zp_ctx *ctx, zp_dispatch_result *r)
{
    if (r)
        zp__free(ctx, r->block_);
    zp__free(ctx, r);
}

/* ---- storage ----------------------------------------------------------------- */

void zp__dispatch_storage_init(const zp_dispatch_input *in, zp_storage_state *st,
                               zp_dispatch_result *r)
{
    for (size_t k = 0; k < in->nstorage; k++) {
        if (in->soc_initial)
            zp_storage_state_init_soc(&st[k], &in->storage[k], in->soc_initial[k]);
        else
            zp_storage_state_init(&st[k], &in->storage[k]);
        r->storage[k].soc_start = zp_storage_soc(&st[k]);
    }
}

/* ---- totals ---------------------------------------------------------------- */

void zp__dispatch_totals_step(zp_dispatch_totals *tot, const zp_dispatch_result *r, size_t t,
                              double firm, double pv, double wind, double dt)
{
    tot->firm_kwh += firm * dt;
    tot->pv_available_kwh += pv * dt;
    tot->wind_available_kwh += wind * dt;
    tot->pv_kwh += r->pv_used_kw[t] * dt;
    tot->wind_kwh += r->wind_used_kw[t] * dt;
    tot->import_kwh += r->grid_import_kw[t] * dt;
    tot->export_kwh += r->grid_export_kw[t] * dt;
    tot->curtailed_kwh += r->curtailed_kw[t] * dt;
    tot->unserved_kwh += r->unserved_kw[t] * dt;
    tot->flex_unserved_kwh += r->flex_unserved_kw[t] * dt;
}

void zp__dispatch_totals_end(zp_dispatch_totals *tot, const zp_dispatch_result *r)
{
    for (size_t j = 0; j < r->nflex; j++) {
        tot->flex_kwh += r->flex[j].demand_kwh;
        tot->delayed_kwh += r->flex[j].delayed_kwh;
        tot->delay_kwh_h += r->flex[j].delay_kwh_h;
    }
    tot->load_kwh = tot->firm_kwh + tot->flex_kwh;
}
