/*
 * zeropark/carbon.h - carbon and energy accounting: emission-factor sets,
 * Scope 1 and Scope 2 (location- and market-based), green-electricity
 * share, data-center PUE/CUE/WUE, energy in tonnes of standard coal
 * equivalent (tce), intensities per output value, targets, and a carbon
 * budget burn-down (docs/methodology.md "Carbon accounting").
 *
 * Main types and calls: zp_factor_set (zp_factor_set_default,
 * zp_factor_set_load_dir), zp_acct_input (metered, from CSV or the store:
 * zp_acct_from_csv, zp_acct_from_store_ex; simulated: zp_acct_from_sim in
 * sim.h), zp_acct_opts (zp_acct_opts_from_model), zp_account into a
 * zp_acct_result and zp_acct_result_json, and the grid-factor rule
 * (zp_model_grid_factors). It reads the model (model.h) and metered series
 * (series.h, store.h); the simulation (sim.h) takes its market-based
 * emissions from it and the report (report.h) all its figures. Calls that
 * can fail take a zp_ctx (core.h) and name the meter, file or factor at
 * fault.
 *
 * The flow:
 *   zp_factor_set_default / zp_factor_set_load_dir  -> the factors
 *   zp_acct_from_sim / zp_acct_from_csv / zp_acct_from_store / a caller-
 *     filled zp_acct_input                           -> what was metered
 *   zp_acct_opts_from_model                          -> the method
 *   zp_account                                       -> zp_acct_result
 *   zp_acct_result_json                              -> the document
 *
 * Units are in the names (DESIGN.md): _kw, _kwh, _t (tonnes CO2e), _tce,
 * _cny, _l. Per-step arrays are average power over the step (kW), except
 * water (litres in the step) and the grid factor (kg/kWh in the step).
 */
#ifndef ZEROPARK_CARBON_H
#define ZEROPARK_CARBON_H

#include "zeropark/core.h"
#include "zeropark/model.h"
#include "zeropark/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Factor sets ---------------------------------------------------------
 * A factor set is the tables in data/factors: grid.csv, fuels.csv,
 * heat.csv, gwp.csv, power_coal.csv (docs/factors.md). The default set is
 * embedded in the library at build time; a directory with the same files
 * (all five) replaces it. Every row carries its source, year and
 * verification tag, and every number the accounting uses is reported with
 * them. */
typedef struct zp_factor_set zp_factor_set;

/* The embedded set (name "builtin"). */
ZP_API zp_status zp_factor_set_default(zp_ctx *ctx, zp_factor_set **out);
/* Load DIR/grid.csv, fuels.csv, heat.csv, gwp.csv, power_coal.csv. Errors
 * name the file and line (ZP_EIO, ZP_EDATA). The set's name is dir. */
ZP_API zp_status zp_factor_set_load_dir(zp_ctx *ctx, const char *dir, zp_factor_set **out);
/* Accepts NULL. */
ZP_API void zp_factor_set_free(zp_ctx *ctx, zp_factor_set *fs);
/* "builtin" or the directory it was loaded from. Borrowed from fs. */
ZP_API const char *zp_factor_set_name(const zp_factor_set *fs);

/* Grid factor kinds (grid.csv column "kind"). */
#define ZP_GRID_AVERAGE "average"   /* MEE/NBS average (location-based) */
#define ZP_GRID_RESIDUAL "residual" /* national average excluding market-traded
                                       non-fossil power (a residual mix) */
#define ZP_GRID_FOSSIL "fossil"     /* fossil-only power */
#define ZP_GRID_ETS "ets"           /* national ETS reporting value */

/* One looked-up factor. Strings are borrowed from the factor set. */
typedef struct zp_factor {
    double value;             /* in unit */
    const char *unit;         /* e.g. "kgCO2/kWh", "gce/kWh", "tCO2/GJ" */
    int year;                 /* data year of the factor */
    const char *region;       /* "national", "south", ... (grid); NULL otherwise */
    const char *source;       /* where it comes from */
    const char *verification; /* the reference sheet's tag: "S", "C", "P",
                                 "not verified", ... */
} zp_factor;

/* Grid factor for region ("national", "north", "northeast", "east",
 * "central", "northwest", "south", "southwest", or a province such as
 * "guangdong") and kind (ZP_GRID_*) in year. year 0 takes the latest year
 * the table has. ZP_ENOTFOUND names the years (or regions) that exist. */
