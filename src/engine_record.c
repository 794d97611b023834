/* The end of a replication (invariants, KPIs, totals) and the day-by-day trace; see
 * engine_state.h. */
#include "engine_state.h"
#include "echelon/csv_reader.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * End of a replication: invariants, KPIs, totals
 * ------------------------------------------------------------------------------ */

/* The batches agree with the scalar stock: each node's batches sum to its on hand,
 * lie in expiry order and have not expired; the batches on each lane sum to what is
 * in transit there (open orders of a snapshot start travel without batches). */
static ech_status check_batches(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                                int64_t rep, ech_error *err)
{
    const ech_batch *b = s->batches.pool->b;
    for (int32_t i = 0; i < p->n; ++i) {
        int64_t units = 0, in_lanes = 0;
        int32_t last = INT32_MIN;
        int ordered = 1;
        for (int32_t k = *ech_batches_head(&s->batches, i); k >= 0; k = b[k].next) {
            units += b[k].qty;
            ordered &= b[k].expiry >= last && b[k].qty > 0;
            last = b[k].expiry;
        }
        for (uint32_t slot = 0; slot <= p->lane_mask; ++slot)
            for (int32_t k = s->lane_batches[(size_t)slot * (size_t)p->n + (size_t)i]; k >= 0;
                 k = b[k].next)
                in_lanes += b[k].qty;
        int64_t lane_expected = i == 0 ? s->return_transit : s->in_transit[i];
        for (int32_t k = s->next_open; k < p->n_open; ++k)
            if (i > 0 && p->open_node[k] == i)
                lane_expected -= p->open_qty[k];
        if (units != s->on_hand[i] || !ordered || in_lanes != lane_expected)
            return ech_fail(err, ECH_ERR_RUNTIME,
                            "internal error: SKU '%s' at '%s', replication %lld: batches hold "
                            "%lld units (on hand %d; in order: %d), batches in transit %lld "
                            "(expected %lld)",
                            sc->cat.id[p->sku], sc->net.id[sc->sl.location[p->first + i]],
                            (long long)rep, (long long)units, s->on_hand[i], ordered,
                            (long long)in_lanes, (long long)lane_expected);
    }
    return ECH_OK;
}

ech_status ech_sku_check_conservation(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                                      int64_t rep, ech_error *err)
{
    if (s->on_order[0] != ech_supply_owed(&s->supply))
        return ech_fail(err, ECH_ERR_RUNTIME,
                        "internal error: SKU '%s', replication %lld: the warehouse has %d units on "
                        "order but its sources owe %d",
                        sc->cat.id[p->sku], (long long)rep, s->on_order[0],
                        ech_supply_owed(&s->supply));
    int64_t returned = 0;
    for (int32_t i = 0; i < p->n; ++i)
        returned += s->acc[i].returned;
    if (p->batched) {
        const node_acc *r = &s->acc[0];
        if (returned != r->returns_in + s->return_transit - r->start_return_transit)
            return ech_fail(err, ECH_ERR_RUNTIME,
                            "internal error: SKU '%s', replication %lld: %lld units returned but "
                            "%lld received and %d on the way (%lld at the start)",
                            sc->cat.id[p->sku], (long long)rep, (long long)returned,
                            (long long)r->returns_in, s->return_transit,
                            (long long)r->start_return_transit);
        ech_status st = check_batches(sc, p, s, rep, err);
        if (st != ECH_OK)
            return st;
    }
    for (int32_t i = 0; i < p->n; ++i)
        if (s->express_owed[i] < 0 || s->express_owed[i] > s->on_order[i])
            return ech_fail(err, ECH_ERR_RUNTIME,
                            "internal error: SKU '%s' at '%s', replication %lld: %d units owed "
                            "express of %d on order",
                            sc->cat.id[p->sku], sc->net.id[sc->sl.location[p->first + i]],
                            (long long)rep, s->express_owed[i], s->on_order[i]);
    for (int32_t i = 0; i < p->n; ++i) {
        const node_acc *a = &s->acc[i];
        int64_t in = a->start_on_hand + a->received + a->returns_in;
        int64_t out = a->sold + a->shipped + a->returned + a->expired + s->on_hand[i];
        int64_t lane = a->received + s->in_transit[i] - a->start_in_transit;
        int64_t shipped_children = 0;
        for (int32_t c = p->child_begin[i]; c < p->child_begin[i + 1]; ++c)
            shipped_children += s->acc[p->child[c]].shipped_in;
        if (in != out || lane != a->shipped_in || shipped_children != a->shipped) {
            int64_t x = p->first + i;
            return ech_fail(err, ECH_ERR_RUNTIME,
                            "internal error: stock not conserved for SKU '%s' at '%s' in "
                            "replication %lld (start %lld + received %lld + returns %lld != sold "
                            "%lld + shipped %lld + returned %lld + expired %lld + end %lld, or "
                            "lane %lld != %lld, or children %lld)",
                            sc->cat.id[p->sku], sc->net.id[sc->sl.location[x]], (long long)rep,
                            (long long)a->start_on_hand, (long long)a->received,
                            (long long)a->returns_in, (long long)a->sold, (long long)a->shipped,
                            (long long)a->returned, (long long)a->expired, (long long)s->on_hand[i],
                            (long long)lane, (long long)a->shipped_in, (long long)shipped_children);
        }
    }
    return ECH_OK;
}

