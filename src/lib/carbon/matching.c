/*
 * matching.c - hourly matching of carbon-free energy (docs/methodology.md
 * "Green share"), shared by the accounting engine and the simulation
 * (matching.h).
 */
#include "carbon/matching.h"

#define AT0(a, t) ((a) ? (a)[t] : 0.0)

/* Step t: total and green are the batteries' pools (kWh, updated); the
 * on-site part of the value (without the contract's contract_kw) into
 * *onsite. */
static double cfe_step(const zp_acct_storage *bat, size_t nbat, size_t t, double *total_kwh,
                       double *green_kwh, double ren_kw, double cons_kw, double dt_h,
                       double contract_kw, double *onsite)
{
    double direct = ren_kw < cons_kw ? ren_kw : cons_kw;
    double surplus = ren_kw - direct, green_dis = 0;
    for (size_t s = 0; s < nbat; s++) {
        double c = AT0(bat[s].charge_kw, t), d = AT0(bat[s].discharge_kw, t);
        if (c > 0) {
            double g = surplus < c ? surplus : c;
            surplus -= g;
            total_kwh[s] += c * bat[s].charge_efficiency * dt_h;
            green_kwh[s] += g * bat[s].charge_efficiency * dt_h;
        }
        if (d > 0) {
            double frac = total_kwh[s] > 1e-12 ? green_kwh[s] / total_kwh[s] : 0.0;
            if (frac > 1)
                frac = 1;
            double removed = d / bat[s].discharge_efficiency * dt_h;
            green_dis += d * frac;
            green_kwh[s] -= frac * removed;
            total_kwh[s] -= removed;
            if (green_kwh[s] < 0)
                green_kwh[s] = 0;
            if (total_kwh[s] < 0)
                total_kwh[s] = 0;
        }
    }
    double cfe = direct + green_dis;
    *onsite = cfe < cons_kw ? cfe : cons_kw;
    cfe += contract_kw;
    return cfe < cons_kw ? cfe : cons_kw;
}

zp_status zp__cfe_match(zp_ctx *ctx, const zp__cfe_run *run, double *cfe_kw, double *cfe_kwh,
                        double *contract_kwh)
{
    const size_t nbat = run->nbat;
    double *total_kwh = zp__calloc(ctx, 2 * nbat + 1, sizeof *total_kwh);
    if (!total_kwh)
        return zp__nomem(ctx);
    double *green_kwh = total_kwh + nbat, sum_kwh = 0, contract_sum = 0;
    for (size_t s = 0; s < nbat; s++)
        total_kwh[s] = run->bat[s].initial_kwh;
    for (size_t t = 0; t < run->n; t++) {
        double onsite = 0;
        double cfe = cfe_step(run->bat, nbat, t, total_kwh, green_kwh,
                              AT0(run->pv_kw, t) + AT0(run->wind_kw, t),
                              run->cons_kw(run->ud, t), run->dt_h, AT0(run->green_kw, t), &onsite);
        if (cfe_kw)
            cfe_kw[t] = cfe;
        sum_kwh += cfe * run->dt_h;
        contract_sum += (cfe - onsite) * run->dt_h;
    }
    if (cfe_kwh)
        *cfe_kwh = sum_kwh;
    if (contract_kwh)
        *contract_kwh = contract_sum;
    zp__free(ctx, total_kwh);
    return ZP_OK;
}
