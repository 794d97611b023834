/* The scenario model: what one run simulates.
 *
 * Data flows one way: a scenario file is parsed and validated (scenario_load.c with
 * the CSV loaders in catalogue_csv.c and the generator in generator.c), the raw
 * tables are finalised (derived indices, ech_scenario_finalize), the policy targets
 * are resolved (policy.c), and from then on the scenario is read-only: the engine,
 * the decomposition and the output writer only read it.  Every rank builds the same
 * scenario from the same files.
 *
 * Layout: flat arrays of equal length per table (structure of arrays), indices as
 * int32_t for locations and SKUs and int64_t for SKU-locations, which can number
 * millions.  All arrays are owned by the scenario and freed by ech_scenario_free.
 *
 * Terms:
 *  - location: a node of the supply tree.  The root (the central warehouse) is
 *    supplied by external suppliers; every other location by its parent.
 *  - SKU-location ("skuloc"): a SKU stocked at a location.  The assortment lists the
 *    leaves (pharmacies) that stock a SKU; every ancestor of a stocking leaf stocks
 *    the SKU too.  Skulocs are sorted by SKU and, within a SKU, in the network's
 *    topological order (parents before children), so one SKU's skulocs are the
 *    contiguous range [sku_begin[k], sku_begin[k+1]).
 */
#ifndef ECHELON_SCENARIO_H
#define ECHELON_SCENARIO_H

#include "echelon/enums.h"
#include "echelon/error.h"
#include "echelon/sample.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------------ */

/* Limits of input values: beyond them a number is a typing error (or would overflow
 * the engine's 32-bit unit counts), and the loaders say so. */
#define ECH_MAX_LANE_DAYS 3650      /* lead times, review periods and phases */
#define ECH_MAX_SHELF_DAYS 36500
#define ECH_MAX_UNITS 1e8           /* targets, reserves, snapshots and other unit counts */
#define ECH_MAX_DEMAND 1e5          /* mean units a day at one SKU-location (also its peak) */
#define ECH_MAX_UNIT_MONEY 1e8      /* currency per unit */
#define ECH_MAX_GROUP_SKUS 64       /* SKUs of one substitution group */

/* Each table's columns, declared once (table.h explains what is made from them):
 *   C(field, TYPE, input, h5, flags, default, lo, hi, values, units, description)
 * TYPE: NONE TEXT U8 I32 I64 U64 F64; input: the CSV column and inline key (0: not
 * an input); h5: the results file's dataset (0: not written); flags: ECH_COL_*;
 * lo, hi: the range a given value must lie in; values: an ech_enum for words. */
#define ECH_NETWORK_COLUMNS(C)                                                            \
    C(id, TEXT, "id", "location_id", ECH_COL_REQUIRED | ECH_COL_CUSTOM, 0, 0, 0, 0, "",  \
      "location id as in the input")                                             \
    C(name, TEXT, "name", "location_name", ECH_COL_CUSTOM, 0, 0, 0, 0, "",                \
      "location display name")    \
    C(kind, U8, "kind", "kind", ECH_COL_REQUIRED, 0, 0, ECH_LOC_KIND_COUNT - 1,          \
      &ech_location_kind_enum, "1", "location kind (in the results, its code)")                                 \
    C(parent, I32, "parent", "parent_index", ECH_COL_CUSTOM, -1, 0, 0, 0, "1",            \
      "the supplying location (its id; in the results, its index, -1 at the root)")          \
    C(lead_time_days, I32, "lead_time_days", "lead_time_days", ECH_COL_CUSTOM, 0, 0,      \
      ECH_MAX_LANE_DAYS, 0, "day", "lead time of the lane parent -> location (0 at the root)") \
    C(priority, I32, "priority", "priority", 0, 0, -1e9, 1e9, 0, "1",                     \
      "allocation priority: smaller is served first")                                     \
    C(review_offset, I32, "review_offset", "review_offset", 0, 0, 0, ECH_MAX_LANE_DAYS, 0, \
      "day", "review phase: reviews on days t with (t - offset) mod review_days = 0")      \
    C(cold_capacity_litres, F64, "cold_capacity_litres", "cold_capacity_litres", 0, 0, 0, \
      1e9, 0, "litre", "cold-room volume of the location; 0: none declared")              \
    C(express_lead_time_days, I32, "express_lead_time_days", "express_lead_time_days", 0, -1, \
      -1, ECH_MAX_LANE_DAYS, 0, "day",                                                    \
      "express mode of the lane parent -> location: its lead time (-1: none)")            \
    C(express_premium, F64, "express_premium", "express_premium", 0, 0, 0, 100, 0, "1",   \
      "extra share of unit_cost a unit sent by the lane's express mode")                   \
    C(express_shipment_cost, F64, "express_shipment_cost", "express_shipment_cost", 0, 0, 0, \
      ECH_MAX_UNIT_MONEY, 0, "currency", "cost of an express shipment on the lane")        \
    C(topo, I32, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "1",                                  \
      "locations in topological order (parents first)")                                  \
    C(topo_pos, I32, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "1", "inverse of topo")           \
    C(depth, I32, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "1", "edges from the root")          \
    C(n_children, I32, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "1",                            \
      "children in the network (not per SKU)")                                           \
    C(name_rank, I32, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "1",                             \
      "position of the location in (name, id) order")                                    \
    C(priority_rank, I32, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "1",                         \
      "position in (priority, name, id) order")                                          \
    C(id_hash, U64, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "1",                               \
      "hash of the id: keys the location's random streams")

#define ECH_COLUMN_FIELD(field, type, input, h5, flags, def, lo, hi, values, units, desc) \
    ECH_FIELD_##type(field)
#define ECH_FIELD_NONE(f)
#define ECH_FIELD_TEXT(f) char **f;
#define ECH_FIELD_U8(f) uint8_t *f;
#define ECH_FIELD_I32(f) int32_t *f;
#define ECH_FIELD_I64(f) int64_t *f;
#define ECH_FIELD_U64(f) uint64_t *f;
#define ECH_FIELD_F64(f) double *f;

