/*
 * report_impl.h - private to src/lib/report (never installed): the
 * report's view of the data (struct rep), the text buffer, the ids of the
 * page's words, the SVG chart types, and the functions the report's files
 * share. The files, in the order the data flows:
 *
 *   view.c     the view both outputs read: the accounting result (made
 *              there when the caller has none); the heat map cells
 *   cost.c     the bill and peak grid import, from the run's bill (public
 *              zp_report_cost_*)
 *   sbuf.c     the capped text buffer with a sticky error, escaping and
 *              numbers (its own header, sbuf.h: it knows nothing of the rest)
 *   strings.c  the page's words in English and Chinese; labels; the
 *              accounting's notes and alerts in the page's language
 *   svg.c      SVG chart primitives: scales, legend, axes, bars, lines
 *   charts.c   the report's five charts
 *   tables.c   the report's tables
 *   method.c   the method section: factor sources, notes, alerts
 *   page.c     the HTML page: head, style, KPIs and the sections in order
 *   csv.c      the monthly table as CSV
 *   report.c   the public entry points
 */
#ifndef ZP_REPORT_IMPL_H
#define ZP_REPORT_IMPL_H

#include "core/internal.h"
#include "zeropark/carbon.h"
#include "zeropark/report.h"
#include "report/sbuf.h"

#include <stdint.h>

/* ---- strings --------------------------------------------------------------
 * All the page's words, [id][lang]. Keep both columns filled: a missing
 * translation shows as an empty label in that language. */
