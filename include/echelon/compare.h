/* Comparing results files: a base run against other runs of the same seed and
 * replications (network variants, other scenarios), as `echelon compare` reports it.
 *
 * Runs with the same seed and replications share their random numbers where their
 * SKU-locations share their identity (demand streams are keyed by SKU and location
 * id), so replication r of the base and of another run saw the same demand: the
 * difference of a per-replication total is paired, and its mean and spread across
 * replications give the effect and its uncertainty.  Intervals are 95%, Student t
 * with replications - 1 degrees of freedom: mean +- t * sd / sqrt(n).  Identical
 * runs give differences of exactly 0 with intervals of width 0.
 *
 * What is compared (docs in README.md, "Comparing runs"):
 *   - the network and each segment (/totals groups present in both files, segments
 *     matched by name): total cost, fill rate, lost (and backordered) units, mean
 *     inventory value, write-offs (expired value) and customer demand, paired;
 *   - each location (matched by id; closed and new locations shown on their side):
 *     lost units, total cost and inventory value summed over its SKU-locations' means,
 *     paired with intervals when both files kept every replication; and its fill rate
 *     over the demand points present in both files;
 *   - each SKU (matched by id): lost units (/sku) and total cost summed over its
 *     SKU-locations, the mean difference, for the hardest-hit list;
 *   - SKU-locations matched by (SKU id, location id): how many are in both, in the
 *     base only, in the other only, and how many demand points of those in both
 *     had other mean customer demand (0 where common random numbers hold).
 * Only the files' baselines are compared (the root groups), not their /variants.
 * Files are read with serial HDF5 on the calling process. */
#ifndef ECHELON_COMPARE_H
#define ECHELON_COMPARE_H

#include "echelon/error.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The paired measures of a totals group, in this order. */
#define ECH_COMPARE_MEASURES(X)                                             \
    X(TOTAL_COST, "total_cost", "total cost", "currency")                   \
    X(FILL_RATE, "fill_rate", "fill rate", "1")                             \
    X(LOST_UNITS, "lost_units", "lost/backordered units", "unit")           \
    X(INVENTORY_VALUE, "mean_on_hand_value", "inventory value", "currency") \
    X(WRITE_OFFS, "expired_value", "write-offs (expired)", "currency")      \
    X(DEMAND_UNITS, "demand_units", "customer demand", "unit")

#define ECH_COMPARE_MEASURE_ENUM(sym, key, label, units) ECH_CMP_##sym,
enum { ECH_COMPARE_MEASURES(ECH_COMPARE_MEASURE_ENUM) ECH_CMP_COUNT };

/* The key (series name), label and units of measure m. */
const char *ech_compare_measure_key(int m);
const char *ech_compare_measure_label(int m);
const char *ech_compare_measure_units(int m);

/* A paired difference other - base over replications. */
typedef struct ech_paired {
    double base;       /* the base's mean */
    double other;      /* the other's mean */
    double diff;       /* mean of the differences */
    double half_width; /* of the 95% interval; NaN when not known (one replication, or
                        * per-replication values missing) */
} ech_paired;

typedef struct ech_compare_group {
    char *name; /* "network" or the segment's name */
    ech_paired measure[ECH_CMP_COUNT];
} ech_compare_group;

/* Per-location measures, in this order. */
enum { ECH_CMP_LOC_LOST, ECH_CMP_LOC_COST, ECH_CMP_LOC_INVENTORY, ECH_CMP_LOC_COUNT };

typedef struct ech_compare_location {
    char *id;
    char *parent_base, *parent_other;      /* the parent's id in each file ("" at the root,
                                       * NULL where the location is absent) */
    int32_t lead_base, lead_other;         /* inbound lead time in each (-1 absent) */
    ech_paired measure[ECH_CMP_LOC_COUNT]; /* absent side: 0 */
    /* Fill rate over the location's demand points present in both runs (the same
     * SKU-locations on each side): 1 - sum of mean lost and backordered units / sum of
     * mean demand; NaN without such demand points. */
    double fill_base, fill_other;
    int64_t common_demand_points;
} ech_compare_location;

typedef struct ech_compare_sku {
    char *id;
    double lost_base, lost_other; /* mean lost (and backordered) units a replication */
    double cost_base, cost_other; /* mean total cost a replication, all its locations */
} ech_compare_sku;

typedef struct ech_comparison {
    char *base_path, *other_path;
    char *base_name, *other_name; /* scenario names */
    uint64_t seed;
    int64_t replications;
    int32_t n_groups; /* the network first, then segments in both files */
    ech_compare_group *group;
    int32_t n_locations; /* the base's in its order, then the other's new ones */
    ech_compare_location *location;
    int32_t n_skus; /* SKUs in both files, in the base's order */
    ech_compare_sku *sku;
    int64_t skulocs_both, skulocs_base_only, skulocs_other_only;
    int64_t skulocs_demand_differs; /* demand points in both whose mean demand differs */
} ech_comparison;

/* Compares `other_path` against `base_path`.  Fails with ECH_ERR_INPUT and a message
 * naming the file when a file cannot be read as an echelon results file or when the
 * two differ in seed, replications, measured or warm-up days (paired differences
 * need the same random numbers and the same horizon). */
ech_status ech_compare_files(const char *base_path, const char *other_path, ech_comparison *out,
                             ech_error *err);

void ech_comparison_free(ech_comparison *c);

/* The indices of the n SKUs (at most c->n_skus) with the largest increase of lost
 * units (by = 0) or of total cost (by = 1), largest first, ties by base order.
 * Returns how many it wrote to idx. */
int32_t ech_compare_top_skus(const ech_comparison *c, int by, int32_t n, int32_t *idx);

#ifdef __cplusplus
}
#endif

#endif
