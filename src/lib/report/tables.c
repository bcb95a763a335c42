/*
 * tables.c - the report's tables: emissions by scope, targets, energy,
 * green electricity, the bill, monthly figures, the bill and peaks by
 * month, and the carbon credits retired (offsets).
 */
#include "report/report_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A numeric cell: the shown text, and the exact value in data-v so that
 * tests and scripts read numbers without parsing the formatting. */
static void td_num(rep *p, const char *id, double v, int dec)
{
    sbuf *b = &p->b;
    sb_puts(b, "<td class=\"n\"");
    if (id)
        sb_printf(b, " id=\"%s\"", id);
    if (isfinite(v))
        sb_printf(b, " data-v=\"%.17g\"", v);
    sb_puts(b, ">");
    sb_num(b, v, dec);
    sb_puts(b, "</td>");
}

/* A row's head cell: "<tr ATTRS><th scope="row">TEXT</th>" (attrs "" or
 * starting with a space). */
static void row_head(rep *p, const char *attrs, const char *text)
{
    sbuf *b = &p->b;
    sb_printf(b, "<tr%s><th scope=\"row\">", attrs);
    sb_esc(b, text);
    sb_puts(b, "</th>");
}

/* A row: label, value, unit. */
static void row_num(rep *p, int label, const char *id, double v, int dec, const char *unit)
{
    sbuf *b = &p->b;
    row_head(p, "", tr(p, label));
    td_num(p, id, v, dec);
    sb_puts(b, "<td>");
    sb_esc(b, unit);
    sb_puts(b, "</td></tr>\n");
}

/* A column of a table's head: a word of the page, with its unit in
 * brackets; label -1: the unit alone. */
typedef struct col {
    int label;
    const char *unit; /* NULL: none */
} col;

static const col item_value_unit[] = {{S_H_ITEM, NULL}, {S_H_VALUE, NULL}, {S_H_UNIT, NULL}};

/* The head of a table, then its body opens. */
static void table_head(rep *p, const col *cols, size_t n)
{
    sbuf *b = &p->b;
    sb_puts(b, "<thead><tr>");
    for (size_t i = 0; i < n; i++) {
        sb_puts(b, "<th>");
        if (cols[i].label < 0) {
            sb_puts(b, cols[i].unit);
        } else {
            sb_esc(b, tr(p, cols[i].label));
            if (cols[i].unit)
                sb_printf(b, " <span class=\"u\">(%s)</span>", cols[i].unit);
        }
        sb_puts(b, "</th>");
    }
    sb_puts(b, "</tr></thead><tbody>\n");
}

/* Open a table in its scrolling wrapper: id, class cls (NULL: none), the
 * caption (a word of the page; -1: none) and the head. */
static void table_open(rep *p, const char *id, const char *cls, int caption, const col *cols,
                       size_t n)
{
    sbuf *b = &p->b;
    sb_printf(b, "<div class=\"tw\"><table id=\"%s\"", id);
    if (cls)
        sb_printf(b, " class=\"%s\"", cls);
    sb_puts(b, ">");
    if (caption >= 0) {
        sb_puts(b, "<caption>");
        sb_esc(b, tr(p, caption));
        sb_puts(b, "</caption>");
    }
    table_head(p, cols, n);
}

static void table_close(rep *p) { sb_puts(&p->b, "</tbody></table></div>\n"); }

void rep__table_scopes(rep *p)
{
    sbuf *b = &p->b;
    const zp_acct_totals *T = &p->total;
    const struct {
        int label;
        const char *id;
        double v;
    } rows[] = {
        {S_SCOPE1, "total-scope1", T->scope1_t},
        {S_SCOPE2_LOC, "total-scope2-location", T->scope2_location_t},
        {S_SCOPE2_MKT, "total-scope2-market", T->scope2_market_t},
        {S_TOTAL_LOC, "total-location", T->total_location_t},
        {S_TOTAL_MKT, "total-market", T->total_market_t},
    };
    static const col cols[] = {{S_H_ITEM, NULL}, {-1, "t CO₂e"}, {S_H_SHARE, NULL}};
    table_open(p, "table-scopes", NULL, S_T_SCOPE, cols, ZP_ARRAY_LEN(cols));
    for (size_t i = 0; i < ZP_ARRAY_LEN(rows); i++) {
        row_head(p, i >= 3 ? " class=\"sum\"" : "", tr(p, rows[i].label));
        td_num(p, rows[i].id, rows[i].v, 1);
        /* Shares of the total on the same basis (location or market). */
        double base = i == 2 || i == 4 ? T->total_market_t : T->total_location_t;
        sb_puts(b, "<td class=\"n\">");
        sb_num(b, base > 0 ? 100 * rows[i].v / base : NAN, 1);
        sb_puts(b, " %</td></tr>\n");
    }
    table_close(p);
}

