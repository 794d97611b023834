/* A command's checkpoint (checkpoint.h; for tune and contract phase_log.h) at the
 * command line: refused without --resume, discarded with --force, removed once the
 * command completes (run's by ech_run itself). */
#ifndef ECHELON_CHECKPOINT_CLI_H
#define ECHELON_CHECKPOINT_CLI_H

#include <mpi.h>

/* Rank 0, before any work: 0 when the command may go on; 2 (with a message) when
 * `folder` holds a stopped command's work and neither resume nor force is given;
 * 1 when force cannot remove it.  With force and without resume the folder is
 * removed.  NULL folder: 0. */
int cli_check_checkpoint(const char *folder, int resume, int force);

/* After a completed command (every rank): rank 0 removes the folder (a warning on
 * stderr when it cannot).  NULL folder: nothing. */
void cli_remove_checkpoint(MPI_Comm comm, const char *folder);

#endif
