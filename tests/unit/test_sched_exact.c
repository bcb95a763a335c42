/*
 * test_sched_exact.c - the exact scheduler (src/lib/sched/exact.c): optima
 * computed by hand (non-preemptible jobs sharing green supply, preemptible
 * jobs with and without a minimum run, the cost objective), infeasible
 * jobs reported with their reasons, and on seeded random small instances
 * (5-20 jobs, 2-3 sites, 6-12 slots, 12 seeds): every exact schedule passes the
 * independent checker zp_sched_check, the exported MPS solved by SciPy's
 * HiGHS (tests/unit/sched_reference.py, not COIN-OR) has the same optimum
 * to 1e-6 relative, the greedy objective is never below the exact one when
 * it places as many jobs, and the LP relaxation bounds the optimum from
 * below. Large instances and the gap distribution: bench/bench_sched_exact.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "need.h"
#include "testutil.h"

#include "zeropark/sched.h"
#include "../../bench/sched_instance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

static zp_sched_job job(int32_t release, int32_t deadline, int32_t duration, double power_kw,
                        int preemptible, int32_t min_chunk)
{
    zp_sched_job j;
    memset(&j, 0, sizeof j);
    j.home = 0;
    j.region = -1;
    j.release = release;
    j.deadline = deadline;
    j.duration = duration;
    j.power_kw = power_kw;
    j.min_chunk = min_chunk;
    j.preemptible = (uint8_t)preemptible;
    j.cls = preemptible ? ZP_JOB_BATCH : ZP_JOB_INTERACTIVE;
    return j;
}

static void add(zp_ctx *ctx, zp_sched_problem *p, zp_sched_job j)
{
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &j, NULL), ZP_OK);
}

/* Solve exactly, check the schedule independently, return it. */
static zp_sched_result *exact_ok(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *o)
{
    zp_sched_result *r = NULL;
    zp_status rc = zp_sched_exact(ctx, p, o, &r);
    if (rc != ZP_OK)
        print_error("zp_sched_exact: %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    assert_non_null(r);
    assert_string_equal(r->method, "exact");
    size_t nv = 0;
    zp_ctx_diag_clear(ctx);
    rc = zp_sched_check(ctx, p, r, 0, &nv);
    if (rc != ZP_OK) {
        for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++)
            print_error("  %s\n", zp_ctx_diag_get(ctx, i)->message);
    }
    assert_int_equal(rc, ZP_OK);
    assert_int_equal(nv, 0);
    return r;
}

/*
 * Two sites, four 1-h slots, carbon objective, three non-preemptible jobs.
 *   A: capacity 10 kW, PUE 1.5, intensity 1, 0.2, 0.2, 1, no green.
 *   B: capacity 6 kW, PUE 1.0, intensity 0.5 throughout, green 6 kW in
 *      slot 2.
 *   J0 10 kW x 2 h: at A in slots 1-2, 10 * 1.5 * 0.2 * 2 = 6 kg; at B it
 *      does not fit (10 > 6). Anywhere else at A costs >= 18 kg.
 *   J1, J2 6 kW x 1 h: A is full in slots 1-2 and costs 6 * 1.5 * 1 = 9 kg
 *      in slots 0 and 3. B takes one job per slot (capacity 6): one in slot
 *      2 is covered by green (0 kg), the other pays 6 * 0.5 = 3 kg.
 *   Optimum 6 + 0 + 3 = 9 kg.
 */
