/*
 * zeropark/solar.h - solar position: the NREL Solar Position Algorithm
 * (Reda & Andreas, NREL/TP-560-34302, 2004, rev. 2008), implemented from
 * the paper, plus a fast batch form for time series.
 *
 * Main types and calls: zp_spa_input (zp_spa_input_init) and zp_spa_result
 * from zp_spa_calc for one instant, zp_spa_series for every step of a
 * series, plus zp_spa_delta_t, zp_spa_julian_day and
 * zp_solar_extra_radiation. The PV chain (pv.h), the weather checks and
 * synthesis (weather.h) and the clear-sky forecast (forecast.h) take the
 * sun's position from here; the sky models (sky.h) take it as input. Angles
 * are in degrees (_deg), times zp_time_t (core.h); the calls that can fail
 * take a zp_ctx and say which input is out of range.
 *
 * Angles in degrees. Azimuth is measured eastward from north (0 = N,
 * 90 = E, 180 = S). The surface for the incidence angle is given by its
 * slope from horizontal and its azimuth rotation, which SPA measures from
 * SOUTH, positive toward west (so a south-facing surface has rotation 0).
 */
#ifndef ZEROPARK_SOLAR_H
#define ZEROPARK_SOLAR_H

#include "zeropark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zp_spa_input {
    zp_time_t t;                 /* instant, seconds since the Unix epoch (UTC) */
    double frac_s;               /* fraction of a second added to t, [0, 1) */
    double delta_ut1_s;          /* UT1 - UTC, seconds, |x| < 1; default 0 */
    double delta_t_s;            /* TT - UT1, seconds, -8000..8000; NaN (the default)
                                    means zp_spa_delta_t() of the instant's year */
    double lat_deg;              /* -90..90, north positive */
    double lon_deg;              /* -180..180, east positive */
    double elevation_m;          /* observer elevation above sea level */
    double pressure_hpa;         /* annual mean local pressure (mbar); default 1013.25 */
    double temperature_c;        /* annual mean local temperature; default 12 */
    double slope_deg;            /* surface slope from horizontal, -360..360 */
    double azimuth_rotation_deg; /* surface azimuth rotation from south, -360..360 */
    double atmos_refract_deg;    /* refraction at sunrise/sunset; default 0.5667 */
    int32_t utc_offset_min;      /* local offset, used for sunrise/transit/sunset */
} zp_spa_input;

typedef struct zp_spa_result {
    double jd;              /* Julian day (UT) */
    double jde;             /* Julian ephemeris day */
    double l_deg, b_deg;    /* Earth heliocentric longitude, latitude */
    double r_au;            /* Earth radius vector */
    double theta_deg;       /* geocentric longitude */
    double beta_deg;        /* geocentric latitude */
    double delta_psi_deg;   /* nutation in longitude */
    double delta_eps_deg;   /* nutation in obliquity */
    double epsilon_deg;     /* true obliquity of the ecliptic */
    double lambda_deg;      /* apparent sun longitude */
    double nu_deg;          /* apparent sidereal time at Greenwich */
    double alpha_deg;       /* geocentric right ascension */
    double delta_deg;       /* geocentric declination */
    double h_deg;           /* observer local hour angle */
    double alpha_prime_deg; /* topocentric right ascension */
    double delta_prime_deg; /* topocentric declination */
    double h_prime_deg;     /* topocentric local hour angle */
    double e0_deg;          /* topocentric elevation without refraction */
    double del_e_deg;       /* atmospheric refraction correction */
    double e_deg;           /* topocentric elevation angle (refraction corrected) */
    double zenith_deg;      /* topocentric zenith angle */
    double azimuth_deg;     /* topocentric azimuth, eastward from north */
    double incidence_deg;   /* incidence angle on the surface */
    double eot_min;         /* equation of time, minutes */
    double sunrise_h;       /* local sunrise, hours since local midnight (NaN if none) */
    double transit_h;       /* local sun transit */
    double sunset_h;        /* local sunset (NaN if none) */
} zp_spa_result;

/* Fill in with the defaults above (t = 0, site 0/0). */
ZP_API void zp_spa_input_init(zp_spa_input *in);

/* Estimated TT - UT (delta T) in seconds for a year, from the polynomial
 * expressions of Espenak & Meeus (NASA Five Millennium Canon); documented
 * in docs/methodology.md. */
ZP_API double zp_spa_delta_t(double year);

/* Julian day of a calendar date and time (day may carry the fraction of the
 * day), the paper's step 3.1.1: dates before 1582-10-15 are read on the
 * Julian calendar, later ones on the Gregorian. (zp_time_t instants are
 * proleptic Gregorian, so zp_spa_calc converts them without the switch.) */
ZP_API double zp_spa_julian_day(int year, int month, double day);

/* Full SPA for one instant. Which parts to compute (zenith, azimuth, the
 * intermediate values and the equation of time are always computed; the
 * fields of parts not asked for are set to NaN): */
#define ZP_SPA_ZA 0x1u     /* zenith and azimuth */
#define ZP_SPA_INC 0x2u    /* + incidence on the surface */
#define ZP_SPA_RTS 0x4u    /* + sunrise, transit, sunset of the local day */
#define ZP_SPA_ALL 0x7u
/* Returns ZP_ERANGE (message on ctx naming the field) when an input is
 * outside the paper's valid ranges (year -2000..6000, etc.). */
ZP_API zp_status zp_spa_calc(zp_ctx *ctx, const zp_spa_input *in, unsigned what,
                             zp_spa_result *out);

/* Solar position for a regular time series at one site: n instants
 * start, start + step_s, ... Fills zenith_deg[i] and azimuth_deg[i]
 * (either may be NULL) with the apparent (refraction-corrected) topocentric
 * values. Time-only quantities are computed once per day and interpolated
 * (the paper's own interpolation for sunrise/transit/sunset), so the batch
 * is much faster than n calls of zp_spa_calc; docs/methodology.md gives the
 * measured agreement with the full algorithm. in->t is ignored. */
ZP_API zp_status zp_spa_series(zp_ctx *ctx, const zp_spa_input *in, zp_time_t start,
                               int32_t step_s, size_t n, double *zenith_deg,
                               double *azimuth_deg);

/* Extraterrestrial normal irradiance (W/m2) on day of year doy (1..366),
 * Spencer (1971) with a solar constant of 1361 W/m2. */
ZP_API double zp_solar_extra_radiation(int doy);

#ifdef __cplusplus
}
#endif
#endif
