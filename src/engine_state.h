/* The engine's internals, shared by its parts (private to the library):
 *   engine.c         set-up, the day step by step (the hot loop) and the evaluation
 *   engine_plan.c    building a SKU's plan (its nodes, children in allocation order,
 *                    policy numbers, demand tables) and state
 *   engine_record.c  the end of a replication: invariants, KPIs, totals; the trace
 *
 * Vocabulary: a SKU's skulocs are its "nodes", numbered 0..n-1 in topological order
 * (node 0 is the root, the central warehouse); "d" is the index of a simulated day
 * (0 = first warm-up day), "t = d - warmup" the scenario day.
 *
 * Quantities a node keeps (all in units):
 *   on_hand      stock on the shelf
 *   in_transit   shipped to the node, not yet arrived (the pipe holds it by arrival day)
 *   on_order     ordered by the node, not yet shipped to it by its parent or supplier
 *   owed_down    what the node owes its children: the sum of their on_order
 *   backlog      customer demand waiting (backorder mode, demand points only)
 * and its inventory position is on_hand + in_transit + on_order - owed_down - backlog.
 */
#ifndef ECHELON_ENGINE_STATE_H
#define ECHELON_ENGINE_STATE_H

#include "echelon/allocation.h"
#include "echelon/arena.h"
#include "echelon/cold_chain.h"
#include "echelon/demand_tables.h"
#include "echelon/engine.h"
#include "echelon/rng.h"
#include "echelon/sample.h"
#include "echelon/stock_bands.h"
#include "echelon/supply.h"
#include "batches.h"

#include <stdint.h>
#include <stdio.h>

/* Forecast-driven ordering (engine_forecast.c): per node, its rule's forecast
 * (NULL: targets fixed before the run) and what the targets need. */
typedef struct forecast_plan {
    int any;                        /* some node forecasts under the plan's variant */
    const ech_forecast_rule **rule; /* [n] */
    uint8_t *target, *policy;       /* [n]: ech_target_rule, ech_policy_kind */
    double *z;                      /* service level's standard normal quantile */
    double *cover, *order_days;     /* cover days; (s,S) lot in days of forecast */
    double *lead_var, *ratio;       /* root's lead-time variance; outflow variance / mean */
    int32_t *span, *held;           /* protection interval (days); units held on top */
    int32_t window;                 /* days each node's sales ring holds */
    int32_t *leaf_of;               /* [n]: the node's demand point index, or -1 */
    double *level_alpha;            /* [n]: smoothing of the demand point's level (0: none) */
    int32_t *below_begin, *below;   /* the demand points below each node (itself too) */
    double *leaf_mean;              /* [j * n_periods + period]: model's daily mean */
    const uint16_t *period_of_day;  /* the engine's */
    int32_t n_days, n_periods;
} forecast_plan;

/* What a forecast remembers within a replication, per node. */
typedef struct forecast_state {
    int64_t *prev_out; /* sold + shipped counters at the end of yesterday */
    int32_t *ring;     /* [n * window]: the last days' outflow by day mod window */
    int64_t *sum;      /* outflow over the node's moving-average window */
    int32_t *days;     /* days in that sum (up to the window) */
    double *num, *den; /* model level: smoothed sales and model means of full days */
} forecast_state;

/* How a demand point's demand is drawn in one calendar period: most draws of a slow
 * mover fall at or below the table's first threshold (threshold0), so the first
 * value is answered from here without reading the table; the others go straight to
 * the table's guide and thresholds (a copy of its ech_dtable's fields: reading the
 * ech_dtable first would add a dependent cache miss to every such draw). */
typedef struct ech_leaf_draw {
    uint32_t threshold0;
    int32_t base;
    uint32_t guide_shift;
    const uint32_t *threshold;
    const int32_t *guide;
} ech_leaf_draw;

