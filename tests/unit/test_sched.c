/*
 * test_sched.c - the carbon-aware scheduler: hand-computed cases, the
 * independent checker on seeded random instances, infeasibility reasons,
 * baselines, input errors, and greedy vs run-now on the example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "testutil.h"
#include "zeropark/sched.h"

static zp_sched_job job(int32_t home, int32_t rel, int32_t dl, int32_t dur, double kw)
{
    zp_sched_job j;
    memset(&j, 0, sizeof j);
    j.home = home;
    j.region = -1;
    j.release = rel;
    j.deadline = dl;
    j.duration = dur;
    j.min_chunk = 1;
    j.power_kw = kw;
    j.cls = ZP_JOB_BATCH;
    return j;
}

/* 2 sites x 4 slots: A (PUE 1, cap 100) and B (PUE 1.5, cap 50). */
static zp_sched_problem *two_by_four(zp_ctx *ctx)
{
    zp_sched_problem *p;
    assert_int_equal(zp_sched_problem_new(ctx, 2, 4, 1, &p), ZP_OK);
    static const double ia[4] = {0.5, 0.4, 0.3, 0.6}, ib[4] = {0.2, 0.2, 0.9, 0.9};
    p->sites[0].capacity_kw = 100;
    p->sites[1].capacity_kw = 50;
    p->sites[1].pue = 1.5;
    for (int t = 0; t < 4; t++) {
        p->sites[0].intensity_kg_per_kwh[t] = ia[t];
        p->sites[1].intensity_kg_per_kwh[t] = ib[t];
        p->sites[0].price_cny_per_kwh[t] = 1.0;
        p->sites[1].price_cny_per_kwh[t] = 0.5;
    }
    return p;
}

static void check_ok(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                     unsigned flags)
{
    size_t v = 99;
    zp_status rc = zp_sched_check(ctx, p, r, flags, &v);
    if (rc) {
        for (size_t i = 0; i < zp_ctx_diag_count(ctx) && i < 5; i++)
            print_error("%s\n", zp_ctx_diag_get(ctx, i)->message);
    }
    assert_int_equal(rc, ZP_OK);
    assert_int_equal(v, 0);
}

static void test_hand_two_sites(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p = two_by_four(ctx);
    zp_sched_job j = job(0, 0, 4, 2, 40);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &j, "a"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &j, "b"), ZP_OK);
    zp_sched_result *r;
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &r), ZP_OK);
    /* Equal jobs: "a" first. A's best window is 1-2 at (0.4+0.3)*40 = 28 kg;
     * B's is 0-1 at 0.2*2*40*1.5 = 24 kg: B wins. "b" no longer fits at B
     * (80 > 50 kW) and goes to A, slots 1-2. */
    assert_int_equal(r->place[0].site, 1);
    assert_int_equal(r->place[0].start, 0);
    assert_int_equal(r->place[1].site, 0);
    assert_int_equal(r->place[1].start, 1);
    assert_near(r->totals.emissions_kg, 52.0, 1e-9);
    assert_near(r->totals.it_kwh, 160.0, 1e-9);
    assert_near(r->totals.facility_kwh, 80 * 1.5 + 80, 1e-9);
    assert_near(r->totals.cost_cny, 120 * 0.5 + 80 * 1.0, 1e-9);
    assert_near(r->totals.objective, 52.0, 1e-9);
    assert_near(r->load_kw[1 * 4 + 0], 40, 0);
    assert_near(r->load_kw[0 * 4 + 2], 40, 0);
    assert_int_equal(r->totals.placed, 2);
    check_ok(ctx, p, r, 0);
    zp_sched_result_free(ctx, r);

    /* Cost objective: B is cheaper per facility kWh (0.5 * 1.5 < 1). */
    zp_sched_opts o;
    zp_sched_opts_init(&o);
    o.objective = ZP_SCHED_COST;
    assert_int_equal(zp_sched_greedy(ctx, p, &o, &r), ZP_OK);
    assert_int_equal(r->place[0].site, 1);
    assert_int_equal(r->place[0].start, 0); /* ties keep the earliest start */
    assert_near(r->totals.objective, 60 + 60, 1e-9); /* "b" fits at B in 2-3 */
    zp_sched_result_free(ctx, r);

    /* Green supply at A in slot 2 (30 kW) covers load first. */
    p->sites[0].green_kw[2] = 30;
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &r), ZP_OK);
    /* "a": A window 1-2 now costs 0.4*40 + 0.3*10 = 19 < 24 at B. */
    assert_int_equal(r->place[0].site, 0);
    assert_int_equal(r->place[0].start, 1);
    assert_near(r->totals.green_kwh, 30, 1e-9);
    check_ok(ctx, p, r, 0);
    zp_sched_result_free(ctx, r);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

