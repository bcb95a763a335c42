/*
 * order.c - the durable order book: the order, cancel-order and book
 * operations.
 *
 * An order is placed in one SQLite transaction: its row and journal entry,
 * then the product's open orders are loaded into an in-memory zp_book
 * (book.c, the same engine the benchmark measures) in time order,
 * the new order is submitted to it, and each fill is settled from the
 * match callback - registry transfer of the seller's blocks to the buyer,
 * both orders' remaining quantities, a fill row and a journal entry - so
 * the fills and their settlement commit or fail together. Payment is
 * outside the ledger: a fill records the price for it.
 *
 * A sell order reserves what it offers: the seller must hold that much of
 * the product beyond what its other open sell orders offer, and registry
 * operations may not take reserved credits away (credit.c, take_spec).
 * An order that would trade with an open order of its own account is
 * refused as a whole (settle), so open orders never cross.
 */
#include <stdio.h>
#include <string.h>

#include "ledger/ledger_impl.h"

static const char *const side_names[] = {"buy", "sell"};

typedef struct settle_ctx {
    zp_ledger *lg;
    const char *standard;
    int64_t vintage;
    const char *product;
    uint64_t taker;
    const char *taker_account;
    int64_t taker_remaining;
    json_t *fills;
    zp_status rc;
} settle_ctx;

typedef struct lg_order {
    char account[65];
    char standard[17];
    int64_t vintage, side, market, price, qty, remaining;
    char state[16];
} lg_order;

static zp_status order_get(zp_ledger *lg, int64_t id, lg_order *o, int *found)
{
    sqlite3_stmt *s = lg__bound(lg, LS_ORD_GET, "i", id);
    if (!s)
        return ZP_ESTORE;
    int r = sqlite3_step(s);
    *found = r == SQLITE_ROW;
    if (*found) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        lg__copy_text(o->account, sizeof o->account, t);
        t = (const char *)sqlite3_column_text(s, 1);
        lg__copy_text(o->standard, sizeof o->standard, t);
        o->vintage = sqlite3_column_int64(s, 2);
        o->side = sqlite3_column_int64(s, 3);
        o->market = sqlite3_column_int64(s, 4);
        o->price = sqlite3_column_int64(s, 5);
        o->qty = sqlite3_column_int64(s, 6);
        o->remaining = sqlite3_column_int64(s, 7);
        t = (const char *)sqlite3_column_text(s, 8);
        lg__copy_text(o->state, sizeof o->state, t);
    }
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return lg__sqlerr(lg, "reading an order");
    return ZP_OK;
}

static zp_status order_set(zp_ledger *lg, int64_t id, int64_t remaining, const char *state,
                           int64_t seq)
{
    return lg__run(lg, LS_ORD_SET, "updating an order", "iiti", id, remaining, state, seq);
}

