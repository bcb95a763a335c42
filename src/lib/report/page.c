/*
 * page.c - the report as one self-contained HTML page (no JavaScript, no
 * external fonts or images): head and inline style, header, key figures,
 * then the charts, tables and method sections in order.
 */
#include "report/report_impl.h"

#include <math.h>
#include <stdlib.h>

static const char css[] =
    ":root{color-scheme:light}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:#fff;color:#1a1a1a;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\","
    "Roboto,\"Noto Sans\",\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "\"WenQuanYi Micro Hei\",sans-serif}"
    "header,main,footer{max-width:1240px;margin:0 auto;padding:0 20px}"
    "header{padding-top:20px}"
    "h1{font-size:1.7rem;margin:.2em 0}h2{font-size:1.3rem;margin:1.6em 0 .6em;"
    "border-bottom:2px solid #d0d7de;padding-bottom:.2em}h3{font-size:1.05rem}"
    ".meta{color:#444;margin:.2em 0}"
    ".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin:16px 0}"
    ".kpi{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;background:#f6f8fa}"
    ".kpi .k{font-size:.85rem;color:#444}.kpi .v{font-size:1.5rem;font-weight:600}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:20px}"
    "figure{margin:0;border:1px solid #d0d7de;border-radius:8px;padding:8px;background:#fff;min-width:0}"
    "figure.wide{grid-column:1/-1}"
    "figcaption{font-weight:600;font-size:.95rem;padding:4px 6px}"
    "svg.chart{display:block;width:100%;height:auto}"
    "svg text{font-size:12px;fill:#1a1a1a}"
    "svg .atitle{font-size:13px;font-weight:600}"
    "svg .grid{stroke:#d8dde3;stroke-width:1}svg .base,svg .tick{stroke:#555;stroke-width:1}"
    "svg .bars rect{stroke:#fff;stroke-width:.6}"
    "svg .hover rect{fill:transparent}svg .hover rect:hover{fill:rgba(0,0,0,.06)}"
    "svg .cells rect:hover{stroke:#000;stroke-width:1}"
    ".tables{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:20px}"
    ".tw{overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;font-size:.95rem}"
    "caption{text-align:left;font-weight:600;padding:6px 0}"
    "th,td{border-bottom:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}"
    "thead th{background:#f6f8fa}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "tr.sum th,tr.sum td{font-weight:600}"
    "#table-monthly tbody th{white-space:nowrap}"
    ".u{font-weight:400;color:#444;white-space:nowrap}"
    ".st{display:inline-block;border-radius:4px;padding:0 8px;font-weight:600;white-space:nowrap}"
    ".st.met{background:#dff3e8;color:#0b5130}.st.risk{background:#fff1cc;color:#6b4500}"
    ".st.missed{background:#fde0dc;color:#8a1c0d}"
    ".note{color:#444;font-size:.9rem}"
    "#method li{margin:.3em 0}"
    "footer{color:#555;font-size:.85rem;padding-top:20px;padding-bottom:30px}"
    "@media (max-width:700px){body{font-size:15px}.kpi .v{font-size:1.25rem}}"
    "@media print{figure{break-inside:avoid}}";

const char *rep__css(void) { return css; }

/* A key figure: label and value with its unit (NULL or "": none). */
static void kpi(rep *p, const char *id, int label, double v, int dec, const char *unit)
{
    sbuf *b = &p->b;
    sb_printf(b, "<div class=\"kpi\" id=\"%s\"><div class=\"k\">", id);
    sb_esc(b, tr(p, label));
    sb_puts(b, "</div><div class=\"v\">");
    sb_num(b, v, dec);
    if (unit && *unit) {
        sb_puts(b, " ");
        sb_puts(b, unit);
    }
    sb_puts(b, "</div></div>\n");
}