static void test_hand_nonpreemptive(void **state)
{
    zp_ctx *ctx = *state;
    zp_sched_problem *p = NULL;
    assert_int_equal(zp_sched_problem_new(ctx, 2, 4, 0, &p), ZP_OK);
    double ia[4] = {1, 0.2, 0.2, 1};
    p->sites[0].capacity_kw = 10;
    p->sites[0].pue = 1.5;
    p->sites[1].capacity_kw = 6;
    p->sites[1].pue = 1.0;
    for (int t = 0; t < 4; t++) {
        p->sites[0].intensity_kg_per_kwh[t] = ia[t];
        p->sites[1].intensity_kg_per_kwh[t] = 0.5;
    }
    p->sites[1].green_kw[2] = 6;
    add(ctx, p, job(0, 4, 2, 10, 0, 1));
    add(ctx, p, job(0, 4, 1, 6, 0, 1));
    add(ctx, p, job(0, 4, 1, 6, 0, 1));
    zp_sched_opts o;
    zp_sched_opts_init(&o);
    zp_sched_result *r = exact_ok(ctx, p, &o);
    assert_int_equal(r->optimal, 1);
    assert_int_equal(r->totals.placed, 3);
    assert_near(r->totals.objective, 9.0, 1e-9);
    assert_near(r->totals.emissions_kg, 9.0, 1e-9);
    assert_int_equal(r->place[0].site, 0);
    assert_int_equal(r->place[0].start, 1);
    assert_true(r->bound <= r->totals.objective + 1e-9);
    assert_true(r->bound >= 9.0 - 1e-6);
    zp_sched_result *g = NULL;
    assert_int_equal(zp_sched_greedy(ctx, p, &o, &g), ZP_OK);
    assert_true(g->totals.placed <= r->totals.placed);
    if (g->totals.placed == r->totals.placed)
        assert_true(g->totals.objective >= r->totals.objective - 1e-9);
    zp_sched_result_free(ctx, g);
    zp_sched_result_free(ctx, r);
    zp_sched_problem_free(ctx, p);
}

/*
 * One site, six slots, PUE 1, capacity 10 kW, intensity
 * 1, 0.1, 1, 0.1, 0.1, 1 and price twice that; all jobs 1 kW x 3 h.
 *   J0 preemptible, min_chunk 1: slots 1, 3, 4: 0.3 kg.
 *   J1 preemptible, min_chunk 2: runs of >= 2 summing to 3 are one run of
 *      3: best 1-3, 2-4 or 3-5 at 1.2 kg.
 *   J2 non-preemptible, 2 h (1 kW): slots 3-4: 0.2 kg.
 *   Carbon optimum 1.7 kg; cost optimum 3.4 CNY.
 */
static void test_hand_preemptive(void **state)
{
    zp_ctx *ctx = *state;
    zp_sched_problem *p = NULL;
    assert_int_equal(zp_sched_problem_new(ctx, 1, 6, 0, &p), ZP_OK);
    double it[6] = {1, 0.1, 1, 0.1, 0.1, 1};
    p->sites[0].capacity_kw = 10;
    for (int t = 0; t < 6; t++) {
        p->sites[0].intensity_kg_per_kwh[t] = it[t];
        p->sites[0].price_cny_per_kwh[t] = 2 * it[t];
    }
    add(ctx, p, job(0, 6, 3, 1, 1, 1));
    add(ctx, p, job(0, 6, 3, 1, 1, 2));
    add(ctx, p, job(0, 6, 2, 1, 0, 1));
    zp_sched_opts o;
    zp_sched_opts_init(&o);
    zp_sched_result *r = exact_ok(ctx, p, &o);
    assert_int_equal(r->optimal, 1);
    assert_near(r->totals.objective, 1.7, 1e-9);
    int32_t buf[6];
    assert_int_equal(zp_sched_result_job_slots(p, r, 0, buf), 3);
    assert_int_equal(buf[0], 1);
    assert_int_equal(buf[1], 3);
    assert_int_equal(buf[2], 4);
    zp_sched_result_free(ctx, r);
    o.objective = ZP_SCHED_COST;
    r = exact_ok(ctx, p, &o);
    assert_near(r->totals.objective, 3.4, 1e-9);
    assert_near(r->totals.cost_cny, 3.4, 1e-9);
    zp_sched_result_free(ctx, r);
    /* The LP relaxation: a lower bound, and its rounding is a valid schedule. */
    o.objective = ZP_SCHED_CARBON;
    o.relax = 1;
    r = exact_ok(ctx, p, &o);
    assert_int_equal(r->optimal, 0);
    assert_true(r->bound <= 1.7 + 1e-9);
    assert_true(r->totals.objective >= 1.7 - 1e-9);
    zp_sched_result_free(ctx, r);
    zp_sched_problem_free(ctx, p);
}

