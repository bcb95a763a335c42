/*
 * health.c - a device's health (health.h): its state's name, the daemon's
 * view of it from whichever part watches the device, and the alerts when
 * it changes.
 */
#include "health.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "mqtt.h"
#include "poller.h"
#include "server.h"

const char *zs_dev_state_name(zs_dev_state s)
{
    switch (s) {
    case ZS_STATE_OK: return "ok";
    case ZS_STATE_STALE: return "stale";
    case ZS_STATE_DOWN: return "down";
    default: return "unknown";
    }
}

bool zs_device_health(const zs_server *S, size_t i, zs_dev_health *out)
{
    memset(out, 0, sizeof *out);
    if (S->devs.dev[i].kind == ZS_DEV_MODBUS && S->poller)
        zs_poller_health(S->poller, i, out);
    else if (S->devs.dev[i].kind == ZS_DEV_MQTT && S->mqtt)
        zs_mqtt_health(S->mqtt, i, out);
    else
        return false;
    return true;
}

void zs_health_check(zs_server *S, zs_dev_state *prev, size_t nprev)
{
    for (size_t i = 0; i < S->devs.n && i < nprev; i++) {
        zs_dev_health h;
        if (!zs_device_health(S, i, &h))
            continue;
        if (h.state == prev[i])
            continue;
        char key[96];
        snprintf(key, sizeof key, "device.%s", S->devs.dev[i].name);
        if (h.state == ZS_STATE_DOWN)
            zs_alert_raise(key, ZS_ALERT_WARNING, "device", "device %s is down: %s", S->devs.dev[i].name,
                           h.last_error[0] ? h.last_error : "no answer");
        else if (h.state == ZS_STATE_OK)
            zs_alert_clear(key);
        char qn[200];
        zs_log(ZS_LOG_INFO, "event=device_state device=%s state=%d",
               zs_log_quote(S->devs.dev[i].name, qn, sizeof qn), (int)h.state);
        prev[i] = h.state;
    }
}
