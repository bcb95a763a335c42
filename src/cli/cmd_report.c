/*
 * cmd_report.c - `zeropark report MODEL --html FILE`: simulate the park,
 * account its carbon, and write the self-contained HTML report (and the
 * monthly table as CSV). The library builds the text; this file only
 * writes it, through a temporary file and a rename so that a reader never
 * sees half a report.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "outfile.h"
#include "simopts.h"
#include "util.h"
#include "zeropark/carbon.h"
#include "zeropark/ledger.h"
#include "zeropark/report.h"

const char cmd_report_usage[] =
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

/* One report: what the options ask for and what is made of them. */
typedef struct report_job {
    const char *model, *html_path, *csv_path, *from_s, *to_s; /* the options */
    const char *credits_db, *credits_park, *db;
    long credits_year, run_id;
    bool json;
    zp_report_opts ro;
    cli_sim_args sim;
    zp_model *m; /* what is made */
    zp_sim_result *r;
    zp_acct_input *in;
    zp_acct_result *a;
    zp_report_cost *cost;
    char *html, *csv;
    size_t html_len, csv_len;
    json_t *offs;                 /* the ledger's answer to --credits-db */
    zp_report_offsets ofs;        /* the credits retired, pointing into offs */
    zp_report_retirement *items;  /* ofs.items, nitems of them (serials allocated here) */
    size_t nitems;
    double t_sim, t_acct, t_rep;  /* seconds */
} report_job;

/* Write len bytes to path through path.tmpPID and a rename. */
static int write_atomic(const char *path, const char *text, size_t len)
{
    cli_outfile o;
    int ex = cli_outfile_open(&o, "report", path);
    if (ex != EXIT_OK)
        return ex;
    fwrite(text, 1, len, o.f);
    return cli_outfile_commit(&o, "report", true);
}

/* The local calendar year in which the run starts. */
static int run_year(const zp_model *m, const zp_sim_result *r)
{
    int64_t y;
    unsigned mo, d;
    int64_t t = r->start + (int64_t)m->utc_offset_min * 60;
    zp_civil_from_days(zp_fdiv(t, 86400), &y, &mo, &d);
    return (int)y;
}

/* The credits retired against (park, year) in the ledger at db: j->offs
 * gets the ledger's answer, j->ofs points into it (j->items and each
 * item's serials text are allocated here, freed by job_free). */
static int load_offsets(zp_ctx *ctx, report_job *j, const char *db, const char *park, int year)
{
    json_t **doc = &j->offs;
    zp_report_offsets *o = &j->ofs;
    zp_report_retirement **items = &j->items;
    size_t *nitems = &j->nitems;
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

/* Simulate (or re-run the stored run), account and make the texts. */
static int make(const cli_cmd *cmd, zp_ctx *ctx, report_job *j)
{
    zp_status rc;
    int ex;
    zp_sim_opts *so = &j->sim.so;
    const int32_t off = j->m->utc_offset_min;
    if ((ex = cli_time_opt(cmd, "--from", j->from_s, off, &so->from)) ||
        (ex = cli_time_opt(cmd, "--to", j->to_s, off, &so->to)))
        return ex;
    double t0 = cli_now();
    if (j->run_id > 0) {
        zp_store *st = NULL;
        if (!(rc = zp_store_open(ctx, j->db, ZP_STORE_READONLY, &st)))
            rc = zp_sim_rerun(ctx, j->m, st, j->run_id, &j->r);
        zp_store_close(st);
    } else {
        rc = zp_simulate(ctx, j->m, so, &j->r);
    }
    if (rc || (rc = zp_report_cost_compute(ctx, j->r, &j->cost)))
        return cli_fail("report", ctx, rc);
    j->ro.run_id = j->run_id;
    double t1 = cli_now();
    /* The report's figures are the accounting's: it names the factors and
     * their sources, converts to tce and judges targets with "at risk". */
    zp_acct_opts ao;
    zp_acct_opts_from_model(&ao, j->m);
    if ((rc = zp_acct_from_sim(ctx, j->r, &j->in)) || (rc = zp_account(ctx, j->in, &ao, &j->a)))
        return cli_fail("report", ctx, rc);
    if (j->credits_db &&
        (ex = load_offsets(ctx, j, j->credits_db, j->credits_park ? j->credits_park : j->m->name,
                           j->credits_year ? (int)j->credits_year : run_year(j->m, j->r))) != EXIT_OK)
        return ex;
    if (j->credits_db)
        j->ro.offsets = &j->ofs;
    double t2 = cli_now();
    if ((j->html_path && (rc = zp_report_html(ctx, j->m, j->r, j->a, &j->ro, &j->html, &j->html_len))) ||
        (j->csv_path && (rc = zp_report_csv(ctx, j->m, j->r, j->a, &j->ro, &j->csv, &j->csv_len))))
        return cli_fail("report", ctx, rc);
    double t3 = cli_now();
    j->t_sim = t1 - t0;
    j->t_acct = t2 - t1;
    j->t_rep = t3 - t2;
    return EXIT_OK;
}

/* The bill's parts (zp_report_cost, read from the run's bill). */
static json_t *bill_json(const zp_bill_breakdown *b)
{
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "energy", b->energy, "demand",
                     b->demand, "capacity", b->capacity, "export_revenue", b->export_revenue,
                     "degradation", b->degradation, "green_power", b->green_power, "total",
                     b->total);
}