/* The locations of the supply tree. */
typedef struct ech_network {
    int32_t n;
    ECH_NETWORK_COLUMNS(ECH_COLUMN_FIELD)
    int32_t root;            /* derived by ech_scenario_finalize */
} ech_network;

typedef struct ech_lead_time {
    uint8_t dist;            /* ech_lead_time_dist */
    double mean, sd;         /* days; sd unused for fixed; for empirical, of the pmf */
    int32_t min_days, max_days;
    double *pmf;             /* empirical only: weights of min_days..max_days (owned by
                              * the table that holds this record); NULL otherwise */
} ech_lead_time;


/* How a supplier fails to deliver what was ordered, shipment by shipment. */
typedef struct ech_reliability {
    double partial_prob;     /* probability that a shipment is partial */
    double partial_mean;     /* delivered fraction of a partial shipment: beta with this */
    double partial_sd;       /*   mean and sd, in (0, 1) */
    double cancel_prob;      /* probability that an order is cancelled outright */
    uint8_t shortfall;       /* ech_supply_shortfall: undelivered units of partial
                              * shipments and of reduced capacity */
} ech_reliability;

/* A supplier's express mode on its lanes to the central warehouse (air freight, a
 * courier): a shorter fixed lead time, always in full, at a premium per unit and a
 * cost per shipment.  The warehouse expedites on a review when its express
 * position (on hand, plus what arrives within the express lead time, less what it
 * owes) is below the SKU's expedite level (a dual-index policy). */
typedef struct ech_express {
    int32_t lead_time_days; /* -1: no express mode */
    double premium;         /* share of unit_cost a unit */
    double shipment_cost;   /* currency an express shipment */
} ech_express;

typedef struct ech_suppliers {
    int32_t n;
    char **id;
    ech_lead_time *lead_time;
    ech_reliability *reliability;
    ech_express *express; /* [n], or NULL: none has an express mode */
} ech_suppliers;

/* Supplier sites (plants, warehouses): where disruptions strike.  Every supplier
 * has at least one; a SKU is supplied from one site of its supplier.  The lane from a
 * site to the central warehouse has its own lead time (the supplier's unless the
 * site overrides it). */
typedef struct ech_sites {
    int32_t n;
    char **id;
    int32_t *supplier;        /* owning supplier */
    int32_t *region;          /* index into ech_scenario.region */
    ech_lead_time *lead_time; /* the lane's lead time (pmf owned here when empirical) */
    uint64_t *id_hash;        /* keys per-site disruption streams */
} ech_sites;



/* Disruption processes.  A disruption's timeline in a replication is a function of
 * (seed, its key, replication, and for each_site the site's id hash) alone, so every
 * rank that simulates any SKU of an affected site derives the same one. */
typedef struct ech_disruptions {
    int32_t n;
    char **name;              /* unique */
    uint8_t *kind;            /* ech_disruption_kind */
    uint8_t *scope;           /* ech_disruption_scope */
    int32_t *target;          /* site, supplier or region index; -1 for each_site */
    double *mtbf_days;        /* Markov: mean days up between failures (>= 1) */
    double *mttr_days;        /* Markov: mean days down (>= 1) */
    int32_t *from_day;        /* scripted: first scenario day down */
    int32_t *to_day;          /* scripted: first scenario day up again */
    double *capacity;         /* share of normal supply while down, [0, 1) */
    uint64_t *key;            /* ech_hash_string(name): keys the random streams */
} ech_disruptions;



