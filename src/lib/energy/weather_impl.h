/*
 * weather_impl.h - private to src/lib/energy (never installed): what the
 * weather readers and checks (weather.c) share with the weather generator
 * (weather_synth.c).
 */
#ifndef ZP_WEATHER_IMPL_H
#define ZP_WEATHER_IMPL_H

#include "zeropark/weather.h"

#include <stddef.h>
#include <stdint.h>

/* Optional quantities, as flags: a record has the arrays asked for. */
enum { HAS_DNI = 1, HAS_DHI = 2, HAS_WIND = 4, HAS_PRES = 8 };

/* A new record of n steps (values 0, site unknown, wind at 10 m) with the
 * arrays that has asks for besides GHI and temperature, its source named
 * (NULL: "weather"). ZP_OK or ZP_ENOMEM. */
zp_status zp__weather_new(zp_ctx *ctx, size_t n, unsigned has, const char *source,
                          zp_weather_data **out);

/* Local civil date of instant t at offset_min; day of year is 1-based.
 * doy and sec_of_day may be NULL. */
void zp__weather_local_date(zp_time_t t, int32_t offset_min, int64_t *y, unsigned *m,
                            unsigned *d, int *doy, int64_t *sec_of_day);

#endif
