/*
 * health.h - a device's health (health.c): what the poller and the MQTT
 * client report of each device they watch, and the daemon's view of it
 * (/api/v1/devices, alerts when a device goes down or comes back).
 */
#ifndef ZEROPARK_SERVER_HEALTH_H
#define ZEROPARK_SERVER_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct zs_server zs_server;

/* Health of one device, as /api/v1/devices reports it. */
typedef enum zs_dev_state { ZS_STATE_UNKNOWN = 0, ZS_STATE_OK, ZS_STATE_STALE, ZS_STATE_DOWN } zs_dev_state;
typedef struct zs_dev_health {
    zs_dev_state state;
    int64_t last_ok_ms;     /* last successful poll/message, 0 = never */
    uint64_t polls, errors, timeouts, exceptions, reconnects, writes, write_errors;
    char last_error[128];
} zs_dev_health;

/* "unknown", "ok", "stale", "down". */
const char *zs_dev_state_name(zs_dev_state s);
/* Health of device i of S->devs from its poller (Modbus) or MQTT client;
 * false, with *out zeroed, for a device neither watches (HTTP push, or the
 * source not running). */
bool zs_device_health(const zs_server *S, size_t i, zs_dev_health *out);
/* Raise or clear each device's alert when its state changed since prev
 * (nprev states, updated), and log the change (main thread). */
void zs_health_check(zs_server *S, zs_dev_state *prev, size_t nprev);

#endif
