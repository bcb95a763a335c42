/*
 * zeropark/tariff.h - what the park pays for electricity: time-of-use
 * tariffs and the bill (docs/tariffs.md).
 *
 * Main types and calls: zp_tariff (zp_tariff_load_file, zp_tariff_load_buf,
 * zp_tariff_find by name among the built-in tables and a directory,
 * zp_tariff_free), read on a zp_time_grid with zp_tariff_day_type,
 * zp_tariff_period_at, zp_tariff_price and zp_tariff_prices; the bill:
 * zp_bill_input (zp_bill_input_init; import and export per step, the prices,
 * charges, batteries, a green contract) into a zp_bill by zp_bill_compute
 * (zp_bill_free). It stands on core.h alone: the caller brings the run's
 * flows (a simulation's, sim.h, or metered ones) as plain arrays. Units are
 * in the names (_kw, _kwh, _cny_per_kwh, _cny_per_kw_month); problems in a
 * tariff are diagnostics on the zp_ctx with file, line, column and JSON path
 * (core.h).
 *
 * A tariff is one JSON document: named periods (valley, flat, peak,
 * critical_peak, deep_valley, ...), the local hours each holds in which
 * months and on which kinds of day, and each period's price, absolute or
 * as a ratio to a base (flat) price or to another period. The large-
 * industry tables of Guangdong, Shanghai and Sichuan are built into the
 * library (data/tariffs) and found by name; a directory of the caller's
 * own goes before them (zp_tariff_find).
 *
 * The bill (zp_bill_compute) prices a run the way a Chinese two-part
 * tariff does: energy at each step's price, a demand charge on each
 * calendar month's maximum import or a capacity charge on the
 * transformer, export revenue, battery wear and a green-power contract's
 * premium.
 *
 * Times: a zp_time_grid is a fixed-step grid on the park's local clock, a
 * fixed UTC offset without daylight saving (China: +08:00). Tariff hours,
 * days and months are read on that clock.
 */
#ifndef ZEROPARK_TARIFF_H
#define ZEROPARK_TARIFF_H

#include "zeropark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A fixed-step time grid: step i covers [start + i*step_s, start +
 * (i+1)*step_s), local time being UTC + offset_min. */
typedef struct zp_time_grid {
    zp_time_t start;    /* start of the first step */
    int32_t step_s;     /* step length in seconds, > 0 */
    size_t count;       /* number of steps */
    int32_t offset_min; /* park-local offset east of UTC, minutes (+08:00 is 480) */
} zp_time_grid;

/* ---- Tariffs -------------------------------------------------------------- */

typedef struct zp_tariff zp_tariff;

/* Kinds of day a tariff may price differently ("days" in a schedule row). */
typedef enum zp_day_type {
    ZP_DAY_UNKNOWN = -1, /* a date outside the years the tariff's holiday list covers */
    ZP_DAY_WORKDAY = 0,  /* Monday-Friday, and a weekend day the holiday list makes a workday */
    ZP_DAY_WEEKEND = 1,  /* Saturday and Sunday that are not holidays or workdays */
    ZP_DAY_HOLIDAY = 2   /* a date on the holiday list */
} zp_day_type;

#define ZP_TARIFF_MAX_BYTES (1u << 20) /* a tariff document */
#define ZP_TARIFF_MAX_PERIODS 16       /* named periods in one tariff */

/* Parse and check len bytes of tariff JSON; fname names it in
 * diagnostics (may be NULL). Every problem is a diagnostic on ctx
 * ("guangdong.json:40:18: schedule[3].hours[0]: ...", with did-you-mean
 * for names), among them hours that no period or two periods hold in some
 * month and kind of day; then the call fails with ZP_EDATA "FILE: N
 * problems". Also ZP_ETOOBIG (over ZP_TARIFF_MAX_BYTES), ZP_ENOMEM,
 * ZP_EINVAL (NULL arguments). Free *out with zp_tariff_free. */
ZP_API zp_status zp_tariff_load_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                                    zp_tariff **out);
/* The same for a file (ZP_EIO when it cannot be read). */
ZP_API zp_status zp_tariff_load_file(zp_ctx *ctx, const char *path, zp_tariff **out);
/* The tariff called name (its "name"; a file without one is called by its
 * file name less ".json"): the *.json files of each directory of dirs in
 * order (a directory that is not there is passed over), then the built-in
 * tables. The first directory that has it wins; two files of one
 * directory with the name are ZP_EDATA. A JSON object with neither
 * "periods" nor "schedule" is not a tariff (a park model beside them) and
 * is passed over. ZP_ENOTFOUND names the tariffs
 * there are and the nearest. Problems in the tariff found are reported as
 * zp_tariff_load_buf does. */
