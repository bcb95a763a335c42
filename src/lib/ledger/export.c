/*
 * export.c - the auditor's export: the journal as text lines, one
 * consistent snapshot written atomically.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ledger/ledger_impl.h"

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
        (rc = lg__prepare(lg, "SELECT seq, hash, entry FROM lg_journal ORDER BY seq", "verify",
                          &s))) {
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
