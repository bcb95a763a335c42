/*
 * test_csvtok.c - the CSV tokenizer (core/csvtok.h): lines from memory and
 * from a stream (BOM, CRLF, a last line without LF, the line cap and what
 * comes after a long line, a read error), columns, bare CRs, fields
 * (quotes, "" escapes, trimming, errors) and unquoting.
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

#include "core/csvtok.h"
#include "core/internal.h"
#include "zeropark/zeropark.h"

/* The lines of t as "N:content" or "N:LONG:first bytes", joined by '|'. */
static const char *lines_of(zp_csvtok *t, size_t show_long)
{
    static char out[4096];
    size_t n = 0;
    zp_csvline ln;
    out[0] = '\0';
    while (zp__csvtok_next(t, &ln) > 0 && n < sizeof out - 200) {
        if (ln.too_long)
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%zu:LONG:%.*s", n ? "|" : "",
                                  ln.lineno, (int)show_long, ln.b);
        else
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%zu:%.*s", n ? "|" : "", ln.lineno,
                                  (int)(ln.e - ln.b), ln.b);
    }
    return out;
}

static const char *buf_lines(const char *text, size_t len, size_t max_line)
{
    zp_csvtok t;
    zp__csvtok_init_buf(&t, text, len, max_line);
    return lines_of(&t, 3);
}

/* The same through a stream; the context stays clean. */
static const char *stream_lines(const char *text, size_t len, size_t max_line)
{
    static char out[4096];
    zp_ctx *ctx = zp_ctx_new();
    FILE *f = fmemopen((void *)text, len, "rb");
    zp_csvtok t;
    assert_non_null(f);
    zp__csvtok_init_stream(&t, ctx, f, "s.csv", max_line);
    snprintf(out, sizeof out, "%s", lines_of(&t, 3));
    assert_int_equal(t.rc, ZP_OK);
    zp__csvtok_free(&t);
    fclose(f);
    zp_ctx_free(ctx);
    return out;
}

static void test_lines(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
        const char *lines;
    } cases[] = {
        {"", 0, ""},
        {"\xEF\xBB\xBF", 3, ""},          /* a BOM alone: no line */
        {"\xEF\xBB", 2, "1:\xEF\xBB"},    /* not a BOM */
        {"\xEF\xBB\xBF\n", 4, "1:"},      /* a BOM, then an empty line */
        {"a,b\r\nc\n\nd", 9, "1:a,b|2:c|3:|4:d"},
        {"\xEF\xBB\xBFx\r\r\n", 7, "1:x\r"}, /* only the CR of CRLF goes */
        {"a\rb\rc\n", 6, "1:a\rb\rc"},       /* CR-only line ends: one line */
        {"12345\n123456\nab", 15, "1:12345|2:LONG:123|3:ab"},
        {"\xEF\xBB\xBF" "12345\n", 9, "1:12345"}, /* the BOM is not content */
    };
    for (size_t i = 0; i < ZP_ARRAY_LEN(cases); i++) {
        assert_string_equal(buf_lines(cases[i].text, cases[i].len, 5), cases[i].lines);
        if (cases[i].len)
            assert_string_equal(stream_lines(cases[i].text, cases[i].len, 5), cases[i].lines);
    }
    assert_string_equal(buf_lines(NULL, 0, 5), "");
}

/* A stream holds at most the cap + 64 KiB: a longer line is refused before
 * its end arrives, and the rest of it is dropped as it comes. */
static void test_long_stream(void **state)
{
    (void)state;
    size_t big = 300000;
    char *text = malloc(big + 32);
    assert_non_null(text);
    memcpy(text, "head\n", 5);
    memset(text + 5, 'x', big);
    memcpy(text + 5 + big, "\r\ntail\nend", 10);
    size_t len = 5 + big + 10;
    assert_string_equal(buf_lines(text, len, 10), "1:head|2:LONG:xxx|3:tail|4:end");
    assert_string_equal(stream_lines(text, len, 10), "1:head|2:LONG:xxx|3:tail|4:end");

    /* the long line ends the input: nothing after it */
    assert_string_equal(stream_lines(text, 5 + big, 10), "1:head|2:LONG:xxx");

    /* only the cap + 1 bytes are there, and the rest is never kept */
    zp_ctx *ctx = zp_ctx_new();
    FILE *f = fmemopen(text, len, "rb");
    zp_csvtok t;
    zp_csvline ln;
    zp__csvtok_init_stream(&t, ctx, f, "s.csv", 10);
    assert_int_equal(zp__csvtok_next(&t, &ln), 1);
    assert_int_equal(zp__csvtok_next(&t, &ln), 1);
    assert_true(ln.too_long);
    assert_int_equal(ln.lineno, 2);
    assert_true(ln.e - ln.b >= 11);
    assert_true(t.cap <= 10 + 4 + ZP_CSVTOK_BLOCK);
    zp__csvtok_free(&t);
    fclose(f);
    zp_ctx_free(ctx);
    free(text);
}

