/*
 * opts.h - the subcommands' options, parsed from a table.
 *
 * A command lists its options as a cli_opt table (ended by CLI_END), each
 * entry naming the long option, what its value is and where it goes;
 * cli_opts_parse runs getopt_long over it and applies every value, so that
 * each command's run() holds no parsing loop of its own. A value that does
 * not parse is a usage error "--NAME 'VALUE'" followed by the entry's hint,
 * an option the table lacks is "unknown option 'WORD'"; both exit 2 with a
 * pointer to --help (docs/cli.md). The operands are then argv[optind ..):
 * cli_one_operand and cli_no_operand check their number, cli_opts_need that
 * the required options were given.
 */
#ifndef ZP_CLI_OPTS_H
#define ZP_CLI_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "util.h"

/* What an option does with its value. */
typedef enum cli_opt_kind {
    CLI_OPT_FLAG,   /* no value: *(bool *)dst = true */
    CLI_OPT_TEXT,   /* *(const char **)dst = the value (the last one given wins) */
    CLI_OPT_LONG,   /* a whole number in [lo, hi] into *(long *)dst */
    CLI_OPT_DOUBLE, /* a finite number in [lo, hi] into *(double *)dst */
    CLI_OPT_WHOLE,  /* a whole number 0 .. hi (cli_parse_whole) into *(uint64_t *)dst */
    CLI_OPT_OFFSET, /* a UTC offset ("+08:00", "-05:00", "Z") in minutes into *(int32_t *)dst */
    CLI_OPT_STEP,   /* whole minutes that divide the hour (1 .. 60) into *(int32_t *)dst */
    CLI_OPT_REFUSE, /* not for this command: the usage error is '--NAME' and the hint */
    CLI_OPT_CALL,   /* fn applies the value */
    CLI_OPT_HELP,   /* --help and -h: print the help, exit 0 */
} cli_opt_kind;

typedef struct cli_opt cli_opt;
/* Apply the value of option o (its data in o->dst). EXIT_OK to go on, or
 * the exit code to stop with (the message printed). */
typedef int (*cli_opt_fn)(const cli_cmd *cmd, const cli_opt *o, const char *value);

/* One option. Build entries with the CLI_* macros below. */
struct cli_opt {
    const char *name;  /* the long option without "--"; NULL ends the table */
    cli_opt_kind kind; /* what the value is */
    void *dst;         /* where it goes; CLI_OPT_CALL: fn's data */
    double lo, hi;     /* CLI_OPT_LONG, _DOUBLE, _WHOLE: the range accepted */
    const char *hint;  /* what the usage error says after "--NAME 'VALUE'" */
    cli_opt_fn fn;     /* CLI_OPT_CALL: applies the value */
    bool given;        /* set by cli_opts_parse: the option was on the command line */
};

#define CLI_OPT_(name, kind, dst, lo, hi, hint, fn) {(name), (kind), (dst), (lo), (hi), (hint), (fn), false}
#define CLI_FLAG(name, dst) CLI_OPT_(name, CLI_OPT_FLAG, dst, 0, 0, NULL, NULL)
#define CLI_TEXT(name, dst) CLI_OPT_(name, CLI_OPT_TEXT, dst, 0, 0, NULL, NULL)
#define CLI_LONG(name, dst, lo, hi, hint) CLI_OPT_(name, CLI_OPT_LONG, dst, lo, hi, hint, NULL)
#define CLI_DOUBLE(name, dst, lo, hi, hint) CLI_OPT_(name, CLI_OPT_DOUBLE, dst, lo, hi, hint, NULL)
#define CLI_WHOLE(name, dst, hi, hint) CLI_OPT_(name, CLI_OPT_WHOLE, dst, 0, hi, hint, NULL)
#define CLI_OFFSET(name, dst, hint) CLI_OPT_(name, CLI_OPT_OFFSET, dst, 0, 0, hint, NULL)
/* --step-min of the commands that simulate or plan. */
#define CLI_STEP_MIN(dst) CLI_OPT_("step-min", CLI_OPT_STEP, dst, 0, 0, ": use 1, 5, 10, 15, 30 or 60", NULL)
#define CLI_REFUSE(name, hint) CLI_OPT_(name, CLI_OPT_REFUSE, NULL, 0, 0, hint, NULL)
#define CLI_CALL(name, fn, data) CLI_OPT_(name, CLI_OPT_CALL, data, 0, 0, NULL, fn)
#define CLI_HELP CLI_OPT_("help", CLI_OPT_HELP, NULL, 0, 0, NULL, NULL)
#define CLI_END CLI_OPT_(NULL, CLI_OPT_FLAG, NULL, 0, 0, NULL, NULL)

/* Parse the options of argv[1 ..) by opts and apply them in the order
 * given; the operands are left at argv[optind ..) (getopt_long moves them
 * after the options). Returns true to go on; false when the command is to
 * return *exit_code: a usage error (printed), or EXIT_OK after --help. */
bool cli_opts_parse(const cli_cmd *cmd, cli_opt *opts, int argc, char **argv, int *exit_code);

/* A usage error "missing WHAT" for the first option not given in the list
 * of pairs NAME, WHAT (NULL after the last): ("db", "--db FILE", NULL).
 * EXIT_OK when all were given. */
#if defined(__GNUC__)
#define CLI_SENTINEL __attribute__((sentinel))
#else
#define CLI_SENTINEL
#endif
int cli_opts_need(const cli_cmd *cmd, const cli_opt *opts, ...) CLI_SENTINEL;

/* Exactly one operand, named what ("MODEL"): EXIT_OK, or the usage error
 * "missing WHAT" / "expected one WHAT". */
int cli_one_operand(const cli_cmd *cmd, int argc, const char *what);
/* No operand: EXIT_OK, or the usage error "unexpected argument 'WORD'". */
int cli_no_operand(const cli_cmd *cmd, int argc, char **argv);

/* A time option (opt "--from", text as given, NULL when not given) at the
 * default offset into *out: EXIT_OK, or the usage error "--from 'TEXT':
 * not an ISO-8601 time". */
int cli_time_opt(const cli_cmd *cmd, const char *opt, const char *text, int32_t default_offset_min,
                 zp_time_t *out);

#endif
