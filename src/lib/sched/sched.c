/*
 * sched.c - carbon-aware job placement across sites and hours: problem
 * building, the sites JSON and jobs CSV readers, the greedy heuristic, the
 * run-now and Carbon-Aware-SDK baselines, evaluation and an independent
 * checker (docs/schedule.md). The exact MIP lives in sched_exact.c.
 */
#include "core/internal.h"
#include "core/jsonread.h"
#include "zeropark/sched.h"
#include "zeropark/model.h"
#include "zeropark/sim.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SCHED_MAX_SITES 4096
#define SCHED_MAX_REGIONS 4096
#define SCHED_MAX_SLOTS 100000
#define SCHED_MAX_DIAGS 100
#define SCHED_MAX_LINE 4096
#define SCHED_MAX_FILE ((size_t)4 << 30)
#define SCHED_CAP_TOL 1e-9 /* relative slack on capacity, for float sums */

/* Physical ranges of the inputs (docs/schedule.md, "Inputs"). With every
 * input inside them no sum the scheduler forms can overflow: a job's
 * facility energy is at most 1e6 kW x 1e5 slots x 24 h x PUE 10 = 2.4e13
 * kWh, its emissions 2.4e14 kg, its cost with the largest carbon price
 * (100 + 10 x 1e6 / 1000 CNY/kWh) 2.4e17 CNY, and a 4 GiB jobs file holds
 * fewer than 2^29 jobs (a row takes at least 14 bytes), so every total
 * stays below 1e27, far from the largest double. */
#define SCHED_MAX_CAPACITY_KW 1e8 /* a site's IT capacity and green supply, 100 GW */
#define SCHED_MAX_PUE 10.0
#define SCHED_MAX_INTENSITY 10.0  /* kg CO2 per kWh (coal is about 1) */
#define SCHED_MAX_PRICE 100.0     /* |CNY per kWh| */
#define SCHED_MAX_CARBON_PRICE 1e6 /* CNY per t CO2 */
#define SCHED_MAX_LATENCY_MS 1e4  /* one way, 10 s */
#define SCHED_MAX_POWER_KW 1e6    /* a job's IT power, 1 GW */
#define SCHED_MIN_POWER_KW 0.001  /* a job's IT power, 1 W */
#define SCHED_MAX_SLOT_NUM 1000000 /* |release|, |deadline| in slots */

static const char *const reason_names[] = {"placed", "latency", "window", "capacity"};
static const char *const class_names[] = {"interactive", "batch", "training"};

const char *zp_sched_reason_name(zp_sched_reason r)
{
    return (unsigned)r < ZP_ARRAY_LEN(reason_names) ? reason_names[r] : "unknown";
}

