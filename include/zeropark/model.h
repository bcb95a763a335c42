/*
 * zeropark/model.h - the park model (spec: docs/model.md).
 *
 * Main types and calls: zp_model with its parts (zp_pv, zp_wind, zp_storage,
 * zp_load, zp_datacenter, zp_grid, zp_fuel, zp_targets, zp_accounting,
 * zp_resilience, and the live devices, zp_devices of devices.h), zp_value (a
 * constant or a series, zp_value_at), zp_model_load_file / zp_model_load_buf
 * and zp_model_free. Every engine takes its inputs from it: weather, PV,
 * wind and storage (weather.h, pv.h, wind.h, storage.h), the dispatch and
 * the simulation (dispatch.h, sim.h), the accounting (carbon.h) and the
 * report (report.h); its series are zp_series (series.h). Units are in the
 * field names (_kw, _kwh, _deg, _pct, _cny); problems are diagnostics on the
 * zp_ctx (core.h).
 *
 * A park model is one JSON file. zp_model_load_* parses it with jansson,
 * validates every field and reports every problem at once as diagnostics
 * on the context ("model.json:14:9: pv[0].tilt_deg: 120 is out of range
 * 0..90"), then fails with ZP_EMODEL. Unknown keys are errors with the
 * nearest known key. Series references are read and resampled to the
 * model's step over its period.
 *
 * The loaded model is a plain struct: read its fields, never write them.
 * Numbers a model leaves out hold their documented default; optional
 * numbers with no default (targets) are NaN when absent.
 */
#ifndef ZEROPARK_MODEL_H
#define ZEROPARK_MODEL_H

#include "zeropark/core.h"
#include "zeropark/devices.h"
#include "zeropark/series.h"
#include "zeropark/tariff.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A number or a reference to a CSV column, {"csv": PATH, "column": NAME}. */
typedef struct zp_value {
    int is_series;     /* 0: constant; 1: series */
    double constant;   /* the value when constant */
    char *csv;         /* path as written in the model (series only) */
    char *csv_path;    /* path resolved against the model's directory */
    char *column;      /* column name (series only) */
    zp_series *series; /* resampled to the model period; NULL if constant or not loaded */
} zp_value;

/* Value at step i (the constant, or series->v[i]). */
ZP_API double zp_value_at(const zp_value *v, size_t i);

typedef struct zp_flexible {
    int present;        /* 1 if the load has a flexible part */
    double share;       /* fraction 0..1 that may be delayed */
    double max_delay_h; /* hours the flexible part may be delayed, > 0 */
} zp_flexible;

typedef struct zp_weather {
    int present;      /* 1 if the model names weather */
    char *csv;        /* path as written */
    char *csv_path;   /* resolved path */
    char *format;     /* "csv" (zeropark weather columns) or "tmy3" */
    /* Optional columns found in a "csv" weather header; all 0 when the
     * header was not read (ZP_MODEL_NO_SERIES, or format "tmy3"). */
    int has_dni;        /* dni_w_m2 */
    int has_dhi;        /* dhi_w_m2 */
    int has_wind_speed; /* wind_speed_m_s */
} zp_weather;

/* "grid.green_power": a green-power trading contract (绿电交易): its energy is
 * contractual green electricity (docs/methodology.md "Green power"); the
 * park pays the tariff on all its import plus the premium on the green
 * energy delivered. */
typedef struct zp_green_power {
    int present;                /* 1 when the model has a contract */
    double mwh_per_month;       /* contracted energy of each calendar month; 0 with a profile */
    zp_value profile_kw;        /* or the contracted power per step, kW ("profile": a
                                   series; is_series 0 when monthly) */
    double premium_cny_per_mwh; /* above the tariff's energy price, default 0 */
} zp_green_power;

