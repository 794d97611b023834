/* The scenario file loader's internals, shared by its parts (private to the
 * library):
 *   load_schema.c   the document as libcyaml loads it and its schema
 *   load_index.c    the line index (libyaml events) and libcyaml's messages
 *   load_values.c   typed values with messages naming the key
 *   load_supply.c   suppliers, sites, regions and disruptions
 *   load_settings.c every other setting: horizon, demand, rules, costs, expiry,
 *                   controlled substances, variants, output, overrides
 *   load_tuning.c   the tuning: section (what `echelon tune` aims for)
 *   scenario_load.c the load chain and the tables (files, inline rows, generators)
 *   scenario_text.c the resolved scenario as text
 *
 * The file is read twice, by two libraries that each do one thing well:
 *  - libyaml's event parser builds a line index: the line of every key and list
 *    entry, by its path ("suppliers[1].lead_time.mean").  It also reports syntax
 *    errors with their exact line.
 *  - libcyaml loads the document against the static schema, which rejects unknown
 *    keys, missing required keys and values of the wrong shape.  Every scalar is
 *    loaded as text: libcyaml's own integer parsing accepts "4.5" and "0x10" for an
 *    integer and any word for a boolean, so numbers, dates and choices are parsed
 *    here with end-pointer checks, declared ranges and messages that name the key.
 */
#ifndef ECHELON_LOAD_H
#define ECHELON_LOAD_H

#include "echelon/generator.h"
#include "echelon/scenario.h"
#include "echelon/scenario_load.h"
#include "echelon/table_load.h"

#include <cyaml/cyaml.h>

#include <stddef.h>
#include <stdint.h>

/* Limits of settings (the tables' limits are in scenario.h). */
enum {
    ECH_MAX_HORIZON_DAYS = 36500, /* warm-up and measured days together: a century */
    ECH_MAX_QUANTILES = 16,
    ECH_MAX_REPLICATIONS = 1000000,
    ECH_MAX_YAML_DEPTH = 64,       /* nesting of mappings and lists */
    ECH_MAX_YAML_KEY = 256,        /* bytes of one key */
    ECH_MAX_YAML_BYTES = 64 << 20, /* a scenario file (tables belong in CSV files) */
};

/* ------------------------------------------------------------------------------
 * The document as libcyaml loads it: every scalar as text, NULL when absent
 * ------------------------------------------------------------------------------ */

typedef struct y_horizon {
    char *start_date, *days, *warmup_days;
} y_horizon;

typedef struct y_season {
    char *name;
    char **monthly;
    unsigned monthly_count;
} y_season;

typedef struct y_weekly {
    char *name;
    char **daily;
    unsigned daily_count;
} y_weekly;

/* A demand event written inline: its columns' text, indexed like ech_event_columns. */
typedef struct y_event {
    char *cell[8];
} y_event;
typedef struct y_substitution {
    char *share, *order;
} y_substitution;

typedef struct y_demand {
    char *unmet;
    y_substitution *substitution;
    char **weekly_profile;
    unsigned weekly_profile_count;
    y_season *seasonality;
    unsigned seasonality_count;
    y_weekly *weekly_profiles;
    unsigned weekly_profiles_count;
    char *profiles_file;
    y_event *events;
    unsigned events_count;
    char *events_file;
    char *history;
} y_demand;

typedef struct y_supply {
    char *internal_shortfall, *allocation, *cw_reserve_share;
} y_supply;

typedef struct y_receipt_life {
    char *min_fraction, *max_fraction;
} y_receipt_life;

typedef struct y_returns {
    char *within_days;
} y_returns;

typedef struct y_expiry {
    char *enabled, *min_remaining_days;
    y_receipt_life *receipt_life;
    y_returns *returns;
} y_expiry;

typedef struct y_controlled {
    char *min_days_between_orders, *max_stock_days, *extra_lead_time_days;
} y_controlled;

typedef struct y_lead_time {
    char *distribution, *mean, *sd, *min_days, *max_days;
    char **values;
    unsigned values_count;
    char **weights;
    unsigned weights_count;
} y_lead_time;

typedef struct y_partial {
    char *probability, *fraction_mean, *fraction_sd;
} y_partial;

typedef struct y_express {
    char *lead_time_days, *premium, *shipment_cost;
} y_express;

