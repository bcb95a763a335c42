/*
 * greedy.c - the greedy heuristic (docs/schedule.md, "Greedy"): jobs
 * tightest first, each at its cheapest place, then repairs and
 * improvement passes, restarts in other orders on small problems.
 */
#include "sched/sched_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Job order key: slack in the high bits, then energy descending (the bits
 * of a positive float order like the float), then input order (the sort is
 * stable). Sorted with an LSD radix sort: 1M jobs in a few ms, where qsort
 * with a comparator took a tenth of the greedy's time. */
typedef struct okey {
    uint64_t key;
    uint32_t idx;
    int32_t slack;
} okey;

static void radix_sort(okey *a, okey *tmp, size_t n, int bytes)
{
    size_t cnt[256];
    for (int b = 0; b < bytes; b++) {
        const int sh = 8 * b;
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(a[i].key >> sh) & 255]++;
        size_t sum = 0;
        for (int k = 0; k < 256; k++) {
            size_t c = cnt[k];
            cnt[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[cnt[(a[i].key >> sh) & 255]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
}

typedef struct cslot {
    double c;
    int32_t t;
} cslot;

static int cslot_less(const cslot *a, const cslot *b)
{
    return a->c < b->c || (a->c == b->c && a->t < b->t);
}

/* Reorder a[0..n) so its k smallest come first (any order). Keys are
 * distinct (slot numbers break ties), so Lomuto partitioning is safe. */
static void select_k(cslot *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* invariant: a[0..lo) < a[lo..hi) < a[hi..n) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2, st = lo;
        cslot tmp = a[mid];
        a[mid] = a[hi - 1];
        a[hi - 1] = tmp;
        const cslot piv = a[hi - 1];
        for (size_t i = lo; i < hi - 1; i++)
            if (cslot_less(&a[i], &piv)) {
                tmp = a[i];
                a[i] = a[st];
                a[st++] = tmp;
            }
        a[hi - 1] = a[st];
        a[st] = piv;
        if (st == k || st + 1 == k)
            return;
        if (k < st)
            hi = st;
        else
            lo = st + 1;
    }
}

/* Insertion sort: slot lists are at most a horizon long and mostly short. */
static void sort_slots(int32_t *a, int32_t n)
{
    for (int32_t i = 1; i < n; i++) {
        int32_t v = a[i], k = i;
        while (k > 0 && a[k - 1] > v) {
            a[k] = a[k - 1];
            k--;
        }
        a[k] = v;
    }
}

/* Slots to spare in the clipped window; < 0 when the job cannot fit. */
static int64_t job_slack(const zp_sched_job *jb, size_t T)
{
    int32_t r0, r1;
    job_window(jb, T, &r0, &r1);
    return (int64_t)r1 - r0 - jb->duration;
}

typedef struct gstate {
    const zp_sched_problem *p;
    size_t T;
    double *w;     /* [S*T] objective weight per grid kWh x slot_h */
    double *load;  /* [S*T] IT load so far */
    double *mc;    /* [T] marginal cost of the current job at the current site */
    cslot *cs;     /* [T] */
    uint8_t *used; /* [T] */
    int32_t *pick; /* [T] chosen slots */
    double *lb;    /* [S*(T+1)] lower bound of the cost of d slots per kW */
    int32_t *sord; /* [(T+1)*S] sites by lb for each d, or NULL */
    int32_t *freedom; /* [N] allowed sites x (slack + 1), for the repairs */
} gstate;

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Lower bounds for pruning sites. A slot's marginal cost per kW is at least
 * pue * w where the site has no green supply (all load is grid) and at
 * least pue * min(0, w) where it has some; so any d slots at site s cost at
 * least P times the sum of the d smallest of these (lb[s][d]). Sites are
 * then tried cheapest bound first and skipped once P * lb >= the best cost
 * found; in the campus case this skips most dirty sites for movable jobs. */
static zp_status bounds(zp_ctx *ctx, gstate *g, size_t S)
{
    const size_t T = g->T;
    double *tmp = zp__malloc(ctx, T * sizeof *tmp);
    if (!tmp)
        return zp__nomem(ctx);
    for (size_t s = 0; s < S; s++) {
        const zp_sched_site *st = &g->p->sites[s];
        const double *w = g->w + s * T;
        for (size_t t = 0; t < T; t++)
            tmp[t] = st->pue * (st->green_kw[t] > 0 ? fmin(0.0, w[t]) : w[t]);
        qsort(tmp, T, sizeof *tmp, dbl_cmp);
        double *lb = g->lb + s * (T + 1);
        lb[0] = 0;
        for (size_t d = 1; d <= T; d++)
            lb[d] = lb[d - 1] + tmp[d - 1];
        /* shave a little so float rounding never prunes a true optimum */
        for (size_t d = 1; d <= T; d++)
            lb[d] -= 1e-9 * fabs(lb[d]) + 1e-12;
    }
    zp__free(ctx, tmp);
    if (g->sord) {
        for (size_t d = 0; d <= T; d++) {
            int32_t *o = g->sord + d * S;
            for (size_t k = 0; k < S; k++) { /* insertion sort by lb, stable */
                size_t i = k;
                double v = g->lb[k * (T + 1) + d];
                while (i > 0 && g->lb[(size_t)o[i - 1] * (T + 1) + d] > v) {
                    o[i] = o[i - 1];
                    i--;
                }
                o[i] = (int32_t)k;
            }
        }
    }
    return ZP_OK;
}

/* Objective of adding `add` kW of facility load (IT kW x pue) in slot t at
 * a site with green supply G, IT load L and weights w: only what the
 * green left over by L does not cover is charged. */
static inline double slot_cost(const double *G, const double *L, const double *w, double pue,
                               int32_t t, double add)
{
    double gfree = G[t] - L[t] * pue;
    double grid = gfree > 0 ? add - gfree : add;
    return grid > 0 ? grid * w[t] : 0.0;
}

/* Marginal objective of adding P kW at site s in [r0, r1) into g->mc;
 * HUGE_VAL where the capacity would be exceeded. */
static void marginal(gstate *g, size_t s, double P, int32_t r0, int32_t r1)
{
    const zp_sched_site *st = &g->p->sites[s];
    const double *w = g->w + s * g->T, *L = g->load + s * g->T, *G = st->green_kw;
    const double cap = st->capacity_kw * (1 + SCHED_CAP_TOL) - P, pue = st->pue;
    const double add = P * pue;
    double *mc = g->mc;
    for (int32_t t = r0; t < r1; t++)
        mc[t] = L[t] > cap ? HUGE_VAL : slot_cost(G, L, w, pue, t, add);
}

/* Cheapest contiguous window of length d in [r0, r1) of g->mc. Returns the
 * start or -1; *cost gets its sum. */
static int32_t best_window(const gstate *g, int32_t r0, int32_t r1, int32_t d, double *cost)
{
    /* thr is what beats best: better() with its tolerance computed once
     * per new best, not at every slot */
    double sum = 0, best = HUGE_VAL, thr = HUGE_VAL;
    int bad = 0;
    int32_t bs = -1;
    const double *mc = g->mc;
    for (int32_t t = r0; t < r1; t++) {
        if (mc[t] == HUGE_VAL)
            bad++;
        else
            sum += mc[t];
        if (t - r0 >= d) {
            int32_t o = t - d;
            if (mc[o] == HUGE_VAL)
                bad--;
            else
                sum -= mc[o];
        }
        /* a tolerance keeps float drift of the running sum from breaking
         * ties: equal costs keep the earliest start */
        if (t - r0 + 1 >= d && !bad && sum < thr) {
            best = sum;
            thr = best - 1e-9 * fabs(best) - 1e-12;
            bs = t - d + 1;
        }
    }
    *cost = best;
    return bs;
}

/* Preemptible in runs of >= m: the longest chunk (m + d mod m) first,
 * then the other chunks of m, each the cheapest window among the free
 * slots. Fills g->pick sorted; returns the cost or HUGE_VAL. */
static double chunked(gstate *g, int32_t r0, int32_t r1, int32_t d, int32_t m)
{
    int32_t k = d / m, np = 0;
    double total = 0;
    memset(g->used + r0, 0, (size_t)(r1 - r0));
    for (int32_t c = 0; c < k; c++) {
        int32_t len = c == 0 ? m + d % m : m;
        double sum = 0, best = HUGE_VAL;
        int bad = 0;
        int32_t bs = -1;
        for (int32_t t = r0; t < r1; t++) {
            if (g->mc[t] == HUGE_VAL || g->used[t])
                bad++;
            else
                sum += g->mc[t];
            if (t - r0 >= len) {
                int32_t o = t - len;
                if (g->mc[o] == HUGE_VAL || g->used[o])
                    bad--;
                else
                    sum -= g->mc[o];
            }
            if (t - r0 + 1 >= len && !bad && better(sum, best)) {
                best = sum;
                bs = t - len + 1;
            }
        }
        if (bs < 0)
            return HUGE_VAL;
        for (int32_t t = bs; t < bs + len; t++) {
            g->used[t] = 1;
            g->pick[np++] = t;
        }
        total += best;
    }
    sort_slots(g->pick, np);
    return total;
}

/* Cheapest pieces for a preemptible job at the site whose costs are in
 * g->mc: the d cheapest slots (m == 1) or chunks. Fills g->pick (sorted);
 * returns the cost or HUGE_VAL. */
static double pieces(gstate *g, int32_t r0, int32_t r1, int32_t d, int32_t m)
{
    if (m > 1)
        return chunked(g, r0, r1, d, m);
    size_t n = 0;
    for (int32_t t = r0; t < r1; t++)
        if (g->mc[t] != HUGE_VAL)
            g->cs[n++] = (cslot){g->mc[t], t};
    if (n < (size_t)d)
        return HUGE_VAL;
    select_k(g->cs, n, (size_t)d);
    double c = 0;
    for (int32_t q = 0; q < d; q++) {
        c += g->cs[q].c;
        g->pick[q] = g->cs[q].t;
    }
    sort_slots(g->pick, d);
    return c;
}

/* The cheapest placement of job j (release/deadline window already
 * checked) given the loads in g: contiguous at every allowed site, split
 * into pieces where the job allows it. Returns the site (out->cost, start,
 * and out->n > 0 with the slots in bestpick for split placements), -1 when
 * no site has room, -2 when no site is within the job's latency bound. */
typedef struct gplace {
    double cost;
    int32_t start, n;
} gplace;

static int32_t best_place(gstate *g, size_t j, int32_t *sorder, int32_t *bestpick, gplace *out)
{
    const zp_sched_problem *p = g->p;
    const size_t S = p->nsites, T = g->T;
    const zp_sched_job *jb = &p->jobs[j];
    int32_t r0, r1;
    job_window(jb, T, &r0, &r1);
    const int32_t d = jb->duration;
    const int32_t m = job_min_run(jb);
    const int split = jb->preemptible && m < d && r1 - r0 > d;
    /* home first, so ties stay at home; then by lower bound */
    size_t ns = 0;
    if (zp_sched_site_allowed(p, j, (size_t)jb->home))
        sorder[ns++] = jb->home;
    const int32_t *so = g->sord ? g->sord + (size_t)d * S : NULL;
    for (size_t k = 0; k < S; k++) {
        size_t s = so ? (size_t)so[k] : k;
        if ((int32_t)s != jb->home && zp_sched_site_allowed(p, j, s))
            sorder[ns++] = (int32_t)s;
    }
    if (ns == 0)
        return -2;
    /* Contiguous placement at every allowed site; splitting (which costs
     * more to evaluate) only at the two sites best for contiguous, or at
     * all of them when none has a contiguous window. Sites rank alike
     * either way because intensity is smooth in time. */
    double best = HUGE_VAL, c1 = HUGE_VAL, c2 = HUGE_VAL;
    int32_t bsite = -1, bstart = -1, bn = 0; /* bn > 0: slot list in bestpick */
    int32_t s1 = -1, s2 = -1;
    for (size_t k = 0; k < ns; k++) {
        const size_t s = (size_t)sorder[k];
        if (jb->power_kw > p->sites[s].capacity_kw * (1 + SCHED_CAP_TOL))
            continue;
        /* c2 bounds what a site must beat to matter (as best or for the
         * split pass); with split jobs keep looking while it is open */
        if (jb->power_kw * g->lb[s * (T + 1) + (size_t)d] >= (split ? c2 : best)) {
            if (so && k > 0)
                break; /* sorted: no later site can do better */
            continue;
        }
        marginal(g, s, jb->power_kw, r0, r1);
        double c;
        int32_t st = best_window(g, r0, r1, d, &c);
        if (st < 0)
            continue;
        if (better(c, best)) {
            best = c;
            bsite = (int32_t)s;
            bstart = st;
        }
        if (better(c, c1)) {
            c2 = c1;
            s2 = s1;
            c1 = c;
            s1 = (int32_t)s;
        } else if (better(c, c2)) {
            c2 = c;
            s2 = (int32_t)s;
        }
    }
    if (split) {
        for (size_t k = 0; k < ns; k++) {
            const size_t s = (size_t)sorder[k];
            if (s1 >= 0 && (int32_t)s != s1 && (int32_t)s != s2)
                continue;
            if (jb->power_kw > p->sites[s].capacity_kw * (1 + SCHED_CAP_TOL))
                continue;
            marginal(g, s, jb->power_kw, r0, r1);
            double c = pieces(g, r0, r1, d, m);
            if (better(c, best)) {
                best = c;
                bsite = (int32_t)s;
                bstart = g->pick[0];
                bn = d;
                memcpy(bestpick, g->pick, (size_t)d * sizeof *bestpick);
            }
        }
    }
    out->cost = best;
    out->start = bstart;
    out->n = bn;
    return bsite;
}

/* Add P kW (negative: remove) at site in slots [start, start + d). */
static void add_run(gstate *g, int32_t site, int32_t start, int32_t d, double P)
{
    double *L = g->load + (size_t)site * g->T;
    for (int32_t t = start; t < start + d; t++)
        L[t] += P;
}

/* Add P kW (negative: remove) at site in the n slots sl. */
static void add_slots(gstate *g, int32_t site, const int32_t *sl, size_t n, double P)
{
    double *L = g->load + (size_t)site * g->T;
    for (size_t k = 0; k < n; k++)
        L[sl[k]] += P;
}

/* Record job j at site with gp (from best_place) and add its load. */
static zp_status put(zp_ctx *ctx, gstate *g, zp_sched_result *r, size_t j, int32_t site,
                     const gplace *gp, const int32_t *bestpick)
{
    const zp_sched_job *jb = &g->p->jobs[j];
    const int32_t bn = gp->n;
    if (bn == 0 || (bestpick[bn - 1] - bestpick[0] == bn - 1)) {
        zp_sched_result_place(r, j, site, gp->start);
        add_run(g, site, gp->start, jb->duration, jb->power_kw);
        return ZP_OK;
    }
    zp_status rc = zp_sched_result_place_slots(ctx, r, j, site, bestpick, (size_t)bn);
    if (rc)
        return rc;
    add_slots(g, site, bestpick, (size_t)bn, jb->power_kw);
    return ZP_OK;
}

/* Repair for a job the greedy left without room: make room by moving
 * others. Candidate windows (allowed site, contiguous start in the job's
 * window) are tried fewest overflowing kWh first; in each, the jobs at
 * that site running in the window are taken out, largest first, until the
 * job fits; it is put there and each job taken out goes back to its
 * cheapest place. If one of them finds none, everything is undone.
 * Returns 1 if placed, 0 if not; *work counts job scans (a budget). */
typedef struct rcand {
    double over;
    int32_t site, start;
} rcand;

static int rcand_cmp(const void *a, const void *b)
{
    const rcand *x = a, *y = b;
    return (x->over > y->over) - (x->over < y->over);
}

typedef struct rtaken {
    size_t j;
    zp_sched_placement pl;
    double P;
    int32_t freedom; /* allowed sites x (slack + 1): how easily it moves */
} rtaken;

/* Most movable first, then largest. */
static int rtaken_cmp(const void *a, const void *b)
{
    const rtaken *x = a, *y = b;
    if (x->freedom != y->freedom)
        return (x->freedom < y->freedom) - (x->freedom > y->freedom);
    return (x->P < y->P) - (x->P > y->P);
}

/* Add (sign +1) or remove (-1) job j's load as placed in r. */
static void load_job(gstate *g, const zp_sched_result *r, size_t j, double sign, int32_t *buf)
{
    const zp_sched_placement *pl = &r->place[j];
    if (pl->site < 0)
        return;
    size_t n = zp_sched_result_job_slots(g->p, r, j, buf);
    add_slots(g, pl->site, buf, n, sign * g->p->jobs[j].power_kw);
}

/* Objective of the loads in g: grid energy after on-site green supply,
 * weighted (g->w holds weight x slot length). */
static double total_objective(const gstate *g)
{
    const zp_sched_problem *p = g->p;
    double obj = 0;
    for (size_t s = 0; s < p->nsites; s++) {
        const zp_sched_site *st = &p->sites[s];
        const double *L = g->load + s * g->T, *w = g->w + s * g->T;
        for (size_t t = 0; t < g->T; t++) {
            double grid = L[t] * st->pue - st->green_kw[t];
            if (grid > 0)
                obj += grid * w[t];
        }
    }
    return obj;
}

/* Two uses. Placement (obj_before NULL, j not placed): j found no room;
 * candidate windows are tried fewest overflowing kWh first. Improvement
 * (obj_before = the objective with j where it was; j taken out by the
 * caller, its cost there `cur`): windows cheaper than cur if capacity did
 * not bind are tried cheapest first, and a move is kept only if the whole
 * objective falls. In each window the jobs at that site running there are
 * taken out, most movable first, until j fits; j is put there and each job
 * taken out goes back to its cheapest place; if one finds none, or the
 * objective did not fall, everything is undone. *placed = 1 when kept.
 * *work counts job scans (a budget). */
static zp_status repair(zp_ctx *ctx, gstate *g, zp_sched_result *r, size_t j, int32_t *sorder,
                        int32_t *bestpick, int32_t *buf, const double *obj_before, double cur,
                        int *placed, uint64_t *work)
{
    const zp_sched_problem *p = g->p;
    const size_t S = p->nsites, T = g->T, N = p->njobs;
    const zp_sched_job *jb = &p->jobs[j];
    int32_t r0, r1;
    job_window(jb, T, &r0, &r1);
    const int32_t d = jb->duration;
    const int improve = obj_before != NULL;
    *placed = 0;
    rcand *cand = zp__malloc(ctx, (S * T + 1) * sizeof *cand);
    rtaken *taken = zp__malloc(ctx, (N + 1) * sizeof *taken);
    if (!cand || !taken) {
        zp__free(ctx, cand);
        zp__free(ctx, taken);
        return zp__nomem(ctx);
    }
    size_t nc = 0;
    for (size_t s = 0; s < S; s++) {
        if (!zp_sched_site_allowed(p, j, s) || jb->power_kw > p->sites[s].capacity_kw)
            continue;
        const zp_sched_site *st_ = &p->sites[s];
        const double *L = g->load + s * T, *w = g->w + s * T, cap = st_->capacity_kw;
        for (int32_t st = r0; st + d <= r1; st++) {
            double over = 0, cost = 0;
            int full = 0;
            for (int32_t t = st; t < st + d; t++) {
                double ex = L[t] + jb->power_kw - cap;
                over += fmax(0.0, ex);
                full |= ex > cap * SCHED_CAP_TOL;
                cost += slot_cost(st_->green_kw, L, w, st_->pue, t, jb->power_kw * st_->pue);
            }
            if (!improve)
                cand[nc++] = (rcand){over, (int32_t)s, st};
            else if (full && cost < cur - 1e-7 * fabs(cur) - 1e-9)
                cand[nc++] = (rcand){cost, (int32_t)s, st};
        }
    }
    qsort(cand, nc, sizeof *cand, rcand_cmp);
    zp_status rc = ZP_OK;
    const size_t tries = improve ? 4 : 16;
    /* the jobs placed at each site, grouped by site (a counting sort) */
    size_t *bystart = zp__calloc(ctx, S + 1, sizeof *bystart);
    size_t *byjob = zp__malloc(ctx, (N ? N : 1) * sizeof *byjob);
    if (!bystart || !byjob) {
        rc = zp__nomem(ctx);
        goto done;
    }
    for (size_t k = 0; k < N; k++)
        if (r->place[k].site >= 0)
            bystart[r->place[k].site + 1]++;
    for (size_t q = 0; q < S; q++)
        bystart[q + 1] += bystart[q];
    {
        size_t *next = zp__malloc(ctx, (S + 1) * sizeof *next);
        if (!next) {
            rc = zp__nomem(ctx);
            goto done;
        }
        memcpy(next, bystart, (S + 1) * sizeof *next);
        for (size_t k = 0; k < N; k++)
            if (r->place[k].site >= 0)
                byjob[next[r->place[k].site]++] = k;
        zp__free(ctx, next);
    }
    *work += N;
    for (size_t c = 0; c < nc && c < tries && !*placed; c++) {
        const size_t s = (size_t)cand[c].site;
        const int32_t st = cand[c].start;
        const double cap = p->sites[s].capacity_kw * (1 + SCHED_CAP_TOL);
        double *L = g->load + s * T;
        size_t nt = 0;
        for (size_t q0 = bystart[s]; q0 < bystart[s + 1]; q0++) {
            const size_t k = byjob[q0];
            const zp_sched_placement *pk = &r->place[k];
            if (k == j || pk->site != (int32_t)s)
                continue;
            int hit = 0;
            if (pk->slot_off < 0) {
                hit = pk->start < st + d && pk->start + p->jobs[k].duration > st;
            } else {
                const int32_t *sl = r->slots + pk->slot_off;
                for (int32_t q = 0; q < p->jobs[k].duration && !hit; q++)
                    hit = sl[q] >= st && sl[q] < st + d;
            }
            if (hit)
                taken[nt++] = (rtaken){k, *pk, p->jobs[k].power_kw, g->freedom[k]};
        }
        *work += bystart[s + 1] - bystart[s];
        /* take out, most movable first (picked one at a time: few are
         * needed), until the window has room */
        size_t out = 0;
        int fits = 0;
        for (;;) {
            fits = 1;
            for (int32_t t = st; t < st + d; t++)
                if (L[t] + jb->power_kw > cap)
                    fits = 0;
            if (fits || out == nt)
                break;
            size_t pick = out;
            for (size_t k = out + 1; k < nt; k++)
                if (rtaken_cmp(&taken[k], &taken[pick]) < 0)
                    pick = k;
            rtaken tk = taken[pick];
            taken[pick] = taken[out];
            taken[out] = tk;
            load_job(g, r, taken[out].j, -1, buf);
            zp_sched_result_reject(r, taken[out].j, ZP_SCHED_CAPACITY);
            out++;
        }
        if (fits) {
            zp_sched_result_place(r, j, (int32_t)s, st);
            add_run(g, (int32_t)s, st, d, jb->power_kw);
            size_t back = 0;
            for (; back < out; back++) {
                gplace gp;
                int32_t bs = best_place(g, taken[back].j, sorder, bestpick, &gp);
                if (bs < 0)
                    break;
                if ((rc = put(ctx, g, r, taken[back].j, bs, &gp, bestpick)))
                    goto done;
            }
            if (back == out && (!improve || total_objective(g) < *obj_before -
                                                    1e-9 * fabs(*obj_before) - 1e-9)) {
                *placed = 1;
                break;
            }
            /* undo: the ones put back, the job, then restore the others */
            for (size_t k = 0; k < back; k++)
                load_job(g, r, taken[k].j, -1, buf);
            add_run(g, (int32_t)s, st, d, -jb->power_kw);
            zp_sched_result_reject(r, j, ZP_SCHED_CAPACITY);
        }
        for (size_t k = 0; k < out; k++) {
            r->place[taken[k].j] = taken[k].pl;
            load_job(g, r, taken[k].j, +1, buf);
        }
    }
done:
    zp__free(ctx, bystart);
    zp__free(ctx, byjob);
    zp__free(ctx, cand);
    zp__free(ctx, taken);
    return rc;
}

/* One greedy run. restart 0 takes jobs tightest first, then largest;
 * restart k > 0 perturbs that order with seeded noise (slack + 0..2 slots,
 * energy x 0.5..1.5), so the restarts explore other orders. */
static zp_status greedy_run(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                            uint64_t restart, zp_sched_result **out)
{
    *out = NULL;
    const double t0 = now_s();
    uint64_t noise = restart * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    const size_t S = p->nsites, T = p->nslots, N = p->njobs;
    zp_sched_result *r = NULL;
    okey *ord = NULL, *tmp = NULL;
    int32_t *sorder = NULL, *bestpick = NULL, *curslots = NULL;
    gstate g = {p, T, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    zp_status rc = zp_sched_result_new(ctx, p, "greedy", &r);
    if (rc)
        return rc;
    ord = zp__malloc(ctx, (N ? N : 1) * sizeof *ord);
    tmp = zp__malloc(ctx, (N ? N : 1) * sizeof *tmp);
    sorder = zp__malloc(ctx, S * sizeof *sorder);
    g.w = zp__malloc(ctx, S * T * sizeof *g.w);
    g.load = r->load_kw; /* filled as we go; evaluate recomputes it */
    g.mc = zp__malloc(ctx, T * sizeof *g.mc);
    g.cs = zp__malloc(ctx, T * sizeof *g.cs);
    g.used = zp__malloc(ctx, T);
    g.pick = zp__malloc(ctx, T * sizeof *g.pick);
    bestpick = zp__malloc(ctx, T * sizeof *bestpick);
    curslots = zp__malloc(ctx, T * sizeof *curslots);
    g.lb = zp__malloc(ctx, S * (T + 1) * sizeof *g.lb);
    /* the per-d site order is small for campus-sized problems only */
    if ((T + 1) * S <= ((size_t)4 << 20))
        g.sord = zp__malloc(ctx, (T + 1) * S * sizeof *g.sord);
    if (!ord || !tmp || !sorder || !g.w || !g.mc || !g.cs || !g.used || !g.pick || !bestpick || !curslots ||
        !g.lb || ((T + 1) * S <= ((size_t)4 << 20) && !g.sord)) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t s = 0; s < S; s++)
        for (size_t t = 0; t < T; t++)
            g.w[s * T + t] = zp_sched_weight(p, opts->objective, s, t) * p->slot_h;
    if ((rc = bounds(ctx, &g, S)))
        goto out;
    /* Tight jobs first (they have the fewest options), then big ones. */
    for (size_t j = 0; j < N; j++) {
        const zp_sched_job *jb = &p->jobs[j];
        const int64_t slack = job_slack(jb, T);
        /* slack < 0 (window) sorts first; the horizon caps it at T */
        int32_t sl = slack < -1 ? -1 : (int32_t)slack;
        float e = (float)(jb->power_kw * jb->duration);
        if (restart && sl >= 0) {
            noise ^= noise >> 12;
            noise ^= noise << 25;
            noise ^= noise >> 27;
            uint64_t u = noise * 2685821657736338717ull;
            sl += (int32_t)(u >> 62) % 3;
            e *= (float)(0.5 + (double)((u >> 11) & 0xFFFFF) / 1048576.0);
        }
        uint32_t eb;
        memcpy(&eb, &e, sizeof eb);
        ord[j].slack = sl;
        ord[j].idx = (uint32_t)j;
        ord[j].key = ((uint64_t)(uint32_t)(sl + 1) << 32) | (uint64_t)(UINT32_MAX - eb);
    }
    radix_sort(ord, tmp, N, T + 1 < 255 ? 5 : T + 1 < 65535 ? 6 : 8);
    for (size_t oi = 0; oi < N; oi++) {
        const size_t j = ord[oi].idx;
#if defined(__GNUC__)
        /* jobs are visited in sorted order, i.e. at random in memory */
        if (oi + 8 < N)
            __builtin_prefetch(&p->jobs[ord[oi + 8].idx]);
#endif
        if (ord[oi].slack < 0) {
            zp_sched_result_reject(r, j, ZP_SCHED_WINDOW);
            continue;
        }
        gplace gp;
        const int32_t bsite = best_place(&g, j, sorder, bestpick, &gp);
        if (bsite == -2) {
            zp_sched_result_reject(r, j, ZP_SCHED_LATENCY);
            continue;
        }
        if (bsite < 0) {
            zp_sched_result_reject(r, j, ZP_SCHED_CAPACITY);
            continue;
        }
        if ((rc = put(ctx, &g, r, j, bsite, &gp, bestpick)))
            goto out;
    }
    /* Improvement: each job in turn taken out and put back at its cheapest
     * place given all the others (jobs that found no room are tried again),
     * until a pass moves nothing or the pass budget is spent. */
    int passes = opts->improve_passes < 0 ? 0 : opts->improve_passes;
    if (opts->improve_passes == 0)
        passes = N <= 200000 ? 8 : 0;
    uint64_t repair_work = 0;
    /* ejection moves evaluate the whole objective: small problems only */
    const int eject = (uint64_t)N * S * T <= ((uint64_t)1 << 24);
    if (passes > 0) {
        if (!(g.freedom = zp__malloc(ctx, (N ? N : 1) * sizeof *g.freedom))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        for (size_t k = 0; k < N; k++) {
            int32_t ns = 0;
            for (size_t s2 = 0; s2 < S; s2++)
                ns += zp_sched_site_allowed(p, k, s2) != 0;
            const int64_t slack = job_slack(&p->jobs[k], T);
            g.freedom[k] = ns * (int32_t)(slack < 0 ? 0 : slack + 1);
        }
    }
    for (int pass = 0; pass < passes; pass++) {
        size_t moved = 0;
        /* jobs without room: make room by moving others (bounded work) */
        for (size_t oi = 0; oi < N && repair_work < ((uint64_t)1 << 24); oi++) {
            const size_t j = ord[oi].idx;
            if (r->place[j].site >= 0 || r->place[j].reason != ZP_SCHED_CAPACITY)
                continue;
            int ok = 0;
            if ((rc = repair(ctx, &g, r, j, sorder, bestpick, curslots, NULL, 0, &ok,
                              &repair_work)))
                goto out;
            moved += (size_t)ok;
        }
        for (size_t oi = 0; oi < N; oi++) {
            const size_t j = ord[oi].idx;
            const zp_sched_job *jb = &p->jobs[j];
            const zp_sched_placement pl = r->place[j];
            if (pl.site < 0 && pl.reason != ZP_SCHED_CAPACITY)
                continue; /* window or latency: no place can exist */
            double cur = HUGE_VAL;
            size_t n = 0;
            if (pl.site >= 0) {
                n = zp_sched_result_job_slots(p, r, j, g.pick);
                add_slots(&g, pl.site, g.pick, n, -jb->power_kw);
                marginal(&g, (size_t)pl.site, jb->power_kw, g.pick[0], g.pick[n - 1] + 1);
                cur = 0;
                for (size_t k = 0; k < n; k++)
                    cur += g.mc[g.pick[k]];
                memcpy(curslots, g.pick, n * sizeof *curslots);
            }
            gplace gp;
            const int32_t bsite = best_place(&g, j, sorder, bestpick, &gp);
            /* move only for a real gain: float noise must not cycle */
            if (bsite >= 0 && (cur == HUGE_VAL || gp.cost < cur - 1e-7 * fabs(cur) - 1e-9)) {
                if ((rc = put(ctx, &g, r, j, bsite, &gp, bestpick)))
                    goto out;
                moved++;
                continue;
            }
            if (pl.site < 0)
                continue;
            /* no cheaper free place: try a cheaper full one, moving others
             * out of the way, if the whole objective falls (small problems) */
            int ok = 0;
            if (eject && repair_work < ((uint64_t)1 << 24)) {
                add_slots(&g, pl.site, curslots, n, jb->power_kw);
                const double before = total_objective(&g);
                add_slots(&g, pl.site, curslots, n, -jb->power_kw);
                r->place[j].site = -1;
                if ((rc = repair(ctx, &g, r, j, sorder, bestpick, g.pick, &before, cur, &ok,
                                 &repair_work)))
                    goto out;
                if (!ok)
                    r->place[j] = pl;
            }
            if (ok) {
                moved++;
            } else {
                add_slots(&g, pl.site, curslots, n, jb->power_kw);
            }
        }
        r->improve_passes = pass + 1;
        if (!moved)
            break;
    }
    rc = zp__sched_result_finish(ctx, p, opts, t0, r, out);
    r = NULL;
out:
    zp_sched_result_free(ctx, r);
    zp__free(ctx, ord);
    zp__free(ctx, tmp);
    zp__free(ctx, sorder);
    zp__free(ctx, g.w);
    zp__free(ctx, g.mc);
    zp__free(ctx, g.cs);
    zp__free(ctx, g.used);
    zp__free(ctx, g.pick);
    zp__free(ctx, bestpick);
    zp__free(ctx, curslots);
    zp__free(ctx, g.lb);
    zp__free(ctx, g.sord);
    zp__free(ctx, g.freedom);
    return rc;
}

/* Better: more jobs placed, then a lower objective (by more than noise). */
static int sched_better(const zp_sched_result *a, const zp_sched_result *b)
{
    if (a->totals.placed != b->totals.placed)
        return a->totals.placed > b->totals.placed;
    return a->totals.objective < b->totals.objective - 1e-9 * fabs(b->totals.objective) - 1e-12;
}

zp_status zp_sched_greedy(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                          zp_sched_result **out)
{
    const zp_sched_opts def = opts_or_default(opts);
    opts = &def;
    *out = NULL;
    const double t0 = now_s();
    zp_sched_result *best = NULL;
    zp_status rc = greedy_run(ctx, p, opts, 0, &best);
    if (rc)
        return rc;
    /* Restarts in other job orders, keeping the best: small problems only
     * (each restart costs a full run with its improvement passes). */
    int restarts = opts->restarts;
    if (restarts == 0)
        restarts = (uint64_t)p->njobs * p->nsites * p->nslots <= ((uint64_t)1 << 16) ? 16 : 0;
    for (int k = 1; k <= restarts; k++) {
        zp_sched_result *r = NULL;
        if ((rc = greedy_run(ctx, p, opts, (uint64_t)k + opts->seed, &r))) {
            zp_sched_result_free(ctx, best);
            return rc;
        }
        if (sched_better(r, best)) {
            zp_sched_result_free(ctx, best);
            best = r;
        } else {
            zp_sched_result_free(ctx, r);
        }
    }
    best->seconds = now_s() - t0;
    *out = best;
    return ZP_OK;
}
