/* A whole Monte Carlo run over a communicator: decomposition, the threaded SKU loop,
 * statistics, exact reductions and the results file.
 *
 * Every rank of `comm` calls ech_run with the same resolved scenario.  Each rank
 * simulates its block of SKUs (decomp.h) with OpenMP threads taking SKUs
 * dynamically, heaviest first; each SKU writes its own slots, so the per-skuloc
 * results do not depend on which thread ran it, and the totals are integer sums, so
 * they do not depend on the order of summation: the output is bitwise identical for
 * any number of ranks and threads.
 */
#ifndef ECHELON_RUN_H
#define ECHELON_RUN_H

#include "echelon/cold_chain.h"
#include "echelon/error.h"
#include "echelon/output.h"
#include "echelon/scenario.h"

#include <mpi.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_run_options {
    int n_threads;              /* OpenMP threads per rank (>= 1) */
    const char *output_path;    /* results file; NULL writes none */
    FILE *progress;             /* rank 0's progress stream, or NULL for none */
    double progress_interval;   /* seconds between progress lines in batch logs */
    const char *command_line;
    const char *created;        /* ISO 8601 UTC start time, the same on every rank */
    double setup_seconds;       /* time spent loading, for the record */
    const char *trace_sku;      /* id of a SKU to trace day by day, or NULL */
    int32_t trace_variant;      /* which variant to trace */
    int64_t trace_replication;  /* which replication to trace */
    const char *trace_path;     /* CSV file for the trace */
    /* Bytes of cold-room occupancy arrays a rank may hold (one array of cold
     * locations x replications x measured days int64 per variant); 0: 1 GiB.  When
     * the variants' arrays do not fit, the variants are simulated in passes of as
     * many as fit (at least one), each pass over every SKU.  Rank 0 of a run that
     * keeps replications holds every variant's array regardless (it writes them). */
    int64_t cold_memory_limit;
} ech_run_options;

#define ECH_COLD_MEMORY_DEFAULT ((int64_t)1 << 30)

/* What a run leaves for the caller's summary and the results file (the same on
 * every rank).  Arrays are owned by the report. */
typedef struct ech_run_report {
    ech_run_info info;
    int32_t n_variants;
    int64_t n_groups;          /* 1 + segments */
    /* totals[((v * n_groups + g) * replications + r) * ECH_TOTAL_COUNT + t] */
    int64_t *totals;
    /* Sums over replications that compare variants, [v * n_skus + k] and
     * [v * n_locations + l]: lost and backordered units at demand points; each
     * replication's longest recovery of the SKU; days its primary source was down. */
    int64_t *sku_lost;
    int64_t *sku_recovery;
    int64_t *sku_disrupted;
    int64_t *location_lost;
    /* Cold rooms (cold_chain.h): n_cold locations stock cold-chain SKUs with a unit
     * volume; when n_cold > 0, cold[v] holds variant v's occupancy statistics (the
     * same on every rank), and on rank 0 of a run that keeps replications
     * cold_rooms[v] holds its whole daily occupancy, reduced over the ranks (NULL
     * elsewhere).  n_passes: how many passes over the SKUs the run took. */
    int32_t n_cold;
    ech_cold_stats *cold;
    ech_cold_rooms *cold_rooms;
    int32_t n_passes;
} ech_run_report;

ech_status ech_run(const ech_scenario *sc, MPI_Comm comm, const ech_run_options *opt,
                   ech_run_report *report, ech_error *err);

void ech_run_report_free(ech_run_report *report);

/* Makes every rank of comm return the same outcome: ECH_OK if all succeeded, else
 * the status and message of the lowest failing rank (copied into err everywhere). */
ech_status ech_agree(MPI_Comm comm, ech_status local, ech_error *err);

/* Prints the human-readable summary of a run: network and per-segment service, stock
 * and cost with their spread across replications; with variants, each variant
 * against the baseline (paired differences: the variants share their random
 * numbers) and the SKUs and locations hit hardest; and the run's speed.  In
 * summary.c. */
void ech_run_print_summary(FILE *out, const ech_scenario *sc, const ech_run_report *report);

#ifdef __cplusplus
}
#endif

#endif
