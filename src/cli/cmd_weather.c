/*
 * cmd_weather.c - `zeropark weather`: synthesise a year of weather for a
 * site from its annual GHI and write it as a zeropark weather CSV.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "zeropark/weather.h"

static const char usage_text[] =
    "usage: zeropark weather --lat DEG --lon DEG --year YYYY --annual-ghi-kwh-m2 X\n"
    "                        --csv FILE [--elevation-m M] [--utc-offset-h H]\n"
    "                        [--step-min N] [--seed N] [--temp-mean-c T]\n"
    "                        [--temp-season-amp-c A] [--wind-mean-m-s V] [--json]\n"
    "\n"
    "Synthesise a year of weather for a site (docs/methodology.md, \"Weather\n"
    "synthesis\"): clear-sky GHI times a stochastic clear-sky index, scaled so the\n"
    "year's GHI is exactly X kWh/m2; DNI/DHI by Erbs; temperature and wind from\n"
    "simple stochastic models. The same seed gives the same file. Writes the\n"
    "zeropark weather CSV (docs/formats.md) to FILE, replacing it atomically,\n"
    "and prints the monthly GHI.\n"
    "\n"
    "Options:\n"
    "  --lat DEG                 latitude, -90..90 (north positive)\n"
    "  --lon DEG                 longitude, -180..180 (east positive)\n"
    "  --year YYYY               calendar year (local time)\n"
    "  --annual-ghi-kwh-m2 X     the year's global horizontal irradiation\n"
    "  --csv FILE                output file\n"
    "  --elevation-m M           site elevation (default 0)\n"
    "  --utc-offset-h H          local offset of the timestamps (default 8)\n"
    "  --step-min N              1, 5, 10, 15, 30 or 60 (default 60)\n"
    "  --seed N                  random seed (default 1)\n"
    "  --temp-mean-c T           annual mean air temperature (default: from latitude)\n"
    "  --temp-season-amp-c A     half the July-January difference (default: from latitude)\n"
    "  --wind-mean-m-s V         mean wind speed at 10 m (default 3)\n"
    "  --json                    print the summary as JSON (stable keys, docs/cli.md)\n"
    "  -h, --help                show this help\n"
    "\n"
    "Exit status: 0 written, 2 bad usage or impossible values, 3 internal error.\n";

static int run(int argc, char **argv);
const cli_cmd cmd_weather = {"weather", "synthesise a year of weather for a site", usage_text,
                             run};

/* Write len bytes to path through a temporary file in the same directory
 * and rename it over path, so a reader never sees half a file. */
