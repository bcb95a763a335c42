#define PATH_SZ ZP_JSONPOS_PATH_MAX
#define MAX_DEVICES 10000
#define MAX_POINTS 1000

/* ---- reader ---------------------------------------------------------------- */

typedef struct dreader {
    zp_ctx *ctx;
    const char *file;
    zp_jsonpos *jp;   /* may be NULL: paths only */
    json_t *root;
    zs_devices *out;
    size_t errors;
    int nomem;
} dreader;

static void report(dreader *r, const char *path, int at_key, const char *fmt, ...) ZP_PRINTF(4, 5);
static void report(dreader *r, const char *path, int at_key, const char *fmt, ...)
{
    char msg[512];
    zp_jsonpos_loc loc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    zp__jsonpos_find(r->jp, path, &loc);
    int line = at_key && loc.key_line ? loc.key_line : loc.line;
    int col = at_key && loc.key_line ? loc.key_col : loc.col;
    if (zp__diag(r->ctx, ZP_SEV_ERROR, r->file, line, col, path[0] ? path : NULL, "%s", msg))
        r->nomem = 1;
    r->errors++;
}

static const char *type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static void check_keys(dreader *r, json_t *obj, const char *opath, const char *const *known, size_t n)
{
    const char *key;
    json_t *val;
    char path[PATH_SZ];
    json_object_foreach(obj, key, val) {
        size_t i = 0;
        while (i < n && strcmp(key, known[i]) != 0)
            i++;
        if (i < n)
            continue;
        zp__jsonpos_path_key(path, sizeof path, opath, key);
        const char *near = zp__nearest(key, known, n);
        if (near)
            report(r, path, 1, "unknown key '%.60s'; did you mean '%s'?", key, near);
        else
            report(r, path, 1, "unknown key '%.60s'; this object takes no such field", key);
    }
}

/* Field readers: 1 present and valid, 0 absent (default stored), -1 wrong. */
static json_t *member(dreader *r, json_t *obj, const char *opath, const char *key, int required,
                      char *path)
{
    zp__jsonpos_path_key(path, PATH_SZ, opath, key);
    json_t *j = json_object_get(obj, key);
    if (!j && required)
        report(r, opath, 0, "missing required field '%s'", key);
    return j;
}

static int num_field(dreader *r, json_t *obj, const char *opath, const char *key, int required,
                     double def, double lo, double hi, double *out)
{
    char path[PATH_SZ];
    *out = def;
    json_t *j = member(r, obj, opath, key, required, path);
    if (!j)
        return 0;
    if (!json_is_number(j)) {
        report(r, path, 0, "expected a number, got %s", type_name(j));
        return -1;
    }
    double v = json_number_value(j);
    if (!(v >= lo && v <= hi)) {
        report(r, path, 0, "%.15g is out of range %.15g..%.15g", v, lo, hi);
        return -1;
    }
    *out = v;
    return 1;
}

