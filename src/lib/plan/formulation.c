/*
 * formulation.c - the planning LP (docs/planning.md "The formulation"):
 * the dispatch LP of the profile model's input, built by lp.c
 * (dispatch/lpmatrix.h), with
 *
 *   columns  sizes (PV kWp, wind kW, battery kWh and kW), whole-turbine
 *            counts and build flags (MILP), purchases (green power,
 *            certificates, credits), market-based Scope 2 and the green
 *            supply per step (with their targets)
 *   rows     pvcap_t, wdcap_t (renewables up to the model's + the sizes'),
 *            per battery with a candidate chcap, discap, sochi, soclo,
 *            gren_t, gcons_t, gp_m, s2m, emis, cred, green, turbine counts, minimum
 *            sizes
 *
 * and the bounds these rows take over lifted. Rows follow the dispatch's
 * in the order above and entries are made row by row in that order, so a
 * stable sort by column leaves each column's rows ascending.
 */
#include "plan/plan_impl.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define INF DBL_MAX

typedef struct trip {
    size_t col, row;
    double v;
} trip;

typedef struct builder {
    plan_lp *P;
    trip *e;
    size_t n, cap;
    zp_status st;
} builder;

static void put(builder *b, size_t row, size_t col, double v)
{
    if (b->st || v == 0.0)
        return;
    if (zp__grow(b->P->ctx, (void **)&b->e, &b->cap, b->n + 1, sizeof *b->e)) {
        b->st = ZP_ENOMEM;
        return;
    }
    b->e[b->n++] = (trip){col, row, v};
}

double zp__plan_size(const plan_lp *P, const double *x, size_t c)
{
    (void)P;
    double v = x[c];
    return v > PLAN_TINY ? v : 0.0;
}

/* A new row [lo, hi], named name_a_t in the MPS export (a, t: SIZE_MAX
 * when unused). */
static size_t row(plan_lp *P, const char *name, size_t a, size_t t, double lo, double hi)
{
    size_t r = P->nrows++;
    P->rowlb[r] = lo;
    P->rowub[r] = hi;
    plan_rowname *rn = &P->rname[r - P->mx.nrows];
    rn->name = name;
    rn->a = a;
    rn->t = t;
    return r;
}

/* A new column [lo, hi] at cost c. */
static size_t col(plan_lp *P, double lo, double hi, double c, int integer)
{
    size_t k = P->ncols++;
    P->collb[k] = lo;
    P->colub[k] = hi;
    P->obj[k] = c;
    P->integer[k] = (unsigned char)integer;
    P->nint += integer != 0;
    return k;
}

/* Upper bounds on what is added, to size the arrays once. */
static zp_status alloc_arrays(plan_lp *P)
{
    const zp_planning *pl = P->pl;
    const size_t n = P->n;
    size_t cols = P->mx.ncols + pl->npv + 3 * pl->nwind + 3 * pl->nstorage + 6 + n + 1;
    size_t rows = P->mx.nrows + 2 * n + 4 * n * pl->nstorage + 2 * n + P->nmonths + 10 +
                  pl->nwind + 2 * pl->npv + 2 * pl->nwind + 4 * pl->nstorage;
    zp_ctx *ctx = P->ctx;
    if (!(P->collb = zp__calloc(ctx, cols, sizeof(double))) ||
        !(P->colub = zp__calloc(ctx, cols, sizeof(double))) ||
        !(P->obj = zp__calloc(ctx, cols, sizeof(double))) ||
        !(P->integer = zp__calloc(ctx, cols, 1)) ||
        !(P->rowlb = zp__calloc(ctx, rows, sizeof(double))) ||
        !(P->rowub = zp__calloc(ctx, rows, sizeof(double))) ||
        !(P->rname = zp__calloc(ctx, rows - P->mx.nrows + 1, sizeof *P->rname)) ||
        !(P->cap_obj = zp__calloc(ctx, cols, sizeof(double))) ||
        !(P->capex_unit = zp__calloc(ctx, cols, sizeof(double))))
        return zp__nomem(ctx);
    memcpy(P->collb, P->mx.collb, P->mx.ncols * sizeof(double));
    memcpy(P->colub, P->mx.colub, P->mx.ncols * sizeof(double));
    memcpy(P->obj, P->mx.obj, P->mx.ncols * sizeof(double));
    memcpy(P->rowlb, P->mx.rowlb, P->mx.nrows * sizeof(double));
    memcpy(P->rowub, P->mx.rowub, P->mx.nrows * sizeof(double));
    P->ncols = P->mx.ncols;
    P->nrows = P->mx.nrows;
    return ZP_OK;
}

