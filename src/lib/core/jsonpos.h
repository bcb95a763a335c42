/*
 * jsonpos.h - where each value of a JSON text is (internal).
 *
 * jansson builds a tree but records no positions, so diagnostics could not
 * say "model.json:14:9". zp__jsonpos_build() makes one pass over the same
 * text and records, for every value, its JSON path ("pv[0].tilt_deg") and
 * the 1-based line and column of its first character; for object members
 * also where the key starts (unknown-key errors point at the key).
 *
 * Columns count characters (UTF-8 code points), like jansson's own error
 * columns; a tab counts as one.
 *
 * The indexer is meant to run after jansson accepted the text, but it is
 * safe on any bytes: it never reads outside [buf, buf+len), stops quietly
 * at anything it does not understand, records nothing below
 * ZP_JSONPOS_MAX_DEPTH and at most ZP_JSONPOS_MAX_ENTRIES values. Values it
 * did not record simply have no position (lookups fail).
 *
 * Paths: the root is "", an object member is "parent.key" ("key" at the
 * root), an array element is "parent[i]". Keys are sanitised (control
 * bytes become '?') and paths are cut at ZP_JSONPOS_PATH_MAX - 1 bytes.
 * Build paths for lookups with zp__jsonpos_path_key/_index so both sides
 * agree byte for byte.
 */
#ifndef ZP_JSONPOS_H
#define ZP_JSONPOS_H

#include "zeropark/core.h"

#include <stddef.h>

#define ZP_JSONPOS_MAX_DEPTH 64
#define ZP_JSONPOS_MAX_ENTRIES 131072
#define ZP_JSONPOS_MAX_PATH_BYTES (8u << 20) /* all recorded paths together */
#define ZP_JSONPOS_PATH_MAX 256

typedef struct zp_jsonpos zp_jsonpos;

/* Where a value is. key_line/key_col are 0 for the root and array elements. */
typedef struct zp_jsonpos_loc {
    int line;     /* 1-based line of the value's first character */
    int col;      /* 1-based column of the value's first character */
    int key_line; /* line of the member's key (its opening quote), or 0 */
    int key_col;  /* column of the member's key, or 0 */
} zp_jsonpos_loc;

/* Index len bytes of JSON text. Returns ZP_OK (also for text it could only
 * partly index) or ZP_ENOMEM; *out is set only on success. Free with
 * zp__jsonpos_free. */
zp_status zp__jsonpos_build(zp_ctx *ctx, const char *buf, size_t len, zp_jsonpos **out);
/* Accepts NULL. */
void zp__jsonpos_free(zp_ctx *ctx, zp_jsonpos *jp);
/* Look a path up. Returns 1 and fills *loc when found, 0 otherwise (loc
 * zeroed). jp may be NULL. */
int zp__jsonpos_find(const zp_jsonpos *jp, const char *path, zp_jsonpos_loc *loc);
/* Number of values recorded (for tests). */
size_t zp__jsonpos_count(const zp_jsonpos *jp);

/* Path of member key of parent into buf (size >= 1), sanitised and cut to
 * fit. Returns buf. */
char *zp__jsonpos_path_key(char *buf, size_t size, const char *parent, const char *key);
/* Path of element idx of parent into buf. Returns buf. */
char *zp__jsonpos_path_index(char *buf, size_t size, const char *parent, size_t idx);

#endif
