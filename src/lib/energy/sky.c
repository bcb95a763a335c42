/*
 * sky.c - clear-sky irradiance, GHI decomposition and transposition onto
 * a tilted plane (include/zeropark/sky.h).
 *
 * Models and their sources are in docs/methodology.md ("Irradiance and
 * PV"); each function follows the published equation and, where
 * pvlib-python implements it, pvlib's guards at the edges, so the unit
 * tests can use pvlib's test values.
 */
#include "zeropark/sky.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define DEG (M_PI / 180.0)

double zp_clearsky_haurwitz(double zenith_deg)
{
    double cz = cos(zenith_deg * DEG);
    if (!(zenith_deg < 90.0) || cz <= 0)
        return 0.0;
    return 1098.0 * cz * exp(-0.059 / cz);
}

void zp_irr_erbs(double ghi, double zenith_deg, double dni_extra, double *dni, double *dhi)
{
    /* The floor on cos z keeps the clearness index finite near sunrise;
     * 0.065 (about 86.3 deg) and the 87 deg DNI cut-off are pvlib's. */
    double cz = cos(zenith_deg * DEG);
    if (!(ghi > 0)) {
        *dni = 0;
        *dhi = 0;
        return;
    }
    double kt = ghi / (dni_extra * fmax(cz, 0.065));
    kt = fmin(fmax(kt, 0.0), 1.0);
    double df;
    if (kt <= 0.22)
        df = 1.0 - 0.09 * kt;
    else if (kt <= 0.80)
        df = 0.9511 - 0.1604 * kt + 4.388 * kt * kt - 16.638 * kt * kt * kt +
             12.336 * kt * kt * kt * kt;
    else
        df = 0.165;
    double d = df * ghi;
    double n = (ghi - d) / cz;
    if (!(zenith_deg <= 87.0) || !(n > 0)) {
        /* the sun is too low for a beam estimate: all of GHI is diffuse */
        *dni = 0;
        *dhi = ghi;
        return;
    }
    *dni = n;
    *dhi = d;
}

double zp_irr_aoi_projection(double tilt_deg, double surface_azimuth_deg, double zenith_deg,
                             double sun_azimuth_deg)
{
    double p = cos(tilt_deg * DEG) * cos(zenith_deg * DEG) +
               sin(tilt_deg * DEG) * sin(zenith_deg * DEG) *
                   cos((sun_azimuth_deg - surface_azimuth_deg) * DEG);
    return fmin(fmax(p, -1.0), 1.0);
}

double zp_irr_aoi(double tilt_deg, double surface_azimuth_deg, double zenith_deg,
                  double sun_azimuth_deg)
{
    return acos(zp_irr_aoi_projection(tilt_deg, surface_azimuth_deg, zenith_deg,
                                      sun_azimuth_deg)) / DEG;
}

double zp_irr_isotropic(double tilt_deg, double dhi)
{
    return dhi * (1.0 + cos(tilt_deg * DEG)) * 0.5;
}

double zp_irr_ground(double tilt_deg, double ghi, double albedo)
{
    return ghi * albedo * (1.0 - cos(tilt_deg * DEG)) * 0.5;
}

double zp_irr_haydavies(double tilt_deg, double surface_azimuth_deg, double dhi, double dni,
                        double dni_extra, double zenith_deg, double sun_azimuth_deg)
{
    double cos_tt = fmax(zp_irr_aoi_projection(tilt_deg, surface_azimuth_deg, zenith_deg,
                                               sun_azimuth_deg), 0.0);
    /* Rb = cos(aoi) / cos(z) blows up at the horizon; floor cos z at
     * cos 89 deg as pvlib does */
    double rb = cos_tt / fmax(cos(zenith_deg * DEG), 0.01745240643728351);
    double ai = dni_extra > 0 ? dni / dni_extra : 0;
    double iso = fmax(dhi * (1.0 - ai) * (1.0 + cos(tilt_deg * DEG)) * 0.5, 0.0);
    double circ = fmax(dhi * ai * rb, 0.0);
    return iso + circ;
}
