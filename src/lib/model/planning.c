/*
 * planning.c - the model's "planning" section (docs/planning.md): the
 * candidates `zeropark plan` may build or buy, with their costs.
 *
 *   discount_rate, analysis_years     the money's time
 *   pv[], wind[], storage[]           new capacity, or more of an existing
 *                                     asset ("extends" names it)
 *   green_power, certificates         purchases by the year
 *   credits                           carbon credits, and how far they count
 *
 * Read after pv, wind, storage and grid (model.c), so that what a
 * candidate extends is known; every problem is located like the rest of
 * the model's ("model.json:40:17: planning.pv[0].max_kwp: ...").
 */
#include "model/model_impl.h"

#include "core/internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { OPT = ZP_JR_OPT, REQ = ZP_JR_REQ };

#define MAX_LIFETIME_Y 100.0
#define MAX_CANDIDATES 1000

static void report(reader *r, const char *path, const char *fmt, ...) ZP_PRINTF(3, 4);
static void report(reader *r, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (zp__jr_vreport(r->jr, path, ZP_JR_AT_VALUE, fmt, ap))
        r->st = ZP_ENOMEM;
    va_end(ap);
}

static char *dup(reader *r, const char *s)
{
    char *d = zp__strdup(r->ctx, s);
    if (!d && s)
        r->st = ZP_ENOMEM;
    return d;
}

static void *candidates(reader *r, json_t *arr, size_t elem, size_t *n)
{
    *n = 0;
    if (!arr || r->st || !json_array_size(arr))
        return NULL;
    void *p = zp__calloc(r->ctx, json_array_size(arr), elem);
    if (!p) {
        r->st = ZP_ENOMEM;
        return NULL;
    }
    *n = json_array_size(arr);
    return p;
}

/* The name (required) and what it extends: an asset of the model's kind
 * (names, count n, kind "pv" as in the message); 1 when it extends one. */
static int name_extends(reader *r, json_t *o, const char *path, char **name, char **extends,
                        size_t *index, const char *const *names, size_t n, const char *kind)
{
    const char *s;
    char fpath[PATH_SZ], sv[80];
    if (zp__jr_str(r->jr, o, path, "name", REQ, 0, &s) > 0)
        *name = dup(r, s);
    if (zp__jr_str(r->jr, o, path, "extends", OPT, 0, &s) <= 0)
        return 0;
    *extends = dup(r, s);
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0) {
            *index = i;
            return 1;
        }
    zp__jsonpos_path_key(fpath, sizeof fpath, path, "extends");
    const char *near = n ? zp__nearest(s, names, n) : NULL;
    if (near)
        report(r, fpath, "the model has no %s named '%s'; did you mean '%s'?", kind,
               zp__jr_shown(s, sv, sizeof sv), near);
    else
        report(r, fpath, "the model has no %s named '%s'%s", kind, zp__jr_shown(s, sv, sizeof sv),
               n ? "" : " (it has none to extend)");
    return -1;
}

/* Keys an extension takes from the asset it extends: present = a problem. */
static void not_with_extends(reader *r, json_t *o, const char *path, const char *const *keys,
                             size_t n, const char *kind, const char *what)
{
    char fpath[PATH_SZ];
    for (size_t i = 0; i < n; i++)
        if (json_object_get(o, keys[i])) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, keys[i]);
            zp__jr_report(r->jr, fpath, ZP_JR_AT_KEY,
                          "an extension takes the %s of the %s it extends; drop %s", what, kind,
                          keys[i]);
        }
}

/* Lifetime, a ceiling and an optional minimum size (min <= max). */
static void lifetime(reader *r, json_t *o, const char *path, double *out)
{
    zp__jr_num(r->jr, o, path, "lifetime_years", REQ, 0, zp__jr_gt_le(0, MAX_LIFETIME_Y), out);
}

static void min_size(reader *r, json_t *o, const char *path, const char *key, double max,
                     int max_ok, double *out)
{
    char fpath[PATH_SZ];
    if (zp__jr_num(r->jr, o, path, key, OPT, 0, zp__jr_ge(0), out) > 0 && max_ok && *out > max) {
        zp__jsonpos_path_key(fpath, sizeof fpath, path, key);
        report(r, fpath, "%.15g is above the ceiling (%.15g)", *out, max);
    }
}

