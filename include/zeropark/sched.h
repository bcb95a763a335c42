/*
 * zeropark/sched.h - carbon-aware placement of compute jobs across sites and
 * hours ("East Data, West Compute"), docs/schedule.md.
 *
 * Main types and calls: zp_sched_problem (zp_sched_sites_load,
 * zp_sched_jobs_load, or built with zp_sched_problem_new and
 * zp_sched_problem_add_job), zp_sched_opts, the solvers zp_sched_greedy,
 * zp_sched_exact and the baselines (zp_sched_baseline_run) into a
 * zp_sched_result, then zp_sched_compare, zp_sched_check and
 * zp_sched_site_load_csv; a site may be coupled to a park model
 * (zp_sched_site_use_park, zp_sched_park_share_of), which it simulates
 * through sim.h. Otherwise it stands on core.h alone. Units are in the names
 * (_kw, _kwh, _kg, _ms, _h); calls that can fail take a zp_ctx and give the
 * file, line and JSON path at fault.
 *
 * A problem has S sites, T slots of slot_h hours from `start`, R user
 * regions with a one-way latency matrix (ms) region x site, and N jobs. A
 * job runs `duration` slots at `power_kw` of IT load at ONE site; its slots
 * t satisfy release <= t < deadline (deadline is exclusive: the job must be
 * finished at the start of slot `deadline`). Non-preemptible jobs take
 * contiguous slots; preemptible jobs any slots, but every maximal run of
 * consecutive slots is at least min_chunk long (min_chunk 1 = free pausing;
 * training jobs checkpoint every min_chunk slots). A job with a region
 * (>= 0) and a latency bound (> 0) may run only at sites whose latency from
 * that region is <= the bound.
 *
 * Accounting per site s and slot t (IT load L kW, PUE u, on-site zero-carbon
 * supply G kW, grid intensity I kg/kWh, price P CNY/kWh, slot length h):
 *     grid_kw   = max(0, L*u - G)          (green covers load first)
 *     emissions = grid_kw * h * I          cost = grid_kw * h * P
 * Green energy is free and carbon-free. The objective is emissions (kg),
 * cost (CNY) or cost + emissions/1000 * carbon_price_cny_per_t.
 *
 * Solvers (greedy in src/lib/sched/greedy.c, exact in exact.c) share one
 * signature and one result type; zp_sched_evaluate() recomputes loads and
 * totals from the placements and zp_sched_check() verifies a result
 * independently.
 */
#ifndef ZEROPARK_SCHED_H
#define ZEROPARK_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "zeropark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZP_SCHED_NAME_MAX 64 /* site and region names, including the NUL */

typedef enum zp_job_class {
    ZP_JOB_INTERACTIVE = 0, /* latency-bound, usually no slack in time */
    ZP_JOB_BATCH = 1,       /* may wait, move, and (if preemptible) pause */
    ZP_JOB_TRAINING = 2     /* checkpointable in chunks of >= min_chunk slots */
} zp_job_class;

typedef enum zp_sched_objective {
    ZP_SCHED_CARBON = 0,               /* minimise kg CO2 */
    ZP_SCHED_COST = 1,                 /* minimise CNY */
    ZP_SCHED_COST_WITH_CARBON_PRICE = 2 /* CNY + t CO2 * carbon_price_cny_per_t */
} zp_sched_objective;

/* Why a job has no placement. Never renumbered. */
typedef enum zp_sched_reason {
    ZP_SCHED_PLACED = 0,   /* placed */
    ZP_SCHED_LATENCY = 1,  /* no site within the job's latency bound */
    ZP_SCHED_WINDOW = 2,   /* release/deadline/duration impossible within the horizon */
    ZP_SCHED_CAPACITY = 3, /* feasible sites and slots exist but all are full */
    ZP_SCHED_REASON_LAST
} zp_sched_reason;

/* "placed", "latency", "window", "capacity". */
ZP_API const char *zp_sched_reason_name(zp_sched_reason r);
/* "interactive", "batch", "training". */
ZP_API const char *zp_job_class_name(zp_job_class c);