static int int_field(dreader *r, json_t *obj, const char *opath, const char *key, int required,
                     int def, int lo, int hi, int *out)
{
    char path[PATH_SZ];
    *out = def;
    json_t *j = member(r, obj, opath, key, required, path);
    if (!j)
        return 0;
    if (!json_is_number(j)) {
        report(r, path, 0, "expected an integer, got %s", type_name(j));
        return -1;
    }
    double v = json_number_value(j);
    if (v != floor(v)) {
        report(r, path, 0, "expected an integer, got %.15g", v);
        return -1;
    }
    if (!(v >= lo && v <= hi)) {
        report(r, path, 0, "%.15g is out of range %d..%d", v, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 1;
}

/* A non-empty string that fits size bytes (with the NUL) copied to out. */
static int str_field(dreader *r, json_t *obj, const char *opath, const char *key, int required,
                     char *out, size_t size)
{
    char path[PATH_SZ];
    json_t *j = member(r, obj, opath, key, required, path);
    if (!j)
        return 0;
    if (!json_is_string(j)) {
        report(r, path, 0, "expected a string, got %s", type_name(j));
        return -1;
    }
    size_t len = json_string_length(j);
    const char *s = json_string_value(j);
    if (len == 0) {
        report(r, path, 0, "must not be empty");
        return -1;
    }
    if (len >= size) {
        report(r, path, 0, "too long (%zu bytes); at most %zu", len, size - 1);
        return -1;
    }
    if (strlen(s) != len) {
        report(r, path, 0, "must not contain a NUL character");
        return -1;
    }
    memcpy(out, s, len + 1);
    return 1;
}

static int bool_field(dreader *r, json_t *obj, const char *opath, const char *key, int *out)
{
    char path[PATH_SZ];
    *out = 0;
    json_t *j = member(r, obj, opath, key, 0, path);
    if (!j)
        return 0;
    if (!json_is_boolean(j)) {
        report(r, path, 0, "expected true or false, got %s", type_name(j));
        return -1;
    }
    *out = json_is_true(j);
    return 1;
}

static int enum_field(dreader *r, json_t *obj, const char *opath, const char *key, int required,
                      const char *const *names, size_t n, int def, int *out)
{
    char path[PATH_SZ], s[64], list[256];
    *out = def;
    int rc = str_field(r, obj, opath, key, required, s, sizeof s);
    if (rc <= 0)
        return rc;
    list[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return 1;
        }
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s'%s'", i ? ", " : "", names[i]);
    }
    zp__jsonpos_path_key(path, sizeof path, opath, key);
    const char *near = zp__nearest(s, names, n);
    if (near)
        report(r, path, 0, "'%s' is not one of %s; did you mean '%s'?", s, list, near);
    else
        report(r, path, 0, "'%s' is not one of %s", s, list);
    return -1;
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

/* Check a "feeds" value against the quantities of devices.h and the
 * model's asset names. */
static void check_feeds(dreader *r, const char *path, const char *f)
{
    static const char *const fixed[] = {"datacenter.it", "grid.import", "grid.export", "grid.net"};
    static const char *const kinds[] = {"pv", "wind", "storage", "loads"};
    static const char *const prefixes[] = {"pv.", "wind.", "storage.", "load."};
    const char *names[256];
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
        if (asset_find(r, kinds[k], asset) >= 0)
            return;
        size_t n = asset_names(r, kinds[k], names, ZP_ARRAY_LEN(names));
        const char *near = zp__nearest(asset, names, n);
        if (near)
            report(r, path, 0, "the model has no %s named '%s'; did you mean '%s'?", kinds[k],
                   asset, near);
        else
            report(r, path, 0, "the model has no %s named '%s'", kinds[k], asset);
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

/* One entry of "points". kind decides which fields it takes. */
static void read_point(dreader *r, zs_device *d, json_t *o, const char *path, zs_point *p)
{
    static const char *const mb_keys[] = {"name",  "address", "type",     "word_order", "scale",
                                          "sf_address", "unit", "feeds", "writable",  "min",
                                          "max"};
    static const char *const mq_keys[] = {"name", "field", "unit", "feeds"};
    static const char *const http_keys[] = {"name", "unit", "feeds"};
    char fpath[PATH_SZ];
    int t, v;

    memset(p, 0, sizeof *p);
    p->scale = 1;
    p->sf_address = -1;
    p->min = -INFINITY;
    p->max = INFINITY;
    if (!json_is_object(o)) {
        report(r, path, 0, "expected an object, got %s", type_name(o));
        return;
    }
    if (d->kind == ZS_DEV_MODBUS)
        check_keys(r, o, path, mb_keys, ZP_ARRAY_LEN(mb_keys));
    else if (d->kind == ZS_DEV_MQTT)
        check_keys(r, o, path, mq_keys, ZP_ARRAY_LEN(mq_keys));
    else
        check_keys(r, o, path, http_keys, ZP_ARRAY_LEN(http_keys));
    if (str_field(r, o, path, "name", 1, p->name, sizeof p->name) > 0 && !name_ok(p->name)) {
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "name");
        report(r, fpath, 0, "'%s': use letters, digits, '_' and '-' only", p->name);
    }
    str_field(r, o, path, "unit", 0, p->unit, sizeof p->unit);
    if (str_field(r, o, path, "feeds", 0, p->feeds, sizeof p->feeds) > 0) {
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "feeds");
        check_feeds(r, fpath, p->feeds);
    }
    if (d->kind == ZS_DEV_MQTT) {
        str_field(r, o, path, "field", 0, p->field, sizeof p->field);
        return;
    }
    if (d->kind != ZS_DEV_MODBUS)
        return;
    if (enum_field(r, o, path, "type", 0, reg_types, ZP_ARRAY_LEN(reg_types), ZS_REG_UINT16, &t) >= 0)
        p->type = (zs_reg_type)t;
    if (int_field(r, o, path, "address", 1, 0, 0, 65535, &p->address) > 0 &&
        p->address + zs_reg_count(p->type) > 65536) {
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "address");
        report(r, fpath, 0, "a %s at %d runs past register 65535", reg_types[p->type], p->address);
    }
    if (enum_field(r, o, path, "word_order", 0, word_orders, 2, 0, &v) >= 0)
        p->word_swap = v;
    if (num_field(r, o, path, "scale", 0, 1, -1e12, 1e12, &p->scale) > 0 && p->scale == 0) {
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "scale");
        report(r, fpath, 0, "a scale of 0 makes every reading 0; use 1 for none");
    }
    int_field(r, o, path, "sf_address", 0, -1, 0, 65535, &p->sf_address);
    bool_field(r, o, path, "writable", &p->writable);
    if (p->writable) {
        int a = num_field(r, o, path, "min", 0, -INFINITY, -1e12, 1e12, &p->min);
        int b = num_field(r, o, path, "max", 0, INFINITY, -1e12, 1e12, &p->max);
        if (a > 0 && b > 0 && p->min > p->max) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "min");
            report(r, fpath, 0, "min %.15g is above max %.15g", p->min, p->max);
        }
        if (p->type == ZS_REG_FLOAT32 && p->sf_address >= 0) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "sf_address");
            report(r, fpath, 0, "a float32 setpoint takes no scale-factor register");
        }
    } else {
        json_t *mn = json_object_get(o, "min"), *mx = json_object_get(o, "max");
        if (mn || mx) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, mn ? "min" : "max");
            report(r, fpath, 1, "limits apply to a writable point; add \"writable\": true or "
                   "remove them");
        }
    }
}