/*
 * Reasons. One region, latencies 5 ms to site 0 and 50 ms to site 1;
 * site 0 has 4 kW.
 *   J0: bound 1 ms -> latency.   J1: 2 slots within [2, 3) -> window.
 *   J2, J3: 3 kW x 2 h in [0, 2), bound 10 ms (site 0 only): one fits,
 *   the other -> capacity.       J4: 5 kW > 4 kW at site 0 -> capacity.
 */
static void test_reasons(void **state)
{
    zp_ctx *ctx = *state;
    zp_sched_problem *p = NULL;
    assert_int_equal(zp_sched_problem_new(ctx, 2, 4, 1, &p), ZP_OK);
    p->latency_ms[0] = 5;
    p->latency_ms[1] = 50;
    p->sites[0].capacity_kw = 4;
    p->sites[1].capacity_kw = 100;
    for (int t = 0; t < 4; t++) {
        p->sites[0].intensity_kg_per_kwh[t] = 0.5;
        p->sites[1].intensity_kg_per_kwh[t] = 0.1;
    }
    zp_sched_job j = job(0, 4, 1, 1, 0, 1);
    j.region = 0;
    j.latency_ms = 1;
    add(ctx, p, j);
    add(ctx, p, job(2, 3, 2, 1, 0, 1));
    j = job(0, 2, 2, 3, 0, 1);
    j.region = 0;
    j.latency_ms = 10;
    add(ctx, p, j);
    add(ctx, p, j);
    j.power_kw = 5;
    add(ctx, p, j);
    zp_sched_opts o;
    zp_sched_opts_init(&o);
    zp_sched_result *r = exact_ok(ctx, p, &o);
    assert_int_equal(r->totals.placed, 1);
    assert_int_equal(r->totals.unplaced, 4);
    assert_int_equal(r->place[0].reason, ZP_SCHED_LATENCY);
    assert_int_equal(r->place[1].reason, ZP_SCHED_WINDOW);
    assert_int_equal(r->place[4].reason, ZP_SCHED_CAPACITY);
    assert_int_equal(r->totals.unplaced_by_reason[ZP_SCHED_CAPACITY], 2);
    assert_near(r->totals.objective, 3 * 2 * 0.5, 1e-9);
    zp_sched_result_free(ctx, r);
    zp_sched_problem_free(ctx, p);
}