typedef struct zp_sched_site {
    char name[ZP_SCHED_NAME_MAX];  /* unique */
    double capacity_kw;            /* IT power available per slot, >= 0 */
    double pue;                    /* facility / IT energy, >= 1 */
    double *intensity_kg_per_kwh;  /* [nslots] marginal grid intensity */
    double *price_cny_per_kwh;     /* [nslots] grid price */
    double *green_kw;              /* [nslots] on-site zero-carbon supply (facility side) */
    char *park_model;              /* park model path from the sites file, or NULL */
    int park_model_line;           /* where the sites file gives it (1-based; 0: unknown), */
    int park_model_col;            /* for messages about the model */
} zp_sched_site;

typedef struct zp_sched_job {
    uint32_t id_off;     /* offset of the id in the problem's id pool (zp_sched_job_id) */
    uint32_t line;       /* line in the jobs file, 0 when built in code */
    int32_t home;        /* home site index (the baselines run here) */
    int32_t region;      /* user region index, or -1 for none */
    double latency_ms;   /* bound from region, one way; <= 0 means none */
    int32_t release;     /* first slot it may run in */
    int32_t deadline;    /* exclusive: all its slots are < deadline */
    int32_t duration;    /* slots of running, >= 1 */
    int32_t min_chunk;   /* shortest run when preempted, >= 1 */
    double power_kw;     /* IT power while running, > 0 */
    uint8_t cls;         /* zp_job_class */
    uint8_t preemptible; /* 1: any slots, in runs of >= min_chunk */
} zp_sched_job;

typedef struct zp_sched_problem {
    size_t nsites, nslots, nregions, njobs;
    zp_time_t start;                 /* start of slot 0 */
    int32_t offset_min;              /* local offset for printing times */
    double slot_h;                   /* slot length, hours (default 1) */
    double carbon_price_cny_per_t;   /* for ZP_SCHED_COST_WITH_CARBON_PRICE */
    zp_sched_site *sites;            /* [nsites] */
    char (*regions)[ZP_SCHED_NAME_MAX]; /* [nregions] */
    double *latency_ms;              /* [nregions * nsites], row = region */
    zp_sched_job *jobs;              /* [njobs] */
    size_t jobs_cap;                 /* internal */
    char *ids;                       /* id pool: NUL-terminated ids */
    size_t ids_len, ids_cap;         /* internal */
} zp_sched_problem;

/* ---- building and reading problems ------------------------------------- */

/* An empty problem with nsites sites (named "site0".., capacity 0, PUE 1,
 * intensity/price/green zero), nregions regions ("region0"..), latency 0,
 * nslots slots of 1 h from t=0, no jobs. Free with zp_sched_problem_free. */
ZP_API zp_status zp_sched_problem_new(zp_ctx *ctx, size_t nsites, size_t nslots, size_t nregions,
                                      zp_sched_problem **out);
ZP_API void zp_sched_problem_free(zp_ctx *ctx, zp_sched_problem *p);
/* Append a copy of job with the given id (NULL: the job's index). The
 * fields are not validated here (infeasible jobs are reported by solvers);
 * home must be a site index and region -1 or a region index, else EINVAL. */
ZP_API zp_status zp_sched_problem_add_job(zp_ctx *ctx, zp_sched_problem *p,
                                          const zp_sched_job *job, const char *id);
/* The id of job j (borrowed from p). */
ZP_API const char *zp_sched_job_id(const zp_sched_problem *p, size_t j);
/* Latency in ms from region r to site s. */
ZP_API double zp_sched_latency(const zp_sched_problem *p, size_t r, size_t s);
/* 1 if job j may run at site s by its latency bound, else 0. */
ZP_API int zp_sched_site_allowed(const zp_sched_problem *p, size_t j, size_t s);
/* Objective weight of one kWh of GRID energy at site s, slot t (kg, CNY or
 * CNY with carbon price). The objective of a schedule is
 * sum over s,t of grid_kw * slot_h * weight. */
ZP_API double zp_sched_weight(const zp_sched_problem *p, zp_sched_objective obj, size_t s,
                              size_t t);

/* Sites file (JSON, docs/schedule.md) from a buffer; name is used in
 * messages (file name). Creates the problem (no jobs). Errors: ZP_EPARSE
 * (JSON syntax, with line:column), ZP_EMODEL (content, one diagnostic per
 * problem with its JSON path). Sites with "park_model" keep the path; see
 * zp_sched_couple_parks. */
ZP_API zp_status zp_sched_sites_parse(zp_ctx *ctx, const char *buf, size_t len, const char *name,
                                      zp_sched_problem **out);