static void test_preemptible_and_chunks(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p;
    assert_int_equal(zp_sched_problem_new(ctx, 1, 8, 0, &p), ZP_OK);
    static const double in[8] = {0.1, 0.9, 0.1, 0.95, 0.2, 0.2, 0.9, 0.3};
    p->sites[0].capacity_kw = 10;
    memcpy(p->sites[0].intensity_kg_per_kwh, in, sizeof in);
    zp_sched_job a = job(0, 0, 4, 2, 1), b = job(0, 0, 4, 2, 1), c = job(0, 0, 8, 4, 1);
    b.preemptible = 1;
    c.preemptible = 1;
    c.cls = ZP_JOB_TRAINING;
    c.min_chunk = 2;
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &a, "rigid"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &b, "pause"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &c, "train"), ZP_OK);
    zp_sched_result *r;
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &r), ZP_OK);
    int32_t sl[8];
    assert_int_equal(zp_sched_result_job_slots(p, r, 0, sl), 2);
    assert_int_equal(sl[0], 0); /* all windows cost 1.0: earliest */
    assert_int_equal(zp_sched_result_job_slots(p, r, 1, sl), 2);
    assert_int_equal(sl[0], 0);
    assert_int_equal(sl[1], 2);
    assert_true(r->place[1].slot_off >= 0);
    /* training: chunk of 2 in 4-5 (0.4) + 2 more: 0-1 and 2-3 cost 1.0/1.05;
     * the first cheapest, 0-1, is taken: 1.4 < 1.45, the best contiguous 4. */
    assert_int_equal(zp_sched_result_job_slots(p, r, 2, sl), 4);
    assert_int_equal(sl[0], 0);
    assert_int_equal(sl[1], 1);
    assert_int_equal(sl[2], 4);
    assert_int_equal(sl[3], 5);
    check_ok(ctx, p, r, 0);
    assert_near(r->totals.emissions_kg, 1.0 + 0.2 + 1.4, 1e-9);

    /* The checker catches a broken chunk and a broken contiguity. */
    r->slots[r->place[2].slot_off + 1] = 2;
    size_t v;
    assert_int_equal(zp_sched_check(ctx, p, r, 0, &v), ZP_EDATA);
    assert_true(v >= 1);
    zp_ctx_diag_clear(ctx);
    zp_sched_result_free(ctx, r);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

static void test_reasons(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p = two_by_four(ctx);
    p->latency_ms[0] = 5;  /* region0 -> A */
    p->latency_ms[1] = 20; /* region0 -> B */
    zp_sched_job lat = job(0, 0, 4, 1, 1), win = job(0, 2, 4, 3, 1), cap = job(0, 0, 4, 1, 500),
                 ok = job(1, 0, 4, 1, 1);
    lat.cls = ZP_JOB_INTERACTIVE;
    lat.region = 0;
    lat.latency_ms = 2;
    ok.cls = ZP_JOB_INTERACTIVE;
    ok.region = 0;
    ok.latency_ms = 10; /* only A qualifies although home is B */
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &lat, "lat"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &win, "win"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &cap, "cap"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &ok, "ok"), ZP_OK);
    zp_sched_result *r;
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &r), ZP_OK);
    assert_int_equal(r->place[0].reason, ZP_SCHED_LATENCY);
    assert_int_equal(r->place[1].reason, ZP_SCHED_WINDOW);
    assert_int_equal(r->place[2].reason, ZP_SCHED_CAPACITY);
    assert_int_equal(r->place[3].reason, ZP_SCHED_PLACED);
    assert_int_equal(r->place[3].site, 0);
    assert_int_equal(r->place[3].start, 2);
    assert_int_equal(r->totals.unplaced, 3);
    assert_int_equal(r->totals.unplaced_by_reason[ZP_SCHED_LATENCY], 1);
    assert_string_equal(zp_sched_reason_name(ZP_SCHED_CAPACITY), "capacity");
    check_ok(ctx, p, r, 0);
    /* The checker rejects a placement that breaks the latency bound. */
    zp_sched_result_place(r, 3, 1, 0);
    assert_int_equal(zp_sched_check(ctx, p, r, 0, NULL), ZP_EDATA);
    const zp_diag *d = zp_ctx_diag_get(ctx, zp_ctx_diag_count(ctx) - 1);
    assert_string_equal(d->message, "job 'ok': site site1 is 20 ms from region0; the bound is 10 ms");
    zp_sched_result_free(ctx, r);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

static void test_baselines(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p = two_by_four(ctx);
    zp_sched_job a = job(0, 0, 4, 2, 60), b = job(0, 0, 4, 2, 60), c = job(1, 1, 4, 2, 10);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &a, "a"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &b, "b"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &c, "c"), ZP_OK);
    zp_sched_result *rn, *sdk;
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_RUN_NOW, &rn), ZP_OK);
    /* a at A 0-1; b does not fit beside it (120 > 100): next start 2;
     * c at B from its release, 1-2. */
    assert_int_equal(rn->place[0].start, 0);
    assert_int_equal(rn->place[1].start, 2);
    assert_int_equal(rn->place[1].site, 0);
    assert_int_equal(rn->place[2].start, 1);
    assert_near(rn->totals.emissions_kg, 60 * 0.9 + 60 * 0.9 + 10 * 1.5 * 1.1, 1e-9);
    check_ok(ctx, p, rn, 0);
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_CARBON_AWARE_SDK, &sdk), ZP_OK);
    /* SDK: lowest mean intensity window at home, capacity ignored: a and b
     * both at A 1-2 (0.35) -> 120 kW against 100; c at B 1-2 (0.55). */
    assert_int_equal(sdk->place[0].start, 1);
    assert_int_equal(sdk->place[1].start, 1);
    assert_int_equal(sdk->place[2].start, 1);
    assert_near(sdk->totals.overload_kwh, 40, 1e-9);
    assert_near(sdk->totals.emissions_kg, 120 * 0.7 + 10 * 1.5 * 1.1, 1e-9);
    check_ok(ctx, p, sdk, ZP_SCHED_CHECK_NO_CAPACITY);
    assert_int_equal(zp_sched_check(ctx, p, sdk, 0, NULL), ZP_EDATA);
    zp_ctx_diag_clear(ctx);
    zp_sched_result_free(ctx, rn);
    zp_sched_result_free(ctx, sdk);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

