/*
 * cmd_export.c - `zeropark export --db FILE --series NAME`: write stored
 * series as CSV (the same format import reads).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "outfile.h"
#include "util.h"

const char cmd_export_usage[] =
    "usage: zeropark export --db FILE --series NAME[,NAME...] [options]\n"
    "\n"
    "Write stored series as CSV: a header row (timestamp,NAME,...), then one row\n"
    "per interval, timestamps ISO-8601 at the chosen offset, values with 17\n"
    "significant digits so that export and import round-trip bit-exactly.\n"
    "Instants with no reading are written as empty fields.\n"
    "\n"
    "A counter (a series named ..._total: readings of a cumulative register) is\n"
    "written as its readings; with --step-min it is written as the energy of\n"
    "each interval, the difference between the readings at its ends, in a\n"
    "column named without _total (grid_import_kwh_total -> grid_import_kwh).\n"
    "Without --to the last interval is the last whole one that ends on a\n"
    "reading. A reading lower than the one before by at most 0.1 % is noise\n"
    "(0, and the counter goes on from the higher reading); a larger drop is a\n"
    "roll-over of the register or a reset counted from 0, each reported as a\n"
    "warning (docs/formats.md \"Counters\").\n"
    "\n"
    "Options:\n"
    "  --db FILE          store to read\n"
    "  --series NAMES     one or more series, comma-separated (same step)\n"
    "  --from TIME        first instant (ISO-8601; default: first stored)\n"
    "  --to TIME          end instant, exclusive (default: end of stored data)\n"
    "  --step-min N       resample to N minutes (by each series' kind; the window\n"
    "                     must start and end on whole N-minute intervals,\n"
    "                     counted from local midnight at --offset: 1440 gives\n"
    "                     local days)\n"
    "  --offset +HH:MM    offset for the timestamps written and for --from/--to\n"
    "                     without one (default +08:00)\n"
    "  --output FILE      write to FILE (atomically) instead of standard output\n"
    "  -h, --help         show this help\n";

/* What export's options ask for. */
typedef struct export_job {
    const char *db, *names, *from_s, *to_s, *output;
    long step_min;    /* 0: the series' own step */
    int32_t offset;   /* minutes east of UTC */
    zp_time_t from, to;
} export_job;

/* Counter s read over [f, t + step]: the energy of each interval of S
 * seconds as a series named without _total into *out, the drops warned
 * of. shift is the offset in seconds (s is on the library's grid). */
static zp_status counter_diff(zp_ctx *ctx, const export_job *j, char *name, const zp_series *s,
                              int32_t S, zp_time_t shift, zp_series **out)
{
    zp_counter_drops d;
    zp_status rc = zp_series_counter_diff(ctx, s, S, out, &d);
    for (size_t k = 0; rc == ZP_OK && k < d.nlisted; k++)
        d.drop[k].at -= shift;
    char tb[ZP_TIME_BUFSIZE];
    for (size_t k = 0; rc == ZP_OK && k < d.nlisted; k++) {
        const zp_counter_drop *x = &d.drop[k];
        if (x->wrap > 0)
            fprintf(stderr, "zeropark export: warning: counter '%s' went down from %.10g to %.10g at %s: a roll-over of a %.10g register, counted as %.10g\n",
                    name, x->before, x->after, zp_time_format(x->at, j->offset, tb), x->wrap, x->after + x->wrap - x->before);
        else
            fprintf(stderr, "zeropark export: warning: counter '%s' went down from %.10g to %.10g at %s: a reset, counted from 0 (an increment of %.10g)\n",
                    name, x->before, x->after, zp_time_format(x->at, j->offset, tb), x->after);
    }
    if (rc == ZP_OK && d.count > d.nlisted)
        fprintf(stderr, "zeropark export: warning: counter '%s' went down %zu times in all (%zu resets); the first %zu are listed\n",
                name, d.count, d.resets, d.nlisted);
    /* the column now holds energy per interval: name it so */
    size_t nl = strlen(name);
    if (rc == ZP_OK && zp_series_name_is_counter(name)) {
        name[nl - 6] = '\0';
        rc = zp_series_set_name(ctx, *out, name);
        name[nl - 6] = '_';
    }
    return rc;
}

