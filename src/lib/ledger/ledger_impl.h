/*
 * ledger_impl.h - what ledger.c (registry, journal, exec), ledger_order.c
 * (durable orders) and ledger_verify.c (verify, export) share. Never
 * installed.
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
    sqlite3_stmt *sp[7]; /* SAVEPOINT, RELEASE, ROLLBACK TO, BEGIN IMMEDIATE, BEGIN, COMMIT,
                            ROLLBACK */
};

/* A statement, reset and with bindings cleared, or NULL with the error set
 * (ZP_ESTORE) when it cannot be prepared. */
sqlite3_stmt *lg__stmt(zp_ledger *lg, enum lg_stmt_id id);
/* Set ZP_ESTORE with SQLite's message: "ledger: WHAT: message". */
zp_status lg__sqlerr(zp_ledger *lg, const char *what);
/* Step a statement that returns no row (SQLITE_DONE expected). */
zp_status lg__step_done(zp_ledger *lg, sqlite3_stmt *s, const char *what);
zp_time_t lg__now(const zp_ledger *lg);

/* Append an entry to the journal: sets "seq" and "at" on entry (borrowed),
 * dumps it canonically, chains the hash, inserts the row. *seq may be
 * NULL. */
zp_status lg__journal(zp_ledger *lg, json_t *entry, int64_t *seq);
/* Canonical text of a JSON value (sorted keys, compact, ASCII); free with
 * free(). NULL when out of memory. */
char *lg__canon(const json_t *v);
/* SHA-256 of a || b (b may be NULL). */
zp_status lg__sha256(zp_ledger *lg, const void *a, size_t alen, const void *b, size_t blen,
                     unsigned char out[32]);
void lg__hex(const unsigned char *h, size_t n, char *out);

/* Arguments: the value at args.key. Errors name "args.KEY". */
zp_status lg__arg_str(zp_ledger *lg, json_t *args, const char *key, int required,
                      const char **out);
zp_status lg__arg_id(zp_ledger *lg, json_t *args, const char *key, int required,
                     const char **out);
zp_status lg__arg_int(zp_ledger *lg, json_t *args, const char *key, int required, int64_t lo,
                      int64_t hi, int64_t *out);
/* ZP_ENOTFOUND naming the account when it does not exist. */
zp_status lg__account_check(zp_ledger *lg, const char *id, const char *what);
/* Parse "STD-VINTAGE" into standard (buf of 17) and vintage. */
zp_status lg__product_parse(zp_ledger *lg, const char *text, const char *what, char *standard,
                            int64_t *vintage);

/* Move qty tonnes of product (standard, vintage) from seller to buyer,
 * taking the seller's blocks in (project, serial) order; appends the moved
 * pieces ([project, vintage, first, last]) to blocks. */
zp_status lg__move_product(zp_ledger *lg, const char *seller, const char *buyer,
                           const char *standard, int64_t vintage, int64_t qty, json_t *blocks);
/* Tonnes of product the account holds, and tonnes reserved by its open
 * sell orders. */
zp_status lg__product_available(zp_ledger *lg, const char *account, const char *standard,
                                int64_t vintage, int64_t *held, int64_t *reserved);

/* Operations (ledger_order.c). */
zp_status lg__op_order(zp_ledger *lg, json_t *args, json_t **res);
zp_status lg__op_order_cancel(zp_ledger *lg, json_t *args, json_t **res);
zp_status lg__op_book(zp_ledger *lg, json_t *args, json_t **res);
/* Verify (ledger_verify.c). */
zp_status lg__op_verify(zp_ledger *lg, json_t *args, json_t **res);
/* ZP_OK when the ledger verifies; ZP_ECORRUPT naming the first problem
 * otherwise. For readers whose figures must agree with the journal. */
zp_status lg__verified(zp_ledger *lg);

#define LG_MAX_QTY ((int64_t)1000000000000) /* 1e12 t: more than the world emits in 20 years */
#define LG_MAX_PRICE ((int64_t)1000000000000)

#endif