void rep__page(rep *p, const zp_report_opts *o)
{
    sbuf *b = &p->b;
    const zp_model *m = p->m;
    const zp_sim_result *r = p->r;
    const char *title = o->title ? o->title : m->name;
    char t0[ZP_TIME_BUFSIZE], t1[ZP_TIME_BUFSIZE];
    sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
              tr(p, S_HTML_LANG));
    sb_puts(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'\">\n"
               "<meta name=\"generator\" content=\"zeropark " ZP_VERSION_STRING "\">\n<title>");
    sb_esc(b, title);
    sb_puts(b, " — ");
    sb_esc(b, tr(p, S_REPORT));
    sb_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1 id=\"title\" translate=\"no\">", css);
    sb_esc(b, title);
    sb_puts(b, "</h1>\n<p class=\"meta\">");
    sb_esc(b, tr(p, S_REPORT));
    sb_puts(b, " · ");
    sb_esc(b, tr(p, S_PERIOD));
    sb_puts(b, ": ");
    sb_esc(b, zp_time_format(r->start, p->off, t0));
    sb_puts(b, " … ");
    sb_esc(b, zp_time_format(r->start + (zp_time_t)r->steps * r->step_s, p->off, t1));
    sb_printf(b, " · %s %d %s · %s: ", tr(p, S_STEP), (int)(r->step_s / 60), tr(p, S_MINUTES),
              tr(p, S_DISPATCH));
    sb_puts(b, "<span id=\"dispatch\" data-dispatch=\"");
    sb_esc(b, r->dispatch);
    sb_puts(b, "\">");
    int dl = rep__dispatch_label(r->dispatch);
    if (dl >= 0)
        sb_esc(b, tr(p, dl));
    else
        sb_data(b, r->dispatch);
    sb_puts(b, "</span>");
    if (o->run_id > 0)
        sb_printf(b, " · %s <span id=\"run\">%lld</span>", tr(p, S_RUN), (long long)o->run_id);
    sb_puts(b, "</p>\n<p class=\"meta\">");
    sb_esc(b, tr(p, S_MODEL_FILE));
    sb_puts(b, ": <code translate=\"no\">");
    sb_esc(b, m->file);
    sb_puts(b, "</code> · ");
    sb_esc(b, tr(p, S_DATA_FROM));
    sb_puts(b, " ");
    sb_esc(b, tr(p, S_DATA_ACCT));
    sb_puts(b, " · ");
    sb_esc(b, tr(p, S_LOCAL_TIME));
    sb_printf(b, " (UTC%c%02d:%02d)", p->off < 0 ? '-' : '+', abs(p->off) / 60, abs(p->off) % 60);
    if (o->generated_at) {
        sb_puts(b, " · ");
        sb_esc(b, tr(p, S_GENERATED));
        sb_puts(b, ": ");
        sb_esc(b, o->generated_at);
    }
    sb_puts(b, "</p>\n</header>\n<main>\n<section class=\"kpis\" id=\"summary\">\n");
    kpi(p, "kpi-total", S_K_TOTAL, p->total.total_market_t, 0, "t CO₂e");
    if (o->offsets)
        kpi(p, "kpi-net", S_K_NET, p->total.total_market_t - (double)o->offsets->retired_t, 0,
            "t CO₂e");
    kpi(p, "kpi-green", S_K_GREEN, p->green_vol_pct, 1, "%");
    kpi(p, "kpi-hourly", S_K_HOURLY, p->green_hourly_pct, 1, "%");
    if (!isnan(p->pue))
        kpi(p, "kpi-pue", S_K_PUE, p->pue, 3, NULL);
    if (!isnan(p->budget_t) && p->budget_t > 0)
        kpi(p, "kpi-budget", S_K_BUDGET, 100 * p->total.total_market_t / p->budget_t, 1, "%");
    kpi(p, "kpi-cost", S_K_COST, p->cost->bill.total, 0, "CNY");
    kpi(p, "kpi-peak", S_K_PEAK, p->cost->peak_import_kw, 0, "kW");
    sb_puts(b, "</section>\n");
    rep__charts(p);
    sb_puts(b, "<section class=\"tables\" id=\"tables\">\n");
    rep__table_scopes(p);
    rep__table_targets(p);
    rep__table_energy(p);
    rep__table_green(p);
    rep__table_cost(p);
    sb_puts(b, "</section>\n");
    if (o->offsets)
        rep__table_offsets(p, o->offsets);
    sb_puts(b, "<section id=\"monthly\">\n");
    rep__table_monthly(p);
    rep__table_peaks(p);
    sb_puts(b, "</section>\n");
    rep__method(p);
    sb_puts(b, "</main>\n<footer>");
    sb_esc(b, tr(p, S_FOOTER));
    sb_puts(b, " " ZP_VERSION_STRING "</footer>\n</body>\n</html>\n");
}
