/* The model's enumerations, each declared once with the words users write for its
 * values.
 *
 * Every list below gives, per value, the symbol, the word (as written in scenario
 * files, CSV columns, results-file attributes, the resolved scenario text and the
 * summary) and a short meaning.  The enum and its name table come from the same
 * list, so the loader, the results writer and the summary cannot disagree on a
 * name.  The numeric values are stored in results files: never renumber, only add
 * at the end.
 */
#ifndef ECHELON_ENUMS_H
#define ECHELON_ENUMS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(symbol, word, meaning) */
#define ECH_LOCATION_KINDS(X)                                                             \
    X(CW, "cw", "central warehouse")                                                      \
    X(DC, "dc", "regional distribution centre")                                           \
    X(RETAIL, "retail", "pharmacy or hospital: where customer demand arises")

#define ECH_UNMET_RULES(X)                                                                \
    X(LOST, "lost", "unmet customer demand is lost (default at pharmacies)")              \
    X(BACKORDER, "backorder", "unmet customer demand waits and is served first later")

#define ECH_SHORTFALL_RULES(X)                                                            \
    X(BACKORDER, "backorder", "what a parent cannot ship stays owed to the child")        \
    X(CUT, "cut", "what a parent cannot ship today is cancelled")

#define ECH_ALLOCATION_RULES(X)                                                           \
    X(FAIR_SHARE, "fair_share", "in proportion to what each child is owed")               \
    X(PRIORITY, "priority", "children in order of location priority, then name")         \
    X(ALPHABETICAL, "alphabetical", "children in order of location name (a baseline)")    \
    X(LOST_MARGIN, "lost_margin",                                                         \
      "unit by unit to the child whose expected lost sales over its coverage horizon "   \
      "drop most")

#define ECH_DEMAND_DISTS(X)                                                               \
    X(NONE, "none", "not a demand point (an upstream location)")                          \
    X(POISSON, "poisson", "Poisson")                                                      \
    X(NEGBIN, "negbin", "negative binomial: variance = var_ratio x mean")                 \
    X(REPLAY, "replay", "replayed from a history file, the same in every replication")

#define ECH_POLICY_KINDS(X)                                                               \
    X(BASE_STOCK, "base_stock", "order up to S on review days (s = S - 1)")               \
    X(S_S, "s_S", "(s, S): if the position is at or below s, order up to S")

#define ECH_TARGET_RULES(X)                                                               \
    X(SERVICE_LEVEL, "service_level", "S from the demand quantile over lead time + review") \
    X(COVER_DAYS, "cover_days", "S = mean daily demand x cover days")                     \
    X(FIXED, "fixed", "S and s given as numbers")

/* How a forecast-driven rule forecasts (policies: forecast.method). */
#define ECH_FORECAST_METHODS(X)                                                              \
    X(NONE, "none", "targets fixed before the run")                                          \
    X(MOVING_AVERAGE, "moving_average", "mean of the last weeks' sales (today's practice)") \
    X(MODEL, "model", "the demand model's seasonal forecast, its level from recent sales")

#define ECH_STORAGE_CLASSES(X)                                                            \
    X(AMBIENT, "ambient", "room temperature")                                             \
    X(COLD, "cold", "cold chain (2-8 C): occupies cold-room volume")

#define ECH_HANDLING_CLASSES(X)                                                           \
    X(NORMAL, "normal", "no special handling")                                            \
    X(CONTROLLED, "controlled", "controlled substance: order cadence, cap, slower lanes")

#define ECH_SUBSTITUTIONS(X)                                                              \
    X(UNIQUE, "unique", "no substitute: a single source")                                 \
    X(GENERIC, "generic", "has generics: may have an alternative source")

#define ECH_SUBST_ORDERS(X)                                                               \
    X(CHEAPEST, "cheapest", "the substitute with the lowest unit_price first")            \
    X(PREFERRED, "preferred", "the substitute with the lowest substitution_rank first")   \
    X(ANY, "any", "the substitute with the most stock on hand first")

#define ECH_START_STOCKS(X)                                                               \
    X(TARGET, "target", "every SKU-location starts at its order-up-to level")            \
    X(SNAPSHOT, "snapshot", "on hand and open orders from an ERP extract")

#define ECH_SUPPLY_SHORTFALLS(X)                                                          \
    X(BACKORDER, "backorder", "what a supplier does not deliver stays owed")              \
    X(CANCEL, "cancel", "what a supplier does not deliver is cancelled")

#define ECH_ALT_RULES(X)                                                                  \
    X(NONE, "none", "no alternative source (unique drugs)")                               \
    X(SWITCH, "switch", "order from the alternative while the primary site is down")      \
    X(SPLIT, "split", "a fixed share of every order goes to the alternative")

#define ECH_LEAD_TIME_DISTS(X)                                                            \
    X(FIXED, "fixed", "always round(mean)")                                               \
    X(GAMMA, "gamma", "gamma with the given mean and sd")                                 \
    X(LOGNORMAL, "lognormal", "lognormal with the given mean and sd")                     \
    X(EMPIRICAL, "empirical", "observed values with weights")

