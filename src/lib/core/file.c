/*
 * file.c - a whole file into memory: the one whole-file reader of the
 * library (park models, CSV from pipes, ...), with a size cap and errors
 * that name the file and the cap (core/internal.h).
 *
 * A regular file is read into a buffer sized from its length; anything
 * else (a pipe, a FIFO, /dev/stdin, a process substitution) is read once,
 * in blocks, to its end: it cannot be read again. One byte past the cap is
 * read to tell "too big" from "exactly at the cap".
 */
#include "core/internal.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#define FIRST_BLOCK ((size_t)16384)

static zp_status too_big(zp_ctx *ctx, const char *path, size_t max, const char *what)
{
    if (what)
        return zp__error(ctx, ZP_ETOOBIG, "%s: the %s is larger than %zu bytes", path, what, max);
    return zp__error(ctx, ZP_ETOOBIG, "%s is larger than %zu bytes", path, max);
}

zp_status zp__file_read_stream(zp_ctx *ctx, FILE *f, const char *path, size_t max,
                               const char *what, char **out, size_t *outlen)
{
    char *buf = NULL;
    size_t cap = 0, len = 0, first = FIRST_BLOCK;
    zp_status rc = ZP_OK;
    struct stat st;
    *out = NULL;
    *outlen = 0;
    if (max > SIZE_MAX - 2)
        max = SIZE_MAX - 2;
    /* a regular file says how much is coming: one allocation */
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        first = (uint64_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
    for (;;) {
        if (len == cap) {
            if (len > max) {
                rc = too_big(ctx, path, max, what);
                goto out;
            }
            size_t ncap = cap ? (cap > max / 2 ? max + 1 : cap * 2) : first;
            if (ncap > max + 1)
                ncap = max + 1;
            char *nb = zp__realloc(ctx, buf, ncap + 1); /* + the NUL */
            if (!nb) {
                rc = zp__nomem(ctx);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = zp__error(ctx, ZP_EIO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (len > max) {
        rc = too_big(ctx, path, max, what);
        goto out;
    }
    if (!buf && !(buf = zp__malloc(ctx, 1))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    buf = NULL;
out:
    zp__free(ctx, buf);
    return rc;
}

zp_status zp__file_read(zp_ctx *ctx, const char *path, size_t max, const char *what, char **out,
                        size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return zp__error(ctx, ZP_EIO, "cannot open %s: %s", path, strerror(errno));
    zp_status rc = zp__file_read_stream(ctx, f, path, max, what, out, outlen);
    fclose(f);
    return rc;
}

zp_status zp_file_read_stream(zp_ctx *ctx, FILE *f, const char *path, size_t max,
                              const char *what, char **out, size_t *outlen)
{
    return zp__file_read_stream(ctx, f, path, max, what, out, outlen);
}
