/*
 * sim.c - the year simulation (include/zeropark/sim.h).
 *
 * Pipeline: the run window and step; the model's weather aligned to it;
 * PV per array and wind per farm from the weather; loads and the data
 * center split into firm and flexible demand; the dispatch; then the
 * totals the results object reports (docs/methodology.md "Simulation").
 */
#include "carbon/carbon_impl.h"
#include "carbon/matching.h"
#include "core/internal.h"
#include "dispatch/mpc.h"
#include "sim/evaluate.h"
#include "sim/sim_impl.h"
#include "zeropark/carbon.h"
#include "zeropark/forecast.h"
#include "zeropark/sim.h"
#include "zeropark/series.h"
#include "zeropark/weather.h"
#include "zeropark/wind.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- helpers ------------------------------------------------------------ */

void zp_sim_opts_init(zp_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dispatch = ZP_DISPATCH_RULE;
}

static zp_status add_col(sim_priv *p, const double *v, const char *fmt, ...) ZP_PRINTF(3, 4);
static zp_status add_col(sim_priv *p, const double *v, const char *fmt, ...)
{
    if (zp__grow(p->ctx, (void **)&p->cols, &p->capcols, p->ncols + 1, sizeof *p->cols))
        return ZP_ENOMEM;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *name = zp__strdup(p->ctx, buf);
    if (!name)
        return zp__nomem(p->ctx);
    p->cols[p->ncols].name = name;
    p->cols[p->ncols].v = v;
    p->cols[p->ncols].kind = COL_ARRAY;
    p->ncols++;
    return ZP_OK;
}

static zp_status add_derived(sim_priv *p, col_kind kind, const char *name)
{
    zp_status rc = add_col(p, NULL, "%s", name);
    if (rc == ZP_OK)
        p->cols[p->ncols - 1].kind = kind;
    return rc;
}

sim_priv *zp__sim_priv_new(zp_ctx *ctx, const zp_model *m)
{
    sim_priv *p = zp__calloc(ctx, 1, sizeof *p);
    if (!p) {
        zp__nomem(ctx);
        return NULL;
    }
    p->ctx = ctx;
    p->pub.model = m;
    return p;
}

void zp_sim_result_free(zp_ctx *ctx, zp_sim_result *r)
{
    if (!r)
        return;
    sim_priv *p = (sim_priv *)r;
    for (size_t i = 0; i < p->narrays; i++)
        zp__free(ctx, p->arrays[i]);
    for (size_t i = 0; i < p->ncols; i++)
        zp__free(ctx, p->cols[i].name);
    /* what the result owns besides the arrays and the column names */
    void *owned[] = {p->arrays,          p->cols,          p->scratch,  p->grid_down,
                     p->market_source,   p->clearsky_pv_kw, r->pv_array_kw, r->wind_farm_kw,
                     r->load_kw,         r->pv_totals,     p->month_of_step, p->month_fraction,
                     p->flex};
    for (size_t k = 0; k < ZP_ARRAY_LEN(owned); k++)
        zp__free(ctx, owned[k]);
    zp_bill_free(ctx, r->bill);
    zp_dispatch_result_free(ctx, r->flows);
    zp__free(ctx, p);
}

/* A constant array of n values (transient; freed by the caller). */
static double *const_array(zp_ctx *ctx, size_t n, double v)
{
    double *a = zp__calloc(ctx, n ? n : 1, sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < n; i++)
        a[i] = v;
    return a;
}

/* The grid connection is one meter: import and export in the same step
 * only ever show as their net. An LP with separate import and export would
 * buy and sell at once wherever the export price beats the import price (a
 * valley tariff below the feed-in price), which no meter pays. The
 * optimisers therefore see an export price capped at the step's import
 * price (out may be xp); the run's cost still uses the real prices. */
void zp__sim_cap_export_prices(const double *ip, const double *xp, size_t n, double *out)
{
    for (size_t t = 0; t < n; t++)
        out[t] = xp[t] > ip[t] ? ip[t] : xp[t];
}

/* ---- after the dispatch: the results' totals ------------------------------ */

/* What the totals hand on to each other. */
typedef struct sim_sums {
    double scope2_kg;              /* location-based Scope 2 of the run */
    double cost;                   /* the bill's total, CNY (cost_cny) */
    double import_weighted_factor; /* kg/kWh over the import (the mean factor without) */
    double cert_kwh;               /* green certificates, the run's share */
} sim_sums;

