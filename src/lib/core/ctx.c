/*
 * ctx.c - the library context: allocator, last error, diagnostics, log.
 */
#include "core/internal.h"
#include "zeropark/zeropark.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZP_ERRMSG_MAX 2048

struct zp_ctx {
    zp_alloc_fn alloc;      /* allocator, realloc semantics */
    void *alloc_ud;         /* allocator user data */
    zp_log_fn log;          /* log callback or NULL */
    void *log_ud;           /* log user data */
    zp_status errcode;      /* last error code */
    char errmsg[ZP_ERRMSG_MAX]; /* last error message */
    zp_diag *diags;         /* diagnostics, strings owned */
    size_t ndiags;          /* diagnostics in use */
    size_t capdiags;        /* diagnostics allocated */
    char **kept;            /* strings kept until zp_ctx_free (zp__ctx_keep) */
    size_t nkept, capkept;  /* kept strings in use, allocated */
};

static void *default_alloc(void *ud, void *ptr, size_t nsize)
{
    (void)ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

zp_ctx *zp_ctx_new_with_alloc(zp_alloc_fn fn, void *ud)
{
    if (!fn)
        fn = default_alloc;
    zp_ctx *ctx = fn(ud, NULL, sizeof *ctx);
    if (!ctx)
        return NULL;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = fn;
    ctx->alloc_ud = ud;
    return ctx;
}

zp_ctx *zp_ctx_new(void) { return zp_ctx_new_with_alloc(NULL, NULL); }

zp_ctx *zp__ctx_new_sibling(const zp_ctx *ctx) { return zp_ctx_new_with_alloc(ctx->alloc, ctx->alloc_ud); }

void zp_ctx_free(zp_ctx *ctx)
{
    if (!ctx)
        return;
    zp_ctx_diag_clear(ctx);
    zp__free(ctx, ctx->diags);
    for (size_t i = 0; i < ctx->nkept; i++)
        zp__free(ctx, ctx->kept[i]);
    zp__free(ctx, ctx->kept);
    ctx->alloc(ctx->alloc_ud, ctx, 0);
}

const char *zp__ctx_keep(zp_ctx *ctx, const char *s)
{
    for (size_t i = 0; i < ctx->nkept; i++)
        if (strcmp(ctx->kept[i], s) == 0)
            return ctx->kept[i];
    char *d;
    if (zp__grow(ctx, (void **)&ctx->kept, &ctx->capkept, ctx->nkept + 1, sizeof *ctx->kept))
        return NULL;
    if (!(d = zp__strdup(ctx, s))) {
        zp__nomem(ctx);
        return NULL;
    }
    return ctx->kept[ctx->nkept++] = d;
}

void zp_ctx_set_log(zp_ctx *ctx, zp_log_fn fn, void *ud)
{
    ctx->log = fn;
    ctx->log_ud = ud;
}

void *zp__malloc(zp_ctx *ctx, size_t n)
{
    if (n == 0)
        n = 1;
    return ctx->alloc(ctx->alloc_ud, NULL, n);
}

void *zp__calloc(zp_ctx *ctx, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t bytes = count * size;
    if (bytes == 0)
        bytes = 1;
    void *p = zp__malloc(ctx, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void *zp__realloc(zp_ctx *ctx, void *p, size_t n)
{
    if (n == 0)
        n = 1;
    return ctx->alloc(ctx->alloc_ud, p, n);
}

void zp__free(zp_ctx *ctx, void *p)
{
    if (p)
        ctx->alloc(ctx->alloc_ud, p, 0);
}

void zp_free(zp_ctx *ctx, void *p) { zp__free(ctx, p); }

zp_status zp__grow(zp_ctx *ctx, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return ZP_OK;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return zp__nomem(ctx);
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem)
        return zp__nomem(ctx);
    void *p = zp__realloc(ctx, *arr, ncap * elem);
    if (!p)
        return zp__nomem(ctx);
    *arr = p;
    *cap = ncap;
    return ZP_OK;
}

char *zp__strndup(zp_ctx *ctx, const char *s, size_t n)
{
    char *d = zp__malloc(ctx, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *zp__strdup(zp_ctx *ctx, const char *s)
{
    return s ? zp__strndup(ctx, s, strlen(s)) : NULL;
}

char *zp__asprintf(zp_ctx *ctx, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = NULL;
    if (n >= 0) {
        s = zp__malloc(ctx, (size_t)n + 1);
        if (s)
            vsnprintf(s, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    return s;
}

zp_status zp__verror(zp_ctx *ctx, zp_status code, const char *fmt, va_list ap)
{
    ctx->errcode = code;
    vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
    return code;
}

zp_status zp__error(zp_ctx *ctx, zp_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zp__verror(ctx, code, fmt, ap);
    va_end(ap);
    return code;
}

zp_status zp_ctx_set_error(zp_ctx *ctx, zp_status code, const char *fmt, ...)
{
    va_list ap;
    if (code == ZP_ENOMEM)
        return zp__nomem(ctx);
    va_start(ap, fmt);
    zp__verror(ctx, code, fmt, ap);
    va_end(ap);
    return code;
}

const char *zp_nearest(const char *word, const char *const *names, size_t n)
{
    return zp__nearest(word, names, n);
}

zp_status zp__nomem(zp_ctx *ctx)
{
    ctx->errcode = ZP_ENOMEM;
    snprintf(ctx->errmsg, sizeof ctx->errmsg, "out of memory");
    return ZP_ENOMEM;
}

zp_status zp_ctx_errcode(const zp_ctx *ctx) { return ctx->errcode; }
const char *zp_ctx_errmsg(const zp_ctx *ctx) { return ctx->errmsg; }

void zp_ctx_clear_error(zp_ctx *ctx)
{
    ctx->errcode = ZP_OK;
    ctx->errmsg[0] = '\0';
}

zp_status zp__diag(zp_ctx *ctx, zp_severity sev, const char *file, int line, int col,
                   const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zp_status rc = zp__vdiag(ctx, sev, file, line, col, path, fmt, ap);
    va_end(ap);
    return rc;
}

zp_status zp__vdiag(zp_ctx *ctx, zp_severity sev, const char *file, int line, int col,
                    const char *path, const char *fmt, va_list ap)
{
    if (zp__grow(ctx, (void **)&ctx->diags, &ctx->capdiags, ctx->ndiags + 1, sizeof *ctx->diags))
        return ZP_ENOMEM;
    zp_diag *d = &ctx->diags[ctx->ndiags];
    memset(d, 0, sizeof *d);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    d->severity = sev;
    d->line = line;
    d->col = col;
    d->file = file ? zp__strdup(ctx, file) : NULL;
    d->path = path ? zp__strdup(ctx, path) : NULL;
    d->message = zp__strdup(ctx, buf);
    if ((file && !d->file) || (path && !d->path) || !d->message) {
        zp__free(ctx, (void *)d->file);
        zp__free(ctx, (void *)d->path);
        zp__free(ctx, (void *)d->message);
        return zp__nomem(ctx);
    }
    ctx->ndiags++;
    return ZP_OK;
}

size_t zp_ctx_diag_count(const zp_ctx *ctx) { return ctx->ndiags; }

const zp_diag *zp_ctx_diag_get(const zp_ctx *ctx, size_t i)
{
    return i < ctx->ndiags ? &ctx->diags[i] : NULL;
}

size_t zp_ctx_diag_errors(const zp_ctx *ctx)
{
    size_t n = 0;
    for (size_t i = 0; i < ctx->ndiags; i++)
        n += ctx->diags[i].severity == ZP_SEV_ERROR;
    return n;
}

void zp_ctx_diag_clear(zp_ctx *ctx)
{
    for (size_t i = 0; i < ctx->ndiags; i++) {
        zp__free(ctx, (void *)ctx->diags[i].file);
        zp__free(ctx, (void *)ctx->diags[i].path);
        zp__free(ctx, (void *)ctx->diags[i].message);
    }
    ctx->ndiags = 0;
}

int zp_diag_format(const zp_diag *d, char *buf, size_t bufsize)
{
    char loc[512] = "";
    int n = 0;
    if (d->file) {
        if (d->line > 0 && d->col > 0)
            n = snprintf(loc, sizeof loc, "%s:%d:%d: ", d->file, d->line, d->col);
        else if (d->line > 0)
            n = snprintf(loc, sizeof loc, "%s:%d: ", d->file, d->line);
        else
            n = snprintf(loc, sizeof loc, "%s: ", d->file);
    }
    (void)n;
    const char *sev = d->severity == ZP_SEV_WARNING ? "warning: " : d->severity == ZP_SEV_NOTE ? "note: " : "";
    if (d->path && d->path[0])
        return snprintf(buf, bufsize, "%s%s%s: %s", loc, sev, d->path, d->message);
    return snprintf(buf, bufsize, "%s%s%s", loc, sev, d->message);
}

void zp__log(zp_ctx *ctx, zp_log_level level, const char *fmt, ...)
{
    if (!ctx->log)
        return;
    char buf[1024];
    ZP_VFORMAT(buf, fmt);
    ctx->log(ctx->log_ud, level, buf);
}

const char *zp_version(void) { return ZP_VERSION_STRING; }

const char *zp_strerror(zp_status code)
{
    switch (code) {
#define ZP__MSG(name, value, msg)                                                              \
    case name:                                                                             \
        return msg;
        ZP_STATUS_MAP(ZP__MSG)
#undef ZP__MSG
    default:
        return "unknown status";
    }
}

const char *zp_status_name(zp_status code)
{
    switch (code) {
#define ZP__NAME(name, value, msg)                                                             \
    case name:                                                                             \
        return #name;
        ZP_STATUS_MAP(ZP__NAME)
#undef ZP__NAME
    default:
        return "ZP_UNKNOWN";
    }
}

size_t zp__edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        size_t best = row[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (row[j] < best)
                best = row[j];
            prev = cur;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb];
}

const char *zp__nearest(const char *word, const char *const *names, size_t n)
{
    size_t len = strlen(word);
    return zp__nearest_within(word, names, n, len <= 3 ? 1 : len <= 8 ? 2 : 3);
}

const char *zp__nearest_within(const char *word, const char *const *names, size_t n, size_t cap)
{
    const char *best = NULL;
    size_t bestd = cap + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = zp__edit_distance(word, names[i], cap);
        if (d < bestd) {
            bestd = d;
            best = names[i];
        }
    }
    return best;
}

void zp__db_create_private(const char *path)
{
    if (!path || !*path || strcmp(path, ":memory:") == 0)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return; /* it exists (left as it is), or SQLite reports why not */
    (void)fchmod(fd, 0600); /* a umask such as 0277 took bits away */
    close(fd);
}

/* What the first bytes of a file look like, for a message. */
static const char *file_looks(const unsigned char *b, size_t n)
{
    if (n == 0)
        return "an empty file";
    for (size_t i = 0; i < n; i++)
        if ((b[i] < 0x20 && b[i] != '\n' && b[i] != '\r' && b[i] != '\t') || b[i] == 0x7f)
            return "binary data";
    size_t i = 0;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        i = 3;
    while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
        i++;
    if (i < n && (b[i] == '{' || b[i] == '['))
        return "a JSON text file";
    const unsigned char *nl = memchr(b, '\n', n);
    if (memchr(b, ',', nl ? (size_t)(nl - b) : n))
        return "a CSV text file";
    return "a text file";
}

zp_status zp__db_path_check(zp_ctx *ctx, const char *path, int create, const char *what,
                            const char *fix)
{
    struct stat sb;
    if (!path || !*path || strcmp(path, ":memory:") == 0)
        return ZP_OK;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return zp__error(ctx, ZP_EINVAL, "%s is a directory, not a %s; %s", path, what, fix);
        if (!S_ISREG(sb.st_mode))
            return ZP_OK; /* a device or a pipe: SQLite says what it makes of it */
        unsigned char b[512];
        size_t n = 0;
        FILE *f = fopen(path, "rb");
        if (!f)
            return zp__error(ctx, ZP_EIO, "cannot open %s: %s", path, strerror(errno));
        n = fread(b, 1, sizeof b, f);
        fclose(f);
        if (n == 0) /* SQLite takes an empty file as a new database */
            return ZP_OK;
        if (n >= 16 && memcmp(b, "SQLite format 3", 16) == 0)
            return ZP_OK;
        return zp__error(ctx, ZP_EDATA, "%s is not a %s: it is %s, not an SQLite database; %s",
                         path, what, file_looks(b, n), fix);
    }
    if (errno != ENOENT)
        return zp__error(ctx, ZP_EIO, "cannot open %s: %s", path, strerror(errno));
    if (!create)
        return ZP_OK; /* the caller says there is no such file */
    /* a new file: its directory must exist */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ZP_OK;
    size_t dl = slash == path ? 1 : (size_t)(slash - path);
    if (dl >= sizeof dir)
        return ZP_OK;
    memcpy(dir, path, dl);
    dir[dl] = '\0';
    if (stat(dir, &sb) != 0)
        return zp__error(ctx, ZP_ENOTFOUND, "%s: the directory %s does not exist; create it "
                         "(mkdir -p %s) or give a path in an existing directory", path, dir, dir);
    if (!S_ISDIR(sb.st_mode))
        return zp__error(ctx, ZP_EINVAL, "%s: %s is not a directory; give a path in a directory",
                         path, dir);
    return ZP_OK;
}
