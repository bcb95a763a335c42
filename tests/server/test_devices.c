/*
 * test_devices.c - the devices parser, the register codec, the Modbus poller
 * against an independent server (pymodbus, tests/server/mb_server.py, run
 * with Debian's /usr/bin/python3) and the device simulator read by an
 * independent client (Debian's mbpoll).
 *
 * Servers are started on 127.0.0.1 on free ports and stopped by the test;
 * every wait is bounded.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "need.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <modbus/modbus.h>

#include "devices.h"
#include "devsim.h"

#define ZP_ARRAY_LEN_T(a) (sizeof(a) / sizeof((a)[0]))
#define PY "/usr/bin/python3"
#define MB_SERVER ZP_SOURCE_DIR "/tests/server/mb_server.py"
#define LIVE_MODEL ZP_SOURCE_DIR "/examples/live-campus/model.json"

/* ---- helpers ---------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static int port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* Start argv (stdout and stderr to log) and wait up to timeout_s for port. */
static pid_t spawn(char *const argv[], int port, double timeout_s, const char *log)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    double t0 = now_s();
    while (!port_open(port)) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            fail_msg("%s exited before listening on %d (log: %s)", argv[0], port, log ? log : "-");
        if (now_s() - t0 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            fail_msg("%s did not listen on %d within %.0f s", argv[0], port, timeout_s);
        }
        sleep_s(0.05);
    }
    return pid;
}

static pid_t start_pymodbus(int port, const char *delay)
{
    /* mb_server.py imports pymodbus.server, which imports serial and
     * serial_asyncio (packages that python3-pymodbus only recommends) */
    static int checked;
    if (!checked)
        zp_need("py:serial py:serial_asyncio py:pymodbus.server");
    checked = 1;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    char *argv[] = {PY, MB_SERVER, ps, delay ? "--delay" : NULL, (char *)delay, NULL};
    char log[600];
    snprintf(log, sizeof log, "%s/test_devices_pymodbus_%d.log", ZP_BINARY_DIR, port);
    return spawn(argv, port, 20, log);
}

/* Stop with sig; returns the exit status (or 128+signal). */
static int stop(pid_t pid, int sig)
{
    int st = 0;
    kill(pid, sig);
    double t0 = now_s();
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (now_s() - t0 > 10) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            break;
        }
        sleep_s(0.02);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Readings: last value and count per series. */
#define MAXS 64
typedef struct sink_t {
    pthread_mutex_t mu;
    char name[MAXS][112];
    double last[MAXS];
    int64_t t_ms[MAXS];
    unsigned count[MAXS];
    size_t n;
    unsigned batches;
} sink_t;

static void sink_fn(void *ud, const zs_reading *r, size_t n)
{
    sink_t *s = ud;
    pthread_mutex_lock(&s->mu);
    s->batches++;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < s->n && strcmp(s->name[j], r[i].series) != 0)
            j++;
        if (j == s->n && s->n < MAXS)
            snprintf(s->name[s->n++], sizeof s->name[0], "%s", r[i].series);
        if (j < MAXS) {
            s->last[j] = r[i].value;
            s->t_ms[j] = r[i].t_ms;
            s->count[j]++;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

/* Last value of series (NAN when none) and how many came. */
static double sink_get(sink_t *s, const char *series, unsigned *count)
{
    double v = NAN;
    unsigned c = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t j = 0; j < s->n; j++)
        if (strcmp(s->name[j], series) == 0) {
            v = s->last[j];
            c = s->count[j];
        }
    pthread_mutex_unlock(&s->mu);
    if (count)
        *count = c;
    return v;
}

static zs_devices parse_ok(const char *json)
{
    zp_ctx *ctx = zp_ctx_new();
    zs_devices d;
    zp_status rc = zs_devices_parse_buf(ctx, "t.json", json, strlen(json), &d);
    if (rc) {
        for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
            char buf[512];
            zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
            print_error("%s\n", buf);
        }
        fail_msg("parse failed: %s", zp_ctx_errmsg(ctx));
    }
    zp_ctx_free(ctx);
    return d;
}

static const zs_point *point(const zs_device *d, const char *name)
{
    for (size_t i = 0; i < d->npoints; i++)
        if (strcmp(d->points[i].name, name) == 0)
            return &d->points[i];
    fail_msg("no point %s on %s", name, d->name);
    return NULL;
}

/* ---- codec ------------------------------------------------------------------ */

