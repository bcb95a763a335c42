/*
 * test_store.c - unit tests for the store (both backends) and the crash
 * test: a helper import is killed with SIGKILL mid-write and the store
 * must still be consistent, keep every committed slice and accept a new
 * import.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "zeropark/zeropark.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T2024 1704038400 /* 2024-01-01T00:00:00+08:00 */
#define YEAR_MIN 525600  /* minutes in 365 days */
#define CHUNK 1440       /* values per chunk (store_impl.h) */

static char tmpdir[256];

/* ---- helpers ------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Keep identical to the copy in crash_import.c. */
static double crash_value(unsigned series, uint64_t i)
{
    uint64_t z = (uint64_t)(series + 1) * 0x9E3779B97F4A7C15u + i;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53 * 2000.0 - 500.0;
}

static void path_in_tmp(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", tmpdir, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* Open "mem:" or tmpdir/name for backend "sqlite". */
static zp_store *open_store(zp_ctx *ctx, const char *backend, const char *name, unsigned flags)
{
    char path[512];
    zp_store *st = NULL;
    if (strcmp(backend, "mem") == 0)
        snprintf(path, sizeof path, "mem:");
    else
        path_in_tmp(path, sizeof path, name);
    zp_status rc = zp_store_open(ctx, path, flags, &st);
    if (rc)
        fail_msg("open %s: %s", path, zp_ctx_errmsg(ctx));
    return st;
}

static zp_series *new_series(zp_ctx *ctx, const char *name, zp_time_t start, int32_t step,
                             size_t len)
{
    zp_series *s = NULL;
    assert_int_equal(zp_series_new(ctx, name, ZP_SERIES_POWER, start, step, len, &s), ZP_OK);
    return s;
}

static void write1(zp_ctx *ctx, zp_store *st, const zp_series *s)
{
    if (zp_store_write(st, &s, 1, NULL, NULL))
        fail_msg("write: %s", zp_ctx_errmsg(ctx));
}

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Both NaN, or the same bits. */
static bool same_value(double a, double b) { return (isnan(a) && isnan(b)) || same_bits(a, b); }

/* A double with random bits that is not NaN (so it is a reading). */
static double random_reading(void)
{
    for (;;) {
        uint64_t u = rng_next();
        double d;
        memcpy(&d, &u, sizeof d);
        if (!isnan(d))
            return d;
    }
}

static int setup_group(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/zp_store_XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_group(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    return rmdir(tmpdir);
}

/* ---- round trip --------------------------------------------------------- */

/* One year at one minute, random bit patterns plus special values, written
 * and read back bit for bit (after reopening, for SQLite). */
static void test_roundtrip_year(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "roundtrip.db", ZP_STORE_CREATE);
    zp_series *s = new_series(ctx, "grid_import_kw", T2024, 60, YEAR_MIN);
    zp_series *r = NULL;
    const double special[] = {-0.0,     0.0,      DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_MIN / 3,
                              DBL_MIN,  DBL_MAX,  -DBL_MAX,     1e-300,        -1e300,
                              INFINITY, -INFINITY, 1.0 / 3.0,   0x1.fffffffffffffp-1};

    rng_state = 42;
    assert_int_equal(zp_series_set_unit(ctx, s, "kW"), ZP_OK);
    for (size_t i = 0; i < s->len; i++)
        s->v[i] = random_reading();
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        s->v[i] = special[i];                        /* first, partial chunk */
        s->v[s->len - 1 - i] = special[i];           /* last, partial chunk */
        s->v[CHUNK * 100 + 7 * i] = special[i];      /* a full chunk */
    }
    write1(ctx, st, s);
    if (strcmp(backend, "sqlite") == 0) {
        zp_store_close(st);
        st = open_store(ctx, backend, "roundtrip.db", 0);
    }
    assert_int_equal(zp_store_read(st, "grid_import_kw", T2024, T2024 + YEAR_MIN * 60, &r), ZP_OK);
    assert_int_equal(r->len, s->len);
    assert_int_equal(r->start, T2024);
    assert_int_equal(r->step_s, 60);
    assert_string_equal(r->unit, "kW");
    assert_memory_equal(r->v, s->v, s->len * sizeof *s->v);

    zp_store_series_info info;
    assert_int_equal(zp_store_series_get(st, "grid_import_kw", &info), ZP_OK);
    assert_int_equal(info.count, YEAR_MIN);
    assert_int_equal(info.first, T2024);
    assert_int_equal(info.last_end, T2024 + YEAR_MIN * 60);
    assert_int_equal(info.step_s, 60);
    assert_string_equal(info.unit, "kW");
    zp_store_series_info_clear(ctx, &info);

    zp_series_free(ctx, r);
    zp_series_free(ctx, s);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* ---- merging and NaN ---------------------------------------------------- */

static void test_partial_overwrite(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "merge.db", ZP_STORE_CREATE);
    const size_t len = 3 * CHUNK;
    zp_series *a = new_series(ctx, "m", T2024, 60, len);
    zp_series *b = new_series(ctx, "m", T2024 + 1000 * 60, 60, 2000); /* straddles chunks */
    zp_series *r = NULL;

    for (size_t i = 0; i < len; i++)
        a->v[i] = (double)i;
    for (size_t i = 0; i < b->len; i++)
        b->v[i] = i % 3 == 0 ? NAN : -(double)i;
    write1(ctx, st, a);
    write1(ctx, st, b);
    assert_int_equal(zp_store_read(st, "m", T2024, T2024 + (zp_time_t)len * 60, &r), ZP_OK);
    for (size_t i = 0; i < len; i++) {
        double want = a->v[i];
        if (i >= 1000 && i < 3000 && (i - 1000) % 3 != 0)
            want = b->v[i - 1000];
        if (!same_bits(r->v[i], want))
            fail_msg("value %zu: %g, want %g", i, r->v[i], want);
    }
    zp_store_series_info info;
    assert_int_equal(zp_store_series_get(st, "m", &info), ZP_OK);
    assert_int_equal(info.count, (int64_t)len);
    zp_store_series_info_clear(ctx, &info);
    zp_series_free(ctx, r);
    zp_series_free(ctx, a);
    zp_series_free(ctx, b);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

static void test_nan_handling(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "nan.db", ZP_STORE_CREATE);
    zp_series *s = new_series(ctx, "gappy", T2024, 60, 2 * CHUNK);
    zp_series *r = NULL;
    zp_store_series_info info;
    int64_t valid = 0;

    /* All NaN: defines the series but stores nothing. */
    for (size_t i = 0; i < s->len; i++)
        s->v[i] = NAN;
    write1(ctx, st, s);
    assert_int_equal(zp_store_series_get(st, "gappy", &info), ZP_OK);
    assert_int_equal(info.count, 0);
    assert_int_equal(info.first, 0);
    assert_int_equal(info.last_end, 0);
    zp_store_series_info_clear(ctx, &info);

    /* Gaps, including a NaN with a payload and the chunk's last value. */
    uint64_t payload = 0x7ff8000000000123u;
    for (size_t i = 0; i < s->len; i++) {
        if (i % 7 == 0 || i == CHUNK - 1 || (i > 100 && i < 200))
            memcpy(&s->v[i], &payload, sizeof payload);
        else
            s->v[i] = (double)i * 0.5, valid++;
    }
    s->v[0] = NAN;
    write1(ctx, st, s);
    assert_int_equal(zp_store_read(st, "gappy", T2024, T2024 + (zp_time_t)s->len * 60, &r), ZP_OK);
    for (size_t i = 0; i < s->len; i++)
        assert_true(same_value(r->v[i], s->v[i]));
    assert_int_equal(zp_store_series_get(st, "gappy", &info), ZP_OK);
    assert_int_equal(info.count, valid);
    assert_int_equal(info.first, T2024 + 60);                           /* 0 is NaN */
    assert_int_equal(info.last_end, T2024 + (zp_time_t)s->len * 60);     /* last is valid */
    zp_store_series_info_clear(ctx, &info);
    zp_series_free(ctx, r);
    zp_series_free(ctx, s);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* ---- reads -------------------------------------------------------------- */

static void test_read_ranges(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "ranges.db", ZP_STORE_CREATE);
    const zp_time_t t0 = T2024 + 3 * 86400; /* a few days in */
    zp_series *s = new_series(ctx, "pv_kw", t0, 900, 4 * CHUNK); /* 15-min, 4 chunks */
    zp_series *r = NULL;

    for (size_t i = 0; i < s->len; i++)
        s->v[i] = 1.0 + (double)i;
    write1(ctx, st, s);

    /* Straddling a chunk boundary, with from/to off the grid (rounded out). */
    const zp_time_t span = 900 * CHUNK;
    const zp_time_t b1 = (t0 / span + 1) * span;
    assert_int_equal(zp_store_read(st, "pv_kw", b1 - 10 * 900 - 17, b1 + 5 * 900 + 1, &r), ZP_OK);
    assert_int_equal(r->start, b1 - 11 * 900);
    assert_int_equal(r->len, 17);
    for (size_t i = 0; i < r->len; i++) {
        size_t k = (size_t)((r->start - t0) / 900) + i;
        assert_true(same_bits(r->v[i], s->v[k]));
    }
    zp_series_free(ctx, r);

    /* Half before the data, half inside. */
    assert_int_equal(zp_store_read(st, "pv_kw", t0 - 100 * 900, t0 + 100 * 900, &r), ZP_OK);
    assert_int_equal(r->len, 200);
    for (size_t i = 0; i < 100; i++)
        assert_true(isnan(r->v[i]));
    for (size_t i = 100; i < 200; i++)
        assert_true(same_bits(r->v[i], s->v[i - 100]));
    zp_series_free(ctx, r);

    /* Entirely outside (before and after). */
    assert_int_equal(zp_store_read(st, "pv_kw", t0 - 86400 * 30, t0 - 86400 * 20, &r), ZP_OK);
    assert_int_equal(r->len, 960);
    for (size_t i = 0; i < r->len; i++)
        assert_true(isnan(r->v[i]));
    zp_series_free(ctx, r);
    const zp_time_t end = t0 + (zp_time_t)s->len * 900;
    assert_int_equal(zp_store_read(st, "pv_kw", end, end + 86400 * 100, &r), ZP_OK);
    for (size_t i = 0; i < r->len; i++)
        assert_true(isnan(r->v[i]));
    zp_series_free(ctx, r);

    /* Empty window. */
    assert_int_equal(zp_store_read(st, "pv_kw", t0, t0, &r), ZP_OK);
    assert_int_equal(r->len, 0);
    zp_series_free(ctx, r);

    /* Bad windows and names. */
    r = NULL;
    assert_int_equal(zp_store_read(st, "pv_kw", t0, t0 - 900, &r), ZP_EINVAL);
    assert_null(r);
    assert_int_equal(zp_store_read(st, "pv_kv", t0, t0 + 900, &r), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "did you mean 'pv_kw'"));
    assert_int_equal(zp_store_read(st, "pv_kw", t0, t0 + (zp_time_t)900 * 200000000, &r),
                     ZP_ETOOBIG);
    zp_series_free(ctx, s);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* ---- definitions -------------------------------------------------------- */

