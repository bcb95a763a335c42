/*
 * test_ledger.c - the carbon-credit ledger: matching by hand-written
 * sequences and against a plain reference matcher, registry splits with
 * serials worked out by hand, settlement, idempotency, a seeded property
 * test against an independent model of balances, concurrent double-spend,
 * tampering with the SQLite file, and kill -9 during group commits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ledger/ledger_impl.h"
#include "testutil.h"
#include "zeropark/zeropark.h"

#include <errno.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];

static void path_in_tmp(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

/* Run op; the call must succeed. args is stolen. */
static json_t *X(zp_ctx *ctx, zp_ledger *lg, const char *op, json_t *args)
{
    json_t *r = NULL;
    assert_non_null(args);
    zp_status rc = zp_ledger_exec(lg, op, args, NULL, &r);
    if (rc)
        fail_msg("%s failed: %s", op, zp_ctx_errmsg(ctx));
    json_decref(args);
    assert_non_null(r);
    return r;
}

static void Xd(zp_ctx *ctx, zp_ledger *lg, const char *op, json_t *args)
{
    json_decref(X(ctx, lg, op, args));
}

/* Run op; it must fail with want. args is stolen. */
static void F(zp_ctx *ctx, zp_ledger *lg, const char *op, json_t *args, zp_status want)
{
    json_t *r = NULL;
    zp_status rc = zp_ledger_exec(lg, op, args, NULL, &r);
    json_decref(args);
    if (rc != want)
        fail_msg("%s: got %s (%s), want %s", op, zp_status_name(rc), zp_ctx_errmsg(ctx),
                 zp_status_name(want));
    assert_null(r);
}

static void contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("'%s' lacks '%s'", hay ? hay : "(null)", needle);
}

static json_t *project_args(const char *id, const char *standard, const char *owner)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:s, s:s}", "id", id, "standard", standard,
                     "location", "Ruyuan County, Shaoguan", "area_ha", 120.5, "methodology",
                     "forest carbon sink", "owner", owner);
}

/* The serial texts of account a's holding of (project, vintage), joined
 * with spaces into buf. */
static int64_t holding(zp_ctx *ctx, zp_ledger *lg, const char *a, const char *project,
                       int64_t vintage, char *buf, size_t n)
{
    json_t *r = X(ctx, lg, "balance", json_pack("{s:s}", "account", a));
    json_t *acc = json_array_get(json_object_get(r, "accounts"), 0);
    size_t i;
    json_t *h;
    int64_t q = 0;
    if (buf)
        buf[0] = 0;
    json_array_foreach(json_object_get(acc, "holdings"), i, h)
    {
        if (strcmp(json_string_value(json_object_get(h, "project")), project) != 0 ||
            json_integer_value(json_object_get(h, "vintage")) != vintage)
            continue;
        q = json_integer_value(json_object_get(h, "qty"));
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(h, "serials"), k, s)
        {
            if (buf) {
                if (buf[0])
                    strncat(buf, " ", n - strlen(buf) - 1);
                strncat(buf, json_string_value(s), n - strlen(buf) - 1);
            }
        }
    }
    json_decref(r);
    return q;
}

static void verify_ok(zp_ctx *ctx, zp_ledger *lg)
{
    json_t *rep = NULL;
    zp_status rc = zp_ledger_verify(lg, &rep);
    if (rc)
        fail_msg("verify: %s", zp_ctx_errmsg(ctx));
    assert_true(json_is_true(json_object_get(rep, "ok")));
    json_decref(rep);
}

/* ---- in-memory matching: hand-written sequences -------------------------- */

typedef struct fills {
    zp_book_fill f[64];
    int n;
} fills;

static int collect(void *ud, const zp_book_fill *f)
{
    fills *fs = ud;
    if (fs->n < 64)
        fs->f[fs->n++] = *f;
    return 0;
}

static void expect_fill(const fills *fs, int i, uint64_t maker, uint64_t taker, int64_t price,
                        int64_t qty)
{
    assert_true(i < fs->n);
    if (fs->f[i].maker != maker || fs->f[i].taker != taker || fs->f[i].price != price ||
        fs->f[i].qty != qty)
        fail_msg("fill %d: maker %llu taker %llu %lld @ %lld, want maker %llu taker %llu %lld @ "
                 "%lld",
                 i, (unsigned long long)fs->f[i].maker, (unsigned long long)fs->f[i].taker,
                 (long long)fs->f[i].qty, (long long)fs->f[i].price, (unsigned long long)maker,
                 (unsigned long long)taker, (long long)qty, (long long)price);
}

static void test_book_hand(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_book *b = NULL;
    fills fs = {.n = 0};
    int64_t rest, q;
    assert_int_equal(zp_book_new(ctx, &b), ZP_OK);
    /* Asks: 100 @ 50 (id 1), 50 @ 48 (id 2), 70 @ 50 (id 3, behind id 1). */
    assert_int_equal(zp_book_submit(b, 1, ZP_SELL, 0, 50, 100, collect, &fs, &rest), ZP_OK);
    assert_int_equal(zp_book_submit(b, 2, ZP_SELL, 0, 48, 50, collect, &fs, &rest), ZP_OK);
    assert_int_equal(zp_book_submit(b, 3, ZP_SELL, 0, 50, 70, collect, &fs, &rest), ZP_OK);
    assert_int_equal(fs.n, 0);
    assert_int_equal(zp_book_best(b, ZP_SELL, &q), 48);
    assert_int_equal(q, 50);
    /* Buy 120 @ 50: the better price first (50 @ 48 from id 2), then the
     * older order at 50 (70 of id 1's 100); nothing rests. */
    assert_int_equal(zp_book_submit(b, 4, ZP_BUY, 0, 50, 120, collect, &fs, &rest), ZP_OK);
    assert_int_equal(fs.n, 2);
    expect_fill(&fs, 0, 2, 4, 48, 50);
    expect_fill(&fs, 1, 1, 4, 50, 70);
    assert_int_equal(rest, 0);
    assert_int_equal(zp_book_best(b, ZP_SELL, &q), 50);
    assert_int_equal(q, 30 + 70);
    /* Market buy 200: id 1's 30, id 3's 70 at 50; 100 dropped. */
    fs.n = 0;
    assert_int_equal(zp_book_submit(b, 5, ZP_BUY, 1, 0, 200, collect, &fs, &rest), ZP_OK);
    assert_int_equal(fs.n, 2);
    expect_fill(&fs, 0, 1, 5, 50, 30);
    expect_fill(&fs, 1, 3, 5, 50, 70);
    assert_int_equal(rest, 100);
    assert_int_equal(zp_book_count(b), 0);
    /* Bids 10 @ 45 (6), 20 @ 46 (7), 5 @ 46 (8). Sell 30 @ 46 takes 7 then
     * 8 at 46, does not reach 45, rests 5 @ 46. */
    fs.n = 0;
    assert_int_equal(zp_book_submit(b, 6, ZP_BUY, 0, 45, 10, collect, &fs, &rest), ZP_OK);
    assert_int_equal(zp_book_submit(b, 7, ZP_BUY, 0, 46, 20, collect, &fs, &rest), ZP_OK);
    assert_int_equal(zp_book_submit(b, 8, ZP_BUY, 0, 46, 5, collect, &fs, &rest), ZP_OK);
    assert_int_equal(zp_book_submit(b, 9, ZP_SELL, 0, 46, 30, collect, &fs, &rest), ZP_OK);
    assert_int_equal(fs.n, 2);
    expect_fill(&fs, 0, 7, 9, 46, 20);
    expect_fill(&fs, 1, 8, 9, 46, 5);
    assert_int_equal(rest, 5);
    assert_int_equal(zp_book_best(b, ZP_BUY, &q), 45);
    assert_int_equal(q, 10);
    assert_int_equal(zp_book_best(b, ZP_SELL, &q), 46);
    assert_int_equal(q, 5);
    /* An id already resting is refused; cancel returns what was left. */
    assert_int_equal(zp_book_submit(b, 9, ZP_SELL, 0, 47, 1, collect, &fs, &rest), ZP_EINVAL);
    assert_int_equal(zp_book_cancel(b, 6, &q), ZP_OK);
    assert_int_equal(q, 10);
    assert_int_equal(zp_book_cancel(b, 6, &q), ZP_ENOTFOUND);
    assert_int_equal(zp_book_best(b, ZP_BUY, &q), 0);
    /* A sell at 47 does not cross an empty bid side; a buy at 47 takes the
     * 46 first (5), then the 47 (2 of 3). */
    fs.n = 0;
    assert_int_equal(zp_book_submit(b, 10, ZP_SELL, 0, 47, 3, collect, &fs, &rest), ZP_OK);
    assert_int_equal(zp_book_submit(b, 11, ZP_BUY, 0, 47, 7, collect, &fs, &rest), ZP_OK);
    assert_int_equal(fs.n, 2);
    expect_fill(&fs, 0, 9, 11, 46, 5);
    expect_fill(&fs, 1, 10, 11, 47, 2);
    assert_int_equal(rest, 0);
    assert_int_equal(zp_book_best(b, ZP_SELL, &q), 47);
    assert_int_equal(q, 1);
    assert_int_equal(zp_book_submit(b, 12, ZP_BUY, 0, 0, 7, collect, &fs, &rest), ZP_EINVAL);
    zp_book_free(b);
    zp_ctx_free(ctx);
}

/* ---- in-memory matching against a plain reference ----------------------- */

/* The reference: every resting order in one array in arrival order; the
 * best maker is found by scanning (best price, then earliest). */
