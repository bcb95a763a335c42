/*
 * control.h - the control loop: plan, clamp, write setpoints, safe mode
 * (control.c; docs/serve.md "Control loop"), one run at a time in a thread
 * of its own.
 */
#ifndef ZEROPARK_SERVER_CONTROL_H
#define ZEROPARK_SERVER_CONTROL_H

#include <stddef.h>

#include "ingest.h"
#include "zeropark/zeropark.h"

typedef struct zs_server zs_server;

/* One control step: plan, clamp, write (the control thread; the model's
 * read lock is held for the run). */
void zs_control_run(zs_server *S);
/* The safe action for storage i of m from the live flows L (kW, +
 * discharge): 0 with safe_mode "hold"; with "self-consumption" the
 * battery's share (by power rating) of load - PV - wind, within its power,
 * and 0 when its SOC is unknown or at the limit in that direction. */
double zs_control_safe_kw(const zs_server *S, const zp_model *m, size_t i, const zs_live *L);

/* The daemon's mode: normal, safe (the safe action is written) or dry-run
 * (plans, writes nothing). */
typedef enum zs_mode { ZS_MODE_NORMAL = 0, ZS_MODE_SAFE, ZS_MODE_DRY_RUN } zs_mode;
/* "normal", "safe", "dry-run". */
const char *zs_mode_name(zs_mode m);
/* Start a control run in the control thread unless one is still solving
 * (the main thread). */
void zs_control_start(zs_server *S);
/* Wait for the run in progress, if any (before a reload and at exit). */
void zs_control_join(void);

#endif
