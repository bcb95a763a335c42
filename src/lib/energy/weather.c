/*
 * weather.c - weather input: the zeropark weather CSV and NREL TMY3
 * readers, mapping onto a model's grid, the checks and documented repairs
 * (the stochastic weather generator is weather_synth.c).
 *
 * Conventions and every repair are documented in docs/methodology.md
 * ("Weather input", "Weather synthesis"). Bad input is an error with a
 * place and a fix, or a repair that is reported; never a silent zero.
 */
#include "zeropark/weather.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csvtok.h"
#include "core/internal.h"
#include "energy/weather_impl.h"
#include "zeropark/series.h"
#include "zeropark/sky.h"
#include "zeropark/solar.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define HOURS_PER_YEAR 8760
#define MAX_DIAGS 100
#define TMY_MAX_LINE 65536
#define TMY_MAX_FIELDS 256

/* Plausible bounds; outside them the input is wrong, not the weather. */
#define TEMP_MIN_C -90.0
#define TEMP_MAX_C 70.0
#define WIND_MAX_M_S 100.0
#define PRES_MIN_HPA 300.0
#define PRES_MAX_HPA 1100.0

static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* Day of a non-leap year, 0-based, for month 1..12 and day 1..31. */
static int doy0(int month, int day)
{
    int d = day - 1;
    for (int m = 1; m < month; m++)
        d += month_days[m - 1];
    return d;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

void zp__weather_local_date(zp_time_t t, int32_t offset_min, int64_t *y, unsigned *m,
                            unsigned *d, int *doy, int64_t *sec_of_day)
{
    int64_t days = zp__local_day(t, offset_min);
    zp_civil_from_days(days, y, m, d);
    if (doy)
        *doy = (int)(days - zp_days_from_civil(*y, 1, 1)) + 1;
    if (sec_of_day)
        *sec_of_day = t + (int64_t)offset_min * 60 - days * 86400;
}

/* ---- the per-step quantities ------------------------------------------------ */

/* The per-step quantities of a record, in the order of the zeropark
 * weather CSV's columns, which is also the order the TMY3 columns are
 * checked in. Every loop over a record's arrays goes through this table
 * and weather_slots. */
enum { W_GHI, W_DNI, W_DHI, W_TEMP, W_WIND, W_PRES, W_N };

typedef struct wqty {
    const char *name;     /* zeropark weather CSV column */
    const char *tmy;      /* TMY3 column */
    unsigned has;         /* HAS_* flag; 0: every record has the array */
    int irr;              /* an irradiance: 0..ZP_WEATHER_MAX_IRR_W_M2 (check_irr) */
    const char *unit;     /* otherwise its unit in messages (CSV, TMY3) */
    const char *tmy_unit;
    double lo, hi;        /* and its plausible range (check_range) */
    int prec;             /* decimals of a value in zp_weather_format_csv */
} wqty;

static const wqty wqtys[W_N] = {
    {"ghi_w_m2", "GHI", 0, 1, NULL, NULL, 0, 0, 4},
    {"dni_w_m2", "DNI", HAS_DNI, 1, NULL, NULL, 0, 0, 4},
    {"dhi_w_m2", "DHI", HAS_DHI, 1, NULL, NULL, 0, 0, 4},
    {"temp_air_c", "Dry-bulb", 0, 0, "C", "C", TEMP_MIN_C, TEMP_MAX_C, 3},
    {"wind_speed_m_s", "Wspd", HAS_WIND, 0, "m/s", "m/s", 0, WIND_MAX_M_S, 3},
    {"pressure_hpa", "Pressure", HAS_PRES, 0, "hPa", "mbar", PRES_MIN_HPA, PRES_MAX_HPA, 2},
};

/* Where w keeps each quantity's array, in wqtys' order. */
static void weather_slots(zp_weather_data *w, double **slot[W_N])
{
    slot[W_GHI] = &w->ghi_w_m2;
    slot[W_DNI] = &w->dni_w_m2;
    slot[W_DHI] = &w->dhi_w_m2;
    slot[W_TEMP] = &w->temp_air_c;
    slot[W_WIND] = &w->wind_speed_m_s;
    slot[W_PRES] = &w->pressure_hpa;
}

/* The arrays of w, in wqtys' order (NULL where w has none). */
static void weather_arrays(const zp_weather_data *w, double *a[W_N])
{
    double **slot[W_N];
    weather_slots((zp_weather_data *)(uintptr_t)w, slot);
    for (int k = 0; k < W_N; k++)
        a[k] = *slot[k];
}

void zp_weather_free(zp_ctx *ctx, zp_weather_data *w)
{
    if (!w)
        return;
    double *a[W_N];
    weather_arrays(w, a);
    for (int k = 0; k < W_N; k++)
        zp__free(ctx, a[k]);
    zp__free(ctx, w->sun_zenith_deg);
    zp__free(ctx, w->sun_azimuth_deg);
    zp__free(ctx, w->source);
    zp__free(ctx, w);
}

zp_status zp__weather_new(zp_ctx *ctx, size_t n, unsigned has, const char *source,
                          zp_weather_data **out)
{
    zp_weather_data *w = zp__calloc(ctx, 1, sizeof *w);
    double **slot[W_N];
    *out = NULL;
    if (!w)
        return zp__nomem(ctx);
    w->len = n;
    w->wind_height_m = 10.0;
    w->site.lat_deg = w->site.lon_deg = w->site.elevation_m = NAN;
    weather_slots(w, slot);
    int ok = (w->source = zp__strdup(ctx, source ? source : "weather")) != NULL;
    for (int k = 0; k < W_N && ok; k++)
        if (!wqtys[k].has || (has & wqtys[k].has))
            ok = (*slot[k] = zp__calloc(ctx, n ? n : 1, sizeof(double))) != NULL;
    if (!ok) {
        zp_weather_free(ctx, w);
        return zp__nomem(ctx);
    }
    w->repairs.dni_derived = !(has & HAS_DNI);
    w->repairs.dhi_derived = !(has & HAS_DHI);
    w->repairs.wind_missing = !(has & HAS_WIND);
    *out = w;
    return ZP_OK;
}

static unsigned weather_has(const zp_weather_data *w)
{
    double *a[W_N];
    unsigned has = 0;
    weather_arrays(w, a);
    for (int k = 0; k < W_N; k++)
        if (a[k])
            has |= wqtys[k].has;
    return has;
}

/* ---- value checks shared by the readers ---------------------------------- */

typedef struct vcheck {
    zp_ctx *ctx;
    const char *file;
    size_t ndiag;  /* problems found */
    zp_status rc;  /* ZP_ENOMEM if a diagnostic could not be stored */
} vcheck;

static void vreport(vcheck *v, int line, int col, const char *fmt, ...) ZP_PRINTF(4, 5);
static void vreport(vcheck *v, int line, int col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    v->ndiag++;
    if (v->ndiag > MAX_DIAGS || v->rc)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (zp__diag(v->ctx, ZP_SEV_ERROR, v->file, line, col, NULL, "%s", msg))
        v->rc = ZP_ENOMEM;
}

/* Range check of one value; where names it for the message. Returns 1 if ok. */
/* Standard-atmosphere pressure at an elevation (hPa), for refraction. */
static double std_pressure_hpa(double elevation_m)
{
    return 1013.25 * pow(1.0 - 2.25577e-5 * elevation_m, 5.25588);
}

void zp__weather_spa_input(const zp_site *site, const zp_weather_data *w, zp_spa_input *in)
{
    size_t n = w->len;
    double tsum = 0, psum = 0;
    size_t tn = 0, pn = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(w->temp_air_c[i])) {
            tsum += w->temp_air_c[i];
            tn++;
        }
        if (w->pressure_hpa && isfinite(w->pressure_hpa[i])) {
            psum += w->pressure_hpa[i];
            pn++;
        }
    }
    zp_spa_input_init(in);
    in->lat_deg = site->lat_deg;
    in->lon_deg = site->lon_deg;
    in->elevation_m = site->elevation_m;
    in->pressure_hpa = pn ? psum / (double)pn : std_pressure_hpa(site->elevation_m);
    in->temperature_c = tn ? tsum / (double)tn : 12.0;
    in->utc_offset_min = w->utc_offset_min;
}

