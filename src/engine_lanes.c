/* Replications side by side: when they can, a group's start and end, and the choice
 * of kernel; see engine_lanes.h. */
#include "engine_lanes.h"

#include <stdlib.h>
#include <string.h>

static int cpu_has(ech_isa isa)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    switch (isa) {
    case ECH_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    case ECH_ISA_AVX2: return __builtin_cpu_supports("avx2");
    default: return 1;
    }
#else
    return isa == ECH_ISA_BASELINE;
#endif
}

static const char *const isa_names[ECH_ISA_COUNT] = {"baseline", "avx2", "avx512"};

/* ECHELON_SIMD: the highest instruction set the lanes may use (-1: none, the
 * scalar engine alone; ECH_ISA_COUNT - 1 when unset); -2 for a value it cannot
 * be. */
static int simd_cap(void)
{
    const char *want = getenv("ECHELON_SIMD");
    if (!want || !*want)
        return ECH_ISA_COUNT - 1;
    if (strcmp(want, "scalar") == 0)
        return -1;
    for (int k = 0; k < ECH_ISA_COUNT; ++k)
        if (strcmp(want, isa_names[k]) == 0)
            return k;
    return -2;
}

/* The instruction set the lanes use here: the best this CPU has up to ECHELON_SIMD's
 * cap (unset or not a name: no cap), or -1 for the scalar engine alone. */
static int lanes_isa(void)
{
    int cap = simd_cap();
    if (cap == -1)
        return -1;
    for (int k = cap < 0 ? ECH_ISA_COUNT - 1 : cap; k > 0; --k)
        if (cpu_has((ech_isa)k))
            return k;
    return ECH_ISA_BASELINE;
}

ech_lanes_days_fn *ech_lanes_kernel(int width)
{
#if defined(__x86_64__)
    static ech_lanes_days_fn *const kernels[ECH_LANE_WIDTHS][ECH_ISA_COUNT] = {
        {ech_lanes8_days_baseline, ech_lanes8_days_avx2, ech_lanes8_days_avx512},
        {ech_lanes16_days_baseline, ech_lanes16_days_avx2, ech_lanes16_days_avx512},
        {ech_lanes32_days_baseline, ech_lanes32_days_avx2, ech_lanes32_days_avx512}};
#else
    static ech_lanes_days_fn *const kernels[ECH_LANE_WIDTHS][ECH_ISA_COUNT] = {
        {ech_lanes8_days_baseline}, {ech_lanes16_days_baseline}, {ech_lanes32_days_baseline}};
#endif
    int isa = lanes_isa();
    return isa < 0 ? NULL : kernels[ech_lanes_width_index(width)][isa];
}

int ech_lanes_next_group(int64_t left, int *width)
{
    enum { FEWEST = 5 }; /* a group of 8 lanes costs about 4 replications one by one */
    *width = left > 24 ? 32 : left > 8 ? 16 : 8;
    if (left < FEWEST)
        return 0;
    return left < *width ? (int)left : *width;
}

const char *ech_engine_simd(void)
{
    if (simd_cap() == -2)
        return NULL;
    int isa = lanes_isa();
    return isa < 0 ? "scalar" : isa_names[isa];
}

int ech_lanes_eligible(const ech_engine *e)
{
    const ech_scenario *sc = e->sc;
    const sku_plan *p = &e->plan;
    const sku_state *s = &e->state;
    return e->lanes_kernel[0] && sc->unmet_demand != ECH_UNMET_BACKORDER && !p->any_replay &&
           !s->unmet && !p->fc.any && !p->any_expedite && p->return_within == 0 && p->n_open == 0 &&
           !s->supply.contract.push && !e->eval_trace && !e->eval_watch && p->n_leaves > 0;
}

