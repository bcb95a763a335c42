/*
 * solve.c - the planning LP solved: CLP for the LP, CBC when minimum sizes
 * or whole turbines make it a MILP (then the LP with the integers fixed at
 * CBC's answer gives the duals); the shadow prices are the duals of the
 * target rows. When no plan meets the targets, each target is tried alone
 * for the best value the candidates reach (docs/planning.md "A target no
 * portfolio can meet").
 */
#include "plan/plan_impl.h"

#include "core/mps.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* CLP's and CBC's C headers declare functions without prototypes. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include <Cbc_C_Interface.h>
#include <Clp_C_Interface.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

_Static_assert(sizeof(CoinBigIndex) == sizeof(int), "the plan's column starts are int");

#define INF DBL_MAX

void zp__plan_solution_free(zp_ctx *ctx, plan_solution *s)
{
    zp__free(ctx, s->x);
    zp__free(ctx, s->dual);
    s->x = s->dual = NULL;
}

static Clp_Simplex *clp_load(const plan_lp *P, const double *obj, const double *collb,
                             const double *colub, const double *rowlb, const double *rowub)
{
    Clp_Simplex *clp = Clp_newModel();
    if (!clp)
        return NULL;
    Clp_setLogLevel(clp, 0);
    Clp_loadProblem(clp, (int)P->ncols, (int)P->nrows, P->start, P->index, P->value, collb, colub,
                    obj, rowlb, rowub);
    if (P->o.time_limit_s > 0)
        Clp_setMaximumSeconds(clp, P->o.time_limit_s);
    return clp;
}

/* Solve with CLP: status ZP_PLANNING_*, text on failure. */
static int clp_run(Clp_Simplex *clp, char *text, size_t len)
{
    Clp_initialSolve(clp);
    int st = Clp_status(clp);
    if (st == 0 && Clp_isProvenOptimal(clp))
        return ZP_PLANNING_OPTIMAL;
    if (st == 1) {
        snprintf(text, len, "infeasible");
        return ZP_PLANNING_INFEASIBLE;
    }
    if (st == 3) {
        snprintf(text, len, "stopped at the time limit");
        return ZP_PLANNING_STOPPED;
    }
    snprintf(text, len, "%s (CLP status %d, secondary %d)",
             st == 2 ? "unbounded: a candidate or an export pays without limit" : "the solver failed",
             st, Clp_secondaryStatus(clp));
    return ZP_PLANNING_ERROR;
}

static zp_status keep(plan_lp *P, plan_solution *s, const double *x, const double *dual)
{
    zp_ctx *ctx = P->ctx;
    if (!s->x && !(s->x = zp__calloc(ctx, P->ncols + 1, sizeof *s->x)))
        return zp__nomem(ctx);
    if (!s->dual && !(s->dual = zp__calloc(ctx, P->nrows + 1, sizeof *s->dual)))
        return zp__nomem(ctx);
    memcpy(s->x, x, P->ncols * sizeof *x);
    if (dual)
        memcpy(s->dual, dual, P->nrows * sizeof *dual);
    return ZP_OK;
}

