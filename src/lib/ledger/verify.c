/*
 * ledger_verify.c - verify and export.
 *
 * verify trusts nothing but the journal. It recomputes the hash chain and
 * replays every entry from entry 1 into the whole state of the registry:
 * accounts and projects; per project-vintage the serial ranges with their
 * holder and state (active, retired with its retirement number,
 * cancelled) in the canonical block form of docs/credits.md; balances and
 * issued/retired/cancelled totals; every retirement record; every order
 * with what is left of it and what open sell orders reserve; every fill.
 * While replaying it checks that each entry was possible: the sender holds
 * every serial it gives, nothing is retired or cancelled twice, reserved
 * credits stay, a fill matches open orders of two different accounts at
 * the resting order's price. Then it compares that state with every table
 * row by row (lg_account, lg_project, lg_pv, lg_balance, lg_block,
 * lg_retirement, lg_order, lg_fill) and names the first difference of each
 * table: its key, the column, the table's value and the journal's.
 *
 * A million entries replay in about a second of CPU, so the entries
 * are read by a scanner of their own (no jansson tree per entry) and the
 * serial ranges of a project-vintage live in a treap keyed by the first
 * serial.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/verify_impl.h"

#define MAX_PROBLEMS 50

/* ---- fields of an entry --------------------------------------------------- */

const vfield_def lgv__fields[F_COUNT] = {
    [F_OP] = {"op", 's'}, [F_SEQ] = {"seq", 'i'}, [F_AT] = {"at", 'i'}, [F_ID] = {"id", 's'},
    [F_NAME] = {"name", 's'}, [F_KIND] = {"kind", 's'}, [F_STANDARD] = {"standard", 's'},
    [F_LOCATION] = {"location", 's'}, [F_AREA_CHA] = {"area_cha", 'i'},
    [F_METHODOLOGY] = {"methodology", 's'}, [F_OWNER] = {"owner", 's'},
    [F_PROJECT] = {"project", 's'}, [F_VINTAGE] = {"vintage", 'i'}, [F_TO] = {"to", 's'},
    [F_QTY] = {"qty", 'i'}, [F_FIRST] = {"first", 'i'}, [F_LAST] = {"last", 'i'},
    [F_VERIFICATION] = {"verification", 's'}, [F_FROM] = {"from", 's'},
    [F_BLOCKS] = {"blocks", 'b'}, [F_ACCOUNT] = {"account", 's'},
    [F_RETIREMENT] = {"retirement", 'i'}, [F_BENEFICIARY] = {"beneficiary", 's'},
    [F_PURPOSE] = {"purpose", 's'}, [F_PARK] = {"park", 's'}, [F_YEAR] = {"year", 'i'},
    [F_REASON] = {"reason", 's'}, [F_ORDER] = {"order", 'i'}, [F_SIDE] = {"side", 's'},
    [F_TYPE] = {"type", 's'}, [F_PRODUCT] = {"product", 's'}, [F_PRICE] = {"price", 'i'},
    [F_BUY_ORDER] = {"buy_order", 'i'}, [F_SELL_ORDER] = {"sell_order", 'i'},
    [F_BUYER] = {"buyer", 's'}, [F_SELLER] = {"seller", 's'},
    [F_REMAINING] = {"remaining", 'i'},
};

void lgv__problem(vstate *vs, int64_t seq, const char *fmt, ...)
{
    if (seq > 0 && (vs->first_bad == 0 || seq < vs->first_bad))
        vs->first_bad = seq;
    if (vs->nproblems++ >= MAX_PROBLEMS)
        return;
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_t *p = seq > 0 ? json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "message", buf)
                        : json_pack("{s:s}", "message", buf);
    if (!p || json_array_append_new(vs->problems, p))
        vs->oom = 1;
}

/* Room for one more element in *vec; 0 (and oom) when out of memory. */
int lgv__room(vstate *vs, void **vec, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    if (zp__grow(vs->ctx, vec, cap, n + 1, size)) {
        vs->oom = 1;
        return 0;
    }
    return 1;
}

char *lgv__dup(vstate *vs, const char *s)
{
    char *d = zp__strdup(vs->ctx, s ? s : "");
    if (!d)
        vs->oom = 1;
    return d;
}

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

