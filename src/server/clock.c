/*
 * clock.c - the daemon's clocks in ms (wall, shifted for tests; monotonic)
 * and its times as text.
 */
#define _GNU_SOURCE
#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "zeropark/core.h"

/* Test-only: ZEROPARK_TEST_CLOCK_OFFSET_S (whole seconds, may be negative)
 * shifts the wall clock of the daemon, so a test can run it at a chosen
 * date and time, e.g. across a local midnight (docs/serve.md "Testing").
 * Read once; a value that is not a whole number is ignored with a note. */
static int64_t clock_offset_s;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static void clock_offset_init(void)
{
    const char *e = getenv("ZEROPARK_TEST_CLOCK_OFFSET_S");
    if (!e || !*e)
        return;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(e, &end, 10);
    if (errno || *end || v < -4000000000LL || v > 4000000000LL) {
        fprintf(stderr, "zeropark: ZEROPARK_TEST_CLOCK_OFFSET_S='%s' is not a whole number of "
                        "seconds; the clock is not shifted\n", e);
        return;
    }
    clock_offset_s = (int64_t)v;
}

int64_t zs_clock_offset_s(void)
{
    pthread_once(&clock_once, clock_offset_init);
    return clock_offset_s;
}

int64_t zs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + zs_clock_offset_s() * 1000;
}

int64_t zs_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *zs_time_fmt(int64_t t_ms, int32_t offset_min, char *buf)
{
    int64_t s = t_ms >= 0 ? t_ms / 1000 : -((-t_ms + 999) / 1000);
    return zp_time_format(s, offset_min, buf);
}