static zp_sched_problem *random_problem(zp_ctx *ctx, uint64_t seed)
{
    test_rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    size_t S = 2 + (size_t)(test_rnd() * 2), T = 6 + (size_t)(test_rnd() * 7), R = 2;
    size_t N = 5 + (size_t)(test_rnd() * 16);
    zp_sched_problem *p = NULL;
    assert_int_equal(zp_sched_problem_new(ctx, S, T, R, &p), ZP_OK);
    p->carbon_price_cny_per_t = 100;
    for (size_t s = 0; s < S; s++) {
        zp_sched_site *st = &p->sites[s];
        /* About 0.9-1.6 times the mean demand per site and slot, plus the
         * largest job: some contention, every job fits somewhere by power. */
        st->capacity_kw = 4 + 5.6 * (double)N / (double)(S * T) * (0.9 + 0.7 * test_rnd());
        st->pue = 1.1 + 0.5 * test_rnd();
        int green = test_rnd() < 0.5;
        for (size_t t = 0; t < T; t++) {
            st->intensity_kg_per_kwh[t] = 0.2 + 0.7 * test_rnd();
            st->price_cny_per_kwh[t] = 0.3 + 0.9 * test_rnd();
            st->green_kw[t] = green ? 6 * test_rnd() : 0;
        }
        for (size_t r = 0; r < R; r++)
            p->latency_ms[r * S + s] = 1 + 40 * test_rnd();
    }
    for (size_t j = 0; j < N; j++) {
        int32_t d = 1 + (int32_t)(test_rnd() * 4);
        if (d > (int32_t)T)
            d = (int32_t)T;
        int32_t rel = (int32_t)(test_rnd() * (double)(T - (size_t)d + 1));
        int32_t dl = rel + d + (int32_t)(test_rnd() * 7);
        zp_sched_job jb = job(rel, dl, d, 0.5 + 3.5 * test_rnd(), test_rnd() < 0.4,
                              1 + (int32_t)(test_rnd() * 3));
        jb.home = (int32_t)(test_rnd() * (double)S);
        if (jb.preemptible && jb.min_chunk > 1)
            jb.cls = ZP_JOB_TRAINING;
        if (test_rnd() < 0.5) {
            jb.region = (int32_t)(test_rnd() * (double)R);
            jb.latency_ms = 10 + 35 * test_rnd();
        }
        if (test_rnd() < 0.05)
            jb.release = jb.deadline; /* an impossible window now and then */
        add(ctx, p, jb);
    }
    return p;
}

/* Run sched_reference.py on an MPS file: 0 and the optimum, or -1. */
static int reference(const char *mps, double *obj)
{
    char cmd[1024], line[512];
    snprintf(cmd, sizeof cmd, PYTHON " %s/tests/unit/sched_reference.py %s", ZP_SOURCE_DIR, mps);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    int ok = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "objective %lf", obj) == 1)
            ok = 0;
    if (pclose(f) != 0)
        ok = -1;
    return ok;
}

/* The penalty per unplaced job, from the MPS comment line. */
static double mps_penalty(const char *mps)
{
    char line[512];
    double pen = NAN;
    FILE *f = fopen(mps, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f) && line[0] == '*')
        if (sscanf(line, "* unplaced penalty %lf", &pen) == 1)
            break;
    fclose(f);
    return pen;
}

