/*
 * jsonread.h - the one JSON reader of the library and its front-ends
 * (internal).
 *
 * Every JSON input goes through a zp_jr ("JSON reader"): the park model
 * (model/model.c), its "devices" (model/devices.c), the sites file of
 * the scheduler (sched/sites.c), the config of `zeropark serve`
 * (src/server/config.c) and the arguments of ledger operations
 * (ledger/ledger.c). It does the work those readers share:
 *
 *   - loading: a text (with a size cap, an optional UTF-8 byte order mark)
 *     is parsed by jansson, duplicate keys refused, and indexed by
 *     core/jsonpos.c so that every value has a line and a column; a syntax
 *     error is said in the user's words (zp__json_errtext), not jansson's.
 *     A tree parsed elsewhere can be read too (no positions then).
 *   - typed getters for object members (number with a range, whole number,
 *     string, boolean, one of a set of names, object, array) that build
 *     the JSON path of what they read ("pv[0].tilt_deg");
 *   - the unknown-key check with did-you-mean (zp__nearest);
 *   - problems, handed on in one of three ways (zp_jr_mode): collected and
 *     sorted by position like a compiler's (the park model), sent to the
 *     context one by one as they are found (devices, sites), or the first
 *     one as the call's error (serve config, ledger arguments).
 *
 * A diagnostic reads "file:line:col: json.path: message" (zp_diag_format).
 *
 * Wording. The readers above grew up separately and word the same problem
 * differently ("expected a number, got a string", "must be a number",
 * "expected a whole number 1..1440"); tests and users rely on each. So the
 * getters find the problem and describe it in a zp_jr_problem, and a words
 * function (zp_jr_opts.words) turns that into the message. The default,
 * zp__jr_words_default, is the park model's wording; a reader with its own
 * writes a words function for the kinds it words differently and passes
 * the rest to the default. Messages a getter cannot know (a rule between
 * two fields, "soc_min must be less than soc_max") are sent with
 * zp__jr_report.
 *
 * Getters: each reads member key of obj, whose path is opath ("" for the
 * root; "args" for ledger arguments), and returns
 *    1  present and valid: *out holds it;
 *    0  absent: *out holds the default; with ZP_JR_REQ that is a problem
 *       (ZP_JR_MISSING, reported at the object);
 *   -1  present but wrong: reported; *out holds the default.
 * obj may be NULL (absent, never missing). Paths longer than
 * ZP_JR_PATH_MAX - 1 bytes are cut (core/jsonpos.h).
 *
 * How each reader maps onto this API (the ones not yet converted keep
 * their words; see the words functions named):
 *   model/model.c      ZP_JR_SORTED, ZP_JR_SKIP_BOM | ZP_JR_NUL_AT_PATH,
 *                      default words (converted).
 *   src/server/config.c ZP_JR_FIRST, near_edits 3, its own words (config
 *                      words: "expected a string", "expected a whole number
 *                      1..1440", "unknown key; did you mean 'x'?")
 *                      (converted).
 *   model/devices.c    the model's "devices": read with the model's reader
 *                      (after its flush, so they follow its problems in
 *                      the order found) or alone (zp_devices_load_*,
 *                      ZP_JR_DIAG, ZP_JR_SKIP_BOM); words (zp__jr_set_words)
 *                      the default but for UNKNOWN_KEY ("unknown key
 *                      '%.60s'; ... this object takes no such field") and
 *                      NOT_ONE_OF (the names quoted 'a', 'b', the value
 *                      raw); its enum_field is zp__jr_str_copy into
 *                      char[64] then zp__jr_pick; its arrays check their
 *                      own caps (converted).
 *   sched/sites.c      ZP_JR_DIAG with ZP_JR_SYNTAX_ERROR (a syntax error
 *                      is the call's ZP_EPARSE "FILE:L:C: text", what
 *                      "sites"); snum is zp__jr_num (no ZP_JR_REQ) with
 *                      words TYPE "must be a number", RANGE "%.15g is out
 *                      of range: use LO..HI UNIT" (zp_jr_range.unit);
 *                      unknown keys are zp__jr_keys with words UNKNOWN_KEY
 *                      "unknown key '%s' (did you mean '%s'?)"; the rest
 *                      is zp__jr_report (ZP_JR_AT_VALUE/_KEY); sseries
 *                      stays sched's, built on zp__jr_member and
 *                      zp__jr_report (converted).
 *   ledger/ledger.c    ZP_JR_FIRST, code ZP_EINVAL, ZP_JR_NULL_ABSENT,
 *                      zp__jr_open_tree on the args object, opath "args";
 *                      lg__arg_str is zp__jr_str (max 1000,
 *                      ZP_JR_NO_CONTROL, ZP_JR_EMPTY_OK unless required),
 *                      lg__arg_int is zp__jr_int64, check_keys is
 *                      zp__jr_keys; words: MISSING "missing (a text is
 *                      required)" or "(a whole number ...)" by want, TYPE
 *                      "must be a text" / "must be a whole
 *                      number (...)", RANGE "%lld is out of range [%lld,
 *                      %lld]", UNKNOWN_KEY with the operation's name from
 *                      ud; it keeps "args.%.64s" by setting ZP_JR_AT_NONE
 *                      and writing the path itself.
 */
