/*
 * args.c - reading an operation's arguments (args.KEY): texts, ids and
 * whole numbers, with errors that name the argument, and refusing keys
 * the operation does not take. The one place that reads args: the
 * operations ask it.
 */
#include <stdio.h>
#include <string.h>

#include "ledger/ledger_impl.h"

zp_status lg__arg_str(zp_ledger *lg, json_t *args, const char *key, int required,
                      const char **out)
{
    json_t *v = json_object_get(args, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return zp__error(lg->ctx, ZP_EINVAL, "args.%s: missing (a text is required)", key);
        return ZP_OK;
    }
    if (!json_is_string(v))
        return zp__error(lg->ctx, ZP_EINVAL, "args.%s: must be a text", key);
    const char *t = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > 1000 || strlen(t) != n)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.%s: must be at most 1000 bytes with no NUL character", key);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20)
            return zp__error(lg->ctx, ZP_EINVAL,
                             "args.%s: control character at byte %zu; remove it", key, i);
    if (required && n == 0)
        return zp__error(lg->ctx, ZP_EINVAL, "args.%s: must not be empty", key);
    *out = t;
    return ZP_OK;
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
    json_t *v = json_object_get(args, key);
    if (!v || json_is_null(v)) {
        if (required)
            return zp__error(lg->ctx, ZP_EINVAL, "args.%s: missing (a whole number is required)",
                             key);
        return ZP_OK;
    }
    if (!json_is_integer(v))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.%s: must be a whole number (quantities are whole tonnes, "
                         "prices whole fen)",
                         key);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return zp__error(lg->ctx, ZP_EINVAL, "args.%s: %lld is out of range [%lld, %lld]", key,
                         (long long)x, (long long)lo, (long long)hi);
    *out = x;
    return ZP_OK;
}

zp_status lg__arg_keys(zp_ledger *lg, json_t *args, const char *what, const char *const *keys,
                       size_t max)
{
    if (!json_is_object(args))
        return zp__error(lg->ctx, ZP_EINVAL, "args: must be a JSON object");
    size_t n = 0;
    while (n < max && keys[n])
        n++;
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v)
    {
        size_t i;
        for (i = 0; i < n; i++)
            if (strcmp(key, keys[i]) == 0)
                break;
        if (i < n)
            continue;
        if (n == 0)
            return zp__error(lg->ctx, ZP_EINVAL, "args.%.64s: %s takes no arguments", key, what);
        const char *near = zp__nearest(key, keys, n);
        char list[200] = "";
        for (i = 0; i < n; i++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", keys[i]);
        }
        return zp__error(lg->ctx, ZP_EINVAL, "args.%.64s: %s takes no argument '%.64s'%s%s%s; "
                                             "its arguments are %s",
                         key, what, key, near ? " (did you mean '" : "", near ? near : "",
                         near ? "'?)" : "", list);
    }
    return ZP_OK;
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