typedef struct sku_plan {
    int32_t sku;
    int32_t n;     /* nodes */
    int64_t first; /* global skuloc index of node 0 */

    int32_t *parent;        /* node index, -1 at the root */
    int32_t *lead;          /* inbound lane lead time (the root's comes from its supplier) */
    int32_t *order_up_to;   /* S */
    int32_t *reorder_point; /* s */
    int32_t *review_days;   /* R */
    int32_t *min_order_qty;
    int32_t *first_review; /* simulated day of the first review */
    /* The review calendar: the nodes that review on day d are review_node[k] for k
     * in review_begin[d % review_cycle] .. review_begin[d % review_cycle + 1] - 1,
     * downstream first (descending index).  review_cycle is the least common
     * multiple of the review periods, or the simulated days when that is longer. */
    int32_t review_cycle;
    int32_t *review_begin; /* [review_cycle + 1] */
    int32_t *review_node;
    int32_t *start_on_hand;
    int32_t pack;

    /* Children of each node in the order the allocation rule serves them. */
    int32_t *child_begin; /* n + 1 */
    int32_t *child;
    int32_t n_internal;
    int32_t *internal; /* nodes with children, in topological order */

    /* Demand points. */
    int32_t n_leaves;
    int32_t *leaf; /* node of demand point j */
    int32_t n_stock_only;
    int32_t *stock_only; /* nodes without customer demand */
    /* Demand draws by period, one row of the day's demand points at a time:
     * draw[period * n_leaves + j] (table NULL for a replayed point). */
    ech_leaf_draw *draw;
    const int32_t **replay; /* [j]: the history series, or NULL */
    int any_replay;

    /* Pipes, rings of arrival slots indexed by simulated day: one for the root's
     * supplier (its lead times can be long), and one slot x node table for the
     * lanes between locations, so that a day's arrivals are one contiguous row. */
    uint32_t supplier_mask; /* supplier ring slots - 1 */
    uint32_t lane_mask;     /* lane ring slots - 1 */

    /* The variant the policy fields, the children's order and the supply are set
     * for (plan_set_variant); -1 before the first. */
    int32_t variant;
    uint8_t allocation; /* the variant's ech_allocation_rule */

    /* Open orders of a snapshot start, sorted by simulated day. */
    int32_t n_open;
    int32_t *open_day, *open_node, *open_qty;

    /* Batches and expiry (batched: the SKU has a shelf life and the scenario tracks
     * expiry).  Remaining life at receipt from the supplier: uniform on
     * [life_lo, life_hi] days. */
    uint8_t batched;
    int32_t life_lo, life_hi;
    int32_t min_life;        /* days of life a batch must have left on arrival downstream */
    int32_t return_within;   /* returns: batches expiring within this many days; 0: none */
    int32_t *return_lead;    /* days a return takes from the node to the root */
    int32_t *min_child_lead; /* the shortest lane lead time to the node's children */
    double *outflow;         /* expected daily outflow of each node */

    /* Controlled substances: at most one order per min_gap days, and a cap on the
     * inventory position (INT32_MAX: none). */
    uint8_t controlled;
    int32_t min_gap;
    int32_t *position_cap;

    int32_t reserve; /* the root's units held back from its children */

    /* Lost-margin allocation: each node's expected demand over its coverage horizon
     * (review period + inbound lead time) and that demand's variance ratio. */
    double *horizon_mean;
    double *var_ratio;
    ech_claim *claims;
    int32_t *want;

    /* Spot purchases beyond the SKU's contract: their lead-time table (NULL when the
     * SKU has no contract that allows them). */
    const ech_dtable *spot_lead;
    /* Express modes: the supplier's lead-time table (NULL: none); each node's express
     * lead time (the root's: the supplier's; others: their inbound lane's; -1: none)
     * and expedite level (-1: never); any: some node expedites. */
    const ech_dtable *express_lead;
    int32_t *express_days;
    int32_t *expedite_level;
    int any_expedite;

    /* Cold-room occupancy: the SKU's unit volume (0 when its stock takes no cold
     * room or no occupancy is collected) and each node's cold-room slot. */
    int64_t cold_ml;
    int32_t *cold_slot;

    /* Scratch for the allocation rules. */
    int32_t *alloc_x;
    ech_alloc_scratch alloc;

    forecast_plan fc;
} sku_plan;

