/*
 * zeropark/jsonread.h - the library's JSON reader, for a front-end's own
 * JSON files (the config of `zeropark serve`): a text parsed with
 * positions, typed getters that build JSON paths ("mqtt.port"), unknown
 * keys with did-you-mean, and problems handed on as located diagnostics
 * or as the call's first error, in the caller's words. The park model,
 * its devices, the sites file and ledger arguments are read with the same
 * reader inside the library.
 *
 * Main types and calls: zp_jr, a document open for reading (zp_jr_opts,
 * zp_jr_opts_init, zp_jr_open_buf, zp_jr_root, zp_jr_free), its typed
 * getters (zp_jr_member, zp_jr_num, zp_jr_str_copy, zp_jr_pick for a name
 * among names, zp_jr_keys for unknown keys), the problems found
 * (zp_jr_problem, zp_jr_problems, zp_jr_report) and their wording
 * (zp_jr_words_default, or the caller's). It stands on core.h (zp_ctx,
 * zp_nearest) and jansson's json_t; the model, devices, sites and ledger
 * readers inside the library and the config of `zeropark serve` use it.
 * Errors are zp_status codes with the located message on the zp_ctx
 * (core.h).
 *
 * Getters read member key of obj, whose path is opath ("" for the root),
 * and return 1 when it is present and valid (*out holds it), 0 when it is
 * absent (*out holds the default; with ZP_JR_REQ that is a problem) and
 * -1 when it is present but wrong (reported; *out holds the default).
 */
#ifndef ZEROPARK_JSONREAD_H
#define ZEROPARK_JSONREAD_H

#include "zeropark/core.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Paths longer than ZP_JR_PATH_MAX - 1 bytes are cut. */
#define ZP_JR_PATH_MAX 256

typedef struct zp_jr zp_jr;

/* How problems are handed on. */
typedef enum zp_jr_mode {
    ZP_JR_SORTED, /* collected; the reader sends them to the context as
                     diagnostics sorted by line and column (unknown
                     positions last, ties in the order found); after the
                     flush each later problem is sent at once */
    ZP_JR_DIAG,   /* each is a diagnostic at once */
    ZP_JR_FIRST   /* the first sets the context's error, code opts.code,
                     "FILE: PATH: message" (FILE when opts.file is set, PATH
                     when not ""; no line:col); later ones are counted only */
} zp_jr_mode;

/* Flags of zp_jr_opts.flags (apart from the getters' flags below). */
#define ZP_JR_SKIP_BOM 0x100u     /* a leading UTF-8 byte order mark is skipped */
#define ZP_JR_NUL_AT_PATH 0x200u  /* a string holding \u0000 is a problem at its path
                                     (the park model); otherwise jansson refuses it as
                                     a syntax error without a path */
#define ZP_JR_SYNTAX_ERROR 0x400u /* ZP_JR_SORTED/_DIAG: a syntax error is the
                                     open's error, not a diagnostic (as in FIRST) */
#define ZP_JR_NULL_ABSENT 0x800u  /* a member holding null counts as absent */

typedef struct zp_jr_problem zp_jr_problem;
/* Write the message for p into msg (size bytes, always terminated). It may
 * change p->at. */
typedef void (*zp_jr_words_fn)(zp_jr_problem *p, char *msg, size_t size);

typedef struct zp_jr_opts {
    const char *file;     /* name in messages (borrowed for the reader's life), or NULL */
    const char *what;     /* the document's noun: "model" gives "FILE: the model is N
                             bytes; the limit is M" and stands for a NULL file there
                             and in syntax errors; default "document" */
    size_t max_bytes;     /* zp_jr_open_buf refuses a longer text (ZP_ETOOBIG); 0: no cap */
    unsigned flags;       /* ZP_JR_* above */
    zp_jr_mode mode;      /* default ZP_JR_SORTED */
    zp_status code;       /* ZP_JR_FIRST: the error's code; default ZP_EINVAL */
    size_t near_edits;    /* did-you-mean: names within this many edits; 0: zp_nearest's
                             rule (1, 2 or 3 by the length of the word) */
    zp_jr_words_fn words; /* wording; NULL: zp_jr_words_default */
    void *ud;             /* for words (zp_jr_problem.ud) */
} zp_jr_opts;

/* Where a message points. */
typedef enum zp_jr_at {
    ZP_JR_AT_VALUE, /* the value at path (its first character) */
    ZP_JR_AT_KEY,   /* the member's key (unknown keys, a field that should not be there) */
    ZP_JR_AT_NONE   /* nowhere: no path, no position (the message says it) */
} zp_jr_at;

/* A range a number must be in. */
typedef enum zp_jr_rg {
    ZP_JR_ANY,  /* any finite number */
    ZP_JR_GE,   /* v >= lo */
    ZP_JR_GT,   /* v > lo */
    ZP_JR_IN,   /* lo <= v <= hi */
    ZP_JR_GT_LE /* lo < v <= hi */
} zp_jr_rg;

typedef struct zp_jr_range {
    zp_jr_rg kind;    /* which comparison */
    double lo;        /* lower bound */
    double hi;        /* upper bound (ZP_JR_IN, ZP_JR_GT_LE) */
    const char *unit; /* for words that name it ("kW"), or NULL */
} zp_jr_range;

