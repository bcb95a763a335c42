/*
 * exact.c - the exact scheduler: the placement problem of
 * zeropark/sched.h as one mixed-integer programme, solved with COIN-OR CBC
 * through its C interface, used to measure the greedy heuristic's gap
 * (docs/schedule.md, "Exact method").
 *
 * Notation: job j with window [a, b) = [max(0, release), min(T, deadline)),
 * duration d slots, power p kW, effective minimum run m = min(min_chunk, d);
 * site s with PUE u_s, capacity C_s, green G_st, objective weight w_st
 * (zp_sched_weight), slot length h.
 *
 * Columns (all >= 0):
 *   x_j_s_k    binary: non-preemptible job j starts at site s in slot k,
 *              k in [a, b - d] (runs k .. k + d - 1)
 *   z_j_s      binary: preemptible job j runs at site s
 *   y_j_s_t    binary: preemptible job j runs at site s in slot t in [a, b)
 *   c_j_s_t    [0, 1]: a run of preemptible job j (m > 1) starts in slot t,
 *              t in [a, b - m]
 *   u_j        [0, 1]: job j is not placed, objective P per job
 *   g_s_t      grid power of site s in slot t (kW), objective h * w_st
 * Sites outside the job's latency bound and sites with p > C_s get no
 * columns.
 *
 * Rows:
 *   cap_s_t    sum p * (running) <= C_s
 *   grid_s_t   g_s_t - u_s * sum p * (running) >= -G_st   (so g = max(0,
 *              u L - G) at an optimum, as the weights are >= 0)
 *   asg_j      sum x (or sum z) + u_j = 1
 *   dur_j_s    sum_t y_j_s_t - d z_j_s = 0  (z = 0 forces y = 0, so no
 *              y <= z rows are needed)
 *   up_j_s_t   c_t - y_t + y_{t-1} >= 0     (a run starting at t has c_t
 *              = 1; no c_t for t > b - m, so no run starts there)
 *   mu_j_s_t   y_t - sum_{t' = t-m+1 .. t} c_t' >= 0 (minimum run length:
 *              a run started at t' stays on for m slots)
 * The last two only when m > 1. P = 1 + sum over jobs of the largest
 * objective a job can add (p d h max u_s max w_st), so the MIP first
 * places as many jobs as it can and then minimises the objective: an
 * infeasible instance still solves, and its unplaced jobs are reported
 * with the reason capacity (latency and window are decided before the
 * model is built).
 *
 * opts->relax drops integrality: the LP optimum is a lower bound (bound),
 * and the placements are a rounding with capacity repair (each job, most
 * certain first, takes its candidate of largest LP value that still fits),
 * not optimal.
 *
 * Memory: the matrix arrays go through the context's allocator; CBC's own
 * copies use C++ new (CBC has no allocator hook).
 */
#include "core/mps.h"
#include "sched/sched_impl.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CBC's header is a system header (-isystem, from its pkg-config target):
 * its warnings are not ours. */
#include <Cbc_C_Interface.h>

/* CBC reads bounds at or above 1e30 as infinite. */
#define SX_INF DBL_MAX
/* Columns above this value are taken as 1. */
#define SX_ONE 0.5
/* Caps on the model, so a huge instance fails cleanly instead of thrashing. */
#define SX_MAX_COLS 50000000u
#define SX_MAX_NNZ 400000000u

enum { K_G = 0, K_U, K_X, K_Z, K_Y, K_C };
enum { R_CAP = 0, R_GRID, R_ASG, R_DUR, R_UP, R_MU };

typedef struct sx_ref {
    uint8_t kind; /* K_* or R_* */
    int32_t j, s, t;
} sx_ref;

typedef struct sx_model {
    zp_ctx *ctx;
    size_t ncols, nrows, nnz;
    size_t cap_cols, cap_rows, cap_nnz, cap_start;
    CoinBigIndex *start; /* ncols + 1 */
    int *index;
    double *value;
    double *collb, *colub, *obj;
    char *isint;
    sx_ref *col;         /* what each column is */
    double *rowlb, *rowub;
    sx_ref *row;         /* what each row is */
    double penalty;      /* P, per unplaced job */
    uint8_t *reason;     /* [njobs] decided before the model, or PLACED */
    int relax;
} sx_model;

static void sx_free(sx_model *m)
{
    zp_ctx *ctx = m->ctx;
    zp__free(ctx, m->start);
    zp__free(ctx, m->index);
    zp__free(ctx, m->value);
    zp__free(ctx, m->collb);
    zp__free(ctx, m->colub);
    zp__free(ctx, m->obj);
    zp__free(ctx, m->isint);
    zp__free(ctx, m->col);
    zp__free(ctx, m->rowlb);
    zp__free(ctx, m->rowub);
    zp__free(ctx, m->row);
    zp__free(ctx, m->reason);
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
}

