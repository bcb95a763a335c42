/*
 * verify_impl.h - what the files of verify share: the state the journal
 * is replayed into, a scanned entry, and the functions between them.
 * Never installed.
 */
#ifndef ZP_LEDGER_VERIFY_IMPL_H
#define ZP_LEDGER_VERIFY_IMPL_H

#include "ledger/ledger_impl.h"

/* ---- replayed state ----------------------------------------------------- */

typedef struct v_acct {
    char *id, *name, *kind;
    int64_t seq;
} v_acct;

typedef struct v_proj {
    char *id, *name, *location, *methodology;
    int32_t std, owner;
    int64_t area_cha, seq;
} v_proj;

typedef struct v_pv {
    int32_t proj, prod, root; /* root: the treap of serial ranges */
    int64_t vintage, issued, retired, cancelled, seq;
} v_pv;

typedef struct v_bal {
    int32_t acct, pv;
    int64_t qty, seq;
} v_bal;

typedef struct v_hold { /* per account and product (standard, vintage) */
    int64_t held, reserved;
} v_hold;

typedef struct v_prod {
    int32_t std;
    int64_t vintage;
} v_prod;

typedef struct v_order {
    int64_t id, vintage, price, qty, remaining, seq;
    int32_t acct, std;
    int8_t side, market, state; /* side 0 buy 1 sell; state 0 open 1 filled 2 cancelled */
} v_order;

typedef struct v_ret {
    int64_t id, vintage, qty, year, seq, at;
    int32_t acct, proj;
    char *beneficiary, *purpose, *park, *serials;
} v_ret;

typedef struct v_fill {
    int64_t buy, sell, vintage, price, qty, seq;
    int32_t buyer, seller, std;
} v_fill;

/* A serial range [first, last] of one project-vintage. */
typedef struct v_node {
    int64_t first, last, ret; /* ret: the retirement (state 1), else 0 */
    int32_t acct, l, r;
    uint32_t prio;
    int8_t state; /* 0 active, 1 retired, 2 cancelled */
} v_node;

/* String -> index (the key is the record's own copy). */
typedef struct smap {
    struct sslot {
        const char *k;
        int32_t v;
    } *s;
    size_t cap, n;
} smap;

/* (a, b) -> index. */
typedef struct imap {
    struct islot {
        int64_t a, b;
        int32_t v1; /* index + 1; 0: empty */
    } *s;
    size_t cap, n;
} imap;

typedef struct v_piece {
    const char *proj;
    int64_t vintage, first, last;
} v_piece;

enum vfield {
    F_NONE,
    F_OP, F_SEQ, F_AT, F_ID, F_NAME, F_KIND, F_STANDARD, F_LOCATION, F_AREA_CHA,
    F_METHODOLOGY, F_OWNER, F_PROJECT, F_VINTAGE, F_TO, F_QTY, F_FIRST, F_LAST,
    F_VERIFICATION, F_FROM, F_BLOCKS, F_ACCOUNT, F_RETIREMENT, F_BENEFICIARY, F_PURPOSE,
    F_PARK, F_YEAR, F_REASON, F_ORDER, F_SIDE, F_TYPE, F_PRODUCT, F_PRICE, F_BUY_ORDER,
    F_SELL_ORDER, F_BUYER, F_SELLER, F_REMAINING,
    F_COUNT
};


/* A field's key and type: s text, i whole number, b blocks. */
typedef struct vfield_def {
    const char *name;
    char type;
} vfield_def;

extern const vfield_def lgv__fields[F_COUNT];

/* One scanned entry: its fields (strings unescaped into the arena). */
typedef struct ventry {
    const char *s[F_COUNT];
    int64_t i[F_COUNT];
    uint64_t have;
    size_t npieces;
    int blocks_bad;
} ventry;

#define HAS(e, f) (((e)->have >> (f)) & 1u)

typedef struct vstate {
    zp_ledger *lg;
    zp_ctx *ctx;
    v_acct *accts;
    size_t naccts, cap_accts;
    v_proj *projs;
    size_t nprojs, cap_projs;
    char **stds;
    size_t nstds, cap_stds;
    v_pv *pvs;
    size_t npvs, cap_pvs;
    v_bal *bals;
    size_t nbals, cap_bals;
    v_hold *holds;
    size_t nholds, cap_holds;
    v_prod *prods;
    size_t nprods, cap_prods;
    v_order *orders;
    size_t norders, cap_orders;
    v_ret *rets;
    size_t nrets, cap_rets;
    v_fill *fills;
    size_t nfills, cap_fills;
    v_node *nodes;
    size_t nnodes, cap_nodes;
    int32_t free_node; /* chain of free nodes through .l */
    smap acct_ix, proj_ix, std_ix;
    imap pv_ix, bal_ix, hold_ix, prod_ix, order_ix, ret_ix;
    /* per entry */
    char *arena;
    size_t alen, acap;
    v_piece *pieces;
    size_t cap_pieces;
    uint32_t rng;
    json_t *problems;
    int64_t first_bad, nproblems;
    int oom;
} vstate;

/* Note a problem (seq > 0: of that entry); at most MAX_PROBLEMS are kept,
 * all are counted. */
void lgv__problem(vstate *vs, int64_t seq, const char *fmt, ...) ZP_PRINTF(3, 4);
/* Room for one more element in *vec; 0 (and oom) when out of memory. */
int lgv__room(vstate *vs, void **vec, size_t *cap, size_t n, size_t size);
/* A copy of s (NULL: ""), or NULL and oom. */
char *lgv__dup(vstate *vs, const char *s);
/* Account a's id, "?" when there is none. */
const char *lgv__acct_name(const vstate *vs, int32_t a);
void lgv__free(vstate *vs);
/* Scan one entry. 0 when it is not a JSON object of fields of the right
 * types; *why names the field at fault. */
int lgv__scan(vstate *vs, const char *text, size_t len, ventry *e, const char **why);
/* Apply entry seq to the state, noting what was not possible. */
void lgv__replay(vstate *vs, int64_t seq, const ventry *e);
/* Compare every table with the replayed state. */
zp_status lgv__check_tables(vstate *vs);

#endif
