/*
 * curve.c - the abatement curve (zeropark/plan.h zp_planning_curve_solve,
 * docs/planning.md "Curve"): the plan solved for a series of values of one
 * target, on a shallow copy of the model with that target's limit set (the
 * others as the model has them), and once without it; per point the cost,
 * the emissions, the build, the target's shadow price, the average
 * abatement cost against the unconstrained plan, the finite difference of
 * the cost between neighbouring points and the Pareto front of cost
 * against the green share.
 */
#include "plan/plan_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const curve_targets[] = {"max_emissions_t", "max_t_co2_per_tce",
                                            "min_green_share_pct",
                                            "min_clean_energy_share_pct", NULL};

const char *const *zp_planning_curve_targets(void) { return curve_targets; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The model's limit of target kind k (curve_targets order). */
static double *limit_of(zp_targets *t, int k)
{
    switch (k) {
    case 0: return &t->max_emissions_t;
    case 1: return &t->max_t_co2_per_tce;
    case 2: return &t->min_green_share_pct;
    default: return &t->min_clean_energy_share_pct;
    }
}

/* "NAME: ... the best the candidates reach is V" in the plan's message. */
static double best_from_text(const char *text, const char *name)
{
    const char *p = strstr(text, name);
    if (!p || !(p = strstr(p, "reach is ")))
        return NAN;
    char *end;
    double v = strtod(p + 9, &end);
    return end == p + 9 ? NAN : v;
}

static void point_free(zp_ctx *ctx, zp_planning_curve_point *p)
{
    for (size_t i = 0; p->build && i < p->nbuild; i++)
        zp__free(ctx, p->build[i].key);
    zp__free(ctx, p->build);
    p->build = NULL;
    p->nbuild = 0;
}

/* Solve one point on mc (its target limit set by the caller). */
static zp_status solve_point(zp_ctx *ctx, const zp_model *mc, const zp_planning_opts *o, int k,
                             zp_planning_curve_point *pt, double *year_share)
{
    double t0 = now_s();
    zp_planning_result *r = NULL;
    zp_status rc = zp_planning_solve(ctx, mc, o, &r);
    if (rc)
        return rc;
    const char *name = curve_targets[k];
    *year_share = r->year_share;
    pt->status = r->status;
    snprintf(pt->status_text, sizeof pt->status_text, "%s", r->status_text);
    pt->best_reachable = NAN;
    pt->value = pt->emissions_t = pt->abatement_t_per_year = NAN;
    pt->avg_abatement_cost_cny_per_t = pt->green_share_pct = pt->t_co2_per_tce = NAN;
    pt->clean_energy_share_pct = pt->shadow_price = pt->finite_difference = NAN;
    pt->annual_cny.total = pt->capex_cny = pt->operation_cost_cny = NAN;
    if (r->status == ZP_PLANNING_INFEASIBLE)
        pt->best_reachable = best_from_text(r->status_text, name);
    if (r->status == ZP_PLANNING_OPTIMAL) {
        const zp_sim_result *run = r->run;
        double credits = 0;
        if (!(pt->build = zp__calloc(ctx, r->nbuild ? r->nbuild : 1, sizeof *pt->build))) {
            zp_planning_result_free(ctx, r);
            return zp__nomem(ctx);
        }
        for (size_t i = 0; i < r->nbuild; i++) {
            pt->build[i] = r->build[i];
            pt->build[i].key = zp__strdup(ctx, r->build[i].key);
            pt->nbuild++;
            if (!pt->build[i].key) {
                zp_planning_result_free(ctx, r);
                return zp__nomem(ctx);
            }
            if (strcmp(r->build[i].key, "credits_t") == 0)
                credits = r->build[i].value * r->year_share;
        }
        pt->annual_cny = r->annual_cny;
        pt->capex_cny = r->capex_cny;
        pt->operation_cost_cny = r->operation_cost_cny;
        pt->emissions_t = run->emissions_t.total_market - credits;
        pt->green_share_pct = run->green_share_volumetric_pct;
        double etce = run->indicator.energy_tce_equal_value;
        pt->t_co2_per_tce = etce > 0 ? pt->emissions_t / etce : NAN;
        pt->clean_energy_share_pct = run->indicator.clean_energy_share_pct;
        const double v[] = {pt->emissions_t, pt->t_co2_per_tce, pt->green_share_pct,
                            pt->clean_energy_share_pct};
        pt->value = v[k];
        if (!isnan(pt->target))
            pt->shadow_price = 0;
        for (size_t i = 0; i < r->ntargets; i++)
            if (strcmp(r->targets[i].name, name) == 0 && r->targets[i].binding)
                pt->shadow_price = r->targets[i].shadow_price;
    }
    zp_planning_result_free(ctx, r);
    pt->seconds = now_s() - t0;
    return ZP_OK;
}

static int feasible(const zp_planning_curve_point *p) { return p->status == ZP_PLANNING_OPTIMAL; }

/* The rise of the total per unit of tightening from a to b (b tighter). */
static double slope(const zp_planning_curve *c, const zp_planning_curve_point *a,
                    const zp_planning_curve_point *b)
{
    double dx = c->tighter_is_lower ? a->target - b->target : b->target - a->target;
    if (strcmp(c->target, "max_emissions_t") == 0)
        dx /= c->year_share; /* the shadow price is per tonne a year */
    return dx != 0 ? (b->annual_cny.total - a->annual_cny.total) / dx : NAN;
}

/* Finite differences, abatement and the Pareto front, once all are solved. */
static void derive(zp_planning_curve *c)
{
    const zp_planning_curve_point *b = &c->base;
    for (size_t i = 0; i < c->npoints; i++) {
        zp_planning_curve_point *p = &c->points[i];
        if (!feasible(p))
            continue;
        if (feasible(b)) {
            p->abatement_t_per_year = (b->emissions_t - p->emissions_t) / c->year_share;
            if (p->abatement_t_per_year > 1e-9)
                p->avg_abatement_cost_cny_per_t =
                    (p->annual_cny.total - b->annual_cny.total) / p->abatement_t_per_year;
        }
        /* neighbours in the order of tightness: the points are evenly spaced,
         * so the mean of the two one-sided slopes is the central difference */
        double s = 0;
        int n = 0;
        for (int d = -1; d <= 1; d += 2) {
            if ((d < 0 && i == 0) || (d > 0 && i + 1 >= c->npoints))
                continue;
            const zp_planning_curve_point *q = &c->points[(size_t)((ptrdiff_t)i + d)];
            if (!feasible(q) || q->target == p->target)
                continue;
            int q_tighter = c->tighter_is_lower ? q->target < p->target : q->target > p->target;
            double v = q_tighter ? slope(c, p, q) : slope(c, q, p);
            if (isfinite(v)) {
                s += v;
                n++;
            }
        }
        p->finite_difference = n ? s / n : NAN;
    }
    /* Pareto: no other feasible plan is at most as costly and at least as green, one strictly */
    size_t n = c->npoints + 1;
    for (size_t i = 0; i < n; i++) {
        zp_planning_curve_point *p = i ? &c->points[i - 1] : &c->base;
        if (!feasible(p))
            continue;
        p->pareto = 1;
        for (size_t j = 0; j < n && p->pareto; j++) {
            const zp_planning_curve_point *q = j ? &c->points[j - 1] : &c->base;
            if (j == i || !feasible(q))
                continue;
            const double tol = 1e-9 * fmax(1.0, fabs(p->annual_cny.total));
            int le = q->annual_cny.total <= p->annual_cny.total + tol &&
                     q->green_share_pct >= p->green_share_pct - 1e-9;
            int strict = q->annual_cny.total < p->annual_cny.total - tol ||
                         q->green_share_pct > p->green_share_pct + 1e-9;
            if (le && strict)
                p->pareto = 0;
        }
    }
}

zp_status zp_planning_curve_solve(zp_ctx *ctx, const zp_model *m, const zp_planning_opts *opts,
                                  const char *target, double from, double to, size_t npoints,
                                  zp_planning_curve **out)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!m || !target || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_planning_curve_solve: NULL argument");
    *out = NULL;
    int k = -1;
    for (int i = 0; curve_targets[i]; i++)
        if (strcmp(curve_targets[i], target) == 0)
            k = i;
    if (k < 0)
        return zp__error(ctx, ZP_EINVAL, "--curve: \"%s\" is not a target a curve can sweep; use "
                         "max_emissions_t, max_t_co2_per_tce, min_green_share_pct or "
                         "min_clean_energy_share_pct", target);
    if (npoints < 1 || npoints > 1000)
        return zp__error(ctx, ZP_EINVAL, "--curve: %zu steps; give 1 to 1000 points", npoints);
    const double lo = 0, hi = k >= 2 ? 100 : INFINITY;
    if (!(from >= lo && from <= hi && to >= lo && to <= hi))
        return zp__error(ctx, ZP_EINVAL, "--curve: %s from %g to %g: the values must be in %g..%g",
                         target, from, to, lo, hi);
    zp_planning_opts o;
    if (opts)
        o = *opts;
    else
        zp_planning_opts_init(&o);
    o.mps_path = NULL;
    if (k == 0)
        o.max_emissions_t = NAN;
    if (k == 2)
        o.min_green_share_pct = NAN;
    double t0 = now_s();
    zp_planning_curve *c = zp__calloc(ctx, 1, sizeof *c);
    if (!c)
        return zp__nomem(ctx);
    c->model = m;
    c->target = curve_targets[k];
    static const char *const units[] = {"t", "t/tce", "%", "%"};
    static const char *const sunits[] = {"CNY/t", "CNY/(t/tce)", "CNY/pct", "CNY/pct"};
    c->target_unit = units[k];
    c->shadow_unit = sunits[k];
    c->tighter_is_lower = k < 2;
    if (!(c->points = zp__calloc(ctx, npoints, sizeof *c->points))) {
        zp__free(ctx, c);
        return zp__nomem(ctx);
    }
    c->npoints = npoints;
    zp_model mc = *m; /* shallow: only the swept target differs */
    zp_status rc;
    *limit_of(&mc.targets, k) = NAN;
    c->base.target = NAN;
    if ((rc = solve_point(ctx, &mc, &o, k, &c->base, &c->year_share)))
        goto fail;
    c->base.shadow_price = NAN;
    for (size_t i = 0; i < npoints; i++) {
        zp_planning_curve_point *p = &c->points[i];
        p->target = npoints == 1 ? from : from + (to - from) * (double)i / (double)(npoints - 1);
        *limit_of(&mc.targets, k) = p->target;
        if ((rc = solve_point(ctx, &mc, &o, k, p, &c->year_share)))
            goto fail;
    }
    derive(c);
    c->seconds = now_s() - t0;
    *out = c;
    return ZP_OK;
fail:
    zp_planning_curve_free(ctx, c);
    return rc;
}

void zp_planning_curve_free(zp_ctx *ctx, zp_planning_curve *c)
{
    if (!c)
        return;
    point_free(ctx, &c->base);
    for (size_t i = 0; c->points && i < c->npoints; i++)
        point_free(ctx, &c->points[i]);
    zp__free(ctx, c->points);
    zp__free(ctx, c);
}
