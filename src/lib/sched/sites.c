/*
 * sites.c - the sites file (JSON, docs/schedule.md "Sites (JSON)"): a problem
 * without jobs.
 *
 * Read through core/jsonread (its header says how): each problem is a
 * diagnostic "FILE:LINE:COL: PATH: message" as it is found, a syntax error
 * is the call's ZP_EPARSE, and any problem fails the read with ZP_EMODEL
 * naming the first. The words are the sites file's own (sites_words).
 */
#include "sched/sched_impl.h"
#include "core/jsonread.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* A read in progress. */
typedef struct sreader {
    zp_ctx *ctx;
    zp_jr *jr;
    const char *name; /* the file's name, or NULL */
    int check_files;  /* name is a path: park models must be readable beside it */
    int nomem;        /* an allocation of ours failed */
} sreader;

/* What the top level gives before the problem can be made. */
typedef struct stop {
    double slots, slot_min, carbon_price;
    json_t *regions, *sites; /* borrowed; regions NULL when absent or wrong */
    size_t nreg, nsites;
} stop;

/* "X is out of range: use LO..HI UNIT" (no unit: no space). */
static void range_text(char *msg, size_t size, double x, zp_jr_range rg)
{
    const char *unit = rg.unit ? rg.unit : "";
    snprintf(msg, size, "%.15g is out of range: use %.15g..%.15g%s%s", x, rg.lo, rg.hi,
             unit[0] ? " " : "", unit);
}

/* The sites file's words for what the getters find; the rest is said
 * where it is found. */
static void sites_words(zp_jr_problem *p, char *msg, size_t size)
{
    switch (p->kind) {
    case ZP_JR_TYPE:
        snprintf(msg, size, "must be %s", p->want);
        break;
    case ZP_JR_RANGE:
        range_text(msg, size, p->num, p->range);
        break;
    case ZP_JR_UNKNOWN_KEY:
        if (p->near)
            snprintf(msg, size, "unknown key '%s' (did you mean '%s'?)", p->key, p->near);
        else
            snprintf(msg, size, "unknown key '%s'", p->key);
        break;
    default:
        zp__jr_words_default(p, msg, size);
        break;
    }
}

static zp_jr_range srange(double lo, double hi, const char *unit)
{
    zp_jr_range rg = zp__jr_in(lo, hi);
    rg.unit = unit;
    return rg;
}

/* A number member in lo..hi; absent -> *out = dflt (returns 0), wrong ->
 * a problem (-1). */
static int snum(sreader *r, json_t *obj, const char *opath, const char *key, double lo,
                double hi, const char *unit, double dflt, double *out)
{
    return zp__jr_num(r->jr, obj, opath, key, ZP_JR_OPT, dflt, srange(lo, hi, unit), out);
}

