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

#include "echelon/error.h"
#include "echelon/sample.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------
 * Enumerations (the numeric values are stored in output files: never renumber)
 * ------------------------------------------------------------------------------ */

typedef enum ech_location_kind {
    ECH_LOC_CW = 0,     /* central warehouse */
    ECH_LOC_DC = 1,     /* regional distribution centre */
    ECH_LOC_RETAIL = 2, /* pharmacy or hospital: where customer demand arises */
    ECH_LOC_KIND_COUNT
} ech_location_kind;

typedef enum ech_unmet_demand {
    ECH_UNMET_LOST = 0,      /* unmet customer demand is lost (default at pharmacies) */
    ECH_UNMET_BACKORDER = 1, /* unmet customer demand waits and is served first later */
} ech_unmet_demand;

typedef enum ech_internal_shortfall {
    ECH_SHORTFALL_BACKORDER = 0, /* what a parent cannot ship stays owed to the child */
    ECH_SHORTFALL_CUT = 1,       /* what a parent cannot ship today is cancelled */
} ech_internal_shortfall;

typedef enum ech_allocation_rule {
    ECH_ALLOC_FAIR_SHARE = 0,   /* in proportion to what each child is owed */
    ECH_ALLOC_PRIORITY = 1,     /* children in order of location priority, then name */
    ECH_ALLOC_ALPHABETICAL = 2, /* children in order of location name (baseline) */
    ECH_ALLOC_LOST_MARGIN = 3,  /* unit by unit to the child whose expected lost sales
                                 * over its coverage horizon drop most */
    ECH_ALLOC_COUNT
} ech_allocation_rule;

typedef enum ech_demand_dist {
    ECH_DEMAND_NONE = 0,    /* not a demand point (an upstream location) */
    ECH_DEMAND_POISSON = 1,
    ECH_DEMAND_NEGBIN = 2,  /* over-dispersed: variance = var_ratio * mean */
    ECH_DEMAND_REPLAY = 3,  /* replayed from a history file, the same in every replication */
} ech_demand_dist;

typedef enum ech_policy_kind {
    ECH_POLICY_BASE_STOCK = 0, /* order up to S on review days (s = S - 1) */
    ECH_POLICY_S_S = 1,        /* (s, S): if position <= s, order up to S */
} ech_policy_kind;

/* In a skuloc's policy field before ech_policy_resolve: use the location kind's rule. */
#define ECH_POLICY_FROM_RULE 0xff

typedef enum ech_target_rule {
    ECH_TARGET_SERVICE_LEVEL = 0, /* S from the demand quantile over lead time + review period */
    ECH_TARGET_COVER_DAYS = 1,    /* S = mean daily demand x cover days */
    ECH_TARGET_FIXED = 2,         /* S and s given as numbers */
} ech_target_rule;

typedef enum ech_storage_class { ECH_STORAGE_AMBIENT = 0, ECH_STORAGE_COLD = 1 } ech_storage_class;
typedef enum ech_handling_class { ECH_HANDLING_NORMAL = 0, ECH_HANDLING_CONTROLLED = 1 } ech_handling_class;
typedef enum ech_substitution { ECH_SUBST_UNIQUE = 0, ECH_SUBST_GENERIC = 1 } ech_substitution;

typedef enum ech_start_stock {
    ECH_START_TARGET = 0,   /* every skuloc starts at its order-up-to level, nothing in transit */
    ECH_START_SNAPSHOT = 1, /* on hand and open orders from an ERP extract */
} ech_start_stock;

/* ------------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------------ */

typedef struct ech_network {
    int32_t n;
    char **id;               /* unique, as in the input */
    char **name;             /* display name; alphabetical allocation sorts by it */
    uint8_t *kind;           /* ech_location_kind */
    int32_t *parent;         /* supplying location, -1 for the root */
    int32_t *lead_time_days; /* lane lead time parent -> location (>= 0); 0 at the root */
    int32_t *priority;       /* allocation priority: smaller is served first */
    int32_t *review_offset;  /* review phase: location reviews on days t with (t - offset) % R == 0 */
    double *cold_capacity_litres; /* cold-room volume; 0: none declared */

    /* Derived by ech_scenario_finalize. */
    int32_t root;
    int32_t *topo;           /* locations in topological order (parents first), n entries */
    int32_t *topo_pos;       /* inverse of topo */
    int32_t *depth;          /* root = 0 */
    int32_t *n_children;     /* children in the network (not per SKU) */
    int32_t *name_rank;      /* position of the location in (name, id) order */
    int32_t *priority_rank;  /* position in (priority, name, id) order */
    uint64_t *id_hash;       /* ech_hash_string(id): keys the location's random streams */
} ech_network;

