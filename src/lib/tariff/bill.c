/*
 * bill.c - what a run costs under a two-part tariff (zeropark/tariff.h,
 * "The bill"; docs/tariffs.md, "The bill"): energy at each step's price,
 * the demand charge on each park-local calendar month's highest step-mean
 * import, or the capacity charge on the transformer, both pro rata by days
 * in a month the grid covers in part; export revenue; battery wear per kWh
 * discharged with the cycles and capacity fade it means; the premium of a
 * green-power contract on the green energy delivered.
 */
#include "tariff/tariff_impl.h"

#include "core/internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HOURS_PER_YEAR 8766.0 /* 365.25 days: cycles and fade are per such year */
#define DEFAULT_EOL_SOH 0.8   /* capacity left at end of life when the caller gives none */

void zp_bill_input_init(zp_bill_input *in)
{
    memset(in, 0, sizeof *in);
    in->prorate = ZP_PRORATE_CALENDAR;
}

double zp_degradation_cny_per_kwh(double capex_cny_per_kwh, double cycle_life, double depth,
                                  double discharge_efficiency, double end_of_life_soh)
{
    if (!(capex_cny_per_kwh >= 0) || !(cycle_life > 0) || !(depth > 0 && depth <= 1) ||
        !(discharge_efficiency > 0 && discharge_efficiency <= 1) ||
        !(end_of_life_soh >= 0 && end_of_life_soh < 1) || isinf(capex_cny_per_kwh) ||
        isinf(cycle_life))
        return NAN;
    return capex_cny_per_kwh /
           (cycle_life * depth * discharge_efficiency * (1 + end_of_life_soh) / 2);
}

/* ---- checks --------------------------------------------------------------- */

/* Every value of v finite, and at least 0 when nonneg. */
static zp_status check_series(zp_ctx *ctx, const double *v, size_t n, const char *what,
                              int nonneg)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]) || (nonneg && v[i] < 0))
            return zp__error(ctx, ZP_EINVAL, "%s[%zu] is %.15g: it must be %s", what, i, v[i],
                             nonneg ? "a number of at least 0" : "a finite number");
    return ZP_OK;
}

static zp_status check_number(zp_ctx *ctx, double v, const char *what)
{
    if (!isfinite(v) || v < 0)
        return zp__error(ctx, ZP_EINVAL, "%s is %.15g: it must be a number of at least 0", what,
                         v);
    return ZP_OK;
}

static zp_status check_storage(zp_ctx *ctx, const zp_bill_storage *s, size_t i, size_t n)
{
    char what[96];
    const char *nm = s->name ? s->name : "";
    zp_status rc;
    if (!s->discharge_kw)
        return zp__error(ctx, ZP_EINVAL, "storage[%zu] %s: the discharge series is missing", i,
                         nm);
    snprintf(what, sizeof what, "storage[%zu] %.40s discharge_kw", i, nm);
    if ((rc = check_series(ctx, s->discharge_kw, n, what, 1)))
        return rc;
    snprintf(what, sizeof what, "storage[%zu] %.40s degradation_cny_per_kwh", i, nm);
    if ((rc = check_number(ctx, s->degradation_cny_per_kwh, what)))
        return rc;
    snprintf(what, sizeof what, "storage[%zu] %.40s usable_kwh", i, nm);
    if ((rc = check_number(ctx, s->usable_kwh, what)))
        return rc;
    snprintf(what, sizeof what, "storage[%zu] %.40s cycle_life", i, nm);
    if ((rc = check_number(ctx, s->cycle_life, what)))
        return rc;
    if (!(s->discharge_efficiency >= 0 && s->discharge_efficiency <= 1))
        return zp__error(ctx, ZP_EINVAL, "storage[%zu] %s: discharge_efficiency %.15g is not "
                                         "in 0..1 (0 means 1)",
                         i, nm, s->discharge_efficiency);
    if (!(s->end_of_life_soh >= 0 && s->end_of_life_soh < 1))
        return zp__error(ctx, ZP_EINVAL, "storage[%zu] %s: end_of_life_soh %.15g is not in "
                                         "0..1 (the capacity left, 0.8 when 0)",
                         i, nm, s->end_of_life_soh);
    return ZP_OK;
}

