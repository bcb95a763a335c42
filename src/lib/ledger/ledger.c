/*
 * ledger.c - the carbon-credit registry: opening the SQLite file, the
 * schema, the journal with its hash chain, idempotency keys, the exec
 * entry point and the registry operations (account, project, issue,
 * transfer, retire, cancel) and queries (balance, history, offsets).
 *
 * Credits live in lg_block as serial ranges [first, last] of one
 * project-vintage, each owned by an account and active, retired or
 * cancelled. Moving part of a block splits it exactly; adjacent active
 * ranges of one owner are merged again, so a holding reads as few serial
 * ranges. lg_balance keeps each account's active tonnes per
 * project-vintage and lg_pv the issued, retired and cancelled totals; both
 * are derived data that verify recomputes (ledger_verify.c).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ledger/ledger_impl.h"
#include "core/jsonread.h"

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

static zp_status lg_exec_sql(zp_ledger *lg, const char *sql, const char *what)
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

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
    sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
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
        if ((rc = lg_exec_sql(lg, "PRAGMA journal_mode = WAL", "setting WAL mode")))
            goto fail;
    }
    if ((rc = lg_exec_sql(lg, "PRAGMA synchronous = FULL; PRAGMA cache_size = -16384;"
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
        if ((rc = lg_exec_sql(lg, "BEGIN IMMEDIATE", "creating the ledger")))
            goto fail;
        /* Another process may have created it meanwhile. */
        if (sqlite3_prepare_v2(lg->db, "SELECT 1 FROM lg_meta", -1, &s, NULL) == SQLITE_OK) {
            sqlite3_finalize(s);
            rc = lg_exec_sql(lg, "COMMIT", "creating the ledger");
        } else {
            rc = lg_exec_sql(lg, schema_sql, "creating the ledger tables");
            rc = rc ? rc : lg_exec_sql(lg, "COMMIT", "creating the ledger");
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
    return lg_exec_sql(lg, sql[sync], "setting the sync level");
}

void zp_ledger_set_time(zp_ledger *lg, zp_time_t t)
{
    if (lg)
        lg->fixed_at = t;
}

zp_status zp_ledger_begin(zp_ledger *lg)
{
    if (!lg)
        return ZP_EINVAL;
    if (lg->batch)
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: a batch is already open");
    if (lg->readonly)
        return zp__error(lg->ctx, ZP_EINVAL, "ledger: opened read-only");
    zp_status rc = lg_exec_sql(lg, "BEGIN IMMEDIATE", "starting a batch");
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
    zp_status rc = lg_exec_sql(lg, "COMMIT", "committing the batch");
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
    return lg_exec_sql(lg, "ROLLBACK", "rolling back the batch");
}

/* ---- hashing and the journal ---------------------------------------------- */

zp_status lg__sha256(zp_ledger *lg, const void *a, size_t alen, const void *b, size_t blen,
                     unsigned char out[32])
{
    /* Fetched once: an implicit fetch per digest costs more than hashing
     * a journal entry. */
    if (!lg->md)
        lg->md = EVP_MD_CTX_new();
    if (!lg->sha)
        lg->sha = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *md = lg->md;
    unsigned int n = 0;
    int ok = md && lg->sha && EVP_DigestInit_ex2(md, lg->sha, NULL) == 1 &&
             EVP_DigestUpdate(md, a, alen) == 1 && (!b || EVP_DigestUpdate(md, b, blen) == 1) &&
             EVP_DigestFinal_ex(md, out, &n) == 1 && n == 32;
    return ok ? ZP_OK : zp__error(lg->ctx, ZP_ENOMEM, "ledger: SHA-256 failed (OpenSSL)");
}

void lg__hex(const unsigned char *h, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * n] = 0;
}

/* The canonical encoding (docs/credits.md): compact JSON, object keys in
 * byte order, strings ASCII-only ('"' and '\\' escaped, control characters
 * as \b \f \n \r \t or \u00XX, everything above U+007F as \uXXXX, with
 * surrogate pairs above U+FFFF), integers in decimal, reals as %.17g. It
 * is what jansson writes with JSON_COMPACT | JSON_SORT_KEYS |
 * JSON_ENSURE_ASCII, written directly: the journal hashes one per
 * operation and jansson's dump machinery cost an eighth of a transfer. */
typedef struct canon_buf {
    char *p;
    size_t len, cap;
    int oom;
} canon_buf;

static void cb_put(canon_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void cb_u16(canon_buf *b, unsigned u)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[6] = {'\\', 'u', hex[(u >> 12) & 15], hex[(u >> 8) & 15], hex[(u >> 4) & 15],
                 hex[u & 15]};
    cb_put(b, e, 6);
}