ZP_API zp_status zp_tariff_find(zp_ctx *ctx, const char *name, const char *const *dirs,
                                size_t ndirs, zp_tariff **out);
/* Names of the tariffs zp_tariff_find can see, sorted, each once. Free
 * with zp_strv_free (zeropark/series.h). */
ZP_API zp_status zp_tariff_names(zp_ctx *ctx, const char *const *dirs, size_t ndirs,
                                 char ***names, size_t *n);
/* Accepts NULL. */
ZP_API void zp_tariff_free(zp_ctx *ctx, zp_tariff *t);

/* A notice the tariff rests on. Strings borrowed from the tariff; any but
 * id may be NULL. */
typedef struct zp_tariff_source {
    const char *id;       /* what schedule rows and prices cite ("gd-2021-331") */
    const char *notice;   /* the notice number ("粤发改价格〔2021〕331号") */
    const char *title;    /* its title */
    const char *issuer;   /* the issuing body */
    const char *issued;   /* YYYY-MM-DD */
    const char *in_force; /* YYYY-MM-DD */
    const char *evidence; /* how the text was read (docs/tariffs.md, "Evidence") */
    const char *url;      /* where */
} zp_tariff_source;

/* What a tariff says about itself. Strings borrowed from the tariff (NULL
 * when absent); numbers NaN when absent. */
typedef struct zp_tariff_info {
    const char *name;     /* how zp_tariff_find calls it */
    const char *title;    /* a line for people */
    const char *region;   /* "guangdong", ... */
    const char *customer; /* whom it prices ("large industry, 1-10 kV, two-part") */
    const char *origin;   /* the file it was read from, "builtin:tariffs/NAME.json" */
    int year;             /* the year of the structure (0 when absent) */
    double base_price_cny_per_kwh;            /* the flat price the ratios scale */
    double fixed_cny_per_kwh;                 /* the part of every price the ratios leave alone */
    double demand_charge_cny_per_kw_month;    /* basic charge on maximum demand */
    double capacity_charge_cny_per_kva_month; /* basic charge on transformer capacity */
    const char *base_price_evidence;          /* "evidence" of each number */
    const char *fixed_evidence;
    const char *demand_charge_evidence;
    const char *capacity_charge_evidence;
    size_t nperiods; /* periods, 0..nperiods-1 (zp_tariff_period_name) */
    size_t nsources; /* notices, 0 the main one (zp_tariff_source_get) */
} zp_tariff_info;

ZP_API const zp_tariff_info *zp_tariff_get_info(const zp_tariff *t);
/* Name of period i, or NULL when i is out of range. */
ZP_API const char *zp_tariff_period_name(const zp_tariff *t, size_t i);
/* Index of the period called name, or -1. */
ZP_API int zp_tariff_period_index(const zp_tariff *t, const char *name);
/* Notice i (0: the tariff's "source"), or NULL. */
ZP_API const zp_tariff_source *zp_tariff_source_get(const zp_tariff *t, size_t i);

/* Replace the base price and the fixed part (the month's agency-purchase
 * table, say); NaN keeps the tariff's. ZP_EINVAL when a value is negative
 * or the fixed part exceeds the base price. */
ZP_API zp_status zp_tariff_set_base(zp_ctx *ctx, zp_tariff *t, double base_cny_per_kwh,
                                    double fixed_cny_per_kwh);

/* The kind of day y-m-d is for t (ZP_DAY_UNKNOWN only for a tariff with a
 * holiday list, outside its years). */
ZP_API zp_day_type zp_tariff_day_type(const zp_tariff *t, int64_t y, unsigned m, unsigned d);
/* The period in force at instant at (local time UTC + offset_min): its
 * index, or -1 when the kind of day is unknown and the tariff prices kinds
 * of day differently. */
ZP_API int zp_tariff_period_at(const zp_tariff *t, zp_time_t at, int32_t offset_min);
/* The price of period i in month (1..12) at base price base_cny_per_kwh
 * (NaN: the tariff's), CNY/kWh; NaN when i or month is out of range or a
 * ratio has no base price. */
ZP_API double zp_tariff_price(const zp_tariff *t, size_t period, unsigned month,
                              double base_cny_per_kwh);