/* Random instances: every greedy and run-now placement passes the checker. */
static void test_random_checked(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    for (uint64_t seed = 1; seed <= 150; seed++) {
        test_rng_state = seed * 0x9E3779B97F4A7C15ull;
        size_t S = 1 + (size_t)(test_rnd() * 4), T = 4 + (size_t)(test_rnd() * 30),
               R = 1 + (size_t)(test_rnd() * 3), N = (size_t)(test_rnd() * 120);
        zp_sched_problem *p;
        assert_int_equal(zp_sched_problem_new(ctx, S, T, R, &p), ZP_OK);
        for (size_t s = 0; s < S; s++) {
            p->sites[s].capacity_kw = 5 + 50 * test_rnd();
            p->sites[s].pue = 1 + 0.5 * test_rnd();
            for (size_t t = 0; t < T; t++) {
                p->sites[s].intensity_kg_per_kwh[t] = test_rnd();
                p->sites[s].price_cny_per_kwh[t] = test_rnd();
                p->sites[s].green_kw[t] = test_rnd() < 0.3 ? 30 * test_rnd() : 0;
            }
            for (size_t r = 0; r < R; r++)
                p->latency_ms[r * S + s] = 20 * test_rnd();
        }
        for (size_t k = 0; k < N; k++) {
            int32_t rel = (int32_t)(test_rnd() * (double)T) - 1;
            int32_t dur = 1 + (int32_t)(test_rnd() * 6);
            int32_t dl = rel + dur + (int32_t)(test_rnd() * 10) - 1;
            zp_sched_job j = job((int32_t)(test_rnd() * (double)S), rel, dl, dur, 1 + 20 * test_rnd());
            double u = test_rnd();
            if (u < 0.3) {
                j.cls = ZP_JOB_INTERACTIVE;
                j.region = (int32_t)(test_rnd() * (double)R);
                j.latency_ms = 20 * test_rnd();
            } else if (u < 0.6) {
                j.preemptible = 1;
            } else if (u < 0.8) {
                j.cls = ZP_JOB_TRAINING;
                j.preemptible = 1;
                j.min_chunk = 1 + (int32_t)(test_rnd() * 3);
            }
            assert_int_equal(zp_sched_problem_add_job(ctx, p, &j, NULL), ZP_OK);
        }
        for (int obj = 0; obj < 3; obj++) {
            zp_sched_opts o;
            zp_sched_opts_init(&o);
            o.objective = (zp_sched_objective)obj;
            zp_sched_result *r;
            assert_int_equal(zp_sched_greedy(ctx, p, &o, &r), ZP_OK);
            check_ok(ctx, p, r, 0);
            assert_int_equal(r->totals.placed + r->totals.unplaced, N);
            /* a reason is right: latency/window rejections are independent of loads */
            for (size_t j = 0; j < N; j++) {
                const zp_sched_job *jb = &p->jobs[j];
                int lo = jb->release > 0 ? jb->release : 0;
                int hi = jb->deadline < (int)T ? jb->deadline : (int)T;
                int any = 0;
                for (size_t s = 0; s < S; s++)
                    any |= zp_sched_site_allowed(p, j, s);
                if (hi - lo < jb->duration)
                    assert_int_equal(r->place[j].reason, ZP_SCHED_WINDOW);
                else if (!any)
                    assert_int_equal(r->place[j].reason, ZP_SCHED_LATENCY);
                else if (r->place[j].site < 0)
                    assert_int_equal(r->place[j].reason, ZP_SCHED_CAPACITY);
            }
            zp_sched_result_free(ctx, r);
        }
        zp_sched_result *rn, *sdk;
        assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_RUN_NOW, &rn), ZP_OK);
        check_ok(ctx, p, rn, ZP_SCHED_CHECK_NO_LATENCY); /* run-now runs at home */
        assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_CARBON_AWARE_SDK, &sdk), ZP_OK);
        check_ok(ctx, p, sdk, ZP_SCHED_CHECK_NO_LATENCY | ZP_SCHED_CHECK_NO_CAPACITY);
        for (size_t j = 0; j < N; j++)
            if (sdk->place[j].site >= 0)
                assert_int_equal(sdk->place[j].site, p->jobs[j].home);
        zp_sched_result_free(ctx, rn);
        zp_sched_result_free(ctx, sdk);
        zp_sched_problem_free(ctx, p);
    }
    zp_ctx_free(ctx);
}

