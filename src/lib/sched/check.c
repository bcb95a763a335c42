/*
 * check.c - the independent feasibility checker of a schedule
 * (docs/schedule.md, "Checker").
 */
#include "sched/sched_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- checker --------------------------------------------------------------
 * Deliberately shares no code with the solvers: its own load array, its own
 * reading of the placement. */

/* A violation of job jb (id): at its line, the message starting
 * "job 'ID': " (JOB, then id as the first argument). */
#define JOB "job '%s': "
#define VIOLATION(...) zp__sched_diag(&c, jb->line, __VA_ARGS__)

zp_status zp_sched_check(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                         unsigned flags, size_t *violations)
{
    sched_diags c = {ctx, NULL, 0, ZP_OK};
    const size_t T = p->nslots;
    if (violations)
        *violations = 0;
    if (r->njobs != p->njobs || r->nsites != p->nsites || r->nslots != T)
        return zp__error(ctx, ZP_EINVAL, "schedule check: result is for another problem");
    double *load = zp__calloc(ctx, p->nsites * T, sizeof *load);
    if (!load)
        return zp__nomem(ctx);
    for (size_t j = 0; j < p->njobs; j++) {
        const zp_sched_job *jb = &p->jobs[j];
        const zp_sched_placement *pl = &r->place[j];
        const char *id = zp_sched_job_id(p, j);
        if (pl->site < 0) {
            if (pl->reason == ZP_SCHED_PLACED || pl->reason >= ZP_SCHED_REASON_LAST)
                VIOLATION(JOB "not placed and no valid reason (%u)", id, pl->reason);
            continue;
        }
        if (pl->reason != ZP_SCHED_PLACED)
            VIOLATION(JOB "placed but marked '%s'", id, zp_sched_reason_name(pl->reason));
        if ((size_t)pl->site >= p->nsites) {
            VIOLATION(JOB "site %d does not exist", id, pl->site);
            continue;
        }
        const size_t s = (size_t)pl->site;
        if (!(flags & ZP_SCHED_CHECK_NO_LATENCY) && jb->region >= 0 && jb->latency_ms > 0 &&
            !(p->latency_ms[(size_t)jb->region * p->nsites + s] <= jb->latency_ms))
            VIOLATION(JOB "site %s is %g ms from %s; the bound is %g ms", id, p->sites[s].name,
                      p->latency_ms[(size_t)jb->region * p->nsites + s],
                      p->regions[jb->region], jb->latency_ms);
        if (pl->slot_off >= 0 &&
            ((size_t)pl->slot_off > r->nslots_used ||
             r->nslots_used - (size_t)pl->slot_off < (size_t)jb->duration)) {
            VIOLATION(JOB "slot list out of range", id);
            continue;
        }
        int32_t prev = INT32_MIN, runlen = 0, minrun = INT32_MAX;
        int contiguous = 1;
        const int32_t m = jb->min_chunk < jb->duration ? jb->min_chunk : jb->duration;
        for (int32_t k = 0; k < jb->duration; k++) {
            int32_t t = pl->slot_off < 0 ? pl->start + k : r->slots[pl->slot_off + k];
            if (t < 0 || (size_t)t >= T) {
                VIOLATION(JOB "slot %d outside the horizon 0..%zu", id, t, T - 1);
                goto next_job;
            }
            if (t < jb->release)
                VIOLATION(JOB "runs in slot %d before its release %d", id, t, jb->release);
            if (t >= jb->deadline)
                VIOLATION(JOB "runs in slot %d, not before its deadline %d", id, t, jb->deadline);
            if (prev != INT32_MIN && t <= prev) {
                VIOLATION(JOB "slots not ascending (%d after %d)", id, t, prev);
                goto next_job;
            }
            if (prev != INT32_MIN && t != prev + 1) {
                contiguous = 0;
                if (runlen < minrun)
                    minrun = runlen;
                runlen = 0;
            }
            runlen++;
            prev = t;
            load[s * T + (size_t)t] += jb->power_kw;
        }
        if (runlen < minrun)
            minrun = runlen;
        if (!jb->preemptible && !contiguous)
            VIOLATION(JOB "non-preemptible job runs in pieces", id);
        if (jb->preemptible && minrun < m)
            VIOLATION(JOB "runs %d slot%s in a row; min_chunk is %d", id, minrun,
                      minrun == 1 ? "" : "s", m);
    next_job:;
    }
    if (!(flags & ZP_SCHED_CHECK_NO_CAPACITY))
        for (size_t s = 0; s < p->nsites; s++)
            for (size_t t = 0; t < T; t++) {
                double cap = p->sites[s].capacity_kw;
                if (load[s * T + t] > cap * (1 + SCHED_CAP_TOL) + 1e-9)
                    zp__sched_diag(&c, 0, "site %s slot %zu: load %.6g kW exceeds capacity "
                                   "%.6g kW", p->sites[s].name, t, load[s * T + t], cap);
            }
    zp__free(ctx, load);
    if (c.st)
        return zp__nomem(ctx);
    if (violations)
        *violations = c.n;
    if (c.n)
        return zp__error(ctx, ZP_EDATA, "schedule check (%s): %zu violation%s",
                         r->method ? r->method : "?", c.n, c.n == 1 ? "" : "s");
    return ZP_OK;
}
