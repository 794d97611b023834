/* The simulation engine; see include/echelon/engine.h and DESIGN.md ("Time and the
 * order of events").
 *
 * Vocabulary inside this file: a SKU's skulocs are its "nodes", numbered 0..n-1 in
 * topological order (node 0 is the root, the central warehouse); "d" is the index of
 * a simulated day (0 = first warm-up day), "t = d - warmup" the scenario day.
 *
 * Quantities a node keeps (all in units):
 *   on_hand      stock on the shelf
 *   in_transit   shipped to the node, not yet arrived (the pipe holds it by arrival day)
 *   on_order     ordered by the node, not yet shipped to it by its parent or supplier
 *   owed_down    what the node owes its children: the sum of their on_order
 *   backlog      customer demand waiting (backorder mode, demand points only)
 * and its inventory position is on_hand + in_transit + on_order - owed_down - backlog.
 *
 * SKUs with a shelf life (when the scenario tracks expiry) also hold their stock in
 * batches: each node's on-hand batches in a list sorted by expiry (FEFO), shipments
 * carry the batches they were picked from.  The scalar quantities above stay the
 * sums of the batches, so policies, allocation and accounting read them as for any
 * SKU, and SKUs without a shelf life pay nothing for batches.
 */
#include "echelon/engine.h"
#include "echelon/allocation.h"
#include "echelon/arena.h"
#include "echelon/cold_chain.h"
#include "echelon/csv_reader.h"
#include "echelon/policy.h"
#include "echelon/rng.h"
#include "echelon/sample.h"
#include "echelon/supply.h"
#include "batches.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * Per-SKU plan (built once per SKU) and state (reset per replication)
 * ------------------------------------------------------------------------------ */

typedef struct sku_plan {
    int32_t sku;
    int32_t n;              /* nodes */
    int64_t first;          /* global skuloc index of node 0 */

    int32_t *parent;        /* node index, -1 at the root */
    int32_t *lead;          /* inbound lane lead time (the root's comes from its supplier) */
    int32_t *order_up_to;   /* S */
    int32_t *reorder_point; /* s */
    int32_t *review_days;   /* R */
    int32_t *min_order_qty;
    int32_t *first_review;  /* simulated day of the first review */
    int32_t *start_on_hand;
    int32_t pack;

    /* Children of each node in the order the allocation rule serves them. */
    int32_t *child_begin;   /* n + 1 */
    int32_t *child;
    int32_t n_internal;
    int32_t *internal;      /* nodes with children, in topological order */

    /* Demand points. */
    int32_t n_leaves;
    int32_t *leaf;                   /* node of demand point j */
    int32_t n_stock_only;
    int32_t *stock_only;             /* nodes without customer demand */
    const ech_dtable **tables;       /* [j * n_periods + period] or NULL for a replay */
    const int32_t **replay;          /* [j]: the history series, or NULL */

    /* Pipes, rings of arrival slots indexed by simulated day: one for the root's
     * supplier (its lead times can be long), and one slot x node table for the
     * lanes between locations, so that a day's arrivals are one contiguous row. */
    uint32_t supplier_mask;   /* supplier ring slots - 1 */
    uint32_t lane_mask;       /* lane ring slots - 1 */

    /* The variant the policy fields, the children's order and the supply are set
     * for (plan_set_variant); -1 before the first. */
    int32_t variant;
    uint8_t allocation;       /* the variant's ech_allocation_rule */

    /* Open orders of a snapshot start, sorted by simulated day. */
    int32_t n_open;
    int32_t *open_day, *open_node, *open_qty;

    /* Batches and expiry (batched: the SKU has a shelf life and the scenario tracks
     * expiry).  Remaining life at receipt from the supplier: uniform on
     * [life_lo, life_hi] days. */
    uint8_t batched;
    int32_t life_lo, life_hi;
    int32_t min_life;          /* days of life a batch must have left on arrival downstream */
    int32_t return_within;     /* returns: batches expiring within this many days; 0: none */
    int32_t *return_lead;      /* days a return takes from the node to the root */
    int32_t *min_child_lead;   /* the shortest lane lead time to the node's children */
    double *outflow;           /* expected daily outflow of each node */

    /* Controlled substances: at most one order per min_gap days, and a cap on the
     * inventory position (INT32_MAX: none). */
    uint8_t controlled;
    int32_t min_gap;
    int32_t *position_cap;

    int32_t reserve;           /* the root's units held back from its children */

    /* Lost-margin allocation: each node's expected demand over its coverage horizon
     * (review period + inbound lead time) and that demand's variance ratio. */
    double *horizon_mean;
    double *var_ratio;
    ech_claim *claims;
    int32_t *want;

    /* Cold-room occupancy: the SKU's unit volume (0 when its stock takes no cold
     * room or no occupancy is collected) and each node's cold-room slot. */
    int64_t cold_ml;
    int32_t *cold_slot;

    /* Scratch for the allocation rules. */
    int32_t *alloc_x;
    ech_alloc_scratch alloc;
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
    /* Demand points: the longest recovery after a disruption. */
    int64_t recovery_days, recoveries;
    /* Batches: written off, returned to the root, returns the root received; stock
     * age and remaining life summed over on-hand units and days. */
    int64_t expired, returned, returns_in, start_return_transit;
    int64_t age_days, life_days;
} node_acc;

typedef struct sku_state {
    int32_t *on_hand, *in_transit, *on_order, *owed_down, *backlog;
    int32_t *next_review;   /* simulated day of the node's next review */
    int32_t *ordered_qty;   /* the node's last order ... */
    int32_t *ordered_day;   /* ... and the day it was placed */
    uint8_t *short_today, *cycle_short;
    int32_t *supplier_pipe;  /* [supplier_mask + 1] */
    int32_t *lane_pipe;      /* [(lane_mask + 1) * n]: slot-major */
    int32_t *lane_pending;   /* [lane_mask + 1]: shipments waiting in each slot */
    int32_t next_open;
    int32_t measure_from;   /* first measured simulated day (= warm-up days) */
    ech_pcg32 *demand_rng;  /* per demand point */
    ech_supply supply;      /* the warehouse's sources: orders, owed units, outages */
    int primary_down;       /* the primary source was disrupted yesterday */
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
} sku_state;

struct ech_engine {
    const ech_scenario *sc;
    int32_t n_days;          /* simulated days: warm-up + measured */
    int32_t n_periods;       /* distinct (month, weekday) pairs of the horizon */
    uint16_t *period_of_day; /* [n_days] */
    int32_t *period_day;     /* a scenario day t of each period */
    ech_dtable *lead_tables;  /* [variant * sites + site] */
    int *lead_ok;
    int32_t plan_sku;         /* the SKU whose plan the arena holds, -1 for none */
    sku_plan plan;
    sku_state state;
    ech_arena fixed;         /* tables that live as long as the engine */
    ech_arena arena;         /* one SKU's plan and state */
    /* Scratch for table de-duplication. */
    double *dedup_mean;
    const ech_dtable **dedup_table;
    const ech_trace *trace;
    ech_cold_rooms *cold;    /* occupancy sink, or NULL */
    ech_batch_pool pool;     /* batches of the SKU being simulated (kept between SKUs) */
};

/* ------------------------------------------------------------------------------
 * Engine set-up
 * ------------------------------------------------------------------------------ */

static uint32_t pow2_at_least(uint32_t x)
{
    uint32_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}

