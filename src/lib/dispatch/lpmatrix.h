/*
 * lpmatrix.h - the dispatch LP's matrix for an engine that builds a larger
 * LP on it (internal): the capacity-expansion plan (src/lib/plan,
 * docs/planning.md) adds capacity columns and the rows that couple them
 * to the dispatch's, and solves the whole. There is one formulation of the
 * dispatch: this one (lp.c, docs/methodology.md "Optimal dispatch (LP)").
 *
 *   zp__lp_matrix_build  build the LP of an input (as zp_lp_solve would)
 *                        and give its arrays: the column-major matrix
 *                        (zp__lp_matrix_column over index/value), and
 *                        bounds, costs and row bounds, which the caller
 *                        may change in place (e.g. lift a bound that a
 *                        new row takes over)
 *   zp__lp_col/_row      where a step's column or row of a kind is
 *   zp__lp_extract       a solution (its first ncols values) as a dispatch
 *                        result, checked and repaired as the LP's own; in
 *                        may differ from the build's input in what the
 *                        planner decided (available PV and wind, battery
 *                        sizes, initial SOC fractions), not in shape
 * The handle is then only for these calls (the next zp_lp_solve on it
 * builds afresh).
 */
#ifndef ZP_DISPATCH_LPMATRIX_H
#define ZP_DISPATCH_LPMATRIX_H

#include "zeropark/dispatch.h"

typedef struct zp__lp_matrix {
    size_t steps, nstorage, nflex, nmonths;
    int reserve, pwr, dem;      /* the res, pwr and pk rows (and month columns) exist */
    size_t ncols, nrows, nnz;
    const int *index;           /* nnz row indices, column by column */
    const double *value;        /* nnz values */
    double *collb, *colub, *obj; /* ncols values (the caller may change them) */
    double *rowlb, *rowub;      /* nrows values; rowlb == rowub: an equality */
    double penalty, reserve_penalty, epsilon; /* the values used (after "automatic") */
} zp__lp_matrix;

typedef enum zp__lp_colkind {
    ZP_LPC_PV, ZP_LPC_WIND, ZP_LPC_IMP, ZP_LPC_EXP, ZP_LPC_UNS, ZP_LPC_SHORT,
    ZP_LPC_CH, ZP_LPC_DIS, ZP_LPC_SOC, /* k: the storage */
    ZP_LPC_FS, ZP_LPC_FB,              /* k: the flexible load */
    ZP_LPC_PEAK                        /* k: the month (t unused) */
} zp__lp_colkind;

typedef enum zp__lp_rowkind {
    ZP_LPR_BAL, ZP_LPR_DYN, ZP_LPR_FQ, ZP_LPR_RES, ZP_LPR_PWR, ZP_LPR_PK
} zp__lp_rowkind;

zp_status zp__lp_matrix_build(zp_lp *lp, const zp_dispatch_input *in, const zp_lp_opts *o,
                              zp__lp_matrix *mx);
/* Entries [*first, *end) of index/value hold column c. */
void zp__lp_matrix_column(const zp_lp *lp, size_t c, size_t *first, size_t *end);
/* The column (row) of kind at step t (k: storage, flexible load or month);
 * SIZE_MAX for a row the LP does not have. */
size_t zp__lp_col(const zp_lp *lp, size_t t, zp__lp_colkind kind, size_t k);
size_t zp__lp_row(const zp_lp *lp, size_t t, zp__lp_rowkind kind, size_t k);
/* The dispatch LP's names of column c and row r (docs/methodology.md "MPS
 * export"), for an MPS file of the larger LP (mps.c). */
void zp__lp_col_name(const zp_lp *lp, size_t c, char *buf, size_t len);
void zp__lp_row_name(const zp_lp *lp, size_t r, char *buf, size_t len);
/* Flexible demand due at once in step t (in the balance's right-hand side). */
double zp__lp_late_kw(const zp_lp *lp, size_t t);
/* The solution x as a new result (*out; method "optimal"); ZP_ESOLVER when
 * it fails the dispatch's balance and storage check (why says where). */
zp_status zp__lp_extract(zp_lp *lp, const zp_dispatch_input *in, const double *x,
                         zp_dispatch_result **out, char *why, size_t whylen);

#endif
