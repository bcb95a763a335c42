/*
 * inputs.c - the accounting input (include/zeropark/carbon.h): what an input
 * made by a builder owns (carbon_impl.h), and the builders from metered
 * series, zp_acct_from_csv and zp_acct_from_store(_ex): the meter naming
 * convention, counters to intervals, gaps, one common window. The builders
 * from a simulation run are in sim/account_input.c.
 */
#include "carbon/carbon_impl.h"
#include "core/internal.h"
#include "zeropark/carbon.h"
#include "zeropark/series.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- input and options --------------------------------------------------- */

static const char *const role_names[ZP_ROLE_LAST] = {
    "grid_import", "grid_export", "pv", "wind", "storage_charge", "storage_discharge",
    "load", "dc_it", "dc_facility", "water"};

const char *zp_acct_role_name(zp_acct_role role)
{
    return (unsigned)role < ZP_ROLE_LAST ? role_names[role] : "unknown";
}

void zp_acct_input_init(zp_acct_input *in)
{
    memset(in, 0, sizeof *in);
    in->utc_offset_min = 480;
    in->source = "caller";
}

void zp_acct_input_free(zp_ctx *ctx, zp_acct_input *in)
{
    if (!in)
        return;
    zp__acct_owned *o = in->owned_;
    if (o) {
        zp__cpool_free(ctx, &o->pool);
        zp__free(ctx, o->meters);
        zp__free(ctx, o->storage);
        zp__free(ctx, o->corrections);
        zp__free(ctx, o);
    }
    zp__free(ctx, in);
}

/* A new input with its owned part. */
zp_status zp__acct_input_new(zp_ctx *ctx, zp_acct_input **out)
{
    zp_acct_input *in = zp__calloc(ctx, 1, sizeof *in);
    zp__acct_owned *o = in ? zp__calloc(ctx, 1, sizeof *o) : NULL;
    if (!o) {
        zp__free(ctx, in);
        return zp__nomem(ctx);
    }
    zp_acct_input_init(in);
    in->owned_ = o;
    *out = in;
    return ZP_OK;
}

double *zp__acct_input_array(zp_ctx *ctx, zp_acct_input *in, size_t n)
{
    return zp__cpool_calloc(ctx, &((zp__acct_owned *)in->owned_)->pool, n, sizeof(double));
}

const char *zp__acct_input_string(zp_ctx *ctx, zp_acct_input *in, const char *s)
{
    return zp__cpool_strdup(ctx, &((zp__acct_owned *)in->owned_)->pool, s);
}

/* ---- input from a simulation --------------------------------------------- */

/* Model parts common to every input: fuels, certificates, contracts and
 * refrigerants (given for the model period; frac is the input's share of
 * it, as in the simulation). */
zp_status zp__acct_input_from_model(zp_ctx *ctx, zp_acct_input *in, const zp_model *m,
                                    double frac)
{
    zp__acct_owned *o = in->owned_;
    if (!m)
        return ZP_OK;
    in->utc_offset_min = m->utc_offset_min;
    if (m->nfuels) {
        zp_acct_fuel *fu = zp__cpool_calloc(ctx, &o->pool, m->nfuels, sizeof *fu);
        if (!fu)
            return ZP_ENOMEM;
        for (size_t i = 0; i < m->nfuels; i++)
            fu[i] = (zp_acct_fuel){m->fuels[i].type, m->fuels[i].amount * frac, m->fuels[i].unit};
        in->fuels = fu;
        in->nfuels = m->nfuels;
    }
    const zp_accounting *a = &m->accounting;
    if (a->nrefrigerants) {
        zp_acct_refrigerant *rf = zp__cpool_calloc(ctx, &o->pool, a->nrefrigerants, sizeof *rf);
        if (!rf)
            return ZP_ENOMEM;
        for (size_t i = 0; i < a->nrefrigerants; i++)
            rf[i] = (zp_acct_refrigerant){a->refrigerants[i].gas, a->refrigerants[i].leak_kg * frac};
        in->refrigerants = rf;
        in->nrefrigerants = a->nrefrigerants;
    }
    in->certificates_mwh = m->green_certificates_mwh * frac;
    in->green_contracts_mwh = a->green_power_contracts_mwh * frac;
    return ZP_OK;
}

/* ---- input from metered series (CSV or store) ---------------------------- */

