/*
 * model.c - the park model: parse JSON, validate, load series.
 *
 * Loading runs in four steps:
 *   1. The JSON reader (core/jsonread.h) parses the text (a syntax error
 *      is one diagnostic) and indexes where every value is.
 *   2. Validation walks the tree and fills the zp_model. The reader
 *      collects the problems with their positions, then sorts them by
 *      position and hands them to the context, so they read top to bottom
 *      like a compiler's. Validation never stops at the first problem.
 *   3. Unless ZP_MODEL_NO_SERIES, files are touched: the weather header is
 *      checked and each series reference is read and aligned to the
 *      period. CSV problems keep the CSV reader's own diagnostics and add
 *      one at the JSON path of the reference.
 *   4. The live devices (model/devices.c, "devices") are read from the
 *      same tree, in the model's words for them;
 *      their problems follow, in the order found.
 * Any error diagnostic makes the load fail with ZP_EMODEL and free
 * everything built so far; running out of memory anywhere gives ZP_ENOMEM.
 */
#include "zeropark/model.h"

#include "core/internal.h"
#include "core/jsonread.h"
#include "model/devices.h"
#include "model/model_impl.h"
#include "zeropark/carbon.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CURVE_POINTS 1000
#define MAX_DELAY_H 168.0

/* ---- ranges -------------------------------------------------------------- */

static const range ANY = {ZP_JR_ANY, 0, 0, NULL};
static const range NONNEG = {ZP_JR_GE, 0, 0, NULL};
static const range POSITIVE = {ZP_JR_GT, 0, 0, NULL};
static const range FRACTION = {ZP_JR_IN, 0, 1, NULL};
static const range EFFICIENCY = {ZP_JR_GT_LE, 0, 1, NULL};

/* Report a problem at path (the value, or its key when at_key): collected
 * in step 2, sent at once in step 3. ZP_OK or ZP_ENOMEM. */
static zp_status report(reader *r, const char *path, int at_key, const char *fmt, ...)
    ZP_PRINTF(4, 5);
static zp_status report(reader *r, const char *path, int at_key, const char *fmt, ...)
{
    va_list ap;
    if (r->st)
        return r->st;
    va_start(ap, fmt);
    zp_status rc = zp__jr_vreport(r->jr, path, at_key ? ZP_JR_AT_KEY : ZP_JR_AT_VALUE, fmt, ap);
    va_end(ap);
    return rc;
}

static void reader_free(reader *r)
{
    for (size_t i = 0; i < r->nrefs; i++)
        zp__free(r->ctx, r->refs[i].path);
    zp__free(r->ctx, r->refs);
    zp__jr_free(r->jr);
}

static char *dup(reader *r, const char *s)
{
    char *d = zp__strdup(r->ctx, s);
    if (!d && s)
        r->st = ZP_ENOMEM;
    return d;
}

/* ---- field readers --------------------------------------------------------
 * The JSON reader's getters (zp__jr_num, zp__jr_str, ...) read member key
 * of obj (whose path is opath). They return 1 when the member is present
 * and valid, 0 when it is absent (the default is stored; a missing
 * required member is reported) and -1 when it is present but wrong
 * (reported). */

enum { OPT = ZP_JR_OPT, REQ = ZP_JR_REQ };

