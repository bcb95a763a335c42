/*
 * jsonread.c - the one JSON reader (core/jsonread.h): loading with
 * positions, typed getters that build JSON paths, unknown keys with
 * did-you-mean, problems collected and sorted or sent as found, and
 * jansson's messages in the user's words.
 */
#include "core/jsonread.h"

#include "core/internal.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 1024 /* a message (zp__diag keeps as much) */

/* A problem collected in ZP_JR_SORTED mode. */
typedef struct pending {
    int line;   /* 1-based, 0 unknown */
    int col;    /* 1-based, 0 unknown */
    size_t seq; /* report order, keeps the sort stable */
    char *path; /* JSON path, "" for none */
    char *msg;  /* message */
} pending;

struct zp_jr {
    zp_ctx *ctx;
    zp_jr_opts o;      /* as given, defaults filled in */
    json_t *root;      /* the document */
    int own_root;      /* root was parsed here (freed with the reader) */
    zp_jsonpos *jp;    /* positions, NULL for a tree parsed elsewhere */
    zp_status st;      /* ZP_ENOMEM once any allocation failed (sticky) */
    size_t nproblems;  /* problems found */
    int flushed;       /* SORTED: the collected ones went out */
    pending *d;        /* SORTED: collected problems */
    size_t nd, capd;
};

void zp__jr_opts_init(zp_jr_opts *o)
{
    memset(o, 0, sizeof *o);
    o->what = "document";
    o->mode = ZP_JR_SORTED;
    o->code = ZP_EINVAL;
}

static zp_status jr_new(zp_ctx *ctx, const zp_jr_opts *opts, zp_jr **out)
{
    zp_jr *jr = zp__calloc(ctx, 1, sizeof *jr);
    *out = NULL;
    if (!jr)
        return zp__nomem(ctx);
    jr->ctx = ctx;
    if (opts)
        jr->o = *opts;
    else
        zp__jr_opts_init(&jr->o);
    if (!jr->o.what)
        jr->o.what = "document";
    if (!jr->o.words)
        jr->o.words = zp__jr_words_default;
    *out = jr;
    return ZP_OK;
}

void zp__jr_free(zp_jr *jr)
{
    if (!jr)
        return;
    for (size_t i = 0; i < jr->nd; i++) {
        zp__free(jr->ctx, jr->d[i].path);
        zp__free(jr->ctx, jr->d[i].msg);
    }
    zp__free(jr->ctx, jr->d);
    zp__jsonpos_free(jr->ctx, jr->jp);
    if (jr->own_root)
        json_decref(jr->root);
    zp__free(jr->ctx, jr);
}

json_t *zp__jr_root(const zp_jr *jr) { return jr ? jr->root : NULL; }

zp_jr_words_fn zp__jr_set_words(zp_jr *jr, zp_jr_words_fn words, void *ud, void **old_ud)
{
    zp_jr_words_fn old = jr->o.words;
    if (old_ud)
        *old_ud = jr->o.ud;
    jr->o.words = words ? words : zp__jr_words_default;
    jr->o.ud = ud;
    return old;
}
size_t zp__jr_problems(const zp_jr *jr) { return jr->nproblems; }

zp_status zp__jr_status(const zp_jr *jr)
{
    if (jr->st)
        return jr->st;
    return jr->o.mode == ZP_JR_FIRST && jr->nproblems ? jr->o.code : ZP_OK;
}

/* ---- problems ------------------------------------------------------------- */

void zp__jr_position(const zp_jr *jr, const char *path, zp_jr_at at, int *line, int *col)
{
    zp_jsonpos_loc loc;
    zp__jsonpos_find(jr->jp, at == ZP_JR_AT_NONE ? NULL : path, &loc);
    if (at == ZP_JR_AT_KEY && loc.key_line) {
        *line = loc.key_line;
        *col = loc.key_col;
    } else {
        *line = loc.line;
        *col = loc.col;
    }
}

/* Hand one problem on now, as the mode says. */
static void send(zp_jr *jr, const char *path, zp_jr_at at, const char *msg)
{
    int line, col;
    const char *p = at == ZP_JR_AT_NONE || !path || !path[0] ? NULL : path;
    if (jr->o.mode == ZP_JR_FIRST) {
        if (jr->nproblems == 1) /* this is the first */
            zp__error(jr->ctx, jr->o.code, "%s%s%s%s%s", jr->o.file ? jr->o.file : "",
                      jr->o.file ? ": " : "", p ? p : "", p ? ": " : "", msg);
        return;
    }
    zp__jr_position(jr, path, at, &line, &col);
    if (zp__diag(jr->ctx, ZP_SEV_ERROR, jr->o.file, line, col, p, "%s", msg))
        jr->st = ZP_ENOMEM;
}

