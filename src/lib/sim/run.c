/*
 * run.c - a simulation run stored with the options it was made with,
 * and the same run simulated again from the store (`zeropark account
 * --run`, `zeropark report --run`); the inputs hash that ties a run to
 * its files.
 *
 * The run record's results document (zp_sim_result_json) gains one key,
 * "options": every option of zp_sim_opts and zp_forecast_opts that changes
 * the result. The model and its input files are not stored; their SHA-256
 * is, and a re-simulation is refused when it differs. Everything else the
 * result depends on (weather, prices, objective, carbon price, year) is in
 * those files. A re-simulation must reproduce the stored emissions; when it
 * does not, the engine changed since the run was stored, and the caller is
 * told so instead of being given other numbers under the run's id.
 */
#include "core/internal.h"
#include "zeropark/sim.h"

#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const dispatch_names[] = {"rule", "optimal", "mpc"};

static json_t *time_json(zp_time_t t, int32_t off)
{
    char b[ZP_TIME_BUFSIZE];
    return json_string(zp_time_format(t, off, b));
}

/* The options object of a run of r with opts (NULL = defaults). */
static json_t *options_json(const zp_sim_result *r, const zp_sim_opts *opts)
{
    zp_sim_opts dso;
    zp_sim_opts_init(&dso);
    if (!opts)
        opts = &dso;
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    if (opts->forecast)
        fo = *opts->forecast;
    const int32_t off = r->model->utc_offset_min;
    int d = (int)opts->dispatch;
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "dispatch",
                               json_string(d >= 0 && d < 3 ? dispatch_names[d] : "?"));
    bad |= json_object_set_new(o, "step_min", json_integer(r->step_s / 60));
    bad |= json_object_set_new(o, "from", time_json(r->start, off));
    bad |= json_object_set_new(o, "to", time_json(r->start + (zp_time_t)r->steps * r->step_s, off));
    bad |= json_object_set_new(o, "horizon_h", json_real(opts->horizon_h));
    bad |= json_object_set_new(o, "replan_h", json_real(opts->replan_h));
    bad |= json_object_set_new(o, "time_limit_s", json_real(opts->time_limit_s));
    if (opts->outage_from || opts->outage_to)
        bad |= json_object_set_new(o, "outage",
                                   json_pack("{s:o, s:o}", "from", time_json(opts->outage_from, off),
                                             "to", time_json(opts->outage_to, off)));
    else
        bad |= json_object_set_new(o, "outage", json_null());
    bad |= json_object_set_new(o, "no_reserve", json_boolean(opts->no_reserve));
    json_t *f = json_object();
    bad |= json_object_set_new(o, "forecast", f);
    if (f) {
        bad |= json_object_set_new(f, "pv", json_string(zp_forecast_method_name(fo.pv)));
        bad |= json_object_set_new(f, "wind", json_string(zp_forecast_method_name(fo.wind)));
        bad |= json_object_set_new(f, "load", json_string(zp_forecast_method_name(fo.load)));
        bad |= json_object_set_new(f, "noise_sigma", json_real(fo.noise.sigma));
        bad |= json_object_set_new(f, "noise_tau_h", json_real(fo.noise.tau_h));
        /* A seed past 2^63 would not fit a JSON integer: kept as text. */
        char seed[32];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)fo.noise.seed);
        bad |= json_object_set_new(f, "seed",
                                   fo.noise.seed <= (uint64_t)INT64_MAX
                                       ? json_integer((json_int_t)fo.noise.seed)
                                       : json_string(seed));
        bad |= json_object_set_new(f, "similar_weeks", json_integer((json_int_t)fo.similar_weeks));
        bad |= json_object_set_new(f, "csi_window_h", json_real(fo.csi_window_h));
        bad |= json_object_set_new(f, "csi_max", json_real(fo.csi_max));
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* results_json stored as a "simulate" run of r's model, made now. */
static zp_status save_run(zp_store *st, const zp_sim_result *r, const char *inputs_sha256,
                          const char *results_json, int64_t *run_id)
{
    zp_store_run run = {0};
    run.created = (zp_time_t)time(NULL);
    run.kind = "simulate";
    run.model_name = r->model->name;
    run.inputs_sha256 = inputs_sha256;
    run.results_json = results_json;
    return zp_store_run_save(st, &run, run_id);
}

