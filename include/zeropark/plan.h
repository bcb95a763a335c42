/*
 * zeropark/plan.h - least-cost capacity and purchases for a park's targets
 * (`zeropark plan`; docs/planning.md).
 *
 * Main types and calls: zp_planning_opts (zp_planning_opts_init: the
 * model's values, each overridable for a scenario), zp_planning_solve
 * (one LP, or a MILP with minimum sizes or whole turbines, over the
 * model's period: capacities and hourly operation together, the model's
 * targets as constraints) into a zp_planning_result (what to build, the
 * annualised cost, the planned operation evaluated as `simulate` does,
 * targets and shadow prices, NPV, payback, LCOE), zp_planning_result_json
 * (the `plan --json` document) and zp_planning_out_model (the model with
 * the chosen capacities). It builds on the model (model.h, its "planning"
 * section), the dispatch LP (dispatch.h) and the simulation (sim.h).
 *
 * No global state: a call reads only its arguments, so threads may plan
 * scenarios at once, each with its own zp_ctx.
 */
#ifndef ZEROPARK_PLAN_H
#define ZEROPARK_PLAN_H

#include "zeropark/core.h"
#include "zeropark/model.h"
#include "zeropark/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A scenario: what differs from the model. NaN keeps the model's value. */
typedef struct zp_planning_opts {
    double discount_rate;          /* NaN: planning.discount_rate */
    double capex_scale_pv;         /* multiplies every PV candidate's capex; default 1 */
    double capex_scale_wind;       /* default 1 */
    double capex_scale_storage;    /* default 1 */
    double carbon_price_cny_per_t; /* NaN: the model's objective and price; a number:
                                      cost_with_carbon_price at that price (0: cost) */
    double max_emissions_t;        /* NaN: targets.max_emissions_t; INFINITY: no cap */
    double min_green_share_pct;    /* NaN: targets.min_green_share_pct; a negative
                                      number: no target */
    double time_limit_s;           /* the solver's limit; 0 = none */
    const char *mps_path;          /* write the plan's LP as free MPS first; NULL = no */
} zp_planning_opts;

/* All NaN, scales 1, no limit, no MPS. Cannot fail. */
ZP_API void zp_planning_opts_init(zp_planning_opts *o);

/* result status */
#define ZP_PLANNING_OPTIMAL 0    /* proven optimal (a MILP: within CBC's default gap) */
#define ZP_PLANNING_INFEASIBLE 1 /* a target no portfolio the candidates allow can meet:
                                    status_text names it and the best value reachable */
#define ZP_PLANNING_STOPPED 2    /* the time limit: no plan */
#define ZP_PLANNING_ERROR 3      /* the solver failed (status_text says how) */

/* One candidate's decision. */
typedef struct zp_planning_build {
    char *key;          /* "pv.<name>_kwp", "wind.<name>_kw", "storage.<name>_kwh",
                           "storage.<name>_kw", "green_power_mwh", "certificates_mwh",
                           "credits_t" (the JSON's "build" keys; owned) */
    double value;       /* the size (kWp, kW, kWh) or the yearly amount (MWh, t) */
    double capex_cny;   /* value x capex (0 for purchases) */
    double annual_cny;  /* its yearly cost: capex x CRF + O&M, or the purchase */
} zp_planning_build;

/* A target of the model as the plan meets it. */
typedef struct zp_planning_target {
    const char *name;   /* as simulate names it, or "reserve_h" */
    double limit, value;
    int met;
    int binding;        /* its row is tight at the optimum */
    double shadow_price; /* binding: the annualised cost of tightening it by one unit
                            (CNY per t, CNY per percentage point); NaN otherwise */
    const char *shadow_unit; /* "CNY/t", "CNY/pct", or NULL */
} zp_planning_target;

typedef struct zp_planning_annual {
    double capital;      /* sum capex x CRF(discount rate, lifetime) */
    double om;           /* fixed O&M */
    double operation;    /* the planned operation's bill / year share */
    double certificates; /* price x MWh */
    double credits;      /* price x t */
    double carbon_price; /* carbon price x location-based Scope 2 / year share
                            (cost_with_carbon_price), else 0 */
    double total;
} zp_planning_annual;

typedef struct zp_planning_result {
    int status;                  /* ZP_PLANNING_* */
    char status_text[512];       /* "optimal", or why not */
    const zp_model *model;       /* borrowed: must outlive the result */
    int integer;                 /* 1: solved as a MILP (CBC) */
    double year_share;           /* f: the share of a year the model's period covers */
    zp_planning_build *build;    /* nbuild decisions, candidates in model order, then
                                    green power, certificates, credits */
    size_t nbuild;
    zp_planning_annual annual_cny;
    double operation_cost_cny;   /* the bill of the planned operation over the period
                                    (zp_bill_compute; simulate's cost_breakdown_cny.total
                                    on the out-model) */
    double capex_cny;            /* sum of the capex */
    double baseline_annual_cost_cny; /* the model as it is, its own optimal dispatch */
    double annual_saving_cny;    /* baseline - (total - capital) */
    double npv_cny;              /* (baseline - total) x annuity over analysis_years */
    double simple_payback_years; /* capex / annual saving; NaN without saving */
    double lcoe_cny_per_kwh;     /* PV and wind built: yearly capital + O&M / yearly kWh */
    zp_planning_target targets[8];
    size_t ntargets;
    const zp_sim_result *run;    /* the planned operation on the built park, evaluated as
                                    simulate does (energy, emissions, green shares, bill);
                                    NULL unless optimal */
    /* the solve */
    size_t rows, cols, nnz, integers;
    int iterations;
    double objective;            /* the LP's objective (penalties and epsilons included) */
    double build_s, solve_s, seconds; /* building, solving, the whole call */
    void *priv_;                 /* private: the built model behind run */
} zp_planning_result;

