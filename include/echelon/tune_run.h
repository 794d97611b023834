/* Tuning every SKU of a scenario over a communicator: the search of tune.h for each
 * SKU, SKUs spread over ranks (contiguous blocks of about equal simulation cost)
 * and over each rank's threads (one engine per thread, SKUs handed out one by one).
 *
 * The search runs on its own stream set (ECH_TUNE_SEARCH_STREAMS); the decision is
 * verified on the run's stream set 0, numbers it was not chosen on: add the tuned
 * targets as a variant (ech_tune_add_variant) and run the scenario (run.h).  Each
 * SKU's search is deterministic, so the tuned targets are the same at any number of
 * ranks and threads.
 */
#ifndef ECHELON_TUNE_RUN_H
#define ECHELON_TUNE_RUN_H

#include "echelon/error.h"
#include "echelon/phase_log.h"
#include "echelon/scenario.h"
#include "echelon/tune.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The stream set searches run on (the verification run uses set 0). */
#define ECH_TUNE_SEARCH_STREAMS 1u

typedef struct ech_tune_run_options {
    int n_threads;            /* OpenMP threads per rank (>= 1) */
    int32_t variant;          /* whose targets are tuned: its policies and rules apply */
    FILE *progress;           /* rank 0's progress stream, or NULL */
    double progress_interval; /* seconds between progress lines in batch logs */
    int32_t frontier;         /* > 0: also this many points of the cost-inventory
                                 frontier (ech_tune_result.frontier_*) */
    int classic;              /* also the best classic rule (ech_tune_result.classic_*) */
    /* Checkpoints (phase_log.h): each completed phase (a search of every SKU at a
     * price, a check) is saved in checkpoint.folder, the SKUs of a search under way
     * every checkpoint.interval seconds and at a stop (stop.h), after which
     * ech_tune_run returns ECH_STOPPED; with checkpoint.resume, the saved phases
     * are read back instead of computed. */
    ech_phase_checkpoint checkpoint;
} ech_tune_run_options;

/* What a tuning produced, on every rank, for the whole scenario. */
typedef struct ech_tune_result {
    int64_t n_skulocs;
    int32_t n_skus;
    int32_t variant;
    /* Per skuloc. */
    int32_t *order_up_to, *reorder_point; /* tuned (held stock included) */
    int32_t *expedite_level; /* the warehouses' expedite levels (-1: never), tuned where the
                                supplier has an express mode */
    int32_t *old_order_up_to, *old_reorder_point; /* the variant's */
    double *fill_target;                          /* NaN: none (no customer demand) */
    double *marginal_objective;                   /* one more pack here: change a day */
    double *marginal_fill;                        /* ... in the SKU's fill rate */
    double *marginal_value;                       /* ... in its mean inventory value */
    /* Per SKU. */
    int32_t *evaluations;
    int64_t *replications; /* per evaluation at the end of its search */
    double *objective, *objective_se, *fill_rate;
    double *value;        /* mean inventory value at the tuned targets */
    double *skuloc_value; /* per skuloc: the same at each location */
    uint8_t *feasible, *converged;
    /* The whole tuning. */
    ech_tune_settings settings;
    double value_price;         /* the budget's multiplier: objective per day per currency
                           of inventory value (0: no budget, or one not binding) */
    double budget;              /* tuning.budget (NaN: none) */
    double value_total;         /* mean inventory value of the tuned targets, all SKUs, on
                           the searches' replications */
    double value_unconstrained; /* ... of the targets tuned without a budget */
    int32_t passes;             /* searches of every SKU (one per multiplier tried) */
    int budget_binding;         /* the budget is below what the targets would hold unpriced */
    int budget_met;             /* value_total <= budget (or no budget) */
    /* The frontier, points in increasing inventory: cost objective, point p tuned
     * under budget frontier_budget[p] (the last unconstrained); service objective,
     * with every allowed shortfall 1 - target times frontier_scale[p] (4 down to
     * 1/4).  Targets [p * n_skulocs + x]. */
    int32_t n_frontier;
    double *frontier_budget, *frontier_scale, *frontier_price, *frontier_value;
    int32_t *frontier_order_up_to, *frontier_reorder_point;
    /* The best classic rule: one cycle service level per segment at the pharmacies
     * (the tuned variant's rules elsewhere), each the least whose segment fill rate
     * reaches the tuned targets' on the searches' random numbers.  Per segment:
     * the level, and the fill rates of the tuned targets and of the rule there. */
    /* Cold rooms (tuning.cold_room_exceed_share): per cold location (slot), its
     * network index, capacity (litres; 0: none declared), the share of the
     * searches' location-days over it at the tuned targets, and its multiplier
     * (objective per day per litre held); cold_met: every limit held. */
    int has_cold;
    int32_t n_cold;
    int32_t *cold_location;
    double *cold_capacity, *cold_exceed, *cold_price;
    int cold_met;
    /* Budgets per location (tuning.budget_by_location): per budgeted location, its
     * network index, budget, the tuned targets' mean inventory value there (the
     * searches' replications) and multiplier; location_budgets_met: all within. */
    int32_t n_location_budgets;
    int32_t *budget_location;
    double *location_budget, *location_value, *location_price;
    int location_budgets_met;
    int has_classic;
    int32_t n_segments;
    double *classic_service_level, *classic_fill, *tuned_fill;
    int32_t *classic_order_up_to, *classic_reorder_point; /* per skuloc */
    double seconds;   /* wall time of the searches (maximum over ranks; a resumed
                         tuning's includes the earlier attempts') */
    int resumed;      /* continued the phases of a stopped attempt */
    char created[32]; /* when the tuning first started */
    int64_t evaluations_total;
    int64_t skuloc_days; /* simulated by the searches, all ranks */
    int32_t infeasible;  /* SKUs whose targets could not all be met */
} ech_tune_result;

