/*
 * devices.c - the "devices" section of the park model (docs/model.md
 * "Devices"; zeropark/devices.h): read once, with the rest of the model
 * (model.c) or alone (zp_devices_load_*), through the JSON reader
 * (core/jsonread.h), built-in SunSpec maps expanded (sunspec.c).
 *
 * Every problem is a diagnostic (file:line:col, JSON path, what to fix)
 * sent as it is found; the caller counts them and fails with ZP_EMODEL.
 * The words are the model's but for unknown keys and names not in a set
 * (device_words), as `zeropark validate` and `zeropark serve` have always
 * said them.
 */
#include "model/devices.h"

#include "core/internal.h"
#include "core/jsonread.h"
#include "zeropark/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_SZ ZP_JR_PATH_MAX
#define MAX_DEVICES 10000
#define MAX_POINTS 1000

enum { OPT = ZP_JR_OPT, REQ = ZP_JR_REQ };

typedef struct dreader {
    zp_ctx *ctx;
    zp_jr *jr;        /* the JSON reader: tree, positions, problems */
    json_t *root;     /* the model document (asset names) */
    zp_status st;     /* ZP_ENOMEM once an allocation failed (sticky) */
} dreader;

static void report(dreader *r, const char *path, int at_key, const char *fmt, ...) ZP_PRINTF(4, 5);
static void report(dreader *r, const char *path, int at_key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (zp__jr_vreport(r->jr, path, at_key ? ZP_JR_AT_KEY : ZP_JR_AT_VALUE, fmt, ap))
        r->st = ZP_ENOMEM;
    va_end(ap);
}

/* The devices' words: the model's, but for an unknown key (cut at 60
 * bytes, no list of keys) and a name not in a set (the set quoted). */
static void device_words(zp_jr_problem *p, char *msg, size_t size)
{
    char list[256];
    switch (p->kind) {
    case ZP_JR_UNKNOWN_KEY:
        if (p->near)
            snprintf(msg, size, "unknown key '%.60s'; did you mean '%s'?", p->key, p->near);
        else
            snprintf(msg, size, "unknown key '%.60s'; this object takes no such field", p->key);
        break;
    case ZP_JR_NOT_ONE_OF:
        list[0] = 0;
        for (size_t i = 0; i < p->nnames; i++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s'%s'", i ? ", " : "", p->names[i]);
        }
        if (p->near)
            snprintf(msg, size, "'%s' is not one of %s; did you mean '%s'?", p->text, list,
                     p->near);
        else
            snprintf(msg, size, "'%s' is not one of %s", p->text, list);
        break;
    default:
        zp__jr_words_default(p, msg, size);
        break;
    }
}

/* Getters: 1 present and valid, 0 absent (default stored), -1 wrong
 * (reported); see core/jsonread.h. */
static int num_field(dreader *r, json_t *obj, const char *opath, const char *key, double def,
                     double lo, double hi, double *out)
{
    return zp__jr_num(r->jr, obj, opath, key, OPT, def, zp__jr_in(lo, hi), out);
}

static int int_field(dreader *r, json_t *obj, const char *opath, const char *key, unsigned flags,
                     int def, int lo, int hi, int *out)
{
    return zp__jr_int(r->jr, obj, opath, key, flags, def, zp__jr_in(lo, hi), out);
}

/* A non-empty string that fits size bytes (with the NUL) copied to out. */
static int str_field(dreader *r, json_t *obj, const char *opath, const char *key, unsigned flags,
                     char *out, size_t size)
{
    return zp__jr_str_copy(r->jr, obj, opath, key, flags, out, size);
}

/* One of names (at most 63 bytes long); *out its index, else def. */
static int enum_field(dreader *r, json_t *obj, const char *opath, const char *key, unsigned flags,
                      const char *const *names, size_t n, int def, int *out)
{
    char path[PATH_SZ], s[64];
    *out = def;
    int rc = str_field(r, obj, opath, key, flags, s, sizeof s);
    if (rc <= 0)
        return rc;
    zp__jsonpos_path_key(path, sizeof path, opath, key);
    int k = zp__jr_pick(r->jr, path, key, s, names, n);
    if (k < 0)
        return -1;
    *out = k;
    return 1;
}

