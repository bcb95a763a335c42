/*
 * credit.c - the operations on credits: issue, transfer, retire and
 * cancel.
 */
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger_impl.h"

zp_status lg__op_issue(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *project, *to, *verification;
    int64_t vintage = 0, qty = 0;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, "project", 1, &project)) ||
        (rc = lg__arg_int(lg, args, "vintage", 1, 1900, 2200, &vintage)) ||
        (rc = lg__arg_int(lg, args, "qty", 1, 1, LG_MAX_QTY, &qty)) ||
        (rc = lg__arg_id(lg, args, "to", 0, &to)) ||
        (rc = lg__arg_str(lg, args, "verification", 0, &verification)))
        return rc;
    char standard[17], owner[65];
    if ((rc = lg__project_get(lg, project, "args.project", standard, owner)))
        return rc;
    if (!to)
        to = owner;
    if ((rc = lg__account_check(lg, to, "args.to")))
        return rc;
    sqlite3_stmt *s = lg__bound(lg, LS_PV_GET, "ti", project, vintage);
    if (!s)
        return ZP_ESTORE;
    int r = sqlite3_step(s);
    int64_t issued = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return lg__sqlerr(lg, "reading the issued total");
    if (issued + qty > LG_MAX_QTY)
        return zp__error(lg->ctx, ZP_ERANGE,
                         "args.qty: project '%s' vintage %lld would exceed %lld t issued",
                         project, (long long)vintage, (long long)LG_MAX_QTY);
    int64_t first = issued + 1, last = issued + qty, bid;
    json_t *e = json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:s}", "op", "issue", "project",
                          project, "vintage", (json_int_t)vintage, "to", to, "qty",
                          (json_int_t)qty, "first", (json_int_t)first, "last", (json_int_t)last,
                          "verification", verification ? verification : "");
    int64_t seq;
    if ((rc = lg__journal_take(lg, e, &seq)) ||
        (rc = lg__block_ins(lg, project, vintage, first, last, to, 0, 0, &bid)) ||
        (rc = lg__block_merge(lg, project, vintage, bid, first, last, to, 1, 0)) ||
        (rc = lg__balance_add(lg, to, project, vintage, qty)) ||
        (rc = lg__pv_add(lg, project, vintage, qty, 0, 0)))
        return rc;
    *res = json_pack("{s:o, s:s, s:I, s:I, s:I, s:I}", "serial",
                     lg__serial_json(standard, project, vintage, first, last), "to", to, "qty",
                     (json_int_t)qty, "first", (json_int_t)first, "last", (json_int_t)last, "seq",
                     (json_int_t)seq);
    return *res ? ZP_OK : zp__nomem(lg->ctx);
}

/* What a transfer, retirement or cancellation takes from an account:
 * either args.serial, or args.qty of args.project/args.vintage. Fills
 * *project, *vintage, standard and pieces ([first, last] pairs), checks
 * the balance and the reservation by open sell orders. */