/* The MILP with CBC, then its LP with the integers fixed for the duals. */
static zp_status solve_milp(plan_lp *P, plan_solution *s)
{
    zp_status rc = ZP_OK;
    Cbc_Model *cbc = Cbc_newModel();
    if (!cbc)
        return zp__nomem(P->ctx);
    Cbc_setLogLevel(cbc, 0);
    Cbc_loadProblem(cbc, (int)P->ncols, (int)P->nrows, P->start, P->index, P->value, P->collb,
                    P->colub, P->obj, P->rowlb, P->rowub);
    for (size_t c = 0; c < P->ncols; c++)
        if (P->integer[c])
            Cbc_setInteger(cbc, (int)c);
    if (P->o.time_limit_s > 0)
        Cbc_setMaximumSeconds(cbc, P->o.time_limit_s);
    Cbc_solve(cbc);
    if (Cbc_isProvenInfeasible(cbc)) {
        s->status = ZP_PLANNING_INFEASIBLE;
        snprintf(s->text, sizeof s->text, "infeasible");
    } else if (!Cbc_isProvenOptimal(cbc)) {
        s->status = Cbc_isSecondsLimitReached(cbc) ? ZP_PLANNING_STOPPED : ZP_PLANNING_ERROR;
        snprintf(s->text, sizeof s->text, "%s (CBC status %d)",
                 s->status == ZP_PLANNING_STOPPED ? "stopped at the time limit" : "the solver failed",
                 Cbc_status(cbc));
    } else {
        s->status = ZP_PLANNING_OPTIMAL;
        s->iterations = Cbc_getIterationCount(cbc);
        rc = keep(P, s, Cbc_getColSolution(cbc), NULL);
    }
    Cbc_deleteModel(cbc);
    if (rc || s->status != ZP_PLANNING_OPTIMAL)
        return rc;
    /* the duals: the LP with every integer column at CBC's value */
    double *lb = zp__calloc(P->ctx, P->ncols + 1, sizeof *lb);
    double *ub = zp__calloc(P->ctx, P->ncols + 1, sizeof *ub);
    if (!lb || !ub) {
        zp__free(P->ctx, lb);
        zp__free(P->ctx, ub);
        return zp__nomem(P->ctx);
    }
    for (size_t c = 0; c < P->ncols; c++) {
        lb[c] = P->integer[c] ? floor(s->x[c] + 0.5) : P->collb[c];
        ub[c] = P->integer[c] ? floor(s->x[c] + 0.5) : P->colub[c];
    }
    Clp_Simplex *clp = clp_load(P, P->obj, lb, ub, P->rowlb, P->rowub);
    if (!clp)
        rc = zp__nomem(P->ctx);
    else if (clp_run(clp, s->text, sizeof s->text) == ZP_PLANNING_OPTIMAL) {
        s->objective = Clp_objectiveValue(clp);
        s->iterations += Clp_numberIterations(clp);
        rc = keep(P, s, Clp_getColSolution(clp), Clp_getRowPrice(clp));
    } else {
        s->status = ZP_PLANNING_ERROR;
        snprintf(s->text, sizeof s->text, "the LP with the integers fixed failed");
    }
    if (clp)
        Clp_deleteModel(clp);
    zp__free(P->ctx, lb);
    zp__free(P->ctx, ub);
    return rc;
}

/* The LP from a starting basis (docs/planning.md "Solving"): first with
 * every size at its lower bound (nothing built), which presolve reduces to
 * the dispatch LP and CLP solves in cheap iterations; then the sizes freed
 * and the dual simplex from that basis. The campus year: 54,219 + 51,285
 * iterations, 54-59 CPU-s, where the LP from scratch takes 106,803 and 68.
 * Anything but the optimum or the time limit: the LP from scratch. */
static Clp_Simplex *clp_staged(plan_lp *P, plan_solution *s)
{
    zp_ctx *ctx = P->ctx;
    double *ub = zp__calloc(ctx, P->ncols + 1, sizeof *ub);
    if (!ub)
        return NULL;
    memcpy(ub, P->colub, P->ncols * sizeof *ub);
    for (size_t c = P->c_pv; c < P->c_pv + P->nsize; c++)
        ub[c] = P->collb[c];
    Clp_Simplex *clp = clp_load(P, P->obj, P->collb, ub, P->rowlb, P->rowub);
    zp__free(ctx, ub);
    if (!clp)
        return NULL;
    if (clp_run(clp, s->text, sizeof s->text) == ZP_PLANNING_STOPPED) {
        s->status = ZP_PLANNING_STOPPED;
        return clp;
    }
    s->iterations = Clp_numberIterations(clp);
    Clp_chgColumnUpper(clp, P->colub);
    Clp_dual(clp, 0);
    s->iterations += Clp_numberIterations(clp);
    s->status = Clp_status(clp) == 3 ? ZP_PLANNING_STOPPED
                : Clp_status(clp) == 0 && Clp_isProvenOptimal(clp) ? ZP_PLANNING_OPTIMAL
                                                                     : ZP_PLANNING_ERROR;
    if (s->status == ZP_PLANNING_STOPPED)
        snprintf(s->text, sizeof s->text, "stopped at the time limit");
    return clp;
}