static void collect(zp_jr *jr, const char *path, zp_jr_at at, const char *msg)
{
    if (zp__grow(jr->ctx, (void **)&jr->d, &jr->capd, jr->nd + 1, sizeof *jr->d)) {
        jr->st = ZP_ENOMEM;
        return;
    }
    pending *d = &jr->d[jr->nd];
    zp__jr_position(jr, path, at, &d->line, &d->col);
    d->seq = jr->nd;
    d->path = zp__strdup(jr->ctx, at == ZP_JR_AT_NONE || !path ? "" : path);
    d->msg = zp__strdup(jr->ctx, msg);
    if (!d->path || !d->msg) {
        zp__free(jr->ctx, d->path);
        zp__free(jr->ctx, d->msg);
        jr->st = ZP_ENOMEM;
        return;
    }
    jr->nd++;
}

static void put(zp_jr *jr, const char *path, zp_jr_at at, const char *msg)
{
    jr->nproblems++;
    if (jr->st)
        return;
    if (jr->o.mode == ZP_JR_SORTED && !jr->flushed)
        collect(jr, path, at, msg);
    else
        send(jr, path, at, msg);
}

zp_status zp__jr_vreport(zp_jr *jr, const char *path, zp_jr_at at, const char *fmt, va_list ap)
{
    char msg[MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    put(jr, path, at, msg);
    return jr->st;
}

static int pending_cmp(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    /* unknown positions sort last */
    long lx = x->line ? x->line : INT_MAX, ly = y->line ? y->line : INT_MAX;
    if (lx != ly)
        return lx < ly ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

zp_status zp__jr_flush(zp_jr *jr)
{
    if (jr->st)
        return jr->st;
    if (jr->o.mode != ZP_JR_SORTED || jr->flushed)
        return ZP_OK;
    jr->flushed = 1;
    if (jr->nd > 1)
        qsort(jr->d, jr->nd, sizeof *jr->d, pending_cmp);
    for (size_t i = 0; i < jr->nd; i++) {
        const pending *d = &jr->d[i];
        if (zp__diag(jr->ctx, ZP_SEV_ERROR, jr->o.file, d->line, d->col,
                     d->path[0] ? d->path : NULL, "%s", d->msg))
            return jr->st = ZP_ENOMEM;
    }
    return ZP_OK;
}

/* Word p and hand it on. Returns -1, what the getters return for it. */
static int problem(zp_jr *jr, zp_jr_problem *p)
{
    char msg[MSG_MAX];
    p->ud = jr->o.ud;
    msg[0] = '\0';
    if (!jr->st)
        jr->o.words(p, msg, sizeof msg);
    put(jr, p->path, p->at, msg);
    return -1;
}

static void problem_init(zp_jr_problem *p, zp_jr_kind kind, const char *opath, const char *path,
                         const char *key, const json_t *value)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->at = kind == ZP_JR_UNKNOWN_KEY ? ZP_JR_AT_KEY : ZP_JR_AT_VALUE;
    p->opath = opath;
    p->path = path;
    p->key = key;
    p->value = value;
}

static int type_problem(zp_jr *jr, const char *opath, const char *path, const char *key,
                        const json_t *v, const char *want, bool whole)
{
    zp_jr_problem p;
    problem_init(&p, ZP_JR_TYPE, opath, path, key, v);
    p.want = want;
    p.whole = whole;
    return problem(jr, &p);
}

/* A number that is not as wanted: its value, whether it must be whole and the
 * range it must lie in. */
static int num_problem(zp_jr *jr, zp_jr_kind kind, const char *opath, const char *path,
                       const char *key, const json_t *v, bool whole, double num, zp_jr_range rg)
{
    zp_jr_problem p;
    problem_init(&p, kind, opath, path, key, v);
    p.whole = whole;
    p.num = num;
    p.range = rg;
    return problem(jr, &p);
}

/* ---- loading ---------------------------------------------------------------- */

/* A text jansson refused: one problem, in the user's words. */
static zp_status syntax(zp_jr *jr, const json_error_t *je)
{
    char words[JSON_ERROR_TEXT_LENGTH + 128];
    const char *text = zp__json_errtext(je->text, words, sizeof words);
    jr->nproblems++;
    if (jr->o.mode == ZP_JR_FIRST || (jr->o.flags & ZP_JR_SYNTAX_ERROR))
        return zp__error(jr->ctx, ZP_EPARSE, "%s:%d:%d: %s",
                         jr->o.file ? jr->o.file : jr->o.what, je->line, je->column, text);
    if (zp__diag(jr->ctx, ZP_SEV_ERROR, jr->o.file, je->line > 0 ? je->line : 0,
                 je->column > 0 ? je->column : 0, NULL, "%s", text))
        return ZP_ENOMEM;
    return ZP_EPARSE;
}

zp_status zp__jr_open_buf(zp_ctx *ctx, const char *buf, size_t len, const zp_jr_opts *opts,
                          zp_jr **out)
{
    zp_jr *jr = NULL;
    json_error_t jerr;
    char nulpath[ZP_JR_PATH_MAX];
    zp_status rc = jr_new(ctx, opts, &jr);
    *out = NULL;
    if (rc)
        return rc;
    if (jr->o.max_bytes && len > jr->o.max_bytes) {
        rc = zp__error(ctx, ZP_ETOOBIG, "%s: the %s is %zu bytes; the limit is %zu",
                       jr->o.file ? jr->o.file : jr->o.what, jr->o.what, len, jr->o.max_bytes);
        goto out;
    }
    if (!buf)
        buf = "";
    /* jansson does not take a byte order mark; editors do not show it */
    if ((jr->o.flags & ZP_JR_SKIP_BOM) && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    /* NUL characters are taken, then refused below with the string's
     * path: jansson's own refusal cannot say where it is */
    size_t jflags = JSON_REJECT_DUPLICATES | (jr->o.flags & ZP_JR_NUL_AT_PATH ? JSON_ALLOW_NUL : 0);
    jr->root = json_loadb(buf, len, jflags, &jerr);
    if (!jr->root) {
        rc = syntax(jr, &jerr);
        goto out;
    }
    jr->own_root = 1;
    if ((rc = zp__jsonpos_build(ctx, buf, len, &jr->jp)))
        goto out;
    if ((jr->o.flags & ZP_JR_NUL_AT_PATH) &&
        zp__json_find_nul(jr->root, "", nulpath, sizeof nulpath)) {
        jr->nproblems++;
        send(jr, nulpath, ZP_JR_AT_VALUE,
             "the string holds \\u0000 (the NUL character), which is not allowed; remove it");
        rc = jr->st ? zp__nomem(ctx) : ZP_EPARSE;
        goto out;
    }
    *out = jr;
    jr = NULL;
out:
    zp__jr_free(jr);
    return rc;
}

zp_status zp__jr_open_tree(zp_ctx *ctx, json_t *root, const zp_jr_opts *opts, zp_jr **out)
{
    zp_status rc = jr_new(ctx, opts, out);
    if (!rc)
        (*out)->root = root;
    return rc;
}

/* ---- words ---------------------------------------------------------------- */

const char *zp__jr_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

const char *zp__jr_shown(const char *s, char *buf, size_t size)
{
    size_t n = 0, i = 0;
    for (; s[i] && n + 4 < size && i < 64; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (s[i]) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

const char *zp__jr_join(const char *const *names, size_t n, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(buf + pos, size - pos, "%s%s", i ? ", " : "", names[i]);
        if (k < 0 || (size_t)k >= size - pos)
            break; /* the last name is cut */
        pos += (size_t)k;
    }
    return buf;
}

int zp__jr_range_ok(zp_jr_range rg, double v)
{
    switch (rg.kind) {
    case ZP_JR_GE: return v >= rg.lo;
    case ZP_JR_GT: return v > rg.lo;
    case ZP_JR_IN: return v >= rg.lo && v <= rg.hi;
    case ZP_JR_GT_LE: return v > rg.lo && v <= rg.hi;
    default: return isfinite(v);
    }
}

void zp__jr_range_text(zp_jr_range rg, double v, char *buf, size_t size)
{
    switch (rg.kind) {
    case ZP_JR_GE:
        snprintf(buf, size, "%.15g must be at least %.15g", v, rg.lo);
        break;
    case ZP_JR_GT:
        snprintf(buf, size, "%.15g must be greater than %.15g", v, rg.lo);
        break;
    case ZP_JR_IN:
        snprintf(buf, size, "%.15g is out of range %.15g..%.15g", v, rg.lo, rg.hi);
        break;
    case ZP_JR_GT_LE:
        snprintf(buf, size, "%.15g must be greater than %.15g and at most %.15g", v, rg.lo, rg.hi);
        break;
    default:
        snprintf(buf, size, "%.15g is not a finite number", v);
        break;
    }
}

void zp__jr_words_default(zp_jr_problem *p, char *msg, size_t size)
{
    char sv[80], list[512];
    switch (p->kind) {
    case ZP_JR_MISSING:
        snprintf(msg, size, "missing required field '%s'", p->key);
        break;
    case ZP_JR_TYPE:
        snprintf(msg, size, "expected %s, got %s", p->want, zp__jr_type_name(p->value));
        break;
    case ZP_JR_RANGE:
        if (p->int64)
            snprintf(msg, size, "%lld is out of range %lld..%lld", (long long)p->ival,
                     (long long)p->ilo, (long long)p->ihi);
        else
            zp__jr_range_text(p->range, p->num, msg, size);
        break;
    case ZP_JR_NOT_WHOLE:
        snprintf(msg, size, "expected an integer, got %.15g", p->num);
        break;
    case ZP_JR_TOO_LARGE:
        snprintf(msg, size, "%.15g is too large", p->num);
        break;
    case ZP_JR_EMPTY:
        snprintf(msg, size, "must not be empty");
        break;
    case ZP_JR_TOO_LONG:
        snprintf(msg, size, "too long (%zu bytes); at most %zu", p->len, p->max);
        break;
    case ZP_JR_NUL:
        snprintf(msg, size, "must not contain a NUL character");
        break;
    case ZP_JR_CONTROL:
        snprintf(msg, size, "holds a control character at byte %zu; remove it", p->len);
        break;
    case ZP_JR_NOT_ONE_OF:
        /* the list is cut shorter than for keys: values are shown with it */
        zp__jr_join(p->names, p->nnames, list, 256);
        if (p->near)
            snprintf(msg, size, "'%s' is not one of %s; did you mean '%s'?",
                     zp__jr_shown(p->text, sv, sizeof sv), list, p->near);
        else
            snprintf(msg, size, "'%s' is not one of %s", zp__jr_shown(p->text, sv, sizeof sv),
                     list);
        break;
    case ZP_JR_UNKNOWN_KEY:
        if (p->near)
            snprintf(msg, size, "unknown key '%s'; did you mean '%s'?",
                     zp__jr_shown(p->key, sv, sizeof sv), p->near);
        else
            snprintf(msg, size, "unknown key '%s'; expected one of: %s",
                     zp__jr_shown(p->key, sv, sizeof sv),
                     zp__jr_join(p->names, p->nnames, list, sizeof list));
        break;
    case ZP_JR_TOO_MANY:
        snprintf(msg, size, "too many entries (%zu); at most %zu are allowed", p->len, p->max);
        break;
    }
}

/* ---- jansson's messages, in the user's words ------------------------------ */

/* jansson names its own flags and internals in a few messages; each is
 * given here as the user sees the problem. The rest of jansson's text (" near
 * '...'", " near end of file") is kept. */
static const struct {
    const char *jansson; /* the message's start as jansson writes it */
    const char *ours;    /* the same in the user's words */
    const char *advice;  /* what to do, after jansson's " near '...'"; or "" */
} json_words[] = {
    {"\\u0000 is not allowed without JSON_ALLOW_NUL",
     "a string holds \\u0000 (the NUL character), which is not allowed", "remove it"},
    {"NUL byte in object key not supported",
     "a key holds \\u0000 (the NUL character), which is not allowed", "remove it"},
    {"maximum parsing depth reached", "arrays and objects nested more than 2048 deep", ""},
    {"end of file expected", "text after the end of the JSON value",
     "a file holds one value (an object)"},
    {"premature end of input", "the text ends inside the JSON value",
     "is a '}', ']' or '\"' missing?"},
    {"duplicate object key", "a key appears twice in the same object", "keep one"},
    {"too big negative integer", "a number is too large (below -9223372036854775808)", ""},
    {"too big integer", "a number is too large (above 9223372036854775807)", ""},
    {"real number overflow", "a number is too large for a double (above 1.8e308)", ""},
    {"unable to decode byte", "the text is not UTF-8: byte", "save it as UTF-8"},
    {"Invalid UTF-8", "the text is not UTF-8", "save it as UTF-8"},
    {"wrong arguments", "no JSON text", ""},
};

const char *zp__json_errtext(const char *text, char *buf, size_t n)
{
    if (!text)
        return "";
    for (size_t i = 0; i < sizeof json_words / sizeof json_words[0]; i++) {
        size_t l = strlen(json_words[i].jansson);
        if (strncmp(text, json_words[i].jansson, l) == 0) {
            const char *adv = json_words[i].advice;
            snprintf(buf, n, "%s%s%s%s", json_words[i].ours, text + l, adv[0] ? "; " : "", adv);
            return buf;
        }
    }
    return text;
}

const char *zp_json_errtext(const char *text, char *buf, size_t n)
{
    return zp__json_errtext(text, buf, n);
}

int zp__json_find_nul(const json_t *v, const char *path, char *out, size_t outsz)
{
    char sub[ZP_JSONPOS_PATH_MAX];
    if (json_is_string(v)) {
        if (strlen(json_string_value(v)) != json_string_length(v)) {
            snprintf(out, outsz, "%s", path);
            return 1;
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e) {
            zp__jsonpos_path_key(sub, sizeof sub, path, k);
            if (zp__json_find_nul(e, sub, out, outsz))
                return 1;
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            zp__jsonpos_path_index(sub, sizeof sub, path, i);
            if (zp__json_find_nul(json_array_get(v, i), sub, out, outsz))
                return 1;
        }
    }
    return 0;
}

/* ---- getters -------------------------------------------------------------- */

static const char *nearest(const zp_jr *jr, const char *word, const char *const *names, size_t n)
{
    return jr->o.near_edits ? zp__nearest_within(word, names, n, jr->o.near_edits)
                            : zp__nearest(word, names, n);
}

/* The member key of obj (path into path); absent with ZP_JR_REQ is
 * MISSING, with the getter's want. */
static json_t *member(zp_jr *jr, json_t *obj, const char *opath, const char *key,
                      unsigned flags, char *path, const char *want, bool whole)
{
    zp__jsonpos_path_key(path, ZP_JR_PATH_MAX, opath, key);
    json_t *j = obj ? json_object_get(obj, key) : NULL;
    if (j && json_is_null(j) && (jr->o.flags & ZP_JR_NULL_ABSENT))
        j = NULL;
    if (!j && (flags & ZP_JR_REQ) && obj) {
        zp_jr_problem p;
        problem_init(&p, ZP_JR_MISSING, opath, opath, key, NULL);
        p.want = want;
        p.whole = whole;
        problem(jr, &p);
    }
    return j;
}

/* A json type's bit, for typed's types. */
#define TYPE_BIT(t) (1u << (t))

/* The member KEY of obj when it is there and its type is one of types; NULL
 * otherwise, with *rc the getter's answer: 0 when it is absent (said when
 * required), -1 when it is of another type (said, wanting want). */
static json_t *typed(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                     char *path, const char *want, bool whole, unsigned types, int *rc)
{
    json_t *j = member(jr, obj, opath, key, flags, path, want, whole);
    *rc = 0;
    if (j && !(types & TYPE_BIT(json_typeof(j)))) {
        *rc = type_problem(jr, opath, path, key, j, want, whole);
        return NULL;
    }
    return j;
}

json_t *zp__jr_member(zp_jr *jr, json_t *obj, const char *opath, const char *key,
                      unsigned flags, char *path)
{
    return member(jr, obj, opath, key, flags, path, NULL, false);
}

int zp__jr_num(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
               double def, zp_jr_range rg, double *out)
{
    char path[ZP_JR_PATH_MAX];
    const bool whole = flags & ZP_JR_WHOLE;
    *out = def;
    json_t *j = member(jr, obj, opath, key, flags, path, whole ? "an integer" : "a number", whole);
    if (!j)
        return 0;
    zp_jr_problem p;
    if (!json_is_number(j)) {
        problem_init(&p, ZP_JR_TYPE, opath, path, key, j);
        p.want = whole ? "an integer" : "a number";
        p.whole = whole;
        p.range = rg;
        return problem(jr, &p);
    }
    double v = json_number_value(j);
    if (whole && v != floor(v))
        return num_problem(jr, ZP_JR_NOT_WHOLE, opath, path, key, j, true, v, rg);
    if (!zp__jr_range_ok(rg, v))
        return num_problem(jr, ZP_JR_RANGE, opath, path, key, j, whole, v, rg);
    *out = v;
    return 1;
}

int zp__jr_int(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
               int def, zp_jr_range rg, int *out)
{
    double v;
    *out = def;
    int rc = zp__jr_num(jr, obj, opath, key, flags | ZP_JR_WHOLE, def, rg, &v);
    if (rc <= 0)
        return rc;
    if (v > INT_MAX / 2 || v < INT_MIN / 2) {
        char path[ZP_JR_PATH_MAX];
        zp__jsonpos_path_key(path, sizeof path, opath, key);
        return num_problem(jr, ZP_JR_TOO_LARGE, opath, path, key, json_object_get(obj, key), true,
                           v, (zp_jr_range){0});
    }
    *out = (int)v;
    return 1;
}

int zp__jr_int64(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                 int64_t def, int64_t lo, int64_t hi, int64_t *out)
{
    char path[ZP_JR_PATH_MAX];
    *out = def;
    int rc;
    json_t *j = typed(jr, obj, opath, key, flags, path, "an integer", true, TYPE_BIT(JSON_INTEGER),
                      &rc);
    if (!j)
        return rc;
    json_int_t x = json_integer_value(j);
    if (x < lo || x > hi) {
        zp_jr_problem p;
        problem_init(&p, ZP_JR_RANGE, opath, path, key, j);
        p.whole = p.int64 = true;
        p.num = (double)x;
        p.range = zp__jr_in((double)lo, (double)hi);
        p.ival = x;
        p.ilo = lo;
        p.ihi = hi;
        return problem(jr, &p);
    }
    *out = x;
    return 1;
}

int zp__jr_str(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
               size_t max, const char **out)
{
    char path[ZP_JR_PATH_MAX];
    zp_jr_problem p;
    *out = NULL;
    int rc;
    json_t *j = typed(jr, obj, opath, key, flags, path, "a string", false, TYPE_BIT(JSON_STRING),
                      &rc);
    if (!j)
        return rc;
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    if (len == 0 && !(flags & ZP_JR_EMPTY_OK)) {
        problem_init(&p, ZP_JR_EMPTY, opath, path, key, j);
        return problem(jr, &p);
    }
    if (max && len > max) {
        problem_init(&p, ZP_JR_TOO_LONG, opath, path, key, j);
        p.len = len;
        p.max = max;
        return problem(jr, &p);
    }
    if (strlen(s) != len) {
        problem_init(&p, ZP_JR_NUL, opath, path, key, j);
        p.len = len;
        p.max = max;
        return problem(jr, &p);
    }
    if (flags & ZP_JR_NO_CONTROL) {
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)s[i] < 0x20) {
                problem_init(&p, ZP_JR_CONTROL, opath, path, key, j);
                p.len = i;
                return problem(jr, &p);
            }
        }
    }
    *out = s;
    return 1;
}