enum {
    S_HTML_LANG, S_REPORT, S_PERIOD, S_STEP, S_MINUTES, S_DISPATCH, S_MODEL_FILE,
    S_GENERATED, S_LOCAL_TIME, S_DATA_FROM, S_DATA_ACCT,
    S_K_TOTAL, S_K_GREEN, S_K_HOURLY, S_K_PUE, S_K_BUDGET,
    S_C_EMIS, S_C_EMIS_D, S_C_HEAT, S_C_HEAT_D, S_C_SRC, S_C_SRC_D, S_C_BURN,
    S_C_BURN_D, S_C_PUE, S_C_PUE_D, S_NO_DC, S_NO_BUDGET_NOTE,
    S_SCOPE1, S_SCOPE2_LOC, S_SCOPE2_MKT, S_TOTAL_LOC, S_TOTAL_MKT, S_PV, S_WIND,
    S_STORAGE, S_GRID, S_CUMUL, S_PROJ, S_BUDGET, S_PACE, S_CROSSING, S_DAILY_PUE,
    S_PUE_TARGET, S_NO_CONS, S_SHARE,
    S_AX_EMIS, S_AX_ENERGY, S_AX_HOUR, S_AX_DATE, S_AX_MONTH, S_AX_CUMUL, S_AX_PUE,
    S_T_SCOPE, S_T_TARGETS, S_T_ENERGY, S_T_GREEN, S_T_MONTHLY, S_T_METHOD,
    S_H_ITEM, S_H_VALUE, S_H_UNIT, S_H_SHARE, S_H_LIMIT, S_H_RESULT, S_H_PROJECTED,
    S_H_STATUS, S_H_MONTH, S_H_CONS,
    S_ST_MET, S_ST_RISK, S_ST_MISSED, S_NO_TARGETS,
    S_TG_EMIS, S_TG_GREEN, S_TG_PUE, S_TG_TCE, S_TG_INTENSITY, S_TG_INDICATOR, S_TG_CLEAN,
    S_E_LOADS, S_E_DC_IT, S_E_DC_FAC, S_E_PV, S_E_WIND, S_E_IMPORT, S_E_EXPORT,
    S_E_CHARGE, S_E_DISCHARGE, S_E_CURTAILED, S_E_UNSERVED, S_E_CONSUMPTION,
    S_E_TCE_CAL, S_E_TCE_EQ, S_E_FUELS_TCE, S_E_COAL_SAVED, S_E_INTENSITY,
    S_E_INDICATOR, S_E_INDICATOR_CAL, S_E_INDICATOR_LOC, S_E_CLEAN,
    S_E_INDICATOR_TCE, S_E_INDICATOR_TCE_CAL,
    S_G_VOL, S_G_HOURLY, S_G_CERTS, S_G_CERTS_APPLIED, S_G_CONTRACTS, S_G_SURPLUS,
    S_G_CUE,
    S_M_SCOPE1, S_M_SCOPE2_LOC, S_M_SCOPE2_MKT, S_M_CFE, S_M_VOL, S_M_PUE, S_M_TCE,
    S_M_FACTOR_SET, S_M_GWP, S_M_GRID, S_M_RESIDUAL, S_M_POWER_COAL, S_M_FUEL,
    S_M_REFRIG, S_M_SOURCE, S_M_VERIF, S_M_NOTES, S_M_ALERTS,
    S_M_CORRECTIONS, S_M_HOURLY_FACTOR, S_M_BUDGET,
    S_K_NET, S_T_OFFSETS, S_O_GROSS, S_O_RETIRED, S_O_NET, S_O_NOTE, S_O_NONE, S_H_RETIREMENT,
    S_H_PROJECT, S_H_BENEFICIARY, S_H_PURPOSE, S_H_SERIALS,
    S_FOOTER,
    S_DISP_RULE, S_DISP_OPTIMAL, S_DISP_MPC, S_RUN, S_K_COST, S_K_PEAK, S_T_COST, S_CO_IMPORT,
    S_CO_EXPORT, S_CO_NET, S_CO_PEAK, S_CO_PEAK_AT, S_T_PEAKS, S_CO_MAX, S_M_COST,
    S_PARK_MODEL, S_NATIONAL, S_BUILTIN, S_NOT_VERIFIED, S_GIVEN_IN_MODEL,
    S_M_NCV, S_M_CC, S_M_OF, S_H_PEAK_TIME,
    S_CO_DEMAND, S_CO_CAPACITY, S_CO_WEAR, S_CO_GREEN, S_CO_TOTAL, S_CO_CYCLES, S_CO_FADE,
    /* the abatement curve's page (curve.c) */
    S_CV_TITLE, S_CV_META, S_CV_TARGET, S_CV_POINTS, S_CV_K_BASE, S_CV_K_LAST, S_CV_K_MAC,
    S_CV_C_COST, S_CV_C_COST_D, S_CV_C_MAC, S_CV_C_MAC_D, S_CV_C_PARETO, S_CV_C_PARETO_D,
    S_CV_CAPITAL, S_CV_OM, S_CV_OPERATION, S_CV_CERTS, S_CV_CREDITS, S_CV_CARBON,
    S_CV_SHADOW, S_CV_FD, S_CV_AVG, S_CV_FRONT, S_CV_PLANS, S_CV_AX_COST, S_CV_AX_MAC,
    S_CV_AX_TARGET, S_CV_AX_GREEN, S_CV_T_POINTS, S_CV_H_STATUS, S_CV_H_TOTAL, S_CV_H_EMIS,
    S_CV_H_GREEN, S_CV_H_SHADOW, S_CV_H_AVG, S_CV_H_BUILD, S_CV_BASE, S_CV_INFEASIBLE,
    S_CV_OPTIMAL, S_CV_BEST, S_CV_NOTE,
    S__COUNT
};

/* a / b rounded toward minus infinity. */
static inline int64_t floor_div(int64_t a, int64_t b)
{
    return zp__fdiv(a, b);
}

/* Local day number (days since 1970-01-01 in the park's time) of t. */
static inline int64_t local_day(zp_time_t t, int32_t off_min)
{
    return zp__local_day(t, off_min);
}

/* ---- the report's view of the data -------------------------------------------
 * The accounting result's figures, as the charts and tables read them. */

typedef struct tgt_view {
    const char *name;
    double limit, value, projected;
    int status; /* zp_target_status */
} tgt_view;

