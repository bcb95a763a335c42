/*
 * args.c - reading an operation's arguments (args.KEY): texts, ids and
 * whole numbers, with errors that name the argument, and refusing keys
 * the operation does not take. The one place that reads args: the
 * operations ask it; it reads them with the library's JSON reader
 * (core/jsonread.h) in the ledger's own words.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonread.h"
#include "ledger/ledger_impl.h"

/* The words of the ledger's argument errors (core/jsonread.h): each names
 * "args.KEY" itself, so the reader is told to point nowhere. ud is the
 * operation's name, for unknown keys. */
static void arg_words(zp_jr_problem *p, char *msg, size_t size)
{
    char list[200];
    p->at = ZP_JR_AT_NONE;
    switch (p->kind) {
    case ZP_JR_MISSING:
        snprintf(msg, size, "args.%s: missing (a %s is required)", p->key,
                 p->whole ? "whole number" : "text");
        break;
    case ZP_JR_TYPE:
        if (p->whole)
            snprintf(msg, size, "args.%s: must be a whole number (quantities are whole tonnes, "
                                "prices whole fen)", p->key);
        else
            snprintf(msg, size, "args.%s: must be a text", p->key);
        break;
    case ZP_JR_RANGE:
        snprintf(msg, size, "args.%s: %lld is out of range [%lld, %lld]", p->key,
                 (long long)p->ival, (long long)p->ilo, (long long)p->ihi);
        break;
    case ZP_JR_TOO_LONG:
    case ZP_JR_NUL:
        snprintf(msg, size, "args.%s: must be at most 1000 bytes with no NUL character", p->key);
        break;
    case ZP_JR_CONTROL:
        snprintf(msg, size, "args.%s: control character at byte %zu; remove it", p->key, p->len);
        break;
    case ZP_JR_EMPTY:
        snprintf(msg, size, "args.%s: must not be empty", p->key);
        break;
    case ZP_JR_UNKNOWN_KEY:
        if (p->nnames == 0)
            snprintf(msg, size, "args.%.64s: %s takes no arguments", p->key, (const char *)p->ud);
        else
            snprintf(msg, size, "args.%.64s: %s takes no argument '%.64s'%s%s%s; its arguments "
                                "are %s",
                     p->key, (const char *)p->ud, p->key, p->near ? " (did you mean '" : "",
                     p->near ? p->near : "", p->near ? "'?)" : "",
                     zp__jr_join(p->names, p->nnames, list, sizeof list));
        break;
    default:
        zp__jr_words_default(p, msg, size);
        break;
    }
}

/* A reader over args whose first problem is the call's ZP_EINVAL; what
 * names the operation. NULL when out of memory (the context says so). */
static zp_jr *arg_reader(zp_ledger *lg, json_t *args, const char *what)
{
    zp_jr_opts o;
    zp_jr *jr = NULL;
    zp__jr_opts_init(&o);
    o.mode = ZP_JR_FIRST;
    o.code = ZP_EINVAL;
    o.flags = ZP_JR_NULL_ABSENT;
    o.words = arg_words;
    o.ud = (void *)(uintptr_t)what;
    zp__jr_open_tree(lg->ctx, args, &o, &jr);
    return jr;
}

/* What the reader found: ZP_OK, or the error it set. */
static zp_status arg_done(zp_jr *jr)
{
    zp_status rc = zp__jr_status(jr);
    zp__jr_free(jr);
    return rc;
}

zp_status lg__arg_str(zp_ledger *lg, json_t *args, const char *key, int required,
                      const char **out)
{
    zp_jr *jr = arg_reader(lg, args, NULL);
    *out = NULL;
    if (!jr)
        return ZP_ENOMEM;
    zp__jr_str(jr, args, "args", key,
               (required ? ZP_JR_REQ : ZP_JR_EMPTY_OK) | ZP_JR_NO_CONTROL, 1000, out);
    return arg_done(jr);
}

zp_status lg__arg_id(zp_ledger *lg, json_t *args, const char *key, int required,
                     const char **out)
{
    zp_status rc = lg__arg_str(lg, args, key, required, out);
    if (rc || !*out)
        return rc;
    size_t n = strlen(*out);
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char c = (*out)[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '.' || c == '-';
    }
    if (!ok)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.%s: '%s' is not an id (1-64 of A-Z a-z 0-9 _ . -)", key, *out);
    return ZP_OK;
}

zp_status lg__arg_int(zp_ledger *lg, json_t *args, const char *key, int required, int64_t lo,
                      int64_t hi, int64_t *out)
{
    zp_jr *jr = arg_reader(lg, args, NULL);
    if (!jr)
        return ZP_ENOMEM;
    /* absent, *out keeps what the caller put there */
    zp__jr_int64(jr, args, "args", key, required ? ZP_JR_REQ : ZP_JR_OPT, *out, lo, hi, out);
    return arg_done(jr);
}

zp_status lg__arg_keys(zp_ledger *lg, json_t *args, const char *what, const char *const *keys,
                       size_t max)
{
    if (!json_is_object(args))
        return zp__error(lg->ctx, ZP_EINVAL, "args: must be a JSON object");
    size_t n = 0;
    while (n < max && keys[n])
        n++;
    zp_jr *jr = arg_reader(lg, args, what);
    if (!jr)
        return ZP_ENOMEM;
    zp__jr_keys(jr, args, "args", keys, n);
    return arg_done(jr);
}

int lg__arg_has(json_t *args, const char *key)
{
    return json_object_get(args, key) != NULL;
}

int lg__arg_given(json_t *args, const char *key)
{
    json_t *v = json_object_get(args, key);
    return v && !json_is_null(v);
}

int lg__arg_number(json_t *args, const char *key, double *out)
{
    json_t *v = json_object_get(args, key);
    if (!json_is_number(v))
        return 0;
    *out = json_number_value(v);
    return 1;
}
