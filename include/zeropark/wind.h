/*
 * zeropark/wind.h - wind farm power: hub-height extrapolation of measured
 * wind speed and a turbine power curve (methodology: docs/methodology.md,
 * section "Wind").
 *
 * Main types and calls: zp_wind_power_series (a farm's power for every step
 * of a wind-speed series) and zp_wind_power_kw for one speed, with
 * zp_wind_options (zp_wind_profile: power or log law);
 * zp_wind_speed_power_law, zp_wind_speed_log_law, zp_wind_curve_kw,
 * zp_wind_cut_in_m_s / zp_wind_cut_out_m_s and zp_wind_check of a model's
 * zp_wind (model.h). The simulation (sim.h) calls it with the weather's wind
 * (weather.h). Units are in the names (_m_s, _kw); the calls that can fail
 * take a zp_ctx (core.h).
 *
 * Chain for one step:
 *   v_hub  = extrapolate(v_meas)             power law (default) or log law
 *   p_one  = curve(v_hub), capped at rated_kw  per turbine, kW
 *   p_farm = count * p_one * availability * (1 - losses_pct / 100)
 *
 * The power curve is piecewise linear between its points. Below the first
 * point's speed the power is 0; above the last point's speed it is 0 (the
 * last speed is the cut-out speed, and the turbine still produces at
 * exactly that speed). The cut-in speed is the last speed at which the
 * curve is 0 before it rises (zp_wind_cut_in_m_s).
 */
#ifndef ZEROPARK_WIND_H
#define ZEROPARK_WIND_H

#include "zeropark/core.h"
#include "zeropark/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Vertical wind profile used to carry a measured speed to hub height. */
typedef enum zp_wind_profile {
    /* v_hub = v_meas * (h_hub / h_meas)^alpha, alpha = zp_wind.shear_exponent
     * (1/7 over open flat land; higher over rough terrain and at night). */
    ZP_WIND_POWER_LAW = 0,
    /* v_hub = v_meas * ln(h_hub / z0) / ln(h_meas / z0), z0 = roughness_m
     * (neutral stability; 0.03 m open grass, 0.1 m farmland, 0.5-1 m
     * suburbs and forest). Needs z0 below both heights. */
    ZP_WIND_LOG_LAW = 1
} zp_wind_profile;

typedef struct zp_wind_options {
    zp_wind_profile profile; /* default ZP_WIND_POWER_LAW */
    double roughness_m;      /* z0 for ZP_WIND_LOG_LAW, > 0; default 0.03 */
    double availability;     /* technical availability 0..1; default 1 */
    double losses_pct;       /* wake and electrical losses 0..100; default 0 */
} zp_wind_options;

/* Fill opt with the defaults above. Cannot fail. */
ZP_API void zp_wind_options_init(zp_wind_options *opt);

/* Power-law extrapolation. Returns NaN for a negative or NaN speed or a
 * height <= 0; alpha must be finite. */
ZP_API double zp_wind_speed_power_law(double v_meas_m_s, double h_meas_m, double h_hub_m,
                                      double alpha);
/* Log-law extrapolation. Returns NaN for a negative or NaN speed, or
 * unless 0 < z0_m < min(h_meas_m, h_hub_m). */
ZP_API double zp_wind_speed_log_law(double v_meas_m_s, double h_meas_m, double h_hub_m,
                                    double z0_m);

/* One turbine's power (kW) at hub speed v_hub_m_s from a curve of n points
 * [speed m/s, power kW] with rising speeds: linear between points, 0
 * below the first and above the last point. Not capped. NaN for a NaN
 * speed; 0 when n == 0. */
ZP_API double zp_wind_curve_kw(const double (*curve)[2], size_t n, double v_hub_m_s);

/* Cut-in speed: the speed where the curve starts producing, i.e. the last
 * point with power 0 before the first point with power > 0 (the first
 * point's speed when it already produces). Cut-out: the last point's
 * speed. NaN when the curve never produces (cut-in) or is empty. */
ZP_API double zp_wind_cut_in_m_s(const zp_wind *w);
ZP_API double zp_wind_cut_out_m_s(const zp_wind *w);

/* Check a turbine description (count >= 1, heights > 0, rated_kw > 0,
 * >= 2 curve points with rising speeds and finite power >= 0, shear
 * exponent finite) and the options (roughness below both heights for the
 * log law, availability 0..1, losses 0..100). opt may be NULL (defaults).
 * Returns ZP_OK or ZP_EINVAL with a message naming the turbine, field and
 * fix. */
ZP_API zp_status zp_wind_check(zp_ctx *ctx, const zp_wind *w, const zp_wind_options *opt);

/* Farm power (kW, AC, all w->count turbines) for a wind speed measured at
 * w->measurement_height_m, with opt (NULL = defaults). The per-turbine
 * curve value is capped at w->rated_kw. Assumes zp_wind_check passed;
 * returns NaN for a NaN or negative speed. */
ZP_API double zp_wind_power_kw_opt(const zp_wind *w, const zp_wind_options *opt,
                                   double v_meas_m_s);
/* The same with default options (power law, availability 1, no losses). */
ZP_API double zp_wind_power_kw(const zp_wind *w, double v_meas_m_s);

/* Series form: out_kw[i] = zp_wind_power_kw_opt(w, opt, v_meas_m_s[i]) for
 * i < n. Checks w and opt first (as zp_wind_check). A NaN, infinite or
 * negative speed fails with ZP_EDATA naming the index, since a missing
 * value must never silently become zero power; out_kw is then left with
 * unspecified contents. out_kw may alias v_meas_m_s. */
ZP_API zp_status zp_wind_power_series(zp_ctx *ctx, const zp_wind *w, const zp_wind_options *opt,
                                      const double *v_meas_m_s, size_t n, double *out_kw);

#ifdef __cplusplus
}
#endif
#endif