static const char *target_unit(const char *name)
{
    if (strcmp(name, "max_emissions_t") == 0)
        return "t CO₂e";
    if (strcmp(name, "min_green_share_pct") == 0)
        return "%";
    if (strcmp(name, "max_energy_tce") == 0)
        return "tce";
    if (strcmp(name, "max_pue") == 0)
        return "";
    if (strcmp(name, "max_t_co2_per_tce") == 0)
        return "t CO₂ / tce";
    if (strcmp(name, "min_clean_energy_share_pct") == 0)
        return "%";
    return "t CO₂e / 10⁴ CNY";
}

void rep__table_targets(rep *p)
{
    sbuf *b = &p->b;
    if (!p->ntg) {
        sb_puts(b, "<p id=\"table-targets\">");
        sb_esc(b, tr(p, S_NO_TARGETS));
        sb_puts(b, "</p>\n");
        return;
    }
    static const col cols[] = {{S_H_ITEM, NULL},      {S_H_LIMIT, NULL}, {S_H_RESULT, NULL},
                               {S_H_PROJECTED, NULL}, {S_H_UNIT, NULL},  {S_H_STATUS, NULL}};
    table_open(p, "table-targets", NULL, S_T_TARGETS, cols, ZP_ARRAY_LEN(cols));
    static const char *const cls[3] = {"met", "risk", "missed"};
    static const int lab[3] = {S_ST_MET, S_ST_RISK, S_ST_MISSED};
    static const char *const mark[3] = {"✓", "!", "✗"};
    for (size_t i = 0; i < p->ntg; i++) {
        const tgt_view *t = &p->tg[i];
        int dec = strcmp(t->name, "max_pue") == 0 || strcmp(t->name, "max_t_co2_per_tce") == 0
                      ? 3
                      : 1;
        int st = t->status >= 0 && t->status <= 2 ? t->status : 2;
        row_head(p, "", tr(p, rep__target_label(t->name)));
        td_num(p, NULL, t->limit, dec);
        char id[64];
        snprintf(id, sizeof id, "target-%s", t->name);
        td_num(p, id, t->value, dec);
        td_num(p, NULL, t->projected, dec);
        sb_puts(b, "<td>");
        sb_puts(b, target_unit(t->name));
        /* Status in words and a symbol, not by colour alone. */
        sb_printf(b, "</td><td><span class=\"st %s\" data-status=\"%s\">%s ", cls[st],
                  st == 1 ? "at_risk" : cls[st], mark[st]);
        sb_esc(b, tr(p, lab[st]));
        sb_puts(b, "</span></td></tr>\n");
    }
    table_close(p);
}

