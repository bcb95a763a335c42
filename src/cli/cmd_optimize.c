/*
 * cmd_optimize.c - `zeropark optimize MODEL --at TIME`: one dispatch plan
 * over the next hours, as the live controller uses it.
 */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simopts.h"
#include "util.h"

static const char usage_text[] =
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
    "  --pv-forecast M, --load-forecast M, --wind-forecast M, --noise-pct P, --seed N\n"
    "                        forecast methods, as for `zeropark simulate`\n"
    "  --export-mps FILE     also write the exact LP as a free-format MPS file, so\n"
    "                        any other solver can check the optimum\n"
    "  --json                print the plan as JSON (docs/cli.md)\n"
    "  -h, --help            show this help\n";

static int run(int argc, char **argv);
const cli_cmd cmd_optimize = {"optimize", "one dispatch plan from a given time (live control)", usage_text, run};

static int run(int argc, char **argv)
{
    static const struct option opts[] = {{"at", required_argument, NULL, 'a'},
                                         {"step-min", required_argument, NULL, 's'},
                                         {"soc", required_argument, NULL, 'c'},
                                         {"export-mps", required_argument, NULL, 'm'},
                                         {"json", no_argument, NULL, 'j'},
                                         CLI_SIM_LONG_OPTIONS,
                                         {0, 0, 0, 0}};
    zp_plan_opts po;
    zp_plan_opts_init(&po);
    zp_sim_opts so; /* only for the shared forecast options */
    zp_sim_opts_init(&so);
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    po.forecast = &fo;
    const char *at_s = NULL, *soc_s = NULL;
    bool json = false;
    long step = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'a': at_s = optarg; break;
        case 'c': soc_s = optarg; break;
        case 'm': po.mps_path = optarg; break;
        case 'j': json = true; break;
        case 's':
            if (!cli_parse_long(optarg, 1, 60, &step) || 60 % step != 0)
                return cli_usage_error(&cmd_optimize, "--step-min '%s': use 1, 5, 10, 15, 30 or 60", optarg);
            po.step_min = (int32_t)step;
            break;
        case 'H':
            if (!cli_parse_double(optarg, 0.01, 24 * 31, &po.horizon_h))
                return cli_usage_error(&cmd_optimize, "--horizon-h '%s': hours, e.g. 24", optarg);
            break;
        case 'd':
        case 'R':
            return cli_usage_error(&cmd_optimize, "'%s' applies to simulate, not optimize", argv[optind - 1]);
        default: {
            int e = cli_sim_option(c, optarg, &so, &fo, &cmd_optimize);
            if (e == -1)
                return cli_usage_error(&cmd_optimize, "unknown option '%s'", argv[optind - 1]);
            if (e != EXIT_OK)
                return e;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(&cmd_optimize, optind >= argc ? "missing MODEL" : "expected one MODEL");
    if (!at_s)
        return cli_usage_error(&cmd_optimize, "missing --at TIME");
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    cli_warnings_to_stderr(ctx, "optimize");
    zp_model *m = NULL;
    zp_plan *pl = NULL;
    double *soc = NULL;
    int exit_code = EXIT_OK;
    zp_status rc = zp_model_load_file(ctx, argv[optind], 0, &m);
    if (rc) {
        exit_code = cli_fail("optimize", ctx, rc);
        goto out;
    }
    if (!cli_parse_time(at_s, m->utc_offset_min, &po.at)) {
        exit_code = cli_usage_error(&cmd_optimize, "--at '%s': not an ISO-8601 time", at_s);
        goto out;
    }
    if (soc_s) {
        soc = calloc(m->nstorage + 1, sizeof *soc);
        char *copy = strdup(soc_s), *save = NULL;
        size_t k = 0;
        for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save), k++) {
            if (k >= m->nstorage || !cli_parse_double(tok, 0, 1, &soc[k])) {
                free(copy);
                exit_code = cli_usage_error(&cmd_optimize, "--soc '%s': one fraction 0..1 per battery (%zu)", soc_s, m->nstorage);
                goto out;
            }
        }
        free(copy);
        if (k != m->nstorage) {
            exit_code = cli_usage_error(&cmd_optimize, "--soc '%s': the model has %zu batteries", soc_s, m->nstorage);
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
        if ((rc = zp_plan_json(ctx, pl, 2, &text))) {
            exit_code = cli_fail("optimize", ctx, rc);
            goto out;
        }
        puts(text);
        zp_sim_text_free(ctx, text);
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
