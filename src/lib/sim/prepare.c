/*
 * prepare.c - the inputs of a run, everything before the dispatch
 * (zp__sim_prepare, sim_impl.h): the run window and step, the model's
 * weather on it, PV per array and wind per farm, the loads and the data
 * center as firm and flexible demand, the grid factor and prices (a
 * tariff's on the run's grid), the run's calendar months, a grid outage
 * and the resilience reserve. Shared by the simulation (sim.c) and
 * the plan (plan.c).
 */
#include "core/internal.h"
#include "sim/sim_impl.h"
#include "zeropark/forecast.h"
#include "zeropark/series.h"
#include "zeropark/sim.h"
#include "zeropark/weather.h"
#include "zeropark/wind.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double *new_array(sim_priv *p, size_t n)
{
    if (zp__grow(p->ctx, (void **)&p->arrays, &p->caparrays, p->narrays + 1, sizeof *p->arrays))
        return NULL;
    double *a = zp__calloc(p->ctx, n ? n : 1, sizeof *a);
    if (!a) {
        zp__nomem(p->ctx);
        return NULL;
    }
    p->arrays[p->narrays++] = a;
    return a;
}

/* Fill out[0..n) with v over the run window: constant, or the model's
 * series aligned (resampled and cut) to start/step. */
static zp_status value_window(zp_ctx *ctx, const zp_value *v, const char *what, zp_time_t start,
                              int32_t step_s, size_t n, double *out)
{
    if (!v->is_series) {
        for (size_t i = 0; i < n; i++)
            out[i] = v->constant;
        return ZP_OK;
    }
    if (!v->series)
        return zp__error(ctx, ZP_EINVAL, "%s: series %s:%s was not loaded", what, v->csv, v->column);
    zp_series *a = NULL;
    zp_status rc = zp_series_align(ctx, v->series, start, step_s, n, &a);
    if (rc)
        return rc;
    memcpy(out, a->v, n * sizeof *out);
    zp_series_free(ctx, a);
    return ZP_OK;
}

/* The run-window array of a series input; *out stays NULL for a constant. */
static zp_status series_window(sim_priv *p, const zp_value *v, const char *what, double **out)
{
    *out = NULL;
    if (!v->is_series)
        return ZP_OK;
    zp_sim_result *r = &p->pub;
    double *a = new_array(p, r->steps);
    if (!a)
        return ZP_ENOMEM;
    *out = a;
    return value_window(p->ctx, v, what, r->start, r->step_s, r->steps, a);
}

/* Align one weather array (an intensity) to the run window. */
static zp_status weather_window(zp_ctx *ctx, const zp_weather_data *w, const double *arr,
                                zp_time_t start, int32_t step_s, size_t n, double *out)
{
    if (w->start == start && w->step_s == step_s && w->len >= n) {
        memcpy(out, arr, n * sizeof *out);
        return ZP_OK;
    }
    zp_series tmp = {.kind = ZP_SERIES_INTENSITY, .start = w->start, .step_s = w->step_s,
                     .len = w->len, .v = (double *)arr};
    zp_series *a = NULL;
    zp_status rc = zp_series_align(ctx, &tmp, start, step_s, n, &a);
    if (rc)
        return rc;
    memcpy(out, a->v, n * sizeof *out);
    zp_series_free(ctx, a);
    return ZP_OK;
}

/* The model's weather mw on the run window, in *out (owned by the
 * caller), or *out NULL when mw is already on it. The arrays are
 * re-gridded; the sun positions, which were for mw's grid, are left out. */
