/*
 * evaluate.h - a run's inputs and its evaluation, for engines above the
 * simulation (internal; the capacity plan, src/lib/plan): the same
 * preparation and the same totals zp_simulate makes, around a dispatch of
 * the engine's own. One bill, one accounting, one matching for both.
 */
#ifndef ZP_SIM_EVALUATE_H
#define ZP_SIM_EVALUATE_H

#include "zeropark/sim.h"

/* Prepare a run of m (opts as for zp_simulate; NULL = defaults) up to the
 * dispatch: *out holds the run's arrays (PV per array, wind per farm,
 * loads, firm demand, prices, months), in is the dispatch input an
 * optimiser sees (every price and factor an array, the export price capped
 * at the import price), borrowing from *out, and *reserve_kwh the
 * resilience reserve per step or NULL. Free *out with zp_sim_result_free. */
zp_status zp__sim_inputs(zp_ctx *ctx, const zp_model *m, const zp_sim_opts *opts,
                         zp_sim_result **out, zp_dispatch_input *in,
                         const double **reserve_kwh);

/* Give r (from zp__sim_inputs) its dispatch, flows (owned by r from now
 * on, whatever the outcome), and compute everything zp_simulate reports
 * after the dispatch: energy, the bill, emissions, green shares, targets. */
zp_status zp__sim_evaluate(zp_sim_result *r, zp_dispatch_result *flows);

/* The bill's parts as the results write them (bill.c): {energy, demand,
 * capacity, export_revenue, degradation, green_power, total}. */
struct json_t;
struct json_t *zp__sim_breakdown_json(const zp_bill_breakdown *c);

#endif
