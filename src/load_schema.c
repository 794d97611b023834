/* The scenario file as libcyaml loads it: every scalar as text, NULL when absent.
 * See load.h for how the loader's parts fit together and scenarios/README.md for
 * every key. */
#include "load.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_REQ(key, st, m) \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, st, m, 0, CYAML_UNLIMITED)
#define STR_OPT(key, st, m) \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, m, 0, CYAML_UNLIMITED)
#define MAP_REQ(key, st, m, fields) CYAML_FIELD_MAPPING_PTR(key, CYAML_FLAG_POINTER, st, m, fields)
/* An optional mapping may also be written empty ("demand:"), which means absent. */
#define MAP_OPT(key, st, m, fields) \
    CYAML_FIELD_MAPPING_PTR(key, CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL, st, m, fields)
#define SEQ_OPT(key, st, m, entry)                                                            \
    CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL, st, m, entry, 0, \
                         CYAML_UNLIMITED)
#define SEQ_REQ(key, st, m, entry) \
    CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER, st, m, entry, 0, CYAML_UNLIMITED)
/* An optional list that, when given, must be a list: written empty ("values:") it is
 * an error rather than "absent", where absent and empty mean different things. */
#define SEQ_LIST(key, st, m, entry)                                                      \
    CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, m, entry, 0, \
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

static const cyaml_schema_field_t weekly_fields[] = {
    STR_REQ("name", y_weekly, name),
    SEQ_REQ("daily", y_weekly, daily, &text_entry),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t weekly_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_weekly, weekly_fields),
};

/* An inline event: every column optional here, checked as a CSV row is. */
#define EVENT_CELL(name_, i)                                                                       \
    {                                                                                              \
        .key = name_, .data_offset = (uint32_t)(offsetof(y_event, cell) + (i) * sizeof(char *)),   \
        .value = {                                                                                 \
            CYAML_VALUE_STRING(CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, char, 0, CYAML_UNLIMITED) \
        }                                                                                          \
    }
