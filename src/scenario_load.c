/* Loading a scenario file; see include/echelon/scenario_load.h and scenarios/README.md.
 *
 * The file is read twice, by two libraries that each do one thing well:
 *  - libyaml's event parser builds a line index: the line of every key and list
 *    entry, by its path ("suppliers[1].lead_time.mean").  It also reports syntax
 *    errors with their exact line.
 *  - libcyaml loads the document against the static schema below, which rejects
 *    unknown keys, missing required keys and values of the wrong shape.  Every
 *    scalar is loaded as text: libcyaml's own integer parsing accepts "4.5" and
 *    "0x10" for an integer and any word for a boolean, so numbers, dates and choices
 *    are parsed here with end-pointer checks and messages that name the key.
 * libcyaml reports a problem through its log callback ("Unexpected key: frob" and a
 * backtrace of the fields it was in); that text is captured and turned into
 * "FILE:LINE: KEY: problem", with the line taken from the index (the backtrace can
 * point at the previous field).
 *
 * Then the model is built in the order the header describes: settings (suppliers,
 * then their sites and regions, rules, disruptions, which name sites, suppliers
 * and regions, and variants, which name disruptions), overrides, network, catalogue
 * and assortment (CSV files, inline lists or the generators; SKU rows name sites),
 * ech_scenario_finalize, the start snapshot, the demand history and
 * ech_policy_resolve.
 */
#include "echelon/scenario_load.h"
#include "echelon/catalogue_csv.h"
#include "echelon/csv_reader.h"
#include "echelon/generator.h"
#include "echelon/policy.h"
#include "echelon/rng.h"

#include <cyaml/cyaml.h>
#include <yaml.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest horizon accepted (warm-up included): a century of days. */
enum { MAX_HORIZON_DAYS = 36500, MAX_LEAD_DAYS = 3650, MAX_QUANTILES = 16 };

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

typedef struct y_demand {
    char *unmet;
    char **weekly_profile;
    unsigned weekly_profile_count;
    y_season *seasonality;
    unsigned seasonality_count;
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

typedef struct y_site {
    char *id, *region;
    y_lead_time *lead_time;
} y_site;

typedef struct y_supplier {
    char *id;
    y_lead_time *lead_time;
    y_partial *partial;
    char *cancel_probability, *shortfall;
    y_site *sites;
    unsigned sites_count;
} y_supplier;

typedef struct y_disruption {
    char *name, *kind, *scope, *target, *mtbf_days, *mttr_days, *from_day, *to_day, *capacity;
} y_disruption;

typedef struct y_costs {
    char *holding_rate_per_year, *supplier_order_cost, *internal_order_cost,
        *backorder_cost_per_day, *lost_sale_penalty;
} y_costs;

typedef struct y_rule {
    char *type, *review_days, *service_level, *cover_days, *order_up_to, *order_days,
        *reorder_point, *min_order_qty;
} y_rule;

typedef struct y_policies {
    y_rule *cw, *dc, *retail;
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
} y_variant;

/* An inline table row: the text of each column, indexed like the CSV columns. */
typedef struct y_row {
    char *cell[ECH_TABLE_MAX_COLUMNS];
} y_row;

typedef struct y_network_gen {
    char *dcs, *retail_per_dc, *dc_lead_time_days, *retail_lead_time_days,
        *cw_cold_capacity_litres, *dc_cold_capacity_litres, *retail_cold_capacity_litres;
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
    char *skus_file, *assortment_file;
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
} y_output;

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
    y_disruption *disruptions;
    unsigned disruptions_count;
    y_variant *variants;
    unsigned variants_count;
} y_scenario;

/* ------------------------------------------------------------------------------
 * The schema
 * ------------------------------------------------------------------------------ */

#define STR_REQ(key, st, m) CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, st, m, 0, CYAML_UNLIMITED)
#define STR_OPT(key, st, m)                                                               \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, m, 0,        \
                           CYAML_UNLIMITED)
#define MAP_REQ(key, st, m, fields) CYAML_FIELD_MAPPING_PTR(key, CYAML_FLAG_POINTER, st, m, fields)
/* An optional mapping may also be written empty ("demand:"), which means absent. */
#define MAP_OPT(key, st, m, fields)                                                       \
    CYAML_FIELD_MAPPING_PTR(key, CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL, st, m, fields)
#define SEQ_OPT(key, st, m, entry)                                                        \
    CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL, st, m, entry, 0, \
                         CYAML_UNLIMITED)
#define SEQ_REQ(key, st, m, entry)                                                        \
    CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER, st, m, entry, 0, CYAML_UNLIMITED)
/* An optional list that, when given, must be a list: written empty ("values:") it is
 * an error rather than "absent", where absent and empty mean different things. */
#define SEQ_LIST(key, st, m, entry)                                                       \
    CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, m, entry, 0,   \
                         CYAML_UNLIMITED)

static const cyaml_schema_value_t text_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t horizon_fields[] = {
    STR_REQ("start_date", y_horizon, start_date),
    STR_REQ("days", y_horizon, days),
    STR_OPT("warmup_days", y_horizon, warmup_days),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t season_fields[] = {
    STR_REQ("name", y_season, name),
    SEQ_REQ("monthly", y_season, monthly, &text_entry),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t season_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_season, season_fields),
};

