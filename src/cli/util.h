/*
 * util.h - helpers shared by the zeropark command's subcommands.
 */
#ifndef ZP_CLI_UTIL_H
#define ZP_CLI_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "zeropark/zeropark.h"

/* Exit codes (docs/cli.md). */
enum { EXIT_OK = 0, EXIT_CHECK = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* A subcommand: a row of the table of commands in main.c (commands.h). */
typedef struct cli_cmd {
    const char *name;    /* "validate" */
    const char *summary; /* one line for `zeropark help` */
    const char *usage;   /* full help text for `zeropark help NAME` */
    /* argv[0] is the command's name; cmd is this descriptor, for its
     * usage errors. */
    int (*run)(const struct cli_cmd *cmd, int argc, char **argv);
} cli_cmd;

/* Print "zeropark CMD: message" to stderr. */
void cli_err(const char *cmd, const char *fmt, ...) ZP_PRINTF(2, 3);
/* Print the usage error, a hint to --help, return EXIT_USAGE. */
int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...) ZP_PRINTF(2, 3);
/* Print help text of cmd to stdout, return EXIT_OK. */
int cli_help(const cli_cmd *cmd);
/* Print the diagnostics on ctx to stderr, one per line. */
void cli_print_diags(const zp_ctx *ctx);
/* Report a failed library call (diagnostics, then the message). Returns the
 * exit code for it: EXIT_USAGE for bad input, EXIT_INTERNAL otherwise. */
int cli_fail(const char *cmd, zp_ctx *ctx, zp_status rc);
/* Print the library's warnings on ctx (a grid factor written in the model
 * that wins over accounting.grid_region, ...) to stderr as
 * "zeropark CMD: warning: message". cmd must outlive ctx. */
void cli_warnings_to_stderr(zp_ctx *ctx, const char *cmd);
/* A new context whose library warnings go to stderr (as
 * cli_warnings_to_stderr does); NULL without memory. */
zp_ctx *cli_ctx_new(const char *cmd);
/* Load the park model at path (flags as for zp_model_load_file) into *m.
 * EXIT_OK, or the exit code of the failure, reported with cli_fail. */
int cli_model_load(const char *cmd, zp_ctx *ctx, const char *path, unsigned flags, zp_model **m);
/* Print text, a document the library made with status rc, on stdout and
 * free it with free_text. EXIT_OK, or the exit code of rc (cli_fail). */
int cli_put_text(const char *cmd, zp_ctx *ctx, zp_status rc, char *text,
                 void (*free_text)(zp_ctx *, char *));
/* Diagnostics as a JSON array. */
json_t *cli_diags_json(const zp_ctx *ctx);
/* Print a JSON document to stdout (2-space indent, keys in insertion order). */
int cli_print_json(json_t *doc);
/* Parse an ISO-8601 time option; a date alone means its midnight. The
 * default offset applies when the text has none. */
bool cli_parse_time(const char *text, int32_t default_offset_min, zp_time_t *out);
/* Parse "+08:00" / "-05:00" / "Z" to minutes. */
bool cli_parse_offset(const char *text, int32_t *out_min);
/* Parse a finite number (the whole text) within [lo, hi]. */
bool cli_parse_double(const char *text, double lo, double hi, double *out);
/* Parse a whole number 0 .. hi written as a number ("12", "1e3"; exact up
 * to 2^53), as seeds are. */
bool cli_parse_whole(const char *text, double hi, uint64_t *out);
/* Parse a whole-number option within [lo, hi]. */
bool cli_parse_long(const char *text, long lo, long hi, long *out);
/* A number for people (text output; --json keeps full precision):
 * thousands separators ("60,732"), `dec` decimals, or with CLI_NUM_AUTO
 * about four significant digits without rounding the integer part and
 * without trailing zeros ("60,732", "11.64", "1.25", "0.0001235"). No
 * exponent from 1e-6 to 1e15; beyond that (and below 1e-6 in the automatic
 * form) three significant digits in scientific notation ("1e-07",
 * "1.23e+15"). A zero that rounding left shows without a sign; NaN is
 * "n/a", infinities "inf" and "-inf". buf holds CLI_NUM_BUFSIZE bytes;
 * returns buf. */
#define CLI_NUM_BUFSIZE 64
#define CLI_NUM_AUTO (-1)
/* Like CLI_NUM_AUTO with fifteen significant digits: a figure the user
 * wrote (a model's value, a reading) shown as given ("12,345.6",
 * "0.53056", "4,294,967,290.5"), with "%.15g" beyond 1e-6 .. 1e15. */
#define CLI_NUM_EXACT (-2)
const char *cli_num(char *buf, double v, int dec);
/* cli_num into a buffer of its own that lives to the end of the enclosing
 * block: printf("%s vs %s", CLI_NUM(a, 1), CLI_NUM(b, 1)). */
#define CLI_NUM(v, dec) cli_num((char[CLI_NUM_BUFSIZE]){0}, (v), (dec))

/* Progress on stderr, shown only when stderr is a terminal and the work
 * has taken longer than a second. */
typedef struct cli_progress {
    const char *label;
    double t0;
    double last;
    bool shown;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *label);
void cli_progress_update(cli_progress *p, uint64_t done, uint64_t total);
void cli_progress_done(cli_progress *p);
/* The library's progress callback for a cli_progress at ud: shows it,
 * never cancels. */
int cli_progress_cb(void *ud, uint64_t done, uint64_t total);
double cli_now(void);

#endif
