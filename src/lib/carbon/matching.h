/*
 * matching.h - private to the library (never installed): hourly matching
 * of carbon-free energy, the one implementation behind the accounting
 * engine (account.c) and the simulation (sim/sim.c).
 */
#ifndef ZP_CARBON_MATCHING_H
#define ZP_CARBON_MATCHING_H

#include "core/internal.h"
#include "zeropark/carbon.h"

/* What is matched: n steps of dt_h hours. */
typedef struct zp__cfe_run {
    size_t n;
    double dt_h;
    const double *pv_kw, *wind_kw;   /* on-site renewables per step; NULL counts as 0 */
    double (*cons_kw)(const void *ud, size_t t); /* consumption in step t, kW */
    const void *ud;                  /* the caller's data for cons_kw */
    const zp_acct_storage *bat;      /* the batteries; NULL charge or discharge counts as 0 */
    size_t nbat;
    const double *green_kw;          /* green power delivered under a contract with an
                                        hourly profile, per step; NULL: none */
} zp__cfe_run;

/* Carbon-free power consumed in each step (docs/methodology.md "Green
 * share"), the steps matched in order: renewables (pv + wind) serve
 * consumption first and their surplus charges the batteries green; each
 * battery keeps a pool of stored energy and its green part, initial_kwh
 * counting as grey, and its discharge carries the pool's green fraction;
 * a contract's green power delivered in the step adds to them; a step's
 * value is capped at its consumption. Into cfe_kw (NULL: not kept) and,
 * summed x dt_h in step order, *cfe_kwh (NULL: not summed); *contract_kwh
 * (NULL: not summed) receives the part of the sum the contract added
 * (what the step's value exceeds the on-site part by). Returns ZP_OK or
 * ZP_ENOMEM. */
zp_status zp__cfe_match(zp_ctx *ctx, const zp__cfe_run *run, double *cfe_kw, double *cfe_kwh,
                        double *contract_kwh);

#endif
