/* The key performance indicators: one table, used by the engine (which fills them),
 * the output writer (dataset names, units and descriptions) and the summary.
 *
 * Per SKU-location KPIs are computed per replication over the measured days (the
 * warm-up is left out) and summarised across replications (mean, standard deviation,
 * quantiles).  At a demand point "demand" is customer demand; at an upstream
 * location it is the quantity its child locations ordered from it.
 *
 * Totals are per replication over all SKU-locations of the network or of a segment.
 * They are integers (units, and money in fixed point of ECH_MONEY_SCALE per currency
 * unit) so that sums over SKUs are exact and therefore the same in any order, which
 * is what makes results bitwise identical for any number of ranks and threads.
 */
#ifndef ECHELON_KPI_H
#define ECHELON_KPI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(ENUM, name, units, description) */
#define ECH_KPI_LIST(X)                                                                       \
    X(FILL_RATE, "fill_rate", "1",                                                           \
      "share of demand met from stock on the day it arose (1 when there was no demand)")     \
    X(CYCLE_SERVICE_LEVEL, "cycle_service_level", "1",                                       \
      "share of review cycles in which all demand was met on the day it arose")              \
    X(STOCKOUT_DAYS, "stockout_days", "day",                                                 \
      "days that ended with nothing on hand or with demand not met")                         \
    X(DEMAND, "demand_units", "unit",                                                        \
      "units demanded: customer demand at demand points, child orders upstream")             \
    X(LOST, "lost_units", "unit",                                                            \
      "units of demand lost: lost sales at demand points, cut shipments upstream")           \
    X(BACKORDERED, "backordered_units", "unit",                                              \
      "units of demand not met on the day they arose and left owed")                         \
    X(MEAN_ON_HAND, "mean_on_hand_units", "unit", "mean end-of-day stock on hand")           \
    X(MEAN_ON_HAND_VALUE, "mean_on_hand_value", "currency",                                  \
      "mean end-of-day stock on hand valued at unit cost")                                   \
    X(DAYS_OF_SUPPLY, "days_of_supply", "day",                                               \
      "mean on hand divided by the expected daily outflow (NaN when that is zero)")          \
    X(ORDERS, "orders", "1",                                                                \
      "replenishment orders placed (at the warehouse also deliveries a contract pushed)")                                  \
    X(ORDERED, "ordered_units", "unit", "units ordered")                                     \
    X(HOLDING_COST, "holding_cost", "currency",                                              \
      "holding rate x unit cost x on-hand unit-days / 365")                                  \
    X(ORDERING_COST, "ordering_cost", "currency", "orders x order cost of the lane")         \
    X(SHORTAGE_COST, "shortage_cost", "currency",                                            \
      "lost units x (margin + lost-sale penalty) + backordered unit-days x backorder cost")  \
    X(TOTAL_COST, "total_cost", "currency",                                                  \
      "holding + ordering + shortage + sourcing premium + write-off (expired value) + "       \
      "contract cost")                                                                       \
    X(START_ON_HAND, "start_on_hand_units", "unit", "stock on hand when measurement starts") \
    X(RECEIVED, "received_units", "unit", "units received from the parent or supplier")      \
    X(SOLD, "sold_units", "unit", "units handed to customers (backorders included)")         \
    X(SHIPPED, "shipped_units", "unit", "units shipped to child locations")                  \
    X(END_ON_HAND, "end_on_hand_units", "unit", "stock on hand at the end")                  \
    X(START_IN_TRANSIT, "start_in_transit_units", "unit",                                    \
      "units on the way to this location when measurement starts")                           \
    X(END_IN_TRANSIT, "end_in_transit_units", "unit", "units on the way at the end")          \
    X(SUPPLIER_CANCELLED, "supplier_cancelled_units", "unit",                                \
      "units the supplier cancelled (orders, and shortfalls under the cancel rule)")         \
    X(SUPPLIER_DELAYED, "supplier_delayed_units", "unit",                                    \
      "units the supplier did not ship when due (partial shipments, disruptions)")           \
    X(ALT_ORDERED, "alternative_source_units", "unit",                                       \
      "units ordered from the alternative source")                                           \
    X(SOURCING_PREMIUM, "sourcing_premium_cost", "currency",                                 \
      "alternative-source units x premium x unit cost")                                     \
    X(DISRUPTED_DAYS, "supply_disrupted_days", "day",                                        \
      "days the SKU's primary source was disrupted (capacity below normal)")                \
    X(RECOVERY_DAYS, "recovery_days", "day",                                                 \
      "longest time from the end of a supply disruption to the start of 14 days in a row "  \
      "without unmet demand (0 without disruptions)")                                        \
    X(EXPIRED, "expired_units", "unit", "units written off at expiry")                        \
    X(EXPIRED_VALUE, "expired_value", "currency", "expired units x unit cost")                \
    X(WRITE_OFF_SHARE, "write_off_share", "1",                                               \
      "expired units / (expired + sold + shipped + returned units); 0 without outflow")     \
    X(MEAN_AGE, "mean_age_days", "day",                                                      \
      "mean days since the units on hand entered the network (received at the central "     \
      "warehouse); NaN without batch-tracked stock")                                         \
    X(MEAN_REMAINING_LIFE, "mean_remaining_life_days", "day",                                \
      "mean days of shelf life left of the units on hand; NaN without batch-tracked stock")  \
    X(RETURNED, "returned_units", "unit",                                                    \
      "near-expiry units sent back to the central warehouse")                                \
    X(RETURNS_RECEIVED, "returns_received_units", "unit",                                    \
      "returned units received (central warehouse)")                                         \
    X(PURCHASED_UNITS, "purchased_units", "unit",                                            \
      "units bought from suppliers (central warehouse): ordered, less cancelled, plus units " \
      "a contract delivered unordered")                                                      \
    X(PURCHASED_VALUE, "purchased_value", "currency",                                        \
      "what the purchases cost: contract units at the tier price, spot and alternative "     \
      "units with their premiums, the rest at unit cost; take-or-pay and penalty payments "  \
      "for a shortfall included")                                                            \
    X(SPOT_UNITS, "spot_units", "unit",                                                      \
      "units bought spot beyond a contract's volume (at its premium and lead time)")         \
    X(REFUSED_UNITS, "refused_units", "unit",                                                \
      "units ordered beyond a contract's volume that no one sold (asked again at the next "  \
      "review, so counted each time)")                                                       \
    X(PUSHED_UNITS, "pushed_units", "unit",                                                  \
      "units a contract delivered on its schedule beyond what was ordered")                 \
    X(CONTRACT_SHORTFALL_UNITS, "contract_shortfall_units", "unit",                          \
      "units of a contract's committed minimum neither taken nor delivered (paid for or "    \
      "penalised)")                                                                          \
    X(CONTRACT_COST, "contract_cost", "currency",                                            \
      "a contract's cost over buying at unit cost: (tier price - unit cost) x units under "  \
      "it (a discount only on units the year used, not on stock it added) + spot premium x " \
      "spot units + shortfall payments (negative with a discount)")                         \
    X(EXPEDITED_UNITS, "expedited_units", "unit",                                            \
      "units the warehouse ordered by the supplier's express mode (its expedite level)")    \
    X(EXPEDITE_COST, "expedite_cost", "currency",                                            \
      "express premium x unit cost x expedited units + express shipments x shipment cost")  \
    X(SUBSTITUTED_OUT, "substituted_out_units", "unit",                                      \
      "units of this SKU's demand served by another SKU of its substitution group (not in "  \
      "filled, not lost)")                                                                   \
    X(SUBSTITUTED_IN, "substituted_in_units", "unit",                                        \
      "units sold to customers of another SKU of the substitution group (in sold)")

