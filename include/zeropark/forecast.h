/*
 * zeropark/forecast.h - forecasts of PV, wind and load for the
 * rolling-horizon dispatch (MPC), and their skill over a year.
 *
 * Main types and calls: zp_forecast_inputs (the actual series),
 * zp_forecast_opts (zp_forecast_method for PV, wind and load;
 * zp_forecast_noise), zp_forecast_make into a zp_forecast_out from one
 * origin, zp_forecast_skill into a zp_forecast_skill_report over a period,
 * the single forecasters (zp_forecast_persistence, zp_forecast_similar_day,
 * zp_forecast_noisy, zp_forecast_clearsky_pv) and zp_forecast_method_parse /
 * _name. It builds on the model (model.h) and the weather (weather.h); the
 * rolling-horizon dispatch and the plan (sim.h) and `zeropark forecast` use
 * it. Units are in the names (_kw, _h); calls that can fail take a zp_ctx
 * (core.h).
 *
 * Every forecaster works on a full-period array of actual values x with a
 * forecast origin `at`: values x[0 .. at) are known (measured), values at
 * and after `at` are the future. A forecast fills out[k] for the steps
 * at + k, k = 0 .. h-1 (lead time k + 1 steps from the last measurement).
 *
 *   persistence   the last known value, x[at-1], held;
 *   similar-day   the mean of the same step of the day on the same weekday
 *                 over the last weeks (load);
 *   clear-sky     clear-sky PV scaled by the recent clear-sky index (PV);
 *   noisy         the actual future with a synthetic, lead-time-growing
 *                 error of a stated size (to study what forecast error
 *                 costs; it reads the future by design);
 *   perfect       the actual future (perfect foresight, for tests).
 *
 * Persistence, similar-day and clear-sky never read x at or after `at`.
 * docs/methodology.md, section "Forecasts", gives the methods, the error
 * model, the skill definition and the measured skill on the examples.
 */
#ifndef ZEROPARK_FORECAST_H
#define ZEROPARK_FORECAST_H

#include "zeropark/core.h"
#include "zeropark/model.h"
#include "zeropark/weather.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zp_forecast_method {
    ZP_FORECAST_PERFECT = 0,     /* the actuals */
    ZP_FORECAST_PERSISTENCE = 1, /* last known value held */
    ZP_FORECAST_SIMILAR_DAY = 2, /* same weekday and time over the last weeks */
    ZP_FORECAST_CLEARSKY = 3,    /* clear-sky PV x recent clear-sky index (PV only) */
    ZP_FORECAST_NOISY = 4,       /* actuals x (1 + AR(1) error) */
    ZP_FORECAST_METHOD_LAST
} zp_forecast_method;

/* "perfect", "persistence", "similar-day", "clearsky", "noisy"; NULL when
 * out of range. */
ZP_API const char *zp_forecast_method_name(zp_forecast_method m);
/* Parse one of the names above. ZP_ENOTFOUND (message lists the names)
 * when unknown. */
ZP_API zp_status zp_forecast_method_parse(zp_ctx *ctx, const char *name, zp_forecast_method *out);

/* ---- Pure forecasters over arrays ----------------------------------------
 * All return ZP_OK, or ZP_EINVAL (NULL array, step that does not divide a
 * day) with a message on ctx. `at` == 0 has no history: the persistence
 * value (and every fallback that ends in it) is then x[0], the reading at
 * start-up; this is the one place a forecaster reads x[at]. */

/* out[k] = x[at-1] for k < h. Reads x[0 .. at) only (x[0] when at == 0). */
ZP_API zp_status zp_forecast_persistence(zp_ctx *ctx, const double *x, size_t at, size_t h,
                                         double *out);

/* Similar day. With D = 86400 / step_s steps per day and W = 7 D, the
 * forecast for step j = at + k is the mean of x[j - w W] over the first
 * `weeks` values of w = 1, 2, ... for which j - w W < at (known) and
 * j - w W >= 0. With fewer weeks of history it averages the weeks there
 * are; with none, it takes the most recent known same time of day
 * (x[j - d D], smallest d >= 1 with j - d D < at); with less than a day,
 * persistence. weeks == 0 means 4. Reads x[0 .. at) only. */
ZP_API zp_status zp_forecast_similar_day(zp_ctx *ctx, const double *x, size_t at, size_t h,
                                         int32_t step_s, size_t weeks, double *out);

