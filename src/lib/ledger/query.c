/*
 * query.c - the read-only operations: balance, history and offsets.
 */
#include <string.h>

#include "core/jsonread.h"
#include "ledger/ledger_impl.h"

/* A one-off query into *s, bound as lg__bound binds (the caller finalizes
 * it); ZP_ESTORE with the error set when it cannot be prepared. */
#define QUERY(s, sql, ...)                                                                         \
    (lg__query(lg, sql, "preparing a query", &(s), __VA_ARGS__) ? ZP_ESTORE : ZP_OK)

zp_status lg__op_balance(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *acct;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, "account", 0, &acct)))
        return rc;
    if (acct && (rc = lg__account_check(lg, acct, "args.account")))
        return rc;
    json_t *out = json_object(), *accts = json_array(), *pvs = json_array();
    sqlite3_stmt *s = NULL, *b = NULL;
    if (!out || !accts || !pvs) {
        rc = zp__nomem(lg->ctx);
        goto fail;
    }
    json_object_set_new(out, "accounts", accts);
    json_object_set_new(out, "project_vintages", pvs);
    if ((rc = QUERY(s,
                    "SELECT a.id, a.name, a.kind, l.project, p.standard, l.vintage, l.qty"
                    " FROM lg_account a LEFT JOIN lg_balance l ON l.account = a.id AND l.qty > 0"
                    " LEFT JOIN lg_project p ON p.id = l.project"
                    " WHERE ?1 IS NULL OR a.id = ?1 ORDER BY a.id, l.project, l.vintage",
                    "t", acct)) ||
        (rc = QUERY(b,
                    "SELECT first, last FROM lg_block WHERE account = ?1 AND state = 0 AND"
                    " vintage = ?3 AND project = ?2 ORDER BY first",
                    "")))
        goto fail;
    json_t *cur = NULL;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = lg__col_text(s, 0);
        if (!cur || strcmp(json_string_value(json_object_get(cur, "account")), id) != 0) {
            cur = json_pack("{s:s, s:s, s:s, s:I, s:[], s:[]}", "account", id, "name",
                            lg__col_text(s, 1), "kind", lg__col_text(s, 2), "total_t",
                            (json_int_t)0, "holdings", "reserved");
            if (!cur || json_array_append_new(accts, cur)) {
                rc = zp__nomem(lg->ctx);
                goto fail;
            }
        }
        if (sqlite3_column_type(s, 3) == SQLITE_NULL)
            continue;
        const char *proj = lg__col_text(s, 3), *std = lg__col_text(s, 4);
        int64_t vin = sqlite3_column_int64(s, 5), qty = sqlite3_column_int64(s, 6);
        json_t *ser = json_array();
        sqlite3_reset(b);
        lg__bind_text(b, 1, id);
        lg__bind_text(b, 2, proj);
        sqlite3_bind_int64(b, 3, vin);
        while (ser && sqlite3_step(b) == SQLITE_ROW)
            json_array_append_new(ser, lg__serial_json(std, proj, vin, sqlite3_column_int64(b, 0),
                                                       sqlite3_column_int64(b, 1)));
        json_t *h = json_pack("{s:s, s:s, s:I, s:o, s:I, s:o*}", "project", proj, "standard",
                              std, "vintage", (json_int_t)vin, "product",
                              json_sprintf("%s-%lld", std, (long long)vin), "qty",
                              (json_int_t)qty, "serials", ser);
        if (!h || json_array_append_new(json_object_get(cur, "holdings"), h)) {
            rc = zp__nomem(lg->ctx);
            goto fail;
        }
        json_object_set_new(cur, "total_t",
                            json_integer(json_integer_value(json_object_get(cur, "total_t")) +
                                         qty));
    }
    if (r != SQLITE_DONE) {
        rc = lg__sqlerr(lg, "reading balances");
        goto fail;
    }
    sqlite3_finalize(s);
    if ((rc = QUERY(s,
                    "SELECT account, standard, vintage, SUM(remaining) FROM lg_order WHERE"
                    " state = 'open' AND side = 1 AND (?1 IS NULL OR account = ?1)"
                    " GROUP BY account, standard, vintage ORDER BY account, standard, vintage",
                    "t", acct)))
        goto fail;
    while (sqlite3_step(s) == SQLITE_ROW) {
        size_t i;
        json_t *a;
        json_array_foreach(accts, i, a)
        {
            if (strcmp(json_string_value(json_object_get(a, "account")), lg__col_text(s, 0)) == 0)
                json_array_append_new(json_object_get(a, "reserved"),
                                      json_pack("{s:o, s:I}", "product",
                                                json_sprintf("%s-%lld", lg__col_text(s, 1),
                                                             (long long)sqlite3_column_int64(s, 2)),
                                                "qty", (json_int_t)sqlite3_column_int64(s, 3)));
        }
    }
    sqlite3_finalize(s);
    s = NULL;
    if (!acct) {
        if ((rc = QUERY(s,
                        "SELECT v.project, p.standard, v.vintage, v.issued, v.retired,"
                        " v.cancelled, (SELECT COALESCE(SUM(qty), 0) FROM lg_balance l WHERE"
                        " l.project = v.project AND l.vintage = v.vintage) FROM lg_pv v JOIN"
                        " lg_project p ON p.id = v.project ORDER BY v.project, v.vintage",
                        "")))
            goto fail;
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(pvs,
                                  json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "project",
                                            lg__col_text(s, 0), "standard", lg__col_text(s, 1),
                                            "vintage", (json_int_t)sqlite3_column_int64(s, 2),
                                            "issued", (json_int_t)sqlite3_column_int64(s, 3),
                                            "held", (json_int_t)sqlite3_column_int64(s, 6),
                                            "retired", (json_int_t)sqlite3_column_int64(s, 4),
                                            "cancelled", (json_int_t)sqlite3_column_int64(s, 5)));
    }
    sqlite3_finalize(s);
    sqlite3_finalize(b);
    *res = out;
    return ZP_OK;
