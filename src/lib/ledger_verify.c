/*
 * ledger_verify.c - verify and export.
 *
 * verify trusts nothing but the journal: it recomputes the hash chain,
 * replays every entry into balances per (account, project, vintage),
 * issued/retired/cancelled totals per project-vintage and the state of
 * every order, and compares the result with the tables. Independently of
 * the journal it checks the tables against each other: the blocks of a
 * project-vintage partition [1, issued], active blocks add up to the
 * balances, retired and cancelled blocks to the totals, and
 * issued = held + retired + cancelled. Entry problems name the entry
 * (seq); state problems name the account and product.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger_impl.h"

#define MAX_PROBLEMS 50

/* ---- a small string map: key -> 3 counters and the last seq ------------- */

typedef struct vmap_ent {
    char *key;
    int64_t v[3];
    int64_t seq; /* last entry that changed it */
    int seen;    /* matched with a table row */
} vmap_ent;

typedef struct vmap {
    zp_ctx *ctx;
    vmap_ent *e;
    size_t cap, n;
} vmap;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void vmap_free(vmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        zp__free(m->ctx, m->e[i].key);
    zp__free(m->ctx, m->e);
}

/* The entry of key, created (zeroed) if absent; NULL when out of memory. */
static vmap_ent *vmap_get(vmap *m, const char *key, int create)
{
    if (create && (m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 256;
        vmap_ent *ne = zp__calloc(m->ctx, ncap, sizeof *ne);
        if (!ne)
            return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->e[i].key)
                continue;
            size_t s = (size_t)str_hash(m->e[i].key) & (ncap - 1);
            while (ne[s].key)
                s = (s + 1) & (ncap - 1);
            ne[s] = m->e[i];
        }
        zp__free(m->ctx, m->e);
        m->e = ne;
        m->cap = ncap;
    }
    if (!m->cap)
        return NULL;
    size_t s = (size_t)str_hash(key) & (m->cap - 1);
    while (m->e[s].key) {
        if (strcmp(m->e[s].key, key) == 0)
            return &m->e[s];
        s = (s + 1) & (m->cap - 1);
    }
    if (!create)
        return NULL;
    m->e[s].key = zp__strdup(m->ctx, key);
    if (!m->e[s].key)
        return NULL;
    m->n++;
    return &m->e[s];
}

/* ---- verify state -------------------------------------------------------- */

typedef struct vstate {
    zp_ledger *lg;
    vmap bal;   /* "account\x1fproject\x1fvintage" -> v[0] tonnes */
    vmap pv;    /* "project\x1fvintage" -> issued, retired, cancelled */
    vmap ord;   /* "id" -> v[0] remaining, v[1] state (0 open, 1 filled, 2 cancelled) */
    vmap names; /* "a:ID" accounts, "p:ID" projects */
    json_t *problems;
    int64_t first_bad;
    int64_t nproblems;
    int oom;
} vstate;

static void problem(vstate *vs, int64_t seq, const char *fmt, ...) ZP_PRINTF(3, 4);
static void problem(vstate *vs, int64_t seq, const char *fmt, ...)
{
    if (seq > 0 && (vs->first_bad == 0 || seq < vs->first_bad))
        vs->first_bad = seq;
    if (vs->nproblems++ >= MAX_PROBLEMS)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_t *p = seq > 0 ? json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "message", buf)
                        : json_pack("{s:s}", "message", buf);
    if (!p || json_array_append_new(vs->problems, p))
        vs->oom = 1;
}

/* ---- the journal entry scanner ----------------------------------------------
 * verify reads a million entries in about a second, so it does not build a
 * jansson tree per entry: this scanner walks the canonical text once and
 * keeps the fields that the replay uses (unknown keys are skipped). It
 * accepts any JSON object of that shape; a malformed entry is reported. */

#define VE_STR 64

typedef struct ventry {
    char op[16], id[VE_STR + 1], from[VE_STR + 1], to[VE_STR + 1], account[VE_STR + 1],
        buyer[VE_STR + 1], seller[VE_STR + 1], project[VE_STR + 1];
    int64_t seq, qty, vintage, first, last, order, buy_order, sell_order, remaining;
    const char *blocks; /* the text of the blocks array, or NULL */
    const char *end;
} ventry;

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

