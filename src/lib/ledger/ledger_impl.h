/*
 * ledger_impl.h - what the files of the ledger share. Never installed.
 *
 * The files, each calling only the ones listed before it:
 *   schema.c   the SQLite file: open/create, tables, prepared statements
 *   tx.c       batches and each operation's transaction
 *   journal.c  canonical JSON, SHA-256, the hash-chained journal
 *   args.c     the one reader of an operation's arguments (args.KEY)
 *   serial.c   product and serial-range texts
 *   registry.c the registry's primitives: accounts, projects, blocks,
 *              balances, project-vintage totals
 *   book.c     the in-memory matching engine (public zp_book_*)
 *   account.c  the account and project operations; the kinds of account
 *   verify.c   the verify operation, over vstate.c, vscan.c, replay.c and
 *              compare.c (verify_impl.h)
 *   credit.c, query.c, order.c  the other operations
 *   export.c   the auditor's export
 *   ops.c      the operation table, zp_ledger_exec and zp_ledger_verify
 */
#ifndef ZP_LEDGER_IMPL_H
#define ZP_LEDGER_IMPL_H

#include <sqlite3.h>

#include "core/internal.h"
#include "zeropark/ledger.h"

/* Prepared statements, made once per handle (lg__stmt). */
enum lg_stmt_id {
    LS_HEAD,
    LS_JOURNAL_INS,
    LS_ACCT_GET,
    LS_ACCT_INS,
    LS_PROJ_GET,
    LS_PROJ_INS,
    LS_PV_GET,
    LS_PV_ADD,
    LS_BAL_GET,
    LS_BAL_ADD,
    LS_BAL_SUB,
    LS_BLK_OWNED,
    LS_BLK_CONTAINING,
    LS_BLK_AT,
    LS_BLK_INS,
    LS_BLK_SET,
    LS_BLK_SET_LAST,
    LS_BLK_DEL,
    LS_PROD_HOLD,
    LS_RESERVED,
    LS_PROD_BLOCKS,
    LS_IDEM_GET,
    LS_IDEM_INS,
    LS_RET_INS,
    LS_ORD_INS,
    LS_ORD_GET,
    LS_ORD_SET,
    LS_ORD_OPEN,
    LS_FILL_INS,
    LS_COUNT
};

struct zp_ledger {
    zp_ctx *ctx;
    sqlite3 *db;
    sqlite3_stmt *st[LS_COUNT];
    int readonly;
    int batch;          /* inside zp_ledger_begin .. commit */
    zp_time_t fixed_at; /* 0 = system clock */
    /* Journal head, valid while this handle holds the write lock. */
    int head_ok;
    int64_t head_seq;
    unsigned char head_hash[32];
    void *md;  /* EVP_MD_CTX reused by lg__sha256 */
    void *sha; /* EVP_MD for SHA-256, fetched once */
    /* Projects seen committed or in the open transaction: id -> standard.
     * Projects never change, so only a rollback can make an entry wrong;
     * every rollback empties the cache. */
    struct {
        char id[65];
        char standard[17];
    } pcache[32];
    int npcache;
    char acache[32][65]; /* accounts known to exist, emptied with pcache */
    int nacache;
    sqlite3_stmt *sp[7]; /* transaction statements (tx.c): SAVEPOINT, RELEASE, ROLLBACK TO,
                            BEGIN IMMEDIATE, BEGIN, COMMIT, ROLLBACK */
};

/* ---- schema.c: statements and SQLite plumbing ------------------------------ */

/* A statement, reset and with bindings cleared, or NULL with the error set
 * (ZP_ESTORE) when it cannot be prepared. */
sqlite3_stmt *lg__stmt(zp_ledger *lg, enum lg_stmt_id id);
/* Set ZP_ESTORE with SQLite's message: "ledger: WHAT: message". */
zp_status lg__sqlerr(zp_ledger *lg, const char *what);
/* Step a statement that returns no row (SQLITE_DONE expected). */
zp_status lg__step_done(zp_ledger *lg, sqlite3_stmt *s, const char *what);
/* The statement lg__stmt gives, with ?1, ?2, ... bound from the arguments
 * after types, one letter each: 't' text (const char *, alive until the
 * step; NULL binds NULL), 'c' text SQLite copies, 'i' int64_t, 'z' int64_t
 * bound only when nonzero (NULL otherwise), 'h' a 32-byte hash (const
 * unsigned char *). NULL with the error set when it cannot be prepared. */
sqlite3_stmt *lg__bound(zp_ledger *lg, enum lg_stmt_id id, const char *types, ...);
/* lg__bound, one step and a reset: a write, or a read whose row is not
 * wanted; ZP_ESTORE "ledger: WHAT: message" on error. */
