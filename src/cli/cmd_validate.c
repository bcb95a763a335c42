/*
 * cmd_validate.c - `zeropark validate MODEL`: check a park model and print
 * every problem, or a one-screen summary of the park.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "util.h"

const char cmd_validate_usage[] =
    "usage: zeropark validate MODEL [--json] [--no-series]\n"
    "\n"
    "Check a park model (docs/model.md): types, units, ranges, references to\n"
    "CSV files and columns. Every problem is printed, one per line, as\n"
    "  FILE:LINE:COLUMN: JSON.PATH: what is wrong and how to fix it\n"
    "With no problems, prints a summary of the park: assets, capacities, period,\n"
    "and the grid factors every command uses (location and residual mix, with\n"
    "source, year and the rule that chose them; docs/model.md).\n"
    "\n"
    "Options:\n"
    "  --json        print the result as JSON (stable keys, docs/cli.md)\n"
    "  --no-series   check that CSV files exist, but do not read the series\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 valid, 1 the model has problems, 2 bad usage or unreadable file.\n";

/* Summary of a value: "30000" or "mean 29876.5, peak 31000 (csv data/load.csv:it_kw)". */
static void value_text(const zp_value *v, char *buf, size_t n)
{
    if (!v->is_series) {
        snprintf(buf, n, "%s", CLI_NUM(v->constant, CLI_NUM_EXACT));
        return;
    }
    if (!v->series) {
        snprintf(buf, n, "series %s:%s", v->csv, v->column);
        return;
    }
    double peak = -INFINITY;
    for (size_t i = 0; i < v->series->len; i++)
        if (v->series->v[i] > peak)
            peak = v->series->v[i];
    snprintf(buf, n, "mean %s, peak %s (%s:%s)", CLI_NUM(zp_series_mean(v->series), CLI_NUM_AUTO),
             CLI_NUM(peak, CLI_NUM_EXACT), v->csv, v->column);
}

static json_t *value_json(const zp_value *v)
{
    json_t *o = json_object();
    if (!v->is_series) {
        json_object_set_new(o, "constant", json_real(v->constant));
        return o;
    }
    json_object_set_new(o, "csv", json_string(v->csv));
    json_object_set_new(o, "column", json_string(v->column));
    if (v->series) {
        double peak = -INFINITY, lo = INFINITY;
        for (size_t i = 0; i < v->series->len; i++) {
            peak = fmax(peak, v->series->v[i]);
            lo = fmin(lo, v->series->v[i]);
        }
        json_object_set_new(o, "mean", json_real(zp_series_mean(v->series)));
        json_object_set_new(o, "min", json_real(lo));
        json_object_set_new(o, "max", json_real(peak));
    }
    return o;
}

static json_t *flex_json(const zp_flexible *f)
{
    if (!f->present)
        return json_null();
    return json_pack("{s:f, s:f}", "share", f->share, "max_delay_h", f->max_delay_h);
}

/* The grid factors the commands use for this model (docs/model.md "Which
 * grid factor"), resolved for the year the period starts in. rc != ZP_OK
 * when they cannot be (the factor set was not read: --no-series). */
static zp_status model_factors(zp_ctx *ctx, const zp_model *m, zp_grid_factors *gf)
{
    zp_status rc = zp_model_grid_factors(ctx, m, 0, gf);
    if (rc)
        zp_ctx_clear_error(ctx);
    return rc;
}

static const char *residual_name(zp_acct_residual r)
{
    return r == ZP_RESIDUAL_VALUE ? "value" : r == ZP_RESIDUAL_LOCATION ? "location" : "factor_set";
}

static json_t *factor_json(const zp_factor *f, const char *note)
{
    json_t *o = json_object();
    json_object_set_new(o, "kg_per_kwh", isfinite(f->value) ? json_real(f->value) : json_null());
    json_object_set_new(o, "region", f->region ? json_string(f->region) : json_null());
    json_object_set_new(o, "year", f->year ? json_integer(f->year) : json_null());
    json_object_set_new(o, "source", f->source ? json_string(f->source) : json_null());
    json_object_set_new(o, "verification",
                        f->verification ? json_string(f->verification) : json_null());
    json_object_set_new(o, "note", note && note[0] ? json_string(note) : json_null());
    return o;
}

