/*
 * curve.c - the abatement curve of `plan --curve` as one self-contained
 * HTML page in the report's style (zp_report_curve_html, docs/planning.md
 * "Curve"): key figures, three charts drawn with the report's SVG helpers
 * (svg.c) and the table of the plans.
 */
#include "report/report_impl.h"
#include "zeropark/plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const parts_color[] = {"#355F8D", "#7FB3D5", "#E69F00", "#2A9D8F", "#8E6C8A",
                                          "#B23A48"};

static int ok(const zp_planning_curve_point *p) { return p->status == ZP_PLANNING_OPTIMAL; }

/* The category label of a point: its target value, or "unconstrained". */
static void label(rep *p, const zp_planning_curve_point *q, char out[32])
{
    if (isnan(q->target))
        snprintf(out, 32, "%s", tr(p, S_CV_BASE));
    else
        sb_fmt_num(out, q->target, fabs(q->target) >= 100 ? 0 : fabs(q->target) >= 1 ? 2 : 3);
}

/* Labels under evenly spaced categories (rep__stacked_bars' layout). */
static void x_labels(rep *p, const chart *c, size_t n, char (*cat)[32])
{
    double cw = c->w / (double)n;
    size_t every = n > 14 ? (n + 11) / 12 : 1;
    sb_puts(&p->b, "<g class=\"axis\">");
    for (size_t i = 0; i < n; i += every) {
        sb_printf(&p->b, "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                  c->x0 + cw * ((double)i + 0.5), c->y0 + c->h + 17);
        sb_esc(&p->b, cat[i]);
        sb_puts(&p->b, "</text>");
    }
    sb_puts(&p->b, "</g>");
}

static void cost_chart(rep *p, const zp_planning_curve *cv, size_t n,
                       const zp_planning_curve_point *const *pts, char (*cat)[32], double *v)
{
    const legend_item ser[] = {{tr(p, S_CV_CAPITAL), parts_color[0], MARK_BOX},
                               {tr(p, S_CV_OM), parts_color[1], MARK_BOX},
                               {tr(p, S_CV_OPERATION), parts_color[2], MARK_BOX},
                               {tr(p, S_CV_CERTS), parts_color[3], MARK_BOX},
                               {tr(p, S_CV_CREDITS), parts_color[4], MARK_BOX},
                               {tr(p, S_CV_CARBON), parts_color[5], MARK_BOX}};
    const size_t ns = ZP_ARRAY_LEN(ser);
    double hi = 0;
    for (size_t i = 0; i < n; i++) {
        const zp_planning_annual *a = &pts[i]->annual_cny;
        const double part[] = {a->capital / 1e3, a->om / 1e3, a->operation / 1e3,
                               a->certificates / 1e3, a->credits / 1e3, a->carbon_price / 1e3};
        double sum = 0;
        for (size_t s = 0; s < ns; s++) {
            v[s * n + i] = ok(pts[i]) && part[s] > 0 ? part[s] : 0;
            sum += v[s * n + i];
        }
        hi = fmax(hi, sum);
    }
    chart c;
    rep__chart_open(p, &c, "cost", 1, 1000, 340, S_CV_C_COST, S_CV_C_COST_D, ser, ns);
    double step = rep__nice_range(&c, 0, hi > 0 ? hi : 1, 6);
    rep__axis_y(p, &c, step, S_CV_AX_COST);
    rep__stacked_bars(p, &c, n, ns, v, ser, cat, "k CNY", 1);
    (void)cv;
    rep__chart_close(p, &c, S_CV_AX_TARGET, S_CV_C_COST, -1);
}

/* The average cost of tightening from the unconstrained plan, in the
 * shadow price's unit: (total - unconstrained total) / how much tighter
 * the target's quantity is (for max_emissions_t, a tonne a year). */
static double avg_unit(const zp_planning_curve *cv, const zp_planning_curve_point *q)
{
    const zp_planning_curve_point *b = &cv->base;
    if (!ok(q) || !ok(b))
        return NAN;
    double d = cv->tighter_is_lower ? b->value - q->value : q->value - b->value;
    if (strcmp(cv->target, "max_emissions_t") == 0)
        d /= cv->year_share;
    return d > 1e-9 * fmax(1.0, fabs(b->value)) ? (q->annual_cny.total - b->annual_cny.total) / d
                                                 : NAN;
}

static void mac_chart(rep *p, const zp_planning_curve *cv, char (*cat)[32], double *x, double *y)
{
    const size_t n = cv->npoints;
    const legend_item ser[] = {{tr(p, S_CV_SHADOW), "#B23A48", MARK_LINE},
                               {tr(p, S_CV_FD), "#355F8D", MARK_DASHED},
                               {tr(p, S_CV_AVG), "#E69F00", MARK_DOTTED}};
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        const zp_planning_curve_point *q = &cv->points[i];
        const double s[] = {q->shadow_price, q->finite_difference, avg_unit(cv, q)};
        for (size_t k = 0; k < 3; k++)
            if (isfinite(s[k])) {
                lo = fmin(lo, s[k]);
                hi = fmax(hi, s[k]);
            }
    }
    chart c;
    rep__chart_open(p, &c, "mac", 0, 640, 340, S_CV_C_MAC, S_CV_C_MAC_D, ser, 3);
    double step = rep__nice_range(&c, lo, hi > lo ? hi : lo + 1, 6);
    rep__axis_y(p, &c, step, S_CV_AX_MAC);
    double cw = c.w / (double)n;
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < n; i++) {
            const zp_planning_curve_point *q = &cv->points[i];
            const double s[] = {q->shadow_price, q->finite_difference, avg_unit(cv, q)};
            x[i] = c.x0 + cw * ((double)i + 0.5);
            y[i] = isfinite(s[k]) ? s[k] : NAN;
        }
        rep__line(p, &c, n, x, y, ser[k].color, ser[k].kind, ser[k].name);
    }
    x_labels(p, &c, n, cat);
    rep__chart_close(p, &c, S_CV_AX_TARGET, S_CV_C_MAC, -1);
}