ech_engine *ech_engine_new(const ech_scenario *sc)
{
    ech_engine *e = ech_xcalloc(1, sizeof *e, "engine");
    e->sc = sc;
    e->n_days = sc->warmup_days + sc->days;
    ech_arena_init(&e->fixed, 1 << 16);
    ech_arena_init(&e->arena, 1 << 20);

    /* Calendar periods: demand means are constant within a (month, weekday) pair. */
    e->period_of_day = ech_xmalloc((size_t)e->n_days * sizeof *e->period_of_day, "day periods");
    e->period_day = ech_xmalloc(((size_t)e->n_days / 28 + 2) * 7 * sizeof *e->period_day,
                                "period days");
    int32_t t0 = -sc->warmup_days;
    int first_month = -1, month_index = -1, last_month = -1;
    int32_t n_months = 0;
    for (int32_t d = 0; d < e->n_days; ++d) {
        int32_t t = t0 + d;
        int m = ech_scenario_month(sc, t);
        if (m != last_month) {
            last_month = m;
            month_index = n_months++;
            for (int w = 0; w < 7; ++w)
                e->period_day[month_index * 7 + w] = INT32_MIN;
        }
        (void)first_month;
        int w = ech_scenario_weekday(sc, t);
        int32_t p = month_index * 7 + w;
        e->period_of_day[d] = (uint16_t)p;
        if (e->period_day[p] == INT32_MIN)
            e->period_day[p] = t;
    }
    e->n_periods = n_months * 7;
    e->dedup_mean = ech_xmalloc((size_t)e->n_periods * sizeof *e->dedup_mean, "table dedup");
    e->dedup_table = ech_xmalloc((size_t)e->n_periods * sizeof *e->dedup_table, "table dedup");

    /* Lead-time tables of every site under every variant (each variant may scale
     * lead times), shared by all SKUs. */
    size_t nt = (size_t)sc->n_variants * (size_t)sc->sites.n;
    e->lead_tables = ech_xcalloc(nt ? nt : 1, sizeof *e->lead_tables, "lead-time tables");
    e->lead_ok = ech_xcalloc(nt ? nt : 1, sizeof *e->lead_ok, "lead-time table status");
    for (int32_t v = 0; v < sc->n_variants; ++v)
        for (int32_t site = 0; site < sc->sites.n; ++site) {
            size_t k = (size_t)v * (size_t)sc->sites.n + (size_t)site;
            e->lead_ok[k] = ech_lead_time_table(&e->lead_tables[k], &e->fixed,
                                                &sc->sites.lead_time[site],
                                                sc->variant[v].lead_time_factor) == 0;
        }
    e->plan_sku = -1;
    e->pool.free = -1;
    return e;
}

void ech_engine_free(ech_engine *e)
{
    if (!e)
        return;
    ech_arena_free(&e->fixed);
    ech_arena_free(&e->arena);
    free(e->pool.b);
    free(e->period_of_day);
    free(e->period_day);
    free(e->lead_tables);
    free(e->lead_ok);
    free(e->dedup_mean);
    free(e->dedup_table);
    free(e);
}

void ech_engine_set_trace(ech_engine *e, const ech_trace *trace)
{
    e->trace = trace;
}

void ech_engine_set_cold_rooms(ech_engine *e, ech_cold_rooms *cold)
{
    /* Plans record the slots, which every sink of the scenario shares: only
     * attaching the first sink or detaching the last changes them.  Switching
     * sinks between the variants of a SKU keeps its plan (its demand tables). */
    if ((cold == NULL) != (e->cold == NULL))
        e->plan_sku = -1;
    e->cold = cold;
}

int64_t ech_engine_sku_cost(const ech_scenario *sc, int32_t sku)
{
    int64_t demand_points = 0;
    for (int64_t x = sc->sl.sku_begin[sku]; x < sc->sl.sku_begin[sku + 1]; ++x)
        demand_points += sc->sl.demand_dist[x] != ECH_DEMAND_NONE;
    return (demand_points + 1) * (int64_t)(sc->warmup_days + sc->days);
}

int64_t ech_engine_sku_work(const ech_scenario *sc, int32_t sku)
{
    int64_t nodes = sc->sl.sku_begin[sku + 1] - sc->sl.sku_begin[sku];
    return nodes * (int64_t)(sc->warmup_days + sc->days);
}

/* ------------------------------------------------------------------------------
 * Building a SKU's plan
 * ------------------------------------------------------------------------------ */

static int32_t floor_mod(int64_t a, int32_t m)
{
    int64_t r = a % m;
    return (int32_t)(r < 0 ? r + m : r);
}

/* Sorting children by an allocation key: qsort has no context, and plans are built
 * by several threads at once, so the key travels with the element. */
typedef struct keyed_child {
    int32_t key;
    int32_t node;
} keyed_child;

static int cmp_keyed_child(const void *a, const void *b)
{
    const keyed_child *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}

/* Builds the demand tables of demand point j (skuloc x), one per calendar period,
 * sharing a table between periods with the same mean. */
static ech_status build_demand_tables(ech_engine *e, sku_plan *p, int32_t j, int64_t x,
                                      ech_error *err)
{
    const ech_scenario *sc = e->sc;
    const ech_skulocs *sl = &sc->sl;
    const ech_dtable **tabs = p->tables + (size_t)j * (size_t)e->n_periods;
    double zero = sl->demand_zero_prob[x];
    int32_t n_distinct = 0;
    for (int32_t q = 0; q < e->n_periods; ++q) {
        if (e->period_day[q] == INT32_MIN) {
            tabs[q] = NULL; /* this (month, weekday) does not occur in the horizon */
            continue;
        }
        double mean = ech_scenario_daily_mean(sc, x, e->period_day[q]);
        const ech_dtable *found = NULL;
        for (int32_t k = 0; k < n_distinct; ++k) {
            if (e->dedup_mean[k] == mean) {
                found = e->dedup_table[k];
                break;
            }
        }
        if (!found) {
            ech_dtable *t = ech_arena_alloc(&e->arena, sizeof *t, "demand table");
            /* The skuloc's mean includes the extra zeros; the base distribution's
             * mean is higher by 1 / (1 - zero_prob). */
            double base_mean = mean / (1.0 - zero);
            int rc = sl->demand_dist[x] == ECH_DEMAND_NEGBIN
                         ? ech_dtable_negbin(t, &e->arena, base_mean, sl->demand_var_ratio[x], zero)
                         : ech_dtable_poisson(t, &e->arena, base_mean, zero);
            if (rc != 0)
                return ech_fail(err, ECH_ERR_RUNTIME,
                                "cannot build the demand table of SKU '%s' at '%s' (mean %g, "
                                "variance ratio %g, zero share %g)",
                                sc->cat.id[sl->sku[x]], sc->net.id[sl->location[x]], mean,
                                sl->demand_var_ratio[x], zero);
            e->dedup_mean[n_distinct] = mean;
            e->dedup_table[n_distinct] = t;
            ++n_distinct;
            found = t;
        }
        tabs[q] = found;
    }
    return ECH_OK;
}

