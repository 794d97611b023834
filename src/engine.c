/* The simulation engine: set-up, the day step by step and the evaluation; see
 * include/echelon/engine.h, docs/MODEL.md ("A day") and, for the plan and state of
 * a SKU and the vocabulary of this file, engine_state.h.
 *
 * SKUs with a shelf life (when the scenario tracks expiry) also hold their stock in
 * batches (batches.h): each node's on-hand batches in a list sorted by expiry
 * (FEFO), shipments carry the batches they were picked from.  The scalar quantities
 * stay the sums of the batches, so policies, allocation and accounting read them as
 * for any SKU, and SKUs without a shelf life pay nothing for batches.
 */
#include "engine_lanes.h"
#include "echelon/demand_model.h"
#include "echelon/policy.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Inlines a function into each caller, so that constant arguments specialise it. */
#define ECH_ALWAYS_INLINE __attribute__((always_inline))

/* ------------------------------------------------------------------------------
 * Engine set-up
 * ------------------------------------------------------------------------------ */

/* Calendar periods: demand means are constant within a (month, weekday) pair, and,
 * where events change them, between two event boundaries.  Periods are numbered in
 * the order they first occur (at most one per day), each with its first scenario
 * day. */
static void calendar_periods(ech_engine *e)
{
    const ech_scenario *sc = e->sc;
    int32_t t0 = -sc->warmup_days;
    int32_t n_bounds = 0;
    int32_t *bound = sc->events.n > 0
                         ? ech_demand_event_boundaries(sc, t0 + 1, t0 + e->n_days - 1, &n_bounds)
                         : NULL;
    e->period_of_day = ech_xmalloc((size_t)e->n_days * sizeof *e->period_of_day, "day periods");
    e->period_day = ech_xmalloc((size_t)e->n_days * sizeof *e->period_day, "period days");
    /* Within a stretch between boundaries, a (month, weekday) pair is one period;
     * a new month or a new stretch starts seven new ones. */
    int last_month = -1;
    int32_t next_bound = 0, n = 0, id[7];
    for (int32_t d = 0; d < e->n_days; ++d) {
        int32_t t = t0 + d;
        int m = ech_scenario_month(sc, t);
        int new_stretch = next_bound < n_bounds && bound[next_bound] == t;
        if (new_stretch)
            ++next_bound;
        if (m != last_month || new_stretch) {
            last_month = m;
            for (int w = 0; w < 7; ++w)
                id[w] = -1;
        }
        int w = ech_scenario_weekday(sc, t);
        if (id[w] < 0) {
            id[w] = n++;
            e->period_day[id[w]] = t;
        }
        e->period_of_day[d] = (uint16_t)id[w];
    }
    e->n_periods = n;
    free(bound);
}

ech_engine *ech_engine_new(const ech_scenario *sc)
{
    ech_engine *e = ech_xcalloc(1, sizeof *e, "engine");
    e->sc = sc;
    e->n_days = sc->warmup_days + sc->days;
    ech_arena_init(&e->fixed, 1 << 16);
    ech_arena_init(&e->arena, 1 << 20);

    calendar_periods(e);
    int32_t t0 = -sc->warmup_days;

    /* The measured months (purchases by month, contracts' schedules). */
    e->measured_month = ech_xmalloc((size_t)e->n_days * sizeof *e->measured_month, "months");
    e->month_end = ech_xmalloc(((size_t)sc->days / 28 + 2) * sizeof *e->month_end, "month ends");
    e->n_months = 0;
    for (int32_t d = 0; d < e->n_days; ++d) {
        if (d < sc->warmup_days) {
            e->measured_month[d] = -1;
            continue;
        }
        int32_t t = t0 + d;
        if (d == sc->warmup_days || ech_scenario_month(sc, t) != ech_scenario_month(sc, t - 1))
            e->n_months++;
        e->measured_month[d] = (int16_t)(e->n_months - 1);
        e->month_end[e->n_months - 1] = d;
    }
    size_t nm = (size_t)(e->n_months > 0 ? e->n_months : 1);
    e->due_day = ech_xmalloc(nm * sizeof *e->due_day, "contract schedule");
    e->due_units = ech_xmalloc(nm * sizeof *e->due_units, "contract schedule");
    e->demand_tables = ech_demand_tables_new(sc, e->period_day, e->n_periods);

    /* Lead-time tables of every site under every variant (each variant may scale
     * lead times), shared by all SKUs. */
    size_t nt = (size_t)sc->n_variants * (size_t)sc->sites.n;
    e->lead_tables = ech_xcalloc(nt ? nt : 1, sizeof *e->lead_tables, "lead-time tables");
    e->lead_ok = ech_xcalloc(nt ? nt : 1, sizeof *e->lead_ok, "lead-time table status");
    for (int32_t v = 0; v < sc->n_variants; ++v)
        for (int32_t site = 0; site < sc->sites.n; ++site) {
            size_t k = (size_t)v * (size_t)sc->sites.n + (size_t)site;
            e->lead_ok[k] =
                ech_lead_time_table(&e->lead_tables[k], &e->fixed, &sc->sites.lead_time[site],
                                    sc->variant[v].lead_time_factor) == 0;
        }
    e->fc_rules = ech_forecast_rules(sc, &e->fc_window);
    e->plan_sku = -1;
    e->pool.free = -1;
    for (int k = 0; k < ECH_LANE_WIDTHS; ++k)
        e->lanes_kernel[k] = ech_lanes_kernel(8 << k);
    return e;
}

