/*
 * jsonread.h - the one JSON reader of the library and its front-ends
 * (internal).
 */
#ifndef ZP_JSONREAD_H
#define ZP_JSONREAD_H

#include "core/jsonpos.h"

#include <stddef.h>

/* jansson's error text in the user's words: the few messages that name
 * jansson's flags or internals (JSON_ALLOW_NUL, ...) are rewritten, the
 * rest (with its " near '...'") returned as is. buf (n bytes) may receive
 * the text; the result is buf or text. */
const char *zp__json_errtext(const char *text, char *buf, size_t n);
/* A JSON text parsed with JSON_ALLOW_NUL: the path (as zp__jsonpos builds
 * it, "" for the root) of the first string holding a NUL character into
 * out, and 1; 0 when there is none. */
struct json_t;
int zp__json_find_nul(const struct json_t *v, const char *path, char *out, size_t outsz);

#endif