static zp_status take_spec(zp_ledger *lg, json_t *args, const char *acct, const char *verb,
                           char *project, int64_t *vintage, char *standard, int64_t *qty,
                           json_t *pieces)
{
    const char *serial, *proj;
    zp_status rc;
    if ((rc = lg__arg_str(lg, args, "serial", 0, &serial)))
        return rc;
    if (serial) {
        lg_serial sr;
        if ((rc = lg__serial_parse(lg, serial, "args.serial", &sr)))
            return rc;
        if ((rc = lg__project_get(lg, sr.project, "args.serial", standard, NULL)))
            return rc;
        if (strcmp(standard, sr.standard) != 0)
            return zp__error(lg->ctx, ZP_EINVAL,
                             "args.serial: project '%s' is a %s project, not %s", sr.project,
                             standard, sr.standard);
        lg__copy_text(project, 65, sr.project);
        *vintage = sr.vintage;
        *qty = sr.last - sr.first + 1;
        if (lg__arg_given(args, "qty")) {
            int64_t q = 0;
            if ((rc = lg__arg_int(lg, args, "qty", 1, 1, LG_MAX_QTY, &q)))
                return rc;
            if (q != *qty)
                return zp__error(lg->ctx, ZP_EINVAL,
                                 "args.qty: %lld t disagrees with args.serial (%lld t); give "
                                 "one of them",
                                 (long long)q, (long long)*qty);
        }
        lg_blk b;
        int found;
        if ((rc = lg__block_find(lg, sr.project, sr.vintage, sr.first, 1, &b, &found)))
            return rc;
        if (!found || b.last < sr.last || b.state != 0 || strcmp(b.account, acct) != 0) {
            if ((rc = lg__account_check(lg, acct, "args.account")))
                return rc;
            const char *why = !found ? "were never issued"
                              : b.state == 1 ? "are retired"
                              : b.state == 2 ? "are cancelled"
                                             : "are not all held by the account";
            return zp__error(lg->ctx, ZP_ERANGE,
                             "cannot %s %s from account '%s': these serials %s", verb, serial,
                             acct, why);
        }
        if (json_array_append_new(pieces, json_pack("[I,I]", (json_int_t)sr.first,
                                                    (json_int_t)sr.last)))
            return zp__nomem(lg->ctx);
    } else {
        if ((rc = lg__arg_id(lg, args, "project", 1, &proj)) ||
            (rc = lg__arg_int(lg, args, "vintage", 1, 1900, 2200, vintage)) ||
            (rc = lg__arg_int(lg, args, "qty", 1, 1, LG_MAX_QTY, qty)))
            return rc;
        if ((rc = lg__project_get(lg, proj, "args.project", standard, NULL)))
            return rc;
        lg__copy_text(project, 65, proj);
        /* The blocks are read once: they give the pieces and, when they
         * fall short, the balance (verify keeps blocks and balances equal). */
        int64_t bal = 0;
        if ((rc = lg__pick_fifo(lg, acct, project, *vintage, *qty, pieces, &bal)))
            return rc;
        if (bal < *qty && (rc = lg__account_check(lg, acct, "sender")))
            return rc;
        if (bal < *qty)
            return zp__error(lg->ctx, ZP_ERANGE,
                             "insufficient balance: account '%s' holds %lld t of project '%s' "
                             "vintage %lld (%s-%lld); to %s needs %lld t",
                             acct, (long long)bal, project, (long long)*vintage, standard,
                             (long long)*vintage, verb, (long long)*qty);
    }
    /* Most accounts offer nothing: the holdings are summed only when needed. */
    int64_t held = 0, reserved = 0;
    if ((rc = lg__product_sum(lg, LS_RESERVED, acct, standard, *vintage, &reserved)) ||
        (reserved > 0 && (rc = lg__product_sum(lg, LS_PROD_HOLD, acct, standard, *vintage, &held))))
        return rc;
    if (reserved > 0 && held - *qty < reserved)
        return zp__error(lg->ctx, ZP_ERANGE,
                         "account '%s' holds %lld t of %s-%lld of which %lld t are offered by "
                         "its open sell orders; to %s %lld t, cancel orders first",
                         acct, (long long)held, standard, (long long)*vintage,
                         (long long)reserved, verb, (long long)*qty);
    return ZP_OK;
}

/* Pieces as [[project, vintage, first, last], ...] and as serial texts. */
static zp_status pieces_out(zp_ledger *lg, json_t *pieces, const char *standard,
                            const char *project, int64_t vintage, json_t **blocks,
                            json_t **serials)
{
    *blocks = json_array();
    *serials = json_array();
    if (!*blocks || !*serials)
        return zp__nomem(lg->ctx);
    size_t i;
    json_t *p;
    json_array_foreach(pieces, i, p)
    {
        json_int_t f = json_integer_value(json_array_get(p, 0));
        json_int_t l = json_integer_value(json_array_get(p, 1));
        if (json_array_append_new(*blocks,
                                  json_pack("[s,I,I,I]", project, (json_int_t)vintage, f, l)) ||
            json_array_append_new(*serials, lg__serial_json(standard, project, vintage, f, l)))
            return zp__nomem(lg->ctx);
    }
    return ZP_OK;
}

