/*
 * read.c - the tariff document (docs/tariffs.md, "Format") through the
 * one JSON reader (core/jsonread.h): every problem at its file:line:col
 * and JSON path, names with did-you-mean. The order of reading follows
 * what refers to what: notices (rows cite them), seasons and periods
 * (rows name them), the holiday list (dates and kinds of day), the
 * schedule, whose coverage check.c does, then the numbers.
 */
#include "tariff/tariff_impl.h"

#include "core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT ZP_JR_OPT
#define REQ ZP_JR_REQ
#define TEXT_MAX 2000 /* a title, a note, an evidence text */

typedef struct reader {
    zp_ctx *ctx;
    zp_jr *jr;
    zp_tariff *t;
    int oom;                        /* memory ran out */
    json_t *seasons;                /* the "seasons" object, or NULL */
    char spath[ZP_JR_PATH_MAX];     /* its path */
    const char *season_names[64];   /* its keys */
    size_t nseasons;
    const char *ids[TF_MAX_SOURCES]; /* notice ids */
    size_t nids;
    tf_row *rows;                   /* the schedule */
    size_t nrows, caprows;
} reader;

static const char *const day_names[TF_NDAYTYPES] = {"workday", "weekend", "holiday"};

static void report(reader *r, const char *path, const char *fmt, ...) ZP_PRINTF(3, 4);
static void report(reader *r, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (zp__jr_vreport(r->jr, path, ZP_JR_AT_VALUE, fmt, ap))
        r->oom = 1;
    va_end(ap);
}

static const char *keep(reader *r, const char *s) { return zp__tariff_str(r->t, s, &r->oom); }

/* count zeroed elements of size bytes, or NULL with r->oom set. */
static void *zalloc(reader *r, size_t count, size_t size)
{
    void *p = zp__calloc(r->ctx, count, size);
    if (!p)
        r->oom = 1;
    return p;
}

/* A text member (at most TEXT_MAX bytes, no control characters), kept. */
static const char *text(reader *r, json_t *o, const char *opath, const char *key, unsigned flags)
{
    const char *s;
    if (zp__jr_str(r->jr, o, opath, key, flags | ZP_JR_NO_CONTROL, TEXT_MAX, &s) > 0)
        return keep(r, s);
    return NULL;
}

/* ---- small syntaxes: names, dates, hour ranges ---------------------------- */

/* Letters, digits, '_', '-', '.'; 1..63 bytes. */
static int good_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

/* "YYYY-MM-DD" at *p (a real date, years 1900..2199): its local day;
 * advances *p. -1 when it is not one. */
static int parse_date(const char **p, int64_t *day)
{
    int y, m, d;
    static const int dm[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (digits(p, 4, &y) || *(*p)++ != '-' || digits(p, 2, &m) || *(*p)++ != '-' ||
        digits(p, 2, &d))
        return -1;
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > dm[m - 1])
        return -1;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    *day = zp_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" (both ends in): first and last
 * day. 0, or -1 when it is neither. */
static int parse_dates(const char *s, int64_t *first, int64_t *last)
{
    const char *p = s;
    if (parse_date(&p, first))
        return -1;
    *last = *first;
    if (*p == 0)
        return 0;
    if (p[0] != '.' || p[1] != '.')
        return -1;
    p += 2;
    if (parse_date(&p, last) || *p)
        return -1;
    return 0;
}

static void skip_spaces(const char **p)
{
    while (**p == ' ')
        (*p)++;
}

/* A time of day: "H", "HH" or "HH:MM", 0..24:00: minutes, or -1. */
static int parse_hhmm(const char **p)
{
    int h = 0, m = 0, nd = 0;
    while (**p >= '0' && **p <= '9' && nd < 2) {
        h = h * 10 + (**p - '0');
        (*p)++;
        nd++;
    }
    if (nd == 0)
        return -1;
    if (**p == ':') {
        (*p)++;
        if (digits(p, 2, &m) || m > 59)
            return -1;
    }
    if (h > 24 || (h == 24 && m))
        return -1;
    return h * 60 + m;
}

/* "FROM-TO" (hours, or HH:MM): 0, -1 for bad syntax, -2 when empty. */
static int parse_range(const char *s, tf_range *g)
{
    const char *p = s;
    skip_spaces(&p);
    int a = parse_hhmm(&p);
    skip_spaces(&p);
    if (a < 0 || *p++ != '-')
        return -1;
    skip_spaces(&p);
    int b = parse_hhmm(&p);
    skip_spaces(&p);
    if (b < 0 || *p || a == TF_DAY_MIN)
        return -1;
    if (a == b || (a == 0 && b == 0))
        return -2;
    g->from = (uint16_t)a;
    g->to = (uint16_t)b;
    return 0;
}

/* ---- months, seasons, kinds of day, sources -------------------------------- */

/* An array of month numbers at path: the mask, 0 after a problem. */
static unsigned month_list(reader *r, json_t *arr, const char *path)
{
    char epath[ZP_JR_PATH_MAX];
    unsigned mask = 0;
    int bad = 0;
    if (!json_is_array(arr)) {
        report(r, path, "expected an array of months 1..12, got %s", zp__jr_type_name(arr));
        return 0;
    }
    if (json_array_size(arr) == 0) {
        report(r, path, "lists no month; leave it out for every month");
        return 0;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        zp__jsonpos_path_index(epath, sizeof epath, path, i);
        double v = json_is_number(e) ? json_number_value(e) : NAN;
        if (!json_is_number(e) || v != floor(v) || v < 1 || v > 12) {
            if (json_is_number(e))
                report(r, epath, "%.15g is not a month: use 1..12", v);
            else
                report(r, epath, "expected a month 1..12, got %s", zp__jr_type_name(e));
            bad = 1;
            continue;
        }
        unsigned bit = 1u << ((int)v - 1);
        if (mask & bit) {
            report(r, epath, "month %d is listed twice", (int)v);
            bad = 1;
        }
        mask |= bit;
    }
    return bad ? 0 : mask;
}

/* "months" or "season" of o: the mask, def when neither is there, 0 after
 * a problem. */
static unsigned months_of(reader *r, json_t *o, const char *opath, unsigned def)
{
    char mpath[ZP_JR_PATH_MAX], spath[ZP_JR_PATH_MAX];
    json_t *m = zp__jr_member(r->jr, o, opath, "months", OPT, mpath);
    const char *s = NULL;
    int hs = zp__jr_str(r->jr, o, opath, "season", OPT, 64, &s);
    zp__jsonpos_path_key(spath, sizeof spath, opath, "season");
    if (m && hs != 0) {
        report(r, spath, "give \"months\" or \"season\", not both");
        return 0;
    }
    if (m)
        return month_list(r, m, mpath);
    if (hs < 0)
        return 0;
    if (hs == 0)
        return def;
    if (!r->nseasons) {
        report(r, spath, "names season '%s' but the tariff has no \"seasons\"", s);
        return 0;
    }
    int k = zp__jr_pick(r->jr, spath, "season", s, r->season_names, r->nseasons);
    if (k < 0)
        return 0;
    char epath[ZP_JR_PATH_MAX];
    zp__jsonpos_path_key(epath, sizeof epath, r->spath, r->season_names[k]);
    /* the season's own problems were reported where it is defined */
    json_t *arr = json_object_get(r->seasons, r->season_names[k]);
    unsigned mask = 0;
    for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        double v = json_is_number(e) ? json_number_value(e) : 0;
        if (v >= 1 && v <= 12 && v == floor(v))
            mask |= 1u << ((int)v - 1);
    }
    return mask;
}

