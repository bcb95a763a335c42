/*
 * outfile.h - a file the command writes through a temporary file next to
 * it (PATH.tmpPID) and a rename over PATH once it is complete, so that a
 * reader never sees half of it and a failed write leaves the old file.
 * Used by simulate --csv, report --html/--csv and export --output.
 */
#ifndef ZP_CLI_OUTFILE_H
#define ZP_CLI_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

/* One file being written. */
typedef struct cli_outfile {
    const char *path; /* where it goes */
    char *tmp;        /* the temporary file while it is written, else NULL */
    FILE *f;          /* open on tmp, else NULL */
} cli_outfile;

/* Open the temporary file for path into o->f. EXIT_OK; EXIT_USAGE after
 * "zeropark CMD: cannot write TMP: reason"; EXIT_INTERNAL without memory. */
int cli_outfile_open(cli_outfile *o, const char *cmd, const char *path);
/* Close the file (with sync, its data first forced to disk) and rename it
 * over the path. EXIT_OK, or EXIT_USAGE after "zeropark CMD: cannot write
 * PATH: reason" with the temporary file removed. */
int cli_outfile_commit(cli_outfile *o, const char *cmd, bool sync);
/* Close and remove the temporary file of a write given up; nothing when
 * there is none (after a commit, or an open that failed). */
void cli_outfile_discard(cli_outfile *o);

#endif