static ech_status build_plan(ech_engine *e, int32_t sku, sku_plan *p, ech_error *err)
{
    const ech_scenario *sc = e->sc;
    const ech_skulocs *sl = &sc->sl;
    const ech_network *net = &sc->net;
    ech_arena *a = &e->arena;

    memset(p, 0, sizeof *p);
    p->variant = -1;
    p->sku = sku;
    p->first = sl->sku_begin[sku];
    int32_t n = p->n = (int32_t)(sl->sku_begin[sku + 1] - p->first);
    p->pack = sc->cat.pack_size[sku];

    size_t ni = (size_t)n * sizeof(int32_t);
    p->parent = ech_arena_alloc(a, ni, "plan parents");
    p->lead = ech_arena_alloc(a, ni, "plan lead times");
    p->order_up_to = ech_arena_alloc(a, ni, "plan S");
    p->reorder_point = ech_arena_alloc(a, ni, "plan s");
    p->review_days = ech_arena_alloc(a, ni, "plan R");
    p->min_order_qty = ech_arena_alloc(a, ni, "plan MOQ");
    p->first_review = ech_arena_alloc(a, ni, "plan review phase");
    p->start_on_hand = ech_arena_alloc(a, ni, "plan start stock");
    p->child_begin = ech_arena_calloc(a, (size_t)n + 1, sizeof(int32_t), "plan child ranges");
    p->child = ech_arena_alloc(a, ni, "plan children");
    p->internal = ech_arena_alloc(a, ni, "plan internal nodes");
    p->leaf = ech_arena_alloc(a, ni, "plan demand points");
    p->stock_only = ech_arena_alloc(a, ni, "plan nodes without demand");
    p->alloc_x = ech_arena_alloc(a, ni, "allocation quantities");
    ech_alloc_scratch_init(&p->alloc, ech_arena_alloc(a, ech_alloc_scratch_bytes(n), "allocation scratch"),
                           n);
    p->claims = ech_arena_alloc(a, (size_t)n * sizeof *p->claims, "allocation claims");
    p->want = ech_arena_alloc(a, ni, "allocation wants");
    p->horizon_mean = ech_arena_alloc(a, (size_t)n * sizeof(double), "horizon demand");
    p->var_ratio = ech_arena_alloc(a, (size_t)n * sizeof(double), "demand variance ratios");
    p->outflow = ech_arena_alloc(a, (size_t)n * sizeof(double), "expected outflows");
    p->return_lead = ech_arena_alloc(a, ni, "return lead times");
    p->min_child_lead = ech_arena_alloc(a, ni, "nearest child lead times");
    p->position_cap = ech_arena_alloc(a, ni, "position caps");
    p->cold_slot = ech_arena_alloc(a, ni, "cold-room slots");
    p->cold_ml = e->cold ? ech_cold_unit_ml(sc, sku) : 0;

    /* Controlled substances: cadence, cap and slower lanes. */
    p->controlled = sc->cat.handling[sku] == ECH_HANDLING_CONTROLLED;
    int32_t extra_lead = p->controlled ? sc->controlled.extra_lead_time_days : 0;
    p->min_gap = p->controlled ? sc->controlled.min_days_between_orders : 0;

    /* Batches. */
    int32_t shelf = sc->cat.shelf_life_days[sku];
    p->batched = sc->expiry.enabled && shelf > 0;
    if (p->batched) {
        double lo = sc->expiry.receipt_life_min, hi = sc->expiry.receipt_life_max;
        if (sc->cat.receipt_life_min && !isnan(sc->cat.receipt_life_min[sku])) {
            lo = sc->cat.receipt_life_min[sku];
            hi = sc->cat.receipt_life_max[sku];
        }
        if (!(lo > 0.0) || !(hi >= lo) || hi > 1.0)
            lo = hi = 1.0;
        p->life_lo = (int32_t)ceil(shelf * lo - 1e-9);
        p->life_hi = (int32_t)floor(shelf * hi + 1e-9);
        if (p->life_lo < 1)
            p->life_lo = 1;
        if (p->life_hi < p->life_lo)
            p->life_hi = p->life_lo;
        p->min_life = sc->expiry.min_remaining_days > 1 ? sc->expiry.min_remaining_days : 1;
        p->return_within = sc->expiry.returns ? sc->expiry.return_within_days : 0;
        /* With returns, a location refuses what a pharmacy could send back: otherwise
         * the warehouse, issuing FEFO, ships returned stock straight back down. */
        if (p->return_within > p->min_life)
            p->min_life = p->return_within;
    }

    int32_t max_lane_lead = 0;
    for (int32_t i = 0; i < n; ++i) {
        int64_t x = p->first + i;
        int32_t loc = sl->location[x];
        p->cold_slot[i] = p->cold_ml > 0 ? e->cold->slot[loc] : -1;
        p->parent[i] = sl->parent[x] >= 0 ? (int32_t)(sl->parent[x] - p->first) : -1;
        if (p->parent[i] >= 0)
            p->child_begin[p->parent[i] + 1]++;
        if (p->parent[i] < 0) {
            p->lead[i] = -1;
        } else {
            p->lead[i] = net->lead_time_days[loc] + extra_lead;
        }
        /* Returns travel up the tree to the root, lane by lane. */
        p->return_lead[i] = p->parent[i] < 0 ? 0 : p->return_lead[p->parent[i]] + p->lead[i];
        int32_t reach = p->lead[i] > p->return_lead[i] ? p->lead[i] : p->return_lead[i];
        if (reach > max_lane_lead)
            max_lane_lead = reach;
        p->outflow[i] = sl->expected_outflow[x];
        p->var_ratio[i] = sl->demand_dist[x] == ECH_DEMAND_NEGBIN ? sl->demand_var_ratio[x] : 1.0;
        /* The cap on stock held: max_stock_days of expected outflow, at least a pack. */
        p->position_cap[i] = INT32_MAX;
        if (p->controlled && sc->controlled.max_stock_days > 0.0) {
            double cap = ceil(sc->controlled.max_stock_days * p->outflow[i] - 1e-9);
            p->position_cap[i] = cap < p->pack ? p->pack : cap > INT32_MAX / 2 ? INT32_MAX / 2 : (int32_t)cap;
        }
    }
    p->lane_mask = pow2_at_least((uint32_t)max_lane_lead + 1) - 1;
    for (int32_t i = 0; i < n; ++i)
        p->min_child_lead[i] = INT32_MAX;
    for (int32_t i = 1; i < n; ++i)
        if (p->lead[i] < p->min_child_lead[p->parent[i]])
            p->min_child_lead[p->parent[i]] = p->lead[i];

    /* Children in allocation order. */
    for (int32_t i = 0; i < n; ++i)
        p->child_begin[i + 1] += p->child_begin[i];
    int32_t *fill = p->alloc_x; /* free until the simulation starts */
    for (int32_t i = 0; i < n; ++i)
        fill[i] = p->child_begin[i];
    for (int32_t i = 1; i < n; ++i)
        p->child[fill[p->parent[i]]++] = i;
    for (int32_t i = 0; i < n; ++i) {
        if (p->child_begin[i + 1] > p->child_begin[i])
            p->internal[p->n_internal++] = i;
        if (sl->demand_dist[p->first + i] != ECH_DEMAND_NONE)
            p->leaf[p->n_leaves++] = i;
        else
            p->stock_only[p->n_stock_only++] = i;
    }

    /* Demand tables and replay series. */
    p->tables = ech_arena_calloc(a, (size_t)p->n_leaves * (size_t)e->n_periods,
                                 sizeof *p->tables, "demand table index");
    p->replay = ech_arena_calloc(a, (size_t)(p->n_leaves ? p->n_leaves : 1), sizeof *p->replay,
                                 "replay series");
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        int64_t x = p->first + p->leaf[j];
        if (sl->demand_dist[x] == ECH_DEMAND_REPLAY) {
            p->replay[j] = sc->replay.quantity + (size_t)sl->replay[x] * (size_t)sc->replay.n_days;
        } else {
            ech_status st = build_demand_tables(e, p, j, x, err);
            if (st != ECH_OK)
                return st;
        }
    }

    /* Open orders (snapshot start) of this SKU's skulocs, by arrival day. */
    const ech_open_orders *oo = &sc->open_orders;
    int64_t lo = 0, hi = oo->n;
    while (lo < hi) { /* first open order of the SKU's first skuloc */
        int64_t mid = lo + (hi - lo) / 2;
        if (oo->skuloc[mid] < p->first)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t end = lo;
    while (end < oo->n && oo->skuloc[end] < p->first + n)
        ++end;
    p->n_open = (int32_t)(end - lo);
    if (p->n_open > 0) {
        keyed_child *tmp = ech_arena_alloc(a, (size_t)p->n_open * sizeof *tmp, "open orders");
        for (int32_t k = 0; k < p->n_open; ++k) {
            int32_t d = oo->arrival_day[lo + k] + sc->warmup_days;
            tmp[k].key = d < 0 ? 0 : d;
            tmp[k].node = k; /* stable: ties keep input order */
        }
        qsort(tmp, (size_t)p->n_open, sizeof *tmp, cmp_keyed_child);
        p->open_day = ech_arena_alloc(a, (size_t)p->n_open * sizeof(int32_t), "open order days");
        p->open_node = ech_arena_alloc(a, (size_t)p->n_open * sizeof(int32_t), "open order nodes");
        p->open_qty = ech_arena_alloc(a, (size_t)p->n_open * sizeof(int32_t), "open order quantities");
        for (int32_t k = 0; k < p->n_open; ++k) {
            int64_t src = lo + tmp[k].node;
            p->open_day[k] = tmp[k].key;
            p->open_node[k] = (int32_t)(oo->skuloc[src] - p->first);
            p->open_qty[k] = oo->quantity[src];
        }
    }
    return ECH_OK;
}

/* The parts of a plan that differ between variants: policy numbers, review phases,
 * start stock, the order children are served in, and the supply (its lead-time
 * tables).  The children keep their fair-share order (topological) unless the
 * variant ranks them. */
