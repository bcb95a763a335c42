/*
 * test_solar.c - the NREL SPA (src/lib/energy/solar.c): the paper's worked
 * example to its printed digits, the Julian-day examples of the paper's
 * Table A4.1, 30 instants against an independent ephemeris (PyEphem,
 * tests/unit/solar_reference.csv), the batch form against the full
 * algorithm over a year at five latitudes, range errors, polar day and
 * night, delta T and the extraterrestrial irradiance.
 * Reference values: /work/shared/reference/pv-reference.md (the paper's
 * example, also in pvlib's test_spa.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "need.h"

#include "zeropark/solar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEG (3.14159265358979323846 / 180.0)

static zp_time_t parse_time(const char *s)
{
    zp_time_t t = 0;
    int32_t off = 0;
    assert_int_equal(zp_time_parse(s, strlen(s), ZP_TIME_NO_DEFAULT, &t, &off), ZP_OK);
    return t;
}

static void assert_near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.9f, want %.9f (tolerance %g)", what, got, want, tol);
}

/* The paper's example inputs (its appendix; pv-reference.md). */
static void paper_input(zp_spa_input *in)
{
    zp_spa_input_init(in);
    int32_t off = 0;
    const char *s = "2003-10-17T12:30:30-07:00";
    assert_int_equal(zp_time_parse(s, strlen(s), ZP_TIME_NO_DEFAULT, &in->t, &off), ZP_OK);
    in->utc_offset_min = off;
    in->delta_t_s = 67;
    in->delta_ut1_s = 0;
    in->lon_deg = -105.1786;
    in->lat_deg = 39.742476;
    in->elevation_m = 1830.14;
    in->pressure_hpa = 820;
    in->temperature_c = 11;
    in->slope_deg = 30;
    in->azimuth_rotation_deg = -10;
    in->atmos_refract_deg = 0.5667;
}

/* Seconds of local time for "hh:mm:ss". */
static double hms(int h, int m, int s) { return h * 3600.0 + m * 60.0 + s; }

static void test_paper_example(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_spa_input in;
    paper_input(&in);
    zp_spa_result r;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ALL, &r), ZP_OK);

    /* Each tolerance is half a unit of the last digit the paper prints. */
    assert_near(r.jd, 2452930.312847, 5e-7, "JD");
    assert_near(r.jde, 2452930.313623, 5e-7, "JDE");
    assert_near(r.l_deg, 24.0182616917, 5e-10, "L");
    assert_near(r.b_deg, -0.0001011219, 5e-11, "B");
    assert_near(r.r_au, 0.9965422974, 5e-10, "R");
    assert_near(r.h_deg, 11.105902, 5e-7, "H");
    assert_near(r.delta_psi_deg, -0.00399840, 5e-9, "delta psi");
    assert_near(r.delta_eps_deg, 0.00166657, 5e-9, "delta epsilon");
    assert_near(r.epsilon_deg, 23.440465, 5e-7, "epsilon");
    assert_near(r.alpha_prime_deg, 202.22704, 5e-6, "alpha'");
    assert_near(r.delta_prime_deg, -9.316179, 5e-7, "delta'");
    assert_near(r.e0_deg, 39.872046, 5e-7, "e0");
    assert_near(r.del_e_deg, 0.016332, 5e-7, "delta e");
    assert_near(r.e_deg, 39.888378, 5e-7, "e");
    assert_near(r.zenith_deg, 50.111622, 5e-7, "zenith");
    assert_near(r.azimuth_deg, 194.340241, 5e-7, "azimuth");
    assert_near(r.incidence_deg, 25.187000, 5e-7, "incidence");
    /* Sunrise 06:12:43 and sunset 17:20:19 local (the paper rounds to the
     * second); transit is checked against the equation of time below. */
    assert_near(r.sunrise_h * 3600, hms(6, 12, 43), 1.0, "sunrise");
    assert_near(r.sunset_h * 3600, hms(17, 20, 19), 1.0, "sunset");
    assert_near(r.transit_h * 3600, hms(11, 46, 5), 1.0, "transit");
    /* The equation of time at this date is near its October maximum:
     * transit = 12:00 - EoT - (lon - zone meridian) * 4 min/deg
     *         = 12:00 - 14.64 min + 0.71 min = 11:46:04. */
    assert_near(12 * 60 - r.eot_min - (in.lon_deg + 105.0) * 4, r.transit_h * 60, 0.05,
                "EoT vs transit");

    /* Only what was asked for is computed. */
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA, &r), ZP_OK);
    assert_near(r.zenith_deg, 50.111622, 5e-7, "zenith (ZA only)");
    assert_true(isnan(r.incidence_deg));
    assert_true(isnan(r.sunrise_h) && isnan(r.transit_h) && isnan(r.sunset_h));
    zp_ctx_free(ctx);
}

