/*
 * config.c - the config file of `zeropark serve` (docs/serve.md): one
 * JSON object. The file holds the write token, so its mode must be 0600
 * or 0400, exactly as docs/serve.md says, and it must be owned by the user
 * the daemon runs as or by root; anything else is refused.
 */
#define _DEFAULT_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zeropark/jsonread.h"

#define CONFIG_MAX_BYTES (1u << 20)

void zs_config_defaults(zs_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->listen_port = 8080;
    snprintf(c->db, sizeof c->db, "zeropark.db");
    c->replan_min = 15;
    c->horizon_h = 24;
    c->stale_s = 60;
    c->log_level = ZS_LOG_INFO;
    c->store_step_s = 1;
    c->account_step_s = 300;
    c->flush_ms = 5000;
    c->queue_max = 2000000;
    c->max_body_bytes = 4L << 20;
    c->http_threads = 2;
    snprintf(c->mqtt_host, sizeof c->mqtt_host, "127.0.0.1");
    c->mqtt_port = 1883;
    snprintf(c->mqtt_prefix, sizeof c->mqtt_prefix, "zeropark/");
    snprintf(c->mqtt_client_id, sizeof c->mqtt_client_id, "zeropark-serve-%ld", (long)getpid());
    c->mqtt_qos = 1;
    c->mqtt_keepalive_s = 30;
    c->mqtt_max_payload = 262144;
    c->safe_hold = true;
}

static const char *const top_keys[] = {"listen", "db", "raw_db", "token", "replan_min", "horizon_h",
                                       "stale_s", "log_level", "web", "store_step_s",
                                       "account_step_s", "flush_ms", "queue_max", "max_body_bytes",
                                       "http_threads", "mqtt", "safe_mode", "credits_db"};
static const char *const mqtt_keys[] = {"host", "port", "prefix", "client_id", "qos",
                                        "keepalive_s", "max_payload"};

/* The config's words for what the JSON reader finds (zeropark/jsonread.h);
 * the reader puts "FILE: PATH: " before them. */
static void config_words(zp_jr_problem *p, char *msg, size_t size)
{
    switch (p->kind) {
    case ZP_JR_UNKNOWN_KEY:
        /* the key as written, not the path's tidied copy */
        p->at = ZP_JR_AT_NONE;
        snprintf(msg, size, "%s%s%s: unknown key%s%s%s", p->opath, p->opath[0] ? "." : "", p->key,
                 p->near ? "; did you mean '" : "", p->near ? p->near : "", p->near ? "'?" : "");
        break;
    case ZP_JR_TYPE:
    case ZP_JR_RANGE:
    case ZP_JR_NOT_WHOLE:
        if (strcmp(p->want ? p->want : "", "a string") == 0)
            snprintf(msg, size, "expected a string");
        else
            snprintf(msg, size, "expected %s %g..%g", p->whole ? "a whole number" : "a number",
                     p->range.lo, p->range.hi);
        break;
    case ZP_JR_TOO_LONG:
    case ZP_JR_NUL:
        snprintf(msg, size, "at most %zu characters, no NUL", p->max);
        break;
    case ZP_JR_NOT_ONE_OF: {
        size_t n = (size_t)snprintf(msg, size, "'%s': use ", p->text);
        for (size_t i = 0; i < p->nnames && n < size; i++)
            n += (size_t)snprintf(msg + n, size - n, "%s%s",
                                  i == 0 ? "" : i + 1 < p->nnames ? ", " : " or ", p->names[i]);
        break;
    }
    default:
        zp_jr_words_default(p, msg, size);
        break;
    }
}

/* A string member copied into dst (dstsz bytes); "" is a value. */
static int get_str(zp_jr *jr, json_t *obj, const char *where, const char *key, char *dst,
                   size_t dstsz)
{
    return zp_jr_str_copy(jr, obj, where, key, ZP_JR_EMPTY_OK, dst, dstsz);
}

