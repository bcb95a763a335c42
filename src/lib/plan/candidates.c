/*
 * candidates.c - the candidates' physics and costs (docs/planning.md): the
 * profile model (the park with each new candidate at a unit size, so one
 * preparation of the run gives every profile), the profiles per kWp and
 * per kW, the accounting constants of the targets, the annuity, and the
 * built park (the model with the plan's sizes).
 */
#include "plan/plan_impl.h"

#include "sim/evaluate.h"
#include "zeropark/sim.h"

#include <math.h>
#include <string.h>

double zp__plan_crf(double rate, double years)
{
    if (!(rate > 0))
        return 1.0 / years;
    return rate / (1.0 - pow(1.0 + rate, -years));
}

static size_t new_count_pv(const zp_planning *pl)
{
    size_t k = 0;
    for (size_t i = 0; i < pl->npv; i++)
        k += !pl->pv[i].extends;
    return k;
}

static size_t new_count_wind(const zp_planning *pl)
{
    size_t k = 0;
    for (size_t i = 0; i < pl->nwind; i++)
        k += !pl->wind[i].extends;
    return k;
}

static size_t new_count_storage(const zp_planning *pl)
{
    size_t k = 0;
    for (size_t i = 0; i < pl->nstorage; i++)
        k += !pl->storage[i].extends;
    return k;
}

/* The objective the plan minimises: money (docs/planning.md). */
static void money_objective(const plan_lp *P, zp_model *pm)
{
    const double cp = P->o.carbon_price_cny_per_t;
    if (!isnan(cp)) {
        pm->objective = cp > 0 ? ZP_MINIMISE_COST_WITH_CARBON_PRICE : ZP_MINIMISE_COST;
        pm->carbon_price_cny_per_t = cp;
    } else if (pm->objective == ZP_MINIMISE_CARBON) {
        pm->objective = ZP_MINIMISE_COST;
    }
}

/* The park with each new candidate at a unit size: PV arrays of 1 kWp,
 * one turbine, batteries of 1 kWh / 1 kW (their sizes are the LP's). */
static zp_status profile_model(plan_lp *P)
{
    zp_ctx *ctx = P->ctx;
    const zp_model *m = P->m;
    const zp_planning *pl = P->pl;
    zp_model *pm = &P->pm;
    *pm = *m;
    money_objective(P, pm);
    size_t npv = m->npv + new_count_pv(pl), nw = m->nwind + new_count_wind(pl),
           ns = m->nstorage + new_count_storage(pl);
    P->pm_pv = zp__calloc(ctx, npv + 1, sizeof *P->pm_pv);
    P->pm_wind = zp__calloc(ctx, nw + 1, sizeof *P->pm_wind);
    P->pm_storage = zp__calloc(ctx, ns + 1, sizeof *P->pm_storage);
    if (!P->pm_pv || !P->pm_wind || !P->pm_storage)
        return zp__nomem(ctx);
    if (m->npv)
        memcpy(P->pm_pv, m->pv, m->npv * sizeof *m->pv);
    if (m->nwind)
        memcpy(P->pm_wind, m->wind, m->nwind * sizeof *m->wind);
    if (m->nstorage)
        memcpy(P->pm_storage, m->storage, m->nstorage * sizeof *m->storage);
    size_t k = m->npv;
    for (size_t i = 0; i < pl->npv; i++)
        if (!pl->pv[i].extends)
            P->pm_pv[k++] = pl->pv[i].array;
    k = m->nwind;
    for (size_t i = 0; i < pl->nwind; i++)
        if (!pl->wind[i].extends)
            P->pm_wind[k++] = pl->wind[i].turbine;
    k = m->nstorage;
    for (size_t i = 0; i < pl->nstorage; i++)
        if (!pl->storage[i].extends) {
            zp_storage u = pl->storage[i].unit;
            u.energy_kwh = 1.0;
            u.power_kw = 1.0;
            P->pm_storage[k++] = u;
        }
    pm->pv = P->pm_pv;
    pm->npv = npv;
    pm->wind = P->pm_wind;
    pm->nwind = nw;
    pm->storage = P->pm_storage;
    pm->nstorage = ns;
    return ZP_OK;
}