const char *lgv__acct_name(const vstate *vs, int32_t a)
{
    return a >= 0 && (size_t)a < vs->naccts ? vs->accts[a].id : "?";
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

/* ---- the entry scanner ------------------------------------------------------------
 * Walks the text once; strings are unescaped (\" \\ \/ \b \f \n \r \t \uXXXX
 * with surrogate pairs) into the arena, which is as long as the text. */

typedef struct vscan {
    const char *p, *end;
    int bad;
} vscan;

static void ws(vscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

static int expect_ch(vscan *s, char c)
{
    ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    s->bad = 1;
    return 0;
}

static int hex4(vscan *s, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        if (s->p >= s->end)
            return 0;
        char c = *s->p++;
        v = v * 16 + (unsigned)(c >= '0' && c <= '9'   ? c - '0'
                                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                       : 99);
        if (v > 0xFFFF)
            return 0;
    }
    *out = v;
    return 1;
}

/* A string, unescaped into the arena; NULL (and bad) when malformed. */
static const char *scan_str(vscan *s, vstate *vs)
{
    if (!expect_ch(s, '"'))
        return NULL;
    char *start = vs->arena + vs->alen, *o = start;
    while (s->p < s->end && *s->p != '"') {
        unsigned char c = (unsigned char)*s->p;
        if (c < 0x20)
            goto bad;
        if (c != '\\') {
            *o++ = (char)c;
            s->p++;
            continue;
        }
        if (++s->p >= s->end)
            goto bad;
        char e = *s->p++;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (!hex4(s, &cp) || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                goto bad;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
                    goto bad;
                s->p += 2;
                if (!hex4(s, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    goto bad;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xC0 | (cp >> 6));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                *o++ = (char)(0xE0 | (cp >> 12));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *o++ = (char)(0xF0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: goto bad;
        }
    }
    if (s->p >= s->end)
        goto bad;
    s->p++;
    *o++ = 0;
    vs->alen = (size_t)(o - vs->arena);
    return start;
bad:
    s->bad = 1;
    return NULL;
}

static int scan_int(vscan *s, int64_t *v)
{
    ws(s);
    int neg = s->p < s->end && *s->p == '-';
    if (neg)
        s->p++;
    const char *b = s->p;
    int64_t x = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && s->p - b < 18)
        x = x * 10 + (*s->p++ - '0');
    if (s->p == b || (s->p < s->end && ((*s->p >= '0' && *s->p <= '9') || *s->p == '.' ||
                                        *s->p == 'e' || *s->p == 'E'))) {
        s->bad = 1;
        return 0;
    }
    *v = neg ? -x : x;
    return 1;
}

/* Skip any value (depth-limited); strings go through the arena. */
static void skip_value(vscan *s, vstate *vs, int depth)
{
    ws(s);
    if (s->p >= s->end || depth > 32) {
        s->bad = 1;
        return;
    }
    char c = *s->p;
    if (c == '"') {
        size_t mark = vs->alen;
        scan_str(s, vs);
        vs->alen = mark;
    } else if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        s->p++;
        ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return;
        }
        for (;;) {
            if (c == '{') {
                size_t mark = vs->alen;
                if (!scan_str(s, vs) || !expect_ch(s, ':'))
                    return;
                vs->alen = mark;
            }
            skip_value(s, vs, depth + 1);
            if (s->bad)
                return;
            ws(s);
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                continue;
            }
            expect_ch(s, close);
            return;
        }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        while (s->p < s->end && ((*s->p >= '0' && *s->p <= '9') || *s->p == '-' ||
                                 *s->p == '+' || *s->p == '.' || *s->p == 'e' || *s->p == 'E'))
            s->p++;
    } else {
        static const char *const lits[] = {"true", "false", "null"};
        for (int k = 0; k < 3; k++) {
            size_t n = strlen(lits[k]);
            if ((size_t)(s->end - s->p) >= n && memcmp(s->p, lits[k], n) == 0) {
                s->p += n;
                return;
            }
        }
        s->bad = 1;
    }
}

/* The field a key names (F_NONE for keys the replay does not use). */
static int field_of(const char *k)
{
    static const signed char by_letter[26][5] = {
        ['a' - 'a'] = {F_ACCOUNT, F_AREA_CHA, F_AT},
        ['b' - 'a'] = {F_BENEFICIARY, F_BLOCKS, F_BUY_ORDER, F_BUYER},
        ['f' - 'a'] = {F_FIRST, F_FROM},
        ['i' - 'a'] = {F_ID},
        ['k' - 'a'] = {F_KIND},
        ['l' - 'a'] = {F_LAST, F_LOCATION},
        ['m' - 'a'] = {F_METHODOLOGY},
        ['n' - 'a'] = {F_NAME},
        ['o' - 'a'] = {F_OP, F_ORDER, F_OWNER},
        ['p' - 'a'] = {F_PARK, F_PRICE, F_PRODUCT, F_PROJECT, F_PURPOSE},
        ['q' - 'a'] = {F_QTY},
        ['r' - 'a'] = {F_REASON, F_REMAINING, F_RETIREMENT},
        ['s' - 'a'] = {F_SEQ, F_SELL_ORDER, F_SELLER, F_SIDE, F_STANDARD},
        ['t' - 'a'] = {F_TO, F_TYPE},
        ['v' - 'a'] = {F_VERIFICATION, F_VINTAGE},
        ['y' - 'a'] = {F_YEAR},
    };
    if (k[0] < 'a' || k[0] > 'z')
        return F_NONE;
    const signed char *c = by_letter[k[0] - 'a'];
    for (int i = 0; i < 5 && c[i]; i++)
        if (strcmp(lgv__fields[(int)c[i]].name, k) == 0)
            return c[i];
    return F_NONE;
}

/* The blocks array [[project, vintage, first, last], ...] into vs->pieces. */
static void scan_blocks(vscan *s, vstate *vs, ventry *e)
{
    e->npieces = 0;
    if (!expect_ch(s, '['))
        return;
    ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return;
    }
    for (;;) {
        v_piece pc = {NULL, 0, 0, 0};
        if (expect_ch(s, '['))
            pc.proj = scan_str(s, vs);
        if (!s->bad && expect_ch(s, ',') && scan_int(s, &pc.vintage) && expect_ch(s, ',') &&
            scan_int(s, &pc.first) && expect_ch(s, ',') && scan_int(s, &pc.last))
            expect_ch(s, ']');
        if (s->bad)
            return;
        if (pc.first < 1 || pc.last < pc.first || pc.last - pc.first >= LG_MAX_QTY)
            e->blocks_bad = 1;
        if (!lgv__room(vs, (void **)&vs->pieces, &vs->cap_pieces, e->npieces, sizeof *vs->pieces)) {
            s->bad = 1;
            return;
        }
        vs->pieces[e->npieces++] = pc;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        expect_ch(s, ']');
        return;
    }
}

/* Scan one entry. 0 when it is not a JSON object of fields of the right
 * types; *why names the field at fault. */