zp_status zp__plan_solve(plan_lp *P, plan_solution *s)
{
    memset(s, 0, sizeof *s);
    if (P->nint)
        return solve_milp(P, s);
    Clp_Simplex *clp = NULL;
    if (P->nsize && !(clp = clp_staged(P, s)))
        return zp__nomem(P->ctx);
    if (clp && s->status == ZP_PLANNING_ERROR) { /* from scratch */
        Clp_deleteModel(clp);
        clp = NULL;
    }
    zp_status rc = ZP_OK;
    if (!clp) {
        if (!(clp = clp_load(P, P->obj, P->collb, P->colub, P->rowlb, P->rowub)))
            return zp__nomem(P->ctx);
        int before = s->iterations;
        s->status = clp_run(clp, s->text, sizeof s->text);
        s->iterations = before + Clp_numberIterations(clp);
    }
    if (s->status == ZP_PLANNING_OPTIMAL) {
        s->objective = Clp_objectiveValue(clp);
        rc = keep(P, s, Clp_getColSolution(clp), Clp_getRowPrice(clp));
    }
    Clp_deleteModel(clp);
    return rc;
}

/* ---- a target no portfolio can meet --------------------------------------- */

/* The best the LP relaxation reaches for one target with the others left
 * out: minimise (sign +1) or maximise (-1) the quantity q.x, with unserved
 * energy at w per kWh so that dropping load never pays. *best = q.x. */
static zp_status best_reachable(plan_lp *P, const double *q, double sign, double w,
                                const size_t *drop, size_t ndrop, double *best, int *ok,
                                double *xout)
{
    zp_ctx *ctx = P->ctx;
    double *obj = zp__calloc(ctx, P->ncols + 1, sizeof *obj);
    double *rl = zp__calloc(ctx, P->nrows + 1, sizeof *rl);
    double *ru = zp__calloc(ctx, P->nrows + 1, sizeof *ru);
    zp_status rc = ZP_OK;
    *ok = 0;
    if (!obj || !rl || !ru) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t c = 0; c < P->ncols; c++)
        obj[c] = sign * q[c];
    for (size_t t = 0; t < P->n; t++)
        obj[zp__lp_col(P->lp, t, ZP_LPC_UNS, 0)] += w * P->dt;
    memcpy(rl, P->rowlb, P->nrows * sizeof *rl);
    memcpy(ru, P->rowub, P->nrows * sizeof *ru);
    for (size_t i = 0; i < ndrop; i++)
        if (drop[i] != SIZE_MAX) {
            rl[drop[i]] = -INF;
            ru[drop[i]] = INF;
        }
    Clp_Simplex *clp = clp_load(P, obj, P->collb, P->colub, rl, ru);
    char text[128];
    if (!clp) {
        rc = zp__nomem(ctx);
        goto out;
    }
    if (clp_run(clp, text, sizeof text) == ZP_PLANNING_OPTIMAL) {
        const double *x = Clp_getColSolution(clp);
        double v = 0;
        for (size_t c = 0; c < P->ncols; c++)
            v += q[c] * x[c];
        *best = v;
        *ok = 1;
        /* unserved energy of that plan, for the share's denominator */
        double uns = 0;
        for (size_t t = 0; t < P->n; t++)
            uns += x[zp__lp_col(P->lp, t, ZP_LPC_UNS, 0)] * P->dt;
        best[1] = uns;
        if (xout)
            memcpy(xout, x, P->ncols * sizeof *xout);
    }
    Clp_deleteModel(clp);
out:
    zp__free(ctx, obj);
    zp__free(ctx, rl);
    zp__free(ctx, ru);
    return rc;
}

/* The best indicator (clean 0: the least t CO2/tce) or clean-energy share
 * (1: the most %) the relaxation reaches, by Dinkelbach's iteration: with
 * the ratio's value lambda, optimise numerator - lambda x denominator, take
 * the ratio of that plan, until it stays. */
