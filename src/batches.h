/* Batches and expiry: a SKU's stock at each of its nodes as a list of batches sorted
 * by expiry (first expiry, first out), for the engine (private to the library).
 *
 * A batch is units of one SKU with one expiry day that entered the network on one
 * day.  Batches live in a pool and link into lists by index, so the pool can grow
 * while lists stay valid.  Each node's list is kept sorted by (expiry, entry); a
 * batch equal to one on the list in both merges into it.  Alongside, each node keeps
 * the sums of quantity x entry day and quantity x expiry day of its batches, from
 * which the engine reads the mean age and remaining life of its stock.
 *
 * The functions are static inline: they run inside the day loop (selling from the
 * front batch is the common case and a few instructions).  They keep the batches
 * only; the engine keeps the scalar quantities (on hand, in transit) in step.
 * Tested on their own in tests/unit/test_batches.c and through the engine in
 * test_expiry.c and test_perishable.c.
 */
#ifndef ECHELON_BATCHES_H
#define ECHELON_BATCHES_H

#include "echelon/error.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct ech_batch {
    int32_t expiry; /* written off at step 1 of this simulated day */
    int32_t entry;  /* simulated day the units were received from the supplier */
    int32_t qty;
    int32_t next; /* next batch of the list, -1 at the end */
} ech_batch;

typedef struct ech_batch_pool {
    ech_batch *b;
    int32_t cap;
    int32_t free; /* head of the free list of released batches, -1 when empty */
    int32_t used; /* batches from 0 to used - 1 have been taken since the reset */
} ech_batch_pool;

/* The batches of one SKU at its nodes. */
typedef struct ech_batch_stock {
    ech_batch_pool *pool;
    /* Node i's at [i * stride] (a stride above 1: replications side by side, their
     * lists' heads and sums interleaved): the head of its list (-1 when empty), and
     * the sums of quantity x entry day and of quantity x expiry day. */
    int32_t *head;
    int64_t *entry_sum, *expiry_sum;
    int32_t stride;
    int32_t next_expiry; /* no batch on hand expires before this day */
} ech_batch_stock;

/* Whether a batch of (expiry, entry) comes before one of (other_expiry,
 * other_entry) in a list (earlier expiry, then earlier entry). */
static inline int ech_batch_before(int32_t expiry, int32_t entry, int32_t other_expiry,
                                   int32_t other_entry)
{
    return expiry < other_expiry || (expiry == other_expiry && entry < other_entry);
}

/* Node i's list head. */
static inline int32_t *ech_batches_head(const ech_batch_stock *bs, int32_t i)
{
    return &bs->head[(size_t)i * (size_t)bs->stride];
}

/* A batch: a released one, else the next never taken since the reset (the pool
 * grows when there is none). */
static inline int32_t ech_batch_new(ech_batch_pool *bp, int32_t expiry, int32_t entry, int32_t qty)
{
    int32_t k = bp->free;
    if (k >= 0) {
        bp->free = bp->b[k].next;
    } else {
        if (bp->used == bp->cap) {
            bp->cap = bp->cap ? 2 * bp->cap : 256;
            bp->b = ech_xrealloc(bp->b, (size_t)bp->cap * sizeof *bp->b, "batches");
        }
        k = bp->used++;
    }
    bp->b[k] = (ech_batch){expiry, entry, qty, -1};
    return k;
}

static inline void ech_batch_release(ech_batch_pool *bp, int32_t k)
{
    bp->b[k].next = bp->free;
    bp->free = k;
}

/* Every batch back to the pool, every list of n nodes empty (a new replication). */
static inline void ech_batches_reset(ech_batch_stock *bs, int32_t n)
{
    ech_batch_pool *bp = bs->pool;
    bp->free = -1;
    bp->used = 0;
    for (int32_t i = 0; i < n; ++i) {
        *ech_batches_head(bs, i) = -1;
        bs->entry_sum[(size_t)i * (size_t)bs->stride] = 0;
        bs->expiry_sum[(size_t)i * (size_t)bs->stride] = 0;
    }
    bs->next_expiry = INT32_MAX;
}

/* Keeps node i's sums in step with q units (negative: removed) of a batch. */
static inline void ech_batches_sums_add(ech_batch_stock *bs, int32_t i, int64_t q, int32_t entry,
                                        int32_t expiry)
{
    bs->entry_sum[(size_t)i * (size_t)bs->stride] += q * entry;
    bs->expiry_sum[(size_t)i * (size_t)bs->stride] += q * expiry;
}

/* Files batch k into node i's list; a batch equal in expiry and entry merges. */
static inline void ech_batches_put(ech_batch_stock *bs, int32_t i, int32_t k)
{
    ech_batch *b = bs->pool->b;
    if (b[k].expiry < bs->next_expiry)
        bs->next_expiry = b[k].expiry;
    ech_batches_sums_add(bs, i, b[k].qty, b[k].entry, b[k].expiry);
    int32_t *head = ech_batches_head(bs, i);
    int32_t prev = -1, at = *head;
    while (at >= 0 && ech_batch_before(b[at].expiry, b[at].entry, b[k].expiry, b[k].entry)) {
        prev = at;
        at = b[at].next;
    }
    if (at >= 0 && b[at].expiry == b[k].expiry && b[at].entry == b[k].entry) {
        b[at].qty += b[k].qty;
        ech_batch_release(bs->pool, k);
        return;
    }
    b[k].next = at;
    if (prev < 0)
        *head = k;
    else
        b[prev].next = k;
}

