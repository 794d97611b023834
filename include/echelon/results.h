/* What a run computes, held by one owner per rank: ech_results.
 *
 * Each rank owns the statistics of a contiguous block of SKUs (and so of skulocs,
 * which are sorted by SKU): the block the work plan gives it (work_plan.h).  Totals,
 * the sums that compare variants and the cold-room statistics are reduced over the
 * ranks and then the same on every rank.  One call allocates everything
 * (ech_results_init) and one frees it (ech_results_free); the run fills it, the
 * summary prints from it and the results file is written from it.
 *
 * Layout (variant v, skuloc x of the rank's block starting at skuloc_begin, KPI k,
 * statistic j = 0 mean, 1 sd, 2 + i quantile i of sc->output.quantiles):
 *   stats[v][((x - skuloc_begin) * ECH_KPI_COUNT + k) * n_stats + j]
 *   reps[v][((x - skuloc_begin) * ECH_KPI_COUNT + k) * n_reps + r]   (kept only when
 *       sc->output.keep_replications; reps is NULL otherwise)
 *   totals: see ech_results_totals
 *   sku_lost[v * n_skus + k], sku_recovery, sku_disrupted, location_lost[v * n_loc + l]
 */
#ifndef ECHELON_RESULTS_H
#define ECHELON_RESULTS_H

#include "echelon/cold_chain.h"
#include "echelon/kpi.h"
#include "echelon/scenario.h"
#include "echelon/stock_bands.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Facts about the run, stored as root attributes and in /runtime. */
typedef struct ech_run_info {
    const char *command_line;   /* as typed, for provenance */
    const char *created;        /* ISO 8601 UTC time the run started (a resumed run's
                                 * first start), pointing into created_text */
    char created_text[32];
    int resumed;                /* continued from a checkpoint (--resume) */
    int n_ranks;
    int n_threads;              /* OpenMP threads per rank */
    double setup_seconds;       /* reading and resolving the scenario (max over ranks) */
    double simulate_seconds;    /* the simulation and statistics (max over ranks) */
    double simulate_seconds_min;/* the fastest rank's, for the load balance */
    double write_seconds;       /* time the results file took (not stored) */
    /* The phases of the run on the slowest rank (seconds): the work plan, the
     * simulation, moving split SKUs' replications to their owners, the reductions
     * over ranks, the results file. */
    double plan_seconds, exchange_seconds, reduce_seconds;
    double bands_seconds; /* choosing and simulating again the stock bands' skulocs */
    int64_t skuloc_days;        /* skulocs x simulated days (warm-up included) x replications */
    double skuloc_days_per_second_per_core;
    uint64_t verification_hash; /* order-free hash of every per-skuloc KPI value */
    int32_t split_skus;         /* SKUs whose replications were split over ranks */
} ech_run_info;

typedef struct ech_results {
    /* Shape. */
    int32_t n_variants;
    int64_t n_groups;          /* 1 + segments: the network, then each segment */
    int64_t n_reps;
    int n_stats;               /* 2 + quantiles */
    int32_t n_skus, n_locations;
    int32_t sku_begin, sku_end;        /* this rank's SKUs */
    int64_t skuloc_begin, skuloc_end;  /* and their skulocs */

    /* This rank's block, per variant. */
    double **stats;
    double **reps;

    /* The same on every rank after the reductions. */
    int64_t *totals;
    int64_t *sku_lost, *sku_recovery, *sku_disrupted, *location_lost;

    /* Cold rooms (cold_chain.h): n_cold locations stock cold-chain SKUs with a unit
     * volume; when n_cold > 0, cold[v] holds variant v's occupancy statistics (the
     * same on every rank), and on rank 0 of a run that keeps replications
     * cold_rooms[v] holds its whole daily occupancy, reduced over the ranks (NULL
     * elsewhere).  n_passes: how many passes over the SKUs the run took. */
    int32_t n_cold;
    ech_cold_stats *cold;
    ech_cold_rooms *cold_rooms;
    int32_t n_passes;

    /* The stock bands (stock_bands.h): the chosen skulocs on every rank, their daily
     * stock's statistics on rank 0. */
    ech_stock_bands bands;

    /* What the warehouses bought, by supplier and measured calendar month (the same
     * on every rank after the reductions): units, and value at unit cost in the fixed
     * point of totals, at [((v * n_suppliers + s) * n_months + m) * n_reps + r]. */
    int32_t n_suppliers, n_months;
    int64_t *supplier_month_units, *supplier_month_value;

    /* A tuning's targets and searches (tune_run.h), written as /tuning when set; not
     * owned.  Set by the caller through ech_run_options. */
    const struct ech_tune_result *tuning;
    /* A contract sizing's commitments (contract_run.h), written as /contract when
     * set; not owned. */
    const struct ech_contract_result *contract;

    ech_run_info info;
} ech_results;