static zp_status check_input(zp_ctx *ctx, const zp_bill_input *in)
{
    const zp_time_grid *g = &in->grid;
    size_t n = g->count;
    zp_status rc;
    if (g->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "zp_bill_compute: step %d s is not positive",
                         (int)g->step_s);
    if (!in->import_kw || !in->price_cny_per_kwh)
        return zp__error(ctx, ZP_EINVAL, "zp_bill_compute: the %s series is missing",
                         in->import_kw ? "price_cny_per_kwh" : "import_kw");
    if ((rc = check_series(ctx, in->import_kw, n, "import_kw", 1)) ||
        (in->export_kw && (rc = check_series(ctx, in->export_kw, n, "export_kw", 1))) ||
        (rc = check_series(ctx, in->price_cny_per_kwh, n, "price_cny_per_kwh", 0)) ||
        (in->export_price_cny_per_kwh &&
         (rc = check_series(ctx, in->export_price_cny_per_kwh, n, "export_price_cny_per_kwh",
                            0))))
        return rc;
    if (!isfinite(in->export_price_flat_cny_per_kwh))
        return zp__error(ctx, ZP_EINVAL, "export_price_flat_cny_per_kwh is %.15g",
                         in->export_price_flat_cny_per_kwh);
    if ((rc = check_number(ctx, in->demand_charge_cny_per_kw_month,
                           "demand_charge_cny_per_kw_month")) ||
        (rc = check_number(ctx, in->capacity_charge_cny_per_kva_month,
                           "capacity_charge_cny_per_kva_month")) ||
        (rc = check_number(ctx, in->transformer_kva, "transformer_kva")))
        return rc;
    if (in->demand_charge_cny_per_kw_month > 0 && in->capacity_charge_cny_per_kva_month > 0)
        return zp__error(ctx, ZP_EINVAL,
                         "a demand charge (%.15g CNY/kW-month) and a capacity charge (%.15g "
                         "CNY/kVA-month) are both given: a park pays its basic charge on one "
                         "basis; set the other to 0",
                         in->demand_charge_cny_per_kw_month,
                         in->capacity_charge_cny_per_kva_month);
    if (in->capacity_charge_cny_per_kva_month > 0 && !(in->transformer_kva > 0))
        return zp__error(ctx, ZP_EINVAL, "a capacity charge needs transformer_kva (the "
                                         "transformers' kVA)");
    if (in->prorate != ZP_PRORATE_CALENDAR && in->prorate != ZP_PRORATE_30)
        return zp__error(ctx, ZP_EINVAL, "zp_bill_compute: prorate %d is not a zp_prorate",
                         (int)in->prorate);
    if (in->nstorage && !in->storage)
        return zp__error(ctx, ZP_EINVAL, "zp_bill_compute: %zu batteries and no storage array",
                         in->nstorage);
    for (size_t i = 0; i < in->nstorage; i++)
        if ((rc = check_storage(ctx, &in->storage[i], i, n)))
            return rc;
    const zp_green_contract *gc = in->green;
    if (gc) {
        if (!isfinite(gc->premium_cny_per_mwh))
            return zp__error(ctx, ZP_EINVAL, "green contract: premium_cny_per_mwh is %.15g",
                             gc->premium_cny_per_mwh);
        if ((rc = check_number(ctx, gc->mwh_per_month, "green contract mwh_per_month")))
            return rc;
        if ((gc->profile_kw != NULL) == (gc->mwh_per_month > 0))
            return zp__error(ctx, ZP_EINVAL, "green contract: give its energy per month "
                                             "(mwh_per_month) or its profile (profile_kw), "
                                             "one of them");
        if (gc->profile_kw &&
            (rc = check_series(ctx, gc->profile_kw, n, "green contract profile_kw", 1)))
            return rc;
    }
    return ZP_OK;
}

/* ---- months --------------------------------------------------------------- */

static int64_t local_day_of_step(const zp_time_grid *g, size_t i)
{
    return zp__local_day(g->start + (int64_t)i * g->step_s, g->offset_min);
}

/* Year*12 + month-1 of local day d. */
static int64_t month_key(int64_t day)
{
    int64_t y;
    unsigned m, d;
    zp_civil_from_days(day, &y, &m, &d);
    return y * 12 + (m - 1);
}

