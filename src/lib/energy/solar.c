/*
 * solar.c - solar position by the NREL Solar Position Algorithm (SPA),
 * Reda & Andreas, "Solar Position Algorithm for Solar Radiation
 * Applications", NREL/TP-560-34302 (2004, revised 2008), implemented from
 * the paper's equations; the periodic-term tables are the paper's
 * Tables A4.2 (Earth L, B, R) and A4.3 (nutation) typed in as data.
 *
 * Step numbers in comments refer to section 3 of the paper; A.1 and A.2
 * are its appendix (equation of time; sunrise, transit and sunset).
 *
 * zp_spa_series evaluates the quantities that depend on time only (Earth
 * position, nutation, aberration, right ascension, declination) once per
 * day and interpolates them with a 4-point cubic over days d-1..d+2; what
 * depends on the site and the hour is computed at every step from a
 * handful of trig calls. docs/methodology.md gives the measured agreement.
 */
#include "core/internal.h"

#include "zeropark/solar.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846
#define DEG (PI / 180.0)
#define RAD (180.0 / PI)

/* Unix time of 2000-01-01T00:00:00Z; JD 2451544.5. */
#define T2000_0UT INT64_C(946684800)
#define DAYS_1970_2000 INT64_C(10957) /* 1970-01-01 to 2000-01-01 */
#define SUN_RADIUS_DEG 0.26667

/* ---- Table A4.2: Earth periodic terms (A, B, C); term = A cos(B + C JME) */
typedef struct spa_term {
    double a, b, c;
} spa_term;

static const spa_term L0[] = {
    {175347046.0, 0, 0},
    {3341656.0, 4.6692568, 6283.07585},
    {34894.0, 4.6261, 12566.1517},
    {3497.0, 2.7441, 5753.3849},
    {3418.0, 2.8289, 3.5231},
    {3136.0, 3.6277, 77713.7715},
    {2676.0, 4.4181, 7860.4194},
    {2343.0, 6.1352, 3930.2097},
    {1324.0, 0.7425, 11506.7698},
    {1273.0, 2.0371, 529.691},
    {1199.0, 1.1096, 1577.3435},
    {990, 5.233, 5884.927},
    {902, 2.045, 26.298},
    {857, 3.508, 398.149},
    {780, 1.179, 5223.694},
    {753, 2.533, 5507.553},
    {505, 4.583, 18849.228},
    {492, 4.205, 775.523},
    {357, 2.92, 0.067},
    {317, 5.849, 11790.629},
    {284, 1.899, 796.298},
    {271, 0.315, 10977.079},
    {243, 0.345, 5486.778},
    {206, 4.806, 2544.314},
    {205, 1.869, 5573.143},
    {202, 2.458, 6069.777},
    {156, 0.833, 213.299},
    {132, 3.411, 2942.463},
    {126, 1.083, 20.775},
    {115, 0.645, 0.98},
    {103, 0.636, 4694.003},
    {102, 0.976, 15720.839},
    {102, 4.267, 7.114},
    {99, 6.21, 2146.17},
    {98, 0.68, 155.42},
    {86, 5.98, 161000.69},
    {85, 1.3, 6275.96},
    {85, 3.67, 71430.7},
    {80, 1.81, 17260.15},
    {79, 3.04, 12036.46},
    {75, 1.76, 5088.63},
    {74, 3.5, 3154.69},
    {74, 4.68, 801.82},
    {70, 0.83, 9437.76},
    {62, 3.98, 8827.39},
    {61, 1.82, 7084.9},
    {57, 2.78, 6286.6},
    {56, 4.39, 14143.5},
    {56, 3.47, 6279.55},
    {52, 0.19, 12139.55},
    {52, 1.33, 1748.02},
    {51, 0.28, 5856.48},
    {49, 0.49, 1194.45},
    {41, 5.37, 8429.24},
    {41, 2.4, 19651.05},
    {39, 6.17, 10447.39},
    {37, 6.04, 10213.29},
    {37, 2.57, 1059.38},
    {36, 1.71, 2352.87},
    {36, 1.78, 6812.77},
    {33, 0.59, 17789.85},
    {30, 0.44, 83996.85},
    {30, 2.74, 1349.87},
    {25, 3.16, 4690.48},
};

static const spa_term L1[] = {
    {628331966747.0, 0, 0},
    {206059.0, 2.678235, 6283.07585},
    {4303.0, 2.6351, 12566.1517},
    {425.0, 1.59, 3.523},
    {119.0, 5.796, 26.298},
    {109.0, 2.966, 1577.344},
    {93, 2.59, 18849.23},
    {72, 1.14, 529.69},
    {68, 1.87, 398.15},
    {67, 4.41, 5507.55},
    {59, 2.89, 5223.69},
    {56, 2.17, 155.42},
    {45, 0.4, 796.3},
    {36, 0.47, 775.52},
    {29, 2.65, 7.11},
    {21, 5.34, 0.98},
    {19, 1.85, 5486.78},
    {19, 4.97, 213.3},
    {17, 2.99, 6275.96},
    {16, 0.03, 2544.31},
    {16, 1.43, 2146.17},
    {15, 1.21, 10977.08},
    {12, 2.83, 1748.02},
    {12, 3.26, 5088.63},
    {12, 5.27, 1194.45},
    {12, 2.08, 4694},
    {11, 0.77, 553.57},
    {10, 1.3, 6286.6},
    {10, 4.24, 1349.87},
    {9, 2.7, 242.73},
    {9, 5.64, 951.72},
    {8, 5.3, 2352.87},
    {6, 2.65, 9437.76},
    {6, 4.67, 4690.48},
};

