/*
 * poller.h - the Modbus poller (poller.c, libmodbus) and the readings the
 * acquisition delivers.
 *
 * Threading: the poller runs its own thread(s); the sink is called from
 * them and must be thread-safe. Everything else is called from one thread.
 */
#ifndef ZEROPARK_SERVER_POLLER_H
#define ZEROPARK_SERVER_POLLER_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "zeropark/core.h"
#include "zeropark/devices.h"

/* A reading delivered by the acquisition. t_ms is Unix time in ms (UTC). */
typedef struct zs_reading {
    const char *series;     /* valid during the sink call only */
    int64_t t_ms;
    double value;
} zs_reading;
typedef void (*zs_reading_sink)(void *ud, const zs_reading *r, size_t n);

/* The Modbus poller: one thread per device (a stalled device never stalls
 * the others); reconnect with exponential backoff (250 ms .. 30 s). */
typedef struct zs_poller zs_poller;
zp_status zs_poller_start(zp_ctx *ctx, const zp_devices *devs, zs_reading_sink sink, void *ud,
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

#endif