typedef struct ref_order {
    uint64_t id;
    int side;
    int64_t price, qty;
} ref_order;

static int ref_submit(ref_order *o, int *n, uint64_t id, int side, int market, int64_t price,
                      int64_t qty, zp_book_fill *out, int maxout)
{
    int nf = 0;
    while (qty > 0) {
        int best = -1;
        for (int i = 0; i < *n; i++) {
            if (o[i].side == side)
                continue;
            if (!market && (side == ZP_BUY ? o[i].price > price : o[i].price < price))
                continue;
            if (best < 0 || (side == ZP_BUY ? o[i].price < o[best].price
                                            : o[i].price > o[best].price))
                best = i;
        }
        if (best < 0)
            break;
        int64_t q = o[best].qty < qty ? o[best].qty : qty;
        assert_true(nf < maxout);
        out[nf++] = (zp_book_fill){o[best].id, id, (zp_side)side, o[best].price, q};
        qty -= q;
        o[best].qty -= q;
        if (o[best].qty == 0) {
            memmove(o + best, o + best + 1, (size_t)(*n - best - 1) * sizeof *o);
            (*n)--;
        }
    }
    if (qty > 0 && !market)
        o[(*n)++] = (ref_order){id, side, price, qty};
    return nf;
}

static void test_book_random(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    static ref_order ref[4096];
    static zp_book_fill want[4096];
    static fills got;
    test_rng_state = 0x5eed0001;
    for (int seq = 0; seq < 200; seq++) {
        zp_book *b = NULL;
        int n = 0;
        assert_int_equal(zp_book_new(ctx, &b), ZP_OK);
        for (uint64_t id = 1; id <= 300; id++) {
            double u = test_rnd();
            if (u < 0.15 && n > 0) {
                /* Cancel a random resting order in both. */
                int k = (int)(test_rnd() * n);
                int64_t left;
                assert_int_equal(zp_book_cancel(b, ref[k].id, &left), ZP_OK);
                assert_int_equal(left, ref[k].qty);
                memmove(ref + k, ref + k + 1, (size_t)(n - k - 1) * sizeof *ref);
                n--;
                continue;
            }
            int side = test_rnd() < 0.5 ? ZP_BUY : ZP_SELL;
            int market = test_rnd() < 0.1;
            int64_t price = 95 + (int64_t)(test_rnd() * 11);
            int64_t qty = 1 + (int64_t)(test_rnd() * 50);
            int nw = ref_submit(ref, &n, id, side, market, price, qty, want, 4096);
            got.n = 0;
            int64_t rest;
            assert_int_equal(zp_book_submit(b, id, (zp_side)side, market, price, qty, collect,
                                            &got, &rest),
                             ZP_OK);
            assert_int_equal(got.n, nw);
            for (int i = 0; i < nw; i++)
                expect_fill(&got, i, want[i].maker, want[i].taker, want[i].price, want[i].qty);
            assert_int_equal(zp_book_count(b), (size_t)n);
        }
        zp_book_free(b);
    }
    zp_ctx_free(ctx);
}

/* ---- registry ------------------------------------------------------------- */

static zp_ledger *mem_ledger(zp_ctx *ctx)
{
    zp_ledger *lg = NULL;
    assert_int_equal(zp_ledger_open(ctx, ":memory:", ZP_LEDGER_CREATE, &lg), ZP_OK);
    zp_ledger_set_time(lg, 1735660800); /* 2025-01-01T00:00:00+08:00 */
    return lg;
}

static void test_registry_split(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = mem_ledger(ctx);
    char s[512];
    Xd(ctx, lg, "account", json_pack("{s:s, s:s}", "id", "A", "kind", "village"));
    Xd(ctx, lg, "account", json_pack("{s:s, s:s}", "id", "B", "kind", "company"));
    Xd(ctx, lg, "account", json_pack("{s:s, s:s}", "id", "C", "kind", "park"));
    Xd(ctx, lg, "project", project_args("RY", "CCER", "A"));
    json_t *r = X(ctx, lg, "issue", json_pack("{s:s, s:i, s:i}", "project", "RY", "vintage",
                                              2023, "qty", 1000));
    assert_string_equal(json_string_value(json_object_get(r, "serial")), "CCER-RY-2023-1-1000");
    json_decref(r);
    /* 300 by quantity: the first serials. */
    Xd(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "A", "to", "B",
                                      "project", "RY", "vintage", 2023, "qty", 300));
    assert_int_equal(holding(ctx, lg, "B", "RY", 2023, s, sizeof s), 300);
    assert_string_equal(s, "CCER-RY-2023-1-300");
    /* A named range out of the middle splits A's block in three. */
    Xd(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s}", "from", "A", "to", "C", "serial",
                                      "CCER-RY-2023-500-599"));
    assert_int_equal(holding(ctx, lg, "A", "RY", 2023, s, sizeof s), 600);
    assert_string_equal(s, "CCER-RY-2023-301-499 CCER-RY-2023-600-1000");
    /* Retire 40 of C's: serials 500-539. */
    r = X(ctx, lg, "retire",
          json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:i}", "account", "C", "project", "RY",
                    "vintage", 2023, "qty", 40, "beneficiary", "Shaoguan campus", "purpose",
                    "residual Scope 2", "park", "Shaoguan campus", "year", 2024));
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "serials"), 0)),
                        "CCER-RY-2023-500-539");
    json_decref(r);
    assert_int_equal(holding(ctx, lg, "C", "RY", 2023, s, sizeof s), 60);
    assert_string_equal(s, "CCER-RY-2023-540-599");
    /* 250 from A in serial order: 301-499 (199 t) and 600-650 (51 t); B's
     * 1-300 and 301-499 merge. */
    Xd(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "A", "to", "B",
                                      "project", "RY", "vintage", 2023, "qty", 250));
    assert_int_equal(holding(ctx, lg, "B", "RY", 2023, s, sizeof s), 550);
    assert_string_equal(s, "CCER-RY-2023-1-499 CCER-RY-2023-600-650");
    assert_int_equal(holding(ctx, lg, "A", "RY", 2023, s, sizeof s), 350);
    assert_string_equal(s, "CCER-RY-2023-651-1000");
    /* Cancel 10 of A's: 651-660. 1000 = 340 + 550 + 60 + 40 retired + 10 cancelled. */
    Xd(ctx, lg, "cancel", json_pack("{s:s, s:s, s:s}", "account", "A", "serial",
                                    "CCER-RY-2023-651-660", "reason", "reversal: fire"));
    r = X(ctx, lg, "balance", json_object());
    json_t *pv = json_array_get(json_object_get(r, "project_vintages"), 0);
    assert_int_equal(json_integer_value(json_object_get(pv, "issued")), 1000);
    assert_int_equal(json_integer_value(json_object_get(pv, "held")), 340 + 550 + 60);
    assert_int_equal(json_integer_value(json_object_get(pv, "retired")), 40);
    assert_int_equal(json_integer_value(json_object_get(pv, "cancelled")), 10);
    json_decref(r);
    /* A second issuance of the vintage continues the serials. */
    r = X(ctx, lg, "issue", json_pack("{s:s, s:i, s:i, s:s}", "project", "RY", "vintage", 2023,
                                      "qty", 5, "to", "C"));
    assert_string_equal(json_string_value(json_object_get(r, "serial")), "CCER-RY-2023-1001-1005");
    json_decref(r);

    /* Errors name the account, the product and the amounts; nothing changes. */
    F(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "C", "to", "B",
                                     "project", "RY", "vintage", 2023, "qty", 400),
      ZP_ERANGE);
    contains(zp_ctx_errmsg(ctx), "account 'C' holds 65 t");
    contains(zp_ctx_errmsg(ctx), "CCER-2023");
    contains(zp_ctx_errmsg(ctx), "needs 400 t");
    F(ctx, lg, "retire", json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "account", "C", "serial",
                                   "CCER-RY-2023-500-510", "beneficiary", "x", "purpose", "y",
                                   "park", "z", "year", 2024),
      ZP_ERANGE);
    contains(zp_ctx_errmsg(ctx), "are retired");
    F(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s}", "from", "C", "to", "B", "serial",
                                     "CCER-RY-2023-2000-2001"),
      ZP_ERANGE);
    contains(zp_ctx_errmsg(ctx), "never issued");
    F(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:f}", "from", "C", "to", "B",
                                     "project", "RY", "vintage", 2023, "qty", 2.5),
      ZP_EINVAL);
    contains(zp_ctx_errmsg(ctx), "args.qty");
    F(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "C", "to", "Z",
                                     "project", "RY", "vintage", 2023, "qty", 1),
      ZP_ENOTFOUND);
    contains(zp_ctx_errmsg(ctx), "no account 'Z'");
    F(ctx, lg, "account", json_pack("{s:s}", "id", "A"), ZP_EEXISTS);
    F(ctx, lg, "transfr", NULL, ZP_EINVAL);
    contains(zp_ctx_errmsg(ctx), "did you mean 'transfer'");
    F(ctx, lg, "project", project_args("X", "ccer", "A"), ZP_EINVAL);
    contains(zp_ctx_errmsg(ctx), "args.standard");
    assert_int_equal(holding(ctx, lg, "C", "RY", 2023, NULL, 0), 65);
    verify_ok(ctx, lg);

    /* Offsets of the park-year. */
    r = X(ctx, lg, "offsets", json_pack("{s:s, s:i}", "park", "Shaoguan campus", "year", 2024));
    assert_int_equal(json_integer_value(json_object_get(r, "retired_t")), 40);
    json_t *ret = json_array_get(json_object_get(r, "retirements"), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ret, "serials"), 0)),
                        "CCER-RY-2023-500-539");
    json_decref(r);
    r = X(ctx, lg, "offsets", json_pack("{s:s, s:i}", "park", "Shaoguan campus", "year", 2023));
    assert_int_equal(json_integer_value(json_object_get(r, "retired_t")), 0);
    json_decref(r);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
}

