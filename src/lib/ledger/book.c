/*
 * book.c - the in-memory matching engine: one product's order book
 * with price-time priority.
 *
 * Each side is an array of price levels sorted so that the best price is
 * the last element (bids ascending, asks descending): orders arrive near
 * the top of the book, so inserting or removing a level moves few bytes
 * and matching pops from the end. A level is a doubly linked FIFO of order
 * nodes in one pool (indices, not pointers, so the pool can grow); a free
 * list recycles nodes. An open-addressing map (linear probing, deletion by
 * backward shift, no tombstones) finds a node by order id for cancel.
 */
#include <string.h>

#include "core/internal.h"
#include "zeropark/ledger.h"

#define NIL UINT32_MAX

typedef struct bk_node {
    uint64_t id;
    int64_t price;
    int64_t qty;
    uint32_t prev, next; /* neighbours in the level's FIFO */
    uint8_t side;
} bk_node;

typedef struct bk_level {
    int64_t price;
    int64_t qty; /* total resting at this price */
    uint32_t head, tail;
} bk_level;

typedef struct bk_side {
    bk_level *lv; /* sorted, best price last */
    size_t n, cap;
} bk_side;

struct zp_book {
    zp_ctx *ctx;
    bk_side side[2];
    bk_node *node;
    size_t nnode, capnode;
    uint32_t free_head;
    size_t count;
    /* id -> node index; keys 0 = empty slot */
    uint64_t *mkey;
    uint32_t *mval;
    size_t mcap; /* power of two */
    size_t mused;
};

static size_t map_slot(uint64_t id, size_t mask)
{
    uint64_t h = id * 0x9E3779B97F4A7C15u;
    return (size_t)(h >> 17) & mask;
}

static zp_status map_grow(zp_book *b)
{
    size_t ncap = b->mcap ? b->mcap * 2 : 1024;
    uint64_t *k = zp__calloc(b->ctx, ncap, sizeof *k);
    uint32_t *v = zp__malloc(b->ctx, ncap * sizeof *v);
    if (!k || !v) {
        zp__free(b->ctx, k);
        zp__free(b->ctx, v);
        return zp__nomem(b->ctx);
    }
    for (size_t i = 0; i < b->mcap; i++) {
        if (!b->mkey[i])
            continue;
        size_t s = map_slot(b->mkey[i], ncap - 1);
        while (k[s])
            s = (s + 1) & (ncap - 1);
        k[s] = b->mkey[i];
        v[s] = b->mval[i];
    }
    zp__free(b->ctx, b->mkey);
    zp__free(b->ctx, b->mval);
    b->mkey = k;
    b->mval = v;
    b->mcap = ncap;
    return ZP_OK;
}

static uint32_t map_get(const zp_book *b, uint64_t id)
{
    if (!b->mcap)
        return NIL;
    size_t mask = b->mcap - 1;
    for (size_t s = map_slot(id, mask);; s = (s + 1) & mask) {
        if (b->mkey[s] == id)
            return b->mval[s];
        if (!b->mkey[s])
            return NIL;
    }
}

static zp_status map_put(zp_book *b, uint64_t id, uint32_t v)
{
    if ((b->mused + 1) * 2 > b->mcap) {
        zp_status rc = map_grow(b);
        if (rc)
            return rc;
    }
    size_t mask = b->mcap - 1;
    size_t s = map_slot(id, mask);
    while (b->mkey[s])
        s = (s + 1) & mask;
    b->mkey[s] = id;
    b->mval[s] = v;
    b->mused++;
    return ZP_OK;
}

static void map_del(zp_book *b, uint64_t id)
{
    size_t mask = b->mcap - 1;
    size_t s = map_slot(id, mask);
    while (b->mkey[s] != id) {
        if (!b->mkey[s])
            return;
        s = (s + 1) & mask;
    }
    /* Backward-shift: move later members of the probe run into the hole
     * when their home slot does not lie cyclically in (hole, j]. */
    size_t hole = s;
    for (size_t j = (s + 1) & mask; b->mkey[j]; j = (j + 1) & mask) {
        size_t home = map_slot(b->mkey[j], mask);
        int between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!between) {
            b->mkey[hole] = b->mkey[j];
            b->mval[hole] = b->mval[j];
            hole = j;
        }
    }
    b->mkey[hole] = 0;
    b->mused--;
}