typedef struct meter_spec {
    int is_factor;      /* grid_factor_kg_per_kwh */
    zp_acct_role role;
    int counter;        /* cumulative register (_total) */
    int energy;         /* per-interval energy or volume (else kW) */
    double scale;       /* to kWh (kW) or litres */
    char asset[128];
} meter_spec;

static const struct {
    const char *suffix;
    int water, counter, energy;
    double scale;
} unit_suffixes[] = {
    {"_kwh_total", 0, 1, 1, 1.0}, {"_mwh_total", 0, 1, 1, 1000.0}, {"_l_total", 1, 1, 1, 1.0},
    {"_m3_total", 1, 1, 1, 1000.0}, {"_kwh", 0, 0, 1, 1.0},        {"_mwh", 0, 0, 1, 1000.0},
    {"_kw", 0, 0, 0, 1.0},          {"_l", 1, 0, 1, 1.0},           {"_m3", 1, 0, 1, 1000.0},
};

/* Meter naming convention (docs/methodology.md "Meter names"). Returns 1
 * for a meter, 0 for a column that is not one, or an error naming it. */
static int classify(zp_ctx *ctx, const char *name, const char *where, meter_spec *sp, zp_status *rc)
{
    memset(sp, 0, sizeof *sp);
    *rc = ZP_OK;
    if (strcmp(name, "grid_factor_kg_per_kwh") == 0) {
        sp->is_factor = 1;
        return 1;
    }
    size_t len = strlen(name), k;
    for (k = 0; k < ZP_ARRAY_LEN(unit_suffixes); k++) {
        size_t sl = strlen(unit_suffixes[k].suffix);
        if (len > sl && strcmp(name + len - sl, unit_suffixes[k].suffix) == 0)
            break;
    }
    if (k == ZP_ARRAY_LEN(unit_suffixes))
        return 0;
    size_t base = len - strlen(unit_suffixes[k].suffix);
    const char *dot = memchr(name, '.', base);
    size_t rl = dot ? (size_t)(dot - name) : base;
    char role[64];
    if (rl >= sizeof role)
        rl = sizeof role - 1;
    memcpy(role, name, rl);
    role[rl] = '\0';
    int r = 0;
    while (r < ZP_ROLE_LAST && strcmp(role_names[r], role) != 0)
        r++;
    if (r == ZP_ROLE_LAST) {
        const char *near = zp__nearest(role, role_names, ZP_ROLE_LAST);
        *rc = zp__error(ctx, ZP_EDATA, "%s: meter '%s': unknown role '%s'%s%s%s (roles: grid_import, "
                        "grid_export, pv, wind, storage_charge, storage_discharge, load, dc_it, "
                        "dc_facility, water)",
                        where, name, role, near ? "; did you mean '" : "", near ? near : "",
                        near ? "'?" : "");
        return -1;
    }
    int water = r == ZP_ROLE_WATER;
    if (water != unit_suffixes[k].water) {
        *rc = zp__error(ctx, ZP_EDATA,
                        "%s: meter '%s': unit mismatch: %s is metered in %s, not '%s'", where,
                        name, role, water ? "l or m3 (per interval, or _total counters)"
                                          : "kw, kwh or mwh (or _total counters)",
                        unit_suffixes[k].suffix + 1);
        return -1;
    }
    sp->role = (zp_acct_role)r;
    sp->counter = unit_suffixes[k].counter;
    sp->energy = unit_suffixes[k].energy;
    sp->scale = unit_suffixes[k].scale;
    if (dot) {
        size_t al = base - rl - 1;
        if (al >= sizeof sp->asset)
            al = sizeof sp->asset - 1;
        memcpy(sp->asset, dot + 1, al);
        sp->asset[al] = '\0';
    } else {
        snprintf(sp->asset, sizeof sp->asset, "%s", role);
    }
    return 1;
}

/* Check one raw series and turn it into interval values in kWh (energy),
 * kW, litres or kg/kWh. Counters become differences by the rule every
 * counter follows (zp_counter_advance, series.h): a reading that goes
 * down by at most 0.1 % is noise (0, and the counter goes on from the
 * higher reading); by more, a roll-over when the previous reading was in
 * the top tenth of its register range and the new one in the bottom tenth
 * (corrected by adding the range), else a reset counted from 0; both are
 * listed. row0
 * is the line (or reading number) of value 0. */
