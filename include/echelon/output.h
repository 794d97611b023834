/* The HDF5 results file: layout and writing.
 *
 * One file per run, written by rank 0 with the blocks of every rank gathered to it
 * (MPI), to a temporary name beside the target and renamed when it is complete, so
 * a failed run never leaves a half-written file under the final name; a full disk
 * fails the run with one message and leaves nothing behind.  The layout is
 * versioned (ECH_OUTPUT_FORMAT_VERSION) and documented in README.md ("Results
 * file"); readers check the root attribute `format_version`.
 */
#ifndef ECHELON_OUTPUT_H
#define ECHELON_OUTPUT_H

#include "echelon/error.h"
#include "echelon/kpi.h"
#include "echelon/results.h"
#include "echelon/scenario.h"

#include <mpi.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ECH_OUTPUT_FILE_TYPE "echelon-run"
#define ECH_OUTPUT_FORMAT_VERSION "2.1"

/* Writes the results file collectively: every rank of `comm` must call it with the
 * same path, scenario and info.  Writes `path`.tmp-XXXX first and renames it on
 * rank 0 after the file is closed; on failure removes the temporary file.  Every
 * rank returns the same status and message. */
ech_status ech_output_write(const char *path, MPI_Comm comm, const ech_scenario *sc,
                            const ech_results *res, ech_error *err);

#ifdef __cplusplus
}
#endif

#endif
