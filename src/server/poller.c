/*
 * poller.c - Modbus TCP acquisition with libmodbus.
 *
 * One thread per device, each with its own libmodbus context, so a device
 * that stalls (answers after the timeout) or breaks (drops the connection,
 * refuses it) only delays itself. Per poll a device reads its registers in
 * as few requests as the map allows: the registers its points need (values
 * and scale factors) are merged into blocks of at most 125 registers. A
 * block answered with a Modbus exception is read point by point from then
 * on, so one unmapped register costs its own points only.
 *
 * Failures:
 *   - exception (illegal address, ...): counted, the connection stays;
 *   - timeout or a broken connection: counted, the connection is closed
 *     (a late answer would otherwise be taken for the next one) and made
 *     again after a back-off of 250 ms doubling up to 30 s; the back-off
 *     starts over after a good poll;
 *   - a SunSpec device is checked once per connection (the "SunS" marker
 *     at its base address, a model of the map's layout at base + 70): a
 *     mismatch is an error, and nothing is read from it until it fits.
 *
 * Health counters: polls (attempts), errors (every failed request or
 * connect, including the timeouts and exceptions that are also counted on
 * their own), reconnects (connects after the first), writes and
 * write_errors. State: ok while readings are fresh (the last good poll is
 * younger than 2 poll intervals plus the timeout), stale when they are not
 * but the device is reachable, down while it cannot be connected.
 *
 * The device's context is guarded by a mutex (io) that the poll thread and
 * setpoint writes share; health by another (mu) that snapshots take.
 */
#define _GNU_SOURCE
#include "poller.h"

#include <errno.h>
#include <math.h>
#include <modbus/modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "devices.h"

#define MAX_BLOCK 125 /* registers per read request (Modbus limit) */
#define MAX_GAP 8     /* unused registers a block may read to save a request */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 30000

typedef struct span {
    int start;  /* first register */
    int count;  /* registers */
    int off;    /* index of start in the device's register buffer */
} span;

typedef struct block {
    span s;         /* the registers read in one request */
    size_t first;   /* its member spans: spans[first .. first+n) */
    size_t n;
    int split;      /* 1 after an exception: read member spans one by one */
} block;

typedef struct pdev {
    struct zs_poller *P;
    zs_device d;            /* copy; points owned */
    pthread_t th;
    int started;
    pthread_mutex_t io;     /* guards mb, connected */
    pthread_mutex_t mu;     /* guards h, down */
    modbus_t *mb;
    int connected;
    int verified;           /* the SunSpec block was checked on this connection */
    int ever_connected;
    int down;               /* the last connect failed */
    zs_dev_health h;
    span *spans;            /* every register range a point needs */
    size_t nspans;
    block *blocks;
    size_t nblocks;
    uint16_t *regs;         /* register buffer */
    unsigned char *valid;   /* 1 when regs[i] was read this poll */
    int nregs;
    int *val_at, *sf_at;    /* per point: buffer index of value / scale factor, -1 none */
    zs_reading *out;        /* per poll */
} pdev;

struct zs_poller {
    pthread_mutex_t mu;     /* guards stop */
    pthread_cond_t cv;
    int stop;
    zs_reading_sink sink;
    void *ud;
    pdev *dev;
    size_t n;
};

/* Sleep until the monotonic deadline or until the poller stops. Returns 1
 * when stopping. */
static int wait_until(struct zs_poller *P, int64_t deadline_ms)
{
    struct timespec ts;
    int stop;
    ts.tv_sec = (time_t)(deadline_ms / 1000);
    ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000;
    pthread_mutex_lock(&P->mu);
    while (!P->stop && zs_mono_ms() < deadline_ms)
        if (pthread_cond_timedwait(&P->cv, &P->mu, &ts) == ETIMEDOUT)
            break;
    stop = P->stop;
    pthread_mutex_unlock(&P->mu);
    return stop;
}

static int stopping(struct zs_poller *P)
{
    pthread_mutex_lock(&P->mu);
    int s = P->stop;
    pthread_mutex_unlock(&P->mu);
    return s;
}

static int is_exception(int e)
{
    return e >= EMBXILFUN && e <= EMBXGTAR;
}

