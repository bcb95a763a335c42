/*
 * cmd_solar.c - `zeropark solar`: the sun's position at a site and instant
 * (NREL SPA, zp_spa_calc), with the incidence on a surface and the day's
 * sunrise, transit and sunset.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"
#include "zeropark/solar.h"

const char cmd_solar_usage[] =
    "usage: zeropark solar --lat DEG --lon DEG --time ISO8601 [options]\n"
    "\n"
    "Position of the sun by the NREL Solar Position Algorithm (Reda & Andreas\n"
    "2004; docs/methodology.md): topocentric zenith and azimuth (eastward from\n"
    "north), elevation with refraction, incidence on a tilted surface, and the\n"
    "local day's sunrise, transit and sunset in the offset of --time.\n"
    "\n"
    "Options:\n"
    "  --lat DEG                   latitude, north positive (-90..90)\n"
    "  --lon DEG                   longitude, east positive (-180..180)\n"
    "  --time ISO8601              instant, e.g. 2003-10-17T12:30:30-07:00\n"
    "                              (without an offset, +08:00 is assumed)\n"
    "  --elevation-m M             site elevation above sea level (default 0)\n"
    "  --pressure-hpa P            annual mean pressure (default 1013.25; 0 = no refraction)\n"
    "  --temperature-c T           annual mean temperature (default 12)\n"
    "  --delta-t-s S               TT - UT1 in seconds (default: Espenak & Meeus model)\n"
    "  --delta-ut1-s S             UT1 - UTC in seconds, |S| < 1 (default 0)\n"
    "  --slope-deg D               surface slope from horizontal (default 0)\n"
    "  --azimuth-rotation-deg D    surface azimuth from south, west positive (default 0)\n"
    "  --json                      print as JSON (stable keys, docs/cli.md)\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Sunrise and sunset are \"none\" (null in JSON) in polar day or night.\n"
    "Exit status: 0 ok, 2 bad usage or a value out of range.\n";

/* Local time of day h (hours since local midnight of the day of t) as an
 * instant, rounded to the second; false when there is none. */
static bool day_time(zp_time_t t, int32_t offset_min, double h, zp_time_t *out)
{
    if (!isfinite(h))
        return false;
    zp_time_t local = t + (zp_time_t)offset_min * 60;
    zp_time_t day = zp_fdiv(local, 86400);
    *out = day * 86400 + (zp_time_t)llround(h * 3600.0) - (zp_time_t)offset_min * 60;
    return true;
}

/* Round to 6 decimals (a micro-degree, well inside SPA's 3e-4 deg) so the
 * JSON and the text show the same digits. */
static double r6(double x) { return round(x * 1e6) / 1e6; }