static void cb_string(canon_buf *b, const char *s, size_t n)
{
    cb_put(b, "\"", 1);
    size_t run = 0; /* start of the pending run of plain characters */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        cb_put(b, s + run, i - run);
        if (c < 0x80) {
            const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t" : NULL;
            if (e)
                cb_put(b, e, 2);
            else
                cb_u16(b, c);
            i++;
        } else {
            /* jansson holds valid UTF-8: decode one code point. */
            unsigned cp, k = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
            cp = c & (0x3F >> k);
            for (unsigned j = 1; j <= k && i + j < n; j++)
                cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3F);
            if (cp > 0xFFFF) {
                cp -= 0x10000;
                cb_u16(b, 0xD800 | (cp >> 10));
                cb_u16(b, 0xDC00 | (cp & 0x3FF));
            } else {
                cb_u16(b, cp);
            }
            i += k + 1;
        }
        run = i;
    }
    cb_put(b, s + run, n - run);
    cb_put(b, "\"", 1);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void cb_value(canon_buf *b, const json_t *v)
{
    char num[40];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char *stack_keys[16], **keys = n <= 16 ? stack_keys : malloc(n * sizeof *keys);
        const char *k;
        json_t *x;
        if (!keys) {
            b->oom = 1;
            return;
        }
        json_object_foreach((json_t *)v, k, x) keys[i++] = k;
        qsort(keys, n, sizeof *keys, key_cmp);
        cb_put(b, "{", 1);
        for (i = 0; i < n; i++) {
            if (i)
                cb_put(b, ",", 1);
            cb_string(b, keys[i], strlen(keys[i]));
            cb_put(b, ":", 1);
            cb_value(b, json_object_get(v, keys[i]));
        }
        cb_put(b, "}", 1);
        if (keys != stack_keys)
            free(keys);
        break;
    }
    case JSON_ARRAY:
        cb_put(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                cb_put(b, ",", 1);
            cb_value(b, json_array_get(v, i));
        }
        cb_put(b, "]", 1);
        break;
    case JSON_STRING:
        cb_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        json_int_t x = json_integer_value(v);
        char *p = num + sizeof num;
        uint64_t u = x < 0 ? (uint64_t)(-(x + 1)) + 1 : (uint64_t)x;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (x < 0)
            *--p = '-';
        cb_put(b, p, (size_t)(num + sizeof num - p));
        break;
    }
    case JSON_REAL: {
        int n = snprintf(num, sizeof num, "%.17g", json_real_value(v));
        /* As jansson writes the exponent: no '+', no leading zeros. */
        char *e = strchr(num, 'e');
        if (e) {
            char *d = e + 1, *src = e + 1;
            if (*src == '+')
                src++;
            else if (*src == '-')
                *d++ = *src++;
            while (*src == '0' && src[1])
                src++;
            memmove(d, src, strlen(src) + 1);
            n = (int)strlen(num);
        }
        cb_put(b, num, (size_t)n);
        if (!strpbrk(num, ".eEn"))
            cb_put(b, ".0", 2);
        break;
    }
    case JSON_TRUE: cb_put(b, "true", 4); break;
    case JSON_FALSE: cb_put(b, "false", 5); break;
    default: cb_put(b, "null", 4); break;
    }
}

char *lg__canon(const json_t *v)
{
    canon_buf b = {NULL, 0, 0, 0};
    if (!v)
        return NULL;
    cb_value(&b, v);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static zp_status head_load(zp_ledger *lg)
{
    if (lg->head_ok)
        return ZP_OK;
    sqlite3_stmt *s = lg__stmt(lg, LS_HEAD);
    if (!s)
        return ZP_ESTORE;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        lg->head_seq = sqlite3_column_int64(s, 0);
        if (sqlite3_column_bytes(s, 1) != 32) {
            sqlite3_reset(s);
            return zp__error(lg->ctx, ZP_ECORRUPT,
                             "ledger: journal entry %lld has a hash of %d bytes (want 32); run "
                             "'zeropark credits verify'",
                             (long long)lg->head_seq, sqlite3_column_bytes(s, 1));
        }
        memcpy(lg->head_hash, sqlite3_column_blob(s, 1), 32);
    } else if (r == SQLITE_DONE) {
        lg->head_seq = 0;
        memset(lg->head_hash, 0, 32);
    } else {
        return lg__sqlerr(lg, "reading the journal head");
    }
    sqlite3_reset(s);
    lg->head_ok = 1;
    return ZP_OK;
}

zp_status lg__journal(zp_ledger *lg, json_t *entry, int64_t *seq)
{
    zp_status rc = head_load(lg);
    if (rc)
        return rc;
    int64_t n = lg->head_seq + 1;
    if (json_object_set_new(entry, "seq", json_integer(n)) ||
        json_object_set_new(entry, "at", json_integer(lg__now(lg))))
        return zp__nomem(lg->ctx);
    char *text = lg__canon(entry);
    if (!text)
        return zp__nomem(lg->ctx);
    unsigned char h[32];
    size_t len = strlen(text);
    if ((rc = lg__sha256(lg, lg->head_hash, 32, text, len, h))) {
        free(text);
        return rc;
    }
    sqlite3_stmt *s = lg__stmt(lg, LS_JOURNAL_INS);
    if (!s) {
        free(text);
        return ZP_ESTORE;
    }
    sqlite3_bind_int64(s, 1, n);
    sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, h, 32, SQLITE_STATIC);
    rc = lg__step_done(lg, s, "appending to the journal");
    sqlite3_clear_bindings(s);
    free(text);
    if (rc)
        return rc;
    lg->head_seq = n;
    memcpy(lg->head_hash, h, 32);
    if (seq)
        *seq = n;
    return ZP_OK;
}

/* ---- arguments -------------------------------------------------------------- */

zp_status lg__arg_str(zp_ledger *lg, json_t *args, const char *key, int required,
                      const char **out)
{
    json_t *v = json_object_get(args, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return zp__error(lg->ctx, ZP_EINVAL, "args.%s: missing (a text is required)", key);
        return ZP_OK;
    }
    if (!json_is_string(v))
        return zp__error(lg->ctx, ZP_EINVAL, "args.%s: must be a text", key);
    const char *t = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > 1000 || strlen(t) != n)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.%s: must be at most 1000 bytes with no NUL character", key);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20)
            return zp__error(lg->ctx, ZP_EINVAL,
                             "args.%s: control character at byte %zu; remove it", key, i);
    if (required && n == 0)
        return zp__error(lg->ctx, ZP_EINVAL, "args.%s: must not be empty", key);
    *out = t;
    return ZP_OK;
}

zp_status lg__arg_id(zp_ledger *lg, json_t *args, const char *key, int required,
                     const char **out)
{
    zp_status rc = lg__arg_str(lg, args, key, required, out);
    if (rc || !*out)
        return rc;
    size_t n = strlen(*out);
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char c = (*out)[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '.' || c == '-';
    }
    if (!ok)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.%s: '%s' is not an id (1-64 of A-Z a-z 0-9 _ . -)", key, *out);
    return ZP_OK;
}

