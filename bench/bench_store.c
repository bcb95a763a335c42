/*
 * bench_store.c - store benchmark, zeropark next to a plain SQLite peer.
 *
 * Generates a one-year, one-minute, ten-meter CSV (a load profile with
 * noise, "%.3f") in a temporary directory and measures, in the same run:
 *   import  zeropark: zp_csv_read_file + zp_store_write into a new store
 *           (opening and closing included), in readings/s;
 *           peer: the same file parsed with an fgets/strtok/strtod loop and
 *           stored one row per reading with a prepared
 *           INSERT INTO readings(meter, ts, value) in one transaction (WAL,
 *           synchronous=NORMAL) into
 *           readings(meter INTEGER, ts INTEGER, value REAL,
 *                    PRIMARY KEY(meter, ts)) WITHOUT ROWID
 *           - the clustered table a careful user would write; a rowid
 *           table would add a second b-tree for the key and be slower;
 *   read    one meter-year back: median of READ_RUNS runs, in ms, against
 *           SELECT value FROM readings WHERE meter=? AND ts BETWEEN ? AND ?;
 *   size    both database files.
 * Prints JSON lines only ({"bench":..., "value":..., "unit":...}); errors
 * go to stderr with a non-zero exit.
 */
#include "zeropark/zeropark.h"

#include <dirent.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NMETERS 10
#define NROWS 525600           /* 365 days of minutes */
#define T0 1704038400          /* 2024-01-01T00:00:00+08:00 */
#define READ_RUNS 21
#define READ_METER 4           /* meter05 */
#define BENCH_PI 3.14159265358979323846

static char tmpdir[256];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, msg);
    exit(1);
}

static uint64_t rng = 12345;

static double uniform(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1p-53;
}

/* An industrial-park load: base per meter, day/night and weekday shape,
 * a slow seasonal swing and noise. */
static void write_csv(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, "cannot create");
    fputs("timestamp", f);
    for (int m = 0; m < NMETERS; m++)
        fprintf(f, ",meter%02d", m + 1);
    fputc('\n', f);
    for (long i = 0; i < NROWS; i++) {
        char ts[ZP_TIME_BUFSIZE];
        zp_time_format(T0 + (zp_time_t)i * 60, 480, ts);
        fputs(ts, f);
        double hour = (double)(i % 1440) / 60.0;
        int weekday = (int)((i / 1440 + 1) % 7) < 5; /* 2024-01-01 is a Monday */
        double season = 1.0 + 0.15 * cos(2.0 * BENCH_PI * (double)i / NROWS);
        double shape = 0.65 + 0.35 * (hour > 7 && hour < 20 ? sin(BENCH_PI * (hour - 7) / 13) : 0);
        for (int m = 0; m < NMETERS; m++) {
            double base = 150.0 + 90.0 * m;
            double noise = (uniform() + uniform() + uniform() - 1.5) * 0.04 * base;
            double v = base * season * shape * (weekday ? 1.0 : 0.7) + noise;
            fprintf(f, ",%.3f", v);
        }
        fputc('\n', f);
    }
    if (fclose(f) != 0)
        die(path, "write failed");
}

static long long file_size(const char *path)
{
    struct stat sb;
    char wal[600];
    long long n = 0;
    if (stat(path, &sb) == 0)
        n += (long long)sb.st_size;
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(wal, &sb) == 0)
        n += (long long)sb.st_size;
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* ---- zeropark ------------------------------------------------------------ */

static void zp_check(zp_ctx *ctx, zp_status rc, const char *what)
{
    if (rc)
        die(what, zp_ctx_errmsg(ctx));
}

