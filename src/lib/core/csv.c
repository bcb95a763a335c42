/*
 * csv.c - CSV import of fixed-step time series.
 *
 * Format accepted by zp_csv_read_buf / zp_csv_read_file:
 *
 *   time,pv_kw,load_kw                      <- header row (required)
 *   2024-01-01T00:00:00+08:00,12.5,300      <- one row per interval
 *   2024-01-01T00:15:00+08:00,13,298.25
 *
 * - Encoding: UTF-8 (or ASCII). A leading UTF-8 BOM (EF BB BF) is skipped.
 *   Lines end in LF or CRLF; the last line may lack its line end. Blank
 *   lines at the very end of the file are ignored; a blank line anywhere
 *   else is a problem. A NUL byte rejects the file (it is binary, or
 *   UTF-16) and ends the read. Header names must be UTF-8 without control
 *   characters: a byte that is not (a GBK or Latin-1 file) is reported at
 *   its column and no row is read.
 * - Fields are separated by opts->delimiter (',' by default). A field may
 *   be quoted with double quotes ("a,b"), with "" standing for one quote
 *   inside. A quoted field cannot span lines. Spaces (and tabs unless the
 *   delimiter is a tab) around a field are ignored.
 * - The first column is the timestamp of the start of the interval, in
 *   ISO-8601 with a UTC offset (zp_time_parse): 2024-01-01T00:00:00+08:00,
 *   ...Z, ...-05:00. Without an offset the row is rejected unless
 *   opts->default_offset_min is set. Offsets may change between rows (DST);
 *   only the instants matter.
 * - The step is the time between the first two data rows. Every later row
 *   must be exactly one step after the previous one. A file with a single
 *   data row is rejected ("cannot infer the step from one data row"):
 *   guessing a step would silently mislabel the energy of the interval.
 * - Every other column is a decimal number: [+-]digits[.digits][e[+-]digits].
 *   Empty fields, text, NaN and infinity are rejected; a missing reading
 *   must be fixed in the source, not guessed here.
 * - Each line may be at most opts->max_line_bytes long (default 64 KiB); a
 *   longer one is reported and ends the read. A whole input is at most
 *   2 GiB (zp_csv_read_file, zp_csv_read_stream).
 *
 * Every problem becomes a diagnostic with file:line:col (col counts bytes
 * from 1, after the BOM on line 1), up to opts->max_diags, and the read then
 * fails with ZP_EDATA and a summary naming the count and the first problem.
 *
 * Memory: a file or stream is read in blocks into a buffer of at most
 * max_line_bytes + 64 KiB, so a line over the limit is refused when that
 * much of it has arrived, never read whole; the values take 8 bytes each.
 *
 * Speed: lines are parsed in place in the buffer. Output arrays are sized
 * from a count of line ends (a buffer) or the file size (a file) and grow
 * by doubling, there is no allocation per row or per field, and plain
 * decimals with at most 19 significant digits whose value fits
 * 2^53 and whose power of ten is at most 22 are converted exactly with one
 * multiplication or division (both operands are exact doubles, so IEEE
 * rounding gives the correctly rounded result, same as strtod). Anything
 * else goes to strtod on a NUL-terminated copy.
 */
#include "core/csvtok.h"
#include "core/internal.h"
#include "zeropark/series.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CSV_DEFAULT_MAX_LINE ((size_t)65536)
#define CSV_DEFAULT_MAX_DIAGS ((size_t)100)
#define CSV_MAX_FILE_BYTES ZP_CSVTOK_MAX_BYTES /* 2 GiB */
#define CSV_SHOW_MAX 40                       /* bytes of a field quoted in a message */

void zp_csv_opts_init(zp_csv_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->default_offset_min = ZP_TIME_NO_DEFAULT;
    opts->delimiter = ',';
    opts->kind = ZP_SERIES_POWER;
}

void zp_strv_free(zp_ctx *ctx, char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        zp__free(ctx, v[i]);
    zp__free(ctx, v);
}

/* Copy at most CSV_SHOW_MAX bytes of [p, p+n) into dst for a message, with
 * control bytes and bytes that are not UTF-8 replaced by '?', so a message
 * is always one printable line of UTF-8. */
static const char *show(char *dst, size_t cap, const char *p, size_t n)
{
    zp__show(dst, cap, p, n, CSV_SHOW_MAX);
    return dst;
}

/* ---- numbers ------------------------------------------------------------- */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

typedef enum num_err { NUM_OK = 0, NUM_SYNTAX, NUM_RANGE, NUM_LONG } num_err;

/* strtod on a NUL-terminated copy of [b, e), which has already passed the
 * decimal syntax check, so strtod cannot read past it or accept hex/nan.
 * The copy lives on the stack: a number longer than that is not data. */
static num_err slow_number(const char *b, const char *e, double *out)
{
    char buf[128];
    size_t n = (size_t)(e - b);
    if (n >= sizeof buf)
        return NUM_LONG;
    memcpy(buf, b, n);
    buf[n] = '\0';
    /* strtod follows LC_NUMERIC; the file always uses '.'. */
    const char *dp = localeconv()->decimal_point;
    if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
        char *dot = memchr(buf, '.', n);
        if (dot)
            *dot = dp[0];
    }
    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    *out = v;
    if (end != buf + n)
        return NUM_SYNTAX;
    if (errno == ERANGE && isinf(v))
        return NUM_RANGE;
    return NUM_OK;
}