static void test_define_conflicts(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "define.db", ZP_STORE_CREATE);
    zp_series *s = NULL;

    assert_int_equal(zp_store_series_define(st, "load_kw", "kW", ZP_SERIES_POWER, 60), ZP_OK);
    assert_int_equal(zp_store_series_define(st, "load_kw", "kW", ZP_SERIES_POWER, 60), ZP_OK);
    assert_int_equal(zp_store_series_define(st, "load_kw", "kW", ZP_SERIES_POWER, 900), ZP_EEXISTS);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "step 60 s"));
    assert_int_equal(zp_store_series_define(st, "load_kw", "kW", ZP_SERIES_ENERGY, 60), ZP_EEXISTS);
    assert_int_equal(zp_store_series_define(st, "", "kW", ZP_SERIES_POWER, 60), ZP_EINVAL);
    assert_int_equal(zp_store_series_define(st, "x", "kW", ZP_SERIES_POWER, 0), ZP_EINVAL);
    assert_int_equal(zp_store_series_define(st, "x", "kW", (zp_series_kind)7, 60), ZP_EINVAL);

    /* Writing at another step than the stored one. */
    s = new_series(ctx, "load_kw", T2024, 900, 10);
    assert_int_equal(zp_store_write(st, (const zp_series *const *)&s, 1, NULL, NULL), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "resample"));
    zp_series_free(ctx, s);
    /* Start off the step grid. */
    s = new_series(ctx, "load_kw", T2024 + 30, 60, 10);
    assert_int_equal(zp_store_write(st, (const zp_series *const *)&s, 1, NULL, NULL), ZP_EINVAL);
    zp_series_free(ctx, s);

    zp_store_series_info *list = NULL;
    size_t n = 0;
    assert_int_equal(zp_store_series_define(st, "a_first", NULL, ZP_SERIES_INTENSITY, 3600),
                     ZP_OK);
    assert_int_equal(zp_store_series_list(st, &list, &n), ZP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "a_first");
    assert_null(list[0].unit);
    assert_int_equal(list[0].kind, ZP_SERIES_INTENSITY);
    assert_string_equal(list[1].name, "load_kw");
    assert_string_equal(list[1].unit, "kW");
    zp_store_series_info_free(ctx, list, n);
    zp_store_close(st);

    /* Without ZP_STORE_CREATE an undefined series is an error, and nothing
     * of the write lands (the defined one comes first in the array). */
    if (strcmp(backend, "sqlite") == 0) {
        st = open_store(ctx, backend, "define.db", 0);
        zp_series *two[2] = {new_series(ctx, "load_kw", T2024, 60, 10),
                             new_series(ctx, "undefined", T2024, 60, 10)};
        two[0]->v[0] = 5;
        assert_int_equal(zp_store_write(st, (const zp_series *const *)two, 2, NULL, NULL),
                         ZP_ENOTFOUND);
        assert_non_null(strstr(zp_ctx_errmsg(ctx), "undefined"));
        zp_store_series_info info;
        assert_int_equal(zp_store_series_get(st, "load_kw", &info), ZP_OK);
        assert_int_equal(info.count, 0);
        zp_store_series_info_clear(ctx, &info);
        /* The same series twice in one write. */
        zp_series *dup[2] = {two[0], two[0]};
        assert_int_equal(zp_store_write(st, (const zp_series *const *)dup, 2, NULL, NULL),
                         ZP_EINVAL);
        zp_series_free(ctx, two[0]);
        zp_series_free(ctx, two[1]);
        zp_store_close(st);
    }
    zp_ctx_free(ctx);
}

