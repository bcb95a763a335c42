/*
 * test_csv.c - CSV import: offsets, exact numbers, column selection,
 * options, files, allocation failures and the golden malformed cases.
 *
 * Golden cases: tests/golden/csv/<case>.csv is read with zp_csv_read_buf
 * and again through zp_csv_read_stream, which must agree (file name
 * "<case>.csv", default options except max_line_bytes = 200 so
 * long_line.csv can stay small). <case>.expected holds every diagnostic as
 * zp_diag_format prints it, one per line, then a line "-> STATUS: message"
 * and, on success, one "series ..." line per series read. Run the test with
 * ZP_REGEN_GOLDEN=1 to rewrite the .expected files, then review the diff.
 */
#define _GNU_SOURCE /* fopencookie: a stream that counts what is read from it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "zeropark/zeropark.h"

#include <dirent.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define GOLDEN_DIR ZP_SOURCE_DIR "/tests/golden/csv"

static zp_status read_str(zp_ctx *ctx, const char *text, const zp_csv_opts *o, zp_series ***s,
                          size_t *n)
{
    return zp_csv_read_buf(ctx, text, strlen(text), "t.csv", o, s, n);
}

/* ---- timestamps and values ------------------------------------------------ */

static void test_offsets(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series **s = NULL;
    size_t n = 0;
    /* 2024-01-01T00:00:00+08:00 = 2023-12-31T16:00:00Z.
     * Days 1970-01-01 .. 2024-01-01 = 54 years * 365 + 13 leap days = 19723;
     * 19723 * 86400 = 1704067200 (2024-01-01T00:00Z); minus 8 h = 1704038400. */
    assert_int_equal(read_str(ctx, "t,a\n2024-01-01T00:00:00+08:00,1\n"
                                   "2024-01-01T00:15:00+08:00,2\n", NULL, &s, &n), ZP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s[0]->start, 1704038400);
    assert_int_equal(s[0]->step_s, 900);
    assert_int_equal(s[0]->len, 2);
    assert_string_equal(s[0]->name, "a");
    zp_series_array_free(ctx, s, n);

    /* Z: 1704067200 exactly. */
    assert_int_equal(read_str(ctx, "t,a\n2024-01-01T00:00:00Z,1\n2024-01-01T01:00:00Z,2\n",
                              NULL, &s, &n), ZP_OK);
    assert_int_equal(s[0]->start, 1704067200);
    assert_int_equal(s[0]->step_s, 3600);
    zp_series_array_free(ctx, s, n);

    /* -05:00: local midnight is 05:00Z, 1704067200 + 5*3600 = 1704085200. */
    assert_int_equal(read_str(ctx, "t,a\n2024-01-01T00:00:00-05:00,1\n"
                                   "2024-01-01T00:01:00-05:00,2\n", NULL, &s, &n), ZP_OK);
    assert_int_equal(s[0]->start, 1704085200);
    assert_int_equal(s[0]->step_s, 60);
    zp_series_array_free(ctx, s, n);

    /* Rows may change offset (DST): 01:00+01:00 and 03:00+02:00 are both
     * 00:00Z / 01:00Z, so one hour apart. */
    assert_int_equal(read_str(ctx, "t,a\n2024-03-31T01:00:00+01:00,1\n"
                                   "2024-03-31T03:00:00+02:00,2\n", NULL, &s, &n), ZP_OK);
    assert_int_equal(s[0]->step_s, 3600);
    zp_series_array_free(ctx, s, n);
    zp_ctx_free(ctx);
}

static void test_default_offset(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series **s = NULL;
    size_t n = 0;
    zp_csv_opts o;
    zp_csv_opts_init(&o);
    const char *text = "t,a\n2024-01-01T00:00:00,1\n2024-01-01T00:30:00,2\n";
    assert_int_equal(read_str(ctx, text, &o, &s, &n), ZP_EDATA);
    assert_int_equal(zp_ctx_diag_count(ctx), 2);
    assert_non_null(strstr(zp_ctx_diag_get(ctx, 0)->message, "no UTC offset"));
    zp_ctx_diag_clear(ctx);
    o.default_offset_min = 480; /* +08:00: 1704067200 - 8*3600 = 1704038400 */
    assert_int_equal(read_str(ctx, text, &o, &s, &n), ZP_OK);
    assert_int_equal(s[0]->start, 1704038400);
    assert_int_equal(s[0]->step_s, 1800);
    zp_series_array_free(ctx, s, n);
    zp_ctx_free(ctx);
}

