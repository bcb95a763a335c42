/*
 * options.c - the accounting options (include/zeropark/carbon.h): their
 * defaults and those a park model sets. Read by the engine (account.c)
 * and by the grid-factor rule (factors.c).
 */
#include "core/internal.h"
#include "zeropark/carbon.h"

#include <math.h>
#include <string.h>

void zp_acct_opts_init(zp_acct_opts *o)
{
    memset(o, 0, sizeof *o);
    o->gwp = ZP_GWP_AR6;
    o->grid_region = NULL; /* national, not named */
    o->grid_factor_kg_per_kwh = NAN;
    o->residual = ZP_RESIDUAL_FACTOR_SET;
    o->residual_factor_kg_per_kwh = NAN;
    o->output_value_cny = NAN;
    o->by = ZP_ACCT_BY_MONTH;
    o->max_emissions_t = o->min_green_share_pct = o->max_pue = NAN;
    o->max_energy_tce = o->max_carbon_intensity_t_per_10k_cny = NAN;
    o->max_t_co2_per_tce = o->min_clean_energy_share_pct = NAN;
    o->at_risk_margin_pct = 5;
}

void zp_acct_opts_from_model(zp_acct_opts *o, const zp_model *m)
{
    zp_acct_opts_init(o);
    if (!m)
        return;
    o->factors = m->accounting.factors;
    /* A grid factor written in the model wins over the factor set (the
     * precedence of zp_grid_factors_resolve). A series arrives per step
     * with the input instead. */
    const zp_value *ef = &m->grid.emission_factor_kg_per_kwh;
    if (m->grid.emission_factor_given && !ef->is_series) {
        o->grid_factor_kg_per_kwh = ef->constant;
        o->grid_factor_source = "park model (grid.emission_factor_kg_per_kwh)";
    }
    const zp_accounting *a = &m->accounting;
    if (a->present) {
        if (a->grid_region)
            o->grid_region = a->grid_region;
        o->year = a->year;
        o->gwp = a->gwp == 0 ? ZP_GWP_AR5 : ZP_GWP_AR6;
        o->fuel_set = a->fuel_set;
        if (a->residual && strcmp(a->residual, "location") == 0)
            o->residual = ZP_RESIDUAL_LOCATION;
        else if (a->residual && strcmp(a->residual, "value") == 0)
            o->residual = ZP_RESIDUAL_VALUE;
        o->residual_factor_kg_per_kwh = a->residual_factor_kg_per_kwh;
        o->output_value_cny = a->output_value_cny;
        o->at_risk_margin_pct = a->at_risk_margin_pct;
    }
    o->max_emissions_t = m->targets.max_emissions_t;
    o->min_green_share_pct = m->targets.min_green_share_pct;
    o->max_pue = m->targets.max_pue;
    o->max_energy_tce = m->targets.max_energy_tce;
    o->max_carbon_intensity_t_per_10k_cny = m->targets.max_carbon_intensity_t_per_10k_cny;
    o->max_t_co2_per_tce = m->targets.max_t_co2_per_tce;
    o->min_clean_energy_share_pct = m->targets.min_clean_energy_share_pct;
}
