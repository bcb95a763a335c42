/*
 * ingest.c - every reading (HTTP, MQTT, Modbus) goes through here: parsed,
 * queued under one mutex, and written in batches by one writer thread.
 *
 * The writer owns both stores. Each batch is sorted by series and time
 * and written to the raw store (one value per store step, the last
 * reading of a step wins) with one zp_store_write. Then every accounting
 * interval that the batch touched is recomputed from the raw store for the
 * accounting meters (docs/api.md "Series names") and written to the park
 * store: the mean of the readings in the interval, summed over the points
 * that feed the meter. Recomputing from the raw store makes the meters
 * idempotent, right after a crash and for readings that arrive late.
 *
 * Latest values (for /status, /devices and the control loop) are updated
 * when a reading is queued, so they show before the batch is written.
 */
#define _DEFAULT_SOURCE
#include "ingest.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

#define SERIES_MAX (256 * 1024)
#define BLOCK 1024
#define NAME_MAX_LEN 111
#define SEGMENT_GAP_STEPS 3600 /* a gap longer than this starts a new written segment */

typedef struct sentry {
    char name[NAME_MAX_LEN + 1];
    char unit[16];
    zs_feed_kind feed;
    char asset[64];
    double latest;
    int64_t latest_ms;
    bool has_latest;
    /* writer only */
    bool registered;           /* contributes to its meters */
} sentry;

typedef struct qent {
    uint32_t id;
    uint32_t idx;              /* queue order, so the last reading of an instant wins */
    int64_t t_ms;
    double v;
} qent;

/* A contribution of one raw series to a meter. */
typedef enum xform { XF_ID = 0, XF_POS, XF_NEG, XF_PUE } xform;
typedef struct contrib {
    uint32_t id;
    xform xf;
} contrib;

typedef struct meter {
    char name[128];            /* "pv.rooftops_kw" */
    contrib *c;
    size_t nc, capc;
    /* intervals touched by the current batch */
    int64_t *touched;
    size_t nt, capt;
} meter;

struct zs_ingest {
    zs_ingest_opts o;
    zp_ctx *ctx;               /* writer thread's context */
    zp_store *raw, *park;
    pthread_t thread;
    bool started;

    pthread_mutex_t mu;        /* guards everything below up to "writer only" */
    pthread_cond_t wake, done;
    sentry *blocks[SERIES_MAX / BLOCK];
    uint32_t nseries;
    uint32_t *hash;            /* open addressing: id + 1, 0 = empty */
    size_t hcap;
    qent *q;
    size_t qn, qcap;
    uint64_t pushed, written;  /* readings queued / written so far (sequence numbers) */
    uint64_t sync_want;
    uint64_t drops_since_take; /* readings refused since the writer last took the queue */
    bool dropping;             /* the alert DROP_ALERT is raised */
    bool stop;
    bool has_dc_facility_feed;

    /* writer only */
    qent *spare;
    size_t sparecap;
    meter *meters;
    size_t nmeters;
};

static sentry *ent(zs_ingest *in, uint32_t id) { return &in->blocks[id / BLOCK][id % BLOCK]; }

/* ---- parsing ------------------------------------------------------------- */

bool zs_series_name_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ':'))
            return false;
        if (n >= NAME_MAX_LEN)
            return false;
    }
    return n > 0;
}

