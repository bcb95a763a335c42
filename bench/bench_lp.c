/*
 * bench_lp.c - the optimal (LP) dispatch of examples/shaoguan-campus, with
 * the peer in the same run: the same LP through SciPy's HiGHS
 * (bench/lp_peer.py, run with /usr/bin/python3).
 *
 * Inputs come from the simulation (zp_simulate): available PV (2 arrays)
 * and wind, firm demand, and the data center's flexible 30 % (12 h max
 * delay) of facility power; the battery (40 MWh / 10 MW) and grid limits
 * of the model. Prices are a time-of-use tariff (valley 0.30, flat 0.65,
 * peak 1.10 CNY/kWh) with the model's grid factor and carbon price
 * (objective cost_with_carbon_price), since the model's constant factor
 * would make "carbon" a flat objective.
 *
 * JSON lines:
 *   lp_campus_day_15min_ms          96 steps: build + solve, median of 51
 *                                   (target <= 1 ms)
 *   lp_campus_day_15min_warm_ms     the same LP re-solved through a handle,
 *                                   moved one step (a rolling-horizon replan)
 *   lp_campus_day_15min_scipy_ms    peer: build arrays + linprog(highs), median
 *   lp_campus_day_15min_ratio       peer / zeropark
 *   lp_campus_year_1h_s             8784 steps: build + solve wall time
 *   lp_campus_year_1h_scipy_s       peer end to end: read CSV, build, solve
 *   lp_campus_year_1h_ratio         peer / zeropark (target >= 3)
 *   lp_campus_year_mpc_48h_s        8736 solves of a 48-h horizon moved one
 *                                   hour at a time, warm-started, perfect
 *                                   forecast (target <= 10 s)
 * The campus under the bill of issue 15: the Guangdong large-industry
 * tariff's time-of-use prices (zp_tariff_prices over 2024) and demand
 * charge (36.1 CNY/kW-month on each calendar month's peak import), battery
 * wear from 600 CNY/kWh and 6000 cycles (zp_degradation_cny_per_kwh):
 *   lp_campus_year_1h_demand_s       the year LP with its 12 month columns:
 *                                    build + solve, best of 3
 *   lp_campus_year_1h_demand_scipy_s peer end to end: read the CSV this
 *                                    benchmark writes (per-step inputs and
 *                                    each step's month), build the same LP
 *                                    with numpy/scipy.sparse, solve
 *   lp_campus_year_1h_demand_ratio   peer / zeropark (target >= 3)
 *   lp_campus_year_mpc_demand_s      the rolling-horizon dispatch itself
 *                                    (zp__dispatch_mpc: 48 h, re-planned
 *                                    hourly, the simulation's forecasts,
 *                                    the month's peak carried), the year
 *                                    (target <= 10 s); with the rule's,
 *                                    the MPC's and the LP's objective
 *                                    (energy + carbon price + demand +
 *                                    wear, zp_dispatch_objective)
 * Objectives of both solvers are printed with each peer line: they solve
 * the same LP, so they agree to solver tolerance.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zeropark/zeropark.h"
#include "zeropark/tariff.h"

#include "dispatch/mpc.h"

#define PYTHON "/usr/bin/python3"
#define DAY_RUNS 51

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

static void die(zp_ctx *ctx, const char *what)
{
    fprintf(stderr, "bench_lp: %s: %s\n", what, ctx ? zp_ctx_errmsg(ctx) : "");
    exit(1);
}

/* The campus inputs over a window, copied out of a simulation. */
typedef struct campus {
    size_t steps;
    double step_h;
    double *pv, *wind, *firm, *flex, *price, *factor, *eprice;
    zp_dispatch_flex fl;
    zp_storage st;
    zp_dispatch_input in;
    uint16_t *month;      /* with campus_tariff: each step's calendar month */
    double frac[24];      /* and each month's share of its charge */
} campus;