/* Energy over the run, with Scope 2 (location) on the way. */
static void sim_energy(sim_priv *p, const zp_model *m, sim_sums *sums)
{
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    const zp_dispatch_result *f = r->flows;
    const double dt = r->step_h;
    zp_sim_energy *e = &r->energy_kwh;
    for (size_t i = 0; i < m->nloads; i++)
        for (size_t t = 0; t < n; t++)
            e->load += r->load_kw[i][t] * dt;
    if (r->dc_it_kw)
        for (size_t t = 0; t < n; t++) {
            e->datacenter_it += r->dc_it_kw[t] * dt;
            e->datacenter_facility += DC_FACILITY(p, t) * dt;
        }
    double scope2_kg = 0, ef_sum = 0;
    for (size_t t = 0; t < n; t++) {
        e->pv += (r->pv_kw ? r->pv_kw[t] : 0) * dt;
        e->wind += (r->wind_kw ? r->wind_kw[t] : 0) * dt;
        e->grid_import += f->grid_import_kw[t] * dt;
        e->grid_export += f->grid_export_kw[t] * dt;
        e->curtailed += f->curtailed_kw[t] * dt;
        e->unserved += (f->unserved_kw[t] + (p->shed_kw ? p->shed_kw[t] : 0.0)) * dt;
        double ef = GRID_EF(r, t);
        ef_sum += ef;
        scope2_kg += f->grid_import_kw[t] * dt * ef;
    }
    e->storage_charge = f->totals.charge_kwh;
    e->storage_discharge = f->totals.discharge_kwh;
    e->delayed = f->totals.delayed_kwh;
    sums->import_weighted_factor =
        e->grid_import > 0 ? scope2_kg / e->grid_import : ef_sum / (double)n;
    sums->scope2_kg = scope2_kg;
}

/* The model's objective on the executed plan: kg CO2, or the bill (with
 * the carbon price): the energy, the demand charge and the wear the
 * optimisers weigh, and the fixed parts they cannot change. */
static void sim_objective(sim_priv *p, const zp_model *m, const sim_sums *sums)
{
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    const zp_dispatch_result *f = r->flows;
    const double scope2_kg = sums->scope2_kg, cost = sums->cost;
    r->objective = m->objective == ZP_MINIMISE_CARBON ? scope2_kg
                   : m->objective == ZP_MINIMISE_COST
                       ? cost
                       : cost + m->carbon_price_cny_per_t * scope2_kg / 1000.0;
    /* Dispatchers may end with more or less energy stored than they began
     * with (the LP ends with at least as much). To compare them fairly the
     * objective values the net energy drawn from storage at what replacing
     * it from the grid would cost on average: mean import price and mean
     * grid factor over the run, divided by the discharge efficiency. */
    double price_sum = 0, fac_sum = 0;
    for (size_t t = 0; t < n; t++) {
        price_sum += AT(r->price_cny_per_kwh, m->grid.price_cny_per_kwh, t);
        fac_sum += GRID_EF(r, t);
    }
    double mp = price_sum / (double)n, mf = fac_sum / (double)n;
    double unit = m->objective == ZP_MINIMISE_CARBON ? mf
                  : m->objective == ZP_MINIMISE_COST
                      ? mp
                      : mp + m->carbon_price_cny_per_t * mf / 1000.0;
    double adj = 0;
    for (size_t s = 0; s < m->nstorage; s++) {
        double drawn_kwh = (f->storage[s].soc_start - f->storage[s].soc[n - 1]) *
                           m->storage[s].energy_kwh;
        adj += drawn_kwh * unit / m->storage[s].discharge_efficiency;
    }
    r->objective_storage_adjustment = adj;
    r->objective += adj;
}

/* Scope 1 from the fuels, Scope 2 location- and (at the import-weighted
 * factor, until the accounting engine says, sim_market) market-based. */
static zp_status sim_emissions(sim_priv *p, const zp_model *m, sim_sums *sums)
{
    zp_sim_result *r = &p->pub;
    zp_sim_emissions *em = &r->emissions_t;
    zp_status rc;
    /* Fuels are given for the model period; a shorter run takes its share. */
    double frac = (double)(r->steps * (size_t)r->step_s) / (double)(m->end - m->start);
    for (size_t i = 0; i < m->nfuels; i++) {
        double k;
        if ((rc = zp_fuel_factor(p->ctx, m->fuels[i].type, m->fuels[i].unit, &k, NULL)))
            return rc;
        em->scope1 += m->fuels[i].amount * frac * k;
    }
    em->scope2_location = sums->scope2_kg / 1000.0;
    sums->cert_kwh = m->green_certificates_mwh * 1000.0 * frac;
    double net_import = r->energy_kwh.grid_import - sums->cert_kwh;
    if (net_import < 0)
        net_import = 0;
    r->market_factor_kg_per_kwh = sums->import_weighted_factor;
    r->grid_import_weighted_kg_per_kwh = sums->import_weighted_factor;
    em->scope2_market = net_import * sums->import_weighted_factor / 1000.0;
    em->total_location = em->scope1 + em->scope2_location;
    em->total_market = em->scope1 + em->scope2_market;
    return ZP_OK;
}

/* What an outage left without supply, over the steps the grid was down
 * (or all, with a critical load and no outage). */
static void sim_outage(sim_priv *p)
{
    zp_sim_result *r = &p->pub;
    const zp_dispatch_result *f = r->flows;
    const double dt = r->step_h;
    if (!p->grid_down && !p->critical_kw)
        return;
    for (size_t t = 0; t < r->steps; t++) {
        if (p->grid_down && !p->grid_down[t])
            continue;
        double shed = p->shed_kw ? p->shed_kw[t] : 0.0;
        double dem = p->firm_kw[t] + shed + f->flex_served_kw[t];
        double crit = p->critical_kw ? fmin(p->critical_kw[t], dem) : 0.0;
        double uns = f->unserved_kw[t] + shed;
        double crit_uns = uns - (dem - crit);
        if (crit_uns < 0)
            crit_uns = 0;
        r->outage_demand_kwh += dem * dt;
        r->outage_served_kwh += (dem - uns) * dt;
        r->critical_demand_kwh += crit * dt;
        r->critical_served_kwh += (crit - crit_uns) * dt;
    }
}

