/*
 * rule.c - the rule-based dispatch, the baseline every optimiser is
 * compared with (zeropark/dispatch.h; the input check and the result
 * lifecycle every dispatcher shares are in result.c).
 *
 * Each step, in this order (docs/methodology.md, "Rule-based dispatch"):
 *  1. Firm demand is served from PV, then from wind.
 *  2. The step's flexible arrivals join their load's queue with deadline
 *     t + floor(max_delay_h / step_h), or t itself when that would lie
 *     past the last step (nothing is deferred out of the horizon, and the
 *     tail of the queue does not pile up on the last step). Queued energy
 *     is served from the remaining renewable surplus (PV, then wind),
 *     earliest deadline first (ties: model order). Energy whose deadline
 *     is this step and that surplus could not cover is released now and
 *     must be supplied from any source (it joins the deficit).
 *  3. Remaining surplus charges the storages in model order.
 *  4. The deficit (firm left over from 1, plus forced flexible energy) is
 *     covered by discharging the storages in model order, then by grid
 *     import up to import_limit_kw.
 *  5. Remaining surplus is exported up to export_limit_kw; the rest is
 *     curtailed.
 *  6. Deficit beyond the import limit is unserved; it is attributed to
 *     forced flexible energy first, since firm demand has priority.
 *
 * A step has a surplus or a deficit, never both, so no storage charges and
 * discharges in the same step and the grid never imports and exports at
 * once.
 *
 * Flexible queues: max_delay_h is fixed per load, so deadlines enter each
 * queue in arrival order and the queue is a FIFO ring of floor(max_delay_h
 * / step_h) + 1 entries, allocated once. Near the horizon end an arrival
 * is due at once; its deadline (t) is at or before every queued deadline
 * (all >= t), so it goes in at the front and the ring stays sorted by
 * deadline. Queue amounts are kept in kW over one step (energy / step_h),
 * so no step converts units.
 */
#include "core/internal.h"
#include "zeropark/dispatch.h"
#include "zeropark/storage.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- flexible queues ------------------------------------------------------ */

typedef struct flex_entry {
    double kw;       /* energy still queued, as kW over one step */
    size_t arrival;  /* step it arrived in */
    size_t deadline; /* last step it may be served in */
} flex_entry;

typedef struct flex_queue {
    flex_entry *ring; /* cap entries (a slice of one shared array) */
    size_t cap;       /* min(delay_steps + 1, steps): arrivals t-delay .. t */
    size_t head;      /* index of the entry with the earliest deadline */
    size_t len;       /* entries queued */
    size_t delay_steps;
    /* This step's forced (deadline) energy, kept apart so that the part
     * left unserved can be attributed after the deficit is known. */
    double forced_kw;
    double forced_delayed_kw;     /* part of forced_kw that arrived earlier */
    double forced_delay_kw_steps; /* sum of forced kW * steps deferred */
} flex_queue;

static flex_entry *queue_front(flex_queue *q)
{
    return &q->ring[q->head];
}

static void queue_pop(flex_queue *q)
{
    q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
    q->len--;
}

static void queue_push_back(flex_queue *q, double kw, size_t arrival, size_t deadline)
{
    size_t tail = q->head + q->len;
    if (tail >= q->cap)
        tail -= q->cap;
    q->ring[tail] = (flex_entry){kw, arrival, deadline};
    q->len++;
}

static void queue_push_front(flex_queue *q, double kw, size_t arrival, size_t deadline)
{
    q->head = q->head == 0 ? q->cap - 1 : q->head - 1;
    q->ring[q->head] = (flex_entry){kw, arrival, deadline};
    q->len++;
}

/* Record kw supplied at step t from an entry that arrived at step a. */
static void account_served(zp_dispatch_flex_totals *ft, double kw, size_t a, size_t t,
                           double step_h)
{
    ft->served_kwh += kw * step_h;
    if (t > a) {
        ft->delayed_kwh += kw * step_h;
        ft->delay_kwh_h += kw * step_h * (double)(t - a) * step_h;
    }
}

/* ---- the rule ----------------------------------------------------------- */