/* Value x of quantity k within the bounds check_value applies (NaN
 * fails, as it does there). */
static int value_ok(int k, double x)
{
    const wqty *q = &wqtys[k];
    return q->irr ? x >= 0 && x <= ZP_WEATHER_MAX_IRR_W_M2 : x >= q->lo && x <= q->hi;
}

/* Every value of row i of the arrays a (wqtys' order) within its bounds. */
static int row_ok(double *const a[W_N], size_t i)
{
    for (int k = 0; k < W_N; k++)
        if (a[k] && !value_ok(k, a[k][i]))
            return 0;
    return 1;
}

static int check_irr(vcheck *v, int line, int col, const char *name, const char *where, double x)
{
    if (x < 0) {
        vreport(v, line, col, "%s%s is %g W/m2: irradiance cannot be negative; fix or remove "
                "the record (night values must be 0)", where, name, x);
        return 0;
    }
    if (x > ZP_WEATHER_MAX_IRR_W_M2) {
        vreport(v, line, col, "%s%s is %g W/m2, above the physical limit of %g W/m2: check the "
                "unit (W/m2 expected; Wh/m2 per interval longer than an hour, or kJ/m2?)",
                where, name, x, ZP_WEATHER_MAX_IRR_W_M2);
        return 0;
    }
    return 1;
}

static int check_range(vcheck *v, int line, int col, const char *name, const char *unit,
                       const char *where, double x, double lo, double hi)
{
    if (x < lo || x > hi) {
        vreport(v, line, col, "%s%s is %g %s, outside the plausible %g..%g %s: check the unit "
                "and the column", where, name, x, unit, lo, hi, unit);
        return 0;
    }
    return 1;
}

/* Value x of quantity k, named as the CSV (tmy 0) or TMY3 (tmy 1) names
 * it; where says where it is. Returns 1 if ok. */
static int check_value(vcheck *v, int line, int col, int k, int tmy, const char *where, double x)
{
    const wqty *q = &wqtys[k];
    const char *name = tmy ? q->tmy : q->name;
    if (q->irr)
        return check_irr(v, line, col, name, where, x);
    return check_range(v, line, col, name, tmy ? q->tmy_unit : q->unit, where, x, q->lo, q->hi);
}

/* GHI whose maximum over at least a day is between 0 and 2 W/m2 is in kW/m2. */
static zp_status check_kw_units(zp_ctx *ctx, const zp_weather_data *w, const char *file)
{
    double mx = 0;
    for (size_t i = 0; i < w->len; i++)
        mx = fmax(mx, w->ghi_w_m2[i]);
    if ((double)w->len * w->step_s >= 86400 && mx > 0 && mx < 2)
        return zp__error(ctx, ZP_EDATA,
                         "%s: GHI never exceeds %g W/m2: the column looks like kW/m2; multiply "
                         "it by 1000 (ghi_w_m2 is in W/m2)", file, mx);
    return ZP_OK;
}

/* ---- zeropark weather CSV -------------------------------------------------- */

static int has_col(char **hdr, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(hdr[i], name) == 0)
            return 1;
    return 0;
}

/* Range checks of every row of w read from path: diagnostics, then the
 * call's error when there were any. The CSV reader rejected gaps and NaN;
 * what is left is range. */
static zp_status csv_check_rows(zp_ctx *ctx, const zp_weather_data *w, const char *path)
{
    vcheck v = {ctx, path, 0, ZP_OK};
    char where[96], tb[ZP_TIME_BUFSIZE];
    double *a[W_N];
    weather_arrays(w, a);
    for (size_t i = 0; i < w->len && v.ndiag <= MAX_DIAGS; i++) {
        /* Format the instant only for a row that has a problem (the
         * check runs over every row of every simulation). */
        if (row_ok(a, i))
            continue;
        snprintf(where, sizeof where, "at %s: ",
                 zp_time_format(w->start + (zp_time_t)i * w->step_s, w->utc_offset_min, tb));
        for (int k = 0; k < W_N; k++)
            if (a[k])
                check_value(&v, 0, 0, k, 0, where, a[k][i]);
    }
    if (v.rc)
        return v.rc;
    if (v.ndiag)
        return zp__error(ctx, ZP_EDATA, "%s: %zu weather value(s) out of range", path, v.ndiag);
    return ZP_OK;
}