zp_status zp_sim_store_with_opts(zp_ctx *ctx, zp_store *st, const zp_sim_result *r,
                                 const zp_sim_opts *opts, const char *inputs_sha256,
                                 int64_t *run_id)
{
    if (!ctx || !st || !r || !run_id)
        return zp__error(ctx, ZP_EINVAL, "zp_sim_store_with_opts: NULL argument");
    char *res = NULL, *doc = NULL;
    zp_status rc = zp_sim_result_json(ctx, r, 0, &res);
    if (rc)
        return rc;
    json_t *o = options_json(r, opts);
    /* Options with every digit (the results keep twelve); spliced into the
     * compact results object, which ends in '}'. */
    char *otext = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(o);
    size_t rl = strlen(res);
    if (!otext || rl < 2 || res[rl - 1] != '}') {
        rc = zp__nomem(ctx);
        goto out;
    }
    size_t n = rl + strlen(otext) + 16;
    if (!(doc = zp__malloc(ctx, n))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    snprintf(doc, n, "%.*s,\"options\":%s}", (int)(rl - 1), res, otext);
    rc = save_run(st, r, inputs_sha256, doc, run_id);
out:
    free(otext);
    zp__free(ctx, doc);
    zp_sim_text_free(ctx, res);
    return rc;
}

/* ---- reading the options back ------------------------------------------- */

typedef struct rd {
    zp_ctx *ctx;
    int64_t id;
    zp_status rc;
} rd;

/* A stored option that cannot be read: the run record is damaged. */
static int rd_bad(rd *x, const char *key, const char *what)
{
    if (!x->rc)
        x->rc = zp__error(x->ctx, ZP_ECORRUPT,
                          "run %lld: its stored options cannot be read (options.%s: %s); "
                          "simulate the model again and store the new run",
                          (long long)x->id, key, what);
    return 0;
}

static double rd_num(rd *x, json_t *o, const char *key, const char *path)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) {
        rd_bad(x, path, "expected a number");
        return 0;
    }
    return json_number_value(v);
}

static zp_time_t rd_time(rd *x, json_t *o, const char *key, const char *path)
{
    const char *s = json_string_value(json_object_get(o, key));
    zp_time_t t = 0;
    if (!s || zp_time_parse(s, strlen(s), ZP_TIME_NO_DEFAULT, &t, NULL) != ZP_OK)
        rd_bad(x, path, "expected an ISO-8601 time with an offset");
    return t;
}

static zp_forecast_method rd_method(rd *x, json_t *o, const char *key, const char *path)
{
    const char *s = json_string_value(json_object_get(o, key));
    for (int k = 0; s && k < (int)ZP_FORECAST_METHOD_LAST; k++)
        if (strcmp(zp_forecast_method_name((zp_forecast_method)k), s) == 0)
            return (zp_forecast_method)k;
    rd_bad(x, path, "not a forecast method");
    return ZP_FORECAST_PERFECT;
}

