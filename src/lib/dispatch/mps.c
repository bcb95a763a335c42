/*
 * mps.c - the dispatch LP as a free-format MPS file, for any other solver
 * to check the optimum (zp_dispatch_write_mps, zp_lp_opts.mps_path): the
 * names of its rows and columns (docs/methodology.md, "Optimal dispatch
 * (LP)"), written by the library's one MPS writer (core/mps.c).
 */
#include "core/mps.h"
#include "dispatch/lp_impl.h"
#include "dispatch/lpmatrix.h"

#include <stdio.h>

static void col_name(const void *user, size_t c, char *buf, size_t len)
{
    const zp_lp *lp = user;
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

static void row_name(const void *user, size_t r, char *buf, size_t len)
{
    const zp_lp *lp = user;
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
    char comment[1024];
    int n = snprintf(comment, sizeof comment,
                     "* zeropark dispatch LP (free MPS), minimise; objective constant 0\n"
                     "* %zu steps of %.17g h, %zu storages, %zu flexible loads%s\n"
                     "* unserved penalty %.17g per kWh, reserve penalty %.17g per kWh and step, "
                     "epsilon %.17g\n"
                     "* names: docs/methodology.md, \"Optimal dispatch (LP)\"\n",
                     lp->steps, lp->dt, lp->nst, lp->nfl, lp->reserve ? ", reserve" : "",
                     lp->penalty, lp->reserve_penalty, lp->epsilon);
    if (lp->dem && n > 0 && (size_t)n < sizeof comment)
        snprintf(comment + n, sizeof comment - (size_t)n,
                 "* demand charge: %zu months, columns peak_m (>= the month's peak so far, the "
                 "whole peak charged), rows pk_t: peak_m - imp_t >= 0\n", lp->nm);
    const zp__mps m = {.name = "zeropark", .comment = comment, .ncols = lp->ncols,
                       .nrows = lp->nrows, .start = lp->start, .index = lp->index,
                       .value = lp->value, .obj = lp->obj, .collb = lp->collb,
                       .colub = lp->colub, .rowlb = lp->rowlb, .rowub = lp->rowub,
                       .col_name = col_name, .row_name = row_name, .user = lp};
    return zp__mps_write(lp->ctx, path, &m);
}

/* The names for the planner's MPS export (dispatch/lpmatrix.h). */
void zp__lp_col_name(const zp_lp *lp, size_t c, char *buf, size_t len)
{
    col_name(lp, c, buf, len);
}

void zp__lp_row_name(const zp_lp *lp, size_t r, char *buf, size_t len)
{
    row_name(lp, r, buf, len);
}
