/*
 * compare.c - verify's comparison of every table with the replayed state,
 * row by row: the first difference of each table in words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/verify_impl.h"

static const char *const order_states[] = {"open", "filled", "cancelled"};

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

/* A sort key: two texts and a number; the record's index and entry. */
typedef struct skey {
    const char *a, *b;
    int64_t v;
    int32_t i;
    int64_t seq;
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
    *k = (skey){vs->accts[i].id ? vs->accts[i].id : "", "", 0, (int32_t)i, vs->accts[i].seq};
}
static void key_proj(vstate *vs, size_t i, skey *k)
{
    *k = (skey){vs->projs[i].id ? vs->projs[i].id : "", "", 0, (int32_t)i, vs->projs[i].seq};
}
static void key_pv(vstate *vs, size_t i, skey *k)
{
    *k = (skey){vs->projs[vs->pvs[i].proj].id, "", vs->pvs[i].vintage, (int32_t)i, vs->pvs[i].seq};
}
static void key_bal(vstate *vs, size_t i, skey *k)
{
    const v_pv *pv = &vs->pvs[vs->bals[i].pv];
    *k = (skey){lgv__acct_name(vs, vs->bals[i].acct), vs->projs[pv->proj].id, pv->vintage,
                (int32_t)i, vs->bals[i].seq};
}
static void key_ret(vstate *vs, size_t i, skey *k)
{
    *k = (skey){"", "", vs->rets[i].id, (int32_t)i, vs->rets[i].seq};
}
static void key_order(vstate *vs, size_t i, skey *k)
{
    *k = (skey){"", "", vs->orders[i].id, (int32_t)i, vs->orders[i].seq};
}
/* lg_fill: fill n is the journal's n-th fill entry. */
static void key_fill(vstate *vs, size_t i, skey *k)
{
    *k = (skey){"", "", (int64_t)i + 1, (int32_t)i, vs->fills[i].seq};
}

/* Compare table rows (sql, ordered by the key) with the records of keys
 * (sorted the same way). A key is up to two texts and a number, the first
 * columns of a row; text and num name them in messages ("account 'a'
 * project 'p' vintage 2023"). cols compares the other columns. */
typedef struct walk {
    tdiff d;
    skey *keys;
    size_t n;
    const char *text[2]; /* the key's texts (NULL: fewer) */
    const char *num;     /* its number (NULL: none) */
    void (*cols)(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k);
} walk;

static int key_ntext(const walk *w)
{
    return w->text[0] ? w->text[1] ? 2 : 1 : 0;
}

/* The current row's key (s) against record k's. */
static int key_cmp(const walk *w, sqlite3_stmt *s, const skey *k)
{
    int nt = key_ntext(w);
    int c = nt > 0 ? strcmp(lg__col_text(s, 0), k->a) : 0;
    if (!c && nt > 1)
        c = strcmp(lg__col_text(s, 1), k->b);
    if (c || !w->num)
        return c;
    int64_t v = sqlite3_column_int64(s, nt);
    return v < k->v ? -1 : v > k->v;
}

/* The current row's key (s) or, with s NULL, record k's in words. */
static void key_words(const walk *w, sqlite3_stmt *s, const skey *k, char *buf, size_t n)
{
    int nt = key_ntext(w), m;
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < nt && len + 1 < n; i++) {
        const char *t = s ? lg__col_text(s, i) : i ? k->b : k->a;
        m = snprintf(buf + len, n - len, "%s%s '%.80s'", i ? " " : "", w->text[i], t);
        len += m > 0 ? (size_t)m : 0;
    }
    if (w->num && len + 1 < n)
        snprintf(buf + len, n - len, "%s%s %lld", nt ? " " : "", w->num,
                 (long long)(s ? sqlite3_column_int64(s, nt) : k->v));
}

