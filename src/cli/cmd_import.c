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
    "FILE:LINE and nothing is imported. CSV '-' reads standard input.\n"
    "\n"
    "Options:\n"
    "  --db FILE             store to write (SQLite; created if missing)\n"
    "  --series NAME[=COL]   store column COL (default: NAME) as series NAME;\n"
    "                        repeat for several; default: every column, named\n"
    "                        after its header\n"
    "  --unit UNIT           unit to record (default: from the name's suffix,\n"
    "                        _kw -> kW, _kwh -> kWh, _kg_per_kwh -> kg/kWh, ...)\n"
    "  --kind KIND           power | energy | intensity | counter: how the series\n"
    "                        resamples (default: from the suffix; _total is a\n"
    "                        counter, _kwh energy, _kw power, anything else\n"
    "                        intensity). A counter holds the readings of a\n"
    "                        cumulative register; its name ends in _total\n"
    "  --offset +HH:MM       offset for timestamps that carry none (default: reject)\n"
    "                        and for the times --json prints (default +08:00)\n"
    "  --max-line-bytes N    longest accepted CSV line (default 65536)\n"
    "  --json                print what was imported as JSON\n"
    "  -h, --help            show this help\n"
    "\n"
    "A counter reading lower than the one before by at most 0.1 % is noise:\n"
    "it counts 0 and the counter goes on from the higher reading. A larger drop\n"
    "is reported as a warning with its CSV line: a roll-over of the register,\n"
    "or a reset that export and account count from 0 (docs/formats.md\n"
    "\"Counters\").\n"
    "\n"
    "Each chunk of readings is committed on its own: an interrupted import keeps\n"
    "what was committed and the file stays consistent.\n";

