/*
 * zeropark/ledger.h - the carbon-credit ledger ("ecological bank"): a
 * registry of accounts, projects and serial-numbered credits, an order
 * book per product, and a hash-chained journal that an auditor can check
 * (docs/credits.md).
 *
 * Main types and calls: zp_ledger (zp_ledger_open, zp_ledger_close),
 * zp_ledger_exec (every operation by name with JSON arguments and a JSON
 * result, jansson's json_t: the entry point of both `zeropark credits` and
 * the HTTP API), zp_ledger_verify and zp_ledger_export for auditors, and the
 * order book (zp_book: zp_book_submit, zp_book_cancel, zp_book_best). It
 * stands on core.h alone; the report shows the credits retired against a
 * park-year (report.h). Errors are zp_status codes with the message on the
 * zp_ctx (core.h).
 *
 * Quantities are whole tonnes CO2e (int64): one serial number is one
 * tonne. Prices are whole fen (0.01 CNY) per tonne. Nothing in the ledger
 * is a floating-point number.
 *
 * Storage: one SQLite file in WAL mode holding the ledger's own tables
 * (prefixed lg_), so it may be a separate file or the same file as a
 * zp_store. Every operation is one SQLite transaction (BEGIN IMMEDIATE):
 * the state change, its journal entry, its idempotency record and, for an
 * order, every fill and the registry transfers that settle it commit
 * together or not at all. Several processes may share a file; writers are
 * serialised by SQLite's lock (busy timeout 10 s). A handle belongs to one
 * thread at a time, like its zp_ctx: a server opens one per worker thread.
 *
 * Invariant, for every project-vintage, at every commit:
 *     issued = sum of account balances + retired + cancelled,
 * and the blocks of serial numbers partition [1, issued] exactly.
 *
 * Journal: entry n is a canonical JSON text (keys sorted, compact, ASCII)
 * and hash(n) = SHA-256(hash(n-1) || text(n)), hash(0) = 32 zero bytes.
 */
#ifndef ZEROPARK_LEDGER_H
#define ZEROPARK_LEDGER_H

#include <jansson.h>
#include <stdint.h>

#include "zeropark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zp_ledger zp_ledger;

/* Open flags. */
#define ZP_LEDGER_CREATE 1u   /* create the file and the tables when missing */
#define ZP_LEDGER_READONLY 2u /* open read-only (verify, export, queries) */

/* Durability of a commit (SQLite's synchronous pragma on a WAL file).
 * FULL (the default): the WAL is fsynced at every commit, so a committed
 * operation survives a power loss. NORMAL: fsync only at checkpoints; a
 * committed operation survives a crash of the process (kill -9) but the
 * last ones may be lost on power failure. OFF: no fsync (tests). */
typedef enum zp_ledger_sync {
    ZP_LEDGER_SYNC_FULL = 0,
    ZP_LEDGER_SYNC_NORMAL = 1,
    ZP_LEDGER_SYNC_OFF = 2
} zp_ledger_sync;

/* Open (or with ZP_LEDGER_CREATE create) the ledger in the SQLite file at
 * path (":memory:" for a private in-memory ledger). Errors: ZP_EIO (cannot
 * open), ZP_ENOTFOUND (the file has no ledger and ZP_LEDGER_CREATE is not
 * given), ZP_ECORRUPT (not a SQLite file, or a ledger schema this version
 * does not know), ZP_ESTORE, ZP_ENOMEM. *out is NULL on failure. */
ZP_API zp_status zp_ledger_open(zp_ctx *ctx, const char *path, unsigned flags, zp_ledger **out);
/* Close; rolls back an open batch. Accepts NULL. */
ZP_API void zp_ledger_close(zp_ledger *lg);
ZP_API zp_status zp_ledger_set_sync(zp_ledger *lg, zp_ledger_sync sync);
/* Fix the time written into journal entries (seconds since the epoch);
 * 0 goes back to the system clock. For reproducible tests. */
