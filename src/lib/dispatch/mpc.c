/*
 * mpc.c - rolling-horizon (model-predictive) dispatch.
 *
 * Every replan_steps steps: forecast PV, wind and demand over the horizon
 * from what is known before that step (forecast.c), solve the dispatch LP
 * (lp.c) from the present state - battery energy and the queue of
 * flexible energy with its deadlines - warm-started from the previous
 * basis, and execute the plan's first step(s) against the actual values.
 *
 * Executing a plan (docs/methodology.md, "Rolling-horizon dispatch"):
 *   1. flexible arrivals join their load's queue (deadline t + D, or t
 *      when that is past the end); the step serves at least what is due
 *      now and otherwise what the plan serves, oldest first;
 *   2. each battery follows the plan's charge or discharge setpoint,
 *      clamped to its power and state-of-charge limits;
 *   3. the grid balances the rest: import up to its limit, export up to
 *      its limit. A shortfall first cancels planned charging, then draws
 *      more from the batteries, and only then is unserved; a surplus that
 *      cannot be exported first charges the batteries, then is curtailed.
 *
 * With a demand charge the optimiser prices (dispatch/lp.c), the run
 * carries each month's peak so far - the input's peak_so_far_kw raised by
 * every import executed in the month - into each window's LP, so importing
 * up to it again is free there, and prices a raise of the peak at the
 * window's share of the rest of the month (mpc_window_shares); and
 * executing a plan (docs/methodology.md, "Demand charge and battery
 * wear"):
 *   - serves queued flexible energy from the grid only as far as it
 *     cannot wait: energy waits while later steps of the plan before its
 *     deadline, in the month and no dearer, have room for it under the
 *     month's target (mpc_flex_cannot_wait), so the queue stays the room
 *     for a surplus the forecast missed at no cost the plan can see;
 *   - charges from the grid as the plan does (the plan has priced the
 *     peak it may set; without a charge, grid charging waits for a dearer
 *     step later in the horizon);
 *   - draws on storage beyond the plan in a step as dear as any later one
 *     only from energy above what the plan keeps stored for later steps;
 *   - keeps stored the energy that holding the month's target took on the
 *     worst of the last 7 days (peak.c), against a peak the forecast
 *     misses: discharge below it is cut while import stays within the
 *     target, and below the target the grid tops it up;
 *   - holds import at the month's target, the larger of its peak so far
 *     and the plan's peak in the month: a forecast miss above it first
 *     cancels charging, then draws more from the batteries.
 *
 * The queue of one load keeps arrival order (one delay per load), so it is
 * a FIFO of (energy, deadline). The LP takes it as the energy still queued
 * from the D steps before its horizon (zp_dispatch_flex.queued_kw): the
 * LP's shape stays the same from one plan to the next, which is what lets
 * it reuse its basis.
 */
#include "dispatch/mpc.h"
#include "core/internal.h"
#include "dispatch/dispatch_impl.h"
#include "zeropark/storage.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* Pending flexible energy of one load. */
typedef struct fifo_item {
    double kwh;      /* energy still to serve */
    size_t deadline; /* last step it may be served in */
    size_t arrival;  /* step it arrived (for the deferral totals) */
} fifo_item;

typedef struct fifo {
    fifo_item *v;    /* ring of cap items */
    size_t cap, head, len;
} fifo;

static size_t delay_steps(double max_delay_h, double step_h)
{
    double d = floor(max_delay_h / step_h + 1e-9);
    return d > 0 ? (size_t)d : 0;
}

/* Serve up to kwh of queued flexible energy at step t, earliest deadline
 * first across the loads; returns the energy served. */
static double serve_queue(fifo *q, size_t nfl, double kwh, size_t t, double dt,
                          zp_dispatch_result *res)
{
    double left = kwh;
    while (left > 1e-12) {
        size_t best = nfl;
        for (size_t j = 0; j < nfl; j++)
            if (q[j].len &&
                (best == nfl || q[j].v[q[j].head].deadline < q[best].v[q[best].head].deadline))
                best = j;
        if (best == nfl)
            break;
        fifo_item *it = &q[best].v[q[best].head];
        double take = it->kwh < left ? it->kwh : left;
        it->kwh -= take;
        left -= take;
        res->flex[best].served_kwh += take;
        if (it->arrival < t) {
            res->flex[best].delayed_kwh += take;
            res->flex[best].delay_kwh_h += take * (double)(t - it->arrival) * dt;
        }
        if (it->kwh <= 1e-12) {
            q[best].head = (q[best].head + 1) % q[best].cap;
            q[best].len--;
        }
    }
    return kwh - left;
}

/* A rolling-horizon run: the input, the result, the plan at hand and the
 * workspace, all allocated before the first plan (mpc_setup). */