static void read_seasons(reader *r, json_t *root, const char *opath)
{
    const char *key;
    json_t *val;
    char epath[ZP_JR_PATH_MAX];
    r->seasons = zp__jr_obj(r->jr, root, opath, "seasons", OPT, r->spath);
    if (!r->seasons)
        return;
    json_object_foreach(r->seasons, key, val) {
        zp__jsonpos_path_key(epath, sizeof epath, r->spath, key);
        if (!good_name(key)) {
            zp__jr_report(r->jr, epath, ZP_JR_AT_KEY,
                          "a season's name is letters, digits, '_', '-' or '.' (1 to 63)");
            continue;
        }
        if (r->nseasons == ZP_ARRAY_LEN(r->season_names)) {
            report(r, r->spath, "too many seasons; at most %zu", ZP_ARRAY_LEN(r->season_names));
            return;
        }
        r->season_names[r->nseasons++] = key;
        month_list(r, val, epath);
    }
}

/* "days": the mask of kinds of day (def when absent, 0 after a problem). */
static unsigned days_of(reader *r, json_t *o, const char *opath)
{
    char path[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    json_t *arr = zp__jr_arr(r->jr, o, opath, "days", OPT, 8, path);
    if (!arr)
        return zp__jr_member(r->jr, o, opath, "days", OPT, path) ? 0 : TF_ALL_DAYS;
    if (json_array_size(arr) == 0) {
        report(r, path, "lists no kind of day; leave it out for every day");
        return 0;
    }
    unsigned mask = 0;
    int bad = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        zp__jsonpos_path_index(epath, sizeof epath, path, i);
        if (!json_is_string(e)) {
            report(r, epath, "expected a kind of day (workday, weekend, holiday), got %s",
                   zp__jr_type_name(e));
            bad = 1;
            continue;
        }
        int k = zp__jr_pick(r->jr, epath, NULL, json_string_value(e), day_names, TF_NDAYTYPES);
        if (k < 0) {
            bad = 1;
            continue;
        }
        if (mask >> k & 1u) {
            report(r, epath, "'%s' is listed twice", day_names[k]);
            bad = 1;
        }
        mask |= 1u << k;
        if (k == ZP_DAY_HOLIDAY && !r->t->has_holidays) {
            report(r, epath, "holidays need the tariff's \"holidays\" list (the dates)");
            bad = 1;
        }
    }
    return bad ? 0 : mask;
}

/* key of o: a name or an array of names, each one of names[0..n) (with
 * did-you-mean): the mask of their indexes, 0 when absent, -1 after a
 * problem. what says what an element is ("the id of a notice"), none why
 * there is nothing to name. */
