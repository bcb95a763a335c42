/*
 * zeropark/weather.h - weather input for the energy models: readers for the
 * zeropark weather CSV and NREL TMY3, mapping onto a model's period and
 * step, checks and documented repairs, and a stochastic weather generator.
 *
 * Main types and calls: zp_weather_data (zp_weather_read_csv,
 * zp_weather_read_tmy3_file / _buf, zp_weather_free), zp_weather_for_model
 * (a file mapped onto a model's period and step, with the zp_weather_repairs
 * made), zp_weather_check_site, zp_weather_monthly_ghi,
 * zp_weather_format_csv, and the generator (zp_weather_synth_opts,
 * zp_weather_synthesise). It builds on the model (model.h), the sun's
 * position (solar.h) and the sky models (sky.h); PV and wind (pv.h, wind.h),
 * the clear-sky forecast (forecast.h) and the simulation (sim.h) read it.
 * Units are in the names (_w_m2, _c, _m_s); problems are reported with
 * FILE:LINE on the zp_ctx (core.h).
 *
 * Every array holds one value per interval [start + i*step, start +
 * (i+1)*step): labels are interval starts, irradiances are interval means
 * (W/m2), temperatures and wind are taken as the interval value.
 * docs/methodology.md ("Weather input", "Weather synthesis") gives the
 * conventions, the checks and the repairs.
 */
#ifndef ZEROPARK_WEATHER_H
#define ZEROPARK_WEATHER_H

#include "zeropark/core.h"
#include "zeropark/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the weather is (NaN fields when unknown, e.g. a CSV file alone). */
typedef struct zp_site {
    double lat_deg;     /* -90..90, north positive */
    double lon_deg;     /* -180..180, east positive */
    double elevation_m; /* above sea level */
} zp_site;

/* Repairs made and facts found while loading; each repair is also a
 * ZP_SEV_WARNING diagnostic on the context. */
typedef struct zp_weather_repairs {
    size_t night_zeroed;   /* steps with GHI > ZP_WEATHER_NIGHT_GHI_W_M2 while the sun was
                              below the horizon for the whole step, set to 0 */
    size_t feb29_filled;   /* model steps on 29 February filled from 28 February (TMY) */
    size_t feb29_dropped;  /* 29 February records of a TMY file ignored */
    int dni_derived;       /* 1: DNI was not in the input; derived (Erbs or closure) */
    int dhi_derived;       /* 1: DHI was not in the input; derived (Erbs or closure) */
    int wind_missing;      /* 1: no wind speed in the input; wind_speed_m_s is NULL */
} zp_weather_repairs;

typedef struct zp_weather_data {
    zp_time_t start;         /* start of the first interval */
    int32_t step_s;          /* interval length, seconds */
    size_t len;              /* number of intervals */
    double *ghi_w_m2;        /* global horizontal irradiance, len values (never NULL) */
    double *dni_w_m2;        /* direct normal; NULL until derived when the input lacks it */
    double *dhi_w_m2;        /* diffuse horizontal; NULL until derived when the input lacks it */
    double *temp_air_c;      /* air temperature (never NULL) */
    double *wind_speed_m_s;  /* wind speed at wind_height_m; NULL when the input has none */
    double *pressure_hpa;    /* station pressure; NULL when the input has none */
    double wind_height_m;    /* measurement height of wind_speed_m_s, default 10 */
    double *sun_zenith_deg;  /* apparent solar zenith at step midpoints, computed by the
                                site check (zp_weather_check_site) for the site below, or NULL */
    double *sun_azimuth_deg; /* the matching azimuth, or NULL */
    zp_site site;            /* from the file header, the model or the generator */
    int32_t utc_offset_min;  /* the file's time zone (TMY3 header), or the model's */
    int typical;             /* 1: a typical year (TMY), anchored on ZP_WEATHER_TYPICAL_YEAR */
    char *source;            /* file name or "synthetic" (owned) */
    zp_weather_repairs repairs;
} zp_weather_data;

/* GHI above this while the sun is below the horizon for a whole step is
 * repaired to 0 (twilight and sensor offsets stay below it). */
#define ZP_WEATHER_NIGHT_GHI_W_M2 10.0
/* Upper bound for any irradiance (W/m2); above it the input is rejected. */
#define ZP_WEATHER_MAX_IRR_W_M2 1500.0
/* A TMY file is a typical year; the readers anchor it on this non-leap year
 * (pvlib's coerce_year convention). */
#define ZP_WEATHER_TYPICAL_YEAR 1990
/* Largest weather file accepted (bytes). */
#define ZP_WEATHER_MAX_BYTES (256u << 20)

/* Accepts NULL and half-built data. */
ZP_API void zp_weather_free(zp_ctx *ctx, zp_weather_data *w);

/* Read the zeropark weather CSV (docs/formats.md): timestamp, ghi_w_m2,
 * temp_air_c required; dni_w_m2, dhi_w_m2, wind_speed_m_s, pressure_hpa
 * optional. Timestamps without an offset take default_offset_min
 * (ZP_TIME_NO_DEFAULT rejects them). Gaps, NaN, bad numbers: diagnostics
 * with file:line:col from the CSV reader and ZP_EDATA. Values out of range
 * (negative or > 1500 W/m2 irradiance, GHI that looks like kW/m2,
 * temperatures outside -90..70 C, negative wind): diagnostics and ZP_EDATA.
 * The site is unknown (NaN). Free with zp_weather_free. */
