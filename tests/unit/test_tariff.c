/*
 * test_tariff.c - time-of-use tariffs (zeropark/tariff.h): the shipped
 * provincial tables against the notices' hours and ratios written out
 * here (from the research notes on each notice), the structured tariff
 * against the same prices written as a CSV (2024, a leap year, at
 * +08:00), steps that span two periods, kinds of day and holidays,
 * dates of hot days, the catalog by name, located problems with
 * did-you-mean, and every allocation failing in turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zeropark/zeropark.h"
#include "testutil.h"

#define OFF8 480 /* +08:00 */

/* Local midnight of y-m-d at +08:00. */
static zp_time_t local_midnight(int y, unsigned m, unsigned d)
{
    return zp_days_from_civil(y, m, d) * 86400 - OFF8 * 60;
}

/* Every diagnostic of ctx as zp_diag_format writes it, one a line. */
static const char *diags(zp_ctx *ctx)
{
    static char buf[8192];
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < zp_ctx_diag_count(ctx) && len < sizeof buf; i++) {
        len += (size_t)zp_diag_format(zp_ctx_diag_get(ctx, i), buf + len, sizeof buf - len);
        if (len < sizeof buf - 1)
            buf[len++] = '\n', buf[len] = 0;
    }
    return buf;
}

static zp_tariff *load_text(zp_ctx *ctx, const char *text)
{
    zp_tariff *t = NULL;
    zp_status rc = zp_tariff_load_buf(ctx, text, strlen(text), "t.json", &t);
    if (rc)
        print_message("%s\n%s", zp_ctx_errmsg(ctx), diags(ctx));
    assert_int_equal(rc, ZP_OK);
    assert_non_null(t);
    return t;
}

/* The problems of a tariff text that must not load. */
static const char *problems(zp_ctx *ctx, const char *text)
{
    zp_tariff *t = NULL;
    zp_ctx_diag_clear(ctx);
    assert_int_equal(zp_tariff_load_buf(ctx, text, strlen(text), "t.json", &t), ZP_EDATA);
    assert_null(t);
    return diags(ctx);
}

static zp_tariff *builtin(zp_ctx *ctx, const char *name)
{
    zp_tariff *t = NULL;
    zp_status rc = zp_tariff_find(ctx, name, NULL, 0, &t);
    if (rc)
        print_message("%s\n%s", zp_ctx_errmsg(ctx), diags(ctx));
    assert_int_equal(rc, ZP_OK);
    return t;
}

/* The letter of the period at an instant: V valley, F flat, P peak,
 * C critical peak, D deep valley. */
static char letter(const zp_tariff *t, zp_time_t at)
{
    int p = zp_tariff_period_at(t, at, OFF8);
    const char *n = zp_tariff_period_name(t, p < 0 ? 99 : (size_t)p);
    if (!n)
        return '?';
    if (strcmp(n, "valley") == 0)
        return 'V';
    if (strcmp(n, "flat") == 0)
        return 'F';
    if (strcmp(n, "peak") == 0)
        return 'P';
    if (strcmp(n, "critical_peak") == 0)
        return 'C';
    if (strcmp(n, "deep_valley") == 0)
        return 'D';
    return '?';
}

static int in(int h, int from, int to) { return from <= to ? h >= from && h < to : h >= from || h < to; }

/* ---- the notices' hours, written out ----------------------------------------
 * Guangdong, 粤发改价格〔2021〕331号: peak 10-12 and 14-19, valley 0-8, the
 * rest flat, all year; critical peak 11-12 and 15-17 in July, August and
 * September. */
static char gd_expect(unsigned month, int kind, int h)
{
    (void)kind;
    if (month >= 7 && month <= 9 && (in(h, 11, 12) || in(h, 15, 17)))
        return 'C';
    if (in(h, 10, 12) || in(h, 14, 19))
        return 'P';
    if (in(h, 0, 8))
        return 'V';
    return 'F';
}

/* Shanghai, 沪发改价管〔2022〕50号: July-September peak 8-15 and 18-21,
 * flat 6-8, 15-18 and 21-22, valley 22-6, critical 12-14 in July and
 * August; other months peak 8-11 and 18-21, flat 6-8, 11-18 and 21-22,
 * valley 22-6, critical 19-21 in January and December. 〔2024〕14号 and
 * 28号: deep valley 0-6 and 22-24 on holidays, and on rest days in
 * February-June and September-November. */
static char sh_expect(unsigned month, int kind, int h)
{
    int summer = month >= 7 && month <= 9;
    int rest_month = (month >= 2 && month <= 6) || (month >= 9 && month <= 11);
    if ((kind == ZP_DAY_HOLIDAY || (kind == ZP_DAY_WEEKEND && rest_month)) &&
        (in(h, 0, 6) || in(h, 22, 24)))
        return 'D';
    if ((month == 7 || month == 8) && in(h, 12, 14))
        return 'C';
    if ((month == 1 || month == 12) && in(h, 19, 21))
        return 'C';
    if (in(h, 22, 6))
        return 'V';
    if (summer ? in(h, 8, 15) || in(h, 18, 21) : in(h, 8, 11) || in(h, 18, 21))
        return 'P';
    return 'F';
}

