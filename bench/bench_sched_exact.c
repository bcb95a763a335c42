/*
 * bench_sched_exact.c - the greedy scheduler's gap to the exact MIP
 * (src/lib/sched/exact.c) on seeded random instances of 200-2000 jobs,
 * 3 sites, 24 hourly slots, carbon objective. One JSON line per instance
 * (greedy and exact objectives, CBC's bound, whether optimal, gap in %),
 * then one summary line with the gap percentiles.
 *
 * Usage: bench_sched_exact [instances (10)] [time limit per solve, s (10)]
 *                          [fewest jobs (20)] [most jobs (120)] [mip|relax]
 * The defaults keep `make bench` short. At the range, 200-2000
 * jobs, CBC proves no optimum in minutes; `bench_sched_exact 50 60 200 2000
 * relax` compares the greedy with the LP relaxation's optimum instead, a
 * lower bound on every schedule that places as many jobs, so the gap it
 * prints is an upper bound on the greedy's true gap.
 */
#include "zeropark/sched.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_instance.h"

/* A number for JSON: NaN (no figure) as null. Rotates over 16 buffers so
 * several may appear in one printf. */
static const char *jn(double x)
{
    static char buf[16][32];
    static int k;
    char *b = buf[k++ & 15];
    if (isnan(x))
        snprintf(b, 32, "null");
    else
        snprintf(b, 32, "%.4f", x);
    return b;
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
    int relax = argc > 5 && strcmp(argv[5], "relax") == 0;
    if (nmax < nmin)
        nmax = nmin;
    zp_ctx *ctx = zp_ctx_new();
    double *gap = calloc(n ? n : 1, sizeof *gap), *gapb = calloc(n ? n : 1, sizeof *gapb);
    size_t ng = 0, ngb = 0, nopt = 0, nfewer = 0;
    if (!ctx || !gap || !gapb)
        return 1;
    for (size_t i = 0; i < n; i++) {
        size_t N = nmin + (size_t)((double)i * (double)(nmax - nmin) / (double)(n > 1 ? n - 1 : 1));
        zp_sched_problem *p = sched_instance(ctx, i + 1, N);
        zp_sched_opts o;
        zp_sched_opts_init(&o);
        o.time_limit_s = limit;
        zp_sched_result *g = NULL, *x = NULL;
        zp_sched_opts xo = o;
        xo.relax = relax;
        if (!p || zp_sched_greedy(ctx, p, &o, &g) || zp_sched_exact(ctx, p, &xo, &x)) {
            fprintf(stderr, "instance %zu: %s\n", i, zp_ctx_errmsg(ctx));
            zp_sched_result_free(ctx, g);
            zp_sched_problem_free(ctx, p);
            continue;
        }
        double ge = g->totals.objective, xe = x->totals.objective;
        int same = g->totals.placed == x->totals.placed;
        /* relax: x is a rounding of the LP optimum, its objective no optimum */
        double gp = same && xe > 0 && !relax ? 100 * (ge / xe - 1) : NAN;
        /* the bound for schedules leaving out as many jobs as the greedy */
        double bg = x->bound_raw - x->penalty * (double)g->totals.unplaced_by_reason[ZP_SCHED_CAPACITY];
        int fewer = g->totals.placed < x->totals.placed;
        double gb = !fewer && bg > 0 ? 100 * (ge / bg - 1) : NAN;
        nfewer += fewer;
        printf("{\"instance\":%zu,\"jobs\":%zu,\"greedy\":%.6f,\"exact\":%.6f,\"bound\":%s,"
               "\"optimal\":%d,\"greedy_placed\":%zu,\"exact_placed\":%zu,\"gap_pct\":%s,"
               "\"gap_vs_bound_pct\":%s,\"greedy_s\":%.3f,\"exact_s\":%.3f}\n",
               i, N, ge, xe, jn(bg), x->optimal, g->totals.placed, x->totals.placed, jn(gp), jn(gb),
               g->seconds, x->seconds);
        fflush(stdout);
        if (!isnan(gp))
            gap[ng++] = gp;
        if (!isnan(gb))
            gapb[ngb++] = gb;
        nopt += x->optimal != 0;
        zp_sched_result_free(ctx, g);
        zp_sched_result_free(ctx, x);
        zp_sched_problem_free(ctx, p);
    }
    qsort(gap, ng, sizeof *gap, dcmp);
    qsort(gapb, ngb, sizeof *gapb, dcmp);
    printf("{\"summary\":true,\"mode\":\"%s\",\"instances\":%zu,\"compared\":%zu,"
           "\"compared_with_bound\":%zu,\"greedy_placed_fewer\":%zu,\"proven_optimal\":%zu,"
           "\"gap_pct\":{\"p0\":%s,\"p50\":%s,\"p90\":%s,\"p95\":%s,\"p100\":%s},"
           "\"gap_vs_bound_pct\":{\"p0\":%s,\"p50\":%s,\"p90\":%s,\"p95\":%s,"
           "\"p100\":%s}}\n",
           relax ? "relax" : "mip", n, ng, ngb, nfewer, nopt, jn(pct(gap, ng, 0)), jn(pct(gap, ng, 0.5)),
           jn(pct(gap, ng, 0.9)), jn(pct(gap, ng, 0.95)), jn(pct(gap, ng, 1)), jn(pct(gapb, ngb, 0)),
           jn(pct(gapb, ngb, 0.5)), jn(pct(gapb, ngb, 0.9)), jn(pct(gapb, ngb, 0.95)), jn(pct(gapb, ngb, 1)));
    free(gap);
    free(gapb);
    zp_ctx_free(ctx);
    return 0;
}