typedef struct mpc_run {
    zp_ctx *ctx;
    const zp_dispatch_input *in;
    const zp_mpc_opts *opts;
    size_t n, ns, nfl;          /* steps, storages, flexible loads */
    double dt;                  /* a step in hours */
    size_t H, R;                /* horizon and re-plan, in steps */
    zp_dispatch_result *res;    /* what was executed */
    zp_dispatch_result *plan;   /* the plan at hand */
    zp_lp *lp;                  /* the dispatch LP, kept from plan to plan */
    zp_forecast_inputs fin;     /* what the forecasts start from */
    zp_forecast_out fc;         /* the forecasts of the plan at hand */
    fifo *q;                    /* per flexible load: its pending energy */
    size_t *dsteps;             /* per flexible load: its delay in steps */
    size_t dmax;                /* the longest of them */
    double *due_by;             /* dmax + 1, with dem: queued energy by steps to its deadline */
    const double **flex_base;   /* per flexible load: its whole series, forecast */
    zp_storage_state *bat;      /* per storage: its state */
    zp_dispatch_flex *wflex;    /* the window's flexible loads */
    double **slot_kw;           /* per flexible load: its queue by arrival step */
    double *soc0;               /* per storage: state of charge at the window's start */
    double *energy;             /* per storage: this step's setpoint (kW, charge positive) */
    double *imp_lim, *reserve;  /* the window's import limit and reserve */
    double *wprice, *wexp, *wfac; /* the window's prices and grid factor */
    unsigned char *wdown;       /* the window's outage flags */
    int dem;                    /* the LP prices each month's peak */
    double *peak;               /* nmonths: each month's peak import so far (kW) */
    double *net;                /* steps: net demand (peak.c), with dem */
    zp_peak_fleet fleet;        /* the storages together */
    size_t day;                 /* steps per day */
    size_t *rem;                /* steps: steps of its month from it on */
    double *wfrac;              /* nmonths: the window's share of each month's charge */
    size_t *wcount;             /* nmonths: the window's steps in each month */
    zp_mpc_info inf;
} mpc_run;

/* One step being executed (kW). */
typedef struct mpc_step {
    size_t k, h;         /* the plan's first step and horizon */
    size_t i, t;         /* the step in the plan and in the run */
    double pv, wind, firm; /* actual values */
    int down;            /* the grid is down */
    double lim, xlim;    /* import and export limits now */
    double unit_now;     /* a kWh from the grid now (its cost in the objective), and
                            the dearest later in the horizon */
    double unit_max_later;
    double flex_kw;      /* flexible demand served */
    double net;          /* what the grid is left to balance (import positive) */
    double target;       /* with a priced demand charge: import to hold at or
                            below (the month's peak so far, or the plan's peak
                            in the month if higher); INFINITY otherwise */
    double keep_kwh;     /* with it: stored energy kept against a missed peak */
} mpc_step;

/* The result, the workspace, the LP and what the forecasts start from;
 * each battery as it starts. */
static zp_status mpc_setup(mpc_run *m)
{
    zp_ctx *ctx = m->ctx;
    const zp_dispatch_input *in = m->in;
    const size_t ns = m->ns, nfl = m->nfl, H = m->H;
    zp_status rc;
    if ((rc = zp_dispatch_result_new(ctx, m->n, ns, nfl, &m->res)))
        return rc;
    m->res->method = "mpc";
    m->q = zp__calloc(ctx, nfl + 1, sizeof *m->q);
    m->dsteps = zp__calloc(ctx, nfl + 1, sizeof *m->dsteps);
    m->flex_base = zp__calloc(ctx, nfl + 1, sizeof *m->flex_base);
    m->bat = zp__calloc(ctx, ns + 1, sizeof *m->bat);
    m->soc0 = zp__calloc(ctx, ns + 1, sizeof *m->soc0);
    m->wflex = zp__calloc(ctx, nfl + 1, sizeof *m->wflex);
    m->slot_kw = zp__calloc(ctx, nfl + 1, sizeof *m->slot_kw);
    m->imp_lim = zp__calloc(ctx, H, sizeof *m->imp_lim);
    m->reserve = zp__calloc(ctx, H, sizeof *m->reserve);
    m->wprice = zp__calloc(ctx, H, sizeof *m->wprice);
    m->wexp = zp__calloc(ctx, H, sizeof *m->wexp);
    m->wfac = zp__calloc(ctx, H, sizeof *m->wfac);
    m->energy = zp__calloc(ctx, ns + 1, sizeof *m->energy);
    m->wdown = zp__calloc(ctx, H, 1);
    m->peak = zp__calloc(ctx, zp__dispatch_nmonths(in), sizeof *m->peak);
    if (!m->q || !m->dsteps || !m->flex_base || !m->bat || !m->soc0 || !m->wflex ||
        !m->slot_kw || !m->imp_lim || !m->reserve || !m->wprice || !m->wexp || !m->wfac ||
        !m->energy || !m->wdown || !m->peak)
        return zp__nomem(ctx);
    m->dem = zp__dispatch_prices_peaks(in);
    for (size_t mo = 0; mo < zp__dispatch_nmonths(in); mo++)
        m->peak[mo] = zp__dispatch_peak_so_far(in, mo);
    if (m->dem) {
        if (!(m->net = zp__calloc(ctx, m->n, sizeof *m->net)))
            return zp__nomem(ctx);
        zp__peak_net_demand(in, m->net);
        zp__peak_fleet(in, &m->fleet);
        double d = round(24.0 / m->dt);
        m->day = d >= 1.0 ? (size_t)d : 1;
        size_t nm = zp__dispatch_nmonths(in);
        if (!(m->rem = zp__calloc(ctx, m->n, sizeof *m->rem)) ||
            !(m->wfrac = zp__calloc(ctx, nm, sizeof *m->wfrac)) ||
            !(m->wcount = zp__calloc(ctx, nm, sizeof *m->wcount)))
            return zp__nomem(ctx);
        for (size_t t = m->n; t-- > 0;) {
            size_t mo = zp__dispatch_month(in, t);
            m->rem[t] = ++m->wcount[mo];
        }
    }
    for (size_t j = 0; j < nfl; j++) {
        m->dsteps[j] = delay_steps(in->flex[j].max_delay_h, m->dt);
        m->q[j].cap = m->dsteps[j] + 2;
        if (!(m->q[j].v = zp__calloc(ctx, m->q[j].cap, sizeof *m->q[j].v)) ||
            !(m->slot_kw[j] = zp__calloc(ctx, m->dsteps[j] + 1, sizeof(double))))
            return zp__nomem(ctx);
        /* Forecast the whole load; the share scales the forecast. */
        m->flex_base[j] = in->flex[j].kw;
        m->dmax = m->dsteps[j] > m->dmax ? m->dsteps[j] : m->dmax;
    }
    if (m->dem && !(m->due_by = zp__calloc(ctx, m->dmax + 1, sizeof *m->due_by)))
        return zp__nomem(ctx);
    zp__dispatch_storage_init(in, m->bat, m->res);
    if (!(m->lp = zp_lp_new(ctx)))
        return ZP_ENOMEM;
    zp_forecast_inputs *fin = &m->fin;
    fin->steps = m->n;
    fin->step_s = (int32_t)lround(m->dt * 3600.0);
    fin->pv_kw = m->opts->no_pv ? NULL : in->pv_kw; /* NULL: forecast zeros */
    fin->clearsky_pv_kw = m->opts->clearsky_pv_kw;
    fin->wind_kw = in->wind_kw;
    fin->firm_kw = in->firm_kw;
    fin->flex_kw = m->flex_base;
    fin->nflex = nfl;
    return ZP_OK;
}