static long name_set(reader *r, json_t *o, const char *opath, const char *key, const char *what,
                     const char *none, const char *const *names, size_t n)
{
    char path[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    json_t *v = zp__jr_member(r->jr, o, opath, key, OPT, path);
    if (!v)
        return 0;
    size_t cnt = json_is_array(v) ? json_array_size(v) : 1;
    if (json_is_array(v) && (cnt == 0 || cnt > 32)) {
        report(r, path, "expected 1 to 32 of %s", what);
        return -1;
    }
    long mask = 0;
    int bad = 0;
    for (size_t i = 0; i < cnt; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (json_is_array(v))
            zp__jsonpos_path_index(epath, sizeof epath, path, i);
        else
            snprintf(epath, sizeof epath, "%s", path);
        if (!json_is_string(e)) {
            report(r, epath, "expected %s (a string), got %s", what, zp__jr_type_name(e));
            bad = 1;
        } else if (!n) {
            report(r, epath, "names '%s' but %s", json_string_value(e), none);
            bad = 1;
        } else {
            int k = zp__jr_pick(r->jr, epath, NULL, json_string_value(e), names, n);
            if (k < 0)
                bad = 1;
            else
                mask |= 1L << k;
        }
    }
    return bad ? -1 : mask;
}

/* "source": a notice id or an array of them, each declared. */
static void cite(reader *r, json_t *o, const char *opath)
{
    name_set(r, o, opath, "source", "the id of a notice",
             "the tariff names no notice (\"source\", \"sources\")", r->ids, r->nids);
}

/* A date member "YYYY-MM-DD" (issued, in_force), kept. */
static const char *date_text(reader *r, json_t *o, const char *opath, const char *key)
{
    char path[ZP_JR_PATH_MAX];
    const char *s;
    int64_t d;
    if (zp__jr_str(r->jr, o, opath, key, OPT, 32, &s) <= 0)
        return NULL;
    const char *p = s;
    if (parse_date(&p, &d) || *p) {
        zp__jsonpos_path_key(path, sizeof path, opath, key);
        report(r, path, "'%s' is not a date YYYY-MM-DD", s);
        return NULL;
    }
    return keep(r, s);
}

static void read_source(reader *r, json_t *o, const char *opath, zp_tariff_source *src)
{
    static const char *const keys[] = {"id",       "notice",   "title", "issuer", "issued",
                                       "in_force", "evidence", "url",   "note"};
    const char *id = NULL;
    zp__jr_keys(r->jr, o, opath, keys, ZP_ARRAY_LEN(keys));
    if (zp__jr_str(r->jr, o, opath, "id", REQ, 63, &id) > 0) {
        char path[ZP_JR_PATH_MAX];
        zp__jsonpos_path_key(path, sizeof path, opath, "id");
        size_t i = 0;
        while (i < r->nids && strcmp(r->ids[i], id) != 0)
            i++;
        if (!good_name(id))
            report(r, path, "an id is letters, digits, '_', '-' or '.'");
        else if (i < r->nids)
            report(r, path, "two notices have the id '%s'", id);
        else if ((src->id = keep(r, id)))
            r->ids[r->nids++] = src->id;
    }
    src->notice = text(r, o, opath, "notice", OPT);
    src->title = text(r, o, opath, "title", OPT);
    src->issuer = text(r, o, opath, "issuer", OPT);
    src->issued = date_text(r, o, opath, "issued");
    src->in_force = date_text(r, o, opath, "in_force");
    src->evidence = text(r, o, opath, "evidence", OPT);
    src->url = text(r, o, opath, "url", OPT);
    text(r, o, opath, "note", OPT);
}

static void read_sources(reader *r, json_t *root, const char *opath)
{
    char path[ZP_JR_PATH_MAX], apath[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    zp_tariff *t = r->t;
    json_t *one = zp__jr_obj(r->jr, root, opath, "source", OPT, path);
    json_t *more = zp__jr_arr(r->jr, root, opath, "sources", OPT, TF_MAX_SOURCES - 1, apath);
    size_t n = (one ? 1 : 0) + (more ? json_array_size(more) : 0);
    if (!n)
        return;
    if (!(t->sources = zalloc(r, n, sizeof *t->sources)))
        return;
    if (one)
        read_source(r, one, path, &t->sources[t->info.nsources++]);
    for (size_t i = 0; more && i < json_array_size(more); i++) {
        json_t *o = zp__jr_elem_obj(r->jr, more, apath, i, epath);
        if (o)
            read_source(r, o, epath, &t->sources[t->info.nsources++]);
    }
}

/* ---- periods and their prices --------------------------------------------- */

/* One price entry of period p at path; months it covers into *mask. */
static void read_price(reader *r, json_t *o, const char *path, int p, unsigned *mask)
{
    static const char *const keys[] = {"cny_per_kwh", "ratio", "of",    "months",
                                       "season",      "source", "note"};
    zp_tariff *t = r->t;
    char kpath[ZP_JR_PATH_MAX];
    double v = NAN;
    const char *of = NULL;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    unsigned months = months_of(r, o, path, TF_ALL_MONTHS);
    int ha = zp__jr_num(r->jr, o, path, "cny_per_kwh", OPT, NAN, zp__jr_any(), &v);
    double ratio = NAN;
    int hr = zp__jr_num(r->jr, o, path, "ratio", OPT, NAN, zp__jr_ge(0), &ratio);
    int ho = zp__jr_str(r->jr, o, path, "of", OPT, 64, &of);
    cite(r, o, path);
    text(r, o, path, "note", OPT);
    if (ha == 0 && hr == 0) {
        report(r, path, "give the price: \"cny_per_kwh\", or \"ratio\" (to the base price, "
                        "or to the period named by \"of\")");
        return;
    }
    if (ha != 0 && hr != 0) {
        zp__jsonpos_path_key(kpath, sizeof kpath, path, "ratio");
        report(r, kpath, "give \"cny_per_kwh\" or \"ratio\", not both");
        return;
    }
    int ofp = -1;
    if (ho != 0) {
        zp__jsonpos_path_key(kpath, sizeof kpath, path, "of");
        if (ha != 0) {
            report(r, kpath, "\"of\" goes with a \"ratio\"");
            return;
        }
        if (ho < 0)
            return;
        ofp = zp__jr_pick(r->jr, kpath, "of", of, t->periods, t->info.nperiods);
        if (ofp < 0)
            return;
        if (ofp == p) {
            report(r, kpath, "a period cannot be priced as a ratio of itself");
            return;
        }
    }
    if (ha < 0 || hr < 0 || !months)
        return;
    for (int m = 0; m < 12; m++) {
        if (!(months >> m & 1u))
            continue;
        if (*mask >> m & 1u) {
            report(r, path, "month %d of %s is priced twice", m + 1, t->periods[p]);
            continue;
        }
        *mask |= 1u << m;
        t->price[m][p].kind = ha > 0 ? TF_PRICE_ABS : TF_PRICE_RATIO;
        t->price[m][p].value = ha > 0 ? v : ratio;
        t->price[m][p].of = ofp;
    }
}

/* Ratios that lead back to where they start ("of" chains). */
static void check_loops(reader *r, const char *ppath)
{
    zp_tariff *t = r->t;
    char path[ZP_JR_PATH_MAX];
    for (size_t p = 0; p < t->info.nperiods; p++) {
        for (int m = 0; m < 12; m++) {
            int q = (int)p, steps = 0;
            while (q >= 0 && t->price[m][q].kind == TF_PRICE_RATIO &&
                   t->price[m][q].of >= 0 && steps <= (int)t->info.nperiods) {
                q = t->price[m][q].of;
                steps++;
                if (q == (int)p)
                    break;
            }
            if (q == (int)p && steps) {
                zp__jsonpos_path_key(path, sizeof path, ppath, t->periods[p]);
                report(r, path, "the ratios of %s lead back to it in month %d (\"of\" "
                                "chains must end at an absolute price or the base price)",
                       t->periods[p], m + 1);
                break;
            }
        }
    }
}

static void read_periods(reader *r, json_t *root, const char *opath)
{
    char ppath[ZP_JR_PATH_MAX], path[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    char mt[64];
    zp_tariff *t = r->t;
    const char *key;
    json_t *val;
    json_t *po = zp__jr_obj(r->jr, root, opath, "periods", REQ, ppath);
    if (!po)
        return;
    /* the names first: prices name each other ("of") */
    json_object_foreach(po, key, val) {
        zp__jsonpos_path_key(path, sizeof path, ppath, key);
        if (!good_name(key)) {
            zp__jr_report(r->jr, path, ZP_JR_AT_KEY,
                          "a period's name is letters, digits, '_', '-' or '.' (1 to 63)");
            continue;
        }
        if (t->info.nperiods == ZP_TARIFF_MAX_PERIODS) {
            report(r, ppath, "too many periods; at most %d", ZP_TARIFF_MAX_PERIODS);
            break;
        }
        t->periods[t->info.nperiods++] = keep(r, key);
    }
    if (r->oom)
        return;
    if (json_object_size(po) == 0)
        report(r, ppath, "names no period; a tariff has at least one (\"flat\")");
    for (size_t p = 0; p < t->info.nperiods; p++) {
        unsigned mask = 0;
        zp__jsonpos_path_key(path, sizeof path, ppath, t->periods[p]);
        val = json_object_get(po, t->periods[p]);
        if (json_is_object(val)) {
            read_price(r, val, path, (int)p, &mask);
        } else if (json_is_array(val)) {
            if (json_array_size(val) > 12)
                report(r, path, "too many prices (%zu); at most 12",
                       json_array_size(val));
            for (size_t i = 0; i < json_array_size(val) && i < 12; i++) {
                json_t *o = zp__jr_elem_obj(r->jr, val, path, i, epath);
                if (o)
                    read_price(r, o, epath, (int)p, &mask);
            }
        } else {
            report(r, path, "expected a price (an object) or prices by month (an array), got %s",
                   zp__jr_type_name(val));
            continue;
        }
        unsigned missing = TF_ALL_MONTHS & ~mask;
        /* a month left unpriced is said once, unless an entry failed */
        if (missing && mask)
            report(r, path, "%s has no price in month%s %s", t->periods[p],
                   (missing & (missing - 1)) ? "s" : "", zp__tariff_months(missing, mt, sizeof mt));
    }
    check_loops(r, ppath);
}

/* ---- holidays ------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

#define DATES_LISTED_YEARS 0x1u /* each date in a year of the holiday list */
#define DATES_WEEKEND 0x2u      /* each date a Saturday or Sunday */

/* Dates of arr (strings, single days or ranges) at path added to *out
 * (*n of them, sorted, each once; at most max, and *total of all lists at
 * most max_total). */
static void dates_of(reader *r, json_t *arr, const char *path, unsigned flags, int64_t **out,
                     size_t *n, size_t max, size_t *total, size_t max_total)
{
    char epath[ZP_JR_PATH_MAX], sv[80];
    zp_tariff *t = r->t;
    size_t cap = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        const char *s = json_is_string(e) ? json_string_value(e) : NULL;
        int64_t a, b;
        zp__jsonpos_path_index(epath, sizeof epath, path, i);
        if (!s || parse_dates(s, &a, &b)) {
            report(r, epath, "expected a date YYYY-MM-DD or dates YYYY-MM-DD..YYYY-MM-DD%s%s%s",
                   s ? ", got '" : "", s ? zp__jr_shown(s, sv, sizeof sv) : "", s ? "'" : "");
            continue;
        }
        if (b < a || b - a > 366) {
            report(r, epath, "'%s' %s", s,
                   b < a ? "ends before it starts" : "is longer than a year");
            continue;
        }
        for (int64_t d = a; d <= b; d++) {
            int64_t y;
            unsigned m, dd;
            zp_civil_from_days(d, &y, &m, &dd);
            size_t k = 0;
            while (k < t->nyears && t->years[k] != y)
                k++;
            int64_t wd = d - zp__fdiv(d + 4, 7) * 7 + 4; /* 0 Sunday */
            if ((flags & DATES_LISTED_YEARS) && k == t->nyears) {
                report(r, epath, "%04lld-%02u-%02u is in %lld, which \"years\" does not list",
                       (long long)y, m, dd, (long long)y);
                break;
            }
            if ((flags & DATES_WEEKEND) && wd != 0 && wd != 6) {
                report(r, epath, "%04lld-%02u-%02u is a weekday; \"working_days\" lists the "
                                 "weekend days worked in exchange for holidays",
                       (long long)y, m, dd);
                break;
            }
            if (*n == max || ++*total > max_total) {
                report(r, epath, "too many dates; at most %zu here and %zu in a tariff", max,
                       max_total);
                return;
            }
            if (zp__grow(r->ctx, (void **)out, &cap, *n + 1, sizeof **out)) {
                r->oom = 1;
                return;
            }
            (*out)[(*n)++] = d;
        }
    }
    if (!*n)
        return;
    qsort(*out, *n, sizeof **out, zp__tariff_cmp_day);
    size_t k = 0; /* each date once */
    for (size_t i = 0; i < *n; i++)
        if (k == 0 || (*out)[k - 1] != (*out)[i])
            (*out)[k++] = (*out)[i];
    *n = k;
}

static void read_holidays(reader *r, json_t *root, const char *opath)
{
    static const char *const keys[] = {"years", "dates", "working_days", "source", "note"};
    char path[ZP_JR_PATH_MAX], ypath[ZP_JR_PATH_MAX], dpath[ZP_JR_PATH_MAX];
    char wpath[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    zp_tariff *t = r->t;
    json_t *o = zp__jr_obj(r->jr, root, opath, "holidays", OPT, path);
    if (!o)
        return;
    t->has_holidays = 1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    cite(r, o, path);
    text(r, o, path, "note", OPT);
    json_t *ya = zp__jr_arr(r->jr, o, path, "years", REQ, 200, ypath);
    json_t *da = zp__jr_arr(r->jr, o, path, "dates", REQ, TF_MAX_HOLIDAYS, dpath);
    json_t *wa = zp__jr_arr(r->jr, o, path, "working_days", OPT, TF_MAX_HOLIDAYS, wpath);
    if (!ya)
        return;
    if (json_array_size(ya) == 0)
        report(r, ypath, "lists no year; the holiday list covers the years it lists");
    if (!(t->years = zalloc(r, json_array_size(ya) + 1, sizeof *t->years)))
        return;
    for (size_t i = 0; i < json_array_size(ya); i++) {
        json_t *e = json_array_get(ya, i);
        zp__jsonpos_path_index(epath, sizeof epath, ypath, i);
        double v = json_is_number(e) ? json_number_value(e) : NAN;
        if (!(v >= 1990 && v <= 2100 && v == floor(v))) {
            report(r, epath, "expected a year 1990..2100");
            continue;
        }
        size_t k = 0;
        while (k < t->nyears && t->years[k] != (int)v)
            k++;
        if (k < t->nyears)
            report(r, epath, "year %d is listed twice", (int)v);
        else
            t->years[t->nyears++] = (int)v;
    }
    qsort(t->years, t->nyears, sizeof *t->years, cmp_int);
    size_t total = 0;
    if (da)
        dates_of(r, da, dpath, DATES_LISTED_YEARS, &t->holidays, &t->nholidays, TF_MAX_HOLIDAYS,
                 &total, TF_MAX_HOLIDAYS);
    if (wa)
        dates_of(r, wa, wpath, DATES_LISTED_YEARS | DATES_WEEKEND, &t->workdays, &t->nworkdays,
                 TF_MAX_HOLIDAYS, &total, TF_MAX_HOLIDAYS);
    for (size_t i = 0; i < t->nworkdays; i++)
        if (zp__tariff_has_day(t->holidays, t->nholidays, t->workdays[i])) {
            report(r, wpath, "a date is both a holiday and a working day");
            break;
        }
}

/* ---- the schedule --------------------------------------------------------- */

/* "hours" of a row at path into row. */
static void row_hours(reader *r, json_t *arr, const char *path, tf_row *row)
{
    char epath[ZP_JR_PATH_MAX];
    size_t n = json_array_size(arr);
    if (n == 0) {
        report(r, path, "lists no hours; write ranges such as \"10-12\" or \"22-6\"");
        return;
    }
    if (!(row->ranges = zalloc(r, n, sizeof *row->ranges)))
        return;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        zp__jsonpos_path_index(epath, sizeof epath, path, i);
        if (!json_is_string(e)) {
            report(r, epath, "expected hours \"FROM-TO\" (a string), got %s", zp__jr_type_name(e));
            continue;
        }
        int rc = parse_range(json_string_value(e), &row->ranges[row->nranges]);
        char sv[80];
        if (rc == -2)
            report(r, epath, "'%s' holds no time; the whole day is \"0-24\"",
                   zp__jr_shown(json_string_value(e), sv, sizeof sv));
        else if (rc)
            report(r, epath,
                   "'%s' is not a range of hours: write FROM-TO in hours 0..24 (\"10-12\"; "
                   "\"22-6\" runs past midnight) or HH:MM-HH:MM",
                   zp__jr_shown(json_string_value(e), sv, sizeof sv));
        else
            row->nranges++;
    }
}

/* "replaces": a period or an array of periods, none the row's own: the
 * mask (0 when absent or after a problem). */
static uint16_t replaces_of(reader *r, json_t *o, const char *path, int period)
{
    char kpath[ZP_JR_PATH_MAX];
    long mask = name_set(r, o, path, "replaces", "the name of a period", "there are no periods",
                         r->t->periods, r->t->info.nperiods);
    if (mask > 0 && period >= 0 && (mask >> period & 1)) {
        zp__jsonpos_path_key(kpath, sizeof kpath, path, "replaces");
        report(r, kpath, "a period cannot replace itself");
        return 0;
    }
    return mask > 0 ? (uint16_t)mask : 0;
}

/* One schedule row: kept in r->rows when it has no problem; 1 when it had
 * one. */
static int read_row(reader *r, json_t *o, const char *path, size_t *ndates)
{
    static const char *const keys[] = {"period", "hours",  "months", "season", "days",
                                       "replaces", "dates", "source", "note"};
    char kpath[ZP_JR_PATH_MAX], hpath[ZP_JR_PATH_MAX], dpath[ZP_JR_PATH_MAX];
    zp_tariff *t = r->t;
    size_t before = zp__jr_problems(r->jr);
    tf_row row;
    const char *s;
    memset(&row, 0, sizeof row);
    row.period = -1;
    zp__jr_keys(r->jr, o, path, keys, ZP_ARRAY_LEN(keys));
    if (zp__jr_str(r->jr, o, path, "period", REQ, 64, &s) > 0 && t->info.nperiods) {
        zp__jsonpos_path_key(kpath, sizeof kpath, path, "period");
        row.period = zp__jr_pick(r->jr, kpath, "period", s, t->periods, t->info.nperiods);
    }
    row.replaces = replaces_of(r, o, path, row.period);
    json_t *hours = zp__jr_arr(r->jr, o, path, "hours", REQ, TF_MAX_RANGES, hpath);
    if (hours)
        row_hours(r, hours, hpath, &row);
    json_t *dates = zp__jr_arr(r->jr, o, path, "dates", OPT, TF_MAX_ROW_DATES, dpath);
    if (dates && !zp__jr_member(r->jr, o, path, "replaces", OPT, kpath))
        report(r, dpath, "dates are for an override (a critical peak on a hot day): add "
                         "\"replaces\" with the period it takes over");
    else if (dates)
        dates_of(r, dates, dpath, 0, &row.dates, &row.ndates, TF_MAX_ROW_DATES, ndates,
                 TF_MAX_DATES);
    row.months = (uint16_t)months_of(r, o, path, dates ? 0 : TF_ALL_MONTHS);
    row.days = (uint8_t)days_of(r, o, path);
    cite(r, o, path);
    text(r, o, path, "note", OPT);
    if (r->oom || zp__jr_problems(r->jr) != before || row.period < 0) {
        zp__tariff_row_clear(r->ctx, &row);
        return 1;
    }
    row.path = zp__strdup(r->ctx, path);
    if (!row.path || zp__grow(r->ctx, (void **)&r->rows, &r->caprows, r->nrows + 1,
                              sizeof *r->rows)) {
        zp__tariff_row_clear(r->ctx, &row);
        r->oom = 1;
        return 1;
    }
    r->rows[r->nrows++] = row;
    return 0;
}

static void read_schedule(reader *r, json_t *root, const char *opath)
{
    char path[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    zp_tariff *t = r->t;
    json_t *arr = zp__jr_arr(r->jr, root, opath, "schedule", REQ, TF_MAX_ROWS, path);
    if (!arr)
        return;
    if (json_array_size(arr) == 0) {
        report(r, path, "lists no hours; each hour of the day needs a period");
        return;
    }
    int bad = 0;
    size_t ndates = 0;
    for (size_t i = 0; i < json_array_size(arr) && !r->oom; i++) {
        json_t *o = zp__jr_elem_obj(r->jr, arr, path, i, epath);
        bad |= !o || read_row(r, o, epath, &ndates);
    }
    /* the coverage of a schedule with a broken row would only repeat it */
    if (bad || r->oom || !t->info.nperiods)
        return;
    unsigned all = t->has_holidays ? TF_ALL_DAYS : TF_ALL_DAYS & ~(1u << ZP_DAY_HOLIDAY);
    for (size_t i = 0; i < r->nrows; i++)
        if ((r->rows[i].days & all) != all)
            t->days_matter = 1;
    if (zp__tariff_check(r->jr, t, r->rows, r->nrows, path, &r->oom) || r->oom)
        return;
    size_t nover = 0;
    for (size_t i = 0; i < r->nrows; i++)
        nover += r->rows[i].replaces != 0;
    if (!nover)
        return;
    if (!(t->over = zalloc(r, nover, sizeof *t->over)))
        return;
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].replaces) {
            t->over[t->nover++] = r->rows[i];
            memset(&r->rows[i], 0, sizeof r->rows[i]);
        }
}

/* ---- the document --------------------------------------------------------- */

/* The numbers: base price, its fixed part, the basic charges, and what
 * each rests on ("evidence"). */
static void read_numbers(reader *r, json_t *root, const char *opath)
{
    static const char *const nums[] = {"base_price_cny_per_kwh", "fixed_cny_per_kwh",
                                       "demand_charge_cny_per_kw_month",
                                       "capacity_charge_cny_per_kva_month"};
    zp_tariff_info *in = &r->t->info;
    double *val[] = {&in->base_price_cny_per_kwh, &in->fixed_cny_per_kwh,
                     &in->demand_charge_cny_per_kw_month, &in->capacity_charge_cny_per_kva_month};
    const char **ev[] = {&in->base_price_evidence, &in->fixed_evidence,
                         &in->demand_charge_evidence, &in->capacity_charge_evidence};
    char path[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    for (size_t i = 0; i < ZP_ARRAY_LEN(nums); i++)
        zp__jr_num(r->jr, root, opath, nums[i], OPT, NAN, zp__jr_ge(0), val[i]);
    if (in->fixed_cny_per_kwh > in->base_price_cny_per_kwh) {
        zp__jsonpos_path_key(path, sizeof path, opath, "fixed_cny_per_kwh");
        report(r, path, "the fixed part (%.15g) exceeds the base price (%.15g): it is a part "
                        "of it", in->fixed_cny_per_kwh, in->base_price_cny_per_kwh);
    }
    json_t *eo = zp__jr_obj(r->jr, root, opath, "evidence", OPT, epath);
    if (!eo)
        return;
    zp__jr_keys(r->jr, eo, epath, nums, ZP_ARRAY_LEN(nums));
    for (size_t i = 0; i < ZP_ARRAY_LEN(nums); i++) {
        *ev[i] = text(r, eo, epath, nums[i], OPT);
        if (*ev[i] && isnan(*val[i])) {
            zp__jsonpos_path_key(path, sizeof path, epath, nums[i]);
            report(r, path, "the tariff gives no %s to rest on evidence", nums[i]);
        }
    }
}

static void read_notes(reader *r, json_t *root, const char *opath)
{
    char path[ZP_JR_PATH_MAX], epath[ZP_JR_PATH_MAX];
    json_t *v = zp__jr_member(r->jr, root, opath, "notes", OPT, path);
    if (!v || json_is_string(v))
        return;
    if (!json_is_array(v)) {
        report(r, path, "expected notes (strings in an array), got %s", zp__jr_type_name(v));
        return;
    }
    for (size_t i = 0; i < json_array_size(v); i++)
        if (!json_is_string(json_array_get(v, i))) {
            zp__jsonpos_path_index(epath, sizeof epath, path, i);
            report(r, epath, "expected a note (a string), got %s",
                   zp__jr_type_name(json_array_get(v, i)));
        }
}

zp_status zp__tariff_read(zp_ctx *ctx, zp_jr *jr, json_t *obj, const char *opath,
                          const char *origin, const char *stem, zp_tariff **out)
{
    static const char *const keys[] = {
        "name",     "title",    "region",  "customer", "year",     "source",
        "sources",  "base_price_cny_per_kwh", "fixed_cny_per_kwh",
        "demand_charge_cny_per_kw_month", "capacity_charge_cny_per_kva_month",
        "evidence", "seasons",  "periods", "schedule", "holidays", "notes"};
    reader r;
    char path[ZP_JR_PATH_MAX];
    const char *s;
    size_t before = zp__jr_problems(jr);
    *out = NULL;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.jr = jr;
    r.t = zp__tariff_new(ctx);
    if (!r.t)
        return zp__nomem(ctx);
    zp_tariff *t = r.t;
    zp__jr_keys(jr, obj, opath, keys, ZP_ARRAY_LEN(keys));
    if (zp__jr_str(jr, obj, opath, "name", OPT, 63, &s) > 0) {
        zp__jsonpos_path_key(path, sizeof path, opath, "name");
        if (!good_name(s))
            report(&r, path, "a tariff's name is letters, digits, '_', '-' or '.' "
                             "(\"guangdong-large-industry-2021\")");
        t->info.name = keep(&r, s);
    } else {
        t->info.name = keep(&r, stem ? stem : "tariff");
    }
    t->info.origin = keep(&r, origin ? origin : "tariff");
    t->info.title = text(&r, obj, opath, "title", OPT);
    t->info.region = text(&r, obj, opath, "region", OPT);
    t->info.customer = text(&r, obj, opath, "customer", OPT);
    zp__jr_int(jr, obj, opath, "year", OPT, 0, zp__jr_in(1990, 2100), &t->info.year);
    read_notes(&r, obj, opath);
    read_sources(&r, obj, opath);
    read_seasons(&r, obj, opath);
    if (!r.oom)
        read_periods(&r, obj, opath);
    if (!r.oom)
        read_holidays(&r, obj, opath);
    if (!r.oom)
        read_schedule(&r, obj, opath);
    if (!r.oom)
        read_numbers(&r, obj, opath);
    for (size_t i = 0; i < r.nrows; i++)
        zp__tariff_row_clear(ctx, &r.rows[i]);
    zp__free(ctx, r.rows);
    if (r.oom || zp__jr_status(jr) == ZP_ENOMEM) {
        zp_tariff_free(ctx, t);
        return zp__nomem(ctx);
    }
    if (zp__jr_problems(jr) != before) {
        zp_tariff_free(ctx, t);
        return ZP_OK;
    }
    zp__tariff_resolve(t);
    *out = t;
    return ZP_OK;
}

/* fname's last part less ".json", into buf. */
static const char *stem_of(const char *fname, char *buf, size_t size)
{
    if (!fname)
        return NULL;
    const char *b = strrchr(fname, '/');
    b = b ? b + 1 : fname;
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    snprintf(buf, size, "%.*s", (int)n, b);
    return buf;
}

zp_status zp_tariff_load_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                             zp_tariff **out)
{
    zp_jr_opts o;
    zp_jr *jr = NULL;
    zp_tariff *t = NULL;
    char stem[128];
    if (!ctx)
        return ZP_EINVAL;
    if (!out || (!buf && len))
        return zp__error(ctx, ZP_EINVAL, "zp_tariff_load_buf: NULL argument");
    size_t errs = zp_ctx_diag_errors(ctx);
    zp__jr_opts_init(&o);
    o.file = fname;
    o.what = "tariff";
    o.max_bytes = ZP_TARIFF_MAX_BYTES;
    o.flags = ZP_JR_SKIP_BOM | ZP_JR_NUL_AT_PATH;
    o.mode = ZP_JR_SORTED;
    zp_status rc = zp__jr_open_buf(ctx, buf, len, &o, &jr);
    if (rc && rc != ZP_EPARSE)
        return rc;
    if (jr) {
        json_t *root = zp__jr_root(jr);
        if (!json_is_object(root))
            zp__jr_report(jr, "", ZP_JR_AT_VALUE, "a tariff is a JSON object, got %s",
                          zp__jr_type_name(root));
        else if ((rc = zp__tariff_read(ctx, jr, root, "", fname, stem_of(fname, stem, sizeof stem),
                                       &t)))
            goto out;
        if (zp__jr_flush(jr)) {
            rc = zp__nomem(ctx);
            goto out;
        }
    }
    size_t n = zp_ctx_diag_errors(ctx) - errs;
    if (n || !t) {
        rc = zp__error(ctx, ZP_EDATA, "%s: %zu problem%s", fname ? fname : "tariff", n,
                       n == 1 ? "" : "s");
        goto out;
    }
    *out = t;
    t = NULL;
out:
    zp_tariff_free(ctx, t);
    zp__jr_free(jr);
    return rc;
}

zp_status zp_tariff_load_file(zp_ctx *ctx, const char *path, zp_tariff **out)
{
    char *buf = NULL;
    size_t len = 0;
    if (!ctx)
        return ZP_EINVAL;
    if (!path || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_tariff_load_file: NULL argument");
    zp_status rc = zp__file_read(ctx, path, ZP_TARIFF_MAX_BYTES, "tariff", &buf, &len);
    if (!rc)
        rc = zp_tariff_load_buf(ctx, buf, len, path, out);
    zp__free(ctx, buf);
    return rc;
}
