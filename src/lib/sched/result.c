/*
 * result.c - a schedule: each job's placement or the reason it has none,
 * and its totals (zp_sched_evaluate).
 */
#include "sched/sched_impl.h"

#include <math.h>
#include <string.h>

static const char *const reason_names[] = {"placed", "latency", "window", "capacity"};

const char *zp_sched_reason_name(zp_sched_reason r)
{
    return (unsigned)r < ZP_ARRAY_LEN(reason_names) ? reason_names[r] : "unknown";
}

void zp_sched_result_free(zp_ctx *ctx, zp_sched_result *r)
{
    if (!r)
        return;
    zp__free(ctx, r->place);
    zp__free(ctx, r->slots);
    zp__free(ctx, r->load_kw);
    zp__free(ctx, r);
}

zp_status zp_sched_result_new(zp_ctx *ctx, const zp_sched_problem *p, const char *method,
                              zp_sched_result **out)
{
    *out = NULL;
    zp_sched_result *r = zp__calloc(ctx, 1, sizeof *r);
    if (!r)
        return zp__nomem(ctx);
    r->method = method;
    r->njobs = p->njobs;
    r->nsites = p->nsites;
    r->nslots = p->nslots;
    r->bound = NAN;
    r->bound_raw = NAN;
    r->place = zp__malloc(ctx, (p->njobs ? p->njobs : 1) * sizeof *r->place);
    r->load_kw = zp__calloc(ctx, p->nsites * p->nslots, sizeof *r->load_kw);
    if (!r->place || !r->load_kw) {
        zp_sched_result_free(ctx, r);
        return zp__nomem(ctx);
    }
    for (size_t j = 0; j < p->njobs; j++)
        r->place[j] = (zp_sched_placement){-1, -1, -1, ZP_SCHED_CAPACITY};
    *out = r;
    return ZP_OK;
}

void zp_sched_result_place(zp_sched_result *r, size_t j, int32_t site, int32_t start)
{
    r->place[j] = (zp_sched_placement){site, start, -1, ZP_SCHED_PLACED};
}

zp_status zp_sched_result_place_slots(zp_ctx *ctx, zp_sched_result *r, size_t j, int32_t site,
                                      const int32_t *slots, size_t n)
{
    if (n == 0)
        return zp__error(ctx, ZP_EINVAL, "schedule: placement with no slots");
    if (zp__grow(ctx, (void **)&r->slots, &r->slots_cap, r->nslots_used + n, sizeof *r->slots))
        return zp__nomem(ctx);
    memcpy(r->slots + r->nslots_used, slots, n * sizeof *slots);
    r->place[j] = (zp_sched_placement){site, slots[0], (int64_t)r->nslots_used, ZP_SCHED_PLACED};
    r->nslots_used += n;
    return ZP_OK;
}

void zp_sched_result_reject(zp_sched_result *r, size_t j, zp_sched_reason reason)
{
    r->place[j] = (zp_sched_placement){-1, -1, -1, (uint8_t)reason};
}

size_t zp_sched_result_job_slots(const zp_sched_problem *p, const zp_sched_result *r, size_t j,
                                 int32_t *buf)
{
    const zp_sched_placement *pl = &r->place[j];
    if (pl->site < 0)
        return 0;
    size_t d = (size_t)p->jobs[j].duration;
    for (size_t k = 0; k < d; k++)
        buf[k] = pl->slot_off < 0 ? pl->start + (int32_t)k : r->slots[(size_t)pl->slot_off + k];
    return d;
}

zp_status zp_sched_evaluate(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                            zp_sched_result *r)
{
    const zp_sched_opts def = opts_or_default(opts);
    opts = &def;
    const size_t T = p->nslots;
    memset(r->load_kw, 0, p->nsites * T * sizeof *r->load_kw);
    zp_sched_totals *tt = &r->totals;
    memset(tt, 0, sizeof *tt);
    for (size_t j = 0; j < p->njobs; j++) {
        const zp_sched_placement *pl = &r->place[j];
        const zp_sched_job *jb = &p->jobs[j];
        if (pl->site < 0) {
            tt->unplaced++;
            tt->unplaced_by_reason[pl->reason < ZP_SCHED_REASON_LAST ? pl->reason : 0]++;
            continue;
        }
        tt->placed++;
        double *row = r->load_kw + (size_t)pl->site * T;
        for (int32_t k = 0; k < jb->duration; k++) {
            int32_t t = pl->slot_off < 0 ? pl->start + k : r->slots[pl->slot_off + k];
            if (t < 0 || (size_t)t >= T)
                return zp__error(ctx, ZP_EINVAL, "schedule: job '%s' placed in slot %d outside "
                                                 "the horizon", zp_sched_job_id(p, j), t);
            row[t] += jb->power_kw;
        }
    }
    const double h = p->slot_h;
    for (size_t s = 0; s < p->nsites; s++) {
        const zp_sched_site *st = &p->sites[s];
        const double *row = r->load_kw + s * T;
        for (size_t t = 0; t < T; t++) {
            double fac = row[t] * st->pue * h;
            double green = fmin(fac, st->green_kw[t] * h);
            double grid = fac - green;
            tt->it_kwh += row[t] * h;
            tt->facility_kwh += fac;
            tt->green_kwh += green;
            tt->grid_kwh += grid;
            tt->emissions_kg += grid * st->intensity_kg_per_kwh[t];
            tt->cost_cny += grid * st->price_cny_per_kwh[t];
            tt->objective += grid * zp_sched_weight(p, opts->objective, s, t);
            if (row[t] > st->capacity_kw)
                tt->overload_kwh += (row[t] - st->capacity_kw) * h;
        }
    }
    tt->green_share_pct = tt->facility_kwh > 0 ? 100.0 * tt->green_kwh / tt->facility_kwh : 0.0;
    /* The readers bound every input so that these sums stay finite; a
     * problem built in code may not be, and an infinite total is no answer. */
    const double sums[] = {tt->it_kwh,    tt->facility_kwh, tt->green_kwh,
                           tt->grid_kwh,  tt->emissions_kg, tt->cost_cny,
                           tt->objective, tt->overload_kwh, tt->green_share_pct};
    for (size_t k = 0; k < ZP_ARRAY_LEN(sums); k++)
        if (!isfinite(sums[k]))
            return zp__error(ctx, ZP_ERANGE, "schedule (%s): the totals are not finite (IT "
                             "energy %g kWh, emissions %g kg, cost %g CNY): a job's power_kw or "
                             "a site's capacity, green supply, intensity or price is out of "
                             "range (docs/schedule.md, \"Inputs\")",
                             r->method ? r->method : "?", tt->it_kwh, tt->emissions_kg,
                             tt->cost_cny);
    return ZP_OK;
}

zp_status zp__sched_result_finish(zp_ctx *ctx, const zp_sched_problem *p,
                                  const zp_sched_opts *opts, double t0, zp_sched_result *r,
                                  zp_sched_result **out)
{
    zp_status rc = zp_sched_evaluate(ctx, p, opts, r);
    if (rc) {
        zp_sched_result_free(ctx, r);
        return rc;
    }
    r->seconds = now_s() - t0;
    *out = r;
    return ZP_OK;
}
