/*
 * charts.c - the report's charts: monthly emissions by scope, monthly
 * energy by source, the hourly carbon-free heat map, the carbon budget
 * burn-down and daily PUE.
 */
#include "report/report_impl.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Colour-blind-safe series colours (Okabe-Ito), each with at least 3:1
 * contrast against the white page. */
#define COL_SCOPE1 "#D55E00"  /* vermillion */
#define COL_SCOPE2 "#0072B2"  /* blue */
#define COL_MARKET "#1A1A1A"  /* near black */
#define COL_PV "#E69F00"      /* orange */
#define COL_WIND "#56B4E9"    /* sky blue */
#define COL_STORAGE "#009E73" /* bluish green */
#define COL_GRID "#6E6E6E"    /* grey: not carbon-free */
#define COL_NODATA "#E4E4E4"

/* Viridis at 0, 0.1, ..., 1: ordered by lightness, readable with every
 * common colour-vision deficiency and in greyscale. */
static const char *const viridis[11] = {"#440154", "#482475", "#414487", "#355F8D",
                                        "#2A788E", "#21918C", "#22A884", "#44BF70",
                                        "#7AD151", "#BDDF26", "#FDE725"};

/* Heat map cell colour: viridis by tenths of the share. */
static const char *heat_color(double s) { return isnan(s) ? COL_NODATA : viridis[(int)lround(s * 10)]; }

static void month_cats(rep *p, char (*cat)[32])
{
    for (size_t i = 0; i < p->nmonths; i++)
        rep__month_label(p, cat[i], 32, local_day(p->months[i].start, p->off), p->nmonths > 12);
}

/* A series of a monthly chart: a field of zp_acct_totals. */
typedef struct month_series {
    int label;         /* word of the page */
    const char *color;
    size_t field;      /* offsetof(zp_acct_totals, a double) */
    int keep;          /* drawn (and in the legend) even when zero all the run */
} month_series;

/* A chart of the months: stacked bars of up to four series, bottom up,
 * and optionally a dot a month above them. */
typedef struct month_chart {
    const char *name;       /* figure "fig-NAME", chart "chart-NAME" */
    int title, desc, axis;  /* words of the page */
    const char *unit;       /* of the values shown */
    double per;             /* value shown = field / per */
    month_series bars[4];
    size_t nbars;
    month_series dot;       /* label -1: no dots */
} month_chart;

static double month_value(const rep *p, size_t i, const month_series *s, double per)
{
    const char *x = (const char *)&p->months[i];
    return *(const double *)(const void *)(x + s->field) / per;
}

static void chart_months(rep *p, const month_chart *mc)
{
    sbuf *b = &p->b;
    const size_t n = p->nmonths, nb = mc->nbars;
    const int dot = mc->dot.label >= 0;
    legend_item leg[ZP_ARRAY_LEN(mc->bars) + 1];
    double *v = zp__calloc(p->ctx, nb * n, sizeof *v);
    char(*cat)[32] = zp__calloc(p->ctx, n, sizeof *cat);
    if (!v || !cat) {
        sb_fail(b, ZP_ENOMEM);
        goto out;
    }
    month_cats(p, cat);
    double top = 0;
    for (size_t i = 0; i < n; i++) {
        double stack = 0;
        for (size_t s = 0; s < nb; s++)
            stack += v[s * n + i] = month_value(p, i, &mc->bars[s], mc->per);
        top = fmax(top, dot ? fmax(stack, month_value(p, i, &mc->dot, mc->per)) : stack);
    }
    /* A park without wind (or storage) gets no legend entry for it. */
    size_t ns = 0;
    for (size_t s = 0; s < nb; s++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += v[s * n + i];
        if (sum <= 0 && !mc->bars[s].keep)
            continue;
        if (ns != s)
            memmove(v + ns * n, v + s * n, n * sizeof *v);
        leg[ns++] = (legend_item){tr(p, mc->bars[s].label), mc->bars[s].color, MARK_BOX};
    }
    if (dot)
        leg[ns] = (legend_item){tr(p, mc->dot.label), mc->dot.color, MARK_DOT};
    chart c;
    rep__chart_open(p, &c, mc->name, 0, 640, 340, mc->title, mc->desc, leg, ns + (size_t)dot);
    double step = rep__nice_range(&c, 0, top * 1.05, 6);
    rep__axis_y(p, &c, step, mc->axis);
    rep__stacked_bars(p, &c, n, ns, v, leg, cat, mc->unit, 1);
    if (dot) {
        double cw = c.w / (double)n;
        sb_puts(b, "<g class=\"dots\">");
        for (size_t i = 0; i < n; i++) {
            double y = month_value(p, i, &mc->dot, mc->per);
            sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#fff\">",
                      c.x0 + cw * ((double)i + 0.5), rep__ymap(&c, y), mc->dot.color);
            rep__tip(p, cat[i], leg[ns].name, y, 1, mc->unit);
            sb_puts(b, "</circle>");
        }
        sb_puts(b, "</g>");
    }
    rep__chart_close(p, &c, S_AX_MONTH, mc->title, -1);
