/*
 * zeropark/dispatch.h - dispatch of a park's supply and demand over a
 * horizon of fixed steps: who serves each kW of load, what is stored,
 * exported, curtailed, imported or left unserved.
 *
 * Main types and calls: zp_dispatch_input (zp_dispatch_input_init,
 * zp_dispatch_input_check) and zp_dispatch_result, filled by
 * zp_dispatch_rule or zp_dispatch_optimal; the LP itself (zp_lp, zp_lp_opts,
 * zp_lp_solve, zp_lp_info), zp_dispatch_objective (the one objective every
 * dispatcher is compared with) and zp_dispatch_write_mps. It builds on the
 * model (model.h) and the battery bookkeeping (storage.h); the simulation's
 * rule, optimal and rolling-horizon runs and the one-off plan (sim.h) call
 * it with forecasts from forecast.h. Units are in the names (_kw, _kwh,
 * _cny); calls that can fail take a zp_ctx (core.h).
 *
 * One input and one result struct serve every dispatcher:
 *   zp_dispatch_rule  rule-based baseline (dispatch_rule.c), the reference
 *                     every optimiser is compared with;
 *   zp_dispatch_optimal / zp_lp_solve  the LP (dispatch_lp.c), same result.
 * The rule order is documented in docs/methodology.md, section
 * "Rule-based dispatch", and in dispatch_rule.c.
 *
 * Sign conventions: every per-step value is an average power (kW) over the
 * step and is >= 0. Energy = power * step_h. Each step balances:
 *
 *   firm + flex_served + sum(charge) + export + curtailed
 *     = pv_avail + wind_avail + sum(discharge) + import + unserved
 *
 * where pv_avail = pv_used + pv part of curtailed (likewise wind), and
 * flex_served is the flexible demand released from the queues in the step
 * (the part that could not be supplied is in unserved and flex_unserved).
 */
#ifndef ZEROPARK_DISPATCH_H
#define ZEROPARK_DISPATCH_H

#include "zeropark/core.h"
#include "zeropark/model.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A flexible demand: kw[t] arrives at step t and may be served at any step
 * up to its deadline t + floor(max_delay_h / step_h). Nothing is deferred
 * out of the horizon: when that deadline lies past the last step, the
 * arrival is due in step t itself, so energy is conserved within the
 * horizon without piling onto its last step. (So a max delay as long as
 * the horizon leaves nothing deferrable: horizons are meant to be much
 * longer than delays, a year against hours.) */
typedef struct zp_dispatch_flex {
    const char *name;    /* for messages; may be NULL */
    const double *kw;    /* steps values, finite and >= 0 (borrowed) */
    double max_delay_h;  /* finite, >= 0; 0 = not deferrable */
    double share;        /* 0: kw is the flexible demand; > 0: the flexible demand
                            is share x kw (kw a whole load, or IT power with the
                            share times the PUE), which saves the caller a copy
                            of a long series */
    const double *queued_kw; /* nqueued values: flexible energy still waiting at the
                                start, from the arrivals of steps -nqueued .. -1
                                (oldest first), as kW over one step; NULL = none.
                                Each keeps its deadline (arrival + max delay).
                                Used by the LP (rolling horizon); the rule-based
                                dispatch ignores it. */
    size_t nqueued;          /* at most floor(max_delay_h / step_h) */
} zp_dispatch_flex;

