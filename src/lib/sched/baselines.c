/*
 * baselines.c - the schedules greedy is measured against: run-now and the
 * Carbon Aware SDK rule (docs/schedule.md, "Baselines").
 */
#include "sched/sched_impl.h"

#include <math.h>

/* Run-now serves jobs first come, first served: ord gets the jobs in a
 * stable counting sort by release (clamped to the horizon). The SDK rule
 * places each job on its own, so order does not matter to it. */
static zp_status release_order(zp_ctx *ctx, const zp_sched_problem *p, uint32_t *ord)
{
    const size_t T = p->nslots, N = p->njobs;
    size_t *cnt = zp__calloc(ctx, T + 2, sizeof *cnt);
    if (!cnt)
        return zp__nomem(ctx);
    for (size_t j = 0; j < N; j++) {
        int32_t rel = p->jobs[j].release;
        cnt[rel < 0 ? 1 : (size_t)rel >= T ? T + 1 : (size_t)rel + 1]++;
    }
    for (size_t t = 1; t < T + 2; t++)
        cnt[t] += cnt[t - 1];
    for (size_t j = 0; j < N; j++) {
        int32_t rel = p->jobs[j].release;
        ord[cnt[rel < 0 ? 0 : (size_t)rel >= T ? T : (size_t)rel]++] = (uint32_t)j;
    }
    zp__free(ctx, cnt);
    return ZP_OK;
}

/* Run-now: the first start in [r0, r1) where P kW more fit under cap in
 * the site's load L for d slots in a row, or -1. */
static int32_t first_fit(const double *L, double cap, double P, int32_t r0, int32_t r1,
                         int32_t d)
{
    int32_t run = 0; /* free slots in a row ending at t */
    for (int32_t t = r0; t < r1; t++) {
        run = L[t] + P <= cap ? run + 1 : 0;
        if (run >= d)
            return t - d + 1;
    }
    return -1;
}

/* The SDK rule: the start of the d slots in a row in [r0, r1) with the
 * least intensity I in sum (the earliest on ties), or -1. */
static int32_t least_intensity(const double *I, int32_t r0, int32_t r1, int32_t d)
{
    double sum = 0, best = HUGE_VAL;
    int32_t found = -1;
    for (int32_t t = r0; t < r1; t++) {
        sum += I[t];
        if (t - r0 >= d)
            sum -= I[t - d];
        if (t - r0 + 1 >= d && better(sum, best)) {
            best = sum;
            found = t - d + 1;
        }
    }
    return found;
}

/* Every job at its home site, in the order ord, by the rule which. */
static void baseline_place(const zp_sched_problem *p, zp_sched_baseline which,
                           const uint32_t *ord, zp_sched_result *r)
{
    const size_t T = p->nslots;
    for (size_t oi = 0; oi < p->njobs; oi++) {
        const size_t j = ord[oi];
        const zp_sched_job *jb = &p->jobs[j];
        const zp_sched_site *st = &p->sites[jb->home];
        double *L = r->load_kw + (size_t)jb->home * T;
        int32_t r0, r1, found;
        job_window(jb, T, &r0, &r1);
        const int32_t d = jb->duration;
        if ((int64_t)r1 - r0 < d) {
            zp_sched_result_reject(r, j, ZP_SCHED_WINDOW);
            continue;
        }
        if (which == ZP_SCHED_RUN_NOW) {
            found = first_fit(L, st->capacity_kw * (1 + SCHED_CAP_TOL), jb->power_kw, r0, r1, d);
            if (found < 0) {
                zp_sched_result_reject(r, j, ZP_SCHED_CAPACITY);
                continue;
            }
            for (int32_t t = found; t < found + d; t++)
                L[t] += jb->power_kw;
        } else {
            found = least_intensity(st->intensity_kg_per_kwh, r0, r1, d);
        }
        zp_sched_result_place(r, j, jb->home, found);
    }
}

zp_status zp_sched_baseline_run(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                                zp_sched_baseline which, zp_sched_result **out)
{
    *out = NULL;
    const double t0 = now_s();
    zp_sched_result *r = NULL;
    zp_status rc = zp_sched_result_new(
        ctx, p, which == ZP_SCHED_RUN_NOW ? "run_now" : "carbon_aware_sdk", &r);
    if (rc)
        return rc;
    uint32_t *ord = zp__malloc(ctx, (p->njobs ? p->njobs : 1) * sizeof *ord);
    if (!ord)
        rc = zp__nomem(ctx);
    else if (!(rc = release_order(ctx, p, ord)))
        baseline_place(p, which, ord, r);
    zp__free(ctx, ord);
    if (rc) {
        zp_sched_result_free(ctx, r);
        return rc;
    }
    return zp__sched_result_finish(ctx, p, opts, t0, r, out);
}
