/*
 * replay.c - verify's replay: every journal entry applied to the state
 * (records, their indexes, a treap of serial ranges per
 * project-vintage), checking that each entry was possible.
 */
#include <stdio.h>
#include <string.h>

#include "ledger/verify_impl.h"

/* ---- maps ----------------------------------------------------------------- */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static uint64_t int_hash(int64_t a, int64_t b)
{
    uint64_t x = (uint64_t)a * 0x9E3779B97F4A7C15u ^ ((uint64_t)b + 0x632BE59BD9B4E019u);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9u;
    x ^= x >> 29;
    return x;
}

static int32_t smap_find(const smap *m, const char *k)
{
    if (!m->cap)
        return -1;
    size_t i = (size_t)str_hash(k) & (m->cap - 1);
    while (m->s[i].k) {
        if (strcmp(m->s[i].k, k) == 0)
            return m->s[i].v;
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

/* k is kept (the record owns it); k is not in the map yet. */
static void smap_put(vstate *vs, smap *m, const char *k, int32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        struct sslot *ns = zp__calloc(vs->ctx, ncap, sizeof *ns);
        if (!ns) {
            vs->oom = 1;
            return;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->s[i].k) {
                size_t j = (size_t)str_hash(m->s[i].k) & (ncap - 1);
                while (ns[j].k)
                    j = (j + 1) & (ncap - 1);
                ns[j] = m->s[i];
            }
        zp__free(vs->ctx, m->s);
        m->s = ns;
        m->cap = ncap;
    }
    size_t i = (size_t)str_hash(k) & (m->cap - 1);
    while (m->s[i].k)
        i = (i + 1) & (m->cap - 1);
    m->s[i].k = k;
    m->s[i].v = v;
    m->n++;
}

static int32_t imap_find(const imap *m, int64_t a, int64_t b)
{
    if (!m->cap)
        return -1;
    size_t i = (size_t)int_hash(a, b) & (m->cap - 1);
    while (m->s[i].v1) {
        if (m->s[i].a == a && m->s[i].b == b)
            return m->s[i].v1 - 1;
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

static void imap_put(vstate *vs, imap *m, int64_t a, int64_t b, int32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        struct islot *ns = zp__calloc(vs->ctx, ncap, sizeof *ns);
        if (!ns) {
            vs->oom = 1;
            return;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->s[i].v1) {
                size_t j = (size_t)int_hash(m->s[i].a, m->s[i].b) & (ncap - 1);
                while (ns[j].v1)
                    j = (j + 1) & (ncap - 1);
                ns[j] = m->s[i];
            }
        zp__free(vs->ctx, m->s);
        m->s = ns;
        m->cap = ncap;
    }
    size_t i = (size_t)int_hash(a, b) & (m->cap - 1);
    while (m->s[i].v1)
        i = (i + 1) & (m->cap - 1);
    m->s[i].a = a;
    m->s[i].b = b;
    m->s[i].v1 = v + 1;
    m->n++;
}

/* ---- lookups and records ---------------------------------------------------- */

static int32_t std_get(vstate *vs, const char *name)
{
    int32_t k = smap_find(&vs->std_ix, name);
    if (k >= 0 || !lgv__room(vs, (void **)&vs->stds, &vs->cap_stds, vs->nstds, sizeof *vs->stds))
        return k;
    char *d = lgv__dup(vs, name);
    if (!d)
        return -1;
    k = (int32_t)vs->nstds++;
    vs->stds[k] = d;
    smap_put(vs, &vs->std_ix, d, k);
    return k;
}

static int32_t prod_get(vstate *vs, int32_t std, int64_t vintage)
{
    int32_t k = imap_find(&vs->prod_ix, std, vintage);
    if (k >= 0 ||
        !lgv__room(vs, (void **)&vs->prods, &vs->cap_prods, vs->nprods, sizeof *vs->prods))
        return k;
    k = (int32_t)vs->nprods++;
    vs->prods[k] = (v_prod){std, vintage};
    imap_put(vs, &vs->prod_ix, std, vintage, k);
    return k;
}

static int32_t pv_get(vstate *vs, int32_t proj, int64_t vintage, int create)
{
    int32_t k = imap_find(&vs->pv_ix, proj, vintage);
    if (k >= 0 || !create)
        return k;
    int32_t prod = prod_get(vs, vs->projs[proj].std, vintage);
    if (prod < 0 || !lgv__room(vs, (void **)&vs->pvs, &vs->cap_pvs, vs->npvs, sizeof *vs->pvs))
        return -1;
    k = (int32_t)vs->npvs++;
    vs->pvs[k] = (v_pv){proj, prod, -1, vintage, 0, 0, 0, 0};
    imap_put(vs, &vs->pv_ix, proj, vintage, k);
    return k;
}

static v_bal *bal_get(vstate *vs, int32_t acct, int32_t pv)
{
    int32_t k = imap_find(&vs->bal_ix, acct, pv);
    if (k < 0) {
        if (!lgv__room(vs, (void **)&vs->bals, &vs->cap_bals, vs->nbals, sizeof *vs->bals))
            return NULL;
        k = (int32_t)vs->nbals++;
        vs->bals[k] = (v_bal){acct, pv, 0, 0};
        imap_put(vs, &vs->bal_ix, acct, pv, k);
    }
    return &vs->bals[k];
}

static v_hold *hold_get(vstate *vs, int32_t acct, int32_t prod)
{
    int32_t k = imap_find(&vs->hold_ix, acct, prod);
    if (k < 0) {
        if (!lgv__room(vs, (void **)&vs->holds, &vs->cap_holds, vs->nholds, sizeof *vs->holds))
            return NULL;
        k = (int32_t)vs->nholds++;
        vs->holds[k] = (v_hold){0, 0};
        imap_put(vs, &vs->hold_ix, acct, prod, k);
    }
    return &vs->holds[k];
}

static v_order *order_find(vstate *vs, int64_t id)
{
    int32_t k = imap_find(&vs->order_ix, id, 0);
    return k < 0 ? NULL : &vs->orders[k];
}

/* ---- the treap of serial ranges ------------------------------------------------ */

static int32_t node_new(vstate *vs, int64_t first, int64_t last, int32_t acct, int state,
                        int64_t ret)
{
    int32_t k;
    if (vs->free_node >= 0) {
        k = vs->free_node;
        vs->free_node = vs->nodes[k].l;
    } else {
        if (!lgv__room(vs, (void **)&vs->nodes, &vs->cap_nodes, vs->nnodes, sizeof *vs->nodes))
            return -1;
        k = (int32_t)vs->nnodes++;
    }
    vs->rng ^= vs->rng << 13;
    vs->rng ^= vs->rng >> 17;
    vs->rng ^= vs->rng << 5;
    vs->nodes[k] = (v_node){first, last, ret, acct, -1, -1, vs->rng, (int8_t)state};
    return k;
}

/* Split t into the ranges starting before key (*l) and the others (*r). */
static void t_split(v_node *n, int32_t t, int64_t key, int32_t *l, int32_t *r)
{
    while (t >= 0) {
        if (n[t].first < key) {
            *l = t;
            l = &n[t].r;
            t = n[t].r;
        } else {
            *r = t;
            r = &n[t].l;
            t = n[t].l;
        }
    }
    *l = *r = -1;
}

static int32_t t_merge(v_node *n, int32_t a, int32_t b)
{
    int32_t root = -1, *at = &root;
    while (a >= 0 && b >= 0) {
        if (n[a].prio > n[b].prio) {
            *at = a;
            at = &n[a].r;
            a = n[a].r;
        } else {
            *at = b;
            at = &n[b].l;
            b = n[b].l;
        }
    }
    *at = a >= 0 ? a : b;
    return root;
}

static void t_insert(vstate *vs, int32_t *root, int32_t k)
{
    int32_t l, r;
    t_split(vs->nodes, *root, vs->nodes[k].first, &l, &r);
    *root = t_merge(vs->nodes, t_merge(vs->nodes, l, k), r);
}

/* Remove the range that starts at first. */
static void t_erase(vstate *vs, int32_t *root, int64_t first)
{
    int32_t l, m, r;
    t_split(vs->nodes, *root, first, &l, &r);
    t_split(vs->nodes, r, first + 1, &m, &r);
    if (m >= 0) {
        vs->nodes[m].l = vs->free_node;
        vs->free_node = m;
    }
    *root = t_merge(vs->nodes, l, r);
}

/* The range that starts at or before serial s; -1 when none. */
static int32_t t_find(const vstate *vs, int32_t t, int64_t s)
{
    int32_t best = -1;
    while (t >= 0) {
        if (vs->nodes[t].first <= s) {
            best = t;
            t = vs->nodes[t].r;
        } else {
            t = vs->nodes[t].l;
        }
    }
    return best;
}

/* ---- replay -------------------------------------------------------------------------- */

/* Fields each op needs. */
static const struct {
    const char *op;
    int fields[12];
} needs[] = {
    {"account", {F_ID, F_NAME, F_KIND}},
    {"project", {F_ID, F_NAME, F_STANDARD, F_LOCATION, F_AREA_CHA, F_METHODOLOGY, F_OWNER}},
    {"issue", {F_PROJECT, F_VINTAGE, F_TO, F_QTY, F_FIRST, F_LAST}},
    {"transfer", {F_FROM, F_TO, F_QTY, F_BLOCKS}},
    {"fill", {F_BUY_ORDER, F_SELL_ORDER, F_BUYER, F_SELLER, F_PRODUCT, F_PRICE, F_QTY,
              F_BLOCKS}},
    {"retire", {F_ACCOUNT, F_QTY, F_BLOCKS, F_RETIREMENT, F_BENEFICIARY, F_PURPOSE, F_PARK,
                F_YEAR}},
    {"cancel", {F_ACCOUNT, F_QTY, F_BLOCKS, F_REASON}},
    {"order", {F_ORDER, F_ACCOUNT, F_SIDE, F_TYPE, F_PRODUCT, F_PRICE, F_QTY}},
    {"order_cancel", {F_ORDER, F_REMAINING}},
};

/* An account named by field f of entry seq; -1 (reported) when unknown. */
static int32_t known_acct(vstate *vs, int64_t seq, const ventry *e, int f)
{
    int32_t a = smap_find(&vs->acct_ix, e->s[f]);
    if (a < 0)
        lgv__problem(vs, seq, "entry %lld: %s '%s' is not an account by the journal",
                     (long long)seq, lgv__fields[f].name, e->s[f]);
    return a;
}

/* "STD-VINTAGE" into its parts (std into a buffer of 17). */
static int product_split(const char *text, char *std, int64_t *vintage)
{
    const char *dash = strrchr(text, '-');
    size_t n = dash ? (size_t)(dash - text) : 0;
    if (!dash || n < 2 || n > 16 || strlen(dash + 1) != 4)
        return 0;
    int64_t v = 0;
    for (const char *p = dash + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
    }
    memcpy(std, text, n);
    std[n] = 0;
    *vintage = v;
    return 1;
}

/* What serial s of project-vintage pv is by the journal, as words. */
static void describe(const vstate *vs, const v_pv *pv, int64_t s, char *buf, size_t n)
{
    int32_t t = s >= 1 && s <= pv->issued ? t_find(vs, pv->root, s) : -1;
    if (t < 0)
        snprintf(buf, n, "was never issued (%lld were)", (long long)pv->issued);
    else if (vs->nodes[t].state == 1)
        snprintf(buf, n, "is retired (retirement %lld)", (long long)vs->nodes[t].ret);
    else if (vs->nodes[t].state == 2)
        snprintf(buf, n, "is cancelled");
    else
        snprintf(buf, n, "is held by '%s'", lgv__acct_name(vs, vs->nodes[t].acct));
}

/* Move serials [f, l] of pv from account from to account to (state 0),
 * or retire (1, retirement ret) or cancel (2) them. Checks that from
 * holds them all as active credits; 1 when applied. */
static int move_piece(vstate *vs, int64_t seq, const char *verb, int32_t pvi, int64_t f,
                      int64_t l, int32_t from, int32_t to, int state, int64_t ret)
{
    v_pv *pv = &vs->pvs[pvi];
    int32_t t = f <= pv->issued ? t_find(vs, pv->root, f) : -1;
    int holds = t >= 0 && vs->nodes[t].state == 0 && vs->nodes[t].acct == from;
    if (!holds || vs->nodes[t].last < l) {
        char why[160];
        describe(vs, pv, holds ? vs->nodes[t].last + 1 : f, why, sizeof why);
        lgv__problem(
            vs, seq,
            "entry %lld %s serials %lld-%lld of project '%s' vintage %lld from '%s', but by "
            "the journal serial %lld %s",
            (long long)seq, verb, (long long)f, (long long)l, vs->projs[pv->proj].id,
            (long long)pv->vintage, lgv__acct_name(vs, from),
            (long long)(holds ? vs->nodes[t].last + 1 : f), why);
        return 0;
    }
    int64_t q = l - f + 1;
    v_bal *b = bal_get(vs, from, pvi);
    v_hold *h = hold_get(vs, from, pv->prod);
    if (!b || !h)
        return 0;
    b->qty -= q;
    b->seq = seq;
    h->held -= q;
    if (state == 0) {
        if ((b = bal_get(vs, to, pvi)) == NULL || (h = hold_get(vs, to, vs->pvs[pvi].prod)) == NULL)
            return 0;
        b->qty += q;
        b->seq = seq;
        h->held += q;
    }
    pv = &vs->pvs[pvi];
    if (state == 1)
        pv->retired += q;
    else if (state == 2)
        pv->cancelled += q;
    pv->seq = seq;
    if (state == 0 && from == to)
        return 1; /* nothing moves (the entry is reported by the caller) */
    v_node old = vs->nodes[t];
    int32_t mid;
    if (old.first < f) {
        vs->nodes[t].last = f - 1; /* the head stays with from */
        if ((mid = node_new(vs, f, l, to, state, ret)) < 0)
            return 0;
        t_insert(vs, &vs->pvs[pvi].root, mid);
    } else {
        mid = t;
        vs->nodes[t].last = l;
        vs->nodes[t].acct = to;
        vs->nodes[t].state = (int8_t)state;
        vs->nodes[t].ret = ret;
    }
    if (old.last > l) {
        int32_t tail = node_new(vs, l + 1, old.last, from, 0, 0);
        if (tail < 0)
            return 0;
        t_insert(vs, &vs->pvs[pvi].root, tail);
    }
    if (state != 0)
        return 1;
    /* Canonical form: adjacent active ranges of one holder are one block. */
    int32_t *root = &vs->pvs[pvi].root;
    if (old.first == f && f > 1) {
        int32_t left = t_find(vs, *root, f - 1);
        if (left >= 0 && vs->nodes[left].last == f - 1 && vs->nodes[left].state == 0 &&
            vs->nodes[left].acct == to) {
            vs->nodes[left].last = vs->nodes[mid].last;
            t_erase(vs, root, f);
            mid = left;
        }
    }
    if (old.last == l) {
        int32_t right = t_find(vs, *root, l + 1);
        if (right >= 0 && vs->nodes[right].first == l + 1 && vs->nodes[right].state == 0 &&
            vs->nodes[right].acct == to) {
            vs->nodes[mid].last = vs->nodes[right].last;
            t_erase(vs, root, l + 1);
        }
    }
    return 1;
}

/* Apply the blocks of a transfer, fill, retirement or cancellation. One
 * project-vintage unless any (fills: one product). Returns the tonnes the
 * blocks list; *pv0 gets the first block's project-vintage (-1: none). */
static int64_t move_blocks(vstate *vs, int64_t seq, const ventry *e, const char *verb,
                           int32_t from, int32_t to, int state, int64_t ret, int one_pv,
                           int32_t *pv0)
{
    int64_t total = 0;
    *pv0 = -1;
    if (e->npieces == 0 || e->blocks_bad) {
        lgv__problem(vs, seq, "entry %lld: its blocks are not a list of [project, vintage, first, "
                              "last] ranges",
                     (long long)seq);
        return 0;
    }
    for (size_t i = 0; i < e->npieces && !vs->oom; i++) {
        const v_piece *pc = &vs->pieces[i];
        int32_t p = smap_find(&vs->proj_ix, pc->proj);
        int32_t pvi = p >= 0 ? pv_get(vs, p, pc->vintage, 0) : -1;
        total += pc->last - pc->first + 1;
        if (pvi < 0) {
            lgv__problem(vs, seq,
                         "entry %lld: project '%s' vintage %lld has no credits by the journal",
                         (long long)seq, pc->proj, (long long)pc->vintage);
            continue;
        }
        if (*pv0 < 0) {
            *pv0 = pvi;
        } else if (one_pv ? pvi != *pv0 : vs->pvs[pvi].prod != vs->pvs[*pv0].prod) {
            lgv__problem(vs, seq, "entry %lld: its blocks are of more than one %s", (long long)seq,
                         one_pv ? "project-vintage" : "product");
            continue;
        }
        move_piece(vs, seq, verb, pvi, pc->first, pc->last, from, to, state, ret);
    }
    return total;
}

/* Reserved credits stay: after entry seq, account a still holds what its
 * open sell orders of product prod offer. */
static void check_reserved(vstate *vs, int64_t seq, int32_t a, int32_t pvi)
{
    if (pvi < 0)
        return;
    int32_t prod = vs->pvs[pvi].prod, k = imap_find(&vs->hold_ix, a, prod);
    if (k >= 0 && vs->holds[k].held < vs->holds[k].reserved)
        lgv__problem(vs, seq,
                     "entry %lld leaves account '%s' %lld t of %s-%lld, but its open sell orders "
                     "offer %lld t by the journal",
                     (long long)seq, lgv__acct_name(vs, a), (long long)vs->holds[k].held,
                     vs->stds[vs->prods[prod].std], (long long)vs->prods[prod].vintage,
                     (long long)vs->holds[k].reserved);
}

static void check_qty(vstate *vs, int64_t seq, const ventry *e, int64_t total)
{
    if (total != e->i[F_QTY])
        lgv__problem(vs, seq, "entry %lld: its blocks hold %lld t but its qty is %lld",
                     (long long)seq, (long long)total, (long long)e->i[F_QTY]);
}

static void replay_account(vstate *vs, int64_t seq, const ventry *e)
{
    if (smap_find(&vs->acct_ix, e->s[F_ID]) >= 0) {
        lgv__problem(vs, seq, "entry %lld creates account '%s' a second time", (long long)seq,
                     e->s[F_ID]);
        return;
    }
    int kind_ok = 0;
    for (size_t k = 0; k < ZP_ARRAY_LEN(lg__account_kinds); k++)
        kind_ok |= strcmp(e->s[F_KIND], lg__account_kinds[k]) == 0;
    if (!kind_ok)
        lgv__problem(vs, seq, "entry %lld: '%s' is not a kind of account", (long long)seq,
                     e->s[F_KIND]);
    if (!lgv__room(vs, (void **)&vs->accts, &vs->cap_accts, vs->naccts, sizeof *vs->accts))
        return;
    v_acct a = {lgv__dup(vs, e->s[F_ID]), lgv__dup(vs, e->s[F_NAME]),
                lgv__dup(vs, e->s[F_KIND]), seq};
    vs->accts[vs->naccts] = a;
    if (a.id)
        smap_put(vs, &vs->acct_ix, a.id, (int32_t)vs->naccts);
    vs->naccts++;
}

static void replay_project(vstate *vs, int64_t seq, const ventry *e)
{
    if (smap_find(&vs->proj_ix, e->s[F_ID]) >= 0) {
        lgv__problem(vs, seq, "entry %lld creates project '%s' a second time", (long long)seq,
                     e->s[F_ID]);
        return;
    }
    int32_t owner = known_acct(vs, seq, e, F_OWNER);
    int32_t std = std_get(vs, e->s[F_STANDARD]);
    if (std < 0 ||
        !lgv__room(vs, (void **)&vs->projs, &vs->cap_projs, vs->nprojs, sizeof *vs->projs))
        return;
    v_proj p = {lgv__dup(vs, e->s[F_ID]),       lgv__dup(vs, e->s[F_NAME]),
                lgv__dup(vs, e->s[F_LOCATION]), lgv__dup(vs, e->s[F_METHODOLOGY]),
                std,                               owner,
                e->i[F_AREA_CHA],                  seq};
    vs->projs[vs->nprojs] = p;
    if (p.id)
        smap_put(vs, &vs->proj_ix, p.id, (int32_t)vs->nprojs);
    vs->nprojs++;
}

static void replay_issue(vstate *vs, int64_t seq, const ventry *e)
{
    int32_t p = smap_find(&vs->proj_ix, e->s[F_PROJECT]);
    int32_t to = known_acct(vs, seq, e, F_TO);
    if (p < 0)
        lgv__problem(vs, seq,
                     "entry %lld issues credits of project '%s', which is not a project by "
                     "the journal",
                     (long long)seq, e->s[F_PROJECT]);
    if (p < 0 || to < 0)
        return;
    int64_t v = e->i[F_VINTAGE], q = e->i[F_QTY];
    int32_t pvi = pv_get(vs, p, v, 1);
    if (pvi < 0)
        return;
    v_pv *pv = &vs->pvs[pvi];
    if (v < 1900 || v > 2200 || q < 1 || q > LG_MAX_QTY - pv->issued ||
        e->i[F_FIRST] != pv->issued + 1 || e->i[F_LAST] != pv->issued + q) {
        lgv__problem(
            vs, seq,
            "entry %lld issues serials %lld-%lld (%lld t) of project '%s' vintage %lld; by "
            "the journal the next serial is %lld",
            (long long)seq, (long long)e->i[F_FIRST], (long long)e->i[F_LAST], (long long)q,
            e->s[F_PROJECT], (long long)v, (long long)(pv->issued + 1));
        return;
    }
    int64_t first = pv->issued + 1, last = pv->issued + q;
    int32_t left = first > 1 ? t_find(vs, pv->root, first - 1) : -1;
    if (left >= 0 && vs->nodes[left].state == 0 && vs->nodes[left].acct == to &&
        vs->nodes[left].last == first - 1) {
        vs->nodes[left].last = last;
    } else {
        int32_t k = node_new(vs, first, last, to, 0, 0);
        if (k < 0)
            return;
        t_insert(vs, &vs->pvs[pvi].root, k);
    }
    pv = &vs->pvs[pvi];
    pv->issued += q;
    pv->seq = seq;
    v_bal *b = bal_get(vs, to, pvi);
    v_hold *h = hold_get(vs, to, vs->pvs[pvi].prod);
    if (!b || !h)
        return;
    b->qty += q;
    b->seq = seq;
    h->held += q;
}

static void replay_transfer(vstate *vs, int64_t seq, const ventry *e)
{
    int32_t from = known_acct(vs, seq, e, F_FROM), to = known_acct(vs, seq, e, F_TO), pv0;
    if (from < 0 || to < 0)
        return;
    if (from == to)
        lgv__problem(vs, seq, "entry %lld transfers from account '%s' to itself", (long long)seq,
                     e->s[F_FROM]);
    check_qty(vs, seq, e, move_blocks(vs, seq, e, "moves", from, to, 0, 0, 1, &pv0));
    check_reserved(vs, seq, from, pv0);
}

static void replay_fill(vstate *vs, int64_t seq, const ventry *e)
{
    int32_t buyer = known_acct(vs, seq, e, F_BUYER), seller = known_acct(vs, seq, e, F_SELLER);
    if (buyer < 0 || seller < 0)
        return;
    v_order *bo = order_find(vs, e->i[F_BUY_ORDER]), *so = order_find(vs, e->i[F_SELL_ORDER]);
    int64_t q = e->i[F_QTY], price = e->i[F_PRICE];
    if (q < 1 || q > LG_MAX_QTY) {
        lgv__problem(vs, seq, "entry %lld fills %lld t", (long long)seq, (long long)q);
        return;
    }
    char std[17];
    int64_t vin = 0;
    int32_t s = product_split(e->s[F_PRODUCT], std, &vin) ? smap_find(&vs->std_ix, std) : -1;
    v_order *ord[2] = {bo, so};
    for (int k = 0; k < 2; k++) {
        v_order *o = ord[k];
        int64_t id = e->i[k ? F_SELL_ORDER : F_BUY_ORDER];
        if (!o || o->state != 0 || o->remaining < q || o->side != k ||
            o->acct != (k ? seller : buyer) || o->std != s || o->vintage != vin)
            lgv__problem(
                vs, seq,
                "entry %lld fills %lld t of %s order %lld of '%s' in %s, but by the journal "
                "that order %s",
                (long long)seq, (long long)q, k ? "sell" : "buy", (long long)id,
                e->s[k ? F_SELLER : F_BUYER], e->s[F_PRODUCT],
                !o                                 ? "was never placed"
                : o->side != k                     ? "is on the other side"
                : o->acct != (k ? seller : buyer)  ? "belongs to another account"
                : o->std != s || o->vintage != vin ? "is for another product"
                : o->state != 0                    ? (o->state == 1 ? "is filled" : "is cancelled")
                                                   : "has less left");
    }
    if (buyer == seller)
        lgv__problem(vs, seq, "entry %lld: account '%s' trades with itself (a self-trade)",
                     (long long)seq, e->s[F_BUYER]);
    if (bo && so && bo->side == 0 && so->side == 1) {
        /* The resting order (placed first) sets the price; the incoming one
         * must accept it. */
        v_order *maker = bo->id < so->id ? bo : so, *taker = maker == bo ? so : bo;
        if (maker->market || price != maker->price ||
            (!taker->market && (taker->side == 0 ? price > taker->price : price < taker->price)))
            lgv__problem(
                vs, seq,
                "entry %lld fills at %lld fen/t, but by the journal the resting order %lld "
                "asks %lld fen/t and order %lld %s",
                (long long)seq, (long long)price, (long long)maker->id, (long long)maker->price,
                (long long)taker->id,
                taker->market      ? "is a market order"
                : taker->side == 0 ? "bids less"
                                   : "asks more");
    }
    int32_t pv0;
    check_qty(vs, seq, e, move_blocks(vs, seq, e, "moves", seller, buyer, 0, 0, 0, &pv0));
    if (pv0 >= 0 && (s < 0 || vs->prods[vs->pvs[pv0].prod].std != s ||
                     vs->prods[vs->pvs[pv0].prod].vintage != vin))
        lgv__problem(vs, seq, "entry %lld: its blocks are not credits of %s", (long long)seq,
                     e->s[F_PRODUCT]);
    if (!vs->oom &&
        lgv__room(vs, (void **)&vs->fills, &vs->cap_fills, vs->nfills, sizeof *vs->fills))
        vs->fills[vs->nfills++] =
            (v_fill){e->i[F_BUY_ORDER], e->i[F_SELL_ORDER], vin, price, q, seq, buyer, seller, s};
    for (int k = 0; k < 2; k++) {
        v_order *o = ord[k];
        if (!o || o->state != 0)
            continue;
        o->remaining -= q < o->remaining ? q : o->remaining;
        o->seq = seq;
        if (o->remaining == 0)
            o->state = 1;
        if (k == 1) {
            int32_t prod = s >= 0 ? prod_get(vs, s, vin) : -1;
            v_hold *h = prod >= 0 ? hold_get(vs, o->acct, prod) : NULL;
            if (h)
                h->reserved -= q;
        }
    }
}

/* The serial texts of entry e's blocks as lg_retirement keeps them: the
 * canonical JSON array ["STD-PROJECT-VINTAGE-FIRST-LAST", ...]. */
static char *serials_text(vstate *vs, const ventry *e)
{
    size_t cap = 3, n = 0;
    for (size_t i = 0; i < e->npieces; i++)
        cap += strlen(vs->pieces[i].proj) + 16 + 3 * 20 + 8;
    char *t = zp__malloc(vs->ctx, cap);
    if (!t) {
        vs->oom = 1;
        return NULL;
    }
    t[n++] = '[';
    for (size_t i = 0; i < e->npieces; i++) {
        const v_piece *pc = &vs->pieces[i];
        int32_t p = smap_find(&vs->proj_ix, pc->proj);
        n += (size_t)snprintf(t + n, cap - n, "%s\"%s-%s-%lld-%lld-%lld\"", i ? "," : "",
                              p >= 0 ? vs->stds[vs->projs[p].std] : "?", pc->proj,
                              (long long)pc->vintage, (long long)pc->first,
                              (long long)pc->last);
    }
    t[n++] = ']';
    t[n] = 0;
    return t;
}

static void replay_retire_cancel(vstate *vs, int64_t seq, const ventry *e, int retire,
                                 int64_t at)
{
    int32_t a = known_acct(vs, seq, e, F_ACCOUNT), pv0;
    if (a < 0)
        return;
    int64_t id = retire ? e->i[F_RETIREMENT] : 0;
    if (retire && (id < 1 || imap_find(&vs->ret_ix, id, 0) >= 0)) {
        lgv__problem(vs, seq, "entry %lld records retirement %lld a second time", (long long)seq,
                     (long long)id);
        id = -seq; /* keep the blocks apart from the first one */
    }
    int64_t total = move_blocks(vs, seq, e, retire ? "retires" : "cancels", a, a, retire ? 1 : 2,
                                id, 1, &pv0);
    check_qty(vs, seq, e, total);
    check_reserved(vs, seq, a, pv0);
    if (!retire || id < 1 || vs->oom ||
        !lgv__room(vs, (void **)&vs->rets, &vs->cap_rets, vs->nrets, sizeof *vs->rets))
        return;
    int64_t y = e->i[F_YEAR];
    if (y < 1900 || y > 2200)
        lgv__problem(vs, seq, "entry %lld retires against year %lld", (long long)seq, (long long)y);
    v_ret r = {id,
               pv0 >= 0 ? vs->pvs[pv0].vintage : e->npieces ? vs->pieces[0].vintage : 0,
               e->i[F_QTY],
               y,
               seq,
               at,
               a,
               pv0 >= 0 ? vs->pvs[pv0].proj : -1,
               lgv__dup(vs, e->s[F_BENEFICIARY]),
               lgv__dup(vs, e->s[F_PURPOSE]),
               lgv__dup(vs, e->s[F_PARK]),
               serials_text(vs, e)};
    vs->rets[vs->nrets] = r;
    imap_put(vs, &vs->ret_ix, id, 0, (int32_t)vs->nrets);
    vs->nrets++;
}

static void replay_order(vstate *vs, int64_t seq, const ventry *e)
{
    int64_t id = e->i[F_ORDER];
    if (id < 1 || order_find(vs, id)) {
        lgv__problem(vs, seq, "entry %lld places order %lld a second time", (long long)seq,
                     (long long)id);
        return;
    }
    int32_t a = known_acct(vs, seq, e, F_ACCOUNT);
    char std[17];
    int64_t vin = 0;
    const char *side = e->s[F_SIDE], *type = e->s[F_TYPE];
    int sell = strcmp(side, "sell") == 0, market = strcmp(type, "market") == 0;
    int64_t q = e->i[F_QTY], price = e->i[F_PRICE];
    int32_t s = product_split(e->s[F_PRODUCT], std, &vin) ? std_get(vs, std) : -1;
    if (s < 0 || (!sell && strcmp(side, "buy") != 0) ||
        (!market && strcmp(type, "limit") != 0) || q < 1 || q > LG_MAX_QTY ||
        (market ? price != 0 : price < 1 || price > LG_MAX_PRICE))
        lgv__problem(vs, seq,
                     "entry %lld: order %lld (%s %s %lld t of '%s' at %lld) is not an order "
                     "the ledger takes",
                     (long long)seq, (long long)id, type, side, (long long)q, e->s[F_PRODUCT],
                     (long long)price);
    if (a < 0 || s < 0)
        return;
    if (sell) {
        int32_t prod = prod_get(vs, s, vin);
        v_hold *h = prod >= 0 ? hold_get(vs, a, prod) : NULL;
        if (!h)
            return;
        if (h->held - h->reserved < q)
            lgv__problem(
                vs, seq,
                "entry %lld: account '%s' offers %lld t of %s, but by the journal it holds "
                "%lld t of which %lld t are already offered",
                (long long)seq, e->s[F_ACCOUNT], (long long)q, e->s[F_PRODUCT], (long long)h->held,
                (long long)h->reserved);
        h->reserved += q;
    }
    if (!lgv__room(vs, (void **)&vs->orders, &vs->cap_orders, vs->norders, sizeof *vs->orders))
        return;
    vs->orders[vs->norders] =
        (v_order){id, vin, price, q, q, seq, a, s, (int8_t)sell, (int8_t)market, 0};
    imap_put(vs, &vs->order_ix, id, 0, (int32_t)vs->norders);
    vs->norders++;
}

static void replay_order_cancel(vstate *vs, int64_t seq, const ventry *e)
{
    v_order *o = order_find(vs, e->i[F_ORDER]);
    if (!o || o->state != 0 || o->remaining != e->i[F_REMAINING]) {
        lgv__problem(
            vs, seq,
            "entry %lld cancels order %lld with %lld t left, but by the journal that order "
            "%s",
            (long long)seq, (long long)e->i[F_ORDER], (long long)e->i[F_REMAINING],
            !o              ? "was never placed"
            : o->state == 1 ? "is filled"
            : o->state == 2 ? "is cancelled"
                            : "has another quantity left");
        if (!o || o->state)
            return;
    }
    if (o->side == 1) {
        int32_t prod = prod_get(vs, o->std, o->vintage);
        v_hold *h = prod >= 0 ? hold_get(vs, o->acct, prod) : NULL;
        if (h)
            h->reserved -= o->remaining;
    }
    o->state = 2;
    o->seq = seq;
}

void lgv__replay(vstate *vs, int64_t seq, const ventry *e)
{
    const char *op = e->s[F_OP];
    size_t k;
    for (k = 0; k < ZP_ARRAY_LEN(needs); k++)
        if (strcmp(needs[k].op, op) == 0)
            break;
    if (k == ZP_ARRAY_LEN(needs)) {
        lgv__problem(vs, seq, "entry %lld has an unknown op '%s'", (long long)seq, op);
        return;
    }
    for (int i = 0; i < 12 && needs[k].fields[i]; i++)
        if (!HAS(e, needs[k].fields[i])) {
            lgv__problem(vs, seq, "entry %lld (%s) has no \"%s\"", (long long)seq, op,
                         lgv__fields[needs[k].fields[i]].name);
            return;
        }
    switch (k) {
    case 0: replay_account(vs, seq, e); break;
    case 1: replay_project(vs, seq, e); break;
    case 2: replay_issue(vs, seq, e); break;
    case 3: replay_transfer(vs, seq, e); break;
    case 4: replay_fill(vs, seq, e); break;
    case 5: replay_retire_cancel(vs, seq, e, 1, HAS(e, F_AT) ? e->i[F_AT] : 0); break;
    case 6: replay_retire_cancel(vs, seq, e, 0, 0); break;
    case 7: replay_order(vs, seq, e); break;
    default: replay_order_cancel(vs, seq, e); break;
    }
}
