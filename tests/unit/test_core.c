/*
 * test_core.c - context, errors, diagnostics, did-you-mean, time, floor
 * division and the whole-file reader.
 *
 * Epoch values checked here come from the definition of Unix time:
 * 2024-01-01T00:00:00Z = 19723 days * 86400 s = 1704067200 (19723 days from
 * 1970-01-01: 54 years, 13 of them leap (1972..2020), 54*365 + 13 = 19723).
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "zeropark/zeropark.h"

static zp_status parse(const char *s, int32_t def, zp_time_t *t, int32_t *off)
{
    return zp_time_parse(s, strlen(s), def, t, off);
}

static void test_time_parse_offsets(void **state)
{
    (void)state;
    zp_time_t t;
    int32_t off;
    assert_int_equal(parse("2024-01-01T00:00:00Z", ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    assert_int_equal(t, 1704067200);
    assert_int_equal(off, 0);
    /* Local midnight at +08:00 is 16:00 UTC the day before: 1704067200 - 8*3600. */
    assert_int_equal(parse("2024-01-01T00:00:00+08:00", ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    assert_int_equal(t, 1704038400);
    assert_int_equal(off, 480);
    assert_int_equal(parse("2024-01-01 00:00-05:00", ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    assert_int_equal(t, 1704067200 + 5 * 3600);
    assert_int_equal(off, -300);
    assert_int_equal(parse("2024-01-01T00:00:00+0530", ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    assert_int_equal(t, 1704067200 - 330 * 60);
    assert_int_equal(parse("2024-01-01T00:00:00.000Z", ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    assert_int_equal(t, 1704067200);
    /* 24:00 is the end of the day (hour-ending records). */
    assert_int_equal(parse("2023-12-31T24:00:00Z", ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    assert_int_equal(t, 1704067200);
    /* Leap day 2024-02-29: Jan (31) + 28 days after 2024-01-01. */
    assert_int_equal(parse("2024-02-29T00:00:00Z", ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    assert_int_equal(t, 1704067200 + 59LL * 86400);
    /* Before 1970. 1969-12-31T23:00Z = -3600. */
    assert_int_equal(parse("1969-12-31T23:00:00Z", ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    assert_int_equal(t, -3600);
}

static void test_time_parse_rejects(void **state)
{
    (void)state;
    zp_time_t t;
    const char *bad[] = {
        "2024-01-01T00:00:00",      /* no offset and no default */
        "2023-02-29T00:00:00Z",     /* not a leap year */
        "2024-13-01T00:00:00Z",     "2024-01-32T00:00:00Z", "2024-01-01T25:00:00Z",
        "2024-01-01T24:30:00Z",     "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z",
        "2024-01-01T00:00:00.5Z",   /* sub-second */
        "2024-01-01T00:00:00+19:00", "2024-1-01T00:00:00Z",  "2024-01-01T00:00:00Zjunk",
        "",                          "2024",                 "2024-01-01T00:00:00+08:0",
    };
    for (size_t i = 0; i < ZP_ARRAY_LEN(bad); i++)
        assert_int_equal(parse(bad[i], ZP_TIME_NO_DEFAULT, &t, NULL), ZP_EPARSE);
    /* With a default offset, a local time is accepted. */
    assert_int_equal(parse("2024-01-01T00:00:00", 480, &t, NULL), ZP_OK);
    assert_int_equal(t, 1704038400);
    assert_int_equal(parse("2024-01-01", 480, &t, NULL), ZP_OK);
    assert_int_equal(t, 1704038400);
    /* Length is respected: text beyond len is not read. */
    assert_int_equal(zp_time_parse("2024-01-01T00:00:00Zxyz", 20, ZP_TIME_NO_DEFAULT, &t, NULL), ZP_OK);
}

static void test_time_format_roundtrip(void **state)
{
    (void)state;
    char buf[ZP_TIME_BUFSIZE];
    assert_string_equal(zp_time_format(1704038400, 480, buf), "2024-01-01T00:00:00+08:00");
    assert_string_equal(zp_time_format(1704067200, 0, buf), "2024-01-01T00:00:00+00:00");
    assert_string_equal(zp_time_format(1704067200, -300, buf), "2023-12-31T19:00:00-05:00");
    assert_string_equal(zp_time_format(-1, 0, buf), "1969-12-31T23:59:59+00:00");
    /* Every hour of 1950..2050 at a few offsets survives format -> parse. */
    const int32_t offs[] = {0, 480, -300, 330, -720, 840};
    for (zp_time_t t = -631152000; t < 2556144000; t += 3600 * 7 + 13) {
        int32_t o = offs[(size_t)(t & 0x7fffffff) % ZP_ARRAY_LEN(offs)];
        zp_time_t back;
        int32_t ob;
        zp_time_format(t, o, buf);
        assert_int_equal(zp_time_parse(buf, strlen(buf), ZP_TIME_NO_DEFAULT, &back, &ob), ZP_OK);
        assert_int_equal(back, t);
        assert_int_equal(ob, o);
    }
}

static void test_civil(void **state)
{
    (void)state;
    int64_t y;
    unsigned m, d;
    assert_int_equal(zp_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(zp_days_from_civil(2000, 3, 1), 11017); /* 30 years: 10957 days + Jan..Feb 2000 (60) */
    zp_civil_from_days(11017, &y, &m, &d);
    assert_int_equal(y, 2000);
    assert_int_equal(m, 3);
    assert_int_equal(d, 1);
    for (int64_t z = -800000; z < 800000; z += 97) {
        zp_civil_from_days(z, &y, &m, &d);
        assert_int_equal(zp_days_from_civil(y, m, d), z);
    }
}

static void test_errors_and_diags(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    assert_non_null(ctx);
    assert_int_equal(zp_ctx_errcode(ctx), ZP_OK);
    assert_int_equal(zp__error(ctx, ZP_EIO, "%s: cannot open", "x.csv"), ZP_EIO);
    assert_string_equal(zp_ctx_errmsg(ctx), "x.csv: cannot open");
    assert_int_equal(zp_ctx_errcode(ctx), ZP_EIO);
    zp_ctx_clear_error(ctx);
    assert_string_equal(zp_ctx_errmsg(ctx), "");
    assert_string_equal(zp_strerror(ZP_ENOMEM), "out of memory");
    assert_string_equal(zp_status_name(ZP_EMODEL), "ZP_EMODEL");
    assert_string_equal(zp_strerror((zp_status)999), "unknown status");

    assert_int_equal(zp__diag(ctx, ZP_SEV_ERROR, "model.json", 14, 9, "pv[0].tilt_deg",
                              "%d is out of range 0..90", 120), ZP_OK);
    assert_int_equal(zp__diag(ctx, ZP_SEV_WARNING, "a.csv", 3, 0, NULL, "odd"), ZP_OK);
    assert_int_equal(zp__diag(ctx, ZP_SEV_ERROR, NULL, 0, 0, "name", "missing"), ZP_OK);
    assert_int_equal(zp_ctx_diag_count(ctx), 3);
    assert_int_equal(zp_ctx_diag_errors(ctx), 2);
    char buf[256];
    zp_diag_format(zp_ctx_diag_get(ctx, 0), buf, sizeof buf);
    assert_string_equal(buf, "model.json:14:9: pv[0].tilt_deg: 120 is out of range 0..90");
    zp_diag_format(zp_ctx_diag_get(ctx, 1), buf, sizeof buf);
    assert_string_equal(buf, "a.csv:3: warning: odd");
    zp_diag_format(zp_ctx_diag_get(ctx, 2), buf, sizeof buf);
    assert_string_equal(buf, "name: missing");
    assert_null(zp_ctx_diag_get(ctx, 3));
    zp_ctx_diag_clear(ctx);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    zp_ctx_free(ctx);
    zp_ctx_free(NULL);
}

static void test_nearest(void **state)
{
    (void)state;
    const char *names[] = {"tilt_deg", "azimuth_deg", "capacity_kwp", "losses_pct", "name"};
    assert_int_equal(zp__edit_distance("kitten", "sitting", 10), 3);
    assert_int_equal(zp__edit_distance("", "abc", 10), 3);
    assert_string_equal(zp__nearest("tilt_dg", names, 5), "tilt_deg");
    assert_string_equal(zp__nearest("capacity_kw", names, 5), "capacity_kwp");
    assert_string_equal(zp__nearest("azimut_deg", names, 5), "azimuth_deg");
    assert_null(zp__nearest("colour", names, 5));
    /* a short word: zp__nearest allows 1 edit, _within as many as asked */
    const char *keys[] = {"db", "web", "token"};
    assert_null(zp__nearest("xyz", keys, 3));
    assert_string_equal(zp__nearest_within("xyz", keys, 3, 3), "db");
    assert_string_equal(zp__nearest_within("xen", keys, 3, 2), "web");
    assert_null(zp__nearest_within("xen", keys, 3, 1));
}

static void test_floor_division(void **state)
{
    (void)state;
    assert_int_equal(zp__fdiv(7, 2), 3);
    assert_int_equal(zp__fdiv(-7, 2), -4);
    assert_int_equal(zp__fdiv(-8, 2), -4);
    assert_int_equal(zp__fdiv(7, -2), -4);
    assert_int_equal(zp__fdiv(0, 86400), 0);
    assert_int_equal(zp__fdiv(-1, 86400), -1);
    /* 2024-01-01T00:00:00+08:00 is 2023-12-31T16:00Z: day 19723 locally, 19722 in UTC */
    assert_int_equal(zp__local_day(1704038400, 480), 19723);
    assert_int_equal(zp__local_day(1704038400, 0), 19722);
    /* 1969-12-31T23:00Z at -05:00 is 18:00 on 1969-12-31: day -1 */
    assert_int_equal(zp__local_day(-3600, -300), -1);
    assert_int_equal(zp__local_day(-3600, 120), 0);
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
}

static void test_file_read(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char path[256], *buf = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/test_core_file.txt", ZP_BINARY_DIR);
    write_file(path, "0123456789", 10);
    assert_int_equal(zp__file_read(ctx, path, 10, "model", &buf, &len), ZP_OK);
    assert_int_equal(len, 10);
    assert_string_equal(buf, "0123456789"); /* NUL-terminated */
    zp__free(ctx, buf);
    /* one byte over the cap: the message names the file, the noun and the cap */
    char want[512];
    assert_int_equal(zp__file_read(ctx, path, 9, "model", &buf, &len), ZP_ETOOBIG);
    assert_null(buf);
    snprintf(want, sizeof want, "%s: the model is larger than 9 bytes", path);
    assert_string_equal(zp_ctx_errmsg(ctx), want);
    assert_int_equal(zp__file_read(ctx, path, 4, NULL, &buf, &len), ZP_ETOOBIG);
    snprintf(want, sizeof want, "%s is larger than 4 bytes", path);
    assert_string_equal(zp_ctx_errmsg(ctx), want);
    /* an empty file is an empty text */
    write_file(path, "", 0);
    assert_int_equal(zp__file_read(ctx, path, 10, NULL, &buf, &len), ZP_OK);
    assert_int_equal(len, 0);
    assert_string_equal(buf, "");
    zp__free(ctx, buf);
    remove(path);
    /* missing, or a directory */
    assert_int_equal(zp__file_read(ctx, path, 10, NULL, &buf, &len), ZP_EIO);
    snprintf(want, sizeof want, "cannot open %s: No such file or directory", path);
    assert_string_equal(zp_ctx_errmsg(ctx), want);
    assert_int_equal(zp__file_read(ctx, ZP_BINARY_DIR, 10, NULL, &buf, &len), ZP_EIO);
    snprintf(want, sizeof want, "cannot read %s: Is a directory", ZP_BINARY_DIR);
    assert_string_equal(zp_ctx_errmsg(ctx), want);
    /* a stream that is not a regular file (a pipe) is read once, block by block */
    size_t big = 100000;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, 'z', big);
    FILE *p = fmemopen(text, big, "rb");
    assert_non_null(p);
    assert_int_equal(zp__file_read_stream(ctx, p, "<stdin>", big, NULL, &buf, &len), ZP_OK);
    assert_int_equal(len, big);
    assert_memory_equal(buf, text, big);
    zp__free(ctx, buf);
    rewind(p);
    assert_int_equal(zp__file_read_stream(ctx, p, "<stdin>", big - 1, "table", &buf, &len),
                     ZP_ETOOBIG);
    assert_string_equal(zp_ctx_errmsg(ctx), "<stdin>: the table is larger than 99999 bytes");
    fclose(p);
    free(text);
    zp_ctx_free(ctx);
}

/* Allocator that fails after a budget of allocations. */
typedef struct budget {
    int left;
} budget;

static void *failing_alloc(void *ud, void *ptr, size_t n)
{
    budget *b = ud;
    if (n == 0) {
        free(ptr);
        return NULL;
    }
    if (b->left-- <= 0)
        return NULL;
    return realloc(ptr, n);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    budget b = {0};
    assert_null(zp_ctx_new_with_alloc(failing_alloc, &b));
    b.left = 1;
    zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &b);
    assert_non_null(ctx);
    /* The next allocation fails: a diagnostic cannot be stored. */
    assert_int_equal(zp__diag(ctx, ZP_SEV_ERROR, "f", 1, 1, "p", "m"), ZP_ENOMEM);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    assert_int_equal(zp_ctx_errcode(ctx), ZP_ENOMEM);
    b.left = 2; /* array grows, then the file name copy fails */
    assert_int_equal(zp__diag(ctx, ZP_SEV_ERROR, "f", 1, 1, "p", "m"), ZP_ENOMEM);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    b.left = 100;
    assert_int_equal(zp__diag(ctx, ZP_SEV_ERROR, "f", 1, 1, "p", "m"), ZP_OK);
    assert_int_equal(zp_ctx_diag_count(ctx), 1);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse_offsets), cmocka_unit_test(test_time_parse_rejects),
        cmocka_unit_test(test_time_format_roundtrip), cmocka_unit_test(test_civil),
        cmocka_unit_test(test_errors_and_diags),     cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_alloc_failure),       cmocka_unit_test(test_floor_division),
        cmocka_unit_test(test_file_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