/* Plan model m (it must have a "planning" section) with the overrides in
 * opts (NULL = none). ZP_OK with *out for every outcome the model allows:
 * an optimal plan, or (*out)->status ZP_PLANNING_INFEASIBLE / _STOPPED /
 * _ERROR with the reason. Errors: ZP_EINVAL (no planning section, bad
 * options), what preparing the run raises (weather, series), ZP_EIO for the
 * MPS file, ZP_ENOMEM; *out is NULL then. */
ZP_API zp_status zp_planning_solve(zp_ctx *ctx, const zp_model *m, const zp_planning_opts *opts,
                                   zp_planning_result **out);
/* Accepts NULL. */
ZP_API void zp_planning_result_free(zp_ctx *ctx, zp_planning_result *r);

/* The `plan --json` document (docs/cli.md "plan"). Free with zp_sim_text_free. */
ZP_API zp_status zp_planning_result_json(zp_ctx *ctx, const zp_planning_result *r, int indent,
                                         char **out);

/* The model's JSON text (json, len bytes; as read from the model's file)
 * with the plan's capacities and purchases (docs/planning.md "The
 * out-model"). Relative paths are made absolute unless out_dir is the
 * model's directory (m->dir; NULL = the same). Free with zp_sim_text_free.
 * ZP_EINVAL unless r is optimal; ZP_EPARSE when json does not parse. */
ZP_API zp_status zp_planning_out_model(zp_ctx *ctx, const zp_planning_result *r,
                                       const char *json, size_t len, const char *out_dir,
                                       char **out);

/* ---- The abatement curve (`plan --curve`; docs/planning.md "Curve") -------
 * The plan solved for a series of values of one target of the model
 * (the others stay as the model has them), and once without it (the
 * unconstrained plan the average abatement cost is measured against). */

/* One point of the curve. */
typedef struct zp_planning_curve_point {
    double target;          /* the target's limit asked (NaN: the unconstrained plan) */
    int status;             /* ZP_PLANNING_*: an infeasible point is recorded, not fatal */
    char status_text[512];
    double best_reachable;  /* infeasible: the best value the candidates reach (NaN unknown) */
    double value;           /* the target's quantity in the plan (as simulate reports it) */
    zp_planning_annual annual_cny; /* the annualised cost by part; total */
    double capex_cny;
    double operation_cost_cny;
    double emissions_t;     /* market-based, net of the credits, over the period */
    double abatement_t_per_year; /* (unconstrained - this) emissions / year share */
    double avg_abatement_cost_cny_per_t; /* (total - unconstrained total) / abatement a
                                            year; NaN without abatement */
    double green_share_pct; /* volumetric, as simulate */
    double t_co2_per_tce;   /* the indicator, credits applied */
    double clean_energy_share_pct;
    double shadow_price;    /* the target's: 0 when it does not bind; NaN infeasible */
    double finite_difference; /* the total's rise per unit of tightening between the
                                 neighbouring feasible points, in the shadow price's
                                 unit (central where both exist); NaN when none */
    int pareto;             /* on the front of least cost for the green share */
    zp_planning_build *build; /* owned; nbuild as in zp_planning_result */
    size_t nbuild;
    double seconds;
} zp_planning_curve_point;

typedef struct zp_planning_curve {
    const zp_model *model;  /* borrowed */
    const char *target;     /* the target's name (static) */
    const char *target_unit; /* "t", "t/tce", "%" */
    const char *shadow_unit; /* "CNY/t", "CNY/(t/tce)", "CNY/pct" */
    int tighter_is_lower;   /* 1 for the max_* targets */
    double year_share;
    zp_planning_curve_point base; /* the plan without the target */
    zp_planning_curve_point *points;
    size_t npoints;
    double seconds;
} zp_planning_curve;

/* The targets a curve can sweep, NULL-terminated: max_emissions_t,
 * max_t_co2_per_tce, min_green_share_pct, min_clean_energy_share_pct. */
ZP_API const char *const *zp_planning_curve_targets(void);

/* Plan m for npoints values of target from `from` to `to` (evenly spaced;
 * one point: from), with opts (NULL = none; its override of the swept
 * target is ignored). ZP_EINVAL for an unknown target or npoints 0 or
 * more than 1000 (the message names the targets a curve can sweep); the
 * errors of zp_planning_solve otherwise. Points that no portfolio meets
 * are recorded with their status and best reachable value. */
ZP_API zp_status zp_planning_curve_solve(zp_ctx *ctx, const zp_model *m,
                                         const zp_planning_opts *opts, const char *target,
                                         double from, double to, size_t npoints,
                                         zp_planning_curve **out);
/* Accepts NULL. */
ZP_API void zp_planning_curve_free(zp_ctx *ctx, zp_planning_curve *c);
/* The `plan --curve --json` document (docs/cli.md "plan"). Free with zp_sim_text_free. */
ZP_API zp_status zp_planning_curve_json(zp_ctx *ctx, const zp_planning_curve *c, int indent,
                                        char **out);
/* One row per point (the unconstrained plan first), the columns of the
 * JSON's per-point figures and one per build key. Free with zp_sim_text_free. */
ZP_API zp_status zp_planning_curve_csv(zp_ctx *ctx, const zp_planning_curve *c, char **out);

#ifdef __cplusplus
}
#endif
#endif