static void mpc_free(mpc_run *m)
{
    zp_ctx *ctx = m->ctx;
    zp_dispatch_result_free(ctx, m->plan);
    zp_dispatch_result_free(ctx, m->res);
    zp_lp_free(m->lp);
    zp_forecast_out_release(ctx, &m->fc);
    for (size_t j = 0; j < m->nfl; j++) {
        if (m->q)
            zp__free(ctx, m->q[j].v);
        if (m->slot_kw)
            zp__free(ctx, m->slot_kw[j]);
    }
    void *owned[] = {m->q,       m->dsteps,  m->flex_base, m->bat,  m->soc0,
                     m->wflex,   m->slot_kw, m->imp_lim,   m->reserve, m->wprice,
                     m->wexp,    m->wfac,    m->energy,    m->wdown, m->peak, m->net,
                     m->rem,     m->wfrac,   m->wcount,    m->due_by};
    for (size_t k = 0; k < ZP_ARRAY_LEN(owned); k++)
        zp__free(ctx, owned[k]);
}

/* The share of each month's charge the window of h steps from step k
 * prices a raise of the peak at: the month's own fraction times the
 * window's part of what is left of the month from the window's start
 * (its steps in the month / the month's steps from there on), at most 1.
 * Raising a month's peak is paid once and frees every later window of
 * the month up to it, so the whole charge on one window would keep a
 * short horizon from ever raising it for gains that recur each day; this
 * spreads it over the windows left, as if the window's gains recurred
 * through the rest of the month. */
static const double *mpc_window_shares(mpc_run *m, size_t k, size_t h)
{
    const zp_dispatch_input *in = m->in;
    for (size_t mo = 0; mo < zp__dispatch_nmonths(in); mo++) {
        m->wcount[mo] = 0;
        m->wfrac[mo] = zp__dispatch_month_fraction(in, mo);
    }
    for (size_t i = 0; i < h; i++)
        m->wcount[zp__dispatch_month(in, k + i)]++;
    for (size_t i = 0; i < h; i++) {
        size_t mo = zp__dispatch_month(in, k + i);
        if (i == 0 || zp__dispatch_month(in, k + i - 1) != mo) /* from its first step */
            m->wfrac[mo] = zp__dispatch_month_fraction(in, mo) *
                           fmin(1.0, (double)m->wcount[mo] / (double)m->rem[k + i]);
    }
    return m->wfrac;
}

/* The window of h steps from step k as the LP sees it, into *win: the
 * forecasts (m->fc), the flexible demands - forecast arrivals, and the
 * queue as energy that arrived before the window's first step (by arrival
 * step, so each keeps its deadline; anything overdue after an outage
 * counts as the oldest, due at once) - the batteries as they are, and the
 * window's limits, prices and factors. */
