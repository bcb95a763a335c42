/*
 * devsim.c - the device simulator (devsim.h): a libmodbus TCP server whose
 * registers follow the park's simulation.
 *
 * One thread: poll() over the listening socket and the clients. Before
 * requests are answered the registers are brought to the current simulated
 * time (at most every 50 ms of wall time), so one request sees one
 * consistent instant. The unit id of a request picks the device's register
 * mapping; libmodbus answers from it (and raises ILLEGAL DATA ADDRESS
 * outside it). Scale factors are fixed at start from each point's largest
 * value over the period, so a value and its scale factor never disagree
 * even when read in separate requests.
 */
#define _GNU_SOURCE
#include "devsim.h"

#include <errno.h>
#include <math.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"


#define MAX_CLIENTS 1000

typedef enum qkind {
    Q_NONE = 0, Q_PV, Q_WIND, Q_STOR_P, Q_STOR_SOC, Q_LOAD, Q_DC, Q_GRID_IMP, Q_GRID_EXP, Q_GRID_NET
} qkind;

typedef enum role {
    R_FEED = 0,   /* the point's quantity (or the primary SunSpec point) */
    R_ENERGY,     /* inverter WH: integral of the primary point */
    R_IMPORT,     /* meter TotWhImp: integral of the positive part */
    R_EXPORT,     /* meter TotWhExp: integral of the negative part */
    R_CURRENT, R_VOLTAGE, R_FREQ, R_DCPOWER, R_TEMP, R_INV_STATE,
    R_MAXCHARGE, R_MINRESERVE, R_BATV, R_CHAST, R_STORCTL, R_OUTRATE, R_INRATE,
    R_SETPOINT,   /* the writable point */
    R_ZERO        /* served as 0 */
} role;

typedef struct spoint {
    const zs_point *p;
    role r;
    qkind q;       /* the quantity (R_FEED, and the primary for derived roles) */
    size_t k;      /* asset index */
    double share;  /* 1 / points feeding the same additive quantity */
    int sf;        /* scale factor served (points with sf_address) */
    double bound;  /* largest value served (point_bound, computed once) */
    double acc;    /* energy accumulator, kWh */
} spoint;

typedef struct sdev {
    const zs_device *d;
    modbus_mapping_t *map;
    int start, count;        /* register range served */
    spoint *pt;
    size_t npt;
    int primary;             /* index of the point feeding (R_FEED with q), -1 */
    int three_phase;
    /* battery */
    long stor;               /* storage index, -1 */
    int native124;           /* a 124 battery controlled through StorCtl_Mod/InWRte/OutWRte */
} sdev;

typedef struct battery {
    double soc;              /* live state of charge */
    double power_kw;         /* live power, + = discharge */
    double planned_kw;       /* the simulation's power this step */
    int controlled;
    double setpoint_kw;
} battery;

struct zs_devsim {
    zp_ctx *ctx;
    const zp_model *m;
    const zs_devices *devs;
    zs_devsim_opts o;
    zp_sim_result *res;
    sdev *dev;
    size_t ndev;
    sdev *by_unit[256];
    battery *bat;            /* m->nstorage */
    modbus_t *mb;
    int listen_fd;
    int port;
    double wall0;            /* monotonic seconds at t0 */
    zp_time_t t0;            /* simulated time at wall0 */
    double last_sim;         /* simulated time of the last update (s, fractional) */
    double last_update_wall;
    uint64_t requests, writes, refused;
};