typedef struct ech_lead_time {
    uint8_t dist;            /* ech_lead_time_dist */
    double mean, sd;         /* days; sd unused for fixed; for empirical, of the pmf */
    int32_t min_days, max_days;
    double *pmf;             /* empirical only: weights of min_days..max_days (owned by
                              * the table that holds this record); NULL otherwise */
} ech_lead_time;

typedef enum ech_supply_shortfall {
    ECH_SUPPLY_BACKORDER = 0, /* what a supplier does not deliver stays owed and ships later */
    ECH_SUPPLY_CANCEL = 1,    /* what a supplier does not deliver is cancelled */
} ech_supply_shortfall;

/* How a supplier fails to deliver what was ordered, shipment by shipment. */
typedef struct ech_reliability {
    double partial_prob;     /* probability that a shipment is partial */
    double partial_mean;     /* delivered fraction of a partial shipment: beta with this */
    double partial_sd;       /*   mean and sd, in (0, 1) */
    double cancel_prob;      /* probability that an order is cancelled outright */
    uint8_t shortfall;       /* ech_supply_shortfall: undelivered units of partial
                              * shipments and of reduced capacity */
} ech_reliability;

typedef struct ech_suppliers {
    int32_t n;
    char **id;
    ech_lead_time *lead_time;
    ech_reliability *reliability;
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

typedef enum ech_disruption_kind {
    ECH_DISRUPT_MARKOV = 0,   /* alternating up and down spells, geometric in days */
    ECH_DISRUPT_SCRIPTED = 1, /* down over fixed scenario days [from_day, to_day) */
} ech_disruption_kind;

typedef enum ech_disruption_scope {
    ECH_SCOPE_SITE = 0,      /* one site */
    ECH_SCOPE_SUPPLIER = 1,  /* every site of one supplier, together */
    ECH_SCOPE_REGION = 2,    /* every site in one region, together (a correlated event) */
    ECH_SCOPE_EACH_SITE = 3, /* every site, each with its own independent timeline */
} ech_disruption_scope;

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

typedef enum ech_alt_rule {
    ECH_ALT_NONE = 0,         /* no alternative source (unique drugs) */
    ECH_ALT_SWITCH = 1,       /* order from the alternative while the primary site is down */
    ECH_ALT_SPLIT = 2,        /* a fixed share of every order goes to the alternative */
} ech_alt_rule;


typedef struct ech_catalogue {
    int32_t n;
    char **id;
    char **name;
    double *unit_cost;        /* currency per unit (valuation, holding cost) */
    double *unit_price;       /* currency per unit (lost margin = price - cost) */
    int32_t *pack_size;       /* orders are rounded up to multiples of this (units) */
    int32_t *supplier;        /* index into suppliers (the supplier of `site`) */
    int32_t *site;            /* index into sites: where the SKU is made */
    int32_t *alt_site;        /* alternative source (generics), -1 for none */
    uint8_t *alt_rule;        /* ech_alt_rule */
    double *alt_split;        /* ECH_ALT_SPLIT: share of each order to the alternative */
    double *alt_premium;      /* extra cost of a unit from the alternative, as a fraction
                               * of unit cost */
    int32_t *shelf_life_days; /* 0: does not expire */
    /* Remaining shelf life at receipt from the supplier: uniform between these
     * fractions of shelf_life_days (0 < min <= max <= 1); NaN: the scenario's
     * ech_expiry_rules defaults. */
    double *receipt_life_min, *receipt_life_max;
    double *unit_volume_litres; /* cold-room volume of one unit (cold-chain SKUs) */
    int32_t *cw_reserved_units; /* central-warehouse stock reserved for other commitments;
                                 * -1: the scenario's reserve share */
    uint8_t *storage;         /* ech_storage_class */
    uint8_t *handling;        /* ech_handling_class */
    uint8_t *substitution;    /* ech_substitution */
    int32_t *segment;         /* index into scenario segment names */
    int32_t *season_profile;  /* index into season profiles (0 = flat) */
    double *trend_per_year;   /* demand growth rate: factor (1 + trend * years since day 0) */
} ech_catalogue;

typedef struct ech_skulocs {
    int64_t n;
    int32_t *sku;
    int32_t *location;
    int64_t *sku_begin;       /* n_skus + 1 entries: SKU k owns [sku_begin[k], sku_begin[k+1]) */
    int64_t *parent;          /* skuloc of the parent location for the same SKU, -1 at the root */

    /* Demand: only at leaves of the SKU's tree. */
    uint8_t *demand_dist;     /* ech_demand_dist */
    double *demand_mean;      /* units/day averaged over a year, before trend */
    double *demand_var_ratio; /* negbin variance / mean (> 1) */
    double *demand_zero_prob; /* extra zeros for intermittent items, [0, 1) */
    int32_t *replay;          /* row in scenario->replay, -1 if not replayed */

    /* Policy as given in the input: -1 (ECH_POLICY_FROM_RULE for the policy kind)
     * means "from the location kind's rule".  The values each variant simulates are
     * resolved into ech_variant by ech_policy_resolve. */
    uint8_t *policy;          /* ech_policy_kind */
    int32_t *review_days;     /* review period R >= 1 */
    int32_t *order_up_to;     /* S >= 0 */
    int32_t *reorder_point;   /* s, -1 <= s < S */
    int32_t *min_order_qty;   /* MOQ >= 0, units */

    /* Display stock (parapharmacy shelves): units that must stay presented; the
     * ordering policy keeps them on top of its s and S.  0: none. */
    int32_t *display_min;

    /* Start.  -1: start at the order-up-to level. */
    int32_t *start_on_hand;

    /* Derived by ech_policy_resolve: expected daily outflow (own demand plus the
     * demand of every leaf below) averaged over the measured days; used for days of
     * supply and for service-level targets. */
    double *expected_outflow;
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
} ech_season_profiles;

/* How targets are set for the skulocs of one location kind that give no numbers. */
typedef struct ech_policy_rule {
    uint8_t policy;           /* ech_policy_kind */
    uint8_t target;           /* ech_target_rule */
    int32_t review_days;
    double service_level;     /* target: probability of no stockout per review cycle */
    double cover_days;        /* target: days of mean demand */
    double order_days;        /* (s,S): S - s = mean demand x order_days (at least one pack) */
    int32_t order_up_to;      /* fixed rule: S */
    int32_t reorder_point;    /* fixed rule: s (-1: S - 1) */
    int32_t min_order_qty;
} ech_policy_rule;

typedef struct ech_costs {
    double holding_rate_per_year;    /* fraction of unit cost per unit-year held */
    double supplier_order_cost;      /* currency per order line to a supplier */
    double internal_order_cost;      /* currency per order line to a parent location */
    double backorder_cost_per_day;   /* fraction of unit price per unit-day backordered */
    double lost_sale_penalty;        /* fraction of unit price per lost unit, on top of the lost margin */
} ech_costs;

/* Batches and expiry (SKUs with a shelf life). */
typedef struct ech_expiry_rules {
    uint8_t enabled;            /* 1: stock of SKUs with a shelf life is held in batches
                                 * and expires; 0: shelf lives are ignored */
    int32_t min_remaining_days; /* a pharmacy refuses a batch with fewer days of life
                                 * left on arrival */
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
} ech_output_options;

/* A what-if variant of the scenario.  All variants of a run share the catalogue,
 * network, demand and random streams (common random numbers), so differences
 * between them are due to the variant, not to noise.  Variant 0 is the baseline. */
typedef struct ech_variant {
    char *name;
    char *description;
    uint8_t *disruption_active; /* [disruptions.n]: which disruptions happen */
    double lead_time_factor;    /* multiplies every supplier lead time (mean and sd) */
    uint8_t use_alternatives;   /* 1: SKUs with an alternative source use it */
    uint8_t allocation;         /* ech_allocation_rule */
    ech_policy_rule rule[ECH_LOC_KIND_COUNT];

    /* Resolved by ech_policy_resolve, one entry per skuloc. */
    uint8_t *policy;            /* ech_policy_kind */
    int32_t *review_days;
    int32_t *order_up_to;
    int32_t *reorder_point;
    int32_t *min_order_qty;
    int32_t *reserve;           /* units the location holds back from its children: the
                                 * central warehouse's reserve, 0 elsewhere */
} ech_variant;

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
    ech_season_profiles seasons;
    int32_t n_segments;
    char **segment;            /* segment names; segment 0 exists ("all" when none given) */

    ech_policy_rule rule[ECH_LOC_KIND_COUNT]; /* the scenario's own rules; variants copy them */
    ech_costs costs;
    ech_output_options output;
    ech_expiry_rules expiry;
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
} ech_scenario;

