/*
 * plan.c - zp_planning_solve (zeropark/plan.h, docs/planning.md) in named
 * steps: the scenario resolved, the run prepared with every candidate's
 * profile (candidates.c), the LP formulated (formulation.c) and solved
 * (solve.c); then the plan read back: the sizes, the operation as a
 * dispatch result on the built park, evaluated as `simulate` does
 * (sim/evaluate.h: the one bill, accounting and matching), the targets
 * with their shadow prices, and the economics against the model as it is.
 */
#include "plan/plan_impl.h"

#include "sim/evaluate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void zp_planning_opts_init(zp_planning_opts *o)
{
    memset(o, 0, sizeof *o);
    o->discount_rate = NAN;
    o->capex_scale_pv = o->capex_scale_wind = o->capex_scale_storage = 1.0;
    o->carbon_price_cny_per_t = NAN;
    o->max_emissions_t = NAN;
    o->min_green_share_pct = NAN;
}

void zp_planning_result_free(zp_ctx *ctx, zp_planning_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->build && i < r->nbuild; i++)
        zp__free(ctx, r->build[i].key);
    zp__free(ctx, r->build);
    result_priv *p = r->priv_;
    if (p) {
        zp_sim_result_free(ctx, p->run);
        zp__plan_built_free(ctx, &p->built);
        zp__free(ctx, p);
    }
    zp__free(ctx, r);
}

/* The scenario: the model's values where opts leave them (NaN). */
zp_status zp__plan_resolve(plan_lp *P, const zp_model *m, const zp_planning_opts *opts)
{
    zp_planning_opts d;
    if (!opts) {
        zp_planning_opts_init(&d);
        opts = &d;
    }
    P->o = *opts;
    if (isnan(P->o.discount_rate))
        P->o.discount_rate = m->planning.discount_rate;
    const double sc[] = {P->o.capex_scale_pv, P->o.capex_scale_wind, P->o.capex_scale_storage};
    for (size_t i = 0; i < 3; i++)
        if (!(sc[i] >= 0) || !isfinite(sc[i]))
            return zp__error(P->ctx, ZP_EINVAL, "plan: a capex scale is %g; it must be finite "
                             "and >= 0", sc[i]);
    if (!(P->o.discount_rate >= 0 && P->o.discount_rate < 1))
        return zp__error(P->ctx, ZP_EINVAL, "plan: the discount rate %g must be in 0..0.99",
                         P->o.discount_rate);
    if (!isnan(P->o.carbon_price_cny_per_t) &&
        !(P->o.carbon_price_cny_per_t >= 0 && isfinite(P->o.carbon_price_cny_per_t)))
        return zp__error(P->ctx, ZP_EINVAL, "plan: the carbon price %g must be >= 0",
                         P->o.carbon_price_cny_per_t);
    double e = P->o.max_emissions_t, g = P->o.min_green_share_pct;
    P->max_emissions_t = isnan(e) ? m->targets.max_emissions_t : isinf(e) ? NAN : e;
    P->min_green_pct = isnan(g) ? m->targets.min_green_share_pct : g < 0 ? NAN : g;
    if (!isnan(P->max_emissions_t) && !(P->max_emissions_t >= 0))
        return zp__error(P->ctx, ZP_EINVAL, "plan: the emission cap %g t must be >= 0",
                         P->max_emissions_t);
    P->max_t_per_tce = m->targets.max_t_co2_per_tce;
    P->min_clean_pct = m->targets.min_clean_energy_share_pct;
    if (!isnan(P->min_green_pct) && P->min_green_pct > 100)
        return zp__error(P->ctx, ZP_EINVAL, "plan: the green share %g %% must be at most 100",
                         P->min_green_pct);
    return ZP_OK;
}