static void set_error(pdev *pd, const char *what, int e)
{
    pthread_mutex_lock(&pd->mu);
    pd->h.errors++;
    if (e == ETIMEDOUT)
        pd->h.timeouts++;
    else if (is_exception(e))
        pd->h.exceptions++;
    snprintf(pd->h.last_error, sizeof pd->h.last_error, "%s: %s", what, modbus_strerror(e));
    pthread_mutex_unlock(&pd->mu);
}

/* ---- register plan ----------------------------------------------------------- */

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->count < y->count ? 1 : (x->count > y->count ? -1 : 0);
}

/* Buffer index of register addr, or -1. */
static int reg_index(const pdev *pd, int addr)
{
    for (size_t i = 0; i < pd->nspans; i++)
        if (addr >= pd->spans[i].start && addr < pd->spans[i].start + pd->spans[i].count)
            return pd->spans[i].off + (addr - pd->spans[i].start);
    return -1;
}

static zp_status plan(pdev *pd)
{
    const zs_device *d = &pd->d;
    size_t n = 0;
    pd->spans = calloc(d->npoints * 2 + 1, sizeof *pd->spans);
    pd->val_at = calloc(d->npoints + 1, sizeof *pd->val_at);
    pd->sf_at = calloc(d->npoints + 1, sizeof *pd->sf_at);
    pd->out = calloc(d->npoints + 1, sizeof *pd->out);
    if (!pd->spans || !pd->val_at || !pd->sf_at || !pd->out)
        return ZP_ENOMEM;
    for (size_t i = 0; i < d->npoints; i++) {
        pd->spans[n].start = d->points[i].address;
        pd->spans[n++].count = zp_reg_count(d->points[i].type);
        if (d->points[i].sf_address >= 0) {
            pd->spans[n].start = d->points[i].sf_address;
            pd->spans[n++].count = 1;
        }
    }
    qsort(pd->spans, n, sizeof *pd->spans, span_cmp);
    /* merge overlapping spans so each register has one place */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && pd->spans[i].start < pd->spans[m - 1].start + pd->spans[m - 1].count) {
            int end = pd->spans[i].start + pd->spans[i].count;
            if (end > pd->spans[m - 1].start + pd->spans[m - 1].count)
                pd->spans[m - 1].count = end - pd->spans[m - 1].start;
            continue;
        }
        pd->spans[m++] = pd->spans[i];
    }
    pd->nspans = m;
    pd->blocks = calloc(m + 1, sizeof *pd->blocks);
    if (!pd->blocks)
        return ZP_ENOMEM;
    /* blocks: consecutive spans while the gap is small and the whole fits
     * one request; the buffer holds each block contiguously */
    int off = 0;
    for (size_t i = 0; i < m;) {
        block *b = &pd->blocks[pd->nblocks++];
        b->s.start = pd->spans[i].start;
        b->first = i;
        b->s.off = off;
        int end = pd->spans[i].start + pd->spans[i].count;
        size_t j = i + 1;
        while (j < m && pd->spans[j].start - end <= MAX_GAP &&
               pd->spans[j].start + pd->spans[j].count - b->s.start <= MAX_BLOCK) {
            end = pd->spans[j].start + pd->spans[j].count;
            j++;
        }
        b->s.count = end - b->s.start;
        b->n = j - i;
        for (size_t k = i; k < j; k++)
            pd->spans[k].off = off + (pd->spans[k].start - b->s.start);
        off += b->s.count;
        i = j;
    }
    pd->nregs = off;
    pd->regs = calloc((size_t)off + 1, sizeof *pd->regs);
    pd->valid = calloc((size_t)off + 1, 1);
    if (!pd->regs || !pd->valid)
        return ZP_ENOMEM;
    for (size_t i = 0; i < d->npoints; i++) {
        pd->val_at[i] = reg_index(pd, d->points[i].address);
        pd->sf_at[i] = d->points[i].sf_address >= 0 ? reg_index(pd, d->points[i].sf_address) : -1;
    }
    return ZP_OK;
}

/* ---- connection ----------------------------------------------------------------- */