static const char sites_json[] =
    "{\n"
    "  \"start\": \"2026-06-01T00:00:00+08:00\",\n"
    "  \"slots\": 3,\n"
    "  \"regions\": [\"Guangzhou\"],\n"
    "  \"sites\": [\n"
    "    {\"name\": \"Shaoguan\", \"capacity_kw\": 100, \"pue\": 1.2,\n"
    "     \"intensity_kg_per_kwh\": [0.5, 0.4, 0.3], \"price_cny_per_kwh\": 0.6,\n"
    "     \"latency_ms\": {\"Guangzhou\": 1.3}},\n"
    "    {\"name\": \"Guangzhou\", \"capacity_kw\": 50, \"intensity_kg_per_kwh\": 0.6,\n"
    "     \"latency_ms\": {\"Guangzhou\": 0.2}}\n"
    "  ]\n"
    "}\n";

static void test_parse_ok(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p;
    assert_int_equal(zp_sched_sites_parse(ctx, sites_json, strlen(sites_json), "s.json", &p), ZP_OK);
    assert_int_equal(p->nsites, 2);
    assert_int_equal(p->nslots, 3);
    assert_near(p->sites[0].intensity_kg_per_kwh[2], 0.3, 0);
    assert_near(p->sites[1].intensity_kg_per_kwh[2], 0.6, 0);
    assert_near(p->sites[0].pue, 1.2, 0);
    assert_near(zp_sched_latency(p, 0, 0), 1.3, 0);
    static const char csv[] =
        "id,class,home,region,latency_ms,release,deadline,duration,power_kw,preemptible,min_chunk\r\n"
        "web-1,interactive,Guangzhou,Guangzhou,2,0,1,1,10.5,,\r\n"
        "\"b,2\",batch,Shaoguan,,,0,3,2,7,1,\n"
        "# a comment\n"
        "t3,training,Shaoguan,,,,,2,1e1,,2";
    assert_int_equal(zp_sched_jobs_parse(ctx, p, csv, strlen(csv), "j.csv"), ZP_OK);
    assert_int_equal(p->njobs, 3);
    assert_string_equal(zp_sched_job_id(p, 1), "b,2");
    assert_int_equal(p->jobs[0].cls, ZP_JOB_INTERACTIVE);
    assert_near(p->jobs[0].power_kw, 10.5, 0);
    assert_int_equal(p->jobs[1].preemptible, 1);
    assert_int_equal(p->jobs[2].preemptible, 1); /* training default */
    assert_int_equal(p->jobs[2].deadline, 3);   /* empty = end of horizon */
    assert_int_equal(p->jobs[2].min_chunk, 2);
    assert_near(p->jobs[2].power_kw, 10, 0);
    assert_int_equal(p->jobs[2].line, 5);
    /* load CSV */
    zp_sched_result *r;
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &r), ZP_OK);
    char *text;
    size_t len;
    assert_int_equal(zp_sched_site_load_csv(ctx, p, r, 1, &text, &len), ZP_OK);
    assert_string_equal(text, "time,it_kw\n2026-06-01T00:00:00+08:00,10.500000\n"
                              "2026-06-01T01:00:00+08:00,0.000000\n2026-06-01T02:00:00+08:00,0.000000\n");
    zp_sched_text_free(ctx, text);
    zp_sched_result_free(ctx, r);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

static void expect_diag(zp_ctx *ctx, size_t i, const char *text)
{
    char buf[600];
    const zp_diag *d = zp_ctx_diag_get(ctx, i);
    assert_non_null(d);
    zp_diag_format(d, buf, sizeof buf);
    assert_string_equal(buf, text);
}

