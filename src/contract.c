/* Sizing a supply contract on the simulated need; see include/echelon/contract.h. */
#include "echelon/contract.h"
#include "echelon/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ech_contract_offer_init(ech_contract_offer *o, const ech_scenario *sc, int32_t sku)
{
    const ech_contract_terms *t = &sc->contracts.terms[sc->contracts.of_sku[sku]];
    double c = sc->cat.unit_cost[sku];
    double price = sc->cat.unit_price[sku];
    memset(o, 0, sizeof *o);
    o->unit_cost = c;
    o->flex = t->flex;
    o->capacity = t->capacity;
    /* Refused units are lost at the pharmacies in the end: their margin and penalty. */
    o->beyond_cost = t->above == ECH_ABOVE_SPOT
                         ? t->spot_premium * c
                         : (price > c ? price - c : 0.0) + sc->costs.lost_sale_penalty * price;
    o->take_or_pay = t->commitment == ECH_COMMIT_TAKE_OR_PAY;
    o->deliver = o->take_or_pay && t->unneeded == ECH_UNNEEDED_DELIVER;
    o->penalty = t->penalty;
    o->n_tiers = t->n_tiers;
    o->tier_from = t->tier_from;
    o->tier_price = ech_xmalloc((size_t)t->n_tiers * sizeof *o->tier_price, "tier prices");
    for (int32_t k = 0; k < t->n_tiers; ++k)
        o->tier_price[k] = ech_contract_tier_price(t, k, c);
}

void ech_contract_offer_free(ech_contract_offer *o)
{
    free(o->tier_price);
    memset(o, 0, sizeof *o);
}

double ech_contract_max_commitment(const ech_contract_offer *o)
{
    return isinf(o->capacity) ? 1e12 : floor(o->capacity / (1.0 - o->flex));
}

static int32_t tier_of(const ech_contract_offer *o, double c)
{
    int32_t k = 0;
    while (k + 1 < o->n_tiers && o->tier_from[k + 1] <= c)
        ++k;
    return k;
}

/* The year's cost at tier price p (the tier of c). */
static inline double year_cost(const ech_contract_offer *o, double p, double minimum, double limit,
                               double v)
{
    double c = o->unit_cost;
    double under = v < limit ? v : limit;
    double beyond = v - under;
    double shortfall = minimum > v ? minimum - v : 0.0;
    double unneeded = !o->take_or_pay ? o->penalty : o->deliver ? p - c + o->pushed_cost : p;
    return under * (p - c) + beyond * o->beyond_cost + shortfall * unneeded;
}

static void band(const ech_contract_offer *o, double c, double *minimum, double *limit)
{
    *minimum = floor(c * (1.0 - o->flex) + 1e-9);
    double top = floor(c * (1.0 + o->flex) + 1e-9);
    *limit = top < o->capacity ? top : o->capacity;
    if (*limit < *minimum)
        *limit = *minimum;
}

double ech_contract_year_cost(const ech_contract_offer *o, double c, double v)
{
    double minimum, limit;
    band(o, c, &minimum, &limit);
    return year_cost(o, o->tier_price[tier_of(o, c)], minimum, limit, v);
}

double ech_contract_mean_cost(const ech_contract_offer *o, double c, const double *need, int64_t n)
{
    double minimum, limit;
    band(o, c, &minimum, &limit);
    double p = o->tier_price[tier_of(o, c)];
    double sum = 0.0;
    for (int64_t r = 0; r < n; ++r)
        sum += year_cost(o, p, minimum, limit, need[r]);
    return n > 0 ? sum / (double)n : 0.0;
}

/* The least mean cost over whole commitments in [lo, hi] of one tier, where the cost
 * is convex up to the rounding of the band: bisection on the sign of the forward
 * difference, then a look at the neighbours the rounding may favour. */
static double best_in_tier(const ech_contract_offer *o, double lo, double hi, const double *need,
                           int64_t n, double *cost)
{
    double a = lo, b = hi;
    while (a < b) {
        double mid = floor(0.5 * (a + b));
        if (ech_contract_mean_cost(o, mid + 1.0, need, n) >=
            ech_contract_mean_cost(o, mid, need, n))
            b = mid;
        else
            a = mid + 1.0;
    }
    double best = a, best_cost = ech_contract_mean_cost(o, a, need, n);
    /* The ends too: where the contract costs more than spot the cost is not convex. */
    double look[9] = {lo, hi, a - 3.0, a - 2.0, a - 1.0, a + 1.0, a + 2.0, a + 3.0};
    for (int j = 0; j < 8; ++j) {
        double c = look[j];
        if (c < lo || c > hi || c == a)
            continue;
        double x = ech_contract_mean_cost(o, c, need, n);
        if (x < best_cost || (x == best_cost && c < best)) {
            best = c;
            best_cost = x;
        }
    }
    *cost = best_cost;
    return best;
}

double ech_contract_best(const ech_contract_offer *o, const double *need, int64_t n, double *cost)
{
    /* Beyond the largest need (with the band's room) more commitment only costs,
     * unless a tier further up pays: its break point is a candidate too. */
    double most = 0.0;
    for (int64_t r = 0; r < n; ++r)
        most = need[r] > most ? need[r] : most;
    double top = ceil(most / (1.0 - o->flex)) + 1.0;
    double cap = ech_contract_max_commitment(o);
    double best = 0.0, best_cost = INFINITY;
    for (int32_t k = 0; k < o->n_tiers; ++k) {
        double lo = ceil(o->tier_from[k]);
        double hi = k + 1 < o->n_tiers ? ceil(o->tier_from[k + 1]) - 1.0 : top;
        if (lo > top)
            hi = lo; /* the break point alone: more is never cheaper */
        else if (hi > top)
            hi = top;
        if (hi > cap)
            hi = cap;
        if (lo > hi)
            continue;
        double x;
        double c = best_in_tier(o, lo, hi, need, n, &x);
        if (x < best_cost) {
            best = c;
            best_cost = x;
        }
    }
    *cost = best_cost;
    return best;
}