static double *column(zp_ctx *ctx, const zp_sim_result *r, const char *name)
{
    for (size_t i = 0; i < zp_sim_column_count(r); i++) {
        const char *n = zp_sim_column_name(r, i);
        if (n && strcmp(n, name) == 0) {
            const double *v = zp_sim_column(r, i);
            double *copy = malloc(r->steps * sizeof *copy);
            if (!v || !copy)
                die(ctx, name);
            memcpy(copy, v, r->steps * sizeof *copy);
            return copy;
        }
    }
    fprintf(stderr, "bench_lp: no column %s in the simulation\n", name);
    exit(1);
}

/* China-style time of use: valley 23-07, peak 10-12 and 14-19, else flat. */
static double tou_price(double hour)
{
    int h = (int)hour % 24;
    if (h >= 23 || h < 7)
        return 0.30;
    if ((h >= 10 && h < 12) || (h >= 14 && h < 19))
        return 1.10;
    return 0.65;
}

static void campus_load(zp_ctx *ctx, const zp_model *m, int step_min, const char *from,
                        const char *to, campus *c)
{
    memset(c, 0, sizeof *c);
    zp_sim_opts o;
    zp_sim_opts_init(&o);
    o.step_min = step_min;
    int32_t off;
    if (from && zp_time_parse(from, strlen(from), ZP_TIME_NO_DEFAULT, &o.from, &off))
        die(NULL, from);
    if (to && zp_time_parse(to, strlen(to), ZP_TIME_NO_DEFAULT, &o.to, &off))
        die(NULL, to);
    zp_sim_result *r = NULL;
    if (zp_simulate(ctx, m, &o, &r))
        die(ctx, "simulate");
    c->steps = r->steps;
    c->step_h = r->step_h;
    c->pv = column(ctx, r, "pv_available_kw");
    c->wind = column(ctx, r, "wind_available_kw");
    c->firm = column(ctx, r, "firm_demand_kw");
    c->flex = column(ctx, r, "datacenter.facility_kw");
    c->price = malloc(c->steps * sizeof(double));
    c->factor = malloc(c->steps * sizeof(double));
    c->eprice = calloc(c->steps, sizeof(double));
    if (!c->price || !c->factor || !c->eprice)
        die(NULL, "out of memory");
    /* The run starts at local midnight of its first day. */
    for (size_t t = 0; t < c->steps; t++) {
        c->price[t] = tou_price((double)t * c->step_h);
        c->factor[t] = 0.5306;
    }
    zp_sim_result_free(ctx, r);

    c->fl = (zp_dispatch_flex){"datacenter", c->flex, m->datacenter.flexible.max_delay_h,
                               m->datacenter.flexible.share, NULL, 0};
    c->st = m->storage[0];
    c->st.degradation_cny_per_kwh = 0; /* the model's, if any: campus_tariff's bill */
    zp_dispatch_input_init(&c->in);
    c->in.steps = c->steps;
    c->in.step_h = c->step_h;
    c->in.pv_kw = c->pv;
    c->in.wind_kw = c->wind;
    c->in.firm_kw = c->firm;
    c->in.flex = &c->fl;
    c->in.nflex = 1;
    c->in.storage = &c->st;
    c->in.nstorage = 1;
    c->in.import_limit_kw = m->grid.import_limit_kw;
    c->in.export_limit_kw = m->grid.export_limit_kw;
    c->in.import_price_cny_per_kwh = c->price;
    c->in.export_price_cny_per_kwh = c->eprice;
    c->in.grid_factor_kg_per_kwh = c->factor;
    c->in.objective = ZP_MINIMISE_COST_WITH_CARBON_PRICE;
    c->in.carbon_price_cny_per_t = m->carbon_price_cny_per_t > 0 ? m->carbon_price_cny_per_t : 80;
}

static void campus_free(campus *c)
{
    free(c->month);
    free(c->pv);
    free(c->wind);
    free(c->firm);
    free(c->flex);
    free(c->price);
    free(c->factor);
    free(c->eprice);
}