/* Resolve a path from the model against the model's directory. */
static char *resolve(reader *r, const char *p)
{
    const char *dir = r->m->dir;
    char *s;
    if (p[0] == '/' || !dir || !dir[0] || strcmp(dir, ".") == 0)
        s = zp__strdup(r->ctx, p);
    else
        s = zp__asprintf(r->ctx, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", p);
    if (!s)
        r->st = ZP_ENOMEM;
    return s;
}

static void add_ref(reader *r, zp_value *v, const char *path, zp_series_kind kind, range rg)
{
    if (r->st)
        return;
    if (zp__grow(r->ctx, (void **)&r->refs, &r->caprefs, r->nrefs + 1, sizeof *r->refs)) {
        r->st = ZP_ENOMEM;
        return;
    }
    sref *s = &r->refs[r->nrefs];
    s->v = v;
    s->kind = kind;
    s->rg = rg;
    s->path = dup(r, path);
    if (s->path)
        r->nrefs++;
}

/* A number or {"csv": PATH, "column": NAME} (model_impl.h). */
int zp__model_value_field(reader *r, json_t *obj, const char *opath, const char *key,
                          int required, double def, range rg, zp_series_kind kind,
                          zp_value *out)
{
    static const char *const keys[] = {"csv", "column"};
    char path[PATH_SZ], msg[256];
    out->constant = def;
    json_t *j = zp__jr_member(r->jr, obj, opath, key, required, path);
    if (!j)
        return 0;
    if (json_is_number(j)) {
        double v = json_number_value(j);
        if (!zp__jr_range_ok(rg, v)) {
            zp__jr_range_text(rg, v, msg, sizeof msg);
            report(r, path, 0, "%s", msg);
            return -1;
        }
        out->constant = v;
        return 1;
    }
    if (!json_is_object(j)) {
        report(r, path, 0, "expected a number or {\"csv\": PATH, \"column\": NAME}, got %s",
               zp__jr_type_name(j));
        return -1;
    }
    const char *csv, *column;
    zp__jr_keys(r->jr, j, path, keys, ZP_ARRAY_LEN(keys));
    int a = zp__jr_str(r->jr, j, path, "csv", REQ, 0, &csv);
    int b = zp__jr_str(r->jr, j, path, "column", REQ, 0, &column);
    if (a <= 0 || b <= 0)
        return -1;
    /* a series has no constant: make any accidental use visible */
    out->constant = NAN;
    out->is_series = 1;
    out->csv = dup(r, csv);
    out->column = dup(r, column);
    out->csv_path = resolve(r, csv);
    add_ref(r, out, path, kind, rg);
    return 1;
}

/* Asset name, required; duplicates are found by check_names. */
static void name_field(reader *r, json_t *obj, const char *opath, char **out)
{
    const char *s;
    if (zp__jr_str(r->jr, obj, opath, "name", REQ, 0, &s) > 0)
        *out = dup(r, s);
}

/* Names must be unique within their array. Quadratic, but arrays are
 * capped at ZP_MODEL_MAX_ASSETS and are small in practice. */
static void check_names(reader *r, json_t *arr, const char *apath)
{
    char path[PATH_SZ], epath[PATH_SZ], first[PATH_SZ], sn[80];
    size_t n = json_array_size(arr);
    for (size_t i = 1; i < n; i++) {
        const char *a = json_string_value(json_object_get(json_array_get(arr, i), "name"));
        if (!a || !a[0])
            continue;
        for (size_t k = 0; k < i; k++) {
            const char *b = json_string_value(json_object_get(json_array_get(arr, k), "name"));
            if (b && strcmp(a, b) == 0) {
                zp__jsonpos_path_index(epath, sizeof epath, apath, i);
                zp__jsonpos_path_key(path, sizeof path, epath, "name");
                zp__jsonpos_path_index(first, sizeof first, apath, k);
                report(r, path, 0, "duplicate name '%s'; %s already uses it",
                       zp__jr_shown(a, sn, sizeof sn), first);
                break;
            }
        }
    }
}

/* Allocate an asset array of json_array_size(arr) elements. */
static void *asset_array(reader *r, json_t *arr, size_t elem, size_t *n)
{
    *n = 0;
    if (!arr || r->st)
        return NULL;
    void *p = zp__calloc(r->ctx, json_array_size(arr), elem);
    if (!p) {
        r->st = ZP_ENOMEM;
        return NULL;
    }
    *n = json_array_size(arr);
    return p;
}

/* ---- sections ------------------------------------------------------------- */

static void read_flexible(reader *r, json_t *parent, const char *ppath, zp_flexible *f)
{
    static const char *const keys[] = {"share", "max_delay_h"};
    char path[PATH_SZ];
    json_t *o = zp__jr_obj(r->jr, parent, ppath, "flexible", OPT, path);
    if (!o)
        return;
    f->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_num(r->jr, o, path, "share", REQ, 0, FRACTION, &f->share);
    zp__jr_num(r->jr, o, path, "max_delay_h", REQ, 0, zp__jr_gt_le(0, MAX_DELAY_H),
               &f->max_delay_h);
}

static void read_site(reader *r, json_t *root)
{
    static const char *const keys[] = {"lat_deg", "lon_deg", "elevation_m"};
    char path[PATH_SZ];
    json_t *o = zp__jr_obj(r->jr, root, "", "site", OPT, path);
    if (!o)
        return;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_num(r->jr, o, path, "lat_deg", REQ, 0, zp__jr_in(-90, 90), &r->m->lat_deg);
    zp__jr_num(r->jr, o, path, "lon_deg", REQ, 0, zp__jr_in(-180, 180), &r->m->lon_deg);
    zp__jr_num(r->jr, o, path, "elevation_m", OPT, 0, zp__jr_in(-500, 9000), &r->m->elevation_m);
}

/* Parse a period timestamp; 1 on success. */
static int read_instant(reader *r, json_t *o, const char *opath, const char *key, zp_time_t *t,
                        int32_t *off)
{
    char path[PATH_SZ], sv[80];
    const char *s;
    if (zp__jr_str(r->jr, o, opath, key, REQ, 0, &s) <= 0)
        return 0;
    if (zp_time_parse(s, strlen(s), ZP_TIME_NO_DEFAULT, t, off) != ZP_OK) {
        zp__jsonpos_path_key(path, sizeof path, opath, key);
        report(r, path, 0,
               "'%s' is not an ISO-8601 timestamp with a UTC offset "
               "(such as 2024-01-01T00:00:00+08:00)",
               zp__jr_shown(s, sv, sizeof sv));
        return 0;
    }
    return 1;
}

static void read_period(reader *r, json_t *root)
{
    static const char *const keys[] = {"start", "end", "step_min"};
    static const int steps_ok[] = {1, 5, 10, 15, 30, 60};
    char path[PATH_SZ], spath[PATH_SZ], epath[PATH_SZ], sbuf[ZP_TIME_BUFSIZE],
        ebuf[ZP_TIME_BUFSIZE];
    zp_model *m = r->m;
    int32_t soff = 0, eoff = 0;
    int step = 60;
    json_t *o = zp__jr_obj(r->jr, root, "", "period", REQ, path);
    if (!o)
        return;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    int s_ok = read_instant(r, o, path, "start", &m->start, &soff);
    int e_ok = read_instant(r, o, path, "end", &m->end, &eoff);
    int rc = zp__jr_int(r->jr, o, path, "step_min", OPT, 60, ANY, &step);
    int step_ok = rc >= 0;
    if (rc > 0) {
        size_t i = 0;
        while (i < ZP_ARRAY_LEN(steps_ok) && steps_ok[i] != step)
            i++;
        if (i == ZP_ARRAY_LEN(steps_ok)) {
            zp__jsonpos_path_key(spath, sizeof spath, path, "step_min");
            report(r, spath, 0, "%d is not an allowed step; use 1, 5, 10, 15, 30 or 60", step);
            step_ok = 0;
        }
    }
    m->step_min = step;
    if (!s_ok || !e_ok || !step_ok)
        return;
    zp__jsonpos_path_key(spath, sizeof spath, path, "start");
    zp__jsonpos_path_key(epath, sizeof epath, path, "end");
    int64_t step_s = (int64_t)step * 60;
    int ok = 1;
    /* Steps follow the park's local clock: 00:00, 00:15, ... in the
     * start's own offset. */
    int64_t local = m->start + (int64_t)soff * 60;
    if (((local % step_s) + step_s) % step_s != 0) {
        report(r, spath, 0, "%s does not fall on the %d-minute step grid",
               zp_time_format(m->start, soff, sbuf), step);
        ok = 0;
    }
    if (m->end <= m->start) {
        report(r, epath, 0, "end %s is not after start %s", zp_time_format(m->end, eoff, ebuf),
               zp_time_format(m->start, soff, sbuf));
        return;
    }
    int64_t span = m->end - m->start;
    if (span % step_s != 0) {
        report(r, epath, 0, "the period (%lld s) is not a whole number of %d-minute steps",
               (long long)span, step);
        return;
    }
    if (span / step_s > ZP_MODEL_MAX_STEPS) {
        report(r, epath, 0, "the period has %lld steps; at most %d are allowed",
               (long long)(span / step_s), ZP_MODEL_MAX_STEPS);
        return;
    }
    m->steps = (size_t)(span / step_s);
    r->period_ok = ok;
}

static void read_weather(reader *r, json_t *root)
{
    static const char *const keys[] = {"csv", "format"};
    static const char *const formats[] = {"csv", "tmy3"};
    char path[PATH_SZ];
    const char *csv;
    int fmt = 0;
    zp_weather *w = &r->m->weather;
    json_t *o = zp__jr_obj(r->jr, root, "", "weather", OPT, path);
    if (!o)
        return;
    w->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    if (zp__jr_str(r->jr, o, path, "csv", REQ, 0, &csv) > 0) {
        w->csv = dup(r, csv);
        w->csv_path = resolve(r, csv);
    }
    zp__jr_enum(r->jr, o, path, "format", OPT, formats, ZP_ARRAY_LEN(formats), 0, &fmt);
    w->format = dup(r, formats[fmt]);
}

static void read_grid(reader *r, json_t *root)
{
    static const char *const keys[] = {"import_limit_kw",
                                       "export_limit_kw",
                                       "emission_factor_kg_per_kwh",
                                       "price_cny_per_kwh",
                                       "export_price_cny_per_kwh",
                                       /* what the park pays: model/billing.c */
                                       "tariff",
                                       "tariff_base_price_cny_per_kwh",
                                       "demand_charge_cny_per_kw_month",
                                       "capacity_charge_cny_per_kva_month",
                                       "transformer_kva",
                                       "green_power"};
    char path[PATH_SZ];
    zp_grid *g = &r->m->grid;
    g->import_limit_kw = INFINITY;
    g->emission_factor_kg_per_kwh.constant = ZP_GRID_DEFAULT_FACTOR_KG_PER_KWH;
    g->emission_factor_source = ZP_GRID_DEFAULT_FACTOR_SOURCE;
    g->tariff_base_price_cny_per_kwh = NAN;
    json_t *o = zp__jr_obj(r->jr, root, "", "grid", OPT, path);
    if (!o)
        return;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_num(r->jr, o, path, "import_limit_kw", OPT, INFINITY, NONNEG, &g->import_limit_kw);
    zp__jr_num(r->jr, o, path, "export_limit_kw", OPT, 0, NONNEG, &g->export_limit_kw);
    if (zp__model_value_field(r, o, path, "emission_factor_kg_per_kwh", OPT,
                              ZP_GRID_DEFAULT_FACTOR_KG_PER_KWH, NONNEG, ZP_SERIES_INTENSITY,
                              &g->emission_factor_kg_per_kwh) != 0) {
        g->emission_factor_source = "park model";
        g->emission_factor_given = 1;
    }
    /* prices may be negative (markets pay for surplus), so any number */
    zp__model_value_field(r, o, path, "price_cny_per_kwh", OPT, 0, ANY, ZP_SERIES_INTENSITY,
                          &g->price_cny_per_kwh);
    zp__model_value_field(r, o, path, "export_price_cny_per_kwh", OPT, 0, ANY,
                          ZP_SERIES_INTENSITY, &g->export_price_cny_per_kwh);
    zp__model_read_billing(r, o, path);
}

static void read_pv(reader *r, json_t *root)
{
    static const char *const keys[] = {"name",       "capacity_kwp", "tilt_deg",
                                       "azimuth_deg", "losses_pct",  "inverter_kw",
                                       "gamma_pct_per_c"};
    char apath[PATH_SZ], path[PATH_SZ];
    json_t *arr = zp__jr_arr(r->jr, root, "", "pv", OPT, ZP_MODEL_MAX_ASSETS, apath);
    r->m->pv = asset_array(r, arr, sizeof *r->m->pv, &r->m->npv);
    for (size_t i = 0; i < r->m->npv; i++) {
        zp_pv *p = &r->m->pv[i];
        json_t *o = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!o)
            continue;
        zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
        name_field(r, o, path, &p->name);
        int cap = zp__jr_num(r->jr, o, path, "capacity_kwp", REQ, 0, POSITIVE, &p->capacity_kwp);
        zp__jr_num(r->jr, o, path, "tilt_deg", REQ, 0, zp__jr_in(0, 90), &p->tilt_deg);
        zp__jr_num(r->jr, o, path, "azimuth_deg", REQ, 0, zp__jr_in(0, 360), &p->azimuth_deg);
        zp__jr_num(r->jr, o, path, "losses_pct", OPT, 14, zp__jr_in(0, 100), &p->losses_pct);
        /* a DC/AC ratio of 1.2 is the usual design point */
        if (zp__jr_num(r->jr, o, path, "inverter_kw", OPT, 0, POSITIVE, &p->inverter_kw) == 0 &&
            cap > 0)
            p->inverter_kw = p->capacity_kwp / 1.2;
        zp__jr_num(r->jr, o, path, "gamma_pct_per_c", OPT, -0.35, zp__jr_in(-2, 0),
                   &p->gamma_pct_per_c);
    }
    if (arr)
        check_names(r, arr, apath);
}

