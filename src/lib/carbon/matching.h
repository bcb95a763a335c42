/*
 * matching.h - private to the library (never installed): hourly matching
 * of carbon-free energy, the one implementation behind the accounting
 * engine (account.c) and the simulation (sim/sim.c).
 */
#ifndef ZP_CARBON_MATCHING_H
#define ZP_CARBON_MATCHING_H

#include "core/internal.h"
#include "zeropark/carbon.h"

/* Carbon-free power consumed in each of n steps of dt_h hours
 * (docs/methodology.md "Green share") into cfe_kw: on-site renewables
 * (pv_kw + wind_kw; NULL counts as 0) serve consumption (cons_kw) first,
 * their surplus charges the batteries green; each battery of bat (nbat;
 * NULL charge or discharge counts as 0) keeps a pool of stored energy and
 * its green part, initial_kwh counting as grey, and its discharge carries
 * the pool's green fraction; a step's value is capped at its consumption.
 * Steps are matched in order. Returns ZP_OK or ZP_ENOMEM. */
zp_status zp__cfe_match(zp_ctx *ctx, size_t n, double dt_h, const double *pv_kw,
                        const double *wind_kw, const double *cons_kw, const zp_acct_storage *bat,
                        size_t nbat, double *cfe_kw);

#endif
