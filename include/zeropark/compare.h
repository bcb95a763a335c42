/*
 * zeropark/compare.h - the dispatch methods side by side (`zeropark
 * compare`): the rule, rolling-horizon MPC and the perfect-foresight
 * optimum on one park, each with its bill (zeropark/tariff.h), and what
 * the optimum's saving against the rule comes from: the tariff's periods,
 * the battery, flexible load (docs/methodology.md "What optimisation
 * buys").
 *
 * Main types and calls: zp_compare_opts (zp_compare_opts_init), zp_compare_run
 * into a zp_compare (the three runs, zp_compare_split), zp_compare_json;
 * zp_compare_free. Built on the simulation (sim.h).
 */
#ifndef ZEROPARK_COMPARE_H
#define ZEROPARK_COMPARE_H

#include "zeropark/core.h"
#include "zeropark/model.h"
#include "zeropark/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zp_compare_opts {
    zp_sim_opts sim; /* options of every run (its dispatch is set per run); default
                        zp_sim_opts_init with no_reserve = 1 (the rule holds none) */
    int split;       /* 1 (default): the runs that split the optimum's saving */
} zp_compare_opts;

/* Defaults as above. Cannot fail. */
ZP_API void zp_compare_opts_init(zp_compare_opts *o);

/* The optimum's saving against the rule, in CNY of the bill, split by
 * runs with one more lever held fixed at each stage, in this order:
 *   1. tariff periods: the optimum planned on a flat import price (the
 *      run's time-weighted mean) and billed at the real prices, against
 *      the optimum: what the periods' price differences are worth;
 *   2. battery: with the flat plan, the saving against the rule with the
 *      batteries against it without them (both dispatches idle them);
 *   3. flexible load: the same, with the flexible loads made firm too;
 *   4. other: what is left, the saving of a flat-price optimum over the
 *      rule on the park with neither (curtailment and export choices).
 * saving = periods + battery + flexible + other, exactly. Each bill is the
 * run's bill total (cost_cny). */
typedef struct zp_compare_split {
    double saving_cny;         /* bill(rule) - bill(optimal) */
    double tariff_periods_cny; /* bill(optimal, flat plan) - bill(optimal) */
    double battery_cny;
    double flexible_cny;
    double other_cny;
    double flat_price_cny_per_kwh; /* the flat plan's price */
    /* The bills the split rests on (CNY). */
    double bill_optimal_flat;              /* optimal, flat plan */
    double bill_rule_no_storage;           /* rule, batteries idle */
    double bill_optimal_flat_no_storage;   /* optimal, flat plan, batteries idle */
    double bill_rule_firm;                 /* rule, batteries idle, no flexible load */
    double bill_optimal_flat_firm;         /* optimal, flat plan, the same */
} zp_compare_split;

typedef struct zp_compare {
    const zp_model *model;  /* borrowed */
    zp_sim_result *run[3];  /* rule, mpc, optimal (ZP_DISPATCH_* order of compare:
                               0 rule, 1 mpc, 2 optimal) */
    int has_split;
    zp_compare_split split;
} zp_compare;

/* The three runs and, with opts->split, the split (five more runs: two
 * rule, three optimal). opts may be NULL (defaults). m must outlive *out.
 * Errors: those of zp_simulate. Free with zp_compare_free. */
ZP_API zp_status zp_compare_run(zp_ctx *ctx, const zp_model *m, const zp_compare_opts *opts,
                                zp_compare **out);
/* Accepts NULL. */
ZP_API void zp_compare_free(zp_ctx *ctx, zp_compare *c);

/* The comparison as JSON (docs/cli.md "compare"): model, objective,
 * objective_unit, methods [{method, dispatch, objective,
 * objective_reduction_vs_rule_pct, emissions, cost_cny,
 * cost_breakdown_cny, peak_import_kw, storage_wear, ...}], split. *out is
 * freed with zp_sim_text_free. */
ZP_API zp_status zp_compare_json(zp_ctx *ctx, const zp_compare *c, int indent, char **out);

#ifdef __cplusplus
}
#endif
#endif
