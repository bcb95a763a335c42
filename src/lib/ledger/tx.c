/*
 * tx.c - transactions: the caller's batches (zp_ledger_begin .. commit)
 * and each operation's own transaction, or savepoint inside a batch.
 */
#include "ledger/ledger_impl.h"

/* After a rollback the journal head and the caches of accounts and
 * projects may hold what was undone. */
static void forget(zp_ledger *lg)
{
    lg->head_ok = 0;
    lg->npcache = lg->nacache = 0;
}

zp_status zp_ledger_begin(zp_ledger *lg)
{
    if (!lg)
        return ZP_EINVAL;
    if (lg->batch)
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: a batch is already open");
    if (lg->readonly)
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: opened read-only");
    zp_status rc = lg__exec_sql(lg, "BEGIN IMMEDIATE", "starting a batch");
    if (rc)
        return rc;
    lg->batch = 1;
    lg->head_ok = 0;
    return ZP_OK;
}

/* End the caller's batch: COMMIT (commit; a failed one is rolled back) or
 * ROLLBACK. */
static zp_status batch_end(zp_ledger *lg, int commit)
{
    if (!lg)
        return ZP_EINVAL;
    if (!lg->batch)
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: no batch is open");
    lg->batch = 0;
    if (!commit) {
        forget(lg);
        return lg__exec_sql(lg, "ROLLBACK", "rolling back the batch");
    }
    zp_status rc = lg__exec_sql(lg, "COMMIT", "committing the batch");
    if (rc) {
        sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
        forget(lg);
    }
    lg->head_ok = 0;
    return rc;
}

zp_status zp_ledger_commit(zp_ledger *lg)
{
    return batch_end(lg, 1);
}

zp_status zp_ledger_rollback(zp_ledger *lg)
{
    return batch_end(lg, 0);
}

/* The transaction statements, in the order of lg->sp. */
enum {
    SP_SAVEPOINT,
    SP_RELEASE,
    SP_ROLLBACK_TO,
    SP_BEGIN_IMMEDIATE,
    SP_BEGIN,
    SP_COMMIT,
    SP_ROLLBACK
};

/* Run transaction statement k, prepared once: one or two of them run per
 * operation. */
static zp_status savepoint(zp_ledger *lg, int k)
{
    static const char *const sql[] = {"SAVEPOINT lg_op", "RELEASE lg_op", "ROLLBACK TO lg_op",
                                      "BEGIN IMMEDIATE", "BEGIN", "COMMIT", "ROLLBACK"};
    if (!lg->sp[k] &&
        sqlite3_prepare_v3(lg->db, sql[k], -1, SQLITE_PREPARE_PERSISTENT, &lg->sp[k], NULL) !=
            SQLITE_OK)
        return lg__sqlerr(lg, "preparing a savepoint");
    int r = sqlite3_step(lg->sp[k]);
    sqlite3_reset(lg->sp[k]);
    return r == SQLITE_DONE ? ZP_OK : lg__sqlerr(lg, sql[k]);
}

zp_status lg__tx_begin(zp_ledger *lg, int writes)
{
    if (lg->batch)
        return savepoint(lg, SP_SAVEPOINT);
    lg->head_ok = 0;
    return savepoint(lg, writes ? SP_BEGIN_IMMEDIATE : SP_BEGIN);
}

zp_status lg__tx_end(zp_ledger *lg, int ok)
{
    if (lg->batch) {
        if (ok)
            return savepoint(lg, SP_RELEASE);
        forget(lg);
        savepoint(lg, SP_ROLLBACK_TO);
        savepoint(lg, SP_RELEASE);
        return ZP_OK;
    }
    if (ok) {
        zp_status rc = savepoint(lg, SP_COMMIT);
        if (rc) {
            savepoint(lg, SP_ROLLBACK);
            forget(lg);
        }
        return rc;
    }
    forget(lg);
    savepoint(lg, SP_ROLLBACK);
    return ZP_OK;
}