static ech_status plan_set_variant(ech_engine *e, sku_plan *p, sku_state *s, int32_t variant,
                                   ech_error *err)
{
    const ech_scenario *sc = e->sc;
    const ech_skulocs *sl = &sc->sl;
    const ech_network *net = &sc->net;
    const ech_variant *vt = &sc->variant[variant];
    int32_t t0 = -sc->warmup_days;
    p->variant = variant;
    p->allocation = vt->allocation;

    for (int32_t i = 0; i < p->n; ++i) {
        int64_t x = p->first + i;
        int32_t loc = sl->location[x];
        p->review_days[i] = vt->review_days[x];
        p->min_order_qty[i] = vt->min_order_qty[x];
        /* Review on days t with (t - offset) mod R == 0. */
        p->first_review[i] = floor_mod((int64_t)net->review_offset[loc] - t0, p->review_days[i]);
        p->horizon_mean[i] = p->outflow[i] * (double)(p->review_days[i] + (i > 0 ? p->lead[i] : 0));
    }
    p->reserve = vt->reserve ? vt->reserve[p->first] : 0;

    for (int32_t i = 0; i < p->n; ++i) {
        int32_t b = p->child_begin[i], k = p->child_begin[i + 1] - b;
        if (k < 2)
            continue;
        keyed_child tmp_small[64];
        keyed_child *tmp = k <= 64 ? tmp_small
                                   : ech_arena_alloc(&e->arena, (size_t)k * sizeof *tmp,
                                                     "allocation order");
        for (int32_t c = 0; c < k; ++c) {
            int32_t node = p->child[b + c];
            int32_t loc = sl->location[p->first + node];
            tmp[c].node = node;
            switch (vt->allocation) {
            case ECH_ALLOC_PRIORITY:
                tmp[c].key = net->priority_rank[loc];
                break;
            case ECH_ALLOC_ALPHABETICAL:
                tmp[c].key = net->name_rank[loc];
                break;
            default:
                tmp[c].key = net->topo_pos[loc];
                break;
            }
        }
        qsort(tmp, (size_t)k, sizeof *tmp, cmp_keyed_child);
        for (int32_t c = 0; c < k; ++c)
            p->child[b + c] = tmp[c].node;
    }

    const ech_dtable *tables = e->lead_tables + (size_t)variant * (size_t)sc->sites.n;
    const int *ok = e->lead_ok + (size_t)variant * (size_t)sc->sites.n;
    int32_t sites[2] = {sc->cat.site[p->sku], sc->cat.alt_site[p->sku]};
    for (int k = 0; k < 2; ++k)
        if (sites[k] >= 0 && !ok[sites[k]])
            return ech_fail(err, ECH_ERR_RUNTIME,
                            "site '%s' of SKU '%s' has an unusable lead-time distribution in "
                            "variant '%s'",
                            sc->sites.id[sites[k]], sc->cat.id[p->sku], vt->name);
    if (ech_supply_init(&s->supply, sc, p->sku, tables, vt->use_alternatives) != 0)
        return ech_fail(err, ECH_ERR_RUNTIME, "SKU '%s': unusable supply set-up", sc->cat.id[p->sku]);
    int32_t max_lead = 0;
    for (int k = 0; k < s->supply.n_sources; ++k) {
        const ech_dtable *lt = s->supply.source[k].lead_time;
        if (lt->base + lt->n - 1 > max_lead)
            max_lead = lt->base + lt->n - 1;
    }
    p->supplier_mask = pow2_at_least((uint32_t)max_lead + 1) - 1;
    s->supplier_pipe = ech_arena_alloc(&e->arena, ((size_t)p->supplier_mask + 1) * sizeof(int32_t),
                                       "supplier pipe");
    return ECH_OK;
}

/* The targets the replications run under: the variant's, or the request's.  A node
 * without a start snapshot starts at its order-up-to level. */
static void plan_set_targets(const ech_engine *e, sku_plan *p, const ech_eval_request *req)
{
    const ech_skulocs *sl = &e->sc->sl;
    const ech_variant *vt = &e->sc->variant[p->variant];
    for (int32_t i = 0; i < p->n; ++i) {
        int64_t x = p->first + i;
        if (req->order_up_to) {
            p->order_up_to[i] = req->order_up_to[i];
            p->reorder_point[i] =
                req->reorder_point ? req->reorder_point[i] : req->order_up_to[i] - 1;
        } else {
            p->order_up_to[i] = vt->order_up_to[x];
            p->reorder_point[i] = vt->reorder_point[x];
        }
        p->start_on_hand[i] = sl->start_on_hand[x] >= 0 ? sl->start_on_hand[x] : p->order_up_to[i];
    }
}

static void state_alloc(ech_arena *a, const sku_plan *p, sku_state *s, ech_batch_pool *pool)
{
    size_t ni = (size_t)p->n * sizeof(int32_t), nl = (size_t)p->n * sizeof(int64_t);
    s->on_hand = ech_arena_alloc(a, ni, "on hand");
    s->in_transit = ech_arena_alloc(a, ni, "in transit");
    s->on_order = ech_arena_alloc(a, ni, "on order");
    s->owed_down = ech_arena_alloc(a, ni, "owed downstream");
    s->backlog = ech_arena_alloc(a, ni, "customer backlog");
    s->next_review = ech_arena_alloc(a, ni, "next reviews");
    s->ordered_qty = ech_arena_alloc(a, ni, "last orders");
    s->ordered_day = ech_arena_alloc(a, ni, "last order days");
    s->short_today = ech_arena_alloc(a, (size_t)p->n, "shortage flags");
    s->cycle_short = ech_arena_alloc(a, (size_t)p->n, "cycle shortage flags");
    s->lane_pipe = ech_arena_alloc(a, ((size_t)p->lane_mask + 1) * ni, "lane pipes");
    s->lane_pending = ech_arena_alloc(a, ((size_t)p->lane_mask + 1) * sizeof(int32_t),
                                      "lane pipe counts");
    s->demand_rng = ech_arena_alloc(a, (size_t)(p->n_leaves ? p->n_leaves : 1) * sizeof(ech_pcg32),
                                    "demand streams");
    s->on_hand_days = ech_arena_alloc(a, nl, "on-hand unit-days");
    s->backlog_days = ech_arena_alloc(a, nl, "backlog unit-days");
    s->stockout_days = ech_arena_alloc(a, nl, "stockout days");
    s->acc = ech_arena_alloc(a, (size_t)p->n * sizeof(node_acc), "node counters");
    size_t nj = (size_t)(p->n_leaves ? p->n_leaves : 1) * sizeof(int32_t);
    s->recover_from = ech_arena_alloc(a, nj, "recovery starts");
    s->clean_since = ech_arena_alloc(a, nj, "days without shortage");
    s->batches.pool = pool;
    if (p->batched) {
        s->batches.head = ech_arena_alloc(a, ni, "batch lists");
        s->batches.entry_sum = ech_arena_alloc(a, nl, "stock entry sums");
        s->batches.expiry_sum = ech_arena_alloc(a, nl, "stock expiry sums");
        s->lane_batches = ech_arena_alloc(a, ((size_t)p->lane_mask + 1) * ni, "batches in transit");
    }
}

/* ------------------------------------------------------------------------------
 * Batches: each node's stock as a list sorted by expiry (then entry day)
 * ------------------------------------------------------------------------------ */

/* Days of life a receipt from the supplier has left. */
static inline int32_t receipt_life(const sku_plan *p, sku_state *s)
{
    if (p->life_hi == p->life_lo)
        return p->life_lo;
    return p->life_lo + (int32_t)ech_pcg32_bounded(&s->life_rng, (uint32_t)(p->life_hi - p->life_lo + 1));
}

/* A fresh receipt from the supplier at node i. */
static inline void stock_receive_new(const sku_plan *p, sku_state *s, int32_t i, int32_t q,
                                     int32_t d)
{
    if (q > 0)
        ech_batches_add(&s->batches, i, q, d + receipt_life(p, s), d);
}

/* Start of a replication: the start stock, open orders in transit, fresh streams,
 * the supply's outages. */
