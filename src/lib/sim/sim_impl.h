/*
 * sim_impl.h - private to src/lib/sim (never installed): the result's
 * private part and what the simulation (sim.c) shares with the plan
 * (plan.c): everything before the dispatch, and the one-meter export cap.
 */
#ifndef ZP_SIM_IMPL_H
#define ZP_SIM_IMPL_H

#include "core/internal.h"
#include "zeropark/sim.h"

/* Columns that are not kept as arrays but computed when asked for (a
 * year at 1-min steps is 4.2 MB an array). */
typedef enum col_kind {
    COL_ARRAY = 0,
    COL_CFE,
    COL_CONSUMPTION,
    COL_SCOPE2_KG,
    COL_DC_FACILITY
} col_kind;

/* Column of the per-step CSV. */
typedef struct sim_col {
    char *name;       /* owned */
    const double *v;  /* borrowed from the result (COL_ARRAY) */
    col_kind kind;    /* how to get the values */
} sim_col;

/* Private part of the result. */
typedef struct sim_priv {
    zp_sim_result pub;
    zp_ctx *ctx;
    sim_col *cols;
    size_t ncols, capcols;
    double **arrays;   /* every owned array, freed together */
    size_t narrays, caparrays;
    double *firm_kw;
    double *dc_pue;       /* PUE per step when it follows a temperature curve, else NULL */
    double *dc_facility_kw; /* facility power per step with a PUE curve, else NULL */
    double *scratch;      /* steps values for derived columns, made on first use */
    unsigned char *grid_down; /* steps flags of a grid outage, or NULL */
    char *market_source;  /* source of the market-based residual factor */
    double *reserve_kwh;  /* steps values of the resilience reserve, or NULL */
    double *critical_kw;  /* steps values of the critical load, or NULL */
    double *shed_kw;      /* steps values of load shed in an outage (firm demand above
                             the critical load), or NULL */
    double *green_kw;     /* steps values of a green-power profile (the contract's kW), or NULL */
    uint16_t *month_of_step; /* steps values: the calendar month (park-local) of each step,
                                0..nmonths-1, as the bill counts them (zp_bill_months) */
    double *month_fraction;  /* nmonths values: the share of the monthly charges each pays */
    size_t nmonths;
    int want_clearsky;    /* set before zp__sim_prepare: the forecasts need clear-sky PV */
    zp_dispatch_flex *flex; /* the flexible demands of a run prepared for another engine
                               (zp__sim_inputs), or NULL */
    double *clearsky_pv_kw; /* steps values of clear-sky PV (zeros without PV) when
                               want_clearsky, made from the same weather as the PV; freed
                               by whoever used it, or with the result */
} sim_priv;

/* A new result of m with its private part, zeroed (free with
 * zp_sim_result_free); NULL when out of memory (the context says so). */
sim_priv *zp__sim_priv_new(zp_ctx *ctx, const zp_model *m);

/* Value of a model input at step t: the run-window array of a series, or
 * the constant. */
#define AT(arr, val, t) ((arr) ? (arr)[t] : (val).constant)
/* The run's location factor at step t (the series, or the resolved constant). */
#define GRID_EF(r, t)                                                                        \
    ((r)->grid_factor_kg_per_kwh ? (r)->grid_factor_kg_per_kwh[t]                          \
                                 : (r)->grid_factor_constant_kg_per_kwh)
/* Data-center facility power at step t. */
#define DC_FACILITY(p, t)                                                                    \
    ((p)->dc_facility_kw ? (p)->dc_facility_kw[t]                                        \
                         : (p)->pub.dc_it_kw[t] * (p)->pub.model->datacenter.pue)

/* Everything before the dispatch: the run window and step, weather, PV,
 * wind, loads, the data center, factors and prices, and the clear-sky PV
 * when p->want_clearsky. weather is the model's weather as
 * zp_weather_for_model returns it (borrowed), or NULL to read it here:
 * either way it is read once for the PV, the wind, the PUE and the
 * clear-sky PV. Fills *in with arrays owned by p (and *flex_out, owned by
 * the caller). */
zp_status zp__sim_prepare(sim_priv *p, const zp_model *m, const zp_sim_opts *po,
                         const zp_weather_data *weather, zp_dispatch_input *in,
                         zp_dispatch_flex **flex_out);

/* The run's bill (r->bill, r->cost_cny): zp_bill_compute on the flows,
 * the run's prices, the model's charges, batteries and green-power
 * contract (bill.c). */
zp_status zp__sim_bill(sim_priv *p);
/* The bill in the results document doc (docs/results.md): cost_breakdown_cny,
 * monthly_peak_import_kw, storage_wear and bill (the tariff, the charges,
 * the months). ZP_OK or ZP_ENOMEM (doc keeps what was added). */
struct json_t;
zp_status zp__sim_bill_json(const zp_sim_result *r, struct json_t *doc);
/* The bill's parts as the results write them: {energy, demand, capacity,
 * export_revenue, degradation, green_power, total} (NULL when out of
 * memory). */
struct json_t *zp__sim_breakdown_json(const zp_bill_breakdown *c);

/* The grid connection is one meter: the optimisers see an export price
 * capped at the step's import price (sim.c says why); out may be xp. */
void zp__sim_cap_export_prices(const double *ip, const double *xp, size_t n, double *out);

#endif