/* A per-slot quantity: a number (constant) or an array of nslots numbers. */
static void sseries(sreader *r, json_t *obj, const char *opath, const char *key, size_t n,
                    double lo, double hi, const char *unit, double *out)
{
    char path[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX], msg[512];
    const zp_jr_range rg = srange(lo, hi, unit);
    json_t *v = zp__jr_member(r->jr, obj, opath, key, ZP_JR_OPT, path);
    double x;
    if (!v)
        return; /* stays zero; required ones are checked by the caller */
    if (json_is_number(v)) {
        if (zp__jr_num(r->jr, obj, opath, key, ZP_JR_OPT, 0, rg, &x) > 0)
            for (size_t t = 0; t < n; t++)
                out[t] = x;
        return;
    }
    if (!json_is_array(v)) {
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE,
                      "must be a number or an array of %zu numbers (one per slot)", n);
        return;
    }
    if (json_array_size(v) != n) {
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE, "has %zu values; the horizon has %zu slots",
                      json_array_size(v), n);
        return;
    }
    for (size_t t = 0; t < n; t++) {
        json_t *e = json_array_get(v, t);
        zp__jsonpos_path_index(epath, sizeof epath, path, t);
        if (!json_is_number(e)) {
            zp__jr_report(r->jr, epath, ZP_JR_AT_VALUE, "must be a number in %.15g..%.15g %s",
                          lo, hi, unit);
            return;
        }
        x = json_number_value(e);
        if (!zp__jr_range_ok(rg, x)) {
            range_text(msg, sizeof msg, x, rg);
            zp__jr_report(r->jr, epath, ZP_JR_AT_VALUE, "%s", msg);
            return;
        }
        out[t] = x;
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

/* The top level up to the sites' count. 0 when the problem can be made. */
static int sites_top(sreader *r, json_t *root, stop *top)
{
    static const char *const top_keys[] = {"start", "slot_min", "slots", "carbon_price_cny_per_t",
                                           "regions", "sites", "description"};
    zp_jr *jr = r->jr;
    if (!json_is_object(root)) {
        zp__jr_report(jr, "", ZP_JR_AT_VALUE, "the sites file must be a JSON object");
        return -1;
    }
    zp__jr_keys(jr, root, "", top_keys, ZP_ARRAY_LEN(top_keys));
    if (snum(r, root, "", "slots", 1, SCHED_MAX_SLOTS, "slots", 168, &top->slots) >= 0 &&
        top->slots != floor(top->slots))
        zp__jr_report(jr, "slots", ZP_JR_AT_VALUE, "must be a whole number");
    snum(r, root, "", "slot_min", 1, 1440, "minutes", 60, &top->slot_min);
    if (top->slot_min != floor(top->slot_min))
        zp__jr_report(jr, "slot_min", ZP_JR_AT_VALUE, "must be a whole number of minutes");
    snum(r, root, "", "carbon_price_cny_per_t", 0, SCHED_MAX_CARBON_PRICE, "CNY/t", 0,
         &top->carbon_price);
    top->regions = json_object_get(root, "regions");
    top->nreg = 0;
    if (top->regions && !json_is_array(top->regions))
        zp__jr_report(jr, "regions", ZP_JR_AT_VALUE, "must be an array of region names");
    else if (top->regions)
        top->nreg = json_array_size(top->regions);
    if (top->nreg > SCHED_MAX_REGIONS) {
        zp__jr_report(jr, "regions", ZP_JR_AT_VALUE, "at most %d regions", SCHED_MAX_REGIONS);
        top->nreg = 0;
    }
    top->sites = json_object_get(root, "sites");
    top->nsites = json_is_array(top->sites) ? json_array_size(top->sites) : 0;
    if (!json_is_array(top->sites) || top->nsites == 0 || top->nsites > SCHED_MAX_SITES) {
        if (top->sites)
            zp__jr_report(jr, "sites", ZP_JR_AT_VALUE, "must be an array of 1..%d sites",
                          SCHED_MAX_SITES);
        else
            zp__jr_report(jr, "", ZP_JR_AT_VALUE, "missing \"sites\": an array of 1..%d sites",
                          SCHED_MAX_SITES);
        return -1;
    }
    return zp__jr_problems(jr) ? -1 : 0;
}

/* "start": the time of slot 0, with its offset. */
static void sites_start(sreader *r, json_t *root, const stop *top, zp_sched_problem *p)
{
    json_t *st = json_object_get(root, "start");
    int32_t off;
    if (!st)
        return;
    if (!json_is_string(st) ||
        zp_time_parse(json_string_value(st), json_string_length(st), ZP_TIME_NO_DEFAULT,
                      &p->start, &off))
        zp__jr_report(r->jr, "start", ZP_JR_AT_VALUE, "must be an ISO-8601 time with an offset, "
                      "e.g. \"2026-06-01T00:00:00+08:00\"");
    else if (zp__local_year(p->start + (zp_time_t)top->slots * top->slot_min * 60 - 1, off) > 9999)
        zp__jr_report(r->jr, "start", ZP_JR_AT_VALUE, "the horizon (%.0f slots of %.0f min from "
                      "%s) ends after the year 9999: use an earlier start", top->slots,
                      top->slot_min, json_string_value(st));
    else
        p->offset_min = off;
}

/* A name of 1..ZP_SCHED_NAME_MAX - 1 bytes. */
static int name_ok(const json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0 &&
           json_string_length(v) < ZP_SCHED_NAME_MAX;
}

static void sites_regions(sreader *r, const stop *top, zp_sched_problem *p)
{
    char path[ZP_JR_PATH_MAX];
    for (size_t i = 0; i < top->nreg; i++) {
        json_t *e = json_array_get(top->regions, i);
        zp__jsonpos_path_index(path, sizeof path, "regions", i);
        if (!name_ok(e)) {
            zp__jr_report(r->jr, path, ZP_JR_AT_VALUE, "must be a name of 1..%d characters",
                          ZP_SCHED_NAME_MAX - 1);
            continue;
        }
        snprintf(p->regions[i], ZP_SCHED_NAME_MAX, "%s", json_string_value(e));
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->regions[k], p->regions[i]) == 0)
                zp__jr_report(r->jr, path, ZP_JR_AT_VALUE, "region '%s' is listed twice",
                              p->regions[i]);
    }
}

