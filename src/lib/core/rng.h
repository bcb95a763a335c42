/*
 * rng.h - the library's one random-number generator (private; never
 * installed): xoshiro256** seeded by splitmix64 (Blackman & Vigna), small,
 * fast, and the same sequence on every platform, unlike rand(). Used by
 * the weather generator (energy/weather.c) and the noisy forecasts
 * (dispatch/forecast.c). A generator is a plain value: no global state.
 */
#ifndef ZP_RNG_H
#define ZP_RNG_H

#include <stdint.h>

typedef struct zp__rng {
    uint64_t s[4];  /* xoshiro256** state */
    int have_spare; /* zp__rng_normal: the second value of the last pair is waiting */
    double spare;   /* that value */
} zp__rng;

/* splitmix64: advances *x and returns the next output. */
uint64_t zp__splitmix64(uint64_t *x);
/* The state from four splitmix64 outputs of seed; no spare normal. */
void zp__rng_seed(zp__rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t zp__rng_next(zp__rng *r);
/* Uniform in (0, 1): never 0, so a logarithm of it is finite. */
double zp__rng_uniform(zp__rng *r);
/* Standard normal by Box-Muller, both values of a pair used (the second
 * is returned by the next call). */
double zp__rng_normal(zp__rng *r);
/* Standard normal by Box-Muller, the second value discarded, so that every
 * draw consumes exactly two uniforms. */
double zp__rng_normal_single(zp__rng *r);

#endif