/* The paper's Table A4.1 (the Julian-day examples, after Meeus). */
static void test_julian_day(void **state)
{
    (void)state;
    static const struct {
        int y, m;
        double d, jd;
    } cases[] = {
        {2000, 1, 1.5, 2451545.0},   {1999, 1, 1.0, 2451179.5},  {1987, 1, 27.0, 2446822.5},
        {1987, 6, 19.5, 2446966.0},  {1988, 1, 27.0, 2447187.5}, {1988, 6, 19.5, 2447332.0},
        {1900, 1, 1.0, 2415020.5},   {1600, 1, 1.0, 2305447.5},  {1600, 12, 31.0, 2305812.5},
        {837, 4, 10.3, 2026871.8},   {-123, 12, 31.0, 1676496.5}, {-122, 1, 1.0, 1676497.5},
        {-1000, 7, 12.5, 1356001.0}, {-1000, 2, 29.0, 1355866.5}, {-1001, 8, 17.9, 1355671.4},
        {-4712, 1, 1.5, 0.0},
        /* Either side of the calendar reform: Julian 4 October 1582 is followed
         * by Gregorian 15 October. */
        {1582, 10, 4.0, 2299159.5},  {1582, 10, 15.0, 2299160.5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "JD of %d-%02d-%g", cases[i].y, cases[i].m, cases[i].d);
        assert_near(zp_spa_julian_day(cases[i].y, cases[i].m, cases[i].d), cases[i].jd, 1e-6, what);
    }

    /* zp_spa_calc's JD from Unix time is the same number for Gregorian dates. */
    zp_ctx *ctx = zp_ctx_new();
    zp_spa_input in;
    zp_spa_input_init(&in);
    zp_spa_result r;
    in.t = parse_time("1987-06-19T12:00:00Z");
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA, &r), ZP_OK);
    assert_near(r.jd, 2446966.0, 1e-9, "JD of 1987-06-19T12Z");
    in.t = parse_time("1600-12-31T00:00:00Z");
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA, &r), ZP_OK);
    assert_near(r.jd, 2305812.5, 1e-9, "JD of 1600-12-31T00Z");
    /* delta UT1 and the fraction of a second move UT1. */
    in.frac_s = 0.25;
    in.delta_ut1_s = 0.5;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA, &r), ZP_OK);
    assert_near(r.jd, 2305812.5 + 0.75 / 86400, 1e-9, "JD with frac and delta UT1");
    zp_ctx_free(ctx);
}

/* Separation of two directions given as zenith/azimuth, degrees. */
static double separation_deg(double z1, double a1, double z2, double a2)
{
    double c = cos(z1 * DEG) * cos(z2 * DEG) + sin(z1 * DEG) * sin(z2 * DEG) * cos((a1 - a2) * DEG);
    double s1 = sin(z1 * DEG) * sin((a1 - a2) * DEG);
    double s2 = sin(z2 * DEG) * cos(z1 * DEG) - cos(z2 * DEG) * sin(z1 * DEG) * cos((a1 - a2) * DEG);
    return atan2(sqrt(s1 * s1 + s2 * s2), c) / DEG; /* well conditioned for small angles */
}