/* Parse a decimal number starting at p, not beyond e. *endp is set to the
 * first byte after it. NUM_SYNTAX if there is no number at p.
 * The digit loops do no bookkeeping: more than 19 digits in all (m may
 * then have wrapped, which is defined for unsigned) sends the text to
 * strtod, which only happens for unusually long numbers. */
static num_err parse_number(const char *p, const char *e, const char **endp, double *out)
{
    const char *s = p;
    bool neg = false;
    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    uint64_t m = 0;
    const char *d0 = p;
    while (p < e && (unsigned)(*p - '0') <= 9)
        m = m * 10 + (unsigned)(*p++ - '0');
    size_t ndig = (size_t)(p - d0);
    int dexp = 0;
    if (p < e && *p == '.') {
        const char *f0 = ++p;
        while (p < e && (unsigned)(*p - '0') <= 9)
            m = m * 10 + (unsigned)(*p++ - '0');
        size_t nfrac = (size_t)(p - f0);
        ndig += nfrac;
        dexp = nfrac > 100000 ? -100000 : -(int)nfrac;
    }
    if (ndig == 0) {
        *endp = s;
        return NUM_SYNTAX;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        bool eneg = false;
        if (q < e && (*q == '-' || *q == '+'))
            eneg = *q++ == '-';
        if (!(q < e && (unsigned)(*q - '0') <= 9)) {
            *endp = s; /* "1e" or "1e+" */
            return NUM_SYNTAX;
        }
        int x = 0;
        while (q < e && (unsigned)(*q - '0') <= 9) {
            if (x < 100000) /* beyond this the value is 0 or inf anyway */
                x = x * 10 + (*q - '0');
            q++;
        }
        dexp += eneg ? -x : x;
        p = q;
    }
    *endp = p;
    if (ndig <= 19) {
        if (m <= (UINT64_C(1) << 53) && dexp >= -22 && dexp <= 22) {
            double v = (double)m;
            v = dexp < 0 ? v / pow10_exact[-dexp] : v * pow10_exact[dexp];
            *out = neg ? -v : v;
            return NUM_OK;
        }
        if (m == 0) {
            *out = neg ? -0.0 : 0.0;
            return NUM_OK;
        }
    }
    return slow_number(s, p, out);
}

int zp__csv_number(const char *b, const char *e, double *out)
{
    const char *end;
    double v = 0;
    num_err ne = parse_number(b, e, &end, &v);
    if ((ne != NUM_OK && ne != NUM_RANGE) || end != e)
        return 0;
    *out = v;
    return 1;
}