static void state_reset(ech_engine *e, const sku_plan *p, sku_state *s, int64_t rep)
{
    const ech_scenario *sc = e->sc;
    int32_t n = p->n;
    size_t ni = (size_t)n * sizeof(int32_t);
    memset(s->in_transit, 0, ni);
    memset(s->on_order, 0, ni);
    memset(s->owed_down, 0, ni);
    memset(s->backlog, 0, ni);
    memset(s->ordered_qty, 0, ni);
    memset(s->short_today, 0, (size_t)n);
    memset(s->cycle_short, 0, (size_t)n);
    memset(s->supplier_pipe, 0, ((size_t)p->supplier_mask + 1) * sizeof(int32_t));
    memset(s->lane_pipe, 0, ((size_t)p->lane_mask + 1) * ni);
    memset(s->lane_pending, 0, ((size_t)p->lane_mask + 1) * sizeof(int32_t));
    memcpy(s->on_hand, p->start_on_hand, ni);
    memcpy(s->next_review, p->first_review, ni);
    for (int32_t i = 0; i < n; ++i)
        s->ordered_day[i] = -1;
    for (int32_t k = 0; k < p->n_open; ++k)
        s->in_transit[p->open_node[k]] += p->open_qty[k];
    s->next_open = 0;
    s->measure_from = sc->warmup_days;
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        int32_t loc = sc->sl.location[p->first + p->leaf[j]];
        ech_stream_init(&s->demand_rng[j], sc->seed, ECH_STREAM_DEMAND, (uint64_t)p->sku,
                        (uint64_t)rep, sc->net.id_hash[loc]);
    }
    ech_supply_begin(&s->supply, sc, &sc->variant[p->variant], p->sku, rep, &e->arena);
    s->primary_down = 0;
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        s->recover_from[j] = -1;
        s->clean_since[j] = 0;
    }
    s->n_recovering = 0;

    if (p->batched) {
        /* Every batch of the last replication goes back to the pool. */
        ech_batches_reset(&s->batches, n);
        for (size_t k = 0; k < ((size_t)p->lane_mask + 1) * (size_t)n; ++k)
            s->lane_batches[k] = -1;
        s->return_transit = 0;
        ech_stream_init(&s->life_rng, sc->seed, ECH_STREAM_SHELF_LIFE, (uint64_t)p->sku,
                        (uint64_t)rep, 0);
        /* Start stock of unknown age: as if just received from the supplier (the
         * warm-up brings it to a steady mix of ages). */
        for (int32_t i = 0; i < n; ++i)
            stock_receive_new(p, s, i, s->on_hand[i], 0);
    }
}

/* ------------------------------------------------------------------------------
 * The day, step by step
 * ------------------------------------------------------------------------------ */

/* Writes off node i's batches whose expiry day has come (the front of its list). */
static inline void expire_node(sku_state *s, int32_t i, int32_t d)
{
    int32_t q = ech_batches_expire(&s->batches, i, d);
    s->on_hand[i] -= q;
    s->acc[i].expired += q;
}

/* Returned units (and their batches) reach the root.  A return can take longer than
 * its batch had left: what expired on the way is written off as it arrives, since
 * step 1 has run (shipments down the tree always arrive with at least min_life days
 * left, so only returns need this). */
static void returns_arrive(sku_state *s, int32_t q, int32_t chain, int32_t d)
{
    s->on_hand[0] += q;
    s->acc[0].returns_in += q;
    ech_batches_put_chain(&s->batches, 0, chain);
    expire_node(s, 0, d);
}

/* Step 1: batches whose expiry day has come are written off. */
static inline void step_expire(const sku_plan *p, sku_state *s, int32_t d)
{
    if (d < s->batches.next_expiry)
        return; /* nothing expires before then: most days of most SKUs */
    const ech_batch *b = s->batches.pool->b;
    int32_t next = INT32_MAX;
    for (int32_t i = 0; i < p->n; ++i) {
        expire_node(s, i, d);
        int32_t k = s->batches.head[i];
        if (k >= 0 && b[k].expiry < next)
            next = b[k].expiry;
    }
    s->batches.next_expiry = next;
}

/* Puts a shipment of q units on its way to node i; with lead time 0 it arrives at
 * once (before demand, and in time to travel on downstream the same day).  Between
 * locations, `chain` holds its batches (batched SKUs). */
static inline void deliver(const sku_plan *p, sku_state *s, int32_t i, int32_t q, int32_t d,
                           int32_t lead, int32_t chain)
{
    s->acc[i].shipped_in += q;
    if (lead == 0) {
        s->on_hand[i] += q;
        s->acc[i].received += q;
        if (p->batched) {
            if (i == 0)
                stock_receive_new(p, s, 0, q, d);
            else
                ech_batches_put_chain(&s->batches, i, chain);
        }
    } else if (i == 0) {
        s->supplier_pipe[(uint32_t)(d + lead) & p->supplier_mask] += q;
        s->in_transit[i] += q;
    } else {
        uint32_t slot = (uint32_t)(d + lead) & p->lane_mask;
        size_t cell = (size_t)slot * (size_t)p->n + (size_t)i;
        s->lane_pipe[cell] += q;
        s->lane_pending[slot]++;
        s->in_transit[i] += q;
        if (p->batched)
            ech_batch_chain_join(s->batches.pool, &s->lane_batches[cell], chain);
    }
}

static inline void receive(sku_state *s, int32_t i, int32_t q)
{
    s->on_hand[i] += q;
    s->in_transit[i] -= q;
    s->acc[i].received += q;
}

/* Step 2: every shipment due today arrives. */
static inline void step_receive(const sku_plan *p, sku_state *s, int32_t d)
{
    int32_t *from_supplier = &s->supplier_pipe[(uint32_t)d & p->supplier_mask];
    if (*from_supplier) {
        receive(s, 0, *from_supplier);
        if (p->batched)
            stock_receive_new(p, s, 0, *from_supplier, d);
        *from_supplier = 0;
    }
    uint32_t slot = (uint32_t)d & p->lane_mask;
    if (s->lane_pending[slot]) {
        size_t base = (size_t)slot * (size_t)p->n;
        int32_t *row = &s->lane_pipe[base];
        if (p->batched && row[0]) {
            s->return_transit -= row[0];
            returns_arrive(s, row[0], s->lane_batches[base], d);
            row[0] = 0;
            s->lane_batches[base] = -1;
        }
        for (int32_t i = 1; i < p->n; ++i) {
            if (row[i]) {
                receive(s, i, row[i]);
                row[i] = 0;
            }
        }
        if (p->batched) {
            for (int32_t i = 1; i < p->n; ++i) {
                ech_batches_put_chain(&s->batches, i, s->lane_batches[base + (size_t)i]);
                s->lane_batches[base + (size_t)i] = -1;
            }
        }
        s->lane_pending[slot] = 0;
    }
    /* Open orders of a snapshot start may be due beyond the pipes' reach. */
    while (s->next_open < p->n_open && p->open_day[s->next_open] == d) {
        int32_t k = s->next_open++;
        receive(s, p->open_node[k], p->open_qty[k]);
        if (p->batched)
            stock_receive_new(p, s, p->open_node[k], p->open_qty[k], d);
    }
}

/* After the receipts: the day's cold-room occupancy (measured days only). */
static void add_cold_occupancy(ech_cold_rooms *cold, const sku_plan *p, const sku_state *s,
                               int64_t rep, int32_t t)
{
    for (int32_t i = 0; i < p->n; ++i)
        if (s->on_hand[i] > 0 && p->cold_slot[i] >= 0)
            ech_cold_rooms_add(cold, p->cold_slot[i], rep, t, (int64_t)s->on_hand[i] * p->cold_ml);
}

/* Returns (at a pharmacy's review): the units of batches expiring within
 * return_within days that its mean demand will not sell before they expire go back
 * to the root.  FEFO sells the earliest batch first, so with expected sales E_b
 * before batch b expires and U_b units in batch b and the batches before it, U_b -
 * E_b units cannot sell; returning the largest such excess from the front leaves
 * every batch sellable in expectation. */
static void return_slow_stock(const sku_plan *p, sku_state *s, int32_t i, int32_t d)
{
    const ech_batch *b = s->batches.pool->b;
    int64_t units = 0, excess = 0;
    for (int32_t k = s->batches.head[i]; k >= 0 && b[k].expiry < d + p->return_within; k = b[k].next) {
        units += b[k].qty;
        int64_t sells = (int64_t)ceil(p->outflow[i] * (double)(b[k].expiry - d) - 1e-9);
        if (units - sells > excess)
            excess = units - sells;
    }
    if (excess == 0)
        return;
    int32_t chain = -1;
    int32_t q = ech_batches_take(&s->batches, i, (int32_t)excess, INT32_MIN, &chain);
    s->on_hand[i] -= q;
    s->acc[i].returned += q;
    int32_t lead = p->return_lead[i];
    if (lead == 0) {
        returns_arrive(s, q, chain, d);
        return;
    }
    uint32_t slot = (uint32_t)(d + lead) & p->lane_mask;
    size_t cell = (size_t)slot * (size_t)p->n;
    s->lane_pipe[cell] += q;
    s->lane_pending[slot]++;
    s->return_transit += q;
    ech_batch_chain_join(s->batches.pool, &s->lane_batches[cell], chain);
}