/* The decisions, in model order: keys, sizes, capex and yearly cost. */
static zp_status decisions(plan_lp *P, const double *x, zp_planning_result *r)
{
    zp_ctx *ctx = P->ctx;
    const zp_planning *pl = P->pl;
    size_t n = pl->npv + pl->nwind + 2 * pl->nstorage + 3;
    if (!(r->build = zp__calloc(ctx, n, sizeof *r->build)))
        return zp__nomem(ctx);
    const double crf_r = P->o.discount_rate;
    for (size_t i = 0; i < P->nsize; i++) {
        size_t c = P->c_pv + i;
        const char *name, *kind, *unit;
        double life;
        if (i < pl->npv) {
            name = pl->pv[i].name;
            kind = "pv";
            unit = "kwp";
            life = pl->pv[i].lifetime_years;
        } else if (i < pl->npv + pl->nwind) {
            name = pl->wind[i - pl->npv].name;
            kind = "wind";
            unit = "kw";
            life = pl->wind[i - pl->npv].lifetime_years;
        } else {
            size_t s = (i - pl->npv - pl->nwind) / 2;
            name = pl->storage[s].name;
            kind = "storage";
            unit = (i - pl->npv - pl->nwind) % 2 ? "kw" : "kwh";
            life = pl->storage[s].lifetime_years;
        }
        zp_planning_build *b = &r->build[r->nbuild++];
        if (!(b->key = zp__asprintf(ctx, "%s.%s_%s", kind, name, unit)))
            return zp__nomem(ctx);
        b->value = zp__plan_size(P, x, c);
        b->capex_cny = b->value * P->capex_unit[c];
        b->annual_cny = b->value * P->cap_obj[c];
        r->capex_cny += b->capex_cny;
        r->annual_cny.capital += b->capex_cny * zp__plan_crf(crf_r, life);
        r->annual_cny.om += b->annual_cny - b->capex_cny * zp__plan_crf(crf_r, life);
    }
    const struct {
        const char *key;
        size_t col;
        double *to;
    } buys[] = {{"green_power_mwh", P->c_gp, NULL},
                {"certificates_mwh", P->c_cert, &r->annual_cny.certificates},
                {"credits_t", P->c_cred, &r->annual_cny.credits}};
    for (size_t k = 0; k < ZP_ARRAY_LEN(buys); k++) {
        zp_planning_build *b = &r->build[r->nbuild++];
        if (!(b->key = zp__strdup(ctx, buys[k].key)))
            return zp__nomem(ctx);
        if (buys[k].col == SIZE_MAX)
            continue;
        b->value = zp__plan_size(P, x, buys[k].col);
        b->annual_cny = b->value * P->cap_obj[buys[k].col];
        if (buys[k].to)
            *buys[k].to += b->annual_cny;
    }
    return ZP_OK;
}

/* The operation on the built park's batteries (those not built dropped). */
static zp_status map_flows(plan_lp *P, const plan_built *b, zp_dispatch_result *f,
                           zp_dispatch_result **out)
{
    const size_t K = P->in.nstorage, n = f->steps;
    size_t nb = b->m.nstorage;
    if (nb == K) {
        *out = f;
        return ZP_OK;
    }
    zp_dispatch_result *g = NULL;
    zp_status rc = zp_dispatch_result_new(P->ctx, n, nb, f->nflex, &g);
    if (rc)
        return rc;
    double *const from[] = {f->pv_used_kw, f->wind_used_kw, f->curtailed_kw, f->grid_import_kw,
                            f->grid_export_kw, f->unserved_kw, f->flex_served_kw,
                            f->flex_unserved_kw, f->flex_delayed_kw, f->flex_backlog_kwh};
    double *const to[] = {g->pv_used_kw, g->wind_used_kw, g->curtailed_kw, g->grid_import_kw,
                          g->grid_export_kw, g->unserved_kw, g->flex_served_kw,
                          g->flex_unserved_kw, g->flex_delayed_kw, g->flex_backlog_kwh};
    for (size_t a = 0; a < ZP_ARRAY_LEN(to); a++)
        memcpy(to[a], from[a], n * sizeof *to[a]);
    for (size_t k = 0; k < K; k++) {
        size_t bk = b->st_map[k];
        if (bk == SIZE_MAX)
            continue;
        memcpy(g->storage[bk].charge_kw, f->storage[k].charge_kw, n * sizeof(double));
        memcpy(g->storage[bk].discharge_kw, f->storage[k].discharge_kw, n * sizeof(double));
        memcpy(g->storage[bk].soc, f->storage[k].soc, n * sizeof(double));
        g->storage[bk].charge_kwh = f->storage[k].charge_kwh;
        g->storage[bk].discharge_kwh = f->storage[k].discharge_kwh;
        g->storage[bk].soc_start = f->storage[k].soc_start;
    }
    if (f->nflex)
        memcpy(g->flex, f->flex, f->nflex * sizeof *g->flex);
    g->totals = f->totals;
    g->method = f->method;
    g->step_h = f->step_h;
    zp_dispatch_result_free(P->ctx, f);
    *out = g;
    return ZP_OK;
}