/* Money and unit counts of one replication that do not fit the totals' fixed point
 * (kpi.h): the scenario's costs are too large to account, which is bad input (a
 * unit cost or rate typed wrong), not a reason to write NaN or wrapped sums. */
static ech_status money_out_of_range(const ech_scenario *sc, const sku_plan *p, int32_t i,
                                     int64_t r, const char *what, double amount, ech_error *err)
{
    char value[64];
    if (isfinite(amount))
        snprintf(value, sizeof value, "reaches %g", amount);
    else
        snprintf(value, sizeof value, "is not a finite number");
    return ech_fail(err, ECH_ERR_INPUT,
                    "SKU '%s' at '%s': its %s %s in replication %lld, beyond what the totals can "
                    "hold (%g currency units): check its unit_cost and unit_price and the "
                    "scenario's cost rates",
                    sc->cat.id[p->sku], sc->net.id[sc->sl.location[p->first + i]], what, value,
                    (long long)r, ECH_MONEY_LIMIT);
}

/* What node i's express orders cost: the premium on their units and the cost of
 * each shipment, by the supplier's express mode at the root, the inbound lane's
 * elsewhere. */
static double expedite_cost(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                            int32_t i)
{
    const node_acc *a = &s->acc[i];
    if (a->expedited == 0 && a->express_orders == 0)
        return 0.0;
    double premium, shipment;
    if (i == 0) {
        const ech_express *x = &sc->suppliers.express[sc->cat.supplier[p->sku]];
        premium = x->premium;
        shipment = x->shipment_cost;
    } else {
        int32_t loc = sc->sl.location[p->first + i];
        premium = sc->net.express_premium[loc];
        shipment = sc->net.express_shipment_cost[loc];
    }
    return (double)a->expedited * premium * sc->cat.unit_cost[p->sku] +
           (double)a->express_orders * shipment;
}