typedef struct rep {
    zp_ctx *ctx;
    sbuf b;
    int lang;
    const zp_model *m;
    const zp_sim_result *r;
    const zp_acct_result *a; /* the caller's, or own_a */
    int32_t off;             /* local offset, minutes */
    zp_report_cost *cost;    /* energy cost and peak import, owned */
    zp_acct_input *own_in;   /* the run as accounting input, when made here */
    zp_acct_result *own_a;   /* its accounting, owned */

    const zp_acct_totals *months; size_t nmonths;
    const zp_acct_totals *days;   size_t ndays;
    zp_acct_totals total;
    double green_vol_pct, green_hourly_pct, pue;

    tgt_view tg[8];
    size_t ntg;
    double budget_t;                   /* NaN without a cap */
    zp_time_t by_start, by_end;        /* budget year */
    double projected_t;
    zp_time_t crossing;

    /* Heat map: days grouped k to a column, 24 rows; share in [0, 1] or NaN. */
    double *heat;
    size_t heat_cols, heat_k;
    int64_t heat_day0; /* local day of column 0 */
} rep;

/* view.c */
zp_status rep__init(rep *p, zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                    const zp_acct_result *acct, const zp_report_opts *o, int heat);
void rep__free(rep *p);

/* strings.c: the page's words, [id][lang] */
extern const char *const rep__strings[S__COUNT][2];
static inline const char *tr(const rep *p, int id) { return rep__strings[id][p->lang]; }
void rep__word(rep *p, const char *s);
void rep__source(rep *p, const char *s);
void rep__month_label(rep *p, char *buf, size_t n, int64_t day, int with_year);
void rep__date_label(char *buf, size_t n, int64_t day);
int rep__dispatch_label(const char *d);
int rep__target_label(const char *name);
void rep__note(rep *p, const char *s);
void rep__alert(rep *p, const zp_acct_alert *al, size_t *next_target);

/* ---- SVG chart helpers --------------------------------------------------------
 * A chart is a viewBox of W x H units with a plot area (x0, y0, w, h) and a
 * linear y scale [lo, hi]; the CSS scales the whole SVG to its column, so
 * one layout serves a desktop and a tablet. */

typedef struct chart {
    double W, H;
    double x0, y0, w, h; /* plot area */
    double lo, hi;       /* y range */
} chart;

/* How a series is drawn, in the legend and by rep__line. */
typedef enum marker { MARK_BOX, MARK_LINE, MARK_DASHED, MARK_DOT, MARK_DOTTED } marker;

typedef struct legend_item {
    const char *name;
    const char *color;
    marker kind;
} legend_item;

double rep__ymap(const chart *c, double v);
double rep__nice_range(chart *c, double lo, double hi, int nt);
double rep__text_w(const char *s);
void rep__chart_open(rep *p, chart *c, const char *name, int wide, double W, double H, int title,
                     int desc, const legend_item *leg, size_t nleg);
void rep__chart_close(rep *p, const chart *c, int xtitle, int title, int note);
void rep__axis_y(rep *p, const chart *c, double step, int title);
void rep__axis_y_title(rep *p, const chart *c, int title);
void rep__axis_x_months(rep *p, const chart *c, int64_t d0, int64_t d1, double day_w);
void rep__stacked_bars(rep *p, const chart *c, size_t ncat, size_t nser, const double *v,
                       const legend_item *ser, char (*cat)[32], const char *unit, int dec);
void rep__tip(rep *p, const char *cat, const char *series, double v, int dec, const char *unit);
void rep__line(rep *p, const chart *c, size_t n, const double *x, const double *y,
               const char *color, marker kind, const char *title);

/* charts.c: the charts section */
void rep__charts(rep *p);

/* tables.c */
void rep__table_scopes(rep *p);
void rep__table_targets(rep *p);
void rep__table_energy(rep *p);
void rep__table_green(rep *p);
void rep__table_monthly(rep *p);
void rep__table_cost(rep *p);
void rep__table_peaks(rep *p);
void rep__table_offsets(rep *p, const zp_report_offsets *o);

/* method.c */
void rep__method(rep *p);

/* page.c */
void rep__page(rep *p, const zp_report_opts *o);

/* csv.c */
void rep__csv(rep *p);

/* page.c: the page's style sheet (also the abatement curve's page) */
const char *rep__css(void);

#endif
