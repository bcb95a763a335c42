/*
 * registry.c - the registry's primitives, which the operations are built
 * from: accounts and projects looked up, blocks of serials found, split,
 * moved and merged, balances and project-vintage totals kept.
 *
 * Credits live in lg_block as serial ranges [first, last] of one
 * project-vintage, each owned by an account and active, retired or
 * cancelled. Moving part of a block splits it exactly; adjacent active
 * ranges of one owner are merged again, so a holding reads as few serial
 * ranges. lg_balance keeps each account's active tonnes per
 * project-vintage and lg_pv the issued, retired and cancelled totals; both
 * are derived data that verify recomputes (verify.c).
 */
#include <string.h>

#include "ledger/ledger_impl.h"

zp_status lg__account_check(zp_ledger *lg, const char *id, const char *what)
{
    for (int i = 0; i < lg->nacache; i++)
        if (strcmp(lg->acache[i], id) == 0)
            return ZP_OK;
    sqlite3_stmt *s = lg__bound(lg, LS_ACCT_GET, "t", id);
    if (!s)
        return ZP_ESTORE;
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r == SQLITE_ROW) {
        /* Accounts are never removed: only a rollback can undo one. */
        if (strlen(id) < 65) {
            if (lg->nacache == (int)ZP_ARRAY_LEN(lg->acache))
                lg->nacache = 0;
            memcpy(lg->acache[lg->nacache++], id, strlen(id) + 1);
        }
        return ZP_OK;
    }
    if (r != SQLITE_DONE)
        return lg__sqlerr(lg, "reading an account");
    return zp__error(lg->ctx, ZP_ENOTFOUND,
                     "%s: no account '%s' (create it with the account operation)", what, id);
}

/* Copy text (NULL: empty) into dst of cap bytes, cut to fit. */
void lg__copy_text(char *dst, size_t cap, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, text, n);
    dst[n] = 0;
}

/* ---- registry primitives ----------------------------------------------------
 */

/* Project's standard and owner (into buffers of 17 and 65), ZP_ENOTFOUND
 * naming what when unknown. */
zp_status lg__project_get(zp_ledger *lg, const char *id, const char *what, char *standard,
                          char *owner)
{
    if (!owner)
        for (int i = 0; i < lg->npcache; i++)
            if (strcmp(lg->pcache[i].id, id) == 0) {
                memcpy(standard, lg->pcache[i].standard, 17);
                return ZP_OK;
            }
    sqlite3_stmt *s = lg__bound(lg, LS_PROJ_GET, "t", id);
    if (!s)
        return ZP_ESTORE;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(s, 0);
        const char *ow = (const char *)sqlite3_column_text(s, 1);
        lg__copy_text(standard, 17, st);
        if (owner)
            lg__copy_text(owner, 65, ow);
        sqlite3_reset(s);
        if (strlen(id) < 65) {
            if (lg->npcache == (int)ZP_ARRAY_LEN(lg->pcache))
                lg->npcache = lg->nacache = 0;
            lg__copy_text(lg->pcache[lg->npcache].id, 65, id);
            memcpy(lg->pcache[lg->npcache].standard, standard, 17);
            lg->npcache++;
        }
        return ZP_OK;
    }
    sqlite3_reset(s);
    if (r != SQLITE_DONE)
        return lg__sqlerr(lg, "reading a project");
    return zp__error(lg->ctx, ZP_ENOTFOUND,
                     "%s: no project '%s' (register it with the project operation)", what, id);
}

zp_status lg__balance_add(zp_ledger *lg, const char *acct, const char *project, int64_t vintage,
                          int64_t delta)
{
    zp_status rc = lg__run(lg, delta < 0 ? LS_BAL_SUB : LS_BAL_ADD, "updating a balance", "ttii",
                           acct, project, vintage, delta);
    if (!rc && delta < 0 && sqlite3_changes(lg->db) != 1)
        rc = zp__error(lg->ctx, ZP_ECORRUPT,
                       "ledger: account '%s' has no balance row for project '%s' vintage %lld; "
                       "run 'zeropark credits verify'",
                       acct, project, (long long)vintage);
    return rc;
}

zp_status lg__pv_add(zp_ledger *lg, const char *project, int64_t vintage, int64_t issued,
                     int64_t retired, int64_t cancelled)
{
    return lg__run(lg, LS_PV_ADD, "updating the project-vintage totals", "tiiii", project, vintage,
                   issued, retired, cancelled);
}

/* The block of (project, vintage) whose range starts at or before serial
 * (containing = 1) or starts exactly at serial (containing = 0). *found = 0
 * when there is none. */
