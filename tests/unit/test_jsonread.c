/*
 * test_jsonread.c - the JSON reader (core/jsonread.h): loading (cap, byte
 * order mark, syntax errors in the user's words, \u0000 at its path), the
 * getters and their messages at file:line:col and JSON path, did-you-mean,
 * the three modes (sorted, as found, first as the error), a caller's own
 * words, a tree parsed elsewhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/jsonread.h"
#include "zeropark/zeropark.h"

/* Diagnostic i of ctx as zp_diag_format writes it. */
static const char *diag(zp_ctx *ctx, size_t i)
{
    static char buf[1024];
    const zp_diag *d = zp_ctx_diag_get(ctx, i);
    if (!d)
        return "(none)";
    zp_diag_format(d, buf, sizeof buf);
    return buf;
}

static zp_jr *open_text(zp_ctx *ctx, const char *text, zp_jr_mode mode, unsigned flags)
{
    zp_jr_opts o;
    zp_jr *jr = NULL;
    zp__jr_opts_init(&o);
    o.file = "f.json";
    o.mode = mode;
    o.flags = flags;
    assert_int_equal(zp__jr_open_buf(ctx, text, strlen(text), &o, &jr), ZP_OK);
    assert_non_null(jr);
    return jr;
}

static void test_open(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_jr *jr = NULL;
    zp_jr_opts o;
    zp__jr_opts_init(&o);
    o.file = "f.json";
    o.what = "model";

    /* a syntax error is one diagnostic at jansson's line:col, in our words */
    const char *dup = "{\"a\": 1,\n \"a\": 2}";
    assert_int_equal(zp__jr_open_buf(ctx, dup, strlen(dup), &o, &jr), ZP_EPARSE);
    assert_null(jr);
    assert_int_equal(zp_ctx_diag_count(ctx), 1);
    assert_string_equal(diag(ctx, 0), "f.json:2:4: a key appears twice in the same object near "
                                      "'\"a\"'; keep one");
    zp_ctx_diag_clear(ctx);

    /* ... or the open's error (FIRST mode, ZP_JR_SYNTAX_ERROR) */
    o.flags = ZP_JR_SYNTAX_ERROR;
    o.file = NULL;
    assert_int_equal(zp__jr_open_buf(ctx, "{\"a\": 1} x", 10, &o, &jr), ZP_EPARSE);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    assert_string_equal(zp_ctx_errmsg(ctx), "model:1:10: text after the end of the JSON value "
                                            "near 'x'; a file holds one value (an object)");

    /* the cap names the document and the file (or the noun without one) */
    o.max_bytes = 10;
    assert_int_equal(zp__jr_open_buf(ctx, "{\"name\": \"x\"}", 13, &o, &jr), ZP_ETOOBIG);
    assert_string_equal(zp_ctx_errmsg(ctx), "model: the model is 13 bytes; the limit is 10");
    o.file = "f.json";
    assert_int_equal(zp__jr_open_buf(ctx, "{\"name\": \"x\"}", 13, &o, &jr), ZP_ETOOBIG);
    assert_string_equal(zp_ctx_errmsg(ctx), "f.json: the model is 13 bytes; the limit is 10");
    o.max_bytes = 0;

    /* a byte order mark is skipped only when asked; columns do not count it */
    const char *bom = "\xEF\xBB\xBF{\"a\": true}";
    o.flags = 0;
    assert_int_equal(zp__jr_open_buf(ctx, bom, strlen(bom), &o, &jr), ZP_EPARSE);
    zp_ctx_diag_clear(ctx);
    o.flags = ZP_JR_SKIP_BOM;
    assert_int_equal(zp__jr_open_buf(ctx, bom, strlen(bom), &o, &jr), ZP_OK);
    int line, col;
    zp__jr_position(jr, "a", ZP_JR_AT_VALUE, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 7);
    zp__jr_position(jr, "a", ZP_JR_AT_KEY, &line, &col);
    assert_int_equal(col, 2);
    zp__jr_free(jr);

    /* \u0000: jansson's refusal has no path; ZP_JR_NUL_AT_PATH gives it */
    const char *nul = "{\"pv\": [\n  {\"name\": \"a\\u0000b\"}]}";
    o.flags = 0;
    assert_int_equal(zp__jr_open_buf(ctx, nul, strlen(nul), &o, &jr), ZP_EPARSE);
    assert_string_equal(diag(ctx, 0), "f.json:2:21: a string holds \\u0000 (the NUL character), "
                                      "which is not allowed near '\"a\\u0000b\"'; remove it");
    zp_ctx_diag_clear(ctx);
    o.flags = ZP_JR_NUL_AT_PATH;
    assert_int_equal(zp__jr_open_buf(ctx, nul, strlen(nul), &o, &jr), ZP_EPARSE);
    assert_string_equal(diag(ctx, 0), "f.json:2:12: pv[0].name: the string holds \\u0000 (the "
                                      "NUL character), which is not allowed; remove it");
    zp_ctx_diag_clear(ctx);
    zp__jr_free(NULL);
    zp_ctx_free(ctx);
}