int cmd_solar_run(const cli_cmd *cmd, int argc, char **argv)
{
    enum {
        O_LAT = 256, O_LON, O_TIME, O_ELEV, O_PRES, O_TEMP, O_DT, O_DUT1, O_SLOPE, O_AZROT, O_JSON
    };
    static const struct option opts[] = {
        {"lat", required_argument, NULL, O_LAT},
        {"lon", required_argument, NULL, O_LON},
        {"time", required_argument, NULL, O_TIME},
        {"elevation-m", required_argument, NULL, O_ELEV},
        {"pressure-hpa", required_argument, NULL, O_PRES},
        {"temperature-c", required_argument, NULL, O_TEMP},
        {"delta-t-s", required_argument, NULL, O_DT},
        {"delta-ut1-s", required_argument, NULL, O_DUT1},
        {"slope-deg", required_argument, NULL, O_SLOPE},
        {"azimuth-rotation-deg", required_argument, NULL, O_AZROT},
        {"json", no_argument, NULL, O_JSON},
        {0, 0, 0, 0}};
    zp_spa_input in;
    zp_spa_input_init(&in);
    bool json = false, have_lat = false, have_lon = false, have_time = false;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        double *dst = NULL;
        switch (c) {
        case O_LAT: dst = &in.lat_deg; have_lat = true; break;
        case O_LON: dst = &in.lon_deg; have_lon = true; break;
        case O_ELEV: dst = &in.elevation_m; break;
        case O_PRES: dst = &in.pressure_hpa; break;
        case O_TEMP: dst = &in.temperature_c; break;
        case O_DT: dst = &in.delta_t_s; break;
        case O_DUT1: dst = &in.delta_ut1_s; break;
        case O_SLOPE: dst = &in.slope_deg; break;
        case O_AZROT: dst = &in.azimuth_rotation_deg; break;
        case O_JSON: json = true; break;
        case O_TIME:
            if (zp_time_parse(optarg, strlen(optarg), 8 * 60, &in.t, &in.utc_offset_min) != ZP_OK)
                return cli_usage_error(cmd,
                                       "--time '%s': use ISO-8601 such as 2024-06-21T12:00:00+08:00",
                                       optarg);
            have_time = true;
            break;
        case '?':
            if (optopt)
                return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        default:
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
        if (dst && !cli_parse_double(optarg, -INFINITY, INFINITY, dst)) {
            const char *name = "?";
            for (const struct option *o = opts; o->name; o++)
                if (o->val == c)
                    name = o->name;
            return cli_usage_error(cmd, "--%s '%s': expected a number", name, optarg);
        }
    }
    if (!have_lat || !have_lon || !have_time)
        return cli_usage_error(cmd, "missing %s",
                               !have_lat ? "--lat DEG" : !have_lon ? "--lon DEG" : "--time ISO8601");
    if (optind != argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    zp_spa_result r;
    zp_status rc = zp_spa_calc(ctx, &in, ZP_SPA_ALL, &r);
    if (rc) {
        int code = cli_fail("solar", ctx, rc);
        zp_ctx_free(ctx);
        return code;
    }
    double delta_t_s = (r.jde - r.jd) * 86400.0;

    char tbuf[ZP_TIME_BUFSIZE], rise[ZP_TIME_BUFSIZE], tran[ZP_TIME_BUFSIZE],
        set[ZP_TIME_BUFSIZE];
    zp_time_t tr = 0, tt = 0, ts = 0;
    bool has_rise = day_time(in.t, in.utc_offset_min, r.sunrise_h, &tr);
    bool has_tran = day_time(in.t, in.utc_offset_min, r.transit_h, &tt);
    bool has_set = day_time(in.t, in.utc_offset_min, r.sunset_h, &ts);
    zp_time_format(in.t, in.utc_offset_min, tbuf);
    snprintf(rise, sizeof rise, "none");
    snprintf(tran, sizeof tran, "none");
    snprintf(set, sizeof set, "none");
    if (has_rise)
        zp_time_format(tr, in.utc_offset_min, rise);
    if (has_tran)
        zp_time_format(tt, in.utc_offset_min, tran);
    if (has_set)
        zp_time_format(ts, in.utc_offset_min, set);

    if (json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "time", json_string(tbuf));
        json_object_set_new(doc, "lat_deg", json_real(in.lat_deg));
        json_object_set_new(doc, "lon_deg", json_real(in.lon_deg));
        json_object_set_new(doc, "elevation_m", json_real(in.elevation_m));
        json_object_set_new(doc, "pressure_hpa", json_real(in.pressure_hpa));
        json_object_set_new(doc, "temperature_c", json_real(in.temperature_c));
        json_object_set_new(doc, "delta_t_s", json_real(round(delta_t_s * 1e3) / 1e3));
        json_object_set_new(doc, "delta_ut1_s", json_real(in.delta_ut1_s));
        json_object_set_new(doc, "slope_deg", json_real(in.slope_deg));
        json_object_set_new(doc, "azimuth_rotation_deg", json_real(in.azimuth_rotation_deg));
        json_object_set_new(doc, "zenith_deg", json_real(r6(r.zenith_deg)));
        json_object_set_new(doc, "azimuth_deg", json_real(r6(r.azimuth_deg)));
        json_object_set_new(doc, "elevation_deg", json_real(r6(r.e_deg)));
        json_object_set_new(doc, "incidence_deg", json_real(r6(r.incidence_deg)));
        json_object_set_new(doc, "sunrise", has_rise ? json_string(rise) : json_null());
        json_object_set_new(doc, "transit", has_tran ? json_string(tran) : json_null());
        json_object_set_new(doc, "sunset", has_set ? json_string(set) : json_null());
        json_object_set_new(doc, "declination_deg", json_real(r6(r.delta_deg)));
        json_object_set_new(doc, "right_ascension_deg", json_real(r6(r.alpha_deg)));
        json_object_set_new(doc, "equation_of_time_min", json_real(round(r.eot_min * 1e4) / 1e4));
        json_object_set_new(doc, "julian_day", json_real(r6(r.jd)));
        cli_print_json(doc);
        json_decref(doc);
    } else {
        printf("%-22s %s\n", "time", tbuf);
        printf("%-22s %.6f, %.6f, %g m\n", "site (lat, lon)", in.lat_deg, in.lon_deg,
               in.elevation_m);
        printf("%-22s %.6f deg\n", "zenith", r.zenith_deg);
        printf("%-22s %.6f deg (eastward from north)\n", "azimuth", r.azimuth_deg);
        printf("%-22s %.6f deg (refraction %.6f)\n", "elevation", r.e_deg, r.del_e_deg);
        printf("%-22s %.6f deg (slope %g, azimuth rotation %g)\n", "incidence", r.incidence_deg,
               in.slope_deg, in.azimuth_rotation_deg);
        printf("%-22s %s\n", "sunrise", rise);
        printf("%-22s %s\n", "transit", tran);
        printf("%-22s %s\n", "sunset", set);
        printf("%-22s %.6f deg\n", "declination", r.delta_deg);
        printf("%-22s %.4f min\n", "equation of time", r.eot_min);
        printf("%-22s %.6f (delta T %.3f s)\n", "julian day", r.jd, delta_t_s);
    }
    zp_ctx_free(ctx);
    return EXIT_OK;
}
