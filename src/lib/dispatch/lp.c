/*
 * lp.c - optimal dispatch: the horizon as one linear programme,
 * solved with COIN-OR CLP through its C interface (zeropark/dispatch.h;
 * docs/methodology.md, "Optimal dispatch (LP)").
 *
 * Variables, per step t (all >= 0; powers in kW averaged over the step):
 *   pv_t, wind_t      renewable power used (curtailed = available - used)
 *   imp_t, exp_t      grid import and export
 *   uns_t             demand not supplied (firm and flexible)
 *   short_t           reserve shortfall, kWh (only with a reserve)
 *   ch_k_t, dis_k_t   storage k AC charge and discharge
 *   soc_k_t           storage k stored energy at the end of the step, kWh
 *   fs_j_t            flexible load j served in step t
 *   fb_j_t            flexible load j queued at the end of step t (kW over
 *                     one step, i.e. kWh / step_h)
 *
 * Rows, per step:
 *   bal_t      pv + wind + sum dis + imp + uns - exp - sum ch - sum fs
 *                = firm + late                                  (kW)
 *   dyn_k_t    soc_t - soc_{t-1} - eta_c dt ch + dt / eta_d dis = 0
 *              (t = 0: = initial energy)
 *   fq_j_t     fb_t - fb_{t-1} + fs_t = a'_t   (queue conservation)
 *   res_t      sum soc_k_t + short_t >= reserve_t + sum soc_min_k E_k
 *   pwr_k_t    -ch_k_t - dis_k_t >= -P_k  (only when some import cost is
 *              below 0: a battery charges or discharges at its power, or
 *              alternates within the step, never both in full at once;
 *              otherwise storage losses would absorb paid-for import
 *              without bound of physics. With every cost >= 0 wasting
 *              energy never pays, so the rows are left out.)
 *   pk_t       peak_m(t) - imp_t >= 0, i.e. imp_t <= peak_m(t) (only with
 *              a demand charge the objective prices, see below)
 *
 * Demand charge and wear (docs/methodology.md, "Demand charge and battery
 * wear"). When the objective is in CNY and the demand charge c > 0, one
 * column per month m of the input (month_of_step, nmonths), after every
 * step's columns:
 *   peak_m            the month's maximum import (kW), bounded below by the
 *                     peak already paid this month (peak_so_far_kw), at cost
 *                     c x month_fraction_m per kW.
 * The LP charges the whole peak, not only its increase: the part below the
 * peak so far is a constant (c x fraction x peak_so_far) that no plan can
 * change, so importing up to the old peak again costs nothing at the
 * margin, the objective is the month's whole charge (what the bill says),
 * and the MPS keeps objective constant 0. A storage's wear
 * (degradation_cny_per_kwh) costs that much per kWh on its discharge
 * column. With the carbon objective neither is in the LP (no pk rows, no
 * month columns, discharge at epsilon alone): both are billed, not
 * optimised.
 *
 * Flexible demand. zp_dispatch_flex defines a deadline t + D (D =
 * floor(max_delay_h / step_h)), or t itself when that lies past the last
 * step. Arrivals due at once ("late", t + D > last) are firm demand of
 * their step and go to the balance's right-hand side. The others (a'_t)
 * all have windows [t, t + D] of one length, so their deadlines come in
 * arrival order and a plan can serve them iff the queue never holds more
 * than the arrivals of the last D steps: 0 <= fb_t <= sum a'_{t-D+1..t}
 * (serve oldest first; the usual cumulative-deadline argument). This is
 * exactly the delay-variable model x[t][d] (energy arriving at t served at
 * t + d, sum_d x = a) with D + 1 columns per arrival projected onto two
 * columns per step: sum_d d x[.][d] = sum_t fb_t, so the delay epsilon
 * carries over unchanged. At 15 min and 12 h that is 2 columns instead of
 * 49 per step.
 *
 * Columns are laid out step by step (every step has the same pattern), as
 * are rows, so a basis shifts by whole steps for a rolling horizon; the
 * month columns come last, after the steps*cps step columns (a shifted
 * basis keeps each month's status, and the pk rows shift with their
 * steps). The matrix is built directly in column-major arrays in O(nnz),
 * once per shape; each solve rewrites only bounds, costs and right-hand
 * sides, and, when a rolling horizon moves across a month's end, the
 * month columns' entries (the matrix is reloaded into CLP, the basis
 * kept).
 *
 * Solving. Cold: primal simplex from a feasible triangular basis
 * (crash_basis: flexible demand served on arrival, storage idle, import or
 * curtailment closing each step, each month's peak column basic in the pk
 * row of its largest import) -- about a quarter of the iterations of
 * dual simplex from the all-slack basis. Long horizons (>= 3 weeks) first
 * solve week-long windows on their own and start the full LP from their
 * bases laid side by side (windows_basis), by dual simplex; the full LP is
 * still solved to proven optimality, the windows only choose where it
 * starts (a year hourly: 1.4 k final iterations instead of 17 k). With a
 * demand charge the windows of a horizon longer than a month are its
 * calendar months, each its own LP with its peak (seeded by two-day
 * windows in turn): the year hourly then takes 0.3 k final iterations
 * instead of 16 k. Warm (same shape, a previous optimum): the old basis,
 * shifted by the replan offset, into dual simplex.
 *
 * Memory: the matrix arrays go through the context's allocator; CLP's own
 * copies use C++ new (CLP has no allocator hook).
 */
#include "core/internal.h"
#include "dispatch/dispatch_impl.h"
#include "dispatch/lp_impl.h"
#include "dispatch/lpmatrix.h"
#include "zeropark/dispatch.h"
#include "zeropark/storage.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* CLP status bytes (ClpSimplex::Status). */
enum { ST_BASIC = 1, ST_AT_LOWER = 3 };

/* Automatic penalties and epsilon, relative to the largest marginal value
 * of one kWh (docs/methodology.md). */
#define LP_UNSERVED_FACTOR 100.0
#define LP_RESERVE_FACTOR 10.0
#define LP_EPSILON_FACTOR 1e-6

/* Grow *p to n elements (exactly: these arrays are large and sized once
 * per shape). */
