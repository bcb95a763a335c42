/*
 * results.c - a sweep's results as one JSON document and one CSV table
 * (docs/sweep.md "Results"), in scenario order.
 *
 * Both depend only on the sweep and the outcomes: nothing of how or where
 * the scenarios ran (threads, processes, time) goes in, so that runs that
 * shared the work differently give the same bytes. Numbers are written
 * with 15 significant digits, which shows every value a sweep file or a
 * result (12 digits) holds as written.
 *
 * The CSV's output columns come from the sweep file's "outputs" (or the
 * work's defaults): JSON paths into each result; one that leads to an
 * object or an array is one column per value inside it, named by its path
 * (an array of objects that each have a "name" by those names:
 * "targets.max_pue.value"). The columns are those of the scenarios that
 * ran, in the order first found.
 */
#include "sweep/sweep_impl.h"
#include "zeropark/jsonread.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SW_JSON_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* Every outcome, and only those, in scenario order. */
static zp_status check_outcomes(zp_ctx *ctx, const zp_sweep *sw, const zp_sweep_outcome *o, size_t n)
{
    if (!sw || (!o && n))
        return zp__error(ctx, ZP_EINVAL, "sweep results: NULL argument");
    if (n != sw->count)
        return zp__error(ctx, ZP_EINVAL, "sweep results: %zu outcomes for %zu scenarios", n, sw->count);
    for (size_t i = 0; i < n; i++)
        if (o[i].index != i || (o[i].ok && !o[i].result))
            return zp__error(ctx, ZP_EINVAL, "sweep results: outcome %zu is not scenario %zu's", i, i);
    return ZP_OK;
}

/* A copy of the text allocated with ctx's allocator (jansson's freed). */
static zp_status hand_over(zp_ctx *ctx, char *text, char **out)
{
    if (!text)
        return zp__nomem(ctx);
    *out = zp__strdup(ctx, text);
    free(text);
    return *out ? ZP_OK : zp__nomem(ctx);
}

/* ---- JSON ------------------------------------------------------------------- */

