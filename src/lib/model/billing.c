/*
 * billing.c - what the park pays, as the model writes it in "grid"
 * (docs/model.md "grid", docs/tariffs.md): the time-of-use tariff
 * (grid.tariff, by name or inline), its base price, the basic charge on
 * maximum demand or on the transformers' capacity, and a green-power
 * trading contract (grid.green_power).
 *
 * A named tariff is looked up while the model is validated (step 2 of
 * model.c), in the model's directory and then among the tables built in,
 * so that what rests on it (the base price, the default charges, the
 * years its holiday list covers) is checked with the rest of the model;
 * with ZP_MODEL_NO_SERIES only the built-in tables are looked at (no file
 * is touched) and a name they lack is left unresolved. An inline tariff
 * is read by the tariff reader through the model's JSON reader, so its
 * problems are the model's, at grid.tariff....
 */
#include "model/model_impl.h"

#include "core/internal.h"
#include "tariff/tariff_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { OPT = ZP_JR_OPT };

/* A problem the context holds (its error message) as one at path; the
 * context's error is cleared. */
static void report_ctx(reader *r, zp_status rc, const char *path, const char *after)
{
    if (rc == ZP_ENOMEM)
        r->st = ZP_ENOMEM;
    else
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE, "%s%s", zp_ctx_errmsg(r->ctx),
                      after ? after : "");
    zp_ctx_clear_error(r->ctx);
}

/* The tariff called name: the model's directory, then built in. */
static void tariff_by_name(reader *r, const char *name, const char *path)
{
    zp_grid *g = &r->m->grid;
    const char *dirs[1] = {r->m->dir};
    const size_t ndirs = (r->flags & ZP_MODEL_NO_SERIES) ? 0 : 1;
    zp_status rc = zp_tariff_find(r->ctx, name, dirs, ndirs, &g->tariff);
    if (rc == ZP_ENOTFOUND && ndirs == 0) {
        /* maybe in the model's directory, which is not looked at */
        zp_ctx_clear_error(r->ctx);
        return;
    }
    if (rc == ZP_ENOTFOUND)
        report_ctx(r, rc, path, NULL);
    else if (rc)
        /* its own problems went out as diagnostics of its file */
        report_ctx(r, rc, path, " (the tariff's problems are listed with its file)");
}

/* The tariff must price every day of the period: a base price for its
 * ratios, holidays for every year when it prices kinds of day apart. One
 * step a day checks every minute of every day. */
static void tariff_covers_period(reader *r, const char *path)
{
    const zp_model *m = r->m;
    if (!r->period_ok || !m->grid.tariff)
        return;
    zp_time_grid dg = {m->start, 86400, (size_t)((m->end - m->start + 86399) / 86400),
                       m->utc_offset_min};
    double *tmp = zp__calloc(r->ctx, dg.count ? dg.count : 1, sizeof *tmp);
    if (!tmp) {
        r->st = ZP_ENOMEM;
        return;
    }
    zp_status rc = zp_tariff_prices(r->ctx, m->grid.tariff, &dg, NULL, tmp);
    if (rc)
        report_ctx(r, rc, path,
                   rc == ZP_EDATA ? " (in the park model: grid.tariff_base_price_cny_per_kwh)"
                                  : NULL);
    zp__free(r->ctx, tmp);
}

/* grid.tariff (a name or a tariff object), its base price, and the price
 * it replaces. */
static void read_tariff(reader *r, json_t *go, const char *gpath)
{
    zp_grid *g = &r->m->grid;
    char path[PATH_SZ], bpath[PATH_SZ], sv[80];
    const char *name = NULL;
    g->tariff_base_price_cny_per_kwh = NAN;
    json_t *j = zp__jr_member(r->jr, go, gpath, "tariff", OPT, path);
    int base = zp__jr_num(r->jr, go, gpath, "tariff_base_price_cny_per_kwh", OPT, NAN, zp__jr_ge(0),
                          &g->tariff_base_price_cny_per_kwh);
    zp__jsonpos_path_key(bpath, sizeof bpath, gpath, "tariff_base_price_cny_per_kwh");
    if (!j) {
        if (base > 0)
            zp__jr_report(r->jr, bpath, ZP_JR_AT_KEY,
                          "replaces the base price of grid.tariff, and there is none");
        return;
    }
    if (json_object_get(go, "price_cny_per_kwh"))
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE,
                      "give grid.tariff or grid.price_cny_per_kwh, not both: the tariff gives the "
                      "price of each step");
    if (json_is_object(j)) {
        g->tariff_inline = 1;
        if (zp__tariff_read(r->ctx, r->jr, j, path, r->file ? r->file : "model", "grid.tariff",
                            &g->tariff))
            r->st = ZP_ENOMEM;
    } else if (json_is_string(j)) {
        if (zp__jr_str(r->jr, go, gpath, "tariff", OPT, 63, &name) > 0) {
            if (!(g->tariff_name = zp__strdup(r->ctx, name)))
                r->st = ZP_ENOMEM;
            tariff_by_name(r, name, path);
        }
    } else {
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE,
                      "expected a tariff's name (such as \"guangdong-large-industry-2021\") or a "
                      "tariff object (docs/tariffs.md), got %s",
                      zp__jr_type_name(j));
    }
    if (!g->tariff)
        return;
    if (base > 0) {
        const zp_tariff_info *ti = zp_tariff_get_info(g->tariff);
        double fixed = ti->fixed_cny_per_kwh;
        if (zp_tariff_set_base(r->ctx, g->tariff, g->tariff_base_price_cny_per_kwh, NAN)) {
            zp_ctx_clear_error(r->ctx);
            zp__jr_report(r->jr, bpath, ZP_JR_AT_VALUE,
                          "%.15g is below the part of every price that does not float in tariff "
                          "%s (fixed_cny_per_kwh %.15g): give the flat-period price, all in",
                          g->tariff_base_price_cny_per_kwh, zp__jr_shown(ti->name, sv, sizeof sv),
                          fixed);
            return;
        }
    }
    tariff_covers_period(r, path);
}