static zp_status add_point(dreader *r, zs_device *d, size_t *cap, const zs_point *p)
{
    /* the C allocator: zs_devices_free takes no context */
    if (d->npoints == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        zs_point *np = realloc(d->points, ncap * sizeof *np);
        if (!np) {
            r->nomem = 1;
            return ZP_ENOMEM;
        }
        d->points = np;
        *cap = ncap;
    }
    d->points[d->npoints++] = *p;
    return ZP_OK;
}

static void read_device(dreader *r, json_t *o, const char *path, zs_device *d)
{
    static const char *const kinds[] = {"modbus", "mqtt", "http"};
    static const char *const mb_keys[] = {"name",    "type",   "host",         "port",
                                          "unit_id", "poll_ms", "timeout_ms",  "sunspec",
                                          "base_address", "feeds", "storage",  "setpoint_min_kw",
                                          "setpoint_max_kw", "points"};
    static const char *const mq_keys[] = {"name", "type", "broker", "broker_port", "topic",
                                          "points"};
    static const char *const http_keys[] = {"name", "type", "points"};
    static const char *const sunspec_models[] = {"101", "103", "124", "201", "203"};
    char fpath[PATH_SZ], feeds[64] = "";
    int k;
    size_t cap = 0;

    memset(d, 0, sizeof *d);
    d->base_address = 40000;
    d->setpoint_min_kw = -INFINITY;
    d->setpoint_max_kw = INFINITY;
    if (!json_is_object(o)) {
        report(r, path, 0, "expected an object, got %s", type_name(o));
        return;
    }
    if (str_field(r, o, path, "name", 1, d->name, sizeof d->name) > 0 && !name_ok(d->name)) {
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "name");
        report(r, fpath, 0, "'%s': use letters, digits, '_' and '-' only", d->name);
    }
    if (enum_field(r, o, path, "type", 1, kinds, 3, 0, &k) < 0)
        return; /* which fields it takes is unknown */
    d->kind = (zs_dev_kind)k;
    if (d->kind == ZS_DEV_MODBUS) {
        check_keys(r, o, path, mb_keys, ZP_ARRAY_LEN(mb_keys));
        str_field(r, o, path, "host", 1, d->host, sizeof d->host);
        int_field(r, o, path, "port", 0, 502, 1, 65535, &d->port);
        int_field(r, o, path, "unit_id", 0, 1, 0, 255, &d->unit_id);
        int_field(r, o, path, "poll_ms", 0, 1000, 10, 3600000, &d->poll_ms);
        int_field(r, o, path, "timeout_ms", 0, 500, 10, 60000, &d->timeout_ms);
        json_t *ss = json_object_get(o, "sunspec");
        if (json_is_integer(ss)) {
            /* 103 is as clear as "103" */
            json_int_t id = json_integer_value(ss);
            for (size_t i = 0; i < ZP_ARRAY_LEN(sunspec_models); i++)
                if (id == atoi(sunspec_models[i]))
                    snprintf(d->sunspec, sizeof d->sunspec, "%s", sunspec_models[i]);
            if (!d->sunspec[0]) {
                zp__jsonpos_path_key(fpath, sizeof fpath, path, "sunspec");
                report(r, fpath, 0, "SunSpec model %lld has no built-in map; use 101, 103, 124, "
                       "201 or 203, or write the registers out in \"points\"", (long long)id);
            }
        } else if (enum_field(r, o, path, "sunspec", 0, sunspec_models,
                              ZP_ARRAY_LEN(sunspec_models), -1, &k) > 0) {
            snprintf(d->sunspec, sizeof d->sunspec, "%s", sunspec_models[k]);
        }
        if (int_field(r, o, path, "base_address", 0, 40000, 0, 65535, &d->base_address) > 0 &&
            !d->sunspec[0]) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "base_address");
            report(r, fpath, 1, "base_address places a SunSpec map; add \"sunspec\"");
        }
        if (d->sunspec[0] && d->base_address + zs_sunspec_block_size(d->sunspec) > 65536) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "base_address");
            report(r, fpath, 0, "the SunSpec %s block (%d registers) at %d runs past register 65535",
                   d->sunspec, zs_sunspec_block_size(d->sunspec), d->base_address);
        }
        if (str_field(r, o, path, "feeds", 0, feeds, sizeof feeds) > 0) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "feeds");
            if (!d->sunspec[0])
                report(r, fpath, 1, "a device's \"feeds\" names what its SunSpec map's power "
                       "point feeds; without \"sunspec\" put \"feeds\" on the point");
            else
                check_feeds(r, fpath, feeds);
        }
        if (str_field(r, o, path, "storage", 0, d->storage, sizeof d->storage) > 0) {
            const char *names[256];
            long i = asset_find(r, "storage", d->storage);
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "storage");
            if (i < 0) {
                size_t n = asset_names(r, "storage", names, ZP_ARRAY_LEN(names));
                const char *near = zp__nearest(d->storage, names, n);
                if (near)
                    report(r, fpath, 0, "the model has no storage named '%s'; did you mean '%s'?",
                           d->storage, near);
                else
                    report(r, fpath, 0, "the model has no storage named '%s'", d->storage);
            } else {
                /* default limits: the battery's power rating both ways */
                json_t *st = json_array_get(json_object_get(r->root, "storage"), (size_t)i);
                json_t *pk = json_object_get(st, "power_kw");
                if (json_is_number(pk)) {
                    d->setpoint_min_kw = -json_number_value(pk);
                    d->setpoint_max_kw = json_number_value(pk);
                }
            }
        }
        int a = num_field(r, o, path, "setpoint_min_kw", 0, d->setpoint_min_kw, -1e9, 1e9,
                          &d->setpoint_min_kw);
        int b = num_field(r, o, path, "setpoint_max_kw", 0, d->setpoint_max_kw, -1e9, 1e9,
                          &d->setpoint_max_kw);
        if ((a > 0 || b > 0) && !d->storage[0]) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, a > 0 ? "setpoint_min_kw"
                                                                  : "setpoint_max_kw");
            report(r, fpath, 1, "setpoint limits need \"storage\" (the battery they control)");
        }
        if (a >= 0 && b >= 0 && d->setpoint_min_kw > d->setpoint_max_kw) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "setpoint_min_kw");
            report(r, fpath, 0, "setpoint_min_kw %.15g is above setpoint_max_kw %.15g",
                   d->setpoint_min_kw, d->setpoint_max_kw);
        }
    } else if (d->kind == ZS_DEV_MQTT) {
        check_keys(r, o, path, mq_keys, ZP_ARRAY_LEN(mq_keys));
        str_field(r, o, path, "broker", 1, d->broker_host, sizeof d->broker_host);
        int_field(r, o, path, "broker_port", 0, 1883, 1, 65535, &d->broker_port);
        if (str_field(r, o, path, "topic", 1, d->topic, sizeof d->topic) > 0) {
            /* MQTT filter rules: '#' only last and alone in its level, '+' alone */
            const char *t = d->topic;
            for (size_t i = 0; t[i]; i++) {
                int start = i == 0 || t[i - 1] == '/';
                int end = t[i + 1] == 0 || t[i + 1] == '/';
                if ((t[i] == '#' && !(start && t[i + 1] == 0)) || (t[i] == '+' && !(start && end))) {
                    zp__jsonpos_path_key(fpath, sizeof fpath, path, "topic");
                    report(r, fpath, 0, "'%s' is not a valid topic filter: '+' and '#' must fill a "
                           "whole level, and '#' must be last", t);
                    break;
                }
            }
        }
    } else {
        check_keys(r, o, path, http_keys, ZP_ARRAY_LEN(http_keys));
    }

    /* the built-in map first, then the points written out */
    if (d->kind == ZS_DEV_MODBUS && d->sunspec[0]) {
        size_t n;
        const zs_sunspec_point *m = zs_sunspec_map(d->sunspec, &n, NULL);
        int at = d->base_address + ZS_SUNSPEC_MODEL_AT;
        for (size_t i = 0; i < n; i++) {
            zs_point p;
            memset(&p, 0, sizeof p);
            snprintf(p.name, sizeof p.name, "%s", m[i].name);
            snprintf(p.unit, sizeof p.unit, "%s", m[i].unit);
            p.address = at + m[i].offset;
            p.type = m[i].type;
            p.scale = m[i].scale;
            p.sf_address = m[i].sf_offset >= 0 ? at + m[i].sf_offset : -1;
            p.min = -INFINITY;
            p.max = INFINITY;
            p.sunspec_na = 1;
            if (m[i].primary) {
                if (feeds[0])
                    snprintf(p.feeds, sizeof p.feeds, "%s", feeds);
                else if (strcmp(d->sunspec, "124") == 0 && d->storage[0])
                    snprintf(p.feeds, sizeof p.feeds, "storage.%.40s.soc", d->storage);
            }
            if (add_point(r, d, &cap, &p))
                return;
        }
    }
    json_t *pts = member(r, o, path, "points", 0, fpath);
    if (pts && !json_is_array(pts)) {
        report(r, fpath, 0, "expected an array, got %s", type_name(pts));
        pts = NULL;
    }
    if (pts && json_array_size(pts) > MAX_POINTS) {
        report(r, fpath, 0, "too many points (%zu); at most %d", json_array_size(pts), MAX_POINTS);
        pts = NULL;
    }
    size_t i;
    json_t *e;
    char ppath[PATH_SZ];
    char pointspath[PATH_SZ];
    snprintf(pointspath, sizeof pointspath, "%s", fpath);
    json_array_foreach(pts, i, e) {
        zs_point p;
        zp__jsonpos_path_index(ppath, sizeof ppath, pointspath, i);
        read_point(r, d, e, ppath, &p);
        for (size_t j = 0; j < d->npoints && p.name[0]; j++)
            if (strcmp(d->points[j].name, p.name) == 0) {
                char npath[PATH_SZ];
                zp__jsonpos_path_key(npath, sizeof npath, ppath, "name");
                report(r, npath, 0, "point '%s' is already defined%s", p.name,
                       j < d->npoints && d->sunspec[0] ? " (perhaps by the SunSpec map)" : "");
                break;
            }
        if (add_point(r, d, &cap, &p))
            return;
    }
    if (d->kind == ZS_DEV_MQTT && d->npoints == 0) {
        /* no points: the payload is one plain number */
        zs_point p;
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "value");
        p.scale = 1;
        p.sf_address = -1;
        if (add_point(r, d, &cap, &p))
            return;
    }
    if ((d->kind == ZS_DEV_MODBUS || d->kind == ZS_DEV_HTTP) && d->npoints == 0 && d->name[0])
        report(r, path, 0, "device '%s' has no points: add \"points\"%s", d->name,
               d->kind == ZS_DEV_MODBUS ? " or a \"sunspec\" map" : "");
    size_t nw = 0;
    for (size_t j = 0; j < d->npoints; j++) {
        zs_point *p = &d->points[j];
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
    /* a SunSpec 124 battery without a setpoint register is controlled
     * through the model's own registers (StorCtl_Mod, InWRte, OutWRte) */
    int native = strcmp(d->sunspec, "124") == 0 && nw == 0;
    if (d->storage[0] && nw != 1 && !native)
        report(r, path, 0, "a battery device (\"storage\": \"%s\") needs exactly one writable "
               "point, the power setpoint in kW (positive = discharge), or a \"sunspec\": \"124\" "
               "map; it has %zu", d->storage, nw);
    if (d->storage[0] && !(isfinite(d->setpoint_min_kw) && isfinite(d->setpoint_max_kw)))
        report(r, path, 0, "battery device '%s' needs setpoint limits: setpoint_min_kw and "
               "setpoint_max_kw", d->name);
    if (d->setpoint_min_kw > d->setpoint_max_kw && d->storage[0])
        report(r, path, 0, "the point's min/max and the device's setpoint limits do not overlap");
}