ZP_API zp_status zp_factor_grid(zp_ctx *ctx, const zp_factor_set *fs, const char *region,
                                const char *kind, int year, zp_factor *out);

/* Fuel factor sets (fuels.csv column "set"). */
#define ZP_FUELS_CN "cn"             /* Chinese guideline-style defaults */
#define ZP_FUELS_IPCC2006 "ipcc2006" /* IPCC 2006 GL Vol. 2 Ch. 1 */

typedef struct zp_fuel_factor_row {
    const char *type;         /* "natural_gas", "diesel", "raw_coal", ... */
    const char *set;          /* ZP_FUELS_CN or ZP_FUELS_IPCC2006 */
    const char *unit;         /* activity unit: "t", "m3", "GJ" */
    double ncv_gj_per_unit;   /* net calorific value, GJ per activity unit */
    double cc_tc_per_gj;      /* carbon content, t C per GJ */
    double oxidation;         /* fraction 0..1 */
    double t_co2_per_unit;    /* NCV x CC x OF x 44/12 */
    double tce_per_unit;      /* NCV / 29.3076 (calorific equivalent) */
    int year;
    const char *source;
    const char *verification;
} zp_fuel_factor_row;

/* Fuel factor of type in set (NULL = ZP_FUELS_CN, falling back to
 * ZP_FUELS_IPCC2006 when the CN set has no such fuel). unit must match the
 * table's: ZP_EDATA "fuel 'diesel' is measured in t, not m3"; unknown type:
 * ZP_ENOTFOUND with the nearest known type. Purchased heat is the fuel
 * "purchased_heat" in GJ (heat.csv). */
ZP_API zp_status zp_factor_fuel(zp_ctx *ctx, const zp_factor_set *fs, const char *type,
                                const char *unit, const char *set, zp_fuel_factor_row *out);

/* Scope-1 emission factor of a fuel in t CO2 per unit, from the built-in
 * factor set (the row zp_factor_fuel picks with set NULL), as the
 * simulation counts Scope 1: NCV x carbon content x oxidation x 44/12.
 * Returns ZP_ENOTFOUND for an unknown type ("unknown fuel type 'peat'") or
 * a unit that does not match ("fuel 'diesel' is measured in t, not m3");
 * *source (source may be NULL) is the row's source, kept by ctx until
 * zp_ctx_free. */
ZP_API zp_status zp_fuel_factor(zp_ctx *ctx, const char *type, const char *unit,
                                double *t_co2_per_unit, const char **source);

typedef enum zp_gwp_set { ZP_GWP_AR5 = 0, ZP_GWP_AR6 = 1 } zp_gwp_set;

/* 100-year GWP of gas ("CO2", "CH4", "N2O", "SF6", "NF3", "HFC-32",
 * "HFC-125", "HFC-134a", "HFC-23", "CF4", "R-410A", ...; case-insensitive,
 * "R-134a" = "HFC-134a"). ZP_ENOTFOUND with the nearest known gas. */
ZP_API zp_status zp_factor_gwp(zp_ctx *ctx, const zp_factor_set *fs, const char *gas,
                               zp_gwp_set set, zp_factor *out);

/* Coal consumption of thermal power supply (gce/kWh) for the equal-value
 * method, year 0 = latest. ZP_ENOTFOUND names the years there are. */
ZP_API zp_status zp_factor_power_coal(zp_ctx *ctx, const zp_factor_set *fs, int year,
                                      zp_factor *out);

/* Calorific-equivalent constants (GB/T 2589-2020). */
#define ZP_TCE_GJ 29.3076                 /* GJ per tce */
#define ZP_ELEC_KGCE_PER_KWH_CALORIFIC 0.1229 /* 3.6 MJ/kWh / 29.3076 MJ/kgce */

