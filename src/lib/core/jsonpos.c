/*
 * jsonpos.c - position index of a JSON text: path -> line:column.
 *
 * A small recursive-descent scanner over the raw bytes. It validates only
 * as much as it needs to stay in step with the text (jansson has already
 * judged the syntax) and gives up quietly on anything unexpected. Every
 * byte access is guarded by the end pointer, so truncated or hostile input
 * cannot make it read past the buffer. Recursion is bounded by
 * ZP_JSONPOS_MAX_DEPTH; deeper values are skipped by an iterative scan.
 *
 * Entries go into one array and their paths into one byte arena; an
 * open-addressing hash table over the entries (built once at the end)
 * answers lookups.
 */
#include "core/jsonpos.h"

#include "core/internal.h"


#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct jp_entry {
    uint32_t off;  /* path offset in the arena */
    uint32_t len;  /* path length (no NUL stored) */
    zp_jsonpos_loc loc;
} jp_entry;

struct zp_jsonpos {
    jp_entry *ent;  /* entries in text order */
    size_t n;       /* entries in use */
    size_t cap;     /* entries allocated */
    char *paths;    /* path bytes, back to back */
    size_t plen;    /* bytes in use */
    size_t pcap;    /* bytes allocated */
    uint32_t *tab;  /* hash slots: entry index + 1, 0 = empty */
    size_t tcap;    /* slots, a power of two */
};

typedef struct scan {
    zp_ctx *ctx;
    zp_jsonpos *jp;
    const unsigned char *p;   /* next byte */
    const unsigned char *end; /* one past the last byte */
    int line;                 /* position of *p */
    int col;
    int full;                 /* entry or path cap reached: stop recording */
    zp_status st;             /* ZP_ENOMEM once allocation failed */
} scan;

/* ---- path building (shared with model.c) ----------------------------- */

/* Append bytes to buf at *pos, sanitising control bytes, never beyond
 * size - 1. */
