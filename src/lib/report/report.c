/*
 * report.c - the public entry points of the report (zeropark/report.h):
 * the park's year as one self-contained HTML page (SVG charts drawn by the
 * library, no JavaScript, no external fonts or images; tables; the method
 * with its factor sources) and the monthly table as CSV.
 *
 * Data flow: the accounting result (carbon.h), the caller's or one made
 * by the accounting engine from the run (view.c), so every chart and table
 * reads one set of figures. Text is built in a capped, growing buffer with
 * a sticky error, checked once at the end (SQLite's mallocFailed idea):
 * the writers stay free of error plumbing (sbuf.c).
 *
 * Every string that comes from a model, a factor file or an accounting
 * note is HTML-escaped; the page's own strings live in one table
 * (strings.c), in English and Chinese. report_impl.h lists the files.
 */
#include "report/report_impl.h"

#include <string.h>

/* ---- public -------------------------------------------------------------------- */

void zp_report_opts_init(zp_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lang = ZP_REPORT_EN;
}

zp_status zp_report_lang_parse(const char *text, zp_report_lang *out)
{
    if (!text || !out)
        return ZP_EINVAL;
    if (strcmp(text, "en") == 0 || strcmp(text, "en-US") == 0 || strcmp(text, "en-GB") == 0) {
        *out = ZP_REPORT_EN;
        return ZP_OK;
    }
    if (strcmp(text, "zh") == 0 || strcmp(text, "zh-CN") == 0 || strcmp(text, "cn") == 0) {
        *out = ZP_REPORT_ZH;
        return ZP_OK;
    }
    return ZP_EINVAL;
}

void zp_report_free(zp_ctx *ctx, char *text) { zp__free(ctx, text); }

/* Hand the buffer to the caller, or report its sticky error. */
static zp_status rep_finish(rep *p, char **text, size_t *len)
{
    if (!p->b.err && !p->b.p)
        sb_addn(&p->b, "", 0);
    if (p->b.err)
        return p->b.err;
    *text = p->b.p;
    if (len)
        *len = p->b.len;
    p->b.p = NULL;
    return ZP_OK;
}

/* One report text (html: the page, else the monthly CSV) into *text. */
static zp_status report_text(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                             const struct zp_acct_result *acct, const zp_report_opts *opts,
                             int html, char **text, size_t *len)
{
    if (!ctx || !text)
        return ZP_EINVAL;
    *text = NULL;
    zp_report_opts defaults;
    zp_report_opts_init(&defaults);
    if (!opts)
        opts = &defaults;
    rep p;
    zp_status rc = rep__init(&p, ctx, m, r, acct, opts, html);
    if (!rc) {
        if (html)
            rep__page(&p, opts);
        else
            rep__csv(&p);
        rc = rep_finish(&p, text, len);
    }
    rep__free(&p);
    return rc;
}

zp_status zp_report_html(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                         const struct zp_acct_result *acct, const zp_report_opts *opts, char **html,
                         size_t *len)
{
    return report_text(ctx, m, r, acct, opts, 1, html, len);
}

zp_status zp_report_csv(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                        const struct zp_acct_result *acct, const zp_report_opts *opts, char **csv,
                        size_t *len)
{
    return report_text(ctx, m, r, acct, opts, 0, csv, len);
}