static const spa_term L2[] = {
    {52919.0, 0, 0},
    {8720.0, 1.0721, 6283.0758},
    {309.0, 0.867, 12566.152},
    {27, 0.05, 3.52},
    {16, 5.19, 26.3},
    {16, 3.68, 155.42},
    {10, 0.76, 18849.23},
    {9, 2.06, 77713.77},
    {7, 0.83, 775.52},
    {5, 4.66, 1577.34},
    {4, 1.03, 7.11},
    {4, 3.44, 5573.14},
    {3, 5.14, 796.3},
    {3, 6.05, 5507.55},
    {3, 1.19, 242.73},
    {3, 6.12, 529.69},
    {3, 0.31, 398.15},
    {3, 2.28, 553.57},
    {2, 4.38, 5223.69},
    {2, 3.75, 0.98},
};

static const spa_term L3[] = {
    {289, 5.844, 6283.076}, {35, 0, 0},          {17, 5.49, 12566.15}, {3, 5.2, 155.42},
    {1, 4.72, 3.52},        {1, 5.3, 18849.23}, {1, 5.97, 242.73},
};

static const spa_term L4[] = {{114, 3.142, 0}, {8, 4.13, 6283.08}, {1, 3.84, 12566.15}};

static const spa_term L5[] = {{1, 3.14, 0}};

static const spa_term B0[] = {
    {280, 3.199, 84334.662}, {102, 5.422, 5507.553}, {80, 3.88, 5223.69},
    {44, 3.7, 2352.87},      {32, 4, 1577.34},
};

static const spa_term B1[] = {{9, 3.9, 5507.55}, {6, 1.73, 5223.69}};

static const spa_term R0[] = {
    {100013989.0, 0, 0},
    {1670700.0, 3.0984635, 6283.07585},
    {13956.0, 3.05525, 12566.1517},
    {3084.0, 5.1985, 77713.7715},
    {1628.0, 1.1739, 5753.3849},
    {1576.0, 2.8469, 7860.4194},
    {925, 5.453, 11506.77},
    {542, 4.564, 3930.21},
    {472, 3.661, 5884.927},
    {346, 0.964, 5507.553},
    {329, 5.9, 5223.694},
    {307, 0.299, 5573.143},
    {243, 4.273, 11790.629},
    {212, 5.847, 1577.344},
    {186, 5.022, 10977.079},
    {175, 3.012, 18849.228},
    {110, 5.055, 5486.778},
    {98, 0.89, 6069.78},
    {86, 5.69, 15720.84},
    {86, 1.27, 161000.69},
    {65, 0.27, 17260.15},
    {63, 0.92, 529.69},
    {57, 2.01, 83996.85},
    {56, 5.24, 71430.7},
    {49, 3.25, 2544.31},
    {47, 2.58, 775.52},
    {45, 5.54, 9437.76},
    {43, 6.01, 6275.96},
    {39, 5.36, 4694},
    {38, 2.39, 8827.39},
    {37, 0.83, 19651.05},
    {37, 4.9, 12139.55},
    {36, 1.67, 12036.46},
    {35, 1.84, 2942.46},
    {33, 0.24, 7084.9},
    {32, 0.18, 5088.63},
    {32, 1.78, 398.15},
    {28, 1.21, 6286.6},
    {28, 1.9, 6279.55},
    {26, 4.59, 10447.39},
};

static const spa_term R1[] = {
    {103019, 1.10749, 6283.07585}, {1721, 1.0644, 12566.1517}, {702, 3.142, 0},
    {32, 1.02, 18849.23},          {31, 2.84, 5507.55},        {25, 1.32, 5223.69},
    {18, 1.42, 1577.34},           {10, 5.91, 10977.08},       {9, 1.42, 6275.96},
    {9, 0.27, 5486.78},
};

static const spa_term R2[] = {
    {4359, 5.7846, 6283.0758}, {124, 5.579, 12566.152}, {12, 3.14, 0},
    {9, 3.63, 77713.77},       {6, 1.87, 5573.14},      {3, 5.47, 18849.23},
};

static const spa_term R3[] = {{145, 4.273, 6283.076}, {7, 3.92, 12566.15}};

static const spa_term R4[] = {{4, 2.56, 6283.08}};

typedef struct spa_series_tab {
    const spa_term *t;
    size_t n;
} spa_series_tab;

#define TAB(x) {x, ZP_ARRAY_LEN(x)}
static const spa_series_tab L_TAB[] = {TAB(L0), TAB(L1), TAB(L2), TAB(L3), TAB(L4), TAB(L5)};
static const spa_series_tab B_TAB[] = {TAB(B0), TAB(B1)};
static const spa_series_tab R_TAB[] = {TAB(R0), TAB(R1), TAB(R2), TAB(R3), TAB(R4)};

/* ---- Table A4.3: nutation. Multipliers of X0..X4 (Y), then a, b, c, d in
 * units of 0.0001 arc second: dpsi = (a + b JCE) sin(sum), deps = (c + d JCE) cos(sum). */
typedef struct spa_nut {
    signed char y[5];
    double a, b, c, d;
} spa_nut;

