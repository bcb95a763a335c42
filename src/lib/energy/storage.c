/*
 * storage.c - battery bookkeeping: stored energy, one-way efficiencies,
 * SOC window and AC power limit.
 */
#include "core/internal.h"
#include "zeropark/storage.h"

#include <math.h>

zp_status zp_storage_check(zp_ctx *ctx, const zp_storage *s)
{
    const char *name = s && s->name ? s->name : "(unnamed)";
    if (!s)
        return zp__error(ctx, ZP_EINVAL, "storage: no description given");
    if (!(s->energy_kwh > 0.0) || !isfinite(s->energy_kwh))
        return zp__error(ctx, ZP_EINVAL, "storage '%s': energy_kwh must be a finite number > 0",
                         name);
    if (!(s->power_kw > 0.0) || !isfinite(s->power_kw))
        return zp__error(ctx, ZP_EINVAL, "storage '%s': power_kw must be a finite number > 0",
                         name);
    if (!(s->charge_efficiency > 0.0 && s->charge_efficiency <= 1.0))
        return zp__error(ctx, ZP_EINVAL, "storage '%s': charge_efficiency %g must be in "
                         "(0, 1] (one-way; 0.95 is typical)", name, s->charge_efficiency);
    if (!(s->discharge_efficiency > 0.0 && s->discharge_efficiency <= 1.0))
        return zp__error(ctx, ZP_EINVAL, "storage '%s': discharge_efficiency %g must be in "
                         "(0, 1] (one-way; 0.95 is typical)", name, s->discharge_efficiency);
    if (!(s->soc_min >= 0.0 && s->soc_min < s->soc_max && s->soc_max <= 1.0))
        return zp__error(ctx, ZP_EINVAL, "storage '%s': need 0 <= soc_min < soc_max <= 1, "
                         "got soc_min %g, soc_max %g", name, s->soc_min, s->soc_max);
    if (!(s->soc_initial >= s->soc_min && s->soc_initial <= s->soc_max))
        return zp__error(ctx, ZP_EINVAL, "storage '%s': soc_initial %g must lie within "
                         "soc_min..soc_max (%g..%g)", name, s->soc_initial, s->soc_min,
                         s->soc_max);
    return ZP_OK;
}

void zp_storage_state_init_soc(zp_storage_state *st, const zp_storage *s, double soc)
{
    st->capacity_kwh = s->energy_kwh;
    st->min_kwh = s->soc_min * s->energy_kwh;
    st->max_kwh = s->soc_max * s->energy_kwh;
    st->power_kw = s->power_kw;
    st->eta_charge = s->charge_efficiency;
    st->eta_discharge = s->discharge_efficiency;
    /* fmin/fmax also turn a NaN soc into a bound rather than a NaN state. */
    st->stored_kwh = fmin(fmax(soc * s->energy_kwh, st->min_kwh), st->max_kwh);
    st->charged_kwh = 0.0;
    st->discharged_kwh = 0.0;
    st->loss_kwh = 0.0;
}

void zp_storage_state_init(zp_storage_state *st, const zp_storage *s)
{
    zp_storage_state_init_soc(st, s, s->soc_initial);
}

double zp_storage_soc(const zp_storage_state *st)
{
    return st->stored_kwh / st->capacity_kwh;
}

/* The most power for dt_h hours: power_kw, or less when the kwh stored (or
 * room for it, charging) runs out first; 0 for no kwh or a bad dt_h. */
static double limit_kw(const zp_storage_state *st, double dt_h, double kwh, int charging)
{
    if (!(dt_h > 0.0) || !isfinite(dt_h) || !(kwh > 0.0))
        return 0.0;
    return fmin(st->power_kw, charging ? kwh / (st->eta_charge * dt_h)
                                       : kwh * st->eta_discharge / dt_h);
}

double zp_storage_max_charge_kw(const zp_storage_state *st, double dt_h)
{
    return limit_kw(st, dt_h, st->max_kwh - st->stored_kwh, 1);
}

double zp_storage_max_discharge_kw(const zp_storage_state *st, double dt_h)
{
    return limit_kw(st, dt_h, st->stored_kwh - st->min_kwh, 0);
}

/* Charge (charging) or discharge at up to req_kw for dt_h hours; the power
 * granted, 0 when none can flow. */
static double flow(zp_storage_state *st, double req_kw, double dt_h, int charging)
{
    double max_kw = charging ? zp_storage_max_charge_kw(st, dt_h)
                             : zp_storage_max_discharge_kw(st, dt_h);
    if (!(req_kw > 0.0) || !(max_kw > 0.0))
        return 0.0;
    double kw = fmin(req_kw, max_kw);
    double kwh = kw * dt_h;
    /* Limited by headroom or by energy: land exactly on soc_max or soc_min,
     * so rounding can neither overshoot the bound nor leave a sliver that
     * the next step chases. */
    int at_bound = kw == max_kw && max_kw < st->power_kw;
    if (charging) {
        st->stored_kwh = at_bound ? st->max_kwh
                                  : fmin(st->stored_kwh + kwh * st->eta_charge, st->max_kwh);
        st->charged_kwh += kwh;
        st->loss_kwh += kwh * (1.0 - st->eta_charge);
    } else {
        st->stored_kwh = at_bound ? st->min_kwh
                                  : fmax(st->stored_kwh - kwh / st->eta_discharge, st->min_kwh);
        st->discharged_kwh += kwh;
        st->loss_kwh += kwh / st->eta_discharge - kwh;
    }
    return kw;
}

double zp_storage_charge(zp_storage_state *st, double req_kw, double dt_h)
{
    return flow(st, req_kw, dt_h, 1);
}

double zp_storage_discharge(zp_storage_state *st, double req_kw, double dt_h)
{
    return flow(st, req_kw, dt_h, 0);
}

double zp_storage_step(zp_storage_state *st, double net_kw, double dt_h)
{
    if (net_kw > 0.0)
        return zp_storage_charge(st, net_kw, dt_h);
    if (net_kw < 0.0)
        return -zp_storage_discharge(st, -net_kw, dt_h);
    return 0.0;
}