/* Files every batch of a chain into node i's list. */
static inline void ech_batches_put_chain(ech_batch_stock *bs, int32_t i, int32_t chain)
{
    while (chain >= 0) {
        int32_t next = bs->pool->b[chain].next;
        ech_batches_put(bs, i, chain);
        chain = next;
    }
}

/* A new batch of q units (q > 0) at node i. */
static inline void ech_batches_add(ech_batch_stock *bs, int32_t i, int32_t q, int32_t expiry,
                                   int32_t entry)
{
    ech_batches_put(bs, i, ech_batch_new(bs->pool, expiry, entry, q));
}

/* Prepends a chain to the chain at *head. */
static inline void ech_batch_chain_join(ech_batch_pool *bp, int32_t *head, int32_t chain)
{
    if (chain < 0)
        return;
    int32_t tail = chain;
    while (bp->b[tail].next >= 0)
        tail = bp->b[tail].next;
    bp->b[tail].next = *head;
    *head = chain;
}

/* Takes up to q units from node i, earliest expiry first, from batches that expire
 * on min_expiry or later; the batches taken go onto *chain (or back to the pool when
 * chain is NULL).  Returns the units taken. */
static inline int32_t ech_batches_take(ech_batch_stock *bs, int32_t i, int32_t q,
                                       int32_t min_expiry, int32_t *chain)
{
    ech_batch_pool *bp = bs->pool;
    int32_t *head = ech_batches_head(bs, i);
    int32_t taken = 0, prev = -1, k = *head;
    while (k >= 0 && taken < q) {
        ech_batch *b = &bp->b[k];
        int32_t next = b->next, expiry = b->expiry, entry = b->entry, moved;
        if (expiry < min_expiry) {
            prev = k;
            k = next;
            continue;
        }
        if (b->qty <= q - taken) {
            moved = b->qty;
            if (prev < 0)
                *head = next;
            else
                bp->b[prev].next = next;
            if (chain) {
                bp->b[k].next = *chain;
                *chain = k;
            } else {
                ech_batch_release(bp, k);
            }
            k = next;
        } else {
            moved = q - taken;
            b->qty -= moved;
            if (chain) {
                int32_t piece = ech_batch_new(bp, expiry, entry, moved); /* may move the pool */
                bp->b[piece].next = *chain;
                *chain = piece;
            }
        }
        taken += moved;
        ech_batches_sums_add(bs, i, -(int64_t)moved, entry, expiry);
    }
    return taken;
}

/* Sells q units (0 < q <= the node's units) from node i, earliest expiry first.
 * Usually the front batch holds them: that case is a few instructions. */
static inline void ech_batches_sell(ech_batch_stock *bs, int32_t i, int32_t q)
{
    ech_batch *b = &bs->pool->b[*ech_batches_head(bs, i)];
    if (b->qty > q) {
        b->qty -= q;
        ech_batches_sums_add(bs, i, -(int64_t)q, b->entry, b->expiry);
        return;
    }
    ech_batches_take(bs, i, q, INT32_MIN, NULL);
}

/* Of node i's `units` on hand, those that expire on min_expiry or later. */
static inline int32_t ech_batches_usable(const ech_batch_stock *bs, int32_t i, int32_t units,
                                         int32_t min_expiry)
{
    const ech_batch *b = bs->pool->b;
    int32_t short_lived = 0;
    for (int32_t k = *ech_batches_head(bs, i); k >= 0 && b[k].expiry < min_expiry; k = b[k].next)
        short_lived += b[k].qty;
    return units - short_lived;
}

/* Removes node i's batches whose expiry day d has come (the front of its list);
 * returns the units written off. */
static inline int32_t ech_batches_expire(ech_batch_stock *bs, int32_t i, int32_t d)
{
    ech_batch_pool *bp = bs->pool;
    int32_t *head = ech_batches_head(bs, i), k, expired = 0;
    while ((k = *head) >= 0 && bp->b[k].expiry <= d) {
        int32_t q = bp->b[k].qty;
        expired += q;
        ech_batches_sums_add(bs, i, -(int64_t)q, bp->b[k].entry, bp->b[k].expiry);
        *head = bp->b[k].next;
        ech_batch_release(bp, k);
    }
    return expired;
}

/* The units of node i's batches, and of a chain. */
static inline int64_t ech_batches_units(const ech_batch_stock *bs, int32_t i)
{
    int64_t units = 0;
    for (int32_t k = *ech_batches_head(bs, i); k >= 0; k = bs->pool->b[k].next)
        units += bs->pool->b[k].qty;
    return units;
}

static inline int64_t ech_batch_chain_units(const ech_batch_pool *bp, int32_t chain)
{
    int64_t units = 0;
    for (int32_t k = chain; k >= 0; k = bp->b[k].next)
        units += bp->b[k].qty;
    return units;
}

#endif