/* Values from the fast path must equal strtod's bit for bit. */
static void test_numbers_exact(void **state)
{
    (void)state;
    static const char *const nums[] = {
        "0", "-0", "1", "+1", "-1.5", "0.1", "0.3", "123.456", "1e3", "1E-3", "2.5e+2", ".5",
        "5.", "9007199254740992", "9007199254740993", "12345678901234567890", "1e22", "1e23",
        "4.9406564584124654e-324", "1.7976931348623157e308", "0.000001", "3.14159265358979323846",
        "999999.999", "-273.15", "1e-22", "00012.5000", "7e-10"};
    size_t nn = sizeof nums / sizeof nums[0];
    char text[4096];
    int len = snprintf(text, sizeof text, "t,v\n");
    for (size_t i = 0; i < nn; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, "2024-01-01T00:%02zu:00Z,%s\n", i,
                        nums[i]);
    zp_ctx *ctx = zp_ctx_new();
    zp_series **s = NULL;
    size_t n = 0;
    assert_int_equal(read_str(ctx, text, NULL, &s, &n), ZP_OK);
    assert_int_equal(s[0]->len, nn);
    for (size_t i = 0; i < nn; i++) {
        double want = strtod(nums[i], NULL);
        if (memcmp(&want, &s[0]->v[i], sizeof want) != 0)
            fail_msg("%s parsed as %.17g, strtod gives %.17g", nums[i], s[0]->v[i], want);
    }
    zp_series_array_free(ctx, s, n);

    /* Random decimals with 1-17 digits and 0-6 decimals, seed 42. */
    unsigned long long x = 42;
    size_t cap = 64 * 2000 + 16;
    char *big = malloc(cap);
    char (*texts)[40] = malloc(2000 * sizeof *texts);
    assert_non_null(big);
    assert_non_null(texts);
    len = snprintf(big, cap, "t,v\n");
    for (int i = 0; i < 2000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned long long mant = (x >> 11) % 100000000000000000ULL;
        int digits = (int)((x >> 3) % 17) + 1;
        unsigned long long mod = 1;
        for (int d = 0; d < digits; d++)
            mod *= 10;
        mant %= mod;
        int dec = (int)(x % 7);
        char num[40];
        unsigned long long p10 = 1;
        for (int d = 0; d < dec; d++)
            p10 *= 10;
        if (dec)
            snprintf(num, sizeof num, "%s%llu.%0*llu", (x >> 60) & 1 ? "-" : "", mant / p10, dec,
                     mant % p10);
        else
            snprintf(num, sizeof num, "%llu", mant);
        memcpy(texts[i], num, sizeof num);
        char ts[ZP_TIME_BUFSIZE];
        len += snprintf(big + len, cap - (size_t)len, "%s,%s\n",
                        zp_time_format(1704067200 + (zp_time_t)i * 60, 0, ts), num);
    }
    assert_int_equal(zp_csv_read_buf(ctx, big, (size_t)len, "r.csv", NULL, &s, &n), ZP_OK);
    for (int i = 0; i < 2000; i++) {
        double want = strtod(texts[i], NULL);
        if (memcmp(&want, &s[0]->v[i], sizeof want) != 0)
            fail_msg("%s parsed as %.17g, strtod gives %.17g", texts[i], s[0]->v[i], want);
    }
    zp_series_array_free(ctx, s, n);
    free(big);
    free(texts);
    zp_ctx_free(ctx);
}

/* ---- columns and options -------------------------------------------------- */

