/*
 * vscan.c - verify's scanner of journal entries: one pass over the text
 * into the fields the replay uses (no jansson tree per entry).
 */
#include <string.h>

#include "ledger/verify_impl.h"

/* ---- fields of an entry --------------------------------------------------- */

const vfield_def lgv__fields[F_COUNT] = {
    [F_OP] = {"op", 's'}, [F_SEQ] = {"seq", 'i'}, [F_AT] = {"at", 'i'}, [F_ID] = {"id", 's'},
    [F_NAME] = {"name", 's'}, [F_KIND] = {"kind", 's'}, [F_STANDARD] = {"standard", 's'},
    [F_LOCATION] = {"location", 's'}, [F_AREA_CHA] = {"area_cha", 'i'},
    [F_METHODOLOGY] = {"methodology", 's'}, [F_OWNER] = {"owner", 's'},
    [F_PROJECT] = {"project", 's'}, [F_VINTAGE] = {"vintage", 'i'}, [F_TO] = {"to", 's'},
    [F_QTY] = {"qty", 'i'}, [F_FIRST] = {"first", 'i'}, [F_LAST] = {"last", 'i'},
    [F_VERIFICATION] = {"verification", 's'}, [F_FROM] = {"from", 's'},
    [F_BLOCKS] = {"blocks", 'b'}, [F_ACCOUNT] = {"account", 's'},
    [F_RETIREMENT] = {"retirement", 'i'}, [F_BENEFICIARY] = {"beneficiary", 's'},
    [F_PURPOSE] = {"purpose", 's'}, [F_PARK] = {"park", 's'}, [F_YEAR] = {"year", 'i'},
    [F_REASON] = {"reason", 's'}, [F_ORDER] = {"order", 'i'}, [F_SIDE] = {"side", 's'},
    [F_TYPE] = {"type", 's'}, [F_PRODUCT] = {"product", 's'}, [F_PRICE] = {"price", 'i'},
    [F_BUY_ORDER] = {"buy_order", 'i'}, [F_SELL_ORDER] = {"sell_order", 'i'},
    [F_BUYER] = {"buyer", 's'}, [F_SELLER] = {"seller", 's'},
    [F_REMAINING] = {"remaining", 'i'},
};

/* ---- the entry scanner ------------------------------------------------------------
 * Walks the text once; strings are unescaped (\" \\ \/ \b \f \n \r \t \uXXXX
 * with surrogate pairs) into the arena, which is as long as the text. */

typedef struct vscan {
    const char *p, *end;
    int bad;
} vscan;

static void ws(vscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

static int expect_ch(vscan *s, char c)
{
    ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    s->bad = 1;
    return 0;
}

static int hex4(vscan *s, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        if (s->p >= s->end)
            return 0;
        char c = *s->p++;
        v = v * 16 + (unsigned)(c >= '0' && c <= '9'   ? c - '0'
                                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                       : 99);
        if (v > 0xFFFF)
            return 0;
    }
    *out = v;
    return 1;
}

/* A string, unescaped into the arena; NULL (and bad) when malformed. */
static const char *scan_str(vscan *s, vstate *vs)
{
    if (!expect_ch(s, '"'))
        return NULL;
    char *start = vs->arena + vs->alen, *o = start;
    while (s->p < s->end && *s->p != '"') {
        unsigned char c = (unsigned char)*s->p;
        if (c < 0x20)
            goto bad;
        if (c != '\\') {
            *o++ = (char)c;
            s->p++;
            continue;
        }
        if (++s->p >= s->end)
            goto bad;
        char e = *s->p++;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (!hex4(s, &cp) || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                goto bad;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
                    goto bad;
                s->p += 2;
                if (!hex4(s, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    goto bad;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xC0 | (cp >> 6));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                *o++ = (char)(0xE0 | (cp >> 12));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *o++ = (char)(0xF0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: goto bad;
        }
    }
    if (s->p >= s->end)
        goto bad;
    s->p++;
    *o++ = 0;
    vs->alen = (size_t)(o - vs->arena);
    return start;
bad:
    s->bad = 1;
    return NULL;
}

static int scan_int(vscan *s, int64_t *v)
{
    ws(s);
    int neg = s->p < s->end && *s->p == '-';
    if (neg)
        s->p++;
    const char *b = s->p;
    int64_t x = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && s->p - b < 18)
        x = x * 10 + (*s->p++ - '0');
    if (s->p == b || (s->p < s->end && ((*s->p >= '0' && *s->p <= '9') || *s->p == '.' ||
                                        *s->p == 'e' || *s->p == 'E'))) {
        s->bad = 1;
        return 0;
    }
    *v = neg ? -x : x;
    return 1;
}

/* Skip any value (depth-limited); strings go through the arena. */
static void skip_value(vscan *s, vstate *vs, int depth)
{
    ws(s);
    if (s->p >= s->end || depth > 32) {
        s->bad = 1;
        return;
    }
    char c = *s->p;
    if (c == '"') {
        size_t mark = vs->alen;
        scan_str(s, vs);
        vs->alen = mark;
    } else if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        s->p++;
        ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return;
        }
        for (;;) {
            if (c == '{') {
                size_t mark = vs->alen;
                if (!scan_str(s, vs) || !expect_ch(s, ':'))
                    return;
                vs->alen = mark;
            }
            skip_value(s, vs, depth + 1);
            if (s->bad)
                return;
            ws(s);
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                continue;
            }
            expect_ch(s, close);
            return;
        }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        while (s->p < s->end && ((*s->p >= '0' && *s->p <= '9') || *s->p == '-' ||
                                 *s->p == '+' || *s->p == '.' || *s->p == 'e' || *s->p == 'E'))
            s->p++;
    } else {
        static const char *const lits[] = {"true", "false", "null"};
        for (int k = 0; k < 3; k++) {
            size_t n = strlen(lits[k]);
            if ((size_t)(s->end - s->p) >= n && memcmp(s->p, lits[k], n) == 0) {
                s->p += n;
                return;
            }
        }
        s->bad = 1;
    }
}