static zp_status sx_add_row(sx_model *m, double lb, double ub, uint8_t kind, size_t j, size_t s,
                            size_t t)
{
    size_t need = m->nrows + 1, c1 = m->cap_rows, c2 = m->cap_rows, c3 = m->cap_rows;
    if (zp__grow(m->ctx, (void **)&m->rowlb, &c1, need, sizeof *m->rowlb) ||
        zp__grow(m->ctx, (void **)&m->rowub, &c2, need, sizeof *m->rowub) ||
        zp__grow(m->ctx, (void **)&m->row, &c3, need, sizeof *m->row))
        return ZP_ENOMEM;
    m->cap_rows = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
    m->rowlb[m->nrows] = lb;
    m->rowub[m->nrows] = ub;
    m->row[m->nrows] = (sx_ref){kind, (int32_t)j, (int32_t)s, (int32_t)t};
    m->nrows++;
    return ZP_OK;
}

/* Start a new column; its entries follow with sx_entry. */
static zp_status sx_add_col(sx_model *m, double lb, double ub, double obj, int isint,
                            uint8_t kind, size_t j, size_t s, size_t t)
{
    if (m->ncols >= SX_MAX_COLS)
        return zp__error(m->ctx, ZP_ETOOBIG, "exact scheduler: more than %u columns; use the "
                         "greedy method for this instance", SX_MAX_COLS);
    size_t need = m->ncols + 1, cc[6];
    for (int i = 0; i < 6; i++)
        cc[i] = m->cap_cols;
    size_t cs = m->cap_start;
    if (zp__grow(m->ctx, (void **)&m->collb, &cc[0], need, sizeof *m->collb) ||
        zp__grow(m->ctx, (void **)&m->colub, &cc[1], need, sizeof *m->colub) ||
        zp__grow(m->ctx, (void **)&m->obj, &cc[2], need, sizeof *m->obj) ||
        zp__grow(m->ctx, (void **)&m->isint, &cc[3], need, sizeof *m->isint) ||
        zp__grow(m->ctx, (void **)&m->col, &cc[4], need, sizeof *m->col) ||
        zp__grow(m->ctx, (void **)&m->start, &cs, need + 1, sizeof *m->start))
        return ZP_ENOMEM;
    size_t mn = cc[0];
    for (int i = 1; i < 5; i++)
        mn = cc[i] < mn ? cc[i] : mn;
    m->cap_cols = mn;
    m->cap_start = cs;
    m->collb[m->ncols] = lb;
    m->colub[m->ncols] = ub;
    m->obj[m->ncols] = obj;
    m->isint[m->ncols] = (char)(isint && !m->relax);
    m->col[m->ncols] = (sx_ref){kind, (int32_t)j, (int32_t)s, (int32_t)t};
    m->start[m->ncols] = (CoinBigIndex)m->nnz;
    m->ncols++;
    m->start[m->ncols] = (CoinBigIndex)m->nnz;
    return ZP_OK;
}

static zp_status sx_entry(sx_model *m, size_t row, double v)
{
    if (m->nnz >= SX_MAX_NNZ)
        return zp__error(m->ctx, ZP_ETOOBIG, "exact scheduler: more than %u nonzeros; use the "
                         "greedy method for this instance", SX_MAX_NNZ);
    size_t need = m->nnz + 1, c1 = m->cap_nnz, c2 = m->cap_nnz;
    if (zp__grow(m->ctx, (void **)&m->index, &c1, need, sizeof *m->index) ||
        zp__grow(m->ctx, (void **)&m->value, &c2, need, sizeof *m->value))
        return ZP_ENOMEM;
    m->cap_nnz = c1 < c2 ? c1 : c2;
    m->index[m->nnz] = (int)row;
    m->value[m->nnz] = v;
    m->nnz++;
    m->start[m->ncols] = (CoinBigIndex)m->nnz;
    return ZP_OK;
}

/* A negative (or non-finite) objective weight, in the sites file's terms.
 * The model's grid column g >= u L - G is priced at the weight; at a
 * negative weight the solver would raise g without limit, and modelling
 * g = max(0, u L - G) exactly would need a binary per site and slot. So the
 * exact method refuses negative prices; the greedy accepts them. */
