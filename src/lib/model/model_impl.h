/*
 * model_impl.h - what the files of src/lib/model share while a model is
 * read (internal): the reader's state and the reader of a value (a number
 * or a series reference).
 *
 *   model.c    the model: JSON, validation, series, the public calls
 *   billing.c  what the park pays: grid.tariff, the basic charges, the
 *              green-power contract (docs/model.md "grid")
 *   devices.c  the live devices ("devices")
 */
#ifndef ZP_MODEL_IMPL_H
#define ZP_MODEL_IMPL_H

#include "core/jsonread.h"
#include "zeropark/model.h"

#define PATH_SZ ZP_JR_PATH_MAX

typedef zp_jr_range range;

/* ---- reader state and diagnostics ---------------------------------------
 * The JSON reader (core/jsonread.h) collects the problems of step 2 with
 * their positions and sends them sorted (zp__jr_flush); in step 3 each
 * problem goes out as it is found. */

/* A series reference to read once the whole model is validated. */
typedef struct sref {
    zp_value *v;         /* where the series goes (inside the model) */
    char *path;          /* JSON path of the reference */
    zp_series_kind kind; /* how it resamples */
    range rg;            /* what each value must satisfy */
} sref;

typedef struct reader {
    zp_ctx *ctx;
    zp_model *m;          /* model being filled */
    zp_jr *jr;            /* the JSON reader: tree, positions, problems */
    const char *file;     /* name in diagnostics, may be NULL */
    zp_status st;         /* ZP_ENOMEM once any allocation failed (sticky) */
    size_t nd;            /* problems of step 2 (set when they are flushed) */
    sref *refs;           /* series references */
    size_t nrefs, caprefs;
    int period_ok;        /* start, end, step and steps are usable */
    unsigned flags;       /* ZP_MODEL_* of the load */
} reader;

/* A number or {"csv": PATH, "column": NAME} at member key of obj (path
 * opath), a number in rg (default def when absent); a series reference is
 * read in step 3 and resampled as kind. The getters' 1 / 0 / -1. */
int zp__model_value_field(reader *r, json_t *obj, const char *opath, const char *key,
                          int required, double def, range rg, zp_series_kind kind,
                          zp_value *out);

/* billing.c: the members of grid (object go at gpath) that say what the
 * park pays: tariff, tariff_base_price_cny_per_kwh, the basic charges,
 * transformer_kva, green_power. */
void zp__model_read_billing(reader *r, json_t *go, const char *gpath);

/* model.c: a wind turbine's power_curve (member of o at opath) into w;
 * rated_ok: w->rated_kw is sound, so points above 1.05 x it are refused. */
void zp__model_read_power_curve(reader *r, json_t *o, const char *opath, zp_wind *w,
                                int rated_ok);

/* planning.c: the "planning" section (docs/planning.md), read once pv,
 * wind, storage and grid are, so that what a candidate extends is known;
 * and what it owns, freed. */
void zp__model_read_planning(reader *r, json_t *root);
void zp__model_planning_free(zp_ctx *ctx, zp_planning *p);

#endif
