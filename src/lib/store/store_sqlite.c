/*
 * store_sqlite.c - the SQLite storage backend (the default).
 *
 * One file in WAL mode with synchronous=NORMAL: a commit is durable
 * against a process crash at once and against power loss at the next
 * checkpoint, and readers never block the writer.
 *
 * Schema (PRAGMA user_version = schema version, application_id = 'ZPRK'):
 *   series(id, name UNIQUE, unit, kind, step_s, created)
 *   chunks(series_id, chunk_start, n, data) PRIMARY KEY(series_id, chunk_start)
 *          WITHOUT ROWID
 *   runs(id, created, kind, model_name, inputs_sha256, results_json)
 *
 * A chunk blob is an 8-byte header and a payload:
 *   byte 0     format: 1 = raw, 2 = decimal (more, e.g. compressed, later)
 *   byte 1     format 2: d, the number of decimal digits (0..6); else 0
 *   byte 2     format 2: w, bits per packed delta (0..56); else 0
 *   byte 3     zero
 *   bytes 4-7  count of values stored (uint32 LE, <= ZP__STORE_CHUNK);
 *              trailing NaN are not stored, values past count are NaN
 *   format 1   count little-endian IEEE-754 doubles, bit for bit
 *   format 2   integers i[k] with value k = (double)i[k] / 10^d: i[0] and
 *              dmin as int64 LE, then count-1 deltas i[k] - i[k-1] - dmin
 *              packed LSB-first at w bits each, then 8 zero bytes. Used
 *              only when it gives back every value bit for bit (checked on
 *              write; NaN, infinities and -0.0 never qualify) and is
 *              smaller: meter data read from "%.3f" CSV takes ~2-3 bytes a
 *              value instead of 8, which is most of the write speed.
 * NaN is "no reading"; n is the number of non-NaN values in the chunk.
 */
#include "store/store_impl.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SQ_APP_ID 0x5A50524B /* "ZPRK" in the database header */
#define SQ_HDR 8
#define SQ_FORMAT_RAW 1 /* little-endian doubles */
#define SQ_FORMAT_DEC 2 /* bit-packed deltas of v * 10^d */
#define SQ_DEC_MAX_DIGITS 6
#define SQ_DEC_MAX_WIDTH 56 /* bits per packed delta, so one 8-byte load holds it */
#define SQ_DEC_PAD 8        /* zero bytes after the packed deltas for that load */
#define SQ_BUSY_MS 5000

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SQ_LITTLE_ENDIAN 1
#else
#define SQ_LITTLE_ENDIAN 0
#endif

/* Migrations: migration i takes the schema from version i to i + 1. Each
 * runs in its own transaction together with the user_version bump. Never
 * edit one that has shipped; append a new one. */
static const char *const sq_migrations[] = {
    /* 0 -> 1: the initial schema */
    "PRAGMA application_id = 1515213387;\n"
    "CREATE TABLE series(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  unit TEXT,\n"
    "  kind TEXT NOT NULL CHECK(kind IN ('power', 'energy', 'intensity')),\n"
    "  step_s INTEGER NOT NULL CHECK(step_s > 0),\n"
    "  created INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))\n"
    ");\n"
    "CREATE TABLE chunks(\n"
    "  series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,\n"
    "  chunk_start INTEGER NOT NULL,\n"
    "  n INTEGER NOT NULL,\n"
    "  data BLOB NOT NULL,\n"
    "  PRIMARY KEY(series_id, chunk_start)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE runs(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  created INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  model_name TEXT,\n"
    "  inputs_sha256 TEXT,\n"
    "  results_json TEXT NOT NULL\n"
    ");\n",
    /* 1 -> 2: a counter kind (readings of a cumulative register). Every
     * series named ..._total becomes one: earlier versions stored such
     * a column's readings as they came (typed intensity unless told
     * otherwise), and accounting always read them as a register. The
     * table is rebuilt to widen its CHECK (foreign keys are off while
     * migrating, so the chunks stay). */
    "CREATE TABLE series_v1 AS SELECT id, name, unit, kind, step_s, created FROM series;\n"
    "DROP TABLE series;\n"
    "CREATE TABLE series(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  unit TEXT,\n"
    "  kind TEXT NOT NULL CHECK(kind IN ('power', 'energy', 'intensity', 'counter')),\n"
    "  step_s INTEGER NOT NULL CHECK(step_s > 0),\n"
    "  created INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))\n"
    ");\n"
    "INSERT INTO series(id, name, unit, kind, step_s, created)\n"
    "  SELECT id, name, unit,\n"
    "         CASE WHEN length(name) > 6 AND substr(name, -6) = '_total' THEN 'counter'\n"
    "              ELSE kind END,\n"
    "         step_s, created FROM series_v1 ORDER BY id;\n"
    "DROP TABLE series_v1;\n",
};

