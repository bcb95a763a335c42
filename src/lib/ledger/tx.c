/*
 * tx.c - transactions: the caller's batches (zp_ledger_begin .. commit)
 * and each operation's own transaction, or savepoint inside a batch.
 */
#include "ledger/ledger_impl.h"

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

zp_status zp_ledger_commit(zp_ledger *lg)
{
    if (!lg)
        return ZP_EINVAL;
    if (!lg->batch)
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: no batch is open");
    zp_status rc = lg__exec_sql(lg, "COMMIT", "committing the batch");
    if (rc) {
        sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
        lg->npcache = lg->nacache = 0;
    }
    lg->batch = 0;
    lg->head_ok = 0;
    return rc;
}

zp_status zp_ledger_rollback(zp_ledger *lg)
{
    if (!lg)
        return ZP_EINVAL;
    if (!lg->batch)
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: no batch is open");
    lg->batch = 0;
    lg->head_ok = 0;
    lg->npcache = lg->nacache = 0;
    return lg__exec_sql(lg, "ROLLBACK", "rolling back the batch");
}

/* Run transaction statement k (0 SAVEPOINT, 1 RELEASE, 2 ROLLBACK TO,
 * 3 BEGIN IMMEDIATE, 4 BEGIN, 5 COMMIT, 6 ROLLBACK), prepared once: one
 * or two of them run per operation. */
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
        return savepoint(lg, 0);
    lg->head_ok = 0;
    return savepoint(lg, writes ? 3 : 4);
}

zp_status lg__tx_end(zp_ledger *lg, int ok)
{
    if (lg->batch) {
        if (ok)
            return savepoint(lg, 1);
        lg->head_ok = 0;
        lg->npcache = lg->nacache = 0;
        savepoint(lg, 2);
        savepoint(lg, 1);
        return ZP_OK;
    }
    if (ok) {
        zp_status rc = savepoint(lg, 5);
        if (rc) {
            savepoint(lg, 6);
            lg->npcache = lg->nacache = 0;
        }
        return rc;
    }
    lg->head_ok = 0;
    lg->npcache = lg->nacache = 0;
    savepoint(lg, 6);
    return ZP_OK;
}