void zs_devsim_opts_init(zs_devsim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->speed = 1;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void logf_(zs_devsim *s, const char *fmt, ...) ZP_PRINTF(2, 3);
static void logf_(zs_devsim *s, const char *fmt, ...)
{
    char line[512], tbuf[ZP_TIME_BUFSIZE];
    va_list ap;
    if (!s->o.log)
        return;
    int n = snprintf(line, sizeof line, "ts=%s ", zp_time_format((zp_time_t)time(NULL), 0, tbuf));
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    s->o.log(s->o.log_ud, line);
}

/* ---- quantities ------------------------------------------------------------- */

/* Index of the asset whose name is the nlen bytes at name, or -1. */
#define FIND(arr, cnt, key, klen, out)                                                      \
    do {                                                                                     \
        (out) = -1;                                                                          \
        for (size_t i_ = 0; i_ < (cnt); i_++)                                                \
            if ((arr)[i_].name && strlen((arr)[i_].name) == (klen) &&                         \
                strncmp((arr)[i_].name, (key), (klen)) == 0) {                               \
                (out) = (long)i_;                                                            \
                break;                                                                       \
            }                                                                                \
    } while (0)

/* The quantity f feeds (zs_feed_parse) and, for one of an asset, the
 * asset's index in the model (*k); Q_NONE for a quantity the simulation
 * has not. */
static qkind parse_feeds(const zp_model *m, const char *f, size_t *k)
{
    static const qkind of[] = {
        [ZS_FEED_NONE] = Q_NONE,          [ZS_FEED_PV] = Q_PV,
        [ZS_FEED_WIND] = Q_WIND,          [ZS_FEED_STORAGE_POWER] = Q_STOR_P,
        [ZS_FEED_STORAGE_SOC] = Q_STOR_SOC, [ZS_FEED_LOAD] = Q_LOAD,
        [ZS_FEED_DC_IT] = Q_DC,           [ZS_FEED_DC_FACILITY] = Q_NONE,
        [ZS_FEED_GRID_IMPORT] = Q_GRID_IMP, [ZS_FEED_GRID_EXPORT] = Q_GRID_EXP,
        [ZS_FEED_GRID_NET] = Q_GRID_NET};
    char asset[128];
    long i = 0;
    *k = 0;
    zs_feed_kind fk = f ? zs_feed_parse(f, asset, sizeof asset) : ZS_FEED_NONE;
    switch (fk) {
    case ZS_FEED_PV: FIND(m->pv, m->npv, asset, strlen(asset), i); break;
    case ZS_FEED_WIND: FIND(m->wind, m->nwind, asset, strlen(asset), i); break;
    case ZS_FEED_LOAD: FIND(m->loads, m->nloads, asset, strlen(asset), i); break;
    case ZS_FEED_STORAGE_POWER:
    case ZS_FEED_STORAGE_SOC: FIND(m->storage, m->nstorage, asset, strlen(asset), i); break;
    case ZS_FEED_DC_IT: i = m->datacenter.present ? 0 : -1; break;
    default: break;
    }
    if (i < 0)
        return Q_NONE;
    *k = (size_t)i;
    return of[fk];
}

/* Step of the simulation at simulated time t (wrapping around the period). */
static size_t step_at(const zp_sim_result *r, double t)
{
    double len = (double)r->steps * r->step_s;
    double off = fmod(t - (double)r->start, len);
    if (off < 0)
        off += len;
    size_t i = (size_t)(off / r->step_s);
    return i < r->steps ? i : r->steps - 1;
}

static double planned_storage_kw(const zp_sim_result *r, size_t k, size_t i)
{
    return r->flows->storage[k].discharge_kw[i] - r->flows->storage[k].charge_kw[i];
}

/* Value of quantity q at step i; bat = live batteries (NULL: as simulated). */
static double quantity(const zs_devsim *s, qkind q, size_t k, size_t i, const battery *bat)
{
    const zp_sim_result *r = s->res;
    double net;
    switch (q) {
    case Q_PV: return r->pv_array_kw[k][i];
    case Q_WIND: return r->wind_farm_kw[k][i];
    case Q_LOAD: return r->load_kw[k][i];
    case Q_DC: return r->dc_it_kw ? r->dc_it_kw[i] : 0;
    case Q_STOR_P: return bat ? bat[k].power_kw : planned_storage_kw(r, k, i);
    case Q_STOR_SOC: return bat ? bat[k].soc : r->flows->storage[k].soc[i];
    case Q_GRID_IMP:
    case Q_GRID_EXP:
    case Q_GRID_NET:
        net = r->flows->grid_import_kw[i] - r->flows->grid_export_kw[i];
        /* the grid makes up what a battery does differently from the plan */
        if (bat)
            for (size_t j = 0; j < s->m->nstorage; j++)
                net += planned_storage_kw(r, j, i) - bat[j].power_kw;
        if (q == Q_GRID_NET)
            return net;
        return q == Q_GRID_IMP ? fmax(net, 0) : fmax(-net, 0);
    default: return 0;
    }
}

double zs_devsim_quantity(const zs_devsim *s, const char *feeds, zp_time_t t)
{
    size_t k;
    qkind q = parse_feeds(s->m, feeds, &k);
    if (q == Q_NONE)
        return NAN;
    return quantity(s, q, k, step_at(s->res, (double)t), NULL);
}

/* Largest |value| of quantity q over the period (as simulated), with room
 * for what batteries may do differently. */
static double quantity_bound(const zs_devsim *s, qkind q, size_t k)
{
    double b = 0, batt = 0;
    for (size_t j = 0; j < s->m->nstorage; j++)
        batt += 2 * s->m->storage[j].power_kw;
    if (q == Q_STOR_P)
        return s->m->storage[k].power_kw;
    if (q == Q_STOR_SOC)
        return 1;
    for (size_t i = 0; i < s->res->steps; i++)
        b = fmax(b, fabs(quantity(s, q, k, i, NULL)));
    if (q == Q_GRID_IMP || q == Q_GRID_EXP || q == Q_GRID_NET)
        b += batt;
    return b;
}

/* ---- layout ---------------------------------------------------------------------- */

static role sunspec_role(const char *model, const char *name)
{
    static const struct {
        const char *name;
        role r;
    } t[] = {{"ac_power_kw", R_FEED}, {"power_kw", R_FEED}, {"soc", R_FEED},
             {"energy_kwh", R_ENERGY}, {"import_kwh", R_IMPORT}, {"export_kwh", R_EXPORT},
             {"current_a", R_CURRENT}, {"voltage_v", R_VOLTAGE}, {"frequency_hz", R_FREQ},
             {"dc_power_kw", R_DCPOWER}, {"cabinet_temp_c", R_TEMP}, {"state", R_INV_STATE},
             {"max_charge_kw", R_MAXCHARGE}, {"min_reserve_pct", R_MINRESERVE},
             {"battery_v", R_BATV}, {"charge_status", R_CHAST}, {"control_mode", R_STORCTL},
             {"discharge_rate_pct", R_OUTRATE}, {"charge_rate_pct", R_INRATE}};
    (void)model;
    for (size_t i = 0; i < ZP_ARRAY_LEN(t); i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].r;
    return R_ZERO;
}

static double type_max(zs_reg_type t)
{
    switch (t) {
    case ZS_REG_INT16: return 32767;
    case ZS_REG_UINT16: return 65535;
    case ZS_REG_INT32: return 2147483647.0;
    case ZS_REG_UINT32: return 4294967295.0;
    default: return 1e30;
    }
}

/* Largest value a point will serve (engineering units). */
static double point_bound(const zs_devsim *s, const sdev *sd, const spoint *sp)
{
    double pw = sd->primary >= 0 ? quantity_bound(s, sd->pt[sd->primary].q, sd->pt[sd->primary].k) *
                                       sd->pt[sd->primary].share
                                 : 0;
    double hours = (double)s->res->steps * s->res->step_h;
    const zp_storage *st = sd->stor >= 0 ? &s->m->storage[sd->stor] : NULL;
    switch (sp->r) {
    case R_FEED: return sp->q == Q_NONE ? 0 : quantity_bound(s, sp->q, sp->k) * sp->share;
    case R_ENERGY:
    case R_IMPORT:
    case R_EXPORT: return pw * hours * 4 + 1; /* several laps of the period */
    case R_CURRENT: return pw * 1000 / 230 + 1;
    case R_VOLTAGE: return 400;
    case R_FREQ: return 60;
    case R_DCPOWER: return pw / 0.97;
    case R_TEMP: return 100;
    case R_MAXCHARGE: return st ? st->power_kw : 0;
    case R_MINRESERVE:
    case R_OUTRATE:
    case R_INRATE: return 100;
    case R_BATV: return 1000;
    case R_SETPOINT: return fmax(fabs(sd->d->setpoint_min_kw), fabs(sd->d->setpoint_max_kw));
    default: return 10;
    }
}

/* SunSpec strings: two ASCII characters a register, high byte first,
 * NUL-padded. */
static void put_string(uint16_t *regs, int nregs, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    for (int i = 0; i < nregs; i++) {
        size_t a = (size_t)i * 2, b = a + 1;
        unsigned hi = a < len ? (unsigned char)s[a] : 0;
        unsigned lo = b < len ? (unsigned char)s[b] : 0;
        regs[i] = (uint16_t)(hi << 8 | lo);
    }
}

/* Fill a SunSpec block's fixed registers (marker, common model with
 * manufacturer, model and serial strings, model header, end marker) into
 * regs, which holds zp_sunspec_block_size(model) registers (the rest are
 * zeroed). */
static void sunspec_fill_block(const char *model, const char *manufacturer,
                               const char *device_model, const char *serial, uint16_t *regs)
{
    int size = zp_sunspec_block_size(model), len = 0;
    if (!size)
        return;
    zp_sunspec_map(model, NULL, &len);
    memset(regs, 0, (size_t)size * sizeof *regs);
    regs[0] = 0x5375; /* "Su" */
    regs[1] = 0x6e53; /* "nS" */
    uint16_t *c = regs + ZP_SUNSPEC_COMMON_AT;
    c[0] = 1;
    c[1] = 66;
    put_string(c + 2, 16, manufacturer);
    put_string(c + 18, 16, device_model);
    put_string(c + 34, 8, "");
    put_string(c + 42, 8, "1.0");
    put_string(c + 50, 16, serial);
    c[66] = 1; /* DA: device address */
    c[67] = 0x8000;
    uint16_t *m = regs + ZP_SUNSPEC_MODEL_AT;
    int id = 0;
    for (const char *p = model; *p; p++)
        id = id * 10 + (*p - '0');
    m[0] = (uint16_t)id;
    m[1] = (uint16_t)len;
    regs[size - 2] = 0xFFFF;
    regs[size - 1] = 0;
}

static zp_status layout(zs_devsim *s, sdev *sd, const zs_device *d)
{
    zp_ctx *ctx = s->ctx;
    int lo = 65536, hi = -1;
    sd->d = d;
    sd->primary = -1;
    sd->stor = -1;
    sd->three_phase = strcmp(d->sunspec, "103") == 0 || strcmp(d->sunspec, "203") == 0;
    if (d->storage[0])
        for (size_t j = 0; j < s->m->nstorage; j++)
            if (strcmp(s->m->storage[j].name, d->storage) == 0)
                sd->stor = (long)j;
    sd->native124 = sd->stor >= 0 && strcmp(d->sunspec, "124") == 0;
    for (size_t i = 0; i < d->npoints; i++)
        if (d->points[i].writable)
            sd->native124 = 0;
    sd->pt = calloc(d->npoints + 1, sizeof *sd->pt);
    if (!sd->pt)
        return zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
    sd->npt = d->npoints;
    for (size_t i = 0; i < d->npoints; i++) {
        const zs_point *p = &d->points[i];
        spoint *sp = &sd->pt[i];
        sp->p = p;
        sp->share = 1;
        sp->r = p->writable ? R_SETPOINT : (p->sunspec_na ? sunspec_role(d->sunspec, p->name) : R_FEED);
        sp->q = parse_feeds(s->m, p->feeds, &sp->k);
        if (sp->r == R_FEED && sp->q == Q_NONE && !p->sunspec_na)
            sp->r = R_ZERO;
        if (sp->r == R_FEED && sp->q != Q_NONE && sd->primary < 0)
            sd->primary = (int)i;
        int end = p->address + zp_reg_count(p->type);
        if (p->address < lo)
            lo = p->address;
        if (end > hi)
            hi = end;
        if (p->sf_address >= 0) {
            if (p->sf_address < lo)
                lo = p->sf_address;
            if (p->sf_address + 1 > hi)
                hi = p->sf_address + 1;
        }
    }
    if (d->sunspec[0]) {
        int b = d->base_address, e = b + zp_sunspec_block_size(d->sunspec);
        if (b < lo)
            lo = b;
        if (e > hi)
            hi = e;
    }
    if (hi < 0)
        return zp_ctx_set_error(ctx, ZP_EMODEL, "device %s has no registers to serve", d->name);
    sd->start = lo;
    sd->count = hi - lo;
    sd->map = modbus_mapping_new_start_address(0, 0, 0, 0, (unsigned)lo, (unsigned)(hi - lo), 0, 0);
    if (!sd->map)
        return zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
    if (d->sunspec[0]) {
        int n = zp_sunspec_block_size(d->sunspec);
        uint16_t *blk = calloc((size_t)n, sizeof *blk);
        char md[32];
        if (!blk)
            return zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
        snprintf(md, sizeof md, "sim-%s", d->sunspec);
        sunspec_fill_block(d->sunspec, "zeropark", md, d->name, blk);
        memcpy(sd->map->tab_registers + (d->base_address - lo), blk, (size_t)n * sizeof *blk);
        free(blk);
    }
    return ZP_OK;
}

/* After every device is laid out: shares of additive quantities, and the
 * scale factors. */
static void finish_layout(zs_devsim *s)
{
    for (size_t a = 0; a < s->ndev; a++)
        for (size_t i = 0; i < s->dev[a].npt; i++) {
            spoint *sp = &s->dev[a].pt[i];
            if (sp->r != R_FEED || sp->q == Q_NONE || sp->q == Q_STOR_SOC)
                continue;
            size_t n = 0;
            for (size_t b = 0; b < s->ndev; b++)
                for (size_t j = 0; j < s->dev[b].npt; j++) {
                    const spoint *o = &s->dev[b].pt[j];
                    n += o->r == R_FEED && o->q == sp->q && o->k == sp->k;
                }
            sp->share = n ? 1.0 / (double)n : 1;
        }
    for (size_t a = 0; a < s->ndev; a++) {
        sdev *sd = &s->dev[a];
        for (size_t i = 0; i < sd->npt; i++)
            sd->pt[i].bound = point_bound(s, sd, &sd->pt[i]);
        for (size_t i = 0; i < sd->npt; i++) {
            spoint *sp = &sd->pt[i];
            if (sp->p->sf_address < 0)
                continue;
            /* the smallest sf from -2 up that holds the bound */
            double raw = sp->bound / fabs(sp->p->scale);
            int sf = -2;
            while (sf < 10 && raw / pow(10.0, sf) > type_max(sp->p->type) * 0.95)
                sf++;
            sp->sf = sf;
        }
        /* points sharing a scale-factor register take the largest */
        for (size_t i = 0; i < sd->npt; i++)
            for (size_t j = 0; j < sd->npt; j++)
                if (sd->pt[i].p->sf_address >= 0 && sd->pt[j].p->sf_address == sd->pt[i].p->sf_address &&
                    sd->pt[j].sf > sd->pt[i].sf)
                    sd->pt[i].sf = sd->pt[j].sf;
        for (size_t i = 0; i < sd->npt; i++)
            if (sd->pt[i].p->sf_address >= 0)
                sd->map->tab_registers[sd->pt[i].p->sf_address - sd->start] =
                    (uint16_t)(int16_t)sd->pt[i].sf;
    }
}

/* ---- time and values -------------------------------------------------------------- */

zp_time_t zs_devsim_now(const zs_devsim *s)
{
    return s->t0 + (zp_time_t)floor(s->o.speed * (mono_s() - s->wall0));
}

static void put_point(sdev *sd, const spoint *sp, double v)
{
    uint16_t regs[2];
    const zs_point *p = sp->p;
    int sf = p->sf_address >= 0 ? sp->sf : 0;
    if (!isfinite(v))
        v = 0;
    if (zs_point_encode(p, v, sf, regs) < 0) {
        /* out of the register's range: serve the nearest it holds */
        double m = type_max(p->type) * fabs(p->scale) * pow(10.0, sf);
        double lo = (p->type == ZS_REG_UINT16 || p->type == ZS_REG_UINT32) ? 0 : -m;
        if (zs_point_encode(p, v > 0 ? m : lo, sf, regs) < 0)
            return;
    }
    sd->map->tab_registers[p->address - sd->start] = regs[0];
    if (zp_reg_count(p->type) == 2)
        sd->map->tab_registers[p->address + 1 - sd->start] = regs[1];
}

/* Advance batteries to simulated time t and rewrite every register. */
static void update(zs_devsim *s, double t)
{
    const zp_sim_result *r = s->res;
    size_t i = step_at(r, t);
    double dt_h = (t - s->last_sim) / 3600.0;
    if (dt_h < 0)
        dt_h = 0;
    for (size_t k = 0; k < s->m->nstorage; k++) {
        battery *b = &s->bat[k];
        const zp_storage *st = &s->m->storage[k];
        b->planned_kw = planned_storage_kw(r, k, i);
        if (!b->controlled) {
            b->power_kw = b->planned_kw;
            b->soc = r->flows->storage[k].soc[i];
            continue;
        }
        double p = fmax(-st->power_kw, fmin(st->power_kw, b->setpoint_kw));
        if (dt_h > 0) {
            if (p > 0) {
                double room = (b->soc - st->soc_min) * st->energy_kwh * st->discharge_efficiency;
                if (p * dt_h > room)
                    p = fmax(room, 0) / dt_h;
                b->soc -= p * dt_h / (st->discharge_efficiency * st->energy_kwh);
            } else if (p < 0) {
                double room = (st->soc_max - b->soc) * st->energy_kwh / st->charge_efficiency;
                if (-p * dt_h > room)
                    p = -fmax(room, 0) / dt_h;
                b->soc += -p * dt_h * st->charge_efficiency / st->energy_kwh;
            }
            b->soc = fmin(st->soc_max, fmax(st->soc_min, b->soc));
        } else if ((p > 0 && b->soc <= st->soc_min) || (p < 0 && b->soc >= st->soc_max)) {
            p = 0; /* time stands still: only an empty or full battery limits it */
        }
        b->power_kw = p;
    }
    for (size_t a = 0; a < s->ndev; a++) {
        sdev *sd = &s->dev[a];
        const spoint *pp = sd->primary >= 0 ? &sd->pt[sd->primary] : NULL;
        double pw = pp ? quantity(s, pp->q, pp->k, i, s->bat) * pp->share : 0;
        const zp_storage *st = sd->stor >= 0 ? &s->m->storage[sd->stor] : NULL;
        const battery *b = sd->stor >= 0 ? &s->bat[sd->stor] : NULL;
        for (size_t j = 0; j < sd->npt; j++) {
            spoint *sp = &sd->pt[j];
            double v = 0;
            switch (sp->r) {
            case R_FEED: v = sp->q == Q_NONE ? 0 : quantity(s, sp->q, sp->k, i, s->bat) * sp->share; break;
            case R_ENERGY: sp->acc += fmax(pw, 0) * dt_h; v = sp->acc; break;
            case R_IMPORT: sp->acc += fmax(pw, 0) * dt_h; v = sp->acc; break;
            case R_EXPORT: sp->acc += fmax(-pw, 0) * dt_h; v = sp->acc; break;
            case R_CURRENT:
                v = fabs(pw) * 1000 / (sd->three_phase ? sqrt(3.0) * 400 : 230);
                break;
            case R_VOLTAGE: v = 230; break;
            case R_FREQ: v = 50; break;
            case R_DCPOWER: v = fmax(pw, 0) / 0.97; break;
            case R_TEMP: v = 25 + 20 * (pp ? fabs(pw) / fmax(1e-9, pp->bound) : 0); break;
            case R_INV_STATE: v = pw > 0 ? 4 : 2; break; /* MPPT, SLEEPING */
            case R_MAXCHARGE: v = st ? st->power_kw : 0; break;
            case R_MINRESERVE: v = st ? st->soc_min * 100 : 0; break;
            case R_BATV: v = 800; break;
            case R_CHAST: /* 124 ChaSt: 2 EMPTY, 3 DISCHARGING, 4 CHARGING, 5 FULL, 6 HOLDING */
                if (!b)
                    v = 1;
                else if (b->power_kw > 0)
                    v = 3;
                else if (b->power_kw < 0)
                    v = 4;
                else
                    v = b->soc <= st->soc_min + 1e-9 ? 2 : (b->soc >= st->soc_max - 1e-9 ? 5 : 6);
                break;
            case R_STORCTL:
            case R_OUTRATE:
            case R_INRATE:
                if (sd->native124 && b && b->controlled)
                    continue; /* they hold what was written */
                if (sp->r == R_STORCTL)
                    v = b ? (b->power_kw < 0 ? 1 : (b->power_kw > 0 ? 2 : 0)) : 0;
                else if (sp->r == R_OUTRATE)
                    v = b && st ? fmax(b->power_kw, 0) / st->power_kw * 100 : 0;
                else
                    v = b && st ? fmax(-b->power_kw, 0) / st->power_kw * 100 : 0;
                break;
            case R_SETPOINT:
                if (b && !b->controlled)
                    v = fmax(sd->d->setpoint_min_kw, fmin(sd->d->setpoint_max_kw, b->planned_kw));
                else
                    continue; /* holds what was written */
                break;
            default: v = 0; break;
            }
            put_point(sd, sp, v);
        }
    }
    s->last_sim = t;
}

/* ---- requests ---------------------------------------------------------------------- */

/* SunSpec 124 controls (offsets from the model ID register). */
enum { S124_STORCTL = 5, S124_OUTWRTE = 12, S124_INWRTE = 13 };

static const spoint *find_point(const sdev *sd, const char *name)
{
    for (size_t j = 0; j < sd->npt; j++)
        if (strcmp(sd->pt[j].p->name, name) == 0)
            return &sd->pt[j];
    return NULL;
}

/* The setpoint (kW) that SunSpec 124 controls ask for: StorCtl_Mod bit 1
 * discharges at OutWRte, bit 0 charges at InWRte, rates in % of WChaMax.
 * Returns 0, or -1 when a value is out of its range. */
static int native_setpoint(const zs_devsim *s, const sdev *sd, uint16_t mode, uint16_t out,
                           uint16_t in, double *kw)
{
    const spoint *rate = find_point(sd, "discharge_rate_pct");
    double wmax = s->m->storage[sd->stor].power_kw;
    double step = rate ? pow(10.0, rate->sf) : 1;
    double o = (int16_t)out * step, i = (int16_t)in * step;
    if (mode > 3 || o < 0 || o > 100 || i < 0 || i > 100)
        return -1;
    *kw = ((mode & 2) ? o : 0) / 100 * wmax - ((mode & 1) ? i : 0) / 100 * wmax;
    return 0;
}

/* A write request: every register written must belong to one writable
 * point (or be one of a SunSpec 124 battery's controls), and a setpoint
 * must stay within the device's limits. Returns 0 to let libmodbus apply
 * it, else the exception code to answer with. *target is the point, or
 * NULL for 124 controls. */
static int check_write(zs_devsim *s, sdev *sd, const uint8_t *req, int len, double *setpoint,
                       const spoint **target)
{
    int hl = 7, fn = req[hl];
    int addr, n;
    const uint8_t *vals;
    *target = NULL;
    if (fn == MODBUS_FC_WRITE_SINGLE_REGISTER) {
        if (len < hl + 5)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        addr = req[hl + 1] << 8 | req[hl + 2];
        n = 1;
        vals = req + hl + 3;
    } else {
        if (len < hl + 6)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        addr = req[hl + 1] << 8 | req[hl + 2];
        n = req[hl + 3] << 8 | req[hl + 4];
        vals = req + hl + 6;
        if (n < 1 || n > 123 || len < hl + 6 + 2 * n)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
    }
    double lo = sd->d->setpoint_min_kw, hi = sd->d->setpoint_max_kw, v;
    if (sd->native124) {
        int at = sd->d->base_address + ZP_SUNSPEC_MODEL_AT;
        uint16_t *tab = sd->map->tab_registers - sd->start;
        uint16_t r[3] = {tab[at + S124_STORCTL], tab[at + S124_OUTWRTE], tab[at + S124_INWRTE]};
        for (int k = 0; k < n; k++) {
            int a = addr + k;
            uint16_t w = (uint16_t)(vals[2 * k] << 8 | vals[2 * k + 1]);
            if (a == at + S124_STORCTL)
                r[0] = w;
            else if (a == at + S124_OUTWRTE)
                r[1] = w;
            else if (a == at + S124_INWRTE)
                r[2] = w;
            else
                return MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
        }
        if (native_setpoint(s, sd, r[0], r[1], r[2], &v) != 0 || v < lo - 1e-9 || v > hi + 1e-9)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        *setpoint = v;
        return 0;
    }
    const spoint *sp = NULL;
    for (size_t j = 0; j < sd->npt && !sp; j++) {
        const zs_point *p = sd->pt[j].p;
        if (p->writable && addr >= p->address && addr < p->address + zp_reg_count(p->type))
            sp = &sd->pt[j];
    }
    if (!sp || addr + n > sp->p->address + zp_reg_count(sp->p->type))
        return MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
    *target = sp;
    /* the setpoint as it would read after the write */
    const zs_point *p = sp->p;
    uint16_t regs[2];
    regs[0] = sd->map->tab_registers[p->address - sd->start];
    regs[1] = zp_reg_count(p->type) == 2 ? sd->map->tab_registers[p->address + 1 - sd->start] : 0;
    for (int a = addr; a < addr + n; a++)
        regs[a - p->address] = (uint16_t)(vals[2 * (a - addr)] << 8 | vals[2 * (a - addr) + 1]);
    if (zs_point_decode(p, regs, p->sf_address >= 0 ? sp->sf : 0, &v) != 0)
        return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
    lo = fmax(p->min, lo);
    hi = fmin(p->max, hi);
    if (v < lo - 1e-9 || v > hi + 1e-9)
        return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
    *setpoint = v;
    return 0;
}

static int handle(zs_devsim *s, const uint8_t *req, int len)
{
    int unit = req[6], fn = req[7];
    sdev *sd = s->by_unit[unit];
    s->requests++;
    if (!sd)
        return modbus_reply_exception(s->mb, req, MODBUS_EXCEPTION_GATEWAY_TARGET);
    if (fn == MODBUS_FC_WRITE_SINGLE_REGISTER || fn == MODBUS_FC_WRITE_MULTIPLE_REGISTERS) {
        double v = 0;
        const spoint *sp;
        int ex = check_write(s, sd, req, len, &v, &sp);
        if (ex) {
            s->refused++;
            logf_(s, "level=warn msg=\"write refused\" device=%s unit=%d exception=%d", sd->d->name,
                  unit, ex);
            return modbus_reply_exception(s->mb, req, ex);
        }
        int rc = modbus_reply(s->mb, req, len, sd->map);
        s->writes++;
        if (sd->stor >= 0) {
            battery *b = &s->bat[sd->stor];
            b->controlled = 1;
            b->setpoint_kw = v;
        }
        logf_(s, "level=info msg=setpoint device=%s unit=%d point=%s value=%.6g", sd->d->name, unit,
              sp ? sp->p->name : "sunspec124", v);
        return rc;
    }
    if (fn != MODBUS_FC_READ_HOLDING_REGISTERS)
        return modbus_reply_exception(s->mb, req, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
    return modbus_reply(s->mb, req, len, sd->map);
}

/* ---- life cycle ----------------------------------------------------------------------- */

/* "now" moved into the model period: the same time of year. */
static zp_time_t default_start(const zp_model *m)
{
    zp_time_t now = (zp_time_t)time(NULL);
    zp_time_t len = m->end - m->start;
    if (len <= 0)
        return m->start;
    zp_time_t t = now;
    const zp_time_t year = 365 * 86400;
    while (t >= m->end)
        t -= year;
    while (t < m->start)
        t += year;
    if (t >= m->end)
        t = m->start;
    return t;
}

zp_status zs_devsim_new(zp_ctx *ctx, const zp_model *m, const zs_devices *devs,
                        const zs_devsim_opts *o, zs_devsim **out)
{
    zs_devsim *s;
    zp_sim_opts so;
    zp_status rc;
    char hostbuf[64];

    if (!ctx || !m || !devs || !out)
        return ZP_EINVAL;
    *out = NULL;
    s = calloc(1, sizeof *s);
    if (!s)
        return zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
    s->ctx = ctx;
    s->m = m;
    s->devs = devs;
    s->listen_fd = -1;
    if (o)
        s->o = *o;
    else
        zs_devsim_opts_init(&s->o);
    if (!s->o.host || !s->o.host[0])
        s->o.host = "127.0.0.1";
    if (!(s->o.speed >= 0 && s->o.speed <= 1e7)) {
        rc = zp_ctx_set_error(ctx, ZP_EINVAL, "speed %.6g is out of range 0..1e7", s->o.speed);
        goto fail;
    }
    snprintf(hostbuf, sizeof hostbuf, "%s", s->o.host);

    zp_sim_opts_init(&so);
    rc = zp_simulate(ctx, m, &so, &s->res);
    if (rc)
        goto fail;
    s->bat = calloc(m->nstorage + 1, sizeof *s->bat);
    s->dev = calloc(devs->n + 1, sizeof *s->dev);
    if (!s->bat || !s->dev) {
        rc = zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < devs->n; i++) {
        const zs_device *d = &devs->dev[i];
        if (d->kind != ZS_DEV_MODBUS)
            continue;
        if (s->by_unit[d->unit_id & 255]) {
            rc = zp_ctx_set_error(ctx, ZP_EMODEL,
                                  "devices %s and %s both use unit id %d; the simulator serves every "
                                  "device on one port, so give each its own unit_id",
                                  s->by_unit[d->unit_id & 255]->d->name, d->name, d->unit_id);
            goto fail;
        }
        sdev *sd = &s->dev[s->ndev++];
        rc = layout(s, sd, d);
        if (rc)
            goto fail;
        s->by_unit[d->unit_id & 255] = sd;
    }
    if (!s->ndev) {
        rc = zp_ctx_set_error(ctx, ZP_EMODEL, "%s has no Modbus devices to simulate; add some to "
                              "\"devices\" (docs/model.md)", m->file ? m->file : "the model");
        goto fail;
    }
    finish_layout(s);

    s->t0 = s->o.start ? s->o.start : default_start(m);
    s->wall0 = mono_s();
    s->last_sim = (double)s->t0;
    update(s, (double)s->t0);
    s->last_update_wall = s->wall0;

    s->mb = modbus_new_tcp(hostbuf, s->o.port);
    if (!s->mb) {
        rc = zp_ctx_set_error(ctx, ZP_EIO, "cannot make a Modbus server for %s:%d: %s", hostbuf,
                              s->o.port, modbus_strerror(errno));
        goto fail;
    }
    /* a client that sends half a request must not hold the others for long */
    modbus_set_indication_timeout(s->mb, 0, 200000);
    modbus_set_byte_timeout(s->mb, 0, 200000);
    s->listen_fd = modbus_tcp_listen(s->mb, 1024); /* backlog: 200 pollers connect at once */
    if (s->listen_fd < 0) {
        rc = zp_ctx_set_error(ctx, ZP_EIO, "cannot listen on %s:%d: %s", hostbuf, s->o.port,
                              modbus_strerror(errno));
        goto fail;
    }
    {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        if (getsockname(s->listen_fd, (struct sockaddr *)&sa, &sl) == 0)
            s->port = ntohs(sa.sin_port);
        else
            s->port = s->o.port;
    }
    *out = s;
    return ZP_OK;
fail:
    zs_devsim_free(s);
    return rc;
}

void zs_devsim_advance(zs_devsim *s, double seconds)
{
    if (!s || !(seconds > 0))
        return;
    double w = mono_s();
    /* the clock restarts from where it is now plus the jump */
    double now = (double)s->t0 + s->o.speed * (w - s->wall0);
    s->t0 = (zp_time_t)floor(now + seconds);
    s->wall0 = w;
    update(s, (double)s->t0);
    s->last_update_wall = w;
}

int zs_devsim_port(const zs_devsim *s)
{
    return s ? s->port : 0;
}

zp_status zs_devsim_run(zs_devsim *s, volatile sig_atomic_t *stop)
{
    struct pollfd *fds = calloc(MAX_CLIENTS + 1, sizeof *fds);
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    size_t n = 1;
    zp_status rc = ZP_OK;
    char tbuf[ZP_TIME_BUFSIZE];

    if (!fds)
        return zp_ctx_set_error(s->ctx, ZP_ENOMEM, "out of memory");
    fds[0].fd = s->listen_fd;
    fds[0].events = POLLIN;
    logf_(s, "level=info msg=listening host=%s port=%d devices=%zu speed=%.6g sim_time=%s",
          s->o.host, s->port, s->ndev, s->o.speed,
          zp_time_format(s->t0, s->m->utc_offset_min, tbuf));
    /* atomic: set by a signal handler or by another thread */
    while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
        int k = poll(fds, (nfds_t)n, 50);
        if (k < 0 && errno != EINTR) {
            rc = zp_ctx_set_error(s->ctx, ZP_EIO, "poll: %s", strerror(errno));
            break;
        }
        double w = mono_s();
        if (w - s->last_update_wall >= 0.05) {
            update(s, (double)s->t0 + s->o.speed * (w - s->wall0));
            s->last_update_wall = w;
        }
        if (k <= 0)
            continue;
        if (fds[0].revents & POLLIN) {
            int fd = accept(s->listen_fd, NULL, NULL);
            if (fd >= 0) {
                if (n > MAX_CLIENTS) {
                    close(fd);
                    logf_(s, "level=warn msg=\"connection refused\" reason=\"%d clients\"",
                          MAX_CLIENTS);
                } else {
                    fds[n].fd = fd;
                    fds[n].events = POLLIN;
                    fds[n].revents = 0;
                    n++;
                    logf_(s, "level=info msg=connected clients=%zu", n - 1);
                }
            }
        }
        for (size_t i = 1; i < n; i++) {
            if (!fds[i].revents)
                continue;
            int closed = 0;
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                modbus_set_socket(s->mb, fds[i].fd);
                int len = modbus_receive(s->mb, req);
                if (len > 0)
                    handle(s, req, len);
                else if (len < 0)
                    closed = 1;
            }
            fds[i].revents = 0;
            if (closed) {
                close(fds[i].fd);
                fds[i] = fds[n - 1];
                n--;
                i--;
                logf_(s, "level=info msg=disconnected clients=%zu", n - 1);
            }
        }
    }
    for (size_t i = 1; i < n; i++)
        close(fds[i].fd);
    free(fds);
    logf_(s, "level=info msg=stopped requests=%llu writes=%llu refused=%llu",
          (unsigned long long)s->requests, (unsigned long long)s->writes,
          (unsigned long long)s->refused);
    return rc;
}

void zs_devsim_free(zs_devsim *s)
{
    if (!s)
        return;
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->mb) {
        modbus_set_socket(s->mb, -1);
        modbus_free(s->mb);
    }
    for (size_t i = 0; i < s->ndev; i++) {
        modbus_mapping_free(s->dev[i].map);
        free(s->dev[i].pt);
    }
    free(s->dev);
    free(s->bat);
    zp_sim_result_free(s->ctx, s->res);
    free(s);
}