/* With io held. Returns 0 when connected. */
static int ensure_connected(pdev *pd)
{
    if (pd->connected)
        return 0;
    if (!pd->mb) {
        char port[16];
        snprintf(port, sizeof port, "%d", pd->d.port);
        pd->mb = modbus_new_tcp_pi(pd->d.host, port);
        if (!pd->mb) {
            set_error(pd, "modbus_new_tcp_pi", errno);
            return -1;
        }
        uint32_t s = (uint32_t)(pd->d.timeout_ms / 1000), us = (uint32_t)(pd->d.timeout_ms % 1000) * 1000;
        modbus_set_response_timeout(pd->mb, s, us);
        modbus_set_byte_timeout(pd->mb, s, us);
        modbus_set_slave(pd->mb, pd->d.unit_id);
    }
    if (modbus_connect(pd->mb) == -1) {
        int e = errno;
        set_error(pd, "connect", e);
        pthread_mutex_lock(&pd->mu);
        pd->down = 1;
        pd->h.state = ZS_STATE_DOWN;
        pthread_mutex_unlock(&pd->mu);
        return -1;
    }
    pd->connected = 1;
    pthread_mutex_lock(&pd->mu);
    if (pd->ever_connected)
        pd->h.reconnects++;
    pd->ever_connected = 1;
    pd->down = 0;
    pthread_mutex_unlock(&pd->mu);
    return 0;
}

static void drop_connection(pdev *pd)
{
    if (pd->mb && pd->connected)
        modbus_close(pd->mb);
    pd->connected = 0;
    pd->verified = 0;
}

/* A failed read or write: recorded in the health; the connection is dropped
 * unless the device answered with a Modbus exception. */
static void io_failed(pdev *pd, const char *what, int e)
{
    set_error(pd, what, e);
    if (!is_exception(e))
        drop_connection(pd);
}

/* Models that share a built-in map's layout: 101..103 inverters, 201..204
 * meters, 124 storage. */
static int same_layout(int want, int got)
{
    if (want >= 101 && want <= 103)
        return got >= 101 && got <= 103;
    if (want >= 201 && want <= 204)
        return got >= 201 && got <= 204;
    return got == want;
}

/* With io held and connected: is there a SunSpec block of the configured
 * model where the map says? Returns 0 yes, 1 no (error recorded), -1 when
 * the connection failed. */
static int verify_sunspec(pdev *pd)
{
    uint16_t marker[2], id;
    int base = pd->d.base_address, want = atoi(pd->d.sunspec);
    if (modbus_read_registers(pd->mb, base, 2, marker) != 2 ||
        modbus_read_registers(pd->mb, base + ZP_SUNSPEC_MODEL_AT, 1, &id) != 1) {
        int e = errno;
        set_error(pd, "read SunSpec header", e);
        return is_exception(e) ? 1 : -1;
    }
    const char *why = NULL;
    char msg[96];
    if (marker[0] != 0x5375 || marker[1] != 0x6e53) {
        snprintf(msg, sizeof msg, "no SunSpec marker 'SunS' at %d", base);
        why = msg;
    } else if (!same_layout(want, id)) {
        snprintf(msg, sizeof msg, "SunSpec model %u at %d, expected %d", id,
                 base + ZP_SUNSPEC_MODEL_AT, want);
        why = msg;
    }
    if (why) {
        pthread_mutex_lock(&pd->mu);
        pd->h.errors++;
        snprintf(pd->h.last_error, sizeof pd->h.last_error, "%s", why);
        pthread_mutex_unlock(&pd->mu);
        return 1;
    }
    pd->verified = 1;
    return 0;
}

/* ---- one poll ---------------------------------------------------------------------- */

/* Read count registers at start into the buffer at off. Returns 0, 1 for an
 * exception (the connection is fine), -1 for a transport failure. */
static int read_span(pdev *pd, int start, int count, int off)
{
    if (modbus_read_registers(pd->mb, start, count, pd->regs + off) == count) {
        memset(pd->valid + off, 1, (size_t)count);
        return 0;
    }
    int e = errno;
    char what[48];
    snprintf(what, sizeof what, "read %d+%d", start, count);
    set_error(pd, what, e);
    return is_exception(e) ? 1 : -1;
}