int lgv__scan(vstate *vs, const char *text, size_t len, ventry *e, const char **why)
{
    e->have = 0;
    e->npieces = 0;
    e->blocks_bad = 0;
    *why = NULL;
    if (!lgv__room(vs, (void **)&vs->arena, &vs->acap, len + 1, 1))
        return 0;
    vs->alen = 0;
    vscan s = {text, text + len, 0};
    if (!expect_ch(&s, '{'))
        return 0;
    ws(&s);
    if (s.p < s.end && *s.p == '}')
        return 0;
    for (;;) {
        size_t mark = vs->alen;
        const char *k = scan_str(&s, vs);
        if (!k || !expect_ch(&s, ':'))
            return 0;
        int f = field_of(k);
        vs->alen = mark;
        if (f == F_NONE) {
            skip_value(&s, vs, 0);
        } else {
            ws(&s);
            char t = lgv__fields[f].type, c = s.p < s.end ? *s.p : 0;
            if ((t == 's' && c != '"') || (t == 'i' && c != '-' && (c < '0' || c > '9')) ||
                (t == 'b' && c != '[')) {
                *why = lgv__fields[f].name;
                return 0;
            }
            if (t == 's')
                e->s[f] = scan_str(&s, vs);
            else if (t == 'i')
                scan_int(&s, &e->i[f]);
            else
                scan_blocks(&s, vs, e);
            if (s.bad) {
                *why = lgv__fields[f].name;
                return 0;
            }
            e->have |= (uint64_t)1 << f;
        }
        if (s.bad)
            return 0;
        ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            continue;
        }
        if (!expect_ch(&s, '}'))
            return 0;
        break;
    }
    ws(&s);
    return s.p == s.end;
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

static const char *const account_kinds[] = {"village", "company", "park", "government", "other"};