/* Candidate names unique within their array; a new asset's also unused
 * by the model's assets of its kind (the plan's model adds it by name). */
static void unique_names(reader *r, const char *apath, char *const *names, char *const *extends,
                         size_t n, const char *const *existing, size_t nexisting,
                         const char *kind)
{
    char epath[PATH_SZ], path[PATH_SZ], sv[80];
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        zp__jsonpos_path_index(epath, sizeof epath, apath, i);
        zp__jsonpos_path_key(path, sizeof path, epath, "name");
        for (size_t k = 0; k < i; k++)
            if (names[k] && strcmp(names[k], names[i]) == 0) {
                report(r, path, "duplicate name '%s'", zp__jr_shown(names[i], sv, sizeof sv));
                break;
            }
        for (size_t k = 0; !extends[i] && k < nexisting; k++)
            if (existing[k] && strcmp(existing[k], names[i]) == 0) {
                report(r, path, "the model's %s '%s' has this name; a new %s needs its own "
                       "(or extend it with \"extends\")", kind,
                       zp__jr_shown(names[i], sv, sizeof sv), kind);
                break;
            }
        for (size_t k = 0; extends[i] && k < i; k++)
            if (extends[k] && strcmp(extends[k], extends[i]) == 0) {
                zp__jsonpos_path_key(path, sizeof path, epath, "extends");
                report(r, path, "%s '%s' is already extended by %s[%zu]; one candidate per %s",
                       kind, zp__jr_shown(extends[i], sv, sizeof sv), apath, k, kind);
                break;
            }
    }
}

/* Name arrays of the model's assets and of the candidates, for the checks. */
#define NAMES(arr, n, field, out)                                                          \
    do {                                                                                   \
        for (size_t i_ = 0; i_ < (n); i_++)                                                \
            (out)[i_] = (arr)[i_].field ? (arr)[i_].field : "";                           \
    } while (0)

