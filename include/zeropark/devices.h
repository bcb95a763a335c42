/*
 * zeropark/devices.h - the park's live devices: the "devices" section of
 * the park model (spec: docs/model.md "Devices").
 *
 * Main types and calls: zp_devices, a list of zp_device (zp_dev_kind:
 * Modbus, MQTT or HTTP push) each with its zp_point list (register,
 * zp_reg_type, scale, unit, what it feeds); zp_devices_load_file /
 * zp_devices_load_buf and zp_devices_free; the built-in SunSpec maps
 * (zp_sunspec_map, zp_sunspec_block_size) and zp_reg_count. The model
 * (model.h) holds one as zp_model.devices; the daemon's pollers, ingest and
 * device simulator (src/server) read it. Each point names its unit (kW, kWh,
 * ...); what it feeds is in kW, a state of charge 0..1. Problems are located
 * diagnostics on the zp_ctx (core.h).
 *
 * zp_model_load_* reads it with the rest of the model (zp_model.devices),
 * with the same located diagnostics ("model.json:31:7:
 * devices[2].points[0].type: ..."); zp_devices_load_* reads only it, for
 * a document that need not be a whole model. Devices of kind Modbus may
 * name a built-in SunSpec map, which the reader expands into points.
 *
 * Each device yields readings: one value of one series at one instant.
 * Series names are "<device>.<point>" (e.g. "inv1.ac_power_kw"). A point
 * may feed a model quantity ("feeds"), which is how `zeropark serve` knows
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
 * the quantity is their sum (a state of charge is not summed).
 */
#ifndef ZEROPARK_DEVICES_H
#define ZEROPARK_DEVICES_H

#include "zeropark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zp_dev_kind { ZP_DEV_MODBUS = 0, ZP_DEV_MQTT = 1, ZP_DEV_HTTP = 2 } zp_dev_kind;

typedef enum zp_reg_type {
    ZP_REG_INT16 = 0, ZP_REG_UINT16, ZP_REG_INT32, ZP_REG_UINT32, ZP_REG_FLOAT32
} zp_reg_type;

/* One point: a Modbus register (or pair), an MQTT payload field or an
 * HTTP-pushed series. */
typedef struct zp_point {
    char name[48];          /* point name; series is "<device>.<name>" */
    char series[112];       /* "<device>.<name>" */
    char unit[16];          /* "kW", "kWh", "%", "V", ... */
    char feeds[64];         /* model quantity (see above) or "" */
    /* Modbus */
    int address;            /* holding-register address, 0-based */
    zp_reg_type type;
    int word_swap;          /* 32-bit types: 1 = low word first */
    double scale;           /* value = raw * scale * 10^sf (scale default 1) */
    int sf_address;         /* SunSpec scale-factor register, -1 = none */
    int writable;           /* a setpoint register */
    double min, max;        /* setpoint limits in engineering units (writable) */
    /* MQTT */
    char field[64];         /* JSON field in the payload ("" = plain number) */
    /* SunSpec */
    int sunspec_na;         /* 1: the SunSpec N/A sentinel raw value (0x8000
                               int16, 0xFFFF uint16, 0 acc32) yields no reading */
} zp_point;

typedef struct zp_device {
    char name[48];          /* letters, digits, '_' and '-' */
    zp_dev_kind kind;
    /* Modbus TCP */
    char host[64];
    int port;
    int unit_id;
    int poll_ms;            /* poll interval (default 1000) */
    int timeout_ms;         /* response timeout (default 500) */
    char sunspec[16];       /* built-in map: "", "101", "103", "201", "203", "124" */
    int base_address;       /* SunSpec: where the "SunS" marker is (default 40000) */
    /* MQTT */
    char broker_host[64];
    int broker_port;
    char topic[128];        /* topic filter, may hold + and # */
    /* battery setpoint (Modbus): which storage unit, and its limits, kW */
    char storage[48];       /* storage name in the model, "" = not a battery */
    double setpoint_min_kw, setpoint_max_kw;
    zp_point *points;
    size_t npoints;
} zp_device;

/* The devices of a model, in the order written. */
typedef struct zp_devices {
    zp_device *dev;         /* n devices (NULL when there are none) */
    size_t n;
} zp_devices;

/* Registers a type takes: 1 or 2. */
ZP_API int zp_reg_count(zp_reg_type t);

/* Read the "devices" array of len bytes of park-model JSON (fname names it
 * in diagnostics, may be NULL) into *out. The rest of the document is read
 * only for the asset names that "feeds" and "storage" refer to (pv, wind,
 * storage, loads, datacenter), so it need not be a whole model. A document
 * without "devices" yields n = 0. On failure every problem is a diagnostic
 * on ctx and the call returns ZP_EMODEL ("FNAME: N problems in "devices"",
 * or "FNAME: 1 problem" for a syntax error), or ZP_ETOOBIG above
 * ZP_MODEL_MAX_BYTES, ZP_ENOMEM, ZP_EINVAL; *out is then empty. Free the
 * result with zp_devices_free and the same ctx. */
ZP_API zp_status zp_devices_load_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                                     zp_devices *out);
/* The same for the file at path (ZP_EIO when it cannot be read). */
ZP_API zp_status zp_devices_load_file(zp_ctx *ctx, const char *path, zp_devices *out);
/* Free what zp_devices_load_* returned and empty *d. Accepts NULL. Not for
 * a model's devices: zp_model_free frees those. */
ZP_API void zp_devices_free(zp_ctx *ctx, zp_devices *d);

/* A point of a built-in SunSpec map. Offsets count from the model's ID
 * register (0 = ID, 1 = L, 2 = the first point), as the SunSpec model
 * definitions number them. */
typedef struct zp_sunspec_point {
    const char *name;       /* our point name ("ac_power_kw") */
    const char *sunspec;    /* SunSpec point id ("W") */
    int offset;             /* register offset from the model ID register */
    zp_reg_type type;
    int sf_offset;          /* offset of its scale factor, -1 = none */
    double scale;           /* W -> kW is 0.001 */
    const char *unit;
    int primary;            /* 1: takes the device's "feeds" */
} zp_sunspec_point;

/* Layout of a SunSpec block at base: "SunS" (2 registers), common model 1
 * (ID, L = 66, 66 registers), the device model (ID, L, L registers), the
 * end marker (0xFFFF, 0). */
#define ZP_SUNSPEC_COMMON_AT 2   /* common model ID register, from base */
#define ZP_SUNSPEC_MODEL_AT 70   /* device model ID register, from base */

/* The built-in map of model ("101", "103", "201", "203", "124"), or NULL.
 * *n gets its point count and *length the model's L. */
ZP_API const zp_sunspec_point *zp_sunspec_map(const char *model, size_t *n, int *length);
/* Registers of the whole block (marker to end marker), or 0 for an unknown model. */
ZP_API int zp_sunspec_block_size(const char *model);

#ifdef __cplusplus
}
#endif
#endif