out:
    zp__free(p->ctx, v);
    zp__free(p->ctx, cat);
}

#define FIELD(f) offsetof(zp_acct_totals, f)

/* Scope 1 and Scope 2 location-based a month, the market-based total as a dot. */
static void chart_emissions(rep *p)
{
    static const month_chart mc = {
        "emissions", S_C_EMIS, S_C_EMIS_D, S_AX_EMIS, "t CO₂e", 1,
        {{S_SCOPE1, COL_SCOPE1, FIELD(scope1_t), 1},
         {S_SCOPE2_LOC, COL_SCOPE2, FIELD(scope2_location_t), 1}},
        2,
        {S_TOTAL_MKT, COL_MARKET, FIELD(total_market_t), 1}};
    chart_months(p, &mc);
}

/* Energy supply a month by source. */
static void chart_sources(rep *p)
{
    static const month_chart mc = {
        "sources", S_C_SRC, S_C_SRC_D, S_AX_ENERGY, "MWh", 1000,
        {{S_PV, COL_PV, FIELD(pv_kwh), 0},
         {S_WIND, COL_WIND, FIELD(wind_kwh), 0},
         {S_STORAGE, COL_STORAGE, FIELD(storage_discharge_kwh), 0},
         {S_GRID, COL_GRID, FIELD(grid_import_kwh), 1}},
        4,
        {-1, NULL, 0, 0}};
    chart_months(p, &mc);
}

static void chart_heat(rep *p)
{
    sbuf *b = &p->b;
    legend_item leg[1] = {{tr(p, S_NO_CONS), COL_NODATA, MARK_BOX}};
    chart c;
    rep__chart_open(p, &c, "heatmap", 1, 960, 400, S_C_HEAT, S_C_HEAT_D, leg, 1);
    /* Colour scale to the right of the "no consumption" key. */
    double sx = c.x0 + 40 + rep__text_w(tr(p, S_NO_CONS)) + 40;
    sb_puts(b, "<g class=\"scale\">");
    sb_printf(b, "<text x=\"%.1f\" y=\"28\">", sx);
    sb_esc(b, tr(p, S_SHARE));
    sb_puts(b, "</text>");
    sx += rep__text_w(tr(p, S_SHARE)) + 10;
    for (int i = 0; i <= 10; i++) {
        sb_printf(b, "<rect x=\"%.1f\" y=\"18\" width=\"24\" height=\"12\" fill=\"%s\"><title>%d%%</title></rect>",
                  sx + 24 * i, viridis[i], i * 10);
        if (i % 5 == 0)
            sb_printf(b, "<text x=\"%.1f\" y=\"44\" text-anchor=\"middle\">%d%%</text>", sx + 24 * i + 12,
                      i * 10);
    }
    sb_puts(b, "</g>");
    c.y0 = 52;
    c.h = c.H - c.y0 - 48;
    double cw = c.w / (double)p->heat_cols, rh = c.h / 24;
    /* Hour labels every 3 h; 0 h at the top as in a timetable. */
    sb_puts(b, "<g class=\"axis\">");
    for (int h = 0; h <= 24; h += 3) {
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%02d:00</text>", c.x0 - 6,
                  c.y0 + rh * h + 4, h);
    }
    rep__axis_y_title(p, &c, S_AX_HOUR);
    sb_puts(b, "</g>");
    sb_puts(b, "<g class=\"cells\" shape-rendering=\"crispEdges\">");
    for (size_t col = 0; col < p->heat_cols; col++) {
        char day[16];
        rep__date_label(day, sizeof day, p->heat_day0 + (int64_t)(col * p->heat_k));
        for (int h = 0; h < 24; h++) {
            double s = p->heat[col * 24 + (size_t)h];
            /* Cells overlap by a hair so no seams show between them. */
            sb_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"><title>%s %02d:00 ",
                      c.x0 + cw * (double)col, c.y0 + rh * h, cw + 0.3, rh + 0.3, heat_color(s), day, h);
            if (isnan(s))
                sb_esc(b, tr(p, S_NO_CONS));
            else
                sb_printf(b, "%.0f%%", s * 100);
            sb_puts(b, "</title></rect>");
        }
    }
    sb_puts(b, "</g>");
    int64_t dlast = p->heat_day0 + (int64_t)(p->heat_cols * p->heat_k) - 1;
    rep__axis_x_months(p, &c, p->heat_day0, dlast, cw / (double)p->heat_k);
    rep__chart_close(p, &c, S_AX_DATE, S_C_HEAT, -1);
}