static zp_status parse(zp_ctx *ctx, const char *file, json_t *root, zp_jsonpos *jp, zs_devices *out)
{
    dreader r;
    char path[PATH_SZ];
    size_t errs0 = zp_ctx_diag_errors(ctx);
    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    r.ctx = ctx;
    r.file = file;
    r.jp = jp;
    r.root = root;
    r.out = out;
    if (!json_is_object(root)) {
        report(&r, "", 0, "the model must be a JSON object, got %s", type_name(root));
        goto done;
    }
    json_t *arr = member(&r, root, "", "devices", 0, path);
    if (!arr)
        goto done;
    if (!json_is_array(arr)) {
        report(&r, path, 0, "expected an array of devices, got %s", type_name(arr));
        goto done;
    }
    if (json_array_size(arr) > MAX_DEVICES) {
        report(&r, path, 0, "too many devices (%zu); at most %d", json_array_size(arr), MAX_DEVICES);
        goto done;
    }
    size_t n = json_array_size(arr);
    if (n) {
        out->dev = calloc(n, sizeof *out->dev);
        if (!out->dev) {
            r.nomem = 1;
            goto done;
        }
    }
    for (size_t i = 0; i < n && !r.nomem; i++) {
        char dpath[PATH_SZ];
        zp__jsonpos_path_index(dpath, sizeof dpath, "devices", i);
        zs_device *d = &out->dev[i];
        read_device(&r, json_array_get(arr, i), dpath, d);
        out->n = i + 1;
        for (size_t j = 0; j < i && d->name[0]; j++) {
            if (strcmp(out->dev[j].name, d->name) == 0) {
                char npath[PATH_SZ];
                zp__jsonpos_path_key(npath, sizeof npath, dpath, "name");
                report(&r, npath, 0, "device '%s' is already defined at devices[%zu]", d->name, j);
            }
            if (d->storage[0] && strcmp(out->dev[j].storage, d->storage) == 0) {
                char npath[PATH_SZ];
                zp__jsonpos_path_key(npath, sizeof npath, dpath, "storage");
                report(&r, npath, 0, "storage '%s' is already controlled by device '%s'",
                       d->storage, out->dev[j].name);
            }
        }
    }
done:
    if (r.nomem) {
        zs_devices_free(out);
        return zp__nomem(ctx);
    }
    size_t errs = zp_ctx_diag_errors(ctx) - errs0;
    if (errs) {
        zs_devices_free(out);
        return zp__error(ctx, ZP_EMODEL, "%s: %zu problem%s in \"devices\"", file ? file : "model",
                         errs, errs == 1 ? "" : "s");
    }
    return ZP_OK;
}