static json_t *factors_json(zp_ctx *ctx, const zp_model *m)
{
    zp_grid_factors gf;
    if (model_factors(ctx, m, &gf))
        return json_null();
    json_t *loc = factor_json(&gf.location, gf.location_note);
    json_object_set_new(loc, "rule", json_string(zp_grid_rule_name(gf.rule)));
    json_t *res = factor_json(&gf.residual, gf.residual_note);
    json_object_set_new(res, "method", json_string(residual_name(gf.residual_method)));
    json_t *reg = factor_json(&gf.region_factor, NULL);
    json_object_del(reg, "note");
    json_object_set_new(reg, "region", json_string(gf.region));
    json_t *o = json_object();
    json_object_set_new(o, "set", json_string(zp_factor_set_name(m->accounting.factors)));
    json_object_set_new(o, "data_year", json_integer(gf.data_year));
    json_object_set_new(o, "location", loc);
    json_object_set_new(o, "region", reg);
    json_object_set_new(o, "residual", res);
    json_object_set_new(o, "warning", gf.warning[0] ? json_string(gf.warning) : json_null());
    return o;
}

static void factor_line(const char *what, const zp_factor *f, const char *by, const char *note)
{
    if (isfinite(f->value))
        printf("  %-12s %s %s kg/kWh", "", what, CLI_NUM(f->value, CLI_NUM_EXACT));
    else
        printf("  %-12s %s per step", "", what);
    if (f->year)
        printf(", %s %d", f->region ? f->region : "", f->year);
    printf(", chosen by %s\n  %-12s   source: %s [%s]\n", by, "", f->source ? f->source : "?",
           f->verification ? f->verification : "?");
    if (note && note[0])
        printf("  %-12s   note: %s\n", "", note);
}

static void factors_text(zp_ctx *ctx, const zp_model *m)
{
    zp_grid_factors gf;
    char by[64];
    if (model_factors(ctx, m, &gf)) {
        printf("  %-12s not resolved: --no-series does not read accounting.factor_set %s\n",
               "factors", m->accounting.factor_set ? m->accounting.factor_set : "");
        return;
    }
    printf("  %-12s set %s, for data of %d\n", "factors",
           zp_factor_set_name(m->accounting.factors), gf.data_year);
    factor_line("location", &gf.location, zp_grid_rule_name(gf.rule), gf.location_note);
    snprintf(by, sizeof by, "accounting.residual %s", residual_name(gf.residual_method));
    factor_line("residual", &gf.residual, by, gf.residual_note);
    if (gf.warning[0])
        printf("  %-12s %s\n", "warning", gf.warning);
}

/* A number of the tariff's and where it comes from: "given" (the model's),
 * "tariff" or absent (NaN). */
static json_t *num_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* What the park pays (docs/model.md "Tariff and the bill"), as the model
 * resolved it: the tariff, its notice and evidence, the basic charge, a
 * green-power contract. */
static json_t *billing_json(const zp_model *m)
{
    const zp_grid *g = &m->grid;
    json_t *o = json_object();
    if (g->tariff) {
        const zp_tariff_info *ti = zp_tariff_get_info(g->tariff);
        const zp_tariff_source *src = zp_tariff_source_get(g->tariff, 0);
        json_object_set_new(
            o, "tariff",
            json_pack("{s:s?, s:s?, s:s?, s:b, s:s?, s:s?, s:s?, s:o, s:s?, s:o, s:s?}", "name",
                      ti->name, "title", ti->title, "origin", ti->origin, "inline",
                      g->tariff_inline, "notice", src ? src->notice : NULL, "issuer",
                      src ? src->issuer : NULL, "evidence", src ? src->evidence : NULL,
                      "base_price_cny_per_kwh", num_or_null(ti->base_price_cny_per_kwh),
                      "base_price_evidence",
                      isfinite(g->tariff_base_price_cny_per_kwh) ? "park model"
                                                                 : ti->base_price_evidence,
                      "fixed_cny_per_kwh", num_or_null(ti->fixed_cny_per_kwh),
                      "demand_charge_evidence", ti->demand_charge_evidence));
    } else {
        json_object_set_new(o, "tariff", json_null());
    }
    json_object_set_new(o, "demand_charge_cny_per_kw_month",
                        json_real(g->demand_charge_cny_per_kw_month));
    json_object_set_new(o, "capacity_charge_cny_per_kva_month",
                        json_real(g->capacity_charge_cny_per_kva_month));
    json_object_set_new(o, "transformer_kva", json_real(g->transformer_kva));
    const zp_green_power *gp = &g->green_power;
    json_object_set_new(o, "green_power",
                        gp->present ? json_pack("{s:o, s:o, s:f}", "mwh_per_month",
                                                gp->profile_kw.is_series ? json_null()
                                                                         : json_real(gp->mwh_per_month),
                                                "profile", gp->profile_kw.is_series
                                                               ? value_json(&gp->profile_kw)
                                                               : json_null(),
                                                "premium_cny_per_mwh", gp->premium_cny_per_mwh)
                                    : json_null());
    return o;
}