static void test_jobs_errors(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p;
    assert_int_equal(zp_sched_sites_parse(ctx, sites_json, strlen(sites_json), "s.json", &p), ZP_OK);
    static const char bad[] = "id,class,home,duration,power_kw,region,latency_ms\n"
                              "a,batch,Shaoguan,1,5,,\n"
                              "b,bulk,Shaoguan,1,5,,\n"
                              "c,batch,Wuhan,1,5,,\n"
                              "d,batch,Shaoguan,0,5,,\n"
                              "e,batch,Shaoguan,1,-5,,\n"
                              "f,interactive,Shaoguan,1,5,,\n"
                              "g,batch,Shaoguan,1\n"
                              "h,batch,Shaoguan,1,5,Paris,3\n";
    assert_int_equal(zp_sched_jobs_parse(ctx, p, bad, strlen(bad), "j.csv"), ZP_EDATA);
    assert_int_equal(p->njobs, 0); /* all or nothing */
    assert_int_equal(zp_ctx_diag_count(ctx), 7);
    expect_diag(ctx, 0, "j.csv:3: column class: 'bulk': use interactive, batch or training");
    expect_diag(ctx, 1, "j.csv:4: column home: 'Wuhan' is not a site of the sites file");
    expect_diag(ctx, 2, "j.csv:5: column duration: '0': use a whole number of slots in 1..100000");
    expect_diag(ctx, 3, "j.csv:6: column power_kw: '-5' is out of range: use 0.001..1000000 kW");
    expect_diag(ctx, 4, "j.csv:7: interactive job needs a region and a latency_ms bound > 0");
    expect_diag(ctx, 5, "j.csv:8: 4 fields; the header has 7");
    expect_diag(ctx, 6, "j.csv:9: column region: 'Paris' is not in the sites file's \"regions\"");
    assert_string_equal(zp_ctx_errmsg(ctx), "j.csv: 7 bad rows, no job loaded; first: j.csv:3: "
                                            "column class: 'bulk': use interactive, batch or "
                                            "training");
    zp_ctx_diag_clear(ctx);
    static const char hdr[] = "id,klass,home\n";
    assert_int_equal(zp_sched_jobs_parse(ctx, p, hdr, strlen(hdr), "j.csv"), ZP_EDATA);
    expect_diag(ctx, 0, "j.csv:1: header: unknown column 'klass' (columns: id, class, home, "
                        "region, latency_ms, release, deadline, duration, power_kw, preemptible, "
                        "min_chunk)");
    zp_ctx_diag_clear(ctx);
    assert_int_equal(zp_sched_jobs_parse(ctx, p, "", 0, "j.csv"), ZP_EDATA);
    zp_ctx_diag_clear(ctx);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

static void test_sites_errors(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p = NULL;
    static const char bad[] = "{\n"
                              "  \"slots\": 2,\n"
                              "  \"regions\": [\"Guangzhou\"],\n"
                              "  \"sites\": [\n"
                              "    {\"name\": \"A\", \"capacity_kw\": -1, \"pue\": 0.5,\n"
                              "     \"intensity_kg_per_kwh\": [0.5], \"latancy\": 1,\n"
                              "     \"latency_ms\": {\"Guangzhou\": 1, \"Paris\": 3}}\n"
                              "  ]\n"
                              "}\n";
    assert_int_equal(zp_sched_sites_parse(ctx, bad, strlen(bad), "s.json", &p), ZP_EMODEL);
    assert_null(p);
    assert_int_equal(zp_ctx_diag_count(ctx), 5);
    expect_diag(ctx, 0, "s.json:6:37: sites[0].latancy: unknown key 'latancy'");
    expect_diag(ctx, 1, "s.json:5:34: sites[0].capacity_kw: -1 is out of range: use 0..100000000 kW");
    expect_diag(ctx, 2, "s.json:5:45: sites[0].pue: 0.5 is out of range: use 1..10");
    expect_diag(ctx, 3, "s.json:6:30: sites[0].intensity_kg_per_kwh: has 1 values; the horizon has 2 slots");
    expect_diag(ctx, 4, "s.json:7:37: sites[0].latency_ms.Paris: unknown region 'Paris' (not in \"regions\")");
    zp_ctx_diag_clear(ctx);
    assert_int_equal(zp_sched_sites_parse(ctx, "{\"sites\": [", 11, "s.json", &p), ZP_EPARSE);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "s.json:1:"));
    zp_ctx_free(ctx);
}

/* Every numeric column has a physical range (docs/schedule.md, "Jobs"); a
 * value outside it is a located error that says the range. power_kw 1e308
 * used to be accepted and made the SDK baseline's totals infinite. */
