/*
 * mqtt.c - readings over MQTT (libmosquitto, one client and one network
 * thread per broker, reconnect with backoff 1..30 s).
 *
 * Topics (docs/serve.md "MQTT"):
 *   PREFIX "readings"        a readings document, as POST /api/v1/readings
 *   PREFIX "series/<name>"   one reading of <name>: a plain number, or
 *                            {"value": x, "t": time}
 *   a device's topic filter  MQTT devices of the model: each point takes
 *                            its JSON field of the payload (or the plain
 *                            number when it names no field)
 * Malformed payloads are counted (zeropark_mqtt_malformed_total), logged
 * (rate-limited) and dropped; the client keeps running.
 */
#define _DEFAULT_SOURCE
#include "mqtt.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

#define MAX_CLIENTS 16

typedef struct sub {
    char filter[160];
    long dev;                   /* device index, or -1 for the generic topics */
} sub;

typedef struct client {
    struct zs_mqtt *q;
    struct mosquitto *mosq;
    char host[128];
    int port;
    sub *subs;
    size_t nsubs;
    bool generic;               /* subscribes the config's prefix topics */
    bool started;
    atomic_int connected;
} client;

typedef struct dev_health {
    uint64_t msgs, errors;
    int64_t last_ok_ms;
    char last_error[128];
} dev_health;

