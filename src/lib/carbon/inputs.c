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
#include "zeropark/tariff.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the input and what it owns ------------------------------------------ */

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

/* ---- the model's part of every input ------------------------------------- */

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

/* How many of the np series of p are meters (not the grid factor). */
static size_t meters_of(const pending *p, size_t np)
{
    size_t n = 0;
    for (size_t i = 0; i < np; i++)
        n += !p[i].sp.is_factor;
    return n;
}

/* The model's green-power contract (grid.green_power) on the metered grid
 * import, by the bill's rule that the simulation applies
 * (zp_green_delivered, docs/methodology.md "Green power"): what it
 * delivered is a bundled contract for the market-based method, and a
 * profile's delivery is carbon-free step by step in hourly matching. */
static zp_status model_green_power(zp_ctx *ctx, zp_acct_input *in, const zp_model *m)
{
    const zp_green_power *gp = m ? &m->grid.green_power : NULL;
    if (!gp || !gp->present)
        return ZP_OK;
    const size_t n = in->steps;
    double *imp = zp__acct_input_array(ctx, in, n), *prof = NULL, *green = NULL;
    if (!imp)
        return zp__nomem(ctx);
    for (size_t k = 0; k < in->nmeters; k++)
        if (in->meters[k].role == ZP_ROLE_GRID_IMPORT)
            for (size_t t = 0; t < n; t++)
                imp[t] += in->meters[k].v[t];
    zp_green_contract gc = {.mwh_per_month = gp->mwh_per_month,
                            .premium_cny_per_mwh = gp->premium_cny_per_mwh};
    zp_status rc;
    if (gp->profile_kw.is_series) {
        const zp_value *v = &gp->profile_kw;
        zp_series *al = NULL;
        if (!v->series)
            return zp__error(ctx, ZP_EINVAL, "grid.green_power.profile: series %s:%s was not loaded",
                             v->csv, v->column);
        if ((rc = zp_series_align(ctx, v->series, in->start, in->step_s, n, &al))) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", zp_ctx_errmsg(ctx));
            return zp__error(ctx, rc, "grid.green_power.profile (%s): %s", v->csv, msg);
        }
        prof = zp__acct_input_array(ctx, in, n);
        green = prof ? zp__acct_input_array(ctx, in, n) : NULL;
        if (green)
            memcpy(prof, al->v, n * sizeof *prof);
        zp_series_free(ctx, al);
        if (!green)
            return zp__nomem(ctx);
        gc.mwh_per_month = 0;
        gc.profile_kw = prof;
    }
    const zp_time_grid g = {in->start, in->step_s, n, in->utc_offset_min};
    double mwh = 0;
    if ((rc = zp_green_delivered(ctx, &g, imp, &gc, green, &mwh)))
        return rc;
    in->green_contracts_mwh += mwh;
    in->green_power_kw = green;
    return ZP_OK;
}

/* The model's batteries on metered data: each one's storage_charge.NAME
 * and storage_discharge.NAME meters (a meter without an asset name when
 * the model has one battery) with the model's efficiencies and its initial
 * stored energy (soc_initial, counted grey, as the simulation starts), so
 * that hourly matching keeps a green pool per battery as the simulation
 * does (docs/methodology.md "Green share"): green PV and wind stored and
 * discharged later are carbon-free. A battery without meters has no pool. */
static zp_status model_storage(zp_ctx *ctx, zp_acct_input *in, const zp_model *m)
{
    zp__acct_owned *o = in->owned_;
    if (!m || !m->nstorage || in->storage)
        return ZP_OK;
    zp_acct_storage *st = zp__calloc(ctx, m->nstorage, sizeof *st);
    if (!st)
        return zp__nomem(ctx);
    size_t ns = 0;
    for (size_t s = 0; s < m->nstorage; s++) {
        const zp_storage *b = &m->storage[s];
        const double *ch = NULL, *dis = NULL;
        for (size_t k = 0; k < in->nmeters; k++) {
            const zp_acct_meter *mt = &in->meters[k];
            if (mt->role != ZP_ROLE_STORAGE_CHARGE && mt->role != ZP_ROLE_STORAGE_DISCHARGE)
                continue;
            int named = mt->asset && strcmp(mt->asset, b->name) == 0;
            int unnamed = m->nstorage == 1 && mt->asset &&
                          strcmp(mt->asset, zp_acct_role_name(mt->role)) == 0;
            if (!named && !unnamed)
                continue;
            if (mt->role == ZP_ROLE_STORAGE_CHARGE)
                ch = mt->v;
            else
                dis = mt->v;
        }
        if (!ch && !dis)
            continue;
        st[ns++] = (zp_acct_storage){b->name, ch, dis, b->charge_efficiency,
                                     b->discharge_efficiency, b->soc_initial * b->energy_kwh};
    }
    if (!ns) {
        zp__free(ctx, st);
        return ZP_OK;
    }
    o->storage = st;
    in->storage = st;
    in->nstorage = ns;
    return ZP_OK;
}

