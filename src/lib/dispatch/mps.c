/*
 * mps.c - the dispatch LP as a free-format MPS file, for any other solver
 * to check the optimum (zp_dispatch_write_mps, zp_lp_opts.mps_path).
 */
#include "dispatch/lp_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void col_name(const zp_lp *lp, size_t c, char *buf, size_t len)
{
    static const char *const fixed[C_FIXED] = {"pv", "wind", "imp", "exp", "uns"};
    if (c >= lp->nsc) {
        snprintf(buf, len, "peak_%zu", c - lp->nsc);
        return;
    }
    size_t t = c / lp->cps, off = c % lp->cps;
    if (off < C_FIXED) {
        snprintf(buf, len, "%s_%zu", fixed[off], t);
        return;
    }
    off -= C_FIXED;
    if (lp->reserve) {
        if (off == 0) {
            snprintf(buf, len, "short_%zu", t);
            return;
        }
        off--;
    }
    if (off < 3 * lp->nst) {
        static const char *const st[3] = {"ch", "dis", "soc"};
        snprintf(buf, len, "%s_%zu_%zu", st[off % 3], off / 3, t);
        return;
    }
    off -= 3 * lp->nst;
    snprintf(buf, len, "%s_%zu_%zu", off % 2 ? "fb" : "fs", off / 2, t);
}

static void row_name(const zp_lp *lp, size_t r, char *buf, size_t len)
{
    size_t t = r / lp->rps, off = r % lp->rps;
    if (off == 0)
        snprintf(buf, len, "bal_%zu", t);
    else if (off <= lp->nst)
        snprintf(buf, len, "dyn_%zu_%zu", off - 1, t);
    else if (off <= lp->nst + lp->nfl)
        snprintf(buf, len, "fq_%zu_%zu", off - 1 - lp->nst, t);
    else if (lp->reserve && off == row_res(lp))
        snprintf(buf, len, "res_%zu", t);
    else if (lp->dem && off == row_pk(lp))
        snprintf(buf, len, "pk_%zu", t);
    else
        snprintf(buf, len, "pwr_%zu_%zu", off - row_pwr(lp, 0), t);
}

zp_status zp__lp_write_mps(zp_lp *lp, const char *path)
{
    zp_ctx *ctx = lp->ctx;
    char a[64], b[64];
    FILE *f = fopen(path, "w");
    if (!f)
        return zp__error(ctx, ZP_EIO, "%s: cannot write the MPS file: %s", path, strerror(errno));
    fprintf(f, "* zeropark dispatch LP (free MPS), minimise; objective constant 0\n"
               "* %zu steps of %.17g h, %zu storages, %zu flexible loads%s\n"
               "* unserved penalty %.17g per kWh, reserve penalty %.17g per kWh and step, "
               "epsilon %.17g\n"
               "* names: docs/methodology.md, \"Optimal dispatch (LP)\"\n",
               lp->steps, lp->dt, lp->nst, lp->nfl, lp->reserve ? ", reserve" : "", lp->penalty,
               lp->reserve_penalty, lp->epsilon);
    if (lp->dem)
        fprintf(f, "* demand charge: %zu months, columns peak_m (>= the month's peak so far, the "
                   "whole peak charged), rows pk_t: peak_m - imp_t >= 0\n", lp->nm);
    fprintf(f, "NAME zeropark\nROWS\n N obj\n");
    for (size_t r = 0; r < lp->nrows; r++) {
        row_name(lp, r, a, sizeof a);
        fprintf(f, " %c %s\n", lp->rowlb[r] == lp->rowub[r] ? 'E' : 'G', a);
    }
    fprintf(f, "COLUMNS\n");
    for (size_t c = 0; c < lp->ncols; c++) {
        col_name(lp, c, a, sizeof a);
        if (lp->obj[c] != 0.0)
            fprintf(f, " %s obj %.17g\n", a, lp->obj[c]);
        for (CoinBigIndex e = lp->start[c]; e < lp->start[c + 1]; e++) {
            row_name(lp, (size_t)lp->index[e], b, sizeof b);
            fprintf(f, " %s %s %.17g\n", a, b, lp->value[e]);
        }
    }
    fprintf(f, "RHS\n");
    for (size_t r = 0; r < lp->nrows; r++) {
        if (lp->rowlb[r] != 0.0) {
            row_name(lp, r, a, sizeof a);
            fprintf(f, " rhs %s %.17g\n", a, lp->rowlb[r]);
        }
    }
    fprintf(f, "BOUNDS\n");
    for (size_t c = 0; c < lp->ncols; c++) {
        double l = lp->collb[c], u = lp->colub[c];
        if (l == 0.0 && u >= LP_INF)
            continue;
        col_name(lp, c, a, sizeof a);
        if (l == u) {
            fprintf(f, " FX bnd %s %.17g\n", a, l);
            continue;
        }
        if (l != 0.0)
            fprintf(f, " LO bnd %s %.17g\n", a, l);
        if (u < LP_INF)
            fprintf(f, " UP bnd %s %.17g\n", a, u);
    }
    fprintf(f, "ENDATA\n");
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return zp__error(ctx, ZP_EIO, "%s: error writing the MPS file: %s", path,
                         strerror(errno));
    return ZP_OK;
}