void ech_sku_purchases(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                       ech_purchases *out)
{
    const node_acc *a = &s->acc[0];
    const ech_contract_state *c = &s->supply.contract;
    double cost = sc->cat.unit_cost[p->sku];
    double alt_premium = (double)a->alt_ordered * sc->cat.alt_premium[p->sku] * cost;
    memset(out, 0, sizeof *out);
    out->units = a->ordered - a->supplier_cancelled + a->pushed + a->expedited;
    out->spot = a->spot;
    out->refused = a->refused;
    out->pushed = a->pushed;
    out->expedited = a->expedited;
    out->expedite_cost = expedite_cost(sc, p, s, 0);
    if (!c->active) {
        out->value = (double)out->units * cost + alt_premium + out->expedite_cost;
        return;
    }
    /* Cancelled units are the sources' (never spot): not paid. */
    int64_t under = c->bought - a->supplier_cancelled;
    if (under < 0)
        under = 0;
    out->shortfall = c->minimum > c->bought ? c->minimum - c->bought : 0;
    double payment = (double)out->shortfall * (c->take_or_pay ? c->price : c->penalty);
    double spot_premium = (double)a->spot * c->spot_premium * cost;
    out->value = (double)under * c->price + (double)a->spot * cost + spot_premium + payment +
                 alt_premium + (double)a->expedited * cost + out->expedite_cost;
    /* Units bought this year and still held at its end are next year's stock: a
     * discount on them is not this year's saving (the sizing's rule too, else
     * committing ever more would pay). */
    int64_t carried = 0;
    for (int32_t i = 0; i < p->n; ++i)
        carried += (int64_t)s->on_hand[i] + s->in_transit[i] - s->acc[i].start_on_hand -
                   s->acc[i].start_in_transit;
    carried = carried < 0 ? 0 : (carried > under ? under : carried);
    double discounted = c->price < cost ? (double)(under - carried) : (double)under;
    out->contract_cost = discounted * (c->price - cost) + spot_premium + payment;
}

