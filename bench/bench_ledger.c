/*
 * bench_ledger.c - credit-ledger benchmarks (JSON lines):
 *
 *   ledger_match_orders_per_s   the in-memory matching engine (zp_book):
 *                               MATCH_N operations on one book: limit buys
 *                               and sells at mid-10..mid+10 ticks (86%),
 *                               market orders (4%), cancels of one of the
 *                               last 1000 orders (10%); quantities 1-100;
 *                               best of 3 runs
 *   ledger_transfer_per_s_*     durable transfers through zp_ledger_exec on a
 *                               file (WAL), each with its journal entry:
 *                               synchronous=FULL one commit per transfer,
 *                               FULL with group commits of 100 and of 1000,
 *                               NORMAL one commit per transfer; for the
 *                               group commits also per CPU second (the
 *                               machine is shared: wall time includes
 *                               other processes' turns)
 *   ledger_verify_N_entries_s   zp_ledger_verify of a journal of VERIFY_N
 *                               entries (accounts, a project, an issuance,
 *                               then transfers), hash chain, replay and
 *                               table checks; wall and CPU seconds
 *
 * Environment: BENCH_LEDGER_VERIFY_N (default 1000000) and
 * BENCH_LEDGER_DIR (default /tmp) for the ledger files.
 */
#include "zeropark/zeropark.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MATCH_N 4000000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(zp_ctx *ctx, const char *what)
{
    fprintf(stderr, "bench_ledger: %s: %s\n", what, ctx ? zp_ctx_errmsg(ctx) : "failed");
    exit(1);
}

/* CPU seconds of this process: on a shared machine the wall clock also
 * counts the time other processes held the cores. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 88172645463325252u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t fills_n;
static int count_fill(void *ud, const zp_book_fill *f)
{
    (void)ud;
    (void)f;
    fills_n++;
    return 0;
}

static double bench_match(zp_ctx *ctx)
{
    /* Pre-draw the operations so that only matching is timed. */
    typedef struct {
        uint8_t kind; /* 0 limit, 1 market, 2 cancel */
        uint8_t side;
        int64_t price, qty;
        uint64_t cancel_id;
    } bop;
    bop *ops = malloc(MATCH_N * sizeof *ops);
    if (!ops)
        die(NULL, "out of memory");
    for (uint64_t i = 0; i < MATCH_N; i++) {
        uint64_t r = next_rand();
        unsigned u = (unsigned)(r % 100);
        ops[i].side = (uint8_t)((r >> 8) & 1);
        ops[i].qty = 1 + (int64_t)((r >> 16) % 100);
        /* Buys and sells both at mid-10..mid+10: about half the limit
         * orders cross, the rest build depth that crossing flow eats. */
        int64_t off = (int64_t)((r >> 32) % 21);
        ops[i].price = ops[i].side == ZP_BUY ? 10000 + 10 - off : 10000 - 10 + off;
        ops[i].kind = u < 86 ? 0 : u < 90 ? 1 : 2;
        /* Cancels aim at recent orders, as traders' do. */
        uint64_t back = 1 + next_rand() % 1000;
        ops[i].cancel_id = i > back ? i + 1 - back : 1;
    }
    double best = 0;
    for (int run = 0; run < 3; run++) {
        zp_book *b = NULL;
        if (zp_book_new(ctx, &b))
            die(ctx, "book");
        fills_n = 0;
        double t0 = now_s();
        for (uint64_t i = 0; i < MATCH_N; i++) {
            const bop *o = &ops[i];
            if (o->kind == 2) {
                (void)zp_book_cancel(b, o->cancel_id, NULL); /* may be filled already */
                continue;
            }
            if (zp_book_submit(b, i + 1, (zp_side)o->side, o->kind == 1, o->price, o->qty,
                               count_fill, NULL, NULL))
                die(ctx, "submit");
        }
        double dt = now_s() - t0;
        if (MATCH_N / dt > best)
            best = MATCH_N / dt;
        if (run == 0)
            fprintf(stderr, "bench_ledger: %d operations, %lld fills, %zu resting at the end\n",
                    MATCH_N, (long long)fills_n, zp_book_count(b));
        zp_book_free(b);
    }
    free(ops);
    return best;
}

static void exec_or_die(zp_ctx *ctx, zp_ledger *lg, const char *op, json_t *args)
{
    json_t *r = NULL;
    if (zp_ledger_exec(lg, op, args, NULL, &r))
        die(ctx, op);
    json_decref(args);
    json_decref(r);
}

static zp_ledger *fresh(zp_ctx *ctx, const char *path, zp_ledger_sync sync, int64_t qty)
{
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    zp_ledger *lg = NULL;
    if (zp_ledger_open(ctx, path, ZP_LEDGER_CREATE, &lg) || zp_ledger_set_sync(lg, sync))
        die(ctx, path);
    exec_or_die(ctx, lg, "account", json_pack("{s:s}", "id", "a"));
    exec_or_die(ctx, lg, "account", json_pack("{s:s}", "id", "b"));
    exec_or_die(ctx, lg, "project",
                json_pack("{s:s, s:s, s:s, s:f, s:s, s:s}", "id", "P", "standard", "CCER",
                          "location", "bench", "area_ha", 100.0, "methodology", "m", "owner",
                          "a"));
    exec_or_die(ctx, lg, "issue",
                json_pack("{s:s, s:i, s:I}", "project", "P", "vintage", 2023, "qty",
                          (json_int_t)qty));
    return lg;
}

