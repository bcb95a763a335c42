/*
 * fuzz_ledger.c - libFuzzer target for the ledger's readers: the JSON
 * arguments of zp_ledger_exec (with the serial-range and product texts in
 * them) and the journal entries that verify parses.
 *
 * First byte: bit 7 clear -> byte % 13 picks an operation and the rest is
 * its JSON arguments, run against a small in-memory ledger (two accounts,
 * a project, an issuance, a resting sell order); whatever the input, the
 * ledger must verify afterwards (a refused request changes nothing, an
 * accepted one keeps the invariant). Bit 7 set -> the rest replaces the
 * text of journal entry 6, and verify must run to a verdict and find it
 * bad (the hash no longer matches).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger_impl.h"
#include "zeropark/zeropark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ops[] = {"account", "project", "issue",   "transfer", "retire",
                                  "cancel",  "order",   "balance", "book",     "history",
                                  "verify",  "offsets", "transfr"};

static int run(zp_ledger *lg, const char *op, const char *args)
{
    json_t *a = json_loads(args, 0, NULL), *r = NULL;
    zp_status rc = zp_ledger_exec(lg, op, a, NULL, &r);
    json_decref(a);
    json_decref(r);
    return rc != ZP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 16))
        return 0;
    zp_ctx *ctx = zp_ctx_new();
    zp_ledger *lg = NULL;
    if (!ctx || zp_ledger_open(ctx, ":memory:", ZP_LEDGER_CREATE, &lg)) {
        zp_ctx_free(ctx);
        return 0;
    }
    zp_ledger_set_time(lg, 1735660800);
    if (run(lg, "account", "{\"id\": \"A\"}") || run(lg, "account", "{\"id\": \"B\"}") ||
        run(lg, "project",
            "{\"id\": \"P\", \"standard\": \"CCER\", \"location\": \"x\", \"area_ha\": 1,"
            " \"methodology\": \"m\", \"owner\": \"A\"}") ||
        run(lg, "issue", "{\"project\": \"P\", \"vintage\": 2023, \"qty\": 100}") ||
        run(lg, "order", "{\"account\": \"A\", \"side\": \"sell\", \"product\": \"CCER-2023\","
                         " \"qty\": 10, \"price\": 5000}") ||
        run(lg, "transfer", "{\"from\": \"A\", \"to\": \"B\", \"serial\": \"CCER-P-2023-50-59\"}"))
        __builtin_trap(); /* the fixed set-up must work */
    if (data[0] & 0x80) {
        sqlite3_stmt *s = NULL;
        const char *t = (const char *)data + 1;
        size_t tn = size - 1;
        int same = 0;
        if (sqlite3_prepare_v2(lg->db, "SELECT entry FROM lg_journal WHERE seq = 6", -1, &s,
                               NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            same = (size_t)sqlite3_column_bytes(s, 0) == tn &&
                   memcmp(sqlite3_column_text(s, 0), t, tn) == 0;
        sqlite3_finalize(s);
        s = NULL;
        if (sqlite3_prepare_v2(lg->db, "UPDATE lg_journal SET entry = ?1 WHERE seq = 6", -1, &s,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_text(s, 1, t, (int)tn, SQLITE_STATIC);
            sqlite3_step(s);
        }
        sqlite3_finalize(s);
        json_t *rep = NULL;
        zp_status rc = zp_ledger_verify(lg, &rep);
        if (!same && rc == ZP_OK)
            __builtin_trap(); /* an altered entry passed verify */
        json_decref(rep);
    } else {
        const char *op = ops[data[0] % (sizeof ops / sizeof ops[0])];
        char *text = malloc(size);
        if (text) {
            memcpy(text, data + 1, size - 1);
            text[size - 1] = 0;
            json_t *a = json_loads(text, JSON_DECODE_ANY, NULL), *r = NULL;
            (void)zp_ledger_exec(lg, op, a, NULL, &r);
            json_decref(a);
            json_decref(r);
            free(text);
            if (zp_ledger_verify(lg, NULL) != ZP_OK)
                __builtin_trap(); /* an operation broke the ledger */
        }
    }
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
    return 0;
}