static zp_status best_ratio(plan_lp *P, int clean, const size_t *drop, size_t ndrop, double *v)
{
    zp_ctx *ctx = P->ctx;
    zp_status rc = ZP_OK;
    double *q = zp__calloc(ctx, P->ncols + 1, sizeof *q), *x = zp__calloc(ctx, P->ncols + 1, sizeof *x);
    const double k = P->k_tce_per_kwh;
    double lambda = clean ? P->min_clean_pct / 100.0 : P->max_t_per_tce;
    *v = NAN;
    if (!q || !x) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (int it = 0; it < 30; it++) {
        memset(q, 0, P->ncols * sizeof *q);
        /* numerator: emissions net of credits (less S1), or k x green electricity */
        if (clean) {
            q[P->c_h] = k;
        } else {
            q[P->c_s2] = 1.0;
            if (P->c_cred != SIZE_MAX)
                q[P->c_cred] = -P->f;
        }
        for (size_t t = 0; t < P->n; t++) { /* - lambda x k x electricity */
            double e = -lambda * k * P->dt;
            q[zp__lp_col(P->lp, t, ZP_LPC_IMP, 0)] += e;
            q[zp__lp_col(P->lp, t, ZP_LPC_EXP, 0)] -= e;
            q[zp__lp_col(P->lp, t, ZP_LPC_PV, 0)] += e;
            q[zp__lp_col(P->lp, t, ZP_LPC_WIND, 0)] += e;
        }
        double best[2] = {0, 0};
        int ok;
        if ((rc = best_reachable(P, q, clean ? -1.0 : 1.0, clean ? 10.0 * k : 10.0 * P->rho / 1000.0 + 1e-9,
                                 drop, ndrop, best, &ok, x)) || !ok)
            goto out;
        double elec = 0;
        for (size_t t = 0; t < P->n; t++)
            elec += (x[zp__lp_col(P->lp, t, ZP_LPC_IMP, 0)] - x[zp__lp_col(P->lp, t, ZP_LPC_EXP, 0)] +
                     x[zp__lp_col(P->lp, t, ZP_LPC_PV, 0)] + x[zp__lp_col(P->lp, t, ZP_LPC_WIND, 0)]) *
                    P->dt;
        double energy = k * elec + P->fuels_tce;
        if (!(energy > 0))
            goto out;
        double num = clean ? k * x[P->c_h]
                           : P->s1_t + x[P->c_s2] - (P->c_cred != SIZE_MAX ? P->f * x[P->c_cred] : 0.0);
        double next = num / energy;
        *v = clean ? 100.0 * next : next;
        if (fabs(next - lambda) <= 1e-12 * fmax(1.0, fabs(lambda)))
            break;
        lambda = next;
    }
out:
    zp__free(ctx, q);
    zp__free(ctx, x);
    return rc;
}

zp_status zp__plan_diagnose(plan_lp *P, plan_solution *s)
{
    zp_ctx *ctx = P->ctx;
    zp_status rc = ZP_OK;
    double *q = zp__calloc(ctx, P->ncols + 1, sizeof *q);
    if (!q)
        return zp__nomem(ctx);
    size_t used = 0, missed = 0;
    s->text[0] = '\0';
    const size_t drop[] = {P->r_emis, P->r_green, P->r_ind, P->r_clean};
    const size_t ndrop = ZP_ARRAY_LEN(drop);
    /* emissions net of credits: S1 + s2 - f K */
    if (P->r_emis != SIZE_MAX) {
        double best[2] = {0, 0};
        int ok;
        q[P->c_s2] = 1.0;
        if (P->c_cred != SIZE_MAX)
            q[P->c_cred] = -P->f;
        if ((rc = best_reachable(P, q, 1.0, 10.0 * P->rho / 1000.0 + 1e-9, drop, ndrop, best, &ok, NULL)))
            goto out;
        double v = P->s1_t + best[0];
        if (ok && v > P->max_emissions_t * (1 + 1e-9) + 1e-9) {
            used += (size_t)snprintf(s->text + used, sizeof s->text - used,
                                     "%smax_emissions_t: %.10g t cannot be met; the best the "
                                     "candidates reach is %.10g t",
                                     missed ? "; " : "", P->max_emissions_t, v);
            missed++;
        }
        memset(q, 0, P->ncols * sizeof *q);
    }
    if (P->r_green != SIZE_MAX && used < sizeof s->text) {
        double best[2] = {0, 0};
        int ok;
        for (size_t t = 0; t < P->n; t++)
            q[P->c_g + t] = P->dt;
        if (P->c_gp != SIZE_MAX)
            q[P->c_gp] = 1000.0 * P->f;
        if (P->c_cert != SIZE_MAX)
            q[P->c_cert] = 1000.0 * P->f;
        if ((rc = best_reachable(P, q, -1.0, 10.0, drop, ndrop, best, &ok, NULL)))
            goto out;
        double cons = P->demand_kwh - best[1];
        double v = cons > 0 ? 100.0 * (best[0] + 1000.0 * (P->cert0_mwh + P->gp0_mwh)) / cons : 0;
        if (v > 100)
            v = 100;
        if (ok && v < P->min_green_pct * (1 - 1e-9) - 1e-9) {
            used += (size_t)snprintf(s->text + used, sizeof s->text - used,
                                     "%smin_green_share_pct: %.10g %% cannot be met; the best the "
                                     "candidates reach is %.10g %%",
                                     missed ? "; " : "", P->min_green_pct, v);
            missed++;
        }
    }
    for (int clean = 0; clean < 2 && used < sizeof s->text; clean++) {
        size_t row = clean ? P->r_clean : P->r_ind;
        if (row == SIZE_MAX)
            continue;
        double v;
        if ((rc = best_ratio(P, clean, drop, ndrop, &v)))
            goto out;
        double lim = clean ? P->min_clean_pct : P->max_t_per_tce;
        if (isfinite(v) && (clean ? v < lim * (1 - 1e-9) - 1e-12 : v > lim * (1 + 1e-9) + 1e-12)) {
            used += (size_t)snprintf(s->text + used, sizeof s->text - used,
                                     "%s%s: %.10g %s cannot be met; the best the candidates reach "
                                     "is %.10g %s", missed ? "; " : "",
                                     clean ? "min_clean_energy_share_pct" : "max_t_co2_per_tce",
                                     lim, clean ? "%" : "t/tce", v, clean ? "%" : "t/tce");
            missed++;
        }
    }
    if (!missed)
        snprintf(s->text, sizeof s->text,
                 "the targets cannot be met together (each alone can), or the reserve or a "
                 "minimum size cannot be held");
out:
    zp__free(ctx, q);
    return rc;
}