static const cyaml_schema_field_t demand_fields[] = {
    STR_OPT("unmet", y_demand, unmet),
    SEQ_OPT("weekly_profile", y_demand, weekly_profile, &text_entry),
    SEQ_OPT("seasonality", y_demand, seasonality, &season_entry),
    STR_OPT("history", y_demand, history),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t supply_fields[] = {
    STR_OPT("internal_shortfall", y_supply, internal_shortfall),
    STR_OPT("allocation", y_supply, allocation),
    STR_OPT("cw_reserve_share", y_supply, cw_reserve_share),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t receipt_life_fields[] = {
    STR_REQ("min_fraction", y_receipt_life, min_fraction),
    STR_REQ("max_fraction", y_receipt_life, max_fraction),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t returns_fields[] = {
    STR_REQ("within_days", y_returns, within_days),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t expiry_fields[] = {
    STR_OPT("enabled", y_expiry, enabled),
    STR_OPT("min_remaining_days", y_expiry, min_remaining_days),
    MAP_OPT("receipt_life", y_expiry, receipt_life, receipt_life_fields),
    MAP_OPT("returns", y_expiry, returns, returns_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t controlled_fields[] = {
    STR_OPT("min_days_between_orders", y_controlled, min_days_between_orders),
    STR_OPT("max_stock_days", y_controlled, max_stock_days),
    STR_OPT("extra_lead_time_days", y_controlled, extra_lead_time_days),
    CYAML_FIELD_END,
};

/* `mean` is required for every distribution but empirical; build_lead_time checks. */
static const cyaml_schema_field_t lead_time_fields[] = {
    STR_REQ("distribution", y_lead_time, distribution),
    STR_OPT("mean", y_lead_time, mean),
    STR_OPT("sd", y_lead_time, sd),
    STR_OPT("min_days", y_lead_time, min_days),
    STR_OPT("max_days", y_lead_time, max_days),
    SEQ_LIST("values", y_lead_time, values, &text_entry),
    SEQ_LIST("weights", y_lead_time, weights, &text_entry),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t partial_fields[] = {
    STR_REQ("probability", y_partial, probability),
    STR_REQ("fraction_mean", y_partial, fraction_mean),
    STR_REQ("fraction_sd", y_partial, fraction_sd),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t site_fields[] = {
    STR_REQ("id", y_site, id),
    STR_OPT("region", y_site, region),
    MAP_OPT("lead_time", y_site, lead_time, lead_time_fields),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t site_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_site, site_fields),
};

static const cyaml_schema_field_t supplier_fields[] = {
    STR_REQ("id", y_supplier, id),
    MAP_REQ("lead_time", y_supplier, lead_time, lead_time_fields),
    MAP_OPT("partial", y_supplier, partial, partial_fields),
    STR_OPT("cancel_probability", y_supplier, cancel_probability),
    STR_OPT("shortfall", y_supplier, shortfall),
    SEQ_LIST("sites", y_supplier, sites, &site_entry),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t supplier_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_supplier, supplier_fields),
};

static const cyaml_schema_field_t costs_fields[] = {
    STR_OPT("holding_rate_per_year", y_costs, holding_rate_per_year),
    STR_OPT("supplier_order_cost", y_costs, supplier_order_cost),
    STR_OPT("internal_order_cost", y_costs, internal_order_cost),
    STR_OPT("backorder_cost_per_day", y_costs, backorder_cost_per_day),
    STR_OPT("lost_sale_penalty", y_costs, lost_sale_penalty),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t rule_fields[] = {
    STR_OPT("type", y_rule, type),
    STR_OPT("review_days", y_rule, review_days),
    STR_OPT("service_level", y_rule, service_level),
    STR_OPT("cover_days", y_rule, cover_days),
    STR_OPT("order_up_to", y_rule, order_up_to),
    STR_OPT("order_days", y_rule, order_days),
    STR_OPT("reorder_point", y_rule, reorder_point),
    STR_OPT("min_order_qty", y_rule, min_order_qty),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t policies_fields[] = {
    MAP_OPT("cw", y_policies, cw, rule_fields),
    MAP_OPT("dc", y_policies, dc, rule_fields),
    MAP_OPT("retail", y_policies, retail, rule_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t disruption_fields[] = {
    STR_REQ("name", y_disruption, name),
    STR_REQ("kind", y_disruption, kind),
    STR_REQ("scope", y_disruption, scope),
    STR_OPT("target", y_disruption, target),
    STR_OPT("mtbf_days", y_disruption, mtbf_days),
    STR_OPT("mttr_days", y_disruption, mttr_days),
    STR_OPT("from_day", y_disruption, from_day),
    STR_OPT("to_day", y_disruption, to_day),
    STR_OPT("capacity", y_disruption, capacity),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t disruption_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_disruption, disruption_fields),
};

static const cyaml_schema_field_t variant_fields[] = {
    STR_REQ("name", y_variant, name),
    STR_OPT("description", y_variant, description),
    SEQ_LIST("disruptions", y_variant, disruptions, &text_entry),
    STR_OPT("lead_time_factor", y_variant, lead_time_factor),
    STR_OPT("alternative_sources", y_variant, alternative_sources),
    STR_OPT("allocation", y_variant, allocation),
    MAP_OPT("policies", y_variant, policies, policies_fields),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t variant_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_variant, variant_fields),
};

static const cyaml_schema_field_t start_fields[] = {
    STR_OPT("stock", y_start, stock),
    STR_OPT("on_hand", y_start, on_hand),
    STR_OPT("open_orders", y_start, open_orders),
    CYAML_FIELD_END,
};

/* Inline rows: one optional text field per column of the table (catalogue_csv.h). */
#define ROW_FIELD(column, name_)                                                          \
    {                                                                                     \
        .key = name_, .data_offset = offsetof(y_row, cell) + (column) * sizeof(char *),    \
        .value = {CYAML_VALUE_STRING(CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, char, 0,    \
                                     CYAML_UNLIMITED)},                                   \
    },
#define LOCATION_ROW_FIELD(sym, name_, req) ROW_FIELD(ECH_LOCCOL_##sym, name_)
#define SKU_ROW_FIELD(sym, name_, req) ROW_FIELD(ECH_SKUCOL_##sym, name_)
#define ASSORTMENT_ROW_FIELD(sym, name_, req) ROW_FIELD(ECH_ASSCOL_##sym, name_)

static const cyaml_schema_field_t location_row_fields[] = {
    ECH_LOCATION_COLUMNS(LOCATION_ROW_FIELD) CYAML_FIELD_END,
};
static const cyaml_schema_field_t sku_row_fields[] = {
    ECH_SKU_COLUMNS(SKU_ROW_FIELD) CYAML_FIELD_END,
};
static const cyaml_schema_field_t assortment_row_fields[] = {
    ECH_ASSORTMENT_COLUMNS(ASSORTMENT_ROW_FIELD) CYAML_FIELD_END,
};
static const cyaml_schema_value_t location_row_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_row, location_row_fields),
};
static const cyaml_schema_value_t sku_row_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_row, sku_row_fields),
};
static const cyaml_schema_value_t assortment_row_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_row, assortment_row_fields),
};

static const cyaml_schema_field_t network_gen_fields[] = {
    STR_OPT("dcs", y_network_gen, dcs),
    STR_OPT("retail_per_dc", y_network_gen, retail_per_dc),
    STR_OPT("dc_lead_time_days", y_network_gen, dc_lead_time_days),
    STR_OPT("retail_lead_time_days", y_network_gen, retail_lead_time_days),
    STR_OPT("cw_cold_capacity_litres", y_network_gen, cw_cold_capacity_litres),
    STR_OPT("dc_cold_capacity_litres", y_network_gen, dc_cold_capacity_litres),
    STR_OPT("retail_cold_capacity_litres", y_network_gen, retail_cold_capacity_litres),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t network_fields[] = {
    STR_OPT("locations_file", y_network, locations_file),
    SEQ_OPT("locations", y_network, locations, &location_row_entry),
    MAP_OPT("generate", y_network, generate, network_gen_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t catalogue_gen_fields[] = {
    STR_REQ("skus", y_catalogue_gen, skus),
    STR_OPT("seed", y_catalogue_gen, seed),
    STR_OPT("fast_share", y_catalogue_gen, fast_share),
    STR_OPT("intermittent_share", y_catalogue_gen, intermittent_share),
    STR_OPT("cold_share", y_catalogue_gen, cold_share),
    STR_OPT("controlled_share", y_catalogue_gen, controlled_share),
    STR_OPT("generic_share", y_catalogue_gen, generic_share),
    STR_OPT("assortment_density", y_catalogue_gen, assortment_density),
    STR_OPT("alternative_share", y_catalogue_gen, alternative_share),
    STR_OPT("alternative_premium", y_catalogue_gen, alternative_premium),
    STR_OPT("display_share", y_catalogue_gen, display_share),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t catalogue_fields[] = {
    STR_OPT("skus_file", y_catalogue, skus_file),
    STR_OPT("assortment_file", y_catalogue, assortment_file),
    SEQ_OPT("skus", y_catalogue, skus, &sku_row_entry),
    SEQ_OPT("assortment", y_catalogue, assortment, &assortment_row_entry),
    MAP_OPT("generate", y_catalogue, generate, catalogue_gen_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t output_fields[] = {
    SEQ_OPT("quantiles", y_output, quantiles, &text_entry),
    STR_OPT("keep_replications", y_output, keep_replications),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t scenario_fields[] = {
    STR_REQ("name", y_scenario, name),
    STR_OPT("description", y_scenario, description),
    STR_REQ("seed", y_scenario, seed),
    STR_REQ("replications", y_scenario, replications),
    MAP_REQ("horizon", y_scenario, horizon, horizon_fields),
    MAP_OPT("demand", y_scenario, demand, demand_fields),
    MAP_OPT("supply", y_scenario, supply, supply_fields),
    MAP_OPT("expiry", y_scenario, expiry, expiry_fields),
    MAP_OPT("controlled", y_scenario, controlled, controlled_fields),
    SEQ_REQ("suppliers", y_scenario, suppliers, &supplier_entry),
    SEQ_OPT("disruptions", y_scenario, disruptions, &disruption_entry),
    MAP_OPT("costs", y_scenario, costs, costs_fields),
    MAP_OPT("policies", y_scenario, policies, policies_fields),
    SEQ_OPT("variants", y_scenario, variants, &variant_entry),
    MAP_OPT("start", y_scenario, start, start_fields),
    MAP_REQ("network", y_scenario, network, network_fields),
    MAP_REQ("catalogue", y_scenario, catalogue, catalogue_fields),
    MAP_OPT("output", y_scenario, output, output_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t scenario_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_scenario, scenario_fields),
};

/* Names of the choices, in the order of their enum values in scenario.h. */
static const char *const unmet_names[] = {"lost", "backorder", NULL};
static const char *const shortfall_names[] = {"backorder", "cut", NULL};
static const char *const allocation_names[] = {"fair_share", "priority", "alphabetical",
                                               "lost_margin", NULL};
_Static_assert(sizeof allocation_names / sizeof allocation_names[0] == ECH_ALLOC_COUNT + 1,
               "one name per allocation rule");
static const char *const lead_time_names[] = {"fixed", "gamma", "lognormal", "empirical", NULL};
static const char *const supply_shortfall_names[] = {"backorder", "cancel", NULL};
static const char *const disruption_kind_names[] = {"markov", "scripted", NULL};
static const char *const scope_names[] = {"site", "supplier", "region", "each_site", NULL};
static const char *const policy_names[] = {"base_stock", "s_S", NULL};
static const char *const start_names[] = {"target", "snapshot", NULL};
static const char *const kind_names[] = {"cw", "dc", "retail", NULL};

/* ------------------------------------------------------------------------------
 * Line index (libyaml events)
 * ------------------------------------------------------------------------------ */

typedef struct yentry {
    char *path;
    long line;
    size_t order; /* document order, to tell repeated keys apart */
} yentry;

typedef struct yindex {
    yentry *e;
    size_t n, cap;
} yindex;

static void yindex_free(yindex *ix)
{
    for (size_t i = 0; i < ix->n; ++i)
        free(ix->e[i].path);
    free(ix->e);
    memset(ix, 0, sizeof *ix);
}

static void yindex_add(yindex *ix, const char *path, long line)
{
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? 2 * ix->cap : 256;
        ix->e = ech_xrealloc(ix->e, ix->cap * sizeof *ix->e, "YAML line index");
    }
    ix->e[ix->n] = (yentry){ech_xstrdup(path, "YAML key path"), line, ix->n};
    ix->n++;
}

static int cmp_yentry(const void *a, const void *b)
{
    const yentry *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return (x->order > y->order) - (x->order < y->order);
}

/* The line of the `occurrence`-th (0-based) appearance of a path, or 0. */
static long yindex_line(const yindex *ix, const char *path, int occurrence)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->e[mid].path, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = lo + (size_t)occurrence;
    if (k < ix->n && strcmp(ix->e[k].path, path) == 0)
        return ix->e[k].line;
    return 0;
}

static int yindex_has(const yindex *ix, const char *path)
{
    return yindex_line(ix, path, 0) > 0;
}

typedef struct yframe {
    int is_map;
    int expect_key;
    size_t base_len;  /* length of this container's path */
    unsigned next_index;
} yframe;

typedef struct pathbuf {
    char *s;
    size_t len, cap;
} pathbuf;

static void path_set(pathbuf *p, size_t base, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Truncates the path to `base` characters and appends a formatted component. */
static void path_set(pathbuf *p, size_t base, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(p->s + base, p->cap - base, fmt, ap);
        va_end(ap);
        if (n >= 0 && base + (size_t)n < p->cap) {
            p->len = base + (size_t)n;
            return;
        }
        p->cap = 2 * p->cap + (n > 0 ? (size_t)n : 0);
        p->s = ech_xrealloc(p->s, p->cap, "YAML key path");
    }
}

/* Builds the line index of `text`.  A YAML syntax error fails with its line. */
static ech_status yindex_build(yindex *ix, const char *path, const char *text, size_t len,
                               ech_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return ech_fail(err, ECH_ERR_RUNTIME, "%s: cannot start the YAML parser", path);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    yframe *stack = NULL;
    size_t depth = 0, stack_cap = 0;
    pathbuf p = {ech_xmalloc(128, "YAML key path"), 0, 128};
    p.s[0] = '\0';
    int documents = 0, done = 0;
    ech_status st = ECH_OK;

    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            st = ech_fail_at(err, path, (long)parser.problem_mark.line + 1, NULL,
                             "YAML syntax error: %s%s%s", parser.problem ? parser.problem : "?",
                             parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        long line = (long)ev.start_mark.line + 1;
        yframe *top = depth ? &stack[depth - 1] : NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                st = ech_fail_at(err, path, line, NULL,
                                 "a second YAML document: a scenario file holds one document");
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            if (top && top->is_map && top->expect_key) {
                if (ev.type != YAML_SCALAR_EVENT) {
                    st = ech_fail_at(err, path, line, NULL,
                                     "a key must be a plain name, not a list or mapping");
                    break;
                }
                const char *key = (const char *)ev.data.scalar.value;
                if (top->base_len)
                    path_set(&p, top->base_len, ".%s", key);
                else
                    path_set(&p, 0, "%s", key);
                yindex_add(ix, p.s, line);
                top->expect_key = 0;
                break;
            }
            if (top && !top->is_map) {
                path_set(&p, top->base_len, "[%u]", top->next_index++);
                yindex_add(ix, p.s, line);
            }
            if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
                if (depth == stack_cap) {
                    stack_cap = stack_cap ? 2 * stack_cap : 16;
                    stack = ech_xrealloc(stack, stack_cap * sizeof *stack, "YAML parse stack");
                }
                stack[depth++] = (yframe){ev.type == YAML_MAPPING_START_EVENT, 1, p.len, 0};
            } else if (top) {
                /* A scalar value ends: back to the container's path. */
                path_set(&p, top->base_len, "%s", "");
                if (top->is_map)
                    top->expect_key = 1;
            }
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (depth)
                --depth;
            if (depth) {
                top = &stack[depth - 1];
                path_set(&p, top->base_len, "%s", "");
                if (top->is_map)
                    top->expect_key = 1;
            }
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (st != ECH_OK)
            break;
    }
    yaml_parser_delete(&parser);
    free(stack);
    free(p.s);
    if (st == ECH_OK && ix->n > 1)
        qsort(ix->e, ix->n, sizeof *ix->e, cmp_yentry);
    return st;
}

/* ------------------------------------------------------------------------------
 * libcyaml's messages
 * ------------------------------------------------------------------------------ */

typedef struct cyaml_log_text {
    char s[8192];
    size_t len;
} cyaml_log_text;

static void capture_cyaml_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    cyaml_log_text *log = ctx;
    if (level < CYAML_LOG_WARNING || log->len >= sizeof log->s - 1)
        return;
    int n = vsnprintf(log->s + log->len, sizeof log->s - log->len, fmt, args);
    if (n > 0)
        log->len += (size_t)n < sizeof log->s - log->len ? (size_t)n : sizeof log->s - log->len - 1;
}

/* One step of a path: a key, or an index into a list. */
typedef struct path_step {
    char key[128];
    int index; /* -1 for a key */
} path_step;

enum { MAX_STEPS = 32 };

static void format_steps(char *buf, size_t size, const path_step *s, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; ++i) {
        int k = s[i].index >= 0 ? snprintf(buf + used, size - used, "[%d]", s[i].index)
                                : snprintf(buf + used, size - used, "%s%s", used ? "." : "",
                                           s[i].key);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* The schema value at a path, or NULL. */
static const cyaml_schema_value_t *schema_at(const path_step *s, int n)
{
    const cyaml_schema_value_t *v = &scenario_schema;
    for (int i = 0; i < n && v; ++i) {
        if (s[i].index >= 0) {
            v = v->type == CYAML_SEQUENCE ? v->sequence.entry : NULL;
            continue;
        }
        if (v->type != CYAML_MAPPING)
            return NULL;
        const cyaml_schema_field_t *f = v->mapping.fields;
        while (f->key && strcmp(f->key, s[i].key) != 0)
            ++f;
        v = f->key ? &f->value : NULL;
    }
    return v;
}

static const char *describe_expected(const char *cyaml_type)
{
    if (strcmp(cyaml_type, "MAPPING") == 0)
        return "a mapping of keys to values";
    if (strcmp(cyaml_type, "SEQUENCE") == 0 || strcmp(cyaml_type, "SEQUENCE_FIXED") == 0)
        return "a list";
    return "a single value";
}

static const char *describe_event(const char *cyaml_event)
{
    if (strncmp(cyaml_event, "MAPPING", 7) == 0)
        return "a mapping";
    if (strncmp(cyaml_event, "SEQUENCE", 8) == 0)
        return "a list";
    if (strncmp(cyaml_event, "ALIAS", 5) == 0)
        return "an alias";
    return "a single value";
}

/* The rest of `s` after `prefix`, or NULL when s does not start with it. */
static const char *after_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Turns libcyaml's log of a failed load into one message. */
static ech_status cyaml_failure(const char *path, const yindex *ix, const cyaml_log_text *log,
                                cyaml_err_t rc, ech_error *err)
{
    /* The problem line comes first, then the backtrace, innermost entry first. */
    char problem[512] = "";
    path_step raw[MAX_STEPS];
    int raw_is_field[MAX_STEPS];
    long raw_line[MAX_STEPS];
    int n_raw = 0;
    const char *s = log->s;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), s);
        s += len + (eol ? 1 : 0);
        const char *in = strstr(line, "in ");
        long at = 0;
        const char *lp = strstr(line, "(line: ");
        if (lp)
            at = strtol(lp + 7, NULL, 10);
        if (strncmp(line, "Load: ", 6) == 0) {
            if (!problem[0] && strcmp(line + 6, "Backtrace:") != 0) {
                size_t pl = strlen(line + 6);
                if (pl >= sizeof problem)
                    pl = sizeof problem - 1;
                memcpy(problem, line + 6, pl);
                problem[pl] = '\0';
            }
        } else if (in && n_raw < MAX_STEPS) {
            path_step *st = &raw[n_raw];
            st->key[0] = '\0';
            st->index = -1;
            raw_is_field[n_raw] = 0;
            raw_line[n_raw] = at;
            const char *q;
            if ((q = strstr(in, "in mapping field '")) == in) {
                q += strlen("in mapping field '");
                const char *e = strstr(q, "' (line");
                size_t kl = e ? (size_t)(e - q) : strlen(q);
                snprintf(st->key, sizeof st->key, "%.*s",
                         (int)(kl < sizeof st->key ? kl : sizeof st->key - 1), q);
                raw_is_field[n_raw] = 1;
                n_raw++;
            } else if ((q = strstr(in, "in sequence entry '")) == in) {
                st->index = (int)strtol(q + strlen("in sequence entry '"), NULL, 10) - 1;
                if (st->index < 0)
                    st->index = 0;
                n_raw++;
            } else {
                /* "in mapping" / "in sequence": inside a container, no step. */
                raw_is_field[n_raw] = 2;
                n_raw++;
            }
        }
    }

    /* Outermost first, dropping the container-only entries. */
    path_step steps[MAX_STEPS + 1];
    int n = 0;
    long fallback_line = n_raw ? raw_line[0] : 0;
    int innermost_is_field = n_raw && raw_is_field[0] == 1;
    for (int i = n_raw - 1; i >= 0; --i)
        if (raw_is_field[i] != 2)
            steps[n++] = raw[i];

    char where[512], full[sizeof where + sizeof problem];
    const char *key;
    if (!problem[0]) {
        /* No message from libcyaml: only its return code is left. */
        format_steps(where, sizeof where, steps, n);
        return ech_fail_at(err, path, fallback_line, where[0] ? where : NULL, "%s",
                           cyaml_strerror(rc));
    }
    if ((key = after_prefix(problem, "Unexpected key: "))) {
        const cyaml_schema_value_t *v = schema_at(steps, n);
        char allowed[1024] = "";
        if (v && v->type == CYAML_MAPPING) {
            size_t used = 0;
            for (const cyaml_schema_field_t *f = v->mapping.fields; f->key && used < sizeof allowed; ++f) {
                int k = snprintf(allowed + used, sizeof allowed - used, "%s%s", used ? ", " : "",
                                 f->key);
                used += k > 0 ? (size_t)k : 0;
            }
        }
        format_steps(where, sizeof where, steps, n);
        snprintf(full, sizeof full, "%s%s%s", where, where[0] ? "." : "", key);
        long line = yindex_line(ix, full, 0);
        return ech_fail_at(err, path, line ? line : fallback_line, full,
                           "unknown key (allowed here: %s)", allowed);
    }
    if ((key = after_prefix(problem, "Missing required mapping field: "))) {
        /* libcyaml names the mapping's current field as the innermost entry; the
         * missing key belongs to the mapping itself. */
        if (innermost_is_field && n > 0)
            --n;
        format_steps(where, sizeof where, steps, n);
        snprintf(full, sizeof full, "%s%s%s", where, where[0] ? "." : "", key);
        long line = where[0] ? yindex_line(ix, where, 0) : 0;
        if (where[0])
            return ech_fail_at(err, path, line, full, "required key is missing from %s", where);
        return ech_fail_at(err, path, 0, full, "required key is missing");
    }
    if ((key = after_prefix(problem, "Mapping field already seen: "))) {
        if (n == 0 || strcmp(steps[n - 1].key, key) != 0) {
            if (n <= MAX_STEPS - 1) {
                snprintf(steps[n].key, sizeof steps[n].key, "%.127s", key);
                steps[n++].index = -1;
            }
        }
        format_steps(where, sizeof where, steps, n);
        long first = yindex_line(ix, where, 0), second = yindex_line(ix, where, 1);
        return ech_fail_at(err, path, second ? second : fallback_line, where,
                           "key given twice (first on line %ld)", first);
    }
    format_steps(where, sizeof where, steps, n);
    long line = where[0] ? yindex_line(ix, where, 0) : 0;
    if (!line)
        line = fallback_line;
    char expected[64], got[64];
    if (sscanf(problem, "Expecting %63[A-Z_], got event: %63[A-Z_]", expected, got) == 2) {
        if (!where[0])
            return ech_fail_at(err, path, line, NULL,
                               "the file must be a mapping of keys to values (name:, seed:, ...), "
                               "not %s", describe_event(got));
        return ech_fail_at(err, path, line, where, "expected %s, got %s",
                           describe_expected(expected), describe_event(got));
    }
    return ech_fail_at(err, path, line, where[0] ? where : NULL, "%s",
                       problem[0] ? problem : cyaml_strerror(rc));
}

/* ------------------------------------------------------------------------------
 * Typed values with messages naming the key
 * ------------------------------------------------------------------------------ */

typedef struct loadctx {
    const char *path;   /* the scenario file */
    char *dir;          /* its directory with a trailing '/', or "" */
    yindex ix;
    ech_error *err;
} loadctx;

static long key_line(const loadctx *c, const char *key)
{
    return yindex_line(&c->ix, key, 0);
}

static ech_status key_fail(const loadctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ech_status key_fail(const loadctx *c, const char *key, const char *fmt, ...)
{
    char msg[ECH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ech_fail_at(c->err, c->path, key_line(c, key), key, "%s", msg);
}

/* Builds a key path in a caller's buffer. */
static const char *kp(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *kp(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return buf;
}

static ech_status get_int(const loadctx *c, const char *key, const char *text, int64_t lo,
                          int64_t hi, int64_t *out)
{
    if (!text[0])
        return key_fail(c, key, "no value given");
    int64_t v;
    int rc = ech_parse_int64(text, &v);
    if (rc == ECH_PARSE_SYNTAX)
        return key_fail(c, key, "'%s' is not an integer", text);
    if (rc == ECH_PARSE_RANGE || v < lo || v > hi) {
        if (hi == INT64_MAX || (hi == INT32_MAX && lo > INT32_MIN))
            return key_fail(c, key, "must be >= %" PRId64 ", got %s", lo, text);
        return key_fail(c, key, "must be between %" PRId64 " and %" PRId64 ", got %s", lo, hi,
                        text);
    }
    *out = v;
    return ECH_OK;
}

static ech_status get_int32(const loadctx *c, const char *key, const char *text, int32_t lo,
                            int32_t hi, int32_t *out)
{
    int64_t v = 0;
    ech_status st = get_int(c, key, text, lo, hi, &v);
    if (st == ECH_OK)
        *out = (int32_t)v;
    return st;
}

static ech_status get_uint64(const loadctx *c, const char *key, const char *text, uint64_t *out)
{
    if (!text[0])
        return key_fail(c, key, "no value given");
    int rc = ech_parse_uint64(text, out);
    if (rc == ECH_PARSE_SYNTAX)
        return key_fail(c, key, "'%s' is not a whole number >= 0", text);
    if (rc == ECH_PARSE_RANGE)
        return key_fail(c, key, "'%s' is out of range (at most %" PRIu64 ")", text, UINT64_MAX);
    return ECH_OK;
}

static ech_status get_double(const loadctx *c, const char *key, const char *text, double *out)
{
    if (!text[0])
        return key_fail(c, key, "no value given");
    int rc = ech_parse_double(text, out);
    if (rc == ECH_PARSE_SYNTAX)
        return key_fail(c, key, "'%s' is not a number", text);
    if (rc == ECH_PARSE_RANGE)
        return key_fail(c, key, "'%s' is out of range", text);
    return ECH_OK;
}

/* A number >= lo (or > lo when strict). */
static ech_status get_double_min(const loadctx *c, const char *key, const char *text, double lo,
                                 int strict, double *out)
{
    ech_status st = get_double(c, key, text, out);
    if (st != ECH_OK)
        return st;
    if (strict ? !(*out > lo) : !(*out >= lo))
        return key_fail(c, key, "must be %s %g, got %s", strict ? ">" : ">=", lo, text);
    return ECH_OK;
}

static ech_status get_choice(const loadctx *c, const char *key, const char *text,
                             const char *const *names, int *out)
{
    for (int i = 0; names[i]; ++i) {
        if (strcmp(names[i], text) == 0) {
            *out = i;
            return ECH_OK;
        }
    }
    char list[256];
    ech_join_names(list, sizeof list, names);
    *out = -1; /* set on every path, so that optimisers see no unset choice */
    return key_fail(c, key, "'%s' is not one of: %s", text, list);
}

static ech_status get_bool(const loadctx *c, const char *key, const char *text, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "on", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "off", NULL};
    for (int i = 0; yes[i]; ++i)
        if (strcmp(text, yes[i]) == 0)
            return *out = 1, ECH_OK;
    for (int i = 0; no[i]; ++i)
        if (strcmp(text, no[i]) == 0)
            return *out = 0, ECH_OK;
    return key_fail(c, key, "'%s' is not true or false", text);
}

static ech_status get_text(const loadctx *c, const char *key, const char *text)
{
    if (!text[0])
        return key_fail(c, key, "no value given");
    return ECH_OK;
}

/* A file named in the scenario, relative to the scenario's directory. */
static char *resolve_path(const loadctx *c, const char *name)
{
    if (name[0] == '/' || !c->dir[0])
        return ech_xstrdup(name, "file path");
    size_t n = strlen(c->dir) + strlen(name) + 1;
    char *p = ech_xmalloc(n, "file path");
    snprintf(p, n, "%s%s", c->dir, name);
    return p;
}

/* Resolves a file key and checks that the file can be opened, so that a wrong name
 * is reported at the key that gives it. */
static ech_status get_file(const loadctx *c, const char *key, const char *text, char **out)
{
    *out = NULL;
    ech_status st = get_text(c, key, text);
    if (st != ECH_OK)
        return st;
    char *p = resolve_path(c, text);
    FILE *f = fopen(p, "rb");
    if (!f) {
        st = key_fail(c, key, "cannot open '%s'%s%s%s: %s", text, strcmp(p, text) ? " (" : "",
                      strcmp(p, text) ? p : "", strcmp(p, text) ? ")" : "", strerror(errno));
        free(p);
        return st;
    }
    fclose(f);
    *out = p;
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Settings
 * ------------------------------------------------------------------------------ */

static ech_status build_profile(const loadctx *c, const char *key, char **values,
                                unsigned count, unsigned want, double *out)
{
    char k[256];
    if (count != want)
        return key_fail(c, key, "expected %u numbers, got %u", want, count);
    double sum = 0.0;
    for (unsigned i = 0; i < count; ++i) {
        ech_status st = get_double_min(c, kp(k, sizeof k, "%s[%u]", key, i), values[i], 0.0, 0,
                                       &out[i]);
        if (st != ECH_OK)
            return st;
        sum += out[i];
    }
    if (!(sum > 0.0))
        return key_fail(c, key, "the numbers are all 0: demand would vanish");
    /* Multipliers have mean 1, so a profile shapes demand without changing its level.
     * A profile whose mean is 1 up to rounding of the sum is kept as written. */
    if (fabs(sum - want) > 1e-9 * want)
        for (unsigned i = 0; i < count; ++i)
            out[i] = out[i] * want / sum;
    return ECH_OK;
}

static ech_status build_demand(const loadctx *c, const y_demand *y, ech_scenario *sc)
{
    ech_status st;
    char k[256];
    for (int d = 0; d < 7; ++d)
        sc->weekly[d] = 1.0;
    sc->seasons.n = 1 + (y ? (int32_t)y->seasonality_count : 0);
    sc->seasons.name = ech_xcalloc((size_t)sc->seasons.n, sizeof *sc->seasons.name,
                                   "season profile names");
    sc->seasons.monthly = ech_xcalloc((size_t)sc->seasons.n, sizeof *sc->seasons.monthly,
                                      "season profiles");
    sc->seasons.name[0] = ech_xstrdup("flat", "season profile name");
    for (int m = 0; m < 12; ++m)
        sc->seasons.monthly[0][m] = 1.0;
    if (!y)
        return ECH_OK;

    int v;
    if (y->unmet) {
        if ((st = get_choice(c, "demand.unmet", y->unmet, unmet_names, &v)) != ECH_OK)
            return st;
        sc->unmet_demand = (uint8_t)v;
    }
    if (yindex_has(&c->ix, "demand.weekly_profile") &&
        (st = build_profile(c, "demand.weekly_profile", y->weekly_profile,
                            y->weekly_profile_count, 7, sc->weekly)) != ECH_OK)
        return st;
    for (unsigned i = 0; i < y->seasonality_count; ++i) {
        const y_season *s = &y->seasonality[i];
        const char *key = kp(k, sizeof k, "demand.seasonality[%u].name", i);
        if ((st = get_text(c, key, s->name)) != ECH_OK)
            return st;
        if (strcmp(s->name, "flat") == 0)
            return key_fail(c, key, "'flat' is the built-in profile of all ones: choose another name");
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(y->seasonality[j].name, s->name) == 0)
                return key_fail(c, key, "profile '%s' is defined twice (first on line %ld)",
                                s->name,
                                key_line(c, kp((char[256]){0}, 256, "demand.seasonality[%u].name", j)));
        char mk[256];
        if ((st = build_profile(c, kp(mk, sizeof mk, "demand.seasonality[%u].monthly", i),
                                s->monthly, s->monthly_count, 12,
                                sc->seasons.monthly[i + 1])) != ECH_OK)
            return st;
        sc->seasons.name[i + 1] = ech_xstrdup(s->name, "season profile name");
    }
    return ECH_OK;
}

/* Fails for a key that a mapping lacks: the message names the missing key and the
 * line of the mapping (the key itself has no line). */
static ech_status missing_fail(const loadctx *c, const char *mapping, const char *key,
                               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static ech_status missing_fail(const loadctx *c, const char *mapping, const char *key,
                               const char *fmt, ...)
{
    char msg[ECH_ERROR_MSG_MAX], full[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "%s.%s", mapping, key);
    return ech_fail_at(c->err, c->path, key_line(c, mapping), full, "%s", msg);
}

/* A number in [lo, hi], or in (lo, hi) / [lo, hi) as the flags say. */
static ech_status get_double_range(const loadctx *c, const char *key, const char *text, double lo,
                                   int lo_open, double hi, int hi_open, const char *what,
                                   double *out)
{
    ech_status st = get_double(c, key, text, out);
    if (st != ECH_OK)
        return st;
    double v = *out;
    if ((lo_open ? !(v > lo) : !(v >= lo)) || (hi_open ? !(v < hi) : !(v <= hi)))
        return key_fail(c, key, "must be in %s%g, %g%s%s%s, got %s", lo_open ? "(" : "[", lo, hi,
                        hi_open ? ")" : "]", what[0] ? ": " : "", what, text);
    return ECH_OK;
}

/* An empirical lead time: observed whole days with optional weights, stored as the
 * pmf over [min value, max value] with its mean and sd. */
static ech_status build_empirical(const loadctx *c, const char *base, const y_lead_time *lt,
                                  ech_lead_time *out)
{
    char k[256], vk[256], wk[256];
    static const char *const computed[4] = {"mean", "sd", "min_days", "max_days"};
    const char *given[4] = {lt->mean, lt->sd, lt->min_days, lt->max_days};
    for (int i = 0; i < 4; ++i)
        if (given[i])
            return key_fail(c, kp(k, sizeof k, "%s.%s", base, computed[i]),
                            "not allowed for an empirical lead time (its mean, sd and range "
                            "come from the values)");
    kp(vk, sizeof vk, "%s.values", base);
    kp(wk, sizeof wk, "%s.weights", base);
    if (!yindex_has(&c->ix, vk))
        return missing_fail(c, base, "values", "required for an empirical lead time (the "
                            "observed lead times in days)");
    unsigned n = lt->values_count;
    if (n == 0)
        return key_fail(c, vk, "give at least one observed lead time");
    int has_weights = yindex_has(&c->ix, wk);
    if (has_weights && lt->weights_count != n)
        return key_fail(c, wk, "expected %u weights, one per value, got %u", n, lt->weights_count);

    int32_t *days = ech_xmalloc(n * sizeof *days, "empirical lead times");
    double *w = ech_xmalloc(n * sizeof *w, "empirical lead-time weights");
    ech_status st = ECH_OK;
    int32_t lo = MAX_LEAD_DAYS, hi = 0;
    double total = 0.0;
    for (unsigned i = 0; i < n && st == ECH_OK; ++i) {
        st = get_int32(c, kp(k, sizeof k, "%s[%u]", vk, i), lt->values[i], 0, MAX_LEAD_DAYS,
                       &days[i]);
        if (st == ECH_OK && has_weights)
            st = get_double_min(c, kp(k, sizeof k, "%s[%u]", wk, i), lt->weights[i], 0.0, 1, &w[i]);
        else
            w[i] = 1.0;
        if (st == ECH_OK) {
            lo = days[i] < lo ? days[i] : lo;
            hi = days[i] > hi ? days[i] : hi;
            total += w[i];
        }
    }
    if (st == ECH_OK && !isfinite(total))
        st = key_fail(c, wk, "the weights add up to more than the largest number: scale them down");
    if (st != ECH_OK) {
        free(days);
        free(w);
        return st;
    }
    int32_t span = hi - lo + 1;
    double *pmf = ech_xcalloc((size_t)span, sizeof *pmf, "empirical lead-time pmf");
    for (unsigned i = 0; i < n; ++i)
        pmf[days[i] - lo] += w[i];
    double mean = 0.0, var = 0.0;
    for (int32_t j = 0; j < span; ++j) {
        pmf[j] /= total;
        mean += (double)(lo + j) * pmf[j];
    }
    for (int32_t j = 0; j < span; ++j) {
        double dev = (double)(lo + j) - mean;
        var += dev * dev * pmf[j];
    }
    free(days);
    free(w);
    out->mean = mean;
    out->sd = sqrt(var);
    out->min_days = lo;
    out->max_days = hi;
    out->pmf = pmf;
    return ECH_OK;
}

/* A lead time at key path `base` ("suppliers[0].lead_time").  On failure *out owns
 * nothing. */
static ech_status build_lead_time(const loadctx *c, const char *base, const y_lead_time *lt,
                                  ech_lead_time *out)
{
    char k[256], mean_key[256];
    ech_status st;
    memset(out, 0, sizeof *out);
    int dist = 0;
    if ((st = get_choice(c, kp(k, sizeof k, "%s.distribution", base), lt->distribution,
                         lead_time_names, &dist)) != ECH_OK)
        return st;
    out->dist = (uint8_t)dist;
    if (dist == ECH_LT_EMPIRICAL)
        return build_empirical(c, base, lt, out);
    if (yindex_has(&c->ix, kp(k, sizeof k, "%s.values", base)) ||
        yindex_has(&c->ix, kp(k, sizeof k, "%s.weights", base))) {
        if (!yindex_has(&c->ix, kp(k, sizeof k, "%s.values", base)))
            kp(k, sizeof k, "%s.weights", base);
        return key_fail(c, k, "only for an empirical lead time (distribution: empirical)");
    }
    if (!lt->mean)
        return missing_fail(c, base, "mean", "required key is missing from %s", base);

    kp(mean_key, sizeof mean_key, "%s.mean", base);
    if ((st = get_double(c, mean_key, lt->mean, &out->mean)) != ECH_OK)
        return st;
    if (out->mean > MAX_LEAD_DAYS)
        return key_fail(c, mean_key, "must be at most %d days, got %s", MAX_LEAD_DAYS, lt->mean);
    if (dist == ECH_LT_FIXED) {
        if (!(out->mean >= 0.0) || out->mean != floor(out->mean))
            return key_fail(c, mean_key,
                            "a fixed lead time must be a whole number of days >= 0, got %s",
                            lt->mean);
        if (lt->sd)
            return key_fail(c, kp(k, sizeof k, "%s.sd", base), "not allowed for a fixed lead time");
        out->sd = 0.0;
    } else {
        if (!(out->mean > 0.0))
            return key_fail(c, mean_key, "must be > 0 days, got %s", lt->mean);
        if (!lt->sd)
            return missing_fail(c, base, "sd", "required for a %s lead time", lead_time_names[dist]);
        if ((st = get_double_min(c, kp(k, sizeof k, "%s.sd", base), lt->sd, 0.0, 1, &out->sd)) != ECH_OK)
            return st;
    }
    out->min_days = 0;
    if (lt->min_days &&
        (st = get_int32(c, kp(k, sizeof k, "%s.min_days", base), lt->min_days, 0, MAX_LEAD_DAYS,
                        &out->min_days)) != ECH_OK)
        return st;
    if (lt->max_days) {
        const char *max_key = kp(k, sizeof k, "%s.max_days", base);
        if ((st = get_int32(c, max_key, lt->max_days, 0, MAX_LEAD_DAYS, &out->max_days)) != ECH_OK)
            return st;
        if (out->max_days < out->min_days)
            return key_fail(c, max_key, "must be >= min_days (%d), got %d", out->min_days,
                            out->max_days);
    } else if (dist == ECH_LT_FIXED) {
        out->max_days = (int32_t)out->mean;
    } else {
        double m = ceil(out->mean + 10.0 * out->sd);
        out->max_days = m > MAX_LEAD_DAYS ? MAX_LEAD_DAYS : (int32_t)m;
        if (out->max_days < out->min_days)
            out->max_days = out->min_days;
    }
    if (dist == ECH_LT_FIXED && (out->mean < out->min_days || out->mean > out->max_days))
        return key_fail(c, mean_key, "a fixed lead time of %s days is outside min_days..max_days "
                        "(%d..%d)", lt->mean, out->min_days, out->max_days);
    return ECH_OK;
}

static ech_lead_time copy_lead_time(const ech_lead_time *lt)
{
    ech_lead_time c = *lt;
    if (lt->pmf) {
        size_t n = (size_t)(lt->max_days - lt->min_days + 1);
        c.pmf = ech_xmalloc(n * sizeof *c.pmf, "lead-time pmf");
        memcpy(c.pmf, lt->pmf, n * sizeof *c.pmf);
    }
    return c;
}

/* Partial deliveries, cancellations and what happens to undelivered units. */
static ech_status build_reliability(const loadctx *c, unsigned i, const y_supplier *ys,
                                    ech_reliability *r)
{
    char k[256];
    ech_status st;
    memset(r, 0, sizeof *r);
    r->shortfall = ECH_SUPPLY_BACKORDER;
    const y_partial *p = ys->partial;
    if (p) {
        if ((st = get_double_range(c, kp(k, sizeof k, "suppliers[%u].partial.probability", i),
                                   p->probability, 0.0, 0, 1.0, 0,
                                   "the probability that a shipment is partial",
                                   &r->partial_prob)) != ECH_OK ||
            (st = get_double_range(c, kp(k, sizeof k, "suppliers[%u].partial.fraction_mean", i),
                                   p->fraction_mean, 0.0, 1, 1.0, 1,
                                   "the mean delivered share of a partial shipment",
                                   &r->partial_mean)) != ECH_OK)
            return st;
        const char *sd_key = kp(k, sizeof k, "suppliers[%u].partial.fraction_sd", i);
        if ((st = get_double(c, sd_key, p->fraction_sd, &r->partial_sd)) != ECH_OK)
            return st;
        double m = r->partial_mean, limit = sqrt(m * (1.0 - m));
        if (!(r->partial_sd > 0.0 && r->partial_sd < limit))
            return key_fail(c, sd_key,
                            "must be > 0 and below sqrt(m (1 - m)) = %.4g for fraction_mean %s "
                            "(no beta distribution has a larger sd), got %s",
                            limit, p->fraction_mean, p->fraction_sd);
    }
    if (ys->cancel_probability &&
        (st = get_double_range(c, kp(k, sizeof k, "suppliers[%u].cancel_probability", i),
                               ys->cancel_probability, 0.0, 0, 1.0, 1,
                               "the probability that an order is cancelled", &r->cancel_prob)) != ECH_OK)
        return st;
    if (ys->shortfall) {
        int v;
        if ((st = get_choice(c, kp(k, sizeof k, "suppliers[%u].shortfall", i), ys->shortfall,
                             supply_shortfall_names, &v)) != ECH_OK)
            return st;
        r->shortfall = (uint8_t)v;
    }
    return ECH_OK;
}

static ech_status build_suppliers(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    if (y->suppliers_count == 0)
        return key_fail(c, "suppliers", "at least one supplier is needed");
    ech_suppliers *s = &sc->suppliers;
    s->id = ech_xcalloc(y->suppliers_count, sizeof *s->id, "supplier ids");
    s->lead_time = ech_xcalloc(y->suppliers_count, sizeof *s->lead_time, "supplier lead times");
    s->reliability = ech_xcalloc(y->suppliers_count, sizeof *s->reliability, "supplier reliability");
    char k[256];
    for (unsigned i = 0; i < y->suppliers_count; ++i) {
        const y_supplier *ys = &y->suppliers[i];
        ech_status st;
        const char *key = kp(k, sizeof k, "suppliers[%u].id", i);
        if ((st = get_text(c, key, ys->id)) != ECH_OK)
            return st;
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(y->suppliers[j].id, ys->id) == 0)
                return key_fail(c, key, "supplier '%s' is defined twice (first on line %ld)",
                                ys->id, key_line(c, kp((char[256]){0}, 256, "suppliers[%u].id", j)));
        if ((st = build_lead_time(c, kp(k, sizeof k, "suppliers[%u].lead_time", i), ys->lead_time,
                                  &s->lead_time[i])) != ECH_OK)
            return st;
        s->id[i] = ech_xstrdup(ys->id, "supplier id");
        s->n = (int32_t)i + 1;
        if ((st = build_reliability(c, i, ys, &s->reliability[i])) != ECH_OK)
            return st;
    }
    return ECH_OK;
}

/* The index of region `name`, added after the others when new. */
static int32_t region_index(ech_scenario *sc, int32_t *cap, const char *name)
{
    for (int32_t r = 0; r < sc->n_regions; ++r)
        if (strcmp(sc->region[r], name) == 0)
            return r;
    if (sc->n_regions == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        sc->region = ech_xrealloc(sc->region, (size_t)*cap * sizeof *sc->region, "region names");
    }
    sc->region[sc->n_regions] = ech_xstrdup(name, "region name");
    return sc->n_regions++;
}

/* Supplier sites and regions.  A supplier without a `sites` list has one site named
 * as the supplier, in region "default", with the supplier's lead time. */
static ech_status build_sites(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    const ech_suppliers *sup = &sc->suppliers;
    ech_sites *si = &sc->sites;
    char k[256], base[256];
    size_t total = 0;
    for (unsigned i = 0; i < y->suppliers_count; ++i) {
        const y_supplier *ys = &y->suppliers[i];
        if (ys->sites_count == 0 && yindex_has(&c->ix, kp(k, sizeof k, "suppliers[%u].sites", i)))
            return key_fail(c, k, "an empty list: give at least one site, or leave the key out "
                            "for one site named as the supplier");
        total += ys->sites_count ? ys->sites_count : 1;
    }
    si->id = ech_xcalloc(total, sizeof *si->id, "site ids");
    si->supplier = ech_xcalloc(total, sizeof *si->supplier, "site suppliers");
    si->region = ech_xcalloc(total, sizeof *si->region, "site regions");
    si->lead_time = ech_xcalloc(total, sizeof *si->lead_time, "site lead times");
    si->id_hash = ech_xcalloc(total, sizeof *si->id_hash, "site id hashes");
    long *line = ech_xcalloc(total, sizeof *line, "site lines");
    int32_t region_cap = 0;
    region_index(sc, &region_cap, "default");

    ech_status st = ECH_OK;
    for (unsigned i = 0; i < y->suppliers_count && st == ECH_OK; ++i) {
        const y_supplier *ys = &y->suppliers[i];
        if (ys->sites_count == 0) {
            int32_t n = si->n;
            si->id[n] = ech_xstrdup(sup->id[i], "site id");
            si->supplier[n] = (int32_t)i;
            si->region[n] = 0;
            si->lead_time[n] = copy_lead_time(&sup->lead_time[i]);
            si->n = n + 1;
            continue;
        }
        for (unsigned j = 0; j < ys->sites_count && st == ECH_OK; ++j) {
            const y_site *ysi = &ys->sites[j];
            kp(base, sizeof base, "suppliers[%u].sites[%u]", i, j);
            const char *id_key = kp(k, sizeof k, "%s.id", base);
            if ((st = get_text(c, id_key, ysi->id)) != ECH_OK)
                break;
            int32_t other = ech_scenario_find_supplier(sc, ysi->id);
            if (other >= 0 && other != (int32_t)i) {
                st = key_fail(c, id_key, "'%s' is the id of supplier '%s' (line %ld): a site may "
                              "share its id only with its own supplier", ysi->id, sup->id[other],
                              key_line(c, kp((char[256]){0}, 256, "suppliers[%d].id", (int)other)));
                break;
            }
            for (int32_t s = 0; s < si->n && st == ECH_OK; ++s)
                if (strcmp(si->id[s], ysi->id) == 0)
                    st = key_fail(c, id_key, "site '%s' is defined twice (first on line %ld); "
                                  "site ids are unique across all suppliers", ysi->id, line[s]);
            if (st != ECH_OK)
                break;
            int32_t region = 0;
            if (ysi->region) {
                if ((st = get_text(c, kp(k, sizeof k, "%s.region", base), ysi->region)) != ECH_OK)
                    break;
                region = region_index(sc, &region_cap, ysi->region);
            }
            ech_lead_time lt;
            if (ysi->lead_time) {
                if ((st = build_lead_time(c, kp(k, sizeof k, "%s.lead_time", base), ysi->lead_time,
                                          &lt)) != ECH_OK)
                    break;
            } else {
                lt = copy_lead_time(&sup->lead_time[i]);
            }
            int32_t n = si->n;
            si->id[n] = ech_xstrdup(ysi->id, "site id");
            si->supplier[n] = (int32_t)i;
            si->region[n] = region;
            si->lead_time[n] = lt;
            line[n] = key_line(c, kp(k, sizeof k, "%s.id", base));
            si->n = n + 1;
        }
    }
    free(line);
    for (int32_t s = 0; s < si->n; ++s)
        si->id_hash[s] = ech_hash_string(si->id[s]);
    return st;
}

static int32_t find_site(const ech_scenario *sc, const char *id)
{
    for (int32_t s = 0; s < sc->sites.n; ++s)
        if (strcmp(sc->sites.id[s], id) == 0)
            return s;
    return -1;
}

static int32_t find_region(const ech_scenario *sc, const char *name)
{
    for (int32_t r = 0; r < sc->n_regions; ++r)
        if (strcmp(sc->region[r], name) == 0)
            return r;
    return -1;
}

/* "a, b, c" of n names, cut short when long (for messages). */
static void join_list(char *buf, size_t size, char *const *names, int32_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int32_t i = 0; i < n && used + 1 < size; ++i) {
        int m = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        used += m > 0 ? (size_t)m : 0;
    }
    if (used >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

static ech_status build_disruptions(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    unsigned n = y->disruptions_count;
    if (n == 0)
        return ECH_OK;
    ech_disruptions *d = &sc->disruptions;
    d->name = ech_xcalloc(n, sizeof *d->name, "disruption names");
    d->kind = ech_xcalloc(n, sizeof *d->kind, "disruption kinds");
    d->scope = ech_xcalloc(n, sizeof *d->scope, "disruption scopes");
    d->target = ech_xcalloc(n, sizeof *d->target, "disruption targets");
    d->mtbf_days = ech_xcalloc(n, sizeof *d->mtbf_days, "disruption MTBFs");
    d->mttr_days = ech_xcalloc(n, sizeof *d->mttr_days, "disruption MTTRs");
    d->from_day = ech_xcalloc(n, sizeof *d->from_day, "disruption first days");
    d->to_day = ech_xcalloc(n, sizeof *d->to_day, "disruption last days");
    d->capacity = ech_xcalloc(n, sizeof *d->capacity, "disruption capacities");
    d->key = ech_xcalloc(n, sizeof *d->key, "disruption keys");
    d->n = (int32_t)n;

    char base[64], k[256];
    ech_status st;
    for (unsigned i = 0; i < n; ++i) {
        const y_disruption *yd = &y->disruptions[i];
        kp(base, sizeof base, "disruptions[%u]", i);
#define D_KEY(name) kp(k, sizeof k, "%s.%s", base, name)
        if ((st = get_text(c, D_KEY("name"), yd->name)) != ECH_OK)
            return st;
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(d->name[j], yd->name) == 0)
                return key_fail(c, k, "disruption '%s' is defined twice (first on line %ld)",
                                yd->name,
                                key_line(c, kp((char[256]){0}, 256, "disruptions[%u].name", j)));
        d->name[i] = ech_xstrdup(yd->name, "disruption name");
        d->key[i] = ech_hash_string(yd->name);

        int kind = 0, scope = 0;
        if ((st = get_choice(c, D_KEY("kind"), yd->kind, disruption_kind_names, &kind)) != ECH_OK ||
            (st = get_choice(c, D_KEY("scope"), yd->scope, scope_names, &scope)) != ECH_OK)
            return st;
        d->kind[i] = (uint8_t)kind;
        d->scope[i] = (uint8_t)scope;

        /* The target, looked up by the scope. */
        d->target[i] = -1;
        if (scope == ECH_SCOPE_EACH_SITE) {
            if (yd->target)
                return key_fail(c, D_KEY("target"), "not allowed with scope each_site (it "
                                "strikes every site, each on its own timeline)");
        } else {
            static const char *const what[] = {"site", "supplier", "region"};
            if (!yd->target)
                return missing_fail(c, base, "target", "required with scope %s (the %s it "
                                    "strikes)", scope_names[scope], what[scope]);
            const char *tk = D_KEY("target");
            if ((st = get_text(c, tk, yd->target)) != ECH_OK)
                return st;
            int32_t found[3] = {find_site(sc, yd->target),
                                ech_scenario_find_supplier(sc, yd->target),
                                find_region(sc, yd->target)};
            if (found[scope] < 0) {
                int other = -1;
                for (int s = 0; s < 3 && other < 0; ++s)
                    if (found[s] >= 0)
                        other = s;
                if (other < 0)
                    return key_fail(c, tk, "no site, supplier or region named '%s'", yd->target);
                return key_fail(c, tk, "'%s' is a %s, not a %s: use scope: %s, or name a %s",
                                yd->target, what[other], what[scope], scope_names[other],
                                what[scope]);
            }
            d->target[i] = found[scope];
        }

        if (kind == ECH_DISRUPT_MARKOV) {
            if (yd->from_day || yd->to_day)
                return key_fail(c, D_KEY(yd->from_day ? "from_day" : "to_day"),
                                "only for a scripted disruption (a markov one has mtbf_days and "
                                "mttr_days)");
            if (!yd->mtbf_days)
                return missing_fail(c, base, "mtbf_days", "required for a markov disruption "
                                    "(mean days up between failures)");
            if (!yd->mttr_days)
                return missing_fail(c, base, "mttr_days", "required for a markov disruption "
                                    "(mean days down)");
            if ((st = get_double_min(c, D_KEY("mtbf_days"), yd->mtbf_days, 1.0, 0,
                                     &d->mtbf_days[i])) != ECH_OK ||
                (st = get_double_min(c, D_KEY("mttr_days"), yd->mttr_days, 1.0, 0,
                                     &d->mttr_days[i])) != ECH_OK)
                return st;
        } else {
            if (yd->mtbf_days || yd->mttr_days)
                return key_fail(c, D_KEY(yd->mtbf_days ? "mtbf_days" : "mttr_days"),
                                "only for a markov disruption (a scripted one has from_day and "
                                "to_day)");
            if (!yd->from_day)
                return missing_fail(c, base, "from_day", "required for a scripted disruption "
                                    "(the first scenario day down)");
            if (!yd->to_day)
                return missing_fail(c, base, "to_day", "required for a scripted disruption "
                                    "(the first scenario day up again)");
            if ((st = get_int32(c, D_KEY("from_day"), yd->from_day, -MAX_HORIZON_DAYS,
                                MAX_HORIZON_DAYS, &d->from_day[i])) != ECH_OK ||
                (st = get_int32(c, D_KEY("to_day"), yd->to_day, -MAX_HORIZON_DAYS,
                                MAX_HORIZON_DAYS, &d->to_day[i])) != ECH_OK)
                return st;
            if (d->to_day[i] <= d->from_day[i])
                return key_fail(c, D_KEY("to_day"), "must be after from_day (%d): the site is down "
                                "on days from_day .. to_day - 1, got %d", (int)d->from_day[i],
                                (int)d->to_day[i]);
        }
        d->capacity[i] = 0.0;
        if (yd->capacity &&
            (st = get_double_range(c, D_KEY("capacity"), yd->capacity, 0.0, 0, 1.0, 1,
                                   "the share of normal supply while down (1 would be no "
                                   "disruption)", &d->capacity[i])) != ECH_OK)
            return st;
#undef D_KEY
    }
    return ECH_OK;
}

/* Letters, digits, '-', '_' and '.': a variant's name labels its results. */
static int safe_name(const char *s)
{
    if (!s[0])
        return 0;
    for (const char *p = s; *p; ++p) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return 0;
    }
    return 1;
}

static ech_status build_rule(const loadctx *c, const char *prefix, const char *kind,
                             const y_rule *y, ech_policy_rule *r);

static ech_status build_variants(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    if (!yindex_has(&c->ix, "variants"))
        return ECH_OK;
    unsigned n = y->variants_count;
    if (n == 0)
        return key_fail(c, "variants", "an empty list: give at least one variant (the first is "
                        "the baseline), or leave the key out");
    sc->variant = ech_xcalloc(n, sizeof *sc->variant, "variants");
    sc->n_variants = (int32_t)n;
    const ech_disruptions *dis = &sc->disruptions;
    char base[64], k[256], prefix[128];
    ech_status st;
    for (unsigned i = 0; i < n; ++i) {
        const y_variant *yv = &y->variants[i];
        ech_variant *v = &sc->variant[i];
        kp(base, sizeof base, "variants[%u]", i);
#define V_KEY(name) kp(k, sizeof k, "%s.%s", base, name)
        if ((st = get_text(c, V_KEY("name"), yv->name)) != ECH_OK)
            return st;
        if (!safe_name(yv->name))
            return key_fail(c, k, "'%s' is not a safe name: use letters, digits, '-', '_' and "
                            "'.' only (it labels the variant's results)", yv->name);
        for (unsigned j = 0; j < i; ++j)
            if (strcmp(sc->variant[j].name, yv->name) == 0)
                return key_fail(c, k, "variant '%s' is defined twice (first on line %ld)", yv->name,
                                key_line(c, kp((char[256]){0}, 256, "variants[%u].name", j)));
        v->name = ech_xstrdup(yv->name, "variant name");
        v->description = ech_xstrdup(yv->description ? yv->description : "", "variant description");

        /* Active disruptions: all unless listed. */
        v->disruption_active = ech_xmalloc((size_t)(dis->n > 0 ? dis->n : 1), "active disruptions");
        if (yindex_has(&c->ix, V_KEY("disruptions"))) {
            memset(v->disruption_active, 0, (size_t)(dis->n > 0 ? dis->n : 1));
            for (unsigned j = 0; j < yv->disruptions_count; ++j) {
                const char *dk = kp(k, sizeof k, "%s.disruptions[%u]", base, j);
                const char *name = yv->disruptions[j];
                if ((st = get_text(c, dk, name)) != ECH_OK)
                    return st;
                int32_t d = -1;
                for (int32_t e = 0; e < dis->n && d < 0; ++e)
                    if (strcmp(dis->name[e], name) == 0)
                        d = e;
                if (d < 0) {
                    char list[512];
                    join_list(list, sizeof list, dis->name, dis->n);
                    return key_fail(c, dk, "no disruption named '%s' (%s%s)", name,
                                    dis->n ? "the scenario's disruptions: " : "the scenario has "
                                    "no disruptions", list);
                }
                if (v->disruption_active[d])
                    return key_fail(c, dk, "disruption '%s' is listed twice", name);
                v->disruption_active[d] = 1;
            }
        } else {
            for (int32_t d = 0; d < dis->n; ++d)
                v->disruption_active[d] = 1;
        }

        v->lead_time_factor = 1.0;
        if (yv->lead_time_factor) {
            const char *fk = V_KEY("lead_time_factor");
            if ((st = get_double_min(c, fk, yv->lead_time_factor, 0.0, 1, &v->lead_time_factor)) != ECH_OK)
                return st;
            for (int32_t s = 0; s < sc->sites.n; ++s) {
                double m = sc->sites.lead_time[s].mean;
                if (m * v->lead_time_factor > MAX_LEAD_DAYS)
                    return key_fail(c, fk, "makes the mean lead time of site '%s' %g x %s = %g "
                                    "days, more than %d", sc->sites.id[s], m, yv->lead_time_factor,
                                    m * v->lead_time_factor, MAX_LEAD_DAYS);
            }
        }

        v->use_alternatives = 1;
        if (yv->alternative_sources) {
            int on = 1;
            if ((st = get_bool(c, V_KEY("alternative_sources"), yv->alternative_sources, &on)) != ECH_OK)
                return st;
            v->use_alternatives = (uint8_t)on;
        }

        v->allocation = sc->allocation;
        if (yv->allocation) {
            int a = 0;
            if ((st = get_choice(c, V_KEY("allocation"), yv->allocation, allocation_names, &a)) != ECH_OK)
                return st;
            v->allocation = (uint8_t)a;
        }

        /* A kind's rule given here replaces the scenario's rule for that kind. */
        memcpy(v->rule, sc->rule, sizeof v->rule);
        const y_policies *p = yv->policies;
        if (p) {
            kp(prefix, sizeof prefix, "%s.policies", base);
            const y_rule *given[ECH_LOC_KIND_COUNT] = {p->cw, p->dc, p->retail};
            for (int kd = 0; kd < ECH_LOC_KIND_COUNT; ++kd)
                if (given[kd] &&
                    (st = build_rule(c, prefix, kind_names[kd], given[kd], &v->rule[kd])) != ECH_OK)
                    return st;
        }
#undef V_KEY
    }
    return ECH_OK;
}

static ech_status build_costs(const loadctx *c, const y_costs *y, ech_costs *out)
{
    *out = (ech_costs){.holding_rate_per_year = 0.25};
    if (!y)
        return ECH_OK;
    struct {
        const char *key, *text;
        double *dst;
    } items[] = {
        {"costs.holding_rate_per_year", y->holding_rate_per_year, &out->holding_rate_per_year},
        {"costs.supplier_order_cost", y->supplier_order_cost, &out->supplier_order_cost},
        {"costs.internal_order_cost", y->internal_order_cost, &out->internal_order_cost},
        {"costs.backorder_cost_per_day", y->backorder_cost_per_day, &out->backorder_cost_per_day},
        {"costs.lost_sale_penalty", y->lost_sale_penalty, &out->lost_sale_penalty},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; ++i) {
        if (!items[i].text)
            continue;
        ech_status st = get_double_min(c, items[i].key, items[i].text, 0.0, 0, items[i].dst);
        if (st != ECH_OK)
            return st;
    }
    return ECH_OK;
}

static ech_policy_rule default_rule(void)
{
    return (ech_policy_rule){
        .policy = ECH_POLICY_BASE_STOCK,
        .target = ECH_TARGET_SERVICE_LEVEL,
        .review_days = 1,
        .service_level = 0.95,
        .cover_days = 0.0,
        .order_days = 7.0,
        .order_up_to = -1,
        .reorder_point = -1,
        .min_order_qty = 0,
    };
}

/* The rule for one kind of location at key path PREFIX.KIND ("policies.cw" or
 * "variants[1].policies.cw"). */
static ech_status build_rule(const loadctx *c, const char *prefix, const char *kind,
                             const y_rule *y, ech_policy_rule *r)
{
    *r = default_rule();
    if (!y)
        return ECH_OK;
    char k[256];
    ech_status st;
#define RULE_KEY(name) kp(k, sizeof k, "%s.%s.%s", prefix, kind, name)
    int type = ECH_POLICY_BASE_STOCK;
    if (y->type && (st = get_choice(c, RULE_KEY("type"), y->type, policy_names, &type)) != ECH_OK)
        return st;
    r->policy = (uint8_t)type;
    if (y->review_days &&
        (st = get_int32(c, RULE_KEY("review_days"), y->review_days, 1, MAX_LEAD_DAYS,
                        &r->review_days)) != ECH_OK)
        return st;

    /* One target rule: the first given wins the check, the second is the error. */
    const char *target_keys[3] = {"service_level", "cover_days", "order_up_to"};
    const char *target_text[3] = {y->service_level, y->cover_days, y->order_up_to};
    int first = -1;
    for (int i = 0; i < 3; ++i) {
        if (!target_text[i])
            continue;
        if (first >= 0) {
            /* Name whichever of the two comes later in the file. */
            char a[256], b[256];
            kp(a, sizeof a, "%s.%s.%s", prefix, kind, target_keys[first]);
            kp(b, sizeof b, "%s.%s.%s", prefix, kind, target_keys[i]);
            const char *later = key_line(c, a) > key_line(c, b) ? a : b;
            return key_fail(c, later, "give only one of service_level, cover_days and order_up_to "
                            "(both %s and %s are given)", target_keys[first], target_keys[i]);
        }
        first = i;
    }
    if (y->service_level) {
        if ((st = get_double(c, RULE_KEY("service_level"), y->service_level, &r->service_level)) != ECH_OK)
            return st;
        if (!(r->service_level > 0.0 && r->service_level < 1.0))
            return key_fail(c, RULE_KEY("service_level"),
                            "must be between 0 and 1, both excluded (a probability), got %s",
                            y->service_level);
        r->target = ECH_TARGET_SERVICE_LEVEL;
    } else if (y->cover_days) {
        if ((st = get_double_min(c, RULE_KEY("cover_days"), y->cover_days, 0.0, 1,
                                 &r->cover_days)) != ECH_OK)
            return st;
        r->target = ECH_TARGET_COVER_DAYS;
    } else if (y->order_up_to) {
        if ((st = get_int32(c, RULE_KEY("order_up_to"), y->order_up_to, 0, INT32_MAX,
                            &r->order_up_to)) != ECH_OK)
            return st;
        r->target = ECH_TARGET_FIXED;
    }
    if (y->order_days) {
        if (type != ECH_POLICY_S_S)
            return key_fail(c, RULE_KEY("order_days"), "only for type s_S");
        if ((st = get_double_min(c, RULE_KEY("order_days"), y->order_days, 0.0, 1,
                                 &r->order_days)) != ECH_OK)
            return st;
    }
    if (y->reorder_point) {
        if (type != ECH_POLICY_S_S || !y->order_up_to)
            return key_fail(c, RULE_KEY("reorder_point"),
                            "only for type s_S with a fixed order_up_to");
        if ((st = get_int32(c, RULE_KEY("reorder_point"), y->reorder_point, -1, INT32_MAX,
                            &r->reorder_point)) != ECH_OK)
            return st;
        if (r->reorder_point >= r->order_up_to)
            return key_fail(c, RULE_KEY("reorder_point"), "must be below order_up_to (%d), got %d",
                            r->order_up_to, r->reorder_point);
    }
    if (y->min_order_qty &&
        (st = get_int32(c, RULE_KEY("min_order_qty"), y->min_order_qty, 0, INT32_MAX,
                        &r->min_order_qty)) != ECH_OK)
        return st;
#undef RULE_KEY
    return ECH_OK;
}

/* Batches and expiry: the section's presence turns them on (written empty, with
 * every default). */
static ech_status build_expiry(const loadctx *c, const y_expiry *y, ech_expiry_rules *e)
{
    *e = (ech_expiry_rules){
        .enabled = 0,
        .min_remaining_days = 0,
        .receipt_life_min = 1.0,
        .receipt_life_max = 1.0,
        .returns = 0,
        .return_within_days = 0,
    };
    if (!yindex_has(&c->ix, "expiry"))
        return ECH_OK;
    e->enabled = 1;
    if (!y)
        return ECH_OK;
    ech_status st;
    if (y->enabled) {
        int on = 1;
        if ((st = get_bool(c, "expiry.enabled", y->enabled, &on)) != ECH_OK)
            return st;
        e->enabled = (uint8_t)on;
    }
    if (y->min_remaining_days &&
        (st = get_int32(c, "expiry.min_remaining_days", y->min_remaining_days, 0,
                        MAX_HORIZON_DAYS, &e->min_remaining_days)) != ECH_OK)
        return st;
    const y_receipt_life *r = y->receipt_life;
    if (r) {
        static const char *what = "the share of the shelf life left when a batch arrives "
                                  "from the supplier";
        if ((st = get_double_range(c, "expiry.receipt_life.min_fraction", r->min_fraction, 0.0, 1,
                                   1.0, 0, what, &e->receipt_life_min)) != ECH_OK ||
            (st = get_double_range(c, "expiry.receipt_life.max_fraction", r->max_fraction, 0.0, 1,
                                   1.0, 0, what, &e->receipt_life_max)) != ECH_OK)
            return st;
        if (e->receipt_life_min > e->receipt_life_max)
            return key_fail(c, "expiry.receipt_life.min_fraction",
                            "must be <= max_fraction (%s), got %s", r->max_fraction,
                            r->min_fraction);
    }
    if (yindex_has(&c->ix, "expiry.returns")) {
        if (!y->returns)
            return missing_fail(c, "expiry.returns", "within_days",
                                "required with returns (pharmacies return batches that expire "
                                "within this many days)");
        const char *key = "expiry.returns.within_days";
        if ((st = get_int32(c, key, y->returns->within_days, 1, MAX_HORIZON_DAYS,
                            &e->return_within_days)) != ECH_OK)
            return st;
        if (e->return_within_days <= e->min_remaining_days)
            return key_fail(c, key, "must be more than expiry.min_remaining_days (%d): a batch "
                            "with fewer days left is refused, so returns must look further "
                            "ahead, got %d", (int)e->min_remaining_days,
                            (int)e->return_within_days);
        e->returns = 1;
    }
    return ECH_OK;
}

/* Rules for controlled substances; every key optional, all 0 by default (none). */
static ech_status build_controlled(const loadctx *c, const y_controlled *y,
                                   ech_controlled_rules *r)
{
    *r = (ech_controlled_rules){0, 0.0, 0};
    if (!y)
        return ECH_OK;
    ech_status st;
    if ((y->min_days_between_orders &&
         (st = get_int32(c, "controlled.min_days_between_orders", y->min_days_between_orders, 0,
                         MAX_LEAD_DAYS, &r->min_days_between_orders)) != ECH_OK) ||
        (y->max_stock_days &&
         (st = get_double_min(c, "controlled.max_stock_days", y->max_stock_days, 0.0, 0,
                              &r->max_stock_days)) != ECH_OK) ||
        (y->extra_lead_time_days &&
         (st = get_int32(c, "controlled.extra_lead_time_days", y->extra_lead_time_days, 0,
                         MAX_LEAD_DAYS, &r->extra_lead_time_days)) != ECH_OK))
        return st;
    return ECH_OK;
}

static ech_status build_output(const loadctx *c, const y_output *y, ech_output_options *out)
{
    static const double defaults[] = {0.05, 0.5, 0.95};
    char k[256];
    if (!yindex_has(&c->ix, "output.quantiles")) {
        out->n_quantiles = 3;
        out->quantiles = ech_xmalloc(sizeof defaults, "output quantiles");
        memcpy(out->quantiles, defaults, sizeof defaults);
    } else {
        unsigned n = y->quantiles_count;
        if (n < 1 || n > MAX_QUANTILES)
            return key_fail(c, "output.quantiles", "give 1 to %d quantiles, got %u", MAX_QUANTILES, n);
        out->quantiles = ech_xmalloc(n * sizeof *out->quantiles, "output quantiles");
        out->n_quantiles = (int32_t)n;
        for (unsigned i = 0; i < n; ++i) {
            const char *key = kp(k, sizeof k, "output.quantiles[%u]", i);
            double q;
            ech_status st = get_double(c, key, y->quantiles[i], &q);
            if (st != ECH_OK)
                return st;
            if (!(q > 0.0 && q < 1.0))
                return key_fail(c, key, "must be between 0 and 1, both excluded, got %s",
                                y->quantiles[i]);
            if (i > 0 && !(q > out->quantiles[i - 1]))
                return key_fail(c, key, "quantiles must be strictly increasing: %s follows %s",
                                y->quantiles[i], y->quantiles[i - 1]);
            out->quantiles[i] = q;
        }
    }
    out->keep_replications = 0;
    if (y && y->keep_replications)
        return get_bool(c, "output.keep_replications", y->keep_replications,
                        &out->keep_replications);
    return ECH_OK;
}

static ech_status build_settings(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    ech_status st;
    if ((st = get_text(c, "name", y->name)) != ECH_OK)
        return st;
    sc->name = ech_xstrdup(y->name, "scenario name");
    sc->description = ech_xstrdup(y->description ? y->description : "", "scenario description");
    if ((st = get_uint64(c, "seed", y->seed, &sc->seed)) != ECH_OK)
        return st;
    if ((st = get_int(c, "replications", y->replications, 1, INT64_MAX, &sc->replications)) != ECH_OK)
        return st;

    const y_horizon *h = y->horizon;
    if (ech_parse_date(h->start_date, &sc->start_date) != 0)
        return key_fail(c, "horizon.start_date", "'%s' is not a valid date (expected YYYY-MM-DD)",
                        h->start_date);
    if ((st = get_int32(c, "horizon.days", h->days, 1, MAX_HORIZON_DAYS, &sc->days)) != ECH_OK)
        return st;
    sc->warmup_days = 0;
    if (h->warmup_days &&
        (st = get_int32(c, "horizon.warmup_days", h->warmup_days, 0, MAX_HORIZON_DAYS,
                        &sc->warmup_days)) != ECH_OK)
        return st;

    if ((st = build_demand(c, y->demand, sc)) != ECH_OK)
        return st;
    if (y->demand && y->demand->history &&
        (st = get_text(c, "demand.history", y->demand->history)) != ECH_OK)
        return st;

    int v;
    if (y->supply && y->supply->internal_shortfall) {
        if ((st = get_choice(c, "supply.internal_shortfall", y->supply->internal_shortfall,
                             shortfall_names, &v)) != ECH_OK)
            return st;
        sc->internal_shortfall = (uint8_t)v;
    }
    if (y->supply && y->supply->allocation) {
        if ((st = get_choice(c, "supply.allocation", y->supply->allocation, allocation_names,
                             &v)) != ECH_OK)
            return st;
        sc->allocation = (uint8_t)v;
    }
    sc->cw_reserve_share = 0.0;
    if (y->supply && y->supply->cw_reserve_share &&
        (st = get_double_range(c, "supply.cw_reserve_share", y->supply->cw_reserve_share, 0.0, 0,
                               1.0, 1, "the share of the central warehouse's order-up-to level "
                               "kept back from the pharmacies", &sc->cw_reserve_share)) != ECH_OK)
        return st;
    if ((st = build_expiry(c, y->expiry, &sc->expiry)) != ECH_OK ||
        (st = build_controlled(c, y->controlled, &sc->controlled)) != ECH_OK)
        return st;
    if ((st = build_suppliers(c, y, sc)) != ECH_OK || (st = build_sites(c, y, sc)) != ECH_OK)
        return st;
    if ((st = build_costs(c, y->costs, &sc->costs)) != ECH_OK)
        return st;
    const y_policies *p = y->policies;
    if ((st = build_rule(c, "policies", "cw", p ? p->cw : NULL, &sc->rule[ECH_LOC_CW])) != ECH_OK ||
        (st = build_rule(c, "policies", "dc", p ? p->dc : NULL, &sc->rule[ECH_LOC_DC])) != ECH_OK ||
        (st = build_rule(c, "policies", "retail", p ? p->retail : NULL,
                         &sc->rule[ECH_LOC_RETAIL])) != ECH_OK)
        return st;
    if ((st = build_disruptions(c, y, sc)) != ECH_OK || (st = build_variants(c, y, sc)) != ECH_OK)
        return st;

    const y_start *s = y->start;
    sc->start_stock = ECH_START_TARGET;
    if (s && s->stock) {
        if ((st = get_choice(c, "start.stock", s->stock, start_names, &v)) != ECH_OK)
            return st;
        sc->start_stock = (uint8_t)v;
    }
    if (sc->start_stock == ECH_START_SNAPSHOT && !(s && s->on_hand))
        return key_fail(c, "start.stock", "a snapshot start needs start.on_hand (a CSV file of "
                        "sku, location, on_hand)");
    if (sc->start_stock != ECH_START_SNAPSHOT && s && s->on_hand)
        return key_fail(c, "start.on_hand", "only read with stock: snapshot");
    if (sc->start_stock != ECH_START_SNAPSHOT && s && s->open_orders)
        return key_fail(c, "start.open_orders", "only read with stock: snapshot");

    return build_output(c, y->output, &sc->output);
}

static ech_status apply_overrides(const ech_overrides *ov, ech_scenario *sc, ech_error *err)
{
    if (!ov)
        return ECH_OK;
    if (ov->replications == 0)
        return ech_fail(err, ECH_ERR_INPUT, "command line: --replications: must be >= 1");
    if (ov->days == 0 || ov->days > MAX_HORIZON_DAYS)
        return ech_fail(err, ECH_ERR_INPUT, "command line: --days: must be between 1 and %d",
                        MAX_HORIZON_DAYS);
    if (ov->warmup_days > MAX_HORIZON_DAYS)
        return ech_fail(err, ECH_ERR_INPUT,
                        "command line: --warmup: must be between 0 and %d", MAX_HORIZON_DAYS);
    if (ov->replications > 0)
        sc->replications = ov->replications;
    if (ov->days > 0)
        sc->days = ov->days;
    if (ov->warmup_days >= 0)
        sc->warmup_days = ov->warmup_days;
    if (ov->has_seed)
        sc->seed = ov->seed;
    if (ov->keep_replications)
        sc->output.keep_replications = 1;
    return ECH_OK;
}

ech_overrides ech_overrides_none(void)
{
    return (ech_overrides){
        .replications = -1,
        .days = -1,
        .warmup_days = -1,
        .has_seed = 0,
        .seed = 0,
        .keep_replications = 0,
    };
}

/* ------------------------------------------------------------------------------
 * Network and catalogue
 * ------------------------------------------------------------------------------ */

/* How many of the given keys are present; `which` gets the first present. */
static int count_present(const loadctx *c, const char *const *keys, int n, int *which)
{
    int count = 0;
    *which = -1;
    for (int i = 0; i < n; ++i) {
        if (yindex_has(&c->ix, keys[i])) {
            if (*which < 0)
                *which = i;
            ++count;
        }
    }
    return count;
}

static ech_status parse_network_gen(const loadctx *c, const y_network_gen *y, ech_network_gen *g)
{
    *g = ech_network_gen_defaults();
    if (!y)
        return ECH_OK;
    ech_status st;
    if ((y->dcs && (st = get_int32(c, "network.generate.dcs", y->dcs, 0, 10000, &g->dcs))) ||
        (y->retail_per_dc && (st = get_int32(c, "network.generate.retail_per_dc", y->retail_per_dc,
                                             1, 1000000, &g->retail_per_dc))) ||
        (y->dc_lead_time_days &&
         (st = get_int32(c, "network.generate.dc_lead_time_days", y->dc_lead_time_days, 0,
                         MAX_LEAD_DAYS, &g->dc_lead_time_days))) ||
        (y->retail_lead_time_days &&
         (st = get_int32(c, "network.generate.retail_lead_time_days", y->retail_lead_time_days, 0,
                         MAX_LEAD_DAYS, &g->retail_lead_time_days))) ||
        (y->cw_cold_capacity_litres &&
         (st = get_double_min(c, "network.generate.cw_cold_capacity_litres",
                              y->cw_cold_capacity_litres, 0.0, 0, &g->cw_cold_capacity_litres))) ||
        (y->dc_cold_capacity_litres &&
         (st = get_double_min(c, "network.generate.dc_cold_capacity_litres",
                              y->dc_cold_capacity_litres, 0.0, 0, &g->dc_cold_capacity_litres))) ||
        (y->retail_cold_capacity_litres &&
         (st = get_double_min(c, "network.generate.retail_cold_capacity_litres",
                              y->retail_cold_capacity_litres, 0.0, 0,
                              &g->retail_cold_capacity_litres))))
        return st;
    return ECH_OK;
}

static ech_status parse_catalogue_gen(const loadctx *c, const y_catalogue_gen *y,
                                      uint64_t scenario_seed, ech_catalogue_gen *g)
{
    *g = ech_catalogue_gen_defaults();
    g->seed = scenario_seed;
    ech_status st;
    if (!y) /* written empty ("generate:") */
        return ech_fail_at(c->err, c->path, key_line(c, "catalogue.generate"),
                           "catalogue.generate.skus", "required key is missing from "
                           "catalogue.generate");
    if ((st = get_int32(c, "catalogue.generate.skus", y->skus, 1, 100000000, &g->skus)) != ECH_OK)
        return st;
    if (y->seed && (st = get_uint64(c, "catalogue.generate.seed", y->seed, &g->seed)) != ECH_OK)
        return st;
    struct {
        const char *key, *text;
        double *dst;
        int open_low; /* (0, 1] instead of [0, 1] */
    } shares[] = {
        {"catalogue.generate.fast_share", y->fast_share, &g->fast_share, 0},
        {"catalogue.generate.intermittent_share", y->intermittent_share, &g->intermittent_share, 0},
        {"catalogue.generate.cold_share", y->cold_share, &g->cold_share, 0},
        {"catalogue.generate.controlled_share", y->controlled_share, &g->controlled_share, 0},
        {"catalogue.generate.generic_share", y->generic_share, &g->generic_share, 0},
        {"catalogue.generate.assortment_density", y->assortment_density, &g->assortment_density, 1},
        {"catalogue.generate.alternative_share", y->alternative_share, &g->alternative_share, 0},
        {"catalogue.generate.display_share", y->display_share, &g->display_share, 0},
    };
    for (size_t i = 0; i < sizeof shares / sizeof shares[0]; ++i) {
        if (!shares[i].text)
            continue;
        double v;
        if ((st = get_double(c, shares[i].key, shares[i].text, &v)) != ECH_OK)
            return st;
        if (shares[i].open_low ? !(v > 0.0 && v <= 1.0) : !(v >= 0.0 && v <= 1.0))
            return key_fail(c, shares[i].key, "must be a share in %s0, 1], got %s",
                            shares[i].open_low ? "(" : "[", shares[i].text);
        *shares[i].dst = v;
    }
    if (y->alternative_premium) {
        double v;
        if ((st = get_double(c, "catalogue.generate.alternative_premium", y->alternative_premium,
                             &v)) != ECH_OK)
            return st;
        if (!(v >= 0.0 && v <= 10.0))
            return key_fail(c, "catalogue.generate.alternative_premium",
                            "must be a fraction of unit cost in [0, 10], got %s",
                            y->alternative_premium);
        g->alternative_premium = v;
    }
    return ECH_OK;
}

/* Fills an ech_row from an inline row of the scenario file. */
static void inline_row(const loadctx *c, const char *list, unsigned i, const y_row *yr,
                       const ech_csv_column *cols, int n_cols, ech_row *row, long *lines,
                       char *prefix, size_t prefix_size)
{
    char k[256];
    snprintf(prefix, prefix_size, "%s[%u].", list, i);
    row->path = c->path;
    row->line = key_line(c, kp(k, sizeof k, "%s[%u]", list, i));
    row->columns = cols;
    row->n_columns = n_cols;
    row->cell = (const char *const *)yr->cell;
    row->field_prefix = prefix;
    for (int j = 0; j < n_cols; ++j)
        lines[j] = key_line(c, kp(k, sizeof k, "%s%s", prefix, cols[j].name));
    row->cell_line = lines;
}

typedef ech_status (*row_fn)(ech_table_loader *t, const ech_row *row, ech_error *err);
typedef ech_status (*finish_fn)(ech_table_loader *t, const char *where, long line,
                                const char *key, ech_error *err);

static ech_status load_inline(const loadctx *c, ech_table_loader *t, const char *list,
                              const y_row *rows, unsigned n, const ech_csv_column *cols,
                              int n_cols, row_fn add, finish_fn finish)
{
    long lines[ECH_TABLE_MAX_COLUMNS];
    char prefix[128];
    for (unsigned i = 0; i < n; ++i) {
        ech_row row;
        inline_row(c, list, i, &rows[i], cols, n_cols, &row, lines, prefix, sizeof prefix);
        ech_status st = add(t, &row, c->err);
        if (st != ECH_OK)
            return st;
    }
    return finish(t, c->path, key_line(c, list), list, c->err);
}

/* Loads the network and the catalogue; *finalize_path names the file messages of
 * ech_scenario_finalize refer to. */
static ech_status load_tables(const loadctx *c, const y_scenario *y, ech_scenario *sc,
                              char **finalize_path)
{
    static const char *const net_keys[] = {"network.locations_file", "network.locations",
                                           "network.generate"};
    static const char *const cat_keys[] = {"catalogue.skus_file", "catalogue.skus",
                                           "catalogue.generate"};
    const y_network *yn = y->network;
    const y_catalogue *yc = y->catalogue;
    ech_status st = ECH_OK;
    int which;
    char *file = NULL;
    *finalize_path = NULL;

    int n = count_present(c, net_keys, 3, &which);
    if (n == 0)
        return key_fail(c, "network", "give one of locations_file, locations or generate");
    if (n > 1) {
        int second = -1;
        for (int i = which + 1; i < 3 && second < 0; ++i)
            if (yindex_has(&c->ix, net_keys[i]))
                second = i;
        return key_fail(c, net_keys[second], "give only one of locations_file, locations and "
                        "generate (%s is given too)", net_keys[which] + 8);
    }
    /* The catalogue: a pair of files, a pair of inline lists, or the generator. */
    int nc = count_present(c, cat_keys, 3, &which);
    int cat_which = which;
    int has_afile = yindex_has(&c->ix, "catalogue.assortment_file");
    int has_alist = yindex_has(&c->ix, "catalogue.assortment");
    if (nc == 0) {
        if (has_afile)
            return key_fail(c, "catalogue.assortment_file", "needs catalogue.skus_file too");
        if (has_alist)
            return key_fail(c, "catalogue.assortment", "needs an inline catalogue.skus list too");
        return key_fail(c, "catalogue", "give skus_file and assortment_file, skus and assortment, "
                        "or generate");
    }
    if (nc > 1) {
        int second = -1;
        for (int i = which + 1; i < 3 && second < 0; ++i)
            if (yindex_has(&c->ix, cat_keys[i]))
                second = i;
        return key_fail(c, cat_keys[second], "give only one of skus_file, skus and generate "
                        "(%s is given too)", cat_keys[which] + 10);
    }
    if (cat_which == 0 && !has_afile)
        return key_fail(c, "catalogue.skus_file", "needs catalogue.assortment_file too");
    if (cat_which == 0 && has_alist)
        return key_fail(c, "catalogue.assortment", "with skus_file, give the assortment as "
                        "assortment_file");
    if (cat_which == 1 && !has_alist)
        return key_fail(c, "catalogue.skus", "needs an inline catalogue.assortment list too");
    if (cat_which == 1 && has_afile)
        return key_fail(c, "catalogue.assortment_file", "with an inline skus list, give the "
                        "assortment inline too");
    if (cat_which == 2 && (has_afile || has_alist))
        return key_fail(c, has_afile ? "catalogue.assortment_file" : "catalogue.assortment",
                        "not used with generate (the generator makes the assortment)");

    ech_table_loader *t = ech_table_loader_new(sc);

    /* Network. */
    if (yn->locations_file) {
        if ((st = get_file(c, "network.locations_file", yn->locations_file, &file)) == ECH_OK)
            st = ech_locations_load_csv(t, file, c->err);
        *finalize_path = file;
        file = NULL;
    } else if (yindex_has(&c->ix, "network.locations")) {
        st = load_inline(c, t, "network.locations", yn->locations, yn->locations_count,
                         ech_location_columns, ECH_LOCCOL_COUNT, ech_location_row,
                         ech_locations_finish);
    } else {
        ech_network_gen g;
        if ((st = parse_network_gen(c, yn->generate, &g)) == ECH_OK)
            st = ech_generate_network(&g, sc, c->err);
    }
    if (st != ECH_OK)
        goto done;

    /* Catalogue and assortment. */
    if (cat_which == 0) {
        if ((st = get_file(c, "catalogue.skus_file", yc->skus_file, &file)) != ECH_OK)
            goto done;
        st = ech_skus_load_csv(t, file, c->err);
        free(file);
        file = NULL;
        if (st != ECH_OK)
            goto done;
        if ((st = get_file(c, "catalogue.assortment_file", yc->assortment_file, &file)) != ECH_OK)
            goto done;
        st = ech_assortment_load_csv(t, file, c->err);
        free(*finalize_path);
        *finalize_path = file;
        file = NULL;
    } else if (cat_which == 1) {
        st = load_inline(c, t, "catalogue.skus", yc->skus, yc->skus_count, ech_sku_columns,
                         ECH_SKUCOL_COUNT, ech_sku_row, ech_skus_finish);
        if (st == ECH_OK)
            st = load_inline(c, t, "catalogue.assortment", yc->assortment, yc->assortment_count,
                             ech_assortment_columns, ECH_ASSCOL_COUNT, ech_assortment_row,
                             ech_assortment_finish);
    } else {
        ech_catalogue_gen g;
        uint64_t file_seed = sc->seed;
        if (ech_parse_uint64(y->seed, &file_seed) != ECH_PARSE_OK)
            file_seed = sc->seed;
        if ((st = parse_catalogue_gen(c, yc->generate, file_seed, &g)) == ECH_OK)
            st = ech_generate_catalogue(&g, sc, c->err);
    }
done:
    free(file);
    ech_table_loader_free(t);
    return st;
}

/* ------------------------------------------------------------------------------
 * The load chain
 * ------------------------------------------------------------------------------ */

static ech_status read_text(const char *path, char **text, size_t *len, ech_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ech_fail(err, ECH_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = ech_xmalloc(cap, "scenario text");
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = ech_xrealloc(buf, cap, "scenario text");
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return ech_fail(err, ECH_ERR_INPUT, "%s: cannot read", path);
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        free(buf);
        return ech_fail(err, ECH_ERR_INPUT, "%s: contains a NUL byte: not a YAML text file", path);
    }
    *text = buf;
    *len = n;
    return ECH_OK;
}

static cyaml_config_t cyaml_config(cyaml_log_text *log)
{
    return (cyaml_config_t){
        .log_fn = capture_cyaml_log,
        .log_ctx = log,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_WARNING,
        .flags = CYAML_CFG_DEFAULT,
    };
}

/* Parses the text against the schema.  *doc is NULL for an empty document. */
static ech_status parse_document(const char *path, const yindex *ix, const char *text,
                                 size_t len, y_scenario **doc, ech_error *err)
{
    cyaml_log_text log = {.len = 0};
    log.s[0] = '\0';
    cyaml_config_t cfg = cyaml_config(&log);
    *doc = NULL;
    cyaml_err_t rc = cyaml_load_data((const uint8_t *)text, len, &cfg, &scenario_schema,
                                     (cyaml_data_t **)doc, NULL);
    if (rc == CYAML_ERR_OOM)
        return ech_fail(err, ECH_ERR_RUNTIME, "%s: out of memory while parsing", path);
    if (rc != CYAML_OK)
        return cyaml_failure(path, ix, &log, rc, err);
    return ECH_OK;
}

static void free_document(y_scenario *doc)
{
    if (doc) {
        cyaml_log_text log = {.len = 0};
        cyaml_config_t cfg = cyaml_config(&log);
        cyaml_free(&cfg, &scenario_schema, doc, 0);
    }
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ech_xstrdup("", "scenario directory");
    size_t n = (size_t)(slash - path) + 1;
    char *d = ech_xmalloc(n + 1, "scenario directory");
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

ech_status ech_scenario_load(const char *path, const ech_overrides *ov, ech_scenario *sc,
                             ech_error *err)
{
    memset(sc, 0, sizeof *sc);
    ech_error_clear(err);
    ech_error local;
    if (!err)
        err = &local;

    loadctx c = {.path = path, .dir = dir_of(path), .ix = {0}, .err = err};
    y_scenario *doc = NULL;
    char *text = NULL, *finalize_path = NULL, *file = NULL;
    size_t len = 0;
    ech_status st = read_text(path, &text, &len, err);
    if (st != ECH_OK)
        goto fail;
    sc->source_path = ech_xstrdup(path, "scenario path");
    sc->source_text = text;

    if ((st = yindex_build(&c.ix, path, text, len, err)) != ECH_OK)
        goto fail;
    if ((st = parse_document(path, &c.ix, text, len, &doc, err)) != ECH_OK)
        goto fail;
    if (!doc) {
        st = ech_fail_at(err, path, 0, NULL,
                         "the file is empty: a scenario needs at least name, seed, replications, "
                         "horizon, suppliers, network and catalogue");
        goto fail;
    }

    if ((st = build_settings(&c, doc, sc)) != ECH_OK)
        goto fail;
    if ((st = apply_overrides(ov, sc, err)) != ECH_OK)
        goto fail;
    if ((st = load_tables(&c, doc, sc, &finalize_path)) != ECH_OK)
        goto fail;
    if ((st = ech_scenario_finalize(sc, finalize_path ? finalize_path : path, err)) != ECH_OK)
        goto fail;

    if (sc->start_stock == ECH_START_SNAPSHOT) {
        if ((st = get_file(&c, "start.on_hand", doc->start->on_hand, &file)) != ECH_OK ||
            (st = ech_on_hand_load_csv(sc, file, err)) != ECH_OK)
            goto fail;
        free(file);
        file = NULL;
        if (doc->start->open_orders &&
            ((st = get_file(&c, "start.open_orders", doc->start->open_orders, &file)) != ECH_OK ||
             (st = ech_open_orders_load_csv(sc, file, err)) != ECH_OK))
            goto fail;
        free(file);
        file = NULL;
    }
    if (doc->demand && doc->demand->history &&
        ((st = get_file(&c, "demand.history", doc->demand->history, &file)) != ECH_OK ||
         (st = ech_history_load_csv(sc, file, err)) != ECH_OK))
        goto fail;
    free(file);
    file = NULL;

    if ((st = ech_policy_resolve(sc, err)) != ECH_OK)
        goto fail;

    free(finalize_path);
    free_document(doc);
    yindex_free(&c.ix);
    free(c.dir);
    return ECH_OK;

fail:
    /* source_text is owned by the scenario once set; before that, by `text`. */
    if (!sc->source_text)
        free(text);
    free(file);
    free(finalize_path);
    free_document(doc);
    yindex_free(&c.ix);
    free(c.dir);
    ech_scenario_free(sc);
    if (st == ECH_OK)
        st = ECH_ERR_RUNTIME;
    return st;
}

/* ------------------------------------------------------------------------------
 * The resolved scenario as YAML text
 * ------------------------------------------------------------------------------ */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        b->cap = 2 * b->cap + (size_t)n;
        b->s = ech_xrealloc(b->s, b->cap, "resolved scenario text");
    }
}

/* A double-quoted YAML string. */
static void sb_quoted(sbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; ++p) {
        if (*p == '"' || *p == '\\')
            sb_printf(b, "\\%c", *p);
        else if (*p == '\n')
            sb_printf(b, "\\n");
        else if (*p == '\t')
            sb_printf(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            sb_printf(b, "\\x%02x", *p);
        else
            sb_printf(b, "%c", *p);
    }
    sb_printf(b, "\"");
}

/* The shortest decimal that reads back as the same double. */
static void sb_num(sbuf *b, double v)
{
    char buf[40];
    if (v == floor(v) && fabs(v) < 1e15) {
        sb_printf(b, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; ++prec) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    sb_printf(b, "%s", buf);
}

static void sb_num_list(sbuf *b, const double *v, int n)
{
    sb_printf(b, "[");
    for (int i = 0; i < n; ++i) {
        if (i)
            sb_printf(b, ", ");
        sb_num(b, v[i]);
    }
    sb_printf(b, "]");
}

/* One kind's rule, its key indented by `ind` spaces. */
static void sb_rule(sbuf *b, int ind, const char *kind, const ech_policy_rule *r)
{
    int in = ind + 2;
    sb_printf(b, "%*s%s:\n%*stype: %s\n%*sreview_days: %d\n", ind, "", kind, in, "",
              r->policy < 2 ? policy_names[r->policy] : "?", in, "", (int)r->review_days);
    switch (r->target) {
    case ECH_TARGET_SERVICE_LEVEL:
        sb_printf(b, "%*sservice_level: ", in, "");
        sb_num(b, r->service_level);
        sb_printf(b, "\n");
        break;
    case ECH_TARGET_COVER_DAYS:
        sb_printf(b, "%*scover_days: ", in, "");
        sb_num(b, r->cover_days);
        sb_printf(b, "\n");
        break;
    default:
        sb_printf(b, "%*sorder_up_to: %d\n", in, "", (int)r->order_up_to);
        if (r->policy == ECH_POLICY_S_S && r->reorder_point != -1)
            sb_printf(b, "%*sreorder_point: %d\n", in, "", (int)r->reorder_point);
        break;
    }
    if (r->policy == ECH_POLICY_S_S) {
        sb_printf(b, "%*sorder_days: ", in, "");
        sb_num(b, r->order_days);
        sb_printf(b, "\n");
    }
    sb_printf(b, "%*smin_order_qty: %d\n", in, "", (int)r->min_order_qty);
}

/* A lead time as simulated ("lead_time:" at indent `ind`): an empirical one as its
 * pmf over min_days..max_days. */
static void sb_lead_time(sbuf *b, int ind, const ech_lead_time *lt)
{
    int in = ind + 2;
    sb_printf(b, "%*slead_time:\n%*sdistribution: %s\n%*smean: ", ind, "", in, "",
              lt->dist < 4 ? lead_time_names[lt->dist] : "?", in, "");
    sb_num(b, lt->mean);
    if (lt->dist != ECH_LT_FIXED) {
        sb_printf(b, "\n%*ssd: ", in, "");
        sb_num(b, lt->sd);
    }
    sb_printf(b, "\n%*smin_days: %d\n%*smax_days: %d\n", in, "", (int)lt->min_days, in, "",
              (int)lt->max_days);
    if (lt->dist == ECH_LT_EMPIRICAL && lt->pmf) {
        /* The pmf's support and its probabilities (the days with mass only). */
        int32_t n = lt->max_days - lt->min_days + 1;
        sb_printf(b, "%*svalues: [", in, "");
        for (int32_t j = 0, first = 1; j < n; ++j)
            if (lt->pmf[j] > 0.0) {
                sb_printf(b, "%s%d", first ? "" : ", ", (int)(lt->min_days + j));
                first = 0;
            }
        sb_printf(b, "]\n%*sweights: [", in, "");
        for (int32_t j = 0, first = 1; j < n; ++j)
            if (lt->pmf[j] > 0.0) {
                sb_printf(b, "%s", first ? "" : ", ");
                sb_num(b, lt->pmf[j]);
                first = 0;
            }
        sb_printf(b, "]\n");
    }
}

/* Suppliers with their reliability and sites, the regions and the disruptions, as
 * simulated. */
static void sb_supply_model(sbuf *b, const ech_scenario *sc)
{
    const ech_suppliers *sup = &sc->suppliers;
    const ech_sites *si = &sc->sites;
    sb_printf(b, "suppliers:\n");
    for (int32_t i = 0; i < sup->n; ++i) {
        sb_printf(b, "  - id: ");
        sb_quoted(b, sup->id[i]);
        sb_printf(b, "\n");
        sb_lead_time(b, 4, &sup->lead_time[i]);
        if (sup->reliability) {
            const ech_reliability *r = &sup->reliability[i];
            if (r->partial_prob > 0.0) {
                sb_printf(b, "    partial: {probability: ");
                sb_num(b, r->partial_prob);
                sb_printf(b, ", fraction_mean: ");
                sb_num(b, r->partial_mean);
                sb_printf(b, ", fraction_sd: ");
                sb_num(b, r->partial_sd);
                sb_printf(b, "}\n");
            }
            sb_printf(b, "    cancel_probability: ");
            sb_num(b, r->cancel_prob);
            sb_printf(b, "\n    shortfall: %s\n",
                      r->shortfall < 2 ? supply_shortfall_names[r->shortfall] : "?");
        }
        sb_printf(b, "    sites:\n");
        for (int32_t s = 0; s < si->n; ++s) {
            if (si->supplier[s] != i)
                continue;
            sb_printf(b, "      - id: ");
            sb_quoted(b, si->id[s]);
            sb_printf(b, "\n        region: ");
            sb_quoted(b, si->region[s] >= 0 && si->region[s] < sc->n_regions
                             ? sc->region[si->region[s]] : "?");
            sb_printf(b, "\n");
            sb_lead_time(b, 8, &si->lead_time[s]);
        }
    }
    sb_printf(b, "regions: [");
    for (int32_t r = 0; r < sc->n_regions; ++r) {
        sb_printf(b, "%s", r ? ", " : "");
        sb_quoted(b, sc->region[r]);
    }
    sb_printf(b, "]\n");

    const ech_disruptions *d = &sc->disruptions;
    sb_printf(b, "disruptions:%s\n", d->n ? "" : " []");
    for (int32_t i = 0; i < d->n; ++i) {
        sb_printf(b, "  - name: ");
        sb_quoted(b, d->name[i]);
        sb_printf(b, "\n    kind: %s\n    scope: %s\n",
                  d->kind[i] < 2 ? disruption_kind_names[d->kind[i]] : "?",
                  d->scope[i] < 4 ? scope_names[d->scope[i]] : "?");
        const char *target = NULL;
        int32_t t = d->target[i];
        if (d->scope[i] == ECH_SCOPE_SITE && t >= 0 && t < si->n)
            target = si->id[t];
        else if (d->scope[i] == ECH_SCOPE_SUPPLIER && t >= 0 && t < sup->n)
            target = sup->id[t];
        else if (d->scope[i] == ECH_SCOPE_REGION && t >= 0 && t < sc->n_regions)
            target = sc->region[t];
        if (target) {
            sb_printf(b, "    target: ");
            sb_quoted(b, target);
            sb_printf(b, "\n");
        }
        if (d->kind[i] == ECH_DISRUPT_MARKOV) {
            sb_printf(b, "    mtbf_days: ");
            sb_num(b, d->mtbf_days[i]);
            sb_printf(b, "\n    mttr_days: ");
            sb_num(b, d->mttr_days[i]);
            sb_printf(b, "\n");
        } else {
            sb_printf(b, "    from_day: %d\n    to_day: %d\n", (int)d->from_day[i],
                      (int)d->to_day[i]);
        }
        sb_printf(b, "    capacity: ");
        sb_num(b, d->capacity[i]);
        sb_printf(b, "\n");
    }

}

/* Batches and expiry, and the rules for controlled substances. */
static void sb_expiry_controlled(sbuf *b, const ech_scenario *sc)
{
    const ech_expiry_rules *e = &sc->expiry;
    sb_printf(b, "expiry:\n  enabled: %s\n  min_remaining_days: %d\n  receipt_life: "
                 "{min_fraction: ", e->enabled ? "true" : "false", (int)e->min_remaining_days);
    sb_num(b, e->receipt_life_min);
    sb_printf(b, ", max_fraction: ");
    sb_num(b, e->receipt_life_max);
    sb_printf(b, "}\n");
    if (e->returns)
        sb_printf(b, "  returns: {enabled: true, within_days: %d}\n", (int)e->return_within_days);
    else
        sb_printf(b, "  returns: {enabled: false}\n");
    const ech_controlled_rules *r = &sc->controlled;
    sb_printf(b, "controlled:\n  min_days_between_orders: %d\n  max_stock_days: ",
              (int)r->min_days_between_orders);
    sb_num(b, r->max_stock_days);
    sb_printf(b, "\n  extra_lead_time_days: %d\n", (int)r->extra_lead_time_days);
}

/* The variants, each with its disruptions, factor, allocation and rules. */
static void sb_variants(sbuf *b, const ech_scenario *sc)
{
    const ech_disruptions *d = &sc->disruptions;
    sb_printf(b, "variants:%s\n", sc->n_variants ? "" : " []");
    for (int32_t v = 0; v < sc->n_variants; ++v) {
        const ech_variant *vt = &sc->variant[v];
        sb_printf(b, "  - name: ");
        sb_quoted(b, vt->name);
        sb_printf(b, "\n");
        if (vt->description && vt->description[0]) {
            sb_printf(b, "    description: ");
            sb_quoted(b, vt->description);
            sb_printf(b, "\n");
        }
        sb_printf(b, "    disruptions: [");
        int first = 1;
        for (int32_t i = 0; i < d->n; ++i) {
            if (!vt->disruption_active || !vt->disruption_active[i])
                continue;
            sb_printf(b, "%s", first ? "" : ", ");
            sb_quoted(b, d->name[i]);
            first = 0;
        }
        sb_printf(b, "]\n    lead_time_factor: ");
        sb_num(b, vt->lead_time_factor);
        sb_printf(b, "\n    alternative_sources: %s", vt->use_alternatives ? "true" : "false");
        sb_printf(b, "\n    allocation: %s\n    policies:\n",
                  vt->allocation < ECH_ALLOC_COUNT ? allocation_names[vt->allocation] : "?");
        for (int k = 0; k < ECH_LOC_KIND_COUNT; ++k)
            sb_rule(b, 6, kind_names[k], &vt->rule[k]);
    }
}

char *ech_scenario_resolved_text(const ech_scenario *sc)
{
    sbuf b = {ech_xmalloc(4096, "resolved scenario text"), 0, 4096};
    b.s[0] = '\0';
    char date[11];

    /* Where the tables came from is only in the file: read it again (it loaded
     * before, so this cannot fail in a way that matters; on failure the sources are
     * left out). */
    y_scenario *doc = NULL;
    loadctx c = {.path = sc->source_path ? sc->source_path : "",
                 .dir = dir_of(sc->source_path ? sc->source_path : ""),
                 .ix = {0},
                 .err = NULL};
    ech_error ignored;
    c.err = &ignored;
    if (sc->source_text) {
        size_t len = strlen(sc->source_text);
        if (yindex_build(&c.ix, c.path, sc->source_text, len, &ignored) != ECH_OK ||
            parse_document(c.path, &c.ix, sc->source_text, len, &doc, &ignored) != ECH_OK)
            doc = NULL;
    }

    sb_printf(&b, "# The scenario as simulated: every setting after defaults and command-line "
                  "overrides.\nname: ");
    sb_quoted(&b, sc->name);
    sb_printf(&b, "\n");
    if (sc->description && sc->description[0]) {
        sb_printf(&b, "description: ");
        sb_quoted(&b, sc->description);
        sb_printf(&b, "\n");
    }
    sb_printf(&b, "source: ");
    sb_quoted(&b, sc->source_path);
    sb_printf(&b, "\nseed: %" PRIu64 "\nreplications: %" PRId64 "\n", sc->seed, sc->replications);
    ech_format_date(sc->start_date, date);
    sb_printf(&b, "horizon:\n  start_date: %s\n  days: %d\n  warmup_days: %d\n", date,
              (int)sc->days, (int)sc->warmup_days);
    ech_format_date(sc->start_date + sc->days - 1, date);
    sb_printf(&b, "  last_date: %s\n", date);

    sb_printf(&b, "demand:\n  unmet: %s\n  weekly_profile: ",
              sc->unmet_demand < 2 ? unmet_names[sc->unmet_demand] : "?");
    sb_num_list(&b, sc->weekly, 7);
    sb_printf(&b, "\n  seasonality:\n");
    for (int32_t i = 0; i < sc->seasons.n; ++i) {
        sb_printf(&b, "    - name: ");
        sb_quoted(&b, sc->seasons.name[i]);
        sb_printf(&b, "\n      monthly: ");
        sb_num_list(&b, sc->seasons.monthly[i], 12);
        sb_printf(&b, "\n");
    }
    if (doc && doc->demand && doc->demand->history) {
        sb_printf(&b, "  history: ");
        sb_quoted(&b, doc->demand->history);
        sb_printf(&b, "\n");
    }
    sb_printf(&b, "  replayed_skulocs: %d\n", (int)sc->replay.n);

    sb_printf(&b, "supply:\n  internal_shortfall: %s\n  allocation: %s\n",
              sc->internal_shortfall < 2 ? shortfall_names[sc->internal_shortfall] : "?",
              sc->allocation < ECH_ALLOC_COUNT ? allocation_names[sc->allocation] : "?");
    sb_printf(&b, "  cw_reserve_share: ");
    sb_num(&b, sc->cw_reserve_share);
    sb_printf(&b, "\n");
    sb_expiry_controlled(&b, sc);
    sb_supply_model(&b, sc);
    sb_printf(&b, "costs:\n  holding_rate_per_year: ");
    sb_num(&b, sc->costs.holding_rate_per_year);
    sb_printf(&b, "\n  supplier_order_cost: ");
    sb_num(&b, sc->costs.supplier_order_cost);
    sb_printf(&b, "\n  internal_order_cost: ");
    sb_num(&b, sc->costs.internal_order_cost);
    sb_printf(&b, "\n  backorder_cost_per_day: ");
    sb_num(&b, sc->costs.backorder_cost_per_day);
    sb_printf(&b, "\n  lost_sale_penalty: ");
    sb_num(&b, sc->costs.lost_sale_penalty);
    sb_printf(&b, "\npolicies:\n");
    for (int k = 0; k < ECH_LOC_KIND_COUNT; ++k)
        sb_rule(&b, 2, kind_names[k], &sc->rule[k]);
    sb_variants(&b, sc);

    sb_printf(&b, "start:\n  stock: %s\n", sc->start_stock < 2 ? start_names[sc->start_stock] : "?");
    if (doc && doc->start && doc->start->on_hand) {
        sb_printf(&b, "  on_hand: ");
        sb_quoted(&b, doc->start->on_hand);
        sb_printf(&b, "\n");
    }
    if (doc && doc->start && doc->start->open_orders) {
        sb_printf(&b, "  open_orders: ");
        sb_quoted(&b, doc->start->open_orders);
        sb_printf(&b, "\n");
    }
    sb_printf(&b, "  open_order_count: %" PRId64 "\n", sc->open_orders.n);

    int32_t by_kind[ECH_LOC_KIND_COUNT] = {0};
    for (int32_t i = 0; i < sc->net.n; ++i)
        if (sc->net.kind[i] < ECH_LOC_KIND_COUNT)
            by_kind[sc->net.kind[i]]++;
    sb_printf(&b, "network:\n");
    if (doc && doc->network && doc->network->locations_file) {
        sb_printf(&b, "  source: locations_file\n  locations_file: ");
        sb_quoted(&b, doc->network->locations_file);
        sb_printf(&b, "\n");
    } else if (doc && yindex_has(&c.ix, "network.generate")) {
        ech_network_gen g;
        if (parse_network_gen(&c, doc->network->generate, &g) == ECH_OK) {
            sb_printf(&b, "  source: generate\n  generate: {dcs: %d, retail_per_dc: %d, "
                          "dc_lead_time_days: %d, retail_lead_time_days: %d, "
                          "cw_cold_capacity_litres: ",
                      (int)g.dcs, (int)g.retail_per_dc, (int)g.dc_lead_time_days,
                      (int)g.retail_lead_time_days);
            sb_num(&b, g.cw_cold_capacity_litres);
            sb_printf(&b, ", dc_cold_capacity_litres: ");
            sb_num(&b, g.dc_cold_capacity_litres);
            sb_printf(&b, ", retail_cold_capacity_litres: ");
            sb_num(&b, g.retail_cold_capacity_litres);
            sb_printf(&b, "}\n");
        }
    } else if (doc) {
        sb_printf(&b, "  source: inline\n");
    }
    sb_printf(&b, "  locations: %d\n  cw: %d\n  dcs: %d\n  retail: %d\n", (int)sc->net.n,
              (int)by_kind[ECH_LOC_CW], (int)by_kind[ECH_LOC_DC], (int)by_kind[ECH_LOC_RETAIL]);
    /* Declared cold-room volume, summed by kind of location. */
    double cold[ECH_LOC_KIND_COUNT] = {0.0};
    for (int32_t i = 0; sc->net.cold_capacity_litres && i < sc->net.n; ++i)
        if (sc->net.kind[i] < ECH_LOC_KIND_COUNT)
            cold[sc->net.kind[i]] += sc->net.cold_capacity_litres[i];
    sb_printf(&b, "  cold_capacity_litres: {cw: ");
    sb_num(&b, cold[ECH_LOC_CW]);
    sb_printf(&b, ", dc: ");
    sb_num(&b, cold[ECH_LOC_DC]);
    sb_printf(&b, ", retail: ");
    sb_num(&b, cold[ECH_LOC_RETAIL]);
    sb_printf(&b, "}\n");

    sb_printf(&b, "catalogue:\n");
    if (doc && doc->catalogue && doc->catalogue->skus_file) {
        sb_printf(&b, "  source: files\n  skus_file: ");
        sb_quoted(&b, doc->catalogue->skus_file);
        sb_printf(&b, "\n  assortment_file: ");
        sb_quoted(&b, doc->catalogue->assortment_file);
        sb_printf(&b, "\n");
    } else if (doc && doc->catalogue && doc->catalogue->generate &&
               yindex_has(&c.ix, "catalogue.generate")) {
        ech_catalogue_gen g;
        uint64_t file_seed = 0;
        if (ech_parse_uint64(doc->seed, &file_seed) == ECH_PARSE_OK &&
            parse_catalogue_gen(&c, doc->catalogue->generate, file_seed, &g) == ECH_OK) {
            sb_printf(&b, "  source: generate\n  generate:\n    skus: %d\n    seed: %" PRIu64 "\n",
                      (int)g.skus, g.seed);
            struct {
                const char *name;
                double v;
            } shares[] = {{"fast_share", g.fast_share},
                          {"intermittent_share", g.intermittent_share},
                          {"cold_share", g.cold_share},
                          {"controlled_share", g.controlled_share},
                          {"generic_share", g.generic_share},
                          {"assortment_density", g.assortment_density},
                          {"alternative_share", g.alternative_share},
                          {"alternative_premium", g.alternative_premium},
                          {"display_share", g.display_share}};
            for (size_t i = 0; i < sizeof shares / sizeof shares[0]; ++i) {
                sb_printf(&b, "    %s: ", shares[i].name);
                sb_num(&b, shares[i].v);
                sb_printf(&b, "\n");
            }
        }
    } else if (doc) {
        sb_printf(&b, "  source: inline\n");
    }
    sb_printf(&b, "  skus: %d\n  skulocs: %" PRId64 "\n  segments: [", (int)sc->cat.n, sc->sl.n);
    for (int32_t i = 0; i < sc->n_segments; ++i) {
        if (i)
            sb_printf(&b, ", ");
        sb_quoted(&b, sc->segment[i]);
    }
    sb_printf(&b, "]\noutput:\n  quantiles: ");
    sb_num_list(&b, sc->output.quantiles, sc->output.n_quantiles);
    sb_printf(&b, "\n  keep_replications: %s\n", sc->output.keep_replications ? "true" : "false");

    free_document(doc);
    yindex_free(&c.ix);
    free(c.dir);
    return b.s;
}
