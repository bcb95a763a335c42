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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "util.h"
#include "zeropark/forecast.h"

const char cmd_forecast_usage[] =
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

/* One forecast: what the options ask for and what is made of them. */
typedef struct forecast_job {
    const char *at_s;              /* --at, NULL when not given */
    double horizon_h, stride_h, noise_pct;
    long seed;
    bool json, skill;
    zp_forecast_opts fo;           /* the methods */
    zp_model *m;                   /* what is made */
    zp_sim_result *r;              /* the rule-dispatch run: the actuals */
    double *cs, *flex;             /* clear-sky PV, flexible demand as it arrives (kW) */
    const double *firm;            /* firm demand (kW, in r) */
    const double *flexv[1];        /* in.flex_kw: flex */
    zp_forecast_inputs in;
    size_t at, horizon;            /* steps */
    zp_forecast_out f;             /* the forecast from at */
    zp_forecast_skill_report *sk;  /* --skill */
} forecast_job;

/* --pv, --load, --wind METHOD (clearsky is for PV only). */
static int parse_method(const cli_cmd *cmd, const cli_opt *o, const char *text)
{
    zp_forecast_method *out = o->dst;
    bool pv = strcmp(o->name, "pv") == 0;
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_USAGE;
    bool ok = zp_forecast_method_parse(ctx, text, out) == ZP_OK;
    zp_ctx_free(ctx);
    if (ok && !pv && *out == ZP_FORECAST_CLEARSKY)
        ok = false;
    if (!ok)
        return cli_usage_error(cmd, "--%s '%s': use %s", o->name, text,
                               pv ? "clearsky, noisy, persistence, similar-day or perfect"
                                  : "similar-day, persistence, noisy or perfect");
    return EXIT_OK;
}

/* The actuals from a rule-dispatch simulation: PV and wind available,
 * firm demand, and the flexible demand as it arrives (all loads plus
 * data-center facility power, less the firm part); --at checked. */
static int actuals(const cli_cmd *cmd, zp_ctx *ctx, forecast_job *j)
{
    const zp_model *m = j->m;
    zp_time_t at_t = 0;
    int ex;
    if ((ex = cli_time_opt(cmd, "--at", j->at_s, m->utc_offset_min, &at_t)))
        return ex;
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.dispatch = ZP_DISPATCH_RULE;
    zp_status rc = zp_simulate(ctx, m, &so, &j->r);
    if (rc)
        return cli_fail("forecast", ctx, rc);
    const zp_sim_result *r = j->r;
    const size_t n = r->steps;
    const int32_t step_s = r->step_s;
    if (j->at_s) {
        if (at_t < r->start || at_t >= r->start + (zp_time_t)n * step_s ||
            (at_t - r->start) % step_s != 0) {
            char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
            return cli_usage_error(cmd,
                                   "--at '%s': give a step start inside the model period %s .. %s "
                                   "(every %d min)", j->at_s,
                                   zp_time_format(r->start, m->utc_offset_min, a),
                                   zp_time_format(r->start + (zp_time_t)n * step_s, m->utc_offset_min, b),
                                   (int)(step_s / 60));
        }
        j->at = (size_t)((at_t - r->start) / step_s);
    }
    j->horizon = (size_t)llround(j->horizon_h * 3600.0 / step_s);
    if (j->horizon < 1)
        j->horizon = 1;
    const double *firm = column(r, "firm_demand_kw"), *fac = column(r, "datacenter.facility_kw");
    if (!(j->cs = calloc(n, sizeof *j->cs)) || !(j->flex = calloc(n, sizeof *j->flex)) || !firm) {
        cli_err("forecast", "out of memory");
        return EXIT_INTERNAL;
    }
    for (size_t t = 0; t < n; t++) {
        double tot = fac ? fac[t] : 0.0;
        for (size_t i = 0; i < m->nloads; i++)
            tot += r->load_kw[i][t];
        j->flex[t] = tot > firm[t] ? tot - firm[t] : 0.0;
    }
    if ((rc = zp_forecast_clearsky_pv(ctx, m, r->start, step_s, n, j->cs)))
        return cli_fail("forecast", ctx, rc);
    j->firm = firm;
    j->flexv[0] = j->flex;
    j->in = (zp_forecast_inputs){n, step_s, m->npv ? r->pv_kw : NULL, j->cs,
                                 m->nwind ? r->wind_kw : NULL, firm, j->flexv, 1};
    return EXIT_OK;
}