static zp_status settle(settle_ctx *sc, const zp_book_fill *f)
{
    zp_ledger *lg = sc->lg;
    lg_order maker;
    int found;
    zp_status rc = order_get(lg, (int64_t)f->maker, &maker, &found);
    if (rc)
        return rc;
    if (!found || strcmp(maker.state, "open") != 0 || maker.remaining < f->qty)
        return zp__error(lg->ctx, ZP_ECORRUPT,
                         "ledger: resting order %llu is not open with %lld t left; run "
                         "'zeropark credits verify'",
                         (unsigned long long)f->maker, (long long)f->qty);
    /* No self-trade: an order that reaches an open order of its own
     * account is refused as a whole (the transaction rolls back). Resting
     * side by side, the two would cross, and a trade with oneself moves
     * nothing but prints a price. */
    if (strcmp(maker.account, sc->taker_account) == 0)
        return zp__error(lg->ctx, ZP_ERANGE,
                         "self-trade: this %s order would trade with account '%s''s own open %s "
                         "order %llu at %lld fen/t; an account cannot trade with itself, so "
                         "nothing was done: cancel order %llu first or change the price",
                         f->taker_side == ZP_BUY ? "buy" : "sell", maker.account,
                         maker.side == ZP_SELL ? "sell" : "buy", (unsigned long long)f->maker,
                         (long long)f->price, (unsigned long long)f->maker);
    int taker_buys = f->taker_side == ZP_BUY;
    const char *buyer = taker_buys ? sc->taker_account : maker.account;
    const char *seller = taker_buys ? maker.account : sc->taker_account;
    int64_t buy_id = (int64_t)(taker_buys ? f->taker : f->maker);
    int64_t sell_id = (int64_t)(taker_buys ? f->maker : f->taker);
    json_t *blocks = json_array();
    if (!blocks)
        return zp__nomem(lg->ctx);
    rc = lg__move_product(lg, seller, buyer, sc->standard, sc->vintage, f->qty, blocks);
    int64_t seq = 0;
    if (!rc)
        rc = lg__journal_take(
            lg,
            json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:O}", "op", "fill", "buy_order",
                      (json_int_t)buy_id, "sell_order", (json_int_t)sell_id, "buyer", buyer,
                      "seller", seller, "product", sc->product, "price", (json_int_t)f->price,
                      "qty", (json_int_t)f->qty, "blocks", blocks),
            &seq);
    int64_t left = maker.remaining - f->qty;
    if (!rc)
        rc = order_set(lg, (int64_t)f->maker, left, left ? "open" : "filled", seq);
    if (!rc) {
        rc = lg__run(lg, LS_FILL_INS, "recording a fill", "tiiicciii", sc->standard, sc->vintage,
                     buy_id, sell_id, buyer, seller, f->price, f->qty, seq);
    }
    if (!rc) {
        sc->taker_remaining -= f->qty;
        json_t *fj = json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:O, s:I}", "buy_order",
                               (json_int_t)buy_id, "sell_order", (json_int_t)sell_id, "buyer",
                               buyer, "seller", seller, "price", (json_int_t)f->price, "qty",
                               (json_int_t)f->qty, "blocks", blocks, "seq", (json_int_t)seq);
        if (!fj || json_array_append_new(sc->fills, fj))
            rc = zp__nomem(lg->ctx);
    }
    json_decref(blocks);
    return rc;
}

static int settle_cb(void *ud, const zp_book_fill *f)
{
    settle_ctx *sc = ud;
    sc->rc = settle(sc, f);
    return sc->rc != ZP_OK;
}

static int crossed_cb(void *ud, const zp_book_fill *f)
{
    zp_ledger *lg = ud;
    zp__error(lg->ctx, ZP_ECORRUPT,
              "ledger: open orders %llu and %llu cross each other in the stored book; run "
              "'zeropark credits verify'",
              (unsigned long long)f->maker, (unsigned long long)f->taker);
    return 1;
}

/* The product's open orders other than skip, in time order, into a new book. */
static zp_status book_load(zp_ledger *lg, const char *standard, int64_t vintage, int64_t skip,
                           zp_book **out)
{
    zp_status rc = zp_book_new(lg->ctx, out);
    if (rc)
        return rc;
    sqlite3_stmt *s = lg__bound(lg, LS_ORD_OPEN, "ti", standard, vintage);
    if (!s)
        return ZP_ESTORE;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        if (id == skip)
            continue;
        int side = sqlite3_column_int(s, 1);
        rc = zp_book_submit(*out, (uint64_t)id, side ? ZP_SELL : ZP_BUY, 0,
                            sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3), crossed_cb,
                            lg, NULL);
        if (rc) {
            if (rc != ZP_EDATA)
                rc = zp__error(lg->ctx, ZP_ECORRUPT, "ledger: open order %lld cannot be loaded "
                                                     "into the book: %s",
                               (long long)id, zp_ctx_errmsg(lg->ctx));
            else
                rc = ZP_ECORRUPT;
            break;
        }
    }
    sqlite3_reset(s);
    if (!rc && r != SQLITE_DONE)
        rc = lg__sqlerr(lg, "reading open orders");
    return rc;
}

