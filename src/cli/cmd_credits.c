/*
 * cmd_credits.c - `zeropark credits OP --db FILE [options]`: the carbon-
 * credit ledger (docs/credits.md). Every operation goes through
 * zp_ledger_exec, the entry point the HTTP API uses too: the options are
 * turned into its JSON arguments and its JSON result is printed (--json)
 * or summarised.
 */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"
#include "zeropark/ledger.h"

const char cmd_credits_usage[] =
    "usage: zeropark credits OP --db FILE [options] [--json]\n"
    "\n"
    "The carbon-credit ledger: a registry of accounts, projects and serial-\n"
    "numbered credits (1 serial = 1 t CO2e), an order book per product\n"
    "(standard-vintage, e.g. CCER-2023) and a hash-chained journal\n"
    "(docs/credits.md). Writing operations create FILE when it is missing.\n"
    "\n"
    "Operations and their options:\n"
    "  account   --id ID [--name TEXT] [--kind village|company|park|government|other]\n"
    "  project   --id ID --standard STD --location TEXT --area-ha HA --methodology TEXT\n"
    "            --owner ACCOUNT [--name TEXT]\n"
    "  issue     --project ID --vintage YEAR --qty T [--to ACCOUNT] [--verification TEXT]\n"
    "  transfer  --from ACCOUNT --to ACCOUNT (--serial RANGE | --project ID --vintage YEAR --qty T)\n"
    "  retire    --account ACCOUNT (--serial RANGE | --project ID --vintage YEAR --qty T)\n"
    "            --beneficiary TEXT --purpose TEXT --park NAME --year YEAR\n"
    "  cancel    --order ID [--account ACCOUNT]            cancel an open order\n"
    "  cancel    --account ACCOUNT (--serial RANGE | --project ID --vintage YEAR --qty T)\n"
    "            --reason TEXT                             cancel credits\n"
    "  order     --account ACCOUNT --side buy|sell --product STD-YEAR --qty T\n"
    "            (--price FEN | --type market)             price in fen per tonne\n"
    "  book      --product STD-YEAR\n"
    "  balance   [--account ACCOUNT]                       without: every account and totals\n"
    "  history   [--account ACCOUNT] [--after SEQ] [--limit N]\n"
    "                                                      journal entries after SEQ, N to a\n"
    "                                                      page (default 100); with ACCOUNT,\n"
    "                                                      every entry concerning it\n"
    "  offsets   --park NAME --year YEAR                   retirements against a park-year\n"
    "  verify                                              recompute the hash chain, replay the\n"
    "                                                      journal, check the invariants\n"
    "  export    --out FILE                                journal for auditors (SEQ TAB HASH TAB\n"
    "                                                      ENTRY lines; docs/credits.md)\n"
    "\n"
    "A serial RANGE is STD-PROJECT-VINTAGE-FIRST-LAST, e.g. CCER-RY-FOREST-2023-1-500.\n"
    "\n"
    "Common options:\n"
    "  --db FILE             the ledger (SQLite; required)\n"
    "  --key KEY             idempotency key: a retried request with the same key\n"
    "                        returns the first result and changes nothing\n"
    "  --args JSON           the operation's arguments as one JSON object\n"
    "                        (merged under the options above)\n"
    "  --json                print the result as JSON\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 ok, 1 verify found a problem, 2 bad usage or input\n"
    "(unknown account, insufficient balance, ...), 3 internal error.\n";

/* Options that become arguments: name, argument key, type (s text, i
 * whole number, n number). */
static const struct {
    const char *opt, *key;
    char type;
} argopts[] = {
    {"id", "id", 's'},           {"name", "name", 's'},
    {"kind", "kind", 's'},       {"standard", "standard", 's'},
    {"location", "location", 's'}, {"area-ha", "area_ha", 'n'},
    {"methodology", "methodology", 's'}, {"owner", "owner", 's'},
    {"project", "project", 's'}, {"vintage", "vintage", 'i'},
    {"qty", "qty", 'i'},         {"to", "to", 's'},
    {"from", "from", 's'},       {"verification", "verification", 's'},
    {"serial", "serial", 's'},   {"account", "account", 's'},
    {"beneficiary", "beneficiary", 's'}, {"purpose", "purpose", 's'},
    {"park", "park", 's'},       {"year", "year", 'i'},
    {"reason", "reason", 's'},   {"order", "order", 'i'},
    {"side", "side", 's'},       {"type", "type", 's'},
    {"product", "product", 's'}, {"price", "price", 'i'},
    {"after", "after", 'i'},     {"limit", "limit", 'i'},
};
#define NARGOPTS (sizeof argopts / sizeof argopts[0])

