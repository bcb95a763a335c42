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
 * Peak shaving. With a demand charge (demand_charge_cny_per_kw_month > 0,
 * whatever the objective) steps 3-4 hold the grid import at a target
 * instead (docs/methodology.md, "Rule-based dispatch", peak shaving):
 *  - Each day (24-h blocks from the first step) sets a threshold: the
 *    highest of the levels to which the batteries' usable energy and power
 *    would have held each of the last 7 days' net demand (firm + flexible
 *    arrivals - PV - wind; the first day's level from the day itself,
 *    standing in for the operator's knowledge of the park's usual day).
 *    The target of a step is the larger of that threshold and the month's
 *    peak so far (peak_so_far_kw, raised by every import of the month):
 *    importing up to a peak already set costs nothing more.
 *  - The batteries keep the energy that holding the target took on the
 *    worst of those days (stored, kWh); energy above it serves the
 *    deficit as in 4.
 *  3'. Surplus charges the storages, model order, as in 3.
 *  4'. The deficit above the target is discharged first (any stored
 *      energy), then the rest from the energy above what is kept, then,
 *      in a grid outage or beyond the import limit, from any energy left;
 *      the grid imports what remains.
 *  4''. In a step with no surplus, the storages charge from the grid up
 *      to the energy kept, without lifting import above the target (or
 *      the import limit).
 * Without a demand charge none of this runs: the plain rule, bit for bit.
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
#include "dispatch/dispatch_impl.h"
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

/* A run of the rule: the input, its result and the workspace. */
typedef struct rule_run {
    zp_ctx *ctx;
    const zp_dispatch_input *in;
    zp_dispatch_result *r;
    size_t steps, nst, nfl;
    double dt;
    zp_storage_state *st; /* nst storages' state */
    flex_queue *q;        /* nfl flexible queues */
    flex_entry *ring;     /* the queues' entries, one array */
    double backlog_kw;    /* queued energy as kW over one step */
    /* Peak shaving (a demand charge is set). */
    int shave;
    size_t day_steps;     /* steps per day */
    double *peak;         /* nmonths: each month's peak import so far (kW) */
    double *must_kw;      /* nst: a step's discharge above the target, per storage */
    double *net;          /* steps: net demand (peak.c) */
    zp_peak_fleet fleet;  /* the storages together */
    double level[ZP__PEAK_DAYS]; /* the last days' levels (a ring) */
    size_t nlevel;        /* days seen */
    double day_level;     /* the day's threshold (kW) */
    double keep_kwh;      /* stored energy above the minima kept for shaving */
} rule_run;

/* One step as the rule works through it (kW). */
typedef struct rule_step {
    size_t t;
    double pv, wind, firm;         /* the input */
    double pv_left, wind_left;     /* renewables left after firm demand */
    double surplus, deficit;       /* what is left to place, what is still short */
    double flex_from_surplus;      /* queued flexible demand served from the surplus */
    double forced;                 /* flexible demand due now, from any source */
    double charge_total, discharge_total;
    double import, export, curtailed, unserved, flex_unserved;
} rule_step;

/* The workspace, all allocated before the first step: storage states and
 * the flexible queues. */
static zp_status rule_setup(rule_run *u)
{
    zp_ctx *ctx = u->ctx;
    const zp_dispatch_input *in = u->in;
    const size_t steps = u->steps, nst = u->nst, nfl = u->nfl;
    flex_queue *q;
    size_t nring = 0;
    if (!(u->st = zp__calloc(ctx, nst, sizeof *u->st)) ||
        !(u->q = q = zp__calloc(ctx, nfl, sizeof *u->q)))
        return zp__nomem(ctx);
    for (size_t j = 0; j < nfl; j++) {
        q[j].delay_steps = zp__flex_delay_steps(&in->flex[j], u->dt, steps);
        /* At most min(delay + 1, steps) arrivals are queued at once. */
        q[j].cap = q[j].delay_steps < steps ? q[j].delay_steps + 1 : steps;
        if (q[j].cap > SIZE_MAX / sizeof *u->ring - nring)
            return zp__error(ctx, ZP_ETOOBIG, "dispatch: flexible queues of %zu loads over %zu "
                             "steps are too large", nfl, steps);
        nring += q[j].cap;
    }
    if (!(u->ring = zp__calloc(ctx, nring, sizeof *u->ring)))
        return zp__nomem(ctx);
    nring = 0;
    for (size_t j = 0; j < nfl; j++) {
        q[j].ring = u->ring + nring;
        nring += q[j].cap;
    }
    zp__dispatch_storage_init(in, u->st, u->r);
    u->shave = in->demand_charge_cny_per_kw_month > 0.0;
    if (u->shave) {
        const size_t nm = zp__dispatch_nmonths(in);
        if (!(u->peak = zp__calloc(ctx, nm, sizeof *u->peak)) ||
            !(u->must_kw = zp__calloc(ctx, nst + 1, sizeof *u->must_kw)) ||
            !(u->net = zp__calloc(ctx, steps, sizeof *u->net)))
            return zp__nomem(ctx);
        zp__peak_net_demand(in, u->net);
        zp__peak_fleet(in, &u->fleet);
        for (size_t m = 0; m < nm; m++)
            u->peak[m] = zp__dispatch_peak_so_far(in, m);
        double spd = round(24.0 / u->dt);
        u->day_steps = spd >= 1.0 ? (size_t)spd : 1;
    }
    return ZP_OK;
}