ech_status ech_sku_record_replication(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                                      const ech_eval_out *out, int64_t r, ech_error *err)
{
    int64_t *totals = out->totals, rep_stride = out->rep_stride;
    int32_t node_begin = out->node_begin, node_end = out->node_end > 0 ? out->node_end : p->n;
    double *kpi_out = out->kpi ? out->kpi - (int64_t)node_begin * ECH_KPI_COUNT * rep_stride : NULL;
    int64_t longest_recovery = 0;
    ech_purchases bought;
    ech_sku_purchases(sc, p, s, &bought);
    const ech_costs *costs = &sc->costs;
    double days = (double)sc->days;
    double cost = sc->cat.unit_cost[p->sku];
    double price = sc->cat.unit_price[p->sku];
    double margin = price > cost ? price - cost : 0.0;
    int64_t t[ECH_TOTAL_COUNT] = {0};
    int overflow = 0;

    for (int32_t i = 0; i < p->n; ++i) {
        const node_acc *a = &s->acc[i];
        int64_t x = p->first + i;
        int demand_point = sc->sl.demand_dist[x] != ECH_DEMAND_NONE;
        double outflow = sc->sl.expected_outflow[x];
        int64_t on_hand_days = s->on_hand_days[i];
        double mean_on_hand = (double)on_hand_days / days;

        double rate = ech_holding_rate(sc, x);
        double holding = rate * cost * (double)on_hand_days / 365.0;
        double ordering = (double)a->orders * (p->parent[i] < 0 ? costs->supplier_order_cost
                                                                : costs->internal_order_cost);
        /* Shortages are charged where patients meet them: at demand points.  A cut
         * or late shipment upstream shows up there as lost or late sales. */
        double shortage = 0.0;
        if (demand_point)
            shortage = (double)a->lost * (margin + costs->lost_sale_penalty * price) +
                       (double)s->backlog_days[i] * costs->backorder_cost_per_day * price;

        double premium = 0.0;
        if (i == 0 && a->alt_ordered > 0)
            premium = (double)a->alt_ordered * sc->cat.alt_premium[p->sku] * cost;
        double expired_value = (double)a->expired * cost;
        double contract = i == 0 ? bought.contract_cost : 0.0;
        double expedite = i == 0 ? bought.expedite_cost : expedite_cost(sc, p, s, i);
        double total =
            holding + ordering + shortage + premium + expired_value + contract + expedite;
        int64_t outflow_units = a->expired + a->sold + a->shipped + a->returned;

        double v[ECH_KPI_COUNT];
        v[ECH_KPI_FILL_RATE] = a->demand > 0 ? (double)a->filled / (double)a->demand : 1.0;
        v[ECH_KPI_CYCLE_SERVICE_LEVEL] =
            a->cycles > 0 ? (double)a->cycles_ok / (double)a->cycles : NAN;
        v[ECH_KPI_STOCKOUT_DAYS] = (double)s->stockout_days[i];
        v[ECH_KPI_DEMAND] = (double)a->demand;
        v[ECH_KPI_LOST] = (double)a->lost;
        v[ECH_KPI_BACKORDERED] = (double)a->backordered;
        v[ECH_KPI_MEAN_ON_HAND] = mean_on_hand;
        v[ECH_KPI_MEAN_ON_HAND_VALUE] = mean_on_hand * cost;
        v[ECH_KPI_DAYS_OF_SUPPLY] = outflow > 0.0 ? mean_on_hand / outflow : NAN;
        v[ECH_KPI_ORDERS] = (double)a->orders;
        v[ECH_KPI_ORDERED] = (double)a->ordered;
        v[ECH_KPI_HOLDING_COST] = holding;
        v[ECH_KPI_ORDERING_COST] = ordering;
        v[ECH_KPI_SHORTAGE_COST] = shortage;
        v[ECH_KPI_TOTAL_COST] = total;
        v[ECH_KPI_START_ON_HAND] = (double)a->start_on_hand;
        v[ECH_KPI_RECEIVED] = (double)a->received;
        v[ECH_KPI_SOLD] = (double)a->sold;
        v[ECH_KPI_SHIPPED] = (double)a->shipped;
        v[ECH_KPI_END_ON_HAND] = (double)s->on_hand[i];
        v[ECH_KPI_START_IN_TRANSIT] = (double)a->start_in_transit;
        v[ECH_KPI_END_IN_TRANSIT] = (double)s->in_transit[i];
        v[ECH_KPI_SUPPLIER_CANCELLED] = (double)a->supplier_cancelled;
        v[ECH_KPI_PURCHASED_UNITS] = i == 0 ? (double)bought.units : 0.0;
        v[ECH_KPI_PURCHASED_VALUE] = i == 0 ? bought.value : 0.0;
        v[ECH_KPI_SPOT_UNITS] = i == 0 ? (double)bought.spot : 0.0;
        v[ECH_KPI_REFUSED_UNITS] = i == 0 ? (double)bought.refused : 0.0;
        v[ECH_KPI_PUSHED_UNITS] = i == 0 ? (double)bought.pushed : 0.0;
        v[ECH_KPI_CONTRACT_SHORTFALL_UNITS] = i == 0 ? (double)bought.shortfall : 0.0;
        v[ECH_KPI_CONTRACT_COST] = contract;
        v[ECH_KPI_EXPEDITED_UNITS] = (double)a->expedited;
        v[ECH_KPI_EXPEDITE_COST] = expedite;
        v[ECH_KPI_SUPPLIER_DELAYED] = (double)a->supplier_delayed;
        v[ECH_KPI_ALT_ORDERED] = (double)a->alt_ordered;
        v[ECH_KPI_SOURCING_PREMIUM] = premium;
        v[ECH_KPI_DISRUPTED_DAYS] = (double)a->disrupted_days;
        v[ECH_KPI_RECOVERY_DAYS] = (double)a->recovery_days;
        v[ECH_KPI_EXPIRED] = (double)a->expired;
        v[ECH_KPI_EXPIRED_VALUE] = expired_value;
        v[ECH_KPI_WRITE_OFF_SHARE] =
            outflow_units > 0 ? (double)a->expired / (double)outflow_units : 0.0;
        v[ECH_KPI_MEAN_AGE] =
            p->batched && on_hand_days > 0 ? (double)a->age_days / (double)on_hand_days : NAN;
        v[ECH_KPI_MEAN_REMAINING_LIFE] =
            p->batched && on_hand_days > 0 ? (double)a->life_days / (double)on_hand_days : NAN;
        v[ECH_KPI_RETURNED] = (double)a->returned;
        v[ECH_KPI_RETURNS_RECEIVED] = (double)a->returns_in;
        v[ECH_KPI_SUBSTITUTED_OUT] = (double)a->substituted_out;
        v[ECH_KPI_SUBSTITUTED_IN] = (double)a->substituted_in;
        if (kpi_out && i >= node_begin && i < node_end)
            for (int k = 0; k < ECH_KPI_COUNT; ++k)
                kpi_out[((int64_t)i * ECH_KPI_COUNT + k) * rep_stride + r] = v[k];
        if (demand_point && a->recovery_days > longest_recovery)
            longest_recovery = a->recovery_days;

        if (!totals)
            continue;
        struct {
            const char *what;
            double amount;
        } money[] = {{"holding cost", holding},
                     {"ordering cost", ordering},
                     {"shortage cost", shortage},
                     {"sourcing premium", premium},
                     {"expired value", expired_value},
                     {"stock value over the days", (double)on_hand_days * cost},
                     {"sold value", (double)a->sold * cost},
                     {"purchased value", i == 0 ? bought.value : 0.0},
                     {"contract cost", contract},
                     {"expedite cost", expedite},
                     {"total cost", total}};
        for (size_t m = 0; m < sizeof money / sizeof money[0]; ++m)
            if (!(fabs(money[m].amount) < ECH_MONEY_LIMIT))
                return money_out_of_range(sc, p, i, r, money[m].what, money[m].amount, err);
        int64_t holding_fx = ech_money_to_fixed(holding);
        int64_t ordering_fx = ech_money_to_fixed(ordering);
        int64_t shortage_fx = ech_money_to_fixed(shortage);
        int64_t premium_fx = ech_money_to_fixed(premium);
        int64_t expired_fx = ech_money_to_fixed(expired_value);
        int64_t value_days_fx = ech_money_to_fixed((double)on_hand_days * cost);
        int64_t contract_fx = ech_money_to_fixed(contract);
        int64_t expedite_fx = ech_money_to_fixed(expedite);
        if (i == 0) {
            overflow |= ech_add_overflows(&t[ECH_TOTAL_PURCHASED_UNITS], bought.units);
            overflow |=
                ech_add_overflows(&t[ECH_TOTAL_PURCHASED_VALUE], ech_money_to_fixed(bought.value));
            overflow |= ech_add_overflows(&t[ECH_TOTAL_SPOT_UNITS], bought.spot);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_REFUSED_UNITS], bought.refused);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_PUSHED_UNITS], bought.pushed);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_CONTRACT_SHORTFALL_UNITS], bought.shortfall);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_CONTRACT_COST], contract_fx);
        }
        if (demand_point) {
            overflow |= ech_add_overflows(&t[ECH_TOTAL_DEMAND], a->demand);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_FILLED], a->filled);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_LOST], a->lost);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_SUBSTITUTED], a->substituted_out);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_BACKORDERED], a->backordered);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_STOCKOUT_DAYS], s->stockout_days[i]);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_DEMAND_POINT_DAYS], sc->days);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_RETAIL_ON_HAND_VALUE_DAYS], value_days_fx);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_SOLD_VALUE],
                                          ech_money_to_fixed((double)a->sold * cost));
        }
        overflow |= ech_add_overflows(&t[ECH_TOTAL_ON_HAND_UNIT_DAYS], on_hand_days);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_ON_HAND_VALUE_DAYS], value_days_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_ORDERS], a->orders);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_HOLDING_COST], holding_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_ORDERING_COST], ordering_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_SHORTAGE_COST], shortage_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_TOTAL_COST],
                                      holding_fx + ordering_fx + shortage_fx + premium_fx +
                                          expired_fx + contract_fx + expedite_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_SOURCING_PREMIUM], premium_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_EXPEDITED_UNITS], a->expedited);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_EXPEDITE_COST], expedite_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_SUPPLIER_CANCELLED], a->supplier_cancelled);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_SUPPLIER_DELAYED], a->supplier_delayed);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_ALT_ORDERED], a->alt_ordered);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_DISRUPTED_DAYS], a->disrupted_days);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_RECOVERY_DAYS], a->recovery_days);
        /* Points, as recovery_days is per point. */
        overflow |= ech_add_overflows(&t[ECH_TOTAL_RECOVERIES], a->recoveries > 0);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_EXPIRED], a->expired);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_EXPIRED_VALUE], expired_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_RETURNED], a->returned);
        if (p->batched) {
            overflow |= ech_add_overflows(&t[ECH_TOTAL_BATCHED_UNIT_DAYS], on_hand_days);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_AGE_UNIT_DAYS], a->age_days);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_LIFE_UNIT_DAYS], a->life_days);
        }
    }
    if (overflow)
        return money_out_of_range(sc, p, 0, r, "costs summed over its locations", NAN, err);
    if (out->longest_recovery)
        out->longest_recovery[r] = longest_recovery;
    if (totals)
        for (int k = 0; k < ECH_TOTAL_COUNT; ++k)
            if (ech_add_overflows(&totals[r * ECH_TOTAL_COUNT + k], t[k]))
                return money_out_of_range(sc, p, 0, r, ech_total_info[k].name, (double)t[k], err);
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Daily stock of watched skulocs
 * ------------------------------------------------------------------------------ */