static void chart_burndown(rep *p)
{
    sbuf *b = &p->b;
    int has_budget = !isnan(p->budget_t);
    zp_time_t t0 = p->by_start, t1 = p->by_end;
    if (!(t1 > t0) || p->ndays == 0) {
        t0 = p->total.start;
        t1 = p->total.end;
    }
    int64_t d0 = local_day(t0, p->off), d1 = local_day(t1 - 1, p->off);
    const zp_acct_totals *last = p->ndays ? &p->days[p->ndays - 1] : NULL;
    int has_proj = last && last->end < t1 && !isnan(p->projected_t);
    legend_item leg[5];
    size_t nl = 0;
    leg[nl++] = (legend_item){tr(p, S_CUMUL), COL_SCOPE2, MARK_LINE};
    if (has_proj)
        leg[nl++] = (legend_item){tr(p, S_PROJ), COL_SCOPE2, MARK_DASHED};
    if (has_budget) {
        leg[nl++] = (legend_item){tr(p, S_BUDGET), COL_SCOPE1, MARK_LINE};
        leg[nl++] = (legend_item){tr(p, S_PACE), COL_GRID, MARK_DOTTED};
    }
    double top = last ? last->cumulative_market_t : 0;
    if (has_budget)
        top = fmax(top, p->budget_t);
    if (has_proj)
        top = fmax(top, p->projected_t);
    chart c;
    rep__chart_open(p, &c, "burndown", 0, 640, 340, S_C_BURN, S_C_BURN_D, leg, nl);
    double step = rep__nice_range(&c, 0, top * 1.05, 6);
    rep__axis_y(p, &c, step, S_AX_CUMUL);
    double span = (double)(t1 - t0);
#define XT(t) (c.x0 + (double)((t) - t0) / span * c.w)
    rep__axis_x_months(p, &c, d0, d1, c.w / ((double)(d1 - d0 + 1)));
    char tip[160], num[64];
    if (has_budget) {
        double x[2] = {XT(t0), XT(t1)}, yb[2] = {p->budget_t, p->budget_t}, yp[2] = {0, p->budget_t};
        snprintf(tip, sizeof tip, "%s: %s t CO₂e", tr(p, S_PACE), sb_fmt_num(num, p->budget_t, 0));
        rep__line(p, &c, 2, x, yp, COL_GRID, MARK_DOTTED, tip);
        snprintf(tip, sizeof tip, "%s: %s t CO₂e", tr(p, S_BUDGET), sb_fmt_num(num, p->budget_t, 0));
        rep__line(p, &c, 2, x, yb, COL_SCOPE1, MARK_LINE, tip);
    }
    if (p->ndays) {
        double *x = zp__calloc(p->ctx, p->ndays + 1, sizeof *x);
        double *y = zp__calloc(p->ctx, p->ndays + 1, sizeof *y);
        if (!x || !y) {
            sb_fail(b, ZP_ENOMEM);
        } else {
            x[0] = XT(p->days[0].start);
            y[0] = 0;
            for (size_t i = 0; i < p->ndays; i++) {
                x[i + 1] = XT(p->days[i].end);
                y[i + 1] = p->days[i].cumulative_market_t;
            }
            snprintf(tip, sizeof tip, "%s: %s t CO₂e", tr(p, S_CUMUL),
                     sb_fmt_num(num, last->cumulative_market_t, 1));
            rep__line(p, &c, p->ndays + 1, x, y, COL_SCOPE2, MARK_LINE, tip);
        }
        zp__free(p->ctx, x);
        zp__free(p->ctx, y);
        /* Invisible day targets carry the hover text of each day. */
        sb_puts(b, "<g class=\"hover\">");
        double dw = c.w / ((double)(d1 - d0 + 1));
        for (size_t i = 0; i < p->ndays; i++) {
            char day[16];
            rep__date_label(day, sizeof day, local_day(p->days[i].start, p->off));
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"><title>%s: ",
                      XT(p->days[i].start), c.y0, dw, c.h, day);
            sb_num(b, p->days[i].cumulative_market_t, 1);
            sb_puts(b, " t CO₂e</title></rect>");
        }
        sb_puts(b, "</g>");
    }
    if (has_proj) {
        double x[2] = {XT(last->end), XT(t1)}, y[2] = {last->cumulative_market_t, p->projected_t};
        snprintf(tip, sizeof tip, "%s: %s t CO₂e", tr(p, S_PROJ), sb_fmt_num(num, p->projected_t, 1));
        rep__line(p, &c, 2, x, y, COL_SCOPE2, MARK_DASHED, tip);
    }
    if (has_budget && p->crossing > t0 && p->crossing <= t1) {
        char day[16];
        rep__date_label(day, sizeof day, local_day(p->crossing, p->off));
        sb_printf(b,
                  "<g class=\"crossing\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" "
                  "stroke=\"%s\" stroke-width=\"2\"><title>",
                  XT(p->crossing), rep__ymap(&c, p->budget_t), COL_SCOPE1);
        sb_esc(b, tr(p, S_CROSSING));
        sb_printf(b, ": %s</title></circle></g>", day);
    }
