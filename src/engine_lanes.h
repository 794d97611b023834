/* Replications side by side ("lanes"), private to the engine.
 *
 * A SKU's replications share its plan (tables, calendar, topology) and differ only
 * in their random streams, so ECH_LANES of them (16 or 8 for a SKU's last few)
 * can step through the days together: the state of node i in lane l lives at
 * [i * width + l] (width: the group's lanes), and each step's inner loop runs over
 * the lanes, which the compiler turns into vector instructions.  Each lane follows
 * exactly the scalar engine's order of operations on its own replication's
 * streams, so the results are the scalar engine's, bit for bit, whatever the
 * vector width (tests/scripts/lanes.sh: determinism.lanes).
 *
 *   engine_lanes.c      when an evaluation can run in lanes, a group's start (each
 *                       lane's scalar reset, copied in) and end (copied out into the
 *                       lane's scalar state, which records it as the scalar engine
 *                       does), the groups' sizes, and the choice of kernel
 *   simd/lanes_days.inc the days of a group: compiled once per instruction set and
 *                       width (simd/lanes32_*.c, lanes16_*.c, lanes8_*.c), chosen at
 *                       run time
 *
 * What happens rarely or per lane (the warehouse's orders and its suppliers'
 * shipments, allocation when short, disruptions and recoveries) runs lane by lane
 * on the lane's scalar state (`lane[l]`), with the scalar engine's functions.  A
 * batched SKU's batches: each node's first two batches (the front and the one
 * after it) in lane arrays alone, the batches after them in each lane's own pool
 * (the lists' heads in lane arrays), worked for all lanes at once where only those
 * two change, lane by lane directly where the pool's list does
 * (simd/lanes_days.inc), and through batches.h's functions in the rarer cases
 * (expiry, short-lived stock, long takes).
 * What the lanes do not cover (forecasts, express orders, returns,
 * backorders at the demand points, replayed demand, substitution, open orders of a
 * snapshot, contract deliveries on schedule, the trace, daily stock sinks) runs in
 * the scalar engine.
 */
#ifndef ECHELON_ENGINE_LANES_H
#define ECHELON_ENGINE_LANES_H

#include "engine_state.h"

/* The widest group, and the kernels' widths: 32, 16 and 8 lanes (see
 * ech_lanes_next_group). */
#define ECH_LANES 32
#define ECH_LANE_WIDTHS 3
_Static_assert(sizeof((struct ech_engine *)0)->lanes_kernel ==
                   ECH_LANE_WIDTHS * sizeof((struct ech_engine *)0)->lanes_kernel[0],
               "an engine holds a day kernel for each width");

/* The counters the lanes keep in their own arrays (node_acc's other fields stay in
 * the lanes' scalar states). */
enum {
    LANE_DEMAND,
    LANE_FILLED,
    LANE_LOST,
    LANE_BACKORDERED,
    LANE_CYCLES,
    LANE_CYCLES_OK,
    LANE_ORDERS,
    LANE_ORDERED,
    LANE_RECEIVED,
    LANE_SOLD,
    LANE_SHIPPED,
    LANE_SHIPPED_IN,
    LANE_ON_HAND_DAYS,
    LANE_STOCKOUT_DAYS,
    LANE_AGE_DAYS, /* batched SKUs: unit-days of age and of remaining life on hand */
    LANE_LIFE_DAYS,
    LANE_COUNTERS
};

/* pipe_expiry of a shipment that is not a piece of a front batch. */
#define ECH_NO_PIECE INT32_MIN

/* Sums a day adds little to, kept in 32 bits between flushes into the counters
 * (ech_lanes_flush_sums): half the bytes of the 64-bit counters to carry through the
 * day's vector steps.  A demand point's, per leaf: units wanted and served (its
 * demand, filled and sold; lost is their difference), stock at the day's end and
 * stock-out days.  A node's, per node: review cycles, cycles without a shortage,
 * orders. */
enum { LEAF_WANTED, LEAF_SERVED, LEAF_STOCK_DAYS, LEAF_STOCKOUT_DAYS, LEAF_SUMS };
enum { NODE_CYCLES, NODE_CYCLES_OK, NODE_ORDERS, NODE_SUMS };

