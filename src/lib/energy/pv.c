/*
 * pv.c - plane-of-array irradiance and PV power for one array, per step.
 *
 * Models and their sources are in docs/methodology.md ("Irradiance and
 * PV"); each function below follows the published equation and, where
 * pvlib-python implements it, pvlib's guards at the edges, so the unit
 * tests can use pvlib's test values.
 */
#include "zeropark/pv.h"

#include <math.h>
#include <string.h>

#include "core/internal.h"
#include "zeropark/solar.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define DEG (M_PI / 180.0)

double zp_iam_martin_ruiz(double aoi_deg, double a_r)
{
    if (!(fabs(aoi_deg) < 90.0))
        return 0.0;
    return (1.0 - exp(-cos(aoi_deg * DEG) / a_r)) / (1.0 - exp(-1.0 / a_r));
}

void zp_iam_martin_ruiz_diffuse(double tilt_deg, double a_r, double *iam_sky, double *iam_ground)
{
    /* a horizontal (or upside-down) surface makes the ground term 0/0;
     * nudge it as pvlib does */
    if (tilt_deg == 0)
        tilt_deg = 1e-6;
    if (tilt_deg == 180)
        tilt_deg = 180 - 1e-6;
    double c1 = 4.0 / (3.0 * M_PI), c2 = 0.5 * a_r - 0.154;
    double b = tilt_deg * DEG;
    double sb = tilt_deg < 90 ? sin(b) : sin(M_PI - b);
    double xs = sb + (M_PI - b - sb) / (1.0 + cos(b));
    double xg = sb + (b - sb) / (1.0 - cos(b));
    *iam_sky = 1.0 - exp(-(c1 + c2 * xs) * xs / a_r);
    *iam_ground = 1.0 - exp(-(c1 + c2 * xg) * xg / a_r);
}

double zp_pv_temp_faiman(double poa_w_m2, double temp_air_c, double wind_m_s, double u0,
                         double u1)
{
    return temp_air_c + poa_w_m2 / (u0 + u1 * wind_m_s);
}

double zp_pvwatts_dc(double g_eff_w_m2, double temp_cell_c, double pdc0, double gamma)
{
    return pdc0 * g_eff_w_m2 / 1000.0 * (1.0 + gamma * (temp_cell_c - 25.0));
}

double zp_pvwatts_inverter(double pdc, double pac0, double eta_nom, double eta_ref,
                           double *loss, double *clipped)
{
    *loss = 0;
    *clipped = 0;
    if (!(pdc > 0))
        return 0.0;
    double pdc0 = pac0 / eta_nom;
    double zeta = pdc / pdc0;
    double eta = eta_nom / eta_ref * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
    /* below about 0.6% load the curve goes negative: the inverter then
     * delivers nothing and the whole input counts as its loss */
    double ac = eta > 0 ? eta * pdc : 0.0;
    if (ac > pac0) {
        *clipped = ac - pac0;
        ac = pac0;
    }
    *loss = pdc - ac - *clipped;
    return ac;
}

void zp_pv_opts_init(zp_pv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->albedo = 0.2;
    o->iam_a_r = 0.16;
    o->faiman_u0 = 25.0;
    o->faiman_u1 = 6.84;
    o->eta_inv_nom = 0.96;
    o->eta_inv_ref = 0.9637;
    o->default_wind_m_s = 1.0;
}

/* The per-step arrays of an output: ac_kw first, then zenith_deg (what
 * ac_only keeps), then the rest. */
#define PV_ARRAYS 9
static void pv_arrays(zp_pv_output *o, double **a[PV_ARRAYS])
{
    double **all[PV_ARRAYS] = {&o->ac_kw, &o->zenith_deg, &o->poa_w_m2, &o->poa_eff_w_m2,
                               &o->cell_temp_c, &o->dc_kw, &o->dc_net_kw, &o->inverter_loss_kw,
                               &o->clipping_kw};
    memcpy(a, all, sizeof all);
}

void zp_pv_output_free(zp_ctx *ctx, zp_pv_output *o)
{
    if (!o)
        return;
    double **a[PV_ARRAYS];
    pv_arrays(o, a);
    for (size_t k = 0; k < PV_ARRAYS; k++)
        zp__free(ctx, *a[k]);
    zp__free(ctx, o);
}

