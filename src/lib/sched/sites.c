/*
 * sites.c - the sites file (JSON, docs/schedule.md "Sites (JSON)"): a problem
 * without jobs.
 */
#include "sched/sched_impl.h"
#include "core/jsonread.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct sreader {
    zp_ctx *ctx;
    const char *file;
    zp_jsonpos *jp;
    size_t nerr;
    zp_status st; /* sticky ENOMEM */
} sreader;

/* One problem at path: at the member's key when at_key (unknown keys),
 * else at its value. */
static void vsdiag(sreader *r, const char *path, int at_key, const char *fmt, va_list ap)
    ZP_PRINTF(4, 0);
static void vsdiag(sreader *r, const char *path, int at_key, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    zp_jsonpos_loc loc;
    zp__jsonpos_find(r->jp, path, &loc);
    int line = at_key && loc.key_line ? loc.key_line : loc.line;
    int col = at_key && loc.key_line ? loc.key_col : loc.col;
    r->nerr++;
    if (zp__diag(r->ctx, ZP_SEV_ERROR, r->file, line, col, path[0] ? path : NULL, "%s", msg))
        r->st = ZP_ENOMEM;
}

static void sdiag(sreader *r, const char *path, const char *fmt, ...) ZP_PRINTF(3, 4);
static void sdiag(sreader *r, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsdiag(r, path, 0, fmt, ap);
    va_end(ap);
}

static void sdiag_key(sreader *r, const char *path, const char *fmt, ...) ZP_PRINTF(3, 4);
static void sdiag_key(sreader *r, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsdiag(r, path, 1, fmt, ap);
    va_end(ap);
}

/* A number member; absent -> *out = dflt (returns 0), wrong -> diag. */
static int snum(sreader *r, json_t *obj, const char *opath, const char *key, double lo,
                double hi, const char *unit, double dflt, double *out)
{
    char path[ZP_JSONPOS_PATH_MAX];
    zp__jsonpos_path_key(path, sizeof path, opath, key);
    json_t *v = json_object_get(obj, key);
    *out = dflt;
    if (!v)
        return 0;
    if (!json_is_number(v)) {
        sdiag(r, path, "must be a number");
        return -1;
    }
    double x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi) {
        sdiag(r, path, "%.15g is out of range: use %.15g..%.15g%s%s", x, lo, hi, unit[0] ? " " : "",
              unit);
        return -1;
    }
    *out = x;
    return 1;
}

/* A per-slot quantity: a number (constant) or an array of nslots numbers. */
static void sseries(sreader *r, json_t *obj, const char *opath, const char *key, size_t n,
                    double lo, double hi, const char *unit, double *out)
{
    char path[ZP_JSONPOS_PATH_MAX], epath[ZP_JSONPOS_PATH_MAX];
    zp__jsonpos_path_key(path, sizeof path, opath, key);
    json_t *v = json_object_get(obj, key);
    if (!v)
        return; /* stays zero; required ones are checked by the caller */
    if (json_is_number(v)) {
        double x = json_number_value(v);
        if (!isfinite(x) || x < lo || x > hi) {
            sdiag(r, path, "%.15g is out of range: use %.15g..%.15g %s", x, lo, hi, unit);
            return;
        }
        for (size_t t = 0; t < n; t++)
            out[t] = x;
        return;
    }
    if (!json_is_array(v)) {
        sdiag(r, path, "must be a number or an array of %zu numbers (one per slot)", n);
        return;
    }
    if (json_array_size(v) != n) {
        sdiag(r, path, "has %zu values; the horizon has %zu slots", json_array_size(v), n);
        return;
    }
    for (size_t t = 0; t < n; t++) {
        json_t *e = json_array_get(v, t);
        zp__jsonpos_path_index(epath, sizeof epath, path, t);
        if (!json_is_number(e)) {
            sdiag(r, epath, "must be a number in %.15g..%.15g %s", lo, hi, unit);
            return;
        }
        double x = json_number_value(e);
        if (!isfinite(x) || x < lo || x > hi) {
            sdiag(r, epath, "%.15g is out of range: use %.15g..%.15g %s", x, lo, hi, unit);
            return;
        }
        out[t] = x;
    }
}