static bool ieq(const char *b, const char *e, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(e - b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

static bool is_nan_inf_text(const char *b, const char *e)
{
    if (b < e && (*b == '+' || *b == '-'))
        b++;
    return ieq(b, e, "nan") || ieq(b, e, "inf") || ieq(b, e, "infinity");
}

/* ---- the reader ---------------------------------------------------------- */

typedef struct reader {
    zp_ctx *ctx;
    const char *fname;      /* name in diagnostics, never NULL */
    char delim;             /* field separator */
    size_t max_diags;       /* stop after this many problems */
    size_t ndiags;          /* problems reported by this read */
    size_t diag0;           /* ctx diagnostics before this read */
    bool stopped;           /* max_diags reached */
    zp_status fatal;        /* ZP_ENOMEM from zp__diag */
    const char *line;       /* start of the current line (for columns) */
    int lineno;             /* current line, 1-based */
    char **names;           /* header names (unquoted copies) */
    size_t ncols;           /* fields in the header */
} reader;

static void problem(reader *r, const char *at, const char *fmt, ...) ZP_PRINTF(3, 4);

/* Report a problem at byte `at` of the current line (NULL: no column). */
static void problem(reader *r, const char *at, const char *fmt, ...)
{
    if (r->stopped || r->fatal)
        return;
    char msg[768];
    ZP_VFORMAT(msg, fmt);
    int col = zp__csvtok_col(r->line, at);
    if (zp__diag(r->ctx, ZP_SEV_ERROR, r->fname, r->lineno, col, NULL, "%s", msg)) {
        r->fatal = ZP_ENOMEM;
        return;
    }
    if (++r->ndiags >= r->max_diags)
        r->stopped = true;
}

/* The error that ends a read with problems. */
static zp_status summarize(reader *r)
{
    if (r->fatal)
        return zp__nomem(r->ctx);
    char first[1024] = "";
    const zp_diag *d = zp_ctx_diag_get(r->ctx, r->diag0);
    if (d)
        zp_diag_format(d, first, sizeof first);
    char stop[64] = "";
    if (r->stopped)
        snprintf(stop, sizeof stop, ", reading stopped after the first %zu", r->ndiags);
    return zp__error(r->ctx, ZP_EDATA, "%s: %zu problem%s in CSV%s (first: %s)", r->fname,
                     r->ndiags, r->ndiags == 1 ? "" : "s", stop, first);
}

/* Unquoted copy of a field's content ("" becomes "). */
static char *field_dup(zp_ctx *ctx, const zp_csvfield *f)
{
    char *s = zp__malloc(ctx, (size_t)(f->e - f->b) + 1);
    if (s)
        zp__csvtok_unquote(f, s);
    return s;
}

/* Split a header line [p, e) into r->names. Problems with the line itself
 * (unterminated quote) are reported; ZP_ENOMEM is returned as status.
 * *unclean is set when a name is not UTF-8 or holds a control character
 * (reported at its byte): such a name cannot name a series. */
static zp_status read_header(reader *r, const char *p, const char *e, bool *unclean)
{
    size_t cap = 0;
    *unclean = false;
    for (;;) {
        zp_csvfield f;
        zp_csvfield_err fe = zp__csvtok_field(p, e, r->delim, &f);
        const char *what;
        size_t n = (size_t)(f.e - f.b), bad = zp__name_check(f.b, n, &what);
        if (bad < n) {
            char sh[64];
            unsigned byte = (unsigned char)f.b[bad];
            if (byte == 0xC2 && strcmp(what, "a control character") == 0) /* C1: the file is UTF-8 */
                problem(r, f.b + bad, "column %zu's name '%s' has a control character "
                        "(U+%04X); remove it from the header", r->ncols + 1,
                        show(sh, sizeof sh, f.b, n), (unsigned char)f.b[bad + 1]);
            else if (byte == '\r' && bad + 1 < n && f.b[bad + 1] >= '0' && f.b[bad + 1] <= '9')
                /* a CR followed by a row's time stamp: the lines end in CR */
                problem(r, f.b + bad, "column %zu's name '%s' runs into the next row at a CR "
                        "(0x0D): the file seems to end its lines with CR alone; use LF or CRLF",
                        r->ncols + 1, show(sh, sizeof sh, f.b, n));
            else if (byte >= 0x80)
                problem(r, f.b + bad, "column %zu's name '%s' has %s (0x%02X, at byte %lld of "
                        "the line); save the file as UTF-8 (Excel: \"CSV UTF-8\"): names in "
                        "GBK, Latin-1 or another encoding are not read",
                        r->ncols + 1, show(sh, sizeof sh, f.b, n), what, byte,
                        (long long)(f.b + bad - r->line) + 1);
            else
                problem(r, f.b + bad, "column %zu's name '%s' has %s (0x%02X); remove it "
                        "from the header", r->ncols + 1, show(sh, sizeof sh, f.b, n), what, byte);
            *unclean = true;
        }
        if (fe == ZP_CSVF_UNTERMINATED)
            problem(r, f.start, "unterminated quoted field in the header; close the quote "
                    "(a field cannot span lines)");
        else if (fe == ZP_CSVF_AFTER_QUOTE)
            problem(r, f.start, "text after the closing quote of a header field; quote the "
                    "whole field");
        if (zp__grow(r->ctx, (void **)&r->names, &cap, r->ncols + 1, sizeof *r->names))
            return ZP_ENOMEM;
        if (!(r->names[r->ncols] = field_dup(r->ctx, &f)))
            return zp__nomem(r->ctx);
        r->ncols++;
        if (f.next >= e)
            break;
        p = f.next + 1;
    }
    return ZP_OK;
}

/* Build the list "a, b, c" of data columns for an error message. */
static void column_list(const reader *r, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 1; i < r->ncols; i++) {
        int w = snprintf(buf + n, cap - n, "%s'%s'", i > 1 ? ", " : "", r->names[i]);
        if (w < 0 || (size_t)w >= cap - n) {
            if (cap > 4)
                memcpy(buf + cap - 4, "...", 4);
            return;
        }
        n += (size_t)w;
    }
}

/* Map each selected name to its header column. colmap[c] is the output
 * slot of header column c, or -1. */
static zp_status select_columns(reader *r, const zp_csv_opts *o, int32_t *colmap, size_t *nsel)
{
    for (size_t c = 0; c < r->ncols; c++)
        colmap[c] = -1;
    if (!o->columns) {
        for (size_t c = 1; c < r->ncols; c++)
            colmap[c] = (int32_t)(c - 1);
        *nsel = r->ncols - 1;
        return ZP_OK;
    }
    for (size_t i = 0; i < o->ncolumns; i++) {
        const char *want = o->columns[i];
        size_t c;
        for (c = 1; c < r->ncols; c++)
            if (strcmp(r->names[c], want) == 0)
                break;
        if (c == r->ncols) {
            char list[1200], sh[160];
            column_list(r, list, sizeof list);
            zp__show(sh, sizeof sh, want, strlen(want), 128);
            const char *near = zp__nearest(want, (const char *const *)r->names + 1,
                                           r->ncols - 1);
            if (r->ncols > 0 && strcmp(r->names[0], want) == 0)
                return zp__error(r->ctx, ZP_ENOTFOUND,
                                 "%s:1: column '%s' is the timestamp column, not a data "
                                 "column; the data columns are: %s", r->fname, sh, list);
            return zp__error(r->ctx, ZP_ENOTFOUND,
                             "%s:1: no column '%s' in the header%s%s%s; the data columns "
                             "are: %s", r->fname, sh, near ? " (did you mean '" : "",
                             near ? near : "", near ? "'?)" : "", list);
        }
        if (colmap[c] >= 0) {
            char sh[160];
            return zp__error(r->ctx, ZP_EINVAL, "column '%s' is asked for twice; list each "
                             "column once", (zp__show(sh, sizeof sh, want, strlen(want), 128), sh));
        }
        colmap[c] = (int32_t)i;
    }
    *nsel = o->ncolumns;
    return ZP_OK;
}

/* Header problems that matter only for selected columns: an empty or a
 * repeated name would give an unnamed or ambiguous series. */
static void check_header_names(reader *r, const int32_t *colmap)
{
    for (size_t c = 1; c < r->ncols; c++) {
        if (colmap[c] >= 0 && !r->names[c][0])
            problem(r, NULL, "column %zu has an empty name in the header; name it", c + 1);
        for (size_t k = 1; k < c; k++) {
            if ((colmap[c] >= 0 || colmap[k] >= 0) && r->names[c][0] &&
                strcmp(r->names[k], r->names[c]) == 0) {
                problem(r, NULL, "column name '%s' appears twice in the header (columns %zu "
                        "and %zu); rename one", r->names[c], k + 1, c + 1);
                break;
            }
        }
    }
}

/* State of the time sequence check. */
typedef struct seq {
    size_t nrows;        /* data rows seen with a valid timestamp */
    zp_time_t t0;        /* first row's instant */
    zp_time_t prev;      /* last accepted instant */
    int32_t prev_off;    /* its offset, for messages */
    int prev_line;       /* its line */
    int64_t step;        /* inferred step, 0 until known */
    int step_line;       /* line of the second row (the step came from it) */
} seq;

static void check_time(reader *r, seq *q, const char *at, zp_time_t t, int32_t off)
{
    char be[ZP_TIME_BUFSIZE], bf[ZP_TIME_BUFSIZE];
    if (q->nrows == 0) {
        q->t0 = t;
        goto accept;
    }
    if (t == q->prev) {
        problem(r, at, "duplicate timestamp %s (same instant as line %d); delete one of the "
                "rows", zp_time_format(t, off, bf), q->prev_line);
        return;
    }
    if (t < q->prev) {
        problem(r, at, "row out of order: %s is before the previous row's %s (line %d); sort "
                "the rows by time", zp_time_format(t, off, bf),
                zp_time_format(q->prev, q->prev_off, be), q->prev_line);
        return;
    }
    if (q->step == 0) {
        if (t - q->prev > INT32_MAX) {
            problem(r, at, "step of %lld s between the first two rows is too long",
                    (long long)(t - q->prev));
            q->step = -1; /* no sequence checks after this */
        } else {
            q->step = t - q->prev;
            q->step_line = r->lineno;
        }
        goto accept;
    }
    if (q->step > 0) {
        zp_time_t want = q->prev + q->step;
        if (t > want && (t - want) % q->step == 0) {
            long long missing = (long long)((t - want) / q->step);
            problem(r, at, "gap: expected %s, found %s; %lld row%s missing",
                    zp_time_format(want, q->prev_off, be), zp_time_format(t, off, bf), missing,
                    missing == 1 ? "" : "s");
        } else if (t != want) {
            problem(r, at, "off the step: expected %s, found %s (the step is %lld s, the time "
                    "between lines %d and %d)", zp_time_format(want, q->prev_off, be),
                    zp_time_format(t, off, bf), (long long)q->step, q->step_line - 1,
                    q->step_line);
        }
    }
accept:
    q->prev = t;
    q->prev_off = off;
    q->prev_line = r->lineno;
    q->nrows++;
}

static void bad_timestamp(reader *r, const zp_csvfield *f, int32_t default_off)
{
    char sh[64];
    size_t n = (size_t)(f->e - f->b);
    zp_time_t t;
    if (n == 0) {
        problem(r, f->start, "empty timestamp; the first column must hold the interval start "
                "such as 2024-01-01T00:00:00+08:00");
    } else if (default_off == ZP_TIME_NO_DEFAULT && zp_time_parse(f->b, n, 0, &t, NULL) == ZP_OK) {
        problem(r, f->start, "timestamp '%s' has no UTC offset; add one such as +08:00 or Z "
                "(or set a default offset)", show(sh, sizeof sh, f->b, n));
    } else {
        problem(r, f->start, "bad timestamp '%s'; expected ISO-8601 such as "
                "2024-01-01T00:00:00+08:00", show(sh, sizeof sh, f->b, n));
    }
}

/* Explain why field f of column c is not a number. */
static void bad_value(reader *r, const zp_csvfield *f, size_t c, num_err ne)
{
    char sh[64];
    const char *name = r->names[c];
    size_t n = (size_t)(f->e - f->b);
    if (n == 0)
        problem(r, f->start, "empty value in column '%s'; fill in the reading (missing data is "
                "not guessed)", name);
    else if (is_nan_inf_text(f->b, f->e))
        problem(r, f->start, "'%s' in column '%s' is not a finite number; fill in the reading",
                show(sh, sizeof sh, f->b, n), name);
    else if (ne == NUM_RANGE)
        problem(r, f->start, "value '%s' in column '%s' is out of range for a double",
                show(sh, sizeof sh, f->b, n), name);
    else if (ne == NUM_LONG)
        problem(r, f->start, "value '%s' in column '%s' is longer than 127 characters; round "
                "it", show(sh, sizeof sh, f->b, n), name);
    else
        problem(r, f->start, "non-numeric value '%s' in column '%s'; expected a decimal number "
                "such as 12.5", show(sh, sizeof sh, f->b, n), name);
}

/* Count the fields in [p, e), for the field-count message. */
static size_t count_fields(const char *p, const char *e, char delim)
{
    size_t n = 1;
    for (;;) {
        zp_csvfield f;
        zp__csvtok_field(p, e, delim, &f);
        if (f.next >= e)
            return n;
        n++;
        p = f.next + 1;
    }
}

/* A data field that is not well formed (fe), said at its start. */
static void bad_field(reader *r, const zp_csvfield *f, zp_csvfield_err fe)
{
    problem(r, f->start, "%s",
            fe == ZP_CSVF_UNTERMINATED
                ? "unterminated quoted field; close the quote (a field cannot span lines)"
                : "text after the closing quote; quote the whole field");
}

/* Parse one data line [p, e) into row `row` of vals. */
static void read_row(reader *r, seq *q, const zp_csv_opts *o, const int32_t *colmap,
                     double **vals, size_t row, const char *p, const char *e)
{
    const char delim = r->delim;
    zp_csvfield f;
    zp_csvfield_err fe = zp__csvtok_field(p, e, delim, &f);
    zp_time_t t;
    int32_t off;
    if (fe == ZP_CSVF_OK &&
        zp_time_parse(f.b, (size_t)(f.e - f.b), o->default_offset_min, &t, &off) == ZP_OK) {
        check_time(r, q, f.start, t, off);
    } else {
        if (fe != ZP_CSVF_OK)
            bad_field(r, &f, fe);
        else
            bad_timestamp(r, &f, o->default_offset_min);
        /* Assume the row was the expected one so one bad stamp does not
         * also show up as a gap on the next row. */
        if (q->nrows > 0 && q->step > 0) {
            q->prev += q->step;
            q->prev_line = r->lineno;
        }
        if (fe != ZP_CSVF_OK)
            return;
    }
    p = f.next;
    size_t c = 1;
    for (; p < e && c < r->ncols; c++) {
        p++; /* the delimiter */
        int32_t slot = colmap[c];
        if (slot >= 0) {
            /* Fast path: a bare number followed by the delimiter or the end. */
            const char *np;
            double v;
            num_err ne = parse_number(p, e, &np, &v);
            if (ne == NUM_OK && np > p && (np == e || *np == delim)) {
                vals[slot][row] = v;
                p = np;
                continue;
            }
            fe = zp__csvtok_field(p, e, delim, &f);
            if (fe != ZP_CSVF_OK) {
                bad_field(r, &f, fe);
                return;
            }
            ne = NUM_SYNTAX;
            if (f.b < f.e)
                ne = parse_number(f.b, f.e, &np, &v);
            if (ne == NUM_OK && np == f.e)
                vals[slot][row] = v;
            else
                bad_value(r, &f, c, ne == NUM_OK ? NUM_SYNTAX : ne);
            p = f.next;
        } else {
            fe = zp__csvtok_field(p, e, delim, &f);
            if (fe != ZP_CSVF_OK) {
                bad_field(r, &f, fe);
                return;
            }
            p = f.next;
        }
    }
    if (c < r->ncols)
        problem(r, e, "line has %zu field%s but the header has %zu; every row needs a value "
                "for each column", c, c == 1 ? "" : "s", r->ncols);
    else if (p < e) {
        size_t extra = count_fields(p + 1, e, delim);
        problem(r, p + 1, "line has %zu fields but the header has %zu; remove the extra "
                "field%s or add a header name", r->ncols + extra, r->ncols,
                extra == 1 ? "" : "s");
    }
}

/* ---- the line-by-line parser ------------------------------------------------
 * Both entry points feed it one line at a time from the tokenizer
 * (core/csvtok.h): zp_csv_read_buf from the caller's buffer,
 * zp_csv_read_stream from a buffer of about max_line_bytes + 64 KiB that
 * it refills, so a line longer than the limit is refused before more of
 * it is read. */

typedef struct parser {
    reader r;
    seq q;
    const zp_csv_opts *o;
    size_t max_line;   /* longest accepted line content */
    int32_t *colmap;   /* header column -> output slot, or -1 */
    size_t nsel;       /* selected columns */
    double **vals;     /* nsel arrays of cap values */
    size_t cap;        /* rows allocated in each vals[i] */
    size_t row;        /* data rows so far */
    size_t rows_hint;  /* expected data rows (0: unknown) */
    size_t bytes_hint; /* expected input size (0: unknown), for the first allocation */
    int blank_line;    /* first blank line not yet known to be trailing */
    bool header_done;  /* the header line has been read */
    bool halted;       /* no more lines are read (a problem that ends the read) */
    zp_status rc;      /* an error that ends the read at once (not a diagnostic) */
    zp_csv_opts defaults; /* what o points to when the caller passes no options */
} parser;

/* Ready P to read with opts (NULL: the defaults). */
static zp_status parser_init(parser *P, zp_ctx *ctx, const char *fname, const zp_csv_opts *opts)
{
    memset(P, 0, sizeof *P);
    if (!opts) {
        zp_csv_opts_init(&P->defaults);
        opts = &P->defaults;
    }
    P->o = opts;
    P->r.ctx = ctx;
    P->r.fname = fname ? fname : "<input>";
    P->r.delim = opts->delimiter ? opts->delimiter : ',';
    P->r.max_diags = opts->max_diags ? opts->max_diags : CSV_DEFAULT_MAX_DIAGS;
    P->r.diag0 = zp_ctx_diag_count(ctx);
    P->max_line = opts->max_line_bytes ? opts->max_line_bytes : CSV_DEFAULT_MAX_LINE;
    if (P->max_line > CSV_MAX_FILE_BYTES)
        P->max_line = CSV_MAX_FILE_BYTES;
    const char d = P->r.delim;
    if (d == '"' || d == '\n' || d == '\r' || d == '\0')
        return zp__error(ctx, ZP_EINVAL, "CSV delimiter %d cannot be a quote or line end",
                         (int)d);
    if (opts->columns && opts->ncolumns == 0)
        return zp__error(ctx, ZP_EINVAL, "opts.columns is set but opts.ncolumns is 0; pass "
                         "NULL columns to read every column");
    if (!zp_series_kind_name(opts->kind))
        return zp__error(ctx, ZP_EINVAL, "opts.kind %d is not a series kind", (int)opts->kind);
    return ZP_OK;
}

static void parser_free(parser *P)
{
    zp_ctx *ctx = P->r.ctx;
    if (P->vals)
        for (size_t i = 0; i < P->nsel; i++)
            zp__free(ctx, P->vals[i]);
    zp__free(ctx, P->vals);
    zp__free(ctx, P->colmap);
    zp_strv_free(ctx, P->r.names, P->r.ncols);
    P->vals = NULL;
    P->colmap = NULL;
    P->r.names = NULL;
}

/* Room for row P->row in every selected column. */
static zp_status parser_room(parser *P, size_t line_len)
{
    if (P->row < P->cap)
        return ZP_OK;
    zp_ctx *ctx = P->r.ctx;
    size_t want = P->cap ? P->cap * 2 : P->rows_hint;
    if (!P->cap && !want)
        want = P->bytes_hint ? P->bytes_hint / (line_len + 1) + P->bytes_hint / (line_len + 1) / 8 : 0;
    if (want < 1024)
        want = 1024;
    if (want > SIZE_MAX / sizeof(double)) /* cannot be reached with a 2 GiB input */
        return zp__error(ctx, ZP_ETOOBIG, "%s: too many rows", P->r.fname);
    if (!P->vals && !(P->vals = zp__calloc(ctx, P->nsel, sizeof *P->vals)))
        return zp__nomem(ctx);
    for (size_t i = 0; i < P->nsel; i++) {
        double *nv = zp__realloc(ctx, P->vals[i], want * sizeof(double));
        if (!nv)
            return zp__nomem(ctx);
        P->vals[i] = nv;
    }
    P->cap = want;
    return ZP_OK;
}

/* The message for a line longer than the limit at [b, ...): at least
 * max_line + 1 bytes of it are there. */
static void parser_too_long(parser *P, const char *b)
{
    reader *r = &P->r;
    r->line = b;
    const char *opt = P->o->max_line_option;
    const char *nul = memchr(b, '\0', P->max_line);
    if (nul) {
        problem(r, nul, "NUL byte in the file; CSV must be UTF-8 text (is it UTF-16 or a "
                "binary file?)");
    } else {
        const char *cr = zp__csvtok_bare_cr(b, P->max_line);
        problem(r, b + P->max_line, "%s is longer than %zu bytes, the line limit; reading "
                "stopped here%s%s%s%s",
                P->header_done ? "line" : "header line", P->max_line,
                cr ? " (the file seems to end its lines with CR alone: use LF or CRLF)" : "",
                opt && !cr ? " (raise the limit with " : "", opt && !cr ? opt : "",
                opt && !cr ? ")" : "");
    }
    P->halted = true;
}

/* The header line [p, e) (after any BOM). */
static void parser_header(parser *P, const char *p, const char *e)
{
    reader *r = &P->r;
    bool unclean = false;
    P->header_done = true;
    if ((P->rc = read_header(r, p, e, &unclean)))
        return;
    if (unclean) {
        P->halted = true; /* the names cannot name series: read no rows */
        return;
    }
    if (r->ncols < 2) {
        problem(r, NULL, "header has only one column; expected the timestamp column then "
                "at least one data column separated by '%c'", r->delim);
        P->halted = true;
        return;
    }
    if (!(P->colmap = zp__malloc(r->ctx, r->ncols * sizeof *P->colmap))) {
        P->rc = zp__nomem(r->ctx);
        return;
    }
    if ((P->rc = select_columns(r, P->o, P->colmap, &P->nsel)))
        return;
    check_header_names(r, P->colmap);
}

/* One line from the tokenizer. */
static void parser_line(parser *P, const zp_csvline *ln)
{
    reader *r = &P->r;
    const char *b = ln->b, *e = ln->e, *eol = ln->eol;
    r->lineno = (int)ln->lineno;
    r->line = b;
    /* Of a line over the limit only the limit is looked at (a stream
     * never holds more of it), for a NUL as for the rest. */
    if (ln->too_long) {
        parser_too_long(P, b);
        return;
    }
    /* A NUL means binary or UTF-16 text; nothing after it is worth reading. */
    const char *nul = memchr(b, '\0', (size_t)(eol - b));
    if (nul) {
        problem(r, nul, "NUL byte in the file; CSV must be UTF-8 text (is it UTF-16 or a "
                "binary file?)");
        P->halted = true;
        return;
    }
    if (!P->header_done) {
        parser_header(P, b, e);
        return;
    }
    if (e == b) {
        if (!P->blank_line)
            P->blank_line = r->lineno;
        return;
    }
    if (P->blank_line) {
        int save = r->lineno;
        r->lineno = P->blank_line;
        problem(r, NULL, "blank line between data rows; delete it");
        r->lineno = save;
        P->blank_line = 0;
    }
    if ((P->rc = parser_room(P, (size_t)(eol - b))))
        return;
    read_row(r, &P->q, P->o, P->colmap, P->vals, P->row, b, e);
    P->row++;
    if (r->stopped || r->fatal)
        P->halted = true;
}

/* After the last line: the series, or the error that sums up the problems. */
static zp_status parser_finish(parser *P, bool empty, zp_series ***out, size_t *nout)
{
    reader *r = &P->r;
    zp_ctx *ctx = r->ctx;
    zp_series **series = NULL;
    zp_status rc = ZP_OK;
    if (P->rc)
        return P->rc;
    if (r->fatal)
        return zp__nomem(ctx);
    if (empty) {
        r->lineno = 1;
        problem(r, NULL, "empty file; expected a header row and at least two data rows");
    } else if (!P->halted && !r->stopped && P->row == 0) {
        r->lineno = 2;
        problem(r, NULL, "no data rows after the header; at least two rows are needed to "
                "infer the step");
    } else if (!P->halted && !r->stopped && P->row == 1) {
        r->lineno = 2;
        problem(r, NULL, "cannot infer the step from one data row; add the next interval's "
                "row (the step is the time between the first two rows)");
    }
    if (r->ndiags || r->fatal)
        return summarize(r);
    if (P->q.step <= 0 || P->q.nrows != P->row)
        /* Cannot happen without a diagnostic; fail rather than mislabel. */
        return zp__error(ctx, ZP_EDATA, "%s: could not determine the time step", r->fname);
    if (!(series = zp__calloc(ctx, P->nsel, sizeof *series)))
        return zp__nomem(ctx);
    for (size_t c = 1; c < r->ncols; c++) {
        int32_t slot = P->colmap[c];
        if (slot < 0)
            continue;
        zp_series *s = zp__calloc(ctx, 1, sizeof *s);
        if (!s) {
            rc = zp__nomem(ctx);
            break;
        }
        series[slot] = s;
        s->kind = P->o->kind;
        s->start = P->q.t0;
        s->step_s = (int32_t)P->q.step;
        s->len = P->row;
        /* Hand over the value array; shrink it when it was sized generously. */
        s->v = P->vals[slot];
        P->vals[slot] = NULL;
        if (P->row + 64 < P->cap) {
            double *nv = zp__realloc(ctx, s->v, P->row * sizeof(double));
            if (nv)
                s->v = nv;
        }
        s->name = r->names[c];
        r->names[c] = NULL;
    }
    if (rc) {
        zp_series_array_free(ctx, series, P->nsel);
        return rc;
    }
    *out = series;
    *nout = P->nsel;
    return ZP_OK;
}

zp_status zp_csv_read_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                          const zp_csv_opts *opts, zp_series ***out, size_t *nout)
{
    parser P;
    *out = NULL;
    *nout = 0;
    if (!buf)
        buf = ""; /* (NULL, 0) is an empty input; NULL + 0 is not valid C */
    zp_status rc = parser_init(&P, ctx, fname, opts);
    if (rc)
        return rc;
    /* One output row per line at most: count line ends once (memchr is far
     * faster than growing arrays row by row). */
    size_t lines = 1;
    for (const char *s = buf, *end = buf + len; s < end; s++) {
        s = memchr(s, '\n', (size_t)(end - s));
        if (!s)
            break;
        lines++;
    }
    P.rows_hint = lines;
    zp_csvtok tok;
    zp_csvline ln;
    zp__csvtok_init_buf(&tok, buf, len, P.max_line);
    while (!P.halted && !P.rc && zp__csvtok_next(&tok, &ln) > 0)
        parser_line(&P, &ln);
    /* no line at all: nothing, or a BOM alone */
    rc = parser_finish(&P, tok.lineno == 0, out, nout);
    parser_free(&P);
    return rc;
}

