/* A batched SKU's batches in lanes (engine_lanes.h), private to the engine.
 *
 * A node's batches in lane l are the scalar engine's list (batches.h: sorted by
 * expiry, then entry day; equal batches merged) cut in two:
 *   - its first L->slots batches in the lanes' slot arrays, slot k of node i
 *     at [(i * slots + k) * width + l], the filled ones first (a quantity of 0:
 *     an empty slot, whose days mean nothing);
 *   - the rest, when every slot is filled, in the lane's pool list (bs->head[i]),
 *     all after the last slot; spill[i * width + l] says that list is not empty.
 * Most nodes hold a few batches, so a day's sales, shipments and arrivals are
 * vector steps on the slots for all lanes at once (simd/lanes_days.inc); what goes
 * beyond them, lane by lane, is below.  The sums of quantity x day (batches.h)
 * cover slots and list alike.  Tested against the scalar engine, bit for bit, by
 * determinism.lanes, which also runs with one slot (ECHELON_LANE_SLOTS=1: most
 * lists spill). */
#ifndef ECHELON_ENGINE_LANES_BATCHES_H
#define ECHELON_ENGINE_LANES_BATCHES_H

#include "engine_lanes.h"

/* Where lane l's slot k of node i is in the slot arrays. */
static inline size_t ech_lane_slot(const ech_lanes *L, int k, int32_t i, int l)
{
    return ((size_t)i * (size_t)L->slots + (size_t)k) * (size_t)L->width + (size_t)l;
}

static inline void ech_lane_slot_set(ech_lanes *L, size_t at, int32_t qty, int32_t expiry,
                                     int32_t entry)
{
    L->slot_qty[at] = qty;
    L->slot_expiry[at] = expiry;
    L->slot_entry[at] = entry;
}

/* Slot `at` as a new batch at the head of node i's list (its successors: the
 * slots after it were already moved there, or are later). */
static inline void ech_lane_slot_to_list(ech_lanes *L, int l, int32_t i, size_t at)
{
    ech_batch_stock *bs = &L->lane[l].batches;
    int32_t k = ech_batch_new(bs->pool, L->slot_expiry[at], L->slot_entry[at], L->slot_qty[at]);
    bs->pool->b[k].next = bs->head[i];
    bs->head[i] = k;
    L->slot_qty[at] = 0;
}

/* The empty slots of node i in lane l (the filled ones come first) filled from the
 * head of its list. */
static inline void ech_lane_slots_refill(ech_lanes *L, int l, int32_t i)
{
    ech_batch_stock *bs = &L->lane[l].batches;
    for (int k = 0; k < L->slots && bs->head[i] >= 0; ++k) {
        size_t at = ech_lane_slot(L, k, i, l);
        if (L->slot_qty[at] > 0)
            continue;
        int32_t h = bs->head[i];
        ech_batch b = bs->pool->b[h];
        ech_lane_slot_set(L, at, b.qty, b.expiry, b.entry);
        bs->head[i] = b.next;
        ech_batch_release(bs->pool, h);
    }
    L->spill[(size_t)i * (size_t)L->width + (size_t)l] = bs->head[i] >= 0;
}

/* Node i's slots in lane l put back at the front of its list, which is then the
 * scalar engine's list; the slots are left empty. */
static inline void ech_lane_slots_out(ech_lanes *L, int l, int32_t i)
{
    for (int k = L->slots - 1; k >= 0; --k) {
        size_t at = ech_lane_slot(L, k, i, l);
        if (L->slot_qty[at] > 0)
            ech_lane_slot_to_list(L, l, i, at);
    }
}

/* A batch of q units (q > 0) onto node i's batches in lane l, as ech_batches_put:
 * an equal batch (in expiry and entry) takes them in. */
static inline void ech_lane_put(ech_lanes *L, int l, int32_t i, int32_t q, int32_t expiry,
                                int32_t entry)
{
    ech_batch_stock *bs = &L->lane[l].batches;
    if (expiry < L->next_expiry[l])
        L->next_expiry[l] = expiry;
    int k = 0;
    size_t at = ech_lane_slot(L, 0, i, l);
    for (; k < L->slots; ++k, at += L->slot_plane)
        if (L->slot_qty[at] == 0 || L->slot_expiry[at] > expiry ||
            (L->slot_expiry[at] == expiry && L->slot_entry[at] >= entry))
            break;
    if (k == L->slots) { /* after every slot: the list's (which adds the sums) */
        ech_batches_put(bs, i, ech_batch_new(bs->pool, expiry, entry, q));
        L->spill[(size_t)i * (size_t)L->width + (size_t)l] = 1;
        return;
    }
    ech_batches_sums_add(bs, i, q, entry, expiry);
    if (L->slot_qty[at] > 0 && L->slot_expiry[at] == expiry && L->slot_entry[at] == entry) {
        L->slot_qty[at] += q;
        return;
    }
    size_t last = ech_lane_slot(L, L->slots - 1, i, l);
    if (L->slot_qty[last] > 0) { /* the last slot's batch goes to the list's head */
        ech_lane_slot_to_list(L, l, i, last);
        L->spill[(size_t)i * (size_t)L->width + (size_t)l] = 1;
    }
    for (size_t m = last; m > at; m -= L->slot_plane)
        ech_lane_slot_set(L, m, L->slot_qty[m - L->slot_plane], L->slot_expiry[m - L->slot_plane],
                          L->slot_entry[m - L->slot_plane]);
    ech_lane_slot_set(L, at, q, expiry, entry);
}