/* A device or point name (required): letters, digits, '_' and '-'. */
static int name_ok(const char *s);
static void name_field(dreader *r, json_t *o, const char *path, char *out, size_t size)
{
    char fpath[PATH_SZ];
    if (str_field(r, o, path, "name", REQ, out, size) > 0 && !name_ok(out)) {
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "name");
        report(r, fpath, 0, "'%s': use letters, digits, '_' and '-' only", out);
    }
}

/* Report at member key of the object at opath. */
static void report_at(dreader *r, const char *opath, const char *key, int at_key, const char *fmt,
                      ...) ZP_PRINTF(5, 6);
static void report_at(dreader *r, const char *opath, const char *key, int at_key, const char *fmt,
                      ...)
{
    char path[PATH_SZ];
    va_list ap;
    zp__jsonpos_path_key(path, sizeof path, opath, key);
    va_start(ap, fmt);
    if (zp__jr_vreport(r->jr, path, at_key ? ZP_JR_AT_KEY : ZP_JR_AT_VALUE, fmt, ap))
        r->st = ZP_ENOMEM;
    va_end(ap);
}

/* Names: letters, digits, '_', '-' (series names are "<device>.<point>"). */
static int name_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Names of the model's assets of one kind ("pv", "wind", "storage", "loads"). */
static size_t asset_names(dreader *r, const char *kind, const char **names, size_t max)
{
    json_t *arr = json_is_object(r->root) ? json_object_get(r->root, kind) : NULL;
    size_t n = 0, i;
    json_t *e;
    if (!json_is_array(arr))
        return 0;
    json_array_foreach(arr, i, e) {
        json_t *nm = json_is_object(e) ? json_object_get(e, "name") : NULL;
        if (json_is_string(nm) && n < max)
            names[n++] = json_string_value(nm);
    }
    return n;
}

/* Index in the model's array kind of the asset named name, or -1. */
static long asset_find(dreader *r, const char *kind, const char *name)
{
    json_t *arr = json_is_object(r->root) ? json_object_get(r->root, kind) : NULL;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        json_t *nm = json_is_object(e) ? json_object_get(e, "name") : NULL;
        if (json_is_string(nm) && strcmp(json_string_value(nm), name) == 0)
            return (long)i;
    }
    return -1;
}

/* The index of the model's asset of kind named name, or -1 after reporting
 * at path that there is none (with the nearest name). */
static long check_asset(dreader *r, const char *path, const char *kind, const char *name)
{
    const char *names[256];
    long i = asset_find(r, kind, name);
    if (i >= 0)
        return i;
    size_t n = asset_names(r, kind, names, ZP_ARRAY_LEN(names));
    const char *near = zp__nearest(name, names, n);
    if (near)
        report(r, path, 0, "the model has no %s named '%s'; did you mean '%s'?", kind, name,
               near);
    else
        report(r, path, 0, "the model has no %s named '%s'", kind, name);
    return -1;
}

/* Check a "feeds" value against the quantities of zeropark/devices.h and the
 * model's asset names. */
static void check_feeds(dreader *r, const char *path, const char *f)
{
    static const char *const fixed[] = {"datacenter.it", "grid.import", "grid.export", "grid.net"};
    static const char *const kinds[] = {"pv", "wind", "storage", "loads"};
    static const char *const prefixes[] = {"pv.", "wind.", "storage.", "load."};
    for (size_t i = 0; i < ZP_ARRAY_LEN(fixed); i++)
        if (strcmp(f, fixed[i]) == 0) {
            if (i == 0 && !(json_is_object(r->root) && json_object_get(r->root, "datacenter")))
                report(r, path, 0, "'datacenter.it' but the model has no datacenter");
            return;
        }
    for (size_t k = 0; k < ZP_ARRAY_LEN(prefixes); k++) {
        size_t pl = strlen(prefixes[k]);
        if (strncmp(f, prefixes[k], pl) != 0)
            continue;
        char asset[128];
        const char *rest = f + pl;
        size_t al = strlen(rest);
        if (k == 2) { /* storage.<name>.power | .soc */
            const char *dot = strrchr(rest, '.');
            if (!dot || (strcmp(dot, ".power") != 0 && strcmp(dot, ".soc") != 0)) {
                report(r, path, 0, "'%s': a battery feeds 'storage.<name>.power' or "
                       "'storage.<name>.soc'", f);
                return;
            }
            al = (size_t)(dot - rest);
        }
        if (al == 0 || al >= sizeof asset) {
            report(r, path, 0, "'%s' names no %s asset", f, kinds[k]);
            return;
        }
        memcpy(asset, rest, al);
        asset[al] = 0;
        check_asset(r, path, kinds[k], asset);
        return;
    }
    report(r, path, 0,
           "'%s' is not a model quantity; expected pv.<name>, wind.<name>, "
           "storage.<name>.power, storage.<name>.soc, load.<name>, datacenter.it, grid.import, "
           "grid.export or grid.net",
           f);
}