/* ---- durable orders --------------------------------------------------------- */

static void test_orders_durable(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = mem_ledger(ctx);
    static const char *const ids[] = {"V", "S1", "S2", "B1"};
    for (int i = 0; i < 4; i++)
        Xd(ctx, lg, "account", json_pack("{s:s}", "id", ids[i]));
    Xd(ctx, lg, "project", project_args("P1", "CCER", "V"));
    Xd(ctx, lg, "project", project_args("P2", "CCER", "V"));
    Xd(ctx, lg, "project", project_args("G1", "GDPHCER", "V"));
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i, s:s}", "project", "P1", "vintage", 2023,
                                   "qty", 60, "to", "S1"));
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i, s:s}", "project", "P2", "vintage", 2023,
                                   "qty", 60, "to", "S1"));
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i, s:s}", "project", "P1", "vintage", 2023,
                                   "qty", 50, "to", "S2"));
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i, s:s}", "project", "G1", "vintage", 2023,
                                   "qty", 500, "to", "S2"));
    /* S1 offers 100 @ 50.00 CNY, S2 50 @ 48.00; a GDPHCER offer is another product. */
    json_t *r = X(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "S1",
                                              "side", "sell", "product", "CCER-2023", "qty", 100,
                                              "price", 5000));
    int64_t o1 = json_integer_value(json_object_get(r, "order"));
    assert_string_equal(json_string_value(json_object_get(r, "state")), "open");
    json_decref(r);
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "S2", "side", "sell",
                                   "product", "CCER-2023", "qty", 50, "price", 4800));
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "S2", "side", "sell",
                                   "product", "GDPHCER-2023", "qty", 500, "price", 100));
    /* S2 cannot offer more CCER-2023 than it holds beyond its open offers. */
    F(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "S2", "side", "sell",
                                  "product", "CCER-2023", "qty", 1, "price", 4800),
      ZP_ERANGE);
    contains(zp_ctx_errmsg(ctx), "50 t of it already offered");
    /* B1 buys 120 @ 50.00: 50 from S2 at 48.00 (better price), then 70 of
     * S1's at 50.00, taken from S1's P1 serials 1-60 then P2 serials 1-10. */
    r = X(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "B1", "side", "buy",
                                      "product", "CCER-2023", "qty", 120, "price", 5000));
    assert_string_equal(json_string_value(json_object_get(r, "state")), "filled");
    json_t *fl = json_object_get(r, "fills");
    assert_int_equal(json_array_size(fl), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(fl, 0), "qty")), 50);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(fl, 0), "price")), 4800);
    assert_string_equal(json_string_value(json_object_get(json_array_get(fl, 0), "seller")),
                        "S2");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(fl, 1), "qty")), 70);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(fl, 1), "price")), 5000);
    json_t *bl = json_object_get(json_array_get(fl, 1), "blocks");
    assert_int_equal(json_array_size(bl), 2);
    assert_string_equal(json_string_value(json_array_get(json_array_get(bl, 0), 0)), "P1");
    assert_int_equal(json_integer_value(json_array_get(json_array_get(bl, 0), 3)), 60);
    assert_string_equal(json_string_value(json_array_get(json_array_get(bl, 1), 0)), "P2");
    assert_int_equal(json_integer_value(json_array_get(json_array_get(bl, 1), 3)), 10);
    json_decref(r);
    char s[256];
    assert_int_equal(holding(ctx, lg, "B1", "P1", 2023, s, sizeof s), 110);
    assert_string_equal(s, "CCER-P1-2023-1-110"); /* S1's 1-60 and S2's 61-110 merged */
    assert_int_equal(holding(ctx, lg, "B1", "P2", 2023, s, sizeof s), 10);
    assert_int_equal(holding(ctx, lg, "S1", "P2", 2023, s, sizeof s), 50);
    /* S1 has 50 t left, all offered (30 left of order o1... 100 - 70 = 30
     * offered): it may move 20 but not 21. */
    F(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "S1", "to", "B1",
                                     "project", "P2", "vintage", 2023, "qty", 21),
      ZP_ERANGE);
    contains(zp_ctx_errmsg(ctx), "30 t are offered");
    Xd(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "S1", "to", "B1",
                                      "project", "P2", "vintage", 2023, "qty", 20));
    /* Market buy 40: 30 from o1, 10 dropped. */
    r = X(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:s, s:i}", "account", "B1", "side", "buy",
                                      "type", "market", "product", "CCER-2023", "qty", 40));
    assert_string_equal(json_string_value(json_object_get(r, "state")), "cancelled");
    assert_int_equal(json_integer_value(json_object_get(r, "remaining")), 10);
    json_decref(r);
    /* A resting bid, then cancelled; cancelling again fails. */
    r = X(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "B1", "side", "buy",
                                      "product", "CCER-2023", "qty", 5, "price", 4000));
    int64_t o6 = json_integer_value(json_object_get(r, "order"));
    json_decref(r);
    r = X(ctx, lg, "book", json_pack("{s:s}", "product", "CCER-2023"));
    assert_int_equal(json_array_size(json_object_get(r, "asks")), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(r, "bids"), 0), "price")),
                     4000);
    json_decref(r);
    Xd(ctx, lg, "cancel", json_pack("{s:I}", "order", (json_int_t)o6));
    F(ctx, lg, "cancel", json_pack("{s:I}", "order", (json_int_t)o6), ZP_EINVAL);
    F(ctx, lg, "cancel", json_pack("{s:I}", "order", (json_int_t)o1), ZP_EINVAL);
    contains(zp_ctx_errmsg(ctx), "filled");
    assert_int_equal(holding(ctx, lg, "S1", "P2", 2023, NULL, 0), 0);
    verify_ok(ctx, lg);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
}

/* ---- self-trades ---------------------------------------------------------------- */

static void test_self_trade(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = mem_ledger(ctx);
    char s[256];
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "A"));
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "B"));
    Xd(ctx, lg, "project", project_args("P", "CCER", "A"));
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i}", "project", "P", "vintage", 2023, "qty", 100));
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i, s:s}", "project", "P", "vintage", 2023, "qty",
                                   50, "to", "B"));
    /* A offers 40 t at 50.00 CNY (order 1) and then bids for 40 at 50.00:
     * the bid would buy A's own offer. Refused; nothing changes. */
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "A", "side", "sell",
                                   "product", "CCER-2023", "qty", 40, "price", 5000));
    F(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "A", "side", "buy",
                                  "product", "CCER-2023", "qty", 40, "price", 5000),
      ZP_ERANGE);
    contains(zp_ctx_errmsg(ctx), "self-trade");
    contains(zp_ctx_errmsg(ctx), "account 'A''s own open sell order 1 at 5000 fen/t");
    /* Also when the own order is reached only after another account's: B
     * offers 10 at 49.00 (order 2); A bids 20 at 50.00 would take B's 10
     * and then 10 of its own. Refused as a whole: B's 10 t stay on offer. */
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "B", "side", "sell",
                                   "product", "CCER-2023", "qty", 10, "price", 4900));
    F(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "A", "side", "buy",
                                  "product", "CCER-2023", "qty", 20, "price", 5000),
      ZP_ERANGE);
    F(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:s, s:i}", "account", "A", "side", "buy",
                                  "type", "market", "product", "CCER-2023", "qty", 11),
      ZP_ERANGE);
    json_t *r = X(ctx, lg, "book", json_pack("{s:s}", "product", "CCER-2023"));
    json_t *asks = json_object_get(r, "asks");
    assert_int_equal(json_array_size(asks), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(asks, 0), "qty")), 10);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(asks, 1), "qty")), 40);
    assert_int_equal(json_array_size(json_object_get(r, "bids")), 0);
    json_decref(r);
    assert_int_equal(holding(ctx, lg, "B", "P", 2023, s, sizeof s), 50);
    assert_string_equal(s, "CCER-P-2023-101-150");
    /* A bid that stops before A's own offer trades: 10 t of B's. */
    r = X(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "A", "side", "buy",
                                      "product", "CCER-2023", "qty", 10, "price", 5000));
    assert_string_equal(json_string_value(json_object_get(r, "state")), "filled");
    json_decref(r);
    /* A's serials 1-100 are still one block: with its offer cancelled it
     * retires them in one range (a self-trade used to split the block, and
     * this retirement was refused as "not all held"). */
    assert_int_equal(holding(ctx, lg, "A", "P", 2023, s, sizeof s), 110);
    assert_string_equal(s, "CCER-P-2023-1-110");
    Xd(ctx, lg, "cancel", json_pack("{s:i}", "order", 1));
    Xd(ctx, lg, "retire",
       json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "account", "A", "serial", "CCER-P-2023-1-100",
                 "beneficiary", "b", "purpose", "p", "park", "k", "year", 2024));
    /* And a transfer to oneself is refused. */
    F(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "A", "to", "A",
                                     "project", "P", "vintage", 2023, "qty", 5),
      ZP_EINVAL);
    contains(zp_ctx_errmsg(ctx), "also the sender");
    verify_ok(ctx, lg);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
}