static void billing_text(const zp_model *m)
{
    const zp_grid *g = &m->grid;
    const char *w = "tariff";
    if (g->tariff) {
        const zp_tariff_info *ti = zp_tariff_get_info(g->tariff);
        const zp_tariff_source *src = zp_tariff_source_get(g->tariff, 0);
        printf("  %-12s %s (%s)\n", w, ti->name ? ti->name : "?",
               g->tariff_inline ? "written in the model" : ti->origin);
        if (ti->title)
            printf("  %-12s   %s\n", "", ti->title);
        if (src && src->notice)
            printf("  %-12s   notice: %s%s%s, evidence: %s\n", "", src->notice,
                   src->issuer ? ", " : "", src->issuer ? src->issuer : "",
                   src->evidence ? src->evidence : "not given");
        if (isfinite(ti->base_price_cny_per_kwh)) {
            printf("  %-12s   base price %s CNY/kWh (%s)", "",
                   CLI_NUM(ti->base_price_cny_per_kwh, CLI_NUM_EXACT),
                   isfinite(g->tariff_base_price_cny_per_kwh) ? "grid.tariff_base_price_cny_per_kwh"
                                                              : "the tariff's");
            if (ti->fixed_cny_per_kwh > 0)
                printf(", of which %s does not float",
                       CLI_NUM(ti->fixed_cny_per_kwh, CLI_NUM_EXACT));
            printf("\n");
            if (!isfinite(g->tariff_base_price_cny_per_kwh) && ti->base_price_evidence)
                printf("  %-12s     evidence: %s\n", "", ti->base_price_evidence);
        }
        w = "";
    } else if (g->tariff_name) {
        printf("  %-12s %s (not looked up: --no-series reads no files)\n", w, g->tariff_name);
        w = "";
    } else if (g->demand_charge_cny_per_kw_month > 0 || g->capacity_charge_cny_per_kva_month > 0) {
        printf("  %-12s none: the price is grid.price_cny_per_kwh\n", w);
        w = "";
    }
    const zp_tariff_info *ti = g->tariff ? zp_tariff_get_info(g->tariff) : NULL;
    if (g->demand_charge_cny_per_kw_month > 0) {
        printf("  %-12s   demand charge %s CNY/kW-month on each month's peak import (%s)\n", w,
               CLI_NUM(g->demand_charge_cny_per_kw_month, CLI_NUM_EXACT),
               g->demand_charge_given ? "grid.demand_charge_cny_per_kw_month" : "the tariff's");
        if (!g->demand_charge_given && ti && ti->demand_charge_evidence)
            printf("  %-12s     evidence: %s\n", "", ti->demand_charge_evidence);
    }
    if (g->capacity_charge_cny_per_kva_month > 0)
        printf("  %-12s   capacity charge %s CNY/kVA-month x %s kVA (%s), fixed\n", w,
               CLI_NUM(g->capacity_charge_cny_per_kva_month, CLI_NUM_EXACT),
               CLI_NUM(g->transformer_kva, CLI_NUM_EXACT),
               g->capacity_charge_given ? "grid.capacity_charge_cny_per_kva_month" : "the tariff's");
    const zp_green_power *gp = &g->green_power;
    if (gp->present) {
        char buf[512];
        if (gp->profile_kw.is_series)
            value_text(&gp->profile_kw, buf, sizeof buf);
        printf("  %-12s %s%s%s, premium %s CNY/MWh\n", "green power",
               gp->profile_kw.is_series ? "profile " : CLI_NUM(gp->mwh_per_month, CLI_NUM_EXACT),
               gp->profile_kw.is_series ? buf : " MWh a month",
               gp->profile_kw.is_series ? " kW" : "", CLI_NUM(gp->premium_cny_per_mwh, CLI_NUM_EXACT));
    }
}