/*
 * 30 instants, latitudes -60..60, years 1950..2050, against PyEphem 4.1.4
 * (tests/unit/solar_reference.py; refraction off on both sides, delta T
 * PyEphem's own, passed to SPA through the CSV).
 *
 * Tolerance 0.0005 deg (1.8 arc seconds) in zenith and in the angular
 * separation of the two directions: SPA states +/-0.0003 deg over
 * -2000..6000, and libastro's Sun (a truncated VSOP87 with its own
 * nutation and aberration) is good to about an arc second, so two correct
 * implementations can differ by up to ~0.0006 deg in the worst case; the
 * largest difference measured over these rows is printed by the test:
 * 1.6e-4 deg (0.56") in zenith, 1.6e-4 deg in separation, scattered in
 * sign, i.e. the two theories' noise. The bound still catches real
 * mistakes: a missing parallax (up to 0.0024 deg), aberration (0.0057 deg),
 * nutation (up to 0.005 deg) or a delta T off by 2 s (~0.008 deg in hour angle).
 */
static void test_reference_csv(void **state)
{
    (void)state;
    const char *path = ZP_SOURCE_DIR "/tests/unit/solar_reference.csv";
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    zp_ctx *ctx = zp_ctx_new();
    char line[512];
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    int rows = 0;
    double max_z = 0, max_sep = 0;
    while (fgets(line, sizeof line, f)) {
        char utc[32];
        double lat, lon, elev, dt, zen, az;
        if (sscanf(line, "%31[^,],%lf,%lf,%lf,%lf,%lf,%lf", utc, &lat, &lon, &elev, &dt, &zen, &az) !=
            7)
            fail_msg("bad line in %s: %s", path, line);
        zp_spa_input in;
        zp_spa_input_init(&in);
        in.t = parse_time(utc);
        in.lat_deg = lat;
        in.lon_deg = lon;
        in.elevation_m = elev;
        in.delta_t_s = dt;
        in.pressure_hpa = 0; /* no refraction, as pressure 0 in PyEphem */
        zp_spa_result r;
        assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA, &r), ZP_OK);
        assert_true(r.del_e_deg == 0.0);
        double dz = fabs(r.zenith_deg - zen);
        double sep = separation_deg(r.zenith_deg, r.azimuth_deg, zen, az);
        if (dz > 5e-4 || sep > 5e-4)
            fail_msg("%s lat %g lon %g: SPA zenith %.7f azimuth %.7f, PyEphem %.7f %.7f "
                     "(separation %.2g deg)",
                     utc, lat, lon, r.zenith_deg, r.azimuth_deg, zen, az, sep);
        max_z = fmax(max_z, dz);
        max_sep = fmax(max_sep, sep);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 30);
    printf("  reference: %d rows, max |zenith diff| %.2e deg, max separation %.2e deg\n", rows,
           max_z, max_sep);
    zp_ctx_free(ctx);
}

/* The script's fresh output (PyEphem, in the system python3) must be the
 * committed CSV (so the CSV is what the script says it is). */
static void test_reference_fresh(void **state)
{
    (void)state;
    zp_need("py:ephem");
    FILE *p = popen("/usr/bin/python3 " ZP_SOURCE_DIR "/tests/unit/solar_reference.py", "r");
    FILE *f = fopen(ZP_SOURCE_DIR "/tests/unit/solar_reference.csv", "r");
    assert_non_null(p);
    assert_non_null(f);
    char a[512], b[512];
    int lines = 0;
    for (;;) {
        char *x = fgets(a, sizeof a, p), *y = fgets(b, sizeof b, f);
        if (!x || !y) {
            assert_true(!x && !y); /* same number of lines */
            break;
        }
        assert_string_equal(a, b);
        lines++;
    }
    assert_int_equal(pclose(p), 0);
    fclose(f);
    assert_int_equal(lines, 31);
}

