/*
 * test_weather.c - TMY3 and CSV weather readers, mapping onto a model's
 * grid, the checks and repairs for bad input, and weather synthesis.
 *
 * Expected values are read from the shipped TMY3 file itself (the line is
 * quoted at each check) or follow from the TMY3 format (hour-ending,
 * local standard time; /work/shared/reference/pv-reference.md). The
 * annual GHI 1566.203 kWh/m2 is the file's GHI column summed, divided by
 * 1000 (computed separately with a short Python csv script).
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

#include "zeropark/core.h"
#include "zeropark/model.h"
#include "zeropark/weather.h"

#define TMY3_PATH ZP_SOURCE_DIR "/examples/greensboro-pv/data/723170TYA.CSV"
#define TMP_DIR ZP_BINARY_DIR

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static void assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.10g, want %.10g (tolerance %g)", got, want, tol);
}

static int any_diag(const zp_ctx *ctx, zp_severity sev, const char *needle)
{
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        const zp_diag *d = zp_ctx_diag_get(ctx, i);
        if (d->severity == sev && strstr(d->message, needle))
            return 1;
    }
    return 0;
}

static int diag_at(const zp_ctx *ctx, int line, int col)
{
    for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++) {
        const zp_diag *d = zp_ctx_diag_get(ctx, i);
        if (d->line == line && (col == 0 || d->col == col))
            return 1;
    }
    return 0;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* ---- TMY3 ---------------------------------------------------------------- */

static void test_tmy3_shipped(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_weather_data *w = NULL;
    assert_int_equal(zp_weather_read_tmy3_file(ctx, TMY3_PATH, &w), ZP_OK);
    assert_int_equal(w->len, 8760);
    assert_int_equal(w->step_s, 3600);
    assert_int_equal(w->utc_offset_min, -300);
    assert_true(w->typical);
    /* line 1: 723170,"GREENSBORO PIEDMONT TRIAD INT",NC,-5.0,36.100,-79.950,273 */
    assert_near(w->site.lat_deg, 36.1, 1e-12);
    assert_near(w->site.lon_deg, -79.95, 1e-12);
    assert_near(w->site.elevation_m, 273, 1e-12);
    /* anchored on 1990-01-01T00:00-05:00 = 631152000 + 5 h (7305 days) */
    assert_int_equal(w->start, 631152000 + 5 * 3600);
    /* line 3, "01/01/1988,01:00": GHI 0, Dry-bulb 10.0, Pressure 993, Wspd 6.2,
     * relabelled to the interval 00:00-01:00 (index 0) */
    assert_near(w->temp_air_c[0], 10.0, 0);
    assert_near(w->wind_speed_m_s[0], 6.2, 0);
    assert_near(w->pressure_hpa[0], 993, 0);
    /* line 1418, "02/28/1996,24:00": Dry-bulb 9.2; hour-ending 24:00 of
     * 28 February is index (31 + 27) * 24 + 23 = 1415 (pvlib's 1415 is
     * 1996-03-01 00:00 hour-ending) */
    assert_near(w->temp_air_c[1415], 9.2, 0);
    /* last line "12/31/1980,24:00": Dry-bulb 2.2 -> the last index */
    assert_near(w->temp_air_c[8759], 2.2, 0);
    double sum = 0;
    for (size_t i = 0; i < w->len; i++)
        sum += w->ghi_w_m2[i];
    assert_near(sum / 1000, 1566.203, 1e-9);
    zp_weather_free(ctx, w);
    zp_ctx_free(ctx);
}

/* A small TMY3 text: header lines plus 8760 rows of a simple pattern.
 * edit(row, buf) may rewrite a row; returns the text (caller frees). */
typedef void (*row_edit)(int idx, char *row, size_t cap);

