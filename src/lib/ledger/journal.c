/*
 * journal.c - the hash-chained journal: the canonical encoding of an
 * entry, SHA-256, and appending an entry to the chain.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger_impl.h"

/* ---- hashing and the journal ---------------------------------------------- */

zp_status lg__sha256(zp_ledger *lg, const void *a, size_t alen, const void *b, size_t blen,
                     unsigned char out[32])
{
    /* Fetched once: an implicit fetch per digest costs more than hashing
     * a journal entry. */
    if (!lg->md)
        lg->md = EVP_MD_CTX_new();
    if (!lg->sha)
        lg->sha = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *md = lg->md;
    unsigned int n = 0;
    int ok = md && lg->sha && EVP_DigestInit_ex2(md, lg->sha, NULL) == 1 &&
             EVP_DigestUpdate(md, a, alen) == 1 && (!b || EVP_DigestUpdate(md, b, blen) == 1) &&
             EVP_DigestFinal_ex(md, out, &n) == 1 && n == 32;
    return ok ? ZP_OK : zp__error(lg->ctx, ZP_ENOMEM, "ledger: SHA-256 failed (OpenSSL)");
}

void lg__hex(const unsigned char *h, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * n] = 0;
}

/* The canonical encoding (docs/credits.md): compact JSON, object keys in
 * byte order, strings ASCII-only ('"' and '\\' escaped, control characters
 * as \b \f \n \r \t or \u00XX, everything above U+007F as \uXXXX, with
 * surrogate pairs above U+FFFF), integers in decimal, reals as %.17g. It
 * is what jansson writes with JSON_COMPACT | JSON_SORT_KEYS |
 * JSON_ENSURE_ASCII, written directly: the journal hashes one per
 * operation and jansson's dump machinery cost an eighth of a transfer. */
typedef struct canon_buf {
    char *p;
    size_t len, cap;
    int oom;
} canon_buf;

static void cb_put(canon_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void cb_u16(canon_buf *b, unsigned u)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[6] = {'\\', 'u', hex[(u >> 12) & 15], hex[(u >> 8) & 15], hex[(u >> 4) & 15],
                 hex[u & 15]};
    cb_put(b, e, 6);
}

static void cb_string(canon_buf *b, const char *s, size_t n)
{
    cb_put(b, "\"", 1);
    size_t run = 0; /* start of the pending run of plain characters */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        cb_put(b, s + run, i - run);
        if (c < 0x80) {
            const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t" : NULL;
            if (e)
                cb_put(b, e, 2);
            else
                cb_u16(b, c);
            i++;
        } else {
            /* jansson holds valid UTF-8: decode one code point. */
            unsigned cp, k = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
            cp = c & (0x3F >> k);
            for (unsigned j = 1; j <= k && i + j < n; j++)
                cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3F);
            if (cp > 0xFFFF) {
                cp -= 0x10000;
                cb_u16(b, 0xD800 | (cp >> 10));
                cb_u16(b, 0xDC00 | (cp & 0x3FF));
            } else {
                cb_u16(b, cp);
            }
            i += k + 1;
        }
        run = i;
    }
    cb_put(b, s + run, n - run);
    cb_put(b, "\"", 1);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void cb_value(canon_buf *b, const json_t *v)
{
    char num[40];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char *stack_keys[16], **keys = n <= 16 ? stack_keys : malloc(n * sizeof *keys);
        const char *k;
        json_t *x;
        if (!keys) {
            b->oom = 1;
            return;
        }
        json_object_foreach((json_t *)v, k, x) keys[i++] = k;
        qsort(keys, n, sizeof *keys, key_cmp);
        cb_put(b, "{", 1);
        for (i = 0; i < n; i++) {
            if (i)
                cb_put(b, ",", 1);
            cb_string(b, keys[i], strlen(keys[i]));
            cb_put(b, ":", 1);
            cb_value(b, json_object_get(v, keys[i]));
        }
        cb_put(b, "}", 1);
        if (keys != stack_keys)
            free(keys);
        break;
    }
    case JSON_ARRAY:
        cb_put(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                cb_put(b, ",", 1);
            cb_value(b, json_array_get(v, i));
        }
        cb_put(b, "]", 1);
        break;
    case JSON_STRING:
        cb_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        json_int_t x = json_integer_value(v);
        char *p = num + sizeof num;
        uint64_t u = x < 0 ? (uint64_t)(-(x + 1)) + 1 : (uint64_t)x;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (x < 0)
            *--p = '-';
        cb_put(b, p, (size_t)(num + sizeof num - p));
        break;
    }
    case JSON_REAL: {
        int n = snprintf(num, sizeof num, "%.17g", json_real_value(v));
        /* As jansson writes the exponent: no '+', no leading zeros. */
        char *e = strchr(num, 'e');
        if (e) {
            char *d = e + 1, *src = e + 1;
            if (*src == '+')
                src++;
            else if (*src == '-')
                *d++ = *src++;
            while (*src == '0' && src[1])
                src++;
            memmove(d, src, strlen(src) + 1);
            n = (int)strlen(num);
        }
        cb_put(b, num, (size_t)n);
        if (!strpbrk(num, ".eEn"))
            cb_put(b, ".0", 2);
        break;
    }
    case JSON_TRUE: cb_put(b, "true", 4); break;
    case JSON_FALSE: cb_put(b, "false", 5); break;
    default: cb_put(b, "null", 4); break;
    }
}