static const spa_nut NUT[] = {
    {{0, 0, 0, 0, 1}, -171996, -174.2, 92025, 8.9},
    {{-2, 0, 0, 2, 2}, -13187, -1.6, 5736, -3.1},
    {{0, 0, 0, 2, 2}, -2274, -0.2, 977, -0.5},
    {{0, 0, 0, 0, 2}, 2062, 0.2, -895, 0.5},
    {{0, 1, 0, 0, 0}, 1426, -3.4, 54, -0.1},
    {{0, 0, 1, 0, 0}, 712, 0.1, -7, 0},
    {{-2, 1, 0, 2, 2}, -517, 1.2, 224, -0.6},
    {{0, 0, 0, 2, 1}, -386, -0.4, 200, 0},
    {{0, 0, 1, 2, 2}, -301, 0, 129, -0.1},
    {{-2, -1, 0, 2, 2}, 217, -0.5, -95, 0.3},
    {{-2, 0, 1, 0, 0}, -158, 0, 0, 0},
    {{-2, 0, 0, 2, 1}, 129, 0.1, -70, 0},
    {{0, 0, -1, 2, 2}, 123, 0, -53, 0},
    {{2, 0, 0, 0, 0}, 63, 0, 0, 0},
    {{0, 0, 1, 0, 1}, 63, 0.1, -33, 0},
    {{2, 0, -1, 2, 2}, -59, 0, 26, 0},
    {{0, 0, -1, 0, 1}, -58, -0.1, 32, 0},
    {{0, 0, 1, 2, 1}, -51, 0, 27, 0},
    {{-2, 0, 2, 0, 0}, 48, 0, 0, 0},
    {{0, 0, -2, 2, 1}, 46, 0, -24, 0},
    {{2, 0, 0, 2, 2}, -38, 0, 16, 0},
    {{0, 0, 2, 2, 2}, -31, 0, 13, 0},
    {{0, 0, 2, 0, 0}, 29, 0, 0, 0},
    {{-2, 0, 1, 2, 2}, 29, 0, -12, 0},
    {{0, 0, 0, 2, 0}, 26, 0, 0, 0},
    {{-2, 0, 0, 2, 0}, -22, 0, 0, 0},
    {{0, 0, -1, 2, 1}, 21, 0, -10, 0},
    {{0, 2, 0, 0, 0}, 17, -0.1, 0, 0},
    {{2, 0, -1, 0, 1}, 16, 0, -8, 0},
    {{-2, 2, 0, 2, 2}, -16, 0.1, 7, 0},
    {{0, 1, 0, 0, 1}, -15, 0, 9, 0},
    {{-2, 0, 1, 0, 1}, -13, 0, 7, 0},
    {{0, -1, 0, 0, 1}, -12, 0, 6, 0},
    {{0, 0, 2, -2, 0}, 11, 0, 0, 0},
    {{2, 0, -1, 2, 1}, -10, 0, 5, 0},
    {{2, 0, 1, 2, 2}, -8, 0, 3, 0},
    {{0, 1, 0, 2, 2}, 7, 0, -3, 0},
    {{-2, 1, 1, 0, 0}, -7, 0, 0, 0},
    {{0, -1, 0, 2, 2}, -7, 0, 3, 0},
    {{2, 0, 0, 2, 1}, -7, 0, 3, 0},
    {{2, 0, 1, 0, 0}, 6, 0, 0, 0},
    {{-2, 0, 2, 2, 2}, 6, 0, -3, 0},
    {{-2, 0, 1, 2, 1}, 6, 0, -3, 0},
    {{2, 0, -2, 0, 1}, -6, 0, 3, 0},
    {{2, 0, 0, 0, 1}, -6, 0, 3, 0},
    {{0, -1, 1, 0, 0}, 5, 0, 0, 0},
    {{-2, -1, 0, 2, 1}, -5, 0, 3, 0},
    {{-2, 0, 0, 0, 1}, -5, 0, 3, 0},
    {{0, 0, 2, 2, 1}, -5, 0, 3, 0},
    {{-2, 0, 2, 0, 1}, 4, 0, 0, 0},
    {{-2, 1, 0, 2, 1}, 4, 0, 0, 0},
    {{0, 0, 1, -2, 0}, 4, 0, 0, 0},
    {{-1, 0, 1, 0, 0}, -4, 0, 0, 0},
    {{-2, 1, 0, 0, 0}, -4, 0, 0, 0},
    {{1, 0, 0, 0, 0}, -4, 0, 0, 0},
    {{0, 0, 1, 2, 0}, 3, 0, 0, 0},
    {{0, 0, -2, 2, 2}, -3, 0, 0, 0},
    {{-1, -1, 1, 0, 0}, -3, 0, 0, 0},
    {{0, 1, 1, 0, 0}, -3, 0, 0, 0},
    {{0, -1, 1, 2, 2}, -3, 0, 0, 0},
    {{2, -1, -1, 2, 2}, -3, 0, 0, 0},
    {{0, 0, 3, 2, 2}, -3, 0, 0, 0},
    {{2, -1, 0, 2, 2}, -3, 0, 0, 0},
};

/* ---- small helpers ------------------------------------------------------ */

static double limit_deg(double x)
{
    x = fmod(x, 360.0);
    return x < 0 ? x + 360.0 : x;
}

static double limit_frac(double x)
{
    x -= floor(x);
    return x;
}

/* Limit to -180..180. */
static double limit_deg180(double x)
{
    x = limit_deg(x);
    return x > 180.0 ? x - 360.0 : x;
}

/* sum_i (sum_k A cos(B + C jme)) jme^i / 1e8 (step 3.2). */
static double earth_series(const spa_series_tab *tab, size_t ntab, double jme)
{
    double total = 0, p = 1;
    for (size_t i = 0; i < ntab; i++) {
        double s = 0;
        for (size_t k = 0; k < tab[i].n; k++)
            s += tab[i].t[k].a * cos(tab[i].t[k].b + tab[i].t[k].c * jme);
        total += s * p;
        p *= jme;
    }
    return total / 1e8;
}

/* Julian day of a calendar date (step 3.1.1): the Julian calendar before
 * 1582-10-15, the Gregorian after. day may carry the fraction of the day. */
double zp_spa_julian_day(int year, int month, double day)
{
    double y = year, m = month;
    if (month < 3) {
        y -= 1;
        m += 12;
    }
    double a = floor(y / 100.0);
    double b = 2.0 - a + floor(a / 4.0); /* the Gregorian correction */
    double jd = floor(365.25 * (y + 4716.0)) + floor(30.6001 * (m + 1.0)) + day + b - 1524.5;
    if (jd < 2299160.0) /* before 1582-10-15: the Julian calendar */
        jd -= b;
    return jd;
}