static void test_columns(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series **s = NULL;
    size_t n = 0;
    const char *text = "time,pv_kw,load_kw,grid_kw\n"
                       "2024-01-01T00:00:00Z,1,10,100\n"
                       "2024-01-01T00:05:00Z,2,20,200\n"
                       "2024-01-01T00:10:00Z,3,30,300\n";
    zp_csv_opts o;
    zp_csv_opts_init(&o);
    const char *const want[] = {"grid_kw", "pv_kw"};
    o.columns = want;
    o.ncolumns = 2;
    o.kind = ZP_SERIES_ENERGY;
    assert_int_equal(read_str(ctx, text, &o, &s, &n), ZP_OK);
    assert_int_equal(n, 2);
    /* In the order asked for, not the header order. */
    assert_string_equal(s[0]->name, "grid_kw");
    assert_string_equal(s[1]->name, "pv_kw");
    assert_int_equal(s[0]->kind, ZP_SERIES_ENERGY);
    assert_true(s[0]->v[0] == 100 && s[0]->v[1] == 200 && s[0]->v[2] == 300);
    assert_true(s[1]->v[0] == 1 && s[1]->v[1] == 2 && s[1]->v[2] == 3);
    assert_int_equal(s[1]->step_s, 300);
    zp_series_array_free(ctx, s, n);

    /* A misspelt column: ENOTFOUND, the columns listed, a suggestion. */
    const char *const bad[] = {"load_kv"};
    o.columns = bad;
    o.ncolumns = 1;
    assert_int_equal(read_str(ctx, text, &o, &s, &n), ZP_ENOTFOUND);
    assert_null(s);
    const char *msg = zp_ctx_errmsg(ctx);
    assert_non_null(strstr(msg, "t.csv:1: no column 'load_kv'"));
    assert_non_null(strstr(msg, "did you mean 'load_kw'?"));
    assert_non_null(strstr(msg, "'pv_kw', 'load_kw', 'grid_kw'"));

    /* Nothing close: no suggestion. */
    const char *const far[] = {"temperature"};
    o.columns = far;
    assert_int_equal(read_str(ctx, text, &o, &s, &n), ZP_ENOTFOUND);
    assert_null(strstr(zp_ctx_errmsg(ctx), "did you mean"));

    /* The timestamp column is not a data column. */
    const char *const ts[] = {"time"};
    o.columns = ts;
    assert_int_equal(read_str(ctx, text, &o, &s, &n), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "timestamp column"));

    /* Asked twice. */
    const char *const twice[] = {"pv_kw", "pv_kw"};
    o.columns = twice;
    o.ncolumns = 2;
    assert_int_equal(read_str(ctx, text, &o, &s, &n), ZP_EINVAL);

    /* Bad values in columns not asked for are not read, so not reported. */
    const char *const one[] = {"pv_kw"};
    o.columns = one;
    o.ncolumns = 1;
    assert_int_equal(read_str(ctx, "t,pv_kw,junk\n2024-01-01T00:00:00Z,1,x\n"
                                   "2024-01-01T00:05:00Z,2,\n", &o, &s, &n), ZP_OK);
    assert_int_equal(n, 1);
    zp_series_array_free(ctx, s, n);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    zp_ctx_free(ctx);
}