zp_status zp_book_new(zp_ctx *ctx, zp_book **out)
{
    if (!ctx || !out)
        return ZP_EINVAL;
    *out = NULL;
    zp_book *b = zp__calloc(ctx, 1, sizeof *b);
    if (!b)
        return zp__nomem(ctx);
    b->ctx = ctx;
    b->free_head = NIL;
    *out = b;
    return ZP_OK;
}

void zp_book_free(zp_book *b)
{
    if (!b)
        return;
    zp_ctx *ctx = b->ctx;
    zp__free(ctx, b->side[0].lv);
    zp__free(ctx, b->side[1].lv);
    zp__free(ctx, b->node);
    zp__free(ctx, b->mkey);
    zp__free(ctx, b->mval);
    zp__free(ctx, b);
}

/* "a is a better price than b" on side s. */
static int better(int s, int64_t a, int64_t b)
{
    return s == ZP_BUY ? a > b : a < b;
}

/* Index of the level with price p on side s, or where it would be
 * inserted (*found = 0). Levels are sorted worst..best. */
static size_t level_find(const bk_side *sd, int s, int64_t p, int *found)
{
    size_t lo = 0, hi = sd->n;
    /* Most traffic is at the top: check the best levels first. */
    if (hi && sd->lv[hi - 1].price == p) {
        *found = 1;
        return hi - 1;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t mp = sd->lv[mid].price;
        if (mp == p) {
            *found = 1;
            return mid;
        }
        if (better(s, p, mp))
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

static uint32_t node_alloc(zp_book *b)
{
    if (b->free_head != NIL) {
        uint32_t i = b->free_head;
        b->free_head = b->node[i].next;
        return i;
    }
    if (b->nnode == b->capnode) {
        if (b->capnode >= NIL - 1)
            return NIL;
        if (zp__grow(b->ctx, (void **)&b->node, &b->capnode, b->nnode + 1, sizeof *b->node))
            return NIL;
    }
    return (uint32_t)b->nnode++;
}

static void node_release(zp_book *b, uint32_t i)
{
    b->node[i].next = b->free_head;
    b->free_head = i;
}

/* Rest order (id, qty) at price on side s. */
static zp_status rest(zp_book *b, int s, uint64_t id, int64_t price, int64_t qty)
{
    bk_side *sd = &b->side[s];
    int found;
    size_t at = level_find(sd, s, price, &found);
    uint32_t ni = node_alloc(b);
    if (ni == NIL)
        return zp__nomem(b->ctx);
    zp_status rc = map_put(b, id, ni);
    if (rc) {
        node_release(b, ni);
        return rc;
    }
    if (!found) {
        if (sd->n == sd->cap &&
            (rc = zp__grow(b->ctx, (void **)&sd->lv, &sd->cap, sd->n + 1, sizeof *sd->lv))) {
            map_del(b, id);
            node_release(b, ni);
            return rc;
        }
        memmove(sd->lv + at + 1, sd->lv + at, (sd->n - at) * sizeof *sd->lv);
        sd->lv[at] = (bk_level){price, 0, NIL, NIL};
        sd->n++;
    }
    bk_level *L = &sd->lv[at];
    bk_node *nd = &b->node[ni];
    nd->id = id;
    nd->price = price;
    nd->qty = qty;
    nd->side = (uint8_t)s;
    nd->next = NIL;
    nd->prev = L->tail;
    if (L->tail != NIL)
        b->node[L->tail].next = ni;
    else
        L->head = ni;
    L->tail = ni;
    L->qty += qty;
    b->count++;
    return ZP_OK;
}

/* Unlink node ni from level L (of side sd at index at), freeing the level
 * when it empties. */
static void unlink_node(zp_book *b, bk_side *sd, size_t at, uint32_t ni)
{
    bk_level *L = &sd->lv[at];
    bk_node *nd = &b->node[ni];
    if (nd->prev != NIL)
        b->node[nd->prev].next = nd->next;
    else
        L->head = nd->next;
    if (nd->next != NIL)
        b->node[nd->next].prev = nd->prev;
    else
        L->tail = nd->prev;
    L->qty -= nd->qty;
    map_del(b, nd->id);
    node_release(b, ni);
    b->count--;
    if (L->head == NIL) {
        memmove(sd->lv + at, sd->lv + at + 1, (sd->n - at - 1) * sizeof *sd->lv);
        sd->n--;
    }
}

zp_status zp_book_submit(zp_book *b, uint64_t id, zp_side side, int market, int64_t price,
                         int64_t qty, zp_book_fill_fn fn, void *ud, int64_t *rested)
{
    if (rested)
        *rested = 0;
    if (!b)
        return ZP_EINVAL;
    if (side != ZP_BUY && side != ZP_SELL)
        return zp__error(b->ctx, ZP_EINVAL, "order %llu: side must be buy or sell",
                         (unsigned long long)id);
    if (id == 0 || qty <= 0 || (!market && price <= 0))
        return zp__error(b->ctx, ZP_EINVAL,
                         "order %llu: id, quantity and (for a limit order) price must be > 0",
                         (unsigned long long)id);
    if (map_get(b, id) != NIL)
        return zp__error(b->ctx, ZP_EINVAL, "order %llu is already in the book",
                         (unsigned long long)id);
    int other = side == ZP_BUY ? ZP_SELL : ZP_BUY;
    bk_side *os = &b->side[other];
    while (qty > 0 && os->n > 0) {
        size_t at = os->n - 1;
        bk_level *L = &os->lv[at];
        if (!market && (side == ZP_BUY ? L->price > price : L->price < price))
            break; /* the best opposite price does not cross the limit */
        uint32_t ni = L->head;
        bk_node *nd = &b->node[ni];
        int64_t q = nd->qty < qty ? nd->qty : qty;
        zp_book_fill f = {nd->id, id, side, L->price, q};
        if (fn && fn(ud, &f) != 0)
            return ZP_EDATA; /* the callback's own error stays on the context */
        qty -= q;
        if (q == nd->qty) {
            unlink_node(b, os, at, ni);
        } else {
            nd->qty -= q;
            L->qty -= q;
        }
    }
    if (qty > 0 && !market) {
        zp_status rc = rest(b, side, id, price, qty);
        if (rc)
            return rc;
    }
    if (rested)
        *rested = qty;
    return ZP_OK;
}

zp_status zp_book_cancel(zp_book *b, uint64_t id, int64_t *remaining)
{
    if (remaining)
        *remaining = 0;
    if (!b)
        return ZP_EINVAL;
    uint32_t ni = map_get(b, id);
    if (ni == NIL)
        return zp__error(b->ctx, ZP_ENOTFOUND, "order %llu is not in the book",
                         (unsigned long long)id);
    int s = b->node[ni].side;
    bk_side *sd = &b->side[s];
    int found;
    size_t at = level_find(sd, s, b->node[ni].price, &found);
    if (!found)
        return zp__error(b->ctx, ZP_ECORRUPT, "order %llu: its price level is missing",
                         (unsigned long long)id);
    if (remaining)
        *remaining = b->node[ni].qty;
    unlink_node(b, sd, at, ni);
    return ZP_OK;
}

int64_t zp_book_best(const zp_book *b, zp_side side, int64_t *qty)
{
    if (qty)
        *qty = 0;
    if (!b || (side != ZP_BUY && side != ZP_SELL) || b->side[side].n == 0)
        return 0;
    const bk_level *L = &b->side[side].lv[b->side[side].n - 1];
    if (qty)
        *qty = L->qty;
    return L->price;
}

size_t zp_book_count(const zp_book *b)
{
    return b ? b->count : 0;
}

void zp_book_each(const zp_book *b, zp_side side, zp_book_visit_fn fn, void *ud)
{
    if (!b || !fn || (side != ZP_BUY && side != ZP_SELL))
        return;
    const bk_side *sd = &b->side[side];
    for (size_t k = sd->n; k-- > 0;)
        for (uint32_t ni = sd->lv[k].head; ni != NIL; ni = b->node[ni].next)
            fn(ud, b->node[ni].id, b->node[ni].price, b->node[ni].qty);
}
