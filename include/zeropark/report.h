/*
 * zeropark/report.h - the park's year as one self-contained HTML report
 * (charts drawn as SVG by the library, tables, method and factor sources)
 * and the same tables as CSV. Bilingual: English and Chinese.
 *
 * Main types and calls: zp_report_opts (zp_report_opts_init,
 * zp_report_lang_parse; zp_report_offsets for credits retired, from the
 * ledger's answer), zp_report_html and zp_report_csv (text freed with
 * zp_report_free), and zp_report_cost_compute into a zp_report_cost (energy
 * cost and peak import per month). It reads the model (model.h), the run
 * (sim.h) and its accounting (carbon.h). Units are in the names (_t, _cny,
 * _kw); calls that can fail take a zp_ctx (core.h).
 *
 * A report is made from a model, its simulation result and the accounting
 * result of that run (zeropark/carbon.h): every figure on the page is the
 * accounting's (the caller's, or one the report makes itself with the
 * model's accounting options), the energy cost and peak grid import come
 * from the run's flows (zp_report_cost_compute). The library builds the
 * text in memory and never writes files; the `zeropark report` command
 * writes it (docs/report.md). The page needs no network: no scripts, fonts
 * or images are referenced, only inline CSS and SVG. Every string taken
 * from the model is HTML-escaped.
 */
#ifndef ZEROPARK_REPORT_H
#define ZEROPARK_REPORT_H

#include "zeropark/core.h"
#include "zeropark/model.h"
#include "zeropark/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The accounting result (zeropark/carbon.h) of the run, as zp_account
 * makes it. When the caller passes NULL the report accounts the run itself
 * (zp_acct_from_sim, zp_acct_opts_from_model, zp_account). */
struct zp_acct_result;

typedef enum zp_report_lang {
    ZP_REPORT_EN = 0, /* English */
    ZP_REPORT_ZH = 1  /* Simplified Chinese */
} zp_report_lang;

/* Default cap on the size of the report text. */
#define ZP_REPORT_MAX_BYTES ((size_t)64 << 20)

/* Carbon credits retired against the park-year in the credit ledger
 * (zeropark/ledger.h, the offsets operation). The report shows gross
 * (market-based) emissions, the credits retired and net emissions, with
 * every retirement's serial numbers. */
typedef struct zp_report_retirement {
    int64_t id;              /* retirement number in the ledger */
    int64_t qty_t;           /* tonnes CO2e */
    const char *project;     /* project id */
    const char *beneficiary; /* on whose behalf */
    const char *purpose;     /* what it offsets */
    const char *serials;     /* serial ranges, separated by ", " */
} zp_report_retirement;

typedef struct zp_report_offsets {
    const char *park;                  /* park name the credits were retired for */
    int year;                          /* the park-year they offset */
    int64_t retired_t;                 /* sum of the items */
    const zp_report_retirement *items; /* n retirements (borrowed) */
    size_t n;
} zp_report_offsets;

typedef struct zp_report_opts {
    zp_report_lang lang;      /* default ZP_REPORT_EN */
    const char *title;        /* page title; NULL = the model's name */
    const char *generated_at; /* text shown as the generation time (e.g. an ISO-8601
                                 instant); NULL = not shown, which keeps the output
                                 byte-identical between runs */
    size_t max_bytes;         /* cap on the text; 0 = ZP_REPORT_MAX_BYTES */
    const zp_report_offsets *offsets; /* credits retired against the park-year;
                                         NULL = no offsets section */
    int64_t run_id;           /* the stored run the simulation re-made (shown in the
                                 header); 0 = none */
} zp_report_opts;

/* Defaults as above. Cannot fail. */
ZP_API void zp_report_opts_init(zp_report_opts *o);

/* "en" or "zh" (also "zh-CN", "cn") to a language. ZP_EINVAL for anything
 * else (no message set: the caller names the option). */
ZP_API zp_status zp_report_lang_parse(const char *text, zp_report_lang *out);