/* The field a key names (F_NONE for keys the replay does not use). */
static int field_of(const char *k)
{
    static const signed char by_letter[26][5] = {
        ['a' - 'a'] = {F_ACCOUNT, F_AREA_CHA, F_AT},
        ['b' - 'a'] = {F_BENEFICIARY, F_BLOCKS, F_BUY_ORDER, F_BUYER},
        ['f' - 'a'] = {F_FIRST, F_FROM},
        ['i' - 'a'] = {F_ID},
        ['k' - 'a'] = {F_KIND},
        ['l' - 'a'] = {F_LAST, F_LOCATION},
        ['m' - 'a'] = {F_METHODOLOGY},
        ['n' - 'a'] = {F_NAME},
        ['o' - 'a'] = {F_OP, F_ORDER, F_OWNER},
        ['p' - 'a'] = {F_PARK, F_PRICE, F_PRODUCT, F_PROJECT, F_PURPOSE},
        ['q' - 'a'] = {F_QTY},
        ['r' - 'a'] = {F_REASON, F_REMAINING, F_RETIREMENT},
        ['s' - 'a'] = {F_SEQ, F_SELL_ORDER, F_SELLER, F_SIDE, F_STANDARD},
        ['t' - 'a'] = {F_TO, F_TYPE},
        ['v' - 'a'] = {F_VERIFICATION, F_VINTAGE},
        ['y' - 'a'] = {F_YEAR},
    };
    if (k[0] < 'a' || k[0] > 'z')
        return F_NONE;
    const signed char *c = by_letter[k[0] - 'a'];
    for (int i = 0; i < 5 && c[i]; i++)
        if (strcmp(lgv__fields[(int)c[i]].name, k) == 0)
            return c[i];
    return F_NONE;
}

/* The blocks array [[project, vintage, first, last], ...] into vs->pieces. */
static void scan_blocks(vscan *s, vstate *vs, ventry *e)
{
    e->npieces = 0;
    if (!expect_ch(s, '['))
        return;
    ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return;
    }
    for (;;) {
        v_piece pc = {NULL, 0, 0, 0};
        if (expect_ch(s, '['))
            pc.proj = scan_str(s, vs);
        if (!s->bad && expect_ch(s, ',') && scan_int(s, &pc.vintage) && expect_ch(s, ',') &&
            scan_int(s, &pc.first) && expect_ch(s, ',') && scan_int(s, &pc.last))
            expect_ch(s, ']');
        if (s->bad)
            return;
        if (pc.first < 1 || pc.last < pc.first || pc.last - pc.first >= LG_MAX_QTY)
            e->blocks_bad = 1;
        if (!lgv__room(vs, (void **)&vs->pieces, &vs->cap_pieces, e->npieces, sizeof *vs->pieces)) {
            s->bad = 1;
            return;
        }
        vs->pieces[e->npieces++] = pc;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        expect_ch(s, ']');
        return;
    }
}

/* Scan one entry. 0 when it is not a JSON object of fields of the right
 * types; *why names the field at fault. */
int lgv__scan(vstate *vs, const char *text, size_t len, ventry *e, const char **why)
{
    e->have = 0;
    e->npieces = 0;
    e->blocks_bad = 0;
    *why = NULL;
    if (!lgv__room(vs, (void **)&vs->arena, &vs->acap, len + 1, 1))
        return 0;
    vs->alen = 0;
    vscan s = {text, text + len, 0};
    if (!expect_ch(&s, '{'))
        return 0;
    ws(&s);
    if (s.p < s.end && *s.p == '}')
        return 0;
    for (;;) {
        size_t mark = vs->alen;
        const char *k = scan_str(&s, vs);
        if (!k || !expect_ch(&s, ':'))
            return 0;
        int f = field_of(k);
        vs->alen = mark;
        if (f == F_NONE) {
            skip_value(&s, vs, 0);
        } else {
            ws(&s);
            char t = lgv__fields[f].type, c = s.p < s.end ? *s.p : 0;
            if ((t == 's' && c != '"') || (t == 'i' && c != '-' && (c < '0' || c > '9')) ||
                (t == 'b' && c != '[')) {
                *why = lgv__fields[f].name;
                return 0;
            }
            if (t == 's')
                e->s[f] = scan_str(&s, vs);
            else if (t == 'i')
                scan_int(&s, &e->i[f]);
            else
                scan_blocks(&s, vs, e);
            if (s.bad) {
                *why = lgv__fields[f].name;
                return 0;
            }
            e->have |= (uint64_t)1 << f;
        }
        if (s.bad)
            return 0;
        ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            continue;
        }
        if (!expect_ch(&s, '}'))
            return 0;
        break;
    }
    ws(&s);
    return s.p == s.end;
}
