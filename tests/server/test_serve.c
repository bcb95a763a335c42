/*
 * test_serve.c - unit tests of `zeropark serve`'s parts that need no
 * network: the config file (mode check, defaults, located errors), the
 * readings document, MQTT payloads, feed names, and the ingest writer with
 * its accounting meters on real SQLite files (values checked by hand).
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "serve.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/zp-test-serve-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[320];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_config(void **state)
{
    zs_config c;
    char err[512], path[300];
    (void)state;
    zs_config_defaults(&c);
    assert_int_equal(c.replan_min, 15);
    assert_int_equal(c.listen_port, 8080);
    assert_int_equal(c.flush_ms, 5000);
    assert_true(c.safe_hold);

    const char *doc = "{\"listen\": \"127.0.0.1:9000\", \"db\": \"/var/lib/zeropark/park.db\", "
                      "\"token\": \"0123456789abcdef0123\", \"replan_min\": 5, \"log_level\": \"debug\", "
                      "\"safe_mode\": \"self-consumption\", \"mqtt\": {\"host\": \"10.0.0.2\", \"port\": 1884}}";
    assert_int_equal(zs_config_parse(doc, strlen(doc), "c.json", &c, err, sizeof err), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 9000);
    assert_int_equal(c.replan_min, 5);
    assert_int_equal(c.log_level, ZS_LOG_DEBUG);
    assert_false(c.safe_hold);
    assert_true(c.mqtt_enabled);
    assert_string_equal(c.mqtt_host, "10.0.0.2");
    assert_int_equal(c.mqtt_port, 1884);
    assert_string_equal(c.mqtt_prefix, "zeropark/");

    static const struct {
        const char *doc, *msg;
    } bad[] = {
        {"{\"replan_mins\": 5}", "c.json: replan_mins: unknown key; did you mean 'replan_min'?"},
        {"{\"token\": \"short\"}", "c.json: token: at least 16 characters"},
        {"{\"replan_min\": 0}", "c.json: replan_min: expected a whole number 1..1440"},
        {"{\"account_step_s\": 90, \"store_step_s\": 60}", "c.json: account_step_s: 90 must divide a day"},
        {"{\"listen\": \"localhost\"}", "c.json: listen: 'localhost' is not HOST:PORT"},
        {"{\"mqtt\": {\"prefix\": \"a/#\"}}", "c.json: mqtt.prefix: no wildcards"},
        {"{\"mqtt\": {\"prot\": 1883}}", "c.json: mqtt.prot: unknown key; did you mean 'port'?"},
        {"{\"listen\": ", "c.json:1:11: "},
        {"[]", "c.json: expected a JSON object at the top"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zs_config_defaults(&c);
        err[0] = '\0';
        assert_int_equal(zs_config_parse(bad[i].doc, strlen(bad[i].doc), "c.json", &c, err, sizeof err), -1);
        if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("config %zu: '%s' does not start with '%s'", i, err, bad[i].msg);
    }

    /* the mode check: group- or world-readable is refused with the fix */
    snprintf(path, sizeof path, "%s/serve.json", tmpdir);
    write_file(path, "{\"token\": \"0123456789abcdef0123\"}", 0644);
    zs_config_defaults(&c);
    assert_int_equal(zs_config_load(path, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "mode 0644 lets other users read the write token; run 'chmod 600"));
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(zs_config_load(path, &c, err, sizeof err), 0);
    assert_string_equal(c.token, "0123456789abcdef0123");
    /* exactly 0600 or 0400 (docs/serve.md): 0700 is refused too */
    assert_int_equal(chmod(path, 0700), 0);
    assert_int_equal(zs_config_load(path, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "mode 0700: the config file holds the write token and must be mode "
                                "0600 or 0400; run 'chmod 600"));
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(zs_config_load(path, &c, err, sizeof err), 0);
}