#ifndef ZP_JSONREAD_H
#define ZP_JSONREAD_H

#include "core/jsonpos.h"
#include "zeropark/core.h"
#include "zeropark/jsonread.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The types, flags and words of the reader are public (zeropark/jsonread.h,
 * with the entry points the front-ends use); positions are core/jsonpos.c's. */
_Static_assert(ZP_JR_PATH_MAX == ZP_JSONPOS_PATH_MAX, "one path size");







/* The defaults above (never fails). */
void zp__jr_opts_init(zp_jr_opts *o);

/* Parse len bytes of JSON text (buf may be NULL when len is 0) into a new
 * reader *out (free with zp__jr_free). Returns
 *   ZP_OK       *out is ready;
 *   ZP_ETOOBIG  len is over opts->max_bytes (the context's error, as above);
 *   ZP_EPARSE   the text is not JSON (or, with ZP_JR_NUL_AT_PATH, a string
 *               holds \u0000): one problem, sent at once in SORTED and DIAG
 *               mode as a diagnostic at jansson's line:col with its text in
 *               the user's words, or in FIRST mode and with
 *               ZP_JR_SYNTAX_ERROR the context's error "FILE:LINE:COL: text";
 *               *out is NULL;
 *   ZP_ENOMEM. */
zp_status zp__jr_open_buf(zp_ctx *ctx, const char *buf, size_t len, const zp_jr_opts *opts,
                          zp_jr **out);
/* A reader over a tree parsed elsewhere (borrowed, not freed; no
 * positions: lines and columns are 0). ZP_OK or ZP_ENOMEM. */
zp_status zp__jr_open_tree(zp_ctx *ctx, json_t *root, const zp_jr_opts *opts, zp_jr **out);
/* Frees what the reader owns (the parsed tree too). Accepts NULL. Problems
 * still collected and not flushed are dropped. */
void zp__jr_free(zp_jr *jr);
/* Word what follows with words (NULL: zp__jr_words_default) and ud, as
 * for a part of a document worded its own way (the model's "devices").
 * Returns the words in use until now; *old_ud (when not NULL) gets their
 * ud, so the caller can put them back. */
zp_jr_words_fn zp__jr_set_words(zp_jr *jr, zp_jr_words_fn words, void *ud, void **old_ud);
/* The root value (borrowed from the reader). */
json_t *zp__jr_root(const zp_jr *jr);
/* SORTED: send the collected problems as diagnostics, sorted (later ones
 * go out at once). Other modes: nothing to do. ZP_OK or ZP_ENOMEM. */
zp_status zp__jr_flush(zp_jr *jr);
/* Problems found so far (all modes, also those FIRST mode drops). */
size_t zp__jr_problems(const zp_jr *jr);
/* ZP_ENOMEM once memory ran out in the reader (sticky); else in FIRST mode
 * opts.code once a problem was found; else ZP_OK. */
zp_status zp__jr_status(const zp_jr *jr);

/* ---- problems ------------------------------------------------------------- */

/* Send (or collect, per the mode) one problem at path. ZP_OK, or ZP_ENOMEM
 * (also sticky in the reader). The public entry (zeropark/jsonread.h),
 * which the library calls by its internal name too; and with a va_list. */
#define zp__jr_report zp_jr_report
zp_status zp__jr_vreport(zp_jr *jr, const char *path, zp_jr_at at, const char *fmt, va_list ap)
    ZP_PRINTF(4, 0);
/* Line and column of path (0, 0 when unknown). */
void zp__jr_position(const zp_jr *jr, const char *path, zp_jr_at at, int *line, int *col);


static inline zp_jr_range zp__jr_any(void)
{
    zp_jr_range r = {ZP_JR_ANY, 0, 0, NULL};
    return r;
}
static inline zp_jr_range zp__jr_ge(double lo)
{
    zp_jr_range r = {ZP_JR_GE, lo, 0, NULL};
    return r;
}
static inline zp_jr_range zp__jr_gt(double lo)
{
    zp_jr_range r = {ZP_JR_GT, lo, 0, NULL};
    return r;
}
static inline zp_jr_range zp__jr_in(double lo, double hi)
{
    zp_jr_range r = {ZP_JR_IN, lo, hi, NULL};
    return r;
}
static inline zp_jr_range zp__jr_gt_le(double lo, double hi)
{
    zp_jr_range r = {ZP_JR_GT_LE, lo, hi, NULL};
    return r;
}
/* 1 when v satisfies rg. */
int zp__jr_range_ok(zp_jr_range rg, double v);
/* Why v is outside rg, in the default words ("120 is out of range 0..90"). */
void zp__jr_range_text(zp_jr_range rg, double v, char *buf, size_t size);



