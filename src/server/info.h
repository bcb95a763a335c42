/*
 * info.h - the /api/v1/info document (info.c): the park, its components,
 * targets, factors and the daemon's mode.
 */
#ifndef ZEROPARK_SERVER_INFO_H
#define ZEROPARK_SERVER_INFO_H

#include "doc.h"

typedef struct zs_server zs_server;

/* Build the /api/v1/info document (model read lock held by the caller);
 * NULL when out of memory. */
zs_doc *zs_info_build(zs_server *S);

#endif