static void read_power_curve(reader *r, json_t *o, const char *opath, zp_wind *w, int rated_ok)
{
    char path[PATH_SZ], epath[PATH_SZ], vpath[PATH_SZ];
    json_t *arr = zp__jr_arr(r->jr, o, opath, "power_curve", REQ, MAX_CURVE_POINTS, path);
    if (!arr)
        return;
    size_t n = json_array_size(arr);
    if (n < 2) {
        report(r, path, 0, "needs at least 2 points [speed_m_s, power_kw], got %zu", n);
        return;
    }
    w->power_curve = zp__calloc(r->ctx, n, sizeof *w->power_curve);
    if (!w->power_curve) {
        r->st = ZP_ENOMEM;
        return;
    }
    w->power_curve_len = n;
    double pmax = w->rated_kw * 1.05; /* manufacturers' curves overshoot a little */
    int prev_ok = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *pt = json_array_get(arr, i);
        zp__jsonpos_path_index(epath, sizeof epath, path, i);
        if (!json_is_array(pt) || json_array_size(pt) != 2 ||
            !json_is_number(json_array_get(pt, 0)) || !json_is_number(json_array_get(pt, 1))) {
            report(r, epath, 0, "expected a point [speed_m_s, power_kw], got %s",
                   json_is_array(pt) ? "another array" : zp__jr_type_name(pt));
            prev_ok = 0;
            continue;
        }
        double v = json_number_value(json_array_get(pt, 0));
        double p = json_number_value(json_array_get(pt, 1));
        w->power_curve[i][0] = v;
        w->power_curve[i][1] = p;
        zp__jsonpos_path_index(vpath, sizeof vpath, epath, 0);
        if (v < 0)
            report(r, vpath, 0, "wind speed %.15g must be at least 0", v);
        else if (prev_ok && v <= w->power_curve[i - 1][0])
            report(r, vpath, 0, "wind speeds must rise: %.15g follows %.15g", v,
                   w->power_curve[i - 1][0]);
        zp__jsonpos_path_index(vpath, sizeof vpath, epath, 1);
        if (p < 0)
            report(r, vpath, 0, "power %.15g must be at least 0", p);
        else if (rated_ok && p > pmax)
            report(r, vpath, 0, "power %.15g exceeds 1.05 x rated_kw (%.15g)", p, pmax);
        prev_ok = 1;
    }
}

void zp__model_read_power_curve(reader *r, json_t *o, const char *opath, zp_wind *w,
                                int rated_ok)
{
    read_power_curve(r, o, opath, w, rated_ok);
}

static void read_wind(reader *r, json_t *root)
{
    static const char *const keys[] = {"name",        "count",          "rated_kw",
                                       "hub_height_m", "measurement_height_m",
                                       "shear_exponent", "power_curve"};
    char apath[PATH_SZ], path[PATH_SZ];
    json_t *arr = zp__jr_arr(r->jr, root, "", "wind", OPT, ZP_MODEL_MAX_ASSETS, apath);
    r->m->wind = asset_array(r, arr, sizeof *r->m->wind, &r->m->nwind);
    for (size_t i = 0; i < r->m->nwind; i++) {
        zp_wind *w = &r->m->wind[i];
        json_t *o = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!o)
            continue;
        zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
        name_field(r, o, path, &w->name);
        zp__jr_int(r->jr, o, path, "count", OPT, 1, zp__jr_ge(1), &w->count);
        int rated = zp__jr_num(r->jr, o, path, "rated_kw", REQ, 0, POSITIVE, &w->rated_kw);
        zp__jr_num(r->jr, o, path, "hub_height_m", REQ, 0, POSITIVE, &w->hub_height_m);
        zp__jr_num(r->jr, o, path, "measurement_height_m", OPT, 10, POSITIVE,
                  &w->measurement_height_m);
        /* 1/7: the classic open-terrain power-law exponent */
        zp__jr_num(r->jr, o, path, "shear_exponent", OPT, 1.0 / 7.0, FRACTION, &w->shear_exponent);
        read_power_curve(r, o, path, w, rated > 0);
    }
    if (arr)
        check_names(r, arr, apath);
}

/* A battery's wear: its cost per kWh discharged, given or derived from
 * what the cells cost and how many cycles they last (docs/tariffs.md
 * "Battery wear"), and the figures its fade is estimated from. soc_ok:
 * soc_min and soc_max are sound (the depth of the rated cycles). */
static void read_wear(reader *r, json_t *o, const char *path, zp_storage *s, int soc_ok)
{
    char fpath[PATH_SZ];
    int dg = zp__jr_num(r->jr, o, path, "degradation_cny_per_kwh", OPT, 0, NONNEG,
                        &s->degradation_cny_per_kwh);
    int cl = zp__jr_num(r->jr, o, path, "cycle_life", OPT, 0, POSITIVE, &s->cycle_life);
    int cx = zp__jr_num(r->jr, o, path, "capex_cny_per_kwh", OPT, NAN, NONNEG,
                        &s->capex_cny_per_kwh);
    int eol = zp__jr_num(r->jr, o, path, "end_of_life_soh", OPT, 0.8, zp__jr_gt_le(0, 1),
                         &s->end_of_life_soh);
    if (eol > 0 && s->end_of_life_soh >= 1) {
        zp__jsonpos_path_key(fpath, sizeof fpath, path, "end_of_life_soh");
        report(r, fpath, 0, "%.15g must be less than 1 (the capacity left at end of life)",
               s->end_of_life_soh);
        eol = -1;
    }
    if (cx <= 0)
        return;
    zp__jsonpos_path_key(fpath, sizeof fpath, path, "capex_cny_per_kwh");
    if (dg > 0)
        report(r, fpath, 1,
               "give degradation_cny_per_kwh or capex_cny_per_kwh with cycle_life (it is "
               "derived from them), not both");
    else if (cl == 0)
        report(r, fpath, 1,
               "deriving the wear cost from capex_cny_per_kwh needs cycle_life (equivalent "
               "full cycles to end of life)");
    else if (dg == 0 && cl > 0 && eol >= 0 && soc_ok) {
        s->degradation_cny_per_kwh =
            zp_degradation_cny_per_kwh(s->capex_cny_per_kwh, s->cycle_life,
                                       s->soc_max - s->soc_min, s->discharge_efficiency,
                                       s->end_of_life_soh);
        s->degradation_derived = 1;
    }
}