zp_status zp_weather_read_csv(zp_ctx *ctx, const char *path, int32_t default_offset_min,
                              zp_weather_data **out)
{
    /* the required columns first, then the optional ones the file has */
    static const int order[W_N] = {W_GHI, W_TEMP, W_DNI, W_DHI, W_WIND, W_PRES};
    zp_status rc;
    char **hdr = NULL;
    size_t nh = 0, ns = 0;
    zp_series **ser = NULL;
    zp_weather_data *w = NULL;
    const char *cols[W_N];
    int colk[W_N];
    size_t nc = 0;
    unsigned has = 0;
    if (!ctx || !path || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_weather_read_csv: NULL argument") : ZP_EINVAL;
    *out = NULL;
    if ((rc = zp_csv_header_file(ctx, path, &hdr, &nh)))
        return rc;
    for (int j = 0; j < W_N; j++) {
        const wqty *q = &wqtys[order[j]];
        if (!q->has || has_col(hdr, nh, q->name)) {
            colk[nc] = order[j];
            cols[nc++] = q->name;
            has |= q->has;
        }
    }
    zp_csv_opts co;
    zp_csv_opts_init(&co);
    co.columns = cols;
    co.ncolumns = nc;
    co.default_offset_min = default_offset_min;
    co.kind = ZP_SERIES_INTENSITY;
    /* a missing ghi_w_m2 or temp_air_c fails here, naming the columns there are */
    if ((rc = zp_csv_read_file(ctx, path, &co, &ser, &ns)))
        goto out;
    if ((rc = zp__weather_new(ctx, ser[0]->len, has, path, &w)))
        goto out;
    w->start = ser[0]->start;
    w->step_s = ser[0]->step_s;
    w->utc_offset_min = default_offset_min == ZP_TIME_NO_DEFAULT ? 0 : default_offset_min;
    double *a[W_N];
    weather_arrays(w, a);
    for (size_t j = 0; j < nc; j++)
        memcpy(a[colk[j]], ser[j]->v, w->len * sizeof(double));
    if ((rc = csv_check_rows(ctx, w, path)) || (rc = check_kw_units(ctx, w, path)))
        goto out;
    *out = w;
    w = NULL;
out:
    zp_weather_free(ctx, w);
    zp_series_array_free(ctx, ser, ns);
    zp_strv_free(ctx, hdr, nh);
    return rc;
}

/* ---- NREL TMY3 ------------------------------------------------------------- */

typedef struct field {
    const char *p;
    size_t n;
    size_t col; /* 1-based byte column */
} field;

/* The field at p of the line [b, e), as TMY3 files are read: its text as
 * it stands up to the next comma (nothing trimmed: field_num trims
 * numbers); or, when it starts with a double quote, what the tokenizer
 * finds inside the quotes ("" pairs kept as they are; a missing closing
 * quote runs to the line's end and text after the closing quote is
 * dropped: TMY3 files are lenient about quotes, so neither is an error).
 * Returns where the field ends (its comma or e). */
static const char *tmy_field(const char *b, const char *p, const char *e, field *f)
{
    f->col = (size_t)(p - b) + 1;
    if (p < e && *p == '"') {
        zp_csvfield cf;
        (void)zp__csvtok_field(p, e, ',', &cf);
        f->p = cf.b;
        f->n = (size_t)(cf.e - cf.b);
        return cf.next;
    }
    const char *next = p; /* fields are short: a loop beats memchr */
    while (next < e && *next != ',')
        next++;
    f->p = p;
    f->n = (size_t)(next - p);
    return next;
}

/* The fields of line ln into f: the count, or -1 when there are more
 * than max. */
static int tmy_split(const zp_csvline *ln, field *f, int max)
{
    int nf = 0;
    for (const char *p = ln->b;; p++) { /* p++: past the comma */
        if (nf >= max)
            return -1;
        p = tmy_field(ln->b, p, ln->e, &f[nf++]);
        if (p >= ln->e)
            return nf;
    }
}

/* Parse a whole field as a finite number. */
static int field_num(const field *f, double *x)
{
    char buf[64];
    size_t s = 0, e = f->n;
    while (s < e && (f->p[s] == ' ' || f->p[s] == '\t'))
        s++;
    while (e > s && (f->p[e - 1] == ' ' || f->p[e - 1] == '\t'))
        e--;
    if (e == s || e - s >= sizeof buf)
        return 0;
    memcpy(buf, f->p + s, e - s);
    buf[e - s] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return 0;
    *x = v;
    return 1;
}

/* Parse exactly ndig..maxdig decimal digits from p[*i]. */
static int digits(const field *f, size_t *i, int mindig, int maxdig, int *out)
{
    int v = 0, k = 0;
    while (*i < f->n && k < maxdig && f->p[*i] >= '0' && f->p[*i] <= '9') {
        v = v * 10 + (f->p[*i] - '0');
        (*i)++;
        k++;
    }
    *out = v;
    return k >= mindig;
}

static int parse_date(const field *f, int *mo, int *d, int *y)
{
    size_t i = 0;
    if (!digits(f, &i, 1, 2, mo) || i >= f->n || f->p[i++] != '/' || !digits(f, &i, 1, 2, d) ||
        i >= f->n || f->p[i++] != '/' || !digits(f, &i, 4, 4, y) || i != f->n)
        return 0;
    if (*mo < 1 || *mo > 12 || *d < 1)
        return 0;
    int dim = month_days[*mo - 1] + (*mo == 2 && is_leap(*y));
    return *d <= dim;
}

static int parse_time(const field *f, int *hh)
{
    size_t i = 0;
    int mm;
    if (!digits(f, &i, 1, 2, hh) || i >= f->n || f->p[i++] != ':' || !digits(f, &i, 2, 2, &mm) ||
        i != f->n)
        return 0;
    return mm == 0 && *hh >= 1 && *hh <= 24;
}

/* Header name match: "GHI" matches "GHI" and "GHI (W/m^2)" but not "GHI source". */
static int hdr_is(const field *f, const char *name)
{
    size_t n = strlen(name);
    if (f->n < n || memcmp(f->p, name, n) != 0)
        return 0;
    return f->n == n || (f->n > n + 1 && f->p[n] == ' ' && f->p[n + 1] == '(');
}

/* The columns read: date, time, then the quantities in wqtys' order. */
enum { C_DATE, C_TIME, C_Q, C_N = C_Q + W_N };

/* A TMY3 text being read. */
typedef struct tmy_reader {
    zp_ctx *ctx;
    const char *file;  /* name in messages */
    zp_csvtok tok;     /* its lines */
    const char *end;   /* the text's end */
    field *f;          /* TMY_MAX_FIELDS: the fields of the line at hand */
    double tz, lat, lon, elev; /* the site line */
    int col[C_N];      /* field of each column, -1 when the file has none */
    int need;          /* fields a record needs */
    int *seen;         /* line of the record in each hour slot, 0 = none */
    size_t feb29;      /* records on 29 February, dropped */
    vcheck v;          /* problems in the records */
    zp_weather_data *w;
} tmy_reader;

/* A TMY3 column's name: Date, Time, then the quantities' TMY3 names. */
static const char *tmy_name(int k)
{
    return k == C_DATE ? "Date" : k == C_TIME ? "Time" : wqtys[k - C_Q].tmy;
}

/* Line 1: USAF, "name", state, time zone (h), latitude, longitude,
 * elevation (m). */
static zp_status tmy_site(tmy_reader *t)
{
    zp_ctx *ctx = t->ctx;
    const char *file = t->file;
    field *f = t->f;
    zp_csvline ln;
    if (zp__csvtok_next(&t->tok, &ln) <= 0)
        return zp__error(ctx, ZP_EPARSE, "%s: empty file; a TMY3 file starts with a site line "
                         "(USAF,name,state,TZ,lat,lon,elevation) and a header line", file);
    if (ln.too_long || tmy_split(&ln, f, TMY_MAX_FIELDS) < 7 || !field_num(&f[3], &t->tz) ||
        !field_num(&f[4], &t->lat) || !field_num(&f[5], &t->lon) ||
        !field_num(&f[6], &t->elev)) {
        zp__diag(ctx, ZP_SEV_ERROR, file, 1, 1, NULL,
                 "the TMY3 site line must be USAF,name,state,TZ,latitude,longitude,elevation "
                 "with numbers in fields 4-7");
        return zp__error(ctx, ZP_EPARSE, "%s:1: not a TMY3 site line", file);
    }
    double tz = t->tz, lat = t->lat, lon = t->lon, elev = t->elev;
    if (!(tz >= -12 && tz <= 14) || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) ||
        !(elev >= -500 && elev <= 9000)) {
        zp__diag(ctx, ZP_SEV_ERROR, file, 1, (int)f[3].col, NULL,
                 "site out of range: TZ %g h (-12..14), latitude %g (-90..90), longitude %g "
                 "(-180..180), elevation %g m (-500..9000)", tz, lat, lon, elev);
        return zp__error(ctx, ZP_EPARSE, "%s:1: TMY3 site values out of range", file);
    }
    if (fabs(tz * 60 - round(tz * 60)) > 1e-9)
        return zp__error(ctx, ZP_EPARSE, "%s:1: time zone %g h is not a whole number of minutes",
                         file, tz);
    return ZP_OK;
}

