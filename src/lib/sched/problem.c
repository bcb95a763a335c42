/*
 * problem.c - a scheduling problem: sites, slots, regions and jobs, built
 * in code or by the readers (docs/schedule.md).
 */
#include "sched/sched_impl.h"

#include <stdio.h>
#include <string.h>

void zp_sched_problem_free(zp_ctx *ctx, zp_sched_problem *p)
{
    if (!p)
        return;
    if (p->sites) {
        for (size_t s = 0; s < p->nsites; s++) {
            zp__free(ctx, p->sites[s].intensity_kg_per_kwh);
            zp__free(ctx, p->sites[s].price_cny_per_kwh);
            zp__free(ctx, p->sites[s].green_kw);
            zp__free(ctx, p->sites[s].park_model);
        }
    }
    zp__free(ctx, p->sites);
    zp__free(ctx, p->regions);
    zp__free(ctx, p->latency_ms);
    zp__free(ctx, p->jobs);
    zp__free(ctx, p->ids);
    zp__free(ctx, p);
}

zp_status zp_sched_problem_new(zp_ctx *ctx, size_t nsites, size_t nslots, size_t nregions,
                               zp_sched_problem **out)
{
    *out = NULL;
    if (nsites < 1 || nsites > SCHED_MAX_SITES || nslots < 1 || nslots > SCHED_MAX_SLOTS ||
        nregions > SCHED_MAX_REGIONS)
        return zp__error(ctx, ZP_EINVAL,
                         "schedule: %zu sites, %zu slots, %zu regions: need 1..%d sites, 1..%d "
                         "slots, 0..%d regions",
                         nsites, nslots, nregions, SCHED_MAX_SITES, SCHED_MAX_SLOTS,
                         SCHED_MAX_REGIONS);
    zp_sched_problem *p = zp__calloc(ctx, 1, sizeof *p);
    if (!p)
        return zp__nomem(ctx);
    p->nsites = nsites;
    p->nslots = nslots;
    p->nregions = nregions;
    p->slot_h = 1.0;
    p->offset_min = 8 * 60;
    p->sites = zp__calloc(ctx, nsites, sizeof *p->sites);
    /* calloc(0) may return NULL: keep one element so NULL means failure */
    p->regions = zp__calloc(ctx, nregions ? nregions : 1, sizeof *p->regions);
    p->latency_ms = zp__calloc(ctx, nregions ? nregions * nsites : 1, sizeof *p->latency_ms);
    if (!p->sites || !p->regions || !p->latency_ms)
        goto nomem;
    for (size_t s = 0; s < nsites; s++) {
        zp_sched_site *st = &p->sites[s];
        snprintf(st->name, sizeof st->name, "site%zu", s);
        st->pue = 1.0;
        st->intensity_kg_per_kwh = zp__calloc(ctx, nslots, sizeof(double));
        st->price_cny_per_kwh = zp__calloc(ctx, nslots, sizeof(double));
        st->green_kw = zp__calloc(ctx, nslots, sizeof(double));
        if (!st->intensity_kg_per_kwh || !st->price_cny_per_kwh || !st->green_kw)
            goto nomem;
    }
    for (size_t r = 0; r < nregions; r++)
        snprintf(p->regions[r], sizeof p->regions[r], "region%zu", r);
    *out = p;
    return ZP_OK;
nomem:
    zp_sched_problem_free(ctx, p);
    return zp__nomem(ctx);
}

/* Append an id to the pool; returns its offset in *off. */
static zp_status pool_add(zp_ctx *ctx, zp_sched_problem *p, const char *id, size_t n,
                          uint32_t *off)
{
    if (p->ids_len + n + 1 > UINT32_MAX)
        return zp__error(ctx, ZP_ETOOBIG, "schedule: job ids exceed 4 GiB");
    if (zp__grow(ctx, (void **)&p->ids, &p->ids_cap, p->ids_len + n + 1, 1))
        return zp__nomem(ctx);
    memcpy(p->ids + p->ids_len, id, n);
    p->ids[p->ids_len + n] = '\0';
    *off = (uint32_t)p->ids_len;
    p->ids_len += n + 1;
    return ZP_OK;
}

/* Append job with the id of n bytes at id (the caller checked the count). */
zp_status zp__sched_job_append(zp_ctx *ctx, zp_sched_problem *p, const zp_sched_job *job,
                               const char *id, size_t n)
{
    uint32_t off = 0;
    if (zp__grow(ctx, (void **)&p->jobs, &p->jobs_cap, p->njobs + 1, sizeof *p->jobs))
        return zp__nomem(ctx);
    zp_status rc = pool_add(ctx, p, id, n, &off);
    if (rc)
        return rc;
    p->jobs[p->njobs] = *job;
    p->jobs[p->njobs++].id_off = off;
    return ZP_OK;
}

zp_status zp_sched_problem_add_job(zp_ctx *ctx, zp_sched_problem *p, const zp_sched_job *job,
                                   const char *id)
{
    if (job->home < 0 || (size_t)job->home >= p->nsites)
        return zp__error(ctx, ZP_EINVAL, "schedule: job home site %d out of range", job->home);
    if (job->region < -1 || (job->region >= 0 && (size_t)job->region >= p->nregions))
        return zp__error(ctx, ZP_EINVAL, "schedule: job region %d out of range", job->region);
    if (p->njobs >= UINT32_MAX)
        return zp__error(ctx, ZP_ETOOBIG, "schedule: too many jobs");
    char buf[32];
    if (!id) {
        snprintf(buf, sizeof buf, "%zu", p->njobs);
        id = buf;
    }
    return zp__sched_job_append(ctx, p, job, id, strlen(id));
}

const char *zp_sched_job_id(const zp_sched_problem *p, size_t j)
{
    return j < p->njobs && p->ids ? p->ids + p->jobs[j].id_off : "";
}

double zp_sched_latency(const zp_sched_problem *p, size_t r, size_t s)
{
    return p->latency_ms[r * p->nsites + s];
}

int zp_sched_site_allowed(const zp_sched_problem *p, size_t j, size_t s)
{
    const zp_sched_job *jb = &p->jobs[j];
    if (jb->region < 0 || !(jb->latency_ms > 0))
        return 1;
    return zp_sched_latency(p, (size_t)jb->region, s) <= jb->latency_ms;
}

double zp_sched_weight(const zp_sched_problem *p, zp_sched_objective obj, size_t s, size_t t)
{
    const zp_sched_site *st = &p->sites[s];
    switch (obj) {
    case ZP_SCHED_COST: return st->price_cny_per_kwh[t];
    case ZP_SCHED_COST_WITH_CARBON_PRICE:
        return st->price_cny_per_kwh[t] +
               st->intensity_kg_per_kwh[t] * 1e-3 * p->carbon_price_cny_per_t;
    case ZP_SCHED_CARBON:
    default: return st->intensity_kg_per_kwh[t];
    }
}

void zp_sched_opts_init(zp_sched_opts *o)
{
    memset(o, 0, sizeof *o);
    o->objective = ZP_SCHED_CARBON;
    o->time_limit_s = 60.0;
}