/* The size columns: PV, wind, batteries (e, q), with their yearly cost x f. */
static void size_columns(plan_lp *P)
{
    const zp_planning *pl = P->pl;
    const double r = P->o.discount_rate, f = P->f;
    P->c_pv = P->ncols;
    for (size_t i = 0; i < pl->npv; i++) {
        const zp_plan_pv *c = &pl->pv[i];
        double capex = c->capex_cny_per_kwp * P->o.capex_scale_pv;
        double a = capex * zp__plan_crf(r, c->lifetime_years) + c->om_cny_per_kwp_year;
        size_t k = col(P, 0, c->max_kwp, f * a, 0);
        P->cap_obj[k] = a;
        P->capex_unit[k] = capex;
    }
    P->c_wind = P->ncols;
    for (size_t i = 0; i < pl->nwind; i++) {
        const zp_plan_wind *c = &pl->wind[i];
        double capex = c->capex_cny_per_kw * P->o.capex_scale_wind;
        double a = capex * zp__plan_crf(r, c->lifetime_years) + c->om_cny_per_kw_year;
        size_t k = col(P, 0, c->max_kw, f * a, 0);
        P->cap_obj[k] = a;
        P->capex_unit[k] = capex;
    }
    P->c_st = P->ncols;
    for (size_t i = 0; i < pl->nstorage; i++) {
        const zp_plan_storage *c = &pl->storage[i];
        double crf = zp__plan_crf(r, c->lifetime_years), s = P->o.capex_scale_storage;
        double ae = c->capex_cny_per_kwh * s * crf + c->om_cny_per_kwh_year;
        double ap = c->capex_cny_per_kw * s * crf + c->om_cny_per_kw_year;
        size_t k = col(P, 0, c->max_kwh, f * ae, 0);
        P->cap_obj[k] = ae;
        P->capex_unit[k] = c->capex_cny_per_kwh * s;
        k = col(P, 0, c->max_kw, f * ap, 0);
        P->cap_obj[k] = ap;
        P->capex_unit[k] = c->capex_cny_per_kw * s;
    }
    P->nsize = P->ncols - P->c_pv;
}

/* Whole turbines and minimum sizes (MILP columns). */
static void integer_columns(plan_lp *P)
{
    const zp_planning *pl = P->pl;
    P->c_nturb = P->ncols;
    for (size_t i = 0; i < pl->nwind; i++) {
        const zp_plan_wind *c = &pl->wind[i];
        double t = c->extends ? P->m->wind[c->extends_index].rated_kw : c->turbine.rated_kw;
        if (c->whole_turbines)
            col(P, 0, floor(c->max_kw / t + 1e-9), 0, 1);
    }
    P->c_bin = P->ncols;
    for (size_t i = 0; i < pl->npv; i++)
        if (pl->pv[i].min_kwp > 0)
            col(P, 0, 1, 0, 1);
    for (size_t i = 0; i < pl->nwind; i++)
        if (pl->wind[i].min_kw > 0)
            col(P, 0, 1, 0, 1);
    for (size_t i = 0; i < pl->nstorage; i++)
        if (pl->storage[i].min_kwh > 0 || pl->storage[i].min_kw > 0)
            col(P, 0, 1, 0, 1);
}

