/*
 * lp_testutil.h - what the LP tests share (test_lp.c, test_lp_demand.c):
 * a battery, a solve that must be optimal, the invariants of any plan,
 * and the exported MPS solved by independent solvers (GLPK's glpsol,
 * SciPy's HiGHS through tests/unit/lp_reference.py). Include after
 * cmocka.h, testutil.h and zeropark/dispatch.h; needs ZP_SOURCE_DIR and
 * ZP_BINARY_DIR.
 */
#ifndef ZP_LP_TESTUTIL_H
#define ZP_LP_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"


static zp_storage bess(double e_kwh, double p_kw, double eta_c, double eta_d, double soc_min,
                       double soc_max, double soc0)
{
    zp_storage s;
    memset(&s, 0, sizeof s);
    s.name = "bess";
    s.energy_kwh = e_kwh;
    s.power_kw = p_kw;
    s.charge_efficiency = eta_c;
    s.discharge_efficiency = eta_d;
    s.soc_min = soc_min;
    s.soc_max = soc_max;
    s.soc_initial = soc0;
    return s;
}

static zp_dispatch_result *solve_ok(zp_ctx *ctx, const zp_dispatch_input *in,
                                    const zp_lp_opts *o, zp_lp_info *info)
{
    zp_dispatch_result *r = NULL;
    zp_status rc = zp_dispatch_optimal(ctx, in, o, &r, info);
    if (rc != ZP_OK)
        print_error("zp_dispatch_optimal: %s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    assert_non_null(r);
    if (info->fell_back)
        print_error("fell back: %s\n", info->status_text);
    assert_int_equal(info->fell_back, 0);
    assert_int_equal(info->status, ZP_LP_OPTIMAL);
    assert_string_equal(r->method, "optimal");
    return r;
}

/* Invariants of any plan: balance, bounds, SOC dynamics and limits,
 * terminal SOC, flexible energy conserved within deadlines. */
static void check_plan(const zp_dispatch_input *in, const zp_lp_opts *o,
                       const zp_dispatch_result *r)
{
    const double dt = in->step_h;
    assert_int_equal(r->steps, in->steps);
    double flex_in = 0, flex_out = 0;
    for (size_t j = 0; j < in->nflex; j++)
        for (size_t t = 0; t < in->steps; t++)
            flex_in += (in->flex[j].share > 0 ? in->flex[j].share : 1.0) * in->flex[j].kw[t] * dt;
    double *e = calloc(in->nstorage + 1, sizeof *e);
    assert_non_null(e);
    int neg = 0;
    for (size_t t = 0; in->objective != ZP_MINIMISE_CARBON && in->import_price_cny_per_kwh &&
                       t < in->steps; t++)
        neg |= in->import_price_cny_per_kwh[t] < 0;
    for (size_t k = 0; k < in->nstorage; k++)
        e[k] = (in->soc_initial ? in->soc_initial[k] : in->storage[k].soc_initial) *
               in->storage[k].energy_kwh;
    for (size_t t = 0; t < in->steps; t++) {
        double pv = in->pv_kw ? in->pv_kw[t] : 0, wind = in->wind_kw ? in->wind_kw[t] : 0;
        double firm = in->firm_kw ? in->firm_kw[t] : 0;
        double ch = 0, dis = 0;
        for (size_t k = 0; k < in->nstorage; k++) {
            const zp_storage *s = &in->storage[k];
            double c = r->storage[k].charge_kw[t], d = r->storage[k].discharge_kw[t];
            assert_true(c >= 0 && c <= s->power_kw);
            assert_true(d >= 0 && d <= s->power_kw);
            /* With the epsilon cost, never both in one step; when some
             * import is paid for, both only within the power (pwr rows). */
            if (neg)
                assert_true(c + d <= s->power_kw * (1 + 1e-9));
            else
                assert_true(fmin(c, d) <= 1e-9);
            e[k] += (s->charge_efficiency * c - d / s->discharge_efficiency) * dt;
            assert_near(r->storage[k].soc[t] * s->energy_kwh, e[k], 1e-6);
            assert_true(r->storage[k].soc[t] >= s->soc_min - 1e-12);
            assert_true(r->storage[k].soc[t] <= s->soc_max + 1e-12);
            ch += c;
            dis += d;
        }
        assert_true(r->pv_used_kw[t] >= 0 && r->pv_used_kw[t] <= pv);
        assert_true(r->wind_used_kw[t] >= 0 && r->wind_used_kw[t] <= wind);
        assert_true(r->grid_import_kw[t] >= 0);
        double lim = o && o->import_limit_kw ? o->import_limit_kw[t] : in->import_limit_kw;
        assert_true(r->grid_import_kw[t] <= lim);
        assert_true(r->grid_export_kw[t] >= 0 && r->grid_export_kw[t] <= in->export_limit_kw);
        assert_true(r->unserved_kw[t] >= 0);
        assert_true(r->unserved_kw[t] <= firm + r->flex_served_kw[t] + 1e-9);
        double supply = r->pv_used_kw[t] + r->wind_used_kw[t] + dis + r->grid_import_kw[t] +
                        r->unserved_kw[t];
        double use = firm + r->flex_served_kw[t] + ch + r->grid_export_kw[t];
        assert_near(supply * dt, use * dt, 1e-6);
        assert_near(r->curtailed_kw[t], pv + wind - r->pv_used_kw[t] - r->wind_used_kw[t], 1e-9);
        flex_out += r->flex_served_kw[t] * dt;
    }
    /* Terminal SOC at least the initial one. */
    for (size_t k = 0; k < in->nstorage; k++)
        assert_true(r->storage[k].soc[in->steps - 1] >= r->storage[k].soc_start - 1e-9);
    /* Flexible energy conserved: all that arrived was released. */
    assert_near(flex_out, flex_in, 1e-6 * (1 + flex_in));
    assert_near(r->flex_backlog_kwh[in->steps - 1], 0.0, 1e-6);
    free(e);
}

/* Objective from `lp_reference.py FILE` (SciPy HiGHS), NAN on failure. */
static double scipy_objective(const char *mps)
{
    char cmd[2048], line[512];
    snprintf(cmd, sizeof cmd, PYTHON " %s/tests/unit/lp_reference.py %s", ZP_SOURCE_DIR, mps);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NAN;
    double v = NAN;
    while (fgets(line, sizeof line, p))
        if (sscanf(line, "objective %lf", &v) == 1)
            break;
    pclose(p);
    return v;
}

/* Objective from glpsol's report, NAN on failure. */
static double glpk_objective(const char *mps)
{
    char cmd[2048], out[1024], line[512];
    snprintf(out, sizeof out, "%s.glpk.txt", mps);
    snprintf(cmd, sizeof cmd, "glpsol --freemps %s -o %s >/dev/null 2>&1", mps, out);
    if (system(cmd) != 0)
        return NAN;
    FILE *f = fopen(out, "r");
    if (!f)
        return NAN;
    double v = NAN;
    char status[64] = "";
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "Status: %63s", status);
        if (sscanf(line, "Objective: obj = %lf", &v) == 1)
            break;
    }
    fclose(f);
    remove(out);
    return strcmp(status, "OPTIMAL") == 0 ? v : NAN;
}

