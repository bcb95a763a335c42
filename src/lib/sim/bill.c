/*
 * bill.c - the run's bill (zp__sim_bill, sim_impl.h): what the park pays
 * for the dispatch's flows, priced once by zp_bill_compute
 * (zeropark/tariff.h, docs/tariffs.md "The bill"): energy at each step's
 * import price, the demand charge on each calendar month's peak import or
 * the capacity charge, export revenue, each battery's wear and the
 * green-power premium. Everything else that shows a cost (cost_cny, the
 * results' cost_breakdown_cny and monthly peaks, the report, compare)
 * reads this bill. zp__sim_bill_json writes it into the results document.
 */
#include "core/internal.h"
#include "sim/sim_impl.h"

#include <jansson.h>
#include <math.h>

zp_status zp__sim_bill(sim_priv *p)
{
    zp_ctx *ctx = p->ctx;
    zp_sim_result *r = &p->pub;
    const zp_model *m = r->model;
    const zp_dispatch_result *f = r->flows;
    const size_t n = r->steps;
    zp_bill_input in;
    zp_bill_input_init(&in);
    in.grid = (zp_time_grid){r->start, r->step_s, n, m->utc_offset_min};
    in.import_kw = f->grid_import_kw;
    in.export_kw = f->grid_export_kw;
    double *flat = NULL;
    if (r->price_cny_per_kwh) {
        in.price_cny_per_kwh = r->price_cny_per_kwh;
    } else {
        /* a constant price: the bill takes one value a step */
        if (!(flat = zp__calloc(ctx, n ? n : 1, sizeof *flat)))
            return zp__nomem(ctx);
        for (size_t t = 0; t < n; t++)
            flat[t] = m->grid.price_cny_per_kwh.constant;
        in.price_cny_per_kwh = flat;
    }
    in.export_price_cny_per_kwh = r->export_price_cny_per_kwh;
    in.export_price_flat_cny_per_kwh = m->grid.export_price_cny_per_kwh.constant;
    in.demand_charge_cny_per_kw_month = m->grid.demand_charge_cny_per_kw_month;
    in.capacity_charge_cny_per_kva_month = m->grid.capacity_charge_cny_per_kva_month;
    in.transformer_kva = m->grid.transformer_kva;
    zp_bill_storage *bs = zp__calloc(ctx, m->nstorage + 1, sizeof *bs);
    if (!bs) {
        zp__free(ctx, flat);
        return zp__nomem(ctx);
    }
    for (size_t s = 0; s < m->nstorage && s < f->nstorage; s++) {
        const zp_storage *st = &m->storage[s];
        bs[s] = (zp_bill_storage){.name = st->name,
                                  .discharge_kw = f->storage[s].discharge_kw,
                                  .degradation_cny_per_kwh = st->degradation_cny_per_kwh,
                                  .usable_kwh = st->energy_kwh * (st->soc_max - st->soc_min),
                                  .discharge_efficiency = st->discharge_efficiency,
                                  .cycle_life = st->cycle_life,
                                  .end_of_life_soh = st->end_of_life_soh};
        in.nstorage++;
    }
    in.storage = bs;
    const zp_green_power *gp = &m->grid.green_power;
    zp_green_contract gc = {0};
    if (gp->present) {
        gc.mwh_per_month = p->green_kw ? 0 : gp->mwh_per_month;
        gc.profile_kw = p->green_kw;
        gc.premium_cny_per_mwh = gp->premium_cny_per_mwh;
        in.green = &gc;
    }
    zp_status rc = zp_bill_compute(ctx, &in, &r->bill);
    if (rc == ZP_OK)
        r->cost_cny = r->bill->cost.total;
    zp__free(ctx, bs);
    zp__free(ctx, flat);
    return rc;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

json_t *zp__sim_breakdown_json(const zp_bill_breakdown *c)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "energy", num(c->energy), "demand",
                     num(c->demand), "capacity", num(c->capacity), "export_revenue",
                     num(c->export_revenue), "degradation", num(c->degradation), "green_power",
                     num(c->green_power), "total", num(c->total));
}

zp_status zp__sim_bill_json(const zp_sim_result *r, json_t *doc)
{
    const zp_bill *b = r->bill;
    const zp_model *m = r->model;
    const int32_t off = m->utc_offset_min;
    char at[ZP_TIME_BUFSIZE];
    if (!b)
        return ZP_OK;
    json_t *peaks = json_array(), *months = json_array(), *wear = json_array();
    for (size_t i = 0; i < b->nmonths; i++) {
        const zp_bill_month *x = &b->months[i];
        json_array_append_new(peaks, json_pack("{s:s, s:o}", "month", x->month, "kw",
                                               num(x->peak_import_kw)));
        json_array_append_new(
            months, json_pack("{s:s, s:i, s:i, s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "month",
                              x->month, "days_covered", x->days_covered, "days_in_month",
                              x->days_in_month, "charge_fraction", num(x->fraction),
                              "peak_import_kw", num(x->peak_import_kw), "peak_import_at",
                              zp_time_format(x->peak_at, off, at), "import_kwh",
                              num(x->import_kwh), "export_kwh", num(x->export_kwh),
                              "green_power_mwh", num(x->green_mwh), "cost_cny",
                              zp__sim_breakdown_json(&x->cost)));
    }
    for (size_t s = 0; s < b->nstorage; s++) {
        const zp_bill_wear *w = &b->storage[s];
        json_array_append_new(
            wear, json_pack("{s:s?, s:o, s:o, s:o, s:o, s:o, s:o}", "name", w->name,
                            "discharged_kwh", num(w->discharged_kwh), "equivalent_full_cycles",
                            num(w->cycles), "equivalent_full_cycles_per_year",
                            num(w->cycles_per_year), "capacity_fade_pct_per_year",
                            num(100.0 * w->fade_per_year), "degradation_cny_per_kwh",
                            num(m->storage[s].degradation_cny_per_kwh), "degradation_cny",
                            num(w->degradation_cny)));
    }
    const zp_tariff_info *ti = m->grid.tariff ? zp_tariff_get_info(m->grid.tariff) : NULL;
    const zp_tariff_source *src = m->grid.tariff ? zp_tariff_source_get(m->grid.tariff, 0) : NULL;
    json_t *tariff = ti ? json_pack("{s:s?, s:s?, s:s?, s:o, s:b}", "name", ti->name, "origin",
                                    ti->origin, "notice", src ? src->notice : NULL,
                                    "base_price_cny_per_kwh", num(ti->base_price_cny_per_kwh),
                                    "inline", m->grid.tariff_inline)
                        : json_null();
    json_t *bill = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "tariff", tariff, "demand_charge_cny_per_kw_month",
        num(m->grid.demand_charge_cny_per_kw_month), "capacity_charge_cny_per_kva_month",
        num(m->grid.capacity_charge_cny_per_kva_month), "transformer_kva",
        num(m->grid.transformer_kva), "green_power_mwh", num(b->green_mwh), "prorate",
        json_string("calendar days"), "months", months);
    if (!peaks || !months || !wear || !bill ||
        json_object_set_new(doc, "cost_breakdown_cny", zp__sim_breakdown_json(&b->cost)) ||
        json_object_set_new(doc, "monthly_peak_import_kw", peaks) ||
        json_object_set_new(doc, "storage_wear", wear) || json_object_set_new(doc, "bill", bill))
        return ZP_ENOMEM;
    return ZP_OK;
}