static zp_status weather_on_run_grid(sim_priv *p, const zp_weather_data *mw,
                                     zp_weather_data **out)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    *out = NULL;
    if (mw->start == r->start && mw->step_s == r->step_s && mw->len == r->steps)
        return ZP_OK;
    zp_weather_data *w = zp__calloc(ctx, 1, sizeof *w);
    if (!w)
        return zp__nomem(ctx);
    *w = *mw;
    double *const *from[] = {&mw->ghi_w_m2, &mw->dni_w_m2, &mw->dhi_w_m2, &mw->temp_air_c,
                             &mw->wind_speed_m_s, &mw->pressure_hpa};
    double **to[] = {&w->ghi_w_m2, &w->dni_w_m2, &w->dhi_w_m2, &w->temp_air_c,
                     &w->wind_speed_m_s, &w->pressure_hpa};
    for (size_t f = 0; f < ZP_ARRAY_LEN(to); f++)
        *to[f] = NULL;
    w->sun_zenith_deg = w->sun_azimuth_deg = NULL;
    w->source = NULL;
    zp_status rc = ZP_OK;
    if (mw->source && !(w->source = zp__strdup(ctx, mw->source)))
        rc = zp__nomem(ctx);
    for (size_t f = 0; !rc && f < ZP_ARRAY_LEN(to); f++) {
        if (!*from[f])
            continue;
        if (!(*to[f] = zp__calloc(ctx, r->steps, sizeof **to[f])))
            rc = zp__nomem(ctx);
        else
            rc = weather_window(ctx, mw, *from[f], r->start, r->step_s, r->steps, *to[f]);
    }
    if (rc) {
        zp_weather_free(ctx, w);
        return rc;
    }
    w->start = r->start;
    w->step_s = r->step_s;
    w->len = r->steps;
    *out = w;
    return ZP_OK;
}

/* The run window and step: the options', else the model's period and
 * step; the window must lie in the model period, on the step grid. */
static zp_status run_window(sim_priv *p, const zp_model *m, const zp_sim_opts *opts)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    int32_t step_min = opts->step_min ? opts->step_min : m->step_min;
    if (step_min <= 0 || 60 % step_min != 0)
        return zp__error(ctx, ZP_EINVAL, "step %d min: use 1, 5, 10, 15, 30 or 60", (int)step_min);
    r->step_s = step_min * 60;
    r->step_h = step_min / 60.0;
    r->start = opts->from ? opts->from : m->start;
    zp_time_t end = opts->to ? opts->to : m->end;
    char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE], c[ZP_TIME_BUFSIZE], d[ZP_TIME_BUFSIZE];
    if (r->start < m->start || end > m->end || end <= r->start)
        return zp__error(ctx, ZP_ERANGE, "run %s .. %s is not inside the model period %s .. %s",
                         zp_time_format(r->start, m->utc_offset_min, a),
                         zp_time_format(end, m->utc_offset_min, b),
                         zp_time_format(m->start, m->utc_offset_min, c),
                         zp_time_format(m->end, m->utc_offset_min, d));
    if ((end - r->start) % r->step_s != 0 || (r->start - m->start) % r->step_s != 0)
        return zp__error(ctx, ZP_EINVAL, "run %s .. %s does not fall on the %d-min step grid",
                         zp_time_format(r->start, m->utc_offset_min, a),
                         zp_time_format(end, m->utc_offset_min, b), (int)step_min);
    r->steps = (size_t)((end - r->start) / r->step_s);
    return ZP_OK;
}

/* The result's per-step totals and per-asset tables, and room for the
 * flexible demands (*flex, owned by the caller). A year at 1-min steps is
 * 4.2 MB an array, so arrays are made only when needed and freed as soon
 * as they are not: constant factors and prices have none, transient ones
 * are freed early. The PV and wind totals alias the single array or farm
 * when there is one; with none they are zeros. */
static zp_status result_arrays(sim_priv *p, const zp_model *m, zp_dispatch_flex **flex)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    if ((m->npv != 1 && !(r->pv_kw = new_array(p, n))) ||
        (m->nwind != 1 && !(r->wind_kw = new_array(p, n))) || !(p->firm_kw = new_array(p, n)))
        return ZP_ENOMEM;
    r->pv_array_kw = zp__calloc(ctx, m->npv + 1, sizeof *r->pv_array_kw);
    r->wind_farm_kw = zp__calloc(ctx, m->nwind + 1, sizeof *r->wind_farm_kw);
    r->load_kw = zp__calloc(ctx, m->nloads + 1, sizeof *r->load_kw);
    r->pv_totals = zp__calloc(ctx, m->npv + 1, sizeof *r->pv_totals);
    *flex = zp__calloc(ctx, m->nloads + 2, sizeof **flex);
    if (!r->pv_array_kw || !r->wind_farm_kw || !r->load_kw || !r->pv_totals || !*flex)
        return zp__nomem(ctx);
    return ZP_OK;
}

/* Source i of count (a PV array, a wind farm) with its n values arr: its
 * place in per, and the kind's sum, which is arr itself for one source
 * and the values added up for more (the sum starts at zeros). */