static char *make_tmy(row_edit edit, const char *header, int nrows)
{
    size_t cap = 64 + strlen(header) + (size_t)nrows * 96;
    char *buf = malloc(cap), row[128];
    size_t len = 0;
    assert_non_null(buf);
    len += (size_t)snprintf(buf + len, cap - len, "723170,\"TEST, SITE\",NC,-5.0,36.100,-79.950,273\n%s\n",
                            header);
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int idx = 0;
    for (int m = 1; m <= 12; m++)
        for (int d = 1; d <= md[m - 1]; d++)
            for (int hh = 1; hh <= 24; hh++, idx++) {
                if (idx >= nrows)
                    goto done;
                /* daylight roughly 07..18 local */
                double ghi = (hh >= 8 && hh <= 18) ? 100.0 * (6 - abs(hh - 13)) : 0;
                snprintf(row, sizeof row, "%02d/%02d/1999,%02d:00,%g,%g,%g,15.0,3.0,1000", m, d,
                         hh, ghi, ghi * 0.8, ghi * 0.3);
                if (edit)
                    edit(idx, row, sizeof row);
                len += (size_t)snprintf(buf + len, cap - len, "%s\n", row);
            }
done:
    return buf;
}

static const char *HDR = "Date (MM/DD/YYYY),Time (HH:MM),GHI (W/m^2),DNI (W/m^2),"
                         "DHI (W/m^2),Dry-bulb (C),Wspd (m/s),Pressure (mbar)";

static zp_status parse_tmy(zp_ctx *ctx, const char *text, zp_weather_data **w)
{
    return zp_weather_read_tmy3_buf(ctx, text, strlen(text), "t.csv", w);
}

static void test_tmy3_synthetic_ok(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char *t = make_tmy(NULL, HDR, 8760);
    zp_weather_data *w = NULL;
    assert_int_equal(parse_tmy(ctx, t, &w), ZP_OK);
    /* 01/01 13:00 (hour ending) -> index 12: GHI 600 */
    assert_near(w->ghi_w_m2[12], 600, 0);
    assert_near(w->dni_w_m2[12], 480, 1e-12);
    zp_weather_free(ctx, w);
    free(t);
    zp_ctx_free(ctx);
}

static void test_tmy3_truncated(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char *t = make_tmy(NULL, HDR, 8000);
    zp_weather_data *w = NULL;
    assert_int_equal(parse_tmy(ctx, t, &w), ZP_EDATA);
    assert_null(w);
    /* the first missing row, index 8000 = 333 * 24 + 8, is day 334 of the
     * year (30 November: 304 days to the end of October + 30) at 09:00
     * hour-ending */
    assert_true(any_diag(ctx, ZP_SEV_ERROR, "760 of the 8760 hours"));
    assert_true(any_diag(ctx, ZP_SEV_ERROR, "11/30 09:00"));
    free(t);
    /* cut in the middle of the header */
    assert_int_equal(parse_tmy(ctx, "723170,\"X\",NC,-5.0,36.1,-79.9,273\nDate", &w), ZP_EPARSE);
    assert_int_equal(zp_weather_read_tmy3_buf(ctx, "", 0, "t.csv", &w), ZP_EPARSE);
    zp_ctx_free(ctx);
}

static void test_tmy3_bad_header(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char *t = make_tmy(NULL, "Date (MM/DD/YYYY),Time (HH:MM),GHI source,DNI (W/m^2),DHI (W/m^2),"
                             "Dry-bulb (C)", 10);
    zp_weather_data *w = NULL;
    assert_int_equal(parse_tmy(ctx, t, &w), ZP_EPARSE);
    assert_true(any_diag(ctx, ZP_SEV_ERROR, "no 'GHI' column"));
    free(t);
    zp_ctx_clear_error(ctx);
    zp_ctx_diag_clear(ctx);
    assert_int_equal(parse_tmy(ctx, "not,a,tmy\nfile\n", &w), ZP_EPARSE);
    assert_true(diag_at(ctx, 1, 1));
    zp_ctx_free(ctx);
}