/* The forecast from --at and the --skill report. */
static int forecasts(zp_ctx *ctx, forecast_job *j)
{
    const size_t n = j->in.steps;
    zp_status rc;
    if (j->at_s) {
        size_t h = j->horizon < n - j->at ? j->horizon : n - j->at;
        if ((rc = zp_forecast_make(ctx, &j->in, &j->fo, j->at, h, &j->f)))
            return cli_fail("forecast", ctx, rc);
    }
    if (j->skill) {
        size_t stride = j->stride_h > 0 ? (size_t)llround(j->stride_h * 3600.0 / j->in.step_s) : 1;
        if (stride < 1)
            stride = 1;
        if ((rc = zp_forecast_skill(ctx, &j->in, &j->fo, j->horizon, stride, &j->sk)))
            return cli_fail("forecast", ctx, rc);
    }
    return EXIT_OK;
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

static void print_json(const forecast_job *j)
{
    const zp_model *m = j->m;
    const zp_sim_result *r = j->r;
    const zp_forecast_out *f = &j->f;
    const int32_t step_s = r->step_s;
    char tb[ZP_TIME_BUFSIZE];
    json_t *doc = json_object();
    json_object_set_new(doc, "model", json_string(m->name));
    json_object_set_new(doc, "step_min", json_integer(step_s / 60));
    json_t *meth = json_pack("{s:s, s:s, s:s}", "pv", zp_forecast_method_name(j->fo.pv), "wind",
                             zp_forecast_method_name(j->fo.wind), "load",
                             zp_forecast_method_name(j->fo.load));
    json_object_set_new(doc, "methods", meth);
    json_object_set_new(doc, "noise_pct", json_real(j->noise_pct));
    json_object_set_new(doc, "seed", json_integer(j->seed));
    if (j->at_s) {
        json_object_set_new(doc, "at", json_string(zp_time_format(r->start + (zp_time_t)j->at * step_s,
                                                                  m->utc_offset_min, tb)));
        json_object_set_new(doc, "horizon_steps", json_integer((json_int_t)f->horizon));
        json_object_set_new(doc, "clearsky_index", num_or_null(f->csi));
        json_t *steps = json_array();
        for (size_t k = 0; k < f->horizon; k++) {
            double load = f->firm_kw[k] + f->flex_kw[0][k];
            json_t *o = json_object();
            json_object_set_new(o, "time", json_string(zp_time_format(
                                               r->start + (zp_time_t)(j->at + k) * step_s,
                                               m->utc_offset_min, tb)));
            json_object_set_new(o, "pv_kw", json_real(r4(f->pv_kw[k])));
            json_object_set_new(o, "wind_kw", json_real(r4(f->wind_kw[k])));
            json_object_set_new(o, "load_kw", json_real(r4(load)));
            json_object_set_new(o, "firm_kw", json_real(r4(f->firm_kw[k])));
            json_object_set_new(o, "flexible_kw", json_real(r4(f->flex_kw[0][k])));
            json_array_append_new(steps, o);
        }
        json_object_set_new(doc, "steps", steps);
    }
    if (j->sk)
        json_object_set_new(doc, "skill", skill_json(j->sk));
    cli_print_json(doc);
    json_decref(doc);
}

static void print_text(const forecast_job *j, const char *path)
{
    const zp_model *m = j->m;
    const zp_sim_result *r = j->r;
    const zp_forecast_out *f = &j->f;
    const zp_forecast_opts *fo = &j->fo;
    const int32_t step_s = r->step_s;
    char tb[ZP_TIME_BUFSIZE];
    printf("%s  (%s)\n", m->name, path);
    printf("methods: PV %s, wind %s, load %s", zp_forecast_method_name(fo->pv),
           zp_forecast_method_name(fo->wind), zp_forecast_method_name(fo->load));
    if (fo->pv == ZP_FORECAST_NOISY || fo->wind == ZP_FORECAST_NOISY || fo->load == ZP_FORECAST_NOISY)
        printf(" (noise %s %%, seed %ld)", CLI_NUM(j->noise_pct, CLI_NUM_AUTO), j->seed);
    printf("\n");
    if (j->at_s) {
        printf("from %s, %zu steps of %d min", zp_time_format(r->start + (zp_time_t)j->at * step_s,
                                                           m->utc_offset_min, tb),
               f->horizon, (int)(step_s / 60));
        if (isfinite(f->csi))
            printf(", clear-sky index %s", CLI_NUM(f->csi, 3));
        printf("\n\n  %-25s %12s %12s %12s   %12s %12s %12s\n", "time", "pv_kw", "wind_kw",
               "load_kw", "actual pv", "actual wind", "actual load");
        for (size_t k = 0; k < f->horizon; k++) {
            size_t t = j->at + k;
            double aload = j->firm[t] + j->flex[t];
            printf("  %-25s %12s %12s %12s   %12s %12s %12s\n",
                   zp_time_format(r->start + (zp_time_t)t * step_s, m->utc_offset_min, tb),
                   CLI_NUM(f->pv_kw[k], 1), CLI_NUM(f->wind_kw[k], 1),
                   CLI_NUM(f->firm_kw[k] + f->flex_kw[0][k], 1),
                   CLI_NUM(j->in.pv_kw ? j->in.pv_kw[t] : 0.0, 1),
                   CLI_NUM(j->in.wind_kw ? j->in.wind_kw[t] : 0.0, 1), CLI_NUM(aload, 1));
        }
    }
    if (j->sk)
        skill_text(j->sk, step_s);
}

int cmd_forecast_run(const cli_cmd *cmd, int argc, char **argv)
{
    forecast_job j = {.horizon_h = 48, .noise_pct = 20, .seed = 1};
    zp_forecast_opts_init(&j.fo);
    zp_forecast_out_init(&j.f);
    cli_opt opts[] = {CLI_TEXT("at", &j.at_s),
                      CLI_DOUBLE("horizon-h", &j.horizon_h, 1e-9, 8784, ": give hours, 0 < H <= 8784"),
                      CLI_CALL("pv", parse_method, &j.fo.pv),
                      CLI_CALL("load", parse_method, &j.fo.load),
                      CLI_CALL("wind", parse_method, &j.fo.wind),
                      CLI_DOUBLE("noise-pct", &j.noise_pct, 0, 1000, ": give a percentage 0..1000"),
                      CLI_LONG("seed", &j.seed, 0, 0x7fffffffL, ": give a whole number >= 0"),
                      CLI_FLAG("skill", &j.skill),
                      CLI_DOUBLE("stride-h", &j.stride_h, 1e-9, 8784, ": give hours, > 0"),
                      CLI_FLAG("json", &j.json),
                      CLI_END};
    int ex;
    if (!cli_opts_parse(cmd, opts, argc, argv, &ex))
        return ex;
    if ((ex = cli_one_operand(cmd, argc, "MODEL")))
        return ex;
    if (!j.at_s && !j.skill)
        return cli_usage_error(cmd, "give --at TIME (the forecast origin), --skill, or both");
    const char *path = argv[optind];
    j.fo.noise.sigma = j.noise_pct / 100.0;
    j.fo.noise.seed = (uint64_t)j.seed;

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    zp_status rc = zp_model_load_file(ctx, path, 0, &j.m);
    if (rc)
        ex = cli_fail("forecast", ctx, rc);
    else if (!(ex = actuals(cmd, ctx, &j)) && !(ex = forecasts(ctx, &j))) {
        if (j.json)
            print_json(&j);
        else
            print_text(&j, path);
    }
    zp_forecast_skill_free(ctx, j.sk);
    zp_forecast_out_release(ctx, &j.f);
    free(j.cs);
    free(j.flex);
    zp_sim_result_free(ctx, j.r);
    zp_model_free(ctx, j.m);
    zp_ctx_free(ctx);
    return ex;
}
