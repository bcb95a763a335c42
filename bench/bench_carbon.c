/*
 * bench_carbon.c - annual accounting of 1,000 meters at 15-min resolution
 * (35,040,000 readings), by meter and month, on one core; with two
 * references in the same run over the same data:
 *   - pandas: the readings written once to a binary file, loaded with
 *     numpy.fromfile by Debian's /usr/bin/python3 (python3-pandas); only
 *     DataFrame.groupby(["meter", "month"]).sum() is timed;
 *   - a plain C sum over the same array (four lanes: the memory-bandwidth
 *     limit of one core).
 * Prints JSON lines {"bench", "value", "unit", ...}; best of RUNS.
 *
 * Run: ./bench_carbon [runs] [python]
 */
#include "zeropark/carbon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define METERS 1000
#define STEPS 35040 /* 2023 at 15 min */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The reference: the fastest plain sum, four independent accumulators. */
static double plain_sum(const double *v, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += v[i];
        s1 += v[i + 1];
        s2 += v[i + 2];
        s3 += v[i + 3];
    }
    for (; i < n; i++)
        s0 += v[i];
    return (s0 + s1) + (s2 + s3);
}

static const char py_script[] =
    "import sys, time\n"
    "import numpy as np, pandas as pd\n"
    "path, meters, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])\n"
    "v = np.fromfile(path, dtype=np.float64)\n"
    "assert v.size == meters * steps\n"
    "# month of each 15-min step of 2023 (+08:00), meter of each reading\n"
    "t = pd.date_range('2023-01-01', periods=steps, freq='15min')\n"
    "month = np.tile(t.month.values.astype(np.int8), meters)\n"
    "meter = np.repeat(np.arange(meters, dtype=np.int32), steps)\n"
    "df = pd.DataFrame({'meter': meter, 'month': month, 'value': v})\n"
    "best = 1e9\n"
    "for _ in range(int(sys.argv[4])):\n"
    "    t0 = time.perf_counter()\n"
    "    g = df.groupby(['meter', 'month'])['value'].sum()\n"
    "    best = min(best, time.perf_counter() - t0)\n"
    "print(best, g.sum())\n";

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 3;
    const char *python = argc > 2 ? argv[2] : "/usr/bin/python3";
    if (runs < 1)
        runs = 1;
    const size_t n = (size_t)METERS * STEPS;
    double *v = malloc(n * sizeof *v);
    double *imp = malloc(STEPS * sizeof *imp), *cons = calloc(STEPS, sizeof *cons);
    zp_acct_meter *meters = calloc(METERS, sizeof *meters);
    char (*names)[32] = calloc(METERS, sizeof *names);
    if (!v || !imp || !cons || !meters || !names)
        return 3;
    unsigned seed = 42;
    for (size_t k = 0; k < METERS; k++) {
        double base = 20 + (double)(k % 97);
        for (size_t t = 0; t < STEPS; t++) {
            seed = seed * 1103515245u + 12345u;
            double x = base * (0.7 + 0.6 * (double)(seed >> 8) / 16777216.0);
            v[k * STEPS + t] = x;
            cons[t] += x;
        }
        snprintf(names[k], sizeof names[k], "load.m%04zu_kw", k);
        meters[k] = (zp_acct_meter){names[k], names[k] + 5, ZP_ROLE_LOAD, v + k * STEPS};
    }
    for (size_t t = 0; t < STEPS; t++)
        imp[t] = cons[t] * 0.8;

    zp_ctx *ctx = zp_ctx_new();
    zp_factor_set *fs = NULL;
    if (zp_factor_set_default(ctx, &fs))
        return 3;
    zp_acct_input in;
    zp_acct_input_init(&in);
    in.start = zp_days_from_civil(2023, 1, 1) * 86400 - 8 * 3600;
    in.step_s = 900;
    in.steps = STEPS;
    in.grid_import_kw = imp;
    in.consumption_kw = cons;
    in.meters = meters;
    in.nmeters = METERS;
    zp_acct_opts o;
    zp_acct_opts_init(&o);
    o.factors = fs;
    o.by = ZP_ACCT_BY_ASSET;

    double best = 1e9, check = 0;
    for (int i = 0; i < runs; i++) {
        zp_acct_result *r = NULL;
        double t0 = now_s();
        if (zp_account(ctx, &in, &o, &r) != ZP_OK) {
            fprintf(stderr, "bench_carbon: %s\n", zp_ctx_errmsg(ctx));
            return 3;
        }
        double dt = now_s() - t0;
        if (dt < best)
            best = dt;
        check = 0;
        for (size_t k = 0; k < r->nassets; k++)
            for (size_t mo = 0; mo < r->nmonths; mo++)
                check += r->assets[k].month[mo];
        if (r->nmonths != 12) {
            fprintf(stderr, "bench_carbon: %zu months\n", r->nmonths);
            return 3;
        }
        zp_acct_result_free(ctx, r);
    }
    double plain_best = 1e9, plain = 0;
    for (int i = 0; i < runs; i++) {
        double t0 = now_s();
        plain = plain_sum(v, n);
        double dt = now_s() - t0;
        if (dt < plain_best)
            plain_best = dt;
    }
    /* same data (kWh = kW x 0.25) */
    if (fabs(check - plain * 0.25) > 1e-6 * check) {
        fprintf(stderr, "bench_carbon: totals differ: %.17g vs %.17g\n", check, plain * 0.25);
        return 3;
    }

    /* pandas on the same readings */
    char bin[] = "/tmp/zp_bench_carbon_XXXXXX", py[] = "/tmp/zp_bench_carbon_py_XXXXXX";
    int fd = mkstemp(bin), fp = mkstemp(py);
    double pandas_s = NAN;
    if (fd >= 0 && fp >= 0) {
        FILE *f = fdopen(fd, "wb"), *g = fdopen(fp, "w");
        int ok = f && g && fwrite(v, sizeof *v, n, f) == n;
        ok = ok && fputs(py_script, g) >= 0;
        if (f)
            fclose(f);
        if (g)
            fclose(g);
        if (ok) {
            char cmd[1024];
            snprintf(cmd, sizeof cmd, "%s %s %s %d %d %d", python, py, bin, METERS, STEPS, runs);
            FILE *p = popen(cmd, "r");
            double s = NAN, total = NAN;
            if (p && fscanf(p, "%lf %lf", &s, &total) == 2 && fabs(total - plain) <= 1e-6 * plain)
                pandas_s = s;
            if (p)
                pclose(p);
        }
        unlink(bin);
        unlink(py);
    }

    double rate = (double)n / best, plain_rate = (double)n / plain_best;
    double pandas_rate = (double)n / pandas_s;
    printf("{\"bench\": \"carbon_account_meters_by_month\", \"value\": %.4g, \"unit\": "
           "\"readings/s\", \"readings\": %zu, \"meters\": %d, \"seconds\": %.4f}\n",
           rate, n, METERS, best);
    printf("{\"bench\": \"carbon_plain_sum\", \"value\": %.4g, \"unit\": \"readings/s\", "
           "\"seconds\": %.4f, \"peer\": \"C sum, 4 lanes (memory bandwidth)\"}\n",
           plain_rate, plain_best);
    if (isfinite(pandas_rate))
        printf("{\"bench\": \"carbon_pandas_groupby\", \"value\": %.4g, \"unit\": \"readings/s\", "
               "\"seconds\": %.4f, \"peer\": \"pandas groupby(meter, month).sum() via %s\"}\n",
               pandas_rate, pandas_s, python);
    else
        printf("{\"bench\": \"carbon_pandas_groupby\", \"value\": null, \"unit\": \"readings/s\", "
               "\"error\": \"%s with pandas not available\"}\n",
               python);
    if (isfinite(pandas_rate))
        printf("{\"bench\": \"carbon_ratio_vs_pandas\", \"value\": %.4g, \"unit\": \"x\", "
               "\"target\": 100}\n", rate / pandas_rate);
    printf("{\"bench\": \"carbon_ratio_vs_plain_sum\", \"value\": %.4g, \"unit\": \"fraction\", "
           "\"target\": 0.5}\n",
           rate / plain_rate);
    zp_factor_set_free(ctx, fs);
    zp_ctx_free(ctx);
    free(v);
    free(imp);
    free(cons);
    free(meters);
    free(names);
    return 0;
}