static void add_source(double **per, size_t i, double *arr, size_t count, double **sum, size_t n)
{
    per[i] = arr;
    if (count == 1)
        *sum = arr;
    else
        for (size_t t = 0; t < n; t++)
            (*sum)[t] += arr[t];
}

/* PV AC power per array from the weather w (on the run grid), and their
 * sum. */
static zp_status pv_arrays(sim_priv *p, const zp_model *m, const zp_weather_data *w)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    zp_status rc = ZP_OK;
    zp_pv_output *pvo = NULL;
    double *sun_zen = NULL, *sun_az = NULL;
    if (!m->npv)
        return ZP_OK;
    zp_site site = {m->lat_deg, m->lon_deg, m->elevation_m};
    zp_pv_opts pvopts;
    zp_pv_opts_init(&pvopts);
    pvopts.ac_only = 1;
    /* Every array sees the same sun: compute its position once. */
    sun_zen = zp__calloc(ctx, n, sizeof *sun_zen);
    sun_az = zp__calloc(ctx, n, sizeof *sun_az);
    if (!sun_zen || !sun_az) {
        rc = zp__nomem(ctx);
        goto out;
    }
    if ((rc = zp_pv_sun_position(ctx, &site, w, sun_zen, sun_az)))
        goto out;
    pvopts.sun_zenith_deg = sun_zen;
    pvopts.sun_azimuth_deg = sun_az;
    for (size_t i = 0; i < m->npv; i++) {
        if ((rc = zp_pv_simulate(ctx, &m->pv[i], &site, w, &pvopts, &pvo)))
            goto out;
        /* Take the AC array over rather than copy it. */
        if (zp__grow(ctx, (void **)&p->arrays, &p->caparrays, p->narrays + 1, sizeof *p->arrays)) {
            rc = ZP_ENOMEM;
            goto out;
        }
        double *arr = pvo->ac_kw;
        pvo->ac_kw = NULL;
        p->arrays[p->narrays++] = arr;
        r->pv_totals[i] = pvo->totals;
        zp_pv_output_free(ctx, pvo);
        pvo = NULL;
        add_source(r->pv_array_kw, i, arr, m->npv, &r->pv_kw, n);
    }
out:
    zp_pv_output_free(ctx, pvo);
    zp__free(ctx, sun_zen);
    zp__free(ctx, sun_az);
    return rc;
}

/* Wind power per farm from the weather's wind speed, and their sum. */
static zp_status wind_farms(sim_priv *p, const zp_model *m, const zp_weather_data *w)
{
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    zp_status rc;
    for (size_t i = 0; i < m->nwind; i++) {
        if (!w->wind_speed_m_s)
            return zp__error(p->ctx, ZP_EMODEL, "wind[%zu] '%s': the weather (%s) has no wind speed; add a wind_speed_m_s column", i, m->wind[i].name, m->weather.csv);
        double *arr = new_array(p, n);
        if (!arr)
            return ZP_ENOMEM;
        /* The model's measurement_height_m says where the weather's wind
         * speed was measured (docs/model.md). */
        if ((rc = zp_wind_power_series(p->ctx, &m->wind[i], NULL, w->wind_speed_m_s, n, arr)))
            return rc;
        add_source(r->wind_farm_kw, i, arr, m->nwind, &r->wind_kw, n);
    }
    return ZP_OK;
}

/* A PUE that follows the outdoor temperature: one value per step. */
static zp_status pue_curve(sim_priv *p, const zp_model *m, const zp_weather_data *w)
{
    if (!(m->datacenter.present && m->datacenter.pue_curve))
        return ZP_OK;
    if (!(p->dc_pue = new_array(p, p->pub.steps)))
        return ZP_ENOMEM;
    for (size_t t = 0; t < p->pub.steps; t++)
        p->dc_pue[t] = zp_datacenter_pue_at(&m->datacenter, w->temp_air_c[t]);
    return ZP_OK;
}

/* What the weather gives the run: PV, wind, a temperature-driven PUE, and
 * the clear-sky PV of the forecasts (p->want_clearsky), all from the one
 * reading of the model's weather (given, borrowed, or read here). The
 * weather is freed here, before the dispatch allocates, to keep the peak
 * low on 1-minute years. */