/* Largest |zenith| and |azimuth| difference between the batch and the full
 * algorithm while the sun is up, for one site over 2024 at step_s. */
static void series_vs_calc(double lat, double lon, double elev, zp_time_t start, int32_t step_s,
                           size_t n, double delta_t_s, double *max_z, double *max_a)
{
    zp_ctx *ctx = zp_ctx_new();
    zp_spa_input in;
    zp_spa_input_init(&in);
    in.lat_deg = lat;
    in.lon_deg = lon;
    in.elevation_m = elev;
    in.delta_t_s = delta_t_s;
    double *z = malloc(n * sizeof *z), *a = malloc(n * sizeof *a);
    assert_non_null(z);
    assert_non_null(a);
    assert_int_equal(zp_spa_series(ctx, &in, start, step_s, n, z, a), ZP_OK);
    *max_z = *max_a = 0;
    for (size_t i = 0; i < n; i++) {
        zp_spa_result r;
        in.t = start + (zp_time_t)i * step_s;
        assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA, &r), ZP_OK);
        if (r.zenith_deg >= 90.0)
            continue;
        *max_z = fmax(*max_z, fabs(z[i] - r.zenith_deg));
        double da = fabs(a[i] - r.azimuth_deg);
        da = fmin(da, 360.0 - da);
        /* The azimuth is ill-defined within a few degrees of the zenith. */
        if (r.zenith_deg > 1.0)
            *max_a = fmax(*max_a, da);
    }
    free(z);
    free(a);
    zp_ctx_free(ctx);
}

/*
 * The batch form interpolates alpha, delta, the nutation term of sidereal
 * time and the parallax with a cubic through nodes half a day apart; the
 * measured error (printed) is ~1e-8 deg in zenith, so 1e-6 deg is a bound
 * with a margin and far inside the 1e-4 deg the issue asks for (and SPA's
 * own 3e-4 deg). The azimuth bound is looser where the sun passes near the
 * zenith (tropics), where a small change of direction is a large change of
 * azimuth.
 */
static void test_series_matches_calc(void **state)
{
    (void)state;
    const zp_time_t y2024 = parse_time("2024-01-01T00:00:00+08:00"); /* not 0 UT on purpose */
    static const double lats[] = {-60, -30, 0, 23.4, 39.742476, 60};
    for (size_t k = 0; k < sizeof lats / sizeof lats[0]; k++) {
        double mz, ma;
        /* 17-minute steps: every minute of the day is sampled over the year. */
        series_vs_calc(lats[k], 113.6 - 40 * (double)k, 100.0 * (double)k, y2024, 17 * 60,
                       366 * 1440 / 17, NAN, &mz, &ma);
        printf("  series vs calc, lat %6.2f: max |zenith| %.2e deg, max |azimuth| %.2e deg\n",
               lats[k], mz, ma);
        assert_true(mz < 1e-6);
        assert_true(ma < 1e-5);
    }
    double mz, ma;
    /* Before 1970, a given delta T, steps of a day and of 13 h (the series
     * recomputes all nodes, or skips days). */
    series_vs_calc(51.5, -0.1, 0, parse_time("1955-03-01T10:30:00Z"), 86400, 400, 31.0, &mz, &ma);
    assert_true(mz < 1e-6 && ma < 1e-5);
    series_vs_calc(-33.9, 151.2, 0, parse_time("1969-12-25T00:00:00Z"), 13 * 3600, 300, NAN, &mz,
                   &ma);
    assert_true(mz < 1e-6 && ma < 1e-5);

    /* Either output may be NULL; n = 0 does nothing. */
    zp_ctx *ctx = zp_ctx_new();
    zp_spa_input in;
    zp_spa_input_init(&in);
    double z[3];
    /* 2024-01-01T00:00Z is midnight at 0 N 0 E. */
    assert_int_equal(zp_spa_series(ctx, &in, y2024 + 8 * 3600, 60, 3, z, NULL), ZP_OK);
    assert_true(z[0] > 150.0 && z[2] > 150.0);
    assert_int_equal(zp_spa_series(ctx, &in, y2024, 60, 0, NULL, NULL), ZP_OK);
    zp_ctx_free(ctx);
}

