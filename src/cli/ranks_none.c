/*
 * ranks_none.c - the zeropark command built without MPI (ranks.h): one
 * process, which uses every core through the sweep's threads. Started as
 * one of several processes (mpirun, srun) or asked for MPI (--mpi), it
 * says what to install instead of running the whole sweep in each.
 */
#include "ranks.h"

#include <string.h>

#include "util.h"

bool cli_mpi_built(void) { return false; }

int cli_mpi_start(const char *cmd, bool asked, cli_mpi *m)
{
    int rank = 0, launched = cli_mpi_launched(&rank);
    memset(m, 0, sizeof *m);
    m->size = 1;
    m->local = 1;
    if (!asked && launched <= 1)
        return EXIT_OK;
    if (rank == 0) {
        if (asked)
            cli_err(cmd, "--mpi: this zeropark was built without MPI");
        else
            cli_err(cmd, "started by mpirun or srun as one of %d processes, but this zeropark was "
                         "built without MPI: each process would run the whole sweep", launched);
        fprintf(stderr, "  install Debian's libopenmpi-dev (and openmpi-bin for mpirun) and build "
                        "zeropark again (scripts/deps.sh test), or run one zeropark without mpirun:\n"
                        "  it uses every core of the machine (--jobs N)\n");
    }
    return EXIT_USAGE;
}

void cli_mpi_stop(cli_mpi *m) { m->on = false; }
void cli_mpi_abort(cli_mpi *m, int code) { (void)m, (void)code; }

int cli_mpi_agree(cli_mpi *m, bool ok, uint64_t digest, uint64_t count, bool *root_ok)
{
    (void)m, (void)digest, (void)count;
    *root_ok = ok;
    return ok ? 1 : 0;
}

int cli_mpi_share_exit(cli_mpi *m, int code)
{
    (void)m;
    return code;
}

void cli_mpi_progress_send(cli_mpi *m, uint64_t done) { (void)m, (void)done; }
void cli_mpi_progress_poll(cli_mpi *m, uint64_t *done) { (void)m, (void)done; }

int cli_mpi_gather(cli_mpi *m, zp_ctx *ctx, const char *cmd, const zp_sweep_outcome *mine, size_t n,
                   zp_sweep_outcome *all, size_t count)
{
    (void)m, (void)ctx, (void)cmd, (void)mine, (void)n, (void)all, (void)count;
    return EXIT_OK;
}