static void read_storage(reader *r, json_t *root)
{
    static const char *const keys[] = {"name",         "energy_kwh",          "power_kw",
                                       "charge_efficiency", "discharge_efficiency",
                                       "soc_min",      "soc_max",             "soc_initial",
                                       "degradation_cny_per_kwh", "cycle_life",
                                       "capex_cny_per_kwh", "end_of_life_soh"};
    char apath[PATH_SZ], path[PATH_SZ], fpath[PATH_SZ];
    json_t *arr = zp__jr_arr(r->jr, root, "", "storage", OPT, ZP_MODEL_MAX_ASSETS, apath);
    r->m->storage = asset_array(r, arr, sizeof *r->m->storage, &r->m->nstorage);
    for (size_t i = 0; i < r->m->nstorage; i++) {
        zp_storage *s = &r->m->storage[i];
        json_t *o = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!o)
            continue;
        zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
        name_field(r, o, path, &s->name);
        zp__jr_num(r->jr, o, path, "energy_kwh", REQ, 0, POSITIVE, &s->energy_kwh);
        zp__jr_num(r->jr, o, path, "power_kw", REQ, 0, POSITIVE, &s->power_kw);
        zp__jr_num(r->jr, o, path, "charge_efficiency", OPT, 0.95, EFFICIENCY,
                   &s->charge_efficiency);
        zp__jr_num(r->jr, o, path, "discharge_efficiency", OPT, 0.95, EFFICIENCY,
                  &s->discharge_efficiency);
        int lo = zp__jr_num(r->jr, o, path, "soc_min", OPT, 0.10, FRACTION, &s->soc_min);
        int hi = zp__jr_num(r->jr, o, path, "soc_max", OPT, 0.95, FRACTION, &s->soc_max);
        int ini = zp__jr_num(r->jr, o, path, "soc_initial", OPT, 0.5, FRACTION, &s->soc_initial);
        read_wear(r, o, path, s, lo >= 0 && hi >= 0 && s->soc_min < s->soc_max);
        if (lo < 0 || hi < 0 || ini < 0)
            continue;
        if (s->soc_min >= s->soc_max) {
            /* point at whichever bound the model wrote, the later one if both */
            zp__jsonpos_path_key(fpath, sizeof fpath, path, hi > 0 ? "soc_max" : "soc_min");
            report(r, fpath, 0, "soc_min %.15g must be less than soc_max %.15g", s->soc_min,
                   s->soc_max);
            continue;
        }
        if (ini > 0 && (s->soc_initial < s->soc_min || s->soc_initial > s->soc_max)) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "soc_initial");
            report(r, fpath, 0, "%.15g is outside soc_min..soc_max (%.15g..%.15g)",
                   s->soc_initial, s->soc_min, s->soc_max);
        } else if (ini == 0) {
            /* the default must respect the bounds the model did give */
            s->soc_initial = fmin(fmax(0.5, s->soc_min), s->soc_max);
        }
    }
    if (arr)
        check_names(r, arr, apath);
}

static void read_loads(reader *r, json_t *root)
{
    static const char *const keys[] = {"name", "power_kw", "flexible"};
    char apath[PATH_SZ], path[PATH_SZ];
    json_t *arr = zp__jr_arr(r->jr, root, "", "loads", OPT, ZP_MODEL_MAX_ASSETS, apath);
    r->m->loads = asset_array(r, arr, sizeof *r->m->loads, &r->m->nloads);
    for (size_t i = 0; i < r->m->nloads; i++) {
        zp_load *l = &r->m->loads[i];
        json_t *o = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!o)
            continue;
        zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
        name_field(r, o, path, &l->name);
        zp__model_value_field(r, o, path, "power_kw", REQ, 0, NONNEG, ZP_SERIES_POWER,
                              &l->power_kw);
        read_flexible(r, o, path, &l->flexible);
    }
    if (arr)
        check_names(r, arr, apath);
}

/* "pue": {"curve": [[temp_c, pue], ...]}: PUE as a function of outdoor
 * air temperature (cooling works harder when it is hot). Needs weather. */
static void read_pue_curve(reader *r, json_t *root, json_t *obj, const char *dcpath,
                           zp_datacenter *dc)
{
    static const char *const keys[] = {"curve"};
    char opath[PATH_SZ], path[PATH_SZ], epath[PATH_SZ], vpath[PATH_SZ];
    zp__jsonpos_path_key(opath, sizeof opath, dcpath, "pue");
    zp__jr_keys(r->jr, obj, opath, keys, ZP_ARRAY_LEN(keys));
    json_t *arr = zp__jr_arr(r->jr, obj, opath, "curve", REQ, MAX_CURVE_POINTS, path);
    if (!arr)
        return;
    size_t n = json_array_size(arr);
    if (n < 2) {
        report(r, path, 0, "needs at least 2 points [temp_air_c, pue], got %zu", n);
        return;
    }
    if (!json_object_get(root, "weather"))
        report(r, opath, 0, "a PUE curve follows the outdoor temperature: add \"weather\"");
    dc->pue_curve = zp__calloc(r->ctx, n, sizeof *dc->pue_curve);
    if (!dc->pue_curve) {
        r->st = ZP_ENOMEM;
        return;
    }
    dc->pue_curve_len = n;
    int prev_ok = 0, all_ok = 1;
    for (size_t i = 0; i < n; i++) {
        json_t *pt = json_array_get(arr, i);
        zp__jsonpos_path_index(epath, sizeof epath, path, i);
        if (!json_is_array(pt) || json_array_size(pt) != 2 ||
            !json_is_number(json_array_get(pt, 0)) || !json_is_number(json_array_get(pt, 1))) {
            report(r, epath, 0, "expected a point [temp_air_c, pue], got %s",
                   json_is_array(pt) ? "another array" : zp__jr_type_name(pt));
            prev_ok = all_ok = 0;
            continue;
        }
        double t = json_number_value(json_array_get(pt, 0));
        double p = json_number_value(json_array_get(pt, 1));
        dc->pue_curve[i][0] = t;
        dc->pue_curve[i][1] = p;
        zp__jsonpos_path_index(vpath, sizeof vpath, epath, 0);
        if (t < -60 || t > 60) {
            report(r, vpath, 0, "temperature %.15g is out of range -60..60", t);
            all_ok = 0;
        } else if (prev_ok && t <= dc->pue_curve[i - 1][0]) {
            report(r, vpath, 0, "temperatures must rise: %.15g follows %.15g", t,
                   dc->pue_curve[i - 1][0]);
            all_ok = 0;
        }
        zp__jsonpos_path_index(vpath, sizeof vpath, epath, 1);
        if (!(p >= 1 && p <= 3)) {
            report(r, vpath, 0, "%.15g is out of range 1..3", p);
            all_ok = 0;
        }
        prev_ok = 1;
    }
    dc->pue = all_ok ? zp_datacenter_pue_at(dc, 20.0) : 1.0;
}

static void read_datacenter(reader *r, json_t *root)
{
    static const char *const keys[] = {"it_power_kw", "pue", "flexible"};
    char path[PATH_SZ];
    zp_datacenter *dc = &r->m->datacenter;
    json_t *o = zp__jr_obj(r->jr, root, "", "datacenter", OPT, path);
    if (!o)
        return;
    dc->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__model_value_field(r, o, path, "it_power_kw", REQ, 0, NONNEG, ZP_SERIES_POWER,
                          &dc->it_power_kw);
    json_t *pue = json_object_get(o, "pue");
    if (pue && json_is_object(pue))
        read_pue_curve(r, root, pue, path, dc);
    else
        zp__jr_num(r->jr, o, path, "pue", REQ, 0, zp__jr_in(1, 3), &dc->pue);
    read_flexible(r, o, path, &dc->flexible);
}

double zp_datacenter_pue_at(const zp_datacenter *dc, double temp_air_c)
{
    if (!dc->pue_curve || dc->pue_curve_len < 2)
        return dc->pue;
    const double(*c)[2] = (const double(*)[2])dc->pue_curve;
    size_t n = dc->pue_curve_len;
    if (!(temp_air_c > c[0][0]))
        return c[0][1];
    if (temp_air_c >= c[n - 1][0])
        return c[n - 1][1];
    size_t i = 1;
    while (i < n - 1 && temp_air_c > c[i][0])
        i++;
    double f = (temp_air_c - c[i - 1][0]) / (c[i][0] - c[i - 1][0]);
    return c[i - 1][1] + f * (c[i][1] - c[i - 1][1]);
}

/* Fuel types of the Scope 1 emission-factor table (data/factors/fuels.csv
 * and heat.csv) and the unit each amount is given in. */
