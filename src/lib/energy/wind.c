/*
 * wind.c - wind farm power: hub-height extrapolation (power law or log
 * law) and a piecewise-linear turbine power curve.
 */
#include "core/internal.h"
#include "zeropark/wind.h"

#include <math.h>

void zp_wind_options_init(zp_wind_options *opt)
{
    opt->profile = ZP_WIND_POWER_LAW;
    opt->roughness_m = 0.03;
    opt->availability = 1.0;
    opt->losses_pct = 0.0;
}

double zp_wind_speed_power_law(double v_meas_m_s, double h_meas_m, double h_hub_m, double alpha)
{
    /* !(x >= 0) also catches NaN. */
    if (!(v_meas_m_s >= 0.0) || !(h_meas_m > 0.0) || !(h_hub_m > 0.0) || !isfinite(alpha))
        return NAN;
    if (h_meas_m == h_hub_m)
        return v_meas_m_s; /* exact, whatever alpha */
    return v_meas_m_s * pow(h_hub_m / h_meas_m, alpha);
}

double zp_wind_speed_log_law(double v_meas_m_s, double h_meas_m, double h_hub_m, double z0_m)
{
    if (!(v_meas_m_s >= 0.0) || !(z0_m > 0.0) || !(h_meas_m > z0_m) || !(h_hub_m > z0_m))
        return NAN;
    if (h_meas_m == h_hub_m)
        return v_meas_m_s;
    return v_meas_m_s * log(h_hub_m / z0_m) / log(h_meas_m / z0_m);
}

double zp_wind_curve_kw(const double (*curve)[2], size_t n, double v_hub_m_s)
{
    if (isnan(v_hub_m_s))
        return NAN;
    if (n == 0 || v_hub_m_s < curve[0][0] || v_hub_m_s > curve[n - 1][0])
        return 0.0;
    /* Curves have a few dozen points at most: a linear scan beats a
     * binary search's branches and keeps the code obvious. */
    size_t i = 1;
    while (i < n && curve[i][0] < v_hub_m_s)
        i++;
    if (i == n) /* n == 1 and v equals the only speed */
        return curve[n - 1][1];
    double v0 = curve[i - 1][0], p0 = curve[i - 1][1];
    double v1 = curve[i][0], p1 = curve[i][1];
    if (v_hub_m_s == v1)
        return p1;
    if (v1 <= v0) /* degenerate (unchecked) curve: no slope to follow */
        return p0;
    return p0 + (p1 - p0) * (v_hub_m_s - v0) / (v1 - v0);
}

double zp_wind_cut_in_m_s(const zp_wind *w)
{
    for (size_t i = 0; i < w->power_curve_len; i++) {
        if (w->power_curve[i][1] > 0.0)
            return i == 0 ? w->power_curve[0][0] : w->power_curve[i - 1][0];
    }
    return NAN;
}

double zp_wind_cut_out_m_s(const zp_wind *w)
{
    if (w->power_curve_len == 0)
        return NAN;
    return w->power_curve[w->power_curve_len - 1][0];
}

