/*
 * baselines.c - the schedules greedy is measured against: run-now and the
 * Carbon Aware SDK rule (docs/schedule.md, "Baselines").
 */
#include "sched/sched_impl.h"

#include <math.h>

zp_status zp_sched_baseline_run(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                                zp_sched_baseline which, zp_sched_result **out)
{
    *out = NULL;
    const double t0 = now_s();
    const size_t T = p->nslots, N = p->njobs;
    zp_sched_result *r = NULL;
    uint32_t *ord = NULL;
    size_t *cnt = NULL;
    zp_status rc = zp_sched_result_new(
        ctx, p, which == ZP_SCHED_RUN_NOW ? "run_now" : "carbon_aware_sdk", &r);
    if (rc)
        return rc;
    ord = zp__malloc(ctx, (N ? N : 1) * sizeof *ord);
    cnt = zp__calloc(ctx, T + 2, sizeof *cnt);
    if (!ord || !cnt) {
        rc = zp__nomem(ctx);
        goto out;
    }
    /* Run-now serves jobs first come, first served: a stable counting sort
     * by release (clamped to the horizon). The SDK rule ignores the others,
     * so order does not matter to it. */
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
    for (size_t oi = 0; oi < N; oi++) {
        const size_t j = ord[oi];
        const zp_sched_job *jb = &p->jobs[j];
        int32_t r0, r1;
        job_window(jb, T, &r0, &r1);
        const int32_t d = jb->duration;
        if ((int64_t)r1 - r0 < d) {
            zp_sched_result_reject(r, j, ZP_SCHED_WINDOW);
            continue;
        }
        const zp_sched_site *st = &p->sites[jb->home];
        double *L = r->load_kw + (size_t)jb->home * T;
        int32_t found = -1;
        if (which == ZP_SCHED_RUN_NOW) {
            const double cap = st->capacity_kw * (1 + SCHED_CAP_TOL);
            int32_t run = 0; /* free slots in a row ending at t */
            for (int32_t t = r0; t < r1 && found < 0; t++) {
                run = L[t] + jb->power_kw <= cap ? run + 1 : 0;
                if (run >= d)
                    found = t - d + 1;
            }
            if (found < 0) {
                zp_sched_result_reject(r, j, ZP_SCHED_CAPACITY);
                continue;
            }
            for (int32_t t = found; t < found + d; t++)
                L[t] += jb->power_kw;
        } else {
            const double *I = st->intensity_kg_per_kwh;
            double sum = 0, best = HUGE_VAL;
            for (int32_t t = r0; t < r1; t++) {
                sum += I[t];
                if (t - r0 >= d)
                    sum -= I[t - d];
                if (t - r0 + 1 >= d && better(sum, best)) {
                    best = sum;
                    found = t - d + 1;
                }
            }
        }
        zp_sched_result_place(r, j, jb->home, found);
    }
    if ((rc = zp_sched_evaluate(ctx, p, opts, r)))
        goto out;
    r->seconds = now_s() - t0;
    *out = r;
    r = NULL;
out:
    zp_sched_result_free(ctx, r);
    zp__free(ctx, ord);
    zp__free(ctx, cnt);
    return rc;
}
