/*
 * zeropark/sky.h - the sky models: clear-sky irradiance, the decomposition
 * of global horizontal irradiance into beam and diffuse, and the
 * transposition of beam, sky and ground-reflected light onto a tilted
 * plane. Pure functions of the sun's position and the irradiance; the
 * weather readers (weather.h) and the PV array (pv.h) both build on them
 * (docs/methodology.md "Irradiance and PV").
 *
 * Main calls: zp_clearsky_haurwitz (clear-sky GHI), zp_irr_erbs (GHI into
 * DNI and DHI), zp_irr_aoi and zp_irr_aoi_projection (the angle of
 * incidence), zp_irr_isotropic, zp_irr_haydavies and zp_irr_ground (the
 * sky-diffuse and ground-reflected parts on the plane). They take no zp_ctx
 * and cannot fail: irradiances in W/m2, angles in degrees, the sun's
 * position from solar.h.
 *
 * Angles in degrees. Surface azimuth is measured eastward from north
 * (180 = due south), as in the park model.
 */
#ifndef ZEROPARK_SKY_H
#define ZEROPARK_SKY_H

#include "zeropark/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Haurwitz clear-sky GHI as given by Reno et al. (2012) and pvlib:
 * 1098 cos z exp(-0.059 / cos z); 0 for z >= 90. */
ZP_API double zp_clearsky_haurwitz(double zenith_deg);

/* Erbs et al. (1982) decomposition of GHI into DNI and DHI. dni_extra is
 * the extraterrestrial normal irradiance. As pvlib: cos z is floored at
 * 0.065 for the clearness index, which is capped at 1, and DNI is 0 for
 * zenith > 87 (all of GHI is then diffuse). */
ZP_API void zp_irr_erbs(double ghi, double zenith_deg, double dni_extra, double *dni,
                        double *dhi);

/* Cosine of the angle of incidence on a surface, clipped to [-1, 1]. */
ZP_API double zp_irr_aoi_projection(double tilt_deg, double surface_azimuth_deg,
                                    double zenith_deg, double sun_azimuth_deg);
/* Angle of incidence, degrees 0..180. */
ZP_API double zp_irr_aoi(double tilt_deg, double surface_azimuth_deg, double zenith_deg,
                         double sun_azimuth_deg);

/* Isotropic sky diffuse on the plane: DHI (1 + cos tilt) / 2. */
ZP_API double zp_irr_isotropic(double tilt_deg, double dhi);
/* Ground-reflected irradiance: GHI albedo (1 - cos tilt) / 2. */
ZP_API double zp_irr_ground(double tilt_deg, double ghi, double albedo);
/* Hay-Davies (1980) sky diffuse on the plane (pvlib's form: Rb with
 * cos z floored at cos 89 deg, negative parts clipped to 0). */
ZP_API double zp_irr_haydavies(double tilt_deg, double surface_azimuth_deg, double dhi,
                               double dni, double dni_extra, double zenith_deg,
                               double sun_azimuth_deg);

#ifdef __cplusplus
}
#endif
#endif