static void sunknown(sreader *r, json_t *obj, const char *opath, const char *const *keys,
                     size_t nkeys)
{
    const char *key;
    json_t *v;
    char path[ZP_JSONPOS_PATH_MAX];
    json_object_foreach(obj, key, v)
    {
        size_t i;
        for (i = 0; i < nkeys && strcmp(key, keys[i]) != 0; i++)
            ;
        if (i < nkeys)
            continue;
        zp__jsonpos_path_key(path, sizeof path, opath, key);
        const char *near = zp__nearest(key, keys, nkeys);
        if (near)
            sdiag_key(r, path, "unknown key '%s' (did you mean '%s'?)", key, near);
        else
            sdiag_key(r, path, "unknown key '%s'", key);
    }
}

/* rel resolved against the directory of file (as model paths are):
 * "DIR/rel", or rel itself when it is absolute or file has no directory. */
char *zp__sched_path_beside(zp_ctx *ctx, const char *file, const char *rel)
{
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (rel[0] != '/' && slash)
        return zp__asprintf(ctx, "%.*s/%s", (int)(slash - file), file, rel);
    return zp__strdup(ctx, rel);
}

/* The sites file from a buffer. check_files: name is the file's path, and
 * every park model it names must be readable (relative to it). */
static zp_status sites_parse(zp_ctx *ctx, const char *buf, size_t len, const char *name,
                             int check_files, zp_sched_problem **out)
{
    static const char *const top_keys[] = {"start", "slot_min", "slots", "carbon_price_cny_per_t",
                                           "regions", "sites", "description"};
    static const char *const site_keys[] = {"name", "capacity_kw", "pue", "intensity_kg_per_kwh",
                                            "price_cny_per_kwh", "green_kw", "latency_ms",
                                            "park_model", "description"};
    *out = NULL;
    zp_sched_problem *p = NULL;
    json_error_t jerr;
    sreader r = {ctx, name, NULL, 0, ZP_OK};
    zp_status rc = ZP_OK;
    const char *fname = name ? name : "sites";
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
    {
        char words[JSON_ERROR_TEXT_LENGTH + 128];
        return zp__error(ctx, ZP_EPARSE, "%s:%d:%d: %s", fname, jerr.line, jerr.column,
                         zp__json_errtext(jerr.text, words, sizeof words));
    }
    if ((rc = zp__jsonpos_build(ctx, buf, len, &r.jp)))
        goto out;
    if (!json_is_object(root)) {
        sdiag(&r, "", "the sites file must be a JSON object");
        goto done;
    }
    sunknown(&r, root, "", top_keys, ZP_ARRAY_LEN(top_keys));
    double slots_d, slot_min, cp;
    if (snum(&r, root, "", "slots", 1, SCHED_MAX_SLOTS, "slots", 168, &slots_d) >= 0 &&
        slots_d != floor(slots_d))
        sdiag(&r, "slots", "must be a whole number");
    snum(&r, root, "", "slot_min", 1, 1440, "minutes", 60, &slot_min);
    if (slot_min != floor(slot_min))
        sdiag(&r, "slot_min", "must be a whole number of minutes");
    snum(&r, root, "", "carbon_price_cny_per_t", 0, SCHED_MAX_CARBON_PRICE, "CNY/t", 0, &cp);
    json_t *regions = json_object_get(root, "regions");
    size_t nreg = 0;
    if (regions && !json_is_array(regions))
        sdiag(&r, "regions", "must be an array of region names");
    else if (regions)
        nreg = json_array_size(regions);
    if (nreg > SCHED_MAX_REGIONS) {
        sdiag(&r, "regions", "at most %d regions", SCHED_MAX_REGIONS);
        nreg = 0;
    }
    json_t *sites = json_object_get(root, "sites");
    size_t nsites = json_is_array(sites) ? json_array_size(sites) : 0;
    if (!json_is_array(sites) || nsites == 0 || nsites > SCHED_MAX_SITES) {
        sdiag(&r, sites ? "sites" : "", sites ? "must be an array of 1..%d sites"
                                              : "missing \"sites\": an array of 1..%d sites",
              SCHED_MAX_SITES);
        goto done;
    }
    if (r.nerr)
        goto done;
    if ((rc = zp_sched_problem_new(ctx, nsites, (size_t)slots_d, nreg, &p)))
        goto out;
    p->slot_h = slot_min / 60.0;
    p->carbon_price_cny_per_t = cp;
    json_t *st = json_object_get(root, "start");
    if (st) {
        int32_t off;
        if (!json_is_string(st) ||
            zp_time_parse(json_string_value(st), json_string_length(st), ZP_TIME_NO_DEFAULT,
                          &p->start, &off))
            sdiag(&r, "start", "must be an ISO-8601 time with an offset, e.g. "
                               "\"2026-06-01T00:00:00+08:00\"");
        else if (zp__local_year(p->start + (zp_time_t)slots_d * slot_min * 60 - 1, off) > 9999)
            sdiag(&r, "start", "the horizon (%.0f slots of %.0f min from %s) ends after the year "
                               "9999: use an earlier start", slots_d, slot_min,
                  json_string_value(st));
        else
            p->offset_min = off;
    }
    char path[ZP_JSONPOS_PATH_MAX], spath[ZP_JSONPOS_PATH_MAX], kpath[ZP_JSONPOS_PATH_MAX];
    for (size_t i = 0; i < nreg; i++) {
        json_t *e = json_array_get(regions, i);
        zp__jsonpos_path_index(path, sizeof path, "regions", i);
        if (!json_is_string(e) || json_string_length(e) == 0 ||
            json_string_length(e) >= ZP_SCHED_NAME_MAX) {
            sdiag(&r, path, "must be a name of 1..%d characters", ZP_SCHED_NAME_MAX - 1);
            continue;
        }
        snprintf(p->regions[i], ZP_SCHED_NAME_MAX, "%s", json_string_value(e));
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->regions[k], p->regions[i]) == 0)
                sdiag(&r, path, "region '%s' is listed twice", p->regions[i]);
    }
    for (size_t s = 0; s < nsites; s++) {
        json_t *so = json_array_get(sites, s);
        zp_sched_site *ps = &p->sites[s];
        zp__jsonpos_path_index(spath, sizeof spath, "sites", s);
        if (!json_is_object(so)) {
            sdiag(&r, spath, "must be an object");
            continue;
        }
        sunknown(&r, so, spath, site_keys, ZP_ARRAY_LEN(site_keys));
        json_t *nm = json_object_get(so, "name");
        zp__jsonpos_path_key(path, sizeof path, spath, "name");
        if (!json_is_string(nm) || json_string_length(nm) == 0 ||
            json_string_length(nm) >= ZP_SCHED_NAME_MAX) {
            sdiag(&r, nm ? path : spath, "%s a name of 1..%d characters",
                  nm ? "must be" : "missing \"name\":", ZP_SCHED_NAME_MAX - 1);
        } else {
            snprintf(ps->name, sizeof ps->name, "%s", json_string_value(nm));
            for (size_t k = 0; k < s; k++)
                if (strcmp(p->sites[k].name, ps->name) == 0)
                    sdiag(&r, path, "site '%s' is defined twice", ps->name);
        }
        if (snum(&r, so, spath, "capacity_kw", 0, SCHED_MAX_CAPACITY_KW, "kW", 0, &ps->capacity_kw) == 0)
            sdiag(&r, spath, "missing \"capacity_kw\": IT power the site can run per slot");
        snum(&r, so, spath, "pue", 1.0, SCHED_MAX_PUE, "", 1.0, &ps->pue);
        if (!json_object_get(so, "intensity_kg_per_kwh"))
            sdiag(&r, spath, "missing \"intensity_kg_per_kwh\": a number or one per slot");
        sseries(&r, so, spath, "intensity_kg_per_kwh", p->nslots, 0, SCHED_MAX_INTENSITY,
                "kg/kWh", ps->intensity_kg_per_kwh);
        sseries(&r, so, spath, "price_cny_per_kwh", p->nslots, -SCHED_MAX_PRICE, SCHED_MAX_PRICE,
                "CNY/kWh", ps->price_cny_per_kwh);
        sseries(&r, so, spath, "green_kw", p->nslots, 0, SCHED_MAX_CAPACITY_KW, "kW",
                ps->green_kw);
        json_t *pm = json_object_get(so, "park_model");
        if (pm) {
            zp__jsonpos_path_key(path, sizeof path, spath, "park_model");
            if (!json_is_string(pm) || json_string_length(pm) == 0) {
                sdiag(&r, path, "must be the path of a park model");
            } else if (!(ps->park_model = zp__strdup(ctx, json_string_value(pm)))) {
                r.st = ZP_ENOMEM;
            } else {
                zp_jsonpos_loc loc;
                zp__jsonpos_find(r.jp, path, &loc);
                ps->park_model_line = loc.line;
                ps->park_model_col = loc.col;
            }
            if (ps->park_model && check_files) {
                char *full = zp__sched_path_beside(ctx, name, ps->park_model);
                const char *rel = ps->park_model[0] == '/' ? "" : " (relative to the sites file)";
                struct stat sb;
                FILE *f = full ? fopen(full, "rb") : NULL;
                if (!full)
                    r.st = ZP_ENOMEM;
                else if (!f)
                    sdiag(&r, path, "park model '%s' cannot be opened: tried %s%s: %s",
                          ps->park_model, full, rel, strerror(errno));
                else if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode))
                    sdiag(&r, path, "park model '%s' is a directory, not a park model file: tried "
                                    "%s%s; name its model.json", ps->park_model, full, rel);
                if (f)
                    fclose(f);
                zp__free(ctx, full);
            }
        }
        json_t *lat = json_object_get(so, "latency_ms");
        zp__jsonpos_path_key(path, sizeof path, spath, "latency_ms");
        if (lat && !json_is_object(lat)) {
            sdiag(&r, path, "must be an object: region name -> one-way latency in ms");
            continue;
        }
        if (nreg && !lat) {
            sdiag(&r, spath, "missing \"latency_ms\": one-way latency from every region");
            continue;
        }
        if (!lat)
            continue;
        const char *key;
        json_t *v;
        json_object_foreach(lat, key, v)
        {
            size_t k;
            for (k = 0; k < nreg && strcmp(p->regions[k], key) != 0; k++)
                ;
            zp__jsonpos_path_key(kpath, sizeof kpath, path, key);
            if (k == nreg)
                sdiag_key(&r, kpath, "unknown region '%s' (not in \"regions\")", key);
        }
        for (size_t k = 0; k < nreg; k++) {
            double ms;
            int got = snum(&r, lat, path, p->regions[k], 0, SCHED_MAX_LATENCY_MS, "ms", 0, &ms);
            if (got == 0)
                sdiag(&r, path, "missing the latency from region '%s'", p->regions[k]);
            p->latency_ms[k * nsites + s] = ms;
        }
    }
