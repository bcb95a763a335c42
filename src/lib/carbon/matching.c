/*
 * matching.c - hourly matching of carbon-free energy (docs/methodology.md
 * "Green share"), shared by the accounting engine and the simulation.
 */
#include "core/internal.h"

double zp__cfe_step(size_t nbat, const double *c_kw, const double *d_kw, const double *eta_c,
                    const double *eta_d, double *total_kwh, double *green_kwh, double ren_kw,
                    double cons_kw, double dt_h)
{
    double direct = ren_kw < cons_kw ? ren_kw : cons_kw;
    double surplus = ren_kw - direct, green_dis = 0;
    for (size_t s = 0; s < nbat; s++) {
        double c = c_kw[s], d = d_kw[s];
        if (c > 0) {
            double g = surplus < c ? surplus : c;
            surplus -= g;
            total_kwh[s] += c * eta_c[s] * dt_h;
            green_kwh[s] += g * eta_c[s] * dt_h;
        }
        if (d > 0) {
            double frac = total_kwh[s] > 1e-12 ? green_kwh[s] / total_kwh[s] : 0.0;
            if (frac > 1)
                frac = 1;
            double removed = d / eta_d[s] * dt_h;
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
    return cfe < cons_kw ? cfe : cons_kw;
}
