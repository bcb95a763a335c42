/*
 * cmd_report.c - `zeropark report MODEL --html FILE`: simulate the park,
 * account its carbon, and write the self-contained HTML report (and the
 * monthly table as CSV). The library builds the text; this file only
 * writes it, through a temporary file and a rename so that a reader never
 * sees half a report.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simopts.h"
#include "util.h"
#include "zeropark/carbon.h"
#include "zeropark/ledger.h"
#include "zeropark/report.h"

static const char usage_text[] =
    "usage: zeropark report MODEL (--html FILE | --csv FILE) [options]\n"
    "\n"
    "Simulate the park over its period, account its carbon (Scope 1, Scope 2\n"
    "location- and market-based, green share, PUE, energy in tce, targets and\n"
    "the carbon budget) and write the report: one self-contained HTML file\n"
    "with charts (monthly emissions by scope, hourly carbon-free share, energy\n"
    "sources, budget burn-down, PUE) and tables (with the energy cost and the\n"
    "monthly peak grid import), and the method and factor sources written out\n"
    "(docs/report.md).\n"
    "\n"
    "Options:\n"
    "  --html FILE           write the HTML report to FILE\n"
    "  --csv FILE            write the monthly table to FILE (CSV)\n"
    "  --dispatch METHOD     rule (default), optimal or mpc; with the MPC options\n"
    "                        of zeropark simulate (--horizon-h, --replan-h,\n"
    "                        --pv-forecast, --load-forecast, --wind-forecast,\n"
    "                        --noise-pct, --seed)\n"
    "  --run ID --db FILE    report a run stored by zeropark simulate --db: it is\n"
    "                        simulated again with its stored dispatch and options\n"
    "                        (the model and its files must be unchanged)\n"
    "  --lang en|zh          language of the report (default en)\n"
    "  --title TEXT          page title (default: the model's name)\n"
    "  --from TIME, --to TIME  report only [from, to) inside the model period;\n"
    "                        the budget is projected to the end of its year\n"
    "  --credits-db FILE     the carbon-credit ledger (zeropark credits): show gross\n"
    "                        emissions, the credits retired against the park-year\n"
    "                        with their serial numbers, and net emissions\n"
    "  --credits-park NAME   the park name the credits were retired for\n"
    "                        (default: the model's name)\n"
    "  --credits-year YEAR   the park-year (default: the year the run starts in)\n"
    "  --json                print where the files went and the headline\n"
    "                        figures as JSON\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 ok (targets are reported, not enforced), 2 bad model or\n"
    "options or an unwritable file, 3 internal error.\n";

static int run(int argc, char **argv);
const cli_cmd cmd_report = {"report", "write the park's HTML report (charts, tables, sources)",
                            usage_text, run};

/* Write len bytes to path through path.tmpPID and a rename. */
static int write_atomic(const char *path, const char *text, size_t len)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return EXIT_INTERNAL;
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cli_err("report", "cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return EXIT_USAGE;
    }
    int bad = fwrite(text, 1, len, f) != len;
    /* The data must be on disk before the rename makes it visible. */
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        cli_err("report", "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return EXIT_USAGE;
    }
    free(tmp);
    return EXIT_OK;
}

/* The local calendar year in which the run starts. */
static int run_year(const zp_model *m, const zp_sim_result *r)
{
    int64_t y;
    unsigned mo, d;
    int64_t t = r->start + (int64_t)m->utc_offset_min * 60;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    zp_civil_from_days(days, &y, &mo, &d);
    return (int)y;
}

/* The credits retired against (park, year) in the ledger at db: *doc gets
 * the ledger's answer, *o points into it (*items and each item's serials
 * text are allocated here, freed by the caller: *nitems of them). */
