/*
 * weather_synth.c - the weather generator: a year of synthetic weather
 * for a site (zp_weather_synthesise; docs/methodology.md, "Weather
 * synthesis").
 */
#include "zeropark/weather.h"

#include <math.h>
#include <string.h>

#include "core/internal.h"
#include "core/rng.h"
#include "energy/weather_impl.h"
#include "zeropark/sky.h"
#include "zeropark/solar.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- weather synthesis ------------------------------------------------------ */

/* Daily sky classes: clear, partly cloudy, overcast. Each day's class
 * follows a Markov chain (methodology: the matrix gives runs of clear and
 * overcast days of 2-3 days on average, as observed for mid-latitude
 * synoptic weather); within a day the clear-sky index is the class mean
 * plus hourly AR(1) noise with the class's spread. */
static const double sky_p[3][3] = {{0.60, 0.30, 0.10}, {0.30, 0.45, 0.25}, {0.15, 0.40, 0.45}};
static const double sky_kc_mean[3] = {0.97, 0.72, 0.32};
static const double sky_kc_sd[3] = {0.04, 0.16, 0.10};
static const double sky_diurnal[3] = {1.0, 0.75, 0.4}; /* share of the diurnal temperature swing */

void zp_weather_synth_opts_init(zp_weather_synth_opts *o)
{
    memset(o, 0, sizeof *o);
    o->utc_offset_min = 8 * 60;
    o->year = 2024;
    o->step_s = 3600;
    o->temp_mean_c = NAN;
    o->temp_season_amp_c = NAN;
    o->temp_diurnal_amp_c = NAN;
    o->wind_mean_m_s = NAN;
}

/* A year being synthesised (zp_weather_synthesise, in its steps). */
typedef struct synth {
    zp_ctx *ctx;
    const zp_weather_synth_opts *o;
    double wind_mean, tmean, tseas, tdiur; /* the climate, defaults filled in */
    size_t n, per_day;  /* steps of the year, of a day */
    double h;           /* a step in hours */
    zp_weather_data *w;
    double *zen;        /* zenith at each step's middle: kept in w->dhi_w_m2 until Erbs */
    double *cs;         /* clear-sky GHI (Haurwitz); its block holds e0h too */
    double *e0h;        /* extraterrestrial irradiance on the horizontal */
    int *month;         /* local month, 0..11 */
    double month_cs[12]; /* clear-sky GHI summed over each month */
} synth;