void rep__table_energy(rep *p)
{
    sbuf *b = &p->b;
    const zp_sim_energy *e = &p->r->energy_kwh;
    const zp_acct_result *a = p->a;
    sb_puts(b, "<div>");
    table_open(p, "table-energy", NULL, S_T_ENERGY, item_value_unit, 3);
    row_num(p, S_E_LOADS, "energy-loads", e->load / 1000, 1, "MWh");
    if (p->m->datacenter.present) {
        row_num(p, S_E_DC_IT, "energy-dc-it", e->datacenter_it / 1000, 1, "MWh");
        row_num(p, S_E_DC_FAC, "energy-dc-facility", e->datacenter_facility / 1000, 1, "MWh");
    }
    row_num(p, S_E_CONSUMPTION, "energy-consumption", p->total.consumption_kwh / 1000, 1, "MWh");
    if (p->m->npv)
        row_num(p, S_E_PV, "energy-pv", e->pv / 1000, 1, "MWh");
    if (p->m->nwind)
        row_num(p, S_E_WIND, "energy-wind", e->wind / 1000, 1, "MWh");
    row_num(p, S_E_IMPORT, "energy-grid-import", e->grid_import / 1000, 1, "MWh");
    row_num(p, S_E_EXPORT, "energy-grid-export", e->grid_export / 1000, 1, "MWh");
    if (p->m->nstorage) {
        row_num(p, S_E_CHARGE, "energy-storage-charge", e->storage_charge / 1000, 1, "MWh");
        row_num(p, S_E_DISCHARGE, "energy-storage-discharge", e->storage_discharge / 1000, 1, "MWh");
    }
    row_num(p, S_E_CURTAILED, "energy-curtailed", e->curtailed / 1000, 1, "MWh");
    row_num(p, S_E_UNSERVED, "energy-unserved", e->unserved / 1000, 1, "MWh");
    row_num(p, S_E_TCE_CAL, "energy-tce-calorific", a->total.energy_tce_calorific, 1, "tce");
    row_num(p, S_E_TCE_EQ, "energy-tce-equal-value", a->total.energy_tce_equal_value, 1, "tce");
    if (a->nfuels)
        row_num(p, S_E_FUELS_TCE, "energy-fuels-tce", a->fuels_tce, 1, "tce");
    row_num(p, S_E_COAL_SAVED, "energy-coal-saved", a->renewable_coal_saved_tce, 1, "tce");
    if (!isnan(a->energy_intensity_tce_per_10k_cny))
        row_num(p, S_E_INTENSITY, "energy-intensity", a->energy_intensity_tce_per_10k_cny, 4,
                "tce / 10⁴ CNY");
    /* The zero-carbon park indicator (docs/methodology.md). */
    const zp_indicator *x = &a->indicator;
    /* what it divides: energy consumed, on-site PV and wind included, so
     * that emissions / this row = the indicator on the page */
    row_num(p, S_E_INDICATOR_TCE, "energy-indicator-tce", x->energy_tce_equal_value, 1, "tce");
    row_num(p, S_E_INDICATOR_TCE_CAL, "energy-indicator-tce-calorific", x->energy_tce_calorific, 1,
            "tce");
    row_num(p, S_E_INDICATOR, "energy-indicator", x->t_co2_per_tce, 3, "t CO₂ / tce");
    row_num(p, S_E_INDICATOR_CAL, "energy-indicator-calorific", x->market_calorific, 3,
            "t CO₂ / tce");
    row_num(p, S_E_INDICATOR_LOC, "energy-indicator-location", x->location_equal_value, 3,
            "t CO₂ / tce");
    row_num(p, S_E_CLEAN, "energy-clean-share", x->clean_energy_share_pct, 1, "%");
    table_close(p);
    sb_puts(b, "</div>\n");
}

void rep__table_green(rep *p)
{
    const zp_acct_result *a = p->a;
    table_open(p, "table-green", NULL, S_T_GREEN, item_value_unit, 3);
    row_num(p, S_G_VOL, "green-volumetric", p->green_vol_pct, 1, "%");
    row_num(p, S_G_HOURLY, "green-hourly", p->green_hourly_pct, 1, "%");
    row_num(p, S_G_CERTS, "green-certificates", a->certificates_kwh / 1000, 1, "MWh");
    row_num(p, S_G_CERTS_APPLIED, "green-certificates-applied", a->certificates_applied_kwh / 1000, 1,
            "MWh");
    if (a->contracts_kwh > 0)
        row_num(p, S_G_CONTRACTS, "green-contracts-applied", a->contracts_applied_kwh / 1000, 1, "MWh");
    if (a->surplus_kwh > 0)
        row_num(p, S_G_SURPLUS, "green-surplus", a->surplus_kwh / 1000, 1, "MWh");
    if (!isnan(a->pue))
        row_num(p, S_G_CUE, "green-cue", a->cue_market_kg_per_kwh, 3, "kg CO₂e / kWh IT");
    if (!isnan(p->pue))
        row_num(p, S_K_PUE, "green-pue", p->pue, 3, "");
    table_close(p);
}