/* Counters of one node over the measured days that change only on events (orders,
 * shipments, shortages).  int64: a year of a fast mover at the central warehouse
 * exceeds 2^31 units. */
typedef struct node_acc {
    int64_t demand, filled, lost, backordered;
    int64_t cycles, cycles_ok;
    int64_t orders, ordered;
    int64_t received, sold, shipped, shipped_in;
    int64_t start_on_hand, start_in_transit;
    /* The warehouse's supply. */
    int64_t supplier_cancelled, supplier_delayed, alt_ordered, disrupted_days;
    /* ... and its contract: units bought spot, refused, delivered unordered. */
    int64_t spot, refused, pushed;
    /* ... and its express orders: units and shipments. */
    int64_t expedited, express_orders;
    /* Demand points: the longest recovery after a disruption. */
    int64_t recovery_days, recoveries;
    /* Batches: written off, returned to the root, returns the root received; stock
     * age and remaining life summed over on-hand units and days. */
    int64_t expired, returned, returns_in, start_return_transit;
    int64_t age_days, life_days;
    /* Substitution: own demand another SKU of the group served, and units sold to
     * other SKUs' customers. */
    int64_t substituted_out, substituted_in;
} node_acc;

typedef struct sku_state {
    int32_t *on_hand, *in_transit, *on_order, *owed_down, *backlog;
    int32_t *express_owed; /* of on_order: what the node ordered express from its parent */
    int32_t *ordered_qty;  /* the node's last order ... */
    int32_t *ordered_day;  /* ... and the day it was placed */
    uint8_t *short_today, *cycle_short;
    int32_t *supplier_pipe; /* [supplier_mask + 1] */
    int32_t *lane_pipe;     /* [(lane_mask + 1) * n]: slot-major */
    int32_t *lane_pending;  /* [lane_mask + 1]: shipments waiting in each slot */
    int32_t next_open;
    int32_t measure_from;     /* first measured simulated day (= warm-up days) */
    ech_pcg32 *demand_rng;    /* per demand point */
    ech_supply supply;        /* the warehouse's sources: orders, owed units, outages, contract */
    int64_t *month_purchases; /* [n_months]: units bought per measured month ... */
    int count_months;         /* ... counted when an evaluation asks for them */
    const int16_t *measured_month; /* the engine's: each simulated day's measured month */
    int primary_down;              /* the primary source was disrupted yesterday */
    /* Recovery after a disruption, per demand point: the day its last spell ended
     * (-1 when none is pending) and the first day of the current run of days
     * without unmet demand. */
    int32_t *recover_from, *clean_since;
    int32_t n_recovering;
    /* Counters touched every day live in their own arrays, so the daily sweeps
     * stream through a few cache lines instead of one per node. */
    int64_t *on_hand_days, *backlog_days, *stockout_days;
    node_acc *acc;

    /* Batches (batched SKUs): each node's on-hand list sorted by expiry, the batches
     * travelling on each lane slot (column 0: returns to the root), the sums of
     * quantity x entry day and quantity x expiry day of each node's stock (for age
     * and remaining life), and returns on their way to the root. */
    ech_batch_stock batches; /* each node's on-hand batches (batches.h) */
    int32_t *lane_batches;   /* [(lane_mask + 1) * n] chain heads */
    int32_t return_transit;
    ech_pcg32 life_rng;

    forecast_state fc; /* allocated when the scenario has forecast rules */
    /* A member of a substitution group (NULL otherwise): each demand point's unmet
     * demand of the day, for its substitutes, and the streams that round the share
     * of it that buys one. */
    int32_t *unmet;
    ech_pcg32 *subst_rng;
} sku_state;