/* "YYYY-MM" (the year modulo 10000) into out (8 bytes). */
static void month_name(int64_t y, unsigned mo, char out[8])
{
    int64_t yy = y % 10000;
    if (yy < 0)
        yy += 10000;
    for (int i = 3; i >= 0; i--, yy /= 10)
        out[i] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + mo / 10);
    out[6] = (char)('0' + mo % 10);
    out[7] = 0;
}

/* The months of the grid g: their steps, days and fractions (prorate). */
static zp_status make_months(zp_ctx *ctx, const zp_time_grid *g, zp_prorate prorate, zp_bill *b)
{
    size_t n = 0;
    int64_t prev = INT64_MIN;
    for (size_t i = 0; i < g->count; i++) {
        int64_t k = month_key(local_day_of_step(g, i));
        n += k != prev;
        prev = k;
    }
    if (!n)
        return ZP_OK;
    b->months = zp__calloc(ctx, n, sizeof *b->months);
    if (!b->months)
        return zp__nomem(ctx);
    int64_t first_day = local_day_of_step(g, 0);
    int64_t last_day =
        zp__local_day(g->start + (int64_t)g->count * g->step_s - 1, g->offset_min);
    prev = INT64_MIN;
    for (size_t i = 0; i < g->count; i++) {
        int64_t k = month_key(local_day_of_step(g, i));
        if (k != prev) {
            zp_bill_month *m = &b->months[b->nmonths++];
            int64_t y = zp__fdiv(k, 12);
            unsigned mo = (unsigned)(k - y * 12) + 1;
            int64_t d0 = zp_days_from_civil(y, mo, 1);
            int64_t d1 = mo == 12 ? zp_days_from_civil(y + 1, 1, 1) : zp_days_from_civil(y, mo + 1, 1);
            int64_t lo = first_day > d0 ? first_day : d0, hi = last_day < d1 - 1 ? last_day : d1 - 1;
            month_name(y, mo, m->month);
            m->start = g->start + (int64_t)i * g->step_s;
            m->first = i;
            m->days_in_month = (int)(d1 - d0);
            m->days_covered = hi >= lo ? (int)(hi - lo + 1) : 0;
            if (m->days_covered == m->days_in_month)
                m->fraction = 1;
            else if (prorate == ZP_PRORATE_30)
                m->fraction = m->days_covered >= 30 ? 1 : m->days_covered / 30.0;
            else
                m->fraction = (double)m->days_covered / m->days_in_month;
            m->peak_at = m->start;
            prev = k;
        }
        b->months[b->nmonths - 1].steps++;
    }
    return ZP_OK;
}

static void add_cost(zp_bill_breakdown *to, const zp_bill_breakdown *c)
{
    to->energy += c->energy;
    to->demand += c->demand;
    to->capacity += c->capacity;
    to->export_revenue += c->export_revenue;
    to->degradation += c->degradation;
    to->green_power += c->green_power;
    to->total += c->total;
}

/* The green energy contract gc delivers in month m of a park importing
 * import_kw (docs/methodology.md "Green power"): with a profile, each step
 * min(profile, import), written to green_kw (NULL: not kept); else the
 * month's contracted MWh, pro rata by the days of a part month, at most the
 * month's import. kWh. import_kwh: the month's import. */
static double green_month_kwh(const zp_green_contract *gc, const zp_bill_month *m,
                              const double *import_kw, double dt_h, double import_kwh,
                              double *green_kw)
{
    if (gc->profile_kw) {
        double kwh = 0;
        for (size_t i = m->first; i < m->first + m->steps; i++) {
            double g = gc->profile_kw[i] < import_kw[i] ? gc->profile_kw[i] : import_kw[i];
            if (green_kw)
                green_kw[i] = g;
            kwh += g * dt_h;
        }
        return kwh;
    }
    double contracted_kwh = gc->mwh_per_month * 1000.0 * m->days_covered / m->days_in_month;
    return contracted_kwh < import_kwh ? contracted_kwh : import_kwh;
}

