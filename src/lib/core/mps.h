/*
 * mps.h - the one free-format MPS writer of the library (internal): a
 * linear or mixed-integer programme held as a column-major matrix with
 * bounds, written so that any other solver (GLPK's glpsol, HiGHS, CBC)
 * can check an optimum. Used by the dispatch LP (dispatch/mps.c) and the
 * exact scheduler's MIP (sched/exact.c), each naming its own rows and
 * columns.
 *
 * What is written: the caller's comment lines, NAME, ROWS (the objective
 * row "obj" of type N first, to be minimised, objective constant 0; then
 * per row E when lower == upper, L when only the upper bound is finite,
 * G when the lower bound is, N when neither), COLUMNS (integer columns
 * between MARKER lines; a column with no entry and no cost gets
 * "obj 0" so that it exists), RHS (the finite bound of the row's type,
 * left out when 0), RANGES (upper - lower of a G row whose upper bound is
 * finite too) and BOUNDS (FX when lower == upper; else LO or MI when the
 * lower bound is not 0, UP when the upper bound is finite, PL for an
 * integer column without one, so that no reader takes it for binary).
 * Values are written with 17 significant digits, so they read back
 * exactly. A bound at or beyond +-1e30 is infinite (CLP's and CBC's
 * convention; DBL_MAX is the usual way to say it).
 */
#ifndef ZP_MPS_H
#define ZP_MPS_H

#include "core/internal.h"

#include <stddef.h>

/* Writes the name of row or column i (at most len - 1 bytes). */
typedef void (*zp__mps_namer)(const void *user, size_t i, char *buf, size_t len);

typedef struct zp__mps {
    const char *name;      /* the NAME line */
    const char *comment;   /* lines written first, each starting "* " and ending in
                              "\n"; NULL = none */
    size_t ncols, nrows;
    const int *start;      /* ncols + 1: column c's entries are start[c] .. start[c + 1] - 1 */
    const int *index;      /* the entries' rows, ascending in each column */
    const double *value;   /* the entries' values */
    const double *obj;     /* ncols: the costs */
    const double *collb, *colub; /* ncols: column bounds */
    const double *rowlb, *rowub; /* nrows: row bounds */
    const char *isint;     /* ncols flags, nonzero = integer; NULL = none */
    zp__mps_namer col_name, row_name;
    const void *user;      /* passed to the namers */
} zp__mps;

/* Writes m to path. ZP_EIO with the path and the system's reason when the
 * file cannot be written. */
zp_status zp__mps_write(zp_ctx *ctx, const char *path, const zp__mps *m);

#endif