zp_status zs_devices_parse(zp_ctx *ctx, const char *file, json_t *root, zs_devices *out)
{
    if (!ctx || !out)
        return ZP_EINVAL;
    return parse(ctx, file, root, NULL, out);
}

zp_status zs_devices_parse_buf(zp_ctx *ctx, const char *file, const char *buf, size_t len,
                               zs_devices *out)
{
    json_error_t jerr;
    zp_jsonpos *jp = NULL;
    zp_status rc;
    if (!ctx || !out || (!buf && len))
        return ZP_EINVAL;
    memset(out, 0, sizeof *out);
    if (len > ZP_MODEL_MAX_BYTES)
        return zp__error(ctx, ZP_ETOOBIG, "%s: the model is %zu bytes; the limit is %u",
                         file ? file : "model", len, ZP_MODEL_MAX_BYTES);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    json_t *root = json_loadb(buf ? buf : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        char words[JSON_ERROR_TEXT_LENGTH + 128];
        if (zp__diag(ctx, ZP_SEV_ERROR, file, jerr.line > 0 ? jerr.line : 0,
                     jerr.column > 0 ? jerr.column : 0, NULL, "%s",
                     zp__json_errtext(jerr.text, words, sizeof words)))
            return zp__nomem(ctx);
        return zp__error(ctx, ZP_EMODEL, "%s: 1 problem", file ? file : "model");
    }
    rc = zp__jsonpos_build(ctx, buf, len, &jp);
    if (!rc)
        rc = parse(ctx, file, root, jp, out);
    zp__jsonpos_free(ctx, jp);
    json_decref(root);
    return rc;
}