/* --json: where the files went and the headline figures. */
static int print_json(const report_job *j)
{
    const zp_model *m = j->m;
    const zp_acct_result *a = j->a;
    const zp_report_cost *cost = j->cost;
    json_t *doc = json_pack("{s:s?, s:I, s:s?, s:s, s:s, s:{s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f}}",
                            "html", j->html_path, "html_bytes", (json_int_t)j->html_len, "csv", j->csv_path,
                            "lang", j->ro.lang == ZP_REPORT_ZH ? "zh" : "en", "model", j->model,
                            "seconds", "simulate", j->t_sim, "account", j->t_acct, "report", j->t_rep,
                            "figures", "total_market_t", a->total.total_market_t,
                            "total_location_t", a->total.total_location_t,
                            "green_share_volumetric_pct", a->green_share_volumetric_pct,
                            "green_share_hourly_pct", a->green_share_hourly_pct);
    if (!doc)
        return EXIT_INTERNAL;
    json_t *months = json_array();
    char at[ZP_TIME_BUFSIZE];
    for (size_t i = 0; i < cost->nmonths; i++) {
        const zp_report_cost_month *x = &cost->months[i];
        char mon[ZP_TIME_BUFSIZE];
        zp_time_format(x->start, m->utc_offset_min, mon);
        mon[7] = '\0';
        json_array_append_new(
            months, json_pack("{s:s, s:f, s:f, s:f, s:f, s:s, s:o}", "month", mon,
                              "import_cost_cny", x->import_cost_cny, "export_revenue_cny",
                              x->export_revenue_cny, "net_cny", x->net_cny, "peak_import_kw",
                              x->peak_import_kw, "peak_import_at",
                              zp_time_format(x->peak_at, m->utc_offset_min, at), "bill_cny",
                              bill_json(&x->bill)));
    }
    json_object_set_new(doc, "dispatch", json_string(j->r->dispatch));
    json_object_set_new(doc, "run", j->run_id > 0 ? json_integer(j->run_id) : json_null());
    json_object_set_new(
        doc, "cost",
        json_pack("{s:f, s:f, s:f, s:f, s:s, s:o, s:o}", "import_cost_cny",
                  cost->import_cost_cny, "export_revenue_cny", cost->export_revenue_cny,
                  "net_cny", cost->net_cny, "peak_import_kw", cost->peak_import_kw,
                  "peak_import_at", zp_time_format(cost->peak_at, m->utc_offset_min, at),
                  "bill_cny", bill_json(&cost->bill), "months", months));
    if (j->offs) {
        /* The ledger's answer with the report's gross and net figures. */
        json_t *o = json_deep_copy(j->offs);
        json_object_set_new(o, "gross_t", json_real(a->total.total_market_t));
        json_object_set_new(o, "net_t", json_real(a->total.total_market_t -
                                                  (double)j->ofs.retired_t));
        json_object_set_new(doc, "offsets", o);
    }
    int ex = cli_print_json(doc) == 0 ? EXIT_OK : EXIT_INTERNAL;
    json_decref(doc);
    return ex;
}

/* Without --json: where the files went and the headline figures. */
static void print_text(const report_job *j)
{
    const zp_acct_result *a = j->a;
    const zp_report_cost *cost = j->cost;
    char at[ZP_TIME_BUFSIZE];
    if (j->html_path)
        printf("report written to %s (%s bytes, %s, %s ms)\n", j->html_path,
               CLI_NUM((double)j->html_len, 0), j->ro.lang == ZP_REPORT_ZH ? "zh" : "en",
               CLI_NUM(j->t_rep * 1e3, 1));
    if (j->csv_path)
        printf("monthly table written to %s\n", j->csv_path);
    if (j->run_id > 0)
        printf("stored run %ld of %s, dispatch %s\n", j->run_id, j->db, j->r->dispatch);
    else
        printf("dispatch %s\n", j->r->dispatch);
    printf("total emissions, market-based %s t CO2e; green share %s%% (hourly matched %s%%)\n",
           CLI_NUM(a->total.total_market_t, 1), CLI_NUM(a->green_share_volumetric_pct, 1),
           CLI_NUM(a->green_share_hourly_pct, 1));
    printf("energy cost: import %s CNY, export revenue %s CNY, net %s CNY\n",
           CLI_NUM(cost->import_cost_cny, 0), CLI_NUM(cost->export_revenue_cny, 0),
           CLI_NUM(cost->net_cny, 0));
    printf("peak grid import %s kW at %s\n", CLI_NUM(cost->peak_import_kw, 1),
           zp_time_format(cost->peak_at, j->m->utc_offset_min, at));
    printf("bill %s CNY: energy %s, demand charge %s, capacity charge %s, export revenue %s, "
           "battery wear %s, green-power premium %s\n",
           CLI_NUM(cost->bill.total, 0), CLI_NUM(cost->bill.energy, 0),
           CLI_NUM(cost->bill.demand, 0), CLI_NUM(cost->bill.capacity, 0),
           CLI_NUM(cost->bill.export_revenue, 0), CLI_NUM(cost->bill.degradation, 0),
           CLI_NUM(cost->bill.green_power, 0));
    if (j->offs)
        printf("offsets %s %d: gross %s t, credits retired %s t, net %s t CO2e\n", j->ofs.park,
               j->ofs.year, CLI_NUM(a->total.total_market_t, 1), CLI_NUM((double)j->ofs.retired_t, 0),
               CLI_NUM(a->total.total_market_t - (double)j->ofs.retired_t, 1));
}

