/*
 * path.c - JSON paths into a document, as a sweep names what it changes in
 * the model ("storage[0].capex_cny_per_kwh", "targets[0].limit") and what
 * it reads from each result ("build.pv.roof_kwp"): their form, the value
 * at one, and setting one.
 *
 * A path is keys separated by '.' and array indexes written [N], the form
 * the model's own messages use. A key may itself hold dots (the plan's
 * "pv.roof_kwp"): at each object the longest key that the rest of the
 * path starts with wins.
 */
#include "sweep/sweep_impl.h"
#include "core/jsonread.h"

#include <stdio.h>
#include <string.h>

const char *sw__path_form(const char *path)
{
    const char *p = path;
    if (!*p)
        return "is empty";
    if (*p == '.' || *p == '[')
        return "must start with a key";
    while (*p) {
        if (*p == '[') {
            p++;
            if (*p < '0' || *p > '9')
                return "has '[' without an index: write [N], as in storage[0]";
            size_t digits = 0;
            while (*p >= '0' && *p <= '9')
                p++, digits++;
            if (digits > 9)
                return "has an index too large";
            if (*p != ']')
                return "has '[' without its ']': write [N], as in storage[0]";
            p++;
            if (*p && *p != '.' && *p != '[')
                return "needs '.' after ']' before the next key";
            continue;
        }
        if (*p == ']')
            return "has ']' without its '['";
        if (*p == '.') {
            p++;
            if (!*p || *p == '.' || *p == '[')
                return "has an empty key";
            continue;
        }
        p++;
    }
    return NULL;
}

/* The longest member key of obj that rest starts with, followed by the
 * end, '.' or '['. */
static const char *longest_key(json_t *obj, const char *rest, json_t **child)
{
    const char *best = NULL;
    size_t bestlen = 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t len = strlen(key);
        if (len > bestlen && strncmp(rest, key, len) == 0 &&
            (rest[len] == '\0' || rest[len] == '.' || rest[len] == '['))
            best = key, bestlen = len, *child = v;
    }
    return best;
}

/* The keys of obj, for did-you-mean: at most 64. */
static const char *nearest_key(json_t *obj, const char *word)
{
    const char *names[64];
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (n == ZP_ARRAY_LEN(names))
            break;
        names[n++] = key;
    }
    return zp__nearest(word, names, n);
}

/* why: the document (noun) has no key word in the object at the first
 * done bytes of path (the root when 0), with the nearest key of obj. */
static void no_key(json_t *obj, const char *word, const char *path, int done, const char *noun,
                   char *why, size_t n)
{
    const char *near = nearest_key(obj, word);
    char in[ZP_JR_PATH_MAX + 8] = "";
    if (done)
        snprintf(in, sizeof in, " in '%.*s'", done, path);
    snprintf(why, n, "%s has no '%s'%s%s%s%s", noun, word, in, near ? " (did you mean '" : "",
             near ? near : "", near ? "'?)" : "");
}

/* Walk path in doc. Stops at the value (returns it), or where the path
 * cannot go on: then *parent is the last container reached, *rest what
 * is left of the path (at a key or a '['), and why says so unless the
 * rest is one key that parent, an object, lacks (*creatable = 1). */
static json_t *walk(json_t *doc, const char *path, const char *noun, json_t **parent,
                    const char **rest, int *creatable, char *why, size_t n)
{
    json_t *node = doc;
    const char *r = path;
    *creatable = 0;
    why[0] = '\0';
    while (*r) {
        int done = (int)(r - path); /* the path so far, without its last '.' */
        if (done && path[done - 1] == '.')
            done--;
        *parent = node;
        *rest = r;
        if (*r == '[') {
            unsigned long idx = strtoul(r + 1, NULL, 10);
            if (!json_is_array(node)) {
                snprintf(why, n, "'%.*s' is %s in %s, not an array", done, path, zp__jr_type_name(node), noun);
                return NULL;
            }
            if (idx >= json_array_size(node)) {
                snprintf(why, n, "'%.*s' has %zu entr%s in %s; [%lu] is past its end", done, path,
                         json_array_size(node), json_array_size(node) == 1 ? "y" : "ies", noun, idx);
                return NULL;
            }
            node = json_array_get(node, idx);
            r = strchr(r, ']') + 1;
        } else {
            if (!json_is_object(node)) {
                snprintf(why, n, "'%.*s' is %s in %s, not an object", done, path, zp__jr_type_name(node), noun);
                return NULL;
            }
            json_t *child = NULL;
            const char *key = longest_key(node, r, &child);
            if (!key) {
                size_t klen = strcspn(r, ".[");
                char word[128];
                snprintf(word, sizeof word, "%.*s", (int)(klen < 127 ? klen : 127), r);
                if (r[klen] == '\0') {
                    *creatable = 1;
                    return NULL;
                }
                no_key(node, word, path, done, noun, why, n);
                return NULL;
            }
            node = child;
            r += strlen(key);
        }
        if (*r == '.')
            r++;
    }
    return node;
}

json_t *sw__path_get(json_t *doc, const char *path, const char *noun, char *why, size_t n)
{
    json_t *parent;
    const char *rest;
    int creatable;
    json_t *v = walk(doc, path, noun, &parent, &rest, &creatable, why, n);
    if (!v && creatable) {
        int done = (int)(rest - path);
        if (done && path[done - 1] == '.')
            done--;
        no_key(parent, rest, path, done, noun, why, n);
    }
    return v;
}

int sw__path_settable(json_t *doc, const char *path, const char *noun, char *why, size_t n)
{
    json_t *parent;
    const char *rest;
    int creatable;
    return walk(doc, path, noun, &parent, &rest, &creatable, why, n) || creatable ? 0 : -1;
}

int sw__path_set(json_t *doc, const char *path, json_t *value, const char *noun, char *why, size_t n)
{
    json_t *parent = NULL;
    const char *rest = path;
    int creatable;
    json_t *v = walk(doc, path, noun, &parent, &rest, &creatable, why, n);
    if (!v && !creatable)
        return -1;
    if (v) {
        /* walk stopped at the value: set it in the container it is in */
        if (*rest == '[')
            return json_array_set(parent, strtoul(rest + 1, NULL, 10), value) ? -1 : 0;
        json_t *child = NULL;
        const char *key = longest_key(parent, rest, &child);
        return json_object_set(parent, key, value) ? -1 : 0;
    }
    return json_object_set(parent, rest, value) ? -1 : 0;
}

int sw__path_within(const char *a, const char *b)
{
    size_t lb = strlen(b);
    return strncmp(a, b, lb) == 0 && (a[lb] == '\0' || a[lb] == '.' || a[lb] == '[');
}
