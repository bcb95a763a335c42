/*
 * zeropark/sim.h - the year simulation: model -> weather -> PV, wind,
 * loads, data center -> dispatch -> energy, emissions, green share, cost,
 * targets. The results object and its keys are the stable contract of
 * `zeropark simulate --json` (docs/results.md "Results format").
 *
 * Main types and calls: zp_sim_opts (zp_sim_opts_init; zp_dispatch_method
 * rule, optimal or mpc) and zp_simulate into a zp_sim_result (energy,
 * emissions, green share, cost, targets; zp_sim_result_json, the per-step
 * columns zp_sim_column_count, zp_sim_column_name, zp_sim_column), stored
 * runs (zp_model_inputs_sha256, zp_sim_store_with_opts, zp_sim_rerun), the
 * accounting input of a run (zp_acct_from_sim) and one plan for live control
 * (zp_plan_opts, zp_plan_make, zp_plan_json). It ties the others together:
 * the model (model.h), weather, PV and wind (weather.h, pv.h, wind.h), the
 * dispatch and forecasts (dispatch.h, forecast.h), the accounting for the
 * market-based figures (carbon.h) and the store (store.h). Units are in the
 * names (_kw, _kwh, _t, _cny, _pct); calls that can fail take a zp_ctx
 * (core.h).
 */
#ifndef ZEROPARK_SIM_H
#define ZEROPARK_SIM_H

#include "zeropark/carbon.h"
#include "zeropark/core.h"
#include "zeropark/dispatch.h"
#include "zeropark/model.h"
#include "zeropark/pv.h"
#include "zeropark/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "zeropark/forecast.h"

typedef enum zp_dispatch_method {
    ZP_DISPATCH_RULE = 0,    /* rule-based baseline (docs/methodology.md) */
    ZP_DISPATCH_OPTIMAL = 1, /* one LP over the run: perfect foresight */
    ZP_DISPATCH_MPC = 2      /* rolling horizon on forecasts */
} zp_dispatch_method;

typedef struct zp_sim_opts {
    zp_dispatch_method dispatch; /* default ZP_DISPATCH_RULE */
    double horizon_h;            /* MPC look-ahead, hours; 0 = 48 */
    double replan_h;             /* MPC re-plan interval, hours; 0 = 1 */
    const zp_forecast_opts *forecast; /* MPC forecast methods; NULL = defaults */
    double time_limit_s;         /* per LP solve; 0 = none (then: rule fallback) */
    zp_time_t outage_from;       /* grid outage [from, to): no import, no export; */
    zp_time_t outage_to;         /* both 0 = none */
    int no_reserve;              /* 1: ignore the model's resilience reserve */
    int32_t step_min;            /* run step; 0 = the model's step */
    zp_time_t from;              /* start of the run; 0 = the model's start */
    zp_time_t to;                /* end of the run (exclusive); 0 = the model's end */
    zp_progress_fn progress;     /* called with steps done/total; may be NULL */
    void *progress_ud;
    int flat_price_plan;         /* 1: the optimisers plan on one import price, the run's
                                    time-weighted mean (the tariff's periods held flat);
                                    the bill stays at the real prices (zp_compare's
                                    split, zeropark/compare.h) */
} zp_sim_opts;

ZP_API void zp_sim_opts_init(zp_sim_opts *o);

/* Energy over the run, kWh (keys of the results object). */
typedef struct zp_sim_energy {
    double load;                /* demand of the loads (not the data center) */
    double datacenter_it;       /* data-center IT energy */
    double datacenter_facility; /* data-center total facility energy (IT x PUE) */
    double pv;                  /* PV AC generation available (before curtailment) */
    double wind;                /* wind generation available (before curtailment) */
    double grid_import;
    double grid_export;
    double storage_charge;      /* AC, all batteries */
    double storage_discharge;   /* AC, all batteries */
    double curtailed;           /* PV + wind not used */
    double unserved;            /* demand not supplied */
    double delayed;             /* flexible energy supplied later than it arrived */
} zp_sim_energy;

typedef struct zp_sim_emissions {
    double scope1;          /* fuels, t CO2 */
    double scope2_location; /* grid import x location factor */
    double scope2_market;   /* import net of certificates x market factor */
    double total_location;
    double total_market;
} zp_sim_emissions;

typedef struct zp_sim_target {
    const char *name; /* "max_emissions_t", "min_green_share_pct", "max_pue",
                         "max_t_co2_per_tce", "min_clean_energy_share_pct" */
    double limit;
    double value;
    int met;
} zp_sim_target;