/* The skulocs of the SKU under evaluation whose daily stock goes to a sink
 * (stock_bands.h): its entries [first, first + n). */
typedef struct stock_watch {
    ech_stock_days *days;
    int64_t first, n;
} stock_watch;

struct ech_engine {
    const ech_scenario *sc;
    int32_t n_days;          /* simulated days: warm-up + measured */
    int32_t n_periods;       /* calendar periods of the horizon (engine.c, calendar_periods) */
    uint16_t *period_of_day; /* [n_days] */
    int32_t *period_day;     /* a scenario day t of each period */
    int32_t n_months;        /* calendar months with measured days */
    int32_t *month_end;      /* [n_months]: the last measured simulated day of each */
    int16_t *measured_month; /* [n_days]: the day's measured month, -1 in the warm-up */
    int32_t *due_day;        /* [n_months]: scratch for the contract's schedule */
    int64_t *due_units;
    ech_dtable *lead_tables; /* [variant * sites + site] */
    int *lead_ok;
    int fc_rules;      /* some rule of some variant forecasts */
    int32_t fc_window; /* the longest moving-average window of any rule, in days */
    int32_t plan_sku;  /* the SKU whose plan the arena holds, -1 for none */
    sku_plan plan;
    sku_state state;
    ech_arena fixed;                  /* tables that live as long as the engine */
    ech_arena arena;                  /* one SKU's plan and state */
    ech_demand_tables *demand_tables; /* builds the demand points' tables (own scratch) */
    const ech_trace *trace;
    ech_cold_rooms *cold; /* occupancy sink, or NULL */
    ech_batch_pool pool;  /* batches of the SKU being simulated (kept between SKUs) */
    /* The evaluation under way: its trace (or NULL), the counters before the day
     * traced, whether this replication is traced, its cold-room sink (or NULL). */
    const ech_trace *eval_trace;
    node_acc *trace_before;
    int tracing;
    ech_cold_rooms *eval_cold;
    /* The daily stock sink (or NULL), and the part of it the evaluation under way
     * writes (NULL when none). */
    ech_stock_days *stock;
    stock_watch watch;
    const stock_watch *eval_watch;
    /* Substitution groups (engine_group.c): the member engines, or NULL; a member
     * engine borrows its parent's calendar and lead-time tables (borrowed = 1). */
    struct ech_group_sim *group;
    int borrowed;
    /* Replications side by side (engine_lanes.h): the lanes of the SKU whose plan
     * the arena holds (NULL until an evaluation uses them), and the day kernels of
     * this CPU in 8, 16 and 32 lanes (ECH_LANE_WIDTHS; NULL: the scalar engine
     * alone). */
    struct ech_lanes *lanes;
    ech_batch_pool *lane_pools; /* [ECH_LANES] the lanes' batches (kept between SKUs) */
    void (*lanes_kernel[3])(const ech_scenario *sc, struct sku_plan *p, struct ech_lanes *L,
                            const uint16_t *period_of_day, int32_t n_days);
};

/* The smallest power of 2 at least x (ring sizes). */
static inline uint32_t ech_pow2_at_least(uint32_t x)
{
    uint32_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}

/* Building (engine_plan.c). */
ech_status ech_sku_plan_build(ech_engine *e, int32_t sku, sku_plan *p, ech_error *err);
/* The parts of a plan that differ between variants: policy numbers, review phases,
 * start stock, the order children are served in, and the supply (its lead-time
 * tables).  The children keep their fair-share order (topological) unless the
 * variant ranks them. */
ech_status ech_sku_plan_set_variant(ech_engine *e, sku_plan *p, sku_state *s, int32_t variant,
                                    ech_error *err);
/* The targets the replications run under: the variant's, or the request's.  A node
 * without a start snapshot starts at its order-up-to level. */
