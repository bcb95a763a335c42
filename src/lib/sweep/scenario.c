/*
 * scenario.c - scenario i of a sweep: the values it sets, its label for
 * messages, its model (the base model's document with those values set,
 * loaded by the model loader), and the check of every scenario before a
 * sweep runs.
 *
 * A grid's scenarios are numbered like nested loops over the parameters
 * in the order the file lists them, the last one innermost: with values
 * a0 a1 and b0 b1 b2, scenario 0 is (a0, b0), 1 is (a0, b1), 3 is (a1, b0).
 *
 * The model loader's problems with a scenario name it and point at the
 * value of the sweep file that caused them (a problem at or inside a path
 * the scenario sets), so that "tilt 120" is found in the sweep file, not
 * in a model text nobody wrote.
 */
#include "sweep/sweep_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const sw_value *sw__value(const zp_sweep *sw, size_t i, size_t p)
{
    if (!sw->grid) {
        const sw_value *v = &sw->scens[i].set[p];
        return v->v ? v : NULL;
    }
    for (size_t q = sw->nparams; q-- > p + 1;)
        i /= sw->params[q].nvalues;
    return &sw->params[p].values[i % sw->params[p].nvalues];
}

char *zp_sweep_label(zp_ctx *ctx, const zp_sweep *sw, size_t i)
{
    if (!sw->grid && sw->scens[i].name)
        return zp__asprintf(ctx, "scenario %zu '%s'", i, sw->scens[i].name);
    char buf[1024];
    size_t len = (size_t)snprintf(buf, sizeof buf, "scenario %zu (", i);
    int first = 1;
    for (size_t p = 0; p < sw->nparams && len < sizeof buf; p++) {
        const sw_value *v = sw__value(sw, i, p);
        if (!v)
            continue;
        char *text = json_dumps(v->v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s = %.60s%s", first ? "" : ", ",
                                sw->params[p].name, text ? text : "?",
                                text && strlen(text) > 60 ? "..." : "");
        free(text);
        first = 0;
    }
    if (len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, ")");
    char *out = zp__strdup(ctx, buf);
    if (!out)
        zp__nomem(ctx);
    return out;
}

char *sw__scenario_text(zp_ctx *ctx, const zp_sweep *sw, size_t i, size_t *len)
{
    char why[512];
    json_error_t je;
    json_t *doc = json_loadb(sw->model_text, sw->model_len, 0, &je);
    char *text = NULL, *out = NULL;
    if (!doc) {
        zp__error(ctx, ZP_EMODEL, "%s: %s", sw->model_path, je.text);
        return NULL;
    }
    for (size_t p = 0; p < sw->nparams; p++) {
        const sw_value *v = sw__value(sw, i, p);
        if (v && sw__path_set(doc, sw->params[p].path, v->v, "the model", why, sizeof why)) {
            zp__error(ctx, ZP_EMODEL, "%s: '%s': %s", sw->file, sw->params[p].path, why);
            goto out;
        }
    }
    text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!text || !(out = zp__strdup(ctx, text))) {
        zp__nomem(ctx);
        goto out;
    }
    *len = strlen(out);
out:
    free(text);
    json_decref(doc);
    return out;
}

/* The value of scenario i that a problem at model path mpath lies in, or
 * NULL. */
static const sw_value *cause(const zp_sweep *sw, size_t i, const char *mpath)
{
    for (size_t p = 0; mpath && p < sw->nparams; p++) {
        const sw_value *v = sw__value(sw, i, p);
        if (v && sw__path_within(mpath, sw->params[p].path))
            return v;
    }
    return NULL;
}

/* Scenario i's model loaded in a context of its own (scratch), so that
 * its problems can be said again in the sweep's words. */
static zp_status load(zp_ctx *scratch, const zp_sweep *sw, size_t i, unsigned flags, zp_model **out)
{
    size_t len = 0;
    char *text = sw__scenario_text(scratch, sw, i, &len);
    if (!text)
        return zp_ctx_errcode(scratch);
    zp_status rc = zp_model_load_buf(scratch, text, len, sw->model_path, sw->model_dir, flags, out);
    zp__free(scratch, text);
    return rc;
}

/* A diagnostic of scenario i's model said again on ctx: at the sweep
 * file's value that caused it, with the scenario's label. */
static zp_status restate(zp_ctx *ctx, const zp_sweep *sw, size_t i, const char *label,
                         const zp_diag *d, const char *tail)
{
    const sw_value *v = cause(sw, i, d->path);
    const char *mp = d->path ? d->path : "";
    return zp__diag(ctx, d->severity, sw->file, v ? v->line : 0, v ? v->col : 0, v ? v->where : NULL,
                    "%s: %s%s%s%s", label, mp, mp[0] ? ": " : "", d->message, tail ? tail : "");
}