typedef struct zp_grid {
    double import_limit_kw;                /* >= 0; default unlimited (INFINITY) */
    double export_limit_kw;                /* >= 0; default 0 */
    zp_value emission_factor_kg_per_kwh;   /* >= 0; when the model does not write it:
                                              the factor set's factor of
                                              accounting.grid_region (default
                                              national) for the year the period
                                              starts in (docs/model.md "Which grid
                                              factor"; zp_model_grid_factors) */
    int emission_factor_given;             /* 1 when the model writes it */
    const char *emission_factor_source;    /* where the factor comes from: "park model",
                                              the factor set's source text (owned by
                                              the model's factor set), or, when that
                                              was not read, ZP_GRID_DEFAULT_FACTOR_SOURCE */
    zp_value price_cny_per_kwh;            /* default 0; with a tariff: 0, unused */
    zp_value export_price_cny_per_kwh;     /* default 0 */
    /* What the park pays (docs/model.md "grid", docs/tariffs.md). */
    zp_tariff *tariff;                     /* grid.tariff, read and checked (owned), with
                                              tariff_base_price_cny_per_kwh applied; NULL:
                                              the price is price_cny_per_kwh. Its
                                              zp_tariff_get_info says where it came from */
    int tariff_inline;                     /* 1: written in the model; 0: found by name */
    char *tariff_name;                     /* the name as written (grid.tariff a string), or
                                              NULL; with ZP_MODEL_NO_SERIES a name the
                                              built-in tables lack stays unresolved (tariff
                                              NULL) */
    double tariff_base_price_cny_per_kwh;  /* the override as written; NaN when absent */
    double demand_charge_cny_per_kw_month; /* on each calendar month's maximum import;
                                              default the tariff's (demand basis), else 0 */
    int demand_charge_given;               /* 1 when the model writes it */
    double capacity_charge_cny_per_kva_month; /* on transformer_kva; default the tariff's
                                              when transformer_kva is given, else 0 */
    int capacity_charge_given;             /* 1 when the model writes it */
    double transformer_kva;                /* the transformers' capacity; 0 when absent */
    zp_green_power green_power;            /* a green-power trading contract */
} zp_grid;

typedef struct zp_pv {
    char *name;
    double capacity_kwp;     /* DC nameplate, > 0 */
    double tilt_deg;         /* 0..90 */
    double azimuth_deg;      /* 0..360, 180 = due south */
    double losses_pct;       /* DC losses 0..100, default 14 */
    double inverter_kw;      /* AC limit, > 0; default capacity_kwp / 1.2 */
    double gamma_pct_per_c;  /* power temperature coefficient, default -0.35 */
} zp_pv;

typedef struct zp_wind {
    char *name;
    int count;                 /* turbines, >= 1 */
    double rated_kw;           /* per turbine, > 0 */
    double hub_height_m;       /* > 0 */
    double measurement_height_m; /* > 0, default 10 */
    double shear_exponent;     /* power-law exponent 0..1, default 1/7 */
    double (*power_curve)[2];  /* [wind speed m/s, power kW] rising speeds */
    size_t power_curve_len;    /* >= 2 points */
} zp_wind;

typedef struct zp_storage {
    char *name;
    double energy_kwh;           /* > 0 */
    double power_kw;             /* > 0, AC side */
    double charge_efficiency;    /* 0 < x <= 1, default 0.95 */
    double discharge_efficiency; /* 0 < x <= 1, default 0.95 */
    /* Wear (docs/tariffs.md "Battery wear"); its cost per kWh is
     * degradation_cny_per_kwh below. */
    double cycle_life;           /* equivalent full cycles to end of life; 0 when absent */
    double capex_cny_per_kwh;    /* what wears out, per nameplate kWh; NaN when absent */
    double end_of_life_soh;      /* capacity left at end of life, 0 < x < 1, default 0.8 */
    int degradation_derived;     /* 1 when degradation_cny_per_kwh is derived from them */

    double soc_min;              /* fraction, default 0.1 */
    double soc_max;              /* fraction, default 0.95, > soc_min */
    double soc_initial;          /* fraction within [soc_min, soc_max], default 0.5 */
    double degradation_cny_per_kwh; /* wear per kWh discharged (AC), >= 0: the model's, or
                                       derived from capex_cny_per_kwh and cycle_life
                                       (zp_degradation_cny_per_kwh), else 0 */
} zp_storage;

typedef struct zp_load {
    char *name;
    zp_value power_kw;   /* >= 0 */
    zp_flexible flexible;
} zp_load;

typedef struct zp_datacenter {
    int present;          /* 1 if the model has a data center */
    zp_value it_power_kw; /* IT power, >= 0 */
    double pue;           /* facility / IT power, 1..3: the constant, or with a
                             curve the curve's value at 20 degC (for summaries) */
    double (*pue_curve)[2]; /* NULL, or [outdoor temperature degC, PUE] points with
                               rising temperatures: PUE follows the weather */
    size_t pue_curve_len;   /* >= 2 points when given */
    zp_flexible flexible;
} zp_datacenter;

/* PUE at an outdoor temperature: the constant, or the curve interpolated
 * linearly and held flat beyond its ends. */
ZP_API double zp_datacenter_pue_at(const zp_datacenter *dc, double temp_air_c);

typedef struct zp_fuel {
    char *type;     /* emission-factor table key, e.g. "natural_gas" */
    double amount;  /* >= 0, over the model period */
    char *unit;     /* checked against the type, e.g. "m3" */
} zp_fuel;

typedef enum zp_objective_kind {
    ZP_MINIMISE_CARBON = 0,
    ZP_MINIMISE_COST = 1,
    ZP_MINIMISE_COST_WITH_CARBON_PRICE = 2
} zp_objective_kind;