/* The fill-rate target of skuloc x: its own (assortment fill_rate_target), its
 * SKU's, its segment's (tuning.fill_rate_by_segment), else tuning.fill_rate; NaN
 * where there is no customer demand. */
double ech_tune_fill_target(const ech_scenario *sc, int64_t x);

/* Tunes every SKU; every rank of comm calls it with the same resolved scenario and
 * options.  Fills `res` on every rank (free with ech_tune_result_free, also after a
 * failure).
 *
 * A budget (tuning.budget, on the mean inventory value of the whole network) is met
 * with a Lagrange multiplier: stock is priced at value_price per currency-day in
 * every SKU's objective, and the price is found by bracketing and bisection, each
 * trial a search of every SKU (warm-started from the last) whose values are summed
 * in SKU order (the same at any ranks).  The targets kept are the last trial within
 * the budget, then the remaining gap is filled with the single packs that gain most
 * per unit of value (from the searches' marginal values).  A budget the targets
 * cannot meet (service targets at the highest price tried) leaves budget_met 0. */
ech_status ech_tune_run(const ech_scenario *sc, MPI_Comm comm, const ech_tune_run_options *opt,
                        ech_tune_result *res, ech_error *err);
void ech_tune_result_free(ech_tune_result *res);

/* Makes the scenario's variants [the tuned variant as it was, "tuned"]: the second
 * a copy of the first with the tuned targets, so a run compares them on common
 * random numbers; with the classic rule, then "classic" (its targets and its rules
 * per segment); with a frontier, then "frontier_1" .. "frontier_N".  Other variants
 * are dropped. */
void ech_tune_set_variants(ech_scenario *sc, const ech_tune_result *res);

/* Writes the tuned targets as CSV: sku, location, policy, order_up_to,
 * reorder_point, the assortment's columns, so that a run given the file (catalogue.
 * targets_file, or echelon run --targets) simulates them, and an ERP can take them.
 * Levels are net of the stock held for display and reserve, as the assortment's are
 * (the run adds it back).  Written under a temporary name and renamed. */
ech_status ech_tune_write_targets_csv(const char *path, const ech_scenario *sc,
                                      const ech_tune_result *res, ech_error *err);

/* The tuning's part of the summary: what was searched, how long it took, what
 * changed (summary.c).  The run that verifies it prints the rest. */
void ech_tune_print_summary(FILE *out, const ech_scenario *sc, const ech_tune_result *res);

#ifdef __cplusplus
}
#endif

#endif