_Static_assert(SQ_APP_ID == 1515213387, "SQ_APP_ID must match migration 0");
_Static_assert(ZP_ARRAY_LEN(sq_migrations) == ZP__STORE_SCHEMA, "a migration per schema version");

/* Statements kept prepared for the life of the handle. */
enum {
    Q_FIND,
    Q_INSERT_SERIES,
    Q_ALL_SERIES,
    Q_SPAN,
    Q_CHUNK_GET,
    Q_CHUNK_PUT,
    Q_CHUNK_RANGE,
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_RUN_SAVE,
    Q_RUN_GET,
    Q_RUN_COUNT,
    Q_COUNT
};

static const char *const sq_sql[Q_COUNT] = {
    [Q_FIND] = "SELECT id, kind, step_s, unit FROM series WHERE name = ?1",
    [Q_INSERT_SERIES] = "INSERT INTO series(name, unit, kind, step_s) VALUES(?1, ?2, ?3, ?4)",
    [Q_ALL_SERIES] = "SELECT id, name, unit, kind, step_s FROM series ORDER BY name",
    [Q_SPAN] = "SELECT count(*), total(n), min(chunk_start), max(chunk_start) FROM chunks "
               "WHERE series_id = ?1",
    [Q_CHUNK_GET] = "SELECT data FROM chunks WHERE series_id = ?1 AND chunk_start = ?2",
    [Q_CHUNK_PUT] = "INSERT INTO chunks(series_id, chunk_start, n, data) VALUES(?1, ?2, ?3, ?4) "
                    "ON CONFLICT(series_id, chunk_start) DO UPDATE SET n = excluded.n, "
                    "data = excluded.data",
    [Q_CHUNK_RANGE] = "SELECT chunk_start, data FROM chunks WHERE series_id = ?1 AND "
                      "chunk_start >= ?2 AND chunk_start < ?3 ORDER BY chunk_start",
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_RUN_SAVE] = "INSERT INTO runs(created, kind, model_name, inputs_sha256, results_json) "
                   "VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_RUN_GET] = "SELECT id, created, kind, model_name, inputs_sha256, results_json FROM runs "
                  "WHERE id = ?1",
    [Q_RUN_COUNT] = "SELECT count(*) FROM runs",
};

typedef struct sq_store {
    sqlite3 *db;                 /* connection */
    sqlite3_stmt *q[Q_COUNT];    /* prepared statements, see sq_sql */
    unsigned char *blob;         /* encode buffer: header + CHUNK doubles */
    int64_t *ints;               /* CHUNK scaled integers while encoding */
    char *run_strs;              /* strings of the last run_get */
} sq_store;

#define SQ(st) ((sq_store *)(st)->impl)

/* Every SQLite failure becomes ZP_ESTORE naming the file and the step. */
static zp_status sq_fail(zp_store *st, const char *what)
{
    sq_store *sq = SQ(st);
    return zp__error(st->ctx, ZP_ESTORE, "%s: sqlite: %s (while %s)", st->where,
                     sq && sq->db ? sqlite3_errmsg(sq->db) : "out of memory", what);
}

/* Run one prepared statement that returns no rows. */
static zp_status sq_exec_q(zp_store *st, int q, const char *what)
{
    sqlite3_stmt *stmt = SQ(st)->q[q];
    int rc = sqlite3_step(stmt);
    zp_status zrc = rc == SQLITE_DONE ? ZP_OK : sq_fail(st, what);
    sqlite3_reset(stmt);
    return zrc;
}