fail:
    sqlite3_finalize(s);
    sqlite3_finalize(b);
    json_decref(out);
    return rc;
}

/* Does journal entry e concern account a? orders (sorted ids of a's
 * orders, n of them) catch the cancellations of a's orders, which name
 * only the order. */
static int entry_mentions(json_t *e, const char *a, const int64_t *orders, size_t n)
{
    static const char *const keys[] = {"from", "to", "account", "buyer", "seller", "owner"};
    for (size_t k = 0; k < ZP_ARRAY_LEN(keys); k++) {
        const char *v = json_string_value(json_object_get(e, keys[k]));
        if (v && strcmp(v, a) == 0)
            return 1;
    }
    const char *op = json_string_value(json_object_get(e, "op"));
    const char *id = json_string_value(json_object_get(e, "id"));
    if (op && strcmp(op, "order_cancel") == 0) {
        int64_t o = json_integer_value(json_object_get(e, "order"));
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (orders[mid] < o)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < n && orders[lo] == o;
    }
    return op && id && strcmp(op, "account") == 0 && strcmp(id, a) == 0;
}

/* Journal entries after seq `after`, at most `limit` of them; with an
 * account, only the entries that concern it. `next` is the seq to pass as
 * `after` for the next page, null when there is no more. */
zp_status lg__op_history(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *acct;
    int64_t after = 0, limit = 100;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, "account", 0, &acct)) ||
        (rc = lg__arg_int(lg, args, "after", 0, 0, INT64_MAX, &after)) ||
        (rc = lg__arg_int(lg, args, "limit", 0, 1, 100000, &limit)))
        return rc;
    if (acct && (rc = lg__account_check(lg, acct, "args.account")))
        return rc;
    int64_t *orders = NULL;
    size_t norders = 0, cap = 0;
    char *quoted = NULL;
    json_t *list = NULL;
    sqlite3_stmt *s = NULL;
    if (acct) {
        /* The account's orders, whose cancellations name only the order. */
        if ((rc = QUERY(s, "SELECT id FROM lg_order WHERE account = ?1 ORDER BY id", "t", acct)))
            return rc;
        while (!rc && sqlite3_step(s) == SQLITE_ROW)
            if (!(rc = zp__grow(lg->ctx, (void **)&orders, &cap, norders + 1, sizeof *orders)))
                orders[norders++] = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        s = NULL;
        quoted = rc ? NULL : zp__asprintf(lg->ctx, "\"%s\"", acct);
        if (!rc && !quoted)
            rc = zp__nomem(lg->ctx);
        if (rc)
            goto out;
    }
    if ((rc = QUERY(s,
                    "SELECT seq, entry, hash FROM lg_journal WHERE seq > ?1 AND (?2 IS NULL OR"
                    " instr(entry, ?2) > 0 OR (?3 AND instr(entry, '\"op\":\"order_cancel\"') > 0))"
                    " ORDER BY seq",
                    "iti", after, quoted, (int64_t)(norders > 0))))
        goto out;
    list = json_array();
    int64_t next = 0, last = 0;
    int r = SQLITE_DONE;
    while (list && (r = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        json_error_t err;
        json_t *e = json_loads(lg__col_text(s, 1), 0, &err);
        if (!e) {
            char words[JSON_ERROR_TEXT_LENGTH + 128];
            rc = zp__error(lg->ctx, ZP_ECORRUPT, "journal entry %lld is not JSON: %s",
                           (long long)seq, zp__json_errtext(err.text, words, sizeof words));
            break;
        }
        if (acct && !entry_mentions(e, acct, orders, norders)) {
            json_decref(e);
            continue;
        }
        if ((int64_t)json_array_size(list) == limit) {
            /* One more entry exists: the page ends at the last one given. */
            json_decref(e);
            next = last;
            break;
        }
        char hex[65] = "";
        if (sqlite3_column_bytes(s, 2) == 32)
            lg__hex(sqlite3_column_blob(s, 2), 32, hex);
        if (json_array_append_new(list, json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)seq,
                                                  "hash", hex, "entry", e))) {
            rc = zp__nomem(lg->ctx);
            break;
        }
        last = seq;
    }
    if (!list)
        rc = zp__nomem(lg->ctx);
    else if (!rc && r != SQLITE_ROW && r != SQLITE_DONE)
        rc = lg__sqlerr(lg, "reading the journal");
    if (rc)
        goto out;
    *res = json_pack("{s:O, s:o}", "entries", list, "next",
                     next ? json_integer(next) : json_null());
    if (!*res)
        rc = zp__nomem(lg->ctx);