static zp_status renewables(sim_priv *p, const zp_model *m, const zp_weather_data *given)
{
    zp_ctx *ctx = p->ctx;
    zp_weather_data *own = NULL, *regrid = NULL;
    const zp_weather_data *mw = given;
    const int clearsky = p->want_clearsky && m->npv;
    zp_status rc;
    if (!(m->npv || m->nwind || m->datacenter.pue_curve))
        return ZP_OK;
    if (!m->weather.present)
        return zp__error(ctx, ZP_EMODEL, "%s: the model has PV or wind but no weather; add \"weather\": {\"csv\": ...}", m->file);
    if (!mw) {
        if ((rc = zp_weather_for_model(ctx, m, &own)))
            return rc;
        mw = own;
    }
    p->pub.weather_night_zeroed = mw->repairs.night_zeroed;
    if ((rc = weather_on_run_grid(p, mw, &regrid)))
        goto out;
    if (regrid && own && !clearsky) {
        /* only the run grid's copy is needed from here */
        zp_weather_free(ctx, own);
        own = NULL;
        mw = NULL;
    }
    const zp_weather_data *w = regrid ? regrid : mw;
    if (!(rc = pv_arrays(p, m, w)) && !(rc = wind_farms(p, m, w)))
        rc = pue_curve(p, m, w);
    zp_weather_free(ctx, regrid);
    regrid = NULL;
    /* The clear-sky PV on the model's own grid of the weather, as
     * zp_forecast_clearsky_pv computes it. */
    if (!rc && clearsky)
        rc = zp_forecast_clearsky_pv_weather(ctx, m, mw, p->pub.start, p->pub.step_s,
                                             p->pub.steps, p->clearsky_pv_kw);
out:
    zp_weather_free(ctx, regrid);
    zp_weather_free(ctx, own);
    return rc;
}

/* The loads and the data center as firm demand (p->firm_kw) and flexible
 * demands (flex[0..*nflex)). */
static zp_status demand(sim_priv *p, const zp_model *m, zp_dispatch_flex *flex, size_t *nflex)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    zp_status rc;
    for (size_t i = 0; i < m->nloads; i++) {
        const zp_load *l = &m->loads[i];
        double *arr = new_array(p, n);
        if (!arr)
            return ZP_ENOMEM;
        char what[160];
        snprintf(what, sizeof what, "loads[%zu].power_kw", i);
        if ((rc = value_window(ctx, &l->power_kw, what, r->start, r->step_s, n, arr)))
            return rc;
        r->load_kw[i] = arr;
        double share = l->flexible.present ? l->flexible.share : 0.0;
        if (share > 0)
            flex[(*nflex)++] = (zp_dispatch_flex){.name = l->name, .kw = arr,
                                                  .max_delay_h = l->flexible.max_delay_h,
                                                  .share = share};
        for (size_t t = 0; t < n; t++)
            p->firm_kw[t] += (1.0 - share) * arr[t];
    }
    if (!m->datacenter.present)
        return ZP_OK;
    if (!(r->dc_it_kw = new_array(p, n)))
        return ZP_ENOMEM;
    if ((rc = value_window(ctx, &m->datacenter.it_power_kw, "datacenter.it_power_kw", r->start,
                           r->step_s, n, r->dc_it_kw)))
        return rc;
    double share = m->datacenter.flexible.present ? m->datacenter.flexible.share : 0.0;
    /* Cooling and power losses follow the IT work they serve, so the
     * flexible share applies to facility power. With a constant PUE the
     * facility power is IT x PUE, passed as IT with the share scaled;
     * with a PUE curve it gets its own array. */
    const double *fac = r->dc_it_kw;
    double fac_scale = m->datacenter.pue;
    if (p->dc_pue) {
        if (!(p->dc_facility_kw = new_array(p, n)))
            return ZP_ENOMEM;
        for (size_t t = 0; t < n; t++)
            p->dc_facility_kw[t] = r->dc_it_kw[t] * p->dc_pue[t];
        fac = p->dc_facility_kw;
        fac_scale = 1.0;
    }
    if (share > 0)
        flex[(*nflex)++] = (zp_dispatch_flex){.name = "datacenter", .kw = fac,
                                              .max_delay_h = m->datacenter.flexible.max_delay_h,
                                              .share = share * fac_scale};
    for (size_t t = 0; t < n; t++)
        p->firm_kw[t] += (1.0 - share) * fac[t] * fac_scale;
    return ZP_OK;
}

/* The import price of each step from the model's tariff (grid.tariff):
 * zp_tariff_prices on the run's grid and the park's clock. */
