/*
 * cmd_plan_curve.c - `zeropark plan MODEL --curve TARGET FROM TO STEPS`:
 * the abatement curve (docs/planning.md "Curve"): the plan for a series of
 * target values, as text, JSON (--json), CSV (--csv FILE) and a bilingual
 * HTML page (--html FILE, --lang).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "outfile.h"
#include "util.h"

static int write_text(const char *path, const char *text)
{
    cli_outfile o;
    int ex = cli_outfile_open(&o, "plan", path);
    if (ex == EXIT_OK) {
        fputs(text, o.f);
        ex = cli_outfile_commit(&o, "plan", false);
    }
    return ex;
}

static void print_point(const zp_planning_curve *c, const zp_planning_curve_point *p)
{
    if (isnan(p->target))
        printf("  %-14s", "unconstrained");
    else
        printf("  %-14s", CLI_NUM(p->target, CLI_NUM_AUTO));
    if (p->status != ZP_PLANNING_OPTIMAL) {
        printf(" %s: best reachable %s %s\n", p->status == ZP_PLANNING_INFEASIBLE ? "infeasible"
                                                                                  : "no plan",
               CLI_NUM(p->best_reachable, CLI_NUM_AUTO), c->target_unit);
        return;
    }
    printf(" %16s %12s %12s %10s %14s %14s%s\n", CLI_NUM(p->annual_cny.total, 0),
           CLI_NUM(p->emissions_t, 1), CLI_NUM(p->value, 4), CLI_NUM(p->green_share_pct, 2),
           CLI_NUM(p->shadow_price, 2), CLI_NUM(p->avg_abatement_cost_cny_per_t, 2),
           p->pareto ? "  *" : "");
}

int cmd_plan_curve_run(const cli_cmd *cmd, int argc, char **argv, const char *target,
                       const zp_planning_opts *po, bool json, const char *csv, const char *html,
                       int lang)
{
    if (argc - optind != 4)
        return cli_usage_error(cmd, "--curve takes TARGET FROM TO STEPS after MODEL (got %d "
                               "operands: MODEL FROM TO STEPS)", argc - optind);
    double from, to, steps;
    if (!cli_parse_double(argv[optind + 1], -1e300, 1e300, &from))
        return cli_usage_error(cmd, "--curve %s FROM '%s': a number", target, argv[optind + 1]);
    if (!cli_parse_double(argv[optind + 2], -1e300, 1e300, &to))
        return cli_usage_error(cmd, "--curve %s TO '%s': a number", target, argv[optind + 2]);
    if (!cli_parse_double(argv[optind + 3], 1, 1000, &steps) || steps != floor(steps))
        return cli_usage_error(cmd, "--curve %s STEPS '%s': a whole number of points, 1..1000",
                               target, argv[optind + 3]);
    zp_ctx *ctx = cli_ctx_new("plan");
    if (!ctx)
        return EXIT_INTERNAL;
    zp_model *m = NULL;
    zp_planning_curve *c = NULL;
    char *text = NULL;
    zp_status rc;
    int ex;
    if ((ex = cli_model_load("plan", ctx, argv[optind], 0, &m)))
        goto out;
    if ((rc = zp_planning_curve_solve(ctx, m, po, target, from, to, (size_t)steps, &c))) {
        ex = cli_fail("plan", ctx, rc);
        goto out;
    }
    if (csv) {
        if ((rc = zp_planning_curve_csv(ctx, c, &text))) {
            ex = cli_fail("plan", ctx, rc);
            goto out;
        }
        if ((ex = write_text(csv, text)))
            goto out;
        zp_sim_text_free(ctx, text);
        text = NULL;
    }
    if (html) {
        zp_report_opts ro;
        zp_report_opts_init(&ro);
        ro.lang = (zp_report_lang)lang;
        size_t len = 0;
        if ((rc = zp_report_curve_html(ctx, c, &ro, &text, &len))) {
            ex = cli_fail("plan", ctx, rc);
            goto out;
        }
        if ((ex = write_text(html, text)))
            goto out;
        zp_sim_text_free(ctx, text);
        text = NULL;
    }
    if (json) {
        rc = zp_planning_curve_json(ctx, c, 2, &text);
        ex = cli_put_text("plan", ctx, rc, text, zp_sim_text_free);
        text = NULL;
        if (ex)
            goto out;
    } else {
        printf("%s: abatement curve of %s (%s), %zu points, %s s\n", m->name, c->target,
               c->target_unit, c->npoints, CLI_NUM(c->seconds, 2));
        printf("  %-14s %16s %12s %12s %10s %14s %14s\n", "target", "total CNY/yr", "emis t",
               "value", "green %", c->shadow_unit, "avg CNY/t");
        print_point(c, &c->base);
        for (size_t i = 0; i < c->npoints; i++)
            print_point(c, &c->points[i]);
        printf("  (* on the Pareto front of cost against the green share)\n");
    }
    ex = EXIT_OK;
out:
    zp_sim_text_free(ctx, text);
    zp_planning_curve_free(ctx, c);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return ex;
}
