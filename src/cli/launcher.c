/*
 * launcher.c - who started this process (ranks.h): mpirun or mpiexec of
 * OpenMPI (OMPI_COMM_WORLD_SIZE), of MPICH and others speaking PMI
 * (PMI_SIZE), or Slurm's srun (SLURM_STEP_NUM_TASKS), read from the
 * environment they set, before any MPI call and in builds without MPI.
 */
#define _DEFAULT_SOURCE
#include "ranks.h"

#include <stdlib.h>

/* A whole number 0 .. 1e7 from the environment, or -1. */
static long env_count(const char *name)
{
    const char *s = getenv(name);
    char *end;
    if (!s || !*s)
        return -1;
    long v = strtol(s, &end, 10);
    return *end || v < 0 || v > 10000000 ? -1 : v;
}

int cli_mpi_launched(int *rank)
{
    static const char *const vars[][2] = {
        {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
        {"PMI_SIZE", "PMI_RANK"},
        {"SLURM_STEP_NUM_TASKS", "SLURM_PROCID"},
    };
    *rank = 0;
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
        long size = env_count(vars[k][0]);
        /* a Slurm job's own shell is a step of one task: not a launch */
        if (size < 1 || (k == 2 && size < 2))
            continue;
        long r = env_count(vars[k][1]);
        *rank = r > 0 && r < size ? (int)r : 0;
        return (int)size;
    }
    return 0;
}