int zs_time_text_parse(const char *s, size_t len, int32_t offset_min, int64_t *t_ms)
{
    if (len == 0 || len > 64)
        return -1;
    size_t i = 0;
    bool digits = true;
    for (i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            digits = false;
    if (digits) {
        if (len > 15)
            return -1;
        int64_t v = 0;
        for (i = 0; i < len; i++)
            v = v * 10 + (s[i] - '0');
        *t_ms = v;
        return 0;
    }
    zp_time_t t;
    int32_t off;
    /* zp_time_parse takes a date alone as its midnight */
    if (zp_time_parse(s, len, offset_min, &t, &off) != ZP_OK || t < 0 || t > 4102444800LL)
        return -1;
    *t_ms = t * 1000;
    return 0;
}

int zs_counter_reading_check(const char *series, double value, char *err, size_t errsz)
{
    if (!(value < 0) || !zp_series_name_is_counter(series))
        return 0;
    snprintf(err, errsz, "negative reading %.10g of counter '%.111s'; a cumulative register "
             "(a series named ..._total) reads 0 or more", value, series);
    return -1;
}

/* Readings must lie in [1970, 2100): the store's grid arithmetic stays far
 * from overflow and a unit slip (seconds for ms) is caught. */
#define T_MS_MAX 4102444800000LL
#define T_MS_MIN 946684800000LL /* 2000-01-01: Unix seconds given as ms land before it */

int zs_readings_parse(const char *buf, size_t len, int32_t offset_min, int64_t now_ms, size_t max_n,
                      json_t **root_out, zs_parsed **out, size_t *nout, bool *toobig, char *err,
                      size_t errsz)
{
    json_error_t je;
    *root_out = NULL;
    *out = NULL;
    *nout = 0;
    *toobig = false;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char words[JSON_ERROR_TEXT_LENGTH + 128];
        snprintf(err, errsz, "body:%d:%d: %s", je.line, je.column,
                 zp_json_errtext(je.text, words, sizeof words));
        return -1;
    }
    json_t *arr = json_object_get(root, "readings");
    if (!json_is_object(root) || !json_is_array(arr)) {
        snprintf(err, errsz, "body: expected {\"readings\": [{\"series\", \"t\", \"value\"}, ...]}");
        json_decref(root);
        return -1;
    }
    if (json_object_size(root) != 1) {
        const char *k;
        json_t *v;
        json_object_foreach(root, k, v) if (strcmp(k, "readings") != 0) break;
        snprintf(err, errsz, "%s: unknown key (only \"readings\")", k ? k : "?");
        json_decref(root);
        return -1;
    }
    size_t n = json_array_size(arr);
    if (n > max_n) {
        *toobig = true;
        snprintf(err, errsz, "readings: %zu readings, at most %zu per request", n, max_n);
        json_decref(root);
        return -1;
    }
    zs_parsed *r = n ? malloc(n * sizeof *r) : NULL;
    if (n && !r) {
        snprintf(err, errsz, "out of memory");
        json_decref(root);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e)) {
            snprintf(err, errsz, "readings[%zu]: expected an object {\"series\", \"t\", \"value\"}", i);
            goto fail;
        }
        const char *k;
        json_t *v;
        json_object_foreach(e, k, v) {
            if (strcmp(k, "series") && strcmp(k, "t") && strcmp(k, "value")) {
                snprintf(err, errsz, "readings[%zu].%.40s: unknown key (series, t, value)", i, k);
                goto fail;
            }
        }
        json_t *s = json_object_get(e, "series");
        if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s) ||
            !zs_series_name_ok(json_string_value(s))) {
            snprintf(err, errsz,
                     "readings[%zu].series: expected a name of 1..111 characters A-Z a-z 0-9 . _ - :",
                     i);
            goto fail;
        }
        json_t *val = json_object_get(e, "value");
        if (!json_is_number(val) || !isfinite(json_number_value(val))) {
            snprintf(err, errsz, "readings[%zu].value: expected a finite number", i);
            goto fail;
        }
        if (zs_counter_reading_check(json_string_value(s), json_number_value(val), err, errsz)) {
            char pre[40];
            snprintf(pre, sizeof pre, "readings[%zu].value: ", i);
            size_t pl = strlen(pre), el = strlen(err);
            if (pl + el < errsz) {
                memmove(err + pl, err, el + 1);
                memcpy(err, pre, pl);
            }
            goto fail;
        }
        json_t *t = json_object_get(e, "t");
        int64_t tms = now_ms;
        if (json_is_string(t)) {
            if (zs_time_text_parse(json_string_value(t), json_string_length(t), offset_min, &tms)) {
                snprintf(err, errsz, "readings[%zu].t: not an ISO-8601 time or Unix ms", i);
                goto fail;
            }
        } else if (json_is_integer(t)) {
            tms = json_integer_value(t);
        } else if (t && !json_is_null(t)) {
            snprintf(err, errsz, "readings[%zu].t: expected an ISO-8601 string or Unix ms", i);
            goto fail;
        }
        if (tms < T_MS_MIN || tms >= T_MS_MAX) {
            snprintf(err, errsz, "readings[%zu].t: %lld ms is outside 2000..2100 (Unix ms expected)",
                     i, (long long)tms);
            goto fail;
        }
        r[i].series = json_string_value(s);
        r[i].t_ms = tms;
        r[i].value = json_number_value(val);
    }
    *root_out = root;
    *out = r;
    *nout = n;
    return 0;
fail:
    free(r);
    json_decref(root);
    return -1;
}