typedef struct zp_sim_result {
    const zp_model *model;   /* borrowed: must outlive the result */
    const char *dispatch;    /* "rule" */
    zp_time_t start;         /* first interval */
    int32_t step_s;
    size_t steps;
    double step_h;

    /* Per-step series (steps values each, owned). */
    double *pv_kw;           /* available PV AC, all arrays (is pv_array_kw[0] when one) */
    double **pv_array_kw;    /* per array (model order) */
    double *wind_kw;         /* available wind, all farms (is wind_farm_kw[0] when one) */
    double **wind_farm_kw;   /* per farm */
    double **load_kw;        /* per load: demand as it arrives */
    double *dc_it_kw;        /* data-center IT power (NULL without a data center) */
    double *grid_factor_kg_per_kwh; /* location factor per step; NULL when the model's is constant */
    /* The run's location factor (docs/model.md "Which grid factor", the
     * resolution of zp_model_grid_factors for the local year the run starts
     * in): the constant every step uses when grid_factor_kg_per_kwh is NULL
     * (NaN with a series); its year (0 when the model writes it), region,
     * source and what chose it. Strings are borrowed from the model. */
    double grid_factor_constant_kg_per_kwh;
    int grid_factor_year;
    const char *grid_factor_region;
    const char *grid_factor_source;
    const char *grid_factor_rule;
    double *price_cny_per_kwh;        /* NULL when constant */
    double *export_price_cny_per_kwh; /* NULL when constant */
    zp_dispatch_result *flows; /* the dispatch: grid, storage, curtailment, ... */
    double objective;        /* the model's objective on the executed plan (kg CO2
                                or CNY, as zp_dispatch_objective) plus the storage
                                adjustment below */
    double objective_storage_adjustment; /* net energy drawn from storage over the
                                run, valued at the mean import price / grid
                                factor over the discharge efficiency */
    zp_lp_info lp;           /* the LP (optimal) or the sum over MPC solves
                                (iterations, solve_s); zero for rule */
    size_t solves;           /* LP solves made */
    size_t fallbacks;        /* solves that fell back to the rule */
    size_t outage_steps;     /* steps without the grid */
    double outage_demand_kwh;   /* demand during the outage (all steps when no outage) */
    double outage_served_kwh;   /* of it, supplied */
    double critical_demand_kwh; /* the critical load's demand in those steps */
    double critical_served_kwh; /* of it, supplied (critical load is served first) */
    zp_pv_totals *pv_totals; /* per array */

    zp_sim_energy energy_kwh;
    zp_sim_emissions emissions_t;
    double market_factor_kg_per_kwh; /* residual factor applied to import net of
                                        certificates (the accounting engine's) */
    const char *market_factor_source; /* its source (owned by the result), or NULL */
    double grid_import_weighted_kg_per_kwh; /* location factor weighted by import */
    double green_share_volumetric_pct;
    double green_share_hourly_pct;
    double pue;              /* facility / IT energy; NaN without a data center */
    double cost_cny;         /* the bill's total (bill->cost.total): energy + demand +
                                capacity - export revenue + wear + green power */
    zp_bill *bill;           /* the run's bill in parts, by month and battery
                                (zp_bill_compute on the flows; owned) */
    zp_indicator indicator;  /* the zero-carbon park indicator of the run (the
                                accounting engine's, on the run's totals) */
    zp_sim_target targets[5];
    size_t ntargets;
    size_t weather_night_zeroed; /* weather repairs made (reported) */
    double seconds;          /* wall time of the run */
} zp_sim_result;

/* Run the simulation. m must stay alive while *out is used. Fails with
 * a message naming what is wrong (window outside the model period,
 * missing weather for PV, ...). */
ZP_API zp_status zp_simulate(zp_ctx *ctx, const zp_model *m, const zp_sim_opts *opts,
                             zp_sim_result **out);
/* Accepts NULL. */
ZP_API void zp_sim_result_free(zp_ctx *ctx, zp_sim_result *r);

/* The results document (JSON, stable keys). *out is NUL-terminated and
 * freed with zp_sim_text_free. */
ZP_API zp_status zp_sim_result_json(zp_ctx *ctx, const zp_sim_result *r, int indent, char **out);
ZP_API void zp_sim_text_free(zp_ctx *ctx, char *text);

/* Per-step columns for CSV output: every flow of every asset. Column 0 is
 * "timestamp" (no data); the rest have steps values. Names are borrowed
 * from r. Some columns (carbon_free_kw, consumption_kw, scope2_location_kg)
 * are computed on request into a buffer of r: their pointer is valid until
 * the next zp_sim_column call on r. NULL if out of memory. */
ZP_API size_t zp_sim_column_count(const zp_sim_result *r);
ZP_API const char *zp_sim_column_name(const zp_sim_result *r, size_t i);
ZP_API const double *zp_sim_column(const zp_sim_result *r, size_t i);

/* SHA-256 (hex) over the model file and every file it references (series
 * CSVs, weather), in a fixed order. hex must hold 65 bytes. */
ZP_API zp_status zp_model_inputs_sha256(zp_ctx *ctx, const zp_model *m, char hex[65]);

/* Store the run in st: results JSON, kind "simulate", inputs hash. */
ZP_API zp_status zp_sim_store(zp_ctx *ctx, zp_store *st, const zp_sim_result *r,
                              const char *inputs_sha256, int64_t *run_id);

/* Store the run in st as zp_sim_store does, with the options it was made
 * with (opts; NULL = defaults) under the results' "options" key: dispatch,
 * step, window, MPC horizon and re-plan interval, LP time limit, outage,
 * reserve, and the forecast methods, noise and seed. zp_sim_rerun
 * simulates such a run again. */