zp_status zp_csv_read_stream(zp_ctx *ctx, FILE *f, const char *fname, const zp_csv_opts *opts,
                             zp_series ***out, size_t *nout)
{
    parser P;
    zp_csvtok tok;
    zp_csvline ln;
    int got = 0;
    *out = NULL;
    *nout = 0;
    zp_status rc = parser_init(&P, ctx, fname, opts);
    if (rc)
        return rc;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
        P.bytes_hint = (uint64_t)sb.st_size > CSV_MAX_FILE_BYTES ? CSV_MAX_FILE_BYTES
                                                                 : (size_t)sb.st_size;
    zp__csvtok_init_stream(&tok, ctx, f, P.r.fname, P.max_line);
    while (!P.halted && !P.rc && (got = zp__csvtok_next(&tok, &ln)) > 0)
        parser_line(&P, &ln);
    /* a read error or an input over 2 GiB ends the read as it is */
    rc = got < 0 ? tok.rc : parser_finish(&P, tok.lineno == 0, out, nout);
    zp__csvtok_free(&tok);
    parser_free(&P);
    return rc;
}

zp_status zp_csv_read_file(zp_ctx *ctx, const char *path, const zp_csv_opts *opts,
                           zp_series ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return zp__error(ctx, ZP_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size > CSV_MAX_FILE_BYTES) {
        fclose(f);
        return zp__error(ctx, ZP_ETOOBIG, "%s is %lld bytes; CSV files are limited to 2 GiB, "
                         "split it by time", path, (long long)st.st_size);
    }
    zp_status rc = zp_csv_read_stream(ctx, f, path, opts, out, nout);
    fclose(f);
    return rc;
}

