/*
 * devices.h - the park's live devices as the server sees them: the model's
 * devices (zeropark/devices.h: fields, feeds, SunSpec maps), the readings
 * they yield, their health, the Modbus poller and setpoint writes, and the
 * register codec. Shared by `zeropark serve` (acquisition and control),
 * `zeropark devices` (the simulator) and their tests.
 *
 * Threading: the poller runs its own thread(s); the sink is called from them
 * and must be thread-safe. Everything else is called from one thread.
 */
#ifndef ZEROPARK_SERVER_DEVICES_H
#define ZEROPARK_SERVER_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "zeropark/zeropark.h"

/* The model's devices (zeropark/devices.h) under the names the server's
 * parts, the simulator and their tests use. */
typedef zp_dev_kind zs_dev_kind;
#define ZS_DEV_MODBUS ZP_DEV_MODBUS
#define ZS_DEV_MQTT ZP_DEV_MQTT
#define ZS_DEV_HTTP ZP_DEV_HTTP
typedef zp_reg_type zs_reg_type;
#define ZS_REG_INT16 ZP_REG_INT16
#define ZS_REG_UINT16 ZP_REG_UINT16
#define ZS_REG_INT32 ZP_REG_INT32
#define ZS_REG_UINT32 ZP_REG_UINT32
#define ZS_REG_FLOAT32 ZP_REG_FLOAT32
typedef zp_point zs_point;
typedef zp_device zs_device;
typedef zp_devices zs_devices;

/* The devices of the park model at model_path (zp_devices_load_file), or
 * of len bytes of model JSON (zp_devices_load_buf; the fuzz target and the
 * tests), in memory of their own: free them with zs_devices_free, before
 * or after ctx. The daemon and the commands take a loaded model's
 * devices instead (zp_model.devices), which zp_model_free frees. */
zp_status zs_devices_load(zp_ctx *ctx, const char *model_path, zs_devices *out);
zp_status zs_devices_parse_buf(zp_ctx *ctx, const char *file, const char *buf, size_t len,
                               zs_devices *out);
/* Frees what zs_devices_load/_parse_buf returned. NULL is fine. */
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

/* ---- the register codec (devices.c) ---------------------------------------- */

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

#endif