/* The smallest reserve of the year in hours of the critical load. */
static double reserve_hours(const plan_lp *P, const plan_built *b, const zp_dispatch_result *f)
{
    const zp_model *bm = &b->m;
    double eta = 1.0, h = INFINITY;
    for (size_t k = 0; k < bm->nstorage; k++)
        eta = fmin(eta, bm->storage[k].discharge_efficiency);
    for (size_t t = 0; t < P->n; t++) {
        double need = P->reserve_kwh[t] * eta / bm->resilience.reserve_h; /* critical kW */
        if (!(need > 0))
            continue;
        double usable = 0;
        for (size_t k = 0; k < bm->nstorage; k++)
            usable += (f->storage[k].soc[t] - bm->storage[k].soc_min) * bm->storage[k].energy_kwh;
        h = fmin(h, usable * eta / need);
    }
    return h;
}

/* Targets as simulate checks them on the plan's operation; credits count
 * against the emission cap; binding rows get their shadow prices. */
static void targets(plan_lp *P, const plan_solution *s, const plan_built *b,
                    const zp_sim_result *run, zp_planning_result *r)
{
    double credits = P->c_cred != SIZE_MAX ? P->f * zp__plan_size(P, s->x, P->c_cred) : 0.0;
    for (size_t i = 0; i < run->ntargets && r->ntargets < ZP_ARRAY_LEN(r->targets); i++) {
        const zp_sim_target *st = &run->targets[i];
        zp_planning_target *t = &r->targets[r->ntargets++];
        t->name = st->name;
        t->limit = st->limit;
        t->value = st->value;
        t->met = st->met;
        t->shadow_price = NAN;
        size_t row = SIZE_MAX;
        double per = 0;
        if (strcmp(st->name, "max_emissions_t") == 0) {
            t->value -= credits;
            t->met = t->value <= t->limit * (1 + 1e-9) + 1e-9;
            /* a tonne less a year is f t less in the period, at f x the dual a year */
            row = P->r_emis;
            per = 1.0;
            t->shadow_unit = "CNY/t";
        } else if (strcmp(st->name, "max_t_co2_per_tce") == 0) {
            /* the limit L moves the row by L x energy_tce: per unit of L */
            t->value -= credits / run->indicator.energy_tce_equal_value;
            t->met = t->value <= t->limit * (1 + 1e-9) + 1e-12;
            row = P->r_ind;
            per = run->indicator.energy_tce_equal_value / P->f;
            t->shadow_unit = "CNY/(t/tce)";
        } else if (strcmp(st->name, "min_clean_energy_share_pct") == 0) {
            row = P->r_clean;
            per = run->indicator.energy_tce_equal_value / 100.0 / P->f;
            t->shadow_unit = "CNY/pct";
        } else if (strcmp(st->name, "min_green_share_pct") == 0) {
            /* a point of the share is a hundredth of the consumption, every year */
            row = P->r_green;
            per = (run->energy_kwh.load + run->energy_kwh.datacenter_facility -
                   run->energy_kwh.unserved) / 100.0 / P->f;
            t->shadow_unit = "CNY/pct";
        }
        if (row != SIZE_MAX && s->dual && fabs(s->dual[row]) > 1e-9) {
            t->binding = 1;
            t->shadow_price = fabs(s->dual[row]) * per;
        } else {
            t->shadow_unit = NULL;
        }
    }
    if (P->reserve_kwh && r->ntargets < ZP_ARRAY_LEN(r->targets)) {
        zp_planning_target *t = &r->targets[r->ntargets++];
        t->name = "reserve_h";
        t->limit = b->m.resilience.reserve_h;
        t->value = reserve_hours(P, b, run->flows);
        t->met = t->value >= t->limit * (1 - 1e-6);
        t->shadow_price = NAN;
    }
}

/* What the plan costs by the year, and against the model as it is. */
static void economics(plan_lp *P, const plan_solution *s, const zp_sim_result *run,
                      zp_planning_result *r)
{
    const double f = P->f, rate = P->o.discount_rate;
    zp_planning_annual *a = &r->annual_cny;
    r->operation_cost_cny = run->cost_cny;
    a->operation = run->cost_cny / f;
    if (P->pm.objective == ZP_MINIMISE_COST_WITH_CARBON_PRICE)
        a->carbon_price = P->pm.carbon_price_cny_per_t * run->emissions_t.scope2_location / f;
    a->total = a->capital + a->om + a->operation + a->certificates + a->credits + a->carbon_price;
    r->baseline_annual_cost_cny = P->baseline_annual;
    r->annual_saving_cny = P->baseline_annual - (a->total - a->capital);
    const int N = P->pl->analysis_years;
    double annuity = rate > 0 ? (1.0 - pow(1.0 + rate, -N)) / rate : (double)N;
    r->npv_cny = (P->baseline_annual - a->total) * annuity;
    r->simple_payback_years = r->annual_saving_cny > 0 && r->capex_cny > 0
                                  ? r->capex_cny / r->annual_saving_cny
                                  : NAN;
    double cost = 0, kwh = 0;
    for (size_t i = 0; i < P->pl->npv + P->pl->nwind; i++) {
        size_t c = P->c_pv + i;
        double size = zp__plan_size(P, s->x, c);
        cost += size * P->cap_obj[c];
        const double *prof = i < P->pl->npv ? P->phi[i] : P->psi[i - P->pl->npv];
        for (size_t t = 0; size > 0 && t < P->n; t++)
            kwh += prof[t] * size * P->dt;
    }
    r->lcoe_cny_per_kwh = kwh > 0 ? cost / (kwh / f) : NAN;
}