static void test_codec(void **state)
{
    (void)state;
    zs_point p;
    double v;
    uint16_t r[2];
    memset(&p, 0, sizeof p);
    p.scale = 1;
    p.sf_address = -1;

    p.type = ZS_REG_INT16;
    r[0] = 0xFB2E; /* 0x10000 - 1234 */
    assert_int_equal(zs_point_decode(&p, r, 0, &v), 0);
    assert_near(v, -1234, 0);
    p.type = ZS_REG_UINT16;
    assert_int_equal(zs_point_decode(&p, r, 0, &v), 0);
    assert_near(v, 64302, 0);
    /* int32 -123456789 = 0xF8A432EB: high word first, then swapped */
    p.type = ZS_REG_INT32;
    r[0] = 0xF8A4, r[1] = 0x32EB;
    assert_int_equal(zs_point_decode(&p, r, 0, &v), 0);
    assert_near(v, -123456789, 0);
    p.word_swap = 1;
    r[0] = 0x32EB, r[1] = 0xF8A4;
    assert_int_equal(zs_point_decode(&p, r, 0, &v), 0);
    assert_near(v, -123456789, 0);
    /* uint32 3000000000 = 0xB2D05E00 */
    p.type = ZS_REG_UINT32;
    r[0] = 0x5E00, r[1] = 0xB2D0;
    assert_int_equal(zs_point_decode(&p, r, 0, &v), 0);
    assert_near(v, 3000000000.0, 0);
    /* float32 1.5 = 0x3FC00000 */
    p.word_swap = 0;
    p.type = ZS_REG_FLOAT32;
    r[0] = 0x3FC0, r[1] = 0x0000;
    assert_int_equal(zs_point_decode(&p, r, 0, &v), 0);
    assert_near(v, 1.5, 0);
    /* scale and SunSpec scale factor: 2809 W-raw at sf 3, scale 0.001 = 2809 kW */
    p.type = ZS_REG_INT16;
    p.scale = 0.001;
    p.sf_address = 10;
    r[0] = 2809;
    assert_int_equal(zs_point_decode(&p, r, 3, &v), 0);
    assert_near(v, 2809, 1e-9);
    assert_int_equal(zs_point_decode(&p, r, -32768, &v), -1); /* sf not implemented */
    p.sunspec_na = 1;
    r[0] = 0x8000;
    assert_int_equal(zs_point_decode(&p, r, 0, &v), -1);

    /* encode round trips and range */
    p.sunspec_na = 0;
    p.sf_address = -1;
    p.scale = 0.001;
    p.type = ZS_REG_INT32;
    assert_int_equal(zs_point_encode(&p, -10000, 0, r), 2); /* -10,000,000 W */
    assert_int_equal(r[0], 0xFF67);                          /* -10000000 = 0xFF676980 */
    assert_int_equal(r[1], 0x6980);
    assert_int_equal(zs_point_decode(&p, r, 0, &v), 0);
    assert_near(v, -10000, 1e-9);
    p.type = ZS_REG_INT16;
    p.scale = 1;
    assert_int_equal(zs_point_encode(&p, 40000, 0, r), -1);
    assert_int_equal(zs_point_encode(&p, 400, 1, r), 1); /* 400 at sf 1 is raw 40 */
    assert_int_equal(r[0], 40);
    p.type = ZS_REG_UINT16;
    assert_int_equal(zs_point_encode(&p, -1, 0, r), -1);
}

/* ---- parser ----------------------------------------------------------------- */

static const char *const good_model =
    "{\"name\": \"t\",\n"
    " \"pv\": [{\"name\": \"roof\"}], \"storage\": [{\"name\": \"bess\", \"power_kw\": 500}],\n"
    " \"datacenter\": {},\n"
    " \"devices\": [\n"
    "  {\"name\": \"inv1\", \"type\": \"modbus\", \"host\": \"127.0.0.1\", \"sunspec\": 103,\n"
    "   \"feeds\": \"pv.roof\"},\n"
    "  {\"name\": \"m1\", \"type\": \"modbus\", \"host\": \"10.0.0.5\", \"port\": 1502, \"unit_id\": 7,\n"
    "   \"poll_ms\": 250, \"timeout_ms\": 100, \"points\": [\n"
    "     {\"name\": \"p\", \"address\": 3, \"type\": \"float32\", \"word_order\": \"little\",\n"
    "      \"unit\": \"kW\", \"feeds\": \"datacenter.it\"},\n"
    "     {\"name\": \"e\", \"address\": 10, \"type\": \"uint32\", \"scale\": 0.1, \"sf_address\": 12}]},\n"
    "  {\"name\": \"b\", \"type\": \"modbus\", \"host\": \"h\", \"sunspec\": \"124\", \"base_address\": 0,\n"
    "   \"storage\": \"bess\", \"points\": [{\"name\": \"sp\", \"address\": 200, \"type\": \"int16\",\n"
    "   \"writable\": true, \"min\": -450, \"max\": 450}]},\n"
    "  {\"name\": \"ws\", \"type\": \"mqtt\", \"broker\": \"127.0.0.1\", \"topic\": \"site/+/ws\",\n"
    "   \"points\": [{\"name\": \"ghi\", \"field\": \"ghi\"}]},\n"
    "  {\"name\": \"q\", \"type\": \"mqtt\", \"broker\": \"b\", \"topic\": \"x/#\"},\n"
    "  {\"name\": \"edge\", \"type\": \"http\", \"points\": [{\"name\": \"load\", \"unit\": \"kW\"}]}\n"
    " ]}\n";