static zp_status sx_weight_error(zp_ctx *ctx, const zp_sched_problem *p, zp_sched_objective obj,
                                 size_t s, size_t t, double w)
{
    const zp_sched_site *st = &p->sites[s];
    const double price = st->price_cny_per_kwh[t], in = st->intensity_kg_per_kwh[t];
    const char *fix = "the exact method (--method exact) needs a weight >= 0 in every slot: "
                      "negative prices are not supported by its model (a negative weight on "
                      "grid energy makes it unbounded); use --method greedy, which accepts "
                      "them";
    if (obj == ZP_SCHED_COST)
        return zp__error(ctx, ZP_EUNSUPPORTED, "site '%s', slot %zu: sites[%zu].price_cny_per_kwh "
                         "is %g CNY/kWh with --objective cost; %s", st->name, t, s, price, fix);
    if (obj == ZP_SCHED_COST_WITH_CARBON_PRICE)
        return zp__error(ctx, ZP_EUNSUPPORTED, "site '%s', slot %zu: sites[%zu].price_cny_per_kwh "
                         "%g + intensity %g kg/kWh x carbon_price_cny_per_t %g / 1000 = %g CNY/kWh "
                         "with --objective cost_with_carbon_price; %s", st->name, t, s, price, in,
                         p->carbon_price_cny_per_t, w, fix);
    return zp__error(ctx, ZP_EUNSUPPORTED, "site '%s', slot %zu: sites[%zu].intensity_kg_per_kwh "
                     "is %g kg/kWh; the exact method needs intensities >= 0", st->name, t, s, in);
}

/* Validate what the model relies on. */
static zp_status sx_validate(zp_ctx *ctx, const zp_sched_problem *p, zp_sched_objective obj)
{
    if (!p || p->nsites == 0 || p->nslots == 0 || (p->njobs && !p->jobs) || !p->sites)
        return zp__error(ctx, ZP_EINVAL, "exact scheduler: empty or incomplete problem");
    if (p->nslots > INT32_MAX || p->njobs > INT32_MAX || p->nsites > INT32_MAX)
        return zp__error(ctx, ZP_ETOOBIG, "exact scheduler: problem too large");
    if (!(p->slot_h > 0.0))
        return zp__error(ctx, ZP_EINVAL, "exact scheduler: slot_h must be > 0");
    for (size_t s = 0; s < p->nsites; s++) {
        const zp_sched_site *st = &p->sites[s];
        if (!(st->pue >= 1.0) || !(st->capacity_kw >= 0.0))
            return zp__error(ctx, ZP_EINVAL, "exact scheduler: site %s: PUE must be >= 1 and "
                             "capacity >= 0", st->name);
        for (size_t t = 0; t < p->nslots; t++) {
            double w = zp_sched_weight(p, obj, s, t);
            if (!(w >= 0.0) || !isfinite(w))
                return sx_weight_error(ctx, p, obj, s, t, w);
            double g = st->green_kw ? st->green_kw[t] : 0.0;
            if (!isfinite(g))
                return zp__error(ctx, ZP_EINVAL, "exact scheduler: site %s, slot %zu: green "
                                 "supply is not finite", st->name, t);
        }
    }
    return ZP_OK;
}