typedef enum ech_kpi {
#define ECH_KPI_ENUM(e, name, units, desc) ECH_KPI_##e,
    ECH_KPI_LIST(ECH_KPI_ENUM)
#undef ECH_KPI_ENUM
    ECH_KPI_COUNT
} ech_kpi;

/* Money in totals is stored as integer multiples of 1 / ECH_MONEY_SCALE. */
#define ECH_MONEY_SCALE 10000.0

/* X(ENUM, name, units, is_money, description) */
#define ECH_TOTAL_LIST(X)                                                                     \
    X(DEMAND, "demand_units", "unit", 0, "customer demand at demand points")                 \
    X(FILLED, "filled_units", "unit", 0, "customer demand met from stock on the day")        \
    X(LOST, "lost_units", "unit", 0, "customer demand lost")                                 \
    X(BACKORDERED, "backordered_units", "unit", 0, "customer demand left owed")              \
    X(STOCKOUT_DAYS, "stockout_days", "day", 0,                                              \
      "demand-point days that ended with nothing on hand or with demand not met")            \
    X(DEMAND_POINT_DAYS, "demand_point_days", "day", 0,                                      \
      "demand-point days measured (the denominator of the stockout-day share)")             \
    X(ON_HAND_UNIT_DAYS, "on_hand_unit_days", "unit day", 0,                                 \
      "end-of-day stock on hand summed over locations and days")                             \
    X(ON_HAND_VALUE_DAYS, "on_hand_value_days", "currency day", 1,                           \
      "end-of-day stock on hand at unit cost summed over locations and days")                \
    X(RETAIL_ON_HAND_VALUE_DAYS, "demand_point_on_hand_value_days", "currency day", 1,       \
      "the same at demand points only")                                                      \
    X(SOLD_VALUE, "sold_value", "currency", 1, "units handed to customers at unit cost")     \
    X(ORDERS, "orders", "1", 0, "replenishment orders placed at all locations")              \
    X(HOLDING_COST, "holding_cost", "currency", 1, "holding cost")                           \
    X(ORDERING_COST, "ordering_cost", "currency", 1, "ordering cost")                        \
    X(SHORTAGE_COST, "shortage_cost", "currency", 1, "shortage cost")                        \
    X(TOTAL_COST, "total_cost", "currency", 1,                                               \
      "holding + ordering + shortage + sourcing premium + write-off + contract cost")      \
    X(SUPPLIER_CANCELLED, "supplier_cancelled_units", "unit", 0, "units the supplier cancelled") \
    X(SUPPLIER_DELAYED, "supplier_delayed_units", "unit", 0,                                 \
      "units the supplier did not ship when due")                                           \
    X(ALT_ORDERED, "alternative_source_units", "unit", 0,                                    \
      "units ordered from alternative sources")                                              \
    X(SOURCING_PREMIUM, "sourcing_premium_cost", "currency", 1,                              \
      "premium paid for alternative sources")                                                \
    X(DISRUPTED_DAYS, "supply_disrupted_sku_days", "day", 0,                                 \
      "SKU-days with the primary source disrupted")                                          \
    X(RECOVERY_DAYS, "recovery_days", "day", 0,                                              \
      "sum over demand points of each one's longest recovery after a disruption")                    \
    X(RECOVERIES, "recoveries", "1", 0,                                                      \
      "demand points with a recovery after a disruption (denominator of the mean recovery)") \
    X(EXPIRED, "expired_units", "unit", 0, "units written off at expiry")                    \
    X(EXPIRED_VALUE, "expired_value", "currency", 1, "expired units at unit cost")           \
    X(RETURNED, "returned_units", "unit", 0, "near-expiry units returned to the warehouse")   \
    X(BATCHED_UNIT_DAYS, "batch_tracked_unit_days", "unit day", 0,                           \
      "on-hand unit-days of batch-tracked stock (denominator of the mean age and life)")     \
    X(AGE_UNIT_DAYS, "age_unit_days", "unit day", 0,                                         \
      "sum over batch-tracked units on hand and days of their age in days")                  \
    X(LIFE_UNIT_DAYS, "remaining_life_unit_days", "unit day", 0,                             \
      "sum over batch-tracked units on hand and days of their remaining shelf life")           \
    X(PURCHASED_UNITS, "purchased_units", "unit", 0, "units bought from suppliers")          \
    X(PURCHASED_VALUE, "purchased_value", "currency", 1,                                     \
      "what the purchases cost (contract prices, premiums and shortfall payments)")          \
    X(SPOT_UNITS, "spot_units", "unit", 0, "units bought spot beyond contracts")             \
    X(REFUSED_UNITS, "refused_units", "unit", 0, "units refused beyond contracts")           \
    X(PUSHED_UNITS, "pushed_units", "unit", 0,                                               \
      "units contracts delivered beyond what was ordered")                                   \
    X(CONTRACT_SHORTFALL_UNITS, "contract_shortfall_units", "unit", 0,                       \
      "committed minimums neither taken nor delivered")                                      \
    X(CONTRACT_COST, "contract_cost", "currency", 1,                                         \
      "contracts' cost over buying at unit cost (in total_cost)")                                                                                             \
    X(EXPEDITED_UNITS, "expedited_units", "unit", 0, "units ordered by express modes")      \
    X(EXPEDITE_COST, "expedite_cost", "currency", 1, "express premiums and shipments (in total_cost)") \
    X(SUBSTITUTED, "substituted_units", "unit", 0,                                           \
      "customer demand served by another SKU of the substitution group")

