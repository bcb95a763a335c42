/*
 * schema.c - the ledger's SQLite file: opening (and creating) it, the
 * tables (lg_*), the prepared statements every part uses, the SQLite
 * plumbing (errors, steps, one-off queries) and the handle's settings.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ledger/ledger_impl.h"

#define LG_SCHEMA_VERSION 1
#define LG_BUSY_MS 10000

static const char schema_sql[] =
    "CREATE TABLE lg_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"
    "CREATE TABLE lg_account(id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
    " seq INTEGER NOT NULL) WITHOUT ROWID;\n"
    "CREATE TABLE lg_project(id TEXT PRIMARY KEY, name TEXT NOT NULL, standard TEXT NOT NULL,"
    " location TEXT NOT NULL, area_cha INTEGER NOT NULL, methodology TEXT NOT NULL,"
    " owner TEXT NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID;\n"
    "CREATE TABLE lg_pv(project TEXT NOT NULL, vintage INTEGER NOT NULL,"
    " issued INTEGER NOT NULL, retired INTEGER NOT NULL, cancelled INTEGER NOT NULL,"
    " PRIMARY KEY(project, vintage)) WITHOUT ROWID;\n"
    "CREATE TABLE lg_block(id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
    " vintage INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,"
    " account TEXT NOT NULL, state INTEGER NOT NULL, retirement INTEGER,"
    " CHECK(first >= 1 AND first <= last));\n"
    "CREATE UNIQUE INDEX lg_block_serial ON lg_block(project, vintage, first);\n"
    "CREATE INDEX lg_block_owner ON lg_block(account, state, vintage, project, first);\n"
    "CREATE TABLE lg_balance(account TEXT NOT NULL, project TEXT NOT NULL,"
    " vintage INTEGER NOT NULL, qty INTEGER NOT NULL CHECK(qty >= 0),"
    " PRIMARY KEY(account, project, vintage)) WITHOUT ROWID;\n"
    "CREATE TABLE lg_retirement(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
    " project TEXT NOT NULL, vintage INTEGER NOT NULL, qty INTEGER NOT NULL,"
    " beneficiary TEXT NOT NULL, purpose TEXT NOT NULL, park TEXT NOT NULL,"
    " year INTEGER NOT NULL, serials TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL);\n"
    "CREATE INDEX lg_retirement_park ON lg_retirement(park, year);\n"
    "CREATE TABLE lg_order(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
    " standard TEXT NOT NULL, vintage INTEGER NOT NULL, side INTEGER NOT NULL,"
    " market INTEGER NOT NULL, price INTEGER NOT NULL, qty INTEGER NOT NULL,"
    " remaining INTEGER NOT NULL, state TEXT NOT NULL, seq INTEGER NOT NULL);\n"
    "CREATE INDEX lg_order_open ON lg_order(standard, vintage, id) WHERE state = 'open';\n"
    "CREATE TABLE lg_fill(id INTEGER PRIMARY KEY, standard TEXT NOT NULL,"
    " vintage INTEGER NOT NULL, buy_order INTEGER NOT NULL, sell_order INTEGER NOT NULL,"
    " buyer TEXT NOT NULL, seller TEXT NOT NULL, price INTEGER NOT NULL, qty INTEGER NOT NULL,"
    " seq INTEGER NOT NULL);\n"
    "CREATE TABLE lg_journal(seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, hash BLOB NOT NULL);\n"
    "CREATE TABLE lg_idem(key TEXT PRIMARY KEY, request BLOB NOT NULL, result TEXT NOT NULL,"
    " seq INTEGER NOT NULL) WITHOUT ROWID;\n"
    "INSERT INTO lg_meta VALUES('schema', '1');\n";

static const char *const stmt_sql[LS_COUNT] = {
    [LS_HEAD] = "SELECT seq, hash FROM lg_journal ORDER BY seq DESC LIMIT 1",
    [LS_JOURNAL_INS] = "INSERT INTO lg_journal(seq, entry, hash) VALUES(?1, ?2, ?3)",
    [LS_ACCT_GET] = "SELECT kind FROM lg_account WHERE id = ?1",
    [LS_ACCT_INS] = "INSERT INTO lg_account(id, name, kind, seq) VALUES(?1, ?2, ?3, ?4)",
    [LS_PROJ_GET] = "SELECT standard, owner FROM lg_project WHERE id = ?1",
    [LS_PROJ_INS] = "INSERT INTO lg_project(id, name, standard, location, area_cha, methodology,"
                    " owner, seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [LS_PV_GET] = "SELECT issued, retired, cancelled FROM lg_pv WHERE project = ?1 AND vintage = ?2",
    [LS_PV_ADD] = "INSERT INTO lg_pv VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(project, vintage) DO"
                  " UPDATE SET issued = issued + ?3, retired = retired + ?4,"
                  " cancelled = cancelled + ?5",
    [LS_BAL_GET] = "SELECT qty FROM lg_balance WHERE account = ?1 AND project = ?2 AND vintage = ?3",
    [LS_BAL_ADD] = "INSERT INTO lg_balance VALUES(?1, ?2, ?3, ?4) ON CONFLICT(account, project,"
                   " vintage) DO UPDATE SET qty = qty + ?4",
    /* An upsert checks CHECK(qty >= 0) on the row it would insert: take away with UPDATE. */
    [LS_BAL_SUB] = "UPDATE lg_balance SET qty = qty + ?4 WHERE account = ?1 AND project = ?2 AND"
                   " vintage = ?3",
    [LS_BLK_OWNED] = "SELECT id, first, last FROM lg_block WHERE account = ?1 AND state = 0 AND"
                     " vintage = ?3 AND project = ?2 ORDER BY first",
    [LS_BLK_CONTAINING] = "SELECT id, first, last, account, state FROM lg_block WHERE"
                          " project = ?1 AND vintage = ?2 AND first <= ?3 ORDER BY first DESC"
                          " LIMIT 1",
    [LS_BLK_AT] = "SELECT id, first, last, account, state FROM lg_block WHERE project = ?1 AND"
                  " vintage = ?2 AND first = ?3",
    [LS_BLK_INS] = "INSERT INTO lg_block(project, vintage, first, last, account, state,"
                   " retirement) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [LS_BLK_SET] = "UPDATE lg_block SET first = ?2, last = ?3, account = ?4, state = ?5,"
                   " retirement = ?6 WHERE id = ?1",
    /* last is in no index: changing only it touches one b-tree. */
    [LS_BLK_SET_LAST] = "UPDATE lg_block SET last = ?2 WHERE id = ?1",
    [LS_BLK_DEL] = "DELETE FROM lg_block WHERE id = ?1",
    [LS_PROD_HOLD] = "SELECT COALESCE(SUM(b.qty), 0) FROM lg_balance b JOIN lg_project p ON"
                     " p.id = b.project WHERE b.account = ?1 AND p.standard = ?2 AND"
                     " b.vintage = ?3",
    [LS_RESERVED] = "SELECT COALESCE(SUM(remaining), 0) FROM lg_order WHERE state = 'open' AND"
                    " standard = ?2 AND vintage = ?3 AND account = ?1 AND side = 1",
    [LS_PROD_BLOCKS] = "SELECT b.id, b.project, b.first, b.last FROM lg_block b JOIN lg_project p"
                       " ON p.id = b.project WHERE b.account = ?1 AND b.state = 0 AND"
                       " b.vintage = ?3 AND p.standard = ?2 ORDER BY b.project, b.first",
    [LS_IDEM_GET] = "SELECT request, result FROM lg_idem WHERE key = ?1",
    [LS_IDEM_INS] = "INSERT INTO lg_idem(key, request, result, seq) VALUES(?1, ?2, ?3, ?4)",
    [LS_RET_INS] = "INSERT INTO lg_retirement(account, project, vintage, qty, beneficiary, purpose,"
                   " park, year, serials, seq, at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                   " ?10, ?11)",
    [LS_ORD_INS] = "INSERT INTO lg_order(account, standard, vintage, side, market, price, qty,"
                   " remaining, state, seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'open', 0)",
    [LS_ORD_GET] = "SELECT account, standard, vintage, side, market, price, qty, remaining, state"
                   " FROM lg_order WHERE id = ?1",
    [LS_ORD_SET] = "UPDATE lg_order SET remaining = ?2, state = ?3, seq = MAX(seq, ?4)"
                   " WHERE id = ?1",
    [LS_ORD_OPEN] = "SELECT id, side, price, remaining FROM lg_order WHERE state = 'open' AND"
                    " standard = ?1 AND vintage = ?2 ORDER BY id",
    [LS_FILL_INS] = "INSERT INTO lg_fill(standard, vintage, buy_order, sell_order, buyer, seller,"
                    " price, qty, seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
};

