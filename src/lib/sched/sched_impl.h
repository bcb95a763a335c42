/*
 * sched_impl.h - private to src/lib/sched (never installed): the ranges of
 * the inputs and what the scheduler's files share.
 */
#ifndef ZP_SCHED_IMPL_H
#define ZP_SCHED_IMPL_H

#include "core/internal.h"
#include "zeropark/sched.h"

#include <math.h>
#include <stdint.h>
#include <time.h>

#define SCHED_MAX_SITES 4096
#define SCHED_MAX_REGIONS 4096
#define SCHED_MAX_SLOTS 100000
#define SCHED_MAX_DIAGS 100
#define SCHED_MAX_LINE 4096
#define SCHED_MAX_FILE ((size_t)4 << 30)
#define SCHED_CAP_TOL 1e-9 /* relative slack on capacity, for float sums */

/* Physical ranges of the inputs (docs/schedule.md, "Inputs"). With every
 * input inside them no sum the scheduler forms can overflow: a job's
 * facility energy is at most 1e6 kW x 1e5 slots x 24 h x PUE 10 = 2.4e13
 * kWh, its emissions 2.4e14 kg, its cost with the largest carbon price
 * (100 + 10 x 1e6 / 1000 CNY/kWh) 2.4e17 CNY, and a 4 GiB jobs file holds
 * fewer than 2^29 jobs (a row takes at least 14 bytes), so every total
 * stays below 1e27, far from the largest double. */
#define SCHED_MAX_CAPACITY_KW 1e8 /* a site's IT capacity and green supply, 100 GW */
#define SCHED_MAX_PUE 10.0
#define SCHED_MAX_INTENSITY 10.0  /* kg CO2 per kWh (coal is about 1) */
#define SCHED_MAX_PRICE 100.0     /* |CNY per kWh| */
#define SCHED_MAX_CARBON_PRICE 1e6 /* CNY per t CO2 */
#define SCHED_MAX_LATENCY_MS 1e4  /* one way, 10 s */
#define SCHED_MAX_POWER_KW 1e6    /* a job's IT power, 1 GW */
#define SCHED_MIN_POWER_KW 0.001  /* a job's IT power, 1 W */
#define SCHED_MAX_SLOT_NUM 1000000 /* |release|, |deadline| in slots */

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* c beats best by more than float noise, so equal costs keep the first
 * candidate (home site, earliest start). best may be HUGE_VAL. */
static inline int better(double c, double best)
{
    return best == HUGE_VAL ? c < HUGE_VAL : c < best - 1e-9 * fabs(best) - 1e-12;
}

/* *opts, or the defaults (zp_sched_opts_init) when opts is NULL. */
static inline zp_sched_opts opts_or_default(const zp_sched_opts *opts)
{
    zp_sched_opts o;
    if (opts)
        return *opts;
    zp_sched_opts_init(&o);
    return o;
}

/* The job's window [*r0, *r1) clipped to the horizon of T slots. */
static inline void job_window(const zp_sched_job *jb, size_t T, int32_t *r0, int32_t *r1)
{
    *r0 = jb->release > 0 ? jb->release : 0;
    *r1 = jb->deadline < (int64_t)T ? jb->deadline : (int32_t)T;
}

/* The shortest run a job may be cut into: min_chunk, at least 1, at most
 * the duration. */
static inline int32_t job_min_run(const zp_sched_job *jb)
{
    int32_t m = jb->min_chunk > 1 ? jb->min_chunk : 1;
    return m < jb->duration ? m : jb->duration;
}

/* Diagnostics "FILE:LINE: message" counted as they are found; the first
 * SCHED_MAX_DIAGS go to the context (diag.c). */
typedef struct sched_diags {
    zp_ctx *ctx;
    const char *file; /* name in the messages, or NULL */
    size_t n;         /* found so far */
    zp_status st;     /* ZP_ENOMEM once sending one failed */
} sched_diags;
void zp__sched_diag(sched_diags *d, size_t line, const char *fmt, ...) ZP_PRINTF(3, 4);

/* problem.c */
zp_status zp__sched_job_append(zp_ctx *ctx, zp_sched_problem *p, const zp_sched_job *job,
                               const char *id, size_t n);
/* result.c: the end of a heuristic's run: r evaluated with opts, its
 * seconds counted from t0, and handed to *out; on failure r is freed. */
zp_status zp__sched_result_finish(zp_ctx *ctx, const zp_sched_problem *p,
                                  const zp_sched_opts *opts, double t0, zp_sched_result *r,
                                  zp_sched_result **out);
/* sites.c */
char *zp__sched_path_beside(zp_ctx *ctx, const char *file, const char *rel);

#endif