#define ECH_CATALOGUE_COLUMNS(C)                                                          \
    C(id, TEXT, "id", "sku_id", ECH_COL_REQUIRED | ECH_COL_CUSTOM, 0, 0, 0, 0, "",        \
      "SKU id as in the input")                                                  \
    C(name, TEXT, "name", "sku_name", ECH_COL_CUSTOM, 0, 0, 0, 0, "",                     \
      "SKU display name")                                               \
    C(unit_cost, F64, "unit_cost", "unit_cost", ECH_COL_REQUIRED | ECH_COL_LO_OPEN, 0, 0, \
      ECH_MAX_UNIT_MONEY, 0, "currency/unit",                                            \
      "cost per unit: valuation of stock and base of the holding cost")                   \
    C(unit_price, F64, "unit_price", "unit_price", ECH_COL_REQUIRED, 0, 0,                \
      ECH_MAX_UNIT_MONEY, 0, "currency/unit",                                            \
      "selling price per unit (lost margin = price - cost)")                              \
    C(pack_size, I32, "pack_size", "pack_size", 0, 1, 1, 1e6, 0, "unit",                  \
      "orders are rounded up to multiples of this")                                       \
    C(supplier, I32, "supplier", "supplier_index", ECH_COL_CUSTOM, -1, 0, 0, 0, "1",      \
      "the SKU's supplier (its id; in the results, its index into supplier_id)")                                     \
    C(site, I32, "site", "site_index", ECH_COL_CUSTOM, -1, 0, 0, 0, "1",                  \
      "the site the SKU comes from (its id; in the results, its index into /supply/site_id)")                 \
    C(alt_supplier, NONE, "alt_supplier", 0, ECH_COL_CUSTOM, 0, 0, 0, 0, "",              \
      "the alternative source given as a supplier (its first site)")                         \
    C(alt_site, I32, "alt_site", "alt_site_index", ECH_COL_CUSTOM, -1, 0, 0, 0, "1",      \
      "the alternative source, a site (its id; in the results, its index into /supply/site_id, -1: none)")                  \
    C(alt_rule, U8, "alt_rule", "alt_rule", ECH_COL_CUSTOM, ECH_ALT_NONE, 0,              \
      ECH_ALT_COUNT - 1, &ech_alt_rule_enum, "1",                                         \
      "when the alternative source is used: never, while the primary site is disrupted " \
      "(switch), or for a fixed share of every order (split)")                           \
    C(alt_split, F64, "alt_split", "alt_split", ECH_COL_CUSTOM | ECH_COL_LO_OPEN |        \
      ECH_COL_HI_OPEN, 0, 0, 1, 0, "1",                                                   \
      "share of every order placed with the alternative source (alt_rule split)")         \
    C(alt_premium, F64, "alt_premium", "alt_premium", ECH_COL_CUSTOM, 0, 0, 100, 0, "1",  \
      "extra cost of a unit from the alternative source, as a fraction of unit_cost")     \
    C(shelf_life_days, I32, "shelf_life_days", "shelf_life_days", 0, 0, 0,                \
      ECH_MAX_SHELF_DAYS, 0, "day", "days a received batch can be sold; 0: does not expire") \
    C(receipt_life_min, F64, "receipt_life_min", "receipt_life_min", ECH_COL_CUSTOM |      \
      ECH_COL_LO_OPEN, NAN, 0, 1, 0, "1",                                                 \
      "smallest remaining share of shelf life at receipt from the supplier; NaN: the "    \
      "scenario's expiry default")                                                        \
    C(receipt_life_max, F64, "receipt_life_max", "receipt_life_max", ECH_COL_CUSTOM |      \
      ECH_COL_LO_OPEN, NAN, 0, 1, 0, "1",                                                 \
      "largest remaining share of shelf life at receipt from the supplier; NaN: the "     \
      "scenario's expiry default")                                                        \
    C(unit_volume_litres, F64, "unit_volume_litres", "unit_volume_litres", 0, 0, 0, 1e4,  \
      0, "litre",                                                                         \
      "cold-room volume of one unit (counted for cold-chain SKUs only, in whole "         \
      "millilitres)")                                                                     \
    C(cw_reserved_units, I32, "cw_reserved_units", "cw_reserved_units", 0, -1, 0,         \
      ECH_MAX_UNITS, 0, "unit",                                                           \
      "central-warehouse stock reserved for other commitments; -1: the scenario's "       \
      "reserve share")                                                                    \
    C(storage, U8, "storage", "storage_class", 0, ECH_STORAGE_AMBIENT, 0,                 \
      ECH_STORAGE_COUNT - 1, &ech_storage_enum, "1", "storage class (in the results, its code)")               \
    C(handling, U8, "handling", "handling_class", 0, ECH_HANDLING_NORMAL, 0,              \
      ECH_HANDLING_COUNT - 1, &ech_handling_enum, "1", "handling class (in the results, its code)")            \
    C(substitution, U8, "substitution", "substitution", 0, ECH_SUBST_UNIQUE, 0,           \
      ECH_SUBST_COUNT - 1, &ech_substitution_enum, "1", "substitutability (in the results, its code)")         \
    C(subst_group, I32, "substitution_group", "substitution_group_index", ECH_COL_CUSTOM, \
      -1, 0, 0, 0, "1",                                                                   \
      "substitutes: SKUs with the same non-empty key (INN + strength + form) form a "     \
      "group (in the results, its index into substitution_group_names, -1: none)")        \
    C(subst_rank, I32, "substitution_rank", "substitution_rank", 0, 0, 0, 1e6, 0, "1",   \
      "order preferred: substitutes with a lower rank are offered first")                 \
    C(subst_share, F64, "substitution_share", "substitution_share", 0, NAN, 0, 1, 0, "1", \
      "share of this SKU's unmet demand that buys a substitute; NaN: "                   \
      "demand.substitution.share")                                                        \
    C(segment, I32, "segment", "segment_index", ECH_COL_CUSTOM, 0, 0, 0, 0, "1",          \
      "the SKU's segment, a name (in the results, its index into segment_names)")                                    \
    C(season_profile, I32, "seasonality", 0, ECH_COL_CUSTOM, 0, 0, 0, 0, "1",             \
      "the SKU's season profile, a name (default: flat)")                                      \
    C(group, I32, "group", 0, ECH_COL_CUSTOM, -1, 0, 0, 0, "1",                           \
      "the SKU's therapeutic group, a name (e.g. its ATC code): demand events may name it") \
    C(trend_per_year, F64, "trend_per_year", 0, ECH_COL_LO_OPEN, 0, -1, 10, 0, "1/year",  \
      "demand growth rate: demand x (1 + trend x years since day 0)")                     \
    C(fill_rate_target, F64, "fill_rate_target", "fill_rate_target", ECH_COL_LO_OPEN |    \
      ECH_COL_HI_OPEN, NAN, 0, 1, 0, "1",                                                 \
      "fill rate echelon tune must reach at the SKU's demand points; NaN: its segment's " \
      "or the scenario's tuning.fill_rate")

/* The SKUs. */
typedef struct ech_catalogue {
    int32_t n;
    ECH_CATALOGUE_COLUMNS(ECH_COLUMN_FIELD)
} ech_catalogue;

/* The SKU-locations.  Columns that may be left to a rule hold -1 (policy:
 * ECH_POLICY_FROM_RULE) when the input gives no value; ech_policy_resolve puts the
 * numbers each variant simulates into ech_variant. */