static void read_pv(reader *r, json_t *po, const char *ppath)
{
    static const char *const keys[] = {"name", "extends", "tilt_deg", "azimuth_deg",
                                       "losses_pct", "dc_ac_ratio", "gamma_pct_per_c",
                                       "capex_cny_per_kwp", "om_cny_per_kwp_year",
                                       "lifetime_years", "max_kwp", "area_m2", "kwp_per_m2",
                                       "min_kwp"};
    static const char *const physics[] = {"tilt_deg", "azimuth_deg", "losses_pct",
                                          "dc_ac_ratio", "gamma_pct_per_c"};
    char apath[PATH_SZ], path[PATH_SZ], fpath[PATH_SZ];
    zp_model *m = r->m;
    zp_planning *pl = &m->planning;
    json_t *arr = zp__jr_arr(r->jr, po, ppath, "pv", OPT, MAX_CANDIDATES, apath);
    pl->pv = candidates(r, arr, sizeof *pl->pv, &pl->npv);
    const char **existing = zp__calloc(r->ctx, m->npv + 1, sizeof *existing);
    char **names = zp__calloc(r->ctx, pl->npv + 1, sizeof *names);
    char **ext = zp__calloc(r->ctx, pl->npv + 1, sizeof *ext);
    if (!existing || !names || !ext) {
        r->st = ZP_ENOMEM;
        goto out;
    }
    NAMES(m->pv, m->npv, name, existing);
    for (size_t i = 0; i < pl->npv; i++) {
        zp_plan_pv *c = &pl->pv[i];
        c->area_m2 = c->kwp_per_m2 = NAN;
        json_t *o = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!o)
            continue;
        zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
        int ex = name_extends(r, o, path, &c->name, &c->extends, &c->extends_index, existing,
                              m->npv, "pv array");
        if (ex) {
            not_with_extends(r, o, path, physics, ZP_ARRAY_LEN(physics), "pv array",
                             "orientation, losses and inverter ratio");
        } else {
            c->array.name = c->name;
            c->array.capacity_kwp = 1.0;
            zp__jr_num(r->jr, o, path, "tilt_deg", REQ, 0, zp__jr_in(0, 90), &c->array.tilt_deg);
            zp__jr_num(r->jr, o, path, "azimuth_deg", REQ, 0, zp__jr_in(0, 360),
                       &c->array.azimuth_deg);
            zp__jr_num(r->jr, o, path, "losses_pct", OPT, 14, zp__jr_in(0, 100),
                       &c->array.losses_pct);
            zp__jr_num(r->jr, o, path, "gamma_pct_per_c", OPT, -0.35, zp__jr_in(-2, 0),
                       &c->array.gamma_pct_per_c);
            /* a DC/AC ratio of 1.2 is the usual design point, as for pv[] */
            zp__jr_num(r->jr, o, path, "dc_ac_ratio", OPT, 1.2, zp__jr_in(0.5, 3),
                       &c->dc_ac_ratio);
            c->array.inverter_kw = 1.0 / c->dc_ac_ratio;
        }
        zp__jr_num(r->jr, o, path, "capex_cny_per_kwp", REQ, 0, zp__jr_ge(0),
                   &c->capex_cny_per_kwp);
        zp__jr_num(r->jr, o, path, "om_cny_per_kwp_year", OPT, 0, zp__jr_ge(0),
                   &c->om_cny_per_kwp_year);
        lifetime(r, o, path, &c->lifetime_years);
        int mk = zp__jr_num(r->jr, o, path, "max_kwp", OPT, NAN, zp__jr_ge(0), &c->max_kwp);
        int ar = zp__jr_num(r->jr, o, path, "area_m2", OPT, NAN, zp__jr_ge(0), &c->area_m2);
        int kd = zp__jr_num(r->jr, o, path, "kwp_per_m2", OPT, NAN, zp__jr_gt_le(0, 0.5),
                            &c->kwp_per_m2);
        int max_ok = 0;
        if (mk > 0 && ar != 0) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "area_m2");
            zp__jr_report(r->jr, fpath, ZP_JR_AT_KEY,
                          "give max_kwp or area_m2 with kwp_per_m2, not both");
        } else if (mk == 0 && ar == 0) {
            report(r, path, "give the ceiling: max_kwp, or area_m2 with kwp_per_m2");
        } else if (ar > 0 && kd == 0) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "area_m2");
            zp__jr_report(r->jr, fpath, ZP_JR_AT_KEY,
                          "area_m2 needs kwp_per_m2 (kWp of modules per m2 of the area)");
        } else if (ar > 0 && kd > 0) {
            c->max_kwp = c->area_m2 * c->kwp_per_m2;
            max_ok = 1;
        } else if (mk > 0) {
            max_ok = 1;
        }
        if (kd > 0 && ar == 0) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "kwp_per_m2");
            zp__jr_report(r->jr, fpath, ZP_JR_AT_KEY, "kwp_per_m2 goes with area_m2");
        }
        min_size(r, o, path, "min_kwp", c->max_kwp, max_ok, &c->min_kwp);
        names[i] = c->name;
        ext[i] = c->extends;
    }
    if (arr)
        unique_names(r, apath, names, ext, pl->npv, existing, m->npv, "pv array");
out:
    zp__free(r->ctx, existing);
    zp__free(r->ctx, names);
    zp__free(r->ctx, ext);
}