/* One of the n names for the top-level key, its text at most size - 1
 * (<= 31) bytes: 1 with its index in *k, 0 when absent or "", -1 at a
 * problem. */
static int get_enum(zp_jr *jr, json_t *root, const char *key, size_t size,
                    const char *const *names, size_t n, int *k)
{
    char text[32] = "";
    if (get_str(jr, root, "", key, text, size) < 0)
        return -1;
    if (!*text)
        return 0;
    *k = zp_jr_pick(jr, key, key, text, names, n);
    return *k < 0 ? -1 : 1;
}

/* A number of the config: its key, range, and the field it sets. */
typedef struct num_field {
    const char *key;
    double lo, hi;
    char type;  /* 'i' an int (a whole number), 'l' a long (whole), 'd' a double */
    size_t off; /* offsetof(zs_config, the field) */
} num_field;

#define NUM(key, lo, hi, type, field) {key, lo, hi, type, offsetof(zs_config, field)}
/* In the order they are checked (the first problem is the one said). */
static const num_field control_nums[] = {NUM("replan_min", 1, 1440, 'i', replan_min),
                                         NUM("horizon_h", 1, 168, 'd', horizon_h),
                                         NUM("stale_s", 1, 86400, 'i', stale_s)};
static const num_field step_nums[] = {NUM("store_step_s", 1, 3600, 'i', store_step_s),
                                      NUM("account_step_s", 60, 3600, 'i', account_step_s)};
static const num_field io_nums[] = {NUM("flush_ms", 10, 60000, 'i', flush_ms),
                                    NUM("queue_max", 1000, 1e8, 'l', queue_max),
                                    NUM("max_body_bytes", 1024, 1 << 30, 'l', max_body_bytes),
                                    NUM("http_threads", 1, 64, 'i', http_threads)};
static const num_field mqtt_nums[] = {NUM("port", 1, 65535, 'i', mqtt_port),
                                      NUM("qos", 0, 1, 'i', mqtt_qos),
                                      NUM("keepalive_s", 5, 3600, 'i', mqtt_keepalive_s),
                                      NUM("max_payload", 64, 1 << 26, 'l', mqtt_max_payload)};
#undef NUM

/* The n numbers f of obj (path where) into c, in order (absent ones keep
 * their value): 0, or -1 at the first problem. */
static int get_nums(zp_jr *jr, json_t *obj, const char *where, const num_field *f, size_t n,
                    zs_config *c)
{
    for (size_t i = 0; i < n; i++) {
        char *field = (char *)c + f[i].off;
        zp_jr_range rg = {ZP_JR_IN, f[i].lo, f[i].hi, NULL};
        double x = f[i].type == 'i'   ? *(int *)(void *)field
                   : f[i].type == 'l' ? (double)*(long *)(void *)field
                                      : *(double *)(void *)field;
        if (zp_jr_num(jr, obj, where, f[i].key, f[i].type == 'd' ? ZP_JR_OPT : ZP_JR_WHOLE, x, rg,
                      &x) < 0)
            return -1;
        if (f[i].type == 'i')
            *(int *)(void *)field = (int)x;
        else if (f[i].type == 'l')
            *(long *)(void *)field = (long)x;
        else
            *(double *)(void *)field = x;
    }
    return 0;
}

/* "host:port" with host an IPv4 address or name, port 0..65535. */
static int parse_listen(const char *s, zs_config *c)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof c->listen_host)
        return -1;
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
        return -1;
    memcpy(c->listen_host, s, (size_t)(colon - s));
    c->listen_host[colon - s] = '\0';
    c->listen_port = (int)port;
    return 0;
}

int zs_config_listen(zs_config *c, const char *s) { return parse_listen(s, c); }

/* The document in buf read into c through jr's reader (first problem
 * stops it). 0, or -1 with the problem as ctx's error. */