typedef struct ech_lanes {
    /* Each lane's replication as the scalar engine holds one: its supply, month
     * purchases, recoveries and rare counters during the days; all of it at the end. */
    sku_state lane[ECH_LANES];
    uint32_t supplier_slots; /* arrival days the supplier pipes hold */
    int32_t *supplier_pipe;  /* [slot * ECH_LANES + lane]: the warehouse's receipts */
    /* [node * ECH_LANES + lane] */
    int32_t *on_hand, *in_transit, *on_order, *owed_down, *ordered_qty, *ordered_day;
    int32_t *short_today, *cycle_short; /* flags, 32-bit like the stock (one vector type) */
    int64_t *count[LANE_COUNTERS];
    uint32_t *node_sum[NODE_SUMS]; /* [node * ECH_LANES + lane] */
    uint32_t *leaf_sum[LEAF_SUMS]; /* [leaf * ECH_LANES + lane] */
    /* What every sum can still take before it could pass 2^32 - 1: a day adds to
     * each at most the day's largest units wanted or on hand at a demand point, or
     * 1 (the kernel subtracts it), and below 2^31 (the day loop's quantities are
     * 32-bit counts, kept far below 2^31 by the scenario's checks: policy.c); so
     * the sums are flushed when less than 2^31 is left. */
    int64_t sum_room;
    /* [leaf * ECH_LANES + lane] */
    int32_t *clean_since;
    uint64_t *rng_state, *rng_inc;
    uint32_t *draws; /* the day's draws */
    /* [leaf]: the highest of the day's draws in all lanes, and the table index
     * their search starts from */
    uint32_t *highest_draw;
    int32_t *search_from;
    /* [node * ECH_LANES + lane]: batched SKUs' lists' heads (of the batches after
     * the first two: ech_lanes_front_in), and their sums of quantity x entry day
     * and quantity x expiry day (the lanes' batch stocks', batches.h, less the
     * first two batches) */
    int32_t *head;
    int64_t *entry_sum, *expiry_sum;
    ech_batch_pool *pools; /* [lane]: each lane's batches (its scalar state's pool) */
    /* [node * ECH_LANES + lane]: batched SKUs' front batches and the batches after
     * them (ech_lanes_front_in), not in the pool */
    int32_t *front_qty, *front_entry, *front_expiry;
    int32_t *after_qty, *after_entry, *after_expiry;
    /* [(slot * n + node) * ECH_LANES + lane]; a slot's flag: some lane has a shipment */
    int32_t *lane_pipe;
    uint8_t *lane_pending;
    /* Batched SKUs, like lane_pipe: a shipment that is a piece of its sender's front
     * batch travels as that batch's expiry and entry days here (ECH_NO_PIECE: the
     * shipment's batches are the lane's chain, sku_state.lane_batches), and is put
     * away as a piece of that batch when it arrives. */
    int32_t *pipe_expiry, *pipe_entry;
    /* A shipment of a whole front batch and a piece or all of the after batch: the
     * second piece's units (0: none; the first's are the rest of lane_pipe's) and
     * days. */
    int32_t *second_qty, *second_expiry, *second_entry;
    int32_t *alloc_x; /* [child * ECH_LANES + lane]: shares when short */
    /* The group under way: the cold-room sink (NULL: none), lane 0's replication,
     * and the lanes whose replications are asked for (the rest of a last group
     * run streams beyond the request and are discarded). */
    ech_cold_rooms *cold;
    int64_t rep;
    int width; /* 32, 16 or 8: the arrays' stride */
    int active;
    int outages; /* some lane's primary source has outage spells */
    /* [lane]: batched SKUs: no batch on hand expires before this day (the lane's
     * batches.next_expiry, which holds it only during a call of batches.h's list
     * functions: ON_LIST in simd/lanes_days.inc) */
    int32_t next_expiry[ECH_LANES];
} ech_lanes;

/* A batched SKU's lanes keep each node's front batch (the next to sell) in
 * front_qty, front_entry and front_expiry alone, and the batch after it in
 * after_qty, after_entry and after_expiry (a quantity 0: none; the front is empty
 * only when the list is, the after slot only when the front is alone), and `head`
 * is the list of the batches after those two in the lane's pool: a day's sales
 * and receipts that change only the first two batches are vector steps, and most
 * lists (at the pharmacies) fill and empty without the pool.  Work on lane l's
 * list at node i through batches.h's functions puts the two at the head of the
 * pool's list first (ech_lanes_front_out; new batches, which may move the pool),
 * and takes them out again after (ech_lanes_front_in). */

/* A slot's batch (front_* or after_*: quantity, entry and expiry arrays) of lane l
 * at node i onto the head of the lane's pool list, with the list's sums (an empty
 * slot: nothing); and the pool list's head out into the slot (none: the slot
 * empties). */
static inline void ech_lanes_slot_out(ech_lanes *L, int l, int32_t i, const int32_t *qty,
                                      const int32_t *entry, const int32_t *expiry)
{
    size_t k = (size_t)i * (size_t)L->width + (size_t)l;
    if (qty[k] <= 0)
        return;
    ech_batch_pool *pool = &L->pools[l];
    int32_t h = ech_batch_new(pool, expiry[k], entry[k], qty[k]);
    pool->b[h].next = L->head[k];
    L->head[k] = h;
    ech_batches_sums_add(&L->lane[l].batches, i, qty[k], entry[k], expiry[k]);
}

