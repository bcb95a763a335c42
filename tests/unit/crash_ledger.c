/*
 * crash_ledger.c - helper for the ledger crash test (test_ledger.c).
 *
 * Usage: crash_ledger DB NOPS BATCH
 *
 * Creates accounts "a" and "b", project "P" (CCER) and issues 1,000,000 t
 * of vintage 2023 to "a", prints "ready", then makes NOPS transfers: the
 * i-th (from 1) moves crash_qty(i) t from "a" to "b" when i is odd (2-8 t)
 * and 1 t back from "b" to "a" when i is even. Every BATCH transfers are one group
 * commit (zp_ledger_begin .. zp_ledger_commit, synchronous=FULL); after
 * each commit it prints the number of transfers committed so far on a line
 * of its own, so the test can SIGKILL it in the middle. Prints "done" at
 * the end. test_ledger.c has the same crash_qty.
 */
#include "zeropark/zeropark.h"

#include <stdio.h>
#include <stdlib.h>

static int64_t crash_qty(int64_t i)
{
    return i % 2 ? i % 7 + 2 : 1;
}

static int exec(zp_ctx *ctx, zp_ledger *lg, const char *op, json_t *args)
{
    json_t *r = NULL;
    zp_status rc = zp_ledger_exec(lg, op, args, NULL, &r);
    json_decref(args);
    json_decref(r);
    if (rc)
        fprintf(stderr, "crash_ledger: %s: %s\n", op, zp_ctx_errmsg(ctx));
    return rc != ZP_OK;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: crash_ledger DB NOPS BATCH\n");
        return 2;
    }
    long nops = strtol(argv[2], NULL, 10), batch = strtol(argv[3], NULL, 10);
    if (nops < 1 || batch < 1) {
        fprintf(stderr, "crash_ledger: NOPS and BATCH must be >= 1\n");
        return 2;
    }
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    if (!ctx || zp_ledger_open(ctx, argv[1], ZP_LEDGER_CREATE, &lg)) {
        fprintf(stderr, "crash_ledger: %s\n", ctx ? zp_ctx_errmsg(ctx) : "out of memory");
        return 1;
    }
    if (exec(ctx, lg, "account", json_pack("{s:s}", "id", "a")) ||
        exec(ctx, lg, "account", json_pack("{s:s}", "id", "b")) ||
        exec(ctx, lg, "project",
             json_pack("{s:s, s:s, s:s, s:f, s:s, s:s}", "id", "P", "standard", "CCER",
                       "location", "test", "area_ha", 10.0, "methodology", "test", "owner", "a")) ||
        exec(ctx, lg, "issue",
             json_pack("{s:s, s:i, s:i}", "project", "P", "vintage", 2023, "qty", 1000000)))
        return 1;
    printf("ready\n");
    fflush(stdout);
    for (long i = 1; i <= nops;) {
        if (zp_ledger_begin(lg))
            return 1;
        long end = i + batch;
        for (; i < end && i <= nops; i++) {
            int odd = i % 2 == 1;
            if (exec(ctx, lg, "transfer",
                     json_pack("{s:s, s:s, s:s, s:i, s:I}", "from", odd ? "a" : "b", "to",
                               odd ? "b" : "a", "project", "P", "vintage", 2023, "qty",
                               (json_int_t)crash_qty(i))))
                return 1;
        }
        if (zp_ledger_commit(lg)) {
            fprintf(stderr, "crash_ledger: commit: %s\n", zp_ctx_errmsg(ctx));
            return 1;
        }
        printf("%ld\n", i - 1);
        fflush(stdout);
    }
    printf("done\n");
    fflush(stdout);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
    return 0;
}