static void test_parse(void **state)
{
    (void)state;
    zs_devices d = parse_ok(good_model);
    assert_int_equal(d.n, 6);
    const zs_device *inv = &d.dev[0];
    assert_int_equal(inv->kind, ZS_DEV_MODBUS);
    assert_int_equal(inv->port, 502); /* defaults */
    assert_int_equal(inv->unit_id, 1);
    assert_int_equal(inv->poll_ms, 1000);
    assert_int_equal(inv->timeout_ms, 500);
    assert_int_equal(inv->base_address, 40000);
    assert_string_equal(inv->sunspec, "103"); /* given as a number */
    /* SunSpec 103 at 40000: model ID at 40070, W at +14, W_SF at +15, WH at +24 */
    const zs_point *w = point(inv, "ac_power_kw");
    assert_int_equal(w->address, 40084);
    assert_int_equal(w->sf_address, 40085);
    assert_int_equal(w->type, ZS_REG_INT16);
    assert_near(w->scale, 0.001, 0);
    assert_string_equal(w->feeds, "pv.roof");
    assert_string_equal(w->series, "inv1.ac_power_kw");
    assert_int_equal(point(inv, "energy_kwh")->address, 40094);
    assert_int_equal(point(inv, "energy_kwh")->sf_address, 40096);

    const zs_device *m = &d.dev[1];
    assert_string_equal(m->host, "10.0.0.5");
    assert_int_equal(m->port, 1502);
    assert_int_equal(m->unit_id, 7);
    assert_int_equal(m->poll_ms, 250);
    assert_int_equal(m->timeout_ms, 100);
    assert_int_equal(m->npoints, 2);
    assert_int_equal(m->points[0].type, ZS_REG_FLOAT32);
    assert_int_equal(m->points[0].word_swap, 1);
    assert_string_equal(m->points[0].feeds, "datacenter.it");
    assert_int_equal(m->points[1].sf_address, 12);
    assert_near(m->points[1].scale, 0.1, 0);

    /* battery: 124 at base 0 (ChaState at 70+8 feeds the SOC), limits from the
     * storage's 500 kW narrowed by the register's +-450 */
    const zs_device *b = &d.dev[2];
    assert_string_equal(b->storage, "bess");
    assert_near(b->setpoint_min_kw, -450, 0);
    assert_near(b->setpoint_max_kw, 450, 0);
    assert_int_equal(point(b, "soc")->address, 78);
    assert_int_equal(point(b, "soc")->sf_address, 92);
    assert_string_equal(point(b, "soc")->feeds, "storage.bess.soc");
    assert_true(point(b, "sp")->writable);

    assert_int_equal(d.dev[3].kind, ZS_DEV_MQTT);
    assert_int_equal(d.dev[3].broker_port, 1883);
    assert_string_equal(d.dev[3].topic, "site/+/ws");
    assert_string_equal(d.dev[3].points[0].field, "ghi");
    assert_int_equal(d.dev[4].npoints, 1); /* a plain number */
    assert_string_equal(d.dev[4].points[0].name, "value");
    assert_string_equal(d.dev[4].points[0].series, "q.value");
    assert_int_equal(d.dev[5].kind, ZS_DEV_HTTP);
    assert_string_equal(d.dev[5].points[0].series, "edge.load");
    zs_devices_free(&d);

    /* no devices at all */
    d = parse_ok("{\"name\": \"x\"}");
    assert_int_equal(d.n, 0);
    zs_devices_free(&d);
}

/* Every problem is reported with its line, column and JSON path. */
static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const bad =
        "{\"pv\": [{\"name\": \"roof\"}], \"storage\": [{\"name\": \"bess\", \"power_kw\": 10}],\n"
        "\"devices\": [\n"
        " {\"name\": \"a\", \"type\": \"modbus\", \"host\": \"h\", \"unitid\": 3, \"points\": [\n"
        "   {\"name\": \"p\", \"address\": 70000, \"type\": \"int64\", \"feeds\": \"pv.rof\"}]},\n"
        " {\"name\": \"a\", \"type\": \"modbus\", \"sunspec\": \"104\"},\n"
        " {\"name\": \"c\", \"type\": \"mqtt\", \"broker\": \"b\", \"topic\": \"a/#/b\"},\n"
        " {\"name\": \"d\", \"type\": \"modbus\", \"host\": \"h\", \"storage\": \"bess\",\n"
        "  \"points\": [{\"name\": \"x\", \"address\": 1}]}\n"
        "]}\n";
    static const struct {
        int line, col;
        const char *path, *msg;
    } want[] = {
        {3, 47, "devices[0].unitid", "did you mean 'unit_id'"},
        {4, 29, "devices[0].points[0].address", "out of range 0..65535"},
        {4, 44, "devices[0].points[0].type", "'int64' is not one of"},
        {4, 62, "devices[0].points[0].feeds", "did you mean 'roof'"},
        {5, 2, "devices[1]", "missing required field 'host'"},
        {5, 45, "devices[1].sunspec", "did you mean '101'"},
        {5, 2, "devices[1]", "has no points"},
        {5, 11, "devices[1].name", "already defined"},
        {6, 56, "devices[2].topic", "not a valid topic filter"},
        {7, 2, "devices[3]", "exactly one writable point"},
    };
    zp_ctx *ctx = zp_ctx_new();
    zs_devices d;
    zp_status rc = zs_devices_parse_buf(ctx, "bad.json", bad, strlen(bad), &d);
    assert_int_equal(rc, ZP_EMODEL);
    assert_null(d.dev);
    size_t n = zp_ctx_diag_count(ctx);
    for (size_t k = 0; k < ZP_ARRAY_LEN_T(want); k++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++) {
            const zp_diag *g = zp_ctx_diag_get(ctx, i);
            found = g->path && strcmp(g->path, want[k].path) == 0 &&
                    strstr(g->message, want[k].msg) && g->line == want[k].line &&
                    g->col == want[k].col && strcmp(g->file, "bad.json") == 0;
        }
        if (!found) {
            for (size_t i = 0; i < n; i++) {
                char buf[512];
                zp_diag_format(zp_ctx_diag_get(ctx, i), buf, sizeof buf);
                print_error("got: %s\n", buf);
            }
            fail_msg("missing %d:%d: %s: %s", want[k].line, want[k].col, want[k].path,
                     want[k].msg);
        }
    }
    assert_int_equal(n, ZP_ARRAY_LEN_T(want));
    zp_ctx_free(ctx);

    /* a syntax error is one located diagnostic */
    ctx = zp_ctx_new();
    assert_int_equal(zs_devices_parse_buf(ctx, "s.json", "{\"devices\": [\n  {,]}", 19, &d),
                     ZP_EMODEL);
    assert_int_equal(zp_ctx_diag_count(ctx), 1);
    assert_int_equal(zp_ctx_diag_get(ctx, 0)->line, 2);
    zp_ctx_free(ctx);
}