/* Purchases and the targets' own columns. */
static void other_columns(plan_lp *P)
{
    const zp_planning *pl = P->pl;
    const double f = P->f;
    const int green = !isnan(P->min_green_pct);
    /* market-based Scope 2 with the cap or the indicator */
    const int cap = !isnan(P->max_emissions_t) || !isnan(P->max_t_per_tce);
    P->c_gp = P->c_cert = P->c_cred = P->c_s2 = P->c_g = P->c_h = SIZE_MAX;
    if (pl->green_power.present) {
        P->c_gp = col(P, 0, pl->green_power.max_mwh_per_year, f * pl->green_power.price_cny_per_mwh, 0);
        P->cap_obj[P->c_gp] = pl->green_power.price_cny_per_mwh;
    }
    if (pl->certificates.present) {
        P->c_cert = col(P, 0, pl->certificates.max_mwh_per_year,
                        f * pl->certificates.price_cny_per_mwh, 0);
        P->cap_obj[P->c_cert] = pl->certificates.price_cny_per_mwh;
    }
    if (pl->credits.present && cap) {
        P->c_cred = col(P, 0, pl->credits.max_t_per_year, f * pl->credits.price_cny_per_t, 0);
        P->cap_obj[P->c_cred] = pl->credits.price_cny_per_t;
    }
    if (cap)
        P->c_s2 = col(P, 0, INF, 0, 0);
    if (green) {
        P->c_g = P->ncols;
        for (size_t t = 0; t < P->n; t++)
            col(P, 0, INF, 0, 0);
    }
    if (!isnan(P->min_clean_pct)) { /* green electricity h, instruments applied a */
        P->c_h = col(P, 0, INF, 0, 0);
        col(P, 0, INF, 0, 0);
    }
}

/* pvcap_t, wdcap_t: renewables used up to the model's and the sizes'. */
static void renewable_rows(plan_lp *P, builder *b)
{
    const zp_planning *pl = P->pl;
    for (int wind = 0; wind < 2; wind++) {
        size_t nc = wind ? pl->nwind : pl->npv;
        if (!nc)
            continue;
        for (size_t t = 0; t < P->n; t++) {
            size_t c = zp__lp_col(P->lp, t, wind ? ZP_LPC_WIND : ZP_LPC_PV, 0);
            size_t r = row(P, wind ? "wdcap" : "pvcap", SIZE_MAX, t, -INF,
                           wind ? P->wind_exist[t] : P->pv_exist[t]);
            P->colub[c] = INF;
            put(b, r, c, 1.0);
            for (size_t i = 0; i < nc; i++)
                put(b, r, (wind ? P->c_wind : P->c_pv) + i,
                    -(wind ? P->psi[i][t] : P->phi[i][t]));
        }
    }
}

/* A battery with a candidate: its energy and power bounds as rows, its
 * initial energy, reserve and power rows (docs/planning.md). */
