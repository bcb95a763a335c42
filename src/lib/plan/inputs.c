/*
 * inputs.c - the planning problem's inputs as files, for another solver
 * to build the same LP from docs/planning.md on its own (internal: the
 * independent formulation of tests/unit/plan_reference.py and the
 * benchmark's peer, bench/plan_peer.py): per step the model's PV and wind,
 * the candidates' profiles, demand, prices, months, reserve; and the
 * scalars (batteries, flexible loads, penalties, candidates and their
 * costs, targets, the accounting constants) as JSON. No formulation here:
 * only what goes into one.
 */
#include "plan/plan_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* What a kWh imported at step t costs (the dispatch's objective, in CNY). */
static double import_cost(const zp_dispatch_input *in, size_t t)
{
    double p = in->import_price_cny_per_kwh ? in->import_price_cny_per_kwh[t] : 0.0;
    double f = in->grid_factor_kg_per_kwh ? in->grid_factor_kg_per_kwh[t] : 0.0;
    return in->objective == ZP_MINIMISE_COST_WITH_CARBON_PRICE
               ? p + in->carbon_price_cny_per_t * f / 1000.0
               : p;
}

static void write_csv(FILE *f, const plan_lp *P)
{
    const zp_dispatch_input *in = &P->in;
    const zp_planning *pl = P->pl;
    fprintf(f, "firm_kw,pv_kw,wind_kw,import_cost,export_value,import_limit_kw,month,reserve_kwh,"
               "uns_max_kw");
    for (size_t j = 0; j < in->nflex; j++)
        fprintf(f, ",flex_kw_%zu", j);
    for (size_t i = 0; i < pl->npv; i++)
        fprintf(f, ",phi_%zu", i);
    for (size_t i = 0; i < pl->nwind; i++)
        fprintf(f, ",psi_%zu", i);
    fprintf(f, "\n");
    for (size_t t = 0; t < P->n; t++) {
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%u,%.17g,%.17g",
                in->firm_kw ? in->firm_kw[t] : 0.0, P->pv_exist[t], P->wind_exist[t],
                import_cost(in, t),
                in->export_price_cny_per_kwh ? in->export_price_cny_per_kwh[t] : 0.0,
                isinf(in->import_limit_kw) ? 1e300 : in->import_limit_kw,
                (unsigned)(in->month_of_step ? in->month_of_step[t] : 0),
                P->reserve_kwh ? P->reserve_kwh[t] : 0.0, P->uns_max[t]);
        for (size_t j = 0; j < in->nflex; j++) {
            const zp_dispatch_flex *fl = &in->flex[j];
            fprintf(f, ",%.17g", fl->share > 0 ? fl->share * fl->kw[t] : fl->kw[t]);
        }
        for (size_t i = 0; i < pl->npv; i++)
            fprintf(f, ",%.17g", P->phi[i][t]);
        for (size_t i = 0; i < pl->nwind; i++)
            fprintf(f, ",%.17g", P->psi[i][t]);
        fprintf(f, "\n");
    }
}

static const char *num(double v, char *buf)
{
    if (isnan(v))
        return "null";
    snprintf(buf, 40, "%.17g", isinf(v) ? (v > 0 ? 1e300 : -1e300) : v);
    return buf;
}