/* The model's targets against the results. Limits compare with a relative
 * tolerance of 1e-9 so that a PUE of exactly the limit (1.25 x IT / IT) is
 * not missed by rounding. */
static void sim_targets(sim_priv *p, const zp_model *m)
{
    zp_sim_result *r = &p->pub;
    const zp_sim_emissions *em = &r->emissions_t;
#define ZP_LE(v, lim) ((v) <= (lim) + 1e-9 * fabs(lim))
#define ZP_GE(v, lim) ((v) >= (lim)-1e-9 * fabs(lim))
    if (!isnan(m->targets.max_emissions_t))
        r->targets[r->ntargets++] = (zp_sim_target){"max_emissions_t", m->targets.max_emissions_t,
                                                    em->total_market, ZP_LE(em->total_market, m->targets.max_emissions_t)};
    if (!isnan(m->targets.min_green_share_pct))
        r->targets[r->ntargets++] = (zp_sim_target){"min_green_share_pct", m->targets.min_green_share_pct,
                                                    r->green_share_volumetric_pct,
                                                    ZP_GE(r->green_share_volumetric_pct, m->targets.min_green_share_pct)};
    if (!isnan(m->targets.max_pue) && !isnan(r->pue))
        r->targets[r->ntargets++] = (zp_sim_target){"max_pue", m->targets.max_pue, r->pue, ZP_LE(r->pue, m->targets.max_pue)};
#undef ZP_LE
#undef ZP_GE
}

/* Columns of the per-step CSV. */
static zp_status sim_columns(sim_priv *p, const zp_model *m)
{
    zp_sim_result *r = &p->pub;
    const zp_dispatch_result *f = r->flows;
    zp_status rc;
    if ((rc = add_col(p, NULL, "timestamp")))
        return rc;
    for (size_t i = 0; i < m->npv; i++)
        if ((rc = add_col(p, r->pv_array_kw[i], "pv.%s.ac_kw", m->pv[i].name)))
            return rc;
    for (size_t i = 0; i < m->nwind; i++)
        if ((rc = add_col(p, r->wind_farm_kw[i], "wind.%s.ac_kw", m->wind[i].name)))
            return rc;
    for (size_t i = 0; i < m->nloads; i++)
        if ((rc = add_col(p, r->load_kw[i], "load.%s.demand_kw", m->loads[i].name)))
            return rc;
    if (r->dc_it_kw && ((rc = add_col(p, r->dc_it_kw, "datacenter.it_kw")) ||
                        (rc = add_derived(p, COL_DC_FACILITY, "datacenter.facility_kw"))))
        return rc;
    if (p->dc_pue && (rc = add_col(p, p->dc_pue, "datacenter.pue")))
        return rc;
    if ((rc = add_col(p, r->pv_kw, "pv_available_kw")) || (rc = add_col(p, f->pv_used_kw, "pv_used_kw")) ||
        (rc = add_col(p, r->wind_kw, "wind_available_kw")) || (rc = add_col(p, f->wind_used_kw, "wind_used_kw")) ||
        (rc = add_col(p, f->curtailed_kw, "curtailed_kw")) || (rc = add_col(p, p->firm_kw, "firm_demand_kw")) ||
        (rc = add_col(p, f->flex_served_kw, "flexible_served_kw")) ||
        (rc = add_col(p, f->flex_delayed_kw, "flexible_delayed_kw")) ||
        (rc = add_col(p, f->flex_backlog_kwh, "flexible_backlog_kwh")))
        return rc;
    for (size_t s = 0; s < m->nstorage; s++)
        if ((rc = add_col(p, f->storage[s].charge_kw, "storage.%s.charge_kw", m->storage[s].name)) ||
            (rc = add_col(p, f->storage[s].discharge_kw, "storage.%s.discharge_kw", m->storage[s].name)) ||
            (rc = add_col(p, f->storage[s].soc, "storage.%s.soc", m->storage[s].name)))
            return rc;
    if ((rc = add_col(p, f->grid_import_kw, "grid_import_kw")) ||
        (rc = add_col(p, f->grid_export_kw, "grid_export_kw")) ||
        (rc = add_col(p, f->unserved_kw, "unserved_kw")) ||
        (p->shed_kw && (rc = add_col(p, p->shed_kw, "shed_kw"))) ||
        (rc = add_derived(p, COL_CONSUMPTION, "consumption_kw")) ||
        (rc = add_derived(p, COL_CFE, "carbon_free_kw")) ||
        (rc = add_derived(p, COL_SCOPE2_KG, "scope2_location_kg")))
        return rc;
    /* Inputs that vary (constants are in the model). */
    if ((r->grid_factor_kg_per_kwh && (rc = add_col(p, r->grid_factor_kg_per_kwh, "grid_factor_kg_per_kwh"))) ||
        (r->price_cny_per_kwh && (rc = add_col(p, r->price_cny_per_kwh, "price_cny_per_kwh"))) ||
        (r->export_price_cny_per_kwh && (rc = add_col(p, r->export_price_cny_per_kwh, "export_price_cny_per_kwh"))))
        return rc;
    return ZP_OK;
}