typedef struct zp_dispatch_input {
    size_t steps;          /* number of steps, > 0 */
    double step_h;         /* step length in hours, > 0 (1.0, 0.25, ...) */

    /* Per-step arrays of length steps, borrowed; NULL means all zero.
     * Values must be finite and >= 0. */
    const double *pv_kw;   /* available PV AC power, summed over arrays */
    const double *wind_kw; /* available wind power, summed over farms */
    const double *firm_kw; /* demand that cannot move, incl. data-center
                              facility power and the fixed share of loads */

    const zp_dispatch_flex *flex; /* nflex flexible demands (borrowed) */
    size_t nflex;

    const zp_storage *storage;    /* nstorage batteries, model order (borrowed) */
    size_t nstorage;
    const double *soc_initial;    /* nstorage starting SOC fractions; NULL =
                                     each storage's soc_initial (used by
                                     rolling-horizon runs) */

    double import_limit_kw; /* >= 0; INFINITY = unlimited */
    double export_limit_kw; /* >= 0 */
    const unsigned char *grid_down; /* steps flags: 1 = grid outage (no import and
                                       no export in that step); NULL = always up */

    /* Used by optimising dispatchers only; the rule-based dispatch ignores
     * them. Per-step arrays, NULL = 0. */
    const double *import_price_cny_per_kwh;
    const double *export_price_cny_per_kwh;
    const double *grid_factor_kg_per_kwh;
    zp_objective_kind objective;   /* what an optimiser minimises */
    double carbon_price_cny_per_t; /* for ZP_MINIMISE_COST_WITH_CARBON_PRICE */

    /* The demand charge (docs/methodology.md, "Demand charge and battery
     * wear"): CNY per kW of each calendar month's maximum grid import
     * (step means), >= 0; 0 = none, and then the fields below are not
     * read. The optimisers price it when their objective is in CNY
     * (ZP_MINIMISE_COST, ZP_MINIMISE_COST_WITH_CARBON_PRICE): one peak
     * variable per month, at least every import of the month and at least
     * peak_so_far_kw, costing demand_charge x month_fraction per kW. With
     * ZP_MINIMISE_CARBON they ignore it (it is billed, not optimised). The
     * rule-based dispatch shaves peaks whenever it is > 0, whatever the
     * objective. */
    double demand_charge_cny_per_kw_month;
    const uint16_t *month_of_step; /* steps values: each step's calendar month (park-local),
                                      0 .. nmonths - 1; NULL = every step in month 0 */
    size_t nmonths;                /* months indexed; >= 1 when month_of_step is given
                                      (0 with NULL is read as 1) */
    const double *month_fraction;  /* nmonths values in [0, 1]: the share of each month's
                                      charge the horizon pays (days covered / days in
                                      month); NULL = 1 each */
    const double *peak_so_far_kw;  /* nmonths values >= 0: the peak already set (and paid
                                      for) in each month before the horizon, so importing
                                      up to it again costs nothing; NULL = 0 each */
} zp_dispatch_input;

/* Fill in: everything zero/NULL, import_limit_kw = INFINITY,
 * objective = ZP_MINIMISE_CARBON. Cannot fail. */
ZP_API void zp_dispatch_input_init(zp_dispatch_input *in);

/* Check an input: sizes, every array value finite and >= 0, storages
 * (zp_storage_check), flexible demands, limits. Returns ZP_OK, ZP_EINVAL
 * (bad shape or parameter) or ZP_EDATA (bad value; the message names the
 * array and the step). Every dispatcher calls it first. */
ZP_API zp_status zp_dispatch_input_check(zp_ctx *ctx, const zp_dispatch_input *in);

/* Per-storage results. */
typedef struct zp_dispatch_storage {
    double *charge_kw;     /* steps values: AC power drawn from the bus */
    double *discharge_kw;  /* steps values: AC power delivered to the bus */
    double *soc;           /* steps values: SOC fraction at the end of the step */
    double charge_kwh;     /* totals over the horizon */
    double discharge_kwh;
    double soc_start;      /* SOC at the start of the horizon */
} zp_dispatch_storage;

/* Per-flexible-demand totals (kWh, or kWh*h for delay). */
typedef struct zp_dispatch_flex_totals {
    double demand_kwh;     /* energy that arrived */
    double served_kwh;     /* energy supplied */
    double unserved_kwh;   /* energy not supplied by its deadline */
    double delayed_kwh;    /* energy supplied in a later step than it arrived */
    double delay_kwh_h;    /* sum of energy * hours deferred */
} zp_dispatch_flex_totals;

/* Horizon totals, kWh. */
typedef struct zp_dispatch_totals {
    double load_kwh;           /* firm + flexible demand (as it arrived) */
    double firm_kwh;
    double flex_kwh;           /* flexible demand that arrived */
    double pv_available_kwh;
    double wind_available_kwh;
    double pv_kwh;             /* PV used (to load, storage or export) */
    double wind_kwh;           /* wind used */
    double import_kwh;
    double export_kwh;
    double charge_kwh;         /* all storages, AC */
    double discharge_kwh;      /* all storages, AC */
    double curtailed_kwh;
    double unserved_kwh;       /* firm + flexible */
    double flex_unserved_kwh;  /* flexible part of unserved */
    double delayed_kwh;        /* flexible energy supplied later than it arrived */
    double delay_kwh_h;        /* energy-weighted deferral: sum of kWh * hours */
} zp_dispatch_totals;