/* One month's flows and its part of the bill. */
static void price_month(const zp_bill_input *in, zp_bill *b, zp_bill_month *m)
{
    const double dt_h = in->grid.step_s / 3600.0;
    const zp_green_contract *gc = in->green;
    zp_bill_breakdown *c = &m->cost;
    double green_kwh = 0;
    m->peak_import_kw = -1;
    for (size_t i = m->first; i < m->first + m->steps; i++) {
        double imp = in->import_kw[i];
        double ex = in->export_kw ? in->export_kw[i] : 0;
        double ep = in->export_price_cny_per_kwh ? in->export_price_cny_per_kwh[i]
                                                 : in->export_price_flat_cny_per_kwh;
        m->import_kwh += imp * dt_h;
        m->export_kwh += ex * dt_h;
        c->energy += imp * dt_h * in->price_cny_per_kwh[i];
        c->export_revenue += ex * dt_h * ep;
        if (imp > m->peak_import_kw) {
            m->peak_import_kw = imp;
            m->peak_at = in->grid.start + (int64_t)i * in->grid.step_s;
        }
        for (size_t s = 0; s < in->nstorage; s++) {
            double d_kwh = in->storage[s].discharge_kw[i] * dt_h;
            b->storage[s].discharged_kwh += d_kwh;
            b->storage[s].degradation_cny += d_kwh * in->storage[s].degradation_cny_per_kwh;
            c->degradation += d_kwh * in->storage[s].degradation_cny_per_kwh;
        }
    }
    c->demand = in->demand_charge_cny_per_kw_month * m->peak_import_kw * m->fraction;
    c->capacity = in->capacity_charge_cny_per_kva_month * in->transformer_kva * m->fraction;
    if (gc)
        green_kwh = green_month_kwh(gc, m, in->import_kw, dt_h, m->import_kwh, b->green_kw);
    m->green_mwh = green_kwh / 1000.0;
    c->green_power = gc ? m->green_mwh * gc->premium_cny_per_mwh : 0;
    c->total = c->energy + c->demand + c->capacity - c->export_revenue + c->degradation +
               c->green_power;
}

zp_status zp_bill_compute(zp_ctx *ctx, const zp_bill_input *in, zp_bill **out)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!in || !out)
        return zp__error(ctx, ZP_EINVAL, "zp_bill_compute: NULL argument");
    zp_status rc = check_input(ctx, in);
    if (rc)
        return rc;
    zp_bill *b = zp__calloc(ctx, 1, sizeof *b);
    if (!b)
        return zp__nomem(ctx);
    if (in->nstorage) {
        b->storage = zp__calloc(ctx, in->nstorage, sizeof *b->storage);
        if (!b->storage) {
            rc = zp__nomem(ctx);
            goto fail;
        }
        b->nstorage = in->nstorage;
        for (size_t s = 0; s < in->nstorage; s++)
            if (in->storage[s].name &&
                !(b->storage[s].name = zp__strdup(ctx, in->storage[s].name))) {
                rc = zp__nomem(ctx);
                goto fail;
            }
    }
    if ((rc = make_months(ctx, &in->grid, in->prorate, b)))
        goto fail;
    if (in->green && in->green->profile_kw &&
        !(b->green_kw = zp__calloc(ctx, in->grid.count ? in->grid.count : 1, sizeof *b->green_kw))) {
        rc = zp__nomem(ctx);
        goto fail;
    }
    b->hours = (double)in->grid.count * in->grid.step_s / 3600.0;
    for (size_t k = 0; k < b->nmonths; k++) {
        zp_bill_month *m = &b->months[k];
        price_month(in, b, m);
        add_cost(&b->cost, &m->cost);
        b->import_kwh += m->import_kwh;
        b->export_kwh += m->export_kwh;
        b->green_mwh += m->green_mwh;
    }
    for (size_t s = 0; s < in->nstorage; s++) {
        const zp_bill_storage *st = &in->storage[s];
        zp_bill_wear *w = &b->storage[s];
        double eff = st->discharge_efficiency > 0 ? st->discharge_efficiency : 1;
        double eol = st->end_of_life_soh > 0 ? st->end_of_life_soh : DEFAULT_EOL_SOH;
        w->cycles = st->usable_kwh > 0 ? w->discharged_kwh / (st->usable_kwh * eff) : NAN;
        w->cycles_per_year = b->hours > 0 ? w->cycles * HOURS_PER_YEAR / b->hours : NAN;
        w->fade_per_year = st->cycle_life > 0 ? w->cycles_per_year * (1 - eol) / st->cycle_life
                                              : NAN;
    }
    *out = b;
    return ZP_OK;