/* Scope 1 and market-based Scope 2 come from the accounting engine, so
 * that the simulation and `zeropark account` agree by construction: the
 * model's fuel set and refrigerants; certificates and contracts first, the
 * rest at the factor set's residual mix (or what the model's "accounting"
 * section chooses). */
static zp_status sim_market(sim_priv *p, const zp_model *m)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    zp_sim_emissions *em = &r->emissions_t;
    zp_acct_input *ai = NULL;
    zp_acct_result *ar = NULL;
    zp_acct_opts ao;
    zp_status rc;
    zp_acct_opts_from_model(&ao, m);
    ao.by = 0;
    if ((rc = zp_acct_from_sim_summary(ctx, r, &ai)) || (rc = zp_account(ctx, ai, &ao, &ar)))
        goto out;
    /* Scope 1 too: the model's accounting choices (fuel_set, a factor-set
     * directory) and its refrigerants, so that emissions_t and the
     * indicator's emissions are one figure. */
    em->scope1 = ar->total.scope1_t;
    em->scope2_market = ar->total.scope2_market_t;
    em->total_location = em->scope1 + em->scope2_location;
    em->total_market = em->scope1 + em->scope2_market;
    r->market_factor_kg_per_kwh = ar->residual.value;
    /* The source text belongs to the factor set, freed with ar. */
    if (ar->residual.source && !(p->market_source = zp__strdup(ctx, ar->residual.source))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    r->market_factor_source = p->market_source;
    for (size_t i = 0; i < r->ntargets; i++)
        if (strcmp(r->targets[i].name, "max_emissions_t") == 0) {
            r->targets[i].value = em->total_market;
            r->targets[i].met = em->total_market <= r->targets[i].limit * (1 + 1e-9);
        }
    /* The indicator and its targets, as the accounting engine judges them
     * (a limit compares with the relative tolerance of sim_targets). */
    r->indicator = ar->indicator;
    const zp_indicator *x = &r->indicator;
    if (!isnan(m->targets.max_t_co2_per_tce) && !isnan(x->t_co2_per_tce))
        r->targets[r->ntargets++] =
            (zp_sim_target){"max_t_co2_per_tce", m->targets.max_t_co2_per_tce, x->t_co2_per_tce,
                            x->t_co2_per_tce <= m->targets.max_t_co2_per_tce +
                                                    1e-9 * fabs(m->targets.max_t_co2_per_tce)};
    if (!isnan(m->targets.min_clean_energy_share_pct) && !isnan(x->clean_energy_share_pct))
        r->targets[r->ntargets++] = (zp_sim_target){
            "min_clean_energy_share_pct", m->targets.min_clean_energy_share_pct,
            x->clean_energy_share_pct,
            x->clean_energy_share_pct >= m->targets.min_clean_energy_share_pct -
                                             1e-9 * fabs(m->targets.min_clean_energy_share_pct)};
out:
    zp_acct_result_free(ctx, ar);
    zp_acct_input_free(ctx, ai);
    return rc;
}

/* The prices and factors as the optimisers need them: every one an array
 * (constants expanded, into own[0..2]: import price, export price, grid
 * factor, NULL where the run has its own array), with the tariff's
 * periods held flat when asked (zp_compare's split) and the export price
 * capped at the import price (one meter, cap_export_prices). The caller
 * frees own[] after the dispatch, or keeps them. */
static zp_status optimiser_prices(sim_priv *p, const zp_model *m, const zp_sim_opts *o,
                                  zp_dispatch_input *in, double *own[3])
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    const size_t n = r->steps;
    double *price = NULL, *xprice = NULL, *fac = NULL;
    own[0] = own[1] = own[2] = NULL;
    if ((!in->import_price_cny_per_kwh &&
         !(in->import_price_cny_per_kwh = own[0] = price = const_array(ctx, n, m->grid.price_cny_per_kwh.constant))) ||
        (!in->export_price_cny_per_kwh &&
         !(in->export_price_cny_per_kwh = own[1] = xprice = const_array(ctx, n, m->grid.export_price_cny_per_kwh.constant))) ||
        (!in->grid_factor_kg_per_kwh &&
         !(in->grid_factor_kg_per_kwh = own[2] = fac = const_array(ctx, n, r->grid_factor_constant_kg_per_kwh))))
        return zp__nomem(ctx);
    /* The tariff's periods held flat (zp_compare's split): the optimisers
     * see the run's mean import price at every step. */
    if (o->flat_price_plan && n) {
        double *fp = price ? price : zp__calloc(ctx, n, sizeof *fp);
        if (!fp)
            return zp__nomem(ctx);
        double sum = 0;
        for (size_t t = 0; t < n; t++)
            sum += in->import_price_cny_per_kwh[t];
        for (size_t t = 0; t < n; t++)
            fp[t] = sum / (double)n;
        in->import_price_cny_per_kwh = own[0] = price = fp;
    }
    /* One meter: cap the export price (cap_export_prices). */
    const double *ip = in->import_price_cny_per_kwh, *xp = in->export_price_cny_per_kwh;
    int need = 0;
    for (size_t t = 0; t < n && !need; t++)
        need = xp[t] > ip[t];
    if (need) {
        double *capped = xprice ? xprice : zp__calloc(ctx, n ? n : 1, sizeof *capped);
        if (!capped)
            return zp__nomem(ctx);
        zp__sim_cap_export_prices(ip, xp, n, capped);
        in->export_price_cny_per_kwh = own[1] = capped;
    }
    return ZP_OK;
}