/* The options checked and the climate's defaults filled in. */
static zp_status synth_climate(zp_ctx *ctx, const zp_weather_synth_opts *o, synth *s)
{
    if (!(o->lat_deg >= -90 && o->lat_deg <= 90) || !(o->lon_deg >= -180 && o->lon_deg <= 180))
        return zp__error(ctx, ZP_EINVAL, "weather synthesis: latitude %g must be within -90..90 "
                         "and longitude %g within -180..180", o->lat_deg, o->lon_deg);
    if (!(o->elevation_m >= -500 && o->elevation_m <= 9000))
        return zp__error(ctx, ZP_EINVAL, "weather synthesis: elevation %g m must be within "
                         "-500..9000", o->elevation_m);
    if (o->year < 1 || o->year > 9999)
        return zp__error(ctx, ZP_EINVAL, "weather synthesis: year %d must be within 1..9999",
                         o->year);
    if (o->step_s < 60 || o->step_s > 3600 || 3600 % o->step_s != 0)
        return zp__error(ctx, ZP_EINVAL, "weather synthesis: step %ld s must divide an hour "
                         "(60..3600 s)", (long)o->step_s);
    if (o->utc_offset_min < -14 * 60 || o->utc_offset_min > 14 * 60)
        return zp__error(ctx, ZP_EINVAL, "weather synthesis: UTC offset %ld min must be within "
                         "-14..+14 h", (long)o->utc_offset_min);
    if (!(o->annual_ghi_kwh_m2 > 0) || !isfinite(o->annual_ghi_kwh_m2))
        return zp__error(ctx, ZP_EINVAL, "weather synthesis: annual GHI %g kWh/m2 must be > 0 "
                         "(e.g. 1500 for a sunny mid-latitude site)", o->annual_ghi_kwh_m2);
    if (o->monthly_clearness)
        for (int k = 0; k < 12; k++)
            if (!(o->monthly_clearness[k] > 0) || !isfinite(o->monthly_clearness[k]))
                return zp__error(ctx, ZP_EINVAL, "weather synthesis: monthly clearness %d is %g; "
                                 "each must be > 0", k + 1, o->monthly_clearness[k]);
    s->wind_mean = isnan(o->wind_mean_m_s) ? 3.0 : o->wind_mean_m_s;
    if (!(s->wind_mean >= 0 && s->wind_mean <= 30))
        return zp__error(ctx, ZP_EINVAL, "weather synthesis: mean wind %g m/s must be within 0..30",
                         s->wind_mean);
    double alat = fabs(o->lat_deg);
    /* Defaults from latitude: a rough zonal-mean climate (28 C at the
     * equator, 14 C at 40 deg), cooled 6.5 K per km of elevation. */
    double slat = sin(alat * M_PI / 180);
    s->tmean = isnan(o->temp_mean_c) ? 28.0 - 34.0 * slat * slat - 0.0065 * fmax(o->elevation_m, 0)
                                     : o->temp_mean_c;
    s->tseas = isnan(o->temp_season_amp_c) ? 0.25 * alat : o->temp_season_amp_c;
    s->tdiur = isnan(o->temp_diurnal_amp_c) ? 5.0 : o->temp_diurnal_amp_c;
    if (!(s->tmean >= -60 && s->tmean <= 50) || !(s->tseas >= 0 && s->tseas <= 40) ||
        !(s->tdiur >= 0 && s->tdiur <= 25))
        return zp__error(ctx, ZP_EINVAL, "weather synthesis: temperature mean %g (-60..50), "
                         "seasonal amplitude %g (0..40), diurnal amplitude %g (0..25) C", s->tmean,
                         s->tseas, s->tdiur);
    return ZP_OK;
}

/* The record of the year and the sun over it: zenith, clear-sky GHI,
 * extraterrestrial irradiance and month of each step; refused when the
 * clear sky cannot give the year's GHI. */
static zp_status synth_clearsky(synth *s)
{
    zp_ctx *ctx = s->ctx;
    const zp_weather_synth_opts *o = s->o;
    zp_status rc;
    int ndays = (int)(zp_days_from_civil(o->year + 1, 1, 1) - zp_days_from_civil(o->year, 1, 1));
    s->per_day = (size_t)(86400 / o->step_s);
    s->n = (size_t)ndays * s->per_day;
    s->h = (double)o->step_s / 3600.0;
    const size_t n = s->n;
    if ((rc = zp__weather_new(ctx, n, HAS_DNI | HAS_DHI | HAS_WIND, "synthetic", &s->w)))
        return rc;
    zp_weather_data *w = s->w;
    w->start = zp_days_from_civil(o->year, 1, 1) * 86400 - (zp_time_t)o->utc_offset_min * 60;
    w->step_s = o->step_s;
    w->utc_offset_min = o->utc_offset_min;
    w->site.lat_deg = o->lat_deg;
    w->site.lon_deg = o->lon_deg;
    w->site.elevation_m = o->elevation_m;
    w->repairs.dni_derived = w->repairs.dhi_derived = 1;
    if (!(s->cs = zp__malloc(ctx, 2 * n * sizeof(double))) ||
        !(s->month = zp__malloc(ctx, n * sizeof(int))))
        return zp__nomem(ctx);
    s->e0h = s->cs + n;
    /* the zenith goes into dhi_w_m2 for now; it is overwritten by Erbs */
    s->zen = w->dhi_w_m2;
    zp_spa_input in;
    zp_spa_input_init(&in);
    in.lat_deg = o->lat_deg;
    in.lon_deg = o->lon_deg;
    in.elevation_m = o->elevation_m;
    in.utc_offset_min = o->utc_offset_min;
    if ((rc = zp_spa_series(ctx, &in, w->start + o->step_s / 2, o->step_s, n, s->zen, NULL)))
        return rc;
    double cs_total = 0;
    for (size_t i = 0; i < n; i++) {
        int doy = (int)(i / s->per_day) + 1;
        double cz = cos(s->zen[i] * M_PI / 180);
        s->cs[i] = zp_clearsky_haurwitz(s->zen[i]);
        s->e0h[i] = cz > 0 ? zp_solar_extra_radiation(doy) * cz : 0;
        cs_total += s->cs[i] * s->h / 1000.0;
        int64_t y;
        unsigned mo, d;
        zp__weather_local_date(w->start + (zp_time_t)i * o->step_s, o->utc_offset_min, &y, &mo,
                               &d, NULL, NULL);
        s->month[i] = (int)mo - 1;
    }
    if (!(cs_total > 0))
        return zp__error(ctx, ZP_ERANGE, "weather synthesis: the sun never rises at %g, %g in %d",
                         o->lat_deg, o->lon_deg, o->year);
    if (o->annual_ghi_kwh_m2 > cs_total)
        return zp__error(ctx, ZP_ERANGE, "weather synthesis: %g kWh/m2 a year is more than a "
                         "cloudless sky gives at %g, %g (%.0f kWh/m2, Haurwitz); check the value",
                         o->annual_ghi_kwh_m2, o->lat_deg, o->lon_deg, cs_total);
    return ZP_OK;
}