/* Everything that depends on time only (steps 3.2 to 3.8). */
typedef struct spa_time {
    double jd, jde, jc, jce, jme;
    double l, b, r;     /* degrees, degrees, AU */
    double theta, beta; /* geocentric longitude, latitude */
    double dpsi, deps;  /* nutation, degrees */
    double eps;         /* true obliquity */
    double lambda;      /* apparent sun longitude */
    double nu;          /* apparent sidereal time at Greenwich */
    double alpha, delta;
} spa_time;

/* d2000 is JD - 2451545.0 (UT1), passed instead of JD so that the
 * sidereal time, which turns 361 degrees a day, keeps its digits: JD near
 * 2.45e6 in a double resolves only 40 us (1.7e-7 deg of rotation). */
static void spa_time_calc(double d2000, double delta_t_s, spa_time *s)
{
    s->jd = 2451545.0 + d2000;
    s->jde = s->jd + delta_t_s / 86400.0;
    s->jc = d2000 / 36525.0;
    s->jce = (d2000 + delta_t_s / 86400.0) / 36525.0;
    s->jme = s->jce / 10.0;
    const double jme = s->jme, jce = s->jce, jc = s->jc;

    /* 3.2: Earth heliocentric longitude, latitude, radius. */
    s->l = limit_deg(earth_series(L_TAB, ZP_ARRAY_LEN(L_TAB), jme) * RAD);
    s->b = earth_series(B_TAB, ZP_ARRAY_LEN(B_TAB), jme) * RAD;
    s->r = earth_series(R_TAB, ZP_ARRAY_LEN(R_TAB), jme);

    /* 3.3: geocentric. */
    s->theta = limit_deg(s->l + 180.0);
    s->beta = -s->b;

    /* 3.4: nutation. X0..X4: mean elongation of the moon, mean anomalies of
     * sun and moon, moon's argument of latitude, longitude of its node. */
    double x[5];
    x[0] = 297.85036 + 445267.111480 * jce - 0.0019142 * jce * jce + jce * jce * jce / 189474.0;
    x[1] = 357.52772 + 35999.050340 * jce - 0.0001603 * jce * jce - jce * jce * jce / 300000.0;
    x[2] = 134.96298 + 477198.867398 * jce + 0.0086972 * jce * jce + jce * jce * jce / 56250.0;
    x[3] = 93.27191 + 483202.017538 * jce - 0.0036825 * jce * jce + jce * jce * jce / 327270.0;
    x[4] = 125.04452 - 1934.136261 * jce + 0.0020708 * jce * jce + jce * jce * jce / 450000.0;
    for (int j = 0; j < 5; j++)
        x[j] = limit_deg(x[j]) * DEG; /* keeps the sums small and the sines exact */
    double dpsi = 0, deps = 0;
    for (size_t i = 0; i < ZP_ARRAY_LEN(NUT); i++) {
        const spa_nut *n = &NUT[i];
        double arg = n->y[0] * x[0] + n->y[1] * x[1] + n->y[2] * x[2] + n->y[3] * x[3] +
                     n->y[4] * x[4];
        dpsi += (n->a + n->b * jce) * sin(arg);
        deps += (n->c + n->d * jce) * cos(arg);
    }
    s->dpsi = dpsi / 36000000.0;
    s->deps = deps / 36000000.0;

    /* 3.5: true obliquity (Laskar's polynomial, U = JME/10, arc seconds). */
    double u = jme / 10.0;
    double eps0 =
        84381.448 +
        u * (-4680.93 +
             u * (-1.55 +
                  u * (1999.25 +
                       u * (-51.38 +
                            u * (-249.67 +
                                 u * (-39.05 + u * (7.12 + u * (27.87 + u * (5.79 + u * 2.45)))))))));
    s->eps = eps0 / 3600.0 + s->deps;

    /* 3.6 aberration, 3.7 apparent longitude. */
    double dtau = -20.4898 / (3600.0 * s->r);
    s->lambda = s->theta + s->dpsi + dtau;

    /* 3.8: apparent sidereal time at Greenwich. */
    double nu0 = 280.46061837 + 360.98564736629 * d2000 + 0.000387933 * jc * jc -
                 jc * jc * jc / 38710000.0;
    s->nu = limit_deg(nu0) + s->dpsi * cos(s->eps * DEG);

    /* 3.9, 3.10: geocentric right ascension and declination. */
    double lam = s->lambda * DEG, eps = s->eps * DEG, beta = s->beta * DEG;
    s->alpha = limit_deg(atan2(sin(lam) * cos(eps) - tan(beta) * sin(eps), cos(lam)) * RAD);
    s->delta = asin(sin(beta) * cos(eps) + cos(beta) * sin(eps) * sin(lam)) * RAD;
}

/* ---- delta T -------------------------------------------------------------- */

