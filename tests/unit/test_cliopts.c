/*
 * test_cliopts.c - the option tables of the zeropark command
 * (src/cli/opts.c): each kind of option, the usage errors and the operand
 * checks. What the commands print is checked by tests/cli.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "opts.h"

static int run_nothing(const cli_cmd *cmd, int argc, char **argv)
{
    (void)cmd;
    (void)argc;
    (void)argv;
    return EXIT_OK;
}

static const cli_cmd cmd_t = {"t", "a test command", "usage: zeropark t\n", run_nothing};

#define ARGC(a) ((int)(sizeof(a) / sizeof(a)[0]) - 1)

static int calls;
static int count_call(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    (void)cmd;
    calls++;
    *(const char **)o->dst = value;
    return strcmp(value, "bad") == 0 ? EXIT_USAGE : EXIT_OK;
}

static void test_values(void **state)
{
    (void)state;
    bool json = false;
    const char *db = NULL, *called = NULL;
    long n = 0;
    double x = 0;
    int32_t off = 0, step = 0;
    uint64_t seed = 0;
    cli_opt opts[] = {CLI_FLAG("json", &json),
                      CLI_TEXT("db", &db),
                      CLI_LONG("n", &n, 1, 10, ": 1..10"),
                      CLI_DOUBLE("x", &x, 0, 1, ": 0..1"),
                      CLI_OFFSET("offset", &off, ": +HH:MM"),
                      CLI_STEP_MIN(&step),
                      CLI_WHOLE("seed", &seed, 1e15, ": whole"),
                      CLI_CALL("call", count_call, &called),
                      CLI_END};
    char *argv[] = {"t", "--json", "--db=s.db", "--n", "7", "MODEL", "--x", "0.25", "--offset",
                    "-05:30", "--step", "15", "--seed", "1e3", "--call", "v", NULL};
    int ex = -1;
    calls = 0;
    assert_true(cli_opts_parse(&cmd_t, opts, ARGC(argv), argv, &ex));
    assert_int_equal(ex, EXIT_OK);
    assert_true(json);
    assert_string_equal(db, "s.db");
    assert_int_equal(n, 7);
    assert_true(x == 0.25);
    assert_int_equal(off, -330);
    assert_int_equal(step, 15);
    assert_true(seed == 1000);
    assert_int_equal(calls, 1);
    assert_string_equal(called, "v");
    /* The operand is moved after the options. */
    assert_int_equal(cli_one_operand(&cmd_t, ARGC(argv), "MODEL"), EXIT_OK);
    assert_string_equal(argv[optind], "MODEL");
    assert_true(opts[0].given && opts[1].given && opts[7].given);
    assert_int_equal(cli_opts_need(&cmd_t, opts, "db", "--db FILE", "json", "--json", NULL), EXIT_OK);
}

static void test_refused(void **state)
{
    (void)state;
    long n = 0;
    int32_t step = 0;
    const char *called = NULL;
    cli_opt opts[] = {CLI_LONG("n", &n, 1, 10, ": 1..10"), CLI_STEP_MIN(&step),
                      CLI_REFUSE("dispatch", " is not for t"), CLI_CALL("call", count_call, &called),
                      CLI_END};
    int ex = -1;
    char *a1[] = {"t", "--n", "11", NULL};
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a1), a1, &ex));
    assert_int_equal(ex, EXIT_USAGE);
    char *a2[] = {"t", "--step-min", "7", NULL}; /* 7 does not divide the hour */
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a2), a2, &ex));
    assert_int_equal(ex, EXIT_USAGE);
    char *a3[] = {"t", "--dispatch", "rule", NULL};
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a3), a3, &ex));
    assert_int_equal(ex, EXIT_USAGE);
    char *a4[] = {"t", "--bogus", NULL};
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a4), a4, &ex));
    assert_int_equal(ex, EXIT_USAGE);
    char *a5[] = {"t", "--n", NULL}; /* a value missing */
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a5), a5, &ex));
    assert_int_equal(ex, EXIT_USAGE);
    /* A callback's failure stops the parse at once. */
    calls = 0;
    char *a6[] = {"t", "--call", "bad", "--call", "v", NULL};
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a6), a6, &ex));
    assert_int_equal(ex, EXIT_USAGE);
    assert_int_equal(calls, 1);
    /* -h is an unknown option in a table without help. */
    char *a7[] = {"t", "-h", NULL};
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a7), a7, &ex));
    assert_int_equal(ex, EXIT_USAGE);
}

static void test_help_and_operands(void **state)
{
    (void)state;
    const char *db = NULL;
    cli_opt opts[] = {CLI_TEXT("db", &db), CLI_HELP, CLI_END};
    int ex = -1;
    char *a1[] = {"t", "-h", "--bogus", NULL};
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a1), a1, &ex));
    assert_int_equal(ex, EXIT_OK);
    char *a2[] = {"t", "--he", NULL}; /* an abbreviation, as getopt_long allows */
    assert_false(cli_opts_parse(&cmd_t, opts, ARGC(a2), a2, &ex));
    assert_int_equal(ex, EXIT_OK);
    char *a3[] = {"t", "x", "y", NULL};
    assert_true(cli_opts_parse(&cmd_t, opts, ARGC(a3), a3, &ex));
    assert_int_equal(cli_opts_need(&cmd_t, opts, "db", "--db FILE", NULL), EXIT_USAGE);
    assert_int_equal(cli_one_operand(&cmd_t, ARGC(a3), "MODEL"), EXIT_USAGE);
    assert_int_equal(cli_no_operand(&cmd_t, ARGC(a3), a3), EXIT_USAGE);
    char *a4[] = {"t", "--db", "", NULL};
    assert_true(cli_opts_parse(&cmd_t, opts, ARGC(a4), a4, &ex));
    assert_int_equal(cli_opts_need(&cmd_t, opts, "db", "--db FILE", NULL), EXIT_OK);
    assert_int_equal(cli_no_operand(&cmd_t, ARGC(a4), a4), EXIT_OK);
    assert_int_equal(cli_one_operand(&cmd_t, ARGC(a4), "MODEL"), EXIT_USAGE);
}

static void test_time_opt(void **state)
{
    (void)state;
    zp_time_t t = 0;
    assert_int_equal(cli_time_opt(&cmd_t, "--at", NULL, 480, &t), EXIT_OK);
    assert_int_equal(t, 0);
    assert_int_equal(cli_time_opt(&cmd_t, "--at", "1970-01-01T08:00", 480, &t), EXIT_OK);
    assert_int_equal(t, 0);
    assert_int_equal(cli_time_opt(&cmd_t, "--at", "1970-01-02", 0, &t), EXIT_OK);
    assert_int_equal(t, 86400);
    assert_int_equal(cli_time_opt(&cmd_t, "--at", "nope", 480, &t), EXIT_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_help_and_operands),
        cmocka_unit_test(test_time_opt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