/* kind 0 transfer, 1 retire, 2 cancel. */
static zp_status op_move(zp_ledger *lg, json_t *args, json_t **res, int kind)
{
    static const char *const verbs[] = {"transfer", "retire", "cancel"};
    const char *from, *to = NULL, *beneficiary = NULL, *purpose = NULL, *park = NULL,
                      *reason = NULL;
    int64_t year = 0, vintage = 0, qty = 0;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, kind == 0 ? "from" : "account", 1, &from)))
        return rc;
    if (kind == 0 && (rc = lg__arg_id(lg, args, "to", 1, &to)))
        return rc;
    if (kind == 1 && ((rc = lg__arg_str(lg, args, "beneficiary", 1, &beneficiary)) ||
                      (rc = lg__arg_str(lg, args, "purpose", 1, &purpose)) ||
                      (rc = lg__arg_str(lg, args, "park", 1, &park)) ||
                      (rc = lg__arg_int(lg, args, "year", 1, 1900, 2200, &year))))
        return rc;
    if (kind == 2 && (rc = lg__arg_str(lg, args, "reason", 1, &reason)))
        return rc;
    /* The sender's existence is checked when it cannot give (take_spec):
     * an account that holds the credits exists. */
    if (to && (rc = lg__account_check(lg, to, "args.to")))
        return rc;
    if (to && strcmp(from, to) == 0)
        return zp__error(lg->ctx, ZP_EINVAL, "args.to: '%s' is also the sender", to);
    char project[65], standard[17];
    json_t *pieces = json_array(), *blocks = NULL, *serials = NULL, *e = NULL;
    int64_t seq = 0, ret_id = 0;
    if (!pieces)
        return zp__nomem(lg->ctx);
    if ((rc = take_spec(lg, args, from, verbs[kind], project, &vintage, standard, &qty, pieces)) ||
        (rc = pieces_out(lg, pieces, standard, project, vintage, &blocks, &serials)))
        goto out;
    if (kind == 1) {
        /* The retirement's row first: its id goes into the blocks and the entry. */
        char *st = lg__canon(serials);
        if (!st) {
            rc = zp__nomem(lg->ctx);
            goto out;
        }
        rc = lg__run(lg, LS_RET_INS, "recording the retirement", "ttiitttitii", from, project,
                     vintage, qty, beneficiary, purpose, park, year, st, (int64_t)0, lg__now(lg));
        free(st);
        if (rc)
            goto out;
        ret_id = sqlite3_last_insert_rowid(lg->db);
    }
    size_t i;
    json_t *p;
    json_array_foreach(pieces, i, p)
    {
        int64_t f = json_integer_value(json_array_get(p, 0));
        int64_t l = json_integer_value(json_array_get(p, 1));
        if ((rc = lg__move_range(lg, project, vintage, f, l, from, kind == 0 ? to : from, kind,
                                 ret_id)))
            goto out;
    }
    if ((rc = lg__balance_add(lg, from, project, vintage, -qty)) ||
        (kind == 0 && (rc = lg__balance_add(lg, to, project, vintage, qty))) ||
        (kind == 1 && (rc = lg__pv_add(lg, project, vintage, 0, qty, 0))) ||
        (kind == 2 && (rc = lg__pv_add(lg, project, vintage, 0, 0, qty))))
        goto out;
    if (kind == 0)
        e = json_pack("{s:s, s:s, s:s, s:I, s:O}", "op", "transfer", "from", from, "to", to,
                      "qty", (json_int_t)qty, "blocks", blocks);
    else if (kind == 1)
        e = json_pack("{s:s, s:s, s:I, s:O, s:I, s:s, s:s, s:s, s:I}", "op", "retire", "account",
                      from, "qty", (json_int_t)qty, "blocks", blocks, "retirement",
                      (json_int_t)ret_id, "beneficiary", beneficiary, "purpose", purpose, "park",
                      park, "year", (json_int_t)year);
    else
        e = json_pack("{s:s, s:s, s:I, s:O, s:s}", "op", "cancel", "account", from, "qty",
                      (json_int_t)qty, "blocks", blocks, "reason", reason);
    if (!e) {
        rc = zp__nomem(lg->ctx);
        goto out;
    }
    if ((rc = lg__journal(lg, e, &seq)))
        goto out;
    if (kind == 1) {
        /* The record says the entry's seq and time (verify compares them). */
        sqlite3_stmt *s = NULL;
        if ((rc = lg__query(lg, "UPDATE lg_retirement SET seq = ?1, at = ?3 WHERE id = ?2",
                            "recording the retirement", &s, "iii", seq, ret_id,
                            (int64_t)json_integer_value(json_object_get(e, "at")))))
            goto out;
        rc = lg__step_done(lg, s, "recording the retirement");
        sqlite3_finalize(s);
        if (rc)
            goto out;
    }
    *res = json_pack("{s:s, s:s, s:I, s:s, s:I, s:O, s:I}", "op", verbs[kind], "account", from,
                     "qty", (json_int_t)qty, "project", project, "vintage", (json_int_t)vintage,
                     "serials", serials, "seq", (json_int_t)seq);
    if (*res && to)
        json_object_set_new(*res, "to", json_string(to));
    if (*res && kind == 1)
        json_object_set_new(*res, "retirement", json_integer(ret_id));
    if (!*res)
        rc = zp__nomem(lg->ctx);
out:
    json_decref(pieces);
    json_decref(blocks);
    json_decref(serials);
    json_decref(e);
    return rc;
}

zp_status lg__op_transfer(zp_ledger *lg, json_t *args, json_t **res)
{
    return op_move(lg, args, res, 0);
}

zp_status lg__op_retire(zp_ledger *lg, json_t *args, json_t **res)
{
    return op_move(lg, args, res, 1);
}

zp_status lg__op_cancel(zp_ledger *lg, json_t *args, json_t **res)
{
    return op_move(lg, args, res, 2);
}