/* Build the model (file comment). */
static zp_status sx_build(sx_model *m, const zp_sched_problem *p, const zp_sched_opts *o)
{
    zp_ctx *ctx = m->ctx;
    zp_status rc = sx_validate(ctx, p, o->objective);
    if (rc)
        return rc;
    size_t S = p->nsites, T = p->nslots, J = p->njobs;
    double h = p->slot_h;
    m->relax = o->relax;
    if (!(m->reason = zp__calloc(ctx, J ? J : 1, 1)))
        return zp__nomem(ctx);

    /* Penalty: more than any schedule's objective. */
    double wmax = 0.0, umax = 1.0;
    for (size_t s = 0; s < S; s++) {
        umax = p->sites[s].pue > umax ? p->sites[s].pue : umax;
        for (size_t t = 0; t < T; t++) {
            double w = zp_sched_weight(p, o->objective, s, t);
            wmax = w > wmax ? w : wmax;
        }
    }
    double sum = 0.0;
    for (size_t j = 0; j < J; j++) {
        const zp_sched_job *jb = &p->jobs[j];
        if (jb->power_kw > 0.0 && jb->duration > 0)
            sum += jb->power_kw * jb->duration * h * umax * wmax;
    }
    m->penalty = 1.0 + sum;

    /* cap_s_t and grid_s_t: rows s * T + t and S * T + s * T + t. */
    for (size_t s = 0; s < S; s++)
        for (size_t t = 0; t < T; t++)
            if ((rc = sx_add_row(m, -SX_INF, p->sites[s].capacity_kw, R_CAP, 0, s, t)))
                return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
    for (size_t s = 0; s < S; s++)
        for (size_t t = 0; t < T; t++) {
            double g = p->sites[s].green_kw ? p->sites[s].green_kw[t] : 0.0;
            if ((rc = sx_add_row(m, -g, SX_INF, R_GRID, 0, s, t)))
                return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
        }
    for (size_t s = 0; s < S; s++)
        for (size_t t = 0; t < T; t++) {
            double w = zp_sched_weight(p, o->objective, s, t);
            if ((rc = sx_add_col(m, 0.0, SX_INF, h * w, 0, K_G, 0, s, t)) ||
                (rc = sx_entry(m, S * T + s * T + t, 1.0)))
                return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
        }

    for (size_t j = 0; j < J; j++) {
        const zp_sched_job *jb = &p->jobs[j];
        int32_t a, b;
        job_window(jb, p->nslots, &a, &b);
        /* Window before latency, as the greedy solver decides. */
        if (jb->duration < 1 || b - a < jb->duration || !(jb->power_kw > 0.0)) {
            m->reason[j] = ZP_SCHED_WINDOW;
            continue;
        }
        int allowed = 0;
        for (size_t s = 0; s < S; s++)
            allowed += zp_sched_site_allowed(p, j, s) != 0;
        if (!allowed) {
            m->reason[j] = ZP_SCHED_LATENCY;
            continue;
        }
        int fits = 0;
        for (size_t s = 0; s < S; s++)
            fits += zp_sched_site_allowed(p, j, s) &&
                    jb->power_kw <= p->sites[s].capacity_kw * (1.0 + 1e-12);
        if (!fits) {
            m->reason[j] = ZP_SCHED_CAPACITY;
            continue;
        }
        size_t asg = m->nrows;
        if ((rc = sx_add_row(m, 1.0, 1.0, R_ASG, j, 0, 0)) ||
            (rc = sx_add_col(m, 0.0, 1.0, m->penalty, 0, K_U, j, 0, 0)) ||
            (rc = sx_entry(m, asg, 1.0)))
            return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
        double pw = jb->power_kw, d = jb->duration;
        int32_t mr = job_min_run(jb);
        for (size_t s = 0; s < S; s++) {
            if (!zp_sched_site_allowed(p, j, s) ||
                !(pw <= p->sites[s].capacity_kw * (1.0 + 1e-12)))
                continue;
            double u = p->sites[s].pue;
            if (!jb->preemptible) {
                for (int32_t k = a; k + jb->duration <= b; k++) {
                    if ((rc = sx_add_col(m, 0.0, 1.0, 0.0, 1, K_X, j, s, (size_t)k)) ||
                        (rc = sx_entry(m, asg, 1.0)))
                        return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
                    for (int32_t t = k; t < k + jb->duration; t++)
                        if ((rc = sx_entry(m, s * T + (size_t)t, pw)) ||
                            (rc = sx_entry(m, S * T + s * T + (size_t)t, -u * pw)))
                            return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
                }
                continue;
            }
            /* Preemptible: dur row, then (m > 1) up and mu rows per slot. */
            size_t dur = m->nrows, W = (size_t)(b - a);
            if ((rc = sx_add_row(m, 0.0, 0.0, R_DUR, j, s, 0)))
                return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
            size_t up0 = m->nrows, mu0 = up0 + W;
            if (mr > 1) {
                for (int32_t t = a; t < b; t++)
                    if ((rc = sx_add_row(m, 0.0, SX_INF, R_UP, j, s, (size_t)t)))
                        return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
                for (int32_t t = a; t < b; t++)
                    if ((rc = sx_add_row(m, 0.0, SX_INF, R_MU, j, s, (size_t)t)))
                        return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
            }
            if ((rc = sx_add_col(m, 0.0, 1.0, 0.0, 1, K_Z, j, s, 0)) ||
                (rc = sx_entry(m, asg, 1.0)) || (rc = sx_entry(m, dur, -d)))
                return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
            for (int32_t t = a; t < b; t++) {
                size_t i = (size_t)(t - a);
                if ((rc = sx_add_col(m, 0.0, 1.0, 0.0, 1, K_Y, j, s, (size_t)t)) ||
                    (rc = sx_entry(m, dur, 1.0)) || (rc = sx_entry(m, s * T + (size_t)t, pw)) ||
                    (rc = sx_entry(m, S * T + s * T + (size_t)t, -u * pw)))
                    return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
                if (mr > 1) {
                    if ((rc = sx_entry(m, up0 + i, -1.0)) ||
                        (t + 1 < b && (rc = sx_entry(m, up0 + i + 1, 1.0))) ||
                        (rc = sx_entry(m, mu0 + i, 1.0)))
                        return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
                }
            }
            if (mr > 1) {
                for (int32_t t = a; t + mr <= b; t++) {
                    size_t i = (size_t)(t - a);
                    if ((rc = sx_add_col(m, 0.0, 1.0, 0.0, 0, K_C, j, s, (size_t)t)) ||
                        (rc = sx_entry(m, up0 + i, 1.0)))
                        return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
                    for (int32_t q = 0; q < mr; q++)
                        if ((rc = sx_entry(m, mu0 + i + (size_t)q, -1.0)))
                            return rc == ZP_ENOMEM ? zp__nomem(ctx) : rc;
                }
            }
        }
    }
    if (m->nrows > INT32_MAX || m->nnz > INT32_MAX)
        return zp__error(ctx, ZP_ETOOBIG, "exact scheduler: model too large");
    return ZP_OK;
}

