/*
 * feed.h - what a point or a series feeds (feed.c): the model quantity
 * named by a device point's "feeds" or by a pushed series' own name
 * (docs/api.md "Series names"; zeropark/devices.h lists them).
 */
#ifndef ZEROPARK_SERVER_FEED_H
#define ZEROPARK_SERVER_FEED_H

#include <stddef.h>

/* What a series feeds, resolved from the model's devices and the names
 * themselves (docs/api.md "Series names"). */
typedef enum zs_feed_kind {
    ZS_FEED_NONE = 0, ZS_FEED_PV, ZS_FEED_WIND, ZS_FEED_STORAGE_POWER, ZS_FEED_STORAGE_SOC,
    ZS_FEED_LOAD, ZS_FEED_DC_IT, ZS_FEED_DC_FACILITY, ZS_FEED_GRID_IMPORT, ZS_FEED_GRID_EXPORT,
    ZS_FEED_GRID_NET
} zs_feed_kind;
/* Parse "pv.rooftops" etc.; asset gets the name part ("" for grid/dc). */
zs_feed_kind zs_feed_parse(const char *feeds, char *asset, size_t assetsz);

#endif