/* 1. Firm demand from PV, then wind. */
static void rule_firm(rule_step *s)
{
    s->pv_left = s->pv;
    s->wind_left = s->wind;
    double take = fmin(s->pv_left, s->firm);
    s->pv_left -= take;
    s->deficit = s->firm - take;
    take = fmin(s->wind_left, s->deficit);
    s->wind_left -= take;
    s->deficit -= take;
    s->surplus = s->pv_left + s->wind_left;
}

/* 2. Flexible demand: enqueue, serve earliest deadline first from
 * surplus, then release what is due now. */
static void rule_flex(rule_run *u, rule_step *s)
{
    const size_t t = s->t, last = u->steps - 1, nfl = u->nfl;
    const double dt = u->dt;
    flex_queue *q = u->q;
    zp_dispatch_result *r = u->r;
    for (size_t j = 0; j < nfl; j++) {
        double a = zp__flex_arrival(&u->in->flex[j], t);
        r->flex[j].demand_kwh += a * dt;
        if (a > 0.0) {
            if (t + q[j].delay_steps <= last)
                queue_push_back(&q[j], a, t, t + q[j].delay_steps);
            else
                queue_push_front(&q[j], a, t, t);
            u->backlog_kw += a;
        }
        q[j].forced_kw = q[j].forced_delayed_kw = q[j].forced_delay_kw_steps = 0.0;
    }
    while (s->surplus > 0.0) {
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
        double x = fmin(e->kw, s->surplus);
        account_served(&r->flex[best], x, e->arrival, t, dt);
        s->surplus -= x;
        s->flex_from_surplus += x;
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
            s->forced += e->kw;
            queue_pop(&q[j]);
        }
    }
    s->deficit += s->forced;
}

/* 3. Surplus charges storage, model order. 4. The deficit from storage,
 * model order. */
static void rule_storage(rule_run *u, rule_step *s)
{
    const size_t t = s->t;
    const double dt = u->dt;
    zp_dispatch_result *r = u->r;
    for (size_t k = 0; k < u->nst; k++) {
        double c = s->surplus > 0.0 ? zp_storage_charge(&u->st[k], s->surplus, dt) : 0.0;
        s->surplus -= c;
        s->charge_total += c;
        r->storage[k].charge_kw[t] = c;
    }
    for (size_t k = 0; k < u->nst; k++) {
        double d = s->deficit > 0.0 ? zp_storage_discharge(&u->st[k], s->deficit, dt) : 0.0;
        s->deficit -= d;
        s->discharge_total += d;
        r->storage[k].discharge_kw[t] = d;
        r->storage[k].soc[t] = zp_storage_soc(&u->st[k]);
        r->storage[k].charge_kwh += r->storage[k].charge_kw[t] * dt;
        r->storage[k].discharge_kwh += d * dt;
    }
}

/* ---- peak shaving ----------------------------------------------------------- */

/* At the first step t of a day: the day's threshold, the highest of the
 * levels the batteries would have held the last days at (each day's level
 * computed once, from its net demand; the first day's from itself), and
 * the energy kept for shaving: the most that holding the target took on
 * one of those days (peak.c). */
static void rule_new_day(rule_run *u, size_t t)
{
    const size_t D = u->day_steps;
    size_t a = t >= D ? t - D : 0, b = t >= D ? t : (D < u->steps ? D : u->steps);
    u->level[u->nlevel++ % ZP__PEAK_DAYS] = zp__peak_hold_level(&u->fleet, u->net, a, b, u->dt);
    size_t nl = u->nlevel < ZP__PEAK_DAYS ? u->nlevel : ZP__PEAK_DAYS;
    u->day_level = 0.0;
    for (size_t i = 0; i < nl; i++)
        u->day_level = fmax(u->day_level, u->level[i]);
    double target = fmax(u->day_level, u->peak[zp__dispatch_month(u->in, t)]);
    if (t >= D)
        u->keep_kwh = zp__peak_reserve_kwh(&u->fleet, u->net, t, D, ZP__PEAK_DAYS, u->dt, target);
    else
        u->keep_kwh = fmin(u->fleet.usable_kwh,
                           zp__peak_energy_above(u->net, a, b, u->dt, target) / u->fleet.eta);
}

