/*
 * sched_instance.h - seeded random scheduling instances for measuring the
 * greedy's gap (bench/bench_sched_exact.c and tests/unit/test_sched_exact.c):
 * 3 sites, 24 hourly slots, 2 user regions; jobs of 1-6 h with windows up
 * to 12 h of slack, 1-10 kW, 40 % preemptible (min chunk 1-3 h), 30 % with
 * a 20 ms latency bound from a region; site capacity 1.2-1.8x the mean
 * demand; a solar-shaped intensity dip and on-site PV at site 0.
 */
#ifndef ZP_BENCH_SCHED_INSTANCE_H
#define ZP_BENCH_SCHED_INSTANCE_H

#include "zeropark/sched.h"

#include <math.h>
#include <string.h>

static uint64_t sched_rng = 1; /* one generator per program */
static double sched_rnd(void)
{
    sched_rng ^= sched_rng >> 12;
    sched_rng ^= sched_rng << 25;
    sched_rng ^= sched_rng >> 27;
    return (double)((sched_rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static zp_sched_problem *sched_instance(zp_ctx *ctx, uint64_t seed, size_t N)
{
    sched_rng = seed * 0x9E3779B97F4A7C15ull + 7;
    const size_t S = 3, T = 24, R = 2;
    zp_sched_problem *p = NULL;
    if (zp_sched_problem_new(ctx, S, T, R, &p))
        return NULL;
    double demand = 0;
    zp_sched_job jb;
    for (size_t j = 0; j < N; j++) {
        memset(&jb, 0, sizeof jb);
        jb.duration = 1 + (int32_t)(sched_rnd() * 6);
        jb.release = (int32_t)(sched_rnd() * (double)(T - (size_t)jb.duration + 1));
        jb.deadline = jb.release + jb.duration + (int32_t)(sched_rnd() * 12);
        jb.power_kw = 1 + 9 * sched_rnd();
        jb.preemptible = sched_rnd() < 0.4;
        jb.min_chunk = jb.preemptible ? 1 + (int32_t)(sched_rnd() * 3) : 1;
        jb.cls = jb.preemptible ? (jb.min_chunk > 1 ? ZP_JOB_TRAINING : ZP_JOB_BATCH)
                                : ZP_JOB_INTERACTIVE;
        jb.home = (int32_t)(sched_rnd() * (double)S);
        jb.region = -1;
        if (sched_rnd() < 0.3) {
            jb.region = (int32_t)(sched_rnd() * (double)R);
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
        st->capacity_kw = 10 + demand / (double)(S * T) * (1.2 + 0.6 * sched_rnd());
        st->pue = 1.1 + 0.4 * sched_rnd();
        double base = 0.3 + 0.5 * sched_rnd();
        for (size_t t = 0; t < T; t++) {
            double solar = t >= 7 && t <= 17 ? sin(3.14159265 * (double)(t - 6) / 12.0) : 0;
            st->intensity_kg_per_kwh[t] = base * (1 - 0.5 * solar) + 0.05 * sched_rnd();
            st->price_cny_per_kwh[t] = 0.4 + 0.6 * sched_rnd();
            st->green_kw[t] = s == 0 ? 0.3 * st->capacity_kw * solar : 0;
        }
        for (size_t r = 0; r < R; r++)
            p->latency_ms[r * S + s] = r == s ? 2 : 10 + 30 * sched_rnd();
    }
    return p;
}

#endif
