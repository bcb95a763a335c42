/*
 * status.c - the /api/v1/status document, rebuilt by the main thread once
 * a second: the latest fed readings (flows, SOC), and the accounting of
 * the park store's meters for today and the year to date through the
 * library's engine (zp_acct_from_store_ex with ZP_ACCT_FILL_GAPS +
 * zp_account: the calls of /api/v1/carbon and `zeropark account --db
 * --fill-gaps`), so the daemon has no carbon arithmetic of its own. Each
 * window is [from, to) cut by the library to the stored readings; the
 * model's fuels and certificates are pro-rated to the metered time
 * (docs/methodology.md "Live data"). The document gives each window, so
 * /api/v1/carbon?from=..&to=.. answers the same numbers.
 */
#define _DEFAULT_SOURCE
#include "status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control.h"
#include "doc.h"
#include "http.h"
#include "info.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

/* The park store, read-only, for the main thread. */
static zp_store *main_store(zs_server *S)
{
    if (!S->park_ro &&
        zp_store_open(S->ctx, S->cfg.db, ZP_STORE_READONLY | ZP_STORE_LOWMEM, &S->park_ro) != ZP_OK) {
        zp_ctx_clear_error(S->ctx);
        S->park_ro = NULL;
    }
    return S->park_ro;
}

/* Account [from, to) of the park store; NULL when there is nothing to
 * account (no meters yet) or it fails (logged at debug). */
static zp_acct_result *account(zs_server *S, const zp_model *m, int64_t from, int64_t to)
{
    zp_store *st = main_store(S);
    zp_acct_input *in = NULL;
    zp_acct_result *r = NULL;
    if (!st || to <= from)
        return NULL;
    zp_acct_opts o;
    zp_acct_opts_from_model(&o, m);
    o.by = 0;
    if (S->factors)
        o.factors = S->factors;
    zp_status rc = zp_acct_from_store_ex(S->ctx, st, m, from, to, ZP_ACCT_FILL_GAPS, &in);
    if (!rc)
        rc = zp_account(S->ctx, in, &o, &r);
    if (rc) {
        char q[600];
        zs_log(ZS_LOG_DEBUG, "event=account_skipped message=%s",
               zs_log_quote(zp_ctx_errmsg(S->ctx), q, sizeof q));
        zp_ctx_clear_error(S->ctx);
        zp_ctx_diag_clear(S->ctx);
        r = NULL;
    }
    zp_acct_input_free(S->ctx, in);
    return r;
}

static void carbon_alerts(const zp_acct_result *r)
{
    static const char *const kinds[] = {"budget_projection", "budget_exceeded", "target_missed",
                                        "target_at_risk"};
    for (size_t k = 0; k < 4; k++) {
        char key[64];
        snprintf(key, sizeof key, "carbon.%s", kinds[k]);
        const zp_acct_alert *hit = NULL;
        for (size_t i = 0; r && i < r->nalerts; i++)
            if (strcmp(r->alerts[i].kind, kinds[k]) == 0)
                hit = &r->alerts[i];
        if (hit)
            zs_alert_raise(key, k == 1 || k == 2 ? ZS_ALERT_CRITICAL : ZS_ALERT_WARNING, "carbon",
                           "%s", hit->message);
        else
            zs_alert_clear(key);
    }
}