/* A string: out and n span its raw content (escapes left as they are). */
static int scan_str(vscan *s, const char **out, size_t *n)
{
    if (!expect_ch(s, '"'))
        return 0;
    const char *b = s->p;
    while (s->p < s->end && *s->p != '"') {
        if ((unsigned char)*s->p < 0x20) {
            s->bad = 1;
            return 0;
        }
        if (*s->p == '\\')
            s->p++;
        s->p++;
    }
    if (s->p >= s->end) {
        s->bad = 1;
        return 0;
    }
    *out = b;
    *n = (size_t)(s->p - b);
    s->p++;
    return 1;
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

/* Skip any value (depth-limited). */
static void skip_value(vscan *s, int depth)
{
    ws(s);
    if (s->p >= s->end || depth > 32) {
        s->bad = 1;
        return;
    }
    char c = *s->p;
    if (c == '"') {
        const char *t;
        size_t n;
        scan_str(s, &t, &n);
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
                const char *t;
                size_t n;
                if (!scan_str(s, &t, &n) || !expect_ch(s, ':'))
                    return;
            }
            skip_value(s, depth + 1);
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

static void copy_str(vscan *s, char *dst, size_t cap)
{
    const char *t;
    size_t n;
    if (!scan_str(s, &t, &n))
        return;
    if (n >= cap) {
        s->bad = 1;
        return;
    }
    memcpy(dst, t, n);
    dst[n] = 0;
}

/* Scan one entry into e. 0 when the text is not an object of that shape. */
static int ventry_scan(const char *text, size_t len, ventry *e)
{
    memset(e, 0, sizeof *e);
    vscan s = {text, text + len, 0};
    if (!expect_ch(&s, '{'))
        return 0;
    ws(&s);
    if (s.p < s.end && *s.p == '}')
        return 0;
    for (;;) {
        const char *k;
        size_t kn;
        if (!scan_str(&s, &k, &kn) || !expect_ch(&s, ':'))
            return 0;
#define KEY(lit) (kn == sizeof lit - 1 && memcmp(k, lit, kn) == 0)
        if (KEY("op"))
            copy_str(&s, e->op, sizeof e->op);
        else if (KEY("id"))
            copy_str(&s, e->id, sizeof e->id);
        else if (KEY("from"))
            copy_str(&s, e->from, sizeof e->from);
        else if (KEY("to"))
            copy_str(&s, e->to, sizeof e->to);
        else if (KEY("account"))
            copy_str(&s, e->account, sizeof e->account);
        else if (KEY("buyer"))
            copy_str(&s, e->buyer, sizeof e->buyer);
        else if (KEY("seller"))
            copy_str(&s, e->seller, sizeof e->seller);
        else if (KEY("project"))
            copy_str(&s, e->project, sizeof e->project);
        else if (KEY("seq"))
            scan_int(&s, &e->seq);
        else if (KEY("qty"))
            scan_int(&s, &e->qty);
        else if (KEY("vintage"))
            scan_int(&s, &e->vintage);
        else if (KEY("first"))
            scan_int(&s, &e->first);
        else if (KEY("last"))
            scan_int(&s, &e->last);
        else if (KEY("order"))
            scan_int(&s, &e->order);
        else if (KEY("buy_order"))
            scan_int(&s, &e->buy_order);
        else if (KEY("sell_order"))
            scan_int(&s, &e->sell_order);
        else if (KEY("remaining"))
            scan_int(&s, &e->remaining);
        else if (KEY("blocks")) {
            ws(&s);
            e->blocks = s.p;
            skip_value(&s, 0);
        } else
            skip_value(&s, 0);
#undef KEY
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
    e->end = text + len;
    return s.p == s.end;
}

/* Key text "a\x1fb\x1fvintage" into buf (cap >= 160). */
static const char *key3(char *buf, const char *a, const char *b, int64_t v)
{
    size_t na = strlen(a), nb = strlen(b);
    memcpy(buf, a, na);
    buf[na] = '\x1f';
    memcpy(buf + na + 1, b, nb);
    buf[na + 1 + nb] = '\x1f';
    char *p = buf + na + nb + 2, tmp[24];
    int n = 0;
    uint64_t x = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    *p = 0;
    return buf;
}

static vmap_ent *bal_ent(vstate *vs, const char *acct, const char *project, int64_t vintage)
{
    char key[200];
    vmap_ent *e = vmap_get(&vs->bal, key3(key, acct, project, vintage), 1);
    if (!e)
        vs->oom = 1;
    return e;
}

static vmap_ent *pv_ent(vstate *vs, const char *project, int64_t vintage)
{
    char key[200];
    vmap_ent *e = vmap_get(&vs->pv, key3(key, "", project, vintage), 1);
    if (!e)
        vs->oom = 1;
    return e;
}

static vmap_ent *ord_ent(vstate *vs, int64_t id, int create)
{
    char key[200];
    vmap_ent *e = vmap_get(&vs->ord, key3(key, "", "", id), create);
    if (!e && create)
        vs->oom = 1;
    return e;
}

static int name_known(vstate *vs, char kind, const char *id)
{
    char key[200], k[2] = {kind, 0};
    return vmap_get(&vs->names, key3(key, k, id, 0), 0) != NULL;
}

/* Apply the blocks [[project, vintage, first, last], ...] of entry seq:
 * from loses them (NULL: nobody), to gains them (NULL: nobody); totals
 * column col of the project-vintage (-1: none) grows. Returns the tonnes. */
static int64_t apply_blocks(vstate *vs, int64_t seq, const ventry *en, const char *from,
                            const char *to, int col)
{
    int64_t total = 0;
    vscan s = {en->blocks, en->end, 0};
    int nb = 0;
    if (!en->blocks || !expect_ch(&s, '[')) {
        problem(vs, seq, "entry %lld has no blocks", (long long)seq);
        return 0;
    }
    ws(&s);
    if (s.p < s.end && *s.p == ']') {
        problem(vs, seq, "entry %lld has no blocks", (long long)seq);
        return 0;
    }
    for (;;) {
        char p[VE_STR + 1];
        int64_t v = 0, f = 0, l = 0;
        p[0] = 0;
        if (expect_ch(&s, '['))
            copy_str(&s, p, sizeof p);
        if (!s.bad && expect_ch(&s, ',') && scan_int(&s, &v) && expect_ch(&s, ',') &&
            scan_int(&s, &f) && expect_ch(&s, ',') && scan_int(&s, &l))
            expect_ch(&s, ']');
        if (s.bad || f < 1 || l < f || l - f >= LG_MAX_QTY) {
            problem(vs, seq, "entry %lld: block %d is not [project, vintage, first, last]",
                    (long long)seq, nb);
            return total;
        }
        nb++;
        int64_t q = l - f + 1;
        total += q;
        if (from) {
            vmap_ent *e = bal_ent(vs, from, p, v);
            if (!e)
                return total;
            if (e->v[0] < q)
                problem(vs, seq,
                        "entry %lld moves %lld t of project '%s' vintage %lld from '%s', which "
                        "holds %lld t there by the journal",
                        (long long)seq, (long long)q, p, (long long)v, from, (long long)e->v[0]);
            e->v[0] -= q;
            e->seq = seq;
        }
        if (to) {
            vmap_ent *e = bal_ent(vs, to, p, v);
            if (!e)
                return total;
            e->v[0] += q;
            e->seq = seq;
        }
        if (col >= 0) {
            vmap_ent *e = pv_ent(vs, p, v);
            if (!e)
                return total;
            e->v[col] += q;
            e->seq = seq;
        }
        ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            continue;
        }
        if (!expect_ch(&s, ']'))
            problem(vs, seq, "entry %lld: the blocks array is malformed", (long long)seq);
        return total;
    }
}

static void replay(vstate *vs, int64_t seq, const ventry *e)
{
    const char *op = e->op;
    if (strcmp(op, "account") == 0 || strcmp(op, "project") == 0) {
        char key[200], k[2] = {op[0], 0};
        if (name_known(vs, op[0], e->id))
            problem(vs, seq, "entry %lld creates %s '%s' a second time", (long long)seq, op,
                    e->id);
        else if (!vmap_get(&vs->names, key3(key, k, e->id, 0), 1))
            vs->oom = 1;
    } else if (strcmp(op, "issue") == 0) {
        const char *p = e->project, *to = e->to;
        int64_t v = e->vintage, q = e->qty;
        vmap_ent *pe = pv_ent(vs, p, v), *be = bal_ent(vs, to, p, v);
        if (!pe || !be)
            return;
        if (!name_known(vs, 'p', p) || !name_known(vs, 'a', to))
            problem(vs, seq, "entry %lld issues to an unknown project or account",
                    (long long)seq);
        if (q < 1 || q > LG_MAX_QTY || e->first != pe->v[0] + 1 || e->last != pe->v[0] + q)
            problem(vs, seq,
                    "entry %lld issues serials %lld-%lld of %lld t; the next free serial of "
                    "project '%s' vintage %lld is %lld",
                    (long long)seq, (long long)e->first, (long long)e->last, (long long)q, p,
                    (long long)v, (long long)(pe->v[0] + 1));
        pe->v[0] += q;
        pe->seq = seq;
        be->v[0] += q;
        be->seq = seq;
    } else if (strcmp(op, "transfer") == 0 || strcmp(op, "fill") == 0) {
        int fill = op[0] == 'f';
        const char *from = fill ? e->seller : e->from, *to = fill ? e->buyer : e->to;
        int64_t q = apply_blocks(vs, seq, e, from, to, -1);
        if (q != e->qty)
            problem(vs, seq, "entry %lld: its blocks hold %lld t but its qty is %lld",
                    (long long)seq, (long long)q, (long long)e->qty);
        if (fill) {
            const int64_t ids[2] = {e->buy_order, e->sell_order};
            for (int k = 0; k < 2; k++) {
                vmap_ent *o = ord_ent(vs, ids[k], 0);
                if (!o || o->v[1] != 0 || o->v[0] < q) {
                    problem(vs, seq, "entry %lld fills order %lld, which is not open with %lld t "
                                     "left by the journal",
                            (long long)seq, (long long)ids[k], (long long)q);
                    continue;
                }
                o->v[0] -= q;
                o->seq = seq;
                if (o->v[0] == 0)
                    o->v[1] = 1;
            }
        }
    } else if (strcmp(op, "retire") == 0 || strcmp(op, "cancel") == 0) {
        int col = op[0] == 'r' ? 1 : 2;
        int64_t q = apply_blocks(vs, seq, e, e->account, NULL, col);
        if (q != e->qty)
            problem(vs, seq, "entry %lld: its blocks hold %lld t but its qty is %lld",
                    (long long)seq, (long long)q, (long long)e->qty);
    } else if (strcmp(op, "order") == 0) {
        if (ord_ent(vs, e->order, 0)) {
            problem(vs, seq, "entry %lld places order %lld a second time", (long long)seq,
                    (long long)e->order);
            return;
        }
        vmap_ent *o = ord_ent(vs, e->order, 1);
        if (!o)
            return;
        o->v[0] = e->qty;
        o->v[1] = 0;
        o->seq = seq;
    } else if (strcmp(op, "order_cancel") == 0) {
        vmap_ent *o = ord_ent(vs, e->order, 0);
        if (!o || o->v[1] != 0 || o->v[0] != e->remaining) {
            problem(vs, seq, "entry %lld cancels order %lld, which is not open with %lld t left "
                             "by the journal",
                    (long long)seq, (long long)e->order, (long long)e->remaining);
            return;
        }
        o->v[1] = 2;
        o->seq = seq;
    } else {
        problem(vs, seq, "entry %lld has an unknown op '%s'", (long long)seq, op);
    }
}

static zp_status prep(zp_ledger *lg, const char *sql, sqlite3_stmt **s)
{
    if (sqlite3_prepare_v2(lg->db, sql, -1, s, NULL) != SQLITE_OK)
        return lg__sqlerr(lg, "verify");
    return ZP_OK;
}

/* Compare the tables with the replay and with each other. */
static zp_status check_tables(vstate *vs)
{
    zp_ledger *lg = vs->lg;
    sqlite3_stmt *s = NULL;
    zp_status rc;
    /* Balances against the journal. */
    if ((rc = prep(lg, "SELECT account, project, vintage, qty FROM lg_balance", &s)))
        return rc;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *a = (const char *)sqlite3_column_text(s, 0);
        const char *p = (const char *)sqlite3_column_text(s, 1);
        int64_t v = sqlite3_column_int64(s, 2), q = sqlite3_column_int64(s, 3);
        char key[200];
        vmap_ent *e = vmap_get(&vs->bal, key3(key, a ? a : "", p ? p : "", v), 0);
        int64_t want = e ? e->v[0] : 0;
        if (e)
            e->seen = 1;
        if (q != want)
            problem(vs, 0,
                    "balance of account '%s' in project '%s' vintage %lld is %lld t in the "
                    "balance table but %lld t by the journal (last entry touching it: %lld)",
                    a ? a : "", p ? p : "", (long long)v, (long long)q, (long long)want,
                    (long long)(e ? e->seq : 0));
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < vs->bal.cap; i++) {
        vmap_ent *e = &vs->bal.e[i];
        if (e->key && !e->seen && e->v[0] != 0) {
            char k[200];
            snprintf(k, sizeof k, "%s", e->key);
            char *p = strchr(k, '\x1f'), *v = p ? strchr(p + 1, '\x1f') : NULL;
            if (p && v) {
                *p++ = 0;
                *v++ = 0;
            }
            problem(vs, 0,
                    "balance of account '%s' in project '%s' vintage %s is missing from the "
                    "balance table; the journal gives %lld t (last entry touching it: %lld)",
                    k, p ? p : "", v ? v : "", (long long)e->v[0], (long long)e->seq);
        }
    }
    /* Project-vintage totals against the journal, and the invariant. */
    if ((rc = prep(lg, "SELECT v.project, v.vintage, v.issued, v.retired, v.cancelled,"
                       " (SELECT COALESCE(SUM(qty), 0) FROM lg_balance l WHERE l.project ="
                       " v.project AND l.vintage = v.vintage) FROM lg_pv v",
                   &s)))
        return rc;
    static const char *const cols[] = {"issued", "retired", "cancelled"};
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(s, 0);
        p = p ? p : "";
        int64_t v = sqlite3_column_int64(s, 1);
        int64_t t[3] = {sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3),
                        sqlite3_column_int64(s, 4)};
        int64_t held = sqlite3_column_int64(s, 5);
        char key[200];
        vmap_ent *e = vmap_get(&vs->pv, key3(key, "", p, v), 0);
        if (e)
            e->seen = 1;
        for (int k = 0; k < 3; k++)
            if (t[k] != (e ? e->v[k] : 0))
                problem(vs, 0,
                        "project '%s' vintage %lld: %s is %lld t in the table but %lld t by the "
                        "journal (last entry touching it: %lld)",
                        p, (long long)v, cols[k], (long long)t[k], (long long)(e ? e->v[k] : 0),
                        (long long)(e ? e->seq : 0));
        if (t[0] != held + t[1] + t[2])
            problem(vs, 0,
                    "project '%s' vintage %lld: invariant broken: issued %lld t != held %lld t "
                    "+ retired %lld t + cancelled %lld t",
                    p, (long long)v, (long long)t[0], (long long)held, (long long)t[1],
                    (long long)t[2]);
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < vs->pv.cap; i++)
        if (vs->pv.e[i].key && !vs->pv.e[i].seen)
            problem(vs, 0, "a project-vintage with %lld t issued by the journal (entry %lld) is "
                           "missing from the totals table",
                    (long long)vs->pv.e[i].v[0], (long long)vs->pv.e[i].seq);
    /* Blocks partition [1, issued]; active blocks add up to balances,
     * retired/cancelled ones to the totals. */
    if ((rc = prep(lg, "SELECT b.project, b.vintage, b.first, b.last, b.state, v.issued,"
                       " v.retired, v.cancelled FROM lg_block b LEFT JOIN lg_pv v ON"
                       " v.project = b.project AND v.vintage = b.vintage"
                       " ORDER BY b.project, b.vintage, b.first",
                   &s)))
        return rc;
    char cur_p[80] = "";
    int64_t cur_v = -1, next = 1, issued = 0, sums[3] = {0, 0, 0}, tot[3] = {0, 0, 0};
    int have = 0, r;
    for (;;) {
        r = sqlite3_step(s);
        const char *p = r == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
        int64_t v = r == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
        p = p ? p : "";
        if (have && (r != SQLITE_ROW || strcmp(p, cur_p) != 0 || v != cur_v)) {
            if (next - 1 != issued)
                problem(vs, 0,
                        "project '%s' vintage %lld: blocks cover serials 1-%lld but %lld t "
                        "were issued",
                        cur_p, (long long)cur_v, (long long)(next - 1), (long long)issued);
            if (sums[1] != tot[1] || sums[2] != tot[2])
                problem(vs, 0,
                        "project '%s' vintage %lld: retired/cancelled blocks hold %lld/%lld t, "
                        "the totals say %lld/%lld t",
                        cur_p, (long long)cur_v, (long long)sums[1], (long long)sums[2],
                        (long long)tot[1], (long long)tot[2]);
            have = 0;
        }
        if (r != SQLITE_ROW)
            break;
        if (!have) {
            snprintf(cur_p, sizeof cur_p, "%s", p);
            cur_v = v;
            next = 1;
            issued = sqlite3_column_int64(s, 5);
            tot[1] = sqlite3_column_int64(s, 6);
            tot[2] = sqlite3_column_int64(s, 7);
            sums[0] = sums[1] = sums[2] = 0;
            have = 1;
        }
        int64_t f = sqlite3_column_int64(s, 2), l = sqlite3_column_int64(s, 3);
        int64_t st = sqlite3_column_int64(s, 4);
        if (f != next)
            problem(vs, 0, "project '%s' vintage %lld: serial %lld follows %lld (%s)", p,
                    (long long)v, (long long)f, (long long)(next - 1),
                    f > next ? "a gap" : "an overlap: credits counted twice");
        if (st >= 0 && st <= 2)
            sums[st] += l - f + 1;
        else
            problem(vs, 0, "project '%s' vintage %lld: block %lld-%lld has state %lld", p,
                    (long long)v, (long long)f, (long long)l, (long long)st);
        next = l + 1 > next ? l + 1 : next;
    }
    sqlite3_finalize(s);
    if ((rc = prep(lg, "SELECT l.account, l.project, l.vintage, l.qty, (SELECT COALESCE("
                       "SUM(b.last - b.first + 1), 0) FROM lg_block b WHERE b.account = l.account"
                       " AND b.project = l.project AND b.vintage = l.vintage AND b.state = 0)"
                       " FROM lg_balance l",
                   &s)))
        return rc;
    while (sqlite3_step(s) == SQLITE_ROW)
        if (sqlite3_column_int64(s, 3) != sqlite3_column_int64(s, 4))
            problem(vs, 0,
                    "balance of account '%s' in project '%s' vintage %lld is %lld t but its "
                    "active blocks hold %lld t",
                    (const char *)sqlite3_column_text(s, 0),
                    (const char *)sqlite3_column_text(s, 1),
                    (long long)sqlite3_column_int64(s, 2), (long long)sqlite3_column_int64(s, 3),
                    (long long)sqlite3_column_int64(s, 4));
    sqlite3_finalize(s);
    if ((rc = prep(lg, "SELECT b.account, b.project, b.vintage, SUM(b.last - b.first + 1) FROM"
                       " lg_block b WHERE b.state = 0 AND NOT EXISTS (SELECT 1 FROM lg_balance l"
                       " WHERE l.account = b.account AND l.project = b.project AND l.vintage ="
                       " b.vintage) GROUP BY b.account, b.project, b.vintage",
                   &s)))
        return rc;
    while (sqlite3_step(s) == SQLITE_ROW)
        problem(vs, 0,
                "account '%s' has active blocks of %lld t in project '%s' vintage %lld but no "
                "balance row",
                (const char *)sqlite3_column_text(s, 0), (long long)sqlite3_column_int64(s, 3),
                (const char *)sqlite3_column_text(s, 1), (long long)sqlite3_column_int64(s, 2));
    sqlite3_finalize(s);
    /* Orders against the journal. */
    if ((rc = prep(lg, "SELECT id, remaining, state FROM lg_order", &s)))
        return rc;
    static const char *const states[] = {"open", "filled", "cancelled"};
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0), rem = sqlite3_column_int64(s, 1);
        const char *st = (const char *)sqlite3_column_text(s, 2);
        vmap_ent *o = ord_ent(vs, id, 0);
        if (!o) {
            problem(vs, 0, "order %lld is not in the journal", (long long)id);
            continue;
        }
        o->seen = 1;
        if (o->v[0] != rem || strcmp(st ? st : "", states[o->v[1]]) != 0)
            problem(vs, 0,
                    "order %lld is %s with %lld t left in the table but %s with %lld t by the "
                    "journal (last entry touching it: %lld)",
                    (long long)id, st ? st : "", (long long)rem, states[o->v[1]],
                    (long long)o->v[0], (long long)o->seq);
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < vs->ord.cap; i++)
        if (vs->ord.e[i].key && !vs->ord.e[i].seen)
            problem(vs, vs->ord.e[i].seq, "order %s placed by the journal is missing from the "
                                          "order table",
                    vs->ord.e[i].key);
    return vs->oom ? zp__nomem(lg->ctx) : ZP_OK;
}