static void expect_range(zp_ctx *ctx, const zp_spa_input *in, const char *msg)
{
    zp_spa_result r;
    assert_int_equal(zp_spa_calc(ctx, in, ZP_SPA_ALL, &r), ZP_ERANGE);
    assert_int_equal(zp_ctx_errcode(ctx), ZP_ERANGE);
    assert_string_equal(zp_ctx_errmsg(ctx), msg);
}

static void test_range_errors(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_spa_input in;

    zp_spa_input_init(&in);
    in.lat_deg = 95;
    expect_range(ctx, &in, "spa: lat_deg 95 is out of range -90..90");
    zp_spa_input_init(&in);
    in.lat_deg = NAN;
    expect_range(ctx, &in, "spa: lat_deg nan is out of range -90..90");
    zp_spa_input_init(&in);
    in.lon_deg = -180.5;
    expect_range(ctx, &in, "spa: lon_deg -180.5 is out of range -180..180");
    zp_spa_input_init(&in);
    in.pressure_hpa = -1;
    expect_range(ctx, &in, "spa: pressure_hpa -1 is out of range 0..5000");
    zp_spa_input_init(&in);
    in.temperature_c = -300;
    expect_range(ctx, &in, "spa: temperature_c -300 is out of range -273..6000");
    zp_spa_input_init(&in);
    in.slope_deg = 400;
    expect_range(ctx, &in, "spa: slope_deg 400 is out of range -360..360");
    zp_spa_input_init(&in);
    in.azimuth_rotation_deg = -361;
    expect_range(ctx, &in, "spa: azimuth_rotation_deg -361 is out of range -360..360");
    zp_spa_input_init(&in);
    in.atmos_refract_deg = 6;
    expect_range(ctx, &in, "spa: atmos_refract_deg 6 is out of range -5..5");
    zp_spa_input_init(&in);
    in.delta_t_s = 8001;
    expect_range(ctx, &in, "spa: delta_t_s 8001 is out of range -8000..8000");
    zp_spa_input_init(&in);
    in.delta_ut1_s = 1;
    expect_range(ctx, &in, "spa: delta_ut1_s 1 is out of range -1..1 (exclusive)");
    zp_spa_input_init(&in);
    in.frac_s = 1;
    expect_range(ctx, &in, "spa: frac_s 1 is out of range 0..1 (1 excluded)");
    zp_spa_input_init(&in);
    in.elevation_m = -7e6;
    expect_range(ctx, &in, "spa: elevation_m -7e+06 is out of range -6.5e+06..1e+07");
    zp_spa_input_init(&in);
    in.utc_offset_min = 19 * 60;
    expect_range(ctx, &in, "spa: utc_offset_min 1140 is out of range -1080..1080");

    /* Years: -2000-01-01T00:00Z and 6000-12-31T23:59:59Z are the ends. */
    zp_spa_result r;
    zp_spa_input_init(&in);
    in.t = zp_days_from_civil(-2000, 1, 1) * 86400;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ALL, &r), ZP_OK);
    in.t = zp_days_from_civil(6001, 1, 1) * 86400 - 1;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ALL, &r), ZP_OK);
    in.t = zp_days_from_civil(6001, 1, 1) * 86400;
    expect_range(ctx, &in, "spa: year 6001 is out of range -2000..6000");
    in.t = zp_days_from_civil(-2000, 1, 1) * 86400 - 1;
    expect_range(ctx, &in, "spa: year -2001 is out of range -2000..6000");
    in.t = INT64_MIN;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ALL, &r), ZP_ERANGE);

    /* Bad arguments. */
    zp_spa_input_init(&in);
    assert_int_equal(zp_spa_calc(ctx, &in, 0x10, &r), ZP_EINVAL);
    assert_int_equal(zp_spa_calc(ctx, NULL, ZP_SPA_ZA, &r), ZP_EINVAL);

    /* The batch form checks the site, the step and both ends of the span. */
    double z[2];
    in.lat_deg = 95;
    assert_int_equal(zp_spa_series(ctx, &in, 0, 60, 2, z, NULL), ZP_ERANGE);
    assert_string_equal(zp_ctx_errmsg(ctx), "spa: lat_deg 95 is out of range -90..90");
    in.lat_deg = 0;
    assert_int_equal(zp_spa_series(ctx, &in, 0, 0, 2, z, NULL), ZP_EINVAL);
    assert_int_equal(zp_spa_series(ctx, &in, 0, -60, 2, z, NULL), ZP_EINVAL);
    zp_time_t end = zp_days_from_civil(6001, 1, 1) * 86400;
    assert_int_equal(zp_spa_series(ctx, &in, end - 60, 60, 2, z, NULL), ZP_ERANGE);
    assert_int_equal(zp_spa_series(ctx, &in, end - 120, 60, 2, z, NULL), ZP_OK);
    assert_int_equal(zp_spa_series(ctx, &in, 0, INT32_MAX, SIZE_MAX, NULL, NULL), ZP_ERANGE);
    zp_ctx_free(ctx);
}