static void battery(plan_lp *P, builder *b, size_t i)
{
    const zp_plan_storage *c = &P->pl->storage[i];
    const size_t k = zp__plan_storage_index(P, i), n = P->n;
    const zp_storage *s = &P->in.storage[k];
    const size_t ce = P->c_st + 2 * i, cq = ce + 1;
    const double E0 = c->extends ? s->energy_kwh : 0.0, P0 = c->extends ? s->power_kw : 0.0;
    const double soc0 = P->in.soc_initial ? P->in.soc_initial[k] : s->soc_initial;
    /* the base LP was built for energy_kwh, power_kw of the input */
    const size_t dyn0 = zp__lp_row(P->lp, 0, ZP_LPR_DYN, k);
    P->rowlb[dyn0] = P->rowub[dyn0] = soc0 * E0;
    put(b, dyn0, ce, -soc0);
    for (size_t t = 0; t < n; t++) {
        size_t rr = zp__lp_row(P->lp, t, ZP_LPR_RES, 0);
        if (rr != SIZE_MAX) {
            P->rowlb[rr] += s->soc_min * (E0 - s->energy_kwh);
            put(b, rr, ce, -s->soc_min);
        }
        size_t rp = zp__lp_row(P->lp, t, ZP_LPR_PWR, k);
        if (rp != SIZE_MAX) {
            P->rowlb[rp] = -P0;
            put(b, rp, cq, 1.0);
        }
    }
    for (int kind = 0; kind < 4; kind++) {
        for (size_t t = 0; t < n; t++) {
            size_t cch = zp__lp_col(P->lp, t, ZP_LPC_CH, k), cdis = zp__lp_col(P->lp, t, ZP_LPC_DIS, k),
                   csoc = zp__lp_col(P->lp, t, ZP_LPC_SOC, k);
            size_t r;
            double sig = t + 1 == n ? fmax(s->soc_min, soc0) : s->soc_min;
            switch (kind) {
            case 0: /* chcap: ch - q <= P0 */
                P->colub[cch] = INF;
                r = row(P, "chcap", i, t, -INF, P0);
                put(b, r, cch, 1.0);
                put(b, r, cq, -1.0);
                break;
            case 1: /* discap */
                P->colub[cdis] = INF;
                r = row(P, "discap", i, t, -INF, P0);
                put(b, r, cdis, 1.0);
                put(b, r, cq, -1.0);
                break;
            case 2: /* sochi: soc - soc_max e <= soc_max E0 */
                P->collb[csoc] = 0.0;
                P->colub[csoc] = INF;
                r = row(P, "sochi", i, t, -INF, s->soc_max * E0);
                put(b, r, csoc, 1.0);
                put(b, r, ce, -s->soc_max);
                break;
            default: /* soclo: soc - sigma e >= sigma E0 */
                r = row(P, "soclo", i, t, sig * E0, INF);
                put(b, r, csoc, 1.0);
                put(b, r, ce, -sig);
                break;
            }
        }
    }
}

/* gren_t, gcons_t: the green supply counted in step t (with a green-share
 * target), at most the renewables used and at most the consumption:
 * min(renewables, consumption), what the hourly matching counts directly. */
static void green_step_rows(plan_lp *P, builder *b)
{
    if (P->c_g == SIZE_MAX)
        return;
    for (size_t t = 0; t < P->n; t++) {
        size_t r = row(P, "gren", SIZE_MAX, t, -INF, 0.0);
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_PV, 0), -1.0);
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_WIND, 0), -1.0);
        put(b, r, P->c_g + t, 1.0);
    }
    for (size_t t = 0; t < P->n; t++) {
        double firm = (P->in.firm_kw ? P->in.firm_kw[t] : 0.0) + zp__lp_late_kw(P->lp, t);
        size_t r = row(P, "gcons", SIZE_MAX, t, -INF, firm);
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_UNS, 0), 1.0);
        for (size_t j = 0; j < P->in.nflex; j++)
            put(b, r, zp__lp_col(P->lp, t, ZP_LPC_FS, j), -1.0);
        put(b, r, P->c_g + t, 1.0);
    }
}

/* gp_m: each month's green power is delivered in full. */
static void green_power_rows(plan_lp *P, builder *b)
{
    if (P->c_gp == SIZE_MAX)
        return;
    for (size_t mo = 0; mo < P->nmonths; mo++) {
        size_t r = row(P, "gp", SIZE_MAX, mo, 0.0, INF);
        for (size_t t = 0; t < P->n; t++)
            if ((P->month_of_step ? P->month_of_step[t] : 0) == mo)
                put(b, r, zp__lp_col(P->lp, t, ZP_LPC_IMP, 0), P->dt);
        double fr = P->in.month_fraction ? P->in.month_fraction[mo] : 1.0;
        put(b, r, P->c_gp, -1000.0 * fr / 12.0);
    }
}

/* s2m, emis, cred: the market-based emission cap. */
/* The park's electricity over the period, kWh: sum (imp - exp + pv + wind)
 * dt, times scale, into row r. */