void rep__table_monthly(rep *p)
{
    sbuf *b = &p->b;
    static const col cols[] = {
        {S_H_MONTH, NULL}, {S_SCOPE1, "t CO₂e"}, {S_SCOPE2_LOC, "t CO₂e"}, {S_SCOPE2_MKT, "t CO₂e"},
        {S_TOTAL_MKT, "t CO₂e"}, {S_PV, "MWh"}, {S_WIND, "MWh"}, {S_STORAGE, "MWh"}, {S_GRID, "MWh"},
        {S_H_CONS, "MWh"}, {S_G_HOURLY, "%"}};
    table_open(p, "table-monthly", "wide", S_T_MONTHLY, cols, ZP_ARRAY_LEN(cols));
    for (size_t i = 0; i < p->nmonths; i++) {
        const zp_acct_totals *x = &p->months[i];
        char lab[32];
        rep__month_label(p, lab, sizeof lab, local_day(x->start, p->off), 1);
        row_head(p, "", lab);
        const double v[] = {x->scope1_t, x->scope2_location_t, x->scope2_market_t, x->total_market_t,
                            x->pv_kwh / 1000, x->wind_kwh / 1000, x->storage_discharge_kwh / 1000,
                            x->grid_import_kwh / 1000, x->consumption_kwh / 1000,
                            x->green_share_hourly_pct};
        for (size_t k = 0; k < ZP_ARRAY_LEN(v); k++)
            td_num(p, NULL, v[k], 1);
        sb_puts(b, "</tr>\n");
    }
    table_close(p);
}

/* "2024-07-15 14:00" local: the start of the peak step. */
static void peak_time(rep *p, zp_time_t t)
{
    char buf[ZP_TIME_BUFSIZE];
    zp_time_format(t, p->off, buf);
    buf[10] = ' ';
    buf[16] = '\0';
    sb_puts(&p->b, buf);
}

/* The run's bill, its peak grid import and each battery's wear. */
void rep__table_cost(rep *p)
{
    sbuf *b = &p->b;
    const zp_report_cost *c = p->cost;
    table_open(p, "table-cost", NULL, S_T_COST, item_value_unit, 3);
    row_num(p, S_CO_IMPORT, "cost-import", c->import_cost_cny, 0, "CNY");
    row_num(p, S_CO_EXPORT, "cost-export", c->export_revenue_cny, 0, "CNY");
    row_num(p, S_CO_NET, "cost-net", c->net_cny, 0, "CNY");
    row_num(p, S_CO_DEMAND, "cost-demand", c->bill.demand, 0, "CNY");
    row_num(p, S_CO_CAPACITY, "cost-capacity", c->bill.capacity, 0, "CNY");
    row_num(p, S_CO_WEAR, "cost-degradation", c->bill.degradation, 0, "CNY");
    row_num(p, S_CO_GREEN, "cost-green-power", c->bill.green_power, 0, "CNY");
    row_head(p, " class=\"sum\"", tr(p, S_CO_TOTAL));
    td_num(p, "cost-total", c->bill.total, 0);
    sb_puts(b, "<td>CNY</td></tr>\n");
    row_num(p, S_CO_PEAK, "cost-peak", c->peak_import_kw, 1, "kW");
    row_head(p, "", tr(p, S_CO_PEAK_AT));
    sb_puts(b, "<td class=\"n\" id=\"cost-peak-at\">");
    peak_time(p, c->peak_at);
    sb_puts(b, "</td><td></td></tr>\n");
    const zp_bill *bill = p->r->bill;
    for (size_t i = 0; bill && i < bill->nstorage; i++) {
        const zp_bill_wear *w = &bill->storage[i];
        const struct {
            int label;
            const char *id;
            double v;
            int dec;
            const char *unit;
        } rows[] = {{S_CO_CYCLES, "wear-cycles", w->cycles_per_year, 1, ""},
                    {S_CO_FADE, "wear-fade", 100.0 * w->fade_per_year, 2, "%"}};
        for (size_t k = 0; k < ZP_ARRAY_LEN(rows); k++) {
            char id[32];
            snprintf(id, sizeof id, "%s-%zu", rows[k].id, i);
            sb_puts(b, "<tr><th scope=\"row\">");
            sb_esc(b, tr(p, rows[k].label));
            sb_puts(b, ": ");
            sb_data(b, w->name ? w->name : "");
            sb_puts(b, "</th>");
            td_num(p, id, rows[k].v, rows[k].dec);
            sb_printf(b, "<td>%s</td></tr>\n", rows[k].unit);
        }
    }
    table_close(p);
}

/* A row of the monthly bill. */
static void bill_row(rep *p, const char *attrs, const char *label, const zp_report_cost_month *x,
                     const char *peak_id)
{
    row_head(p, attrs, label);
    td_num(p, NULL, x->bill.energy, 0);
    td_num(p, peak_id, x->peak_import_kw, 1);
    sb_puts(&p->b, "<td class=\"n\">");
    peak_time(p, x->peak_at);
    sb_puts(&p->b, "</td>");
    const double v[] = {x->bill.demand, x->bill.capacity, x->bill.export_revenue,
                        x->bill.degradation, x->bill.green_power, x->bill.total};
    for (size_t k = 0; k < ZP_ARRAY_LEN(v); k++)
        td_num(p, NULL, v[k], 0);
    sb_puts(&p->b, "</tr>\n");
}