static void pareto_chart(rep *p, const zp_planning_curve *cv,
                         const zp_planning_curve_point *const *pts, size_t n, double *x, double *y)
{
    const legend_item ser[] = {{tr(p, S_CV_PLANS), "#355F8D", MARK_DOT},
                               {tr(p, S_CV_FRONT), "#B23A48", MARK_LINE}};
    double xlo = INFINITY, xhi = -INFINITY, hi = 0, lo = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (ok(pts[i])) {
            xlo = fmin(xlo, pts[i]->green_share_pct);
            xhi = fmax(xhi, pts[i]->green_share_pct);
            lo = fmin(lo, pts[i]->annual_cny.total / 1e3);
            hi = fmax(hi, pts[i]->annual_cny.total / 1e3);
        }
    if (!isfinite(xlo))
        xlo = 0, xhi = 100, lo = 0, hi = 1;
    chart c, cx;
    rep__chart_open(p, &c, "pareto", 0, 640, 340, S_CV_C_PARETO, S_CV_C_PARETO_D, ser, 2);
    double step = rep__nice_range(&c, lo, hi > lo ? hi : lo + 1, 6);
    rep__axis_y(p, &c, step, S_CV_AX_COST);
    /* the x scale: the same nice range on a chart turned on its side */
    cx = c;
    double xstep = rep__nice_range(&cx, xlo, xhi > xlo ? xhi : xlo + 1, 6);
#define XMAP(v) (c.x0 + ((v) - cx.lo) / (cx.hi - cx.lo) * c.w)
    sb_puts(&p->b, "<g class=\"axis\">");
    int dec = xstep >= 1 ? 0 : (int)ceil(-log10(xstep) - 1e-9);
    for (double t = cx.lo; t <= cx.hi + xstep * 1e-6; t += xstep) {
        sb_printf(&p->b, "<path class=\"tick\" d=\"M%.1f %.1fv5\"/>", XMAP(t), c.y0 + c.h);
        sb_printf(&p->b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", XMAP(t),
                  c.y0 + c.h + 17);
        sb_num(&p->b, t, dec);
        sb_puts(&p->b, "</text>");
    }
    sb_puts(&p->b, "</g>");
    /* the front: its plans in the order of the green share */
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        if (ok(pts[i]) && pts[i]->pareto) {
            size_t j = nf++;
            while (j > 0 && x[j - 1] > pts[i]->green_share_pct) {
                x[j] = x[j - 1];
                y[j] = y[j - 1];
                j--;
            }
            x[j] = pts[i]->green_share_pct;
            y[j] = pts[i]->annual_cny.total / 1e3;
        }
    for (size_t i = 0; i < nf; i++)
        x[i] = XMAP(x[i]);
    rep__line(p, &c, nf, x, y, ser[1].color, MARK_LINE, ser[1].name);
    sb_puts(&p->b, "<g class=\"dots\">");
    for (size_t i = 0; i < n; i++) {
        if (!ok(pts[i]))
            continue;
        char cat[32];
        label(p, pts[i], cat);
        sb_printf(&p->b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#fff\">",
                  XMAP(pts[i]->green_share_pct), rep__ymap(&c, pts[i]->annual_cny.total / 1e3),
                  ser[0].color);
        rep__tip(p, cat, tr(p, S_CV_H_TOTAL), pts[i]->annual_cny.total / 1e3, 1, "k CNY");
        sb_puts(&p->b, "</circle>");
    }
    sb_puts(&p->b, "</g>");
#undef XMAP
    (void)cv;
    rep__chart_close(p, &c, S_CV_AX_GREEN, S_CV_C_PARETO, -1);
}