typedef struct zp_dispatch_result {
    const char *method;      /* static: "rule" or "optimal" */
    size_t steps;
    double step_h;
    size_t nstorage;
    size_t nflex;

    /* Per-step arrays of length steps. */
    double *pv_used_kw;      /* PV taken by load, storage or export */
    double *wind_used_kw;    /* wind taken by load, storage or export */
    double *curtailed_kw;    /* PV + wind not taken */
    double *grid_import_kw;
    double *grid_export_kw;
    double *unserved_kw;     /* demand not supplied (firm + flexible) */
    double *flex_served_kw;  /* flexible demand released from the queues */
    double *flex_unserved_kw;/* part of flex_served that was not supplied */
    double *flex_delayed_kw; /* part of this step's flexible arrival carried
                                to a later step */
    double *flex_backlog_kwh;/* flexible energy queued at the end of the step */

    zp_dispatch_storage *storage;     /* nstorage entries */
    zp_dispatch_flex_totals *flex;    /* nflex entries */
    zp_dispatch_totals totals;

    void *block_;            /* private: the one allocation behind the arrays */
} zp_dispatch_result;

/* Allocate a zeroed result for steps steps, nstorage storages and nflex
 * flexible demands, with method = "rule". Returns ZP_OK, ZP_ENOMEM or
 * ZP_ETOOBIG; *out is NULL on failure. Free with zp_dispatch_result_free. */
ZP_API zp_status zp_dispatch_result_new(zp_ctx *ctx, size_t steps, size_t nstorage, size_t nflex,
                                        zp_dispatch_result **out);
/* Accepts NULL. */
ZP_API void zp_dispatch_result_free(zp_ctx *ctx, zp_dispatch_result *r);

/* Rule-based dispatch over the whole horizon. O(steps * (nstorage +
 * nflex^2)) time, memory allocated once up front. On success *out owns a
 * new result. Errors: those of zp_dispatch_input_check, ZP_ENOMEM; *out is
 * NULL on failure. Deterministic: the same input gives bit-identical
 * results. */
ZP_API zp_status zp_dispatch_rule(zp_ctx *ctx, const zp_dispatch_input *in,
                                  zp_dispatch_result **out);

/* ---- Optimal dispatch (LP, dispatch_lp.c) --------------------------------
 * The same input, solved as a linear programme with COIN-OR CLP: the
 * minimum of the input's objective (carbon kg, or cost CNY, or cost with
 * the carbon price) over every feasible plan, with unserved energy at a
 * penalty so supply always comes first. Formulation, penalties and
 * tie-breaking epsilons: docs/methodology.md, "Optimal dispatch (LP)".
 * Optimising dispatchers also require the price and factor arrays to be
 * finite, with grid factors >= 0 (ZP_EDATA otherwise); prices may be
 * negative (docs/methodology.md, "Negative prices"). */

typedef struct zp_lp_opts {
    double unserved_penalty;  /* objective units per kWh unserved; 0 = automatic
                                 (100 x the largest marginal value, see docs) */
    double reserve_penalty;   /* per kWh of reserve shortfall per step; 0 = automatic */
    double epsilon;           /* tie-break cost per kWh cycled through storage and
                                 per kWh deferred one step; 0 = automatic, < 0 = none */
    double time_limit_s;      /* CLP time limit; 0 = none. On time-out: rule fallback */
    int max_iterations;       /* CLP iteration limit; 0 = none. Hit: rule fallback */
    size_t shift_steps;       /* zp_lp_solve: steps the horizon moved since the
                                 previous solve (rolling horizon); its basis is
                                 shifted by this many steps to warm-start */
    const double *import_limit_kw; /* steps values (>= 0, INFINITY = none) replacing
                                      in->import_limit_kw, e.g. 0 during a grid
                                      outage; NULL = in->import_limit_kw (borrowed) */
    const double *reserve_kwh; /* steps values >= 0: usable stored energy, sum over
                                  storages of (energy - soc_min x energy_kwh), to hold
                                  at the end of each step (soft, penalised); NULL =
                                  no reserve (borrowed) */
    const char *mps_path;     /* write the LP to this free-MPS file before solving;
                                 NULL = none */
} zp_lp_opts;

/* Defaults: everything automatic, no limits, no reserve. Cannot fail. */
ZP_API void zp_lp_opts_init(zp_lp_opts *o);

/* Solver status codes in zp_lp_info.status. */
#define ZP_LP_OPTIMAL 0       /* proven optimal; the plan is the LP's */
#define ZP_LP_INFEASIBLE 1    /* CLP: primal infeasible (cannot happen by
                                 construction; kept for safety) */
#define ZP_LP_UNBOUNDED 2     /* CLP: dual infeasible, e.g. export price above
                                 import price with both limits infinite */
