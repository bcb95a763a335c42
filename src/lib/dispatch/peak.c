/*
 * peak.c - the reference levels of peak shaving, from the net demand the
 * park saw (dispatch_impl.h): what the rule-based dispatch holds its
 * import at and what the rolling horizon keeps stored against a peak its
 * forecast missed, when a demand charge is set (docs/methodology.md,
 * "Demand charge and battery wear").
 */
#include "dispatch/dispatch_impl.h"

void zp__peak_net_demand(const zp_dispatch_input *in, double *net)
{
    for (size_t t = 0; t < in->steps; t++) {
        double x = zp__dispatch_at(in->firm_kw, t) - zp__dispatch_at(in->pv_kw, t) -
                   zp__dispatch_at(in->wind_kw, t);
        for (size_t j = 0; j < in->nflex; j++)
            x += zp__flex_arrival(&in->flex[j], t);
        net[t] = x;
    }
}

void zp__peak_fleet(const zp_dispatch_input *in, zp_peak_fleet *f)
{
    f->usable_kwh = f->deliver_kwh = f->power_kw = 0.0;
    for (size_t k = 0; k < in->nstorage; k++) {
        const zp_storage *s = &in->storage[k];
        double usable = (s->soc_max - s->soc_min) * s->energy_kwh;
        f->usable_kwh += usable;
        f->deliver_kwh += usable * s->discharge_efficiency;
        f->power_kw += s->power_kw;
    }
    f->eta = f->usable_kwh > 0.0 ? f->deliver_kwh / f->usable_kwh : 1.0;
}

double zp__peak_energy_above(const double *net, size_t a, size_t b, double dt, double level)
{
    double e = 0.0;
    for (size_t t = a; t < b; t++)
        if (net[t] > level)
            e += (net[t] - level) * dt;
    return e;
}

double zp__peak_hold_level(const zp_peak_fleet *f, const double *net, size_t a, size_t b,
                           double dt)
{
    double hi = 0.0;
    for (size_t t = a; t < b; t++)
        hi = fmax(hi, net[t]);
    double lo = fmax(0.0, hi - f->power_kw);
    if (zp__peak_energy_above(net, a, b, dt, lo) <= f->deliver_kwh)
        return lo;
    /* energy above x > deliver >= energy above y (= 0 at y = hi) */
    double x = lo, y = hi;
    for (int it = 0; it < 100 && y - x > 1e-12 * (1.0 + hi); it++) {
        double mid = 0.5 * (x + y);
        if (zp__peak_energy_above(net, a, b, dt, mid) > f->deliver_kwh)
            x = mid;
        else
            y = mid;
    }
    return y;
}

double zp__peak_reserve_kwh(const zp_peak_fleet *f, const double *net, size_t t, size_t day,
                            size_t days, double dt, double level)
{
    double need = 0.0;
    for (size_t d = 1; d <= days && d * day <= t; d++)
        need = fmax(need, zp__peak_energy_above(net, t - d * day, t - (d - 1) * day, dt, level));
    return fmin(f->usable_kwh, need / f->eta);
}
