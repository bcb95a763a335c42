/*
 * crash_import.c - helper for the store crash test (test_store.c).
 *
 * Usage: crash_import DB NSERIES DELAY_US
 *
 * Writes NSERIES one-minute series covering 2024 (local +08:00) into the
 * store DB, one chunk time-slice per transaction. After each committed
 * slice it prints the number of values committed so far on a line of its
 * own and sleeps DELAY_US, so the test can SIGKILL it mid-import. Prints
 * "done" at the end. The values are crash_value(series, index); test_store.c
 * has the same function and checks them after the kill.
 */
#include "zeropark/zeropark.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CRASH_START 1704038400 /* 2024-01-01T00:00:00+08:00 */
#define CRASH_LEN 527040       /* 366 days of minutes */

/* Deterministic, distinct per series and index (a splitmix64 step). Keep
 * identical to the copy in test_store.c. */
static double crash_value(unsigned series, uint64_t i)
{
    uint64_t z = (uint64_t)(series + 1) * 0x9E3779B97F4A7C15u + i;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53 * 2000.0 - 500.0;
}

static int progress(void *ud, uint64_t done, uint64_t total)
{
    long delay_us = *(const long *)ud;
    (void)total;
    printf("%llu\n", (unsigned long long)done);
    fflush(stdout);
    struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    zp_ctx *ctx = NULL;
    zp_store *st = NULL;
    zp_series *s[16] = {NULL};
    int ret = 1;

    if (argc != 4) {
        fprintf(stderr, "usage: crash_import DB NSERIES DELAY_US\n");
        return 2;
    }
    unsigned n = (unsigned)strtoul(argv[2], NULL, 10);
    long delay_us = strtol(argv[3], NULL, 10);
    if (n == 0 || n > 16 || delay_us < 0) {
        fprintf(stderr, "crash_import: NSERIES must be 1..16 and DELAY_US >= 0\n");
        return 2;
    }
    ctx = zp_ctx_new();
    if (!ctx)
        return 1;
    for (unsigned k = 0; k < n; k++) {
        char name[32];
        snprintf(name, sizeof name, "meter%02u", k);
        if (zp_series_new(ctx, name, ZP_SERIES_POWER, CRASH_START, 60, CRASH_LEN, &s[k]))
            goto cleanup;
        for (size_t i = 0; i < CRASH_LEN; i++)
            s[k]->v[i] = crash_value(k, i);
    }
    if (zp_store_open(ctx, argv[1], ZP_STORE_CREATE, &st))
        goto cleanup;
    if (zp_store_write(st, (const zp_series *const *)s, n, progress, &delay_us))
        goto cleanup;
    printf("done\n");
    fflush(stdout);
    ret = 0;
cleanup:
    if (ret)
        fprintf(stderr, "crash_import: %s\n", zp_ctx_errmsg(ctx));
    zp_store_close(st);
    for (unsigned k = 0; k < n; k++)
        zp_series_free(ctx, s[k]);
    zp_ctx_free(ctx);
    return ret;
}