static void test_jobs_bounds(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p;
    assert_int_equal(zp_sched_sites_parse(ctx, sites_json, strlen(sites_json), "s.json", &p), ZP_OK);
    static const char bad[] = "id,class,home,region,latency_ms,release,deadline,duration,power_kw,"
                              "preemptible,min_chunk\n"
                              "a,batch,Shaoguan,,,,,1,1e308,,\n"
                              "b,batch,Shaoguan,,,,,1,1e400,,\n"
                              "c,batch,Shaoguan,,,,,1,1000000.5,,\n"
                              "d,batch,Shaoguan,,,,,1,0,,\n"
                              "e,batch,Shaoguan,,,,,1,abc,,\n"
                              "f,batch,Shaoguan,,,,,100001,1,,\n"
                              "g,batch,Shaoguan,,,1000001,,1,1,,\n"
                              "h,batch,Shaoguan,,,,-1000001,1,1,,\n"
                              "i,batch,Shaoguan,Guangzhou,10000.5,,,1,1,,\n"
                              "j,training,Shaoguan,,,,,2,1,,100001\n"
                              "k,batch,Shaoguan,,,,,1,nan,,\n";
    assert_int_equal(zp_sched_jobs_parse(ctx, p, bad, strlen(bad), "jobs.csv"), ZP_EDATA);
    assert_int_equal(p->njobs, 0);
    assert_int_equal(zp_ctx_diag_count(ctx), 11);
    expect_diag(ctx, 0, "jobs.csv:2: column power_kw: '1e308' is out of range: use 0.001..1000000 kW");
    expect_diag(ctx, 1, "jobs.csv:3: column power_kw: '1e400' is out of range: use 0.001..1000000 kW");
    expect_diag(ctx, 2, "jobs.csv:4: column power_kw: '1000000.5' is out of range: use 0.001..1000000 kW");
    expect_diag(ctx, 3, "jobs.csv:5: column power_kw: '0' is out of range: use 0.001..1000000 kW");
    expect_diag(ctx, 4, "jobs.csv:6: column power_kw: 'abc' is not a number: use 0.001..1000000 kW");
    expect_diag(ctx, 5, "jobs.csv:7: column duration: '100001': use a whole number of slots in "
                        "1..100000");
    expect_diag(ctx, 6, "jobs.csv:8: column release: '1000001': use a whole slot number in "
                        "-1000000..1000000 (slot 0 is the sites file's start)");
    expect_diag(ctx, 7, "jobs.csv:9: column deadline: '-1000001': use a whole slot number in "
                        "-1000000..1000000 (exclusive)");
    expect_diag(ctx, 8, "jobs.csv:10: column latency_ms: '10000.5' is out of range: use a one-way "
                        "bound of 0..10000 ms (empty: no bound)");
    expect_diag(ctx, 9, "jobs.csv:11: column min_chunk: '100001': use a whole number of slots in "
                        "1..100000");
    expect_diag(ctx, 10, "jobs.csv:12: column power_kw: 'nan' is not a number: use 0.001..1000000 kW");
    zp_ctx_diag_clear(ctx);
    /* The limits themselves are accepted. */
    static const char edge[] = "id,class,home,region,latency_ms,release,deadline,duration,power_kw,"
                               "preemptible,min_chunk\n"
                               "a,batch,Shaoguan,Guangzhou,10000,-1000000,1000000,100000,1000000,1,"
                               "100000\n";
    assert_int_equal(zp_sched_jobs_parse(ctx, p, edge, strlen(edge), "jobs.csv"), ZP_OK);
    assert_int_equal(p->njobs, 1);
    assert_near(p->jobs[0].power_kw, 1e6, 0);
    /* Numbers are decimals only (hex, inf and nan are not), and power_kw
     * has a smallest value: 1 W, so that a subnormal 1e-320 kW (which is
     * "above 0") is refused, as is 0.0009 kW; 0.001 kW itself is taken. */
    static const char dec[] = "id,class,home,region,latency_ms,duration,power_kw\n"
                              "a,batch,Shaoguan,,,1,0x10\n"
                              "b,batch,Shaoguan,,,1,1e-320\n"
                              "c,batch,Shaoguan,,,1,0.0009\n"
                              "d,batch,Shaoguan,,,1,inf\n"
                              "e,batch,Shaoguan,Guangzhou,0x10,1,1\n"
                              "f,batch,Shaoguan,,,1,0x1p-1060\n";
    assert_int_equal(zp_sched_jobs_parse(ctx, p, dec, strlen(dec), "jobs.csv"), ZP_EDATA);
    assert_int_equal(p->njobs, 1);
    assert_int_equal(zp_ctx_diag_count(ctx), 6);
    expect_diag(ctx, 0, "jobs.csv:2: column power_kw: '0x10' is not a number: use 0.001..1000000 kW");
    expect_diag(ctx, 1, "jobs.csv:3: column power_kw: '1e-320' is out of range: use 0.001..1000000 kW");
    expect_diag(ctx, 2, "jobs.csv:4: column power_kw: '0.0009' is out of range: use 0.001..1000000 kW");
    expect_diag(ctx, 3, "jobs.csv:5: column power_kw: 'inf' is not a number: use 0.001..1000000 kW");
    expect_diag(ctx, 4, "jobs.csv:6: column latency_ms: '0x10' is not a number: use a one-way "
                        "bound of 0..10000 ms (empty: no bound)");
    expect_diag(ctx, 5, "jobs.csv:7: column power_kw: '0x1p-1060' is not a number: use "
                        "0.001..1000000 kW");
    zp_ctx_diag_clear(ctx);
    static const char small[] = "id,class,home,duration,power_kw\na,batch,Shaoguan,1,0.001\n";
    assert_int_equal(zp_sched_jobs_parse(ctx, p, small, strlen(small), "jobs.csv"), ZP_OK);
    assert_int_equal(p->njobs, 2);
    assert_near(p->jobs[1].power_kw, 0.001, 0);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

/* Every number of the sites file has a physical range; out of it, the
 * error gives file:line:col, the JSON path and the range. */
static void test_sites_bounds(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p = NULL;
    static const char bad[] = "{\n"
                              "  \"slots\": 2,\n"
                              "  \"regions\": [\"R\"],\n"
                              "  \"sites\": [\n"
                              "    {\"name\": \"A\", \"capacity_kw\": 1e308, \"pue\": 11,\n"
                              "     \"intensity_kg_per_kwh\": [0.5, 10.5], \"green_kw\": 2e8,\n"
                              "     \"price_cny_per_kwh\": -101, \"latency_ms\": {\"R\": 10001}}\n"
                              "  ]\n"
                              "}\n";
    assert_int_equal(zp_sched_sites_parse(ctx, bad, strlen(bad), "s.json", &p), ZP_EMODEL);
    assert_null(p);
    assert_int_equal(zp_ctx_diag_count(ctx), 6);
    expect_diag(ctx, 0, "s.json:5:34: sites[0].capacity_kw: 1e+308 is out of range: use "
                        "0..100000000 kW");
    expect_diag(ctx, 1, "s.json:5:48: sites[0].pue: 11 is out of range: use 1..10");
    expect_diag(ctx, 2, "s.json:6:36: sites[0].intensity_kg_per_kwh[1]: 10.5 is out of range: "
                        "use 0..10 kg/kWh");
    expect_diag(ctx, 3, "s.json:7:27: sites[0].price_cny_per_kwh: -101 is out of range: use "
                        "-100..100 CNY/kWh");
    expect_diag(ctx, 4, "s.json:6:55: sites[0].green_kw: 200000000 is out of range: use "
                        "0..100000000 kW");
    expect_diag(ctx, 5, "s.json:7:53: sites[0].latency_ms.R: 10001 is out of range: use "
                        "0..10000 ms");
    zp_ctx_diag_clear(ctx);
    static const char top[] = "{\"carbon_price_cny_per_t\": 1e7, \"sites\": [{\"name\": \"A\", "
                              "\"capacity_kw\": 1, \"intensity_kg_per_kwh\": 0.5}]}";
    assert_int_equal(zp_sched_sites_parse(ctx, top, strlen(top), "s.json", &p), ZP_EMODEL);
    expect_diag(ctx, 0, "s.json:1:28: carbon_price_cny_per_t: 10000000 is out of range: use "
                        "0..1000000 CNY/t");
    zp_ctx_free(ctx);
}

/* A problem built in code is not bounded by the readers: evaluation
 * refuses totals that are not finite instead of returning them. */
static void test_evaluate_not_finite(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p = two_by_four(ctx);
    zp_sched_job j = job(0, 0, 4, 2, 1e308);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &j, "huge"), ZP_OK);
    zp_sched_result *r = NULL;
    /* the SDK rule ignores capacity: 1e308 kW x 2 h overflows */
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_CARBON_AWARE_SDK, &r), ZP_ERANGE);
    assert_null(r);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "the totals are not finite"));
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

