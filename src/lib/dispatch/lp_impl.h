/*
 * lp_impl.h - private to src/lib/dispatch (never installed): the dispatch
 * LP's handle and the layout of its columns and rows, shared by lp.c (the
 * LP) and mps.c (its MPS export).
 */
#ifndef ZP_LP_IMPL_H
#define ZP_LP_IMPL_H

#include "core/internal.h"
#include "zeropark/dispatch.h"

#include <float.h>
#include <stddef.h>

/* CLP's C header declares `ClpSolve_new()` without a prototype. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include <Clp_C_Interface.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* CLP reads bounds at or above 1e30 as infinite. */
#define LP_INF DBL_MAX

/* Fixed column offsets within a step. */
enum { C_PV = 0, C_WIND, C_IMP, C_EXP, C_UNS, C_FIXED };

/* Arrays of the handle, each with its own capacity. */
enum { B_ETA, B_START, B_INDEX, B_VALUE, B_COLLB, B_COLUB, B_OBJ, B_ROWLB, B_ROWUB, B_STATUS,
       B_ARR, B_LATE, B_IMPLIM, B_QUEUED, B_MOS, B_MWORK, B_MPEAK, B_SUBPEAK, B_SUBFRAC, B_COUNT };

struct zp_lp {
    zp_ctx *ctx;
    Clp_Simplex *clp;
    int loaded;       /* CLP holds the problem of the shape below */
    int has_basis;    /* the last solve was optimal: its basis is in status */

    /* Shape of the built matrix. */
    size_t steps, nst, nfl;
    double dt;
    int reserve;
    int pwr;          /* the pwr_k_t rows are there */
    int pwr_force;    /* windows' sub-solver: 1 + the parent's pwr; 0 = own */
    int dem;          /* the pk_t rows and the month columns are there */
    size_t nm;        /* month columns (with dem) */
    double *eta;      /* 2 * nst: charge and discharge efficiency */

    size_t cps, rps;  /* columns and rows per step */
    size_t nsc;       /* step columns, steps * cps: the month columns follow */
    size_t ncols, nrows, nnz;
    size_t nnz_steps; /* entries of the step columns (the month columns' follow) */
    uint16_t *mos;    /* steps: the month of each step the month columns hold */
    size_t *mwork;    /* nm + 1 (2 nm + 1 in windows_basis): counts when building, a
                         step per month in crash_basis and windows_basis */
    double *mpeak;    /* nm: the crash basis' largest import per month */
    int reload;       /* the month columns changed: load the matrix into CLP again */
    CoinBigIndex *start;   /* ncols + 1 */
    int *index;            /* nnz */
    double *value;         /* nnz */
    double *collb, *colub, *obj; /* ncols */
    double *rowlb, *rowub; /* nrows */
    unsigned char *status; /* ncols + nrows: basis of the last optimal solve */

    /* Per-solve data. */
    double *arr;      /* steps * nfl: deferrable flexible arrivals a'_jt (kW) */
    double *late;     /* steps: flexible arrivals due at once, all loads */
    double *queued0;  /* nfl: flexible energy queued before step 0 (kW over a step) */
    double *imp_lim;  /* steps: import limit */

    size_t cap[B_COUNT];

    /* Values used by the last build. */
    double penalty, reserve_penalty, epsilon;

    /* Long cold solves: a second solver for the windows that seed the
     * starting basis, and its flexible-load views. */
    zp_lp *sub;
    zp_dispatch_flex *sub_flex;
    size_t sub_flex_cap;
    double *sub_peak; /* nm: each month's peak so far as the windows go on */
    double *sub_frac; /* nm: the windows' shares of the months' charges */

    /* The planner's solution of a larger LP built on this one
     * (zp__lp_extract, dispatch/lpmatrix.h): extract reads it instead of
     * CLP's. */
    const double *x_given;
};

static inline size_t col_short(const zp_lp *lp) { (void)lp; return C_FIXED; }
static inline size_t col_st(const zp_lp *lp, size_t k) { return C_FIXED + (size_t)lp->reserve + 3 * k; }
static inline size_t col_fl(const zp_lp *lp, size_t j) { return C_FIXED + (size_t)lp->reserve + 3 * lp->nst + 2 * j; }
static inline size_t row_dyn(size_t k) { return 1 + k; }
static inline size_t row_fq(const zp_lp *lp, size_t j) { return 1 + lp->nst + j; }
static inline size_t row_res(const zp_lp *lp) { return 1 + lp->nst + lp->nfl; }
static inline size_t row_pwr(const zp_lp *lp, size_t k) { return 1 + lp->nst + lp->nfl + (size_t)lp->reserve + k; }
static inline size_t row_pk(const zp_lp *lp) { return lp->rps - 1; } /* the last row of a step, with dem */

/* The LP as a free-format MPS file (mps.c). */
zp_status zp__lp_write_mps(zp_lp *lp, const char *path);

#endif