zp_status lg__block_find(zp_ledger *lg, const char *project, int64_t vintage, int64_t serial,
                         int containing, lg_blk *b, int *found)
{
    sqlite3_stmt *s =
        lg__bound(lg, containing ? LS_BLK_CONTAINING : LS_BLK_AT, "tii", project, vintage, serial);
    if (!s)
        return ZP_ESTORE;
    int r = sqlite3_step(s);
    *found = 0;
    if (r == SQLITE_ROW) {
        b->id = sqlite3_column_int64(s, 0);
        b->first = sqlite3_column_int64(s, 1);
        b->last = sqlite3_column_int64(s, 2);
        const char *a = (const char *)sqlite3_column_text(s, 3);
        lg__copy_text(b->account, sizeof b->account, a);
        b->state = sqlite3_column_int64(s, 4);
        *found = !containing || b->last >= serial;
    }
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return lg__sqlerr(lg, "reading a block");
    return ZP_OK;
}

static zp_status block_set(zp_ledger *lg, int64_t id, int64_t first, int64_t last,
                           const char *acct, int64_t state, int64_t retirement)
{
    return lg__run(lg, LS_BLK_SET, "updating a block", "iiitiz", id, first, last, acct, state,
                   retirement);
}

static zp_status block_set_last(zp_ledger *lg, int64_t id, int64_t last)
{
    return lg__run(lg, LS_BLK_SET_LAST, "updating a block", "ii", id, last);
}

zp_status lg__block_ins(zp_ledger *lg, const char *project, int64_t vintage, int64_t first,
                        int64_t last, const char *acct, int64_t state, int64_t retirement,
                        int64_t *id)
{
    zp_status rc = lg__run(lg, LS_BLK_INS, "inserting a block", "tiiitiz", project, vintage, first,
                           last, acct, state, retirement);
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(lg->db);
    return rc;
}

static zp_status block_del(zp_ledger *lg, int64_t id)
{
    return lg__run(lg, LS_BLK_DEL, "deleting a block", "i", id);
}

/* Merge the active block id = [first, last] of acct with its active
 * neighbours of the same owner (left, right: whether to look on that
 * side; a side where the sender keeps the rest of a split block cannot
 * merge). */
zp_status lg__block_merge(zp_ledger *lg, const char *project, int64_t vintage, int64_t id,
                          int64_t first, int64_t last, const char *acct, int left, int right)
{
    lg_blk nb;
    int found;
    zp_status rc;
    if (left && first > 1) {
        if ((rc = lg__block_find(lg, project, vintage, first - 1, 1, &nb, &found)))
            return rc;
        if (found && nb.last == first - 1 && nb.state == 0 && strcmp(nb.account, acct) == 0) {
            if ((rc = block_del(lg, id)) || (rc = block_set_last(lg, nb.id, last)))
                return rc;
            id = nb.id;
            first = nb.first;
        }
    }
    if (!right)
        return ZP_OK;
    if ((rc = lg__block_find(lg, project, vintage, last + 1, 0, &nb, &found)))
        return rc;
    if (found && nb.state == 0 && strcmp(nb.account, acct) == 0) {
        if ((rc = block_del(lg, nb.id)) || (rc = block_set_last(lg, id, nb.last)))
            return rc;
    }
    return ZP_OK;
}

/* Move serials [first, last] of (project, vintage), which lie inside one
 * active block of from, to account to with state (0 active, 1 retired,
 * 2 cancelled). Balances are the caller's. */
zp_status lg__move_range(zp_ledger *lg, const char *project, int64_t vintage, int64_t first,
                         int64_t last, const char *from, const char *to, int state,
                         int64_t retirement)
{
    lg_blk b;
    int found;
    /* A move to oneself would split the block and leave it split. */
    if (state == 0 && strcmp(from, to) == 0)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "ledger: account '%s' cannot move serials %lld-%lld to itself", from,
                         (long long)first, (long long)last);
    zp_status rc = lg__block_find(lg, project, vintage, first, 1, &b, &found);
    if (rc)
        return rc;
    if (!found || b.last < last || b.state != 0 || strcmp(b.account, from) != 0)
        return zp__error(lg->ctx, ZP_ERANGE,
                         "serials %lld-%lld of project '%s' vintage %lld are not held by "
                         "account '%s' as one active range",
                         (long long)first, (long long)last, project, (long long)vintage, from);
    int64_t id = b.id;
    if (b.first < first) {
        /* The head stays with from; the block row becomes the moved part. */
        if ((rc = block_set_last(lg, b.id, first - 1)) ||
            (rc = lg__block_ins(lg, project, vintage, first, last, to, state, retirement, &id)))
            return rc;
    } else if ((rc = block_set(lg, b.id, first, last, to, state, retirement))) {
        return rc;
    }
    if (b.last > last &&
        (rc = lg__block_ins(lg, project, vintage, last + 1, b.last, from, 0, 0, NULL)))
        return rc;
    if (state == 0)
        return lg__block_merge(lg, project, vintage, id, first, last, to, b.first == first,
                               b.last == last);
    return ZP_OK;
}