static void test_random(void **state)
{
    zp_ctx *ctx = *state;
    zp_need("py:numpy py:scipy.optimize"); /* sched_reference.py */
    int scipy = 1;
    char mps[512];
    snprintf(mps, sizeof mps, "%s/test_sched_exact_%ld.mps", ZP_BINARY_DIR, (long)getpid());
    static const zp_sched_objective objs[3] = {ZP_SCHED_CARBON, ZP_SCHED_COST,
                                               ZP_SCHED_COST_WITH_CARBON_PRICE};
    size_t compared = 0, gaps = 0, within5 = 0;
    double worst_gap = 0.0;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        zp_sched_problem *p = random_problem(ctx, seed);
        zp_sched_opts o;
        zp_sched_opts_init(&o);
        o.objective = objs[seed % 3];
        zp_sched_result *r = exact_ok(ctx, p, &o);
        assert_int_equal(r->optimal, 1);
        assert_true(r->bound <= r->totals.objective + 1e-9);

        /* Greedy: never more jobs placed, never a lower objective at equal count. */
        zp_sched_result *g = NULL;
        assert_int_equal(zp_sched_greedy(ctx, p, &o, &g), ZP_OK);
        assert_true(g->totals.placed <= r->totals.placed);
        if (g->totals.placed == r->totals.placed) {
            if (g->totals.objective < r->totals.objective - 1e-7 * (1 + r->totals.objective))
                print_error("seed %lu: greedy %.17g < exact %.17g\n", (unsigned long)seed,
                            g->totals.objective, r->totals.objective);
            assert_true(g->totals.objective >=
                        r->totals.objective - 1e-7 * (1 + r->totals.objective));
            double gap = r->totals.objective > 0
                             ? g->totals.objective / r->totals.objective - 1 : 0;
            worst_gap = gap > worst_gap ? gap : worst_gap;
            gaps++;
            within5 += gap <= 0.05;
        }

        /* The relaxation is a lower bound; its rounding is a valid schedule. */
        zp_sched_opts ro = o;
        ro.relax = 1;
        zp_sched_result *lr = exact_ok(ctx, p, &ro);
        if (r->totals.unplaced_by_reason[ZP_SCHED_CAPACITY] == 0)
            assert_true(lr->bound <= r->totals.objective + 1e-7 * (1 + r->totals.objective));
        assert_true(lr->totals.placed <= r->totals.placed);
        zp_sched_result_free(ctx, lr);

        /* The same MIP solved by HiGHS. Model objective = schedule objective
         * + penalty per modelled job left unplaced (capacity reasons of jobs
         * with at least one column: every job here fits somewhere by power). */
        if (scipy) {
            assert_int_equal(zp_sched_write_mps(ctx, p, &o, mps), ZP_OK);
            double ref = NAN, pen = mps_penalty(mps);
            assert_false(isnan(pen));
            assert_int_equal(reference(mps, &ref), 0);
            double mine = r->totals.objective +
                          pen * (double)r->totals.unplaced_by_reason[ZP_SCHED_CAPACITY];
            if (!(fabs(mine - ref) <= 1e-6 * fmax(1.0, fabs(ref))))
                print_error("seed %lu: exact %.17g, HiGHS %.17g\n", (unsigned long)seed, mine,
                            ref);
            assert_true(fabs(mine - ref) <= 1e-6 * fmax(1.0, fabs(ref)));
            compared++;
        }
        zp_sched_result_free(ctx, g);
        zp_sched_result_free(ctx, r);
        zp_sched_problem_free(ctx, p);
    }
    unlink(mps);
    print_message("random: %zu HiGHS comparisons, %zu greedy gaps, %zu within 5 %%, worst "
                  "%.2f %%\n", compared, gaps, within5, 100 * worst_gap);
    /* Measured with restarts and improvement passes: 11 of 12 within 5 %,
     * the worst 37 % (an objective of 7.6 against 5.6: green supply shared
     * between jobs, which one-job moves cannot untangle). */
    assert_true(gaps >= 11);
    assert_true(within5 + 1 >= gaps);
    assert_true(worst_gap <= 0.5);
}

/* The criterion, greedy within 5 % of exact at up to 2,000 jobs, on
 * instances where CBC proves nothing in minutes: the LP relaxation's
 * optimum (minus the penalty of the jobs the greedy leaves out) bounds every
 * schedule that places as many jobs from below, so greedy / bound - 1 is at
 * least the true gap. The greedy must also place at least as many jobs as
 * the relaxation's rounding. bench_sched_exact ... relax runs 50 of these. */
static void test_greedy_gap_vs_relaxation(void **state)
{
    zp_ctx *ctx = *state;
    static const size_t sizes[3] = {200, 500, 900};
    for (int i = 0; i < 3; i++) {
        zp_sched_problem *p = sched_instance(ctx, (uint64_t)i + 101, sizes[i]);
        assert_non_null(p);
        zp_sched_opts o;
        zp_sched_opts_init(&o);
        zp_sched_result *g = NULL;
        assert_int_equal(zp_sched_greedy(ctx, p, &o, &g), ZP_OK);
        assert_int_equal(zp_sched_check(ctx, p, g, 0, NULL), ZP_OK);
        o.relax = 1;
        zp_sched_result *x = exact_ok(ctx, p, &o);
        assert_true(g->totals.placed >= x->totals.placed);
        double bound = x->bound_raw -
                       x->penalty * (double)g->totals.unplaced_by_reason[ZP_SCHED_CAPACITY];
        assert_true(bound > 0);
        double gap = g->totals.objective / bound - 1;
        print_message("greedy vs LP bound, %zu jobs: %.2f %% (%d improvement passes)\n",
                      sizes[i], 100 * gap, g->improve_passes);
        assert_true(gap >= -1e-9);
        assert_true(gap <= 0.05);
        zp_sched_result_free(ctx, g);
        zp_sched_result_free(ctx, x);
        zp_sched_problem_free(ctx, p);
    }
}

