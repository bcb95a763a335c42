/*
 * zeropark/zeropark.h - the whole public API of libzeropark.
 *
 * It includes every module header, from the foundations (core.h: zp_ctx,
 * zp_status, time; jsonread.h; series.h; devices.h; model.h; store.h)
 * through the energy models (solar.h, sky.h, weather.h, pv.h, wind.h,
 * storage.h), the dispatch, forecasts and simulation (dispatch.h,
 * forecast.h, sim.h), to the accounting, report, tariffs and bill,
 * scheduling and credit ledger (carbon.h, report.h, tariff.h, sched.h,
 * ledger.h), sweeps of scenarios (sweep.h), and declares zp_version.
 * Units are in the names (_kw, _kwh, _t, _cny, ...); every call that can
 * fail takes a zp_ctx and returns a zp_status with a located message on
 * the context.
 */
#ifndef ZEROPARK_H
#define ZEROPARK_H

#include "zeropark/core.h"
#include "zeropark/series.h"
#include "zeropark/devices.h"
#include "zeropark/model.h"
#include "zeropark/jsonread.h"
#include "zeropark/store.h"
#include "zeropark/solar.h"
#include "zeropark/sky.h"
#include "zeropark/weather.h"
#include "zeropark/pv.h"
#include "zeropark/wind.h"
#include "zeropark/storage.h"
#include "zeropark/dispatch.h"
#include "zeropark/forecast.h"
#include "zeropark/sim.h"
#include "zeropark/compare.h"
#include "zeropark/carbon.h"
#include "zeropark/report.h"
#include "zeropark/sched.h"
#include "zeropark/ledger.h"
#include "zeropark/tariff.h"
#include "zeropark/sweep.h"
#include "zeropark/plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Library version string ("0.1.0"). */
ZP_API const char *zp_version(void);

#ifdef __cplusplus
}
#endif
#endif