static void test_delimiter_and_last_line(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series **s = NULL;
    size_t n = 0;
    zp_csv_opts o;
    zp_csv_opts_init(&o);
    o.delimiter = ';';
    /* No newline after the last row; "a,b" is one quoted header name. */
    assert_int_equal(read_str(ctx, "t;\"a,b\";c\n2024-01-01T00:00:00Z;1;2\n"
                                   "2024-01-01T00:15:00Z;3;4", &o, &s, &n), ZP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(s[0]->name, "a,b");
    assert_true(s[0]->v[1] == 3 && s[1]->v[1] == 4);
    zp_series_array_free(ctx, s, n);

    o.delimiter = '\t';
    assert_int_equal(read_str(ctx, "t\ta\n2024-01-01T00:00:00Z\t1\n2024-01-01T00:15:00Z\t2\n",
                              &o, &s, &n), ZP_OK);
    assert_true(s[0]->v[0] == 1 && s[0]->v[1] == 2);
    zp_series_array_free(ctx, s, n);

    o.delimiter = '"';
    assert_int_equal(read_str(ctx, "t\"a\n", &o, &s, &n), ZP_EINVAL);
    zp_ctx_free(ctx);
}

static void test_problems_summary(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series **s = NULL;
    size_t n = 0;
    /* Three problems: a non-numeric value (line 3), a gap (line 5: expected
     * 00:30, found 00:45, one row missing) and an empty value (line 5). */
    const char *text = "t,pv\n2024-01-01T00:00:00Z,1\n2024-01-01T00:15:00Z,x\n"
                       "2024-01-01T00:30:00Z,3\n2024-01-01T01:00:00Z,\n";
    assert_int_equal(read_str(ctx, text, NULL, &s, &n), ZP_EDATA);
    assert_null(s);
    assert_int_equal(n, 0);
    assert_int_equal(zp_ctx_diag_count(ctx), 3);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "t.csv: 3 problems in CSV (first: t.csv:3:22: non-numeric value 'x' in "
                        "column 'pv'; expected a decimal number such as 12.5)");
    const zp_diag *d = zp_ctx_diag_get(ctx, 1);
    assert_int_equal(d->line, 5);
    assert_int_equal(d->col, 1);
    assert_string_equal(d->message, "gap: expected 2024-01-01T00:45:00+00:00, found "
                                    "2024-01-01T01:00:00+00:00; 1 row missing");
    zp_ctx_diag_clear(ctx);

    /* max_diags stops the read early and says so. */
    zp_csv_opts o;
    zp_csv_opts_init(&o);
    o.max_diags = 2;
    assert_int_equal(read_str(ctx, text, &o, &s, &n), ZP_EDATA);
    assert_int_equal(zp_ctx_diag_count(ctx), 2);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "2 problems in CSV, reading stopped after the first 2"));
    zp_ctx_diag_clear(ctx);

    /* No file name: diagnostics still carry a location. */
    assert_int_equal(zp_csv_read_buf(ctx, "t,a\n", 4, NULL, NULL, &s, &n), ZP_EDATA);
    assert_string_equal(zp_ctx_diag_get(ctx, 0)->file, "<input>");
    zp_ctx_diag_clear(ctx);
    /* (NULL, 0) is an empty file, not a crash. */
    assert_int_equal(zp_csv_read_buf(ctx, NULL, 0, "e.csv", NULL, &s, &n), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "empty file"));
    zp_ctx_free(ctx);
}

/* ---- files ------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_files(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/test_csv_%ld.csv", ZP_BINARY_DIR, (long)getpid());
    write_file(path, "\xEF\xBB\xBF\"time\",pv_kw,\"load \"\"kW\"\"\"\r\n"
                     "2024-01-01T00:00:00Z,1,2\r\n2024-01-01T00:01:00Z,3,4\r\n");
    zp_ctx *ctx = zp_ctx_new();
    char **names = NULL;
    size_t nn = 0;
    assert_int_equal(zp_csv_header_file(ctx, path, &names, &nn), ZP_OK);
    assert_int_equal(nn, 3);
    assert_string_equal(names[0], "time");
    assert_string_equal(names[1], "pv_kw");
    assert_string_equal(names[2], "load \"kW\"");
    zp_strv_free(ctx, names, nn);

    zp_series **s = NULL;
    size_t n = 0;
    assert_int_equal(zp_csv_read_file(ctx, path, NULL, &s, &n), ZP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(s[1]->len, 2);
    assert_true(s[1]->v[0] == 2 && s[1]->v[1] == 4);
    zp_series_array_free(ctx, s, n);

    /* Diagnostics name the path given. */
    write_file(path, "t,a\n2024-01-01T00:00:00Z,1\n");
    assert_int_equal(zp_csv_read_file(ctx, path, NULL, &s, &n), ZP_EDATA);
    assert_string_equal(zp_ctx_diag_get(ctx, 0)->file, path);
    zp_ctx_diag_clear(ctx);

    /* The header of a file whose first line has no line end. */
    write_file(path, "a,b");
    assert_int_equal(zp_csv_header_file(ctx, path, &names, &nn), ZP_OK);
    assert_int_equal(nn, 2);
    zp_strv_free(ctx, names, nn);
    write_file(path, "");
    assert_int_equal(zp_csv_header_file(ctx, path, &names, &nn), ZP_EDATA);
    unlink(path);

    assert_int_equal(zp_csv_read_file(ctx, path, NULL, &s, &n), ZP_EIO);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), path));
    assert_int_equal(zp_csv_header_file(ctx, path, &names, &nn), ZP_EIO);
    zp_strv_free(ctx, NULL, 0);
    zp_ctx_free(ctx);
}

