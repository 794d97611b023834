/* The HDF5 results file: layout and collective writing.
 *
 * One file per run, written by all ranks together with parallel HDF5 (MPI-IO,
 * collective transfers) to a temporary name beside the target and renamed when it
 * is complete, so a failed run never leaves a half-written file under the final
 * name.  The layout is versioned (ECH_OUTPUT_FORMAT_VERSION) and documented in
 * README.md ("Results file"); readers check the root attribute `format_version`.
 */
#ifndef ECHELON_OUTPUT_H
#define ECHELON_OUTPUT_H

#include "echelon/error.h"
#include "echelon/kpi.h"
#include "echelon/scenario.h"

#include <mpi.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ECH_OUTPUT_FILE_TYPE "echelon-run"
#define ECH_OUTPUT_FORMAT_VERSION "1.2"

/* Facts about the run, stored as root attributes and in /runtime. */
typedef struct ech_run_info {
    const char *command_line;   /* as typed, for provenance */
    const char *created;        /* ISO 8601 UTC time the run started */
    int n_ranks;
    int n_threads;              /* OpenMP threads per rank */
    double setup_seconds;       /* reading and resolving the scenario (max over ranks) */
    double simulate_seconds;    /* the simulation and statistics (max over ranks) */
    double simulate_seconds_min;/* the fastest rank's, for the load balance */
    double write_seconds;       /* time ech_output_write took (set by ech_run; not stored) */
    int64_t skuloc_days;        /* skulocs x simulated days (warm-up included) x replications */
    double skuloc_days_per_second_per_core;
    uint64_t verification_hash; /* order-free hash of every per-skuloc KPI value */
} ech_run_info;

struct ech_run_report;

/* What the ranks computed.  Each rank holds the statistics of a contiguous block of
 * skulocs [skuloc_begin, skuloc_end) (the decomposition), per variant; the report's
 * totals and comparison sums are the same on all ranks.
 *
 *  stats[v][((x - skuloc_begin) * ECH_KPI_COUNT + k) * n_stats + j]
 *      j = 0 mean, 1 sd, 2 + i quantile i (sc->output.quantiles[i])
 *  reps[v][((x - skuloc_begin) * ECH_KPI_COUNT + k) * replications + r]
 *      every replication's value; reps is NULL unless sc->output.keep_replications
 *  report->totals, report->sku_lost, ...: see run.h
 * Variant 0 (the baseline) is written at the root groups /skuloc and /totals, every
 * other variant under /variants/<name>/, with its comparison to the baseline. */
typedef struct ech_run_results {
    int64_t skuloc_begin, skuloc_end;
    int n_stats;
    int32_t n_variants;
    const double *const *stats;
    const double *const *reps;
    const struct ech_run_report *report;
} ech_run_results;

/* Writes the results file collectively: every rank of `comm` must call it with the
 * same path, scenario and info.  Writes `path`.tmp-XXXX first and renames it on
 * rank 0 after the file is closed; on failure removes the temporary file. */
ech_status ech_output_write(const char *path, MPI_Comm comm, const ech_scenario *sc,
                            const ech_run_results *res, const ech_run_info *info,
                            ech_error *err);

#ifdef __cplusplus
}
#endif

#endif