/* The pieces [first, last] that take qty from acct's active blocks of
 * (project, vintage) in serial order, appended to pieces as [first, last]
 * pairs. The caller has checked the balance. */
zp_status lg__pick_fifo(zp_ledger *lg, const char *acct, const char *project, int64_t vintage,
                        int64_t qty, json_t *pieces, int64_t *held)
{
    int64_t want = qty, seen = 0;
    sqlite3_stmt *s = lg__bound(lg, LS_BLK_OWNED, "tti", acct, project, vintage);
    if (!s)
        return ZP_ESTORE;
    int r = SQLITE_DONE;
    while (qty > 0 && (r = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t f = sqlite3_column_int64(s, 1), l = sqlite3_column_int64(s, 2);
        int64_t take = l - f + 1 < qty ? l - f + 1 : qty;
        if (json_array_append_new(pieces, json_pack("[I,I]", (json_int_t)f,
                                                    (json_int_t)(f + take - 1)))) {
            sqlite3_reset(s);
            return zp__nomem(lg->ctx);
        }
        qty -= take;
        seen += l - f + 1;
    }
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return lg__sqlerr(lg, "reading blocks");
    /* Short: the account holds seen tonnes there (every block was read). */
    *held = qty > 0 ? seen : want;
    return ZP_OK;
}

/* One of the per-product sums (LS_PROD_HOLD, LS_RESERVED) into *out. */
zp_status lg__product_sum(zp_ledger *lg, enum lg_stmt_id id, const char *account,
                          const char *standard, int64_t vintage, int64_t *out)
{
    sqlite3_stmt *s = lg__bound(lg, id, "tti", account, standard, vintage);
    if (!s)
        return ZP_ESTORE;
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return r == SQLITE_ROW ? ZP_OK : lg__sqlerr(lg, "reading holdings");
}

zp_status lg__product_available(zp_ledger *lg, const char *account, const char *standard,
                                int64_t vintage, int64_t *held, int64_t *reserved)
{
    zp_status rc = lg__product_sum(lg, LS_PROD_HOLD, account, standard, vintage, held);
    return rc ? rc : lg__product_sum(lg, LS_RESERVED, account, standard, vintage, reserved);
}

zp_status lg__move_product(zp_ledger *lg, const char *seller, const char *buyer,
                           const char *standard, int64_t vintage, int64_t qty, json_t *blocks)
{
    /* Collect first: moving rows while a SELECT walks them is not safe. */
    typedef struct {
        char project[65];
        int64_t first, last;
    } piece;
    piece *pc = NULL;
    size_t n = 0, cap = 0;
    zp_status rc = ZP_OK;
    sqlite3_stmt *s = lg__bound(lg, LS_PROD_BLOCKS, "tti", seller, standard, vintage);
    if (!s)
        return ZP_ESTORE;
    int64_t left = qty;
    int r = SQLITE_DONE;
    while (left > 0 && (r = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap && (rc = zp__grow(lg->ctx, (void **)&pc, &cap, n + 1, sizeof *pc)))
            break;
        const char *p = (const char *)sqlite3_column_text(s, 1);
        lg__copy_text(pc[n].project, sizeof pc[n].project, p);
        int64_t f = sqlite3_column_int64(s, 2), l = sqlite3_column_int64(s, 3);
        int64_t take = l - f + 1 < left ? l - f + 1 : left;
        pc[n].first = f;
        pc[n].last = f + take - 1;
        left -= take;
        n++;
    }
    sqlite3_reset(s);
    if (!rc && r != SQLITE_ROW && r != SQLITE_DONE)
        rc = lg__sqlerr(lg, "reading blocks");
    if (!rc && left > 0)
        rc = zp__error(lg->ctx, ZP_ERANGE,
                       "insufficient balance: account '%s' holds %lld t of %s-%lld, settling "
                       "needs %lld t",
                       seller, (long long)(qty - left), standard, (long long)vintage,
                       (long long)qty);
    for (size_t i = 0; !rc && i < n; i++) {
        int64_t q = pc[i].last - pc[i].first + 1;
        if ((rc = lg__move_range(lg, pc[i].project, vintage, pc[i].first, pc[i].last, seller, buyer,
                                 0, 0)) ||
            (rc = lg__balance_add(lg, seller, pc[i].project, vintage, -q)) ||
            (rc = lg__balance_add(lg, buyer, pc[i].project, vintage, q)))
            break;
        if (json_array_append_new(blocks, json_pack("[s,I,I,I]", pc[i].project,
                                                    (json_int_t)vintage, (json_int_t)pc[i].first,
                                                    (json_int_t)pc[i].last)))
            rc = zp__nomem(lg->ctx);
    }
    zp__free(lg->ctx, pc);
    return rc;
}