#define ECH_SKULOC_COLUMNS(C)                                                             \
    C(sku, I32, "sku", "sku_index", ECH_COL_REQUIRED | ECH_COL_CUSTOM, 0, 0, 0, 0, "1",   \
      "the SKU (its id; in the results, its index into /catalogue)")                                                            \
    C(location, I32, "location", "location_index", ECH_COL_REQUIRED | ECH_COL_CUSTOM, 0,  \
      0, 0, 0, "1", "the location (its id; in the results, its index into /network)")                                                \
    C(parent, I64, 0, "parent_skuloc", ECH_COL_DERIVED, -1, 0, 0, 0, "1",                 \
      "skuloc of the same SKU at the parent location; -1 at the root")                   \
    C(demand_mean, F64, "demand_mean", "demand_mean", ECH_COL_CUSTOM, 0, 0,              \
      ECH_MAX_DEMAND, 0, "unit/day",                                                      \
      "mean daily customer demand averaged over a year, before trend (0 upstream)")       \
    C(demand_dist, U8, "demand_dist", 0, ECH_COL_CUSTOM, ECH_DEMAND_NONE, 1, 2,           \
      &ech_demand_dist_enum, "1", "distribution of daily demand (default: poisson, negbin when demand_var_ratio > 1)")                         \
    C(demand_var_ratio, F64, "demand_var_ratio", 0, ECH_COL_CUSTOM, 1, 1, 100, 0, "1",    \
      "variance / mean of daily demand (negbin > 1)")                                     \
    C(demand_zero_prob, F64, "demand_zero_prob", 0, ECH_COL_CUSTOM, 0, 0, 0.999, 0, "1",  \
      "extra zeros for intermittent items")                                 \
    C(trend_per_year, F64, "trend_per_year", 0, ECH_COL_LO_OPEN, NAN, -1, 10, 0, "1/year", \
      "demand growth rate at this location; NaN: the SKU's")                              \
    C(season_profile, I32, "seasonality", 0, ECH_COL_CUSTOM, -1, 0, 0, 0, "1",             \
      "season profile at this location, a name; default: the SKU's")                     \
    C(weekly_profile, I32, "weekly_profile", 0, ECH_COL_CUSTOM, -1, 0, 0, 0, "1",          \
      "weekly profile at this location, a name; default: demand.weekly_profile")         \
    C(policy, U8, "policy", 0, 0, ECH_POLICY_FROM_RULE, 0,                   \
      ECH_POLICY_COUNT - 1, &ech_policy_enum, "1", "policy; default: the location kind's rule") \
    C(review_days, I32, "review_days", 0, 0, -1, 1, ECH_MAX_LANE_DAYS, 0, "day",          \
      "review period R; default: the rule's")                                             \
    C(order_up_to, I32, "order_up_to", 0, ECH_COL_CUSTOM, -1, 0, ECH_MAX_UNITS, 0, "unit", \
      "order-up-to level S; default: the rule's")                                         \
    C(reorder_point, I32, "reorder_point", 0, ECH_COL_CUSTOM, ECH_REORDER_NOT_GIVEN, -1,  \
      ECH_MAX_UNITS, 0,                                                                   \
      "unit", "reorder point s (order when the position is at or below it); default: the rule's") \
    C(min_order_qty, I32, "min_order_qty", 0, 0, -1, 0, ECH_MAX_UNITS, 0, "unit",         \
      "minimum order quantity; default: the rule's")                                      \
    C(display_min, I32, "display_min", "display_min", 0, 0, 0, ECH_MAX_UNITS, 0, "unit",  \
      "display stock: units that must stay presented, kept on top of the policy's s and S " \
      "(0: none)")                                                                        \
    C(holding_rate_per_year, F64, "holding_rate_per_year", "holding_rate_per_year", 0, NAN,  \
      0, 10, 0, "1/year",                                                                 \
      "yearly holding cost rate on unit cost at this location (value added downstream, "  \
      "space); NaN: the scenario's costs.holding_rate_per_year")                         \
    C(expedite_level, I32, "expedite_level", 0, 0, -1, -1, ECH_MAX_UNITS, 0, \
      "unit",                                                                             \
      "central warehouse only: on a review, an express order lifts the position within "  \
      "the supplier's express lead time to this level when it is below; -1: never")       \
    C(fill_rate_target, F64, "fill_rate_target", "fill_rate_target", ECH_COL_LO_OPEN |    \
      ECH_COL_HI_OPEN, NAN, 0, 1, 0, "1",                                                 \
      "fill rate echelon tune must reach at this demand point; NaN: the SKU's, its "     \
      "segment's or the scenario's tuning.fill_rate")                                    \
    C(replay, I32, 0, 0, 0, -1, 0, 0, 0, "1",                                             \
      "row of the replayed demand history; -1: not replayed")                            \
    C(start_on_hand, I32, 0, 0, 0, -1, 0, 0, 0, "unit",                                   \
      "stock on hand at the start (snapshot); -1: the order-up-to level")                \
    C(source_line, I64, 0, 0, 0, 0, 0, 0, 0, "1",                                         \
      "line of the input row (0: an ancestor the loader added), for messages")           \
    C(expected_outflow, F64, 0, "expected_outflow", ECH_COL_DERIVED, 0, 0, 0, 0,          \
      "unit/day",                                                                         \
      "expected daily outflow (own demand and every demand point below) over the "        \
      "measured days")

typedef struct ech_skulocs {
    int64_t n;
    ECH_SKULOC_COLUMNS(ECH_COLUMN_FIELD)
    int64_t *sku_begin;       /* n_skus + 1 entries: SKU k owns [sku_begin[k], sku_begin[k+1]) */
    char *source;             /* the file the assortment rows came from (for messages) */
} ech_skulocs;

/* Open orders at the start (snapshot start), sorted by skuloc then arrival day. */
typedef struct ech_open_orders {
    int64_t n;
    int64_t *skuloc;
    int32_t *arrival_day;     /* scenario day (0 = first measured day; may be < 0 within warm-up) */
    int32_t *quantity;
} ech_open_orders;

/* Replayed demand: one dense series per replayed skuloc over the simulated days
 * (warm-up included): quantity[r * n_days + d] for simulated day index d. */
typedef struct ech_replay {
    int32_t n;
    int32_t n_days;
    int32_t *quantity;
} ech_replay;

typedef struct ech_season_profiles {
    int32_t n;
    char **name;              /* profile 0 is "flat" */
    double (*monthly)[12];    /* multipliers for January..December, mean 1 */
    int32_t n_inline;         /* profiles 1..n_inline come from the scenario file, the
                               * rest from demand.profiles_file */
} ech_season_profiles;

/* Named weekly profiles (demand.weekly_profiles, demand.profiles_file); a skuloc
 * without one uses the scenario's demand.weekly_profile (ech_scenario.weekly). */
typedef struct ech_weekly_profiles {
    int32_t n;
    char **name;
    double (*daily)[7];       /* multipliers for Monday..Sunday, mean 1 */
    int32_t n_inline;         /* profiles 0..n_inline-1 come from the scenario file */
} ech_weekly_profiles;

