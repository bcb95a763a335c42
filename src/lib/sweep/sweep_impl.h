/*
 * sweep_impl.h - private to src/lib/sweep (never installed): a sweep as
 * its files hold it, and what they share.
 *
 * Files, in the order a sweep goes through them:
 *   path.c      JSON paths into a document: their form, the value at one,
 *               setting one
 *   read.c      the sweep file (through core/jsonread): zp_sweep_load_*
 *   scenario.c  scenario i: its values, its label, its model (diagnostics
 *               naming the scenario), the check of every scenario
 *   work.c      the built-in scenario work ("simulate", "plan")
 *   pool.c      scenarios run on a pool of threads (zp_sweep_exec)
 *   results.c   the results as JSON and CSV, in scenario order
 */
#ifndef ZP_SWEEP_IMPL_H
#define ZP_SWEEP_IMPL_H

#include "core/internal.h"
#include "zeropark/sweep.h"

#include <jansson.h>
#include <stdint.h>

/* The work a sweep runs when its file names none. */
#define SW_DEFAULT_RUN "plan"

/* One value a parameter takes, or an explicit scenario sets. */
typedef struct sw_value {
    json_t *v;     /* the value (a reference of ours); NULL: not set by this scenario */
    char *where;   /* its path in the sweep file ("parameters[1].values[4]") */
    int line, col; /* its position in the sweep file (0 when unknown) */
} sw_value;

/* A parameter: a path into the model and, in a grid, the values it takes.
 * In a list of scenarios, the parameters are every path some scenario
 * sets, in the order first set. */
typedef struct sw_param {
    char *name;       /* "name", or the path */
    char *path;       /* the JSON path into the model ("storage[0].capex_cny_per_kwh") */
    sw_value *values; /* grid: the values, in order */
    size_t nvalues;
} sw_param;

/* An explicit scenario (a list instead of a grid). */
typedef struct sw_scenario {
    char *name;    /* "name", or NULL */
    char *where;   /* "scenarios[3]" */
    int line, col; /* its position */
    sw_value *set; /* one per parameter, v NULL where it sets none */
} sw_scenario;

struct zp_sweep {
    char *file;         /* the sweep file's name in messages */
    char *model_name;   /* "model" as written */
    char *model_path;   /* resolved against the sweep file's directory */
    char *model_dir;    /* the base model's directory: its relative paths resolve here */
    char *model_text;   /* the base model's JSON text */
    size_t model_len;
    char *run;          /* "simulate", "plan" */
    zp_sweep_fn fn;     /* its work */
    int grid;           /* 1: a grid of parameters; 0: a list of scenarios */
    sw_param *params;
    size_t nparams;
    sw_scenario *scens; /* the list (grid 0) */
    size_t nscens;
    char **outputs;     /* JSON paths into each result: the CSV's columns */
    size_t noutputs;
    size_t count;       /* scenarios */
    uint64_t digest;    /* FNV-1a of the sweep text and the model text */
};

/* ---- path.c ------------------------------------------------------------- */

/* NULL when path has the form of a JSON path (keys separated by '.',
 * array indexes as [N]; a key holds any byte but '[' and ']' and is not
 * empty), else why not (a static text). */
const char *sw__path_form(const char *path);
/* The value at path in doc (borrowed), or NULL with why (n bytes) saying
 * what is missing, naming the document as noun ("the model"). Keys are
 * matched longest first, so "build.pv.roof_kwp" finds the key
 * "pv.roof_kwp" of "build". */
json_t *sw__path_get(json_t *doc, const char *path, const char *noun, char *why, size_t n);
/* 0 when sw__path_set could set path in doc, else -1 with why. */
int sw__path_settable(json_t *doc, const char *path, const char *noun, char *why, size_t n);
/* Set the value at path in doc to value (a new reference is taken): the
 * path's last key may be new to its object; everything before must be
 * there. 0, or -1 with why. */
int sw__path_set(json_t *doc, const char *path, json_t *value, const char *noun, char *why,
                 size_t n);
/* 1 when path a is b or lies inside b ("grid.x" inside "grid"). */
int sw__path_within(const char *a, const char *b);

/* ---- read.c ----------------------------------------------------------------- */

/* zp_sweep_load_buf checking the scenarios' models only when there are at
 * most check_max of them (the fuzz target's bound on time). */
zp_status sw__read(zp_ctx *ctx, const char *buf, size_t len, const char *fname, const char *basedir,
                   const char *model_text, size_t model_len, unsigned model_flags, size_t check_max,
                   zp_sweep **out);

/* ---- scenario.c ----------------------------------------------------------- */

/* The value parameter p takes in scenario i (borrowed; NULL when the
 * scenario sets none). */
const sw_value *sw__value(const zp_sweep *sw, size_t i, size_t p);
/* Scenario i's model document as JSON text (allocated, zp__free), or
 * NULL with the error set on ctx. */
char *sw__scenario_text(zp_ctx *ctx, const zp_sweep *sw, size_t i, size_t *len);
/* Check every scenario's model (ZP_MODEL_NO_SERIES): each problem is a
 * diagnostic on ctx, located at the sweep file's value that caused it
 * when there is one, said once for all the scenarios that share it.
 * Returns the number of problems (0: all fine), or -1 when memory ran
 * out. */
long sw__check_all(zp_ctx *ctx, const zp_sweep *sw);

/* ---- work.c --------------------------------------------------------------- */

/* The CSV columns of a work's results when the sweep file names no
 * "outputs" (NULL-terminated). */
const char *const *sw__default_outputs(const char *run);

#endif