/* Reductions (docs/schedule.md, "Reductions"), by hand. One site, PUE 1,
 * capacity 10 kW, intensity 1.0 then 0.5 kg/kWh, 1 h slots. A: 10 kW x 1
 * slot in [0, 2); B: 10 kW x 1 slot in [0, 1).
 * - greedy: B (no slack) in slot 0, A in slot 1: 10 x 1.0 + 10 x 0.5 =
 *   15 kg for 20 kWh = 0.75 kg/kWh;
 * - run-now (release order, then input order): A in slot 0, B finds no
 *   room: 10 kg for 10 kWh = 1.0 kg/kWh;
 * - SDK rule: A in slot 1 (0.5), B in slot 0 (1.0), capacity ignored: 15 kg.
 * Versus run-now they did different work: per IT kWh, 100 x (1.0 - 0.75) /
 * 1.0 = 25 % less (the totals would say 50 % MORE). Versus the SDK rule the
 * same jobs: 100 x (15 - 15) / 15 = 0 %. */
static void test_compare(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p;
    assert_int_equal(zp_sched_problem_new(ctx, 1, 2, 1, &p), ZP_OK);
    p->sites[0].capacity_kw = 10;
    p->sites[0].intensity_kg_per_kwh[0] = 1.0;
    p->sites[0].intensity_kg_per_kwh[1] = 0.5;
    zp_sched_job a = job(0, 0, 2, 1, 10), b = job(0, 0, 1, 1, 10);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &a, "A"), ZP_OK);
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &b, "B"), ZP_OK);
    zp_sched_result *g, *rn, *sdk;
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &g), ZP_OK);
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_RUN_NOW, &rn), ZP_OK);
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_CARBON_AWARE_SDK, &sdk), ZP_OK);
    assert_near(g->totals.emissions_kg, 15, 1e-9);
    assert_near(rn->totals.emissions_kg, 10, 1e-9);
    assert_int_equal(rn->totals.placed, 1);
    zp_sched_reduction red;
    assert_int_equal(zp_sched_compare(ctx, p, g, rn, &red), ZP_OK);
    assert_int_equal(red.basis, ZP_SCHED_CMP_PER_IT_KWH);
    assert_string_equal(zp_sched_cmp_basis_name(red.basis), "per_it_kwh");
    assert_near(red.emissions_pct, 25.0, 1e-9);
    assert_near(red.objective_pct, 25.0, 1e-9); /* carbon objective: the same figure */
    assert_int_equal(red.placed, 2);
    assert_int_equal(red.base_placed, 1);
    assert_int_equal(red.njobs, 2);
    assert_int_equal(zp_sched_compare(ctx, p, g, sdk, &red), ZP_OK);
    assert_int_equal(red.basis, ZP_SCHED_CMP_SAME_JOBS);
    assert_near(red.emissions_pct, 0.0, 1e-9);
    /* A baseline that emits nothing: no percentage of 0. */
    zp_sched_result_free(ctx, g);
    zp_sched_result_free(ctx, rn);
    zp_sched_result_free(ctx, sdk);
    p->sites[0].intensity_kg_per_kwh[0] = 0;
    p->sites[0].intensity_kg_per_kwh[1] = 0;
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &g), ZP_OK);
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_CARBON_AWARE_SDK, &sdk), ZP_OK);
    assert_int_equal(zp_sched_compare(ctx, p, g, sdk, &red), ZP_OK);
    assert_int_equal(red.basis, ZP_SCHED_CMP_SAME_JOBS);
    assert_true(isnan(red.emissions_pct));
    zp_sched_result_free(ctx, g);
    zp_sched_result_free(ctx, sdk);
    zp_sched_problem_free(ctx, p);
    /* Greedy places nothing (no site within the latency bound; run-now
     * ignores latency): no reduction, not "100 % less". */
    assert_int_equal(zp_sched_problem_new(ctx, 1, 2, 1, &p), ZP_OK);
    p->sites[0].capacity_kw = 10;
    p->sites[0].intensity_kg_per_kwh[0] = 1.0;
    p->latency_ms[0] = 100;
    zp_sched_job c = job(0, 0, 2, 1, 1);
    c.region = 0;
    c.latency_ms = 1;
    assert_int_equal(zp_sched_problem_add_job(ctx, p, &c, "C"), ZP_OK);
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &g), ZP_OK);
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_RUN_NOW, &rn), ZP_OK);
    assert_int_equal(g->totals.placed, 0);
    assert_int_equal(rn->totals.placed, 1);
    assert_int_equal(zp_sched_compare(ctx, p, g, rn, &red), ZP_OK);
    assert_int_equal(red.basis, ZP_SCHED_CMP_NONE);
    assert_true(isnan(red.emissions_pct) && isnan(red.objective_pct));
    zp_sched_result_free(ctx, g);
    zp_sched_result_free(ctx, rn);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