/* The model's own PV and wind, and each candidate's profile. */
static zp_status profiles(plan_lp *P)
{
    zp_ctx *ctx = P->ctx;
    const zp_model *m = P->m;
    const zp_planning *pl = P->pl;
    const zp_sim_result *r = P->prep;
    const size_t n = P->n;
    P->pv_exist = zp__calloc(ctx, n, sizeof *P->pv_exist);
    P->wind_exist = zp__calloc(ctx, n, sizeof *P->wind_exist);
    P->phi = zp__calloc(ctx, pl->npv + 1, sizeof *P->phi);
    P->psi = zp__calloc(ctx, pl->nwind + 1, sizeof *P->psi);
    if (!P->pv_exist || !P->wind_exist || !P->phi || !P->psi)
        return zp__nomem(ctx);
    for (size_t a = 0; a < m->npv; a++)
        for (size_t t = 0; t < n; t++)
            P->pv_exist[t] += r->pv_array_kw[a][t];
    for (size_t a = 0; a < m->nwind; a++)
        for (size_t t = 0; t < n; t++)
            P->wind_exist[t] += r->wind_farm_kw[a][t];
    size_t k = m->npv;
    for (size_t i = 0; i < pl->npv; i++) {
        const zp_plan_pv *c = &pl->pv[i];
        if (!(P->phi[i] = zp__calloc(ctx, n, sizeof **P->phi)))
            return zp__nomem(ctx);
        const double *src = c->extends ? r->pv_array_kw[c->extends_index] : r->pv_array_kw[k++];
        double per = c->extends ? m->pv[c->extends_index].capacity_kwp : 1.0;
        for (size_t t = 0; t < n; t++)
            P->phi[i][t] = src[t] / per;
    }
    k = m->nwind;
    for (size_t i = 0; i < pl->nwind; i++) {
        const zp_plan_wind *c = &pl->wind[i];
        if (!(P->psi[i] = zp__calloc(ctx, n, sizeof **P->psi)))
            return zp__nomem(ctx);
        const double *src;
        double per;
        if (c->extends) {
            const zp_wind *w = &m->wind[c->extends_index];
            src = r->wind_farm_kw[c->extends_index];
            per = (double)w->count * w->rated_kw;
        } else {
            src = r->wind_farm_kw[k++];
            per = c->turbine.rated_kw;
        }
        for (size_t t = 0; t < n; t++)
            P->psi[i][t] = src[t] / per;
    }
    return ZP_OK;
}

/* The model as it is, its own optimal dispatch in money: the baseline of
 * the economics, and the accounting constants the targets need (Scope 1,
 * the residual factor, what its own contract delivers). */
static zp_status baseline(plan_lp *P)
{
    zp_ctx *ctx = P->ctx;
    zp_model bm = *P->m;
    money_objective(P, &bm);
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.dispatch = ZP_DISPATCH_OPTIMAL;
    so.time_limit_s = P->o.time_limit_s;
    zp_sim_result *r = NULL;
    zp_status rc = zp_simulate(ctx, &bm, &so, &r);
    if (rc)
        return rc;
    P->s1_t = r->emissions_t.scope1;
    /* the indicator's energy: electricity at the equal-value rate plus the
     * fuels (what the indicator has besides the electricity) */
    const zp_indicator *ind = &r->indicator;
    P->k_tce_per_kwh = isfinite(ind->power_coal_gce_per_kwh) ? ind->power_coal_gce_per_kwh / 1e6 : 0.0;
    P->fuels_tce = isfinite(ind->energy_tce_equal_value) && isfinite(ind->electricity_kwh)
                       ? ind->energy_tce_equal_value - ind->electricity_kwh * P->k_tce_per_kwh
                       : 0.0;
    P->rho = r->market_factor_kg_per_kwh;
    P->gp0_mwh = r->bill ? r->bill->green_mwh : 0.0;
    P->cert0_mwh = P->m->green_certificates_mwh;
    P->inst0_mwh = P->cert0_mwh + P->m->accounting.green_power_contracts_mwh + P->gp0_mwh;
    double carbon = bm.objective == ZP_MINIMISE_COST_WITH_CARBON_PRICE
                        ? bm.carbon_price_cny_per_t * r->emissions_t.scope2_location
                        : 0.0;
    P->baseline_annual = (r->cost_cny + carbon) / P->f;
    /* the plan may not shed more load than the park as it is */
    if (!(P->uns_max = zp__calloc(ctx, r->steps + 1, sizeof *P->uns_max))) {
        zp_sim_result_free(ctx, r);
        return zp__nomem(ctx);
    }
    memcpy(P->uns_max, r->flows->unserved_kw, r->steps * sizeof *P->uns_max);
    zp_sim_result_free(ctx, r);
    return ZP_OK;
}