static int load_offsets(zp_ctx *ctx, const char *db, const char *park, int year, json_t **doc,
                        zp_report_offsets *o, zp_report_retirement **items, size_t *nitems)
{
    zp_ledger *lg = NULL;
    json_t *args = json_pack("{s:s, s:i}", "park", park, "year", year);
    zp_status rc = args ? zp_ledger_open(ctx, db, ZP_LEDGER_READONLY, &lg) : ZP_ENOMEM;
    if (!rc)
        rc = zp_ledger_exec(lg, "offsets", args, NULL, doc);
    json_decref(args);
    zp_ledger_close(lg);
    if (rc)
        return cli_fail("report", ctx, rc);
    json_t *list = json_object_get(*doc, "retirements");
    size_t n = json_array_size(list);
    if (!(*items = calloc(n ? n : 1, sizeof **items)))
        return EXIT_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(list, i), *ser = json_object_get(e, "serials");
        size_t len = 1, k;
        json_t *sv;
        json_array_foreach(ser, k, sv)
            len += strlen(json_is_string(sv) ? json_string_value(sv) : "?") + 2;
        char *t = malloc(len);
        if (!t)
            return EXIT_INTERNAL;
        t[0] = 0;
        json_array_foreach(ser, k, sv)
        {
            if (k)
                strcat(t, ", ");
            strcat(t, json_is_string(sv) ? json_string_value(sv) : "?");
        }
        (*items)[i] = (zp_report_retirement){
            json_integer_value(json_object_get(e, "retirement")),
            json_integer_value(json_object_get(e, "qty")),
            json_string_value(json_object_get(e, "project")),
            json_string_value(json_object_get(e, "beneficiary")),
            json_string_value(json_object_get(e, "purpose")), t};
        (*nitems)++;
    }
    *o = (zp_report_offsets){json_string_value(json_object_get(*doc, "park")), year,
                             json_integer_value(json_object_get(*doc, "retired_t")), *items, n};
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"html", required_argument, NULL, 'X'}, {"csv", required_argument, NULL, 'c'},
        {"lang", required_argument, NULL, 'l'}, {"title", required_argument, NULL, 'T'},
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},       {"help", no_argument, NULL, 'h'},
        {"credits-db", required_argument, NULL, 'C'},
        {"credits-park", required_argument, NULL, 'K'},
        {"credits-year", required_argument, NULL, 'Y'},
        {"run", required_argument, NULL, 'r'}, {"db", required_argument, NULL, 'b'},
        CLI_SIM_LONG_OPTIONS,
        {0, 0, 0, 0}};
    zp_report_opts ro;
    zp_report_opts_init(&ro);
    const char *html_path = NULL, *csv_path = NULL, *from_s = NULL, *to_s = NULL;
    const char *credits_db = NULL, *credits_park = NULL, *db = NULL;
    long credits_year = 0, run_id = 0;
    bool json = false, sim_opts = false;
    int mpc_opt = 0;
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    so.forecast = &fo;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'X': html_path = optarg; break;
        case 'c': csv_path = optarg; break;
        case 'l':
            if (zp_report_lang_parse(optarg, &ro.lang) != ZP_OK)
                return cli_usage_error(&cmd_report, "--lang '%s': use en or zh", optarg);
            break;
        case 'T': ro.title = optarg; break;
        case 'f': from_s = optarg; break;
        case 't': to_s = optarg; break;
        case 'j': json = true; break;
        case 'C': credits_db = optarg; break;
        case 'K': credits_park = optarg; break;
        case 'Y':
            if (!cli_parse_long(optarg, 1900, 2200, &credits_year))
                return cli_usage_error(&cmd_report, "--credits-year '%s': a year 1900-2200", optarg);
            break;
        case 'r':
            if (!cli_parse_long(optarg, 1, 1L << 50, &run_id))
                return cli_usage_error(&cmd_report, "--run '%s': a run id", optarg);
            break;
        case 'b': db = optarg; break;
        case 'd':
        case 'H':
        case 'R':
        case 'P':
        case 'L':
        case 'W':
        case 'N':
        case 'S': {
            int e = cli_sim_option(c, optarg, &so, &fo, &cmd_report);
            if (e != EXIT_OK)
                return e;
            sim_opts = true;
            if (c != 'd' && !mpc_opt)
                mpc_opt = c;
            break;
        }
        case 'h': return cli_help(&cmd_report);
        default:
            return cli_usage_error(&cmd_report, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(&cmd_report, optind >= argc ? "missing MODEL" : "expected one MODEL");
    if (!html_path && !csv_path)
        return cli_usage_error(&cmd_report, "nothing to write: give --html FILE and/or --csv FILE");
    if ((credits_park || credits_year) && !credits_db)
        return cli_usage_error(&cmd_report, "--credits-park and --credits-year need --credits-db FILE");
    if ((run_id > 0) != (db != NULL))
        return cli_usage_error(&cmd_report, run_id > 0 ? "--run needs --db FILE" : "--db needs --run ID");
    if (run_id > 0 && (sim_opts || from_s || to_s))
        return cli_usage_error(&cmd_report, "--run reports the stored run with its own dispatch, "
                               "options and period: leave out --dispatch, the MPC options, "
                               "--from and --to");
    if (cli_sim_mpc_only(&cmd_report, &so, mpc_opt) != EXIT_OK)
        return EXIT_USAGE;
    const char *path = argv[optind];

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    cli_warnings_to_stderr(ctx, "report");
    zp_model *m = NULL;
    zp_sim_result *r = NULL;
    zp_acct_input *in = NULL;
    zp_acct_result *a = NULL;
    char *html = NULL, *csv = NULL;
    size_t html_len = 0, csv_len = 0;
    json_t *doc = NULL, *offs = NULL;
    zp_report_retirement *items = NULL;
    size_t nitems = 0;
    zp_report_offsets ofs;
    zp_report_cost *cost = NULL;
    zp_store *st = NULL;
    int exit_code = EXIT_OK;
    double t_sim = 0, t_acct = 0, t_rep = 0;

    zp_status rc = zp_model_load_file(ctx, path, 0, &m);
    if (rc) {
        exit_code = cli_fail("report", ctx, rc);
        goto out;
    }
    if (from_s && !cli_parse_time(from_s, m->utc_offset_min, &so.from)) {
        exit_code = cli_usage_error(&cmd_report, "--from '%s': not an ISO-8601 time", from_s);
        goto out;
    }
    if (to_s && !cli_parse_time(to_s, m->utc_offset_min, &so.to)) {
        exit_code = cli_usage_error(&cmd_report, "--to '%s': not an ISO-8601 time", to_s);
        goto out;
    }
    double t0 = cli_now();
    if (run_id > 0) {
        if (!(rc = zp_store_open(ctx, db, ZP_STORE_READONLY, &st)))
            rc = zp_sim_rerun(ctx, m, st, run_id, &r);
    } else {
        rc = zp_simulate(ctx, m, &so, &r);
    }
    if (rc || (rc = zp_report_cost_compute(ctx, r, &cost))) {
        exit_code = cli_fail("report", ctx, rc);
        goto out;
    }
    ro.run_id = run_id;
    double t1 = cli_now();
    /* The report's figures are the accounting's: it names the factors and
     * their sources, converts to tce and judges targets with "at risk". */
    zp_acct_opts ao;
    zp_acct_opts_from_model(&ao, m);
    if ((rc = zp_acct_from_sim(ctx, r, &in)) || (rc = zp_account(ctx, in, &ao, &a))) {
        exit_code = cli_fail("report", ctx, rc);
        goto out;
    }
    if (credits_db &&
        (exit_code = load_offsets(ctx, credits_db, credits_park ? credits_park : m->name,
                                  credits_year ? (int)credits_year : run_year(m, r), &offs, &ofs,
                                  &items, &nitems)) != EXIT_OK)
        goto out;
    if (credits_db)
        ro.offsets = &ofs;
    double t2 = cli_now();
    if ((html_path && (rc = zp_report_html(ctx, m, r, a, &ro, &html, &html_len))) ||
        (csv_path && (rc = zp_report_csv(ctx, m, r, a, &ro, &csv, &csv_len)))) {
        exit_code = cli_fail("report", ctx, rc);
        goto out;
    }
    double t3 = cli_now();
    t_sim = t1 - t0;
    t_acct = t2 - t1;
    t_rep = t3 - t2;
    if (html_path && (exit_code = write_atomic(html_path, html, html_len)) != EXIT_OK)
        goto out;
    if (csv_path && (exit_code = write_atomic(csv_path, csv, csv_len)) != EXIT_OK)
        goto out;

    if (json) {
        doc = json_pack("{s:s?, s:I, s:s?, s:s, s:s, s:{s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f}}",
                        "html", html_path, "html_bytes", (json_int_t)html_len, "csv", csv_path,
                        "lang", ro.lang == ZP_REPORT_ZH ? "zh" : "en", "model", path,
                        "seconds", "simulate", t_sim, "account", t_acct, "report", t_rep,
                        "figures", "total_market_t", a->total.total_market_t,
                        "total_location_t", a->total.total_location_t,
                        "green_share_volumetric_pct", a->green_share_volumetric_pct,
                        "green_share_hourly_pct", a->green_share_hourly_pct);
        if (!doc) {
            exit_code = EXIT_INTERNAL;
            goto out;
        }
        json_t *months = json_array();
        char at[ZP_TIME_BUFSIZE];
        for (size_t i = 0; i < cost->nmonths; i++) {
            const zp_report_cost_month *x = &cost->months[i];
            char mon[ZP_TIME_BUFSIZE];
            zp_time_format(x->start, m->utc_offset_min, mon);
            mon[7] = '\0';
            json_array_append_new(
                months, json_pack("{s:s, s:f, s:f, s:f, s:f, s:s}", "month", mon, "import_cost_cny",
                                  x->import_cost_cny, "export_revenue_cny", x->export_revenue_cny,
                                  "net_cny", x->net_cny, "peak_import_kw", x->peak_import_kw,
                                  "peak_import_at", zp_time_format(x->peak_at, m->utc_offset_min, at)));
        }
        json_object_set_new(doc, "dispatch", json_string(r->dispatch));
        json_object_set_new(doc, "run", run_id > 0 ? json_integer(run_id) : json_null());
        json_object_set_new(
            doc, "cost",
            json_pack("{s:f, s:f, s:f, s:f, s:s, s:o}", "import_cost_cny", cost->import_cost_cny,
                      "export_revenue_cny", cost->export_revenue_cny, "net_cny", cost->net_cny,
                      "peak_import_kw", cost->peak_import_kw, "peak_import_at",
                      zp_time_format(cost->peak_at, m->utc_offset_min, at), "months", months));
        if (offs) {
            /* The ledger's answer with the report's gross and net figures. */
            json_t *o = json_deep_copy(offs);
            json_object_set_new(o, "gross_t", json_real(a->total.total_market_t));
            json_object_set_new(o, "net_t", json_real(a->total.total_market_t -
                                                      (double)ofs.retired_t));
            json_object_set_new(doc, "offsets", o);
        }
        exit_code = cli_print_json(doc) == 0 ? EXIT_OK : EXIT_INTERNAL;
    } else {
        char at[ZP_TIME_BUFSIZE];
        if (html_path)
            printf("report written to %s (%s bytes, %s, %s ms)\n", html_path,
                   CLI_NUM((double)html_len, 0), ro.lang == ZP_REPORT_ZH ? "zh" : "en",
                   CLI_NUM(t_rep * 1e3, 1));
        if (csv_path)
            printf("monthly table written to %s\n", csv_path);
        if (run_id > 0)
            printf("stored run %ld of %s, dispatch %s\n", run_id, db, r->dispatch);
        else
            printf("dispatch %s\n", r->dispatch);
        printf("total emissions, market-based %s t CO2e; green share %s%% (hourly matched %s%%)\n",
               CLI_NUM(a->total.total_market_t, 1), CLI_NUM(a->green_share_volumetric_pct, 1),
               CLI_NUM(a->green_share_hourly_pct, 1));
        printf("energy cost: import %s CNY, export revenue %s CNY, net %s CNY\n",
               CLI_NUM(cost->import_cost_cny, 0), CLI_NUM(cost->export_revenue_cny, 0),
               CLI_NUM(cost->net_cny, 0));
        printf("peak grid import %s kW at %s\n", CLI_NUM(cost->peak_import_kw, 1),
               zp_time_format(cost->peak_at, m->utc_offset_min, at));
        if (offs)
            printf("offsets %s %d: gross %s t, credits retired %s t, net %s t CO2e\n", ofs.park,
                   ofs.year, CLI_NUM(a->total.total_market_t, 1), CLI_NUM((double)ofs.retired_t, 0),
                   CLI_NUM(a->total.total_market_t - (double)ofs.retired_t, 1));
    }
out:
    for (size_t i = 0; i < nitems; i++)
        free((char *)items[i].serials);
    free(items);
    json_decref(offs);
    json_decref(doc);
    zp_report_cost_free(ctx, cost);
    zp_store_close(st);
    zp_report_free(ctx, html);
    zp_report_free(ctx, csv);
    zp_acct_result_free(ctx, a);
    zp_acct_input_free(ctx, in);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return exit_code;
}
