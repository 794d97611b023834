/* Sizing a job before it is queued: how long `echelon run` will take at N ranks x T
 * threads, how much memory a rank needs and how large the results file will be
 * (echelon plan).
 *
 * Time comes from a short calibration on the machine that sizes the job: a
 * deterministic spread of the scenario's SKUs is simulated with the real engine on
 * one thread, with every variant and (up to a cap) the run's replications, and the
 * seconds per unit of the work plan's cost measure (ech_engine_sku_cost) are
 * measured.  The prediction for N x T is the heaviest rank's cost (the work plan's
 * partition, work_plan.h) divided over its threads, at that rate, plus the time to
 * write the results file.
 *
 * The results file's size comes from its dimensions (skulocs x KPIs x statistics x
 * variants, replications when kept, totals) and from how well the calibration's own
 * statistics compress: they are deflated exactly as the results writer does (HDF5,
 * deflate level 1, in memory), so the compressed size of the large per-skuloc
 * datasets is measured on a sample of the real values rather than assumed.
 *
 * Memory per rank is the estimate `echelon run` checks at its start (results,
 * totals, per-thread buffers, split SKUs, cold rooms), ech_job_memory_per_rank.
 */
#ifndef ECHELON_JOB_SIZE_H
#define ECHELON_JOB_SIZE_H

#include "echelon/error.h"
#include "echelon/scenario.h"
#include "echelon/work_plan.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of results, totals and buffers a rank of `plan` holds during a run with
 * n_threads threads, n_cold cold locations, per_pass variants per pass and cold-room
 * blocks of cold_block replications, each thread's engines holding engine_bytes
 * per SKU of a group (ech_job_engine_bytes): the estimate the run refuses to start
 * on when it does not fit the node.  Excludes the scenario itself, the program and
 * the cold rooms' tallies (16 bytes per distinct occupancy value of a location, on
 * rank 0). */
double ech_job_memory_per_rank(const ech_scenario *sc, const ech_work_plan *plan, int n_threads,
                               int32_t n_cold, int32_t per_pass, int64_t cold_block,
                               int32_t window_nodes, double engine_bytes);

/* What an engine holds while it simulates the scenario's SKU with the most
 * skulocs (ech_engine_sku_memory): a bound for every thread's engine. */
double ech_job_engine_bytes(const ech_scenario *sc);

/* Skulocs of one SKU whose KPI values (every replication's) a run holds at once: as
 * many as fit kpi_memory_limit bytes (0: ECH_KPI_MEMORY_DEFAULT) for each SKU of the
 * largest substitution group, at least one; the largest SKU's every skulocs when
 * they fit or when replications are kept (the results hold them anyway).  A SKU
 * stocked at more skulocs is simulated once per window of this many (run.c). */
int32_t ech_job_window_nodes(const ech_scenario *sc, int64_t kpi_memory_limit);

/* Skulocs whose KPI values over `reps` replications fit kpi_memory_limit bytes (0:
 * ECH_KPI_MEMORY_DEFAULT), at least one: the window of any caller that holds a
 * SKU's values a window at a time (the run's, the contract sizing's). */
int64_t ech_job_window_fit(int64_t kpi_memory_limit, int64_t reps);

/* Skulocs whose KPI values a thread of a run of `plan` holds at once: its largest
 * unit's, at most a window of each SKU of a group unit (run.c allocates this). */
int64_t ech_job_held_nodes(const ech_work_plan *plan, int32_t window_nodes);

/* Windows the largest SKU's skulocs make (1 when its values fit at once). */
int32_t ech_job_windows(const ech_scenario *sc, int32_t window_nodes);

/* Variants one pass over the SKUs takes when the cold rooms' occupancy arrays must
 * fit cold_memory_limit bytes (0: ECH_COLD_MEMORY_DEFAULT), as the run decides: as
 * many whole arrays as fit, at least one. */
int32_t ech_job_variants_per_pass(const ech_scenario *sc, int64_t cold_memory_limit,
                                  int32_t n_cold);