static void electricity(plan_lp *P, builder *b, size_t r, double scale)
{
    for (size_t t = 0; t < P->n; t++) {
        double v = scale * P->dt;
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_IMP, 0), v);
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_EXP, 0), -v);
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_PV, 0), v);
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_WIND, 0), v);
    }
}

/* s2m, emis, ind, cred: market-based Scope 2, the emission cap, the
 * indicator (emissions - L x energy_tce <= 0), the credits' share. */
static void emission_rows(plan_lp *P, builder *b)
{
    P->r_s2m = P->r_emis = P->r_cred = P->r_ind = SIZE_MAX;
    if (P->c_s2 == SIZE_MAX)
        return;
    const double rho = P->rho, f = P->f;
    size_t r = P->r_s2m = row(P, "s2m", SIZE_MAX, SIZE_MAX, -rho * P->inst0_mwh, INF);
    for (size_t t = 0; t < P->n; t++)
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_IMP, 0), -rho * P->dt / 1000.0);
    if (P->c_gp != SIZE_MAX)
        put(b, r, P->c_gp, rho * f);
    if (P->c_cert != SIZE_MAX)
        put(b, r, P->c_cert, rho * f);
    put(b, r, P->c_s2, 1.0);
    if (!isnan(P->max_emissions_t)) {
        r = P->r_emis = row(P, "emis", SIZE_MAX, SIZE_MAX, -INF, P->max_emissions_t - P->s1_t);
        if (P->c_cred != SIZE_MAX)
            put(b, r, P->c_cred, -f);
        put(b, r, P->c_s2, 1.0);
    }
    if (!isnan(P->max_t_per_tce)) {
        const double L = P->max_t_per_tce;
        r = P->r_ind = row(P, "ind", SIZE_MAX, SIZE_MAX, -INF, L * P->fuels_tce - P->s1_t);
        if (P->c_cred != SIZE_MAX)
            put(b, r, P->c_cred, -f);
        put(b, r, P->c_s2, 1.0);
        electricity(P, b, r, -L * P->k_tce_per_kwh);
    }
    if (P->c_cred != SIZE_MAX) {
        double sh = P->pl->credits.max_share_pct / 100.0;
        r = P->r_cred = row(P, "cred", SIZE_MAX, SIZE_MAX, -INF, sh * P->s1_t);
        put(b, r, P->c_cred, f);
        put(b, r, P->c_s2, -sh);
    }
}

/* The clean-energy share (min_clean_energy_share_pct = s): green
 * electricity h <= on-site renewables - export + instruments applied a,
 * a <= the instruments, a <= import, h <= electricity, and
 * k h >= s / 100 x (k x electricity + fuels_tce). */
static void clean_rows(plan_lp *P, builder *b)
{
    P->r_clean = SIZE_MAX;
    if (P->c_h == SIZE_MAX)
        return;
    const size_t h = P->c_h, a = h + 1;
    const double k = P->k_tce_per_kwh, s = P->min_clean_pct / 100.0, f = P->f;
    size_t r = row(P, "cleanren", SIZE_MAX, SIZE_MAX, -INF, 0);
    put(b, r, h, 1.0);
    put(b, r, a, -1.0);
    for (size_t t = 0; t < P->n; t++) {
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_PV, 0), -P->dt);
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_WIND, 0), -P->dt);
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_EXP, 0), P->dt);
    }
    r = row(P, "cleaninst", SIZE_MAX, SIZE_MAX, -INF, 1000.0 * P->inst0_mwh);
    put(b, r, a, 1.0);
    if (P->c_gp != SIZE_MAX)
        put(b, r, P->c_gp, -1000.0 * f);
    if (P->c_cert != SIZE_MAX)
        put(b, r, P->c_cert, -1000.0 * f);
    r = row(P, "cleanimp", SIZE_MAX, SIZE_MAX, -INF, 0);
    put(b, r, a, 1.0);
    for (size_t t = 0; t < P->n; t++)
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_IMP, 0), -P->dt);
    r = row(P, "cleanelec", SIZE_MAX, SIZE_MAX, -INF, 0);
    put(b, r, h, 1.0);
    electricity(P, b, r, -1.0);
    r = P->r_clean = row(P, "clean", SIZE_MAX, SIZE_MAX, s * P->fuels_tce, INF);
    put(b, r, h, k);
    electricity(P, b, r, -s * k);
}

