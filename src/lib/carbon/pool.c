/*
 * pool.c - blocks owned together and freed together (carbon_impl.h): the
 * strings and arrays of a factor set, of an accounting input and of an
 * accounting result.
 */
#include "carbon/carbon_impl.h"

#include <string.h>

void *zp__cpool_calloc(zp_ctx *ctx, zp__cpool *p, size_t n, size_t size)
{
    if (zp__grow(ctx, (void **)&p->blocks, &p->cap, p->n + 1, sizeof *p->blocks))
        return NULL;
    void *b = zp__calloc(ctx, n ? n : 1, size);
    if (!b) {
        zp__nomem(ctx);
        return NULL;
    }
    return p->blocks[p->n++] = b;
}

char *zp__cpool_strdup(zp_ctx *ctx, zp__cpool *p, const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = zp__cpool_calloc(ctx, p, len, 1);
    if (d)
        memcpy(d, s, len);
    return d;
}

void zp__cpool_free(zp_ctx *ctx, zp__cpool *p)
{
    for (size_t i = 0; i < p->n; i++)
        zp__free(ctx, p->blocks[i]);
    zp__free(ctx, p->blocks);
    memset(p, 0, sizeof *p);
}
