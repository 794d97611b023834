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

double ech_contract_price(const ech_contract_offer *o, double c)
{
    int32_t k = 0;
    while (k + 1 < o->n_tiers && o->tier_from[k + 1] <= c)
        ++k;
    return o->tier_price[k];
}

/* What a committed unit the year does not need costs at tier price p. */
static inline double unneeded_cost(const ech_contract_offer *o, double p)
{
    /* A pushed unit the year does not need is next year's stock: its discount is
     * not counted as this year's saving (else committing ever more would pay). */
    double c = o->unit_cost;
    return !o->take_or_pay ? o->penalty : o->deliver ? (p > c ? p - c : 0.0) + o->pushed_cost : p;
}

/* The year's cost at tier price p (the tier of c). */
static inline double year_cost(const ech_contract_offer *o, double p, double minimum, double limit,
                               double v)
{
    double c = o->unit_cost;
    double under = v < limit ? v : limit;
    double beyond = v - under;
    double shortfall = minimum > v ? minimum - v : 0.0;
    return under * (p - c) + beyond * o->beyond_cost + shortfall * unneeded_cost(o, p);
}

static void band(const ech_contract_offer *o, double c, double *minimum, double *limit)
{
    ech_contract_band(c, o->flex, o->capacity, minimum, limit);
}

double ech_contract_year_cost(const ech_contract_offer *o, double c, double v)
{
    double minimum, limit;
    band(o, c, &minimum, &limit);
    return year_cost(o, ech_contract_price(o, c), minimum, limit, v);
}

double ech_contract_mean_cost(const ech_contract_offer *o, double c, const double *need, int64_t n)
{
    double minimum, limit;
    band(o, c, &minimum, &limit);
    double p = ech_contract_price(o, c);
    double sum = 0.0;
    for (int64_t r = 0; r < n; ++r)
        sum += year_cost(o, p, minimum, limit, need[r]);
    return n > 0 ? sum / (double)n : 0.0;
}

/* The need sorted, with prefix sums: the mean cost of any commitment in O(log n). */
typedef struct sorted_need {
    int64_t n;
    double *v;   /* ascending */
    double *sum; /* sum[i] = v[0] + ... + v[i - 1] */
} sorted_need;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* How many values are below x (or at most x when `inclusive`). */
static int64_t count_below(const sorted_need *s, double x, int inclusive)
{
    int64_t lo = 0, hi = s->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s->v[mid] < x || (inclusive && s->v[mid] == x))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ech_contract_mean_cost on the sorted need: the same sums in another order. */
static double sorted_cost(const ech_contract_offer *o, double c, const sorted_need *s)
{
    double minimum, limit;
    band(o, c, &minimum, &limit);
    double p = ech_contract_price(o, c), uc = o->unit_cost;
    double unneeded = unneeded_cost(o, p);
    int64_t k = count_below(s, limit, 1); /* needs within the limit */
    double total = s->sum[s->n];
    double under = s->sum[k] + limit * (double)(s->n - k);
    double beyond = total - under;
    int64_t j = count_below(s, minimum, 0); /* needs short of the minimum */
    double shortfall = minimum * (double)j - s->sum[j];
    return (under * (p - uc) + beyond * o->beyond_cost + shortfall * unneeded) / (double)s->n;
}

/* Candidates beyond this many in one tier are scanned with a stride, then around the
 * best (an absurd need; a real year of one SKU stays far below). */
#define MAX_SCAN 2000000.0

/* The least mean cost over whole commitments in [lo, hi] of one tier.  Where the
 * limit is below every need the cost is linear in it, and where the minimum is above
 * every need it only grows: the answer is an end of the range or a commitment
 * between, and every one between is tried (the band's rounding leaves dents that
 * defeat a bisection). */
static double best_in_tier(const ech_contract_offer *o, double lo, double hi, const sorted_need *s,
                           double *cost)
{
    double from = floor(s->v[0] / (1.0 + o->flex)) - 1.0;
    double to = ceil(s->v[s->n - 1] / (1.0 - o->flex)) + 1.0;
    from = from < lo ? lo : from;
    to = to > hi ? hi : to;
    double best = lo, best_cost = sorted_cost(o, lo, s);
    double x = sorted_cost(o, hi, s);
    if (x < best_cost) {
        best = hi;
        best_cost = x;
    }
    double stride = to - from > MAX_SCAN ? ceil((to - from) / MAX_SCAN) : 1.0;
    for (int pass = 0; pass < (stride > 1.0 ? 2 : 1); ++pass) {
        if (pass == 1) { /* around the best of the coarse scan, unit by unit */
            double centre = best;
            from = centre - stride > lo ? centre - stride : lo;
            to = centre + stride < hi ? centre + stride : hi;
            stride = 1.0;
        }
        for (double c = from; c <= to; c += stride) {
            x = sorted_cost(o, c, s);
            if (x < best_cost || (x == best_cost && c < best)) {
                best = c;
                best_cost = x;
            }
        }
    }
    *cost = best_cost;
    return best;
}

double ech_contract_best(const ech_contract_offer *o, const double *need, int64_t n, double *cost)
{
    sorted_need s = {n, ech_xmalloc((size_t)n * sizeof(double), "sorted need"),
                     ech_xmalloc((size_t)(n + 1) * sizeof(double), "need sums")};
    memcpy(s.v, need, (size_t)n * sizeof(double));
    qsort(s.v, (size_t)n, sizeof(double), cmp_double);
    s.sum[0] = 0.0;
    for (int64_t r = 0; r < n; ++r)
        s.sum[r + 1] = s.sum[r] + s.v[r];
    double most = s.v[n - 1];
    /* Beyond the largest need (with the band's room) more commitment only costs,
     * unless a tier further up pays: its break point is a candidate too. */
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
        double c = best_in_tier(o, lo, hi, &s, &x);
        if (x < best_cost) {
            best = c;
            best_cost = x;
        }
    }
    free(s.v);
    free(s.sum);
    /* The mean as ech_contract_mean_cost sums it, for callers that compare. */
    *cost = ech_contract_mean_cost(o, best, need, n);
    return best;
}
