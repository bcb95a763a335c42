/*
 * serial.c - the texts that name credits: standards, products
 * ("STD-VINTAGE") and serial ranges ("STD-PROJECT-VINTAGE-FIRST-LAST").
 */
#include <stdio.h>
#include <string.h>

#include "ledger/ledger_impl.h"

int lg__standard_ok(const char *s, size_t n)
{
    if (n < 2 || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

/* Parse a decimal whole number of the whole text [s, s+n) into *v. */
static int parse_i64(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *v)
{
    if (n == 0 || n > 18)
        return 0;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    if (x < lo || x > hi)
        return 0;
    *v = x;
    return 1;
}

zp_status lg__product_parse(zp_ledger *lg, const char *text, const char *what, char *standard,
                            int64_t *vintage)
{
    const char *dash = text ? strrchr(text, '-') : NULL;
    if (!dash || !lg__standard_ok(text, (size_t)(dash - text)) ||
        !parse_i64(dash + 1, strlen(dash + 1), 1900, 2200, vintage))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "%s: '%s' is not a product; write STANDARD-VINTAGE, e.g. CCER-2023",
                         what, text ? text : "");
    memcpy(standard, text, (size_t)(dash - text));
    standard[dash - text] = 0;
    return ZP_OK;
}

zp_status lg__serial_parse(zp_ledger *lg, const char *text, const char *what, lg_serial *out)
{
    const char *d1 = strchr(text, '-');
    const char *e = text + strlen(text);
    const char *p3 = NULL, *p2 = NULL, *p1 = NULL; /* starts of vintage, first, last */
    int ok = d1 != NULL;
    if (ok) {
        const char *q = e;
        const char **dst[3] = {&p1, &p2, &p3};
        for (int k = 0; k < 3 && ok; k++) {
            while (q > d1 + 1 && q[-1] != '-')
                q--;
            ok = q > d1 + 1 && q[-1] == '-';
            *dst[k] = q;
            q--;
        }
    }
    ok = ok && lg__standard_ok(text, (size_t)(d1 - text)) && p3 - 1 > d1 + 1 &&
         (size_t)(p3 - 1 - (d1 + 1)) <= 64 &&
         parse_i64(p3, (size_t)(p2 - 1 - p3), 1900, 2200, &out->vintage) &&
         parse_i64(p2, (size_t)(p1 - 1 - p2), 1, LG_MAX_QTY, &out->first) &&
         parse_i64(p1, (size_t)(e - p1), 1, LG_MAX_QTY, &out->last) && out->first <= out->last;
    if (!ok)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "%s: '%s' is not a serial range; write STANDARD-PROJECT-VINTAGE-FIRST-"
                         "LAST, e.g. CCER-RY-FOREST-2023-1-500",
                         what, text);
    memcpy(out->standard, text, (size_t)(d1 - text));
    out->standard[d1 - text] = 0;
    memcpy(out->project, d1 + 1, (size_t)(p3 - 1 - (d1 + 1)));
    out->project[p3 - 1 - (d1 + 1)] = 0;
    return ZP_OK;
}

json_t *lg__serial_json(const char *standard, const char *project, int64_t vintage, int64_t first,
                        int64_t last)
{
    char buf[160];
    int n = snprintf(buf, sizeof buf, "%s-%s-%lld-%lld-%lld", standard, project,
                     (long long)vintage, (long long)first, (long long)last);
    return n > 0 && (size_t)n < sizeof buf ? json_stringn(buf, (size_t)n) : NULL;
}
