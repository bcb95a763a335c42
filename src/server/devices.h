/*
 * devices.h - the park's live devices: configuration, Modbus polling and
 * setpoint writes. Shared by `zeropark serve` (acquisition and control),
 * `zeropark devices` (the simulator) and their tests.
 *
 * Configuration comes from the "devices" array of the park model (documented
 * in docs/model.md). Each device yields readings: one value of one series at
 * one instant. Series names are "<device>.<point>" (e.g. "inv1.ac_power_kw").
 * A point may feed a model quantity ("feeds"), which is how the daemon knows
 * that a reading is, say, the PV array "rooftops" or the grid meter:
 *
 *   pv.<name>              PV array AC power, kW (positive = generation)
 *   wind.<name>            wind farm power, kW
 *   storage.<name>.power   battery power, kW (positive = discharge)
 *   storage.<name>.soc     battery state of charge, 0..1
 *   load.<name>            a load, kW
 *   datacenter.it          data-center IT power, kW
 *   grid.import            grid import, kW;  grid.export  grid export, kW
 *   grid.net               net grid power, kW (positive = import)
 *
 * When several points feed one quantity (ten inverters on one PV array),
 * the quantity is their sum (a state of charge is not summed); the
 * simulator splits it evenly among them.
 *
 * Threading: the poller runs its own thread(s); the sink is called from them
 * and must be thread-safe. Everything else is called from one thread.
 */
#ifndef ZEROPARK_SERVER_DEVICES_H
#define ZEROPARK_SERVER_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "zeropark/zeropark.h"


/* Parses the "devices" array of the park model at model_path (with the
 * built-in SunSpec maps expanded). A model without devices yields n = 0.
 * Errors are located diagnostics in ctx (file:line:col, JSON path). */
zp_status zs_devices_load(zp_ctx *ctx, const char *model_path, zs_devices *out);
/* Same, from an already parsed model JSON root. */
zp_status zs_devices_parse(zp_ctx *ctx, const char *file, json_t *root, zs_devices *out);
void zs_devices_free(zs_devices *d);

/* A reading delivered by the acquisition. t_ms is Unix time in ms (UTC). */
typedef struct zs_reading {
    const char *series;     /* valid during the sink call only */
    int64_t t_ms;
    double value;
} zs_reading;
typedef void (*zs_reading_sink)(void *ud, const zs_reading *r, size_t n);

/* Health of one device, as /api/v1/devices reports it. */
typedef enum zs_dev_state { ZS_STATE_UNKNOWN = 0, ZS_STATE_OK, ZS_STATE_STALE, ZS_STATE_DOWN } zs_dev_state;
typedef struct zs_dev_health {
    zs_dev_state state;
    int64_t last_ok_ms;     /* last successful poll/message, 0 = never */
    uint64_t polls, errors, timeouts, exceptions, reconnects, writes, write_errors;
    char last_error[128];
} zs_dev_health;

/* The Modbus poller: one thread per device (a stalled device never stalls
 * the others); reconnect with exponential backoff (250 ms .. 30 s). */
typedef struct zs_poller zs_poller;
zp_status zs_poller_start(zp_ctx *ctx, const zs_devices *devs, zs_reading_sink sink, void *ud,
                          zs_poller **out);
void zs_poller_stop(zs_poller *p);     /* joins the threads; NULL is fine */
/* Health of device i (index into devs->dev); thread-safe snapshot. */
void zs_poller_health(zs_poller *p, size_t i, zs_dev_health *out);
/* Writes a battery power setpoint (kW, positive = discharge) to the device
 * that controls storage unit `storage`, clamped to the device's limits:
 * to its writable point, or, for a SunSpec 124 device without one, as
 * SunSpec storage controls (OutWRte or InWRte in % of WChaMax, then
 * StorCtl_Mod: 2 discharge, 1 charge, 0 neither).
 * *applied_kw gets the clamped value actually written. Returns ZP_OK, or
 * ZP_ENOTFOUND (no such battery device), ZP_EIO (write failed/rejected,
 * message in err). */
zp_status zs_poller_write_setpoint(zs_poller *p, const char *storage, double kw, double *applied_kw,
                                   char *err, size_t errsz);

/* ---- Registers and SunSpec maps (devices.c, sunspec.c) ----------------- */

/* Same as zs_devices_parse, from len bytes of model JSON (diagnostics carry
 * file:line:col). Used by the fuzz target and the tests. */
zp_status zs_devices_parse_buf(zp_ctx *ctx, const char *file, const char *buf, size_t len,
                               zs_devices *out);
/* Registers a type takes: 1 or 2. */
int zs_reg_count(zs_reg_type t);
/* Engineering value of a point from its raw registers (regs[0], and regs[1]
 * for 32-bit types, in the order read) and its scale factor sf (0 when the
 * point has none): raw * scale * 10^sf. Returns 0, or -1 when the raw value
 * is SunSpec's N/A sentinel (p->sunspec_na) or sf is (-32768). */
int zs_point_decode(const zs_point *p, const uint16_t *regs, int sf, double *value);
/* Inverse of zs_point_decode: value -> raw registers (rounded to the
 * nearest step). Returns the register count, or -1 when the value does not
 * fit the type. */
int zs_point_encode(const zs_point *p, double value, int sf, uint16_t *regs);
/* "unknown", "ok", "stale", "down". */
const char *zs_dev_state_name(zs_dev_state s);
/* Clocks in ms: wall (Unix time, shifted by the test-only
 * ZEROPARK_TEST_CLOCK_OFFSET_S) and monotonic. */
int64_t zs_now_ms(void);
/* The test-only wall-clock shift in seconds (0 unless set). */
int64_t zs_clock_offset_s(void);
int64_t zs_mono_ms(void);

/* Fill the block's fixed registers (marker, common model with manufacturer,
 * model and serial strings, model header, end marker) into regs, which
 * holds zs_sunspec_block_size(model) registers (the rest are zeroed). */
void zs_sunspec_fill_block(const char *model, const char *manufacturer, const char *device_model,
                           const char *serial, uint16_t *regs);

#endif