static zp_status read_options(zp_ctx *ctx, int64_t id, json_t *o, zp_sim_opts *so,
                              zp_forecast_opts *fo)
{
    rd x = {ctx, id, ZP_OK};
    const char *d = json_string_value(json_object_get(o, "dispatch"));
    int k = 0;
    while (d && k < 3 && strcmp(dispatch_names[k], d) != 0)
        k++;
    if (!d || k == 3)
        rd_bad(&x, "dispatch", "expected rule, optimal or mpc");
    so->dispatch = (zp_dispatch_method)(k < 3 ? k : 0);
    so->step_min = (int32_t)rd_num(&x, o, "step_min", "step_min");
    so->from = rd_time(&x, o, "from", "from");
    so->to = rd_time(&x, o, "to", "to");
    so->horizon_h = rd_num(&x, o, "horizon_h", "horizon_h");
    so->replan_h = rd_num(&x, o, "replan_h", "replan_h");
    so->time_limit_s = rd_num(&x, o, "time_limit_s", "time_limit_s");
    json_t *out = json_object_get(o, "outage");
    if (json_is_object(out)) {
        so->outage_from = rd_time(&x, out, "from", "outage.from");
        so->outage_to = rd_time(&x, out, "to", "outage.to");
    } else if (!json_is_null(out)) {
        rd_bad(&x, "outage", "expected an object or null");
    }
    json_t *nr = json_object_get(o, "no_reserve");
    if (!json_is_boolean(nr))
        rd_bad(&x, "no_reserve", "expected true or false");
    so->no_reserve = json_is_true(nr);
    json_t *f = json_object_get(o, "forecast");
    if (!json_is_object(f)) {
        rd_bad(&x, "forecast", "expected an object");
        return x.rc;
    }
    fo->pv = rd_method(&x, f, "pv", "forecast.pv");
    fo->wind = rd_method(&x, f, "wind", "forecast.wind");
    fo->load = rd_method(&x, f, "load", "forecast.load");
    fo->noise.sigma = rd_num(&x, f, "noise_sigma", "forecast.noise_sigma");
    fo->noise.tau_h = rd_num(&x, f, "noise_tau_h", "forecast.noise_tau_h");
    json_t *seed = json_object_get(f, "seed");
    if (json_is_integer(seed) && json_integer_value(seed) >= 0)
        fo->noise.seed = (uint64_t)json_integer_value(seed);
    else if (json_is_string(seed))
        fo->noise.seed = strtoull(json_string_value(seed), NULL, 10);
    else
        rd_bad(&x, "forecast.seed", "expected a whole number");
    double w = rd_num(&x, f, "similar_weeks", "forecast.similar_weeks");
    fo->similar_weeks = w >= 0 && w < 1e6 ? (size_t)w : 0;
    fo->csi_window_h = rd_num(&x, f, "csi_window_h", "forecast.csi_window_h");
    fo->csi_max = rd_num(&x, f, "csi_max", "forecast.csi_max");
    return x.rc;
}

/* "dispatch mpc (horizon 12 h, re-plan every 1 h), 15-min steps" */
static void describe(char *buf, size_t n, const zp_sim_opts *so)
{
    int d = (int)so->dispatch;
    int k = snprintf(buf, n, "dispatch %s", d >= 0 && d < 3 ? dispatch_names[d] : "?");
    if (so->dispatch == ZP_DISPATCH_MPC && k > 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, " (horizon %g h, re-plan every %g h)",
                 so->horizon_h > 0 ? so->horizon_h : 48.0, so->replan_h > 0 ? so->replan_h : 1.0);
}

static int same(double stored, double now)
{
    return fabs(stored - now) <= 1e-9 * fmax(fabs(stored), fabs(now)) + 1e-9;
}

