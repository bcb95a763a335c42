/*
 * read.c - the sweep file (docs/sweep.md "The sweep file"): the base
 * model, what each scenario runs, the parameters of a grid or a list of
 * scenarios, and the outputs the CSV shows.
 *
 * Read through core/jsonread in the model's way (problems collected,
 * sorted by position, each "sweep.json:LINE:COL: PATH: message"). Every
 * path is checked against the base model's document (it must lead to a
 * value, or to a new key of an object that is there); then every
 * scenario's model is checked without its series (scenario.c), so that a
 * value the model refuses is found before anything runs.
 */
#include "sweep/sweep_impl.h"
#include "core/jsonread.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A read in progress. */
typedef struct rd {
    zp_ctx *ctx;
    zp_jr *jr;
    zp_sweep *sw;
    json_t *base; /* the base model's document (path checks) */
    int nomem;    /* an allocation of ours failed */
} rd;

static char *dup(rd *r, const char *s)
{
    char *d = zp__strdup(r->ctx, s);
    if (!d)
        r->nomem = 1;
    return d;
}

/* rel against dir: "dir/rel", or rel when absolute or dir is NULL. */
static char *beside(rd *r, const char *dir, const char *rel)
{
    char *p = rel[0] != '/' && dir && dir[0] ? zp__asprintf(r->ctx, "%s/%s", dir, rel)
                                              : zp__strdup(r->ctx, rel);
    if (!p)
        r->nomem = 1;
    return p;
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* A value of the sweep file kept with where it is. */
static void keep_value(rd *r, sw_value *dst, json_t *v, const char *where)
{
    dst->v = json_incref(v);
    dst->where = dup(r, where);
    zp__jr_position(r->jr, where, ZP_JR_AT_VALUE, &dst->line, &dst->col);
}

/* A path the sweep sets, at where in the file: its form, and that the
 * base model has a place for it. 0 when fine. */
static int check_set_path(rd *r, const char *path, const char *where)
{
    char why[512];
    const char *form = sw__path_form(path);
    if (form) {
        zp__jr_report(r->jr, where, ZP_JR_AT_VALUE, "'%s' %s", path, form);
        return -1;
    }
    if (r->base && sw__path_settable(r->base, path, "the model", why, sizeof why)) {
        zp__jr_report(r->jr, where, ZP_JR_AT_VALUE, "'%s': %s", path, why);
        return -1;
    }
    return 0;
}

/* The values of a {"from", "to", "steps"} range, each rounded to 15
 * significant digits (so that the value used is the value shown), the
 * last one "to" itself. */
static void read_range(rd *r, json_t *obj, const char *opath, sw_param *p)
{
    static const char *const keys[] = {"from", "to", "steps"};
    double from, to, steps;
    zp__jr_keys(r->jr, obj, opath, keys, ZP_ARRAY_LEN(keys));
    int a = zp__jr_num(r->jr, obj, opath, "from", ZP_JR_REQ, 0, zp__jr_any(), &from);
    int b = zp__jr_num(r->jr, obj, opath, "to", ZP_JR_REQ, 0, zp__jr_any(), &to);
    int c = zp__jr_num(r->jr, obj, opath, "steps", ZP_JR_REQ | ZP_JR_WHOLE, 0,
                       zp__jr_in(2, ZP_SWEEP_MAX_SCENARIOS), &steps);
    if (a <= 0 || b <= 0 || c <= 0)
        return;
    size_t n = (size_t)steps;
    p->values = zp__calloc(r->ctx, n, sizeof *p->values);
    if (!p->values) {
        r->nomem = 1;
        return;
    }
    p->nvalues = n;
    for (size_t k = 0; k < n; k++) {
        double v = k + 1 == n ? to : from + (to - from) * (double)k / (double)(n - 1);
        char text[64];
        snprintf(text, sizeof text, "%.15g", v);
        v = strtod(text, NULL);
        json_t *j = v == floor(v) && fabs(v) < 9007199254740992.0 ? json_integer((json_int_t)v)
                                                                   : json_real(v);
        if (!j) {
            r->nomem = 1;
            return;
        }
        keep_value(r, &p->values[k], j, opath);
        json_decref(j);
    }
}

/* parameters[i]: name, path, values (a list or a range). */
static void read_param(rd *r, json_t *obj, const char *opath, size_t i)
{
    static const char *const keys[] = {"name", "path", "values"};
    sw_param *p = &r->sw->params[i];
    char path[ZP_JR_PATH_MAX], vpath[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    const char *name = NULL, *jpath = NULL;
    zp__jr_keys(r->jr, obj, opath, keys, ZP_ARRAY_LEN(keys));
    zp__jr_str(r->jr, obj, opath, "name", ZP_JR_OPT | ZP_JR_NO_CONTROL, 200, &name);
    if (zp__jr_str(r->jr, obj, opath, "path", ZP_JR_REQ | ZP_JR_NO_CONTROL, ZP_JR_PATH_MAX - 1,
                   &jpath) > 0) {
        zp__jsonpos_path_key(path, sizeof path, opath, "path");
        if (check_set_path(r, jpath, path) == 0) {
            p->path = dup(r, jpath);
            for (size_t j = 0; j < i; j++) {
                const sw_param *q = &r->sw->params[j];
                if (q->path && (sw__path_within(jpath, q->path) || sw__path_within(q->path, jpath)))
                    zp__jr_report(r->jr, path, ZP_JR_AT_VALUE,
                                  "'%s' overlaps parameters[%zu].path '%s': a scenario would set "
                                  "the value twice", jpath, j, q->path);
            }
        }
    }
    p->name = dup(r, name ? name : jpath ? jpath : "");
    json_t *values = zp__jr_member(r->jr, obj, opath, "values", ZP_JR_REQ, vpath);
    if (!values)
        return;
    if (json_is_object(values)) {
        read_range(r, values, vpath, p);
        return;
    }
    if (!json_is_array(values) || json_array_size(values) == 0) {
        zp__jr_report(r->jr, vpath, ZP_JR_AT_VALUE,
                      "must be a list of values or a range {\"from\": A, \"to\": B, \"steps\": N}");
        return;
    }
    size_t n = json_array_size(values);
    if (n > ZP_SWEEP_MAX_SCENARIOS) {
        zp__jr_report(r->jr, vpath, ZP_JR_AT_VALUE, "has %zu values; at most %u", n,
                      (unsigned)ZP_SWEEP_MAX_SCENARIOS);
        return;
    }
    p->values = zp__calloc(r->ctx, n, sizeof *p->values);
    if (!p->values) {
        r->nomem = 1;
        return;
    }
    p->nvalues = n;
    for (size_t k = 0; k < n; k++) {
        json_t *v = json_array_get(values, k);
        zp__jsonpos_path_index(epath, sizeof epath, vpath, k);
        if (json_is_null(v))
            zp__jr_report(r->jr, epath, ZP_JR_AT_VALUE, "null is not a value for the model");
        keep_value(r, &p->values[k], v, epath);
    }
}

static void read_params(rd *r, json_t *arr, const char *apath)
{
    zp_sweep *sw = r->sw;
    char path[ZP_JR_PATH_MAX];
    size_t n = json_array_size(arr);
    if (n == 0) {
        zp__jr_report(r->jr, apath, ZP_JR_AT_VALUE, "must list at least one parameter");
        return;
    }
    sw->params = zp__calloc(r->ctx, n, sizeof *sw->params);
    if (!sw->params) {
        r->nomem = 1;
        return;
    }
    sw->nparams = n;
    sw->grid = 1;
    size_t count = 1;
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        json_t *obj = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (!obj) {
            ok = 0;
            continue;
        }
        read_param(r, obj, path, i);
        size_t nv = sw->params[i].nvalues;
        if (nv == 0) {
            ok = 0;
            continue;
        }
        if (count > ZP_SWEEP_MAX_SCENARIOS / nv) {
            if (ok)
                zp__jr_report(r->jr, apath, ZP_JR_AT_VALUE,
                              "the grid has more than %u scenarios; use fewer values",
                              (unsigned)ZP_SWEEP_MAX_SCENARIOS);
            ok = 0;
            count = 1;
        }
        count *= nv;
    }
    sw->count = ok ? count : 0;
}

/* The column (parameter) of path in a list of scenarios, added when new;
 * (size_t)-1 when there are too many. */
static size_t column(rd *r, const char *path)
{
    zp_sweep *sw = r->sw;
    for (size_t p = 0; p < sw->nparams; p++)
        if (strcmp(sw->params[p].path, path) == 0)
            return p;
    if (sw->nparams == ZP_SWEEP_MAX_PARAMS)
        return (size_t)-1;
    sw_param *p = &sw->params[sw->nparams];
    p->path = dup(r, path);
    p->name = dup(r, path);
    return sw->nparams++;
}

/* scenarios[i]: name, set {path: value}. Two passes over the list: the
 * first (fill 0) checks and finds the columns, the second fills each
 * scenario's values. */
static void read_scenario(rd *r, json_t *obj, const char *opath, size_t i, int fill)
{
    static const char *const keys[] = {"name", "set"};
    sw_scenario *s = &r->sw->scens[i];
    char spath[ZP_JR_PATH_MAX], kpath[ZP_JR_PATH_MAX];
    if (!fill) {
        const char *name = NULL;
        zp__jr_keys(r->jr, obj, opath, keys, ZP_ARRAY_LEN(keys));
        if (zp__jr_str(r->jr, obj, opath, "name", ZP_JR_OPT | ZP_JR_NO_CONTROL, 200, &name) > 0)
            s->name = dup(r, name);
        s->where = dup(r, opath);
        zp__jr_position(r->jr, opath, ZP_JR_AT_VALUE, &s->line, &s->col);
    }
    json_t *set = fill ? json_object_get(obj, "set") : zp__jr_obj(r->jr, obj, opath, "set", ZP_JR_REQ, spath);
    if (!set)
        return;
    zp__jsonpos_path_key(spath, sizeof spath, opath, "set");
    if (!fill && json_object_size(set) == 0)
        zp__jr_report(r->jr, spath, ZP_JR_AT_VALUE, "sets nothing: give {\"PATH\": value, ...}");
    if (!fill && json_object_size(set) > ZP_SWEEP_MAX_PARAMS) {
        zp__jr_report(r->jr, spath, ZP_JR_AT_VALUE, "sets %zu values; at most %d",
                      json_object_size(set), ZP_SWEEP_MAX_PARAMS);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(set, key, v)
    {
        zp__jsonpos_path_key(kpath, sizeof kpath, spath, key);
        if (fill) {
            size_t c = column(r, key);
            if (c != (size_t)-1 && s->set)
                keep_value(r, &s->set[c], v, kpath);
            continue;
        }
        if (check_set_path(r, key, kpath))
            continue;
        if (json_is_null(v))
            zp__jr_report(r->jr, kpath, ZP_JR_AT_VALUE, "null is not a value for the model");
        const char *k2;
        json_t *v2;
        json_object_foreach(set, k2, v2)
        {
            if (k2 == key)
                break;
            if (sw__path_within(key, k2) || sw__path_within(k2, key))
                zp__jr_report(r->jr, kpath, ZP_JR_AT_KEY,
                              "'%s' overlaps '%s': the value would be set twice", key, k2);
        }
        if (column(r, key) == (size_t)-1)
            zp__jr_report(r->jr, kpath, ZP_JR_AT_KEY,
                          "the scenarios set more than %d different paths", ZP_SWEEP_MAX_PARAMS);
    }
}

static void read_scenarios(rd *r, json_t *arr, const char *apath)
{
    zp_sweep *sw = r->sw;
    char path[ZP_JR_PATH_MAX];
    size_t n = json_array_size(arr);
    if (n == 0) {
        zp__jr_report(r->jr, apath, ZP_JR_AT_VALUE, "must list at least one scenario");
        return;
    }
    sw->scens = zp__calloc(r->ctx, n, sizeof *sw->scens);
    sw->params = zp__calloc(r->ctx, ZP_SWEEP_MAX_PARAMS, sizeof *sw->params);
    if (!sw->scens || !sw->params) {
        r->nomem = 1;
        return;
    }
    sw->nscens = n;
    size_t before = zp__jr_problems(r->jr);
    for (size_t i = 0; i < n; i++) {
        json_t *obj = zp__jr_elem_obj(r->jr, arr, apath, i, path);
        if (obj)
            read_scenario(r, obj, path, i, 0);
    }
    if (zp__jr_problems(r->jr) != before || r->nomem)
        return;
    for (size_t i = 0; i < n && !r->nomem; i++) {
        sw->scens[i].set = zp__calloc(r->ctx, sw->nparams, sizeof *sw->scens[i].set);
        if (!sw->scens[i].set) {
            r->nomem = 1;
            break;
        }
        zp__jsonpos_path_index(path, sizeof path, apath, i);
        read_scenario(r, json_array_get(arr, i), path, i, 1);
    }
    sw->count = n;
}

static void read_outputs(rd *r, json_t *arr, const char *apath)
{
    zp_sweep *sw = r->sw;
    char path[ZP_JR_PATH_MAX];
    size_t n = json_array_size(arr);
    sw->outputs = zp__calloc(r->ctx, n ? n : 1, sizeof *sw->outputs);
    if (!sw->outputs) {
        r->nomem = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        zp__jsonpos_path_index(path, sizeof path, apath, i);
        const char *form = json_is_string(v) ? sw__path_form(json_string_value(v)) : NULL;
        if (!json_is_string(v) || strlen(json_string_value(v)) >= ZP_JR_PATH_MAX)
            zp__jr_report(r->jr, path, ZP_JR_AT_VALUE,
                          "must be a JSON path into each result, as \"cost_breakdown_cny.total\"");
        else if (form)
            zp__jr_report(r->jr, path, ZP_JR_AT_VALUE, "'%s' %s", json_string_value(v), form);
        else
            sw->outputs[sw->noutputs++] = dup(r, json_string_value(v));
    }
}

/* The base model: its text (read here unless given), checked by the model
 * loader with the caller's flags; its document kept for the path checks. */
static void read_model(rd *r, const char *name, const char *basedir, const char *text, size_t len,
                       unsigned flags)
{
    zp_sweep *sw = r->sw;
    sw->model_name = dup(r, name);
    sw->model_path = beside(r, basedir, name);
    if (r->nomem)
        return;
    const char *slash = strrchr(sw->model_path, '/');
    sw->model_dir = slash ? zp__strndup(r->ctx, sw->model_path,
                                        slash == sw->model_path ? 1 : (size_t)(slash - sw->model_path))
                          : zp__strdup(r->ctx, ".");
    if (!sw->model_dir) {
        r->nomem = 1;
        return;
    }
    if (text) {
        sw->model_text = zp__strndup(r->ctx, text, len);
        sw->model_len = len;
        if (!sw->model_text)
            r->nomem = 1;
    } else if (zp__file_read(r->ctx, sw->model_path, ZP_MODEL_MAX_BYTES, "model", &sw->model_text,
                             &sw->model_len)) {
        /* the context's error names the file; the read fails with it */
        return;
    }
}

/* The top level. */
static void read_root(rd *r, json_t *root, const char *basedir, const char *model_text,
                      size_t model_len, unsigned flags)
{
    static const char *const keys[] = {"model", "run", "parameters", "scenarios", "outputs",
                                       "description"};
    static const char *const runs[] = {"plan", "simulate"};
    zp_sweep *sw = r->sw;
    char path[ZP_JR_PATH_MAX];
    const char *model = NULL, *run = NULL;
    if (!json_is_object(root)) {
        zp__jr_report(r->jr, "", ZP_JR_AT_VALUE, "the sweep file must be a JSON object, got %s",
                      zp__jr_type_name(root));
        return;
    }
    zp__jr_keys(r->jr, root, "", keys, ZP_ARRAY_LEN(keys));
    const char *desc = NULL;
    zp__jr_str(r->jr, root, "", "description", ZP_JR_OPT | ZP_JR_EMPTY_OK, 0, &desc);
    int run_given = zp__jr_str(r->jr, root, "", "run", ZP_JR_OPT, 64, &run);
    if (run_given > 0 && zp__jr_pick(r->jr, "run", "run", run, runs, ZP_ARRAY_LEN(runs)) < 0)
        run_given = -1;
    if (run_given < 0)
        run = NULL;
    sw->run = dup(r, run ? run : SW_DEFAULT_RUN);
    sw->fn = sw->run ? zp_sweep_fn_by_name(sw->run) : NULL;
    if (sw->run && !sw->fn)
        zp__jr_report(r->jr, "run", ZP_JR_AT_VALUE, "'%s' is not in this build of zeropark", sw->run);
    if (zp__jr_str(r->jr, root, "", "model", ZP_JR_REQ | ZP_JR_NO_CONTROL, 4096, &model) > 0) {
        read_model(r, model, basedir, model_text, model_len, flags);
        if (sw->model_text) {
            zp_model *m = NULL;
            size_t errs = zp_ctx_diag_errors(r->ctx);
            if (zp_model_load_buf(r->ctx, sw->model_text, sw->model_len, sw->model_path,
                                  sw->model_dir, flags, &m) == ZP_OK)
                r->base = json_loadb(sw->model_text, sw->model_len, 0, NULL);
            else if (zp_ctx_errcode(r->ctx) == ZP_ENOMEM)
                r->nomem = 1;
            else if (zp_ctx_diag_errors(r->ctx) == errs)
                zp__jr_report(r->jr, "model", ZP_JR_AT_VALUE, "%s", zp_ctx_errmsg(r->ctx));
            else
                zp__jr_report(r->jr, "model", ZP_JR_AT_VALUE,
                              "the model '%s' has problems (above); fix them first", model);
            zp_model_free(r->ctx, m);
        } else if (!r->nomem) {
            zp__jr_report(r->jr, "model", ZP_JR_AT_VALUE, "%s", zp_ctx_errmsg(r->ctx));
        }
    }
    if (r->base && run_given >= 0 && sw->run && strcmp(sw->run, "plan") == 0 &&
        !json_object_get(r->base, "planning"))
        zp__jr_report(r->jr, json_object_get(root, "run") ? "run" : "model", ZP_JR_AT_VALUE,
                      "plans need the model's \"planning\" section (docs/planning.md); for the "
                      "optimal dispatch of each scenario write \"run\": \"simulate\"");
    json_t *params = zp__jr_arr(r->jr, root, "", "parameters", ZP_JR_OPT, ZP_SWEEP_MAX_PARAMS, path);
    json_t *scens = zp__jr_member(r->jr, root, "", "scenarios", ZP_JR_OPT, path);
    if (params && scens)
        zp__jr_report(r->jr, "scenarios", ZP_JR_AT_KEY,
                      "give \"parameters\" (a grid) or \"scenarios\" (a list), not both");
    else if (params)
        read_params(r, params, "parameters");
    else if (scens && (scens = zp__jr_arr(r->jr, root, "", "scenarios", ZP_JR_OPT,
                                          ZP_SWEEP_MAX_SCENARIOS, path)) != NULL)
        read_scenarios(r, scens, "scenarios");
    else if (!json_object_get(root, "parameters") && !json_object_get(root, "scenarios"))
        zp__jr_report(r->jr, "", ZP_JR_AT_VALUE,
                      "give \"parameters\" (a grid of values) or \"scenarios\" (a list)");
    json_t *outputs = zp__jr_arr(r->jr, root, "", "outputs", ZP_JR_OPT, 256, path);
    if (outputs)
        read_outputs(r, outputs, "outputs");
}

zp_status sw__read(zp_ctx *ctx, const char *buf, size_t len, const char *fname, const char *basedir,
                   const char *model_text, size_t model_len, unsigned model_flags, size_t check_max,
                   zp_sweep **out)
{
    rd r;
    zp_jr_opts o;
    zp_status rc = ZP_OK;
    if (!ctx)
        return ZP_EINVAL;
    if (!out || (!buf && len) || (!model_text && model_len))
        return zp__error(ctx, ZP_EINVAL, "zp_sweep_load_buf: NULL argument");
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    size_t errs_before = zp_ctx_diag_errors(ctx);
    r.sw = zp__calloc(ctx, 1, sizeof *r.sw);
    if (!r.sw)
        return zp__nomem(ctx);
    r.sw->file = dup(&r, fname ? fname : "sweep");
    zp__jr_opts_init(&o);
    o.file = fname;
    o.what = "sweep file";
    o.max_bytes = ZP_SWEEP_MAX_BYTES;
    o.flags = ZP_JR_SKIP_BOM | ZP_JR_NUL_AT_PATH;
    o.mode = ZP_JR_SORTED;
    rc = zp__jr_open_buf(ctx, buf, len, &o, &r.jr);
    if (rc == ZP_EPARSE)
        rc = ZP_OK;
    else if (rc)
        goto out;
    else
        read_root(&r, zp__jr_root(r.jr), basedir, model_text, model_len, model_flags);
    if (r.nomem || (r.jr && zp__jr_flush(r.jr))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    if (zp_ctx_diag_errors(ctx) == errs_before && r.sw->count <= check_max) {
        long bad = sw__check_all(ctx, r.sw);
        if (bad < 0) {
            rc = zp__nomem(ctx);
            goto out;
        }
    }
    size_t n = zp_ctx_diag_errors(ctx) - errs_before;
    if (n) {
        rc = zp__error(ctx, ZP_EMODEL, "%s: %zu problem%s", r.sw->file, n, n == 1 ? "" : "s");
        goto out;
    }
    r.sw->digest = fnv1a(fnv1a(0xcbf29ce484222325ull, buf, len), r.sw->model_text, r.sw->model_len);
    *out = r.sw;
    r.sw = NULL;
out:
    json_decref(r.base);
    zp__jr_free(r.jr);
    zp_sweep_free(ctx, r.sw);
    return rc;
}

zp_status zp_sweep_load_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                            const char *basedir, const char *model_text, size_t model_len,
                            unsigned model_flags, zp_sweep **out)
{
    return sw__read(ctx, buf, len, fname, basedir, model_text, model_len, model_flags, SIZE_MAX, out);
}

zp_status zp_sweep_load_file(zp_ctx *ctx, const char *path, unsigned model_flags, zp_sweep **out)
{
    char *buf = NULL, *dir = NULL;
    size_t len = 0;
    zp_status rc;
    if (!ctx)
        return ZP_EINVAL;
    if (!path || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_sweep_load_file: NULL argument");
    if ((rc = zp__file_read(ctx, path, ZP_SWEEP_MAX_BYTES, "sweep file", &buf, &len)))
        return rc;
    const char *slash = strrchr(path, '/');
    if (slash && !(dir = zp__strndup(ctx, path, slash == path ? 1 : (size_t)(slash - path)))) {
        zp__free(ctx, buf);
        return zp__nomem(ctx);
    }
    rc = zp_sweep_load_buf(ctx, buf, len, path, dir, NULL, 0, model_flags, out);
    zp__free(ctx, buf);
    zp__free(ctx, dir);
    return rc;
}

static void values_free(zp_ctx *ctx, sw_value *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        json_decref(v[i].v);
        zp__free(ctx, v[i].where);
    }
    zp__free(ctx, v);
}

void zp_sweep_free(zp_ctx *ctx, zp_sweep *sw)
{
    if (!sw)
        return;
    zp__free(ctx, sw->file);
    zp__free(ctx, sw->model_name);
    zp__free(ctx, sw->model_path);
    zp__free(ctx, sw->model_dir);
    zp__free(ctx, sw->model_text);
    zp__free(ctx, sw->run);
    for (size_t p = 0; sw->params && p < (sw->grid ? sw->nparams : ZP_SWEEP_MAX_PARAMS); p++) {
        zp__free(ctx, sw->params[p].name);
        zp__free(ctx, sw->params[p].path);
        values_free(ctx, sw->params[p].values, sw->params[p].nvalues);
    }
    zp__free(ctx, sw->params);
    for (size_t i = 0; sw->scens && i < sw->nscens; i++) {
        zp__free(ctx, sw->scens[i].name);
        zp__free(ctx, sw->scens[i].where);
        values_free(ctx, sw->scens[i].set, sw->nparams);
    }
    zp__free(ctx, sw->scens);
    for (size_t i = 0; i < sw->noutputs; i++)
        zp__free(ctx, sw->outputs[i]);
    zp__free(ctx, sw->outputs);
    zp__free(ctx, sw);
}

size_t zp_sweep_count(const zp_sweep *sw) { return sw ? sw->count : 0; }
const char *zp_sweep_run_name(const zp_sweep *sw) { return sw ? sw->run : NULL; }
uint64_t zp_sweep_digest(const zp_sweep *sw) { return sw ? sw->digest : 0; }
