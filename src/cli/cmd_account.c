/*
 * cmd_account.c - `zeropark account MODEL`: carbon and energy accounting
 * of metered data (CSV or a store) or of a simulated run: Scope 1 and 2
 * (location- and market-based), green share, PUE/CUE/WUE, tce, targets,
 * carbon budget (docs/methodology.md "Carbon accounting").
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "util.h"
#include "zeropark/carbon.h"

const char cmd_account_usage[] =
    "usage: zeropark account MODEL (--data CSV... | --db FILE | --run ID) [options]\n"
    "\n"
    "Account the park's emissions and energy: Scope 1 (fuels, refrigerants),\n"
    "Scope 2 location- and market-based (certificates, green-power contracts,\n"
    "residual mix), green share (annual volumetric, hourly matched), PUE, CUE,\n"
    "WUE, energy in tce (calorific and equal-value), intensities, targets and\n"
    "the carbon budget burn-down. The factor set and every factor's source are\n"
    "named in the output.\n"
    "\n"
    "Input (one of):\n"
    "  --data CSV            metered data; repeat for several files. Columns are\n"
    "                        named ROLE[.ASSET]_UNIT, ROLE one of grid_import,\n"
    "                        grid_export, pv, wind, storage_charge,\n"
    "                        storage_discharge, load, dc_it, dc_facility, water;\n"
    "                        UNIT kw, kwh, mwh, kwh_total, mwh_total (counters);\n"
    "                        water l, m3, l_total, m3_total; plus\n"
    "                        grid_factor_kg_per_kwh (docs/methodology.md)\n"
    "  --db FILE             stored series with the same names\n"
    "  --fill-gaps           with --db: live data, as the API: the window is cut to\n"
    "                        the readings, a step without one counts as nothing\n"
    "                        metered, fuels and certificates are pro-rated to the\n"
    "                        metered time (docs/methodology.md \"Live data\")\n"
    "  --run ID              a simulation run stored in --db FILE by zeropark\n"
    "                        simulate --db: the model is simulated again with the\n"
    "                        run's stored dispatch and options after checking that\n"
    "                        the inputs' SHA-256 matches the stored one\n"
    "\n"
    "Options:\n"
    "  --from TIME, --to TIME  account only [from, to)\n"
    "  --by month|day|asset  breakdown shown (months are always in --json);\n"
    "                        may be repeated\n"
    "  --json                print the result document\n"
    "  --csv FILE            write the breakdown table (months, days or assets)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 ok (targets are reported, not enforced), 2 bad model, data\n"
    "or options, 3 internal error.\n";

static const char *status_text(zp_target_status s)
{
    return s == ZP_TARGET_MET ? "met" : s == ZP_TARGET_AT_RISK ? "AT RISK" : "MISSED";
}

static void print_factor(const char *what, const zp_factor *f)
{
    printf("  %-22s %s %s", what, CLI_NUM(f->value, CLI_NUM_AUTO), f->unit ? f->unit : "");
    if (f->year)
        printf(" (%d)", f->year);
    printf("\n    source: %s [%s]\n", f->source ? f->source : "-",
           f->verification ? f->verification : "-");
}

#define N CLI_NUM
#define AUTO CLI_NUM_AUTO

static void print_statement(const zp_model *m, const zp_acct_result *r)
{
    const zp_acct_totals *T = &r->total;
    char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
    printf("Carbon and energy statement: %s\n", m->name);
    printf("%s .. %s, %zu steps of %d min, input: %s\n\n",
           zp_time_format(r->start, r->utc_offset_min, a), zp_time_format(T->end, r->utc_offset_min, b),
           r->steps, (int)(r->step_s / 60), r->input_source);
    printf("Method: GHG Protocol Scope 1 and 2 (dual reporting), factor set '%s', GWP %s,\n"
           "        factor year %d, grid region %s\n",
           r->factor_set, r->gwp_set, r->year, r->grid_region);
    if (r->grid_hourly)
        printf("  %-22s per-step series, import-weighted %s kgCO2/kWh\n", "location factor",
               N(r->grid.value, AUTO));
    else
        print_factor("location factor", &r->grid);
    print_factor("residual mix", &r->residual);
    print_factor("equal-value coal", &r->power_coal);
    printf("\n  %-40s %14s\n", "emissions", "t CO2e");
    for (size_t i = 0; i < r->nfuels; i++) {
        const zp_acct_fuel_line *L = &r->fuels[i];
        char label[128];
        snprintf(label, sizeof label, "scope 1: %s %s %s", L->type, N(L->amount, AUTO), L->unit);
        printf("  %-40s %14s\n    %s GJ/%s x %s tC/GJ x %s x 44/12; %s [%s]\n", label,
               N(L->t_co2, 2), N(L->factor.ncv_gj_per_unit, AUTO), L->unit,
               N(L->factor.cc_tc_per_gj, AUTO), N(L->factor.oxidation, AUTO), L->factor.source,
               L->factor.verification);
    }
    for (size_t i = 0; i < r->nrefrigerants; i++) {
        const zp_acct_refrigerant_line *L = &r->refrigerants[i];
        char label[128];
        snprintf(label, sizeof label, "scope 1: %s leak %s kg x GWP %s", L->gas,
                 N(L->leak_kg, AUTO), N(L->gwp.value, AUTO));
        printf("  %-40s %14s\n", label, N(L->t_co2e, 2));
    }
    printf("  %-40s %14s\n", "scope 1", N(T->scope1_t, 2));
    printf("  %-40s %14s\n", "scope 2, location-based", N(T->scope2_location_t, 2));
    printf("  %-40s %14s\n", "scope 2, market-based", N(T->scope2_market_t, 2));
    printf("    certificates %s MWh (applied %s), contracts %s MWh (applied %s),\n"
           "    residual %s MWh, surplus %s MWh\n",
           N(r->certificates_kwh / 1000, 1), N(r->certificates_applied_kwh / 1000, 1),
           N(r->contracts_kwh / 1000, 1), N(r->contracts_applied_kwh / 1000, 1),
           N(r->residual_kwh / 1000, 1), N(r->surplus_kwh / 1000, 1));
    printf("  %-40s %14s\n", "total, location-based", N(T->total_location_t, 2));
    printf("  %-40s %14s\n", "total, market-based", N(T->total_market_t, 2));
    printf("\n  %-40s %14s\n", "consumption, MWh", N(T->consumption_kwh / 1000, 1));
    printf("  %-40s %14s\n", "grid import, MWh", N(T->grid_import_kwh / 1000, 1));
    printf("  %-40s %14s\n", "on-site PV + wind, MWh", N((T->pv_kwh + T->wind_kwh) / 1000, 1));
    printf("  %-40s %13s%%\n", "green share, annual volumetric", N(r->green_share_volumetric_pct, 1));
    printf("  %-40s %13s%%\n", "green share, hourly matched", N(r->green_share_hourly_pct, 1));
    if (!isnan(r->pue)) {
        printf("  %-40s %14s\n", "PUE", N(r->pue, 3));
        printf("  %-40s %14s\n", "CUE market-based, kgCO2e/kWh IT", N(r->cue_market_kg_per_kwh, 3));
    }
    if (!isnan(r->wue_l_per_kwh))
        printf("  %-40s %14s\n", "WUE, L/kWh IT", N(r->wue_l_per_kwh, 3));
    printf("  %-40s %14s\n", "energy, tce (calorific equivalent)", N(T->energy_tce_calorific, 1));
    printf("  %-40s %14s\n", "energy, tce (equal value)", N(T->energy_tce_equal_value, 1));
    printf("  %-40s %14s\n", "coal saved by PV + wind, tce", N(r->renewable_coal_saved_tce, 1));
    /* The zero-carbon park indicator (docs/methodology.md). */
    const zp_indicator *x = &r->indicator;
    /* What the indicator divides: on-site PV and wind used count as energy
     * consumed, unlike the purchased-minus-exported tce above. */
    printf("  %-40s %14s\n", "indicator's energy, tce (equal value)", N(x->energy_tce_equal_value, 1));
    printf("  %-40s %14s\n", "t CO2 per tce (market, equal value)", N(x->t_co2_per_tce, 3));
    printf("    by method: market/calorific %s, location/equal value %s, location/calorific %s;\n"
           "    the notice's limit for %s tce a year: %s%s\n",
           N(x->market_calorific, 3), N(x->location_equal_value, 3), N(x->location_calorific, 3),
           N(x->annual_energy_tce, 0), N(x->notice_limit_t_co2_per_tce, 1),
           x->full_year ? "" : " (the period is shorter than a year: its own ratio)");
    if (isnan(x->clean_energy_share_pct)) /* no energy: "n/a", not "n/a%" */
        printf("  %-40s %14s\n", "clean-energy share (equal value)", "n/a");
    else
        printf("  %-40s %13s%%\n", "clean-energy share (equal value)",
               N(x->clean_energy_share_pct, 1));
    if (!isnan(r->carbon_intensity_t_per_10k_cny)) {
        printf("  %-40s %14s\n", "carbon intensity, t/10k CNY", N(r->carbon_intensity_t_per_10k_cny, 4));
        printf("  %-40s %14s\n", "energy intensity, tce/10k CNY",
               N(r->energy_intensity_tce_per_10k_cny, 4));
    }
    if (r->by & ZP_ACCT_BY_MONTH) {
        printf("\n  %-8s %12s %12s %12s %12s %8s\n", "month", "scope1 t", "s2 loc t", "s2 mkt t",
               "import MWh", "hourly%");
        for (size_t k = 0; k < r->nmonths; k++) {
            const zp_acct_totals *M = &r->months[k];
            printf("  %.7s  %12s %12s %12s %12s %7s%%\n",
                   zp_time_format(M->start, r->utc_offset_min, a), N(M->scope1_t, 1),
                   N(M->scope2_location_t, 1), N(M->scope2_market_t, 1),
                   N(M->grid_import_kwh / 1000, 1), N(M->green_share_hourly_pct, 1));
        }
    }
    if (r->by & ZP_ACCT_BY_DAY) {
        printf("\n  %-10s %12s %12s %14s\n", "day", "market t", "import MWh", "cumulative t");
        for (size_t k = 0; k < r->ndays; k++)
            printf("  %.10s %12s %12s %14s\n",
                   zp_time_format(r->days[k].start, r->utc_offset_min, a),
                   N(r->days[k].total_market_t, 2), N(r->days[k].grid_import_kwh / 1000, 2),
                   N(r->days[k].cumulative_market_t, 1));
    }
    if (r->by & ZP_ACCT_BY_ASSET) {
        printf("\n  %-32s %-18s %14s %14s\n", "meter", "role", "total", "scope2 loc t");
        for (size_t k = 0; k < r->nassets; k++)
            printf("  %-32s %-18s %14s %14s\n", r->assets[k].name,
                   zp_acct_role_name(r->assets[k].role), N(r->assets[k].total, 1),
                   N(r->assets[k].scope2_location_t, 2));
    }
    if (r->ntargets) {
        printf("\n  targets\n");
        for (size_t i = 0; i < r->ntargets; i++) {
            const zp_acct_target *g = &r->targets[i];
            printf("  %-36s %12s vs %-12s %s", g->name, N(g->value, AUTO), N(g->limit, AUTO),
                   status_text(g->status));
            if (!isnan(g->projected))
                printf(" (year-end projection %s)", N(g->projected, AUTO));
            printf("\n");
        }
    }
    if (!isnan(r->budget_t))
        printf("\n  carbon budget %s t: %s t so far, %s t/day, projected %s t by year-end\n",
               N(r->budget_t, 1), N(T->total_market_t, 1), N(r->burn_rate_t_per_day, 2),
               N(r->projected_year_end_t, 1));
    for (size_t i = 0; i < r->nalerts; i++)
        printf("  ALERT %s: %s\n", r->alerts[i].kind, r->alerts[i].message);
    for (size_t i = 0; i < r->ncorrections; i++) {
        if (r->corrections[i].wrap > 0)
            printf("  correction: %s:%ld meter %s rolled over (%.10g -> %.10g, register %.10g)\n",
                   r->corrections[i].file, r->corrections[i].row, r->corrections[i].meter,
                   r->corrections[i].before, r->corrections[i].after, r->corrections[i].wrap);
        else
            printf("  correction: %s:%ld meter %s was reset (%.10g -> %.10g, counted from 0)\n",
                   r->corrections[i].file, r->corrections[i].row, r->corrections[i].meter,
                   r->corrections[i].before, r->corrections[i].after);
    }
    for (size_t i = 0; i < r->nnotes; i++)
        printf("  note: %s\n", r->notes[i]);
}

