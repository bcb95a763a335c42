/*
 * bench_sim.c - the year simulation of examples/shaoguan-campus.
 *
 * Prints JSON lines:
 *   sim_campus_year_1h_ms      zp_simulate, hourly (median of runs; model loaded once)
 *   sim_campus_year_15min_ms   the same at 15-min steps
 *   sim_campus_year_1h_end_to_end_ms  model load (CSV series) + simulate
 *   sim_campus_year_1min_peak_rss_mb  peak RSS of a child process that loads the
 *                                     model and simulates a year at 1-min steps
 * Targets (issue): <= 20 ms hourly, <= 80 ms at 15 min, <= 100 MB at 1 min.
 */
#define _DEFAULT_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zeropark/zeropark.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *model_path(void)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/examples/shaoguan-campus/model.json", ZP_SOURCE_DIR);
    return path;
}

static double median_sim_ms(zp_ctx *ctx, const zp_model *m, int step_min, int runs)
{
    double t[64];
    if (runs > 64)
        runs = 64;
    for (int i = 0; i < runs; i++) {
        zp_sim_opts o;
        zp_sim_opts_init(&o);
        o.step_min = step_min;
        zp_sim_result *r = NULL;
        double t0 = now();
        if (zp_simulate(ctx, m, &o, &r) != ZP_OK) {
            fprintf(stderr, "bench_sim: %s\n", zp_ctx_errmsg(ctx));
            exit(1);
        }
        t[i] = (now() - t0) * 1e3;
        zp_sim_result_free(ctx, r);
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp);
    return t[runs / 2];
}

/* Peak RSS of a fresh child (forked before this process has touched any
 * memory of its own) that loads the model and simulates at 1-min steps. */
static int peak_rss_1min(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* As the zeropark command sets it (src/cli/main.c). */
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
        zp_ctx *c = zp_ctx_new();
        zp_model *mm = NULL;
        zp_sim_result *r = NULL;
        zp_sim_opts o;
        zp_sim_opts_init(&o);
        o.step_min = 1;
        if (zp_model_load_file(c, model_path(), 0, &mm) || zp_simulate(c, mm, &o, &r)) {
            fprintf(stderr, "bench_sim: %s\n", zp_ctx_errmsg(c));
            _exit(1);
        }
        _exit(r->steps == 527040 ? 0 : 2);
    }
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench_sim: 1-min child failed\n");
        return 1;
    }
    printf("{\"bench\": \"sim_campus_year_1min_peak_rss_mb\", \"value\": %.1f, \"unit\": \"MB\", \"target\": 100}\n",
           (double)ru.ru_maxrss / 1024.0);
    return 0;
}

int main(void)
{
    if (peak_rss_1min())
        return 1;
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    if (zp_model_load_file(ctx, model_path(), 0, &m) != ZP_OK) {
        fprintf(stderr, "bench_sim: %s\n", zp_ctx_errmsg(ctx));
        return 1;
    }
    double h = median_sim_ms(ctx, m, 0, 21);
    printf("{\"bench\": \"sim_campus_year_1h_ms\", \"value\": %.3f, \"unit\": \"ms\", \"target\": 20}\n", h);
    double q = median_sim_ms(ctx, m, 15, 11);
    printf("{\"bench\": \"sim_campus_year_15min_ms\", \"value\": %.3f, \"unit\": \"ms\", \"target\": 80}\n", q);
    zp_model_free(ctx, m);

    double best = 1e9;
    for (int i = 0; i < 5; i++) {
        double t0 = now();
        zp_model *mm = NULL;
        zp_sim_result *r = NULL;
        if (zp_model_load_file(ctx, model_path(), 0, &mm) || zp_simulate(ctx, mm, NULL, &r))
            return 1;
        double t = (now() - t0) * 1e3;
        if (t < best)
            best = t;
        zp_sim_result_free(ctx, r);
        zp_model_free(ctx, mm);
    }
    printf("{\"bench\": \"sim_campus_year_1h_end_to_end_ms\", \"value\": %.3f, \"unit\": \"ms\"}\n", best);
    fflush(stdout);


    zp_ctx_free(ctx);
    return 0;
}
