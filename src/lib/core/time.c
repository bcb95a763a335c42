/*
 * time.c - ISO-8601 timestamps and civil-date arithmetic.
 *
 * The date conversions are the standard days-from-civil algorithm on the
 * proleptic Gregorian calendar (era of 400 years = 146097 days).
 */
#include "core/internal.h"

#include <stdio.h>
#include <string.h>

int64_t zp_fdiv(int64_t a, int64_t b) { return zp__fdiv(a, b); }

int64_t zp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void zp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Read exactly n digits at *p; advance. */
static int digits(const char **p, const char *end, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*p >= end || (unsigned)(**p - '0') > 9)
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

zp_status zp_time_parse(const char *text, size_t len, int32_t default_offset_min, zp_time_t *out,
                        int32_t *offset_min)
{
    const char *p = text, *end = text + len;
    int Y, M, D, h = 0, mi = 0, s = 0;
    if (digits(&p, end, 4, &Y) || p >= end || *p++ != '-' || digits(&p, end, 2, &M) || p >= end ||
        *p++ != '-' || digits(&p, end, 2, &D))
        return ZP_EPARSE;
    if (M < 1 || M > 12 || D < 1 || (unsigned)D > days_in_month(Y, (unsigned)M))
        return ZP_EPARSE;
    int have_time = 0;
    if (p < end && (*p == 'T' || *p == ' ')) {
        p++;
        if (digits(&p, end, 2, &h) || p >= end || *p++ != ':' || digits(&p, end, 2, &mi))
            return ZP_EPARSE;
        if (p < end && *p == ':') {
            p++;
            if (digits(&p, end, 2, &s))
                return ZP_EPARSE;
            if (p < end && (*p == '.' || *p == ',')) {
                p++;
                if (p >= end || (unsigned)(*p - '0') > 9)
                    return ZP_EPARSE;
                while (p < end && (unsigned)(*p - '0') <= 9) {
                    if (*p != '0')
                        return ZP_EPARSE; /* sub-second instants are not representable */
                    p++;
                }
            }
        }
        have_time = 1;
    }
    /* 24:00:00 means the end of the day (hour-ending records). */
    if (h > 24 || mi > 59 || s > 59 || (h == 24 && (mi || s)))
        return ZP_EPARSE;
    int32_t off;
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
        off = 0;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p++ == '-' ? -1 : 1;
        int oh, om = 0;
        if (digits(&p, end, 2, &oh))
            return ZP_EPARSE;
        if (p < end && *p == ':') {
            p++;
            if (digits(&p, end, 2, &om))
                return ZP_EPARSE;
        } else if (p < end) {
            if (digits(&p, end, 2, &om))
                return ZP_EPARSE;
        }
        if (oh > 18 || om > 59)
            return ZP_EPARSE;
        off = sign * (oh * 60 + om);
    } else {
        if (default_offset_min == ZP_TIME_NO_DEFAULT || (!have_time && p != end))
            return ZP_EPARSE;
        off = default_offset_min;
    }
    if (p != end)
        return ZP_EPARSE;
    int64_t days = zp_days_from_civil(Y, (unsigned)M, (unsigned)D);
    *out = days * 86400 + (int64_t)h * 3600 + mi * 60 + s - (int64_t)off * 60;
    if (offset_min)
        *offset_min = off;
    return ZP_OK;
}

char *zp_time_format(zp_time_t t, int32_t offset_min, char *buf)
{
    int64_t local = t + (int64_t)offset_min * 60;
    int64_t days = zp__fdiv(local, 86400);
    int64_t sod = local - days * 86400;
    int64_t y;
    unsigned m, d;
    zp_civil_from_days(days, &y, &m, &d);
    int32_t ao = offset_min < 0 ? -offset_min : offset_min;
    snprintf(buf, ZP_TIME_BUFSIZE, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (long long)y,
             m, d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
                 offset_min < 0 ? '-' : '+', (int)(ao / 60), (int)(ao % 60));
    return buf;
}