/* Controlled substances: no order within min_gap days of the last one, and none
 * that lifts the inventory position above the cap (rounded down to whole packs,
 * dropped below the minimum order). */
static int32_t controlled_order_qty(const sku_plan *p, const sku_state *s, int32_t i,
                                    int32_t position, int32_t q, int32_t d)
{
    if (p->min_gap > 0 && s->ordered_day[i] >= 0 && d - s->ordered_day[i] < p->min_gap)
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

/* Step 3: review and order, downstream to upstream, so that a parent's position
 * counts what its children ordered today. */
static inline void step_review(const sku_plan *p, sku_state *s, int32_t d)
{
    for (int32_t i = p->n - 1; i >= 0; --i) {
        if (d != s->next_review[i])
            continue;
        s->next_review[i] += p->review_days[i];
        node_acc *acc = &s->acc[i];
        /* A review closes the replenishment cycle that began at the last one; a
         * cycle that lay wholly in the warm-up is not counted. */
        if (d > s->measure_from) {
            acc->cycles++;
            acc->cycles_ok += !s->cycle_short[i];
        }
        s->cycle_short[i] = 0;
        if (p->return_within > 0 && i > 0 && p->child_begin[i + 1] == p->child_begin[i])
            return_slow_stock(p, s, i, d);

        int32_t position = s->on_hand[i] + s->in_transit[i] + s->on_order[i] - s->owed_down[i] -
                           s->backlog[i];
        int32_t q = ech_policy_order_qty(position, p->reorder_point[i], p->order_up_to[i], p->pack,
                                         p->min_order_qty[i]);
        if (q > 0 && p->controlled)
            q = controlled_order_qty(p, s, i, position, q, d);
        if (q > 0) {
            s->on_order[i] += q;
            s->ordered_qty[i] = q;
            s->ordered_day[i] = d;
            acc->orders++;
            acc->ordered += q;
            int32_t parent = p->parent[i];
            if (parent >= 0) {
                s->owed_down[parent] += q;
                s->acc[parent].demand += q;
            } else {
                acc->alt_ordered += ech_supply_order(&s->supply, q, d);
            }
        }
    }
}

/* Splits `avail` units among node i's children (avail < what they are owed) by the
 * variant's rule (allocation.h); writes each child's share to p->alloc_x[c - first
 * child]. */
static void allocate(sku_plan *p, const sku_state *s, int32_t i, int32_t avail, int32_t d)
{
    int32_t b = p->child_begin[i], k = p->child_begin[i + 1] - b;
    int32_t *x = p->alloc_x;
    switch (p->allocation) {
    case ECH_ALLOC_FAIR_SHARE:
        for (int32_t c = 0; c < k; ++c)
            p->want[c] = s->on_order[p->child[b + c]];
        ech_allocate_fair_share(k, p->want, avail, (int32_t)((uint32_t)d % (uint32_t)k), x,
                                &p->alloc);
        return;
    case ECH_ALLOC_LOST_MARGIN:
        for (int32_t c = 0; c < k; ++c) {
            int32_t child = p->child[b + c];
            ech_claim *cl = &p->claims[c];
            cl->want = s->on_order[child];
            cl->stock = s->on_hand[child] + s->in_transit[child] - s->owed_down[child] -
                        s->backlog[child];
            cl->mean = p->horizon_mean[child];
            cl->var_ratio = p->var_ratio[child];
        }
        ech_allocate_lost_margin(k, p->claims, avail, x, &p->alloc);
        return;
    default:
        /* Priority and alphabetical: children are stored in serving order. */
        for (int32_t c = 0; c < k; ++c) {
            int32_t want = s->on_order[p->child[b + c]];
            int32_t give = want < avail ? want : avail;
            x[c] = give;
            avail -= give;
        }
        return;
    }
}

/* Step 4: ship, upstream to downstream.  The supplier ships the root's orders with
 * a random lead time; each location fills its children's open orders from on hand,
 * splitting by the allocation rule when short. */
static inline void step_ship(const ech_scenario *sc, sku_plan *p, sku_state *s, int32_t d)
{
    if (s->on_order[0] > 0) {
        for (int k = 0; k < s->supply.n_sources; ++k) {
            ech_supply_day day = {0, 0};
            int32_t lead = 0;
            int32_t q = ech_supply_ship(&s->supply.source[k], d, &lead, &day);
            s->on_order[0] -= q + day.cancelled;
            s->acc[0].supplier_cancelled += day.cancelled;
            s->acc[0].supplier_delayed += day.delayed;
            if (q > 0)
                deliver(p, s, 0, q, d, lead, -1);
        }
    }
    int cut = sc->internal_shortfall == ECH_SHORTFALL_CUT;
    for (int32_t m = 0; m < p->n_internal; ++m) {
        int32_t i = p->internal[m];
        if (s->owed_down[i] == 0)
            continue;
        int32_t b = p->child_begin[i], k = p->child_begin[i + 1] - b;
        int32_t avail = s->on_hand[i];
        if (p->batched) /* children refuse batches with less than min_life days left on arrival */
            avail = ech_batches_usable(&s->batches, i, s->on_hand[i], d + p->min_child_lead[i] + p->min_life);
        if (i == 0 && p->reserve > 0) {
            int32_t free_stock = s->on_hand[0] - p->reserve;
            avail = free_stock < avail ? (free_stock > 0 ? free_stock : 0) : avail;
        }
        int short_of_stock = avail < s->owed_down[i];
        if (short_of_stock)
            allocate(p, s, i, avail, d);
        node_acc *acc = &s->acc[i];
        for (int32_t c = 0; c < k; ++c) {
            int32_t child = p->child[b + c];
            int32_t owed = s->on_order[child];
            if (owed == 0)
                continue;
            int32_t q = short_of_stock ? p->alloc_x[c] : owed;
            int32_t chain = -1;
            if (p->batched && q > 0)
                q = ech_batches_take(&s->batches, i, q, d + p->lead[child] + p->min_life, &chain);
            /* What was ordered before today is served first (first come, first
             * served); the rest of the shipment fills today's order on time. */
            int32_t today = s->ordered_day[child] == d ? s->ordered_qty[child] : 0;
            int32_t older = owed - today;
            int32_t on_time = q - older;
            on_time = on_time < 0 ? 0 : (on_time > today ? today : on_time);
            acc->filled += on_time;
            if (q > 0) {
                s->on_hand[i] -= q;
                s->owed_down[i] -= q;
                s->on_order[child] -= q;
                acc->shipped += q;
                deliver(p, s, child, q, d, p->lead[child], chain);
            }
            int32_t late = today - on_time;
            if (late > 0) {
                s->short_today[i] = 1;
                s->cycle_short[i] = 1;
                if (!cut)
                    acc->backordered += late;
            }
            if (cut && s->on_order[child] > 0) {
                int32_t rest = s->on_order[child];
                acc->lost += rest;
                s->owed_down[i] -= rest;
                s->on_order[child] = 0;
            }
        }
    }
}

/* Steps 5 and 6 at the demand points: demand is served from on hand, waiting
 * backorders first, then today's demand; what cannot be served is lost or waits.
 * Then the day's end is accounted. */
static inline void step_demand_and_account(const ech_scenario *sc, const sku_plan *p, sku_state *s,
                                           int32_t d, int32_t period, int32_t n_periods)
{
    int backorder = sc->unmet_demand == ECH_UNMET_BACKORDER;
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        int32_t i = p->leaf[j];
        int32_t demand;
        if (p->replay[j])
            demand = p->replay[j][d];
        else
            demand = ech_dtable_sample(p->tables[(size_t)j * (size_t)n_periods + (size_t)period],
                                       &s->demand_rng[j]);
        int32_t on_hand = s->on_hand[i];
        if (s->backlog[i] > 0 && on_hand > 0) {
            int32_t served = s->backlog[i] < on_hand ? s->backlog[i] : on_hand;
            s->backlog[i] -= served;
            on_hand -= served;
            s->acc[i].sold += served;
        }
        if (demand > 0) {
            node_acc *acc = &s->acc[i];
            int32_t served = demand < on_hand ? demand : on_hand;
            on_hand -= served;
            acc->demand += demand;
            acc->filled += served;
            acc->sold += served;
            int32_t unmet = demand - served;
            if (unmet > 0) {
                s->short_today[i] = 1;
                s->cycle_short[i] = 1;
                s->clean_since[j] = d + 1;
                if (backorder) {
                    s->backlog[i] += unmet;
                    acc->backordered += unmet;
                } else {
                    acc->lost += unmet;
                }
            }
        }
        if (p->batched && on_hand != s->on_hand[i])
            ech_batches_sell(&s->batches, i, s->on_hand[i] - on_hand);
        s->on_hand[i] = on_hand;
        s->on_hand_days[i] += on_hand;
        s->backlog_days[i] += s->backlog[i];
        s->stockout_days[i] += (on_hand == 0) | s->short_today[i];
        s->short_today[i] = 0;
    }
}