/* Run SQL text once (setup and migrations). */
static zp_status sq_exec(zp_store *st, const char *sql, const char *what)
{
    if (sqlite3_exec(SQ(st)->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(st, what);
    return ZP_OK;
}

/* One integer from a one-row query (pragmas, counts). */
static zp_status sq_int(zp_store *st, const char *sql, const char *what, int64_t *out)
{
    sqlite3_stmt *stmt = NULL;
    zp_status rc = ZP_OK;
    int src = sqlite3_prepare_v2(SQ(st)->db, sql, -1, &stmt, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else if (src == SQLITE_DONE)
        *out = 0;
    else if (src == SQLITE_NOTADB)
        rc = zp__error(st->ctx, ZP_EDATA,
                       "%s: not a zeropark store (the file is not an SQLite database)",
                       st->where);
    else
        rc = sq_fail(st, what);
    sqlite3_finalize(stmt);
    return rc;
}

static const char *kind_text(zp_series_kind kind)
{
    const char *t = zp_series_kind_name(kind);
    return t ? t : "power";
}

/* The kind of a stored series. A store of schema 1 (opened read-only, so
 * not migrated) is read as migration 2 would leave it: a series named
 * ..._total is a counter. */
static zp_series_kind kind_parse(const zp_store *st, const unsigned char *text, const char *name)
{
    zp_series_kind k = ZP_SERIES_POWER;
    if (text)
        (void)zp_series_kind_parse((const char *)text, &k);
    if (st->schema_version < 2 && zp_series_name_is_counter(name))
        k = ZP_SERIES_COUNTER;
    return k;
}

/* Bring the schema to the current version, one transaction per step. */
static zp_status sq_migrate(zp_store *st, int64_t version)
{
    const int64_t target = (int64_t)ZP_ARRAY_LEN(sq_migrations);
    zp_status rc = ZP_OK;

    /* A migration may rebuild a table that chunks refer to: with foreign
     * keys on, dropping it would delete every chunk. (Outside a
     * transaction, where the pragma takes effect; sq_open turns them on
     * afterwards.) */
    if (version < target && (rc = sq_exec(st, "PRAGMA foreign_keys = OFF", "preparing a schema migration")))
        return rc;
    while (version < target) {
        if ((rc = sq_exec(st, "BEGIN IMMEDIATE", "starting a schema migration")))
            return rc;
        /* Another process may have migrated while we waited for the lock. */
        if ((rc = sq_int(st, "PRAGMA user_version", "reading the schema version", &version)))
            goto fail;
        if (version >= target)
            break;
        if ((rc = sq_exec(st, sq_migrations[version], "migrating the schema")))
            goto fail;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)(version + 1));
        if ((rc = sq_exec(st, sql, "writing the schema version")))
            goto fail;
        if ((rc = sq_exec(st, "COMMIT", "committing a schema migration")))
            goto fail;
        version++;
    }
    if (sqlite3_get_autocommit(SQ(st)->db) == 0 &&
        (rc = sq_exec(st, "COMMIT", "committing a schema migration")))
        goto fail;
    st->schema_version = (int)version;
    return ZP_OK;
fail:
    sqlite3_exec(SQ(st)->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Refuse files that are not zeropark stores before touching them. */
static zp_status sq_check_identity(zp_store *st, int64_t *version)
{
    int64_t app_id = 0, objects = 0;
    zp_status rc;

    if ((rc = sq_int(st, "PRAGMA application_id", "reading the application id", &app_id)))
        return rc;
    if ((rc = sq_int(st, "PRAGMA user_version", "reading the schema version", version)))
        return rc;
    if ((rc = sq_int(st, "SELECT count(*) FROM sqlite_master", "reading the schema", &objects)))
        return rc;
    if (app_id != 0 && app_id != SQ_APP_ID)
        return zp__error(st->ctx, ZP_EDATA,
                         "%s: not a zeropark store (an SQLite database of another application, "
                         "application_id 0x%08llx)",
                         st->where, (unsigned long long)app_id);
    if (app_id == 0 && objects > 0)
        return zp__error(st->ctx, ZP_EDATA,
                         "%s: not a zeropark store (an SQLite database with %lld other "
                         "schema objects); use a new file",
                         st->where, (long long)objects);
    if (*version > (int64_t)ZP_ARRAY_LEN(sq_migrations))
        return zp__error(st->ctx, ZP_EUNSUPPORTED,
                         "%s: the store has schema version %lld, newer than this zeropark "
                         "(%s) understands (%d); upgrade zeropark to open it",
                         st->where, (long long)*version, ZP_VERSION_STRING,
                         (int)ZP_ARRAY_LEN(sq_migrations));
    /* Read-only opens do not migrate: every earlier schema (from 1) is
     * read as it is (see kind_parse). */
    if ((st->flags & ZP_STORE_READONLY) && *version == 0)
        return zp__error(st->ctx, ZP_EDATA, "%s: not a zeropark store (an empty database)",
                         st->where);
    return ZP_OK;
}

static zp_status sq_open(zp_store *st, const char *path)
{
    sq_store *sq = NULL;
    zp_status rc = ZP_OK;
    int64_t version = 0;
    struct stat sb;

    if (stat(path, &sb) != 0 && errno == ENOENT && !(st->flags & ZP_STORE_CREATE))
        return zp__error(st->ctx, ZP_ENOTFOUND,
                         "%s: no such store; check the path", path);
    if ((rc = zp__db_path_check(st->ctx, path, (st->flags & ZP_STORE_CREATE) != 0, "zeropark store",
                                (st->flags & ZP_STORE_CREATE)
                                    ? "give the path of a store (written by zeropark import, "
                                      "simulate --db or serve) or of a new file to create"
                                    : "give the path of a store (written by zeropark import, "
                                      "simulate --db or serve)")))
        return rc;
    sq = zp__calloc(st->ctx, 1, sizeof *sq);
    if (!sq)
        return zp__nomem(st->ctx);
    st->impl = sq;
    /* Room for the raw format; format 2 is only used when smaller. */
    sq->blob = zp__malloc(st->ctx, SQ_HDR + ZP__STORE_CHUNK * sizeof(double));
    sq->ints = zp__malloc(st->ctx, ZP__STORE_CHUNK * sizeof *sq->ints);
    if (!sq->blob || !sq->ints)
        return zp__nomem(st->ctx);

    int oflags = SQLITE_OPEN_NOMUTEX;
    if (st->flags & ZP_STORE_READONLY)
        oflags |= SQLITE_OPEN_READONLY;
    else
        oflags |= SQLITE_OPEN_READWRITE | ((st->flags & ZP_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
    if (st->flags & ZP_STORE_CREATE)
        zp__db_create_private(path); /* 0600, and so its -wal and -shm */
    if (sqlite3_open_v2(path, &sq->db, oflags, NULL) != SQLITE_OK) {
        int se = sq->db ? sqlite3_system_errno(sq->db) : 0;
        if (se) /* the system's reason (permission denied, ...), not SQLite's wording */
            return zp__error(st->ctx, ZP_EIO, "cannot open %s: %s", path, strerror(se));
        return sq_fail(st, "opening the file");
    }
    sqlite3_busy_timeout(sq->db, SQ_BUSY_MS);

    if ((rc = sq_check_identity(st, &version)))
        return rc;
    if (!(st->flags & ZP_STORE_READONLY)) {
        /* 16 KB pages hold a packed chunk (~3 KB) without overflow pages,
         * about five to a leaf: the smallest file and the fastest reads
         * measured (4 KB pages: +25% size, +50% read time). Only takes
         * effect on a new, empty file. */
        if (version == 0 && (rc = sq_exec(st, "PRAGMA page_size = 16384", "setting the page size")))
            return rc;
        sqlite3_stmt *stmt = NULL;
        const char *mode = NULL;
        if (sqlite3_prepare_v2(sq->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) ==
                SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW)
            mode = (const char *)sqlite3_column_text(stmt, 0);
        bool wal = mode && strcmp(mode, "wal") == 0;
        sqlite3_finalize(stmt);
        if (!wal)
            return sq_fail(st, "switching to WAL mode");
        if ((rc = sq_migrate(st, version)))
            return rc;
    } else {
        st->schema_version = (int)version;
    }
    if ((rc = sq_exec(st,
                      "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
                      "PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456",
                      "configuring the connection")))
        return rc;
    /* Low memory: file pages stay in the OS cache instead of being mapped
     * into the process (a mapped page counts in its resident size). */
    if ((st->flags & ZP_STORE_LOWMEM) &&
        (rc = sq_exec(st, "PRAGMA cache_size = -2048; PRAGMA mmap_size = 0", "configuring low memory")))
        return rc;
    for (int i = 0; i < Q_COUNT; i++) {
        if (sqlite3_prepare_v3(sq->db, sq_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &sq->q[i],
                               NULL) != SQLITE_OK)
            return sq_fail(st, "preparing statements");
    }
    return ZP_OK;
}

static void sq_close(zp_store *st)
{
    sq_store *sq = SQ(st);
    if (!sq)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(sq->q[i]);
    /* close_v2 never fails with SQLITE_BUSY: everything is finalized. */
    sqlite3_close_v2(sq->db);
    zp__free(st->ctx, sq->blob);
    zp__free(st->ctx, sq->ints);
    zp__free(st->ctx, sq->run_strs);
    zp__free(st->ctx, sq);
    st->impl = NULL;
}

static zp_status sq_series_find(zp_store *st, const char *name, zp__store_row *row, char **unit,
                                bool *found)
{
    sqlite3_stmt *q = SQ(st)->q[Q_FIND];
    zp_status rc = ZP_OK;

    *found = false;
    if (unit)
        *unit = NULL;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        *found = true;
        row->id = sqlite3_column_int64(q, 0);
        row->kind = kind_parse(st, sqlite3_column_text(q, 1), name);
        row->step_s = (int32_t)sqlite3_column_int(q, 2);
        const char *u = (const char *)sqlite3_column_text(q, 3);
        if (unit && u && !(*unit = zp__strdup(st->ctx, u)))
            rc = zp__nomem(st->ctx);
    } else if (src != SQLITE_DONE) {
        rc = sq_fail(st, "looking up a series");
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

static zp_status sq_series_insert(zp_store *st, const char *name, const char *unit,
                                  zp_series_kind kind, int32_t step_s, int64_t *id)
{
    sqlite3_stmt *q = SQ(st)->q[Q_INSERT_SERIES];
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    if (unit)
        sqlite3_bind_text(q, 2, unit, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 2);
    sqlite3_bind_text(q, 3, kind_text(kind), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, step_s);
    zp_status rc = sq_exec_q(st, Q_INSERT_SERIES, "defining a series");
    sqlite3_clear_bindings(q);
    if (rc == ZP_OK)
        *id = sqlite3_last_insert_rowid(SQ(st)->db);
    return rc;
}

static zp_status sq_series_all(zp_store *st, zp_store_series_info **info, int64_t **ids,
                               size_t *n)
{
    sqlite3_stmt *q = SQ(st)->q[Q_ALL_SERIES];
    zp_store_series_info *arr = NULL;
    int64_t *idarr = NULL;
    size_t cap = 0, idcap = 0, count = 0;
    zp_status rc = ZP_OK;
    int src;

    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        if ((rc = zp__grow(st->ctx, (void **)&arr, &cap, count + 1, sizeof *arr)) ||
            (rc = zp__grow(st->ctx, (void **)&idarr, &idcap, count + 1, sizeof *idarr)))
            goto cleanup;
        zp_store_series_info *it = &arr[count];
        memset(it, 0, sizeof *it);
        count++;
        idarr[count - 1] = sqlite3_column_int64(q, 0);
        const char *u = (const char *)sqlite3_column_text(q, 2);
        it->name = zp__strdup(st->ctx, (const char *)sqlite3_column_text(q, 1));
        it->unit = u ? zp__strdup(st->ctx, u) : NULL;
        it->kind = kind_parse(st, sqlite3_column_text(q, 3), it->name);
        it->step_s = (int32_t)sqlite3_column_int(q, 4);
        if (!it->name || (u && !it->unit)) {
            rc = zp__nomem(st->ctx);
            goto cleanup;
        }
    }
    if (src != SQLITE_DONE) {
        rc = sq_fail(st, "listing series");
        goto cleanup;
    }
    *info = arr;
    *ids = idarr;
    *n = count;
    arr = NULL;
    idarr = NULL;
cleanup:
    sqlite3_reset(q);
    zp_store_series_info_free(st->ctx, arr, count);
    zp__free(st->ctx, idarr);
    return rc;
}

static zp_status sq_series_span(zp_store *st, int64_t id, zp__store_span *span)
{
    sqlite3_stmt *q = SQ(st)->q[Q_SPAN];
    zp_status rc = ZP_OK;

    memset(span, 0, sizeof *span);
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        span->any = sqlite3_column_int64(q, 0) > 0;
        span->count = (int64_t)sqlite3_column_double(q, 1);
        span->first_chunk = sqlite3_column_int64(q, 2);
        span->last_chunk = sqlite3_column_int64(q, 3);
    } else {
        rc = sq_fail(st, "summing chunks");
    }
    sqlite3_reset(q);
    return rc;
}

static zp_status sq_begin(zp_store *st) { return sq_exec_q(st, Q_BEGIN, "starting a write"); }

static zp_status sq_commit(zp_store *st) { return sq_exec_q(st, Q_COMMIT, "committing a write"); }

static void sq_rollback(zp_store *st)
{
    /* After some errors SQLite has already rolled back; only roll back an
     * open transaction. */
    if (!sqlite3_get_autocommit(SQ(st)->db)) {
        sqlite3_step(SQ(st)->q[Q_ROLLBACK]);
        sqlite3_reset(SQ(st)->q[Q_ROLLBACK]);
    }
}

static const double sq_pow10[SQ_DEC_MAX_DIGITS + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};

static zp_status sq_corrupt(zp_store *st, int64_t id, zp_time_t chunk_start,
                            const unsigned char *b, int bytes)
{
    return zp__error(st->ctx, ZP_ECORRUPT,
                     "%s: series id %lld, chunk at %lld: bad chunk (format %d, %d bytes); the "
                     "store is damaged, restore it from a backup or re-import the data",
                     st->where, (long long)id, (long long)chunk_start, b && bytes > 0 ? b[0] : -1,
                     bytes);
}

static void sq_put_double(unsigned char *dst, double v)
{
#if SQ_LITTLE_ENDIAN
    memcpy(dst, &v, sizeof v);
#else
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    for (int b = 0; b < 8; b++)
        dst[b] = (unsigned char)(u >> (8 * b));
#endif
}

#if !SQ_LITTLE_ENDIAN
static double sq_get_double(const unsigned char *src)
{
    double v;
    uint64_t u = 0;
    for (int b = 7; b >= 0; b--)
        u = u << 8 | src[b];
    memcpy(&v, &u, sizeof v);
    return v;
}
#endif

/* Smallest d such that every value is exactly (double)i / 10^d for an
 * integer |i| < 2^52 - then the integers give the doubles back bit for
 * bit - or -1; iv receives the integers. Exact at d implies exact at
 * d + 1 (10i / 10^(d+1) is the same rational), so d only ever grows
 * while scanning. */
static uint64_t sq_le64(const unsigned char *p)
{
    uint64_t u;
#if SQ_LITTLE_ENDIAN
    memcpy(&u, p, sizeof u);
#else
    u = 0;
    for (int b = 7; b >= 0; b--)
        u = u << 8 | p[b];
#endif
    return u;
}

static void sq_put_le64(unsigned char *p, uint64_t u)
{
    for (int b = 0; b < 8; b++)
        p[b] = (unsigned char)(u >> (8 * b));
}

static int sq_dec_digits(const double *v, uint32_t count, int64_t *iv)
{
    int d = 0;
    for (uint32_t k = 0; k < count; k++) {
        for (;;) {
            double x = v[k] * sq_pow10[d];
            if (fabs(x) < 0x1p52) {
                int64_t i = llrint(x);
                double back = (double)i / sq_pow10[d];
                if (memcmp(&back, &v[k], sizeof back) == 0) { /* also rejects -0.0 */
                    iv[k] = i;
                    break;
                }
            }
            if (++d > SQ_DEC_MAX_DIGITS)
                return -1; /* NaN, infinity, -0.0, too many digits or too large */
            /* the integers so far were for fewer digits: scale them up */
            for (uint32_t j = 0; j < k; j++)
                iv[j] *= 10;
        }
    }
    /* Scaled-up integers must stay exact as doubles for the decoder. */
    for (uint32_t k = 0; k < count; k++)
        if (iv[k] >= ((int64_t)1 << 52) || iv[k] <= -((int64_t)1 << 52))
            return -1;
    return d;
}

/* Payload bytes of format 2 for count values packed at width w. */
static size_t sq_dec_size(uint32_t count, unsigned w)
{
    return SQ_HDR + 16 + ((size_t)(count - 1) * w + 7) / 8 + SQ_DEC_PAD;
}

/* Encode a chunk into sq->blob (header included); returns the blob size.
 * Values that are short decimals (meter readings, "%.3f" CSV) are stored
 * as scaled integers, delta-coded and bit-packed at one width per chunk
 * (format 2: about a quarter of the size, decoded without branches);
 * anything else, or when that is not smaller, as raw doubles (format 1). */
static size_t sq_pack(sq_store *sq, const double *vals, uint32_t count)
{
    unsigned char *b = sq->blob;
    int64_t *iv = sq->ints;
    const size_t raw = SQ_HDR + (size_t)count * 8;
    const int d = count >= 2 ? sq_dec_digits(vals, count, iv) : -1;

    memset(b, 0, SQ_HDR);
    b[4] = (unsigned char)count;
    b[5] = (unsigned char)(count >> 8);
    b[6] = (unsigned char)(count >> 16);
    b[7] = (unsigned char)(count >> 24);
    if (d >= 0) {
        /* |i| < 2^52 (times 10 at most 6 times stays < 2^52 by the check
         * at the final d), so deltas and their range fit in 64 bits */
        int64_t dmin = INT64_MAX, dmax = INT64_MIN;
        for (uint32_t k = 1; k < count; k++) {
            int64_t delta = iv[k] - iv[k - 1];
            dmin = delta < dmin ? delta : dmin;
            dmax = delta > dmax ? delta : dmax;
        }
        uint64_t range = (uint64_t)(dmax - dmin);
        unsigned w = 0;
        while (w < 64 && (range >> w) != 0)
            w++;
        size_t size = sq_dec_size(count, w);
        if (w <= SQ_DEC_MAX_WIDTH && size < raw) {
            b[0] = SQ_FORMAT_DEC;
            b[1] = (unsigned char)d;
            b[2] = (unsigned char)w;
            sq_put_le64(b + SQ_HDR, (uint64_t)iv[0]);
            sq_put_le64(b + SQ_HDR + 8, (uint64_t)dmin);
            unsigned char *o = b + SQ_HDR + 16;
            uint64_t acc = 0;
            unsigned nbits = 0;
            for (uint32_t k = 1; k < count; k++) {
                acc |= (uint64_t)(iv[k] - iv[k - 1] - dmin) << nbits; /* nbits < 8, w <= 56 */
                nbits += w;
                while (nbits >= 8) {
                    *o++ = (unsigned char)acc;
                    acc >>= 8;
                    nbits -= 8;
                }
            }
            if (nbits)
                *o++ = (unsigned char)acc;
            memset(o, 0, (size_t)(b + size - o));
            return size;
        }
    }
    b[0] = SQ_FORMAT_RAW;
    for (uint32_t k = 0; k < count; k++)
        sq_put_double(b + SQ_HDR + (size_t)k * 8, vals[k]);
    return raw;
}

/* Decode chunk values [k0, k1) of a blob into dst[0 .. k1 - k0); values
 * past the blob's count are left alone (they are NaN). Sizes are checked
 * before any read: a damaged blob is ZP_ECORRUPT, never a crash. */
static zp_status sq_unpack(zp_store *st, int64_t id, zp_time_t chunk_start,
                           const unsigned char *b, int bytes, int64_t k0, int64_t k1, double *dst)
{
    if (!b || bytes < SQ_HDR)
        return sq_corrupt(st, id, chunk_start, b, bytes);
    const uint32_t count = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
                           (uint32_t)b[7] << 24;
    if (count > ZP__STORE_CHUNK)
        return sq_corrupt(st, id, chunk_start, b, bytes);
    if (k1 > (int64_t)count)
        k1 = count;
    if (b[0] == SQ_FORMAT_RAW) {
        if ((size_t)bytes != SQ_HDR + (size_t)count * 8)
            return sq_corrupt(st, id, chunk_start, b, bytes);
#if SQ_LITTLE_ENDIAN
        if (k0 < k1)
            memcpy(dst, b + SQ_HDR + k0 * 8, (size_t)(k1 - k0) * 8);
#else
        for (int64_t k = k0; k < k1; k++)
            dst[k - k0] = sq_get_double(b + SQ_HDR + k * 8);
#endif
        return ZP_OK;
    }
    const unsigned w = b[2];
    if (b[0] != SQ_FORMAT_DEC || b[1] > SQ_DEC_MAX_DIGITS || w > SQ_DEC_MAX_WIDTH || count < 2 ||
        (size_t)bytes != sq_dec_size(count, w))
        return sq_corrupt(st, id, chunk_start, b, bytes);
    const double p = sq_pow10[b[1]];
    const unsigned char *pay = b + SQ_HDR + 16;
    const uint64_t mask = w ? (UINT64_MAX >> (64 - w)) : 0;
    const uint64_t dmin = sq_le64(b + SQ_HDR + 8);
    /* unsigned arithmetic: corrupt data gives wrong numbers, never UB */
    uint64_t acc = sq_le64(b + SQ_HDR);
    if (k0 == 0 && k1 > 0)
        dst[0] = (double)(int64_t)acc / p;
    for (int64_t k = 1; k < k1; k++) {
        size_t bit = (size_t)(k - 1) * w;
        acc += ((sq_le64(pay + bit / 8) >> (bit % 8)) & mask) + dmin;
        if (k >= k0)
            dst[k - k0] = (double)(int64_t)acc / p;
    }
    return ZP_OK;
}

static zp_status sq_chunk_get(zp_store *st, int64_t id, zp_time_t chunk_start, double *vals,
                              bool *found)
{
    sqlite3_stmt *q = SQ(st)->q[Q_CHUNK_GET];
    zp_status rc = ZP_OK;

    *found = false;
    for (size_t k = 0; k < ZP__STORE_CHUNK; k++)
        vals[k] = NAN;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, chunk_start);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        rc = sq_unpack(st, id, chunk_start, sqlite3_column_blob(q, 0), sqlite3_column_bytes(q, 0),
                       0, ZP__STORE_CHUNK, vals);
        *found = rc == ZP_OK;
    } else if (src != SQLITE_DONE) {
        rc = sq_fail(st, "reading a chunk");
    }
    sqlite3_reset(q);
    return rc;
}

static zp_status sq_chunk_put(zp_store *st, int64_t id, zp_time_t chunk_start, const double *vals,
                              int32_t nvalid)
{
    sq_store *sq = SQ(st);
    sqlite3_stmt *q = sq->q[Q_CHUNK_PUT];

    /* Trailing NaN are implied by the count: a partial last chunk stays small. */
    uint32_t count = ZP__STORE_CHUNK;
    while (count > 0 && isnan(vals[count - 1]))
        count--;
    size_t bytes = sq_pack(sq, vals, count);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, chunk_start);
    sqlite3_bind_int(q, 3, nvalid);
    /* STATIC: sq->blob is not touched again until the statement is reset. */
    sqlite3_bind_blob(q, 4, sq->blob, (int)bytes, SQLITE_STATIC);
    return sq_exec_q(st, Q_CHUNK_PUT, "writing a chunk");
}

static zp_status sq_chunk_read(zp_store *st, int64_t id, int32_t step_s, zp_time_t from,
                               size_t len, double *out)
{
    sqlite3_stmt *q = SQ(st)->q[Q_CHUNK_RANGE];
    const zp_time_t span = (zp_time_t)step_s * ZP__STORE_CHUNK;
    zp_status rc = ZP_OK;
    int src;

    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, zp__store_floor(from, span));
    sqlite3_bind_int64(q, 3, from + (zp_time_t)len * step_s);
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        zp_time_t cs = sqlite3_column_int64(q, 0);
        int64_t k0, k1, off;
        zp__store_window(cs, ZP__STORE_CHUNK, step_s, from, len, &k0, &k1, &off);
        /* Stored NaN are "no reading" just like the NaN in out, so the
         * overlap is decoded straight into place. */
        if (k0 < k1 &&
            (rc = sq_unpack(st, id, cs, sqlite3_column_blob(q, 1), sqlite3_column_bytes(q, 1), k0,
                            k1, out + k0 + off)))
            goto cleanup;
    }
    if (src != SQLITE_DONE)
        rc = sq_fail(st, "reading chunks");
