/* Sizing a supply contract: the commitment that minimises a SKU's expected annual
 * cost on the simulated distribution of what the network needs to buy.
 *
 * The network's need V over the contract year (the measured horizon) is what the
 * warehouse buys under the policy with no contract in force, one value per
 * replication.  With a commitment C under the SKU's terms (scenario.h,
 * ech_contract_terms), a year with need V costs, over buying at unit cost c:
 *     under = min(V, K)       K = min(floor(C (1 + flex)), capacity)
 *     beyond = V - under      bought spot, or refused
 *     short = max(m - V, 0)   m = floor(C (1 - flex))
 *     cost = under (p - c) + beyond b + short o
 * with p the unit price of the tier C buys, b the cost of a unit beyond the
 * contract (spot premium x c; refused: the lost margin and lost-sale penalty), and o
 * the cost of a committed unit not needed: the tier price p (take-or-pay, paid and
 * not delivered), the penalty (commitment penalty), or max(p - c, 0) plus what
 * holding the pushed unit costs until it sells or expires (take-or-pay, delivered;
 * learnt by simulating the contract in force, see contract_run.h).  A pushed unit
 * bought below unit cost is next year's stock, and its discount is not counted as a
 * saving of this year: otherwise committing ever more would always pay.
 *
 * Within a tier the cost is convex in C (a newsvendor: the optimum is the critical
 * fractile (b - (p - c)) / (b - (p - c) + o) of V with flex 0); across tiers it
 * jumps at the break points.  The sizing minimises the sample mean over the integers:
 * per tier by bisection on the sign of the cost's differences, then every
 * commitment near the answer (the band's rounding leaves small dents), then the
 * best tier (a break point is chosen when its price pays for the extra units).
 */
#ifndef ECHELON_CONTRACT_H
#define ECHELON_CONTRACT_H

#include "echelon/scenario.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One SKU's terms in the sizing's terms (money resolved). */
typedef struct ech_contract_offer {
    double unit_cost;
    double flex;
    double capacity;    /* units; INFINITY: none beyond the band */
    double beyond_cost; /* per unit beyond the contract, over unit cost */
    int take_or_pay;
    int deliver;        /* take-or-pay: unneeded units are delivered (pushed) */
    double penalty;     /* per unit short (commitment penalty) */
    double pushed_cost; /* per unit pushed, beyond its price over unit cost (deliver) */
    int32_t n_tiers;
    const double *tier_from; /* the terms' (not owned) */
    double *tier_price;      /* resolved unit prices (owned) */
} ech_contract_offer;

/* The offer of SKU `sku` (which must have terms), pushed_cost 0. */
void ech_contract_offer_init(ech_contract_offer *o, const ech_scenario *sc, int32_t sku);
void ech_contract_offer_free(ech_contract_offer *o);

/* The largest commitment the terms allow: the capacity must hold the minimum. */
double ech_contract_max_commitment(const ech_contract_offer *o);

/* The unit price of the tier a commitment of c units buys. */
double ech_contract_price(const ech_contract_offer *o, double c);

/* The cost of one year with need v under commitment c (over buying at unit cost). */
double ech_contract_year_cost(const ech_contract_offer *o, double c, double v);

/* The mean of ech_contract_year_cost over need[0..n). */
double ech_contract_mean_cost(const ech_contract_offer *o, double c, const double *need, int64_t n);

/* The commitment (a whole number of units) with the least mean cost over need[0..n)
 * (n >= 1), the smallest such one on ties; *cost gets its mean cost. */
double ech_contract_best(const ech_contract_offer *o, const double *need, int64_t n, double *cost);

#ifdef __cplusplus
}
#endif

#endif