static const char *const reg_types[] = {"int16", "uint16", "int32", "uint32", "float32"};
static const char *const word_orders[] = {"big", "little"};

int zp_reg_count(zp_reg_type t)
{
    return t == ZP_REG_INT32 || t == ZP_REG_UINT32 || t == ZP_REG_FLOAT32 ? 2 : 1;
}

/* A point with no field given: scale 1, no scale factor, no limits. */
static void point_init(zp_point *p)
{
    memset(p, 0, sizeof *p);
    p->scale = 1;
    p->sf_address = -1;
    p->min = -INFINITY;
    p->max = INFINITY;
}

/* The register fields of a Modbus point. */
static void read_register(dreader *r, json_t *o, const char *path, zp_point *p)
{
    int t, v;
    if (enum_field(r, o, path, "type", OPT, reg_types, ZP_ARRAY_LEN(reg_types), ZP_REG_UINT16,
                   &t) >= 0)
        p->type = (zp_reg_type)t;
    if (int_field(r, o, path, "address", REQ, 0, 0, 65535, &p->address) > 0 &&
        p->address + zp_reg_count(p->type) > 65536)
        report_at(r, path, "address", 0, "a %s at %d runs past register 65535", reg_types[p->type],
                  p->address);
    if (enum_field(r, o, path, "word_order", OPT, word_orders, 2, 0, &v) >= 0)
        p->word_swap = v;
    if (num_field(r, o, path, "scale", 1, -1e12, 1e12, &p->scale) > 0 && p->scale == 0)
        report_at(r, path, "scale", 0, "a scale of 0 makes every reading 0; use 1 for none");
    int_field(r, o, path, "sf_address", OPT, -1, 0, 65535, &p->sf_address);
    zp__jr_bool(r->jr, o, path, "writable", OPT, &p->writable);
    if (p->writable) {
        int a = num_field(r, o, path, "min", -INFINITY, -1e12, 1e12, &p->min);
        int b = num_field(r, o, path, "max", INFINITY, -1e12, 1e12, &p->max);
        if (a > 0 && b > 0 && p->min > p->max)
            report_at(r, path, "min", 0, "min %.15g is above max %.15g", p->min, p->max);
        if (p->type == ZP_REG_FLOAT32 && p->sf_address >= 0)
            report_at(r, path, "sf_address", 0,
                      "a float32 setpoint takes no scale-factor register");
    } else {
        json_t *mn = json_object_get(o, "min"), *mx = json_object_get(o, "max");
        if (mn || mx)
            report_at(r, path, mn ? "min" : "max", 1, "limits apply to a writable point; add "
                      "\"writable\": true or remove them");
    }
}

/* One entry of "points". The device's kind decides which fields it takes. */
static void read_point(dreader *r, const zp_device *d, json_t *o, const char *path, zp_point *p)
{
    static const char *const mb_keys[] = {"name",  "address", "type",     "word_order", "scale",
                                          "sf_address", "unit", "feeds", "writable",  "min",
                                          "max"};
    static const char *const mq_keys[] = {"name", "field", "unit", "feeds"};
    static const char *const http_keys[] = {"name", "unit", "feeds"};

    point_init(p);
    if (!json_is_object(o)) {
        report(r, path, 0, "expected an object, got %s", zp__jr_type_name(o));
        return;
    }
    if (d->kind == ZP_DEV_MODBUS)
        zp__jr_keys(r->jr, o, path, mb_keys, ZP_ARRAY_LEN(mb_keys));
    else if (d->kind == ZP_DEV_MQTT)
        zp__jr_keys(r->jr, o, path, mq_keys, ZP_ARRAY_LEN(mq_keys));
    else
        zp__jr_keys(r->jr, o, path, http_keys, ZP_ARRAY_LEN(http_keys));
    name_field(r, o, path, p->name, sizeof p->name);
    str_field(r, o, path, "unit", OPT, p->unit, sizeof p->unit);
    if (str_field(r, o, path, "feeds", OPT, p->feeds, sizeof p->feeds) > 0) {
        char fpath[PATH_SZ];
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "feeds");
        check_feeds(r, fpath, p->feeds);
    }
    if (d->kind == ZP_DEV_MQTT)
        str_field(r, o, path, "field", OPT, p->field, sizeof p->field);
    else if (d->kind == ZP_DEV_MODBUS)
        read_register(r, o, path, p);
}