double zp_spa_delta_t(double y)
{
    /* Espenak & Meeus, "Five Millennium Canon of Solar Eclipses" (NASA
     * TP-2006-214141), section "Polynomial expressions for Delta T". */
    double t, u;
    if (y < -500) {
        u = (y - 1820) / 100;
        return -20 + 32 * u * u;
    }
    if (y < 500) {
        u = y / 100;
        return 10583.6 +
               u * (-1014.41 +
                    u * (33.78311 +
                         u * (-5.952053 + u * (-0.1798452 + u * (0.022174192 + u * 0.0090316521)))));
    }
    if (y < 1600) {
        u = (y - 1000) / 100;
        return 1574.2 +
               u * (-556.01 +
                    u * (71.23472 +
                         u * (0.319781 + u * (-0.8503463 + u * (-0.005050998 + u * 0.0083572073)))));
    }
    if (y < 1700) {
        t = y - 1600;
        return 120 - 0.9808 * t - 0.01532 * t * t + t * t * t / 7129;
    }
    if (y < 1800) {
        t = y - 1700;
        return 8.83 + t * (0.1603 + t * (-0.0059285 + t * (0.00013336 - t / 1174000)));
    }
    if (y < 1860) {
        t = y - 1800;
        return 13.72 +
               t * (-0.332447 +
                    t * (0.0068612 +
                         t * (0.0041116 +
                              t * (-0.00037436 + t * (0.0000121272 + t * (-0.0000001699 + t * 0.000000000875))))));
    }
    if (y < 1900) {
        t = y - 1860;
        return 7.62 +
               t * (0.5737 + t * (-0.251754 + t * (0.01680668 + t * (-0.0004473624 + t / 233174))));
    }
    if (y < 1920) {
        t = y - 1900;
        return -2.79 + t * (1.494119 + t * (-0.0598939 + t * (0.0061966 - t * 0.000197)));
    }
    if (y < 1941) {
        t = y - 1920;
        return 21.20 + t * (0.84493 + t * (-0.076100 + t * 0.0020936));
    }
    if (y < 1961) {
        t = y - 1950;
        return 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547;
    }
    if (y < 1986) {
        t = y - 1975;
        return 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718;
    }
    if (y < 2005) {
        t = y - 2000;
        return 63.86 +
               t * (0.3345 + t * (-0.060374 + t * (0.0017275 + t * (0.000651814 + t * 0.00002373599))));
    }
    if (y < 2050) {
        t = y - 2000;
        return 62.92 + 0.32217 * t + 0.005589 * t * t;
    }
    if (y < 2150) {
        u = (y - 1820) / 100;
        return -20 + 32 * u * u - 0.5628 * (2150 - y);
    }
    u = (y - 1820) / 100;
    return -20 + 32 * u * u;
}

/* Decimal year of a Julian day, as the argument of the delta T model. */
static double decimal_year(double jd)
{
    return 2000.0 + (jd - 2451544.5) / 365.2425;
}

/* ---- inputs ----------------------------------------------------------------- */

void zp_spa_input_init(zp_spa_input *in)
{
    memset(in, 0, sizeof *in);
    in->delta_t_s = NAN; /* NaN: use zp_spa_delta_t() */
    in->pressure_hpa = 1013.25;
    in->temperature_c = 12.0;
    in->atmos_refract_deg = 0.5667;
}

/* Valid ranges from the paper's spa.h comments and section 3; inclusive.
 * The negations make NaN fail too. */
static zp_status check_range(zp_ctx *ctx, const char *field, double v, double lo, double hi)
{
    if (!(v >= lo && v <= hi))
        return zp__error(ctx, ZP_ERANGE, "spa: %s %g is out of range %g..%g", field, v, lo, hi);
    return ZP_OK;
}

static zp_status check_site(zp_ctx *ctx, const zp_spa_input *in)
{
    zp_status rc;
    if ((rc = check_range(ctx, "lat_deg", in->lat_deg, -90, 90)) ||
        (rc = check_range(ctx, "lon_deg", in->lon_deg, -180, 180)) ||
        (rc = check_range(ctx, "elevation_m", in->elevation_m, -6500000, 1e7)) ||
        (rc = check_range(ctx, "pressure_hpa", in->pressure_hpa, 0, 5000)) ||
        (rc = check_range(ctx, "temperature_c", in->temperature_c, -273, 6000)) ||
        (rc = check_range(ctx, "slope_deg", in->slope_deg, -360, 360)) ||
        (rc = check_range(ctx, "azimuth_rotation_deg", in->azimuth_rotation_deg, -360, 360)) ||
        (rc = check_range(ctx, "atmos_refract_deg", in->atmos_refract_deg, -5, 5)))
        return rc;
    if (!(in->delta_ut1_s > -1 && in->delta_ut1_s < 1))
        return zp__error(ctx, ZP_ERANGE, "spa: delta_ut1_s %g is out of range -1..1 (exclusive)",
                         in->delta_ut1_s);
    /* NaN means "use the delta T model"; a given value must be in the paper's range. */
    if (!isnan(in->delta_t_s) && (rc = check_range(ctx, "delta_t_s", in->delta_t_s, -8000, 8000)))
        return rc;
    if (in->utc_offset_min < -18 * 60 || in->utc_offset_min > 18 * 60)
        return zp__error(ctx, ZP_ERANGE, "spa: utc_offset_min %ld is out of range -1080..1080",
                         (long)in->utc_offset_min);
    return ZP_OK;
}

/* The paper's valid years are -2000..6000: instants in [T_MIN, T_MAX). */
#define T_MIN (INT64_C(-1450013) * 86400) /* -2000-01-01T00:00Z, days_from_civil(-2000, 1, 1) */
#define T_MAX (INT64_C(1472293) * 86400) /* 6001-01-01T00:00Z */

static int64_t floor_div_day(int64_t t)
{
    return zp__fdiv(t, 86400);
}

static zp_status check_time(zp_ctx *ctx, zp_time_t t)
{
    if (t < T_MIN || t >= T_MAX) {
        long long y = (long long)floor(1970.0 + (double)t / (365.2425 * 86400.0));
        return zp__error(ctx, ZP_ERANGE, "spa: year %lld is out of range -2000..6000", y);
    }
    return ZP_OK;
}

static double delta_t_for(const zp_spa_input *in, double jd)
{
    return isnan(in->delta_t_s) ? zp_spa_delta_t(decimal_year(jd)) : in->delta_t_s;
}

/* ---- topocentric position (steps 3.11 to 3.15) -------------------------------- */

typedef struct spa_site {
    double sin_phi, cos_phi;
    double x, y; /* rho cos(phi'), rho sin(phi') in equatorial radii (3.12.4, 3.12.5) */
    double refr_k;        /* (P/1010)(283/(273+T)), the refraction scale */
    double refr_limit;    /* -(sun radius + atmos_refract): refract above this e0 */
} spa_site;

