/*
 * svg.c - SVG chart primitives. A chart is a viewBox of W x H units with a
 * plot area (x0, y0, w, h) and a linear y scale [lo, hi]; the CSS scales
 * the whole SVG to its column, so one layout serves a desktop and a tablet.
 */
#include "report/report_impl.h"

#include <math.h>
#include <stdio.h>

double rep__ymap(const chart *c, double v) { return c->y0 + c->h - (v - c->lo) / (c->hi - c->lo) * c->h; }

/* 1, 2 or 5 times a power of ten near x (rounded, or the ceiling). */
static double nice_num(double x, int round)
{
    double e = floor(log10(x)), f = x / pow(10, e), nf;
    if (round)
        nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else
        nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * pow(10, e);
}

/* Nice y range covering [lo, hi] with about nt ticks; returns the step. */
double rep__nice_range(chart *c, double lo, double hi, int nt)
{
    if (!(hi > lo) || !isfinite(hi - lo))
        hi = lo + 1;
    double step = nice_num(nice_num(hi - lo, 0) / (nt - 1), 1);
    c->lo = floor(lo / step) * step;
    c->hi = ceil(hi / step) * step;
    if (c->hi <= c->lo)
        c->hi = c->lo + step;
    return step;
}

/* Rough text width in viewBox units at font size 12: CJK glyphs are about
 * twice as wide as Latin ones. Used to lay out legends. */
double rep__text_w(const char *s)
{
    double w = 0;
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        if (*q < 0x80)
            w += 6.8;
        else if (*q >= 0xE0)
            w += 12.5; /* a 3-byte UTF-8 sequence: CJK */
    }
    return w;
}

/* Lines the legend needs across width w. */
static int legend_lines(const legend_item *it, size_t n, double w)
{
    int lines = 1;
    double x = 0;
    for (size_t i = 0; i < n; i++) {
        double iw = 22 + rep__text_w(it[i].name) + 18;
        if (x > 0 && x + iw > w) {
            lines++;
            x = 0;
        }
        x += iw;
    }
    return lines;
}

/* The stroke pattern of a line of kind k. */
static const char *dash(marker k)
{
    return k == MARK_DASHED   ? " stroke-dasharray=\"6 3\""
           : k == MARK_DOTTED ? " stroke-dasharray=\"2 3\""
                              : "";
}

static void legend(rep *p, const chart *c, const legend_item *it, size_t n, double y)
{
    sbuf *b = &p->b;
    double x = c->x0;
    sb_puts(b, "<g class=\"legend\">");
    for (size_t i = 0; i < n; i++) {
        double iw = 22 + rep__text_w(it[i].name) + 18;
        if (x > c->x0 && x + iw > c->x0 + c->w) {
            x = c->x0;
            y += 18;
        }
        switch (it[i].kind) {
        case MARK_BOX:
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"%s\"/>", x,
                      y - 10, it[i].color);
            break;
        case MARK_DOT:
            sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#fff\"/>",
                      x + 7, y - 4, it[i].color);
            break;
        default:
            sb_printf(b,
                      "<path d=\"M%.1f %.1fh16\" stroke=\"%s\" stroke-width=\"2.5\" fill=\"none\"%s/>",
                      x - 1, y - 4, it[i].color, dash(it[i].kind));
        }
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 20, y);
        sb_esc(b, it[i].name);
        sb_puts(b, "</text>");
        x += iw;
    }
    sb_puts(b, "</g>");
}

/* Open a chart: a figure "fig-ID" (class "wide" across the page when
 * wide), the SVG "chart-ID" with a title and description for screen
 * readers and the legend on top; sets the plot area under it. */
void rep__chart_open(rep *p, chart *c, const char *name, int wide, double W, double H, int title,
                     int desc, const legend_item *leg, size_t nleg)
{
    sbuf *b = &p->b;
    char id[48];
    snprintf(id, sizeof id, "chart-%s", name);
    sb_printf(b, "<figure id=\"fig-%s\"%s>", name, wide ? " class=\"wide\"" : "");
    c->W = W;
    c->H = H;
    c->x0 = 72;
    c->w = W - c->x0 - 20;
    int lines = legend_lines(leg, nleg, c->w);
    c->y0 = 16 + 18.0 * lines;
    c->h = H - c->y0 - 48;
    sb_printf(b,
              "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
              "aria-labelledby=\"%s-t %s-d\" xmlns=\"http://www.w3.org/2000/svg\">"
              "<title id=\"%s-t\">",
              id, W, H, id, id, id);
    sb_esc(b, tr(p, title));
    sb_printf(b, "</title><desc id=\"%s-d\">", id);
    sb_esc(b, tr(p, desc));
    sb_puts(b, "</desc>");
    legend(p, c, leg, nleg, 16 + 12);
}

/* Close a chart: the x axis' title, the SVG, and the figure's caption (the
 * chart's title, and note after a dash unless it is -1). */
void rep__chart_close(rep *p, const chart *c, int xtitle, int title, int note)
{
    sbuf *b = &p->b;
    sb_printf(b, "<text class=\"atitle\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
              c->x0 + c->w / 2, c->H - 6);
    sb_esc(b, tr(p, xtitle));
    sb_puts(b, "</text></svg><figcaption>");
    sb_esc(b, tr(p, title));
    if (note >= 0) {
        sb_puts(b, " — ");
        sb_esc(b, tr(p, note));
    }
    sb_puts(b, "</figcaption></figure>\n");
}