/* Sichuan, 川发改价格〔2025〕185号: March-June, October, November peak 10-12
 * and 17-22, flat 8-10 and 12-17, valley 22-8; July-September peak 11-18
 * and 20-23, flat 7-11, 18-20 and 23-1, valley 1-7; January, February,
 * December peak 10-12 and 16-22, flat 8-10, 12-16 and 22-24, valley 0-8;
 * critical peak 13-14 and 21-23 in July and August. */
static char sc_expect(unsigned month, int kind, int h)
{
    (void)kind;
    if ((month == 7 || month == 8) && (in(h, 13, 14) || in(h, 21, 23)))
        return 'C';
    if (month >= 7 && month <= 9)
        return in(h, 11, 18) || in(h, 20, 23) ? 'P' : in(h, 1, 7) ? 'V' : 'F';
    if (month <= 2 || month == 12)
        return in(h, 10, 12) || in(h, 16, 22) ? 'P' : in(h, 0, 8) ? 'V' : 'F';
    return in(h, 10, 12) || in(h, 17, 22) ? 'P' : in(h, 22, 8) ? 'V' : 'F';
}

/* 2024's holidays and working weekend days, 国办发明电〔2023〕7号. */
static int sh_kind_2024(unsigned m, unsigned d, int64_t day)
{
    static const char *const holidays[] = {
        "01-01", "02-10", "02-11", "02-12", "02-13", "02-14", "02-15", "02-16", "02-17",
        "04-04", "04-05", "04-06", "05-01", "05-02", "05-03", "05-04", "05-05", "06-10",
        "09-15", "09-16", "09-17", "10-01", "10-02", "10-03", "10-04", "10-05", "10-06",
        "10-07"};
    static const char *const work[] = {"02-04", "02-18", "04-07", "04-28",
                                       "05-11", "09-14", "09-29", "10-12"};
    char md[8];
    snprintf(md, sizeof md, "%02u-%02u", m % 100, d % 100);
    for (size_t i = 0; i < sizeof holidays / sizeof *holidays; i++)
        if (strcmp(md, holidays[i]) == 0)
            return ZP_DAY_HOLIDAY;
    for (size_t i = 0; i < sizeof work / sizeof *work; i++)
        if (strcmp(md, work[i]) == 0)
            return ZP_DAY_WORKDAY;
    int64_t wd = ((day % 7) + 7 + 4) % 7; /* 0 Sunday */
    return wd == 0 || wd == 6 ? ZP_DAY_WEEKEND : ZP_DAY_WORKDAY;
}

/* Every hour of 2024 (at the hour and half past) against expect. */
static void check_year(const zp_tariff *t, char (*expect)(unsigned, int, int), int kinds)
{
    int64_t d0 = zp_days_from_civil(2024, 1, 1), d1 = zp_days_from_civil(2025, 1, 1);
    assert_int_equal(d1 - d0, 366);
    for (int64_t day = d0; day < d1; day++) {
        int64_t y;
        unsigned m, d;
        zp_civil_from_days(day, &y, &m, &d);
        int kind = kinds ? sh_kind_2024(m, d, day) : ZP_DAY_WORKDAY;
        if (kinds)
            assert_int_equal(zp_tariff_day_type(t, y, m, d), kind);
        for (int h = 0; h < 24; h++)
            for (int half = 0; half < 2; half++) {
                zp_time_t at = day * 86400 - OFF8 * 60 + h * 3600 + half * 1800;
                char got = letter(t, at), want = expect(m, kind, h);
                if (got != want)
                    print_error("2024-%02u-%02u %02d:%02d: got %c, the notice says %c\n", m, d, h,
                                half * 30, got, want);
                assert_int_equal(got, want);
            }
    }
}

/* Each shipped table, every hour of 2024, against its notice. */
static void test_notice_hours(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        char (*expect)(unsigned, int, int);
        int kinds; /* kinds of day matter */
    } tables[] = {
        {"guangdong-large-industry-2021", gd_expect, 0},
        {"shanghai-large-industry-2024", sh_expect, 1},
        {"sichuan-large-industry-2025", sc_expect, 0},
    };
    zp_ctx *ctx = zp_ctx_new();
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        zp_tariff *t = builtin(ctx, tables[i].name);
        check_year(t, tables[i].expect, tables[i].kinds);
        zp_tariff_free(ctx, t);
    }
    zp_ctx_free(ctx);
}

/* Shanghai's kinds of day, said out loud: 2024-10-05 is a Saturday in the
 * National Day holiday, 2024-02-04 a Sunday worked, 2024-07-06 a Saturday
 * of July (no deep valley), 2024-03-09 a Saturday of March (deep valley);
 * 2025 and 2026 are listed too, 2027 is not. */
