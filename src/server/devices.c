/*
 * devices.c - the park model's live devices in memory of the server's own
 * (read by the library, src/lib/model/devices.c), the register codec the
 * poller and the simulator share, and the ms clocks of src/server.
 */
#include "devices.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- devices ----------------------------------------------------------------- */

/* src's devices copied into memory of the C allocator (zs_devices_free
 * takes no context), src freed. ZP_OK or ZP_ENOMEM. */
static zp_status own_copy(zp_ctx *ctx, zp_devices *src, zs_devices *out)
{
    zp_status rc = ZP_OK;
    memset(out, 0, sizeof *out);
    if (src->n && !(out->dev = calloc(src->n, sizeof *out->dev)))
        rc = zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < src->n; i++) {
        const zs_device *d = &src->dev[i];
        out->dev[i] = *d;
        out->dev[i].points = NULL;
        out->n = i + 1;
        if (d->npoints && !(out->dev[i].points = malloc(d->npoints * sizeof *d->points)))
            rc = zp_ctx_set_error(ctx, ZP_ENOMEM, "out of memory");
        else if (d->npoints)
            memcpy(out->dev[i].points, d->points, d->npoints * sizeof *d->points);
    }
    zp_devices_free(ctx, src);
    if (rc)
        zs_devices_free(out);
    return rc;
}

zp_status zs_devices_parse_buf(zp_ctx *ctx, const char *file, const char *buf, size_t len,
                               zs_devices *out)
{
    zp_devices d;
    zp_status rc = zp_devices_load_buf(ctx, buf, len, file, &d);
    if (out)
        memset(out, 0, sizeof *out);
    return rc ? rc : own_copy(ctx, &d, out);
}

zp_status zs_devices_load(zp_ctx *ctx, const char *model_path, zs_devices *out)
{
    zp_devices d;
    zp_status rc = zp_devices_load_file(ctx, model_path, &d);
    if (out)
        memset(out, 0, sizeof *out);
    return rc ? rc : own_copy(ctx, &d, out);
}

void zs_devices_free(zs_devices *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->dev[i].points);
    free(d->dev);
    d->dev = NULL;
    d->n = 0;
}

/* ---- register codec ------------------------------------------------------ */

int zs_point_decode(const zs_point *p, const uint16_t *regs, int sf, double *value)
{
    uint32_t w = 0;
    double raw;
    if (zp_reg_count(p->type) == 2)
        w = p->word_swap ? ((uint32_t)regs[1] << 16 | regs[0]) : ((uint32_t)regs[0] << 16 | regs[1]);
    if (p->sf_address >= 0 && sf == -32768)
        return -1;
    switch (p->type) {
    case ZS_REG_INT16:
        if (p->sunspec_na && regs[0] == 0x8000)
            return -1;
        raw = (int16_t)regs[0];
        break;
    case ZS_REG_UINT16:
        if (p->sunspec_na && regs[0] == 0xFFFF)
            return -1;
        raw = regs[0];
        break;
    case ZS_REG_INT32:
        if (p->sunspec_na && w == 0x80000000u)
            return -1;
        raw = (int32_t)w;
        break;
    case ZS_REG_UINT32:
        /* acc32: 0 means not accumulated */
        if (p->sunspec_na && w == 0)
            return -1;
        raw = w;
        break;
    default: {
        float f;
        memcpy(&f, &w, sizeof f);
        if (!isfinite(f))
            return -1;
        raw = f;
        break;
    }
    }
    *value = raw * p->scale * pow(10.0, sf);
    return 0;
}

int zs_point_encode(const zs_point *p, double value, int sf, uint16_t *regs)
{
    double raw = value / (p->scale * pow(10.0, sf));
    uint32_t w;
    if (!isfinite(raw))
        return -1;
    if (p->type != ZS_REG_FLOAT32)
        raw = floor(raw + 0.5);
    switch (p->type) {
    case ZS_REG_INT16:
        if (raw < -32768 || raw > 32767)
            return -1;
        regs[0] = (uint16_t)(int16_t)raw;
        return 1;
    case ZS_REG_UINT16:
        if (raw < 0 || raw > 65535)
            return -1;
        regs[0] = (uint16_t)raw;
        return 1;
    case ZS_REG_INT32:
        if (raw < -2147483648.0 || raw > 2147483647.0)
            return -1;
        w = (uint32_t)(int32_t)raw;
        break;
    case ZS_REG_UINT32:
        if (raw < 0 || raw > 4294967295.0)
            return -1;
        w = (uint32_t)raw;
        break;
    default: {
        float f = (float)raw;
        if (!isfinite(f))
            return -1;
        memcpy(&w, &f, sizeof w);
        break;
    }
    }
    if (p->word_swap) {
        regs[0] = (uint16_t)(w & 0xFFFF);
        regs[1] = (uint16_t)(w >> 16);
    } else {
        regs[0] = (uint16_t)(w >> 16);
        regs[1] = (uint16_t)(w & 0xFFFF);
    }
    return 2;
}