/* ---- The zero-carbon park indicator ---------------------------------------
 * Carbon per unit of energy use (单位能耗碳排放, NDRC/MIIT/NEA notice
 * 发改环资〔2025〕910号: at most 0.2 t CO2/tce for parks using 0.2-1 Mtce a
 * year, 0.3 from 1 Mtce) and the clean-energy share of consumption
 * (docs/methodology.md "Zero-carbon park indicator"). Over a period:
 *   electricity_kwh = grid import - export + on-site PV and wind used (>= 0)
 *   energy_tce      = electricity_kwh x k + fuels_tce
 *                     k: equal value (default) power_coal gce/kWh / 1e6,
 *                        calorific 0.1229 kgce/kWh / 1000
 *   t_co2_per_tce   = emissions / energy_tce
 *                     emissions: market-based (default) Scope 1 + Scope 2
 *                     market-based, or location-based
 *   green_electricity_kwh = min(electricity_kwh, max(0, on-site renewables
 *                     - export) + instruments applied to import)
 *   clean_energy_share_pct = 100 x green_electricity_kwh x k / energy_tce
 * The defaults are market-based emissions over equal-value energy. Linear
 * in the flows, so a planner can write "indicator <= L" as
 * emissions - L x energy_tce <= 0. */
typedef struct zp_indicator_input {
    double grid_import_kwh;
    double grid_export_kwh;
    double onsite_renewable_kwh;   /* on-site PV + wind generation used */
    double green_instruments_kwh;  /* certificates + green-power contracts applied
                                      to grid import (at most the import) */
    double fuels_tce;              /* fuels, NCV / 29.3076 GJ per tce */
    double natural_gas_tce;        /* the part of fuels_tce from natural gas and LNG */
    double emissions_market_t;     /* Scope 1 + Scope 2 market-based */
    double emissions_location_t;   /* Scope 1 + Scope 2 location-based */
    double power_coal_gce_per_kwh; /* equal-value electricity (power_coal.csv) */
    double hours;                  /* length of the period (metered time for live data) */
    double year_hours;             /* hours of the year that begins at the period's start:
                                      8784 when it holds a 29 February, else 8760
                                      (zp_indicator_year_hours); 0: 8760 */
} zp_indicator_input;

/* NaN where there is no energy (energy_tce 0) or no period. */
typedef struct zp_indicator {
    double t_co2_per_tce;          /* THE indicator: market-based / equal value */
    double clean_energy_share_pct; /* green electricity (equal value) / energy */
    double electricity_kwh;        /* consumed in the park */
    double green_electricity_kwh;  /* of it green: on-site renewables not exported,
                                      certificates and green-power contracts */
    double energy_tce_equal_value; /* comprehensive energy consumption */
    double energy_tce_calorific;
    double emissions_market_t;
    double emissions_location_t;
    double market_equal_value;     /* t CO2 per tce by method (the first is the default) */
    double market_calorific;
    double location_equal_value;
    double location_calorific;
    double clean_share_calorific_pct;
    double clean_share_with_gas_pct; /* the statistical reading: natural gas clean too */
    double power_coal_gce_per_kwh;
    double annual_energy_tce;      /* energy_tce_equal_value x year_hours / hours: a
                                      whole year's is its own energy */
    double notice_limit_t_co2_per_tce; /* the notice's tier: 0.3 from 1 Mtce a year
                                          (annual_energy_tce), else 0.2 */
    int full_year;                 /* the period is at least year_hours long */
} zp_indicator;

/* The indicator of a period's totals. Cannot fail. */
ZP_API void zp_indicator_compute(const zp_indicator_input *in, zp_indicator *out);
/* Hours of the year that begins at local day `day` (days since 1970-01-01 on
 * the local calendar): 8784 when it holds a 29 February, else 8760. */
ZP_API double zp_indicator_year_hours(int64_t day);

/* ---- Accounting input ----------------------------------------------------
 * Per-step flows on one fixed-step grid. Every per-step pointer may be
 * NULL (absent). Aggregate flows that are NULL are summed from the meters
 * of that role; consumption that is NULL and has no meters is derived
 * from the balance: import - export + pv + wind + discharge - charge. */
typedef enum zp_acct_role {
    ZP_ROLE_GRID_IMPORT = 0,
    ZP_ROLE_GRID_EXPORT,
    ZP_ROLE_PV,
    ZP_ROLE_WIND,
    ZP_ROLE_STORAGE_CHARGE,
    ZP_ROLE_STORAGE_DISCHARGE,
    ZP_ROLE_LOAD,        /* consumption (a load, a building, a line) */
    ZP_ROLE_DC_IT,       /* data-center IT power */
    ZP_ROLE_DC_FACILITY, /* data-center total facility power (counts as load) */
    ZP_ROLE_WATER,       /* litres per step */
    ZP_ROLE_LAST
} zp_acct_role;