static void edit_nan(int idx, char *row, size_t cap)
{
    if (idx == 12) /* line 15 */
        snprintf(row, cap, "01/01/1999,13:00,NaN,480,180,15.0,3.0,1000");
    if (idx == 13) /* line 16: TMY missing marker in Dry-bulb */
        snprintf(row, cap, "01/01/1999,14:00,500,400,150,-9900,3.0,1000");
}

static void test_tmy3_nan(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char *t = make_tmy(edit_nan, HDR, 8760);
    zp_weather_data *w = NULL;
    assert_int_equal(parse_tmy(ctx, t, &w), ZP_EDATA);
    /* "01/01/1999,13:00," is 17 bytes: GHI starts at column 18 */
    assert_true(diag_at(ctx, 15, 18));
    assert_true(any_diag(ctx, ZP_SEV_ERROR, "GHI is missing or not a number"));
    assert_true(any_diag(ctx, ZP_SEV_ERROR, "Dry-bulb is missing"));
    free(t);
    zp_ctx_free(ctx);
}

static void edit_range(int idx, char *row, size_t cap)
{
    if (idx == 12)
        snprintf(row, cap, "01/01/1999,13:00,-5,480,180,15.0,3.0,1000");
    if (idx == 36)
        snprintf(row, cap, "01/02/1999,13:00,1600,480,180,15.0,3.0,1000");
    if (idx == 60)
        snprintf(row, cap, "01/03/1999,13:00,600,480,180,15.0,3.0,1000");
    if (idx == 61)
        snprintf(row, cap, "01/03/1999,13:00,600,480,180,15.0,3.0,1000"); /* duplicate */
}

static void test_tmy3_ranges(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char *t = make_tmy(edit_range, HDR, 8760);
    zp_weather_data *w = NULL;
    assert_int_equal(parse_tmy(ctx, t, &w), ZP_EDATA);
    assert_true(any_diag(ctx, ZP_SEV_ERROR, "GHI is -5 W/m2"));
    assert_true(any_diag(ctx, ZP_SEV_ERROR, "GHI is 1600 W/m2"));
    assert_true(any_diag(ctx, ZP_SEV_ERROR, "second record for 01/03 13:00"));
    free(t);
    zp_ctx_free(ctx);
}

static void edit_kw(int idx, char *row, size_t cap)
{
    int m, d, hh;
    double g, n, f, ta, ws, p;
    if (sscanf(row, "%d/%d/1999,%d:00,%lf,%lf,%lf,%lf,%lf,%lf", &m, &d, &hh, &g, &n, &f, &ta, &ws,
               &p) == 9)
        snprintf(row, cap, "%02d/%02d/1999,%02d:00,%g,%g,%g,15.0,3.0,1000", m, d, hh, g / 1000,
                 n, f);
    (void)idx;
}

static void test_tmy3_kw(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    char *t = make_tmy(edit_kw, HDR, 8760);
    zp_weather_data *w = NULL;
    assert_int_equal(parse_tmy(ctx, t, &w), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "kW/m2"));
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "multiply"));
    free(t);
    zp_ctx_free(ctx);
}

/* ---- the model grid ------------------------------------------------------- */

static zp_model *load_model(zp_ctx *ctx, const char *weather_json, const char *period,
                            double offset_h)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"utc_offset_h\": %g,"
             " \"site\": {\"lat_deg\": 36.1, \"lon_deg\": -79.95, \"elevation_m\": 273},"
             " \"period\": %s, \"weather\": %s,"
             " \"pv\": [{\"name\": \"a\", \"capacity_kwp\": 4, \"tilt_deg\": 20,"
             " \"azimuth_deg\": 180}], \"loads\": [{\"name\": \"l\", \"power_kw\": 1}]}",
             offset_h, period, weather_json);
    zp_model *m = NULL;
    zp_status rc = zp_model_load_buf(ctx, json, strlen(json), "t.json", TMP_DIR, 0, &m);
    if (rc) {
        for (size_t i = 0; i < zp_ctx_diag_count(ctx); i++)
            print_message("%s\n", zp_ctx_diag_get(ctx, i)->message);
        fail_msg("model: %s", zp_ctx_errmsg(ctx));
    }
    return m;
}

