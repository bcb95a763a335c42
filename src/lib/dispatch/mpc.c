/*
 * mpc.c - rolling-horizon (model-predictive) dispatch.
 *
 * Every replan_steps steps: forecast PV, wind and demand over the horizon
 * from what is known before that step (forecast.c), solve the dispatch LP
 * (dispatch_lp.c) from the present state - battery energy and the queue of
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
 * The queue of one load keeps arrival order (one delay per load), so it is
 * a FIFO of (energy, deadline). The LP takes it as the energy still queued
 * from the D steps before its horizon (zp_dispatch_flex.queued_kw): the
 * LP's shape stays the same from one plan to the next, which is what lets
 * it reuse its basis.
 */
#include "dispatch/mpc.h"
#include "core/internal.h"
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

static double flex_at(const zp_dispatch_flex *f, size_t t)
{
    if (!f->kw)
        return 0.0;
    return f->share > 0.0 ? f->share * f->kw[t] : f->kw[t];
}

static double sum_or_zero(const double *a, size_t t) { return a ? a[t] : 0.0; }

/* What a kWh from the grid costs at step t in the input's objective. */
static double grid_unit(const zp_dispatch_input *in, size_t t)
{
    double f = sum_or_zero(in->grid_factor_kg_per_kwh, t);
    double p = sum_or_zero(in->import_price_cny_per_kwh, t);
    switch (in->objective) {
    case ZP_MINIMISE_CARBON:
        return f;
    case ZP_MINIMISE_COST:
        return p;
    default:
        return p + in->carbon_price_cny_per_t * f / 1000.0;
    }
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

zp_status zp__dispatch_mpc(zp_ctx *ctx, const zp_dispatch_input *in, const zp_mpc_opts *opts,
                           zp_dispatch_result **out, zp_mpc_info *info)
{
    zp_status rc = zp_dispatch_input_check(ctx, in);
    if (rc)
        return rc;
    if (!opts || opts->horizon_steps < 1 || opts->replan_steps < 1)
        return zp__error(ctx, ZP_EINVAL, "mpc: horizon and replan must be at least one step");
    const size_t n = in->steps, ns = in->nstorage, nfl = in->nflex;
    const double dt = in->step_h;
    const size_t H = opts->horizon_steps, R = opts->replan_steps;
    zp_mpc_info inf = {0};

    zp_dispatch_result *res = NULL, *plan = NULL;
    zp_lp *lp = NULL;
    zp_forecast_out fc;
    zp_forecast_out_init(&fc);
    fifo *q = NULL;
    size_t *dsteps = NULL;
    zp_dispatch_flex *wflex = NULL;
    double **slot_kw = NULL;      /* per flexible load: its queue by arrival step */
    double *soc0 = NULL, *energy = NULL, *imp_lim = NULL, *reserve = NULL;
    double *wprice = NULL, *wexp = NULL, *wfac = NULL;
    unsigned char *wdown = NULL;
    const double **flex_base = NULL;
    zp_storage_state *bat = NULL;

    if ((rc = zp_dispatch_result_new(ctx, n, ns, nfl, &res)))
        return rc;
    res->method = "mpc";
    q = zp__calloc(ctx, nfl + 1, sizeof *q);
    dsteps = zp__calloc(ctx, nfl + 1, sizeof *dsteps);
    flex_base = zp__calloc(ctx, nfl + 1, sizeof *flex_base);
    bat = zp__calloc(ctx, ns + 1, sizeof *bat);
    soc0 = zp__calloc(ctx, ns + 1, sizeof *soc0);
    if (!q || !dsteps || !flex_base || !bat || !soc0) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t j = 0; j < nfl; j++) {
        dsteps[j] = delay_steps(in->flex[j].max_delay_h, dt);
        q[j].cap = dsteps[j] + 2;
        if (!(q[j].v = zp__calloc(ctx, q[j].cap, sizeof *q[j].v))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        /* Forecast the whole load; the share scales the forecast. */
        flex_base[j] = in->flex[j].kw;
    }
    for (size_t s = 0; s < ns; s++) {
        if (in->soc_initial)
            zp_storage_state_init_soc(&bat[s], &in->storage[s], in->soc_initial[s]);
        else
            zp_storage_state_init(&bat[s], &in->storage[s]);
        res->storage[s].soc_start = zp_storage_soc(&bat[s]);
    }
    wflex = zp__calloc(ctx, nfl + 1, sizeof *wflex);
    slot_kw = zp__calloc(ctx, nfl + 1, sizeof *slot_kw);
    imp_lim = zp__calloc(ctx, H, sizeof *imp_lim);
    reserve = zp__calloc(ctx, H, sizeof *reserve);
    wprice = zp__calloc(ctx, H, sizeof *wprice);
    wexp = zp__calloc(ctx, H, sizeof *wexp);
    wfac = zp__calloc(ctx, H, sizeof *wfac);
    energy = zp__calloc(ctx, ns + 1, sizeof *energy);
    wdown = zp__calloc(ctx, H, 1);
    if (!wflex || !slot_kw || !imp_lim || !reserve || !wprice || !wexp || !wfac || !energy ||
        !wdown) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t j = 0; j < nfl; j++)
        if (!(slot_kw[j] = zp__calloc(ctx, dsteps[j] + 1, sizeof(double)))) {
            rc = zp__nomem(ctx);
            goto out;
        }
    if (!(lp = zp_lp_new(ctx))) {
        rc = ZP_ENOMEM;
        goto out;
    }

    zp_forecast_inputs fin = {0};
    fin.steps = n;
    fin.step_s = (int32_t)lround(dt * 3600.0);
    fin.pv_kw = opts->no_pv ? NULL : in->pv_kw; /* NULL: forecast zeros */
    fin.clearsky_pv_kw = opts->clearsky_pv_kw;
    fin.wind_kw = in->wind_kw;
    fin.firm_kw = in->firm_kw;
    fin.flex_kw = flex_base;
    fin.nflex = nfl;

    size_t prev_k = 0;
    for (size_t k = 0; k < n; k += R) {
        size_t h = n - k < H ? n - k : H;
        if ((rc = zp_forecast_make(ctx, &fin, opts->fc, k, h, &fc)))
            goto out;
        /* The window's flexible demands: forecast arrivals, and the queue
         * as energy that arrived before the window's first step (by
         * arrival step, so each keeps its deadline; anything overdue after
         * an outage counts as the oldest, due at once). */
        size_t w = nfl;
        for (size_t j = 0; j < nfl; j++) {
            wflex[j] = in->flex[j];
            wflex[j].kw = fc.flex_kw[j];
            size_t D = dsteps[j];
            double *qb = slot_kw[j];
            memset(qb, 0, (D ? D : 1) * sizeof(double));
            for (size_t m2 = 0; m2 < q[j].len; m2++) {
                const fifo_item *it = &q[j].v[(q[j].head + m2) % q[j].cap];
                size_t idx = it->arrival + D >= k ? it->arrival + D - k : 0;
                if (D)
                    qb[idx < D ? idx : D - 1] += it->kwh / dt;
            }
            wflex[j].queued_kw = D ? qb : NULL;
            wflex[j].nqueued = D;
        }
        for (size_t s = 0; s < ns; s++)
            soc0[s] = zp_storage_soc(&bat[s]);
        for (size_t i = 0; i < h; i++) {
            imp_lim[i] = opts->import_limit_kw ? opts->import_limit_kw[k + i] : in->import_limit_kw;
            reserve[i] = opts->reserve_kwh ? opts->reserve_kwh[k + i] : 0.0;
            wprice[i] = sum_or_zero(in->import_price_cny_per_kwh, k + i);
            wexp[i] = sum_or_zero(in->export_price_cny_per_kwh, k + i);
            wfac[i] = sum_or_zero(in->grid_factor_kg_per_kwh, k + i);
        }
        zp_dispatch_input win = *in;
        win.steps = h;
        win.pv_kw = fc.pv_kw;
        win.wind_kw = fc.wind_kw;
        win.firm_kw = fc.firm_kw;
        win.flex = wflex;
        win.nflex = w;
        win.soc_initial = soc0;
        /* An outage is not foreseen: the plan knows only whether the grid
         * is down now, and expects it back at the next step. */
        unsigned char down_now_flag[1] = {in->grid_down ? in->grid_down[k] : 0};
        if (in->grid_down && down_now_flag[0]) {
            memset(wdown, 0, h);
            wdown[0] = 1;
            win.grid_down = wdown;
        } else {
            win.grid_down = NULL;
        }
        win.import_price_cny_per_kwh = wprice;
        win.export_price_cny_per_kwh = wexp;
        win.grid_factor_kg_per_kwh = wfac;
        zp_lp_opts lo;
        zp_lp_opts_init(&lo);
        lo.shift_steps = k - prev_k;
        lo.import_limit_kw = opts->import_limit_kw ? imp_lim : NULL;
        lo.reserve_kwh = opts->reserve_kwh ? reserve : NULL;
        lo.time_limit_s = opts->time_limit_s;
        zp_lp_info li;
        if ((rc = zp_lp_solve(lp, &win, &lo, &plan, &li)))
            goto out;
        inf.solves++;
        inf.fallbacks += li.fell_back != 0;
        inf.warm += li.warm_started != 0;
        inf.iterations += li.iterations;
        inf.solve_s += li.build_s + li.solve_s;
        prev_k = k;

        /* Execute the plan's first steps against the actual values. */
        for (size_t i = 0; i < R && k + i < n; i++) {
            size_t t = k + i;
            /* 1. Flexible demand: arrivals join the queues. */
            for (size_t j = 0; j < nfl; j++) {
                double a = flex_at(&in->flex[j], t) * dt;
                res->flex[j].demand_kwh += a;
                if (a > 0) {
                    size_t dl = t + dsteps[j] <= n - 1 ? t + dsteps[j] : t;
                    fifo *f = &q[j];
                    f->v[(f->head + f->len) % f->cap] = (fifo_item){a, dl, t};
                    f->len++;
                }
            }
            /* Serve what is due, and what the plan serves, oldest first. */
            double due = 0;
            for (size_t j = 0; j < nfl; j++)
                for (size_t m = 0; m < q[j].len; m++) {
                    const fifo_item *it = &q[j].v[(q[j].head + m) % q[j].cap];
                    if (it->deadline <= t)
                        due += it->kwh;
                }
            /* Beyond what is due, serve what the plan serves from on-site
             * supply; serve from the grid only when no later step before
             * the queue's next deadline has a cheaper (or cleaner) grid:
             * queued energy is the buffer that absorbs a surplus the
             * forecast missed, so it is not spent on grid energy that could
             * as well be bought later. */
            double want = plan->flex_served_kw[i] * dt;
            /* In a grid outage flexible work waits, past its deadline if
             * need be, so that storage carries the critical load. */
            const int down_now = in->grid_down && in->grid_down[t];
            if (down_now)
                want = due = 0.0;
            double green = (sum_or_zero(in->pv_kw, t) + sum_or_zero(in->wind_kw, t) -
                            sum_or_zero(in->firm_kw, t)) * dt;
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
                        for (size_t m = 0; m < q[j].len; m++) {
                            size_t dl = q[j].v[(q[j].head + m) % q[j].cap].deadline;
                            if (dl > t && dl < next_dl)
                                next_dl = dl;
                        }
                    double now = grid_unit(in, t), best_later = INFINITY;
                    for (size_t u = t + 1; u <= next_dl && u < n && u < k + h; u++) {
                        double g = grid_unit(in, u);
                        if (g < best_later)
                            best_later = g;
                    }
                    if (now < best_later - 1e-12 * fabs(best_later))
                        serve += from_grid;
                }
            }
            double flex_kw = serve_queue(q, nfl, serve, t, dt, res) / dt;

            /* 2-3. Battery setpoints (positive charges) within limits, then
             * adjusted so that the grid's limits are met where they can be. */
            double pv = sum_or_zero(in->pv_kw, t), wind = sum_or_zero(in->wind_kw, t);
            double firm = sum_or_zero(in->firm_kw, t);
            const int down = in->grid_down && in->grid_down[t];
            double lim = down ? 0.0 : opts->import_limit_kw ? opts->import_limit_kw[t] : in->import_limit_kw;
            double xlim = down ? 0.0 : in->export_limit_kw;
            /* Charging the plan meant to take from a forecast surplus is
             * limited to the actual surplus; only what it meant to take
             * from the grid on purpose may come from the grid. */
            double plan_surplus = plan->pv_used_kw[i] + plan->wind_used_kw[i] - fc.firm_kw[i] -
                                  plan->flex_served_kw[i];
            double plan_charge = 0;
            for (size_t s = 0; s < ns; s++)
                plan_charge += plan->storage[s].charge_kw[i];
            double grid_charge = plan_charge - (plan_surplus > 0 ? plan_surplus : 0);
            /* Charging from the grid pays only where a later step of the
             * horizon has a dearer grid (the LP may also charge to meet its
             * end-of-horizon state, which a rolling horizon does not need). */
            double unit_now = grid_unit(in, t), unit_max_later = -INFINITY;
            for (size_t u = t + 1; u < n && u < k + h; u++) {
                double g = grid_unit(in, u);
                if (g > unit_max_later)
                    unit_max_later = g;
            }
            if (!(unit_now < unit_max_later))
                grid_charge = 0;
            /* Actual surplus serves queued flexible demand before it is
             * stored: served directly it loses nothing, stored it loses
             * the round trip. */
            double actual_surplus = pv + wind - firm - flex_kw;
            if (actual_surplus > 0 && !down_now) {
                double more = serve_queue(q, nfl, actual_surplus * dt, t, dt, res) / dt;
                flex_kw += more;
                actual_surplus -= more;
            }
            double charge_cap = (grid_charge > 0 ? grid_charge : 0) +
                                (actual_surplus > 0 ? actual_surplus : 0);
            double net = firm + flex_kw - pv - wind;
            for (size_t s = 0; s < ns; s++) {
                double maxc = zp_storage_max_charge_kw(&bat[s], dt);
                double maxd = zp_storage_max_discharge_kw(&bat[s], dt);
                double p = plan->storage[s].charge_kw[i] - plan->storage[s].discharge_kw[i];
                p = p > maxc ? maxc : p < -maxd ? -maxd : p;
                if (p > charge_cap)
                    p = charge_cap;
                if (p > 0)
                    charge_cap -= p;
                energy[s] = p; /* setpoint of this step */
                net += p;
            }
            /* A deficit met from the grid at a step whose grid is as dear
             * as any later in the horizon is met from storage instead, as
             * far as the reserve allows: energy kept back gains nothing
             * there, and an emptier battery has room for a surplus the
             * forecast missed. */
            if (net > 0) {
                if (unit_now >= unit_max_later - 1e-12 * fabs(unit_max_later)) {
                    /* usable energy after this step's setpoints */
                    double usable = 0;
                    for (size_t s2 = 0; s2 < ns; s2++)
                        usable += bat[s2].stored_kwh - bat[s2].min_kwh +
                                  (energy[s2] > 0 ? energy[s2] * bat[s2].eta_charge
                                                  : energy[s2] / bat[s2].eta_discharge) *
                                      dt;
                    double keep = opts->reserve_kwh && !down ? opts->reserve_kwh[t] : 0.0;
                    for (size_t s2 = 0; s2 < ns && net > 0 && usable > keep; s2++) {
                        double maxd = zp_storage_max_discharge_kw(&bat[s2], dt);
                        double room = energy[s2] + maxd; /* more discharge possible, kW */
                        double by_reserve = (usable - keep) * bat[s2].eta_discharge / dt;
                        double more = net < room ? net : room;
                        if (more > by_reserve)
                            more = by_reserve;
                        if (more > 0) {
                            energy[s2] -= more;
                            net -= more;
                            usable -= more * dt / bat[s2].eta_discharge;
                        }
                    }
                }
            }
            /* A surplus the plan did not foresee first stops discharging
             * (stored energy is worth more later than exported now), then
             * serves queued flexible demand, before it is exported or
             * curtailed. */
            for (size_t s = 0; s < ns && net < 0; s++) {
                if (energy[s] < 0) {
                    double back = -energy[s] < -net ? -energy[s] : -net;
                    energy[s] += back;
                    net += back;
                }
            }
            if (net < 0) {
                double more = serve_queue(q, nfl, -net * dt, t, dt, res) / dt;
                flex_kw += more;
                net += more;
            }
            double demand = firm + flex_kw;
            for (size_t s = 0; s < ns && net > lim; s++) {
                /* short: cancel charging, then discharge more */
                double maxd = zp_storage_max_discharge_kw(&bat[s], dt);
                double give = net - lim, room = energy[s] + maxd;
                if (give > room)
                    give = room;
                energy[s] -= give;
                net -= give;
            }
            for (size_t s = 0; s < ns && net < -xlim; s++) {
                /* long: store what cannot be exported */
                double maxc = zp_storage_max_charge_kw(&bat[s], dt);
                double take = -xlim - net, room = maxc - energy[s];
                if (take > room)
                    take = room;
                energy[s] += take;
                net += take;
            }
            net = demand - pv - wind;
            for (size_t s = 0; s < ns; s++) {
                double c = energy[s] > 0 ? zp_storage_charge(&bat[s], energy[s], dt) : 0.0;
                double d = energy[s] < 0 ? zp_storage_discharge(&bat[s], -energy[s], dt) : 0.0;
                res->storage[s].charge_kw[t] = c;
                res->storage[s].discharge_kw[t] = d;
                net += c - d;
            }
            double imp = 0, exp_ = 0, unserved = 0, curtailed = 0;
            if (net > 0) {
                imp = net < lim ? net : lim;
                unserved = net - imp;
            } else {
                exp_ = -net < xlim ? -net : xlim;
                curtailed = -net - exp_;
            }
            /* Curtail PV first; what is used of each source is the rest. */
            double pv_cut = curtailed < pv ? curtailed : pv;
            res->pv_used_kw[t] = pv - pv_cut;
            res->wind_used_kw[t] = wind - (curtailed - pv_cut);
            res->curtailed_kw[t] = curtailed;
            res->grid_import_kw[t] = imp;
            res->grid_export_kw[t] = exp_;
            res->unserved_kw[t] = unserved;
            res->flex_served_kw[t] = flex_kw;
            /* Unserved energy falls on the flexible part first only when it
             * was due; firm demand is as exposed as any. */
            res->flex_unserved_kw[t] = unserved < flex_kw ? unserved : flex_kw;
            double backlog = 0, arrived_now_waiting = 0;
            for (size_t j = 0; j < nfl; j++)
                for (size_t m = 0; m < q[j].len; m++) {
                    const fifo_item *it = &q[j].v[(q[j].head + m) % q[j].cap];
                    backlog += it->kwh;
                    if (it->arrival == t)
                        arrived_now_waiting += it->kwh;
                }
            res->flex_backlog_kwh[t] = backlog;
            res->flex_delayed_kw[t] = arrived_now_waiting / dt;
            for (size_t s = 0; s < ns; s++)
                res->storage[s].soc[t] = zp_storage_soc(&bat[s]);
        }
        zp_dispatch_result_free(ctx, plan);
        plan = NULL;
    }

    /* Totals, as the other dispatchers report them. */
    zp_dispatch_totals *tot = &res->totals;
    memset(tot, 0, sizeof *tot);
    for (size_t t = 0; t < n; t++) {
        double pv = sum_or_zero(in->pv_kw, t), wind = sum_or_zero(in->wind_kw, t);
        double firm = sum_or_zero(in->firm_kw, t);
        tot->firm_kwh += firm * dt;
        tot->pv_available_kwh += pv * dt;
        tot->wind_available_kwh += wind * dt;
        tot->pv_kwh += res->pv_used_kw[t] * dt;
        tot->wind_kwh += res->wind_used_kw[t] * dt;
        tot->import_kwh += res->grid_import_kw[t] * dt;
        tot->export_kwh += res->grid_export_kw[t] * dt;
        tot->curtailed_kwh += res->curtailed_kw[t] * dt;
        tot->unserved_kwh += res->unserved_kw[t] * dt;
        tot->flex_unserved_kwh += res->flex_unserved_kw[t] * dt;
        for (size_t s = 0; s < ns; s++) {
            res->storage[s].charge_kwh += res->storage[s].charge_kw[t] * dt;
            res->storage[s].discharge_kwh += res->storage[s].discharge_kw[t] * dt;
        }
    }
    for (size_t s = 0; s < ns; s++) {
        tot->charge_kwh += res->storage[s].charge_kwh;
        tot->discharge_kwh += res->storage[s].discharge_kwh;
    }
    for (size_t j = 0; j < nfl; j++) {
        tot->flex_kwh += res->flex[j].demand_kwh;
        tot->delayed_kwh += res->flex[j].delayed_kwh;
        tot->delay_kwh_h += res->flex[j].delay_kwh_h;
    }
    tot->load_kwh = tot->firm_kwh + tot->flex_kwh;
    *out = res;
    res = NULL;
    if (info)
        *info = inf;
out:
    zp_dispatch_result_free(ctx, plan);
    zp_dispatch_result_free(ctx, res);
    zp_lp_free(lp);
    zp_forecast_out_release(ctx, &fc);
    for (size_t j = 0; q && j < nfl; j++)
        zp__free(ctx, q[j].v);
    zp__free(ctx, q);
    zp__free(ctx, dsteps);
    zp__free(ctx, flex_base);
    zp__free(ctx, bat);
    zp__free(ctx, soc0);
    zp__free(ctx, wflex);
    for (size_t j = 0; slot_kw && j < nfl; j++)
        zp__free(ctx, slot_kw[j]);
    zp__free(ctx, slot_kw);
    zp__free(ctx, imp_lim);
    zp__free(ctx, reserve);
    zp__free(ctx, wprice);
    zp__free(ctx, wexp);
    zp__free(ctx, wfac);
    zp__free(ctx, energy);
    zp__free(ctx, wdown);
    return rc;
}