/* ---- poller against pymodbus ------------------------------------------------ */

static void wait_count(sink_t *s, const char *series, unsigned n, double timeout_s)
{
    double t0 = now_s();
    unsigned c = 0;
    while (now_s() - t0 < timeout_s) {
        sink_get(s, series, &c);
        if (c >= n)
            return;
        sleep_s(0.02);
    }
    fail_msg("%s: %u readings after %.0f s, expected %u", series, c, timeout_s, n);
}

static void test_poll_pymodbus(void **state)
{
    (void)state;
    int port = free_port();
    pid_t srv = start_pymodbus(port, NULL);
    char json[4096];
    snprintf(json, sizeof json,
             "{\"storage\": [{\"name\": \"bess\", \"power_kw\": 400}], \"devices\": [\n"
             " {\"name\": \"d\", \"type\": \"modbus\", \"host\": \"127.0.0.1\", \"port\": %d,\n"
             "  \"poll_ms\": 100, \"points\": [\n"
             "  {\"name\": \"i16\", \"address\": 100, \"type\": \"int16\"},\n"
             "  {\"name\": \"u16\", \"address\": 101, \"type\": \"uint16\", \"scale\": 0.01},\n"
             "  {\"name\": \"i32\", \"address\": 102, \"type\": \"int32\"},\n"
             "  {\"name\": \"u32\", \"address\": 104, \"type\": \"uint32\", \"word_order\": \"little\"},\n"
             "  {\"name\": \"f32\", \"address\": 106, \"type\": \"float32\"},\n"
             "  {\"name\": \"sfneg\", \"address\": 110, \"type\": \"int16\", \"sf_address\": 111},\n"
             "  {\"name\": \"sfpos\", \"address\": 112, \"sf_address\": 113, \"scale\": 0.001},\n"
             "  {\"name\": \"unmapped\", \"address\": 251}]},\n"
             " {\"name\": \"bat\", \"type\": \"modbus\", \"host\": \"127.0.0.1\", \"port\": %d,\n"
             "  \"unit_id\": 2, \"storage\": \"bess\", \"setpoint_min_kw\": -300, \"points\": [\n"
             "  {\"name\": \"sp\", \"address\": 200, \"type\": \"int16\", \"scale\": 0.1,\n"
             "   \"writable\": true, \"min\": -1000, \"max\": 1000},\n"
             "  {\"name\": \"probe\", \"address\": 100, \"type\": \"int16\"}]},\n"
             " {\"name\": \"notsunspec\", \"type\": \"modbus\", \"host\": \"127.0.0.1\",\n"
             "  \"port\": %d, \"poll_ms\": 100, \"sunspec\": \"103\", \"base_address\": 0}]}",
             port, port, port);
    zs_devices d = parse_ok(json);
    static sink_t s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.mu, NULL);
    zp_ctx *ctx = zp_ctx_new();
    zs_poller *P = NULL;
    assert_int_equal(zs_poller_start(ctx, &d, sink_fn, &s, &P), ZP_OK);
    wait_count(&s, "d.i16", 3, 20);
    /* the values mb_server.py holds, decoded by hand in its docstring */
    assert_near(sink_get(&s, "d.i16", NULL), -1234, 0);
    assert_near(sink_get(&s, "d.u16", NULL), 543.21, 1e-9);
    assert_near(sink_get(&s, "d.i32", NULL), -123456789, 0);
    assert_near(sink_get(&s, "d.u32", NULL), 3000000000.0, 0);
    assert_near(sink_get(&s, "d.f32", NULL), 3.14159, 1e-6);
    assert_near(sink_get(&s, "d.sfneg", NULL), 123.45, 1e-9);
    assert_near(sink_get(&s, "d.sfpos", NULL), 5.0, 1e-12); /* 500 * 0.001 * 10^1 */
    unsigned c;
    assert_true(isnan(sink_get(&s, "d.unmapped", &c)));
    assert_int_equal(c, 0);

    zs_dev_health h;
    zs_poller_health(P, 0, &h);
    assert_int_equal(h.state, ZS_STATE_OK);
    assert_true(h.polls >= 3);
    /* register 251 is outside the server's map: one exception for the block,
     * then one per poll for the point read on its own */
    assert_true(h.exceptions >= h.polls - 1);
    assert_int_equal(h.timeouts, 0);
    assert_int_equal(h.reconnects, 0);
    assert_true(h.last_ok_ms > 0);
    assert_non_null(strstr(h.last_error, "Illegal data address"));

    /* setpoints: clamped to the device's limits (-300 .. 1000 narrowed by
     * the register's +-1000 and the storage's 400 kW) and read back */
    char err[256];
    double applied = 0;
    assert_int_equal(zs_poller_write_setpoint(P, "bess", 5000, &applied, err, sizeof err), ZP_OK);
    assert_near(applied, 400, 0);
    wait_count(&s, "bat.sp", 1, 10);
    unsigned c0;
    sink_get(&s, "bat.sp", &c0);
    wait_count(&s, "bat.sp", c0 + 2, 10);
    assert_near(sink_get(&s, "bat.sp", NULL), 400, 1e-9); /* raw 4000 at scale 0.1 */
    assert_int_equal(zs_poller_write_setpoint(P, "bess", -1e9, &applied, err, sizeof err), ZP_OK);
    assert_near(applied, -300, 0);
    assert_int_equal(zs_poller_write_setpoint(P, "bess", 123.44, &applied, err, sizeof err), ZP_OK);
    assert_near(applied, 123.4, 1e-9); /* the register's step is 0.1 kW */
    assert_int_equal(zs_poller_write_setpoint(P, "bess", NAN, &applied, err, sizeof err), ZP_EINVAL);
    assert_int_equal(zs_poller_write_setpoint(P, "nope", 1, &applied, err, sizeof err),
                     ZP_ENOTFOUND);
    zs_poller_health(P, 1, &h);
    assert_int_equal(h.writes, 3);
    assert_int_equal(h.write_errors, 0); /* a NaN is refused before the device */

    /* a device that is not the SunSpec device the map says: an error, no
     * readings (registers 0..1 hold 0, not "SunS") */
    zs_poller_health(P, 2, &h);
    assert_true(h.errors >= 1);
    assert_int_not_equal(h.state, ZS_STATE_OK);
    assert_non_null(strstr(h.last_error, "no SunSpec marker 'SunS' at 0"));
    sink_get(&s, "notsunspec.ac_power_kw", &c);
    assert_int_equal(c, 0);

    zs_poller_stop(P);
    zs_devices_free(&d);
    zp_ctx_free(ctx);
    pthread_mutex_destroy(&s.mu);
    stop(srv, SIGTERM);
}

