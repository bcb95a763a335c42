/*
 * store.c - the storage interface: zp_store_* dispatching to a backend.
 *
 * Everything that must behave the same on every backend lives here:
 * argument checks, cutting a write into chunk time-slices (one transaction
 * each), merging new values into stored chunks, NaN-filled reads and the
 * per-series statistics. Backends (store_sqlite.c, store_mem.c) only keep
 * rows; see store_impl.h.
 */
#include "store/store_impl.h"
#include "zeropark/series.h"

#include <math.h>
#include <string.h>

/* Longest accepted series name, in bytes. */
#define STORE_NAME_MAX 256
/* Most values one zp_store_read returns (800 MB of doubles). */
#define STORE_READ_MAX ((size_t)100 * 1000 * 1000)

static const char *kind_name(zp_series_kind kind)
{
    const char *n = zp_series_kind_name(kind);
    return n ? n : "unknown";
}

static bool kind_valid(zp_series_kind kind)
{
    return zp_series_kind_name(kind) != NULL;
}

static zp_status check_name(zp_store *st, const char *name)
{
    if (!name || !name[0])
        return zp__error(st->ctx, ZP_EINVAL, "%s: a series needs a non-empty name", st->where);
    size_t n = strlen(name);
    char sh[96];
    if (n > STORE_NAME_MAX)
        return zp__error(st->ctx, ZP_EINVAL,
                         "%s: series name '%s' is longer than %d bytes; shorten it", st->where,
                         (zp__show(sh, sizeof sh, name, n, 40), sh), STORE_NAME_MAX);
    return ZP_OK;
}

/* A new series' name and unit: text that lists, prints and goes into JSON.
 * (Series stored by an older zeropark are read whatever their names.) */
static zp_status check_new(zp_store *st, const char *name, const char *unit)
{
    size_t n = strlen(name);
    char sh[96];
    const char *what;
    size_t bad = zp__name_check(name, n, &what);
    if (bad < n)
        return zp__error(st->ctx, ZP_EINVAL,
                         "%s: series name '%s' has %s (0x%02X at byte %zu); a name must be "
                         "UTF-8 text without control characters",
                         st->where, (zp__show(sh, sizeof sh, name, n, 80), sh), what,
                         (unsigned)(unsigned char)name[bad], bad + 1);
    n = unit ? strlen(unit) : 0;
    bad = unit ? zp__name_check(unit, n, &what) : 0;
    if (unit && bad < n) {
        return zp__error(st->ctx, ZP_EINVAL,
                         "%s: series '%s': unit '%s' has %s (0x%02X at byte %zu); a unit must "
                         "be UTF-8 text without control characters",
                         st->where, name, (zp__show(sh, sizeof sh, unit, n, 40), sh), what,
                         (unsigned)(unsigned char)unit[bad], bad + 1);
    }
    return ZP_OK;
}

static zp_status check_writable(zp_store *st, const char *what)
{
    if (st->flags & ZP_STORE_READONLY)
        return zp__error(st->ctx, ZP_EUNSUPPORTED,
                         "%s: cannot %s: the store was opened read-only", st->where, what);
    return ZP_OK;
}

int zp_store_schema_current(void) { return ZP__STORE_SCHEMA; }