static void add_point(dreader *r, zp_device *d, size_t *cap, const zp_point *p)
{
    if (r->st || zp__grow(r->ctx, (void **)&d->points, cap, d->npoints + 1, sizeof *d->points)) {
        r->st = ZP_ENOMEM;
        return;
    }
    d->points[d->npoints++] = *p;
}

/* "sunspec": a model number or its text; d->sunspec gets the text. */
static void read_sunspec(dreader *r, json_t *o, const char *path, zp_device *d)
{
    static const char *const models[] = {"101", "103", "124", "201", "203"};
    json_t *ss = json_object_get(o, "sunspec");
    int k;
    if (json_is_integer(ss)) {
        /* 103 is as clear as "103" */
        json_int_t id = json_integer_value(ss);
        for (size_t i = 0; i < ZP_ARRAY_LEN(models); i++)
            if (id == atoi(models[i]))
                snprintf(d->sunspec, sizeof d->sunspec, "%s", models[i]);
        if (!d->sunspec[0])
            report_at(r, path, "sunspec", 0, "SunSpec model %lld has no built-in map; use 101, "
                      "103, 124, 201 or 203, or write the registers out in \"points\"",
                      (long long)id);
    } else if (enum_field(r, o, path, "sunspec", OPT, models, ZP_ARRAY_LEN(models), -1, &k) > 0) {
        snprintf(d->sunspec, sizeof d->sunspec, "%s", models[k]);
    }
}

/* The battery a device controls ("storage") and its setpoint limits,
 * which default to the battery's power rating both ways. */
static void read_setpoint_limits(dreader *r, json_t *o, const char *path, zp_device *d)
{
    if (str_field(r, o, path, "storage", OPT, d->storage, sizeof d->storage) > 0) {
        char fpath[PATH_SZ];
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "storage");
        long i = check_asset(r, fpath, "storage", d->storage);
        json_t *st = i < 0 ? NULL : json_array_get(json_object_get(r->root, "storage"), (size_t)i);
        json_t *pk = json_object_get(st, "power_kw");
        if (json_is_number(pk)) {
            d->setpoint_min_kw = -json_number_value(pk);
            d->setpoint_max_kw = json_number_value(pk);
        }
    }
    int a = num_field(r, o, path, "setpoint_min_kw", d->setpoint_min_kw, -1e9, 1e9,
                      &d->setpoint_min_kw);
    int b = num_field(r, o, path, "setpoint_max_kw", d->setpoint_max_kw, -1e9, 1e9,
                      &d->setpoint_max_kw);
    if ((a > 0 || b > 0) && !d->storage[0])
        report_at(r, path, a > 0 ? "setpoint_min_kw" : "setpoint_max_kw", 1,
                  "setpoint limits need \"storage\" (the battery they control)");
    if (a >= 0 && b >= 0 && d->setpoint_min_kw > d->setpoint_max_kw)
        report_at(r, path, "setpoint_min_kw", 0,
                  "setpoint_min_kw %.15g is above setpoint_max_kw %.15g", d->setpoint_min_kw,
                  d->setpoint_max_kw);
}

/* The fields of a Modbus device; feeds gets its "feeds" (for the SunSpec
 * map's power point). */