typedef enum ech_total {
#define ECH_TOTAL_ENUM(e, name, units, money, desc) ECH_TOTAL_##e,
    ECH_TOTAL_LIST(ECH_TOTAL_ENUM)
#undef ECH_TOTAL_ENUM
    ECH_TOTAL_COUNT
} ech_total;

typedef struct ech_field_info {
    const char *name;
    const char *units;
    const char *description;
    int is_money; /* totals only */
} ech_field_info;

extern const ech_field_info ech_kpi_info[ECH_KPI_COUNT];
extern const ech_field_info ech_total_info[ECH_TOTAL_COUNT];

/* Money beyond this many currency units (in one SKU-location's replication, or in a
 * total) does not fit the fixed point of totals; the engine refuses it as bad input. */
#define ECH_MONEY_LIMIT 9.0e14

/* Converts an amount of money (|amount| < ECH_MONEY_LIMIT) to the fixed point of
 * totals (round to nearest). */
int64_t ech_money_to_fixed(double amount);

/* *acc += x; returns 1 (and leaves *acc wrapped) when the sum overflows. */
static inline int ech_add_overflows(int64_t *acc, int64_t x)
{
    return __builtin_add_overflow(*acc, x, acc);
}

/* The same from any thread at once (the sum wraps, as atomics do, when it
 * overflows: the caller fails then). */
static inline int ech_atomic_add_overflows(int64_t *acc, int64_t x)
{
    int64_t old = __atomic_fetch_add(acc, x, __ATOMIC_RELAXED), sum;
    return __builtin_add_overflow(old, x, &sum);
}

#ifdef __cplusplus
}
#endif

#endif