/* Returns seconds for CSV + store; *csv_s gets the CSV part. */
static double zp_import(const char *csv, const char *db, double *csv_s)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_series **s = NULL;
    size_t n = 0;
    zp_store *st = NULL;
    zp_csv_opts opts;

    zp_csv_opts_init(&opts);
    double t0 = now_s();
    zp_check(ctx, zp_csv_read_file(ctx, csv, &opts, &s, &n), "zp_csv_read_file");
    double t1 = now_s();
    if (n != NMETERS || s[0]->len != NROWS)
        die("zp_csv_read_file", "unexpected shape");
    zp_check(ctx, zp_store_open(ctx, db, ZP_STORE_CREATE, &st), "zp_store_open");
    zp_check(ctx, zp_store_write(st, (const zp_series *const *)s, n, NULL, NULL),
             "zp_store_write");
    zp_store_close(st);
    double t2 = now_s();
    zp_series_array_free(ctx, s, n);
    zp_ctx_free(ctx);
    *csv_s = t1 - t0;
    return t2 - t0;
}

/* Median ms to read one meter-year; *sum guards against dead code. */
static double zp_read_ms(const char *db, double *sum)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_store *st = NULL;
    double ms[READ_RUNS];
    char name[32];

    snprintf(name, sizeof name, "meter%02d", READ_METER + 1);
    zp_check(ctx, zp_store_open(ctx, db, ZP_STORE_READONLY, &st), "zp_store_open");
    for (int r = 0; r < READ_RUNS; r++) {
        zp_series *s = NULL;
        double t0 = now_s();
        zp_check(ctx, zp_store_read(st, name, T0, T0 + (zp_time_t)NROWS * 60, &s),
                 "zp_store_read");
        ms[r] = (now_s() - t0) * 1e3;
        if (s->len != NROWS)
            die("zp_store_read", "short read");
        *sum += s->v[NROWS / 2];
        zp_series_free(ctx, s);
    }
    zp_store_close(st);
    zp_ctx_free(ctx);
    return median(ms, READ_RUNS);
}

/* ---- peer: plain SQLite, one row per reading ------------------------------ */

static void sq_check(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        die(what, sqlite3_errmsg(db));
}

static double peer_import(const char *csv, const char *path, long *rows)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    char line[4096];

    double t0 = now_s();
    FILE *f = fopen(csv, "r");
    if (!f)
        die(csv, "cannot open");
    sq_check(db, sqlite3_open(path, &db), "open");
    sq_check(db,
             sqlite3_exec(db,
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                          "CREATE TABLE readings(meter INTEGER NOT NULL, ts INTEGER NOT NULL,"
                          " value REAL, PRIMARY KEY(meter, ts)) WITHOUT ROWID;",
                          NULL, NULL, NULL),
             "schema");
    sq_check(db,
             sqlite3_prepare_v2(db, "INSERT INTO readings(meter, ts, value) VALUES(?,?,?)", -1,
                                &ins, NULL),
             "prepare");
    sq_check(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin");
    if (!fgets(line, sizeof line, f)) /* header */
        die(csv, "empty");
    *rows = 0;
    while (fgets(line, sizeof line, f)) {
        char *save = NULL;
        char *tok = strtok_r(line, ",\n", &save);
        zp_time_t ts;
        int32_t off;
        if (!tok || zp_time_parse(tok, strlen(tok), ZP_TIME_NO_DEFAULT, &ts, &off))
            die(csv, "bad timestamp");
        for (int m = 0; m < NMETERS; m++) {
            tok = strtok_r(NULL, ",\n", &save);
            if (!tok)
                die(csv, "short row");
            sqlite3_bind_int(ins, 1, m + 1);
            sqlite3_bind_int64(ins, 2, ts);
            sqlite3_bind_double(ins, 3, strtod(tok, NULL));
            sq_check(db, sqlite3_step(ins), "insert");
            sqlite3_reset(ins);
        }
        (*rows)++;
    }
    sq_check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
    sqlite3_finalize(ins);
    sqlite3_close(db);
    fclose(f);
    return now_s() - t0;
}

static double peer_read_ms(const char *path, double *sum)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    double ms[READ_RUNS];
    double *v = malloc(NROWS * sizeof *v);

    if (!v)
        die("peer read", "out of memory");
    sq_check(db, sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), "open");
    sq_check(db,
             sqlite3_prepare_v2(db,
                                "SELECT value FROM readings WHERE meter=? AND ts BETWEEN ? AND ?",
                                -1, &q, NULL),
             "prepare");
    for (int r = 0; r < READ_RUNS; r++) {
        double t0 = now_s();
        size_t n = 0;
        sqlite3_bind_int(q, 1, READ_METER + 1);
        sqlite3_bind_int64(q, 2, T0);
        sqlite3_bind_int64(q, 3, T0 + (zp_time_t)NROWS * 60 - 60);
        while (sqlite3_step(q) == SQLITE_ROW && n < NROWS)
            v[n++] = sqlite3_column_double(q, 0);
        sqlite3_reset(q);
        ms[r] = (now_s() - t0) * 1e3;
        if (n != NROWS)
            die("peer read", "short read");
        *sum += v[NROWS / 2];
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    free(v);
    return median(ms, READ_RUNS);
}

static void cleanup_tmp(void)
{
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            char p[600];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
}

int main(void)
{
    char csv[512], zdb[512], pdb[512];
    const double readings = (double)NMETERS * NROWS;
    double csv_s = 0, sum = 0;
    long rows = 0;

    snprintf(tmpdir, sizeof tmpdir, "%s/zp_bench_XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        die(tmpdir, "mkdtemp failed");
    atexit(cleanup_tmp);
    snprintf(csv, sizeof csv, "%s/park.csv", tmpdir);
    snprintf(zdb, sizeof zdb, "%s/zeropark.db", tmpdir);
    snprintf(pdb, sizeof pdb, "%s/peer.db", tmpdir);
    write_csv(csv);

    /* Warm the page cache with the CSV so neither side pays the first read. */
    double warm = 0;
    double zp_s = zp_import(csv, zdb, &warm);
    unlink(zdb);
    zp_s = zp_import(csv, zdb, &csv_s);
    double peer_s = peer_import(csv, pdb, &rows);
    if (rows != NROWS)
        die("peer", "row count");

    double zp_rate = readings / zp_s, peer_rate = readings / peer_s;
    printf("{\"bench\":\"store_import_1min_10meter_year\",\"value\":%.0f,\"unit\":\"readings/s\","
           "\"peer\":%.0f,\"ratio\":%.2f,\"readings\":%.0f,\"seconds\":%.3f,"
           "\"peer_seconds\":%.3f,\"includes\":\"csv parse + store write\"}\n",
           zp_rate, peer_rate, zp_rate / peer_rate, readings, zp_s, peer_s);
    printf("{\"bench\":\"store_import_1min_10meter_year_peer\",\"value\":%.0f,\"unit\":"
           "\"readings/s\",\"peer\":\"sqlite row per reading, PRIMARY KEY(meter, ts) WITHOUT "
           "ROWID, one transaction, WAL\"}\n",
           peer_rate);
    printf("{\"bench\":\"store_write_1min_10meter_year\",\"value\":%.0f,\"unit\":\"readings/s\","
           "\"seconds\":%.3f}\n",
           readings / (zp_s - csv_s), zp_s - csv_s);
    printf("{\"bench\":\"csv_read_1min_10meter_year\",\"value\":%.0f,\"unit\":\"readings/s\","
           "\"seconds\":%.3f}\n",
           readings / csv_s, csv_s);

    double zp_ms = zp_read_ms(zdb, &sum);
    double peer_ms = peer_read_ms(pdb, &sum);
    printf("{\"bench\":\"store_read_meter_year\",\"value\":%.3f,\"unit\":\"ms\",\"peer\":%.3f,"
           "\"ratio\":%.1f,\"values\":%d}\n",
           zp_ms, peer_ms, peer_ms / zp_ms, NROWS);
    long long zsize = file_size(zdb), psize = file_size(pdb);
    printf("{\"bench\":\"store_file_size_1min_10meter_year\",\"value\":%lld,\"unit\":\"bytes\","
           "\"peer\":%lld,\"ratio\":%.2f,\"csv_bytes\":%lld}\n",
           zsize, psize, (double)psize / (double)zsize, file_size(csv));
    if (sum == 0.123456789) /* keeps the reads observable */
        fputs("", stderr);
    return 0;
}