static const char *const doc =
    "{\n"
    "  \"b\": \"x\",\n"
    "  \"a\": 5,\n"
    "  \"n\": 2.5,\n"
    "  \"nmae\": 1,\n"
    "  \"e\": \"AR66\",\n"
    "  \"o\": [1, 2, 3],\n"
    "  \"big\": 3e12,\n"
    "  \"s\": \"\",\n"
    "  \"t\": 1,\n"
    "  \"ok\": 20.0\n"
    "}";

static const char *const known[] = {"a", "b", "n", "name", "e", "o", "big", "s", "t", "ok", "req"};

/* Every getter once on doc, each finding one problem (ok is fine). */
static void read_doc(zp_jr *jr, int *ok)
{
    json_t *root = zp__jr_root(jr);
    double x;
    int k;
    const char *s;
    char path[ZP_JR_PATH_MAX];
    static const char *const gwp[] = {"AR5", "AR6"};
    assert_int_equal(zp__jr_num(jr, root, "", "a", ZP_JR_REQ, 0, zp__jr_in(0, 1), &x), -1);
    assert_true(x == 0); /* the default */
    assert_int_equal(zp__jr_num(jr, root, "", "b", ZP_JR_OPT, 7, zp__jr_any(), &x), -1);
    assert_int_equal(zp__jr_int(jr, root, "", "n", ZP_JR_OPT, 1, zp__jr_any(), &k), -1);
    zp__jr_keys(jr, root, "", known, ZP_ARRAY_LEN(known));
    assert_int_equal(zp__jr_enum(jr, root, "", "e", ZP_JR_OPT, gwp, 2, 1, &k), -1);
    assert_int_equal(k, 1);
    assert_null(zp__jr_arr(jr, root, "", "o", ZP_JR_OPT, 2, path));
    assert_string_equal(path, "o");
    assert_int_equal(zp__jr_int(jr, root, "", "big", ZP_JR_OPT, 0, zp__jr_ge(0), &k), -1);
    assert_int_equal(zp__jr_str(jr, root, "", "s", ZP_JR_OPT, 0, &s), -1);
    assert_null(s);
    assert_null(zp__jr_obj(jr, root, "", "t", ZP_JR_OPT, path));
    assert_int_equal(zp__jr_num(jr, root, "", "req", ZP_JR_REQ, 3, zp__jr_any(), &x), 0);
    assert_true(x == 3);
    assert_int_equal(zp__jr_num(jr, root, "", "absent", ZP_JR_OPT, 4, zp__jr_any(), &x), 0);
    /* 20.0 is a whole number */
    assert_int_equal(zp__jr_int(jr, root, "", "ok", ZP_JR_REQ, 0, zp__jr_in(1, 20), ok), 1);
}