#define ECH_DISRUPTION_KINDS(X)                                                           \
    X(MARKOV, "markov", "alternating up and down spells, geometric in days")              \
    X(SCRIPTED, "scripted", "down over fixed scenario days [from_day, to_day)")

#define ECH_DISRUPTION_SCOPES(X)                                                          \
    X(SITE, "site", "one site")                                                           \
    X(SUPPLIER, "supplier", "every site of one supplier, together")                       \
    X(REGION, "region", "every site in one region, together (a correlated event)")        \
    X(EACH_SITE, "each_site", "every site, each with its own independent timeline")

#define ECH_TUNE_OBJECTIVES(X)                                                            \
    X(COST, "cost", "least expected total cost, shortage costs included")                 \
    X(SERVICE, "service", "least expected cost without shortage costs meeting fill-rate targets")

/* Supply contracts (scenario.h, ech_contract_terms). */
#define ECH_COMMITMENT_KINDS(X)                                                           \
    X(TAKE_OR_PAY, "take_or_pay", "the committed minimum is paid for, taken or not")      \
    X(PENALTY, "penalty", "a penalty per unit short of the committed minimum")

#define ECH_ABOVE_CONTRACT_RULES(X)                                                       \
    X(SPOT, "spot", "beyond the contract, bought spot at a premium and a longer lead time") \
    X(NONE, "none", "beyond the contract, nothing can be had (the order is refused)")

#define ECH_UNNEEDED_RULES(X)                                                             \
    X(DELIVER, "deliver", "committed units not ordered are delivered on schedule and held") \
    X(PAY, "pay", "committed units not ordered are paid for and not delivered")

#define ECH_SCHEDULES(X)                                                                  \
    X(MONTHLY, "monthly", "the committed minimum is due in equal monthly shares")         \
    X(QUARTERLY, "quarterly", "the committed minimum is due in equal quarterly shares")

#define ECH_ENUM_LOC(sym, word, meaning) ECH_LOC_##sym,
#define ECH_ENUM_UNMET(sym, word, meaning) ECH_UNMET_##sym,
#define ECH_ENUM_SHORTFALL(sym, word, meaning) ECH_SHORTFALL_##sym,
#define ECH_ENUM_ALLOC(sym, word, meaning) ECH_ALLOC_##sym,
#define ECH_ENUM_DEMAND(sym, word, meaning) ECH_DEMAND_##sym,
#define ECH_ENUM_POLICY(sym, word, meaning) ECH_POLICY_##sym,
#define ECH_ENUM_TARGET(sym, word, meaning) ECH_TARGET_##sym,
#define ECH_ENUM_FORECAST(sym, word, meaning) ECH_FORECAST_##sym,
#define ECH_ENUM_STORAGE(sym, word, meaning) ECH_STORAGE_##sym,
#define ECH_ENUM_HANDLING(sym, word, meaning) ECH_HANDLING_##sym,
#define ECH_ENUM_SUBST(sym, word, meaning) ECH_SUBST_##sym,
#define ECH_ENUM_START(sym, word, meaning) ECH_START_##sym,
#define ECH_ENUM_SUBST_ORDER(sym, word, meaning) ECH_SUBST_ORDER_##sym,
#define ECH_ENUM_SUPPLY(sym, word, meaning) ECH_SUPPLY_##sym,
#define ECH_ENUM_ALT(sym, word, meaning) ECH_ALT_##sym,
#define ECH_ENUM_LT(sym, word, meaning) ECH_LT_##sym,
#define ECH_ENUM_DISRUPT(sym, word, meaning) ECH_DISRUPT_##sym,
#define ECH_ENUM_SCOPE(sym, word, meaning) ECH_SCOPE_##sym,
#define ECH_ENUM_TUNE(sym, word, meaning) ECH_TUNE_##sym,
#define ECH_ENUM_COMMIT(sym, word, meaning) ECH_COMMIT_##sym,
#define ECH_ENUM_ABOVE(sym, word, meaning) ECH_ABOVE_##sym,
#define ECH_ENUM_UNNEEDED(sym, word, meaning) ECH_UNNEEDED_##sym,
#define ECH_ENUM_SCHEDULE(sym, word, meaning) ECH_SCHEDULE_##sym,