/* An optimal solution read back into r. */
static zp_status read_back(plan_lp *P, plan_solution *s, zp_planning_result *r)
{
    zp_ctx *ctx = P->ctx;
    zp_status rc;
    plan_input fi;
    zp_dispatch_result *flows = NULL;
    char why[160];
    const double *reserve = NULL;
    zp_dispatch_input in_b;
    result_priv *p = zp__calloc(ctx, 1, sizeof *p);
    if (!p)
        return zp__nomem(ctx);
    r->priv_ = p;
    if ((rc = decisions(P, s->x, r)) || (rc = zp__plan_built(P, s->x, &p->built)))
        return rc;
    rc = zp__plan_input(P, s->x, 1, &fi);
    if (!rc)
        rc = zp__lp_extract(P->lp, &fi.in, s->x, &flows, why, sizeof why);
    zp__plan_input_free(ctx, &fi);
    if (rc || (rc = map_flows(P, &p->built, flows, &flows)))
        goto fail;
    /* The built park as simulate sees it, with the plan's operation. */
    if ((rc = zp__sim_inputs(ctx, &p->built.m, NULL, &p->run, &in_b, &reserve)))
        goto fail;
    rc = zp__sim_evaluate(p->run, flows);
    flows = NULL;
    if (rc)
        return rc;
    r->run = p->run;
    targets(P, s, &p->built, p->run, r);
    economics(P, s, p->run, r);
    return ZP_OK;
fail:
    zp_dispatch_result_free(ctx, flows);
    return rc;
}

zp_status zp_planning_solve(zp_ctx *ctx, const zp_model *m, const zp_planning_opts *opts,
                            zp_planning_result **out)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!m || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_planning_solve: NULL argument");
    *out = NULL;
    if (!m->planning.present)
        return zp__error(ctx, ZP_EINVAL, "%s: the model has no \"planning\" section: add the "
                         "candidates to plan with (docs/planning.md)", m->file ? m->file : "model");
    double t0 = now_s();
    plan_lp P;
    memset(&P, 0, sizeof P);
    P.ctx = ctx;
    P.m = m;
    P.pl = &m->planning;
    plan_solution s;
    memset(&s, 0, sizeof s);
    zp_planning_result *r = NULL;
    zp_status rc;
    if ((rc = zp__plan_resolve(&P, m, opts)) || (rc = zp__plan_prepare(&P)) || (rc = zp__plan_formulate(&P)))
        goto out;
    /* extract clamps to the dispatch LP's own bounds: give it the lifted ones */
    memcpy(P.mx.collb, P.collb, P.mx.ncols * sizeof(double));
    memcpy(P.mx.colub, P.colub, P.mx.ncols * sizeof(double));
    if (P.o.mps_path && (rc = zp__plan_write_mps(&P, P.o.mps_path)))
        goto out;
    if (!(r = zp__calloc(ctx, 1, sizeof *r))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    r->model = m;
    r->year_share = P.f;
    r->integer = P.nint > 0;
    r->rows = P.nrows;
    r->cols = P.ncols;
    r->nnz = P.nnz;
    r->integers = P.nint;
    double t1 = now_s();
    r->build_s = t1 - t0;
    if ((rc = zp__plan_solve(&P, &s)))
        goto out;
    r->solve_s = now_s() - t1;
    r->iterations = s.iterations;
    r->objective = s.objective;
    r->status = s.status;
    if (s.status == ZP_PLANNING_INFEASIBLE && (rc = zp__plan_diagnose(&P, &s)))
        goto out;
    snprintf(r->status_text, sizeof r->status_text, "%s",
             s.status == ZP_PLANNING_OPTIMAL ? "optimal" : s.text);
    if (s.status == ZP_PLANNING_OPTIMAL && (rc = read_back(&P, &s, r)))
        goto out;
    r->seconds = now_s() - t0;
    *out = r;
    r = NULL;
out:
    zp_planning_result_free(ctx, r);
    zp__plan_solution_free(ctx, &s);
    zp__plan_free(&P);
    return rc;
}
