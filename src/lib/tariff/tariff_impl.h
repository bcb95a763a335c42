/*
 * tariff_impl.h - the tariff's insides, shared by the files of
 * src/lib/tariff (never installed).
 *
 *   tariff.c   the object: strings it owns, kinds of day, the day's
 *              periods minute by minute, prices, the price series
 *   read.c     the JSON document (core/jsonread.h), zp_tariff_load_*;
 *              zp__tariff_read for a tariff inside another document
 *   check.c    every minute of every kind of day in one period, overrides
 *              inside what they replace: located problems
 *   catalog.c  tariffs by name: the caller's directories, then the
 *              tables built in from data/tariffs
 *   bill.c     the bill (zeropark/tariff.h, "The bill")
 *
 * Times of day are minutes 0..1440 on the local clock. A range is
 * half-open [from, to); to <= from wraps past midnight ("22-6"); 0-1440
 * is the whole day.
 */
#ifndef ZP_TARIFF_IMPL_H
#define ZP_TARIFF_IMPL_H

#include "core/jsonread.h"
#include "zeropark/tariff.h"

#include <stdint.h>

#define TF_DAY_MIN 1440 /* minutes in a day */
#define TF_NDAYTYPES 3  /* ZP_DAY_WORKDAY, _WEEKEND, _HOLIDAY */
#define TF_ALL_MONTHS 0xfffu
#define TF_ALL_DAYS 0x7u
#define TF_NONE 0xffu   /* no period (a minute no row holds) */

/* Caps, so a hostile document cannot make the checks slow. */
#define TF_MAX_ROWS 256         /* schedule rows */
#define TF_MAX_RANGES 24        /* hour ranges in one row */
#define TF_MAX_ROW_DATES 400    /* dates of one override row */
#define TF_MAX_DATES 1000       /* dates of all override rows together */
#define TF_MAX_HOLIDAYS 4000    /* holiday and working-day dates */
#define TF_MAX_SOURCES 32       /* notices */

/* How a period is priced in one month. */
typedef enum tf_price_kind {
    TF_PRICE_NONE = 0, /* not given (the reader refuses that) */
    TF_PRICE_ABS,      /* value CNY/kWh */
    TF_PRICE_RATIO     /* fixed + value x (price of `of`, or the base, - fixed) */
} tf_price_kind;

typedef struct tf_price {
    tf_price_kind kind;
    double value; /* CNY/kWh or the ratio */
    int of;       /* TF_PRICE_RATIO: the period it scales, -1 for the base price */
} tf_price;

typedef struct tf_range {
    uint16_t from, to; /* minutes, half-open, wraps when to <= from */
} tf_range;

/* A schedule row: period holds ranges in months on days. */
typedef struct tf_row {
    int period;         /* index */
    uint16_t replaces;  /* 0: a base row; else the periods (bit i for period i) whose
                           hours it takes over (an override) */
    uint16_t months;    /* bit m-1 for month m */
    uint8_t days;       /* bit zp_day_type */
    tf_range *ranges;
    size_t nranges;
    int64_t *dates;     /* local days (since 1970-01-01) it applies on whatever the
                           month and kind of day, sorted; override rows only */
    size_t ndates;
    char *path;         /* "schedule[3]", for messages */
} tf_row;

struct zp_tariff {
    zp_ctx *ctx;
    zp_tariff_info info;          /* strings point into strs */
    char **strs;                  /* strings the tariff owns */
    size_t nstrs, capstrs;
    zp_tariff_source *sources;    /* info.nsources; [0] the "source" */
    const char *periods[ZP_TARIFF_MAX_PERIODS];
    tf_price price[12][ZP_TARIFF_MAX_PERIODS];
    double pa[12][ZP_TARIFF_MAX_PERIODS]; /* price = pa + pb x base (zp__tariff_resolve) */
    double pb[12][ZP_TARIFF_MAX_PERIODS];
    uint8_t table[12][TF_NDAYTYPES][TF_DAY_MIN]; /* the base rows' period of each minute */
    tf_row *over;                 /* override rows ("replaces"), in document order */
    size_t nover;
    int64_t *holidays, *workdays; /* sorted local days */
    size_t nholidays, nworkdays;
    int *years;                   /* years the holiday list covers, sorted */
    size_t nyears;
    int has_holidays;             /* a "holidays" list was given */
    int days_matter;              /* some row prices kinds of day differently */
};

/* tariff.c */
zp_tariff *zp__tariff_new(zp_ctx *ctx);
/* A copy of s that t owns (NULL for NULL s, or when out of memory:
 * *oom set). */
const char *zp__tariff_str(zp_tariff *t, const char *s, int *oom);
void zp__tariff_row_clear(zp_ctx *ctx, tf_row *r);
/* 1 when day is in the sorted v[0..n). */
int zp__tariff_has_day(const int64_t *v, size_t n, int64_t day);
/* Month 1..12 and kind of day of local day `day` (ZP_DAY_UNKNOWN as
 * zp_tariff_day_type says). */
zp_day_type zp__tariff_kind(const zp_tariff *t, int64_t day, unsigned *month);
/* 1 when row r applies on a day of month (1..12) and kind dt, local day
 * `day` (-1: a kind of day in general, no date). */
int zp__tariff_row_applies(const tf_row *r, unsigned month, int dt, int64_t day);
/* The period of each minute of local day `day` into out: the base table
 * with the overrides that apply. -1 when the day's kind is unknown and
 * matters (nothing written), else 0. */
int zp__tariff_day(const zp_tariff *t, int64_t day, uint8_t out[TF_DAY_MIN]);
/* Fill pa/pb from price with the tariff's fixed part. */
void zp__tariff_resolve(zp_tariff *t);
/* Months of mask (bit m-1 for month m) as "1-6, 9, 11" into buf. */
const char *zp__tariff_months(unsigned mask, char *buf, size_t size);
/* qsort order of int64_t local days. */
int zp__tariff_cmp_day(const void *a, const void *b);
/* "HH:MM" of minute m into buf (6 bytes). */
const char *zp__tariff_hhmm(int m, char *buf);

/* read.c: read the tariff object obj at opath ("" for a document's root,
 * "grid.tariff" inside a park model) through jr, whose mode decides how
 * problems go out. origin names it in zp_tariff_info.origin; fname is its
 * file name less ".json", the name when the document has none. *out is
 * set when this object had no problems, else left NULL. ZP_OK or
 * ZP_ENOMEM. */
zp_status zp__tariff_read(zp_ctx *ctx, zp_jr *jr, json_t *obj, const char *opath,
                          const char *origin, const char *stem, zp_tariff **out);

/* check.c: check rows (the schedule at spath) and build t->table; the
 * override rows are checked against it. Reports through jr; returns the
 * number of problems found (*oom set when memory ran out). */
size_t zp__tariff_check(zp_jr *jr, zp_tariff *t, const tf_row *rows, size_t nrows,
                        const char *spath, int *oom);

#endif
