/*
 * cmd_series.c - `zeropark series --db FILE`: list the series in a store.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "util.h"

const char cmd_series_usage[] =
    "usage: zeropark series --db FILE [--json] [--offset +HH:MM]\n"
    "\n"
    "List the series (meters) in a store: name, unit, kind, step, the span of\n"
    "stored readings and how many there are.\n"
    "\n"
    "Options:\n"
    "  --db FILE        store to read\n"
    "  --json           print as JSON\n"
    "  --offset +HH:MM  offset for the times shown (default +08:00)\n"
    "  -h, --help       show this help\n";

static const char *kind_name(zp_series_kind k)
{
    const char *n = zp_series_kind_name(k);
    return n ? n : "unknown";
}

/* Length of the UTF-8 sequence at p, or 0 when the bytes there are not one. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
                               : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0) ||
        (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
        return 0;
    return n;
}

/* A stored name as printable UTF-8: a store written before names were
 * checked may hold bytes that are not UTF-8 (shown as \xNN) or control
 * characters (shown as ?). Returns buf. */
static const char *printable(const char *s, char *buf, size_t cap)
{
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && j + 5 < cap;) {
        size_t n = utf8_len(p);
        if (n == 0) {
            j += (size_t)snprintf(buf + j, cap - j, "\\x%02X", *p);
            p++;
        } else if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
            buf[j++] = '?';
            p++;
        } else {
            memcpy(buf + j, p, n);
            j += n;
            p += n;
        }
    }
    buf[j] = '\0';
    return buf;
}

int cmd_series_run(const cli_cmd *cmd, int argc, char **argv)
{
    const char *db = NULL;
    bool json = false;
    int32_t offset = 8 * 60;
    cli_opt opts[] = {CLI_TEXT("db", &db), CLI_FLAG("json", &json),
                      CLI_OFFSET("offset", &offset, ": use +HH:MM, -HH:MM or Z"), CLI_END};
    int exit_code;
    if (!cli_opts_parse(cmd, opts, argc, argv, &exit_code))
        return exit_code;
    if ((exit_code = cli_opts_need(cmd, opts, "db", "--db FILE", NULL)) ||
        (exit_code = cli_no_operand(cmd, argc, argv)))
        return exit_code;
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    zp_store *st = NULL;
    zp_store_series_info *info = NULL;
    size_t n = 0;
    zp_status rc = zp_store_open(ctx, db, ZP_STORE_READONLY, &st);
    if (rc == ZP_OK)
        rc = zp_store_series_list(st, &info, &n);
    if (rc) {
        exit_code = cli_fail("series", ctx, rc);
        goto out;
    }
    char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            char nb[1100], ub[300];
            json_t *o = json_pack("{s:s, s:s?, s:s, s:i, s:I}", "name", printable(info[i].name, nb, sizeof nb), "unit",
                                  info[i].unit ? printable(info[i].unit, ub, sizeof ub) : NULL, "kind", kind_name(info[i].kind), "step_s",
                                  (int)info[i].step_s, "count", (json_int_t)info[i].count);
            json_object_set_new(o, "first", info[i].count ? json_string(zp_time_format(info[i].first, offset, a)) : json_null());
            json_object_set_new(o, "end", info[i].count ? json_string(zp_time_format(info[i].last_end, offset, b)) : json_null());
            json_array_append_new(arr, o);
        }
        json_t *doc = json_pack("{s:s, s:o}", "db", db, "series", arr);
        cli_print_json(doc);
        json_decref(doc);
    } else {
        /* counts as people write them ("8,784"), the step in seconds
         * ("3,600 s"); the column as wide as its widest count */
        int w = 10;
        for (size_t i = 0; i < n; i++) {
            int l = (int)strlen(CLI_NUM((double)info[i].count, 0));
            w = l > w ? l : w;
        }
        printf("%-24s %-8s %-9s %8s %-25s %-25s %*s\n", "name", "unit", "kind", "step", "first",
               "end", w, "readings");
        char nb[1100], ub[300];
        for (size_t i = 0; i < n; i++)
            printf("%-24s %-8s %-9s %6s s %-25s %-25s %*s\n", printable(info[i].name, nb, sizeof nb),
                   info[i].unit ? printable(info[i].unit, ub, sizeof ub) : "-", kind_name(info[i].kind),
                   CLI_NUM(info[i].step_s, 0),
                   info[i].count ? zp_time_format(info[i].first, offset, a) : "-",
                   info[i].count ? zp_time_format(info[i].last_end, offset, b) : "-", w,
                   CLI_NUM((double)info[i].count, 0));
    }
out:
    zp_store_series_info_free(ctx, info, n);
    zp_store_close(st);
    zp_ctx_free(ctx);
    return exit_code;
}
