/*
 * info.c - the /api/v1/info document: the park, its components, targets,
 * grid factor and the daemon's mode (docs/api.md).
 */
#include "info.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "server.h"

zs_doc *zs_info_build(zs_server *S)
{
    const zp_model *m = S->model;
    json_t *pv = json_array(), *wind = json_array(), *st = json_array(), *loads = json_array();
    for (size_t i = 0; i < m->npv; i++)
        json_array_append_new(pv, json_string(m->pv[i].name));
    for (size_t i = 0; i < m->nwind; i++)
        json_array_append_new(wind, json_string(m->wind[i].name));
    for (size_t i = 0; i < m->nstorage; i++)
        json_array_append_new(st, json_pack("{ss sf sf}", "name", m->storage[i].name, "energy_kwh",
                                            m->storage[i].energy_kwh, "power_kw", m->storage[i].power_kw));
    for (size_t i = 0; i < m->nloads; i++)
        json_array_append_new(loads, json_string(m->loads[i].name));
    json_t *targets = json_object();
    const double tv[] = {m->targets.max_emissions_t, m->targets.min_green_share_pct, m->targets.max_pue,
                         m->targets.max_energy_tce, m->targets.max_carbon_intensity_t_per_10k_cny,
                         m->targets.max_t_co2_per_tce, m->targets.min_clean_energy_share_pct};
    const char *tn[] = {"max_emissions_t", "min_green_share_pct", "max_pue", "max_energy_tce",
                        "max_carbon_intensity_t_per_10k_cny", "max_t_co2_per_tce",
                        "min_clean_energy_share_pct"};
    for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++)
        if (isfinite(tv[i]))
            json_object_set_new(targets, tn[i], json_real(tv[i]));
    const zp_value *ef = &m->grid.emission_factor_kg_per_kwh;
    double factor = ef->is_series ? (ef->series ? zp_series_mean(ef->series) : NAN) : ef->constant;
    json_t *doc = json_pack(
        "{ss sf ss si s{so so so so sb} so s{ss ss so ss} ss}", "park", m->name, "utc_offset_h",
        m->utc_offset_h, "version", ZP_VERSION_STRING, "step_min", (int)m->step_min, "components", "pv",
        pv, "wind", wind, "storage", st, "loads", loads, "datacenter", m->datacenter.present != 0,
        "targets", targets, "factors", "set",
        m->accounting.factor_set ? m->accounting.factor_set : "builtin", "method",
        "location and market based", "grid_factor_kg_per_kwh",
        isfinite(factor) ? json_real(factor) : json_null(), "grid_factor_source",
        m->grid.emission_factor_source ? m->grid.emission_factor_source : "", "mode",
        zs_mode_name((zs_mode)atomic_load(&S->mode)));
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    json_decref(doc);
    zs_doc *d = text ? zs_doc_new(text, strlen(text)) : NULL;
    free(text);
    return d;
}
