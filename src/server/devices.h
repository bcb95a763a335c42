/*
 * devices.h - the park's live devices as the server sees them (devices.c):
 * the model's devices (zeropark/devices.h: fields, feeds, SunSpec maps)
 * under the server's names, and the register codec the poller and the
 * simulator share. Used by `zeropark serve`, `zeropark devices` (the
 * simulator) and their tests.
 *
 * It includes the poller's and the device health's headers, which the
 * simulator and the tests take from here.
 */
#ifndef ZEROPARK_SERVER_DEVICES_H
#define ZEROPARK_SERVER_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "poller.h"
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

#endif
