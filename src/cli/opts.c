/*
 * opts.c - the subcommands' options, parsed from a table (opts.h).
 */
#define _DEFAULT_SOURCE
#include "opts.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

/* Most options a table may hold. */
#define CLI_OPTS_MAX 48
/* getopt_long's code of entry i (clear of 'h' and '?'). */
#define CLI_OPT_CODE0 256

/* Apply the value of o ("word" is the command-line word that ended it).
 * EXIT_OK to go on, or the exit code to stop with. */
static int apply(const cli_cmd *cmd, const cli_opt *o, const char *value, const char *word)
{
    long l;
    bool ok = true;
    switch (o->kind) {
    case CLI_OPT_FLAG: *(bool *)o->dst = true; break;
    case CLI_OPT_TEXT: *(const char **)o->dst = value; break;
    case CLI_OPT_LONG: ok = cli_parse_long(value, (long)o->lo, (long)o->hi, o->dst); break;
    case CLI_OPT_DOUBLE: ok = cli_parse_double(value, o->lo, o->hi, o->dst); break;
    case CLI_OPT_WHOLE: ok = cli_parse_whole(value, o->hi, o->dst); break;
    case CLI_OPT_OFFSET: ok = cli_parse_offset(value, o->dst); break;
    case CLI_OPT_STEP:
        ok = cli_parse_long(value, 1, 60, &l) && 60 % l == 0;
        if (ok)
            *(int32_t *)o->dst = (int32_t)l;
        break;
    case CLI_OPT_REFUSE: return cli_usage_error(cmd, "'--%s'%s", o->name, o->hint);
    case CLI_OPT_CALL: return o->fn(cmd, o, value);
    case CLI_OPT_HELP: return cli_help(cmd);
    }
    return ok ? EXIT_OK : cli_usage_error(cmd, "--%s '%s'%s", o->name, value, o->hint);
}

bool cli_opts_parse(const cli_cmd *cmd, cli_opt *opts, int argc, char **argv, int *exit_code)
{
    struct option lo[CLI_OPTS_MAX + 1];
    /* The leading ':' makes getopt_long tell a missing value (':') from an
     * unknown option ('?'). */
    const char *shortopts = ":";
    size_t n = 0;
    for (; opts[n].name; n++) {
        if (n == CLI_OPTS_MAX) {
            cli_err(cmd->name, "internal error: more than %d options", CLI_OPTS_MAX);
            *exit_code = EXIT_INTERNAL;
            return false;
        }
        bool help = opts[n].kind == CLI_OPT_HELP;
        lo[n] = (struct option){opts[n].name,
                                opts[n].kind == CLI_OPT_FLAG || help ? no_argument : required_argument,
                                NULL, help ? 'h' : CLI_OPT_CODE0 + (int)n};
        if (help)
            shortopts = ":h";
    }
    lo[n] = (struct option){0, 0, 0, 0};
    int c = -1, ex = EXIT_OK;
    opterr = 0;
    optind = 1;
    while (ex == EXIT_OK && (c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
        cli_opt *o = NULL;
        if (c == 'h') {
            for (o = opts; o->kind != CLI_OPT_HELP; o++)
                ;
        } else if (c >= CLI_OPT_CODE0 && c < CLI_OPT_CODE0 + (int)n) {
            o = &opts[c - CLI_OPT_CODE0];
        }
        if (c == ':' && optopt >= CLI_OPT_CODE0 && optopt < CLI_OPT_CODE0 + (int)n) {
            o = &opts[optopt - CLI_OPT_CODE0];
            ex = o->kind == CLI_OPT_REFUSE
                     ? apply(cmd, o, NULL, argv[optind - 1])
                     : cli_usage_error(cmd, "--%s needs a value%s", o->name, o->hint ? o->hint : "");
            break;
        }
        if (!o) {
            ex = cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            break;
        }
        o->given = true;
        ex = apply(cmd, o, optarg, argv[optind - 1]);
        if (o->kind == CLI_OPT_HELP)
            break;
    }
    *exit_code = ex;
    return c == -1;
}

int cli_opts_need(const cli_cmd *cmd, const cli_opt *opts, ...)
{
    va_list ap;
    va_start(ap, opts);
    const char *name, *missing = NULL;
    while (!missing && (name = va_arg(ap, const char *)) != NULL) {
        const char *what = va_arg(ap, const char *);
        const cli_opt *o = opts;
        while (o->name && strcmp(o->name, name) != 0)
            o++;
        if (!o->name || !o->given)
            missing = what;
    }
    va_end(ap);
    return missing ? cli_usage_error(cmd, "missing %s", missing) : EXIT_OK;
}

int cli_one_operand(const cli_cmd *cmd, int argc, const char *what)
{
    if (optind == argc - 1)
        return EXIT_OK;
    return cli_usage_error(cmd, optind >= argc ? "missing %s" : "expected one %s", what);
}

int cli_no_operand(const cli_cmd *cmd, int argc, char **argv)
{
    return optind == argc ? EXIT_OK : cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
}

int cli_time_opt(const cli_cmd *cmd, const char *opt, const char *text, int32_t default_offset_min,
                 zp_time_t *out)
{
    if (!text || cli_parse_time(text, default_offset_min, out))
        return EXIT_OK;
    return cli_usage_error(cmd, "%s '%s': not an ISO-8601 time", opt, text);
}
