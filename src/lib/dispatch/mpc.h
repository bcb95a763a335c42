/*
 * mpc.h - rolling-horizon dispatch (internal to the library; the public
 * entry is zp_simulate with ZP_DISPATCH_MPC).
 */
#ifndef ZP_MPC_H
#define ZP_MPC_H

#include "zeropark/dispatch.h"
#include "zeropark/forecast.h"

typedef struct zp_mpc_opts {
    size_t horizon_steps;          /* steps the optimiser looks ahead, >= 1 */
    size_t replan_steps;           /* steps executed between plans, >= 1 */
    const zp_forecast_opts *fc;    /* forecast methods */
    const double *clearsky_pv_kw;  /* steps values, for clear-sky-index PV forecasts */
    int no_pv;                     /* the park has no PV: its PV forecast is zero */
    const double *import_limit_kw; /* steps values (outages), or NULL */
    const double *reserve_kwh;     /* steps values, or NULL */
    double time_limit_s;           /* per solve; 0 = none */
} zp_mpc_opts;

typedef struct zp_mpc_info {
    size_t solves;      /* plans made */
    size_t fallbacks;   /* plans that fell back to the rule */
    size_t warm;        /* solves warm-started from the previous basis */
    long iterations;    /* simplex iterations, all solves */
    double solve_s;     /* time in the LP (build + solve) */
} zp_mpc_info;

/* Run the whole input window with rolling-horizon optimisation on
 * forecasts; every step is executed with the actual values of in.
 * *out is a result of in->steps steps (method "mpc"). */
zp_status zp__dispatch_mpc(zp_ctx *ctx, const zp_dispatch_input *in, const zp_mpc_opts *opts,
                           zp_dispatch_result **out, zp_mpc_info *info);

#endif