static zp_status meter_prepare(zp_ctx *ctx, zp_acct_input *in, const char *name, const char *file,
                               long row0, const meter_spec *sp, zp_series *s, zp_series **mask)
{
    zp__acct_owned *o = in->owned_;
    if (mask)
        *mask = NULL;
    if (o->fill_gaps && !sp->is_factor && mask) {
        /* which intervals hold a reading (1) or a gap (0), before the gaps
         * are filled; a counter's interval i is metered when the reading
         * that closes it (i + 1) is there */
        zp_status rc;
        if ((rc = zp_series_new(ctx, NULL, ZP_SERIES_INTENSITY, s->start, s->step_s, s->len, mask)))
            return rc;
        zp_series *k = *mask;
        for (size_t i = 0; i < s->len; i++)
            k->v[i] = isnan(s->v[i]) ? 0.0 : 1.0;
        if (sp->counter && k->len > 1) {
            memmove(k->v, k->v + 1, (k->len - 1) * sizeof *k->v);
            k->len--;
        }
    }
    if (o->fill_gaps && !sp->is_factor) {
        /* live data: a step without a reading is a gap, not an error. A
         * power or energy meter's gap counts as nothing metered; a counter
         * holds its last reading, so the energy of the gap shows at the
         * next reading (its total stays right). */
        double last = NAN;
        for (size_t i = 0; i < s->len && isnan(last); i++)
            last = s->v[i];
        for (size_t i = 0; i < s->len; i++) {
            if (!isnan(s->v[i])) {
                last = s->v[i];
                continue;
            }
            in->missing_steps++;
            s->v[i] = sp->counter ? (isnan(last) ? 0.0 : last) : 0.0;
        }
    }
    for (size_t i = 0; i < s->len; i++) {
        if (isnan(s->v[i]))
            return zp__error(ctx, ZP_EDATA, "%s:%ld: meter '%s': no reading", file, row0 + (long)i,
                             name);
        if (s->v[i] < 0)
            return zp__error(ctx, ZP_EDATA,
                             "%s:%ld: meter '%s': negative reading %.10g; meter readings must be >= 0",
                             file, row0 + (long)i, name, s->v[i]);
    }
    if (sp->is_factor) {
        s->kind = ZP_SERIES_INTENSITY;
        return ZP_OK;
    }
    if (sp->counter) {
        if (s->len < 2)
            return zp__error(ctx, ZP_EDATA, "%s: meter '%s': a counter needs two readings", file, name);
        double ref = s->v[0]; /* the reading the counter goes on from */
        for (size_t i = 0; i + 1 < s->len; i++) {
            double a = ref, b = s->v[i + 1], W;
            double d = zp_counter_advance(&ref, b, &W);
            if (b < a && !zp_counter_is_noise(a, b)) {
                if (zp__grow(ctx, (void **)&o->corrections, &o->capcorr, in->ncorrections + 1,
                             sizeof *o->corrections))
                    return zp__nomem(ctx);
                zp_acct_correction *c = &o->corrections[in->ncorrections];
                memset(c, 0, sizeof *c);
                c->meter = zp__cpool_strdup(ctx, &o->pool, name);
                c->file = zp__cpool_strdup(ctx, &o->pool, file);
                in->ncorrections++;
                in->corrections = o->corrections;
                if (!c->meter || !c->file)
                    return zp__nomem(ctx);
                c->row = row0 + (long)i + 1;
                c->before = a;
                c->after = b;
                c->wrap = W;
            }
            s->v[i] = d;
        }
        s->len--; /* n readings bound n - 1 intervals */
    }
    for (size_t i = 0; i < s->len; i++)
        s->v[i] *= sp->scale;
    s->kind = sp->energy ? ZP_SERIES_ENERGY : ZP_SERIES_POWER;
    return ZP_OK;
}

typedef struct pending {
    zp_series *s;
    zp_series *mask; /* ZP_ACCT_FILL_GAPS: 1 where the meter has a reading */
    meter_spec sp;
} pending;