void ech_lanes_setup(ech_engine *e)
{
    sku_plan *p = &e->plan;
    ech_arena *a = &e->arena;
    ech_lanes *L = e->lanes;
    size_t n = (size_t)p->n * ECH_LANES, nj = (size_t)p->n_leaves * ECH_LANES;
    if (!L) {
        L = e->lanes = ech_arena_calloc(a, 1, sizeof *L, "replication lanes");
        if (p->batched && !e->lane_pools)
            e->lane_pools = ech_xcalloc(ECH_LANES, sizeof *e->lane_pools, "lane batches");
        if (p->batched) {
            L->head = ech_arena_alloc(a, n * sizeof(int32_t), "lane batch lists");
            L->pools = e->lane_pools;
            L->entry_sum = ech_arena_calloc(a, n, sizeof(int64_t), "lane stock entry sums");
            L->expiry_sum = ech_arena_calloc(a, n, sizeof(int64_t), "lane stock expiry sums");
            int32_t **front[] = {&L->front_qty, &L->front_entry, &L->front_expiry,
                                 &L->after_qty, &L->after_entry, &L->after_expiry};
            for (size_t k = 0; k < sizeof front / sizeof *front; ++k)
                *front[k] = ech_arena_alloc(a, n * sizeof(int32_t), "lane front batches");
        }
        for (int l = 0; l < ECH_LANES; ++l) {
            sku_state *s = &L->lane[l];
            ech_sku_state_alloc(a, p, s, p->batched ? &e->lane_pools[l] : &e->pool);
            s->month_purchases =
                ech_arena_alloc(a, (size_t)(e->n_months > 0 ? e->n_months : 1) * sizeof(int64_t),
                                "purchases by month");
            s->measured_month = e->measured_month;
            s->unmet = NULL;
        }
        int32_t **i32[] = {&L->on_hand,   &L->in_transit,  &L->on_order,
                           &L->owed_down, &L->ordered_qty, &L->ordered_day};
        for (size_t k = 0; k < sizeof i32 / sizeof *i32; ++k)
            *i32[k] = ech_arena_alloc(a, n * sizeof(int32_t), "lane stock");
        L->short_today = ech_arena_alloc(a, n * sizeof(int32_t), "lane flags");
        L->cycle_short = ech_arena_alloc(a, n * sizeof(int32_t), "lane flags");
        for (int c = 0; c < LANE_COUNTERS; ++c)
            L->count[c] = ech_arena_alloc(a, n * sizeof(int64_t), "lane counters");
        for (int c = 0; c < NODE_SUMS; ++c)
            L->node_sum[c] = ech_arena_alloc(a, n * sizeof(uint32_t), "lane sums");
        for (int c = 0; c < LEAF_SUMS; ++c)
            L->leaf_sum[c] = ech_arena_alloc(a, nj * sizeof(uint32_t), "lane sums");
        L->clean_since = ech_arena_alloc(a, nj * sizeof(int32_t), "lane recoveries");
        L->rng_state = ech_arena_alloc(a, nj * sizeof(uint64_t), "lane streams");
        L->rng_inc = ech_arena_alloc(a, nj * sizeof(uint64_t), "lane streams");
        L->draws = ech_arena_alloc(a, nj * sizeof(uint32_t), "lane draws");
        L->search_from = ech_arena_alloc(a, (size_t)p->n_leaves * sizeof(int32_t), "lane draws");
        L->highest_draw = ech_arena_alloc(a, (size_t)p->n_leaves * sizeof(uint32_t), "lane draws");
        L->lane_pipe =
            ech_arena_alloc(a, ((size_t)p->lane_mask + 1) * n * sizeof(int32_t), "lane pipes");
        L->lane_pending = ech_arena_alloc(a, (size_t)p->lane_mask + 1, "lane pipe flags");
        if (p->batched) {
            size_t cells = ((size_t)p->lane_mask + 1) * n;
            L->pipe_expiry = ech_arena_alloc(a, cells * sizeof(int32_t), "lane pipe batches");
            L->pipe_entry = ech_arena_alloc(a, cells * sizeof(int32_t), "lane pipe batches");
            L->second_qty = ech_arena_alloc(a, cells * sizeof(int32_t), "lane pipe batches");
            L->second_expiry = ech_arena_alloc(a, cells * sizeof(int32_t), "lane pipe batches");
            L->second_entry = ech_arena_alloc(a, cells * sizeof(int32_t), "lane pipe batches");
        }
        int32_t most_children = 1;
        for (int32_t i = 0; i < p->n; ++i)
            if (p->child_begin[i + 1] - p->child_begin[i] > most_children)
                most_children = p->child_begin[i + 1] - p->child_begin[i];
        L->alloc_x =
            ech_arena_alloc(a, (size_t)most_children * ECH_LANES * sizeof(int32_t), "lane shares");
    }
    if (L->supplier_slots < p->supplier_mask + 1) {
        L->supplier_slots = p->supplier_mask + 1;
        L->supplier_pipe = ech_arena_alloc(
            a, (size_t)L->supplier_slots * ECH_LANES * sizeof(int32_t), "lane supplier pipes");
        /* The lanes' scalar states' own (reset with them, otherwise unused). */
        for (int l = 0; l < ECH_LANES; ++l)
            L->lane[l].supplier_pipe =
                ech_arena_alloc(a, L->supplier_slots * sizeof(int32_t), "supplier pipe");
    }
    /* The evaluation's supply (variant, contract), each lane keeping its own
     * outage spells' storage. */
    for (int l = 0; l < ECH_LANES; ++l) {
        ech_supply *sup = &L->lane[l].supply;
        ech_outage *spells[2] = {sup->source[0].spells, sup->source[1].spells};
        int32_t cap[2] = {sup->source[0].cap_spells, sup->source[1].cap_spells};
        *sup = e->state.supply;
        for (int k = 0; k < 2; ++k) {
            sup->source[k].spells = spells[k];
            sup->source[k].cap_spells = cap[k];
            sup->source[k].n_spells = 0;
        }
        L->lane[l].count_months = e->state.count_months;
    }
    L->cold = e->eval_cold;
}

