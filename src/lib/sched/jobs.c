/*
 * jobs.c - the jobs file (CSV, docs/schedule.md "Jobs (CSV)"), appended to a
 * problem all or nothing.
 *
 * Lines come from core/csvtok (a byte order mark, CRLF, line numbers, the
 * line cap) and fields from zp__csvtok_field; blank lines and lines
 * starting with '#' carry no job. Each bad row is a diagnostic
 * "FILE:LINE: message" (the first SCHED_MAX_DIAGS of them); any bad row
 * fails the read.
 */
#include "sched/sched_impl.h"
#include "core/csvtok.h"

#include <stdio.h>
#include <string.h>

static const char *const class_names[] = {"interactive", "batch", "training"};

const char *zp_job_class_name(zp_job_class c)
{
    return (unsigned)c < ZP_ARRAY_LEN(class_names) ? class_names[c] : "unknown";
}

enum { C_ID, C_CLASS, C_HOME, C_REGION, C_LAT, C_REL, C_DL, C_DUR, C_POW, C_PRE, C_CHUNK, C_N };
static const char *const col_names[C_N] = {"id",       "class",   "home",     "region",
                                           "latency_ms", "release", "deadline", "duration",
                                           "power_kw", "preemptible", "min_chunk"};

/* A field's content. */
typedef struct field {
    const char *s;
    size_t n;
} field;

/* Split line [b, e) at commas into at most maxf fields (zp__csvtok_field:
 * spaces and tabs around a field trimmed; "a,b" quoted, "" for a quote).
 * A quoted field holding "" is unquoted into scratch (room for the line).
 * Returns the field count, or -1 for a bad quote, -2 for too many
 * fields. */
static int split(const char *b, const char *e, field *f, int maxf, char *scratch)
{
    int n = 0;
    for (const char *p = b;; p++) {
        zp_csvfield cf;
        if (n == maxf)
            return -2;
        if (zp__csvtok_field(p, e, ',', &cf) != ZP_CSVF_OK)
            return -1;
        f[n].s = cf.b;
        f[n].n = (size_t)(cf.e - cf.b);
        if (cf.escaped) {
            f[n].s = scratch;
            f[n].n = zp__csvtok_unquote(&cf, scratch);
            scratch += f[n].n + 1;
        }
        n++;
        if (cf.next >= e)
            return n;
        p = cf.next; /* the comma */
    }
}

static int field_is(const field *f, const char *s)
{
    size_t n = strlen(s);
    return f->n == n && memcmp(f->s, s, n) == 0;
}

/* Whole number in [lo, hi]. */
static int parse_int(const field *f, long lo, long hi, int32_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (f->n == 0 || f->n > 12)
        return 0;
    if (f->s[0] == '-' || f->s[0] == '+')
        neg = f->s[i++] == '-';
    if (i == f->n)
        return 0;
    long v = 0;
    for (; i < f->n; i++) {
        if (f->s[i] < '0' || f->s[i] > '9')
            return 0;
        v = v * 10 + (f->s[i] - '0');
    }
    if (neg)
        v = -v;
    if (v < lo || v > hi)
        return 0;
    *out = (int32_t)v;
    return 1;
}

/* A decimal in the CSV reader's syntax (zp__csv_number: no hex, inf or
 * nan). A number beyond the range of a double reads as +-HUGE_VAL (or 0),
 * for the caller's range check to reject with the allowed range. */
static int parse_num(const field *f, double *out)
{
    if (f->n == 0 || f->n > 60)
        return 0;
    return zp__csv_number(f->s, f->s + f->n, out);
}

/* Index of the name s[0..n) among count names stride bytes apart, or -1. */
static int find_name(const char *s, size_t n, const char *names, size_t stride_bytes,
                     size_t count)
{
    for (size_t k = 0; k < count; k++) {
        const char *nm = names + k * stride_bytes;
        if (strncmp(nm, s, n) == 0 && nm[n] == '\0')
            return (int)k;
    }
    return -1;
}

/* The header row's nf fields (split's count): colmap gets each field's
 * column. Returns nf, or -1 after a diagnostic. */
static int jobs_header(sched_diags *r, const field *f, int nf, size_t line, int *colmap)
{
    static const int required[] = {C_ID, C_CLASS, C_HOME, C_DUR, C_POW};
    int have[C_N];
    if (nf < 0) {
        zp__sched_diag(r, line,
                       nf == -1 ? "header: unbalanced quote" : "header: too many columns");
        return -1;
    }
    memset(have, 0, sizeof have);
    for (int i = 0; i < nf; i++) {
        int c;
        for (c = 0; c < C_N && !field_is(&f[i], col_names[c]); c++)
            ;
        if (c == C_N || have[c]) {
            zp__sched_diag(r, line, "header: %s column '%.*s' (columns: id, class, home, "
                                    "region, latency_ms, release, deadline, duration, "
                                    "power_kw, preemptible, min_chunk)",
                           c == C_N ? "unknown" : "repeated", (int)(f[i].n > 40 ? 40 : f[i].n),
                           f[i].s);
            return -1;
        }
        have[c] = 1;
        colmap[i] = c;
    }
    for (size_t k = 0; k < ZP_ARRAY_LEN(required); k++)
        if (!have[required[k]]) {
            zp__sched_diag(r, line, "header: missing column '%s'", col_names[required[k]]);
            return -1;
        }
    return nf;
}

