/*
 * cmd_optimize.c - `zeropark optimize MODEL --at TIME`: one dispatch plan
 * over the next hours, as the live controller uses it.
 */
#define _DEFAULT_SOURCE
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "simopts.h"
#include "util.h"

const char cmd_optimize_usage[] =
    "usage: zeropark optimize MODEL --at TIME [options]\n"
    "\n"
    "Make one plan: forecast PV, wind and demand from what is known before TIME,\n"
    "then solve the dispatch LP over the horizon (docs/methodology.md). Prints\n"
    "per-step setpoints for every asset: battery power (positive discharges) and\n"
    "state of charge, grid import and export, PV and wind used, flexible load\n"
    "served, with the forecasts they rest on.\n"
    "\n"
    "Options:\n"
    "  --at TIME             first step of the plan (ISO-8601; a step of the model period)\n"
    "  --horizon-h H         hours ahead (default 24)\n"
    "  --step-min N          plan at N-minute steps (default: the model's)\n"
    "  --soc F[,F...]        state of charge of each battery now, fractions\n"
    "                        (default: each battery's soc_initial)\n"
    "  --peak-so-far KW      the highest grid import (kW, step mean) of the\n"
    "                        calendar month --at falls in, up to now: with a\n"
    "                        demand charge it is paid already, so importing up\n"
    "                        to it again costs nothing (default 0)\n"
    "  --pv-forecast M, --load-forecast M, --wind-forecast M, --noise-pct P, --seed N\n"
    "                        forecast methods, as for `zeropark simulate`\n"
    "  --export-mps FILE     also write the exact LP as a free-format MPS file, so\n"
    "                        any other solver can check the optimum\n"
    "  --json                print the plan as JSON (docs/cli.md)\n"
    "  -h, --help            show this help\n";

int cmd_optimize_run(const cli_cmd *cmd, int argc, char **argv)
{
    zp_plan_opts po;
    zp_plan_opts_init(&po);
    cli_sim_args sim; /* only for the shared forecast options */
    cli_sim_args_init(&sim);
    po.forecast = &sim.fo;
    const char *at_s = NULL, *soc_s = NULL;
    bool json = false;
    cli_opt opts[] = {CLI_TEXT("at", &at_s),
                      CLI_STEP_MIN(&po.step_min),
                      CLI_TEXT("soc", &soc_s),
                      CLI_TEXT("export-mps", &po.mps_path),
                      CLI_FLAG("json", &json),
                      CLI_DOUBLE("horizon-h", &po.horizon_h, 0.01, 24 * 31, ": hours, e.g. 24"),
                      CLI_DOUBLE("peak-so-far", &po.peak_so_far_kw, 0, DBL_MAX,
                                 ": the month's peak import so far, kW >= 0, e.g. 1800"),
                      CLI_REFUSE("dispatch", " applies to simulate, not optimize"),
                      CLI_REFUSE("replan-h", " applies to simulate, not optimize"),
                      CLI_FORECAST_OPTS(&sim),
                      CLI_END};
    int exit_code;
    if (!cli_opts_parse(cmd, opts, argc, argv, &exit_code))
        return exit_code;
    if ((exit_code = cli_one_operand(cmd, argc, "MODEL")) ||
        (exit_code = cli_opts_need(cmd, opts, "at", "--at TIME", NULL)))
        return exit_code;
    zp_ctx *ctx = cli_ctx_new("optimize");
    if (!ctx)
        return EXIT_INTERNAL;
    zp_model *m = NULL;
    zp_plan *pl = NULL;
    double *soc = NULL;
    zp_status rc;
    if ((exit_code = cli_model_load("optimize", ctx, argv[optind], 0, &m)) ||
        (exit_code = cli_time_opt(cmd, "--at", at_s, m->utc_offset_min, &po.at)))
        goto out;
    if (soc_s) {
        soc = calloc(m->nstorage + 1, sizeof *soc);
        char *copy = strdup(soc_s), *save = NULL;
        size_t k = 0;
        for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save), k++) {
            if (k >= m->nstorage || !cli_parse_double(tok, 0, 1, &soc[k])) {
                free(copy);
                exit_code = cli_usage_error(cmd, "--soc '%s': one fraction 0..1 per battery (%zu)", soc_s, m->nstorage);
                goto out;
            }
        }
        free(copy);
        if (k != m->nstorage) {
            exit_code = cli_usage_error(cmd, "--soc '%s': the model has %zu batteries", soc_s, m->nstorage);
            goto out;
        }
        po.soc_initial = soc;
    }
    if ((rc = zp_plan_make(ctx, m, &po, &pl))) {
        exit_code = cli_fail("optimize", ctx, rc);
        goto out;
    }
    if (json) {
        char *text = NULL;
        rc = zp_plan_json(ctx, pl, 2, &text);
        exit_code = cli_put_text("optimize", ctx, rc, text, zp_sim_text_free);
    } else {
        char tb[ZP_TIME_BUFSIZE];
        printf("%s: plan from %s, %zu steps of %d min (%s, %s, %s ms)\n", m->name,
               zp_time_format(pl->start, m->utc_offset_min, tb), pl->steps, (int)(pl->step_s / 60),
               pl->flows->method, pl->lp.status_text, CLI_NUM((pl->lp.build_s + pl->lp.solve_s) * 1e3, 2));
        printf("%-26s %9s %9s %9s %9s %9s %9s", "time", "pv_fc", "wind_fc", "load_fc", "import",
               "export", "flex");
        for (size_t s = 0; s < m->nstorage; s++)
            printf(" %9.9s %6s", m->storage[s].name, "soc");
        printf("\n");
        for (size_t i = 0; i < pl->steps; i++) {
            printf("%-26s %9s %9s %9s %9s %9s %9s",
                   zp_time_format(pl->start + (zp_time_t)i * pl->step_s, m->utc_offset_min, tb),
                   CLI_NUM(pl->pv_kw[i], 0), CLI_NUM(pl->wind_kw[i], 0),
                   CLI_NUM(pl->firm_kw[i] + pl->flex_kw[i], 0), CLI_NUM(pl->flows->grid_import_kw[i], 0),
                   CLI_NUM(pl->flows->grid_export_kw[i], 0), CLI_NUM(pl->flows->flex_served_kw[i], 0));
            for (size_t s = 0; s < m->nstorage; s++)
                printf(" %9s %5s%%",
                       CLI_NUM(pl->flows->storage[s].discharge_kw[i] - pl->flows->storage[s].charge_kw[i], 0),
                       CLI_NUM(100.0 * pl->flows->storage[s].soc[i], 1));
            printf("\n");
        }
        printf("(kW; battery power positive = discharge)\n");
        if (po.mps_path)
            printf("LP written to %s\n", po.mps_path);
    }
out:
    free(soc);
    zp_plan_free(ctx, pl);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return exit_code;
}