/* The campus of a whole-year run from the model's start under the bill of
 * issue 15: the Guangdong tariff's prices and demand charge on each
 * calendar month (park-local), the battery's wear. */
static void campus_tariff(zp_ctx *ctx, const zp_model *m, campus *c)
{
    zp_tariff *t = NULL;
    if (zp_tariff_find(ctx, "guangdong-large-industry-2021", NULL, 0, &t))
        die(ctx, "tariff");
    zp_time_grid g = {m->start, (int32_t)lround(c->step_h * 3600), c->steps, m->utc_offset_min};
    if (zp_tariff_prices(ctx, t, &g, NULL, c->price))
        die(ctx, "tariff prices");
    c->in.demand_charge_cny_per_kw_month = zp_tariff_get_info(t)->demand_charge_cny_per_kw_month;
    zp_tariff_free(ctx, t);
    if (!(c->month = calloc(c->steps, sizeof *c->month)))
        die(NULL, "out of memory");
    int64_t y0 = 0, y;
    unsigned mo0 = 0, mo, d;
    for (size_t i = 0; i < c->steps; i++) {
        int64_t local = m->start + (int64_t)i * g.step_s + (int64_t)m->utc_offset_min * 60;
        zp_civil_from_days(zp_fdiv(local, 86400), &y, &mo, &d);
        if (i == 0) {
            y0 = y;
            mo0 = mo;
        }
        long k = (long)(y - y0) * 12 + (long)mo - (long)mo0;
        if (k < 0 || k >= 24)
            die(NULL, "more than 24 months");
        c->month[i] = (uint16_t)k;
        c->in.nmonths = (size_t)k + 1;
    }
    for (size_t k = 0; k < c->in.nmonths; k++)
        c->frac[k] = 1.0; /* the model's year covers its months whole */
    c->in.month_of_step = c->month;
    c->in.month_fraction = c->frac;
    c->st.degradation_cny_per_kwh = zp_degradation_cny_per_kwh(
        600.0, 6000.0, c->st.soc_max - c->st.soc_min, c->st.discharge_efficiency, 0.8);
}

/* A window [start, start + steps) of c as a dispatch input. */
static zp_dispatch_input window(const campus *c, size_t start, size_t steps,
                                zp_dispatch_flex *fl)
{
    zp_dispatch_input w = c->in;
    w.steps = steps;
    w.pv_kw = c->pv + start;
    w.wind_kw = c->wind + start;
    w.firm_kw = c->firm + start;
    *fl = c->fl;
    fl->kw = c->flex + start;
    w.flex = fl;
    w.import_price_cny_per_kwh = c->price + start;
    w.export_price_cny_per_kwh = c->eprice + start;
    w.grid_factor_kg_per_kwh = c->factor + start;
    return w;
}

/* Run a command and read one JSON object's numeric field from its output. */
static int run_peer(const char *cmd, char *out, size_t len)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    return pclose(p) == 0 ? 0 : -1;
}

static double json_num(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *s = strstr(text, pat);
    return s ? strtod(s + strlen(pat), NULL) : NAN;
}

/* Same LP, same optimum: to 1e-6 relative, as the unit test demands. */
static const char *agree(double a, double b)
{
    return fabs(a - b) <= 1e-6 * fmax(1.0, fabs(b)) ? "true" : "false";
}

