/*
 * csvtok.h - the one CSV tokenizer of the library (internal).
 */
#ifndef ZP_CSVTOK_H
#define ZP_CSVTOK_H

#include <stdbool.h>
#include <stddef.h>

/* One field of a line: [b, e) is the content inside the quotes (or the
 * trimmed text), next is where the following delimiter or the line's end
 * is. */
typedef struct zp_csvfield {
    const char *b, *e;  /* content */
    const char *start;  /* first byte of the field, for the column */
    const char *next;   /* delimiter after the field, or the line end */
    bool quoted;        /* content was inside quotes */
    bool escaped;       /* content holds "" pairs that stand for one quote */
} zp_csvfield;

typedef enum zp_csvfield_err {
    ZP_CSVF_OK = 0,
    ZP_CSVF_UNTERMINATED, /* a quote without its closing one: content runs to e */
    ZP_CSVF_AFTER_QUOTE   /* text after the closing quote: next is at the delimiter */
} zp_csvfield_err;

/* Split the field at p of a line ending at e (p <= e). */
zp_csvfield_err zp__csvtok_field(const char *p, const char *e, char delim, zp_csvfield *f);

#endif