static const char *const fuel_types[] = {"raw_coal", "natural_gas", "diesel", "gasoline",
                                         "lpg",      "fuel_oil",    "purchased_heat"};
static const char *const fuel_units[] = {"t", "m3", "t", "t", "t", "t", "GJ"};

static void read_fuels(reader *r, json_t *root)
{
    static const char *const keys[] = {"type", "amount", "unit"};
    char apath[PATH_SZ], path[PATH_SZ], fpath[PATH_SZ], sv[80], su[80], list[256];
    json_t *arr = zp__jr_arr(r->jr, root, "", "fuels", OPT, ZP_MODEL_MAX_ASSETS, apath);
    r->m->fuels = asset_array(r, arr, sizeof *r->m->fuels, &r->m->nfuels);
    for (size_t i = 0; i < r->m->nfuels; i++) {
        zp_fuel *f = &r->m->fuels[i];
        const char *type, *unit;
        json_t *o = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!o)
            continue;
        zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
        int t = zp__jr_str(r->jr, o, path, "type", REQ, 0, &type);
        zp__jr_num(r->jr, o, path, "amount", REQ, 0, NONNEG, &f->amount);
        int u = zp__jr_str(r->jr, o, path, "unit", REQ, 0, &unit);
        if (t > 0)
            f->type = dup(r, type);
        if (u > 0)
            f->unit = dup(r, unit);
        if (t <= 0)
            continue;
        size_t k = 0;
        while (k < ZP_ARRAY_LEN(fuel_types) && strcmp(type, fuel_types[k]) != 0)
            k++;
        if (k == ZP_ARRAY_LEN(fuel_types)) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "type");
            const char *near = zp__nearest(type, fuel_types, ZP_ARRAY_LEN(fuel_types));
            if (near)
                report(r, fpath, 0, "unknown fuel type '%s'; did you mean '%s'?",
                       zp__jr_shown(type, sv, sizeof sv), near);
            else
                report(r, fpath, 0, "unknown fuel type '%s'; known types: %s",
                       zp__jr_shown(type, sv, sizeof sv),
                       zp__jr_join(fuel_types, ZP_ARRAY_LEN(fuel_types), list, sizeof list));
            continue;
        }
        if (u > 0 && strcmp(unit, fuel_units[k]) != 0) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "unit");
            report(r, fpath, 0, "unit '%s' does not fit fuel type '%s'; expected '%s'",
                   zp__jr_shown(unit, su, sizeof su), fuel_types[k], fuel_units[k]);
        }
    }
}

static void read_certificates(reader *r, json_t *root)
{
    static const char *const keys[] = {"green_certificates_mwh"};
    char path[PATH_SZ];
    json_t *o = zp__jr_obj(r->jr, root, "", "certificates", OPT, path);
    if (!o)
        return;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_num(r->jr, o, path, "green_certificates_mwh", OPT, 0, NONNEG,
              &r->m->green_certificates_mwh);
}

static void read_targets(reader *r, json_t *root)
{
    static const char *const keys[] = {"max_emissions_t", "min_green_share_pct", "max_pue",
                                       "max_energy_tce", "max_carbon_intensity_t_per_10k_cny",
                                       "max_t_co2_per_tce", "min_clean_energy_share_pct"};
    char path[PATH_SZ];
    zp_targets *t = &r->m->targets;
    t->max_emissions_t = t->min_green_share_pct = t->max_pue = NAN;
    t->max_energy_tce = t->max_carbon_intensity_t_per_10k_cny = NAN;
    t->max_t_co2_per_tce = t->min_clean_energy_share_pct = NAN;
    json_t *o = zp__jr_obj(r->jr, root, "", "targets", OPT, path);
    if (!o)
        return;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_num(r->jr, o, path, "max_emissions_t", OPT, NAN, NONNEG, &t->max_emissions_t);
    zp__jr_num(r->jr, o, path, "min_green_share_pct", OPT, NAN, zp__jr_in(0, 100),
              &t->min_green_share_pct);
    zp__jr_num(r->jr, o, path, "max_pue", OPT, NAN, zp__jr_ge(1), &t->max_pue);
    zp__jr_num(r->jr, o, path, "max_energy_tce", OPT, NAN, NONNEG, &t->max_energy_tce);
    zp__jr_num(r->jr, o, path, "max_carbon_intensity_t_per_10k_cny", OPT, NAN, NONNEG,
              &t->max_carbon_intensity_t_per_10k_cny);
    zp__jr_num(r->jr, o, path, "max_t_co2_per_tce", OPT, NAN, NONNEG, &t->max_t_co2_per_tce);
    zp__jr_num(r->jr, o, path, "min_clean_energy_share_pct", OPT, NAN, zp__jr_in(0, 100),
              &t->min_clean_energy_share_pct);
}

/* "accounting": factor set, region, year, GWP set, residual mix, output
 * value, refrigerants, water, green-power contracts (docs/model.md
 * "Accounting"). The region and the year are checked against the factor
 * set by read_factors; gases when the accounting runs. */
static void read_accounting(reader *r, json_t *root)
{
    static const char *const keys[] = {
        "factor_set", "grid_region", "year", "gwp", "fuel_set", "residual",
        "residual_factor_kg_per_kwh", "output_value_cny", "green_power_contracts_mwh",
        "refrigerants", "water_l", "at_risk_margin_pct"};
    static const char *const gwps[] = {"AR5", "AR6"};
    static const char *const fuel_sets[] = {"cn", "ipcc2006"};
    static const char *const residuals[] = {"factor_set", "location", "value"};
    static const char *const rkeys[] = {"gas", "leak_kg"};
    char path[PATH_SZ], apath[PATH_SZ], epath[PATH_SZ], kpath[PATH_SZ];
    zp_accounting *a = &r->m->accounting;
    const char *s;
    int k;
    a->gwp = 1;
    a->year = 0;
    a->residual_factor_kg_per_kwh = a->output_value_cny = NAN;
    a->at_risk_margin_pct = 5;
    a->water_l.constant = NAN;
    json_t *o = zp__jr_obj(r->jr, root, "", "accounting", OPT, path);
    if (!o)
        return;
    a->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    if (zp__jr_str(r->jr, o, path, "factor_set", OPT, 0, &s) > 0) {
        a->factor_set = dup(r, s);
        if (strcmp(s, "builtin") != 0)
            a->factor_set_path = resolve(r, s);
    }
    if (zp__jr_str(r->jr, o, path, "grid_region", OPT, 0, &s) > 0)
        a->grid_region = dup(r, s);
    int year = 0;
    if (zp__jr_int(r->jr, o, path, "year", OPT, 0, zp__jr_in(1990, 2100), &year) > 0)
        a->year = year;
    zp__jr_enum(r->jr, o, path, "gwp", OPT, gwps, ZP_ARRAY_LEN(gwps), 1, &a->gwp);
    k = 0;
    if (zp__jr_enum(r->jr, o, path, "fuel_set", OPT, fuel_sets, ZP_ARRAY_LEN(fuel_sets), 0, &k) > 0)
        a->fuel_set = dup(r, fuel_sets[k]);
    int has_value = zp__jr_num(r->jr, o, path, "residual_factor_kg_per_kwh", OPT, NAN, NONNEG,
                              &a->residual_factor_kg_per_kwh) > 0;
    k = has_value ? 2 : 0;
    int given = zp__jr_enum(r->jr, o, path, "residual", OPT, residuals, ZP_ARRAY_LEN(residuals), k,
                            &k);
    if (given >= 0) {
        zp__jsonpos_path_key(kpath, sizeof kpath, path, "residual");
        if (k == 2 && !has_value)
            report(r, kpath, 0, "'value' needs residual_factor_kg_per_kwh");
        else if (given > 0 && k != 2 && has_value)
            report(r, kpath, 0, "'%s' ignores residual_factor_kg_per_kwh; use \"value\" or drop it",
                   residuals[k]);
        a->residual = dup(r, residuals[k]);
    }
    zp__jr_num(r->jr, o, path, "output_value_cny", OPT, NAN, POSITIVE, &a->output_value_cny);
    if (zp__jr_num(r->jr, o, path, "green_power_contracts_mwh", OPT, 0, NONNEG,
                   &a->green_power_contracts_mwh) > 0 &&
        a->green_power_contracts_mwh > 0 && r->m->grid.green_power.present) {
        /* One contract, one source: what grid.green_power delivers is
         * counted by the bill, the simulation and the accounting alike;
         * the same energy here too would count twice. */
        zp__jsonpos_path_key(kpath, sizeof kpath, path, "green_power_contracts_mwh");
        report(r, kpath, 1,
               "the park's green-power contract is grid.green_power, which the bill, simulate and "
               "account all count: give its energy there (mwh_per_month or profile), not here too; "
               "accounting.green_power_contracts_mwh is for a park model without grid.green_power");
    }
    zp__jr_num(r->jr, o, path, "at_risk_margin_pct", OPT, 5, zp__jr_in(0, 100),
               &a->at_risk_margin_pct);
    zp__model_value_field(r, o, path, "water_l", OPT, NAN, NONNEG, ZP_SERIES_ENERGY,
                          &a->water_l);

    json_t *arr = zp__jr_arr(r->jr, o, path, "refrigerants", OPT, ZP_MODEL_MAX_ASSETS, apath);
    a->refrigerants = asset_array(r, arr, sizeof *a->refrigerants, &a->nrefrigerants);
    for (size_t i = 0; i < a->nrefrigerants; i++) {
        json_t *e = zp__jr_elem_obj(r->jr, arr, apath, i, epath);
        if (!e)
            continue;
        zp__jr_keys(r->jr, e, epath, rkeys, ZP_ARRAY_LEN(rkeys));
        if (zp__jr_str(r->jr, e, epath, "gas", REQ, 0, &s) > 0)
            a->refrigerants[i].gas = dup(r, s);
        zp__jr_num(r->jr, e, epath, "leak_kg", REQ, 0, NONNEG, &a->refrigerants[i].leak_kg);
    }
}