const ech_scenario *ech_engine_scenario(const ech_engine *e)
{
    return e->sc;
}

int32_t ech_engine_months(const ech_engine *e)
{
    return e->n_months;
}

void ech_engine_free(ech_engine *e)
{
    if (!e)
        return;
    ech_group_free(e->group);
    ech_arena_free(&e->arena);
    free(e->pool.b);
    if (e->lane_pools)
        for (int l = 0; l < ECH_LANES; ++l)
            free(e->lane_pools[l].b);
    free(e->lane_pools);
    free(e->due_day);
    free(e->due_units);
    ech_demand_tables_free(e->demand_tables);
    if (!e->borrowed) {
        ech_arena_free(&e->fixed);
        free(e->period_of_day);
        free(e->period_day);
        free(e->measured_month);
        free(e->month_end);
        free(e->lead_tables);
        free(e->lead_ok);
    }
    free(e);
}

double ech_engine_sku_memory(const ech_scenario *sc, int32_t sku)
{
    ech_engine *e = ech_engine_new(sc);
    ech_eval_request req = {.sku = sku, .rep_end = ECH_LANES, .stream_set = 1};
    ech_error err;
    double bytes = 0.0;
    if (ech_engine_evaluate(e, &req, &(ech_eval_out){0}, &err) == ECH_OK) {
        bytes = (double)e->arena.high_water + (double)e->pool.cap * sizeof(ech_batch);
        for (int l = 0; e->lane_pools && l < ECH_LANES; ++l)
            bytes += (double)e->lane_pools[l].cap * sizeof(ech_batch);
    }
    ech_engine_free(e);
    return bytes;
}

void ech_engine_set_trace(ech_engine *e, const ech_trace *trace)
{
    e->trace = trace;
}

void ech_engine_set_stock_days(ech_engine *e, ech_stock_days *days)
{
    e->stock = days;
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

static int64_t demand_points(const ech_scenario *sc, int32_t sku)
{
    int64_t n = 0;
    for (int64_t x = sc->sl.sku_begin[sku]; x < sc->sl.sku_begin[sku + 1]; ++x)
        n += sc->sl.demand_dist[x] != ECH_DEMAND_NONE;
    return n;
}

int64_t ech_engine_sku_cost(const ech_scenario *sc, int32_t sku)
{
    int64_t days = (int64_t)(sc->warmup_days + sc->days);
    int32_t g = sc->subst.enabled ? sc->cat.subst_group[sku] : -1;
    if (g < 0)
        return (demand_points(sc, sku) + 1) * days;
    /* A SKU of a substitution group is simulated with its whole group. */
    int64_t cost = 0;
    for (int32_t m = sc->subst.group_begin[g]; m < sc->subst.group_begin[g + 1]; ++m)
        if (sc->sl.sku_begin[sc->subst.member[m] + 1] > sc->sl.sku_begin[sc->subst.member[m]])
            cost += (demand_points(sc, sc->subst.member[m]) + 1) * days;
    return cost;
}

int64_t ech_engine_sku_work(const ech_scenario *sc, int32_t sku)
{
    int64_t nodes = sc->sl.sku_begin[sku + 1] - sc->sl.sku_begin[sku];
    return nodes * (int64_t)(sc->warmup_days + sc->days);
}

/* ------------------------------------------------------------------------------
 * Batches: each node's stock as a list sorted by expiry (then entry day)
 * ------------------------------------------------------------------------------ */

/* Start of a replication: the start stock, open orders in transit, fresh streams,
 * the supply's outages. */
void ech_sku_state_reset(ech_engine *e, const sku_plan *p, sku_state *s, int64_t rep)
{
    const ech_scenario *sc = e->sc;
    int32_t n = p->n;
    size_t ni = (size_t)n * sizeof(int32_t);
    memset(s->in_transit, 0, ni);
    memset(s->on_order, 0, ni);
    memset(s->owed_down, 0, ni);
    memset(s->backlog, 0, ni);
    memset(s->ordered_qty, 0, ni);
    memset(s->express_owed, 0, ni);
    memset(s->short_today, 0, (size_t)n);
    memset(s->cycle_short, 0, (size_t)n);
    /* The counters restart at the end of the warm-up (begin_measurement); zeroed
     * here too, so that what counts during the warm-up starts from nothing (not
     * from what the arena's memory last held, which could overflow). */
    memset(s->acc, 0, (size_t)n * sizeof *s->acc);
    memset(s->on_hand_days, 0, (size_t)n * sizeof *s->on_hand_days);
    memset(s->backlog_days, 0, (size_t)n * sizeof *s->backlog_days);
    memset(s->stockout_days, 0, (size_t)n * sizeof *s->stockout_days);
    memset(s->supplier_pipe, 0, ((size_t)p->supplier_mask + 1) * sizeof(int32_t));
    memset(s->lane_pipe, 0, ((size_t)p->lane_mask + 1) * ni);
    memset(s->lane_pending, 0, ((size_t)p->lane_mask + 1) * sizeof(int32_t));
    memcpy(s->on_hand, p->start_on_hand, ni);
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
    if (s->count_months)
        memset(s->month_purchases, 0, (size_t)e->n_months * sizeof *s->month_purchases);
    s->primary_down = 0;
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        s->recover_from[j] = -1;
        s->clean_since[j] = 0;
    }
    s->n_recovering = 0;

    if (p->fc.any)
        ech_sku_forecast_reset(p, s);

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
            ech_sku_receive_new(p, s, i, s->on_hand[i], 0);
    }
}