/* green: the annual volumetric share. */
static void green_row(plan_lp *P, builder *b)
{
    P->r_green = SIZE_MAX;
    if (P->c_g == SIZE_MAX)
        return;
    const double s = P->min_green_pct / 100.0, f = P->f;
    size_t r = P->r_green = row(P, "green", SIZE_MAX, SIZE_MAX,
                                    s * P->demand_kwh - 1000.0 * (P->cert0_mwh + P->gp0_mwh), INF);
    for (size_t t = 0; t < P->n; t++)
        put(b, r, zp__lp_col(P->lp, t, ZP_LPC_UNS, 0), s * P->dt);
    if (P->c_gp != SIZE_MAX)
        put(b, r, P->c_gp, 1000.0 * f);
    if (P->c_cert != SIZE_MAX)
        put(b, r, P->c_cert, 1000.0 * f);
    for (size_t t = 0; t < P->n; t++)
        put(b, r, P->c_g + t, P->dt);
}

/* min b <= x <= max b: size column x built (b = 1) or not (b = 0). */
static void min_size_rows(plan_lp *P, builder *b, size_t x, double min, double max, size_t cb)
{
    size_t r = row(P, "minsize", SIZE_MAX, x, 0, INF);
    put(b, r, x, 1.0);
    put(b, r, cb, -min);
    r = row(P, "maxsize", SIZE_MAX, x, -INF, 0);
    put(b, r, x, 1.0);
    put(b, r, cb, -max);
}

/* Whole turbines (y = turbine_kw x n) and minimum sizes (min b <= x <= max b). */
static void integer_rows(plan_lp *P, builder *b)
{
    const zp_planning *pl = P->pl;
    size_t cn = P->c_nturb, cb = P->c_bin;
    for (size_t i = 0; i < pl->nwind; i++) {
        const zp_plan_wind *c = &pl->wind[i];
        if (!c->whole_turbines)
            continue;
        double t = c->extends ? P->m->wind[c->extends_index].rated_kw : c->turbine.rated_kw;
        size_t r = row(P, "turbines", SIZE_MAX, i, 0, 0);
        put(b, r, P->c_wind + i, 1.0);
        put(b, r, cn++, -t);
    }
    for (size_t i = 0; i < pl->npv; i++)
        if (pl->pv[i].min_kwp > 0)
            min_size_rows(P, b, P->c_pv + i, pl->pv[i].min_kwp, pl->pv[i].max_kwp, cb++);
    for (size_t i = 0; i < pl->nwind; i++)
        if (pl->wind[i].min_kw > 0)
            min_size_rows(P, b, P->c_wind + i, pl->wind[i].min_kw, pl->wind[i].max_kw, cb++);
    for (size_t i = 0; i < pl->nstorage; i++) {
        const zp_plan_storage *c = &pl->storage[i];
        if (!(c->min_kwh > 0 || c->min_kw > 0))
            continue;
        min_size_rows(P, b, P->c_st + 2 * i, c->min_kwh, c->max_kwh, cb);
        min_size_rows(P, b, P->c_st + 2 * i + 1, c->min_kw, c->max_kw, cb);
        cb++;
    }
}

static int by_row(const void *a, const void *b)
{
    size_t x = ((const trip *)a)->row, y = ((const trip *)b)->row;
    return (x > y) - (x < y);
}

/* The whole matrix, column by column: the dispatch's entries, then the
 * added ones (a stable counting sort of the triplets by column). */