/* "grid_import", "grid_export", "pv", "wind", "storage_charge",
 * "storage_discharge", "load", "dc_it", "dc_facility", "water". */
ZP_API const char *zp_acct_role_name(zp_acct_role role);

/* A named per-asset meter (data borrowed unless the input owns it). */
typedef struct zp_acct_meter {
    const char *name;    /* as in the data, e.g. "load.factory_kwh" */
    const char *asset;   /* asset part, e.g. "factory"; may equal the role name */
    zp_acct_role role;
    const double *v;     /* steps values: kW (L per step for water) */
} zp_acct_meter;

/* A battery, for hourly matching: each keeps a pool of stored energy and
 * its green part (docs/methodology.md "Green share"). */
typedef struct zp_acct_storage {
    const char *name;
    const double *charge_kw;    /* steps values, AC */
    const double *discharge_kw; /* steps values, AC */
    double charge_efficiency;   /* 0 < x <= 1 */
    double discharge_efficiency;
    double initial_kwh;         /* stored at the start (counts as grey) */
} zp_acct_storage;

/* A fuel burnt over the input's period (Scope 1). */
typedef struct zp_acct_fuel {
    const char *type;  /* fuels.csv type */
    double amount;     /* >= 0, in unit */
    const char *unit;
} zp_acct_fuel;

/* Refrigerant leaked over the period (Scope 1, x GWP). */
typedef struct zp_acct_refrigerant {
    const char *gas;  /* gwp.csv gas, e.g. "R-410A" */
    double leak_kg;   /* >= 0 */
} zp_acct_refrigerant;

/* A counter reading lower than the one before (zp_counter_increment): a
 * roll-over (wrap > 0, the range added) or a reset counted from 0
 * (wrap 0). */
typedef struct zp_acct_correction {
    char *meter;     /* meter name */
    char *file;      /* file or "store" */
    long row;        /* 1-based line of the file (header = 1) or reading index */
    double before;   /* previous counter reading */
    double after;    /* reading that went down */
    double wrap;     /* counter range assumed (added); 0 for a reset */
} zp_acct_correction;

typedef struct zp_acct_input {
    zp_time_t start;         /* start of step 0 */
    int32_t step_s;          /* > 0 */
    size_t steps;
    int32_t utc_offset_min;  /* local offset for months and days */

    const double *grid_import_kw;
    const double *grid_export_kw;
    const double *pv_kw;          /* on-site PV generation used (not curtailed) */
    const double *wind_kw;        /* on-site wind generation used */
    const double *consumption_kw; /* demand supplied (loads + DC facility) */
    const double *dc_it_kw;
    const double *dc_facility_kw;
    const double *water_l;        /* litres per step */
    const double *grid_factor_kg_per_kwh; /* per-step location factor; NULL =
                                             the annual factor */

    const zp_acct_storage *storage; size_t nstorage;
    const zp_acct_meter *meters;    size_t nmeters;
    const zp_acct_fuel *fuels;      size_t nfuels;
    const zp_acct_refrigerant *refrigerants; size_t nrefrigerants;

    double certificates_mwh;        /* green certificates (GEC) retired for the period */
    double green_contracts_mwh;     /* green-power contracts (bundled) for the period */
    const double *green_power_kw;   /* per step: green power delivered under a contract
                                       with an hourly profile (its energy is also in
                                       green_contracts_mwh): carbon-free in hourly
                                       matching; NULL: none */

    const zp_acct_correction *corrections; size_t ncorrections; /* made while reading */
    const char *source;             /* "simulation", "csv", "store", "caller" */

    void *owned_;                   /* private: what zp_acct_input_free releases */
    size_t missing_steps;           /* meter-steps without a reading, filled
                                       (ZP_ACCT_FILL_GAPS only; else 0) */
    const double *metered;          /* per step: the share of the step in which
                                       at least one meter has a reading, 0..1
                                       (ZP_ACCT_FILL_GAPS); NULL = every step.
                                       Scope 1 is spread over the days by it and
                                       the burn rate is per metered day. */
} zp_acct_input;

