/*
 * devsim.h - the device simulator behind `zeropark devices`: serves every
 * Modbus device of a park model from the park's simulation (libmodbus TCP
 * server, one port, one unit id per device, many clients at once).
 *
 * Simulated time runs at `speed` simulated seconds per wall second from
 * `start` and wraps around the model period. Every point that feeds a
 * model quantity (devices.h) serves the simulation's value of that
 * quantity at the current step, split evenly among the points feeding it;
 * SunSpec maps also serve their other points (energy counters integrated
 * over simulated time, voltage, frequency, state). A battery device follows
 * the simulation's dispatch until a setpoint is written, then follows the
 * setpoint: power within its rating, state of charge integrated with the
 * charge/discharge efficiencies and kept within soc_min..soc_max. The grid
 * meters see the difference between what the battery does and what the
 * simulation planned. Writes go only to writable points (or, for a SunSpec
 * 124 battery without one, to StorCtl_Mod, OutWRte and InWRte); a setpoint
 * outside the device's limits is refused with ILLEGAL DATA VALUE.
 */
#ifndef ZEROPARK_SERVER_DEVSIM_H
#define ZEROPARK_SERVER_DEVSIM_H

#include <signal.h>

#include "devices.h"
#include "zeropark/zeropark.h"

typedef struct zs_devsim zs_devsim;

/* Log sink: one line, key=value pairs, no newline. */
typedef void (*zs_devsim_log_fn)(void *ud, const char *line);

typedef struct zs_devsim_opts {
    const char *host;       /* listen address, default "127.0.0.1" */
    int port;               /* listen port; 0 = any free port (zs_devsim_port) */
    double speed;           /* simulated seconds per wall second, default 1; 0 = frozen */
    zp_time_t start;        /* simulated time at start; 0 = now moved into the model period */
    zs_devsim_log_fn log;   /* may be NULL */
    void *log_ud;
} zs_devsim_opts;

void zs_devsim_opts_init(zs_devsim_opts *o);

/* Simulate the model (rule dispatch), lay out every Modbus device's
 * registers and listen. m and devs must outlive the simulator. Fails with a
 * message when two devices share a unit id, a device has no Modbus points,
 * or the address cannot be bound. */
zp_status zs_devsim_new(zp_ctx *ctx, const zp_model *m, const zs_devices *devs,
                        const zs_devsim_opts *o, zs_devsim **out);
/* Serve until *stop becomes non-zero (checked every 50 ms). ZP_OK on a
 * clean stop, ZP_EIO when the listening socket fails. */
zp_status zs_devsim_run(zs_devsim *s, volatile sig_atomic_t *stop);
void zs_devsim_free(zs_devsim *s);
/* The port listened on. */
int zs_devsim_port(const zs_devsim *s);
/* Simulated time now (seconds, Unix epoch). */
zp_time_t zs_devsim_now(const zs_devsim *s);
/* Move simulated time forward by seconds at once (batteries integrate over
 * the jump) and keep running from there. Only while zs_devsim_run is not
 * running (tests stop it, advance, and run it again). */
void zs_devsim_advance(zs_devsim *s, double seconds);
/* The simulation's value of a model quantity (devices.h "feeds") at
 * simulated time t, before any setpoint was written; NaN when unknown. */
double zs_devsim_quantity(const zs_devsim *s, const char *feeds, zp_time_t t);

#endif