zp_status zp__plan_prepare(plan_lp *P)
{
    zp_status rc;
    zp_ctx *ctx = P->ctx;
    if ((rc = profile_model(P)) ||
        (rc = zp__sim_inputs(ctx, &P->pm, NULL, &P->prep, &P->in, &P->reserve_kwh)))
        return rc;
    P->n = P->in.steps;
    P->dt = P->in.step_h;
    P->nmonths = P->in.nmonths;
    P->month_of_step = P->in.month_of_step;
    double sum = 0;
    for (size_t mo = 0; mo < P->nmonths; mo++)
        sum += P->in.month_fraction ? P->in.month_fraction[mo] : 1.0;
    P->f = sum / 12.0;
    if ((rc = profiles(P)))
        return rc;
    P->in.pv_kw = P->pv_exist;
    P->in.wind_kw = P->wind_exist;
    double d = 0;
    for (size_t t = 0; t < P->n; t++) {
        d += P->in.firm_kw ? P->in.firm_kw[t] : 0.0;
        for (size_t j = 0; j < P->in.nflex; j++) {
            const zp_dispatch_flex *fl = &P->in.flex[j];
            d += fl->share > 0 ? fl->share * fl->kw[t] : fl->kw[t];
        }
    }
    P->demand_kwh = d * P->dt;
    return baseline(P);
}

/* ---- the built park --------------------------------------------------------- */

/* A turbine of rated kW scaled by s (its curve too): the farm's power is
 * count x s x the unscaled turbine's. */
static zp_status scaled_turbine(zp_ctx *ctx, plan_built *b, zp_wind *w, double s)
{
    if (s == 1.0)
        return ZP_OK;
    double(*c)[2] = zp__calloc(ctx, w->power_curve_len, sizeof *c);
    if (!c)
        return zp__nomem(ctx);
    for (size_t i = 0; i < w->power_curve_len; i++) {
        c[i][0] = w->power_curve[i][0];
        c[i][1] = w->power_curve[i][1] * s;
    }
    w->power_curve = c;
    w->rated_kw *= s;
    b->curves[b->ncurves++] = c;
    return ZP_OK;
}

/* A farm of total kW of turbines of rated kW each (whole: a whole count). */
static zp_status size_farm(zp_ctx *ctx, plan_built *b, zp_wind *w, double total_kw, int whole)
{
    double r0 = w->rated_kw;
    double count = whole ? floor(total_kw / r0 + 0.5) : ceil(total_kw / r0 - 1e-9);
    if (count < 1)
        count = 1;
    w->count = (int)count;
    return whole ? ZP_OK : scaled_turbine(ctx, b, w, total_kw / (count * r0));
}