/* Clear-sky index. clearsky_kw is the clear-sky PV of the same plant
 * (zp_forecast_clearsky_pv), read at any index below at + h. The index
 *   CSI = sum(x[i]) / sum(clearsky_kw[i])
 * runs over the last ceil(window_h / step_h) daylight steps before `at`
 * (daylight: clearsky_kw[i] > 0), searched back at most 7 days; it is
 * clipped to [0, csi_max]. Without any daylight step in that history CSI
 * is 1 (clear sky assumed). out[k] = clearsky_kw[at+k] x CSI, so 0 at
 * night. window_h <= 0 means 3; csi_max <= 0 means 1.2. Reads x[0 .. at)
 * only. If csi_out is not NULL it receives the index used. */
ZP_API zp_status zp_forecast_clearsky_index(zp_ctx *ctx, const double *x,
                                            const double *clearsky_kw, size_t at, size_t h,
                                            int32_t step_s, double window_h, double csi_max,
                                            double *out, double *csi_out);

/* Noise of a stated size. The error model (docs/methodology.md):
 *   out[k] = max(0, x[at+k] (1 + e_k)),
 *   e_k = phi e_{k-1} + s n_k,  e_{-1} = 0,  n_k ~ N(0, 1) independent,
 *   phi = exp(-step_h / tau_h),  s = sigma sqrt(1 - phi^2),
 * so sd(e_k) = sigma sqrt(1 - phi^(2(k+1))): small at short lead, rising
 * to sigma (within 1% after about 2 tau). The normals come from xoshiro256**
 * seeded by splitmix64 of (seed, at, stream): the same arguments give the
 * same forecast, independent of call order; streams keep quantities
 * uncorrelated. sigma is a fraction (0.2 = 20 %), >= 0; tau_h <= 0 means
 * 12 h. Reads x[at .. at+h) (the future, by design). */
typedef struct zp_forecast_noise {
    double sigma;  /* asymptotic standard deviation of the relative error, >= 0 */
    double tau_h;  /* correlation time of the error, hours; <= 0 means 12 */
    uint64_t seed; /* PRNG seed */
} zp_forecast_noise;

ZP_API zp_status zp_forecast_noisy(zp_ctx *ctx, const double *x, size_t at, size_t h,
                                   int32_t step_s, const zp_forecast_noise *noise,
                                   uint64_t stream, double *out);

/* ---- Clear-sky PV of a model --------------------------------------------- */

/* Clear-sky AC power of all the model's PV arrays, summed, for n steps of
 * step_s from start (interval starts; the sun at interval midpoints as in
 * zp_pv_simulate): GHI from Haurwitz at the apparent zenith (zp_spa_series
 * through zp_pv_sun_position), DNI and DHI by Erbs, the model's air
 * temperature and wind where its weather covers the step (else 25 degC and
 * the PV default wind), then zp_pv_simulate per array. A model without PV
 * gives zeros. out_kw holds n values. Fails as zp_weather_for_model when
 * the model's weather cannot be read. */
ZP_API zp_status zp_forecast_clearsky_pv(zp_ctx *ctx, const zp_model *m, zp_time_t start,
                                         int32_t step_s, size_t n, double *out_kw);
/* The same on the model's weather as zp_weather_for_model returns it
 * (borrowed; NULL for a model without weather), for a caller that keeps
 * it: the weather is then read once for a simulation, its forecasts and
 * every re-plan. zp_forecast_clearsky_pv reads it and calls this. */
ZP_API zp_status zp_forecast_clearsky_pv_weather(zp_ctx *ctx, const zp_model *m,
                                                 const zp_weather_data *weather,
                                                 zp_time_t start, int32_t step_s, size_t n,
                                                 double *out_kw);

/* ---- A forecast bundle for the MPC --------------------------------------- */

/* Full-period actual arrays (borrowed; each steps values, finite, >= 0).
 * NULL for pv, wind or firm means the park has none (forecast zeros). */
typedef struct zp_forecast_inputs {
    size_t steps;                  /* length of every array */
    int32_t step_s;                /* step, seconds; must divide 86400 */
    const double *pv_kw;           /* available PV, all arrays */
    const double *clearsky_pv_kw;  /* clear-sky PV (needed by ZP_FORECAST_CLEARSKY) */
    const double *wind_kw;         /* available wind, all farms */
    const double *firm_kw;         /* firm demand */
    const double *const *flex_kw;  /* nflex flexible demands as they arrive */
    size_t nflex;
} zp_forecast_inputs;

typedef struct zp_forecast_opts {
    zp_forecast_method pv;     /* default ZP_FORECAST_CLEARSKY */
    zp_forecast_method wind;   /* default ZP_FORECAST_PERSISTENCE */
    zp_forecast_method load;   /* firm and flexible demand; default ZP_FORECAST_SIMILAR_DAY */
    zp_forecast_noise noise;   /* for ZP_FORECAST_NOISY; default sigma 0.2, tau 12 h, seed 1 */
    size_t similar_weeks;      /* default 4 */
    double csi_window_h;       /* default 3 */
    double csi_max;            /* default 1.2 */
} zp_forecast_opts;