/* Frees everything the scenario owns and zeroes it. */
void ech_scenario_free(ech_scenario *sc);

/* Free one table (all its arrays, raw and derived) and zero it; for loaders and
 * generators that replace a table.  ech_strings_free frees n strings and the array. */
void ech_network_free(ech_network *net);
void ech_catalogue_free(ech_catalogue *cat);
void ech_skulocs_free(ech_skulocs *sl);

/* Allocates the input columns of n assortment rows (not the derived sku_begin,
 * parent and expected_outflow, which ech_scenario_finalize and ech_policy_resolve
 * make); the contents are left for the caller to fill. */
void ech_skulocs_alloc_rows(ech_skulocs *sl, int64_t n);

/* When a loader gives no variants: one variant "baseline" with the scenario's own
 * allocation rule, policy rules and every disruption active.  Also fills defaults
 * that older loaders leave unset: one site per supplier (its id, region "default",
 * the supplier's lead time) and cat->site from cat->supplier, no alternative
 * source.  Called by ech_scenario_finalize. */
void ech_scenario_default_variants(ech_scenario *sc);

/* Frees a variant's arrays and name; ech_variant_free_policy only its resolved
 * policy arrays (before resolving again). */
void ech_variant_free(ech_variant *v);
void ech_variant_free_policy(ech_variant *v);
void ech_strings_free(char **s, int64_t n);