/* ---- MPS ----------------------------------------------------------------- */

/* How a column or row kind is named: its prefix and which of j, s, t
 * follow it. */
enum { SX_J = 1, SX_S = 2, SX_T = 4 };
typedef struct sx_naming {
    const char *prefix;
    unsigned idx;
} sx_naming;
static const sx_naming col_naming[] = {{"g", SX_S | SX_T},        {"u", SX_J},
                                       {"x", SX_J | SX_S | SX_T}, {"z", SX_J | SX_S},
                                       {"y", SX_J | SX_S | SX_T}, {"c", SX_J | SX_S | SX_T}};
static const sx_naming row_naming[] = {{"cap", SX_S | SX_T},        {"grid", SX_S | SX_T},
                                       {"asg", SX_J},               {"dur", SX_J | SX_S},
                                       {"up", SX_J | SX_S | SX_T}, {"mu", SX_J | SX_S | SX_T}};

/* The MPS name of r ("y_3_1_17") by the kind's naming. */
static void sx_name(const sx_naming *naming, const sx_ref *r, char *buf, size_t len)
{
    const sx_naming *k = &naming[r->kind];
    const int32_t v[3] = {r->j, r->s, r->t};
    size_t n = (size_t)snprintf(buf, len, "%s", k->prefix);
    for (int i = 0; i < 3 && n < len; i++)
        if (k->idx & (1u << i))
            n += (size_t)snprintf(buf + n, len - n, "_%d", (int)v[i]);
}

static void sx_col_name(const void *user, size_t c, char *buf, size_t len)
{
    const sx_model *m = user;
    sx_name(col_naming, &m->col[c], buf, len);
}

static void sx_row_name(const void *user, size_t i, char *buf, size_t len)
{
    const sx_model *m = user;
    sx_name(row_naming, &m->row[i], buf, len);
}

/* The model as a free-format MPS file, through the library's one MPS
 * writer (core/mps.c). */
static zp_status sx_write_mps(const sx_model *m, const zp_sched_problem *p, const char *path)
{
    char comment[512];
    snprintf(comment, sizeof comment,
             "* zeropark exact scheduler MIP (free MPS), minimise; objective constant 0\n"
             "* %zu sites, %zu slots of %.17g h, %zu jobs; %s\n"
             "* unplaced penalty %.17g per job\n"
             "* names: docs/schedule.md, \"Exact method\"\n",
             p->nsites, p->nslots, p->slot_h, p->njobs, m->relax ? "LP relaxation" : "MIP",
             m->penalty);
    const zp__mps mps = {.name = "zeropark_sched", .comment = comment, .ncols = m->ncols,
                         .nrows = m->nrows, .start = m->start, .index = m->index,
                         .value = m->value, .obj = m->obj, .collb = m->collb,
                         .colub = m->colub, .rowlb = m->rowlb, .rowub = m->rowub,
                         .isint = m->isint, .col_name = sx_col_name,
                         .row_name = sx_row_name, .user = m};
    return zp__mps_write(m->ctx, path, &mps);
}

zp_status zp_sched_write_mps(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                             const char *path)
{
    const zp_sched_opts o = opts_or_default(opts);
    if (!path)
        return zp__error(ctx, ZP_EINVAL, "zp_sched_write_mps: no path");
    sx_model m;
    memset(&m, 0, sizeof m);
    m.ctx = ctx;
    zp_status rc = sx_build(&m, p, &o);
    if (rc)
        goto out;
    rc = sx_write_mps(&m, p, path);
out:
    sx_free(&m);
    return rc;
}

/* ---- solution ------------------------------------------------------------ */

/* Place preemptible job j at site s in the slots given by flags on[a..b). */
static zp_status sx_place_slots(zp_ctx *ctx, zp_sched_result *r, size_t j, int32_t s,
                                const unsigned char *on, int32_t a, int32_t b, int32_t *buf)
{
    size_t n = 0;
    for (int32_t t = a; t < b; t++)
        if (on[t])
            buf[n++] = t;
    if (n == 0)
        return ZP_OK;
    if ((size_t)(buf[n - 1] - buf[0]) + 1 == n) {
        zp_sched_result_place(r, j, s, buf[0]);
        return ZP_OK;
    }
    return zp_sched_result_place_slots(ctx, r, j, s, buf, n);
}

