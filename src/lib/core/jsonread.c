/*
 * jsonread.c - the one JSON reader (core/jsonread.h).
 */
#include "core/jsonread.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* ---- jansson's messages, in the user's words ------------------------------ */

/* jansson names its own flags and internals in a few messages; each is
 * given here as the user sees the problem. The rest of jansson's text (" near
 * '...'", " near end of file") is kept. */
static const struct {
    const char *jansson; /* the message's start as jansson writes it */
    const char *ours;    /* the same in the user's words */
    const char *advice;  /* what to do, after jansson's " near '...'"; or "" */
} json_words[] = {
    {"\\u0000 is not allowed without JSON_ALLOW_NUL",
     "a string holds \\u0000 (the NUL character), which is not allowed", "remove it"},
    {"NUL byte in object key not supported",
     "a key holds \\u0000 (the NUL character), which is not allowed", "remove it"},
    {"maximum parsing depth reached", "arrays and objects nested more than 2048 deep", ""},
    {"end of file expected", "text after the end of the JSON value",
     "a file holds one value (an object)"},
    {"premature end of input", "the text ends inside the JSON value",
     "is a '}', ']' or '\"' missing?"},
    {"duplicate object key", "a key appears twice in the same object", "keep one"},
    {"too big negative integer", "a number is too large (below -9223372036854775808)", ""},
    {"too big integer", "a number is too large (above 9223372036854775807)", ""},
    {"real number overflow", "a number is too large for a double (above 1.8e308)", ""},
    {"unable to decode byte", "the text is not UTF-8: byte", "save it as UTF-8"},
    {"Invalid UTF-8", "the text is not UTF-8", "save it as UTF-8"},
    {"wrong arguments", "no JSON text", ""},
};

const char *zp__json_errtext(const char *text, char *buf, size_t n)
{
    if (!text)
        return "";
    for (size_t i = 0; i < sizeof json_words / sizeof json_words[0]; i++) {
        size_t l = strlen(json_words[i].jansson);
        if (strncmp(text, json_words[i].jansson, l) == 0) {
            const char *adv = json_words[i].advice;
            snprintf(buf, n, "%s%s%s%s", json_words[i].ours, text + l, adv[0] ? "; " : "", adv);
            return buf;
        }
    }
    return text;
}

int zp__json_find_nul(const json_t *v, const char *path, char *out, size_t outsz)
{
    char sub[ZP_JSONPOS_PATH_MAX];
    if (json_is_string(v)) {
        if (strlen(json_string_value(v)) != json_string_length(v)) {
            snprintf(out, outsz, "%s", path);
            return 1;
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e) {
            zp__jsonpos_path_key(sub, sizeof sub, path, k);
            if (zp__json_find_nul(e, sub, out, outsz))
                return 1;
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            zp__jsonpos_path_index(sub, sizeof sub, path, i);
            if (zp__json_find_nul(json_array_get(v, i), sub, out, outsz))
                return 1;
        }
    }
    return 0;
}