/* ---- opening ------------------------------------------------------------ */

static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void test_schema_version(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char path[512];
    zp_store *st = NULL;

    path_in_tmp(path, sizeof path, "schema.db");
    st = open_store(ctx, "sqlite", "schema.db", ZP_STORE_CREATE);
    assert_string_equal(zp_store_backend(st), "sqlite");
    assert_int_equal(zp_store_schema_version(st), zp_store_schema_current());
    assert_true(zp_store_schema_current() >= 1);
    zp_store_close(st);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), zp_store_schema_current());
    assert_int_equal(sql_int(path, "PRAGMA application_id"), 0x5A50524B);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                   "('series', 'chunks', 'runs')"),
                     3);
    /* Reopening does not migrate again. */
    st = open_store(ctx, "sqlite", "schema.db", 0);
    assert_int_equal(zp_store_schema_version(st), zp_store_schema_current());
    zp_store_close(st);

    /* A store from the future is refused with a clear message. */
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", zp_store_schema_current() + 1);
    sql_exec(path, sql);
    st = NULL;
    assert_int_equal(zp_store_open(ctx, path, 0, &st), ZP_EUNSUPPORTED);
    assert_null(st);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "newer"));
    assert_non_null(strstr(zp_ctx_errmsg(ctx), path));
    assert_int_equal(zp_store_open(ctx, path, ZP_STORE_READONLY, &st), ZP_EUNSUPPORTED);
    /* ... and left untouched. */
    assert_int_equal(sql_int(path, "PRAGMA user_version"), zp_store_schema_current() + 1);
    zp_ctx_free(ctx);
}