static void bench_day(zp_ctx *ctx, const zp_model *m, const char *tmp)
{
    campus c;
    /* Two days at 15 min: the plan of the first, and a replan one step later. */
    campus_load(ctx, m, 15, "2024-07-01T00:00:00+08:00", "2024-07-03T00:00:00+08:00", &c);
    const size_t H = 96;
    zp_dispatch_flex fl;
    zp_dispatch_input in = window(&c, 0, H, &fl);
    double t[DAY_RUNS];
    zp_lp_info info;
    for (int i = 0; i < DAY_RUNS; i++) {
        zp_dispatch_result *r = NULL;
        double t0 = now();
        if (zp_dispatch_optimal(ctx, &in, NULL, &r, &info))
            die(ctx, "day LP");
        t[i] = (now() - t0) * 1e3;
        if (info.fell_back)
            die(NULL, info.status_text);
        zp_dispatch_result_free(ctx, r);
    }
    qsort(t, DAY_RUNS, sizeof t[0], cmp);
    double zp_ms = t[DAY_RUNS / 2], zp_obj = info.objective;
    printf("{\"bench\": \"lp_campus_day_15min_ms\", \"value\": %.4f, \"unit\": \"ms\", "
           "\"target\": 1, \"min_ms\": %.4f, \"rows\": %zu, \"cols\": %zu, \"nnz\": %zu, "
           "\"iterations\": %d, \"objective\": %.10g}\n", zp_ms, t[0], info.rows, info.cols,
           info.nnz, info.iterations, zp_obj);

    /* Warm: the handle re-solves the window moved by one step. */
    zp_lp *lp = zp_lp_new(ctx);
    if (!lp)
        die(ctx, "zp_lp_new");
    for (int i = 0; i < DAY_RUNS; i++) {
        zp_dispatch_result *r = NULL;
        zp_lp_opts o;
        zp_lp_opts_init(&o);
        /* Each run moves the horizon one step on (the first one is cold). */
        zp_dispatch_flex fl2;
        zp_dispatch_input w = window(&c, (size_t)i, H, &fl2);
        o.shift_steps = 1;
        double t0 = now();
        if (zp_lp_solve(lp, &w, &o, &r, &info))
            die(ctx, "warm LP");
        t[i] = (now() - t0) * 1e3;
        zp_dispatch_result_free(ctx, r);
    }
    zp_lp_free(lp);
    qsort(t + 1, DAY_RUNS - 1, sizeof t[0], cmp);
    printf("{\"bench\": \"lp_campus_day_15min_warm_ms\", \"value\": %.4f, \"unit\": \"ms\", "
           "\"note\": \"handle, horizon moved one step, basis shifted\"}\n", t[1 + (DAY_RUNS - 1) / 2]);

    char mps[1024], cmd[2048], out[4096];
    snprintf(mps, sizeof mps, "%s/campus_day.mps", tmp);
    if (zp_dispatch_write_mps(ctx, &in, NULL, mps))
        die(ctx, "MPS");
    snprintf(cmd, sizeof cmd, PYTHON " %s/bench/lp_peer.py mps %s %d", ZP_SOURCE_DIR, mps,
             DAY_RUNS);
    if (run_peer(cmd, out, sizeof out) == 0) {
        double py_ms = json_num(out, "median_ms"), py_obj = json_num(out, "objective");
        printf("{\"bench\": \"lp_campus_day_15min_scipy_ms\", \"value\": %.4f, \"unit\": \"ms\", "
               "\"peer\": \"scipy.optimize.linprog(method='highs')\", \"objective\": %.10g, "
               "\"zeropark_objective\": %.10g, \"agree\": %s}\n", py_ms, py_obj, zp_obj,
               agree(py_obj, zp_obj));
        printf("{\"bench\": \"lp_campus_day_15min_ratio\", \"value\": %.2f, \"unit\": \"x\", "
               "\"note\": \"scipy / zeropark, higher is faster\"}\n", py_ms / zp_ms);
    } else {
        printf("{\"bench\": \"lp_campus_day_15min_scipy_ms\", \"value\": null, \"unit\": \"ms\", "
               "\"skipped\": \"" PYTHON " with scipy not available\"}\n");
    }
    remove(mps);
    campus_free(&c);
}

/* The year LP of c through the peer (bench/lp_peer.py year), in the same
 * run: it reads what a Python tool would - the per-step inputs as CSV
 * (with each step's calendar month when c has a demand charge) and the
 * parameters as JSON (with the charge, the months' fractions and the
 * battery's wear) - builds the same LP and solves it, timed end to end.
 * Prints NAME_scipy_s and NAME_ratio against zeropark's best (wall) and
 * best_cpu (CPU) seconds. */