const char *zp_job_class_name(zp_job_class c)
{
    return (unsigned)c < ZP_ARRAY_LEN(class_names) ? class_names[c] : "unknown";
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- problem ----------------------------------------------------------- */

void zp_sched_problem_free(zp_ctx *ctx, zp_sched_problem *p)
{
    if (!p)
        return;
    if (p->sites) {
        for (size_t s = 0; s < p->nsites; s++) {
            zp__free(ctx, p->sites[s].intensity_kg_per_kwh);
            zp__free(ctx, p->sites[s].price_cny_per_kwh);
            zp__free(ctx, p->sites[s].green_kw);
            zp__free(ctx, p->sites[s].park_model);
        }
    }
    zp__free(ctx, p->sites);
    zp__free(ctx, p->regions);
    zp__free(ctx, p->latency_ms);
    zp__free(ctx, p->jobs);
    zp__free(ctx, p->ids);
    zp__free(ctx, p);
}

zp_status zp_sched_problem_new(zp_ctx *ctx, size_t nsites, size_t nslots, size_t nregions,
                               zp_sched_problem **out)
{
    *out = NULL;
    if (nsites < 1 || nsites > SCHED_MAX_SITES || nslots < 1 || nslots > SCHED_MAX_SLOTS ||
        nregions > SCHED_MAX_REGIONS)
        return zp__error(ctx, ZP_EINVAL,
                         "schedule: %zu sites, %zu slots, %zu regions: need 1..%d sites, 1..%d "
                         "slots, 0..%d regions",
                         nsites, nslots, nregions, SCHED_MAX_SITES, SCHED_MAX_SLOTS,
                         SCHED_MAX_REGIONS);
    zp_sched_problem *p = zp__calloc(ctx, 1, sizeof *p);
    if (!p)
        return zp__nomem(ctx);
    p->nsites = nsites;
    p->nslots = nslots;
    p->nregions = nregions;
    p->slot_h = 1.0;
    p->offset_min = 8 * 60;
    p->sites = zp__calloc(ctx, nsites, sizeof *p->sites);
    /* calloc(0) may return NULL: keep one element so NULL means failure */
    p->regions = zp__calloc(ctx, nregions ? nregions : 1, sizeof *p->regions);
    p->latency_ms = zp__calloc(ctx, nregions ? nregions * nsites : 1, sizeof *p->latency_ms);
    if (!p->sites || !p->regions || !p->latency_ms)
        goto nomem;
    for (size_t s = 0; s < nsites; s++) {
        zp_sched_site *st = &p->sites[s];
        snprintf(st->name, sizeof st->name, "site%zu", s);
        st->pue = 1.0;
        st->intensity_kg_per_kwh = zp__calloc(ctx, nslots, sizeof(double));
        st->price_cny_per_kwh = zp__calloc(ctx, nslots, sizeof(double));
        st->green_kw = zp__calloc(ctx, nslots, sizeof(double));
        if (!st->intensity_kg_per_kwh || !st->price_cny_per_kwh || !st->green_kw)
            goto nomem;
    }
    for (size_t r = 0; r < nregions; r++)
        snprintf(p->regions[r], sizeof p->regions[r], "region%zu", r);
    *out = p;
    return ZP_OK;
nomem:
    zp_sched_problem_free(ctx, p);
    return zp__nomem(ctx);
}

/* Append an id to the pool; returns its offset in *off. */
static zp_status pool_add(zp_ctx *ctx, zp_sched_problem *p, const char *id, size_t n,
                          uint32_t *off)
{
    if (p->ids_len + n + 1 > UINT32_MAX)
        return zp__error(ctx, ZP_ETOOBIG, "schedule: job ids exceed 4 GiB");
    if (zp__grow(ctx, (void **)&p->ids, &p->ids_cap, p->ids_len + n + 1, 1))
        return zp__nomem(ctx);
    memcpy(p->ids + p->ids_len, id, n);
    p->ids[p->ids_len + n] = '\0';
    *off = (uint32_t)p->ids_len;
    p->ids_len += n + 1;
    return ZP_OK;
}

zp_status zp_sched_problem_add_job(zp_ctx *ctx, zp_sched_problem *p, const zp_sched_job *job,
                                   const char *id)
{
    if (job->home < 0 || (size_t)job->home >= p->nsites)
        return zp__error(ctx, ZP_EINVAL, "schedule: job home site %d out of range", job->home);
    if (job->region < -1 || (job->region >= 0 && (size_t)job->region >= p->nregions))
        return zp__error(ctx, ZP_EINVAL, "schedule: job region %d out of range", job->region);
    if (p->njobs >= UINT32_MAX)
        return zp__error(ctx, ZP_ETOOBIG, "schedule: too many jobs");
    if (zp__grow(ctx, (void **)&p->jobs, &p->jobs_cap, p->njobs + 1, sizeof *p->jobs))
        return zp__nomem(ctx);
    char buf[32];
    if (!id) {
        snprintf(buf, sizeof buf, "%zu", p->njobs);
        id = buf;
    }
    zp_sched_job j = *job;
    zp_status rc = pool_add(ctx, p, id, strlen(id), &j.id_off);
    if (rc)
        return rc;
    p->jobs[p->njobs++] = j;
    return ZP_OK;
}

const char *zp_sched_job_id(const zp_sched_problem *p, size_t j)
{
    return j < p->njobs && p->ids ? p->ids + p->jobs[j].id_off : "";
}

double zp_sched_latency(const zp_sched_problem *p, size_t r, size_t s)
{
    return p->latency_ms[r * p->nsites + s];
}

int zp_sched_site_allowed(const zp_sched_problem *p, size_t j, size_t s)
{
    const zp_sched_job *jb = &p->jobs[j];
    if (jb->region < 0 || !(jb->latency_ms > 0))
        return 1;
    return zp_sched_latency(p, (size_t)jb->region, s) <= jb->latency_ms;
}

double zp_sched_weight(const zp_sched_problem *p, zp_sched_objective obj, size_t s, size_t t)
{
    const zp_sched_site *st = &p->sites[s];
    switch (obj) {
    case ZP_SCHED_COST: return st->price_cny_per_kwh[t];
    case ZP_SCHED_COST_WITH_CARBON_PRICE:
        return st->price_cny_per_kwh[t] +
               st->intensity_kg_per_kwh[t] * 1e-3 * p->carbon_price_cny_per_t;
    case ZP_SCHED_CARBON:
    default: return st->intensity_kg_per_kwh[t];
    }
}

void zp_sched_opts_init(zp_sched_opts *o)
{
    memset(o, 0, sizeof *o);
    o->objective = ZP_SCHED_CARBON;
    o->time_limit_s = 60.0;
}

/* ---- sites JSON --------------------------------------------------------- */

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
static char *path_beside(zp_ctx *ctx, const char *file, const char *rel)
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
                char *full = path_beside(ctx, name, ps->park_model);
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
static zp_status read_file(zp_ctx *ctx, const char *path, char **out, size_t *len)
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

/* ---- jobs CSV ------------------------------------------------------------ */

enum { C_ID, C_CLASS, C_HOME, C_REGION, C_LAT, C_REL, C_DL, C_DUR, C_POW, C_PRE, C_CHUNK, C_N };
static const char *const col_names[C_N] = {"id",       "class",   "home",     "region",
                                           "latency_ms", "release", "deadline", "duration",
                                           "power_kw", "preemptible", "min_chunk"};

typedef struct field {
    const char *s;
    size_t n;
} field;

/* Split line [b, e) at commas. Quoted fields ("a,b", "" for a quote) are
 * unquoted into scratch. Returns the field count, or -1 for a bad quote,
 * -2 for too many fields. Spaces around fields are trimmed. */
static int split(const char *b, const char *e, field *f, int maxf, char *scratch)
{
    int n = 0;
    const char *p = b;
    char *sc = scratch;
    for (;;) {
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        if (n == maxf)
            return -2;
        if (p < e && *p == '"') {
            char *start = sc;
            p++;
            for (;;) {
                if (p >= e)
                    return -1;
                if (*p == '"') {
                    if (p + 1 < e && p[1] == '"') {
                        *sc++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *sc++ = *p++;
            }
            f[n].s = start;
            f[n].n = (size_t)(sc - start);
            while (p < e && (*p == ' ' || *p == '\t'))
                p++;
            if (p < e && *p != ',')
                return -1;
        } else {
            const char *q = p;
            while (q < e && *q != ',')
                q++;
            const char *t = q;
            while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
                t--;
            f[n].s = p;
            f[n].n = (size_t)(t - p);
            p = q;
        }
        n++;
        if (p >= e)
            return n;
        p++; /* the comma */
        if (p == e) {
            if (n == maxf)
                return -2;
            f[n].s = p;
            f[n].n = 0;
            return n + 1;
        }
    }
}

static int field_is(const field *f, const char *s)
{
    size_t n = strlen(s);
    return f->n == n && memcmp(f->s, s, n) == 0;
}

/* Whole number in [lo, hi]. */
static int parse_int(const field *f, long lo, long hi, int32_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (f->n == 0 || f->n > 12)
        return 0;
    if (f->s[0] == '-' || f->s[0] == '+')
        neg = f->s[i++] == '-';
    if (i == f->n)
        return 0;
    long v = 0;
    for (; i < f->n; i++) {
        if (f->s[i] < '0' || f->s[i] > '9')
            return 0;
        v = v * 10 + (f->s[i] - '0');
    }
    if (neg)
        v = -v;
    if (v < lo || v > hi)
        return 0;
    *out = (int32_t)v;
    return 1;
}

/* A decimal in the CSV reader's syntax (zp__csv_number: no hex, inf or
 * nan). A number beyond the range of a double reads as +-HUGE_VAL (or 0),
 * for the caller's range check to reject with the allowed range. */
static int parse_num(const field *f, double *out)
{
    if (f->n == 0 || f->n > 60)
        return 0;
    return zp__csv_number(f->s, f->s + f->n, out);
}

/* Index of the name s[0..n) among count names stride bytes apart, or -1. */
static int find_name(const char *s, size_t n, const char *names, size_t stride_bytes,
                     size_t count)
{
    for (size_t k = 0; k < count; k++) {
        const char *nm = names + k * stride_bytes;
        if (strncmp(nm, s, n) == 0 && nm[n] == '\0')
            return (int)k;
    }
    return -1;
}

typedef struct jreader {
    zp_ctx *ctx;
    const char *file;
    size_t nerr;
    zp_status st;
} jreader;

static void jdiag(jreader *r, size_t line, const char *fmt, ...) ZP_PRINTF(3, 4);
static void jdiag(jreader *r, size_t line, const char *fmt, ...)
{
    r->nerr++;
    if (r->nerr > SCHED_MAX_DIAGS || r->st)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (zp__diag(r->ctx, ZP_SEV_ERROR, r->file, line > INT32_MAX ? 0 : (int)line, 0, NULL, "%s",
                 msg))
        r->st = ZP_ENOMEM;
}

zp_status zp_sched_jobs_parse(zp_ctx *ctx, zp_sched_problem *p, const char *buf, size_t len,
                              const char *name)
{
    jreader r = {ctx, name ? name : "jobs", 0, ZP_OK};
    const size_t njobs0 = p->njobs, ids0 = p->ids_len;
    const char *fname = r.file;
    zp_status rc = ZP_OK;
    char scratch[SCHED_MAX_LINE];
    field f[C_N + 1];
    int colmap[C_N + 1]; /* field index -> column */
    int have[C_N];
    const char *b = buf, *end = buf + len;
    size_t line = 0;
    if (memchr(buf, '\0', len))
        return zp__error(ctx, ZP_EPARSE, "%s: contains a NUL byte (binary or UTF-16?)", fname);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        b += 3;
    /* Reserve once: one job per line end, so 1M rows do not realloc. */
    size_t lines = 1;
    for (const char *q = b; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
        lines++;
    if (zp__grow(ctx, (void **)&p->jobs, &p->jobs_cap, p->njobs + lines, sizeof *p->jobs))
        return zp__nomem(ctx);
    if (zp__grow(ctx, (void **)&p->ids, &p->ids_cap, p->ids_len + 16 * lines, 1))
        return zp__nomem(ctx);
    int header_done = 0, nf_hdr = 0;
    while (b < end) {
        const char *nl = memchr(b, '\n', (size_t)(end - b));
        const char *e = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        line++;
        if (e > b && e[-1] == '\r')
            e--;
        if ((size_t)(e - b) >= SCHED_MAX_LINE) {
            jdiag(&r, line, "line longer than %d bytes", SCHED_MAX_LINE - 1);
            if (!header_done)
                goto fail;
            b = next;
            continue;
        }
        if (e == b || *b == '#') { /* blank lines and comments carry no job */
            b = next;
            continue;
        }
        int nf = split(b, e, f, C_N + 1, scratch);
        if (!header_done) {
            if (nf < 0) {
                jdiag(&r, line, nf == -1 ? "header: unbalanced quote" : "header: too many columns");
                goto fail;
            }
            memset(have, 0, sizeof have);
            for (int i = 0; i < nf; i++) {
                int c;
                for (c = 0; c < C_N && !field_is(&f[i], col_names[c]); c++)
                    ;
                if (c == C_N || have[c]) {
                    jdiag(&r, line, "header: %s column '%.*s' (columns: id, class, home, region, "
                                    "latency_ms, release, deadline, duration, power_kw, "
                                    "preemptible, min_chunk)",
                          c == C_N ? "unknown" : "repeated", (int)(f[i].n > 40 ? 40 : f[i].n),
                          f[i].s);
                    goto fail;
                }
                have[c] = 1;
                colmap[i] = c;
            }
            static const int required[] = {C_ID, C_CLASS, C_HOME, C_DUR, C_POW};
            for (size_t k = 0; k < ZP_ARRAY_LEN(required); k++)
                if (!have[required[k]]) {
                    jdiag(&r, line, "header: missing column '%s'", col_names[required[k]]);
                    goto fail;
                }
            nf_hdr = nf;
            header_done = 1;
            b = next;
            continue;
        }
        b = next;
        if (nf < 0) {
            jdiag(&r, line, nf == -1 ? "unbalanced quote" : "more fields than the header");
            continue;
        }
        if (nf != nf_hdr) {
            jdiag(&r, line, "%d fields; the header has %d", nf, nf_hdr);
            continue;
        }
        field col[C_N];
        memset(col, 0, sizeof col);
        for (int i = 0; i < nf; i++)
            col[colmap[i]] = f[i];
        zp_sched_job j;
        memset(&j, 0, sizeof j);
        j.line = line > UINT32_MAX ? 0 : (uint32_t)line;
        const size_t e0 = r.nerr;
#define FIELD40(c) (int)(col[c].n > 40 ? 40 : col[c].n), col[c].s
#define BAD(...)                                                                                   \
    do {                                                                                           \
        jdiag(&r, line, __VA_ARGS__);                                                              \
        goto next_row;                                                                             \
    } while (0)
        if (col[C_ID].n == 0)
            BAD("column id: empty: every job needs an id");
        int cls;
        for (cls = 0; cls < 3 && !field_is(&col[C_CLASS], class_names[cls]); cls++)
            ;
        if (cls == 3)
            BAD("column class: '%.*s': use interactive, batch or training",
                (int)(col[C_CLASS].n > 40 ? 40 : col[C_CLASS].n), col[C_CLASS].s);
        j.cls = (uint8_t)cls;
        int h = find_name(col[C_HOME].s, col[C_HOME].n,
                          p->sites[0].name, sizeof(zp_sched_site),
                          p->nsites);
        if (h < 0)
            BAD("column home: '%.*s' is not a site of the sites file",
                (int)(col[C_HOME].n > 40 ? 40 : col[C_HOME].n), col[C_HOME].s);
        j.home = h;
        j.region = -1;
        if (col[C_REGION].n) {
            j.region = find_name(col[C_REGION].s, col[C_REGION].n, (const char *)p->regions,
                                 ZP_SCHED_NAME_MAX, p->nregions);
            if (j.region < 0)
                BAD("column region: '%.*s' is not in the sites file's \"regions\"",
                    (int)(col[C_REGION].n > 40 ? 40 : col[C_REGION].n), col[C_REGION].s);
        }
        if (col[C_LAT].n) {
            int ok = parse_num(&col[C_LAT], &j.latency_ms);
            if (!ok || j.latency_ms < 0 || j.latency_ms > SCHED_MAX_LATENCY_MS)
                BAD("column latency_ms: '%.*s' %s: use a one-way bound of 0..%.15g ms (empty: "
                    "no bound)", FIELD40(C_LAT), ok ? "is out of range" : "is not a number",
                    SCHED_MAX_LATENCY_MS);
        }
        if (j.cls == ZP_JOB_INTERACTIVE && (j.region < 0 || !(j.latency_ms > 0)))
            BAD("interactive job needs a region and a latency_ms bound > 0");
        if (j.latency_ms > 0 && j.region < 0)
            BAD("latency_ms given without a region to measure it from");
        j.release = 0;
        if (col[C_REL].n && !parse_int(&col[C_REL], -SCHED_MAX_SLOT_NUM, SCHED_MAX_SLOT_NUM,
                                       &j.release))
            BAD("column release: '%.*s': use a whole slot number in %d..%d (slot 0 is the "
                "sites file's start)", FIELD40(C_REL), -SCHED_MAX_SLOT_NUM, SCHED_MAX_SLOT_NUM);
        j.deadline = (int32_t)p->nslots;
        if (col[C_DL].n && !parse_int(&col[C_DL], -SCHED_MAX_SLOT_NUM, SCHED_MAX_SLOT_NUM,
                                      &j.deadline))
            BAD("column deadline: '%.*s': use a whole slot number in %d..%d (exclusive)",
                FIELD40(C_DL), -SCHED_MAX_SLOT_NUM, SCHED_MAX_SLOT_NUM);
        if (!parse_int(&col[C_DUR], 1, SCHED_MAX_SLOTS, &j.duration))
            BAD("column duration: '%.*s': use a whole number of slots in 1..%d", FIELD40(C_DUR),
                SCHED_MAX_SLOTS);
        {
            int ok = parse_num(&col[C_POW], &j.power_kw);
            if (!ok || !(j.power_kw >= SCHED_MIN_POWER_KW) || j.power_kw > SCHED_MAX_POWER_KW)
                BAD("column power_kw: '%.*s' %s: use %.15g..%.15g kW", FIELD40(C_POW),
                    ok ? "is out of range" : "is not a number", SCHED_MIN_POWER_KW,
                    SCHED_MAX_POWER_KW);
        }
        j.preemptible = j.cls == ZP_JOB_TRAINING;
        if (col[C_PRE].n) {
            if (field_is(&col[C_PRE], "1") || field_is(&col[C_PRE], "true"))
                j.preemptible = 1;
            else if (field_is(&col[C_PRE], "0") || field_is(&col[C_PRE], "false"))
                j.preemptible = 0;
            else
                BAD("column preemptible: '%.*s': use 0, 1, true or false", FIELD40(C_PRE));
        }
        if (j.preemptible && j.cls == ZP_JOB_INTERACTIVE)
            BAD("interactive jobs cannot be preemptible");
        j.min_chunk = 1;
        if (col[C_CHUNK].n && !parse_int(&col[C_CHUNK], 1, SCHED_MAX_SLOTS, &j.min_chunk))
            BAD("column min_chunk: '%.*s': use a whole number of slots in 1..%d",
                FIELD40(C_CHUNK), SCHED_MAX_SLOTS);
#undef BAD
#undef FIELD40
        if (r.nerr == e0) {
            if (p->njobs >= UINT32_MAX) {
                rc = zp__error(ctx, ZP_ETOOBIG, "%s:%zu: more than 2^32 jobs", fname, line);
                goto out;
            }
            if (zp__grow(ctx, (void **)&p->jobs, &p->jobs_cap, p->njobs + 1, sizeof *p->jobs)) {
                rc = zp__nomem(ctx);
                goto out;
            }
            if ((rc = pool_add(ctx, p, col[C_ID].s, col[C_ID].n, &j.id_off)))
                goto out;
            p->jobs[p->njobs++] = j;
        }
    next_row:;
    }
    if (!header_done) {
        jdiag(&r, line ? line : 1, "no header row: expected id,class,home,region,latency_ms,"
                                   "release,deadline,duration,power_kw,preemptible,min_chunk");
        goto fail;
    }
    if (r.st) {
        rc = zp__nomem(ctx);
        goto out;
    }
    if (r.nerr)
        goto fail;
    return ZP_OK;
fail:
    if (r.st) {
        rc = zp__nomem(ctx);
        goto out;
    }
    {
        char first[512] = "";
        size_t shown = r.nerr < SCHED_MAX_DIAGS ? r.nerr : SCHED_MAX_DIAGS;
        const zp_diag *d = zp_ctx_diag_get(ctx, zp_ctx_diag_count(ctx) - shown);
        if (d)
            zp_diag_format(d, first, sizeof first);
        rc = zp__error(ctx, ZP_EDATA, "%s: %zu bad row%s, no job loaded; first: %s", fname,
                       r.nerr, r.nerr == 1 ? "" : "s", first);
    }
out:
    /* All or nothing: a failed read adds no job. */
    p->njobs = njobs0;
    p->ids_len = ids0;
    return rc;
}

zp_status zp_sched_jobs_load(zp_ctx *ctx, zp_sched_problem *p, const char *path)
{
    char *buf;
    size_t len;
    zp_status rc = read_file(ctx, path, &buf, &len);
    if (rc)
        return rc;
    rc = zp_sched_jobs_parse(ctx, p, buf, len, path);
    zp__free(ctx, buf);
    return rc;
}

/* ---- results ------------------------------------------------------------- */

void zp_sched_result_free(zp_ctx *ctx, zp_sched_result *r)
{
    if (!r)
        return;
    zp__free(ctx, r->place);
    zp__free(ctx, r->slots);
    zp__free(ctx, r->load_kw);
    zp__free(ctx, r);
}

zp_status zp_sched_result_new(zp_ctx *ctx, const zp_sched_problem *p, const char *method,
                              zp_sched_result **out)
{
    *out = NULL;
    zp_sched_result *r = zp__calloc(ctx, 1, sizeof *r);
    if (!r)
        return zp__nomem(ctx);
    r->method = method;
    r->njobs = p->njobs;
    r->nsites = p->nsites;
    r->nslots = p->nslots;
    r->bound = NAN;
    r->bound_raw = NAN;
    r->place = zp__malloc(ctx, (p->njobs ? p->njobs : 1) * sizeof *r->place);
    r->load_kw = zp__calloc(ctx, p->nsites * p->nslots, sizeof *r->load_kw);
    if (!r->place || !r->load_kw) {
        zp_sched_result_free(ctx, r);
        return zp__nomem(ctx);
    }
    for (size_t j = 0; j < p->njobs; j++)
        r->place[j] = (zp_sched_placement){-1, -1, -1, ZP_SCHED_CAPACITY};
    *out = r;
    return ZP_OK;
}

void zp_sched_result_place(zp_sched_result *r, size_t j, int32_t site, int32_t start)
{
    r->place[j] = (zp_sched_placement){site, start, -1, ZP_SCHED_PLACED};
}

zp_status zp_sched_result_place_slots(zp_ctx *ctx, zp_sched_result *r, size_t j, int32_t site,
                                      const int32_t *slots, size_t n)
{
    if (n == 0)
        return zp__error(ctx, ZP_EINVAL, "schedule: placement with no slots");
    if (zp__grow(ctx, (void **)&r->slots, &r->slots_cap, r->nslots_used + n, sizeof *r->slots))
        return zp__nomem(ctx);
    memcpy(r->slots + r->nslots_used, slots, n * sizeof *slots);
    r->place[j] = (zp_sched_placement){site, slots[0], (int64_t)r->nslots_used, ZP_SCHED_PLACED};
    r->nslots_used += n;
    return ZP_OK;
}

void zp_sched_result_reject(zp_sched_result *r, size_t j, zp_sched_reason reason)
{
    r->place[j] = (zp_sched_placement){-1, -1, -1, (uint8_t)reason};
}

size_t zp_sched_result_job_slots(const zp_sched_problem *p, const zp_sched_result *r, size_t j,
                                 int32_t *buf)
{
    const zp_sched_placement *pl = &r->place[j];
    if (pl->site < 0)
        return 0;
    size_t d = (size_t)p->jobs[j].duration;
    for (size_t k = 0; k < d; k++)
        buf[k] = pl->slot_off < 0 ? pl->start + (int32_t)k : r->slots[(size_t)pl->slot_off + k];
    return d;
}

zp_status zp_sched_evaluate(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                            zp_sched_result *r)
{
    zp_sched_opts def;
    if (!opts) {
        zp_sched_opts_init(&def);
        opts = &def;
    }
    const size_t T = p->nslots;
    memset(r->load_kw, 0, p->nsites * T * sizeof *r->load_kw);
    zp_sched_totals *tt = &r->totals;
    memset(tt, 0, sizeof *tt);
    for (size_t j = 0; j < p->njobs; j++) {
        const zp_sched_placement *pl = &r->place[j];
        const zp_sched_job *jb = &p->jobs[j];
        if (pl->site < 0) {
            tt->unplaced++;
            tt->unplaced_by_reason[pl->reason < ZP_SCHED_REASON_LAST ? pl->reason : 0]++;
            continue;
        }
        tt->placed++;
        double *row = r->load_kw + (size_t)pl->site * T;
        for (int32_t k = 0; k < jb->duration; k++) {
            int32_t t = pl->slot_off < 0 ? pl->start + k : r->slots[pl->slot_off + k];
            if (t < 0 || (size_t)t >= T)
                return zp__error(ctx, ZP_EINVAL, "schedule: job '%s' placed in slot %d outside "
                                                 "the horizon", zp_sched_job_id(p, j), t);
            row[t] += jb->power_kw;
        }
    }
    const double h = p->slot_h;
    for (size_t s = 0; s < p->nsites; s++) {
        const zp_sched_site *st = &p->sites[s];
        const double *row = r->load_kw + s * T;
        for (size_t t = 0; t < T; t++) {
            double fac = row[t] * st->pue * h;
            double green = fmin(fac, st->green_kw[t] * h);
            double grid = fac - green;
            tt->it_kwh += row[t] * h;
            tt->facility_kwh += fac;
            tt->green_kwh += green;
            tt->grid_kwh += grid;
            tt->emissions_kg += grid * st->intensity_kg_per_kwh[t];
            tt->cost_cny += grid * st->price_cny_per_kwh[t];
            tt->objective += grid * zp_sched_weight(p, opts->objective, s, t);
            if (row[t] > st->capacity_kw)
                tt->overload_kwh += (row[t] - st->capacity_kw) * h;
        }
    }
    tt->green_share_pct = tt->facility_kwh > 0 ? 100.0 * tt->green_kwh / tt->facility_kwh : 0.0;
    /* The readers bound every input so that these sums stay finite; a
     * problem built in code may not be, and an infinite total is no answer. */
    const double sums[] = {tt->it_kwh,    tt->facility_kwh, tt->green_kwh,
                           tt->grid_kwh,  tt->emissions_kg, tt->cost_cny,
                           tt->objective, tt->overload_kwh, tt->green_share_pct};
    for (size_t k = 0; k < ZP_ARRAY_LEN(sums); k++)
        if (!isfinite(sums[k]))
            return zp__error(ctx, ZP_ERANGE, "schedule (%s): the totals are not finite (IT "
                             "energy %g kWh, emissions %g kg, cost %g CNY): a job's power_kw or "
                             "a site's capacity, green supply, intensity or price is out of "
                             "range (docs/schedule.md, \"Inputs\")",
                             r->method ? r->method : "?", tt->it_kwh, tt->emissions_kg,
                             tt->cost_cny);
    return ZP_OK;
}

/* ---- greedy -------------------------------------------------------------- */

/* c beats best by more than float noise, so equal costs keep the first
 * candidate (home site, earliest start). best may be HUGE_VAL. */
static int better(double c, double best)
{
    return best == HUGE_VAL ? c < HUGE_VAL : c < best - 1e-9 * fabs(best) - 1e-12;
}

/* Job order key: slack in the high bits, then energy descending (the bits
 * of a positive float order like the float), then input order (the sort is
 * stable). Sorted with an LSD radix sort: 1M jobs in a few ms, where qsort
 * with a comparator took a tenth of the greedy's time. */
typedef struct okey {
    uint64_t key;
    uint32_t idx;
    int32_t slack;
} okey;

static void radix_sort(okey *a, okey *tmp, size_t n, int bytes)
{
    size_t cnt[256];
    for (int b = 0; b < bytes; b++) {
        const int sh = 8 * b;
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(a[i].key >> sh) & 255]++;
        size_t sum = 0;
        for (int k = 0; k < 256; k++) {
            size_t c = cnt[k];
            cnt[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[cnt[(a[i].key >> sh) & 255]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
}

typedef struct cslot {
    double c;
    int32_t t;
} cslot;

static int cslot_less(const cslot *a, const cslot *b)
{
    return a->c < b->c || (a->c == b->c && a->t < b->t);
}

/* Reorder a[0..n) so its k smallest come first (any order). Keys are
 * distinct (slot numbers break ties), so Lomuto partitioning is safe. */
static void select_k(cslot *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* invariant: a[0..lo) < a[lo..hi) < a[hi..n) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2, st = lo;
        cslot tmp = a[mid];
        a[mid] = a[hi - 1];
        a[hi - 1] = tmp;
        const cslot piv = a[hi - 1];
        for (size_t i = lo; i < hi - 1; i++)
            if (cslot_less(&a[i], &piv)) {
                tmp = a[i];
                a[i] = a[st];
                a[st++] = tmp;
            }
        a[hi - 1] = a[st];
        a[st] = piv;
        if (st == k || st + 1 == k)
            return;
        if (k < st)
            hi = st;
        else
            lo = st + 1;
    }
}

/* Insertion sort: slot lists are at most a horizon long and mostly short. */
static void sort_slots(int32_t *a, int32_t n)
{
    for (int32_t i = 1; i < n; i++) {
        int32_t v = a[i], k = i;
        while (k > 0 && a[k - 1] > v) {
            a[k] = a[k - 1];
            k--;
        }
        a[k] = v;
    }
}

/* The job's window [*r0, *r1) clipped to the horizon of T slots. */
static void job_window(const zp_sched_job *jb, size_t T, int32_t *r0, int32_t *r1)
{
    *r0 = jb->release > 0 ? jb->release : 0;
    *r1 = jb->deadline < (int64_t)T ? jb->deadline : (int32_t)T;
}

/* Slots to spare in the clipped window; < 0 when the job cannot fit. */
static int64_t job_slack(const zp_sched_job *jb, size_t T)
{
    int32_t r0, r1;
    job_window(jb, T, &r0, &r1);
    return (int64_t)r1 - r0 - jb->duration;
}

typedef struct gstate {
    const zp_sched_problem *p;
    size_t T;
    double *w;     /* [S*T] objective weight per grid kWh x slot_h */
    double *load;  /* [S*T] IT load so far */
    double *mc;    /* [T] marginal cost of the current job at the current site */
    cslot *cs;     /* [T] */
    uint8_t *used; /* [T] */
    int32_t *pick; /* [T] chosen slots */
    double *lb;    /* [S*(T+1)] lower bound of the cost of d slots per kW */
    int32_t *sord; /* [(T+1)*S] sites by lb for each d, or NULL */
    int32_t *freedom; /* [N] allowed sites x (slack + 1), for the repairs */
} gstate;

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Lower bounds for pruning sites. A slot's marginal cost per kW is at least
 * pue * w where the site has no green supply (all load is grid) and at
 * least pue * min(0, w) where it has some; so any d slots at site s cost at
 * least P times the sum of the d smallest of these (lb[s][d]). Sites are
 * then tried cheapest bound first and skipped once P * lb >= the best cost
 * found; in the campus case this skips most dirty sites for movable jobs. */
static zp_status bounds(zp_ctx *ctx, gstate *g, size_t S)
{
    const size_t T = g->T;
    double *tmp = zp__malloc(ctx, T * sizeof *tmp);
    if (!tmp)
        return zp__nomem(ctx);
    for (size_t s = 0; s < S; s++) {
        const zp_sched_site *st = &g->p->sites[s];
        const double *w = g->w + s * T;
        for (size_t t = 0; t < T; t++)
            tmp[t] = st->pue * (st->green_kw[t] > 0 ? fmin(0.0, w[t]) : w[t]);
        qsort(tmp, T, sizeof *tmp, dbl_cmp);
        double *lb = g->lb + s * (T + 1);
        lb[0] = 0;
        for (size_t d = 1; d <= T; d++)
            lb[d] = lb[d - 1] + tmp[d - 1];
        /* shave a little so float rounding never prunes a true optimum */
        for (size_t d = 1; d <= T; d++)
            lb[d] -= 1e-9 * fabs(lb[d]) + 1e-12;
    }
    zp__free(ctx, tmp);
    if (g->sord) {
        for (size_t d = 0; d <= T; d++) {
            int32_t *o = g->sord + d * S;
            for (size_t k = 0; k < S; k++) { /* insertion sort by lb, stable */
                size_t i = k;
                double v = g->lb[k * (T + 1) + d];
                while (i > 0 && g->lb[(size_t)o[i - 1] * (T + 1) + d] > v) {
                    o[i] = o[i - 1];
                    i--;
                }
                o[i] = (int32_t)k;
            }
        }
    }
    return ZP_OK;
}

/* Objective of adding `add` kW of facility load (IT kW x pue) in slot t at
 * a site with green supply G, IT load L and weights w: only what the
 * green left over by L does not cover is charged. */
static inline double slot_cost(const double *G, const double *L, const double *w, double pue,
                               int32_t t, double add)
{
    double gfree = G[t] - L[t] * pue;
    double grid = gfree > 0 ? add - gfree : add;
    return grid > 0 ? grid * w[t] : 0.0;
}

/* Marginal objective of adding P kW at site s in [r0, r1) into g->mc;
 * HUGE_VAL where the capacity would be exceeded. */
static void marginal(gstate *g, size_t s, double P, int32_t r0, int32_t r1)
{
    const zp_sched_site *st = &g->p->sites[s];
    const double *w = g->w + s * g->T, *L = g->load + s * g->T, *G = st->green_kw;
    const double cap = st->capacity_kw * (1 + SCHED_CAP_TOL) - P, pue = st->pue;
    const double add = P * pue;
    double *mc = g->mc;
    for (int32_t t = r0; t < r1; t++)
        mc[t] = L[t] > cap ? HUGE_VAL : slot_cost(G, L, w, pue, t, add);
}

/* Cheapest contiguous window of length d in [r0, r1) of g->mc. Returns the
 * start or -1; *cost gets its sum. */
static int32_t best_window(const gstate *g, int32_t r0, int32_t r1, int32_t d, double *cost)
{
    /* thr is what beats best: better() with its tolerance computed once
     * per new best, not at every slot */
    double sum = 0, best = HUGE_VAL, thr = HUGE_VAL;
    int bad = 0;
    int32_t bs = -1;
    const double *mc = g->mc;
    for (int32_t t = r0; t < r1; t++) {
        if (mc[t] == HUGE_VAL)
            bad++;
        else
            sum += mc[t];
        if (t - r0 >= d) {
            int32_t o = t - d;
            if (mc[o] == HUGE_VAL)
                bad--;
            else
                sum -= mc[o];
        }
        /* a tolerance keeps float drift of the running sum from breaking
         * ties: equal costs keep the earliest start */
        if (t - r0 + 1 >= d && !bad && sum < thr) {
            best = sum;
            thr = best - 1e-9 * fabs(best) - 1e-12;
            bs = t - d + 1;
        }
    }
    *cost = best;
    return bs;
}

/* Preemptible in runs of >= m: the longest chunk (m + d mod m) first,
 * then the other chunks of m, each the cheapest window among the free
 * slots. Fills g->pick sorted; returns the cost or HUGE_VAL. */
static double chunked(gstate *g, int32_t r0, int32_t r1, int32_t d, int32_t m)
{
    int32_t k = d / m, np = 0;
    double total = 0;
    memset(g->used + r0, 0, (size_t)(r1 - r0));
    for (int32_t c = 0; c < k; c++) {
        int32_t len = c == 0 ? m + d % m : m;
        double sum = 0, best = HUGE_VAL;
        int bad = 0;
        int32_t bs = -1;
        for (int32_t t = r0; t < r1; t++) {
            if (g->mc[t] == HUGE_VAL || g->used[t])
                bad++;
            else
                sum += g->mc[t];
            if (t - r0 >= len) {
                int32_t o = t - len;
                if (g->mc[o] == HUGE_VAL || g->used[o])
                    bad--;
                else
                    sum -= g->mc[o];
            }
            if (t - r0 + 1 >= len && !bad && better(sum, best)) {
                best = sum;
                bs = t - len + 1;
            }
        }
        if (bs < 0)
            return HUGE_VAL;
        for (int32_t t = bs; t < bs + len; t++) {
            g->used[t] = 1;
            g->pick[np++] = t;
        }
        total += best;
    }
    sort_slots(g->pick, np);
    return total;
}

/* Cheapest pieces for a preemptible job at the site whose costs are in
 * g->mc: the d cheapest slots (m == 1) or chunks. Fills g->pick (sorted);
 * returns the cost or HUGE_VAL. */
static double pieces(gstate *g, int32_t r0, int32_t r1, int32_t d, int32_t m)
{
    if (m > 1)
        return chunked(g, r0, r1, d, m);
    size_t n = 0;
    for (int32_t t = r0; t < r1; t++)
        if (g->mc[t] != HUGE_VAL)
            g->cs[n++] = (cslot){g->mc[t], t};
    if (n < (size_t)d)
        return HUGE_VAL;
    select_k(g->cs, n, (size_t)d);
    double c = 0;
    for (int32_t q = 0; q < d; q++) {
        c += g->cs[q].c;
        g->pick[q] = g->cs[q].t;
    }
    sort_slots(g->pick, d);
    return c;
}

/* The cheapest placement of job j (release/deadline window already
 * checked) given the loads in g: contiguous at every allowed site, split
 * into pieces where the job allows it. Returns the site (out->cost, start,
 * and out->n > 0 with the slots in bestpick for split placements), -1 when
 * no site has room, -2 when no site is within the job's latency bound. */
typedef struct gplace {
    double cost;
    int32_t start, n;
} gplace;

static int32_t best_place(gstate *g, size_t j, int32_t *sorder, int32_t *bestpick, gplace *out)
{
    const zp_sched_problem *p = g->p;
    const size_t S = p->nsites, T = g->T;
    const zp_sched_job *jb = &p->jobs[j];
    int32_t r0, r1;
    job_window(jb, T, &r0, &r1);
    const int32_t d = jb->duration;
    const int32_t m = jb->min_chunk < d ? jb->min_chunk : d;
    const int split = jb->preemptible && m < d && r1 - r0 > d;
    /* home first, so ties stay at home; then by lower bound */
    size_t ns = 0;
    if (zp_sched_site_allowed(p, j, (size_t)jb->home))
        sorder[ns++] = jb->home;
    const int32_t *so = g->sord ? g->sord + (size_t)d * S : NULL;
    for (size_t k = 0; k < S; k++) {
        size_t s = so ? (size_t)so[k] : k;
        if ((int32_t)s != jb->home && zp_sched_site_allowed(p, j, s))
            sorder[ns++] = (int32_t)s;
    }
    if (ns == 0)
        return -2;
    /* Contiguous placement at every allowed site; splitting (which costs
     * more to evaluate) only at the two sites best for contiguous, or at
     * all of them when none has a contiguous window. Sites rank alike
     * either way because intensity is smooth in time. */
    double best = HUGE_VAL, c1 = HUGE_VAL, c2 = HUGE_VAL;
    int32_t bsite = -1, bstart = -1, bn = 0; /* bn > 0: slot list in bestpick */
    int32_t s1 = -1, s2 = -1;
    for (size_t k = 0; k < ns; k++) {
        const size_t s = (size_t)sorder[k];
        if (jb->power_kw > p->sites[s].capacity_kw * (1 + SCHED_CAP_TOL))
            continue;
        /* c2 bounds what a site must beat to matter (as best or for the
         * split pass); with split jobs keep looking while it is open */
        if (jb->power_kw * g->lb[s * (T + 1) + (size_t)d] >= (split ? c2 : best)) {
            if (so && k > 0)
                break; /* sorted: no later site can do better */
            continue;
        }
        marginal(g, s, jb->power_kw, r0, r1);
        double c;
        int32_t st = best_window(g, r0, r1, d, &c);
        if (st < 0)
            continue;
        if (better(c, best)) {
            best = c;
            bsite = (int32_t)s;
            bstart = st;
        }
        if (better(c, c1)) {
            c2 = c1;
            s2 = s1;
            c1 = c;
            s1 = (int32_t)s;
        } else if (better(c, c2)) {
            c2 = c;
            s2 = (int32_t)s;
        }
    }
    if (split) {
        for (size_t k = 0; k < ns; k++) {
            const size_t s = (size_t)sorder[k];
            if (s1 >= 0 && (int32_t)s != s1 && (int32_t)s != s2)
                continue;
            if (jb->power_kw > p->sites[s].capacity_kw * (1 + SCHED_CAP_TOL))
                continue;
            marginal(g, s, jb->power_kw, r0, r1);
            double c = pieces(g, r0, r1, d, m);
            if (better(c, best)) {
                best = c;
                bsite = (int32_t)s;
                bstart = g->pick[0];
                bn = d;
                memcpy(bestpick, g->pick, (size_t)d * sizeof *bestpick);
            }
        }
    }
    out->cost = best;
    out->start = bstart;
    out->n = bn;
    return bsite;
}

/* Add P kW (negative: remove) at site in slots [start, start + d). */
static void add_run(gstate *g, int32_t site, int32_t start, int32_t d, double P)
{
    double *L = g->load + (size_t)site * g->T;
    for (int32_t t = start; t < start + d; t++)
        L[t] += P;
}

/* Add P kW (negative: remove) at site in the n slots sl. */
static void add_slots(gstate *g, int32_t site, const int32_t *sl, size_t n, double P)
{
    double *L = g->load + (size_t)site * g->T;
    for (size_t k = 0; k < n; k++)
        L[sl[k]] += P;
}

/* Record job j at site with gp (from best_place) and add its load. */
static zp_status put(zp_ctx *ctx, gstate *g, zp_sched_result *r, size_t j, int32_t site,
                     const gplace *gp, const int32_t *bestpick)
{
    const zp_sched_job *jb = &g->p->jobs[j];
    const int32_t bn = gp->n;
    if (bn == 0 || (bestpick[bn - 1] - bestpick[0] == bn - 1)) {
        zp_sched_result_place(r, j, site, gp->start);
        add_run(g, site, gp->start, jb->duration, jb->power_kw);
        return ZP_OK;
    }
    zp_status rc = zp_sched_result_place_slots(ctx, r, j, site, bestpick, (size_t)bn);
    if (rc)
        return rc;
    add_slots(g, site, bestpick, (size_t)bn, jb->power_kw);
    return ZP_OK;
}

/* Repair for a job the greedy left without room: make room by moving
 * others. Candidate windows (allowed site, contiguous start in the job's
 * window) are tried fewest overflowing kWh first; in each, the jobs at
 * that site running in the window are taken out, largest first, until the
 * job fits; it is put there and each job taken out goes back to its
 * cheapest place. If one of them finds none, everything is undone.
 * Returns 1 if placed, 0 if not; *work counts job scans (a budget). */
typedef struct rcand {
    double over;
    int32_t site, start;
} rcand;

static int rcand_cmp(const void *a, const void *b)
{
    const rcand *x = a, *y = b;
    return (x->over > y->over) - (x->over < y->over);
}

typedef struct rtaken {
    size_t j;
    zp_sched_placement pl;
    double P;
    int32_t freedom; /* allowed sites x (slack + 1): how easily it moves */
} rtaken;

/* Most movable first, then largest. */
static int rtaken_cmp(const void *a, const void *b)
{
    const rtaken *x = a, *y = b;
    if (x->freedom != y->freedom)
        return (x->freedom < y->freedom) - (x->freedom > y->freedom);
    return (x->P < y->P) - (x->P > y->P);
}

/* Add (sign +1) or remove (-1) job j's load as placed in r. */
static void load_job(gstate *g, const zp_sched_result *r, size_t j, double sign, int32_t *buf)
{
    const zp_sched_placement *pl = &r->place[j];
    if (pl->site < 0)
        return;
    size_t n = zp_sched_result_job_slots(g->p, r, j, buf);
    add_slots(g, pl->site, buf, n, sign * g->p->jobs[j].power_kw);
}

/* Objective of the loads in g: grid energy after on-site green supply,
 * weighted (g->w holds weight x slot length). */
static double total_objective(const gstate *g)
{
    const zp_sched_problem *p = g->p;
    double obj = 0;
    for (size_t s = 0; s < p->nsites; s++) {
        const zp_sched_site *st = &p->sites[s];
        const double *L = g->load + s * g->T, *w = g->w + s * g->T;
        for (size_t t = 0; t < g->T; t++) {
            double grid = L[t] * st->pue - st->green_kw[t];
            if (grid > 0)
                obj += grid * w[t];
        }
    }
    return obj;
}

/* Two uses. Placement (obj_before NULL, j not placed): j found no room;
 * candidate windows are tried fewest overflowing kWh first. Improvement
 * (obj_before = the objective with j where it was; j taken out by the
 * caller, its cost there `cur`): windows cheaper than cur if capacity did
 * not bind are tried cheapest first, and a move is kept only if the whole
 * objective falls. In each window the jobs at that site running there are
 * taken out, most movable first, until j fits; j is put there and each job
 * taken out goes back to its cheapest place; if one finds none, or the
 * objective did not fall, everything is undone. *placed = 1 when kept.
 * *work counts job scans (a budget). */
static zp_status repair(zp_ctx *ctx, gstate *g, zp_sched_result *r, size_t j, int32_t *sorder,
                        int32_t *bestpick, int32_t *buf, const double *obj_before, double cur,
                        int *placed, uint64_t *work)
{
    const zp_sched_problem *p = g->p;
    const size_t S = p->nsites, T = g->T, N = p->njobs;
    const zp_sched_job *jb = &p->jobs[j];
    int32_t r0, r1;
    job_window(jb, T, &r0, &r1);
    const int32_t d = jb->duration;
    const int improve = obj_before != NULL;
    *placed = 0;
    rcand *cand = zp__malloc(ctx, (S * T + 1) * sizeof *cand);
    rtaken *taken = zp__malloc(ctx, (N + 1) * sizeof *taken);
    if (!cand || !taken) {
        zp__free(ctx, cand);
        zp__free(ctx, taken);
        return zp__nomem(ctx);
    }
    size_t nc = 0;
    for (size_t s = 0; s < S; s++) {
        if (!zp_sched_site_allowed(p, j, s) || jb->power_kw > p->sites[s].capacity_kw)
            continue;
        const zp_sched_site *st_ = &p->sites[s];
        const double *L = g->load + s * T, *w = g->w + s * T, cap = st_->capacity_kw;
        for (int32_t st = r0; st + d <= r1; st++) {
            double over = 0, cost = 0;
            int full = 0;
            for (int32_t t = st; t < st + d; t++) {
                double ex = L[t] + jb->power_kw - cap;
                over += fmax(0.0, ex);
                full |= ex > cap * SCHED_CAP_TOL;
                cost += slot_cost(st_->green_kw, L, w, st_->pue, t, jb->power_kw * st_->pue);
            }
            if (!improve)
                cand[nc++] = (rcand){over, (int32_t)s, st};
            else if (full && cost < cur - 1e-7 * fabs(cur) - 1e-9)
                cand[nc++] = (rcand){cost, (int32_t)s, st};
        }
    }
    qsort(cand, nc, sizeof *cand, rcand_cmp);
    zp_status rc = ZP_OK;
    const size_t tries = improve ? 4 : 16;
    /* the jobs placed at each site, grouped by site (a counting sort) */
    size_t *bystart = zp__calloc(ctx, S + 1, sizeof *bystart);
    size_t *byjob = zp__malloc(ctx, (N ? N : 1) * sizeof *byjob);
    if (!bystart || !byjob) {
        rc = zp__nomem(ctx);
        goto done;
    }
    for (size_t k = 0; k < N; k++)
        if (r->place[k].site >= 0)
            bystart[r->place[k].site + 1]++;
    for (size_t q = 0; q < S; q++)
        bystart[q + 1] += bystart[q];
    {
        size_t *next = zp__malloc(ctx, (S + 1) * sizeof *next);
        if (!next) {
            rc = zp__nomem(ctx);
            goto done;
        }
        memcpy(next, bystart, (S + 1) * sizeof *next);
        for (size_t k = 0; k < N; k++)
            if (r->place[k].site >= 0)
                byjob[next[r->place[k].site]++] = k;
        zp__free(ctx, next);
    }
    *work += N;
    for (size_t c = 0; c < nc && c < tries && !*placed; c++) {
        const size_t s = (size_t)cand[c].site;
        const int32_t st = cand[c].start;
        const double cap = p->sites[s].capacity_kw * (1 + SCHED_CAP_TOL);
        double *L = g->load + s * T;
        size_t nt = 0;
        for (size_t q0 = bystart[s]; q0 < bystart[s + 1]; q0++) {
            const size_t k = byjob[q0];
            const zp_sched_placement *pk = &r->place[k];
            if (k == j || pk->site != (int32_t)s)
                continue;
            int hit = 0;
            if (pk->slot_off < 0) {
                hit = pk->start < st + d && pk->start + p->jobs[k].duration > st;
            } else {
                const int32_t *sl = r->slots + pk->slot_off;
                for (int32_t q = 0; q < p->jobs[k].duration && !hit; q++)
                    hit = sl[q] >= st && sl[q] < st + d;
            }
            if (hit)
                taken[nt++] = (rtaken){k, *pk, p->jobs[k].power_kw, g->freedom[k]};
        }
        *work += bystart[s + 1] - bystart[s];
        /* take out, most movable first (picked one at a time: few are
         * needed), until the window has room */
        size_t out = 0;
        int fits = 0;
        for (;;) {
            fits = 1;
            for (int32_t t = st; t < st + d; t++)
                if (L[t] + jb->power_kw > cap)
                    fits = 0;
            if (fits || out == nt)
                break;
            size_t pick = out;
            for (size_t k = out + 1; k < nt; k++)
                if (rtaken_cmp(&taken[k], &taken[pick]) < 0)
                    pick = k;
            rtaken tk = taken[pick];
            taken[pick] = taken[out];
            taken[out] = tk;
            load_job(g, r, taken[out].j, -1, buf);
            zp_sched_result_reject(r, taken[out].j, ZP_SCHED_CAPACITY);
            out++;
        }
        if (fits) {
            zp_sched_result_place(r, j, (int32_t)s, st);
            add_run(g, (int32_t)s, st, d, jb->power_kw);
            size_t back = 0;
            for (; back < out; back++) {
                gplace gp;
                int32_t bs = best_place(g, taken[back].j, sorder, bestpick, &gp);
                if (bs < 0)
                    break;
                if ((rc = put(ctx, g, r, taken[back].j, bs, &gp, bestpick)))
                    goto done;
            }
            if (back == out && (!improve || total_objective(g) < *obj_before -
                                                    1e-9 * fabs(*obj_before) - 1e-9)) {
                *placed = 1;
                break;
            }
            /* undo: the ones put back, the job, then restore the others */
            for (size_t k = 0; k < back; k++)
                load_job(g, r, taken[k].j, -1, buf);
            add_run(g, (int32_t)s, st, d, -jb->power_kw);
            zp_sched_result_reject(r, j, ZP_SCHED_CAPACITY);
        }
        for (size_t k = 0; k < out; k++) {
            r->place[taken[k].j] = taken[k].pl;
            load_job(g, r, taken[k].j, +1, buf);
        }
    }
done:
    zp__free(ctx, bystart);
    zp__free(ctx, byjob);
    zp__free(ctx, cand);
    zp__free(ctx, taken);
    return rc;
}

/* One greedy run. restart 0 takes jobs tightest first, then largest;
 * restart k > 0 perturbs that order with seeded noise (slack + 0..2 slots,
 * energy x 0.5..1.5), so the restarts explore other orders. */
static zp_status greedy_run(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                            uint64_t restart, zp_sched_result **out)
{
    *out = NULL;
    const double t0 = now_s();
    uint64_t noise = restart * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    const size_t S = p->nsites, T = p->nslots, N = p->njobs;
    zp_sched_result *r = NULL;
    okey *ord = NULL, *tmp = NULL;
    int32_t *sorder = NULL, *bestpick = NULL, *curslots = NULL;
    gstate g = {p, T, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    zp_status rc = zp_sched_result_new(ctx, p, "greedy", &r);
    if (rc)
        return rc;
    ord = zp__malloc(ctx, (N ? N : 1) * sizeof *ord);
    tmp = zp__malloc(ctx, (N ? N : 1) * sizeof *tmp);
    sorder = zp__malloc(ctx, S * sizeof *sorder);
    g.w = zp__malloc(ctx, S * T * sizeof *g.w);
    g.load = r->load_kw; /* filled as we go; evaluate recomputes it */
    g.mc = zp__malloc(ctx, T * sizeof *g.mc);
    g.cs = zp__malloc(ctx, T * sizeof *g.cs);
    g.used = zp__malloc(ctx, T);
    g.pick = zp__malloc(ctx, T * sizeof *g.pick);
    bestpick = zp__malloc(ctx, T * sizeof *bestpick);
    curslots = zp__malloc(ctx, T * sizeof *curslots);
    g.lb = zp__malloc(ctx, S * (T + 1) * sizeof *g.lb);
    /* the per-d site order is small for campus-sized problems only */
    if ((T + 1) * S <= ((size_t)4 << 20))
        g.sord = zp__malloc(ctx, (T + 1) * S * sizeof *g.sord);
    if (!ord || !tmp || !sorder || !g.w || !g.mc || !g.cs || !g.used || !g.pick || !bestpick || !curslots ||
        !g.lb || ((T + 1) * S <= ((size_t)4 << 20) && !g.sord)) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t s = 0; s < S; s++)
        for (size_t t = 0; t < T; t++)
            g.w[s * T + t] = zp_sched_weight(p, opts->objective, s, t) * p->slot_h;
    if ((rc = bounds(ctx, &g, S)))
        goto out;
    /* Tight jobs first (they have the fewest options), then big ones. */
    for (size_t j = 0; j < N; j++) {
        const zp_sched_job *jb = &p->jobs[j];
        const int64_t slack = job_slack(jb, T);
        /* slack < 0 (window) sorts first; the horizon caps it at T */
        int32_t sl = slack < -1 ? -1 : (int32_t)slack;
        float e = (float)(jb->power_kw * jb->duration);
        if (restart && sl >= 0) {
            noise ^= noise >> 12;
            noise ^= noise << 25;
            noise ^= noise >> 27;
            uint64_t u = noise * 2685821657736338717ull;
            sl += (int32_t)(u >> 62) % 3;
            e *= (float)(0.5 + (double)((u >> 11) & 0xFFFFF) / 1048576.0);
        }
        uint32_t eb;
        memcpy(&eb, &e, sizeof eb);
        ord[j].slack = sl;
        ord[j].idx = (uint32_t)j;
        ord[j].key = ((uint64_t)(uint32_t)(sl + 1) << 32) | (uint64_t)(UINT32_MAX - eb);
    }
    radix_sort(ord, tmp, N, T + 1 < 255 ? 5 : T + 1 < 65535 ? 6 : 8);
    for (size_t oi = 0; oi < N; oi++) {
        const size_t j = ord[oi].idx;
#if defined(__GNUC__)
        /* jobs are visited in sorted order, i.e. at random in memory */
        if (oi + 8 < N)
            __builtin_prefetch(&p->jobs[ord[oi + 8].idx]);
#endif
        if (ord[oi].slack < 0) {
            zp_sched_result_reject(r, j, ZP_SCHED_WINDOW);
            continue;
        }
        gplace gp;
        const int32_t bsite = best_place(&g, j, sorder, bestpick, &gp);
        if (bsite == -2) {
            zp_sched_result_reject(r, j, ZP_SCHED_LATENCY);
            continue;
        }
        if (bsite < 0) {
            zp_sched_result_reject(r, j, ZP_SCHED_CAPACITY);
            continue;
        }
        if ((rc = put(ctx, &g, r, j, bsite, &gp, bestpick)))
            goto out;
    }
    /* Improvement: each job in turn taken out and put back at its cheapest
     * place given all the others (jobs that found no room are tried again),
     * until a pass moves nothing or the pass budget is spent. */
    int passes = opts->improve_passes < 0 ? 0 : opts->improve_passes;
    if (opts->improve_passes == 0)
        passes = N <= 200000 ? 8 : 0;
    uint64_t repair_work = 0;
    /* ejection moves evaluate the whole objective: small problems only */
    const int eject = (uint64_t)N * S * T <= ((uint64_t)1 << 24);
    if (passes > 0) {
        if (!(g.freedom = zp__malloc(ctx, (N ? N : 1) * sizeof *g.freedom))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        for (size_t k = 0; k < N; k++) {
            int32_t ns = 0;
            for (size_t s2 = 0; s2 < S; s2++)
                ns += zp_sched_site_allowed(p, k, s2) != 0;
            const int64_t slack = job_slack(&p->jobs[k], T);
            g.freedom[k] = ns * (int32_t)(slack < 0 ? 0 : slack + 1);
        }
    }
    for (int pass = 0; pass < passes; pass++) {
        size_t moved = 0;
        /* jobs without room: make room by moving others (bounded work) */
        for (size_t oi = 0; oi < N && repair_work < ((uint64_t)1 << 24); oi++) {
            const size_t j = ord[oi].idx;
            if (r->place[j].site >= 0 || r->place[j].reason != ZP_SCHED_CAPACITY)
                continue;
            int ok = 0;
            if ((rc = repair(ctx, &g, r, j, sorder, bestpick, curslots, NULL, 0, &ok,
                              &repair_work)))
                goto out;
            moved += (size_t)ok;
        }
        for (size_t oi = 0; oi < N; oi++) {
            const size_t j = ord[oi].idx;
            const zp_sched_job *jb = &p->jobs[j];
            const zp_sched_placement pl = r->place[j];
            if (pl.site < 0 && pl.reason != ZP_SCHED_CAPACITY)
                continue; /* window or latency: no place can exist */
            double cur = HUGE_VAL;
            size_t n = 0;
            if (pl.site >= 0) {
                n = zp_sched_result_job_slots(p, r, j, g.pick);
                add_slots(&g, pl.site, g.pick, n, -jb->power_kw);
                marginal(&g, (size_t)pl.site, jb->power_kw, g.pick[0], g.pick[n - 1] + 1);
                cur = 0;
                for (size_t k = 0; k < n; k++)
                    cur += g.mc[g.pick[k]];
                memcpy(curslots, g.pick, n * sizeof *curslots);
            }
            gplace gp;
            const int32_t bsite = best_place(&g, j, sorder, bestpick, &gp);
            /* move only for a real gain: float noise must not cycle */
            if (bsite >= 0 && (cur == HUGE_VAL || gp.cost < cur - 1e-7 * fabs(cur) - 1e-9)) {
                if ((rc = put(ctx, &g, r, j, bsite, &gp, bestpick)))
                    goto out;
                moved++;
                continue;
            }
            if (pl.site < 0)
                continue;
            /* no cheaper free place: try a cheaper full one, moving others
             * out of the way, if the whole objective falls (small problems) */
            int ok = 0;
            if (eject && repair_work < ((uint64_t)1 << 24)) {
                add_slots(&g, pl.site, curslots, n, jb->power_kw);
                const double before = total_objective(&g);
                add_slots(&g, pl.site, curslots, n, -jb->power_kw);
                r->place[j].site = -1;
                if ((rc = repair(ctx, &g, r, j, sorder, bestpick, g.pick, &before, cur, &ok,
                                 &repair_work)))
                    goto out;
                if (!ok)
                    r->place[j] = pl;
            }
            if (ok) {
                moved++;
            } else {
                add_slots(&g, pl.site, curslots, n, jb->power_kw);
            }
        }
        r->improve_passes = pass + 1;
        if (!moved)
            break;
    }
    if ((rc = zp_sched_evaluate(ctx, p, opts, r)))
        goto out;
    r->seconds = now_s() - t0;
    *out = r;
    r = NULL;
out:
    zp_sched_result_free(ctx, r);
    zp__free(ctx, ord);
    zp__free(ctx, tmp);
    zp__free(ctx, sorder);
    zp__free(ctx, g.w);
    zp__free(ctx, g.mc);
    zp__free(ctx, g.cs);
    zp__free(ctx, g.used);
    zp__free(ctx, g.pick);
    zp__free(ctx, bestpick);
    zp__free(ctx, curslots);
    zp__free(ctx, g.lb);
    zp__free(ctx, g.sord);
    zp__free(ctx, g.freedom);
    return rc;
}

/* Better: more jobs placed, then a lower objective (by more than noise). */
static int sched_better(const zp_sched_result *a, const zp_sched_result *b)
{
    if (a->totals.placed != b->totals.placed)
        return a->totals.placed > b->totals.placed;
    return a->totals.objective < b->totals.objective - 1e-9 * fabs(b->totals.objective) - 1e-12;
}

zp_status zp_sched_greedy(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                          zp_sched_result **out)
{
    zp_sched_opts def;
    if (!opts) {
        zp_sched_opts_init(&def);
        opts = &def;
    }
    *out = NULL;
    const double t0 = now_s();
    zp_sched_result *best = NULL;
    zp_status rc = greedy_run(ctx, p, opts, 0, &best);
    if (rc)
        return rc;
    /* Restarts in other job orders, keeping the best: small problems only
     * (each restart costs a full run with its improvement passes). */
    int restarts = opts->restarts;
    if (restarts == 0)
        restarts = (uint64_t)p->njobs * p->nsites * p->nslots <= ((uint64_t)1 << 16) ? 16 : 0;
    for (int k = 1; k <= restarts; k++) {
        zp_sched_result *r = NULL;
        if ((rc = greedy_run(ctx, p, opts, (uint64_t)k + opts->seed, &r))) {
            zp_sched_result_free(ctx, best);
            return rc;
        }
        if (sched_better(r, best)) {
            zp_sched_result_free(ctx, best);
            best = r;
        } else {
            zp_sched_result_free(ctx, r);
        }
    }
    best->seconds = now_s() - t0;
    *out = best;
    return ZP_OK;
}

/* ---- baselines ------------------------------------------------------------- */

zp_status zp_sched_baseline_run(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_opts *opts,
                                zp_sched_baseline which, zp_sched_result **out)
{
    *out = NULL;
    const double t0 = now_s();
    const size_t T = p->nslots, N = p->njobs;
    zp_sched_result *r = NULL;
    uint32_t *ord = NULL;
    size_t *cnt = NULL;
    zp_status rc = zp_sched_result_new(
        ctx, p, which == ZP_SCHED_RUN_NOW ? "run_now" : "carbon_aware_sdk", &r);
    if (rc)
        return rc;
    ord = zp__malloc(ctx, (N ? N : 1) * sizeof *ord);
    cnt = zp__calloc(ctx, T + 2, sizeof *cnt);
    if (!ord || !cnt) {
        rc = zp__nomem(ctx);
        goto out;
    }
    /* Run-now serves jobs first come, first served: a stable counting sort
     * by release (clamped to the horizon). The SDK rule ignores the others,
     * so order does not matter to it. */
    for (size_t j = 0; j < N; j++) {
        int32_t rel = p->jobs[j].release;
        cnt[rel < 0 ? 1 : (size_t)rel >= T ? T + 1 : (size_t)rel + 1]++;
    }
    for (size_t t = 1; t < T + 2; t++)
        cnt[t] += cnt[t - 1];
    for (size_t j = 0; j < N; j++) {
        int32_t rel = p->jobs[j].release;
        ord[cnt[rel < 0 ? 0 : (size_t)rel >= T ? T : (size_t)rel]++] = (uint32_t)j;
    }
    for (size_t oi = 0; oi < N; oi++) {
        const size_t j = ord[oi];
        const zp_sched_job *jb = &p->jobs[j];
        int32_t r0, r1;
        job_window(jb, T, &r0, &r1);
        const int32_t d = jb->duration;
        if ((int64_t)r1 - r0 < d) {
            zp_sched_result_reject(r, j, ZP_SCHED_WINDOW);
            continue;
        }
        const zp_sched_site *st = &p->sites[jb->home];
        double *L = r->load_kw + (size_t)jb->home * T;
        int32_t found = -1;
        if (which == ZP_SCHED_RUN_NOW) {
            const double cap = st->capacity_kw * (1 + SCHED_CAP_TOL);
            int32_t run = 0; /* free slots in a row ending at t */
            for (int32_t t = r0; t < r1 && found < 0; t++) {
                run = L[t] + jb->power_kw <= cap ? run + 1 : 0;
                if (run >= d)
                    found = t - d + 1;
            }
            if (found < 0) {
                zp_sched_result_reject(r, j, ZP_SCHED_CAPACITY);
                continue;
            }
            for (int32_t t = found; t < found + d; t++)
                L[t] += jb->power_kw;
        } else {
            const double *I = st->intensity_kg_per_kwh;
            double sum = 0, best = HUGE_VAL;
            for (int32_t t = r0; t < r1; t++) {
                sum += I[t];
                if (t - r0 >= d)
                    sum -= I[t - d];
                if (t - r0 + 1 >= d && better(sum, best)) {
                    best = sum;
                    found = t - d + 1;
                }
            }
        }
        zp_sched_result_place(r, j, jb->home, found);
    }
    if ((rc = zp_sched_evaluate(ctx, p, opts, r)))
        goto out;
    r->seconds = now_s() - t0;
    *out = r;
    r = NULL;
out:
    zp_sched_result_free(ctx, r);
    zp__free(ctx, ord);
    zp__free(ctx, cnt);
    return rc;
}

/* ---- comparison with a baseline ---------------------------------------- */

const char *zp_sched_cmp_basis_name(zp_sched_cmp_basis b)
{
    switch (b) {
    case ZP_SCHED_CMP_SAME_JOBS: return "same_jobs";
    case ZP_SCHED_CMP_PER_IT_KWH: return "per_it_kwh";
    case ZP_SCHED_CMP_NONE:
    default: return "none";
    }
}

/* 100 x (base - x) / base, NAN unless base > 0 and both are finite. */
static double reduction_pct(double base, double x)
{
    if (!(base > 0) || !isfinite(base) || !isfinite(x))
        return NAN;
    return 100.0 * (base - x) / base;
}

zp_status zp_sched_compare(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                           const zp_sched_result *b, zp_sched_reduction *out)
{
    memset(out, 0, sizeof *out);
    out->emissions_pct = NAN;
    out->objective_pct = NAN;
    if (r->njobs != p->njobs || b->njobs != p->njobs)
        return zp__error(ctx, ZP_EINVAL, "schedule compare: results are for another problem");
    const zp_sched_totals *a = &r->totals, *z = &b->totals;
    out->placed = a->placed;
    out->base_placed = z->placed;
    out->njobs = p->njobs;
    if (a->placed == 0 || z->placed == 0)
        return ZP_OK; /* nothing to compare: no "100 % less" for an empty schedule */
    int same = a->placed == z->placed;
    for (size_t j = 0; j < p->njobs && same; j++)
        same = (r->place[j].site >= 0) == (b->place[j].site >= 0);
    if (same) {
        out->basis = ZP_SCHED_CMP_SAME_JOBS;
        out->emissions_pct = reduction_pct(z->emissions_kg, a->emissions_kg);
        out->objective_pct = reduction_pct(z->objective, a->objective);
    } else if (a->it_kwh > 0 && z->it_kwh > 0) {
        out->basis = ZP_SCHED_CMP_PER_IT_KWH;
        out->emissions_pct = reduction_pct(z->emissions_kg / z->it_kwh, a->emissions_kg / a->it_kwh);
        out->objective_pct = reduction_pct(z->objective / z->it_kwh, a->objective / a->it_kwh);
    }
    return ZP_OK;
}

/* ---- checker --------------------------------------------------------------
 * Deliberately shares no code with the solvers: its own load array, its own
 * reading of the placement. */

typedef struct checker {
    zp_ctx *ctx;
    const zp_sched_problem *p;
    size_t n;
    zp_status st;
} checker;

static void violation(checker *c, size_t j, const char *fmt, ...) ZP_PRINTF(3, 4);
static void violation(checker *c, size_t j, const char *fmt, ...)
{
    c->n++;
    if (c->n > SCHED_MAX_DIAGS || c->st)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    zp_status rc;
    if (j == SIZE_MAX)
        rc = zp__diag(c->ctx, ZP_SEV_ERROR, NULL, 0, 0, NULL, "%s", msg);
    else
        rc = zp__diag(c->ctx, ZP_SEV_ERROR, NULL, (int)c->p->jobs[j].line, 0, NULL, "job '%s': %s",
                      zp_sched_job_id(c->p, j), msg);
    if (rc)
        c->st = rc;
}

zp_status zp_sched_check(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                         unsigned flags, size_t *violations)
{
    checker c = {ctx, p, 0, ZP_OK};
    const size_t T = p->nslots;
    if (violations)
        *violations = 0;
    if (r->njobs != p->njobs || r->nsites != p->nsites || r->nslots != T)
        return zp__error(ctx, ZP_EINVAL, "schedule check: result is for another problem");
    double *load = zp__calloc(ctx, p->nsites * T, sizeof *load);
    if (!load)
        return zp__nomem(ctx);
    for (size_t j = 0; j < p->njobs; j++) {
        const zp_sched_job *jb = &p->jobs[j];
        const zp_sched_placement *pl = &r->place[j];
        if (pl->site < 0) {
            if (pl->reason == ZP_SCHED_PLACED || pl->reason >= ZP_SCHED_REASON_LAST)
                violation(&c, j, "not placed and no valid reason (%u)", pl->reason);
            continue;
        }
        if (pl->reason != ZP_SCHED_PLACED)
            violation(&c, j, "placed but marked '%s'", zp_sched_reason_name(pl->reason));
        if ((size_t)pl->site >= p->nsites) {
            violation(&c, j, "site %d does not exist", pl->site);
            continue;
        }
        const size_t s = (size_t)pl->site;
        if (!(flags & ZP_SCHED_CHECK_NO_LATENCY) && jb->region >= 0 && jb->latency_ms > 0 &&
            !(p->latency_ms[(size_t)jb->region * p->nsites + s] <= jb->latency_ms))
            violation(&c, j, "site %s is %g ms from %s; the bound is %g ms", p->sites[s].name,
                      p->latency_ms[(size_t)jb->region * p->nsites + s], p->regions[jb->region],
                      jb->latency_ms);
        if (pl->slot_off >= 0 &&
            ((size_t)pl->slot_off > r->nslots_used ||
             r->nslots_used - (size_t)pl->slot_off < (size_t)jb->duration)) {
            violation(&c, j, "slot list out of range");
            continue;
        }
        int32_t prev = INT32_MIN, runlen = 0, minrun = INT32_MAX;
        int contiguous = 1;
        const int32_t m = jb->min_chunk < jb->duration ? jb->min_chunk : jb->duration;
        for (int32_t k = 0; k < jb->duration; k++) {
            int32_t t = pl->slot_off < 0 ? pl->start + k : r->slots[pl->slot_off + k];
            if (t < 0 || (size_t)t >= T) {
                violation(&c, j, "slot %d outside the horizon 0..%zu", t, T - 1);
                goto next_job;
            }
            if (t < jb->release)
                violation(&c, j, "runs in slot %d before its release %d", t, jb->release);
            if (t >= jb->deadline)
                violation(&c, j, "runs in slot %d, not before its deadline %d", t, jb->deadline);
            if (prev != INT32_MIN && t <= prev) {
                violation(&c, j, "slots not ascending (%d after %d)", t, prev);
                goto next_job;
            }
            if (prev != INT32_MIN && t != prev + 1) {
                contiguous = 0;
                if (runlen < minrun)
                    minrun = runlen;
                runlen = 0;
            }
            runlen++;
            prev = t;
            load[s * T + (size_t)t] += jb->power_kw;
        }
        if (runlen < minrun)
            minrun = runlen;
        if (!jb->preemptible && !contiguous)
            violation(&c, j, "non-preemptible job runs in pieces");
        if (jb->preemptible && minrun < m)
            violation(&c, j, "runs %d slot%s in a row; min_chunk is %d", minrun,
                      minrun == 1 ? "" : "s", m);
    next_job:;
    }
    if (!(flags & ZP_SCHED_CHECK_NO_CAPACITY))
        for (size_t s = 0; s < p->nsites; s++)
            for (size_t t = 0; t < T; t++) {
                double cap = p->sites[s].capacity_kw;
                if (load[s * T + t] > cap * (1 + SCHED_CAP_TOL) + 1e-9)
                    violation(&c, SIZE_MAX, "site %s slot %zu: load %.6g kW exceeds capacity %.6g kW",
                              p->sites[s].name, t, load[s * T + t], cap);
            }
    zp__free(ctx, load);
    if (c.st)
        return zp__nomem(ctx);
    if (violations)
        *violations = c.n;
    if (c.n)
        return zp__error(ctx, ZP_EDATA, "schedule check (%s): %zu violation%s",
                         r->method ? r->method : "?", c.n, c.n == 1 ? "" : "s");
    return ZP_OK;
}

/* ---- coupling -------------------------------------------------------------- */

zp_status zp_sched_site_load_csv(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                                 size_t s, char **out, size_t *len)
{
    *out = NULL;
    if (s >= p->nsites)
        return zp__error(ctx, ZP_EINVAL, "schedule: site %zu out of range", s);
    size_t cap = 32 + p->nslots * 64, n = 0;
    char *buf = zp__malloc(ctx, cap);
    if (!buf)
        return zp__nomem(ctx);
    n += (size_t)snprintf(buf, cap, "time,it_kw\n");
    for (size_t t = 0; t < p->nslots; t++) {
        char tb[ZP_TIME_BUFSIZE];
        zp_time_t at = p->start + (zp_time_t)llround((double)t * p->slot_h * 3600.0);
        n += (size_t)snprintf(buf + n, cap - n, "%s,%.6f\n",
                              zp_time_format(at, p->offset_min, tb),
                              r->load_kw[s * p->nslots + t]);
    }
    *out = buf;
    if (len)
        *len = n;
    return ZP_OK;
}

void zp_sched_text_free(zp_ctx *ctx, char *text)
{
    zp__free(ctx, text);
}



/* ---- coupling with a park model ----------------------------------------- */


/* Seconds from the start of its local calendar year to local time u
 * (u = UTC + offset). */
static int64_t into_local_year(zp_time_t u)
{
    int64_t days = zp__fdiv(u, 86400), y;
    unsigned mo, d;
    zp_civil_from_days(days, &y, &mo, &d);
    return u - zp_days_from_civil(y, 1, 1) * 86400;
}

/* Slot length in whole minutes that divide an hour, as park runs need. */
static zp_status park_slot_min(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_site *ps,
                               int32_t *out)
{
    int32_t slot_min = (int32_t)lround(p->slot_h * 60.0);
    if (slot_min <= 0 || 60 % slot_min != 0 || fabs(slot_min - p->slot_h * 60.0) > 1e-9)
        return zp__error(ctx, ZP_EUNSUPPORTED, "site '%s': a park model needs slots of 1, 5, 10, "
                         "15, 30 or 60 minutes", ps->name);
    *out = slot_min;
    return ZP_OK;
}

/* What both park couplings start with: site s's park model loaded, its
 * path (for messages; the caller frees it) and the slot length. */
static zp_status park_open(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_site *ps,
                           const char *sites_path, char **path, int32_t *slot_min, zp_model **m)
{
    *path = NULL;
    *m = NULL;
    if (!ps->park_model)
        return zp__error(ctx, ZP_EINVAL, "site '%s' names no park model", ps->name);
    if (!(*path = path_beside(ctx, sites_path, ps->park_model)))
        return zp__nomem(ctx);
    zp_status rc = park_slot_min(ctx, p, ps, slot_min);
    if (!rc && (rc = zp_model_load_file(ctx, *path, 0, m)) != ZP_OK && rc != ZP_ENOMEM) {
        /* say which entry of the sites file named the model, and where it was looked for */
        char msg[768], at[32] = "";
        snprintf(msg, sizeof msg, "%s", zp_ctx_errmsg(ctx));
        if (ps->park_model_line > 0)
            snprintf(at, sizeof at, ":%d:%d", ps->park_model_line, ps->park_model_col);
        rc = zp__error(ctx, rc, "%s%s: sites[%zu].park_model: site '%s': park model %s%s: %s",
                       sites_path ? sites_path : "sites", at, (size_t)(ps - p->sites), ps->name,
                       *path, ps->park_model[0] == '/' ? "" : " (relative to the sites file)",
                       msg);
    }
    return rc;
}

zp_status zp_sched_site_use_park(zp_ctx *ctx, zp_sched_problem *p, size_t s,
                                 const char *sites_path, zp_sched_park_info *info)
{
    zp_sched_site *ps = &p->sites[s];
    zp_model *m = NULL;
    zp_sim_result *r = NULL;
    char *path = NULL;
    int32_t slot_min = 0;
    zp_status rc = park_open(ctx, p, ps, sites_path, &path, &slot_min, &m);
    if (rc)
        goto out;
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.step_min = slot_min;
    if ((rc = zp_simulate(ctx, m, &so, &r)))
        goto out;
    const double *cur = NULL;
    for (size_t c = 1; c < zp_sim_column_count(r); c++)
        if (strcmp(zp_sim_column_name(r, c), "curtailed_kw") == 0)
            cur = zp_sim_column(r, c);
    if (!cur) {
        rc = zp__error(ctx, ZP_EINVAL, "site '%s': the park's simulation has no curtailed_kw", ps->name);
        goto out;
    }
    /* Each slot takes the park's surplus at the same local time of year
     * (the park's model year may not be the schedule's year). */
    const int64_t step = r->step_s, n = (int64_t)r->steps;
    const int32_t off = m->utc_offset_min;
    double sum = 0;
    for (size_t t = 0; t < p->nslots; t++) {
        zp_time_t u = p->start + (zp_time_t)llround((double)t * p->slot_h * 3600.0) + off * 60;
        int64_t k = (into_local_year(u) / step) % n;
        ps->green_kw[t] = cur[k];
        sum += cur[k];
    }
    if (m->datacenter.present)
        ps->pue = m->datacenter.pue;
    if (info) {
        info->mean_green_kw = p->nslots ? sum / (double)p->nslots : 0;
        info->pue = ps->pue;
        info->green_share_hourly_pct = r->green_share_hourly_pct;
    }
out:
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp__free(ctx, path);
    return rc;
}

zp_status zp_sched_park_share_of(zp_ctx *ctx, const zp_sched_problem *p, size_t s,
                                 const char *sites_path, const zp_sched_result *r,
                                 zp_sched_park_share *out)
{
    memset(out, 0, sizeof *out);
    if (s >= p->nsites || !r)
        return zp__error(ctx, ZP_EINVAL, "schedule: site %zu out of range", s);
    const zp_sched_site *ps = &p->sites[s];
    zp_model *m = NULL;
    zp_sim_result *sr = NULL;
    zp_series *it = NULL;
    int32_t slot_min = 0;
    char *path = NULL;
    zp_status rc = park_open(ctx, p, ps, sites_path, &path, &slot_min, &m);
    if (rc)
        goto out;
    if (!m->datacenter.present) {
        rc = zp__error(ctx, ZP_EINVAL, "site '%s': park model %s has no data center to take the "
                       "site's load", ps->name, path);
        goto out;
    }
    /* The window: the schedule's start at the same local time of year in
     * the model's first year. */
    const int32_t off = m->utc_offset_min;
    const zp_time_t model_year0 = m->start + off * 60 - into_local_year(m->start + off * 60);
    const zp_time_t from = model_year0 - off * 60 + into_local_year(p->start + off * 60);
    const int32_t step_s = slot_min * 60;
    const zp_time_t to = from + (zp_time_t)p->nslots * step_s;
    if (from < m->start || to > m->end) {
        char a[ZP_TIME_BUFSIZE], b[ZP_TIME_BUFSIZE];
        rc = zp__error(ctx, ZP_ERANGE, "site '%s': the schedule's window, %s to %s in the park "
                       "model's year, is not inside the model's period", ps->name,
                       zp_time_format(from, off, a), zp_time_format(to, off, b));
        goto out;
    }
    if ((rc = zp_series_new(ctx, "datacenter.it_kw", ZP_SERIES_POWER, from, step_s, p->nslots, &it)))
        goto out;
    for (size_t t = 0; t < p->nslots; t++) {
        it->v[t] = r->load_kw[s * p->nslots + t];
        out->it_kwh += it->v[t] * p->slot_h;
    }
    /* The model owns its values: swap the schedule's load in, run, swap
     * back so that the model frees what it allocated. */
    zp_value saved = m->datacenter.it_power_kw;
    zp_flexible saved_flex = m->datacenter.flexible;
    m->datacenter.it_power_kw = (zp_value){.is_series = 1, .series = it, .csv = (char *)"schedule",
                                           .column = (char *)"it_kw"};
    m->datacenter.flexible.present = 0;
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.step_min = slot_min;
    so.from = from;
    so.to = to;
    rc = zp_simulate(ctx, m, &so, &sr);
    m->datacenter.it_power_kw = saved;
    m->datacenter.flexible = saved_flex;
    if (rc)
        goto out;
    const zp_sim_energy *e = &sr->energy_kwh;
    out->consumption_kwh = e->load + e->datacenter_facility;
    out->grid_import_kwh = e->grid_import;
    out->curtailed_kwh = e->curtailed;
    out->green_share_hourly_pct = sr->green_share_hourly_pct;
    out->green_share_volumetric_pct = sr->green_share_volumetric_pct;
    out->scope2_location_t = sr->emissions_t.scope2_location;
out:
    zp_sim_result_free(ctx, sr);
    zp_series_free(ctx, it);
    zp_model_free(ctx, m);
    zp__free(ctx, path);
    return rc;
}