static void read_wind(reader *r, json_t *po, const char *ppath)
{
    static const char *const keys[] = {"name", "extends", "turbine_kw", "hub_height_m",
                                       "measurement_height_m", "shear_exponent", "power_curve",
                                       "capex_cny_per_kw", "om_cny_per_kw_year",
                                       "lifetime_years", "max_kw", "min_kw", "whole_turbines"};
    static const char *const physics[] = {"turbine_kw", "hub_height_m", "measurement_height_m",
                                          "shear_exponent", "power_curve"};
    char apath[PATH_SZ], path[PATH_SZ], fpath[PATH_SZ];
    zp_model *m = r->m;
    zp_planning *pl = &m->planning;
    json_t *arr = zp__jr_arr(r->jr, po, ppath, "wind", OPT, MAX_CANDIDATES, apath);
    pl->wind = candidates(r, arr, sizeof *pl->wind, &pl->nwind);
    const char **existing = zp__calloc(r->ctx, m->nwind + 1, sizeof *existing);
    char **names = zp__calloc(r->ctx, pl->nwind + 1, sizeof *names);
    char **ext = zp__calloc(r->ctx, pl->nwind + 1, sizeof *ext);
    if (!existing || !names || !ext) {
        r->st = ZP_ENOMEM;
        goto out;
    }
    NAMES(m->wind, m->nwind, name, existing);
    for (size_t i = 0; i < pl->nwind; i++) {
        zp_plan_wind *c = &pl->wind[i];
        json_t *o = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!o)
            continue;
        zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
        int ex = name_extends(r, o, path, &c->name, &c->extends, &c->extends_index, existing,
                              m->nwind, "wind farm");
        double turbine = NAN;
        if (ex) {
            not_with_extends(r, o, path, physics, ZP_ARRAY_LEN(physics), "wind farm",
                             "turbine");
            if (ex > 0)
                turbine = m->wind[c->extends_index].rated_kw;
        } else {
            zp_wind *w = &c->turbine;
            w->name = c->name;
            w->count = 1;
            int rated = zp__jr_num(r->jr, o, path, "turbine_kw", REQ, 0, zp__jr_gt(0),
                                   &w->rated_kw);
            zp__jr_num(r->jr, o, path, "hub_height_m", REQ, 0, zp__jr_gt(0), &w->hub_height_m);
            zp__jr_num(r->jr, o, path, "measurement_height_m", OPT, 10, zp__jr_gt(0),
                       &w->measurement_height_m);
            zp__jr_num(r->jr, o, path, "shear_exponent", OPT, 1.0 / 7.0, zp__jr_in(0, 1),
                       &w->shear_exponent);
            zp__model_read_power_curve(r, o, path, w, rated > 0);
            if (rated > 0)
                turbine = w->rated_kw;
        }
        zp__jr_num(r->jr, o, path, "capex_cny_per_kw", REQ, 0, zp__jr_ge(0), &c->capex_cny_per_kw);
        zp__jr_num(r->jr, o, path, "om_cny_per_kw_year", OPT, 0, zp__jr_ge(0),
                   &c->om_cny_per_kw_year);
        lifetime(r, o, path, &c->lifetime_years);
        int mk = zp__jr_num(r->jr, o, path, "max_kw", REQ, 0, zp__jr_ge(0), &c->max_kw);
        min_size(r, o, path, "min_kw", c->max_kw, mk > 0, &c->min_kw);
        zp__jr_bool(r->jr, o, path, "whole_turbines", OPT, &c->whole_turbines);
        if (c->whole_turbines && mk > 0 && isfinite(turbine) && c->max_kw < turbine) {
            zp__jsonpos_path_key(fpath, sizeof fpath, path, "max_kw");
            report(r, fpath, "%.15g kW is less than one turbine (%.15g kW)", c->max_kw, turbine);
        }
        names[i] = c->name;
        ext[i] = c->extends;
    }
    if (arr)
        unique_names(r, apath, names, ext, pl->nwind, existing, m->nwind, "wind farm");
out:
    zp__free(r->ctx, existing);
    zp__free(r->ctx, names);
    zp__free(r->ctx, ext);
}

