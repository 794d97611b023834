/* The work plan of a run: which rank simulates which replications of which SKU, who
 * owns each SKU's results, and the order threads take the work in.
 *
 * The work is every (SKU, replication) pair, laid out SKU by SKU, each pair costing
 * the SKU's estimated cost of one replication (ech_engine_sku_cost).  The plan cuts
 * this sequence into one contiguous piece per rank of equal cost, at replication
 * boundaries, so a SKU heavier than a rank's share (one stocked at every pharmacy of
 * a small catalogue) is spread over several ranks; a cut that would leave only a few
 * replications of a SKU on one side moves to the SKU's edge instead.  The owner of a
 * SKU is the rank whose piece holds its replication 0; owners therefore hold
 * contiguous blocks of SKUs (first_sku), and so contiguous blocks of skulocs, which
 * is each rank's slice of every per-skuloc dataset of the results file.  A SKU whose
 * replications are simulated on several ranks is "split": the other ranks send their
 * replications' KPI values to its owner, which computes its statistics.
 *
 * Within a rank the piece becomes work units (a SKU and a block of its
 * replications) for the threads, heaviest first; a SKU much heavier than the rank's
 * share per thread is cut into blocks of replications too.
 *
 * A SKU of a substitution group is simulated with its whole group (its cost is the
 * group's).  When every SKU of a group is whole on one rank (one unit each, owned
 * there), their units become one unit that simulates the group once and records
 * every SKU; otherwise each SKU's unit simulates the group and records that SKU,
 * which gives the same numbers at a multiple of the work.
 *
 * Every rank computes the same plan from the scenario alone, and results never depend
 * on it: a replication's numbers come from its own streams, statistics are computed
 * over all of a SKU's replications in order, and sums are integers.
 */
#ifndef ECHELON_WORK_PLAN_H
#define ECHELON_WORK_PLAN_H

#include "echelon/scenario.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_work_unit {
    int32_t sku;
    int64_t rep_begin, rep_end;
    int64_t cost;  /* estimated: cost of one replication x replications */
    int32_t split; /* index into ech_work_plan.split, or -1: the unit is the whole SKU */
    int32_t group; /* a substitution group whose every SKU the unit simulates and
                    * records (sku: its first), or -1: the unit records `sku` only */
} ech_work_unit;

/* A SKU of this rank whose replications are in more than one unit. */
typedef struct ech_split_sku {
    int32_t sku;
    int owner;      /* the rank that computes its statistics */
    int32_t units;  /* its units on this rank */
    int cross_rank; /* some of its replications are simulated on other ranks */
} ech_split_sku;

typedef struct ech_work_plan {
    int n_ranks, rank;
    int64_t n_reps;
    /* Rank r simulates the pairs from (cut_sku[r], cut_rep[r]) up to, not including,
     * (cut_sku[r + 1], cut_rep[r + 1]), in SKU-major order; n_ranks + 1 entries. */
    int32_t *cut_sku;
    int64_t *cut_rep;
    /* Rank r owns SKUs [first_sku[r], first_sku[r + 1]); n_ranks + 1 entries. */
    int32_t *first_sku;
    int64_t total_work; /* skuloc-days of one replication of every SKU (figure of merit) */
    int64_t total_cost; /* estimated cost of the whole run, all ranks */
    int64_t my_cost;    /* of this rank's piece */
    int32_t max_nodes;  /* skulocs of this rank's largest unit (a group's: all its SKUs') */
    int32_t max_group;  /* SKUs of this rank's largest group unit (0: none) */
    int32_t n_units;
    ech_work_unit *unit; /* this rank's units, heaviest first */
    int32_t n_split;
    ech_split_sku *split; /* this rank's split SKUs, by SKU */
    int32_t n_cross_rank; /* SKUs split over ranks, in the whole run */
} ech_work_plan;

/* Makes the plan of `rank` of n_ranks ranks with n_threads threads each. */
void ech_work_plan_make(ech_work_plan *plan, const ech_scenario *sc, int n_ranks, int rank,
                        int n_threads);
void ech_work_plan_free(ech_work_plan *plan);

/* The SKUs of rank `rank` of n_ranks for a search that keeps every SKU whole (target
 * tuning, contract sizing): a contiguous block [*first, *last) of about 1 / n_ranks
 * of the total simulation cost (ech_engine_sku_cost). */
void ech_work_plan_sku_block(const ech_scenario *sc, int n_ranks, int rank, int32_t *first,
                             int32_t *last);

/* The rank that simulates replication `rep` of SKU `sku`. */
int ech_work_plan_rank_of(const ech_work_plan *plan, int32_t sku, int64_t rep);

/* The replications of SKU `sku` that rank `r` simulates: [*begin, *end) (empty when
 * *begin == *end). */
void ech_work_plan_reps_on(const ech_work_plan *plan, int r, int32_t sku, int64_t *begin,
                           int64_t *end);

#ifdef __cplusplus
}
#endif

#endif
