/*
 * metrics.c - the daemon's counters (lock-free atomics, read by /metrics)
 * and its alerts: a bounded list of the last 200, each with a key naming
 * its cause so that raising it again refreshes it and clearing ends it.
 */
#define _DEFAULT_SOURCE
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

void zs_metrics_http(zs_metrics *m, unsigned code)
{
    unsigned cls = code / 100, sub = code % 100;
    if (cls >= 1 && cls <= 5 && sub < 32)
        atomic_fetch_add(&m->http_by_code[cls][sub], 1);
}

#define ALERTS_MAX 200

typedef struct alert {
    int64_t id;
    int64_t t_ms;
    zs_alert_level level;
    char key[96];
    char source[24];
    char message[320];
    bool active;
} alert;

static pthread_mutex_t alerts_lock = PTHREAD_MUTEX_INITIALIZER;
static alert alerts[ALERTS_MAX]; /* ring: alerts[(head - 1 - k) % MAX] is the k-th newest */
static size_t alerts_n, alerts_head;
static int64_t alerts_next_id = 1;

static alert *find_active(const char *key)
{
    for (size_t k = 0; k < alerts_n; k++) {
        alert *a = &alerts[(alerts_head + ALERTS_MAX - 1 - k) % ALERTS_MAX];
        if (a->active && strcmp(a->key, key) == 0)
            return a;
    }
    return NULL;
}

int64_t zs_alert_raise(const char *key, zs_alert_level lvl, const char *source, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&alerts_lock);
    alert *a = find_active(key);
    bool fresh = a == NULL;
    if (fresh) {
        a = &alerts[alerts_head];
        alerts_head = (alerts_head + 1) % ALERTS_MAX;
        if (alerts_n < ALERTS_MAX)
            alerts_n++;
        memset(a, 0, sizeof *a);
        a->id = alerts_next_id++;
        a->t_ms = zs_now_ms();
        snprintf(a->key, sizeof a->key, "%s", key);
        snprintf(a->source, sizeof a->source, "%s", source);
        a->active = true;
    }
    a->level = lvl;
    snprintf(a->message, sizeof a->message, "%s", msg);
    int64_t id = a->id;
    pthread_mutex_unlock(&alerts_lock);
    if (fresh) {
        char q[400], qk[300];
        zs_log(lvl == ZS_ALERT_CRITICAL ? ZS_LOG_ERROR : ZS_LOG_WARN,
               "event=alert id=%lld source=%s key=%s message=%s", (long long)id, source,
               zs_log_quote(key, qk, sizeof qk), zs_log_quote(msg, q, sizeof q));
    }
    return id;
}

void zs_alert_clear(const char *key)
{
    pthread_mutex_lock(&alerts_lock);
    alert *a = find_active(key);
    int64_t id = 0;
    if (a) {
        a->active = false;
        id = a->id;
    }
    pthread_mutex_unlock(&alerts_lock);
    if (id)
    {
        char qk[300];
        zs_log(ZS_LOG_INFO, "event=alert_cleared id=%lld key=%s", (long long)id,
               zs_log_quote(key, qk, sizeof qk));
    }
}

size_t zs_alerts_active(void)
{
    size_t n = 0;
    pthread_mutex_lock(&alerts_lock);
    for (size_t k = 0; k < alerts_n; k++)
        n += alerts[k].active;
    pthread_mutex_unlock(&alerts_lock);
    return n;
}

json_t *zs_alerts_json(int32_t offset_min)
{
    static const char *const levels[] = {"info", "warning", "critical"};
    json_t *arr = json_array();
    char tb[ZP_TIME_BUFSIZE];
    pthread_mutex_lock(&alerts_lock);
    for (size_t k = 0; k < alerts_n; k++) {
        const alert *a = &alerts[(alerts_head + ALERTS_MAX - 1 - k) % ALERTS_MAX];
        json_array_append_new(
            arr, json_pack("{sI ss ss ss ss sb}", "id", (json_int_t)a->id, "time",
                           zs_time_fmt(a->t_ms, offset_min, tb), "level", levels[a->level],
                           "source", a->source, "message", a->message, "active", a->active));
    }
    pthread_mutex_unlock(&alerts_lock);
    return json_pack("{so}", "alerts", arr);
}

void zs_alerts_reset(void)
{
    pthread_mutex_lock(&alerts_lock);
    alerts_n = alerts_head = 0;
    pthread_mutex_unlock(&alerts_lock);
}