static void test_sorted(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_jr *jr = open_text(ctx, doc, ZP_JR_SORTED, 0);
    int ok = 0;
    read_doc(jr, &ok);
    assert_int_equal(ok, 20);
    /* collected, not sent yet */
    assert_int_equal(zp__jr_problems(jr), 10);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    assert_int_equal(zp__jr_status(jr), ZP_OK);
    assert_int_equal(zp__jr_flush(jr), ZP_OK);
    /* sorted by line and column */
    static const char *const want[] = {
        "f.json:1:1: missing required field 'req'",
        "f.json:2:8: b: expected a number, got a string",
        "f.json:3:8: a: 5 is out of range 0..1",
        "f.json:4:8: n: expected an integer, got 2.5",
        "f.json:5:3: nmae: unknown key 'nmae'; did you mean 'name'?",
        "f.json:6:8: e: 'AR66' is not one of AR5, AR6; did you mean 'AR6'?",
        "f.json:7:8: o: too many entries (3); at most 2 are allowed",
        "f.json:8:10: big: 3000000000000 is too large",
        "f.json:9:8: s: must not be empty",
        "f.json:10:8: t: expected an object, got a number",
    };
    assert_int_equal(zp_ctx_diag_count(ctx), ZP_ARRAY_LEN(want));
    for (size_t i = 0; i < ZP_ARRAY_LEN(want); i++)
        assert_string_equal(diag(ctx, i), want[i]);
    /* after the flush a problem goes out at once */
    assert_int_equal(zp__jr_report(jr, "a", ZP_JR_AT_KEY, "later %d", 1), ZP_OK);
    assert_int_equal(zp_ctx_diag_count(ctx), ZP_ARRAY_LEN(want) + 1);
    assert_string_equal(diag(ctx, ZP_ARRAY_LEN(want)), "f.json:3:3: a: later 1");
    zp__jr_free(jr);
    zp_ctx_free(ctx);
}

static void test_diag_and_first(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    /* as found: in the order the getters ran */
    zp_jr *jr = open_text(ctx, doc, ZP_JR_DIAG, 0);
    int ok;
    read_doc(jr, &ok);
    assert_int_equal(zp_ctx_diag_count(ctx), 10);
    assert_string_equal(diag(ctx, 0), "f.json:3:8: a: 5 is out of range 0..1");
    assert_string_equal(diag(ctx, 9), "f.json:1:1: missing required field 'req'");
    assert_int_equal(zp__jr_status(jr), ZP_OK);
    zp__jr_free(jr);
    zp_ctx_diag_clear(ctx);

    /* the first problem is the error; the rest are counted */
    jr = open_text(ctx, doc, ZP_JR_FIRST, 0);
    read_doc(jr, &ok);
    assert_int_equal(zp_ctx_diag_count(ctx), 0);
    assert_int_equal(zp__jr_problems(jr), 10);
    assert_int_equal(zp__jr_status(jr), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx), "f.json: a: 5 is out of range 0..1");
    zp__jr_free(jr);

    /* FIRST: a syntax error is the error, with its position */
    zp_jr_opts o;
    zp__jr_opts_init(&o);
    o.file = "c.json";
    o.mode = ZP_JR_FIRST;
    assert_int_equal(zp__jr_open_buf(ctx, "[1,", 3, &o, &jr), ZP_EPARSE);
    assert_string_equal(zp_ctx_errmsg(ctx), "c.json:1:3: ']' expected near end of file");
    zp_ctx_free(ctx);
}

/* A caller's own words: numbers "must be a number", ranges with the unit,
 * unknown keys without the path's tidying (at nowhere). */