/* Replications a cold-room occupancy block holds (cold locations x measured days
 * int64 each): as many as fit cold_memory_limit bytes (0: ECH_COLD_MEMORY_DEFAULT),
 * at least one, at most the run's; all of them when replications are kept (rank 0
 * writes the whole array).  A pass whose block is smaller than the run simulates the
 * cold-chain SKUs again for each further block. */
int64_t ech_job_cold_block_reps(const ech_scenario *sc, int64_t cold_memory_limit, int32_t n_cold);

/* What a calibration measured. */
typedef struct ech_job_calibration {
    double seconds;          /* wall time the calibration took, compression included */
    int32_t n_skus;          /* SKUs simulated */
    int64_t n_skulocs;       /* their skulocs */
    int64_t replications;    /* of each SKU, in every variant */
    double cost;             /* their cost in the work plan's measure, all variants */
    double simulate_seconds; /* CPU time simulating them and their statistics, one thread */
    double seconds_per_cost; /* simulate_seconds / cost */
    /* Compressed bytes per skuloc of the per-skuloc datasets, measured on the
     * sample: the statistics (mean, sd, quantiles of every KPI) of every variant,
     * every replication's values per replication and variant (kept replications,
     * measured on the baseline), the per-skuloc columns (identity and resolved policy
     * of the baseline; the policies of the other variants). */
    double stats_bytes_per_skuloc;
    double reps_bytes_per_skuloc_rep;
    double baseline_columns_bytes_per_skuloc;
    double variant_columns_bytes_per_skuloc;
    double deflate_bytes_per_second; /* uncompressed bytes deflated per CPU second */
} ech_job_calibration;

/* Calibrates on this machine for about budget_seconds of CPU time simulating (at
 * least one SKU; the spread stops at the first SKU past the budget, or past three
 * times the budget in wall time on a busy machine).  Replications per
 * SKU: the scenario's, at most max_replications.  Returns ECH_OK, or the engine's
 * failure. */
ech_status ech_job_calibrate(const ech_scenario *sc, double budget_seconds,
                             int64_t max_replications, ech_job_calibration *cal, ech_error *err);

/* Assumptions of a prediction that the calibration does not measure. */
typedef struct ech_job_assumptions {
    double storage_bytes_per_second; /* the file system's write rate */
    double setup_seconds;            /* loading the scenario (measured by the caller) */
    int64_t cold_memory_limit;       /* as ech_run_options; 0: the default */
    int64_t kpi_memory_limit;        /* as ech_run_options; 0: the default */
    /* Each thread's engine (ech_job_engine_bytes, measured by the caller once: it
     * simulates a SKU, and does not depend on the layout) */
    double engine_bytes;
} ech_job_assumptions;

/* A prediction for one layout. */
typedef struct ech_job_size {
    int n_ranks, n_threads;
    double heaviest_rank_cost; /* the work plan's cost of its heaviest rank, all variants */
    double mean_rank_cost;
    double imbalance;       /* heaviest / mean */
    double memory_per_rank; /* the largest ech_job_memory_per_rank over the ranks */
    /* What writing the results file adds (HDF5's metadata cache grows with the
     * file's objects, to its default maximum of 32 MiB), measured as peak resident
     * memory on the bundled scenarios. */
    double write_memory;
    double file_bytes;     /* the results file, compressed as written */
    double file_bytes_raw; /* the same before compression */
    double setup_seconds, simulate_seconds, write_seconds;
    double total_seconds;
    int32_t split_skus; /* SKUs whose replications are spread over ranks */
} ech_job_size;

/* Predicts the run of `sc` at n_ranks x n_threads from a calibration: everything
 * but memory_per_rank (left 0; ech_job_size_memory), so that trying many layouts
 * stays quick. */
void ech_job_size_predict(const ech_scenario *sc, const ech_job_calibration *cal,
                          const ech_job_assumptions *as, int n_ranks, int n_threads,
                          ech_job_size *out);

/* Fills out->memory_per_rank for the layout of `out` (n_ranks, n_threads): the
 * largest over every rank's own work plan, or over an even spread of 256 of them
 * when there are more. */
void ech_job_size_memory(const ech_scenario *sc, const ech_job_assumptions *as, ech_job_size *out);

#ifdef __cplusplus
}
#endif

#endif