/* 3'. Surplus charges storage; 4'. the deficit above the target from
 * storage, then the rest from the energy above what is kept (any energy
 * in an outage or beyond the import limit); 4''. with no surplus, the
 * storages charge from the grid up to the energy kept, within the target. */
static void rule_storage_shave(rule_run *u, rule_step *s)
{
    const zp_dispatch_input *in = u->in;
    const size_t t = s->t, K = u->nst;
    const double dt = u->dt;
    zp_dispatch_result *r = u->r;
    const int down = in->grid_down && in->grid_down[t];
    const double lim = down ? 0.0 : in->import_limit_kw;
    const double target = fmax(u->day_level, u->peak[zp__dispatch_month(in, t)]);
    for (size_t k = 0; k < K; k++) {
        double c = s->surplus > 0.0 ? zp_storage_charge(&u->st[k], s->surplus, dt) : 0.0;
        s->surplus -= c;
        s->charge_total += c;
        r->storage[k].charge_kw[t] = c;
    }
    /* What storage must give (above the target, beyond the limit), then
     * what it may give from the energy above the kept. */
    double must = fmax(fmax(0.0, s->deficit - target), s->deficit - lim), given = 0.0;
    double usable = 0.0, spent = 0.0;
    for (size_t k = 0; k < K; k++) {
        double d = fmin(zp_storage_max_discharge_kw(&u->st[k], dt), fmax(0.0, must - given));
        u->must_kw[k] = d;
        given += d;
        usable += u->st[k].stored_kwh - u->st[k].min_kwh;
        spent += d * dt / u->st[k].eta_discharge;
    }
    double spend = down ? INFINITY : fmax(0.0, usable - spent - u->keep_kwh);
    for (size_t k = 0; k < K; k++) {
        double d0 = u->must_kw[k];
        double room = zp_storage_max_discharge_kw(&u->st[k], dt) - d0;
        double more = fmin(fmin(room, s->deficit - given), spend * u->st[k].eta_discharge / dt);
        if (!(more > 0.0))
            more = 0.0;
        spend -= more * dt / u->st[k].eta_discharge;
        given += more;
        double d = d0 + more > 0.0 ? zp_storage_discharge(&u->st[k], d0 + more, dt) : 0.0;
        s->deficit -= d;
        s->discharge_total += d;
        r->storage[k].discharge_kw[t] = d;
    }
    /* Charge from the grid below the target, up to the energy kept. */
    double room = fmin(target, lim) - s->deficit;
    usable = 0.0;
    for (size_t k = 0; k < K; k++)
        usable += u->st[k].stored_kwh - u->st[k].min_kwh;
    for (size_t k = 0; k < K && !down && s->surplus <= 0.0 && s->charge_total == 0.0 &&
                       s->discharge_total == 0.0 && room > 0.0 && usable < u->keep_kwh; k++) {
        double want = fmin(room, (u->keep_kwh - usable) / (u->st[k].eta_charge * dt));
        double c = zp_storage_charge(&u->st[k], want, dt);
        room -= c;
        usable += c * u->st[k].eta_charge * dt;
        s->deficit += c;
        s->charge_total += c;
        r->storage[k].charge_kw[t] = c;
    }
    for (size_t k = 0; k < K; k++) {
        r->storage[k].soc[t] = zp_storage_soc(&u->st[k]);
        r->storage[k].charge_kwh += r->storage[k].charge_kw[t] * dt;
        r->storage[k].discharge_kwh += r->storage[k].discharge_kw[t] * dt;
    }
}

/* 4. The rest of the deficit from the grid. 5. Export, then curtail.
 * 6. Unserved; forced flexible energy goes first, firm has priority. */
static void rule_grid(rule_run *u, rule_step *s)
{
    const zp_dispatch_input *in = u->in;
    const double dt = u->dt;
    if (s->deficit < 0.0) /* rounding only */
        s->deficit = 0.0;
    const int down = in->grid_down && in->grid_down[s->t];
    s->import = down ? 0.0 : fmin(s->deficit, in->import_limit_kw);
    s->deficit -= s->import;
    if (s->surplus < 0.0)
        s->surplus = 0.0;
    s->export = down ? 0.0 : fmin(s->surplus, in->export_limit_kw);
    s->curtailed = s->surplus - s->export;
    s->unserved = s->deficit;
    s->flex_unserved = fmin(s->unserved, s->forced);
    if (s->forced > 0.0) {
        /* Split the flexible shortfall over loads by their forced share. */
        double supplied_frac = 1.0 - s->flex_unserved / s->forced;
        for (size_t j = 0; j < u->nfl; j++) {
            const flex_queue *qj = &u->q[j];
            zp_dispatch_flex_totals *ft = &u->r->flex[j];
            if (qj->forced_kw <= 0.0)
                continue;
            ft->served_kwh += qj->forced_kw * supplied_frac * dt;
            ft->unserved_kwh += qj->forced_kw * (1.0 - supplied_frac) * dt;
            ft->delayed_kwh += qj->forced_delayed_kw * supplied_frac * dt;
            ft->delay_kwh_h += qj->forced_delay_kw_steps * supplied_frac * dt * dt;
        }
    }
}