int zs_mqtt_payload_parse(const char *payload, size_t len, const char *field, int32_t offset_min,
                          int64_t now_ms, double *value, int64_t *t_ms, char *err, size_t errsz)
{
    size_t a = 0, b = len;
    while (a < b && (payload[a] == ' ' || payload[a] == '\t' || payload[a] == '\r' || payload[a] == '\n'))
        a++;
    while (b > a && (payload[b - 1] == ' ' || payload[b - 1] == '\t' || payload[b - 1] == '\r' ||
                     payload[b - 1] == '\n'))
        b--;
    if (a == b) {
        snprintf(err, errsz, "empty payload");
        return -1;
    }
    *t_ms = now_ms;
    if (payload[a] != '{') {
        char num[64];
        if (b - a >= sizeof num || (field && *field)) {
            snprintf(err, errsz, (field && *field) ? "expected a JSON object with field '%s'"
                                                   : "expected a number or a JSON object%s",
                     field && *field ? field : "");
            return -1;
        }
        memcpy(num, payload + a, b - a);
        num[b - a] = '\0';
        char *end;
        errno = 0;
        double x = strtod(num, &end);
        if (errno || *end || end == num || !isfinite(x)) {
            snprintf(err, errsz, "'%.32s' is not a finite number", num);
            return -1;
        }
        *value = x;
        return 0;
    }
    json_error_t je;
    json_t *root = json_loadb(payload + a, b - a, JSON_REJECT_DUPLICATES, &je);
    int rc = -1;
    if (!root || !json_is_object(root)) {
        char words[JSON_ERROR_TEXT_LENGTH + 128];
        if (root)
            snprintf(err, errsz, "expected a JSON object");
        else
            snprintf(err, errsz, "payload:%d:%d: %s", je.line, je.column,
                     zp_json_errtext(je.text, words, sizeof words));
        goto out;
    }
    const char *key = field && *field ? field : "value";
    json_t *v = json_object_get(root, key);
    if (!json_is_number(v) || !isfinite(json_number_value(v))) {
        snprintf(err, errsz, "%.63s: expected a finite number", key);
        goto out;
    }
    json_t *t = json_object_get(root, "t");
    if (!t)
        t = json_object_get(root, "ts");
    if (json_is_string(t)) {
        if (zs_time_text_parse(json_string_value(t), json_string_length(t), offset_min, t_ms)) {
            snprintf(err, errsz, "t: not an ISO-8601 time or Unix ms");
            goto out;
        }
    } else if (json_is_integer(t)) {
        *t_ms = json_integer_value(t);
    } else if (t && !json_is_null(t)) {
        snprintf(err, errsz, "t: expected an ISO-8601 string or Unix ms");
        goto out;
    }
    if (*t_ms < T_MS_MIN || *t_ms >= T_MS_MAX) {
        snprintf(err, errsz, "t: %lld ms is outside 2000..2100 (Unix ms expected)", (long long)*t_ms);
        goto out;
    }
    *value = json_number_value(v);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* Room for need elements of elem bytes in *arr, whose capacity *cap
 * doubles from first: false when out of memory (*arr left as it was). */
static bool grow(void **arr, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : first;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* ---- the series table ---------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static long lookup(zs_ingest *in, const char *name)
{
    size_t mask = in->hcap - 1;
    for (size_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
        uint32_t h = in->hash[i];
        if (!h)
            return -1;
        if (strcmp(ent(in, h - 1)->name, name) == 0)
            return (long)(h - 1);
    }
}

static int rehash(zs_ingest *in, size_t cap)
{
    uint32_t *nh = calloc(cap, sizeof *nh);
    if (!nh)
        return -1;
    for (uint32_t id = 0; id < in->nseries; id++) {
        size_t i = hash_str(ent(in, id)->name) & (cap - 1);
        while (nh[i])
            i = (i + 1) & (cap - 1);
        nh[i] = id + 1;
    }
    free(in->hash);
    in->hash = nh;
    in->hcap = cap;
    return 0;
}

/* Unit and feed of a device point named `series`. */
static void device_point(const zs_devices *d, const char *series, sentry *e)
{
    for (size_t i = 0; d && i < d->n; i++)
        for (size_t j = 0; j < d->dev[i].npoints; j++) {
            const zs_point *p = &d->dev[i].points[j];
            if (strcmp(p->series, series) == 0) {
                snprintf(e->unit, sizeof e->unit, "%s", p->unit);
                if (p->feeds[0])
                    e->feed = zs_feed_parse(p->feeds, e->asset, sizeof e->asset);
                return;
            }
        }
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* id of name, created when new (mu held). -1 when the table is full. */
static long intern(zs_ingest *in, const char *name)
{
    long id = lookup(in, name);
    if (id >= 0)
        return id;
    if (in->nseries >= SERIES_MAX)
        return -1;
    if ((in->nseries + 1) * 2 > in->hcap && rehash(in, in->hcap * 2))
        return -1;
    uint32_t nid = in->nseries;
    if (!in->blocks[nid / BLOCK] && !(in->blocks[nid / BLOCK] = calloc(BLOCK, sizeof(sentry))))
        return -1;
    sentry *e = ent(in, nid);
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    device_point(in->o.devs, name, e);
    if (e->feed == ZS_FEED_NONE)
        e->feed = zs_feed_parse(name, e->asset, sizeof e->asset);
    if (!e->unit[0]) {
        if (e->feed == ZS_FEED_STORAGE_SOC)
            snprintf(e->unit, sizeof e->unit, "1");
        else if (e->feed != ZS_FEED_NONE || ends_with(name, "_kw"))
            snprintf(e->unit, sizeof e->unit, "kW");
        else if (ends_with(name, "_kwh"))
            snprintf(e->unit, sizeof e->unit, "kWh");
        else if (zp_series_name_is_counter(name)) {
            /* a register's unit from its name (_kwh_total kWh, ...) */
            const char *u = NULL;
            zp_series_kind_from_name(name, &u);
            if (u)
                snprintf(e->unit, sizeof e->unit, "%s", u);
        }
    }
    if (e->feed == ZS_FEED_DC_FACILITY)
        in->has_dc_facility_feed = true;
    size_t i = hash_str(name) & (in->hcap - 1);
    while (in->hash[i])
        i = (i + 1) & (in->hcap - 1);
    in->hash[i] = nid + 1;
    in->nseries++;
    return nid;
}

/* ---- queueing ------------------------------------------------------------ */

#define DROP_ALERT "ingest.dropped"

/* n readings refused (mu held): counted, and the alert raised when it is
 * not already; the writer clears it after a batch interval without a
 * refusal (writer_main). Raised under mu so a clear cannot overtake it. */
static void dropped(zs_ingest *in, size_t n, const char *why)
{
    in->drops_since_take += n;
    if (in->o.metrics)
        atomic_fetch_add(&in->o.metrics->readings_dropped, n);
    if (!in->dropping) {
        in->dropping = true;
        zs_alert_raise(DROP_ALERT, ZS_ALERT_CRITICAL, "ingest",
                       "readings are being dropped: %s; zeropark_readings_dropped_total counts them", why);
    }
}

long zs_ingest_push(zs_ingest *in, zs_source src, const zs_parsed *r, size_t n)
{
    if (!n)
        return 0;
    pthread_mutex_lock(&in->mu);
    if (in->qn + n > (size_t)in->o.queue_max) {
        char why[160];
        snprintf(why, sizeof why, "the ingest queue is full (queue_max %ld readings, the store "
                 "writes more slowly than they come)", in->o.queue_max);
        dropped(in, n, why);
        pthread_mutex_unlock(&in->mu);
        return -1;
    }
    if (!grow((void **)&in->q, &in->qcap, in->qn + n, sizeof *in->q, 4096)) {
        dropped(in, n, "out of memory growing the ingest queue");
        pthread_mutex_unlock(&in->mu);
        return -1;
    }
    size_t k = 0;
    for (; k < n; k++) {
        long id = intern(in, r[k].series);
        if (id < 0)
            break;
        qent *q = &in->q[in->qn + k];
        q->id = (uint32_t)id;
        q->idx = (uint32_t)(in->qn + k);
        q->t_ms = r[k].t_ms;
        q->v = r[k].value;
        sentry *e = ent(in, (uint32_t)id);
        if (!e->has_latest || r[k].t_ms >= e->latest_ms) {
            e->latest = r[k].value;
            e->latest_ms = r[k].t_ms;
            e->has_latest = true;
        }
    }
    if (k < n) { /* series table full: nothing of this push is queued */
        dropped(in, n, "the series table is full (262144 series)");
        pthread_mutex_unlock(&in->mu);
        return -1;
    }
    in->qn += n;
    in->pushed += n;
    if (in->qn >= 262144)
        pthread_cond_signal(&in->wake);
    pthread_mutex_unlock(&in->mu);
    if (in->o.metrics) {
        atomic_uint_fast64_t *c = src == ZS_SRC_HTTP   ? &in->o.metrics->readings_http
                                  : src == ZS_SRC_MQTT ? &in->o.metrics->readings_mqtt
                                                       : &in->o.metrics->readings_modbus;
        atomic_fetch_add(c, n);
    }
    return (long)n;
}

void zs_ingest_sink(void *ud, const zs_reading *r, size_t n)
{
    zs_parsed buf[64];
    zs_ingest *in = ud;
    while (n) {
        size_t k = n < 64 ? n : 64;
        for (size_t i = 0; i < k; i++) {
            buf[i].series = r[i].series;
            buf[i].t_ms = r[i].t_ms;
            buf[i].value = r[i].value;
        }
        zs_ingest_push(in, ZS_SRC_MODBUS, buf, k);
        r += k;
        n -= k;
    }
}

void zs_ingest_set_devices(zs_ingest *in, const zs_devices *d)
{
    pthread_mutex_lock(&in->mu);
    in->o.devs = d;
    pthread_mutex_unlock(&in->mu);
}

void zs_ingest_sync(zs_ingest *in)
{
    pthread_mutex_lock(&in->mu);
    uint64_t want = in->pushed;
    if (want > in->sync_want)
        in->sync_want = want;
    pthread_cond_signal(&in->wake);
    while (in->written < want && in->started)
        pthread_cond_wait(&in->done, &in->mu);
    pthread_mutex_unlock(&in->mu);
}

size_t zs_ingest_feed_names(zs_ingest *in, zs_feed_kind k, char (*names)[112], size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&in->mu);
    for (uint32_t id = 0; id < in->nseries && n < max; id++)
        if (ent(in, id)->feed == k)
            snprintf(names[n++], 112, "%s", ent(in, id)->name);
    pthread_mutex_unlock(&in->mu);
    return n;
}

void zs_ingest_queue_state(zs_ingest *in, size_t *queued, bool *dropping)
{
    pthread_mutex_lock(&in->mu);
    *queued = in->qn;
    *dropping = in->dropping;
    pthread_mutex_unlock(&in->mu);
}

bool zs_ingest_latest(zs_ingest *in, const char *series, double *value, int64_t *t_ms)
{
    bool ok = false;
    pthread_mutex_lock(&in->mu);
    long id = lookup(in, series);
    if (id >= 0 && ent(in, (uint32_t)id)->has_latest) {
        *value = ent(in, (uint32_t)id)->latest;
        *t_ms = ent(in, (uint32_t)id)->latest_ms;
        ok = true;
    }
    pthread_mutex_unlock(&in->mu);
    return ok;
}

void zs_ingest_live(zs_ingest *in, const zp_model *m, zs_live *o)
{
    memset(o, 0, sizeof *o);
    o->nsoc = m && m->nstorage < 16 ? m->nstorage : (m ? 16 : 0);
    for (size_t i = 0; i < o->nsoc; i++)
        o->soc[i] = NAN;
    int64_t newest[ZS_FEED_GRID_NET + 1] = {0}; /* per quantity kind */
    pthread_mutex_lock(&in->mu);
    for (uint32_t id = 0; id < in->nseries; id++) {
        const sentry *e = ent(in, id);
        if (e->feed == ZS_FEED_NONE || !e->has_latest)
            continue;
        if (e->latest_ms > newest[e->feed])
            newest[e->feed] = e->latest_ms;
        double v = e->latest;
        switch (e->feed) {
        case ZS_FEED_PV: o->pv_kw += v; o->has_pv = true; break;
        case ZS_FEED_WIND: o->wind_kw += v; o->has_wind = true; break;
        case ZS_FEED_STORAGE_POWER: o->battery_kw += v; o->has_battery = true; break;
        case ZS_FEED_LOAD: o->load_kw += v; o->has_load = true; break;
        case ZS_FEED_DC_IT: o->dc_it_kw += v; o->has_dc_it = true; break;
        case ZS_FEED_DC_FACILITY: o->dc_facility_kw += v; o->has_dc_facility = true; break;
        case ZS_FEED_GRID_IMPORT:
        case ZS_FEED_GRID_NET: o->grid_kw += v; o->has_grid = true; break;
        case ZS_FEED_GRID_EXPORT: o->grid_kw -= v; o->has_grid = true; break;
        case ZS_FEED_STORAGE_SOC:
            for (size_t s = 0; s < o->nsoc; s++)
                if (strcmp(m->storage[s].name, e->asset) == 0 &&
                    (isnan(o->soc[s]) || e->latest_ms >= o->soc_t_ms[s])) {
                    o->soc[s] = v;
                    o->soc_t_ms[s] = e->latest_ms;
                }
            break;
        case ZS_FEED_NONE: break;
        }
    }
    pthread_mutex_unlock(&in->mu);
    /* a quantity is as fresh as its newest point: one dead inverter among
     * many does not make the PV stale, a silent grid meter does */
    for (int k = 1; k <= ZS_FEED_GRID_NET; k++)
        if (newest[k] && (!o->oldest_ms || newest[k] < o->oldest_ms))
            o->oldest_ms = newest[k];
}

/* ---- the writer ---------------------------------------------------------- */

static int cmp_qent(const void *a, const void *b)
{
    const qent *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    if (x->t_ms != y->t_ms)
        return x->t_ms < y->t_ms ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static meter *meter_get(zs_ingest *in, const char *name)
{
    for (size_t i = 0; i < in->nmeters; i++)
        if (strcmp(in->meters[i].name, name) == 0)
            return &in->meters[i];
    meter *nm = realloc(in->meters, (in->nmeters + 1) * sizeof *nm);
    if (!nm)
        return NULL;
    in->meters = nm;
    meter *m = &nm[in->nmeters++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    return m;
}

static void meter_add(zs_ingest *in, const char *name, uint32_t id, xform xf)
{
    meter *m = meter_get(in, name);
    if (!m)
        return;
    for (size_t i = 0; i < m->nc; i++)
        if (m->c[i].id == id && m->c[i].xf == xf)
            return;
    if (grow((void **)&m->c, &m->capc, m->nc + 1, sizeof *m->c, 4))
        m->c[m->nc++] = (contrib){id, xf};
}

/* The accounting meters each kind of feed contributes to, in order: an
 * asset's meter is pre + asset + "_kw", a park-wide one pre alone. */
static const struct {
    zs_feed_kind feed;
    const char *pre;
    bool per_asset;
    xform xf;
} feed_meters[] = {
    {ZS_FEED_PV, "pv.", true, XF_ID},
    {ZS_FEED_WIND, "wind.", true, XF_ID},
    {ZS_FEED_LOAD, "load.", true, XF_ID},
    {ZS_FEED_STORAGE_POWER, "storage_discharge.", true, XF_POS},
    {ZS_FEED_STORAGE_POWER, "storage_charge.", true, XF_NEG},
    {ZS_FEED_DC_IT, "dc_it_kw", false, XF_ID},
    {ZS_FEED_DC_FACILITY, "dc_facility_kw", false, XF_ID},
    {ZS_FEED_GRID_IMPORT, "grid_import_kw", false, XF_ID},
    {ZS_FEED_GRID_EXPORT, "grid_export_kw", false, XF_ID},
    {ZS_FEED_GRID_NET, "grid_import_kw", false, XF_POS},
    {ZS_FEED_GRID_NET, "grid_export_kw", false, XF_NEG},
};

/* The accounting meters series id contributes to (writer only). IT power
 * stands for the facility's (x PUE) when no point feeds the facility. */
static void register_series(zs_ingest *in, uint32_t id, bool has_facility)
{
    sentry *e = ent(in, id);
    if (e->registered)
        return;
    e->registered = true;
    char name[128];
    for (size_t i = 0; i < sizeof feed_meters / sizeof feed_meters[0]; i++) {
        if (feed_meters[i].feed != e->feed)
            continue;
        if (feed_meters[i].per_asset)
            snprintf(name, sizeof name, "%s%s_kw", feed_meters[i].pre, e->asset);
        else
            snprintf(name, sizeof name, "%s", feed_meters[i].pre);
        meter_add(in, name, id, feed_meters[i].xf);
    }
    if (e->feed == ZS_FEED_DC_IT && !has_facility)
        meter_add(in, "dc_facility_kw", id, XF_PUE);
}

static void touch(meter *m, int64_t t)
{
    if (m->nt && m->touched[m->nt - 1] == t)
        return;
    for (size_t i = 0; i < m->nt; i++)
        if (m->touched[i] == t)
            return;
    if (grow((void **)&m->touched, &m->capt, m->nt + 1, sizeof *m->touched, 8))
        m->touched[m->nt++] = t;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Mean of the contribution over [t, t + A) from the raw store; false if
 * the interval holds no reading. */
static bool contrib_mean(zs_ingest *in, const contrib *c, int64_t t, double *out)
{
    zp_series *s = NULL;
    if (zp_store_read(in->raw, ent(in, c->id)->name, t, t + in->o.account_step_s, &s) != ZP_OK) {
        zp_ctx_clear_error(in->ctx);
        return false;
    }
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < s->len; i++) {
        double v = s->v[i];
        if (isnan(v))
            continue;
        switch (c->xf) {
        case XF_POS: v = v > 0 ? v : 0; break;
        case XF_NEG: v = v < 0 ? -v : 0; break;
        case XF_PUE: v *= in->o.dc_pue; break;
        case XF_ID: break;
        }
        sum += v;
        n++;
    }
    zp_series_free(in->ctx, s);
    if (!n)
        return false;
    *out = sum / (double)n;
    return true;
}

static void store_failed(zs_ingest *in, const char *what)
{
    char q[600];
    if (in->o.metrics)
        atomic_fetch_add(&in->o.metrics->store_errors, 1);
    zs_log(ZS_LOG_ERROR, "event=store_error store=%s message=%s", what,
           zs_log_quote(zp_ctx_errmsg(in->ctx), q, sizeof q));
    zs_alert_raise("ingest.store", ZS_ALERT_CRITICAL, "ingest", "writing the %s store failed: %s",
                   what, zp_ctx_errmsg(in->ctx));
    zp_ctx_clear_error(in->ctx);
}

static void write_batch(zs_ingest *in, qent *b, size_t n, bool has_facility)
{
    if (!n)
        return;
    const int64_t step = in->o.store_step_s, A = in->o.account_step_s;
    qsort(b, n, sizeof *b, cmp_qent);
    /* segments: one series each, gaps <= SEGMENT_GAP_STEPS; a series with
     * far-apart readings (late ones beside current ones) has several,
     * numbered by ord: one store write per ord, as a write takes each
     * series once */
    size_t nseg = 0, cap = 64;
    zp_series **segs = malloc(cap * sizeof *segs);
    unsigned *ord = malloc(cap * sizeof *ord), maxord = 0;
    size_t *cnt = malloc(cap * sizeof *cnt);
    bool ok = segs && ord && cnt;
    for (size_t i = 0; ok && i < n;) {
        size_t j = i + 1;
        while (j < n && b[j].id == b[i].id &&
               zp_fdiv(b[j].t_ms, 1000 * step) - zp_fdiv(b[j - 1].t_ms, 1000 * step) <=
                   SEGMENT_GAP_STEPS)
            j++;
        int64_t k0 = zp_fdiv(b[i].t_ms, 1000 * step), k1 = zp_fdiv(b[j - 1].t_ms, 1000 * step);
        sentry *e = ent(in, b[i].id);
        zp_series *s = NULL;
        zp_series_kind kind = zp_series_name_is_counter(e->name) ? ZP_SERIES_COUNTER
                              : strcmp(e->unit, "kW") == 0     ? ZP_SERIES_POWER
                                                               : ZP_SERIES_INTENSITY;
        if (nseg == cap) {
            zp_series **ns = realloc(segs, cap * 2 * sizeof *ns);
            if (ns)
                segs = ns;
            unsigned *no = ns ? realloc(ord, cap * 2 * sizeof *no) : NULL;
            if (no)
                ord = no;
            size_t *nc = no ? realloc(cnt, cap * 2 * sizeof *nc) : NULL;
            if (!nc) {
                ok = false;
                break;
            }
            cnt = nc;
            cap *= 2;
        }
        if (zp_series_new(in->ctx, e->name, kind, k0 * step, (int32_t)step, (size_t)(k1 - k0 + 1), &s) ||
            (e->unit[0] && zp_series_set_unit(in->ctx, s, e->unit))) {
            zp_series_free(in->ctx, s);
            ok = false;
            break;
        }
        for (size_t x = 0; x < s->len; x++)
            s->v[x] = NAN;
        for (size_t x = i; x < j; x++)
            s->v[zp_fdiv(b[x].t_ms, 1000 * step) - k0] = b[x].v;
        ord[nseg] = nseg && i > 0 && b[i - 1].id == b[i].id ? ord[nseg - 1] + 1 : 0;
        if (ord[nseg] > maxord)
            maxord = ord[nseg];
        cnt[nseg] = j - i;
        segs[nseg++] = s;
        if (e->feed != ZS_FEED_NONE && e->feed != ZS_FEED_STORAGE_SOC) {
            register_series(in, b[i].id, has_facility);
            for (size_t mi = 0; mi < in->nmeters; mi++) {
                meter *m = &in->meters[mi];
                for (size_t c = 0; c < m->nc; c++)
                    if (m->c[c].id == b[i].id) {
                        for (size_t x = i; x < j; x++)
                            touch(m, zp_fdiv(b[x].t_ms, 1000 * A) * A);
                        break;
                    }
            }
        }
        i = j;
    }
    if (!ok) {
        zs_log(ZS_LOG_ERROR, "event=store_error message=\"out of memory building a batch\"");
    } else {
        /* segments of one ord are moved to the front of segs in turn */
        bool all = true;
        for (unsigned r = 0; r <= maxord; r++) {
            size_t k = 0, stored = 0;
            for (size_t x = 0; x < nseg; x++)
                if (ord[x] == r) {
                    zp_series *t = segs[k];
                    segs[k] = segs[x];
                    segs[x] = t;
                    unsigned to = ord[k];
                    ord[k] = ord[x];
                    ord[x] = to;
                    size_t tc = cnt[k];
                    cnt[k] = cnt[x];
                    cnt[x] = tc;
                    stored += cnt[k];
                    k++;
                }
            if (zp_store_write(in->raw, (const zp_series *const *)segs, k, NULL, NULL) != ZP_OK) {
                store_failed(in, "raw");
                all = false;
            } else if (in->o.metrics) {
                atomic_fetch_add(&in->o.metrics->readings_stored, stored);
            }
            for (size_t x = 0; x < k; x++)
                ord[x] = UINT_MAX; /* written */
        }
        if (in->o.metrics)
            atomic_fetch_add(&in->o.metrics->flushes, 1);
        if (all)
            zs_alert_clear("ingest.store");
    }
    for (size_t i = 0; i < nseg; i++)
        zp_series_free(in->ctx, segs[i]);
    free(ord);
    free(cnt);
    nseg = 0;
    /* accounting meters over the touched intervals */
    for (size_t mi = 0; ok && mi < in->nmeters; mi++) {
        meter *m = &in->meters[mi];
        if (!m->nt)
            continue;
        qsort(m->touched, m->nt, sizeof *m->touched, cmp_i64);
        int64_t t0 = m->touched[0], t1 = m->touched[m->nt - 1];
        if ((t1 - t0) / A > 1100000) /* over ten years apart: the newest interval only */
            t0 = t1;
        zp_series *s = NULL;
        if (nseg == cap) {
            zp_series **ns = realloc(segs, cap * 2 * sizeof *ns);
            if (!ns)
                break;
            segs = ns;
            cap *= 2;
        }
        if (zp_series_new(in->ctx, m->name, ZP_SERIES_POWER, t0, (int32_t)A, (size_t)((t1 - t0) / A + 1),
                          &s) ||
            zp_series_set_unit(in->ctx, s, "kW")) {
            zp_series_free(in->ctx, s);
            zp_ctx_clear_error(in->ctx);
            continue;
        }
        for (size_t x = 0; x < s->len; x++)
            s->v[x] = NAN;
        for (size_t k = 0; k < m->nt; k++) {
            int64_t t = m->touched[k];
            if (t < t0)
                continue;
            double sum = 0, v;
            bool any = false;
            for (size_t c = 0; c < m->nc; c++)
                if (contrib_mean(in, &m->c[c], t, &v)) {
                    sum += v;
                    any = true;
                }
            if (any)
                s->v[(t - t0) / A] = sum;
        }
        m->nt = 0;
        segs[nseg++] = s;
    }
    if (nseg && zp_store_write(in->park, (const zp_series *const *)segs, nseg, NULL, NULL) != ZP_OK)
        store_failed(in, "park");
    else if (nseg && in->o.metrics)
        atomic_fetch_add(&in->o.metrics->park_writes, 1); /* the year's figures are redone */
    for (size_t i = 0; i < nseg; i++)
        zp_series_free(in->ctx, segs[i]);
    for (size_t mi = 0; mi < in->nmeters; mi++)
        in->meters[mi].nt = 0;
    free(segs);
}

static void *writer_main(void *ud)
{
    zs_ingest *in = ud;
    pthread_mutex_lock(&in->mu);
    for (;;) {
        if (!in->stop && in->qn < 262144 && in->sync_want <= in->written) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + (int64_t)in->o.flush_ms * 1000000;
            ts.tv_sec += ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            while (!in->stop && in->qn < 262144 && in->sync_want <= in->written)
                if (pthread_cond_timedwait(&in->wake, &in->mu, &ts) == ETIMEDOUT)
                    break;
        }
        /* take the queue, leave the (emptied) spare buffer to the pushers */
        qent *b = in->q;
        size_t n = in->qn, bcap = in->qcap;
        in->q = in->spare;
        in->qcap = in->sparecap;
        in->qn = 0;
        uint64_t seq = in->pushed;
        bool stop = in->stop, fac = in->has_dc_facility_feed;
        uint64_t drops = in->drops_since_take;
        in->drops_since_take = 0;
        pthread_mutex_unlock(&in->mu);
        write_batch(in, b, n, fac);
        pthread_mutex_lock(&in->mu);
        /* a whole batch interval without a refused reading: recovered */
        if (in->dropping && drops == 0 && in->drops_since_take == 0) {
            in->dropping = false;
            zs_alert_clear(DROP_ALERT);
        }
        in->spare = b;
        in->sparecap = bcap;
        if (in->sparecap > (1u << 20)) { /* give a burst's buffer back */
            free(in->spare);
            in->spare = NULL;
            in->sparecap = 0;
        }
        in->written = seq;
        pthread_cond_broadcast(&in->done);
        if (stop && in->qn == 0)
            break;
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

void zs_raw_db_path(const char *db, const char *raw_db, char *out, size_t outsz)
{
    if (raw_db && *raw_db) {
        snprintf(out, outsz, "%s", raw_db);
        return;
    }
    size_t n = strlen(db);
    if (n > 3 && strcmp(db + n - 3, ".db") == 0)
        snprintf(out, outsz, "%.*s-raw.db", (int)(n - 3), db);
    else
        snprintf(out, outsz, "%s-raw", db);
}

zp_status zs_ingest_start(zp_ctx *ctx, const zs_ingest_opts *o, zs_ingest **out)
{
    zs_ingest *in = calloc(1, sizeof *in);
    zp_status rc;
    char rawp[PATH_MAX];
    *out = NULL;
    if (!in)
        return ZP_ENOMEM;
    in->o = *o;
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->wake, NULL);
    pthread_cond_init(&in->done, NULL);
    if (!(in->ctx = zp_ctx_new()) || rehash(in, 1024)) {
        zs_ingest_stop(in);
        return ZP_ENOMEM;
    }
    zs_raw_db_path(o->db, o->raw_db, rawp, sizeof rawp);
    if ((rc = zp_store_open(in->ctx, rawp, ZP_STORE_CREATE | ZP_STORE_LOWMEM, &in->raw)) ||
        (rc = zp_store_open(in->ctx, o->db, ZP_STORE_CREATE | ZP_STORE_LOWMEM, &in->park))) {
        zp_ctx_set_error(ctx, rc, "%s", zp_ctx_errmsg(in->ctx));
        zs_ingest_stop(in);
        return rc;
    }
    /* Pre-register the points that feed meters, so an interval is
     * recomputed from all of them even when only some report in a batch:
     * device points from the model, and stored series named by a feed. */
    pthread_mutex_lock(&in->mu);
    for (size_t i = 0; o->devs && i < o->devs->n; i++)
        for (size_t j = 0; j < o->devs->dev[i].npoints; j++)
            if (o->devs->dev[i].points[j].feeds[0])
                intern(in, o->devs->dev[i].points[j].series);
    zp_store_series_info *info = NULL;
    size_t ninfo = 0;
    if (zp_store_series_list(in->raw, &info, &ninfo) == ZP_OK) {
        char asset[64];
        for (size_t i = 0; i < ninfo; i++)
            if (zs_feed_parse(info[i].name, asset, sizeof asset) != ZS_FEED_NONE &&
                zs_series_name_ok(info[i].name))
                intern(in, info[i].name);
        zp_store_series_info_free(in->ctx, info, ninfo);
    }
    bool fac = in->has_dc_facility_feed;
    for (uint32_t id = 0; id < in->nseries; id++)
        if (ent(in, id)->feed != ZS_FEED_NONE && ent(in, id)->feed != ZS_FEED_STORAGE_SOC)
            register_series(in, id, fac);
    pthread_mutex_unlock(&in->mu);
    if (pthread_create(&in->thread, NULL, writer_main, in) != 0) {
        zs_ingest_stop(in);
        return zp_ctx_set_error(ctx, ZP_EIO, "cannot start the ingest thread");
    }
    in->started = true;
    *out = in;
    return ZP_OK;
}

void zs_ingest_stop(zs_ingest *in)
{
    if (!in)
        return;
    if (in->started) {
        pthread_mutex_lock(&in->mu);
        in->stop = true;
        pthread_cond_signal(&in->wake);
        pthread_mutex_unlock(&in->mu);
        pthread_join(in->thread, NULL);
        in->started = false;
    }
    zp_store_close(in->raw);
    zp_store_close(in->park);
    zp_ctx_free(in->ctx);
    for (size_t i = 0; i < SERIES_MAX / BLOCK; i++)
        free(in->blocks[i]);
    for (size_t i = 0; i < in->nmeters; i++) {
        free(in->meters[i].c);
        free(in->meters[i].touched);
    }
    free(in->meters);
    free(in->hash);
    free(in->q);
    free(in->spare);
    pthread_mutex_destroy(&in->mu);
    pthread_cond_destroy(&in->wake);
    pthread_cond_destroy(&in->done);
    free(in);
}