/* ---- arguments and history ------------------------------------------------------- */

/* The seqs of a history page, as "1 2 3", and its next (0 when null). */
static int64_t page(zp_ctx *ctx, zp_ledger *lg, json_t *args, char *buf, size_t n)
{
    json_t *r = X(ctx, lg, "history", args);
    size_t i;
    json_t *e;
    buf[0] = 0;
    json_array_foreach(json_object_get(r, "entries"), i, e)
    {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%lld", i ? " " : "",
                 (long long)json_integer_value(json_object_get(e, "seq")));
    }
    json_t *next = json_object_get(r, "next");
    assert_true(json_is_integer(next) || json_is_null(next));
    int64_t nx = json_integer_value(next);
    json_decref(r);
    return nx;
}

static void test_args_history(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = mem_ledger(ctx);
    char s[1024];
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "A"));                       /* 1 */
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "B"));                       /* 2 */
    Xd(ctx, lg, "project", project_args("P", "CCER", "A"));                      /* 3 */
    /* An unknown argument is refused, naming the nearest one; nothing is
     * issued (it used to go to the owner, A). */
    F(ctx, lg, "issue", json_pack("{s:s, s:i, s:i, s:s}", "project", "P", "vintage", 2023, "qty",
                                  100, "too", "B"),
      ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "args.too: issue takes no argument 'too' (did you mean 'to'?); its "
                        "arguments are project, vintage, qty, to, verification");
    assert_int_equal(holding(ctx, lg, "A", "P", 2023, NULL, 0), 0);
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i, s:s}", "project", "P", "vintage", 2023,
                                   "qty", 100, "to", "B"));                    /* 4 */
    F(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "form", "B", "to", "A",
                                     "project", "P", "vintage", 2023, "qty", 1),
      ZP_EINVAL);
    contains(zp_ctx_errmsg(ctx), "args.form: transfer takes no argument 'form' (did you mean "
                                 "'from'?)");
    F(ctx, lg, "retire", json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:i, s:s}", "account",
                                   "B", "project", "P", "vintage", 2023, "qty", 1, "beneficiary",
                                   "b", "purpose", "p", "park", "k", "year", 2024, "xyzzy", "1"),
      ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "args.xyzzy: retire takes no argument 'xyzzy'; its arguments are "
                        "account, serial, project, vintage, qty, beneficiary, purpose, park, "
                        "year");
    F(ctx, lg, "verify", json_pack("{s:b}", "full", 1), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx), "args.full: verify takes no arguments");
    F(ctx, lg, "history", json_pack("{s:i}", "limt", 5), ZP_EINVAL);
    contains(zp_ctx_errmsg(ctx), "(did you mean 'limit'?)");

    /* B offers 30 t (order 1, entry 5) and cancels it (6): the
     * cancellation names only the order. B's market sell of 10 t finds no
     * bid (order 2: entries 7 and 8, its rest dropped). A bids (order 3,
     * entry 9) and B sells into it (order 4: entries 10 and the fill 11).
     * A cancels its rest (12), and B's order 1 cannot be cancelled twice. */
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "B", "side", "sell",
                                   "product", "CCER-2023", "qty", 30, "price", 5000));
    F(ctx, lg, "cancel", json_pack("{s:i, s:s}", "order", 1, "reason", "x"), ZP_EINVAL);
    contains(zp_ctx_errmsg(ctx), "args.reason: cancel of an order takes no argument 'reason'; "
                                 "its arguments are order, account");
    Xd(ctx, lg, "cancel", json_pack("{s:i}", "order", 1));
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:s, s:i}", "account", "B", "side", "sell",
                                   "type", "market", "product", "CCER-2023", "qty", 10));
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "A", "side", "buy",
                                   "product", "CCER-2023", "qty", 20, "price", 5000));
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "B", "side", "sell",
                                   "product", "CCER-2023", "qty", 5, "price", 5000));
    Xd(ctx, lg, "cancel", json_pack("{s:i}", "order", 3));
    /* Every entry concerning B: its account (2), the issuance to it (4),
     * its orders and their cancellations (5, 6, 7, 8, 10) and the fill (11). */
    assert_int_equal(page(ctx, lg, json_pack("{s:s}", "account", "B"), s, sizeof s), 0);
    assert_string_equal(s, "2 4 5 6 7 8 10 11");
    /* A: 1, the project it owns (3), its bid (9), the fill (11), its cancel (12). */
    assert_int_equal(page(ctx, lg, json_pack("{s:s}", "account", "A"), s, sizeof s), 0);
    assert_string_equal(s, "1 3 9 11 12");
    /* Pages of 5 of the 12 entries: next says where the page ended. */
    assert_int_equal(page(ctx, lg, json_pack("{s:i}", "limit", 5), s, sizeof s), 5);
    assert_string_equal(s, "1 2 3 4 5");
    assert_int_equal(page(ctx, lg, json_pack("{s:i, s:i}", "limit", 5, "after", 5), s, sizeof s),
                     10);
    assert_string_equal(s, "6 7 8 9 10");
    assert_int_equal(page(ctx, lg, json_pack("{s:i, s:i}", "limit", 5, "after", 10), s, sizeof s),
                     0);
    assert_string_equal(s, "11 12");
    /* An exact last page says there is no more. */
    assert_int_equal(page(ctx, lg, json_pack("{s:i, s:i}", "limit", 2, "after", 10), s, sizeof s),
                     0);
    assert_int_equal(page(ctx, lg, json_pack("{s:s, s:i, s:i}", "account", "B", "limit", 3,
                                             "after", 4),
                          s, sizeof s),
                     7);
    assert_string_equal(s, "5 6 7");
    /* The default page is 100 entries: 100 more accounts make 112. */
    for (int i = 0; i < 100; i++)
        Xd(ctx, lg, "account", json_pack("{s:s}", "id", (char[8]){'x', (char)('0' + i / 10),
                                                                  (char)('0' + i % 10), 0}));
    assert_int_equal(page(ctx, lg, json_object(), s, sizeof s), 100);
    assert_int_equal(page(ctx, lg, json_pack("{s:i}", "after", 100), s, sizeof s), 0);
    assert_string_equal(s, "101 102 103 104 105 106 107 108 109 110 111 112");
    verify_ok(ctx, lg);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
}

/* ---- idempotency ------------------------------------------------------------ */

static void test_idempotency(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = mem_ledger(ctx);
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "A"));
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "B"));
    Xd(ctx, lg, "project", project_args("P", "CCER", "A"));
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i}", "project", "P", "vintage", 2023, "qty", 10));
    json_t *args = json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "A", "to", "B", "project", "P",
                             "vintage", 2023, "qty", 4);
    json_t *r1 = NULL, *r2 = NULL, *r3 = NULL;
    assert_int_equal(zp_ledger_exec(lg, "transfer", args, "req-1", &r1), ZP_OK);
    assert_int_equal(zp_ledger_exec(lg, "transfer", args, "req-1", &r2), ZP_OK);
    assert_true(json_is_true(json_object_get(r2, "replayed")));
    assert_int_equal(json_integer_value(json_object_get(r1, "seq")),
                     json_integer_value(json_object_get(r2, "seq")));
    assert_int_equal(holding(ctx, lg, "B", "P", 2023, NULL, 0), 4); /* applied once */
    /* The same key for another request is refused. */
    json_object_set_new(args, "qty", json_integer(5));
    assert_int_equal(zp_ledger_exec(lg, "transfer", args, "req-1", &r3), ZP_EEXISTS);
    assert_null(r3);
    /* A failed request stores nothing: with enough credits it goes through. */
    json_object_set_new(args, "qty", json_integer(7));
    assert_int_equal(zp_ledger_exec(lg, "transfer", args, "req-2", &r3), ZP_ERANGE);
    json_object_set_new(args, "qty", json_integer(6));
    assert_int_equal(zp_ledger_exec(lg, "transfer", args, "req-3", &r3), ZP_OK);
    assert_int_equal(holding(ctx, lg, "B", "P", 2023, NULL, 0), 10);
    json_decref(args);
    json_decref(r1);
    json_decref(r2);
    json_decref(r3);
    verify_ok(ctx, lg);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
}

/* ---- property test ------------------------------------------------------------ */

/* The model: balances per account, project and vintage, written plainly. */
#define PA 4
#define PP 2
#define PV 2
static const char *const p_acct[PA] = {"a0", "a1", "a2", "a3"};
static const char *const p_proj[PP] = {"P0", "P1"};
static const int p_vin[PV] = {2022, 2023};