/* Site s's "park_model" (path): kept with where it stands; when checking
 * files, the model must be a file that opens. */
static void site_park_model(sreader *r, json_t *pm, const char *path, zp_sched_site *ps)
{
    if (!json_is_string(pm) || json_string_length(pm) == 0) {
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE, "must be the path of a park model");
        return;
    }
    if (!(ps->park_model = zp__strdup(r->ctx, json_string_value(pm)))) {
        r->nomem = 1;
        return;
    }
    zp__jr_position(r->jr, path, ZP_JR_AT_VALUE, &ps->park_model_line, &ps->park_model_col);
    if (!r->check_files)
        return;
    char *full = zp__sched_path_beside(r->ctx, r->name, ps->park_model);
    const char *rel = ps->park_model[0] == '/' ? "" : " (relative to the sites file)";
    struct stat sb;
    FILE *f = full ? fopen(full, "rb") : NULL;
    if (!full)
        r->nomem = 1;
    else if (!f)
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE,
                      "park model '%s' cannot be opened: tried %s%s: %s", ps->park_model, full,
                      rel, strerror(errno));
    else if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode))
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE, "park model '%s' is a directory, not a park "
                      "model file: tried %s%s; name its model.json", ps->park_model, full, rel);
    if (f)
        fclose(f);
    zp__free(r->ctx, full);
}

/* Site s's "latency_ms": one number per region, no other key. */
static void site_latency(sreader *r, json_t *so, const char *spath, zp_sched_problem *p, size_t s)
{
    char path[ZP_JR_PATH_MAX], kpath[ZP_JR_PATH_MAX];
    const size_t nreg = p->nregions;
    json_t *lat = zp__jr_member(r->jr, so, spath, "latency_ms", ZP_JR_OPT, path);
    if (lat && !json_is_object(lat)) {
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE,
                      "must be an object: region name -> one-way latency in ms");
        return;
    }
    if (nreg && !lat)
        zp__jr_report(r->jr, spath, ZP_JR_AT_VALUE,
                      "missing \"latency_ms\": one-way latency from every region");
    if (!lat)
        return;
    const char *key;
    json_t *v;
    json_object_foreach(lat, key, v)
    {
        size_t k;
        for (k = 0; k < nreg && strcmp(p->regions[k], key) != 0; k++)
            ;
        zp__jsonpos_path_key(kpath, sizeof kpath, path, key);
        if (k == nreg)
            zp__jr_report(r->jr, kpath, ZP_JR_AT_KEY, "unknown region '%s' (not in \"regions\")",
                          key);
    }
    for (size_t k = 0; k < nreg; k++) {
        double ms;
        if (snum(r, lat, path, p->regions[k], 0, SCHED_MAX_LATENCY_MS, "ms", 0, &ms) == 0)
            zp__jr_report(r->jr, path, ZP_JR_AT_VALUE, "missing the latency from region '%s'",
                          p->regions[k]);
        p->latency_ms[k * p->nsites + s] = ms;
    }
}