static zp_status tariff_prices(sim_priv *p, const zp_model *m)
{
    zp_sim_result *r = &p->pub;
    zp_time_grid g = {r->start, r->step_s, r->steps, m->utc_offset_min};
    if (!(r->price_cny_per_kwh = new_array(p, r->steps)))
        return ZP_ENOMEM;
    return zp_tariff_prices(p->ctx, m->grid.tariff, &g, NULL, r->price_cny_per_kwh);
}

/* The calendar months of the run, as the bill counts them: each step's
 * month and each month's share of the monthly charges (the demand charge
 * a dispatch prices). */
static zp_status run_months(sim_priv *p, const zp_model *m)
{
    zp_sim_result *r = &p->pub;
    zp_time_grid g = {r->start, r->step_s, r->steps, m->utc_offset_min};
    if (!(p->month_of_step = zp__calloc(p->ctx, r->steps ? r->steps : 1, sizeof *p->month_of_step)))
        return zp__nomem(p->ctx);
    return zp_bill_months(p->ctx, &g, ZP_PRORATE_CALENDAR, p->month_of_step, &p->month_fraction,
                          &p->nmonths);
}

/* Grid factor and prices: arrays only for series (NULL = the constant),
 * and for a tariff's prices; a green-power profile on the run window; the
 * location factor: the one resolution (zp_model_grid_factors) for the
 * local year the run starts in, as the accounting of the run. */
static zp_status grid_inputs(sim_priv *p, const zp_model *m)
{
    zp_sim_result *r = &p->pub;
    zp_status rc;
    if ((rc = series_window(p, &m->grid.emission_factor_kg_per_kwh, "grid.emission_factor_kg_per_kwh",
                            &r->grid_factor_kg_per_kwh)) ||
        (rc = m->grid.tariff ? tariff_prices(p, m)
                             : series_window(p, &m->grid.price_cny_per_kwh, "grid.price_cny_per_kwh",
                                             &r->price_cny_per_kwh)) ||
        (rc = series_window(p, &m->grid.export_price_cny_per_kwh, "grid.export_price_cny_per_kwh",
                            &r->export_price_cny_per_kwh)) ||
        (rc = series_window(p, &m->grid.green_power.profile_kw, "grid.green_power.profile",
                            &p->green_kw)) ||
        (rc = run_months(p, m)))
        return rc;
    zp_grid_factors gf;
    if ((rc = zp_model_grid_factors(p->ctx, m, zp__local_year(r->start, m->utc_offset_min), &gf)))
        return rc;
    r->grid_factor_constant_kg_per_kwh = r->grid_factor_kg_per_kwh ? NAN : gf.location.value;
    r->grid_factor_year = gf.location.year;
    r->grid_factor_region = gf.location.region;
    r->grid_factor_source = gf.location.source;
    r->grid_factor_rule = zp_grid_rule_name(gf.rule);
    return ZP_OK;
}

/* The dispatch's input: the arrays of p and the model's grid and storage. */
static void dispatch_input(sim_priv *p, const zp_model *m, zp_dispatch_flex *flex, size_t nflex,
                           zp_dispatch_input *in)
{
    zp_sim_result *r = &p->pub;
    zp_dispatch_input_init(in);
    in->steps = r->steps;
    in->step_h = r->step_h;
    in->pv_kw = r->pv_kw;
    in->wind_kw = r->wind_kw;
    in->firm_kw = p->firm_kw;
    in->flex = flex;
    in->nflex = nflex;
    in->storage = m->storage;
    in->nstorage = m->nstorage;
    in->import_limit_kw = m->grid.import_limit_kw;
    in->export_limit_kw = m->grid.export_limit_kw;
    in->import_price_cny_per_kwh = r->price_cny_per_kwh;
    in->export_price_cny_per_kwh = r->export_price_cny_per_kwh;
    in->grid_factor_kg_per_kwh = r->grid_factor_kg_per_kwh;
    in->objective = m->objective;
    in->carbon_price_cny_per_t = m->carbon_price_cny_per_t;
    /* the demand charge on each calendar month's peak (the capacity
     * charge is fixed: nothing a dispatch can change); the batteries'
     * wear comes with m->storage */
    in->demand_charge_cny_per_kw_month = m->grid.demand_charge_cny_per_kw_month;
    in->month_of_step = p->month_of_step;
    in->nmonths = p->nmonths;
    in->month_fraction = p->month_fraction;
}