/* The job of one row (col: its fields by column, empty where the header
 * has none) into *j. Returns 0, or -1 after a diagnostic for the first
 * thing wrong. */
static int job_read(sched_diags *r, const zp_sched_problem *p, const field *col, size_t line,
                    zp_sched_job *j)
{
#define FIELD40(c) (int)(col[c].n > 40 ? 40 : col[c].n), col[c].s
#define BAD(...)                                                                                   \
    do {                                                                                           \
        zp__sched_diag(r, line, __VA_ARGS__);                                                      \
        return -1;                                                                                 \
    } while (0)
    memset(j, 0, sizeof *j);
    j->line = line > UINT32_MAX ? 0 : (uint32_t)line;
    if (col[C_ID].n == 0)
        BAD("column id: empty: every job needs an id");
    int cls;
    for (cls = 0; cls < 3 && !field_is(&col[C_CLASS], class_names[cls]); cls++)
        ;
    if (cls == 3)
        BAD("column class: '%.*s': use interactive, batch or training", FIELD40(C_CLASS));
    j->cls = (uint8_t)cls;
    int h = find_name(col[C_HOME].s, col[C_HOME].n, p->sites[0].name, sizeof(zp_sched_site),
                      p->nsites);
    if (h < 0)
        BAD("column home: '%.*s' is not a site of the sites file", FIELD40(C_HOME));
    j->home = h;
    j->region = -1;
    if (col[C_REGION].n) {
        j->region = find_name(col[C_REGION].s, col[C_REGION].n, (const char *)p->regions,
                              ZP_SCHED_NAME_MAX, p->nregions);
        if (j->region < 0)
            BAD("column region: '%.*s' is not in the sites file's \"regions\"",
                FIELD40(C_REGION));
    }
    if (col[C_LAT].n) {
        int ok = parse_num(&col[C_LAT], &j->latency_ms);
        if (!ok || j->latency_ms < 0 || j->latency_ms > SCHED_MAX_LATENCY_MS)
            BAD("column latency_ms: '%.*s' %s: use a one-way bound of 0..%.15g ms (empty: "
                "no bound)", FIELD40(C_LAT), ok ? "is out of range" : "is not a number",
                SCHED_MAX_LATENCY_MS);
    }
    if (j->cls == ZP_JOB_INTERACTIVE && (j->region < 0 || !(j->latency_ms > 0)))
        BAD("interactive job needs a region and a latency_ms bound > 0");
    if (j->latency_ms > 0 && j->region < 0)
        BAD("latency_ms given without a region to measure it from");
    j->release = 0;
    if (col[C_REL].n &&
        !parse_int(&col[C_REL], -SCHED_MAX_SLOT_NUM, SCHED_MAX_SLOT_NUM, &j->release))
        BAD("column release: '%.*s': use a whole slot number in %d..%d (slot 0 is the "
            "sites file's start)", FIELD40(C_REL), -SCHED_MAX_SLOT_NUM, SCHED_MAX_SLOT_NUM);
    j->deadline = (int32_t)p->nslots;
    if (col[C_DL].n &&
        !parse_int(&col[C_DL], -SCHED_MAX_SLOT_NUM, SCHED_MAX_SLOT_NUM, &j->deadline))
        BAD("column deadline: '%.*s': use a whole slot number in %d..%d (exclusive)",
            FIELD40(C_DL), -SCHED_MAX_SLOT_NUM, SCHED_MAX_SLOT_NUM);
    if (!parse_int(&col[C_DUR], 1, SCHED_MAX_SLOTS, &j->duration))
        BAD("column duration: '%.*s': use a whole number of slots in 1..%d", FIELD40(C_DUR),
            SCHED_MAX_SLOTS);
    int ok = parse_num(&col[C_POW], &j->power_kw);
    if (!ok || !(j->power_kw >= SCHED_MIN_POWER_KW) || j->power_kw > SCHED_MAX_POWER_KW)
        BAD("column power_kw: '%.*s' %s: use %.15g..%.15g kW", FIELD40(C_POW),
            ok ? "is out of range" : "is not a number", SCHED_MIN_POWER_KW, SCHED_MAX_POWER_KW);
    j->preemptible = j->cls == ZP_JOB_TRAINING;
    if (col[C_PRE].n) {
        if (field_is(&col[C_PRE], "1") || field_is(&col[C_PRE], "true"))
            j->preemptible = 1;
        else if (field_is(&col[C_PRE], "0") || field_is(&col[C_PRE], "false"))
            j->preemptible = 0;
        else
            BAD("column preemptible: '%.*s': use 0, 1, true or false", FIELD40(C_PRE));
    }
    if (j->preemptible && j->cls == ZP_JOB_INTERACTIVE)
        BAD("interactive jobs cannot be preemptible");
    j->min_chunk = 1;
    if (col[C_CHUNK].n && !parse_int(&col[C_CHUNK], 1, SCHED_MAX_SLOTS, &j->min_chunk))
        BAD("column min_chunk: '%.*s': use a whole number of slots in 1..%d", FIELD40(C_CHUNK),
            SCHED_MAX_SLOTS);
    return 0;
#undef BAD
#undef FIELD40
}