static void clear_sums(const sku_plan *p, ech_lanes *L)
{
    size_t w = (size_t)L->width;
    for (int c = 0; c < NODE_SUMS; ++c)
        memset(L->node_sum[c], 0, (size_t)p->n * w * sizeof(uint32_t));
    for (int c = 0; c < LEAF_SUMS; ++c)
        memset(L->leaf_sum[c], 0, (size_t)p->n_leaves * w * sizeof(uint32_t));
    L->sum_room = UINT32_MAX;
}

void ech_lanes_flush_sums(const sku_plan *p, ech_lanes *L)
{
    size_t w = (size_t)L->width;
    int64_t *const *c = L->count;
    for (size_t k = 0, end = (size_t)p->n * w; k < end; ++k) {
        c[LANE_CYCLES][k] += L->node_sum[NODE_CYCLES][k];
        c[LANE_CYCLES_OK][k] += L->node_sum[NODE_CYCLES_OK][k];
        c[LANE_ORDERS][k] += L->node_sum[NODE_ORDERS][k];
    }
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        size_t b = (size_t)p->leaf[j] * w, jb = (size_t)j * w;
        for (size_t l = 0; l < w; ++l) {
            int64_t wanted = L->leaf_sum[LEAF_WANTED][jb + l];
            int64_t served = L->leaf_sum[LEAF_SERVED][jb + l];
            c[LANE_DEMAND][b + l] += wanted;
            c[LANE_FILLED][b + l] += served;
            c[LANE_SOLD][b + l] += served;
            c[LANE_LOST][b + l] += wanted - served;
            c[LANE_ON_HAND_DAYS][b + l] += L->leaf_sum[LEAF_STOCK_DAYS][jb + l];
            c[LANE_STOCKOUT_DAYS][b + l] += L->leaf_sum[LEAF_STOCKOUT_DAYS][jb + l];
        }
    }
    clear_sums(p, L);
}