static int run(int argc, char **argv);
const cli_cmd cmd_import = {"import", "import CSV columns into the store", usage_text, run};

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
                                         {"max-line-bytes", required_argument, NULL, 'L'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *unit_opt = NULL;
    int kind_opt = -1;
    long max_line = 0;
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
    zp_counter_drops *drops = NULL;
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
        case 'k': {
            zp_series_kind k;
            if (zp_series_kind_parse(optarg, &k) != 0) {
                exit_code = cli_usage_error(&cmd_import, "--kind '%s': use power, energy, intensity or counter", optarg);
                goto out;
            }
            kind_opt = (int)k;
            break;
        }
        case 'L':
            if (!cli_parse_long(optarg, 1, 1L << 30, &max_line)) {
                exit_code = cli_usage_error(&cmd_import, "--max-line-bytes '%s': a whole number of bytes 1..1073741824", optarg);
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
    co.max_line_bytes = (size_t)max_line;
    co.max_line_option = "--max-line-bytes";
    zp_status rc = strcmp(csv, "-") == 0
                       ? zp_csv_read_stream(ctx, stdin, "<stdin>", &co, &series, &nseries)
                       : zp_csv_read_file(ctx, csv, &co, &series, &nseries);
    if (rc) {
        exit_code = cli_fail("import", ctx, rc);
        goto out;
    }
    const char *fname = strcmp(csv, "-") == 0 ? "<stdin>" : csv;
    uint64_t total = 0;
    drops = calloc(nseries ? nseries : 1, sizeof *drops);
    if (!drops) {
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < nseries; i++) {
        if (nsel && (rc = zp_series_set_name(ctx, series[i], names[i])) != ZP_OK) {
            exit_code = cli_fail("import", ctx, rc);
            goto out;
        }
        const char *name = series[i]->name, *unit;
        zp_series_kind kind = zp_series_kind_from_name(name, &unit);
        /* one rule for what a counter is, shared with export and account:
         * the name ends in _total */
        if (kind_opt >= 0 && (kind_opt == ZP_SERIES_COUNTER) != (kind == ZP_SERIES_COUNTER)) {
            if (kind_opt == ZP_SERIES_COUNTER)
                exit_code = cli_usage_error(&cmd_import, "--kind counter: series '%s' does not end in _total, the suffix that marks a counter for export and account; name it with --series %s_total=%s",
                                            name, name, nsel ? cols[i] : name);
            else
                exit_code = cli_usage_error(&cmd_import, "--kind %s: series '%s' ends in _total, which names a counter (the readings of a cumulative register); leave out --kind, or store the column under another name with --series NAME=%s",
                                            zp_series_kind_name((zp_series_kind)kind_opt), name, nsel ? cols[i] : name);
            goto out;
        }
        if (unit_opt)
            unit = unit_opt;
        if (kind_opt >= 0)
            kind = (zp_series_kind)kind_opt;
        series[i]->kind = kind;
        if (unit && (rc = zp_series_set_unit(ctx, series[i], unit)) != ZP_OK) {
            exit_code = cli_fail("import", ctx, rc);
            goto out;
        }
        if (kind == ZP_SERIES_COUNTER) {
            /* a cumulative register reads 0 or more: a negative reading is
             * refused here, as account refuses it, before anything is
             * written (data row k is on line k + 2) */
            size_t nneg = 0;
            for (size_t k = 0; k < series[i]->len; k++)
                if (series[i]->v[k] < 0 && nneg++ < 10)
                    fprintf(stderr, "%s:%zu: counter '%s': negative reading %s; a cumulative register reads 0 or more\n",
                            fname, k + 2, name, CLI_NUM(series[i]->v[k], CLI_NUM_EXACT));
            if (nneg) {
                fprintf(stderr, "zeropark import: %s: %s negative reading%s of counter '%s'; nothing imported\n",
                        fname, CLI_NUM((double)nneg, 0), nneg == 1 ? "" : "s", name);
                exit_code = EXIT_USAGE;
                goto out;
            }
            zp_counter_drops *d = &drops[i];
            zp_counter_scan(series[i], d);
            /* data row k is on line k + 2 (line 1 is the header; blank
             * lines between rows are refused) */
            for (size_t k = 0; k < d->nlisted; k++) {
                const zp_counter_drop *x = &d->drop[k];
                if (x->wrap > 0)
                    fprintf(stderr, "zeropark import: warning: %s:%zu: counter '%s' went down from %s to %s: a roll-over of a %s register, counted as %s\n",
                            fname, x->index + 2, name, CLI_NUM(x->before, CLI_NUM_EXACT), CLI_NUM(x->after, CLI_NUM_EXACT),
                            CLI_NUM(x->wrap, CLI_NUM_EXACT), CLI_NUM(x->after + x->wrap - x->before, CLI_NUM_EXACT));
                else
                    fprintf(stderr, "zeropark import: warning: %s:%zu: counter '%s' went down from %s to %s: a reset; export and account count it from 0 (an increment of %s)\n",
                            fname, x->index + 2, name, CLI_NUM(x->before, CLI_NUM_EXACT), CLI_NUM(x->after, CLI_NUM_EXACT),
                            CLI_NUM(x->after, CLI_NUM_EXACT));
            }
            if (d->count > d->nlisted)
                fprintf(stderr, "zeropark import: warning: counter '%s' went down %s times in all (%s resets); the first %zu are listed\n",
                        name, CLI_NUM((double)d->count, 0), CLI_NUM((double)d->resets, 0), d->nlisted);
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
        /* times at the park's local offset, as export and series print
         * them: --offset, else +08:00 (docs/cli.md "Times") */
        const int32_t out_off = offset == ZP_TIME_NO_DEFAULT ? 8 * 60 : offset;
        char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
        json_t *arr = json_array();
        for (size_t i = 0; i < nseries; i++) {
            const zp_series *s = series[i];
            json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:i, s:s, s:s, s:I}", "name", s->name, "column",
                                  nsel ? cols[i] : s->name, "unit", s->unit, "kind",
                                  zp_series_kind_name(s->kind), "step_s", (int)s->step_s,
                                  "start", zp_time_format(s->start, out_off, a), "end",
                                  zp_time_format(zp_series_end(s), out_off, b), "values",
                                  (json_int_t)s->len);
            if (o && s->kind == ZP_SERIES_COUNTER) {
                const zp_counter_drops *d = &drops[i];
                json_t *list = json_array();
                for (size_t k = 0; k < d->nlisted; k++) {
                    const zp_counter_drop *x = &d->drop[k];
                    json_array_append_new(list, json_pack("{s:I, s:s, s:f, s:f, s:s, s:f}", "line", (json_int_t)(x->index + 2),
                                                          "time", zp_time_format(x->at, out_off, a), "before", x->before,
                                                          "after", x->after, "type", x->wrap > 0 ? "roll-over" : "reset",
                                                          "increment", x->wrap > 0 ? x->after + x->wrap - x->before : x->after));
                }
                json_object_set_new(o, "drops", json_integer((json_int_t)d->count));
                json_object_set_new(o, "resets", json_integer((json_int_t)d->resets));
                json_object_set_new(o, "first_drops", list);
            }
            json_array_append_new(arr, o);
        }
        json_t *doc = json_pack("{s:s, s:s, s:o, s:I, s:f}", "file", fname, "db", db, "series",
                                arr, "readings", (json_int_t)total, "seconds", secs);
        cli_print_json(doc);
        json_decref(doc);
    } else {
        printf("imported %s reading%s in %s series from %s into %s (%s s)\n",
               CLI_NUM((double)total, 0), total == 1 ? "" : "s", CLI_NUM((double)nseries, 0), fname, db,
               CLI_NUM(secs, 2));
    }
out:
    free(drops);
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
