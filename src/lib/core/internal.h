/*
 * internal.h - helpers shared by the library's modules (never installed).
 *
 * Allocation goes through the context's allocator; errors are set with
 * zp__error() which formats a message and returns the code, so a failing
 * function ends with `return zp__error(ctx, ZP_EIO, "...")`.
 */
#ifndef ZP_INTERNAL_H
#define ZP_INTERNAL_H

#include "zeropark/core.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* In a printf-like function: its arguments after fmt, formatted into the
 * array buf (cut to fit). */
#define ZP_VFORMAT(buf, fmt)                                                                       \
    do {                                                                                           \
        va_list zp_ap_;                                                                            \
        va_start(zp_ap_, fmt);                                                                     \
        vsnprintf(buf, sizeof(buf), fmt, zp_ap_);                                                  \
        va_end(zp_ap_);                                                                            \
    } while (0)

void *zp__malloc(zp_ctx *ctx, size_t n);
void *zp__calloc(zp_ctx *ctx, size_t count, size_t size);
void *zp__realloc(zp_ctx *ctx, void *p, size_t n);
/* Grow an array to hold at least need elements; *cap is updated. */
zp_status zp__grow(zp_ctx *ctx, void **arr, size_t *cap, size_t need, size_t elem);
void zp__free(zp_ctx *ctx, void *p);
char *zp__strdup(zp_ctx *ctx, const char *s);
char *zp__strndup(zp_ctx *ctx, const char *s, size_t n);
char *zp__asprintf(zp_ctx *ctx, const char *fmt, ...) ZP_PRINTF(2, 3);

/* Set the last error and return code. */
zp_status zp__error(zp_ctx *ctx, zp_status code, const char *fmt, ...) ZP_PRINTF(3, 4);
zp_status zp__verror(zp_ctx *ctx, zp_status code, const char *fmt, va_list ap) ZP_PRINTF(3, 0);
/* Set ZP_ENOMEM with a fixed message (does not allocate). */
zp_status zp__nomem(zp_ctx *ctx);

/* Append a diagnostic. file/path may be NULL. Returns ZP_OK or ZP_ENOMEM. */
zp_status zp__diag(zp_ctx *ctx, zp_severity sev, const char *file, int line, int col,
                   const char *path, const char *fmt, ...) ZP_PRINTF(7, 8);
zp_status zp__vdiag(zp_ctx *ctx, zp_severity sev, const char *file, int line, int col,
                    const char *path, const char *fmt, va_list ap) ZP_PRINTF(7, 0);

void zp__log(zp_ctx *ctx, zp_log_level level, const char *fmt, ...) ZP_PRINTF(3, 4);

/* A copy of s that ctx keeps until zp_ctx_free (one copy per distinct
 * text), for a borrowed string a function returns without a handle of its
 * own to hold it; NULL when out of memory (ZP_ENOMEM set). */
const char *zp__ctx_keep(zp_ctx *ctx, const char *s);
/* A new context with ctx's allocator and no log callback, for another
 * thread (the sweep's pool); NULL when out of memory. */
zp_ctx *zp__ctx_new_sibling(const zp_ctx *ctx);

/* Levenshtein distance (for did-you-mean), capped at cap+1. */
size_t zp__edit_distance(const char *a, const char *b, size_t cap);
/* Nearest candidate to word among n names, or NULL when none is close:
 * within 1 edit for a word of up to 3 bytes, 2 up to 8, else 3. */
const char *zp__nearest(const char *word, const char *const *names, size_t n);
/* The same within cap edits whatever the word's length (the first of the
 * nearest names wins). */
const char *zp__nearest_within(const char *word, const char *const *names, size_t n, size_t cap);

/* file.c: the whole file at path into *out (allocated, NUL-terminated;
 * *outlen bytes before the NUL), at most max bytes. A pipe, a FIFO or a
 * terminal is read once, to its end. Errors: ZP_EIO "cannot open PATH:
 * REASON" and "cannot read PATH: REASON"; ZP_ETOOBIG "PATH: the WHAT is
 * larger than MAX bytes" ("PATH is larger than MAX bytes" when what is
 * NULL); ZP_ENOMEM. */
zp_status zp__file_read(zp_ctx *ctx, const char *path, size_t max, const char *what, char **out,
                        size_t *outlen);