/* Header names from the first line of buf (len bytes, the line's end
 * included when there is one). */
static zp_status header_of(zp_ctx *ctx, const char *path, const char *buf, size_t len,
                           char ***out, size_t *nout)
{
    zp_status rc = ZP_OK;
    reader r;
    memset(&r, 0, sizeof r);
    zp_csvtok tok;
    zp_csvline ln;
    zp__csvtok_init_buf(&tok, buf, len, SIZE_MAX);
    if (zp__csvtok_next(&tok, &ln) <= 0)
        ln.b = ln.e = "";
    const char *p = ln.b, *e = ln.e;
    if (e == p)
        return zp__error(ctx, ZP_EDATA, "%s:1: empty header line; the first line must name the "
                         "columns", path);
    if (memchr(p, '\0', (size_t)(e - p)))
        return zp__error(ctx, ZP_EDATA, "%s:1: NUL byte in the header; CSV must be UTF-8 text",
                         path);
    r.ctx = ctx;
    r.fname = path;
    r.delim = ',';
    r.max_diags = 1;
    r.diag0 = zp_ctx_diag_count(ctx);
    r.line = p;
    r.lineno = 1;
    bool unclean;
    if ((rc = read_header(&r, p, e, &unclean)))
        goto out;
    if (r.ndiags) {
        rc = summarize(&r);
        goto out;
    }
    *out = r.names;
    *nout = r.ncols;
    r.names = NULL;
out:
    zp_strv_free(ctx, r.names, r.ncols);
    return rc;
}