/* Zero everything; source "caller". Cannot fail. */
ZP_API void zp_acct_input_init(zp_acct_input *in);
/* Frees an input made by zp_acct_from_* (arrays included). Accepts NULL. */
ZP_API void zp_acct_input_free(zp_ctx *ctx, zp_acct_input *in);

/* Metered data: CSV files whose columns follow the meter naming
 * convention (docs/methodology.md "Meter names"):
 *   ROLE[.ASSET]_UNIT   ROLE: grid_import grid_export pv wind storage_charge
 *                       storage_discharge load dc_it dc_facility water
 *                       UNIT: kw | kwh | mwh (interval) | kwh_total |
 *                       mwh_total (cumulative counter); water: l | m3 |
 *                       l_total | m3_total
 *   grid_factor_kg_per_kwh  per-step location factor
 * Other columns are ignored (listed in the notes). All files are aligned
 * to the first file's step and the common window, cut to [from, to) when
 * given (0 = open). Errors name the meter, the file and the row: negative
 * readings (ZP_EDATA), a unit that does not fit the role (ZP_EDATA), a
 * counter that goes down by more than a roll-over explains (ZP_EDATA);
 * roll-overs are corrected and listed in corrections. m (may be NULL)
 * supplies fuels, certificates and the "accounting" section. */
ZP_API zp_status zp_acct_from_csv(zp_ctx *ctx, const char *const *paths, size_t npaths,
                                  const zp_model *m, zp_time_t from, zp_time_t to,
                                  zp_acct_input **out);
/* The same from stored series named by the convention (zp_store_read). */
ZP_API zp_status zp_acct_from_store(zp_ctx *ctx, zp_store *st, const zp_model *m,
                                    zp_time_t from, zp_time_t to, zp_acct_input **out);
/* Live data (the daemon): with ZP_ACCT_FILL_GAPS a step without a reading
 * is a gap, not an error: the window is [from, to) cut to the span of the
 * stored readings (the union of the meters' spans: from the first reading
 * of any meter to the end of the last one), a power or energy meter's gap
 * counts as nothing metered (0), a counter holds its last reading (the
 * gap's energy shows at the next reading), and in->missing_steps counts the
 * filled meter-steps. The totals are then lower bounds for the gaps' share.
 * in->metered marks the metered steps (at least one meter has a reading);
 * the model's fuels, refrigerants, certificates and contracts (given for
 * the model period) are pro-rated to the metered time:
 *   amount x metered seconds / model period seconds
 * (docs/methodology.md "Live data"). No reading in [from, to): ZP_ENOTFOUND
 * naming the window. */
#define ZP_ACCT_FILL_GAPS 0x1u
ZP_API zp_status zp_acct_from_store_ex(zp_ctx *ctx, zp_store *st, const zp_model *m,
                                       zp_time_t from, zp_time_t to, unsigned flags,
                                       zp_acct_input **out);

/* ---- Options ------------------------------------------------------------- */
typedef enum zp_acct_residual {
    ZP_RESIDUAL_FACTOR_SET = 0, /* the factor set's residual mix (national,
                                   excluding market-traded non-fossil) of the year */
    ZP_RESIDUAL_VALUE = 1,      /* residual_factor_kg_per_kwh */
    ZP_RESIDUAL_LOCATION = 2    /* the import-weighted location factor (GHG
                                   Protocol hierarchy, last level: grid
                                   average; what `zeropark simulate` uses) */
} zp_acct_residual;

/* Breakdowns included in the JSON document (months are always there). */
#define ZP_ACCT_BY_MONTH 0x1u
#define ZP_ACCT_BY_DAY 0x2u
#define ZP_ACCT_BY_ASSET 0x4u