static void cell(rep *p, double v, int dec, const char *unit)
{
    sb_puts(&p->b, "<td class=\"n\">");
    if (isfinite(v)) {
        sb_num(&p->b, v, dec);
        if (unit) {
            sb_puts(&p->b, " <span class=\"u\">");
            sb_esc(&p->b, unit);
            sb_puts(&p->b, "</span>");
        }
    } else {
        sb_puts(&p->b, "—");
    }
    sb_puts(&p->b, "</td>");
}

static void table(rep *p, const zp_planning_curve *cv, const zp_planning_curve_point *const *pts,
                  size_t n)
{
    sbuf *b = &p->b;
    sb_puts(b, "<section id=\"plans\"><div class=\"tw\"><table id=\"table-plans\"><caption>");
    sb_esc(b, tr(p, S_CV_T_POINTS));
    sb_puts(b, "</caption><thead><tr>");
    const int head[] = {S_CV_TARGET, S_CV_H_STATUS, S_CV_H_TOTAL, S_CV_H_EMIS, S_CV_H_GREEN,
                        S_CV_H_SHADOW, S_CV_H_AVG, S_CV_H_BUILD};
    for (size_t i = 0; i < ZP_ARRAY_LEN(head); i++) {
        sb_puts(b, "<th scope=\"col\">");
        sb_esc(b, tr(p, head[i]));
        sb_puts(b, "</th>");
    }
    sb_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const zp_planning_curve_point *q = pts[i];
        char cat[32];
        label(p, q, cat);
        sb_puts(b, "<tr><th scope=\"row\">");
        sb_esc(b, cat);
        if (!isnan(q->target)) {
            sb_puts(b, " <span class=\"u\">");
            sb_esc(b, cv->target_unit);
            sb_puts(b, "</span>");
        }
        sb_printf(b, "</th><td><span class=\"st %s\">", ok(q) ? "met" : "missed");
        sb_esc(b, tr(p, ok(q) ? S_CV_OPTIMAL : S_CV_INFEASIBLE));
        sb_puts(b, "</span>");
        if (!ok(q) && isfinite(q->best_reachable)) {
            sb_puts(b, " (");
            sb_esc(b, tr(p, S_CV_BEST));
            sb_puts(b, ": ");
            sb_num(b, q->best_reachable, 4);
            sb_puts(b, ")");
        }
        sb_puts(b, "</td>");
        cell(p, ok(q) ? q->annual_cny.total : NAN, 0, "CNY");
        cell(p, q->emissions_t, 1, "t");
        cell(p, q->green_share_pct, 2, "%");
        cell(p, q->shadow_price, 2, cv->shadow_unit);
        cell(p, q->avg_abatement_cost_cny_per_t, 2, "CNY/t");
        sb_puts(b, "<td>");
        int any = 0;
        for (size_t k = 0; k < q->nbuild; k++) {
            if (!(q->build[k].value > 0))
                continue;
            sb_puts(b, any++ ? "<br>" : "");
            sb_puts(b, "<code translate=\"no\">");
            sb_esc(b, q->build[k].key);
            sb_puts(b, "</code> ");
            sb_num(b, q->build[k].value, 1);
        }
        sb_puts(b, any ? "</td></tr>\n" : "—</td></tr>\n");
    }
    sb_puts(b, "</tbody></table></div><p class=\"note\">");
    sb_esc(b, tr(p, S_CV_NOTE));
    sb_puts(b, "</p></section>\n");
}

static void kpi(rep *p, const char *id, int label_id, double v, int dec, const char *unit)
{
    sbuf *b = &p->b;
    sb_printf(b, "<div class=\"kpi\" id=\"%s\"><div class=\"k\">", id);
    sb_esc(b, tr(p, label_id));
    sb_puts(b, "</div><div class=\"v\">");
    if (isfinite(v))
        sb_num(b, v, dec);
    else
        sb_puts(b, "—");
    sb_puts(b, " ");
    sb_esc(b, unit);
    sb_puts(b, "</div></div>\n");
}

