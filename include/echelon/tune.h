/* Target tuning: the reorder points and order-up-to levels of one SKU at all its
 * stocking locations, chosen jointly by simulation.
 *
 * The search runs on the engine's evaluation API (engine.h): every candidate is
 * simulated on the same replications of one stream set (common random numbers), so
 * two candidates are compared by the paired differences of their per-replication
 * costs, whose noise is far smaller than either cost's.  It starts from the given
 * targets or ech_tune_start's analytic ones, whichever simulates better, and moves
 * the level or the (s,S) lot of one location, or stock between a location and its
 * parent, by steps that begin coarse and halve down to a pack (for fast movers, a
 * small share of the demand's spread).  The demand points of a large tree move as a
 * block, each judged by its own costs and fill rate.  A move is taken only when it
 * improves the objective by more than `z` standard errors of the paired
 * difference, and repeated with doubled steps while it does.  When no move does at
 * the finest steps, the replications per evaluation double (up to `reps_max`) while
 * some gain worth `tolerance` of the objective is still within the noise; the search
 * stops when none is, or at `max_evaluations`.
 *
 * Objectives:
 *   ECH_TUNE_COST     expected total cost per day (holding, ordering, shortage,
 *                     write-off, sourcing premium), the classic cost objective;
 *   ECH_TUNE_SERVICE  the same without shortage costs, subject to a fill-rate target
 *                     at each demand point: the short demand points raised first
 *                     (else the step that closes most shortfall per cost added), then
 *                     cost moves among the candidates that keep every target met;
 *                     stock taken upstream is judged with the demand points below
 *                     repaired, stock added upstream with them lowered.
 * Either objective adds `value_price` x the mean inventory value held (a shared
 * budget's Lagrange multiplier) and, for cold-chain SKUs, `cold_price` of each
 * location x the litres held there (the cold rooms' multipliers).
 *
 * A search is deterministic: it depends on the scenario, the start and the settings,
 * not on which rank or thread runs it.  Its costs are estimates on the replications
 * it chose on; verify a decision on another stream set (tune_run.h does, as
 * variants of a run on stream set 0).
 */
#ifndef ECHELON_TUNE_H
#define ECHELON_TUNE_H

#include "echelon/engine.h"
#include "echelon/error.h"
#include "echelon/scenario.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_tune_settings {
    ech_tune_objective objective;
    int64_t reps_start;           /* replications per evaluation at first */
    int64_t reps_max;             /* ... and at most */
    double z;                     /* a move must improve by more than z standard errors */
    int32_t max_evaluations;      /* per SKU; 0: 100 per location + 200 */
    uint32_t stream_set;          /* the replications searched on (0: the run's) */
    double value_price;           /* currency per day per currency of mean inventory value */
    double tolerance;             /* gains below this share of the objective are not worth
                                more replications */
    int analytic_start;           /* also try ech_tune_start's targets as the start */
    int keep_lots;                /* (s,S): S - s stays as given (levels move only) */
    int warm;                     /* the given start is near the optimum (a search at a
                                nearby price or target): begin at fine steps */
    const double *location_price; /* per network location: added to value_price for
                                     stock held there (location budgets); NULL: none */
    const double *cold_price;     /* per network location: objective per day per litre of
                                 cold-chain stock held there (cold-room multipliers);
                                 NULL: none */
} ech_tune_settings;

/* 64 replications at first, up to 1024, z = 2, stream set 0, no value price, a
 * tolerance of 0.5%, the analytic start tried. */
void ech_tune_settings_default(ech_tune_settings *set);

/* One SKU's search.  Arrays are per node: the SKU's skulocs in order (node i is
 * skuloc sc->sl.sku_begin[sku] + i). */
typedef struct ech_tune_sku {
    /* In. */
    int32_t sku;
    int32_t variant;           /* whose policies (base stock or (s,S)), review periods,
                                   order minimums, display and reserve stock apply */
    const double *fill_target; /* ECH_TUNE_SERVICE: per node, the fill-rate target of a
                                   demand point (NaN: none); NULL: none anywhere */
    /* In: the start; out: the tuned targets.  A base-stock node has s = S - 1.  S
     * includes the node's display minimum and reserve, as the variant's do. */
    int32_t *order_up_to;
    int32_t *reorder_point;
    /* In/out per node, or NULL: the expedite levels (-1: never), searched with the
     * targets at the nodes whose inbound lane has an express mode (the supplier's
     * at the warehouse); held as the variant has them when NULL. */
    int32_t *expedite_level;
    /* Out. */
    int32_t evaluations;  /* candidates simulated */
    int64_t replications; /* per evaluation at the end */
    int64_t simulated;    /* replications simulated in all (the search's work) */
    double objective;     /* per day at the tuned targets, on the search's replications */
    double objective_se;  /* its standard error */
    double fill_rate;     /* demand-weighted fill rate over the SKU's demand points */
    double value;         /* mean inventory value held over its locations */
    int feasible;         /* ECH_TUNE_SERVICE: every target met on the search's
                                replications (1 for ECH_TUNE_COST) */
    int converged;        /* stopped because nothing improved beyond the noise */
    /* Out, optional (NULL: not computed): what one more step of stock (one pack, on
     * the level of node i) changes, per day and in the SKU's fill rate. */
    double *marginal_objective;
    double *marginal_fill;
    double *marginal_value; /* ... and in the mean inventory value */
    double *node_value;     /* optional: mean inventory value at each node, tuned */
} ech_tune_sku;

/* Tunes t->order_up_to / t->reorder_point from their values on entry.  Returns
 * ECH_OK (also when a service target cannot be met: t->feasible says), or the
 * engine's error. */
ech_status ech_tune_sku_search(ech_engine *e, const ech_tune_settings *set, ech_tune_sku *t,
                               ech_error *err);

/* Analytic targets for SKU `sku` under variant `variant`'s policies (tune_start.c):
 * a METRIC-type approximation in which each location's customers wait for its
 * expected backorders, internal echelons take the cycle service level (from a grid)
 * that makes the tree cheapest, and demand points the least level meeting
 * fill_target[i] (service objective; NULL or NaN: a 90% quantile) or their
 * newsvendor fractile (cost objective).  Writes order_up_to / reorder_point per
 * node (held stock included, as the variant's) and, when `scale` is not NULL, the
 * standard deviation of demand over each node's protection interval. */
void ech_tune_start(const ech_scenario *sc, int32_t variant, int32_t sku,
                    ech_tune_objective objective, const double *fill_target, int32_t *order_up_to,
                    int32_t *reorder_point, double *scale);

#ifdef __cplusplus
}
#endif

#endif