static void test_open_errors(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char path[512];
    zp_store *st = NULL;

    /* A text file. */
    path_in_tmp(path, sizeof path, "notes.txt");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("timestamp,meter01,meter02\n", f);
    fclose(f);
    assert_int_equal(zp_store_open(ctx, path, ZP_STORE_CREATE, &st), ZP_EDATA);
    assert_null(st);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "is not a zeropark store: it is a CSV text file"));
    assert_non_null(strstr(zp_ctx_errmsg(ctx), path));

    /* Someone else's SQLite database. */
    path_in_tmp(path, sizeof path, "other.db");
    sql_exec(path, "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
    assert_int_equal(zp_store_open(ctx, path, ZP_STORE_CREATE, &st), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "not a zeropark store"));
    assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master"), 1);

    /* A missing file without ZP_STORE_CREATE, read-write and read-only. */
    path_in_tmp(path, sizeof path, "missing.db");
    assert_int_equal(zp_store_open(ctx, path, 0, &st), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), path));
    assert_int_equal(zp_store_open(ctx, path, ZP_STORE_READONLY, &st), ZP_ENOTFOUND);
    assert_int_equal(access(path, F_OK), -1);

    /* A directory that does not exist, with ZP_STORE_CREATE. */
    path_in_tmp(path, sizeof path, "no/such/dir.db");
    assert_int_equal(zp_store_open(ctx, path, ZP_STORE_CREATE, &st), ZP_ENOTFOUND);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "/no/such does not exist; create it"));

    /* Bad arguments. */
    assert_int_equal(zp_store_open(ctx, "", 0, &st), ZP_EINVAL);
    assert_int_equal(zp_store_open(ctx, "sqlite:", 0, &st), ZP_EINVAL);
    assert_int_equal(zp_store_open(ctx, "mem:x", 0, &st), ZP_EUNSUPPORTED);
    assert_int_equal(zp_store_open(ctx, "mem:", ZP_STORE_CREATE | ZP_STORE_READONLY, &st),
                     ZP_EINVAL);
    zp_store_close(NULL);

    /* "sqlite:" prefix and read-only use. */
    path_in_tmp(path, sizeof path, "ro.db");
    char uri[600];
    snprintf(uri, sizeof uri, "sqlite:%s", path);
    assert_int_equal(zp_store_open(ctx, uri, ZP_STORE_CREATE, &st), ZP_OK);
    zp_series *s = new_series(ctx, "m", T2024, 60, 10);
    write1(ctx, st, s);
    zp_store_close(st);
    assert_int_equal(zp_store_open(ctx, uri, ZP_STORE_READONLY, &st), ZP_OK);
    assert_int_equal(zp_store_write(st, (const zp_series *const *)&s, 1, NULL, NULL),
                     ZP_EUNSUPPORTED);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "read-only"));
    zp_series *r = NULL;
    assert_int_equal(zp_store_read(st, "m", T2024, T2024 + 600, &r), ZP_OK);
    assert_memory_equal(r->v, s->v, 10 * sizeof(double));
    zp_series_free(ctx, r);
    zp_series_free(ctx, s);
    zp_store_close(st);
    zp_ctx_free(ctx);
}


/* ---- counters and names ----------------------------------------------------- */

/* A counter keeps its kind through both backends and a reopen; a new name
 * or unit that is not UTF-8 text, or holds a control character, is refused
 * (it could not be listed or printed afterwards). */
static void test_counter_kind_and_names(void **state)
{
    (void)state;
    const char *backends[] = {"mem", "sqlite"};
    for (int b = 0; b < 2; b++) {
        zp_ctx *ctx = zp_ctx_new();
        zp_store *st = open_store(ctx, backends[b], "counter.db", ZP_STORE_CREATE);
        zp_series *s = NULL;
        assert_int_equal(zp_series_new(ctx, "grid_import_kwh_total", ZP_SERIES_COUNTER, T2024, 900, 4, &s), ZP_OK);
        for (int i = 0; i < 4; i++)
            s->v[i] = 100 + 10 * i;
        write1(ctx, st, s);
        zp_store_series_info info;
        assert_int_equal(zp_store_series_get(st, "grid_import_kwh_total", &info), ZP_OK);
        assert_int_equal(info.kind, ZP_SERIES_COUNTER);
        zp_store_series_info_clear(ctx, &info);
        assert_int_equal(zp_store_series_define(st, "grid_import_kwh_total", NULL, ZP_SERIES_ENERGY, 900), ZP_EEXISTS);
        assert_non_null(strstr(zp_ctx_errmsg(ctx), "kind counter"));
        zp_series_free(ctx, s);

        /* Latin-1 "café_kw": 0xE9 is byte 4 */
        assert_int_equal(zp_series_new(ctx, "caf\xE9_kw", ZP_SERIES_POWER, T2024, 900, 2, &s), ZP_OK);
        assert_int_equal(zp_store_write(st, (const zp_series *const *)&s, 1, NULL, NULL), ZP_EINVAL);
        assert_non_null(strstr(zp_ctx_errmsg(ctx), "series name 'caf?_kw' has a byte that is not UTF-8 (0xE9 at byte 4)"));
        assert_int_equal(zp_series_set_name(ctx, s, "a\x1b[31m_kw"), ZP_OK);
        assert_int_equal(zp_store_write(st, (const zp_series *const *)&s, 1, NULL, NULL), ZP_EINVAL);
        assert_non_null(strstr(zp_ctx_errmsg(ctx), "a control character (0x1B at byte 2)"));
        assert_int_equal(zp_series_set_name(ctx, s, "ok_kw"), ZP_OK);
        assert_int_equal(zp_series_set_unit(ctx, s, "k\xFFW"), ZP_OK);
        assert_int_equal(zp_store_write(st, (const zp_series *const *)&s, 1, NULL, NULL), ZP_EINVAL);
        assert_non_null(strstr(zp_ctx_errmsg(ctx), "unit 'k?W' has a byte that is not UTF-8"));
        assert_int_equal(zp_store_series_define(st, "caf\xE9", NULL, ZP_SERIES_POWER, 60), ZP_EINVAL);
        zp_store_series_info *all = NULL;
        size_t n = 0;
        assert_int_equal(zp_store_series_list(st, &all, &n), ZP_OK);
        assert_int_equal(n, 1); /* nothing of the refused ones */
        zp_store_series_info_free(ctx, all, n);
        zp_series_free(ctx, s);
        zp_store_close(st);
        if (b == 1) {
            st = open_store(ctx, "sqlite", "counter.db", ZP_STORE_READONLY);
            assert_int_equal(zp_store_series_get(st, "grid_import_kwh_total", &info), ZP_OK);
            assert_int_equal(info.kind, ZP_SERIES_COUNTER);
            zp_store_series_info_clear(ctx, &info);
            zp_store_close(st);
        }
        zp_ctx_free(ctx);
    }
}

