/*
 * sweep.h - `zeropark plan --sweep FILE` (sweep.c): the scenarios of a
 * sweep file on every core, and on every process under mpirun or srun.
 */
#ifndef ZP_CLI_SWEEP_H
#define ZP_CLI_SWEEP_H

#include <stdbool.h>

#include "util.h"

/* The options of a sweep, for the help of the command that runs it. */
#define CLI_SWEEP_HELP                                                                               \
    "Sweeps (docs/sweep.md):\n"                                                                      \
    "  --sweep FILE          run every scenario of the sweep file FILE (a grid of\n"                 \
    "                        parameters or a list of scenarios, each the model with\n"               \
    "                        some values replaced); a scenario that fails is recorded\n"             \
    "                        with its message and the others go on\n"                                \
    "  --jobs N              threads of this process (default: its cores; under\n"                  \
    "                        mpirun, the cores of the machine shared by its processes)\n"            \
    "  --mpi                 use MPI even when not started by mpirun or srun\n"                      \
    "  --results FILE        write the results document (JSON) to FILE\n"                           \
    "  --csv FILE            write the results table (CSV) to FILE\n"                               \
    "  --json                print the results document on stdout (default: the table)\n"          \
    "  --quiet               no progress on stderr\n"                                                \
    "  Under mpirun -n N or srun -n N every process takes every N-th scenario and\n"                 \
    "  rank 0 writes the results: the same bytes as on one machine.\n"

/* argv holds --sweep: run the sweep. cmd names the command in messages. */
int cli_sweep_run(const cli_cmd *cmd, int argc, char **argv);
/* true when argv (argc words after the command's name) holds --sweep. */
bool cli_sweep_asked(int argc, char **argv);

#endif
