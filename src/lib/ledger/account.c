/*
 * account.c - the account and project operations: who may hold credits,
 * and the projects that issue them.
 */
#include <string.h>

#include "ledger/ledger_impl.h"

const char *const lg__account_kinds[5] = {"village", "company", "park", "government", "other"};

zp_status lg__op_account(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *id, *name, *kind;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, "id", 1, &id)) || (rc = lg__arg_str(lg, args, "name", 0, &name)) ||
        (rc = lg__arg_str(lg, args, "kind", 0, &kind)))
        return rc;
    if (!name)
        name = id;
    if (!kind)
        kind = "other";
    size_t k;
    for (k = 0; k < ZP_ARRAY_LEN(lg__account_kinds); k++)
        if (strcmp(kind, lg__account_kinds[k]) == 0)
            break;
    if (k == ZP_ARRAY_LEN(lg__account_kinds))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.kind: '%s' is not a kind; use village, company, park, government "
                         "or other",
                         kind);
    if (lg__account_check(lg, id, "args.id") == ZP_OK)
        return zp__error(lg->ctx, ZP_EEXISTS, "args.id: account '%s' already exists", id);
    zp_ctx_clear_error(lg->ctx);
    json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "op", "account", "id", id, "name", name, "kind",
                          kind);
    int64_t seq;
    if ((rc = lg__journal_take(lg, e, &seq)))
        return rc;
    if ((rc = lg__run(lg, LS_ACCT_INS, "inserting the account", "ttti", id, name, kind, seq)))
        return rc;
    *res = json_pack("{s:s, s:s, s:s, s:I}", "account", id, "name", name, "kind", kind, "seq",
                     (json_int_t)seq);
    return *res ? ZP_OK : zp__nomem(lg->ctx);
}

zp_status lg__op_project(zp_ledger *lg, json_t *args, json_t **res)
{
    const char *id, *name, *standard, *location, *methodology, *owner;
    zp_status rc;
    if ((rc = lg__arg_id(lg, args, "id", 1, &id)) ||
        (rc = lg__arg_str(lg, args, "name", 0, &name)) ||
        (rc = lg__arg_str(lg, args, "standard", 1, &standard)) ||
        (rc = lg__arg_str(lg, args, "location", 1, &location)) ||
        (rc = lg__arg_str(lg, args, "methodology", 1, &methodology)) ||
        (rc = lg__arg_id(lg, args, "owner", 1, &owner)))
        return rc;
    if (!lg__standard_ok(standard, strlen(standard)))
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.standard: '%s' is not a standard code; use 2-16 of A-Z 0-9 "
                         "(CCER, or a provincial scheme such as GDPHCER)",
                         standard);
    double area_ha = 0;
    if (!lg__arg_number(args, "area_ha", &area_ha) || !(area_ha > 0) || area_ha > 1e9)
        return zp__error(lg->ctx, ZP_EINVAL,
                         "args.area_ha: the project area in hectares is required (a number "
                         "> 0 and at most 1e9)");
    /* Kept as whole hundredths of a hectare: no floating point in the journal. */
    int64_t area_cha = (int64_t)(area_ha * 100.0 + 0.5);
    if (!name)
        name = id;
    if ((rc = lg__account_check(lg, owner, "args.owner")))
        return rc;
    char std[17];
    if (lg__project_get(lg, id, "args.id", std, NULL) == ZP_OK)
        return zp__error(lg->ctx, ZP_EEXISTS, "args.id: project '%s' already exists", id);
    zp_ctx_clear_error(lg->ctx);
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "op", "project", "id", id,
                          "name", name, "standard", standard, "location", location, "area_cha",
                          (json_int_t)area_cha, "methodology", methodology, "owner", owner);
    int64_t seq;
    if ((rc = lg__journal_take(lg, e, &seq)))
        return rc;
    if ((rc = lg__run(lg, LS_PROJ_INS, "inserting the project", "ttttitti", id, name, standard,
                      location, area_cha, methodology, owner, seq)))
        return rc;
    *res = json_pack("{s:s, s:s, s:s, s:f, s:I}", "project", id, "standard", standard, "owner",
                     owner, "area_ha", (double)area_cha / 100.0, "seq", (json_int_t)seq);
    return *res ? ZP_OK : zp__nomem(lg->ctx);
}