static void mpc_window(mpc_run *m, size_t k, size_t h, zp_dispatch_input *win)
{
    const zp_dispatch_input *in = m->in;
    const zp_mpc_opts *opts = m->opts;
    for (size_t j = 0; j < m->nfl; j++) {
        m->wflex[j] = in->flex[j];
        m->wflex[j].kw = m->fc.flex_kw[j];
        size_t D = m->dsteps[j];
        double *qb = m->slot_kw[j];
        const fifo *qj = &m->q[j];
        memset(qb, 0, (D ? D : 1) * sizeof(double));
        for (size_t m2 = 0; m2 < qj->len; m2++) {
            const fifo_item *it = &qj->v[(qj->head + m2) % qj->cap];
            size_t idx = it->arrival + D >= k ? it->arrival + D - k : 0;
            if (D)
                qb[idx < D ? idx : D - 1] += it->kwh / m->dt;
        }
        m->wflex[j].queued_kw = D ? qb : NULL;
        m->wflex[j].nqueued = D;
    }
    for (size_t s = 0; s < m->ns; s++)
        m->soc0[s] = zp_storage_soc(&m->bat[s]);
    for (size_t i = 0; i < h; i++) {
        m->imp_lim[i] = opts->import_limit_kw ? opts->import_limit_kw[k + i] : in->import_limit_kw;
        m->reserve[i] = opts->reserve_kwh ? opts->reserve_kwh[k + i] : 0.0;
        m->wprice[i] = zp__dispatch_at(in->import_price_cny_per_kwh, k + i);
        m->wexp[i] = zp__dispatch_at(in->export_price_cny_per_kwh, k + i);
        m->wfac[i] = zp__dispatch_at(in->grid_factor_kg_per_kwh, k + i);
    }
    *win = *in;
    win->steps = h;
    win->pv_kw = m->fc.pv_kw;
    win->wind_kw = m->fc.wind_kw;
    win->firm_kw = m->fc.firm_kw;
    win->flex = m->wflex;
    win->nflex = m->nfl;
    win->soc_initial = m->soc0;
    /* An outage is not foreseen: the plan knows only whether the grid
     * is down now, and expects it back at the next step. */
    if (in->grid_down && in->grid_down[k]) {
        memset(m->wdown, 0, h);
        m->wdown[0] = 1;
        win->grid_down = m->wdown;
    } else {
        win->grid_down = NULL;
    }
    win->import_price_cny_per_kwh = m->wprice;
    win->export_price_cny_per_kwh = m->wexp;
    win->grid_factor_kg_per_kwh = m->wfac;
    /* The window's months, and each month's peak so far: a peak already
     * set costs nothing to reach again. */
    win->month_of_step = in->month_of_step ? in->month_of_step + k : NULL;
    win->peak_so_far_kw = m->peak;
    if (m->dem)
        win->month_fraction = mpc_window_shares(m, k, h);
}

/* The plan for the h steps from step k (after the one from prev_k) into
 * m->plan: forecast, window, LP. */
static zp_status mpc_plan(mpc_run *m, size_t k, size_t h, size_t prev_k)
{
    zp_status rc;
    if ((rc = zp_forecast_make(m->ctx, &m->fin, m->opts->fc, k, h, &m->fc)))
        return rc;
    zp_dispatch_input win;
    mpc_window(m, k, h, &win);
    zp_lp_opts lo;
    zp_lp_opts_init(&lo);
    lo.shift_steps = k - prev_k;
    lo.import_limit_kw = m->opts->import_limit_kw ? m->imp_lim : NULL;
    lo.reserve_kwh = m->opts->reserve_kwh ? m->reserve : NULL;
    lo.time_limit_s = m->opts->time_limit_s;
    zp_lp_info li;
    if ((rc = zp_lp_solve(m->lp, &win, &lo, &m->plan, &li)))
        return rc;
    m->inf.solves++;
    m->inf.fallbacks += li.fell_back != 0;
    m->inf.warm += li.warm_started != 0;
    m->inf.iterations += li.iterations;
    m->inf.solve_s += li.build_s + li.solve_s;
    return ZP_OK;
}

/* With a priced demand charge: the queued energy (kWh) that cannot wait
 * beyond step st->t, whose grid unit cost is now. Queued energy may wait
 * for a later step of the plan before its deadline, in the same month and
 * with a grid no dearer than now, as far as the plan's import there stays
 * below the month's target: served there it costs no more and sets no
 * higher peak than served now (in the plan's own terms), and until then
 * it is the room for a surplus the forecast missed. A month's end stops
 * the wait (the next month's peak is not yet paid). Earliest deadline
 * first, the energy that cannot wait is the largest excess, over the
 * deadlines d, of the energy due by d over the room before it. */
static double mpc_flex_cannot_wait(mpc_run *m, const mpc_step *st, double now)
{
    const zp_dispatch_input *in = m->in;
    const zp_dispatch_result *plan = m->plan;
    const size_t t = st->t, D = m->dmax, mo = zp__dispatch_month(in, t);
    const size_t end = st->k + st->h < m->n ? st->k + st->h : m->n;
    const double dt = m->dt;
    double *due_by = m->due_by; /* [d]: queued energy due at t + d (d = 0: now or overdue) */
    double left = 0.0;          /* queued energy the plan has yet to serve, kWh */
    memset(due_by, 0, (D + 1) * sizeof *due_by);
    for (size_t j = 0; j < m->nfl; j++)
        for (size_t mm = 0; mm < m->q[j].len; mm++) {
            const fifo_item *it = &m->q[j].v[(m->q[j].head + mm) % m->q[j].cap];
            size_t d = it->deadline > t ? it->deadline - t : 0;
            due_by[d < D ? d : D] += it->kwh;
            left += it->kwh;
        }
    left -= plan->flex_served_kw[st->i] * dt;
    double queued = due_by[0], room = 0.0, must = due_by[0];
    for (size_t d = 1, u = t + 1; d <= D; d++, u++) {
        if (u < end && zp__dispatch_month(in, u) == mo) {
            /* The plan's import at u, less what it serves there of the
             * energy queued now (oldest first): that is the energy that
             * waits, so its slot is room too. */
            double mine = fmax(0.0, fmin(plan->flex_served_kw[u - st->k] * dt, left));
            left -= mine;
            if (zp__dispatch_import_cost(in, u) <= now + 1e-12 * fabs(now))
                room += fmax(0.0, (st->target - plan->grid_import_kw[u - st->k]) * dt + mine);
        }
        queued += due_by[d];
        must = fmax(must, queued - room);
    }
    return must;
}