zp_status zp_store_open(zp_ctx *ctx, const char *uri, unsigned flags, zp_store **out)
{
    zp_status rc = ZP_OK;
    zp_store *st = NULL;
    const zp__store_backend *be = &zp__store_sqlite;
    const char *path = uri;

    if (!ctx)
        return ZP_EINVAL;
    if (!uri || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_store_open: uri and out must not be NULL");
    *out = NULL;
    if (flags & ~(ZP_STORE_CREATE | ZP_STORE_READONLY | ZP_STORE_LOWMEM))
        return zp__error(ctx, ZP_EINVAL, "zp_store_open: unknown flags 0x%x", flags);
    if ((flags & ZP_STORE_CREATE) && (flags & ZP_STORE_READONLY))
        return zp__error(ctx, ZP_EINVAL,
                         "%s: ZP_STORE_CREATE and ZP_STORE_READONLY exclude each other", uri);
    if (strcmp(uri, "mem:") == 0) {
        be = &zp__store_mem;
        path = NULL;
    } else if (strncmp(uri, "sqlite:", 7) == 0) {
        path = uri + 7;
    } else if (strncmp(uri, "mem:", 4) == 0 || strncmp(uri, "postgres", 8) == 0) {
        return zp__error(ctx, ZP_EUNSUPPORTED,
                         "%s: unsupported store; use a file path, \"sqlite:PATH\" or \"mem:\"",
                         uri);
    }
    if (path && !path[0])
        return zp__error(ctx, ZP_EINVAL, "%s: the store needs a file name", uri);

    st = zp__calloc(ctx, 1, sizeof *st);
    if (!st)
        return zp__nomem(ctx);
    st->ctx = ctx;
    st->be = be;
    st->flags = flags;
    st->where = zp__strdup(ctx, path ? path : uri);
    st->scratch = zp__malloc(ctx, ZP__STORE_CHUNK * sizeof *st->scratch);
    if (!st->where || !st->scratch) {
        rc = zp__nomem(ctx);
        goto cleanup;
    }
    rc = be->open(st, path);
    if (rc)
        goto cleanup;
    *out = st;
    st = NULL;
cleanup:
    zp_store_close(st);
    return rc;
}

void zp_store_close(zp_store *st)
{
    if (!st)
        return;
    zp_ctx *ctx = st->ctx;
    if (st->be)
        st->be->close(st);
    zp__free(ctx, st->scratch);
    zp__free(ctx, st->where);
    zp__free(ctx, st);
}

const char *zp_store_backend(const zp_store *st) { return st ? st->be->name : NULL; }

int zp_store_schema_version(const zp_store *st) { return st ? st->schema_version : 0; }

/* ZP_ENOTFOUND for a missing series, naming the nearest stored name. */
static zp_status not_found(zp_store *st, const char *name)
{
    zp_store_series_info *info = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    const char **names = NULL;
    const char *near = NULL;

    /* Best effort: the suggestion is only a hint, so its failures are ignored. */
    if (st->be->series_all(st, &info, &ids, &n) == ZP_OK && n) {
        names = zp__calloc(st->ctx, n, sizeof *names);
        if (names) {
            for (size_t i = 0; i < n; i++)
                names[i] = info[i].name;
            near = zp__nearest(name, names, n);
        }
    }
    zp_status rc;
    if (near)
        rc = zp__error(st->ctx, ZP_ENOTFOUND, "%s: no series '%s' in the store; did you mean '%s'?",
                       st->where, name, near);
    else
        rc = zp__error(st->ctx, ZP_ENOTFOUND, "%s: no series '%s' in the store (it holds %zu)",
                       st->where, name, n);
    zp__free(st->ctx, names);
    zp__free(st->ctx, ids);
    zp_store_series_info_free(st->ctx, info, n);
    return rc;
}

zp_status zp_store_series_define(zp_store *st, const char *name, const char *unit,
                                 zp_series_kind kind, int32_t step_s)
{
    zp__store_row row;
    bool found = false;
    int64_t id = 0;
    zp_status rc;

    if (!st)
        return ZP_EINVAL;
    if ((rc = check_name(st, name)) || (rc = check_writable(st, "define a series")))
        return rc;
    if (!kind_valid(kind))
        return zp__error(st->ctx, ZP_EINVAL, "%s: series '%s': unknown kind %d", st->where, name,
                         (int)kind);
    if (step_s <= 0)
        return zp__error(st->ctx, ZP_EINVAL, "%s: series '%s': step must be > 0 s, not %d",
                         st->where, name, (int)step_s);
    if ((rc = st->be->series_find(st, name, &row, NULL, &found)))
        return rc;
    if (!found && (rc = check_new(st, name, unit)))
        return rc;
    if (found) {
        if (row.step_s == step_s && row.kind == kind)
            return ZP_OK;
        return zp__error(st->ctx, ZP_EEXISTS,
                         "%s: series '%s' already exists with step %d s and kind %s (asked for "
                         "step %d s, kind %s); use another name or resample the data",
                         st->where, name, (int)row.step_s, kind_name(row.kind), (int)step_s,
                         kind_name(kind));
    }
    return st->be->series_insert(st, name, unit, kind, step_s, &id);
}

/* Index of the first (dir > 0) or last (dir < 0) non-NaN value, or -1. */
static int64_t find_valid(const double *v, int64_t n, int dir)
{
    if (dir > 0) {
        for (int64_t k = 0; k < n; k++)
            if (!isnan(v[k]))
                return k;
    } else {
        for (int64_t k = n - 1; k >= 0; k--)
            if (!isnan(v[k]))
                return k;
    }
    return -1;
}

/* Fill first, last_end and count of info from the series' chunks. */
static zp_status series_stats(zp_store *st, int64_t id, zp_store_series_info *info)
{
    zp__store_span span;
    bool found = false;
    zp_status rc;

    info->first = info->last_end = 0;
    info->count = 0;
    if ((rc = st->be->series_span(st, id, &span)))
        return rc;
    if (!span.any || span.count == 0)
        return ZP_OK;
    info->count = span.count;
    if ((rc = st->be->chunk_get(st, id, span.first_chunk, st->scratch, &found)))
        return rc;
    int64_t k = find_valid(st->scratch, ZP__STORE_CHUNK, 1);
    info->first = span.first_chunk + (k < 0 ? 0 : k) * info->step_s;
    if ((rc = st->be->chunk_get(st, id, span.last_chunk, st->scratch, &found)))
        return rc;
    k = find_valid(st->scratch, ZP__STORE_CHUNK, -1);
    info->last_end = span.last_chunk + (k < 0 ? ZP__STORE_CHUNK : k + 1) * info->step_s;
    return ZP_OK;
}

zp_status zp_store_series_list(zp_store *st, zp_store_series_info **out, size_t *n)
{
    zp_status rc;
    zp_store_series_info *info = NULL;
    int64_t *ids = NULL;
    size_t count = 0;

    if (!st)
        return ZP_EINVAL;
    if (!out || !n)
        return zp__error(st->ctx, ZP_EINVAL, "zp_store_series_list: out and n must not be NULL");
    *out = NULL;
    *n = 0;
    if ((rc = st->be->series_all(st, &info, &ids, &count)))
        goto cleanup;
    for (size_t i = 0; i < count; i++)
        if ((rc = series_stats(st, ids[i], &info[i])))
            goto cleanup;
    *out = info;
    *n = count;
    info = NULL;
cleanup:
    zp_store_series_info_free(st->ctx, info, count);
    zp__free(st->ctx, ids);
    return rc;
}

zp_status zp_store_series_get(zp_store *st, const char *name, zp_store_series_info *out)
{
    zp__store_row row;
    bool found = false;
    zp_status rc;
    char *unit = NULL;

    if (!st)
        return ZP_EINVAL;
    if (!out)
        return zp__error(st->ctx, ZP_EINVAL, "zp_store_series_get: out must not be NULL");
    memset(out, 0, sizeof *out);
    if ((rc = check_name(st, name)))
        return rc;
    if ((rc = st->be->series_find(st, name, &row, &unit, &found)))
        return rc;
    if (!found)
        return not_found(st, name);
    out->unit = unit;
    out->kind = row.kind;
    out->step_s = row.step_s;
    out->name = zp__strdup(st->ctx, name);
    if (!out->name)
        rc = zp__nomem(st->ctx);
    else
        rc = series_stats(st, row.id, out);
    if (rc)
        zp_store_series_info_clear(st->ctx, out);
    return rc;
}

void zp_store_series_info_clear(zp_ctx *ctx, zp_store_series_info *info)
{
    if (!info)
        return;
    zp__free(ctx, info->name);
    zp__free(ctx, info->unit);
    memset(info, 0, sizeof *info);
}

void zp_store_series_info_free(zp_ctx *ctx, zp_store_series_info *info, size_t n)
{
    if (!info)
        return;
    for (size_t i = 0; i < n; i++)
        zp_store_series_info_clear(ctx, &info[i]);
    zp__free(ctx, info);
}

/* ---- writing -------------------------------------------------------------- */

/* Per-series state of one zp_store_write. */
typedef struct write_item {
    const zp_series *s;  /* the input */
    int64_t id;          /* backend key */
    bool define;         /* not stored yet: define it before writing */
    zp_time_t span;      /* seconds per chunk */
    zp_time_t end;       /* end of the input */
    zp_time_t next;      /* start of the next chunk to write; INT64_MAX when done */
} write_item;

/* Check one input series and find (or plan to define) its stored row. */
static zp_status write_prepare(zp_store *st, const zp_series *s, write_item *it)
{
    zp__store_row row;
    bool found = false;
    zp_status rc;

    if (!s)
        return zp__error(st->ctx, ZP_EINVAL, "%s: zp_store_write: series pointer is NULL",
                         st->where);
    if ((rc = check_name(st, s->name)))
        return rc;
    if (s->step_s <= 0)
        return zp__error(st->ctx, ZP_EINVAL, "%s: series '%s': step must be > 0 s, not %d",
                         st->where, s->name, (int)s->step_s);
    if (s->len && !s->v)
        return zp__error(st->ctx, ZP_EINVAL, "%s: series '%s' has %zu values but no array",
                         st->where, s->name, s->len);
    if (zp__store_floor(s->start, s->step_s) != s->start)
        return zp__error(st->ctx, ZP_EINVAL,
                         "%s: series '%s': start %lld is not on its %d s step grid (a multiple "
                         "of the step since 1970-01-01T00:00Z); align or resample it",
                         st->where, s->name, (long long)s->start, (int)s->step_s);
    /* Keep every instant (including a whole chunk past the end) far from
     * int64 overflow: +-2^62 s is 1.4e11 years. */
    const zp_time_t lim = (zp_time_t)1 << 62;
    if (s->start < -lim || s->start > lim || (uint64_t)s->len > (uint64_t)lim / (uint64_t)s->step_s ||
        s->start + (zp_time_t)s->len * s->step_s > lim)
        return zp__error(st->ctx, ZP_ERANGE, "%s: series '%s': time span out of range",
                         st->where, s->name);
    if ((rc = st->be->series_find(st, s->name, &row, NULL, &found)))
        return rc;
    if (!found) {
        if (!(st->flags & ZP_STORE_CREATE))
            return zp__error(st->ctx, ZP_ENOTFOUND,
                             "%s: series '%s' is not defined; define it with "
                             "zp_store_series_define or open the store with ZP_STORE_CREATE",
                             st->where, s->name);
        if (!kind_valid(s->kind))
            return zp__error(st->ctx, ZP_EINVAL, "%s: series '%s': unknown kind %d", st->where,
                             s->name, (int)s->kind);
        if ((rc = check_new(st, s->name, s->unit)))
            return rc;
        it->define = true;
    } else if (row.step_s != s->step_s) {
        return zp__error(st->ctx, ZP_EINVAL,
                         "%s: series '%s' is stored at step %d s but the data has step %d s; "
                         "resample it to %d s first",
                         st->where, s->name, (int)row.step_s, (int)s->step_s, (int)row.step_s);
    } else {
        it->id = row.id;
    }
    it->s = s;
    it->span = (zp_time_t)s->step_s * ZP__STORE_CHUNK;
    it->end = s->start + (zp_time_t)s->len * s->step_s;
    it->next = s->len ? zp__store_floor(s->start, it->span) : INT64_MAX;
    return ZP_OK;
}

/* Write the chunk of it that starts at it->next (inside a transaction).
 * *covered receives the number of input values it spans. */
static zp_status write_chunk(zp_store *st, const write_item *it, uint64_t *covered)
{
    const zp_series *s = it->s;
    const zp_time_t cs = it->next;
    /* chunk index k holds input index k + off */
    const int64_t off = (cs - s->start) / s->step_s;
    int64_t k0 = off < 0 ? -off : 0;
    int64_t k1 = (int64_t)s->len - off;
    if (k1 > ZP__STORE_CHUNK)
        k1 = ZP__STORE_CHUNK;
    *covered = (uint64_t)(k1 - k0);

    const double *in = s->v + off;
    int64_t nin = 0;
    for (int64_t k = k0; k < k1; k++)
        nin += !isnan(in[k]);
    if (nin == 0)
        return ZP_OK; /* NaN leaves stored values alone: nothing to do */
    if (nin == ZP__STORE_CHUNK) /* the input replaces the whole chunk */
        return st->be->chunk_put(st, it->id, cs, in, ZP__STORE_CHUNK);

    bool found = false;
    zp_status rc = st->be->chunk_get(st, it->id, cs, st->scratch, &found);
    if (rc)
        return rc;
    for (int64_t k = k0; k < k1; k++)
        if (!isnan(in[k]))
            st->scratch[k] = in[k];
    int32_t nvalid = 0;
    for (int64_t k = 0; k < ZP__STORE_CHUNK; k++)
        nvalid += !isnan(st->scratch[k]);
    return st->be->chunk_put(st, it->id, cs, st->scratch, nvalid);
}

zp_status zp_store_write(zp_store *st, const zp_series *const *s, size_t n,
                         zp_progress_fn progress, void *ud)
{
    zp_status rc;
    write_item *items = NULL;
    bool in_txn = false;
    uint64_t total = 0, done = 0;
    zp_time_t wmax = 0;

    if (!st)
        return ZP_EINVAL;
    if (n && !s)
        return zp__error(st->ctx, ZP_EINVAL, "zp_store_write: s must not be NULL");
    if ((rc = check_writable(st, "write series")))
        return rc;
    if (n == 0)
        return ZP_OK;
    items = zp__calloc(st->ctx, n, sizeof *items);
    if (!items)
        return zp__nomem(st->ctx);

    /* Check everything before the first change, so bad input never
     * half-writes the store. */
    for (size_t i = 0; i < n; i++) {
        if ((rc = write_prepare(st, s[i], &items[i])))
            goto cleanup;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(s[j]->name, s[i]->name) == 0) {
                rc = zp__error(st->ctx, ZP_EINVAL,
                               "%s: series '%s' is given twice in one write; merge them first",
                               st->where, s[i]->name);
                goto cleanup;
            }
        }
        total += s[i]->len;
        if (items[i].span > wmax)
            wmax = items[i].span;
    }
    for (size_t i = 0; i < n; i++) {
        if (!items[i].define)
            continue;
        const zp_series *si = items[i].s;
        if ((rc = st->be->series_insert(st, si->name, si->unit, si->kind, si->step_s,
                                        &items[i].id)))
            goto cleanup;
    }

    /* One slice = every chunk (of every series) that starts in
     * [t, t + wmax), starting from the earliest chunk not yet written.
     * Each slice is one transaction, so a crash loses at most one slice,
     * and skipping straight to the next chunk means gaps cost nothing. */
    for (;;) {
        zp_time_t t = INT64_MAX;
        for (size_t i = 0; i < n; i++)
            if (items[i].next < t)
                t = items[i].next;
        if (t == INT64_MAX)
            break;
        const zp_time_t slice_end = t + wmax;
        if ((rc = st->be->begin(st)))
            goto cleanup;
        in_txn = true;
        uint64_t slice_done = 0;
        for (size_t i = 0; i < n; i++) {
            write_item *it = &items[i];
            while (it->next < slice_end) {
                uint64_t covered = 0;
                if ((rc = write_chunk(st, it, &covered)))
                    goto cleanup;
                slice_done += covered;
                it->next += it->span;
                if (it->next >= it->end)
                    it->next = INT64_MAX;
            }
        }
        if ((rc = st->be->commit(st)))
            goto cleanup;
        in_txn = false;
        done += slice_done;
        if (progress && progress(ud, done, total)) {
            rc = zp__error(st->ctx, ZP_EINVAL,
                           "%s: write cancelled by the progress callback after %llu of %llu "
                           "values; the values written so far are committed",
                           st->where, (unsigned long long)done, (unsigned long long)total);
            goto cleanup;
        }
    }