void ech_sku_watch_day(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                       const stock_watch *w, int64_t rep, int32_t d)
{
    int32_t t = d - sc->warmup_days;
    if (t < 0)
        return;
    ech_stock_days *days = w->days;
    for (int64_t j = w->first; j < w->first + w->n; ++j)
        days->on_hand[(j * days->n_days + t) * days->n_reps + rep] =
            s->on_hand[days->skuloc[j] - p->first];
}

/* ------------------------------------------------------------------------------
 * Trace
 * ------------------------------------------------------------------------------ */

void ech_sku_trace_header(FILE *out)
{
    fprintf(out,
            "replication,day,date,sku,location,on_hand,in_transit,on_order,owed_to_children,"
            "backlog,demand,filled,lost,backordered,received,ordered,shipped,sold,expired,returned,"
            "returns_received,substituted_out,substituted_in\n");
}

/* One row per node for day d: end-of-day stock, and the day's flows as the change
 * of the counters since `before`. */
void ech_sku_trace_day(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                       const node_acc *before, int64_t rep, int32_t d, FILE *out)
{
    int32_t t = d - sc->warmup_days;
    char date[11];
    ech_format_date(sc->start_date + t, date);
    for (int32_t i = 0; i < p->n; ++i) {
        const node_acc *a = &s->acc[i], *b = &before[i];
        int32_t loc = sc->sl.location[p->first + i];
        fprintf(out, "%lld,%d,%s,", (long long)rep, t, date);
        ech_csv_write_field(out, sc->cat.id[p->sku]);
        fputc(',', out);
        ech_csv_write_field(out, sc->net.id[loc]);
        fprintf(
            out,
            ",%d,%d,%d,%d,%d,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld\n",
            s->on_hand[i], s->in_transit[i], s->on_order[i], s->owed_down[i], s->backlog[i],
            (long long)(a->demand - b->demand), (long long)(a->filled - b->filled),
            (long long)(a->lost - b->lost), (long long)(a->backordered - b->backordered),
            (long long)(a->received - b->received), (long long)(a->ordered - b->ordered),
            (long long)(a->shipped - b->shipped), (long long)(a->sold - b->sold),
            (long long)(a->expired - b->expired), (long long)(a->returned - b->returned),
            (long long)(a->returns_in - b->returns_in),
            (long long)(a->substituted_out - b->substituted_out),
            (long long)(a->substituted_in - b->substituted_in));
    }
}
