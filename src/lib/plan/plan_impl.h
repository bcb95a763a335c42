/*
 * plan_impl.h - what the files of src/lib/plan share (internal;
 * docs/planning.md):
 *
 *   candidates.c   the candidates' physics and costs: the profile model
 *                  (the park with every candidate at a unit size), profiles
 *                  per kWp and kW, annuities, and the built park
 *   formulation.c  the planning LP: the dispatch LP (dispatch/lpmatrix.h)
 *                  with capacity columns, coupling rows and target rows
 *   solve.c        CLP or CBC on it, duals, and why a target cannot be met
 *   plan.c         zp_planning_solve: the steps in order, the evaluation
 *                  and the economics
 *   json.c         the result document and the out-model
 *   inputs.c       the inputs as files, for an independent formulation
 */
#ifndef ZP_PLAN_IMPL_H
#define ZP_PLAN_IMPL_H

#include "core/internal.h"
#include "dispatch/lpmatrix.h"
#include "zeropark/plan.h"

/* Threshold below which a size is no build (kWp, kW, kWh). */
#define PLAN_TINY 1e-6

/* An added row's name in the MPS export: name, name_t or name_a_t. */
typedef struct plan_rowname {
    const char *name;
    size_t a, t;                /* SIZE_MAX when unused */
} plan_rowname;

/* What the planning LP has, where. */
typedef struct plan_lp {
    zp_ctx *ctx;
    const zp_model *m;          /* the model as given */
    const zp_planning *pl;      /* its planning section */
    zp_planning_opts o;         /* the scenario (NaN resolved) */

    /* The profile model: the park with every new candidate at a unit size
     * (PV 1 kWp, a turbine, a battery placeholder), objective in money. */
    zp_model pm;
    zp_pv *pm_pv;
    zp_wind *pm_wind;
    zp_storage *pm_storage;
    zp_sim_result *prep;        /* its run's inputs (zp__sim_inputs) */
    zp_dispatch_input in;       /* its dispatch input, PV and wind of the model's assets only */
    const double *reserve_kwh;  /* the reserve per step, or NULL */
    double *pv_exist, *wind_exist; /* the model's own PV and wind (steps each) */
    double **phi;               /* per PV candidate: AC kW per kWp, steps each */
    double **psi;               /* per wind candidate: kW per kW */
    size_t n;                   /* steps */
    double dt;                  /* step, h */
    double f;                   /* the year share */
    double *frac;               /* per month of the run: the bill's share */
    size_t nmonths;
    const uint16_t *month_of_step;

    /* Accounting constants for the targets. */
    double s1_t;                /* Scope 1 of the fuels over the period */
    double rho;                 /* residual factor, kg/kWh */
    double inst0_mwh;           /* certificates + contracts the model has (MWh) */
    double cert0_mwh, gp0_mwh;  /* the model's certificates; its contract's delivery */
    double demand_kwh;          /* the period's demand (firm + flexible arrivals) */
    double max_emissions_t;     /* resolved target (NaN: none) */
    double min_green_pct;       /* resolved target (NaN: none) */
    double max_t_per_tce;       /* targets.max_t_co2_per_tce (NaN: none) */
    double min_clean_pct;       /* targets.min_clean_energy_share_pct (NaN: none) */
    double k_tce_per_kwh;       /* equal-value electricity (the indicator's) */
    double fuels_tce;           /* the fuels' energy over the period */
    double baseline_annual;     /* the model as it is: bill / f + carbon part */
    double *uns_max;            /* steps: its unserved power, the plan's ceiling */

    /* The dispatch LP and the whole. */
    zp_lp *lp;
    zp__lp_matrix mx;
    size_t ncols, nrows, nnz;
    int *start;                 /* ncols + 1 (CoinBigIndex is int here: checked) */
    int *index;
    double *value;
    double *collb, *colub, *obj, *rowlb, *rowub;
    unsigned char *integer;     /* ncols flags */
    plan_rowname *rname;        /* the added rows' names (from mx.nrows on) */
    size_t nint;
    /* columns */
    size_t c_pv, c_wind, c_st;  /* first PV size, wind size, battery (e, q pairs) */
    size_t c_nturb;             /* first turbine count (whole turbines), per wind candidate */
    size_t c_bin;               /* first binary; b_pv, b_wind, b_st per candidate */
    size_t c_gp, c_cert, c_cred, c_s2, c_g; /* SIZE_MAX when absent; c_g: steps columns */
    size_t c_h;                 /* green electricity h (then a, instruments applied) */
    /* rows */
    size_t r_emis, r_cred, r_green, r_s2m; /* SIZE_MAX when absent */
    size_t r_ind, r_clean;      /* the indicator's and the clean share's rows */
    double *cap_obj;            /* per size column: the yearly cost per unit (before f) */
    double *capex_unit;         /* per size column: capex per unit */
    size_t nsize;               /* size columns: pv, wind, st e/q (from c_pv on) */
} plan_lp;

