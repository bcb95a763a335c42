/*
 * testutil.h - helpers shared by the unit tests (include after cmocka.h).
 *
 * assert_near: cmocka 1.1 has no double comparison; this one prints both
 * values. test_rnd: a seeded xorshift64* generator, so random tests are
 * reproducible (set test_rng_state to the seed first).
 */
#ifndef ZP_TESTUTIL_H
#define ZP_TESTUTIL_H

#include <math.h>
#include <stdint.h>

#define assert_near(a, b, eps) assert_near_((a), (b), (eps), #a, __FILE__, __LINE__)
static inline void assert_near_(double a, double b, double eps, const char *expr,
                                const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%s = %.17g, expected %.17g +- %g\n", expr, a, b, eps);
        _fail(file, line);
    }
}

static uint64_t test_rng_state = 1;

/* Uniform in [0, 1). */
static inline double test_rnd(void)
{
    test_rng_state ^= test_rng_state >> 12;
    test_rng_state ^= test_rng_state << 25;
    test_rng_state ^= test_rng_state >> 27;
    return (double)((test_rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

#endif
