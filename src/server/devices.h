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
 * Threading: the poller runs its own thread(s); the sink is called from them
 * and must be thread-safe. Everything else is called from one thread.
 */
#ifndef ZEROPARK_SERVER_DEVICES_H
#define ZEROPARK_SERVER_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "zeropark/zeropark.h"

typedef enum zs_dev_kind { ZS_DEV_MODBUS = 0, ZS_DEV_MQTT = 1, ZS_DEV_HTTP = 2 } zs_dev_kind;

typedef enum zs_reg_type {
    ZS_REG_INT16 = 0, ZS_REG_UINT16, ZS_REG_INT32, ZS_REG_UINT32, ZS_REG_FLOAT32
} zs_reg_type;

/* One point: a Modbus register (or pair), an MQTT payload field or an
 * HTTP-pushed series. */
typedef struct zs_point {
    char name[48];          /* point name; series is "<device>.<name>" */
    char series[112];       /* "<device>.<name>" */
    char unit[16];          /* "kW", "kWh", "%", "V", ... */
    char feeds[64];         /* model quantity (see above) or "" */
    /* Modbus */
    int address;            /* holding-register address, 0-based */
    zs_reg_type type;
    int word_swap;          /* 32-bit types: 1 = low word first */
    double scale;           /* value = raw * scale * 10^sf (scale default 1) */
    int sf_address;         /* SunSpec scale-factor register, -1 = none */
    int writable;           /* a setpoint register */
    double min, max;        /* setpoint limits in engineering units (writable) */
    /* MQTT */
    char field[64];         /* JSON field in the payload ("" = plain number) */
} zs_point;

typedef struct zs_device {
    char name[48];
    zs_dev_kind kind;
    /* Modbus TCP */
    char host[64];
    int port;
    int unit_id;
    int poll_ms;            /* poll interval (default 1000) */
    int timeout_ms;         /* response timeout (default 500) */
    char sunspec[16];       /* built-in map: "", "101", "103", "201", "203", "124" */
    /* MQTT */
    char broker_host[64];
    int broker_port;
    char topic[128];        /* topic filter, may hold + and # */
    /* battery setpoint (Modbus): which storage unit, and its limits, kW */
    char storage[48];       /* storage name in the model, "" = not a battery */
    double setpoint_min_kw, setpoint_max_kw;
    zs_point *points;
    size_t npoints;
} zs_device;

typedef struct zs_devices {
    zs_device *dev;
    size_t n;
} zs_devices;

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
 * that controls storage unit `storage`, clamped to the device's limits.
 * *applied_kw gets the clamped value actually written. Returns ZP_OK, or
 * ZP_ENOTFOUND (no such battery device), ZP_EIO (write failed/rejected,
 * message in err). */
zp_status zs_poller_write_setpoint(zs_poller *p, const char *storage, double kw, double *applied_kw,
                                   char *err, size_t errsz);

#endif