static void path_put(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *pos + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[(*pos)++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[*pos] = '\0';
}

char *zp__jsonpos_path_key(char *buf, size_t size, const char *parent, const char *key)
{
    size_t pos = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (parent && parent[0]) {
        path_put(buf, size, &pos, parent, strlen(parent));
        path_put(buf, size, &pos, ".", 1);
    }
    path_put(buf, size, &pos, key, strlen(key));
    return buf;
}

char *zp__jsonpos_path_index(char *buf, size_t size, const char *parent, size_t idx)
{
    size_t pos = 0;
    char num[32];
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (parent)
        path_put(buf, size, &pos, parent, strlen(parent));
    int n = snprintf(num, sizeof num, "[%zu]", idx);
    path_put(buf, size, &pos, num, (size_t)n);
    return buf;
}

/* ---- scanner ------------------------------------------------------------ */

/* Consume one byte, keeping line and column. Columns count code points:
 * UTF-8 continuation bytes do not advance them. */
static void adv(scan *s)
{
    unsigned char c = *s->p++;
    if (c == '\n') {
        s->line++;
        s->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        s->col++;
    }
}

static void skip_ws(scan *s)
{
    while (s->p < s->end &&
           (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        adv(s);
}

static void record(scan *s, const char *path, int line, int col, int kline, int kcol)
{
    zp_jsonpos *jp = s->jp;
    size_t len = strlen(path);
    if (s->full || s->st)
        return;
    if (jp->n >= ZP_JSONPOS_MAX_ENTRIES || jp->plen + len > ZP_JSONPOS_MAX_PATH_BYTES) {
        s->full = 1;
        return;
    }
    if (zp__grow(s->ctx, (void **)&jp->ent, &jp->cap, jp->n + 1, sizeof *jp->ent) ||
        zp__grow(s->ctx, (void **)&jp->paths, &jp->pcap, jp->plen + len + 1, 1)) {
        s->st = ZP_ENOMEM;
        return;
    }
    jp_entry *e = &jp->ent[jp->n++];
    e->off = (uint32_t)jp->plen;
    e->len = (uint32_t)len;
    e->loc.line = line;
    e->loc.col = col;
    e->loc.key_line = kline;
    e->loc.key_col = kcol;
    memcpy(jp->paths + jp->plen, path, len);
    jp->plen += len;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Read 4 hex digits after "\u". Returns the code unit or -1. */
static long read_u4(scan *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        if (s->p >= s->end)
            return -1;
        int h = hexval(*s->p);
        if (h < 0)
            return -1;
        v = v * 16 + h;
        adv(s);
    }
    return v;
}

/* Append a byte to the decode buffer if there is room; the rest of a
 * long key is dropped (paths are cut shorter than the buffer anyway). */
static void out_byte(char *out, size_t outsize, size_t *n, unsigned char c)
{
    if (out && *n + 1 < outsize)
        out[(*n)++] = (char)c;
}

static void out_utf8(char *out, size_t outsize, size_t *n, unsigned long cp)
{
    if (cp < 0x80) {
        out_byte(out, outsize, n, (unsigned char)cp);
    } else if (cp < 0x800) {
        out_byte(out, outsize, n, (unsigned char)(0xC0 | (cp >> 6)));
        out_byte(out, outsize, n, (unsigned char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out_byte(out, outsize, n, (unsigned char)(0xE0 | (cp >> 12)));
        out_byte(out, outsize, n, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        out_byte(out, outsize, n, (unsigned char)(0x80 | (cp & 0x3F)));
    } else {
        out_byte(out, outsize, n, (unsigned char)(0xF0 | (cp >> 18)));
        out_byte(out, outsize, n, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
        out_byte(out, outsize, n, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        out_byte(out, outsize, n, (unsigned char)(0x80 | (cp & 0x3F)));
    }
}

/* Scan a string starting at its opening quote. When out is not NULL the
 * decoded text (as jansson decodes it, so keys match) goes there, cut to
 * outsize - 1 bytes. Returns 0, or -1 on text it does not understand. */
static int scan_string(scan *s, char *out, size_t outsize)
{
    size_t n = 0;
    if (out && outsize)
        out[0] = '\0';
    if (s->p >= s->end || *s->p != '"')
        return -1;
    adv(s);
    for (;;) {
        if (s->p >= s->end)
            return -1;
        unsigned char c = *s->p;
        if (c == '"') {
            adv(s);
            break;
        }
        if (c != '\\') {
            out_byte(out, outsize, &n, c);
            adv(s);
            continue;
        }
        adv(s);
        if (s->p >= s->end)
            return -1;
        c = *s->p;
        adv(s);
        switch (c) {
        case '"': case '\\': case '/':
            out_byte(out, outsize, &n, c);
            break;
        case 'b': out_byte(out, outsize, &n, '\b'); break;
        case 'f': out_byte(out, outsize, &n, '\f'); break;
        case 'n': out_byte(out, outsize, &n, '\n'); break;
        case 'r': out_byte(out, outsize, &n, '\r'); break;
        case 't': out_byte(out, outsize, &n, '\t'); break;
        case 'u': {
            long u = read_u4(s);
            if (u < 0)
                return -1;
            unsigned long cp = (unsigned long)u;
            /* A high surrogate followed by "\u" + low surrogate is one
             * code point; jansson rejects lone surrogates, so whatever
             * we make of them here is never looked up. */
            if (u >= 0xD800 && u <= 0xDBFF && s->end - s->p >= 6 && s->p[0] == '\\' &&
                s->p[1] == 'u') {
                adv(s);
                adv(s);
                long lo = read_u4(s);
                if (lo < 0)
                    return -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF)
                    cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) +
                         ((unsigned long)lo - 0xDC00);
            }
            out_utf8(out, outsize, &n, cp);
            break;
        }
        default:
            return -1;
        }
    }
    if (out && outsize)
        out[n] = '\0';
    return 0;
}

/* Skip one value of any depth without recursion or recording. */
static int skip_value(scan *s)
{
    size_t depth = 0;
    do {
        skip_ws(s);
        if (s->p >= s->end)
            return -1;
        unsigned char c = *s->p;
        if (c == '"') {
            if (scan_string(s, NULL, 0))
                return -1;
        } else if (c == '{' || c == '[') {
            depth++;
            adv(s);
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return -1;
            depth--;
            adv(s);
        } else {
            /* separators, numbers and literals: one byte at a time is
             * enough, structure is all we track here */
            adv(s);
        }
    } while (depth > 0);
    return 0;
}

/* Scalars: numbers, true, false, null. Consume up to a delimiter. */
static int skip_scalar(scan *s)
{
    const unsigned char *start = s->p;
    while (s->p < s->end) {
        unsigned char c = *s->p;
        if (c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' ||
            c == '\r' || c == '"' || c == '{' || c == '[' || c == ':')
            break;
        adv(s);
    }
    return s->p > start ? 0 : -1;
}

static int scan_value(scan *s, const char *path, int depth, int kline, int kcol);

/* Past the opening bracket: 1 when close follows at once (and is taken), 0
 * when a first member or element follows. */
static int open_empty(scan *s, char close)
{
    adv(s); /* '{' or '[' */
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        adv(s);
        return 1;
    }
    return 0;
}

/* After a member or element: 1 when a ',' says another follows, 0 when close
 * ends the container (both taken), -1 for anything else. */
static int next_or_close(scan *s, char close)
{
    skip_ws(s);
    if (s->p >= s->end || (*s->p != ',' && *s->p != close))
        return -1;
    int more = *s->p == ',';
    adv(s);
    return more;
}

static int scan_object(scan *s, const char *path, int depth)
{
    char key[ZP_JSONPOS_PATH_MAX];
    char child[ZP_JSONPOS_PATH_MAX];
    if (open_empty(s, '}'))
        return 0;
    for (;;) {
        skip_ws(s);
        int kline = s->line, kcol = s->col;
        if (scan_string(s, key, sizeof key))
            return -1;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return -1;
        adv(s);
        zp__jsonpos_path_key(child, sizeof child, path, key);
        if (scan_value(s, child, depth + 1, kline, kcol))
            return -1;
        int more = next_or_close(s, '}');
        if (more <= 0)
            return more;
    }
}

static int scan_array(scan *s, const char *path, int depth)
{
    char child[ZP_JSONPOS_PATH_MAX];
    if (open_empty(s, ']'))
        return 0;
    for (size_t i = 0;; i++) {
        zp__jsonpos_path_index(child, sizeof child, path, i);
        if (scan_value(s, child, depth + 1, 0, 0))
            return -1;
        int more = next_or_close(s, ']');
        if (more <= 0)
            return more;
    }
}

static int scan_value(scan *s, const char *path, int depth, int kline, int kcol)
{
    skip_ws(s);
    if (s->p >= s->end || s->st)
        return -1;
    if (depth > ZP_JSONPOS_MAX_DEPTH)
        return skip_value(s);
    record(s, path, s->line, s->col, kline, kcol);
    switch (*s->p) {
    case '{':
        return scan_object(s, path, depth);
    case '[':
        return scan_array(s, path, depth);
    case '"':
        return scan_string(s, NULL, 0);
    default:
        return skip_scalar(s);
    }
}

/* ---- table ---------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a: short keys, no need for more */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static zp_status build_table(zp_ctx *ctx, zp_jsonpos *jp)
{
    size_t tcap = 16;
    while (tcap < jp->n * 2)
        tcap *= 2;
    jp->tab = zp__calloc(ctx, tcap, sizeof *jp->tab);
    if (!jp->tab)
        return ZP_ENOMEM;
    jp->tcap = tcap;
    for (size_t i = 0; i < jp->n; i++) {
        const jp_entry *e = &jp->ent[i];
        size_t slot = hash_bytes(jp->paths + e->off, e->len) & (tcap - 1);
        int dup = 0;
        while (jp->tab[slot]) {
            const jp_entry *o = &jp->ent[jp->tab[slot] - 1];
            /* paths cut to the maximum may repeat; the first one wins */
            if (o->len == e->len && memcmp(jp->paths + o->off, jp->paths + e->off, e->len) == 0) {
                dup = 1;
                break;
            }
            slot = (slot + 1) & (tcap - 1);
        }
        if (!dup)
            jp->tab[slot] = (uint32_t)i + 1;
    }
    return ZP_OK;
}

zp_status zp__jsonpos_build(zp_ctx *ctx, const char *buf, size_t len, zp_jsonpos **out)
{
    zp_status rc = ZP_OK;
    zp_jsonpos *jp = zp__calloc(ctx, 1, sizeof *jp);
    if (!jp)
        return zp__nomem(ctx);
    scan s = {ctx, jp, (const unsigned char *)buf, (const unsigned char *)buf + (buf ? len : 0),
              1, 1, 0, ZP_OK};
    /* A UTF-8 byte order mark is invisible in editors: not a column. */
    if (s.end - s.p >= 3 && s.p[0] == 0xEF && s.p[1] == 0xBB && s.p[2] == 0xBF)
        s.p += 3;
    (void)scan_value(&s, "", 0, 0, 0); /* partial indexes are fine */
    if (s.st) {
        rc = zp__nomem(ctx);
        goto out;
    }
    if (build_table(ctx, jp)) {
        rc = zp__nomem(ctx);
        goto out;
    }
    *out = jp;
    jp = NULL;
out:
    zp__jsonpos_free(ctx, jp);
    return rc;
}

void zp__jsonpos_free(zp_ctx *ctx, zp_jsonpos *jp)
{
    if (!jp)
        return;
    zp__free(ctx, jp->ent);
    zp__free(ctx, jp->paths);
    zp__free(ctx, jp->tab);
    zp__free(ctx, jp);
}

int zp__jsonpos_find(const zp_jsonpos *jp, const char *path, zp_jsonpos_loc *loc)
{
    memset(loc, 0, sizeof *loc);
    if (!jp || !jp->tab || !path)
        return 0;
    size_t n = strlen(path);
    size_t slot = hash_bytes(path, n) & (jp->tcap - 1);
    while (jp->tab[slot]) {
        const jp_entry *e = &jp->ent[jp->tab[slot] - 1];
        if (e->len == n && memcmp(jp->paths + e->off, path, n) == 0) {
            *loc = e->loc;
            return 1;
        }
        slot = (slot + 1) & (jp->tcap - 1);
    }
    return 0;
}

size_t zp__jsonpos_count(const zp_jsonpos *jp) { return jp ? jp->n : 0; }
