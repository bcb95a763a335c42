/*
 * cmd_export.c - `zeropark export --db FILE --series NAME`: write stored
 * series as CSV (the same format import reads).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static const char usage_text[] =
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

static int run(int argc, char **argv);
const cli_cmd cmd_export = {"export", "export stored series as CSV", usage_text, run};

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},       {"series", required_argument, NULL, 's'},
        {"from", required_argument, NULL, 'f'},     {"to", required_argument, NULL, 't'},
        {"step-min", required_argument, NULL, 'm'}, {"offset", required_argument, NULL, 'o'},
        {"output", required_argument, NULL, 'O'},   {0, 0, 0, 0}};
    const char *db = NULL, *names_opt = NULL, *from_s = NULL, *to_s = NULL, *output = NULL;
    long step_min = 0;
    int32_t offset = 8 * 60;
    int exit_code = EXIT_OK;
    zp_ctx *ctx = NULL;
    zp_store *st = NULL;
    zp_series **ser = NULL;
    size_t nser = 0;
    char *names = NULL, *tmp = NULL;
    FILE *out = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': names_opt = optarg; break;
        case 'f': from_s = optarg; break;
        case 't': to_s = optarg; break;
        case 'O': output = optarg; break;
        case 'm':
            if (!cli_parse_long(optarg, 1, 1440, &step_min))
                return cli_usage_error(&cmd_export, "--step-min '%s': a whole number of minutes 1..1440", optarg);
            break;
        case 'o':
            if (!cli_parse_offset(optarg, &offset))
                return cli_usage_error(&cmd_export, "--offset '%s': use +HH:MM, -HH:MM or Z", optarg);
            break;
        default:
            return cli_usage_error(&cmd_export, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!db)
        return cli_usage_error(&cmd_export, "missing --db FILE");
    if (!names_opt)
        return cli_usage_error(&cmd_export, "missing --series NAME");
    if (optind != argc)
        return cli_usage_error(&cmd_export, "unexpected argument '%s'", argv[optind]);
    zp_time_t from = 0, to = 0;
    if (from_s && !cli_parse_time(from_s, offset, &from))
        return cli_usage_error(&cmd_export, "--from '%s': not an ISO-8601 time (e.g. 2024-01-01T00:00:00+08:00)", from_s);
    if (to_s && !cli_parse_time(to_s, offset, &to))
        return cli_usage_error(&cmd_export, "--to '%s': not an ISO-8601 time (e.g. 2025-01-01T00:00:00+08:00)", to_s);
    if (from_s && to_s && to <= from)
        return cli_usage_error(&cmd_export, "--to must be after --from");

    ctx = zp_ctx_new();
    names = strdup(names_opt);
    size_t maxn = 1;
    for (const char *p = names_opt; *p; p++)
        maxn += *p == ',';
    ser = calloc(maxn, sizeof *ser);
    if (!ctx || !names || !ser) {
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    zp_status rc = zp_store_open(ctx, db, ZP_STORE_READONLY, &st);
    if (rc) {
        exit_code = cli_fail("export", ctx, rc);
        goto out;
    }
    char *save = NULL;
    for (char *name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        zp_store_series_info info;
        rc = zp_store_series_get(st, name, &info);
        if (rc) {
            exit_code = cli_fail("export", ctx, rc);
            goto out;
        }
        const int32_t native = info.step_s, S = (int32_t)(step_min * 60);
        /* a counter's intervals run between readings: [f, t) needs the
         * readings at f and at t */
        const bool diff = info.kind == ZP_SERIES_COUNTER && step_min;
        zp_time_t f = from_s ? from : info.first, t = to_s ? to : info.last_end;
        if (diff && !to_s) {
            t = info.last_end - native; /* the last reading */
            if (t > f && (t - f) % S != 0)
                t = f + (t - f) / S * S;
        }
        zp_store_series_info_clear(ctx, &info);
        if (t <= f) {
            cli_err("export", diff ? "counter '%s' has no whole interval between two readings in the range asked for"
                                   : "series '%s' has no readings in the range asked for", name);
            exit_code = EXIT_USAGE;
            goto out;
        }
        if (step_min && S % native != 0 && native % S != 0) {
            cli_err("export", "--step-min %ld: series '%s' is stored every %d s; one step must divide the other (e.g. 15, 30, 60 minutes)",
                    step_min, name, (int)native);
            exit_code = EXIT_USAGE;
            goto out;
        }
        /* Steps are counted from local midnight at --offset (as the API's
         * step=1d gives local days): the library's grid is counted from
         * 1970-01-01T00:00Z, so the series is resampled shifted by the
         * offset and shifted back. */
        const zp_time_t shift = (zp_time_t)offset * 60;
        if (step_min && ((((f + shift) % S) + S) % S != 0 || (t - f) % S != 0)) {
            char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE], o[16];
            int am = offset < 0 ? -(int)offset : (int)offset;
            snprintf(o, sizeof o, "%c%02d:%02d", offset < 0 ? '-' : '+', am / 60, am % 60);
            cli_err("export", "--step-min %ld: series '%s' over [%s, %s) does not start and end on whole %ld-minute intervals (counted from local midnight at %s); set --from and --to on that grid",
                    step_min, name, zp_time_format(f, offset, a), zp_time_format(t, offset, b), step_min, o);
            exit_code = EXIT_USAGE;
            goto out;
        }
        zp_series *s = NULL;
        rc = zp_store_read(st, name, f, diff ? t + native : t, &s);
        if (rc == ZP_OK && step_min)
            s->start += shift; /* local time on the library's grid */
        if (rc == ZP_OK && diff) {
            zp_series *r = NULL;
            zp_counter_drops d;
            rc = zp_series_counter_diff(ctx, s, S, &r, &d);
            for (size_t k = 0; rc == ZP_OK && k < d.nlisted; k++)
                d.drop[k].at -= shift;
            char tb[ZP_TIME_BUFSIZE];
            for (size_t k = 0; rc == ZP_OK && k < d.nlisted; k++) {
                const zp_counter_drop *x = &d.drop[k];
                if (x->wrap > 0)
                    fprintf(stderr, "zeropark export: warning: counter '%s' went down from %.10g to %.10g at %s: a roll-over of a %.10g register, counted as %.10g\n",
                            name, x->before, x->after, zp_time_format(x->at, offset, tb), x->wrap, x->after + x->wrap - x->before);
                else
                    fprintf(stderr, "zeropark export: warning: counter '%s' went down from %.10g to %.10g at %s: a reset, counted from 0 (an increment of %.10g)\n",
                            name, x->before, x->after, zp_time_format(x->at, offset, tb), x->after);
            }
            if (rc == ZP_OK && d.count > d.nlisted)
                fprintf(stderr, "zeropark export: warning: counter '%s' went down %zu times in all (%zu resets); the first %zu are listed\n",
                        name, d.count, d.resets, d.nlisted);
            /* the column now holds energy per interval: name it so */
            size_t nl = strlen(name);
            if (rc == ZP_OK && zp_series_name_is_counter(name)) {
                name[nl - 6] = '\0';
                rc = zp_series_set_name(ctx, r, name);
                name[nl - 6] = '_';
            }
            zp_series_free(ctx, s);
            s = r;
        } else if (rc == ZP_OK && step_min && S != s->step_s) {
            zp_series *r = NULL;
            rc = zp_series_resample(ctx, s, S, &r);
            zp_series_free(ctx, s);
            s = r;
        }
        if (rc == ZP_OK && step_min)
            s->start -= shift;
        if (rc) {
            zp_series_free(ctx, s);
            exit_code = cli_fail("export", ctx, rc);
            goto out;
        }
        ser[nser++] = s;
    }
    for (size_t i = 1; i < nser; i++) {
        if (ser[i]->step_s != ser[0]->step_s || ser[i]->start != ser[0]->start ||
            ser[i]->len != ser[0]->len) {
            cli_err("export", "series '%s' and '%s' cover different instants or steps; export them separately or use --from/--to/--step-min",
                    ser[0]->name, ser[i]->name);
            exit_code = EXIT_USAGE;
            goto out;
        }
    }
    if (output) {
        size_t n = strlen(output) + 16;
        tmp = malloc(n);
        if (!tmp) {
            exit_code = EXIT_INTERNAL;
            goto out;
        }
        snprintf(tmp, n, "%s.tmp%ld", output, (long)getpid());
        out = fopen(tmp, "w");
        if (!out) {
            cli_err("export", "cannot write %s: %s", tmp, strerror(errno));
            exit_code = EXIT_USAGE;
            goto out;
        }
    } else {
        out = stdout;
    }
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
    if (fflush(out) != 0 || ferror(out)) {
        cli_err("export", "write failed: %s", strerror(errno));
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    if (output) {
        if (fclose(out) != 0 || rename(tmp, output) != 0) {
            out = NULL;
            cli_err("export", "cannot write %s: %s", output, strerror(errno));
            exit_code = EXIT_USAGE;
            goto out;
        }
        out = NULL;
        free(tmp);
        tmp = NULL;
    }
out:
    if (out && out != stdout)
        fclose(out);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    for (size_t i = 0; i < nser; i++)
        zp_series_free(ctx, ser[i]);
    free(ser);
    free(names);
    zp_store_close(st);
    zp_ctx_free(ctx);
    return exit_code;
}
