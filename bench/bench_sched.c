/*
 * bench_sched.c - the greedy scheduler at scale: 1,000,000 jobs, 10 sites,
 * 168 hourly slots, generated in memory from a fixed seed (the distribution
 * of examples/tools/make_edwc_data.py, docs/schedule.md), plus both
 * baselines on the same input.
 *
 * Prints JSON lines:
 *   sched_1m_greedy_s             zp_sched_greedy (sort + placement + evaluation)
 *   sched_1m_peak_rss_mb          peak RSS of a forked child that builds the
 *                                 problem, runs the greedy and both baselines
 *   sched_1m_run_now_s / _sdk_s   the baselines' run time
 *   sched_1m_{greedy,run_now,sdk}_emissions_t, _placed
 *   sched_1m_reduction_vs_run_now_pct, _vs_sdk_pct  by zp_sched_compare, with its basis
 *   sched_1m_check_violations     the independent checker on the greedy (0)
 * Targets (issue 6): greedy <= 2 s, peak <= 1 GB.
 */
#define _DEFAULT_SOURCE
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zeropark/zeropark.h"
#include "zeropark/sched.h"

#define NJOBS 1000000
#define NSITES 10
#define NSLOTS 168
#define NREGIONS 4

static uint64_t rng = 0x5eed2026u;
static double rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static zp_sched_problem *build(zp_ctx *ctx)
{
    zp_sched_problem *p;
    if (zp_sched_problem_new(ctx, NSITES, NSLOTS, NREGIONS, &p))
        return NULL;
    for (size_t s = 0; s < NSITES; s++) {
        zp_sched_site *st = &p->sites[s];
        /* eastern sites (0-5): dearer, dirtier, near users; western (6-9):
         * cleaner with a solar dip at noon, far from users */
        int west = s >= 6;
        st->capacity_kw = west ? 1500e3 : 1000e3;
        st->pue = west ? 1.15 : 1.3;
        double base = west ? 0.35 + 0.05 * (double)(s - 6) : 0.55 + 0.02 * (double)s;
        for (size_t t = 0; t < NSLOTS; t++) {
            double h = (double)(t % 24);
            double solar = h >= 7 && h <= 18 ? sin(M_PI * (h - 7) / 11) : 0;
            st->intensity_kg_per_kwh[t] = base * (1 - (west ? 0.5 : 0.25) * solar) * (0.95 + 0.1 * rnd());
            st->price_cny_per_kwh[t] = (h >= 8 && h < 22 ? 0.85 : 0.35) * (west ? 0.8 : 1.0);
            st->green_kw[t] = west ? 150e3 * solar : 0;
        }
        for (size_t r = 0; r < NREGIONS; r++)
            p->latency_ms[r * NSITES + s] = west ? 20 + 10 * rnd() : 1 + 4 * rnd();
    }
    for (size_t k = 0; k < NJOBS; k++) {
        zp_sched_job j;
        memset(&j, 0, sizeof j);
        j.region = -1;
        j.min_chunk = 1;
        j.home = (int32_t)(rnd() * 6); /* users and homes are in the east */
        double u = rnd();
        int32_t slack;
        if (u < 0.4) {
            j.cls = ZP_JOB_INTERACTIVE;
            j.region = (int32_t)(rnd() * NREGIONS);
            j.latency_ms = 5 + 25 * rnd();
            j.duration = 1 + (int32_t)(rnd() * 2);
            j.power_kw = 5 + 45 * rnd();
            slack = 0;
        } else if (u < 0.85) {
            j.cls = ZP_JOB_BATCH;
            j.duration = 1 + (int32_t)(rnd() * 8);
            j.power_kw = 10 + 90 * rnd();
            j.preemptible = rnd() < 0.5;
            slack = (int32_t)(rnd() * 48);
        } else {
            j.cls = ZP_JOB_TRAINING;
            j.preemptible = 1;
            j.duration = 4 + (int32_t)(rnd() * 20);
            j.power_kw = 50 + 350 * rnd();
            j.min_chunk = 2 + (int32_t)(rnd() * 3);
            slack = 12 + (int32_t)(rnd() * 60);
        }
        j.release = (int32_t)(rnd() * (NSLOTS - j.duration + 1));
        j.deadline = j.release + j.duration + slack;
        if (j.deadline > NSLOTS)
            j.deadline = NSLOTS;
        if (zp_sched_problem_add_job(ctx, p, &j, NULL)) {
            zp_sched_problem_free(ctx, p);
            return NULL;
        }
    }
    return p;
}

