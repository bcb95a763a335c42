/*
 * zeropark/storage.h - battery bookkeeping (methodology: docs/methodology.md,
 * section "Storage").
 *
 * Main types and calls: zp_storage_state (zp_storage_state_init,
 * zp_storage_state_init_soc), zp_storage_charge, zp_storage_discharge and
 * zp_storage_step (kW asked for dt_h hours; returns what was done),
 * zp_storage_max_charge_kw / zp_storage_max_discharge_kw, zp_storage_soc,
 * and zp_storage_check of a model's zp_storage (model.h). The rule-based
 * dispatch and the rolling-horizon runs (dispatch.h, sim.h) keep the
 * batteries' state through it. Units are in the names (_kw, _kwh, _h); only
 * zp_storage_check takes a zp_ctx and can fail.
 *
 * The state is a small visible value struct: initialise it from a model
 * storage and then change it only through these functions. All powers are
 * AC-side, at the bus (what zp_storage.power_kw limits). Efficiencies are
 * one-way, per the model spec:
 *
 *   charging at P kW for dt h:     stored energy += P * charge_efficiency * dt
 *   discharging at P kW for dt h:  stored energy -= P / discharge_efficiency * dt
 *
 * Stored energy stays within [soc_min, soc_max] * energy_kwh, and each call
 * is clamped to power_kw. A step either charges or discharges: callers pick
 * one direction per step (zp_storage_step does this for a signed request).
 */
#ifndef ZEROPARK_STORAGE_H
#define ZEROPARK_STORAGE_H

#include "zeropark/core.h"
#include "zeropark/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zp_storage_state {
    double stored_kwh;     /* energy in the battery now (DC side) */
    double capacity_kwh;   /* zp_storage.energy_kwh */
    double min_kwh;        /* soc_min * capacity */
    double max_kwh;        /* soc_max * capacity */
    double power_kw;       /* AC limit, both directions */
    double eta_charge;     /* one-way charge efficiency, 0 < x <= 1 */
    double eta_discharge;  /* one-way discharge efficiency, 0 < x <= 1 */
    double charged_kwh;    /* running total drawn from the bus (AC) */
    double discharged_kwh; /* running total delivered to the bus (AC) */
    double loss_kwh;       /* running total lost in conversion */
} zp_storage_state;

/* Check a model storage (energy and power finite and > 0, efficiencies in
 * (0, 1], 0 <= soc_min < soc_max <= 1, soc_initial within the bounds).
 * Returns ZP_OK or ZP_EINVAL with a message naming the storage and the fix. */
ZP_API zp_status zp_storage_check(zp_ctx *ctx, const zp_storage *s);

/* Initialise st from s at soc_initial. Cannot fail: it assumes
 * zp_storage_check passed, and clamps soc_initial into [soc_min, soc_max]
 * so the bounds hold even for an unchecked model. Running totals start
 * at 0. */
ZP_API void zp_storage_state_init(zp_storage_state *st, const zp_storage *s);
/* The same, starting at soc (fraction of energy_kwh, clamped). */
ZP_API void zp_storage_state_init_soc(zp_storage_state *st, const zp_storage *s, double soc);

/* State of charge as a fraction of capacity. */
ZP_API double zp_storage_soc(const zp_storage_state *st);

/* Largest AC power the battery can take for dt_h hours:
 * min(power_kw, (max_kwh - stored_kwh) / (eta_charge * dt_h)), >= 0.
 * 0 when dt_h is not > 0. */
ZP_API double zp_storage_max_charge_kw(const zp_storage_state *st, double dt_h);
/* Largest AC power it can deliver for dt_h hours:
 * min(power_kw, (stored_kwh - min_kwh) * eta_discharge / dt_h), >= 0. */
ZP_API double zp_storage_max_discharge_kw(const zp_storage_state *st, double dt_h);

/* Charge at up to req_kw for dt_h hours. Returns the accepted AC power
 * (0 <= accepted <= req_kw, clamped by power and by headroom to soc_max)
 * and updates the state. A request that is NaN, <= 0, or a dt_h that is
 * not > 0 accepts nothing. */
ZP_API double zp_storage_charge(zp_storage_state *st, double req_kw, double dt_h);
/* Discharge at up to req_kw for dt_h hours. Returns the delivered AC power
 * (clamped by power and by the energy above soc_min times eta_discharge)
 * and updates the state. Same rules for bad requests as charging. */
ZP_API double zp_storage_discharge(zp_storage_state *st, double req_kw, double dt_h);
/* Signed form: net_kw > 0 charges, < 0 discharges. Returns the signed
 * power actually taken (> 0) or delivered (< 0). */
ZP_API double zp_storage_step(zp_storage_state *st, double net_kw, double dt_h);

#ifdef __cplusplus
}
#endif
#endif
