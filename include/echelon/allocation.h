/* Allocation rules: how a location that cannot fill all of its children's open
 * orders splits the units it has.
 *
 *   fair share    in proportion to what each child is owed (largest remainders get
 *                 the units left over, ties rotating with the day)
 *   priority /    children in a fixed order, each filled completely before the next
 *   alphabetical  (the engine stores children in that order)
 *   lost margin   unit by unit to the child whose expected lost sales over its
 *                 coverage horizon (its review period + lead time) drop most
 *
 * The lost-margin rule is the greedy solution of
 *     minimise  sum_c margin x E[(D_c - y_c - x_c)+]   s.t.  sum x_c = avail,
 *                                                           0 <= x_c <= want_c
 * where D_c is the child's demand over its horizon and y_c its stock position
 * without the allocation.  The marginal value of a unit, margin x P(D_c > y_c + x_c),
 * falls as x_c grows, so giving each unit to the largest marginal value is optimal
 * for this objective.  All children of a location sell the same SKU at the same
 * margin, so the rule minimises expected lost units as well.
 */
#ifndef ECHELON_ALLOCATION_H
#define ECHELON_ALLOCATION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One child's claim on the units being allocated. */
typedef struct ech_claim {
    int32_t want;     /* units owed to the child (the most it can get) */
    int32_t stock;    /* its stock position without them (on hand + in transit
                        * - what it owes) */
    double mean;      /* expected demand over its coverage horizon (units) */
    double var_ratio; /* variance / mean of that demand: 1 Poisson, > 1 negative binomial */
} ech_claim;

/* Scratch space for k children; the caller owns it (allocation happens in the hot
 * loop, which must not call malloc). */
typedef struct ech_alloc_scratch {
    int64_t *remainder;
    int32_t *order;
    double *gain, *pmf;
    int32_t *level;
} ech_alloc_scratch;

/* Bytes of scratch for k children, and carving it out of a buffer of that size
 * (8-byte aligned). */
size_t ech_alloc_scratch_bytes(int32_t k);
void ech_alloc_scratch_init(ech_alloc_scratch *s, void *buffer, int32_t k);

/* Fair share: x_c = floor(avail x want_c / total), then one unit each to the
 * children with the largest remainders; among equal remainders the child at
 * position (c - rotation) mod k smallest first.  avail < sum of want. */
void ech_allocate_fair_share(int32_t k, const int32_t *want, int32_t avail, int32_t rotation,
                             int32_t *x, ech_alloc_scratch *s);

/* Lost margin (greedy, see above); ties go to the earlier child.  avail < sum of
 * want. */
void ech_allocate_lost_margin(int32_t k, const ech_claim *claims, int32_t avail, int32_t *x,
                              ech_alloc_scratch *s);

/* E[(D - stock - q)+] for the claim's demand: the expected units it will be short
 * over its horizon when it gets q units. */
double ech_claim_expected_shortfall(const ech_claim *c, int32_t q);

#ifdef __cplusplus
}
#endif

#endif