zp_status zs_devices_load(zp_ctx *ctx, const char *model_path, zs_devices *out)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    zp_status rc;
    if (!ctx || !model_path || !out)
        return ZP_EINVAL;
    memset(out, 0, sizeof *out);
    f = fopen(model_path, "rb");
    if (!f)
        return zp__error(ctx, ZP_EIO, "cannot open %s: %s", model_path, strerror(errno));
    for (;;) {
        if (len == cap) {
            if (cap > ZP_MODEL_MAX_BYTES) {
                fclose(f);
                zp__free(ctx, buf);
                return zp__error(ctx, ZP_ETOOBIG, "%s: the model is larger than %u bytes",
                                 model_path, ZP_MODEL_MAX_BYTES);
            }
            size_t ncap = cap ? cap * 2 : 16384;
            char *nb = zp__realloc(ctx, buf, ncap);
            if (!nb) {
                fclose(f);
                zp__free(ctx, buf);
                return zp__nomem(ctx);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        zp__free(ctx, buf);
        return zp__error(ctx, ZP_EIO, "cannot read %s", model_path);
    }
    rc = zs_devices_parse_buf(ctx, model_path, buf, len, out);
    zp__free(ctx, buf);
    return rc;
}

void zs_devices_free(zs_devices *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->dev[i].points);
    free(d->dev);
    d->dev = NULL;
    d->n = 0;
}