zp_status lg__run(zp_ledger *lg, enum lg_stmt_id id, const char *what, const char *types, ...);
/* A one-off statement of sql into *s (the caller finalizes it), bound as
 * lg__bound binds; on error *s is NULL and "ledger: WHAT: message" is set. */
zp_status lg__query(zp_ledger *lg, const char *sql, const char *what, sqlite3_stmt **s,
                    const char *types, ...);
/* Run SQL text (no rows); ZP_ESTORE "ledger: WHAT: message" on error. */
zp_status lg__exec_sql(zp_ledger *lg, const char *sql, const char *what);
/* Prepare a one-off statement (the caller finalizes it); on error *s is
 * NULL and the error "ledger: WHAT: message" is set. */
zp_status lg__prepare(zp_ledger *lg, const char *sql, const char *what, sqlite3_stmt **s);
zp_time_t lg__now(const zp_ledger *lg);

/* Bind text that outlives the statement's step. */
static inline void lg__bind_text(sqlite3_stmt *s, int i, const char *t)
{
    sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
}

/* Column i as text; "" for NULL. */
static inline const char *lg__col_text(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? t : "";
}

/* ---- tx.c ------------------------------------------------------------------ */

/* An operation's transaction: BEGIN (IMMEDIATE when it writes) or, inside
 * a batch, a savepoint; tx_end commits (ok) or rolls back. */
zp_status lg__tx_begin(zp_ledger *lg, int writes);
zp_status lg__tx_end(zp_ledger *lg, int ok);

/* ---- journal.c ------------------------------------------------------------- */

/* Append an entry to the journal: sets "seq" and "at" on entry (borrowed),
 * dumps it canonically, chains the hash, inserts the row. *seq may be
 * NULL. */
zp_status lg__journal(zp_ledger *lg, json_t *entry, int64_t *seq);
/* lg__journal of a new entry, which it takes: the caller passes what
 * json_pack made (NULL: ZP_ENOMEM) and keeps no reference. */
zp_status lg__journal_take(zp_ledger *lg, json_t *entry, int64_t *seq);
/* Canonical text of a JSON value (sorted keys, compact, ASCII); free with
 * free(). NULL when out of memory. */
char *lg__canon(const json_t *v);
/* SHA-256 of a || b (b may be NULL). */
zp_status lg__sha256(zp_ledger *lg, const void *a, size_t alen, const void *b, size_t blen,
                     unsigned char out[32]);
void lg__hex(const unsigned char *h, size_t n, char *out);

/* ---- args.c: the value at args.KEY; errors name "args.KEY" ----------------- */

zp_status lg__arg_str(zp_ledger *lg, json_t *args, const char *key, int required,
                      const char **out);
zp_status lg__arg_id(zp_ledger *lg, json_t *args, const char *key, int required,
                     const char **out);
zp_status lg__arg_int(zp_ledger *lg, json_t *args, const char *key, int required, int64_t lo,
                      int64_t hi, int64_t *out);
/* args must be an object whose every key is one of keys (up to max of
 * them, ended early by NULL): an unknown one (a typo such as "too" for "to") is refused,
 * naming the nearest argument, rather than ignored. what names the
 * operation. */
zp_status lg__arg_keys(zp_ledger *lg, json_t *args, const char *what, const char *const *keys,
                       size_t max);
/* Whether args has key (its value may be null); has it with a value that
 * is not null; has a number there (into *out). */
int lg__arg_has(json_t *args, const char *key);
int lg__arg_given(json_t *args, const char *key);
int lg__arg_number(json_t *args, const char *key, double *out);

/* ---- serial.c -------------------------------------------------------------- */

/* A standard's code: 2-16 of A-Z 0-9. */
int lg__standard_ok(const char *s, size_t n);
/* Parse "STD-VINTAGE" into standard (buf of 17) and vintage. */
zp_status lg__product_parse(zp_ledger *lg, const char *text, const char *what, char *standard,
                            int64_t *vintage);

/* A serial range "STD-PROJECT-VINTAGE-FIRST-LAST". */
typedef struct lg_serial {
    char standard[17];
    char project[65];
    int64_t vintage, first, last;
} lg_serial;

/* Parse a serial range; ZP_EINVAL naming what when it is not one. */
zp_status lg__serial_parse(zp_ledger *lg, const char *text, const char *what, lg_serial *out);
/* The serial range's text as a JSON string; NULL when out of memory. */
json_t *lg__serial_json(const char *standard, const char *project, int64_t vintage, int64_t first,
                        int64_t last);

/* ---- registry.c ------------------------------------------------------------ */