static void site_init(const zp_spa_input *in, spa_site *s)
{
    double phi = in->lat_deg * DEG;
    double u = atan(0.99664719 * tan(phi));
    s->sin_phi = sin(phi);
    s->cos_phi = cos(phi);
    s->x = cos(u) + in->elevation_m / 6378140.0 * s->cos_phi;
    s->y = 0.99664719 * sin(u) + in->elevation_m / 6378140.0 * s->sin_phi;
    s->refr_k = (in->pressure_hpa / 1010.0) * (283.0 / (273.0 + in->temperature_c));
    s->refr_limit = -(SUN_RADIUS_DEG + in->atmos_refract_deg);
}

/* 3.14.2: refraction correction in degrees for true elevation e0. */
static double refraction(const spa_site *s, double e0)
{
    if (e0 < s->refr_limit)
        return 0.0;
    return s->refr_k * 1.02 / (60.0 * tan((e0 + 10.3 / (e0 + 5.11)) * DEG));
}

/* ---- equation of time, A.1 ------------------------------------------------------- */

static double equation_of_time_min(const spa_time *st)
{
    double jme = st->jme;
    double m = 280.4664567 +
               jme * (360007.6982779 +
                      jme * (0.03032028 + jme * (1.0 / 49931.0 + jme * (-1.0 / 15300.0 - jme / 2000000.0))));
    double e = 4.0 * (limit_deg(m) - 0.0057183 - st->alpha + st->dpsi * cos(st->eps * DEG));
    /* The difference of two angles in 0..360: bring it to the nearest day. */
    if (e < -20.0)
        e += 1440.0;
    if (e > 20.0)
        e -= 1440.0;
    return e;
}

/* ---- sunrise, transit, sunset, A.2 -------------------------------------------------- */

static void rise_transit_set(const zp_spa_input *in, double delta_t_s, zp_spa_result *out)
{
    /* The local calendar day of the instant, at 0 UT. */
    zp_time_t local = in->t + (zp_time_t)in->utc_offset_min * 60;
    int64_t days = floor_div_day(local);
    double d0 = (double)(days - DAYS_1970_2000) - 0.5; /* JD - 2451545 at 0 UT */
    double tz_days = in->utc_offset_min / 1440.0;

    /* A.2.1-2: sidereal time at 0 UT; alpha, delta at 0 TT of days -1, 0, +1 (delta T 0). */
    spa_time st;
    spa_time_calc(d0, 0.0, &st);
    double nu = st.nu;
    double alpha[3], delta[3];
    for (int i = 0; i < 3; i++) {
        spa_time s2;
        spa_time_calc(d0 + (i - 1), 0.0, &s2);
        alpha[i] = s2.alpha;
        delta[i] = s2.delta;
    }

    double sigma = in->lon_deg, phi = in->lat_deg * DEG;
    double h0p = -(SUN_RADIUS_DEG + in->atmos_refract_deg); /* paper: -0.8333 */

    /* A.2.3: approximate transit as a fraction of the day. */
    double m[3];
    m[0] = (alpha[1] - sigma - nu) / 360.0;
    /* A.2.4: local hour angle at sunrise/sunset; none in polar day/night. */
    double arg = (sin(h0p * DEG) - sin(phi) * sin(delta[1] * DEG)) /
                 (cos(phi) * cos(delta[1] * DEG));
    bool polar = !(fabs(arg) <= 1.0);
    double h0 = polar ? 0.0 : acos(arg) * RAD;
    m[1] = limit_frac(m[0] - h0 / 360.0);
    m[2] = limit_frac(m[0] + h0 / 360.0);
    m[0] = limit_frac(m[0]);

    /* A.2.8: differences for the interpolation; a jump over 0/360 in alpha
     * shows as |a| > 2 and is taken modulo 1. */
    double a = alpha[1] - alpha[0], b = alpha[2] - alpha[1];
    if (fabs(a) > 2)
        a = limit_frac(a);
    if (fabs(b) > 2)
        b = limit_frac(b);
    double c = b - a;
    double ap = delta[1] - delta[0], bp = delta[2] - delta[1];
    if (fabs(ap) > 2)
        ap = limit_frac(ap);
    if (fabs(bp) > 2)
        bp = limit_frac(bp);
    double cp = bp - ap;

    double hp[3], dp[3], hh[3];
    for (int i = 0; i < 3; i++) {
        double nui = nu + 360.985647 * m[i];          /* A.2.6 */
        double n = m[i] + delta_t_s / 86400.0;        /* A.2.7 */
        double al = alpha[1] + n * (a + b + c * n) / 2.0;
        dp[i] = delta[1] + n * (ap + bp + cp * n) / 2.0;
        hp[i] = limit_deg180(nui + sigma - al);        /* A.2.9 */
        hh[i] = asin(sin(phi) * sin(dp[i] * DEG) + cos(phi) * cos(dp[i] * DEG) * cos(hp[i] * DEG)) *
                RAD; /* A.2.10 */
    }
    double tr = m[0] - hp[0] / 360.0; /* A.2.11 */
    out->transit_h = 24.0 * limit_frac(tr + tz_days);
    if (polar) {
        out->sunrise_h = NAN;
        out->sunset_h = NAN;
        return;
    }
    double r = m[1] + (hh[1] - h0p) / (360.0 * cos(dp[1] * DEG) * cos(phi) * sin(hp[1] * DEG));
    double s = m[2] + (hh[2] - h0p) / (360.0 * cos(dp[2] * DEG) * cos(phi) * sin(hp[2] * DEG));
    out->sunrise_h = 24.0 * limit_frac(r + tz_days);
    out->sunset_h = 24.0 * limit_frac(s + tz_days);
}

/* ---- the full algorithm ------------------------------------------------------------- */