static void replay_account(vstate *vs, int64_t seq, const ventry *e)
{
    if (smap_find(&vs->acct_ix, e->s[F_ID]) >= 0) {
        lgv__problem(vs, seq, "entry %lld creates account '%s' a second time", (long long)seq,
                     e->s[F_ID]);
        return;
    }
    int kind_ok = 0;
    for (size_t k = 0; k < ZP_ARRAY_LEN(account_kinds); k++)
        kind_ok |= strcmp(e->s[F_KIND], account_kinds[k]) == 0;
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

static const char *const order_states[] = {"open", "filled", "cancelled"};

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

/* ---- the tables against the replay ------------------------------------------------ */

/* Differences of one table: the first differing row in words, and how many
 * rows differ. */
typedef struct tdiff {
    vstate *vs;
    const char *table;
    int64_t rows;
    int in_row, first_row;
    char msg[900];
    size_t len;
} tdiff;

static void td_note(tdiff *d, const char *key, const char *fmt, ...) ZP_PRINTF(3, 4);
static void td_note(tdiff *d, const char *key, const char *fmt, ...)
{
    int start = !d->in_row;
    if (start) {
        d->in_row = 1;
        d->first_row = ++d->rows == 1;
    }
    if (!d->first_row || d->len + 8 >= sizeof d->msg)
        return;
    int n = start ? snprintf(d->msg + d->len, sizeof d->msg - d->len, "%s: ", key)
                  : snprintf(d->msg + d->len, sizeof d->msg - d->len, "; ");
    if (n > 0)
        d->len += (size_t)n < sizeof d->msg - d->len ? (size_t)n : sizeof d->msg - d->len - 1;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(d->msg + d->len, sizeof d->msg - d->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        d->len += (size_t)n < sizeof d->msg - d->len ? (size_t)n : sizeof d->msg - d->len - 1;
}

static void td_row_end(tdiff *d)
{
    d->in_row = 0;
    d->first_row = 0;
}

static void td_done(tdiff *d)
{
    if (!d->rows)
        return;
    if (d->rows > 1)
        lgv__problem(d->vs, 0, "%s: %s (%lld rows differ from the journal)", d->table, d->msg,
                     (long long)d->rows);
    else
        lgv__problem(d->vs, 0, "%s: %s", d->table, d->msg);
}

/* A table value as text for a message. */
static const char *tval(sqlite3_stmt *s, int i, char *buf, size_t n)
{
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_NULL: return "NULL";
    case SQLITE_INTEGER:
        snprintf(buf, n, "%lld", (long long)sqlite3_column_int64(s, i));
        return buf;
    case SQLITE_FLOAT: snprintf(buf, n, "%.17g", sqlite3_column_double(s, i)); return buf;
    case SQLITE_TEXT: snprintf(buf, n, "'%.120s'", (const char *)sqlite3_column_text(s, i)); return buf;
    default: return "a blob";
    }
}

static void entry_ref(char *buf, size_t n, int64_t seq)
{
    if (seq > 0)
        snprintf(buf, n, " (entry %lld)", (long long)seq);
    else
        buf[0] = 0;
}

static void td_str(tdiff *d, const char *key, sqlite3_stmt *s, int i, const char *jv,
                   int64_t seq)
{
    const char *tv = (const char *)sqlite3_column_text(s, i);
    if (sqlite3_column_type(s, i) == SQLITE_TEXT && tv && strcmp(tv, jv) == 0)
        return;
    char b[160], r[40];
    entry_ref(r, sizeof r, seq);
    td_note(d, key, "%s is %s in the table but '%.120s' by the journal%s",
            sqlite3_column_name(s, i), tval(s, i, b, sizeof b), jv, r);
}

static void td_int(tdiff *d, const char *key, sqlite3_stmt *s, int i, int64_t jv, int64_t seq)
{
    if (sqlite3_column_type(s, i) == SQLITE_INTEGER && sqlite3_column_int64(s, i) == jv)
        return;
    char b[160], r[40];
    entry_ref(r, sizeof r, seq);
    td_note(d, key, "%s is %s in the table but %lld by the journal%s", sqlite3_column_name(s, i),
            tval(s, i, b, sizeof b), (long long)jv, r);
}

/* A sort key: two texts and a number. */
typedef struct skey {
    const char *a, *b;
    int64_t v;
    int32_t i;
} skey;

static int skey_cmp(const void *x, const void *y)
{
    const skey *p = x, *q = y;
    int c = strcmp(p->a, q->a);
    if (!c)
        c = strcmp(p->b, q->b);
    return c ? c : p->v < q->v ? -1 : p->v > q->v;
}

static skey *sorted(vstate *vs, size_t n, void (*fill)(vstate *, size_t, skey *))
{
    skey *k = zp__malloc(vs->ctx, (n ? n : 1) * sizeof *k);
    if (!k) {
        vs->oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        fill(vs, i, &k[i]);
    qsort(k, n, sizeof *k, skey_cmp);
    return k;
}

static void key_acct(vstate *vs, size_t i, skey *k)
{
    *k = (skey){vs->accts[i].id ? vs->accts[i].id : "", "", 0, (int32_t)i};
}
static void key_proj(vstate *vs, size_t i, skey *k)
{
    *k = (skey){vs->projs[i].id ? vs->projs[i].id : "", "", 0, (int32_t)i};
}
static void key_pv(vstate *vs, size_t i, skey *k)
{
    *k = (skey){vs->projs[vs->pvs[i].proj].id, "", vs->pvs[i].vintage, (int32_t)i};
}
static void key_bal(vstate *vs, size_t i, skey *k)
{
    const v_pv *pv = &vs->pvs[vs->bals[i].pv];
    *k = (skey){lgv__acct_name(vs, vs->bals[i].acct), vs->projs[pv->proj].id, pv->vintage,
                (int32_t)i};
}
static void key_ret(vstate *vs, size_t i, skey *k)
{
    *k = (skey){"", "", vs->rets[i].id, (int32_t)i};
}
static void key_order(vstate *vs, size_t i, skey *k)
{
    *k = (skey){"", "", vs->orders[i].id, (int32_t)i};
}

zp_status lgv__prep(zp_ledger *lg, const char *sql, sqlite3_stmt **s)
{
    if (sqlite3_prepare_v2(lg->db, sql, -1, s, NULL) != SQLITE_OK)
        return lg__sqlerr(lg, "verify");
    return ZP_OK;
}

static const char *ctext(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? t : "";
}

/* Compare table rows (sql, ordered by the key) with the records of keys
 * (sorted the same way). cmp compares the current row's key with record
 * k; name writes a key's words; cols compares the columns. */
typedef struct walk {
    tdiff d;
    skey *keys;
    size_t n;
    int (*cmp)(sqlite3_stmt *s, const skey *k);
    void (*row_name)(sqlite3_stmt *s, char *buf, size_t n);
    void (*rec_name)(vstate *vs, const skey *k, char *buf, size_t n, int64_t *seq);
    void (*cols)(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k);
} walk;

static zp_status run_walk(vstate *vs, walk *w, const char *sql)
{
    sqlite3_stmt *s = NULL;
    zp_status rc = lgv__prep(vs->lg, sql, &s);
    if (rc || !w->keys)
        goto out;
    size_t i = 0;
    int r = sqlite3_step(s);
    char key[300];
    while (r == SQLITE_ROW || i < w->n) {
        int c = r != SQLITE_ROW ? 1 : i >= w->n ? -1 : w->cmp(s, &w->keys[i]);
        if (c < 0) {
            w->row_name(s, key, sizeof key);
            td_note(&w->d, key, "is in the table but not in the journal");
            td_row_end(&w->d);
            r = sqlite3_step(s);
        } else if (c > 0) {
            int64_t seq = 0;
            w->rec_name(vs, &w->keys[i], key, sizeof key, &seq);
            td_note(&w->d, key, "is missing from the table (journal entry %lld)",
                    (long long)seq);
            td_row_end(&w->d);
            i++;
        } else {
            int64_t seq = 0;
            w->rec_name(vs, &w->keys[i], key, sizeof key, &seq);
            w->cols(&w->d, key, s, vs, &w->keys[i]);
            td_row_end(&w->d);
            i++;
            r = sqlite3_step(s);
        }
    }
    if (r != SQLITE_DONE)
        rc = lg__sqlerr(vs->lg, "verify: reading a table");
    td_done(&w->d);
out:
    sqlite3_finalize(s);
    zp__free(vs->ctx, w->keys);
    return rc;
}

static int cmp_text1(sqlite3_stmt *s, const skey *k)
{
    return strcmp(ctext(s, 0), k->a);
}

static int cmp_text1_int(sqlite3_stmt *s, const skey *k)
{
    int c = strcmp(ctext(s, 0), k->a);
    int64_t v = sqlite3_column_int64(s, 1);
    return c ? c : v < k->v ? -1 : v > k->v;
}

static int cmp_text2_int(sqlite3_stmt *s, const skey *k)
{
    int c = strcmp(ctext(s, 0), k->a);
    if (!c)
        c = strcmp(ctext(s, 1), k->b);
    int64_t v = sqlite3_column_int64(s, 2);
    return c ? c : v < k->v ? -1 : v > k->v;
}

static int cmp_int(sqlite3_stmt *s, const skey *k)
{
    int64_t v = sqlite3_column_int64(s, 0);
    return v < k->v ? -1 : v > k->v;
}

/* lg_account */
static void row_acct(sqlite3_stmt *s, char *b, size_t n)
{
    snprintf(b, n, "account '%.80s'", ctext(s, 0));
}
static void rec_acct(vstate *vs, const skey *k, char *b, size_t n, int64_t *seq)
{
    snprintf(b, n, "account '%.80s'", k->a);
    *seq = vs->accts[k->i].seq;
}
static void cols_acct(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    const v_acct *a = &vs->accts[k->i];
    td_str(d, key, s, 1, a->name, a->seq);
    td_str(d, key, s, 2, a->kind, a->seq);
    td_int(d, key, s, 3, a->seq, a->seq);
}

/* lg_project */
static void row_proj(sqlite3_stmt *s, char *b, size_t n)
{
    snprintf(b, n, "project '%.80s'", ctext(s, 0));
}
static void rec_proj(vstate *vs, const skey *k, char *b, size_t n, int64_t *seq)
{
    snprintf(b, n, "project '%.80s'", k->a);
    *seq = vs->projs[k->i].seq;
}
static void cols_proj(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    const v_proj *p = &vs->projs[k->i];
    td_str(d, key, s, 1, p->name, p->seq);
    td_str(d, key, s, 2, vs->stds[p->std], p->seq);
    td_str(d, key, s, 3, p->location, p->seq);
    td_int(d, key, s, 4, p->area_cha, p->seq);
    td_str(d, key, s, 5, p->methodology, p->seq);
    td_str(d, key, s, 6, lgv__acct_name(vs, p->owner), p->seq);
    td_int(d, key, s, 7, p->seq, p->seq);
}

/* lg_pv */
static void row_pv(sqlite3_stmt *s, char *b, size_t n)
{
    snprintf(b, n, "project '%.80s' vintage %lld", ctext(s, 0),
             (long long)sqlite3_column_int64(s, 1));
}
static void rec_pv(vstate *vs, const skey *k, char *b, size_t n, int64_t *seq)
{
    snprintf(b, n, "project '%.80s' vintage %lld", k->a, (long long)k->v);
    *seq = vs->pvs[k->i].seq;
}
static void cols_pv(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    const v_pv *p = &vs->pvs[k->i];
    td_int(d, key, s, 2, p->issued, p->seq);
    td_int(d, key, s, 3, p->retired, p->seq);
    td_int(d, key, s, 4, p->cancelled, p->seq);
}

/* lg_balance */
static void row_bal(sqlite3_stmt *s, char *b, size_t n)
{
    snprintf(b, n, "account '%.80s' project '%.80s' vintage %lld", ctext(s, 0), ctext(s, 1),
             (long long)sqlite3_column_int64(s, 2));
}
static void rec_bal(vstate *vs, const skey *k, char *b, size_t n, int64_t *seq)
{
    snprintf(b, n, "account '%.80s' project '%.80s' vintage %lld", k->a, k->b, (long long)k->v);
    *seq = vs->bals[k->i].seq;
}
static void cols_bal(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    td_int(d, key, s, 3, vs->bals[k->i].qty, vs->bals[k->i].seq);
}

/* lg_retirement */
static void row_ret(sqlite3_stmt *s, char *b, size_t n)
{
    snprintf(b, n, "retirement %lld", (long long)sqlite3_column_int64(s, 0));
}
static void rec_ret(vstate *vs, const skey *k, char *b, size_t n, int64_t *seq)
{
    snprintf(b, n, "retirement %lld", (long long)k->v);
    *seq = vs->rets[k->i].seq;
}
static void cols_ret(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    const v_ret *r = &vs->rets[k->i];
    int64_t q = r->seq;
    td_str(d, key, s, 1, lgv__acct_name(vs, r->acct), q);
    td_str(d, key, s, 2, r->proj >= 0 ? vs->projs[r->proj].id : "?", q);
    td_int(d, key, s, 3, r->vintage, q);
    td_int(d, key, s, 4, r->qty, q);
    td_str(d, key, s, 5, r->beneficiary ? r->beneficiary : "", q);
    td_str(d, key, s, 6, r->purpose ? r->purpose : "", q);
    td_str(d, key, s, 7, r->park ? r->park : "", q);
    td_int(d, key, s, 8, r->year, q);
    td_str(d, key, s, 9, r->serials ? r->serials : "", q);
    td_int(d, key, s, 10, r->seq, q);
    td_int(d, key, s, 11, r->at, q);
}

/* lg_order */
static void row_order(sqlite3_stmt *s, char *b, size_t n)
{
    snprintf(b, n, "order %lld", (long long)sqlite3_column_int64(s, 0));
}
static void rec_order(vstate *vs, const skey *k, char *b, size_t n, int64_t *seq)
{
    snprintf(b, n, "order %lld", (long long)k->v);
    *seq = vs->orders[k->i].seq;
}
static void cols_order(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    const v_order *o = &vs->orders[k->i];
    int64_t q = o->seq;
    td_str(d, key, s, 1, lgv__acct_name(vs, o->acct), q);
    td_str(d, key, s, 2, vs->stds[o->std], q);
    td_int(d, key, s, 3, o->vintage, q);
    td_int(d, key, s, 4, o->side, q);
    td_int(d, key, s, 5, o->market, q);
    td_int(d, key, s, 6, o->price, q);
    td_int(d, key, s, 7, o->qty, q);
    td_int(d, key, s, 8, o->remaining, q);
    td_str(d, key, s, 9, order_states[o->state], q);
    td_int(d, key, s, 10, o->seq, q);
}

/* lg_fill: fill n is the journal's n-th fill entry. */
static void row_fill(sqlite3_stmt *s, char *b, size_t n)
{
    snprintf(b, n, "fill %lld", (long long)sqlite3_column_int64(s, 0));
}
static void rec_fill(vstate *vs, const skey *k, char *b, size_t n, int64_t *seq)
{
    snprintf(b, n, "fill %lld", (long long)k->v);
    *seq = vs->fills[k->i].seq;
}
static void key_fill(vstate *vs, size_t i, skey *k)
{
    (void)vs;
    *k = (skey){"", "", (int64_t)i + 1, (int32_t)i};
}
static void cols_fill(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    const v_fill *f = &vs->fills[k->i];
    int64_t q = f->seq;
    td_str(d, key, s, 1, f->std >= 0 ? vs->stds[f->std] : "?", q);
    td_int(d, key, s, 2, f->vintage, q);
    td_int(d, key, s, 3, f->buy, q);
    td_int(d, key, s, 4, f->sell, q);
    td_str(d, key, s, 5, lgv__acct_name(vs, f->buyer), q);
    td_str(d, key, s, 6, lgv__acct_name(vs, f->seller), q);
    td_int(d, key, s, 7, f->price, q);
    td_int(d, key, s, 8, f->qty, q);
    td_int(d, key, s, 9, f->seq, q);
}

/* lg_block against the replayed serial ranges, project-vintage by
 * project-vintage in serial order. */
static zp_status check_blocks(vstate *vs)
{
    tdiff d = {vs, "lg_block", 0, 0, 0, "", 0};
    skey *pk = sorted(vs, vs->npvs, key_pv);
    int32_t *stack = NULL;
    size_t cap = 0;
    sqlite3_stmt *s = NULL;
    zp_status rc = pk ? lgv__prep(vs->lg,
                                  "SELECT project, vintage, first, last, account, state,"
                                  " retirement FROM lg_block ORDER BY project, vintage, first",
                                  &s)
                      : ZP_ENOMEM;
    if (rc)
        goto out;
    int r = sqlite3_step(s);
    char key[300];
    for (size_t i = 0; i <= vs->npvs && !vs->oom; i++) {
        /* In-order walk of project-vintage i (none when i == npvs: the
         * table rows that are left). */
        size_t depth = 0;
        int32_t t = i < vs->npvs ? vs->pvs[pk[i].i].root : -1;
        const char *pname = i < vs->npvs ? pk[i].a : NULL;
        int64_t vin = i < vs->npvs ? pk[i].v : 0;
        for (;;) {
            while (t >= 0) {
                if (!lgv__room(vs, (void **)&stack, &cap, depth, sizeof *stack))
                    goto out;
                stack[depth++] = t;
                t = vs->nodes[t].l;
            }
            const v_node *x = depth ? &vs->nodes[stack[depth - 1]] : NULL;
            /* Table rows before this range (or this project-vintage's end). */
            for (;;) {
                if (r != SQLITE_ROW)
                    break;
                /* Compare the row's (project, vintage, first) with x's, or
                 * with the end of this project-vintage (of all when none). */
                int c = pname ? strcmp(ctext(s, 0), pname) : -1;
                int64_t v = sqlite3_column_int64(s, 1), f = sqlite3_column_int64(s, 2);
                if (!c)
                    c = v < vin ? -1 : v > vin;
                if (!c)
                    c = !x ? -1 : f < x->first ? -1 : f > x->first;
                if (c >= 0)
                    break;
                snprintf(key, sizeof key, "project '%.80s' vintage %lld serials %lld-%lld",
                         ctext(s, 0), (long long)v, (long long)f,
                         (long long)sqlite3_column_int64(s, 3));
                td_note(&d, key, "is in the table but not in the journal");
                td_row_end(&d);
                r = sqlite3_step(s);
            }
            if (!x)
                break;
            snprintf(key, sizeof key, "project '%.80s' vintage %lld serials %lld-%lld", pname,
                     (long long)vin, (long long)x->first, (long long)x->last);
            int match = r == SQLITE_ROW && strcmp(ctext(s, 0), pname) == 0 &&
                        sqlite3_column_int64(s, 1) == vin && sqlite3_column_int64(s, 2) == x->first;
            if (!match) {
                td_note(&d, key, "is missing from the table (held by '%s', %s)",
                        lgv__acct_name(vs, x->acct),
                        x->state == 0 ? "active" : x->state == 1 ? "retired" : "cancelled");
            } else {
                td_int(&d, key, s, 3, x->last, 0);
                td_str(&d, key, s, 4, lgv__acct_name(vs, x->acct), 0);
                td_int(&d, key, s, 5, x->state, 0);
                if (x->state == 1) {
                    td_int(&d, key, s, 6, x->ret, 0);
                } else if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
                    char b[64];
                    td_note(&d, key, "retirement is %s in the table but none by the journal",
                            tval(s, 6, b, sizeof b));
                }
                r = sqlite3_step(s);
            }
            td_row_end(&d);
            t = vs->nodes[stack[--depth]].r;
        }
    }
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        rc = lg__sqlerr(vs->lg, "verify: reading the blocks");
    td_done(&d);
out:
    sqlite3_finalize(s);
    zp__free(vs->ctx, stack);
    zp__free(vs->ctx, pk);
    return rc ? rc : vs->oom ? zp__nomem(vs->ctx) : ZP_OK;
}

zp_status lgv__check_tables(vstate *vs)
{
    static const struct {
        const char *table, *sql;
        void (*key)(vstate *, size_t, skey *);
        size_t off; /* of the record count in vstate */
        int (*cmp)(sqlite3_stmt *, const skey *);
        void (*row_name)(sqlite3_stmt *, char *, size_t);
        void (*rec_name)(vstate *, const skey *, char *, size_t, int64_t *);
        void (*cols)(tdiff *, const char *, sqlite3_stmt *, vstate *, const skey *);
    } t[] = {
        {"lg_account", "SELECT id, name, kind, seq FROM lg_account ORDER BY id", key_acct,
         offsetof(vstate, naccts), cmp_text1, row_acct, rec_acct, cols_acct},
        {"lg_project",
         "SELECT id, name, standard, location, area_cha, methodology, owner, seq FROM lg_project"
         " ORDER BY id",
         key_proj, offsetof(vstate, nprojs), cmp_text1, row_proj, rec_proj, cols_proj},
        {"lg_pv",
         "SELECT project, vintage, issued, retired, cancelled FROM lg_pv ORDER BY project,"
         " vintage",
         key_pv, offsetof(vstate, npvs), cmp_text1_int, row_pv, rec_pv, cols_pv},
        {"lg_balance",
         "SELECT account, project, vintage, qty FROM lg_balance ORDER BY account, project,"
         " vintage",
         key_bal, offsetof(vstate, nbals), cmp_text2_int, row_bal, rec_bal, cols_bal},
        {"lg_retirement",
         "SELECT id, account, project, vintage, qty, beneficiary, purpose, park, year, serials,"
         " seq, at FROM lg_retirement ORDER BY id",
         key_ret, offsetof(vstate, nrets), cmp_int, row_ret, rec_ret, cols_ret},
        {"lg_order",
         "SELECT id, account, standard, vintage, side, market, price, qty, remaining, state, seq"
         " FROM lg_order ORDER BY id",
         key_order, offsetof(vstate, norders), cmp_int, row_order, rec_order, cols_order},
        {"lg_fill",
         "SELECT id, standard, vintage, buy_order, sell_order, buyer, seller, price, qty, seq"
         " FROM lg_fill ORDER BY id",
         key_fill, offsetof(vstate, nfills), cmp_int, row_fill, rec_fill, cols_fill},
    };
    zp_status rc = ZP_OK;
    for (size_t k = 0; k < ZP_ARRAY_LEN(t) && !rc; k++) {
        if (k == 4 && (rc = check_blocks(vs)))
            break;
        size_t n = *(const size_t *)((const char *)vs + t[k].off);
        walk w = {{vs, t[k].table, 0, 0, 0, "", 0}, sorted(vs, n, t[k].key), n, t[k].cmp,
                  t[k].row_name, t[k].rec_name, t[k].cols};
        rc = run_walk(vs, &w, t[k].sql);
    }
    return rc ? rc : vs->oom ? zp__nomem(vs->ctx) : ZP_OK;
}

void lgv__free(vstate *vs)
{
    for (size_t i = 0; i < vs->naccts; i++) {
        zp__free(vs->ctx, vs->accts[i].id);
        zp__free(vs->ctx, vs->accts[i].name);
        zp__free(vs->ctx, vs->accts[i].kind);
    }
    for (size_t i = 0; i < vs->nprojs; i++) {
        zp__free(vs->ctx, vs->projs[i].id);
        zp__free(vs->ctx, vs->projs[i].name);
        zp__free(vs->ctx, vs->projs[i].location);
        zp__free(vs->ctx, vs->projs[i].methodology);
    }
    for (size_t i = 0; i < vs->nstds; i++)
        zp__free(vs->ctx, vs->stds[i]);
    for (size_t i = 0; i < vs->nrets; i++) {
        zp__free(vs->ctx, vs->rets[i].beneficiary);
        zp__free(vs->ctx, vs->rets[i].purpose);
        zp__free(vs->ctx, vs->rets[i].park);
        zp__free(vs->ctx, vs->rets[i].serials);
    }
    void *vecs[] = {vs->accts, vs->projs, vs->stds, vs->pvs, vs->bals, vs->holds, vs->prods,
                    vs->orders, vs->rets, vs->fills, vs->nodes, vs->arena, vs->pieces,
                    vs->acct_ix.s, vs->proj_ix.s, vs->std_ix.s, vs->pv_ix.s, vs->bal_ix.s,
                    vs->hold_ix.s, vs->prod_ix.s, vs->order_ix.s, vs->ret_ix.s};
    for (size_t i = 0; i < ZP_ARRAY_LEN(vecs); i++)
        zp__free(vs->ctx, vecs[i]);
    json_decref(vs->problems);
}

zp_status lg__op_verify(zp_ledger *lg, json_t *args, json_t **res)
{
    (void)args;
    vstate vs;
    memset(&vs, 0, sizeof vs);
    vs.lg = lg;
    vs.ctx = lg->ctx;
    vs.free_node = -1;
    vs.rng = 2463534242u;
    vs.problems = json_array();
    sqlite3_stmt *s = NULL;
    zp_status rc = ZP_OK;
    int64_t n = 0, expect = 1;
    unsigned char prev[32] = {0}, h[32];
    if (!vs.problems)
        return zp__nomem(lg->ctx);
    if ((rc = lgv__prep(lg, "SELECT seq, entry, hash FROM lg_journal ORDER BY seq", &s)))
        goto out;
    int r;
    ventry e;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *text = (const char *)sqlite3_column_text(s, 1);
        int tlen = sqlite3_column_bytes(s, 1);
        const void *stored = sqlite3_column_blob(s, 2);
        int slen = sqlite3_column_bytes(s, 2);
        n++;
        if (seq != expect)
            lgv__problem(&vs, seq < expect ? seq : expect, "entry %lld follows entry %lld: %s",
                         (long long)seq, (long long)(expect - 1),
                         seq > expect ? "entries are missing" : "out of order");
        expect = seq + 1;
        if ((rc = lg__sha256(lg, prev, 32, text ? text : "", (size_t)tlen, h)))
            goto out;
        if (slen != 32 || memcmp(h, stored, 32) != 0) {
            lgv__problem(
                &vs, seq,
                "entry %lld: hash does not match SHA-256(previous hash || entry): the entry "
                "or its hash was altered",
                (long long)seq);
            /* Go on from the stored hash, so that one altered entry is
             * reported once. */
            if (slen == 32)
                memcpy(prev, stored, 32);
            else
                memcpy(prev, h, 32);
        } else {
            memcpy(prev, h, 32);
        }
        const char *why = NULL;
        if (!text || !lgv__scan(&vs, text, (size_t)tlen, &e, &why) || !HAS(&e, F_OP) ||
            !HAS(&e, F_SEQ)) {
            if (!vs.oom && why)
                lgv__problem(&vs, seq, "entry %lld: \"%s\" is not of its type", (long long)seq,
                             why);
            else if (!vs.oom)
                lgv__problem(&vs, seq, "entry %lld is not a JSON object of a journal entry's shape",
                             (long long)seq);
        } else {
            if (e.i[F_SEQ] != seq)
                lgv__problem(&vs, seq, "entry %lld says it is entry %lld", (long long)seq,
                             (long long)e.i[F_SEQ]);
            lgv__replay(&vs, seq, &e);
        }
        if (vs.oom) {
            rc = zp__nomem(lg->ctx);
            goto out;
        }
    }
    if (r != SQLITE_DONE) {
        rc = lg__sqlerr(lg, "reading the journal");
        goto out;
    }
    sqlite3_finalize(s);
    s = NULL;
    if ((rc = lgv__check_tables(&vs)))
        goto out;
    char hex[65];
    lg__hex(prev, 32, hex);
    *res = json_pack("{s:b, s:I, s:s, s:I, s:O}", "ok", vs.nproblems == 0, "entries",
                     (json_int_t)n, "head", hex, "problem_count", (json_int_t)vs.nproblems,
                     "problems", vs.problems);
    if (*res && vs.first_bad)
        json_object_set_new(*res, "first_bad_seq", json_integer(vs.first_bad));
    else if (*res)
        json_object_set_new(*res, "first_bad_seq", json_null());
    if (!*res)
        rc = zp__nomem(lg->ctx);
out:
    sqlite3_finalize(s);
    lgv__free(&vs);
    return rc;
}