static const char *objective_name(zp_objective_kind k)
{
    return k == ZP_MINIMISE_COST ? "cost" : k == ZP_MINIMISE_COST_WITH_CARBON_PRICE ? "cost_with_carbon_price" : "carbon";
}

static json_t *summary_json(zp_ctx *ctx, const zp_model *m)
{
    char t0[ZP_TIME_BUFSIZE], t1[ZP_TIME_BUFSIZE];
    json_t *doc = json_object();
    json_object_set_new(doc, "model", json_string(m->name));
    json_object_set_new(doc, "file", json_string(m->file));
    json_object_set_new(doc, "valid", json_true());
    json_object_set_new(doc, "problems", json_array());
    json_object_set_new(doc, "utc_offset_h", json_real(m->utc_offset_h));
    json_object_set_new(doc, "site", json_pack("{s:f, s:f, s:f}", "lat_deg", m->lat_deg, "lon_deg",
                                               m->lon_deg, "elevation_m", m->elevation_m));
    json_object_set_new(doc, "period",
                        json_pack("{s:s, s:s, s:i, s:I}", "start",
                                  zp_time_format(m->start, m->utc_offset_min, t0), "end",
                                  zp_time_format(m->end, m->utc_offset_min, t1), "step_min",
                                  (int)m->step_min, "steps", (json_int_t)m->steps));
    json_t *grid = json_object();
    json_object_set_new(grid, "import_limit_kw", isinf(m->grid.import_limit_kw) ? json_null() : json_real(m->grid.import_limit_kw));
    json_object_set_new(grid, "export_limit_kw", json_real(m->grid.export_limit_kw));
    json_object_set_new(grid, "emission_factor_kg_per_kwh", value_json(&m->grid.emission_factor_kg_per_kwh));
    json_object_set_new(grid, "price_cny_per_kwh", value_json(&m->grid.price_cny_per_kwh));
    json_object_set_new(doc, "grid", grid);
    json_object_set_new(doc, "billing", billing_json(m));
    json_object_set_new(doc, "factors", factors_json(ctx, m));

    json_t *pv = json_array();
    double pv_kwp = 0;
    for (size_t i = 0; i < m->npv; i++) {
        pv_kwp += m->pv[i].capacity_kwp;
        json_array_append_new(pv, json_pack("{s:s, s:f, s:f, s:f, s:f}", "name", m->pv[i].name,
                                            "capacity_kwp", m->pv[i].capacity_kwp, "inverter_kw",
                                            m->pv[i].inverter_kw, "tilt_deg", m->pv[i].tilt_deg,
                                            "azimuth_deg", m->pv[i].azimuth_deg));
    }
    json_t *wind = json_array();
    double wind_kw = 0;
    for (size_t i = 0; i < m->nwind; i++) {
        wind_kw += m->wind[i].count * m->wind[i].rated_kw;
        json_array_append_new(wind, json_pack("{s:s, s:i, s:f, s:f}", "name", m->wind[i].name,
                                              "count", m->wind[i].count, "rated_kw",
                                              m->wind[i].rated_kw, "hub_height_m",
                                              m->wind[i].hub_height_m));
    }
    json_t *st = json_array();
    double st_kwh = 0, st_kw = 0;
    for (size_t i = 0; i < m->nstorage; i++) {
        st_kwh += m->storage[i].energy_kwh;
        st_kw += m->storage[i].power_kw;
        json_array_append_new(st, json_pack("{s:s, s:f, s:f, s:f, s:b, s:o}", "name",
                                            m->storage[i].name, "energy_kwh",
                                            m->storage[i].energy_kwh, "power_kw",
                                            m->storage[i].power_kw, "degradation_cny_per_kwh",
                                            m->storage[i].degradation_cny_per_kwh,
                                            "degradation_derived",
                                            m->storage[i].degradation_derived, "cycle_life",
                                            m->storage[i].cycle_life > 0
                                                ? json_real(m->storage[i].cycle_life)
                                                : json_null()));
    }
    json_t *loads = json_array();
    for (size_t i = 0; i < m->nloads; i++)
        json_array_append_new(loads, json_pack("{s:s, s:o, s:o}", "name", m->loads[i].name,
                                               "power_kw", value_json(&m->loads[i].power_kw),
                                               "flexible", flex_json(&m->loads[i].flexible)));
    json_object_set_new(doc, "pv", pv);
    json_object_set_new(doc, "wind", wind);
    json_object_set_new(doc, "storage", st);
    json_object_set_new(doc, "loads", loads);
    if (m->datacenter.present) {
        json_t *dc = json_pack("{s:o, s:f, s:o}", "it_power_kw",
                               value_json(&m->datacenter.it_power_kw), "pue", m->datacenter.pue,
                               "flexible", flex_json(&m->datacenter.flexible));
        if (m->datacenter.pue_curve) {
            json_t *curve = json_array();
            for (size_t i = 0; i < m->datacenter.pue_curve_len; i++)
                json_array_append_new(curve, json_pack("[f, f]", m->datacenter.pue_curve[i][0],
                                                       m->datacenter.pue_curve[i][1]));
            json_object_set_new(dc, "pue_curve", curve);
        }
        json_object_set_new(doc, "datacenter", dc);
    }
    else
        json_object_set_new(doc, "datacenter", json_null());
    json_object_set_new(doc, "totals",
                        json_pack("{s:f, s:f, s:f, s:f}", "pv_kwp", pv_kwp, "wind_kw", wind_kw,
                                  "storage_kwh", st_kwh, "storage_kw", st_kw));
    json_object_set_new(doc, "objective", json_string(objective_name(m->objective)));
    return doc;
}

