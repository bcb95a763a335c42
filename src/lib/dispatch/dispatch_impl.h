/*
 * dispatch_impl.h - private to src/lib/dispatch (never installed): what
 * the dispatchers (rule.c, lp.c, mpc.c) share beyond zeropark/dispatch.h.
 * The functions are in result.c, those of peak shaving in peak.c.
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

/* The demand charge (zeropark/dispatch.h): the months a horizon indexes
 * (at least one), step t's month, each month's share of the charge and
 * the peak already paid in it. */
static inline size_t zp__dispatch_nmonths(const zp_dispatch_input *in)
{
    return in->nmonths > 0 ? in->nmonths : 1;
}
static inline size_t zp__dispatch_month(const zp_dispatch_input *in, size_t t)
{
    return in->month_of_step ? in->month_of_step[t] : 0;
}
static inline double zp__dispatch_month_fraction(const zp_dispatch_input *in, size_t m)
{
    return in->month_fraction ? in->month_fraction[m] : 1.0;
}
static inline double zp__dispatch_peak_so_far(const zp_dispatch_input *in, size_t m)
{
    return in->peak_so_far_kw ? in->peak_so_far_kw[m] : 0.0;
}

/* The objective is in CNY, so the demand charge and the batteries' wear
 * enter it (with ZP_MINIMISE_CARBON they are billed, not optimised). */
static inline int zp__dispatch_in_cny(const zp_dispatch_input *in)
{
    return in->objective == ZP_MINIMISE_COST ||
           in->objective == ZP_MINIMISE_COST_WITH_CARBON_PRICE;
}

/* The optimisers price the monthly peaks. */
static inline int zp__dispatch_prices_peaks(const zp_dispatch_input *in)
{
    return in->demand_charge_cny_per_kw_month > 0.0 && zp__dispatch_in_cny(in);
}

/* What a kWh discharged from storage k costs in the objective (its wear). */
static inline double zp__dispatch_wear_cost(const zp_dispatch_input *in, size_t k)
{
    return zp__dispatch_in_cny(in) ? in->storage[k].degradation_cny_per_kwh : 0.0;
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

/* ---- peak shaving (peak.c) ----------------------------------------------
 * The reference levels of the rule's peak shaving and of the rolling
 * horizon's reserve against a peak its forecast missed, from the net
 * demand of the days before (docs/methodology.md, "Demand charge and
 * battery wear"). */

/* Days of history the levels look at. */
#define ZP__PEAK_DAYS 7

/* The storages together. */
typedef struct zp_peak_fleet {
    double usable_kwh;  /* sum of (soc_max - soc_min) x energy_kwh */
    double deliver_kwh; /* what that delivers at the bus (x discharge efficiency) */
    double power_kw;    /* sum of power_kw */
    double eta;         /* deliver / usable (1 without storage) */
} zp_peak_fleet;

void zp__peak_fleet(const zp_dispatch_input *in, zp_peak_fleet *f);
/* Each step's net demand: firm + flexible arrivals - PV - wind (kW; < 0 in
 * a surplus), into net (in->steps values). */
void zp__peak_net_demand(const zp_dispatch_input *in, double *net);
/* Energy of net above level over steps [a, b), kWh at the bus. */
double zp__peak_energy_above(const double *net, size_t a, size_t b, double dt, double level);
/* The lowest level the fleet would have held net at over [a, b): at least
 * max(net) - power, and with the energy above it at most what the fleet
 * delivers from soc_max down to soc_min (bisection). */
double zp__peak_hold_level(const zp_peak_fleet *f, const double *net, size_t a, size_t b,
                           double dt);
/* The stored energy (kWh above the minima) that holding net at level took
 * on the worst of the last days (whole days of day steps before step t),
 * at most the fleet's usable energy; 0 before a whole day has passed. */
double zp__peak_reserve_kwh(const zp_peak_fleet *f, const double *net, size_t t, size_t day,
                            size_t days, double dt, double level);

#endif