/* A demand point has recovered from a disruption once it has gone this many days
 * in a row without unmet demand. */
#define RECOVERY_CLEAN_DAYS 14

/* Step 6 for the supply: days the primary source is disrupted, and the recovery of
 * each demand point after a disruption ends (the days from its end to the start of
 * the first run of RECOVERY_CLEAN_DAYS days without unmet demand; the longest
 * such recovery in the measured period is kept). */
static inline void step_account_supply(const sku_plan *p, sku_state *s, int32_t d)
{
    int down = ech_supply_capacity(&s->supply.source[0], d) < 1.0;
    s->acc[0].disrupted_days += down;
    if (s->primary_down && !down && d >= s->measure_from) {
        /* A disruption ended today: every demand point starts recovering. */
        for (int32_t j = 0; j < p->n_leaves; ++j) {
            if (s->recover_from[j] < 0)
                ++s->n_recovering;
            s->recover_from[j] = d;
            if (s->clean_since[j] < d)
                s->clean_since[j] = d;
        }
    }
    s->primary_down = down;
    if (s->n_recovering == 0)
        return;
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        if (s->recover_from[j] < 0 || d + 1 - s->clean_since[j] < RECOVERY_CLEAN_DAYS)
            continue;
        node_acc *acc = &s->acc[p->leaf[j]];
        int64_t days = s->clean_since[j] - s->recover_from[j];
        if (days > acc->recovery_days)
            acc->recovery_days = days;
        acc->recoveries++;
        s->recover_from[j] = -1;
        --s->n_recovering;
    }
}

/* Step 6 at the locations without customer demand. */
static inline void step_account_stock_only(const sku_plan *p, sku_state *s)
{
    for (int32_t m = 0; m < p->n_stock_only; ++m) {
        int32_t i = p->stock_only[m];
        s->on_hand_days[i] += s->on_hand[i];
        s->stockout_days[i] += (s->on_hand[i] == 0) | s->short_today[i];
        s->short_today[i] = 0;
    }
}

/* Step 6 for batches: the age and remaining life of the units on hand. */
static inline void step_account_batches(const sku_plan *p, sku_state *s, int32_t d)
{
    for (int32_t i = 0; i < p->n; ++i) {
        int64_t units_d = (int64_t)s->on_hand[i] * d;
        s->acc[i].age_days += units_d - s->batches.entry_sum[i];
        s->acc[i].life_days += s->batches.expiry_sum[i] - units_d;
    }
}

/* The warm-up is over: forget its counts and note the stock measurement starts from. */
static void begin_measurement(const sku_plan *p, sku_state *s)
{
    size_t nl = (size_t)p->n * sizeof(int64_t);
    memset(s->acc, 0, (size_t)p->n * sizeof(node_acc));
    memset(s->on_hand_days, 0, nl);
    memset(s->backlog_days, 0, nl);
    memset(s->stockout_days, 0, nl);
    for (int32_t i = 0; i < p->n; ++i) {
        s->acc[i].start_on_hand = s->on_hand[i];
        s->acc[i].start_in_transit = s->in_transit[i];
        s->cycle_short[i] = 0;
    }
    for (int32_t j = 0; j < p->n_leaves; ++j)
        s->recover_from[j] = -1;
    s->n_recovering = 0;
    s->acc[0].start_return_transit = p->batched ? s->return_transit : 0;
}

/* The end: the cycle still open has measured days in it, so it counts; a recovery
 * still under way counts from the start of its current run without shortages
 * (a lower bound when the run is cut short by the horizon). */
static void end_measurement(const sku_plan *p, sku_state *s)
{
    for (int32_t i = 0; i < p->n; ++i) {
        s->acc[i].cycles++;
        s->acc[i].cycles_ok += !s->cycle_short[i];
    }
    for (int32_t j = 0; j < p->n_leaves && s->n_recovering > 0; ++j) {
        if (s->recover_from[j] < 0)
            continue;
        node_acc *acc = &s->acc[p->leaf[j]];
        int64_t days = s->clean_since[j] - s->recover_from[j];
        if (days > acc->recovery_days)
            acc->recovery_days = days;
        acc->recoveries++;
    }
}

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
        for (int32_t k = s->batches.head[i]; k >= 0; k = b[k].next) {
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

static ech_status check_conservation(const ech_scenario *sc, const sku_plan *p,
                                     const sku_state *s, int64_t rep, ech_error *err)
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
                            (long long)lane, (long long)a->shipped_in,
                            (long long)shipped_children);
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

static ech_status record_replication(const ech_scenario *sc, const sku_plan *p,
                                     const sku_state *s, double *kpi_out, int64_t rep_stride,
                                     int64_t r, int64_t *totals, ech_error *err)
{
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

        double rate = sc->sl.holding_rate_per_year[x];
        if (isnan(rate))
            rate = costs->holding_rate_per_year;
        double holding = rate * cost * (double)on_hand_days / 365.0;
        double ordering = (double)a->orders *
                          (p->parent[i] < 0 ? costs->supplier_order_cost : costs->internal_order_cost);
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
        v[ECH_KPI_TOTAL_COST] = holding + ordering + shortage + premium + expired_value;
        v[ECH_KPI_START_ON_HAND] = (double)a->start_on_hand;
        v[ECH_KPI_RECEIVED] = (double)a->received;
        v[ECH_KPI_SOLD] = (double)a->sold;
        v[ECH_KPI_SHIPPED] = (double)a->shipped;
        v[ECH_KPI_END_ON_HAND] = (double)s->on_hand[i];
        v[ECH_KPI_START_IN_TRANSIT] = (double)a->start_in_transit;
        v[ECH_KPI_END_IN_TRANSIT] = (double)s->in_transit[i];
        v[ECH_KPI_SUPPLIER_CANCELLED] = (double)a->supplier_cancelled;
        v[ECH_KPI_SUPPLIER_DELAYED] = (double)a->supplier_delayed;
        v[ECH_KPI_ALT_ORDERED] = (double)a->alt_ordered;
        v[ECH_KPI_SOURCING_PREMIUM] = premium;
        v[ECH_KPI_DISRUPTED_DAYS] = (double)a->disrupted_days;
        v[ECH_KPI_RECOVERY_DAYS] = (double)a->recovery_days;
        v[ECH_KPI_EXPIRED] = (double)a->expired;
        v[ECH_KPI_EXPIRED_VALUE] = expired_value;
        v[ECH_KPI_WRITE_OFF_SHARE] =
            outflow_units > 0 ? (double)a->expired / (double)outflow_units : 0.0;
        v[ECH_KPI_MEAN_AGE] = p->batched && on_hand_days > 0
                                  ? (double)a->age_days / (double)on_hand_days : NAN;
        v[ECH_KPI_MEAN_REMAINING_LIFE] = p->batched && on_hand_days > 0
                                             ? (double)a->life_days / (double)on_hand_days : NAN;
        v[ECH_KPI_RETURNED] = (double)a->returned;
        v[ECH_KPI_RETURNS_RECEIVED] = (double)a->returns_in;
        for (int k = 0; k < ECH_KPI_COUNT; ++k)
            kpi_out[((int64_t)i * ECH_KPI_COUNT + k) * rep_stride + r] = v[k];

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
                     {"total cost", holding + ordering + shortage + premium + expired_value}};
        for (size_t m = 0; m < sizeof money / sizeof money[0]; ++m)
            if (!(fabs(money[m].amount) < ECH_MONEY_LIMIT))
                return money_out_of_range(sc, p, i, r, money[m].what, money[m].amount, err);
        int64_t holding_fx = ech_money_to_fixed(holding);
        int64_t ordering_fx = ech_money_to_fixed(ordering);
        int64_t shortage_fx = ech_money_to_fixed(shortage);
        int64_t premium_fx = ech_money_to_fixed(premium);
        int64_t expired_fx = ech_money_to_fixed(expired_value);
        int64_t value_days_fx = ech_money_to_fixed((double)on_hand_days * cost);
        if (demand_point) {
            overflow |= ech_add_overflows(&t[ECH_TOTAL_DEMAND], a->demand);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_FILLED], a->filled);
            overflow |= ech_add_overflows(&t[ECH_TOTAL_LOST], a->lost);
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
        overflow |= ech_add_overflows(&t[ECH_TOTAL_TOTAL_COST], holding_fx + ordering_fx +
                                                                    shortage_fx + premium_fx +
                                                                    expired_fx);
        overflow |= ech_add_overflows(&t[ECH_TOTAL_SOURCING_PREMIUM], premium_fx);
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
    if (totals)
        for (int k = 0; k < ECH_TOTAL_COUNT; ++k)
            if (ech_add_overflows(&totals[r * ECH_TOTAL_COUNT + k], t[k]))
                return money_out_of_range(sc, p, 0, r, ech_total_info[k].name, (double)t[k], err);
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Trace
 * ------------------------------------------------------------------------------ */