out:
    sqlite3_finalize(s);
    json_decref(list);
    zp__free(lg->ctx, quoted);
    zp__free(lg->ctx, orders);
    return rc;
}

zp_status lg__op_offsets(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *park;
    int64_t year = 0;
    zp_status rc;
    if ((rc = lg__arg_str(lg, args, "park", 1, &park)) ||
        (rc = lg__arg_int(lg, args, "year", 1, 1900, 2200, &year)))
        return rc;
    /* The figures an offset claim rests on are given only from a ledger
     * whose tables agree with its journal (same read transaction). */
    if ((rc = lg__verified(lg)))
        return rc;
    sqlite3_stmt *s = NULL;
    if ((rc = QUERY(s,
                    "SELECT r.id, r.account, r.project, p.standard, r.vintage, r.qty,"
                    " r.beneficiary, r.purpose, r.serials, r.seq FROM lg_retirement r"
                    " JOIN lg_project p ON p.id = r.project WHERE r.park = ?1 AND"
                    " r.year = ?2 ORDER BY r.id",
                    "ti", park, year)))
        return rc;
    json_t *list = json_array();
    int64_t total = 0;
    int r;
    while (list && (r = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *ser = json_loads(lg__col_text(s, 8), 0, NULL);
        if (!json_is_array(ser)) {
            json_decref(ser);
            rc = zp__error(lg->ctx, ZP_ECORRUPT, "retirement %lld: serials are not a JSON array",
                           (long long)sqlite3_column_int64(s, 0));
            break;
        }
        total += sqlite3_column_int64(s, 5);
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:I}", "retirement",
                            (json_int_t)sqlite3_column_int64(s, 0), "account", lg__col_text(s, 1),
                            "project", lg__col_text(s, 2), "standard", lg__col_text(s, 3),
                            "vintage", (json_int_t)sqlite3_column_int64(s, 4), "qty",
                            (json_int_t)sqlite3_column_int64(s, 5), "beneficiary",
                            lg__col_text(s, 6), "purpose", lg__col_text(s, 7), "serials", ser,
                            "seq", (json_int_t)sqlite3_column_int64(s, 9)));
    }
    sqlite3_finalize(s);
    if (rc || !list) {
        json_decref(list);
        return rc ? rc : zp__nomem(lg->ctx);
    }
    *res = json_pack("{s:s, s:I, s:I, s:o}", "park", park, "year", (json_int_t)year, "retired_t",
                     (json_int_t)total, "retirements", list);
    return *res ? ZP_OK : zp__nomem(lg->ctx);
}