int zp__jr_str_copy(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                    char *dst, size_t size)
{
    const char *s;
    int rc = zp__jr_str(jr, obj, opath, key, flags, size > 1 ? size - 1 : 1, &s);
    if (rc > 0)
        memcpy(dst, s, strlen(s) + 1);
    return rc;
}

int zp__jr_bool(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                int *out)
{
    char path[ZP_JR_PATH_MAX];
    *out = 0;
    int rc;
    json_t *j = typed(jr, obj, opath, key, flags, path, "true or false", false,
                      TYPE_BIT(JSON_TRUE) | TYPE_BIT(JSON_FALSE), &rc);
    if (!j)
        return rc;
    *out = json_is_true(j);
    return 1;
}

int zp__jr_pick(zp_jr *jr, const char *path, const char *key, const char *text,
                const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(text, names[i]) == 0)
            return (int)i;
    zp_jr_problem p;
    problem_init(&p, ZP_JR_NOT_ONE_OF, NULL, path, key, NULL);
    p.text = text;
    p.names = names;
    p.nnames = n;
    p.near = nearest(jr, text, names, n);
    return problem(jr, &p);
}

int zp__jr_enum(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                const char *const *names, size_t n, int def, int *out)
{
    char path[ZP_JR_PATH_MAX];
    const char *s;
    *out = def;
    int rc = zp__jr_str(jr, obj, opath, key, flags, 0, &s);
    if (rc <= 0)
        return rc;
    zp__jsonpos_path_key(path, sizeof path, opath, key);
    int k = zp__jr_pick(jr, path, key, s, names, n);
    if (k < 0)
        return -1;
    *out = k;
    return 1;
}

