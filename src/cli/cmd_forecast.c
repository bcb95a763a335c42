/*
 * cmd_forecast.c - `zeropark forecast MODEL --at TIME`: the PV, wind and
 * load forecast the rolling-horizon dispatch sees from one instant, and
 * with --skill how good each forecast method is over the model's period.
 *
 * The actuals come from a rule-dispatch simulation of the model (available
 * PV and wind, firm and flexible demand as they arrive); the forecasts are
 * libzeropark's (zeropark/forecast.h, docs/methodology.md "Forecasts").
 */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "zeropark/forecast.h"

static const char usage_text[] =
    "usage: zeropark forecast MODEL --at TIME [options]\n"
    "       zeropark forecast MODEL --skill [options]\n"
    "\n"
    "Forecast PV, wind and load from TIME (values before TIME are known) for\n"
    "the next hours, as the rolling-horizon dispatch sees them. The actual\n"
    "series are the model's own (weather -> PV and wind, loads, data center).\n"
    "\n"
    "Options:\n"
    "  --at TIME             forecast origin, on the model's step grid\n"
    "  --horizon-h H         hours ahead (default 48; ends with the model period)\n"
    "  --pv METHOD           clearsky (default), noisy, persistence, similar-day,\n"
    "                        perfect\n"
    "  --load METHOD         similar-day (default), persistence, noisy, perfect\n"
    "  --wind METHOD         persistence (default), noisy, similar-day, perfect\n"
    "  --noise-pct P         size of the noisy forecasts' error: its standard\n"
    "                        deviation at long lead, percent (default 20)\n"
    "  --seed N              seed of the noisy forecasts (default 1)\n"
    "  --skill               also report MAE, RMSE and skill versus persistence of\n"
    "                        every method over the period, a forecast of the\n"
    "                        horizon from every step (or every --stride-h hours)\n"
    "  --stride-h H          hours between skill origins (default: one step)\n"
    "  --json                print JSON (stable keys, docs/cli.md)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Methods are described in docs/methodology.md, section \"Forecasts\".\n"
    "\n"
    "Exit status: 0 ok, 2 bad model or options, 3 internal error.\n";

static int run(int argc, char **argv);
const cli_cmd cmd_forecast = {"forecast", "forecast PV, wind and load; forecast skill", usage_text,
                              run};

/* Round to a tenth of a watt so the JSON does not carry float noise. */
static double r4(double v) { return round(v * 1e4) / 1e4; }

static json_t *num_or_null(double v) { return isfinite(v) ? json_real(r4(v)) : json_null(); }

static const double *column(const zp_sim_result *r, const char *name)
{
    size_t n = zp_sim_column_count(r);
    for (size_t i = 0; i < n; i++)
        if (strcmp(zp_sim_column_name(r, i), name) == 0)
            return zp_sim_column(r, i);
    return NULL;
}

static bool parse_method(const char *opt, const char *text, bool pv, zp_forecast_method *out)
{
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return false;
    bool ok = zp_forecast_method_parse(ctx, text, out) == ZP_OK;
    zp_ctx_free(ctx);
    if (ok && !pv && *out == ZP_FORECAST_CLEARSKY)
        ok = false;
    if (!ok)
        cli_usage_error(&cmd_forecast, "%s '%s': use %s", opt, text,
                        pv ? "clearsky, noisy, persistence, similar-day or perfect"
                           : "similar-day, persistence, noisy or perfect");
    return ok;
}

static json_t *skill_json(const zp_forecast_skill_report *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < s->nentries; i++) {
        const zp_forecast_skill_entry *e = &s->entries[i];
        json_t *o = json_object();
        json_object_set_new(o, "quantity", json_string(e->quantity));
        json_object_set_new(o, "method", json_string(zp_forecast_method_name(e->method)));
        json_object_set_new(o, "mae_kw", num_or_null(e->mae_kw));
        json_object_set_new(o, "rmse_kw", num_or_null(e->rmse_kw));
        json_object_set_new(o, "bias_kw", num_or_null(e->bias_kw));
        json_object_set_new(o, "skill_vs_persistence", num_or_null(e->skill));
        json_object_set_new(o, "rmse_last_lead_kw", num_or_null(e->rmse_by_lead_kw[s->horizon - 1]));
        json_object_set_new(o, "skill_last_lead", num_or_null(e->skill_by_lead[s->horizon - 1]));
        json_array_append_new(arr, o);
    }
    return json_pack("{s:I, s:I, s:I, s:o}", "horizon_steps", (json_int_t)s->horizon,
                     "stride_steps", (json_int_t)s->stride, "origins", (json_int_t)s->origins,
                     "entries", arr);
}