static void check_mps(zp_ctx *ctx, const zp_dispatch_input *in, const zp_lp_opts *o_in,
                      const char *tag, int scipy, int glpk)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/test_lp_%ld_%s.mps", ZP_BINARY_DIR, (long)getpid(), tag);
    zp_lp_opts o;
    if (o_in)
        o = *o_in;
    else
        zp_lp_opts_init(&o);
    o.mps_path = path;
    zp_lp_info info;
    zp_dispatch_result *r = solve_ok(ctx, in, &o, &info);
    zp_dispatch_result_free(ctx, r);
    /* zp_dispatch_write_mps writes the same file. */
    char path2[1100];
    snprintf(path2, sizeof path2, "%s.2", path);
    assert_int_equal(zp_dispatch_write_mps(ctx, in, o_in, path2), ZP_OK);
    char cmd[2300];
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", path, path2);
    assert_int_equal(system(cmd), 0);
    remove(path2);

    double tol = 1e-6 * fmax(1.0, fabs(info.objective));
    if (scipy) {
        double v = scipy_objective(path);
        print_message("  %-10s zeropark %.12g  scipy-highs %.12g\n", tag, info.objective, v);
        assert_false(isnan(v));
        assert_near(v, info.objective, tol);
    }
    if (glpk) {
        double v = glpk_objective(path);
        print_message("  %-10s zeropark %.12g  glpsol      %.12g\n", tag, info.objective, v);
        assert_false(isnan(v));
        assert_near(v, info.objective, tol);
    }
    remove(path);
}

#endif
