/*
 * vstate.c - verify's state: the problems it notes, growing its records,
 * and freeing it.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ledger/verify_impl.h"

#define MAX_PROBLEMS 50

void lgv__problem(vstate *vs, int64_t seq, const char *fmt, ...)
{
    if (seq > 0 && (vs->first_bad == 0 || seq < vs->first_bad))
        vs->first_bad = seq;
    if (vs->nproblems++ >= MAX_PROBLEMS)
        return;
    char buf[1200];
    ZP_VFORMAT(buf, fmt);
    json_t *p = seq > 0 ? json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "message", buf)
                        : json_pack("{s:s}", "message", buf);
    if (!p || json_array_append_new(vs->problems, p))
        vs->oom = 1;
}

/* Room for one more element in *vec; 0 (and oom) when out of memory. */
int lgv__room(vstate *vs, void **vec, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    if (zp__grow(vs->ctx, vec, cap, n + 1, size)) {
        vs->oom = 1;
        return 0;
    }
    return 1;
}

char *lgv__dup(vstate *vs, const char *s)
{
    char *d = zp__strdup(vs->ctx, s ? s : "");
    if (!d)
        vs->oom = 1;
    return d;
}

const char *lgv__acct_name(const vstate *vs, int32_t a)
{
    return a >= 0 && (size_t)a < vs->naccts ? vs->accts[a].id : "?";
}

void lgv__free(vstate *vs)
{
    for (size_t i = 0; i < vs->naccts; i++) {
        zp__free(vs->ctx, vs->accts[i].id);
        zp__free(vs->ctx, vs->accts[i].name);
        zp__free(vs->ctx, vs->accts[i].kind);
    }
    for (size_t i = 0; i < vs->nprojs; i++) {
        zp__free(vs->ctx, vs->projs[i].id);
        zp__free(vs->ctx, vs->projs[i].name);
        zp__free(vs->ctx, vs->projs[i].location);
        zp__free(vs->ctx, vs->projs[i].methodology);
    }
    for (size_t i = 0; i < vs->nstds; i++)
        zp__free(vs->ctx, vs->stds[i]);
    for (size_t i = 0; i < vs->nrets; i++) {
        zp__free(vs->ctx, vs->rets[i].beneficiary);
        zp__free(vs->ctx, vs->rets[i].purpose);
        zp__free(vs->ctx, vs->rets[i].park);
        zp__free(vs->ctx, vs->rets[i].serials);
    }
    void *vecs[] = {vs->accts, vs->projs, vs->stds, vs->pvs, vs->bals, vs->holds, vs->prods,
                    vs->orders, vs->rets, vs->fills, vs->nodes, vs->arena, vs->pieces,
                    vs->acct_ix.s, vs->proj_ix.s, vs->std_ix.s, vs->pv_ix.s, vs->bal_ix.s,
                    vs->hold_ix.s, vs->prod_ix.s, vs->order_ix.s, vs->ret_ix.s};
    for (size_t i = 0; i < ZP_ARRAY_LEN(vecs); i++)
        zp__free(vs->ctx, vecs[i]);
    json_decref(vs->problems);
}