typedef struct y_site {
    char *id, *region;
    y_lead_time *lead_time;
} y_site;

typedef struct y_supplier {
    char *id;
    y_lead_time *lead_time;
    y_partial *partial;
    char *cancel_probability, *shortfall;
    y_express *express;
    y_site *sites;
    unsigned sites_count;
} y_supplier;

typedef struct y_disruption {
    char *name, *kind, *scope, *target, *mtbf_days, *mttr_days, *from_day, *to_day, *capacity;
} y_disruption;

typedef struct y_kind_rates {
    char *cw, *dc, *retail;
} y_kind_rates;

typedef struct y_costs {
    char *holding_rate_per_year, *supplier_order_cost, *internal_order_cost,
        *backorder_cost_per_day, *lost_sale_penalty;
    y_kind_rates *holding_rate_by_kind;
} y_costs;

typedef struct y_forecast {
    char *method, *weeks, *uplift, *smoothing, *position, *round_to;
} y_forecast;

typedef struct y_rule {
    char *type, *review_days, *service_level, *cover_days, *order_up_to, *order_days,
        *reorder_point, *min_order_qty;
    y_forecast *forecast;
} y_rule;

typedef struct y_segment_policies {
    char *segment;
    y_rule *cw, *dc, *retail;
} y_segment_policies;

typedef struct y_policies {
    y_rule *cw, *dc, *retail;
    y_segment_policies *by_segment;
    unsigned by_segment_count;
} y_policies;

typedef struct y_start {
    char *stock, *on_hand, *open_orders;
} y_start;

typedef struct y_variant {
    char *name, *description;
    char **disruptions;
    unsigned disruptions_count;
    char *lead_time_factor, *allocation, *alternative_sources;
    y_policies *policies;
    y_partial *supplier_fill;
} y_variant;

/* An inline table row: the text of each column, indexed like the table's columns
 * (table_load.h). */
typedef struct y_row {
    char *cell[ECH_TABLE_MAX_COLUMNS];
} y_row;

typedef struct y_network_gen {
    char *dcs, *retail_per_dc, *dc_lead_time_days, *retail_lead_time_days, *cw_cold_capacity_litres,
        *dc_cold_capacity_litres, *retail_cold_capacity_litres;
} y_network_gen;

typedef struct y_network {
    char *locations_file;
    y_row *locations;
    unsigned locations_count;
    y_network_gen *generate;
} y_network;

typedef struct y_catalogue_gen {
    char *skus, *seed, *fast_share, *intermittent_share, *cold_share, *controlled_share,
        *generic_share, *assortment_density, *alternative_share, *alternative_premium,
        *display_share;
} y_catalogue_gen;

typedef struct y_catalogue {
    char *skus_file, *assortment_file, *targets_file, *demand_file;
    y_row *skus;
    unsigned skus_count;
    y_row *assortment;
    unsigned assortment_count;
    y_catalogue_gen *generate;
} y_catalogue;

typedef struct y_output {
    char **quantiles;
    unsigned quantiles_count;
    char *keep_replications;
    char *stock_bands;
} y_output;

typedef struct y_segment_target {
    char *segment, *fill_rate;
} y_segment_target;

typedef struct y_location_budget {
    char *location, *budget;
} y_location_budget;

typedef struct y_tuning {
    char *objective, *fill_rate;
    y_segment_target *fill_rate_by_segment;
    unsigned fill_rate_by_segment_count;
    char *replications, *max_replications, *significance, *tolerance, *max_evaluations;
    char *budget, *cold_room_exceed_share;
    y_location_budget *budget_by_location;
    unsigned budget_by_location_count;
} y_tuning;

typedef struct y_tier {
    char *from_units, *unit_price, *discount;
} y_tier;

typedef struct y_contract {
    char *supplier, *sku, *committed_units, *commitment, *shortfall_penalty, *flex, *capacity_units,
        *above_capacity, *spot_premium, *spot_lead_time_days, *unneeded, *schedule;
    y_tier *tiers;
    unsigned tiers_count;
} y_contract;