/* Align every prepared series to the common window and step, fill in. */
static zp_status input_finish(zp_ctx *ctx, zp_acct_input *in, pending *p, size_t np,
                              const zp_model *m, zp_time_t from, zp_time_t to)
{
    zp__acct_owned *o = in->owned_;
    zp_status rc = ZP_OK;
    size_t nmeters = 0;
    for (size_t i = 0; i < np; i++)
        nmeters += !p[i].sp.is_factor;
    if (nmeters == 0)
        return zp__error(ctx, ZP_EDATA,
                         "no meter found: name columns ROLE[.ASSET]_UNIT, e.g. grid_import_kw, "
                         "pv.roof_kwh, load.factory_mwh (docs/methodology.md \"Meter names\")");
    /* The meters' common span; for live data (fill_gaps) their union, a
     * meter that started later or stopped earlier having gaps there. */
    const int uni = o->fill_gaps;
    zp_time_t start = uni ? INT64_MAX : INT64_MIN, end = uni ? INT64_MIN : INT64_MAX;
    int32_t step = 0;
    for (size_t i = 0; i < np; i++) {
        zp_time_t s0 = p[i].s->start, s1 = zp_series_end(p[i].s);
        if (p[i].s->step_s > step)
            step = p[i].s->step_s;
        if (uni && p[i].sp.is_factor)
            continue; /* the meters' readings make the window, not the factor */
        if (uni ? s0 < start : s0 > start)
            start = s0;
        if (uni ? s1 > end : s1 < end)
            end = s1;
    }
    if (from && from > start)
        start = from;
    if (to && to < end)
        end = to;
    /* the window starts and ends on the coarsest step's grid */
    if (zp__fdiv(start, step) * step != start)
        start = (zp__fdiv(start, step) + 1) * step;
    end = zp__fdiv(end, step) * step;
    if (end <= start)
        return zp__error(ctx, ZP_ERANGE, "the meters have no common window of whole %ld-s steps",
                         (long)step);
    size_t n = (size_t)((end - start) / step);
    in->start = start;
    in->step_s = step;
    in->steps = n;
    if (!(o->meters = zp__calloc(ctx, nmeters, sizeof *o->meters)))
        return zp__nomem(ctx);
    in->meters = o->meters;
    double *metered = NULL;
    if (o->fill_gaps && !(metered = zp__acct_input_array(ctx, in, n)))
        return zp__nomem(ctx);
    for (size_t i = 0; i < np; i++) {
        zp_series *al = NULL;
        /* with gaps allowed, only the part of the window this meter covers
         * is aligned; the rest is NaN (filled below) */
        zp_time_t a0 = start, a1 = end;
        if (o->fill_gaps) {
            zp_time_t s0 = p[i].s->start, s1 = zp_series_end(p[i].s);
            if (s0 > a0)
                a0 = (zp__fdiv(s0 - start + step - 1, step)) * step + start;
            if (s1 < a1)
                a1 = zp__fdiv(s1 - start, step) * step + start;
        }
        size_t off = a1 > a0 ? (size_t)((a0 - start) / step) : 0;
        size_t na = a1 > a0 ? (size_t)((a1 - a0) / step) : 0;
        if (na && (rc = zp_series_align(ctx, p[i].s, a0, step, na, &al)))
            return rc;
        if (na && metered && p[i].mask) {
            /* the share of each step with a reading of this meter */
            zp_series *mk = NULL;
            if ((rc = zp_series_align(ctx, p[i].mask, a0, step, na, &mk))) {
                zp_series_free(ctx, al);
                return rc;
            }
            for (size_t t = 0; t < na; t++)
                if (mk->v[t] > metered[off + t])
                    metered[off + t] = mk->v[t] > 1 ? 1 : mk->v[t];
            zp_series_free(ctx, mk);
        }
        double *a = zp__acct_input_array(ctx, in, n);
        if (!a) {
            zp_series_free(ctx, al);
            return zp__nomem(ctx);
        }
        /* per-interval kWh to average kW; litres stay per step */
        double k = (p[i].sp.energy && p[i].sp.role != ZP_ROLE_WATER) ? 3600.0 / step : 1.0;
        for (size_t t = 0; t < n; t++) {
            a[t] = t >= off && t < off + na ? al->v[t - off] * k : NAN;
            if (isnan(a[t]) && o->fill_gaps && !p[i].sp.is_factor) {
                a[t] = 0.0; /* outside this meter's span: nothing metered */
                in->missing_steps++;
            }
        }
        if (p[i].sp.is_factor) {
            in->grid_factor_kg_per_kwh = a;
        } else {
            zp_acct_meter *mt = &o->meters[in->nmeters++];
            mt->name = zp__acct_input_string(ctx, in, p[i].s->name ? p[i].s->name : "?");
            mt->asset = zp__acct_input_string(ctx, in, p[i].sp.asset);
            mt->role = p[i].sp.role;
            mt->v = a;
            if (!mt->name || !mt->asset)
                rc = zp__nomem(ctx);
        }
        zp_series_free(ctx, al);
        if (rc)
            return rc;
    }
    /* The model's fuels, refrigerants and instruments are given for its
     * period: the window takes its share, live data the share of its
     * metered time (docs/methodology.md "Live data"). */
    double span_s = (double)(end - start);
    if (metered) {
        in->metered = metered;
        span_s = 0;
        for (size_t t = 0; t < n; t++)
            span_s += metered[t] * (double)step;
    }
    if (m) {
        double frac = span_s / (double)(m->end - m->start);
        if ((rc = zp__acct_input_from_model(ctx, in, m, frac)))
            return rc;
    }
    return ZP_OK;
}

