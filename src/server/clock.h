/*
 * clock.h - the daemon's clocks and its times as text (clock.c).
 */
#ifndef ZEROPARK_SERVER_CLOCK_H
#define ZEROPARK_SERVER_CLOCK_H

#include <stdint.h>

/* Clocks in ms: wall (Unix time, shifted by the test-only
 * ZEROPARK_TEST_CLOCK_OFFSET_S) and monotonic. */
int64_t zs_now_ms(void);
/* The test-only wall-clock shift in seconds (0 unless set). */
int64_t zs_clock_offset_s(void);
int64_t zs_mono_ms(void);
/* Format Unix ms at the offset (ISO-8601, seconds) into buf
 * (ZP_TIME_BUFSIZE bytes). Returns buf. */
char *zs_time_fmt(int64_t t_ms, int32_t offset_min, char *buf);

#endif