struct zs_mqtt {
    zs_server *S;
    client cl[MAX_CLIENTS];
    size_t ncl;
    pthread_mutex_t mu;         /* guards health */
    dev_health *health;         /* per device of S->devs */
    size_t nhealth;
    atomic_int_fast64_t last_malformed_log_ms;
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static void lib_init(void) { mosquitto_lib_init(); }

static void malformed(zs_mqtt *q, const char *topic, long dev, const char *why)
{
    char a[200], b[300];
    atomic_fetch_add(&q->S->metrics.mqtt_malformed, 1);
    if (dev >= 0) {
        pthread_mutex_lock(&q->mu);
        q->health[dev].errors++;
        snprintf(q->health[dev].last_error, sizeof q->health[dev].last_error, "%.127s", why);
        pthread_mutex_unlock(&q->mu);
    }
    /* at most one line a second: a flood of bad payloads must not flood the log */
    int64_t now = zs_now_ms(), last = atomic_load(&q->last_malformed_log_ms);
    if (now - last >= 1000 && atomic_compare_exchange_strong(&q->last_malformed_log_ms, &last, now))
        zs_log(ZS_LOG_WARN, "event=mqtt_malformed topic=%s message=%s total=%llu",
               zs_log_quote(topic, a, sizeof a), zs_log_quote(why, b, sizeof b),
               (unsigned long long)atomic_load(&q->S->metrics.mqtt_malformed));
}

static void on_message(struct mosquitto *mosq, void *ud, const struct mosquitto_message *msg)
{
    client *c = ud;
    zs_mqtt *q = c->q;
    zs_server *S = q->S;
    (void)mosq;
    atomic_fetch_add(&S->metrics.mqtt_messages, 1);
    const char *payload = msg->payload ? msg->payload : "";
    size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
    char err[256];
    int32_t off = 480;
    int64_t now = zs_now_ms();
    pthread_rwlock_rdlock(&S->model_lock);
    off = S->model->utc_offset_min;
    pthread_rwlock_unlock(&S->model_lock);
    if ((long)len > S->cfg.mqtt_max_payload) {
        malformed(q, msg->topic, -1, "payload larger than mqtt.max_payload");
        return;
    }
    for (size_t i = 0; i < c->nsubs; i++) {
        bool match = false;
        if (mosquitto_topic_matches_sub(c->subs[i].filter, msg->topic, &match) != MOSQ_ERR_SUCCESS || !match)
            continue;
        long dev = c->subs[i].dev;
        if (dev < 0) {
            size_t pl = strlen(S->cfg.mqtt_prefix);
            const char *rest = msg->topic + pl;
            if (strcmp(rest, "readings") == 0) {
                json_t *root = NULL;
                zs_parsed *r = NULL;
                size_t n = 0;
                bool toobig;
                if (zs_readings_parse(payload, len, off, now, 100000, &root, &r, &n, &toobig, err, sizeof err)) {
                    malformed(q, msg->topic, -1, err);
                    return;
                }
                if (zs_ingest_push(S->ingest, ZS_SRC_MQTT, r, n) < 0)
                    malformed(q, msg->topic, -1, "ingest queue full");
                free(r);
                json_decref(root);
            } else {
                const char *name = rest + 7; /* "series/" */
                zs_parsed r;
                if (!zs_series_name_ok(name)) {
                    malformed(q, msg->topic, -1, "series name: 1..111 of A-Z a-z 0-9 . _ - :");
                    return;
                }
                if (zs_mqtt_payload_parse(payload, len, "", off, now, &r.value, &r.t_ms, err, sizeof err)) {
                    malformed(q, msg->topic, -1, err);
                    return;
                }
                if (zs_counter_reading_check(name, r.value, err, sizeof err)) {
                    malformed(q, msg->topic, -1, err);
                    return;
                }
                r.series = name;
                if (zs_ingest_push(S->ingest, ZS_SRC_MQTT, &r, 1) < 0)
                    malformed(q, msg->topic, -1, "ingest queue full");
            }
            return;
        }
        /* a device of the model */
        pthread_rwlock_rdlock(&S->model_lock);
        if ((size_t)dev >= S->devs.n) {
            pthread_rwlock_unlock(&S->model_lock);
            return;
        }
        const zs_device *d = &S->devs.dev[dev];
        zs_parsed rs[32];
        size_t nr = 0;
        bool bad = false;
        for (size_t j = 0; j < d->npoints && nr < 32; j++) {
            if (zs_mqtt_payload_parse(payload, len, d->points[j].field, off, now, &rs[nr].value,
                                      &rs[nr].t_ms, err, sizeof err)) {
                bad = true;
                break;
            }
            if (zs_counter_reading_check(d->points[j].series, rs[nr].value, err, sizeof err)) {
                bad = true;
                break;
            }
            rs[nr++].series = d->points[j].series;
        }
        if (!bad && nr && zs_ingest_push(S->ingest, ZS_SRC_MQTT, rs, nr) < 0) {
            bad = true;
            snprintf(err, sizeof err, "ingest queue full");
        }
        pthread_rwlock_unlock(&S->model_lock);
        if (bad) {
            malformed(q, msg->topic, dev, err);
        } else {
            pthread_mutex_lock(&q->mu);
            q->health[dev].msgs++;
            q->health[dev].last_ok_ms = now;
            pthread_mutex_unlock(&q->mu);
        }
        return;
    }
}

static void on_connect(struct mosquitto *mosq, void *ud, int rc)
{
    client *c = ud;
    if (rc != 0) {
        char qr[200];
        zs_log(ZS_LOG_WARN, "event=mqtt_refused broker=%s:%d reason=%s", c->host, c->port,
               zs_log_quote(mosquitto_connack_string(rc), qr, sizeof qr));
        return;
    }
    for (size_t i = 0; i < c->nsubs; i++)
        mosquitto_subscribe(mosq, NULL, c->subs[i].filter, c->q->S->cfg.mqtt_qos);
    atomic_store(&c->connected, 1);
    if (c->generic)
        atomic_store(&c->q->S->metrics.mqtt_connected, 1);
    zs_alert_clear("mqtt.connection");
    zs_log(ZS_LOG_INFO, "event=mqtt_connected broker=%s:%d topics=%zu", c->host, c->port, c->nsubs);
}

static void on_disconnect(struct mosquitto *mosq, void *ud, int rc)
{
    client *c = ud;
    (void)mosq;
    atomic_store(&c->connected, 0);
    if (c->generic)
        atomic_store(&c->q->S->metrics.mqtt_connected, 0);
    if (rc != 0) {
        char qr[200];
        zs_log(ZS_LOG_WARN, "event=mqtt_disconnected broker=%s:%d reason=%s", c->host, c->port,
               zs_log_quote(mosquitto_strerror(rc), qr, sizeof qr));
        zs_alert_raise("mqtt.connection", ZS_ALERT_WARNING, "ingest",
                       "MQTT broker %s:%d lost (%s); reconnecting", c->host, c->port, mosquitto_strerror(rc));
    }
}

static client *client_for(zs_mqtt *q, const char *host, int port)
{
    for (size_t i = 0; i < q->ncl; i++)
        if (strcmp(q->cl[i].host, host) == 0 && q->cl[i].port == port)
            return &q->cl[i];
    if (q->ncl == MAX_CLIENTS)
        return NULL;
    client *c = &q->cl[q->ncl++];
    memset(c, 0, sizeof *c);
    c->q = q;
    snprintf(c->host, sizeof c->host, "%s", host);
    c->port = port;
    return c;
}

static int add_sub(client *c, const char *filter, long dev)
{
    sub *ns = realloc(c->subs, (c->nsubs + 1) * sizeof *ns);
    if (!ns)
        return -1;
    c->subs = ns;
    snprintf(ns[c->nsubs].filter, sizeof ns[c->nsubs].filter, "%.159s", filter);
    ns[c->nsubs].dev = dev;
    c->nsubs++;
    return 0;
}

zp_status zs_mqtt_start(zs_server *S, zs_mqtt **out, char *err, size_t errsz)
{
    zs_mqtt *q = calloc(1, sizeof *q);
    *out = NULL;
    if (!q) {
        snprintf(err, errsz, "out of memory");
        return ZP_ENOMEM;
    }
    pthread_once(&lib_once, lib_init);
    q->S = S;
    pthread_mutex_init(&q->mu, NULL);
    q->nhealth = S->devs.n;
    q->health = calloc(S->devs.n + 1, sizeof *q->health);
    if (!q->health)
        goto nomem;
    if (S->cfg.mqtt_enabled) {
        client *c = client_for(q, S->cfg.mqtt_host, S->cfg.mqtt_port);
        char f[200];
        c->generic = true;
        snprintf(f, sizeof f, "%sreadings", S->cfg.mqtt_prefix);
        if (add_sub(c, f, -1))
            goto nomem;
        snprintf(f, sizeof f, "%sseries/+", S->cfg.mqtt_prefix);
        if (add_sub(c, f, -1))
            goto nomem;
    }
    for (size_t i = 0; i < S->devs.n; i++) {
        const zs_device *d = &S->devs.dev[i];
        if (d->kind != ZS_DEV_MQTT)
            continue;
        const char *host = d->broker_host[0] ? d->broker_host : S->cfg.mqtt_host;
        int port = d->broker_port > 0 ? d->broker_port : S->cfg.mqtt_port;
        client *c = client_for(q, host, port);
        if (!c) {
            snprintf(err, errsz, "more than %d MQTT brokers", MAX_CLIENTS);
            zs_mqtt_stop(q);
            return ZP_EINVAL;
        }
        if (add_sub(c, d->topic, (long)i))
            goto nomem;
    }
    for (size_t i = 0; i < q->ncl; i++) {
        client *c = &q->cl[i];
        char id[96];
        snprintf(id, sizeof id, "%s-%zu", S->cfg.mqtt_client_id, i);
        if (!(c->mosq = mosquitto_new(id, true, c)))
            goto nomem;
        mosquitto_connect_callback_set(c->mosq, on_connect);
        mosquitto_disconnect_callback_set(c->mosq, on_disconnect);
        mosquitto_message_callback_set(c->mosq, on_message);
        mosquitto_reconnect_delay_set(c->mosq, 1, 30, true);
        int rc = mosquitto_connect_async(c->mosq, c->host, c->port, S->cfg.mqtt_keepalive_s);
        if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
            snprintf(err, errsz, "MQTT broker %s:%d: %s", c->host, c->port, mosquitto_strerror(rc));
            zs_mqtt_stop(q);
            return ZP_EIO;
        }
        if (rc == MOSQ_ERR_ERRNO)
            zs_log(ZS_LOG_WARN, "event=mqtt_connect_failed broker=%s:%d message=\"will retry\"", c->host,
                   c->port);
        if ((rc = mosquitto_loop_start(c->mosq)) != MOSQ_ERR_SUCCESS) {
            snprintf(err, errsz, "MQTT network thread: %s", mosquitto_strerror(rc));
            zs_mqtt_stop(q);
            return ZP_EIO;
        }
        c->started = true;
    }
    *out = q;
    return ZP_OK;
nomem:
    snprintf(err, errsz, "out of memory");
    zs_mqtt_stop(q);
    return ZP_ENOMEM;
}