ZP_API zp_status zp_sched_sites_load(zp_ctx *ctx, const char *path, zp_sched_problem **out);
/* Jobs CSV (header: id,class,home,region,latency_ms,release,deadline,
 * duration,power_kw,preemptible,min_chunk) appended to p. Every bad row
 * gets a diagnostic "name:line: ..." and the call fails with ZP_EDATA (or
 * ZP_EPARSE for a bad header) without adding any job. */
ZP_API zp_status zp_sched_jobs_parse(zp_ctx *ctx, zp_sched_problem *p, const char *buf,
                                     size_t len, const char *name);
ZP_API zp_status zp_sched_jobs_load(zp_ctx *ctx, zp_sched_problem *p, const char *path);

/* ---- solving -------------------------------------------------------------- */

typedef struct zp_sched_opts {
    zp_sched_objective objective; /* default ZP_SCHED_CARBON */
    double time_limit_s;          /* exact: solver time limit, <= 0 none (default 60) */
    int relax;                    /* exact: 1 = LP relaxation only (a lower bound) */
    uint64_t seed;                /* for randomised tie-breaking, 0 = none */
    int improve_passes;           /* greedy: improvement passes after the first
                                     placement; 0 = auto (up to 8 for <= 200,000
                                     jobs, none above), < 0 = none */
    int restarts;                 /* greedy: extra runs in perturbed job orders,
                                     the best kept; 0 = auto (16 when jobs x
                                     sites x slots <= 2^16, none above), < 0 = none */
} zp_sched_opts;
ZP_API void zp_sched_opts_init(zp_sched_opts *o);

/* A job's placement. A placed job has site >= 0 and either runs
 * contiguously in [start, start + duration) (slot_off < 0) or in the
 * `duration` ascending slots r->slots[slot_off ..]. */
typedef struct zp_sched_placement {
    int32_t site;    /* -1 when not placed */
    int32_t start;   /* first slot, -1 when not placed */
    int64_t slot_off; /* -1: contiguous; else offset into r->slots */
    uint8_t reason;  /* zp_sched_reason */
} zp_sched_placement;

typedef struct zp_sched_totals {
    size_t placed, unplaced;
    size_t unplaced_by_reason[ZP_SCHED_REASON_LAST]; /* [0] unused */
    double it_kwh;           /* IT energy of placed jobs */
    double facility_kwh;     /* IT energy x PUE */
    double green_kwh;        /* facility energy met by on-site green supply */
    double grid_kwh;         /* facility energy from the grid */
    double emissions_kg;
    double cost_cny;
    double objective;        /* in the units of the objective */
    double green_share_pct;  /* green / facility, hourly matched */
    double overload_kwh;     /* IT energy above site capacity (SDK baseline only) */
} zp_sched_totals;

typedef struct zp_sched_result {
    const char *method;          /* "greedy", "exact", "run_now", "carbon_aware_sdk" (static) */
    size_t njobs, nsites, nslots;
    zp_sched_placement *place;   /* [njobs] */
    int32_t *slots;              /* slot lists of non-contiguous placements */
    size_t nslots_used, slots_cap;
    double *load_kw;             /* [nsites * nslots] IT load, row = site */
    zp_sched_totals totals;      /* filled by zp_sched_evaluate */
    double seconds;              /* solve time */
    double bound;                /* exact: best lower bound of the objective, NAN if none */
    int optimal;                 /* exact: 1 if proven optimal */
    int improve_passes;          /* greedy: improvement passes run */
    double bound_raw;            /* exact: the solver's bound on objective +
                                    penalty x (modelled jobs left out), NAN if none */
    double penalty;              /* exact: that penalty per job left out */
} zp_sched_result;

/* A result for p with every job unplaced (reason ZP_SCHED_CAPACITY) and
 * zero loads; method must be a static string. For solvers. */
ZP_API zp_status zp_sched_result_new(zp_ctx *ctx, const zp_sched_problem *p, const char *method,
                                     zp_sched_result **out);
ZP_API void zp_sched_result_free(zp_ctx *ctx, zp_sched_result *r);
/* Record job j as running contiguously at site from start. Does not touch
 * load_kw (zp_sched_evaluate does). */
ZP_API void zp_sched_result_place(zp_sched_result *r, size_t j, int32_t site, int32_t start);
/* Record job j at site in the n given slots (ascending; copied). */
ZP_API zp_status zp_sched_result_place_slots(zp_ctx *ctx, zp_sched_result *r, size_t j,
                                             int32_t site, const int32_t *slots, size_t n);