static void test_model_tmy_leap_and_zone(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_weather_data *typ = NULL, *w = NULL;
    assert_int_equal(zp_weather_read_tmy3_file(ctx, TMY3_PATH, &typ), ZP_OK);
    /* a leap year at the file's own offset */
    zp_model *m = load_model(ctx, "{\"csv\": \"" TMY3_PATH "\", \"format\": \"tmy3\"}",
                             "{\"start\": \"2024-01-01T00:00:00-05:00\", \"end\": "
                             "\"2025-01-01T00:00:00-05:00\", \"step_min\": 60}",
                             -5);
    assert_int_equal(zp_weather_for_model(ctx, m, &w), ZP_OK);
    assert_int_equal(w->len, 8784);
    assert_int_equal(w->repairs.feb29_filled, 24);
    /* 29 February repeats 28 February; 1 March is the typical 1 March */
    for (size_t hh = 0; hh < 24; hh++) {
        assert_near(w->temp_air_c[59 * 24 + hh], typ->temp_air_c[58 * 24 + hh], 0);
        assert_near(w->temp_air_c[60 * 24 + hh], typ->temp_air_c[59 * 24 + hh], 0);
    }
    assert_near(w->temp_air_c[0], typ->temp_air_c[0], 0);
    assert_int_equal(w->repairs.night_zeroed, 0);
    assert_non_null(w->dni_w_m2);
    zp_weather_free(ctx, w);
    zp_model_free(ctx, m);

    /* the same file for a model kept in UTC at 15-min steps: the step
     * 2023-06-01T17:00Z is 12:00 at -05:00, the typical 06/01 13:00
     * hour-ending record (index (151*24 + 12)) */
    m = load_model(ctx, "{\"csv\": \"" TMY3_PATH "\", \"format\": \"tmy3\"}",
                   "{\"start\": \"2023-01-01T00:00:00Z\", \"end\": \"2024-01-01T00:00:00Z\","
                   " \"step_min\": 15}",
                   0);
    assert_int_equal(zp_weather_for_model(ctx, m, &w), ZP_OK);
    assert_int_equal(w->len, 35040);
    size_t i = (size_t)((151 * 24 + 17) * 4);
    for (size_t q = 0; q < 4; q++)
        assert_near(w->ghi_w_m2[i + q], typ->ghi_w_m2[151 * 24 + 12], 0);
    /* the first UTC hour of the year is 19:00-20:00 on 31 December at -05:00 */
    assert_near(w->temp_air_c[0], typ->temp_air_c[364 * 24 + 19], 0);
    zp_weather_free(ctx, w);
    zp_model_free(ctx, m);
    zp_weather_free(ctx, typ);
    zp_ctx_free(ctx);
}

/* A CSV year at 60 min: GHI from a crude day shape at local solar hours. */
static void write_csv(const char *path, double scale, int night_bad, const char *first,
                      int days)
{
    size_t cap = (size_t)days * 24 * 80 + 128, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    len += (size_t)snprintf(buf + len, cap - len, "timestamp,ghi_w_m2,temp_air_c\n");
    zp_time_t t0;
    int32_t off;
    assert_int_equal(zp_time_parse(first, strlen(first), ZP_TIME_NO_DEFAULT, &t0, &off), ZP_OK);
    for (int i = 0; i < days * 24; i++) {
        char tb[ZP_TIME_BUFSIZE];
        int hh = i % 24;
        double ghi = (hh >= 8 && hh <= 16) ? 100.0 * (5 - abs(hh - 12)) : 0;
        if (night_bad && hh == 2 && (i / 24) % 30 == 0)
            ghi = 50; /* a lit night once a month */
        len += (size_t)snprintf(buf + len, cap - len, "%s,%g,12.5\n",
                                zp_time_format(t0 + (zp_time_t)i * 3600, off, tb), ghi * scale);
    }
    write_file(path, buf, len);
    free(buf);
}