/* plan.c: the scenario, the model's values where opts leave them (NaN). */
zp_status zp__plan_resolve(plan_lp *P, const zp_model *m, const zp_planning_opts *opts);

/* inputs.c: the problem's inputs (per step, CSV; the rest, JSON) for
 * another solver to build the LP of docs/planning.md on its own. */
zp_status zp__plan_write_inputs(zp_ctx *ctx, const zp_model *m, const zp_planning_opts *opts,
                                const char *csv_path, const char *json_path);

/* candidates.c */
double zp__plan_crf(double rate, double years);
/* Build pm, run its inputs (prep, in, reserve), the profiles and the
 * accounting constants. */
zp_status zp__plan_prepare(plan_lp *P);
/* The built park: a shallow copy of the model with the sizes x (the LP's
 * solution) applied; *owned receives what to free (zp__plan_built_free). */
typedef struct plan_built {
    zp_model m;
    zp_pv *pv;
    zp_wind *wind;
    zp_storage *storage;
    double (**curves)[2];       /* scaled power curves, nwind */
    size_t ncurves;
    size_t *st_map;             /* LP storage k -> built storage index, SIZE_MAX: dropped */
} plan_built;
/* The private part of a result (zp_planning_result.priv_): the built park
 * behind result->run. */
typedef struct result_priv {
    plan_built built;
    zp_sim_result *run;
} result_priv;
zp_status zp__plan_built(plan_lp *P, const double *x, plan_built *b);
void zp__plan_built_free(zp_ctx *ctx, plan_built *b);
/* The dispatch input with the sizes of x: PV and wind available, the
 * batteries' sizes. A new battery not built keeps its placeholder size;
 * for extract (1) it starts empty (its flows are all 0), for a dispatch
 * solve (0) at its soc_initial. */
typedef struct plan_input {
    zp_dispatch_input in;
    double *pv, *wind, *soc0;
    zp_storage *st;
} plan_input;
zp_status zp__plan_input(plan_lp *P, const double *x, int extract, plan_input *fi);
void zp__plan_input_free(zp_ctx *ctx, plan_input *fi);
/* The LP storage index of battery candidate i. */
size_t zp__plan_storage_index(const plan_lp *P, size_t i);
void zp__plan_free(plan_lp *P);

/* formulation.c */
zp_status zp__plan_formulate(plan_lp *P);
/* The size of candidate column c in x, with tiny values 0. */
double zp__plan_size(const plan_lp *P, const double *x, size_t c);

/* solve.c */
typedef struct plan_solution {
    double *x;                  /* ncols */
    double *dual;               /* nrows (LP, or the MILP's LP with integers fixed) */
    double objective;
    int iterations;
    int status;                 /* ZP_PLANNING_* */
    char text[512];
} plan_solution;
zp_status zp__plan_solve(plan_lp *P, plan_solution *s);
void zp__plan_solution_free(zp_ctx *ctx, plan_solution *s);
/* After an infeasible solve: name each target that cannot be met with the
 * best value reachable, into s->text. */
zp_status zp__plan_diagnose(plan_lp *P, plan_solution *s);
zp_status zp__plan_write_mps(plan_lp *P, const char *path);

#endif