static const cyaml_schema_field_t event_fields[] = {
    EVENT_CELL("name", 0),     EVENT_CELL("start_date", 1), EVENT_CELL("end_date", 2),
    EVENT_CELL("uplift", 3),   EVENT_CELL("sku", 4),        EVENT_CELL("group", 5),
    EVENT_CELL("location", 6), EVENT_CELL("region", 7),     CYAML_FIELD_END,
};
#undef EVENT_CELL
static const cyaml_schema_value_t event_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_event, event_fields),
};
static const cyaml_schema_field_t substitution_fields[] = {
    STR_REQ("share", y_substitution, share),
    STR_OPT("order", y_substitution, order),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t demand_fields[] = {
    STR_OPT("unmet", y_demand, unmet),
    MAP_OPT("substitution", y_demand, substitution, substitution_fields),
    SEQ_OPT("weekly_profile", y_demand, weekly_profile, &text_entry),
    SEQ_OPT("seasonality", y_demand, seasonality, &season_entry),
    SEQ_OPT("weekly_profiles", y_demand, weekly_profiles, &weekly_entry),
    STR_OPT("profiles_file", y_demand, profiles_file),
    SEQ_LIST("events", y_demand, events, &event_entry),
    STR_OPT("events_file", y_demand, events_file),
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

static const cyaml_schema_field_t express_fields[] = {
    STR_REQ("lead_time_days", y_express, lead_time_days),
    STR_OPT("premium", y_express, premium),
    STR_OPT("shipment_cost", y_express, shipment_cost),
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
    MAP_OPT("express", y_supplier, express, express_fields),
    SEQ_LIST("sites", y_supplier, sites, &site_entry),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t supplier_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_supplier, supplier_fields),
};

static const cyaml_schema_field_t kind_rate_fields[] = {
    STR_OPT("cw", y_kind_rates, cw),
    STR_OPT("dc", y_kind_rates, dc),
    STR_OPT("retail", y_kind_rates, retail),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t costs_fields[] = {
    STR_OPT("holding_rate_per_year", y_costs, holding_rate_per_year),
    STR_OPT("supplier_order_cost", y_costs, supplier_order_cost),
    STR_OPT("internal_order_cost", y_costs, internal_order_cost),
    STR_OPT("backorder_cost_per_day", y_costs, backorder_cost_per_day),
    STR_OPT("lost_sale_penalty", y_costs, lost_sale_penalty),
    MAP_OPT("holding_rate_by_kind", y_costs, holding_rate_by_kind, kind_rate_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t forecast_fields[] = {
    STR_REQ("method", y_forecast, method),
    STR_OPT("weeks", y_forecast, weeks),
    STR_OPT("uplift", y_forecast, uplift),
    STR_OPT("smoothing", y_forecast, smoothing),
    STR_OPT("position", y_forecast, position),
    STR_OPT("round_to", y_forecast, round_to),
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
    MAP_OPT("forecast", y_rule, forecast, forecast_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t segment_policies_fields[] = {
    STR_OPT("segment", y_segment_policies, segment),
    MAP_OPT("cw", y_segment_policies, cw, rule_fields),
    MAP_OPT("dc", y_segment_policies, dc, rule_fields),
    MAP_OPT("retail", y_segment_policies, retail, rule_fields),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t segment_policies_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_segment_policies, segment_policies_fields),
};

static const cyaml_schema_field_t policies_fields[] = {
    MAP_OPT("cw", y_policies, cw, rule_fields),
    MAP_OPT("dc", y_policies, dc, rule_fields),
    MAP_OPT("retail", y_policies, retail, rule_fields),
    SEQ_LIST("by_segment", y_policies, by_segment, &segment_policies_entry),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t disruption_fields[] = {
    STR_REQ("name", y_disruption, name),           STR_REQ("kind", y_disruption, kind),
    STR_REQ("scope", y_disruption, scope),         STR_OPT("target", y_disruption, target),
    STR_OPT("mtbf_days", y_disruption, mtbf_days), STR_OPT("mttr_days", y_disruption, mttr_days),
    STR_OPT("from_day", y_disruption, from_day),   STR_OPT("to_day", y_disruption, to_day),
    STR_OPT("capacity", y_disruption, capacity),   CYAML_FIELD_END,
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
    MAP_OPT("supplier_fill", y_variant, supplier_fill, partial_fields),
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

/* Inline rows: one optional text field per input column of the table, at the
 * column's index (table_load.h).  Made from the column declarations on first use. */
static cyaml_schema_field_t location_row_fields[ECH_TABLE_MAX_COLUMNS + 1];
static cyaml_schema_field_t sku_row_fields[ECH_TABLE_MAX_COLUMNS + 1];
static cyaml_schema_field_t assortment_row_fields[ECH_TABLE_MAX_COLUMNS + 1];
static const cyaml_schema_value_t location_row_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_row, location_row_fields),
};
static const cyaml_schema_value_t sku_row_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_row, sku_row_fields),
};
static const cyaml_schema_value_t assortment_row_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_row, assortment_row_fields),
};

static void row_fields(const ech_table *t, cyaml_schema_field_t *fields)
{
    int n = 0;
    for (int c = 0; c < t->n_columns && c < ECH_TABLE_MAX_COLUMNS; ++c) {
        if (!t->column[c].input)
            continue;
        fields[n++] = (cyaml_schema_field_t){
            .key = t->column[c].input,
            .data_offset = (uint32_t)(offsetof(y_row, cell) + (size_t)c * sizeof(char *)),
            .value = {CYAML_VALUE_STRING(CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, char, 0,
                                         CYAML_UNLIMITED)},
        };
    }
    fields[n] = (cyaml_schema_field_t)CYAML_FIELD_END;
}

static void init_row_schemas(void)
{
    static int done;
    if (done)
        return;
    _Static_assert((int)ECH_NETCOL_COUNT <= (int)ECH_TABLE_MAX_COLUMNS,
                   "too many location columns");
    _Static_assert((int)ECH_CATCOL_COUNT <= (int)ECH_TABLE_MAX_COLUMNS, "too many SKU columns");
    _Static_assert((int)ECH_SLCOL_COUNT <= (int)ECH_TABLE_MAX_COLUMNS,
                   "too many assortment columns");
    row_fields(&ech_network_table, location_row_fields);
    row_fields(&ech_catalogue_table, sku_row_fields);
    row_fields(&ech_skuloc_table, assortment_row_fields);
    done = 1;
}

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
    STR_OPT("targets_file", y_catalogue, targets_file),
    STR_OPT("demand_file", y_catalogue, demand_file),
    SEQ_OPT("skus", y_catalogue, skus, &sku_row_entry),
    SEQ_OPT("assortment", y_catalogue, assortment, &assortment_row_entry),
    MAP_OPT("generate", y_catalogue, generate, catalogue_gen_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t output_fields[] = {
    SEQ_OPT("quantiles", y_output, quantiles, &text_entry),
    STR_OPT("keep_replications", y_output, keep_replications),
    STR_OPT("stock_bands", y_output, stock_bands),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t segment_target_fields[] = {
    STR_REQ("segment", y_segment_target, segment),
    STR_REQ("fill_rate", y_segment_target, fill_rate),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t segment_target_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_segment_target, segment_target_fields),
};

static const cyaml_schema_field_t location_budget_fields[] = {
    STR_REQ("location", y_location_budget, location),
    STR_REQ("budget", y_location_budget, budget),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t location_budget_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_location_budget, location_budget_fields),
};

static const cyaml_schema_field_t tuning_fields[] = {
    STR_OPT("objective", y_tuning, objective),
    STR_OPT("fill_rate", y_tuning, fill_rate),
    SEQ_LIST("fill_rate_by_segment", y_tuning, fill_rate_by_segment, &segment_target_entry),
    STR_OPT("replications", y_tuning, replications),
    STR_OPT("max_replications", y_tuning, max_replications),
    STR_OPT("significance", y_tuning, significance),
    STR_OPT("tolerance", y_tuning, tolerance),
    STR_OPT("max_evaluations", y_tuning, max_evaluations),
    STR_OPT("budget", y_tuning, budget),
    STR_OPT("cold_room_exceed_share", y_tuning, cold_room_exceed_share),
    SEQ_LIST("budget_by_location", y_tuning, budget_by_location, &location_budget_entry),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t tier_fields[] = {
    STR_REQ("from_units", y_tier, from_units),
    STR_OPT("unit_price", y_tier, unit_price),
    STR_OPT("discount", y_tier, discount),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t tier_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_tier, tier_fields),
};

static const cyaml_schema_field_t contract_fields[] = {
    STR_REQ("supplier", y_contract, supplier),
    STR_OPT("sku", y_contract, sku),
    STR_OPT("committed_units", y_contract, committed_units),
    STR_OPT("commitment", y_contract, commitment),
    STR_OPT("shortfall_penalty", y_contract, shortfall_penalty),
    STR_OPT("flex", y_contract, flex),
    STR_OPT("capacity_units", y_contract, capacity_units),
    STR_OPT("above_capacity", y_contract, above_capacity),
    STR_OPT("spot_premium", y_contract, spot_premium),
    STR_OPT("spot_lead_time_days", y_contract, spot_lead_time_days),
    STR_OPT("unneeded", y_contract, unneeded),
    STR_OPT("schedule", y_contract, schedule),
    SEQ_LIST("tiers", y_contract, tiers, &tier_entry),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t contract_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_contract, contract_fields),
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
    MAP_OPT("tuning", y_scenario, tuning, tuning_fields),
    SEQ_OPT("contracts", y_scenario, contracts, &contract_entry),
    CYAML_FIELD_END,
};