static void test_shanghai_days(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_tariff *t = builtin(ctx, "shanghai-large-industry-2024");
    assert_int_equal(zp_tariff_day_type(t, 2024, 10, 5), ZP_DAY_HOLIDAY);
    assert_int_equal(zp_tariff_day_type(t, 2024, 2, 4), ZP_DAY_WORKDAY);
    assert_int_equal(letter(t, local_midnight(2024, 2, 4) + 3600), 'V');
    assert_int_equal(letter(t, local_midnight(2024, 7, 6) + 3600), 'V');
    assert_int_equal(letter(t, local_midnight(2024, 3, 9) + 3600), 'D');
    assert_int_equal(letter(t, local_midnight(2024, 3, 9) + 23 * 3600), 'D');
    assert_int_equal(letter(t, local_midnight(2024, 3, 9) + 6 * 3600), 'F');
    assert_int_equal(zp_tariff_day_type(t, 2025, 1, 28), ZP_DAY_HOLIDAY);
    assert_int_equal(zp_tariff_day_type(t, 2025, 1, 26), ZP_DAY_WORKDAY);
    assert_int_equal(zp_tariff_day_type(t, 2026, 2, 23), ZP_DAY_HOLIDAY);
    assert_int_equal(zp_tariff_day_type(t, 2026, 2, 28), ZP_DAY_WORKDAY);
    assert_int_equal(zp_tariff_day_type(t, 2027, 1, 1), ZP_DAY_UNKNOWN);
    assert_int_equal(zp_tariff_period_at(t, local_midnight(2027, 1, 1), OFF8), -1);
    double p[24];
    zp_time_grid g = {local_midnight(2027, 1, 1), 3600, 24, OFF8};
    assert_int_equal(zp_tariff_prices(ctx, t, &g, NULL, p), ZP_ERANGE);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "tariff shanghai-large-industry-2024 prices holidays apart and its "
                        "holiday list covers 2024, 2025, 2026; the time grid reaches 2027: add "
                        "that year's holidays and working days (\"holidays\", docs/tariffs.md)");
    zp_tariff_free(ctx, t);
    zp_ctx_free(ctx);
}

/* The ratios of each notice, on a base price of 1 with no fixed part, and
 * the shipped base prices reproducing the published monthly prices they
 * were taken with. */
static void test_shipped_ratios(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_tariff *gd = builtin(ctx, "guangdong-large-industry-2021");
    zp_tariff *sh = builtin(ctx, "shanghai-large-industry-2024");
    zp_tariff *sc = builtin(ctx, "sichuan-large-industry-2025");
#define PRICE(t, name, month) zp_tariff_price(t, (size_t)zp_tariff_period_index(t, name), month, NAN)
    /* Shanghai August 2026 (the dataset's 1-10 kV row): flat 0.671413, peak
     * 1.144372, valley 0.316694, critical 1.410412 */
    assert_near(PRICE(sh, "flat", 8), 0.671413, 1e-9);
    assert_near(PRICE(sh, "peak", 8), 1.144372, 5e-7);
    assert_near(PRICE(sh, "valley", 8), 0.316694, 5e-7);
    assert_near(PRICE(sh, "critical_peak", 8), 1.410412, 5e-7);
    /* Sichuan August 2026: 0.506544, 0.755604, 0.257484, 0.888436 */
    assert_near(PRICE(sc, "flat", 8), 0.506544, 1e-9);
    assert_near(PRICE(sc, "peak", 8), 0.755604, 5e-7);
    assert_near(PRICE(sc, "valley", 8), 0.257484, 5e-7);
    assert_near(PRICE(sc, "critical_peak", 8), 0.888436, 5e-7);
    /* Guangdong, 粤北 July 2026 single-part: peak 1.10426875; the valley
     * and critical prices were rounded to 0.01 fen there, this is not */
    assert_near(PRICE(gd, "peak", 7), 1.10426875, 5e-5);
    assert_near(PRICE(gd, "valley", 7), 0.26826875, 1e-4);
    assert_near(PRICE(gd, "critical_peak", 7), 1.37346875, 1e-4);

    assert_int_equal(zp_tariff_set_base(ctx, gd, 1, 0), ZP_OK);
    assert_int_equal(zp_tariff_set_base(ctx, sh, 1, 0), ZP_OK);
    assert_int_equal(zp_tariff_set_base(ctx, sc, 1, 0), ZP_OK);
    for (unsigned m = 1; m <= 12; m++) {
        /* 331号: 1.7 : 1 : 0.38, critical = peak x 1.25 */
        assert_near(PRICE(gd, "peak", m), 1.7, 1e-12);
        assert_near(PRICE(gd, "flat", m), 1, 1e-12);
        assert_near(PRICE(gd, "valley", m), 0.38, 1e-12);
        assert_near(PRICE(gd, "critical_peak", m), 1.7 * 1.25, 1e-12);
        /* 50号: January, July-September, December 1.8 and 0.4, other months
         * 1.6 and 0.5; critical = peak x 1.25; 14号: deep valley = flat x 0.2 */
        int high = m == 1 || m == 12 || (m >= 7 && m <= 9);
        assert_near(PRICE(sh, "peak", m), high ? 1.8 : 1.6, 1e-12);
        assert_near(PRICE(sh, "valley", m), high ? 0.4 : 0.5, 1e-12);
        assert_near(PRICE(sh, "critical_peak", m), (high ? 1.8 : 1.6) * 1.25, 1e-12);
        assert_near(PRICE(sh, "deep_valley", m), 0.2, 1e-12);
        /* 185号: 1.6 and 0.4, critical = peak x 1.2 */
        assert_near(PRICE(sc, "peak", m), 1.6, 1e-12);
        assert_near(PRICE(sc, "valley", m), 0.4, 1e-12);
        assert_near(PRICE(sc, "critical_peak", m), 1.6 * 1.2, 1e-12);
    }
    /* a fixed part is left alone by the ratios */
    assert_int_equal(zp_tariff_set_base(ctx, gd, 1, 0.1), ZP_OK);
    assert_near(PRICE(gd, "peak", 3), 0.1 + 1.7 * 0.9, 1e-12);
    assert_near(PRICE(gd, "critical_peak", 7), 0.1 + 1.25 * 1.7 * 0.9, 1e-12);
    assert_int_equal(zp_tariff_set_base(ctx, gd, 0.5, 0.6), ZP_EINVAL);
    assert_int_equal(zp_tariff_set_base(ctx, gd, -1, NAN), ZP_EINVAL);
#undef PRICE
    zp_tariff_free(ctx, gd);
    zp_tariff_free(ctx, sh);
    zp_tariff_free(ctx, sc);
    zp_ctx_free(ctx);
}