zp_status zp_dispatch_rule(zp_ctx *ctx, const zp_dispatch_input *in, zp_dispatch_result **out)
{
    zp_status rc;
    zp_dispatch_result *r = NULL;
    zp_storage_state *st = NULL;
    flex_queue *q = NULL;
    flex_entry *ring = NULL;
    size_t nring = 0;

    if (!out)
        return zp__error(ctx, ZP_EINVAL, "dispatch: out is NULL");
    *out = NULL;
    if ((rc = zp_dispatch_input_check(ctx, in)))
        return rc;

    const size_t steps = in->steps, nst = in->nstorage, nfl = in->nflex;
    const size_t last = steps - 1;
    const double dt = in->step_h;

    if ((rc = zp_dispatch_result_new(ctx, steps, nst, nfl, &r)))
        goto out;
    r->method = "rule";
    r->step_h = dt;

    /* Workspace, all allocated before the first step. */
    if (!(st = zp__calloc(ctx, nst, sizeof *st)) || !(q = zp__calloc(ctx, nfl, sizeof *q))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t j = 0; j < nfl; j++) {
        /* The epsilon keeps 6 h / 0.25 h = 24 steps even when the division
         * rounds a hair below the integer. Saturating at steps keeps
         * t + delay_steps from wrapping and changes nothing: any deadline
         * past the last step makes the arrival due at once. */
        double ds = floor(in->flex[j].max_delay_h / dt + 1e-9);
        q[j].delay_steps = ds >= (double)steps ? steps : (size_t)ds;
        /* At most min(delay + 1, steps) arrivals are queued at once. */
        q[j].cap = q[j].delay_steps < steps ? q[j].delay_steps + 1 : steps;
        if (q[j].cap > SIZE_MAX / sizeof *ring - nring) {
            rc = zp__error(ctx, ZP_ETOOBIG, "dispatch: flexible queues of %zu loads over %zu "
                           "steps are too large", nfl, steps);
            goto out;
        }
        nring += q[j].cap;
    }
    if (!(ring = zp__calloc(ctx, nring, sizeof *ring))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    nring = 0;
    for (size_t j = 0; j < nfl; j++) {
        q[j].ring = ring + nring;
        nring += q[j].cap;
    }
    for (size_t k = 0; k < nst; k++) {
        if (in->soc_initial)
            zp_storage_state_init_soc(&st[k], &in->storage[k], in->soc_initial[k]);
        else
            zp_storage_state_init(&st[k], &in->storage[k]);
        r->storage[k].soc_start = zp_storage_soc(&st[k]);
    }

    zp_dispatch_totals *tot = &r->totals;
    double backlog_kw = 0.0; /* queued energy as kW over one step */

    for (size_t t = 0; t < steps; t++) {
        const double pv = in->pv_kw ? in->pv_kw[t] : 0.0;
        const double wind = in->wind_kw ? in->wind_kw[t] : 0.0;
        const double firm = in->firm_kw ? in->firm_kw[t] : 0.0;

        /* 1. Firm demand from PV, then wind. */
        double pv_left = pv, wind_left = wind;
        double take = fmin(pv_left, firm);
        pv_left -= take;
        double deficit = firm - take;
        take = fmin(wind_left, deficit);
        wind_left -= take;
        deficit -= take;
        double surplus = pv_left + wind_left;

        /* 2. Flexible demand: enqueue, serve earliest deadline first from
         * surplus, then release what is due now. */
        double flex_released = 0.0, flex_from_surplus = 0.0, forced = 0.0;
        for (size_t j = 0; j < nfl; j++) {
            const zp_dispatch_flex *fj = &in->flex[j];
            double a = fj->kw ? (fj->share > 0.0 ? fj->share * fj->kw[t] : fj->kw[t]) : 0.0;
            r->flex[j].demand_kwh += a * dt;
            if (a > 0.0) {
                if (t + q[j].delay_steps <= last)
                    queue_push_back(&q[j], a, t, t + q[j].delay_steps);
                else
                    queue_push_front(&q[j], a, t, t);
                backlog_kw += a;
            }
            q[j].forced_kw = q[j].forced_delayed_kw = q[j].forced_delay_kw_steps = 0.0;
        }
        while (surplus > 0.0) {
            size_t best = SIZE_MAX, best_dl = SIZE_MAX;
            for (size_t j = 0; j < nfl; j++) {
                if (q[j].len == 0)
                    continue;
                size_t dl = queue_front(&q[j])->deadline;
                if (dl < best_dl) { /* strict: ties go to the earlier load */
                    best = j;
                    best_dl = dl;
                }
            }
            if (best == SIZE_MAX)
                break;
            flex_entry *e = queue_front(&q[best]);
            double x = fmin(e->kw, surplus);
            account_served(&r->flex[best], x, e->arrival, t, dt);
            surplus -= x;
            flex_from_surplus += x;
            if (x == e->kw)
                queue_pop(&q[best]);
            else
                e->kw -= x; /* surplus is now exactly 0: the loop ends */
        }
        for (size_t j = 0; j < nfl; j++) {
            while (q[j].len > 0) {
                flex_entry *e = queue_front(&q[j]);
                if (e->deadline > t)
                    break;
                q[j].forced_kw += e->kw;
                if (t > e->arrival) {
                    q[j].forced_delayed_kw += e->kw;
                    q[j].forced_delay_kw_steps += e->kw * (double)(t - e->arrival);
                }
                forced += e->kw;
                queue_pop(&q[j]);
            }
        }
        flex_released = flex_from_surplus + forced;
        deficit += forced;

        /* 3. Surplus charges storage, model order. */
        double charge_total = 0.0, discharge_total = 0.0;
        for (size_t k = 0; k < nst; k++) {
            double c = surplus > 0.0 ? zp_storage_charge(&st[k], surplus, dt) : 0.0;
            surplus -= c;
            charge_total += c;
            r->storage[k].charge_kw[t] = c;
        }

        /* 4. Deficit from storage, model order, then the grid. */
        for (size_t k = 0; k < nst; k++) {
            double d = deficit > 0.0 ? zp_storage_discharge(&st[k], deficit, dt) : 0.0;
            deficit -= d;
            discharge_total += d;
            r->storage[k].discharge_kw[t] = d;
            r->storage[k].soc[t] = zp_storage_soc(&st[k]);
            r->storage[k].charge_kwh += r->storage[k].charge_kw[t] * dt;
            r->storage[k].discharge_kwh += d * dt;
        }
        if (deficit < 0.0) /* rounding only */
            deficit = 0.0;
        const int down = in->grid_down && in->grid_down[t];
        double import = down ? 0.0 : fmin(deficit, in->import_limit_kw);
        deficit -= import;

        /* 5. Export, then curtail. */
        if (surplus < 0.0)
            surplus = 0.0;
        double export = down ? 0.0 : fmin(surplus, in->export_limit_kw);
        double curtailed = surplus - export;

        /* 6. Unserved; forced flexible energy goes first, firm has priority. */
        double unserved = deficit;
        double flex_unserved = fmin(unserved, forced);
        if (forced > 0.0) {
            /* Split the flexible shortfall over loads by their forced share. */
            double supplied_frac = 1.0 - flex_unserved / forced;
            for (size_t j = 0; j < nfl; j++) {
                zp_dispatch_flex_totals *ft = &r->flex[j];
                if (q[j].forced_kw <= 0.0)
                    continue;
                ft->served_kwh += q[j].forced_kw * supplied_frac * dt;
                ft->unserved_kwh += q[j].forced_kw * (1.0 - supplied_frac) * dt;
                ft->delayed_kwh += q[j].forced_delayed_kw * supplied_frac * dt;
                ft->delay_kwh_h += q[j].forced_delay_kw_steps * supplied_frac * dt * dt;
            }
        }

        /* Attribute what the surplus pool gave out (flexible, storage,
         * export) to PV first, so curtailment falls on wind first. */
        double pool_out = flex_from_surplus + charge_total + export;
        double pv_take = fmin(pv_left, pool_out);
        double wind_take = fmin(wind_left, pool_out - pv_take);
        r->pv_used_kw[t] = (pv - pv_left) + pv_take;
        r->wind_used_kw[t] = (wind - wind_left) + wind_take;
        r->curtailed_kw[t] = curtailed;
        r->grid_import_kw[t] = import;
        r->grid_export_kw[t] = export;
        r->unserved_kw[t] = unserved;
        r->flex_served_kw[t] = flex_released;
        r->flex_unserved_kw[t] = flex_unserved;

        double delayed_now = 0.0;
        size_t queued = 0;
        for (size_t j = 0; j < nfl; j++) {
            queued += q[j].len;
            if (q[j].len == 0)
                continue;
            size_t back = q[j].head + q[j].len - 1;
            if (back >= q[j].cap)
                back -= q[j].cap;
            if (q[j].ring[back].arrival == t)
                delayed_now += q[j].ring[back].kw;
        }
        r->flex_delayed_kw[t] = delayed_now;
        /* A running sum drifts by rounding; pin it to 0 when the queues
         * are empty and never let it go negative. */
        backlog_kw -= flex_released;
        if (queued == 0 || backlog_kw < 0.0)
            backlog_kw = 0.0;
        r->flex_backlog_kwh[t] = backlog_kw * dt;

        tot->firm_kwh += firm * dt;
        tot->pv_available_kwh += pv * dt;
        tot->wind_available_kwh += wind * dt;
        tot->pv_kwh += r->pv_used_kw[t] * dt;
        tot->wind_kwh += r->wind_used_kw[t] * dt;
        tot->import_kwh += import * dt;
        tot->export_kwh += export * dt;
        tot->charge_kwh += charge_total * dt;
        tot->discharge_kwh += discharge_total * dt;
        tot->curtailed_kwh += curtailed * dt;
        tot->unserved_kwh += unserved * dt;
        tot->flex_unserved_kwh += flex_unserved * dt;
    }

    for (size_t j = 0; j < nfl; j++) {
        tot->flex_kwh += r->flex[j].demand_kwh;
        tot->delayed_kwh += r->flex[j].delayed_kwh;
        tot->delay_kwh_h += r->flex[j].delay_kwh_h;
    }
    tot->load_kwh = tot->firm_kwh + tot->flex_kwh;

    *out = r;
    r = NULL;
out:
    zp__free(ctx, ring);
    zp__free(ctx, q);
    zp__free(ctx, st);
    zp_dispatch_result_free(ctx, r);
    return rc;
}
