/*
 * zeropark/core.h - context, status codes, diagnostics and time handling.
 *
 * Main types and calls: zp_ctx (zp_ctx_new, zp_ctx_new_with_alloc,
 * zp_ctx_set_log, zp_ctx_errmsg, zp_ctx_set_error, zp_ctx_free); zp_status
 * with zp_strerror and zp_status_name, every code listed once in
 * ZP_STATUS_MAP; zp_diag (zp_ctx_diag_count, zp_ctx_diag_get,
 * zp_diag_format); time: zp_time_t, seconds since the Unix epoch, read and
 * written as ISO-8601 with an offset (zp_time_parse, zp_time_format), with
 * zp_fdiv and civil-date helpers; and the small helpers the front-ends share
 * with the library (zp_file_read_stream, zp_free, zp_nearest,
 * zp_json_errtext). Every other header builds on this one.
 *
 * Every library call that can fail takes a zp_ctx and returns a zp_status,
 * the message (where, and what to fix) left on the context. The context
 * holds the allocator, the log callback, the last error and a list of
 * diagnostics (problems found in input, each with file, line, column and
 * JSON path). The library keeps no global state; use one context per thread.
 */
#ifndef ZEROPARK_CORE_H
#define ZEROPARK_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ZP_BUILDING_LIB) && defined(__GNUC__)
#define ZP_API __attribute__((visibility("default")))
#else
#define ZP_API
#endif

#if defined(__GNUC__)
#define ZP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ZP_PRINTF(a, b)
#endif

#define ZP_VERSION_MAJOR 0
#define ZP_VERSION_MINOR 1
#define ZP_VERSION_PATCH 0
#define ZP_VERSION_STRING "0.1.0"

/* Status codes. 0 is success. Never renumbered; new codes go before
 * ZP_STATUS_LAST. X(name, value, message) */
#define ZP_STATUS_MAP(X)                                                   \
    X(ZP_OK, 0, "success")                                                 \
    X(ZP_ENOMEM, 1, "out of memory")                                       \
    X(ZP_EINVAL, 2, "invalid argument")                                    \
    X(ZP_EIO, 3, "input/output error")                                     \
    X(ZP_EPARSE, 4, "syntax error in input")                               \
    X(ZP_EMODEL, 5, "invalid park model")                                  \
    X(ZP_ENOTFOUND, 6, "not found")                                        \
    X(ZP_ERANGE, 7, "value out of range")                                  \
    X(ZP_ESTORE, 8, "storage error")                                       \
    X(ZP_ESOLVER, 9, "solver failed")                                      \
    X(ZP_EUNSUPPORTED, 10, "unsupported")                                  \
    X(ZP_ECORRUPT, 11, "data corrupt")                                     \
    X(ZP_EEXISTS, 12, "already exists")                                    \
    X(ZP_ETOOBIG, 13, "input too large")                                   \
    X(ZP_EDATA, 14, "bad data")

typedef enum zp_status {
#define ZP__ENUM(name, value, msg) name = value,
    ZP_STATUS_MAP(ZP__ENUM)
#undef ZP__ENUM
    ZP_STATUS_LAST
} zp_status;

/* Short static description of a status code ("out of memory"). */
ZP_API const char *zp_strerror(zp_status code);
/* Symbolic name of a status code ("ZP_ENOMEM"). */
ZP_API const char *zp_status_name(zp_status code);

/* Allocator: realloc semantics. nsize == 0 frees ptr and returns NULL.
 * Returning NULL for nsize > 0 means out of memory. */
typedef void *(*zp_alloc_fn)(void *ud, void *ptr, size_t nsize);

typedef enum zp_log_level {
    ZP_LOG_DEBUG = 0,
    ZP_LOG_INFO = 1,
    ZP_LOG_WARN = 2,
    ZP_LOG_ERROR = 3
} zp_log_level;

typedef void (*zp_log_fn)(void *ud, zp_log_level level, const char *msg);

typedef struct zp_ctx zp_ctx;

/* Create a context with the C allocator. Returns NULL only when out of memory. */
ZP_API zp_ctx *zp_ctx_new(void);
/* Create a context with a custom allocator (used for fault injection). */
ZP_API zp_ctx *zp_ctx_new_with_alloc(zp_alloc_fn fn, void *ud);
/* Free a context. Accepts NULL. */
ZP_API void zp_ctx_free(zp_ctx *ctx);
ZP_API void zp_ctx_set_log(zp_ctx *ctx, zp_log_fn fn, void *ud);

/* The last error: code and message. The message names where (file:line,
 * JSON path) and what to fix. Borrowed until the next call on ctx. */
ZP_API zp_status zp_ctx_errcode(const zp_ctx *ctx);
ZP_API const char *zp_ctx_errmsg(const zp_ctx *ctx);
ZP_API void zp_ctx_clear_error(zp_ctx *ctx);
/* Set the last error, as the library's own calls do, for a caller that
 * reports through the same context (the front-ends' own parts). The
 * message is cut to the context's buffer; ZP_ENOMEM takes no message
 * ("out of memory", nothing allocated). Returns code. */
