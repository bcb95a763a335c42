/*
 * config.c - the config file of `zeropark serve` (docs/serve.md): one
 * JSON object. The file holds the write token, so its mode must be 0600
 * or 0400, exactly as docs/serve.md says, and it must be owned by the user
 * the daemon runs as or by root; anything else is refused.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "core/jsonread.h"
#include "serve.h"

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
                                       "http_threads", "mqtt", "safe_mode", "credits_db", NULL};
static const char *const mqtt_keys[] = {"host", "port", "prefix", "client_id", "qos",
                                        "keepalive_s", "max_payload", NULL};

static int check_keys(json_t *obj, const char *const *keys, const char *where, const char *fname,
                      char *err, size_t errsz)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        size_t i, best = 99;
        const char *near = NULL;
        for (i = 0; keys[i]; i++) {
            if (strcmp(keys[i], k) == 0)
                break;
            size_t d = zp__edit_distance(k, keys[i], 3);
            if (d < best) {
                best = d;
                near = keys[i];
            }
        }
        if (!keys[i]) {
            snprintf(err, errsz, "%s: %s%s: unknown key%s%s%s", fname, where, k,
                     near && best <= 3 ? "; did you mean '" : "", near && best <= 3 ? near : "",
                     near && best <= 3 ? "'?" : "");
            return -1;
        }
    }
    return 0;
}

static int get_str(json_t *obj, const char *key, const char *where, char *dst, size_t dstsz,
                   const char *fname, char *err, size_t errsz)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v)) {
        snprintf(err, errsz, "%s: %s%s: expected a string", fname, where, key);
        return -1;
    }
    if (json_string_length(v) >= dstsz || strlen(json_string_value(v)) != json_string_length(v)) {
        snprintf(err, errsz, "%s: %s%s: at most %zu characters, no NUL", fname, where, key,
                 dstsz - 1);
        return -1;
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int get_num(json_t *obj, const char *key, const char *where, double lo, double hi,
                   bool integer, double *out, const char *fname, char *err, size_t errsz)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    double x = json_number_value(v);
    if (!json_is_number(v) || !isfinite(x) || x < lo || x > hi || (integer && x != floor(x))) {
        snprintf(err, errsz, "%s: %s%s: expected %s %g..%g", fname, where, key,
                 integer ? "a whole number" : "a number", lo, hi);
        return -1;
    }
    *out = x;
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

int zs_config_parse(const char *buf, size_t len, const char *fname, zs_config *c, char *err,
                    size_t errsz)
{
    json_error_t je;
    double x;
    int rc = -1;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char words[JSON_ERROR_TEXT_LENGTH + 128];
        snprintf(err, errsz, "%s:%d:%d: %s", fname, je.line, je.column,
                 zp__json_errtext(je.text, words, sizeof words));
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(err, errsz, "%s: expected a JSON object at the top", fname);
        goto out;
    }
    if (check_keys(root, top_keys, "", fname, err, errsz))
        goto out;
    char listen[96] = "";
    if (get_str(root, "listen", "", listen, sizeof listen, fname, err, errsz))
        goto out;
    if (*listen && parse_listen(listen, c)) {
        snprintf(err, errsz, "%s: listen: '%s' is not HOST:PORT (e.g. 127.0.0.1:8080)", fname, listen);
        goto out;
    }
    if (get_str(root, "db", "", c->db, sizeof c->db, fname, err, errsz) ||
        get_str(root, "raw_db", "", c->raw_db, sizeof c->raw_db, fname, err, errsz) ||
        get_str(root, "token", "", c->token, sizeof c->token, fname, err, errsz) ||
        get_str(root, "web", "", c->web, sizeof c->web, fname, err, errsz) ||
        get_str(root, "credits_db", "", c->credits_db, sizeof c->credits_db, fname, err, errsz))
        goto out;
    if (*c->token && strlen(c->token) < 16) {
        snprintf(err, errsz, "%s: token: at least 16 characters (e.g. from 'openssl rand -hex 24')",
                 fname);
        goto out;
    }
    for (const char *p = c->token; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            snprintf(err, errsz, "%s: token: printable ASCII without spaces", fname);
            goto out;
        }
    x = c->replan_min;
    if (get_num(root, "replan_min", "", 1, 1440, true, &x, fname, err, errsz))
        goto out;
    c->replan_min = (int)x;
    if (get_num(root, "horizon_h", "", 1, 168, false, &c->horizon_h, fname, err, errsz))
        goto out;
    x = c->stale_s;
    if (get_num(root, "stale_s", "", 1, 86400, true, &x, fname, err, errsz))
        goto out;
    c->stale_s = (int)x;
    char level[16] = "";
    if (get_str(root, "log_level", "", level, sizeof level, fname, err, errsz))
        goto out;
    if (*level) {
        static const char *const names[] = {"debug", "info", "warn", "error"};
        int k = 0;
        while (k < 4 && strcmp(names[k], level) != 0)
            k++;
        if (k == 4) {
            snprintf(err, errsz, "%s: log_level: '%s': use debug, info, warn or error", fname, level);
            goto out;
        }
        c->log_level = (zs_log_level)k;
    }
    x = c->store_step_s;
    if (get_num(root, "store_step_s", "", 1, 3600, true, &x, fname, err, errsz))
        goto out;
    c->store_step_s = (int)x;
    x = c->account_step_s;
    if (get_num(root, "account_step_s", "", 60, 3600, true, &x, fname, err, errsz))
        goto out;
    c->account_step_s = (int)x;
    if (c->account_step_s % c->store_step_s != 0 || 86400 % c->account_step_s != 0) {
        snprintf(err, errsz, "%s: account_step_s: %d must divide a day and be a multiple of "
                 "store_step_s (%d)", fname, c->account_step_s, c->store_step_s);
        goto out;
    }
    x = c->flush_ms;
    if (get_num(root, "flush_ms", "", 10, 60000, true, &x, fname, err, errsz))
        goto out;
    c->flush_ms = (int)x;
    x = (double)c->queue_max;
    if (get_num(root, "queue_max", "", 1000, 1e8, true, &x, fname, err, errsz))
        goto out;
    c->queue_max = (long)x;
    x = (double)c->max_body_bytes;
    if (get_num(root, "max_body_bytes", "", 1024, 1 << 30, true, &x, fname, err, errsz))
        goto out;
    c->max_body_bytes = (long)x;
    x = c->http_threads;
    if (get_num(root, "http_threads", "", 1, 64, true, &x, fname, err, errsz))
        goto out;
    c->http_threads = (int)x;
    char safe[32] = "";
    if (get_str(root, "safe_mode", "", safe, sizeof safe, fname, err, errsz))
        goto out;
    if (*safe) {
        if (strcmp(safe, "hold") == 0)
            c->safe_hold = true;
        else if (strcmp(safe, "self-consumption") == 0)
            c->safe_hold = false;
        else {
            snprintf(err, errsz, "%s: safe_mode: '%s': use hold or self-consumption", fname, safe);
            goto out;
        }
    }
    json_t *mq = json_object_get(root, "mqtt");
    if (mq) {
        if (!json_is_object(mq)) {
            snprintf(err, errsz, "%s: mqtt: expected an object {\"host\", \"port\", ...}", fname);
            goto out;
        }
        if (check_keys(mq, mqtt_keys, "mqtt.", fname, err, errsz) ||
            get_str(mq, "host", "mqtt.", c->mqtt_host, sizeof c->mqtt_host, fname, err, errsz) ||
            get_str(mq, "prefix", "mqtt.", c->mqtt_prefix, sizeof c->mqtt_prefix, fname, err, errsz) ||
            get_str(mq, "client_id", "mqtt.", c->mqtt_client_id, sizeof c->mqtt_client_id, fname,
                    err, errsz))
            goto out;
        if (strpbrk(c->mqtt_prefix, "+#")) {
            snprintf(err, errsz, "%s: mqtt.prefix: no wildcards (+ or #) in the prefix", fname);
            goto out;
        }
        x = c->mqtt_port;
        if (get_num(mq, "port", "mqtt.", 1, 65535, true, &x, fname, err, errsz))
            goto out;
        c->mqtt_port = (int)x;
        x = c->mqtt_qos;
        if (get_num(mq, "qos", "mqtt.", 0, 1, true, &x, fname, err, errsz))
            goto out;
        c->mqtt_qos = (int)x;
        x = c->mqtt_keepalive_s;
        if (get_num(mq, "keepalive_s", "mqtt.", 5, 3600, true, &x, fname, err, errsz))
            goto out;
        c->mqtt_keepalive_s = (int)x;
        x = (double)c->mqtt_max_payload;
        if (get_num(mq, "max_payload", "mqtt.", 64, 1 << 26, true, &x, fname, err, errsz))
            goto out;
        c->mqtt_max_payload = (long)x;
        c->mqtt_enabled = true;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int zs_config_load(const char *path, zs_config *c, char *err, size_t errsz)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
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
    size_t len = (size_t)st.st_size, got = 0;
    if (!(buf = malloc(len + 1))) {
        snprintf(err, errsz, "%s: out of memory", path);
        goto out;
    }
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errsz, "%s: read error: %s", path, r < 0 ? strerror(errno) : "short read");
            goto out;
        }
        got += (size_t)r;
    }
    rc = zs_config_parse(buf, len, path, c, err, errsz);
out:
    free(buf);
    close(fd);
    return rc;
}