static void test_property(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    test_rng_state = 20241122;
    long ops_ok = 0, ops_refused = 0;
    for (int seq = 0; seq < 2000; seq++) {
        int64_t bal[PA][PP][PV] = {{{0}}}, issued[PP][PV] = {{0}}, gone[PP][PV] = {{0}};
        zp_ledger *lg = mem_ledger(ctx);
        for (int a = 0; a < PA; a++)
            Xd(ctx, lg, "account", json_pack("{s:s}", "id", p_acct[a]));
        Xd(ctx, lg, "project", project_args("P0", "CCER", "a0"));
        Xd(ctx, lg, "project", project_args("P1", "GDPHCER", "a1"));
        for (int step = 0; step < 25; step++) {
            int a = (int)(test_rnd() * PA);
            int p = (int)(test_rnd() * PP), v = (int)(test_rnd() * PV);
            /* Mostly an account that holds something; sometimes to itself. */
            for (int tries = 0; tries < 8 && bal[a][p][v] == 0; tries++)
                a = (int)(test_rnd() * PA);
            int b = test_rnd() < 0.05 ? a : (a + 1 + (int)(test_rnd() * (PA - 1))) % PA;
            /* Mostly within the balance, sometimes just over it. */
            int64_t q = 1 + (int64_t)(test_rnd() * (double)(bal[a][p][v] * 6 / 5 + 3));
            double u = test_rnd();
            json_t *args, *r = NULL;
            const char *op;
            int expect_ok;
            if (u < 0.25) {
                op = "issue";
                q = 1 + (int64_t)(test_rnd() * 100);
                args = json_pack("{s:s, s:i, s:I, s:s}", "project", p_proj[p], "vintage",
                                 p_vin[v], "qty", (json_int_t)q, "to", p_acct[a]);
                expect_ok = 1;
            } else if (u < 0.75) {
                op = "transfer";
                args = json_pack("{s:s, s:s, s:s, s:i, s:I}", "from", p_acct[a], "to",
                                 p_acct[b], "project", p_proj[p], "vintage", p_vin[v], "qty",
                                 (json_int_t)q);
                expect_ok = a != b && bal[a][p][v] >= q;
            } else if (u < 0.92) {
                op = "retire";
                args = json_pack("{s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:i}", "account",
                                 p_acct[a], "project", p_proj[p], "vintage", p_vin[v], "qty",
                                 (json_int_t)q, "beneficiary", "b", "purpose", "p", "park", "k",
                                 "year", 2024);
                expect_ok = bal[a][p][v] >= q;
            } else {
                op = "cancel";
                args = json_pack("{s:s, s:s, s:i, s:I, s:s}", "account", p_acct[a], "project",
                                 p_proj[p], "vintage", p_vin[v], "qty", (json_int_t)q, "reason",
                                 "r");
                expect_ok = bal[a][p][v] >= q;
            }
            zp_status rc = zp_ledger_exec(lg, op, args, NULL, &r);
            json_decref(args);
            json_decref(r);
            if (expect_ok != (rc == ZP_OK))
                fail_msg("sequence %d step %d: %s %lld t by %s: got %s (%s), model says %s", seq,
                         step, op, (long long)q, p_acct[a], zp_status_name(rc),
                         zp_ctx_errmsg(ctx), expect_ok ? "ok" : "refused");
            if (!expect_ok) {
                ops_refused++;
                continue;
            }
            ops_ok++;
            if (op[0] == 'i') {
                bal[a][p][v] += q;
                issued[p][v] += q;
            } else if (op[0] == 't') {
                bal[a][p][v] -= q;
                bal[b][p][v] += q;
            } else {
                bal[a][p][v] -= q;
                gone[p][v] += q;
            }
        }
        /* Every balance equals the model, none negative; the invariant holds. */
        int64_t got[PA][PP][PV] = {{{0}}};
        json_t *all = X(ctx, lg, "balance", json_object());
        size_t i, j;
        json_t *ac, *h;
        json_array_foreach(json_object_get(all, "accounts"), i, ac)
        {
            json_array_foreach(json_object_get(ac, "holdings"), j, h)
            {
                const char *pn = json_string_value(json_object_get(h, "project"));
                int64_t vin = json_integer_value(json_object_get(h, "vintage"));
                assert_true(i < PA);
                got[i][pn[1] - '0'][vin - 2022] = json_integer_value(json_object_get(h, "qty"));
            }
        }
        json_decref(all);
        for (int a = 0; a < PA; a++)
            for (int p = 0; p < PP; p++)
                for (int v = 0; v < PV; v++) {
                    assert_true(bal[a][p][v] >= 0);
                    if (got[a][p][v] != bal[a][p][v])
                        fail_msg("sequence %d: %s %s %d holds %lld t, model %lld t", seq,
                                 p_acct[a], p_proj[p], p_vin[v], (long long)got[a][p][v],
                                 (long long)bal[a][p][v]);
                }
        for (int p = 0; p < PP; p++)
            for (int v = 0; v < PV; v++) {
                int64_t held = 0;
                for (int a = 0; a < PA; a++)
                    held += bal[a][p][v];
                assert_int_equal(issued[p][v], held + gone[p][v]);
            }
        verify_ok(ctx, lg);
        zp_ledger_close(lg);
    }
    fprintf(stderr, "property: %ld operations applied, %ld refused\n", ops_ok, ops_refused);
    assert_true(ops_ok > 20000);
    assert_true(ops_refused > 5000);
    zp_ctx_free(ctx);
}

/* ---- file-backed ledgers: double spend, tampering, crash ------------------- */

static void build_file(const char *path)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    unlink(path);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    assert_int_equal(zp_ledger_open(ctx, path, ZP_LEDGER_CREATE, &lg), ZP_OK);
    zp_ledger_set_sync(lg, ZP_LEDGER_SYNC_OFF);
    zp_ledger_set_time(lg, 1735660800);
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "A"));                      /* 1 */
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "B"));                      /* 2 */
    Xd(ctx, lg, "account", json_pack("{s:s}", "id", "C"));                      /* 3 */
    Xd(ctx, lg, "project", project_args("P", "CCER", "A"));                     /* 4 */
    Xd(ctx, lg, "issue", json_pack("{s:s, s:i, s:i}", "project", "P", "vintage", 2023, "qty",
                                   1000));                                      /* 5 */
    Xd(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "A", "to", "B",
                                      "project", "P", "vintage", 2023, "qty", 300)); /* 6 */
    Xd(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "B", "to", "C",
                                      "project", "P", "vintage", 2023, "qty", 123)); /* 7 */
    Xd(ctx, lg, "retire",
       json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:i}", "account", "C", "project", "P",
                 "vintage", 2023, "qty", 23, "beneficiary", "b", "purpose", "p", "park", "k",
                 "year", 2024));                                                /* 8 */
    Xd(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "A", "to", "C",
                                      "project", "P", "vintage", 2023, "qty", 50)); /* 9 */
    verify_ok(ctx, lg);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
}

typedef struct race_arg {
    const char *path;
    pthread_barrier_t *bar;
    zp_status rc;
} race_arg;

static void *race_retire(void *p)
{
    race_arg *ra = p;
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    json_t *r = NULL;
    ra->rc = zp_ledger_open(ctx, ra->path, 0, &lg);
    json_t *args = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "account", "C", "serial",
                             "CCER-P-2023-301-350", "beneficiary", "b", "purpose", "p", "park",
                             "k", "year", 2024);
    pthread_barrier_wait(ra->bar);
    if (!ra->rc)
        ra->rc = zp_ledger_exec(lg, "retire", args, NULL, &r);
    json_decref(args);
    json_decref(r);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
    return NULL;
}

static void test_double_spend(void **state)
{
    (void)state;
    char path[512];
    path_in_tmp(path, sizeof path, "race.db");
    /* In build_file's ledger B got serials 1-300 (entry 6), C got 1-123
     * from B (7), retired 1-23 (8) and got 301-350 from A (9). Two
     * connections race to retire C's 301-350. */
    for (int round = 0; round < 20; round++) {
        build_file(path);
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, 2);
        race_arg ra[2] = {{path, &bar, ZP_OK}, {path, &bar, ZP_OK}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&th[i], NULL, race_retire, &ra[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&bar);
        int ok = (ra[0].rc == ZP_OK) + (ra[1].rc == ZP_OK);
        if (ok != 1)
            fail_msg("round %d: %d retirements of one block succeeded (%s, %s)", round, ok,
                     zp_status_name(ra[0].rc), zp_status_name(ra[1].rc));
        assert_true(ra[0].rc == ZP_ERANGE || ra[1].rc == ZP_ERANGE);
        zp_ctx *ctx = zp_ctx_new();
        zp_ledger *lg = NULL;
        assert_int_equal(zp_ledger_open(ctx, path, 0, &lg), ZP_OK);
        json_t *r = X(ctx, lg, "offsets", json_pack("{s:s, s:i}", "park", "k", "year", 2024));
        assert_int_equal(json_integer_value(json_object_get(r, "retired_t")), 23 + 50);
        json_decref(r);
        verify_ok(ctx, lg);
        zp_ledger_close(lg);
        zp_ctx_free(ctx);
    }
}

static void sql(const char *path, const char *q)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", q, err);
    sqlite3_close(db);
}

/* verify must fail; returns its first_bad_seq (0 when null) and copies the
 * message. */
static int64_t verify_bad(const char *path, char *msg, size_t n)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    json_t *rep = NULL;
    assert_int_equal(zp_ledger_open(ctx, path, ZP_LEDGER_READONLY, &lg), ZP_OK);
    assert_int_equal(zp_ledger_verify(lg, &rep), ZP_ECORRUPT);
    snprintf(msg, n, "%s", zp_ctx_errmsg(ctx));
    assert_false(json_is_true(json_object_get(rep, "ok")));
    int64_t fb = json_integer_value(json_object_get(rep, "first_bad_seq"));
    json_decref(rep);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
    return fb;
}

static void rehash_from(const char *path, int64_t from)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL, *u = NULL;
    unsigned char prev[32] = {0};
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, entry, hash FROM lg_journal ORDER BY seq",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE lg_journal SET hash = ?2 WHERE seq = ?1", -1,
                                        &u, NULL),
                     SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        unsigned char h[32];
        unsigned int hn = 0;
        if (seq < from) {
            memcpy(prev, sqlite3_column_blob(s, 2), 32);
            continue;
        }
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        EVP_DigestUpdate(md, prev, 32);
        EVP_DigestUpdate(md, sqlite3_column_text(s, 1), (size_t)sqlite3_column_bytes(s, 1));
        EVP_DigestFinal_ex(md, h, &hn);
        EVP_MD_CTX_free(md);
        sqlite3_bind_int64(u, 1, seq);
        sqlite3_bind_blob(u, 2, h, 32, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(u), SQLITE_DONE);
        sqlite3_reset(u);
        memcpy(prev, h, 32);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    sqlite3_close(db);
}