/* What a getter found wrong. */
typedef enum zp_jr_kind {
    ZP_JR_MISSING,     /* a required member is absent (at the object; key) */
    ZP_JR_TYPE,        /* the value is not want */
    ZP_JR_RANGE,       /* num outside range (or ival outside ilo..ihi when int64) */
    ZP_JR_NOT_WHOLE,   /* num is not a whole number */
    ZP_JR_TOO_LARGE,   /* num is a whole number too large for an int */
    ZP_JR_EMPTY,       /* an empty string */
    ZP_JR_TOO_LONG,    /* a string of len bytes, over max */
    ZP_JR_NUL,         /* a string holding \u0000 */
    ZP_JR_CONTROL,     /* a string holding a control character at byte len */
    ZP_JR_NOT_ONE_OF,  /* text is none of names */
    ZP_JR_UNKNOWN_KEY, /* key is none of names */
    ZP_JR_TOO_MANY     /* an array of len entries, over max */
} zp_jr_kind;

struct zp_jr_problem {
    zp_jr_kind kind;          /* what is wrong */
    zp_jr_at at;              /* where the message points: MISSING the object's value,
                                 UNKNOWN_KEY the key, the rest the value; words may change it */
    const char *opath;        /* the object's path (an array's for its elements; NULL
                                 from zp_jr_pick) */
    const char *path;         /* reported at this path (MISSING: the object's) */
    const char *key;          /* the member's key; NULL for an array element */
    const json_t *value;      /* the value; NULL for MISSING */
    const char *want;         /* TYPE, and MISSING from a typed getter: "a number", "an
                                 integer", "a string", "true or false", "an object",
                                 "an array" (NULL from zp_jr_member) */
    bool whole;               /* the getter wants a whole number (TYPE, RANGE) */
    bool int64;               /* RANGE of the int64 getter: ival, ilo, ihi hold it */
    double num;               /* RANGE, NOT_WHOLE, TOO_LARGE */
    zp_jr_range range;        /* RANGE; also TYPE and NOT_WHOLE from the number getters */
    int64_t ival, ilo, ihi;   /* RANGE when int64 */
    size_t len, max;          /* TOO_LONG, NUL, TOO_MANY (max 0: no cap); CONTROL: len
                                 is the byte */
    const char *text;         /* NOT_ONE_OF: the string */
    const char *const *names; /* NOT_ONE_OF, UNKNOWN_KEY: the names allowed */
    size_t nnames;            /* how many */
    const char *near;         /* NOT_ONE_OF, UNKNOWN_KEY: the nearest name, or NULL */
    void *ud;                 /* zp_jr_opts.ud */
};

/* Flags of the getters. */
#define ZP_JR_OPT 0x0u       /* absent is fine */
#define ZP_JR_REQ 0x1u       /* absent is ZP_JR_MISSING */
#define ZP_JR_WHOLE 0x2u     /* zp_jr_num: the number must be whole (20.0 is) */
#define ZP_JR_EMPTY_OK 0x4u  /* strings: "" is a value (default: ZP_JR_EMPTY) */
#define ZP_JR_NO_CONTROL 0x8u /* strings: bytes below 0x20 are ZP_JR_CONTROL */

/* ---- entry points ------------------------------------------------------------ */

/* The defaults: mode ZP_JR_SORTED, what "document", code ZP_EINVAL. */
ZP_API void zp_jr_opts_init(zp_jr_opts *o);
/* Parse len bytes of JSON text into a new reader *out (zp_jr_free).
 * ZP_OK; ZP_ETOOBIG over opts->max_bytes; ZP_EPARSE when the text is not
 * JSON (one problem, handed on as the mode says: in ZP_JR_FIRST mode the
 * context's error "FILE:LINE:COL: text"); ZP_ENOMEM. */
ZP_API zp_status zp_jr_open_buf(zp_ctx *ctx, const char *buf, size_t len, const zp_jr_opts *opts,
                                zp_jr **out);
/* Frees the reader and its tree. Accepts NULL. */
ZP_API void zp_jr_free(zp_jr *jr);
/* The root value (borrowed from the reader). */
ZP_API json_t *zp_jr_root(const zp_jr *jr);
/* Problems found so far (in every mode). */
ZP_API size_t zp_jr_problems(const zp_jr *jr);
/* Hand on one problem at path (a rule between fields, a value's meaning).
 * ZP_OK or ZP_ENOMEM. */
ZP_API zp_status zp_jr_report(zp_jr *jr, const char *path, zp_jr_at at, const char *fmt, ...)
    ZP_PRINTF(4, 5);
/* The member (borrowed) or NULL when absent; path receives its path
 * (ZP_JR_PATH_MAX bytes). ZP_JR_REQ reports it missing. */
ZP_API json_t *zp_jr_member(zp_jr *jr, json_t *obj, const char *opath, const char *key,
                            unsigned flags, char *path);
/* A number in rg (ZP_JR_WHOLE: also whole). */
ZP_API int zp_jr_num(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                     double def, zp_jr_range rg, double *out);
/* A string of at most size - 1 bytes copied into dst (left alone unless 1). */
ZP_API int zp_jr_str_copy(zp_jr *jr, json_t *obj, const char *opath, const char *key,
                          unsigned flags, char *dst, size_t size);
/* The index of text among names, or -1 after reporting ZP_JR_NOT_ONE_OF at
 * path (key names the member, may be NULL). */
ZP_API int zp_jr_pick(zp_jr *jr, const char *path, const char *key, const char *text,
                      const char *const *names, size_t n);
/* Every key of obj must be one of the n names known: each other one is
 * ZP_JR_UNKNOWN_KEY (at the key), with the nearest name. */
ZP_API void zp_jr_keys(zp_jr *jr, json_t *obj, const char *opath, const char *const *known,
                       size_t n);
/* The library's words for p (the park model's), for a words function to
 * fall back on. */
ZP_API void zp_jr_words_default(zp_jr_problem *p, char *msg, size_t size);

#ifdef __cplusplus
}
#endif
#endif