/* Each shipped file names its notice, issuer and year, cites it on every
 * row (the reader refuses an unknown id), and says what each weakly
 * sourced number rests on. */
static void test_shipped_sources(void **state)
{
    (void)state;
    static const struct {
        const char *file, *name, *notice;
        int year;
    } files[] = {
        {"guangdong.json", "guangdong-large-industry-2021", "粤发改价格〔2021〕331号", 2021},
        {"shanghai.json", "shanghai-large-industry-2024", "沪发改价管〔2022〕50号", 2024},
        {"sichuan.json", "sichuan-large-industry-2025", "川发改价格〔2025〕185号", 2025},
    };
    zp_ctx *ctx = zp_ctx_new();
    char path[512];
    for (size_t i = 0; i < 3; i++) {
        zp_tariff *t = NULL;
        snprintf(path, sizeof path, "%s/data/tariffs/%s", ZP_SOURCE_DIR, files[i].file);
        assert_int_equal(zp_tariff_load_file(ctx, path, &t), ZP_OK);
        const zp_tariff_info *in = zp_tariff_get_info(t);
        assert_string_equal(in->name, files[i].name);
        assert_int_equal(in->year, files[i].year);
        const zp_tariff_source *s = zp_tariff_source_get(t, 0);
        assert_non_null(s);
        assert_string_equal(s->notice, files[i].notice);
        assert_non_null(s->title);
        assert_non_null(s->issuer);
        assert_non_null(s->evidence);
        assert_true(isfinite(in->base_price_cny_per_kwh) && isfinite(in->fixed_cny_per_kwh));
        assert_true(isfinite(in->demand_charge_cny_per_kw_month));
        assert_true(isfinite(in->capacity_charge_cny_per_kva_month));
        const char *ev[] = {in->base_price_evidence, in->fixed_evidence,
                            in->demand_charge_evidence, in->capacity_charge_evidence};
        for (size_t k = 0; k < 4; k++) {
            assert_non_null(ev[k]);
            assert_non_null(strstr(ev[k], "secondary"));
        }
        /* the file is the built-in table of the same name */
        zp_tariff *b = builtin(ctx, files[i].name);
        assert_string_equal(zp_tariff_get_info(b)->origin + strlen("builtin:tariffs/"),
                            files[i].file);
        zp_tariff_free(ctx, b);
        zp_tariff_free(ctx, t);
    }
    zp_ctx_free(ctx);
}

/* ---- the structured tariff equals the CSV --------------------------------- */

/* Guangdong's structure with prices written as numbers. */
static const char *const gd_abs =
    "{\"name\": \"gd-abs\",\n"
    " \"periods\": {\"valley\": {\"cny_per_kwh\": 0.2513}, \"flat\": {\"cny_per_kwh\": 0.6613},\n"
    "             \"peak\": {\"cny_per_kwh\": 1.1243}, \"critical_peak\": {\"cny_per_kwh\": 1.4054}},\n"
    " \"schedule\": [\n"
    "  {\"period\": \"valley\", \"hours\": [\"0-8\"]},\n"
    "  {\"period\": \"flat\", \"hours\": [\"8-10\", \"12-14\", \"19-24\"]},\n"
    "  {\"period\": \"peak\", \"hours\": [\"10-12\", \"14-19\"]},\n"
    "  {\"period\": \"critical_peak\", \"replaces\": \"peak\", \"hours\": [\"11-12\", \"15-17\"],\n"
    "   \"months\": [7, 8, 9]}]}\n";

/* The same prices as a CSV written by hand, hour by hour, from the rule. */
static char *gd_csv(void)
{
    size_t cap = 8784 * 40 + 64, len = 0;
    char *csv = malloc(cap);
    char ts[ZP_TIME_BUFSIZE];
    assert_non_null(csv);
    len += (size_t)snprintf(csv + len, cap - len, "time,price_cny_per_kwh\n");
    zp_time_t t0 = local_midnight(2024, 1, 1);
    for (int i = 0; i < 8784; i++) {
        zp_time_t at = t0 + (zp_time_t)i * 3600;
        int64_t y;
        unsigned m, d;
        zp_civil_from_days((at + OFF8 * 60) / 86400, &y, &m, &d);
        const char *price = "";
        switch (gd_expect(m, 0, i % 24)) {
        case 'V': price = "0.2513"; break;
        case 'F': price = "0.6613"; break;
        case 'P': price = "1.1243"; break;
        case 'C': price = "1.4054"; break;
        }
        len += (size_t)snprintf(csv + len, cap - len, "%s,%s\n", zp_time_format(at, OFF8, ts),
                                price);
    }
    return csv;
}

