/*
 * cmd_simulate.c - `zeropark simulate MODEL`: a year (or any window) of
 * the park, dispatched, with energy, emissions, green share and cost.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "outfile.h"
#include "simopts.h"
#include "util.h"

const char cmd_simulate_usage[] =
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

/* Write the per-step CSV through a temporary file and a rename. */
static int write_csv(const zp_sim_result *r, const char *path)
{
    cli_outfile o;
    int ex = cli_outfile_open(&o, "simulate", path);
    if (ex != EXIT_OK)
        return ex;
    size_t nc = zp_sim_column_count(r);
    for (size_t c = 0; c < nc; c++)
        fprintf(o.f, "%s%s", c ? "," : "", zp_sim_column_name(r, c));
    fputc('\n', o.f);
    char tb[ZP_TIME_BUFSIZE];
    for (size_t t = 0; t < r->steps; t++) {
        fputs(zp_time_format(r->start + (zp_time_t)t * r->step_s, r->model->utc_offset_min, tb), o.f);
        for (size_t c = 1; c < nc; c++)
            fprintf(o.f, ",%.10g", zp_sim_column(r, c)[t]);
        fputc('\n', o.f);
    }
    return cli_outfile_commit(&o, "simulate", false);
}

/* A row of the summary: a label and its value. */
typedef struct summary_row {
    const char *name;
    double v;
} summary_row;

/* A table of the summary: its heading and unit, then each value divided
 * by div (into the unit) with one decimal. */
static void print_rows(const char *heading, const char *unit, const summary_row *rows, size_t n,
                       double div)
{
    printf("  %-30s %16s\n", heading, unit);
    for (size_t i = 0; i < n; i++)
        printf("  %-30s %16s\n", rows[i].name, CLI_NUM(rows[i].v / div, 1));
}

/* The run's bill in parts (docs/tariffs.md "The bill"), its highest
 * monthly peak and each battery's wear. */