void ech_lanes_begin_measurement(const sku_plan *p, ech_lanes *L)
{
    size_t n = (size_t)p->n, w = (size_t)L->width;
    for (int c = 0; c < LANE_COUNTERS; ++c)
        memset(L->count[c], 0, n * w * sizeof(int64_t));
    clear_sums(p, L);
    memset(L->cycle_short, 0, n * w * sizeof(int32_t));
    for (int l = 0; l < L->width; ++l) {
        sku_state *s = &L->lane[l];
        memset(s->acc, 0, n * sizeof(node_acc));
        memset(s->backlog_days, 0, n * sizeof(int64_t));
        for (size_t i = 0; i < n; ++i) {
            s->acc[i].start_on_hand = L->on_hand[i * w + (size_t)l];
            s->acc[i].start_in_transit = L->in_transit[i * w + (size_t)l];
        }
        for (int32_t j = 0; j < p->n_leaves; ++j)
            s->recover_from[j] = -1;
        s->n_recovering = 0;
    }
}

/* Each lane's replication starts as the scalar engine starts it, and is copied in. */
static void lanes_begin(ech_engine *e, ech_lanes *L, int64_t id)
{
    const sku_plan *p = &e->plan;
    size_t n = (size_t)p->n, w = (size_t)L->width, nw = n * w;
    memset(L->in_transit, 0, nw * sizeof(int32_t));
    memset(L->on_order, 0, nw * sizeof(int32_t));
    memset(L->owed_down, 0, nw * sizeof(int32_t));
    memset(L->ordered_qty, 0, nw * sizeof(int32_t));
    memset(L->short_today, 0, nw * sizeof(int32_t));
    memset(L->cycle_short, 0, nw * sizeof(int32_t));
    for (size_t k = 0; k < nw; ++k)
        L->ordered_day[k] = -1;
    for (int c = 0; c < LANE_COUNTERS; ++c)
        memset(L->count[c], 0, nw * sizeof(int64_t));
    clear_sums(p, L);
    memset(L->lane_pipe, 0, ((size_t)p->lane_mask + 1) * nw * sizeof(int32_t));
    memset(L->lane_pending, 0, (size_t)p->lane_mask + 1);
    for (size_t k = 0; p->batched && k < ((size_t)p->lane_mask + 1) * nw; ++k) {
        L->pipe_expiry[k] = ECH_NO_PIECE;
        L->second_qty[k] = 0;
    }
    memset(L->supplier_pipe, 0, ((size_t)p->supplier_mask + 1) * w * sizeof(int32_t));
    L->outages = 0;
    for (int l = 0; l < L->width; ++l) {
        sku_state *s = &L->lane[l];
        if (p->batched) { /* each lane's heads and sums interleaved with the others' */
            s->batches.head = L->head + l;
            s->batches.entry_sum = L->entry_sum + l;
            s->batches.expiry_sum = L->expiry_sum + l;
            s->batches.stride = L->width;
        }
        ech_sku_state_reset(e, p, s, id + l);
        L->outages |= s->supply.source[0].n_spells > 0;
        for (size_t i = 0; i < n; ++i) {
            L->on_hand[i * w + (size_t)l] = s->on_hand[i];
            L->in_transit[i * w + (size_t)l] = s->in_transit[i];
        }
        for (int32_t j = 0; j < p->n_leaves; ++j) {
            size_t k = (size_t)j * w + (size_t)l;
            L->rng_state[k] = s->demand_rng[j].state;
            L->rng_inc[k] = s->demand_rng[j].inc;
            L->clean_since[k] = s->clean_since[j];
        }
        if (p->batched) {
            for (int32_t i = 0; i < p->n; ++i)
                ech_lanes_front_in(L, l, i);
            L->next_expiry[l] = s->batches.next_expiry;
        }
    }
    if (e->sc->warmup_days == 0)
        ech_lanes_begin_measurement(p, L);
}

/* Lane l's replication copied out into its scalar state, as the scalar engine
 * would hold it at the end. */