/* Build the HTML report of simulation r of model m (r->model must be m).
 * acct is the accounting of r, or NULL to have the report account r with
 * the model's accounting options (as `zeropark report` does); opts may be
 * NULL (defaults).
 *
 * On success *html owns a NUL-terminated text of *len bytes (len may be
 * NULL), freed with zp_report_free. Errors: ZP_EINVAL (NULL argument, r
 * not a run of m, run shorter than one step, an acct without months, days
 * or per-step figures), ZP_ENOMEM, ZP_ETOOBIG (text larger than
 * opts->max_bytes), and with acct NULL those of zp_account; *html is NULL
 * on failure. */
ZP_API zp_status zp_report_html(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                                const struct zp_acct_result *acct, const zp_report_opts *opts,
                                char **html, size_t *len);

/* The report's monthly table as CSV (UTF-8, comma-separated, one header
 * line; columns documented in docs/report.md): month, emissions by scope
 * (t CO2), energy by source (MWh), consumption and green share. Column
 * names follow the unit convention and are the same in both languages.
 * Same arguments, ownership and errors as zp_report_html. */
ZP_API zp_status zp_report_csv(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                               const struct zp_acct_result *acct, const zp_report_opts *opts,
                               char **csv, size_t *len);

/* The abatement curve of `plan --curve` (zeropark/plan.h) as one
 * self-contained bilingual HTML page in the report's style: the cost of
 * each plan by part, the marginal and average abatement cost, the Pareto
 * front of cost against the green share, and the plans in a table
 * (docs/planning.md "Curve"). opts: lang, title, max_bytes (NULL:
 * defaults). Text freed with zp_report_free; ZP_EINVAL, ZP_ENOMEM,
 * ZP_ETOOBIG. */
struct zp_planning_curve;
ZP_API zp_status zp_report_curve_html(zp_ctx *ctx, const struct zp_planning_curve *curve,
                                      const zp_report_opts *opts, char **html, size_t *len);

/* Energy cost and peak grid import of a run, in total and per local
 * calendar month (the model's offset), and the whole bill: the figures of
 * the run's bill (r->bill, zp_bill_compute), not counted again. Import
 * cost is the sum over steps of grid import (kWh) x the step's import
 * price (the bill's energy), export revenue of grid export x the export
 * price, both CNY; net = import cost - export revenue (the net energy
 * cost). The peak is the highest grid import of a step (its mean power,
 * kW) and the start of the first step that has it: the peak the demand
 * charge is paid on. bill is the month's part of the bill (energy, demand,
 * capacity, export revenue, wear, green power, total; the simulation's
 * cost_cny is the run's total). */
typedef struct zp_report_cost_month {
    zp_time_t start;            /* first step of the month in the run */
    double import_cost_cny;
    double export_revenue_cny;
    double net_cny;
    double peak_import_kw;
    zp_time_t peak_at;
    zp_bill_breakdown bill;     /* the month's part of the bill */
    double fraction;            /* the share of the monthly charges it pays (a part month) */
} zp_report_cost_month;

typedef struct zp_report_cost {
    double import_cost_cny;
    double export_revenue_cny;
    double net_cny;
    double peak_import_kw;      /* the highest of the months' peaks */
    zp_time_t peak_at;
    zp_report_cost_month *months; /* nmonths, in time order */
    size_t nmonths;
    zp_bill_breakdown bill;     /* the run's bill */
} zp_report_cost;

/* Compute the figures above for run r. ZP_EINVAL for a NULL argument, an
 * empty run or one without its bill, ZP_ENOMEM. Free with
 * zp_report_cost_free. */
ZP_API zp_status zp_report_cost_compute(zp_ctx *ctx, const zp_sim_result *r, zp_report_cost **out);
/* Accepts NULL. */
ZP_API void zp_report_cost_free(zp_ctx *ctx, zp_report_cost *c);

/* Free a text from zp_report_html or zp_report_csv. Accepts NULL. */
ZP_API void zp_report_free(zp_ctx *ctx, char *text);

#ifdef __cplusplus
}
#endif
#endif