/* A device that disconnects and one that answers slowly: each goes down or
 * stale and recovers; a healthy device keeps its poll rate throughout. */
static void test_faults(void **state)
{
    (void)state;
    int pn = free_port(), pf = free_port(), ps = free_port();
    pid_t n = start_pymodbus(pn, NULL);
    pid_t f = start_pymodbus(pf, NULL);
    pid_t sl = start_pymodbus(ps, "1.0");
    char json[2048];
    snprintf(json, sizeof json,
             "{\"devices\": [\n"
             " {\"name\": \"good\", \"type\": \"modbus\", \"host\": \"127.0.0.1\", \"port\": %d,\n"
             "  \"poll_ms\": 100, \"timeout_ms\": 2000, \"points\": [{\"name\": \"v\", \"address\": 100}]},\n"
             " {\"name\": \"flaky\", \"type\": \"modbus\", \"host\": \"127.0.0.1\", \"port\": %d,\n"
             "  \"poll_ms\": 100, \"timeout_ms\": 300, \"points\": [{\"name\": \"v\", \"address\": 100}]},\n"
             " {\"name\": \"slow\", \"type\": \"modbus\", \"host\": \"127.0.0.1\", \"port\": %d,\n"
             "  \"poll_ms\": 100, \"timeout_ms\": 300, \"points\": [{\"name\": \"v\", \"address\": 100}]}\n"
             "]}",
             pn, pf, ps);
    zs_devices d = parse_ok(json);
    static sink_t s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.mu, NULL);
    zp_ctx *ctx = zp_ctx_new();
    zs_poller *P = NULL;
    double t0 = now_s();
    assert_int_equal(zs_poller_start(ctx, &d, sink_fn, &s, &P), ZP_OK);
    wait_count(&s, "flaky.v", 3, 10);
    zs_dev_health h;

    /* the slow device times out: stale, no readings */
    sleep_s(1.0);
    zs_poller_health(P, 2, &h);
    assert_int_equal(h.state, ZS_STATE_STALE);
    assert_true(h.timeouts >= 1);
    unsigned c;
    sink_get(&s, "slow.v", &c);
    assert_int_equal(c, 0);

    /* the flaky device goes away: down, errors counted */
    assert_int_equal(stop(f, SIGKILL), 128 + SIGKILL);
    double t_kill = now_s();
    sleep_s(1.5);
    zs_poller_health(P, 1, &h);
    assert_int_equal(h.state, ZS_STATE_DOWN);
    assert_true(h.errors >= 2);
    assert_non_null(strstr(h.last_error, "connect"));
    unsigned flaky_before;
    sink_get(&s, "flaky.v", &flaky_before);

    /* both come back */
    f = start_pymodbus(pf, NULL);
    kill(sl, SIGUSR1);
    double t_back = now_s();
    for (;;) {
        zs_dev_health h1, h2;
        zs_poller_health(P, 1, &h1);
        zs_poller_health(P, 2, &h2);
        if (h1.state == ZS_STATE_OK && h2.state == ZS_STATE_OK)
            break;
        /* back-off is at most 250 ms doubling: 4 s covers the sleep above */
        if (now_s() - t_back > 20)
            fail_msg("no recovery: flaky %s, slow %s", zs_dev_state_name(h1.state),
                     zs_dev_state_name(h2.state));
        sleep_s(0.05);
    }
    wait_count(&s, "slow.v", 1, 5);
    zs_poller_health(P, 1, &h);
    assert_true(h.reconnects >= 1);
    wait_count(&s, "flaky.v", flaky_before + 3, 5);
    zs_poller_health(P, 2, &h);
    assert_true(h.reconnects >= 1);

    /* the good device kept polling every 100 ms all along, also while the
     * others were failing (t_kill .. t_back); a poller that waited for the
     * slow device would manage under 1 poll/s. The bound leaves room for a
     * loaded machine (the test runs beside others under the sanitizers). */
    double elapsed = now_s() - t0;
    zs_poller_health(P, 0, &h);
    assert_int_equal(h.state, ZS_STATE_OK);
    assert_int_equal(h.errors, 0);
    unsigned good;
    sink_get(&s, "good.v", &good);
    print_message("good device: %u polls in %.2f s (%.1f/s)\n", good, elapsed, good / elapsed);
    assert_true(good >= 0.6 * elapsed / 0.1);
    (void)t_kill;

    zs_poller_stop(P);
    zs_devices_free(&d);
    zp_ctx_free(ctx);
    pthread_mutex_destroy(&s.mu);
    stop(n, SIGTERM);
    stop(f, SIGTERM);
    stop(sl, SIGTERM);
}