static void read_storage(reader *r, json_t *po, const char *ppath)
{
    static const char *const keys[] = {"name", "extends", "charge_efficiency",
                                       "discharge_efficiency", "soc_min", "soc_max",
                                       "soc_initial", "degradation_cny_per_kwh",
                                       "capex_cny_per_kwh", "capex_cny_per_kw",
                                       "om_cny_per_kwh_year", "om_cny_per_kw_year",
                                       "lifetime_years", "max_kwh", "max_kw", "min_kwh",
                                       "min_kw"};
    static const char *const physics[] = {"charge_efficiency", "discharge_efficiency",
                                          "soc_min", "soc_max", "soc_initial",
                                          "degradation_cny_per_kwh"};
    char apath[PATH_SZ], path[PATH_SZ], fpath[PATH_SZ];
    zp_model *m = r->m;
    zp_planning *pl = &m->planning;
    json_t *arr = zp__jr_arr(r->jr, po, ppath, "storage", OPT, MAX_CANDIDATES, apath);
    pl->storage = candidates(r, arr, sizeof *pl->storage, &pl->nstorage);
    const char **existing = zp__calloc(r->ctx, m->nstorage + 1, sizeof *existing);
    char **names = zp__calloc(r->ctx, pl->nstorage + 1, sizeof *names);
    char **ext = zp__calloc(r->ctx, pl->nstorage + 1, sizeof *ext);
    if (!existing || !names || !ext) {
        r->st = ZP_ENOMEM;
        goto out;
    }
    NAMES(m->storage, m->nstorage, name, existing);
    for (size_t i = 0; i < pl->nstorage; i++) {
        zp_plan_storage *c = &pl->storage[i];
        json_t *o = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!o)
            continue;
        zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
        int ex = name_extends(r, o, path, &c->name, &c->extends, &c->extends_index, existing,
                              m->nstorage, "storage");
        zp_storage *u = &c->unit;
        if (ex) {
            not_with_extends(r, o, path, physics, ZP_ARRAY_LEN(physics), "storage",
                             "efficiencies, SOC limits and wear");
            if (ex > 0) {
                *u = m->storage[c->extends_index];
                u->name = c->name;
            }
        } else {
            u->name = c->name;
            zp__jr_num(r->jr, o, path, "charge_efficiency", OPT, 0.95, zp__jr_gt_le(0, 1),
                       &u->charge_efficiency);
            zp__jr_num(r->jr, o, path, "discharge_efficiency", OPT, 0.95, zp__jr_gt_le(0, 1),
                       &u->discharge_efficiency);
            int lo = zp__jr_num(r->jr, o, path, "soc_min", OPT, 0.10, zp__jr_in(0, 1), &u->soc_min);
            int hi = zp__jr_num(r->jr, o, path, "soc_max", OPT, 0.95, zp__jr_in(0, 1), &u->soc_max);
            int ini = zp__jr_num(r->jr, o, path, "soc_initial", OPT, 0.5, zp__jr_in(0, 1),
                                 &u->soc_initial);
            zp__jr_num(r->jr, o, path, "degradation_cny_per_kwh", OPT, 0, zp__jr_ge(0),
                       &u->degradation_cny_per_kwh);
            u->end_of_life_soh = 0.8;
            u->capex_cny_per_kwh = NAN;
            if (lo >= 0 && hi >= 0 && u->soc_min >= u->soc_max) {
                zp__jsonpos_path_key(fpath, sizeof fpath, path, hi > 0 ? "soc_max" : "soc_min");
                report(r, fpath, "soc_min %.15g must be less than soc_max %.15g", u->soc_min,
                       u->soc_max);
            } else if (lo >= 0 && hi >= 0 && ini > 0 &&
                       (u->soc_initial < u->soc_min || u->soc_initial > u->soc_max)) {
                zp__jsonpos_path_key(fpath, sizeof fpath, path, "soc_initial");
                report(r, fpath, "%.15g is outside soc_min..soc_max (%.15g..%.15g)",
                       u->soc_initial, u->soc_min, u->soc_max);
            } else if (ini == 0) {
                u->soc_initial = fmin(fmax(0.5, u->soc_min), u->soc_max);
            }
        }
        int ce = zp__jr_num(r->jr, o, path, "capex_cny_per_kwh", OPT, 0, zp__jr_ge(0),
                            &c->capex_cny_per_kwh);
        int cp = zp__jr_num(r->jr, o, path, "capex_cny_per_kw", OPT, 0, zp__jr_ge(0),
                            &c->capex_cny_per_kw);
        if (ce == 0 && cp == 0)
            report(r, path, "give capex_cny_per_kwh, capex_cny_per_kw or both");
        zp__jr_num(r->jr, o, path, "om_cny_per_kwh_year", OPT, 0, zp__jr_ge(0),
                   &c->om_cny_per_kwh_year);
        zp__jr_num(r->jr, o, path, "om_cny_per_kw_year", OPT, 0, zp__jr_ge(0),
                   &c->om_cny_per_kw_year);
        lifetime(r, o, path, &c->lifetime_years);
        int me = zp__jr_num(r->jr, o, path, "max_kwh", REQ, 0, zp__jr_ge(0), &c->max_kwh);
        int mp = zp__jr_num(r->jr, o, path, "max_kw", REQ, 0, zp__jr_ge(0), &c->max_kw);
        min_size(r, o, path, "min_kwh", c->max_kwh, me > 0, &c->min_kwh);
        min_size(r, o, path, "min_kw", c->max_kw, mp > 0, &c->min_kw);
        names[i] = c->name;
        ext[i] = c->extends;
    }
    if (arr)
        unique_names(r, apath, names, ext, pl->nstorage, existing, m->nstorage, "storage");