static void write_json(FILE *f, const plan_lp *P)
{
    const zp_dispatch_input *in = &P->in;
    const zp_planning *pl = P->pl;
    char a[40], b[40], c[40], d[40], e[40], g[40], h[40], k[40];
    fprintf(f, "{\"step_h\": %s, \"steps\": %zu, \"export_limit_kw\": %s,\n", num(P->dt, a), P->n,
            num(in->export_limit_kw, b));
    fprintf(f, " \"unserved_penalty\": %s, \"reserve_penalty\": %s, \"epsilon\": %s, \"reserve\": %s,\n",
            num(P->mx.penalty, a), num(P->mx.reserve_penalty, b), num(P->mx.epsilon, c),
            P->reserve_kwh ? "true" : "false");
    fprintf(f, " \"demand_charge_cny_per_kw_month\": %s, \"month_fraction\": [",
            num(in->demand_charge_cny_per_kw_month, a));
    for (size_t m = 0; m < P->nmonths; m++)
        fprintf(f, "%s%s", m ? ", " : "", num(in->month_fraction ? in->month_fraction[m] : 1.0, a));
    fprintf(f, "],\n \"storage\": [");
    for (size_t s = 0; s < in->nstorage; s++) {
        const zp_storage *st = &in->storage[s];
        int cand = -1;
        for (size_t i = 0; i < pl->nstorage; i++)
            if (zp__plan_storage_index(P, i) == s)
                cand = (int)i;
        int fresh = cand >= 0 && !pl->storage[cand].extends;
        fprintf(f, "%s\n  {\"energy_kwh\": %s, \"power_kw\": %s, \"charge_efficiency\": %s, "
                   "\"discharge_efficiency\": %s, \"soc_min\": %s, \"soc_max\": %s, \"soc_initial\": %s, "
                   "\"degradation_cny_per_kwh\": %s, \"candidate\": %d}",
                s ? "," : "", num(fresh ? 0.0 : st->energy_kwh, a), num(fresh ? 0.0 : st->power_kw, b),
                num(st->charge_efficiency, c), num(st->discharge_efficiency, d), num(st->soc_min, e),
                num(st->soc_max, g), num(st->soc_initial, h), num(st->degradation_cny_per_kwh, k),
                cand);
    }
    fprintf(f, "],\n \"flex\": [");
    for (size_t j = 0; j < in->nflex; j++) {
        double ds = floor(in->flex[j].max_delay_h / P->dt + 1e-9);
        fprintf(f, "%s{\"delay_steps\": %.0f}", j ? ", " : "", ds >= (double)P->n ? (double)P->n : ds);
    }
    fprintf(f, "],\n \"discount_rate\": %s,\n \"pv\": [", num(P->o.discount_rate, a));
    for (size_t i = 0; i < pl->npv; i++)
        fprintf(f, "%s{\"capex\": %s, \"om\": %s, \"lifetime\": %s, \"max\": %s}", i ? ", " : "",
                num(pl->pv[i].capex_cny_per_kwp * P->o.capex_scale_pv, a),
                num(pl->pv[i].om_cny_per_kwp_year, b), num(pl->pv[i].lifetime_years, c),
                num(pl->pv[i].max_kwp, d));
    fprintf(f, "],\n \"wind\": [");
    for (size_t i = 0; i < pl->nwind; i++)
        fprintf(f, "%s{\"capex\": %s, \"om\": %s, \"lifetime\": %s, \"max\": %s}", i ? ", " : "",
                num(pl->wind[i].capex_cny_per_kw * P->o.capex_scale_wind, a),
                num(pl->wind[i].om_cny_per_kw_year, b), num(pl->wind[i].lifetime_years, c),
                num(pl->wind[i].max_kw, d));
    fprintf(f, "],\n \"storage_candidates\": [");
    for (size_t i = 0; i < pl->nstorage; i++) {
        const zp_plan_storage *s = &pl->storage[i];
        fprintf(f, "%s{\"capex_kwh\": %s, \"capex_kw\": %s, \"om_kwh\": %s, \"om_kw\": %s, "
                   "\"lifetime\": %s, \"max_kwh\": %s, \"max_kw\": %s, \"storage\": %zu}",
                i ? ", " : "", num(s->capex_cny_per_kwh * P->o.capex_scale_storage, a),
                num(s->capex_cny_per_kw * P->o.capex_scale_storage, b), num(s->om_cny_per_kwh_year, c),
                num(s->om_cny_per_kw_year, d), num(s->lifetime_years, e), num(s->max_kwh, g),
                num(s->max_kw, h), zp__plan_storage_index(P, i));
    }
    fprintf(f, "],\n");
    const struct {
        const char *key;
        const zp_plan_purchase *p;
    } buys[] = {{"green_power", &pl->green_power}, {"certificates", &pl->certificates}};
    for (size_t i = 0; i < 2; i++)
        fprintf(f, " \"%s\": %s%s%s%s%s,\n", buys[i].key, buys[i].p->present ? "{\"price\": " : "null",
                buys[i].p->present ? num(buys[i].p->price_cny_per_mwh, a) : "",
                buys[i].p->present ? ", \"max\": " : "",
                buys[i].p->present ? num(buys[i].p->max_mwh_per_year, b) : "",
                buys[i].p->present ? "}" : "");
    if (pl->credits.present)
        fprintf(f, " \"credits\": {\"price\": %s, \"max\": %s, \"share_pct\": %s},\n",
                num(pl->credits.price_cny_per_t, a), num(pl->credits.max_t_per_year, b),
                num(pl->credits.max_share_pct, c));
    else
        fprintf(f, " \"credits\": null,\n");
    fprintf(f, " \"max_emissions_t\": %s, \"min_green_share_pct\": %s,\n",
            num(P->max_emissions_t, a), num(P->min_green_pct, b));
    fprintf(f, " \"max_t_co2_per_tce\": %s, \"min_clean_energy_share_pct\": %s, "
               "\"k_tce_per_kwh\": %s, \"fuels_tce\": %s,\n",
            num(P->max_t_per_tce, a), num(P->min_clean_pct, b), num(P->k_tce_per_kwh, c),
            num(P->fuels_tce, d));
    fprintf(f, " \"s1_t\": %s, \"rho_kg_per_kwh\": %s, \"instruments0_mwh\": %s, "
               "\"certificates0_mwh\": %s, \"green_power0_mwh\": %s}\n",
            num(P->s1_t, a), num(P->rho, b), num(P->inst0_mwh, c), num(P->cert0_mwh, d),
            num(P->gp0_mwh, e));
}

zp_status zp__plan_write_inputs(zp_ctx *ctx, const zp_model *m, const zp_planning_opts *opts,
                                const char *csv_path, const char *json_path)
{
    plan_lp P;
    memset(&P, 0, sizeof P);
    P.ctx = ctx;
    P.m = m;
    P.pl = &m->planning;
    zp_status rc;
    if ((rc = zp__plan_resolve(&P, m, opts)) || (rc = zp__plan_prepare(&P)) ||
        (rc = zp__plan_formulate(&P)))
        goto out;
    FILE *f = fopen(csv_path, "w");
    if (!f) {
        rc = zp__error(ctx, ZP_EIO, "%s: %s", csv_path, strerror(errno));
        goto out;
    }
    write_csv(f, &P);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (!bad && (f = fopen(json_path, "w"))) {
        write_json(f, &P);
        bad = ferror(f);
        bad |= fclose(f) != 0;
    } else {
        bad = 1;
    }
    if (bad)
        rc = zp__error(ctx, ZP_EIO, "plan: cannot write %s or %s", csv_path, json_path);
out:
    zp__plan_free(&P);
    return rc;
}
