/*
 * cmd_weather.c - `zeropark weather`: synthesise a year of weather for a
 * site from its annual GHI and write it as a zeropark weather CSV.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "opts.h"
#include "util.h"
#include "zeropark/weather.h"

const char cmd_weather_usage[] =
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

/* --utc-offset-h H: whole minutes in -14..14 hours. */
static int parse_offset_h(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    double h;
    if (!cli_parse_double(value, -14, 14, &h) || fabs(h * 60 - round(h * 60)) > 1e-9)
        return cli_usage_error(cmd, "--utc-offset-h '%s' must be -14..14 hours (whole minutes)", value);
    *(int32_t *)o->dst = (int32_t)lround(h * 60);
    return EXIT_OK;
}

/* --step-min N: 1, 5, 10, 15, 30 or 60 into seconds. */
static int parse_step(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    long l;
    if (!cli_parse_long(value, 1, 60, &l) || !(l == 1 || l == 5 || l == 10 || l == 15 || l == 30 || l == 60))
        return cli_usage_error(cmd, "--step-min '%s' must be 1, 5, 10, 15, 30 or 60", value);
    *(int32_t *)o->dst = (int32_t)(l * 60);
    return EXIT_OK;
}

int cmd_weather_run(const cli_cmd *cmd, int argc, char **argv)
{
    zp_weather_synth_opts so;
    zp_weather_synth_opts_init(&so);
    so.seed = 1;
    bool json = false;
    const char *csv = NULL;
    long year = so.year;
    cli_opt opts[] = {
        CLI_DOUBLE("lat", &so.lat_deg, -90, 90, " must be a number in -90..90"),
        CLI_DOUBLE("lon", &so.lon_deg, -180, 180, " must be a number in -180..180"),
        CLI_LONG("year", &year, 1, 9999, " must be 1..9999"),
        CLI_DOUBLE("annual-ghi-kwh-m2", &so.annual_ghi_kwh_m2, 1e-9, 1e6,
                   " must be a positive number (kWh/m2 a year, e.g. 1500)"),
        CLI_TEXT("csv", &csv),
        CLI_DOUBLE("elevation-m", &so.elevation_m, -500, 9000, " must be -500..9000"),
        CLI_CALL("utc-offset-h", parse_offset_h, &so.utc_offset_min),
        CLI_CALL("step-min", parse_step, &so.step_s),
        CLI_WHOLE("seed", &so.seed, 9007199254740992.0, " must be a whole number >= 0"),
        CLI_FLAG("json", &json),
        CLI_DOUBLE("temp-mean-c", &so.temp_mean_c, -60, 50, " must be -60..50"),
        CLI_DOUBLE("temp-season-amp-c", &so.temp_season_amp_c, 0, 40, " must be 0..40"),
        CLI_DOUBLE("wind-mean-m-s", &so.wind_mean_m_s, 0, 30, " must be 0..30 (m/s at 10 m)"),
        CLI_HELP,
        CLI_END};
    int exit_code;
    if (!cli_opts_parse(cmd, opts, argc, argv, &exit_code))
        return exit_code;
    if ((exit_code = cli_no_operand(cmd, argc, argv)) ||
        (exit_code = cli_opts_need(cmd, opts, "lat", "--lat", "lon", "--lon", "year", "--year",
                                   "annual-ghi-kwh-m2", "--annual-ghi-kwh-m2", "csv", "--csv FILE", NULL)))
        return exit_code;
    so.year = (int)year;

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    zp_weather_data *w = NULL;
    char *text = NULL;
    size_t len = 0;
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