typedef struct zp_targets {
    double max_emissions_t;     /* NaN if absent */
    double min_green_share_pct; /* NaN if absent */
    double max_pue;             /* NaN if absent */
    double max_energy_tce;      /* equal-value tce over the period; NaN if absent */
    double max_carbon_intensity_t_per_10k_cny; /* market-based; NaN if absent */
    double max_t_co2_per_tce;   /* the zero-carbon park indicator, t CO2 per tce
                                   (zp_indicator in carbon.h); NaN if absent */
    double min_clean_energy_share_pct; /* clean-energy share of consumption
                                   (zp_indicator); NaN if absent */
} zp_targets;

/* A refrigerant leaked over the model period (Scope 1: leak x GWP). */
typedef struct zp_refrigerant {
    char *gas;        /* factor-table gas, e.g. "R-410A" */
    double leak_kg;   /* >= 0 */
} zp_refrigerant;

/* "accounting": how `zeropark account` accounts the park
 * (docs/model.md "Accounting"). */
struct zp_factor_set; /* zeropark/carbon.h */

typedef struct zp_accounting {
    int present;              /* 1 if the model has "accounting" */
    char *factor_set;         /* "builtin" (default) or a directory as written */
    char *factor_set_path;    /* the directory resolved; NULL for builtin */
    struct zp_factor_set *factors; /* the factor set, read with the model (NULL
                                 when ZP_MODEL_NO_SERIES left a directory unread) */
    char *grid_region;        /* NULL = not named (national); checked against
                                 the factor set's regions */
    int year;                 /* factor year; 0 (default) = the data's year */
    int gwp;                  /* 0 = AR5, 1 = AR6 (default); zp_gwp_set */
    char *fuel_set;           /* "cn" (default) or "ipcc2006" */
    char *residual;           /* "factor_set" (default), "location", or "value"
                                 when residual_factor_kg_per_kwh is given */
    double residual_factor_kg_per_kwh; /* NaN if absent */
    double output_value_cny;  /* NaN if absent */
    double green_power_contracts_mwh; /* default 0 */
    zp_refrigerant *refrigerants; size_t nrefrigerants;
    zp_value water_l;         /* litres per model step (series: energy-like,
                                 summed when resampled); NaN constant = absent */
    double at_risk_margin_pct; /* default 5 */
} zp_accounting;

typedef struct zp_resilience {
    int present;                /* 1 if the model has "resilience" */
    zp_value critical_load_kw;  /* load that must survive a grid outage, >= 0 */
    double reserve_h;           /* hours of outage to ride through, 0..168, default 4 */
} zp_resilience;

/* ---- "planning": what `zeropark plan` may add (docs/planning.md) -------
 * Candidates for new capacity and purchases, with their costs. Existing
 * assets stay as they are; a candidate may extend one (then it takes that
 * asset's physics and the model writes one bigger asset). Sizes are
 * continuous unless a minimum size (build nothing or at least that much)
 * or whole wind turbines are asked for: then the plan is a MILP. */
typedef struct zp_plan_pv {
    char *name;              /* unique among planning.pv; a new array's name */
    char *extends;           /* the pv[] array it enlarges, or NULL: a new array */
    size_t extends_index;    /* its index in pv[] when extends */
    zp_pv array;             /* a new array's physics at 1 kWp (capacity_kwp 1,
                                inverter_kw 1 / dc_ac_ratio); unused with extends */
    double dc_ac_ratio;      /* kWp per kW of inverter, default 1.2 */
    double capex_cny_per_kwp;
    double om_cny_per_kwp_year; /* default 0 */
    double lifetime_years;   /* > 0 */
    double max_kwp;          /* max_kwp, or area_m2 x kwp_per_m2 */
    double area_m2, kwp_per_m2; /* NaN when max_kwp is given */
    double min_kwp;          /* 0 = none */
} zp_plan_pv;

typedef struct zp_plan_wind {
    char *name;
    char *extends;           /* the wind[] farm it enlarges, or NULL */
    size_t extends_index;
    zp_wind turbine;         /* a new farm's turbine (count 1, rated_kw = turbine_kw,
                                its power curve and heights); unused with extends */
    double capex_cny_per_kw;
    double om_cny_per_kw_year;
    double lifetime_years;
    double max_kw;
    double min_kw;           /* 0 = none */
    int whole_turbines;      /* 1: a whole number of turbines (MILP) */
} zp_plan_wind;

typedef struct zp_plan_storage {
    char *name;
    char *extends;           /* the storage[] battery it enlarges, or NULL */
    size_t extends_index;
    zp_storage unit;         /* a new battery's efficiencies, SOC limits and wear
                                (energy_kwh, power_kw unused); with extends the
                                existing battery's */
    double capex_cny_per_kwh, capex_cny_per_kw; /* default 0 each, not both */
    double om_cny_per_kwh_year, om_cny_per_kw_year; /* default 0 */
    double lifetime_years;
    double max_kwh, max_kw;
    double min_kwh, min_kw;  /* 0 = none */
} zp_plan_storage;

