/*
 * cmd_simulate.c - `zeropark simulate MODEL`: a year (or any window) of
 * the park, dispatched, with energy, emissions, green share and cost.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>

#include "simopts.h"
#include "util.h"

static const char usage_text[] =
    "usage: zeropark simulate MODEL [options]\n"
    "\n"
    "Simulate the park over its period: weather -> PV and wind, loads and the\n"
    "data center, dispatch of storage and grid; report energy, emissions\n"
    "(Scope 1, Scope 2 location- and market-based), green share (annual\n"
    "volumetric and hourly matched), PUE, cost and the model's targets.\n"
    "\n"
    "Options:\n"
    "  --dispatch METHOD     rule (the documented rule-based baseline, default),\n"
    "                        optimal (one LP over the run: perfect foresight) or\n"
    "                        mpc (rolling horizon on forecasts)\n"
    "  --horizon-h H         MPC look-ahead (default 48)\n"
    "  --replan-h H          MPC re-plan interval (default 1)\n"
    "  --pv-forecast M       MPC PV forecast: clearsky (default), noisy, persistence,\n"
    "                        perfect\n"
    "  --load-forecast M     similar-day (default), persistence, noisy, perfect\n"
    "  --wind-forecast M     persistence (default), noisy, perfect\n"
    "  --noise-pct P         error size of the noisy forecasts (default 20)\n"
    "  --seed N              seed of the noisy forecasts (default 1); these MPC\n"
    "                        options need --dispatch mpc\n"
    "  --step-min N          run at N-minute steps (1, 5, 10, 15, 30, 60;\n"
    "                        default: the model's step)\n"
    "  --from TIME, --to TIME  simulate only [from, to) inside the model period\n"
    "  --outage FROM/TO      cut the grid (no import, no export) from FROM to TO\n"
    "                        (ISO-8601 times, e.g. 2024-07-15T18:00/2024-07-16T02:00)\n"
    "  --no-reserve          ignore the model's resilience reserve\n"
    "  --json                print the results document (docs/results.md)\n"
    "  --csv FILE            write every flow of every asset per step to FILE\n"
    "  --db FILE             store the run (results, options and the inputs'\n"
    "                        SHA-256) in FILE; zeropark account --run ID and\n"
    "                        zeropark report --run ID simulate it again\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 ok (targets are reported, not enforced), 2 bad model or\n"
    "options, 3 internal error.\n";

static int run(int argc, char **argv);
const cli_cmd cmd_simulate = {"simulate", "simulate the park's year (the main job)", usage_text, run};

static int on_progress(void *ud, uint64_t done, uint64_t total)
{
    cli_progress_update(ud, done, total);
    return 0;
}

/* Write the per-step CSV through a temporary file and a rename. */
static int write_csv(zp_ctx *ctx, const zp_sim_result *r, const char *path)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return EXIT_INTERNAL;
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        cli_err("simulate", "cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return EXIT_USAGE;
    }
    size_t nc = zp_sim_column_count(r);
    for (size_t c = 0; c < nc; c++)
        fprintf(f, "%s%s", c ? "," : "", zp_sim_column_name(r, c));
    fputc('\n', f);
    char tb[ZP_TIME_BUFSIZE];
    for (size_t t = 0; t < r->steps; t++) {
        fputs(zp_time_format(r->start + (zp_time_t)t * r->step_s, r->model->utc_offset_min, tb), f);
        for (size_t c = 1; c < nc; c++)
            fprintf(f, ",%.10g", zp_sim_column(r, c)[t]);
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        cli_err("simulate", "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return EXIT_USAGE;
    }
    free(tmp);
    (void)ctx;
    return EXIT_OK;
}