/* ---- the line limit while reading ------------------------------------------ */

/* A stream of a header, one row and then a line of `huge` digits, made on
 * the fly (nothing of it is ever in memory) and counting what is read. */
typedef struct gen {
    const char *head;   /* the first two lines */
    size_t headlen;
    uint64_t huge;      /* length of the third line */
    uint64_t pos;       /* bytes handed out */
} gen;

static ssize_t gen_read(void *cookie, char *buf, size_t size)
{
    gen *g = cookie;
    size_t n = 0;
    while (n < size) {
        if (g->pos < g->headlen)
            buf[n++] = g->head[g->pos++];
        else if (g->pos < g->headlen + g->huge)
            buf[n++] = (g->pos++ - g->headlen) < 21 ? "2024-01-01T00:30:00Z,"[g->pos - 1 - g->headlen] : '7';
        else
            break;
    }
    return (ssize_t)n;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A 1 GiB line through a stream with a 4096-byte limit: the error names
 * line 4 (after the header and two rows) at column 4097 (the first byte past the limit) and comes after
 * the reader has taken at most the limit plus its 64 KiB block (and the
 * stdio buffer), not the gigabyte; the peak memory does not grow by it. */
static void test_stream_line_cap(void **state)
{
    (void)state;
    static const char head[] = "time,pv_kw\n2024-01-01T00:00:00Z,1\n2024-01-01T00:15:00Z,2\n";
    gen g = {head, sizeof head - 1, (uint64_t)1 << 30, 0};
    cookie_io_functions_t io = {.read = gen_read};
    FILE *f = fopencookie(&g, "r", io);
    assert_non_null(f);
    zp_ctx *ctx = zp_ctx_new();
    zp_csv_opts o;
    zp_csv_opts_init(&o);
    o.max_line_bytes = 4096;
    o.max_line_option = "--max-line-bytes";
    zp_series **s = NULL;
    size_t n = 0;
    long rss0 = maxrss_kb();
    assert_int_equal(zp_csv_read_stream(ctx, f, "gen.csv", &o, &s, &n), ZP_EDATA);
    long rss1 = maxrss_kb();
    fclose(f);
    assert_null(s);
    assert_int_equal(zp_ctx_diag_count(ctx), 1);
    const zp_diag *d = zp_ctx_diag_get(ctx, 0);
    assert_int_equal(d->line, 4);
    assert_int_equal(d->col, 4097);
    assert_string_equal(d->message, "line is longer than 4096 bytes, the line limit; reading "
                                    "stopped here (raise the limit with --max-line-bytes)");
    printf("bytes read of a 1 GiB line: %llu; peak RSS grew by %ld KiB\n",
           (unsigned long long)(g.pos - g.headlen), rss1 - rss0);
    /* the limit, the 64 KiB block, and a few stdio buffers at most */
    assert_true(g.pos - g.headlen < 4096 + 65536 + 4 * 65536);
    assert_true(rss1 - rss0 < 16 * 1024);
    zp_ctx_free(ctx);
}

/* The limit is on the line's content: CR, LF and the BOM do not count. A
 * line of exactly the limit is read, one byte more is not, the same from
 * memory and from a stream. */
static void test_line_cap_boundary(void **state)
{
    (void)state;
    const size_t lim = 64;
    char text[1024];
    /* header "\xEF\xBB\xBF" + "time," + 59 'a' = 64 bytes of content after the BOM */
    char name[64];
    memset(name, 'a', 59);
    name[59] = '\0';
    /* row 2: "2024-01-01T00:15:00Z," (21) + 43 digits = 64 */
    char v[64];
    memset(v, '1', 43);
    v[43] = '\0';
    for (int extra = 0; extra < 2; extra++) {
        snprintf(text, sizeof text, "\xEF\xBB\xBFtime,%s\r\n2024-01-01T00:00:00Z,1\r\n"
                 "2024-01-01T00:15:00Z,%s%s\r\n", name, v, extra ? "1" : "");
        for (int stream = 0; stream < 2; stream++) {
            zp_ctx *ctx = zp_ctx_new();
            zp_csv_opts o;
            zp_csv_opts_init(&o);
            o.max_line_bytes = lim;
            zp_series **s = NULL;
            size_t n = 0;
            zp_status rc;
            if (stream) {
                FILE *f = tmpfile();
                fputs(text, f);
                rewind(f);
                rc = zp_csv_read_stream(ctx, f, "b.csv", &o, &s, &n);
                fclose(f);
            } else {
                rc = zp_csv_read_buf(ctx, text, strlen(text), "b.csv", &o, &s, &n);
            }
            if (!extra) {
                assert_int_equal(rc, ZP_OK);
                assert_int_equal(s[0]->len, 2);
                assert_true(s[0]->v[1] == 1111111111111111111111111111111111111111111.0);
            } else {
                assert_int_equal(rc, ZP_EDATA);
                assert_int_equal(zp_ctx_diag_get(ctx, 0)->line, 3);
                assert_int_equal(zp_ctx_diag_get(ctx, 0)->col, 65);
                assert_non_null(strstr(zp_ctx_errmsg(ctx), "line is longer than 64 bytes, the line limit"));
            }
            zp_series_array_free(ctx, s, n);
            zp_ctx_free(ctx);
        }
    }
}

/* A file read in blocks gives exactly what the same bytes give from
 * memory: 40,000 rows of varied length (CRLF and LF mixed), so lines
 * straddle many block boundaries. */
static void test_stream_equals_buffer(void **state)
{
    (void)state;
    size_t cap = 8u << 20, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "time,a_kw,b_kw\n");
    unsigned seed = 7;
    for (int i = 0; i < 40000; i++) {
        seed = seed * 1103515245u + 12345u;
        zp_time_t t = 1704067200 + (zp_time_t)i * 60;
        char ts[ZP_TIME_BUFSIZE];
        len += (size_t)snprintf(text + len, cap - len, "%s,%u.%0*u,%d%s", zp_time_format(t, 0, ts),
                                seed % 100000, (int)(seed % 7), (seed >> 8) % 1000, i % 13,
                                (seed >> 4) & 1 ? "\r\n" : "\n");
    }
    zp_ctx *ctx = zp_ctx_new();
    zp_series **a = NULL, **b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(zp_csv_read_buf(ctx, text, len, "r.csv", NULL, &a, &na), ZP_OK);
    FILE *f = tmpfile();
    assert_int_equal(fwrite(text, 1, len, f), len);
    rewind(f);
    assert_int_equal(zp_csv_read_stream(ctx, f, "r.csv", NULL, &b, &nb), ZP_OK);
    fclose(f);
    assert_int_equal(na, 2);
    assert_int_equal(nb, 2);
    for (size_t c = 0; c < 2; c++) {
        assert_int_equal(a[c]->len, 40000);
        assert_int_equal(b[c]->len, 40000);
        assert_int_equal(a[c]->start, b[c]->start);
        assert_memory_equal(a[c]->v, b[c]->v, 40000 * sizeof(double));
    }
    /* row 40000 (the last) by hand: column b is i % 13 = 39999 % 13 = 11 */
    assert_true(a[1]->v[39999] == 11.0);
    zp_series_array_free(ctx, a, na);
    zp_series_array_free(ctx, b, nb);
    zp_ctx_free(ctx);
    free(text);
}