/* Read an integer solution: columns in model order, job by job. */
static zp_status sx_extract_mip(const sx_model *m, const zp_sched_problem *p, const double *x,
                                zp_sched_result *r)
{
    zp_ctx *ctx = m->ctx;
    zp_status rc = ZP_OK;
    size_t T = p->nslots;
    unsigned char *on = zp__calloc(ctx, T, 1);
    int32_t *buf = zp__calloc(ctx, T, sizeof *buf);
    if (!on || !buf) {
        rc = zp__nomem(ctx);
        goto out;
    }
    size_t c = 0;
    while (c < m->ncols) {
        const sx_ref *k = &m->col[c];
        if (k->kind == K_X && x[c] > SX_ONE) {
            zp_sched_result_place(r, (size_t)k->j, k->s, k->t);
            c++;
        } else if (k->kind == K_Z) {
            int chosen = x[c] > SX_ONE;
            int32_t j = k->j, s = k->s, a = INT32_MAX, b = 0;
            memset(on, 0, T);
            for (c++; c < m->ncols && m->col[c].kind != K_Z && m->col[c].j == j &&
                      (m->col[c].kind == K_Y || m->col[c].kind == K_C);
                 c++) {
                if (m->col[c].kind != K_Y)
                    continue;
                int32_t t = m->col[c].t;
                a = t < a ? t : a;
                b = t + 1 > b ? t + 1 : b;
                on[t] = x[c] > SX_ONE;
            }
            if (chosen && (rc = sx_place_slots(ctx, r, (size_t)j, s, on, a, b, buf)))
                goto out;
        } else {
            c++;
        }
    }
out:
    zp__free(ctx, on);
    zp__free(ctx, buf);
    return rc;
}

/* LP relaxation: round with capacity repair. Candidates are x columns
 * (one start) and, for preemptible jobs, the site z with its d slots of
 * largest y (kept only if they form runs of >= m) or else its contiguous
 * window of largest total y. Jobs go most certain first (largest single
 * value); each takes the best candidate that still fits. */
typedef struct sx_cand {
    double v;       /* LP value: x, or z */
    double key;     /* job's certainty, for the order */
    int32_t j, s, t; /* t: start for x, -1 for a preemptible site */
    size_t col;      /* x column, or the z column */
} sx_cand;

static int sx_cand_cmp(const void *pa, const void *pb)
{
    const sx_cand *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key > b->key ? -1 : 1;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    if (a->v != b->v)
        return a->v > b->v ? -1 : 1;
    return a->col < b->col ? -1 : a->col > b->col;
}

static int sx_runs_ok(const unsigned char *on, int32_t a, int32_t b, int32_t mr)
{
    int32_t run = 0;
    for (int32_t t = a; t <= b; t++) {
        if (t < b && on[t]) {
            run++;
        } else {
            if (run > 0 && run < mr)
                return 0;
            run = 0;
        }
    }
    return 1;
}

static zp_status sx_extract_relax(const sx_model *m, const zp_sched_problem *p, const double *x,
                                  zp_sched_result *r)
{
    zp_ctx *ctx = m->ctx;
    zp_status rc = ZP_OK;
    size_t S = p->nsites, T = p->nslots, J = p->njobs, n = 0;
    sx_cand *cand = NULL;
    double *load = zp__calloc(ctx, S * T, sizeof *load);
    double *best = zp__calloc(ctx, J ? J : 1, sizeof *best);
    unsigned char *on = zp__calloc(ctx, T, 1), *done = zp__calloc(ctx, J ? J : 1, 1);
    int32_t *buf = zp__calloc(ctx, T, sizeof *buf);
    double *yv = zp__calloc(ctx, T, sizeof *yv);
    if (!load || !best || !on || !done || !buf || !yv ||
        !(cand = zp__calloc(ctx, m->ncols ? m->ncols : 1, sizeof *cand))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t c = 0; c < m->ncols; c++) {
        const sx_ref *k = &m->col[c];
        if (k->kind != K_X && k->kind != K_Z)
            continue;
        cand[n++] = (sx_cand){x[c], 0.0, k->j, k->s, k->kind == K_X ? k->t : -1, c};
        best[k->j] = x[c] > best[k->j] ? x[c] : best[k->j];
    }
    for (size_t i = 0; i < n; i++)
        cand[i].key = best[cand[i].j];
    qsort(cand, n, sizeof *cand, sx_cand_cmp);
    for (size_t i = 0; i < n; i++) {
        const sx_cand *cd = &cand[i];
        const zp_sched_job *jb = &p->jobs[cd->j];
        if (done[cd->j])
            continue;
        double pw = jb->power_kw, capk = p->sites[cd->s].capacity_kw * (1.0 + SCHED_CAP_TOL);
        double *ld = load + (size_t)cd->s * T;
        if (cd->t >= 0) {
            int ok = 1;
            for (int32_t t = cd->t; t < cd->t + jb->duration && ok; t++)
                ok = ld[t] + pw <= capk;
            if (!ok)
                continue;
            for (int32_t t = cd->t; t < cd->t + jb->duration; t++)
                ld[t] += pw;
            zp_sched_result_place(r, (size_t)cd->j, cd->s, cd->t);
            done[cd->j] = 1;
            continue;
        }
        /* Preemptible at site s: y values follow the z column. */
        int32_t a, b, mr = job_min_run(jb), d = jb->duration;
        job_window(jb, p->nslots, &a, &b);
        for (int32_t t = a; t < b; t++)
            yv[t] = x[cd->col + 1 + (size_t)(t - a)];
        memset(on, 0, T);
        int32_t got = 0;
        for (; got < d; got++) {
            int32_t bt = -1;
            for (int32_t t = a; t < b; t++)
                if (!on[t] && ld[t] + pw <= capk && (bt < 0 || yv[t] > yv[bt]))
                    bt = t;
            if (bt < 0)
                break;
            on[bt] = 1;
        }
        if (got < d || !sx_runs_ok(on, a, b, mr)) {
            /* Fall back to the contiguous window of largest total y. */
            int32_t bk = -1;
            double bs = -1.0;
            for (int32_t k = a; k + d <= b; k++) {
                double sum = 0.0;
                int ok = 1;
                for (int32_t t = k; t < k + d && ok; t++) {
                    ok = ld[t] + pw <= capk;
                    sum += yv[t];
                }
                if (ok && sum > bs) {
                    bs = sum;
                    bk = k;
                }
            }
            if (bk < 0)
                continue;
            memset(on, 0, T);
            for (int32_t t = bk; t < bk + d; t++)
                on[t] = 1;
        }
        for (int32_t t = a; t < b; t++)
            if (on[t])
                ld[t] += pw;
        if ((rc = sx_place_slots(ctx, r, (size_t)cd->j, cd->s, on, a, b, buf)))
            goto out;
        done[cd->j] = 1;
    }
out:
    zp__free(ctx, cand);
    zp__free(ctx, load);
    zp__free(ctx, best);
    zp__free(ctx, on);
    zp__free(ctx, done);
    zp__free(ctx, buf);
    zp__free(ctx, yv);
    return rc;
}