zp_status lg__arg_int(zp_ledger *lg, json_t *args, const char *key, int required, int64_t lo,
                      int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(args, key);
    if (!v || json_is_null(v)) {
        if (required)
            return zp__error(lg->ctx, ZP_EINVAL, "args.%s: missing (a whole number is required)",
                             key);
        return ZP_OK;
    }
    if (!json_is_integer(v))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.%s: must be a whole number (quantities are whole tonnes, "
                         "prices whole fen)",
                         key);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return zp__error(lg->ctx, ZP_EINVAL, "args.%s: %lld is out of range [%lld, %lld]", key,
                         (long long)x, (long long)lo, (long long)hi);
    *out = x;
    return ZP_OK;
}

zp_status lg__account_check(zp_ledger *lg, const char *id, const char *what)
{
    for (int i = 0; i < lg->nacache; i++)
        if (strcmp(lg->acache[i], id) == 0)
            return ZP_OK;
    sqlite3_stmt *s = lg__stmt(lg, LS_ACCT_GET);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, id);
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

static int standard_ok(const char *s, size_t n)
{
    if (n < 2 || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

/* Parse a decimal whole number of the whole text [s, s+n) into *v. */
static int parse_i64(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *v)
{
    if (n == 0 || n > 18)
        return 0;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    if (x < lo || x > hi)
        return 0;
    *v = x;
    return 1;
}

zp_status lg__product_parse(zp_ledger *lg, const char *text, const char *what, char *standard,
                            int64_t *vintage)
{
    const char *dash = text ? strrchr(text, '-') : NULL;
    if (!dash || !standard_ok(text, (size_t)(dash - text)) ||
        !parse_i64(dash + 1, strlen(dash + 1), 1900, 2200, vintage))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "%s: '%s' is not a product; write STANDARD-VINTAGE, e.g. CCER-2023",
                         what, text ? text : "");
    memcpy(standard, text, (size_t)(dash - text));
    standard[dash - text] = 0;
    return ZP_OK;
}

/* A serial range "STD-PROJECT-VINTAGE-FIRST-LAST". */
typedef struct lg_serial {
    char standard[17];
    char project[65];
    int64_t vintage, first, last;
} lg_serial;

static zp_status serial_parse(zp_ledger *lg, const char *text, const char *what, lg_serial *out)
{
    const char *d1 = strchr(text, '-');
    const char *e = text + strlen(text);
    const char *p3 = NULL, *p2 = NULL, *p1 = NULL; /* starts of vintage, first, last */
    int ok = d1 != NULL;
    if (ok) {
        const char *q = e;
        const char **dst[3] = {&p1, &p2, &p3};
        for (int k = 0; k < 3 && ok; k++) {
            while (q > d1 + 1 && q[-1] != '-')
                q--;
            ok = q > d1 + 1 && q[-1] == '-';
            *dst[k] = q;
            q--;
        }
    }
    ok = ok && standard_ok(text, (size_t)(d1 - text)) && p3 - 1 > d1 + 1 &&
         (size_t)(p3 - 1 - (d1 + 1)) <= 64 &&
         parse_i64(p3, (size_t)(p2 - 1 - p3), 1900, 2200, &out->vintage) &&
         parse_i64(p2, (size_t)(p1 - 1 - p2), 1, LG_MAX_QTY, &out->first) &&
         parse_i64(p1, (size_t)(e - p1), 1, LG_MAX_QTY, &out->last) && out->first <= out->last;
    if (!ok)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "%s: '%s' is not a serial range; write STANDARD-PROJECT-VINTAGE-FIRST-"
                         "LAST, e.g. CCER-RY-FOREST-2023-1-500",
                         what, text);
    memcpy(out->standard, text, (size_t)(d1 - text));
    out->standard[d1 - text] = 0;
    memcpy(out->project, d1 + 1, (size_t)(p3 - 1 - (d1 + 1)));
    out->project[p3 - 1 - (d1 + 1)] = 0;
    return ZP_OK;
}

static json_t *serial_json(const char *standard, const char *project, int64_t vintage,
                           int64_t first, int64_t last)
{
    char buf[160];
    int n = snprintf(buf, sizeof buf, "%s-%s-%lld-%lld-%lld", standard, project,
                     (long long)vintage, (long long)first, (long long)last);
    return n > 0 && (size_t)n < sizeof buf ? json_stringn(buf, (size_t)n) : NULL;
}

/* Copy text (NULL: empty) into dst of cap bytes, cut to fit. */
static void copy_text(char *dst, size_t cap, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, text, n);
    dst[n] = 0;
}

/* ---- registry primitives ---------------------------------------------------- */

/* Project's standard and owner (into buffers of 17 and 65), ZP_ENOTFOUND
 * naming what when unknown. */
static zp_status project_get(zp_ledger *lg, const char *id, const char *what, char *standard,
                             char *owner)
{
    if (!owner)
        for (int i = 0; i < lg->npcache; i++)
            if (strcmp(lg->pcache[i].id, id) == 0) {
                memcpy(standard, lg->pcache[i].standard, 17);
                return ZP_OK;
            }
    sqlite3_stmt *s = lg__stmt(lg, LS_PROJ_GET);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, id);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(s, 0);
        const char *ow = (const char *)sqlite3_column_text(s, 1);
        copy_text(standard, 17, st);
        if (owner)
            copy_text(owner, 65, ow);
        sqlite3_reset(s);
        if (strlen(id) < 65) {
            if (lg->npcache == (int)ZP_ARRAY_LEN(lg->pcache))
                lg->npcache = lg->nacache = 0;
            snprintf(lg->pcache[lg->npcache].id, 65, "%s", id);
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

static zp_status balance_add(zp_ledger *lg, const char *acct, const char *project,
                             int64_t vintage, int64_t delta)
{
    sqlite3_stmt *s = lg__stmt(lg, delta < 0 ? LS_BAL_SUB : LS_BAL_ADD);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, acct);
    bind_text(s, 2, project);
    sqlite3_bind_int64(s, 3, vintage);
    sqlite3_bind_int64(s, 4, delta);
    zp_status rc = lg__step_done(lg, s, "updating a balance");
    if (!rc && delta < 0 && sqlite3_changes(lg->db) != 1)
        rc = zp__error(lg->ctx, ZP_ECORRUPT,
                       "ledger: account '%s' has no balance row for project '%s' vintage %lld; "
                       "run 'zeropark credits verify'",
                       acct, project, (long long)vintage);
    return rc;
}