/* 80 N: the sun never sets at the June solstice and never rises at the
 * December one; the paper's A.2.4 argument leaves [-1, 1]. */
static void test_polar(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_spa_input in;
    zp_spa_input_init(&in);
    in.lat_deg = 80;
    in.lon_deg = 15;
    in.utc_offset_min = 60;
    zp_spa_result r;

    in.t = parse_time("2024-06-21T12:00:00+01:00");
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ALL, &r), ZP_OK);
    assert_true(isnan(r.sunrise_h) && isnan(r.sunset_h));
    assert_true(r.zenith_deg < 90.0);
    /* Transit still exists: near 12:00 local at 15 E in zone +01:00, minus EoT (-1.6 min). */
    assert_near(r.transit_h, 12.0 + 1.6 / 60, 0.05, "midsummer transit");

    in.t = parse_time("2024-12-21T12:00:00+01:00");
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ALL, &r), ZP_OK);
    assert_true(isnan(r.sunrise_h) && isnan(r.sunset_h));
    assert_true(r.zenith_deg > 90.0);
    assert_true(isfinite(r.transit_h));

    /* The same site at the equinox has both; the day is longer than 12 h
     * because the sun's radius and refraction (0.83 deg) take a long time
     * to cross at the shallow angle of 80 N. */
    in.t = parse_time("2024-03-20T12:00:00+01:00");
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ALL, &r), ZP_OK);
    assert_true(isfinite(r.sunrise_h) && isfinite(r.sunset_h));
    assert_true(r.sunset_h - r.sunrise_h > 12.0);
    zp_ctx_free(ctx);
}