static zp_status assemble(plan_lp *P, builder *b)
{
    zp_ctx *ctx = P->ctx;
    const size_t nc = P->ncols, base = P->mx.ncols;
    size_t *cnt = zp__calloc(ctx, nc + 1, sizeof *cnt);
    trip *sorted = zp__calloc(ctx, b->n + 1, sizeof *sorted);
    size_t total = P->mx.nnz + b->n;
    if (!cnt || !sorted || total > (size_t)INT32_MAX ||
        !(P->start = zp__calloc(ctx, nc + 1, sizeof *P->start)) ||
        !(P->index = zp__calloc(ctx, total + 1, sizeof *P->index)) ||
        !(P->value = zp__calloc(ctx, total + 1, sizeof *P->value))) {
        zp__free(ctx, cnt);
        zp__free(ctx, sorted);
        return total > (size_t)INT32_MAX ? zp__error(ctx, ZP_ETOOBIG, "plan: the LP is too large")
                                         : zp__nomem(ctx);
    }
    for (size_t i = 0; i < b->n; i++)
        cnt[b->e[i].col + 1]++;
    for (size_t c = 0; c < nc; c++)
        cnt[c + 1] += cnt[c];
    for (size_t i = 0; i < b->n; i++)
        sorted[cnt[b->e[i].col]++] = b->e[i];
    /* cnt[c] is now the end of column c's added entries */
    size_t e = 0, s = 0;
    for (size_t c = 0; c < nc; c++) {
        P->start[c] = (int)e;
        if (c < base) {
            size_t first, end;
            zp__lp_matrix_column(P->lp, c, &first, &end);
            for (size_t k = first; k < end; k++) {
                P->index[e] = P->mx.index[k];
                P->value[e++] = P->mx.value[k];
            }
        }
        size_t from = s;
        int ordered = 1;
        for (; s < cnt[c]; s++) {
            ordered &= s == from || sorted[s].row > sorted[s - 1].row;
            if (c < base && s == from && P->start[c] < (int)e)
                ordered &= (int)sorted[s].row > P->index[e - 1];
        }
        if (!ordered) /* rows ascending in each column */
            qsort(sorted + from, s - from, sizeof *sorted, by_row);
        for (size_t k = from; k < s; k++) {
            P->index[e] = (int)sorted[k].row;
            P->value[e++] = sorted[k].v;
        }
    }
    P->start[nc] = (int)e;
    P->nnz = e;
    zp__free(ctx, cnt);
    zp__free(ctx, sorted);
    return ZP_OK;
}

zp_status zp__plan_formulate(plan_lp *P)
{
    zp_status rc;
    zp_lp_opts lo;
    zp_lp_opts_init(&lo);
    lo.reserve_kwh = P->reserve_kwh;
    if (!(P->lp = zp_lp_new(P->ctx)))
        return ZP_ENOMEM;
    if ((rc = zp__lp_matrix_build(P->lp, &P->in, &lo, &P->mx)) || (rc = alloc_arrays(P)))
        return rc;
    /* no more load shed than the model's own optimal dispatch sheds */
    for (size_t t = 0; t < P->n; t++) {
        size_t c = zp__lp_col(P->lp, t, ZP_LPC_UNS, 0);
        P->colub[c] = fmin(P->colub[c], P->uns_max[t]);
    }
    size_columns(P);
    integer_columns(P);
    other_columns(P);
    builder b = {P, NULL, 0, 0, ZP_OK};
    renewable_rows(P, &b);
    for (size_t i = 0; i < P->pl->nstorage; i++)
        battery(P, &b, i);
    green_step_rows(P, &b);
    green_power_rows(P, &b);
    emission_rows(P, &b);
    green_row(P, &b);
    clean_rows(P, &b);
    integer_rows(P, &b);
    rc = b.st ? b.st : assemble(P, &b);
    zp__free(P->ctx, b.e);
    return rc;
}
