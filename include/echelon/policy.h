/* Replenishment policies: resolving targets and the order decision.
 *
 * ech_policy_resolve turns the rules of a scenario (per location kind: policy,
 * review period, target by service level or days of cover) into numbers for every
 * skuloc that does not give its own, and computes each skuloc's expected daily
 * outflow.  It runs once, after loading; the engine only reads the results.
 *
 * Targets by service level use the demand over the protection interval (the lane's
 * lead time plus the review period; for the root, the supplier's mean lead time),
 * modelled as a negative binomial (or Poisson when not over-dispersed) with the mean
 * and variance of the demand below the skuloc, including lead-time variance for
 * the root: S is its quantile at the service level, and at least 1 where there is
 * demand (a listed item keeps one unit).  For (s,S) the quantile sets the trigger
 * s + 1 and S - s is `order_days` of mean demand.  This is a single-echelon
 * heuristic per location (multi-echelon tuning builds on the evaluation API of
 * engine.h).
 */
#ifndef ECHELON_POLICY_H
#define ECHELON_POLICY_H

#include "echelon/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

ech_status ech_policy_resolve(ech_scenario *sc, ech_error *err);

/* Resolves one variant's targets (as ech_policy_resolve does for every variant) in
 * a scenario already resolved: for a variant built after loading. */
ech_status ech_policy_resolve_variant(const ech_scenario *sc, ech_variant *vt, ech_error *err);

/* The rule of variant vt that skuloc x follows when its row gives no numbers: its
 * segment's rule for the location's kind, else the kind's. */
const ech_policy_rule *ech_policy_rule_of(const ech_scenario *sc, const ech_variant *vt, int64_t x);

/* Variance of one day's demand at demand point x whose mean daily demand is `mean`
 * (its model's dispersion and extra zeros; a replayed history counts as Poisson). */
double ech_policy_daily_variance(const ech_skulocs *sl, int64_t x, double mean);

/* The order a skuloc places at review given its inventory position: 0, or the
 * quantity that brings the position up to S, rounded up to whole packs and to at
 * least the minimum order quantity.  Base stock orders when position < S; (s,S)
 * when position <= s. */
static inline int32_t ech_policy_order_qty(int32_t position, int32_t reorder_point,
                                           int32_t order_up_to, int32_t pack, int32_t moq)
{
    if (position > reorder_point)
        return 0;
    int64_t q = (int64_t)order_up_to - position;
    if (q < moq)
        q = moq;
    if (pack > 1)
        q = (q + pack - 1) / pack * pack;
    return q > 0 ? (int32_t)q : 0;
}

#ifdef __cplusplus
}
#endif

#endif