/* ---- SQLite plumbing ------------------------------------------------------ */

zp_status lg__sqlerr(zp_ledger *lg, const char *what)
{
    int ec = sqlite3_errcode(lg->db);
    zp_status code = (ec == SQLITE_CORRUPT || ec == SQLITE_NOTADB) ? ZP_ECORRUPT : ZP_ESTORE;
    return zp__error(lg->ctx, code, "ledger: %s: %s", what, sqlite3_errmsg(lg->db));
}

sqlite3_stmt *lg__stmt(zp_ledger *lg, enum lg_stmt_id id)
{
    sqlite3_stmt *s = lg->st[id];
    if (!s) {
        if (sqlite3_prepare_v3(lg->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
            SQLITE_OK) {
            lg__sqlerr(lg, "preparing a statement");
            return NULL;
        }
        lg->st[id] = s;
        return s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

zp_status lg__step_done(zp_ledger *lg, sqlite3_stmt *s, const char *what)
{
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        return lg__sqlerr(lg, what);
    return ZP_OK;
}

static void bind_va(sqlite3_stmt *s, const char *types, va_list ap)
{
    for (int i = 1; *types; types++, i++) {
        switch (*types) {
        case 't':
            lg__bind_text(s, i, va_arg(ap, const char *));
            break;
        case 'c':
            sqlite3_bind_text(s, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
            break;
        case 'i':
            sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
            break;
        case 'z': {
            int64_t v = va_arg(ap, int64_t);
            if (v)
                sqlite3_bind_int64(s, i, v);
            break;
        }
        case 'h':
            sqlite3_bind_blob(s, i, va_arg(ap, const unsigned char *), 32, SQLITE_STATIC);
            break;
        default: /* the letters above are all there are */
            break;
        }
    }
}

sqlite3_stmt *lg__bound(zp_ledger *lg, enum lg_stmt_id id, const char *types, ...)
{
    sqlite3_stmt *s = lg__stmt(lg, id);
    if (s) {
        va_list ap;
        va_start(ap, types);
        bind_va(s, types, ap);
        va_end(ap);
    }
    return s;
}

zp_status lg__run(zp_ledger *lg, enum lg_stmt_id id, const char *what, const char *types, ...)
{
    sqlite3_stmt *s = lg__stmt(lg, id);
    if (!s)
        return ZP_ESTORE;
    va_list ap;
    va_start(ap, types);
    bind_va(s, types, ap);
    va_end(ap);
    return lg__step_done(lg, s, what);
}

zp_status lg__query(zp_ledger *lg, const char *sql, const char *what, sqlite3_stmt **s,
                    const char *types, ...)
{
    zp_status rc = lg__prepare(lg, sql, what, s);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, types);
    bind_va(*s, types, ap);
    va_end(ap);
    return ZP_OK;
}

/* ---- open / close ----------------------------------------------------------
 */
zp_status lg__exec_sql(zp_ledger *lg, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(lg->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        zp_status rc = zp__error(lg->ctx, ZP_ESTORE, "ledger: %s: %s", what,
                                 msg ? msg : sqlite3_errmsg(lg->db));
        sqlite3_free(msg);
        return rc;
    }
    return ZP_OK;
}

zp_time_t lg__now(const zp_ledger *lg)
{
    return lg->fixed_at ? lg->fixed_at : (zp_time_t)time(NULL);
}

/* ---- open / close ---------------------------------------------------------- */

zp_status zp_ledger_open(zp_ctx *ctx, const char *path, unsigned flags, zp_ledger **out)
{
    if (!ctx || !path || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_ledger_open: NULL argument") : ZP_EINVAL;
    *out = NULL;
    zp_ledger *lg = zp__calloc(ctx, 1, sizeof *lg);
    if (!lg)
        return zp__nomem(ctx);
    lg->ctx = ctx;
    lg->readonly = (flags & ZP_LEDGER_READONLY) != 0;
    int oflags = lg->readonly ? SQLITE_OPEN_READONLY
                              : SQLITE_OPEN_READWRITE | ((flags & ZP_LEDGER_CREATE) ? SQLITE_OPEN_CREATE : 0);
    zp_status rc = ZP_OK;
    if ((rc = zp__db_path_check(ctx, path, !lg->readonly && (flags & ZP_LEDGER_CREATE),
                                "credit ledger",
                                "give the path of a ledger (written by zeropark credits), or "
                                "of a new file to create with 'credits account'")))
        goto fail;
    if (!lg->readonly && (flags & ZP_LEDGER_CREATE))
        zp__db_create_private(path); /* 0600, and so its -wal and -shm */
    if (sqlite3_open_v2(path, &lg->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        struct stat sb;
        int se = lg->db ? sqlite3_system_errno(lg->db) : 0;
        if (!(flags & ZP_LEDGER_CREATE) && stat(path, &sb) != 0 && errno == ENOENT)
            rc = zp__error(ctx, ZP_ENOTFOUND, "%s: no such ledger; check the path, or create it "
                           "with 'credits account'", path);
        else
            rc = zp__error(ctx, ZP_EIO, "%s: cannot open the ledger: %s", path,
                           !lg->db ? "out of memory" : se ? strerror(se) : sqlite3_errmsg(lg->db));
        goto fail;
    }
    sqlite3_busy_timeout(lg->db, LG_BUSY_MS);
    sqlite3_extended_result_codes(lg->db, 0);
    if (!lg->readonly) {
        if ((rc = lg__exec_sql(lg, "PRAGMA journal_mode = WAL", "setting WAL mode")))
            goto fail;
    }
    if ((rc = lg__exec_sql(lg,
                           "PRAGMA synchronous = FULL; PRAGMA cache_size = -16384;"
                           " PRAGMA mmap_size = 268435456",
                           "setting pragmas")))
        goto fail;
    /* Is it a ledger? */
    sqlite3_stmt *s = NULL;
    int have = 0;
    if (sqlite3_prepare_v2(lg->db,
                           "SELECT value FROM lg_meta WHERE key = 'schema'", -1, &s, NULL) ==
        SQLITE_OK) {
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW) {
            have = 1;
            const char *v = (const char *)sqlite3_column_text(s, 0);
            if (!v || strcmp(v, "1") != 0) {
                sqlite3_finalize(s);
                rc = zp__error(ctx, ZP_ECORRUPT,
                               "%s: ledger schema version %s is not known to this zeropark "
                               "(it reads version %d)",
                               path, v ? v : "(null)", LG_SCHEMA_VERSION);
                goto fail;
            }
        }
        sqlite3_finalize(s);
    } else {
        int ec = sqlite3_errcode(lg->db);
        if (ec == SQLITE_NOTADB || ec == SQLITE_CORRUPT) {
            rc = zp__error(ctx, ZP_ECORRUPT, "%s: not a SQLite database (%s)", path,
                           sqlite3_errmsg(lg->db));
            goto fail;
        }
    }
    if (!have) {
        if (!(flags & ZP_LEDGER_CREATE) || lg->readonly) {
            rc = zp__error(ctx, ZP_ENOTFOUND,
                           "%s: no ledger in this file (the first writing command creates "
                           "one, e.g. 'zeropark credits account')",
                           path);
            goto fail;
        }
        if ((rc = lg__exec_sql(lg, "BEGIN IMMEDIATE", "creating the ledger")))
            goto fail;
        /* Another process may have created it meanwhile. */
        if (sqlite3_prepare_v2(lg->db, "SELECT 1 FROM lg_meta", -1, &s, NULL) == SQLITE_OK) {
            sqlite3_finalize(s);
            rc = lg__exec_sql(lg, "COMMIT", "creating the ledger");
        } else {
            rc = lg__exec_sql(lg, schema_sql, "creating the ledger tables");
            rc = rc ? rc : lg__exec_sql(lg, "COMMIT", "creating the ledger");
        }
        if (rc) {
            sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
    }
    *out = lg;
    return ZP_OK;
fail:
    zp_ledger_close(lg);
    return rc;
}

void zp_ledger_close(zp_ledger *lg)
{
    if (!lg)
        return;
    for (size_t i = 0; i < LS_COUNT; i++)
        sqlite3_finalize(lg->st[i]);
    for (size_t i = 0; i < ZP_ARRAY_LEN(lg->sp); i++)
        sqlite3_finalize(lg->sp[i]);
    EVP_MD_CTX_free(lg->md);
    EVP_MD_free(lg->sha);
    if (lg->db) {
        if (lg->batch)
            sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(lg->db);
    }
    zp__free(lg->ctx, lg);
}

zp_status zp_ledger_set_sync(zp_ledger *lg, zp_ledger_sync sync)
{
    if (!lg)
        return ZP_EINVAL;
    static const char *const sql[] = {"PRAGMA synchronous = FULL", "PRAGMA synchronous = NORMAL",
                                      "PRAGMA synchronous = OFF"};
    if ((unsigned)sync > 2)
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: unknown sync level %d", (int)sync);
    return lg__exec_sql(lg, sql[sync], "setting the sync level");
}

void zp_ledger_set_time(zp_ledger *lg, zp_time_t t)
{
    if (lg)
        lg->fixed_at = t;
}

zp_status lg__prepare(zp_ledger *lg, const char *sql, const char *what, sqlite3_stmt **s)
{
    if (sqlite3_prepare_v2(lg->db, sql, -1, s, NULL) != SQLITE_OK)
        return lg__sqlerr(lg, what);
    return ZP_OK;
}