void ech_sku_plan_set_targets(const ech_engine *e, sku_plan *p, const ech_eval_request *req);
void ech_sku_state_alloc(ech_arena *a, const sku_plan *p, sku_state *s, ech_batch_pool *pool);

/* One evaluation in phases (engine.c), for the members of a substitution group:
 * set-up (grouped: with the arrays substitution needs), then per replication
 * rep_begin, per day supply (steps 1-4), demand (step 5, own stock only),
 * end (step 6), and rep_end (invariants; the results when `out` is given). */
ech_status ech_sku_eval_setup(ech_engine *e, const ech_eval_request *req, int count_months,
                              int grouped, ech_error *err);
void ech_sku_rep_begin(ech_engine *e, int64_t id, int64_t rep);
void ech_sku_day_supply(ech_engine *e, int32_t d, int64_t rep);
void ech_sku_day_demand(ech_engine *e, int32_t d);
void ech_sku_day_end(ech_engine *e, int32_t d, int64_t rep);
ech_status ech_sku_rep_end(ech_engine *e, int64_t rep, int64_t rep_begin, const ech_eval_out *out,
                           ech_error *err);

/* Substitution groups (engine_group.c): evaluates req->sku together with the other
 * SKUs of its group (they at their variant's targets and contracts), recording
 * req->sku's results only. */
ech_status ech_group_evaluate(ech_engine *e, const ech_eval_request *req, const ech_eval_out *out,
                              ech_error *err);
void ech_group_free(struct ech_group_sim *g);

/* The day's steps shared by the scalar engine (engine.c) and the lanes
 * (engine_lanes.c). */
/* Units bought in the measured month of day d (when purchases by month are asked). */
static inline void ech_sku_count_purchase(sku_state *s, int32_t d, int64_t units)
{
    if (s->count_months && s->measured_month[d] >= 0)
        s->month_purchases[s->measured_month[d]] += units;
}

/* The warehouse orders q units from its suppliers on day d: under its contract
 * while the contract sells (measured days), beyond it spot or refused; the
 * contract's units go to the SKU's sources by its alternative-source rule.  Returns
 * the units placed (refused ones are not). */
static inline int32_t ech_sku_order_from_suppliers(sku_state *s, int32_t q, int32_t d)
{
    ech_supply *sup = &s->supply;
    int32_t beyond = 0;
    if (sup->contract.active && d >= s->measure_from) {
        q = ech_contract_take(&sup->contract, q, &beyond);
        if (beyond > 0 && sup->contract.spot) {
            sup->spot.ordered_today += beyond;
            s->acc[0].spot += beyond;
        } else if (beyond > 0) {
            s->acc[0].refused += beyond;
            beyond = 0;
        }
    }
    if (q > 0)
        s->acc[0].alt_ordered += ech_supply_order(sup, q, d);
    ech_sku_count_purchase(s, d, q + beyond);
    return q + beyond;
}

/* Controlled substances: no order within min_gap days of the last one, and none
 * that lifts the inventory position above the cap (rounded down to whole packs,
 * dropped below the minimum order); the node last ordered on day last_order (-1:
 * never). */
static inline int32_t ech_controlled_order_qty(const sku_plan *p, int32_t i, int32_t last_order,
                                               int32_t position, int32_t q, int32_t d)
{
    if (p->min_gap > 0 && last_order >= 0 && d - last_order < p->min_gap)
        return 0;
    int32_t cap = p->position_cap[i];
    if ((int64_t)position + q > cap) {
        int32_t room = cap - position;
        q = room > 0 ? room / p->pack * p->pack : 0;
        if (q < p->min_order_qty[i])
            q = 0;
    }
    return q;
}

/* A demand point has recovered from a disruption once it has gone this many days
 * in a row without unmet demand. */
#define ECH_RECOVERY_CLEAN_DAYS 14

