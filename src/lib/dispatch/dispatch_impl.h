/*
 * dispatch_impl.h - private to src/lib/dispatch (never installed): what
 * the dispatchers (rule.c, lp.c, mpc.c) share beyond zeropark/dispatch.h.
 * The functions are in result.c.
 */
#ifndef ZP_DISPATCH_IMPL_H
#define ZP_DISPATCH_IMPL_H

#include "zeropark/dispatch.h"
#include "zeropark/storage.h"

#include <math.h>
#include <stddef.h>

/* Value t of an optional input series (0 without one). */
static inline double zp__dispatch_at(const double *a, size_t t) { return a ? a[t] : 0.0; }

/* Flexible demand arriving at step t (kW): the load's series, scaled by
 * its share when that is > 0. */
static inline double zp__flex_arrival(const zp_dispatch_flex *f, size_t t)
{
    if (!f->kw)
        return 0.0;
    return f->share > 0.0 ? f->share * f->kw[t] : f->kw[t];
}

/* The load's delay in whole steps: the epsilon keeps 6 h / 0.25 h = 24
 * steps when the division rounds a hair below the integer. Saturating at
 * steps keeps t + D from wrapping and changes nothing: any deadline past
 * the last step makes the arrival due at once. */
static inline size_t zp__flex_delay_steps(const zp_dispatch_flex *f, double dt, size_t steps)
{
    double ds = floor(f->max_delay_h / dt + 1e-9);
    return ds >= (double)steps ? steps : (size_t)ds;
}

/* What a kWh imported at step t costs in the input's objective. */
static inline double zp__dispatch_import_cost(const zp_dispatch_input *in, size_t t)
{
    double f = zp__dispatch_at(in->grid_factor_kg_per_kwh, t);
    double p = zp__dispatch_at(in->import_price_cny_per_kwh, t);
    switch (in->objective) {
    case ZP_MINIMISE_COST:
        return p;
    case ZP_MINIMISE_COST_WITH_CARBON_PRICE:
        return p + in->carbon_price_cny_per_t * f / 1000.0;
    case ZP_MINIMISE_CARBON:
    default:
        return f;
    }
}

/* Each storage's state at the start (in->soc_initial, else its own
 * initial state of charge) into st (in->nstorage entries), and the result
 * r's soc_start. */
void zp__dispatch_storage_init(const zp_dispatch_input *in, zp_storage_state *st,
                               zp_dispatch_result *r);

/* Step t of r into the totals: demand and what was available as given
 * (kW), what was used, traded, curtailed and unserved as r holds it, over
 * dt hours. Storage totals are each dispatcher's own. */
void zp__dispatch_totals_step(zp_dispatch_totals *tot, const zp_dispatch_result *r, size_t t,
                              double firm, double pv, double wind, double dt);
/* The flexible loads' totals and the whole load, once every step is in. */
void zp__dispatch_totals_end(zp_dispatch_totals *tot, const zp_dispatch_result *r);

#endif