/* The names of the MPS export: the dispatch's for its columns and rows,
 * docs/planning.md's for the added ones. */
static void col_name(const void *user, size_t c, char *buf, size_t len)
{
    const plan_lp *P = user;
    const zp_planning *pl = P->pl;
    if (c < P->mx.ncols)
        zp__lp_col_name(P->lp, c, buf, len);
    else if (c < P->c_wind)
        snprintf(buf, len, "x_%zu", c - P->c_pv);
    else if (c < P->c_st)
        snprintf(buf, len, "y_%zu", c - P->c_wind);
    else if (c < P->c_st + 2 * pl->nstorage)
        snprintf(buf, len, "%s_%zu", (c - P->c_st) % 2 ? "q" : "e", (c - P->c_st) / 2);
    else if (c < P->c_bin)
        snprintf(buf, len, "n_%zu", c - P->c_nturb);
    else if (c == P->c_gp)
        snprintf(buf, len, "G");
    else if (c == P->c_cert)
        snprintf(buf, len, "C");
    else if (c == P->c_cred)
        snprintf(buf, len, "K");
    else if (c == P->c_s2)
        snprintf(buf, len, "s2");
    else if (P->c_g != SIZE_MAX && c >= P->c_g)
        snprintf(buf, len, "g_%zu", c - P->c_g);
    else
        snprintf(buf, len, "b_%zu", c - P->c_bin);
}

static void row_name(const void *user, size_t r, char *buf, size_t len)
{
    const plan_lp *P = user;
    if (r < P->mx.nrows) {
        zp__lp_row_name(P->lp, r, buf, len);
        return;
    }
    const plan_rowname *n = &P->rname[r - P->mx.nrows];
    if (n->a != SIZE_MAX)
        snprintf(buf, len, "%s_%zu_%zu", n->name, n->a, n->t);
    else if (n->t != SIZE_MAX)
        snprintf(buf, len, "%s_%zu", n->name, n->t);
    else
        snprintf(buf, len, "%s", n->name);
}

zp_status zp__plan_write_mps(plan_lp *P, const char *path)
{
    char comment[512];
    snprintf(comment, sizeof comment,
             "* zeropark planning LP (free MPS), minimise; objective constant 0\n"
             "* %zu steps of %.17g h; year share %.17g; %zu integer columns\n"
             "* unserved penalty %.17g, reserve penalty %.17g, epsilon %.17g\n"
             "* names: docs/methodology.md \"Optimal dispatch (LP)\" and docs/planning.md\n",
             P->n, P->dt, P->f, P->nint, P->mx.penalty, P->mx.reserve_penalty, P->mx.epsilon);
    const zp__mps m = {.name = "zeropark-plan", .comment = comment, .ncols = P->ncols,
                       .nrows = P->nrows, .start = P->start, .index = P->index, .value = P->value,
                       .obj = P->obj, .collb = P->collb, .colub = P->colub, .rowlb = P->rowlb,
                       .rowub = P->rowub, .isint = (const char *)P->integer,
                       .col_name = col_name, .row_name = row_name, .user = P};
    return zp__mps_write(P->ctx, path, &m);
}