static int parse(zp_ctx *ctx, const char *buf, size_t len, const char *fname, zs_config *c)
{
    zp_jr *jr = NULL;
    zp_jr_opts o;
    int rc = -1;
    zp_jr_opts_init(&o);
    o.file = fname;
    o.what = "config";
    o.mode = ZP_JR_FIRST;
    o.near_edits = 3;
    o.words = config_words;
    if (zp_jr_open_buf(ctx, buf, len, &o, &jr))
        return -1;
    json_t *root = zp_jr_root(jr);
    if (!json_is_object(root)) {
        zp_jr_report(jr, "", ZP_JR_AT_VALUE, "expected a JSON object at the top");
        goto out;
    }
    zp_jr_keys(jr, root, "", top_keys, ZP_ARRAY_LEN(top_keys));
    if (zp_jr_problems(jr))
        goto out;
    char listen[96] = "";
    if (get_str(jr, root, "", "listen", listen, sizeof listen) < 0)
        goto out;
    if (*listen && parse_listen(listen, c)) {
        zp_jr_report(jr, "listen", ZP_JR_AT_VALUE, "'%s' is not HOST:PORT (e.g. 127.0.0.1:8080)",
                      listen);
        goto out;
    }
    if (get_str(jr, root, "", "db", c->db, sizeof c->db) < 0 ||
        get_str(jr, root, "", "raw_db", c->raw_db, sizeof c->raw_db) < 0 ||
        get_str(jr, root, "", "token", c->token, sizeof c->token) < 0 ||
        get_str(jr, root, "", "web", c->web, sizeof c->web) < 0 ||
        get_str(jr, root, "", "credits_db", c->credits_db, sizeof c->credits_db) < 0)
        goto out;
    if (*c->token && strlen(c->token) < 16) {
        zp_jr_report(jr, "token", ZP_JR_AT_VALUE,
                      "at least 16 characters (e.g. from 'openssl rand -hex 24')");
        goto out;
    }
    for (const char *p = c->token; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            zp_jr_report(jr, "token", ZP_JR_AT_VALUE, "printable ASCII without spaces");
            goto out;
        }
    if (get_nums(jr, root, "", control_nums, ZP_ARRAY_LEN(control_nums), c) < 0)
        goto out;
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    int k, got = get_enum(jr, root, "log_level", 16, levels, ZP_ARRAY_LEN(levels), &k);
    if (got < 0)
        goto out;
    if (got)
        c->log_level = (zs_log_level)k;
    if (get_nums(jr, root, "", step_nums, ZP_ARRAY_LEN(step_nums), c) < 0)
        goto out;
    if (c->account_step_s % c->store_step_s != 0 || 86400 % c->account_step_s != 0) {
        zp_jr_report(jr, "account_step_s", ZP_JR_AT_VALUE,
                      "%d must divide a day and be a multiple of store_step_s (%d)",
                      c->account_step_s, c->store_step_s);
        goto out;
    }
    if (get_nums(jr, root, "", io_nums, ZP_ARRAY_LEN(io_nums), c) < 0)
        goto out;
    static const char *const modes[] = {"hold", "self-consumption"};
    if ((got = get_enum(jr, root, "safe_mode", 32, modes, ZP_ARRAY_LEN(modes), &k)) < 0)
        goto out;
    if (got)
        c->safe_hold = k == 0;
    char mpath[ZP_JR_PATH_MAX];
    json_t *mq = zp_jr_member(jr, root, "", "mqtt", ZP_JR_OPT, mpath);
    if (mq) {
        if (!json_is_object(mq)) {
            zp_jr_report(jr, mpath, ZP_JR_AT_VALUE,
                          "expected an object {\"host\", \"port\", ...}");
            goto out;
        }
        zp_jr_keys(jr, mq, mpath, mqtt_keys, ZP_ARRAY_LEN(mqtt_keys));
        if (zp_jr_problems(jr) ||
            get_str(jr, mq, mpath, "host", c->mqtt_host, sizeof c->mqtt_host) < 0 ||
            get_str(jr, mq, mpath, "prefix", c->mqtt_prefix, sizeof c->mqtt_prefix) < 0 ||
            get_str(jr, mq, mpath, "client_id", c->mqtt_client_id, sizeof c->mqtt_client_id) < 0)
            goto out;
        if (strpbrk(c->mqtt_prefix, "+#")) {
            zp_jr_report(jr, "mqtt.prefix", ZP_JR_AT_VALUE, "no wildcards (+ or #) in the prefix");
            goto out;
        }
        if (get_nums(jr, mq, mpath, mqtt_nums, ZP_ARRAY_LEN(mqtt_nums), c) < 0)
            goto out;
        c->mqtt_enabled = true;
    }
    rc = 0;
out:
    zp_jr_free(jr);
    return rc;
}