/* 1. Flexible demand: arrivals join the queues; the step serves what is
 * due, and what the plan serves, oldest first. Returns what is served. */
static double mpc_flex(mpc_run *m, const mpc_step *st)
{
    const zp_dispatch_input *in = m->in;
    const size_t t = st->t, n = m->n, nfl = m->nfl;
    const double dt = m->dt;
    fifo *q = m->q;
    for (size_t j = 0; j < nfl; j++) {
        double a = zp__flex_arrival(&in->flex[j], t) * dt;
        m->res->flex[j].demand_kwh += a;
        if (a > 0) {
            size_t dl = t + m->dsteps[j] <= n - 1 ? t + m->dsteps[j] : t;
            fifo *f = &q[j];
            f->v[(f->head + f->len) % f->cap] = (fifo_item){a, dl, t};
            f->len++;
        }
    }
    double due = 0;
    for (size_t j = 0; j < nfl; j++)
        for (size_t mm = 0; mm < q[j].len; mm++) {
            const fifo_item *it = &q[j].v[(q[j].head + mm) % q[j].cap];
            if (it->deadline <= t)
                due += it->kwh;
        }
    /* Beyond what is due, serve what the plan serves from on-site
     * supply; serve from the grid only when no later step before the
     * queue's next deadline has a cheaper (or cleaner) grid: queued energy
     * is the buffer that absorbs a surplus the forecast missed, so it is
     * not spent on grid energy that could as well be bought later. With a
     * priced demand charge, what the plan serves from the grid as far as
     * it cannot wait for a later step no dearer with room under the
     * month's target (mpc_flex_cannot_wait; a cheaper step alone is no
     * reason to wait, since the energy may fall due at the month's peak),
     * and as far as the import the plan's battery power leaves stays
     * within the month's target. */
    double want = m->plan->flex_served_kw[st->i] * dt;
    /* In a grid outage flexible work waits, past its deadline if need
     * be, so that storage carries the critical load. */
    if (st->down)
        want = due = 0.0;
    double green = (st->pv + st->wind - st->firm) * dt;
    double beyond = want - due;
    double serve = due;
    if (beyond > 0) {
        /* what is due takes the on-site supply first */
        double green_left = green - due;
        double from_green = green_left > 0 ? (beyond < green_left ? beyond : green_left) : 0.0;
        double from_grid = beyond - from_green;
        serve += from_green;
        if (from_grid > 0) {
            size_t next_dl = n;
            for (size_t j = 0; j < nfl; j++)
                for (size_t mm = 0; mm < q[j].len; mm++) {
                    size_t dl = q[j].v[(q[j].head + mm) % q[j].cap].deadline;
                    if (dl > t && dl < next_dl)
                        next_dl = dl;
                }
            double now = zp__dispatch_import_cost(in, t), best_later = INFINITY;
            for (size_t u = t + 1; u <= next_dl && u < n && u < st->k + st->h; u++) {
                double g = zp__dispatch_import_cost(in, u);
                if (g < best_later)
                    best_later = g;
            }
            if (m->dem) {
                double bat = 0;
                for (size_t s = 0; s < m->ns; s++)
                    bat += m->plan->storage[s].discharge_kw[st->i] -
                           m->plan->storage[s].charge_kw[st->i];
                double room = (st->target + bat) * dt - (serve - green);
                double must = mpc_flex_cannot_wait(m, st, now) - serve;
                serve += fmax(0.0, fmin(fmin(from_grid, must), room));
            } else if (now < best_later - 1e-12 * fabs(best_later)) {
                serve += from_grid;
            }
        }
    }
    return serve_queue(q, nfl, serve, t, dt, m->res) / dt;
}

/* 2. Battery setpoints (positive charges) from the plan, within limits;
 * st->net the grid's balance they leave. */