done:
    if (r.st) {
        rc = zp__nomem(ctx);
        goto out;
    }
    if (r.nerr) {
        char first[512] = "";
        const zp_diag *d = zp_ctx_diag_get(ctx, zp_ctx_diag_count(ctx) - r.nerr);
        if (d)
            zp_diag_format(d, first, sizeof first);
        rc = zp__error(ctx, ZP_EMODEL, "%s: %zu problem%s in the sites file; first: %s", fname,
                       r.nerr, r.nerr == 1 ? "" : "s", first);
        goto out;
    }
    *out = p;
    p = NULL;
out:
    zp_sched_problem_free(ctx, p);
    zp__jsonpos_free(ctx, r.jp);
    json_decref(root);
    return rc;
}

/* Read a whole file with the ctx allocator (NUL-terminated). */
zp_status read_file(zp_ctx *ctx, const char *path, char **out, size_t *len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return zp__error(ctx, ZP_EIO, "%s: cannot open: %s", path, strerror(errno));
    zp_status rc = ZP_OK;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            if (n > SCHED_MAX_FILE) {
                rc = zp__error(ctx, ZP_ETOOBIG, "%s: larger than 4 GiB", path);
                goto out;
            }
            if (zp__grow(ctx, (void **)&buf, &cap, n + 65536 + 1, 1)) {
                rc = zp__nomem(ctx);
                goto out;
            }
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = zp__error(ctx, ZP_EIO, "%s: read error", path);
            break;
        }
    }
    if (!rc) {
        buf[n] = '\0';
        *out = buf;
        *len = n;
        buf = NULL;
    }
out:
    zp__free(ctx, buf);
    fclose(f);
    return rc;
}

zp_status zp_sched_sites_parse(zp_ctx *ctx, const char *buf, size_t len, const char *name,
                               zp_sched_problem **out)
{
    return sites_parse(ctx, buf, len, name, 0, out);
}

zp_status zp_sched_sites_load(zp_ctx *ctx, const char *path, zp_sched_problem **out)
{
    char *buf;
    size_t len;
    *out = NULL;
    zp_status rc = read_file(ctx, path, &buf, &len);
    if (rc)
        return rc;
    rc = sites_parse(ctx, buf, len, path, 1, out);
    zp__free(ctx, buf);
    return rc;
}