char *lg__canon(const json_t *v)
{
    canon_buf b = {NULL, 0, 0, 0};
    if (!v)
        return NULL;
    cb_value(&b, v);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static zp_status head_load(zp_ledger *lg)
{
    if (lg->head_ok)
        return ZP_OK;
    sqlite3_stmt *s = lg__stmt(lg, LS_HEAD);
    if (!s)
        return ZP_ESTORE;
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        lg->head_seq = sqlite3_column_int64(s, 0);
        if (sqlite3_column_bytes(s, 1) != 32) {
            sqlite3_reset(s);
            return zp__error(lg->ctx, ZP_ECORRUPT,
                             "ledger: journal entry %lld has a hash of %d bytes (want 32); run "
                             "'zeropark credits verify'",
                             (long long)lg->head_seq, sqlite3_column_bytes(s, 1));
        }
        memcpy(lg->head_hash, sqlite3_column_blob(s, 1), 32);
    } else if (r == SQLITE_DONE) {
        lg->head_seq = 0;
        memset(lg->head_hash, 0, 32);
    } else {
        return lg__sqlerr(lg, "reading the journal head");
    }
    sqlite3_reset(s);
    lg->head_ok = 1;
    return ZP_OK;
}

zp_status lg__journal(zp_ledger *lg, json_t *entry, int64_t *seq)
{
    zp_status rc = head_load(lg);
    if (rc)
        return rc;
    int64_t n = lg->head_seq + 1;
    if (json_object_set_new(entry, "seq", json_integer(n)) ||
        json_object_set_new(entry, "at", json_integer(lg__now(lg))))
        return zp__nomem(lg->ctx);
    char *text = lg__canon(entry);
    if (!text)
        return zp__nomem(lg->ctx);
    unsigned char h[32];
    size_t len = strlen(text);
    if ((rc = lg__sha256(lg, lg->head_hash, 32, text, len, h))) {
        free(text);
        return rc;
    }
    sqlite3_stmt *s = lg__stmt(lg, LS_JOURNAL_INS);
    if (!s) {
        free(text);
        return ZP_ESTORE;
    }
    sqlite3_bind_int64(s, 1, n);
    sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, h, 32, SQLITE_STATIC);
    rc = lg__step_done(lg, s, "appending to the journal");
    sqlite3_clear_bindings(s);
    free(text);
    if (rc)
        return rc;
    lg->head_seq = n;
    memcpy(lg->head_hash, h, 32);
    if (seq)
        *seq = n;
    return ZP_OK;
}

zp_status lg__journal_take(zp_ledger *lg, json_t *entry, int64_t *seq)
{
    if (!entry)
        return zp__nomem(lg->ctx);
    zp_status rc = lg__journal(lg, entry, seq);
    json_decref(entry);
    return rc;
}
