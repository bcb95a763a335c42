/*
 * test_cliutil.c - helpers of the zeropark command (src/cli/util.c): the
 * number formatter of the text output. Expected texts are written out by
 * hand, as a person would write the number.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util.h"

#define NUM(v, dec, want)                                                                      \
    do {                                                                                       \
        char b_[CLI_NUM_BUFSIZE];                                                              \
        assert_string_equal(cli_num(b_, (v), (dec)), (want));                                  \
    } while (0)

static void test_num_separators(void **state)
{
    (void)state;
    NUM(60732.4, CLI_NUM_AUTO, "60,732");
    NUM(20000, CLI_NUM_AUTO, "20,000");
    NUM(999, CLI_NUM_AUTO, "999");
    NUM(1000, CLI_NUM_AUTO, "1,000");
    NUM(123456789012.0, CLI_NUM_AUTO, "123,456,789,012");
    NUM(999999999999999.0, CLI_NUM_AUTO, "999,999,999,999,999");
    NUM(49081112.4, 0, "49,081,112");
    NUM(43208.46391, 1, "43,208.5");
    NUM(1234567.891, 2, "1,234,567.89");
    NUM(12.5, 3, "12.500");
}

static void test_num_negative_and_zero(void **state)
{
    (void)state;
    NUM(-60732.4, CLI_NUM_AUTO, "-60,732");
    NUM(-1234567.891, 2, "-1,234,567.89");
    NUM(-999.0, 0, "-999");
    NUM(-0.5306, CLI_NUM_AUTO, "-0.5306");
    NUM(0.0, CLI_NUM_AUTO, "0");
    NUM(0.0, 2, "0.00");
    NUM(-0.0, CLI_NUM_AUTO, "0");
    NUM(-0.0, 1, "0.0");
    /* rounds to zero: no sign */
    NUM(-0.001, 2, "0.00");
    NUM(-0.4, 0, "0");
}

static void test_num_rounding(void **state)
{
    (void)state;
    /* A carry that opens a new group of three. */
    NUM(999.5, 0, "1,000");
    NUM(999999.5, 0, "1,000,000");
    NUM(999.95, CLI_NUM_AUTO, "1,000");
    NUM(999.5, CLI_NUM_AUTO, "999.5");
    NUM(9.99995, CLI_NUM_AUTO, "10");
    /* Halves away from zero, as people round (printf would give 2, 1,234). */
    NUM(2.5, 0, "3");
    NUM(-2.5, 0, "-3");
    NUM(1234.5, CLI_NUM_AUTO, "1,235");
    NUM(0.125, 2, "0.13");
    /* About four significant digits, trailing zeros dropped. */
    NUM(11.6388, CLI_NUM_AUTO, "11.64");
    NUM(1.25, CLI_NUM_AUTO, "1.25");
    NUM(1.0, CLI_NUM_AUTO, "1");
    NUM(0.5306, CLI_NUM_AUTO, "0.5306");
    NUM(123.456, CLI_NUM_AUTO, "123.5");
    NUM(0.000123456, CLI_NUM_AUTO, "0.0001235");
    NUM(0.000001, CLI_NUM_AUTO, "0.000001");
}

/* A figure as the user wrote it: up to fifteen significant digits,
 * separators, no trailing zeros; %.15g outside 1e-6 .. 1e15. */
static void test_num_exact(void **state)
{
    (void)state;
    NUM(12345.6, CLI_NUM_EXACT, "12,345.6");
    NUM(0.53056, CLI_NUM_EXACT, "0.53056");
    NUM(1234567.891, CLI_NUM_EXACT, "1,234,567.891");
    NUM(4294967296.0, CLI_NUM_EXACT, "4,294,967,296");
    NUM(4294967290.5, CLI_NUM_EXACT, "4,294,967,290.5");
    NUM(123456789012.345, CLI_NUM_EXACT, "123,456,789,012.345");
    NUM(123456789.5, CLI_NUM_EXACT, "123,456,789.5");
    NUM(1.25, CLI_NUM_EXACT, "1.25");
    NUM(-3, CLI_NUM_EXACT, "-3");
    NUM(0, CLI_NUM_EXACT, "0");
    NUM(0.1 + 0.2, CLI_NUM_EXACT, "0.3");
    NUM(1e-7, CLI_NUM_EXACT, "1e-07");
    NUM(2.5e15, CLI_NUM_EXACT, "2.5e+15");
    NUM(1.234567890123e-7, CLI_NUM_EXACT, "1.234567890123e-07");
}

static void test_num_tiny_huge_special(void **state)
{
    (void)state;
    NUM(1e-7, CLI_NUM_AUTO, "1e-07");
    NUM(-2.345e-9, CLI_NUM_AUTO, "-2.35e-09");
    /* With fixed decimals a tiny value is the zero it rounds to. */
    NUM(1e-7, 2, "0.00");
    NUM(1e15, CLI_NUM_AUTO, "1e+15");
    NUM(1e15, 1, "1e+15");
    NUM(-1.234e18, 0, "-1.23e+18");
    NUM(NAN, CLI_NUM_AUTO, "n/a");
    NUM(NAN, 2, "n/a");
    NUM(INFINITY, 1, "inf");
    NUM(-INFINITY, CLI_NUM_AUTO, "-inf");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num_separators),
        cmocka_unit_test(test_num_negative_and_zero),
        cmocka_unit_test(test_num_rounding),
        cmocka_unit_test(test_num_tiny_huge_special),
        cmocka_unit_test(test_num_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