static void test_errors(void **state)
{
    zp_ctx *ctx = *state;
    zp_sched_problem *p = NULL;
    assert_int_equal(zp_sched_problem_new(ctx, 1, 2, 0, &p), ZP_OK);
    p->sites[0].capacity_kw = 1;
    add(ctx, p, job(0, 2, 1, 1, 0, 1));
    zp_sched_opts o;
    zp_sched_opts_init(&o);
    assert_int_equal(zp_sched_write_mps(ctx, p, &o, "/nonexistent-dir/x.mps"), ZP_EIO);
    zp_sched_result *r = (zp_sched_result *)&o; /* must be reset to NULL */
    p->sites[0].intensity_kg_per_kwh[1] = -0.1;
    assert_int_equal(zp_sched_exact(ctx, p, &o, &r), ZP_EUNSUPPORTED);
    assert_null(r);
    /* A negative price with the cost objectives: the message says which
     * key of the sites file, which slot, and why (not "not available"). */
    p->sites[0].intensity_kg_per_kwh[1] = 0.5;
    p->sites[0].price_cny_per_kwh[1] = -0.2;
    o.objective = ZP_SCHED_COST;
    assert_int_equal(zp_sched_exact(ctx, p, &o, &r), ZP_EUNSUPPORTED);
    assert_null(r);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "site 'site0', slot 1: sites[0].price_cny_per_kwh "
                                               "is -0.2 CNY/kWh with --objective cost; the exact "
                                               "method (--method exact) needs a weight >= 0"));
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "negative prices are not supported"));
    assert_int_equal(zp_sched_write_mps(ctx, p, &o, "/nonexistent-dir/x.mps"), ZP_EUNSUPPORTED);
    /* with a carbon price of 100 CNY/t: -0.2 + 0.5 x 100 / 1000 = -0.15 CNY/kWh */
    p->carbon_price_cny_per_t = 100;
    o.objective = ZP_SCHED_COST_WITH_CARBON_PRICE;
    assert_int_equal(zp_sched_exact(ctx, p, &o, &r), ZP_EUNSUPPORTED);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "-0.2 + intensity 0.5 kg/kWh x "
                                               "carbon_price_cny_per_t 100 / 1000 = -0.15 CNY/kWh"));
    /* a carbon price that outweighs it: 0.5 x 500 / 1000 = 0.25 > 0.2, solvable */
    p->carbon_price_cny_per_t = 500;
    r = exact_ok(ctx, p, &o);
    zp_sched_result_free(ctx, r);
    /* the greedy takes negative prices */
    o.objective = ZP_SCHED_COST;
    assert_int_equal(zp_sched_greedy(ctx, p, &o, &r), ZP_OK);
    zp_sched_result_free(ctx, r);
    o.objective = ZP_SCHED_CARBON;
    /* No jobs at all: an empty schedule, objective 0. */
    zp_sched_problem_free(ctx, p);
    assert_int_equal(zp_sched_problem_new(ctx, 1, 2, 0, &p), ZP_OK);
    r = exact_ok(ctx, p, NULL);
    assert_near(r->totals.objective, 0.0, 0.0);
    zp_sched_result_free(ctx, r);
    zp_sched_problem_free(ctx, p);
}

static int setup(void **state)
{
    *state = zp_ctx_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    zp_ctx_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_nonpreemptive),
        cmocka_unit_test(test_hand_preemptive),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_greedy_gap_vs_relaxation),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
