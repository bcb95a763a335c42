/*
 * http_static.c - the dashboard's static files: safe paths below the web
 * directory only, their MIME types and caching.
 */
#define _DEFAULT_SOURCE
#include "http_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* ---- static files -------------------------------------------------------- */

static const char *mime(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const struct {
        const char *ext, *type;
    } t[] = {{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
             {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
             {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
             {".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".woff", "font/woff"},
             {".map", "application/json"}, {".txt", "text/plain; charset=utf-8"},
             {".webmanifest", "application/manifest+json"}};
    for (size_t i = 0; dot && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(dot, t[i].ext) == 0)
            return t[i].type;
    return "application/octet-stream";
}

/* Longest path of a static file (a request target above is refused). */
#define STATIC_PATH_MAX 1024

/* Why url cannot name a file of the web directory, or NULL when it can: a
 * path is '/' then segments of visible characters, none empty, '.' or
 * '..' (a trailing '/' is allowed), without '\\' or '%' (what is left of
 * an encoded NUL, see unescape) and at most STATIC_PATH_MAX bytes. So a
 * request target without a leading '/' ("-secret.txt", "http://x/..")
 * never reaches the file system to be glued onto the directory's name. */
static const char *static_path_problem(const char *url)
{
    if (url[0] != '/')
        return "a request target must start with '/'";
    size_t n = strlen(url);
    if (n > STATIC_PATH_MAX)
        return "longer than 1024 bytes";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)url[i];
        if (ch < 0x20 || ch == 0x7f)
            return "holds a control character";
        if (ch == '\\' || ch == '%')
            return "holds '\\', '%' or an encoded NUL (%00)";
    }
    for (const char *seg = url + 1; *seg;) {
        const char *e = strchr(seg, '/');
        size_t len = e ? (size_t)(e - seg) : strlen(seg);
        if (len == 0)
            return "holds an empty segment ('//')";
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return "holds a '.' or '..' segment";
        seg += len + (e != NULL);
    }
    return NULL;
}

/* Opens the regular file rel ('/'-separated segments checked by
 * static_path_problem, no leading '/') below the directory root_fd,
 * following no symbolic link on the way: O_NOFOLLOW on every segment, so
 * neither a link in the web directory nor one swapped in after a check can
 * lead out of it. -1 with errno ENOENT or ENOTDIR (no such file), EISDIR
 * (a directory), ELOOP (a symbolic link), EACCES (not a regular file) or
 * another open error. */
static int open_below(int root_fd, const char *rel, struct stat *st)
{
    char buf[STATIC_PATH_MAX + 1];
    if (strlen(rel) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", rel);
    int dfd = root_fd, fd = -1;
    char *seg = buf;
    for (;;) {
        char *slash = strchr(seg, '/');
        if (slash)
            *slash = '\0';
        if (!*seg) { /* a trailing '/' names a directory */
            errno = EISDIR;
            break;
        }
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : O_NONBLOCK | O_NOCTTY);
        int nfd = openat(dfd, seg, flags);
        if (nfd < 0) {
            struct stat ls;
            /* a link to a directory fails O_DIRECTORY with ENOTDIR: say ELOOP */
            if (slash && errno == ENOTDIR && fstatat(dfd, seg, &ls, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(ls.st_mode))
                errno = ELOOP;
            break;
        }
        if (dfd != root_fd)
            close(dfd);
        dfd = -1;
        if (slash) {
            dfd = nfd;
            seg = slash + 1;
            continue;
        }
        if (fstat(nfd, st) != 0 || !S_ISREG(st->st_mode)) {
            int e = errno;
            if (fstat(nfd, st) == 0)
                e = S_ISDIR(st->st_mode) ? EISDIR : EACCES;
            close(nfd);
            errno = e;
            break;
        }
        fd = nfd;
        break;
    }
    if (dfd >= 0 && dfd != root_fd) {
        int e = errno;
        close(dfd);
        errno = e;
    }
    return fd;
}

/* A path that is inside dir (both resolved): dir + '/' is a prefix of it,
 * so "/srv/w/web-secret.txt" is not inside "/srv/w/web". */
static bool path_inside(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

enum MHD_Result http__ep_static(zs_http *h, struct MHD_Connection *c, const char *url)
{
    const char *why = static_path_problem(url);
    if (why)
        return http__send_error(h, c, 400, "bad_request", "path '%.200s': %s", url, why);
    if (!h->web[0])
        return http__send_error(h, c, 404, "not_found",
                                "no dashboard directory (give --web DIR or build web/dist)");
    char root[PATH_MAX], full[PATH_MAX + STATIC_PATH_MAX + 16], real[PATH_MAX];
    /* resolved per request: the directory may be a link switched on deploy */
    int root_fd = realpath(h->web, root) ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (root_fd < 0)
        return http__send_error(h, c, 404, "not_found", "the dashboard directory is missing");
    const char *rel = strcmp(url, "/") == 0 ? "index.html" : url + 1;
    const char *served = rel;
    struct stat st;
    int fd = -1;
    /* belt and braces: the resolved file must lie inside the resolved root;
     * open_below, which follows no link at all, is what serves */
    snprintf(full, sizeof full, "%s/%s", root, rel);
    bool exists = realpath(full, real) != NULL;
    int rerr = errno;
    if (exists && !path_inside(root, real)) {
        close(root_fd);
        return http__send_error(h, c, 404, "not_found",
                                "'%.200s' not found in the dashboard directory (symbolic links there are "
                                "not followed)", url);
    }
    if (!exists && rerr != ENOENT && rerr != ENOTDIR) {
        close(root_fd);
        return http__send_error(h, c, 404, "not_found", "'%.200s' not found in the dashboard directory", url);
    }
    if (exists)
        fd = open_below(root_fd, rel, &st);
    if (fd < 0 && (!exists || errno == ENOENT || errno == ENOTDIR || errno == EISDIR)) {
        /* not a file: the single-page app's index.html */
        served = "index.html";
        fd = open_below(root_fd, served, &st);
    }
    int oerr = errno;
    close(root_fd);
    if (fd < 0)
        return http__send_error(h, c, 404, "not_found", "'%.200s' not found in the dashboard directory%s", url,
                                oerr == ELOOP ? " (symbolic links there are not followed)" : "");
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime(served));
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            strncmp(served, "assets/", 7) == 0 ? "max-age=31536000, immutable" : "no-cache");
    return http__queue(h, c, 200, r);
}

/* The dashboard: --web/config, else the installed share/zeropark/web, else
 * web/dist of the source tree next to the build directory. */
void http__find_web(const zs_config *cfg, char *out, size_t outsz)
{
    struct stat st;
    out[0] = '\0';
    if (cfg->web[0]) {
        snprintf(out, outsz, "%s", cfg->web);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    const char *cands[] = {"/web/dist", "/../share/zeropark/web", "/../web/dist"};
    for (size_t i = 0; i < 3; i++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s%s", exe, cands[i]);
        char idx[PATH_MAX + 80];
        snprintf(idx, sizeof idx, "%s/index.html", p);
        if (stat(idx, &st) == 0 && strlen(p) < outsz) {
            snprintf(out, outsz, "%s", p);
            return;
        }
    }
}