static void test_csv_equivalence(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_tariff *t = load_text(ctx, gd_abs);
    char *csv = gd_csv();
    zp_csv_opts o;
    zp_series **s = NULL, *hourly = NULL, *quarter = NULL;
    size_t n = 0;
    zp_csv_opts_init(&o);
    o.kind = ZP_SERIES_INTENSITY;
    assert_int_equal(zp_csv_read_buf(ctx, csv, strlen(csv), "prices.csv", &o, &s, &n), ZP_OK);
    assert_int_equal(n, 1);
    zp_time_t t0 = local_midnight(2024, 1, 1);
    assert_int_equal(zp_series_align(ctx, s[0], t0, 3600, 8784, &hourly), ZP_OK);
    assert_int_equal(zp_series_align(ctx, s[0], t0, 900, 8784 * 4, &quarter), ZP_OK);

    double *p = calloc(8784 * 4, sizeof *p);
    assert_non_null(p);
    zp_time_grid g = {t0, 3600, 8784, OFF8};
    assert_int_equal(zp_tariff_prices(ctx, t, &g, NULL, p), ZP_OK);
    for (size_t i = 0; i < 8784; i++)
        if (p[i] != hourly->v[i]) {
            print_error("hour %zu: tariff %.17g, CSV %.17g\n", i, p[i], hourly->v[i]);
            fail();
        }
    /* the leap day is there: 2024-02-29 12:00 is flat, 11:00 peak; 2024-07-01
     * 11:00 critical */
    size_t feb29 = (31 + 28) * 24;
    assert_true(p[feb29 + 12] == 0.6613 && p[feb29 + 11] == 1.1243);
    assert_true(p[(31 + 29 + 31 + 30 + 31 + 30) * 24 + 11] == 1.4054);
    g.step_s = 900;
    g.count = 8784 * 4;
    assert_int_equal(zp_tariff_prices(ctx, t, &g, NULL, p), ZP_OK);
    for (size_t i = 0; i < g.count; i++)
        assert_true(p[i] == quarter->v[i]);

    /* a step across a period boundary takes the time-weighted mean:
     * 09:30-10:30 is half flat, half peak; 09:40-11:40 in July is 20 min
     * flat, 80 min peak, 20 min critical */
    zp_time_grid h = {local_midnight(2024, 3, 1) + 9 * 3600 + 1800, 3600, 1, OFF8};
    assert_int_equal(zp_tariff_prices(ctx, t, &h, NULL, p), ZP_OK);
    assert_near(p[0], (0.6613 + 1.1243) / 2, 1e-12);
    zp_time_grid j = {local_midnight(2024, 7, 1) + 9 * 3600 + 40 * 60, 7200, 1, OFF8};
    assert_int_equal(zp_tariff_prices(ctx, t, &j, NULL, p), ZP_OK);
    assert_near(p[0], (20 * 0.6613 + 60 * 1.1243 + 40 * 1.4054) / 120, 1e-12);

    free(p);
    free(csv);
    zp_series_free(ctx, hourly);
    zp_series_free(ctx, quarter);
    zp_series_array_free(ctx, s, n);
    zp_tariff_free(ctx, t);
    zp_ctx_free(ctx);
}

/* Ratios: the shipped Guangdong table at a base price given per step
 * (a base that changes month by month) against the rule. */
static void test_ratio_series(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_tariff *t = builtin(ctx, "guangdong-large-industry-2021");
    size_t n = 8784;
    double *base = malloc(n * sizeof *base), *p = malloc(n * sizeof *p);
    assert_non_null(base);
    assert_non_null(p);
    zp_time_t t0 = local_midnight(2024, 1, 1);
    for (size_t i = 0; i < n; i++) {
        int64_t y;
        unsigned m, d;
        zp_civil_from_days((t0 + (zp_time_t)i * 3600 + OFF8 * 60) / 86400, &y, &m, &d);
        base[i] = 0.6 + 0.01 * m;
    }
    zp_time_grid g = {t0, 3600, n, OFF8};
    assert_int_equal(zp_tariff_prices(ctx, t, &g, base, p), ZP_OK);
    const double fixed = 0.02766875;
    for (size_t i = 0; i < n; i++) {
        int64_t y;
        unsigned m, d;
        zp_civil_from_days((t0 + (zp_time_t)i * 3600 + OFF8 * 60) / 86400, &y, &m, &d);
        char k = gd_expect(m, 0, (int)(i % 24));
        double r = k == 'V' ? 0.38 : k == 'F' ? 1 : k == 'P' ? 1.7 : 1.7 * 1.25;
        assert_near(p[i], fixed + r * (base[i] - fixed), 1e-12);
    }
    /* a ratio without a base price */
    zp_tariff *u = load_text(ctx, "{\"periods\": {\"flat\": {\"ratio\": 1}},"
                                  " \"schedule\": [{\"period\": \"flat\", \"hours\": [\"0-24\"]}]}");
    assert_int_equal(zp_tariff_prices(ctx, u, &g, NULL, p), ZP_EDATA);
    assert_string_equal(zp_ctx_errmsg(ctx), "tariff t prices periods by ratio to a base price "
                                            "and has none: give base_price_cny_per_kwh");
    assert_int_equal(zp_tariff_prices(ctx, u, &g, base, p), ZP_OK);
    assert_true(p[100] == base[100]);
    zp_tariff_free(ctx, u);
    free(base);
    free(p);
    zp_tariff_free(ctx, t);
    zp_ctx_free(ctx);
}

/* A hot day outside the critical-peak months, listed by date; kinds of
 * day in a tariff of one's own; hours with minutes. */