/* The basic charge: on each month's maximum demand, or on the
 * transformers' kVA (transformer_kva chooses that basis); never both. */
static void read_charges(reader *r, json_t *go, const char *gpath)
{
    zp_grid *g = &r->m->grid;
    char dpath[PATH_SZ], cpath[PATH_SZ], kpath[PATH_SZ];
    const zp_tariff_info *ti = g->tariff ? zp_tariff_get_info(g->tariff) : NULL;
    int d = zp__jr_num(r->jr, go, gpath, "demand_charge_cny_per_kw_month", OPT, 0, zp__jr_ge(0),
                       &g->demand_charge_cny_per_kw_month);
    int c = zp__jr_num(r->jr, go, gpath, "capacity_charge_cny_per_kva_month", OPT, 0, zp__jr_ge(0),
                       &g->capacity_charge_cny_per_kva_month);
    int k =
        zp__jr_num(r->jr, go, gpath, "transformer_kva", OPT, 0, zp__jr_gt(0), &g->transformer_kva);
    g->demand_charge_given = d > 0;
    g->capacity_charge_given = c > 0;
    zp__jsonpos_path_key(dpath, sizeof dpath, gpath, "demand_charge_cny_per_kw_month");
    zp__jsonpos_path_key(cpath, sizeof cpath, gpath, "capacity_charge_cny_per_kva_month");
    zp__jsonpos_path_key(kpath, sizeof kpath, gpath, "transformer_kva");
    if (d < 0 || c < 0 || k < 0)
        return;
    if (c > 0 && k == 0 && g->capacity_charge_cny_per_kva_month > 0) {
        zp__jr_report(r->jr, cpath, ZP_JR_AT_KEY,
                      "a capacity charge is paid on the transformers' capacity: give "
                      "grid.transformer_kva");
        return;
    }
    /* the capacity basis: the model's charge, or the tariff's */
    if (k > 0 && c == 0 && ti && isfinite(ti->capacity_charge_cny_per_kva_month))
        g->capacity_charge_cny_per_kva_month = ti->capacity_charge_cny_per_kva_month;
    int capacity_basis = k > 0 && g->capacity_charge_cny_per_kva_month > 0;
    if (capacity_basis && d > 0 && g->demand_charge_cny_per_kw_month > 0) {
        zp__jr_report(r->jr, dpath, ZP_JR_AT_KEY,
                      "a park pays its basic charge on one basis: maximum demand "
                      "(demand_charge_cny_per_kw_month) or the transformers' capacity "
                      "(capacity_charge_cny_per_kva_month on transformer_kva), not both");
        return;
    }
    if (d == 0 && !capacity_basis && ti && isfinite(ti->demand_charge_cny_per_kw_month))
        g->demand_charge_cny_per_kw_month = ti->demand_charge_cny_per_kw_month;
}

/* grid.green_power: mwh_per_month or profile, and the premium. */
static void read_green_power(reader *r, json_t *go, const char *gpath)
{
    static const char *const keys[] = {"mwh_per_month", "profile", "premium_cny_per_mwh"};
    zp_green_power *gp = &r->m->grid.green_power;
    char path[PATH_SZ], ppath[PATH_SZ];
    json_t *o = zp__jr_obj(r->jr, go, gpath, "green_power", OPT, path);
    if (!o)
        return;
    gp->present = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    int a = zp__jr_num(r->jr, o, path, "mwh_per_month", OPT, 0, zp__jr_gt(0), &gp->mwh_per_month);
    json_t *pj = zp__jr_member(r->jr, o, path, "profile", OPT, ppath);
    int b = 0;
    if (pj && !json_is_object(pj)) {
        zp__jr_report(
            r->jr, ppath, ZP_JR_AT_VALUE,
            "expected {\"csv\": PATH, \"column\": NAME}, the contracted power (kW) of each "
            "step, got %s",
            zp__jr_type_name(pj));
        b = -1;
    } else if (pj) {
        b = zp__model_value_field(r, o, path, "profile", OPT, 0, zp__jr_ge(0), ZP_SERIES_POWER,
                                  &gp->profile_kw);
    }
    if (a == 0 && b == 0)
        zp__jr_report(r->jr, path, ZP_JR_AT_VALUE,
                      "a green-power contract needs its energy: mwh_per_month, or a profile "
                      "{\"csv\": PATH, \"column\": NAME} of contracted kW");
    else if (a > 0 && b > 0)
        zp__jr_report(r->jr, ppath, ZP_JR_AT_KEY, "give mwh_per_month or profile, not both");
    zp__jr_num(r->jr, o, path, "premium_cny_per_mwh", OPT, 0, zp__jr_any(),
               &gp->premium_cny_per_mwh);
}

void zp__model_read_billing(reader *r, json_t *go, const char *gpath)
{
    read_tariff(r, go, gpath);
    read_charges(r, go, gpath);
    read_green_power(r, go, gpath);
}