/* A MIP start from the greedy schedule: CBC then never returns worse than
 * greedy and has an incumbent from the first node (an all-unplaced start
 * would be feasible too, but CBC does not find it by itself quickly).
 * Jobs greedy did not place start with u_j = 1. Fills x[ncols]. */
static zp_status sx_start(const sx_model *m, const zp_sched_problem *p, const zp_sched_result *g,
                          double *x)
{
    zp_ctx *ctx = m->ctx;
    size_t T = p->nslots, S = p->nsites;
    zp_status rc = ZP_OK;
    unsigned char *on = zp__calloc(ctx, T, 1);
    int32_t *buf = zp__calloc(ctx, T, sizeof *buf);
    if (!on || !buf) {
        rc = zp__nomem(ctx);
        goto out;
    }
    int32_t site = -1;
    for (size_t c = 0; c < m->ncols; c++) {
        const sx_ref *k = &m->col[c];
        switch (k->kind) {
        case K_G: {
            double u = p->sites[k->s].pue, gr = p->sites[k->s].green_kw[k->t];
            double v = u * g->load_kw[(size_t)k->s * T + (size_t)k->t] - gr;
            x[c] = v > 0 ? v : 0;
            break;
        }
        case K_U: {
            memset(on, 0, T);
            size_t n = zp_sched_result_job_slots(p, g, (size_t)k->j, buf);
            site = n ? g->place[k->j].site : -1;
            for (size_t i = 0; i < n; i++)
                on[buf[i]] = 1;
            x[c] = site < 0;
            break;
        }
        case K_X:
            x[c] = site == k->s && g->place[k->j].start == k->t;
            break;
        case K_Z:
            x[c] = site == k->s;
            break;
        case K_Y:
            x[c] = site == k->s && on[k->t];
            break;
        default: /* K_C: a run starts here */
            x[c] = site == k->s && on[k->t] && (k->t == 0 || !on[k->t - 1]);
            break;
        }
    }
    (void)S;
out:
    zp__free(ctx, on);
    zp__free(ctx, buf);
    return rc;
}

