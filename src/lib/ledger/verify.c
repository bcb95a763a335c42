/*
 * verify.c - the verify operation: the hash chain checked and every entry
 * replayed (replay.c) into a state of its own (vstate.c), then the tables
 * compared with that state (compare.c).
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
 * are read by a scanner of their own (vscan.c: no jansson tree per entry)
 * and the serial ranges of a project-vintage live in a treap keyed by the
 * first serial (replay.c).
 */
#include <string.h>

#include "ledger/verify_impl.h"

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
    if ((rc =
             lg__prepare(lg, "SELECT seq, entry, hash FROM lg_journal ORDER BY seq", "verify", &s)))
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