static void my_words(zp_jr_problem *p, char *msg, size_t size)
{
    switch (p->kind) {
    case ZP_JR_TYPE:
        snprintf(msg, size, "must be %s (%s)", p->want, (const char *)p->ud);
        break;
    case ZP_JR_MISSING:
        snprintf(msg, size, "missing %s (%s is required)", p->key, p->want);
        break;
    case ZP_JR_RANGE:
        snprintf(msg, size, "%.15g is out of range: use %.15g..%.15g %s", p->num, p->range.lo,
                 p->range.hi, p->range.unit);
        break;
    case ZP_JR_UNKNOWN_KEY:
        p->at = ZP_JR_AT_NONE;
        snprintf(msg, size, "%s.%s: no such key%s%s", p->opath, p->key, p->near ? ", try " : "",
                 p->near ? p->near : "");
        break;
    default:
        zp__jr_words_default(p, msg, size);
        break;
    }
}

static void test_words(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_jr_opts o;
    zp_jr *jr = NULL;
    zp__jr_opts_init(&o);
    o.file = "s.json";
    o.mode = ZP_JR_DIAG;
    o.words = my_words;
    o.ud = "sites";
    const char *text = "{\"site\": {\"kw\": -3, \"pue\": \"high\", \"db\\u0001\": 1}}";
    assert_int_equal(zp__jr_open_buf(ctx, text, strlen(text), &o, &jr), ZP_OK);
    char path[ZP_JR_PATH_MAX];
    json_t *site = zp__jr_obj(jr, zp__jr_root(jr), "", "site", ZP_JR_REQ, path);
    assert_non_null(site);
    assert_string_equal(path, "site");
    double x;
    zp_jr_range kw = zp__jr_in(0, 100);
    kw.unit = "kW";
    zp__jr_num(jr, site, path, "kw", ZP_JR_OPT, 0, kw, &x);
    zp__jr_num(jr, site, path, "pue", ZP_JR_OPT, 1, zp__jr_in(1, 3), &x);
    static const char *const keys[] = {"kw", "pue", "db"};
    zp__jr_keys(jr, site, path, keys, 3);
    const char *name;
    zp__jr_str(jr, site, path, "name", ZP_JR_REQ, 0, &name);
    assert_int_equal(zp_ctx_diag_count(ctx), 4);
    assert_string_equal(diag(ctx, 0), "s.json:1:17: site.kw: -3 is out of range: use 0..100 kW");
    assert_string_equal(diag(ctx, 1), "s.json:1:28: site.pue: must be a number (sites)");
    /* the key as written (its control byte kept), with no position */
    assert_string_equal(diag(ctx, 2), "s.json: site.db\x01: no such key, try db");
    /* missing: at the object, with what the getter wanted */
    assert_string_equal(diag(ctx, 3), "s.json:1:10: site: missing name (a string is required)");
    zp__jr_free(jr);
    zp_ctx_free(ctx);
}

/* A tree parsed elsewhere (ledger arguments): null is absent, integers as
 * written, strings with a cap and no control characters, the near rule. */
