/*
 * cmd_plan.c - `zeropark plan MODEL`: the least-cost capacities and
 * purchases that meet the model's targets (docs/planning.md), and the
 * model with them (--out-model); with --sweep FILE, a sweep of scenarios
 * (sweep.c, docs/sweep.md).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "outfile.h"
#include "sweep.h"
#include "util.h"

const char cmd_plan_usage[] =
    "usage: zeropark plan MODEL [options]\n"
    "       zeropark plan --sweep FILE [--jobs N] [--results FILE] [--csv FILE] [--json]\n"
    "\n"
    "Choose what to build and buy from the model's \"planning\" candidates (PV,\n"
    "wind, storage, green power, certificates, carbon credits) to meet its\n"
    "targets at the least annualised cost: one LP over the model's period with\n"
    "the capacities and the hourly operation together, every constraint of the\n"
    "optimal dispatch included (a MILP with CBC for minimum sizes and whole\n"
    "turbines). Reports the sizes, the annualised cost by part, the operation's\n"
    "bill, the targets with the shadow prices of those that bind, capex, NPV,\n"
    "payback and LCOE against the model as it is (docs/planning.md).\n"
    "\n"
    "Options:\n"
    "  --json                print the plan as JSON (docs/cli.md \"plan\")\n"
    "  --out-model FILE      write the model with the chosen capacities to FILE;\n"
    "                        simulate --dispatch optimal on it reproduces the plan\n"
    "  --export-mps FILE     also write the planning LP as a free-format MPS file\n"
    "  --discount-rate R     override planning.discount_rate (0..0.99)\n"
    "  --carbon-price P      plan with this carbon price (CNY/t; 0: cost only)\n"
    "  --max-emissions T     override targets.max_emissions_t (t over the period)\n"
    "  --min-green-share P   override targets.min_green_share_pct (%)\n"
    "  --time-limit S        give up after S seconds of solving\n"
    "  --curve TARGET FROM TO STEPS\n"
    "                        the abatement curve: plan for STEPS values of TARGET\n"
    "                        (max_emissions_t, max_t_co2_per_tce, min_green_share_pct,\n"
    "                        min_clean_energy_share_pct) from FROM to TO, and once\n"
    "                        without it; cost, emissions, build, shadow price and\n"
    "                        average abatement cost per point (docs/planning.md \"Curve\")\n"
    "  --csv FILE            with --curve: write the curve as CSV to FILE\n"
    "  --html FILE           with --curve: write the curve as an HTML page to FILE\n"
    "  --lang en|zh          with --html: the page's language (default en)\n"
    "  -h, --help            show this help\n"
    "\n" CLI_SWEEP_HELP
    "\n"
    "Exit status: 0 a plan, 1 a target no portfolio can meet (the message names\n"
    "it and the best value reachable) or the solver stopped (a sweep: some\n"
    "scenario failed, recorded in the results), 2 bad model, sweep file or\n"
    "options, 3 internal error.\n";

static int write_out_model(zp_ctx *ctx, const zp_planning_result *r, const char *model_path,
                           const char *out_path)
{
    char *json = NULL, *text = NULL;
    size_t len = 0;
    FILE *f = fopen(model_path, "rb");
    if (!f) {
        cli_err("plan", "cannot read %s: %s", model_path, strerror(errno));
        return EXIT_USAGE;
    }
    zp_status rc = zp_file_read_stream(ctx, f, model_path, ZP_MODEL_MAX_BYTES, "model", &json, &len);
    fclose(f);
    char *dcopy = rc ? NULL : strdup(out_path);
    if (!rc)
        rc = dcopy ? zp_planning_out_model(ctx, r, json, len, dirname(dcopy), &text) : ZP_ENOMEM;
    zp_free(ctx, json);
    free(dcopy);
    if (rc)
        return cli_fail("plan", ctx, rc);
    cli_outfile o;
    int ex = cli_outfile_open(&o, "plan", out_path);
    if (ex == EXIT_OK) {
        fputs(text, o.f);
        fputc('\n', o.f);
        ex = cli_outfile_commit(&o, "plan", false);
    }
    zp_sim_text_free(ctx, text);
    return ex;
}

static int parse_lang(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    zp_report_lang l;
    if (zp_report_lang_parse(value, &l) != ZP_OK)
        return cli_usage_error(cmd, "--lang '%s': use en or zh", value);
    *(int *)o->dst = (int)l;
    return EXIT_OK;
}

static void print_text(const zp_planning_result *r)
{
    printf("%s: plan %s (%s, %zu rows x %zu cols, %s s)\n", r->model->name, r->status_text,
           r->integer ? "MILP" : "LP", r->rows, r->cols, CLI_NUM(r->seconds, 2));
    printf("build:\n");
    for (size_t i = 0; i < r->nbuild; i++)
        printf("  %-36s %16s\n", r->build[i].key, CLI_NUM(r->build[i].value, CLI_NUM_AUTO));
    const zp_planning_annual *an = &r->annual_cny;
    printf("annualised cost (CNY/yr): capital %s, O&M %s, operation %s, certificates %s, "
           "credits %s, carbon price %s; total %s\n",
           CLI_NUM(an->capital, 0), CLI_NUM(an->om, 0), CLI_NUM(an->operation, 0),
           CLI_NUM(an->certificates, 0), CLI_NUM(an->credits, 0), CLI_NUM(an->carbon_price, 0),
           CLI_NUM(an->total, 0));
    printf("operation cost over the period: %s CNY; capex %s CNY\n",
           CLI_NUM(r->operation_cost_cny, 0), CLI_NUM(r->capex_cny, 0));
    printf("against the model as it is (%s CNY/yr): saving %s CNY/yr, NPV %s CNY, payback %s "
           "years, LCOE %s CNY/kWh\n",
           CLI_NUM(r->baseline_annual_cost_cny, 0), CLI_NUM(r->annual_saving_cny, 0),
           CLI_NUM(r->npv_cny, 0), CLI_NUM(r->simple_payback_years, 2),
           CLI_NUM(r->lcoe_cny_per_kwh, 4));
    for (size_t i = 0; i < r->ntargets; i++) {
        const zp_planning_target *t = &r->targets[i];
        printf("target %-22s limit %s, value %s: %s", t->name, CLI_NUM(t->limit, CLI_NUM_AUTO),
               CLI_NUM(t->value, CLI_NUM_AUTO), t->met ? "met" : "NOT met");
        if (t->binding)
            printf(" (binding: %s %s)", CLI_NUM(t->shadow_price, 2), t->shadow_unit);
        printf("\n");
    }
}

int cmd_plan_run(const cli_cmd *cmd, int argc, char **argv)
{
    if (cli_sweep_asked(argc, argv))
        return cli_sweep_run(cmd, argc, argv);
    zp_planning_opts po;
    zp_planning_opts_init(&po);
    const char *out_model = NULL, *curve = NULL, *csv = NULL, *html = NULL;
    int lang = 0;
    bool json = false;
    cli_opt opts[] = {CLI_FLAG("json", &json),
                      CLI_TEXT("out-model", &out_model),
                      CLI_TEXT("export-mps", &po.mps_path),
                      CLI_DOUBLE("discount-rate", &po.discount_rate, 0, 0.99, ": a fraction, e.g. 0.06"),
                      CLI_DOUBLE("carbon-price", &po.carbon_price_cny_per_t, 0, 1e6, ": CNY per t, >= 0"),
                      CLI_DOUBLE("max-emissions", &po.max_emissions_t, 0, 1e12, ": t over the period, >= 0"),
                      CLI_DOUBLE("min-green-share", &po.min_green_share_pct, 0, 100, ": a percentage 0..100"),
                      CLI_DOUBLE("time-limit", &po.time_limit_s, 0, 1e7, ": seconds, >= 0"),
                      CLI_TEXT("curve", &curve),
                      CLI_TEXT("csv", &csv),
                      CLI_TEXT("html", &html),
                      CLI_CALL("lang", parse_lang, &lang),
                      CLI_REFUSE("dispatch", ": the plan is always the optimal dispatch"),
                      CLI_END};
    int exit_code;
    if (!cli_opts_parse(cmd, opts, argc, argv, &exit_code))
        return exit_code;
    if (curve)
        return cmd_plan_curve_run(cmd, argc, argv, curve, &po, json, csv, html, lang);
    if (csv || html)
        return cli_usage_error(cmd, "%s goes with --curve", csv ? "--csv" : "--html");
    if ((exit_code = cli_one_operand(cmd, argc, "MODEL")))
        return exit_code;
    zp_ctx *ctx = cli_ctx_new("plan");
    if (!ctx)
        return EXIT_INTERNAL;
    zp_model *m = NULL;
    zp_planning_result *r = NULL;
    zp_status rc;
    const char *path = argv[optind];
    if ((exit_code = cli_model_load("plan", ctx, path, 0, &m)))
        goto out;
    if ((rc = zp_planning_solve(ctx, m, &po, &r))) {
        exit_code = cli_fail("plan", ctx, rc);
        goto out;
    }
    if (json) {
        char *text = NULL;
        rc = zp_planning_result_json(ctx, r, 2, &text);
        if ((exit_code = cli_put_text("plan", ctx, rc, text, zp_sim_text_free)))
            goto out;
    } else if (r->status == ZP_PLANNING_OPTIMAL) {
        print_text(r);
    }
    if (r->status != ZP_PLANNING_OPTIMAL) {
        cli_err("plan", "%s", r->status_text);
        exit_code = r->status == ZP_PLANNING_ERROR ? EXIT_INTERNAL : EXIT_CHECK;
        goto out;
    }
    if (out_model && (exit_code = write_out_model(ctx, r, path, out_model)) == EXIT_OK && !json)
        printf("model with the plan written to %s\n", out_model);
out:
    zp_planning_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return exit_code;
}
