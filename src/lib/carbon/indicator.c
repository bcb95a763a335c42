/*
 * indicator.c - the zero-carbon park indicator (include/zeropark/carbon.h,
 * zp_indicator_compute): t CO2 per tce of comprehensive energy
 * consumption and the clean-energy share of consumption, from a period's
 * totals, by both electricity conversions and both emission readings;
 * and its JSON object, which `account` and `simulate` share. Definitions
 * and sources: docs/methodology.md "Zero-carbon park indicator".
 */
#include "carbon/carbon_impl.h"
#include "zeropark/carbon.h"

#include <jansson.h>
#include <math.h>

#define HOURS_PER_YEAR 8760.0
#define NOTICE_LARGE_TCE 1e6   /* parks of 1 Mtce a year or more: the 0.3 tier */
#define NOTICE_LIMIT_LARGE 0.3 /* t CO2/tce */
#define NOTICE_LIMIT 0.2       /* t CO2/tce, parks of 0.2-1 Mtce a year */

static double ratio(double a, double b) { return b > 0 ? a / b : NAN; }

void zp_indicator_compute(const zp_indicator_input *in, zp_indicator *out)
{
    const double k_eq = in->power_coal_gce_per_kwh / 1e6;          /* tce per kWh */
    const double k_cal = ZP_ELEC_KGCE_PER_KWH_CALORIFIC / 1000.0; /* tce per kWh */
    double e = in->grid_import_kwh - in->grid_export_kwh + in->onsite_renewable_kwh;
    if (!(e > 0))
        e = 0;
    /* On-site renewables sent out are not consumed here; what was
     * exported beyond them (a battery charged from the grid) takes
     * nothing from them. */
    double onsite = in->onsite_renewable_kwh - in->grid_export_kwh;
    double green = (onsite > 0 ? onsite : 0) + in->green_instruments_kwh;
    if (green > e)
        green = e;
    zp_indicator *o = out;
    o->electricity_kwh = e;
    o->green_electricity_kwh = green;
    o->power_coal_gce_per_kwh = in->power_coal_gce_per_kwh;
    o->energy_tce_equal_value = e * k_eq + in->fuels_tce;
    o->energy_tce_calorific = e * k_cal + in->fuels_tce;
    o->emissions_market_t = in->emissions_market_t;
    o->emissions_location_t = in->emissions_location_t;
    o->market_equal_value = ratio(in->emissions_market_t, o->energy_tce_equal_value);
    o->market_calorific = ratio(in->emissions_market_t, o->energy_tce_calorific);
    o->location_equal_value = ratio(in->emissions_location_t, o->energy_tce_equal_value);
    o->location_calorific = ratio(in->emissions_location_t, o->energy_tce_calorific);
    o->t_co2_per_tce = o->market_equal_value;
    o->clean_energy_share_pct = 100.0 * ratio(green * k_eq, o->energy_tce_equal_value);
    o->clean_share_calorific_pct = 100.0 * ratio(green * k_cal, o->energy_tce_calorific);
    o->clean_share_with_gas_pct =
        100.0 * ratio(green * k_eq + in->natural_gas_tce, o->energy_tce_equal_value);
    /* A year's energy is its own: a whole leap year is not scaled down to
     * 8760 h (a park using 1 Mtce in 2024 is in the 0.3 tier). */
    const double year_h = in->year_hours > 0 ? in->year_hours : HOURS_PER_YEAR;
    o->annual_energy_tce = in->hours > 0 ? o->energy_tce_equal_value * year_h / in->hours : NAN;
    o->notice_limit_t_co2_per_tce =
        o->annual_energy_tce >= NOTICE_LARGE_TCE ? NOTICE_LIMIT_LARGE : NOTICE_LIMIT;
    o->full_year = in->hours >= year_h;
}

static int leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

double zp_indicator_year_hours(int64_t day)
{
    int64_t y;
    unsigned m, d;
    zp_civil_from_days(day, &y, &m, &d);
    /* the year from this day holds a 29 February: this one's (from a day
     * up to 29 February) or next year's (from March on) */
    return (m <= 2 ? leap(y) : leap(y + 1)) ? HOURS_PER_YEAR + 24 : HOURS_PER_YEAR;
}

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

struct json_t *zp__indicator_json(const zp_indicator *x)
{
    return json_pack(
        "{s:o, s:o, s:{s:s, s:s}, s:o, s:o, s:{s:o, s:o}, s:{s:o, s:o}, s:{s:o, s:o, s:o, s:o}, "
        "s:{s:o, s:o, s:o}, s:o, s:o, s:o, s:b}",
        "t_co2_per_tce", jnum(x->t_co2_per_tce), "clean_energy_share_pct",
        jnum(x->clean_energy_share_pct), "method", "emissions", "market", "electricity",
        "equal_value", "electricity_kwh", jnum(x->electricity_kwh), "green_electricity_kwh",
        jnum(x->green_electricity_kwh), "energy_tce", "equal_value",
        jnum(x->energy_tce_equal_value), "calorific", jnum(x->energy_tce_calorific),
        "emissions_t", "market", jnum(x->emissions_market_t), "location",
        jnum(x->emissions_location_t), "t_co2_per_tce_by_method", "market_equal_value",
        jnum(x->market_equal_value), "market_calorific", jnum(x->market_calorific),
        "location_equal_value", jnum(x->location_equal_value), "location_calorific",
        jnum(x->location_calorific), "clean_energy_share_by_method_pct", "equal_value",
        jnum(x->clean_energy_share_pct), "calorific", jnum(x->clean_share_calorific_pct),
        "with_natural_gas", jnum(x->clean_share_with_gas_pct), "power_coal_gce_per_kwh",
        jnum(x->power_coal_gce_per_kwh), "annual_energy_tce", jnum(x->annual_energy_tce),
        "notice_limit_t_co2_per_tce", jnum(x->notice_limit_t_co2_per_tce), "full_year",
        x->full_year);
}