static void lane_end(const sku_plan *p, ech_lanes *L, int l)
{
    sku_state *s = &L->lane[l];
    for (int32_t i = 0; i < p->n; ++i) {
        size_t k = (size_t)i * (size_t)L->width + (size_t)l;
        s->on_hand[i] = L->on_hand[k];
        s->in_transit[i] = L->in_transit[k];
        s->on_order[i] = L->on_order[k];
        s->owed_down[i] = L->owed_down[k];
        s->ordered_qty[i] = L->ordered_qty[k];
        s->ordered_day[i] = L->ordered_day[k];
        s->short_today[i] = (uint8_t)L->short_today[k];
        s->cycle_short[i] = (uint8_t)L->cycle_short[k];
        node_acc *a = &s->acc[i];
        int64_t *const *c = L->count;
        a->demand = c[LANE_DEMAND][k];
        a->filled = c[LANE_FILLED][k];
        a->lost = c[LANE_LOST][k];
        a->backordered = c[LANE_BACKORDERED][k];
        a->cycles = c[LANE_CYCLES][k];
        a->cycles_ok = c[LANE_CYCLES_OK][k];
        a->orders = c[LANE_ORDERS][k];
        a->ordered = c[LANE_ORDERED][k];
        a->received = c[LANE_RECEIVED][k];
        a->sold = c[LANE_SOLD][k];
        a->shipped = c[LANE_SHIPPED][k];
        a->shipped_in = c[LANE_SHIPPED_IN][k];
        s->on_hand_days[i] = c[LANE_ON_HAND_DAYS][k];
        s->stockout_days[i] = c[LANE_STOCKOUT_DAYS][k];
        a->age_days = c[LANE_AGE_DAYS][k];
        a->life_days = c[LANE_LIFE_DAYS][k];
    }
    for (int32_t j = 0; j < p->n_leaves; ++j)
        s->clean_since[j] = L->clean_since[(size_t)j * (size_t)L->width + (size_t)l];
    if (!p->batched)
        return;
    s->batches.next_expiry = L->next_expiry[l];
    for (int32_t i = 0; i < p->n; ++i)
        ech_lanes_front_out(L, l, i);
    /* Pieces of front batches still on their way: batches of the lane's chains, as
     * the scalar engine holds them. */
    for (size_t cell = 0, end = ((size_t)p->lane_mask + 1) * (size_t)p->n; cell < end; ++cell) {
        size_t k = cell * (size_t)L->width + (size_t)l;
        if (L->pipe_expiry[k] == ECH_NO_PIECE || L->lane_pipe[k] <= 0)
            continue;
        int32_t second = L->second_qty[k];
        int32_t piece = ech_batch_new(s->batches.pool, L->pipe_expiry[k], L->pipe_entry[k],
                                      L->lane_pipe[k] - second);
        ech_batch_chain_join(s->batches.pool, &s->lane_batches[cell], piece);
        if (second > 0) {
            piece = ech_batch_new(s->batches.pool, L->second_expiry[k], L->second_entry[k], second);
            ech_batch_chain_join(s->batches.pool, &s->lane_batches[cell], piece);
        }
    }
}

ech_status ech_lanes_evaluate(ech_engine *e, int64_t id, int64_t rep, int64_t rep_begin, int width,
                              int active, const ech_eval_out *out, ech_error *err)
{
    ech_lanes *L = e->lanes;
    L->rep = rep;
    L->width = width;
    L->active = active;
    lanes_begin(e, L, id);
    e->lanes_kernel[ech_lanes_width_index(width)](e->sc, &e->plan, L, e->period_of_day, e->n_days);
    for (int l = 0; l < active; ++l) {
        lane_end(&e->plan, L, l);
        ech_status st = ech_sku_rep_end_state(e, &L->lane[l], rep + l, rep_begin, out, err);
        if (st != ECH_OK)
            return st;
    }
    return ECH_OK;
}