static void summary_text(zp_ctx *ctx, const zp_model *m, const char *devices_line)
{
    char t0[ZP_TIME_BUFSIZE], t1[ZP_TIME_BUFSIZE], buf[512];
    printf("%s  (%s)\n", m->name, m->file);
    int off = m->utc_offset_min, aoff = off < 0 ? -off : off;
    printf("  %-12s %s %c, %s %c, %s m, UTC%c%02d:%02d\n", "site", CLI_NUM(fabs(m->lat_deg), 4),
           m->lat_deg < 0 ? 'S' : 'N', CLI_NUM(fabs(m->lon_deg), 4), m->lon_deg < 0 ? 'W' : 'E',
           CLI_NUM(m->elevation_m, CLI_NUM_EXACT), off < 0 ? '-' : '+', aoff / 60, aoff % 60);
    printf("  %-12s %s .. %s, %d-min steps (%s)\n", "period",
           zp_time_format(m->start, m->utc_offset_min, t0),
           zp_time_format(m->end, m->utc_offset_min, t1), (int)m->step_min,
           CLI_NUM((double)m->steps, 0));
    if (m->weather.present)
        printf("  %-12s %s (%s)\n", "weather", m->weather.csv, m->weather.format);
    value_text(&m->grid.emission_factor_kg_per_kwh, buf, sizeof buf);
    printf("  %-12s import <= %s kW, export <= %s kW, factor %s kg/kWh\n", "grid",
           CLI_NUM(m->grid.import_limit_kw, CLI_NUM_EXACT),
           CLI_NUM(m->grid.export_limit_kw, CLI_NUM_EXACT), buf);
    factors_text(ctx, m);
    billing_text(m);
    double tot = 0;
    for (size_t i = 0; i < m->npv; i++)
        tot += m->pv[i].capacity_kwp;
    if (m->npv)
        printf("  %-12s %zu array%s, %s kWp\n", "pv", m->npv, m->npv == 1 ? "" : "s",
               CLI_NUM(tot, CLI_NUM_EXACT));
    for (size_t i = 0; i < m->npv; i++)
        printf("  %-12s   %s: %s kWp, inverter %s kW, tilt %s deg, azimuth %s deg\n", "",
               m->pv[i].name, CLI_NUM(m->pv[i].capacity_kwp, CLI_NUM_EXACT),
               CLI_NUM(m->pv[i].inverter_kw, CLI_NUM_EXACT), CLI_NUM(m->pv[i].tilt_deg, CLI_NUM_EXACT),
               CLI_NUM(m->pv[i].azimuth_deg, CLI_NUM_EXACT));
    for (size_t i = 0; i < m->nwind; i++)
        printf("  %-12s %s: %s x %s kW = %s kW, hub %s m\n", i ? "" : "wind", m->wind[i].name,
               CLI_NUM(m->wind[i].count, 0), CLI_NUM(m->wind[i].rated_kw, CLI_NUM_EXACT),
               CLI_NUM(m->wind[i].count * m->wind[i].rated_kw, CLI_NUM_EXACT),
               CLI_NUM(m->wind[i].hub_height_m, CLI_NUM_EXACT));
    for (size_t i = 0; i < m->nstorage; i++) {
        const zp_storage *s = &m->storage[i];
        printf("  %-12s %s: %s kWh / %s kW, SOC %s..%s", i ? "" : "storage", s->name,
               CLI_NUM(s->energy_kwh, CLI_NUM_EXACT), CLI_NUM(s->power_kw, CLI_NUM_EXACT),
               CLI_NUM(s->soc_min, CLI_NUM_EXACT), CLI_NUM(s->soc_max, CLI_NUM_EXACT));
        if (s->degradation_cny_per_kwh > 0)
            printf(", wear %s CNY/kWh discharged", CLI_NUM(s->degradation_cny_per_kwh, 4));
        if (s->degradation_derived)
            printf(" (from %s CNY/kWh and %s cycles)", CLI_NUM(s->capex_cny_per_kwh, CLI_NUM_EXACT),
                   CLI_NUM(s->cycle_life, CLI_NUM_EXACT));
        printf("\n");
    }
    for (size_t i = 0; i < m->nloads; i++) {
        value_text(&m->loads[i].power_kw, buf, sizeof buf);
        printf("  %-12s %s: %s kW", i ? "" : "loads", m->loads[i].name, buf);
        if (m->loads[i].flexible.present)
            printf(", %s%% flexible up to %s h", CLI_NUM(m->loads[i].flexible.share * 100, CLI_NUM_EXACT),
                   CLI_NUM(m->loads[i].flexible.max_delay_h, CLI_NUM_EXACT));
        printf("\n");
    }
    if (m->datacenter.present) {
        value_text(&m->datacenter.it_power_kw, buf, sizeof buf);
        if (m->datacenter.pue_curve)
            printf("  %-12s IT %s kW, PUE from outdoor temperature (%zu points; %s at 20 C)",
                   "datacenter", buf, m->datacenter.pue_curve_len,
                   CLI_NUM(m->datacenter.pue, CLI_NUM_EXACT));
        else
            printf("  %-12s IT %s kW, PUE %s", "datacenter", buf,
                   CLI_NUM(m->datacenter.pue, CLI_NUM_EXACT));
        if (m->datacenter.flexible.present)
            printf(", %s%% flexible up to %s h",
                   CLI_NUM(m->datacenter.flexible.share * 100, CLI_NUM_EXACT),
                   CLI_NUM(m->datacenter.flexible.max_delay_h, CLI_NUM_EXACT));
        printf("\n");
    }
    for (size_t i = 0; i < m->nfuels; i++)
        printf("  %-12s %s: %s %s\n", i ? "" : "fuels", m->fuels[i].type,
               CLI_NUM(m->fuels[i].amount, CLI_NUM_EXACT), m->fuels[i].unit);
    if (m->green_certificates_mwh > 0)
        printf("  %-12s %s MWh of green certificates\n", "certificates",
               CLI_NUM(m->green_certificates_mwh, CLI_NUM_EXACT));
    if (!isnan(m->targets.max_emissions_t) || !isnan(m->targets.min_green_share_pct) ||
        !isnan(m->targets.max_pue) || !isnan(m->targets.max_t_co2_per_tce) ||
        !isnan(m->targets.min_clean_energy_share_pct)) {
        printf("  %-12s", "targets");
        if (!isnan(m->targets.max_emissions_t))
            printf(" emissions <= %s t;", CLI_NUM(m->targets.max_emissions_t, CLI_NUM_EXACT));
        if (!isnan(m->targets.min_green_share_pct))
            printf(" green share >= %s%%;", CLI_NUM(m->targets.min_green_share_pct, CLI_NUM_EXACT));
        if (!isnan(m->targets.max_pue))
            printf(" PUE <= %s;", CLI_NUM(m->targets.max_pue, CLI_NUM_EXACT));
        if (!isnan(m->targets.max_t_co2_per_tce))
            printf(" t CO2 per tce <= %s;", CLI_NUM(m->targets.max_t_co2_per_tce, CLI_NUM_EXACT));
        if (!isnan(m->targets.min_clean_energy_share_pct))
            printf(" clean-energy share >= %s%%;",
                   CLI_NUM(m->targets.min_clean_energy_share_pct, CLI_NUM_EXACT));
        printf("\n");
    }
    if (devices_line[0])
        printf("%s", devices_line);
    printf("  %-12s minimise %s", "objective", objective_name(m->objective));
    if (m->objective == ZP_MINIMISE_COST_WITH_CARBON_PRICE)
        printf(" (carbon price %s CNY/t)", CLI_NUM(m->carbon_price_cny_per_t, CLI_NUM_EXACT));
    printf("\nvalid: no problems found\n");
}