static void read_objective(reader *r, json_t *root)
{
    static const char *const keys[] = {"minimise", "carbon_price_cny_per_t"};
    /* index = zp_objective_kind */
    static const char *const kinds[] = {"carbon", "cost", "cost_with_carbon_price"};
    char path[PATH_SZ], kpath[PATH_SZ];
    int kind = ZP_MINIMISE_CARBON;
    json_t *o = zp__jr_obj(r->jr, root, "", "objective", OPT, path);
    if (!o)
        return;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_enum(r->jr, o, path, "minimise", OPT, kinds, ZP_ARRAY_LEN(kinds), 0, &kind);
    r->m->objective = (zp_objective_kind)kind;
    int price = zp__jr_num(r->jr, o, path, "carbon_price_cny_per_t", OPT, 0, NONNEG,
                          &r->m->carbon_price_cny_per_t);
    if (kind == ZP_MINIMISE_COST_WITH_CARBON_PRICE && price == 0) {
        zp__jsonpos_path_key(kpath, sizeof kpath, path, "minimise");
        report(r, kpath, 0, "cost_with_carbon_price needs carbon_price_cny_per_t");
    }
}

/* "resilience": a critical load the plan keeps covered through a grid
 * outage of reserve_h hours by holding stored energy in reserve. */
static void read_resilience(reader *r, json_t *root)
{
    static const char *const keys[] = {"critical_load_kw", "reserve_h"};
    char path[PATH_SZ];
    zp_resilience *rs = &r->m->resilience;
    json_t *o = zp__jr_obj(r->jr, root, "", "resilience", OPT, path);
    if (!o)
        return;
    rs->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__model_value_field(r, o, path, "critical_load_kw", REQ, 0, NONNEG, ZP_SERIES_POWER,
                          &rs->critical_load_kw);
    zp__jr_num(r->jr, o, path, "reserve_h", OPT, 4, zp__jr_in(0, 168), &rs->reserve_h);
}

static const char *years_text(const int *ys, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used + 8 < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? ", " : "", ys[i]);
    if (!n)
        snprintf(buf, size, "none");
    return buf;
}

static int has_year(const int *ys, size_t n, int y)
{
    for (size_t i = 0; i < n; i++)
        if (ys[i] == y)
            return 1;
    return 0;
}

/* The factor set (docs/model.md "Which grid factor"): read it, check that
 * accounting.grid_region and accounting.year name factors in it, and give
 * the model the grid factor it does not write (zp_model_grid_factors for
 * the year the period starts in). The embedded set is read in step 2, a
 * directory in step 3 (now) with the other files. */
static void read_factors(reader *r, int now)
{
    zp_model *m = r->m;
    zp_accounting *a = &m->accounting;
    char list[768], sv[80];
    zp_status rc;
    if (r->st || a->factors)
        return;
    if (a->factor_set_path) {
        if (!now)
            return;
        rc = zp_factor_set_load_dir(r->ctx, a->factor_set_path, &a->factors);
        if (rc) {
            if (rc == ZP_ENOMEM)
                r->st = rc;
            else
                report(r, "accounting.factor_set", 0, "%s", zp_ctx_errmsg(r->ctx));
            zp_ctx_clear_error(r->ctx);
            return;
        }
    } else if ((rc = zp_factor_set_default(r->ctx, &a->factors))) {
        r->st = ZP_ENOMEM; /* the embedded tables are checked by the tests */
        return;
    }
    const zp_factor_set *fs = a->factors;
    const char *fsname = zp_factor_set_name(fs);
    const char *region = a->grid_region ? a->grid_region : "national";
    int bad = 0;
    if (a->grid_region) {
        const char *names[128];
        size_t n = zp__grid_regions(fs, ZP_GRID_AVERAGE, names, ZP_ARRAY_LEN(names)), k = 0;
        while (k < n && strcasecmp(names[k], region) != 0)
            k++;
        if (k == n) {
            const char *near = zp__nearest(region, names, n);
            if (near)
                report(r, "accounting.grid_region", 0,
                               "unknown grid region '%s'; did you mean '%s'?",
                               zp__jr_shown(region, sv, sizeof sv), near);
            else
                report(r, "accounting.grid_region", 0,
                               "unknown grid region '%s'; factor set %s has: %s",
                               zp__jr_shown(region, sv, sizeof sv), fsname,
                               zp__jr_join(names, n, list, sizeof list));
            bad = 1;
        }
    }
    if (a->year && !bad) {
        int ys[64];
        size_t ny = zp__grid_years(fs, region, ZP_GRID_AVERAGE, ys, ZP_ARRAY_LEN(ys));
        if (!has_year(ys, ny, a->year)) {
            report(r, "accounting.year", 0,
                           "grid region '%s' has no factor for %d in factor set %s; years with "
                           "factors: %s",
                           zp__jr_shown(region, sv, sizeof sv), a->year, fsname,
                           years_text(ys, ny, list, sizeof list));
            bad = 1;
        }
        ny = zp__grid_years(fs, "national", ZP_GRID_RESIDUAL, ys, ZP_ARRAY_LEN(ys));
        if ((!a->residual || strcmp(a->residual, "factor_set") == 0) &&
            !has_year(ys, ny, a->year)) {
            report(r, "accounting.year", 0,
                           "the national residual mix (accounting.residual \"factor_set\") has "
                           "no factor for %d in factor set %s; years with factors: %s; or set "
                           "accounting.residual to \"location\" or \"value\"",
                           a->year, fsname, years_text(ys, ny, list, sizeof list));
            bad = 1;
        }
    }
    /* Each fuel has a factor in the chosen fuel set (accounting.fuel_set):
     * the IPCC 2006 set has no raw coal and measures natural gas in t. */
    for (size_t i = 0; a->fuel_set && i < m->nfuels; i++) {
        zp_fuel_factor_row row;
        const zp_fuel *f = &m->fuels[i];
        if (!f->type || !f->unit)
            continue;
        rc = zp_factor_fuel(r->ctx, fs, f->type, f->unit, a->fuel_set, &row);
        if (rc == ZP_ENOMEM) {
            r->st = rc;
            return;
        }
        if (rc) {
            char fp[64];
            snprintf(fp, sizeof fp, "fuels[%zu].type", i);
            report(r, fp, 0, "%s (accounting.fuel_set \"%s\"; \"cn\" falls back to "
                   "IPCC 2006 for a fuel it lacks)", zp_ctx_errmsg(r->ctx), a->fuel_set);
            zp_ctx_clear_error(r->ctx);
            bad = 1;
        }
    }
    /* The factor itself, once everything it rests on is sound. */
    if (bad || (now ? r->nd : zp__jr_problems(r->jr)) || !r->period_ok)
        return;
    zp_grid_factors gf;
    if ((rc = zp_model_grid_factors(r->ctx, m, 0, &gf))) {
        if (rc == ZP_ENOMEM)
            r->st = rc;
        else
            report(r, "accounting", 0, "%s", zp_ctx_errmsg(r->ctx));
        zp_ctx_clear_error(r->ctx);
        return;
    }
    if (!m->grid.emission_factor_given) {
        m->grid.emission_factor_kg_per_kwh.constant = gf.location.value;
        m->grid.emission_factor_source = gf.location.source;
    }
    if (gf.warning[0]) {
        int line, col;
        zp__jr_position(r->jr, "grid.emission_factor_kg_per_kwh", ZP_JR_AT_VALUE, &line, &col);
        zp__log(r->ctx, ZP_LOG_WARN, "%s:%d:%d: %s", r->file ? r->file : "model", line, col,
                gf.warning);
    }
}