ZP_API void zp_ledger_set_time(zp_ledger *lg, zp_time_t t);

/* Group commit: between zp_ledger_begin and zp_ledger_commit every
 * operation runs in a savepoint of one transaction (an operation that
 * fails is undone alone; the others stay), and one commit - one fsync -
 * makes them all durable. Nothing of the batch is visible to others or
 * durable before zp_ledger_commit returns ZP_OK. zp_ledger_rollback drops
 * the batch. */
ZP_API zp_status zp_ledger_begin(zp_ledger *lg);
ZP_API zp_status zp_ledger_commit(zp_ledger *lg);
ZP_API zp_status zp_ledger_rollback(zp_ledger *lg);

/* The one entry point for every operation (the CLI and the HTTP API call
 * it). op names the operation, args is a JSON object (borrowed; NULL means
 * {}), idempotency_key may be NULL. On success *result is a new JSON value
 * owned by the caller (json_decref). On failure *result is NULL and the
 * context's message says which argument (as "args.qty") or which account,
 * product and amounts are at fault; nothing was changed.
 *
 * Writing operations (their journal op in brackets):
 *   account  {id, name, kind: village|company|park|government|other}          [account]
 *   project  {id, name, standard ("CCER", a provincial scheme such as "GDPHCER":
 *             2-16 of A-Z 0-9), location, area_ha (number, kept to 0.01 ha),
 *             methodology, owner (account id)}                                  [project]
 *   issue    {project, vintage (year), qty, to (default the owner),
 *             verification (text)} -> {serial, first, last}                      [issue]
 *   transfer {from, to, qty + project + vintage, or serial ("STD-PROJ-VINTAGE-FIRST-LAST",
 *             a range the sender holds)} -> {blocks}                              [transfer]
 *   retire   {account, qty + project + vintage or serial, beneficiary, purpose,
 *             park, year (the park-year it offsets)} -> {retirement, serials}   [retire]
 *   cancel   {order: id}: cancel an open order                                  [order_cancel]
 *            {account, qty + project + vintage or serial, reason}: cancel credits [cancel]
 *   order    {account, side: buy|sell, type: limit|market, product ("CCER-2023",
 *             i.e. standard-vintage), qty, price (fen per tonne, limit only)}
 *             -> {order, fills, remaining, state}                          [order, fill...]
 * Reading operations:
 *   balance  {account (optional)} -> holdings per project-vintage with serials
 *   book     {product} -> bids and asks, price levels and orders
 *   history  {account (optional), after (seq), limit (default 100)} -> {entries,
 *            next: the seq to pass as after for the next page, null at the end};
 *            with an account, every entry concerning it (also the
 *            cancellations of its orders)
 *   verify   {} -> {ok, entries, head, problem_count, problems[{seq?, message}],
 *             first_bad_seq (null when only the tables disagree)}
 *   offsets  {park, year} -> {retired_t, retirements[] with serials}; refused
 *            (ZP_ECORRUPT) when the ledger does not verify
 *
 * An argument the operation does not take is refused (ZP_EINVAL, naming
 * it and the nearest argument), never ignored.
 *
 * Idempotency: with a key, the first successful result is stored in the
 * same transaction as the change; a later call with the same key and the
 * same op and arguments returns that stored result and changes nothing.
 * The same key with a different request fails with ZP_EEXISTS. A failed
 * call stores nothing, so it may be retried with its key.
 *
 * Errors: ZP_EINVAL (bad op or arguments), ZP_ENOTFOUND (unknown account,
 * project, order), ZP_EEXISTS (id taken, key reused), ZP_ERANGE
 * (insufficient balance, credits reserved by open sell orders), ZP_ESTORE
 * (SQLite), ZP_ECORRUPT (a stored row cannot be read), ZP_ENOMEM. */