/* Calendar months with measured days (the first may be partial), as the engine
 * counts them (ech_engine_months). */
int32_t ech_results_months(const ech_scenario *sc);

/* Allocates the results of a rank that owns SKUs [sku_begin, sku_end), zeroed. */
void ech_results_init(ech_results *res, const ech_scenario *sc, int32_t sku_begin,
                      int32_t sku_end);

/* Frees everything and zeroes the struct (harmless on a zeroed one). */
void ech_results_free(ech_results *res);

/* Replication 0's totals of aggregate g (0 the network, 1 + s segment s) in variant
 * v; replication r's follow at r * ECH_TOTAL_COUNT. */
static inline int64_t *ech_results_totals(const ech_results *res, int32_t v, int64_t g)
{
    return res->totals +
           (((int64_t)v * res->n_groups + g) * res->n_reps) * (int64_t)ECH_TOTAL_COUNT;
}

/* The figures derived from one replication's totals of an aggregate (the network or
 * a segment), defined once for the results file, the summary and the comparisons:
 * X(ENUM, name, units, description). */
#define ECH_FIGURE_LIST(X)                                                                \
    X(FILL_RATE, "fill_rate", "1", "filled_units / demand_units (1 when there was no demand)") \
    X(STOCKOUT_DAY_SHARE, "stockout_day_share", "1",                                      \
      "stockout_days / demand_point_days (NaN when there are no demand points)")          \
    X(LOST_UNITS, "lost_units", "unit",                                                   \
      "lost_units + backordered_units at demand points (whole numbers)")                  \
    X(MEAN_ON_HAND_VALUE, "mean_on_hand_value", "currency",                               \
      "on_hand_value_days / measured days: mean end-of-day stock value")                  \
    X(RETAIL_ON_HAND_VALUE, "demand_point_on_hand_value", "currency",                     \
      "the same at demand points only")                                                   \
    X(DAYS_OF_SUPPLY, "days_of_supply", "day",                                            \
      "on_hand_value_days / sold_value (NaN when nothing was sold)")                      \
    X(TOTAL_COST, "total_cost", "currency", "total_cost")                                 \
    X(MEAN_RECOVERY, "mean_recovery_days", "day",                                         \
      "recovery_days / recoveries (0 without recoveries)")                                \
    X(EXPIRED_UNITS, "expired_units", "unit", "units written off at expiry")              \
    X(EXPIRED_VALUE, "expired_value", "currency", "expired units at unit cost")           \
    X(WRITE_OFF_VALUE_SHARE, "write_off_value_share", "1",                                \
      "expired_value / (sold_value + expired_value) (0 when nothing left the shelves)")    \
    X(MEAN_AGE, "mean_age_days", "day",                                                   \
      "age_unit_days / batch_tracked_unit_days (NaN without batch-tracked stock)")        \
    X(MEAN_REMAINING_LIFE, "mean_remaining_life_days", "day",                             \
      "remaining_life_unit_days / batch_tracked_unit_days (NaN without batch-tracked "    \
      "stock)")                                                                           \
    X(RETURNED_UNITS, "returned_units", "unit", "near-expiry units returned")             \
    X(SUBSTITUTED_UNITS, "substituted_units", "unit",                                     \
      "demand served by another SKU of the substitution group (whole numbers)")           \
    X(SUBSTITUTED_SHARE, "substituted_share", "1",                                        \
      "substituted_units / demand_units (0 when there was no demand)")

typedef enum ech_figure {
#define ECH_FIGURE_ENUM(e, name, units, desc) ECH_FIG_##e,
    ECH_FIGURE_LIST(ECH_FIGURE_ENUM)
#undef ECH_FIGURE_ENUM
    ECH_FIG_COUNT
} ech_figure;

extern const ech_field_info ech_figure_info[ECH_FIG_COUNT];

/* Every figure of one replication's totals x over `days` measured days. */
void ech_figures(const int64_t *x, double days, double out[ECH_FIG_COUNT]);

#ifdef __cplusplus
}
#endif

#endif