/* Align every prepared series to the common window and step, fill in. */
static zp_status input_finish(zp_ctx *ctx, zp_acct_input *in, pending *p, size_t np,
                              const zp_model *m, zp_time_t from, zp_time_t to)
{
    zp__acct_owned *o = in->owned_;
    zp_status rc = ZP_OK;
    size_t nmeters = meters_of(p, np);
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
        if ((rc = zp__acct_input_from_model(ctx, in, m, frac)) ||
            (rc = model_green_power(ctx, in, m)) || (rc = model_storage(ctx, in, m)))
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

/* An input being built from metered series: the series read so far,
 * prepared (meter_prepare), waiting for the common window. */
typedef struct builder {
    zp_acct_input *in;
    pending *p;
    size_t np, capp;
} builder;

static zp_status builder_begin(zp_ctx *ctx, builder *b, const char *source)
{
    memset(b, 0, sizeof *b);
    zp_status rc = zp__acct_input_new(ctx, &b->in);
    if (!rc)
        b->in->source = source;
    return rc;
}

/* One prepared series more; b takes s and mask (freed when out of memory). */
static zp_status builder_add(zp_ctx *ctx, builder *b, zp_series *s, zp_series *mask,
                             const meter_spec *sp)
{
    if (zp__grow(ctx, (void **)&b->p, &b->capp, b->np + 1, sizeof *b->p)) {
        zp_series_free(ctx, s);
        zp_series_free(ctx, mask);
        return ZP_ENOMEM;
    }
    b->p[b->np++] = (pending){s, mask, *sp};
    return ZP_OK;
}

/* With rc ZP_OK, the input (input_finish) into *out; what b holds is
 * freed either way. Returns rc or input_finish's error. */
static zp_status builder_end(zp_ctx *ctx, builder *b, zp_status rc, const zp_model *m,
                             zp_time_t from, zp_time_t to, zp_acct_input **out)
{
    if (!rc && !(rc = input_finish(ctx, b->in, b->p, b->np, m, from, to))) {
        *out = b->in;
        b->in = NULL;
    }
    pending_free(ctx, b->p, b->np);
    zp_acct_input_free(ctx, b->in);
    return rc;
}

/* The meter columns of one CSV file into b. A file is read twice (its
 * header, then the columns it names); a pipe, standard input or a process
 * substitution (/dev/stdin, <(...)) can be read only once: into memory,
 * then parsed. */
static zp_status csv_file(zp_ctx *ctx, builder *b, const char *path, const zp_model *m)
{
    char **hdr = NULL, *text = NULL;
    size_t nh = 0, nsel = 0, ns = 0, tlen = 0;
    const char **sel = NULL;
    meter_spec *specs = NULL;
    zp_series **ss = NULL;
    zp_status rc = ZP_OK;
    FILE *fp = fopen(path, "rb");
    struct stat fst;
    if (!fp)
        return zp__error(ctx, ZP_EIO, "cannot open %s: %s", path, strerror(errno));
    bool once = fstat(fileno(fp), &fst) != 0 || !S_ISREG(fst.st_mode);
    if (once)
        rc = zp__slurp(ctx, fp, path, &text, &tlen);
    fclose(fp);
    if (rc)
        return rc;
    rc = once ? zp__csv_header_buf(ctx, path, text, tlen, &hdr, &nh)
              : zp_csv_header_file(ctx, path, &hdr, &nh);
    if (!rc && (!(sel = zp__calloc(ctx, nh ? nh : 1, sizeof *sel)) ||
                !(specs = zp__calloc(ctx, nh ? nh : 1, sizeof *specs))))
        rc = zp__nomem(ctx);
    for (size_t c = 1; !rc && c < nh; c++) {
        meter_spec sp;
        if (classify(ctx, hdr[c], path, &sp, &rc) == 1) {
            specs[nsel] = sp;
            sel[nsel++] = hdr[c];
        }
    }
    if (!rc && nsel) {
        zp_csv_opts co;
        zp_csv_opts_init(&co);
        co.columns = sel;
        co.ncolumns = nsel;
        co.default_offset_min = m ? m->utc_offset_min : 480;
        rc = once ? zp_csv_read_buf(ctx, text, tlen, path, &co, &ss, &ns)
                  : zp_csv_read_file(ctx, path, &co, &ss, &ns);
    }
    for (size_t i = 0; !rc && i < ns; i++) {
        /* data row i is line i + 2 (line 1 is the header) */
        if ((rc = meter_prepare(ctx, b->in, sel[i], path, 2, &specs[i], ss[i], NULL)))
            break;
        zp_series *s = ss[i];
        ss[i] = NULL;
        rc = builder_add(ctx, b, s, NULL, &specs[i]);
    }
    zp__free(ctx, text);
    zp_series_array_free(ctx, ss, ns);
    zp__free(ctx, sel);
    zp__free(ctx, specs);
    zp_strv_free(ctx, hdr, nh);
    return rc;
}

zp_status zp_acct_from_csv(zp_ctx *ctx, const char *const *paths, size_t npaths,
                           const zp_model *m, zp_time_t from, zp_time_t to, zp_acct_input **out)
{
    builder b;
    if (!ctx || !paths || !npaths || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_acct_from_csv: no files") : ZP_EINVAL;
    *out = NULL;
    zp_status rc = builder_begin(ctx, &b, "csv");
    if (rc)
        return rc;
    for (size_t f = 0; !rc && f < npaths; f++)
        rc = csv_file(ctx, &b, paths[f], m);
    return builder_end(ctx, &b, rc, m, from, to, out);
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

/* The stored series si into b when it is a meter (or the grid factor)
 * with readings in [from, to); fill: live data (ZP_ACCT_FILL_GAPS). */
static zp_status store_series(zp_ctx *ctx, builder *b, zp_store *st,
                              const zp_store_series_info *si, zp_time_t from, zp_time_t to,
                              int fill)
{
    meter_spec sp;
    zp_status rc;
    int k = classify(ctx, si->name, "store", &sp, &rc);
    if (k <= 0 || si->count == 0)
        return rc;
    /* a counter's readings bound its intervals: [from, to) needs the
     * reading at to as well */
    zp_time_t a = from ? from : si->first,
              e = to ? to + (sp.counter ? si->step_s : 0) : si->last_end;
    if (fill) {
        /* live data: only the stored span, so the window starts at the
         * first reading and ends with the last */
        if (si->first > a)
            a = si->first;
        if (si->last_end < e)
            e = si->last_end;
        if (e <= a)
            return ZP_OK;
    }
    zp_series *s = NULL, *mask = NULL;
    if ((rc = zp_store_read(st, si->name, a, e, &s)))
        return rc;
    if (fill && !sp.is_factor && !trim_gaps(s)) {
        zp_series_free(ctx, s); /* no reading in the window */
        return ZP_OK;
    }
    if ((!s->name && (rc = zp_series_set_name(ctx, s, si->name))) ||
        (rc = meter_prepare(ctx, b->in, si->name, "store", 1, &sp, s, &mask))) {
        zp_series_free(ctx, s);
        zp_series_free(ctx, mask);
        return rc;
    }
    return builder_add(ctx, b, s, mask, &sp);
}

zp_status zp_acct_from_store_ex(zp_ctx *ctx, zp_store *st, const zp_model *m, zp_time_t from,
                                zp_time_t to, unsigned flags, zp_acct_input **out)
{
    zp_store_series_info *info = NULL;
    size_t ninfo = 0;
    builder b;
    if (!ctx || !st || !out)
        return ctx ? zp__error(ctx, ZP_EINVAL, "zp_acct_from_store: NULL argument") : ZP_EINVAL;
    *out = NULL;
    zp_status rc = builder_begin(ctx, &b, "store");
    if (rc)
        return rc;
    const int fill = (flags & ZP_ACCT_FILL_GAPS) != 0;
    ((zp__acct_owned *)b.in->owned_)->fill_gaps = fill;
    rc = zp_store_series_list(st, &info, &ninfo);
    for (size_t i = 0; !rc && i < ninfo; i++)
        rc = store_series(ctx, &b, st, &info[i], from, to, fill);
    zp_store_series_info_free(ctx, info, ninfo);
    if (!rc && fill && !meters_of(b.p, b.np)) {
        char fa[ZP_TIME_BUFSIZE], fb[ZP_TIME_BUFSIZE];
        int32_t off = m ? m->utc_offset_min : 0;
        rc = zp__error(ctx, ZP_ENOTFOUND, "no meter reading between %s and %s",
                       from ? zp_time_format(from, off, fa) : "the first",
                       to ? zp_time_format(to, off, fb) : "the last");
    }
    return builder_end(ctx, &b, rc, m, from, to, out);
}