/* ------------------------------------------------------------------------------
 * The day, step by step
 * ------------------------------------------------------------------------------ */

/* Returned units (and their batches) reach the root.  A return can take longer than
 * its batch had left: what expired on the way is written off as it arrives, since
 * step 1 has run (shipments down the tree always arrive with at least min_life days
 * left, so only returns need this). */
static void returns_arrive(sku_state *s, int32_t q, int32_t chain, int32_t d)
{
    s->on_hand[0] += q;
    s->acc[0].returns_in += q;
    ech_batches_put_chain(&s->batches, 0, chain);
    ech_sku_expire_node(s, s->on_hand, 1, 0, d);
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
                ech_sku_receive_new(p, s, 0, q, d);
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
            ech_sku_receive_new(p, s, 0, *from_supplier, d);
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
            ech_sku_receive_new(p, s, p->open_node[k], p->open_qty[k], d);
    }
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
    for (int32_t k = *ech_batches_head(&s->batches, i);
         k >= 0 && b[k].expiry < d + p->return_within; k = b[k].next) {
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

/* A contract's schedule: on a period's last day the supplier delivers what is due
 * of the committed minimum and was not ordered (unneeded: deliver). */
static inline void contract_push(const sku_plan *p, sku_state *s, int32_t d)
{
    ech_contract_state *c = &s->supply.contract;
    if (!c->push || c->next_due >= c->n_due || d != c->due_day[c->next_due])
        return;
    int64_t due = c->due_units[c->next_due++] - c->bought;
    if (due <= 0)
        return;
    int32_t q = due < INT32_MAX / 2 ? (int32_t)due : INT32_MAX / 2;
    c->bought += q;
    s->acc[0].pushed += q;
    s->acc[0].orders++; /* a delivery like an order's: it costs the supplier order cost */
    ech_sku_count_purchase(s, d, q);
    deliver(p, s, 0, q, d, 0, -1);
}

/* Node i's express order on a review (a dual-index policy): when its express
 * position (on hand, plus what arrives within the express lead time, less what it
 * owes) is below its expedite level, an express order brings it up to the level, in
 * whole packs: at the warehouse from the supplier's express mode, elsewhere from its
 * parent, which ships express orders first and by the lane's express lead time. */
static inline void expedite(const sku_plan *p, sku_state *s, int32_t i, int32_t d)
{
    int32_t days = p->express_days[i];
    int64_t position = (int64_t)s->on_hand[i] - s->owed_down[i] - s->backlog[i];
    if (i == 0) {
        for (int32_t k = 1; k <= days; ++k)
            position += s->supplier_pipe[(uint32_t)(d + k) & p->supplier_mask];
        ech_supply_source *x = &s->supply.express;
        position += x->ordered_today + x->owed;
    } else {
        for (int32_t k = 1; k <= days; ++k)
            position +=
                s->lane_pipe[(size_t)((uint32_t)(d + k) & p->lane_mask) * (size_t)p->n + (size_t)i];
        position += s->express_owed[i];
    }
    for (int32_t k = s->next_open; k < p->n_open && p->open_day[k] <= d + days; ++k)
        if (p->open_node[k] == i)
            position += p->open_qty[k];
    if (position >= p->expedite_level[i])
        return;
    int64_t q = ((int64_t)p->expedite_level[i] - position + p->pack - 1) / p->pack * p->pack;
    if (q > INT32_MAX / 4)
        q = INT32_MAX / 4;
    s->on_order[i] += (int32_t)q;
    s->acc[i].expedited += q;
    s->acc[i].express_orders++;
    if (i == 0) {
        s->supply.express.ordered_today += (int32_t)q;
        ech_sku_count_purchase(s, d, q);
        return;
    }
    /* An order to the parent, served first: today's order for on-time counting. */
    int32_t parent = p->parent[i];
    s->express_owed[i] += (int32_t)q;
    s->owed_down[parent] += (int32_t)q;
    s->acc[parent].demand += q;
    if (s->ordered_day[i] != d) {
        s->ordered_day[i] = d;
        s->ordered_qty[i] = 0;
    }
    s->ordered_qty[i] += (int32_t)q;
}

/* A forecast-driven order (engine_forecast.c): targets from today's forecast; the
 * position without what is on its way when the rule says so; rounded up to the
 * rule's multiple. */
static int32_t forecast_order_qty(const sku_plan *p, const sku_state *s, int32_t i, int32_t d,
                                  int32_t position)
{
    const ech_forecast_rule *r = p->fc.rule[i];
    int32_t S, sp;
    ech_sku_forecast_targets(p, s, i, d, &S, &sp);
    if (r->on_hand_only)
        position = s->on_hand[i] - s->owed_down[i] - s->backlog[i];
    int64_t q = ech_policy_order_qty(position, sp, S, p->pack, p->min_order_qty[i]);
    if (q > 0 && r->round_to > 1)
        q = (q + r->round_to - 1) / r->round_to * r->round_to;
    return q < ECH_MAX_UNITS ? (int32_t)q : (int32_t)ECH_MAX_UNITS;
}

/* Step 3: review and order, downstream to upstream, so that a parent's position
 * counts what its children ordered today. */
static inline ECH_ALWAYS_INLINE void review_nodes(const sku_plan *p, sku_state *s, int32_t d,
                                                  const int plain)
{
    /* Only the nodes that review today (the review calendar).  The arrays are read
     * into locals once: the byte stores below could alias anything, and would make
     * the compiler reload every pointer for every node. */
    int32_t phase = d % p->review_cycle;
    const int32_t *node = p->review_node;
    const int measured = d > s->measure_from;
    const int returns = !plain && p->return_within > 0, expedites = !plain && p->any_expedite;
    const int forecasts = !plain && p->fc.any, controlled = !plain && p->controlled;
    const int32_t *parent_of = p->parent, *child_begin = p->child_begin;
    const int32_t *reorder_point = p->reorder_point, *order_up_to = p->order_up_to;
    const int32_t *min_order_qty = p->min_order_qty;
    const int32_t pack = p->pack;
    int32_t *on_hand = s->on_hand, *in_transit = s->in_transit, *on_order = s->on_order;
    int32_t *owed_down = s->owed_down, *backlog = s->backlog;
    int32_t *ordered_qty = s->ordered_qty, *ordered_day = s->ordered_day;
    uint8_t *cycle_short = s->cycle_short;
    node_acc *acc_of = s->acc;
    for (int32_t k = p->review_begin[phase], end = p->review_begin[phase + 1]; k < end; ++k) {
        int32_t i = node[k];
        node_acc *acc = &acc_of[i];
        /* A review closes the replenishment cycle that began at the last one; a
         * cycle that lay wholly in the warm-up is not counted. */
        if (measured) {
            acc->cycles++;
            acc->cycles_ok += !cycle_short[i];
        }
        cycle_short[i] = 0;
        if (returns && i > 0 && child_begin[i + 1] == child_begin[i])
            return_slow_stock(p, s, i, d);

        if (expedites && p->expedite_level[i] >= 0)
            expedite(p, s, i, d);
        int32_t position = on_hand[i] + in_transit[i] + on_order[i] - owed_down[i] - backlog[i];
        int32_t q;
        if (forecasts && p->fc.rule[i]) {
            q = forecast_order_qty(p, s, i, d, position);
        } else {
            q = ech_policy_order_qty(position, reorder_point[i], order_up_to[i], pack,
                                     min_order_qty[i]);
        }
        if (q > 0 && controlled)
            q = ech_controlled_order_qty(p, i, s->ordered_day[i], position, q, d);
        if (q > 0 && i == 0)
            q = ech_sku_order_from_suppliers(s, q, d);
        if (q > 0) {
            on_order[i] += q;
            /* Today's express order, if any, is part of today's order. */
            ordered_qty[i] = ordered_day[i] == d ? ordered_qty[i] + q : q;
            ordered_day[i] = d;
            acc->orders++;
            acc->ordered += q;
            int32_t parent = parent_of[i];
            if (parent >= 0) {
                owed_down[parent] += q;
                acc_of[parent].demand += q;
            }
        }
    }
}

/* The review step without returns, express orders, forecasts or controlled
 * substances (most SKUs) is compiled apart from the one with them, so that the
 * common case carries none of their tests. */
static inline void step_review(const sku_plan *p, sku_state *s, int32_t d)
{
    if (p->return_within > 0 || p->any_expedite || p->fc.any || p->controlled)
        review_nodes(p, s, d, 0);
    else
        review_nodes(p, s, d, 1);
}

/* Splits `avail` units among node i's children (avail < what they are owed) by the
 * variant's rule (allocation.h); writes each child's share to p->alloc_x[c - first
 * child].  The children's numbers are read from `v` (a replication's state, or one
 * lane of the lanes'). */
void ech_sku_allocate(sku_plan *p, const ech_stock_view *v, int32_t i, int32_t avail, int32_t d)
{
    int32_t b = p->child_begin[i], k = p->child_begin[i + 1] - b;
    int32_t *x = p->alloc_x;
    switch (p->allocation) {
    case ECH_ALLOC_FAIR_SHARE:
        for (int32_t c = 0; c < k; ++c)
            p->want[c] = v->on_order[(size_t)p->child[b + c] * v->stride];
        ech_allocate_fair_share(k, p->want, avail, (int32_t)((uint32_t)d % (uint32_t)k), x,
                                &p->alloc);
        return;
    case ECH_ALLOC_LOST_MARGIN:
        for (int32_t c = 0; c < k; ++c) {
            int32_t child = p->child[b + c];
            size_t m = (size_t)child * v->stride;
            ech_claim *cl = &p->claims[c];
            cl->want = v->on_order[m];
            cl->stock = v->on_hand[m] + v->in_transit[m] - v->owed_down[m] -
                        (v->backlog ? v->backlog[m] : 0);
            cl->mean = p->horizon_mean[child];
            cl->var_ratio = p->var_ratio[child];
        }
        ech_allocate_lost_margin(k, p->claims, avail, x, &p->alloc);
        return;
    default:
        /* Priority and alphabetical: children are stored in serving order. */
        for (int32_t c = 0; c < k; ++c) {
            int32_t want = v->on_order[(size_t)p->child[b + c] * v->stride];
            int32_t give = want < avail ? want : avail;
            x[c] = give;
            avail -= give;
        }
        return;
    }
}

int ech_sku_supplier_ship(sku_state *s, int32_t *on_order, int32_t d, ech_shipment out[4])
{
    int n = 0;
    for (int k = 0; k < s->supply.n_sources; ++k) {
        ech_supply_day day = {0, 0};
        int32_t lead = 0;
        int32_t q = ech_supply_ship(&s->supply.source[k], d, &lead, &day);
        *on_order -= q + day.cancelled;
        s->acc[0].supplier_cancelled += day.cancelled;
        ech_sku_count_purchase(s, d, -(int64_t)day.cancelled);
        s->acc[0].supplier_delayed += day.delayed;
        if (q > 0)
            out[n++] = (ech_shipment){q, lead};
    }
    /* Spot and express orders: in full, after their fixed lead times. */
    ech_supply_source *full[2] = {s->supply.has_spot ? &s->supply.spot : NULL,
                                  s->supply.has_express ? &s->supply.express : NULL};
    for (int k = 0; k < 2; ++k) {
        if (!full[k] || full[k]->ordered_today + full[k]->owed == 0)
            continue;
        ech_supply_day day = {0, 0};
        int32_t lead = 0;
        int32_t q = ech_supply_ship(full[k], d, &lead, &day);
        *on_order -= q;
        if (q > 0)
            out[n++] = (ech_shipment){q, lead};
    }
    return n;
}

/* Step 4: ship, upstream to downstream.  The supplier ships the root's orders with
 * a random lead time; each location fills its children's open orders from on hand,
 * splitting by the allocation rule when short. */
static inline void step_ship(const ech_scenario *sc, sku_plan *p, sku_state *s, int32_t d)
{
    if (s->on_order[0] > 0) {
        /* Delivered after all of them ship: a delivery changes nothing they read. */
        ech_shipment shipment[4];
        int n = ech_sku_supplier_ship(s, &s->on_order[0], d, shipment);
        for (int k = 0; k < n; ++k)
            deliver(p, s, 0, shipment[k].q, d, shipment[k].lead, -1);
    }
    int cut = sc->internal_shortfall == ECH_SHORTFALL_CUT;
    for (int32_t m = 0; m < p->n_internal; ++m) {
        int32_t i = p->internal[m];
        if (s->owed_down[i] == 0)
            continue;
        int32_t b = p->child_begin[i], k = p->child_begin[i + 1] - b;
        int32_t avail = s->on_hand[i];
        if (p->batched) /* children refuse batches with less than min_life days left on arrival */
            avail = ech_batches_usable(&s->batches, i, s->on_hand[i],
                                       d + p->min_child_lead[i] + p->min_life);
        if (i == 0 && p->reserve > 0) {
            int32_t free_stock = s->on_hand[0] - p->reserve;
            avail = free_stock < avail ? (free_stock > 0 ? free_stock : 0) : avail;
        }
        int short_of_stock = avail < s->owed_down[i];
        if (short_of_stock)
            ech_sku_allocate(p,
                             &(ech_stock_view){s->on_order, s->on_hand, s->in_transit, s->owed_down,
                                               s->backlog, 1},
                             i, avail, d);
        node_acc *acc = &s->acc[i];
        for (int32_t c = 0; c < k; ++c) {
            int32_t child = p->child[b + c];
            int32_t owed = s->on_order[child];
            if (owed == 0)
                continue;
            int32_t q = short_of_stock ? p->alloc_x[c] : owed;
            /* Express orders go first, by the lane's express lead time. */
            int32_t q_express = s->express_owed[child] < q ? s->express_owed[child] : q;
            if (q_express > 0) {
                int32_t express_chain = -1;
                int32_t lead = p->express_days[child];
                if (p->batched)
                    q_express = ech_batches_take(&s->batches, i, q_express, d + lead + p->min_life,
                                                 &express_chain);
                if (q_express > 0) {
                    s->express_owed[child] -= q_express;
                    s->on_hand[i] -= q_express;
                    s->owed_down[i] -= q_express;
                    s->on_order[child] -= q_express;
                    acc->shipped += q_express;
                    deliver(p, s, child, q_express, d, lead, express_chain);
                }
            }
            int32_t shipped_express = q_express;
            q -= q_express;
            if (q > s->on_order[child])
                q = s->on_order[child];
            int32_t chain = -1;
            if (p->batched && q > 0)
                q = ech_batches_take(&s->batches, i, q, d + p->lead[child] + p->min_life, &chain);
            /* What was ordered before today is served first (first come, first
             * served); the rest of the shipment fills today's order on time. */
            int32_t today = s->ordered_day[child] == d ? s->ordered_qty[child] : 0;
            int32_t older = owed - today;
            int32_t on_time = q + shipped_express - older;
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
                s->express_owed[child] = 0;
            }
        }
    }
}