#undef XT
    rep__chart_close(p, &c, S_AX_DATE, S_C_BURN, has_budget ? -1 : S_NO_BUDGET_NOTE);
}

static void chart_pue(rep *p)
{
    sbuf *b = &p->b;
    double target = p->m->targets.max_pue;
    legend_item leg[2] = {{tr(p, S_DAILY_PUE), COL_STORAGE, MARK_LINE},
                          {tr(p, S_PUE_TARGET), COL_SCOPE1, MARK_DASHED}};
    size_t nl = isnan(target) ? 1 : 2;
    double *x = zp__calloc(p->ctx, p->ndays, sizeof *x);
    double *y = zp__calloc(p->ctx, p->ndays, sizeof *y);
    if (!x || !y) {
        sb_fail(b, ZP_ENOMEM);
        goto out;
    }
    double lo = 1.0, hi = 1.0;
    for (size_t i = 0; i < p->ndays; i++) {
        y[i] = p->days[i].pue;
        if (!isnan(y[i])) {
            lo = fmin(lo, y[i]);
            hi = fmax(hi, y[i]);
        }
    }
    if (!isnan(target))
        hi = fmax(hi, target);
    chart c;
    rep__chart_open(p, &c, "pue", 0, 640, 340, S_C_PUE, S_C_PUE_D, leg, nl);
    double step = rep__nice_range(&c, lo, hi + (hi - lo) * 0.1 + 0.02, 6);
    rep__axis_y(p, &c, step, S_AX_PUE);
    int64_t d0 = local_day(p->days[0].start, p->off), d1 = local_day(p->days[p->ndays - 1].start, p->off);
    double dw = c.w / (double)(d1 - d0 + 1);
    rep__axis_x_months(p, &c, d0, d1, dw);
    for (size_t i = 0; i < p->ndays; i++)
        x[i] = c.x0 + dw * ((double)(local_day(p->days[i].start, p->off) - d0) + 0.5);
    char tip[160], num[64];
    snprintf(tip, sizeof tip, "PUE: %s", sb_fmt_num(num, p->pue, 3));
    rep__line(p, &c, p->ndays, x, y, COL_STORAGE, MARK_LINE, tip);
    /* The target goes on top: dashed, so a PUE that sits on it shows both. */
    if (!isnan(target)) {
        double tx[2] = {c.x0, c.x0 + c.w}, ty[2] = {target, target};
        snprintf(tip, sizeof tip, "%s: %s", tr(p, S_PUE_TARGET), sb_fmt_num(num, target, 3));
        rep__line(p, &c, 2, tx, ty, COL_SCOPE1, MARK_DASHED, tip);
    }
    sb_puts(b, "<g class=\"hover\">");
    for (size_t i = 0; i < p->ndays; i++) {
        if (isnan(y[i]))
            continue;
        char day[16];
        rep__date_label(day, sizeof day, local_day(p->days[i].start, p->off));
        sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"><title>%s: PUE %.3f</title></rect>",
                  x[i] - dw / 2, c.y0, dw, c.h, day, y[i]);
    }
    sb_puts(b, "</g>");
    rep__chart_close(p, &c, S_AX_DATE, S_C_PUE, -1);
out:
    zp__free(p->ctx, x);
    zp__free(p->ctx, y);
}

/* The charts section: the five charts, or instead of the PUE chart a note
 * that the park has no data center. */
void rep__charts(rep *p)
{
    sbuf *b = &p->b;
    sb_puts(b, "<section class=\"charts\" id=\"charts\">\n");
    chart_emissions(p);
    chart_sources(p);
    chart_heat(p);
    chart_burndown(p);
    if (p->ndays && !isnan(p->pue)) {
        chart_pue(p);
    } else {
        sb_puts(b, "<p class=\"note\" id=\"no-pue\">");
        sb_esc(b, tr(p, S_NO_DC));
        sb_puts(b, "</p>\n");
    }
    sb_puts(b, "</section>\n");
}
