/* Set-up shared by the MPI unit tests.  Header-only. */
#ifndef ECHELON_TEST_SUPPORT_MPI_H
#define ECHELON_TEST_SUPPORT_MPI_H

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/* A fresh scratch directory "$TMPDIR/echelon-test-<name>-XXXXXX" made by rank 0, its
 * path broadcast into dir[n] on every rank of MPI_COMM_WORLD; aborts the job if it
 * cannot be made.  Collective. */
static inline void ts_mpi_temp_dir(char *dir, int n, const char *name)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, (size_t)n, "%s/echelon-test-%s-XXXXXX", tmp && tmp[0] ? tmp : "/tmp", name);
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    MPI_Bcast(dir, n, MPI_CHAR, 0, MPI_COMM_WORLD);
}

#endif
