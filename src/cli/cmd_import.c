/*
 * cmd_import.c - `zeropark import --db FILE CSV`: load CSV columns into the
 * store as series.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "util.h"

const char cmd_import_usage[] =
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

/* One import: what the options ask for and what is read. */
typedef struct import_job {
    const char *db, *unit, *fname; /* --db, --unit; the CSV's name in messages */
    int kind;                      /* --kind, -1 when not given */
    long max_line;                 /* --max-line-bytes, 0 for the default */
    bool json;
    int32_t offset;                /* --offset, ZP_TIME_NO_DEFAULT when not given */
    char **names;                  /* --series NAME[=COL]: the series names */
    const char **cols;             /* their CSV columns (pointing into names) */
    size_t nsel;
    zp_series **series;            /* what was read, one per column */
    size_t nseries;
    zp_counter_drops *drops;       /* per series: a counter's drops */
    uint64_t total;                /* readings */
} import_job;

/* --series NAME[=COLUMN]. */
static int add_series(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    import_job *j = o->dst;
    char *name = j->names[j->nsel] = strdup(value);
    if (!name)
        return EXIT_INTERNAL;
    char *eq = strchr(name, '=');
    if (eq)
        *eq = '\0';
    const char *col = j->cols[j->nsel++] = eq ? eq + 1 : name;
    if (!name[0] || !col[0])
        return cli_usage_error(cmd, "--series '%s': empty name or column", value);
    return EXIT_OK;
}

static int parse_kind(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    zp_series_kind k;
    if (zp_series_kind_parse(value, &k) != 0)
        return cli_usage_error(cmd, "--kind '%s': use power, energy, intensity or counter", value);
    *(int *)o->dst = (int)k;
    return EXIT_OK;
}

/* A counter's readings: a negative one is refused (as account refuses it)
 * before anything is written; a drop is a warning with its CSV line. */
static int check_counter(import_job *j, size_t i)
{
    const zp_series *s = j->series[i];
    const char *name = s->name, *fname = j->fname;
    /* data row k is on line k + 2 (line 1 is the header; blank lines
     * between rows are refused) */
    size_t nneg = 0;
    for (size_t k = 0; k < s->len; k++)
        if (s->v[k] < 0 && nneg++ < 10)
            fprintf(stderr, "%s:%zu: counter '%s': negative reading %s; a cumulative register reads 0 or more\n",
                    fname, k + 2, name, CLI_NUM(s->v[k], CLI_NUM_EXACT));
    if (nneg) {
        fprintf(stderr, "zeropark import: %s: %s negative reading%s of counter '%s'; nothing imported\n",
                fname, CLI_NUM((double)nneg, 0), nneg == 1 ? "" : "s", name);
        return EXIT_USAGE;
    }
    zp_counter_drops *d = &j->drops[i];
    zp_counter_scan(s, d);
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
    return EXIT_OK;
}

/* Name, kind and unit of series i as the options ask; a counter checked. */
static int prepare_series(const cli_cmd *cmd, zp_ctx *ctx, import_job *j, size_t i)
{
    zp_series *s = j->series[i];
    zp_status rc;
    if (j->nsel && (rc = zp_series_set_name(ctx, s, j->names[i])) != ZP_OK)
        return cli_fail("import", ctx, rc);
    const char *name = s->name, *unit, *col = j->nsel ? j->cols[i] : name;
    zp_series_kind kind = zp_series_kind_from_name(name, &unit);
    /* one rule for what a counter is, shared with export and account:
     * the name ends in _total */
    if (j->kind >= 0 && (j->kind == ZP_SERIES_COUNTER) != (kind == ZP_SERIES_COUNTER)) {
        if (j->kind == ZP_SERIES_COUNTER)
            return cli_usage_error(cmd, "--kind counter: series '%s' does not end in _total, the suffix that marks a counter for export and account; name it with --series %s_total=%s",
                                   name, name, col);
        return cli_usage_error(cmd, "--kind %s: series '%s' ends in _total, which names a counter (the readings of a cumulative register); leave out --kind, or store the column under another name with --series NAME=%s",
                               zp_series_kind_name((zp_series_kind)j->kind), name, col);
    }
    if (j->unit)
        unit = j->unit;
    if (j->kind >= 0)
        kind = (zp_series_kind)j->kind;
    s->kind = kind;
    if (unit && (rc = zp_series_set_unit(ctx, s, unit)) != ZP_OK)
        return cli_fail("import", ctx, rc);
    int ex = kind == ZP_SERIES_COUNTER ? check_counter(j, i) : EXIT_OK;
    j->total += s->len;
    return ex;
}

