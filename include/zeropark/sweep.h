/*
 * zeropark/sweep.h - sweeps: one park model run over a grid (or a list) of
 * scenarios, each the model with some of its values replaced
 * (`zeropark plan --sweep FILE`, docs/sweep.md).
 *
 * Main types and calls: zp_sweep, a sweep file read and checked
 * (zp_sweep_load_file, zp_sweep_load_buf, zp_sweep_free), its scenarios
 * (zp_sweep_count, zp_sweep_label, zp_sweep_scenario_model); a run of
 * some of them on a pool of threads (zp_sweep_exec: zp_sweep_start,
 * zp_sweep_done, zp_sweep_wait, zp_sweep_finish) into zp_sweep_outcome
 * (zp_sweep_outcomes_new, zp_sweep_outcome_set, zp_sweep_outcomes_free);
 * the results of the whole sweep as one JSON document and one CSV table
 * (zp_sweep_results_json, zp_sweep_results_csv), in scenario order, so
 * that they are the same bytes however the scenarios were shared out
 * (threads here, or processes elsewhere that send their outcomes back).
 * A scenario's work is a zp_sweep_fn: the scenario's model in, a JSON
 * document out; the sweep file names one of the built-in ones ("run").
 * Built on the model (model.h) and the simulation (sim.h).
 *
 * The sweep keeps no global state; the pool's threads each use a context
 * of their own with the caller's allocator (which must then be
 * thread-safe, as the C allocator is).
 */
#ifndef ZEROPARK_SWEEP_H
#define ZEROPARK_SWEEP_H

#include "zeropark/core.h"
#include "zeropark/model.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zp_sweep zp_sweep;

/* Limits, so that a sweep file cannot exhaust memory or time. */
#define ZP_SWEEP_MAX_BYTES (4u << 20)    /* the sweep file */
#define ZP_SWEEP_MAX_PARAMS 64           /* parameters, or overrides of one scenario */
#define ZP_SWEEP_MAX_SCENARIOS 1000000   /* the grid's product, or the list's length */

/* Read the sweep file at path and its base model (the file its "model"
 * names, beside it), and check every scenario's model without reading
 * series (ZP_MODEL_NO_SERIES). Problems are diagnostics, each located in
 * the sweep file ("sweep.json:7:33: parameters[1].values[4]: ...") or in
 * the model; the call then fails with ZP_EMODEL. ZP_EIO when a file
 * cannot be read, ZP_ENOMEM. model_flags are the base model's load flags
 * (ZP_MODEL_NO_SERIES: read no series, as a check does). */
ZP_API zp_status zp_sweep_load_file(zp_ctx *ctx, const char *path, unsigned model_flags,
                                    zp_sweep **out);
/* The same from len bytes of sweep JSON named fname in messages, its
 * relative paths resolved against basedir (NULL: the current directory).
 * model_text (model_len bytes), when not NULL, is the base model's text
 * instead of the file "model" names (which then is only its name and
 * directory): for tests and fuzzing. */
ZP_API zp_status zp_sweep_load_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                                   const char *basedir, const char *model_text, size_t model_len,
                                   unsigned model_flags, zp_sweep **out);
/* Accepts NULL. */
ZP_API void zp_sweep_free(zp_ctx *ctx, zp_sweep *sw);

/* How many scenarios. */
ZP_API size_t zp_sweep_count(const zp_sweep *sw);
/* What each scenario runs ("plan", "simulate"). Borrowed. */
ZP_API const char *zp_sweep_run_name(const zp_sweep *sw);
/* A 64-bit digest (FNV-1a) of the sweep file's and the base model's
 * texts: processes that share a sweep check that they read the same. */
ZP_API uint64_t zp_sweep_digest(const zp_sweep *sw);
/* Scenario i in words for messages: "scenario 7 (capex = 400, weather.csv
 * = \"data/w2.csv\")" or "scenario 3 'low capex'". Allocated (zp_free);
 * NULL when out of memory. */
ZP_API char *zp_sweep_label(zp_ctx *ctx, const zp_sweep *sw, size_t i);
/* Scenario i's model: the base model's document with the scenario's
 * values set, loaded (flags as for zp_model_load_buf). On failure the
 * diagnostics name the scenario. */
ZP_API zp_status zp_sweep_scenario_model(zp_ctx *ctx, const zp_sweep *sw, size_t i, unsigned flags,
                                         zp_model **out);

