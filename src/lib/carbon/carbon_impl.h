/*
 * carbon_impl.h - private to the library (never installed): what the
 * carbon files share. The pool of blocks owned together (pool.c); what an
 * accounting input made by a zp_acct_from_* builder owns, and the helpers
 * the builders share: inputs.c builds inputs from metered CSV and the
 * store, sim/account_input.c from a simulation run; the latest-year rule
 * of the factor tables (factors.c) that the engine (account.c) uses too.
 */
#ifndef ZP_CARBON_IMPL_H
#define ZP_CARBON_IMPL_H

#include "core/internal.h"
#include "zeropark/carbon.h"

/* Blocks owned together and freed together by zp__cpool_free (a factor
 * set's strings, an input's or a result's arrays and strings). Zeroed is
 * empty. */
typedef struct zp__cpool {
    void **blocks;    /* each allocated with the context's allocator */
    size_t n, cap;    /* blocks in use, allocated */
} zp__cpool;

/* n zeroed elements of size bytes owned by p; NULL when out of memory
 * (ZP_ENOMEM set). */
void *zp__cpool_calloc(zp_ctx *ctx, zp__cpool *p, size_t n, size_t size);
/* A copy of s (not NULL) owned by p; NULL when out of memory (ZP_ENOMEM
 * set). */
char *zp__cpool_strdup(zp_ctx *ctx, zp__cpool *p, const char *s);
/* Free every block of p and empty it. */
void zp__cpool_free(zp_ctx *ctx, zp__cpool *p);

/* What an input made by zp_acct_from_* owns (zp_acct_input.owned_);
 * zp_acct_input_free frees it all. */
typedef struct zp__acct_owned {
    zp__cpool pool;   /* arrays, strings, fuels, refrigerants */
    zp_acct_meter *meters;       size_t capmeters;
    zp_acct_storage *storage;
    zp_acct_correction *corrections; size_t capcorr;
    int fill_gaps;    /* ZP_ACCT_FILL_GAPS: missing readings count as 0 / held */
} zp__acct_owned;

/* A new input with its owned part (zp_acct_input_init defaults). */
zp_status zp__acct_input_new(zp_ctx *ctx, zp_acct_input **out);
/* An array of n doubles owned by the input (zeroed); NULL when out of
 * memory. */
double *zp__acct_input_array(zp_ctx *ctx, zp_acct_input *in, size_t n);
/* A copy of s owned by the input; NULL when out of memory. */
const char *zp__acct_input_string(zp_ctx *ctx, zp_acct_input *in, const char *s);
/* The model's fuels, refrigerants, certificates and contracts (given for
 * the model period) times frac, the input's share of the period; the
 * model's offset. m NULL: nothing. */
zp_status zp__acct_input_from_model(zp_ctx *ctx, zp_acct_input *in, const zp_model *m,
                                    double frac);

/* The latest year <= want that has a factor in fs (grid kind/region or,
 * with region NULL, power coal); 0 if none. */
int zp__factor_latest_year(const zp_factor_set *fs, const char *region, const char *kind,
                           int want);

/* The indicator's JSON object ("indicator" of account and simulate,
 * docs/cli.md), a new reference (indicator.c). */
struct json_t;
struct json_t *zp__indicator_json(const zp_indicator *x);

#endif