/* Expand t to a price series on g: out[i] is the mean price over step i
 * (a step that spans two periods takes their time-weighted mean, which
 * prices a constant power over the step exactly). base_cny_per_kwh gives
 * each step's base price (g->count values, for a base that changes month
 * by month), or NULL for the tariff's. Errors: ZP_EINVAL (NULL argument,
 * step_s <= 0); ZP_EDATA when a ratio needs a base price the tariff does
 * not have ("give base_price_cny_per_kwh"); ZP_ERANGE when the grid
 * reaches a year the holiday list does not cover and the tariff prices
 * holidays differently (the message names the year and the years listed).
 * out holds g->count values. */
ZP_API zp_status zp_tariff_prices(zp_ctx *ctx, const zp_tariff *t, const zp_time_grid *g,
                                  const double *base_cny_per_kwh, double *out);

/* ---- The bill ------------------------------------------------------------- */

/* A battery's wear. */
typedef struct zp_bill_storage {
    const char *name;               /* for the result (copied) */
    const double *discharge_kw;     /* per step, mean AC power discharged, >= 0 */
    double degradation_cny_per_kwh; /* wear per kWh discharged (zp_degradation_cny_per_kwh), >= 0 */
    double usable_kwh;              /* energy_kwh x (soc_max - soc_min); 0: no cycle figures */
    double discharge_efficiency;    /* 0 < x <= 1 (AC out per kWh taken from the cells); 0 means 1 */
    double cycle_life;              /* equivalent full cycles to end of life; 0: no fade figure */
    double end_of_life_soh;         /* capacity left at end of life, 0 < x < 1; 0 means 0.8 */
} zp_bill_storage;

/* A green-power trading contract: the contracted energy the park takes is
 * green electricity (delivered = contracted, at most what it imports);
 * the park pays the tariff's energy price on all its import plus the
 * premium on what was delivered. Give mwh_per_month or profile_kw. */
typedef struct zp_green_contract {
    double mwh_per_month;       /* contracted energy of each calendar month (a month the grid
                                   covers in part: pro rata by days), >= 0 */
    const double *profile_kw;   /* or the contracted power per step (mean kW), >= 0; NULL:
                                   mwh_per_month. Delivered at each step: min(profile, import) */
    double premium_cny_per_mwh; /* paid on delivered green energy above the energy price */
} zp_green_contract;

/* How a month the grid covers in part pays the monthly charges. */
typedef enum zp_prorate {
    ZP_PRORATE_CALENDAR = 0, /* days covered / days in the month (default) */
    ZP_PRORATE_30 = 1        /* days covered / 30, at most the whole charge (the 1996
                                Supply Business Rules' 1/30 per day) */
} zp_prorate;

typedef struct zp_bill_input {
    zp_time_grid grid;                         /* the steps the series below hold */
    const double *import_kw;                   /* grid import, step means, >= 0 */
    const double *export_kw;                   /* grid export, step means, >= 0; or NULL */
    const double *price_cny_per_kwh;           /* import price of each step */
    const double *export_price_cny_per_kwh;    /* export price of each step, or NULL: */
    double export_price_flat_cny_per_kwh;      /*   this one for every step */
    double demand_charge_cny_per_kw_month;     /* 0: none; on each month's maximum import */
    double capacity_charge_cny_per_kva_month;  /* 0: none; on transformer_kva */
    double transformer_kva;                    /* with a capacity charge, > 0 */
    zp_prorate prorate;                        /* part months */
    const zp_bill_storage *storage;            /* nstorage batteries, or NULL */
    size_t nstorage;
    const zp_green_contract *green;            /* NULL: none */
} zp_bill_input;

/* Zeros, no export, no charges, ZP_PRORATE_CALENDAR (never fails). */
ZP_API void zp_bill_input_init(zp_bill_input *in);

/* The bill in parts, CNY. total = energy + demand + capacity -
 * export_revenue + degradation + green_power. */
typedef struct zp_bill_breakdown {
    double energy;         /* import x price */
    double demand;         /* demand charge on the monthly maximum import */
    double capacity;       /* capacity charge on the transformer */
    double export_revenue; /* export x export price (subtracted) */
    double degradation;    /* battery wear */
    double green_power;    /* green-power premium */
    double total;
} zp_bill_breakdown;

/* One calendar month (park-local) the grid reaches. A step belongs to the
 * month its start falls in. */
typedef struct zp_bill_month {
    char month[8];          /* "YYYY-MM" */
    zp_time_t start;        /* start of its first step */
    size_t first, steps;    /* its steps: first .. first+steps-1 */
    int days_covered;       /* local days of the month the grid touches (a part day counts) */
    int days_in_month;
    double fraction;        /* the share of the monthly charges it pays (zp_prorate) */
    double peak_import_kw;  /* the highest step-mean import */
    zp_time_t peak_at;      /* start of the first step with it */
    double import_kwh;
    double export_kwh;
    double green_mwh;       /* green energy delivered */
    zp_bill_breakdown cost; /* the month's part of the bill */
} zp_bill_month;