zp_status lg__verified(zp_ledger *lg)
{
    json_t *r = NULL;
    zp_status rc = lg__op_verify(lg, NULL, &r);
    if (rc)
        return rc;
    if (!json_is_true(json_object_get(r, "ok"))) {
        const char *msg = json_string_value(
            json_object_get(json_array_get(json_object_get(r, "problems"), 0), "message"));
        rc = zp__error(lg->ctx, ZP_ECORRUPT,
                       "the ledger does not verify: %s (%lld problems); its tables disagree with "
                       "its journal, so no figure is taken from it: run 'zeropark credits "
                       "verify'",
                       msg ? msg : "", (long long)json_integer_value(json_object_get(r, "problem_count")));
    }
    json_decref(r);
    return rc;
}

zp_status zp_ledger_verify(zp_ledger *lg, json_t **report)
{
    if (report)
        *report = NULL;
    if (!lg)
        return ZP_EINVAL;
    json_t *r = NULL;
    zp_status rc = zp_ledger_exec(lg, "verify", NULL, NULL, &r);
    if (rc)
        return rc;
    if (!json_is_true(json_object_get(r, "ok"))) {
        json_t *p0 = json_array_get(json_object_get(r, "problems"), 0);
        json_t *fb = json_object_get(r, "first_bad_seq");
        const char *msg = json_string_value(json_object_get(p0, "message"));
        if (json_is_integer(fb))
            rc = zp__error(lg->ctx, ZP_ECORRUPT,
                           "ledger verify: first bad entry is %lld: %s (%lld problems)",
                           (long long)json_integer_value(fb), msg ? msg : "",
                           (long long)json_integer_value(json_object_get(r, "problem_count")));
        else
            rc = zp__error(lg->ctx, ZP_ECORRUPT, "ledger verify: %s (%lld problems)",
                           msg ? msg : "",
                           (long long)json_integer_value(json_object_get(r, "problem_count")));
    }
    if (report)
        *report = r;
    else
        json_decref(r);
    return rc;
}
zp_status zp_ledger_export(zp_ledger *lg, const char *path, int64_t *entries)
{
    if (entries)
        *entries = 0;
    if (!lg || !path)
        return lg ? zp__error(lg->ctx, ZP_EINVAL, "zp_ledger_export: NULL argument") : ZP_EINVAL;
    char *tmp = zp__asprintf(lg->ctx, "%s.tmp%ld", path, (long)getpid());
    if (!tmp)
        return zp__nomem(lg->ctx);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        zp_status rc = zp__error(lg->ctx, ZP_EIO, "%s: cannot write: %s", tmp, strerror(errno));
        zp__free(lg->ctx, tmp);
        return rc;
    }
    sqlite3_stmt *s = NULL;
    zp_status rc = ZP_OK;
    int64_t n = 0;
    /* One read transaction: the export is one consistent snapshot. */
    if (sqlite3_exec(lg->db, lg->batch ? "SAVEPOINT lg_export" : "BEGIN", NULL, NULL, NULL) !=
            SQLITE_OK ||
        (rc = lgv__prep(lg, "SELECT seq, hash, entry FROM lg_journal ORDER BY seq", &s))) {
        rc = rc ? rc : lg__sqlerr(lg, "export");
        goto out;
    }
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        char hex[65] = "";
        if (sqlite3_column_bytes(s, 1) == 32)
            lg__hex(sqlite3_column_blob(s, 1), 32, hex);
        const char *t = (const char *)sqlite3_column_text(s, 2);
        if (fprintf(f, "%lld\t%s\t%s\n", (long long)sqlite3_column_int64(s, 0), hex,
                    t ? t : "") < 0) {
            rc = zp__error(lg->ctx, ZP_EIO, "%s: write failed: %s", tmp, strerror(errno));
            break;
        }
        n++;
    }
    if (!rc && r != SQLITE_DONE)
        rc = lg__sqlerr(lg, "reading the journal");
out:
    sqlite3_finalize(s);
    sqlite3_exec(lg->db, lg->batch ? "RELEASE lg_export" : "COMMIT", NULL, NULL, NULL);
    if ((fflush(f) != 0 || fsync(fileno(f)) != 0) && !rc)
        rc = zp__error(lg->ctx, ZP_EIO, "%s: write failed: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && !rc)
        rc = zp__error(lg->ctx, ZP_EIO, "%s: write failed: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = zp__error(lg->ctx, ZP_EIO, "%s: cannot rename to %s: %s", tmp, path,
                       strerror(errno));
    if (rc)
        unlink(tmp);
    zp__free(lg->ctx, tmp);
    if (!rc && entries)
        *entries = n;
    return rc;
}