static void mpc_setpoints(mpc_run *m, mpc_step *st)
{
    const zp_dispatch_input *in = m->in;
    const zp_dispatch_result *plan = m->plan;
    const size_t i = st->i, t = st->t, ns = m->ns;
    const double dt = m->dt;
    /* Charging the plan meant to take from a forecast surplus is limited
     * to the actual surplus; only what it meant to take from the grid on
     * purpose may come from the grid. */
    double plan_surplus = plan->pv_used_kw[i] + plan->wind_used_kw[i] - m->fc.firm_kw[i] -
                          plan->flex_served_kw[i];
    double plan_charge = 0;
    for (size_t s = 0; s < ns; s++)
        plan_charge += plan->storage[s].charge_kw[i];
    double grid_charge = plan_charge - (plan_surplus > 0 ? plan_surplus : 0);
    /* Charging from the grid pays only where a later step of the horizon
     * has a dearer grid (the LP may also charge to meet its end-of-horizon
     * state, which a rolling horizon does not need). */
    st->unit_now = zp__dispatch_import_cost(in, t);
    st->unit_max_later = -INFINITY;
    for (size_t u = t + 1; u < m->n && u < st->k + st->h; u++) {
        double g = zp__dispatch_import_cost(in, u);
        if (g > st->unit_max_later)
            st->unit_max_later = g;
    }
    if (!(st->unit_now < st->unit_max_later) && !m->dem)
        grid_charge = 0;
    /* Actual surplus serves queued flexible demand before it is stored:
     * served directly it loses nothing, stored it loses the round trip. */
    double actual_surplus = st->pv + st->wind - st->firm - st->flex_kw;
    if (actual_surplus > 0 && !st->down) {
        double more = serve_queue(m->q, m->nfl, actual_surplus * dt, t, dt, m->res) / dt;
        st->flex_kw += more;
        actual_surplus -= more;
    }
    double charge_cap = (grid_charge > 0 ? grid_charge : 0) +
                        (actual_surplus > 0 ? actual_surplus : 0);
    st->net = st->firm + st->flex_kw - st->pv - st->wind;
    for (size_t s = 0; s < ns; s++) {
        double maxc = zp_storage_max_charge_kw(&m->bat[s], dt);
        double maxd = zp_storage_max_discharge_kw(&m->bat[s], dt);
        double p = plan->storage[s].charge_kw[i] - plan->storage[s].discharge_kw[i];
        p = p > maxc ? maxc : p < -maxd ? -maxd : p;
        if (p > charge_cap)
            p = charge_cap;
        if (p > 0)
            charge_cap -= p;
        m->energy[s] = p; /* setpoint of this step */
        st->net += p;
    }
}

/* Usable energy (kWh above the minima) after this step's setpoints. */
static double mpc_usable_after(const mpc_run *m)
{
    double usable = 0;
    for (size_t s = 0; s < m->ns; s++) {
        const zp_storage_state *b = &m->bat[s];
        double e = m->energy[s];
        usable += b->stored_kwh - b->min_kwh +
                  (e > 0 ? e * b->eta_charge : e / b->eta_discharge) * m->dt;
    }
    return usable;
}

/* Discharge more (within each battery's power) to bring st->net down to
 * level, drawing on storage only while more than keep kWh stays usable. */
static void mpc_draw_down_to(mpc_run *m, mpc_step *st, double level, double keep)
{
    const double dt = m->dt;
    zp_storage_state *bat = m->bat;
    double *energy = m->energy;
    double usable = mpc_usable_after(m);
    for (size_t s2 = 0; s2 < m->ns && st->net > level && usable > keep; s2++) {
        double maxd = zp_storage_max_discharge_kw(&bat[s2], dt);
        double room = energy[s2] + maxd; /* more discharge possible, kW */
        double by_reserve = (usable - keep) * bat[s2].eta_discharge / dt;
        double more = st->net - level < room ? st->net - level : room;
        if (more > by_reserve)
            more = by_reserve;
        if (more > 0) {
            energy[s2] -= more;
            st->net -= more;
            usable -= more * dt / bat[s2].eta_discharge;
        }
    }
}

/* A deficit met from the grid at a step whose grid is as dear as any
 * later in the horizon is met from storage instead, as far as the reserve
 * allows: energy kept back gains nothing there, and an emptier battery
 * has room for a surplus the forecast missed. With a priced demand charge
 * the energy the plan keeps stored at the end of the step stays too: it
 * is held for a later peak. */
static void mpc_deficit_from_storage(mpc_run *m, mpc_step *st)
{
    if (!(st->net > 0) ||
        !(st->unit_now >= st->unit_max_later - 1e-12 * fabs(st->unit_max_later)))
        return;
    double keep = m->opts->reserve_kwh && !st->down ? m->opts->reserve_kwh[st->t] : 0.0;
    if (m->dem) {
        double planned = 0;
        for (size_t s = 0; s < m->ns; s++)
            planned += m->plan->storage[s].soc[st->i] * m->in->storage[s].energy_kwh -
                       m->bat[s].min_kwh;
        keep = fmax(keep, fmax(planned, st->keep_kwh));
    }
    mpc_draw_down_to(m, st, 0.0, keep);
}

/* With a priced demand charge, the energy kept against a peak the forecast
 * missed (st->keep_kwh): discharging below it is cut, then the grid tops
 * it up, both only as far as import stays within the month's target. */