/* The bill by month: energy, the month's peak grid import and when, the
 * demand charge on it, the capacity charge, export revenue, battery wear,
 * the green-power premium and the month's total; a last row for the whole
 * run, its peak the highest of the months'. */
void rep__table_peaks(rep *p)
{
    static const col cols[] = {{S_H_MONTH, NULL},    {S_CO_IMPORT, "CNY"},  {S_CO_PEAK, "kW"},
                               {S_H_PEAK_TIME, NULL}, {S_CO_DEMAND, "CNY"}, {S_CO_CAPACITY, "CNY"},
                               {S_CO_EXPORT, "CNY"},  {S_CO_WEAR, "CNY"},   {S_CO_GREEN, "CNY"},
                               {S_CO_TOTAL, "CNY"}};
    table_open(p, "table-peaks", NULL, S_T_PEAKS, cols, ZP_ARRAY_LEN(cols));
    const zp_report_cost *c = p->cost;
    for (size_t i = 0; i < c->nmonths; i++) {
        const zp_report_cost_month *x = &c->months[i];
        char lab[32], key[16], attrs[96];
        rep__month_label(p, lab, sizeof lab, local_day(x->start, p->off), 1);
        rep__date_label(key, sizeof key, local_day(x->start, p->off));
        key[7] = '\0';
        snprintf(attrs, sizeof attrs, " data-month=\"%s\" data-fraction=\"%.17g\"", key,
                 x->fraction);
        bill_row(p, attrs, lab, x, NULL);
    }
    zp_report_cost_month all = {0};
    all.peak_import_kw = c->peak_import_kw;
    all.peak_at = c->peak_at;
    all.bill = c->bill;
    bill_row(p, " class=\"sum\"", tr(p, S_CO_MAX), &all, "peak-max");
    table_close(p);
}

/* Gross, retired and net emissions, and the retirements with their serials. */
void rep__table_offsets(rep *p, const zp_report_offsets *o)
{
    sbuf *b = &p->b;
    double gross = p->total.total_market_t, retired = (double)o->retired_t;
    sb_printf(b, "<section id=\"offsets\" data-year=\"%d\">\n<div class=\"tw\"><table "
                 "id=\"table-offsets\"><caption>",
              o->year);
    sb_esc(b, tr(p, S_T_OFFSETS));
    sb_printf(b, " (%d, ", o->year);
    sb_data(b, o->park);
    sb_puts(b, ")</caption>");
    table_head(p, item_value_unit, 3);
    row_num(p, S_O_GROSS, "offsets-gross", gross, 1, "t CO₂e");
    row_num(p, S_O_RETIRED, "offsets-retired", retired, 0, "t CO₂e");
    row_num(p, S_O_NET, "offsets-net", gross - retired, 1, "t CO₂e");
    table_close(p);
    sb_puts(b, "<p class=\"note\">");
    sb_esc(b, tr(p, o->n ? S_O_NOTE : S_O_NONE));
    sb_puts(b, "</p>\n");
    if (o->n) {
        static const col cols[] = {{S_H_RETIREMENT, NULL},  {S_H_PROJECT, NULL}, {-1, "t CO₂e"},
                                   {S_H_BENEFICIARY, NULL}, {S_H_PURPOSE, NULL}, {S_H_SERIALS, NULL}};
        table_open(p, "table-retirements", NULL, -1, cols, ZP_ARRAY_LEN(cols));
        for (size_t i = 0; i < o->n; i++) {
            const zp_report_retirement *r = &o->items[i];
            sb_printf(b, "<tr><td class=\"n\">%lld</td><td>", (long long)r->id);
            sb_data(b, r->project);
            sb_printf(b, "</td><td class=\"n\">%lld</td><td>", (long long)r->qty_t);
            sb_data(b, r->beneficiary);
            sb_puts(b, "</td><td>");
            sb_data(b, r->purpose);
            sb_puts(b, "</td><td class=\"serials\" translate=\"no\"><code>");
            sb_esc(b, r->serials ? r->serials : "");
            sb_puts(b, "</code></td></tr>\n");
        }
        table_close(p);
    }
    sb_puts(b, "</section>\n");
}
