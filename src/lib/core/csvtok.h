/*
 * csvtok.h - the one CSV tokenizer of the library (internal): lines from
 * memory or a stream, the fields of a line, and the text checks CSV
 * readers share.
 *
 * Lines. A zp_csvtok hands out one line at a time (zp__csvtok_next), from
 * a buffer or from a FILE * read in blocks into a buffer of at most
 * max_line + 64 KiB: a line longer than the cap is refused once that much
 * of it has arrived, never read whole, and a whole stream is at most 2 GiB.
 *   - The first line loses a UTF-8 byte order mark (EF BB BF); an input of
 *     nothing but a BOM has no line.
 *   - Every line loses its LF and a CR just before it (CRLF); a last line
 *     without an LF is a line too. A CR anywhere else stays in the line:
 *     a file whose lines end in CR alone reads as one long line, which
 *     zp__csvtok_bare_cr recognises for the message.
 *   - A line whose content is longer than max_line comes with too_long
 *     set, and only its first max_line + 1 bytes from b are there. The
 *     next call goes on with the line after it (a stream reads the rest
 *     of the long line and drops it, a block at a time).
 *   - Lines are numbered from 1, blank ones included; a column is the byte
 *     offset in the line + 1 (zp__csvtok_col). NUL bytes are not looked at:
 *     a reader that refuses them (csv.c) checks [b, eol).
 *
 * Fields. zp__csvtok_field splits the field at p of a line: fields are
 * separated by delim; a field may be double-quoted ("a,b", with "" for
 * one quote inside; a quoted field cannot span lines); spaces and tabs
 * around a field are trimmed (a tab is not when it is the delimiter).
 * The content stays in the line; zp__csvtok_unquote copies it out with
 * each "" made one quote.
 *
 * Text. zp__name_check and zp__show (core/internal.h) judge bytes as UTF-8
 * (RFC 3629: no overlong forms, no surrogates) without control characters
 * and show them safely in a message.
 *
 * The CSV readers and how they map onto this:
 *   core/csv.c         series: a stream or a buffer, the caller's line cap,
 *                      NUL refused per line, fields split in place with a
 *                      fast path for bare numbers (converted).
 *   carbon/factors.c   factor tables (table_parse/table_split): a buffer,
 *                      cap 4095 bytes, blank lines skipped, fields unquoted
 *                      into the table's line buffer (converted).
 *   sched/jobs.c       jobs (split): a buffer (the file read whole by
 *                      core/file), cap SCHED_MAX_LINE - 1, blank and '#'
 *                      lines skipped; a too_long line is reported and the
 *                      read goes on; split's -1 is UNTERMINATED or
 *                      AFTER_QUOTE, -2 is the caller's field count
 *                      (converted).
 *   energy/weather.c   TMY3 (split_line): a buffer, fields by
 *                      zp__csvtok_field with the error codes ignored (TMY3
 *                      files are lenient about quotes), column = start -
 *                      line + 1. split_line differs in three edge cases
 *                      the converter must keep or decide on: it trims
 *                      nothing (field_num trims numbers later), it keeps
 *                      "" pairs in a quoted field, and a quote after
 *                      leading spaces does not open a quoted field.
 */
#ifndef ZP_CSVTOK_H
#define ZP_CSVTOK_H

#include "zeropark/core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ZP_CSVTOK_BLOCK ((size_t)1 << 16)       /* a stream is read this much at a time */
#define ZP_CSVTOK_MAX_BYTES ((size_t)2 << 30)   /* a whole stream: 2 GiB */

/* One line. */
typedef struct zp_csvline {
    const char *b;   /* content: after a BOM on line 1 */
    const char *e;   /* end of the content: before CR LF, LF or the input's end */
    const char *eol; /* the LF, or the end of what is there */
    size_t lineno;   /* 1-based */
    bool too_long;   /* content over max_line: only [b, b + max_line + 1) is there */
} zp_csvline;

/* A line reader; a visible struct so it can live on the stack: only
 * through the functions below. */
typedef struct zp_csvtok {
    zp_ctx *ctx;        /* stream: allocator and errors */
    const char *fname;  /* stream: name in messages */
    FILE *f;            /* the stream, NULL for a buffer */
    const char *data;   /* the buffer, or the stream's block buffer */
    char *own;          /* the stream's block buffer (owned) */
    size_t cap;         /* bytes allocated in own */
    size_t len;         /* bytes in data */
    size_t pos;         /* next byte to hand out */
    size_t max_line;    /* longest content accepted */
    uint64_t total;     /* bytes read from the stream */
    size_t lineno;      /* lines handed out */
    bool first;         /* no line handed out yet */
    bool eof;           /* nothing more will arrive */
    bool skip;          /* dropping the rest of a long line */
    zp_status rc;       /* the error that ended a stream */
} zp_csvtok;

/* Lines of [buf, buf + len) (buf may be NULL when len is 0). Never fails. */
void zp__csvtok_init_buf(zp_csvtok *t, const char *buf, size_t len, size_t max_line);
/* Lines of f, read as needed; fname names it in messages (not NULL). */
void zp__csvtok_init_stream(zp_csvtok *t, zp_ctx *ctx, FILE *f, const char *fname,
                            size_t max_line);
/* Frees the stream's buffer (lines handed out are then gone). */
void zp__csvtok_free(zp_csvtok *t);
/* The next line into *ln (valid until the next call): 1; 0 at the end;
 * -1 when reading the stream failed (t->rc and the context's error:
 * ZP_EIO "cannot read NAME: REASON", ZP_ETOOBIG over 2 GiB, ZP_ENOMEM). */
int zp__csvtok_next_slow(zp_csvtok *t, zp_csvline *ln);
static inline int zp__csvtok_next(zp_csvtok *t, zp_csvline *ln)
{
    /* Inline for the common case, a whole line already there (a reader
     * of millions of rows spends a good part of its time here). */
    if (!t->first && !t->skip && t->pos < t->len) {
        const char *b = t->data + t->pos;
        const char *nl = memchr(b, '\n', t->len - t->pos);
        if (nl) {
            const char *e = nl > b && nl[-1] == '\r' ? nl - 1 : nl;
            ln->b = b;
            ln->e = e;
            ln->eol = nl;
            ln->lineno = ++t->lineno;
            ln->too_long = (size_t)(e - b) > t->max_line;
            t->pos = (size_t)(nl - t->data) + 1;
            return 1;
        }
    }
    return zp__csvtok_next_slow(t, ln);
}
/* The 1-based byte column of at in the line starting at line; 0 for NULL
 * or one past INT_MAX. */
int zp__csvtok_col(const char *line, const char *at);
/* The first CR in [b, b + n), or NULL: in a line, a CR that is not part of
 * its end means the file ends its lines with CR alone. */
const char *zp__csvtok_bare_cr(const char *b, size_t n);

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
/* The content of f into dst (room for f->e - f->b + 1 bytes), each ""
 * made one quote, NUL-terminated. Returns the length. */
size_t zp__csvtok_unquote(const zp_csvfield *f, char *dst);

#endif