static zp_status pv_add(zp_ledger *lg, const char *project, int64_t vintage, int64_t issued,
                        int64_t retired, int64_t cancelled)
{
    sqlite3_stmt *s = lg__stmt(lg, LS_PV_ADD);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, project);
    sqlite3_bind_int64(s, 2, vintage);
    sqlite3_bind_int64(s, 3, issued);
    sqlite3_bind_int64(s, 4, retired);
    sqlite3_bind_int64(s, 5, cancelled);
    return lg__step_done(lg, s, "updating the project-vintage totals");
}

typedef struct lg_blk {
    int64_t id, first, last, state;
    char account[65];
} lg_blk;

/* The block of (project, vintage) whose range starts at or before serial
 * (containing = 1) or starts exactly at serial (containing = 0). *found = 0
 * when there is none. */
static zp_status block_find(zp_ledger *lg, const char *project, int64_t vintage, int64_t serial,
                            int containing, lg_blk *b, int *found)
{
    sqlite3_stmt *s = lg__stmt(lg, containing ? LS_BLK_CONTAINING : LS_BLK_AT);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, project);
    sqlite3_bind_int64(s, 2, vintage);
    sqlite3_bind_int64(s, 3, serial);
    int r = sqlite3_step(s);
    *found = 0;
    if (r == SQLITE_ROW) {
        b->id = sqlite3_column_int64(s, 0);
        b->first = sqlite3_column_int64(s, 1);
        b->last = sqlite3_column_int64(s, 2);
        const char *a = (const char *)sqlite3_column_text(s, 3);
        copy_text(b->account, sizeof b->account, a);
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
    sqlite3_stmt *s = lg__stmt(lg, LS_BLK_SET);
    if (!s)
        return ZP_ESTORE;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, first);
    sqlite3_bind_int64(s, 3, last);
    bind_text(s, 4, acct);
    sqlite3_bind_int64(s, 5, state);
    if (retirement)
        sqlite3_bind_int64(s, 6, retirement);
    return lg__step_done(lg, s, "updating a block");
}

static zp_status block_set_last(zp_ledger *lg, int64_t id, int64_t last)
{
    sqlite3_stmt *s = lg__stmt(lg, LS_BLK_SET_LAST);
    if (!s)
        return ZP_ESTORE;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, last);
    return lg__step_done(lg, s, "updating a block");
}

static zp_status block_ins(zp_ledger *lg, const char *project, int64_t vintage, int64_t first,
                           int64_t last, const char *acct, int64_t state, int64_t retirement,
                           int64_t *id)
{
    sqlite3_stmt *s = lg__stmt(lg, LS_BLK_INS);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, project);
    sqlite3_bind_int64(s, 2, vintage);
    sqlite3_bind_int64(s, 3, first);
    sqlite3_bind_int64(s, 4, last);
    bind_text(s, 5, acct);
    sqlite3_bind_int64(s, 6, state);
    if (retirement)
        sqlite3_bind_int64(s, 7, retirement);
    zp_status rc = lg__step_done(lg, s, "inserting a block");
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(lg->db);
    return rc;
}

static zp_status block_del(zp_ledger *lg, int64_t id)
{
    sqlite3_stmt *s = lg__stmt(lg, LS_BLK_DEL);
    if (!s)
        return ZP_ESTORE;
    sqlite3_bind_int64(s, 1, id);
    return lg__step_done(lg, s, "deleting a block");
}

/* Merge the active block id = [first, last] of acct with its active
 * neighbours of the same owner (left, right: whether to look on that
 * side; a side where the sender keeps the rest of a split block cannot
 * merge). */
static zp_status block_merge(zp_ledger *lg, const char *project, int64_t vintage, int64_t id,
                             int64_t first, int64_t last, const char *acct, int left, int right)
{
    lg_blk nb;
    int found;
    zp_status rc;
    if (left && first > 1) {
        if ((rc = block_find(lg, project, vintage, first - 1, 1, &nb, &found)))
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
    if ((rc = block_find(lg, project, vintage, last + 1, 0, &nb, &found)))
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
static zp_status move_range(zp_ledger *lg, const char *project, int64_t vintage, int64_t first,
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
    zp_status rc = block_find(lg, project, vintage, first, 1, &b, &found);
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
            (rc = block_ins(lg, project, vintage, first, last, to, state, retirement, &id)))
            return rc;
    } else if ((rc = block_set(lg, b.id, first, last, to, state, retirement))) {
        return rc;
    }
    if (b.last > last &&
        (rc = block_ins(lg, project, vintage, last + 1, b.last, from, 0, 0, NULL)))
        return rc;
    if (state == 0)
        return block_merge(lg, project, vintage, id, first, last, to, b.first == first,
                           b.last == last);
    return ZP_OK;
}

/* The pieces [first, last] that take qty from acct's active blocks of
 * (project, vintage) in serial order, appended to pieces as [first, last]
 * pairs. The caller has checked the balance. */
static zp_status pick_fifo(zp_ledger *lg, const char *acct, const char *project, int64_t vintage,
                           int64_t qty, json_t *pieces, int64_t *held)
{
    int64_t want = qty, seen = 0;
    sqlite3_stmt *s = lg__stmt(lg, LS_BLK_OWNED);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, acct);
    bind_text(s, 2, project);
    sqlite3_bind_int64(s, 3, vintage);
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
static zp_status product_sum(zp_ledger *lg, enum lg_stmt_id id, const char *account,
                             const char *standard, int64_t vintage, int64_t *out)
{
    sqlite3_stmt *s = lg__stmt(lg, id);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, account);
    bind_text(s, 2, standard);
    sqlite3_bind_int64(s, 3, vintage);
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return r == SQLITE_ROW ? ZP_OK : lg__sqlerr(lg, "reading holdings");
}