/* ---- our simulator, our poller, mbpoll --------------------------------------- */

/* Run mbpoll once; returns its exit status and the output in out. */
static int mbpoll(char *out, size_t outsz, const char *fmt, ...) ZP_PRINTF(3, 4);
static int mbpoll(char *out, size_t outsz, const char *fmt, ...)
{
    static int checked;
    if (!checked)
        zp_need("mbpoll");
    checked = 1;
    char args[512], cmd[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "timeout 10 mbpoll -m tcp -0 -1 -o 2 %s 2>&1", args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, outsz - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The value mbpoll printed for register reg ("[41002]: \t-3000000"). */
static long mbpoll_value(const char *out, int reg)
{
    char key[32];
    snprintf(key, sizeof key, "[%d]:", reg);
    const char *p = strstr(out, key);
    if (!p)
        fail_msg("mbpoll printed no register %d:\n%s", reg, out);
    return strtol(p + strlen(key), NULL, 10);
}

static void test_simulator(void **state)
{
    (void)state;
    int port = free_port();
    char ps[32], listen[64], out[4096];
    snprintf(ps, sizeof ps, "%d", port);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    char *argv[] = {ZP_CLI, "devices", LIVE_MODEL, "--listen", listen, "--speed", "0", "--start",
                    "2024-06-21T12:00+08:00", NULL};
    pid_t sim = spawn(argv, port, 120, ZP_BINARY_DIR "/test_devices_sim.log");

    zp_ctx *ctx = zp_ctx_new();
    zs_devices d;
    assert_int_equal(zs_devices_load(ctx, LIVE_MODEL, &d), ZP_OK);
    for (size_t i = 0; i < d.n; i++)
        d.dev[i].port = port;
    static sink_t s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.mu, NULL);
    zs_poller *P = NULL;
    assert_int_equal(zs_poller_start(ctx, &d, sink_fn, &s, &P), ZP_OK);
    wait_count(&s, "inv-roof-1.ac_power_kw", 1, 20);

    /* what the simulation says for 2024-06-21 12:00 (+08:00): the rooftop
     * array split between two inverters (1 kW steps at scale factor 3) */
    zp_model *m = NULL;
    assert_int_equal(zp_model_load_file(ctx, LIVE_MODEL, 0, &m), ZP_OK);
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    zp_sim_result *r = NULL;
    assert_int_equal(zp_simulate(ctx, m, &so, &r), ZP_OK);
    zp_time_t t;
    int32_t off;
    assert_int_equal(zp_time_parse("2024-06-21T12:00+08:00", 22, 0, &t, &off), ZP_OK);
    size_t i = (size_t)((t - r->start) / r->step_s);
    assert_near(sink_get(&s, "inv-roof-1.ac_power_kw", NULL), r->pv_array_kw[0][i] / 2, 0.5);
    assert_near(sink_get(&s, "inv-car-1.ac_power_kw", NULL), r->pv_array_kw[1][i], 0.5);
    assert_near(sink_get(&s, "dc-meter-1.power_kw", NULL), r->dc_it_kw[i], 0.5);
    assert_near(sink_get(&s, "bess-1.soc", NULL), r->flows->storage[0].soc[i], 0.0001);
    assert_near(sink_get(&s, "grid-meter.frequency_hz", NULL), 50, 0.01);

    /* setpoints through our poller, clamped to the battery's +-10 MW, read
     * back by mbpoll (int32 W, high word first) */
    char err[256];
    double applied;
    assert_int_equal(zs_poller_write_setpoint(P, "bess-1", 99999, &applied, err, sizeof err), ZP_OK);
    assert_near(applied, 10000, 0);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 41002 -t 4:int -B 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 41002), 10000000);
    /* the battery follows: it discharges at 10 MW (simulated time stands still) */
    sleep_s(0.3);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 41000 -t 4:int -B 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 41000), 10000000);
    assert_int_equal(zs_poller_write_setpoint(P, "bess-1", -1e7, &applied, err, sizeof err), ZP_OK);
    assert_near(applied, -10000, 0);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 41002 -t 4:int -B 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 41002), -10000000);
    zs_dev_health h;
    zs_poller_health(P, d.n - 1, &h);
    assert_int_equal(h.writes, 2);
    assert_int_equal(h.write_errors, 0);

    /* the device itself refuses what is beyond its limits, and writes to
     * measurements */
    assert_int_not_equal(
        mbpoll(out, sizeof out, "-p %d -a 8 -r 41002 -t 4:int -B 127.0.0.1 20000000", port), 0);
    assert_non_null(strstr(out, "Illegal data value"));
    assert_int_not_equal(mbpoll(out, sizeof out, "-p %d -a 1 -r 40084 127.0.0.1 5", port), 0);
    assert_non_null(strstr(out, "Illegal data address"));
    /* an unknown unit id */
    assert_int_not_equal(mbpoll(out, sizeof out, "-p %d -a 99 -r 40084 127.0.0.1", port), 0);

    zs_poller_stop(P);
    /* SIGTERM: a clean exit */
    assert_int_equal(stop(sim, SIGTERM), 0);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zs_devices_free(&d);
    zp_ctx_free(ctx);
    pthread_mutex_destroy(&s.mu);
}