static void test_dates_and_days(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    const char *text =
        "{\"periods\": {\"valley\": {\"cny_per_kwh\": 0.3}, \"flat\": {\"cny_per_kwh\": 0.6},\n"
        "  \"peak\": {\"cny_per_kwh\": 1}, \"critical_peak\": {\"ratio\": 1.25, \"of\": \"peak\"}},\n"
        " \"schedule\": [\n"
        "  {\"period\": \"valley\", \"hours\": [\"22:30-08:00\"]},\n"
        "  {\"period\": \"flat\", \"hours\": [\"8-10\", \"12-14\", \"19-22:30\"], \"days\": [\"workday\"]},\n"
        "  {\"period\": \"peak\", \"hours\": [\"10-12\", \"14-19\"], \"days\": [\"workday\"]},\n"
        "  {\"period\": \"flat\", \"hours\": [\"08:00-22:30\"], \"days\": [\"weekend\"]},\n"
        "  {\"period\": \"critical_peak\", \"replaces\": \"peak\", \"hours\": [\"11-12\"],\n"
        "   \"months\": [7, 8], \"days\": [\"workday\"], \"dates\": [\"2024-06-12\", \"2024-09-02..2024-09-03\"]}]}\n";
    zp_tariff *t = load_text(ctx, text);
    /* 2024-06-12 is a Wednesday */
    assert_int_equal(letter(t, local_midnight(2024, 6, 12) + 11 * 3600), 'C');
    assert_int_equal(letter(t, local_midnight(2024, 6, 13) + 11 * 3600), 'P');
    assert_int_equal(letter(t, local_midnight(2024, 9, 3) + 11 * 3600 + 59 * 60), 'C');
    assert_int_equal(letter(t, local_midnight(2024, 9, 4) + 11 * 3600), 'P');
    assert_int_equal(letter(t, local_midnight(2024, 7, 10) + 11 * 3600), 'C');
    /* 2024-06-15 is a Saturday: flat from 08:00 to 22:30 */
    assert_int_equal(letter(t, local_midnight(2024, 6, 15) + 11 * 3600), 'F');
    assert_int_equal(letter(t, local_midnight(2024, 6, 15) + 22 * 3600 + 29 * 60), 'F');
    assert_int_equal(letter(t, local_midnight(2024, 6, 15) + 22 * 3600 + 30 * 60), 'V');
    assert_int_equal(zp_tariff_day_type(t, 2024, 6, 15), ZP_DAY_WEEKEND);
    assert_int_equal(zp_tariff_day_type(t, 2031, 6, 16), ZP_DAY_WORKDAY); /* no holiday list */
    zp_tariff_free(ctx, t);
    zp_ctx_free(ctx);
}

/* ---- problems, located ---------------------------------------------------- */

#define PERIODS                                                                                  \
    "{\"periods\": {\"valley\": {\"cny_per_kwh\": 0.3}, \"flat\": {\"cny_per_kwh\": 0.6},\n"    \
    "  \"peak\": {\"cny_per_kwh\": 1.0}, \"critical_peak\": {\"ratio\": 1.25, \"of\": \"peak\"}},\n"

