/*
 * cmd_account.c - `zeropark account MODEL`: carbon and energy accounting
 * of metered data (CSV or a store) or of a simulated run: Scope 1 and 2
 * (location- and market-based), green share, PUE/CUE/WUE, tce, targets,
 * carbon budget (docs/methodology.md "Carbon accounting").
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "zeropark/carbon.h"

static const char usage_text[] =
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

static int run(int argc, char **argv);
const cli_cmd cmd_account = {"account", "carbon and energy accounting (Scope 1/2, tce, targets)",
                             usage_text, run};

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

/* --run ID: the stored run simulated again with its stored options after
 * the inputs' hash check; the re-run must reproduce the stored emissions
 * (zp_sim_rerun). Returns an exit code (messages printed). */
static int input_from_run(zp_ctx *ctx, const zp_model *m, const char *db, long id,
                          zp_sim_result **sim, zp_acct_input **in)
{
    zp_store *st = NULL;
    zp_status rc;
    int ex = EXIT_OK;
    if ((rc = zp_store_open(ctx, db, ZP_STORE_READONLY, &st)) ||
        (rc = zp_sim_rerun(ctx, m, st, id, sim)) || (rc = zp_acct_from_sim(ctx, *sim, in)))
        ex = cli_fail("account", ctx, rc);
    zp_store_close(st);
    return ex;
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'D'}, {"db", required_argument, NULL, 'b'},
        {"run", required_argument, NULL, 'r'},  {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},   {"by", required_argument, NULL, 'y'},
        {"json", no_argument, NULL, 'j'},       {"csv", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},       {"fill-gaps", no_argument, NULL, 'g'},
        {0, 0, 0, 0}};
    const char **data = NULL;
    size_t ndata = 0;
    const char *db = NULL, *csv = NULL, *from_s = NULL, *to_s = NULL;
    long run_id = -1;
    unsigned by = 0;
    bool json = false, fill_gaps = false;
    int c, ex = EXIT_OK;
    zp_ctx *ctx = NULL;
    zp_model *m = NULL;
    zp_sim_result *sim = NULL;
    zp_acct_input *in = NULL;
    zp_acct_result *r = NULL;
    zp_factor_set *fs = NULL;
    zp_status rc;

    opterr = 0;
    optind = 1;
    if (!(data = calloc((size_t)argc + 1, sizeof *data)))
        return EXIT_INTERNAL;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'D':
            data[ndata++] = optarg;
            break;
        case 'b':
            db = optarg;
            break;
        case 'g':
            fill_gaps = true;
            break;
        case 'r':
            if (!cli_parse_long(optarg, 1, 1L << 50, &run_id)) {
                ex = cli_usage_error(&cmd_account, "--run '%s': a run id", optarg);
                goto out;
            }
            break;
        case 'f':
            from_s = optarg;
            break;
        case 't':
            to_s = optarg;
            break;
        case 'y':
            if (strcmp(optarg, "month") == 0)
                by |= ZP_ACCT_BY_MONTH;
            else if (strcmp(optarg, "day") == 0)
                by |= ZP_ACCT_BY_DAY;
            else if (strcmp(optarg, "asset") == 0)
                by |= ZP_ACCT_BY_ASSET;
            else {
                ex = cli_usage_error(&cmd_account, "--by '%s': use month, day or asset", optarg);
                goto out;
            }
            break;
        case 'j':
            json = true;
            break;
        case 'c':
            csv = optarg;
            break;
        case 'h':
            ex = cli_help(&cmd_account);
            goto out;
        default:
            ex = cli_usage_error(&cmd_account, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc - 1) {
        ex = cli_usage_error(&cmd_account, "expected one MODEL");
        goto out;
    }
    if ((ndata > 0) + (run_id > 0) + (db && run_id < 0) != 1) {
        ex = cli_usage_error(&cmd_account, "give one input: --data CSV..., --db FILE or --run ID --db FILE");
        goto out;
    }
    if (run_id > 0 && !db) {
        ex = cli_usage_error(&cmd_account, "--run needs --db FILE");
        goto out;
    }
    if (run_id > 0 && (from_s || to_s || fill_gaps)) {
        ex = cli_usage_error(&cmd_account,
                             "--run accounts the stored run over its own period: leave out %s (to "
                             "account part of it, simulate that part with zeropark simulate --from "
                             "--to --db)",
                             from_s ? "--from" : to_s ? "--to" : "--fill-gaps (it is for --db series)");
        goto out;
    }
    if (!(ctx = zp_ctx_new())) {
        ex = EXIT_INTERNAL;
        goto out;
    }
    cli_warnings_to_stderr(ctx, "account");
    if ((rc = zp_model_load_file(ctx, argv[optind], 0, &m))) {
        ex = cli_fail("account", ctx, rc);
        goto out;
    }
    zp_time_t from = 0, to = 0;
    size_t missing = 0; /* --db: meter-steps without a reading (--fill-gaps) */
    if ((from_s && !cli_parse_time(from_s, m->utc_offset_min, &from)) ||
        (to_s && !cli_parse_time(to_s, m->utc_offset_min, &to))) {
        ex = cli_usage_error(&cmd_account, "--from/--to: ISO-8601 times, e.g. 2024-03-01");
        goto out;
    }
    if (ndata)
        rc = zp_acct_from_csv(ctx, data, ndata, m, from, to, &in);
    else if (run_id > 0) {
        if ((ex = input_from_run(ctx, m, db, run_id, &sim, &in)) != EXIT_OK)
            goto out;
        rc = ZP_OK;
    } else {
        zp_store *st = NULL;
        rc = zp_store_open(ctx, db, ZP_STORE_READONLY, &st);
        if (!rc)
            rc = zp_acct_from_store_ex(ctx, st, m, from, to, fill_gaps ? ZP_ACCT_FILL_GAPS : 0, &in);
        zp_store_close(st);
        if (!rc)
            missing = in->missing_steps;
    }
    if (rc) {
        ex = cli_fail("account", ctx, rc);
        goto out;
    }
    zp_acct_opts o;
    zp_acct_opts_from_model(&o, m);
    o.by = by ? by : ZP_ACCT_BY_MONTH;
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
    if (json) {
        char *text = NULL;
        if ((rc = zp_acct_result_json(ctx, r, 2, &text))) {
            ex = cli_fail("account", ctx, rc);
            goto out;
        }
        /* --fill-gaps: the filled meter-steps, as /api/v1/carbon gives them */
        json_t *doc = fill_gaps ? json_loads(text, 0, NULL) : NULL;
        if (doc && json_object_set_new(doc, "missing_meter_steps", json_integer((json_int_t)missing)) == 0)
            cli_print_json(doc);
        else if (!fill_gaps)
            puts(text);
        else
            ex = EXIT_INTERNAL;
        json_decref(doc);
        zp_acct_text_free(ctx, text);
    } else {
        print_statement(m, r);
        if (fill_gaps)
            printf("  missing meter-steps: %s (no reading, counted as nothing metered; the totals "
                   "are lower bounds when not 0)\n", CLI_NUM((double)missing, 0));
    }
    if (csv)
        ex = write_csv(r, csv);
out:
    zp_acct_result_free(ctx, r);
    zp_acct_input_free(ctx, in);
    zp_sim_result_free(ctx, sim);
    zp_factor_set_free(ctx, fs);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    free(data);
    return ex;
}