/* Promotions and calendar events (demand.events, demand.events_file): on the days
 * first_day..last_day (scenario days, inclusive) the mean demand of every demand
 * point in scope is multiplied by the uplift; overlapping events multiply.  Scope:
 * a SKU or a therapeutic group (or every SKU) at a location and every location
 * below it (or everywhere).  demand_model.h evaluates them. */
typedef struct ech_demand_events {
    int32_t n;
    char **name;
    int32_t *first_day, *last_day;
    double *uplift;
    int32_t *sku;             /* -1: any */
    int32_t *group;           /* -1: any */
    int32_t *location;        /* -1: anywhere */
    long *source_line;        /* line in the file they came from, for messages */
    /* The events that can apply to SKU k (its own, its group's, every SKU's):
     * of_sku[of_sku_begin[k] .. of_sku_begin[k + 1]), in the order given. */
    int64_t *of_sku_begin;
    int32_t *of_sku;
    char *source;             /* the events file, or NULL when inline */
} ech_demand_events;

/* Forecast-driven ordering (a rule's forecast:): on every review the targets are
 * set again from a forecast of the daily outflow made with what the planner knows
 * that day (sales up to yesterday; the demand model and its planned events), as
 * the rule's target says (days of cover, or the service-level quantile over the
 * protection interval).  docs/MODEL.md, "Forecast-driven ordering". */
typedef struct ech_forecast_rule {
    uint8_t method;           /* ech_forecast_method; NONE: targets fixed before the run */
    int32_t weeks;            /* moving average: the last weeks of sales it averages */
    double uplift;            /* the buyer's factor on the forecast (1: none) */
    double smoothing;         /* model: weight of a new day in the level (0: the model as is) */
    uint8_t on_hand_only;     /* 1: the order ignores what is on its way (in transit, on
                               * order), as an order form filled from the shelf does */
    int32_t round_to;         /* orders rounded up to a multiple of this many units (1: none) */
} ech_forecast_rule;

/* How targets are set for the skulocs of one location kind that give no numbers. */
typedef struct ech_policy_rule {
    uint8_t policy;           /* ech_policy_kind */
    uint8_t target;           /* ech_target_rule */
    int32_t review_days;
    double service_level;     /* target: probability of no stockout per review cycle */
    double cover_days;        /* target: days of mean demand */
    double order_days;        /* (s,S): S - s = mean demand x order_days (at least one pack) */
    int32_t order_up_to;      /* fixed rule: S */
    int32_t reorder_point;    /* fixed rule: s (ECH_REORDER_NOT_GIVEN: S - 1) */
    int32_t min_order_qty;
    ech_forecast_rule forecast;
} ech_policy_rule;

typedef struct ech_costs {
    double holding_rate_per_year;    /* fraction of unit cost per unit-year held */
    double supplier_order_cost;      /* currency per order line to a supplier */
    double internal_order_cost;      /* currency per order line to a parent location */
    double backorder_cost_per_day;   /* fraction of unit price per unit-day backordered */
    double lost_sale_penalty;        /* fraction of unit price per lost unit, on top of the lost margin */
    /* Value added downstream: a holding rate per location kind (costs.
     * holding_rate_by_kind), used where has_holding_by_kind and the entry is not NaN. */
    uint8_t has_holding_by_kind;
    double holding_rate_by_kind[ECH_LOC_KIND_COUNT];
} ech_costs;

/* Substitution among generics (demand.substitution): when a SKU is out of stock at
 * a pharmacy, a share of its unmet demand buys another SKU of its group in stock
 * there.  Groups come from the catalogue's substitution_group column. */
typedef struct ech_subst_rules {
    uint8_t enabled;      /* demand.substitution is given: groups substitute */
    double share;         /* share of unmet demand that buys a substitute (per-SKU
                           * substitution_share overrides) */
    uint8_t order;        /* ech_subst_order: which substitute first */
    int32_t n_groups;
    char **group_name;    /* [n_groups] the substitution_group keys */
    int32_t *group_begin; /* [n_groups + 1]: group g's SKUs are member[begin[g]..] */
    int32_t *member;      /* SKUs by group, in catalogue order within a group */
} ech_subst_rules;

/* Batches and expiry (SKUs with a shelf life). */
typedef struct ech_expiry_rules {
    uint8_t enabled;            /* 1: stock of SKUs with a shelf life is held in batches
                                 * and expires; 0: shelf lives are ignored */
    int32_t min_remaining_days; /* a location below the warehouse (DC or pharmacy)
                                 * refuses a batch with fewer days of life left on
                                 * arrival */
    double receipt_life_min;    /* default fractions of shelf life remaining at receipt */
    double receipt_life_max;    /*   from the supplier (per-SKU values override) */
    uint8_t returns;            /* 1: pharmacies return slow near-expiry stock to the CW */
    int32_t return_within_days; /* returns: batches expiring within this many days (more
                                 * than min_remaining_days), beyond what the pharmacy's
                                 * mean demand sells before they expire */
} ech_expiry_rules;

/* Controlled substances: rules for every location of a controlled SKU. */
typedef struct ech_controlled_rules {
    int32_t min_days_between_orders; /* a location orders a controlled SKU at most once in
                                      * this many days; 0: no limit */
    double max_stock_days;           /* cap on a location's inventory position in days of
                                      * its expected outflow (at least one pack); 0: none */
    int32_t extra_lead_time_days;    /* added to every lane between locations (secure
                                      * transport, paperwork) */
} ech_controlled_rules;

typedef struct ech_output_options {
    int32_t n_quantiles;
    double *quantiles;         /* in (0, 1), increasing; default 0.05, 0.5, 0.95 */
    int keep_replications;     /* also write every replication's value per skuloc */
    int32_t stock_bands;       /* the worst skulocs whose daily stock is summarised
                                * (stock_bands.h); 0: none */
} ech_output_options;