/* With io held and connected. Returns 0, or -1 when the connection failed. */
static int poll_once(pdev *pd, size_t *nout)
{
    memset(pd->valid, 0, (size_t)pd->nregs);
    for (size_t i = 0; i < pd->nblocks; i++) {
        block *b = &pd->blocks[i];
        if (!b->split) {
            int rc = read_span(pd, b->s.start, b->s.count, b->s.off);
            if (rc < 0)
                return -1;
            if (rc == 0)
                continue;
            b->split = b->n > 1;
            if (!b->split)
                continue;
        }
        for (size_t k = b->first; k < b->first + b->n; k++)
            if (read_span(pd, pd->spans[k].start, pd->spans[k].count, pd->spans[k].off) < 0)
                return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < pd->d.npoints; i++) {
        const zs_point *p = &pd->d.points[i];
        int v = pd->val_at[i], w = zp_reg_count(p->type);
        int sf = 0;
        if (v < 0 || !pd->valid[v] || (w == 2 && !pd->valid[v + 1]))
            continue;
        if (p->sf_address >= 0) {
            if (pd->sf_at[i] < 0 || !pd->valid[pd->sf_at[i]])
                continue;
            sf = (int16_t)pd->regs[pd->sf_at[i]];
            if (sf != -32768 && (sf < -10 || sf > 10))
                continue; /* SunSpec scale factors are -10..10 */
        }
        double value;
        if (zs_point_decode(p, pd->regs + v, sf, &value) != 0)
            continue;
        pd->out[n].series = p->series;
        pd->out[n].value = value;
        n++;
    }
    *nout = n;
    return 0;
}

static void *device_thread(void *arg)
{
    pdev *pd = arg;
    struct zs_poller *P = pd->P;
    int backoff = 0;
    int64_t due = zs_mono_ms();
    int64_t stale_ms = 2 * (int64_t)pd->d.poll_ms + pd->d.timeout_ms;

    while (!stopping(P)) {
        int ok = 0;
        size_t n = 0;
        int64_t t = zs_now_ms();
        pthread_mutex_lock(&pd->io);
        if (ensure_connected(pd) == 0) {
            pthread_mutex_lock(&pd->mu);
            pd->h.polls++;
            pthread_mutex_unlock(&pd->mu);
            /* a wrong map would deliver wrong numbers: none until it fits */
            int v = pd->d.sunspec[0] && !pd->verified ? verify_sunspec(pd) : 0;
            if (v == 0 && poll_once(pd, &n) == 0)
                ok = 1;
            else
                drop_connection(pd);
        }
        pthread_mutex_unlock(&pd->io);
        if (ok) {
            for (size_t i = 0; i < n; i++)
                pd->out[i].t_ms = t;
            if (n && P->sink)
                P->sink(P->ud, pd->out, n);
            pthread_mutex_lock(&pd->mu);
            if (n || pd->d.npoints == 0) {
                pd->h.last_ok_ms = t;
                pd->h.state = ZS_STATE_OK;
            } else if (t - pd->h.last_ok_ms > stale_ms) {
                pd->h.state = ZS_STATE_STALE;
            }
            pthread_mutex_unlock(&pd->mu);
            backoff = 0;
            due += pd->d.poll_ms;
            int64_t now = zs_mono_ms();
            if (due < now)
                due = now; /* fell behind: no burst to catch up */
        } else {
            pthread_mutex_lock(&pd->mu);
            if (!pd->down && t - pd->h.last_ok_ms > stale_ms)
                pd->h.state = ZS_STATE_STALE;
            pthread_mutex_unlock(&pd->mu);
            backoff = backoff ? backoff * 2 : BACKOFF_MIN_MS;
            if (backoff > BACKOFF_MAX_MS)
                backoff = BACKOFF_MAX_MS;
            due = zs_mono_ms() + backoff;
        }
        if (wait_until(P, due))
            break;
    }
    pthread_mutex_lock(&pd->io);
    drop_connection(pd);
    pthread_mutex_unlock(&pd->io);
    return NULL;
}

/* ---- API -------------------------------------------------------------------------------- */

