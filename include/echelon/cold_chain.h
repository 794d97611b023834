/* Cold-room occupancy: the volume of cold-chain stock each location holds, day by
 * day, summed over every cold-chain SKU on every rank.
 *
 * A SKU's simulation adds its stock's volume to the day's cell of each of its
 * locations; volumes are whole millilitres (int64), so the sums are exact and the
 * same in any order of SKUs, threads and ranks: the reduced occupancy is bitwise
 * reproducible.  A day's occupancy is the stock on hand after the day's receipts
 * (step 2 of the day), the fullest point of a location's day.
 *
 * Life cycle (run.c): ech_cold_rooms_init for the scenario (a "slot" per location
 * that stocks a cold-chain SKU with a volume), attach to every thread's engine
 * (ech_engine_set_cold_rooms), simulate, ech_cold_rooms_reduce over the ranks,
 * ech_cold_stats_compute on the reduced occupancy, ech_cold_rooms_clear before the
 * next variant that reuses the array, ech_cold_rooms_free.
 */
#ifndef ECHELON_COLD_CHAIN_H
#define ECHELON_COLD_CHAIN_H

#include "echelon/error.h"
#include "echelon/scenario.h"

#include <mpi.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_cold_rooms {
    int32_t n;         /* locations that stock at least one cold-chain SKU */
    int32_t *location; /* [n]: network index, in network order */
    int32_t *slot;     /* [net.n]: slot of a location, -1 when it has no cold stock */
    int64_t n_reps;    /* replications */
    int32_t n_days;    /* measured days */
    int64_t *ml;       /* [(slot * n_reps + r) * n_days + t]: occupancy, millilitres */
} ech_cold_rooms;

/* Volume of one unit of SKU k in whole millilitres (0 for ambient SKUs: only
 * cold-chain stock occupies the cold room). */
int64_t ech_cold_unit_ml(const ech_scenario *sc, int32_t sku);

/* Adds ml to a cell.  Called from several threads at once: an atomic integer add,
 * exact and order-free. */
static inline void ech_cold_rooms_add(ech_cold_rooms *c, int32_t slot, int64_t rep, int32_t day,
                                      int64_t ml)
{
    int64_t *cell = &c->ml[((int64_t)slot * c->n_reps + rep) * c->n_days + day];
#ifdef _OPENMP
#pragma omp atomic update
#endif
    *cell += ml;
}

/* Cold locations of a scenario: those that stock at least one SKU with
 * ech_cold_unit_ml > 0 (a cold-chain SKU whose unit volume is at least half a
 * millilitre), in network order.  Returns how many. */
int32_t ech_cold_rooms_count(const ech_scenario *sc);

/* Sets up c for sc: the slots and a zeroed occupancy array of n x replications x
 * measured days cells.  When the scenario has no cold location, c->n is 0 and
 * nothing is allocated (c is all zero and needs no ech_cold_rooms_free, though it
 * may be given one). */
void ech_cold_rooms_init(ech_cold_rooms *c, const ech_scenario *sc);
/* The same for replications 0 .. n_reps-1 (a tuning's, not the run's). */
void ech_cold_rooms_init_reps(ech_cold_rooms *c, const ech_scenario *sc, int64_t n_reps);

/* Cells in the occupancy array: n x n_reps x n_days. */
int64_t ech_cold_rooms_cells(const ech_cold_rooms *c);

/* Zeroes the occupancy (to simulate the next variant into the same array). */
void ech_cold_rooms_clear(ech_cold_rooms *c);

/* Frees what init allocated and zeroes c. */
void ech_cold_rooms_free(ech_cold_rooms *c);

/* Sums the occupancy over the ranks of comm, in place: into every rank (root < 0,
 * MPI_Allreduce) or into rank `root` alone (MPI_Reduce; the other ranks' arrays
 * are left as they were).  Integer sums, so exact and independent of the order in
 * which MPI combines the ranks.  Sent in pieces of at most 2^27 cells.  Collective:
 * every rank calls it with the same arguments and the same n, n_reps, n_days.
 * Returns an MPI error code (MPI_SUCCESS). */
int ech_cold_rooms_reduce(ech_cold_rooms *c, MPI_Comm comm, int root);

/* Statistics of one variant's occupancy, per cold location (slot), over all
 * (replication, measured day) cells, in litres (occupancy = ml / 1000). */
typedef struct ech_cold_stats {
    int32_t n; /* cold locations */
    int32_t n_quantiles;
    int32_t *location;          /* [n]: network index */
    double *capacity_litres;    /* [n]: the location's cold-room volume; 0 none declared */
    double *mean_litres;        /* [n]: mean daily occupancy */
    double *sd_litres;          /* [n]: sample standard deviation (0 with one cell) */
    double *max_litres;         /* [n]: largest daily occupancy */
    double *p95_litres;         /* [n]: the 95% quantile (for the summary) */
    double *quantile_litres;    /* [n * n_quantiles]: quantile j of slot s at s * nq + j
                                 * (type 7, as ech_stats_summarize) */
    double *exceed_probability; /* [n]: share of location-days with occupancy >
                                 * capacity; NaN when the capacity is 0 */
    double *days_over_mean;     /* [n]: days over capacity per replication, mean over
                                 * replications; NaN when the capacity is 0 */
    double *any_over_share;     /* [n]: share of replications with at least one day over
                                 * capacity; NaN when the capacity is 0 */
    double *values;             /* the block the double arrays above point into */
} ech_cold_stats;

/* Computes the statistics of occupancy c (already reduced over the ranks).
 * capacity_litres[loc] (indexed by network location; NULL: none declared
 * anywhere) and the quantile probabilities q[0..nq-1].  Locations are computed in
 * parallel on n_threads OpenMP threads; the result does not depend on n_threads. */
void ech_cold_stats_compute(const ech_cold_rooms *c, const double *capacity_litres, const double *q,
                            int nq, int n_threads, ech_cold_stats *out);

/* Allocates out for n locations and nq quantiles (zeroed). */
void ech_cold_stats_alloc(ech_cold_stats *out, int32_t n, int nq);

/* Sends root's statistics to every rank of comm; the other ranks' `s` are
 * allocated here (they must hold n and n_quantiles as root's, or be zeroed and
 * learn them).  Collective. */
int ech_cold_stats_bcast(ech_cold_stats *s, MPI_Comm comm, int root);

void ech_cold_stats_free(ech_cold_stats *s);

#ifdef __cplusplus
}
#endif

#endif