static zp_status check_params(zp_ctx *ctx, const zp_pv *pv, const zp_site *s,
                              const zp_pv_opts *o)
{
    const char *name = pv->name ? pv->name : "pv";
    if (!(pv->capacity_kwp > 0) || !isfinite(pv->capacity_kwp))
        return zp__error(ctx, ZP_EINVAL, "%s: capacity_kwp must be > 0", name);
    if (!(pv->tilt_deg >= 0 && pv->tilt_deg <= 90))
        return zp__error(ctx, ZP_EINVAL, "%s: tilt_deg must be within 0..90", name);
    if (!(pv->azimuth_deg >= 0 && pv->azimuth_deg <= 360))
        return zp__error(ctx, ZP_EINVAL, "%s: azimuth_deg must be within 0..360", name);
    if (!(pv->losses_pct >= 0 && pv->losses_pct <= 100))
        return zp__error(ctx, ZP_EINVAL, "%s: losses_pct must be within 0..100", name);
    if (!(pv->inverter_kw > 0) || !isfinite(pv->inverter_kw))
        return zp__error(ctx, ZP_EINVAL, "%s: inverter_kw must be > 0", name);
    if (!isfinite(pv->gamma_pct_per_c) || fabs(pv->gamma_pct_per_c) > 5)
        return zp__error(ctx, ZP_EINVAL, "%s: gamma_pct_per_c must be within -5..5", name);
    if (!(s->lat_deg >= -90 && s->lat_deg <= 90) || !(s->lon_deg >= -180 && s->lon_deg <= 180) ||
        !isfinite(s->elevation_m))
        return zp__error(ctx, ZP_EINVAL, "%s: the site is unknown or out of range (lat %g, lon "
                         "%g, elevation %g); pass a site or load weather with one",
                         name, s->lat_deg, s->lon_deg, s->elevation_m);
    if (!(o->albedo >= 0 && o->albedo <= 1) || !(o->iam_a_r > 0) || !(o->faiman_u0 > 0) ||
        !(o->faiman_u1 >= 0) || !(o->eta_inv_nom > 0 && o->eta_inv_nom <= 1) ||
        !(o->eta_inv_ref > 0 && o->eta_inv_ref <= 1) || !(o->default_wind_m_s >= 0))
        return zp__error(ctx, ZP_EINVAL, "%s: PV options out of range (albedo 0..1, a_r > 0, "
                         "u0 > 0, u1 >= 0, efficiencies 0..1, wind >= 0)", name);
    return ZP_OK;
}

zp_status zp_pv_sun_position(zp_ctx *ctx, const zp_site *site, const zp_weather_data *w,
                             double *zenith_deg, double *azimuth_deg)
{
    if (!site)
        site = &w->site;
    size_t n = w->len;
    /* The site check already computed the same sun for the same site. */
    if (w->sun_zenith_deg && w->sun_azimuth_deg && site->lat_deg == w->site.lat_deg &&
        site->lon_deg == w->site.lon_deg && site->elevation_m == w->site.elevation_m) {
        if (zenith_deg)
            memcpy(zenith_deg, w->sun_zenith_deg, n * sizeof(double));
        if (azimuth_deg)
            memcpy(azimuth_deg, w->sun_azimuth_deg, n * sizeof(double));
        return ZP_OK;
    }
    zp_spa_input in;
    zp__weather_spa_input(site, w, &in);
    /* An interval's irradiance is its mean; the sun at the midpoint is the
     * one-point estimate of that mean geometry (methodology). */
    return zp_spa_series(ctx, &in, w->start + w->step_s / 2, w->step_s, n, zenith_deg,
                         azimuth_deg);
}