static void pdev_free(pdev *pd)
{
    if (pd->mb) {
        modbus_close(pd->mb);
        modbus_free(pd->mb);
    }
    free(pd->d.points);
    free(pd->spans);
    free(pd->blocks);
    free(pd->regs);
    free(pd->valid);
    free(pd->val_at);
    free(pd->sf_at);
    free(pd->out);
}

zp_status zs_poller_start(zp_ctx *ctx, const zs_devices *devs, zs_reading_sink sink, void *ud,
                          zs_poller **out)
{
    zs_poller *P;
    pthread_attr_t attr;
    zp_status rc = ZP_OK;
    size_t nmb = 0;

    if (!ctx || !devs || !out)
        return ZP_EINVAL;
    *out = NULL;
    P = calloc(1, sizeof *P);
    if (!P)
        return zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
    pthread_mutex_init(&P->mu, NULL);
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&P->cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    P->sink = sink;
    P->ud = ud;
    P->dev = calloc(devs->n + 1, sizeof *P->dev);
    if (!P->dev) {
        zs_poller_stop(P);
        return zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
    }
    P->n = devs->n;
    for (size_t i = 0; i < devs->n; i++) {
        pdev *pd = &P->dev[i];
        pd->P = P;
        pthread_mutex_init(&pd->io, NULL);
        pthread_mutex_init(&pd->mu, NULL);
        pd->d = devs->dev[i];
        pd->d.points = NULL;
        pd->d.npoints = 0;
        if (devs->dev[i].npoints) {
            pd->d.points = malloc(devs->dev[i].npoints * sizeof *pd->d.points);
            if (!pd->d.points) {
                zs_poller_stop(P);
                return zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
            }
            memcpy(pd->d.points, devs->dev[i].points, devs->dev[i].npoints * sizeof *pd->d.points);
            pd->d.npoints = devs->dev[i].npoints;
        }
        if (plan(pd)) {
            zs_poller_stop(P);
            return zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
        }
    }
    /* small stacks: 200 devices are 200 threads */
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    for (size_t i = 0; i < devs->n; i++) {
        pdev *pd = &P->dev[i];
        if (pd->d.kind != ZS_DEV_MODBUS)
            continue;
        int e = pthread_create(&pd->th, &attr, device_thread, pd);
        if (e) {
            rc = zp_ctx_set_error(ctx, ZP_EIO, "device %s: cannot start its thread: %s", pd->d.name,
                                  strerror(e));
            break;
        }
        pd->started = 1;
        nmb++;
    }
    pthread_attr_destroy(&attr);
    if (rc) {
        zs_poller_stop(P);
        return rc;
    }
    (void)nmb;
    *out = P;
    return ZP_OK;
}

void zs_poller_stop(zs_poller *P)
{
    if (!P)
        return;
    pthread_mutex_lock(&P->mu);
    P->stop = 1;
    pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
    for (size_t i = 0; i < P->n; i++)
        if (P->dev[i].started)
            pthread_join(P->dev[i].th, NULL);
    for (size_t i = 0; i < P->n; i++) {
        pdev_free(&P->dev[i]);
        pthread_mutex_destroy(&P->dev[i].io);
        pthread_mutex_destroy(&P->dev[i].mu);
    }
    free(P->dev);
    pthread_cond_destroy(&P->cv);
    pthread_mutex_destroy(&P->mu);
    free(P);
}

void zs_poller_health(zs_poller *P, size_t i, zs_dev_health *out)
{
    memset(out, 0, sizeof *out);
    if (!P || i >= P->n)
        return;
    pdev *pd = &P->dev[i];
    pthread_mutex_lock(&pd->mu);
    *out = pd->h;
    pthread_mutex_unlock(&pd->mu);
    if (pd->d.kind != ZS_DEV_MODBUS)
        return;
    /* a thread stuck in a long back-off must not look fresh */
    if (out->state == ZS_STATE_OK &&
        zs_now_ms() - out->last_ok_ms > 2 * (int64_t)pd->d.poll_ms + pd->d.timeout_ms)
        out->state = ZS_STATE_STALE;
}

static void count_write(pdev *pd, zp_status rc)
{
    pthread_mutex_lock(&pd->mu);
    if (rc)
        pd->h.write_errors++;
    else
        pd->h.writes++;
    pthread_mutex_unlock(&pd->mu);
}