/* Record job j as not placed for the reason. */
ZP_API void zp_sched_result_reject(zp_sched_result *r, size_t j, zp_sched_reason reason);
/* The slots of placed job j, written to buf (room for the job's duration).
 * Returns the count, 0 if not placed. */
ZP_API size_t zp_sched_result_job_slots(const zp_sched_problem *p, const zp_sched_result *r,
                                        size_t j, int32_t *buf);
/* Recompute r->load_kw and r->totals from the placements. ZP_ERANGE when a
 * total is not finite (inputs beyond the readers' ranges, built in code). */
ZP_API zp_status zp_sched_evaluate(zp_ctx *ctx, const zp_sched_problem *p,
                                   const zp_sched_opts *opts, zp_sched_result *r);

/* Greedy heuristic: jobs by increasing slack then decreasing energy; each
 * takes the feasible (site, slots) of least marginal objective given the
 * loads so far. Infeasible jobs get their reason. Result is evaluated. */
ZP_API zp_status zp_sched_greedy(zp_ctx *ctx, const zp_sched_problem *p,
                                 const zp_sched_opts *opts, zp_sched_result **out);
/* Exact MIP (CLP/CBC, always built in) on the same problem, in
 * src/lib/sched/exact.c. Result is evaluated. Returns ZP_EUNSUPPORTED when an
 * objective weight is negative (a negative price with the cost
 * objectives): the model prices grid energy linearly and would be
 * unbounded; the message names the site, slot and sites-file key. */
/* Largest instance zp_sched_exact accepts (ZP_ETOOBIG above it). */
#define ZP_SCHED_EXACT_MAX_JOBS 5000
ZP_API zp_status zp_sched_exact(zp_ctx *ctx, const zp_sched_problem *p,
                                const zp_sched_opts *opts, zp_sched_result **out);

typedef enum zp_sched_baseline {
    /* Each job at its home site from its release, contiguously; if the
     * home site is full, the next start that fits before the deadline;
     * else unplaced (capacity). Latency is not checked (home is assumed
     * to serve its users). */
    ZP_SCHED_RUN_NOW = 0,
    /* Carbon Aware SDK rule: each job independently at its home site, in
     * the contiguous window of its duration within [release, deadline)
     * with the lowest mean grid intensity (earliest on ties). Capacity is
     * ignored, as the SDK does; totals.overload_kwh shows the excess. */
    ZP_SCHED_CARBON_AWARE_SDK = 1
} zp_sched_baseline;
ZP_API zp_status zp_sched_baseline_run(zp_ctx *ctx, const zp_sched_problem *p,
                                       const zp_sched_opts *opts, zp_sched_baseline which,
                                       zp_sched_result **out);

/* How a schedule compares with a baseline (docs/schedule.md, "Reductions").
 * A reduction is 100 x (baseline - schedule) / baseline:
 * - both placed exactly the same jobs: over the totals (ZP_SCHED_CMP_SAME_JOBS);
 * - both placed some jobs, not the same ones: over the totals per kWh of IT
 *   energy, i.e. per unit of work done (ZP_SCHED_CMP_PER_IT_KWH); the counts
 *   say how much work each did;
 * - either placed none: no reduction (ZP_SCHED_CMP_NONE).
 * A percentage of a baseline figure <= 0 means nothing: that reduction is
 * NAN (e.g. emissions when the baseline emits nothing, or cost with
 * negative prices). */
typedef enum zp_sched_cmp_basis {
    ZP_SCHED_CMP_NONE = 0,
    ZP_SCHED_CMP_SAME_JOBS = 1,
    ZP_SCHED_CMP_PER_IT_KWH = 2
} zp_sched_cmp_basis;

typedef struct zp_sched_reduction {
    zp_sched_cmp_basis basis;
    double emissions_pct;  /* NAN when not defined */
    double objective_pct;  /* NAN when not defined */
    size_t placed;         /* jobs the schedule placed */
    size_t base_placed;    /* jobs the baseline placed */
    size_t njobs;
} zp_sched_reduction;

/* "same_jobs", "per_it_kwh", "none". */
ZP_API const char *zp_sched_cmp_basis_name(zp_sched_cmp_basis b);
/* Compare the evaluated result r with the evaluated baseline b, both for p. */
ZP_API zp_status zp_sched_compare(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                                  const zp_sched_result *b, zp_sched_reduction *out);