/* A battery's use over the grid. */
typedef struct zp_bill_wear {
    char *name;             /* copied from the input (may be NULL) */
    double discharged_kwh;
    double cycles;          /* equivalent full cycles: discharged / (usable x efficiency) */
    double cycles_per_year; /* cycles x 8766 h / the grid's hours (NaN without usable_kwh) */
    double fade_per_year;   /* capacity lost per year, a fraction of nameplate:
                               cycles_per_year x (1 - end_of_life_soh) / cycle_life
                               (NaN without cycle_life) */
    double degradation_cny;
} zp_bill_wear;

typedef struct zp_bill {
    zp_bill_breakdown cost;
    zp_bill_month *months; /* nmonths in time order */
    size_t nmonths;
    zp_bill_wear *storage; /* nstorage, in input order */
    size_t nstorage;
    double *green_kw;      /* a profile contract's green power delivered in each step,
                              min(profile, import), kW (grid.count values); NULL for a
                              monthly contract or none */
    double import_kwh, export_kwh, green_mwh;
    double hours;          /* the grid's length */
} zp_bill;

/* Price the run in. Errors: ZP_EINVAL for a NULL or missing series, a
 * step_s <= 0, a value that is NaN, infinite or negative where it must be
 * at least 0 (the message names the series and the step: "import_kw[17]
 * is -3: ..."), a demand charge and a capacity charge both given (a park
 * pays one basis), a capacity charge without transformer_kva, a green
 * contract with both or neither of mwh_per_month and profile_kw;
 * ZP_ENOMEM. Free *out with zp_bill_free. */
ZP_API zp_status zp_bill_compute(zp_ctx *ctx, const zp_bill_input *in, zp_bill **out);
/* Accepts NULL. */
ZP_API void zp_bill_free(zp_ctx *ctx, zp_bill *b);

/* The calendar months (park-local) of grid g as the bill counts them, for
 * a dispatch that prices each month's peak: month_of_step (g->count
 * values, or NULL) receives the index 0..*nmonths-1 of the month each step
 * starts in; *fraction (fraction may be NULL) a new array (zp_free) of
 * *nmonths values, the share of the monthly charges each month pays
 * (prorate; zp_bill_month.fraction). Errors: ZP_EINVAL (NULL g or nmonths,
 * step_s <= 0, a bad prorate, more than 65535 months), ZP_ENOMEM. */
ZP_API zp_status zp_bill_months(zp_ctx *ctx, const zp_time_grid *g, zp_prorate prorate,
                                uint16_t *month_of_step, double **fraction, size_t *nmonths);

/* The green energy contract gc delivers on grid g to a park importing
 * import_kw (g->count step means, kW), by the bill's rule (zp_bill_compute,
 * docs/methodology.md "Green power"): with profile_kw, each step
 * min(profile_kw, import_kw), written to green_kw (g->count values; NULL:
 * not kept; zeros for a monthly contract); with mwh_per_month, each
 * park-local calendar month the contracted energy, pro rata by the days a
 * part month covers, at most the month's import. *mwh: the total, MWh. The
 * accounting of metered data uses it so that it counts a contract as the
 * simulation's bill does. Errors: ZP_EINVAL (NULL, step_s <= 0, a negative
 * or non-finite value, naming the series and the step), ZP_ENOMEM. */
ZP_API zp_status zp_green_delivered(zp_ctx *ctx, const zp_time_grid *g, const double *import_kw,
                                    const zp_green_contract *gc, double *green_kw, double *mwh);

/* Battery wear per kWh discharged (AC) from what the battery costs and how
 * long it lasts (docs/tariffs.md, "Battery wear"):
 *   capex_cny_per_kwh / (cycle_life x depth x discharge_efficiency x
 *                        (1 + end_of_life_soh) / 2)
 * capex per nameplate kWh of what wears out (the cells and their
 * replacement), cycle_life rated at depth (the usable fraction,
 * soc_max - soc_min), capacity falling linearly to end_of_life_soh. NaN
 * when an argument is out of range (capex < 0, cycle_life <= 0, depth or
 * efficiency outside (0, 1], end_of_life_soh outside [0, 1)). */
ZP_API double zp_degradation_cny_per_kwh(double capex_cny_per_kwh, double cycle_life,
                                         double depth, double discharge_efficiency,
                                         double end_of_life_soh);

#ifdef __cplusplus
}
#endif
#endif
