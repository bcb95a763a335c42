/*
 * outfile.c - a file written through a temporary file and a rename
 * (outfile.h).
 */
#define _DEFAULT_SOURCE
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int cli_outfile_open(cli_outfile *o, const char *cmd, const char *path)
{
    size_t n = strlen(path) + 32;
    o->path = path;
    o->f = NULL;
    if (!(o->tmp = malloc(n)))
        return EXIT_INTERNAL;
    snprintf(o->tmp, n, "%s.tmp%ld", path, (long)getpid());
    if (!(o->f = fopen(o->tmp, "w"))) {
        cli_err(cmd, "cannot write %s: %s", o->tmp, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cli_outfile_commit(cli_outfile *o, const char *cmd, bool sync)
{
    int bad = ferror(o->f);
    /* The data must be on disk before the rename makes it visible. */
    bad |= sync && (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0);
    int closed = fclose(o->f);
    o->f = NULL;
    if (closed != 0 || bad || rename(o->tmp, o->path) != 0) {
        cli_err(cmd, "cannot write %s: %s", o->path, strerror(errno));
        cli_outfile_discard(o);
        return EXIT_USAGE;
    }
    free(o->tmp);
    o->tmp = NULL;
    return EXIT_OK;
}

void cli_outfile_discard(cli_outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp) {
        unlink(o->tmp);
        free(o->tmp);
    }
    o->tmp = NULL;
}