/* One scenario's work: its model in, a JSON document out (*result, text
 * allocated with ctx's allocator, freed by the sweep). ZP_OK, or an error
 * with its message on ctx: the scenario is recorded as failed with that
 * message (a target that cannot be met), and the sweep goes on. Called
 * from the pool's threads, at once: it must be thread-safe. */
typedef zp_status (*zp_sweep_fn)(zp_ctx *ctx, const zp_model *m, void *ud, char **result);

/* The built-in scenario work named name ("simulate": the year with the
 * optimal dispatch, its results document without its timing; "plan": the
 * least-cost plan). NULL when there is none by that name. */
ZP_API zp_sweep_fn zp_sweep_fn_by_name(const char *name);

/* What became of one scenario. */
typedef struct zp_sweep_outcome {
    size_t index;  /* the scenario */
    int ok;        /* 1: it ran (result holds its document); 0: it failed (message) */
    char *result;  /* the work's JSON document, compact; NULL when it failed */
    char *message; /* why it failed ("scenario 7 (...): ..."); NULL when it ran */
} zp_sweep_outcome;

/* n empty outcomes (zeroed), for the outcomes of a sweep gathered from
 * elsewhere (processes that ran some of the scenarios); NULL when out of
 * memory. */
ZP_API zp_sweep_outcome *zp_sweep_outcomes_new(zp_ctx *ctx, size_t n);
/* Set o, which must be empty, to scenario index's outcome as received:
 * ok with its result document (text, len bytes), or failed with its
 * message. The text is copied. ZP_OK or ZP_ENOMEM. */
ZP_API zp_status zp_sweep_outcome_set(zp_ctx *ctx, zp_sweep_outcome *o, size_t index, int ok,
                                      const char *text, size_t len);
/* Frees n outcomes and their texts (allocated with ctx's allocator).
 * Accepts NULL. */
ZP_API void zp_sweep_outcomes_free(zp_ctx *ctx, zp_sweep_outcome *o, size_t n);

/* A run in progress of some scenarios on a pool of threads. */
typedef struct zp_sweep_exec zp_sweep_exec;

typedef struct zp_sweep_exec_opts {
    unsigned threads; /* threads of the pool (>= 1; 0 = 1); never more than scenarios */
    zp_sweep_fn fn;   /* the work; NULL: the sweep's own (its "run") */
    void *ud;         /* fn's data */
} zp_sweep_exec_opts;

/* Start running the n scenarios of indices (each < zp_sweep_count, in
 * any order; each is loaded with zp_sweep_scenario_model, then given to
 * fn) on opts->threads threads. Threads take the next scenario of the
 * list when they are free. sw and indices must outlive the run. ZP_OK and
 * *out, or ZP_EINVAL (an index out of range, no work), ZP_ENOMEM, or
 * ZP_EIO when a thread cannot be started. */
ZP_API zp_status zp_sweep_start(zp_ctx *ctx, const zp_sweep *sw, const size_t *indices, size_t n,
                                const zp_sweep_exec_opts *opts, zp_sweep_exec **out);
/* Scenarios finished so far (of n). Any thread may ask. */
ZP_API size_t zp_sweep_done(zp_sweep_exec *x);
/* Wait until every scenario is done, or timeout_s seconds (< 0: no
 * limit). 1 when all are done. */
ZP_API int zp_sweep_wait(zp_sweep_exec *x, double timeout_s);
/* Wait for the end, free the run and hand over the n outcomes, in the
 * order of indices (zp_sweep_outcomes_free). A scenario that failed is an
 * outcome, not an error: ZP_OK unless memory ran out (then every
 * outcome is freed, *out NULL). x is freed in every case. */
ZP_API zp_status zp_sweep_finish(zp_ctx *ctx, zp_sweep_exec *x, zp_sweep_outcome **out);

/* The sweep's results: o holds the outcome of every scenario, o[i].index
 * == i (ZP_EINVAL otherwise). The JSON document (docs/sweep.md
 * "Results") and the CSV table (a row per scenario: its index, the
 * parameters' values, its status, the outputs, the message) depend only
 * on the sweep and the outcomes. Allocated text, zp_free. */
ZP_API zp_status zp_sweep_results_json(zp_ctx *ctx, const zp_sweep *sw, const zp_sweep_outcome *o,
                                       size_t n, char **out);
ZP_API zp_status zp_sweep_results_csv(zp_ctx *ctx, const zp_sweep *sw, const zp_sweep_outcome *o,
                                      size_t n, char **out);

#ifdef __cplusplus
}
#endif
#endif