zp_status zp_wind_check(zp_ctx *ctx, const zp_wind *w, const zp_wind_options *opt)
{
    const char *name = w && w->name ? w->name : "(unnamed)";
    zp_wind_options def;
    if (!w)
        return zp__error(ctx, ZP_EINVAL, "wind: no turbine description given");
    if (!opt) {
        zp_wind_options_init(&def);
        opt = &def;
    }
    if (w->count < 1)
        return zp__error(ctx, ZP_EINVAL, "wind '%s': count is %d; give at least 1 turbine",
                         name, w->count);
    if (!(w->rated_kw > 0.0) || !isfinite(w->rated_kw))
        return zp__error(ctx, ZP_EINVAL, "wind '%s': rated_kw must be a finite number > 0",
                         name);
    if (!(w->hub_height_m > 0.0) || !isfinite(w->hub_height_m))
        return zp__error(ctx, ZP_EINVAL, "wind '%s': hub_height_m must be > 0", name);
    if (!(w->measurement_height_m > 0.0) || !isfinite(w->measurement_height_m))
        return zp__error(ctx, ZP_EINVAL, "wind '%s': measurement_height_m must be > 0", name);
    if (!isfinite(w->shear_exponent))
        return zp__error(ctx, ZP_EINVAL, "wind '%s': shear_exponent must be finite (1/7 "
                         "is typical)", name);
    if (!w->power_curve || w->power_curve_len < 2)
        return zp__error(ctx, ZP_EINVAL, "wind '%s': power_curve needs at least 2 points "
                         "[speed_m_s, power_kw]", name);
    for (size_t i = 0; i < w->power_curve_len; i++) {
        double v = w->power_curve[i][0], p = w->power_curve[i][1];
        if (!(v >= 0.0) || !isfinite(v) || !(p >= 0.0) || !isfinite(p))
            return zp__error(ctx, ZP_EINVAL, "wind '%s': power_curve[%zu] = [%g, %g]: speed "
                             "and power must be finite and >= 0", name, i, v, p);
        if (i > 0 && !(v > w->power_curve[i - 1][0]))
            return zp__error(ctx, ZP_EINVAL, "wind '%s': power_curve[%zu] speed %g m/s is not "
                             "above the previous point's %g m/s; list points by rising speed",
                             name, i, v, w->power_curve[i - 1][0]);
    }
    if (opt->profile == ZP_WIND_LOG_LAW) {
        double hmin = fmin(w->hub_height_m, w->measurement_height_m);
        if (!(opt->roughness_m > 0.0) || !(opt->roughness_m < hmin))
            return zp__error(ctx, ZP_EINVAL, "wind '%s': log-law roughness length %g m must be "
                             "> 0 and below both heights (%g m)", name, opt->roughness_m, hmin);
    } else if (opt->profile != ZP_WIND_POWER_LAW) {
        return zp__error(ctx, ZP_EINVAL, "wind '%s': unknown profile %d (use ZP_WIND_POWER_LAW "
                         "or ZP_WIND_LOG_LAW)", name, (int)opt->profile);
    }
    if (!(opt->availability >= 0.0 && opt->availability <= 1.0))
        return zp__error(ctx, ZP_EINVAL, "wind '%s': availability %g must be within 0..1",
                         name, opt->availability);
    if (!(opt->losses_pct >= 0.0 && opt->losses_pct <= 100.0))
        return zp__error(ctx, ZP_EINVAL, "wind '%s': losses_pct %g must be within 0..100",
                         name, opt->losses_pct);
    return ZP_OK;
}

double zp_wind_power_kw_opt(const zp_wind *w, const zp_wind_options *opt, double v_meas_m_s)
{
    zp_wind_options def;
    if (!opt) {
        zp_wind_options_init(&def);
        opt = &def;
    }
    double v_hub = opt->profile == ZP_WIND_LOG_LAW
                       ? zp_wind_speed_log_law(v_meas_m_s, w->measurement_height_m,
                                               w->hub_height_m, opt->roughness_m)
                       : zp_wind_speed_power_law(v_meas_m_s, w->measurement_height_m,
                                                 w->hub_height_m, w->shear_exponent);
    double p_one = zp_wind_curve_kw((const double (*)[2])w->power_curve, w->power_curve_len,
                                    v_hub);
    if (isnan(p_one))
        return NAN;
    /* A curve point above the nameplate is a data-entry slip; the
     * generator cannot deliver it. */
    if (p_one > w->rated_kw)
        p_one = w->rated_kw;
    return (double)w->count * p_one * opt->availability * (1.0 - opt->losses_pct / 100.0);
}

double zp_wind_power_kw(const zp_wind *w, double v_meas_m_s)
{
    return zp_wind_power_kw_opt(w, NULL, v_meas_m_s);
}

zp_status zp_wind_power_series(zp_ctx *ctx, const zp_wind *w, const zp_wind_options *opt,
                               const double *v_meas_m_s, size_t n, double *out_kw)
{
    zp_status rc = zp_wind_check(ctx, w, opt);
    if (rc)
        return rc;
    if (n > 0 && (!v_meas_m_s || !out_kw))
        return zp__error(ctx, ZP_EINVAL, "wind '%s': speed and output arrays are required",
                         w->name ? w->name : "(unnamed)");
    for (size_t i = 0; i < n; i++) {
        double v = v_meas_m_s[i];
        if (!(v >= 0.0) || !isfinite(v))
            return zp__error(ctx, ZP_EDATA, "wind '%s': wind speed at step %zu is %g; speeds "
                             "must be finite and >= 0 (fill gaps in the weather data first)",
                             w->name ? w->name : "(unnamed)", i, v);
        out_kw[i] = zp_wind_power_kw_opt(w, opt, v);
    }
    return ZP_OK;
}