static void year_peer(const campus *c, const zp_lp_info *info, const char *tmp, const char *name,
                      double best, double best_cpu)
{
    const int dem = c->in.demand_charge_cny_per_kw_month > 0 && c->month;
    char csv[1024], js[1024], cmd[4096], out[4096];
    snprintf(csv, sizeof csv, "%s/%s.csv", tmp, name);
    snprintf(js, sizeof js, "%s/%s.json", tmp, name);
    FILE *f = fopen(csv, "w");
    if (!f)
        die(NULL, csv);
    fprintf(f, "pv_kw,wind_kw,firm_kw,flex_kw_0,import_cost,export_value,import_limit_kw%s\n",
            dem ? ",month" : "");
    for (size_t t = 0; t < c->steps; t++) {
        double ic = c->price[t] + c->in.carbon_price_cny_per_t * c->factor[t] / 1000.0;
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", c->pv[t], c->wind[t], c->firm[t],
                c->fl.share * c->flex[t], ic, c->eprice[t], c->in.import_limit_kw);
        if (dem)
            fprintf(f, ",%u", (unsigned)c->month[t]);
        fputc('\n', f);
    }
    fclose(f);
    f = fopen(js, "w");
    if (!f)
        die(NULL, js);
    double ds = floor(c->fl.max_delay_h / c->step_h + 1e-9);
    fprintf(f, "{\"step_h\": %.17g, \"export_limit_kw\": %.17g, \"unserved_penalty\": %.17g, "
               "\"epsilon\": %.17g,\n \"storage\": [{\"energy_kwh\": %.17g, \"power_kw\": %.17g, "
               "\"charge_efficiency\": %.17g, \"discharge_efficiency\": %.17g, \"soc_min\": %.17g, "
               "\"soc_max\": %.17g, \"soc_initial\": %.17g, \"degradation_cny_per_kwh\": %.17g}],\n "
               "\"flex\": [{\"delay_steps\": %d}]", c->step_h, c->in.export_limit_kw,
            info->unserved_penalty, info->epsilon, c->st.energy_kwh, c->st.power_kw,
            c->st.charge_efficiency, c->st.discharge_efficiency, c->st.soc_min, c->st.soc_max,
            c->st.soc_initial, c->st.degradation_cny_per_kwh, (int)ds);
    if (dem) {
        fprintf(f, ",\n \"demand_charge_cny_per_kw_month\": %.17g, \"month_fraction\": [",
                c->in.demand_charge_cny_per_kw_month);
        for (size_t k = 0; k < c->in.nmonths; k++)
            fprintf(f, "%s%.17g", k ? ", " : "", c->frac[k]);
        fprintf(f, "]");
    }
    fprintf(f, "}\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, PYTHON " %s/bench/lp_peer.py year %s %s", ZP_SOURCE_DIR, csv, js);
    if (run_peer(cmd, out, sizeof out) == 0) {
        double py = json_num(out, "seconds"), py_cpu = json_num(out, "cpu_s");
        printf("{\"bench\": \"%s_scipy_s\", \"value\": %.4f, \"unit\": \"s\", \"cpu_s\": %.4f, "
               "\"peer\": \"numpy/scipy.sparse build + linprog(method='highs')\", "
               "\"read_s\": %.4f, \"build_s\": %.4f, \"solve_s\": %.4f, \"objective\": %.10g, "
               "\"zeropark_objective\": %.10g, \"agree\": %s}\n", name, py, py_cpu,
               json_num(out, "read_s"), json_num(out, "build_s"), json_num(out, "solve_s"),
               json_num(out, "objective"), info->objective,
               agree(json_num(out, "objective"), info->objective));
        printf("{\"bench\": \"%s_ratio\", \"value\": %.2f, \"unit\": \"x\", \"target\": 3, "
               "\"cpu_ratio\": %.2f, \"note\": \"scipy end to end / zeropark build+solve (wall; "
               "cpu_ratio: CPU time)\"}\n", name, py / best, py_cpu / best_cpu);
    } else {
        printf("{\"bench\": \"%s_scipy_s\", \"value\": null, \"unit\": \"s\", "
               "\"skipped\": \"" PYTHON " with scipy not available\"}\n", name);
    }
    remove(csv);
    remove(js);
}

