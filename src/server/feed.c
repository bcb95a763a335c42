/*
 * feed.c - the one parser of a "feeds" text in the server: ingest resolves
 * series with it, the simulator the quantities it serves.
 */
#include "feed.h"

#include <string.h>

zs_feed_kind zs_feed_parse(const char *f, char *asset, size_t assetsz)
{
    /* the quantities without an asset, then those named "<kind>.<asset>" */
    static const struct {
        const char *name;
        zs_feed_kind k;
    } fixed[] = {{"datacenter.it", ZS_FEED_DC_IT},     {"datacenter.facility", ZS_FEED_DC_FACILITY},
                 {"grid.import", ZS_FEED_GRID_IMPORT}, {"grid.export", ZS_FEED_GRID_EXPORT},
                 {"grid.net", ZS_FEED_GRID_NET}};
    static const struct {
        const char *pre;
        zs_feed_kind k;
    } simple[] = {{"pv.", ZS_FEED_PV}, {"wind.", ZS_FEED_WIND}, {"load.", ZS_FEED_LOAD}};
    size_t n = strlen(f);
    asset[0] = '\0';
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcmp(f, fixed[i].name) == 0)
            return fixed[i].k;
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        size_t pl = strlen(simple[i].pre);
        if (n > pl && strncmp(f, simple[i].pre, pl) == 0 && n - pl < assetsz &&
            !strchr(f + pl, '.')) {
            memcpy(asset, f + pl, n - pl + 1);
            return simple[i].k;
        }
    }
    if (n > 8 && strncmp(f, "storage.", 8) == 0) {
        const char *dot = strrchr(f, '.');
        size_t al = (size_t)(dot - (f + 8));
        if (dot > f + 8 && al < assetsz) {
            zs_feed_kind k = strcmp(dot, ".power") == 0 ? ZS_FEED_STORAGE_POWER
                             : strcmp(dot, ".soc") == 0 ? ZS_FEED_STORAGE_SOC
                                                        : ZS_FEED_NONE;
            if (k != ZS_FEED_NONE) {
                memcpy(asset, f + 8, al);
                asset[al] = '\0';
                return k;
            }
        }
    }
    return ZS_FEED_NONE;
}
