/* When the batch job running this process ends, for warning a run that will not
 * finish in it (progress.h).
 *
 * The end is ECHELON_JOB_END (seconds since the epoch; jobs/run.sbatch exports it
 * from `squeue -h -j $SLURM_JOB_ID -o %e`) or, when that is unset and SLURM_JOB_ID is
 * set, asked of squeue once per process.  Anything missing, unreadable or not a time
 * (squeue not installed, "N/A", "UNLIMITED") means no known end, silently.
 */
#ifndef ECHELON_JOB_END_H
#define ECHELON_JOB_END_H

#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The job's end (seconds since the epoch), or 0 when unknown.  The first call looks
 * it up; later calls return the same answer. */
time_t ech_job_end(void);

/* The time squeue's %e prints ("2026-12-06T15:30:00", local time) as seconds since
 * the epoch, or 0 when `text` is not such a time. */
time_t ech_job_end_parse_iso(const char *text);

#ifdef __cplusplus
}
#endif

#endif