/* Step 6 at demand point node i (backlog_days only counts in backorder mode: in
 * lost-sales mode no demand waits). */
static inline void account_demand_point(sku_state *s, int32_t i, int backorder)
{
    s->on_hand_days[i] += s->on_hand[i];
    if (backorder)
        s->backlog_days[i] += s->backlog[i];
    s->stockout_days[i] += (s->on_hand[i] == 0) | s->short_today[i];
    s->short_today[i] = 0;
}

/* Steps 5 and 6 at the demand points: demand is served from on hand, waiting
 * backorders first, then today's demand; what cannot be served is lost or waits.
 * Then the day's end is accounted.  The loop's invariants are read once into
 * locals: its byte stores (the shortage flags) could alias anything, and would
 * otherwise make the compiler reload them for every demand point. */
static inline ECH_ALWAYS_INLINE void serve_demand(const ech_scenario *sc, const sku_plan *p,
                                                  sku_state *s, int32_t d, int32_t period,
                                                  const int plain, const int batched)
{
    const int backorder = !plain && sc->unmet_demand == ECH_UNMET_BACKORDER;
    const int32_t n_leaves = p->n_leaves;
    const int32_t *leaf = p->leaf;
    const int32_t *const *replay = !plain && p->any_replay ? p->replay : NULL;
    const ech_leaf_draw *draw = p->draw + (size_t)period * (size_t)n_leaves;
    ech_pcg32 *rng = s->demand_rng;
    int32_t *on_hand_of = s->on_hand, *backlog = s->backlog;
    int32_t *unmet_of = plain ? NULL : s->unmet;
    int32_t *clean_since = s->clean_since;
    uint8_t *short_today = s->short_today, *cycle_short = s->cycle_short;
    int64_t *on_hand_days = s->on_hand_days, *backlog_days = s->backlog_days;
    int64_t *stockout_days = s->stockout_days;
    node_acc *acc_of = s->acc;
    for (int32_t j = 0; j < n_leaves; ++j) {
        int32_t i = leaf[j];
        int32_t demand;
        if (replay && replay[j]) {
            demand = replay[j][d];
        } else {
            uint32_t u = ech_pcg32_next(&rng[j]);
            demand = draw[j].base;
            if (u > draw[j].threshold0)
                demand +=
                    ech_dtable_search(draw[j].threshold, draw[j].guide, draw[j].guide_shift, u);
        }
        int32_t on_hand = on_hand_of[i], unmet = 0;
        if (backorder && backlog[i] > 0 && on_hand > 0) {
            int32_t served = backlog[i] < on_hand ? backlog[i] : on_hand;
            backlog[i] -= served;
            on_hand -= served;
            acc_of[i].sold += served;
        }
        if (demand > 0) {
            node_acc *acc = &acc_of[i];
            int32_t served = demand < on_hand ? demand : on_hand;
            on_hand -= served;
            acc->demand += demand;
            acc->filled += served;
            acc->sold += served;
            unmet = demand - served;
            if (unmet > 0) {
                short_today[i] = 1;
                cycle_short[i] = 1;
                clean_since[j] = d + 1;
                if (backorder) {
                    backlog[i] += unmet;
                    acc->backordered += unmet;
                } else {
                    acc->lost += unmet;
                }
            }
        }
        if (batched && on_hand != on_hand_of[i])
            ech_batches_sell(&s->batches, i, on_hand_of[i] - on_hand);
        on_hand_of[i] = on_hand;
        if (unmet_of) {
            unmet_of[j] = unmet; /* substitutes may sell first: accounted after them */
            continue;
        }
        on_hand_days[i] += on_hand;
        if (backorder)
            backlog_days[i] += backlog[i];
        stockout_days[i] += (on_hand == 0) | short_today[i];
        short_today[i] = 0;
    }
}