static void flip_hash_bit(const char *path, int64_t seq)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    unsigned char h[32];
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM lg_journal WHERE seq = ?1", -1, &s,
                                        NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, seq);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(s, 0), 32);
    memcpy(h, sqlite3_column_blob(s, 0), 32);
    sqlite3_finalize(s);
    h[5] ^= 1;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE lg_journal SET hash = ?2 WHERE seq = ?1", -1,
                                        &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_blob(s, 2, h, 32, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static int64_t verify_all(const char *path, char *buf, size_t n);

static void test_tamper(void **state)
{
    (void)state;
    char path[512], msg[1024];
    path_in_tmp(path, sizeof path, "tamper.db");

    /* An entry's text edited: named by its seq. */
    build_file(path);
    sql(path, "UPDATE lg_journal SET entry = replace(entry, '\"qty\":123', '\"qty\":124')"
              " WHERE seq = 7");
    assert_int_equal(verify_bad(path, msg, sizeof msg), 7);
    contains(msg, "first bad entry is 7");

    /* A stored hash with one bit flipped. */
    build_file(path);
    flip_hash_bit(path, 3);
    assert_int_equal(verify_bad(path, msg, sizeof msg), 3);

    /* A balance row edited: names the account and the product. */
    build_file(path);
    sql(path, "UPDATE lg_balance SET qty = qty + 10 WHERE account = 'B'");
    assert_int_equal(verify_bad(path, msg, sizeof msg), 0);
    /* B got 300 (entry 6) and gave 123 (entry 7): 177 t. */
    contains(msg, "lg_balance: account 'B' project 'P' vintage 2023: qty is 187 in the table but "
                  "177 by the journal");

    /* Credits moved between accounts in both tables (balances and blocks
     * agree with each other): only the journal replay shows it. */
    build_file(path);
    sql(path, "UPDATE lg_balance SET qty = qty - 5 WHERE account = 'A';"
              " UPDATE lg_balance SET qty = qty + 5 WHERE account = 'C';"
              " UPDATE lg_block SET last = last - 5 WHERE account = 'A' AND state = 0 AND"
              "  last = 1000;"
              " INSERT INTO lg_block(project, vintage, first, last, account, state)"
              "  VALUES('P', 2023, 996, 1000, 'C', 0)");
    assert_int_equal(verify_bad(path, msg, sizeof msg), 0);
    contains(msg, "account 'A'");

    /* The last entry deleted: the tables no longer match the replay. */
    build_file(path);
    sql(path, "DELETE FROM lg_journal WHERE seq = 9");
    verify_bad(path, msg, sizeof msg);
    contains(msg, "by the journal");

    /* An entry rewritten and the chain recomputed from it (someone who can
     * hash): the chain holds, the replay does not match the tables. */
    build_file(path);
    sql(path, "UPDATE lg_journal SET entry = replace(entry, '\"to\":\"C\"', '\"to\":\"B\"')"
              " WHERE seq = 7");
    rehash_from(path, 7);
    assert_int_equal(verify_bad(path, msg, sizeof msg), 7);
    contains(msg, "entry 7 transfers from account 'B' to itself");
    char all[8192];
    verify_all(path, all, sizeof all);
    contains(all, "entry 8 retires serials 1-23 of project 'P' vintage 2023 from 'C', but by the "
                  "journal serial 1 is held by 'B'");

    /* An entry removed from the middle and the chain recomputed. */
    build_file(path);
    sql(path, "DELETE FROM lg_journal WHERE seq = 6");
    rehash_from(path, 7);
    assert_int_equal(verify_bad(path, msg, sizeof msg), 6);

    /* A byte of the file itself flipped where entry 7's text lies. */
    build_file(path);
    sql(path, "PRAGMA wal_checkpoint(TRUNCATE)");
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    char *buf = malloc((size_t)size);
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    const char *needle = "\"qty\":123,\"seq\":7";
    long at = -1;
    for (long i = 0; i + (long)strlen(needle) <= size; i++)
        if (memcmp(buf + i, needle, strlen(needle)) == 0) {
            at = i;
            break;
        }
    assert_true(at >= 0);
    fseek(f, at + 8, SEEK_SET); /* the '3' of 123 */
    fputc('9', f);
    fclose(f);
    free(buf);
    assert_int_equal(verify_bad(path, msg, sizeof msg), 7);
}

/* ---- verify replays the whole state: every table, every column --------------- */

/* build_file's ledger (entries 1-9), then:
 *   10 C retires serials 24-30 (retirement 2, park k2, 2025)
 *   11 B offers 100 t of CCER-2023 at 50.00 CNY (order 1)
 *   12 C bids 60 t at 52.00 (order 2), 13 fill: 60 t of B's 124-183 at 50.00
 *   14 C cancels 10 t: its lowest active serials, 31-40
 *   15 project Q (GDPHCER, owner B)
 *   16 A bids 5 t at 40.00 (order 3), resting
 * By hand: A holds 351-1000 (650 t), B 184-300 (117 t, 40 t of it offered),
 * C 41-183 and 301-350 (193 t); retired 1-23 (retirement 1) and 24-30
 * (retirement 2), cancelled 31-40: 650 + 117 + 193 + 30 + 10 = 1000. */
static void build_market(const char *path)
{
    build_file(path);
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    assert_int_equal(zp_ledger_open(ctx, path, 0, &lg), ZP_OK);
    zp_ledger_set_sync(lg, ZP_LEDGER_SYNC_OFF);
    zp_ledger_set_time(lg, 1735660900);
    Xd(ctx, lg, "retire",
       json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "account", "C", "serial", "CCER-P-2023-24-30",
                 "beneficiary", "b2", "purpose", "p2", "park", "k2", "year", 2025));
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "B", "side", "sell",
                                   "product", "CCER-2023", "qty", 100, "price", 5000));
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "C", "side", "buy",
                                   "product", "CCER-2023", "qty", 60, "price", 5200));
    Xd(ctx, lg, "cancel", json_pack("{s:s, s:s, s:i, s:i, s:s}", "account", "C", "project", "P",
                                    "vintage", 2023, "qty", 10, "reason", "reversal"));
    Xd(ctx, lg, "project", project_args("Q", "GDPHCER", "B"));
    Xd(ctx, lg, "order", json_pack("{s:s, s:s, s:s, s:i, s:i}", "account", "A", "side", "buy",
                                   "product", "CCER-2023", "qty", 5, "price", 4000));
    char s[256];
    assert_int_equal(holding(ctx, lg, "C", "P", 2023, s, sizeof s), 193);
    assert_string_equal(s, "CCER-P-2023-41-183 CCER-P-2023-301-350");
    assert_int_equal(holding(ctx, lg, "B", "P", 2023, s, sizeof s), 117);
    assert_string_equal(s, "CCER-P-2023-184-300");
    verify_ok(ctx, lg);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
}

/* verify must fail: all its problems, one a line, into buf; returns
 * first_bad_seq (0 when null). */
static int64_t verify_all(const char *path, char *buf, size_t n)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    json_t *rep = NULL;
    assert_int_equal(zp_ledger_open(ctx, path, ZP_LEDGER_READONLY, &lg), ZP_OK);
    zp_status rc = zp_ledger_verify(lg, &rep);
    if (rc != ZP_ECORRUPT)
        fail_msg("verify passed a tampered ledger (%s)", zp_status_name(rc));
    assert_false(json_is_true(json_object_get(rep, "ok")));
    buf[0] = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(rep, "problems"), i, p)
    {
        strncat(buf, json_string_value(json_object_get(p, "message")), n - strlen(buf) - 1);
        strncat(buf, "\n", n - strlen(buf) - 1);
    }
    int64_t fb = json_integer_value(json_object_get(rep, "first_bad_seq"));
    json_decref(rep);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
    return fb;
}

/* A fresh build_market ledger, edited by q: verify names want (and want2),
 * with first_bad_seq fb (-1: any). */
static void tampered(const char *path, const char *q, int64_t fb, const char *want,
                     const char *want2)
{
    char buf[16384];
    build_market(path);
    sql(path, q);
    int64_t got = verify_all(path, buf, sizeof buf);
    if (fb >= 0 && got != fb)
        fail_msg("%s: first bad entry %lld, want %lld\n%s", q, (long long)got, (long long)fb,
                 buf);
    contains(buf, want);
    if (want2)
        contains(buf, want2);
}