cleanup:
    if (in_txn)
        st->be->rollback(st);
    zp__free(st->ctx, items);
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

/* A new series of len NaN values, named after the stored series. */
static zp_status series_alloc(zp_store *st, const char *name, const char *unit,
                              zp_series_kind kind, zp_time_t start, int32_t step_s, size_t len,
                              zp_series **out)
{
    zp_series *s = NULL;
    zp_status rc = zp_series_new(st->ctx, name, kind, start, step_s, len, &s);
    if (rc == ZP_OK && unit)
        rc = zp_series_set_unit(st->ctx, s, unit);
    if (rc) {
        zp_series_free(st->ctx, s);
        return rc;
    }
    for (size_t i = 0; i < len; i++)
        s->v[i] = NAN;
    *out = s;
    return ZP_OK;
}

zp_status zp_store_read(zp_store *st, const char *name, zp_time_t from, zp_time_t to,
                        zp_series **out)
{
    zp__store_row row;
    bool found = false;
    zp_status rc;
    zp_series *s = NULL;
    char *unit = NULL;

    if (!st)
        return ZP_EINVAL;
    if (!out)
        return zp__error(st->ctx, ZP_EINVAL, "zp_store_read: out must not be NULL");
    *out = NULL;
    if ((rc = check_name(st, name)))
        return rc;
    const zp_time_t lim = (zp_time_t)1 << 62;
    if (from < -lim || from > lim || to < -lim || to > lim)
        return zp__error(st->ctx, ZP_ERANGE, "%s: series '%s': read window out of range",
                         st->where, name);
    if (to < from)
        return zp__error(st->ctx, ZP_EINVAL,
                         "%s: series '%s': read window ends (%lld) before it starts (%lld)",
                         st->where, name, (long long)to, (long long)from);
    if ((rc = st->be->series_find(st, name, &row, &unit, &found)))
        return rc;
    if (!found)
        return not_found(st, name);
    const zp_time_t start = zp__store_floor(from, row.step_s);
    const zp_time_t end = zp__store_floor(to + row.step_s - 1, row.step_s);
    const uint64_t len = (uint64_t)((end - start) / row.step_s);
    if (len > STORE_READ_MAX) {
        rc = zp__error(st->ctx, ZP_ETOOBIG,
                       "%s: series '%s': reading %llu values at once is more than the limit "
                       "of %zu; read a shorter window",
                       st->where, name, (unsigned long long)len, STORE_READ_MAX);
        goto cleanup;
    }
    if ((rc = series_alloc(st, name, unit, row.kind, start, row.step_s, (size_t)len, &s)))
        goto cleanup;
    if (len && (rc = st->be->chunk_read(st, row.id, row.step_s, start, (size_t)len, s->v)))
        goto cleanup;
    *out = s;
    s = NULL;
cleanup:
    zp_series_free(st->ctx, s);
    zp__free(st->ctx, unit);
    return rc;
}