int cmd_validate_run(const cli_cmd *cmd, int argc, char **argv)
{
    bool json = false, no_series = false;
    cli_opt opts[] = {CLI_FLAG("json", &json), CLI_FLAG("no-series", &no_series), CLI_END};
    int exit_code;
    if (!cli_opts_parse(cmd, opts, argc, argv, &exit_code))
        return exit_code;
    if (optind != argc - 1)
        return cli_usage_error(cmd, optind >= argc ? "missing MODEL" : "expected one MODEL, got %d arguments", argc - optind);
    unsigned flags = no_series ? ZP_MODEL_NO_SERIES : 0;
    const char *path = argv[optind];

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    zp_model *m = NULL;
    zp_status rc = zp_model_load_file(ctx, path, flags, &m);
    if (rc == ZP_OK) {
        const zp_devices devs = m->devices;
        size_t kinds[3] = {0, 0, 0}, points = 0;
        for (size_t i = 0; i < devs.n; i++) {
            kinds[devs.dev[i].kind <= ZP_DEV_HTTP ? devs.dev[i].kind : 0]++;
            points += devs.dev[i].npoints;
        }
        if (json) {
            json_t *doc = summary_json(ctx, m);
            json_object_set_new(doc, "devices",
                                json_pack("{s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)devs.n,
                                          "modbus", (json_int_t)kinds[ZP_DEV_MODBUS], "mqtt",
                                          (json_int_t)kinds[ZP_DEV_MQTT], "http",
                                          (json_int_t)kinds[ZP_DEV_HTTP], "points",
                                          (json_int_t)points));
            cli_print_json(doc);
            json_decref(doc);
        } else {
            char line[160] = "";
            if (devs.n)
                snprintf(line, sizeof line,
                         "  %-12s %s (%s Modbus, %s MQTT, %s HTTP push), %s points\n",
                         "devices", CLI_NUM((double)devs.n, 0),
                         CLI_NUM((double)kinds[ZP_DEV_MODBUS], 0),
                         CLI_NUM((double)kinds[ZP_DEV_MQTT], 0),
                         CLI_NUM((double)kinds[ZP_DEV_HTTP], 0), CLI_NUM((double)points, 0));
            summary_text(ctx, m, line);
        }
    } else if (rc == ZP_EMODEL) {
        exit_code = EXIT_CHECK;
        if (json) {
            json_t *doc = json_pack("{s:s, s:b, s:o}", "file", path, "valid", 0, "problems",
                                    cli_diags_json(ctx));
            cli_print_json(doc);
            json_decref(doc);
        } else {
            cli_print_diags(ctx);
            cli_err("validate", "%s", zp_ctx_errmsg(ctx));
        }
    } else {
        exit_code = cli_fail("validate", ctx, rc);
    }
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
    return exit_code;
}