/* Step 6 for the supply: days the primary source is disrupted, and the recovery of
 * each demand point after a disruption ends (the days from its end to the start of
 * the first run of ECH_RECOVERY_CLEAN_DAYS days without unmet demand; the longest
 * such recovery in the measured period is kept).  Demand point j's first day
 * without shortage is clean_since[j * stride] (the state's own, or a lane's). */
static inline void ech_sku_account_supply(const sku_plan *p, sku_state *s, int32_t *clean_since,
                                          size_t stride, int32_t d)
{
    int down = ech_supply_capacity(&s->supply.source[0], d) < 1.0;
    s->acc[0].disrupted_days += down;
    if (s->primary_down && !down && d >= s->measure_from) {
        /* A disruption ended today: every demand point starts recovering. */
        for (int32_t j = 0; j < p->n_leaves; ++j) {
            if (s->recover_from[j] < 0)
                ++s->n_recovering;
            s->recover_from[j] = d;
            if (clean_since[(size_t)j * stride] < d)
                clean_since[(size_t)j * stride] = d;
        }
    }
    s->primary_down = down;
    if (s->n_recovering == 0)
        return;
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        int32_t clean = clean_since[(size_t)j * stride];
        if (s->recover_from[j] < 0 || d + 1 - clean < ECH_RECOVERY_CLEAN_DAYS)
            continue;
        node_acc *acc = &s->acc[p->leaf[j]];
        int64_t days = clean - s->recover_from[j];
        if (days > acc->recovery_days)
            acc->recovery_days = days;
        acc->recoveries++;
        s->recover_from[j] = -1;
        --s->n_recovering;
    }
}

/* Batches (batched SKUs).  The days of life of a fresh receipt from the supplier,
 * from the replication's own stream. */
static inline int32_t ech_sku_receipt_life(const sku_plan *p, sku_state *s)
{
    int32_t life = p->life_lo;
    if (p->life_hi != p->life_lo)
        life += (int32_t)ech_pcg32_bounded(&s->life_rng, (uint32_t)(p->life_hi - p->life_lo + 1));
    return life;
}

/* A fresh receipt of q units from the supplier at node i on day d. */
static inline void ech_sku_receive_new(const sku_plan *p, sku_state *s, int32_t i, int32_t q,
                                       int32_t d)
{
    if (q <= 0)
        return;
    ech_batches_add(&s->batches, i, q, d + ech_sku_receipt_life(p, s), d);
}

/* Node i's batches whose expiry day d has come are written off its on hand
 * (on_hand[i * stride]: a replication's, or a lane's). */
static inline void ech_sku_expire_node(sku_state *s, int32_t *on_hand, size_t stride, int32_t i,
                                       int32_t d)
{
    int32_t q = ech_batches_expire(&s->batches, i, d);
    on_hand[(size_t)i * stride] -= q;
    s->acc[i].expired += q;
}

/* Step 1: batches whose expiry day has come are written off, at every node. */
static inline void ech_sku_expire(const sku_plan *p, sku_state *s, int32_t *on_hand, size_t stride,
                                  int32_t d)
{
    if (d < s->batches.next_expiry)
        return; /* nothing expires before then: most days of most SKUs */
    const ech_batch *b = s->batches.pool->b;
    int32_t next = INT32_MAX;
    for (int32_t i = 0; i < p->n; ++i) {
        ech_sku_expire_node(s, on_hand, stride, i, d);
        int32_t k = *ech_batches_head(&s->batches, i);
        if (k >= 0 && b[k].expiry < next)
            next = b[k].expiry;
    }
    s->batches.next_expiry = next;
}

/* After the receipts: the day's cold-room occupancy (measured day t) of node i's
 * on_hand[i * stride] units (a replication's, or a lane's). */