zp_status zp_spa_calc(zp_ctx *ctx, const zp_spa_input *in, unsigned what, zp_spa_result *out)
{
    zp_status rc;
    if (!in || !out)
        return zp__error(ctx, ZP_EINVAL, "spa: input and result must not be NULL");
    if (what & ~(unsigned)ZP_SPA_ALL)
        return zp__error(ctx, ZP_EINVAL, "spa: unknown bits 0x%x in what", what & ~(unsigned)ZP_SPA_ALL);
    if ((rc = check_time(ctx, in->t)) || (rc = check_site(ctx, in)))
        return rc;
    if (!(in->frac_s >= 0 && in->frac_s < 1))
        return zp__error(ctx, ZP_ERANGE, "spa: frac_s %g is out of range 0..1 (1 excluded)",
                         in->frac_s);

    /* 3.1: the instant as Julian day (UT1 = UTC + delta UT1). Unix time is
     * a count on the proleptic Gregorian calendar, so this is the paper's
     * formula without the calendar switch (zp_spa_julian_day has it). The
     * whole days and the seconds are added separately to keep the digits. */
    int64_t days = floor_div_day(in->t);
    double sod = (double)(in->t - days * 86400) + in->frac_s + in->delta_ut1_s;
    double d2000 = (double)(days - DAYS_1970_2000) - 0.5 + sod / 86400.0;
    double delta_t_s = delta_t_for(in, 2451545.0 + d2000);

    spa_time st;
    spa_time_calc(d2000, delta_t_s, &st);
    spa_site site;
    site_init(in, &site);

    out->jd = st.jd;
    out->jde = st.jde;
    out->l_deg = st.l;
    out->b_deg = st.b;
    out->r_au = st.r;
    out->theta_deg = st.theta;
    out->beta_deg = st.beta;
    out->delta_psi_deg = st.dpsi;
    out->delta_eps_deg = st.deps;
    out->epsilon_deg = st.eps;
    out->lambda_deg = st.lambda;
    out->nu_deg = st.nu;
    out->alpha_deg = st.alpha;
    out->delta_deg = st.delta;

    /* 3.11: observer local hour angle. */
    double h = limit_deg(st.nu + in->lon_deg - st.alpha);
    out->h_deg = h;

    /* 3.12: parallax -> topocentric right ascension, declination, hour angle. */
    double xi = 8.794 / (3600.0 * st.r) * DEG;
    double hr = h * DEG, dr = st.delta * DEG;
    double den = cos(dr) - site.x * sin(xi) * cos(hr);
    double dalpha = atan2(-site.x * sin(xi) * sin(hr), den);
    double dprime = atan2((sin(dr) - site.y * sin(xi)) * cos(dalpha), den);
    out->alpha_prime_deg = st.alpha + dalpha * RAD;
    out->delta_prime_deg = dprime * RAD;
    out->h_prime_deg = h - dalpha * RAD;

    /* 3.13-3.14: elevation, refraction, zenith. */
    double hp = out->h_prime_deg * DEG;
    double e0 = asin(site.sin_phi * sin(dprime) + site.cos_phi * cos(dprime) * cos(hp)) * RAD;
    out->e0_deg = e0;
    out->del_e_deg = refraction(&site, e0);
    out->e_deg = e0 + out->del_e_deg;
    out->zenith_deg = 90.0 - out->e_deg;

    /* 3.15: azimuth; Gamma is astronomers' (from south, westward), Phi from north, eastward. */
    double gamma = atan2(sin(hp), cos(hp) * site.sin_phi - tan(dprime) * site.cos_phi) * RAD;
    gamma = limit_deg(gamma);
    out->azimuth_deg = limit_deg(gamma + 180.0);

    out->eot_min = equation_of_time_min(&st);

    /* 3.16: incidence on the surface. */
    out->incidence_deg = NAN;
    if (what & ZP_SPA_INC) {
        double th = out->zenith_deg * DEG, w = in->slope_deg * DEG;
        out->incidence_deg =
            acos(cos(th) * cos(w) + sin(w) * sin(th) * cos((gamma - in->azimuth_rotation_deg) * DEG)) *
            RAD;
    }

    out->sunrise_h = out->transit_h = out->sunset_h = NAN;
    if (what & ZP_SPA_RTS)
        rise_transit_set(in, delta_t_s, out);
    return ZP_OK;
}

/* ---- the batch form ------------------------------------------------------------------ */

/* Interpolation nodes are NODE_S apart, aligned on 0 UT. Half a day keeps
 * the cubic's error on the short periods (the Earth's 29.5-day lunar
 * wobble, L0's 77713 term; the 13.7-day nutation term) near 1e-8 deg.
 * The per-node work (~5 us) is spread over the steps between nodes. */
#define NODE_S 43200
#define NODE_DAYS (NODE_S / 86400.0)

/* One interpolation node: the smooth time-only part of the hour angle
 * (S = alpha - dpsi cos eps - the non-linear terms of nu0), the
 * declination and sin(xi). */
typedef struct spa_node {
    double s, delta, sin_xi;
} spa_node;

static void node_calc(const zp_spa_input *in, int64_t k, spa_node *nd)
{
    double d2000 = (double)k * NODE_DAYS - 0.5 + in->delta_ut1_s / 86400.0;
    spa_time st;
    spa_time_calc(d2000, delta_t_for(in, 2451545.0 + d2000), &st);
    double jc = st.jc;
    nd->s = st.alpha - st.dpsi * cos(st.eps * DEG) - (0.000387933 * jc * jc - jc * jc * jc / 38710000.0);
    nd->delta = st.delta * DEG;
    nd->sin_xi = sin(8.794 / (3600.0 * st.r) * DEG);
}