/* --json: what was imported. */
static void print_json(const import_job *j, double secs)
{
    /* times at the park's local offset, as export and series print
     * them: --offset, else +08:00 (docs/cli.md "Times") */
    const int32_t out_off = j->offset == ZP_TIME_NO_DEFAULT ? 8 * 60 : j->offset;
    char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
    json_t *arr = json_array();
    for (size_t i = 0; i < j->nseries; i++) {
        const zp_series *s = j->series[i];
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:i, s:s, s:s, s:I}", "name", s->name, "column",
                              j->nsel ? j->cols[i] : s->name, "unit", s->unit, "kind",
                              zp_series_kind_name(s->kind), "step_s", (int)s->step_s,
                              "start", zp_time_format(s->start, out_off, a), "end",
                              zp_time_format(zp_series_end(s), out_off, b), "values",
                              (json_int_t)s->len);
        if (o && s->kind == ZP_SERIES_COUNTER) {
            const zp_counter_drops *d = &j->drops[i];
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
    json_t *doc = json_pack("{s:s, s:s, s:o, s:I, s:f}", "file", j->fname, "db", j->db, "series",
                            arr, "readings", (json_int_t)j->total, "seconds", secs);
    cli_print_json(doc);
    json_decref(doc);
}

/* Read the CSV, check every series, write them all. */
static int import(const cli_cmd *cmd, zp_ctx *ctx, import_job *j, const char *csv)
{
    double t0 = cli_now();
    zp_csv_opts co;
    zp_csv_opts_init(&co);
    co.columns = j->nsel ? j->cols : NULL;
    co.ncolumns = j->nsel;
    co.default_offset_min = j->offset;
    co.max_line_bytes = (size_t)j->max_line;
    co.max_line_option = "--max-line-bytes";
    zp_status rc = strcmp(csv, "-") == 0
                       ? zp_csv_read_stream(ctx, stdin, "<stdin>", &co, &j->series, &j->nseries)
                       : zp_csv_read_file(ctx, csv, &co, &j->series, &j->nseries);
    if (rc)
        return cli_fail("import", ctx, rc);
    j->fname = strcmp(csv, "-") == 0 ? "<stdin>" : csv;
    if (!(j->drops = calloc(j->nseries ? j->nseries : 1, sizeof *j->drops)))
        return EXIT_INTERNAL;
    int ex;
    for (size_t i = 0; i < j->nseries; i++)
        if ((ex = prepare_series(cmd, ctx, j, i)) != EXIT_OK)
            return ex;
    zp_store *st = NULL;
    cli_progress prog;
    if (!(rc = zp_store_open(ctx, j->db, ZP_STORE_CREATE, &st))) {
        cli_progress_init(&prog, "import");
        rc = zp_store_write(st, (const zp_series *const *)j->series, j->nseries, cli_progress_cb, &prog);
        cli_progress_done(&prog);
    }
    zp_store_close(st);
    if (rc)
        return cli_fail("import", ctx, rc);
    double secs = cli_now() - t0;
    if (j->json)
        print_json(j, secs);
    else
        printf("imported %s reading%s in %s series from %s into %s (%s s)\n",
               CLI_NUM((double)j->total, 0), j->total == 1 ? "" : "s", CLI_NUM((double)j->nseries, 0),
               j->fname, j->db, CLI_NUM(secs, 2));
    return EXIT_OK;
}

int cmd_import_run(const cli_cmd *cmd, int argc, char **argv)
{
    import_job j = {.kind = -1, .offset = ZP_TIME_NO_DEFAULT};
    cli_opt opts[] = {CLI_TEXT("db", &j.db),
                      CLI_CALL("series", add_series, &j),
                      CLI_TEXT("unit", &j.unit),
                      CLI_CALL("kind", parse_kind, &j.kind),
                      CLI_OFFSET("offset", &j.offset, ": use +HH:MM, -HH:MM or Z"),
                      CLI_LONG("max-line-bytes", &j.max_line, 1, 1L << 30,
                               ": a whole number of bytes 1..1073741824"),
                      CLI_FLAG("json", &j.json),
                      CLI_END};
    int ex = EXIT_INTERNAL;
    zp_ctx *ctx = NULL;
    j.names = calloc((size_t)argc, sizeof *j.names);
    j.cols = calloc((size_t)argc, sizeof *j.cols);
    if (j.names && j.cols && cli_opts_parse(cmd, opts, argc, argv, &ex) &&
        !(ex = cli_opts_need(cmd, opts, "db", "--db FILE", NULL)) &&
        !(ex = cli_one_operand(cmd, argc, "CSV file")))
        ex = (ctx = zp_ctx_new()) ? import(cmd, ctx, &j, argv[optind]) : EXIT_INTERNAL;
    free(j.drops);
    if (ctx) {
        zp_series_array_free(ctx, j.series, j.nseries);
        zp_ctx_free(ctx);
    }
    for (size_t i = 0; j.names && i < j.nsel; i++)
        free(j.names[i]);
    free(j.names);
    free(j.cols);
    return ex;
}
