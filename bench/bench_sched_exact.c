/*
 * bench_sched_exact.c - the greedy scheduler's gap to the exact MIP
 * (src/lib/sched_exact.c) on seeded random instances of 200-2000 jobs,
 * 3 sites, 24 hourly slots, carbon objective. One JSON line per instance
 * (greedy and exact objectives, CBC's bound, whether optimal, gap in %),
 * then one summary line with the gap percentiles.
 *
 * Usage: bench_sched_exact [instances (10)] [time limit per solve, s (10)]
 *                          [fewest jobs (20)] [most jobs (120)]
 * The defaults keep `make bench` short; the range is
 * `bench_sched_exact 50 600 200 2000` (hours, and CBC may not prove
 * optimality at the top of it).
 */
#include "zeropark/sched.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 1;
static double rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static zp_sched_problem *make(zp_ctx *ctx, uint64_t seed, size_t N)
{
    rng = seed * 0x9E3779B97F4A7C15ull + 7;
    const size_t S = 3, T = 24, R = 2;
    zp_sched_problem *p = NULL;
    if (zp_sched_problem_new(ctx, S, T, R, &p))
        return NULL;
    double demand = 0;
    zp_sched_job jb;
    for (size_t j = 0; j < N; j++) {
        memset(&jb, 0, sizeof jb);
        jb.duration = 1 + (int32_t)(rnd() * 6);
        jb.release = (int32_t)(rnd() * (double)(T - (size_t)jb.duration + 1));
        jb.deadline = jb.release + jb.duration + (int32_t)(rnd() * 12);
        jb.power_kw = 1 + 9 * rnd();
        jb.preemptible = rnd() < 0.4;
        jb.min_chunk = jb.preemptible ? 1 + (int32_t)(rnd() * 3) : 1;
        jb.cls = jb.preemptible ? (jb.min_chunk > 1 ? ZP_JOB_TRAINING : ZP_JOB_BATCH)
                                : ZP_JOB_INTERACTIVE;
        jb.home = (int32_t)(rnd() * (double)S);
        jb.region = -1;
        if (rnd() < 0.3) {
            jb.region = (int32_t)(rnd() * (double)R);
            jb.latency_ms = 20;
        }
        demand += jb.power_kw * jb.duration;
        if (zp_sched_problem_add_job(ctx, p, &jb, NULL)) {
            zp_sched_problem_free(ctx, p);
            return NULL;
        }
    }
    for (size_t s = 0; s < S; s++) {
        zp_sched_site *st = &p->sites[s];
        st->capacity_kw = 10 + demand / (double)(S * T) * (1.2 + 0.6 * rnd());
        st->pue = 1.1 + 0.4 * rnd();
        double base = 0.3 + 0.5 * rnd();
        for (size_t t = 0; t < T; t++) {
            double solar = t >= 7 && t <= 17 ? sin(3.14159265 * (double)(t - 6) / 12.0) : 0;
            st->intensity_kg_per_kwh[t] = base * (1 - 0.5 * solar) + 0.05 * rnd();
            st->price_cny_per_kwh[t] = 0.4 + 0.6 * rnd();
            st->green_kw[t] = s == 0 ? 0.3 * st->capacity_kw * solar : 0;
        }
        for (size_t r = 0; r < R; r++)
            p->latency_ms[r * S + s] = r == s ? 2 : 10 + 30 * rnd();
    }
    return p;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double q)
{
    if (!n)
        return NAN;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    return i + 1 < n ? v[i] + (pos - (double)i) * (v[i + 1] - v[i]) : v[i];
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 10;
    double limit = argc > 2 ? atof(argv[2]) : 10;
    size_t nmin = argc > 3 ? (size_t)atol(argv[3]) : 20;
    size_t nmax = argc > 4 ? (size_t)atol(argv[4]) : 120;
    if (nmax < nmin)
        nmax = nmin;
    zp_ctx *ctx = zp_ctx_new();
    double *gap = calloc(n ? n : 1, sizeof *gap), *gapb = calloc(n ? n : 1, sizeof *gapb);
    size_t ng = 0, nopt = 0;
    if (!ctx || !gap || !gapb)
        return 1;
    for (size_t i = 0; i < n; i++) {
        size_t N = nmin + (size_t)((double)i * (double)(nmax - nmin) / (double)(n > 1 ? n - 1 : 1));
        zp_sched_problem *p = make(ctx, i + 1, N);
        zp_sched_opts o;
        zp_sched_opts_init(&o);
        o.time_limit_s = limit;
        zp_sched_result *g = NULL, *x = NULL;
        if (!p || zp_sched_greedy(ctx, p, &o, &g) || zp_sched_exact(ctx, p, &o, &x)) {
            fprintf(stderr, "instance %zu: %s\n", i, zp_ctx_errmsg(ctx));
            zp_sched_result_free(ctx, g);
            zp_sched_problem_free(ctx, p);
            continue;
        }
        double ge = g->totals.objective, xe = x->totals.objective;
        int same = g->totals.placed == x->totals.placed;
        double gp = same && xe > 0 ? 100 * (ge / xe - 1) : NAN;
        double gb = same && x->bound > 0 ? 100 * (ge / x->bound - 1) : NAN;
        printf("{\"instance\":%zu,\"jobs\":%zu,\"greedy\":%.6f,\"exact\":%.6f,\"bound\":%.6f,"
               "\"optimal\":%d,\"greedy_placed\":%zu,\"exact_placed\":%zu,\"gap_pct\":%.4f,"
               "\"gap_vs_bound_pct\":%.4f,\"greedy_s\":%.3f,\"exact_s\":%.3f}\n",
               i, N, ge, xe, x->bound, x->optimal, g->totals.placed, x->totals.placed, gp, gb,
               g->seconds, x->seconds);
        fflush(stdout);
        if (!isnan(gp)) {
            gap[ng] = gp;
            gapb[ng++] = gb;
        }
        nopt += x->optimal != 0;
        zp_sched_result_free(ctx, g);
        zp_sched_result_free(ctx, x);
        zp_sched_problem_free(ctx, p);
    }
    qsort(gap, ng, sizeof *gap, dcmp);
    qsort(gapb, ng, sizeof *gapb, dcmp);
    printf("{\"summary\":true,\"instances\":%zu,\"compared\":%zu,\"proven_optimal\":%zu,"
           "\"gap_pct\":{\"p0\":%.4f,\"p50\":%.4f,\"p90\":%.4f,\"p95\":%.4f,\"p100\":%.4f},"
           "\"gap_vs_bound_pct\":{\"p50\":%.4f,\"p95\":%.4f,\"p100\":%.4f}}\n",
           n, ng, nopt, pct(gap, ng, 0), pct(gap, ng, 0.5), pct(gap, ng, 0.9),
           pct(gap, ng, 0.95), pct(gap, ng, 1), pct(gapb, ng, 0.5), pct(gapb, ng, 0.95),
           pct(gapb, ng, 1));
    free(gap);
    free(gapb);
    zp_ctx_free(ctx);
    return 0;
}
