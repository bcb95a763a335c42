/*
 * zeropark/zeropark.h - the whole public API of libzeropark.
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

#ifdef __cplusplus
extern "C" {
#endif

/* Library version string ("0.1.0"). */
ZP_API const char *zp_version(void);

#ifdef __cplusplus
}
#endif
#endif
