/*
 * fuzz_sweep.c - libFuzzer target for the sweep file reader (src/lib/sweep,
 * docs/sweep.md): the input is a sweep file over a fixed base model that
 * touches no files. A sweep that reads is checked scenario by scenario
 * when it has at most 64 (the model loader on each; more would only spend
 * the time limit), labelled, its scenario models loaded without series,
 * and its results written as JSON and CSV from made-up outcomes (every
 * third failed) whose documents exercise the output columns.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sweep/sweep_impl.h"
#include "zeropark/zeropark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char model[] =
    "{\"name\": \"t\", \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": "
    "\"2024-01-02T00:00:00+08:00\"}, \"grid\": {\"price_cny_per_kwh\": 0.5}, \"loads\": "
    "[{\"name\": \"a\", \"power_kw\": 100}], \"storage\": [{\"name\": \"b\", \"energy_kwh\": 100, "
    "\"power_kw\": 50}], \"targets\": {\"max_emissions_t\": 10}, \"planning\": {\"certificates\": "
    "{\"price_cny_per_mwh\": 5, \"max_mwh_per_year\": 5000}}}";

static const char result[] = "{\"cost_breakdown_cny\": {\"total\": 1.5}, \"green_share_pct\": "
                             "{\"annual_volumetric\": 2, \"x\": [1, \"a,\\\"b\"]}, \"targets\": "
                             "[{\"name\": \"cap\", \"value\": 3, \"met\": true}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_sweep *sw = NULL;
    if (!ctx)
        return 0;
    if (sw__read(ctx, (const char *)data, size, "fuzz.json", NULL, model, strlen(model),
                 ZP_MODEL_NO_SERIES, 64, &sw) == ZP_OK) {
        size_t n = zp_sweep_count(sw);
        if (n == 0 || n > ZP_SWEEP_MAX_SCENARIOS)
            __builtin_trap(); /* a sweep that reads has scenarios, within the cap */
        size_t shown = n < 64 ? n : 64;
        for (size_t i = 0; i < shown; i++) {
            zp_free(ctx, zp_sweep_label(ctx, sw, i));
            zp_model *m = NULL;
            if (n <= 64 && zp_sweep_scenario_model(ctx, sw, i, ZP_MODEL_NO_SERIES, &m) != ZP_OK)
                __builtin_trap(); /* every scenario was checked when the sweep was read */
            zp_model_free(ctx, m);
        }
        zp_sweep_outcome *o = n <= 64 ? zp_sweep_outcomes_new(ctx, n) : NULL;
        for (size_t i = 0; o && i < n; i++)
            zp_sweep_outcome_set(ctx, &o[i], i, i % 3 != 2, i % 3 != 2 ? result : "failed, \"why\"",
                                 i % 3 != 2 ? strlen(result) : 14);
        char *json = NULL, *csv = NULL;
        if (o && (zp_sweep_results_json(ctx, sw, o, n, &json) || zp_sweep_results_csv(ctx, sw, o, n, &csv)))
            __builtin_trap();
        zp_free(ctx, json);
        zp_free(ctx, csv);
        zp_sweep_outcomes_free(ctx, o, n);
        zp_sweep_free(ctx, sw);
    }
    zp_ctx_free(ctx);
    return 0;
}