typedef struct y_scenario {
    char *name, *description, *seed, *replications;
    y_horizon *horizon;
    y_demand *demand;
    y_supply *supply;
    y_expiry *expiry;
    y_controlled *controlled;
    y_supplier *suppliers;
    unsigned suppliers_count;
    y_costs *costs;
    y_policies *policies;
    y_start *start;
    y_network *network;
    y_catalogue *catalogue;
    y_output *output;
    y_tuning *tuning;
    y_contract *contracts;
    unsigned contracts_count;
    y_disruption *disruptions;
    unsigned disruptions_count;
    y_variant *variants;
    unsigned variants_count;
} y_scenario;

/* ------------------------------------------------------------------------------
 * Schema (load_schema.c)
 * ------------------------------------------------------------------------------ */

extern const cyaml_schema_value_t ech_yaml_scenario_schema;

/* libcyaml's configuration with its log captured into `log` (for messages). */
typedef struct ech_yaml_log {
    char s[8192];
    size_t len;
} ech_yaml_log;
cyaml_config_t ech_yaml_config(ech_yaml_log *log);

/* Parses the text against the schema.  *doc is NULL for an empty document. */
struct ech_yaml_index;
ech_status ech_yaml_parse(const char *path, const struct ech_yaml_index *ix, const char *text,
                          size_t len, y_scenario **doc, ech_error *err);
void ech_yaml_free(y_scenario *doc);

/* ------------------------------------------------------------------------------
 * Line index and messages (load_index.c)
 * ------------------------------------------------------------------------------ */

/* The line of every key and list entry of a document, by its path.  Memory and time
 * are linear in the file's size: entries store their parent and their own key, not
 * whole paths. */
typedef struct ech_yaml_index ech_yaml_index;

/* Builds the index of `text`.  A YAML syntax error, a second document, nesting
 * deeper than ECH_MAX_YAML_DEPTH or a key longer than ECH_MAX_YAML_KEY fails with
 * its line. */
ech_status ech_yaml_index_build(ech_yaml_index **out, const char *path, const char *text,
                                size_t len, ech_error *err);
void ech_yaml_index_free(ech_yaml_index *ix);

/* The line of the `occurrence`-th (0-based) appearance of a path such as
 * "suppliers[1].lead_time.mean", or 0 when the document has none. */
long ech_yaml_line(const ech_yaml_index *ix, const char *path, int occurrence);
int ech_yaml_has(const ech_yaml_index *ix, const char *path);

/* Turns libcyaml's log of a failed load into one "FILE:LINE: KEY: problem". */
ech_status ech_yaml_failure(const char *path, const ech_yaml_index *ix, const ech_yaml_log *log,
                            cyaml_err_t rc, ech_error *err);

/* ------------------------------------------------------------------------------
 * Typed values (load_values.c)
 * ------------------------------------------------------------------------------ */

typedef struct loadctx {
    const char *path; /* the scenario file */
    char *dir;        /* its directory with a trailing '/', or "" */
    ech_yaml_index *ix;
    ech_error *err;
} loadctx;

long ech_key_line(const loadctx *c, const char *key);

/* Fails with "PATH:LINE: KEY: message", the line of the key. */
ech_status ech_key_fail(const loadctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fails for a key that a mapping lacks: the message names the missing key and the
 * line of the mapping (the key itself has no line). */
ech_status ech_key_missing(const loadctx *c, const char *mapping, const char *key, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));