/* n transfers alternating a->b (1-7 t) and b->a (1 t), committed every batch.
 * Returns transfers per second; *per_cpu_s (may be NULL) gets transfers
 * per CPU second. */
static double transfers(zp_ctx *ctx, zp_ledger *lg, long n, long batch, double *per_cpu_s)
{
    double c0 = cpu_s();
    json_t *ab = json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "a", "to", "b", "project", "P",
                           "vintage", 2023, "qty", 1);
    json_t *ba = json_pack("{s:s, s:s, s:s, s:i, s:i}", "from", "b", "to", "a", "project", "P",
                           "vintage", 2023, "qty", 1);
    double t0 = now_s();
    for (long i = 0; i < n;) {
        if (batch > 1 && zp_ledger_begin(lg))
            die(ctx, "begin");
        for (long k = 0; k < batch && i < n; k++, i++) {
            /* a -> b 1-7 t, then 1 t back: b never runs short. */
            json_t *args = i % 2 ? ba : ab;
            json_object_set_new(args, "qty", json_integer(i % 2 ? 1 : 1 + i % 7));
            json_t *r = NULL;
            if (zp_ledger_exec(lg, "transfer", args, NULL, &r))
                die(ctx, "transfer");
            json_decref(r);
        }
        if (batch > 1 && zp_ledger_commit(lg))
            die(ctx, "commit");
    }
    double dt = now_s() - t0;
    if (per_cpu_s)
        *per_cpu_s = (double)n / (cpu_s() - c0);
    json_decref(ab);
    json_decref(ba);
    return (double)n / dt;
}

int main(void)
{
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return 1;
    const char *dir = getenv("BENCH_LEDGER_DIR") ? getenv("BENCH_LEDGER_DIR") : "/tmp";
    long verify_n = getenv("BENCH_LEDGER_VERIFY_N") ? atol(getenv("BENCH_LEDGER_VERIFY_N"))
                                                    : 1000000;
    if (verify_n < 10)
        verify_n = 10;
    char path[512];
    snprintf(path, sizeof path, "%s/bench_ledger_%ld.db", dir, (long)getpid());

    printf("{\"bench\": \"ledger_match_orders_per_s\", \"value\": %.0f, \"unit\": \"orders/s\"}\n",
           bench_match(ctx));
    fflush(stdout);

    zp_ledger *lg = fresh(ctx, path, ZP_LEDGER_SYNC_FULL, 1000000);
    double cpu100, cpu1000;
    double full1 = transfers(ctx, lg, 2000, 1, NULL);
    double full100 = transfers(ctx, lg, 100000, 100, &cpu100);
    double full1000 = transfers(ctx, lg, 100000, 1000, &cpu1000);
    zp_ledger_close(lg);
    lg = fresh(ctx, path, ZP_LEDGER_SYNC_NORMAL, 1000000);
    double normal1 = transfers(ctx, lg, 20000, 1, NULL);
    zp_ledger_close(lg);
    printf("{\"bench\": \"ledger_transfer_per_s_full_commit_each\", \"value\": %.0f, \"unit\": "
           "\"transfers/s\"}\n",
           full1);
    printf("{\"bench\": \"ledger_transfer_per_s_full_group_100\", \"value\": %.0f, \"unit\": "
           "\"transfers/s\"}\n",
           full100);
    printf("{\"bench\": \"ledger_transfer_per_cpu_s_full_group_100\", \"value\": %.0f, \"unit\": "
           "\"transfers/CPU-s\"}\n",
           cpu100);
    printf("{\"bench\": \"ledger_transfer_per_s_full_group_1000\", \"value\": %.0f, \"unit\": "
           "\"transfers/s\"}\n",
           full1000);
    printf("{\"bench\": \"ledger_transfer_per_cpu_s_full_group_1000\", \"value\": %.0f, \"unit\": "
           "\"transfers/CPU-s\"}\n",
           cpu1000);
    printf("{\"bench\": \"ledger_transfer_per_s_normal_commit_each\", \"value\": %.0f, \"unit\": "
           "\"transfers/s\"}\n",
           normal1);
    fflush(stdout);

    /* A journal of verify_n entries: 4 set-up entries, then transfers in
     * group commits (synchronous off: building it is not what is timed). */
    lg = fresh(ctx, path, ZP_LEDGER_SYNC_OFF, 100000000);
    double tb = now_s();
    transfers(ctx, lg, verify_n - 4, 10000, NULL);
    tb = now_s() - tb;
    zp_ledger_close(lg);
    if (zp_ledger_open(ctx, path, ZP_LEDGER_READONLY, &lg))
        die(ctx, "reopen");
    json_t *rep = NULL;
    double t0 = now_s(), c0 = cpu_s();
    if (zp_ledger_verify(lg, &rep))
        die(ctx, "verify");
    double dt = now_s() - t0, dc = cpu_s() - c0;
    fprintf(stderr, "bench_ledger: built %lld entries in %.1f s; verify: %lld entries\n",
            (long long)verify_n, tb, (long long)json_integer_value(json_object_get(rep, "entries")));
    json_decref(rep);
    zp_ledger_close(lg);
    printf("{\"bench\": \"ledger_verify_%ld_entries_s\", \"value\": %.3f, \"unit\": \"s\"}\n",
           verify_n, dt);
    printf("{\"bench\": \"ledger_verify_%ld_entries_cpu_s\", \"value\": %.3f, \"unit\": "
           "\"CPU-s\"}\n",
           verify_n, dc);
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    zp_ctx_free(ctx);
    return 0;
}