static int write_csv(const zp_acct_result *r, const char *path)
{
    FILE *f = fopen(path, "w");
    char a[ZP_TIME_BUFSIZE];
    if (!f) {
        cli_err("account", "cannot write %s: %s", path, strerror(errno));
        return EXIT_USAGE;
    }
    if (r->by & ZP_ACCT_BY_ASSET) {
        fprintf(f, "meter,asset,role,total,scope2_location_t");
        for (size_t k = 0; k < r->nmonths; k++)
            fprintf(f, ",%.7s", zp_time_format(r->months[k].start, r->utc_offset_min, a));
        fputc('\n', f);
        for (size_t i = 0; i < r->nassets; i++) {
            const zp_acct_asset *A = &r->assets[i];
            fprintf(f, "%s,%s,%s,%.10g,%.10g", A->name, A->asset, zp_acct_role_name(A->role),
                    A->total, A->scope2_location_t);
            for (size_t k = 0; k < r->nmonths; k++)
                fprintf(f, ",%.10g", A->month[k]);
            fputc('\n', f);
        }
    } else {
        const zp_acct_totals *rows = (r->by & ZP_ACCT_BY_DAY) ? r->days : r->months;
        size_t n = (r->by & ZP_ACCT_BY_DAY) ? r->ndays : r->nmonths;
        fprintf(f, "start,scope1_t,scope2_location_t,scope2_market_t,total_location_t,"
                   "total_market_t,grid_import_kwh,grid_export_kwh,pv_kwh,wind_kwh,"
                   "consumption_kwh,carbon_free_kwh,datacenter_it_kwh,datacenter_facility_kwh,"
                   "water_l,energy_tce_calorific,energy_tce_equal_value,green_share_hourly_pct,"
                   "pue,cumulative_market_t\n");
        for (size_t k = 0; k < n; k++) {
            const zp_acct_totals *p = &rows[k];
            fprintf(f, "%s,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                       "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n",
                    zp_time_format(p->start, r->utc_offset_min, a), p->scope1_t,
                    p->scope2_location_t, p->scope2_market_t, p->total_location_t,
                    p->total_market_t, p->grid_import_kwh, p->grid_export_kwh, p->pv_kwh,
                    p->wind_kwh, p->consumption_kwh, p->cfe_kwh, p->dc_it_kwh, p->dc_facility_kwh,
                    p->water_l, p->energy_tce_calorific, p->energy_tce_equal_value,
                    p->green_share_hourly_pct, p->pue, p->cumulative_market_t);
        }
    }
    if (fclose(f) != 0) {
        cli_err("account", "cannot write %s: %s", path, strerror(errno));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* What account's options ask for. */
typedef struct account_job {
    const char **data; /* --data CSV..., ndata of them */
    size_t ndata;
    const char *db, *csv, *from_s, *to_s;
    long run_id;       /* --run, -1 when not given */
    unsigned by;       /* --by: ZP_ACCT_BY_* */
    bool json, fill_gaps;
} account_job;

static int add_data(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    account_job *j = o->dst;
    j->data[j->ndata++] = value;
    return EXIT_OK;
}

static int add_by(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    unsigned *by = o->dst;
    if (strcmp(value, "month") == 0)
        *by |= ZP_ACCT_BY_MONTH;
    else if (strcmp(value, "day") == 0)
        *by |= ZP_ACCT_BY_DAY;
    else if (strcmp(value, "asset") == 0)
        *by |= ZP_ACCT_BY_ASSET;
    else
        return cli_usage_error(cmd, "--by '%s': use month, day or asset", value);
    return EXIT_OK;
}

/* The operand and one input. EXIT_OK or a usage error. */
static int check_options(const cli_cmd *cmd, const account_job *j, int argc)
{
    if (optind != argc - 1)
        return cli_usage_error(cmd, "expected one MODEL");
    if ((j->ndata > 0) + (j->run_id > 0) + (j->db && j->run_id < 0) != 1)
        return cli_usage_error(cmd, "give one input: --data CSV..., --db FILE or --run ID --db FILE");
    if (j->run_id > 0 && !j->db)
        return cli_usage_error(cmd, "--run needs --db FILE");
    if (j->run_id > 0 && (j->from_s || j->to_s || j->fill_gaps))
        return cli_usage_error(cmd,
                               "--run accounts the stored run over its own period: leave out %s (to "
                               "account part of it, simulate that part with zeropark simulate --from "
                               "--to --db)",
                               j->from_s ? "--from" : j->to_s ? "--to" : "--fill-gaps (it is for --db series)");
    return EXIT_OK;
}

/* What was metered (--data, --db) or simulated (--run) into *in; *sim
 * holds the re-run, *missing the meter-steps without a reading (--db). */
static int read_input(const cli_cmd *cmd, zp_ctx *ctx, const account_job *j, const zp_model *m, zp_sim_result **sim,
                      zp_acct_input **in, size_t *missing)
{
    zp_time_t from = 0, to = 0;
    if ((j->from_s && !cli_parse_time(j->from_s, m->utc_offset_min, &from)) ||
        (j->to_s && !cli_parse_time(j->to_s, m->utc_offset_min, &to)))
        return cli_usage_error(cmd, "--from/--to: ISO-8601 times, e.g. 2024-03-01");
    zp_store *st = NULL;
    zp_status rc;
    if (j->ndata) {
        rc = zp_acct_from_csv(ctx, j->data, j->ndata, m, from, to, in);
    } else if (j->run_id > 0) {
        /* the stored run simulated again with its stored options after
         * the inputs' hash check; the re-run must reproduce the stored
         * emissions (zp_sim_rerun) */
        if (!(rc = zp_store_open(ctx, j->db, ZP_STORE_READONLY, &st)) &&
            !(rc = zp_sim_rerun(ctx, m, st, j->run_id, sim)))
            rc = zp_acct_from_sim(ctx, *sim, in);
    } else {
        rc = zp_store_open(ctx, j->db, ZP_STORE_READONLY, &st);
        if (!rc)
            rc = zp_acct_from_store_ex(ctx, st, m, from, to, j->fill_gaps ? ZP_ACCT_FILL_GAPS : 0, in);
        if (!rc)
            *missing = (*in)->missing_steps;
    }
    zp_store_close(st);
    return rc ? cli_fail("account", ctx, rc) : EXIT_OK;
}

/* The result document text, with --fill-gaps the meter-steps filled (as
 * /api/v1/carbon gives them). */
static int print_json(const account_job *j, const char *text, size_t missing)
{
    if (!j->fill_gaps) {
        puts(text);
        return EXIT_OK;
    }
    int ex = EXIT_INTERNAL;
    json_t *doc = json_loads(text, 0, NULL);
    if (doc && json_object_set_new(doc, "missing_meter_steps", json_integer((json_int_t)missing)) == 0) {
        cli_print_json(doc);
        ex = EXIT_OK;
    }
    json_decref(doc);
    return ex;
}

int cmd_account_run(const cli_cmd *cmd, int argc, char **argv)
{
    account_job j = {.run_id = -1};
    cli_opt opts[] = {CLI_CALL("data", add_data, &j), CLI_TEXT("db", &j.db),
                      CLI_LONG("run", &j.run_id, 1, 1L << 50, ": a run id"),
                      CLI_TEXT("from", &j.from_s),       CLI_TEXT("to", &j.to_s),
                      CLI_CALL("by", add_by, &j.by),     CLI_FLAG("json", &j.json),
                      CLI_TEXT("csv", &j.csv),           CLI_HELP,
                      CLI_FLAG("fill-gaps", &j.fill_gaps), CLI_END};
    int ex = EXIT_INTERNAL;
    zp_ctx *ctx = NULL;
    zp_model *m = NULL;
    zp_sim_result *sim = NULL;
    zp_acct_input *in = NULL;
    zp_acct_result *r = NULL;
    zp_factor_set *fs = NULL;
    zp_status rc;
    size_t missing = 0; /* --db: meter-steps without a reading (--fill-gaps) */

    if (!(j.data = calloc((size_t)argc + 1, sizeof *j.data)))
        return EXIT_INTERNAL;
    if (!cli_opts_parse(cmd, opts, argc, argv, &ex) || (ex = check_options(cmd, &j, argc)))
        goto out;
    if (!(ctx = cli_ctx_new("account"))) {
        ex = EXIT_INTERNAL;
        goto out;
    }
    if ((ex = cli_model_load("account", ctx, argv[optind], 0, &m)) ||
        (ex = read_input(cmd, ctx, &j, m, &sim, &in, &missing)))
        goto out;
    zp_acct_opts o;
    zp_acct_opts_from_model(&o, m);
    o.by = j.by ? j.by : ZP_ACCT_BY_MONTH;
    if (m->accounting.factor_set_path) {
        if ((rc = zp_factor_set_load_dir(ctx, m->accounting.factor_set_path, &fs))) {
            ex = cli_fail("account", ctx, rc);
            goto out;
        }
        o.factors = fs;
    }
    if ((rc = zp_account(ctx, in, &o, &r))) {
        ex = cli_fail("account", ctx, rc);
        goto out;
    }
    if (j.json) {
        char *text = NULL;
        if ((rc = zp_acct_result_json(ctx, r, 2, &text))) {
            ex = cli_fail("account", ctx, rc);
            goto out;
        }
        ex = print_json(&j, text, missing);
        zp_acct_text_free(ctx, text);
    } else {
        print_statement(m, r);
        if (j.fill_gaps)
            printf("  missing meter-steps: %s (no reading, counted as nothing metered; the totals "
                   "are lower bounds when not 0)\n", CLI_NUM((double)missing, 0));
    }
    if (j.csv)
        ex = write_csv(r, j.csv);
out:
    zp_acct_result_free(ctx, r);
    zp_acct_input_free(ctx, in);
    zp_sim_result_free(ctx, sim);
    zp_factor_set_free(ctx, fs);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    free(j.data);
    return ex;
}