/* Which options each operation takes. */
static const struct {
    const char *op;
    const char *opts; /* space-separated */
    int writes;
} opdefs[] = {
    {"account", "id name kind", 1},
    {"project", "id name standard location area-ha methodology owner", 1},
    {"issue", "project vintage qty to verification", 1},
    {"transfer", "from to serial project vintage qty", 1},
    {"retire", "account serial project vintage qty beneficiary purpose park year", 1},
    {"cancel", "order account serial project vintage qty reason", 1},
    {"order", "account side type product qty price", 1},
    {"book", "product", 0},
    {"balance", "account", 0},
    {"history", "account after limit", 0},
    {"offsets", "park year", 0},
    {"verify", "", 0},
    {"export", "", 0},
};

static int takes(const char *list, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = list; (p = strstr(p, opt)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
            return 1;
    return 0;
}

static const char *js(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static long long ji(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static void print_serials(json_t *ser)
{
    size_t i;
    json_t *s;
    json_array_foreach(ser, i, s) printf("  %s\n", json_string_value(s));
}

/* The text form of a result. Returns the exit code. */
static int print_text(const char *op, json_t *r)
{
    if (strcmp(op, "account") == 0) {
        printf("account %s (%s, %s) created, journal entry %lld\n", js(r, "account"),
               js(r, "name"), js(r, "kind"), ji(r, "seq"));
    } else if (strcmp(op, "project") == 0) {
        printf("project %s (%s, owner %s) registered, journal entry %lld\n", js(r, "project"),
               js(r, "standard"), js(r, "owner"), ji(r, "seq"));
    } else if (strcmp(op, "issue") == 0) {
        printf("issued %lld t to %s: %s (journal entry %lld)\n", ji(r, "qty"), js(r, "to"),
               js(r, "serial"), ji(r, "seq"));
    } else if (strcmp(op, "transfer") == 0 || strcmp(op, "retire") == 0 ||
               (strcmp(op, "cancel") == 0 && !json_object_get(r, "order"))) {
        if (op[0] == 't')
            printf("transferred %lld t from %s to %s", ji(r, "qty"), js(r, "account"),
                   js(r, "to"));
        else if (op[0] == 'r')
            printf("retired %lld t from %s (retirement %lld)", ji(r, "qty"), js(r, "account"),
                   ji(r, "retirement"));
        else
            printf("cancelled %lld t of %s", ji(r, "qty"), js(r, "account"));
        printf(", journal entry %lld; serials:\n", ji(r, "seq"));
        print_serials(json_object_get(r, "serials"));
    } else if (strcmp(op, "cancel") == 0) {
        printf("order %lld cancelled with %lld t left (journal entry %lld)\n", ji(r, "order"),
               ji(r, "remaining"), ji(r, "seq"));
    } else if (strcmp(op, "order") == 0) {
        json_t *fills = json_object_get(r, "fills");
        printf("order %lld: %s %s %lld t of %s", ji(r, "order"), js(r, "type"), js(r, "side"),
               ji(r, "qty"), js(r, "product"));
        if (strcmp(js(r, "type"), "limit") == 0)
            printf(" at %lld fen/t", ji(r, "price"));
        printf(": %s, %zu fill%s, %lld t %s\n", js(r, "state"), json_array_size(fills),
               json_array_size(fills) == 1 ? "" : "s", ji(r, "remaining"),
               strcmp(js(r, "state"), "open") == 0 ? "resting" : "left");
        size_t i;
        json_t *f;
        json_array_foreach(fills, i, f)
            printf("  fill: %lld t at %lld fen/t, %s -> %s (orders %lld/%lld, entry %lld)\n",
                   ji(f, "qty"), ji(f, "price"), js(f, "seller"), js(f, "buyer"),
                   ji(f, "sell_order"), ji(f, "buy_order"), ji(f, "seq"));
    } else if (strcmp(op, "book") == 0) {
        printf("%s\n%-8s %12s %12s %s\n", js(r, "product"), "side", "price_fen", "qty_t",
               "orders");
        static const char *const sides[] = {"asks", "bids"};
        for (int k = 0; k < 2; k++) {
            json_t *lv = json_object_get(r, sides[k]);
            size_t n = json_array_size(lv);
            for (size_t j = 0; j < n; j++) {
                /* Asks from the highest down to the best, then bids from the best. */
                json_t *l = json_array_get(lv, k == 0 ? n - 1 - j : j);
                printf("%-8s %12lld %12lld %zu\n", k == 0 ? "ask" : "bid", ji(l, "price"),
                       ji(l, "qty"), json_array_size(json_object_get(l, "orders")));
            }
        }
    } else if (strcmp(op, "balance") == 0) {
        size_t i, j;
        json_t *a, *h;
        json_array_foreach(json_object_get(r, "accounts"), i, a)
        {
            printf("%s (%s): %lld t\n", js(a, "account"), js(a, "kind"), ji(a, "total_t"));
            json_array_foreach(json_object_get(a, "holdings"), j, h)
            {
                printf("  %-12s %-20s %8lld t\n", js(h, "product"), js(h, "project"),
                       ji(h, "qty"));
                size_t k;
                json_t *s;
                json_array_foreach(json_object_get(h, "serials"), k, s)
                    printf("      %s\n", json_string_value(s));
            }
            json_array_foreach(json_object_get(a, "reserved"), j, h)
                printf("  %-12s offered by open sell orders: %lld t\n", js(h, "product"),
                       ji(h, "qty"));
        }
        json_t *pvs = json_object_get(r, "project_vintages");
        if (json_array_size(pvs))
            printf("\n%-20s %7s %10s %10s %10s %10s\n", "project", "vintage", "issued", "held",
                   "retired", "cancelled");
        json_array_foreach(pvs, i, h)
            printf("%-20s %7lld %10lld %10lld %10lld %10lld\n", js(h, "project"),
                   ji(h, "vintage"), ji(h, "issued"), ji(h, "held"), ji(h, "retired"),
                   ji(h, "cancelled"));
    } else if (strcmp(op, "history") == 0) {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(r, "entries"), i, e)
        {
            char *t = json_dumps(json_object_get(e, "entry"), JSON_COMPACT | JSON_SORT_KEYS);
            printf("%6lld %.12s %s\n", ji(e, "seq"), js(e, "hash"), t ? t : "");
            free(t);
        }
        /* A page ends at --limit (default 100): say how to read on. */
        if (json_is_integer(json_object_get(r, "next")))
            printf("more entries: --after %lld\n", ji(r, "next"));
    } else if (strcmp(op, "offsets") == 0) {
        printf("%s %lld: %lld t retired\n", js(r, "park"), ji(r, "year"), ji(r, "retired_t"));
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(r, "retirements"), i, e)
        {
            printf("  retirement %lld: %lld t from %s for %s (%s)\n", ji(e, "retirement"),
                   ji(e, "qty"), js(e, "account"), js(e, "beneficiary"), js(e, "purpose"));
            print_serials(json_object_get(e, "serials"));
        }
    } else if (strcmp(op, "verify") == 0) {
        int ok = json_is_true(json_object_get(r, "ok"));
        if (ok) {
            printf("ok: %lld journal entries, chain and invariants hold; head %s\n",
                   ji(r, "entries"), js(r, "head"));
        } else {
            if (json_is_integer(json_object_get(r, "first_bad_seq")))
                printf("FAILED: first bad entry is %lld\n", ji(r, "first_bad_seq"));
            else
                printf("FAILED: the stored state disagrees with the journal\n");
            size_t i;
            json_t *p;
            json_array_foreach(json_object_get(r, "problems"), i, p) printf("  %s\n",
                                                                            js(p, "message"));
            if (ji(r, "problem_count") > (long long)json_array_size(json_object_get(r, "problems")))
                printf("  ... %lld problems in all\n", ji(r, "problem_count"));
        }
        return ok ? EXIT_OK : EXIT_CHECK;
    }
    return EXIT_OK;
}

/* The key of the first string value of o holding a NUL character (JSON
 * "\u0000"), or NULL. */
static const char *nul_key(json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v))
            return k;
        if (json_is_object(v) && nul_key(v))
            return k;
    }
    return NULL;
}

