/*
 * rng.c - xoshiro256** seeded by splitmix64, and normal deviates by
 * Box-Muller (rng.h).
 */
#include "core/rng.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

uint64_t zp__splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void zp__rng_seed(zp__rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = zp__splitmix64(&seed);
    r->have_spare = 0;
    r->spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t zp__rng_next(zp__rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

double zp__rng_uniform(zp__rng *r)
{
    return ((double)(zp__rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double zp__rng_normal(zp__rng *r)
{
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    double u1 = zp__rng_uniform(r), u2 = zp__rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), th = 2.0 * M_PI * u2;
    r->spare = rad * sin(th);
    r->have_spare = 1;
    return rad * cos(th);
}

double zp__rng_normal_single(zp__rng *r)
{
    double u1 = zp__rng_uniform(r), u2 = zp__rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