json_t *zp__jr_obj(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                   char *path)
{
    int rc;
    return typed(jr, obj, opath, key, flags, path, "an object", false, TYPE_BIT(JSON_OBJECT), &rc);
}

json_t *zp__jr_arr(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                   size_t max, char *path)
{
    int rc;
    json_t *j =
        typed(jr, obj, opath, key, flags, path, "an array", false, TYPE_BIT(JSON_ARRAY), &rc);
    if (j && json_array_size(j) > max) {
        zp_jr_problem p;
        problem_init(&p, ZP_JR_TOO_MANY, opath, path, key, j);
        p.len = json_array_size(j);
        p.max = max;
        problem(jr, &p);
        return NULL;
    }
    return j;
}

json_t *zp__jr_elem_obj(zp_jr *jr, json_t *arr, const char *apath, size_t i, char *path)
{
    json_t *e = json_array_get(arr, i);
    zp__jsonpos_path_index(path, ZP_JR_PATH_MAX, apath, i);
    if (!json_is_object(e)) {
        type_problem(jr, apath, path, NULL, e, "an object", false);
        return NULL;
    }
    return e;
}

void zp__jr_keys(zp_jr *jr, json_t *obj, const char *opath, const char *const *known,
                 size_t n)
{
    const char *key;
    json_t *val;
    char path[ZP_JR_PATH_MAX];
    json_object_foreach(obj, key, val) {
        size_t i = 0;
        while (i < n && strcmp(key, known[i]) != 0)
            i++;
        if (i < n)
            continue;
        zp_jr_problem p;
        zp__jsonpos_path_key(path, sizeof path, opath, key);
        problem_init(&p, ZP_JR_UNKNOWN_KEY, opath, path, key, val);
        p.names = known;
        p.nnames = n;
        p.near = nearest(jr, key, known, n);
        problem(jr, &p);
    }
}