/* The weather of each step: the day's sky class, the clear-sky index,
 * temperature and wind; month_cs summed on the way. */
static void synth_sky(synth *s)
{
    const zp_weather_synth_opts *o = s->o;
    zp_weather_data *w = s->w;
    const double h = s->h;
    zp__rng r;
    zp__rng_seed(&r, o->seed);
    double phi_kc = pow(0.80, h), phi_t = pow(0.97, h), phi_w = pow(0.90, h);
    double e_kc = 0, e_t = 0, z_w = zp__rng_normal_single(&r);
    int state = 1;
    double c_weibull = s->wind_mean / 0.886226925452758; /* Gamma(1 + 1/2) */
    double hemi = o->lat_deg >= 0 ? 1.0 : -1.0;
    for (size_t i = 0; i < s->n; i++) {
        size_t day = i / s->per_day;
        if (i % s->per_day == 0 && day > 0) {
            double u = zp__rng_uniform(&r), acc = 0;
            int next = 2;
            for (int k = 0; k < 3; k++) {
                acc += sky_p[state][k];
                if (u < acc) {
                    next = k;
                    break;
                }
            }
            state = next;
        }
        /* clear-sky index */
        e_kc = phi_kc * e_kc +
               sky_kc_sd[state] * sqrt(1 - phi_kc * phi_kc) * zp__rng_normal_single(&r);
        double kc = fmin(fmax(sky_kc_mean[state] + e_kc, 0.05), 1.10);
        w->ghi_w_m2[i] = s->cs[i] * kc;
        s->month_cs[s->month[i]] += s->cs[i];
        /* temperature: seasonal cycle lagging the solstice by a month
         * (coldest about 20 January in the north), diurnal peak at 15:00
         * local solar time, damped on cloudy days */
        int64_t sod;
        int64_t y;
        unsigned mo, d;
        int doy;
        zp__weather_local_date(w->start + (zp_time_t)i * o->step_s + o->step_s / 2,
                               o->utc_offset_min, &y, &mo, &d, &doy, &sod);
        double solar_h = (double)sod / 3600.0 + (o->lon_deg - o->utc_offset_min / 4.0) / 15.0;
        e_t = phi_t * e_t + 1.5 * sqrt(1 - phi_t * phi_t) * zp__rng_normal_single(&r);
        w->temp_air_c[i] = s->tmean - hemi * s->tseas * cos(2 * M_PI * (doy - 20) / 365.25) +
                           s->tdiur * sky_diurnal[state] * cos(2 * M_PI * (solar_h - 15) / 24) +
                           e_t;
        /* wind: persistent Gaussian mapped onto Weibull(k = 2) */
        z_w = phi_w * z_w + sqrt(1 - phi_w * phi_w) * zp__rng_normal_single(&r);
        double u = 0.5 * erfc(-z_w / sqrt(2.0));
        u = fmin(fmax(u, 1e-12), 1 - 1e-12);
        w->wind_speed_m_s[i] = c_weibull * sqrt(-log(1 - u));
    }
}