/* What `echelon tune` aims for: the scenario's tuning: section (tune_run.h). */
typedef struct ech_tuning {
    uint8_t objective;          /* ech_tune_objective */
    double fill_rate;           /* target at demand points without a more specific one */
    double *segment_fill_rate;  /* [n_segments]; NaN: fill_rate */
    int64_t replications;       /* per evaluation at first */
    int64_t max_replications;   /* ... and at most */
    double significance;        /* a move must improve by this many standard errors */
    double tolerance;           /* gains below this share of the cost are not worth
                                   more replications */
    int32_t max_evaluations;    /* per SKU; 0: automatic */
    double budget;              /* mean inventory value over the network; NaN: none */
    double cold_exceed_share;   /* cold rooms: at most this share of days over capacity
                                   at each location that declares one; NaN: none */
    double *location_budget;    /* [net.n]: mean inventory value a location may hold;
                                   NaN: none; NULL: none anywhere */
} ech_tuning;

/* Service objective, 95% fill rate, 16 replications per evaluation up to 128,
 * 2 standard errors, a tolerance of 0.5%, evaluations automatic, no budget
 * (segment targets untouched). */
void ech_tuning_set_defaults(ech_tuning *t);

/* Supply contracts (the contracts: section; docs/MODEL.md, "Supply contracts"): what
 * a supplier offers for a year of a SKU.  The contract year is the measured horizon
 * (`days`); volumes are units over it.  With a commitment C in force for a SKU:
 *   - orders of the warehouse count against the contract until C (1 + flex), or the
 *     capacity if lower, has been bought; the rest goes spot (at unit_cost x (1 +
 *     spot_premium), arriving after spot_lead_time_days, always in full) or is
 *     refused (above_capacity: none);
 *   - the committed minimum C (1 - flex) is due on the schedule (months or quarters
 *     of the horizon, equal shares by days): what was not ordered by a period's last
 *     day is delivered that day (unneeded: deliver) or paid for and not delivered at
 *     the end (unneeded: pay); under commitment: penalty, each unit short of the
 *     minimum at the end costs `penalty` instead, and nothing is pushed;
 *   - every unit under the contract costs the tier price: the unit price of the
 *     highest tier whose from_units is at most C (the commitment buys the tier).
 * Costs are counted relative to buying at unit_cost (contract_cost, in total_cost). */
typedef struct ech_contract_terms {
    int32_t supplier;           /* index */
    int32_t sku;                /* -1: every SKU of the supplier without terms of its own */
    double committed;           /* units over the horizon; NaN: none in force (sizing) */
    uint8_t commitment;         /* ech_commitment_kind */
    double penalty;             /* currency per unit short (commitment penalty) */
    double flex;                /* [0, 1): the band around the commitment */
    double capacity;            /* units the supplier sells under the contract;
                                 * INFINITY: the band's top */
    uint8_t above;              /* ech_above_contract */
    double spot_premium;        /* fraction of unit_cost */
    int32_t spot_lead_time_days;
    uint8_t unneeded;           /* ech_unneeded_rule */
    uint8_t schedule;           /* ech_schedule */
    int32_t n_tiers;            /* >= 1; tier 0 starts at 0 units */
    double *tier_from;          /* units, strictly increasing */
    double *tier_price;         /* currency per unit; NaN: unit_cost x (1 - discount) */
    double *tier_discount;      /* fraction of unit_cost off (supplier-wide terms) */
} ech_contract_terms;

typedef struct ech_contracts {
    int32_t n;
    ech_contract_terms *terms;
    int32_t *of_sku;            /* [cat.n]: the SKU's terms, or -1 (no contract);
                                 * NULL when n == 0 */
} ech_contracts;

/* The unit price of tier k of a SKU's terms. */
double ech_contract_tier_price(const ech_contract_terms *t, int32_t k, double unit_cost);
/* The tier a commitment of c units buys (the highest whose from_units <= c). */
int32_t ech_contract_tier(const ech_contract_terms *t, double c);
/* The band of a commitment of c units: the minimum floor(c (1 - flex)) and what the
 * contract sells, min(floor(c (1 + flex)), capacity), never below the minimum. */
void ech_contract_band(double c, double flex, double capacity, double *minimum, double *limit);

/* The policy numbers a variant simulates, one row per skuloc (ech_policy_resolve). */
#define ECH_VARIANT_POLICY_COLUMNS(C)                                                     \
    C(policy, U8, 0, "policy", ECH_COL_DERIVED, ECH_POLICY_BASE_STOCK, 0, 0,              \
      &ech_policy_enum, "1", "resolved inventory policy code")                            \
    C(order_up_to, I32, 0, "order_up_to", ECH_COL_DERIVED, 0, 0, 0, 0, "unit",            \
      "resolved order-up-to level S")                                                     \
    C(reorder_point, I32, 0, "reorder_point", ECH_COL_DERIVED, 0, 0, 0, 0, "unit",        \
      "resolved reorder point s: order when the inventory position is <= s")             \
    C(review_days, I32, 0, "review_days", ECH_COL_DERIVED, 1, 0, 0, 0, "day",             \
      "resolved review period R")                                                         \
    C(min_order_qty, I32, 0, "min_order_qty", ECH_COL_DERIVED, 0, 0, 0, 0, "unit",        \
      "minimum order quantity")                                                           \
    C(reserve, I32, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "unit",                            \
      "units the location holds back from its children: the central warehouse's "        \
      "reserve, 0 elsewhere")                                                             \
    C(expedite_level, I32, 0, "expedite_level", ECH_COL_DERIVED, -1, 0, 0, 0, "unit",     \
      "the warehouse's expedite level (express position lifted to it); -1: never")       \
    C(forecast, U8, 0, 0, ECH_COL_DERIVED, 0, 0, 0, 0, "1",                                \
      "1: the targets are set at every review from a forecast (the rule's forecast)")

/* A what-if variant of the scenario.  All variants of a run share the catalogue,
 * network, demand and random streams (common random numbers), so differences
 * between them are due to the variant, not to noise.  Variant 0 is the baseline. */