/* Line 2: the header; columns are taken by name, not position. Then the
 * record of the year, with the arrays the columns give. */
static zp_status tmy_header(tmy_reader *t)
{
    zp_ctx *ctx = t->ctx;
    zp_csvline ln;
    int nf;
    if (zp__csvtok_next(&t->tok, &ln) <= 0 || ln.too_long ||
        (nf = tmy_split(&ln, t->f, TMY_MAX_FIELDS)) < 0)
        return zp__error(ctx, ZP_EPARSE, "%s:2: missing or overlong TMY3 header line", t->file);
    for (int k = 0; k < C_N; k++) {
        const char *name = tmy_name(k);
        t->col[k] = -1;
        for (int j = 0; j < nf; j++)
            if (hdr_is(&t->f[j], name)) {
                t->col[k] = j;
                break;
            }
        if (t->col[k] < 0 && k < C_Q + W_WIND)
            vreport(&t->v, 2, 1, "the TMY3 header has no '%s' column (expected e.g. '%s%s')",
                    name, name,
                    k == C_DATE ? " (MM/DD/YYYY)" : k == C_TIME ? " (HH:MM)"
                    : k == C_Q + W_TEMP ? " (C)" : " (W/m^2)");
        if (t->col[k] + 1 > t->need)
            t->need = t->col[k] + 1;
    }
    if (t->v.ndiag)
        return t->v.rc ? t->v.rc : zp__error(ctx, ZP_EPARSE, "%s:2: TMY3 header lacks %zu "
                                             "required column(s)", t->file, t->v.ndiag);
    unsigned has = HAS_DNI | HAS_DHI | (t->col[C_Q + W_WIND] >= 0 ? HAS_WIND : 0u) |
                   (t->col[C_Q + W_PRES] >= 0 ? HAS_PRES : 0u);
    zp_status rc = zp__weather_new(ctx, HOURS_PER_YEAR, has, t->file, &t->w);
    if (!rc && !(t->seen = zp__calloc(ctx, HOURS_PER_YEAR, sizeof *t->seen)))
        rc = zp__nomem(ctx);
    return rc;
}

/* The quantities of the record on line lineno into x (wqtys' order; NaN
 * for a column the file lacks): 1, or 0 after reporting what is wrong. */