/* ensure_connected for a setpoint write (pd->io held), saying why in err. */
static int connect_for_write(pdev *pd, char *err, size_t errsz)
{
    if (ensure_connected(pd) == 0)
        return 0;
    if (err)
        snprintf(err, errsz, "device %s: cannot connect to %s:%d", pd->d.name, pd->d.host,
                 pd->d.port);
    return -1;
}

/* SunSpec 124 storage controls (offsets from the model ID register). */
enum { S124_STORCTL = 5, S124_WCHAMAX = 2, S124_OUTWRTE = 12, S124_INWRTE = 13,
       S124_WCHAMAX_SF = 18, S124_RTE_SF = 25 };

/* A setpoint as SunSpec 124 controls: the rate in % of WChaMax into
 * OutWRte (discharge) or InWRte (charge), the other rate 0, then
 * StorCtl_Mod (bit 0 charge, bit 1 discharge). */
static zp_status write_124(pdev *pd, double kw, double *applied_kw, char *err, size_t errsz)
{
    uint16_t m[26];
    zp_status rc = ZP_OK;
    int at = pd->d.base_address + ZP_SUNSPEC_MODEL_AT;
    kw = fmin(pd->d.setpoint_max_kw, fmax(pd->d.setpoint_min_kw, kw));
    pthread_mutex_lock(&pd->io);
    if (connect_for_write(pd, err, errsz) != 0) {
        rc = ZP_EIO;
        goto out;
    }
    if (modbus_read_registers(pd->mb, at, 26, m) != 26) {
        int e = errno;
        io_failed(pd, "read SunSpec 124", e);
        rc = ZP_EIO;
        if (err)
            snprintf(err, errsz, "device %s: reading its SunSpec 124 block at %d: %s", pd->d.name,
                     at, modbus_strerror(e));
        goto out;
    }
    int wsf = (int16_t)m[S124_WCHAMAX_SF], rsf = (int16_t)m[S124_RTE_SF];
    double wmax_kw = m[S124_WCHAMAX] * pow(10.0, wsf) / 1000;
    if (m[0] != 124 || m[S124_WCHAMAX] == 0xFFFF || wsf < -10 || wsf > 10 || rsf < -10 || rsf > 10 ||
        !(wmax_kw > 0)) {
        rc = ZP_EIO;
        if (err)
            snprintf(err, errsz, "device %s: no usable SunSpec 124 WChaMax and rate scale factors "
                     "at %d", pd->d.name, at);
        goto out;
    }
    /* percent of WChaMax, in the rate's steps, never above the limit */
    double step_pct = pow(10.0, rsf);
    double raw = floor(fabs(kw) / wmax_kw * 100 / step_pct + 0.5);
    if (raw * step_pct / 100 * wmax_kw > fabs(kw) + 1e-9 && raw > 0)
        raw -= 1;
    if (raw > 32767)
        raw = 32767;
    if (raw * step_pct > 100)
        raw = floor(100 / step_pct);
    uint16_t rates[2] = {0, 0}; /* OutWRte, InWRte */
    uint16_t mode = 0;
    if (kw > 0 && raw > 0) {
        rates[0] = (uint16_t)raw;
        mode = 2;
    } else if (kw < 0 && raw > 0) {
        rates[1] = (uint16_t)raw;
        mode = 1;
    }
    if (modbus_write_registers(pd->mb, at + S124_OUTWRTE, 2, rates) != 2 ||
        modbus_write_register(pd->mb, at + S124_STORCTL, mode) != 1) {
        int e = errno;
        io_failed(pd, "write SunSpec 124 controls", e);
        rc = ZP_EIO;
        if (err)
            snprintf(err, errsz, "device %s: writing %.6g kW as SunSpec 124 controls: %s",
                     pd->d.name, kw, modbus_strerror(e));
        goto out;
    }
    if (applied_kw)
        *applied_kw = (mode == 2 ? 1 : mode == 1 ? -1 : 0) * raw * step_pct / 100 * wmax_kw;
out:
    pthread_mutex_unlock(&pd->io);
    count_write(pd, rc);
    return rc;
}