static void skill_text(const zp_forecast_skill_report *s, int32_t step_s)
{
    printf("\nforecast skill over the period: horizon %zu steps (%s h), %zu origins every "
           "%zu step(s)\n", s->horizon, CLI_NUM((double)s->horizon * step_s / 3600.0, CLI_NUM_AUTO), s->origins,
           s->stride);
    printf("skill = 1 - RMSE / RMSE of persistence (same quantity, same origins)\n\n");
    printf("  %-6s %-12s %12s %12s %10s   %18s %10s\n", "", "method", "MAE kW", "RMSE kW",
           "skill", "RMSE at last lead", "skill");
    for (size_t i = 0; i < s->nentries; i++) {
        const zp_forecast_skill_entry *e = &s->entries[i];
        printf("  %-6s %-12s %12s %12s %10s   %18s %10s\n", e->quantity,
               zp_forecast_method_name(e->method), CLI_NUM(e->mae_kw, 1), CLI_NUM(e->rmse_kw, 1),
               CLI_NUM(e->skill, 3), CLI_NUM(e->rmse_by_lead_kw[s->horizon - 1], 1),
               CLI_NUM(e->skill_by_lead[s->horizon - 1], 3));
    }
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"at", required_argument, NULL, 'a'},        {"horizon-h", required_argument, NULL, 'H'},
        {"pv", required_argument, NULL, 'p'},        {"load", required_argument, NULL, 'l'},
        {"wind", required_argument, NULL, 'w'},      {"noise-pct", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},      {"skill", no_argument, NULL, 'k'},
        {"stride-h", required_argument, NULL, 'S'},  {"json", no_argument, NULL, 'j'},
        {0, 0, 0, 0}};
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    const char *at_s = NULL;
    double horizon_h = 48, stride_h = 0, noise_pct = 20;
    long seed = 1;
    bool json = false, skill = false;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'a': at_s = optarg; break;
        case 'H':
            if (!cli_parse_double(optarg, 1e-9, 8784, &horizon_h))
                return cli_usage_error(&cmd_forecast, "--horizon-h '%s': give hours, 0 < H <= 8784", optarg);
            break;
        case 'S':
            if (!cli_parse_double(optarg, 1e-9, 8784, &stride_h))
                return cli_usage_error(&cmd_forecast, "--stride-h '%s': give hours, > 0", optarg);
            break;
        case 'p':
            if (!parse_method("--pv", optarg, true, &fo.pv))
                return EXIT_USAGE;
            break;
        case 'l':
            if (!parse_method("--load", optarg, false, &fo.load))
                return EXIT_USAGE;
            break;
        case 'w':
            if (!parse_method("--wind", optarg, false, &fo.wind))
                return EXIT_USAGE;
            break;
        case 'n':
            if (!cli_parse_double(optarg, 0, 1000, &noise_pct))
                return cli_usage_error(&cmd_forecast, "--noise-pct '%s': give a percentage 0..1000", optarg);
            break;
        case 's':
            if (!cli_parse_long(optarg, 0, 0x7fffffffL, &seed))
                return cli_usage_error(&cmd_forecast, "--seed '%s': give a whole number >= 0", optarg);
            break;
        case 'k': skill = true; break;
        case 'j': json = true; break;
        default:
            return cli_usage_error(&cmd_forecast, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(&cmd_forecast, optind >= argc ? "missing MODEL" : "expected one MODEL");
    if (!at_s && !skill)
        return cli_usage_error(&cmd_forecast, "give --at TIME (the forecast origin), --skill, or both");
    const char *path = argv[optind];
    fo.noise.sigma = noise_pct / 100.0;
    fo.noise.seed = (uint64_t)seed;

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    zp_model *m = NULL;
    zp_sim_result *r = NULL;
    zp_forecast_skill_report *sk = NULL;
    zp_forecast_out f;
    zp_forecast_out_init(&f);
    double *cs = NULL, *flex = NULL;
    json_t *doc = NULL;
    int exit_code = EXIT_OK;
    zp_status rc = zp_model_load_file(ctx, path, 0, &m);
    if (rc) {
        exit_code = cli_fail("forecast", ctx, rc);
        goto out;
    }
    zp_time_t at_t = 0;
    if (at_s && !cli_parse_time(at_s, m->utc_offset_min, &at_t)) {
        exit_code = cli_usage_error(&cmd_forecast, "--at '%s': not an ISO-8601 time", at_s);
        goto out;
    }
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.dispatch = ZP_DISPATCH_RULE;
    if ((rc = zp_simulate(ctx, m, &so, &r))) {
        exit_code = cli_fail("forecast", ctx, rc);
        goto out;
    }
    const size_t n = r->steps;
    const int32_t step_s = r->step_s;
    size_t at = 0;
    if (at_s) {
        if (at_t < r->start || at_t >= r->start + (zp_time_t)n * step_s ||
            (at_t - r->start) % step_s != 0) {
            char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
            exit_code = cli_usage_error(&cmd_forecast,
                                        "--at '%s': give a step start inside the model period %s .. %s "
                                        "(every %d min)", at_s,
                                        zp_time_format(r->start, m->utc_offset_min, a),
                                        zp_time_format(r->start + (zp_time_t)n * step_s, m->utc_offset_min, b),
                                        (int)(step_s / 60));
            goto out;
        }
        at = (size_t)((at_t - r->start) / step_s);
    }
    size_t horizon = (size_t)llround(horizon_h * 3600.0 / step_s);
    if (horizon < 1)
        horizon = 1;

    /* The actuals: PV and wind available, firm demand, and the flexible
     * demand as it arrives (all loads plus data-center facility power,
     * less the firm part). */
    const double *firm = column(r, "firm_demand_kw"), *fac = column(r, "datacenter.facility_kw");
    if (!(cs = calloc(n, sizeof *cs)) || !(flex = calloc(n, sizeof *flex)) || !firm) {
        exit_code = EXIT_INTERNAL;
        cli_err("forecast", "out of memory");
        goto out;
    }
    for (size_t t = 0; t < n; t++) {
        double tot = fac ? fac[t] : 0.0;
        for (size_t i = 0; i < m->nloads; i++)
            tot += r->load_kw[i][t];
        flex[t] = tot > firm[t] ? tot - firm[t] : 0.0;
    }
    if ((rc = zp_forecast_clearsky_pv(ctx, m, r->start, step_s, n, cs))) {
        exit_code = cli_fail("forecast", ctx, rc);
        goto out;
    }
    const double *flexv[] = {flex};
    zp_forecast_inputs in = {n, step_s, m->npv ? r->pv_kw : NULL, cs,
                             m->nwind ? r->wind_kw : NULL, firm, flexv, 1};

    if (at_s) {
        size_t h = horizon < n - at ? horizon : n - at;
        if ((rc = zp_forecast_make(ctx, &in, &fo, at, h, &f))) {
            exit_code = cli_fail("forecast", ctx, rc);
            goto out;
        }
    }
    if (skill) {
        size_t stride = stride_h > 0 ? (size_t)llround(stride_h * 3600.0 / step_s) : 1;
        if (stride < 1)
            stride = 1;
        if ((rc = zp_forecast_skill(ctx, &in, &fo, horizon, stride, &sk))) {
            exit_code = cli_fail("forecast", ctx, rc);
            goto out;
        }
    }

    char tb[ZP_TIME_BUFSIZE];
    if (json) {
        doc = json_object();
        json_object_set_new(doc, "model", json_string(m->name));
        json_object_set_new(doc, "step_min", json_integer(step_s / 60));
        json_t *meth = json_pack("{s:s, s:s, s:s}", "pv", zp_forecast_method_name(fo.pv), "wind",
                                 zp_forecast_method_name(fo.wind), "load",
                                 zp_forecast_method_name(fo.load));
        json_object_set_new(doc, "methods", meth);
        json_object_set_new(doc, "noise_pct", json_real(noise_pct));
        json_object_set_new(doc, "seed", json_integer(seed));
        if (at_s) {
            json_object_set_new(doc, "at", json_string(zp_time_format(r->start + (zp_time_t)at * step_s,
                                                                      m->utc_offset_min, tb)));
            json_object_set_new(doc, "horizon_steps", json_integer((json_int_t)f.horizon));
            json_object_set_new(doc, "clearsky_index", num_or_null(f.csi));
            json_t *steps = json_array();
            for (size_t k = 0; k < f.horizon; k++) {
                double load = f.firm_kw[k] + f.flex_kw[0][k];
                json_t *o = json_object();
                json_object_set_new(o, "time", json_string(zp_time_format(
                                                   r->start + (zp_time_t)(at + k) * step_s,
                                                   m->utc_offset_min, tb)));
                json_object_set_new(o, "pv_kw", json_real(r4(f.pv_kw[k])));
                json_object_set_new(o, "wind_kw", json_real(r4(f.wind_kw[k])));
                json_object_set_new(o, "load_kw", json_real(r4(load)));
                json_object_set_new(o, "firm_kw", json_real(r4(f.firm_kw[k])));
                json_object_set_new(o, "flexible_kw", json_real(r4(f.flex_kw[0][k])));
                json_array_append_new(steps, o);
            }
            json_object_set_new(doc, "steps", steps);
        }
        if (sk)
            json_object_set_new(doc, "skill", skill_json(sk));
        cli_print_json(doc);
    } else {
        printf("%s  (%s)\n", m->name, path);
        printf("methods: PV %s, wind %s, load %s", zp_forecast_method_name(fo.pv),
               zp_forecast_method_name(fo.wind), zp_forecast_method_name(fo.load));
        if (fo.pv == ZP_FORECAST_NOISY || fo.wind == ZP_FORECAST_NOISY || fo.load == ZP_FORECAST_NOISY)
            printf(" (noise %s %%, seed %ld)", CLI_NUM(noise_pct, CLI_NUM_AUTO), seed);
        printf("\n");
        if (at_s) {
            printf("from %s, %zu steps of %d min", zp_time_format(r->start + (zp_time_t)at * step_s,
                                                               m->utc_offset_min, tb),
                   f.horizon, (int)(step_s / 60));
            if (isfinite(f.csi))
                printf(", clear-sky index %s", CLI_NUM(f.csi, 3));
            printf("\n\n  %-25s %12s %12s %12s   %12s %12s %12s\n", "time", "pv_kw", "wind_kw",
                   "load_kw", "actual pv", "actual wind", "actual load");
            for (size_t k = 0; k < f.horizon; k++) {
                size_t j = at + k;
                double aload = firm[j] + flex[j];
                printf("  %-25s %12s %12s %12s   %12s %12s %12s\n",
                       zp_time_format(r->start + (zp_time_t)j * step_s, m->utc_offset_min, tb),
                       CLI_NUM(f.pv_kw[k], 1), CLI_NUM(f.wind_kw[k], 1),
                       CLI_NUM(f.firm_kw[k] + f.flex_kw[0][k], 1),
                       CLI_NUM(in.pv_kw ? in.pv_kw[j] : 0.0, 1), CLI_NUM(in.wind_kw ? in.wind_kw[j] : 0.0, 1),
                       CLI_NUM(aload, 1));
            }
        }
        if (sk)
            skill_text(sk, step_s);
    }
out:
    json_decref(doc);
    zp_forecast_skill_free(ctx, sk);
    zp_forecast_out_release(ctx, &f);
    free(cs);
    free(flex);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return exit_code;
}
