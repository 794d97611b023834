/* A whole Monte Carlo run over a communicator, in timed phases: the work plan
 * (work_plan.h), the simulation of the rank's work units by OpenMP threads, the
 * exchange of the replications of SKUs split over ranks, the reductions, the
 * results file (output.h).
 *
 * Every rank of `comm` calls ech_run with the same resolved scenario.  Each unit
 * (a SKU and a block of its replications) fills its SKU's own slots, statistics are
 * computed over all of a SKU's replications in order, and totals are integer sums:
 * the results do not depend on which rank or thread simulated what, so they are
 * bitwise identical for any number of ranks and threads.  The engine's evaluation
 * API (engine.h) is the same call a search makes for one SKU without a run.
 */
#ifndef ECHELON_RUN_H
#define ECHELON_RUN_H

#include "echelon/cold_chain.h"
#include "echelon/error.h"
#include "echelon/output.h"
#include "echelon/results.h"
#include "echelon/scenario.h"

#include <mpi.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_run_options {
    int n_threads;            /* OpenMP threads per rank (>= 1) */
    const char *output_path;  /* results file; NULL writes none */
    FILE *progress;           /* rank 0's progress stream, or NULL for none */
    double progress_interval; /* seconds between progress lines in batch logs */
    const char *command_line;
    const char *created;       /* ISO 8601 UTC start time, the same on every rank */
    double setup_seconds;      /* time spent loading, for the record */
    const char *trace_sku;     /* id of a SKU to trace day by day, or NULL */
    int32_t trace_variant;     /* which variant to trace */
    int64_t trace_replication; /* which replication to trace */
    const char *trace_path;    /* CSV file for the trace */
    /* Bytes of cold-room occupancy a rank may hold (cold locations x replications x
     * measured days int64 per variant); 0: ECH_COLD_MEMORY_DEFAULT.  When the
     * variants' arrays do not fit, the variants are simulated in passes of as many as
     * fit; when one variant's does not, one variant a pass, its occupancy held in
     * blocks of as many replications as fit (at least one), each block after the
     * first simulated again for the cold-chain SKUs (run_cold.c).  Rank 0 of a run
     * that keeps replications holds every variant's whole array regardless (it
     * writes them). */
    int64_t cold_memory_limit;
    /* Bytes of one SKU's KPI values (skulocs x KPIs x replications, double) a thread,
     * or a SKU split over threads or ranks, holds at once; 0: ECH_KPI_MEMORY_DEFAULT.
     * A SKU stocked at more skulocs than fit is simulated once per window of as many
     * as fit (ech_job_window_nodes), every pass the same numbers, so the results do
     * not depend on it. */
    int64_t kpi_memory_limit;
    /* A tuning whose targets this run verifies (tune_run.h): the results file gets a
     * /tuning group.  NULL for a plain run. */
    const struct ech_tune_result *tuning;
    /* A contract sizing whose commitments this run verifies (contract_run.h): the
     * results file gets a /contract group.  NULL for a plain run. */
    const struct ech_contract_result *contract;
    /* Checkpoints (checkpoint.h): with a folder, each rank saves its work there every
     * checkpoint_interval seconds (0: only at a stop) and when a stop is asked for
     * (stop.h), after which ech_run returns ECH_STOPPED; with resume, the run first
     * continues the folder's checkpoint if there is one.  The fingerprint
     * (ech_checkpoint_fingerprint) ties a checkpoint to its scenario and options.  A
     * completed run removes the folder. */
    const char *checkpoint_folder;
    double checkpoint_interval;
    int resume;
    uint64_t checkpoint_fingerprint;
    /* Tests: asks for a stop (as SIGTERM would) once this rank has simulated this
     * many work units; 0 never. */
    int64_t stop_after_units;
} ech_run_options;

#define ECH_COLD_MEMORY_DEFAULT ((int64_t)256 << 20)
#define ECH_KPI_MEMORY_DEFAULT ((int64_t)256 << 20)

/* Runs the scenario: every rank of comm calls it with the same resolved scenario and
 * options.  Fills `res` (results.h; the caller frees it with ech_results_free, also
 * after a failure) and, when opt->output_path is set, writes the results file.  The
 * phases and their timings are in res->info. */
ech_status ech_run(const ech_scenario *sc, MPI_Comm comm, const ech_run_options *opt,
                   ech_results *res, ech_error *err);

/* Makes every rank of comm return the same outcome: ECH_OK if all succeeded, else
 * the status and message of the lowest failing rank (copied into err everywhere). */
ech_status ech_agree(MPI_Comm comm, ech_status local, ech_error *err);

/* Prints the human-readable summary of a run: network and per-segment service, stock
 * and cost with their spread across replications; with variants, each variant
 * against the baseline (paired differences: the variants share their random
 * numbers) and the SKUs and locations hit hardest; and the run's speed.  In
 * summary.c. */
void ech_run_print_summary(FILE *out, const ech_scenario *sc, const ech_results *res);

#ifdef __cplusplus
}
#endif

#endif
