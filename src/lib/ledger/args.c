/*
 * args.c - reading an operation's arguments (args.KEY): texts, ids and
 * whole numbers, with errors that name the argument.
 */
#include <string.h>

#include "ledger/ledger_impl.h"

/* ---- arguments -------------------------------------------------------------- */

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
