/*
 * method.c - the report's method section: how each figure is computed,
 * the factors with their sources, and the accounting's notes, alerts and
 * counter corrections.
 */
#include "report/report_impl.h"

#include <math.h>

/* "Source: S; Verification: V" (without a verification tag: the source). */
static void source_text(rep *p, const char *source, const char *verification)
{
    sbuf *b = &p->b;
    sb_esc(b, tr(p, S_M_SOURCE));
    sb_puts(b, ": ");
    rep__source(p, source);
    if (verification) {
        sb_puts(b, "; ");
        sb_esc(b, tr(p, S_M_VERIF));
        sb_puts(b, ": ");
        rep__word(p, verification);
    }
}

/* "0.5306 kgCO2/kWh (2023, national; source; verification: S)" */
static void factor_text(rep *p, const zp_factor *f)
{
    sbuf *b = &p->b;
    if (isnan(f->value)) {
        sb_esc(b, tr(p, S_M_HOURLY_FACTOR));
    } else {
        sb_printf(b, "%.6g ", f->value);
        sb_esc(b, f->unit);
    }
    if (f->year && f->region) {
        sb_printf(b, " (%d, ", f->year);
        rep__word(p, f->region);
        sb_puts(b, ")");
    } else if (f->year) {
        sb_printf(b, " (%d)", f->year);
    } else if (f->region) {
        sb_puts(b, " (");
        rep__word(p, f->region);
        sb_puts(b, ")");
    }
    sb_puts(b, "; ");
    source_text(p, f->source, f->verification);
}

static void li_text(rep *p, int id)
{
    sb_puts(&p->b, "<li>");
    sb_esc(&p->b, tr(p, id));
    sb_puts(&p->b, "</li>\n");
}

static void li_label(rep *p, int id)
{
    sb_puts(&p->b, "<li><strong>");
    sb_esc(&p->b, tr(p, id));
    sb_puts(&p->b, ":</strong> ");
}

/* An item "Label: factor". */
static void li_factor(rep *p, int id, const zp_factor *f)
{
    li_label(p, id);
    factor_text(p, f);
    sb_puts(&p->b, "</li>\n");
}

/* A titled list: "<h3>TITLE</h3>" and the list "id". */
static void list_open(rep *p, int title, const char *id)
{
    sb_puts(&p->b, "<h3>");
    sb_esc(&p->b, tr(p, title));
    sb_printf(&p->b, "</h3>\n<ul id=\"%s\">\n", id);
}

void rep__method(rep *p)
{
    sbuf *b = &p->b;
    const zp_model *m = p->m;
    const zp_acct_result *a = p->a;
    sb_puts(b, "<section id=\"method\"><h2>");
    sb_esc(b, tr(p, S_T_METHOD));
    sb_puts(b, "</h2>\n<ul>\n");
    li_text(p, S_M_SCOPE1);
    li_text(p, S_M_SCOPE2_LOC);
    li_text(p, S_M_SCOPE2_MKT);
    li_text(p, S_M_CFE);
    li_text(p, S_M_VOL);
    if (m->datacenter.present)
        li_text(p, S_M_PUE);
    li_text(p, S_M_TCE);
    li_text(p, S_M_BUDGET);
    li_text(p, S_M_COST);
    sb_puts(b, "</ul>\n");
    list_open(p, S_M_SOURCE, "factor-sources");
    li_label(p, S_M_FACTOR_SET);
    rep__word(p, a->factor_set);
    sb_printf(b, " (%d)</li>\n", a->year);
    li_label(p, S_M_GWP);
    sb_data(b, a->gwp_set);
    sb_puts(b, "</li>\n");
    li_factor(p, S_M_GRID, &a->grid);
    li_factor(p, S_M_RESIDUAL, &a->residual);
    li_factor(p, S_M_POWER_COAL, &a->power_coal);
    for (size_t i = 0; i < a->nfuels; i++) {
        const zp_acct_fuel_line *f = &a->fuels[i];
        li_label(p, S_M_FUEL);
        rep__word(p, f->type);
        sb_puts(b, " ");
        sb_num(b, f->amount, 1);
        sb_puts(b, " ");
        sb_esc(b, f->unit);
        sb_printf(b, " → %.6g t CO₂/", f->factor.t_co2_per_unit);
        sb_esc(b, f->factor.unit);
        sb_printf(b, " (%s %.6g GJ/", tr(p, S_M_NCV), f->factor.ncv_gj_per_unit);
        sb_esc(b, f->factor.unit);
        sb_printf(b, ", %s %.6g tC/GJ, %s %.4g; %d); ", tr(p, S_M_CC), f->factor.cc_tc_per_gj,
                  tr(p, S_M_OF), f->factor.oxidation, f->factor.year);
        source_text(p, f->factor.source, f->factor.verification);
        sb_puts(b, " = ");
        sb_num(b, f->t_co2, 1);
        sb_puts(b, " t CO₂</li>\n");
    }
    for (size_t i = 0; i < a->nrefrigerants; i++) {
        const zp_acct_refrigerant_line *f = &a->refrigerants[i];
        li_label(p, S_M_REFRIG);
        sb_data(b, f->gas);
        sb_printf(b, " %.6g kg × GWP ", f->leak_kg);
        factor_text(p, &f->gwp);
        sb_puts(b, " = ");
        sb_num(b, f->t_co2e, 2);
        sb_puts(b, " t CO₂e</li>\n");
    }
    sb_puts(b, "</ul>\n");
    if (a->nnotes) {
        list_open(p, S_M_NOTES, "notes");
        for (size_t i = 0; i < a->nnotes; i++) {
            sb_puts(b, "<li>");
            rep__note(p, a->notes[i]);
            sb_puts(b, "</li>\n");
        }
        sb_puts(b, "</ul>\n");
    }
    if (a->nalerts) {
        list_open(p, S_M_ALERTS, "alerts");
        size_t next_target = 0;
        for (size_t i = 0; i < a->nalerts; i++) {
            sb_puts(b, "<li>");
            rep__alert(p, &a->alerts[i], &next_target);
            sb_puts(b, "</li>\n");
        }
        sb_puts(b, "</ul>\n");
    }
    if (a->ncorrections) {
        list_open(p, S_M_CORRECTIONS, "corrections");
        for (size_t i = 0; i < a->ncorrections; i++) {
            const zp_acct_correction *k = &a->corrections[i];
            sb_puts(b, "<li>");
            sb_data(b, k->meter);
            sb_puts(b, " (");
            sb_data(b, k->file);
            sb_printf(b, ":%ld): %.10g → %.10g, +%.10g</li>\n", k->row, k->before, k->after, k->wrap);
        }
        sb_puts(b, "</ul>\n");
    }
    sb_puts(b, "</section>\n");
}
