/*
 * status.h - the /api/v1/status document (status.c).
 */
#ifndef ZEROPARK_SERVER_STATUS_H
#define ZEROPARK_SERVER_STATUS_H

#include <stdbool.h>

typedef struct zs_server zs_server;

/* Rebuild the /status document (main thread). */
void zs_status_refresh(zs_server *S, bool year_too);

#endif