/* Run the chosen dispatcher on in; r->flows receives the result. The
 * optimisers need every price and factor as an array: constants are
 * expanded for the run (optimiser_prices). */
static zp_status run_dispatch(sim_priv *p, const zp_model *m, const zp_sim_opts *o,
                              zp_dispatch_input *in)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    zp_status rc = ZP_OK;
    double *own[3] = {NULL, NULL, NULL};
    const double *ip0 = in->import_price_cny_per_kwh, *xp0 = in->export_price_cny_per_kwh,
                 *gf0 = in->grid_factor_kg_per_kwh;
    if (o->dispatch == ZP_DISPATCH_RULE) {
        r->dispatch = "rule";
        return zp_dispatch_rule(ctx, in, &r->flows);
    }
    if ((rc = optimiser_prices(p, m, o, in, own)))
        goto out;
    if (o->dispatch == ZP_DISPATCH_OPTIMAL) {
        zp_lp_opts lo;
        zp_lp_opts_init(&lo);
        lo.time_limit_s = o->time_limit_s;
        lo.reserve_kwh = p->reserve_kwh;
        rc = zp_dispatch_optimal(ctx, in, &lo, &r->flows, &r->lp);
        if (rc == ZP_OK) {
            r->dispatch = r->lp.fell_back ? "rule (LP failed)" : "optimal";
            r->solves = 1;
            r->fallbacks = (size_t)r->lp.fell_back;
        }
    } else if (o->dispatch == ZP_DISPATCH_MPC) {
        zp_forecast_opts fo;
        zp_forecast_opts_init(&fo);
        if (o->forecast)
            fo = *o->forecast;
        double hz = o->horizon_h > 0 ? o->horizon_h : 48.0, rp = o->replan_h > 0 ? o->replan_h : 1.0;
        zp_mpc_opts mo = {0};
        mo.horizon_steps = (size_t)llround(hz / r->step_h);
        mo.replan_steps = (size_t)llround(rp / r->step_h);
        if (mo.horizon_steps < 1 || mo.replan_steps < 1 || mo.replan_steps > mo.horizon_steps) {
            rc = zp__error(ctx, ZP_EINVAL, "mpc: horizon %g h and re-plan %g h must be whole steps "
                           "of %g h, with the re-plan within the horizon", hz, rp, r->step_h);
            goto out;
        }
        mo.fc = &fo;
        mo.clearsky_pv_kw = p->clearsky_pv_kw; /* made by zp__sim_prepare */
        mo.no_pv = !m->npv; /* no PV array: the PV forecast is zero (in.pv_kw holds zeros) */
        mo.reserve_kwh = p->reserve_kwh;
        mo.time_limit_s = o->time_limit_s;
        zp_mpc_info mi;
        rc = zp__dispatch_mpc(ctx, in, &mo, &r->flows, &mi);
        if (rc == ZP_OK) {
            r->dispatch = "mpc";
            r->solves = mi.solves;
            r->fallbacks = mi.fallbacks;
            r->lp.iterations = (int)(mi.iterations > INT_MAX ? INT_MAX : mi.iterations);
            r->lp.solve_s = mi.solve_s;
        }
    } else {
        rc = zp__error(ctx, ZP_EINVAL, "unknown dispatch method %d", (int)o->dispatch);
    }
out:
    /* The arrays were borrowed by in only for the dispatch. */
    in->import_price_cny_per_kwh = ip0;
    in->export_price_cny_per_kwh = xp0;
    in->grid_factor_kg_per_kwh = gf0;
    for (size_t k = 0; k < 3; k++)
        zp__free(ctx, own[k]);
    zp__free(ctx, p->clearsky_pv_kw);
    p->clearsky_pv_kw = NULL;
    return rc;
}

typedef struct sim_cons {
    const double *firm_kw;
    const zp_dispatch_result *f;
} sim_cons;

/* Consumption in step t: demand supplied. */
static double sim_cons_at(const void *ud, size_t t)
{
    const sim_cons *c = ud;
    double cons = c->firm_kw[t] + c->f->flex_served_kw[t] - c->f->unserved_kw[t];
    return cons < 0 ? 0 : cons;
}

/* Carbon-free energy actually consumed per step (spec "hourly_matched"):
 * on-site PV and wind consumed directly, plus storage discharge of energy
 * that was charged from them. Each battery keeps a pool of stored energy
 * and the green part of it; energy present at the start counts as not
 * green. Renewables serve demand first; their surplus is what charges
 * green. A green-power contract's hourly profile adds the green power it
 * delivered in each step (the bill's); *contract_kwh (NULL: not wanted) is
 * what it added. The matching is zp__cfe_match (carbon/matching.h). */