/* Cubic through (-1, y[0]), (0, y[1]), (1, y[2]), (2, y[3]) as c0 + c1 f + c2 f^2 + c3 f^3. */
static void cubic(const double y[4], double c[4])
{
    c[0] = y[1];
    c[1] = -y[0] / 3.0 - y[1] / 2.0 + y[2] - y[3] / 6.0;
    c[2] = (y[0] + y[2]) / 2.0 - y[1];
    c[3] = (y[3] - y[0]) / 6.0 + (y[1] - y[2]) / 2.0;
}

zp_status zp_spa_series(zp_ctx *ctx, const zp_spa_input *in, zp_time_t start, int32_t step_s,
                        size_t n, double *zenith_deg, double *azimuth_deg)
{
    zp_status rc;
    if (!in)
        return zp__error(ctx, ZP_EINVAL, "spa: input must not be NULL");
    if (n == 0)
        return ZP_OK;
    if (step_s <= 0 && n > 1)
        return zp__error(ctx, ZP_EINVAL, "spa: step_s %ld must be positive", (long)step_s);
    if ((rc = check_time(ctx, start)) || (rc = check_site(ctx, in)))
        return rc;
    /* The last instant must be in range too; divide rather than multiply so
     * a huge n cannot overflow. */
    if (n > 1 && (uint64_t)(n - 1) > (uint64_t)(T_MAX - 1 - start) / (uint64_t)step_s)
        return zp__error(ctx, ZP_ERANGE,
                         "spa: the series of %zu steps of %ld s runs past the year 6000", n,
                         (long)step_s);

    spa_site site;
    site_init(in, &site);
    const double sigma = in->lon_deg;
    /* nu0 = 280.46061837 + 360.98564736629 D + ..., D days from JD 2451545.0
     * (UT1). For node interval k (counted from 2000-01-01T00Z) and fraction f
     * of it, D = k/2 - 0.5 + f/2; the 360 * k/2 = 180 k part is taken modulo
     * 360 exactly, so no precision is lost to large D. */
    const double nu_c = 280.46061837 - 0.5 * 360.98564736629 +
                        360.98564736629 * in->delta_ut1_s / 86400.0;
    const double nu_rate = 360.98564736629 * NODE_DAYS; /* degrees per node interval */

    spa_node nodes[4];
    double cs[4] = {0}, cd[4] = {0}, cx[4] = {0}; /* set at the first step */
    int64_t cur = INT64_MIN;
    double base = 0; /* nu0 at f = 0 of the current interval, plus sigma */
    for (size_t i = 0; i < n; i++) {
        int64_t dt = start + (zp_time_t)i * step_s - T2000_0UT;
        int64_t k = dt >= 0 ? dt / NODE_S : -((-dt + NODE_S - 1) / NODE_S);
        double f = (double)(dt - k * NODE_S) / NODE_S;
        if (k != cur) {
            if (cur != INT64_MIN && k == cur + 1) {
                memmove(&nodes[0], &nodes[1], 3 * sizeof nodes[0]);
                node_calc(in, k + 2, &nodes[3]);
            } else {
                for (int j = 0; j < 4; j++)
                    node_calc(in, k - 1 + j, &nodes[j]);
            }
            /* Unwrap S across 0/360 so the cubic sees a smooth function. */
            for (int j = 1; j < 4; j++) {
                while (nodes[j].s - nodes[j - 1].s > 180.0)
                    nodes[j].s -= 360.0;
                while (nodes[j].s - nodes[j - 1].s < -180.0)
                    nodes[j].s += 360.0;
            }
            double ys[4], yd[4], yx[4];
            for (int j = 0; j < 4; j++) {
                ys[j] = nodes[j].s;
                yd[j] = nodes[j].delta;
                yx[j] = nodes[j].sin_xi;
            }
            cubic(ys, cs);
            cubic(yd, cd);
            cubic(yx, cx);
            base = fmod(nu_c + 180.0 * (double)(k & 1) + 0.98564736629 * NODE_DAYS * (double)k, 360.0) +
                   sigma;
            cur = k;
        }
        double s = cs[0] + f * (cs[1] + f * (cs[2] + f * cs[3]));
        double dl = cd[0] + f * (cd[1] + f * (cd[2] + f * cd[3]));
        double sxi = cx[0] + f * (cx[1] + f * (cx[2] + f * cx[3]));
        double h = (base + nu_rate * f - s) * DEG;

        /* The parallax of 3.12 done on the vector: the topocentric direction is
         * the geocentric one (in units of the Sun's distance) minus the
         * observer's position times sin(xi); this is the same rigorous
         * correction the paper writes as delta alpha and delta'. Axes: toward
         * the meridian on the equator, toward the west point, toward the pole. */
        double sh = sin(h), ch = cos(h), sd = sin(dl), cdl = cos(dl);
        double vx = cdl * ch - site.x * sxi;
        double vy = cdl * sh;
        double vz = sd - site.y * sxi;
        /* To the horizon: up, south, west components. */
        double up = site.cos_phi * vx + site.sin_phi * vz;
        double south = site.sin_phi * vx - site.cos_phi * vz;
        double e0 = atan2(up, sqrt(south * south + vy * vy)) * RAD;
        if (zenith_deg)
            zenith_deg[i] = 90.0 - (e0 + refraction(&site, e0));
        if (azimuth_deg) {
            double az = atan2(vy, south) * RAD + 180.0; /* Gamma + 180, in 0..360 */
            azimuth_deg[i] = az >= 360.0 ? az - 360.0 : az;
        }
    }
    return ZP_OK;
}

/* ---- extraterrestrial irradiance ------------------------------------------------- */

double zp_solar_extra_radiation(int doy)
{
    /* Spencer (1971): (r0/r)^2 as a Fourier series in the day angle. */
    double b = 2.0 * PI * (doy - 1) / 365.0;
    double e0 = 1.000110 + 0.034221 * cos(b) + 0.001280 * sin(b) + 0.000719 * cos(2 * b) +
                0.000077 * sin(2 * b);
    return 1361.0 * e0;
}