static void read_modbus(dreader *r, json_t *o, const char *path, zp_device *d, char *feeds,
                        size_t feedssz)
{
    static const char *const keys[] = {"name",    "type",   "host",         "port",
                                       "unit_id", "poll_ms", "timeout_ms",  "sunspec",
                                       "base_address", "feeds", "storage",  "setpoint_min_kw",
                                       "setpoint_max_kw", "points"};
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    str_field(r, o, path, "host", REQ, d->host, sizeof d->host);
    int_field(r, o, path, "port", OPT, 502, 1, 65535, &d->port);
    int_field(r, o, path, "unit_id", OPT, 1, 0, 255, &d->unit_id);
    int_field(r, o, path, "poll_ms", OPT, 1000, 10, 3600000, &d->poll_ms);
    int_field(r, o, path, "timeout_ms", OPT, 500, 10, 60000, &d->timeout_ms);
    read_sunspec(r, o, path, d);
    if (int_field(r, o, path, "base_address", OPT, 40000, 0, 65535, &d->base_address) > 0 &&
        !d->sunspec[0])
        report_at(r, path, "base_address", 1, "base_address places a SunSpec map; add \"sunspec\"");
    if (d->sunspec[0] && d->base_address + zp_sunspec_block_size(d->sunspec) > 65536)
        report_at(r, path, "base_address", 0,
                  "the SunSpec %s block (%d registers) at %d runs past register 65535", d->sunspec,
                  zp_sunspec_block_size(d->sunspec), d->base_address);
    if (str_field(r, o, path, "feeds", OPT, feeds, feedssz) > 0) {
        char fpath[PATH_SZ];
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "feeds");
        if (!d->sunspec[0])
            report(r, fpath, 1, "a device's \"feeds\" names what its SunSpec map's power "
                   "point feeds; without \"sunspec\" put \"feeds\" on the point");
        else
            check_feeds(r, fpath, feeds);
    }
    read_setpoint_limits(r, o, path, d);
}

/* The fields of an MQTT device. */
static void read_mqtt(dreader *r, json_t *o, const char *path, zp_device *d)
{
    static const char *const keys[] = {"name", "type", "broker", "broker_port", "topic",
                                       "points"};
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    str_field(r, o, path, "broker", REQ, d->broker_host, sizeof d->broker_host);
    int_field(r, o, path, "broker_port", OPT, 1883, 1, 65535, &d->broker_port);
    if (str_field(r, o, path, "topic", REQ, d->topic, sizeof d->topic) <= 0)
        return;
    /* MQTT filter rules: '#' only last and alone in its level, '+' alone */
    const char *t = d->topic;
    for (size_t i = 0; t[i]; i++) {
        int start = i == 0 || t[i - 1] == '/';
        int end = t[i + 1] == 0 || t[i + 1] == '/';
        if ((t[i] == '#' && !(start && t[i + 1] == 0)) || (t[i] == '+' && !(start && end))) {
            report_at(r, path, "topic", 0, "'%s' is not a valid topic filter: '+' and '#' must "
                      "fill a whole level, and '#' must be last", t);
            break;
        }
    }
}

/* The points of the device's built-in SunSpec map (the power point, or a
 * battery's SOC, takes feeds). */
static void add_sunspec_points(dreader *r, zp_device *d, size_t *cap, const char *feeds)
{
    size_t n;
    const zp_sunspec_point *m = zp_sunspec_map(d->sunspec, &n, NULL);
    int at = d->base_address + ZP_SUNSPEC_MODEL_AT;
    for (size_t i = 0; i < n && !r->st; i++) {
        zp_point p;
        point_init(&p);
        snprintf(p.name, sizeof p.name, "%s", m[i].name);
        snprintf(p.unit, sizeof p.unit, "%s", m[i].unit);
        p.address = at + m[i].offset;
        p.type = m[i].type;
        p.scale = m[i].scale;
        p.sf_address = m[i].sf_offset >= 0 ? at + m[i].sf_offset : -1;
        p.sunspec_na = 1;
        if (m[i].primary) {
            if (feeds[0])
                snprintf(p.feeds, sizeof p.feeds, "%s", feeds);
            else if (strcmp(d->sunspec, "124") == 0 && d->storage[0])
                snprintf(p.feeds, sizeof p.feeds, "storage.%.40s.soc", d->storage);
        }
        add_point(r, d, cap, &p);
    }
}

/* The points written out in "points" (after the map's: a name is defined
 * once). */