static void test_times(void **state)
{
    int64_t t;
    (void)state;
    /* 2024-06-01T00:00:00Z = 1717200000 s; +08:00 noon is 04:00Z */
    assert_int_equal(zs_time_text_parse("2024-06-01T12:00:00+08:00", 25, 480, &t), 0);
    assert_int_equal(t, 1717214400000LL);
    assert_int_equal(zs_time_text_parse("1717214400123", 13, 480, &t), 0);
    assert_int_equal(t, 1717214400123LL);
    /* a date alone is its midnight at the park's offset: 2024-05-31T16:00Z */
    assert_int_equal(zs_time_text_parse("2024-06-01", 10, 480, &t), 0);
    assert_int_equal(t, (1717200000LL - 8 * 3600) * 1000);
    assert_int_equal(zs_time_text_parse("2024-06-01T12:00:00", 19, 0, &t), 0);
    assert_int_equal(t, 1717243200000LL);
    assert_int_equal(zs_time_text_parse("yesterday", 9, 480, &t), -1);
    assert_int_equal(zs_time_text_parse("", 0, 480, &t), -1);
}

static void test_readings(void **state)
{
    json_t *root;
    zs_parsed *r;
    size_t n;
    bool big;
    char err[256];
    (void)state;
    const char *doc = "{\"readings\": [{\"series\": \"meter1.power_kw\", \"t\": \"2024-06-01T12:00:00+08:00\", "
                      "\"value\": 812.5}, {\"series\": \"grid.net\", \"t\": 1717214400000, \"value\": -4},"
                      " {\"series\": \"x\", \"value\": 1}]}";
    assert_int_equal(zs_readings_parse(doc, strlen(doc), 480, 1717200000000LL, 10, &root, &r, &n, &big, err,
                                       sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(r[0].series, "meter1.power_kw");
    assert_int_equal(r[0].t_ms, 1717214400000LL);
    assert_true(r[0].value == 812.5);
    assert_true(r[1].value == -4.0);
    assert_int_equal(r[2].t_ms, 1717200000000LL); /* no t: now */
    free(r);
    json_decref(root);

    static const struct {
        const char *doc, *msg;
    } bad[] = {
        {"{\"readings\": [{\"series\": \"a\", \"value\": 1}, {\"series\": \"a\", \"value\": \"1\"}]}",
         "readings[1].value: expected a finite number"},
        {"{\"readings\": [{\"series\": \"a b\", \"value\": 1}]}", "readings[0].series: expected a name"},
        {"{\"readings\": [{\"series\": \"a\", \"t\": \"noon\", \"value\": 1}]}", "readings[0].t: not an ISO-8601"},
        {"{\"readings\": [{\"series\": \"a\", \"t\": 1717214400, \"value\": 1}]}",
         "readings[0].t: 1717214400 ms is outside 2000..2100"},
        {"{\"readings\": [{\"series\": \"a\", \"value\": 1, \"unit\": \"kW\"}]}", "readings[0].unit: unknown key"},
        {"{\"readings\": [1]}", "readings[0]: expected an object"},
        {"{\"reading\": []}", "body: expected {\"readings\""},
        {"{\"readings\": [", "body:1:14:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = NULL;
        root = NULL;
        assert_int_equal(zs_readings_parse(bad[i].doc, strlen(bad[i].doc), 480, 1717200000000LL, 10, &root, &r, &n, &big, err,
                                           sizeof err), -1);
        assert_null(r);
        assert_null(root);
        if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("readings %zu: '%s' does not start with '%s'", i, err, bad[i].msg);
    }
    const char *many = "{\"readings\": [{\"series\": \"a\", \"value\": 1}, {\"series\": \"a\", \"value\": 2}]}";
    assert_int_equal(zs_readings_parse(many, strlen(many), 480, 0, 1, &root, &r, &n, &big, err, sizeof err), -1);
    assert_true(big);
}

static void test_mqtt_payload(void **state)
{
    double v;
    int64_t t;
    char err[256];
    (void)state;
    assert_int_equal(zs_mqtt_payload_parse("42.5", 4, "", 480, 1717200000000LL, &v, &t, err, sizeof err), 0);
    assert_true(v == 42.5);
    assert_int_equal(t, 1717200000000LL);
    assert_int_equal(zs_mqtt_payload_parse(" 1e3\n", 5, "", 480, 0, &v, &t, err, sizeof err), 0);
    assert_true(v == 1000);
    const char *o = "{\"value\": 7, \"t\": \"2024-06-01T12:00:00+08:00\"}";
    assert_int_equal(zs_mqtt_payload_parse(o, strlen(o), "", 480, 0, &v, &t, err, sizeof err), 0);
    assert_true(v == 7);
    assert_int_equal(t, 1717214400000LL);
    const char *f = "{\"p\": 1200.5, \"temp\": 31.5, \"ts\": 1717214400000}";
    assert_int_equal(zs_mqtt_payload_parse(f, strlen(f), "temp", 480, 0, &v, &t, err, sizeof err), 0);
    assert_true(v == 31.5);
    assert_int_equal(t, 1717214400000LL);
    static const char *const bad[] = {"abc", "nan", "inf", "{", "{\"value\": \"1\"}", "", "[1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (zs_mqtt_payload_parse(bad[i], strlen(bad[i]), "", 480, 0, &v, &t, err, sizeof err) != -1 || !err[0])
            fail_msg("payload '%s' accepted", bad[i]);
    }
    assert_int_equal(zs_mqtt_payload_parse(f, strlen(f), "q", 480, 0, &v, &t, err, sizeof err), -1);
    assert_string_equal(err, "q: expected a finite number");
}

static void test_feeds(void **state)
{
    char a[64];
    (void)state;
    assert_int_equal(zs_feed_parse("pv.rooftops", a, sizeof a), ZS_FEED_PV);
    assert_string_equal(a, "rooftops");
    assert_int_equal(zs_feed_parse("storage.bess-1.power", a, sizeof a), ZS_FEED_STORAGE_POWER);
    assert_string_equal(a, "bess-1");
    assert_int_equal(zs_feed_parse("storage.bess-1.soc", a, sizeof a), ZS_FEED_STORAGE_SOC);
    assert_int_equal(zs_feed_parse("grid.net", a, sizeof a), ZS_FEED_GRID_NET);
    assert_int_equal(zs_feed_parse("datacenter.it", a, sizeof a), ZS_FEED_DC_IT);
    assert_int_equal(zs_feed_parse("load.campus-services", a, sizeof a), ZS_FEED_LOAD);
    assert_int_equal(zs_feed_parse("pv.a.b", a, sizeof a), ZS_FEED_NONE);
    assert_int_equal(zs_feed_parse("pv.", a, sizeof a), ZS_FEED_NONE);
    assert_int_equal(zs_feed_parse("meter1.power_kw", a, sizeof a), ZS_FEED_NONE);
    assert_true(zs_series_name_ok("inv-roof-1.ac_power_kw"));
    assert_false(zs_series_name_ok("a b"));
    assert_false(zs_series_name_ok(""));
}

/* The writer and the meters on real SQLite files: two storage power
 * readings per minute, by hand. */
static void test_ingest_meters(void **state)
{
    char db[300], raw[300];
    zp_ctx *ctx = zp_ctx_new();
    zs_ingest *in = NULL;
    zs_metrics m;
    (void)state;
    memset(&m, 0, sizeof m);
    snprintf(db, sizeof db, "%s/park.db", tmpdir);
    snprintf(raw, sizeof raw, "%s/park-raw.db", tmpdir);
    zs_ingest_opts o = {.db = db, .raw_db = raw, .store_step_s = 1, .account_step_s = 300, .flush_ms = 50,
                        .queue_max = 100000, .dc_pue = 1.25, .metrics = &m};
    assert_int_equal(zs_ingest_start(ctx, &o, &in), ZP_OK);
    const int64_t T = 1717214400000LL; /* 2024-06-01T12:00:00+08:00 */
    /* battery: +600 (discharge) at 12:00, -300 (charge) at 12:01, 0 at 12:02,
     * IT power 1000 kW twice; a reading at the same second replaces the first */
    zs_parsed r[] = {{"storage.bess-1.power", T, 600},       {"storage.bess-1.power", T + 60000, -300},
                     {"storage.bess-1.power", T + 120000, 0}, {"datacenter.it", T, 999},
                     {"datacenter.it", T + 400, 1000},        {"datacenter.it", T + 60000, 1000},
                     {"storage.bess-1.soc", T, 0.5}};
    assert_int_equal(zs_ingest_push(in, ZS_SRC_HTTP, r, 7), 7);
    double v;
    int64_t t;
    assert_true(zs_ingest_latest(in, "datacenter.it", &v, &t));
    assert_true(v == 1000 && t == T + 60000);
    zs_ingest_sync(in);
    assert_int_equal(atomic_load(&m.readings_stored), 7);
    zs_ingest_stop(in);

    zp_store *st = NULL;
    assert_int_equal(zp_store_open(ctx, db, ZP_STORE_READONLY, &st), ZP_OK);
    static const struct {
        const char *meter;
        double kw;
    } want[] = {
        {"storage_discharge.bess-1_kw", 200},  /* (600 + 0 + 0) / 3 */
        {"storage_charge.bess-1_kw", 100},     /* (0 + 300 + 0) / 3 */
        {"dc_it_kw", 1000},                    /* (1000 + 1000) / 2: 999 was replaced */
        {"dc_facility_kw", 1250},              /* IT x PUE 1.25 (no facility meter) */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        zp_series *s = NULL;
        assert_int_equal(zp_store_read(st, want[i].meter, T / 1000, T / 1000 + 300, &s), ZP_OK);
        assert_int_equal(s->len, 1);
        if (fabs(s->v[0] - want[i].kw) > 1e-9)
            fail_msg("%s = %g, want %g", want[i].meter, s->v[0], want[i].kw);
        zp_series_free(ctx, s);
    }
    zp_store_series_info info;
    assert_int_equal(zp_store_series_get(st, "storage.bess-1.soc_kw", &info), ZP_ENOTFOUND); /* SOC: no meter */
    zp_ctx_clear_error(ctx);
    zp_store_close(st);
    /* the raw store holds every reading, the replaced one once */
    assert_int_equal(zp_store_open(ctx, raw, ZP_STORE_READONLY, &st), ZP_OK);
    assert_int_equal(zp_store_series_get(st, "datacenter.it", &info), ZP_OK);
    assert_int_equal(info.count, 2);
    assert_string_equal(info.unit, "kW");
    zp_store_series_info_clear(ctx, &info);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* One batch with readings of one series days apart (a late backfill
 * beside current readings) is written whole: several segments, one store
 * write each. */
static void test_ingest_far_apart(void **state)
{
    char db[300], raw[300];
    zp_ctx *ctx = zp_ctx_new();
    zs_ingest *in = NULL;
    zs_metrics m;
    (void)state;
    memset(&m, 0, sizeof m);
    snprintf(db, sizeof db, "%s/far.db", tmpdir);
    snprintf(raw, sizeof raw, "%s/far-raw.db", tmpdir);
    zs_ingest_opts o = {.db = db, .raw_db = raw, .store_step_s = 1, .account_step_s = 300, .flush_ms = 10000,
                        .queue_max = 100000, .dc_pue = 1, .metrics = &m};
    assert_int_equal(zs_ingest_start(ctx, &o, &in), ZP_OK);
    const int64_t T = 1717214400000LL, DAY = 86400000LL;
    zs_parsed r[] = {{"grid.net", T, 10}, {"grid.net", T + 10 * DAY, 20}, {"grid.net", T + 1000, 11},
                     {"grid.net", T + 20 * DAY, 30}, {"meter.x", T, 1}, {"meter.x", T + 5 * DAY, 2}};
    assert_int_equal(zs_ingest_push(in, ZS_SRC_HTTP, r, 6), 6);
    zs_ingest_sync(in);
    assert_int_equal(atomic_load(&m.readings_stored), 6);
    assert_int_equal(atomic_load(&m.store_errors), 0);
    zs_ingest_stop(in);
    zp_store *st = NULL;
    zp_store_series_info info;
    assert_int_equal(zp_store_open(ctx, raw, ZP_STORE_READONLY, &st), ZP_OK);
    assert_int_equal(zp_store_series_get(st, "grid.net", &info), ZP_OK);
    assert_int_equal(info.count, 4);
    zp_store_series_info_clear(ctx, &info);
    zp_store_close(st);
    /* the meters of both far intervals: import 10 then 20 then 30 kW */
    assert_int_equal(zp_store_open(ctx, db, ZP_STORE_READONLY, &st), ZP_OK);
    zp_series *s = NULL;
    assert_int_equal(zp_store_read(st, "grid_import_kw", (T + 20 * DAY) / 1000, (T + 20 * DAY) / 1000 + 300, &s),
                     ZP_OK);
    assert_true(s->v[0] == 30);
    zp_series_free(ctx, s);
    assert_int_equal(zp_store_read(st, "grid_import_kw", T / 1000, T / 1000 + 300, &s), ZP_OK);
    assert_true(s->v[0] == 10.5); /* (10 + 11) / 2 */
    zp_series_free(ctx, s);
    zp_store_close(st);
    zp_ctx_free(ctx);
}

/* The safe action, by hand. */
static void test_safe_action(void **state)
{
    zs_server S;
    zp_model m;
    zp_storage st[2];
    zs_live L;
    (void)state;
    memset(&S, 0, sizeof S);
    memset(&m, 0, sizeof m);
    memset(st, 0, sizeof st);
    memset(&L, 0, sizeof L);
    st[0].power_kw = 1000, st[0].soc_min = 0.1, st[0].soc_max = 0.9;
    st[1].power_kw = 500, st[1].soc_min = 0.1, st[1].soc_max = 0.9;
    m.storage = st;
    m.nstorage = 2;
    m.datacenter.present = 1;
    m.datacenter.pue = 1.25;
    /* load 400 + IT 480 x 1.25 = 1000 kW, PV 300 + wind 100: 600 kW short,
     * shared 1000:500 -> 400 and 200 kW of discharge */
    L.load_kw = 400, L.has_load = true, L.dc_it_kw = 480, L.has_dc_it = true;
    L.pv_kw = 300, L.has_pv = true, L.wind_kw = 100, L.has_wind = true;
    L.nsoc = 2, L.soc[0] = 0.5, L.soc[1] = 0.5;
    S.cfg.safe_hold = true;
    assert_true(zs_control_safe_kw(&S, &m, 0, &L) == 0);
    S.cfg.safe_hold = false;
    assert_true(fabs(zs_control_safe_kw(&S, &m, 0, &L) - 400) < 1e-9);
    assert_true(fabs(zs_control_safe_kw(&S, &m, 1, &L) - 200) < 1e-9);
    L.soc[1] = 0.1; /* empty: no discharge */
    assert_true(zs_control_safe_kw(&S, &m, 1, &L) == 0);
    /* surplus: PV 4000 against 1000 of load -> 3000 to store, shared
     * 2000 and 1000, each held to its power: -1000 and -500 */
    L.pv_kw = 4000, L.wind_kw = 0, L.soc[1] = 0.5;
    assert_true(zs_control_safe_kw(&S, &m, 0, &L) == -1000);
    assert_true(zs_control_safe_kw(&S, &m, 1, &L) == -500);
    L.soc[0] = 0.9; /* full: no charge */
    assert_true(zs_control_safe_kw(&S, &m, 0, &L) == 0);
    L.soc[0] = NAN; /* unknown SOC: hold */
    assert_true(zs_control_safe_kw(&S, &m, 0, &L) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),   cmocka_unit_test(test_times), cmocka_unit_test(test_readings),
        cmocka_unit_test(test_mqtt_payload), cmocka_unit_test(test_feeds), cmocka_unit_test(test_ingest_meters),
        cmocka_unit_test(test_ingest_far_apart), cmocka_unit_test(test_safe_action),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