zp_status lg__op_order(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *account, *side_s, *type_s, *product;
    int64_t qty = 0, price = 0;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, "account", 1, &account)) ||
        (rc = lg__arg_str(lg, args, "side", 1, &side_s)) ||
        (rc = lg__arg_str(lg, args, "type", 0, &type_s)) ||
        (rc = lg__arg_str(lg, args, "product", 1, &product)) ||
        (rc = lg__arg_int(lg, args, "qty", 1, 1, LG_MAX_QTY, &qty)))
        return rc;
    int side;
    if (strcmp(side_s, "buy") == 0)
        side = ZP_BUY;
    else if (strcmp(side_s, "sell") == 0)
        side = ZP_SELL;
    else
        return zp__error(lg->ctx, ZP_EINVAL, "args.side: '%s' is not buy or sell", side_s);
    int market;
    if (!type_s || strcmp(type_s, "limit") == 0)
        market = 0;
    else if (strcmp(type_s, "market") == 0)
        market = 1;
    else
        return zp__error(lg->ctx, ZP_EINVAL, "args.type: '%s' is not limit or market", type_s);
    if (!market && (rc = lg__arg_int(lg, args, "price", 1, 1, LG_MAX_PRICE, &price)))
        return rc;
    if (market && lg__arg_given(args, "price"))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.price: a market order takes no price; drop it or use type limit");
    char standard[17];
    int64_t vintage;
    if ((rc = lg__product_parse(lg, product, "args.product", standard, &vintage)) ||
        (rc = lg__account_check(lg, account, "args.account")))
        return rc;
    if (side == ZP_SELL) {
        int64_t held, reserved;
        if ((rc = lg__product_available(lg, account, standard, vintage, &held, &reserved)))
            return rc;
        if (held - reserved < qty)
            return zp__error(lg->ctx, ZP_ERANGE,
                             "insufficient balance: account '%s' holds %lld t of %s, %lld t "
                             "of it already offered by open sell orders; the sell order needs "
                             "%lld t",
                             account, (long long)held, product, (long long)reserved,
                             (long long)qty);
    }
    if ((rc = lg__run(lg, LS_ORD_INS, "inserting the order", "ttiiiii", account, standard, vintage,
                      (int64_t)side, (int64_t)market, price, qty)))
        return rc;
    int64_t id = sqlite3_last_insert_rowid(lg->db);
    char prod[48];
    snprintf(prod, sizeof prod, "%s-%lld", standard, (long long)vintage);
    json_t *e = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I}", "op", "order", "order",
                          (json_int_t)id, "account", account, "side", side_names[side], "type",
                          market ? "market" : "limit", "product", prod, "price",
                          (json_int_t)price, "qty", (json_int_t)qty);
    int64_t seq = 0;
    if ((rc = lg__journal_take(lg, e, &seq)))
        return rc;
    zp_book *book = NULL;
    settle_ctx sc = {lg, standard, vintage, prod, (uint64_t)id, account, qty, json_array(), ZP_OK};
    if (!sc.fills)
        return zp__nomem(lg->ctx);
    if ((rc = book_load(lg, standard, vintage, id, &book)))
        goto out;
    int64_t rested = 0;
    rc = zp_book_submit(book, (uint64_t)id, (zp_side)side, market, price, qty, settle_cb, &sc,
                        &rested);
    if (rc == ZP_EDATA)
        rc = sc.rc ? sc.rc : ZP_EDATA;
    if (rc)
        goto out;
    const char *state = rested == 0 ? "filled" : market ? "cancelled" : "open";
    int64_t last_seq = seq;
    if (market && rested > 0) {
        e = json_pack("{s:s, s:I, s:I, s:s}", "op", "order_cancel", "order", (json_int_t)id,
                      "remaining", (json_int_t)rested, "reason", "market order: no more offers");
        if ((rc = lg__journal_take(lg, e, &last_seq)))
            goto out;
    } else if (json_array_size(sc.fills)) {
        last_seq = json_integer_value(
            json_object_get(json_array_get(sc.fills, json_array_size(sc.fills) - 1), "seq"));
    }
    if ((rc = order_set(lg, id, rested, state, last_seq)))
        goto out;
    *res = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:O, s:I}", "order",
                     (json_int_t)id, "account", account, "side", side_names[side], "type",
                     market ? "market" : "limit", "product", prod, "price", (json_int_t)price,
                     "qty", (json_int_t)qty, "remaining", (json_int_t)rested, "state", state,
                     "fills", sc.fills, "seq", (json_int_t)seq);
    if (!*res)
        rc = zp__nomem(lg->ctx);
