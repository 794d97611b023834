/* Checkpoint files: a run's completed work, saved as it goes so that a stopped or
 * killed run continues where it was (echelon run --resume).
 *
 * A checkpoint is a folder beside the results file, OUT.h5.checkpoint/, with one
 * file per rank (rank-000000.ckpt ...): ranks simulate independently between the
 * reductions, so each saves its own state when its own timer or a stop signal says
 * so, without waiting for the others.  A file is written under a temporary name,
 * flushed to disk and renamed into place, so it is always either the previous
 * complete state or the new one; a checksum over its contents catches the rest.
 *
 * The file: a header (magic, format version, the run's fingerprint, the layout, the
 * position reached), then tagged sections of bytes, then the checksum.  What the
 * sections hold is the run's business (run_checkpoint.c); this module writes and
 * reads them and checks that they are what the reader expects.
 */
#ifndef ECHELON_CHECKPOINT_H
#define ECHELON_CHECKPOINT_H

#include "echelon/error.h"
#include "echelon/scenario.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a rank's work stands, and with what it was done. */
typedef struct ech_checkpoint_header {
    uint64_t fingerprint; /* the scenario and the options that shape the results */
    int32_t rank, n_ranks, n_threads;
    int32_t pass;            /* the pass over the SKUs under way */
    int32_t units_done;      /* the pass's first units_done work units are complete */
    int32_t n_units;         /* work units of this rank (a check) */
    uint64_t hash;           /* the verification hash so far */
    double simulate_seconds; /* simulation time spent so far */
    char created[32];        /* when the run first started (ISO 8601 UTC) */
} ech_checkpoint_header;

typedef struct ech_checkpoint ech_checkpoint;

/* The checkpoint folder of a results file: "OUT.checkpoint" (malloc'd). */
char *ech_checkpoint_folder(const char *output_path);

/* The file of `rank` in folder (malloc'd). */
char *ech_checkpoint_rank_file(const char *folder, int rank);

/* Starts writing rank's file in folder (made if missing) under a temporary name. */
ech_checkpoint *ech_checkpoint_create(const char *folder, const ech_checkpoint_header *h,
                                      ech_error *err);

/* Adds a section of `bytes` bytes (in the order the reader will ask for them). */
void ech_checkpoint_put(ech_checkpoint *c, const char *tag, const void *data, size_t bytes);

/* Finishes the file: checksum, flush to disk, rename into place.  Frees c. */
ech_status ech_checkpoint_commit(ech_checkpoint *c, ech_error *err);

/* Opens rank's file of folder for reading.  ECH_OK with *c NULL when there is none;
 * ECH_ERR_INPUT when it is not a checkpoint of this format. */
ech_status ech_checkpoint_open(const char *folder, int rank, ech_checkpoint **c,
                               ech_checkpoint_header *h, ech_error *err);

/* Reads the next section, which must carry `tag` and exactly `bytes` bytes. */
ech_status ech_checkpoint_get(ech_checkpoint *c, const char *tag, void *data, size_t bytes,
                              ech_error *err);

/* Checks the checksum (after every section was read) and frees c; ECH_ERR_INPUT
 * when the file is damaged.  NULL c: ECH_OK. */
ech_status ech_checkpoint_close(ech_checkpoint *c, ech_error *err);

/* Removes the folder with everything in it, sub-folders included (after a completed
 * command, or before a fresh one with --force).  0, or -1 with errno. */
int ech_checkpoint_remove(const char *folder);

/* Removes what a killed run left: temporary checkpoint files in folder, and
 * temporary results files "OUT.tmp-PID" beside the output whose process no longer
 * runs on this host.  Returns how many files it removed. */
int ech_checkpoint_clean_stale(const char *folder, const char *output_path);

/* A fingerprint of everything that shapes a run's results: the resolved scenario
 * (policies, variants, replications, days, seed, outputs) and the bytes of every
 * file it was read from, plus extra files (a --targets file).  Two runs with the
 * same fingerprint compute the same results. */
uint64_t ech_checkpoint_fingerprint(const ech_scenario *sc, const char *const *extra_files,
                                    int n_extra);

#ifdef __cplusplus
}
#endif

#endif