/* A park model that does not exist: the sites file's line:col, the JSON
 * path and the path tried (relative to the sites file). */
static void test_park_model_missing(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const char *dir = ZP_BINARY_DIR "/test_sched_park_missing";
    char path[1024], want[2048];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/sites.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"slots\": 2,\n"
          " \"sites\": [{\"name\": \"A\", \"capacity_kw\": 1, \"intensity_kg_per_kwh\": 0.5},\n"
          "   {\"name\": \"B\", \"capacity_kw\": 1, \"intensity_kg_per_kwh\": 0.5,\n"
          "    \"park_model\": \"../no-such-park/model.json\"}]}\n",
          f);
    fclose(f);
    zp_sched_problem *p = NULL;
    assert_int_equal(zp_sched_sites_load(ctx, path, &p), ZP_EMODEL);
    assert_null(p);
    assert_int_equal(zp_ctx_diag_count(ctx), 1);
    snprintf(want, sizeof want, "%s:4:19: sites[1].park_model: park model "
             "'../no-such-park/model.json' cannot be opened: tried %s/../no-such-park/model.json "
             "(relative to the sites file): No such file or directory", path, dir);
    expect_diag(ctx, 0, want);
    zp_ctx_free(ctx);
}

/* On the example: greedy never emits more than run-now (measured). */
static void test_example_greedy_beats_run_now(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_sched_problem *p;
    const char *dir = ZP_SOURCE_DIR "/examples/east-data-west-compute";
    char path[1024];
    snprintf(path, sizeof path, "%s/sites.json", dir);
    assert_int_equal(zp_sched_sites_load(ctx, path, &p), ZP_OK);
    snprintf(path, sizeof path, "%s/jobs-10k.csv", dir);
    assert_int_equal(zp_sched_jobs_load(ctx, p, path), ZP_OK);
    assert_int_equal(p->njobs, 10000);
    zp_sched_result *g, *rn, *sdk;
    assert_int_equal(zp_sched_greedy(ctx, p, NULL, &g), ZP_OK);
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_RUN_NOW, &rn), ZP_OK);
    assert_int_equal(zp_sched_baseline_run(ctx, p, NULL, ZP_SCHED_CARBON_AWARE_SDK, &sdk), ZP_OK);
    check_ok(ctx, p, g, 0);
    check_ok(ctx, p, rn, 0);
    assert_true(g->totals.placed >= rn->totals.placed);
    assert_true(g->totals.emissions_kg <= rn->totals.emissions_kg);
    /* and per unit of work, since run-now may leave jobs out */
    assert_true(g->totals.emissions_kg / g->totals.it_kwh <=
                rn->totals.emissions_kg / rn->totals.it_kwh);
    print_message("example 10k: greedy %.1f t (%zu placed), run-now %.1f t (%zu), sdk %.1f t "
                  "(overload %.0f kWh)\n",
                  g->totals.emissions_kg / 1e3, g->totals.placed, rn->totals.emissions_kg / 1e3,
                  rn->totals.placed, sdk->totals.emissions_kg / 1e3, sdk->totals.overload_kwh);
    zp_sched_result_free(ctx, g);
    zp_sched_result_free(ctx, rn);
    zp_sched_result_free(ctx, sdk);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_two_sites),
        cmocka_unit_test(test_preemptible_and_chunks),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_baselines),
        cmocka_unit_test(test_random_checked),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_jobs_errors),
        cmocka_unit_test(test_sites_errors),
        cmocka_unit_test(test_example_greedy_beats_run_now),
        cmocka_unit_test(test_jobs_bounds),
        cmocka_unit_test(test_sites_bounds),
        cmocka_unit_test(test_evaluate_not_finite),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_park_model_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
