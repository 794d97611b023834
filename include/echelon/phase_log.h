/* Checkpoints of commands made of phases (echelon tune, echelon contract): a stopped
 * tuning or sizing keeps the phases it completed and continues with --resume.
 *
 * A tuning is a sequence of deterministic phases (a search of every SKU at a price,
 * a check of the segments' fill rates, of the cold rooms ...) whose results are
 * gathered on every rank; what a phase does next depends only on those results.
 * So each completed phase's results are saved, and a resumed command replays the
 * saved phases in order (their results read back instead of computed) and
 * computes from the first one missing: the control flow between phases runs again
 * and reaches the same state, bitwise.
 *
 * The files, in the checkpoint folder of the results file (checkpoint.h's format):
 *   OUT.h5.checkpoint/phases/rank-NNNNNN.ckpt  phase NNNNNN's results, written by
 *       rank 0 (the "rank" of the file name is the phase's number)
 *   OUT.h5.checkpoint/partial/rank-RRRRRR.ckpt rank R's work units (SKUs) of the
 *       long phase under way, saved every interval and at a stop
 *   OUT.h5.checkpoint/run/                     the verification run's checkpoint
 *
 * Stops (stop.h) are answered between work units: a long phase saves its units
 * done; ranks agree on stopping after a phase (MPI_Allreduce), so that none is
 * left inside a collective call another has left.
 */
#ifndef ECHELON_PHASE_LOG_H
#define ECHELON_PHASE_LOG_H

#include "echelon/error.h"

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a command asks of its checkpoint. */
typedef struct ech_phase_checkpoint {
    const char *folder;   /* OUT.h5.checkpoint; NULL keeps none (a stop then loses the work) */
    double interval;      /* seconds between saves of a long phase in progress (0: at a stop) */
    int resume;           /* continue the folder's phases */
    uint64_t fingerprint; /* the scenario and the options that shape the results */
    const char *created;  /* this attempt's start (ISO 8601 UTC) */
    /* Tests: a stop (as SIGTERM) once this rank has completed this many work units
     * of long phases; 0 never. */
    int64_t stop_after_units;
} ech_phase_checkpoint;

/* A piece of a phase's results: `bytes` bytes at data, saved under tag (8 chars). */
typedef struct ech_phase_field {
    const char *tag;
    void *data;
    size_t bytes;
} ech_phase_field;

typedef struct ech_phase_log ech_phase_log;

/* Opens the log (every rank of comm; collective).  With a folder and resume, rank 0
 * finds the phases saved there and checks they belong to this command (fingerprint,
 * ranks x threads): ECH_ERR_INPUT otherwise, with run's wording.  *log is NULL
 * after a failure. */
ech_status ech_phase_log_open(ech_phase_log **log, const ech_phase_checkpoint *opt, MPI_Comm comm,
                              int n_threads, FILE *progress, ech_error *err);
void ech_phase_log_close(ech_phase_log *log);

/* Whether the log continued saved phases, and when the command first started (the
 * saved phases' start, else opt->created). */
int ech_phase_log_resumed(const ech_phase_log *log);
const char *ech_phase_log_created(const ech_phase_log *log);

/* Seconds of work of the attempts before this one (the saved phases'). */
double ech_phase_log_seconds_before(const ech_phase_log *log);

/* The next phase, if the log holds it: its fields read back (rank 0 reads, every
 * rank receives), *replayed 1.  Else *replayed 0 and the caller computes it.
 * `kind` and `param` (a price ...) identify the phase: a saved phase of another
 * kind means the log is not this command's (ECH_ERR_INPUT).  Collective. */
ech_status ech_phase_replay(ech_phase_log *log, const char *kind, double param, ech_phase_field *f,
                            int n, int *replayed, ech_error *err);

/* After a computed phase whose fields are the same on every rank: rank 0 saves them
 * (a failure is a warning: the phases after it are no longer saved), the rank's
 * partial file is removed, and the ranks agree on a stop: ECH_STOPPED when any was
 * asked to.  Collective. */
ech_status ech_phase_record(ech_phase_log *log, const char *kind, double param,
                            const ech_phase_field *f, int n, ech_error *err);

/* Long phases: this rank's n work units, done[u] set as each completes, and the
 * rank's state of the phase in `f` (its slices of the results, its counters; done
 * is saved with them).  Begin reads the rank's partial file of this phase, if a
 * resumed log has one (collective: the ranks agree on errors). */
ech_status ech_phase_units_begin(ech_phase_log *log, const char *kind, double param, int32_t n,
                                 uint8_t *done, ech_phase_field *f, int nf, ech_error *err);

/* Whether threads should stop taking units: a stop asked for or a save due. */
int ech_phase_units_pause(const ech_phase_log *log);

/* Counts a completed unit (for stop_after_units); thread-safe. */
void ech_phase_unit_done(ech_phase_log *log);

/* Between stretches of units (no thread inside one): saves the rank's state when a
 * stop was asked for or a save is due.  Returns 1 when the rank should stop taking
 * units (a stop), else 0. */
int ech_phase_units_settle(ech_phase_log *log, int32_t n, const uint8_t *done,
                           const ech_phase_field *f, int nf);

/* After the units: the ranks agree whether any stopped before completing its units
 * (`complete` 0); if so every rank saves its state (nf > 0: a long phase; nf 0: a
 * short phase, whose work is simply done again) and ECH_STOPPED is returned.
 * Collective. */
ech_status ech_phase_units_end(ech_phase_log *log, int complete, int32_t n, const uint8_t *done,
                               const ech_phase_field *f, int nf, ech_error *err);

/* The verification run's checkpoint folder in a command's: FOLDER/run (malloc'd). */
char *ech_phase_checkpoint_run_folder(const char *folder);

/* Adds bytes to a fingerprint (the options that shape a command's results). */
uint64_t ech_fingerprint_add(uint64_t h, const void *data, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif
