/*
 * bench_csv.c - CSV import speed: a 1-minute, 10-column year (525,600 rows,
 * 5,256,000 numbers) generated in memory, parsed with zp_csv_read_buf.
 * Prints one JSON line per measure; the best of a few runs is reported so
 * a noisy machine does not hide a regression behind a lucky one.
 *
 * Build: cc -O2 -Iinclude bench/bench_csv.c -Lbuild -lzeropark -ljansson -lsqlite3 -lm
 * Run:   ./bench_csv [runs]
 */
#include "zeropark/zeropark.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROWS 525600
#define COLS 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Typical meter export: 1-3 decimals, a few hundred kW, +08:00 offsets. */
static char *make_csv(size_t *len)
{
    size_t cap = (size_t)ROWS * (26 + COLS * 12) + 256, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    n += (size_t)snprintf(buf + n, cap - n, "time");
    for (int c = 0; c < COLS; c++)
        n += (size_t)snprintf(buf + n, cap - n, ",meter_%02d_kw", c);
    buf[n++] = '\n';
    zp_time_t t0 = 1704038400; /* 2024-01-01T00:00:00+08:00 */
    unsigned seed = 12345;
    for (int r = 0; r < ROWS; r++) {
        char ts[ZP_TIME_BUFSIZE];
        zp_time_format(t0 + (zp_time_t)r * 60, 480, ts);
        n += (size_t)snprintf(buf + n, cap - n, "%s", ts);
        for (int c = 0; c < COLS; c++) {
            seed = seed * 1103515245u + 12345u;
            unsigned v = (seed >> 8) % 1000000;
            n += (size_t)snprintf(buf + n, cap - n, ",%u.%03u", v / 1000, v % 1000);
        }
        buf[n++] = '\n';
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    size_t len;
    char *buf = make_csv(&len);
    zp_ctx *ctx = zp_ctx_new();
    if (!buf || !ctx)
        return 1;
    double best = 1e30;
    for (int i = 0; i < runs; i++) {
        zp_series **s = NULL;
        size_t n = 0;
        double t = now_s();
        zp_status rc = zp_csv_read_buf(ctx, buf, len, "bench.csv", NULL, &s, &n);
        t = now_s() - t;
        if (rc != ZP_OK || n != COLS || s[0]->len != ROWS) {
            fprintf(stderr, "bench_csv: %s\n", zp_ctx_errmsg(ctx));
            return 1;
        }
        zp_series_array_free(ctx, s, n);
        if (t < best)
            best = t;
    }
    /* The same through a file (read whole, then parsed): the page cache
     * holds it, so this adds the copy out of the kernel, not disk speed. */
    char path[] = "/tmp/bench_csv_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "bench_csv: cannot write %s\n", path);
        return 1;
    }
    double best_file = 1e30;
    for (int i = 0; i < runs; i++) {
        zp_series **s = NULL;
        size_t n = 0;
        double t = now_s();
        zp_status rc = zp_csv_read_file(ctx, path, NULL, &s, &n);
        t = now_s() - t;
        if (rc != ZP_OK) {
            fprintf(stderr, "bench_csv: %s\n", zp_ctx_errmsg(ctx));
            return 1;
        }
        zp_series_array_free(ctx, s, n);
        if (t < best_file)
            best_file = t;
    }
    remove(path);
    double values = (double)ROWS * COLS;
    printf("{\"bench\":\"csv_read_file_1min_10col_year\",\"value\":%.0f,\"unit\":\"values/s\"}\n",
           values / best_file);
    printf("{\"bench\":\"csv_parse_1min_10col_year\",\"value\":%.0f,\"unit\":\"values/s\"}\n",
           values / best);
    printf("{\"bench\":\"csv_parse_1min_10col_year_bytes\",\"value\":%.0f,\"unit\":\"MB/s\"}\n",
           (double)len / best / 1e6);
    printf("{\"bench\":\"csv_parse_1min_10col_year_time\",\"value\":%.4f,\"unit\":\"s\"}\n", best);
    zp_ctx_free(ctx);
    free(buf);
    return 0;
}