/* A header that is not UTF-8 (a Latin-1 "café_kw": 0xE9 is byte 9 of
 * "time,caf\xE9_kw") is refused where it is, by the reader and by the
 * header check that accounting uses; a UTF-8 one is read. */
static void test_header_encoding(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_series **s = NULL;
    size_t n = 0;
    const char *latin1 = "time,caf\xE9_kw\n2024-01-01T00:00:00Z,1\n2024-01-01T00:15:00Z,2\n";
    assert_int_equal(read_str(ctx, latin1, NULL, &s, &n), ZP_EDATA);
    assert_null(s);
    const zp_diag *d = zp_ctx_diag_get(ctx, 0);
    assert_int_equal(d->line, 1);
    assert_int_equal(d->col, 9);
    assert_non_null(strstr(d->message, "not UTF-8 (0xE9"));
    assert_non_null(strstr(d->message, "save the file as UTF-8"));
    zp_ctx_diag_clear(ctx);

    char path[256];
    snprintf(path, sizeof path, "%s/test_csv_enc_%ld.csv", ZP_BINARY_DIR, (long)getpid());
    FILE *f = fopen(path, "wb");
    fputs(latin1, f);
    fclose(f);
    char **names = NULL;
    size_t nn = 0;
    assert_int_equal(zp_csv_header_file(ctx, path, &names, &nn), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), ":1:9: column 2's name 'caf?_kw' has a byte that is not UTF-8"));
    zp_ctx_diag_clear(ctx);
    unlink(path);

    /* a tab inside a quoted name is a control character (byte 8) */
    assert_int_equal(read_str(ctx, "time,\"a\tb\"\n2024-01-01T00:00:00Z,1\n2024-01-01T00:15:00Z,2\n",
                              NULL, &s, &n), ZP_EDATA);
    assert_int_equal(zp_ctx_diag_get(ctx, 0)->col, 8);
    assert_non_null(strstr(zp_ctx_diag_get(ctx, 0)->message, "control character (0x09)"));
    zp_ctx_diag_clear(ctx);

    /* UTF-8 "负荷_kw" (E8 B4 9F E8 8D B7) is a name like any other */
    assert_int_equal(read_str(ctx, "time,\xE8\xB4\x9F\xE8\x8D\xB7_kw\n2024-01-01T00:00:00Z,1\n"
                                   "2024-01-01T00:15:00Z,2\n", NULL, &s, &n), ZP_OK);
    assert_string_equal(s[0]->name, "\xE8\xB4\x9F\xE8\x8D\xB7_kw");
    zp_series_array_free(ctx, s, n);
    zp_ctx_free(ctx);
}

