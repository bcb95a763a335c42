/*
 * json.c - the accounting result as a JSON document, zp_acct_result_json
 * (include/zeropark/carbon.h; the document: docs/cli.md, zeropark account).
 */
#include "carbon/carbon_impl.h"
#include "core/internal.h"
#include "zeropark/carbon.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON document ------------------------------------------------------- */

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }
static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *jtime(zp_time_t t, int32_t off)
{
    char b[ZP_TIME_BUFSIZE];
    return t ? json_string(zp_time_format(t, off, b)) : json_null();
}

static json_t *jfactor(const zp_factor *f)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "value", jnum(f->value), "unit",
                     jstr(f->unit), "year", f->year ? json_integer(f->year) : json_null(),
                     "region", jstr(f->region), "source", jstr(f->source), "verification",
                     jstr(f->verification));
}

static json_t *jtotals(const zp_acct_totals *p, int32_t off)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", jtime(p->start, off));
    json_object_set_new(o, "end", jtime(p->end, off));
    json_object_set_new(o, "emissions_t",
                        json_pack("{s:o, s:o, s:o, s:o, s:o}", "scope1", jnum(p->scope1_t),
                                  "scope2_location", jnum(p->scope2_location_t), "scope2_market",
                                  jnum(p->scope2_market_t), "total_location",
                                  jnum(p->total_location_t), "total_market",
                                  jnum(p->total_market_t)));
    json_object_set_new(
        o, "energy_kwh",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "grid_import",
                  jnum(p->grid_import_kwh), "grid_export", jnum(p->grid_export_kwh), "pv",
                  jnum(p->pv_kwh), "wind", jnum(p->wind_kwh), "storage_charge",
                  jnum(p->storage_charge_kwh), "storage_discharge", jnum(p->storage_discharge_kwh),
                  "consumption", jnum(p->consumption_kwh), "carbon_free", jnum(p->cfe_kwh),
                  "datacenter_it", jnum(p->dc_it_kwh), "datacenter_facility",
                  jnum(p->dc_facility_kwh)));
    json_object_set_new(o, "water_l", jnum(p->water_l));
    json_object_set_new(o, "energy_tce",
                        json_pack("{s:o, s:o}", "calorific", jnum(p->energy_tce_calorific),
                                  "equal_value", jnum(p->energy_tce_equal_value)));
    json_object_set_new(o, "green_share_hourly_pct", jnum(p->green_share_hourly_pct));
    json_object_set_new(o, "pue", jnum(p->pue));
    json_object_set_new(o, "cumulative_market_t", jnum(p->cumulative_market_t));
    return o;
}