zp_status zp_sim_rerun(zp_ctx *ctx, const zp_model *m, zp_store *st, int64_t id,
                       zp_sim_result **out)
{
    if (!ctx || !m || !st || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_sim_rerun: NULL argument");
    *out = NULL;
    zp_store_run run;
    char hash[65];
    zp_status rc;
    if ((rc = zp_store_run_get(st, id, &run)) || (rc = zp_model_inputs_sha256(ctx, m, hash)))
        return rc;
    if (!run.kind || strcmp(run.kind, "simulate") != 0)
        return zp__error(ctx, ZP_EDATA, "run %lld is a '%s' run, not a simulation", (long long)id,
                         run.kind ? run.kind : "?");
    if (!run.inputs_sha256 || strcmp(run.inputs_sha256, hash) != 0)
        return zp__error(ctx, ZP_EDATA,
                         "run %lld was made from other inputs (stored SHA-256 %.12s..., the model "
                         "and its files now %.12s...); simulate the model again and store the new "
                         "run",
                         (long long)id, run.inputs_sha256 ? run.inputs_sha256 : "none", hash);
    json_t *doc = json_loads(run.results_json ? run.results_json : "", 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return zp__error(ctx, ZP_ECORRUPT, "run %lld: its stored results are not a JSON object",
                         (long long)id);
    }
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    zp_forecast_opts fo;
    zp_forecast_opts_init(&fo);
    json_t *opts = json_object_get(doc, "options");
    const char *stored_dispatch = json_string_value(json_object_get(doc, "dispatch"));
    if (opts) {
        if ((rc = read_options(ctx, id, opts, &so, &fo)))
            goto done;
    } else {
        /* Stored by a zeropark that kept no options: its window, step and
         * dispatch, the rest at their defaults; the emissions check below
         * says whether that was how it was made. */
        json_t *period = json_object_get(doc, "period");
        const char *from = json_string_value(json_object_get(period, "start"));
        const char *to = json_string_value(json_object_get(period, "end"));
        if (!from || !to || zp_time_parse(from, strlen(from), ZP_TIME_NO_DEFAULT, &so.from, NULL) ||
            zp_time_parse(to, strlen(to), ZP_TIME_NO_DEFAULT, &so.to, NULL)) {
            rc = zp__error(ctx, ZP_ECORRUPT, "run %lld: its stored period cannot be read",
                           (long long)id);
            goto done;
        }
        so.step_min = (int32_t)json_integer_value(json_object_get(period, "step_min"));
        for (int k = 0; stored_dispatch && k < 3; k++)
            if (strcmp(stored_dispatch, dispatch_names[k]) == 0)
                so.dispatch = (zp_dispatch_method)k;
    }
    so.forecast = &fo;
    if ((rc = zp_simulate(ctx, m, &so, out)))
        goto done;
    /* The run's totals: emissions, the energy flows dispatch decides, cost. */
    const zp_sim_result *x = *out;
    json_t *em = json_object_get(doc, "emissions_t"), *en = json_object_get(doc, "energy_kwh");
    static const char *const keys[] = {"scope1",          "scope2_location",   "scope2_market",
                                       "grid_import",     "grid_export",       "storage_charge",
                                       "storage_discharge", "curtailed",       "unserved",
                                       "cost_cny"};
    static const char *const units[] = {"t", "t", "t", "kWh", "kWh", "kWh", "kWh", "kWh", "kWh", "CNY"};
    const double vals[] = {x->emissions_t.scope1,          x->emissions_t.scope2_location,
                           x->emissions_t.scope2_market,   x->energy_kwh.grid_import,
                           x->energy_kwh.grid_export,      x->energy_kwh.storage_charge,
                           x->energy_kwh.storage_discharge, x->energy_kwh.curtailed,
                           x->energy_kwh.unserved,         x->cost_cny};
    for (size_t i = 0; i < ZP_ARRAY_LEN(keys); i++) {
        json_t *v = json_object_get(i < 3 ? em : i < 9 ? en : doc, keys[i]);
        double stored = json_number_value(v);
        if (json_is_number(v) && same(stored, vals[i]))
            continue;
        char how[160];
        describe(how, sizeof how, &so);
        if (opts)
            rc = zp__error(ctx, ZP_EDATA,
                           "re-simulating run %lld with its stored options (%s) gives %s of %.1f %s, "
                           "the stored run %.1f: the engine has changed since the run was "
                           "stored; simulate the model again and store the new run",
                           (long long)id, how, keys[i], vals[i], units[i], stored);
        else
            rc = zp__error(ctx, ZP_EDATA,
                           "run %lld was stored without its simulation options (by an older "
                           "zeropark): re-simulating it with its %s and the defaults gives %s of "
                           "%.1f %s, the stored run %.1f; simulate the model again with the "
                           "options it was made with and store the new run",
                           (long long)id, how, keys[i], vals[i], units[i], stored);
        zp_sim_result_free(ctx, *out);
        *out = NULL;
        break;
    }
done:
    json_decref(doc);
    return rc;
}

/* ---- inputs hash and storing the run ------------------------------------ */

static zp_status hash_file(zp_ctx *ctx, EVP_MD_CTX *md, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return zp__error(ctx, ZP_EIO, "%s: cannot read for the inputs hash", path);
    unsigned char buf[1 << 15];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        EVP_DigestUpdate(md, buf, got);
    int err = ferror(fp);
    fclose(fp);
    if (err)
        return zp__error(ctx, ZP_EIO, "%s: read error while hashing", path);
    /* Separate files so that moving bytes between them changes the hash. */
    EVP_DigestUpdate(md, "\0", 1);
    return ZP_OK;
}

zp_status zp_model_inputs_sha256(zp_ctx *ctx, const zp_model *m, char hex[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return zp__nomem(ctx);
    }
    zp_status rc = hash_file(ctx, md, m->file);
    if (!rc && m->weather.present)
        rc = hash_file(ctx, md, m->weather.csv_path);
    const zp_value *vals[] = {&m->grid.emission_factor_kg_per_kwh, &m->grid.price_cny_per_kwh,
                              &m->grid.export_price_cny_per_kwh, &m->datacenter.it_power_kw};
    for (size_t i = 0; !rc && i < ZP_ARRAY_LEN(vals); i++)
        if (vals[i]->is_series)
            rc = hash_file(ctx, md, vals[i]->csv_path);
    for (size_t i = 0; !rc && i < m->nloads; i++)
        if (m->loads[i].power_kw.is_series)
            rc = hash_file(ctx, md, m->loads[i].power_kw.csv_path);
    /* A factor-set directory decides the grid factor (docs/factors.md). */
    static const char *const tables[] = {"grid.csv", "fuels.csv", "heat.csv", "gwp.csv",
                                         "power_coal.csv"};
    for (size_t i = 0; !rc && m->accounting.factor_set_path && i < ZP_ARRAY_LEN(tables); i++) {
        char *path = zp__asprintf(ctx, "%s/%s", m->accounting.factor_set_path, tables[i]);
        rc = path ? hash_file(ctx, md, path) : zp__nomem(ctx);
        zp__free(ctx, path);
    }
    /* What the park pays: a green-power profile, a tariff file found by
     * name (a built-in table is the engine's, an inline one the model's). */
    if (!rc && m->grid.green_power.profile_kw.is_series)
        rc = hash_file(ctx, md, m->grid.green_power.profile_kw.csv_path);
    const zp_tariff_info *ti = m->grid.tariff ? zp_tariff_get_info(m->grid.tariff) : NULL;
    if (!rc && ti && !m->grid.tariff_inline && ti->origin && strncmp(ti->origin, "builtin:", 8) != 0)
        rc = hash_file(ctx, md, ti->origin);
    unsigned char dig[32];
    unsigned int dl = 0;
    if (!rc && EVP_DigestFinal_ex(md, dig, &dl) != 1)
        rc = zp__error(ctx, ZP_EIO, "SHA-256 failed");
    EVP_MD_CTX_free(md);
    if (rc)
        return rc;
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", dig[i]);
    return ZP_OK;
}

zp_status zp_sim_store(zp_ctx *ctx, zp_store *st, const zp_sim_result *r,
                       const char *inputs_sha256, int64_t *run_id)
{
    char *json = NULL;
    zp_status rc = zp_sim_result_json(ctx, r, 0, &json);
    if (rc)
        return rc;
    rc = save_run(st, r, inputs_sha256, json, run_id);
    zp_sim_text_free(ctx, json);
    return rc;
}
