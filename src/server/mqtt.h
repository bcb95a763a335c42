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
zp_status zs_mqtt_start(zs_server *S, zs_mqtt **out, char *err, size_t errsz);
void zs_mqtt_stop(zs_mqtt *q);
/* Per MQTT device health (index into S->devs); false if not an MQTT device. */
bool zs_mqtt_health(zs_mqtt *q, size_t dev, zs_dev_health *out);

#endif