/* file.c: the same for the open stream f, path naming it in messages. */
zp_status zp__file_read_stream(zp_ctx *ctx, FILE *f, const char *path, size_t max,
                               const char *what, char **out, size_t *outlen);

/* Calendar arithmetic, inline for per-step loops: a / b rounded toward
 * minus infinity (b != 0; times before 1970, negative offsets), the one
 * floor division of the library. */
static inline int64_t zp__fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
/* The local day (days since 1970-01-01 on the local calendar) of instant t
 * at UTC offset off_min. */
static inline int64_t zp__local_day(zp_time_t t, int32_t off_min)
{
    return zp__fdiv(t + (int64_t)off_min * 60, 86400);
}

/* A database about to be created (a store, a credit ledger) is created
 * here first as an empty file of mode 0600, whatever the umask: SQLite
 * would make it 0644 less the umask, and gives its -wal, -shm and journal
 * files the database's mode. An existing file, ":memory:" and "" are left
 * alone; a failure is left to SQLite's open to report. */
void zp__db_create_private(const char *path);
/* Before a database is opened (a store, a credit ledger): a file that is
 * there must be an SQLite database (or empty), else ZP_EDATA saying what it
 * is ("PATH is not a WHAT: it is a CSV text file, not an SQLite database;
 * FIX"); a directory is ZP_EINVAL; a file to be created (create) needs its
 * directory, else ZP_ENOTFOUND naming it. "" and ":memory:" pass. */
zp_status zp__db_path_check(zp_ctx *ctx, const char *path, int create, const char *what,
                            const char *fix);
/* csvtok.c: where the text [s, s+n) stops being a clean name (UTF-8 without
 * control characters): the offset of the first byte that is not UTF-8 or
 * begins a control character (C0, DEL, C1), *what saying which; n (and
 * *what NULL) when it is clean. */
size_t zp__name_check(const char *s, size_t n, const char **what);
/* csv.c: header names of the CSV text buf (as zp_csv_header_file). */
zp_status zp__csv_header_buf(zp_ctx *ctx, const char *path, const char *buf, size_t len,
                             char ***out, size_t *nout);
/* csv.c: read f to its end into *out (allocated, *outlen bytes; at most
 * 2 GiB), path naming it in messages: a pipe or a terminal is read once. */
zp_status zp__slurp(zp_ctx *ctx, FILE *f, const char *path, char **out, size_t *outlen);
/* csvtok.c: copy [p, p+n) into dst (cap >= 5) for a message: at most max
 * bytes, cut between characters, control characters and bytes that are
 * not UTF-8 as '?', "..." when cut. Returns the length written. */
size_t zp__show(char *dst, size_t cap, const char *p, size_t n, size_t max);
/* csv.c: the whole text [b, e) as a number in the CSV reader's decimal
 * syntax (digits, '.', an exponent; no hex, inf or nan): 1 and *out, or 0
 * when it is not such a number. Beyond the range of a double it reads as
 * +-HUGE_VAL (or 0) for the caller's range check to refuse. */
int zp__csv_number(const char *b, const char *e, double *out);

/* weather/pv: the solar-position input for a site and its weather
 * (refraction from the weather's mean temperature and pressure, else the
 * standard atmosphere at the elevation). Types from weather.h/solar.h. */
struct zp_site;
struct zp_weather_data;
struct zp_spa_input;
void zp__weather_spa_input(const struct zp_site *site, const struct zp_weather_data *w,
                           struct zp_spa_input *in);

/* carbon/factors.c: parse one factor table (which: 0 grid, 1 fuels, 2 heat, 3 gwp,
 * 4 power_coal, modulo 5) from a buffer into a throw-away set (fuzzing). */
zp_status zp__factor_table_parse(zp_ctx *ctx, unsigned which, const char *buf, size_t len);

/* carbon/factors.c: the local calendar year of instant t at offset off_min. */
int zp__local_year(zp_time_t t, int32_t off_min);
/* carbon/factors.c: grid regions with a factor of kind in fs, case-insensitively
 * distinct, into names (at most cap; borrowed from fs); the count. */
struct zp_factor_set;
size_t zp__grid_regions(const struct zp_factor_set *fs, const char *kind, const char **names,
                        size_t cap);
/* carbon/factors.c: sorted distinct years of region and kind in fs into years (at
 * most cap); the count. */
size_t zp__grid_years(const struct zp_factor_set *fs, const char *region, const char *kind,
                      int *years, size_t cap);


#endif