/* Each month gets its expected share of the year (the TMY idea: typical
 * months): the clear-sky irradiation of the month, weighted by the
 * caller's monthly climatology if given. Within a month, the stochastic
 * index only shapes days and hours. GHI is capped at 90% of the
 * extraterrestrial horizontal irradiance; what a cap removes is spread
 * over the month's uncapped steps until its total matches, so the
 * months, and the year, come out exact. */
static zp_status synth_months(synth *s)
{
    const zp_weather_synth_opts *o = s->o;
    double *ghi = s->w->ghi_w_m2;
    const double *e0h = s->e0h, h = s->h;
    const int *month = s->month;
    const size_t n = s->n;
    double target[12], wsum = 0;
    for (int k = 0; k < 12; k++)
        wsum += (o->monthly_clearness ? o->monthly_clearness[k] : 1.0) * s->month_cs[k];
    for (int k = 0; k < 12; k++)
        target[k] = o->annual_ghi_kwh_m2 *
                    (o->monthly_clearness ? o->monthly_clearness[k] : 1.0) * s->month_cs[k] / wsum;
    for (size_t i = 0; i < n; i++)
        ghi[i] = fmin(ghi[i], 0.9 * e0h[i]);
    for (int iter = 0;; iter++) {
        double tot[12] = {0}, free_tot[12] = {0}, fac[12];
        int done = 1;
        for (size_t i = 0; i < n; i++) {
            tot[month[i]] += ghi[i] * h / 1000.0;
            if (ghi[i] < 0.9 * e0h[i])
                free_tot[month[i]] += ghi[i] * h / 1000.0;
        }
        for (int k = 0; k < 12; k++) {
            double miss = target[k] - tot[k];
            fac[k] = 1;
            if (fabs(miss) <= 1e-13 * o->annual_ghi_kwh_m2)
                continue;
            done = 0;
            if (!(free_tot[k] > 0) || iter >= 100)
                return zp__error(s->ctx, ZP_ERANGE, "weather synthesis: month %d cannot reach %g "
                                 "kWh/m2 under the clear-sky cap at %g, %g; lower the annual GHI",
                                 k + 1, target[k], o->lat_deg, o->lon_deg);
            fac[k] = 1 + miss / free_tot[k];
        }
        if (done)
            return ZP_OK;
        for (size_t i = 0; i < n; i++)
            if (ghi[i] < 0.9 * e0h[i])
                ghi[i] = fmin(ghi[i] * fac[month[i]], 0.9 * e0h[i]);
    }
}

zp_status zp_weather_synthesise(zp_ctx *ctx, const zp_weather_synth_opts *o,
                                zp_weather_data **out)
{
    zp_status rc;
    synth s;
    if (!ctx || !o || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_weather_synthesise: NULL argument") : ZP_EINVAL;
    *out = NULL;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.o = o;
    if ((rc = synth_climate(ctx, o, &s)))
        return rc;
    if (!(rc = synth_clearsky(&s))) {
        synth_sky(&s);
        rc = synth_months(&s);
    }
    if (!rc) {
        /* DNI and DHI by Erbs; DHI overwrites the zenith, no longer needed */
        zp_weather_data *w = s.w;
        for (size_t i = 0; i < s.n; i++) {
            int doy = (int)(i / s.per_day) + 1;
            double dni, dhi;
            zp_irr_erbs(w->ghi_w_m2[i], s.zen[i], zp_solar_extra_radiation(doy), &dni, &dhi);
            w->dni_w_m2[i] = dni;
            w->dhi_w_m2[i] = dhi;
        }
        *out = w;
        s.w = NULL;
    }
    zp__free(ctx, s.cs); /* and e0h */
    zp__free(ctx, s.month);
    zp_weather_free(ctx, s.w);
    return rc;
}