static void test_verify_state(void **state)
{
    (void)state;
    char path[512], buf[16384];
    path_in_tmp(path, sizeof path, "state.db");

    /* The attack of issue 13: un-retire serials by editing lg_block, then
     * retire them again through the ledger. The tables allowed it; the
     * journal now retires serials 1-23 twice. */
    build_market(path);
    sql(path, "UPDATE lg_block SET state = 0, retirement = NULL WHERE first = 1");
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    assert_int_equal(zp_ledger_open(ctx, path, 0, &lg), ZP_OK);
    Xd(ctx, lg, "retire",
       json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "account", "C", "serial", "CCER-P-2023-1-23",
                 "beneficiary", "b", "purpose", "p", "park", "k", "year", 2024));
    /* The park-year's offsets are not given from it (23 t would count twice). */
    F(ctx, lg, "offsets", json_pack("{s:s, s:i}", "park", "k", "year", 2024), ZP_ECORRUPT);
    contains(zp_ctx_errmsg(ctx), "the ledger does not verify");
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
    assert_int_equal(verify_all(path, buf, sizeof buf), 17);
    contains(buf, "entry 17 retires serials 1-23 of project 'P' vintage 2023 from 'C', but by the "
                  "journal serial 1 is retired (retirement 1)");

    /* A retirement's quantity and park edited: the figures a report nets. */
    build_market(path);
    sql(path, "UPDATE lg_retirement SET qty = 5000, park = 'SG2' WHERE id = 1");
    ctx = zp_ctx_new();
    assert_int_equal(zp_ledger_open(ctx, path, ZP_LEDGER_READONLY, &lg), ZP_OK);
    F(ctx, lg, "offsets", json_pack("{s:s, s:i}", "park", "SG2", "year", 2024), ZP_ECORRUPT);
    contains(zp_ctx_errmsg(ctx), "lg_retirement: retirement 1: qty is 5000");
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
    assert_int_equal(verify_all(path, buf, sizeof buf), 0);
    contains(buf, "lg_retirement: retirement 1: qty is 5000 in the table but 23 by the journal "
                  "(entry 8); park is 'SG2' in the table but 'k' by the journal (entry 8)");

    /* lg_retirement: the other columns, a missing and an invented row. */
    tampered(path, "UPDATE lg_retirement SET serials = '[\"CCER-P-2023-24-29\"]' WHERE id = 2", 0,
             "lg_retirement: retirement 2: serials is '[\"CCER-P-2023-24-29\"]' in the table but "
             "'[\"CCER-P-2023-24-30\"]' by the journal (entry 10)",
             NULL);
    tampered(path, "UPDATE lg_retirement SET beneficiary = 'x', year = 2023 WHERE id = 2", 0,
             "retirement 2: beneficiary is 'x' in the table but 'b2' by the journal (entry 10); "
             "year is 2023 in the table but 2025",
             NULL);
    tampered(path, "UPDATE lg_retirement SET account = 'B', at = 1 WHERE id = 1", 0,
             "retirement 1: account is 'B' in the table but 'C'",
             "at is 1 in the table but 1735660800 by the journal");
    tampered(path, "DELETE FROM lg_retirement WHERE id = 2", 0,
             "lg_retirement: retirement 2: is missing from the table (journal entry 10)", NULL);
    tampered(path,
             "INSERT INTO lg_retirement(account, project, vintage, qty, beneficiary, purpose,"
             " park, year, serials, seq, at) SELECT account, project, vintage, qty, beneficiary,"
             " purpose, park, year, serials, seq, at FROM lg_retirement WHERE id = 1",
             0, "lg_retirement: retirement 3: is in the table but not in the journal", NULL);

    /* lg_block: holders of two blocks swapped (balances too, so that the
     * tables agree with each other). */
    tampered(path,
             "UPDATE lg_block SET account = CASE account WHEN 'A' THEN 'B' ELSE 'A' END"
             " WHERE state = 0 AND account IN ('A', 'B');"
             " UPDATE lg_balance SET account = 'tmp' WHERE account = 'A';"
             " UPDATE lg_balance SET account = 'A' WHERE account = 'B';"
             " UPDATE lg_balance SET account = 'B' WHERE account = 'tmp'",
             0,
             "lg_block: project 'P' vintage 2023 serials 184-300: account is 'A' in the table but "
             "'B' by the journal",
             "lg_balance: account 'A' project 'P' vintage 2023: qty is 117 in the table but 650");
    /* A block split in two, totals kept. */
    tampered(path,
             "UPDATE lg_block SET last = 600 WHERE first = 351;"
             " INSERT INTO lg_block(project, vintage, first, last, account, state)"
             "  VALUES('P', 2023, 601, 1000, 'A', 0)",
             0,
             "lg_block: project 'P' vintage 2023 serials 351-1000: last is 600 in the table but "
             "1000 by the journal (2 rows differ from the journal)",
             NULL);
    /* Two retirements' blocks merged into one, totals kept. */
    tampered(path, "DELETE FROM lg_block WHERE first = 24; UPDATE lg_block SET last = 30 WHERE"
                   " first = 1",
             0,
             "lg_block: project 'P' vintage 2023 serials 1-23: last is 30 in the table but 23 by "
             "the journal",
             NULL);
    /* A retired block's retirement number, a cancelled block made active. */
    tampered(path, "UPDATE lg_block SET retirement = 2 WHERE first = 1", 0,
             "serials 1-23: retirement is 2 in the table but 1 by the journal", NULL);
    tampered(path, "UPDATE lg_block SET state = 0 WHERE first = 31", 0,
             "lg_block: project 'P' vintage 2023 serials 31-40: state is 0 in the table but 2 by "
             "the journal",
             NULL);
    /* A block moved to another vintage and another project. */
    tampered(path, "UPDATE lg_block SET vintage = 2022 WHERE first = 351", 0,
             "lg_block: project 'P' vintage 2022 serials 351-1000: is in the table but not in "
             "the journal",
             NULL);
    tampered(path, "UPDATE lg_block SET project = 'Q' WHERE first = 184", 0,
             "project 'P' vintage 2023 serials 184-300: is missing from the table (held by 'B', "
             "active)",
             NULL);

    /* lg_pv and lg_balance. */
    tampered(path,
             "UPDATE lg_pv SET vintage = 2022; UPDATE lg_block SET vintage = 2022;"
             " UPDATE lg_balance SET vintage = 2022",
             0, "lg_pv: project 'P' vintage 2022: is in the table but not in the journal", NULL);
    tampered(path, "UPDATE lg_pv SET retired = 20, cancelled = 13", 0,
             "lg_pv: project 'P' vintage 2023: retired is 20 in the table but 30 by the journal",
             "cancelled is 13 in the table but 10 by the journal");
    tampered(path, "DELETE FROM lg_balance WHERE account = 'A'", 0,
             "lg_balance: account 'A' project 'P' vintage 2023: is missing from the table", NULL);

    /* lg_project and lg_account. */
    tampered(path, "UPDATE lg_project SET standard = 'GDPHCER', area_cha = 1 WHERE id = 'P'", 0,
             "lg_project: project 'P': standard is 'GDPHCER' in the table but 'CCER' by the "
             "journal (entry 4); area_cha is 1 in the table but 12050 by the journal (entry 4)",
             NULL);
    tampered(path, "UPDATE lg_project SET owner = 'C', name = 'x' WHERE id = 'Q'", 0,
             "project 'Q': name is 'x' in the table but 'Q' by the journal (entry 15); owner is "
             "'C' in the table but 'B'",
             NULL);
    tampered(path, "UPDATE lg_account SET kind = 'government' WHERE id = 'C'", 0,
             "lg_account: account 'C': kind is 'government' in the table but 'other' by the "
             "journal (entry 3)",
             NULL);
    tampered(path, "INSERT INTO lg_account VALUES('M', 'Mallory', 'company', 3)", 0,
             "lg_account: account 'M': is in the table but not in the journal", NULL);

    /* lg_order: 100 t offered, 60 filled (entry 13): 40 t left. */
    tampered(path, "UPDATE lg_order SET remaining = 100 WHERE id = 1", 0,
             "lg_order: order 1: remaining is 100 in the table but 40 by the journal (entry 13)",
             NULL);
    tampered(path, "UPDATE lg_order SET price = 3000, account = 'A' WHERE id = 1", 0,
             "order 1: account is 'A' in the table but 'B' by the journal (entry 13); price is "
             "3000 in the table but 5000",
             NULL);
    tampered(path, "UPDATE lg_order SET state = 'cancelled' WHERE id = 3", 0,
             "lg_order: order 3: state is 'cancelled' in the table but 'open' by the journal "
             "(entry 16)",
             NULL);
    tampered(path, "UPDATE lg_order SET side = 0, qty = 6 WHERE id = 1", 0,
             "order 1: side is 0 in the table but 1", "qty is 6 in the table but 100");

    /* lg_fill: the price a buyer pays, the parties, a deleted fill. */
    tampered(path, "UPDATE lg_fill SET price = 1", 0,
             "lg_fill: fill 1: price is 1 in the table but 5000 by the journal (entry 13)", NULL);
    tampered(path, "UPDATE lg_fill SET buyer = 'A', qty = 61", 0,
             "fill 1: buyer is 'A' in the table but 'C' by the journal (entry 13)",
             "qty is 61 in the table but 60");
    tampered(path, "DELETE FROM lg_fill", 0,
             "lg_fill: fill 1: is missing from the table (journal entry 13)", NULL);

    /* The journal itself, rewritten and re-hashed by someone who can hash:
     * its own story must hold. Retiring serials retired before: */
    build_market(path);
    sql(path, "UPDATE lg_journal SET entry = replace(entry, '[\"P\",2023,24,30]',"
              " '[\"P\",2023,1,7]') WHERE seq = 10");
    rehash_from(path, 10);
    assert_int_equal(verify_all(path, buf, sizeof buf), 10);
    contains(buf, "entry 10 retires serials 1-7 of project 'P' vintage 2023 from 'C', but by the "
                  "journal serial 1 is retired (retirement 1)");
    /* offering more than held (B holds 177 t at entry 11): */
    build_market(path);
    sql(path, "UPDATE lg_journal SET entry = replace(entry, '\"qty\":100', '\"qty\":200')"
              " WHERE seq = 11");
    rehash_from(path, 11);
    assert_int_equal(verify_all(path, buf, sizeof buf), 11);
    contains(buf, "entry 11: account 'B' offers 200 t of CCER-2023, but by the journal it holds "
                  "177 t of which 0 t are already offered");
    /* a fill of C's buy order against C itself: */
    build_market(path);
    sql(path, "UPDATE lg_journal SET entry = replace(entry, '\"seller\":\"B\"', '\"seller\":\"C\"')"
              " WHERE seq = 13");
    rehash_from(path, 13);
    assert_int_equal(verify_all(path, buf, sizeof buf), 13);
    contains(buf, "entry 13: account 'C' trades with itself");
    contains(buf, "sell order 1 of 'C' in CCER-2023, but by the journal that order belongs to "
                  "another account");
    /* taking credits that an open sell order reserves (B offers 40 of its
     * 117 t; the rewritten entry 14 cancels 100 t of B's): */
    build_market(path);
    sql(path, "UPDATE lg_journal SET entry = '{\"account\":\"B\",\"at\":1735660900,\"blocks\":"
              "[[\"P\",2023,184,283]],\"op\":\"cancel\",\"qty\":100,\"reason\":\"r\",\"seq\":14}'"
              " WHERE seq = 14");
    rehash_from(path, 14);
    assert_int_equal(verify_all(path, buf, sizeof buf), 14);
    contains(buf, "entry 14 leaves account 'B' 17 t of CCER-2023, but its open sell orders offer "
                  "40 t by the journal");
}