zp_status zs_poller_write_setpoint(zs_poller *P, const char *storage, double kw, double *applied_kw,
                                   char *err, size_t errsz)
{
    pdev *pd = NULL;
    const zs_point *sp = NULL;
    uint16_t regs[2];
    int sf = 0;

    if (err && errsz)
        err[0] = 0;
    if (!P || !storage)
        return ZP_EINVAL;
    for (size_t i = 0; i < P->n && !pd; i++)
        if (P->dev[i].d.kind == ZS_DEV_MODBUS && strcmp(P->dev[i].d.storage, storage) == 0)
            pd = &P->dev[i];
    if (pd)
        for (size_t j = 0; j < pd->d.npoints && !sp; j++)
            if (pd->d.points[j].writable)
                sp = &pd->d.points[j];
    int native = pd && !sp && strcmp(pd->d.sunspec, "124") == 0;
    if (!pd || (!sp && !native)) {
        if (err)
            snprintf(err, errsz, "no device controls storage '%s'", storage);
        return ZP_ENOTFOUND;
    }
    if (!isfinite(kw)) {
        if (err)
            snprintf(err, errsz, "setpoint for '%s' is not a finite number", storage);
        return ZP_EINVAL;
    }
    if (native)
        return write_124(pd, kw, applied_kw, err, errsz);
    /* never beyond the limits, whatever was asked */
    if (kw > pd->d.setpoint_max_kw)
        kw = pd->d.setpoint_max_kw;
    if (kw < pd->d.setpoint_min_kw)
        kw = pd->d.setpoint_min_kw;
    if (kw > sp->max)
        kw = sp->max;
    if (kw < sp->min)
        kw = sp->min;

    zp_status rc = ZP_OK;
    pthread_mutex_lock(&pd->io);
    if (connect_for_write(pd, err, errsz) != 0) {
        rc = ZP_EIO;
        goto out;
    }
    if (sp->sf_address >= 0) {
        uint16_t r;
        if (modbus_read_registers(pd->mb, sp->sf_address, 1, &r) != 1) {
            int e = errno;
            io_failed(pd, "read setpoint scale factor", e);
            rc = ZP_EIO;
            if (err)
                snprintf(err, errsz, "device %s: reading the setpoint's scale factor at %d: %s",
                         pd->d.name, sp->sf_address, modbus_strerror(e));
            goto out;
        }
        sf = (int16_t)r;
        if (sf < -10 || sf > 10) {
            rc = ZP_EIO;
            if (err)
                snprintf(err, errsz, "device %s: setpoint scale factor %d is not usable", pd->d.name,
                         sf);
            goto out;
        }
    }
    int nreg = zs_point_encode(sp, kw, sf, regs);
    if (nreg < 0) {
        rc = ZP_ERANGE;
        if (err)
            snprintf(err, errsz, "device %s: %.6g kW does not fit the %s register", pd->d.name, kw,
                     sp->name);
        goto out;
    }
    /* what is written is what the register can hold; rounding must not
     * step over a limit */
    {
        double got = kw, step = fabs(sp->scale * pow(10.0, sf));
        double hi = fmin(pd->d.setpoint_max_kw, sp->max), lo = fmax(pd->d.setpoint_min_kw, sp->min);
        if (zs_point_decode(sp, regs, sf, &got) == 0) {
            if (got > hi && zs_point_encode(sp, got - step, sf, regs) > 0)
                zs_point_decode(sp, regs, sf, &got);
            else if (got < lo && zs_point_encode(sp, got + step, sf, regs) > 0)
                zs_point_decode(sp, regs, sf, &got);
            kw = got;
        }
    }
    int w = nreg == 1 ? modbus_write_register(pd->mb, sp->address, regs[0])
                      : modbus_write_registers(pd->mb, sp->address, nreg, regs);
    if (w == -1) {
        int e = errno;
        io_failed(pd, "write setpoint", e);
        rc = ZP_EIO;
        if (err)
            snprintf(err, errsz, "device %s: writing %.6g kW to register %d: %s", pd->d.name, kw,
                     sp->address, modbus_strerror(e));
    }
out:
    pthread_mutex_unlock(&pd->io);
    count_write(pd, rc);
    if (!rc && applied_kw)
        *applied_kw = kw;
    return rc;
}