/* A policy rule for one segment's SKUs at one location kind (policies.by_segment):
 * it replaces the kind's rule for them. */
typedef struct ech_segment_rule {
    int32_t segment;
    uint8_t kind; /* ech_location_kind */
    ech_policy_rule rule;
} ech_segment_rule;

typedef struct ech_variant {
    char *name;
    char *description;
    uint8_t *disruption_active; /* [disruptions.n]: which disruptions happen */
    double lead_time_factor;    /* multiplies every supplier lead time (mean and sd) */
    uint8_t use_alternatives;   /* 1: SKUs with an alternative source use it */
    uint8_t allocation;         /* ech_allocation_rule */
    ech_policy_rule rule[ECH_LOC_KIND_COUNT];
    ech_segment_rule *segment_rules; /* per segment and kind, over `rule` */
    int32_t n_segment_rules;
    /* Every supplier's partial deliveries replaced (today's order execution), or
     * NULL: each supplier's own. */
    ech_reliability *supplier_fill;
    /* Commitments in force per SKU (units over the horizon; NaN: none), or NULL for
     * the scenario's own (contracts.terms committed). */
    double *committed;

    /* Resolved by ech_policy_resolve, one entry per skuloc. */
    ECH_VARIANT_POLICY_COLUMNS(ECH_COLUMN_FIELD)
} ech_variant;

/* Parameters of the generated network and catalogue (generator.h). */
typedef struct ech_network_gen {
    int32_t dcs;                   /* 0: pharmacies hang directly under the CW */
    int32_t retail_per_dc;         /* pharmacies per DC (or under the CW when dcs == 0) */
    int32_t dc_lead_time_days;     /* CW -> DC */
    int32_t retail_lead_time_days; /* DC (or CW) -> pharmacy */
    double cw_cold_capacity_litres;     /* cold-room volume of the CW (0: none declared) */
    double dc_cold_capacity_litres;     /* of every DC */
    double retail_cold_capacity_litres; /* of every pharmacy */
} ech_network_gen;

typedef struct ech_catalogue_gen {
    int32_t skus;
    uint64_t seed;
    double fast_share;        /* share of SKUs that are fast movers (stocked nearly everywhere) */
    double intermittent_share;/* share of SKUs with intermittent (zero-inflated) demand */
    double cold_share;        /* share of cold-chain SKUs */
    double controlled_share;  /* share of controlled substances */
    double generic_share;     /* share of SKUs with generic substitutes */
    double assortment_density;/* mean share of pharmacies stocking a typical SKU */
    double alternative_share; /* share of generic SKUs with an alternative source */
    double alternative_premium; /* their extra unit cost from it (fraction of unit cost) */
    double display_share;     /* share of pharmacy assortment rows with a display minimum of
                               * 1-3 units (0: none) */
} ech_catalogue_gen;

/* Where the tables came from, as the scenario file names them (for the resolved
 * text); NULL and 0 when not given or when the scenario was built in code. */
typedef enum ech_table_source {
    ECH_FROM_CODE = 0,
    ECH_FROM_FILE = 1,
    ECH_FROM_INLINE = 2,
    ECH_FROM_GENERATOR = 3,
} ech_table_source;

typedef struct ech_sources {
    uint8_t network, catalogue;      /* ech_table_source */
    char *locations_file;            /* as written in the scenario */
    char *skus_file, *assortment_file;
    char *history_file, *on_hand_file, *open_orders_file;
    char *demand_file;               /* demand models over the assortment's */
    char *profiles_file;             /* weekly and yearly profiles (demand.profiles_file) */
    char *events_file;               /* promotions and calendar events */
    char *targets_file;              /* targets over the assortment's (tuned ones) */
    ech_network_gen network_gen;     /* when generated */
    /* A network variant (load_network.c): its base's snapshot, history and targets
     * rows that name a closed location (one of closed_locations) or a SKU-location
     * the changed network does not stock are left out. */
    uint8_t network_variant;
    int32_t n_closed_locations;
    char **closed_locations;
    ech_catalogue_gen catalogue_gen;
} ech_sources;

typedef struct ech_scenario {
    char *name;
    char *description;
    char *source_path;         /* the scenario file as given */
    char *source_text;         /* its text, stored in the output for provenance */

    uint64_t seed;
    int64_t replications;
    int32_t days;              /* measured days */
    int32_t warmup_days;       /* simulated before day 0 and left out of the KPIs */
    int32_t start_date;        /* calendar date of day 0, days since 1970-01-01 */

    uint8_t unmet_demand;       /* ech_unmet_demand */
    uint8_t internal_shortfall; /* ech_internal_shortfall */
    uint8_t allocation;         /* ech_allocation_rule */
    uint8_t start_stock;        /* ech_start_stock */

    double weekly[7];          /* demand multipliers Monday..Sunday, mean 1 */
    ech_weekly_profiles weeklies; /* named weekly profiles skulocs may use instead */
    ech_season_profiles seasons;
    ech_demand_events events;
    int32_t n_groups;
    char **group;              /* therapeutic group names (catalogue column group) */
    int32_t n_segments;
    char **segment;            /* segment names; segment 0 exists ("all" when none given) */

    ech_policy_rule rule[ECH_LOC_KIND_COUNT]; /* the scenario's own rules; variants copy them */
    ech_segment_rule *segment_rules;          /* the scenario's rules per segment and kind */
    int32_t n_segment_rules;
    ech_costs costs;
    ech_output_options output;
    ech_tuning tuning;
    ech_contracts contracts;
    ech_expiry_rules expiry;
    ech_subst_rules subst;
    ech_controlled_rules controlled;
    double cw_reserve_share;   /* central-warehouse reserve as a share of its order-up-to
                                * level, for SKUs that give no reserved units */

    ech_network net;
    ech_suppliers suppliers;
    ech_sites sites;
    int32_t n_regions;
    char **region;             /* region names; region 0 is "default" */
    ech_disruptions disruptions;
    int32_t n_variants;        /* >= 1 */
    ech_variant *variant;      /* variant 0 is the baseline */
    ech_catalogue cat;
    ech_skulocs sl;
    ech_open_orders open_orders;
    ech_replay replay;
    ech_sources sources;
} ech_scenario;