/* The y axis' title, turned along the axis. */
void rep__axis_y_title(rep *p, const chart *c, int title)
{
    sb_printf(&p->b,
              "<text class=\"atitle\" transform=\"translate(14 %.1f) rotate(-90)\" "
              "text-anchor=\"middle\">",
              c->y0 + c->h / 2);
    sb_esc(&p->b, tr(p, title));
    sb_puts(&p->b, "</text>");
}

/* Horizontal grid lines and labels for the y axis, and its title. */
void rep__axis_y(rep *p, const chart *c, double step, int title)
{
    sbuf *b = &p->b;
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    sb_puts(b, "<g class=\"axis\">");
    for (double v = c->lo; v <= c->hi + step * 1e-6; v += step) {
        double y = rep__ymap(c, v);
        sb_printf(b, "<path class=\"grid\" d=\"M%.1f %.1fH%.1f\"/>", c->x0, y, c->x0 + c->w);
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", c->x0 - 6, y + 4);
        sb_num(b, v, dec);
        sb_puts(b, "</text>");
    }
    rep__axis_y_title(p, c, title);
    sb_printf(b, "<path class=\"base\" d=\"M%.1f %.1fH%.1f\"/></g>", c->x0, c->y0 + c->h, c->x0 + c->w);
}

/* Month ticks on a time axis [t0, t1): a tick at each local month start,
 * labelled when there is room. xat maps a local day to x. */
void rep__axis_x_months(rep *p, const chart *c, int64_t d0, int64_t d1, double day_w)
{
    sbuf *b = &p->b;
    size_t nmon = 0;
    for (int64_t d = d0; d <= d1; d++) {
        int64_t y;
        unsigned mo, dd;
        zp_civil_from_days(d, &y, &mo, &dd);
        nmon += dd == 1 || d == d0;
    }
    size_t every = nmon > 13 ? (nmon + 11) / 12 : 1, k = 0;
    sb_puts(b, "<g class=\"axis\">");
    for (int64_t d = d0; d <= d1; d++) {
        int64_t y;
        unsigned mo, dd;
        zp_civil_from_days(d, &y, &mo, &dd);
        if (dd != 1 && d != d0)
            continue;
        double x = c->x0 + (double)(d - d0) * day_w;
        if (dd == 1)
            sb_printf(b, "<path class=\"tick\" d=\"M%.1f %.1fv5\"/>", x, c->y0 + c->h);
        if (k++ % every == 0 && (dd <= 8) && x < c->x0 + c->w - 10) {
            char lab[32];
            /* The year only where one begins inside the axis: the page
             * header names the period, and a first label with a year
             * would run into the next month's. */
            rep__month_label(p, lab, sizeof lab, d, mo == 1 && d != d0);
            sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 2, c->y0 + c->h + 17);
            sb_esc(b, lab);
            sb_puts(b, "</text>");
        }
    }
    sb_puts(b, "</g>");
}

/* A hover title "category · series: value unit". */
void rep__tip(rep *p, const char *cat, const char *series, double v, int dec, const char *unit)
{
    sbuf *b = &p->b;
    sb_puts(b, "<title>");
    sb_esc(b, cat);
    sb_puts(b, " · ");
    sb_esc(b, series);
    sb_puts(b, ": ");
    sb_num(b, v, dec);
    sb_printf(b, " %s</title>", unit);
}

/* Stacked bars: v[s * ncat + i] >= 0 for series s, category i. Each
 * segment has a hover title "category · series: value unit". */
void rep__stacked_bars(rep *p, const chart *c, size_t ncat, size_t nser, const double *v,
                       const legend_item *ser, char (*cat)[32], const char *unit, int dec)
{
    sbuf *b = &p->b;
    double cw = c->w / (double)ncat, bw = cw * 0.68;
    size_t every = ncat > 14 ? (ncat + 11) / 12 : 1;
    sb_puts(b, "<g class=\"bars\">");
    for (size_t i = 0; i < ncat; i++) {
        double acc = 0, x = c->x0 + cw * (double)i + (cw - bw) / 2;
        for (size_t s = 0; s < nser; s++) {
            double val = v[s * ncat + i];
            if (!(val > 0))
                continue;
            double ya = rep__ymap(c, acc + val), yb = rep__ymap(c, acc);
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\">", x,
                      ya, bw, yb - ya, ser[s].color);
            rep__tip(p, cat[i], ser[s].name, val, dec, unit);
            sb_puts(b, "</rect>");
            acc += val;
        }
        if (i % every == 0) {
            sb_printf(b, "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      x + bw / 2, c->y0 + c->h + 17);
            sb_esc(b, cat[i]);
            sb_puts(b, "</text>");
        }
    }
    sb_puts(b, "</g>");
}

/* A polyline through (x[i], y[i]); NaN y breaks the line. */
void rep__line(rep *p, const chart *c, size_t n, const double *x, const double *y,
               const char *color, marker kind, const char *title)
{
    sbuf *b = &p->b;
    sb_printf(b, "<path class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s d=\"", color,
              kind == MARK_LINE ? "2" : "2.5", dash(kind));
    int pen = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(y[i])) {
            pen = 0;
            continue;
        }
        sb_printf(b, "%c%.1f %.1f", pen ? 'L' : 'M', x[i], rep__ymap(c, y[i]));
        pen = 1;
    }
    sb_puts(b, "\">");
    if (title) {
        sb_puts(b, "<title>");
        sb_esc(b, title);
        sb_puts(b, "</title>");
    }
    sb_puts(b, "</path>");
}