ZP_API zp_status zp_sim_store_with_opts(zp_ctx *ctx, zp_store *st, const zp_sim_result *r,
                                        const zp_sim_opts *opts, const char *inputs_sha256,
                                        int64_t *run_id);

/* Simulate stored run `id` of model m again with its stored options. Fails
 * with ZP_EDATA (message names the run and what to do) when the run is not
 * a simulation, was made from other inputs (SHA-256 of the model and its
 * files), or the re-simulation does not reproduce the stored emissions
 * (Scope 1, Scope 2 location- and market-based): the engine changed, or
 * the run was stored without its options (by an older zeropark; then its
 * dispatch, window and step are used with the other options' defaults).
 * ZP_ENOTFOUND when there is no such run, ZP_ECORRUPT when its record
 * cannot be read. *out is freed with zp_sim_result_free. */
ZP_API zp_status zp_sim_rerun(zp_ctx *ctx, const zp_model *m, zp_store *st, int64_t id,
                              zp_sim_result **out);

/* ---- The run as the accounting engine's input (zeropark/carbon.h) ------ */

/* From a simulation run: flows of the dispatch (PV and wind used, grid,
 * storage per battery), consumption as the simulation defines it, the
 * data center, the run's per-step grid factor, the model's fuels
 * (prorated to the run as the simulation does), certificates (prorated),
 * refrigerants, contracts and water from the model's "accounting"
 * section. The input borrows r's arrays: r must outlive it. */
ZP_API zp_status zp_acct_from_sim(zp_ctx *ctx, const zp_sim_result *r, zp_acct_input **out);
/* The same run as ONE step of mean power covering the whole run: every
 * total (Scope 1, location- and market-based Scope 2, energy, tce) is
 * exact, while per-step results (hourly matching, months, days) are not
 * meaningful. For callers that need the totals of a long fine-grained run
 * without copying its series (the simulation's market-based figures). */
ZP_API zp_status zp_acct_from_sim_summary(zp_ctx *ctx, const zp_sim_result *r,
                                          zp_acct_input **out);

/* ---- One plan: what the live controller runs every few minutes -------- */

typedef struct zp_plan_opts {
    zp_time_t at;              /* first step of the plan (a step of the model period) */
    double horizon_h;          /* hours ahead; default 24 */
    int32_t step_min;          /* 0 = the model's step */
    const zp_forecast_opts *forecast; /* NULL = defaults */
    const double *soc_initial; /* nstorage fractions now; NULL = the model's soc_initial */
    const char *mps_path;      /* write the exact LP as free MPS; NULL = none */
    int wrap;                  /* 1: a horizon past the end of the model period
                                  continues from its start (the model's year
                                  wraps, as for a live park); 0: it is cut there */
    const zp_weather_data *weather; /* the model's weather as zp_weather_for_model
                                  returns it (borrowed), so that a caller that plans
                                  again and again reads it once; NULL = read here */
    double peak_so_far_kw;     /* the highest step-mean grid import of the calendar
                                  month (park-local) the plan starts in, up to now:
                                  with a demand charge importing up to it is free;
                                  0 = none */
} zp_plan_opts;

typedef struct zp_plan {
    const zp_model *model;     /* borrowed */
    zp_time_t start;           /* = opts.at */
    int32_t step_s;
    double step_h;
    size_t steps;              /* horizon, cut at the end of the model period
                                  unless opts.wrap */
    double *pv_kw, *wind_kw, *firm_kw, *flex_kw; /* the forecasts planned on */
    double *price_cny_per_kwh, *grid_factor_kg_per_kwh;
    double csi;                /* clear-sky index of the PV forecast (NaN if unused) */
    /* The demand charge as the plan priced it (zp_dispatch_input): the
     * model's charge; the plan's calendar months, 0 the month of its first
     * step, counting on at each change of month (a horizon that wraps past
     * the end of the model's year starts a new one), each with the run's
     * share of its month's charge (1 when the model's period covers the
     * whole month), the first from opts.peak_so_far_kw. */
    double demand_charge_cny_per_kw_month;
    uint16_t *month_of_step;   /* steps values */
    size_t nmonths;
    double *month_fraction;    /* nmonths values */
    double *peak_so_far_kw;    /* nmonths values: opts.peak_so_far_kw, then 0 */
    zp_dispatch_result *flows; /* per-step setpoints and flows */
    zp_lp_info lp;             /* the solve */
} zp_plan;

/* Defaults: horizon 24 h. */
ZP_API void zp_plan_opts_init(zp_plan_opts *o);
/* Forecast from what is known before opts->at and solve the dispatch LP
 * over the horizon (the model's resilience reserve is held). */
ZP_API zp_status zp_plan_make(zp_ctx *ctx, const zp_model *m, const zp_plan_opts *opts,
                              zp_plan **out);
ZP_API void zp_plan_free(zp_ctx *ctx, zp_plan *pl);
/* The plan as JSON (docs/cli.md, "optimize"); free with zp_sim_text_free. */
ZP_API zp_status zp_plan_json(zp_ctx *ctx, const zp_plan *pl, int indent, char **out);

#ifdef __cplusplus
}
#endif
#endif