ZP_API zp_status zp_weather_read_csv(zp_ctx *ctx, const char *path, int32_t default_offset_min,
                                     zp_weather_data **out);

/* Read an NREL TMY3 file: line 1 site metadata (USAF, name, state, time
 * zone in hours, lat, lon, elevation), line 2 the header, then hour-ending
 * rows "MM/DD/YYYY,HH:MM" (01:00..24:00) in local standard time. Takes
 * GHI, DNI, DHI, Dry-bulb, Wspd and Pressure by header name. The result is
 * hourly, relabelled to interval starts (the 01:00 record covers
 * 00:00-01:00), in calendar order, anchored on ZP_WEATHER_TYPICAL_YEAR at
 * the file's offset, typical = 1. Every (day, hour) of a 365-day year must
 * appear exactly once (29 February records are dropped with a warning).
 * Problems are diagnostics (file:line:col) and the call fails with
 * ZP_EPARSE (form) or ZP_EDATA (values); ZP_ETOOBIG above
 * ZP_WEATHER_MAX_BYTES. fname names the input in diagnostics (may be NULL). */
ZP_API zp_status zp_weather_read_tmy3_buf(zp_ctx *ctx, const char *buf, size_t len,
                                          const char *fname, zp_weather_data **out);
ZP_API zp_status zp_weather_read_tmy3_file(zp_ctx *ctx, const char *path,
                                           zp_weather_data **out);

/* Load the model's weather (m->weather, format "csv" or "tmy3") and put it
 * on the model's grid: m->steps intervals of m->step_min from m->start.
 * A typical year is mapped by calendar: each model step takes the record
 * of the same month, day and hour in the file's own time zone (converted
 * from the model's instants), so any model year, offset and period length
 * works; 29 February of a leap model year repeats 28 February. A CSV must
 * cover the model period (ZP_ERANGE naming both spans otherwise) and is
 * resampled (mean when coarsening, repeat when refining). Then, with the
 * model site: the night repair, the kW/m2 check, and DNI/DHI derived when
 * missing (Erbs, or closure GHI = DNI cos z + DHI when one is given).
 * Returns ZP_EINVAL when the model has no weather. */
ZP_API zp_status zp_weather_for_model(zp_ctx *ctx, const zp_model *m, zp_weather_data **out);

/* The checks and repairs zp_weather_for_model applies, for data from any
 * source: night irradiance repaired (warning with the count) or, when more
 * than 5% of night steps are lit, ZP_EDATA (a time-zone or labelling
 * error); GHI below 2 W/m2 over every daylight step: ZP_EDATA (kW/m2);
 * missing DNI/DHI derived. w->site must be set. */
ZP_API zp_status zp_weather_check_site(zp_ctx *ctx, zp_weather_data *w);

/* GHI summed by calendar month at offset_min (kWh/m2); months outside the
 * data are 0. */
ZP_API void zp_weather_monthly_ghi(const zp_weather_data *w, int32_t offset_min,
                                   double kwh_m2[12]);

/* The zeropark weather CSV text of w (timestamps at offset_min). *out is
 * allocated with the context's allocator: free with zp_weather_text_free. */
ZP_API zp_status zp_weather_format_csv(zp_ctx *ctx, const zp_weather_data *w, int32_t offset_min,
                                       char **out, size_t *len);
ZP_API void zp_weather_text_free(zp_ctx *ctx, char *text);

/* ---- Weather synthesis ------------------------------------------------ */

typedef struct zp_weather_synth_opts {
    double lat_deg, lon_deg, elevation_m; /* site */
    int32_t utc_offset_min;     /* local offset; the year runs in local time */
    int year;                   /* calendar year to generate (1..9999) */
    int32_t step_s;             /* 60..3600, dividing 3600; default 3600 */
    double annual_ghi_kwh_m2;   /* the year's GHI; the result matches it exactly */
    uint64_t seed;              /* same seed, same weather */
    double temp_mean_c;         /* annual mean; NaN = from latitude (methodology) */
    double temp_season_amp_c;   /* half the July-January difference; NaN = from latitude */
    double temp_diurnal_amp_c;  /* half the clear-day range; NaN = 5 */
    double wind_mean_m_s;       /* mean wind at 10 m; NaN = 3 */
    const double *monthly_clearness; /* 12 relative monthly clear-sky indices (local
                                        climatology), or NULL for flat (methodology) */
} zp_weather_synth_opts;

/* Defaults above; site 0/0, year 2024, offset +08:00, annual GHI 0 (must
 * be set). */
ZP_API void zp_weather_synth_opts_init(zp_weather_synth_opts *o);

/* Generate a year of weather (docs/methodology.md "Weather synthesis"):
 * Haurwitz clear-sky GHI at the interval midpoint times a clear-sky index
 * from a three-state daily Markov chain with hourly AR(1) noise, each month
 * brought to its expected clearness, the year scaled to annual_ghi_kwh_m2;
 * DNI/DHI by Erbs; temperature seasonal + diurnal + AR(1); Weibull (k = 2)
 * wind with AR(1) persistence. Deterministic for a seed. ZP_EINVAL for bad
 * options; ZP_ERANGE when annual_ghi_kwh_m2 is more than the clear sky
 * gives at the site. */
ZP_API zp_status zp_weather_synthesise(zp_ctx *ctx, const zp_weather_synth_opts *opts,
                                       zp_weather_data **out);

#ifdef __cplusplus
}
#endif
#endif
