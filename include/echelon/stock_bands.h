/* Stock bands: the distribution over the replications of the stock on hand at the
 * end of every measured day, for a few chosen SKU-locations (the scenario's
 * output.stock_bands worst ones of the baseline), in every variant.
 *
 * The run chooses them after its passes, from the reduced statistics (the most lost
 * and backordered units a replication, then the lowest fill rate, then skuloc
 * order: the ranking of the report's worst SKU-locations), and then simulates again
 * only their SKUs (or substitution groups), for every replication of every variant
 * (run_bands.c).
 * The streams belong to (SKU, replication), so a replication simulated again has
 * the stock it had in the pass.  While it does, each engine writes the chosen
 * skulocs' end-of-day stock into a sink (ech_stock_days): one int32 cell per
 * (skuloc, measured day, replication), each written by exactly one thread of one
 * rank, so the sum over the ranks is the array itself and the statistics are
 * bitwise identical for any number of ranks and threads.
 *
 * Memory: the cells of a block of the chosen skulocs (at most
 * ECH_STOCK_BANDS_BLOCK_BYTES, and at least one skuloc: replications x measured days
 * x 4 bytes) on every rank, and on rank 0 the statistics (variants x bands x days
 * x 7 x 8 bytes).
 */
#ifndef ECHELON_STOCK_BANDS_H
#define ECHELON_STOCK_BANDS_H

#include "echelon/error.h"
#include "echelon/scenario.h"

#include <mpi.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The scenario's default output.stock_bands, and the most it may ask for. */
#define ECH_STOCK_BANDS_DEFAULT 12
#define ECH_STOCK_BANDS_MAX 1000
/* The cells a rank holds at once (more chosen skulocs are simulated in blocks). */
#define ECH_STOCK_BANDS_BLOCK_BYTES ((int64_t)256 << 20)

/* The probabilities of the bands: 5-95 %, 25-75 % and the median. */
#define ECH_STOCK_BAND_QUANTILES 5
extern const double ech_stock_band_probabilities[ECH_STOCK_BAND_QUANTILES];
/* Statistics per band and day: mean, sd, then the quantiles. */
#define ECH_STOCK_BAND_STATS (2 + ECH_STOCK_BAND_QUANTILES)

/* The engine's sink: the end-of-day stock on hand of skulocs skuloc[0..n-1]
 * (ascending global skulocs) in variant `variant`, replications 0 .. n_reps-1 of
 * the run's streams, at
 *     on_hand[(j * n_days + t) * n_reps + r]     (t: measured day). */
typedef struct ech_stock_days {
    int64_t n;
    const int64_t *skuloc;
    int32_t variant;
    int64_t n_reps;
    int32_t n_days;
    int32_t *on_hand;
} ech_stock_days;

/* The chosen skulocs and, on rank 0 once computed, their statistics in each
 * variant. */
typedef struct ech_stock_bands {
    int32_t n;          /* bands (0: none) */
    int32_t ranked_by;  /* the variant whose statistics chose them: the baseline */
    int64_t *skuloc;    /* [n]: global skuloc, worst first */
    double *unmet_mean; /* [n]: lost + backordered units a replication (the ranking) */
    int32_t n_variants, n_days;
    /* rank 0: [((v * n + b) * n_days + t) * ECH_STOCK_BAND_STATS + j]; NULL elsewhere */
    double *stats;
} ech_stock_bands;

/* The n_wanted worst demand points of variant v (fewer when there are fewer demand
 * points), by the statistics each rank holds of its skulocs [skuloc_begin,
 * skuloc_end) in `stats` (ech_results' layout, n_stats per KPI): the most mean lost
 * + backordered units, then the lowest mean fill rate, then skuloc order.  The same
 * on every rank.  Collective. */
ech_status ech_stock_bands_choose(const ech_scenario *sc, const double *stats, int n_stats,
                                  int64_t skuloc_begin, int64_t skuloc_end, int32_t n_wanted,
                                  int32_t v, MPI_Comm comm, ech_stock_bands *out, ech_error *err);

/* Statistics of days' cells (variant days->variant, the block of bands whose band
 * index is band[j]) into b->stats (allocated on first use), on n_threads threads. */
void ech_stock_bands_summarize(ech_stock_bands *b, const ech_stock_days *days, const int32_t *band,
                               int n_threads);

/* How many of n chosen skulocs a block holds: as many as fit
 * ECH_STOCK_BANDS_BLOCK_BYTES of cells (replications x days each), at least one. */
int64_t ech_stock_bands_block(int64_t n, int64_t n_reps, int32_t n_days);

void ech_stock_bands_free(ech_stock_bands *b);

#ifdef __cplusplus
}
#endif

#endif