int main(void)
{
    /* Peak memory first, in a fresh child. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
        zp_ctx *c = zp_ctx_new();
        zp_sched_problem *p = build(c);
        zp_sched_result *r = NULL, *b1 = NULL, *b2 = NULL;
        if (!p || zp_sched_greedy(c, p, NULL, &r) ||
            zp_sched_baseline_run(c, p, NULL, ZP_SCHED_RUN_NOW, &b1) ||
            zp_sched_baseline_run(c, p, NULL, ZP_SCHED_CARBON_AWARE_SDK, &b2))
            _exit(1);
        _exit(0);
    }
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench_sched: child failed\n");
        return 1;
    }
    printf("{\"bench\": \"sched_1m_peak_rss_mb\", \"value\": %.1f, \"unit\": \"MB\", \"target\": 1024}\n",
           (double)ru.ru_maxrss / 1024.0);

    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p = build(ctx);
    if (!p) {
        fprintf(stderr, "bench_sched: %s\n", zp_ctx_errmsg(ctx));
        return 1;
    }
    zp_sched_result *g = NULL, *rn = NULL, *sdk = NULL;
    double best = 1e9;
    for (int i = 0; i < 3; i++) {
        zp_sched_result_free(ctx, g);
        g = NULL;
        if (zp_sched_greedy(ctx, p, NULL, &g)) {
            fprintf(stderr, "bench_sched: %s\n", zp_ctx_errmsg(ctx));
            return 1;
        }
        if (g->seconds < best)
            best = g->seconds;
    }
    if (zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_RUN_NOW, &rn) ||
        zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_CARBON_AWARE_SDK, &sdk)) {
        fprintf(stderr, "bench_sched: %s\n", zp_ctx_errmsg(ctx));
        return 1;
    }
    size_t viol = 0;
    (void)zp_sched_check(ctx, p, g, 0, &viol);
    printf("{\"bench\": \"sched_1m_greedy_s\", \"value\": %.3f, \"unit\": \"s\", \"target\": 2}\n", best);
    printf("{\"bench\": \"sched_1m_run_now_s\", \"value\": %.3f, \"unit\": \"s\"}\n", rn->seconds);
    printf("{\"bench\": \"sched_1m_sdk_s\", \"value\": %.3f, \"unit\": \"s\"}\n", sdk->seconds);
    const zp_sched_result *rs[3] = {g, rn, sdk};
    static const char *const nm[3] = {"greedy", "run_now", "sdk"};
    for (int i = 0; i < 3; i++) {
        printf("{\"bench\": \"sched_1m_%s_emissions_t\", \"value\": %.1f, \"unit\": \"t\"}\n", nm[i],
               rs[i]->totals.emissions_kg / 1e3);
        printf("{\"bench\": \"sched_1m_%s_placed\", \"value\": %zu, \"unit\": \"jobs\"}\n", nm[i],
               rs[i]->totals.placed);
    }
    printf("{\"bench\": \"sched_1m_sdk_overload_mwh\", \"value\": %.1f, \"unit\": \"MWh\"}\n",
           sdk->totals.overload_kwh / 1e3);
    /* the command's rule (docs/schedule.md, "Reductions"): per kWh of IT
     * energy when the two placed different jobs */
    for (int i = 1; i < 3; i++) {
        zp_sched_reduction red;
        if (zp_sched_compare(ctx, p, g, rs[i], &red)) {
            fprintf(stderr, "bench_sched: %s\n", zp_ctx_errmsg(ctx));
            return 1;
        }
        if (isnan(red.emissions_pct))
            printf("{\"bench\": \"sched_1m_reduction_vs_%s_pct\", \"value\": null, \"unit\": "
                   "\"%%\", \"basis\": \"%s\"}\n", nm[i], zp_sched_cmp_basis_name(red.basis));
        else
            printf("{\"bench\": \"sched_1m_reduction_vs_%s_pct\", \"value\": %.2f, \"unit\": "
                   "\"%%\", \"basis\": \"%s\"}\n", nm[i], red.emissions_pct,
                   zp_sched_cmp_basis_name(red.basis));
    }
    printf("{\"bench\": \"sched_1m_check_violations\", \"value\": %zu, \"unit\": \"count\"}\n", viol);
    zp_sched_result_free(ctx, g);
    zp_sched_result_free(ctx, rn);
    zp_sched_result_free(ctx, sdk);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
    return 0;
}