/* Computes the network's derived fields and the skulocs' parent links and checks the
 * structure: exactly one root, no cycles, parents exist, skulocs sorted as described
 * above with every ancestor of a stocking location present, demand only at leaves
 * of a SKU's tree.  `path` names the file the network came from for messages. */
ech_status ech_scenario_finalize(ech_scenario *sc, const char *path, ech_error *err);

/* Lookups by id; -1 when absent.  Valid after ech_scenario_finalize. */
int32_t ech_scenario_find_location(const ech_scenario *sc, const char *id);
int32_t ech_scenario_find_sku(const ech_scenario *sc, const char *id);
int64_t ech_scenario_find_skuloc(const ech_scenario *sc, int32_t sku, int32_t location);
int32_t ech_scenario_find_supplier(const ech_scenario *sc, const char *id);

/* Parses an ISO date "YYYY-MM-DD" into days since 1970-01-01; 0 on success, -1 if
 * the text is not a valid date. */
int ech_parse_date(const char *text, int32_t *days_since_epoch);

/* Formats days since 1970-01-01 as "YYYY-MM-DD" into buf (at least 11 bytes). */
void ech_format_date(int32_t days_since_epoch, char *buf);

/* Calendar helpers: day t (0 = first measured day, negative in warm-up). */
int ech_scenario_weekday(const ech_scenario *sc, int32_t day);   /* 0 = Monday */
int ech_scenario_month(const ech_scenario *sc, int32_t day);     /* 0 = January */

/* Daily mean demand of a skuloc on day t: mean x weekly x season(month) x trend.
 * The seasonal and trend factors are constant within a calendar month (evaluated at
 * the month's middle day) so that a month's weekdays share seven sampling tables. */
double ech_scenario_daily_mean(const ech_scenario *sc, int64_t skuloc, int32_t day);

#ifdef __cplusplus
}
#endif

#endif