/* A block of serials: [first, last] held by account; state 0 active,
 * 1 retired, 2 cancelled. */
typedef struct lg_blk {
    int64_t id, first, last, state;
    char account[65];
} lg_blk;

/* Copy text (NULL: empty) into dst of cap bytes, cut to fit. */
void lg__copy_text(char *dst, size_t cap, const char *text);
/* ZP_ENOTFOUND naming the account when it does not exist. */
zp_status lg__account_check(zp_ledger *lg, const char *id, const char *what);
/* Project's standard and owner (into buffers of 17 and 65; owner may be
 * NULL), ZP_ENOTFOUND naming what when unknown. */
zp_status lg__project_get(zp_ledger *lg, const char *id, const char *what, char *standard,
                          char *owner);
/* Add delta (may be negative) to an account's balance of a project-vintage. */
zp_status lg__balance_add(zp_ledger *lg, const char *acct, const char *project, int64_t vintage,
                          int64_t delta);
/* Add to a project-vintage's issued, retired and cancelled totals. */
zp_status lg__pv_add(zp_ledger *lg, const char *project, int64_t vintage, int64_t issued,
                     int64_t retired, int64_t cancelled);
/* The block of (project, vintage) that contains serial (containing = 1) or
 * starts at it (containing = 0); *found = 0 when there is none. */
zp_status lg__block_find(zp_ledger *lg, const char *project, int64_t vintage, int64_t serial,
                         int containing, lg_blk *b, int *found);
zp_status lg__block_ins(zp_ledger *lg, const char *project, int64_t vintage, int64_t first,
                        int64_t last, const char *acct, int64_t state, int64_t retirement,
                        int64_t *id);
/* Merge an active block with its active neighbours of the same owner. */
zp_status lg__block_merge(zp_ledger *lg, const char *project, int64_t vintage, int64_t id,
                          int64_t first, int64_t last, const char *acct, int left, int right);
/* Move serials [first, last] inside one active block of from to account
 * to with state (0 active, 1 retired, 2 cancelled); balances are the
 * caller's. */
zp_status lg__move_range(zp_ledger *lg, const char *project, int64_t vintage, int64_t first,
                         int64_t last, const char *from, const char *to, int state,
                         int64_t retirement);
/* The [first, last] pieces that take qty from acct's active blocks in
 * serial order; *held: what acct holds when that falls short. */
zp_status lg__pick_fifo(zp_ledger *lg, const char *acct, const char *project, int64_t vintage,
                        int64_t qty, json_t *pieces, int64_t *held);
/* One of the per-product sums (LS_PROD_HOLD, LS_RESERVED) into *out. */
zp_status lg__product_sum(zp_ledger *lg, enum lg_stmt_id id, const char *account,
                          const char *standard, int64_t vintage, int64_t *out);
/* Move qty tonnes of product (standard, vintage) from seller to buyer,
 * taking the seller's blocks in (project, serial) order; appends the moved
 * pieces ([project, vintage, first, last]) to blocks. */
zp_status lg__move_product(zp_ledger *lg, const char *seller, const char *buyer,
                           const char *standard, int64_t vintage, int64_t qty, json_t *blocks);
/* Tonnes of product the account holds, and tonnes reserved by its open
 * sell orders. */
zp_status lg__product_available(zp_ledger *lg, const char *account, const char *standard,
                                int64_t vintage, int64_t *held, int64_t *reserved);

/* ---- the operations: each takes its arguments and gives its result (*res,
 * owned by the caller); ops.c's table calls them -------------------------- */

typedef zp_status lg_op_fn(zp_ledger *lg, json_t *args, json_t **res);

/* account.c; and the kinds of account (args.kind). */
extern const char *const lg__account_kinds[5];
lg_op_fn lg__op_account;
lg_op_fn lg__op_project;
/* credit.c */
lg_op_fn lg__op_issue;
lg_op_fn lg__op_transfer;
lg_op_fn lg__op_retire;
lg_op_fn lg__op_cancel;
/* query.c */
lg_op_fn lg__op_balance;
lg_op_fn lg__op_history;
lg_op_fn lg__op_offsets;
/* order.c */
lg_op_fn lg__op_order;
lg_op_fn lg__op_order_cancel;
lg_op_fn lg__op_book;
/* verify.c */
lg_op_fn lg__op_verify;
/* ZP_OK when the ledger verifies; ZP_ECORRUPT naming the first problem
 * otherwise. For readers whose figures must agree with the journal. */
zp_status lg__verified(zp_ledger *lg);

#define LG_MAX_QTY ((int64_t)1000000000000) /* 1e12 t: more than the world emits in 20 years */
#define LG_MAX_PRICE ((int64_t)1000000000000)

#endif