/* Site s of the "sites" array. */
static void site_read(sreader *r, json_t *sites, zp_sched_problem *p, size_t s)
{
    static const char *const site_keys[] = {"name", "capacity_kw", "pue", "intensity_kg_per_kwh",
                                            "price_cny_per_kwh", "green_kw", "latency_ms",
                                            "park_model", "description"};
    char spath[ZP_JR_PATH_MAX], path[ZP_JR_PATH_MAX];
    zp_jr *jr = r->jr;
    zp_sched_site *ps = &p->sites[s];
    json_t *so = zp__jr_elem_obj(jr, sites, "sites", s, spath);
    if (!so)
        return;
    zp__jr_keys(jr, so, spath, site_keys, ZP_ARRAY_LEN(site_keys));
    json_t *nm = zp__jr_member(jr, so, spath, "name", ZP_JR_OPT, path);
    if (!name_ok(nm)) {
        zp__jr_report(jr, nm ? path : spath, ZP_JR_AT_VALUE, "%s a name of 1..%d characters",
                      nm ? "must be" : "missing \"name\":", ZP_SCHED_NAME_MAX - 1);
    } else {
        snprintf(ps->name, sizeof ps->name, "%s", json_string_value(nm));
        for (size_t k = 0; k < s; k++)
            if (strcmp(p->sites[k].name, ps->name) == 0)
                zp__jr_report(jr, path, ZP_JR_AT_VALUE, "site '%s' is defined twice", ps->name);
    }
    if (snum(r, so, spath, "capacity_kw", 0, SCHED_MAX_CAPACITY_KW, "kW", 0, &ps->capacity_kw) == 0)
        zp__jr_report(jr, spath, ZP_JR_AT_VALUE,
                      "missing \"capacity_kw\": IT power the site can run per slot");
    snum(r, so, spath, "pue", 1.0, SCHED_MAX_PUE, "", 1.0, &ps->pue);
    if (!json_object_get(so, "intensity_kg_per_kwh"))
        zp__jr_report(jr, spath, ZP_JR_AT_VALUE,
                      "missing \"intensity_kg_per_kwh\": a number or one per slot");
    sseries(r, so, spath, "intensity_kg_per_kwh", p->nslots, 0, SCHED_MAX_INTENSITY, "kg/kWh",
            ps->intensity_kg_per_kwh);
    sseries(r, so, spath, "price_cny_per_kwh", p->nslots, -SCHED_MAX_PRICE, SCHED_MAX_PRICE,
            "CNY/kWh", ps->price_cny_per_kwh);
    sseries(r, so, spath, "green_kw", p->nslots, 0, SCHED_MAX_CAPACITY_KW, "kW", ps->green_kw);
    json_t *pm = zp__jr_member(jr, so, spath, "park_model", ZP_JR_OPT, path);
    if (pm)
        site_park_model(r, pm, path, ps);
    site_latency(r, so, spath, p, s);
}

/* The sites file from a buffer. check_files: name is the file's path, and
 * every park model it names must be readable (relative to it). */
static zp_status sites_parse(zp_ctx *ctx, const char *buf, size_t len, const char *name,
                             int check_files, zp_sched_problem **out)
{
    zp_sched_problem *p = NULL;
    zp_jr_opts o;
    sreader r = {ctx, NULL, name, check_files, 0};
    stop top;
    *out = NULL;
    zp__jr_opts_init(&o);
    o.file = name;
    o.what = "sites";
    o.mode = ZP_JR_DIAG;
    o.flags = ZP_JR_SYNTAX_ERROR;
    o.words = sites_words;
    zp_status rc = zp__jr_open_buf(ctx, buf, len, &o, &r.jr);
    if (rc)
        return rc;
    json_t *root = zp__jr_root(r.jr);
    if (sites_top(&r, root, &top) == 0) {
        if ((rc = zp_sched_problem_new(ctx, top.nsites, (size_t)top.slots, top.nreg, &p)))
            goto out;
        p->slot_h = top.slot_min / 60.0;
        p->carbon_price_cny_per_t = top.carbon_price;
        sites_start(&r, root, &top, p);
        sites_regions(&r, &top, p);
        for (size_t s = 0; s < top.nsites; s++)
            site_read(&r, top.sites, p, s);
    }
    const size_t nerr = zp__jr_problems(r.jr);
    if (r.nomem || zp__jr_status(r.jr)) {
        rc = zp__nomem(ctx);
    } else if (nerr) {
        char first[512] = "";
        const zp_diag *d = zp_ctx_diag_get(ctx, zp_ctx_diag_count(ctx) - nerr);
        if (d)
            zp_diag_format(d, first, sizeof first);
        rc = zp__error(ctx, ZP_EMODEL, "%s: %zu problem%s in the sites file; first: %s",
                       name ? name : "sites", nerr, nerr == 1 ? "" : "s", first);
    } else {
        *out = p;
        p = NULL;
    }
out:
    zp_sched_problem_free(ctx, p);
    zp__jr_free(r.jr);
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
    zp_status rc = zp__file_read(ctx, path, SCHED_MAX_FILE, "sites file", &buf, &len);
    if (rc)
        return rc;
    rc = sites_parse(ctx, buf, len, path, 1, out);
    zp__free(ctx, buf);
    return rc;
}
