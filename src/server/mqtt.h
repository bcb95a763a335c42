/*
 * mqtt.h - readings over MQTT (mqtt.c, libmosquitto).
 */
#ifndef ZEROPARK_SERVER_MQTT_H
#define ZEROPARK_SERVER_MQTT_H

#include <stdbool.h>
#include <stddef.h>

#include "health.h"
#include "zeropark/core.h"

typedef struct zs_server zs_server;

typedef struct zs_mqtt zs_mqtt;
/* Connect a client to the config's broker (when "mqtt" is set) and to the
 * broker of each MQTT device of S->devs, subscribe, and push what arrives
 * to S->ingest; each client reconnects on its own. ZP_OK with *out
 * running; else *out NULL and the reason in err: ZP_EINVAL (too many
 * brokers), ZP_EIO (a client cannot start), ZP_ENOMEM. */
zp_status zs_mqtt_start(zs_server *S, zs_mqtt **out, char *err, size_t errsz);
/* Disconnect, join the clients' threads and free q. NULL is fine. */
void zs_mqtt_stop(zs_mqtt *q);
/* Per MQTT device health (index into S->devs); false if not an MQTT device. */
bool zs_mqtt_health(zs_mqtt *q, size_t dev, zs_dev_health *out);

#endif