/* Room for one job per line of buf, so that a million rows do not
 * reallocate. */
static zp_status jobs_reserve(zp_ctx *ctx, zp_sched_problem *p, const char *buf, size_t len)
{
    size_t lines = 1;
    for (const char *q = buf, *end = buf + len; (q = memchr(q, '\n', (size_t)(end - q))); q++)
        lines++;
    if (zp__grow(ctx, (void **)&p->jobs, &p->jobs_cap, p->njobs + lines, sizeof *p->jobs) ||
        zp__grow(ctx, (void **)&p->ids, &p->ids_cap, p->ids_len + 16 * lines, 1))
        return zp__nomem(ctx);
    return ZP_OK;
}

zp_status zp_sched_jobs_parse(zp_ctx *ctx, zp_sched_problem *p, const char *buf, size_t len,
                              const char *name)
{
    sched_diags r = {ctx, name ? name : "jobs", 0, ZP_OK};
    const size_t njobs0 = p->njobs, ids0 = p->ids_len;
    zp_status rc = ZP_OK;
    char scratch[SCHED_MAX_LINE];
    field f[C_N + 1], col[C_N];
    int colmap[C_N + 1]; /* field index -> column */
    int nf_hdr = 0;      /* fields of the header, 0 before it */
    zp_csvtok tok;
    zp_csvline ln;
    zp_sched_job j;
    if (len && memchr(buf, '\0', len))
        return zp__error(ctx, ZP_EPARSE, "%s: contains a NUL byte (binary or UTF-16?)", r.file);
    if ((rc = jobs_reserve(ctx, p, buf, len)))
        return rc;
    zp__csvtok_init_buf(&tok, buf, len, SCHED_MAX_LINE - 1);
    while (zp__csvtok_next(&tok, &ln) > 0) {
        const size_t line = ln.lineno;
        if (ln.too_long) {
            zp__sched_diag(&r, line, "line longer than %d bytes", SCHED_MAX_LINE - 1);
            if (!nf_hdr)
                goto fail;
            continue;
        }
        if (ln.e == ln.b || *ln.b == '#') /* blank lines and comments carry no job */
            continue;
        int nf = split(ln.b, ln.e, f, C_N + 1, scratch);
        if (!nf_hdr) {
            if ((nf_hdr = jobs_header(&r, f, nf, line, colmap)) < 0)
                goto fail;
        } else if (nf < 0) {
            zp__sched_diag(&r, line,
                           nf == -1 ? "unbalanced quote" : "more fields than the header");
        } else if (nf != nf_hdr) {
            zp__sched_diag(&r, line, "%d fields; the header has %d", nf, nf_hdr);
        } else {
            memset(col, 0, sizeof col);
            for (int i = 0; i < nf; i++)
                col[colmap[i]] = f[i];
            if (job_read(&r, p, col, line, &j))
                continue;
            if (p->njobs >= UINT32_MAX) {
                rc = zp__error(ctx, ZP_ETOOBIG, "%s:%zu: more than 2^32 jobs", r.file, line);
                goto out;
            }
            if ((rc = zp__sched_job_append(ctx, p, &j, col[C_ID].s, col[C_ID].n)))
                goto out;
        }
    }
    if (!nf_hdr) {
        zp__sched_diag(&r, tok.lineno ? tok.lineno : 1,
                       "no header row: expected id,class,home,region,latency_ms,release,"
                       "deadline,duration,power_kw,preemptible,min_chunk");
        goto fail;
    }
    if (!r.n && !r.st)
        return ZP_OK;
fail:
    if (r.st) {
        rc = zp__nomem(ctx);
        goto out;
    }
    {
        char first[512] = "";
        size_t shown = r.n < SCHED_MAX_DIAGS ? r.n : SCHED_MAX_DIAGS;
        const zp_diag *d = zp_ctx_diag_get(ctx, zp_ctx_diag_count(ctx) - shown);
        if (d)
            zp_diag_format(d, first, sizeof first);
        rc = zp__error(ctx, ZP_EDATA, "%s: %zu bad row%s, no job loaded; first: %s", r.file,
                       r.n, r.n == 1 ? "" : "s", first);
    }
out:
    /* All or nothing: a failed read adds no job. */
    p->njobs = njobs0;
    p->ids_len = ids0;
    return rc;
}

zp_status zp_sched_jobs_load(zp_ctx *ctx, zp_sched_problem *p, const char *path)
{
    char *buf;
    size_t len;
    zp_status rc = zp__file_read(ctx, path, SCHED_MAX_FILE, "jobs file", &buf, &len);
    if (rc)
        return rc;
    rc = zp_sched_jobs_parse(ctx, p, buf, len, path);
    zp__free(ctx, buf);
    return rc;
}