zp_status lg__product_available(zp_ledger *lg, const char *account, const char *standard,
                                int64_t vintage, int64_t *held, int64_t *reserved)
{
    zp_status rc = product_sum(lg, LS_PROD_HOLD, account, standard, vintage, held);
    return rc ? rc : product_sum(lg, LS_RESERVED, account, standard, vintage, reserved);
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
    sqlite3_stmt *s = lg__stmt(lg, LS_PROD_BLOCKS);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, seller);
    bind_text(s, 2, standard);
    sqlite3_bind_int64(s, 3, vintage);
    int64_t left = qty;
    int r = SQLITE_DONE;
    while (left > 0 && (r = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap && (rc = zp__grow(lg->ctx, (void **)&pc, &cap, n + 1, sizeof *pc)))
            break;
        const char *p = (const char *)sqlite3_column_text(s, 1);
        snprintf(pc[n].project, sizeof pc[n].project, "%s", p ? p : "");
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
        if ((rc = move_range(lg, pc[i].project, vintage, pc[i].first, pc[i].last, seller, buyer,
                             0, 0)) ||
            (rc = balance_add(lg, seller, pc[i].project, vintage, -q)) ||
            (rc = balance_add(lg, buyer, pc[i].project, vintage, q)))
            break;
        if (json_array_append_new(blocks, json_pack("[s,I,I,I]", pc[i].project,
                                                    (json_int_t)vintage, (json_int_t)pc[i].first,
                                                    (json_int_t)pc[i].last)))
            rc = zp__nomem(lg->ctx);
    }
    zp__free(lg->ctx, pc);
    return rc;
}

/* ---- operations ---------------------------------------------------------------- */

static const char *const account_kinds[] = {"village", "company", "park", "government", "other"};

static zp_status op_account(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *id, *name, *kind;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, "id", 1, &id)) || (rc = lg__arg_str(lg, args, "name", 0, &name)) ||
        (rc = lg__arg_str(lg, args, "kind", 0, &kind)))
        return rc;
    if (!name)
        name = id;
    if (!kind)
        kind = "other";
    size_t k;
    for (k = 0; k < ZP_ARRAY_LEN(account_kinds); k++)
        if (strcmp(kind, account_kinds[k]) == 0)
            break;
    if (k == ZP_ARRAY_LEN(account_kinds))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.kind: '%s' is not a kind; use village, company, park, government "
                         "or other",
                         kind);
    if (lg__account_check(lg, id, "args.id") == ZP_OK)
        return zp__error(lg->ctx, ZP_EEXISTS, "args.id: account '%s' already exists", id);
    zp_ctx_clear_error(lg->ctx);
    json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "op", "account", "id", id, "name", name, "kind",
                          kind);
    int64_t seq;
    if (!e)
        return zp__nomem(lg->ctx);
    if ((rc = lg__journal(lg, e, &seq))) {
        json_decref(e);
        return rc;
    }
    json_decref(e);
    sqlite3_stmt *s = lg__stmt(lg, LS_ACCT_INS);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, id);
    bind_text(s, 2, name);
    bind_text(s, 3, kind);
    sqlite3_bind_int64(s, 4, seq);
    if ((rc = lg__step_done(lg, s, "inserting the account")))
        return rc;
    *res = json_pack("{s:s, s:s, s:s, s:I}", "account", id, "name", name, "kind", kind, "seq",
                     (json_int_t)seq);
    return *res ? ZP_OK : zp__nomem(lg->ctx);
}

static zp_status op_project(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *id, *name, *standard, *location, *methodology, *owner;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, "id", 1, &id)) ||
        (rc = lg__arg_str(lg, args, "name", 0, &name)) ||
        (rc = lg__arg_str(lg, args, "standard", 1, &standard)) ||
        (rc = lg__arg_str(lg, args, "location", 1, &location)) ||
        (rc = lg__arg_str(lg, args, "methodology", 1, &methodology)) ||
        (rc = lg__arg_id(lg, args, "owner", 1, &owner)))
        return rc;
    if (!standard_ok(standard, strlen(standard)))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.standard: '%s' is not a standard code; use 2-16 of A-Z 0-9 "
                         "(CCER, or a provincial scheme such as GDPHCER)",
                         standard);
    json_t *a = json_object_get(args, "area_ha");
    if (!json_is_number(a) || !(json_number_value(a) > 0) || json_number_value(a) > 1e9)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.area_ha: the project area in hectares is required (a number "
                         "> 0 and at most 1e9)");
    /* Kept as whole hundredths of a hectare: no floating point in the journal. */
    int64_t area_cha = (int64_t)(json_number_value(a) * 100.0 + 0.5);
    if (!name)
        name = id;
    if ((rc = lg__account_check(lg, owner, "args.owner")))
        return rc;
    char std[17];
    if (project_get(lg, id, "args.id", std, NULL) == ZP_OK)
        return zp__error(lg->ctx, ZP_EEXISTS, "args.id: project '%s' already exists", id);
    zp_ctx_clear_error(lg->ctx);
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "op", "project", "id", id,
                          "name", name, "standard", standard, "location", location, "area_cha",
                          (json_int_t)area_cha, "methodology", methodology, "owner", owner);
    int64_t seq;
    if (!e)
        return zp__nomem(lg->ctx);
    rc = lg__journal(lg, e, &seq);
    json_decref(e);
    if (rc)
        return rc;
    sqlite3_stmt *s = lg__stmt(lg, LS_PROJ_INS);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, id);
    bind_text(s, 2, name);
    bind_text(s, 3, standard);
    bind_text(s, 4, location);
    sqlite3_bind_int64(s, 5, area_cha);
    bind_text(s, 6, methodology);
    bind_text(s, 7, owner);
    sqlite3_bind_int64(s, 8, seq);
    if ((rc = lg__step_done(lg, s, "inserting the project")))
        return rc;
    *res = json_pack("{s:s, s:s, s:s, s:f, s:I}", "project", id, "standard", standard, "owner",
                     owner, "area_ha", (double)area_cha / 100.0, "seq", (json_int_t)seq);
    return *res ? ZP_OK : zp__nomem(lg->ctx);
}