int zs_config_parse(const char *buf, size_t len, const char *fname, zs_config *c, char *err,
                    size_t errsz)
{
    zp_ctx *ctx = zp_ctx_new();
    int rc = -1;
    if (!ctx)
        snprintf(err, errsz, "%s: out of memory", fname);
    else if ((rc = parse(ctx, buf, len, fname, c)))
        snprintf(err, errsz, "%s", zp_ctx_errmsg(ctx));
    zp_ctx_free(ctx);
    return rc;
}

int zs_config_load(const char *path, zs_config *c, char *err, size_t errsz)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    zp_ctx *ctx = NULL;
    FILE *f = NULL;
    char *buf = NULL;
    int rc = -1;
    if (fd < 0) {
        snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errsz, "%s: not a regular file", path);
        goto out;
    }
    /* Its owner: the user the daemon runs as, or root (as sshd takes the
     * files it reads: only root or their user could have written them).
     * A file of another user lets that user change the token, the stores
     * and the dashboard directory of a daemon that may run as root. */
    uid_t me = geteuid();
    if (st.st_uid != me && st.st_uid != 0) {
        char owner[64], user[64];
        struct passwd *pw = getpwuid(st.st_uid);
        snprintf(owner, sizeof owner, "%s", pw ? pw->pw_name : "?");
        pw = getpwuid(me);
        snprintf(user, sizeof user, "%s", pw ? pw->pw_name : "?");
        snprintf(err, errsz,
                 "%s: owned by user %s (uid %u), not by the user the daemon runs as (%s, uid %u)%s: "
                 "that user could change the write token and the stores; run 'chown %s %s'",
                 path, owner, (unsigned)st.st_uid, user, (unsigned)me, me ? " or root" : "", user, path);
        goto out;
    }
    mode_t mode = st.st_mode & 07777;
    if (mode & 077) {
        snprintf(err, errsz,
                 "%s: mode %04o lets other users read the write token; run 'chmod 600 %s'", path,
                 (unsigned)mode, path);
        goto out;
    }
    if (mode != 0600 && mode != 0400) {
        snprintf(err, errsz, "%s: mode %04o: the config file holds the write token and must be mode "
                 "0600 or 0400; run 'chmod 600 %s'", path, (unsigned)mode, path);
        goto out;
    }
    if (st.st_size > (off_t)CONFIG_MAX_BYTES) {
        snprintf(err, errsz, "%s: larger than %u bytes", path, CONFIG_MAX_BYTES);
        goto out;
    }
    /* the file just checked, read through its descriptor */
    if (!(ctx = zp_ctx_new()) || !(f = fdopen(fd, "rb"))) {
        snprintf(err, errsz, "%s: out of memory", path);
        goto out;
    }
    fd = -1; /* f owns it now */
    size_t len;
    if (zp_file_read_stream(ctx, f, path, CONFIG_MAX_BYTES, "config file", &buf, &len) ||
        parse(ctx, buf, len, path, c))
        snprintf(err, errsz, "%s", zp_ctx_errmsg(ctx));
    else
        rc = 0;
out:
    if (ctx)
        zp_free(ctx, buf);
    zp_ctx_free(ctx);
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    return rc;
}