static void test_model_csv_checks(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_weather_data *w = NULL;
    const char *period = "{\"start\": \"2023-01-01T00:00:00-05:00\", \"end\": "
                         "\"2023-02-01T00:00:00-05:00\", \"step_min\": 60}";
    const char *wj = "{\"csv\": \"" TMP_DIR "/weather_t.csv\"}";

    /* night irradiance: repaired to 0, reported with the count */
    write_csv(TMP_DIR "/weather_t.csv", 1, 1, "2023-01-01T00:00:00-05:00", 31);
    zp_model *m = load_model(ctx, wj, period, -5);
    assert_int_equal(zp_weather_for_model(ctx, m, &w), ZP_OK);
    assert_int_equal(w->repairs.night_zeroed, 2); /* days 0 and 30 */
    assert_true(any_diag(ctx, ZP_SEV_WARNING, "2 night step(s)"));
    assert_true(w->ghi_w_m2[2] == 0.0 && w->ghi_w_m2[30 * 24 + 2] == 0.0);
    assert_true(w->repairs.dni_derived && w->repairs.dhi_derived);
    /* Erbs closure: GHI = DNI cos z + DHI, so DHI <= GHI */
    for (size_t i = 0; i < w->len; i++)
        assert_true(w->dhi_w_m2[i] <= w->ghi_w_m2[i] + 1e-9);
    zp_weather_free(ctx, w);
    zp_model_free(ctx, m);

    /* kW/m2 */
    write_csv(TMP_DIR "/weather_t.csv", 0.001, 0, "2023-01-01T00:00:00-05:00", 31);
    m = load_model(ctx, wj, period, -5);
    assert_int_equal(zp_weather_for_model(ctx, m, &w), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "kW/m2"));
    assert_null(w);
    zp_model_free(ctx, m);

    /* all zero: never a silent zero */
    write_csv(TMP_DIR "/weather_t.csv", 0, 0, "2023-01-01T00:00:00-05:00", 31);
    m = load_model(ctx, wj, period, -5);
    assert_int_equal(zp_weather_for_model(ctx, m, &w), ZP_EDATA);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "all zero"));
    zp_model_free(ctx, m);

    /* shifted by 5 hours (UTC labels written as local): an error, not a repair */
    write_csv(TMP_DIR "/weather_t.csv", 1, 0, "2023-01-01T00:00:00+00:00", 32);
    m = load_model(ctx, wj, period, -5);
    {
        /* relabel: same clock text, wrong zone, so noon GHI lands at 07:00 local */
        assert_int_equal(zp_weather_for_model(ctx, m, &w), ZP_EDATA);
        assert_non_null(strstr(zp_ctx_errmsg(ctx), "time zone"));
    }
    zp_model_free(ctx, m);

    /* period not covered: both spans named */
    write_csv(TMP_DIR "/weather_t.csv", 1, 0, "2023-01-01T00:00:00-05:00", 20);
    m = load_model(ctx, wj, period, -5);
    assert_int_equal(zp_weather_for_model(ctx, m, &w), ZP_ERANGE);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "2023-01-21"));
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "2023-02-01"));
    zp_model_free(ctx, m);

    /* a gap: the CSV reader's file:line diagnostic */
    write_file(TMP_DIR "/weather_t.csv",
               "timestamp,ghi_w_m2,temp_air_c\n2023-01-01T00:00:00-05:00,0,1\n"
               "2023-01-01T01:00:00-05:00,0,1\n2023-01-01T03:00:00-05:00,0,1\n",
               strlen("timestamp,ghi_w_m2,temp_air_c\n2023-01-01T00:00:00-05:00,0,1\n"
                      "2023-01-01T01:00:00-05:00,0,1\n2023-01-01T03:00:00-05:00,0,1\n"));
    zp_ctx_diag_clear(ctx);
    assert_int_equal(zp_weather_read_csv(ctx, TMP_DIR "/weather_t.csv", -300, &w), ZP_EDATA);
    assert_true(diag_at(ctx, 4, 0));
    zp_ctx_free(ctx);
}