/* Prefix a model's relative CSV path with dir. */
static void absolute_csv(json_t *obj, const char *dir)
{
    json_t *c = json_object_get(obj, "csv");
    if (json_is_string(c) && json_string_value(c)[0] != '/') {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s/%s", dir, json_string_value(c));
        json_object_set_new(obj, "csv", json_string(buf));
    }
}

/* A battery controlled through its SunSpec 124 registers (no setpoint
 * register): our poller writes OutWRte/InWRte and StorCtl_Mod, mbpoll reads
 * them back, the simulated battery follows. */
static void test_simulator_124(void **state)
{
    (void)state;
    char model[512], listen[64], out[4096];
    json_error_t jerr;
    json_t *root = json_load_file(LIVE_MODEL, 0, &jerr);
    assert_non_null(root);
    const char *dir = ZP_SOURCE_DIR "/examples/live-campus";
    absolute_csv(json_object_get(root, "weather"), dir);
    absolute_csv(json_object_get(json_array_get(json_object_get(root, "loads"), 0), "power_kw"), dir);
    absolute_csv(json_object_get(json_object_get(root, "datacenter"), "it_power_kw"), dir);
    json_t *devs = json_object_get(root, "devices");
    json_t *bat = json_array_get(devs, json_array_size(devs) - 1);
    assert_string_equal(json_string_value(json_object_get(bat, "name")), "bess-1");
    json_t *pts = json_object_get(bat, "points");
    json_array_remove(pts, 1); /* the setpoint register goes; the power reading stays */
    snprintf(model, sizeof model, "%s/test_devices_124.json", ZP_BINARY_DIR);
    assert_int_equal(json_dump_file(root, model, JSON_INDENT(1)), 0);
    json_decref(root);

    int port = free_port();
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    char *argv[] = {ZP_CLI, "devices", model, "--listen", listen, "--speed", "0", "--start",
                    "2024-03-01T20:00+08:00", NULL};
    pid_t sim = spawn(argv, port, 120, ZP_BINARY_DIR "/test_devices_sim124.log");
    zp_ctx *ctx = zp_ctx_new();
    zs_devices d;
    assert_int_equal(zs_devices_load(ctx, model, &d), ZP_OK);
    for (size_t i = 0; i < d.n; i++)
        d.dev[i].port = port;
    zs_poller *P = NULL;
    assert_int_equal(zs_poller_start(ctx, &d, NULL, NULL, &P), ZP_OK);

    /* 24 MW asked, the battery's 10 MW written: OutWRte 100.00 % of WChaMax
     * (raw 10000 at the rate scale factor -2), StorCtl_Mod 2 = discharge;
     * the model's 124 ID is at 40070, so StorCtl_Mod 40075, OutWRte 40082,
     * InWRte 40083 */
    char err[256];
    double applied = 0;
    assert_int_equal(zs_poller_write_setpoint(P, "bess-1", 24000, &applied, err, sizeof err), ZP_OK);
    assert_near(applied, 10000, 1e-9);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 40075 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 40075), 2);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 40082 -c 2 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 40082), 10000);
    assert_int_equal(mbpoll_value(out, 40083), 0);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 40095 127.0.0.1", port), 0);
    assert_int_equal((int16_t)mbpoll_value(out, 40095), -2); /* InOutWRte_SF */
    sleep_s(0.3);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 41000 -t 4:int -B 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 41000), 10000000); /* W */

    /* charge at 2.5 MW: InWRte 25.00 %, StorCtl_Mod 1 */
    assert_int_equal(zs_poller_write_setpoint(P, "bess-1", -2500, &applied, err, sizeof err), ZP_OK);
    assert_near(applied, -2500, 1e-9);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 40082 -c 2 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 40082), 0);
    assert_int_equal(mbpoll_value(out, 40083), 2500);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 40075 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 40075), 1);
    sleep_s(0.3);
    assert_int_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 41000 -t 4:int -B 127.0.0.1", port), 0);
    assert_int_equal(mbpoll_value(out, 41000), -2500000);

    /* a rate above 100 % is refused by the device */
    assert_int_not_equal(mbpoll(out, sizeof out, "-p %d -a 8 -r 40082 127.0.0.1 10001", port), 0);
    assert_non_null(strstr(out, "Illegal data value"));
    zs_dev_health h;
    zs_poller_health(P, d.n - 1, &h);
    assert_int_equal(h.writes, 2);
    assert_int_equal(h.write_errors, 0);

    zs_poller_stop(P);
    assert_int_equal(stop(sim, SIGTERM), 0);
    zs_devices_free(&d);
    zp_ctx_free(ctx);
}

/* The simulator in this process: its loop on a thread, stopped to jump
 * simulated time. */
typedef struct simrun {
    zs_devsim *s;
    volatile sig_atomic_t stop;
    pthread_t th;
} simrun;

static void *simrun_main(void *arg)
{
    simrun *r = arg;
    zs_devsim_run(r->s, &r->stop);
    return NULL;
}

static void simrun_start(simrun *r)
{
    __atomic_store_n(&r->stop, 0, __ATOMIC_RELAXED);
    assert_int_equal(pthread_create(&r->th, NULL, simrun_main, r), 0);
}

static void simrun_stop(simrun *r)
{
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
    pthread_join(r->th, NULL);
}

/* Battery 8 of the live campus: SOC (ChaState at 40078, its scale factor
 * at 40092, % -> fraction) and power (int32 W at 41000). */