int cmd_credits_run(const cli_cmd *cmd, int argc, char **argv)
{
    static struct option opts[NARGOPTS + 8];
    for (size_t i = 0; i < NARGOPTS; i++)
        opts[i] = (struct option){argopts[i].opt, required_argument, NULL, 1000 + (int)i};
    size_t n = NARGOPTS;
    opts[n++] = (struct option){"db", required_argument, NULL, 'd'};
    opts[n++] = (struct option){"key", required_argument, NULL, 'k'};
    opts[n++] = (struct option){"args", required_argument, NULL, 'a'};
    opts[n++] = (struct option){"out", required_argument, NULL, 'o'};
    opts[n++] = (struct option){"json", no_argument, NULL, 'J'};
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[n] = (struct option){0, 0, 0, 0};

    if (argc < 2 || argv[1][0] == '-')
        return cli_usage_error(cmd, "missing OP (account, project, issue, transfer, "
                                             "retire, cancel, order, book, balance, history, "
                                             "offsets, verify or export)");
    const char *op = argv[1];
    size_t k;
    for (k = 0; k < sizeof opdefs / sizeof opdefs[0]; k++)
        if (strcmp(opdefs[k].op, op) == 0)
            break;
    if (k == sizeof opdefs / sizeof opdefs[0])
        return cli_usage_error(cmd, "'%s' is not an operation of credits", op);

    json_t *args = json_object(), *extra = NULL;
    const char *db = NULL, *key = NULL, *out = NULL;
    int json = 0, c, code = EXIT_OK;
    if (!args)
        return EXIT_INTERNAL;
    opterr = 0;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c >= 1000 && c < 1000 + (int)NARGOPTS) {
            size_t i = (size_t)(c - 1000);
            if (!takes(opdefs[k].opts, argopts[i].opt)) {
                code = cli_usage_error(cmd, "credits %s takes no --%s", op,
                                       argopts[i].opt);
                goto out;
            }
            json_t *v;
            if (argopts[i].type == 's') {
                v = json_string(optarg);
                if (!v) {
                    code = cli_usage_error(cmd, "--%s: not valid UTF-8", argopts[i].opt);
                    goto out;
                }
            } else if (argopts[i].type == 'i') {
                long x;
                if (!cli_parse_long(optarg, 0, 999999999999999L, &x)) {
                    code = cli_usage_error(cmd, "--%s '%s': a whole number >= 0",
                                           argopts[i].opt, optarg);
                    goto out;
                }
                v = json_integer(x);
            } else {
                double x;
                if (!cli_parse_double(optarg, 0, 1e12, &x)) {
                    code = cli_usage_error(cmd, "--%s '%s': a number >= 0",
                                           argopts[i].opt, optarg);
                    goto out;
                }
                v = json_real(x);
            }
            json_object_set_new(args, argopts[i].key, v);
            continue;
        }
        switch (c) {
        case 'd': db = optarg; break;
        case 'k': key = optarg; break;
        case 'o': out = optarg; break;
        case 'J': json = 1; break;
        case 'h': code = cli_help(cmd); goto out;
        case 'a': {
            json_error_t err;
            json_decref(extra);
            extra = json_loads(optarg, JSON_ALLOW_NUL, &err);
            if (!json_is_object(extra)) {
                code = cli_usage_error(cmd, "--args: %s at column %d; give one JSON object",
                                       extra ? "not an object" : err.text, err.column);
                goto out;
            }
            const char *nk = nul_key(extra);
            if (nk) {
                code = cli_usage_error(cmd, "--args: %.64s: the string holds \\u0000 (the NUL "
                                       "character), which is not allowed; remove it", nk);
                goto out;
            }
            break;
        }
        default:
            code = cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc) {
        code = cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (!db) {
        code = cli_usage_error(cmd, "missing --db FILE");
        goto out;
    }
    if (strcmp(op, "export") == 0 && !out) {
        code = cli_usage_error(cmd, "credits export: missing --out FILE");
        goto out;
    }
    if (out && strcmp(op, "export") != 0) {
        code = cli_usage_error(cmd, "--out is for credits export");
        goto out;
    }
    if (extra) {
        /* Options given on the command line win over --args. */
        json_object_update_missing(args, extra);
    }

    zp_ctx *ctx = zp_ctx_new();
    if (!ctx) {
        code = EXIT_INTERNAL;
        goto out;
    }
    zp_ledger *lg = NULL;
    json_t *res = NULL;
    zp_status rc = zp_ledger_open(ctx, db, opdefs[k].writes ? ZP_LEDGER_CREATE : 0, &lg);
    if (!rc && strcmp(op, "export") == 0) {
        int64_t nent = 0;
        rc = zp_ledger_export(lg, out, &nent);
        if (!rc) {
            if (json) {
                json_t *o = json_pack("{s:s, s:I}", "out", out, "entries", (json_int_t)nent);
                cli_print_json(o);
                json_decref(o);
            } else
                printf("wrote %lld journal entries to %s\n", (long long)nent, out);
        }
    } else if (!rc) {
        rc = zp_ledger_exec(lg, op, args, key, &res);
        if (!rc) {
            if (json) {
                int ok = strcmp(op, "verify") != 0 || json_is_true(json_object_get(res, "ok"));
                cli_print_json(res);
                code = ok ? EXIT_OK : EXIT_CHECK;
            } else {
                code = print_text(op, res);
            }
        }
    }
    if (rc)
        code = cli_fail("credits", ctx, rc);
    json_decref(res);
    zp_ledger_close(lg);
    zp_ctx_free(ctx);
out:
    json_decref(args);
    json_decref(extra);
    return code;
}