fail:
    zp_bill_free(ctx, b);
    return rc;
}

zp_status zp_bill_months(zp_ctx *ctx, const zp_time_grid *g, zp_prorate prorate,
                         uint16_t *month_of_step, double **fraction, size_t *nmonths)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!g || !nmonths)
        return zp__error(ctx, ZP_EINVAL, "zp_bill_months: NULL argument");
    if (g->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "zp_bill_months: step %d s is not positive",
                         (int)g->step_s);
    if (prorate != ZP_PRORATE_CALENDAR && prorate != ZP_PRORATE_30)
        return zp__error(ctx, ZP_EINVAL, "zp_bill_months: prorate %d is not a zp_prorate",
                         (int)prorate);
    zp_bill b;
    memset(&b, 0, sizeof b);
    zp_status rc = make_months(ctx, g, prorate, &b);
    if (rc)
        return rc;
    if (b.nmonths > UINT16_MAX) {
        zp__free(ctx, b.months);
        return zp__error(ctx, ZP_EINVAL, "zp_bill_months: %zu months; at most %u", b.nmonths,
                         (unsigned)UINT16_MAX);
    }
    double *f = NULL;
    if (fraction && !(f = zp__calloc(ctx, b.nmonths ? b.nmonths : 1, sizeof *f))) {
        zp__free(ctx, b.months);
        return zp__nomem(ctx);
    }
    for (size_t k = 0; k < b.nmonths; k++) {
        const zp_bill_month *m = &b.months[k];
        if (f)
            f[k] = m->fraction;
        for (size_t i = m->first; month_of_step && i < m->first + m->steps; i++)
            month_of_step[i] = (uint16_t)k;
    }
    if (fraction)
        *fraction = f;
    *nmonths = b.nmonths;
    zp__free(ctx, b.months);
    return ZP_OK;
}

zp_status zp_green_delivered(zp_ctx *ctx, const zp_time_grid *g, const double *import_kw,
                             const zp_green_contract *gc, double *green_kw, double *mwh)
{
    if (!ctx)
        return ZP_EINVAL;
    if (!g || !import_kw || !gc || !mwh)
        return zp__error(ctx, ZP_EINVAL, "zp_green_delivered: NULL argument");
    if (g->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "zp_green_delivered: step %d s is not positive",
                         (int)g->step_s);
    zp_status rc;
    if ((rc = check_series(ctx, import_kw, g->count, "import_kw", 1)) ||
        (rc = check_number(ctx, gc->mwh_per_month, "green contract mwh_per_month")) ||
        (gc->profile_kw &&
         (rc = check_series(ctx, gc->profile_kw, g->count, "green contract profile_kw", 1))))
        return rc;
    zp_bill b;
    memset(&b, 0, sizeof b);
    if ((rc = make_months(ctx, g, ZP_PRORATE_CALENDAR, &b)))
        return rc;
    const double dt_h = g->step_s / 3600.0;
    if (green_kw)
        memset(green_kw, 0, g->count * sizeof *green_kw);
    double kwh = 0;
    for (size_t k = 0; k < b.nmonths; k++) {
        const zp_bill_month *m = &b.months[k];
        double imp = 0;
        for (size_t i = m->first; i < m->first + m->steps; i++)
            imp += import_kw[i] * dt_h;
        kwh += green_month_kwh(gc, m, import_kw, dt_h, imp, green_kw);
    }
    zp__free(ctx, b.months);
    *mwh = kwh / 1000.0;
    return ZP_OK;
}

void zp_bill_free(zp_ctx *ctx, zp_bill *b)
{
    if (!b)
        return;
    for (size_t s = 0; s < b->nstorage; s++)
        zp__free(ctx, b->storage[s].name);
    zp__free(ctx, b->storage);
    zp__free(ctx, b->months);
    zp__free(ctx, b->green_kw);
    zp__free(ctx, b);
}