/* A purchase by the year: green power (a premium above the tariff, on a
 * contract of equal monthly energy) or green certificates (a price). */
typedef struct zp_plan_purchase {
    int present;
    double price_cny_per_mwh;   /* green power: its premium_cny_per_mwh */
    double max_mwh_per_year;
} zp_plan_purchase;

/* Carbon credits retired against residual emissions. */
typedef struct zp_plan_credits {
    int present;
    double price_cny_per_t;
    double max_t_per_year;
    double max_share_pct;    /* at most this share of the emissions they count
                                against (docs/planning.md "Credits"), default 5 */
} zp_plan_credits;

typedef struct zp_planning {
    int present;             /* 1 when the model has "planning" */
    double discount_rate;    /* fraction per year, 0 <= x < 1, default 0.06 */
    int analysis_years;      /* 1..100, default 20 */
    zp_plan_pv *pv;           size_t npv;
    zp_plan_wind *wind;       size_t nwind;
    zp_plan_storage *storage; size_t nstorage;
    zp_plan_purchase green_power;
    zp_plan_purchase certificates;
    zp_plan_credits credits;
} zp_planning;

typedef struct zp_model {
    char *name;
    char *file;              /* file it was read from (or the name given) */
    char *dir;               /* directory that relative paths resolve against */
    double utc_offset_h;     /* park local offset, default 8 */
    int32_t utc_offset_min;  /* the same in minutes */
    double lat_deg, lon_deg, elevation_m; /* site */
    zp_time_t start, end;    /* period [start, end) */
    int32_t step_min;        /* 1, 5, 10, 15, 30 or 60, default 60 */
    size_t steps;            /* (end - start) / step */

    zp_weather weather;
    zp_grid grid;
    zp_pv *pv;               size_t npv;
    zp_wind *wind;           size_t nwind;
    zp_storage *storage;     size_t nstorage;
    zp_load *loads;          size_t nloads;
    zp_datacenter datacenter;
    zp_fuel *fuels;          size_t nfuels;
    double green_certificates_mwh; /* default 0 */
    zp_targets targets;
    zp_objective_kind objective;
    double carbon_price_cny_per_t; /* default 0 */
    zp_resilience resilience;
    zp_accounting accounting;
    zp_devices devices;      /* live devices ("devices"; zeropark/devices.h), n = 0 when none */
    zp_planning planning;    /* candidates for `zeropark plan` ("planning") */
} zp_model;

/* MEE/NBS national average electricity CO2 emission factor for 2023
 * (kgCO2/kWh): what a model that writes no grid factor holds only when its
 * factor set was not read (ZP_MODEL_NO_SERIES with an accounting.factor_set
 * directory); otherwise it holds the factor set's (docs/model.md "Which
 * grid factor"). */
#define ZP_GRID_DEFAULT_FACTOR_KG_PER_KWH 0.5306
#define ZP_GRID_DEFAULT_FACTOR_SOURCE \
    "MEE/NBS 2023 national average electricity CO2 emission factor (0.5306 kgCO2/kWh)"

/* Load flags. */
#define ZP_MODEL_NO_SERIES 0x1u /* touch no files: CSV references and weather are
                                   checked for form only and no series is read */

/* Parse and validate len bytes of model JSON. fname names it in
 * diagnostics; basedir resolves relative paths (NULL = current dir). On
 * failure, every problem is a diagnostic on ctx and the call returns
 * ZP_EMODEL (or ZP_ENOMEM, or ZP_ETOOBIG above ZP_MODEL_MAX_BYTES, or
 * ZP_EINVAL for NULL arguments); *out is untouched. */
ZP_API zp_status zp_model_load_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                                   const char *basedir, unsigned flags, zp_model **out);
/* Read and load a file; paths resolve against its directory. Diagnostics
 * name the file as path was given. ZP_EIO when it cannot be read. */
ZP_API zp_status zp_model_load_file(zp_ctx *ctx, const char *path, unsigned flags, zp_model **out);
/* Accepts NULL and half-built models. */
ZP_API void zp_model_free(zp_ctx *ctx, zp_model *m);

/* Load-time limits, so a hostile model cannot exhaust memory. */
#define ZP_MODEL_MAX_BYTES (16u << 20) /* model JSON */
#define ZP_MODEL_MAX_ASSETS 10000      /* entries per asset array */
#define ZP_MODEL_MAX_STEPS 5270400     /* ten years at 1-min steps */

#ifdef __cplusplus
}
#endif
#endif