/* Series name from the store as the options ask (window, step, counter
 * differences) into *out. EXIT_OK or the exit code (reported). */
static int read_series(zp_ctx *ctx, zp_store *st, const export_job *j, char *name, zp_series **out)
{
    zp_store_series_info info;
    zp_status rc = zp_store_series_get(st, name, &info);
    if (rc)
        return cli_fail("export", ctx, rc);
    const long step_min = j->step_min;
    const int32_t native = info.step_s, S = (int32_t)(step_min * 60);
    /* a counter's intervals run between readings: [f, t) needs the
     * readings at f and at t */
    const bool diff = info.kind == ZP_SERIES_COUNTER && step_min;
    zp_time_t f = j->from_s ? j->from : info.first, t = j->to_s ? j->to : info.last_end;
    if (diff && !j->to_s) {
        t = info.last_end - native; /* the last reading */
        if (t > f && (t - f) % S != 0)
            t = f + (t - f) / S * S;
    }
    zp_store_series_info_clear(ctx, &info);
    if (t <= f) {
        cli_err("export", diff ? "counter '%s' has no whole interval between two readings in the range asked for"
                               : "series '%s' has no readings in the range asked for", name);
        return EXIT_USAGE;
    }
    if (step_min && S % native != 0 && native % S != 0) {
        cli_err("export", "--step-min %ld: series '%s' is stored every %d s; one step must divide the other (e.g. 15, 30, 60 minutes)",
                step_min, name, (int)native);
        return EXIT_USAGE;
    }
    /* Steps are counted from local midnight at --offset (as the API's
     * step=1d gives local days): the library's grid is counted from
     * 1970-01-01T00:00Z, so the series is resampled shifted by the
     * offset and shifted back. */
    const int32_t offset = j->offset;
    const zp_time_t shift = (zp_time_t)offset * 60;
    if (step_min && ((((f + shift) % S) + S) % S != 0 || (t - f) % S != 0)) {
        char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE], o[16];
        int am = offset < 0 ? -(int)offset : (int)offset;
        snprintf(o, sizeof o, "%c%02d:%02d", offset < 0 ? '-' : '+', am / 60, am % 60);
        cli_err("export", "--step-min %ld: series '%s' over [%s, %s) does not start and end on whole %ld-minute intervals (counted from local midnight at %s); set --from and --to on that grid",
                step_min, name, zp_time_format(f, offset, a), zp_time_format(t, offset, b), step_min, o);
        return EXIT_USAGE;
    }
    zp_series *s = NULL, *r = NULL;
    rc = zp_store_read(st, name, f, diff ? t + native : t, &s);
    if (rc == ZP_OK && step_min)
        s->start += shift; /* local time on the library's grid */
    if (rc == ZP_OK && (diff || (step_min && S != s->step_s))) {
        rc = diff ? counter_diff(ctx, j, name, s, S, shift, &r) : zp_series_resample(ctx, s, S, &r);
        zp_series_free(ctx, s);
        s = r;
    }
    if (rc == ZP_OK && step_min)
        s->start -= shift;
    if (rc) {
        zp_series_free(ctx, s);
        return cli_fail("export", ctx, rc);
    }
    *out = s;
    return EXIT_OK;
}

/* The CSV: a header, then a row per instant (no reading: an empty field). */
static void write_rows(FILE *out, zp_series *const *ser, size_t nser, int32_t offset)
{
    fputs("timestamp", out);
    for (size_t i = 0; i < nser; i++)
        fprintf(out, ",%s", ser[i]->name);
    fputc('\n', out);
    char tb[ZP_TIME_BUFSIZE];
    for (size_t r = 0; r < ser[0]->len; r++) {
        fputs(zp_time_format(ser[0]->start + (zp_time_t)r * ser[0]->step_s, offset, tb), out);
        for (size_t i = 0; i < nser; i++) {
            double v = ser[i]->v[r];
            if (isnan(v))
                fputc(',', out);
            else
                fprintf(out, ",%.17g", v);
        }
        fputc('\n', out);
    }
}