static json_t *params_json(const zp_sweep *sw)
{
    json_t *arr = json_array();
    for (size_t p = 0; arr && p < sw->nparams; p++) {
        const sw_param *q = &sw->params[p];
        json_t *o = json_pack("{s:s, s:s}", "name", q->name, "path", q->path);
        if (o && sw->grid) {
            json_t *vals = json_array();
            for (size_t k = 0; vals && k < q->nvalues; k++)
                json_array_append(vals, q->values[k].v);
            json_object_set_new(o, "values", vals);
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *scenario_json(const zp_sweep *sw, const zp_sweep_outcome *o, size_t i)
{
    json_t *s = json_object(), *set = json_object();
    if (!s || !set) {
        json_decref(s);
        json_decref(set);
        return NULL;
    }
    json_object_set_new(s, "index", json_integer((json_int_t)i));
    if (!sw->grid && sw->scens[i].name)
        json_object_set_new(s, "name", json_string(sw->scens[i].name));
    for (size_t p = 0; p < sw->nparams; p++) {
        const sw_value *v = sw__value(sw, i, p);
        if (v)
            json_object_set(set, sw->params[p].path, v->v);
    }
    json_object_set_new(s, "set", set);
    json_object_set_new(s, "status", json_string(o->ok ? "ok" : "failed"));
    if (o->ok) {
        json_t *r = json_loads(o->result, 0, NULL);
        json_object_set_new(s, "result", r ? r : json_null());
    } else {
        json_object_set_new(s, "message", json_string(o->message ? o->message : ""));
    }
    return s;
}

zp_status zp_sweep_results_json(zp_ctx *ctx, const zp_sweep *sw, const zp_sweep_outcome *o,
                                size_t n, char **out)
{
    if (!ctx)
        return ZP_EINVAL;
    zp_status rc = check_outcomes(ctx, sw, o, n);
    if (rc)
        return rc;
    size_t ok = 0;
    json_t *scens = json_array();
    for (size_t i = 0; scens && i < n; i++) {
        ok += o[i].ok ? 1 : 0;
        if (json_array_append_new(scens, scenario_json(sw, &o[i], i))) {
            json_decref(scens);
            scens = NULL;
        }
    }
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o*, s:{s:I, s:I, s:I}, s:o*}", "sweep", sw->file,
                            "model", sw->model_name, "run", sw->run, "parameters", params_json(sw),
                            "summary", "scenarios", (json_int_t)n, "ok", (json_int_t)ok, "failed",
                            (json_int_t)(n - ok), "scenarios", scens);
    if (!doc || !scens)
        return zp__nomem(ctx);
    char *text = json_dumps(doc, SW_JSON_FLAGS | JSON_INDENT(2));
    json_decref(doc);
    return hand_over(ctx, text, out);
}

/* ---- CSV -------------------------------------------------------------------- */

/* A growing text with a sticky out-of-memory flag. */
typedef struct tbuf {
    zp_ctx *ctx;
    char *s;
    size_t len, cap;
    int nomem;
} tbuf;

static void put(tbuf *b, const char *s, size_t n)
{
    if (b->nomem || zp__grow(b->ctx, (void **)&b->s, &b->cap, b->len + n + 1, 1)) {
        b->nomem = 1;
        return;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(tbuf *b, const char *s) { put(b, s, strlen(s)); }

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void field(tbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        puts_(b, s);
        return;
    }
    put(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            put(b, "\"\"", 2);
        else
            put(b, p, 1);
    }
    put(b, "\"", 1);
}

/* A value as a cell: numbers with 15 digits, text as it is, objects and
 * arrays as compact JSON, null empty. */
static void cell(tbuf *b, const json_t *v)
{
    char num[64];
    if (!v || json_is_null(v))
        return;
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        puts_(b, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        puts_(b, num);
    } else if (json_is_string(v)) {
        field(b, json_string_value(v));
    } else if (json_is_boolean(v)) {
        puts_(b, json_is_true(v) ? "true" : "false");
    } else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | SW_JSON_FLAGS);
        if (!t)
            b->nomem = 1;
        else
            field(b, t);
        free(t);
    }
}

/* 1 when every element of arr is an object with a string "name". */
static int named_objects(const json_t *arr)
{
    size_t i;
    json_t *e;
    if (json_array_size(arr) == 0)
        return 0;
    json_array_foreach(arr, i, e)
    {
        if (!json_is_string(json_object_get(e, "name")))
            return 0;
    }
    return 1;
}

/* The values under v, each set in flat (a column name -> value object,
 * borrowing) under its path from prefix. */
static int flatten(json_t *flat, const char *prefix, json_t *v)
{
    char path[ZP_JR_PATH_MAX + 64];
    if (json_is_object(v)) {
        const char *key;
        json_t *c;
        json_object_foreach(v, key, c)
        {
            snprintf(path, sizeof path, "%s.%s", prefix, key);
            if (flatten(flat, path, c))
                return -1;
        }
        return 0;
    }
    if (json_is_array(v)) {
        int named = named_objects(v);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (named) {
                snprintf(path, sizeof path, "%s.%s", prefix, json_string_value(json_object_get(e, "name")));
                const char *key;
                json_t *c;
                json_object_foreach(e, key, c)
                {
                    char sub[sizeof path + 64];
                    if (strcmp(key, "name") == 0)
                        continue;
                    snprintf(sub, sizeof sub, "%s.%s", path, key);
                    if (flatten(flat, sub, c))
                        return -1;
                }
            } else {
                snprintf(path, sizeof path, "%s[%zu]", prefix, i);
                if (flatten(flat, path, e))
                    return -1;
            }
        }
        return 0;
    }
    return json_object_set(flat, prefix, v) ? -1 : 0;
}

/* Each scenario's output values by column name (an object each; NULL for
 * those that failed), and the columns in the order first found. */