/* The year LP of in, built and solved 3 times: the best wall and CPU
 * seconds, the last solve's info, and its plan. */
static zp_dispatch_result *year_best_of_3(zp_ctx *ctx, const zp_dispatch_input *in,
                                          zp_lp_info *info, double *best, double *best_cpu)
{
    zp_dispatch_result *r = NULL;
    *best = *best_cpu = 1e30;
    for (int i = 0; i < 3; i++) {
        zp_dispatch_result_free(ctx, r);
        r = NULL;
        double t0 = now();
        clock_t c0 = clock();
        if (zp_dispatch_optimal(ctx, in, NULL, &r, info))
            die(ctx, "year LP");
        double s = now() - t0, cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
        if (info->fell_back)
            die(NULL, info->status_text);
        *best = fmin(*best, s);
        *best_cpu = fmin(*best_cpu, cpu);
    }
    return r;
}

static void bench_year(zp_ctx *ctx, const zp_model *m, const char *tmp)
{
    campus c;
    campus_load(ctx, m, 60, NULL, NULL, &c);
    zp_lp_info info;
    double best, best_cpu;
    zp_dispatch_result *r = year_best_of_3(ctx, &c.in, &info, &best, &best_cpu);
    zp_dispatch_result_free(ctx, r);
    r = NULL;
    printf("{\"bench\": \"lp_campus_year_1h_s\", \"value\": %.4f, \"unit\": \"s\", "
           "\"cpu_s\": %.4f, \"steps\": %zu, \"rows\": %zu, \"cols\": %zu, \"nnz\": %zu, "
           "\"iterations\": %d, \"build_s\": %.4f, \"solve_s\": %.4f, \"objective\": %.10g, "
           "\"note\": \"best of 3\"}\n", best, best_cpu, c.steps, info.rows, info.cols, info.nnz,
           info.iterations, info.build_s, info.solve_s, info.objective);
    year_peer(&c, &info, tmp, "lp_campus_year_1h", best, best_cpu);

    /* Rolling horizon: 48 h seen, 1 h executed, warm-started each time. */
    const size_t H = 48, runs = c.steps - H;
    zp_lp *lp = zp_lp_new(ctx);
    if (!lp)
        die(ctx, "zp_lp_new");
    double soc = c.st.soc_initial;
    int iters = 0, fell = 0;
    double t0 = now();
    for (size_t s = 0; s < runs; s++) {
        zp_dispatch_flex fl;
        zp_dispatch_input w = window(&c, s, H, &fl);
        w.soc_initial = &soc;
        zp_lp_opts o;
        zp_lp_opts_init(&o);
        o.shift_steps = 1;
        if (zp_lp_solve(lp, &w, &o, &r, &info))
            die(ctx, "MPC LP");
        soc = r->storage[0].soc[0];
        iters += info.iterations;
        fell += info.fell_back;
        zp_dispatch_result_free(ctx, r);
    }
    double mpc = now() - t0;
    zp_lp_free(lp);
    printf("{\"bench\": \"lp_campus_year_mpc_48h_s\", \"value\": %.3f, \"unit\": \"s\", "
           "\"target\": 10, \"solves\": %zu, \"mean_iterations\": %.1f, \"fallbacks\": %d}\n",
           mpc, runs, (double)iters / (double)runs, fell);
    campus_free(&c);
}