void zs_status_refresh(zs_server *S, bool year_too)
{
    pthread_rwlock_rdlock(&S->model_lock);
    const zp_model *m = S->model;
    const int32_t off = m->utc_offset_min;
    const int64_t offs = (int64_t)off * 60, A = S->cfg.account_step_s;
    const int64_t now_ms = zs_now_ms(), now = now_ms / 1000;
    zs_live L;
    zs_ingest_live(S->ingest, m, &L);
    double pue = m->datacenter.present ? m->datacenter.pue : 1;

    json_t *flows = json_object();
    json_object_set_new(flows, "pv", L.has_pv ? json_real(L.pv_kw) : json_null());
    json_object_set_new(flows, "wind", L.has_wind ? json_real(L.wind_kw) : json_null());
    json_object_set_new(flows, "battery", L.has_battery ? json_real(L.battery_kw) : json_null());
    json_object_set_new(flows, "grid", L.has_grid ? json_real(L.grid_kw) : json_null());
    json_object_set_new(flows, "load", L.has_load ? json_real(L.load_kw) : json_null());
    json_object_set_new(flows, "datacenter",
                        L.has_dc_facility ? json_real(L.dc_facility_kw)
                        : L.has_dc_it     ? json_real(L.dc_it_kw * pue)
                                          : json_null());
    double se = 0, sw = 0;
    for (size_t i = 0; i < L.nsoc; i++)
        if (!isnan(L.soc[i])) {
            se += L.soc[i] * m->storage[i].energy_kwh;
            sw += m->storage[i].energy_kwh;
        }

    /* today: local midnight to the end of the last complete accounting step */
    int64_t midnight = zp_fdiv(now + offs, 86400) * 86400 - offs;
    int64_t done = zp_fdiv(now, A) * A;
    zp_acct_result *r = account(S, m, midnight, done);
    const zp_acct_totals *T = r ? &r->total : NULL;
    double today_metered_h = r ? r->metered_s / 3600 : 0;
    double cons = T ? T->consumption_kwh : 0;
    double ss = 0;
    if (T && cons > 0) {
        ss = 1 - T->grid_import_kwh / cons;
        ss = ss < 0 ? 0 : ss > 1 ? 1 : ss;
    }
    json_t *today = json_pack(
        "{s{sfsfsfsfsfsfsfsf} s{sfsfsf} s{sfsf} sf so}", "energy_kwh", "pv", T ? T->pv_kwh : 0.0,
        "wind", T ? T->wind_kwh : 0.0, "battery_discharge", T ? T->storage_discharge_kwh : 0.0,
        "battery_charge", T ? T->storage_charge_kwh : 0.0, "grid_import", T ? T->grid_import_kwh : 0.0,
        "grid_export", T ? T->grid_export_kwh : 0.0, "load",
        T ? (cons - T->dc_facility_kwh > 0 ? cons - T->dc_facility_kwh : 0.0) : 0.0, "datacenter",
        T ? T->dc_facility_kwh : 0.0, "emissions_kg", "scope1", T ? T->scope1_t * 1000 : 0.0,
        "scope2_location", T ? T->scope2_location_t * 1000 : 0.0, "scope2_market",
        T ? T->scope2_market_t * 1000 : 0.0, "green_share", "hourly_matched",
        r && isfinite(r->green_share_hourly_pct) ? r->green_share_hourly_pct / 100 : 0.0,
        "volumetric", r && isfinite(r->green_share_volumetric_pct) ? r->green_share_volumetric_pct / 100 : 0.0,
        "self_sufficiency", ss, "pue", zs_json_num(r ? r->pue : NAN));
    zp_acct_result_free(S->ctx, r);

    /* year to date: redone whenever its window moves (a new accounting
     * step, a new year) or the meters were written since, so it always
     * counts every stored reading of the window it names, as today and
     * /api/v1/carbon over that window do */
    int64_t y;
    unsigned mo, d;
    zp_civil_from_days(zp_fdiv(now + offs, 86400), &y, &mo, &d);
    int64_t jan1 = zp_days_from_civil(y, 1, 1) * 86400 - offs;
    uint_fast64_t writes = atomic_load(&S->metrics.park_writes);
    if (year_too || !S->year_known || jan1 != S->year_from || done != S->year_to ||
        writes != S->year_park_writes) {
        S->year_park_writes = writes; /* read first: a write during the run redoes it */
        zp_acct_result *ry = account(S, m, jan1, done);
        S->year_emissions_t = ry ? ry->total.total_market_t : 0;
        S->year_projected_t = ry ? ry->projected_year_end_t : NAN;
        S->year_metered_h = ry ? ry->metered_s / 3600 : 0;
        S->year_t_co2_per_tce = ry ? ry->indicator.t_co2_per_tce : NAN;
        S->year_clean_share_pct = ry ? ry->indicator.clean_energy_share_pct : NAN;
        S->year_from = jan1;
        S->year_to = done;
        S->year_known = true;
        carbon_alerts(ry);
        zp_acct_result_free(S->ctx, ry);
    }
    bool stale = zs_live_stale(&L, now_ms, S->cfg.stale_s);
    atomic_store(&S->stale, stale);
    char tb[ZP_TIME_BUFSIZE], fa[ZP_TIME_BUFSIZE], fb[ZP_TIME_BUFSIZE];
    /* the windows accounted: /api/v1/carbon?from=&to= gives the same */
    json_object_set_new(today, "from", json_string(zp_time_format(midnight, off, fa)));
    json_object_set_new(today, "to", json_string(zp_time_format(done, off, fb)));
    json_object_set_new(today, "metered_h", json_real(today_metered_h));
    json_t *year = json_pack("{sfsoso sfss}", "emissions_t", S->year_emissions_t, "budget_t",
                             zs_json_num(m->targets.max_emissions_t), "projected_t",
                             zs_json_num(S->year_projected_t), "metered_h", S->year_metered_h, "from",
                             zp_time_format(S->year_from, off, fa));
    if (year) {
        json_object_set_new(year, "to", json_string(zp_time_format(S->year_to, off, fb)));
        json_object_set_new(year, "t_co2_per_tce", zs_json_num(S->year_t_co2_per_tce));
        json_object_set_new(year, "clean_energy_share_pct", zs_json_num(S->year_clean_share_pct));
    }
    json_t *doc = json_pack("{ss so so so so ss sI sb}", "time", zs_time_fmt(now_ms, off, tb),
                            "flows_kw", flows, "soc", sw > 0 ? json_real(se / sw) : json_null(), "today",
                            today, "year", year, "mode",
                            zs_mode_name((zs_mode)atomic_load(&S->mode)), "alerts_active",
                            (json_int_t)zs_alerts_active(), "stale", stale);
    zs_doc *info = zs_info_build(S);
    pthread_rwlock_unlock(&S->model_lock);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    json_decref(doc);
    if (text) {
        zs_doc_set(&S->doc_lock, &S->status_doc, zs_doc_new(text, strlen(text)));
        free(text);
        atomic_fetch_add(&S->status_version, 1);
    }
    if (info)
        zs_doc_set(&S->doc_lock, &S->info_doc, info);
    zs_http_notify(S->http);
}