ZP_API zp_status zp_ctx_set_error(zp_ctx *ctx, zp_status code, const char *fmt, ...)
    ZP_PRINTF(3, 4);

/* Diagnostics: problems found in input. Calls that validate input append
 * one diagnostic per problem (all of them, not only the first) and then
 * fail with an error summarising the count. */
typedef enum zp_severity { ZP_SEV_ERROR = 0, ZP_SEV_WARNING = 1, ZP_SEV_NOTE = 2 } zp_severity;

typedef struct zp_diag {
    zp_severity severity;
    const char *file;    /* file name, or NULL */
    int line;            /* 1-based line, 0 if unknown */
    int col;             /* 1-based column, 0 if unknown */
    const char *path;    /* JSON path such as "pv[0].tilt_deg", or NULL */
    const char *message; /* what is wrong and how to fix it */
} zp_diag;

ZP_API size_t zp_ctx_diag_count(const zp_ctx *ctx);
/* Borrowed until the diagnostics are cleared. NULL if i is out of range. */
ZP_API const zp_diag *zp_ctx_diag_get(const zp_ctx *ctx, size_t i);
ZP_API size_t zp_ctx_diag_errors(const zp_ctx *ctx);
ZP_API void zp_ctx_diag_clear(zp_ctx *ctx);
/* Format "file:line:col: path: message" (parts that are unknown are left
 * out) into buf. Returns the length that the full text needs, like snprintf. */
ZP_API int zp_diag_format(const zp_diag *d, char *buf, size_t bufsize);

/* ---- Time ---------------------------------------------------------------
 * Instants are int64 seconds since 1970-01-01T00:00:00Z (zp_time_t).
 * Text form is ISO-8601 / RFC 3339: YYYY-MM-DDTHH:MM[:SS[.fff]] followed by
 * Z or +HH:MM / -HH:MM (also +HHMM, +HH). A space may replace the T.
 * Fractional seconds are accepted and must be zero (steps are whole seconds). */
typedef int64_t zp_time_t;

/* Parse text of exactly len bytes. On success stores the instant and the
 * offset in minutes east of UTC. Without an offset the text is rejected,
 * unless default_offset_min is not ZP_TIME_NO_DEFAULT, in which case that
 * offset is used. Returns ZP_OK or ZP_EPARSE (no message set; the caller
 * knows where the text came from). */
#define ZP_TIME_NO_DEFAULT INT32_MIN
ZP_API zp_status zp_time_parse(const char *text, size_t len, int32_t default_offset_min,
                               zp_time_t *out, int32_t *offset_min);

/* Format t at the given offset as "YYYY-MM-DDTHH:MM:SS+HH:MM" (25 chars
 * plus NUL). buf must hold ZP_TIME_BUFSIZE bytes. Returns buf. */
#define ZP_TIME_BUFSIZE 48
ZP_API char *zp_time_format(zp_time_t t, int32_t offset_min, char *buf);

/* Free memory the library allocated for the caller with ctx's allocator
 * (the text of zp_file_read_stream). Accepts NULL. */
ZP_API void zp_free(zp_ctx *ctx, void *p);
/* The whole of the open stream f (path names it in messages; a pipe is
 * read once, to its end) into *out, allocated (zp_free) and
 * NUL-terminated, *outlen bytes before the NUL, at most max bytes. Errors:
 * ZP_EIO "cannot read PATH: REASON"; ZP_ETOOBIG "PATH: the WHAT is larger
 * than MAX bytes" ("PATH is larger than MAX bytes" when what is NULL);
 * ZP_ENOMEM. f stays open. */
ZP_API zp_status zp_file_read_stream(zp_ctx *ctx, FILE *f, const char *path, size_t max,
                                     const char *what, char **out, size_t *outlen);

/* The number of elements of array a. */
#define ZP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* jansson's error text (json_error_t.text) in the user's words: the few
 * messages that name jansson's flags or internals are rewritten, the rest
 * returned as is. buf (n bytes) may receive the text; the result is buf
 * or text. */
ZP_API const char *zp_json_errtext(const char *text, char *buf, size_t n);

/* a / b rounded toward minus infinity (b != 0): the day or step of a time
 * before 1970 or at a negative offset, as the library counts them. */
ZP_API int64_t zp_fdiv(int64_t a, int64_t b);

/* The name among names nearest to word ("did you mean ...?"), or NULL when
 * none is close: within 1 edit for a word of up to 3 bytes, 2 up to 8,
 * else 3. */
ZP_API const char *zp_nearest(const char *word, const char *const *names, size_t n);

/* Civil date <-> days since 1970-01-01 (proleptic Gregorian). */
ZP_API int64_t zp_days_from_civil(int64_t y, unsigned m, unsigned d);
ZP_API void zp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#ifdef __cplusplus
}
#endif
#endif