static int tmy_values(tmy_reader *t, int lineno, double x[W_N])
{
    int ok = 1;
    for (int k = 0; k < W_N; k++) {
        int c = t->col[C_Q + k];
        x[k] = NAN;
        if (c < 0)
            continue;
        const field *fk = &t->f[c];
        if (!field_num(fk, &x[k]) || x[k] <= -9900) {
            /* -9900 is TMY's missing-value marker */
            vreport(&t->v, lineno, (int)fk->col, "%s is missing or not a number ('%.*s'); "
                    "fill the gap before using the file", wqtys[k].tmy,
                    (int)(fk->n > 40 ? 40 : fk->n), fk->p);
            ok = 0;
        }
    }
    if (!ok)
        return 0;
    for (int k = 0; k < W_N; k++)
        if (t->col[C_Q + k] >= 0)
            ok &= check_value(&t->v, lineno, (int)t->f[t->col[C_Q + k]].col, k, 1, "", x[k]);
    return ok;
}

/* One record line into its hour of the year. */
static void tmy_record(tmy_reader *t, const zp_csvline *ln)
{
    const int lineno = (int)ln->lineno;
    field *f = t->f;
    if (ln->too_long) {
        vreport(&t->v, lineno, 1, "line is longer than %d bytes", TMY_MAX_LINE);
        return;
    }
    int nf = tmy_split(ln, f, TMY_MAX_FIELDS);
    if (nf < t->need) {
        vreport(&t->v, lineno, 1, "%d field(s) where the header needs at least %d",
                nf < 0 ? TMY_MAX_FIELDS : nf, t->need);
        return;
    }
    const field *fd = &f[t->col[C_DATE]], *ft = &f[t->col[C_TIME]];
    int mo, d, y, hh;
    if (!parse_date(fd, &mo, &d, &y)) {
        vreport(&t->v, lineno, (int)fd->col, "'%.*s' is not a date MM/DD/YYYY",
                (int)(fd->n > 40 ? 40 : fd->n), fd->p);
        return;
    }
    if (!parse_time(ft, &hh)) {
        vreport(&t->v, lineno, (int)ft->col, "'%.*s' is not an hour-ending time "
                "01:00..24:00", (int)(ft->n > 40 ? 40 : ft->n), ft->p);
        return;
    }
    if (mo == 2 && d == 29) {
        t->feb29++;
        return;
    }
    /* hour-ending HH covers [HH-1, HH): slot by interval start */
    int slot = doy0(mo, d) * 24 + (hh - 1);
    if (t->seen[slot]) {
        vreport(&t->v, lineno, 1, "second record for %02d/%02d %02d:00 (the first is on line "
                "%d); a TMY3 file has one record per hour", mo, d, hh, t->seen[slot]);
        return;
    }
    t->seen[slot] = lineno;
    double x[W_N], *a[W_N];
    if (!tmy_values(t, lineno, x))
        return;
    weather_arrays(t->w, a);
    for (int k = 0; k < W_N; k++)
        if (a[k])
            a[k][slot] = x[k];
}

/* Every hour of the year once: the hours no record gave, reported. */
static void tmy_missing_hours(tmy_reader *t)
{
    size_t missing = 0;
    int first = -1;
    for (int s = 0; s < HOURS_PER_YEAR; s++)
        if (!t->seen[s]) {
            missing++;
            if (first < 0)
                first = s;
        }
    if (!missing)
        return;
    int dd = first / 24, m = 1;
    while (dd >= month_days[m - 1]) {
        dd -= month_days[m - 1];
        m++;
    }
    vreport(&t->v, 0, 0, "%zu of the 8760 hours of the year are missing, the first is "
            "%02d/%02d %02d:00 (hour ending); a TMY3 file has every hour once", missing, m,
            dd + 1, first % 24 + 1);
}

/* The records, after the header: every hour of the year once. */
static zp_status tmy_records(tmy_reader *t)
{
    zp_csvline ln;
    while (zp__csvtok_next(&t->tok, &ln) > 0) {
        if (t->v.ndiag > MAX_DIAGS || t->v.rc)
            break;
        if (ln.e == ln.b && t->end - ln.eol <= 1)
            break; /* the final newline */
        tmy_record(t, &ln);
    }
    if (!t->v.rc && !t->v.ndiag)
        tmy_missing_hours(t);
    if (t->v.rc)
        return t->v.rc;
    if (t->v.ndiag)
        return zp__error(t->ctx, ZP_EDATA, "%s: %zu problem(s) in the TMY3 records%s", t->file,
                         t->v.ndiag,
                         t->v.ndiag > MAX_DIAGS ? " (only the first 100 are listed)" : "");
    return ZP_OK;
}

/* The record's time, site and repairs; the last checks. */
static zp_status tmy_finish(tmy_reader *t)
{
    zp_weather_data *w = t->w;
    zp_status rc;
    w->step_s = 3600;
    w->utc_offset_min = (int32_t)lround(t->tz * 60);
    w->start = zp_days_from_civil(ZP_WEATHER_TYPICAL_YEAR, 1, 1) * 86400 -
               (zp_time_t)w->utc_offset_min * 60;
    w->typical = 1;
    w->site.lat_deg = t->lat;
    w->site.lon_deg = t->lon;
    w->site.elevation_m = t->elev;
    w->repairs.feb29_dropped = t->feb29;
    if (t->feb29 && (rc = zp__diag(t->ctx, ZP_SEV_WARNING, t->file, 0, 0, NULL,
                                   "%zu record(s) on 29 February ignored: a typical year has "
                                   "365 days (leap model years repeat 28 February)", t->feb29)))
        return rc;
    return check_kw_units(t->ctx, w, t->file);
}

