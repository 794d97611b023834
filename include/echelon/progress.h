/* Progress reports for long runs, printed by rank 0.
 *
 * On a terminal: a bar redrawn in place a few times a second.  Otherwise (batch
 * logs): a line every `interval` seconds with the share done, the elapsed time and
 * an estimate of the time left.  Rank 0 reports its own share of the work; the
 * decomposition balances work across ranks, so it stands for the whole run.
 * ech_progress_update may be called from any thread: one thread at a time prints,
 * the others skip.
 *
 * In a batch job whose end is known (job_end.h: ECHELON_JOB_END, or squeue), once
 * the estimate is reliable (5% of the work done, or 10 s) and says the work will
 * outlast the job, one warning goes to stderr, also when reports are off.
 */
#ifndef ECHELON_PROGRESS_H
#define ECHELON_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_progress ech_progress;

/* out NULL disables reporting.  interval: seconds between lines when out is not a
 * terminal. */
ech_progress *ech_progress_new(FILE *out, const char *label, int64_t total, double interval);

/* Adds `done` units of finished work and reports if it is time. */
void ech_progress_add(ech_progress *p, int64_t done);

/* Prints the final state and frees. */
void ech_progress_finish(ech_progress *p);

#ifdef __cplusplus
}
#endif

#endif