static void mpc_keep_reserve(mpc_run *m, mpc_step *st)
{
    const double dt = m->dt;
    double usable = mpc_usable_after(m);
    if (st->down || !(usable < st->keep_kwh))
        return;
    for (size_t s = 0; s < m->ns && usable < st->keep_kwh && st->net < st->target; s++) {
        if (m->energy[s] < 0) {
            double back = fmin(fmin(-m->energy[s], st->target - st->net),
                               (st->keep_kwh - usable) * m->bat[s].eta_discharge / dt);
            m->energy[s] += back;
            st->net += back;
            usable += back * dt / m->bat[s].eta_discharge;
        }
    }
    for (size_t s = 0; s < m->ns && usable < st->keep_kwh && st->net < st->lim &&
                       st->net < st->target; s++) {
        if (m->energy[s] >= 0) {
            double room = zp_storage_max_charge_kw(&m->bat[s], dt) - m->energy[s];
            double more = fmin(fmin(room, fmin(st->target, st->lim) - st->net),
                               (st->keep_kwh - usable) / (m->bat[s].eta_charge * dt));
            if (more > 0) {
                m->energy[s] += more;
                st->net += more;
                usable += more * m->bat[s].eta_charge * dt;
            }
        }
    }
}

/* With a priced demand charge, import above the month's target (st->target)
 * first cancels charging, then draws more from the batteries as far as the
 * reserve allows: a peak the plan did not foresee is not set if storage
 * can hold it off. */
static void mpc_hold_peak(mpc_run *m, mpc_step *st)
{
    if (!(st->net > st->target) || st->down)
        return;
    for (size_t s = 0; s < m->ns && st->net > st->target; s++) {
        if (m->energy[s] > 0) {
            double back = fmin(m->energy[s], st->net - st->target);
            m->energy[s] -= back;
            st->net -= back;
        }
    }
    double keep = m->opts->reserve_kwh ? m->opts->reserve_kwh[st->t] : 0.0;
    mpc_draw_down_to(m, st, st->target, keep);
}

/* The month's target at step st->t: its peak so far, or the plan's largest
 * import in that month if higher. */
static double mpc_target(const mpc_run *m, const mpc_step *st)
{
    const zp_dispatch_input *in = m->in;
    size_t mo = zp__dispatch_month(in, st->t);
    double target = m->peak[mo];
    for (size_t i = 0; i < st->h; i++)
        if (zp__dispatch_month(in, st->k + i) == mo)
            target = fmax(target, m->plan->grid_import_kw[i]);
    return target;
}

/* 3. Within the grid's limits: a surplus the plan did not foresee first
 * stops discharging (stored energy is worth more later than exported
 * now), then serves queued flexible demand, before it is exported or
 * curtailed; a shortfall cancels planned charging, then draws more from
 * the batteries; what cannot be exported is stored. */
static void mpc_limits(mpc_run *m, mpc_step *st)
{
    const size_t ns = m->ns;
    const double dt = m->dt;
    double *energy = m->energy;
    for (size_t s = 0; s < ns && st->net < 0; s++) {
        if (energy[s] < 0) {
            double back = -energy[s] < -st->net ? -energy[s] : -st->net;
            energy[s] += back;
            st->net += back;
        }
    }
    if (st->net < 0) {
        double more = serve_queue(m->q, m->nfl, -st->net * dt, st->t, dt, m->res) / dt;
        st->flex_kw += more;
        st->net += more;
    }
    for (size_t s = 0; s < ns && st->net > st->lim; s++) {
        /* short: cancel charging, then discharge more */
        double maxd = zp_storage_max_discharge_kw(&m->bat[s], dt);
        double give = st->net - st->lim, room = energy[s] + maxd;
        if (give > room)
            give = room;
        energy[s] -= give;
        st->net -= give;
    }
    for (size_t s = 0; s < ns && st->net < -st->xlim; s++) {
        /* long: store what cannot be exported */
        double maxc = zp_storage_max_charge_kw(&m->bat[s], dt);
        double take = -st->xlim - st->net, room = maxc - energy[s];
        if (take > room)
            take = room;
        energy[s] += take;
        st->net += take;
    }
}

/* The setpoints carried out; the grid balances the rest (import up to its
 * limit, else unserved; export up to its limit, else curtailed), and the
 * step goes into the result. */
static void mpc_execute(mpc_run *m, const mpc_step *st)
{
    const size_t t = st->t, ns = m->ns;
    const double dt = m->dt;
    zp_dispatch_result *res = m->res;
    double demand = st->firm + st->flex_kw;
    double net = demand - st->pv - st->wind;
    for (size_t s = 0; s < ns; s++) {
        double e = m->energy[s];
        double c = e > 0 ? zp_storage_charge(&m->bat[s], e, dt) : 0.0;
        double d = e < 0 ? zp_storage_discharge(&m->bat[s], -e, dt) : 0.0;
        res->storage[s].charge_kw[t] = c;
        res->storage[s].discharge_kw[t] = d;
        net += c - d;
    }
    double imp = 0, exp_ = 0, unserved = 0, curtailed = 0;
    if (net > 0) {
        imp = net < st->lim ? net : st->lim;
        unserved = net - imp;
    } else {
        exp_ = -net < st->xlim ? -net : st->xlim;
        curtailed = -net - exp_;
    }
    /* Curtail PV first; what is used of each source is the rest. */
    double pv_cut = curtailed < st->pv ? curtailed : st->pv;
    res->pv_used_kw[t] = st->pv - pv_cut;
    res->wind_used_kw[t] = st->wind - (curtailed - pv_cut);
    res->curtailed_kw[t] = curtailed;
    res->grid_import_kw[t] = imp;
    res->grid_export_kw[t] = exp_;
    if (m->dem) {
        size_t mo = zp__dispatch_month(m->in, t);
        m->peak[mo] = fmax(m->peak[mo], imp);
    }
    res->unserved_kw[t] = unserved;
    res->flex_served_kw[t] = st->flex_kw;
    /* Unserved energy falls on the flexible part first only when it was
     * due; firm demand is as exposed as any. */
    res->flex_unserved_kw[t] = unserved < st->flex_kw ? unserved : st->flex_kw;
    double backlog = 0, arrived_now_waiting = 0;
    for (size_t j = 0; j < m->nfl; j++)
        for (size_t mm = 0; mm < m->q[j].len; mm++) {
            const fifo_item *it = &m->q[j].v[(m->q[j].head + mm) % m->q[j].cap];
            backlog += it->kwh;
            if (it->arrival == t)
                arrived_now_waiting += it->kwh;
        }
    res->flex_backlog_kwh[t] = backlog;
    res->flex_delayed_kw[t] = arrived_now_waiting / dt;
    for (size_t s = 0; s < ns; s++)
        res->storage[s].soc[t] = zp_storage_soc(&m->bat[s]);
}