static zp_status ensure(zp_lp *lp, void *pp, int which, size_t n, size_t elem)
{
    void **p = pp;
    if (n <= lp->cap[which])
        return ZP_OK;
    if (n > SIZE_MAX / elem)
        return zp__nomem(lp->ctx);
    void *q = zp__realloc(lp->ctx, *p, n * elem);
    if (!q)
        return zp__nomem(lp->ctx);
    *p = q;
    lp->cap[which] = n;
    return ZP_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void zp_lp_opts_init(zp_lp_opts *o)
{
    memset(o, 0, sizeof *o);
}

/* ---- input ------------------------------------------------------------- */

static zp_status check_opt_array(zp_ctx *ctx, const char *what, const double *v, size_t n,
                                 int allow_negative, int allow_inf)
{
    if (!v)
        return ZP_OK;
    for (size_t t = 0; t < n; t++) {
        double x = v[t];
        if (isnan(x) || (!allow_inf && !isfinite(x)) || (isinf(x) && x < 0) ||
            (!allow_negative && x < 0.0))
            return zp__error(ctx, ZP_EDATA, "dispatch (LP): %s at step %zu is %g; values must "
                             "be %s%s", what, t, x, allow_negative ? "finite" : "finite and >= 0",
                             allow_inf ? " (or INFINITY)" : "");
    }
    return ZP_OK;
}

static zp_status check_lp_input(zp_ctx *ctx, const zp_dispatch_input *in, const zp_lp_opts *o)
{
    zp_status rc;
    if ((rc = zp_dispatch_input_check(ctx, in)))
        return rc;
    const size_t n = in->steps;
    /* Prices may be negative (docs/model.md): the LP stays bounded, as
     * import only meets demand, storage and export, each bounded or (export
     * at a price capped at the import price) never paying for itself. */
    if ((rc = check_opt_array(ctx, "import_price_cny_per_kwh", in->import_price_cny_per_kwh, n,
                              1, 0)) ||
        (rc = check_opt_array(ctx, "export_price_cny_per_kwh", in->export_price_cny_per_kwh, n,
                              1, 0)) ||
        (rc = check_opt_array(ctx, "grid_factor_kg_per_kwh", in->grid_factor_kg_per_kwh, n, 0,
                              0)) ||
        (rc = check_opt_array(ctx, "opts.import_limit_kw", o->import_limit_kw, n, 0, 1)) ||
        (rc = check_opt_array(ctx, "opts.reserve_kwh", o->reserve_kwh, n, 0, 0)))
        return rc;
    if (!(in->carbon_price_cny_per_t >= 0.0) || !isfinite(in->carbon_price_cny_per_t))
        return zp__error(ctx, ZP_EINVAL, "dispatch (LP): carbon_price_cny_per_t %g must be "
                         "finite and >= 0", in->carbon_price_cny_per_t);
    if ((unsigned)in->objective > (unsigned)ZP_MINIMISE_COST_WITH_CARBON_PRICE)
        return zp__error(ctx, ZP_EINVAL, "dispatch (LP): unknown objective %d",
                         (int)in->objective);
    if (isnan(o->unserved_penalty) || o->unserved_penalty < 0 || isinf(o->unserved_penalty) ||
        isnan(o->reserve_penalty) || o->reserve_penalty < 0 || isinf(o->reserve_penalty) ||
        isnan(o->epsilon) || isinf(o->epsilon))
        return zp__error(ctx, ZP_EINVAL, "dispatch (LP): penalties must be finite and >= 0 "
                         "(0 = automatic) and epsilon finite");
    if (isnan(o->time_limit_s) || o->time_limit_s < 0 || o->max_iterations < 0)
        return zp__error(ctx, ZP_EINVAL, "dispatch (LP): time_limit_s and max_iterations "
                         "must be >= 0 (0 = no limit)");
    return ZP_OK;
}

/* Value per kWh exported at step t (the cost of one imported is
 * zp__dispatch_import_cost). */
static double export_value(const zp_dispatch_input *in, size_t t)
{
    if (in->objective == ZP_MINIMISE_CARBON || !in->export_price_cny_per_kwh)
        return 0.0;
    return in->export_price_cny_per_kwh[t];
}

/* The demand charge on the monthly peaks of import (n steps): per month
 * the charge x its fraction x the larger of the peak so far and the
 * month's largest import, as the LP's month columns price it. */
static double demand_cost(const zp_dispatch_input *in, const double *imp, size_t n)
{
    double sum = 0.0;
    for (size_t m = 0; m < zp__dispatch_nmonths(in); m++) {
        double peak = zp__dispatch_peak_so_far(in, m);
        for (size_t t = 0; t < n; t++)
            if (zp__dispatch_month(in, t) == m && imp[t] > peak)
                peak = imp[t];
        sum += in->demand_charge_cny_per_kw_month * zp__dispatch_month_fraction(in, m) * peak;
    }
    return sum;
}

double zp_dispatch_objective(const zp_dispatch_input *in, const zp_dispatch_result *r)
{
    double sum = 0.0;
    const size_t n = in->steps < r->steps ? in->steps : r->steps;
    for (size_t t = 0; t < n; t++)
        sum += (r->grid_import_kw[t] * zp__dispatch_import_cost(in, t) -
                r->grid_export_kw[t] * export_value(in, t)) * in->step_h;
    if (zp__dispatch_in_cny(in)) {
        for (size_t k = 0; k < in->nstorage && k < r->nstorage; k++)
            if (in->storage[k].degradation_cny_per_kwh > 0.0)
                sum += in->storage[k].degradation_cny_per_kwh * r->storage[k].discharge_kwh;
        if (zp__dispatch_prices_peaks(in))
            sum += demand_cost(in, r->grid_import_kw, n);
    }
    return sum;
}

/* ---- building ---------------------------------------------------------- */

/* Whether the LP needs the pwr rows: some import costs less than nothing. */
static int needs_pwr(const zp_dispatch_input *in)
{
    for (size_t t = 0; in->nstorage && t < in->steps; t++)
        if (zp__dispatch_import_cost(in, t) < 0)
            return 1;
    return 0;
}

static int same_shape(const zp_lp *lp, const zp_dispatch_input *in, int reserve, int pwr,
                      int dem)
{
    if (!lp->loaded || lp->steps != in->steps || lp->nst != in->nstorage ||
        lp->nfl != in->nflex || lp->dt != in->step_h || lp->reserve != reserve || lp->pwr != pwr ||
        lp->dem != dem || (dem && lp->nm != zp__dispatch_nmonths(in)))
        return 0;
    for (size_t k = 0; k < lp->nst; k++)
        if (lp->eta[2 * k] != in->storage[k].charge_efficiency ||
            lp->eta[2 * k + 1] != in->storage[k].discharge_efficiency)
            return 0;
    return 1;
}

/* The month columns (after the step columns, from entry lp->nnz_steps):
 * column m holds +1 in the pk row of every step of month m. A counting
 * sort, O(steps + months). */
static void build_months(zp_lp *lp, const zp_dispatch_input *in)
{
    const size_t n = lp->steps, nm = lp->nm, rps = lp->rps, pk = row_pk(lp);
    size_t *cnt = lp->mwork;
    CoinBigIndex *start = lp->start + lp->nsc;
    memset(cnt, 0, (nm + 1) * sizeof *cnt);
    for (size_t t = 0; t < n; t++) {
        lp->mos[t] = (uint16_t)zp__dispatch_month(in, t);
        cnt[lp->mos[t] + 1]++;
    }
    for (size_t m = 0; m < nm; m++) {
        cnt[m + 1] += cnt[m];
        start[m] = (CoinBigIndex)(lp->nnz_steps + cnt[m]);
    }
    start[nm] = (CoinBigIndex)(lp->nnz_steps + n);
    for (size_t t = 0; t < n; t++) { /* steps in order: rows sorted in each column */
        size_t e = lp->nnz_steps + cnt[lp->mos[t]]++;
        lp->index[e] = (int)(t * rps + pk);
        lp->value[e] = 1.0;
    }
    lp->nnz = lp->nnz_steps + n;
}

/* Whether the month columns hold in's months (with dem). */
static int same_months(const zp_lp *lp, const zp_dispatch_input *in)
{
    if (!in->month_of_step) {
        for (size_t t = 0; t < lp->steps; t++)
            if (lp->mos[t] != 0)
                return 0;
        return 1;
    }
    return memcmp(lp->mos, in->month_of_step, lp->steps * sizeof *lp->mos) == 0;
}

/* Size the arrays for a shape and fill the matrix. */
static zp_status build_matrix(zp_lp *lp, const zp_dispatch_input *in, int reserve, int pwr,
                              int dem)
{
    zp_ctx *ctx = lp->ctx;
    zp_status rc;
    const size_t n = in->steps, K = in->nstorage, J = in->nflex;
    const size_t R = reserve ? 1 : 0, PW = pwr ? 1 : 0, DM = dem ? 1 : 0;
    const size_t nm = dem ? zp__dispatch_nmonths(in) : 0;
    const double dt = in->step_h;

    size_t cps = C_FIXED + R + 3 * K + 2 * J;
    size_t rps = 1 + K + J + R + PW * K + DM;
    /* Entries per step: 5 fixed columns in the balance, short in res,
     * per storage 2 + 2 + (2 or 3) (+1 with a reserve, +2 with pwr rows),
     * per flex 2 + 2; with dem, import in pk and the month column's. */
    size_t nps = 5 + R + K * (6 + R + 2 * PW) + 4 * J + 2 * DM;
    if (n > (size_t)INT_MAX / cps || n > (size_t)INT_MAX / rps || n > (size_t)INT_MAX / nps ||
        n * cps + n * rps > (size_t)INT_MAX - nm || nm > (size_t)UINT16_MAX + 1)
        return zp__error(ctx, ZP_ETOOBIG, "dispatch (LP): %zu steps with %zu storages and %zu "
                         "flexible loads is too large for one LP; split the horizon", n, K, J);
    size_t ncols = n * cps + nm, nrows = n * rps, nnz_max = n * nps;

    if ((rc = ensure(lp, &lp->start, B_START, ncols + 1, sizeof *lp->start)) ||
        (rc = ensure(lp, &lp->collb, B_COLLB, ncols, sizeof(double))) ||
        (rc = ensure(lp, &lp->colub, B_COLUB, ncols, sizeof(double))) ||
        (rc = ensure(lp, &lp->obj, B_OBJ, ncols, sizeof(double))) ||
        (rc = ensure(lp, &lp->rowlb, B_ROWLB, nrows, sizeof(double))) ||
        (rc = ensure(lp, &lp->rowub, B_ROWUB, nrows, sizeof(double))) ||
        (rc = ensure(lp, &lp->index, B_INDEX, nnz_max, sizeof(int))) ||
        (rc = ensure(lp, &lp->value, B_VALUE, nnz_max, sizeof(double))) ||
        (rc = ensure(lp, &lp->status, B_STATUS, ncols + nrows, 1)) ||
        (rc = ensure(lp, &lp->eta, B_ETA, 2 * K + 1, sizeof(double))))
        return rc;
    if (dem && ((rc = ensure(lp, &lp->mos, B_MOS, n, sizeof *lp->mos)) ||
                (rc = ensure(lp, &lp->mwork, B_MWORK, nm + 1, sizeof *lp->mwork)) ||
                (rc = ensure(lp, &lp->mpeak, B_MPEAK, nm, sizeof *lp->mpeak))))
        return rc;

    lp->steps = n;
    lp->nst = K;
    lp->nfl = J;
    lp->dt = dt;
    lp->reserve = (int)R;
    lp->pwr = (int)PW;
    lp->dem = (int)DM;
    lp->nm = nm;
    lp->cps = cps;
    lp->rps = rps;
    lp->nsc = n * cps;
    lp->ncols = ncols;
    lp->nrows = nrows;
    for (size_t k = 0; k < K; k++) {
        lp->eta[2 * k] = in->storage[k].charge_efficiency;
        lp->eta[2 * k + 1] = in->storage[k].discharge_efficiency;
    }

    CoinBigIndex *start = lp->start;
    int *ix = lp->index;
    double *v = lp->value;
    size_t e = 0, c = 0;
#define PUT(row, val) (ix[e] = (int)(row), v[e] = (val), e++)
    for (size_t t = 0; t < n; t++) {
        const size_t r0 = t * rps, r1 = (t + 1) * rps;
        const int more = t + 1 < n;
        /* pv, wind, imp, exp, uns: the balance only (import also in pk). */
        start[c++] = (CoinBigIndex)e; PUT(r0, 1.0);
        start[c++] = (CoinBigIndex)e; PUT(r0, 1.0);
        start[c++] = (CoinBigIndex)e; PUT(r0, 1.0);
        if (DM)
            PUT(r0 + row_pk(lp), -1.0);
        start[c++] = (CoinBigIndex)e; PUT(r0, -1.0);
        start[c++] = (CoinBigIndex)e; PUT(r0, 1.0);
        if (R) {
            start[c++] = (CoinBigIndex)e; PUT(r0 + row_res(lp), 1.0);
        }
        for (size_t k = 0; k < K; k++) {
            const zp_storage *s = &in->storage[k];
            start[c++] = (CoinBigIndex)e; /* charge */
            PUT(r0, -1.0);
            PUT(r0 + row_dyn(k), -s->charge_efficiency * dt);
            if (PW)
                PUT(r0 + row_pwr(lp, k), -1.0);
            start[c++] = (CoinBigIndex)e; /* discharge */
            PUT(r0, 1.0);
            PUT(r0 + row_dyn(k), dt / s->discharge_efficiency);
            if (PW)
                PUT(r0 + row_pwr(lp, k), -1.0);
            start[c++] = (CoinBigIndex)e; /* stored energy */
            PUT(r0 + row_dyn(k), 1.0);
            if (R)
                PUT(r0 + row_res(lp), 1.0);
            if (more)
                PUT(r1 + row_dyn(k), -1.0);
        }
        for (size_t j = 0; j < J; j++) {
            start[c++] = (CoinBigIndex)e; /* served */
            PUT(r0, -1.0);
            PUT(r0 + row_fq(lp, j), 1.0);
            start[c++] = (CoinBigIndex)e; /* queued */
            PUT(r0 + row_fq(lp, j), 1.0);
            if (more)
                PUT(r1 + row_fq(lp, j), -1.0);
        }
    }
#undef PUT
    start[c] = (CoinBigIndex)e;
    lp->nnz_steps = lp->nnz = e;
    if (DM)
        build_months(lp, in);
    return ZP_OK;
}

static double storage_initial_kwh(const zp_dispatch_input *in, size_t k)
{
    const zp_storage *s = &in->storage[k];
    double soc = in->soc_initial ? in->soc_initial[k] : s->soc_initial;
    return soc * s->energy_kwh;
}

/* Bounds, costs and right-hand sides for in. */
static zp_status fill_data(zp_lp *lp, const zp_dispatch_input *in, const zp_lp_opts *o)
{
    zp_status rc;
    const size_t n = in->steps, K = in->nstorage, J = in->nflex;
    const size_t cps = lp->cps, rps = lp->rps, last = n - 1;
    const double dt = in->step_h;

    if ((rc = ensure(lp, &lp->arr, B_ARR, n * (J > 0 ? J : 1), sizeof(double))) ||
        (rc = ensure(lp, &lp->late, B_LATE, n, sizeof(double))) ||
        (rc = ensure(lp, &lp->queued0, B_QUEUED, J > 0 ? J : 1, sizeof(double))) ||
        (rc = ensure(lp, &lp->imp_lim, B_IMPLIM, n, sizeof(double))))
        return rc;

    /* Scale of the objective: the largest marginal value of a kWh. A kWh
     * less in one step lowers a month's peak by at most 1 / dt kW, and one
     * kWh less discharged saves its wear. */
    double vmax = 0.0;
    for (size_t t = 0; t < n; t++) {
        vmax = fmax(vmax, fabs(zp__dispatch_import_cost(in, t)));
        vmax = fmax(vmax, fabs(export_value(in, t)));
    }
    for (size_t m = 0; lp->dem && m < lp->nm; m++)
        vmax = fmax(vmax, in->demand_charge_cny_per_kw_month *
                          zp__dispatch_month_fraction(in, m) / dt);
    for (size_t k = 0; k < K; k++)
        if (zp__dispatch_wear_cost(in, k) > 0.0)
            vmax = fmax(vmax, zp__dispatch_wear_cost(in, k));
    double vscale = vmax > 0.0 ? vmax : 1.0;
    double eta_min = 1.0;
    for (size_t k = 0; k < K; k++)
        eta_min = fmin(eta_min, in->storage[k].charge_efficiency *
                                in->storage[k].discharge_efficiency);
    double eps = o->epsilon > 0 ? o->epsilon : o->epsilon < 0 ? 0.0 : LP_EPSILON_FACTOR * vscale;
    double Q = o->reserve_penalty > 0 ? o->reserve_penalty : LP_RESERVE_FACTOR * vscale / eta_min;
    double P = o->unserved_penalty;
    if (!(P > 0)) {
        P = LP_UNSERVED_FACTOR * vscale / eta_min;
        /* Unserving 1 kWh now must never pay for holding a reserve over
         * every remaining step (1 / eta_d kWh stored per kWh delivered). */
        if (lp->reserve)
            P = fmax(P, 2.0 * Q * (double)n / eta_min);
    }
    lp->penalty = P;
    lp->reserve_penalty = lp->reserve ? Q : 0.0;
    lp->epsilon = eps;

    /* Flexible arrivals: all of it, and the part due at once. */
    double *arr = lp->arr, *late = lp->late;
    for (size_t t = 0; t < n; t++)
        late[t] = 0.0;
    for (size_t j = 0; j < J; j++) {
        lp->queued0[j] = 0.0;
        for (size_t q = 0; in->flex[j].queued_kw && q < in->flex[j].nqueued; q++)
            lp->queued0[j] += in->flex[j].queued_kw[q];
    }
    for (size_t j = 0; j < J; j++) {
        size_t D = zp__flex_delay_steps(&in->flex[j], dt, n);
        for (size_t t = 0; t < n; t++) {
            double a = zp__flex_arrival(&in->flex[j], t);
            if (D > last - t) { /* t + D > last: due now, i.e. firm */
                late[t] += a;
                a = 0.0;
            }
            arr[j * n + t] = a;
        }
    }

    double Esum_min = 0.0;
    for (size_t k = 0; k < K; k++)
        Esum_min += in->storage[k].soc_min * in->storage[k].energy_kwh;

    double *lb = lp->collb, *ub = lp->colub, *cost = lp->obj;
    double *rl = lp->rowlb, *ru = lp->rowub;
    for (size_t t = 0; t < n; t++) {
        const size_t c0 = t * cps, r0 = t * rps;
        const double pv = in->pv_kw ? in->pv_kw[t] : 0.0;
        const double wind = in->wind_kw ? in->wind_kw[t] : 0.0;
        const double firm = in->firm_kw ? in->firm_kw[t] : 0.0;
        const int down = in->grid_down && in->grid_down[t];
        double lim = down ? 0.0 : o->import_limit_kw ? o->import_limit_kw[t] : in->import_limit_kw;
        lp->imp_lim[t] = lim;

        for (size_t c = c0; c < c0 + cps; c++) {
            lb[c] = 0.0;
            ub[c] = LP_INF;
            cost[c] = 0.0;
        }
        ub[c0 + C_PV] = pv;
        ub[c0 + C_WIND] = wind;
        ub[c0 + C_IMP] = isinf(lim) ? LP_INF : lim;
        ub[c0 + C_EXP] = down ? 0.0 : isinf(in->export_limit_kw) ? LP_INF : in->export_limit_kw;
        cost[c0 + C_IMP] = zp__dispatch_import_cost(in, t) * dt;
        cost[c0 + C_EXP] = -export_value(in, t) * dt;
        cost[c0 + C_UNS] = P * dt;

        rl[r0] = ru[r0] = firm + late[t];
        if (lp->reserve) {
            cost[c0 + col_short(lp)] = Q;
            rl[r0 + row_res(lp)] = o->reserve_kwh[t] + Esum_min;
            ru[r0 + row_res(lp)] = LP_INF;
        }
        for (size_t k = 0; k < K; k++) {
            const zp_storage *s = &in->storage[k];
            const size_t cs = c0 + col_st(lp, k);
            ub[cs] = s->power_kw;
            ub[cs + 1] = s->power_kw;
            cost[cs] = eps * dt;
            cost[cs + 1] = eps * dt;
            if (zp__dispatch_wear_cost(in, k) > 0.0)
                cost[cs + 1] += zp__dispatch_wear_cost(in, k) * dt;
            lb[cs + 2] = s->soc_min * s->energy_kwh;
            ub[cs + 2] = s->soc_max * s->energy_kwh;
            double e0 = storage_initial_kwh(in, k);
            if (t == last) /* terminal: end with at least the initial energy */
                lb[cs + 2] = fmax(lb[cs + 2], e0);
            rl[r0 + row_dyn(k)] = ru[r0 + row_dyn(k)] = t == 0 ? e0 : 0.0;
            if (lp->pwr) {
                rl[r0 + row_pwr(lp, k)] = -s->power_kw;
                ru[r0 + row_pwr(lp, k)] = LP_INF;
            }
        }
        ub[c0 + C_UNS] = firm + late[t];
        if (lp->dem) {
            rl[r0 + row_pk(lp)] = 0.0;
            ru[r0 + row_pk(lp)] = LP_INF;
        }
    }
    /* The months' peaks: at least the peak already paid, the whole peak
     * charged (see the top of the file). */
    for (size_t m = 0; m < lp->nm; m++) {
        const size_t c = lp->nsc + m;
        lb[c] = zp__dispatch_peak_so_far(in, m);
        ub[c] = LP_INF;
        cost[c] = in->demand_charge_cny_per_kw_month * zp__dispatch_month_fraction(in, m);
    }
    for (size_t j = 0; j < J; j++) {
        const double *a = arr + j * n;
        const size_t D = zp__flex_delay_steps(&in->flex[j], dt, n);
        long double prefix = 0.0L, psum0 = 0.0L, psum1 = 0.0L;
        for (size_t t = 0; t < n; t++) {
            const size_t c0 = t * cps, cf = c0 + col_fl(lp, j);
            /* The queue at the end of t holds only arrivals t-D+1 .. t;
             * step t serves at most arrivals t-D .. t (queued at its start
             * plus its arrival). Short windows are summed directly, long
             * ones from prefix sums (long double, so the difference of two
             * large sums keeps a small window accurate). */
            double win = 0.0, qmax = 0.0;
            const zp_dispatch_flex *fj = &in->flex[j];
            if (fj->queued_kw && fj->nqueued && t < D) {
                /* Arrivals before step 0 still queued (index u < 0). */
                const long nq = (long)fj->nqueued;
                for (long u = (long)t - (long)D; u <= (long)t; u++) {
                    double au = u >= 0 ? a[u] : (u >= -nq ? fj->queued_kw[nq + u] : 0.0);
                    win += au;
                    if (u + (long)D > (long)t)
                        qmax += au;
                }
                if (D > 64) { /* keep the prefix sums in step */
                    prefix += a[t];
                    if (t >= D)
                        psum1 += a[t - D];
                    if (t >= D + 1)
                        psum0 += a[t - D - 1];
                }
            } else if (D <= 64) {
                for (size_t u = t >= D ? t - D : 0; u <= t; u++) {
                    win += a[u];
                    if (u + D > t)
                        qmax += a[u];
                }
            } else {
                prefix += a[t];
                if (t >= D)     /* psum1: a[0 .. t-D] */
                    psum1 += a[t - D];
                if (t >= D + 1) /* psum0: a[0 .. t-D-1] */
                    psum0 += a[t - D - 1];
                win = fmax(0.0, (double)(prefix - psum0));
                qmax = fmax(0.0, (double)(prefix - psum1));
            }
            ub[cf] = win;
            ub[cf + 1] = qmax;
            cost[cf + 1] = eps * dt;
            rl[t * rps + row_fq(lp, j)] = ru[t * rps + row_fq(lp, j)] =
                a[t] + (t == 0 ? lp->queued0[j] : 0.0);
            /* Unserved is at most the demand that can fall in the step. */
            ub[c0 + C_UNS] += win;
        }
    }
    return ZP_OK;
}

/* ---- handle -------------------------------------------------------------- */

zp_lp *zp_lp_new(zp_ctx *ctx)
{
    zp_lp *lp = zp__calloc(ctx, 1, sizeof *lp);
    if (!lp) {
        zp__nomem(ctx);
        return NULL;
    }
    lp->ctx = ctx;
    return lp;
}

void zp_lp_free(zp_lp *lp)
{
    if (!lp)
        return;
    zp_ctx *ctx = lp->ctx;
    if (lp->clp)
        Clp_deleteModel(lp->clp);
    zp__free(ctx, lp->eta);
    zp__free(ctx, lp->start);
    zp__free(ctx, lp->index);
    zp__free(ctx, lp->value);
    zp__free(ctx, lp->collb);
    zp__free(ctx, lp->colub);
    zp__free(ctx, lp->obj);
    zp__free(ctx, lp->rowlb);
    zp__free(ctx, lp->rowub);
    zp__free(ctx, lp->status);
    zp__free(ctx, lp->arr);
    zp__free(ctx, lp->late);
    zp__free(ctx, lp->queued0);
    zp__free(ctx, lp->imp_lim);
    zp__free(ctx, lp->mos);
    zp__free(ctx, lp->mwork);
    zp__free(ctx, lp->mpeak);
    zp_lp_free(lp->sub);
    zp__free(ctx, lp->sub_flex);
    zp__free(ctx, lp->sub_peak);
    zp__free(ctx, lp->sub_frac);
    zp__free(ctx, lp);
}

/* Build (or update) the LP for in; *rebuilt says whether the matrix was
 * rebuilt (so no basis survives). */
static zp_status prepare(zp_lp *lp, const zp_dispatch_input *in, const zp_lp_opts *o,
                         int *rebuilt)
{
    zp_status rc;
    int reserve = o->reserve_kwh != NULL;
    int pwr = lp->pwr_force ? lp->pwr_force - 1 : needs_pwr(in);
    int dem = zp__dispatch_prices_peaks(in);
    *rebuilt = 0;
    if (!same_shape(lp, in, reserve, pwr, dem)) {
        lp->loaded = 0;
        lp->has_basis = 0;
        if ((rc = build_matrix(lp, in, reserve, pwr, dem)))
            return rc;
        *rebuilt = 1;
    } else if (dem && !same_months(lp, in)) {
        /* A rolling horizon crossed a month's end: new month columns, the
         * same shape, so the basis stays. */
        build_months(lp, in);
        lp->reload = 1;
    }
    return fill_data(lp, in, o);
}

/* Rows are step-major and every step has the same pattern, so the basis
 * of the previous horizon, moved back by shift whole steps, is a good
 * start for this one. The new tail repeats the old last step. CLP repairs
 * a basis with the wrong number of basic variables when it factorises. */
static void shift_basis(zp_lp *lp, size_t shift)
{
    const size_t n = lp->steps, cps = lp->cps, rps = lp->rps;
    unsigned char *st = lp->status;
    unsigned char *cols = st, *rows = st + lp->ncols;
    for (size_t t = 0; t < n; t++) {
        size_t from = t + shift < n ? t + shift : n - 1;
        memmove(cols + t * cps, cols + from * cps, cps);
        memmove(rows + t * rps, rows + from * rps, rps);
    }
}

static const char *fallback_method(int status)
{
    switch (status) {
    case ZP_LP_INFEASIBLE: return "rule (LP failed: infeasible)";
    case ZP_LP_UNBOUNDED: return "rule (LP failed: unbounded)";
    case ZP_LP_STOPPED: return "rule (LP failed: time or iteration limit)";
    case ZP_LP_CHECK_FAILED: return "rule (LP failed: solution check)";
    case ZP_LP_ERROR:
    default: return "rule (LP failed: numerical error)";
    }
}

/* The rule-based plan, cut to a per-step import limit (the rule knows only
 * one limit): import above the limit becomes unserved (counted as firm,
 * since the rule's flexible attribution is kept). */
static zp_status fallback(zp_lp *lp, const zp_dispatch_input *in, const zp_lp_opts *o,
                          zp_dispatch_result **out)
{
    zp_status rc;
    zp_dispatch_result *r = NULL;
    if ((rc = zp_dispatch_rule(lp->ctx, in, &r)))
        return rc;
    if (o->import_limit_kw) {
        for (size_t t = 0; t < in->steps; t++) {
            double over = r->grid_import_kw[t] - o->import_limit_kw[t];
            if (over > 0) {
                r->grid_import_kw[t] -= over;
                r->unserved_kw[t] += over;
                r->totals.import_kwh -= over * in->step_h;
                r->totals.unserved_kwh += over * in->step_h;
            }
        }
    }
    *out = r;
    return ZP_OK;
}

/* Copy the LP solution into a result, repair rounding noise (clamp to
 * bounds, put a step's tiny imbalance into curtailment, import or
 * unserved), and check the plan. Returns 0 when the plan is valid. */
static int extract(zp_lp *lp, const zp_dispatch_input *in, zp_dispatch_result *r,
                   char *why, size_t whylen)
{
    const size_t n = in->steps, K = in->nstorage, J = in->nflex;
    const size_t cps = lp->cps;
    const double dt = in->step_h;
    const double *x = lp->x_given ? lp->x_given : Clp_getColSolution(lp->clp);
    const double *lb = lp->collb, *ub = lp->colub;
    zp_dispatch_totals *tot = &r->totals;

#define X(c) fmin(fmax(x[c], lb[c]), ub[c])
    r->method = "optimal";
    r->step_h = dt;
    for (size_t k = 0; k < K; k++)
        r->storage[k].soc_start = storage_initial_kwh(in, k) / in->storage[k].energy_kwh;
    for (size_t j = 0; j < J; j++)
        for (size_t t = 0; t < n; t++)
            r->flex[j].demand_kwh += zp__flex_arrival(&in->flex[j], t) * dt;

    for (size_t t = 0; t < n; t++) {
        const size_t c0 = t * cps;
        const double pv = in->pv_kw ? in->pv_kw[t] : 0.0;
        const double wind = in->wind_kw ? in->wind_kw[t] : 0.0;
        const double firm = in->firm_kw ? in->firm_kw[t] : 0.0;
        double pv_u = X(c0 + C_PV), wind_u = X(c0 + C_WIND);
        double imp = X(c0 + C_IMP), exp_ = X(c0 + C_EXP), uns = X(c0 + C_UNS);
        double ch = 0, dis = 0, scale = firm + lp->late[t] + pv + wind;
        for (size_t k = 0; k < K; k++) {
            const size_t cs = c0 + col_st(lp, k);
            const zp_storage *s = &in->storage[k];
            double c = X(cs), d = X(cs + 1), e = X(cs + 2);
            double e_prev = t ? X(cs + 2 - cps) : storage_initial_kwh(in, k);
            double drift = e - e_prev - s->charge_efficiency * c * dt +
                           d / s->discharge_efficiency * dt;
            if (fabs(drift) > 1e-6 * (1.0 + s->energy_kwh)) {
                snprintf(why, whylen, "storage %zu energy off by %g kWh at step %zu", k, drift, t);
                return 1;
            }
            r->storage[k].charge_kw[t] = c;
            r->storage[k].discharge_kw[t] = d;
            r->storage[k].soc[t] = e / s->energy_kwh;
            r->storage[k].charge_kwh += c * dt;
            r->storage[k].discharge_kwh += d * dt;
            ch += c;
            dis += d;
            scale += s->power_kw;
        }
        double served = lp->late[t], delayed = 0, backlog = 0;
        for (size_t j = 0; j < J; j++) {
            const size_t cf = c0 + col_fl(lp, j);
            served += X(cf);
            delayed += fmin(lp->arr[j * n + t], X(cf + 1));
            backlog += X(cf + 1);
        }
        scale += served;
        double res = pv_u + wind_u + dis + imp + uns - (firm + served + ch + exp_);
        if (fabs(res) > 1e-7 * (1.0 + scale)) {
            snprintf(why, whylen, "step %zu off balance by %g kW", t, res);
            return 1;
        }
        /* Rounding noise: a surplus is curtailed, a deficit imported if
         * the limit allows, else unserved. */
        if (res > 0) {
            double cut = fmin(res, pv_u);
            pv_u -= cut;
            wind_u -= fmin(res - cut, wind_u);
        } else if (res < 0) {
            double room = fmax(0.0, fmin(-res, lp->imp_lim[t] - imp));
            imp += room;
            uns += -res - room;
        }
        r->pv_used_kw[t] = pv_u;
        r->wind_used_kw[t] = wind_u;
        r->curtailed_kw[t] = (pv - pv_u) + (wind - wind_u);
        r->grid_import_kw[t] = imp;
        r->grid_export_kw[t] = exp_;
        r->unserved_kw[t] = uns;
        r->flex_served_kw[t] = served;
        /* Firm demand has priority, as in the rule: a shortfall falls on
         * the flexible energy served in the step first. */
        double flex_uns = fmin(uns, served);
        r->flex_unserved_kw[t] = flex_uns;
        r->flex_delayed_kw[t] = delayed;
        r->flex_backlog_kwh[t] = backlog * dt;

        double frac = served > 0 ? flex_uns / served : 0.0;
        for (size_t j = 0; j < J; j++) {
            const size_t cf = c0 + col_fl(lp, j);
            zp_dispatch_flex_totals *ft = &r->flex[j];
            size_t D = zp__flex_delay_steps(&in->flex[j], dt, n);
            double late_j = D > n - 1 - t ? zp__flex_arrival(&in->flex[j], t) : 0.0;
            double s_j = X(cf) + late_j;
            double q_prev = t ? X(cf + 1 - cps) : lp->queued0[j];
            /* Oldest first: what is served comes from the queue first. */
            double from_queue = fmin(X(cf), q_prev);
            ft->served_kwh += s_j * (1.0 - frac) * dt;
            ft->unserved_kwh += s_j * frac * dt;
            ft->delayed_kwh += from_queue * (1.0 - frac) * dt;
            ft->delay_kwh_h += X(cf + 1) * dt * dt;
        }

        zp__dispatch_totals_step(tot, r, t, firm, pv, wind, dt);
        tot->charge_kwh += ch * dt;
        tot->discharge_kwh += dis * dt;
    }
#undef X
    zp__dispatch_totals_end(tot, r);
    return 0;
}

/* The LP objective (penalties and epsilons included) on the rule's plan,
 * so a fallback still reports a comparable number. */
static double lp_objective_of(const zp_lp *lp, const zp_dispatch_input *in,
                              const zp_dispatch_result *r, const zp_lp_opts *o)
{
    double v = zp_dispatch_objective(in, r);
    const double dt = in->step_h;
    for (size_t t = 0; t < in->steps; t++) {
        v += lp->penalty * r->unserved_kw[t] * dt;
        double cyc = 0, usable = 0;
        for (size_t k = 0; k < in->nstorage; k++) {
            cyc += r->storage[k].charge_kw[t] + r->storage[k].discharge_kw[t];
            usable += (r->storage[k].soc[t] - in->storage[k].soc_min) *
                      in->storage[k].energy_kwh;
        }
        v += lp->epsilon * cyc * dt + lp->epsilon * r->flex_backlog_kwh[t];
        if (o->reserve_kwh && usable < o->reserve_kwh[t])
            v += lp->reserve_penalty * (o->reserve_kwh[t] - usable);
    }
    return v;
}

/* A feasible starting basis for a cold solve: every flexible arrival
 * served at once (fs basic in its queue row), storage idle (soc basic in
 * its dynamics row), and per step the balance closed by import, or by
 * curtailed PV or wind when they exceed the demand, or by unserved energy
 * beyond the import limit; reserve rows' slacks basic. With a demand
 * charge each month's peak column is basic in the pk row of the month's
 * largest import (that row tight, the others' slacks basic), or at its
 * lower bound, the peak so far, when no import exceeds that. It is
 * triangular, hence nonsingular, and primal feasible, so primal simplex
 * starts from a real plan instead of the all-slack basis. */
static void crash_basis(zp_lp *lp)
{
    enum { AT_UPPER = 2 };
    const size_t n = lp->steps, cps = lp->cps, rps = lp->rps, K = lp->nst, J = lp->nfl;
    unsigned char *cs = lp->status, *rs = lp->status + lp->ncols;
    const double *ub = lp->colub;
    for (size_t m = 0; m < lp->nm; m++) {
        lp->mpeak[m] = lp->collb[lp->nsc + m];
        lp->mwork[m] = SIZE_MAX; /* no step above the peak so far yet */
    }
    for (size_t t = 0; t < n; t++) {
        const size_t c0 = t * cps, r0 = t * rps;
        memset(cs + c0, ST_AT_LOWER, cps);
        memset(rs + r0, ST_AT_LOWER, rps);
        double need = lp->rowlb[r0]; /* firm + late */
        for (size_t j = 0; j < J; j++) {
            need += lp->arr[j * n + t] + (t == 0 ? lp->queued0[j] : 0.0);
            cs[c0 + col_fl(lp, j)] = ST_BASIC;
        }
        for (size_t k = 0; k < K; k++)
            cs[c0 + col_st(lp, k) + 2] = ST_BASIC;
        if (lp->reserve)
            rs[r0 + row_res(lp)] = ST_BASIC;
        for (size_t k = 0; lp->pwr && k < K; k++)
            rs[r0 + row_pwr(lp, k)] = ST_BASIC;
        double pv = ub[c0 + C_PV], wind = ub[c0 + C_WIND], imp = 0.0;
        if (need >= pv + wind) {
            cs[c0 + C_PV] = cs[c0 + C_WIND] = AT_UPPER;
            if (need - pv - wind <= ub[c0 + C_IMP]) {
                cs[c0 + C_IMP] = ST_BASIC;
                imp = need - pv - wind;
            } else {
                cs[c0 + C_IMP] = AT_UPPER;
                cs[c0 + C_UNS] = ST_BASIC;
                imp = ub[c0 + C_IMP];
            }
        } else if (need >= wind) {
            cs[c0 + C_WIND] = AT_UPPER;
            cs[c0 + C_PV] = ST_BASIC;
        } else {
            cs[c0 + C_WIND] = ST_BASIC;
        }
        if (lp->dem) {
            size_t m = lp->mos[t];
            rs[r0 + row_pk(lp)] = ST_BASIC;
            if (imp > lp->mpeak[m]) {
                lp->mpeak[m] = imp;
                lp->mwork[m] = t;
            }
        }
    }
    for (size_t m = 0; m < lp->nm; m++) {
        cs[lp->nsc + m] = lp->mwork[m] == SIZE_MAX ? ST_AT_LOWER : ST_BASIC;
        if (lp->mwork[m] != SIZE_MAX)
            rs[lp->mwork[m] * rps + row_pk(lp)] = ST_AT_LOWER;
    }
}

/* Steps per window when seeding a long horizon's basis: hours (a week, or
 * two days within a month under a demand charge, see windows_basis), and
 * at least four flexible delays. */
static size_t window_steps(const zp_dispatch_input *in, double hours)
{
    size_t w = (size_t)(hours / in->step_h + 0.5), dmax = 0;
    for (size_t j = 0; j < in->nflex; j++) {
        size_t d = zp__flex_delay_steps(&in->flex[j], in->step_h, in->steps);
        dmax = d > dmax ? d : dmax;
    }
    if (w < 4 * dmax + 4)
        w = 4 * dmax + 4;
    return w < 48 ? 48 : w;
}

/* The end of the window that starts at step s: W steps (the last window
 * takes the remainder, a short tail joins it), or with by_month
 * the end of s's calendar month (a run shorter than W joins the next, a
 * tail shorter than W the last). */
static size_t window_end(const zp_lp *lp, size_t s, size_t W, int by_month)
{
    const size_t n = lp->steps;
    if (!by_month)
        return n - s < 2 * W ? n : s + W;
    size_t e = s;
    while (e < n && e - s < W) { /* whole months until the window holds W steps */
        size_t m = lp->mos[e];
        while (e < n && lp->mos[e] == m)
            e++;
    }
    return n - e < W ? n : e;
}

/* The shares of the months' charges a window [s, e) within a month prices
 * a raise of a peak at, into lp->sub_frac: the month's fraction times the
 * window's part of what is left of the month in the horizon (the rolling
 * horizon's rule, mpc.c): a window sees a raise that serves the rest of
 * the month too. */
static const double *window_shares(zp_lp *lp, const zp_dispatch_input *in, size_t s, size_t e)
{
    const size_t nm = lp->nm;
    size_t *left = lp->mwork + nm; /* steps of each month from s on (mwork has 2 nm + 1) */
    for (size_t m = 0; m < nm; m++)
        left[m] = 0;
    for (size_t t = s; t < lp->steps; t++)
        left[lp->mos[t]]++;
    for (size_t m = 0; m < nm; m++) {
        size_t in_win = 0;
        for (size_t t = s; t < e; t++)
            in_win += lp->mos[t] == m;
        lp->sub_frac[m] = zp__dispatch_month_fraction(in, m) *
                          (left[m] ? fmin(1.0, (double)in_win / (double)left[m]) : 1.0);
    }
    return lp->sub_frac;
}

/* Window [s, e) raised month m's peak (windows_basis): the window that
 * raised it before, no longer the last, has its pk rows of month m slack. */
static void raised(zp_lp *lp, size_t m, size_t s, size_t e)
{
    const size_t from = lp->mwork[m], to = lp->mwork[2 * lp->nm + m];
    unsigned char *rs = lp->status + lp->ncols;
    for (size_t t = from; from != SIZE_MAX && t < to; t++)
        if (lp->mos[t] == m)
            rs[t * lp->rps + row_pk(lp)] = ST_BASIC;
    lp->mwork[m] = s;
    lp->mwork[2 * lp->nm + m] = e;
}

/* A starting basis for a long horizon, from consecutive windows solved on
 * their own (each from its SOC at the end of the previous one) and their
 * optimal bases laid side by side. Every window's basis has as many basic
 * variables as its rows and the layout is step by step, so the pieces fit
 * the full LP; only the seams are off, and the final solve of the whole
 * LP (which alone decides optimality) repairs them in a few iterations
 * instead of re-deriving every day's cycle through one long factorised
 * chain.
 * With a demand charge every window has all the months' columns. Over
 * more than a month the windows are the calendar months: each window is
 * then its months' own LP, peak and all, and each month's column is basic
 * in one window only, so only the state of charge at the months' ends is
 * off (a month's own solve starts from windows of its days in turn).
 * Within a month the windows are two days (four flexible delays at least):
 * each starts from the peaks the windows before it reached and prices a
 * raise at its share of the rest of the month (window_shares). A month's
 * column is basic with the tight pk row of the last window that raised its
 * peak; an earlier window that raised it has its pk rows of that month
 * slack instead (its column's place in the count goes to them), and a
 * window that did not raise it keeps its pk rows as they were: the rows
 * where it imported up to the peak so far stay tight, so the count of
 * basic variables stays that of the rows. (Making those slack too leaves
 * CLP a hundred surplus basic variables a month to drop as it can.)
 * Measured on the campus year with a demand charge (bench_lp): two-day
 * windows and the tight rows kept take a third fewer instructions than
 * week-long windows with every non-last window's rows slack; within a
 * month the windows' work falls with their length while the month's own
 * solve takes about the same number of iterations. Without a demand
 * charge the windows stay a week: there the whole LP's final solve, which
 * mends every seam, costs more per iteration than the windows save.
 * Returns 0 with lp->status filled, or -1 (use crash_basis). */
static int windows_basis(zp_lp *lp, const zp_dispatch_input *in, const zp_lp_opts *o,
                         int *iterations)
{
    zp_ctx *ctx = lp->ctx;
    const size_t n = in->steps, W = window_steps(in, 168.0), J = in->nflex, K = in->nstorage;
    const size_t nm = lp->nm;
    double soc[64];
    if (K > sizeof soc / sizeof soc[0] || n < 3 * W)
        return -1;
    if (!lp->sub && !(lp->sub = zp_lp_new(ctx)))
        return -1;
    lp->sub->pwr_force = 1 + lp->pwr; /* the windows' rows match the full LP's */
    if (J > lp->sub_flex_cap) {
        zp_dispatch_flex *f = zp__realloc(ctx, lp->sub_flex, J * sizeof *f);
        if (!f)
            return -1;
        lp->sub_flex = f;
        lp->sub_flex_cap = J;
    }
    /* lp->mwork: per month the first step of the last window that raised
     * its peak (SIZE_MAX: none did), then (from 2 nm) that window's end. */
    if (nm && (ensure(lp, &lp->sub_peak, B_SUBPEAK, nm, sizeof *lp->sub_peak) != ZP_OK ||
               ensure(lp, &lp->sub_frac, B_SUBFRAC, nm, sizeof *lp->sub_frac) != ZP_OK ||
               ensure(lp, &lp->mwork, B_MWORK, 3 * nm + 1, sizeof *lp->mwork) != ZP_OK))
        return -1;
    for (size_t m = 0; m < nm; m++) {
        lp->sub_peak[m] = zp__dispatch_peak_so_far(in, m);
        lp->mwork[m] = SIZE_MAX;
    }
    const int by_month = nm && window_end(lp, 0, W, 1) < n;
    const size_t Ww = nm && !by_month ? window_steps(in, 48.0) : W;
    for (size_t k = 0; k < K; k++)
        soc[k] = in->soc_initial ? in->soc_initial[k] : in->storage[k].soc_initial;
    for (size_t s = 0, e; s < n; s = e) {
        e = window_end(lp, s, Ww, by_month);
        const size_t len = e - s;
        zp_dispatch_input w = *in;
        w.steps = len;
        w.pv_kw = in->pv_kw ? in->pv_kw + s : NULL;
        w.wind_kw = in->wind_kw ? in->wind_kw + s : NULL;
        w.firm_kw = in->firm_kw ? in->firm_kw + s : NULL;
        w.import_price_cny_per_kwh = in->import_price_cny_per_kwh ? in->import_price_cny_per_kwh + s : NULL;
        w.export_price_cny_per_kwh = in->export_price_cny_per_kwh ? in->export_price_cny_per_kwh + s : NULL;
        w.grid_factor_kg_per_kwh = in->grid_factor_kg_per_kwh ? in->grid_factor_kg_per_kwh + s : NULL;
        w.soc_initial = soc;
        w.grid_down = in->grid_down ? in->grid_down + s : NULL;
        w.month_of_step = in->month_of_step ? in->month_of_step + s : NULL;
        w.peak_so_far_kw = nm ? lp->sub_peak : in->peak_so_far_kw;
        if (nm && !by_month)
            w.month_fraction = window_shares(lp, in, s, e);
        for (size_t j = 0; j < J; j++) {
            lp->sub_flex[j] = in->flex[j];
            if (in->flex[j].kw)
                lp->sub_flex[j].kw = in->flex[j].kw + s;
            if (s > 0) { /* only the first window starts with the queue */
                lp->sub_flex[j].queued_kw = NULL;
                lp->sub_flex[j].nqueued = 0;
            }
        }
        w.flex = lp->sub_flex;
        zp_lp_opts so;
        zp_lp_opts_init(&so);
        so.unserved_penalty = lp->penalty;
        so.reserve_penalty = lp->reserve_penalty;
        so.epsilon = lp->epsilon > 0 ? lp->epsilon : -1.0;
        so.import_limit_kw = o->import_limit_kw ? o->import_limit_kw + s : NULL;
        so.reserve_kwh = o->reserve_kwh ? o->reserve_kwh + s : NULL;
        so.time_limit_s = o->time_limit_s;
        so.max_iterations = o->max_iterations;
        /* Each window from its own crash basis: a neighbour's basis is no
         * better a start than that. */
        lp->sub->has_basis = 0;
        zp_dispatch_result *r = NULL;
        zp_lp_info si;
        if (zp_lp_solve(lp->sub, &w, &so, &r, &si) != ZP_OK) {
            zp_ctx_clear_error(ctx);
            return -1;
        }
        int ok = !si.fell_back;
        *iterations += si.iterations;
        if (ok) {
            memcpy(lp->status + s * lp->cps, lp->sub->status, len * lp->cps);
            memcpy(lp->status + lp->ncols + s * lp->rps, lp->sub->status + lp->sub->ncols,
                   len * lp->rps);
            for (size_t k = 0; k < K; k++)
                soc[k] = r->storage[k].soc[len - 1];
            for (size_t m = 0; m < nm; m++)
                if (lp->sub->status[lp->sub->nsc + m] == ST_BASIC)
                    raised(lp, m, s, e);
            for (size_t t = 0; nm && t < len; t++) {
                size_t m = lp->mos[s + t];
                lp->sub_peak[m] = fmax(lp->sub_peak[m], r->grid_import_kw[t]);
            }
        }
        zp_dispatch_result_free(ctx, r);
        if (!ok)
            return -1;
    }
    /* Each month's peak: basic where its last raise left it. */
    for (size_t m = 0; m < nm; m++)
        lp->status[lp->nsc + m] = lp->mwork[m] == SIZE_MAX ? ST_AT_LOWER : ST_BASIC;
    return 0;
}

zp_status zp_lp_solve(zp_lp *lp, const zp_dispatch_input *in, const zp_lp_opts *opts,
                      zp_dispatch_result **out, zp_lp_info *info)
{
    zp_status rc;
    zp_lp_opts defaults;
    zp_lp_info local;
    zp_dispatch_result *r = NULL;
    int rebuilt = 0, window_iterations = 0;

    if (!out)
        return lp ? zp__error(lp->ctx, ZP_EINVAL, "dispatch (LP): out is NULL") : ZP_EINVAL;
    *out = NULL;
    if (!lp)
        return ZP_EINVAL;
    zp_ctx *ctx = lp->ctx;
    if (!opts) {
        zp_lp_opts_init(&defaults);
        opts = &defaults;
    }
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if ((rc = check_lp_input(ctx, in, opts)))
        return rc;

    double t0 = now_s();
    if ((rc = prepare(lp, in, opts, &rebuilt)))
        goto fail;
    if (opts->mps_path && (rc = zp__lp_write_mps(lp, opts->mps_path)))
        goto fail;
    if (!lp->clp) {
        if (!(lp->clp = Clp_newModel())) {
            rc = zp__nomem(ctx);
            goto fail;
        }
        Clp_setLogLevel(lp->clp, 0);
    }
    if (!lp->loaded || lp->reload) {
        Clp_loadProblem(lp->clp, (int)lp->ncols, (int)lp->nrows, lp->start, lp->index,
                        lp->value, lp->collb, lp->colub, lp->obj, lp->rowlb, lp->rowub);
        if (lp->loaded && lp->has_basis) { /* reloaded: the basis goes back in */
            if (opts->shift_steps > 0 && opts->shift_steps < lp->steps)
                shift_basis(lp, opts->shift_steps);
            Clp_copyinStatus(lp->clp, lp->status);
        }
        lp->loaded = 1;
        lp->reload = 0;
    } else {
        Clp_chgColumnLower(lp->clp, lp->collb);
        Clp_chgColumnUpper(lp->clp, lp->colub);
        Clp_chgObjCoefficients(lp->clp, lp->obj);
        Clp_chgRowLower(lp->clp, lp->rowlb);
        Clp_chgRowUpper(lp->clp, lp->rowub);
        if (lp->has_basis && opts->shift_steps > 0 && opts->shift_steps < lp->steps) {
            shift_basis(lp, opts->shift_steps);
            Clp_copyinStatus(lp->clp, lp->status);
        }
    }
    info->warm_started = lp->has_basis;
    double t1 = now_s();

    Clp_setMaximumIterations(lp->clp, opts->max_iterations > 0 ? opts->max_iterations : INT_MAX);
    Clp_setMaximumSeconds(lp->clp, opts->time_limit_s > 0 ? opts->time_limit_s : -1.0);
    if (!lp->has_basis) {
        /* Cold: primal simplex from a feasible basis (crash_basis) takes a
         * fraction of the iterations of the dual from the all-slack basis.
         * From the windows' bases on a long horizon, the dual: they are
         * near optimal but their seams leave reduced costs of the wrong
         * sign, which the dual mends in fewer and cheaper iterations (the
         * campus year: 340 instead of 524 with a demand charge, 14 % fewer
         * instructions in all without). */
        int windowed = windows_basis(lp, in, opts, &window_iterations) == 0;
        if (!windowed)
            crash_basis(lp);
        Clp_copyinStatus(lp->clp, lp->status);
        if (windowed)
            Clp_dual(lp->clp, 0);
        else
            Clp_primal(lp->clp, 0);
    } else {
        /* Warm: the shifted basis stays nearly dual feasible (costs move
         * little) while bounds and right-hand sides change. */
        Clp_dual(lp->clp, 0);
        /* A warm start that went wrong (not a limit the caller set) gets
         * one cold try before the rule takes over. */
        if (!Clp_isProvenOptimal(lp->clp) && Clp_status(lp->clp) != 3) {
            crash_basis(lp);
            Clp_copyinStatus(lp->clp, lp->status);
            Clp_primal(lp->clp, 0);
        }
    }
    double t2 = now_s();

    info->rows = lp->nrows;
    info->cols = lp->ncols;
    info->nnz = lp->nnz;
    info->iterations = Clp_numberIterations(lp->clp) + window_iterations;
    info->build_s = t1 - t0;
    info->solve_s = t2 - t1;
    info->unserved_penalty = lp->penalty;
    info->reserve_penalty = lp->reserve_penalty;
    info->epsilon = lp->epsilon;

    int st = Clp_status(lp->clp);
    int optimal = Clp_isProvenOptimal(lp->clp) && st == 0;
    lp->has_basis = 0;
    if ((rc = zp_dispatch_result_new(ctx, in->steps, in->nstorage, in->nflex, &r)))
        goto fail;
    if (optimal) {
        if (extract(lp, in, r, info->status_text, sizeof info->status_text) == 0) {
            info->status = ZP_LP_OPTIMAL;
            snprintf(info->status_text, sizeof info->status_text, "optimal");
            info->objective = Clp_objectiveValue(lp->clp);
            info->objective_economic = zp_dispatch_objective(in, r);
            memcpy(lp->status, Clp_statusArray(lp->clp), lp->ncols + lp->nrows);
            lp->has_basis = 1;
            *out = r;
            return ZP_OK;
        }
        info->status = ZP_LP_CHECK_FAILED;
    } else {
        switch (st) {
        case 1:
            info->status = ZP_LP_INFEASIBLE;
            snprintf(info->status_text, sizeof info->status_text, "primal infeasible");
            break;
        case 2:
            info->status = ZP_LP_UNBOUNDED;
            snprintf(info->status_text, sizeof info->status_text,
                     "unbounded (export pays more than import costs with no limit?)");
            break;
        case 3:
            info->status = ZP_LP_STOPPED;
            snprintf(info->status_text, sizeof info->status_text,
                     "stopped at the limit (%d iterations, %.3g s)", info->iterations,
                     info->solve_s);
            break;
        default:
            info->status = ZP_LP_ERROR;
            snprintf(info->status_text, sizeof info->status_text,
                     "CLP status %d, secondary %d", st, Clp_secondaryStatus(lp->clp));
            break;
        }
    }
    /* Never an infeasible or unfinished plan: the rule's instead. */
    zp_dispatch_result_free(ctx, r);
    r = NULL;
    if ((rc = fallback(lp, in, opts, &r)))
        goto fail;
    r->method = fallback_method(info->status);
    info->fell_back = 1;
    info->objective = lp_objective_of(lp, in, r, opts);
    info->objective_economic = zp_dispatch_objective(in, r);
    *out = r;
    return ZP_OK;

fail:
    zp_dispatch_result_free(ctx, r);
    /* A half-updated LP must not be taken for the loaded one. */
    lp->loaded = 0;
    lp->has_basis = 0;
    return rc;
}

zp_status zp_dispatch_optimal(zp_ctx *ctx, const zp_dispatch_input *in, const zp_lp_opts *opts,
                              zp_dispatch_result **out, zp_lp_info *info)
{
    if (out)
        *out = NULL;
    zp_lp *lp = zp_lp_new(ctx);
    if (!lp)
        return ZP_ENOMEM;
    zp_status rc = zp_lp_solve(lp, in, opts, out, info);
    zp_lp_free(lp);
    return rc;
}

zp_status zp_dispatch_write_mps(zp_ctx *ctx, const zp_dispatch_input *in,
                                const zp_lp_opts *opts, const char *path)
{
    zp_status rc;
    zp_lp_opts defaults;
    int rebuilt;
    if (!path)
        return zp__error(ctx, ZP_EINVAL, "dispatch (LP): no MPS path given");
    if (!opts) {
        zp_lp_opts_init(&defaults);
        opts = &defaults;
    }
    if ((rc = check_lp_input(ctx, in, opts)))
        return rc;
    zp_lp *lp = zp_lp_new(ctx);
    if (!lp)
        return ZP_ENOMEM;
    if ((rc = prepare(lp, in, opts, &rebuilt)) == ZP_OK)
        rc = zp__lp_write_mps(lp, path);
    zp_lp_free(lp);
    return rc;
}

/* ---- the matrix for the planner (dispatch/lpmatrix.h) ---------------------
 * The capacity-expansion LP (src/lib/plan, docs/planning.md) is this LP
 * with columns and rows added: it builds the matrix here, reads it, lifts
 * some column bounds, and turns its solution back into a dispatch result
 * with extract. */

zp_status zp__lp_matrix_build(zp_lp *lp, const zp_dispatch_input *in, const zp_lp_opts *o,
                              zp__lp_matrix *mx)
{
    zp_status rc;
    zp_lp_opts defaults;
    int rebuilt;
    if (!o) {
        zp_lp_opts_init(&defaults);
        o = &defaults;
    }
    if ((rc = check_lp_input(lp->ctx, in, o)))
        return rc;
    lp->loaded = 0; /* the caller changes the arrays: never reuse them as they are */
    lp->has_basis = 0;
    if ((rc = prepare(lp, in, o, &rebuilt)))
        return rc;
    lp->loaded = 0;
    memset(mx, 0, sizeof *mx);
    mx->steps = lp->steps;
    mx->nstorage = lp->nst;
    mx->nflex = lp->nfl;
    mx->nmonths = lp->nm;
    mx->reserve = lp->reserve;
    mx->pwr = lp->pwr;
    mx->dem = lp->dem;
    mx->ncols = lp->ncols;
    mx->nrows = lp->nrows;
    mx->nnz = lp->nnz;
    mx->index = lp->index;
    mx->value = lp->value;
    mx->collb = lp->collb;
    mx->colub = lp->colub;
    mx->obj = lp->obj;
    mx->rowlb = lp->rowlb;
    mx->rowub = lp->rowub;
    mx->penalty = lp->penalty;
    mx->reserve_penalty = lp->reserve_penalty;
    mx->epsilon = lp->epsilon;
    return ZP_OK;
}

void zp__lp_matrix_column(const zp_lp *lp, size_t c, size_t *first, size_t *end)
{
    *first = (size_t)lp->start[c];
    *end = (size_t)lp->start[c + 1];
}

size_t zp__lp_col(const zp_lp *lp, size_t t, zp__lp_colkind kind, size_t k)
{
    const size_t c0 = t * lp->cps;
    switch (kind) {
    case ZP_LPC_PV: return c0 + C_PV;
    case ZP_LPC_WIND: return c0 + C_WIND;
    case ZP_LPC_IMP: return c0 + C_IMP;
    case ZP_LPC_EXP: return c0 + C_EXP;
    case ZP_LPC_UNS: return c0 + C_UNS;
    case ZP_LPC_SHORT: return c0 + col_short(lp);
    case ZP_LPC_CH: return c0 + col_st(lp, k);
    case ZP_LPC_DIS: return c0 + col_st(lp, k) + 1;
    case ZP_LPC_SOC: return c0 + col_st(lp, k) + 2;
    case ZP_LPC_FS: return c0 + col_fl(lp, k);
    case ZP_LPC_FB: return c0 + col_fl(lp, k) + 1;
    case ZP_LPC_PEAK: return lp->nsc + k;
    }
    return SIZE_MAX;
}

size_t zp__lp_row(const zp_lp *lp, size_t t, zp__lp_rowkind kind, size_t k)
{
    const size_t r0 = t * lp->rps;
    switch (kind) {
    case ZP_LPR_BAL: return r0;
    case ZP_LPR_DYN: return r0 + row_dyn(k);
    case ZP_LPR_FQ: return r0 + row_fq(lp, k);
    case ZP_LPR_RES: return lp->reserve ? r0 + row_res(lp) : SIZE_MAX;
    case ZP_LPR_PWR: return lp->pwr ? r0 + row_pwr(lp, k) : SIZE_MAX;
    case ZP_LPR_PK: return lp->dem ? r0 + row_pk(lp) : SIZE_MAX;
    }
    return SIZE_MAX;
}

double zp__lp_late_kw(const zp_lp *lp, size_t t) { return lp->late[t]; }

zp_status zp__lp_extract(zp_lp *lp, const zp_dispatch_input *in, const double *x,
                         zp_dispatch_result **out, char *why, size_t whylen)
{
    zp_status rc;
    zp_dispatch_result *r = NULL;
    *out = NULL;
    if ((rc = zp_dispatch_result_new(lp->ctx, in->steps, in->nstorage, in->nflex, &r)))
        return rc;
    lp->x_given = x;
    int bad = extract(lp, in, r, why, whylen);
    lp->x_given = NULL;
    if (bad) {
        zp_dispatch_result_free(lp->ctx, r);
        return zp__error(lp->ctx, ZP_ESOLVER, "plan: the solution fails the dispatch's check: %s",
                         why);
    }
    *out = r;
    return ZP_OK;
}