/* ---- the public entry points (zeropark/jsonread.h) ------------------------- */

void zp_jr_opts_init(zp_jr_opts *o) { zp__jr_opts_init(o); }

zp_status zp_jr_open_buf(zp_ctx *ctx, const char *buf, size_t len, const zp_jr_opts *opts,
                         zp_jr **out)
{
    return zp__jr_open_buf(ctx, buf, len, opts, out);
}

void zp_jr_free(zp_jr *jr) { zp__jr_free(jr); }
json_t *zp_jr_root(const zp_jr *jr) { return zp__jr_root(jr); }
size_t zp_jr_problems(const zp_jr *jr) { return zp__jr_problems(jr); }

zp_status zp_jr_report(zp_jr *jr, const char *path, zp_jr_at at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zp_status rc = zp__jr_vreport(jr, path, at, fmt, ap);
    va_end(ap);
    return rc;
}

json_t *zp_jr_member(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                     char *path)
{
    return zp__jr_member(jr, obj, opath, key, flags, path);
}

int zp_jr_num(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
              double def, zp_jr_range rg, double *out)
{
    return zp__jr_num(jr, obj, opath, key, flags, def, rg, out);
}

int zp_jr_str_copy(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                   char *dst, size_t size)
{
    return zp__jr_str_copy(jr, obj, opath, key, flags, dst, size);
}

int zp_jr_pick(zp_jr *jr, const char *path, const char *key, const char *text,
               const char *const *names, size_t n)
{
    return zp__jr_pick(jr, path, key, text, names, n);
}

void zp_jr_keys(zp_jr *jr, json_t *obj, const char *opath, const char *const *known, size_t n)
{
    zp__jr_keys(jr, obj, opath, known, n);
}

void zp_jr_words_default(zp_jr_problem *p, char *msg, size_t size)
{
    zp__jr_words_default(p, msg, size);
}
