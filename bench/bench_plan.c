/*
 * bench_plan.c - a full year, hourly, of the Shaoguan campus planned with
 * five candidates (docs/planning.md): a new rooftop PV array, more of the
 * carports' array, a new wind farm, more of bess-1, a new battery, and
 * certificates, under the model's targets. The peer in the same run: the
 * same LP built and solved from Python with SciPy's HiGHS
 * (bench/plan_peer.py, /usr/bin/python3), end to end.
 *
 * JSON lines:
 *   plan_campus_year_1h_s          zp_planning_solve, wall time: the run's
 *                                  inputs, the baseline dispatch, the LP's
 *                                  build and solve, the evaluation
 *                                  (target <= 3 s); cpu_s, iterations, size
 *   plan_campus_year_1h_peak_rss_mb  peak RSS of this process after it
 *   plan_campus_year_1h_scipy_s    the peer end to end: read the inputs,
 *                                  build with numpy/scipy.sparse, HiGHS
 *   plan_campus_year_1h_ratio      peer / zeropark (target >= 3), with both
 *                                  objectives (the same LP: 1e-6 relative)
 * Set BENCH_PLAN_NO_PEER=1 to leave the peer out (it takes minutes), and
 * BENCH_PLAN_END=<ISO time> to end the period early (quick runs; the
 * figures' names still say "year").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "plan/plan_impl.h"
#include "zeropark/zeropark.h"

#define PYTHON "/usr/bin/python3"
#define CAMPUS_DIR ZP_SOURCE_DIR "/examples/shaoguan-campus"

/* The five candidates and certificates of the unit test (test_plan.c). */
#define PLANNING_FILE ZP_SOURCE_DIR "/tests/unit/models/campus-planning.json"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec * 1e-6;
}

static void die(zp_ctx *ctx, const char *what)
{
    fprintf(stderr, "bench_plan: %s: %s\n", what, ctx ? zp_ctx_errmsg(ctx) : "");
    exit(1);
}

int main(void)
{
    zp_ctx *ctx = zp_ctx_new();
    json_error_t err;
    json_t *doc = json_load_file(CAMPUS_DIR "/model.json", 0, &err);
    json_t *pl = json_load_file(PLANNING_FILE, 0, &err);
    if (!ctx || !doc || !pl)
        die(ctx, "the campus model");
    json_object_set_new(doc, "planning", pl);
    /* BENCH_PLAN_END=2024-03-01T00:00:00+08:00: a shorter period (the
     * model's period.end), for quick runs while tuning the solver */
    const char *end = getenv("BENCH_PLAN_END");
    if (end && *end)
        json_object_set_new(json_object_get(doc, "period"), "end", json_string(end));
    char *text = json_dumps(doc, JSON_REAL_PRECISION(17));
    json_decref(doc);
    zp_model *m = NULL;
    if (!text || zp_model_load_buf(ctx, text, strlen(text), "shaoguan-campus+planning", CAMPUS_DIR,
                                   0, &m))
        die(ctx, "load");
    free(text);

    double c0 = cpu(), t0 = now();
    zp_planning_result *r = NULL;
    if (zp_planning_solve(ctx, m, NULL, &r) || r->status != ZP_PLANNING_OPTIMAL)
        die(ctx, r ? r->status_text : "plan");
    double wall = now() - t0, cpu_s = cpu() - c0;
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    printf("{\"bench\": \"plan_campus_year_1h_s\", \"value\": %.3f, \"unit\": \"s\", \"cpu_s\": %.3f, "
           "\"build_s\": %.3f, \"solve_s\": %.3f, \"rows\": %zu, \"cols\": %zu, \"nnz\": %zu, "
           "\"iterations\": %d, \"objective\": %.10g, \"annualised_cny\": %.2f, \"target\": 3}\n",
           wall, cpu_s, r->build_s, r->solve_s, r->rows, r->cols, r->nnz, r->iterations,
           r->objective, r->annual_cny.total);
    printf("{\"bench\": \"plan_campus_year_1h_peak_rss_mb\", \"value\": %.1f, \"unit\": \"MB\"}\n",
           (double)u.ru_maxrss / 1024.0);
    fflush(stdout);

    const char *skip = getenv("BENCH_PLAN_NO_PEER");
    if (!(skip && skip[0] == '1')) {
        char dir[] = "/tmp/bench_plan_XXXXXX", csv[256], js[256], cmd[1024], out[4096];
        if (!mkdtemp(dir))
            die(NULL, "mkdtemp");
        snprintf(csv, sizeof csv, "%s/inputs.csv", dir);
        snprintf(js, sizeof js, "%s/params.json", dir);
        if (zp__plan_write_inputs(ctx, m, NULL, csv, js))
            die(ctx, "inputs");
        snprintf(cmd, sizeof cmd, PYTHON " %s/bench/plan_peer.py %s %s", ZP_SOURCE_DIR, csv, js);
        FILE *p = popen(cmd, "r");
        size_t got = p ? fread(out, 1, sizeof out - 1, p) : 0;
        out[got] = 0;
        int bad = !p || pclose(p) != 0;
        json_t *pd = bad ? NULL : json_loads(out, 0, &err);
        if (pd) {
            double ps = json_number_value(json_object_get(pd, "seconds"));
            double pobj = json_number_value(json_object_get(pd, "objective"));
            printf("{\"bench\": \"plan_campus_year_1h_scipy_s\", \"value\": %.3f, \"unit\": \"s\", "
                   "\"peer\": \"scipy.optimize.linprog(method='highs')\", \"cpu_s\": %.3f, "
                   "\"build_s\": %.3f, \"solve_s\": %.3f, \"objective\": %.10g}\n",
                   ps, json_number_value(json_object_get(pd, "cpu_s")),
                   json_number_value(json_object_get(pd, "build_s")),
                   json_number_value(json_object_get(pd, "solve_s")), pobj);
            printf("{\"bench\": \"plan_campus_year_1h_ratio\", \"value\": %.2f, \"unit\": \"x\", "
                   "\"objective_zeropark\": %.10g, \"objective_scipy\": %.10g, \"relative_diff\": %.2g, "
                   "\"target\": 3}\n",
                   ps / wall, r->objective, pobj, fabs(r->objective - pobj) / fabs(pobj));
            json_decref(pd);
        } else {
            printf("{\"bench\": \"plan_campus_year_1h_scipy_s\", \"value\": null, \"skipped\": "
                   "\"" PYTHON " with scipy failed or is missing\"}\n");
        }
        unlink(csv);
        unlink(js);
        rmdir(dir);
    }
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return 0;
}
