/*
 * compare.c - a schedule against a baseline: reductions on the same jobs
 * or per IT kWh (docs/schedule.md, "Reductions").
 */
#include "sched/sched_impl.h"

#include <math.h>
#include <string.h>

const char *zp_sched_cmp_basis_name(zp_sched_cmp_basis b)
{
    switch (b) {
    case ZP_SCHED_CMP_SAME_JOBS: return "same_jobs";
    case ZP_SCHED_CMP_PER_IT_KWH: return "per_it_kwh";
    case ZP_SCHED_CMP_NONE:
    default: return "none";
    }
}

/* 100 x (base - x) / base, NAN unless base > 0 and both are finite. */
static double reduction_pct(double base, double x)
{
    if (!(base > 0) || !isfinite(base) || !isfinite(x))
        return NAN;
    return 100.0 * (base - x) / base;
}

zp_status zp_sched_compare(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                           const zp_sched_result *b, zp_sched_reduction *out)
{
    memset(out, 0, sizeof *out);
    out->emissions_pct = NAN;
    out->objective_pct = NAN;
    if (r->njobs != p->njobs || b->njobs != p->njobs)
        return zp__error(ctx, ZP_EINVAL, "schedule compare: results are for another problem");
    const zp_sched_totals *a = &r->totals, *z = &b->totals;
    out->placed = a->placed;
    out->base_placed = z->placed;
    out->njobs = p->njobs;
    if (a->placed == 0 || z->placed == 0)
        return ZP_OK; /* nothing to compare: no "100 % less" for an empty schedule */
    int same = a->placed == z->placed;
    for (size_t j = 0; j < p->njobs && same; j++)
        same = (r->place[j].site >= 0) == (b->place[j].site >= 0);
    if (same) {
        out->basis = ZP_SCHED_CMP_SAME_JOBS;
        out->emissions_pct = reduction_pct(z->emissions_kg, a->emissions_kg);
        out->objective_pct = reduction_pct(z->objective, a->objective);
    } else if (a->it_kwh > 0 && z->it_kwh > 0) {
        out->basis = ZP_SCHED_CMP_PER_IT_KWH;
        out->emissions_pct = reduction_pct(z->emissions_kg / z->it_kwh, a->emissions_kg / a->it_kwh);
        out->objective_pct = reduction_pct(z->objective / z->it_kwh, a->objective / a->it_kwh);
    }
    return ZP_OK;
}