typedef struct zp_acct_opts {
    const zp_factor_set *factors;  /* NULL = the embedded set */
    zp_gwp_set gwp;                /* default ZP_GWP_AR6 */
    int year;                      /* factor year; 0 = the data's year, or the
                                      latest published before it (noted) */
    const char *grid_region;       /* NULL (default) = "national", not named */
    double grid_factor_kg_per_kwh; /* NaN = from the factor set; a value overrides */
    const char *grid_factor_source;/* names the override */
    zp_acct_residual residual;     /* default ZP_RESIDUAL_FACTOR_SET */
    double residual_factor_kg_per_kwh; /* for ZP_RESIDUAL_VALUE */
    const char *fuel_set;          /* NULL = ZP_FUELS_CN (IPCC 2006 fallback) */
    double output_value_cny;       /* NaN = not given */
    unsigned by;                   /* ZP_ACCT_BY_* */
    int power_coal_year;           /* equal-value year; 0 = as year */

    /* Targets (NaN = absent). */
    double max_emissions_t;        /* market-based total; also the carbon budget */
    double min_green_share_pct;    /* annual volumetric */
    double max_pue;
    double max_energy_tce;         /* equal-value method */
    double max_carbon_intensity_t_per_10k_cny;
    double max_t_co2_per_tce;      /* the indicator (zp_indicator.t_co2_per_tce) */
    double min_clean_energy_share_pct; /* zp_indicator.clean_energy_share_pct */
    double at_risk_margin_pct;     /* default 5: within 5 % of a limit = at risk */
    zp_time_t budget_year_end;     /* end of the budget year; 0 = one calendar
                                      year after the local start of the year
                                      containing the input's start */
} zp_acct_opts;

/* Defaults as documented above. Cannot fail. */
ZP_API void zp_acct_opts_init(zp_acct_opts *o);
/* Defaults, then the model's factor set (the one loaded with it), its grid
 * factor (when the model writes one), its "accounting" section and its
 * targets. Strings and the factor set are borrowed from m. */
ZP_API void zp_acct_opts_from_model(zp_acct_opts *o, const zp_model *m);

/* ---- The park's grid factors ----------------------------------------------
 * One resolution of the location-based grid factor and of the residual mix,
 * used by zp_account, the simulation (so every dispatcher's carbon objective
 * and the live controller's plans) and `zeropark validate`
 * (docs/model.md "Which grid factor").
 *
 * Location factor, the first that applies:
 *   1. grid.emission_factor_kg_per_kwh written in the model (opts'
 *      grid_factor_kg_per_kwh): a number wins over accounting.grid_region;
 *      when a region is named too and its factor differs, `warning` says so;
 *   2. a per-step factor (a series in the model, a grid_factor_kg_per_kwh
 *      column in metered data): used step by step;
 *   3. the factor set's "average" factor of accounting.grid_region, or of
 *      "national" when no region is named.
 * Year of a table factor: accounting.year exactly (a year the table lacks is
 * ZP_ENOTFOUND naming the years it has); otherwise the data year, or the
 * latest year before it that the table has, or, for data older than the
 * table, its first year (both noted).
 * Residual mix (market-based), by accounting.residual: the factor set's
 * national residual mix ("factor_set", same year rule), the location factor
 * ("location"), or residual_factor_kg_per_kwh ("value"). */
typedef enum zp_grid_rule {
    ZP_GRID_RULE_TYPED = 0,   /* grid.emission_factor_kg_per_kwh, a number */
    ZP_GRID_RULE_SERIES = 1,  /* a per-step factor */
    ZP_GRID_RULE_REGION = 2,  /* accounting.grid_region */
    ZP_GRID_RULE_NATIONAL = 3 /* no region named: national */
} zp_grid_rule;

/* What chose the location factor, as the model spells it:
 * "grid.emission_factor_kg_per_kwh", "per-step factor",
 * "accounting.grid_region", "default region (national)". */
ZP_API const char *zp_grid_rule_name(zp_grid_rule rule);

/* What the rules chose. zp_factor strings are borrowed from the factor set
 * (from the model for zp_model_grid_factors). */
typedef struct zp_grid_factors {
    int data_year;            /* the year resolved for */
    const char *region;       /* the region named, or "national" */
    zp_grid_rule rule;        /* what chose the location factor */
    zp_factor location;       /* the location factor: value NaN when per step;
                                 region "park model" and year 0 when typed */
    zp_factor region_factor;  /* the region's table factor in the factor year,
                                 also when a typed or per-step factor wins
                                 (value NaN when the table has none) */
    zp_acct_residual residual_method;
    zp_factor residual;       /* the residual mix; with ZP_RESIDUAL_LOCATION
                                 the location factor (NaN when per step) */
    char location_note[256];  /* year fallback of the table factor, or "" */
    char residual_note[256];  /* year fallback of the residual mix, or "" */
    char warning[512];        /* a typed or per-step factor that wins over a
                                 named region with a different factor: what
                                 wins and what to change, or "" */
} zp_grid_factors;