static zp_status hourly_matching(zp_ctx *ctx, const zp_sim_result *r, const zp_model *m,
                                 const double *firm_kw, double *cfe_kw, double *consumption_kw,
                                 double *cfe_kwh, double *consumption_kwh, double *contract_kwh)
{
    const zp_dispatch_result *f = r->flows;
    const size_t ns = m->nstorage;
    const sim_cons sc = {firm_kw, f};
    zp_acct_storage *bat = zp__calloc(ctx, ns + 1, sizeof *bat);
    if (!bat)
        return zp__nomem(ctx);
    for (size_t s = 0; s < ns; s++)
        bat[s] = (zp_acct_storage){m->storage[s].name, f->storage[s].charge_kw,
                                   f->storage[s].discharge_kw, m->storage[s].charge_efficiency,
                                   m->storage[s].discharge_efficiency,
                                   f->storage[s].soc_start * m->storage[s].energy_kwh};
    *consumption_kwh = 0;
    for (size_t t = 0; t < r->steps; t++) {
        double cons = sim_cons_at(&sc, t);
        if (consumption_kw)
            consumption_kw[t] = cons;
        *consumption_kwh += cons * r->step_h;
    }
    const zp__cfe_run run = {r->steps,    r->step_h, f->pv_used_kw,
                             f->wind_used_kw, sim_cons_at, &sc,
                             bat,         ns,        r->bill ? r->bill->green_kw : NULL};
    zp_status rc = zp__cfe_match(ctx, &run, cfe_kw, cfe_kwh, contract_kwh);
    zp__free(ctx, bat);
    return rc;
}

/* Everything after the dispatch (r->flows): energy, the bill, the
 * objective, emissions, green shares, outage figures, targets, the CSV
 * columns and the market-based figures of the accounting engine. */
static zp_status sim_totals(sim_priv *p, const zp_model *m)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    zp_status rc;
    zp_sim_energy *e = &r->energy_kwh;
    sim_sums sums = {0};
    sim_energy(p, m, &sums);
    /* The bill (bill.c): cost_cny is its total, and the objective's cost. */
    if ((rc = zp__sim_bill(p)))
        return rc;
    sums.cost = r->cost_cny;
    sim_objective(p, m, &sums);
    if ((rc = sim_emissions(p, m, &sums)))
        return rc;
    double cert_kwh = sums.cert_kwh;

    double cons = 0, cfe = 0, contract_cfe = 0;
    if ((rc = hourly_matching(ctx, r, m, p->firm_kw, NULL, NULL, &cfe, &cons, &contract_cfe)))
        return rc;
    /* What an outage left without supply. Supply goes to the critical load
     * first, so its shortfall is what the whole shortfall exceeds the
     * non-critical demand by. */
    sim_outage(p);
    r->green_share_hourly_pct = cons > 0 ? 100.0 * cfe / cons : 0.0;
    /* a green-power contract counts once: its delivered energy, of which
     * an hourly profile's part is already in cfe */
    const double green_kwh = r->bill->green_mwh * 1000.0;
    double vol = cons > 0 ? 100.0 * (cfe - contract_cfe + cert_kwh + green_kwh) / cons : 0.0;
    r->green_share_volumetric_pct = vol > 100.0 ? 100.0 : vol;
    r->pue = e->datacenter_it > 0 ? e->datacenter_facility / e->datacenter_it : NAN;

    sim_targets(p, m);
    return (rc = sim_columns(p, m)) ? rc : sim_market(p, m);
}

zp_status zp_simulate(zp_ctx *ctx, const zp_model *m, const zp_sim_opts *opts_in,
                      zp_sim_result **out)
{
    zp_sim_opts opts;
    if (opts_in)
        opts = *opts_in;
    else
        zp_sim_opts_init(&opts);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    zp_status rc = ZP_OK;
    zp_dispatch_flex *flex = NULL;
    sim_priv *p = zp__sim_priv_new(ctx, m);
    if (!p)
        return ZP_ENOMEM;
    zp_sim_result *r = &p->pub;
    r->dispatch = "rule";

    zp_dispatch_input in;
    p->want_clearsky = opts.dispatch == ZP_DISPATCH_MPC;
    if ((rc = zp__sim_prepare(p, m, &opts, NULL, &in, &flex)))
        goto fail;
    const size_t n = r->steps;
    if ((rc = run_dispatch(p, m, &opts, &in)))
        goto fail;
    zp__free(ctx, flex);
    flex = NULL;

    if (opts.progress)
        opts.progress(opts.progress_ud, n, n);

    if ((rc = sim_totals(p, m)))
        goto fail;

    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    *out = r;
    return ZP_OK;
fail:
    zp__free(ctx, flex);
    zp_sim_result_free(ctx, r);
    return rc ? rc : ZP_ENOMEM;
}

size_t zp_sim_column_count(const zp_sim_result *r) { return ((const sim_priv *)r)->ncols; }

const char *zp_sim_column_name(const zp_sim_result *r, size_t i)
{
    const sim_priv *p = (const sim_priv *)r;
    return i < p->ncols ? p->cols[i].name : NULL;
}