void zs_mqtt_stop(zs_mqtt *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->ncl; i++) {
        client *c = &q->cl[i];
        if (c->mosq) {
            mosquitto_disconnect(c->mosq);
            if (c->started)
                mosquitto_loop_stop(c->mosq, false);
            mosquitto_destroy(c->mosq);
        }
        free(c->subs);
    }
    atomic_store(&q->S->metrics.mqtt_connected, 0);
    pthread_mutex_destroy(&q->mu);
    free(q->health);
    free(q);
}

bool zs_mqtt_health(zs_mqtt *q, size_t dev, zs_dev_health *out)
{
    if (!q || dev >= q->nhealth)
        return false;
    memset(out, 0, sizeof *out);
    const zs_device *d = &q->S->devs.dev[dev];
    bool up = false;
    for (size_t i = 0; i < q->ncl; i++)
        for (size_t j = 0; j < q->cl[i].nsubs; j++)
            if (q->cl[i].subs[j].dev == (long)dev)
                up = atomic_load(&q->cl[i].connected) != 0;
    (void)d;
    pthread_mutex_lock(&q->mu);
    out->polls = q->health[dev].msgs;
    out->errors = q->health[dev].errors;
    out->last_ok_ms = q->health[dev].last_ok_ms;
    snprintf(out->last_error, sizeof out->last_error, "%s", q->health[dev].last_error);
    pthread_mutex_unlock(&q->mu);
    out->state = !up ? ZS_STATE_DOWN : out->last_ok_ms ? ZS_STATE_OK : ZS_STATE_UNKNOWN;
    return true;
}
