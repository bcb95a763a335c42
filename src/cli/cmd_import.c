/*
 * cmd_import.c - `zeropark import --db FILE CSV`: load CSV columns into the
 * store as series.
 */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char usage_text[] =
    "usage: zeropark import --db FILE CSV [--series NAME[=COLUMN]]... [options]\n"
    "\n"
    "Import columns of a CSV file into the store as series (created if new).\n"
    "The CSV has a header row; its first column is an ISO-8601 timestamp with an\n"
    "offset, one row per interval at a fixed step (docs/formats.md). Gaps,\n"
    "duplicates, rows out of order and non-numeric values are all reported with\n"
    "FILE:LINE and nothing is imported.\n"
    "\n"
    "Options:\n"
    "  --db FILE             store to write (SQLite; created if missing)\n"
    "  --series NAME[=COL]   store column COL (default: NAME) as series NAME;\n"
    "                        repeat for several; default: every column, named\n"
    "                        after its header\n"
    "  --unit UNIT           unit to record (default: from the name's suffix,\n"
    "                        _kw -> kW, _kwh -> kWh, _kg_per_kwh -> kg/kWh, ...)\n"
    "  --kind KIND           power | energy | intensity: how the series resamples\n"
    "                        (default: from the suffix; _kwh is energy, _kw power,\n"
    "                        anything else intensity)\n"
    "  --offset +HH:MM       offset for timestamps that carry none (default: reject)\n"
    "  --json                print what was imported as JSON\n"
    "  -h, --help            show this help\n"
    "\n"
    "Each chunk of readings is committed on its own: an interrupted import keeps\n"
    "what was committed and the file stays consistent.\n";