/* A stream that cannot be read: the error names it. */
static void test_read_error(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    FILE *f = fopen(".", "rb"); /* a directory: fopen works, fread does not */
    if (!f) {
        zp_ctx_free(ctx);
        skip();
    }
    zp_csvtok t;
    zp_csvline ln;
    zp__csvtok_init_stream(&t, ctx, f, "dir.csv", 100);
    assert_int_equal(zp__csvtok_next(&t, &ln), -1);
    assert_int_equal(t.rc, ZP_EIO);
    assert_string_equal(zp_ctx_errmsg(ctx), "cannot read dir.csv: Is a directory");
    assert_int_equal(zp__csvtok_next(&t, &ln), -1); /* stays failed */
    zp__csvtok_free(&t);
    fclose(f);
    zp_ctx_free(ctx);
}

static void test_columns(void **state)
{
    (void)state;
    const char *line = "abc";
    assert_int_equal(zp__csvtok_col(line, line), 1);
    assert_int_equal(zp__csvtok_col(line, line + 2), 3);
    assert_int_equal(zp__csvtok_col(line, NULL), 0);
    const char *s = "ab\rc";
    assert_ptr_equal(zp__csvtok_bare_cr(s, 4), s + 2);
    assert_null(zp__csvtok_bare_cr(s, 2));
}

/* The fields of line as "[content]" (with its error), joined by ' '. */
static const char *fields_of(const char *line, char delim)
{
    static char out[1024];
    char un[256];
    size_t n = 0;
    const char *p = line, *e = line + strlen(line);
    out[0] = '\0';
    for (;;) {
        zp_csvfield f;
        zp_csvfield_err fe = zp__csvtok_field(p, e, delim, &f);
        zp__csvtok_unquote(&f, un);
        n += (size_t)snprintf(out + n, sizeof out - n, "%s[%s]%s%s", n ? " " : "", un,
                              f.quoted ? "q" : "",
                              fe == ZP_CSVF_UNTERMINATED ? "!open"
                              : fe == ZP_CSVF_AFTER_QUOTE ? "!after" : "");
        if (f.next >= e)
            return out;
        p = f.next + 1;
    }
}

static void test_fields(void **state)
{
    (void)state;
    assert_string_equal(fields_of("a,b,,c", ','), "[a] [b] [] [c]");
    assert_string_equal(fields_of("a,", ','), "[a] []");
    assert_string_equal(fields_of("", ','), "[]");
    assert_string_equal(fields_of("  a b  ,\tc\t", ','), "[a b] [c]");
    assert_string_equal(fields_of(" \"x,y\" , \"say \"\"hi\"\"\"", ','), "[x,y]q [say \"hi\"]q");
    assert_string_equal(fields_of("\"open,x", ','), "[open,x]!open");
    assert_string_equal(fields_of("\"a\"b,c", ','), "[a]q!after [c]");
    /* a tab delimiter is not trimmed away */
    assert_string_equal(fields_of(" a\t\tb ", '\t'), "[a] [] [b]");
    assert_string_equal(fields_of("a;b,c", ';'), "[a] [b,c]");

    /* where a field is, for columns */
    const char *line = "x, \"y\" ,z";
    zp_csvfield f;
    assert_int_equal(zp__csvtok_field(line + 2, line + strlen(line), ',', &f), ZP_CSVF_OK);
    assert_int_equal(zp__csvtok_col(line, f.start), 3);
    assert_int_equal(zp__csvtok_col(line, f.b), 5);
    assert_int_equal(*f.next, ',');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),   cmocka_unit_test(test_long_stream),
        cmocka_unit_test(test_read_error), cmocka_unit_test(test_columns),
        cmocka_unit_test(test_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