static void pending_free(zp_ctx *ctx, pending *p, size_t np)
{
    for (size_t i = 0; i < np; i++) {
        zp_series_free(ctx, p[i].s);
        zp_series_free(ctx, p[i].mask);
    }
    zp__free(ctx, p);
}

zp_status zp_acct_from_csv(zp_ctx *ctx, const char *const *paths, size_t npaths,
                           const zp_model *m, zp_time_t from, zp_time_t to, zp_acct_input **out)
{
    zp_acct_input *in = NULL;
    pending *p = NULL;
    size_t np = 0, capp = 0;
    zp_status rc;
    if (!ctx || !paths || !npaths || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_acct_from_csv: no files") : ZP_EINVAL;
    *out = NULL;
    if ((rc = zp__acct_input_new(ctx, &in)))
        return rc;
    in->source = "csv";
    for (size_t f = 0; f < npaths; f++) {
        char **hdr = NULL;
        size_t nh = 0, nsel = 0;
        const char **sel = NULL;
        zp_series **ss = NULL;
        size_t ns = 0;
        /* A file is read twice (its header, then the columns it names); a
         * pipe, standard input or a process substitution (/dev/stdin,
         * <(...)) can be read only once: into memory, then parsed. */
        char *text = NULL;
        size_t tlen = 0;
        FILE *fp = fopen(paths[f], "rb");
        struct stat fst;
        if (!fp) {
            rc = zp__error(ctx, ZP_EIO, "cannot open %s: %s", paths[f], strerror(errno));
            goto out;
        }
        bool once = fstat(fileno(fp), &fst) != 0 || !S_ISREG(fst.st_mode);
        if (once)
            rc = zp__slurp(ctx, fp, paths[f], &text, &tlen);
        fclose(fp);
        if (rc)
            goto out;
        rc = once ? zp__csv_header_buf(ctx, paths[f], text, tlen, &hdr, &nh)
                  : zp_csv_header_file(ctx, paths[f], &hdr, &nh);
        if (rc) {
            zp__free(ctx, text);
            goto out;
        }
        sel = zp__calloc(ctx, nh ? nh : 1, sizeof *sel);
        meter_spec *specs = zp__calloc(ctx, nh ? nh : 1, sizeof *specs);
        if (!sel || !specs) {
            rc = zp__nomem(ctx);
        } else {
            for (size_t c = 1; c < nh && !rc; c++) {
                meter_spec sp;
                int k = classify(ctx, hdr[c], paths[f], &sp, &rc);
                if (k == 1) {
                    specs[nsel] = sp;
                    sel[nsel++] = hdr[c];
                }
            }
        }
        if (!rc && nsel) {
            zp_csv_opts co;
            zp_csv_opts_init(&co);
            co.columns = sel;
            co.ncolumns = nsel;
            co.default_offset_min = m ? m->utc_offset_min : 480;
            rc = once ? zp_csv_read_buf(ctx, text, tlen, paths[f], &co, &ss, &ns)
                      : zp_csv_read_file(ctx, paths[f], &co, &ss, &ns);
        }
        zp__free(ctx, text);
        for (size_t i = 0; !rc && i < ns; i++) {
            /* data row i is line i + 2 (line 1 is the header) */
            if ((rc = meter_prepare(ctx, in, sel[i], paths[f], 2, &specs[i], ss[i], NULL)))
                break;
            if ((rc = zp__grow(ctx, (void **)&p, &capp, np + 1, sizeof *p)))
                break;
            p[np].s = ss[i];
            p[np].mask = NULL;
            p[np].sp = specs[i];
            ss[i] = NULL;
            np++;
        }
        zp_series_array_free(ctx, ss, ns);
        zp__free(ctx, sel);
        zp__free(ctx, specs);
        zp_strv_free(ctx, hdr, nh);
        if (rc)
            goto out;
    }
    if ((rc = input_finish(ctx, in, p, np, m, from, to)))
        goto out;
    *out = in;
    in = NULL;
out:
    pending_free(ctx, p, np);
    zp_acct_input_free(ctx, in);
    return rc;
}

/* Cut the missing values at both ends of s; 0 when it holds none. */
static size_t trim_gaps(zp_series *s)
{
    size_t a = 0, b = s->len;
    while (a < b && isnan(s->v[a]))
        a++;
    while (b > a && isnan(s->v[b - 1]))
        b--;
    if (a && b > a)
        memmove(s->v, s->v + a, (b - a) * sizeof *s->v);
    s->start += (zp_time_t)a * s->step_s;
    s->len = b - a;
    return s->len;
}

zp_status zp_acct_from_store(zp_ctx *ctx, zp_store *st, const zp_model *m, zp_time_t from,
                             zp_time_t to, zp_acct_input **out)
{
    return zp_acct_from_store_ex(ctx, st, m, from, to, 0, out);
}

zp_status zp_acct_from_store_ex(zp_ctx *ctx, zp_store *st, const zp_model *m, zp_time_t from,
                                zp_time_t to, unsigned flags, zp_acct_input **out)
{
    zp_acct_input *in = NULL;
    zp_store_series_info *info = NULL;
    size_t ninfo = 0;
    pending *p = NULL;
    size_t np = 0, capp = 0;
    zp_status rc;
    if (!ctx || !st || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_acct_from_store: NULL argument") : ZP_EINVAL;
    *out = NULL;
    if ((rc = zp__acct_input_new(ctx, &in)))
        return rc;
    in->source = "store";
    const int fill = (flags & ZP_ACCT_FILL_GAPS) != 0;
    ((zp__acct_owned *)in->owned_)->fill_gaps = fill;
    if ((rc = zp_store_series_list(st, &info, &ninfo)))
        goto out;
    for (size_t i = 0; i < ninfo; i++) {
        meter_spec sp;
        int k = classify(ctx, info[i].name, "store", &sp, &rc);
        if (k < 0)
            goto out;
        if (k == 0 || info[i].count == 0)
            continue;
        /* a counter's readings bound its intervals: [from, to) needs the
         * reading at to as well */
        zp_time_t a = from ? from : info[i].first,
                  b = to ? to + (sp.counter ? info[i].step_s : 0) : info[i].last_end;
        if (fill) {
            /* live data: only the stored span, so the window starts at the
             * first reading and ends with the last */
            if (info[i].first > a)
                a = info[i].first;
            if (info[i].last_end < b)
                b = info[i].last_end;
            if (b <= a)
                continue;
        }
        zp_series *s = NULL, *mask = NULL;
        if ((rc = zp_store_read(st, info[i].name, a, b, &s)))
            goto out;
        if (fill && !sp.is_factor && !trim_gaps(s)) {
            zp_series_free(ctx, s); /* no reading in the window */
            continue;
        }
        if (!s->name && (rc = zp_series_set_name(ctx, s, info[i].name))) {
            zp_series_free(ctx, s);
            goto out;
        }
        if ((rc = meter_prepare(ctx, in, info[i].name, "store", 1, &sp, s, &mask)) ||
            (rc = zp__grow(ctx, (void **)&p, &capp, np + 1, sizeof *p))) {
            zp_series_free(ctx, s);
            zp_series_free(ctx, mask);
            goto out;
        }
        p[np].s = s;
        p[np].mask = mask;
        p[np].sp = sp;
        np++;
    }
    if (fill) {
        size_t nm = 0;
        for (size_t i = 0; i < np; i++)
            nm += !p[i].sp.is_factor;
        if (!nm) {
            char fa[ZP_TIME_BUFSIZE], fb[ZP_TIME_BUFSIZE];
            int32_t off = m ? m->utc_offset_min : 0;
            rc = zp__error(ctx, ZP_ENOTFOUND, "no meter reading between %s and %s",
                           from ? zp_time_format(from, off, fa) : "the first",
                           to ? zp_time_format(to, off, fb) : "the last");
            goto out;
        }
    }
    if ((rc = input_finish(ctx, in, p, np, m, from, to)))
        goto out;
    *out = in;
    in = NULL;
out:
    zp_store_series_info_free(ctx, info, ninfo);
    pending_free(ctx, p, np);
    zp_acct_input_free(ctx, in);
    return rc;
}
