/*
 * devices.h - the reader of the model's "devices" section (model/devices.c)
 * as model.c calls it (internal; the public side is zeropark/devices.h).
 */
#ifndef ZP_MODEL_DEVICES_H
#define ZP_MODEL_DEVICES_H

#include "core/jsonread.h"
#include "zeropark/devices.h"

/* Read the "devices" array of jr's root into *out (allocated with ctx's
 * allocator; zp_devices_free). Each problem goes through jr, worded as the
 * devices always were; the caller counts them (zp__jr_problems). ZP_OK, or
 * ZP_ENOMEM (out may then hold part of the devices: free it). */
zp_status zp__devices_read(zp_ctx *ctx, zp_jr *jr, zp_devices *out);

#endif