/* Independent checker. Flags: */
#define ZP_SCHED_CHECK_NO_CAPACITY 1u /* skip capacity (SDK baseline) */
#define ZP_SCHED_CHECK_NO_LATENCY 2u  /* skip latency (baselines run at home) */
/* Verifies every placement: site index and latency, slot count, release,
 * deadline, contiguity (non-preemptible), min_chunk runs, ascending slots,
 * capacity per site and slot (1e-9 relative tolerance), and that unplaced
 * jobs carry a reason. Appends one diagnostic per violation (at most 100)
 * and returns ZP_EDATA with the count, or ZP_OK. *violations (may be NULL)
 * gets the full count. Does not use r->load_kw. */
ZP_API zp_status zp_sched_check(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                                unsigned flags, size_t *violations);

/* ---- coupling with the park (docs/schedule.md, "Coupling") ---------------- */

/* The IT load of site s as CSV "time,it_kw" (one row per slot, ISO-8601
 * times at the problem's offset), for a park model's
 * datacenter.it_power_kw. *out is allocated with the ctx allocator; free
 * it with zp_sched_text_free. */
ZP_API zp_status zp_sched_site_load_csv(zp_ctx *ctx, const zp_sched_problem *p,
                                        const zp_sched_result *r, size_t s, char **out,
                                        size_t *len);
ZP_API void zp_sched_text_free(zp_ctx *ctx, char *text);

/* ---- exact method: model export (added by the exact-scheduler work,
 * src/lib/sched/exact.c; docs/schedule.md, "Exact method") ------------------ */

/* Write the MIP that zp_sched_exact solves for p and opts (objective,
 * relax) to path as free-format MPS (integer columns between MARKER lines,
 * explicit bounds, minimise, no objective constant), for an independent
 * solver. Column and row names are documented in docs/schedule.md.
 * Errors: ZP_EINVAL (bad problem), ZP_EUNSUPPORTED (negative objective
 * weight), ZP_EIO (cannot write), ZP_ENOMEM. */
ZP_API zp_status zp_sched_write_mps(zp_ctx *ctx, const zp_sched_problem *p,
                                    const zp_sched_opts *opts, const char *path);

/* ---- Coupling with a park model --------------------------------------- */

typedef struct zp_sched_park_info {
    double mean_green_kw;          /* mean surplus taken as green supply */
    double pue;                    /* the PUE the site now uses */
    double green_share_hourly_pct; /* the park's own hourly-matched share (rule run) */
} zp_sched_park_info;

/* Site s names a park model (path relative to sites_path's directory):
 * simulate the park at the schedule's slot length (rule-based dispatch)
 * and take its hourly surplus - PV and wind it would curtail - as the
 * site's green_kw, slot by slot at the same local time of year, and its
 * data center's PUE. info may be NULL. Errors: the model's, or
 * ZP_EUNSUPPORTED for slots that are not a model step. */
ZP_API zp_status zp_sched_site_use_park(zp_ctx *ctx, zp_sched_problem *p, size_t s,
                                        const char *sites_path, zp_sched_park_info *info);

/* The campus with a schedule's load: the park model of site s simulated
 * over the schedule's window (the same local time of year in the model's
 * year, rule-based dispatch, at the slot length) with the data center's IT
 * load replaced by the site's load in r and its own flexible part switched
 * off (the schedule already decided when the work runs). Comparing r for
 * the scheduled answer with r for the run-now baseline gives the campus's
 * hourly-matched green share with and without scheduling. */
typedef struct zp_sched_park_share {
    double it_kwh;                     /* the site's IT energy over the window */
    double consumption_kwh;            /* campus consumption (loads + facility) */
    double grid_import_kwh;
    double curtailed_kwh;              /* PV and wind the campus could not use */
    double green_share_hourly_pct;     /* hourly-matched (24/7 CFE) share */
    double green_share_volumetric_pct; /* annual-style volumetric share */
    double scope2_location_t;          /* grid import x location factor */
} zp_sched_park_share;

/* Errors: ZP_EINVAL (site without a park model, or a model without a data
 * center), ZP_ERANGE (the window leaves the model's period), the model's. */
ZP_API zp_status zp_sched_park_share_of(zp_ctx *ctx, const zp_sched_problem *p, size_t s,
                                        const char *sites_path, const zp_sched_result *r,
                                        zp_sched_park_share *out);

#ifdef __cplusplus
}
#endif
#endif