static inline void ech_lanes_slot_in(ech_lanes *L, int l, int32_t i, int32_t *qty, int32_t *entry,
                                     int32_t *expiry)
{
    size_t k = (size_t)i * (size_t)L->width + (size_t)l;
    int32_t h = L->head[k];
    ech_batch b = {0, 0, 0, -1};
    if (h >= 0) {
        ech_batch_pool *pool = &L->pools[l];
        b = pool->b[h];
        L->head[k] = b.next;
        ech_batch_release(pool, h);
        ech_batches_sums_add(&L->lane[l].batches, i, -(int64_t)b.qty, b.entry, b.expiry);
    }
    qty[k] = b.qty;
    entry[k] = b.entry;
    expiry[k] = b.expiry;
}

/* The after slot out onto the pool's list, and in from it. */
static inline void ech_lanes_after_out(ech_lanes *L, int l, int32_t i)
{
    ech_lanes_slot_out(L, l, i, L->after_qty, L->after_entry, L->after_expiry);
}

static inline void ech_lanes_after_in(ech_lanes *L, int l, int32_t i)
{
    ech_lanes_slot_in(L, l, i, L->after_qty, L->after_entry, L->after_expiry);
}

/* Both slots out onto the pool's list (the whole list there, in order), and in
 * from it. */
static inline void ech_lanes_front_out(ech_lanes *L, int l, int32_t i)
{
    ech_lanes_after_out(L, l, i);
    ech_lanes_slot_out(L, l, i, L->front_qty, L->front_entry, L->front_expiry);
}

static inline void ech_lanes_front_in(ech_lanes *L, int l, int32_t i)
{
    ech_lanes_slot_in(L, l, i, L->front_qty, L->front_entry, L->front_expiry);
    ech_lanes_after_in(L, l, i);
}

/* The instruction sets the day kernel is built for, best last. */
typedef enum { ECH_ISA_BASELINE, ECH_ISA_AVX2, ECH_ISA_AVX512, ECH_ISA_COUNT } ech_isa;

/* The days of one group of lanes (simd/lanes_days.inc), one per instruction set
 * and width. */
typedef void ech_lanes_days_fn(const ech_scenario *sc, struct sku_plan *p, struct ech_lanes *L,
                               const uint16_t *period_of_day, int32_t n_days);
ech_lanes_days_fn ech_lanes32_days_baseline, ech_lanes32_days_avx2, ech_lanes32_days_avx512;
ech_lanes_days_fn ech_lanes16_days_baseline, ech_lanes16_days_avx2, ech_lanes16_days_avx512;
ech_lanes_days_fn ech_lanes8_days_baseline, ech_lanes8_days_avx2, ech_lanes8_days_avx512;
/* The best kernel of `width` lanes this CPU runs, capped by the environment's
 * ECHELON_SIMD (baseline, avx2, avx512; scalar: NULL, the scalar engine alone;
 * engine.h, ech_engine_simd). */
ech_lanes_days_fn *ech_lanes_kernel(int width);

/* The warm-up is over for every lane (engine_lanes.c). */
void ech_lanes_begin_measurement(const sku_plan *p, ech_lanes *L);
/* The 32-bit sums added into the counters and cleared (engine_lanes.c). */
void ech_lanes_flush_sums(const sku_plan *p, ech_lanes *L);

/* 1 when the evaluation just set up (ech_sku_eval_setup) can run in lanes. */
int ech_lanes_eligible(const ech_engine *e);

/* The lanes for that evaluation: e->lanes, allocated in the SKU's arena the first
 * time (its supplier pipes again when a variant needs longer ones), with the
 * evaluation's supply (variant, contract) and cold-room sink. */
void ech_lanes_setup(ech_engine *e);

/* How many of `left` replications the next group runs, in *width lanes; 0: run
 * them one by one.  16 lanes ran 1.2x faster than 8 under every instruction set,
 * and 32 1.08x faster than 16 under AVX-512, 64 no faster (each step's fixed costs
 * spread over more lanes; AVX2 and SSE2 take each step in more registers, and so
 * does AVX-512 in 32 lanes); a group of 16 costs about what 7 replications one by
 * one cost, a group of 8 about what 4 cost, and a group of 32 about what two of 16
 * cost (the 300-SKU demo, AVX-512).  So: groups of 32 while more than 24 are left,
 * then one of 16 for 9 to 24, one of 8 for 5 to 8, fewer one by one. */
int ech_lanes_next_group(int64_t left, int *width);

/* The index of a group width in the kernels (8, 16, 32: 0, 1, 2). */
static inline int ech_lanes_width_index(int width)
{
    return __builtin_ctz((unsigned)width) - 3;
}

/* Replications rep .. rep + active - 1 of the evaluation set up (identities id ..),
 * active <= width lanes: simulated in lanes and recorded as the scalar engine
 * records them. */
ech_status ech_lanes_evaluate(ech_engine *e, int64_t id, int64_t rep, int64_t rep_begin, int width,
                              int active, const ech_eval_out *out, ech_error *err);

#endif