static void test_problems(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    /* two periods on the same hours */
    assert_string_equal(
        problems(ctx, PERIODS " \"schedule\": [\n"
                              "  {\"period\": \"valley\", \"hours\": [\"0-8\"]},\n"
                              "  {\"period\": \"flat\", \"hours\": [\"8-12\", \"19-24\"]},\n"
                              "  {\"period\": \"peak\", \"hours\": [\"10-19\"]}]}\n"),
        "t.json:6:32: schedule[2].hours[0]: 10:00-19:00 (peak) overlaps schedule[1] (flat, "
        "08:00-12:00) at 10:00-12:00 in month 1: give each hour one period, or mark "
        "an override such as a critical peak with \"replaces\"\n");
    /* an hour no period holds */
    assert_string_equal(
        problems(ctx, PERIODS " \"schedule\": [\n"
                              "  {\"period\": \"valley\", \"hours\": [\"0-8\"]},\n"
                              "  {\"period\": \"flat\", \"hours\": [\"8-10\", \"12-24\"]},\n"
                              "  {\"period\": \"peak\", \"hours\": [\"10-11\"]}]}\n"),
        "t.json:3:14: schedule: no period holds 11:00-12:00 in months 1-12 on any day: each hour "
        "of the day needs one period (a row without \"replaces\")\n");
    /* a month that is not one, a period that is not there (did you mean),
     * a key that is not one, hours that are not hours */
    assert_string_equal(
        problems(ctx, PERIODS " \"schedule\": [\n"
                              "  {\"period\": \"valley\", \"hours\": [\"0-8\"], \"months\": [1, 13]},\n"
                              "  {\"period\": \"flat\", \"hour\": [\"8-10\", \"12-24\"]},\n"
                              "  {\"period\": \"peek\", \"hours\": [\"10-12\", \"25-3\", \"8-8\"]}]}\n"),
        "t.json:4:56: schedule[0].months[1]: 13 is not a month: use 1..12\n"
        "t.json:5:3: schedule[1]: missing required field 'hours'\n"
        "t.json:5:22: schedule[1].hour: unknown key 'hour'; did you mean 'hours'?\n"
        "t.json:6:14: schedule[2].period: 'peek' is not one of valley, flat, peak, critical_peak; "
        "did you mean 'peak'?\n"
        "t.json:6:41: schedule[2].hours[1]: '25-3' is not a range of hours: write FROM-TO in hours "
        "0..24 (\"10-12\"; \"22-6\" runs past midnight) or HH:MM-HH:MM\n"
        "t.json:6:49: schedule[2].hours[2]: '8-8' holds no time; the whole day is \"0-24\"\n");
    /* an override outside what it replaces; holidays without a list */
    assert_string_equal(
        problems(ctx, PERIODS " \"schedule\": [\n"
                              "  {\"period\": \"valley\", \"hours\": [\"0-8\"]},\n"
                              "  {\"period\": \"flat\", \"hours\": [\"8-10\", \"12-24\"]},\n"
                              "  {\"period\": \"peak\", \"hours\": [\"10-12\"]},\n"
                              "  {\"period\": \"critical_peak\", \"replaces\": \"peak\", "
                              "\"hours\": [\"9-11\"], \"months\": [7]}]}\n"),
        "t.json:7:61: schedule[3].hours[0]: 09:00-11:00 (critical_peak) replaces peak, but "
        "09:00-10:00 is flat in month 7: an override lies inside the hours of the "
        "periods it replaces\n");
    assert_string_equal(
        problems(ctx, PERIODS " \"schedule\": [\n"
                              "  {\"period\": \"flat\", \"hours\": [\"0-24\"], \"days\": [\"holiday\"]}]}\n"),
        "t.json:4:50: schedule[0].days[0]: holidays need the tariff's \"holidays\" list (the "
        "dates)\n");
    /* prices: a loop, a month without one, a month priced twice */
    assert_string_equal(
        problems(ctx, "{\"periods\": {\"a\": {\"ratio\": 2, \"of\": \"b\"}, \"b\": {\"ratio\": 0.5, "
                      "\"of\": \"a\"},\n"
                      "  \"c\": [{\"months\": [1, 2], \"cny_per_kwh\": 1}, {\"months\": [2], "
                      "\"cny_per_kwh\": 2}]},\n"
                      " \"schedule\": [{\"period\": \"a\", \"hours\": [\"0-24\"]}]}\n"),
        "t.json:1:19: periods.a: the ratios of a lead back to it in month 1 (\"of\" chains must "
        "end at an absolute price or the base price)\n"
        "t.json:1:49: periods.b: the ratios of b lead back to it in month 1 (\"of\" chains must "
        "end at an absolute price or the base price)\n"
        "t.json:2:8: periods.c: c has no price in months 3-12\n"
        "t.json:2:47: periods.c[1]: month 2 of c is priced twice\n");
    /* not JSON; not an object; a top-level key mistyped */
    assert_string_equal(problems(ctx, "{\"periods\": {}\n"),
                        "t.json:2: '}' expected near end of file\n");
    assert_string_equal(problems(ctx, "[1]"), "t.json:1:1: a tariff is a JSON object, got an array\n");
    assert_string_equal(
        problems(ctx, PERIODS " \"schedul\": []}"),
        "t.json:1:1: missing required field 'schedule'\n"
        "t.json:3:2: schedul: unknown key 'schedul'; did you mean 'schedule'?\n");
    zp_tariff *t = NULL;
    assert_int_equal(zp_tariff_load_buf(ctx, "[1]", 3, "t.json", &t), ZP_EDATA);
    assert_string_equal(zp_ctx_errmsg(ctx), "t.json: 1 problem");
    zp_ctx_free(ctx);
}