out:
    zp__free(r->ctx, existing);
    zp__free(r->ctx, names);
    zp__free(r->ctx, ext);
}

/* green_power / certificates: {price key, max_mwh_per_year}. */
static void read_purchase(reader *r, json_t *po, const char *ppath, const char *key,
                          const char *price_key, zp_plan_purchase *out)
{
    const char *keys[] = {price_key, "max_mwh_per_year"};
    char path[PATH_SZ];
    json_t *o = zp__jr_obj(r->jr, po, ppath, key, OPT, path);
    if (!o)
        return;
    out->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_num(r->jr, o, path, price_key, REQ, 0, zp__jr_ge(0), &out->price_cny_per_mwh);
    zp__jr_num(r->jr, o, path, "max_mwh_per_year", REQ, 0, zp__jr_ge(0), &out->max_mwh_per_year);
}

static void read_credits(reader *r, json_t *po, const char *ppath)
{
    static const char *const keys[] = {"price_cny_per_t", "max_t_per_year", "max_share_pct"};
    char path[PATH_SZ];
    zp_plan_credits *c = &r->m->planning.credits;
    json_t *o = zp__jr_obj(r->jr, po, ppath, "credits", OPT, path);
    if (!o)
        return;
    c->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_num(r->jr, o, path, "price_cny_per_t", REQ, 0, zp__jr_ge(0), &c->price_cny_per_t);
    zp__jr_num(r->jr, o, path, "max_t_per_year", REQ, 0, zp__jr_ge(0), &c->max_t_per_year);
    /* the national carbon market's 5 % offset limit (docs/planning.md) */
    zp__jr_num(r->jr, o, path, "max_share_pct", OPT, 5, zp__jr_in(0, 100), &c->max_share_pct);
}

void zp__model_read_planning(reader *r, json_t *root)
{
    static const char *const keys[] = {"discount_rate", "analysis_years", "pv", "wind",
                                       "storage", "green_power", "certificates", "credits"};
    char path[PATH_SZ], gpath[PATH_SZ];
    zp_planning *pl = &r->m->planning;
    pl->discount_rate = 0.06;
    pl->analysis_years = 20;
    json_t *o = zp__jr_obj(r->jr, root, "", "planning", OPT, path);
    if (!o)
        return;
    pl->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    zp__jr_num(r->jr, o, path, "discount_rate", OPT, 0.06, zp__jr_in(0, 0.99), &pl->discount_rate);
    zp__jr_int(r->jr, o, path, "analysis_years", OPT, 20, zp__jr_in(1, 100), &pl->analysis_years);
    read_pv(r, o, path);
    read_wind(r, o, path);
    read_storage(r, o, path);
    read_purchase(r, o, path, "green_power", "premium_cny_per_mwh", &pl->green_power);
    read_purchase(r, o, path, "certificates", "price_cny_per_mwh", &pl->certificates);
    read_credits(r, o, path);
    if (pl->green_power.present && r->m->grid.green_power.present) {
        zp__jsonpos_path_key(gpath, sizeof gpath, path, "green_power");
        zp__jr_report(r->jr, gpath, ZP_JR_AT_KEY,
                      "the model already has a contract (grid.green_power); plan with one or "
                      "the other");
    }
}

void zp__model_planning_free(zp_ctx *ctx, zp_planning *p)
{
    for (size_t i = 0; p->pv && i < p->npv; i++) {
        zp__free(ctx, p->pv[i].name);
        zp__free(ctx, p->pv[i].extends);
    }
    for (size_t i = 0; p->wind && i < p->nwind; i++) {
        zp__free(ctx, p->wind[i].name);
        zp__free(ctx, p->wind[i].extends);
        zp__free(ctx, p->wind[i].turbine.power_curve);
    }
    for (size_t i = 0; p->storage && i < p->nstorage; i++) {
        zp__free(ctx, p->storage[i].name);
        zp__free(ctx, p->storage[i].extends);
    }
    zp__free(ctx, p->pv);
    zp__free(ctx, p->wind);
    zp__free(ctx, p->storage);
}