const double *zp_sim_column(const zp_sim_result *r, size_t i)
{
    /* The result is const to the caller; the scratch buffer behind derived
     * columns is the result's own business (borrowed until the next call). */
    sim_priv *p = (sim_priv *)(uintptr_t)r;
    if (i >= p->ncols)
        return NULL;
    const sim_col *c = &p->cols[i];
    if (c->kind == COL_ARRAY)
        return c->v;
    if (!p->scratch && !(p->scratch = zp__calloc(p->ctx, r->steps ? r->steps : 1, sizeof(double))))
        return NULL;
    double a, b;
    switch (c->kind) {
    case COL_CFE:
        if (hourly_matching(p->ctx, r, r->model, p->firm_kw, p->scratch, NULL, &a, &b, NULL))
            return NULL;
        break;
    case COL_CONSUMPTION:
        if (hourly_matching(p->ctx, r, r->model, p->firm_kw, NULL, p->scratch, &a, &b, NULL))
            return NULL;
        break;
    case COL_SCOPE2_KG:
        for (size_t t = 0; t < r->steps; t++)
            p->scratch[t] = r->flows->grid_import_kw[t] * r->step_h *
                            GRID_EF(r, t);
        break;
    case COL_DC_FACILITY:
        for (size_t t = 0; t < r->steps; t++)
            p->scratch[t] = DC_FACILITY(p, t);
        break;
    default:
        return NULL;
    }
    return p->scratch;
}

/* ---- results document ------------------------------------------------- */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static int p_reserve_held(const zp_sim_result *r) { return ((const sim_priv *)r)->reserve_kwh != NULL; }

zp_status zp_sim_result_json(zp_ctx *ctx, const zp_sim_result *r, int indent, char **out)
{
    const zp_model *m = r->model;
    char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
    json_t *doc = json_object();
    if (!doc)
        return zp__nomem(ctx);
    json_object_set_new(doc, "model", json_string(m->name));
    json_object_set_new(doc, "period",
                        json_pack("{s:s, s:s, s:i, s:I}", "start",
                                  zp_time_format(r->start, m->utc_offset_min, a), "end",
                                  zp_time_format(r->start + (zp_time_t)r->steps * r->step_s, m->utc_offset_min, b),
                                  "step_min", (int)(r->step_s / 60), "steps", (json_int_t)r->steps));
    json_object_set_new(doc, "dispatch", json_string(r->dispatch));
    /* energy_kwh: each key is its field's name, in the document's order */
#define ENERGY_KEY(f) {#f, offsetof(zp_sim_energy, f)}
    static const struct {
        const char *key;
        size_t off;
    } energy_keys[] = {ENERGY_KEY(load), ENERGY_KEY(datacenter_it),
                       ENERGY_KEY(datacenter_facility), ENERGY_KEY(pv), ENERGY_KEY(wind),
                       ENERGY_KEY(grid_import), ENERGY_KEY(grid_export),
                       ENERGY_KEY(storage_charge), ENERGY_KEY(storage_discharge),
                       ENERGY_KEY(curtailed), ENERGY_KEY(unserved), ENERGY_KEY(delayed)};
#undef ENERGY_KEY
    json_t *en = json_object();
    for (size_t k = 0; k < ZP_ARRAY_LEN(energy_keys); k++) {
        double v;
        memcpy(&v, (const char *)&r->energy_kwh + energy_keys[k].off, sizeof v);
        json_object_set_new(en, energy_keys[k].key, num(v));
    }
    json_object_set_new(doc, "energy_kwh", en);
    const zp_sim_emissions *em = &r->emissions_t;
    json_object_set_new(doc, "emissions_t",
                        json_pack("{s:o, s:o, s:o, s:o, s:o}", "scope1", num(em->scope1),
                                  "scope2_location", num(em->scope2_location), "scope2_market",
                                  num(em->scope2_market), "total_location", num(em->total_location),
                                  "total_market", num(em->total_market)));
    json_object_set_new(doc, "green_share_pct",
                        json_pack("{s:o, s:o}", "annual_volumetric", num(r->green_share_volumetric_pct),
                                  "hourly_matched", num(r->green_share_hourly_pct)));
    json_object_set_new(doc, "pue", num(r->pue));
    json_object_set_new(doc, "indicator", zp__indicator_json(&r->indicator));
    json_object_set_new(doc, "cost_cny", num(r->cost_cny));
    if (zp__sim_bill_json(r, doc)) {
        json_decref(doc);
        return zp__nomem(ctx);
    }
    json_t *tg = json_array();
    for (size_t i = 0; i < r->ntargets; i++)
        json_array_append_new(tg, json_pack("{s:s, s:o, s:o, s:b}", "name", r->targets[i].name,
                                            "limit", num(r->targets[i].limit), "value",
                                            num(r->targets[i].value), "met", r->targets[i].met));
    json_object_set_new(doc, "targets", tg);
    static const char *const obj_names[] = {"carbon", "cost", "cost_with_carbon_price"};
    json_object_set_new(doc, "objective",
                        json_pack("{s:s, s:o, s:o, s:s}", "minimise", obj_names[m->objective], "value",
                                  num(r->objective), "storage_adjustment",
                                  num(r->objective_storage_adjustment), "unit",
                                  m->objective == ZP_MINIMISE_CARBON ? "kg CO2" : "CNY"));
    json_object_set_new(doc, "solver",
                        json_pack("{s:I, s:I, s:I, s:o}", "solves", (json_int_t)r->solves,
                                  "fallbacks", (json_int_t)r->fallbacks, "iterations",
                                  (json_int_t)r->lp.iterations, "seconds",
                                  num(r->lp.build_s + r->lp.solve_s)));
    /* Beyond the stable core: what the numbers rest on. */
    json_object_set_new(doc, "factors",
                        json_pack("{s:s?, s:o, s:i, s:s?, s:s?, s:o, s:o, s:s?, s:f}", "grid_source",
                                  r->grid_factor_source, "grid_kg_per_kwh",
                                  num(r->grid_factor_constant_kg_per_kwh), "grid_year",
                                  r->grid_factor_year, "grid_region", r->grid_factor_region,
                                  "grid_rule", r->grid_factor_rule,
                                  "grid_import_weighted_kg_per_kwh", num(r->grid_import_weighted_kg_per_kwh),
                                  "market_residual_kg_per_kwh", num(r->market_factor_kg_per_kwh),
                                  "market_residual_source", r->market_factor_source,
                                  "green_certificates_mwh", m->green_certificates_mwh));
    json_t *pv = json_array();
    for (size_t i = 0; i < m->npv; i++) {
        const zp_pv_totals *t = &r->pv_totals[i];
        json_array_append_new(
            pv, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "name", m->pv[i].name,
                          "poa_kwh_m2", num(t->poa_kwh_m2), "dc_kwh", num(t->dc_kwh),
                          "inverter_loss_kwh", num(t->inverter_loss_kwh), "clipping_kwh",
                          num(t->clipping_kwh), "ac_kwh", num(t->ac_kwh), "specific_yield_kwh_kwp",
                          num(t->ac_kwh / m->pv[i].capacity_kwp), "capacity_factor_pct",
                          num(100.0 * t->ac_kwh / (m->pv[i].capacity_kwp * (double)r->steps * r->step_h))));
    }
    json_object_set_new(doc, "pv", pv);
    if (r->outage_steps || m->resilience.present)
        json_object_set_new(
            doc, "resilience",
            json_pack("{s:I, s:b, s:o, s:o, s:o, s:o}", "outage_steps", (json_int_t)r->outage_steps,
                      "reserve_held", p_reserve_held(r), "demand_kwh", num(r->outage_demand_kwh),
                      "served_kwh", num(r->outage_served_kwh), "critical_demand_kwh",
                      num(r->critical_demand_kwh), "critical_served_kwh",
                      num(r->critical_served_kwh)));
    json_object_set_new(doc, "weather_repairs",
                        json_pack("{s:I}", "night_irradiance_zeroed", (json_int_t)r->weather_night_zeroed));
    json_object_set_new(doc, "seconds", json_real(r->seconds));
    char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12) |
                                     (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT));
    json_decref(doc);
    if (!text)
        return zp__nomem(ctx);
    char *copy = zp__strdup(ctx, text);
    free(text);
    if (!copy)
        return zp__nomem(ctx);
    *out = copy;
    return ZP_OK;
}