zp_status zp__csv_header_buf(zp_ctx *ctx, const char *path, const char *buf, size_t len,
                             char ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    const char *nl = buf ? memchr(buf, '\n', len) : NULL;
    size_t n = nl ? (size_t)(nl - buf) + 1 : len;
    if (n > CSV_DEFAULT_MAX_LINE + 3 + 1)
        return zp__error(ctx, ZP_EDATA, "%s:1: header line is longer than %zu bytes; is "
                         "this a CSV file?", path, CSV_DEFAULT_MAX_LINE);
    return header_of(ctx, path, buf, n, out, nout);
}

zp_status zp__slurp(zp_ctx *ctx, FILE *f, const char *path, char **out, size_t *outlen)
{
    zp_status rc = zp__file_read_stream(ctx, f, path, CSV_MAX_FILE_BYTES, NULL, out, outlen);
    if (rc == ZP_ETOOBIG)
        rc = zp__error(ctx, ZP_ETOOBIG, "%s is larger than 2 GiB; CSV files are limited to "
                       "2 GiB, split it by time", path);
    return rc;
}

zp_status zp_csv_header_file(zp_ctx *ctx, const char *path, char ***out, size_t *nout)
{
    zp_status rc = ZP_OK;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    *out = NULL;
    *nout = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return zp__error(ctx, ZP_EIO, "cannot open %s: %s", path, strerror(errno));
    /* Read in chunks until the first LF: a large file is never read whole. */
    const char *nl = NULL;
    while (!nl) {
        if (len >= CSV_DEFAULT_MAX_LINE + 3) {
            rc = zp__error(ctx, ZP_EDATA, "%s:1: header line is longer than %zu bytes; is "
                           "this a CSV file?", path, CSV_DEFAULT_MAX_LINE);
            goto out;
        }
        if ((rc = zp__grow(ctx, (void **)&buf, &cap, len + 4096, 1)))
            goto out;
        size_t n = fread(buf + len, 1, 4096, f);
        if (n == 0) {
            if (ferror(f)) {
                rc = zp__error(ctx, ZP_EIO, "cannot read %s: %s", path, strerror(errno));
                goto out;
            }
            break;
        }
        nl = memchr(buf + len, '\n', n);
        len += n;
    }
    rc = header_of(ctx, path, buf, len, out, nout);
out:
    zp__free(ctx, buf);
    fclose(f);
    return rc;
}
