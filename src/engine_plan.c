/* Building a SKU's plan and state for the engine; see engine_state.h. */
#include "engine_state.h"
#include "echelon/demand_model.h"
#include "echelon/policy.h"
#include "echelon/stats.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* Builds the demand tables of demand point j (skuloc x), one per calendar period;
 * the means go to means[q] when asked (forecasts use them). */
static ech_status build_demand_tables(ech_engine *e, sku_plan *p, int32_t j, int64_t x,
                                      double *means, ech_error *err)
{
    const ech_scenario *sc = e->sc;
    const ech_skulocs *sl = &sc->sl;
    double bad_mean = 0.0;
    const ech_dtable *const *tabs =
        ech_demand_tables_build(e->demand_tables, &e->arena, x, means, &bad_mean);
    if (!tabs)
        return ech_fail(err, ECH_ERR_RUNTIME,
                        "cannot build the demand table of SKU '%s' at '%s' (mean %g, "
                        "variance ratio %g, zero share %g)",
                        sc->cat.id[sl->sku[x]], sc->net.id[sl->location[x]], bad_mean,
                        sl->demand_var_ratio[x], sl->demand_zero_prob[x]);
    /* One row of draws per period, the first threshold inline (engine_state.h). */
    ech_leaf_draw *draw = p->draw + j;
    size_t row = (size_t)p->n_leaves;
    for (int32_t q = 0; q < e->n_periods; ++q)
        draw[(size_t)q * row] = (ech_leaf_draw){.threshold0 = tabs[q]->threshold0,
                                                .base = tabs[q]->base,
                                                .guide_shift = tabs[q]->guide_shift,
                                                .threshold = tabs[q]->threshold,
                                                .guide = tabs[q]->guide};
    return ECH_OK;
}

ech_status ech_sku_plan_build(ech_engine *e, int32_t sku, sku_plan *p, ech_error *err)
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
    ech_alloc_scratch_init(&p->alloc,
                           ech_arena_alloc(a, ech_alloc_scratch_bytes(n), "allocation scratch"), n);
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

    /* A contract that lets the warehouse buy spot beyond it: the spot lead time. */
    int32_t terms = sc->contracts.of_sku ? sc->contracts.of_sku[sku] : -1;
    if (terms >= 0 && sc->contracts.terms[terms].above == ECH_ABOVE_SPOT) {
        int32_t days = sc->contracts.terms[terms].spot_lead_time_days;
        ech_dtable *t = ech_arena_alloc(a, sizeof *t, "spot lead time");
        if (ech_dtable_lead_time(t, a, ECH_LT_FIXED, days, 0.0, days, days) != 0)
            return ech_fail(err, ECH_ERR_RUNTIME, "SKU '%s': unusable spot lead time",
                            sc->cat.id[sku]);
        p->spot_lead = t;
    }
    /* Express modes: the supplier's (its lead-time table) and each lane's. */
    p->express_days = ech_arena_alloc(a, ni, "express lead times");
    p->expedite_level = ech_arena_alloc(a, ni, "expedite levels");
    int32_t sup = sc->cat.supplier[sku];
    for (int32_t i = 0; i < n; ++i)
        p->express_days[i] = i == 0 ? -1 : net->express_lead_time_days[sl->location[p->first + i]];
    if (sc->suppliers.express && sup >= 0 && sc->suppliers.express[sup].lead_time_days >= 0) {
        int32_t days = sc->suppliers.express[sup].lead_time_days;
        ech_dtable *t = ech_arena_alloc(a, sizeof *t, "express lead time");
        if (ech_dtable_lead_time(t, a, ECH_LT_FIXED, days, 0.0, days, days) != 0)
            return ech_fail(err, ECH_ERR_RUNTIME, "SKU '%s': unusable express lead time",
                            sc->cat.id[sku]);
        p->express_lead = t;
        p->express_days[0] = days;
    }

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
        if (i > 0 && p->express_days[i] > reach) /* express shipments ride the lane pipe too */
            reach = p->express_days[i];
        if (reach > max_lane_lead)
            max_lane_lead = reach;
        p->outflow[i] = sl->expected_outflow[x];
        p->var_ratio[i] = sl->demand_dist[x] == ECH_DEMAND_NEGBIN ? sl->demand_var_ratio[x] : 1.0;
        /* The cap on stock held: max_stock_days of expected outflow, at least a pack. */
        p->position_cap[i] = INT32_MAX;
        if (p->controlled && sc->controlled.max_stock_days > 0.0) {
            double cap = ceil(sc->controlled.max_stock_days * p->outflow[i] - 1e-9);
            p->position_cap[i] = cap < p->pack         ? p->pack
                                 : cap > INT32_MAX / 2 ? INT32_MAX / 2
                                                       : (int32_t)cap;
        }
    }
    p->lane_mask = ech_pow2_at_least((uint32_t)max_lane_lead + 1) - 1;
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
    p->draw = ech_arena_calloc(a, (size_t)(p->n_leaves ? p->n_leaves : 1) * (size_t)e->n_periods,
                               sizeof *p->draw, "demand draws");
    p->replay = ech_arena_calloc(a, (size_t)(p->n_leaves ? p->n_leaves : 1), sizeof *p->replay,
                                 "replay series");
    /* With forecasts, the model's daily mean of each demand point and period (a
     * replayed point: its series' mean). */
    size_t np = (size_t)e->n_periods;
    double *model_mean =
        e->fc_rules
            ? ech_arena_alloc(a, (size_t)(p->n_leaves ? p->n_leaves : 1) * np * sizeof *model_mean,
                              "forecast means")
            : NULL;
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        int64_t x = p->first + p->leaf[j];
        double *means = model_mean ? model_mean + (size_t)j * np : NULL;
        if (sl->demand_dist[x] == ECH_DEMAND_REPLAY) {
            p->replay[j] = sc->replay.quantity + (size_t)sl->replay[x] * (size_t)sc->replay.n_days;
            p->any_replay = 1;
            for (size_t q = 0; means && q < np; ++q)
                means[q] = sl->demand_mean[x];
        } else {
            ech_status st = build_demand_tables(e, p, j, x, means, err);
            if (st != ECH_OK)
                return st;
        }
    }

    /* Open orders (snapshot start) of this SKU's skulocs, by arrival day. */
    const ech_open_orders *oo = &sc->open_orders;
    int64_t lo = ech_lower_bound_i64(oo->skuloc, oo->n, p->first), end = lo;
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
        p->open_qty =
            ech_arena_alloc(a, (size_t)p->n_open * sizeof(int32_t), "open order quantities");
        for (int32_t k = 0; k < p->n_open; ++k) {
            int64_t src = lo + tmp[k].node;
            p->open_day[k] = tmp[k].key;
            p->open_node[k] = (int32_t)(oo->skuloc[src] - p->first);
            p->open_qty[k] = oo->quantity[src];
        }
    }
    if (e->fc_rules)
        ech_sku_forecast_build(e, p, model_mean);
    return ECH_OK;
}

