/* Cold-room occupancy: the volume of cold-chain stock each location holds, day by
 * day, summed over every cold-chain SKU on every rank.
 *
 * A SKU's simulation adds its stock's volume to the day's cell of each of its
 * locations; volumes are whole millilitres (int64), so the sums are exact and the
 * same in any order of SKUs, threads and ranks: the reduced occupancy is bitwise
 * reproducible.  A day's occupancy is the stock on hand after the day's receipts
 * (step 2 of the day), the fullest point of a location's day.
 *
 * The cells are held a block of replications at a time (ech_cold_rooms: cold
 * locations x the block's replications x measured days), and each block, once
 * reduced over the ranks, is folded into a tally (ech_cold_tally) that keeps per
 * location how often each whole-millilitre occupancy occurred, the exact sum and the
 * days and replications over capacity.  The tally's statistics are those of the
 * whole array (the same values, bit for bit) in memory that does not grow with
 * replications or days: 16 bytes per distinct occupancy value a location takes.
 *
 * Life cycle (run.c, run_cold.c): ech_cold_rooms_init_reps for the scenario and a
 * block (a "slot" per location that stocks a cold-chain SKU with a volume), attach
 * to every thread's engine (ech_engine_set_cold_rooms), simulate,
 * ech_cold_rooms_reduce over the ranks, ech_cold_tally_add on the reduced block;
 * ech_cold_rooms_set_block for the next block; ech_cold_tally_stats at the end,
 * ech_cold_rooms_free.  ech_cold_stats_compute does it all for one array.
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
    int32_t n;          /* locations that stock at least one cold-chain SKU */
    int32_t *location;  /* [n]: network index, in network order */
    int32_t *slot;      /* [net.n]: slot of a location, -1 when it has no cold stock */
    int64_t rep_begin;  /* the block's first replication */
    int64_t n_reps;     /* replications in the block */
    int64_t block_reps; /* replications the array has room for (>= n_reps) */
    int32_t n_days;     /* measured days */
    int64_t *ml; /* [(slot * n_reps + rep - rep_begin) * n_days + t]: occupancy, millilitres */
    /* Whether several threads add to the cells at once (the default): their adds are
     * atomic.  A run of one thread clears it: an atomic add also waits for the
     * thread's earlier stores to drain, which in the lanes' days is most of its cost. */
    int shared;
} ech_cold_rooms;

/* Volume of one unit of SKU k in whole millilitres (0 for ambient SKUs: only
 * cold-chain stock occupies the cold room). */
int64_t ech_cold_unit_ml(const ech_scenario *sc, int32_t sku);

/* Whether replication rep is in c's block (the others are counted by another
 * block, or not at all). */
static inline int ech_cold_rooms_holds(const ech_cold_rooms *c, int64_t rep)
{
    return (uint64_t)(rep - c->rep_begin) < (uint64_t)c->n_reps;
}

/* The cell of a slot, replication rep (in the block: ech_cold_rooms_holds) and
 * measured day; the next replication's is n_days further. */
static inline int64_t *ech_cold_rooms_cell(ech_cold_rooms *c, int32_t slot, int64_t rep,
                                           int32_t day)
{
    return &c->ml[((int64_t)slot * c->n_reps + (rep - c->rep_begin)) * c->n_days + day];
}

/* Adds ml to a cell of replication rep, which must be in the block
 * (ech_cold_rooms_holds).  Called from several threads at once (c->shared): an
 * atomic integer add, exact and order-free. */
static inline void ech_cold_rooms_add(ech_cold_rooms *c, int32_t slot, int64_t rep, int32_t day,
                                      int64_t ml)
{
    int64_t *cell = ech_cold_rooms_cell(c, slot, rep, day);
    if (!c->shared) {
        *cell += ml;
        return;
    }
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
 * measured days cells (every replication of the run in one block).  When the
 * scenario has no cold location, c->n is 0 and nothing is allocated (c is all zero
 * and needs no ech_cold_rooms_free, though it may be given one). */
void ech_cold_rooms_init(ech_cold_rooms *c, const ech_scenario *sc);
/* The same for a block of replications 0 .. n_reps-1 (a tuning's, or the first
 * block of a run whose occupancy is held in blocks). */
void ech_cold_rooms_init_reps(ech_cold_rooms *c, const ech_scenario *sc, int64_t n_reps);

/* Moves c to the block of replications rep_begin .. rep_begin+n_reps-1 (n_reps at
 * most c->block_reps) and zeroes it. */
void ech_cold_rooms_set_block(ech_cold_rooms *c, int64_t rep_begin, int64_t n_reps);

/* Cells in the block: n x n_reps x n_days. */
int64_t ech_cold_rooms_cells(const ech_cold_rooms *c);

/* Zeroes the block (to simulate the next variant into the same array). */
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

/* The distribution of every cold location's daily occupancy over the blocks folded
 * in so far.  Per location (slot) it holds the distinct whole-millilitre values in
 * ascending order with their counts, so its size is 16 bytes per distinct value:
 * at most the occupancy's range in millilitres plus one, whatever the replications
 * and days (and never more than the cells folded in).  Folding is exact and
 * order-free: blocks may come in any order. */
typedef struct ech_cold_tally {
    int32_t n;          /* cold locations (slots) */
    int32_t n_days;     /* measured days: a block's replications have this many cells */
    int64_t n_reps;     /* replications folded in */
    double *capacity;   /* [n]: litres; 0 none declared */
    int64_t *distinct;  /* [n]: distinct values of the slot */
    int64_t **value;    /* [n][distinct]: the values, ascending (millilitres) */
    int64_t **count;    /* [n][distinct]: how many cells took each value */
    int64_t *sum_ml;    /* [n]: sum over the cells */
    int64_t *days_over; /* [n]: cells over capacity */
    int64_t *reps_over; /* [n]: replications with a cell over capacity */
} ech_cold_tally;

/* An empty tally for the locations of c: capacity_litres is indexed by network
 * location (NULL: none declared anywhere). */
void ech_cold_tally_init(ech_cold_tally *t, const ech_cold_rooms *c, const double *capacity_litres);

/* Folds in c's block (already reduced over the ranks), on n_threads threads; the
 * result does not depend on n_threads. */
void ech_cold_tally_add(ech_cold_tally *t, const ech_cold_rooms *c, int n_threads);

/* Bytes the tally holds (its histograms and fixed arrays). */
int64_t ech_cold_tally_bytes(const ech_cold_tally *t);

void ech_cold_tally_free(ech_cold_tally *t);

/* The statistics of everything folded into t (ech_cold_stats), for the
 * locations location[0..n-1] (network indices) and the quantile probabilities
 * q[0..nq-1]; the same values as ech_cold_stats_compute on the whole array. */
void ech_cold_tally_stats(const ech_cold_tally *t, const int32_t *location, const double *q, int nq,
                          int n_threads, ech_cold_stats *out);

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