static zp_status run_walk(vstate *vs, walk *w, const char *sql)
{
    sqlite3_stmt *s = NULL;
    zp_status rc = lg__prepare(vs->lg, sql, "verify", &s);
    if (rc || !w->keys)
        goto out;
    size_t i = 0;
    int r = sqlite3_step(s);
    char key[300];
    while (r == SQLITE_ROW || i < w->n) {
        int c = r != SQLITE_ROW ? 1 : i >= w->n ? -1 : key_cmp(w, s, &w->keys[i]);
        if (c < 0) {
            key_words(w, s, NULL, key, sizeof key);
            td_note(&w->d, key, "is in the table but not in the journal");
            td_row_end(&w->d);
            r = sqlite3_step(s);
        } else if (c > 0) {
            key_words(w, NULL, &w->keys[i], key, sizeof key);
            td_note(&w->d, key, "is missing from the table (journal entry %lld)",
                    (long long)w->keys[i].seq);
            td_row_end(&w->d);
            i++;
        } else {
            key_words(w, NULL, &w->keys[i], key, sizeof key);
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

/* lg_account */
static void cols_acct(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    const v_acct *a = &vs->accts[k->i];
    td_str(d, key, s, 1, a->name, a->seq);
    td_str(d, key, s, 2, a->kind, a->seq);
    td_int(d, key, s, 3, a->seq, a->seq);
}

/* lg_project */
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
static void cols_pv(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    const v_pv *p = &vs->pvs[k->i];
    td_int(d, key, s, 2, p->issued, p->seq);
    td_int(d, key, s, 3, p->retired, p->seq);
    td_int(d, key, s, 4, p->cancelled, p->seq);
}

/* lg_balance */
static void cols_bal(tdiff *d, const char *key, sqlite3_stmt *s, vstate *vs, const skey *k)
{
    td_int(d, key, s, 3, vs->bals[k->i].qty, vs->bals[k->i].seq);
}

/* lg_retirement */
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

/* lg_fill */
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
    zp_status rc = pk ? lg__prepare(vs->lg,
                                    "SELECT project, vintage, first, last, account, state,"
                                    " retirement FROM lg_block ORDER BY project, vintage, first",
                                    "verify", &s)
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
                int c = pname ? strcmp(lg__col_text(s, 0), pname) : -1;
                int64_t v = sqlite3_column_int64(s, 1), f = sqlite3_column_int64(s, 2);
                if (!c)
                    c = v < vin ? -1 : v > vin;
                if (!c)
                    c = !x ? -1 : f < x->first ? -1 : f > x->first;
                if (c >= 0)
                    break;
                snprintf(key, sizeof key, "project '%.80s' vintage %lld serials %lld-%lld",
                         lg__col_text(s, 0), (long long)v, (long long)f,
                         (long long)sqlite3_column_int64(s, 3));
                td_note(&d, key, "is in the table but not in the journal");
                td_row_end(&d);
                r = sqlite3_step(s);
            }
            if (!x)
                break;
            snprintf(key, sizeof key, "project '%.80s' vintage %lld serials %lld-%lld", pname,
                     (long long)vin, (long long)x->first, (long long)x->last);
            int match = r == SQLITE_ROW && strcmp(lg__col_text(s, 0), pname) == 0 &&
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
        const char *text[2], *num;
        void (*cols)(tdiff *, const char *, sqlite3_stmt *, vstate *, const skey *);
    } t[] = {
        {"lg_account", "SELECT id, name, kind, seq FROM lg_account ORDER BY id", key_acct,
         offsetof(vstate, naccts), {"account"}, NULL, cols_acct},
        {"lg_project",
         "SELECT id, name, standard, location, area_cha, methodology, owner, seq FROM lg_project"
         " ORDER BY id",
         key_proj, offsetof(vstate, nprojs), {"project"}, NULL, cols_proj},
        {"lg_pv",
         "SELECT project, vintage, issued, retired, cancelled FROM lg_pv ORDER BY project,"
         " vintage",
         key_pv, offsetof(vstate, npvs), {"project"}, "vintage", cols_pv},
        {"lg_balance",
         "SELECT account, project, vintage, qty FROM lg_balance ORDER BY account, project,"
         " vintage",
         key_bal, offsetof(vstate, nbals), {"account", "project"}, "vintage", cols_bal},
        {"lg_retirement",
         "SELECT id, account, project, vintage, qty, beneficiary, purpose, park, year, serials,"
         " seq, at FROM lg_retirement ORDER BY id",
         key_ret, offsetof(vstate, nrets), {NULL}, "retirement", cols_ret},
        {"lg_order",
         "SELECT id, account, standard, vintage, side, market, price, qty, remaining, state, seq"
         " FROM lg_order ORDER BY id",
         key_order, offsetof(vstate, norders), {NULL}, "order", cols_order},
        {"lg_fill",
         "SELECT id, standard, vintage, buy_order, sell_order, buyer, seller, price, qty, seq"
         " FROM lg_fill ORDER BY id",
         key_fill, offsetof(vstate, nfills), {NULL}, "fill", cols_fill},
    };
    zp_status rc = ZP_OK;
    for (size_t k = 0; k < ZP_ARRAY_LEN(t) && !rc; k++) {
        if (k == 4 && (rc = check_blocks(vs)))
            break;
        size_t n = *(const size_t *)((const char *)vs + t[k].off);
        walk w = {{vs, t[k].table, 0, 0, 0, "", 0}, sorted(vs, n, t[k].key), n,
                  {t[k].text[0], t[k].text[1]}, t[k].num, t[k].cols};
        rc = run_walk(vs, &w, t[k].sql);
    }
    return rc ? rc : vs->oom ? zp__nomem(vs->ctx) : ZP_OK;
}