/* The park model's words:
 *   MISSING     missing required field 'KEY'
 *   TYPE        expected WANT, got a string
 *   RANGE       zp__jr_range_text ("%lld is out of range %lld..%lld" when int64)
 *   NOT_WHOLE   expected an integer, got 2.5
 *   TOO_LARGE   3e+12 is too large
 *   EMPTY       must not be empty
 *   TOO_LONG    too long (N bytes); at most M
 *   NUL         must not contain a NUL character
 *   CONTROL     holds a control character at byte N; remove it
 *   NOT_ONE_OF  'x' is not one of a, b, c[; did you mean 'a'?]
 *   UNKNOWN_KEY unknown key 'k'; did you mean 'a'? | ...; expected one of: a, b
 *   TOO_MANY    too many entries (N); at most M are allowed
 * Text from the document is shown with zp__jr_shown. */
void zp__jr_words_default(zp_jr_problem *p, char *msg, size_t size);

/* ---- getters -------------------------------------------------------------- */


/* The member (borrowed) or NULL when absent; path receives its path
 * (ZP_JR_PATH_MAX bytes). ZP_JR_REQ reports it missing. */
json_t *zp__jr_member(zp_jr *jr, json_t *obj, const char *opath, const char *key,
                      unsigned flags, char *path);
/* A number in rg (ZP_JR_WHOLE: also whole). Order of checks: TYPE,
 * NOT_WHOLE, RANGE. */
int zp__jr_num(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
               double def, zp_jr_range rg, double *out);
/* A whole number (20.0 is 20) in rg that an int holds with room to spare
 * (|v| <= INT_MAX / 2, else TOO_LARGE after RANGE). TYPE wants "an integer". */
int zp__jr_int(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
               int def, zp_jr_range rg, int *out);
/* A JSON integer (2, not 2.0: anything else is TYPE, want "an integer")
 * in lo..hi. */
int zp__jr_int64(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                 int64_t def, int64_t lo, int64_t hi, int64_t *out);
/* A string, borrowed from the tree (*out NULL unless 1). Checks in order:
 * TYPE, EMPTY (unless ZP_JR_EMPTY_OK), TOO_LONG (max > 0: at most max
 * bytes), NUL, CONTROL (with ZP_JR_NO_CONTROL). */
int zp__jr_str(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
               size_t max, const char **out);
/* zp__jr_str with max = size - 1, copied into dst (size >= 2) when 1;
 * dst is left alone otherwise. */
int zp__jr_str_copy(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                    char *dst, size_t size);
/* true or false (*out 0 when absent). TYPE wants "true or false". */
int zp__jr_bool(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                int *out);
/* A string among names (zp__jr_str, then zp__jr_pick); *out its index. */
int zp__jr_enum(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                const char *const *names, size_t n, int def, int *out);
/* The index of text among names, or -1 after reporting NOT_ONE_OF at path
 * (key names the member in the problem, may be NULL). */
int zp__jr_pick(zp_jr *jr, const char *path, const char *key, const char *text,
                const char *const *names, size_t n);
/* An object member (NULL when absent or not an object: TYPE reported). */
json_t *zp__jr_obj(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                   char *path);
/* An array member of at most max entries (NULL when absent, not an array
 * or longer: TYPE or TOO_MANY reported). */
json_t *zp__jr_arr(zp_jr *jr, json_t *obj, const char *opath, const char *key, unsigned flags,
                   size_t max, char *path);
/* Element i of arr (path apath) when it is an object, else NULL (TYPE
 * reported, key NULL); path receives the element's path. */
json_t *zp__jr_elem_obj(zp_jr *jr, json_t *arr, const char *apath, size_t i, char *path);
/* Every key of obj must be one of the n names known: each other one is
 * ZP_JR_UNKNOWN_KEY (at the key), with the nearest name. */
void zp__jr_keys(zp_jr *jr, json_t *obj, const char *opath, const char *const *known,
                 size_t n);

/* ---- words ---------------------------------------------------------------- */

/* "an object", "an array", "a string", "a number", "a boolean", "null". */
const char *zp__jr_type_name(const json_t *j);
/* s for a message: control bytes as '?', cut after 64 bytes with "..."
 * (buf of size >= 5). Returns buf. */
const char *zp__jr_shown(const char *s, char *buf, size_t size);
/* names joined as "a, b, c" into buf (the last one that does not fit is
 * cut). Returns buf. */
const char *zp__jr_join(const char *const *names, size_t n, char *buf, size_t size);

/* jansson's error text in the user's words: the few messages that name
 * jansson's flags or internals (JSON_ALLOW_NUL, ...) are rewritten, the
 * rest (with its " near '...'") returned as is. buf (n bytes) may receive
 * the text; the result is buf or text. */
const char *zp__json_errtext(const char *text, char *buf, size_t n);
/* A JSON text parsed with JSON_ALLOW_NUL: the path (as zp__jsonpos builds
 * it, "" for the root) of the first string holding a NUL character into
 * out, and 1; 0 when there is none. */
int zp__json_find_nul(const json_t *v, const char *path, char *out, size_t outsz);

#endif