static void test_tree(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    json_error_t je;
    json_t *args = json_loads("{\"to\": null, \"qty\": 2.0, \"vintage\": 1800,"
                              " \"name\": \"a\\u0001b\","
                              " \"long\": \"abcdef\", \"nul\": \"a\\u0000\", \"flag\": 1,"
                              " \"xyz\": 0}",
                              JSON_ALLOW_NUL, &je);
    assert_non_null(args);
    zp_jr_opts o;
    zp_jr *jr = NULL;
    zp__jr_opts_init(&o);
    o.mode = ZP_JR_DIAG;
    o.flags = ZP_JR_NULL_ABSENT;
    o.near_edits = 3;
    assert_int_equal(zp__jr_open_tree(ctx, args, &o, &jr), ZP_OK);
    int64_t v = -1;
    const char *s = NULL;
    int b;
    char buf[5] = "keep";
    assert_int_equal(zp__jr_int64(jr, args, "args", "to", ZP_JR_REQ, 5, 0, 9, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(zp__jr_int64(jr, args, "args", "qty", ZP_JR_REQ, 0, 1, 9, &v), -1);
    assert_int_equal(zp__jr_int64(jr, args, "args", "vintage", ZP_JR_REQ, 0, 1900, 2200, &v), -1);
    assert_int_equal(zp__jr_str(jr, args, "args", "name", ZP_JR_NO_CONTROL, 1000, &s), -1);
    assert_int_equal(zp__jr_str_copy(jr, args, "args", "long", ZP_JR_OPT, buf, sizeof buf), -1);
    assert_string_equal(buf, "keep");
    assert_int_equal(zp__jr_str(jr, args, "args", "nul", ZP_JR_OPT, 0, &s), -1);
    assert_int_equal(zp__jr_bool(jr, args, "args", "flag", ZP_JR_OPT, &b), -1);
    static const char *const keys[] = {"to", "qty", "vintage", "name", "long", "nul", "flag", "db"};
    zp__jr_keys(jr, args, "args", keys, ZP_ARRAY_LEN(keys));
    static const char *const want[] = {
        "args: missing required field 'to'",
        "args.qty: expected an integer, got a number",
        "args.vintage: 1800 is out of range 1900..2200",
        "args.name: holds a control character at byte 1; remove it",
        "args.long: too long (6 bytes); at most 4",
        "args.nul: must not contain a NUL character",
        "args.flag: expected true or false, got a number",
        /* within 3 edits whatever the length (zp__nearest would say nothing) */
        "args.xyz: unknown key 'xyz'; did you mean 'to'?",
    };
    assert_int_equal(zp_ctx_diag_count(ctx), ZP_ARRAY_LEN(want));
    for (size_t i = 0; i < ZP_ARRAY_LEN(want); i++)
        assert_string_equal(diag(ctx, i), want[i]);
    assert_null(zp__nearest("xyz", keys, ZP_ARRAY_LEN(keys)));
    zp__jr_free(jr);
    json_decref(args);
    zp_ctx_free(ctx);
}

static void test_helpers(void **state)
{
    (void)state;
    char buf[80];
    static const char *const names[] = {"carbon", "cost", "cost_with_carbon_price"};
    assert_string_equal(zp__jr_shown("a\tb", buf, sizeof buf), "a?b");
    char longs[100];
    memset(longs, 'x', 99);
    longs[99] = '\0';
    assert_int_equal(strlen(zp__jr_shown(longs, buf, sizeof buf)), 67); /* 64 + "..." */
    assert_string_equal(zp__jr_join(names, 3, buf, sizeof buf),
                        "carbon, cost, cost_with_carbon_price");
    assert_string_equal(zp__jr_join(names, 3, buf, 16), "carbon, cost, c"); /* cut */
    assert_true(zp__jr_range_ok(zp__jr_gt_le(0, 1), 1));
    assert_false(zp__jr_range_ok(zp__jr_gt_le(0, 1), 0));
    assert_false(zp__jr_range_ok(zp__jr_gt(0), 0));
    zp__jr_range_text(zp__jr_gt_le(0, 1), 2, buf, sizeof buf);
    assert_string_equal(buf, "2 must be greater than 0 and at most 1");
    zp__jr_range_text(zp__jr_ge(1), 0.5, buf, sizeof buf);
    assert_string_equal(buf, "0.5 must be at least 1");
    /* jansson's words, in ours */
    char words[256];
    assert_string_equal(zp__json_errtext("end of file expected near 'x'", words, sizeof words),
                        "text after the end of the JSON value near 'x'; a file holds one value "
                        "(an object)");
    assert_string_equal(zp__json_errtext("invalid token near 'x'", words, sizeof words),
                        "invalid token near 'x'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open),  cmocka_unit_test(test_sorted),
        cmocka_unit_test(test_diag_and_first), cmocka_unit_test(test_words),
        cmocka_unit_test(test_tree),  cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
