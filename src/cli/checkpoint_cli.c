/* Checkpoints at the command line; see checkpoint_cli.h. */
#include "checkpoint_cli.h"
#include "echelon/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int cli_check_checkpoint(const char *folder, int resume, int force)
{
    struct stat st;
    if (!folder || resume || stat(folder, &st) != 0)
        return 0;
    if (!force) {
        fprintf(stderr,
                "echelon: error: %s holds the work of a stopped run: add --resume to continue "
                "it, or --force to discard it and start over\n",
                folder);
        return 2;
    }
    if (ech_checkpoint_remove(folder) != 0) {
        fprintf(stderr, "echelon: error: cannot remove %s: %s\n", folder, strerror(errno));
        return 1;
    }
    return 0;
}

void cli_remove_checkpoint(MPI_Comm comm, const char *folder)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (!folder)
        return;
    MPI_Barrier(comm); /* every rank is done with its files */
    if (rank == 0 && ech_checkpoint_remove(folder) != 0)
        fprintf(stderr, "echelon: warning: cannot remove the checkpoint %s: %s\n", folder,
                strerror(errno));
}