/* ---- kill -9 during group commits -------------------------------------------- */

static int64_t crash_qty(int64_t i) /* as in crash_ledger.c */
{
    return i % 2 ? i % 7 + 2 : 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_crash_kill9(void **state)
{
    (void)state;
    char path[512];
    path_in_tmp(path, sizeof path, "crash.db");
    unlink(path);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(ZP_CRASH_LEDGER, ZP_CRASH_LEDGER, path, "1000000", "7", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    /* Read commit counts until 40 batches are in, then kill. */
    char buf[4096];
    size_t have = 0;
    int64_t committed = 0;
    int lines = 0, status = 0;
    const int64_t deadline = now_ms() + 60000;
    while (lines < 40 && now_ms() < deadline) {
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int pr = poll(&pfd, 1, 200);
        if (pr <= 0)
            continue;
        ssize_t got = read(fds[0], buf + have, sizeof buf - 1 - have);
        if (got <= 0)
            break;
        have += (size_t)got;
        buf[have] = 0;
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = 0;
            if (strcmp(line, "ready") != 0 && strcmp(line, "done") != 0) {
                committed = strtoll(line, NULL, 10);
                lines++;
            }
            line = nl + 1;
        }
        have = strlen(line);
        memmove(buf, line, have);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(lines >= 40);

    /* After restart: verify passes and the state is a prefix of the
     * transfers - whole batches, at least every one reported committed. */
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    assert_int_equal(zp_ledger_open(ctx, path, 0, &lg), ZP_OK);
    verify_ok(ctx, lg);
    json_t *r = X(ctx, lg, "history", json_pack("{s:i, s:i}", "after", 4, "limit", 100000));
    json_t *ents = json_object_get(r, "entries");
    int64_t m = (int64_t)json_array_size(ents);
    assert_true(m >= committed);
    assert_int_equal(m % 7, 0);
    int64_t b = 0;
    for (int64_t i = 1; i <= m; i++) {
        json_t *e = json_object_get(json_array_get(ents, (size_t)(i - 1)), "entry");
        assert_string_equal(json_string_value(json_object_get(e, "op")), "transfer");
        assert_int_equal(json_integer_value(json_object_get(e, "qty")), crash_qty(i));
        assert_string_equal(json_string_value(json_object_get(e, "from")), i % 2 ? "a" : "b");
        b += i % 2 ? crash_qty(i) : -crash_qty(i);
    }
    json_decref(r);
    assert_int_equal(holding(ctx, lg, "b", "P", 2023, NULL, 0), b);
    assert_int_equal(holding(ctx, lg, "a", "P", 2023, NULL, 0), 1000000 - b);
    /* And it takes new work. */
    Xd(ctx, lg, "transfer", json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "a", "to", "b",
                                      "project", "P", "vintage", 2023, "qty", 1));
    verify_ok(ctx, lg);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
}

/* ---- export --------------------------------------------------------------------- */

static void test_export(void **state)
{
    (void)state;
    char path[512], out[512];
    path_in_tmp(path, sizeof path, "export.db");
    path_in_tmp(out, sizeof out, "export.tsv");
    build_file(path);
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    int64_t n = 0;
    assert_int_equal(zp_ledger_open(ctx, path, ZP_LEDGER_READONLY, &lg), ZP_OK);
    assert_int_equal(zp_ledger_export(lg, out, &n), ZP_OK);
    assert_int_equal(n, 9);
    zp_ledger_close(lg);
    /* Recompute the chain from the file alone, as docs/credits.md tells an
     * auditor to. */
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    char line[4096];
    unsigned char prev[32] = {0};
    int k = 0;
    while (fgets(line, sizeof line, f)) {
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        assert_non_null(t2);
        char *nl = strchr(t2, '\n');
        assert_non_null(nl);
        *nl = 0;
        unsigned char h[32];
        unsigned int hn;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        EVP_DigestUpdate(md, prev, 32);
        EVP_DigestUpdate(md, t2 + 1, strlen(t2 + 1));
        EVP_DigestFinal_ex(md, h, &hn);
        EVP_MD_CTX_free(md);
        char hex[65];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", h[i]);
        assert_int_equal((int)(t2 - t1 - 1), 64);
        assert_memory_equal(hex, t1 + 1, 64);
        memcpy(prev, h, 32);
        k++;
        assert_int_equal(strtol(line, NULL, 10), k);
    }
    fclose(f);
    assert_int_equal(k, 9);
    zp_ctx_free(ctx);
}

/* ---- the canonical encoding ---------------------------------------------- */

/* A random JSON value: nested objects and arrays, integers, reals, and
 * strings of random code points (ASCII, controls, BMP, astral). */
static json_t *rnd_value(int depth)
{
    double u = test_rnd();
    if (depth < 3 && u < 0.25) {
        json_t *o = json_object();
        int n = (int)(test_rnd() * 5);
        for (int i = 0; i < n; i++) {
            char k[8];
            snprintf(k, sizeof k, "%c%d", 'a' + (int)(test_rnd() * 26), (int)(test_rnd() * 10));
            json_object_set_new(o, k, rnd_value(depth + 1));
        }
        return o;
    }
    if (depth < 3 && u < 0.45) {
        json_t *a = json_array();
        int n = (int)(test_rnd() * 5);
        for (int i = 0; i < n; i++)
            json_array_append_new(a, rnd_value(depth + 1));
        return a;
    }
    if (u < 0.6)
        return json_integer((json_int_t)((test_rnd() - 0.5) * 2e18));
    if (u < 0.7)
        return json_real((test_rnd() - 0.5) * pow(10, (int)(test_rnd() * 80) - 40));
    if (u < 0.75)
        return test_rnd() < 0.5 ? json_true() : json_null();
    char buf[64];
    size_t n = 0;
    int len = (int)(test_rnd() * 12);
    for (int i = 0; i < len; i++) {
        double w = test_rnd();
        unsigned cp = w < 0.5   ? 0x20 + (unsigned)(test_rnd() * 95)
                      : w < 0.6 ? (unsigned)(test_rnd() * 0x20)
                      : w < 0.9 ? 0x80 + (unsigned)(test_rnd() * (0xD7FF - 0x80))
                                : 0x10000 + (unsigned)(test_rnd() * 0xFFFFF);
        if (cp < 0x80) {
            buf[n++] = (char)cp;
        } else if (cp < 0x800) {
            buf[n++] = (char)(0xC0 | (cp >> 6));
            buf[n++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            buf[n++] = (char)(0xE0 | (cp >> 12));
            buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[n++] = (char)(0x80 | (cp & 0x3F));
        } else {
            buf[n++] = (char)(0xF0 | (cp >> 18));
            buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[n++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    return json_stringn(buf, n);
}

/* The journal's own encoder writes what jansson writes with
 * JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII (the definition in
 * docs/credits.md), on 5,000 random values. */
static void test_canon(void **state)
{
    (void)state;
    test_rng_state = 77;
    for (int i = 0; i < 5000; i++) {
        json_t *v = rnd_value(0);
        assert_non_null(v);
        char *a = lg__canon(v);
        char *b = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
                                    JSON_ENCODE_ANY);
        assert_non_null(a);
        assert_non_null(b);
        if (strcmp(a, b) != 0)
            fail_msg("value %d:\n ours    %s\n jansson %s", i, a, b);
        free(a);
        free(b);
        json_decref(v);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/test_ledger_XXXXXX", ZP_BINARY_DIR);
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_book_hand),     cmocka_unit_test(test_book_random),
        cmocka_unit_test(test_registry_split), cmocka_unit_test(test_orders_durable),
        cmocka_unit_test(test_idempotency),   cmocka_unit_test(test_property),
        cmocka_unit_test(test_double_spend),  cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_verify_state),  cmocka_unit_test(test_self_trade),
        cmocka_unit_test(test_args_history),
        cmocka_unit_test(test_crash_kill9),   cmocka_unit_test(test_export),
        cmocka_unit_test(test_canon),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