static int run(int argc, char **argv);
const cli_cmd cmd_import = {"import", "import CSV columns into the store", usage_text, run};

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Unit and kind from the naming convention of DESIGN.md (units in names). */
static void infer_unit(const char *name, const char **unit, zp_series_kind *kind)
{
    static const struct {
        const char *suffix, *unit;
        zp_series_kind kind;
    } table[] = {
        {"_kg_per_kwh", "kg/kWh", ZP_SERIES_INTENSITY},
        {"_cny_per_kwh", "CNY/kWh", ZP_SERIES_INTENSITY},
        {"_g_per_kwh", "g/kWh", ZP_SERIES_INTENSITY},
        {"_kwh", "kWh", ZP_SERIES_ENERGY},
        {"_mwh", "MWh", ZP_SERIES_ENERGY},
        {"_kw", "kW", ZP_SERIES_POWER},
        {"_mw", "MW", ZP_SERIES_POWER},
        {"_w_m2", "W/m2", ZP_SERIES_INTENSITY},
        {"_m_s", "m/s", ZP_SERIES_INTENSITY},
        {"_c", "degC", ZP_SERIES_INTENSITY},
        {"_pct", "%", ZP_SERIES_INTENSITY},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (ends_with(name, table[i].suffix)) {
            *unit = table[i].unit;
            *kind = table[i].kind;
            return;
        }
    *unit = NULL;
    *kind = ZP_SERIES_INTENSITY;
}

static int on_progress(void *ud, uint64_t done, uint64_t total)
{
    cli_progress_update(ud, done, total);
    return 0;
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"series", required_argument, NULL, 's'},
                                         {"unit", required_argument, NULL, 'u'},
                                         {"kind", required_argument, NULL, 'k'},
                                         {"offset", required_argument, NULL, 'o'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *unit_opt = NULL;
    int kind_opt = -1;
    bool json = false;
    int32_t offset = ZP_TIME_NO_DEFAULT;
    char **names = calloc((size_t)argc, sizeof *names);   /* series names */
    const char **cols = calloc((size_t)argc, sizeof *cols); /* CSV columns */
    size_t nsel = 0;
    int exit_code = EXIT_OK;
    zp_ctx *ctx = NULL;
    zp_store *st = NULL;
    zp_series **series = NULL;
    size_t nseries = 0;
    if (!names || !cols) {
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 's': {
            names[nsel] = strdup(optarg);
            if (!names[nsel]) {
                exit_code = EXIT_INTERNAL;
                goto out;
            }
            char *eq = strchr(names[nsel], '=');
            if (eq) {
                *eq = '\0';
                cols[nsel] = eq + 1;
            } else {
                cols[nsel] = names[nsel];
            }
            if (!names[nsel][0] || !cols[nsel][0]) {
                exit_code = cli_usage_error(&cmd_import, "--series '%s': empty name or column", optarg);
                nsel++;
                goto out;
            }
            nsel++;
            break;
        }
        case 'u':
            unit_opt = optarg;
            break;
        case 'k':
            kind_opt = strcmp(optarg, "power") == 0 ? ZP_SERIES_POWER
                       : strcmp(optarg, "energy") == 0 ? ZP_SERIES_ENERGY
                       : strcmp(optarg, "intensity") == 0 ? ZP_SERIES_INTENSITY
                                                          : -2;
            if (kind_opt == -2) {
                exit_code = cli_usage_error(&cmd_import, "--kind '%s': use power, energy or intensity", optarg);
                goto out;
            }
            break;
        case 'o':
            if (!cli_parse_offset(optarg, &offset)) {
                exit_code = cli_usage_error(&cmd_import, "--offset '%s': use +HH:MM, -HH:MM or Z", optarg);
                goto out;
            }
            break;
        case 'j':
            json = true;
            break;
        default:
            exit_code = cli_usage_error(&cmd_import, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (!db) {
        exit_code = cli_usage_error(&cmd_import, "missing --db FILE");
        goto out;
    }
    if (optind != argc - 1) {
        exit_code = cli_usage_error(&cmd_import, optind >= argc ? "missing CSV file" : "expected one CSV file");
        goto out;
    }
    const char *csv = argv[optind];

    ctx = zp_ctx_new();
    if (!ctx) {
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    double t0 = cli_now();
    zp_csv_opts co;
    zp_csv_opts_init(&co);
    co.columns = nsel ? cols : NULL;
    co.ncolumns = nsel;
    co.default_offset_min = offset;
    zp_status rc = zp_csv_read_file(ctx, csv, &co, &series, &nseries);
    if (rc) {
        exit_code = cli_fail("import", ctx, rc);
        goto out;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < nseries; i++) {
        if (nsel && (rc = zp_series_set_name(ctx, series[i], names[i])) != ZP_OK) {
            exit_code = cli_fail("import", ctx, rc);
            goto out;
        }
        const char *unit;
        zp_series_kind kind;
        infer_unit(series[i]->name, &unit, &kind);
        if (unit_opt)
            unit = unit_opt;
        if (kind_opt >= 0)
            kind = (zp_series_kind)kind_opt;
        series[i]->kind = kind;
        if (unit && (rc = zp_series_set_unit(ctx, series[i], unit)) != ZP_OK) {
            exit_code = cli_fail("import", ctx, rc);
            goto out;
        }
        total += series[i]->len;
    }
    rc = zp_store_open(ctx, db, ZP_STORE_CREATE, &st);
    if (rc) {
        exit_code = cli_fail("import", ctx, rc);
        goto out;
    }
    cli_progress prog;
    cli_progress_init(&prog, "import");
    rc = zp_store_write(st, (const zp_series *const *)series, nseries, on_progress, &prog);
    cli_progress_done(&prog);
    if (rc) {
        exit_code = cli_fail("import", ctx, rc);
        goto out;
    }
    double secs = cli_now() - t0;
    if (json) {
        char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
        json_t *arr = json_array();
        for (size_t i = 0; i < nseries; i++) {
            const zp_series *s = series[i];
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s?, s:i, s:s, s:s, s:I}", "name", s->name, "column",
                               nsel ? cols[i] : s->name, "unit", s->unit, "step_s", (int)s->step_s,
                               "start", zp_time_format(s->start, 0, a), "end",
                               zp_time_format(zp_series_end(s), 0, b), "values",
                               (json_int_t)s->len));
        }
        json_t *doc = json_pack("{s:s, s:s, s:o, s:I, s:f}", "file", csv, "db", db, "series",
                                arr, "readings", (json_int_t)total, "seconds", secs);
        cli_print_json(doc);
        json_decref(doc);
    } else {
        printf("imported %llu readings in %zu series from %s into %s (%.2f s)\n",
               (unsigned long long)total, nseries, csv, db, secs);
    }
out:
    zp_store_close(st);
    if (ctx) {
        zp_series_array_free(ctx, series, nseries);
        zp_ctx_free(ctx);
    }
    if (names)
        for (size_t i = 0; i < nsel; i++)
            free(names[i]);
    free(names);
    free(cols);
    return exit_code;
}