const cyaml_schema_value_t ech_yaml_scenario_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_scenario, scenario_fields),
};

/* ------------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------------ */

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    ech_yaml_log *log = ctx;
    if (level < CYAML_LOG_WARNING || log->len >= sizeof log->s - 1)
        return;
    int n = vsnprintf(log->s + log->len, sizeof log->s - log->len, fmt, args);
    if (n > 0)
        log->len += (size_t)n < sizeof log->s - log->len ? (size_t)n : sizeof log->s - log->len - 1;
}

/* libcyaml grows a list by one entry at a time (realloc to (n + 1) x entry size), so
 * a list of n entries costs O(n^2) bytes copied wherever realloc moves the block
 * (AddressSanitizer's always does: 40,000 entries took 40 s).  This allocator keeps
 * every block at a power-of-two capacity, with the capacity in a header, so growing
 * is amortised linear whatever the C library does. */
typedef union {
    size_t capacity;
    max_align_t align;
} block_head;

static void *amortised_mem(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    block_head *head = ptr ? (block_head *)ptr - 1 : NULL;
    if (size == 0) {
        free(head);
        return NULL;
    }
    if (head && size <= head->capacity)
        return ptr;
    size_t capacity = 16;
    while (capacity < size) {
        if (capacity > (SIZE_MAX - sizeof *head) / 2)
            return NULL;
        capacity *= 2;
    }
    block_head *grown = realloc(head, sizeof *head + capacity);
    if (!grown)
        return NULL; /* libcyaml reports it as out of memory; the old block stays valid */
    grown->capacity = capacity;
    return grown + 1;
}

cyaml_config_t ech_yaml_config(ech_yaml_log *log)
{
    return (cyaml_config_t){
        .log_fn = capture_log,
        .log_ctx = log,
        .mem_fn = amortised_mem,
        .log_level = CYAML_LOG_WARNING,
        .flags = CYAML_CFG_DEFAULT,
    };
}

ech_status ech_yaml_parse(const char *path, const ech_yaml_index *ix, const char *text, size_t len,
                          y_scenario **doc, ech_error *err)
{
    init_row_schemas();
    ech_yaml_log log = {.len = 0};
    log.s[0] = '\0';
    cyaml_config_t cfg = ech_yaml_config(&log);
    *doc = NULL;
    cyaml_err_t rc = cyaml_load_data((const uint8_t *)text, len, &cfg, &ech_yaml_scenario_schema,
                                     (cyaml_data_t **)doc, NULL);
    if (rc == CYAML_ERR_OOM)
        return ech_fail(err, ECH_ERR_RUNTIME, "%s: out of memory while parsing", path);
    if (rc != CYAML_OK) {
        *doc = NULL;
        return ech_yaml_failure(path, ix, &log, rc, err);
    }
    return ECH_OK;
}

void ech_yaml_free(y_scenario *doc)
{
    if (doc) {
        ech_yaml_log log = {.len = 0};
        cyaml_config_t cfg = ech_yaml_config(&log);
        cyaml_free(&cfg, &ech_yaml_scenario_schema, doc, 0);
    }
}