out:
    zp_book_free(book);
    json_decref(sc.fills);
    return rc;
}

zp_status lg__op_order_cancel(zp_ledger *lg, json_t *args, json_t **res)
{
    int64_t id = 0;
    const char *account;
    zp_status rc;
    if ((rc = lg__arg_int(lg, args, "order", 1, 1, INT64_MAX, &id)) ||
        (rc = lg__arg_id(lg, args, "account", 0, &account)))
        return rc;
    lg_order o;
    int found;
    if ((rc = order_get(lg, id, &o, &found)))
        return rc;
    if (!found)
        return zp__error(lg->ctx, ZP_ENOTFOUND, "args.order: no order %lld", (long long)id);
    if (account && strcmp(account, o.account) != 0)
        return zp__error(lg->ctx, ZP_EINVAL, "args.order: order %lld belongs to '%s', not '%s'",
                         (long long)id, o.account, account);
    if (strcmp(o.state, "open") != 0)
        return zp__error(lg->ctx, ZP_EINVAL, "args.order: order %lld is %s, not open",
                         (long long)id, o.state);
    json_t *e = json_pack("{s:s, s:I, s:I, s:s}", "op", "order_cancel", "order", (json_int_t)id,
                          "remaining", (json_int_t)o.remaining, "reason", "request");
    int64_t seq;
    if ((rc = lg__journal_take(lg, e, &seq)) ||
        (rc = order_set(lg, id, o.remaining, "cancelled", seq)))
        return rc;
    *res = json_pack("{s:I, s:s, s:I, s:s, s:I}", "order", (json_int_t)id, "account", o.account,
                     "remaining", (json_int_t)o.remaining, "state", "cancelled", "seq",
                     (json_int_t)seq);
    return *res ? ZP_OK : zp__nomem(lg->ctx);
}

static void visit_level(void *ud, uint64_t id, int64_t price, int64_t qty)
{
    json_t *levels = ud;
    size_t n = json_array_size(levels);
    json_t *last = n ? json_array_get(levels, n - 1) : NULL;
    if (!last || json_integer_value(json_object_get(last, "price")) != price) {
        last = json_pack("{s:I, s:I, s:[]}", "price", (json_int_t)price, "qty", (json_int_t)0,
                         "orders");
        if (!last || json_array_append_new(levels, last))
            return;
    }
    json_object_set_new(last, "qty",
                        json_integer(json_integer_value(json_object_get(last, "qty")) + qty));
    json_array_append_new(json_object_get(last, "orders"),
                          json_pack("{s:I, s:I}", "order", (json_int_t)id, "qty", (json_int_t)qty));
}

zp_status lg__op_book(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *product;
    zp_status rc;
    char standard[17];
    int64_t vintage;
    if ((rc = lg__arg_str(lg, args, "product", 1, &product)) ||
        (rc = lg__product_parse(lg, product, "args.product", standard, &vintage)))
        return rc;
    zp_book *book = NULL;
    if ((rc = book_load(lg, standard, vintage, 0, &book))) {
        zp_book_free(book);
        return rc;
    }
    json_t *bids = json_array(), *asks = json_array();
    zp_book_each(book, ZP_BUY, visit_level, bids);
    zp_book_each(book, ZP_SELL, visit_level, asks);
    zp_book_free(book);
    char prod[48];
    snprintf(prod, sizeof prod, "%s-%lld", standard, (long long)vintage);
    *res = json_pack("{s:s, s:o, s:o}", "product", prod, "bids", bids, "asks", asks);
    return *res ? ZP_OK : zp__nomem(lg->ctx);
}