/* ---- allocation failures --------------------------------------------------- */

typedef struct failer {
    long left; /* allocations to allow before failing; < 0 never fails */
} failer;

static void *failing_alloc(void *ud, void *ptr, size_t nsize)
{
    failer *f = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    return realloc(ptr, nsize);
}

/* Fail each allocation in turn: every call returns ENOMEM or succeeds, and
 * ASan's leak checker proves nothing is left behind. */
static void test_alloc_failures(void **state)
{
    (void)state;
    const char *good = "t,a,b\n2024-01-01T00:00:00Z,1,2\n2024-01-01T00:15:00Z,3,4\n";
    const char *bad = "t,a,b\n2024-01-01T00:00:00Z,1,x\n2024-01-01T00:45:00Z,3\n";
    const char *texts[] = {good, bad};
    for (int t = 0; t < 2; t++) {
        int ok = 0;
        for (long k = 0; k < 200 && !ok; k++) {
            failer f = {-1};
            zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &f);
            assert_non_null(ctx);
            f.left = k;
            zp_series **s = NULL;
            size_t n = 0;
            zp_status rc = read_str(ctx, texts[t], NULL, &s, &n);
            if (rc == ZP_ENOMEM) {
                assert_null(s);
            } else {
                assert_int_equal(rc, t == 0 ? ZP_OK : ZP_EDATA);
                ok = 1;
            }
            zp_series_array_free(ctx, s, n);
            f.left = -1;
            zp_ctx_free(ctx);
        }
        assert_true(ok);
    }
}