static zp_status op_issue(zp_ledger *lg, json_t *args, json_t **res)
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
    if ((rc = project_get(lg, project, "args.project", standard, owner)))
        return rc;
    if (!to)
        to = owner;
    if ((rc = lg__account_check(lg, to, "args.to")))
        return rc;
    sqlite3_stmt *s = lg__stmt(lg, LS_PV_GET);
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, project);
    sqlite3_bind_int64(s, 2, vintage);
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
    if (!e)
        return zp__nomem(lg->ctx);
    rc = lg__journal(lg, e, &seq);
    json_decref(e);
    if (rc || (rc = block_ins(lg, project, vintage, first, last, to, 0, 0, &bid)) ||
        (rc = block_merge(lg, project, vintage, bid, first, last, to, 1, 0)) ||
        (rc = balance_add(lg, to, project, vintage, qty)) ||
        (rc = pv_add(lg, project, vintage, qty, 0, 0)))
        return rc;
    *res = json_pack("{s:o, s:s, s:I, s:I, s:I, s:I}", "serial",
                     serial_json(standard, project, vintage, first, last), "to", to, "qty",
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
        if ((rc = serial_parse(lg, serial, "args.serial", &sr)))
            return rc;
        if ((rc = project_get(lg, sr.project, "args.serial", standard, NULL)))
            return rc;
        if (strcmp(standard, sr.standard) != 0)
            return zp__error(lg->ctx, ZP_EINVAL,
                             "args.serial: project '%s' is a %s project, not %s", sr.project,
                             standard, sr.standard);
        copy_text(project, 65, sr.project);
        *vintage = sr.vintage;
        *qty = sr.last - sr.first + 1;
        if (json_object_get(args, "qty") && !json_is_null(json_object_get(args, "qty"))) {
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
        if ((rc = block_find(lg, sr.project, sr.vintage, sr.first, 1, &b, &found)))
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
        if ((rc = project_get(lg, proj, "args.project", standard, NULL)))
            return rc;
        copy_text(project, 65, proj);
        /* The blocks are read once: they give the pieces and, when they
         * fall short, the balance (verify keeps blocks and balances equal). */
        int64_t bal = 0;
        if ((rc = pick_fifo(lg, acct, project, *vintage, *qty, pieces, &bal)))
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
    if ((rc = product_sum(lg, LS_RESERVED, acct, standard, *vintage, &reserved)) ||
        (reserved > 0 && (rc = product_sum(lg, LS_PROD_HOLD, acct, standard, *vintage, &held))))
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
        if (json_array_append_new(*blocks, json_pack("[s,I,I,I]", project, (json_int_t)vintage,
                                                     f, l)) ||
            json_array_append_new(*serials, serial_json(standard, project, vintage, f, l)))
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
        sqlite3_stmt *s = st ? lg__stmt(lg, LS_RET_INS) : NULL;
        if (!s) {
            free(st);
            rc = st ? ZP_ESTORE : zp__nomem(lg->ctx);
            goto out;
        }
        bind_text(s, 1, from);
        bind_text(s, 2, project);
        sqlite3_bind_int64(s, 3, vintage);
        sqlite3_bind_int64(s, 4, qty);
        bind_text(s, 5, beneficiary);
        bind_text(s, 6, purpose);
        bind_text(s, 7, park);
        sqlite3_bind_int64(s, 8, year);
        bind_text(s, 9, st);
        sqlite3_bind_int64(s, 10, 0);
        sqlite3_bind_int64(s, 11, lg__now(lg));
        rc = lg__step_done(lg, s, "recording the retirement");
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
        if ((rc = move_range(lg, project, vintage, f, l, from, kind == 0 ? to : from, kind,
                             ret_id)))
            goto out;
    }
    if ((rc = balance_add(lg, from, project, vintage, -qty)) ||
        (kind == 0 && (rc = balance_add(lg, to, project, vintage, qty))) ||
        (kind == 1 && (rc = pv_add(lg, project, vintage, 0, qty, 0))) ||
        (kind == 2 && (rc = pv_add(lg, project, vintage, 0, 0, qty))))
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
        if (sqlite3_prepare_v2(lg->db, "UPDATE lg_retirement SET seq = ?1, at = ?3 WHERE id = ?2",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = lg__sqlerr(lg, "recording the retirement");
            goto out;
        }
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_int64(s, 2, ret_id);
        sqlite3_bind_int64(s, 3, json_integer_value(json_object_get(e, "at")));
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

static zp_status op_transfer(zp_ledger *lg, json_t *args, json_t **res)
{
    return op_move(lg, args, res, 0);
}

static zp_status op_retire(zp_ledger *lg, json_t *args, json_t **res)
{
    return op_move(lg, args, res, 1);
}

static zp_status op_cancel(zp_ledger *lg, json_t *args, json_t **res)
{
    if (json_object_get(args, "order"))
        return lg__op_order_cancel(lg, args, res);
    return op_move(lg, args, res, 2);
}

/* ---- queries ------------------------------------------------------------------ */

/* Prepare a one-off query; NULL with the error set. */
static sqlite3_stmt *query(zp_ledger *lg, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(lg->db, sql, -1, &s, NULL) != SQLITE_OK) {
        lg__sqlerr(lg, "preparing a query");
        return NULL;
    }
    return s;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? t : "";
}

static zp_status op_balance(zp_ledger *lg, json_t *args, json_t **res)
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
    s = query(lg, "SELECT a.id, a.name, a.kind, l.project, p.standard, l.vintage, l.qty"
                  " FROM lg_account a LEFT JOIN lg_balance l ON l.account = a.id AND l.qty > 0"
                  " LEFT JOIN lg_project p ON p.id = l.project"
                  " WHERE ?1 IS NULL OR a.id = ?1 ORDER BY a.id, l.project, l.vintage");
    b = query(lg, "SELECT first, last FROM lg_block WHERE account = ?1 AND state = 0 AND"
                  " vintage = ?3 AND project = ?2 ORDER BY first");
    if (!s || !b) {
        rc = ZP_ESTORE;
        goto fail;
    }
    if (acct)
        bind_text(s, 1, acct);
    json_t *cur = NULL;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = col_text(s, 0);
        if (!cur || strcmp(json_string_value(json_object_get(cur, "account")), id) != 0) {
            cur = json_pack("{s:s, s:s, s:s, s:I, s:[], s:[]}", "account", id, "name",
                            col_text(s, 1), "kind", col_text(s, 2), "total_t", (json_int_t)0,
                            "holdings", "reserved");
            if (!cur || json_array_append_new(accts, cur)) {
                rc = zp__nomem(lg->ctx);
                goto fail;
            }
        }
        if (sqlite3_column_type(s, 3) == SQLITE_NULL)
            continue;
        const char *proj = col_text(s, 3), *std = col_text(s, 4);
        int64_t vin = sqlite3_column_int64(s, 5), qty = sqlite3_column_int64(s, 6);
        json_t *ser = json_array();
        sqlite3_reset(b);
        bind_text(b, 1, id);
        bind_text(b, 2, proj);
        sqlite3_bind_int64(b, 3, vin);
        while (ser && sqlite3_step(b) == SQLITE_ROW)
            json_array_append_new(ser, serial_json(std, proj, vin, sqlite3_column_int64(b, 0),
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
    s = query(lg, "SELECT account, standard, vintage, SUM(remaining) FROM lg_order WHERE"
                  " state = 'open' AND side = 1 AND (?1 IS NULL OR account = ?1)"
                  " GROUP BY account, standard, vintage ORDER BY account, standard, vintage");
    if (!s) {
        rc = ZP_ESTORE;
        goto fail;
    }
    if (acct)
        bind_text(s, 1, acct);
    while (sqlite3_step(s) == SQLITE_ROW) {
        size_t i;
        json_t *a;
        json_array_foreach(accts, i, a)
        {
            if (strcmp(json_string_value(json_object_get(a, "account")), col_text(s, 0)) == 0)
                json_array_append_new(
                    json_object_get(a, "reserved"),
                    json_pack("{s:o, s:I}", "product",
                              json_sprintf("%s-%lld", col_text(s, 1),
                                           (long long)sqlite3_column_int64(s, 2)),
                              "qty", (json_int_t)sqlite3_column_int64(s, 3)));
        }
    }
    sqlite3_finalize(s);
    s = NULL;
    if (!acct) {
        s = query(lg, "SELECT v.project, p.standard, v.vintage, v.issued, v.retired, v.cancelled,"
                      " (SELECT COALESCE(SUM(qty), 0) FROM lg_balance l WHERE l.project ="
                      " v.project AND l.vintage = v.vintage) FROM lg_pv v JOIN lg_project p ON"
                      " p.id = v.project ORDER BY v.project, v.vintage");
        if (!s) {
            rc = ZP_ESTORE;
            goto fail;
        }
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(
                pvs, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "project", col_text(s, 0),
                               "standard", col_text(s, 1), "vintage",
                               (json_int_t)sqlite3_column_int64(s, 2), "issued",
                               (json_int_t)sqlite3_column_int64(s, 3), "held",
                               (json_int_t)sqlite3_column_int64(s, 6), "retired",
                               (json_int_t)sqlite3_column_int64(s, 4), "cancelled",
                               (json_int_t)sqlite3_column_int64(s, 5)));
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
static zp_status op_history(zp_ledger *lg, json_t *args, json_t **res)
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
        s = query(lg, "SELECT id FROM lg_order WHERE account = ?1 ORDER BY id");
        if (!s)
            return ZP_ESTORE;
        bind_text(s, 1, acct);
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
    s = query(lg, "SELECT seq, entry, hash FROM lg_journal WHERE seq > ?1 AND (?2 IS NULL OR"
                  " instr(entry, ?2) > 0 OR (?3 AND instr(entry, '\"op\":\"order_cancel\"') > 0))"
                  " ORDER BY seq");
    if (!s) {
        rc = ZP_ESTORE;
        goto out;
    }
    sqlite3_bind_int64(s, 1, after);
    if (quoted)
        bind_text(s, 2, quoted);
    sqlite3_bind_int(s, 3, norders > 0);
    list = json_array();
    int64_t next = 0, last = 0;
    int r = SQLITE_DONE;
    while (list && (r = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        json_error_t err;
        json_t *e = json_loads(col_text(s, 1), 0, &err);
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

static zp_status op_offsets(zp_ledger *lg, json_t *args, json_t **res)
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
    sqlite3_stmt *s = query(lg, "SELECT r.id, r.account, r.project, p.standard, r.vintage, r.qty,"
                                " r.beneficiary, r.purpose, r.serials, r.seq FROM lg_retirement r"
                                " JOIN lg_project p ON p.id = r.project WHERE r.park = ?1 AND"
                                " r.year = ?2 ORDER BY r.id");
    if (!s)
        return ZP_ESTORE;
    bind_text(s, 1, park);
    sqlite3_bind_int64(s, 2, year);
    json_t *list = json_array();
    int64_t total = 0;
    int r;
    while (list && (r = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *ser = json_loads(col_text(s, 8), 0, NULL);
        if (!json_is_array(ser)) {
            json_decref(ser);
            rc = zp__error(lg->ctx, ZP_ECORRUPT, "retirement %lld: serials are not a JSON array",
                           (long long)sqlite3_column_int64(s, 0));
            break;
        }
        total += sqlite3_column_int64(s, 5);
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:I}", "retirement",
                            (json_int_t)sqlite3_column_int64(s, 0), "account", col_text(s, 1),
                            "project", col_text(s, 2), "standard", col_text(s, 3), "vintage",
                            (json_int_t)sqlite3_column_int64(s, 4), "qty",
                            (json_int_t)sqlite3_column_int64(s, 5), "beneficiary", col_text(s, 6),
                            "purpose", col_text(s, 7), "serials", ser, "seq",
                            (json_int_t)sqlite3_column_int64(s, 9)));
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

/* ---- exec ---------------------------------------------------------------------- */

typedef zp_status (*lg_op_fn)(zp_ledger *lg, json_t *args, json_t **res);

/* Each operation with the arguments it takes (docs/credits.md). */
static const struct {
    const char *name;
    lg_op_fn fn;
    int writes;
    const char *keys[10];
} ops[] = {
    {"account", op_account, 1, {"id", "name", "kind"}},
    {"project", op_project, 1,
     {"id", "name", "standard", "location", "area_ha", "methodology", "owner"}},
    {"issue", op_issue, 1, {"project", "vintage", "qty", "to", "verification"}},
    {"transfer", op_transfer, 1, {"from", "to", "serial", "project", "vintage", "qty"}},
    {"retire", op_retire, 1,
     {"account", "serial", "project", "vintage", "qty", "beneficiary", "purpose", "park",
      "year"}},
    {"cancel", op_cancel, 1, {"account", "serial", "project", "vintage", "qty", "reason"}},
    {"order", lg__op_order, 1, {"account", "side", "type", "product", "qty", "price"}},
    {"balance", op_balance, 0, {"account"}},
    {"book", lg__op_book, 0, {"product"}},
    {"history", op_history, 0, {"account", "after", "limit"}},
    {"verify", lg__op_verify, 0, {NULL}},
    {"offsets", op_offsets, 0, {"park", "year"}},
};

/* Cancelling an open order takes these instead of cancel's own. */
static const char *const cancel_order_keys[10] = {"order", "account"};

/* Every key of args must be an argument of op k: an unknown one (a typo
 * such as "too" for "to") is refused, naming the nearest argument, rather
 * than ignored. */
static zp_status check_keys(zp_ledger *lg, size_t k, json_t *args)
{
    const char *const *keys = ops[k].keys;
    const char *what = ops[k].name;
    if (strcmp(what, "cancel") == 0 && json_object_get(args, "order")) {
        keys = cancel_order_keys;
        what = "cancel of an order";
    }
    size_t n = 0;
    while (n < 10 && keys[n])
        n++;
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v)
    {
        size_t i;
        for (i = 0; i < n; i++)
            if (strcmp(key, keys[i]) == 0)
                break;
        if (i < n)
            continue;
        if (n == 0)
            return zp__error(lg->ctx, ZP_EINVAL, "args.%.64s: %s takes no arguments", key, what);
        const char *near = zp__nearest(key, keys, n);
        char list[200] = "";
        for (i = 0; i < n; i++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", keys[i]);
        }
        return zp__error(lg->ctx, ZP_EINVAL, "args.%.64s: %s takes no argument '%.64s'%s%s%s; "
                                             "its arguments are %s",
                         key, what, key, near ? " (did you mean '" : "", near ? near : "",
                         near ? "'?)" : "", list);
    }
    return ZP_OK;
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

static zp_status tx_begin(zp_ledger *lg, int writes)
{
    if (lg->batch)
        return savepoint(lg, 0);
    lg->head_ok = 0;
    return savepoint(lg, writes ? 3 : 4);
}

static zp_status tx_end(zp_ledger *lg, int ok)
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
    if (!json_is_object(args)) {
        json_decref(empty);
        return zp__error(lg->ctx, ZP_EINVAL, "args: must be a JSON object");
    }
    zp_status rc = check_keys(lg, k, args);
    if (rc) {
        json_decref(empty);
        return rc;
    }
    int writes = ops[k].writes;
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
    rc = tx_begin(lg, writes);
    if (rc) {
        json_decref(empty);
        return rc;
    }
    unsigned char req[32];
    json_t *res = NULL;
    int replay = 0;
    if (writes && idempotency_key) {
        sqlite3_stmt *s = NULL;
        if ((rc = request_hash(lg, op, args, req)) || !(s = lg__stmt(lg, LS_IDEM_GET))) {
            rc = rc ? rc : ZP_ESTORE;
            goto done;
        }
        bind_text(s, 1, idempotency_key);
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW) {
            if (sqlite3_column_bytes(s, 0) != 32 || memcmp(sqlite3_column_blob(s, 0), req, 32)) {
                rc = zp__error(lg->ctx, ZP_EEXISTS,
                               "idempotency key '%s' was used for a different request; use a "
                               "new key for a new request",
                               idempotency_key);
            } else {
                json_error_t err;
                res = json_loads(col_text(s, 1), 0, &err);
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
    rc = ops[k].fn(lg, args, &res);
    if (!rc && writes && idempotency_key) {
        char *t = lg__canon(res);
        sqlite3_stmt *s = t ? lg__stmt(lg, LS_IDEM_INS) : NULL;
        if (!s) {
            rc = t ? ZP_ESTORE : zp__nomem(lg->ctx);
        } else {
            bind_text(s, 1, idempotency_key);
            sqlite3_bind_blob(s, 2, req, 32, SQLITE_STATIC);
            bind_text(s, 3, t);
            sqlite3_bind_int64(s, 4, lg->head_ok ? lg->head_seq : 0);
            rc = lg__step_done(lg, s, "storing the idempotency key");
        }
        free(t);
    }
done:;
    zp_status rc2 = tx_end(lg, rc == ZP_OK && !replay);
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