/* Builds a key path in a caller's buffer and returns it. */
const char *ech_key_path(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Integers in [lo, hi] (decimal; a leading zero is refused: YAML 1.1 reads "010" as
 * octal 8, so the number is ambiguous). */
ech_status ech_key_int(const loadctx *c, const char *key, const char *text, int64_t lo, int64_t hi,
                       int64_t *out);
ech_status ech_key_int32(const loadctx *c, const char *key, const char *text, int32_t lo,
                         int32_t hi, int32_t *out);
ech_status ech_key_uint64(const loadctx *c, const char *key, const char *text, uint64_t *out);
ech_status ech_key_double(const loadctx *c, const char *key, const char *text, double *out);

/* A number in [lo, hi], or with an open end (lo_open: > lo, hi_open: < hi); `what`
 * says what it is in the message ("" for nothing). */
ech_status ech_key_double_range(const loadctx *c, const char *key, const char *text, double lo,
                                int lo_open, double hi, int hi_open, const char *what, double *out);

/* The index of the catalogue's segment named `name` (*out), or a message listing
 * the segments there are. */
ech_status ech_key_segment(const loadctx *c, const char *key, const char *name,
                           const ech_scenario *sc, int32_t *out);

/* One of an enumeration's words (from value `first` on); *out its value. */
ech_status ech_key_enum(const loadctx *c, const char *key, const char *text, const ech_enum *e,
                        int first, int *out);
ech_status ech_key_bool(const loadctx *c, const char *key, const char *text, int *out);
ech_status ech_key_text(const loadctx *c, const char *key, const char *text);

/* A file named in the scenario, relative to the scenario's directory, checked to
 * be a regular file that can be opened (so a wrong name is reported at the key that
 * gives it).  *out is the resolved path (the caller frees it). */
ech_status ech_key_file(const loadctx *c, const char *key, const char *text, char **out);

/* ------------------------------------------------------------------------------
 * Builders (load_supply.c, load_settings.c)
 * ------------------------------------------------------------------------------ */

ech_status ech_build_suppliers(const loadctx *c, const y_scenario *y, ech_scenario *sc);
/* Partial deliveries (a supplier's partial:, a variant's supplier_fill:), at key prefix. */
ech_status ech_build_partial(const loadctx *c, const char *prefix, const y_partial *p,
                             ech_reliability *r);
ech_status ech_build_sites(const loadctx *c, const y_scenario *y, ech_scenario *sc);
ech_status ech_build_disruptions(const loadctx *c, const y_scenario *y, ech_scenario *sc);
ech_status ech_build_settings(const loadctx *c, const y_scenario *y, ech_scenario *sc);
/* The demand model's parts beside the tables (load_demand.c): the profiles file
 * (with the settings, before the tables name profiles), then, once the tables are
 * final, the events and the demand file. */
ech_status ech_load_profiles_file(const loadctx *c, const y_demand *y, ech_scenario *sc);
/* Scales the n multipliers of a profile (summing to sum > 0) to mean 1, unless
 * they have it up to rounding. */
void ech_profile_to_mean_one(double *v, int n, double sum);
ech_status ech_build_events(const loadctx *c, const y_demand *y, ech_scenario *sc);

/* Fills an ech_row from an inline entry of list `list` (its i-th) whose cells are
 * indexed like cols; lines[n_cols] and prefix are the row's storage. */
void ech_inline_row(const loadctx *c, const char *list, unsigned i, const char *const *cells,
                    const ech_csv_column *cols, int n_cols, ech_row *row, long *lines, char *prefix,
                    size_t prefix_size);
/* The tuning: section, once the tables are loaded (its targets name segments). */
ech_status ech_build_tuning(const loadctx *c, const y_tuning *y, ech_scenario *sc);
/* The contracts: section, once the tables are loaded (its terms name SKUs). */
ech_status ech_build_contracts(const loadctx *c, const y_scenario *y, ech_scenario *sc);
/* policies.by_segment of the scenario and of each variant (after the catalogue: it
 * names segments). */
ech_status ech_build_segment_rules(const loadctx *c, const y_scenario *y, ech_scenario *sc);
/* Loads a scenario as ech_scenario_load does, calling `hook` on the network and the
 * raw assortment after they are read and before they are finalised (a network
 * variant's changes), when hook is not NULL. */
typedef ech_status (*ech_tables_hook)(void *ctx, ech_scenario *sc, ech_error *err);
ech_status ech_scenario_load_changed(const char *path, const ech_overrides *ov,
                                     ech_tables_hook hook, void *hook_ctx, ech_scenario *sc,
                                     ech_error *err);
/* A network variant file (load_network.c): `text` (owned from here on) and its line
 * index `ix` (the caller's) are the variant file's; loads its base with the changes. */
ech_status ech_network_variant_load(const char *path, char *text, size_t len,
                                    const ech_yaml_index *ix, const ech_overrides *ov,
                                    ech_scenario *sc, ech_error *err);
ech_status ech_apply_overrides(const ech_overrides *ov, ech_scenario *sc, ech_error *err);
ech_status ech_build_network_gen(const loadctx *c, const y_network_gen *y, ech_network_gen *g);
ech_status ech_build_catalogue_gen(const loadctx *c, const y_catalogue_gen *y,
                                   uint64_t scenario_seed, ech_catalogue_gen *g);

/* "a, b, c" of n names, cut short when long (for messages). */
void ech_join_list(char *buf, size_t size, char *const *names, int32_t n);

#endif
