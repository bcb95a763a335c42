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

double zp_storage_max_charge_kw(const zp_storage_state *st, double dt_h)
{
    if (!(dt_h > 0.0) || !isfinite(dt_h))
        return 0.0;
    double room_kwh = st->max_kwh - st->stored_kwh;
    if (!(room_kwh > 0.0))
        return 0.0;
    return fmin(st->power_kw, room_kwh / (st->eta_charge * dt_h));
}

double zp_storage_max_discharge_kw(const zp_storage_state *st, double dt_h)
{
    if (!(dt_h > 0.0) || !isfinite(dt_h))
        return 0.0;
    double avail_kwh = st->stored_kwh - st->min_kwh;
    if (!(avail_kwh > 0.0))
        return 0.0;
    return fmin(st->power_kw, avail_kwh * st->eta_discharge / dt_h);
}

double zp_storage_charge(zp_storage_state *st, double req_kw, double dt_h)
{
    if (!(req_kw > 0.0))
        return 0.0;
    double max_kw = zp_storage_max_charge_kw(st, dt_h);
    if (!(max_kw > 0.0))
        return 0.0;
    double kw = fmin(req_kw, max_kw);
    double in_kwh = kw * dt_h;
    if (kw == max_kw && max_kw < st->power_kw) {
        /* Limited by headroom: land exactly on soc_max, so rounding can
         * neither overshoot the bound nor leave a sliver that the next
         * step chases. */
        st->stored_kwh = st->max_kwh;
    } else {
        st->stored_kwh = fmin(st->stored_kwh + in_kwh * st->eta_charge, st->max_kwh);
    }
    st->charged_kwh += in_kwh;
    st->loss_kwh += in_kwh * (1.0 - st->eta_charge);
    return kw;
}

double zp_storage_discharge(zp_storage_state *st, double req_kw, double dt_h)
{
    if (!(req_kw > 0.0))
        return 0.0;
    double max_kw = zp_storage_max_discharge_kw(st, dt_h);
    if (!(max_kw > 0.0))
        return 0.0;
    double kw = fmin(req_kw, max_kw);
    double out_kwh = kw * dt_h;
    if (kw == max_kw && max_kw < st->power_kw)
        st->stored_kwh = st->min_kwh; /* limited by energy: land exactly on soc_min */
    else
        st->stored_kwh = fmax(st->stored_kwh - out_kwh / st->eta_discharge, st->min_kwh);
    st->discharged_kwh += out_kwh;
    st->loss_kwh += out_kwh / st->eta_discharge - out_kwh;
    return kw;
}

double zp_storage_step(zp_storage_state *st, double net_kw, double dt_h)
{
    if (net_kw > 0.0)
        return zp_storage_charge(st, net_kw, dt_h);
    if (net_kw < 0.0)
        return -zp_storage_discharge(st, -net_kw, dt_h);
    return 0.0;
}