static void read_root(reader *r, json_t *root)
{
    static const char *const keys[] = {"name",    "utc_offset_h", "site",        "period",
                                       "weather", "grid",         "pv",          "wind",
                                       "storage", "loads",        "datacenter",  "fuels",
                                       "certificates", "targets", "objective",
                                       "resilience", "accounting",
                                       /* live devices: model/devices.c */
                                       "devices",
                                       /* candidates for `zeropark plan`: model/planning.c */
                                       "planning"};
    char path[PATH_SZ];
    zp_model *m = r->m;
    const char *name;

    zp__jr_keys(r->jr, root, "", keys, ZP_ARRAY_LEN(keys));
    if (zp__jr_str(r->jr, root, "", "name", REQ, 0, &name) > 0)
        m->name = dup(r, name);
    if (zp__jr_num(r->jr, root, "", "utc_offset_h", OPT, 8, zp__jr_in(-12, 14),
                   &m->utc_offset_h) >= 0) {
        double min = m->utc_offset_h * 60;
        if (min != floor(min)) {
            zp__jsonpos_path_key(path, sizeof path, "", "utc_offset_h");
            report(r, path, 0, "%.15g hours is not a whole number of minutes", m->utc_offset_h);
        }
        m->utc_offset_min = (int32_t)floor(min);
    }
    read_site(r, root);
    read_period(r, root);
    read_weather(r, root);
    read_grid(r, root);
    read_pv(r, root);
    read_wind(r, root);
    read_storage(r, root);
    read_loads(r, root);
    read_datacenter(r, root);
    read_fuels(r, root);
    read_certificates(r, root);
    read_targets(r, root);
    read_objective(r, root);
    read_resilience(r, root);
    read_accounting(r, root);
    zp__model_read_planning(r, root);
    read_factors(r, 0);

    /* What the generators need from the rest of the model. */
    if ((m->npv || m->weather.present) && !json_object_get(root, "site"))
        report(r, "", 0, "missing required field 'site' (pv and weather need the coordinates)");
    if (!m->weather.present) {
        if (m->npv)
            report(r, "pv", 0, "needs weather data; add \"weather\": {\"csv\": ...}");
        if (m->nwind)
            report(r, "wind", 0, "needs weather data; add \"weather\": {\"csv\": ...}");
    }
}

/* ---- step 3: files ---------------------------------------------------------- */

static int has_name(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static zp_status check_weather(reader *r)
{
    zp_weather *w = &r->m->weather;
    char **hdr = NULL;
    size_t nh = 0;
    zp_status rc = ZP_OK;
    if (!w->present || !w->csv_path || !w->format)
        return ZP_OK;
    if (strcmp(w->format, "tmy3") == 0) {
        /* the TMY3 reader comes later; for now the file must be there */
        FILE *f = fopen(w->csv_path, "rb");
        if (!f)
            return report(r, "weather.csv", 0, "cannot open %s: %s", w->csv_path, strerror(errno));
        fclose(f);
        return ZP_OK;
    }
    rc = zp_csv_header_file(r->ctx, w->csv_path, &hdr, &nh);
    if (rc == ZP_ENOMEM)
        goto out;
    if (rc) {
        rc = report(r, "weather.csv", 0, "%s", zp_ctx_errmsg(r->ctx));
        goto out;
    }
    const char *need[3] = {"ghi_w_m2", "temp_air_c", "wind_speed_m_s"};
    size_t nneed = r->m->nwind ? 3 : 2;
    for (size_t i = 0; i < nneed && !rc; i++)
        if (!has_name(hdr, nh, need[i]))
            rc = report(r, "weather.csv", 0, "%s has no column '%s'%s", w->csv, need[i],
                          i == 2 ? " (wind assets need it)" : "");
    w->has_dni = has_name(hdr, nh, "dni_w_m2");
    w->has_dhi = has_name(hdr, nh, "dhi_w_m2");
    w->has_wind_speed = has_name(hdr, nh, "wind_speed_m_s");
out:
    zp_strv_free(r->ctx, hdr, nh);
    return rc;
}

/* First value of s outside rg: a diagnostic naming when. */
static zp_status check_values(reader *r, const sref *ref, const zp_series *s)
{
    char msg[256], tbuf[ZP_TIME_BUFSIZE];
    for (size_t i = 0; i < s->len; i++) {
        if (!zp__jr_range_ok(ref->rg, s->v[i])) {
            zp__jr_range_text(ref->rg, s->v[i], msg, sizeof msg);
            return report(r, ref->path, 0, "%s column '%s' at %s: %s", ref->v->csv, ref->v->column,
                            zp_time_format(s->start + (zp_time_t)i * s->step_s,
                                           r->m->utc_offset_min, tbuf),
                            msg);
        }
    }
    return ZP_OK;
}

/* Header check only: used when the period is unusable, so that a missing
 * file or column is still reported along with the other problems. */
static zp_status check_column(reader *r, const sref *ref)
{
    char **hdr = NULL;
    size_t nh = 0;
    zp_status rc = zp_csv_header_file(r->ctx, ref->v->csv_path, &hdr, &nh);
    if (rc == ZP_ENOMEM)
        goto out;
    if (rc) {
        rc = report(r, ref->path, 0, "%s", zp_ctx_errmsg(r->ctx));
        goto out;
    }
    /* the first column holds the timestamps */
    if (nh < 2 || !has_name(hdr + 1, nh - 1, ref->v->column)) {
        const char *near = nh > 1 ? zp__nearest(ref->v->column, (const char *const *)hdr + 1,
                                                nh - 1)
                                  : NULL;
        if (near)
            rc = report(r, ref->path, 0, "%s has no column '%s'; did you mean '%s'?", ref->v->csv,
                          ref->v->column, near);
        else
            rc = report(r, ref->path, 0, "%s has no column '%s'", ref->v->csv, ref->v->column);
    }
out:
    zp_strv_free(r->ctx, hdr, nh);
    return rc;
}

static zp_status load_ref(reader *r, const sref *ref)
{
    zp_model *m = r->m;
    zp_series **cols = NULL, *aligned = NULL;
    size_t ncols = 0;
    zp_csv_opts o;
    const char *col = ref->v->column;
    zp_status rc;

    if (!r->period_ok)
        return check_column(r, ref);
    zp_csv_opts_init(&o);
    o.columns = &col;
    o.ncolumns = 1;
    o.kind = ref->kind;
    /* stamps without an offset are park local time, as the design says */
    o.default_offset_min = m->utc_offset_min;
    rc = zp_csv_read_file(r->ctx, ref->v->csv_path, &o, &cols, &ncols);
    if (rc == ZP_OK && ncols != 1)
        rc = zp__error(r->ctx, ZP_EDATA, "%s: expected one column, got %zu", ref->v->csv, ncols);
    if (rc == ZP_OK)
        rc = zp_series_align(r->ctx, cols[0], m->start, m->step_min * 60, m->steps, &aligned);
    if (rc == ZP_ENOMEM)
        goto out;
    if (rc) {
        rc = report(r, ref->path, 0, "%s", zp_ctx_errmsg(r->ctx));
        goto out;
    }
    rc = check_values(r, ref, aligned);
    ref->v->series = aligned;
    aligned = NULL;
out:
    zp_series_array_free(r->ctx, cols, ncols);
    zp_series_free(r->ctx, aligned);
    return rc;
}

static zp_status load_files(reader *r)
{
    zp_status rc = check_weather(r);
    for (size_t i = 0; i < r->nrefs && rc != ZP_ENOMEM; i++)
        rc = load_ref(r, &r->refs[i]);
    if (rc != ZP_ENOMEM)
        read_factors(r, 1);
    return rc == ZP_ENOMEM || r->st || zp__jr_status(r->jr) ? ZP_ENOMEM : ZP_OK;
}

/* ---- public ------------------------------------------------------------------ */

double zp_value_at(const zp_value *v, size_t i)
{
    if (!v->is_series)
        return v->constant;
    if (!v->series || i >= v->series->len)
        return NAN;
    return v->series->v[i];
}

zp_status zp_model_load_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                            const char *basedir, unsigned flags, zp_model **out)
{
    reader r;
    json_t *root = NULL;
    zp_jr_opts o;
    zp_status rc = ZP_OK;
    size_t errs_before, ndevice_errs = 0;

    if (!ctx)
        return ZP_EINVAL;
    if (!out || (!buf && len))
        return zp__error(ctx, ZP_EINVAL, "zp_model_load_buf: NULL argument");
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.file = fname;
    r.flags = flags;
    errs_before = zp_ctx_diag_errors(ctx);

    /* a string holding \u0000 is refused at its path */
    zp__jr_opts_init(&o);
    o.file = fname;
    o.what = "model";
    o.max_bytes = ZP_MODEL_MAX_BYTES;
    o.flags = ZP_JR_SKIP_BOM | ZP_JR_NUL_AT_PATH;
    o.mode = ZP_JR_SORTED;
    rc = zp__jr_open_buf(ctx, buf, len, &o, &r.jr);
    if (rc == ZP_EPARSE) {
        rc = ZP_OK;
        goto count;
    }
    if (rc)
        goto out;
    root = zp__jr_root(r.jr);
    r.m = zp__calloc(ctx, 1, sizeof *r.m);
    if (!r.m) {
        rc = zp__nomem(ctx);
        goto out;
    }
    r.m->file = dup(&r, fname);
    r.m->dir = dup(&r, basedir && basedir[0] ? basedir : ".");
    r.m->utc_offset_h = 8;
    r.m->utc_offset_min = 480;
    r.m->step_min = 60;
    if (!json_is_object(root))
        report(&r, "", 0, "the model must be a JSON object, got %s", zp__jr_type_name(root));
    else
        read_root(&r, root);
    r.nd = zp__jr_problems(r.jr);
    if (r.st || zp__jr_flush(r.jr)) {
        rc = zp__nomem(ctx);
        goto out;
    }
    if (!(flags & ZP_MODEL_NO_SERIES) && json_is_object(root) && load_files(&r)) {
        rc = zp__nomem(ctx);
        goto out;
    }
    size_t before_devices = zp_ctx_diag_errors(ctx);
    if (json_is_object(root) && zp__devices_read(ctx, r.jr, &r.m->devices)) {
        rc = zp__nomem(ctx);
        goto out;
    }
    ndevice_errs = zp_ctx_diag_errors(ctx) - before_devices;
count:;
    size_t n = zp_ctx_diag_errors(ctx) - errs_before;
    if (n || !r.m) {
        /* a model whose only problems are its devices says so, as `zeropark
         * serve` and `zeropark validate` did when the devices were read apart */
        rc = zp__error(ctx, ZP_EMODEL, "%s: %zu problem%s%s", fname ? fname : "model", n,
                       n == 1 ? "" : "s", n && n == ndevice_errs ? " in \"devices\"" : "");
        goto out;
    }
    *out = r.m;
    r.m = NULL;
out:
    zp_model_free(ctx, r.m);
    reader_free(&r);
    return rc;
}