typedef enum ech_location_kind { ECH_LOCATION_KINDS(ECH_ENUM_LOC) ECH_LOC_KIND_COUNT } ech_location_kind;
typedef enum ech_unmet_demand { ECH_UNMET_RULES(ECH_ENUM_UNMET) ECH_UNMET_COUNT } ech_unmet_demand;
typedef enum ech_internal_shortfall {
    ECH_SHORTFALL_RULES(ECH_ENUM_SHORTFALL) ECH_SHORTFALL_COUNT
} ech_internal_shortfall;
typedef enum ech_allocation_rule { ECH_ALLOCATION_RULES(ECH_ENUM_ALLOC) ECH_ALLOC_COUNT } ech_allocation_rule;
typedef enum ech_demand_dist { ECH_DEMAND_DISTS(ECH_ENUM_DEMAND) ECH_DEMAND_COUNT } ech_demand_dist;
typedef enum ech_policy_kind { ECH_POLICY_KINDS(ECH_ENUM_POLICY) ECH_POLICY_COUNT } ech_policy_kind;
typedef enum ech_target_rule { ECH_TARGET_RULES(ECH_ENUM_TARGET) ECH_TARGET_COUNT } ech_target_rule;
typedef enum ech_forecast_method {
    ECH_FORECAST_METHODS(ECH_ENUM_FORECAST) ECH_FORECAST_COUNT
} ech_forecast_method;
typedef enum ech_storage_class { ECH_STORAGE_CLASSES(ECH_ENUM_STORAGE) ECH_STORAGE_COUNT } ech_storage_class;
typedef enum ech_handling_class {
    ECH_HANDLING_CLASSES(ECH_ENUM_HANDLING) ECH_HANDLING_COUNT
} ech_handling_class;
typedef enum ech_substitution { ECH_SUBSTITUTIONS(ECH_ENUM_SUBST) ECH_SUBST_COUNT } ech_substitution;
typedef enum ech_subst_order {
    ECH_SUBST_ORDERS(ECH_ENUM_SUBST_ORDER) ECH_SUBST_ORDER_COUNT
} ech_subst_order;
typedef enum ech_start_stock { ECH_START_STOCKS(ECH_ENUM_START) ECH_START_COUNT } ech_start_stock;
typedef enum ech_supply_shortfall {
    ECH_SUPPLY_SHORTFALLS(ECH_ENUM_SUPPLY) ECH_SUPPLY_COUNT
} ech_supply_shortfall;
typedef enum ech_alt_rule { ECH_ALT_RULES(ECH_ENUM_ALT) ECH_ALT_COUNT } ech_alt_rule;
typedef enum ech_lead_time_dist { ECH_LEAD_TIME_DISTS(ECH_ENUM_LT) ECH_LT_COUNT } ech_lead_time_dist;
typedef enum ech_disruption_kind {
    ECH_DISRUPTION_KINDS(ECH_ENUM_DISRUPT) ECH_DISRUPT_COUNT
} ech_disruption_kind;
typedef enum ech_disruption_scope {
    ECH_DISRUPTION_SCOPES(ECH_ENUM_SCOPE) ECH_SCOPE_COUNT
} ech_disruption_scope;
typedef enum ech_tune_objective { ECH_TUNE_OBJECTIVES(ECH_ENUM_TUNE) ECH_TUNE_COUNT } ech_tune_objective;
typedef enum ech_commitment_kind { ECH_COMMITMENT_KINDS(ECH_ENUM_COMMIT) ECH_COMMIT_COUNT } ech_commitment_kind;
typedef enum ech_above_contract { ECH_ABOVE_CONTRACT_RULES(ECH_ENUM_ABOVE) ECH_ABOVE_COUNT } ech_above_contract;
typedef enum ech_unneeded_rule { ECH_UNNEEDED_RULES(ECH_ENUM_UNNEEDED) ECH_UNNEEDED_COUNT } ech_unneeded_rule;
typedef enum ech_schedule { ECH_SCHEDULES(ECH_ENUM_SCHEDULE) ECH_SCHEDULE_COUNT } ech_schedule;

/* In a skuloc's policy column before ech_policy_resolve: use the location kind's rule. */
#define ECH_POLICY_FROM_RULE 0xff

/* A reorder point that was not given (in a skuloc's column or a rule): S - 1.  Not
 * -1, which is a reorder point like any other (order only when the position is
 * negative). */
#define ECH_REORDER_NOT_GIVEN INT32_MIN

/* The words of one enumeration, in value order. */
typedef struct ech_enum {
    const char *what;              /* what the values are, for messages ("allocation rule") */
    int count;
    const char *const *words;      /* count words and a NULL */
    const char *const *meanings;   /* count meanings */
} ech_enum;

extern const ech_enum ech_location_kind_enum, ech_unmet_enum, ech_shortfall_enum,
    ech_allocation_enum, ech_demand_dist_enum, ech_policy_enum, ech_target_rule_enum,
    ech_forecast_method_enum,
    ech_storage_enum, ech_handling_enum, ech_substitution_enum, ech_subst_order_enum,
    ech_start_stock_enum,
    ech_supply_shortfall_enum, ech_alt_rule_enum, ech_lead_time_dist_enum,
    ech_disruption_kind_enum, ech_disruption_scope_enum, ech_tune_objective_enum,
    ech_commitment_enum, ech_above_contract_enum, ech_unneeded_enum, ech_schedule_enum;

/* The word of a value; "unknown" for a value outside the enumeration. */
const char *ech_enum_word(const ech_enum *e, int value);

/* The value of a word (exact match), or -1. */
int ech_enum_parse(const ech_enum *e, const char *word);

/* "w0, w1, w2" of the values from `first` on (for messages listing the choices). */
void ech_enum_list(const ech_enum *e, int first, char *buf, unsigned long size);

/* "0=w0,1=w1,..." (the `codes` attribute of an enum column in the results file). */
void ech_enum_codes(const ech_enum *e, char *buf, unsigned long size);

#ifdef __cplusplus
}
#endif

#endif