zp_status zp__plan_built(plan_lp *P, const double *x, plan_built *b)
{
    zp_ctx *ctx = P->ctx;
    const zp_model *m = P->m;
    const zp_planning *pl = P->pl;
    zp_status rc;
    memset(b, 0, sizeof *b);
    b->m = P->pm;
    b->pv = zp__calloc(ctx, m->npv + pl->npv + 1, sizeof *b->pv);
    b->wind = zp__calloc(ctx, m->nwind + pl->nwind + 1, sizeof *b->wind);
    b->storage = zp__calloc(ctx, m->nstorage + pl->nstorage + 1, sizeof *b->storage);
    b->curves = zp__calloc(ctx, m->nwind + pl->nwind + 1, sizeof *b->curves);
    b->st_map = zp__calloc(ctx, P->in.nstorage + 1, sizeof *b->st_map);
    if (!b->pv || !b->wind || !b->storage || !b->curves || !b->st_map)
        return zp__nomem(ctx);
    size_t npv = m->npv, nw = m->nwind, ns = m->nstorage;
    if (m->npv)
        memcpy(b->pv, m->pv, m->npv * sizeof *b->pv);
    if (m->nwind)
        memcpy(b->wind, m->wind, m->nwind * sizeof *b->wind);
    if (m->nstorage)
        memcpy(b->storage, m->storage, m->nstorage * sizeof *b->storage);
    for (size_t i = 0; i < pl->npv; i++) {
        const zp_plan_pv *c = &pl->pv[i];
        double xk = zp__plan_size(P, x, P->c_pv + i);
        if (c->extends) {
            zp_pv *a = &b->pv[c->extends_index];
            double grow = (a->capacity_kwp + xk) / a->capacity_kwp;
            a->capacity_kwp += xk;
            a->inverter_kw *= grow;
        } else if (xk > 0) {
            zp_pv a = c->array;
            a.capacity_kwp = xk;
            a.inverter_kw = xk / c->dc_ac_ratio;
            b->pv[npv++] = a;
        }
    }
    for (size_t i = 0; i < pl->nwind; i++) {
        const zp_plan_wind *c = &pl->wind[i];
        double y = zp__plan_size(P, x, P->c_wind + i);
        if (c->extends) {
            zp_wind *w = &b->wind[c->extends_index];
            if (y > 0 &&
                (rc = size_farm(ctx, b, w, (double)w->count * w->rated_kw + y, c->whole_turbines)))
                return rc;
        } else if (y > 0) {
            zp_wind w = c->turbine;
            if ((rc = size_farm(ctx, b, &w, y, c->whole_turbines)))
                return rc;
            b->wind[nw++] = w;
        }
    }
    for (size_t k = 0; k < m->nstorage; k++)
        b->st_map[k] = k;
    size_t knew = m->nstorage;
    for (size_t i = 0; i < pl->nstorage; i++) {
        const zp_plan_storage *c = &pl->storage[i];
        size_t col = P->c_st + 2 * i;
        double e = zp__plan_size(P, x, col), q = zp__plan_size(P, x, col + 1);
        if (c->extends) {
            b->storage[c->extends_index].energy_kwh += e;
            b->storage[c->extends_index].power_kw += q;
        } else {
            if (e > 0 && q > 0) {
                zp_storage s = c->unit;
                s.energy_kwh = e;
                s.power_kw = q;
                b->st_map[knew] = ns;
                b->storage[ns++] = s;
            } else {
                b->st_map[knew] = SIZE_MAX;
            }
            knew++;
        }
    }
    b->m.pv = b->pv;
    b->m.npv = npv;
    b->m.wind = b->wind;
    b->m.nwind = nw;
    b->m.storage = b->storage;
    b->m.nstorage = ns;
    if (P->c_cert != SIZE_MAX)
        b->m.green_certificates_mwh += P->f * zp__plan_size(P, x, P->c_cert);
    if (P->c_gp != SIZE_MAX && zp__plan_size(P, x, P->c_gp) > 0) {
        zp_green_power *gp = &b->m.grid.green_power;
        memset(gp, 0, sizeof *gp);
        gp->present = 1;
        gp->mwh_per_month = zp__plan_size(P, x, P->c_gp) / 12.0;
        gp->premium_cny_per_mwh = pl->green_power.price_cny_per_mwh;
    }
    b->m.targets.max_emissions_t = P->max_emissions_t;
    b->m.targets.min_green_share_pct = P->min_green_pct;
    memset(&b->m.planning, 0, sizeof b->m.planning);
    return ZP_OK;
}

void zp__plan_built_free(zp_ctx *ctx, plan_built *b)
{
    for (size_t i = 0; b->curves && i < b->ncurves; i++)
        zp__free(ctx, b->curves[i]);
    zp__free(ctx, b->curves);
    zp__free(ctx, b->pv);
    zp__free(ctx, b->wind);
    zp__free(ctx, b->storage);
    zp__free(ctx, b->st_map);
    memset(b, 0, sizeof *b);
}