zp_status zp_model_load_file(zp_ctx *ctx, const char *path, unsigned flags, zp_model **out)
{
    char *buf = NULL, *dir = NULL;
    size_t len = 0;
    zp_status rc = ZP_OK;

    if (!ctx)
        return ZP_EINVAL;
    if (!path || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_model_load_file: NULL argument");
    if ((rc = zp__file_read(ctx, path, ZP_MODEL_MAX_BYTES, "model", &buf, &len)))
        goto out;
    const char *slash = strrchr(path, '/');
    if (slash) {
        dir = zp__strndup(ctx, path, slash == path ? 1 : (size_t)(slash - path));
        if (!dir) {
            rc = zp__nomem(ctx);
            goto out;
        }
    }
    rc = zp_model_load_buf(ctx, buf, len, path, dir, flags, out);
out:
    zp__free(ctx, buf);
    zp__free(ctx, dir);
    return rc;
}

static void value_free(zp_ctx *ctx, zp_value *v)
{
    zp__free(ctx, v->csv);
    zp__free(ctx, v->csv_path);
    zp__free(ctx, v->column);
    zp_series_free(ctx, v->series);
}

void zp_model_free(zp_ctx *ctx, zp_model *m)
{
    if (!m)
        return;
    zp__free(ctx, m->name);
    zp__free(ctx, m->file);
    zp__free(ctx, m->dir);
    zp__free(ctx, m->weather.csv);
    zp__free(ctx, m->weather.csv_path);
    zp__free(ctx, m->weather.format);
    value_free(ctx, &m->grid.emission_factor_kg_per_kwh);
    value_free(ctx, &m->grid.price_cny_per_kwh);
    value_free(ctx, &m->grid.export_price_cny_per_kwh);
    value_free(ctx, &m->grid.green_power.profile_kw);
    zp_tariff_free(ctx, m->grid.tariff);
    zp__free(ctx, m->grid.tariff_name);
    for (size_t i = 0; m->pv && i < m->npv; i++)
        zp__free(ctx, m->pv[i].name);
    zp__free(ctx, m->pv);
    for (size_t i = 0; m->wind && i < m->nwind; i++) {
        zp__free(ctx, m->wind[i].name);
        zp__free(ctx, m->wind[i].power_curve);
    }
    zp__free(ctx, m->datacenter.pue_curve);
    zp__free(ctx, m->wind);
    for (size_t i = 0; m->storage && i < m->nstorage; i++)
        zp__free(ctx, m->storage[i].name);
    zp__free(ctx, m->storage);
    for (size_t i = 0; m->loads && i < m->nloads; i++) {
        zp__free(ctx, m->loads[i].name);
        value_free(ctx, &m->loads[i].power_kw);
    }
    zp__free(ctx, m->loads);
    value_free(ctx, &m->datacenter.it_power_kw);
    value_free(ctx, &m->resilience.critical_load_kw);
    value_free(ctx, &m->accounting.water_l);
    zp__free(ctx, m->accounting.factor_set);
    zp__free(ctx, m->accounting.factor_set_path);
    zp_factor_set_free(ctx, m->accounting.factors);
    zp__free(ctx, m->accounting.grid_region);
    zp__free(ctx, m->accounting.fuel_set);
    zp__free(ctx, m->accounting.residual);
    for (size_t i = 0; m->accounting.refrigerants && i < m->accounting.nrefrigerants; i++)
        zp__free(ctx, m->accounting.refrigerants[i].gas);
    zp__free(ctx, m->accounting.refrigerants);
    for (size_t i = 0; m->fuels && i < m->nfuels; i++) {
        zp__free(ctx, m->fuels[i].type);
        zp__free(ctx, m->fuels[i].unit);
    }
    zp__free(ctx, m->fuels);
    zp_devices_free(ctx, &m->devices);
    zp__model_planning_free(ctx, &m->planning);
    zp__free(ctx, m);
}