/* Write the series to --output or standard output. */
static int write_csv(const export_job *j, zp_series *const *ser, size_t nser)
{
    for (size_t i = 1; i < nser; i++) {
        if (ser[i]->step_s != ser[0]->step_s || ser[i]->start != ser[0]->start ||
            ser[i]->len != ser[0]->len) {
            cli_err("export", "series '%s' and '%s' cover different instants or steps; export them separately or use --from/--to/--step-min",
                    ser[0]->name, ser[i]->name);
            return EXIT_USAGE;
        }
    }
    cli_outfile o = {0};
    int ex;
    if (j->output && (ex = cli_outfile_open(&o, "export", j->output)) != EXIT_OK)
        return ex;
    FILE *out = j->output ? o.f : stdout;
    write_rows(out, ser, nser, j->offset);
    if (fflush(out) != 0 || ferror(out)) {
        cli_err("export", "write failed: %s", strerror(errno));
        cli_outfile_discard(&o);
        return EXIT_INTERNAL;
    }
    return j->output ? cli_outfile_commit(&o, "export", false) : EXIT_OK;
}

/* Read every series named, then write them. */
static int export(zp_ctx *ctx, const export_job *j)
{
    char *names = strdup(j->names);
    size_t maxn = 1, nser = 0;
    for (const char *p = j->names; *p; p++)
        maxn += *p == ',';
    zp_series **ser = calloc(maxn, sizeof *ser);
    zp_store *st = NULL;
    int ex = EXIT_INTERNAL;
    if (names && ser) {
        zp_status rc = zp_store_open(ctx, j->db, ZP_STORE_READONLY, &st);
        ex = rc ? cli_fail("export", ctx, rc) : EXIT_OK;
        char *save = NULL;
        for (char *name = strtok_r(names, ",", &save); name && ex == EXIT_OK; name = strtok_r(NULL, ",", &save))
            if ((ex = read_series(ctx, st, j, name, &ser[nser])) == EXIT_OK)
                nser++;
        if (ex == EXIT_OK)
            ex = write_csv(j, ser, nser);
    }
    for (size_t i = 0; i < nser; i++)
        zp_series_free(ctx, ser[i]);
    free(ser);
    free(names);
    zp_store_close(st);
    return ex;
}

int cmd_export_run(const cli_cmd *cmd, int argc, char **argv)
{
    export_job j = {.offset = 8 * 60};
    cli_opt opts[] = {CLI_TEXT("db", &j.db),
                      CLI_TEXT("series", &j.names),
                      CLI_TEXT("from", &j.from_s),
                      CLI_TEXT("to", &j.to_s),
                      CLI_LONG("step-min", &j.step_min, 1, 1440, ": a whole number of minutes 1..1440"),
                      CLI_OFFSET("offset", &j.offset, ": use +HH:MM, -HH:MM or Z"),
                      CLI_TEXT("output", &j.output),
                      CLI_END};
    int ex;
    if (!cli_opts_parse(cmd, opts, argc, argv, &ex))
        return ex;
    if ((ex = cli_opts_need(cmd, opts, "db", "--db FILE", "series", "--series NAME", NULL)) ||
        (ex = cli_no_operand(cmd, argc, argv)))
        return ex;
    if (j.from_s && !cli_parse_time(j.from_s, j.offset, &j.from))
        return cli_usage_error(cmd, "--from '%s': not an ISO-8601 time (e.g. 2024-01-01T00:00:00+08:00)", j.from_s);
    if (j.to_s && !cli_parse_time(j.to_s, j.offset, &j.to))
        return cli_usage_error(cmd, "--to '%s': not an ISO-8601 time (e.g. 2025-01-01T00:00:00+08:00)", j.to_s);
    if (j.from_s && j.to_s && j.to <= j.from)
        return cli_usage_error(cmd, "--to must be after --from");
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    ex = export(ctx, &j);
    zp_ctx_free(ctx);
    return ex;
}