/* Step i of the plan for the h steps from step k, against the actual
 * values. */
static void mpc_step_run(mpc_run *m, size_t k, size_t h, size_t i)
{
    const zp_dispatch_input *in = m->in;
    mpc_step st = {0};
    st.k = k;
    st.h = h;
    st.i = i;
    st.t = k + i;
    st.pv = zp__dispatch_at(in->pv_kw, st.t);
    st.wind = zp__dispatch_at(in->wind_kw, st.t);
    st.firm = zp__dispatch_at(in->firm_kw, st.t);
    st.down = in->grid_down && in->grid_down[st.t];
    st.lim = st.down                   ? 0.0
             : m->opts->import_limit_kw ? m->opts->import_limit_kw[st.t]
                                        : in->import_limit_kw;
    st.xlim = st.down ? 0.0 : in->export_limit_kw;
    st.target = INFINITY;
    if (m->dem) {
        st.target = mpc_target(m, &st);
        st.keep_kwh = zp__peak_reserve_kwh(&m->fleet, m->net, st.t, m->day, ZP__PEAK_DAYS, m->dt,
                                           st.target);
    }
    st.flex_kw = mpc_flex(m, &st);
    mpc_setpoints(m, &st);
    mpc_deficit_from_storage(m, &st);
    if (m->dem)
        mpc_keep_reserve(m, &st);
    mpc_hold_peak(m, &st);
    mpc_limits(m, &st);
    mpc_execute(m, &st);
}

/* Totals, as the other dispatchers report them. */
static void mpc_totals(mpc_run *m)
{
    const zp_dispatch_input *in = m->in;
    zp_dispatch_result *res = m->res;
    zp_dispatch_totals *tot = &res->totals;
    const double dt = m->dt;
    memset(tot, 0, sizeof *tot);
    for (size_t t = 0; t < m->n; t++) {
        zp__dispatch_totals_step(tot, res, t, zp__dispatch_at(in->firm_kw, t),
                                 zp__dispatch_at(in->pv_kw, t), zp__dispatch_at(in->wind_kw, t), dt);
        for (size_t s = 0; s < m->ns; s++) {
            res->storage[s].charge_kwh += res->storage[s].charge_kw[t] * dt;
            res->storage[s].discharge_kwh += res->storage[s].discharge_kw[t] * dt;
        }
    }
    for (size_t s = 0; s < m->ns; s++) {
        tot->charge_kwh += res->storage[s].charge_kwh;
        tot->discharge_kwh += res->storage[s].discharge_kwh;
    }
    zp__dispatch_totals_end(tot, res);
}

zp_status zp__dispatch_mpc(zp_ctx *ctx, const zp_dispatch_input *in, const zp_mpc_opts *opts,
                           zp_dispatch_result **out, zp_mpc_info *info)
{
    zp_status rc = zp_dispatch_input_check(ctx, in);
    if (rc)
        return rc;
    if (!opts || opts->horizon_steps < 1 || opts->replan_steps < 1)
        return zp__error(ctx, ZP_EINVAL, "mpc: horizon and replan must be at least one step");
    mpc_run m;
    memset(&m, 0, sizeof m);
    m.ctx = ctx;
    m.in = in;
    m.opts = opts;
    m.n = in->steps;
    m.ns = in->nstorage;
    m.nfl = in->nflex;
    m.dt = in->step_h;
    m.H = opts->horizon_steps;
    m.R = opts->replan_steps;
    zp_forecast_out_init(&m.fc);
    rc = mpc_setup(&m);
    for (size_t k = 0, prev_k = 0; !rc && k < m.n; prev_k = k, k += m.R) {
        size_t h = m.n - k < m.H ? m.n - k : m.H;
        if ((rc = mpc_plan(&m, k, h, prev_k)))
            break;
        /* Execute the plan's first steps against the actual values. */
        for (size_t i = 0; i < m.R && k + i < m.n; i++)
            mpc_step_run(&m, k, h, i);
        zp_dispatch_result_free(ctx, m.plan);
        m.plan = NULL;
    }
    if (!rc) {
        mpc_totals(&m);
        *out = m.res;
        m.res = NULL;
        if (info)
            *info = m.inf;
    }
    mpc_free(&m);
    return rc;
}
