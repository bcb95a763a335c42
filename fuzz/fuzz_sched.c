/*
 * fuzz_sched.c - libFuzzer target for the scheduler's input readers. The
 * first byte picks the parser: even -> the sites JSON
 * (zp_sched_sites_parse), odd -> the jobs CSV (zp_sched_jobs_parse) against
 * a fixed two-site, one-region problem; the rest is the text. Parsed jobs
 * are also scheduled (greedy) and checked, so what the reader accepts
 * cannot crash the solver, and the baselines run: what the readers accept
 * must give finite totals (their ranges, docs/schedule.md "Inputs"). An
 * accepted sites file gets one job at the largest power for the whole
 * horizon, placed by the SDK rule (which ignores capacity), for the same.
 */
#include <math.h>
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

/* A run on accepted input: never ZP_ERANGE (totals that are not finite),
 * and finite totals when it succeeds. */
static void finite_or_trap(zp_status rc, const zp_sched_result *r)
{
    if (rc == ZP_ERANGE)
        __builtin_trap();
    if (rc == ZP_OK && (!isfinite(r->totals.emissions_kg) || !isfinite(r->totals.cost_cny) ||
                        !isfinite(r->totals.objective) || !isfinite(r->totals.it_kwh)))
        __builtin_trap();
}

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
        if (zp_sched_sites_parse(ctx, text, size - 1, "fuzz.json", &p) == ZP_OK) {
            zp_sched_job j;
            memset(&j, 0, sizeof j);
            j.region = -1;
            j.deadline = (int32_t)p->nslots;
            j.duration = (int32_t)p->nslots;
            j.min_chunk = 1;
            j.power_kw = 1e6; /* the jobs reader's largest */
            zp_sched_result *r = NULL;
            if (zp_sched_problem_add_job(ctx, p, &j, "max") == ZP_OK) {
                zp_sched_opts o;
                zp_sched_opts_init(&o);
                o.objective = ZP_SCHED_COST_WITH_CARBON_PRICE;
                zp_status rc = zp_sched_baseline_run(ctx, p, &o, ZP_SCHED_CARBON_AWARE_SDK, &r);
                finite_or_trap(rc, r);
            }
            zp_sched_result_free(ctx, r);
        }
    } else if (zp_sched_sites_parse(ctx, sites, strlen(sites), "sites.json", &p) == ZP_OK &&
               zp_sched_jobs_parse(ctx, p, text, size - 1, "fuzz.csv") == ZP_OK) {
        zp_sched_result *r = NULL;
        zp_status rc = zp_sched_greedy(ctx, p, NULL, &r);
        finite_or_trap(rc, r);
        if (rc == ZP_OK && zp_sched_check(ctx, p, r, 0, NULL))
            __builtin_trap(); /* the greedy broke a constraint */
        zp_sched_result_free(ctx, r);
        for (int b = 0; b < 2; b++) {
            r = NULL;
            rc = zp_sched_baseline_run(ctx, p, NULL, (zp_sched_baseline)b, &r);
            finite_or_trap(rc, r);
            zp_sched_result_free(ctx, r);
        }
    }
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
    return 0;
}
