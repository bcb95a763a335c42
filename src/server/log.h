/*
 * log.h - one-line key=value logs on stderr (log.c).
 */
#ifndef ZEROPARK_SERVER_LOG_H
#define ZEROPARK_SERVER_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "zeropark/core.h"

typedef enum zs_log_level { ZS_LOG_DEBUG = 0, ZS_LOG_INFO, ZS_LOG_WARN, ZS_LOG_ERROR } zs_log_level;
void zs_log_set_level(zs_log_level lvl);
bool zs_log_enabled(zs_log_level lvl);
/* One line on stderr: "ts=... level=... " then fmt (key=value pairs). */
void zs_log(zs_log_level lvl, const char *fmt, ...) ZP_PRINTF(2, 3);
/* Quote a value for a key=value line into buf (adds "" when it holds
 * spaces, quotes or '='; escapes \ and "). Returns buf. */
const char *zs_log_quote(const char *s, char *buf, size_t bufsz);

#endif