/* A store written by zeropark before counters (schema 1), built here by
 * hand from the schema-1 definition and the documented chunk format
 * (format 1: 8-byte header, then little-endian doubles): a kWh register
 * read hourly (100, 150, 175) typed intensity, as import typed _total
 * columns then; a power series; and an "x_total" stored as energy.
 * Read-only, it is read as migration 2 leaves it: every ..._total series
 * is a counter. Opened for writing, it is migrated: the kinds are
 * rewritten and the chunks stay (the series table is rebuilt). */
static void test_migrate_schema1(void **state)
{
    (void)state;
    char path[512];
    path_in_tmp(path, sizeof path, "v1.db");
    unlink(path);
    sql_exec(path,
             "PRAGMA application_id = 1515213387;"
             "CREATE TABLE series(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit TEXT,"
             "  kind TEXT NOT NULL CHECK(kind IN ('power', 'energy', 'intensity')),"
             "  step_s INTEGER NOT NULL CHECK(step_s > 0),"
             "  created INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)));"
             "CREATE TABLE chunks(series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,"
             "  chunk_start INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,"
             "  PRIMARY KEY(series_id, chunk_start)) WITHOUT ROWID;"
             "CREATE TABLE runs(id INTEGER PRIMARY KEY, created INTEGER NOT NULL, kind TEXT NOT NULL,"
             "  model_name TEXT, inputs_sha256 TEXT, results_json TEXT NOT NULL);"
             "INSERT INTO series(id, name, unit, kind, step_s) VALUES"
             "  (1, 'grid_import_kwh_total', 'kWh', 'intensity', 3600),"
             "  (2, 'load_kw', 'kW', 'power', 3600), (3, 'x_total', NULL, 'energy', 3600);"
             "PRAGMA user_version = 1;");
    /* one chunk of series 1 at its chunk start: span 3600 s x 1440 */
    const int64_t span = (int64_t)3600 * CHUNK, cs = (int64_t)T2024 / span * span;
    unsigned char blob[8 + 3 * 8] = {1, 0, 0, 0, 3, 0, 0, 0};
    const double vals[3] = {100, 150, 175};
    for (int k = 0; k < 3; k++) {
        uint64_t u;
        memcpy(&u, &vals[k], 8);
        for (int j = 0; j < 8; j++)
            blob[8 + 8 * k + j] = (unsigned char)(u >> (8 * j));
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO chunks VALUES(1, ?1, 3, ?2)", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, cs);
    sqlite3_bind_blob(q, 2, blob, sizeof blob, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    sqlite3_close(db);

    zp_ctx *ctx = zp_ctx_new();
    for (int pass = 0; pass < 2; pass++) {
        zp_store *st = NULL;
        zp_status rc = zp_store_open(ctx, path, pass == 0 ? ZP_STORE_READONLY : 0, &st);
        if (rc)
            fail_msg("open (pass %d): %s", pass, zp_ctx_errmsg(ctx));
        assert_int_equal(zp_store_schema_version(st), pass == 0 ? 1 : 2);
        zp_store_series_info *all = NULL;
        size_t n = 0;
        assert_int_equal(zp_store_series_list(st, &all, &n), ZP_OK);
        assert_int_equal(n, 3);
        assert_string_equal(all[0].name, "grid_import_kwh_total");
        assert_int_equal(all[0].kind, ZP_SERIES_COUNTER);
        assert_int_equal(all[0].count, 3);
        assert_string_equal(all[1].name, "load_kw");
        assert_int_equal(all[1].kind, ZP_SERIES_POWER);
        assert_int_equal(all[2].kind, ZP_SERIES_COUNTER);
        zp_store_series_info_free(ctx, all, n);
        zp_series *r = NULL, *h = NULL;
        assert_int_equal(zp_store_read(st, "grid_import_kwh_total", cs, cs + 3 * 3600, &r), ZP_OK);
        assert_int_equal(r->kind, ZP_SERIES_COUNTER);
        assert_true(r->v[0] == 100 && r->v[1] == 150 && r->v[2] == 175);
        /* hourly energy by hand: 50, 25 */
        assert_int_equal(zp_series_resample(ctx, r, 3600, &h), ZP_OK);
        assert_true(h->len == 2 && h->v[0] == 50 && h->v[1] == 25);
        zp_series_free(ctx, h);
        zp_series_free(ctx, r);
        zp_store_close(st);
        assert_int_equal(sql_int(path, "PRAGMA user_version"), pass == 0 ? 1 : 2);
    }
    assert_int_equal(sql_int(path, "SELECT count(*) FROM chunks"), 1);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM series WHERE kind = 'counter'"), 2);
    assert_int_equal(sql_int(path, "SELECT id FROM series WHERE name = 'grid_import_kwh_total'"), 1);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    /* the migrated table takes counters and still refuses unknown kinds */
    zp_store *st = open_store(ctx, "sqlite", "v1.db", 0);
    assert_int_equal(zp_store_series_define(st, "water_m3_total", "m3", ZP_SERIES_COUNTER, 900), ZP_OK);
    zp_store_close(st);
    sqlite3_open(path, &db);
    assert_int_not_equal(sqlite3_exec(db, "INSERT INTO series(name, kind, step_s) VALUES('y', 'bogus', 60)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    zp_ctx_free(ctx);
}

/* ---- packed decimal chunks ------------------------------------------------ */

/* Values that came from decimal text ("%.3f" and friends) are packed as
 * scaled integers by the SQLite backend; every chunk here mixes in a
 * different edge (digits, magnitudes near 2^52, -0.0, infinity, huge
 * jumps) that must either pack exactly or fall back to raw doubles. */
static void test_decimal_chunks(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "decimal.db", ZP_STORE_CREATE);
    const size_t nchunks = 12;
    zp_series *s = new_series(ctx, "dec", T2024, 60, nchunks * CHUNK);
    zp_series *r = NULL;
    char buf[64];

    rng_state = 99;
    for (size_t i = 0; i < s->len; i++) {
        size_t c = i / CHUNK;
        double x = (double)(rng_next() % 2000000) / 7.0 - 100000.0;
        int digits = (int)(c % 7);
        snprintf(buf, sizeof buf, "%.*f", digits, x);
        s->v[i] = strtod(buf, NULL);
        if (c == 7)
            s->v[i] = (double)(rng_next() % 2) * 4503599627370495.0; /* 2^52 - 1 jumps */
        if (c == 8)
            s->v[i] = (double)((int64_t)(rng_next() % 1000) - 500) * 1e6; /* big integers */
        if (c == 9)
            s->v[i] = 0.1 * (double)(i % 10); /* not decimal-exact: 0.30000000000000004 */
    }
    s->v[5 * CHUNK + 3] = -0.0;
    s->v[6 * CHUNK + 9] = INFINITY;
    s->v[10 * CHUNK + 1] = 1e300;
    s->v[11 * CHUNK + 2] = DBL_TRUE_MIN;
    write1(ctx, st, s);
    assert_int_equal(zp_store_read(st, "dec", T2024, zp_series_end(s), &r), ZP_OK);
    assert_memory_equal(r->v, s->v, s->len * sizeof *s->v);
    zp_series_free(ctx, r);
    /* Merging into packed chunks keeps them exact. */
    zp_series *m = new_series(ctx, "dec", T2024 + 100 * 60, 60, 3 * CHUNK);
    for (size_t i = 0; i < m->len; i++)
        m->v[i] = i % 2 ? NAN : 12.5 + (double)i;
    write1(ctx, st, m);
    for (size_t i = 0; i < m->len; i++)
        if (!isnan(m->v[i]))
            s->v[100 + i] = m->v[i];
    assert_int_equal(zp_store_read(st, "dec", T2024, zp_series_end(s), &r), ZP_OK);
    assert_memory_equal(r->v, s->v, s->len * sizeof *s->v);
    zp_series_free(ctx, r);
    zp_series_free(ctx, m);
    zp_series_free(ctx, s);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* A damaged chunk is reported, never read out of bounds. */
static void test_corrupt_chunk(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char path[512];
    zp_store *st = open_store(ctx, "sqlite", "corrupt.db", ZP_STORE_CREATE);
    zp_series *s = new_series(ctx, "m", T2024, 60, 3 * CHUNK);
    zp_series *r = NULL;

    for (size_t i = 0; i < s->len; i++)
        s->v[i] = (double)(i % 97) + 0.25;
    write1(ctx, st, s);
    zp_store_close(st);
    path_in_tmp(path, sizeof path, "corrupt.db");
    const char *damage[] = {
        "UPDATE chunks SET data = substr(data, 1, length(data) - 3)",
        "UPDATE chunks SET data = x'01000000ffff0000'",
        "UPDATE chunks SET data = x'02090000a0050000'",
        "UPDATE chunks SET data = x'07'",
    };
    for (size_t d = 0; d < sizeof damage / sizeof damage[0]; d++) {
        sql_exec(path, damage[d]);
        st = open_store(ctx, "sqlite", "corrupt.db", 0);
        assert_int_equal(zp_store_read(st, "m", T2024, zp_series_end(s), &r), ZP_ECORRUPT);
        assert_null(r);
        assert_non_null(strstr(zp_ctx_errmsg(ctx), "bad chunk"));
        zp_store_close(st);
    }
    zp_series_free(ctx, s);
    zp_ctx_free(ctx);
}

/* ---- runs --------------------------------------------------------------- */

static void test_runs(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "runs.db", ZP_STORE_CREATE);
    zp_store_run run = {.created = T2024,
                        .kind = "simulate",
                        .model_name = "shaoguan-campus",
                        .inputs_sha256 = "ab12",
                        .results_json = "{\"cfe_pct\": 87.5}"};
    zp_store_run got;
    int64_t id1 = 0, id2 = 0, count = -1;

    assert_int_equal(zp_store_run_count(st, &count), ZP_OK);
    assert_int_equal(count, 0);
    assert_int_equal(zp_store_run_save(st, &run, &id1), ZP_OK);
    run.kind = "optimize";
    run.model_name = NULL;
    run.inputs_sha256 = NULL;
    run.results_json = "{}";
    assert_int_equal(zp_store_run_save(st, &run, &id2), ZP_OK);
    assert_true(id2 > id1);
    assert_int_equal(zp_store_run_count(st, &count), ZP_OK);
    assert_int_equal(count, 2);

    assert_int_equal(zp_store_run_get(st, id1, &got), ZP_OK);
    assert_int_equal(got.id, id1);
    assert_int_equal(got.created, T2024);
    assert_string_equal(got.kind, "simulate");
    assert_string_equal(got.model_name, "shaoguan-campus");
    assert_string_equal(got.inputs_sha256, "ab12");
    assert_string_equal(got.results_json, "{\"cfe_pct\": 87.5}");
    assert_int_equal(zp_store_run_get(st, id2, &got), ZP_OK);
    assert_string_equal(got.kind, "optimize");
    assert_null(got.model_name);
    assert_null(got.inputs_sha256);
    assert_int_equal(zp_store_run_get(st, id2 + 100, &got), ZP_ENOTFOUND);
    run.kind = NULL;
    assert_int_equal(zp_store_run_save(st, &run, &id2), ZP_EINVAL);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* ---- progress and cancelling -------------------------------------------- */

static int cancel_after_two(void *ud, uint64_t done, uint64_t total)
{
    int *calls = ud;
    assert_true(done <= total);
    return ++*calls >= 2;
}

static void test_progress_cancel(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "cancel.db", ZP_STORE_CREATE);
    zp_series *s = new_series(ctx, "m", T2024, 60, 5 * CHUNK);
    int calls = 0;

    for (size_t i = 0; i < s->len; i++)
        s->v[i] = (double)i;
    assert_int_equal(zp_store_write(st, (const zp_series *const *)&s, 1, cancel_after_two, &calls),
                     ZP_EINVAL);
    assert_int_equal(calls, 2);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "cancelled"));
    /* T2024 is 16:00 UTC: the first slice holds 480 values, the second 1440. */
    zp_store_series_info info;
    assert_int_equal(zp_store_series_get(st, "m", &info), ZP_OK);
    assert_int_equal(info.count, 480 + CHUNK);
    zp_store_series_info_clear(ctx, &info);
    zp_series_free(ctx, s);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* ---- both backends agree ------------------------------------------------ */

/* A random sequence of overlapping writes with gaps, NaN and two steps in
 * one call, applied to both backends: every read and listing must match
 * bit for bit. */
static void test_backends_identical(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st[2] = {open_store(ctx, "mem", NULL, ZP_STORE_CREATE),
                       open_store(ctx, "sqlite", "identical.db", ZP_STORE_CREATE)};
    const char *names[3] = {"a_kw", "b_kw", "c_kgkwh"};
    const int32_t steps[3] = {60, 60, 900};

    rng_state = 7;
    for (int round = 0; round < 40; round++) {
        zp_series *w[3] = {NULL, NULL, NULL};
        size_t nw = 0;
        for (int k = 0; k < 3; k++) {
            if (rng_next() % 3 == 0)
                continue;
            zp_time_t start = T2024 + (zp_time_t)(rng_next() % (20 * 86400 / steps[k])) * steps[k];
            size_t len = 1 + (size_t)(rng_next() % (3 * CHUNK));
            zp_series *s = new_series(ctx, names[k], start, steps[k], len);
            uint64_t nan_every = 2 + rng_next() % 50;
            for (size_t i = 0; i < len; i++)
                s->v[i] = rng_next() % nan_every == 0 ? NAN : random_reading();
            w[nw++] = s;
        }
        for (int b = 0; b < 2; b++)
            assert_int_equal(zp_store_write(st[b], (const zp_series *const *)w, nw, NULL, NULL),
                             ZP_OK);
        for (size_t i = 0; i < nw; i++)
            zp_series_free(ctx, w[i]);
    }
    for (int k = 0; k < 3; k++) {
        zp_series *r[2] = {NULL, NULL};
        for (int b = 0; b < 2; b++)
            assert_int_equal(zp_store_read(st[b], names[k], T2024 - 86400, T2024 + 30 * 86400,
                                           &r[b]),
                             ZP_OK);
        assert_int_equal(r[0]->len, r[1]->len);
        for (size_t i = 0; i < r[0]->len; i++)
            if (!same_bits(r[0]->v[i], r[1]->v[i]))
                fail_msg("%s[%zu]: mem %a, sqlite %a", names[k], i, r[0]->v[i], r[1]->v[i]);
        zp_series_free(ctx, r[0]);
        zp_series_free(ctx, r[1]);
    }
    zp_store_series_info *l[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    for (int b = 0; b < 2; b++)
        assert_int_equal(zp_store_series_list(st[b], &l[b], &n[b]), ZP_OK);
    assert_int_equal(n[0], n[1]);
    for (size_t i = 0; i < n[0]; i++) {
        assert_string_equal(l[0][i].name, l[1][i].name);
        assert_int_equal(l[0][i].step_s, l[1][i].step_s);
        assert_int_equal(l[0][i].count, l[1][i].count);
        assert_int_equal(l[0][i].first, l[1][i].first);
        assert_int_equal(l[0][i].last_end, l[1][i].last_end);
        assert_true(l[0][i].count > 0);
    }
    for (int b = 0; b < 2; b++) {
        zp_store_series_info_free(ctx, l[b], n[b]);
        zp_store_close(st[b]);
    }
    zp_ctx_free(ctx);
}

/* ---- crash -------------------------------------------------------------- */

#define CRASH_NSERIES 3
#define CRASH_LEN 527040 /* as in crash_import.c */
#define CRASH_TIMEOUT_MS 60000
#define CRASH_KILL_AFTER_SLICES 25

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Check that the store holds crash_value for every series on exactly the
 * first *prefix indices (the same for all) and nothing after. */
static void crash_check_prefix(zp_ctx *ctx, zp_store *st, size_t *prefix)
{
    size_t p = SIZE_MAX;
    for (unsigned k = 0; k < CRASH_NSERIES; k++) {
        char name[32];
        zp_series *r = NULL;
        snprintf(name, sizeof name, "meter%02u", k);
        assert_int_equal(zp_store_read(st, name, T2024, T2024 + (zp_time_t)CRASH_LEN * 60, &r),
                         ZP_OK);
        size_t i = 0;
        while (i < r->len && !isnan(r->v[i])) {
            if (!same_bits(r->v[i], crash_value(k, i)))
                fail_msg("%s[%zu] = %a, want %a", name, i, r->v[i], crash_value(k, i));
            i++;
        }
        for (size_t j = i; j < r->len; j++)
            if (!isnan(r->v[j]))
                fail_msg("%s[%zu] is stored after a gap at %zu", name, j, i);
        if (p != SIZE_MAX && i != p)
            fail_msg("%s holds %zu values, an earlier series %zu: a slice was split", name, i, p);
        p = i;
        zp_series_free(ctx, r);
    }
    *prefix = p;
}

static void test_crash_kill9(void **state)
{
    (void)state;
    char path[512];
    int fds[2];
    pid_t pid;
    uint64_t committed = 0;
    int lines = 0, status = 0;
    bool done = false;

    path_in_tmp(path, sizeof path, "crash.db");
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        char n[16];
        snprintf(n, sizeof n, "%d", CRASH_NSERIES);
        execl(ZP_CRASH_IMPORT, ZP_CRASH_IMPORT, path, n, "3000", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);

    /* Read "values committed" lines until enough slices are in, the child
     * ends, or the deadline passes. */
    char buf[4096];
    size_t have = 0;
    const int64_t deadline = now_ms() + CRASH_TIMEOUT_MS;
    while (lines < CRASH_KILL_AFTER_SLICES && !done && now_ms() < deadline) {
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int pr = poll(&pfd, 1, 200);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        ssize_t got = read(fds[0], buf + have, sizeof buf - 1 - have);
        if (got <= 0)
            break; /* the child closed stdout: it died or finished */
        have += (size_t)got;
        buf[have] = '\0';
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = '\0';
            if (strcmp(line, "done") == 0)
                done = true;
            else
                committed = strtoull(line, NULL, 10), lines++;
            line = nl + 1;
        }
        have = strlen(line);
        memmove(buf, line, have);
    }
    kill(pid, SIGKILL);
    for (int i = 0; i < 100 && waitpid(pid, &status, 0) < 0 && errno == EINTR; i++)
        ;
    close(fds[0]);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
        fail_msg("the import did not get killed mid-write (exit status 0x%x, %d slices seen, "
                 "done=%d)", status, lines, (int)done);
    assert_true(lines >= CRASH_KILL_AFTER_SLICES);

    /* The database survived: structure intact after WAL recovery. */
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(db);

    /* Every committed slice is there, exactly, and at most one slice more
     * (committed but killed before it was reported). */
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, "sqlite", "crash.db", 0);
    size_t prefix = 0;
    crash_check_prefix(ctx, st, &prefix);
    const uint64_t reported = committed / CRASH_NSERIES;
    assert_true(prefix >= reported);
    assert_true(prefix <= reported + CHUNK);
    assert_true(prefix < CRASH_LEN);

    /* A new import into the same store completes it. */
    zp_series *s[CRASH_NSERIES];
    for (unsigned k = 0; k < CRASH_NSERIES; k++) {
        char name[32];
        snprintf(name, sizeof name, "meter%02u", k);
        s[k] = new_series(ctx, name, T2024, 60, CRASH_LEN);
        for (size_t i = 0; i < CRASH_LEN; i++)
            s[k]->v[i] = crash_value(k, i);
    }
    assert_int_equal(zp_store_write(st, (const zp_series *const *)s, CRASH_NSERIES, NULL, NULL),
                     ZP_OK);
    crash_check_prefix(ctx, st, &prefix);
    assert_int_equal(prefix, CRASH_LEN);
    for (unsigned k = 0; k < CRASH_NSERIES; k++)
        zp_series_free(ctx, s[k]);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* ZP_STORE_LOWMEM (no mmap, small cache) keeps the same data; unknown
 * flags are still refused. */
static void test_lowmem(void **state)
{
    const char *backend = *state;
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = open_store(ctx, backend, "lowmem.db", ZP_STORE_CREATE | ZP_STORE_LOWMEM);
    zp_series *s = new_series(ctx, "pv_kw", T2024, 1, 3 * CHUNK + 17), *r = NULL;
    for (size_t i = 0; i < s->len; i++)
        s->v[i] = (double)i * 0.25;
    write1(ctx, st, s);
    if (strcmp(backend, "sqlite") == 0) {
        zp_store_close(st);
        st = open_store(ctx, backend, "lowmem.db", ZP_STORE_READONLY | ZP_STORE_LOWMEM);
    }
    assert_int_equal(zp_store_read(st, "pv_kw", T2024, T2024 + (zp_time_t)s->len, &r), ZP_OK);
    assert_int_equal(r->len, s->len);
    assert_memory_equal(r->v, s->v, s->len * sizeof *s->v);
    zp_series_free(ctx, r);
    zp_series_free(ctx, s);
    zp_store_close(st);
    zp_store *bad = NULL;
    assert_int_equal(zp_store_open(ctx, "mem:", 0x8u, &bad), ZP_EINVAL);
    assert_null(bad);
    zp_ctx_free(ctx);
}

int main(void)
{
    static const char mem[] = "mem", sql[] = "sqlite";
#define BOTH(f)                                                                            \
    {#f "(mem)", f, NULL, NULL, (void *)mem}, {#f "(sqlite)", f, NULL, NULL, (void *)sql}
    const struct CMUnitTest tests[] = {
        BOTH(test_roundtrip_year),
        BOTH(test_partial_overwrite),
        BOTH(test_nan_handling),
        BOTH(test_read_ranges),
        BOTH(test_define_conflicts),
        BOTH(test_runs),
        BOTH(test_progress_cancel),
        BOTH(test_decimal_chunks),
        BOTH(test_lowmem),
        cmocka_unit_test(test_corrupt_chunk),
        cmocka_unit_test(test_schema_version),
        cmocka_unit_test(test_counter_kind_and_names),
        cmocka_unit_test(test_migrate_schema1),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_backends_identical),
        cmocka_unit_test(test_crash_kill9),
    };
#undef BOTH
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