static int32_t gcd(int32_t a, int32_t b)
{
    while (b != 0) {
        int32_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* The review calendar (engine_state.h) from the review periods and first reviews:
 * node i reviews on the days d >= first_review[i] with d = first_review[i] mod
 * review_days[i], and first_review[i] < review_days[i], so the phase d mod lcm
 * decides alone. */
static void build_review_calendar(ech_engine *e, sku_plan *p)
{
    int32_t cycle = 1;
    for (int32_t i = 0; i < p->n && cycle < e->n_days; ++i) {
        int64_t lcm = (int64_t)cycle / gcd(cycle, p->review_days[i]) * p->review_days[i];
        cycle = lcm < e->n_days ? (int32_t)lcm : e->n_days;
    }
    int32_t *begin =
        ech_arena_calloc(&e->arena, (size_t)cycle + 1, sizeof *begin, "review calendar");
    for (int32_t i = 0; i < p->n; ++i)
        for (int32_t ph = p->first_review[i]; ph < cycle; ph += p->review_days[i])
            begin[ph + 1]++;
    for (int32_t ph = 0; ph < cycle; ++ph)
        begin[ph + 1] += begin[ph];
    int32_t *node = ech_arena_alloc(
        &e->arena, (size_t)(begin[cycle] ? begin[cycle] : 1) * sizeof *node, "review calendar");
    int32_t *fill = ech_arena_alloc(&e->arena, (size_t)cycle * sizeof *fill, "review calendar");
    memcpy(fill, begin, (size_t)cycle * sizeof *fill);
    for (int32_t i = p->n - 1; i >= 0; --i)
        for (int32_t ph = p->first_review[i]; ph < cycle; ph += p->review_days[i])
            node[fill[ph]++] = i;
    p->review_cycle = cycle;
    p->review_begin = begin;
    p->review_node = node;
}

/* The parts of a plan that differ between variants: policy numbers, review phases,
 * start stock, the order children are served in, and the supply (its lead-time
 * tables).  The children keep their fair-share order (topological) unless the
 * variant ranks them. */
ech_status ech_sku_plan_set_variant(ech_engine *e, sku_plan *p, sku_state *s, int32_t variant,
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
    build_review_calendar(e, p);
    p->reserve = vt->reserve ? vt->reserve[p->first] : 0;
    if (e->fc_rules)
        ech_sku_forecast_set_variant(e, p);

    for (int32_t i = 0; i < p->n; ++i) {
        int32_t b = p->child_begin[i], k = p->child_begin[i + 1] - b;
        if (k < 2)
            continue;
        keyed_child tmp_small[64];
        keyed_child *tmp =
            k <= 64 ? tmp_small
                    : ech_arena_alloc(&e->arena, (size_t)k * sizeof *tmp, "allocation order");
        for (int32_t c = 0; c < k; ++c) {
            int32_t node = p->child[b + c];
            int32_t loc = sl->location[p->first + node];
            tmp[c].node = node;
            switch (vt->allocation) {
            case ECH_ALLOC_PRIORITY: tmp[c].key = net->priority_rank[loc]; break;
            case ECH_ALLOC_ALPHABETICAL: tmp[c].key = net->name_rank[loc]; break;
            default: tmp[c].key = net->topo_pos[loc]; break;
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
    if (ech_supply_init(&s->supply, sc, p->sku, tables, vt->use_alternatives, vt->supplier_fill) !=
        0)
        return ech_fail(err, ECH_ERR_RUNTIME, "SKU '%s': unusable supply set-up",
                        sc->cat.id[p->sku]);
    if (p->spot_lead)
        ech_supply_set_spot(&s->supply, p->spot_lead);
    if (p->express_lead)
        ech_supply_set_express(&s->supply, p->express_lead);
    const ech_dtable *leads[4];
    int n_leads = 0;
    for (int k = 0; k < s->supply.n_sources; ++k)
        leads[n_leads++] = s->supply.source[k].lead_time;
    if (s->supply.has_spot)
        leads[n_leads++] = s->supply.spot.lead_time;
    if (s->supply.has_express)
        leads[n_leads++] = s->supply.express.lead_time;
    int32_t max_lead = 0;
    for (int k = 0; k < n_leads; ++k)
        if (leads[k]->base + leads[k]->n - 1 > max_lead)
            max_lead = leads[k]->base + leads[k]->n - 1;
    p->supplier_mask = ech_pow2_at_least((uint32_t)max_lead + 1) - 1;
    s->supplier_pipe = ech_arena_alloc(&e->arena, ((size_t)p->supplier_mask + 1) * sizeof(int32_t),
                                       "supplier pipe");
    return ECH_OK;
}

/* The targets the replications run under: the variant's, or the request's.  A node
 * without a start snapshot starts at its order-up-to level. */
void ech_sku_plan_set_targets(const ech_engine *e, sku_plan *p, const ech_eval_request *req)
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
    p->any_expedite = 0;
    for (int32_t i = 0; i < p->n; ++i) {
        int32_t level =
            req->expedite_level ? req->expedite_level[i] : vt->expedite_level[p->first + i];
        p->expedite_level[i] = p->express_days[i] >= 0 ? level : -1;
        p->any_expedite |= p->expedite_level[i] >= 0;
    }
}

void ech_sku_state_alloc(ech_arena *a, const sku_plan *p, sku_state *s, ech_batch_pool *pool)
{
    size_t ni = (size_t)p->n * sizeof(int32_t), nl = (size_t)p->n * sizeof(int64_t);
    s->on_hand = ech_arena_alloc(a, ni, "on hand");
    s->in_transit = ech_arena_alloc(a, ni, "in transit");
    s->on_order = ech_arena_alloc(a, ni, "on order");
    s->owed_down = ech_arena_alloc(a, ni, "owed downstream");
    s->backlog = ech_arena_alloc(a, ni, "customer backlog");
    s->ordered_qty = ech_arena_alloc(a, ni, "last orders");
    s->express_owed = ech_arena_alloc(a, ni, "express orders owed");
    s->ordered_day = ech_arena_alloc(a, ni, "last order days");
    s->short_today = ech_arena_alloc(a, (size_t)p->n, "shortage flags");
    s->cycle_short = ech_arena_alloc(a, (size_t)p->n, "cycle shortage flags");
    s->lane_pipe = ech_arena_alloc(a, ((size_t)p->lane_mask + 1) * ni, "lane pipes");
    s->lane_pending =
        ech_arena_alloc(a, ((size_t)p->lane_mask + 1) * sizeof(int32_t), "lane pipe counts");
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
        s->batches.stride = 1;
        s->lane_batches = ech_arena_alloc(a, ((size_t)p->lane_mask + 1) * ni, "batches in transit");
    }
    if (p->fc.rule) {
        forecast_state *fs = &s->fc;
        fs->prev_out = ech_arena_alloc(a, nl, "forecast counters");
        fs->sum = ech_arena_alloc(a, nl, "forecast sums");
        fs->days = ech_arena_alloc(a, ni, "forecast days");
        fs->num = ech_arena_alloc(a, (size_t)p->n * sizeof(double), "forecast levels");
        fs->den = ech_arena_alloc(a, (size_t)p->n * sizeof(double), "forecast levels");
        fs->ring = ech_arena_alloc(a, (size_t)(p->fc.window > 0 ? p->fc.window : 1) * ni,
                                   "forecast sales");
    }
}

/* ------------------------------------------------------------------------------
 * An evaluation's set-up
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
                            "-1 <= s < S",
                            sc->cat.id[p->sku], sc->net.id[sc->sl.location[p->first + i]], S, s,
                            ECH_MAX_UNITS);
    }
    return ECH_OK;
}

ech_status ech_sku_eval_setup(ech_engine *e, const ech_eval_request *req, int count_months,
                              int grouped, ech_error *err)
{
    const ech_scenario *sc = e->sc;
    int32_t sku = req->sku, variant = req->variant;
    /* The plan (demand tables above all) is the same for every variant: build it
     * once per SKU, then set the variant's parts and the targets. */
    sku_plan *plan = &e->plan;
    sku_state *state = &e->state;
    ech_status st;
    if (e->plan_sku != sku) {
        ech_arena_reset(&e->arena);
        e->plan_sku = -1;
        e->lanes = NULL;
        st = ech_sku_plan_build(e, sku, plan, err);
        if (st != ECH_OK)
            return st;
        ech_sku_state_alloc(&e->arena, plan, state, &e->pool);
        state->month_purchases = ech_arena_alloc(
            &e->arena, (size_t)(e->n_months > 0 ? e->n_months : 1) * sizeof(int64_t),
            "purchases by month");
        state->measured_month = e->measured_month;
        state->unmet = NULL;
        if (grouped) {
            size_t nj = (size_t)(plan->n_leaves ? plan->n_leaves : 1);
            state->unmet = ech_arena_calloc(&e->arena, nj, sizeof(int32_t), "unmet demand");
            state->subst_rng =
                ech_arena_alloc(&e->arena, nj * sizeof(ech_pcg32), "substitution streams");
        }
        e->plan_sku = sku;
    }
    if (plan->variant != variant) {
        st = ech_sku_plan_set_variant(e, plan, state, variant, err);
        if (st != ECH_OK)
            return st;
    }
    if ((st = check_targets(sc, plan, req, err)) != ECH_OK)
        return st;
    ech_sku_plan_set_targets(e, plan, req);
    double committed = req->contract == ECH_CONTRACT_OF_VARIANT
                           ? ech_variant_commitment(sc, &sc->variant[variant], sku)
                       : req->contract == ECH_CONTRACT_GIVEN ? req->committed
                                                             : NAN;
    ech_contract_setup(&state->supply.contract, sc, sku, committed, e->month_end, e->n_months,
                       e->due_day, e->due_units);
    state->count_months = count_months;

    /* The trace follows its replication of the run's own streams, once. */
    e->eval_trace = e->trace && e->trace->sku == sku && e->trace->variant == variant &&
                            req->stream_set == 0 && e->trace->replication >= req->rep_begin &&
                            e->trace->replication < req->rep_end
                        ? e->trace
                        : NULL;
    e->trace_before = e->eval_trace ? ech_arena_alloc(&e->arena, (size_t)plan->n * sizeof(node_acc),
                                                      "trace counters")
                                    : NULL;
    if (e->eval_trace)
        ech_sku_trace_header(e->eval_trace->out);
    /* Cold rooms count where an engine has them (the run's engines; a tuning's cold
     * check on its own replications). */
    e->eval_cold = plan->cold_ml > 0 ? e->cold : NULL;
    e->eval_watch = NULL;
    if (e->stock && e->stock->variant == variant && req->stream_set == 0) {
        /* The sink's skulocs of this SKU: a run of its ascending list. */
        const ech_stock_days *days = e->stock;
        int64_t lo = ech_lower_bound_i64(days->skuloc, days->n, plan->first), end = lo;
        while (end < days->n && days->skuloc[end] < plan->first + plan->n)
            ++end;
        e->watch = (stock_watch){.days = e->stock, .first = lo, .n = end - lo};
        e->eval_watch = end > lo ? &e->watch : NULL;
    }
    return ECH_OK;
}
