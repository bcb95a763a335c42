/*
 * forecast.c - PV, wind and load forecasts for the rolling-horizon
 * dispatch, the clear-sky PV of a model, and forecast skill over a period.
 *
 * The forecasters are pure functions of the known past (x before `at`),
 * except "noisy" and "perfect", which read the future by design. The
 * methods and the error model are in docs/methodology.md ("Forecasts").
 */
#include "zeropark/forecast.h"

#include <math.h>
#include <string.h>

#include "core/internal.h"
#include "core/rng.h"
#include "zeropark/pv.h"
#include "zeropark/sky.h"
#include "zeropark/solar.h"
#include "zeropark/weather.h"

static const char *const method_names[] = {"perfect", "persistence", "similar-day", "clearsky",
                                           "noisy"};

const char *zp_forecast_method_name(zp_forecast_method m)
{
    if ((unsigned)m >= ZP_ARRAY_LEN(method_names))
        return NULL;
    return method_names[m];
}

zp_status zp_forecast_method_parse(zp_ctx *ctx, const char *name, zp_forecast_method *out)
{
    if (!name || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_method_parse: NULL argument");
    for (size_t i = 0; i < ZP_ARRAY_LEN(method_names); i++)
        if (strcmp(name, method_names[i]) == 0) {
            *out = (zp_forecast_method)i;
            return ZP_OK;
        }
    return zp__error(ctx, ZP_ENOTFOUND,
                     "unknown forecast method '%s'; use perfect, persistence, similar-day, "
                     "clearsky or noisy", name);
}

/* ---- Pure forecasters --------------------------------------------------- */

/* The last known value; x[0] at start-up, where nothing has been measured
 * yet but a gateway has the present reading. */
static double last_known(const double *x, size_t at) { return at ? x[at - 1] : x[0]; }

zp_status zp_forecast_persistence(zp_ctx *ctx, const double *x, size_t at, size_t h, double *out)
{
    if (!x || (h && !out))
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_persistence: NULL array");
    double v = last_known(x, at);
    for (size_t k = 0; k < h; k++)
        out[k] = v;
    return ZP_OK;
}

static zp_status check_step(zp_ctx *ctx, const char *fn, int32_t step_s)
{
    if (step_s <= 0 || 86400 % step_s != 0)
        return zp__error(ctx, ZP_EINVAL, "%s: step of %d s does not divide a day; use a step "
                         "of 1, 5, 10, 15, 30 or 60 minutes", fn, (int)step_s);
    return ZP_OK;
}

/* Similar day for the steps at+k0 .. at+k1-1 (shared with the skill loop). */
static void similar_day(const double *x, size_t at, size_t h, size_t day, size_t weeks,
                        double *out)
{
    const size_t week = 7 * day;
    const double fallback = last_known(x, at);
    for (size_t k = 0; k < h; k++) {
        size_t j = at + k;
        /* j - w*week < at  <=>  w*week > k: the first known week. */
        size_t w = k / week + 1;
        double sum = 0;
        size_t cnt = 0;
        for (; cnt < weeks && w * week <= j; w++, cnt++)
            sum += x[j - w * week];
        if (cnt) {
            out[k] = sum / (double)cnt;
            continue;
        }
        /* Less than a week of history for this step: the latest day. */
        size_t d = k / day + 1;
        out[k] = d * day <= j ? x[j - d * day] : fallback;
    }
}

zp_status zp_forecast_similar_day(zp_ctx *ctx, const double *x, size_t at, size_t h,
                                  int32_t step_s, size_t weeks, double *out)
{
    zp_status rc;
    if (!x || (h && !out))
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_similar_day: NULL array");
    if ((rc = check_step(ctx, "zp_forecast_similar_day", step_s)))
        return rc;
    similar_day(x, at, h, (size_t)(86400 / step_s), weeks ? weeks : 4, out);
    return ZP_OK;
}

/* The clear-sky index from the daylight steps before at. */
static double csi_at(const double *x, const double *cs, size_t at, size_t nwin, size_t maxback,
                     double csi_max)
{
    double sa = 0, sc = 0;
    size_t found = 0;
    size_t stop = at > maxback ? at - maxback : 0;
    for (size_t i = at; i > stop && found < nwin; i--) {
        if (cs[i - 1] > 0) {
            sa += x[i - 1];
            sc += cs[i - 1];
            found++;
        }
    }
    /* No daylight known yet (start of the data): assume clear sky. */
    double csi = sc > 0 ? sa / sc : 1.0;
    if (!(csi >= 0))
        csi = 0;
    if (csi > csi_max)
        csi = csi_max;
    return csi;
}

static size_t csi_window_steps(double window_h, int32_t step_s)
{
    if (!(window_h > 0))
        window_h = 3.0;
    double n = ceil(window_h * 3600.0 / (double)step_s - 1e-9);
    return n < 1 ? 1 : (size_t)n;
}

zp_status zp_forecast_clearsky_index(zp_ctx *ctx, const double *x, const double *clearsky_kw,
                                     size_t at, size_t h, int32_t step_s, double window_h,
                                     double csi_max, double *out, double *csi_out)
{
    zp_status rc;
    if (!x || !clearsky_kw || (h && !out))
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_clearsky_index: NULL array");
    if ((rc = check_step(ctx, "zp_forecast_clearsky_index", step_s)))
        return rc;
    if (!(csi_max > 0))
        csi_max = 1.2;
    size_t day = (size_t)(86400 / step_s);
    double csi = csi_at(x, clearsky_kw, at, csi_window_steps(window_h, step_s), 7 * day, csi_max);
    for (size_t k = 0; k < h; k++)
        out[k] = clearsky_kw[at + k] * csi;
    if (csi_out)
        *csi_out = csi;
    return ZP_OK;
}

/* One generator (core/rng.h) per (seed, origin, stream): the forecast from
 * an origin is the same whether the caller runs origins in order, skips
 * some, or runs them in parallel. */
static void noise_seed(zp__rng *r, uint64_t seed, uint64_t at, uint64_t stream)
{
    uint64_t k = seed;
    uint64_t a = zp__splitmix64(&k);
    k = a ^ (at * 0xd1b54a32d192ed03ull);
    uint64_t b = zp__splitmix64(&k);
    k = b ^ (stream * 0x8cb92ba72f3d8dd7ull);
    zp__rng_seed(r, k);
}

static void noisy(const double *x, size_t at, size_t h, int32_t step_s,
                  const zp_forecast_noise *nz, uint64_t stream, double *out)
{
    double tau_h = nz->tau_h > 0 ? nz->tau_h : 12.0;
    double phi = exp(-((double)step_s / 3600.0) / tau_h);
    double s = nz->sigma * sqrt(1.0 - phi * phi);
    zp__rng r;
    noise_seed(&r, nz->seed, at, stream);
    double e = 0;
    for (size_t k = 0; k < h; k++) {
        e = phi * e + s * zp__rng_normal(&r);
        double v = x[at + k] * (1.0 + e);
        out[k] = v > 0 ? v : 0.0;
    }
}

zp_status zp_forecast_noisy(zp_ctx *ctx, const double *x, size_t at, size_t h, int32_t step_s,
                            const zp_forecast_noise *noise, uint64_t stream, double *out)
{
    if (!x || !noise || (h && !out))
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_noisy: NULL argument");
    if (step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_noisy: step of %d s", (int)step_s);
    if (!(noise->sigma >= 0) || !isfinite(noise->sigma))
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_noisy: sigma %g must be a fraction >= 0 "
                         "(0.2 for 20 %%)", noise->sigma);
    noisy(x, at, h, step_s, noise, stream, out);
    return ZP_OK;
}

/* ---- Clear-sky PV of a model -------------------------------------------- */

/* The air temperature, wind and pressure of the clear-sky weather: the
 * model's weather (real, on its own grid; NULL for none) where it covers
 * the step, else 25 degC and the PV default wind. Clear days are as warm
 * as the days around them. The pressure too, so that the refraction
 * matches zp_simulate's and sunrise and sunset fall in the same steps;
 * steps the weather does not cover take the mean of those it does, so one
 * refraction applies throughout. Returns 1 when pa holds pressures. */
static int clearsky_air(const zp_weather_data *real, zp_time_t start, int32_t step_s, size_t n,
                        double default_wind_m_s, double *ta, double *ws, double *pa)
{
    int have_pressure = 0;
    for (size_t i = 0; i < n; i++) {
        ta[i] = 25.0;
        ws[i] = default_wind_m_s;
        if (!real || real->step_s <= 0)
            continue;
        zp_time_t t = start + (zp_time_t)i * step_s;
        if (t < real->start)
            continue;
        size_t wi = (size_t)((t - real->start) / real->step_s);
        if (wi >= real->len)
            continue;
        if (isfinite(real->temp_air_c[wi]))
            ta[i] = real->temp_air_c[wi];
        if (real->wind_speed_m_s && isfinite(real->wind_speed_m_s[wi]))
            ws[i] = real->wind_speed_m_s[wi];
        if (real->pressure_hpa && isfinite(real->pressure_hpa[wi])) {
            pa[i] = real->pressure_hpa[wi];
            have_pressure = 1;
        }
    }
    if (have_pressure) {
        double sum = 0;
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            if (pa[i] > 0) {
                sum += pa[i];
                cnt++;
            }
        for (size_t i = 0; i < n; i++)
            if (!(pa[i] > 0))
                pa[i] = sum / (double)cnt;
    }
    return have_pressure;
}

/* GHI, DNI and DHI of a clear sky (w->len steps) at the zenith zen. */
static void clearsky_irradiance(zp_weather_data *w, int32_t utc_offset_min, const double *zen)
{
    for (size_t i = 0; i < w->len; i++) {
        double *ghi = &w->ghi_w_m2[i];
        *ghi = zp_clearsky_haurwitz(zen[i]);
        w->dni_w_m2[i] = w->dhi_w_m2[i] = 0;
        if (!(*ghi > 0))
            continue;
        /* Day of the year at the interval midpoint in local time, as
         * zp_pv_simulate takes it for the extraterrestrial irradiance. */
        int64_t lt = w->start + (zp_time_t)i * w->step_s + w->step_s / 2 +
                     (int64_t)utc_offset_min * 60;
        int64_t days = lt / 86400 - (lt % 86400 < 0 ? 1 : 0);
        int64_t y;
        unsigned mo, d;
        zp_civil_from_days(days, &y, &mo, &d);
        int doy = (int)(days - zp_days_from_civil(y, 1, 1)) + 1;
        zp_irr_erbs(*ghi, zen[i], zp_solar_extra_radiation(doy), &w->dni_w_m2[i],
                    &w->dhi_w_m2[i]);
    }
}

/* The clear-sky PV of the model's arrays on the model's weather real (or
 * NULL); fn names the public entry in messages. */
static zp_status clearsky_pv(zp_ctx *ctx, const char *fn, const zp_model *m,
                             const zp_weather_data *real, zp_time_t start, int32_t step_s,
                             size_t n, double *out_kw)
{
    zp_status rc = ZP_OK;
    zp_pv_output *pvo = NULL;
    double *buf = NULL;
    if (!m || (n && !out_kw))
        return zp__error(ctx, ZP_EINVAL, "%s: NULL argument", fn);
    if (step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "%s: step of %d s", fn, (int)step_s);
    for (size_t i = 0; i < n; i++)
        out_kw[i] = 0;
    if (!m->npv || !n)
        return ZP_OK;
    /* Eight arrays of n: GHI, DNI, DHI, temperature, wind, pressure,
     * zenith, azimuth. */
    if (!(buf = zp__calloc(ctx, 8 * n, sizeof *buf)))
        return zp__nomem(ctx);
    double *pa = buf + 5 * n, *zen = buf + 6 * n, *az = buf + 7 * n;
    zp_pv_opts po;
    zp_pv_opts_init(&po);
    zp_weather_data w;
    memset(&w, 0, sizeof w);
    w.start = start;
    w.step_s = step_s;
    w.len = n;
    w.ghi_w_m2 = buf;
    w.dni_w_m2 = buf + n;
    w.dhi_w_m2 = buf + 2 * n;
    w.temp_air_c = buf + 3 * n;
    w.wind_speed_m_s = buf + 4 * n;
    w.pressure_hpa = clearsky_air(real, start, step_s, n, po.default_wind_m_s, w.temp_air_c,
                                  w.wind_speed_m_s, pa)
                         ? pa
                         : NULL;
    w.wind_height_m = 10.0;
    w.site = (zp_site){m->lat_deg, m->lon_deg, m->elevation_m};
    w.utc_offset_min = m->utc_offset_min;
    w.source = NULL;
    zp_site site = w.site;
    if ((rc = zp_pv_sun_position(ctx, &site, &w, zen, az)))
        goto out;
    clearsky_irradiance(&w, m->utc_offset_min, zen);
    po.sun_zenith_deg = zen;
    po.sun_azimuth_deg = az;
    po.ac_only = 1;
    for (size_t a = 0; a < m->npv; a++) {
        if ((rc = zp_pv_simulate(ctx, &m->pv[a], &site, &w, &po, &pvo)))
            goto out;
        for (size_t i = 0; i < n; i++)
            out_kw[i] += pvo->ac_kw[i];
        zp_pv_output_free(ctx, pvo);
        pvo = NULL;
    }
out:
    zp_pv_output_free(ctx, pvo);
    zp__free(ctx, buf);
    return rc;
}

zp_status zp_forecast_clearsky_pv_weather(zp_ctx *ctx, const zp_model *m,
                                          const zp_weather_data *weather, zp_time_t start,
                                          int32_t step_s, size_t n, double *out_kw)
{
    return clearsky_pv(ctx, "zp_forecast_clearsky_pv_weather", m, weather, start, step_s, n,
                       out_kw);
}

zp_status zp_forecast_clearsky_pv(zp_ctx *ctx, const zp_model *m, zp_time_t start,
                                  int32_t step_s, size_t n, double *out_kw)
{
    static const char fn[] = "zp_forecast_clearsky_pv";
    zp_weather_data *real = NULL;
    /* Read the weather only when there is PV to forecast. */
    if (!m || !m->npv || !n || step_s <= 0 || !out_kw)
        return clearsky_pv(ctx, fn, m, NULL, start, step_s, n, out_kw);
    zp_status rc = m->weather.present ? zp_weather_for_model(ctx, m, &real) : ZP_OK;
    if (!rc)
        rc = clearsky_pv(ctx, fn, m, real, start, step_s, n, out_kw);
    zp_weather_free(ctx, real);
    return rc;
}

/* ---- The bundle -------------------------------------------------------- */

void zp_forecast_opts_init(zp_forecast_opts *o)
{
    memset(o, 0, sizeof *o);
    o->pv = ZP_FORECAST_CLEARSKY;
    o->wind = ZP_FORECAST_PERSISTENCE;
    o->load = ZP_FORECAST_SIMILAR_DAY;
    o->noise.sigma = 0.2;
    o->noise.tau_h = 12.0;
    o->noise.seed = 1;
    o->similar_weeks = 4;
    o->csi_window_h = 3.0;
    o->csi_max = 1.2;
}

void zp_forecast_out_init(zp_forecast_out *o)
{
    memset(o, 0, sizeof *o);
    o->csi = NAN;
}

void zp_forecast_out_release(zp_ctx *ctx, zp_forecast_out *o)
{
    if (!o)
        return;
    zp__free(ctx, o->pv_kw); /* the block of every array (out_reserve) */
    zp__free(ctx, o->flex_kw);
    zp_forecast_out_init(o);
}

/* Stream numbers of the noisy forecasts, one per quantity. */
enum { STREAM_PV = 1, STREAM_WIND = 2, STREAM_LOAD = 3, STREAM_FLEX0 = 4 };

/* One quantity by one method into out (h values). x NULL: zeros. */
static void forecast_one(zp_forecast_method method, const double *x, const double *cs,
                         size_t at, size_t h, int32_t step_s, const zp_forecast_opts *o,
                         uint64_t stream, double *out, double *csi)
{
    if (!x) {
        memset(out, 0, h * sizeof *out);
        return;
    }
    size_t day = (size_t)(86400 / step_s);
    switch (method) {
    case ZP_FORECAST_PERFECT:
        memcpy(out, x + at, h * sizeof *out);
        break;
    case ZP_FORECAST_PERSISTENCE:
        for (size_t k = 0; k < h; k++)
            out[k] = last_known(x, at);
        break;
    case ZP_FORECAST_SIMILAR_DAY:
        similar_day(x, at, h, day, o->similar_weeks ? o->similar_weeks : 4, out);
        break;
    case ZP_FORECAST_CLEARSKY: {
        double c = csi_at(x, cs, at, csi_window_steps(o->csi_window_h, step_s), 7 * day,
                          o->csi_max > 0 ? o->csi_max : 1.2);
        for (size_t k = 0; k < h; k++)
            out[k] = cs[at + k] * c;
        if (csi)
            *csi = c;
        break;
    }
    case ZP_FORECAST_NOISY:
    default:
        noisy(x, at, h, step_s, &o->noise, stream, out);
        break;
    }
}

static zp_status check_inputs(zp_ctx *ctx, const char *fn, const zp_forecast_inputs *in,
                              const zp_forecast_opts *o)
{
    zp_status rc;
    if ((rc = check_step(ctx, fn, in->step_s)))
        return rc;
    if (in->nflex && !in->flex_kw)
        return zp__error(ctx, ZP_EINVAL, "%s: nflex is %zu but flex_kw is NULL", fn, in->nflex);
    const zp_forecast_method ms[] = {o->pv, o->wind, o->load};
    const char *qn[] = {"pv", "wind", "load"};
    for (size_t q = 0; q < 3; q++)
        if ((unsigned)ms[q] >= ZP_FORECAST_METHOD_LAST)
            return zp__error(ctx, ZP_EINVAL, "%s: %s method %d is not a forecast method", fn,
                             qn[q], (int)ms[q]);
    if (o->wind == ZP_FORECAST_CLEARSKY || o->load == ZP_FORECAST_CLEARSKY)
        return zp__error(ctx, ZP_EINVAL, "%s: the clear-sky method forecasts PV only; use "
                         "persistence, similar-day, noisy or perfect for %s", fn,
                         o->wind == ZP_FORECAST_CLEARSKY ? "wind" : "load");
    if (o->pv == ZP_FORECAST_CLEARSKY && in->pv_kw && !in->clearsky_pv_kw)
        return zp__error(ctx, ZP_EINVAL, "%s: the clear-sky PV method needs clearsky_pv_kw "
                         "(zp_forecast_clearsky_pv)", fn);
    if (!(o->noise.sigma >= 0) || !isfinite(o->noise.sigma))
        return zp__error(ctx, ZP_EINVAL, "%s: noise sigma %g must be a fraction >= 0", fn,
                         o->noise.sigma);
    return ZP_OK;
}

/* Make room for h values per array and nflex flexible arrays: the arrays
 * are slices of one zeroed block, which pv_kw points at. */
static zp_status out_reserve(zp_ctx *ctx, zp_forecast_out *o, size_t h, size_t nflex)
{
    if (h <= o->cap_ && nflex <= o->capflex_ && o->pv_kw)
        return ZP_OK;
    size_t cap = h > o->cap_ ? h : o->cap_;
    size_t capflex = nflex > o->capflex_ ? nflex : o->capflex_;
    zp_forecast_out_release(ctx, o);
    double *block = capflex <= SIZE_MAX - 3 && cap <= SIZE_MAX / (3 + capflex)
                        ? zp__calloc(ctx, (3 + capflex) * cap, sizeof *block)
                        : NULL;
    double **flex = capflex ? zp__calloc(ctx, capflex, sizeof *flex) : NULL;
    if (!block || (capflex && !flex)) {
        zp__free(ctx, block);
        zp__free(ctx, flex);
        return zp__nomem(ctx);
    }
    o->pv_kw = block;
    o->wind_kw = block + cap;
    o->firm_kw = block + 2 * cap;
    for (size_t i = 0; i < capflex; i++)
        flex[i] = block + (3 + i) * cap;
    o->flex_kw = flex;
    o->cap_ = cap;
    o->capflex_ = capflex;
    return ZP_OK;
}

zp_status zp_forecast_make(zp_ctx *ctx, const zp_forecast_inputs *in,
                           const zp_forecast_opts *opts, size_t at, size_t horizon,
                           zp_forecast_out *out)
{
    zp_status rc;
    zp_forecast_opts defo;
    if (!in || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_make: NULL argument");
    if (!opts) {
        zp_forecast_opts_init(&defo);
        opts = &defo;
    }
    if ((rc = check_inputs(ctx, "zp_forecast_make", in, opts)))
        return rc;
    if (at >= in->steps || horizon == 0 || horizon > in->steps - at)
        return zp__error(ctx, ZP_ERANGE, "zp_forecast_make: origin %zu and horizon %zu do not "
                         "fit the %zu steps of the data (the horizon ends with the data)",
                         at, horizon, in->steps);
    if ((rc = out_reserve(ctx, out, horizon, in->nflex)))
        return rc;
    out->at = at;
    out->horizon = horizon;
    out->nflex = in->nflex;
    out->csi = NAN;
    forecast_one(opts->pv, in->pv_kw, in->clearsky_pv_kw, at, horizon, in->step_s, opts,
                 STREAM_PV, out->pv_kw, &out->csi);
    forecast_one(opts->wind, in->wind_kw, NULL, at, horizon, in->step_s, opts, STREAM_WIND,
                 out->wind_kw, NULL);
    forecast_one(opts->load, in->firm_kw, NULL, at, horizon, in->step_s, opts, STREAM_LOAD,
                 out->firm_kw, NULL);
    for (size_t i = 0; i < in->nflex; i++)
        forecast_one(opts->load, in->flex_kw[i], NULL, at, horizon, in->step_s, opts,
                     STREAM_FLEX0 + i, out->flex_kw[i], NULL);
    return ZP_OK;
}

/* ---- Skill ------------------------------------------------------------- */

void zp_forecast_skill_free(zp_ctx *ctx, zp_forecast_skill_report *s)
{
    if (!s)
        return;
    if (s->entries)
        for (size_t i = 0; i < s->nentries; i++) {
            zp__free(ctx, s->entries[i].mae_by_lead_kw);
            zp__free(ctx, s->entries[i].rmse_by_lead_kw);
            zp__free(ctx, s->entries[i].skill_by_lead);
        }
    zp__free(ctx, s->entries);
    zp__free(ctx, s);
}

const zp_forecast_skill_entry *zp_forecast_skill_find(const zp_forecast_skill_report *s,
                                                      const char *quantity,
                                                      zp_forecast_method method)
{
    if (!s || !quantity)
        return NULL;
    for (size_t i = 0; i < s->nentries; i++)
        if (s->entries[i].method == method && strcmp(s->entries[i].quantity, quantity) == 0)
            return &s->entries[i];
    return NULL;
}

zp_status zp_forecast_skill(zp_ctx *ctx, const zp_forecast_inputs *in,
                            const zp_forecast_opts *opts, size_t horizon, size_t stride,
                            zp_forecast_skill_report **out)
{
    zp_status rc = ZP_OK;
    zp_forecast_skill_report *s = NULL;
    double *load = NULL, *fc = NULL;
    zp_forecast_opts defo;
    if (!in || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_forecast_skill: NULL argument");
    *out = NULL;
    if (!opts) {
        zp_forecast_opts_init(&defo);
        opts = &defo;
    }
    /* The method choices of opts do not matter here: every one is measured. */
    zp_forecast_opts o = *opts;
    o.pv = o.wind = o.load = ZP_FORECAST_PERSISTENCE;
    if ((rc = check_inputs(ctx, "zp_forecast_skill", in, &o)))
        return rc;
    if (stride == 0)
        stride = 1;
    if (horizon == 0 || horizon >= in->steps || stride > in->steps - horizon)
        return zp__error(ctx, ZP_ERANGE, "forecast skill: no forecast fits in the data: %zu steps "
                         "of data hold no origin (every %zu steps) followed by the whole horizon "
                         "of %zu steps; shorten the horizon or use a longer period",
                         in->steps, stride, horizon);

    /* The load is forecast as one series: firm plus every flexible demand. */
    const double *loadp = NULL;
    if (in->firm_kw || in->nflex) {
        if (!(load = zp__calloc(ctx, in->steps, sizeof *load))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        for (size_t t = 0; t < in->steps; t++) {
            double v = in->firm_kw ? in->firm_kw[t] : 0.0;
            for (size_t i = 0; i < in->nflex; i++)
                v += in->flex_kw[i][t];
            load[t] = v;
        }
        loadp = load;
    }
    struct {
        const char *name;
        const double *x;
        uint64_t stream;
    } qs[] = {{"pv", in->pv_kw, STREAM_PV}, {"wind", in->wind_kw, STREAM_WIND},
              {"load", loadp, STREAM_LOAD}};
    /* Persistence first: it is the reference of every other entry. */
    static const zp_forecast_method methods[] = {ZP_FORECAST_PERSISTENCE, ZP_FORECAST_SIMILAR_DAY,
                                                 ZP_FORECAST_CLEARSKY, ZP_FORECAST_NOISY,
                                                 ZP_FORECAST_PERFECT};
    if (!(s = zp__calloc(ctx, 1, sizeof *s)) ||
        !(s->entries = zp__calloc(ctx, ZP_ARRAY_LEN(qs) * ZP_ARRAY_LEN(methods),
                                  sizeof *s->entries)) ||
        !(fc = zp__calloc(ctx, horizon, sizeof *fc))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    s->step_s = in->step_s;
    s->horizon = horizon;
    s->stride = stride;
    s->first_at = stride;
    s->origins = (in->steps - horizon - stride) / stride + 1;
    s->last_at = stride * s->origins;

    for (size_t q = 0; q < ZP_ARRAY_LEN(qs); q++) {
        if (!qs[q].x)
            continue;
        const double *x = qs[q].x;
        const zp_forecast_skill_entry *ref = NULL;
        for (size_t mi = 0; mi < ZP_ARRAY_LEN(methods); mi++) {
            zp_forecast_method meth = methods[mi];
            if (meth == ZP_FORECAST_CLEARSKY && (q != 0 || !in->clearsky_pv_kw))
                continue;
            zp_forecast_skill_entry *e = &s->entries[s->nentries++];
            e->quantity = qs[q].name;
            e->method = meth;
            if (!(e->mae_by_lead_kw = zp__calloc(ctx, horizon, sizeof(double))) ||
                !(e->rmse_by_lead_kw = zp__calloc(ctx, horizon, sizeof(double))) ||
                !(e->skill_by_lead = zp__calloc(ctx, horizon, sizeof(double)))) {
                rc = zp__nomem(ctx);
                goto out;
            }
            /* Sums per lead in the by-lead arrays, turned into means below. */
            double sabs = 0, ssq = 0, serr = 0;
            for (size_t at = s->first_at; at <= s->last_at; at += stride) {
                forecast_one(meth, x, in->clearsky_pv_kw, at, horizon, in->step_s, &o,
                             qs[q].stream, fc, NULL);
                for (size_t k = 0; k < horizon; k++) {
                    double err = fc[k] - x[at + k];
                    e->mae_by_lead_kw[k] += fabs(err);
                    e->rmse_by_lead_kw[k] += err * err;
                    serr += err;
                }
            }
            double no = (double)s->origins;
            for (size_t k = 0; k < horizon; k++) {
                sabs += e->mae_by_lead_kw[k];
                ssq += e->rmse_by_lead_kw[k];
                e->mae_by_lead_kw[k] /= no;
                e->rmse_by_lead_kw[k] = sqrt(e->rmse_by_lead_kw[k] / no);
            }
            e->values = s->origins * horizon;
            double nv = (double)e->values;
            e->mae_kw = sabs / nv;
            e->rmse_kw = sqrt(ssq / nv);
            e->bias_kw = serr / nv;
            if (!ref)
                ref = e;
            e->skill = ref->rmse_kw > 0 ? 1.0 - e->rmse_kw / ref->rmse_kw : NAN;
            for (size_t k = 0; k < horizon; k++)
                e->skill_by_lead[k] = ref->rmse_by_lead_kw[k] > 0
                                          ? 1.0 - e->rmse_by_lead_kw[k] / ref->rmse_by_lead_kw[k]
                                          : NAN;
        }
    }
    *out = s;
    s = NULL;
out:
    zp_forecast_skill_free(ctx, s);
    zp__free(ctx, load);
    zp__free(ctx, fc);
    return rc;
}