static void print_summary(const zp_sim_result *r, const char *path)
{
    const zp_model *m = r->model;
    const zp_sim_energy *e = &r->energy_kwh;
    const zp_sim_emissions *em = &r->emissions_t;
    char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
    printf("%s  (%s)\n", m->name, path);
    printf("%s .. %s, %zu steps of %d min, dispatch: %s, %.1f ms\n\n",
           zp_time_format(r->start, m->utc_offset_min, a),
           zp_time_format(r->start + (zp_time_t)r->steps * r->step_s, m->utc_offset_min, b),
           r->steps, (int)(r->step_s / 60), r->dispatch, r->seconds * 1e3);
    printf("  %-30s %16s\n", "energy", "MWh");
    const struct {
        const char *name;
        double v;
    } rows[] = {
        {"loads", e->load},
        {"data center IT", e->datacenter_it},
        {"data center facility", e->datacenter_facility},
        {"PV generation", e->pv},
        {"wind generation", e->wind},
        {"grid import", e->grid_import},
        {"grid export", e->grid_export},
        {"storage charge", e->storage_charge},
        {"storage discharge", e->storage_discharge},
        {"curtailed", e->curtailed},
        {"unserved", e->unserved},
        {"flexible load delayed", e->delayed},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        printf("  %-30s %16s\n", rows[i].name, CLI_NUM(rows[i].v / 1000.0, 1));
    printf("\n  %-30s %16s\n", "emissions", "t CO2");
    printf("  %-30s %16s\n", "scope 1 (fuels)", CLI_NUM(em->scope1, 1));
    printf("  %-30s %16s\n", "scope 2, location-based", CLI_NUM(em->scope2_location, 1));
    printf("  %-30s %16s\n", "scope 2, market-based", CLI_NUM(em->scope2_market, 1));
    printf("  %-30s %16s\n", "total, location-based", CLI_NUM(em->total_location, 1));
    printf("  %-30s %16s\n", "total, market-based", CLI_NUM(em->total_market, 1));
    printf("\n  %-30s %15s%%\n", "green share, annual volumetric",
           CLI_NUM(r->green_share_volumetric_pct, 1));
    printf("  %-30s %15s%%\n", "green share, hourly matched", CLI_NUM(r->green_share_hourly_pct, 1));
    if (!isnan(r->pue))
        printf("  %-30s %16s\n", "PUE", CLI_NUM(r->pue, 3));
    printf("  %-30s %16s\n", "energy cost, CNY", CLI_NUM(r->cost_cny, 0));
    if (r->ntargets) {
        printf("\n  targets\n");
        for (size_t i = 0; i < r->ntargets; i++)
            printf("  %-30s %12s vs %-12s %s\n", r->targets[i].name,
                   CLI_NUM(r->targets[i].value, CLI_NUM_AUTO), CLI_NUM(r->targets[i].limit, CLI_NUM_AUTO),
                   r->targets[i].met ? "met" : "MISSED");
    }
    if (r->outage_steps || m->resilience.present) {
        printf("\n  %-30s %16zu\n", "outage steps", r->outage_steps);
        printf("  %-30s %16s of %s MWh\n", r->outage_steps ? "served in the outage" : "served",
               CLI_NUM(r->outage_served_kwh / 1e3, 1), CLI_NUM(r->outage_demand_kwh / 1e3, 1));
        if (m->resilience.present)
            printf("  %-30s %16s of %s MWh\n", "critical load served",
                   CLI_NUM(r->critical_served_kwh / 1e3, 1), CLI_NUM(r->critical_demand_kwh / 1e3, 1));
    }
    if (r->weather_night_zeroed)
        printf("\n  note: %zu weather steps had irradiance at night; set to 0 (see docs/methodology.md)\n",
               r->weather_night_zeroed);
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"step-min", required_argument, NULL, 's'},
        {"from", required_argument, NULL, 'f'},     {"to", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},           {"csv", required_argument, NULL, 'c'},
        {"db", required_argument, NULL, 'b'},       {"outage", required_argument, NULL, 'o'},
        {"no-reserve", no_argument, NULL, 'n'},     CLI_SIM_LONG_OPTIONS,
        {0, 0, 0, 0}};
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    so.forecast = &fo;
    bool json = false;
    const char *csv = NULL, *db = NULL, *from_s = NULL, *to_s = NULL, *outage_s = NULL;
    long step = 0;
    int c, mpc_opt = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
        case 'H':
        case 'R':
        case 'P':
        case 'L':
        case 'W':
        case 'N':
        case 'S': {
            int e = cli_sim_option(c, optarg, &so, &fo, &cmd_simulate);
            if (e != EXIT_OK)
                return e;
            if (c != 'd' && !mpc_opt)
                mpc_opt = c;
            break;
        }
        case 's':
            if (!cli_parse_long(optarg, 1, 60, &step) || 60 % step != 0)
                return cli_usage_error(&cmd_simulate, "--step-min '%s': use 1, 5, 10, 15, 30 or 60", optarg);
            so.step_min = (int32_t)step;
            break;
        case 'f': from_s = optarg; break;
        case 't': to_s = optarg; break;
        case 'j': json = true; break;
        case 'c': csv = optarg; break;
        case 'b': db = optarg; break;
        case 'o': outage_s = optarg; break;
        case 'n': so.no_reserve = 1; break;
        default:
            return cli_usage_error(&cmd_simulate, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(&cmd_simulate, optind >= argc ? "missing MODEL" : "expected one MODEL");
    if (cli_sim_mpc_only(&cmd_simulate, &so, mpc_opt) != EXIT_OK)
        return EXIT_USAGE;
    const char *path = argv[optind];

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    cli_warnings_to_stderr(ctx, "simulate");
    zp_model *m = NULL;
    zp_sim_result *r = NULL;
    zp_store *st = NULL;
    int exit_code = EXIT_OK;
    zp_status rc = zp_model_load_file(ctx, path, 0, &m);
    if (rc) {
        exit_code = cli_fail("simulate", ctx, rc);
        goto out;
    }
    if (from_s && !cli_parse_time(from_s, m->utc_offset_min, &so.from)) {
        exit_code = cli_usage_error(&cmd_simulate, "--from '%s': not an ISO-8601 time", from_s);
        goto out;
    }
    if (to_s && !cli_parse_time(to_s, m->utc_offset_min, &so.to)) {
        exit_code = cli_usage_error(&cmd_simulate, "--to '%s': not an ISO-8601 time", to_s);
        goto out;
    }
    if (outage_s) {
        const char *slash = strchr(outage_s, '/');
        char a[64];
        size_t la = slash ? (size_t)(slash - outage_s) : 0;
        if (!slash || la >= sizeof a) {
            exit_code = cli_usage_error(&cmd_simulate, "--outage '%s': use FROM/TO", outage_s);
            goto out;
        }
        memcpy(a, outage_s, la);
        a[la] = '\0';
        if (!cli_parse_time(a, m->utc_offset_min, &so.outage_from) ||
            !cli_parse_time(slash + 1, m->utc_offset_min, &so.outage_to)) {
            exit_code = cli_usage_error(&cmd_simulate, "--outage '%s': FROM and TO must be ISO-8601 times", outage_s);
            goto out;
        }
    }
    cli_progress prog;
    cli_progress_init(&prog, "simulate");
    so.progress = on_progress;
    so.progress_ud = &prog;
    rc = zp_simulate(ctx, m, &so, &r);
    cli_progress_done(&prog);
    if (rc) {
        exit_code = cli_fail("simulate", ctx, rc);
        goto out;
    }
    if (csv && (exit_code = write_csv(ctx, r, csv)) != EXIT_OK)
        goto out;
    int64_t run_id = 0;
    if (db) {
        char hash[65];
        if ((rc = zp_model_inputs_sha256(ctx, m, hash)) || (rc = zp_store_open(ctx, db, ZP_STORE_CREATE, &st)) ||
            (rc = zp_sim_store_with_opts(ctx, st, r, &so, hash, &run_id))) {
            exit_code = cli_fail("simulate", ctx, rc);
            goto out;
        }
    }
    if (json) {
        char *text = NULL;
        if ((rc = zp_sim_result_json(ctx, r, 2, &text))) {
            exit_code = cli_fail("simulate", ctx, rc);
            goto out;
        }
        puts(text);
        zp_sim_text_free(ctx, text);
    } else {
        print_summary(r, path);
        if (csv)
            printf("\nper-step flows written to %s\n", csv);
        if (db)
            printf("%srun %lld stored in %s\n", csv ? "" : "\n", (long long)run_id, db);
    }
out:
    zp_store_close(st);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return exit_code;
}