/* Resolve for data of data_year (the local year the data start in) with
 * opts o (NULL = defaults) and fs (NULL = o's, else the embedded set; it
 * must outlive out). per_step: the input carries a per-step factor. */
ZP_API zp_status zp_grid_factors_resolve(zp_ctx *ctx, const zp_factor_set *fs,
                                         const zp_acct_opts *o, int per_step, int data_year,
                                         zp_grid_factors *out);
/* The same for a loaded model, with its factor set (strings borrowed from
 * m). data_year 0 = the local year the model period starts in. ZP_EINVAL
 * when the model's factor set was not read (ZP_MODEL_NO_SERIES with an
 * accounting.factor_set directory). */
ZP_API zp_status zp_model_grid_factors(zp_ctx *ctx, const zp_model *m, int data_year,
                                       zp_grid_factors *out);

/* ---- Result -------------------------------------------------------------- */
typedef enum zp_target_status {
    ZP_TARGET_MET = 0,
    ZP_TARGET_AT_RISK = 1,
    ZP_TARGET_MISSED = 2
} zp_target_status;

/* "met", "at_risk", "missed". */
ZP_API const char *zp_target_status_name(zp_target_status s);

/* Totals over a period (the whole input, a month or a day). */
typedef struct zp_acct_totals {
    zp_time_t start, end;      /* [start, end) */
    double scope1_t;
    double scope2_location_t;
    double scope2_market_t;
    double total_location_t;
    double total_market_t;
    double grid_import_kwh;
    double grid_export_kwh;
    double pv_kwh;
    double wind_kwh;
    double storage_charge_kwh;
    double storage_discharge_kwh;
    double consumption_kwh;
    double cfe_kwh;            /* carbon-free energy consumed (hourly matched) */
    double dc_it_kwh;
    double dc_facility_kwh;
    double water_l;            /* NaN when not metered */
    double energy_tce_calorific;
    double energy_tce_equal_value;
    double green_share_hourly_pct; /* cfe / consumption */
    double pue;                /* NaN without IT energy */
    double cumulative_market_t;/* days: running total from the input's start */
} zp_acct_totals;

typedef struct zp_acct_fuel_line {
    char *type;
    double amount;
    char *unit;
    zp_fuel_factor_row factor; /* strings borrowed from the factor set */
    double t_co2;
    double tce;
} zp_acct_fuel_line;

typedef struct zp_acct_refrigerant_line {
    char *gas;
    double leak_kg;
    zp_factor gwp;             /* strings borrowed from the factor set */
    double t_co2e;
} zp_acct_refrigerant_line;

typedef struct zp_acct_asset {
    char *name;                /* meter name */
    char *asset;
    zp_acct_role role;
    double total;              /* kWh (L for water) over the input */
    double *month;             /* nmonths values, same unit */
    double scope2_location_t;  /* consumption meters: share of location-based
                                  Scope 2 (per-step pro rata to consumption) */
} zp_acct_asset;

typedef struct zp_acct_target {
    const char *name;          /* "max_emissions_t", "min_green_share_pct",
                                  "max_pue", "max_energy_tce",
                                  "max_carbon_intensity_t_per_10k_cny",
                                  "max_t_co2_per_tce",
                                  "min_clean_energy_share_pct" */
    double limit;
    double value;              /* over the input */
    double projected;          /* at the end of the budget year (linear); NaN
                                  when the target is not cumulative */
    zp_target_status status;
} zp_acct_target;

typedef struct zp_acct_alert {
    char *kind;                /* "budget_projection", "budget_exceeded", "target_missed",
                                  "target_at_risk" */
    zp_time_t when;            /* date of the crossing (projected or actual); 0 if none */
    char *message;
} zp_acct_alert;