zp_status zp_sched_exact(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                         zp_sched_result **out)
{
    const zp_sched_opts o = opts_or_default(opts);
    if (!out)
        return zp__error(ctx, ZP_EINVAL, "zp_sched_exact: no output");
    *out = NULL;
    /* CBC's time limit covers branch and bound, not building and solving
     * the root of a very large model: refuse what would not finish. */
    if (p->njobs > ZP_SCHED_EXACT_MAX_JOBS)
        return zp__error(ctx, ZP_ETOOBIG,
                         "the exact method takes up to %d jobs (this has %zu); use "
                         "--method greedy, or split the instance",
                         ZP_SCHED_EXACT_MAX_JOBS, p->njobs);
    double t0 = now_s();
    sx_model m;
    memset(&m, 0, sizeof m);
    m.ctx = ctx;
    Cbc_Model *cbc = NULL;
    zp_sched_result *r = NULL, *greedy = NULL;
    double *start = NULL;
    int *idx = NULL;
    zp_status rc = sx_build(&m, p, &o);
    if (rc)
        goto out;
    if ((rc = zp_sched_result_new(ctx, p, "exact", &r)))
        goto out;

    if (!(cbc = Cbc_newModel())) {
        rc = zp__nomem(ctx);
        goto out;
    }
    Cbc_setLogLevel(cbc, 0);
    Cbc_loadProblem(cbc, (int)m.ncols, (int)m.nrows, m.start, m.index, m.value, m.collb, m.colub,
                    m.obj, m.rowlb, m.rowub);
    for (size_t c = 0; c < m.ncols; c++)
        if (m.isint[c])
            Cbc_setInteger(cbc, (int)c);
    if (o.time_limit_s > 0)
        Cbc_setMaximumSeconds(cbc, o.time_limit_s);
    if (!o.relax && m.ncols > p->nsites * p->nslots) {
        zp_sched_opts go = o;
        go.relax = 0;
        if (zp_sched_greedy(ctx, p, &go, &greedy) == ZP_OK && greedy->load_kw) {
            if (!(start = zp__calloc(ctx, m.ncols, sizeof *start)) ||
                !(idx = zp__calloc(ctx, m.ncols, sizeof *idx))) {
                rc = zp__nomem(ctx);
                goto out;
            }
            if ((rc = sx_start(&m, p, greedy, start)))
                goto out;
            for (size_t c = 0; c < m.ncols; c++)
                idx[c] = (int)c;
            Cbc_setMIPStartI(cbc, (int)m.ncols, idx, start);
        }
    }
    /* Prove optimality, not CBC's default tolerance: the gap measurements
     * and the comparison with HiGHS need the true optimum. */
    Cbc_setAllowableGap(cbc, 1e-9);
    Cbc_setAllowableFractionGap(cbc, 1e-9);
    const double *x = NULL;
    if (m.ncols == p->nsites * p->nslots) {
        /* No job in the model: the empty schedule, grid columns at 0. */
        if (!(start = zp__calloc(ctx, m.ncols, sizeof *start))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        x = start;
    } else {
        Cbc_solve(cbc);
        if (!o.relax)
            x = Cbc_bestSolution(cbc);
        else if (Cbc_isProvenOptimal(cbc))
            x = Cbc_getColSolution(cbc);
    }
    if (!x) {
        rc = zp__error(ctx, ZP_ESOLVER, "exact scheduler: CBC found no %s (status %d, "
                       "secondary %d)%s", o.relax ? "LP optimum" : "integer solution",
                       Cbc_status(cbc), Cbc_secondaryStatus(cbc),
                       Cbc_isSecondsLimitReached(cbc) ? "; the time limit was reached" : "");
        goto out;
    }
    for (size_t j = 0; j < p->njobs; j++)
        if (m.reason[j] != ZP_SCHED_PLACED)
            zp_sched_result_reject(r, j, (zp_sched_reason)m.reason[j]);
    if ((rc = o.relax ? sx_extract_relax(&m, p, x, r) : sx_extract_mip(&m, p, x, r)))
        goto out;
    /* Jobs in the model but not placed: the MIP chose u_j = 1 (or the
     * rounding found no room), i.e. capacity. zp_sched_result_new starts
     * every job as capacity-rejected, so nothing to do. */
    if (x == start) {
        r->bound = 0.0;
        r->optimal = 1;
    } else if (o.relax) {
        r->bound = Cbc_getObjValue(cbc);
        r->optimal = 0;
    } else {
        r->bound = Cbc_getBestPossibleObjValue(cbc);
        r->optimal = Cbc_isProvenOptimal(cbc) != 0;
    }
    if ((rc = zp_sched_evaluate(ctx, p, &o, r)))
        goto out;
    /* CBC's bound is on objective + P * (jobs left out). Take off the
     * penalties of the modelled jobs this result leaves out: at a proven
     * MIP optimum that is the objective itself; otherwise it bounds the
     * objective of schedules that leave out no more jobs than this one
     * (docs/schedule.md, "Exact method"). */
    size_t left = 0;
    for (size_t j = 0; j < p->njobs; j++)
        left += m.reason[j] == ZP_SCHED_PLACED && r->place[j].site < 0;
    r->bound_raw = r->bound;
    r->penalty = m.penalty;
    r->bound -= m.penalty * (double)left;
    if (r->optimal && r->bound > r->totals.objective)
        r->bound = r->totals.objective; /* rounding noise of the penalty */
    r->seconds = now_s() - t0;
    *out = r;
    r = NULL;
out:
    if (cbc)
        Cbc_deleteModel(cbc);
    zp__free(ctx, start);
    zp__free(ctx, idx);
    zp_sched_result_free(ctx, greedy);
    zp_sched_result_free(ctx, r);
    sx_free(&m);
    return rc;
}
