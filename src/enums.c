/* The name tables of the model's enumerations; see include/echelon/enums.h. */
#include "echelon/enums.h"

#include <stdio.h>
#include <string.h>

#define WORD(sym, word, meaning) word,
#define MEANING(sym, word, meaning) meaning,
#define ENUM_TABLE(var, what, list)                                                      \
    static const char *const var##_words[] = {list(WORD) NULL};                          \
    static const char *const var##_meanings[] = {list(MEANING)};                         \
    const ech_enum var = {what, (int)(sizeof var##_meanings / sizeof var##_meanings[0]), \
                          var##_words, var##_meanings};

ENUM_TABLE(ech_location_kind_enum, "location kind", ECH_LOCATION_KINDS)
ENUM_TABLE(ech_unmet_enum, "unmet demand rule", ECH_UNMET_RULES)
ENUM_TABLE(ech_shortfall_enum, "internal shortfall rule", ECH_SHORTFALL_RULES)
ENUM_TABLE(ech_allocation_enum, "allocation rule", ECH_ALLOCATION_RULES)
ENUM_TABLE(ech_demand_dist_enum, "demand distribution", ECH_DEMAND_DISTS)
ENUM_TABLE(ech_policy_enum, "policy", ECH_POLICY_KINDS)
ENUM_TABLE(ech_target_rule_enum, "target rule", ECH_TARGET_RULES)
ENUM_TABLE(ech_forecast_method_enum, "forecast method", ECH_FORECAST_METHODS)
ENUM_TABLE(ech_storage_enum, "storage class", ECH_STORAGE_CLASSES)
ENUM_TABLE(ech_handling_enum, "handling class", ECH_HANDLING_CLASSES)
ENUM_TABLE(ech_substitution_enum, "substitution", ECH_SUBSTITUTIONS)
ENUM_TABLE(ech_subst_order_enum, "substitution order", ECH_SUBST_ORDERS)
ENUM_TABLE(ech_start_stock_enum, "start stock", ECH_START_STOCKS)
ENUM_TABLE(ech_supply_shortfall_enum, "supplier shortfall rule", ECH_SUPPLY_SHORTFALLS)
ENUM_TABLE(ech_alt_rule_enum, "alternative-source rule", ECH_ALT_RULES)
ENUM_TABLE(ech_lead_time_dist_enum, "lead-time distribution", ECH_LEAD_TIME_DISTS)
ENUM_TABLE(ech_disruption_kind_enum, "disruption kind", ECH_DISRUPTION_KINDS)
ENUM_TABLE(ech_disruption_scope_enum, "disruption scope", ECH_DISRUPTION_SCOPES)
ENUM_TABLE(ech_tune_objective_enum, "tuning objective", ECH_TUNE_OBJECTIVES)
ENUM_TABLE(ech_commitment_enum, "commitment", ECH_COMMITMENT_KINDS)
ENUM_TABLE(ech_above_contract_enum, "rule beyond the contract", ECH_ABOVE_CONTRACT_RULES)
ENUM_TABLE(ech_unneeded_enum, "rule for unneeded committed units", ECH_UNNEEDED_RULES)
ENUM_TABLE(ech_schedule_enum, "delivery schedule", ECH_SCHEDULES)

const char *ech_enum_word(const ech_enum *e, int value)
{
    return value >= 0 && value < e->count ? e->words[value] : "unknown";
}

int ech_enum_parse(const ech_enum *e, const char *word)
{
    for (int i = 0; word && i < e->count; ++i)
        if (strcmp(e->words[i], word) == 0)
            return i;
    return -1;
}

void ech_enum_list(const ech_enum *e, int first, char *buf, unsigned long size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (int i = first; i < e->count && used < size; ++i) {
        int m = snprintf(buf + used, size - used, "%s%s", i > first ? ", " : "", e->words[i]);
        used += m > 0 ? (size_t)m : 0;
    }
}

void ech_enum_codes(const ech_enum *e, char *buf, unsigned long size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (int i = 0; i < e->count && used < size; ++i) {
        int m = snprintf(buf + used, size - used, "%s%d=%s", i ? "," : "", i, e->words[i]);
        used += m > 0 ? (size_t)m : 0;
    }
}
