/*
 * metrics.h - the daemon's counters and alerts (metrics.c); /metrics
 * renders them.
 */
#ifndef ZEROPARK_SERVER_METRICS_H
#define ZEROPARK_SERVER_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "zeropark/core.h"

typedef struct zs_metrics {
    atomic_uint_fast64_t readings_http, readings_mqtt, readings_modbus;
    atomic_uint_fast64_t readings_stored, readings_dropped;
    atomic_uint_fast64_t flushes, store_errors;
    atomic_uint_fast64_t park_writes; /* writes of the accounting meters (park store) */
    atomic_uint_fast64_t http_by_code[6][32]; /* [class 1..5][code % 100] */
    atomic_uint_fast64_t http_protocol_errors; /* refused by libmicrohttpd itself */
    atomic_uint_fast64_t mqtt_messages, mqtt_malformed;
    atomic_int mqtt_connected;
    atomic_uint_fast64_t replans, replan_failures;
    atomic_uint_fast64_t setpoint_writes, setpoint_write_errors, setpoint_clamped;
} zs_metrics;

typedef enum zs_alert_level { ZS_ALERT_INFO = 0, ZS_ALERT_WARNING, ZS_ALERT_CRITICAL } zs_alert_level;

void zs_metrics_http(zs_metrics *m, unsigned code);
/* Raise (or refresh) the alert with this key; returns its id. A key names
 * a cause ("control.solver", "device.bess1"): raising it again while it is
 * active updates its message; zs_alert_clear ends it. */
int64_t zs_alert_raise(const char *key, zs_alert_level lvl, const char *source, const char *fmt,
                       ...) ZP_PRINTF(4, 5);
void zs_alert_clear(const char *key);
size_t zs_alerts_active(void);
json_t *zs_alerts_json(int32_t offset_min);
void zs_alerts_reset(void);

#endif