/* Every batch of a chain (a shipment's) onto node i's batches in lane l. */
static inline void ech_lane_put_chain(ech_lanes *L, int l, int32_t i, int32_t chain)
{
    ech_batch_pool *bp = L->lane[l].batches.pool;
    while (chain >= 0) {
        ech_batch b = bp->b[chain];
        ech_batch_release(bp, chain);
        ech_lane_put(L, l, i, b.qty, b.expiry, b.entry);
        bp = L->lane[l].batches.pool; /* (a put may have moved the pool) */
        chain = b.next;
    }
}

/* A shipment's units from one batch (qty 0: none). */
typedef struct ech_lane_piece {
    int32_t qty, expiry, entry;
} ech_lane_piece;

/* The n-th batch a shipment takes units from (n from 0), q units: the first two as
 * pieces, which travel in the lane arrays; from a third on, all of them as batches
 * of the chain, the pieces emptied. */
static inline void ech_lane_piece_add(ech_batch_pool *bp, int32_t *chain, ech_lane_piece piece[2],
                                      int n, int32_t q, int32_t expiry, int32_t entry)
{
    if (n < 2) {
        piece[n] = (ech_lane_piece){q, expiry, entry};
        return;
    }
    for (int k = 0; n == 2 && k < 2 && piece[k].qty > 0; ++k) {
        int32_t b = ech_batch_new(bp, piece[k].expiry, piece[k].entry, piece[k].qty);
        bp->b[b].next = *chain;
        *chain = b;
        piece[k].qty = 0;
    }
    if (q > 0) {
        int32_t b = ech_batch_new(bp, expiry, entry, q);
        bp->b[b].next = *chain;
        *chain = b;
    }
}

/* Takes up to q units from node i's batches in lane l, as ech_batches_take: earliest
 * expiry first, from the batches that expire on min_expiry or later (those before
 * them, short-lived, stay); the filled slots then move up over the emptied ones and
 * are refilled from the list.  Returns the units taken: a sale's (chain NULL) are
 * gone, a shipment's are its pieces (ech_lane_piece_add) or the batches of *chain. */
static inline int32_t ech_lane_take(ech_lanes *L, int l, int32_t i, int32_t q, int32_t min_expiry,
                                    int32_t *chain, ech_lane_piece piece[2])
{
    ech_batch_stock *bs = &L->lane[l].batches;
    const size_t plane = L->slot_plane, end = ech_lane_slot(L, L->slots, i, l);
    size_t at = ech_lane_slot(L, 0, i, l);
    while (at < end && L->slot_qty[at] > 0 && L->slot_expiry[at] < min_expiry)
        at += plane;        /* short-lived */
    const size_t from = at; /* the first slot taken from */
    int32_t taken = 0, pieces = 0;
    int64_t entry_sum = 0, expiry_sum = 0;
    if (chain)
        piece[0].qty = piece[1].qty = 0;
    for (; at < end && L->slot_qty[at] > 0 && taken < q; at += plane) {
        int32_t n = q - taken < L->slot_qty[at] ? q - taken : L->slot_qty[at];
        L->slot_qty[at] -= n;
        taken += n;
        entry_sum += (int64_t)n * L->slot_entry[at];
        expiry_sum += (int64_t)n * L->slot_expiry[at];
        if (chain)
            ech_lane_piece_add(bs->pool, chain, piece, pieces++, n, L->slot_expiry[at],
                               L->slot_entry[at]);
        if (L->slot_qty[at] > 0)
            break; /* (at: the slot that kept some) */
    }
    size_t sums = (size_t)i * (size_t)L->width + (size_t)l;
    L->entry_sum[sums] -= entry_sum;
    L->expiry_sum[sums] -= expiry_sum;
    /* Slots from .. at emptied: beyond the last, the list's batches. */
    if (taken < q && at == end && bs->head[i] >= 0) {
        if (chain && pieces <= 2) /* (a shipment's from the list go on the chain) */
            ech_lane_piece_add(bs->pool, chain, piece, pieces < 2 ? 2 : pieces, 0, 0, 0);
        taken += ech_batches_take(bs, i, q - taken, min_expiry, chain);
        L->spill[sums] = bs->head[i] >= 0;
    }
    if (at == from)
        return taken;
    for (size_t to = from, src = at; to < end; to += plane, src += plane) {
        if (src < end)
            ech_lane_slot_set(L, to, L->slot_qty[src], L->slot_expiry[src], L->slot_entry[src]);
        else
            L->slot_qty[to] = 0;
    }
    if (L->spill[sums])
        ech_lane_slots_refill(L, l, i);
    return taken;
}

#endif