zp_status lg__op_verify(zp_ledger *lg, json_t *args, json_t **res)
{
    (void)args;
    vstate vs = {lg, {lg->ctx, NULL, 0, 0}, {lg->ctx, NULL, 0, 0}, {lg->ctx, NULL, 0, 0},
                 {lg->ctx, NULL, 0, 0}, json_array(), 0, 0, 0};
    sqlite3_stmt *s = NULL;
    zp_status rc = ZP_OK;
    int64_t n = 0, expect = 1;
    unsigned char prev[32] = {0}, h[32];
    if (!vs.problems)
        return zp__nomem(lg->ctx);
    if ((rc = prep(lg, "SELECT seq, entry, hash FROM lg_journal ORDER BY seq", &s)))
        goto out;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *text = (const char *)sqlite3_column_text(s, 1);
        int tlen = sqlite3_column_bytes(s, 1);
        const void *stored = sqlite3_column_blob(s, 2);
        int slen = sqlite3_column_bytes(s, 2);
        n++;
        if (seq != expect)
            problem(&vs, seq < expect ? seq : expect, "entry %lld follows entry %lld: %s",
                    (long long)seq, (long long)(expect - 1),
                    seq > expect ? "entries are missing" : "out of order");
        expect = seq + 1;
        if ((rc = lg__sha256(lg, prev, 32, text ? text : "", (size_t)tlen, h)))
            goto out;
        if (slen != 32 || memcmp(h, stored, 32) != 0) {
            problem(&vs, seq,
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
        ventry e;
        if (!text || !ventry_scan(text, (size_t)tlen, &e)) {
            problem(&vs, seq, "entry %lld is not a JSON object of a journal entry's shape",
                    (long long)seq);
        } else {
            if (e.seq != seq)
                problem(&vs, seq, "entry %lld says it is entry %lld", (long long)seq,
                        (long long)e.seq);
            replay(&vs, seq, &e);
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
    if ((rc = check_tables(&vs)))
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
    json_decref(vs.problems);
    vmap_free(&vs.bal);
    vmap_free(&vs.pv);
    vmap_free(&vs.ord);
    vmap_free(&vs.names);
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
        (rc = prep(lg, "SELECT seq, hash, entry FROM lg_journal ORDER BY seq", &s))) {
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
