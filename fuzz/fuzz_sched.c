/*
 * fuzz_sched.c - libFuzzer target for the scheduler's input readers. The
 * first byte picks the parser: even -> the sites JSON
 * (zp_sched_sites_parse), odd -> the jobs CSV (zp_sched_jobs_parse) against
 * a fixed two-site, one-region problem; the rest is the text. Parsed jobs
 * are also scheduled (greedy) and checked, so what the reader accepts
 * cannot crash the solver.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zeropark/zeropark.h"
#include "zeropark/sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sites[] = "{\"slots\": 6, \"regions\": [\"R\"], \"sites\": ["
                            "{\"name\": \"A\", \"capacity_kw\": 100, \"intensity_kg_per_kwh\": 0.5,"
                            " \"latency_ms\": {\"R\": 1}},"
                            "{\"name\": \"B\", \"capacity_kw\": 50, \"pue\": 1.2,"
                            " \"intensity_kg_per_kwh\": [1, 0.2, 0.3, 0.4, 0.5, 0.1],"
                            " \"latency_ms\": {\"R\": 9}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return 0;
    zp_sched_problem *p = NULL;
    const char *text = (const char *)data + 1;
    if (data[0] % 2 == 0) {
        (void)zp_sched_sites_parse(ctx, text, size - 1, "fuzz.json", &p);
    } else if (zp_sched_sites_parse(ctx, sites, strlen(sites), "sites.json", &p) == ZP_OK &&
               zp_sched_jobs_parse(ctx, p, text, size - 1, "fuzz.csv") == ZP_OK) {
        zp_sched_result *r = NULL;
        if (zp_sched_greedy(ctx, p, NULL, &r) == ZP_OK && zp_sched_check(ctx, p, r, 0, NULL))
            __builtin_trap(); /* the greedy broke a constraint */
        zp_sched_result_free(ctx, r);
    }
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
    return 0;
}