void zp__plan_free(plan_lp *P)
{
    zp_ctx *ctx = P->ctx;
    for (size_t i = 0; P->phi && i < P->pl->npv; i++)
        zp__free(ctx, P->phi[i]);
    for (size_t i = 0; P->psi && i < P->pl->nwind; i++)
        zp__free(ctx, P->psi[i]);
    void *owned[] = {P->phi,   P->psi,    P->pv_exist, P->wind_exist, P->pm_pv,
                     P->pm_wind, P->pm_storage, P->start, P->index,  P->value,
                     P->collb, P->colub,  P->obj,     P->rowlb,      P->rowub,
                     P->integer, P->cap_obj, P->capex_unit, P->uns_max, P->rname};
    for (size_t k = 0; k < ZP_ARRAY_LEN(owned); k++)
        zp__free(ctx, owned[k]);
    zp_lp_free(P->lp);
    zp_sim_result_free(ctx, P->prep);
}

/* ---- the dispatch input at given sizes -------------------------------------- */

/* The LP storage index of battery candidate i. */
size_t zp__plan_storage_index(const plan_lp *P, size_t i)
{
    const zp_planning *pl = P->pl;
    if (pl->storage[i].extends)
        return pl->storage[i].extends_index;
    size_t k = P->m->nstorage;
    for (size_t j = 0; j < i; j++)
        k += !pl->storage[j].extends;
    return k;
}

zp_status zp__plan_input(plan_lp *P, const double *x, int extract, plan_input *fi)
{
    zp_ctx *ctx = P->ctx;
    const size_t n = P->n, K = P->in.nstorage;
    const zp_planning *pl = P->pl;
    memset(fi, 0, sizeof *fi);
    fi->in = P->in;
    if (!(fi->pv = zp__calloc(ctx, n, sizeof *fi->pv)) ||
        !(fi->wind = zp__calloc(ctx, n, sizeof *fi->wind)) ||
        !(fi->soc0 = zp__calloc(ctx, K + 1, sizeof *fi->soc0)) ||
        !(fi->st = zp__calloc(ctx, K + 1, sizeof *fi->st)))
        return zp__nomem(ctx);
    for (size_t t = 0; t < n; t++) {
        fi->pv[t] = P->pv_exist[t];
        fi->wind[t] = P->wind_exist[t];
        for (size_t i = 0; i < pl->npv; i++)
            fi->pv[t] += P->phi[i][t] * zp__plan_size(P, x, P->c_pv + i);
        for (size_t i = 0; i < pl->nwind; i++)
            fi->wind[t] += P->psi[i][t] * zp__plan_size(P, x, P->c_wind + i);
    }
    for (size_t k = 0; k < K; k++) {
        fi->st[k] = P->in.storage[k];
        fi->soc0[k] = P->in.soc_initial ? P->in.soc_initial[k] : fi->st[k].soc_initial;
    }
    for (size_t i = 0; i < pl->nstorage; i++) {
        size_t k = zp__plan_storage_index(P, i);
        double e = zp__plan_size(P, x, P->c_st + 2 * i), q = zp__plan_size(P, x, P->c_st + 2 * i + 1);
        zp_storage *s = &fi->st[k];
        if (pl->storage[i].extends) {
            s->energy_kwh += e;
            s->power_kw += q;
        } else if (e > 0 && q > 0) {
            s->energy_kwh = e;
            s->power_kw = q;
        } else if (extract) {
            /* not built: its flows are all 0, its placeholder starts empty */
            fi->soc0[k] = 0.0;
        }
    }
    fi->in.pv_kw = fi->pv;
    fi->in.wind_kw = fi->wind;
    fi->in.storage = fi->st;
    fi->in.soc_initial = fi->soc0;
    return ZP_OK;
}

void zp__plan_input_free(zp_ctx *ctx, plan_input *fi)
{
    zp__free(ctx, fi->pv);
    zp__free(ctx, fi->wind);
    zp__free(ctx, fi->soc0);
    zp__free(ctx, fi->st);
}