/* ---- the catalog ---------------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_catalog(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char dir[256], dir2[300];
    snprintf(dir, sizeof dir, "%s/tariff-test-XXXXXX", ZP_BINARY_DIR);
    assert_non_null(mkdtemp(dir));
    snprintf(dir2, sizeof dir2, "%s/nowhere", dir);
    const char *flat = "{\"name\": \"my-park-tariff\", \"periods\": {\"flat\": {\"cny_per_kwh\": 0.5}},"
                       " \"schedule\": [{\"period\": \"flat\", \"hours\": [\"0-24\"]}]}";
    write_file(dir, "a.json", flat);
    /* a file of its own called like a built-in table wins over it */
    write_file(dir, "gd.json", "{\"name\": \"guangdong-large-industry-2021\", \"periods\": {\"flat\": "
                               "{\"cny_per_kwh\": 0.7}}, \"schedule\": [{\"period\": \"flat\", "
                               "\"hours\": [\"0-24\"]}]}");
    write_file(dir, "broken.json", "{\"periods\": \n");
    write_file(dir, "notes.txt", "not a tariff");
    /* a park model beside its tariffs is not one of them */
    write_file(dir, "model.json", "{\"name\": \"my-park\", \"period\": {}}");
    const char *dirs[] = {dir2, dir};

    zp_tariff *t = NULL;
    assert_int_equal(zp_tariff_find(ctx, "my-park-tariff", dirs, 2, &t), ZP_OK);
    assert_near(zp_tariff_price(t, 0, 1, NAN), 0.5, 0);
    char want[1024];
    snprintf(want, sizeof want, "%s/a.json", dir);
    assert_string_equal(zp_tariff_get_info(t)->origin, want);
    zp_tariff_free(ctx, t);
    assert_int_equal(zp_tariff_find(ctx, "guangdong-large-industry-2021", dirs, 2, &t), ZP_OK);
    assert_int_equal(zp_tariff_get_info(t)->nperiods, 1);
    zp_tariff_free(ctx, t);
    assert_int_equal(zp_tariff_find(ctx, "guangdong-large-industry-2021", NULL, 0, &t), ZP_OK);
    assert_int_equal(zp_tariff_get_info(t)->nperiods, 4);
    zp_tariff_free(ctx, t);

    /* a file that is not JSON is called by its file name and says why */
    t = NULL;
    assert_int_equal(zp_tariff_find(ctx, "broken", dirs, 2, &t), ZP_EDATA);
    assert_null(t);
    snprintf(want, sizeof want,
             "%s/broken.json:2: unexpected token near end of file\n",
             dir);
    assert_string_equal(diags(ctx), want);
    zp_ctx_diag_clear(ctx);

    /* names, sorted, each once */
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(zp_tariff_names(ctx, dirs, 2, &names, &n), ZP_OK);
    assert_int_equal(n, 5);
    assert_string_equal(names[0], "broken");
    assert_string_equal(names[1], "guangdong-large-industry-2021");
    assert_string_equal(names[2], "my-park-tariff");
    assert_string_equal(names[3], "shanghai-large-industry-2024");
    assert_string_equal(names[4], "sichuan-large-industry-2025");
    zp_strv_free(ctx, names, n);

    /* a name that is not there: did you mean */
    assert_int_equal(zp_tariff_find(ctx, "guangdong-large-industry-2012", NULL, 0, &t),
                     ZP_ENOTFOUND);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "no tariff is called 'guangdong-large-industry-2012'; did you mean "
                        "'guangdong-large-industry-2021'?; there are: guangdong-large-industry-2021, "
                        "shanghai-large-industry-2024, sichuan-large-industry-2025 (built in)");
    /* two files of one directory with one name */
    write_file(dir, "b.json", flat);
    assert_int_equal(zp_tariff_find(ctx, "my-park-tariff", dirs, 2, &t), ZP_EDATA);
    snprintf(want, sizeof want, "two tariffs are called 'my-park-tariff': %s/a.json and %s/b.json; "
                                "rename one", dir, dir);
    assert_string_equal(zp_ctx_errmsg(ctx), want);
    assert_int_equal(zp_tariff_load_file(ctx, dir2, &t), ZP_EIO);

    /* and asking for it by its name finds nothing */
    assert_int_equal(zp_tariff_find(ctx, "my-park", dirs, 2, &t), ZP_ENOTFOUND);

    const char *files[] = {"a.json", "b.json", "gd.json", "broken.json", "notes.txt", "model.json"};
    for (size_t i = 0; i < ZP_ARRAY_LEN(files); i++) {
        snprintf(want, sizeof want, "%s/%s", dir, files[i]);
        unlink(want);
    }
    rmdir(dir);
    zp_ctx_free(ctx);
}

/* ---- allocation failures -------------------------------------------------- */

typedef struct failer {
    long fail_at; /* allocation number that fails (1-based); 0 = never */
    long count;
} failer;

static void *failing_alloc(void *ud, void *ptr, size_t nsize)
{
    failer *f = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (f->fail_at && ++f->count == f->fail_at)
        return NULL;
    return realloc(ptr, nsize);
}

/* Fail allocation 1, 2, ... until finding and pricing Shanghai succeeds:
 * each run ends in ZP_ENOMEM or success (ASan finds leaks and crashes). */
static void test_alloc_failures(void **state)
{
    (void)state;
    int done = 0;
    for (long n = 1; n < 100000 && !done; n++) {
        failer f = {0, 0};
        zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &f);
        assert_non_null(ctx);
        f.fail_at = n;
        zp_tariff *t = NULL;
        double p[48];
        zp_time_grid g = {local_midnight(2024, 10, 4), 3600, 48, OFF8};
        zp_status rc = zp_tariff_find(ctx, "shanghai-large-industry-2024", NULL, 0, &t);
        if (!rc)
            rc = zp_tariff_prices(ctx, t, &g, NULL, p);
        if (rc != ZP_OK && rc != ZP_ENOMEM)
            print_message("allocation %ld: %s: %s\n%s", n, zp_status_name(rc), zp_ctx_errmsg(ctx),
                          diags(ctx));
        assert_true(rc == ZP_OK || rc == ZP_ENOMEM);
        done = rc == ZP_OK;
        zp_tariff_free(ctx, t);
        zp_ctx_free(ctx);
    }
    assert_true(done);
    /* a tariff with problems: the diagnostics are allocated too */
    for (long n = 1; n < 100000; n++) {
        failer f = {0, 0};
        zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &f);
        f.fail_at = n;
        zp_tariff *t = NULL;
        const char *text = PERIODS " \"schedule\": [{\"period\": \"peek\", \"hours\": [\"0-8\"]}]}";
        zp_status rc = zp_tariff_load_buf(ctx, text, strlen(text), "t.json", &t);
        assert_null(t);
        assert_true(rc == ZP_EDATA || rc == ZP_ENOMEM);
        zp_ctx_free(ctx);
        if (rc == ZP_EDATA)
            break;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notice_hours),    cmocka_unit_test(test_shanghai_days),
        cmocka_unit_test(test_shipped_ratios),
        cmocka_unit_test(test_shipped_sources), cmocka_unit_test(test_csv_equivalence),
        cmocka_unit_test(test_ratio_series),    cmocka_unit_test(test_dates_and_days),
        cmocka_unit_test(test_problems),        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