static int write_atomic(const char *path, const char *text, size_t len)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    int fd = -1, ok = 0;
    FILE *f = NULL;
    if (!tmp)
        return 0;
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", 12);
    if ((fd = mkstemp(tmp)) < 0) {
        cli_err("weather", "cannot create a temporary file next to %s: %s", path,
                strerror(errno));
        goto out;
    }
    if (!(f = fdopen(fd, "wb"))) {
        cli_err("weather", "cannot open %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        cli_err("weather", "cannot write %s: %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        goto out;
    }
    if (fclose(f) != 0) {
        cli_err("weather", "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        cli_err("weather", "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    ok = 1;
out:
    free(tmp);
    return ok;
}

static int run(int argc, char **argv)
{
    enum { O_LAT = 256, O_LON, O_YEAR, O_GHI, O_CSV, O_ELEV, O_OFF, O_STEP, O_SEED, O_JSON,
           O_TMEAN, O_TAMP, O_WIND };
    static const struct option opts[] = {
        {"lat", required_argument, NULL, O_LAT},
        {"lon", required_argument, NULL, O_LON},
        {"year", required_argument, NULL, O_YEAR},
        {"annual-ghi-kwh-m2", required_argument, NULL, O_GHI},
        {"csv", required_argument, NULL, O_CSV},
        {"elevation-m", required_argument, NULL, O_ELEV},
        {"utc-offset-h", required_argument, NULL, O_OFF},
        {"step-min", required_argument, NULL, O_STEP},
        {"seed", required_argument, NULL, O_SEED},
        {"json", no_argument, NULL, O_JSON},
        {"temp-mean-c", required_argument, NULL, O_TMEAN},
        {"temp-season-amp-c", required_argument, NULL, O_TAMP},
        {"wind-mean-m-s", required_argument, NULL, O_WIND},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    zp_weather_synth_opts so;
    zp_weather_synth_opts_init(&so);
    bool json = false, have_lat = false, have_lon = false, have_year = false, have_ghi = false;
    const char *csv = NULL;
    double off_h = 8, x;
    long l;
    int c;
    so.seed = 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_LAT:
            if (!cli_parse_double(optarg, -90, 90, &so.lat_deg))
                return cli_usage_error(&cmd_weather, "--lat '%s' must be a number in -90..90",
                                       optarg);
            have_lat = true;
            break;
        case O_LON:
            if (!cli_parse_double(optarg, -180, 180, &so.lon_deg))
                return cli_usage_error(&cmd_weather, "--lon '%s' must be a number in -180..180",
                                       optarg);
            have_lon = true;
            break;
        case O_YEAR:
            if (!cli_parse_long(optarg, 1, 9999, &l))
                return cli_usage_error(&cmd_weather, "--year '%s' must be 1..9999", optarg);
            so.year = (int)l;
            have_year = true;
            break;
        case O_GHI:
            if (!cli_parse_double(optarg, 1e-9, 1e6, &so.annual_ghi_kwh_m2))
                return cli_usage_error(&cmd_weather, "--annual-ghi-kwh-m2 '%s' must be a "
                                       "positive number (kWh/m2 a year, e.g. 1500)", optarg);
            have_ghi = true;
            break;
        case O_CSV:
            csv = optarg;
            break;
        case O_ELEV:
            if (!cli_parse_double(optarg, -500, 9000, &so.elevation_m))
                return cli_usage_error(&cmd_weather, "--elevation-m '%s' must be -500..9000",
                                       optarg);
            break;
        case O_OFF:
            if (!cli_parse_double(optarg, -14, 14, &off_h) ||
                fabs(off_h * 60 - round(off_h * 60)) > 1e-9)
                return cli_usage_error(&cmd_weather, "--utc-offset-h '%s' must be -14..14 hours "
                                       "(whole minutes)", optarg);
            so.utc_offset_min = (int32_t)lround(off_h * 60);
            break;
        case O_STEP:
            if (!cli_parse_long(optarg, 1, 60, &l) ||
                !(l == 1 || l == 5 || l == 10 || l == 15 || l == 30 || l == 60))
                return cli_usage_error(&cmd_weather, "--step-min '%s' must be 1, 5, 10, 15, 30 "
                                       "or 60", optarg);
            so.step_s = (int32_t)(l * 60);
            break;
        case O_SEED:
            if (!cli_parse_double(optarg, 0, 9007199254740992.0, &x) || x != floor(x))
                return cli_usage_error(&cmd_weather, "--seed '%s' must be a whole number >= 0",
                                       optarg);
            so.seed = (uint64_t)x;
            break;
        case O_JSON:
            json = true;
            break;
        case O_TMEAN:
            if (!cli_parse_double(optarg, -60, 50, &so.temp_mean_c))
                return cli_usage_error(&cmd_weather, "--temp-mean-c '%s' must be -60..50", optarg);
            break;
        case O_TAMP:
            if (!cli_parse_double(optarg, 0, 40, &so.temp_season_amp_c))
                return cli_usage_error(&cmd_weather, "--temp-season-amp-c '%s' must be 0..40", optarg);
            break;
        case O_WIND:
            if (!cli_parse_double(optarg, 0, 30, &so.wind_mean_m_s))
                return cli_usage_error(&cmd_weather, "--wind-mean-m-s '%s' must be 0..30 (m/s at 10 m)", optarg);
            break;
        case 'h':
            return cli_help(&cmd_weather);
        default:
            return cli_usage_error(&cmd_weather, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return cli_usage_error(&cmd_weather, "unexpected argument '%s'", argv[optind]);
    if (!have_lat || !have_lon || !have_year || !have_ghi || !csv)
        return cli_usage_error(&cmd_weather, "missing %s",
                               !have_lat ? "--lat" : !have_lon ? "--lon" : !have_year ? "--year"
                               : !have_ghi ? "--annual-ghi-kwh-m2" : "--csv FILE");

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    zp_weather_data *w = NULL;
    char *text = NULL;
    size_t len = 0;
    int exit_code = EXIT_OK;
    zp_status rc = zp_weather_synthesise(ctx, &so, &w);
    if (!rc)
        rc = zp_weather_format_csv(ctx, w, so.utc_offset_min, &text, &len);
    if (rc) {
        exit_code = cli_fail("weather", ctx, rc);
        goto out;
    }
    if (!write_atomic(csv, text, len)) {
        exit_code = EXIT_USAGE;
        goto out;
    }
    double month[12], total = 0;
    zp_weather_monthly_ghi(w, so.utc_offset_min, month);
    for (int k = 0; k < 12; k++)
        total += month[k];
    if (json) {
        json_t *m = json_array();
        for (int k = 0; k < 12; k++)
            json_array_append_new(m, json_real(month[k]));
        json_t *doc = json_object();
        json_object_set_new(doc, "file", json_string(csv));
        json_object_set_new(doc, "site",
                            json_pack("{s:f, s:f, s:f}", "lat_deg", so.lat_deg, "lon_deg",
                                      so.lon_deg, "elevation_m", so.elevation_m));
        json_object_set_new(doc, "year", json_integer(so.year));
        json_object_set_new(doc, "utc_offset_h", json_real(so.utc_offset_min / 60.0));
        json_object_set_new(doc, "step_min", json_integer(so.step_s / 60));
        json_object_set_new(doc, "seed", json_integer((json_int_t)so.seed));
        json_object_set_new(doc, "steps", json_integer((json_int_t)w->len));
        json_object_set_new(doc, "annual_ghi_kwh_m2", json_real(total));
        json_object_set_new(doc, "monthly_ghi_kwh_m2", m);
        cli_print_json(doc);
        json_decref(doc);
    } else {
        static const char *const names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        printf("wrote %s: %zu steps of %d min, %d, site %.4f, %.4f, %g m, seed %llu\n", csv,
               w->len, (int)(so.step_s / 60), so.year, so.lat_deg, so.lon_deg, so.elevation_m,
               (unsigned long long)so.seed);
        printf("GHI kWh/m2:");
        for (int k = 0; k < 12; k++)
            printf(" %s %.1f", names[k], month[k]);
        printf("\nGHI kWh/m2 year: %.3f\n", total);
    }
out:
    zp_weather_text_free(ctx, text);
    zp_weather_free(ctx, w);
    zp_ctx_free(ctx);
    return exit_code;
}
