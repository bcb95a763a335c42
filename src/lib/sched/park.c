/*
 * park.c - coupling with the park (docs/schedule.md, "Coupling with the
 * park"): a site's load as CSV, a park model's surplus as a site's green
 * supply, the campus's green share with a schedule's load.
 */
#include "sched/sched_impl.h"
#include "zeropark/model.h"
#include "zeropark/sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
    if (!(*path = zp__sched_path_beside(ctx, sites_path, ps->park_model)))
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