static void bench_year_demand(zp_ctx *ctx, const zp_model *m, const char *tmp)
{
    campus c;
    campus_load(ctx, m, 60, NULL, NULL, &c);
    campus_tariff(ctx, m, &c);
    zp_lp_info info;
    double best, best_cpu;
    zp_dispatch_result *r = year_best_of_3(ctx, &c.in, &info, &best, &best_cpu);
    double peak = 0;
    for (size_t t = 0; t < c.steps; t++)
        peak = fmax(peak, r->grid_import_kw[t]);
    printf("{\"bench\": \"lp_campus_year_1h_demand_s\", \"value\": %.4f, \"unit\": \"s\", "
           "\"cpu_s\": %.4f, \"steps\": %zu, \"months\": %zu, \"demand_charge_cny_per_kw_month\": %.4g, "
           "\"degradation_cny_per_kwh\": %.4f, \"rows\": %zu, \"cols\": %zu, \"nnz\": %zu, "
           "\"iterations\": %d, \"build_s\": %.4f, \"solve_s\": %.4f, \"objective\": %.10g, "
           "\"year_peak_kw\": %.1f, \"note\": \"best of 3\"}\n", best, best_cpu, c.steps, c.in.nmonths,
           c.in.demand_charge_cny_per_kw_month, c.st.degradation_cny_per_kwh, info.rows, info.cols,
           info.nnz, info.iterations, info.build_s, info.solve_s, info.objective, peak);
    zp_dispatch_result_free(ctx, r);

    year_peer(&c, &info, tmp, "lp_campus_year_1h_demand", best, best_cpu);
    fflush(stdout);

    /* The rolling horizon as the simulation runs it, on its forecasts. */
    double *csky = malloc(c.steps * sizeof *csky);
    if (!csky || zp_forecast_clearsky_pv(ctx, m, m->start, 3600, c.steps, csky))
        die(ctx, "clear-sky PV");
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    zp_mpc_opts mo = {0};
    mo.horizon_steps = 48;
    mo.replan_steps = 1;
    mo.fc = &fo;
    mo.clearsky_pv_kw = csky;
    mo.no_pv = !m->npv;
    zp_mpc_info mi;
    zp_dispatch_result *rm = NULL, *rr = NULL, *ro = NULL;
    double t0 = now();
    clock_t c0 = clock();
    if (zp__dispatch_mpc(ctx, &c.in, &mo, &rm, &mi))
        die(ctx, "MPC with demand charge");
    double mpc = now() - t0, mpc_cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (zp_dispatch_rule(ctx, &c.in, &rr) || zp_dispatch_optimal(ctx, &c.in, NULL, &ro, &info))
        die(ctx, "rule or LP");
    printf("{\"bench\": \"lp_campus_year_mpc_demand_s\", \"value\": %.3f, \"unit\": \"s\", "
           "\"target\": 10, \"cpu_s\": %.3f, \"solves\": %zu, \"warm\": %zu, \"fallbacks\": %zu, "
           "\"mean_iterations\": %.1f, \"lp_s\": %.3f, \"objective_rule\": %.10g, "
           "\"objective_mpc\": %.10g, \"objective_optimal\": %.10g}\n", mpc, mpc_cpu, mi.solves, mi.warm,
           mi.fallbacks, (double)mi.iterations / (double)(mi.solves ? mi.solves : 1), mi.solve_s,
           zp_dispatch_objective(&c.in, rr), zp_dispatch_objective(&c.in, rm),
           zp_dispatch_objective(&c.in, ro));
    zp_dispatch_result_free(ctx, rm);
    zp_dispatch_result_free(ctx, rr);
    zp_dispatch_result_free(ctx, ro);
    free(csky);
    campus_free(&c);
}

int main(void)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    char path[1024], tmp[] = "/tmp/zp_bench_lp_XXXXXX";
    snprintf(path, sizeof path, "%s/examples/shaoguan-campus/model.json", ZP_SOURCE_DIR);
    if (!ctx || zp_model_load_file(ctx, path, 0, &m))
        die(ctx, path);
    if (!mkdtemp(tmp))
        die(NULL, "mkdtemp");
    bench_day(ctx, m, tmp);
    fflush(stdout);
    bench_year(ctx, m, tmp);
    fflush(stdout);
    bench_year_demand(ctx, m, tmp);
    rmdir(tmp);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return 0;
}