void zp_sim_text_free(zp_ctx *ctx, char *text) { zp__free(ctx, text); }

/* ---- for engines above the simulation (sim/evaluate.h) ------------------ */

zp_status zp__sim_inputs(zp_ctx *ctx, const zp_model *m, const zp_sim_opts *opts_in,
                         zp_sim_result **out, zp_dispatch_input *in,
                         const double **reserve_kwh)
{
    zp_sim_opts opts;
    if (opts_in)
        opts = *opts_in;
    else
        zp_sim_opts_init(&opts);
    *out = NULL;
    zp_status rc;
    double *own[3] = {NULL, NULL, NULL};
    sim_priv *p = zp__sim_priv_new(ctx, m);
    if (!p)
        return ZP_ENOMEM;
    zp_sim_result *r = &p->pub;
    r->dispatch = "optimal";
    if ((rc = zp__sim_prepare(p, m, &opts, NULL, in, &p->flex)) ||
        (rc = optimiser_prices(p, m, &opts, in, own)))
        goto fail;
    /* the result keeps them (zp_sim_result_free) */
    for (size_t k = 0; k < 3; k++) {
        if (!own[k])
            continue;
        if (zp__grow(ctx, (void **)&p->arrays, &p->caparrays, p->narrays + 1, sizeof *p->arrays)) {
            rc = ZP_ENOMEM;
            goto fail;
        }
        p->arrays[p->narrays++] = own[k];
        own[k] = NULL;
    }
    *reserve_kwh = p->reserve_kwh;
    *out = r;
    return ZP_OK;
fail:
    for (size_t k = 0; k < 3; k++)
        zp__free(ctx, own[k]);
    zp_sim_result_free(ctx, r);
    return rc ? rc : ZP_ENOMEM;
}

zp_status zp__sim_evaluate(zp_sim_result *r, zp_dispatch_result *flows)
{
    sim_priv *p = (sim_priv *)r;
    zp_dispatch_result_free(p->ctx, r->flows);
    r->flows = flows;
    r->dispatch = flows->method;
    return sim_totals(p, r->model);
}