static void job_free(zp_ctx *ctx, report_job *j)
{
    for (size_t i = 0; i < j->nitems; i++)
        free((char *)j->items[i].serials);
    free(j->items);
    json_decref(j->offs);
    zp_report_cost_free(ctx, j->cost);
    zp_report_free(ctx, j->html);
    zp_report_free(ctx, j->csv);
    zp_acct_result_free(ctx, j->a);
    zp_acct_input_free(ctx, j->in);
    zp_sim_result_free(ctx, j->r);
    zp_model_free(ctx, j->m);
}

static int parse_lang(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    if (zp_report_lang_parse(value, o->dst) != ZP_OK)
        return cli_usage_error(cmd, "--lang '%s': use en or zh", value);
    return EXIT_OK;
}

/* The options that go together. EXIT_OK or a usage error. */
static int check_options(const cli_cmd *cmd, const report_job *j)
{
    if (!j->html_path && !j->csv_path)
        return cli_usage_error(cmd, "nothing to write: give --html FILE and/or --csv FILE");
    if ((j->credits_park || j->credits_year) && !j->credits_db)
        return cli_usage_error(cmd, "--credits-park and --credits-year need --credits-db FILE");
    if ((j->run_id > 0) != (j->db != NULL))
        return cli_usage_error(cmd, j->run_id > 0 ? "--run needs --db FILE" : "--db needs --run ID");
    if (j->run_id > 0 && (j->sim.given || j->from_s || j->to_s))
        return cli_usage_error(cmd, "--run reports the stored run with its own dispatch, "
                               "options and period: leave out --dispatch, the MPC options, "
                               "--from and --to");
    return cli_sim_mpc_only(cmd, &j->sim);
}

int cmd_report_run(const cli_cmd *cmd, int argc, char **argv)
{
    report_job j;
    memset(&j, 0, sizeof j);
    zp_report_opts_init(&j.ro);
    cli_sim_args_init(&j.sim);
    cli_opt opts[] = {CLI_TEXT("html", &j.html_path),
                      CLI_TEXT("csv", &j.csv_path),
                      CLI_CALL("lang", parse_lang, &j.ro.lang),
                      CLI_TEXT("title", &j.ro.title),
                      CLI_TEXT("from", &j.from_s),
                      CLI_TEXT("to", &j.to_s),
                      CLI_FLAG("json", &j.json),
                      CLI_HELP,
                      CLI_TEXT("credits-db", &j.credits_db),
                      CLI_TEXT("credits-park", &j.credits_park),
                      CLI_LONG("credits-year", &j.credits_year, 1900, 2200, ": a year 1900-2200"),
                      CLI_LONG("run", &j.run_id, 1, 1L << 50, ": a run id"),
                      CLI_TEXT("db", &j.db),
                      CLI_SIM_OPTS(&j.sim),
                      CLI_END};
    int ex;
    if (!cli_opts_parse(cmd, opts, argc, argv, &ex))
        return ex;
    if ((ex = cli_one_operand(cmd, argc, "MODEL")) || (ex = check_options(cmd, &j)))
        return ex;
    j.model = argv[optind];

    zp_ctx *ctx = cli_ctx_new("report");
    if (!ctx)
        return EXIT_INTERNAL;
    if (!(ex = cli_model_load("report", ctx, j.model, 0, &j.m)) && !(ex = make(cmd, ctx, &j)) &&
        !(j.html_path && (ex = write_atomic(j.html_path, j.html, j.html_len))) &&
        !(j.csv_path && (ex = write_atomic(j.csv_path, j.csv, j.csv_len)))) {
        if (j.json)
            ex = print_json(&j);
        else
            print_text(&j);
    }
    job_free(ctx, &j);
    zp_ctx_free(ctx);
    return ex;
}
