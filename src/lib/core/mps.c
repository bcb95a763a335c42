/*
 * mps.c - the one free-format MPS writer (mps.h has what it writes).
 */
#include "core/mps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* CLP and CBC read a bound at or beyond 1e30 as infinite. */
#define MPS_INF 1e30

static void rows_section(FILE *f, const zp__mps *m, char *a, size_t len)
{
    fprintf(f, "ROWS\n N obj\n");
    for (size_t r = 0; r < m->nrows; r++) {
        double l = m->rowlb[r], u = m->rowub[r];
        char ty = l == u ? 'E' : l > -MPS_INF ? 'G' : u < MPS_INF ? 'L' : 'N';
        m->row_name(m->user, r, a, len);
        fprintf(f, " %c %s\n", ty, a);
    }
}

static void columns_section(FILE *f, const zp__mps *m, char *a, char *b, size_t len)
{
    fprintf(f, "COLUMNS\n");
    int in_int = 0, marker = 0;
    for (size_t c = 0; c < m->ncols; c++) {
        int is_int = m->isint && m->isint[c];
        if (is_int != in_int) {
            fprintf(f, " M%d 'MARKER' '%s'\n", marker++, is_int ? "INTORG" : "INTEND");
            in_int = is_int;
        }
        m->col_name(m->user, c, a, len);
        if (m->obj[c] != 0.0)
            fprintf(f, " %s obj %.17g\n", a, m->obj[c]);
        for (int e = m->start[c]; e < m->start[c + 1]; e++) {
            m->row_name(m->user, (size_t)m->index[e], b, len);
            fprintf(f, " %s %s %.17g\n", a, b, m->value[e]);
        }
        if (m->obj[c] == 0.0 && m->start[c] == m->start[c + 1])
            fprintf(f, " %s obj 0\n", a);
    }
    if (in_int)
        fprintf(f, " M%d 'MARKER' 'INTEND'\n", marker);
}

static void rhs_ranges_sections(FILE *f, const zp__mps *m, char *a, size_t len)
{
    fprintf(f, "RHS\n");
    int ranged = 0;
    for (size_t r = 0; r < m->nrows; r++) {
        double l = m->rowlb[r], u = m->rowub[r];
        double v = l > -MPS_INF ? l : u < MPS_INF ? u : 0.0;
        ranged |= l != u && l > -MPS_INF && u < MPS_INF;
        if (v != 0.0) {
            m->row_name(m->user, r, a, len);
            fprintf(f, " rhs %s %.17g\n", a, v);
        }
    }
    if (!ranged)
        return;
    fprintf(f, "RANGES\n");
    for (size_t r = 0; r < m->nrows; r++) {
        double l = m->rowlb[r], u = m->rowub[r];
        if (l != u && l > -MPS_INF && u < MPS_INF) {
            m->row_name(m->user, r, a, len);
            fprintf(f, " rng %s %.17g\n", a, u - l);
        }
    }
}

static void bounds_section(FILE *f, const zp__mps *m, char *a, size_t len)
{
    fprintf(f, "BOUNDS\n");
    for (size_t c = 0; c < m->ncols; c++) {
        double l = m->collb[c], u = m->colub[c];
        int is_int = m->isint && m->isint[c];
        if (l == 0.0 && u >= MPS_INF && !is_int)
            continue;
        m->col_name(m->user, c, a, len);
        if (l == u) {
            fprintf(f, " FX bnd %s %.17g\n", a, l);
            continue;
        }
        if (l <= -MPS_INF)
            fprintf(f, " MI bnd %s\n", a);
        else if (l != 0.0)
            fprintf(f, " LO bnd %s %.17g\n", a, l);
        if (u < MPS_INF)
            fprintf(f, " UP bnd %s %.17g\n", a, u);
        else if (is_int)
            fprintf(f, " PL bnd %s\n", a);
    }
}

zp_status zp__mps_write(zp_ctx *ctx, const char *path, const zp__mps *m)
{
    char a[80], b[80];
    FILE *f = fopen(path, "w");
    if (!f)
        return zp__error(ctx, ZP_EIO, "%s: cannot write the MPS file: %s", path, strerror(errno));
    if (m->comment)
        fputs(m->comment, f);
    fprintf(f, "NAME %s\n", m->name);
    rows_section(f, m, a, sizeof a);
    columns_section(f, m, a, b, sizeof a);
    rhs_ranges_sections(f, m, a, sizeof a);
    bounds_section(f, m, a, sizeof a);
    fprintf(f, "ENDATA\n");
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return zp__error(ctx, ZP_EIO, "%s: error writing the MPS file: %s", path,
                         strerror(errno));
    return ZP_OK;
}