/* A grid outage: no import and no export inside [outage_from, outage_to). */
static zp_status outage(sim_priv *p, const zp_sim_opts *opts, zp_dispatch_input *in)
{
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    if (!(opts->outage_from || opts->outage_to))
        return ZP_OK;
    if (!(opts->outage_to > opts->outage_from))
        return zp__error(p->ctx, ZP_EINVAL, "outage: the end must come after the start");
    if (!(p->grid_down = zp__calloc(p->ctx, n ? n : 1, 1)))
        return zp__nomem(p->ctx);
    for (size_t t = 0; t < n; t++) {
        zp_time_t a0 = r->start + (zp_time_t)t * r->step_s;
        p->grid_down[t] = a0 + r->step_s > opts->outage_from && a0 < opts->outage_to;
        r->outage_steps += p->grid_down[t];
    }
    if (!r->outage_steps)
        return zp__error(p->ctx, ZP_ERANGE, "outage: the window does not overlap the run");
    in->grid_down = p->grid_down;
    return ZP_OK;
}

/* Resilience: hold enough usable stored energy to carry the critical load
 * for reserve_h hours (at the lowest discharge efficiency). */
static zp_status resilience(sim_priv *p, const zp_model *m, const zp_sim_opts *opts)
{
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    zp_status rc;
    if (!m->resilience.present)
        return ZP_OK;
    if (!(p->critical_kw = new_array(p, n)))
        return ZP_ENOMEM;
    if ((rc = value_window(p->ctx, &m->resilience.critical_load_kw, "resilience.critical_load_kw",
                           r->start, r->step_s, n, p->critical_kw)))
        return rc;
    if (opts->no_reserve || !m->nstorage || !(m->resilience.reserve_h > 0))
        return ZP_OK;
    double eta = 1.0;
    for (size_t s2 = 0; s2 < m->nstorage; s2++)
        if (m->storage[s2].discharge_efficiency < eta)
            eta = m->storage[s2].discharge_efficiency;
    if (!(p->reserve_kwh = new_array(p, n)))
        return ZP_ENOMEM;
    for (size_t t = 0; t < n; t++)
        p->reserve_kwh[t] = p->critical_kw[t] * m->resilience.reserve_h / eta;
    return ZP_OK;
}

/* In an outage the park sheds what is not critical: only the critical
 * part of the firm demand stays on (flexible demand waits, as always, up
 * to its deadline). Without a critical load nothing is shed. */
static zp_status shed_in_outage(sim_priv *p)
{
    const size_t n = p->pub.steps;
    if (!(p->grid_down && p->critical_kw))
        return ZP_OK;
    if (!(p->shed_kw = new_array(p, n)))
        return ZP_ENOMEM;
    for (size_t t = 0; t < n; t++)
        if (p->grid_down[t] && p->firm_kw[t] > p->critical_kw[t]) {
            p->shed_kw[t] = p->firm_kw[t] - p->critical_kw[t];
            p->firm_kw[t] = p->critical_kw[t];
        }
    return ZP_OK;
}

zp_status zp__sim_prepare(sim_priv *p, const zp_model *m, const zp_sim_opts *po,
                         const zp_weather_data *weather, zp_dispatch_input *in,
                         zp_dispatch_flex **flex_out)
{
    zp_dispatch_flex *flex = NULL;
    size_t nflex = 0;
    zp_status rc;
    if ((rc = run_window(p, m, po)) || (rc = result_arrays(p, m, &flex)))
        goto fail;
    /* clear-sky PV for the PV forecast: 0 kW for a park without PV */
    if (p->want_clearsky && !(p->clearsky_pv_kw = zp__calloc(p->ctx, p->pub.steps ? p->pub.steps : 1,
                                                             sizeof(double)))) {
        rc = zp__nomem(p->ctx);
        goto fail;
    }
    if ((rc = renewables(p, m, weather)) || (rc = demand(p, m, flex, &nflex)) ||
        (rc = grid_inputs(p, m)))
        goto fail;
    dispatch_input(p, m, flex, nflex, in);
    if ((rc = outage(p, po, in)) || (rc = resilience(p, m, po)) || (rc = shed_in_outage(p)))
        goto fail;
    *flex_out = flex;
    return ZP_OK;
fail:
    zp__free(p->ctx, flex);
    return rc ? rc : ZP_ENOMEM;
}