zp_status zp_weather_read_tmy3_buf(zp_ctx *ctx, const char *buf, size_t len, const char *fname,
                                   zp_weather_data **out)
{
    zp_status rc;
    tmy_reader t;
    const char *file = fname ? fname : "<tmy3>";
    if (!ctx || (!buf && len) || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_weather_read_tmy3_buf: NULL argument")
                   : ZP_EINVAL;
    *out = NULL;
    if (len > ZP_WEATHER_MAX_BYTES)
        return zp__error(ctx, ZP_ETOOBIG, "%s: %zu bytes is more than the %u a weather file may "
                         "have", file, len, ZP_WEATHER_MAX_BYTES);
    memset(&t, 0, sizeof t);
    t.ctx = ctx;
    t.file = file;
    t.v = (vcheck){ctx, file, 0, ZP_OK};
    if (!(t.f = zp__malloc(ctx, TMY_MAX_FIELDS * sizeof *t.f)))
        return zp__nomem(ctx);
    /* a UTF-8 byte-order mark is not part of the first field (the
     * tokenizer drops it) */
    zp__csvtok_init_buf(&t.tok, buf, len, TMY_MAX_LINE);
    t.end = buf ? buf + len : NULL;
    if (!(rc = tmy_site(&t)) && !(rc = tmy_header(&t)) && !(rc = tmy_records(&t)) &&
        !(rc = tmy_finish(&t))) {
        *out = t.w;
        t.w = NULL;
    }
    zp__free(ctx, t.f);
    zp__free(ctx, t.seen);
    zp_weather_free(ctx, t.w);
    return rc;
}

zp_status zp_weather_read_tmy3_file(zp_ctx *ctx, const char *path, zp_weather_data **out)
{
    char *buf = NULL;
    size_t len = 0;
    zp_status rc;
    if (!ctx || !path || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_weather_read_tmy3_file: NULL argument")
                   : ZP_EINVAL;
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return zp__error(ctx, ZP_EIO, "cannot open weather file %s: %s", path, strerror(errno));
    rc = zp__file_read_stream(ctx, fp, path, ZP_WEATHER_MAX_BYTES, NULL, &buf, &len);
    fclose(fp);
    if (rc == ZP_ETOOBIG)
        rc = zp__error(ctx, ZP_ETOOBIG, "%s: more than %u bytes; not a weather file", path,
                       ZP_WEATHER_MAX_BYTES);
    else if (!rc)
        rc = zp_weather_read_tmy3_buf(ctx, buf, len, path, out);
    zp__free(ctx, buf);
    return rc;
}

/* ---- checks that need the site ------------------------------------------- */

zp_status zp_weather_check_site(zp_ctx *ctx, zp_weather_data *w)
{
    zp_status rc = ZP_OK;
    double *zedge = NULL, *aedge = NULL;
    const char *file = w->source;
    size_t n = w->len;
    if (!(w->site.lat_deg >= -90 && w->site.lat_deg <= 90) ||
        !(w->site.lon_deg >= -180 && w->site.lon_deg <= 180) || !isfinite(w->site.elevation_m))
        return zp__error(ctx, ZP_EINVAL, "%s: the weather's site is unknown; set it before the "
                         "checks", file);
    if (!n)
        return ZP_OK;
    /* One solar-position pass at half steps: zedge[2i] is the start of
     * step i and zedge[2i+1] its middle (half the cost of two passes).
     * The midpoints are kept on w for the PV model, which needs the same. */
    if (!(zedge = zp__malloc(ctx, (2 * n + 1) * sizeof(double))) ||
        !(aedge = zp__malloc(ctx, (2 * n + 1) * sizeof(double)))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    zp_spa_input in;
    zp__weather_spa_input(&w->site, w, &in);
    if ((rc = zp_spa_series(ctx, &in, w->start, w->step_s / 2, 2 * n + 1, zedge, aedge)))
        goto out;
    zp__free(ctx, w->sun_zenith_deg);
    zp__free(ctx, w->sun_azimuth_deg);
    w->sun_zenith_deg = w->sun_azimuth_deg = NULL;
    if (!(w->sun_zenith_deg = zp__malloc(ctx, n * sizeof(double))) ||
        !(w->sun_azimuth_deg = zp__malloc(ctx, n * sizeof(double)))) {
        rc = zp__nomem(ctx);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        w->sun_zenith_deg[i] = zedge[2 * i + 1];
        w->sun_azimuth_deg[i] = aedge[2 * i + 1];
    }
#define ZMID(i) zedge[2 * (i) + 1]
#define ZEDGE(i) zedge[2 * (i)]

    /* Night: the sun is below the horizon at the start, middle and end of
     * the step, so no light of it reaches the step at all. */
    size_t nights = 0, lit = 0, first = 0, day = 0;
    double first_ghi = 0, day_max = 0;
    for (size_t i = 0; i < n; i++) {
        int night = ZMID(i) > 90 && ZEDGE(i) > 90 && ZEDGE(i + 1) > 90;
        if (night) {
            nights++;
            if (w->ghi_w_m2[i] > ZP_WEATHER_NIGHT_GHI_W_M2) {
                if (!lit++) {
                    first = i;
                    first_ghi = w->ghi_w_m2[i];
                }
            }
        } else if (ZMID(i) < 80) {
            day++;
            day_max = fmax(day_max, w->ghi_w_m2[i]);
        }
    }
    char tb[ZP_TIME_BUFSIZE];
    if (lit > 2 && lit * 20 > nights) {
        rc = zp__error(ctx, ZP_EDATA,
                       "%s: %zu of %zu night steps have GHI above %g W/m2 (the first at %s, %g "
                       "W/m2): the timestamps are probably in the wrong time zone or label the "
                       "end of each interval; fix the offset or relabel to interval starts",
                       file, lit, nights, ZP_WEATHER_NIGHT_GHI_W_M2,
                       zp_time_format(w->start + (zp_time_t)first * w->step_s, w->utc_offset_min,
                                      tb),
                       first_ghi);
        goto out;
    }
    if (lit) {
        for (size_t i = 0; i < n; i++)
            if (ZMID(i) > 90 && ZEDGE(i) > 90 && ZEDGE(i + 1) > 90 &&
                w->ghi_w_m2[i] > ZP_WEATHER_NIGHT_GHI_W_M2) {
                w->ghi_w_m2[i] = 0;
                if (w->dni_w_m2)
                    w->dni_w_m2[i] = 0;
                if (w->dhi_w_m2)
                    w->dhi_w_m2[i] = 0;
            }
        w->repairs.night_zeroed += lit;
        if ((rc = zp__diag(ctx, ZP_SEV_WARNING, file, 0, 0, NULL,
                           "%zu night step(s) had GHI above %g W/m2 while the sun was below the "
                           "horizon (the first at %s, %g W/m2); set to 0", lit,
                           ZP_WEATHER_NIGHT_GHI_W_M2,
                           zp_time_format(w->start + (zp_time_t)first * w->step_s,
                                          w->utc_offset_min, tb),
                           first_ghi)))
            goto out;
    }
    if (day && day_max < 2) {
        rc = zp__error(ctx, ZP_EDATA,
                       "%s: GHI peaks at %g W/m2 over %zu daylight steps: %s", file, day_max, day,
                       day_max > 0 ? "the column looks like kW/m2; multiply it by 1000 (ghi_w_m2 "
                                     "is in W/m2)"
                                   : "the irradiance is missing (all zero); supply measured or "
                                     "synthetic weather (zeropark weather)");
        goto out;
    }

    /* Derive what is missing: Erbs from GHI alone, or closure
     * GHI = DNI cos z + DHI when one of the two is given. */
    if (!w->dni_w_m2 || !w->dhi_w_m2) {
        int need_dni = !w->dni_w_m2, need_dhi = !w->dhi_w_m2;
        if ((need_dni && !(w->dni_w_m2 = zp__calloc(ctx, n, sizeof(double)))) ||
            (need_dhi && !(w->dhi_w_m2 = zp__calloc(ctx, n, sizeof(double))))) {
            rc = zp__nomem(ctx);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            double ghi = w->ghi_w_m2[i], z = ZMID(i), dni, dhi;
            int doy;
            int64_t y;
            unsigned mo, d;
            zp__weather_local_date(w->start + (zp_time_t)i * w->step_s + w->step_s / 2,
                                   w->utc_offset_min, &y, &mo, &d, &doy, NULL);
            double cz = cos(z * M_PI / 180);
            if (need_dni && need_dhi) {
                zp_irr_erbs(ghi, z, zp_solar_extra_radiation(doy), &dni, &dhi);
            } else if (need_dni) {
                dhi = w->dhi_w_m2[i];
                dni = (z <= 87 && ghi > dhi) ? (ghi - dhi) / fmax(cz, 0.065) : 0;
            } else {
                dni = w->dni_w_m2[i];
                dhi = fmax(ghi - dni * fmax(cz, 0), 0);
            }
            w->dni_w_m2[i] = dni;
            w->dhi_w_m2[i] = dhi;
        }
        w->repairs.dni_derived |= need_dni;
        w->repairs.dhi_derived |= need_dhi;
        if ((rc = zp__diag(ctx, ZP_SEV_NOTE, file, 0, 0, NULL, "%s not in the weather: derived %s",
                           need_dni && need_dhi ? "DNI and DHI" : need_dni ? "DNI" : "DHI",
                           need_dni && need_dhi ? "from GHI with the Erbs decomposition"
                                                : "from GHI = DNI cos z + DHI")))
            goto out;
    }
out:
#undef ZMID
#undef ZEDGE
    zp__free(ctx, zedge);
    zp__free(ctx, aedge);
    return rc;
}

/* ---- mapping onto the model grid ----------------------------------------- */

/* A new record of n steps on the grid [start, start + n*step) with the
 * arrays, zone, wind height and repairs of src (values still 0); the
 * arrays of src into from and of the new one into to. */
static zp_status weather_like(zp_ctx *ctx, const zp_weather_data *src, zp_time_t start,
                              int32_t step_s, size_t n, zp_weather_data **out,
                              double *from[W_N], double *to[W_N])
{
    zp_status rc = zp__weather_new(ctx, n, weather_has(src), src->source, out);
    if (rc)
        return rc;
    zp_weather_data *w = *out;
    w->start = start;
    w->step_s = step_s;
    w->utc_offset_min = src->utc_offset_min;
    w->wind_height_m = src->wind_height_m;
    w->repairs = src->repairs;
    weather_arrays(src, from);
    weather_arrays(w, to);
    return ZP_OK;
}

/* A typical year onto [start, start + n*step): each model step averages
 * the file-hours it overlaps, found by calendar in the file's zone. */
static zp_status map_typical(zp_ctx *ctx, const zp_weather_data *typ, zp_time_t start,
                             int32_t step_s, size_t n, zp_weather_data **out)
{
    zp_weather_data *w = NULL;
    zp_status rc;
    double *src[W_N], *dst[W_N];
    if ((rc = weather_like(ctx, typ, start, step_s, n, &w, src, dst)))
        return rc;
    size_t feb29 = 0;
    for (size_t i = 0; i < n; i++) {
        zp_time_t t0 = start + (zp_time_t)i * step_s, t1 = t0 + step_s;
        double acc[W_N] = {0, 0, 0, 0, 0, 0};
        int leapday = 0;
        /* walk the file-local hours that overlap [t0, t1) */
        zp_time_t off = (zp_time_t)typ->utc_offset_min * 60;
        for (zp_time_t a = t0; a < t1;) {
            int64_t hour = zp__fdiv(a + off, 3600);
            zp_time_t b = (hour + 1) * 3600 - off;
            if (b > t1)
                b = t1;
            int64_t y;
            unsigned mo, d;
            zp_civil_from_days(zp__fdiv(hour, 24), &y, &mo, &d);
            if (mo == 2 && d == 29) {
                d = 28;
                leapday = 1;
            }
            size_t slot = (size_t)doy0((int)mo, (int)d) * 24 + (size_t)(hour - zp__fdiv(hour, 24) * 24);
            double wgt = (double)(b - a) / step_s;
            for (int k = 0; k < W_N; k++)
                if (src[k])
                    acc[k] += src[k][slot] * wgt;
            a = b;
        }
        feb29 += (size_t)leapday;
        for (int k = 0; k < W_N; k++)
            if (dst[k])
                dst[k][i] = acc[k];
    }
    w->repairs.feb29_filled = feb29;
    if (feb29 && (rc = zp__diag(ctx, ZP_SEV_NOTE, typ->source, 0, 0, NULL,
                                "the model period has 29 February: %zu step(s) repeat 28 "
                                "February of the typical year", feb29))) {
        zp_weather_free(ctx, w);
        return rc;
    }
    *out = w;
    return ZP_OK;
}

/* A dated series onto the model grid; both spans named when it falls short. */
static zp_status map_dated(zp_ctx *ctx, const zp_weather_data *src, zp_time_t start,
                           int32_t step_s, size_t n, zp_weather_data **out)
{
    zp_weather_data *w = NULL;
    zp_series s, *r = NULL;
    zp_status rc;
    double *sv[W_N], *dst[W_N];
    if ((rc = weather_like(ctx, src, start, step_s, n, &w, sv, dst)))
        return rc;
    for (int k = 0; k < W_N; k++) {
        if (!sv[k])
            continue;
        memset(&s, 0, sizeof s);
        s.name = (char *)(uintptr_t)wqtys[k].name;
        s.kind = ZP_SERIES_INTENSITY;
        s.start = src->start;
        s.step_s = src->step_s;
        s.len = src->len;
        s.v = sv[k];
        if ((rc = zp_series_align(ctx, &s, start, step_s, n, &r))) {
            if (rc == ZP_ERANGE || rc == ZP_EINVAL) {
                char msg[1024];
                snprintf(msg, sizeof msg, "%s", zp_ctx_errmsg(ctx));
                rc = zp__error(ctx, rc, "weather file %s does not fit the model period: %s",
                               src->source, msg);
            }
            goto out;
        }
        memcpy(dst[k], r->v, n * sizeof(double));
        zp_series_free(ctx, r);
        r = NULL;
    }
    *out = w;
    w = NULL;
out:
    zp_series_free(ctx, r);
    zp_weather_free(ctx, w);
    return rc;
}

zp_status zp_weather_for_model(zp_ctx *ctx, const zp_model *m, zp_weather_data **out)
{
    zp_status rc;
    zp_weather_data *raw = NULL, *w = NULL;
    if (!ctx || !m || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_weather_for_model: NULL argument") : ZP_EINVAL;
    *out = NULL;
    if (!m->weather.present || !m->weather.csv_path)
        return zp__error(ctx, ZP_EINVAL, "the model has no weather; add \"weather\": {\"csv\": "
                         "...} (or generate one with `zeropark weather`)");
    int tmy = m->weather.format && strcmp(m->weather.format, "tmy3") == 0;
    if (tmy)
        rc = zp_weather_read_tmy3_file(ctx, m->weather.csv_path, &raw);
    else
        rc = zp_weather_read_csv(ctx, m->weather.csv_path, m->utc_offset_min, &raw);
    if (rc)
        return rc;
    int32_t step_s = m->step_min * 60;
    if (raw->typical)
        rc = map_typical(ctx, raw, m->start, step_s, m->steps, &w);
    else
        rc = map_dated(ctx, raw, m->start, step_s, m->steps, &w);
    if (rc)
        goto out;
    /* A file from elsewhere is used as asked, but said so. */
    if (isfinite(raw->site.lat_deg) &&
        (fabs(raw->site.lat_deg - m->lat_deg) > 1 || fabs(raw->site.lon_deg - m->lon_deg) > 1) &&
        (rc = zp__diag(ctx, ZP_SEV_WARNING, raw->source, 1, 0, "weather",
                       "the weather file is for %.3f, %.3f but the model site is %.3f, %.3f; "
                       "its irradiance is used with the model site's sun",
                       raw->site.lat_deg, raw->site.lon_deg, m->lat_deg, m->lon_deg)))
        goto out;
    w->site.lat_deg = m->lat_deg;
    w->site.lon_deg = m->lon_deg;
    w->site.elevation_m = m->elevation_m;
    if ((rc = zp_weather_check_site(ctx, w)))
        goto out;
    *out = w;
    w = NULL;
out:
    zp_weather_free(ctx, raw);
    zp_weather_free(ctx, w);
    return rc;
}

/* ---- summaries and output --------------------------------------------------- */

void zp_weather_monthly_ghi(const zp_weather_data *w, int32_t offset_min, double kwh_m2[12])
{
    for (int k = 0; k < 12; k++)
        kwh_m2[k] = 0;
    double h = (double)w->step_s / 3600.0;
    for (size_t i = 0; i < w->len; i++) {
        int64_t y;
        unsigned mo, d;
        zp__weather_local_date(w->start + (zp_time_t)i * w->step_s, offset_min, &y, &mo, &d, NULL,
                               NULL);
        kwh_m2[mo - 1] += w->ghi_w_m2[i] * h / 1000.0;
    }
}

typedef struct dbuf {
    zp_ctx *ctx;
    char *p;
    size_t len, cap;
    zp_status rc;
} dbuf;

static void dbuf_printf(dbuf *b, const char *fmt, ...) ZP_PRINTF(2, 3);
static void dbuf_printf(dbuf *b, const char *fmt, ...)
{
    va_list ap;
    if (b->rc)
        return;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->rc = zp__error(b->ctx, ZP_EINVAL, "formatting failed");
            return;
        }
        if (b->p && b->len + (size_t)k < b->cap) {
            b->len += (size_t)k;
            return;
        }
        size_t need = b->len + (size_t)k + 1;
        if (need < 65536)
            need = 65536;
        if ((b->rc = zp__grow(b->ctx, (void **)&b->p, &b->cap, need, 1)))
            return;
    }
}

zp_status zp_weather_format_csv(zp_ctx *ctx, const zp_weather_data *w, int32_t offset_min,
                                 char **out, size_t *len)
{
    dbuf b = {ctx, NULL, 0, 0, ZP_OK};
    char tb[ZP_TIME_BUFSIZE];
    double *a[W_N];
    *out = NULL;
    *len = 0;
    weather_arrays(w, a);
    dbuf_printf(&b, "timestamp");
    for (int k = 0; k < W_N; k++)
        if (a[k])
            dbuf_printf(&b, ",%s", wqtys[k].name);
    dbuf_printf(&b, "\n");
    for (size_t i = 0; i < w->len && !b.rc; i++) {
        dbuf_printf(&b, "%s", zp_time_format(w->start + (zp_time_t)i * w->step_s, offset_min, tb));
        for (int k = 0; k < W_N; k++)
            if (a[k])
                dbuf_printf(&b, ",%.*f", wqtys[k].prec, a[k][i]);
        dbuf_printf(&b, "\n");
    }
    if (b.rc) {
        zp__free(ctx, b.p);
        return b.rc;
    }
    *out = b.p;
    *len = b.len;
    return ZP_OK;
}

void zp_weather_text_free(zp_ctx *ctx, char *text)
{
    zp__free(ctx, text);
}
