/*
 * util.c - helpers shared by the zeropark command's subcommands.
 */
#define _DEFAULT_SOURCE
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_err(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "zeropark %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "zeropark %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'zeropark %s --help'.\n", cmd->name);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_help(const cli_cmd *cmd)
{
    fputs(cmd->usage, stdout);
    return EXIT_OK;
}

void cli_print_diags(const zp_ctx *ctx)
{
    char buf[2048];
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
}

int cli_fail(const char *cmd, zp_ctx *ctx, zp_status rc)
{
    cli_print_diags(ctx);
    const char *msg = zp_ctx_errmsg(ctx);
    cli_err(cmd, "%s", msg && msg[0] ? msg : zp_strerror(rc));
    switch (rc) {
    case ZP_EINVAL:
    case ZP_EIO:
    case ZP_EPARSE:
    case ZP_EMODEL:
    case ZP_ENOTFOUND:
    case ZP_ERANGE:
    case ZP_EDATA:
    case ZP_ETOOBIG:
    case ZP_EEXISTS:
    case ZP_EUNSUPPORTED:
    case ZP_ECORRUPT:
        return EXIT_USAGE;
    default:
        return EXIT_INTERNAL;
    }
}

static void log_warning(void *ud, zp_log_level level, const char *msg)
{
    if (level >= ZP_LOG_WARN)
        fprintf(stderr, "zeropark %s: %s: %s\n", (const char *)ud,
                level == ZP_LOG_WARN ? "warning" : "error", msg);
}

void cli_warnings_to_stderr(zp_ctx *ctx, const char *cmd)
{
    zp_ctx_set_log(ctx, log_warning, (void *)(uintptr_t)cmd);
}

zp_ctx *cli_ctx_new(const char *cmd)
{
    zp_ctx *ctx = zp_ctx_new();
    if (ctx)
        cli_warnings_to_stderr(ctx, cmd);
    return ctx;
}

int cli_model_load(const char *cmd, zp_ctx *ctx, const char *path, unsigned flags, zp_model **m)
{
    zp_status rc = zp_model_load_file(ctx, path, flags, m);
    return rc ? cli_fail(cmd, ctx, rc) : EXIT_OK;
}

int cli_put_text(const char *cmd, zp_ctx *ctx, zp_status rc, char *text,
                 void (*free_text)(zp_ctx *, char *))
{
    int ex = EXIT_OK;
    if (rc)
        ex = cli_fail(cmd, ctx, rc);
    else
        puts(text);
    free_text(ctx, text);
    return ex;
}

json_t *cli_diags_json(const zp_ctx *ctx)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        const zp_diag *d = zp_ctx_diag_get(ctx, i);
        json_t *o = json_object();
        json_object_set_new(o, "severity",
                            json_string(d->severity == ZP_SEV_ERROR     ? "error"
                                        : d->severity == ZP_SEV_WARNING ? "warning"
                                                                        : "note"));
        json_object_set_new(o, "file", d->file ? json_string(d->file) : json_null());
        json_object_set_new(o, "line", json_integer(d->line));
        json_object_set_new(o, "column", json_integer(d->col));
        json_object_set_new(o, "path", d->path ? json_string(d->path) : json_null());
        json_object_set_new(o, "message", json_string(d->message));
        json_array_append_new(arr, o);
    }
    return arr;
}

int cli_print_json(json_t *doc)
{
    int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    fputc('\n', stdout);
    return rc;
}

bool cli_parse_offset(const char *text, int32_t *out_min)
{
    zp_time_t t;
    char buf[64];
    if (strlen(text) > 16)
        return false;
    snprintf(buf, sizeof buf, "2000-01-01T00:00:00%s", text);
    int32_t off;
    if (zp_time_parse(buf, strlen(buf), ZP_TIME_NO_DEFAULT, &t, &off) != ZP_OK)
        return false;
    *out_min = off;
    return true;
}

bool cli_parse_time(const char *text, int32_t default_offset_min, zp_time_t *out)
{
    return zp_time_parse(text, strlen(text), default_offset_min, out, NULL) == ZP_OK;
}

bool cli_parse_double(const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool cli_parse_whole(const char *text, double hi, uint64_t *out)
{
    double x;
    if (!cli_parse_double(text, 0, hi, &x) || x != floor(x))
        return false;
    *out = (uint64_t)x;
    return true;
}

bool cli_parse_long(const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

const char *cli_num(char *buf, double v, int dec)
{
    if (isnan(v)) {
        snprintf(buf, CLI_NUM_BUFSIZE, "n/a");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, CLI_NUM_BUFSIZE, "%s", v > 0 ? "inf" : "-inf");
        return buf;
    }
    double a = fabs(v);
    bool aut = dec < 0;
    int sig = dec == CLI_NUM_EXACT ? 15 : 4; /* significant digits when aut */
    if (a >= 1e15 || (aut && a != 0 && a < 1e-6)) {
        snprintf(buf, CLI_NUM_BUFSIZE, sig == 15 ? "%.15g" : "%.3g", v);
        return buf;
    }
    if (aut) {
        int mag = a > 0 ? (int)floor(log10(a)) : 0;
        dec = mag >= sig - 1 ? 0 : sig - 1 - mag;
    }
    if (dec > 12)
        dec = 12;
    /* Halves away from zero, as people round (printf rounds them to even);
     * only where v x 10^dec is held exactly enough for it to matter. */
    double scale = pow(10, dec), w = v;
    if (a * scale < 0x1p52)
        w = round(v * scale) / scale;
    char tmp[CLI_NUM_BUFSIZE];
    snprintf(tmp, sizeof tmp, "%.*f", dec, w);
    char *s = tmp;
    bool neg = *s == '-';
    if (neg)
        s++;
    if (aut && strchr(s, '.')) {
        /* Trailing zeros (and a bare point) carry nothing. */
        char *e = s + strlen(s);
        while (e[-1] == '0')
            *--e = '\0';
        if (e[-1] == '.')
            e[-1] = '\0';
    }
    /* "-0.00": rounding left a zero, which has no sign. */
    if (neg && strspn(s, "0.") == strlen(s))
        neg = false;
    char *o = buf;
    if (neg)
        *o++ = '-';
    size_t nint = strcspn(s, ".");
    for (size_t i = 0; i < nint; i++) {
        *o++ = s[i];
        size_t left = nint - 1 - i;
        if (left && left % 3 == 0)
            *o++ = ',';
    }
    snprintf(o, CLI_NUM_BUFSIZE - (size_t)(o - buf), "%s", s + nint);
    return buf;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress *p, const char *label)
{
    p->label = label;
    p->t0 = cli_now();
    p->last = 0;
    p->shown = false;
}

void cli_progress_update(cli_progress *p, uint64_t done, uint64_t total)
{
    double now = cli_now();
    if (now - p->t0 < 1.0 || now - p->last < 0.2 || !isatty(STDERR_FILENO))
        return;
    p->last = now;
    p->shown = true;
    double pct = total ? 100.0 * (double)done / (double)total : 0.0;
    fprintf(stderr, "\r%s: %5.1f%% (%llu of %llu)", p->label, pct, (unsigned long long)done,
            (unsigned long long)total);
    fflush(stderr);
}

void cli_progress_done(cli_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%s: done in %.1f s%20s\n", p->label, cli_now() - p->t0, "");
}

int cli_progress_cb(void *ud, uint64_t done, uint64_t total)
{
    cli_progress_update(ud, done, total);
    return 0;
}