static inline void ech_sku_cold_occupancy(ech_cold_rooms *cold, const sku_plan *p,
                                          const int32_t *on_hand, size_t stride, int64_t rep,
                                          int32_t t)
{
    for (int32_t i = 0; i < p->n; ++i) {
        int32_t units = on_hand[(size_t)i * stride];
        if (units > 0 && p->cold_slot[i] >= 0)
            ech_cold_rooms_add(cold, p->cold_slot[i], rep, t, (int64_t)units * p->cold_ml);
    }
}

/* The numbers allocation reads of a node's children: node i's at [i * stride]
 * (backlog NULL: none). */
typedef struct ech_stock_view {
    const int32_t *on_order, *on_hand, *in_transit, *owed_down, *backlog;
    size_t stride;
} ech_stock_view;
void ech_sku_allocate(sku_plan *p, const ech_stock_view *v, int32_t i, int32_t avail, int32_t d);

/* Step 4 at the warehouse: its suppliers (sources, spot, express) ship on day d,
 * taking what they ship or cancel from *on_order; the shipments (at most 4) go to
 * `out` for the caller to deliver.  Returns their number. */
typedef struct ech_shipment {
    int32_t q, lead;
} ech_shipment;
int ech_sku_supplier_ship(sku_state *s, int32_t *on_order, int32_t d, ech_shipment out[4]);

/* The start of a replication of identity `id` in `s` (start stock, streams, supply),
 * and the end of its measurement (the open cycle and recoveries counted). */
void ech_sku_state_reset(ech_engine *e, const sku_plan *p, sku_state *s, int64_t id);
void ech_sku_end_measurement(const sku_plan *p, sku_state *s);
/* The end of replication `rep` simulated in `state` (e->state, or a lane's):
 * measurement closed, invariants, and the results when `out` is given. */
ech_status ech_sku_rep_end_state(ech_engine *e, sku_state *state, int64_t rep, int64_t rep_begin,
                                 const ech_eval_out *out, ech_error *err);

/* The end of a replication and the trace (engine_record.c). */
ech_status ech_sku_check_conservation(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                                      int64_t rep, ech_error *err);
/* Replication r (counted from the request's first) of the SKU into `out`. */
ech_status ech_sku_record_replication(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                                      const ech_eval_out *out, int64_t r, ech_error *err);

/* What the warehouse bought in a replication and what its contract cost. */
typedef struct ech_purchases {
    int64_t units, spot, refused, pushed, shortfall, expedited;
    double value, contract_cost, expedite_cost;
} ech_purchases;
void ech_sku_purchases(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                       ech_purchases *out);
/* Writes the watched skulocs' stock on hand at the end of simulated day d (nothing
 * in the warm-up). */
void ech_sku_watch_day(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                       const stock_watch *w, int64_t rep, int32_t d);
void ech_sku_trace_header(FILE *out);
/* One row per node for day d: end-of-day stock, and the day's flows as the change
 * of the counters since `before`. */
void ech_sku_trace_day(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
                       const node_acc *before, int64_t rep, int32_t d, FILE *out);

/* Forecast-driven ordering (engine_forecast.c). */
/* 1 when some rule of some variant forecasts; *window_days the longest moving
 * average's window. */
int ech_forecast_rules(const ech_scenario *sc, int32_t *window_days);
/* model_mean: [leaf * n_periods + period], the demand model's daily means the
 * demand tables were built from (the plan keeps it). */
void ech_sku_forecast_build(ech_engine *e, sku_plan *p, double *model_mean);
void ech_sku_forecast_set_variant(const ech_engine *e, sku_plan *p);
void ech_sku_forecast_reset(const sku_plan *p, sku_state *s);
void ech_sku_forecast_rebase(const sku_plan *p, sku_state *s);
void ech_sku_forecast_record(const sku_plan *p, sku_state *s, int32_t d);
void ech_sku_forecast_targets(const sku_plan *p, const sku_state *s, int32_t i, int32_t d,
                              int32_t *order_up_to, int32_t *reorder_point);

#endif