static void test_delta_t(void **state)
{
    (void)state;
    /* Constant terms of the Espenak & Meeus polynomials at their epochs. */
    assert_near(zp_spa_delta_t(1900), -2.79, 1e-9, "dT 1900");
    assert_near(zp_spa_delta_t(1950), 29.07, 1e-9, "dT 1950");
    assert_near(zp_spa_delta_t(1975), 45.45, 1e-9, "dT 1975");
    assert_near(zp_spa_delta_t(2000), 63.86, 1e-9, "dT 2000");
    /* 2010: 62.92 + 0.32217 * 10 + 0.005589 * 100 = 62.92 + 3.2217 + 0.5589. */
    assert_near(zp_spa_delta_t(2010), 66.7006, 1e-9, "dT 2010");
    assert_near(zp_spa_delta_t(0), 10583.6, 1e-9, "dT 0");
    /* Before -500: -20 + 32 u^2, u = (-1000 - 1820) / 100 = -28.2. */
    assert_near(zp_spa_delta_t(-1000), 25427.68, 1e-6, "dT -1000");
    /* The pieces join within a few seconds. */
    static const double joins[] = {-500, 500, 1600, 1700, 1800, 1860, 1900, 1920, 1941, 1961, 1986, 2005, 2050, 2150};
    for (size_t i = 0; i < sizeof joins / sizeof joins[0]; i++)
        assert_near(zp_spa_delta_t(joins[i] - 1e-9), zp_spa_delta_t(joins[i]), 6.0, "dT join");

    /* NaN (the default) means the model at the instant's year. */
    zp_ctx *ctx = zp_ctx_new();
    zp_spa_input in;
    zp_spa_input_init(&in);
    assert_true(isnan(in.delta_t_s));
    in.t = parse_time("2010-01-01T00:00:00Z");
    zp_spa_result r;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA, &r), ZP_OK);
    assert_near((r.jde - r.jd) * 86400, zp_spa_delta_t(2010.0), 1e-3, "default dT");
    zp_ctx_free(ctx);
}

static void test_defaults_and_incidence(void **state)
{
    (void)state;
    zp_spa_input in;
    zp_spa_input_init(&in);
    assert_true(in.pressure_hpa == 1013.25 && in.temperature_c == 12.0);
    assert_true(in.atmos_refract_deg == 0.5667 && in.delta_ut1_s == 0 && in.slope_deg == 0);

    zp_ctx *ctx = zp_ctx_new();
    paper_input(&in);
    zp_spa_result r;
    /* A horizontal surface sees the sun at the zenith angle. */
    in.slope_deg = 0;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA | ZP_SPA_INC, &r), ZP_OK);
    assert_near(r.incidence_deg, r.zenith_deg, 1e-9, "flat incidence");
    /* A surface facing the sun (slope = zenith, rotation = sun's azimuth from south). */
    in.slope_deg = r.zenith_deg;
    in.azimuth_rotation_deg = r.azimuth_deg - 180.0;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA | ZP_SPA_INC, &r), ZP_OK);
    assert_near(r.incidence_deg, 0.0, 1e-5, "facing incidence");
    /* Pressure 0 turns refraction off. */
    in.pressure_hpa = 0;
    assert_int_equal(zp_spa_calc(ctx, &in, ZP_SPA_ZA, &r), ZP_OK);
    assert_near(r.zenith_deg, 90 - 39.872046, 5e-7, "no refraction");
    zp_ctx_free(ctx);
}

static void test_extra_radiation(void **state)
{
    (void)state;
    /* Spencer at doy 1 (day angle 0): 1.000110 + 0.034221 + 0.000719 = 1.035050,
     * times 1361 = 1408.70305 W/m2. */
    assert_near(zp_solar_extra_radiation(1), 1408.70305, 1e-6, "E0 doy 1");
    /* Near aphelion (early July) it is about 3.3% below the constant. */
    double lo = INFINITY;
    int lo_doy = 0;
    for (int d = 1; d <= 366; d++) {
        double e = zp_solar_extra_radiation(d);
        if (e < lo) {
            lo = e;
            lo_doy = d;
        }
    }
    assert_true(lo_doy >= 180 && lo_doy <= 190);
    assert_near(lo, 1361 * 0.967, 1.5, "E0 at aphelion");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_example),
        cmocka_unit_test(test_julian_day),
        cmocka_unit_test(test_reference_csv),
        cmocka_unit_test(test_reference_fresh),
        cmocka_unit_test(test_series_matches_calc),
        cmocka_unit_test(test_range_errors),
        cmocka_unit_test(test_polar),
        cmocka_unit_test(test_delta_t),
        cmocka_unit_test(test_defaults_and_incidence),
        cmocka_unit_test(test_extra_radiation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