static void read_battery(int port, double *soc, double *kw)
{
    modbus_t *mb = modbus_new_tcp("127.0.0.1", port);
    uint16_t r[2], sf;
    assert_non_null(mb);
    modbus_set_slave(mb, 8);
    assert_int_equal(modbus_connect(mb), 0);
    assert_int_equal(modbus_read_registers(mb, 40078, 1, r), 1);
    assert_int_equal(modbus_read_registers(mb, 40092, 1, &sf), 1);
    *soc = r[0] * pow(10.0, (int16_t)sf) / 100;
    assert_int_equal(modbus_read_registers(mb, 41000, 2, r), 2);
    *kw = (int32_t)((uint32_t)r[0] << 16 | r[1]) / 1000.0;
    modbus_close(mb);
    modbus_free(mb);
}

static void write_setpoint_w(int port, int32_t w)
{
    modbus_t *mb = modbus_new_tcp("127.0.0.1", port);
    uint16_t r[2] = {(uint16_t)((uint32_t)w >> 16), (uint16_t)((uint32_t)w & 0xFFFF)};
    assert_non_null(mb);
    modbus_set_slave(mb, 8);
    assert_int_equal(modbus_connect(mb), 0);
    assert_int_equal(modbus_write_registers(mb, 41002, 2, r), 2);
    modbus_close(mb);
    modbus_free(mb);
}

/* A battery following written setpoints: state of charge integrated with
 * the efficiencies, held within soc_min..soc_max (bess-1: 40,000 kWh,
 * 10,000 kW, charge and discharge efficiency 0.95, SOC 0.10..0.95). */
static void test_simulator_battery(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = NULL;
    zs_devices d;
    zp_sim_result *res = NULL;
    zp_sim_opts so;
    assert_int_equal(zp_model_load_file(ctx, LIVE_MODEL, 0, &m), ZP_OK);
    assert_int_equal(zs_devices_load(ctx, LIVE_MODEL, &d), ZP_OK);
    zp_sim_opts_init(&so);
    assert_int_equal(zp_simulate(ctx, m, &so, &res), ZP_OK);

    zs_devsim_opts o;
    zs_devsim_opts_init(&o);
    o.port = 0;
    o.speed = 0;
    int32_t off;
    assert_int_equal(zp_time_parse("2024-03-01T20:00+08:00", 22, 0, &o.start, &off), ZP_OK);
    /* from the first hour on whose simulated charge leaves room for the
     * hour at 10 MW below (the model's dispatch decides where it stands) */
    size_t i = (size_t)((o.start - res->start) / res->step_s);
    while (i < res->steps && res->flows->storage[0].soc[i] > 0.95 - 0.2375 - 0.01)
        i++;
    assert_true(i < res->steps);
    o.start = res->start + (zp_time_t)i * res->step_s;
    double soc_i = res->flows->storage[0].soc[i];
    static simrun r;
    assert_int_equal(zs_devsim_new(ctx, m, &d, &o, &r.s), ZP_OK);
    int port = zs_devsim_port(r.s);
    assert_true(port > 0);
    /* what the simulator serves is the simulation's, before any write */
    assert_near(zs_devsim_quantity(r.s, "storage.bess-1.soc", o.start), soc_i, 1e-12);
    assert_near(zs_devsim_quantity(r.s, "pv.rooftops", o.start), res->pv_array_kw[0][i], 1e-12);
    assert_near(zs_devsim_quantity(r.s, "grid.net", o.start),
                res->flows->grid_import_kw[i] - res->flows->grid_export_kw[i], 1e-9);

    simrun_start(&r);
    double soc, kw;
    read_battery(port, &soc, &kw);
    assert_near(soc, soc_i, 0.5e-4); /* ChaState in 0.01 % steps */
    write_setpoint_w(port, -10000000); /* charge at 10 MW */
    simrun_stop(&r);

    /* one hour: + 10,000 kW x 0.95 x 1 h / 40,000 kWh = + 0.2375 */
    zs_devsim_advance(r.s, 3600);
    simrun_start(&r);
    read_battery(port, &soc, &kw);
    assert_near(soc, soc_i + 0.2375, 0.5e-4);
    assert_near(kw, -10000, 1e-3);
    simrun_stop(&r);

    /* four more hours would pass soc_max: it stops at 0.95 and the battery
     * then takes nothing */
    zs_devsim_advance(r.s, 4 * 3600);
    simrun_start(&r);
    sleep_s(0.2);
    read_battery(port, &soc, &kw);
    assert_near(soc, 0.95, 0.5e-4);
    assert_near(kw, 0, 1e-3);
    write_setpoint_w(port, 1000000); /* discharge at 1 MW */
    simrun_stop(&r);

    /* one hour: - 1,000 kW x 1 h / 0.95 / 40,000 kWh = - 0.0263158 */
    zs_devsim_advance(r.s, 3600);
    simrun_start(&r);
    read_battery(port, &soc, &kw);
    assert_near(soc, 0.95 - 1000.0 / 0.95 / 40000, 0.5e-4);
    assert_near(kw, 1000, 1e-3);
    simrun_stop(&r);

    zs_devsim_free(r.s);
    zp_sim_result_free(ctx, res);
    zs_devices_free(&d);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec),         cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),  cmocka_unit_test(test_poll_pymodbus),
        cmocka_unit_test(test_faults),        cmocka_unit_test(test_simulator),
        cmocka_unit_test(test_simulator_124), cmocka_unit_test(test_simulator_battery),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