static void read_points(dreader *r, json_t *o, const char *path, zp_device *d, size_t *cap)
{
    char apath[PATH_SZ], ppath[PATH_SZ];
    json_t *pts = zp__jr_member(r->jr, o, path, "points", OPT, apath);
    if (pts && !json_is_array(pts)) {
        report(r, apath, 0, "expected an array, got %s", zp__jr_type_name(pts));
        return;
    }
    if (pts && json_array_size(pts) > MAX_POINTS) {
        report(r, apath, 0, "too many points (%zu); at most %d", json_array_size(pts), MAX_POINTS);
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(pts, i, e) {
        zp_point p;
        zp__jsonpos_path_index(ppath, sizeof ppath, apath, i);
        read_point(r, d, e, ppath, &p);
        for (size_t j = 0; j < d->npoints && p.name[0]; j++)
            if (strcmp(d->points[j].name, p.name) == 0) {
                report_at(r, ppath, "name", 0, "point '%s' is already defined%s", p.name,
                          d->sunspec[0] ? " (perhaps by the SunSpec map)" : "");
                break;
            }
        add_point(r, d, cap, &p);
        if (r->st)
            return;
    }
}

/* What a device's points must add up to: some points (an MQTT device
 * without any reads its payload as one number), series names, and for a
 * battery one setpoint within limits. */
static void finish_device(dreader *r, const char *path, zp_device *d, size_t *cap)
{
    if (d->kind == ZP_DEV_MQTT && d->npoints == 0) {
        zp_point p;
        point_init(&p);
        p.min = p.max = 0;
        snprintf(p.name, sizeof p.name, "value");
        add_point(r, d, cap, &p);
    }
    if ((d->kind == ZP_DEV_MODBUS || d->kind == ZP_DEV_HTTP) && d->npoints == 0 && d->name[0])
        report(r, path, 0, "device '%s' has no points: add \"points\"%s", d->name,
               d->kind == ZP_DEV_MODBUS ? " or a \"sunspec\" map" : "");
    size_t nw = 0;
    for (size_t j = 0; j < d->npoints; j++) {
        zp_point *p = &d->points[j];
        snprintf(p->series, sizeof p->series, "%s.%s", d->name, p->name);
        if (p->writable) {
            nw++;
            if (d->storage[0]) {
                /* the register's own limits narrow the device's */
                if (p->min > d->setpoint_min_kw)
                    d->setpoint_min_kw = p->min;
                if (p->max < d->setpoint_max_kw)
                    d->setpoint_max_kw = p->max;
            }
        }
    }
    if (!d->storage[0])
        return;
    /* a SunSpec 124 battery without a setpoint register is controlled
     * through the model's own registers (StorCtl_Mod, InWRte, OutWRte) */
    int native = strcmp(d->sunspec, "124") == 0 && nw == 0;
    if (nw != 1 && !native)
        report(r, path, 0, "a battery device (\"storage\": \"%s\") needs exactly one writable "
               "point, the power setpoint in kW (positive = discharge), or a \"sunspec\": \"124\" "
               "map; it has %zu", d->storage, nw);
    if (!(isfinite(d->setpoint_min_kw) && isfinite(d->setpoint_max_kw)))
        report(r, path, 0, "battery device '%s' needs setpoint limits: setpoint_min_kw and "
               "setpoint_max_kw", d->name);
    if (d->setpoint_min_kw > d->setpoint_max_kw)
        report(r, path, 0, "the point's min/max and the device's setpoint limits do not overlap");
}

static void read_device(dreader *r, json_t *o, const char *path, zp_device *d)
{
    static const char *const kinds[] = {"modbus", "mqtt", "http"};
    static const char *const http_keys[] = {"name", "type", "points"};
    char feeds[64] = "";
    int k;
    size_t cap = 0;

    memset(d, 0, sizeof *d);
    d->base_address = 40000;
    d->setpoint_min_kw = -INFINITY;
    d->setpoint_max_kw = INFINITY;
    if (!json_is_object(o)) {
        report(r, path, 0, "expected an object, got %s", zp__jr_type_name(o));
        return;
    }
    name_field(r, o, path, d->name, sizeof d->name);
    if (enum_field(r, o, path, "type", REQ, kinds, 3, 0, &k) < 0)
        return; /* which fields it takes is unknown */
    d->kind = (zp_dev_kind)k;
    if (d->kind == ZP_DEV_MODBUS)
        read_modbus(r, o, path, d, feeds, sizeof feeds);
    else if (d->kind == ZP_DEV_MQTT)
        read_mqtt(r, o, path, d);
    else
        zp__jr_keys(r->jr, o, path, http_keys, ZP_ARRAY_LEN(http_keys));
    if (d->kind == ZP_DEV_MODBUS && d->sunspec[0])
        add_sunspec_points(r, d, &cap, feeds);
    read_points(r, o, path, d, &cap);
    if (!r->st)
        finish_device(r, path, d, &cap);
}

zp_status zp__devices_read(zp_ctx *ctx, zp_jr *jr, zp_devices *out)
{
    dreader r = {ctx, jr, zp__jr_root(jr), ZP_OK};
    char path[PATH_SZ];
    void *ud;
    zp_jr_words_fn words = zp__jr_set_words(jr, device_words, NULL, &ud);
    memset(out, 0, sizeof *out);
    if (!json_is_object(r.root)) {
        report(&r, "", 0, "the model must be a JSON object, got %s", zp__jr_type_name(r.root));
        goto done;
    }
    json_t *arr = zp__jr_member(jr, r.root, "", "devices", OPT, path);
    if (!arr)
        goto done;
    if (!json_is_array(arr)) {
        report(&r, path, 0, "expected an array of devices, got %s", zp__jr_type_name(arr));
        goto done;
    }
    size_t n = json_array_size(arr);
    if (n > MAX_DEVICES) {
        report(&r, path, 0, "too many devices (%zu); at most %d", n, MAX_DEVICES);
        goto done;
    }
    if (n && !(out->dev = zp__calloc(ctx, n, sizeof *out->dev))) {
        r.st = ZP_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n && !r.st; i++) {
        char dpath[PATH_SZ];
        zp__jsonpos_path_index(dpath, sizeof dpath, "devices", i);
        zp_device *d = &out->dev[i];
        read_device(&r, json_array_get(arr, i), dpath, d);
        out->n = i + 1;
        for (size_t j = 0; j < i && d->name[0]; j++) {
            if (strcmp(out->dev[j].name, d->name) == 0)
                report_at(&r, dpath, "name", 0, "device '%s' is already defined at devices[%zu]",
                          d->name, j);
            if (d->storage[0] && strcmp(out->dev[j].storage, d->storage) == 0)
                report_at(&r, dpath, "storage", 0,
                          "storage '%s' is already controlled by device '%s'", d->storage,
                          out->dev[j].name);
        }
    }
done:
    zp__jr_set_words(jr, words, ud, NULL);
    return r.st || zp__jr_status(jr) == ZP_ENOMEM ? ZP_ENOMEM : ZP_OK;
}

zp_status zp_devices_load_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                              zp_devices *out)
{
    zp_jr *jr = NULL;
    zp_jr_opts o;
    if (!ctx)
        return ZP_EINVAL;
    if (!out || (!buf && len))
        return zp__error(ctx, ZP_EINVAL, "zp_devices_load_buf: NULL argument");
    memset(out, 0, sizeof *out);
    zp__jr_opts_init(&o);
    o.file = fname;
    o.what = "model";
    o.max_bytes = ZP_MODEL_MAX_BYTES;
    o.flags = ZP_JR_SKIP_BOM;
    o.mode = ZP_JR_DIAG;
    zp_status rc = zp__jr_open_buf(ctx, buf, len, &o, &jr);
    if (rc == ZP_EPARSE)
        return zp__error(ctx, ZP_EMODEL, "%s: 1 problem", fname ? fname : "model");
    if (rc)
        return rc;
    rc = zp__devices_read(ctx, jr, out);
    size_t n = zp__jr_problems(jr);
    zp__jr_free(jr);
    if (rc || n)
        zp_devices_free(ctx, out);
    if (rc)
        return zp__nomem(ctx);
    if (n)
        return zp__error(ctx, ZP_EMODEL, "%s: %zu problem%s in \"devices\"",
                         fname ? fname : "model", n, n == 1 ? "" : "s");
    return ZP_OK;
}

zp_status zp_devices_load_file(zp_ctx *ctx, const char *path, zp_devices *out)
{
    char *buf = NULL;
    size_t len = 0;
    if (!ctx)
        return ZP_EINVAL;
    if (!path || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_devices_load_file: NULL argument");
    memset(out, 0, sizeof *out);
    zp_status rc = zp__file_read(ctx, path, ZP_MODEL_MAX_BYTES, "model", &buf, &len);
    if (!rc)
        rc = zp_devices_load_buf(ctx, buf, len, path, out);
    zp__free(ctx, buf);
    return rc;
}

void zp_devices_free(zp_ctx *ctx, zp_devices *d)
{
    if (!d)
        return;
    for (size_t i = 0; d->dev && i < d->n; i++)
        zp__free(ctx, d->dev[i].points);
    zp__free(ctx, d->dev);
    d->dev = NULL;
    d->n = 0;
}