cleanup:
    sqlite3_reset(q);
    return rc;
}

static zp_status sq_run_save(zp_store *st, const zp_store_run *run, int64_t *id)
{
    sqlite3_stmt *q = SQ(st)->q[Q_RUN_SAVE];
    const char *txt[4] = {run->kind, run->model_name, run->inputs_sha256, run->results_json};

    sqlite3_bind_int64(q, 1, run->created);
    for (int i = 0; i < 4; i++) {
        if (txt[i])
            sqlite3_bind_text(q, i + 2, txt[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, i + 2);
    }
    zp_status rc = sq_exec_q(st, Q_RUN_SAVE, "saving a run");
    sqlite3_clear_bindings(q);
    if (rc == ZP_OK)
        *id = sqlite3_last_insert_rowid(SQ(st)->db);
    return rc;
}

static zp_status sq_run_get(zp_store *st, int64_t id, zp_store_run *out, bool *found)
{
    sq_store *sq = SQ(st);
    sqlite3_stmt *q = sq->q[Q_RUN_GET];
    zp_status rc = ZP_OK;

    *found = false;
    zp__free(st->ctx, sq->run_strs);
    sq->run_strs = NULL;
    sqlite3_bind_int64(q, 1, id);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        /* One allocation holds the four strings, freed on the next call. */
        size_t total = 0;
        for (int c = 2; c < 6; c++)
            total += (size_t)sqlite3_column_bytes(q, c) + 1;
        sq->run_strs = zp__malloc(st->ctx, total);
        if (!sq->run_strs) {
            rc = zp__nomem(st->ctx);
            goto cleanup;
        }
        const char *ptrs[4];
        char *p = sq->run_strs;
        for (int c = 2; c < 6; c++) {
            const unsigned char *t = sqlite3_column_text(q, c);
            size_t n = (size_t)sqlite3_column_bytes(q, c);
            ptrs[c - 2] = t ? p : NULL;
            if (t)
                memcpy(p, t, n);
            p[n] = '\0';
            p += n + 1;
        }
        out->id = sqlite3_column_int64(q, 0);
        out->created = sqlite3_column_int64(q, 1);
        out->kind = ptrs[0];
        out->model_name = ptrs[1];
        out->inputs_sha256 = ptrs[2];
        out->results_json = ptrs[3];
        *found = true;
    } else if (src != SQLITE_DONE) {
        rc = sq_fail(st, "reading a run");
    }
cleanup:
    sqlite3_reset(q);
    return rc;
}

static zp_status sq_run_count(zp_store *st, int64_t *count)
{
    sqlite3_stmt *q = SQ(st)->q[Q_RUN_COUNT];
    zp_status rc = ZP_OK;
    if (sqlite3_step(q) == SQLITE_ROW)
        *count = sqlite3_column_int64(q, 0);
    else
        rc = sq_fail(st, "counting runs");
    sqlite3_reset(q);
    return rc;
}

const zp__store_backend zp__store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .series_find = sq_series_find,
    .series_insert = sq_series_insert,
    .series_all = sq_series_all,
    .series_span = sq_series_span,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .chunk_get = sq_chunk_get,
    .chunk_put = sq_chunk_put,
    .chunk_read = sq_chunk_read,
    .run_save = sq_run_save,
    .run_get = sq_run_get,
    .run_count = sq_run_count,
};
