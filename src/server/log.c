/*
 * log.c - the daemon's log: one line per event on stderr, key=value pairs
 * ("ts=2024-06-01T04:00:00.123Z level=info event=start ..."), easy for
 * journald, grep and log shippers.
 */
#define _DEFAULT_SOURCE
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int log_level = ZS_LOG_INFO;

void zs_log_set_level(zs_log_level lvl) { log_level = (int)lvl; }

bool zs_log_enabled(zs_log_level lvl) { return (int)lvl >= log_level; }

const char *zs_log_quote(const char *s, char *buf, size_t bufsz)
{
    if (!s)
        s = "";
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\' || (unsigned char)*p < 0x20)
            plain = false;
    if (plain) {
        snprintf(buf, bufsz, "%s", s);
        return buf;
    }
    size_t j = 0;
    if (bufsz < 3) {
        if (bufsz)
            buf[0] = '\0';
        return buf;
    }
    buf[j++] = '"';
    for (const char *p = s; *p && j + 3 < bufsz; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            buf[j++] = '\\';
            buf[j++] = (char)c;
        } else if (c < 0x20) {
            buf[j++] = ' ';
        } else {
            buf[j++] = (char)c;
        }
    }
    buf[j++] = '"';
    buf[j] = '\0';
    return buf;
}

void zs_log(zs_log_level lvl, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if (!zs_log_enabled(lvl))
        return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* one write per line, so lines of several threads never interleave */
    size_t len = strnlen(line, sizeof line - 2);
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}