typedef struct zp_acct_result {
    /* Method. Strings owned by the result. */
    char *factor_set;          /* "builtin" or a directory */
    char *gwp_set;             /* "AR5" / "AR6" */
    int year;                  /* factor year used */
    char *grid_region;
    zp_factor grid;            /* annual location factor used (value NaN and
                                  source "per-step series" when hourly) */
    int grid_hourly;           /* 1 when a per-step factor was used */
    zp_factor residual;        /* market-based residual factor */
    zp_factor power_coal;      /* equal-value electricity factor (gce/kWh) */
    char *input_source;        /* "simulation", "csv", "store", "caller" */

    zp_time_t start;
    int32_t step_s;
    size_t steps;
    int32_t utc_offset_min;
    double metered_s;          /* metered time (in->metered); steps x step_s
                                  when every step is metered */

    zp_acct_totals total;

    /* Scope 1 detail. */
    zp_acct_fuel_line *fuels;              size_t nfuels;
    zp_acct_refrigerant_line *refrigerants; size_t nrefrigerants;
    double scope1_fuels_t;
    double scope1_refrigerants_t;

    /* Scope 2 market-based detail (kWh). */
    double certificates_kwh;        /* offered */
    double contracts_kwh;           /* offered */
    double certificates_applied_kwh;
    double contracts_applied_kwh;
    double residual_kwh;            /* import not covered */
    double surplus_kwh;             /* instruments beyond import (not used,
                                       never negative emissions) */

    /* Shares and data-center metrics. */
    double green_share_volumetric_pct; /* (cfe + instruments) / consumption, <= 100 */
    double green_share_hourly_pct;
    double pue;                         /* NaN without IT energy */
    double cue_location_kg_per_kwh;     /* kgCO2e per kWh IT; NaN without IT */
    double cue_market_kg_per_kwh;
    double wue_l_per_kwh;               /* NaN unless water is metered */

    /* Energy (tce) and intensities. */
    double electricity_net_kwh;          /* import - export */
    double fuels_tce;                    /* calorific, both methods */
    double renewable_coal_saved_tce;     /* on-site PV + wind x power coal */
    double output_value_cny;             /* NaN when not given */
    double carbon_intensity_t_per_10k_cny; /* market-based; NaN without output */
    double carbon_intensity_location_t_per_10k_cny;
    double energy_intensity_tce_per_10k_cny; /* equal-value */
    zp_indicator indicator;              /* the zero-carbon park indicator of the period */

    /* Breakdowns. */
    zp_acct_totals *months;  size_t nmonths; /* calendar months (local) */
    zp_acct_totals *days;    size_t ndays;   /* calendar days (local) */
    zp_acct_asset *assets;   size_t nassets;
    double *cfe_kw;          /* steps values: carbon-free energy consumed */
    double *consumption_kw;  /* steps values */
    unsigned by;             /* breakdowns in the JSON */

    /* Targets and budget. */
    zp_acct_target *targets; size_t ntargets;
    double budget_t;              /* NaN without max_emissions_t */
    zp_time_t budget_year_start, budget_year_end;
    double burn_rate_t_per_day;   /* market-based, over the days covered */
    double projected_year_end_t;  /* linear projection to budget_year_end */
    zp_time_t budget_crossing;    /* projected (or actual) date the cumulative
                                     emissions cross the budget; 0 if never */
    zp_acct_alert *alerts;   size_t nalerts;

    zp_acct_correction *corrections; size_t ncorrections;
    char **notes;            size_t nnotes;  /* method notes (factor year fallback, ...) */

    void *priv_;             /* private: the pool of what the result holds */
} zp_acct_result;

/* Account. opts NULL = defaults. Errors: ZP_EINVAL (shape), ZP_EDATA
 * (negative or non-finite flow: the message names the meter or flow and
 * the step with its time), ZP_ENOTFOUND (unknown fuel, gas, region or
 * factor year: the message names what exists). *out is NULL on failure. */
ZP_API zp_status zp_account(zp_ctx *ctx, const zp_acct_input *in, const zp_acct_opts *opts,
                            zp_acct_result **out);
/* Accepts NULL. */
ZP_API void zp_acct_result_free(zp_ctx *ctx, zp_acct_result *r);

/* The result document (docs/results.md "Accounting"), stable keys.
 * Free *out with zp_acct_text_free. */
ZP_API zp_status zp_acct_result_json(zp_ctx *ctx, const zp_acct_result *r, int indent, char **out);
ZP_API void zp_acct_text_free(zp_ctx *ctx, char *text);

#ifdef __cplusplus
}
#endif
#endif