static int outputs_of(const zp_sweep *sw, const zp_sweep_outcome *o, size_t n, json_t **flat,
                      json_t *columns)
{
    const char *const *defaults = sw__default_outputs(sw->run);
    size_t nout = sw->outputs ? sw->noutputs : 0;
    if (!sw->outputs)
        while (defaults[nout])
            nout++;
    for (size_t i = 0; i < n; i++) {
        if (!o[i].ok)
            continue;
        json_t *doc = json_loads(o[i].result, 0, NULL);
        if (!doc || !(flat[i] = json_object()))
            return json_decref(doc), -1;
        for (size_t k = 0; k < nout; k++) {
            const char *path = sw->outputs ? sw->outputs[k] : defaults[k];
            char why[16];
            json_t *v = sw__path_get(doc, path, "the result", why, sizeof why);
            if (v && flatten(flat[i], path, v))
                return json_decref(doc), -1;
        }
        json_decref(doc);
        const char *key;
        json_t *v;
        json_object_foreach(flat[i], key, v)
        {
            if (!json_object_get(columns, key) && json_object_set_new(columns, key, json_true()))
                return -1;
        }
    }
    /* an output that no result holds is a column too, empty */
    for (size_t k = 0; k < nout; k++) {
        const char *path = sw->outputs ? sw->outputs[k] : defaults[k];
        int found = 0;
        const char *key;
        json_t *v;
        json_object_foreach(columns, key, v)
        {
            if (sw__path_within(key, path))
                found = 1;
        }
        if (!found && json_object_set_new(columns, path, json_true()))
            return -1;
    }
    return 0;
}

zp_status zp_sweep_results_csv(zp_ctx *ctx, const zp_sweep *sw, const zp_sweep_outcome *o,
                               size_t n, char **out)
{
    if (!ctx)
        return ZP_EINVAL;
    zp_status rc = check_outcomes(ctx, sw, o, n);
    if (rc)
        return rc;
    tbuf b = {ctx, NULL, 0, 0, 0};
    json_t **flat = zp__calloc(ctx, n ? n : 1, sizeof *flat);
    json_t *columns = json_object();
    if (!flat || !columns || outputs_of(sw, o, n, flat, columns))
        b.nomem = 1;
    const char *key;
    json_t *v;
    puts_(&b, "index");
    if (!sw->grid)
        puts_(&b, ",name");
    for (size_t p = 0; p < sw->nparams; p++) {
        puts_(&b, ",");
        field(&b, sw->params[p].name);
    }
    puts_(&b, ",status");
    if (columns)
        json_object_foreach(columns, key, v)
        {
            puts_(&b, ",");
            field(&b, key);
        }
    puts_(&b, ",message\n");
    for (size_t i = 0; i < n && !b.nomem; i++) {
        char num[32];
        snprintf(num, sizeof num, "%zu", i);
        puts_(&b, num);
        if (!sw->grid) {
            puts_(&b, ",");
            field(&b, sw->scens[i].name ? sw->scens[i].name : "");
        }
        for (size_t p = 0; p < sw->nparams; p++) {
            const sw_value *sv = sw__value(sw, i, p);
            puts_(&b, ",");
            cell(&b, sv ? sv->v : NULL);
        }
        puts_(&b, o[i].ok ? ",ok" : ",failed");
        json_object_foreach(columns, key, v)
        {
            puts_(&b, ",");
            cell(&b, flat[i] ? json_object_get(flat[i], key) : NULL);
        }
        puts_(&b, ",");
        field(&b, o[i].ok || !o[i].message ? "" : o[i].message);
        puts_(&b, "\n");
    }
    for (size_t i = 0; flat && i < n; i++)
        json_decref(flat[i]);
    zp__free(ctx, flat);
    json_decref(columns);
    if (b.nomem) {
        zp__free(ctx, b.s);
        return zp__nomem(ctx);
    }
    *out = b.s;
    return ZP_OK;
}