static void trace_header(FILE *out)
{
    fprintf(out, "replication,day,date,sku,location,on_hand,in_transit,on_order,owed_to_children,"
                 "backlog,demand,filled,lost,backordered,received,ordered,shipped,sold,expired,returned,"
                 "returns_received\n");
}

/* One row per node for day d: end-of-day stock, and the day's flows as the change
 * of the counters since `before`. */
static void trace_day(const ech_scenario *sc, const sku_plan *p, const sku_state *s,
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
        fprintf(out, ",%d,%d,%d,%d,%d,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld\n",
                s->on_hand[i], s->in_transit[i], s->on_order[i], s->owed_down[i], s->backlog[i],
                (long long)(a->demand - b->demand), (long long)(a->filled - b->filled),
                (long long)(a->lost - b->lost), (long long)(a->backordered - b->backordered),
                (long long)(a->received - b->received), (long long)(a->ordered - b->ordered),
                (long long)(a->shipped - b->shipped), (long long)(a->sold - b->sold),
                (long long)(a->expired - b->expired), (long long)(a->returned - b->returned),
                (long long)(a->returns_in - b->returns_in));
    }
}

/* ------------------------------------------------------------------------------
 * One SKU
 * ------------------------------------------------------------------------------ */

/* Checks a request's targets before any replication runs. */
static ech_status check_targets(const ech_scenario *sc, const sku_plan *p,
                                const ech_eval_request *req, ech_error *err)
{
    if (!req->order_up_to)
        return ECH_OK;
    for (int32_t i = 0; i < p->n; ++i) {
        int32_t S = req->order_up_to[i];
        int32_t s = req->reorder_point ? req->reorder_point[i] : S - 1;
        if (S < 0 || S > ECH_MAX_UNITS || s < -1 || s >= S)
            return ech_fail(err, ECH_ERR_INPUT,
                            "SKU '%s' at '%s': targets S = %d, s = %d are not 0 <= S <= %.0f, "
                            "-1 <= s < S", sc->cat.id[p->sku],
                            sc->net.id[sc->sl.location[p->first + i]], S, s, ECH_MAX_UNITS);
    }
    return ECH_OK;
}

ech_status ech_engine_evaluate(ech_engine *e, const ech_eval_request *req,
                               const ech_eval_out *out, ech_error *err)
{
    const ech_scenario *sc = e->sc;
    int32_t sku = req->sku, variant = req->variant;
    if (sku < 0 || sku >= sc->cat.n || variant < 0 || variant >= sc->n_variants ||
        req->rep_begin < 0 || req->rep_end < req->rep_begin ||
        req->rep_end > ECH_STREAM_SET_SIZE || req->stream_set >= (1u << 22))
        return ech_fail(err, ECH_ERR_RUNTIME,
                        "internal error: an evaluation of SKU %d, variant %d, replications "
                        "%lld..%lld of stream set %u is out of range", (int)sku, (int)variant,
                        (long long)req->rep_begin, (long long)req->rep_end,
                        (unsigned)req->stream_set);
    if (sc->sl.sku_begin[sku + 1] == sc->sl.sku_begin[sku])
        return ECH_OK; /* not stocked anywhere */

    /* The plan (demand tables above all) is the same for every variant: build it
     * once per SKU, then set the variant's parts and the targets. */
    sku_plan *plan = &e->plan;
    sku_state *state = &e->state;
    ech_status st;
    if (e->plan_sku != sku) {
        ech_arena_reset(&e->arena);
        e->plan_sku = -1;
        st = build_plan(e, sku, plan, err);
        if (st != ECH_OK)
            return st;
        state_alloc(&e->arena, plan, state, &e->pool);
        e->plan_sku = sku;
    }
    if (plan->variant != variant) {
        st = plan_set_variant(e, plan, state, variant, err);
        if (st != ECH_OK)
            return st;
    }
    if ((st = check_targets(sc, plan, req, err)) != ECH_OK)
        return st;
    plan_set_targets(e, plan, req);

    int32_t warmup = sc->warmup_days;
    int32_t n_days = e->n_days;
    int32_t n_periods = e->n_periods;
    const uint16_t *period_of_day = e->period_of_day;
    int64_t stream_base = (int64_t)req->stream_set * ECH_STREAM_SET_SIZE;

    /* The trace follows its replication of the run's own streams, once. */
    const ech_trace *trace = e->trace && e->trace->sku == sku && e->trace->variant == variant &&
                                     req->stream_set == 0 &&
                                     e->trace->replication >= req->rep_begin &&
                                     e->trace->replication < req->rep_end
                                 ? e->trace
                                 : NULL;
    node_acc *before = trace ? ech_arena_alloc(&e->arena, (size_t)plan->n * sizeof *before,
                                               "trace counters")
                             : NULL;
    if (trace)
        trace_header(trace->out);
    /* Cold rooms count the run's replications only. */
    ech_cold_rooms *cold = req->stream_set == 0 && plan->cold_ml > 0 ? e->cold : NULL;

    for (int64_t rep = req->rep_begin; rep < req->rep_end; ++rep) {
        state_reset(e, plan, state, stream_base + rep);
        int tracing = trace && trace->replication == rep;
        if (warmup == 0)
            begin_measurement(plan, state);
        for (int32_t d = 0; d < n_days; ++d) {
            if (tracing)
                memcpy(before, state->acc, (size_t)plan->n * sizeof *before);
            if (plan->batched)
                step_expire(plan, state, d);
            step_receive(plan, state, d);
            if (cold && d >= warmup)
                add_cold_occupancy(cold, plan, state, rep, d - warmup);
            step_review(plan, state, d);
            step_ship(sc, plan, state, d);
            step_demand_and_account(sc, plan, state, d, period_of_day[d], n_periods);
            step_account_stock_only(plan, state);
            step_account_supply(plan, state, d);
            if (plan->batched)
                step_account_batches(plan, state, d);
            if (tracing)
                trace_day(sc, plan, state, before, rep, d, trace->out);
            if (d + 1 == warmup)
                begin_measurement(plan, state);
        }
        end_measurement(plan, state);
        st = check_conservation(sc, plan, state, rep, err);
        if (st != ECH_OK)
            return st;
        st = record_replication(sc, plan, state, out->kpi, out->rep_stride, rep - req->rep_begin,
                                out->totals, err);
        if (st != ECH_OK)
            return st;
    }
    return ECH_OK;
}

ech_status ech_engine_run_sku(ech_engine *e, int32_t sku, int32_t variant, int64_t rep_begin,
                              int64_t rep_end, double *kpi_out, int64_t rep_stride,
                              int64_t *totals_out, ech_error *err)
{
    ech_eval_request req = {sku, variant, rep_begin, rep_end, 0, NULL, NULL};
    ech_eval_out out = {kpi_out, rep_stride, totals_out};
    return ech_engine_evaluate(e, &req, &out, err);
}
