/*
 * zeropark/pv.h - irradiance on a tilted plane and PV power, per step.
 *
 * Main types and calls: zp_pv_simulate gives a zp_pv_output (the chain step
 * by step, AC power in kW, zp_pv_totals) for one array, a model's zp_pv,
 * over a weather series, with zp_pv_opts; its building blocks are public too
 * (zp_iam_martin_ruiz, zp_pv_temp_faiman, zp_pvwatts_dc,
 * zp_pvwatts_inverter, zp_pv_sun_position). It builds on the model
 * (model.h), the weather (weather.h), the sun's position (solar.h) and the
 * sky models (sky.h); the simulation (sim.h) calls it. Units are in the
 * names (_kw, _w_m2, _deg, _c); the calls that can fail take a zp_ctx
 * (core.h).
 *
 * The chain (docs/methodology.md "Irradiance and PV"): solar position at
 * the interval midpoint; Erbs decomposition when only GHI is known;
 * Hay-Davies sky diffuse plus isotropic ground reflection; Martin-Ruiz
 * incidence-angle modifiers for beam, sky and ground; Faiman cell
 * temperature; PVWatts DC; DC losses; the PVWatts inverter curve with
 * clipping at the AC rating. Night gives exactly zero.
 *
 * Angles in degrees. Surface azimuth is measured eastward from north
 * (180 = due south), as in the park model.
 */
#ifndef ZEROPARK_PV_H
#define ZEROPARK_PV_H

#include "zeropark/core.h"
#include "zeropark/model.h"
#include "zeropark/sky.h"
#include "zeropark/weather.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Module models (pure functions) ---------------------------------- */

/* Martin & Ruiz (2001) incidence-angle modifier for beam, a_r = 0.16 for
 * typical glass modules; 0 at aoi >= 90. */
ZP_API double zp_iam_martin_ruiz(double aoi_deg, double a_r);
/* Martin & Ruiz diffuse modifiers for sky and ground-reflected light
 * (c1 = 4/(3 pi), c2 = 0.5 a_r - 0.154 per IEC 61853-3). */
ZP_API void zp_iam_martin_ruiz_diffuse(double tilt_deg, double a_r, double *iam_sky,
                                       double *iam_ground);

/* Faiman (2008) cell temperature: Ta + G / (u0 + u1 ws). */
ZP_API double zp_pv_temp_faiman(double poa_w_m2, double temp_air_c, double wind_m_s, double u0,
                                double u1);
/* PVWatts DC: pdc0 G/1000 (1 + gamma (Tcell - 25)); gamma per degree C. */
ZP_API double zp_pvwatts_dc(double g_eff_w_m2, double temp_cell_c, double pdc0, double gamma);

/* PVWatts inverter (Dobos 2014): with zeta = pdc / pdc0_inv,
 * eta = eta_nom / eta_ref (-0.0162 zeta - 0.0059 / zeta + 0.9858),
 * AC = min(eta pdc, pac0) where pac0 = eta_nom pdc0_inv; never negative.
 * Fills the inverter loss and the clipped power so that
 * pdc = ac + loss + clipped exactly (pdc >= 0). */
ZP_API double zp_pvwatts_inverter(double pdc, double pac0, double eta_nom, double eta_ref,
                                  double *loss, double *clipped);

/* ---- A PV array over a weather year ----------------------------------- */

typedef struct zp_pv_opts {
    double albedo;          /* ground reflectance, default 0.2 */
    double iam_a_r;         /* Martin-Ruiz a_r, default 0.16 */
    double faiman_u0;       /* W/m2/K, default 25.0 (pvlib) */
    double faiman_u1;       /* W s/m3/K, default 6.84 (pvlib) */
    double eta_inv_nom;     /* inverter nominal efficiency, default 0.96 (PVWatts) */
    double eta_inv_ref;     /* reference efficiency of the curve, default 0.9637 */
    double default_wind_m_s; /* used when the weather has no wind, default 1.0 */
    const double *sun_zenith_deg;  /* optional: w->len values from zp_pv_sun_position, */
    const double *sun_azimuth_deg; /* shared by the arrays of one site (borrowed) */
    int ac_only;             /* 1: keep only ac_kw per step (totals are complete) */
} zp_pv_opts;

ZP_API void zp_pv_opts_init(zp_pv_opts *o);

/* Energy totals over the run (kWh, irradiation kWh/m2). The waterfall:
 * nominal - iam_loss - temperature_loss = dc; dc - dc_loss = dc_net;
 * dc_net - inverter_loss - clipping = ac. */
typedef struct zp_pv_totals {
    double ghi_kwh_m2;           /* horizontal irradiation */
    double poa_kwh_m2;           /* plane-of-array irradiation */
    double poa_eff_kwh_m2;       /* after the incidence-angle modifiers */
    double nominal_kwh;          /* capacity_kwp x POA / 1 kW/m2 */
    double iam_loss_kwh;         /* reflection: irradiance -> DC */
    double temperature_loss_kwh; /* negative when cells run below 25 C */
    double dc_kwh;               /* array DC output */
    double dc_loss_kwh;          /* losses_pct of dc */
    double dc_net_kwh;           /* inverter input */
    double inverter_loss_kwh;    /* conversion loss */
    double clipping_kwh;         /* above the inverter's AC rating */
    double ac_kwh;               /* delivered */
} zp_pv_totals;

typedef struct zp_pv_output {
    zp_time_t start;         /* as the weather */
    int32_t step_s;
    size_t len;
    double *zenith_deg;      /* apparent solar zenith at the interval midpoint */
    double *poa_w_m2;        /* plane-of-array irradiance */
    double *poa_eff_w_m2;    /* after the incidence-angle modifiers */
    double *cell_temp_c;     /* cell temperature (air temperature at night) */
    double *dc_kw;           /* array DC before DC losses */
    double *dc_net_kw;       /* after DC losses: the inverter input */
    double *inverter_loss_kw;
    double *clipping_kw;
    double *ac_kw;           /* AC output, >= 0, exactly 0 at night */
    zp_pv_totals totals;
} zp_pv_output;

/* Simulate one array over the weather w. site NULL takes w->site (which
 * must then be known). Weather without DNI/DHI is decomposed with Erbs per
 * step. ZP_EINVAL for bad parameters (message names the field). Free the
 * result with zp_pv_output_free. */
ZP_API zp_status zp_pv_simulate(zp_ctx *ctx, const zp_pv *pv, const zp_site *site,
                                const zp_weather_data *w, const zp_pv_opts *opts,
                                zp_pv_output **out);
/* Apparent solar zenith and azimuth at the midpoint of every step of w,
 * as zp_pv_simulate computes them (refraction from the weather's mean
 * temperature and pressure). Compute once and pass through zp_pv_opts
 * when several arrays share a site. Arrays hold w->len values. */
ZP_API zp_status zp_pv_sun_position(zp_ctx *ctx, const zp_site *site, const zp_weather_data *w,
                                    double *zenith_deg, double *azimuth_deg);
/* Accepts NULL. */
ZP_API void zp_pv_output_free(zp_ctx *ctx, zp_pv_output *o);

#ifdef __cplusplus
}
#endif
#endif