#define ZP_LP_STOPPED 3       /* time or iteration limit */
#define ZP_LP_ERROR 4         /* numerical trouble inside CLP */
#define ZP_LP_CHECK_FAILED 5  /* CLP said optimal but the plan failed zeropark's
                                 own balance/bounds check */

typedef struct zp_lp_info {
    int status;              /* ZP_LP_* */
    char status_text[160];   /* e.g. "optimal", "time limit reached (0.01 s)" */
    double objective;        /* the LP's objective, penalties and epsilons
                                included: what another solver reports for the
                                MPS export. On fallback: the same function
                                evaluated on the rule's plan */
    double objective_economic; /* the input's objective alone (kg CO2 or CNY)
                                  on the returned plan (zp_dispatch_objective) */
    double unserved_penalty; /* values used (after "automatic") */
    double reserve_penalty;
    double epsilon;
    size_t rows, cols, nnz;  /* LP size */
    int iterations;          /* simplex iterations */
    double build_s;          /* building or updating the LP, seconds */
    double solve_s;          /* CLP, seconds */
    int warm_started;        /* 1 when the previous basis was reused */
    int fell_back;           /* 1 when the plan is the rule-based one */
} zp_lp_info;

/* A reusable LP solver for rolling-horizon runs (opaque). */
typedef struct zp_lp zp_lp;

/* New solver bound to ctx (its allocator and errors). NULL when out of
 * memory (ctx's error is set). */
ZP_API zp_lp *zp_lp_new(zp_ctx *ctx);
/* Accepts NULL. */
ZP_API void zp_lp_free(zp_lp *lp);

/* Solve in as an LP. When the shape (steps, step_h, storages and their
 * efficiencies, flexible loads, reserve or not) is that of the previous
 * solve, the LP is updated in place (bounds, objective, right-hand sides)
 * and warm-started from the previous basis shifted back by
 * opts->shift_steps steps; otherwise it is rebuilt. opts may be NULL
 * (defaults); info may be NULL.
 * On success *out owns a new result (free with zp_dispatch_result_free):
 * method "optimal", or, when CLP fails or stops (time or iteration limit),
 * the rule-based plan with method "rule (LP failed: <reason>)" and
 * info->fell_back = 1 -- still ZP_OK, since the plan is valid. With a
 * per-step import limit the fallback cuts import to it and counts the rest
 * as unserved; the fallback ignores the reserve.
 * Errors: those of zp_dispatch_input_check, ZP_EDATA for bad price/factor,
 * limit or reserve arrays, ZP_EIO when the MPS file cannot be written,
 * ZP_ENOMEM; *out is NULL then. */
ZP_API zp_status zp_lp_solve(zp_lp *lp, const zp_dispatch_input *in, const zp_lp_opts *opts,
                             zp_dispatch_result **out, zp_lp_info *info);

/* One-shot: a new solver, one solve, freed. Same contract as zp_lp_solve. */
ZP_API zp_status zp_dispatch_optimal(zp_ctx *ctx, const zp_dispatch_input *in,
                                     const zp_lp_opts *opts, zp_dispatch_result **out,
                                     zp_lp_info *info);

/* Write the exact LP that zp_lp_solve would solve for in and opts as a
 * free-format MPS file (minimisation, objective row "obj", objective
 * constant 0; names in docs/methodology.md, e.g. imp_12, soc_0_12).
 * Errors: as zp_lp_solve, ZP_EIO when path cannot be written. */
ZP_API zp_status zp_dispatch_write_mps(zp_ctx *ctx, const zp_dispatch_input *in,
                                       const zp_lp_opts *opts, const char *path);

/* The input's objective evaluated on a plan, without penalties:
 * ZP_MINIMISE_CARBON: sum import x factor x step_h (kg CO2);
 * ZP_MINIMISE_COST: sum (import x price - export x export price) x step_h (CNY);
 * ZP_MINIMISE_COST_WITH_CARBON_PRICE: cost + carbon price x kg / 1000.
 * In CNY it also counts the storages' wear (degradation_cny_per_kwh x kWh
 * discharged) and, with a demand charge, each month's charge x fraction x
 * the larger of its peak so far and its largest import: what the
 * optimisers minimise. Use it to compare any two dispatchers on the same
 * input; the park's bill is zp_bill_compute's (zeropark/tariff.h). */
ZP_API double zp_dispatch_objective(const zp_dispatch_input *in, const zp_dispatch_result *r);

#ifdef __cplusplus
}
#endif
#endif