zp_status zp_acct_result_json(zp_ctx *ctx, const zp_acct_result *r, int indent, char **out)
{
    if (!ctx || !r || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_acct_result_json: NULL argument") : ZP_EINVAL;
    *out = NULL;
    const int32_t off = r->utc_offset_min;
    const zp_acct_totals *T = &r->total;
    json_t *doc = json_object();
    if (!doc)
        return zp__nomem(ctx);
    const char *residual_method = "factor_set";
    if (r->residual.source && strncmp(r->residual.source, "import-weighted", 15) == 0)
        residual_method = "location";
    else if (r->residual.region && strcmp(r->residual.region, "park model") == 0)
        residual_method = "value";
    json_object_set_new(doc, "method",
                        json_pack("{s:o, s:o, s:i, s:o, s:o, s:b, s:o, s:s, s:o, s:o, s:f, s:f}",
                                  "factor_set", jstr(r->factor_set), "gwp", jstr(r->gwp_set),
                                  "year", r->year, "grid_region", jstr(r->grid_region),
                                  "location_factor", jfactor(&r->grid), "location_hourly",
                                  r->grid_hourly, "residual_factor", jfactor(&r->residual),
                                  "residual_method", residual_method, "power_coal",
                                  jfactor(&r->power_coal), "input", jstr(r->input_source),
                                  "electricity_kgce_per_kwh_calorific",
                                  ZP_ELEC_KGCE_PER_KWH_CALORIFIC, "gj_per_tce", ZP_TCE_GJ));
    json_object_set_new(doc, "period",
                        json_pack("{s:o, s:o, s:f, s:I, s:f}", "start", jtime(r->start, off), "end",
                                  jtime(T->end, off), "step_min", r->step_s / 60.0, "steps",
                                  (json_int_t)r->steps, "metered_h", r->metered_s / 3600.0));
    json_object_set_new(doc, "emissions_t",
                        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "scope1",
                                  jnum(T->scope1_t), "scope1_fuels", jnum(r->scope1_fuels_t),
                                  "scope1_refrigerants", jnum(r->scope1_refrigerants_t),
                                  "scope2_location", jnum(T->scope2_location_t), "scope2_market",
                                  jnum(T->scope2_market_t), "total_location",
                                  jnum(T->total_location_t), "total_market",
                                  jnum(T->total_market_t)));
    json_t *fuels = json_array(), *refr = json_array();
    for (size_t i = 0; i < r->nfuels; i++) {
        const zp_acct_fuel_line *L = &r->fuels[i];
        json_array_append_new(
            fuels, json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o}",
                             "type", L->type, "amount", jnum(L->amount), "unit", L->unit, "set",
                             L->factor.set, "ncv_gj_per_unit", jnum(L->factor.ncv_gj_per_unit),
                             "carbon_content_tc_per_gj", jnum(L->factor.cc_tc_per_gj),
                             "oxidation", jnum(L->factor.oxidation), "t_co2_per_unit",
                             jnum(L->factor.t_co2_per_unit), "t_co2", jnum(L->t_co2), "tce",
                             jnum(L->tce), "tce_per_unit", jnum(L->factor.tce_per_unit), "year",
                             L->factor.year, "source", jstr(L->factor.source), "verification",
                             jstr(L->factor.verification)));
    }
    for (size_t i = 0; i < r->nrefrigerants; i++) {
        const zp_acct_refrigerant_line *L = &r->refrigerants[i];
        json_array_append_new(refr, json_pack("{s:s, s:o, s:o, s:o}", "gas", L->gas, "leak_kg",
                                              jnum(L->leak_kg), "gwp", jfactor(&L->gwp), "t_co2e",
                                              jnum(L->t_co2e)));
    }
    json_object_set_new(doc, "scope1", json_pack("{s:o, s:o}", "fuels", fuels, "refrigerants", refr));
    json_object_set_new(
        doc, "scope2_market",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "certificates_mwh",
                  jnum(r->certificates_kwh / 1000), "contracts_mwh", jnum(r->contracts_kwh / 1000),
                  "certificates_applied_mwh", jnum(r->certificates_applied_kwh / 1000),
                  "contracts_applied_mwh", jnum(r->contracts_applied_kwh / 1000), "residual_mwh",
                  jnum(r->residual_kwh / 1000), "surplus_mwh", jnum(r->surplus_kwh / 1000),
                  "residual_factor_kg_per_kwh", jnum(r->residual.value)));
    json_t *tot = jtotals(T, off);
    json_object_set(doc, "energy_kwh", json_object_get(tot, "energy_kwh"));
    json_object_set_new(doc, "water_l", jnum(T->water_l));
    json_decref(tot);
    json_object_set_new(doc, "green_share_pct",
                        json_pack("{s:o, s:o}", "annual_volumetric",
                                  jnum(r->green_share_volumetric_pct), "hourly_matched",
                                  jnum(r->green_share_hourly_pct)));
    json_object_set_new(doc, "datacenter",
                        json_pack("{s:o, s:o, s:o, s:o}", "pue", jnum(r->pue),
                                  "cue_location_kg_per_kwh", jnum(r->cue_location_kg_per_kwh),
                                  "cue_market_kg_per_kwh", jnum(r->cue_market_kg_per_kwh),
                                  "wue_l_per_kwh", jnum(r->wue_l_per_kwh)));
    json_object_set_new(doc, "energy_tce",
                        json_pack("{s:o, s:o, s:o, s:o, s:o}", "calorific",
                                  jnum(T->energy_tce_calorific), "equal_value",
                                  jnum(T->energy_tce_equal_value), "electricity_net_kwh",
                                  jnum(r->electricity_net_kwh), "fuels", jnum(r->fuels_tce),
                                  "renewable_coal_saved", jnum(r->renewable_coal_saved_tce)));
    json_object_set_new(doc, "intensity",
                        json_pack("{s:o, s:o, s:o, s:o}", "output_value_cny",
                                  jnum(r->output_value_cny), "carbon_t_per_10k_cny",
                                  jnum(r->carbon_intensity_t_per_10k_cny),
                                  "carbon_location_t_per_10k_cny",
                                  jnum(r->carbon_intensity_location_t_per_10k_cny),
                                  "energy_tce_per_10k_cny",
                                  jnum(r->energy_intensity_tce_per_10k_cny)));
    json_object_set_new(doc, "indicator", zp__indicator_json(&r->indicator));
    json_t *months = json_array();
    for (size_t k = 0; k < r->nmonths; k++)
        json_array_append_new(months, jtotals(&r->months[k], off));
    json_object_set_new(doc, "months", months);
    if (r->by & ZP_ACCT_BY_DAY) {
        json_t *days = json_array();
        for (size_t k = 0; k < r->ndays; k++)
            json_array_append_new(days, jtotals(&r->days[k], off));
        json_object_set_new(doc, "days", days);
    }
    if (r->by & ZP_ACCT_BY_ASSET) {
        json_t *assets = json_array();
        for (size_t k = 0; k < r->nassets; k++) {
            const zp_acct_asset *A = &r->assets[k];
            json_t *mo = json_array();
            for (size_t i = 0; i < r->nmonths; i++)
                json_array_append_new(mo, jnum(A->month[i]));
            json_array_append_new(
                assets, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "name", A->name, "asset",
                                  A->asset, "role", zp_acct_role_name(A->role), "unit",
                                  A->role == ZP_ROLE_WATER ? "l" : "kwh", "total", jnum(A->total),
                                  "months", mo, "scope2_location_t", jnum(A->scope2_location_t)));
        }
        json_object_set_new(doc, "assets", assets);
    }
    json_t *targets = json_array();
    for (size_t k = 0; k < r->ntargets; k++) {
        const zp_acct_target *g = &r->targets[k];
        json_array_append_new(targets,
                              json_pack("{s:s, s:o, s:o, s:o, s:s, s:b}", "name", g->name, "limit",
                                        jnum(g->limit), "value", jnum(g->value), "projected",
                                        jnum(g->projected), "status",
                                        zp_target_status_name(g->status), "met",
                                        g->status != ZP_TARGET_MISSED));
    }
    json_object_set_new(doc, "targets", targets);
    json_object_set_new(doc, "budget",
                        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "budget_t",
                                  jnum(r->budget_t), "year_start", jtime(r->budget_year_start, off),
                                  "year_end", jtime(r->budget_year_end, off), "emitted_t",
                                  jnum(T->total_market_t), "burn_rate_t_per_day",
                                  jnum(r->burn_rate_t_per_day), "projected_year_end_t",
                                  jnum(r->projected_year_end_t), "crossing",
                                  jtime(r->budget_crossing, off)));
    json_t *alerts = json_array(), *corr = json_array(), *notes = json_array();
    for (size_t k = 0; k < r->nalerts; k++)
        json_array_append_new(alerts, json_pack("{s:s, s:o, s:s}", "kind", r->alerts[k].kind,
                                                "when", jtime(r->alerts[k].when, off), "message",
                                                r->alerts[k].message));
    for (size_t k = 0; k < r->ncorrections; k++) {
        const zp_acct_correction *c = &r->corrections[k];
        json_array_append_new(corr, json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}", "meter", c->meter,
                                              "file", c->file, "row", (json_int_t)c->row, "before",
                                              jnum(c->before), "after", jnum(c->after), "wrap",
                                              jnum(c->wrap)));
    }
    for (size_t k = 0; k < r->nnotes; k++)
        json_array_append_new(notes, json_string(r->notes[k]));
    json_object_set_new(doc, "alerts", alerts);
    json_object_set_new(doc, "corrections", corr);
    json_object_set_new(doc, "notes", notes);
    size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12);
    if (indent > 0)
        flags |= JSON_INDENT(indent > 31 ? 31 : indent);
    else
        flags |= JSON_COMPACT;
    char *s = json_dumps(doc, flags);
    json_decref(doc);
    if (!s)
        return zp__nomem(ctx);
    *out = zp__strdup(ctx, s);
    free(s);
    return *out ? ZP_OK : zp__nomem(ctx);
}

void zp_acct_text_free(zp_ctx *ctx, char *text) { zp__free(ctx, text); }