static void print_bill(const zp_sim_result *r)
{
    const zp_bill_breakdown *c = &r->bill->cost;
    const summary_row bill[] = {
        {"energy", c->energy},
        {"demand charge", c->demand},
        {"capacity charge", c->capacity},
        {"less export revenue", c->export_revenue},
        {"battery wear", c->degradation},
        {"green-power premium", c->green_power},
        {"total (cost_cny)", c->total},
    };
    printf("\n");
    print_rows("bill", "CNY", bill, sizeof bill / sizeof bill[0], 1);
    double peak = 0;
    for (size_t i = 0; i < r->bill->nmonths; i++)
        peak = fmax(peak, r->bill->months[i].peak_import_kw);
    printf("  %-30s %16s\n", "highest monthly peak, kW", CLI_NUM(peak, 1));
    for (size_t s = 0; s < r->bill->nstorage; s++) {
        const zp_bill_wear *w = &r->bill->storage[s];
        char label[64];
        snprintf(label, sizeof label, "battery %s", w->name ? w->name : "");
        printf("  %-30s %16s full cycles a year", label, CLI_NUM(w->cycles_per_year, 1));
        if (isfinite(w->fade_per_year))
            printf(", %s%% capacity fade a year", CLI_NUM(100.0 * w->fade_per_year, 2));
        printf("\n");
    }
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
    const summary_row energy[] = {
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
    print_rows("energy", "MWh", energy, sizeof energy / sizeof energy[0], 1000.0);
    const summary_row emissions[] = {
        {"scope 1 (fuels, refrigerants)", em->scope1},
        {"scope 2, location-based", em->scope2_location},
        {"scope 2, market-based", em->scope2_market},
        {"total, location-based", em->total_location},
        {"total, market-based", em->total_market},
    };
    printf("\n");
    print_rows("emissions", "t CO2", emissions, sizeof emissions / sizeof emissions[0], 1);
    printf("\n  %-30s %15s%%\n", "green share, annual volumetric",
           CLI_NUM(r->green_share_volumetric_pct, 1));
    printf("  %-30s %15s%%\n", "green share, hourly matched", CLI_NUM(r->green_share_hourly_pct, 1));
    if (!isnan(r->pue))
        printf("  %-30s %16s\n", "PUE", CLI_NUM(r->pue, 3));
    printf("  %-30s %16s\n", "t CO2 per tce", CLI_NUM(r->indicator.t_co2_per_tce, 3));
    /* no energy: "n/a", not "n/a%" */
    if (isnan(r->indicator.clean_energy_share_pct))
        printf("  %-30s %16s\n", "clean-energy share", "n/a");
    else
        printf("  %-30s %15s%%\n", "clean-energy share",
               CLI_NUM(r->indicator.clean_energy_share_pct, 1));
    print_bill(r);
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

/* --outage FROM/TO at the model's offset into so. EXIT_OK or a usage error. */
static int parse_outage(const cli_cmd *cmd, const char *text, int32_t offset_min, zp_sim_opts *so)
{
    const char *slash = strchr(text, '/');
    char a[64];
    size_t la = slash ? (size_t)(slash - text) : 0;
    if (!slash || la >= sizeof a)
        return cli_usage_error(cmd, "--outage '%s': use FROM/TO", text);
    memcpy(a, text, la);
    a[la] = '\0';
    if (!cli_parse_time(a, offset_min, &so->outage_from) ||
        !cli_parse_time(slash + 1, offset_min, &so->outage_to))
        return cli_usage_error(cmd, "--outage '%s': FROM and TO must be ISO-8601 times", text);
    return EXIT_OK;
}

int cmd_simulate_run(const cli_cmd *cmd, int argc, char **argv)
{
    cli_sim_args sim;
    cli_sim_args_init(&sim);
    zp_sim_opts *so = &sim.so;
    bool json = false, no_reserve = false;
    const char *csv = NULL, *db = NULL, *from_s = NULL, *to_s = NULL, *outage_s = NULL;
    cli_opt opts[] = {CLI_STEP_MIN(&so->step_min), CLI_TEXT("from", &from_s),  CLI_TEXT("to", &to_s),
                      CLI_FLAG("json", &json),      CLI_TEXT("csv", &csv),      CLI_TEXT("db", &db),
                      CLI_TEXT("outage", &outage_s), CLI_FLAG("no-reserve", &no_reserve),
                      CLI_SIM_OPTS(&sim),           CLI_END};
    int exit_code;
    if (!cli_opts_parse(cmd, opts, argc, argv, &exit_code))
        return exit_code;
    if ((exit_code = cli_one_operand(cmd, argc, "MODEL")) ||
        (exit_code = cli_sim_mpc_only(cmd, &sim)))
        return exit_code;
    so->no_reserve = no_reserve;
    const char *path = argv[optind];

    zp_ctx *ctx = cli_ctx_new("simulate");
    if (!ctx)
        return EXIT_INTERNAL;
    zp_model *m = NULL;
    zp_sim_result *r = NULL;
    zp_store *st = NULL;
    zp_status rc;
    if ((exit_code = cli_model_load("simulate", ctx, path, 0, &m)) ||
        (exit_code = cli_time_opt(cmd, "--from", from_s, m->utc_offset_min, &so->from)) ||
        (exit_code = cli_time_opt(cmd, "--to", to_s, m->utc_offset_min, &so->to)) ||
        (outage_s && (exit_code = parse_outage(cmd, outage_s, m->utc_offset_min, so))))
        goto out;
    cli_progress prog;
    cli_progress_init(&prog, "simulate");
    so->progress = cli_progress_cb;
    so->progress_ud = &prog;
    rc = zp_simulate(ctx, m, so, &r);
    cli_progress_done(&prog);
    if (rc) {
        exit_code = cli_fail("simulate", ctx, rc);
        goto out;
    }
    if (csv && (exit_code = write_csv(r, csv)) != EXIT_OK)
        goto out;
    int64_t run_id = 0;
    if (db) {
        char hash[65];
        if ((rc = zp_model_inputs_sha256(ctx, m, hash)) || (rc = zp_store_open(ctx, db, ZP_STORE_CREATE, &st)) ||
            (rc = zp_sim_store_with_opts(ctx, st, r, so, hash, &run_id))) {
            exit_code = cli_fail("simulate", ctx, rc);
            goto out;
        }
    }
    if (json) {
        char *text = NULL;
        rc = zp_sim_result_json(ctx, r, 2, &text);
        exit_code = cli_put_text("simulate", ctx, rc, text, zp_sim_text_free);
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
