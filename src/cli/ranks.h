/*
 * ranks.h - the zeropark command's processes under MPI (`mpirun -n N
 * zeropark plan --sweep FILE`, `srun`): whether it was started as one of
 * several processes, and what a sweep asks of them. launcher.c reads who
 * started the process; then one of two files fills the rest: ranks_mpi.c
 * with MPI (CMake found it: libopenmpi-dev on Debian) and ranks_none.c
 * without, which says what to install when MPI is wanted.
 *
 * Only the process's main thread calls these (MPI_THREAD_FUNNELED): the
 * sweep's pool threads compute and never talk to other processes.
 */
#ifndef ZP_CLI_RANKS_H
#define ZP_CLI_RANKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zeropark/zeropark.h"

/* The processes of a run: this one's rank of size; on when MPI runs. */
typedef struct cli_mpi {
    bool on;   /* MPI_Init was called (MPI_Finalize is due) */
    int rank;  /* 0 .. size - 1 */
    int size;  /* processes; 1 without MPI */
    int local; /* processes on this machine (1 without MPI) */
} cli_mpi;

/* true when this zeropark was built with MPI. */
bool cli_mpi_built(void);
/* The number of processes a launcher (mpirun, mpiexec, srun) started
 * this one among, and its rank, read from the environment before any MPI
 * call: 0 when no launcher did. */
int cli_mpi_launched(int *rank);
/* Start MPI when a launcher started several processes, or when asked
 * (--mpi). EXIT_OK with m set (m->on false, size 1 when MPI is not
 * needed); EXIT_USAGE after "zeropark CMD: ..." naming the package when
 * MPI is needed and this build has none (printed by rank 0 only). */
int cli_mpi_start(const char *cmd, bool asked, cli_mpi *m);
/* Finalize (when on). */
void cli_mpi_stop(cli_mpi *m);
/* Stop every process at once with code (after an internal error). */
void cli_mpi_abort(cli_mpi *m, int code);

/* Every process's ok, digest and count compared: 1 when all are ok and
 * agree; 0 when some process is not ok (*root_ok: rank 0 is); -1 when
 * they are ok but read different things. */
int cli_mpi_agree(cli_mpi *m, bool ok, uint64_t digest, uint64_t count, bool *root_ok);
/* Rank 0's exit code, given to every process. */
int cli_mpi_share_exit(cli_mpi *m, int code);

/* Progress: a process other than rank 0 tells it how many of its
 * scenarios are done; rank 0 reads what the others told it so far into
 * done[rank] (size entries; its own left alone). */
void cli_mpi_progress_send(cli_mpi *m, uint64_t done);
void cli_mpi_progress_poll(cli_mpi *m, uint64_t *done);

/* The outcomes of the processes gathered on rank 0: each other process
 * sends its n outcomes (then frees nothing: the caller does); rank 0
 * receives every process's into all (count entries, all[i] for scenario
 * i; its own already there, the others' slots zeroed), checking that
 * each process sent exactly the scenarios i with i % size == rank.
 * EXIT_OK, or an exit code after the message. */
int cli_mpi_gather(cli_mpi *m, zp_ctx *ctx, const char *cmd, const zp_sweep_outcome *mine, size_t n,
                   zp_sweep_outcome *all, size_t count);

#endif