/* Steps 5 and 6 at the demand points; lost sales from drawn demand outside a
 * substitution group (most SKUs) compiled apart, with and without batches. */
static inline void step_demand_and_account(const ech_scenario *sc, const sku_plan *p, sku_state *s,
                                           int32_t d, int32_t period)
{
    if (sc->unmet_demand == ECH_UNMET_BACKORDER || p->any_replay || s->unmet)
        serve_demand(sc, p, s, d, period, 0, p->batched);
    else if (p->batched)
        serve_demand(sc, p, s, d, period, 1, 1);
    else
        serve_demand(sc, p, s, d, period, 1, 0);
}

/* Step 6 at the locations without customer demand. */
static inline void step_account_stock_only(const sku_plan *p, sku_state *s)
{
    const int32_t *stock_only = p->stock_only, *on_hand = s->on_hand;
    int64_t *on_hand_days = s->on_hand_days, *stockout_days = s->stockout_days;
    uint8_t *short_today = s->short_today;
    for (int32_t m = 0, n = p->n_stock_only; m < n; ++m) {
        int32_t i = stock_only[m];
        on_hand_days[i] += on_hand[i];
        stockout_days[i] += (on_hand[i] == 0) | short_today[i];
        short_today[i] = 0;
    }
}

/* Step 6 for batches: the age and remaining life of the units on hand. */
static inline void step_account_batches(const sku_plan *p, sku_state *s, int32_t d)
{
    /* A replication's own sums (stride 1); the lanes account theirs themselves. */
    const int32_t *on_hand = s->on_hand;
    const int64_t *entry_sum = s->batches.entry_sum, *expiry_sum = s->batches.expiry_sum;
    node_acc *acc = s->acc;
    for (int32_t i = 0, n = p->n; i < n; ++i) {
        int64_t units_d = (int64_t)on_hand[i] * d;
        acc[i].age_days += units_d - entry_sum[i];
        acc[i].life_days += expiry_sum[i] - units_d;
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
void ech_sku_end_measurement(const sku_plan *p, sku_state *s)
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
 * One SKU
 * ------------------------------------------------------------------------------ */

/* The start of replication `rep` (of the request's numbering, identity `id`). */
static inline void rep_begin(ech_engine *e, int64_t id, int64_t rep)
{
    ech_sku_state_reset(e, &e->plan, &e->state, id);
    e->tracing = e->eval_trace && e->eval_trace->replication == rep;
    if (e->state.unmet)
        for (int32_t j = 0; j < e->plan.n_leaves; ++j) {
            int32_t loc = e->sc->sl.location[e->plan.first + e->plan.leaf[j]];
            ech_stream_init(&e->state.subst_rng[j], e->sc->seed, ECH_STREAM_SUBSTITUTION,
                            (uint64_t)e->plan.sku, (uint64_t)id, e->sc->net.id_hash[loc]);
        }
    if (e->sc->warmup_days == 0)
        begin_measurement(&e->plan, &e->state);
}

/* Asks the memory for the tables today's demand draws may read, so that they arrive
 * while steps 1 to 4 run: a SKU's tables for a year of calendar periods are too many
 * for the caches, and a draw beyond the first threshold would otherwise wait for
 * two dependent misses (the guide entry, then the threshold). */
static inline void prefetch_demand_tables(const sku_plan *plan, int32_t period)
{
    const ech_leaf_draw *draw = plan->draw + (size_t)period * (size_t)plan->n_leaves;
    for (int32_t j = 0; j < plan->n_leaves; ++j)
        if (draw[j].guide) {
            __builtin_prefetch(draw[j].guide + (draw[j].threshold0 >> draw[j].guide_shift));
            __builtin_prefetch(draw[j].threshold);
        }
}

/* Day d up to the demand: steps 1 to 4 (plan and state passed apart from the
 * engine, so that the hot loop keeps them in registers). */
static inline void day_supply(const ech_scenario *sc, sku_plan *plan, sku_state *state, int32_t d,
                              int64_t rep, ech_cold_rooms *cold, node_acc *before)
{
    if (before)
        memcpy(before, state->acc, (size_t)plan->n * sizeof(node_acc));
    if (plan->batched)
        ech_sku_expire(plan, state, state->on_hand, 1, d);
    step_receive(plan, state, d);
    contract_push(plan, state, d);
    if (cold && d >= sc->warmup_days && ech_cold_rooms_holds(cold, rep))
        ech_sku_cold_occupancy(cold, plan, state->on_hand, 1, rep, d - sc->warmup_days);
    step_review(plan, state, d);
    step_ship(sc, plan, state, d);
}

/* The rest of day d after the demand (and, in a group, its substitutes): step 6. */
static inline void day_end(const ech_scenario *sc, const sku_plan *plan, sku_state *state,
                           int32_t d, int64_t rep, const ech_trace *trace, const node_acc *before,
                           const stock_watch *watch)
{
    if (state->unmet)
        for (int32_t j = 0; j < plan->n_leaves; ++j)
            account_demand_point(state, plan->leaf[j], sc->unmet_demand == ECH_UNMET_BACKORDER);
    step_account_stock_only(plan, state);
    ech_sku_account_supply(plan, state, state->clean_since, 1, d);
    if (plan->batched)
        step_account_batches(plan, state, d);
    /* After the day's sales, substitute sales included. */
    if (plan->fc.any)
        ech_sku_forecast_record(plan, state, d);
    if (before)
        ech_sku_trace_day(sc, plan, state, before, rep, d, trace->out);
    if (watch)
        ech_sku_watch_day(sc, plan, state, watch, rep, d);
    if (d + 1 == sc->warmup_days) {
        begin_measurement(plan, state);
        if (plan->fc.any)
            ech_sku_forecast_rebase(plan, state);
    }
}

ech_status ech_sku_rep_end_state(ech_engine *e, sku_state *state, int64_t rep, int64_t rep_begin,
                                 const ech_eval_out *out, ech_error *err)
{
    sku_plan *plan = &e->plan;
    ech_sku_end_measurement(plan, state);
    ech_status st = ech_sku_check_conservation(e->sc, plan, state, rep, err);
    if (st != ECH_OK || !out)
        return st;
    st = ech_sku_record_replication(e->sc, plan, state, out, rep - rep_begin, err);
    if (st != ECH_OK)
        return st;
    if (out->month_purchases)
        memcpy(out->month_purchases + (rep - rep_begin) * e->n_months, state->month_purchases,
               (size_t)e->n_months * sizeof(int64_t));
    return ECH_OK;
}

/* The group's code (engine_group.c) steps its members through the same phases. */
void ech_sku_rep_begin(ech_engine *e, int64_t id, int64_t rep)
{
    rep_begin(e, id, rep);
}

void ech_sku_day_supply(ech_engine *e, int32_t d, int64_t rep)
{
    prefetch_demand_tables(&e->plan, e->period_of_day[d]);
    day_supply(e->sc, &e->plan, &e->state, d, rep, e->eval_cold,
               e->tracing ? e->trace_before : NULL);
}

void ech_sku_day_demand(ech_engine *e, int32_t d)
{
    step_demand_and_account(e->sc, &e->plan, &e->state, d, e->period_of_day[d]);
}

void ech_sku_day_end(ech_engine *e, int32_t d, int64_t rep)
{
    day_end(e->sc, &e->plan, &e->state, d, rep, e->eval_trace, e->tracing ? e->trace_before : NULL,
            e->eval_watch);
}

ech_status ech_sku_rep_end(ech_engine *e, int64_t rep, int64_t rep_begin, const ech_eval_out *out,
                           ech_error *err)
{
    return ech_sku_rep_end_state(e, &e->state, rep, rep_begin, out, err);
}

ech_status ech_engine_evaluate(ech_engine *e, const ech_eval_request *req, const ech_eval_out *out,
                               ech_error *err)
{
    const ech_scenario *sc = e->sc;
    int32_t sku = req->sku, variant = req->variant;
    if (sku < 0 || sku >= sc->cat.n || variant < 0 || variant >= sc->n_variants ||
        req->rep_begin < 0 || req->rep_end < req->rep_begin || req->rep_end > ECH_STREAM_SET_SIZE ||
        req->stream_set >= (1u << 22))
        return ech_fail(err, ECH_ERR_RUNTIME,
                        "internal error: an evaluation of SKU %d, variant %d, replications "
                        "%lld..%lld of stream set %u is out of range",
                        (int)sku, (int)variant, (long long)req->rep_begin, (long long)req->rep_end,
                        (unsigned)req->stream_set);
    if (sc->sl.sku_begin[sku + 1] == sc->sl.sku_begin[sku])
        return ECH_OK; /* not stocked anywhere */
    if (sc->subst.enabled && sc->cat.subst_group[sku] >= 0)
        return ech_group_evaluate(e, req, out, err);

    ech_status st = ech_sku_eval_setup(e, req, out->month_purchases != NULL, 0, err);
    if (st != ECH_OK)
        return st;
    int64_t stream_base = (int64_t)req->stream_set * ECH_STREAM_SET_SIZE;
    sku_plan *plan = &e->plan;
    sku_state *state = &e->state;
    ech_cold_rooms *cold = e->eval_cold;
    const ech_trace *trace = e->eval_trace;
    const stock_watch *watch = e->eval_watch;
    const uint16_t *period_of_day = e->period_of_day;
    int32_t n_days = e->n_days;
    int64_t rep = req->rep_begin;
    /* Groups of replications side by side where the SKU allows (engine_lanes.h),
     * the rest one by one. */
    int width;
    if (ech_lanes_next_group(req->rep_end - rep, &width) > 0 && ech_lanes_eligible(e)) {
        ech_lanes_setup(e);
        int active;
        while ((active = ech_lanes_next_group(req->rep_end - rep, &width)) > 0) {
            if ((st = ech_lanes_evaluate(e, stream_base + rep, rep, req->rep_begin, width, active,
                                         out, err)) != ECH_OK)
                return st;
            rep += active;
        }
    }
    for (; rep < req->rep_end; ++rep) {
        rep_begin(e, stream_base + rep, rep);
        node_acc *before = e->tracing ? e->trace_before : NULL;
        for (int32_t d = 0; d < n_days; ++d) {
            prefetch_demand_tables(plan, period_of_day[d]);
            day_supply(sc, plan, state, d, rep, cold, before);
            step_demand_and_account(sc, plan, state, d, period_of_day[d]);
            day_end(sc, plan, state, d, rep, trace, before, watch);
        }
        if ((st = ech_sku_rep_end_state(e, state, rep, req->rep_begin, out, err)) != ECH_OK)
            return st;
    }
    return ECH_OK;
}

ech_status ech_engine_run_sku(ech_engine *e, int32_t sku, int32_t variant, int64_t rep_begin,
                              int64_t rep_end, double *kpi_out, int64_t rep_stride,
                              int64_t *totals_out, ech_error *err)
{
    ech_eval_request req = {
        .sku = sku, .variant = variant, .rep_begin = rep_begin, .rep_end = rep_end};
    ech_eval_out out = {.kpi = kpi_out, .rep_stride = rep_stride, .totals = totals_out};
    return ech_engine_evaluate(e, &req, &out, err);
}