zp_status zp_pv_simulate(zp_ctx *ctx, const zp_pv *pv, const zp_site *site,
                         const zp_weather_data *w, const zp_pv_opts *opts, zp_pv_output **out)
{
    zp_status rc = ZP_OK;
    zp_pv_output *o = NULL;
    double *az = NULL;
    zp_pv_opts defopts;
    if (!ctx || !pv || !w || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_pv_simulate: NULL argument") : ZP_EINVAL;
    *out = NULL;
    if (!opts) {
        zp_pv_opts_init(&defopts);
        opts = &defopts;
    }
    if (!site)
        site = &w->site;
    if ((rc = check_params(ctx, pv, site, opts)))
        return rc;
    if (!w->ghi_w_m2 || !w->temp_air_c || !(w->step_s > 0))
        return zp__error(ctx, ZP_EINVAL, "zp_pv_simulate: weather without GHI or temperature");
    size_t n = w->len;
    if (!(o = zp__calloc(ctx, 1, sizeof *o)))
        return zp__nomem(ctx);
    o->start = w->start;
    o->step_s = w->step_s;
    o->len = n;
    size_t nn = n ? n : 1;
    /* With ac_only, only ac_kw is kept (a year at 1-min steps is 4.2 MB an
     * array); the other per-step arrays stay NULL. */
    const int given_sun = opts->sun_zenith_deg && opts->sun_azimuth_deg;
    double **arrs[PV_ARRAYS];
    pv_arrays(o, arrs);
    size_t narr = opts->ac_only ? (given_sun ? 1 : 2) : PV_ARRAYS;
    for (size_t k = 0; k < narr; k++)
        if (!(*arrs[k] = zp__calloc(ctx, nn, sizeof(double)))) {
            rc = zp__nomem(ctx);
            goto out;
        }
    const double *zen_v, *az_v;
    if (given_sun) {
        if (o->zenith_deg)
            memcpy(o->zenith_deg, opts->sun_zenith_deg, n * sizeof(double));
        zen_v = opts->sun_zenith_deg;
        az_v = opts->sun_azimuth_deg;
    } else {
        if (!(az = zp__calloc(ctx, nn, sizeof(double)))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        if (n && (rc = zp_pv_sun_position(ctx, site, w, o->zenith_deg, az)))
            goto out;
        zen_v = o->zenith_deg;
        az_v = az;
    }
#define SET(arr, i, v)                                                                     \
    do {                                                                                   \
        if (arr)                                                                           \
            (arr)[i] = (v);                                                                \
    } while (0)

    const double tilt = pv->tilt_deg, saz = pv->azimuth_deg;
    const double pdc0 = pv->capacity_kwp, gamma = pv->gamma_pct_per_c / 100.0;
    const double loss_frac = pv->losses_pct / 100.0;
    const double h = (double)w->step_s / 3600.0;
    double iam_sky, iam_gnd;
    zp_iam_martin_ruiz_diffuse(tilt, opts->iam_a_r, &iam_sky, &iam_gnd);
    zp_pv_totals *t = &o->totals;
    memset(t, 0, sizeof *t);

    for (size_t i = 0; i < n; i++) {
        double zen = zen_v[i], ghi = w->ghi_w_m2[i], ta = w->temp_air_c[i];
        double ws = w->wind_speed_m_s ? w->wind_speed_m_s[i] : opts->default_wind_m_s;
        SET(o->cell_temp_c, i, ta);
        if (!isfinite(ghi) || !isfinite(ta) || !isfinite(ws)) {
            rc = zp__error(ctx, ZP_EDATA, "zp_pv_simulate: weather value %zu is not a number "
                           "(GHI %g, temperature %g, wind %g)", i, ghi, ta, ws);
            goto out;
        }
        t->ghi_kwh_m2 += ghi * h / 1000.0;
        /* Night: exactly zero. A PVWatts inverter draws a little at night;
         * that tare is ignored (methodology), so AC is never negative. */
        if (!(zen < 90.0) || !(ghi > 0))
            continue;
        zp_time_t mid = w->start + (zp_time_t)i * w->step_s + w->step_s / 2;
        int64_t y;
        unsigned mo, d;
        int64_t days = zp__local_day(mid, w->utc_offset_min);
        zp_civil_from_days(days, &y, &mo, &d);
        int doy = (int)(days - zp_days_from_civil(y, 1, 1)) + 1;
        double e0 = zp_solar_extra_radiation(doy);
        double dni, dhi;
        if (w->dni_w_m2 && w->dhi_w_m2) {
            dni = w->dni_w_m2[i];
            dhi = w->dhi_w_m2[i];
        } else {
            zp_irr_erbs(ghi, zen, e0, &dni, &dhi);
        }
        if (!isfinite(dni) || !isfinite(dhi)) {
            rc = zp__error(ctx, ZP_EDATA, "zp_pv_simulate: DNI or DHI at step %zu is not a "
                           "number", i);
            goto out;
        }
        double cos_aoi = zp_irr_aoi_projection(tilt, saz, zen, az_v[i]);
        double aoi = acos(cos_aoi) / DEG;
        double beam = fmax(dni * cos_aoi, 0.0);
        double sky = zp_irr_haydavies(tilt, saz, dhi, dni, e0, zen, az_v[i]);
        double gnd = zp_irr_ground(tilt, ghi, opts->albedo);
        double poa = beam + sky + gnd;
        double poa_eff = beam * zp_iam_martin_ruiz(aoi, opts->iam_a_r) + sky * iam_sky +
                         gnd * iam_gnd;
        double tc = zp_pv_temp_faiman(poa, ta, ws, opts->faiman_u0, opts->faiman_u1);
        double dc = fmax(zp_pvwatts_dc(poa_eff, tc, pdc0, gamma), 0.0);
        double dc_net = dc * (1.0 - loss_frac);
        double inv_loss, clip;
        double ac = zp_pvwatts_inverter(dc_net, pv->inverter_kw, opts->eta_inv_nom,
                                        opts->eta_inv_ref, &inv_loss, &clip);
        SET(o->poa_w_m2, i, poa);
        SET(o->poa_eff_w_m2, i, poa_eff);
        SET(o->cell_temp_c, i, tc);
        SET(o->dc_kw, i, dc);
        SET(o->dc_net_kw, i, dc_net);
        SET(o->inverter_loss_kw, i, inv_loss);
        SET(o->clipping_kw, i, clip);
        o->ac_kw[i] = ac;
        t->poa_kwh_m2 += poa * h / 1000.0;
        t->poa_eff_kwh_m2 += poa_eff * h / 1000.0;
        t->nominal_kwh += pdc0 * poa / 1000.0 * h;
        t->iam_loss_kwh += pdc0 * (poa - poa_eff) / 1000.0 * h;
        t->dc_kwh += dc * h;
        t->dc_loss_kwh += (dc - dc_net) * h;
        t->dc_net_kwh += dc_net * h;
        t->inverter_loss_kwh += inv_loss * h;
        t->clipping_kwh += clip * h;
        t->ac_kwh += ac * h;
    }
    /* the temperature term is what closes nominal - iam - temperature = dc
     * (it includes the rare step where a hot cell would give negative DC) */
    t->temperature_loss_kwh = t->nominal_kwh - t->iam_loss_kwh - t->dc_kwh;
    *out = o;
    o = NULL;
out:
    zp__free(ctx, az);
    zp_pv_output_free(ctx, o);
    return rc;
}
