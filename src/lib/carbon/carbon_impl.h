/*
 * carbon_impl.h - private to the library (never installed): what an
 * accounting input made by a zp_acct_from_* builder owns, and the helpers
 * the builders share. carbon.c builds inputs from metered CSV and the
 * store; sim/account_input.c builds them from a simulation run.
 */
#ifndef ZP_CARBON_IMPL_H
#define ZP_CARBON_IMPL_H

#include "core/internal.h"
#include "zeropark/carbon.h"

/* What an input made by zp_acct_from_* owns (zp_acct_input.owned_);
 * zp_acct_input_free frees it all. */
typedef struct zp__acct_owned {
    double **arrays;  size_t narrays, caparrays;
    char **strings;   size_t nstrings, capstrings;
    zp_acct_meter *meters;       size_t capmeters;
    zp_acct_storage *storage;
    zp_acct_fuel *fuels;
    zp_acct_refrigerant *refrigerants;
    zp_acct_correction *corrections; size_t capcorr;
    int fill_gaps;    /* ZP_ACCT_FILL_GAPS: missing readings count as 0 / held */
} zp__acct_owned;

/* A new input with its owned part (zp_acct_input_init defaults). */
zp_status zp__acct_input_new(zp_ctx *ctx, zp_acct_input **out);
/* An array of n doubles owned by the input (zeroed); NULL when out of
 * memory (no error set). */
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

#endif