/* ---- synthesis ------------------------------------------------------------ */

static zp_weather_synth_opts greensboro_opts(double annual, uint64_t seed)
{
    zp_weather_synth_opts o;
    zp_weather_synth_opts_init(&o);
    o.lat_deg = 36.1;
    o.lon_deg = -79.95;
    o.elevation_m = 273;
    o.utc_offset_min = -300;
    o.year = 2023;
    o.annual_ghi_kwh_m2 = annual;
    o.seed = seed;
    return o;
}

/* The acceptance test: synthesise Greensboro from its annual GHI
 * alone and compare each month with the real TMY3 file's month. */
static void test_synth_greensboro_months(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_weather_data *typ = NULL, *s = NULL;
    assert_int_equal(zp_weather_read_tmy3_file(ctx, TMY3_PATH, &typ), ZP_OK);
    double mt[12], ms[12], annual = 0;
    zp_weather_monthly_ghi(typ, typ->utc_offset_min, mt);
    for (int k = 0; k < 12; k++)
        annual += mt[k];
    assert_near(annual, 1566.203, 1e-9);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        zp_weather_synth_opts o = greensboro_opts(annual, seed);
        assert_int_equal(zp_weather_synthesise(ctx, &o, &s), ZP_OK);
        zp_weather_monthly_ghi(s, -300, ms);
        double tot = 0;
        for (int k = 0; k < 12; k++) {
            double e = ms[k] / mt[k] - 1;
            if (seed == 1)
                print_message("month %2d: TMY3 %6.2f synthetic %6.2f kWh/m2 (%+.1f%%)\n", k + 1,
                              mt[k], ms[k], e * 100);
            assert_true(fabs(e) <= 0.10);
            tot += ms[k];
        }
        assert_near(tot, annual, 1e-9 * annual);
        zp_weather_free(ctx, s);
        s = NULL;
    }
    zp_weather_free(ctx, typ);
    zp_ctx_free(ctx);
}

static void test_synth_deterministic(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_weather_synth_opts o = greensboro_opts(1500, 42);
    o.step_s = 900;
    zp_weather_data *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(zp_weather_synthesise(ctx, &o, &a), ZP_OK);
    assert_int_equal(zp_weather_synthesise(ctx, &o, &b), ZP_OK);
    o.seed = 43;
    assert_int_equal(zp_weather_synthesise(ctx, &o, &c), ZP_OK);
    assert_int_equal(a->len, 365 * 96);
    assert_memory_equal(a->ghi_w_m2, b->ghi_w_m2, a->len * sizeof(double));
    assert_memory_equal(a->temp_air_c, b->temp_air_c, a->len * sizeof(double));
    assert_memory_equal(a->wind_speed_m_s, b->wind_speed_m_s, a->len * sizeof(double));
    assert_true(memcmp(a->ghi_w_m2, c->ghi_w_m2, a->len * sizeof(double)) != 0);
    double sum = 0, tmean = 0, wmean = 0, tmin = 1e9, tmax = -1e9;
    for (size_t i = 0; i < a->len; i++) {
        assert_true(a->ghi_w_m2[i] >= 0 && a->ghi_w_m2[i] < ZP_WEATHER_MAX_IRR_W_M2);
        assert_true(a->dhi_w_m2[i] <= a->ghi_w_m2[i] + 1e-9);
        assert_true(a->wind_speed_m_s[i] >= 0);
        sum += a->ghi_w_m2[i] * 0.25 / 1000;
        tmean += a->temp_air_c[i];
        wmean += a->wind_speed_m_s[i];
        tmin = fmin(tmin, a->temp_air_c[i]);
        tmax = fmax(tmax, a->temp_air_c[i]);
    }
    assert_near(sum, 1500, 1e-9 * 1500);
    /* default mean wind 3 m/s (Weibull k = 2), default temperature from
     * latitude: 28 - 34 sin^2(36.1) - 0.0065 * 273 = 14.4 C */
    assert_near(wmean / (double)a->len, 3.0, 0.3);
    assert_near(tmean / (double)a->len, 28 - 34 * pow(sin(36.1 * M_PI / 180), 2) - 0.0065 * 273,
                1.0);
    assert_true(tmin > -25 && tmax < 45);
    zp_weather_free(ctx, a);
    zp_weather_free(ctx, b);
    zp_weather_free(ctx, c);
    zp_ctx_free(ctx);
}

