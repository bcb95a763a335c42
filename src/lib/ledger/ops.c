/*
 * ops.c - the operation table (names, the arguments each takes, whether it
 * writes) and zp_ledger_exec: each operation in its own transaction, with
 * its idempotency key; zp_ledger_verify, which runs the verify operation.
 */
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger_impl.h"

/* An operation with the arguments it takes (docs/credits.md). */
typedef struct lg_op {
    const char *name;
    lg_op_fn *fn;
    int writes;
    const char *keys[10];
} lg_op;

static const lg_op ops[] = {
    {"account", lg__op_account, 1, {"id", "name", "kind"}},
    {"project", lg__op_project, 1,
     {"id", "name", "standard", "location", "area_ha", "methodology", "owner"}},
    {"issue", lg__op_issue, 1, {"project", "vintage", "qty", "to", "verification"}},
    {"transfer", lg__op_transfer, 1, {"from", "to", "serial", "project", "vintage", "qty"}},
    {"retire", lg__op_retire, 1,
     {"account", "serial", "project", "vintage", "qty", "beneficiary", "purpose", "park",
      "year"}},
    {"cancel", lg__op_cancel, 1, {"account", "serial", "project", "vintage", "qty", "reason"}},
    {"order", lg__op_order, 1, {"account", "side", "type", "product", "qty", "price"}},
    {"balance", lg__op_balance, 0, {"account"}},
    {"book", lg__op_book, 0, {"product"}},
    {"history", lg__op_history, 0, {"account", "after", "limit"}},
    {"verify", lg__op_verify, 0, {NULL}},
    {"offsets", lg__op_offsets, 0, {"park", "year"}},
};

/* cancel with args.order cancels an open order instead of credits, and
 * takes these arguments instead of cancel's own. */
static const lg_op cancel_order = {"cancel of an order", lg__op_order_cancel, 1,
                                   {"order", "account"}};

/* SHA-256 of op NUL canonical-args: what an idempotency key is bound to. */
static zp_status request_hash(zp_ledger *lg, const char *op, json_t *args, unsigned char h[32])
{
    char *t = lg__canon(args);
    if (!t)
        return zp__nomem(lg->ctx);
    zp_status rc = lg__sha256(lg, op, strlen(op) + 1, t, strlen(t), h);
    free(t);
    return rc;
}

zp_status zp_ledger_exec(zp_ledger *lg, const char *op, json_t *args,
                         const char *idempotency_key, json_t **result)
{
    if (result)
        *result = NULL;
    if (!lg || !op || !result)
        return lg ? zp__error(lg->ctx, ZP_EINVAL, "zp_ledger_exec: NULL argument") : ZP_EINVAL;
    size_t k;
    for (k = 0; k < ZP_ARRAY_LEN(ops); k++)
        if (strcmp(ops[k].name, op) == 0)
            break;
    if (k == ZP_ARRAY_LEN(ops)) {
        const char *names[ZP_ARRAY_LEN(ops)];
        for (size_t i = 0; i < ZP_ARRAY_LEN(ops); i++)
            names[i] = ops[i].name;
        const char *near = zp__nearest(op, names, ZP_ARRAY_LEN(ops));
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: '%s' is not an operation%s%s%s", op,
                         near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    }
    json_t *empty = NULL;
    if (!args) {
        args = empty = json_object();
        if (!args)
            return zp__nomem(lg->ctx);
    }
    const lg_op *o = &ops[k];
    if (o->fn == lg__op_cancel && lg__arg_has(args, "order"))
        o = &cancel_order;
    zp_status rc = lg__arg_keys(lg, args, o->name, o->keys, ZP_ARRAY_LEN(o->keys));
    if (rc) {
        json_decref(empty);
        return rc;
    }
    int writes = o->writes;
    if (writes && lg->readonly) {
        json_decref(empty);
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: '%s' writes, but the ledger is open "
                                             "read-only", op);
    }
    if (idempotency_key && writes &&
        (strlen(idempotency_key) == 0 || strlen(idempotency_key) > 200)) {
        json_decref(empty);
        return zp__error(lg->ctx, ZP_EINVAL, "idempotency key: must be 1-200 bytes");
    }
    rc = lg__tx_begin(lg, writes);
    if (rc) {
        json_decref(empty);
        return rc;
    }
    unsigned char req[32];
    json_t *res = NULL;
    int replay = 0;
    if (writes && idempotency_key) {
        sqlite3_stmt *s = NULL;
        if ((rc = request_hash(lg, op, args, req)) ||
            !(s = lg__bound(lg, LS_IDEM_GET, "t", idempotency_key))) {
            rc = rc ? rc : ZP_ESTORE;
            goto done;
        }
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW) {
            if (sqlite3_column_bytes(s, 0) != 32 || memcmp(sqlite3_column_blob(s, 0), req, 32)) {
                rc = zp__error(lg->ctx, ZP_EEXISTS,
                               "idempotency key '%s' was used for a different request; use a "
                               "new key for a new request",
                               idempotency_key);
            } else {
                json_error_t err;
                res = json_loads(lg__col_text(s, 1), 0, &err);
                rc = res ? ZP_OK
                         : zp__error(lg->ctx, ZP_ECORRUPT,
                                     "idempotency key '%s': stored result is not JSON",
                                     idempotency_key);
                replay = 1;
            }
        } else if (r != SQLITE_DONE) {
            rc = lg__sqlerr(lg, "reading an idempotency key");
        }
        sqlite3_reset(s);
        if (rc || replay)
            goto done;
    }
    rc = o->fn(lg, args, &res);
    if (!rc && writes && idempotency_key) {
        char *t = lg__canon(res);
        rc = t ? lg__run(lg, LS_IDEM_INS, "storing the idempotency key", "thti", idempotency_key,
                         req, t, lg->head_ok ? lg->head_seq : (int64_t)0)
               : zp__nomem(lg->ctx);
        free(t);
    }
done:;
    zp_status rc2 = lg__tx_end(lg, rc == ZP_OK && !replay);
    if (!rc)
        rc = rc2;
    json_decref(empty);
    if (rc) {
        json_decref(res);
        return rc;
    }
    if (replay && json_is_object(res))
        json_object_set_new(res, "replayed", json_true());
    *result = res;
    return ZP_OK;
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