static void page(rep *p, const zp_planning_curve *cv, const char *title)
{
    sbuf *b = &p->b;
    const size_t n = cv->npoints + 1;
    const zp_planning_curve_point **pts = zp__calloc(p->ctx, n, sizeof *pts);
    double *v = zp__calloc(p->ctx, 6 * n + 1, sizeof *v), *x = zp__calloc(p->ctx, n, sizeof *x),
           *y = zp__calloc(p->ctx, n, sizeof *y);
    char (*cat)[32] = zp__calloc(p->ctx, n, sizeof *cat);
    if (!pts || !v || !x || !y || !cat) {
        sb_fail(b, ZP_ENOMEM);
        goto out;
    }
    pts[0] = &cv->base;
    for (size_t i = 0; i < cv->npoints; i++)
        pts[i + 1] = &cv->points[i];
    for (size_t i = 0; i < n; i++)
        label(p, pts[i], cat[i]);
    sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
              tr(p, S_HTML_LANG));
    sb_puts(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'\">\n"
               "<meta name=\"generator\" content=\"zeropark " ZP_VERSION_STRING "\">\n<title>");
    sb_esc(b, title);
    sb_puts(b, " — ");
    sb_esc(b, tr(p, S_CV_TITLE));
    sb_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1 id=\"title\" "
              "translate=\"no\">", rep__css());
    sb_esc(b, title);
    sb_puts(b, "</h1>\n<p class=\"meta\">");
    sb_esc(b, tr(p, S_CV_TITLE));
    sb_puts(b, " · ");
    sb_esc(b, tr(p, S_CV_TARGET));
    sb_puts(b, ": <code id=\"target\" translate=\"no\">");
    sb_esc(b, cv->target);
    sb_printf(b, "</code> (%s) · %zu ", cv->target_unit, cv->npoints);
    sb_esc(b, tr(p, S_CV_POINTS));
    sb_puts(b, "</p>\n<p class=\"meta\">");
    sb_esc(b, tr(p, S_CV_META));
    sb_puts(b, "</p>\n</header>\n<main>\n<section class=\"kpis\" id=\"summary\">\n");
    const zp_planning_curve_point *last = NULL;
    for (size_t i = 0; i < cv->npoints; i++) {
        const zp_planning_curve_point *q = &cv->points[i];
        if (ok(q) && (!last || (cv->tighter_is_lower ? q->target < last->target
                                                     : q->target > last->target)))
            last = q;
    }
    kpi(p, "kpi-base", S_CV_K_BASE, ok(&cv->base) ? cv->base.annual_cny.total : NAN, 0, "CNY");
    kpi(p, "kpi-last", S_CV_K_LAST, last ? last->annual_cny.total : NAN, 0, "CNY");
    kpi(p, "kpi-mac", S_CV_K_MAC, last ? last->shadow_price : NAN, 2, cv->shadow_unit);
    sb_puts(b, "</section>\n<section class=\"charts\" id=\"charts\">\n");
    cost_chart(p, cv, n, pts, cat, v);
    mac_chart(p, cv, cat + 1, x, y);
    pareto_chart(p, cv, pts, n, x, y);
    sb_puts(b, "</section>\n");
    table(p, cv, pts, n);
    sb_puts(b, "</main>\n<footer>");
    sb_esc(b, tr(p, S_FOOTER));
    sb_puts(b, " " ZP_VERSION_STRING "</footer>\n</body>\n</html>\n");
out:
    zp__free(p->ctx, pts);
    zp__free(p->ctx, v);
    zp__free(p->ctx, x);
    zp__free(p->ctx, y);
    zp__free(p->ctx, cat);
}

zp_status zp_report_curve_html(zp_ctx *ctx, const zp_planning_curve *curve,
                               const zp_report_opts *opts, char **html, size_t *len)
{
    if (!ctx || !html)
        return ZP_EINVAL;
    *html = NULL;
    if (!curve)
        return zp__error(ctx, ZP_EINVAL, "zp_report_curve_html: NULL curve");
    zp_report_opts d;
    zp_report_opts_init(&d);
    if (!opts)
        opts = &d;
    rep p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.lang = opts->lang == ZP_REPORT_ZH ? 1 : 0;
    p.b.ctx = ctx;
    p.b.max = opts->max_bytes ? opts->max_bytes : ZP_REPORT_MAX_BYTES;
    page(&p, curve, opts->title ? opts->title : curve->model->name);
    if (!p.b.err && !p.b.p)
        sb_addn(&p.b, "", 0);
    if (p.b.err) {
        zp__free(ctx, p.b.p);
        return p.b.err == ZP_ENOMEM ? zp__nomem(ctx) : p.b.err;
    }
    *html = p.b.p;
    if (len)
        *len = p.b.len;
    return ZP_OK;
}