/* ---- golden cases ---------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf) {
        buf[n < cap ? n : cap - 1] = '\0';
        *len = n;
    }
    return buf;
}

/* Append to a growing text buffer (test-only, malloc is fine here). */
static void out_printf(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void out_printf(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *nb = realloc(*buf, *len + (size_t)n + 1);
    assert_non_null(nb);
    *buf = nb;
    vsnprintf(*buf + *len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    *len += (size_t)n;
}

/* Read a case from memory (stream 0) or through a stream (stream 1, the
 * reader that refills a bounded buffer): both must say the same. */
static char *run_case(const char *name, const char *csv, size_t csvlen, int stream)
{
    zp_ctx *ctx = zp_ctx_new();
    assert_non_null(ctx);
    zp_csv_opts o;
    zp_csv_opts_init(&o);
    o.max_line_bytes = 200;
    zp_series **s = NULL;
    size_t n = 0;
    zp_status rc;
    if (stream) {
        FILE *f = tmpfile();
        assert_non_null(f);
        assert_int_equal(fwrite(csv, 1, csvlen, f), csvlen);
        rewind(f);
        rc = zp_csv_read_stream(ctx, f, name, &o, &s, &n);
        fclose(f);
    } else {
        rc = zp_csv_read_buf(ctx, csv, csvlen, name, &o, &s, &n);
    }
    char *out = NULL;
    size_t len = 0;
    out_printf(&out, &len, "%s", "");
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        char line[2048];
        zp_diag_format(zp_ctx_diag_get(ctx, i), line, sizeof line);
        out_printf(&out, &len, "%s\n", line);
    }
    if (rc)
        out_printf(&out, &len, "-> %s: %s\n", zp_status_name(rc), zp_ctx_errmsg(ctx));
    else
        out_printf(&out, &len, "-> ZP_OK\n");
    for (size_t i = 0; i < n; i++) {
        char ts[ZP_TIME_BUFSIZE];
        out_printf(&out, &len, "series '%s' start %s step %d len %zu:", s[i]->name,
                   zp_time_format(s[i]->start, 0, ts), (int)s[i]->step_s, s[i]->len);
        for (size_t j = 0; j < s[i]->len; j++)
            out_printf(&out, &len, " %.17g", s[i]->v[j]);
        out_printf(&out, &len, "\n");
    }
    zp_series_array_free(ctx, s, n);
    zp_ctx_free(ctx);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden(void **state)
{
    (void)state;
    const char *regen = getenv("ZP_REGEN_GOLDEN");
    bool write = regen && strcmp(regen, "1") == 0;
    DIR *d = opendir(GOLDEN_DIR);
    assert_non_null(d);
    char *names[256];
    size_t nnames = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nnames < 256) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".csv") == 0)
            names[nnames++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, nnames, sizeof *names, cmp_str);
    assert_true(nnames >= 16);
    int failures = 0;
    for (size_t i = 0; i < nnames; i++) {
        char path[1024], exp_path[1024];
        snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, names[i]);
        snprintf(exp_path, sizeof exp_path, "%s/%.*s.expected", GOLDEN_DIR,
                 (int)(strlen(names[i]) - 4), names[i]);
        size_t len = 0, elen = 0;
        char *csv = slurp(path, &len);
        assert_non_null(csv);
        char *got = run_case(names[i], csv, len, 0);
        char *got_stream = run_case(names[i], csv, len, 1);
        if (strcmp(got, got_stream) != 0) {
            printf("stream and buffer differ for %s\n--- buffer\n%s--- stream\n%s", names[i], got,
                   got_stream);
            failures++;
        }
        free(got_stream);
        if (write) {
            FILE *f = fopen(exp_path, "wb");
            assert_non_null(f);
            fputs(got, f);
            fclose(f);
            printf("rewrote %s\n", exp_path);
        } else {
            char *want = slurp(exp_path, &elen);
            if (!want || strcmp(want, got) != 0) {
                printf("golden mismatch for %s\n--- expected (%s)\n%s--- got\n%s", names[i],
                       exp_path, want ? want : "(missing)\n", got);
                failures++;
            }
            free(want);
        }
        free(got);
        free(csv);
        free(names[i]);
    }
    if (failures)
        fail_msg("%d golden case(s) differ; if the change is intended, rerun with "
                 "ZP_REGEN_GOLDEN=1 and review the diff", failures);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_default_offset),
        cmocka_unit_test(test_numbers_exact),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_delimiter_and_last_line),
        cmocka_unit_test(test_problems_summary),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_stream_line_cap),
        cmocka_unit_test(test_line_cap_boundary),
        cmocka_unit_test(test_stream_equals_buffer),
        cmocka_unit_test(test_header_encoding),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