/* The yearly holding rate at skuloc x: its own, else its location kind's, else the
 * scenario's. */
static inline double ech_holding_rate(const ech_scenario *sc, int64_t x)
{
    double rate = sc->sl.holding_rate_per_year[x];
    if (rate == rate)
        return rate;
    if (sc->costs.has_holding_by_kind) {
        rate = sc->costs.holding_rate_by_kind[sc->net.kind[sc->sl.location[x]]];
        if (rate == rate)
            return rate;
    }
    return sc->costs.holding_rate_per_year;
}

/* The commitment in force for SKU k under variant v (units over the horizon), or NaN
 * when the SKU has no contract in force there. */
double ech_variant_commitment(const ech_scenario *sc, const ech_variant *v, int32_t sku);

/* Why skuloc x's expedite level cannot be, or NULL when it can (none, or an express
 * mode on its inbound lane: the supplier's at the root, the lane's elsewhere). */
const char *ech_expedite_refusal(const ech_scenario *sc, int64_t x);

/* The input files the scenario names (as written, relative to the scenario file's
 * folder unless absolute), NULL where not given; returns how many entries. */
enum { ECH_SCENARIO_MAX_INPUTS = 12 };
int ech_scenario_input_files(const ech_scenario *sc, const char *out[ECH_SCENARIO_MAX_INPUTS]);

/* Frees everything the scenario owns and zeroes it. */
void ech_scenario_free(ech_scenario *sc);

/* Free one table (all its arrays, raw and derived) and zero it; for loaders and
 * generators that replace a table.  ech_strings_free frees n strings and the array. */
void ech_network_free(ech_network *net);
void ech_catalogue_free(ech_catalogue *cat);
void ech_skulocs_free(ech_skulocs *sl);

/* The scenario-level defaults of a scenario built without them (in code, or from a
 * file without sites or variants): supplier reliability "always in full", a region
 * "default", one site per supplier (its id and lead time) for SKUs whose site is
 * unset (made at their supplier's first site), and, when there are no variants, one
 * variant "baseline" with the scenario's own allocation rule, policy rules and every
 * disruption active.  The tables themselves are complete from their allocation
 * (table.h).  Called by ech_scenario_finalize. */
void ech_scenario_set_defaults(ech_scenario *sc);

/* Frees a variant's arrays and name; ech_variant_free_policy only its resolved
 * policy arrays (before resolving again). */
void ech_variant_free(ech_variant *v);
/* A deep copy of variant src (its resolved policy included) into dst. */
void ech_variant_copy(const ech_scenario *sc, ech_variant *dst, const ech_variant *src);
/* Replaces v's segment rules by a copy of rules[0..n). */
void ech_variant_copy_segment_rules(ech_variant *v, const ech_segment_rule *rules, int32_t n);
void ech_variant_free_policy(ech_variant *v);
void ech_strings_free(char **s, int64_t n);

/* Computes the network's derived fields and the skulocs' parent links and checks the
 * structure: exactly one root, no cycles, parents exist, skulocs sorted as described
 * above with every ancestor of a stocking location present, demand only at leaves
 * of a SKU's tree.  `path` names the file the network came from for messages. */
ech_status ech_scenario_finalize(ech_scenario *sc, const char *path, ech_error *err);

/* A copy of a lead-time record (its empirical pmf duplicated). */
ech_lead_time ech_lead_time_copy(const ech_lead_time *lt);

/* Lookups by id; -1 when absent.  Valid after ech_scenario_finalize. */
/* The SKUs of each substitution group (subst.group_begin, subst.member) from the
 * catalogue's subst_group column and subst.n_groups. */
void ech_scenario_index_groups(ech_scenario *sc);

/* ECH_ERR_INPUT (a message naming the scenario) when its substitution groups are
 * active: `command` (tune, contract) searches SKU by SKU and would be wrong. */
ech_status ech_scenario_no_groups(const ech_scenario *sc, const char *command, ech_error *err);

int32_t ech_scenario_find_location(const ech_scenario *sc, const char *id);
int32_t ech_scenario_find_sku(const ech_scenario *sc, const char *id);
int64_t ech_scenario_find_skuloc(const ech_scenario *sc, int32_t sku, int32_t location);
/* The SKU stocked at the most locations (the first of them; -1 without skulocs),
 * and its skulocs (0 without). */
int32_t ech_scenario_widest_sku(const ech_scenario *sc);
int64_t ech_scenario_most_skulocs(const ech_scenario *sc);
int32_t ech_scenario_find_supplier(const ech_scenario *sc, const char *id);

/* Parses an ISO date "YYYY-MM-DD" into days since 1970-01-01; 0 on success, -1 if
 * the text is not a valid date. */
int ech_parse_date(const char *text, int32_t *days_since_epoch);

/* Formats days since 1970-01-01 as "YYYY-MM-DD" into buf (at least 11 bytes). */
void ech_format_date(int32_t days_since_epoch, char *buf);

/* The proleptic Gregorian calendar in days since 1970-01-01: the day of a date
 * (month 1..12), a day's date, and its weekday (0 = Monday). */
int32_t ech_days_from_civil(int32_t y, int32_t m, int32_t d);
void ech_civil_from_days(int32_t days_since_epoch, int32_t *y, int32_t *m, int32_t *d);
int ech_weekday_of_date(int32_t days_since_epoch);

/* Calendar helpers: day t (0 = first measured day, negative in warm-up). */
int ech_scenario_weekday(const ech_scenario *sc, int32_t day);   /* 0 = Monday */
int ech_scenario_month(const ech_scenario *sc, int32_t day);     /* 0 = January */
/* Years from day 0 to the 15th of day t's month (where the trend is taken). */
double ech_scenario_trend_years(const ech_scenario *sc, int32_t day);


#ifdef __cplusplus
}
#endif

#endif