/* ---- runs ----------------------------------------------------------------- */

zp_status zp_store_run_save(zp_store *st, const zp_store_run *run, int64_t *id)
{
    zp_status rc;
    int64_t tmp = 0;

    if (!st)
        return ZP_EINVAL;
    if (!run)
        return zp__error(st->ctx, ZP_EINVAL, "zp_store_run_save: run must not be NULL");
    if ((rc = check_writable(st, "save a run")))
        return rc;
    if (!run->kind || !run->kind[0])
        return zp__error(st->ctx, ZP_EINVAL, "%s: a run needs a kind (\"simulate\", ...)",
                         st->where);
    if (!run->results_json)
        return zp__error(st->ctx, ZP_EINVAL, "%s: a run needs results_json", st->where);
    if ((rc = st->be->run_save(st, run, &tmp)))
        return rc;
    if (id)
        *id = tmp;
    return ZP_OK;
}

zp_status zp_store_run_get(zp_store *st, int64_t id, zp_store_run *out)
{
    bool found = false;
    zp_status rc;

    if (!st)
        return ZP_EINVAL;
    if (!out)
        return zp__error(st->ctx, ZP_EINVAL, "zp_store_run_get: out must not be NULL");
    memset(out, 0, sizeof *out);
    if ((rc = st->be->run_get(st, id, out, &found)))
        return rc;
    if (!found)
        return zp__error(st->ctx, ZP_ENOTFOUND, "%s: no run with id %lld", st->where,
                         (long long)id);
    return ZP_OK;
}

zp_status zp_store_run_count(zp_store *st, int64_t *count)
{
    if (!st)
        return ZP_EINVAL;
    if (!count)
        return zp__error(st->ctx, ZP_EINVAL, "zp_store_run_count: count must not be NULL");
    return st->be->run_count(st, count);
}