ZP_API void zp_forecast_opts_init(zp_forecast_opts *o);

/* The forecast for [at, at + horizon). horizon is at most steps - at: a
 * forecast ends with the data (the MPC shortens its horizon at the end of
 * the period). Arrays are owned by the struct and reused by the next
 * zp_forecast_make on it (they grow as needed), so a rolling-horizon run
 * allocates once. */
typedef struct zp_forecast_out {
    size_t at;          /* origin */
    size_t horizon;     /* values filled in each array */
    double *pv_kw;      /* horizon values */
    double *wind_kw;
    double *firm_kw;
    double **flex_kw;   /* nflex arrays of horizon values */
    size_t nflex;
    double csi;         /* clear-sky index used for PV (NaN for other methods) */
    size_t cap_;        /* private: allocated length of each array */
    size_t capflex_;    /* private: allocated entries of flex_kw */
} zp_forecast_out;

/* Zero the struct (cannot fail). */
ZP_API void zp_forecast_out_init(zp_forecast_out *o);
/* Free the arrays; the struct may be reused after zp_forecast_out_init.
 * Accepts NULL. */
ZP_API void zp_forecast_out_release(zp_ctx *ctx, zp_forecast_out *o);

/* Forecast every quantity of in from origin at for horizon steps with the
 * methods of opts (NULL = defaults). ZP_ERANGE when at >= in->steps or
 * horizon == 0 or at + horizon > in->steps; ZP_EINVAL for a method that
 * does not apply (clear-sky without clearsky_pv_kw, or for wind or load).
 * On failure *out keeps its arrays (release them as usual). */
ZP_API zp_status zp_forecast_make(zp_ctx *ctx, const zp_forecast_inputs *in,
                                  const zp_forecast_opts *opts, size_t at, size_t horizon,
                                  zp_forecast_out *out);

/* ---- Skill over a period ----------------------------------------------- */

/* One quantity forecast by one method. Errors are forecast - actual. */
typedef struct zp_forecast_skill_entry {
    const char *quantity;      /* "pv", "wind" or "load" (firm + flexible), static */
    zp_forecast_method method;
    size_t values;             /* forecast values compared: origins x horizon */
    double mae_kw;             /* mean absolute error over every lead */
    double rmse_kw;            /* root mean square error over every lead */
    double bias_kw;            /* mean error */
    double skill;              /* 1 - rmse / rmse of persistence for the quantity;
                                  NaN when persistence is exact */
    double *mae_by_lead_kw;    /* horizon values: [k] is lead k + 1 steps */
    double *rmse_by_lead_kw;
    double *skill_by_lead;     /* 1 - rmse / rmse of persistence at the same lead */
} zp_forecast_skill_entry;

typedef struct zp_forecast_skill_report {
    int32_t step_s;
    size_t horizon;            /* steps per forecast */
    size_t stride;             /* steps between origins */
    size_t first_at, last_at;  /* first and last origin */
    size_t origins;            /* forecasts per entry */
    size_t nentries;
    zp_forecast_skill_entry *entries; /* per quantity (pv, wind, load; those present),
                                         every method that applies, persistence first */
} zp_forecast_skill_report;

/* Forecast horizon steps from every origin at = stride, 2 stride, ...
 * with at + horizon <= steps, for every quantity in `in` and every
 * method that applies (clear-sky for PV when clearsky_pv_kw is given),
 * and compare with the actuals. "load" is firm + every flexible demand,
 * forecast as one series. opts supplies the noise and method parameters
 * (its per-quantity method choices are ignored: all are measured).
 * stride 0 means 1. ZP_ERANGE when no origin fits. Free with
 * zp_forecast_skill_free. */
ZP_API zp_status zp_forecast_skill(zp_ctx *ctx, const zp_forecast_inputs *in,
                                   const zp_forecast_opts *opts, size_t horizon, size_t stride,
                                   zp_forecast_skill_report **out);
/* Accepts NULL. */
ZP_API void zp_forecast_skill_free(zp_ctx *ctx, zp_forecast_skill_report *s);
/* The entry for quantity and method, or NULL. */
ZP_API const zp_forecast_skill_entry *zp_forecast_skill_find(const zp_forecast_skill_report *s,
                                                             const char *quantity,
                                                             zp_forecast_method method);

#ifdef __cplusplus
}
#endif
#endif