ZP_API zp_status zp_ledger_exec(zp_ledger *lg, const char *op, json_t *args,
                                const char *idempotency_key, json_t **result);

/* Recompute the journal's hash chain and replay the journal from entry 1
 * into the whole state (serial ranges per holder and state in canonical
 * block form, retirement records, balances, totals, orders, reservations,
 * fills), checking that every entry was possible (the sender held every
 * serial it gave, nothing retired twice, reserved credits kept, no
 * self-trade); then compare that state with every table row by row. ZP_OK
 * when all holds; ZP_ECORRUPT with a message naming the first bad entry,
 * or the table, key and column whose stored value differs from the
 * journal's, otherwise. *report (may be NULL) receives the same JSON as
 * the verify op. */
ZP_API zp_status zp_ledger_verify(zp_ledger *lg, json_t **report);

/* Write the journal for auditors: one line per entry,
 *   SEQ <TAB> HASH-HEX <TAB> CANONICAL-ENTRY <LF>
 * where HASH = SHA-256(previous HASH as 32 raw bytes || CANONICAL-ENTRY),
 * the first previous hash being 32 zero bytes (docs/credits.md has the
 * sha256sum procedure). Written to path through a temporary file and a
 * rename. *entries (may be NULL) receives the count. */
ZP_API zp_status zp_ledger_export(zp_ledger *lg, const char *path, int64_t *entries);

/* ---- In-memory matching engine ----------------------------------------
 * One product's order book: price-time priority, limit and market orders,
 * partial fills, cancel. The durable path (the order op) loads the open
 * orders of a product into one and submits the new order to it. */
typedef struct zp_book zp_book;

typedef enum zp_side { ZP_BUY = 0, ZP_SELL = 1 } zp_side;

typedef struct zp_book_fill {
    uint64_t maker;  /* resting order's id */
    uint64_t taker;  /* incoming order's id */
    zp_side taker_side;
    int64_t price;   /* the maker's price */
    int64_t qty;
} zp_book_fill;

/* Called once per fill, in order. A non-zero return stops matching (the
 * taker's rest is then neither filled nor rested) and is passed back. */
typedef int (*zp_book_fill_fn)(void *ud, const zp_book_fill *fill);

ZP_API zp_status zp_book_new(zp_ctx *ctx, zp_book **out);
ZP_API void zp_book_free(zp_book *b);
/* Submit order id (unique among resting orders). market != 0: match what
 * the other side offers, then drop the rest (price ignored). Otherwise a
 * limit order: match while the best opposite price crosses price, then
 * rest the remainder. *rested (may be NULL) receives the quantity left in
 * the book (limit) or dropped (market). Errors: ZP_EINVAL (qty <= 0,
 * price <= 0 for a limit, id already resting), ZP_ENOMEM, ZP_EDATA (the
 * callback stopped matching; the book keeps the fills so far, and the
 * context's message is whatever the callback left there). */
ZP_API zp_status zp_book_submit(zp_book *b, uint64_t id, zp_side side, int market, int64_t price,
                                int64_t qty, zp_book_fill_fn fn, void *ud, int64_t *rested);
/* Cancel a resting order. *remaining (may be NULL) gets what it had
 * left. ZP_ENOTFOUND when it is not resting. */
ZP_API zp_status zp_book_cancel(zp_book *b, uint64_t id, int64_t *remaining);
/* Best bid / ask price and the quantity at it; 0 when that side is empty. */
ZP_API int64_t zp_book_best(const zp_book *b, zp_side side, int64_t *qty);
/* Number of resting orders. */
ZP_API size_t zp_book_count(const zp_book *b);
/* Visit the resting orders of a side, best price first, oldest first
 * within a price. */
typedef void (*zp_book_visit_fn)(void *ud, uint64_t id, int64_t price, int64_t qty);
ZP_API void zp_book_each(const zp_book *b, zp_side side, zp_book_visit_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#endif