static void test_synth_bad_opts(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_weather_data *w = NULL;
    zp_weather_synth_opts o = greensboro_opts(0, 1);
    assert_int_equal(zp_weather_synthesise(ctx, &o, &w), ZP_EINVAL);
    o = greensboro_opts(5000, 1); /* more than a cloudless sky gives */
    assert_int_equal(zp_weather_synthesise(ctx, &o, &w), ZP_ERANGE);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "cloudless"));
    o = greensboro_opts(1500, 1);
    o.step_s = 7 * 60;
    assert_int_equal(zp_weather_synthesise(ctx, &o, &w), ZP_EINVAL);
    assert_null(w);
    zp_ctx_free(ctx);
}

/* Write with zp_weather_format_csv, read back with the CSV reader. */
static void test_csv_round_trip(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_weather_synth_opts o = greensboro_opts(1400, 7);
    zp_weather_data *a = NULL, *b = NULL;
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(zp_weather_synthesise(ctx, &o, &a), ZP_OK);
    assert_int_equal(zp_weather_format_csv(ctx, a, -300, &text, &len), ZP_OK);
    assert_non_null(strstr(text, "timestamp,ghi_w_m2,dni_w_m2,dhi_w_m2,temp_air_c,wind_speed_m_s\n"
                                 "2023-01-01T00:00:00-05:00,"));
    write_file(TMP_DIR "/weather_rt.csv", text, len);
    zp_weather_text_free(ctx, text);
    assert_int_equal(zp_weather_read_csv(ctx, TMP_DIR "/weather_rt.csv", ZP_TIME_NO_DEFAULT, &b),
                     ZP_OK);
    assert_int_equal(b->len, a->len);
    assert_int_equal(b->start, a->start);
    for (size_t i = 0; i < a->len; i++) {
        assert_near(b->ghi_w_m2[i], a->ghi_w_m2[i], 1e-4);
        assert_near(b->temp_air_c[i], a->temp_air_c[i], 1e-3);
    }
    zp_weather_free(ctx, a);
    zp_weather_free(ctx, b);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tmy3_shipped),
        cmocka_unit_test(test_tmy3_synthetic_ok),
        cmocka_unit_test(test_tmy3_truncated),
        cmocka_unit_test(test_tmy3_bad_header),
        cmocka_unit_test(test_tmy3_nan),
        cmocka_unit_test(test_tmy3_ranges),
        cmocka_unit_test(test_tmy3_kw),
        cmocka_unit_test(test_model_tmy_leap_and_zone),
        cmocka_unit_test(test_model_csv_checks),
        cmocka_unit_test(test_synth_greensboro_months),
        cmocka_unit_test(test_synth_deterministic),
        cmocka_unit_test(test_synth_bad_opts),
        cmocka_unit_test(test_csv_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