zp_status zp_sweep_scenario_model(zp_ctx *ctx, const zp_sweep *sw, size_t i, unsigned flags,
                                  zp_model **out)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!sw || !out || i >= sw->count)
        return zp__error(ctx, ZP_EINVAL, "zp_sweep_scenario_model: no scenario %zu", i);
    zp_ctx *scratch = zp__ctx_new_sibling(ctx);
    char *label = zp_sweep_label(ctx, sw, i);
    zp_status rc;
    if (!scratch || !label) {
        rc = zp__nomem(ctx);
        goto out;
    }
    rc = load(scratch, sw, i, flags, out);
    if (rc == ZP_OK)
        goto out;
    if (rc == ZP_ENOMEM) {
        rc = zp__nomem(ctx);
        goto out;
    }
    size_t nd = zp_ctx_diag_count(scratch), nerr = 0;
    for (size_t k = 0; k < nd; k++) {
        const zp_diag *d = zp_ctx_diag_get(scratch, k);
        if (d->severity != ZP_SEV_ERROR)
            continue;
        nerr++;
        if (restate(ctx, sw, i, label, d, NULL)) {
            rc = zp__nomem(ctx);
            goto out;
        }
    }
    if (nerr)
        rc = zp__error(ctx, ZP_EMODEL, "%s: %zu problem%s", label, nerr, nerr == 1 ? "" : "s");
    else
        rc = zp__error(ctx, rc, "%s: %s", label, zp_ctx_errmsg(scratch));
out:
    zp__free(ctx, label);
    zp_ctx_free(scratch);
    return rc;
}

/* ---- the check of every scenario ------------------------------------------ */

/* A problem found in some scenarios: said once. */
typedef struct problem {
    const sw_value *v; /* the value that caused it, or NULL */
    char *mpath;       /* the model path, or NULL */
    char *message;
    size_t first;      /* the first scenario with it */
    size_t count;      /* how many have it */
} problem;

#define SW_CHECK_MAX_PROBLEMS 50

/* By position in the sweep file (those without one last), then by the
 * first scenario that has it. */
static int problem_cmp(const void *a, const void *b)
{
    const problem *p = a, *q = b;
    long pl = p->v ? p->v->line : 0x7fffffff, ql = q->v ? q->v->line : 0x7fffffff;
    long pc = p->v ? p->v->col : 0, qc = q->v ? q->v->col : 0;
    if (pl != ql)
        return pl < ql ? -1 : 1;
    if (pc != qc)
        return pc < qc ? -1 : 1;
    return p->first < q->first ? -1 : p->first > q->first;
}

long sw__check_all(zp_ctx *ctx, const zp_sweep *sw)
{
    problem probs[SW_CHECK_MAX_PROBLEMS];
    size_t np = 0, more = 0;
    long result = 0;
    zp_ctx *scratch = zp__ctx_new_sibling(ctx);
    if (!scratch)
        return -1;
    for (size_t i = 0; i < sw->count && result >= 0; i++) {
        zp_model *m = NULL;
        zp_status rc = load(scratch, sw, i, ZP_MODEL_NO_SERIES, &m);
        zp_model_free(scratch, m);
        if (rc == ZP_ENOMEM) {
            result = -1;
            break;
        }
        size_t nd = zp_ctx_diag_count(scratch), nerr = 0;
        for (size_t k = 0; rc && k < nd; k++) {
            const zp_diag *d = zp_ctx_diag_get(scratch, k);
            if (d->severity != ZP_SEV_ERROR)
                continue;
            nerr++;
            const sw_value *v = cause(sw, i, d->path);
            size_t j = 0;
            while (j < np && !(probs[j].v == v && strcmp(probs[j].message, d->message) == 0 &&
                               strcmp(probs[j].mpath ? probs[j].mpath : "", d->path ? d->path : "") == 0))
                j++;
            if (j < np) {
                probs[j].count++;
                continue;
            }
            if (np == SW_CHECK_MAX_PROBLEMS) {
                more++;
                continue;
            }
            problem *p = &probs[np++];
            p->v = v;
            p->mpath = d->path ? zp__strdup(ctx, d->path) : NULL;
            p->message = zp__strdup(ctx, d->message);
            p->first = i;
            p->count = 1;
            if (!p->message || (d->path && !p->mpath))
                result = -1;
        }
        if (rc && !nerr && result >= 0) {
            /* a failure without diagnostics (the text could not be made) */
            if (zp__diag(ctx, ZP_SEV_ERROR, sw->file, 0, 0, NULL, "%s", zp_ctx_errmsg(scratch)))
                result = -1;
            else
                result++;
        }
        zp_ctx_diag_clear(scratch);
        zp_ctx_clear_error(scratch);
    }
    qsort(probs, np, sizeof *probs, problem_cmp);
    for (size_t j = 0; j < np; j++) {
        problem *p = &probs[j];
        if (result >= 0) {
            char tail[96] = "";
            if (p->count > 1)
                snprintf(tail, sizeof tail, " (and %zu more scenario%s)", p->count - 1,
                         p->count == 2 ? "" : "s");
            char *label = zp_sweep_label(ctx, sw, p->first);
            zp_diag d = {ZP_SEV_ERROR, NULL, 0, 0, p->mpath, p->message};
            if (!label || restate(ctx, sw, p->first, label, &d, tail))
                result = -1;
            else
                result++;
            zp__free(ctx, label);
        }
        zp__free(ctx, p->mpath);
        zp__free(ctx, p->message);
    }
    if (more && result >= 0) {
        if (zp__diag(ctx, ZP_SEV_ERROR, sw->file, 0, 0, NULL,
                     "%zu more problems in other scenarios (fix those above first)", more))
            result = -1;
        else
            result++;
    }
    zp_ctx_free(scratch);
    return result;
}