/* The step into the result and the totals. */
static void rule_record(rule_run *u, const rule_step *s)
{
    const size_t t = s->t;
    const double dt = u->dt;
    zp_dispatch_result *r = u->r;
    double flex_released = s->flex_from_surplus + s->forced;
    /* Attribute what the surplus pool gave out (flexible, storage,
     * export) to PV first, so curtailment falls on wind first. */
    double pool_out = s->flex_from_surplus + s->charge_total + s->export;
    double pv_take = fmin(s->pv_left, pool_out);
    double wind_take = fmin(s->wind_left, pool_out - pv_take);
    r->pv_used_kw[t] = (s->pv - s->pv_left) + pv_take;
    r->wind_used_kw[t] = (s->wind - s->wind_left) + wind_take;
    r->curtailed_kw[t] = s->curtailed;
    r->grid_import_kw[t] = s->import;
    r->grid_export_kw[t] = s->export;
    r->unserved_kw[t] = s->unserved;
    r->flex_served_kw[t] = flex_released;
    r->flex_unserved_kw[t] = s->flex_unserved;

    double delayed_now = 0.0;
    size_t queued = 0;
    for (size_t j = 0; j < u->nfl; j++) {
        const flex_queue *qj = &u->q[j];
        queued += qj->len;
        if (qj->len == 0)
            continue;
        size_t back = qj->head + qj->len - 1;
        if (back >= qj->cap)
            back -= qj->cap;
        if (qj->ring[back].arrival == t)
            delayed_now += qj->ring[back].kw;
    }
    r->flex_delayed_kw[t] = delayed_now;
    /* A running sum drifts by rounding; pin it to 0 when the queues
     * are empty and never let it go negative. */
    u->backlog_kw -= flex_released;
    if (queued == 0 || u->backlog_kw < 0.0)
        u->backlog_kw = 0.0;
    r->flex_backlog_kwh[t] = u->backlog_kw * dt;

    zp__dispatch_totals_step(&r->totals, r, t, s->firm, s->pv, s->wind, dt);
    r->totals.charge_kwh += s->charge_total * dt;
    r->totals.discharge_kwh += s->discharge_total * dt;
}

zp_status zp_dispatch_rule(zp_ctx *ctx, const zp_dispatch_input *in, zp_dispatch_result **out)
{
    zp_status rc;
    rule_run u;
    if (!out)
        return zp__error(ctx, ZP_EINVAL, "dispatch: out is NULL");
    *out = NULL;
    if ((rc = zp_dispatch_input_check(ctx, in)))
        return rc;
    memset(&u, 0, sizeof u);
    u.ctx = ctx;
    u.in = in;
    u.steps = in->steps;
    u.nst = in->nstorage;
    u.nfl = in->nflex;
    u.dt = in->step_h;
    if (!(rc = zp_dispatch_result_new(ctx, u.steps, u.nst, u.nfl, &u.r))) {
        u.r->method = "rule";
        u.r->step_h = u.dt;
        rc = rule_setup(&u);
    }
    for (size_t t = 0; !rc && t < u.steps; t++) {
        rule_step s = {0};
        s.t = t;
        s.pv = zp__dispatch_at(in->pv_kw, t);
        s.wind = zp__dispatch_at(in->wind_kw, t);
        s.firm = zp__dispatch_at(in->firm_kw, t);
        rule_firm(&s);
        rule_flex(&u, &s);
        if (u.shave) {
            if (t % u.day_steps == 0)
                rule_new_day(&u, t);
            rule_storage_shave(&u, &s);
        } else {
            rule_storage(&u, &s);
        }
        rule_grid(&u, &s);
        if (u.shave) {
            size_t m = zp__dispatch_month(in, t);
            u.peak[m] = fmax(u.peak[m], s.import);
        }
        rule_record(&u, &s);
    }
    if (!rc) {
        zp__dispatch_totals_end(&u.r->totals, u.r);
        *out = u.r;
        u.r = NULL;
    }
    zp__free(ctx, u.peak);
    zp__free(ctx, u.must_kw);
    zp__free(ctx, u.net);
    zp__free(ctx, u.ring);
    zp__free(ctx, u.q);
    zp__free(ctx, u.st);
    zp_dispatch_result_free(ctx, u.r);
    return rc;
}
