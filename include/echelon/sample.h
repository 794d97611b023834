/* Random variate samplers.
 *
 * Two kinds live here:
 *  - ech_dtable: a discrete distribution as a table of 32-bit cumulative thresholds
 *    with a guide table (Chen and Asau's indexed search).  One draw costs one PCG32
 *    output, one guide lookup and on average under two comparisons, whatever the
 *    distribution, which is what the day loop needs: daily demand with seasonal
 *    means and discretised supplier lead times are all built as tables once per SKU
 *    and then sampled millions of times.
 *  - direct samplers (Poisson, negative binomial, normal, gamma, lognormal,
 *    Bernoulli) for set-up code, generators and cases where the parameters change on
 *    every draw.
 * Every sampler is checked against GSL's distribution functions by goodness-of-fit
 * tests at fixed seeds (tests/unit/test_sample.c).
 */
#ifndef ECHELON_SAMPLE_H
#define ECHELON_SAMPLE_H

#include "echelon/arena.h"
#include "echelon/enums.h"
#include "echelon/rng.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A discrete distribution on the integers base .. base+n-1.
 *
 * threshold[i] = ceil(2^32 F(base+i)) - 1, clamped to [0, 2^32-1], and the last
 * entry is always 2^32-1, so a 32-bit uniform u gives the value base + the first i
 * with u <= threshold[i].  Probabilities thus have 32-bit resolution.  Mass in the
 * tails beyond ECH_DTABLE_TAIL (in each tail) is folded into the end entries.
 * guide[g] is the first i whose threshold is >= g << guide_shift. */
typedef struct ech_dtable {
    int32_t base;
    int32_t n;
    uint32_t guide_shift; /* 32 - log2(number of guide entries), at least 2 entries */
    uint32_t threshold0;  /* threshold[0], kept here for the first-value fast path */
    const uint32_t *threshold;
    const int32_t *guide;
    double mean; /* the mean of the tabulated distribution (after folding) */
} ech_dtable;

#define ECH_DTABLE_TAIL 1e-12
/* Thresholds of 2^32-1 after a table's last (itself 2^32-1): a search that compares
 * draws with four thresholds at a time (the lanes') reads up to three past it. */
#define ECH_DTABLE_PAD 3

/* The index search of a draw: the first i with u <= threshold[i], from the guide.
 * Four thresholds at a time (the table's padding, ECH_DTABLE_PAD, is read past its
 * end): the guide leaves the answer within a few entries, so the loop seldom runs
 * and the last steps are counts, not branches the CPU would mispredict. */
static inline int32_t ech_dtable_search(const uint32_t *threshold, const int32_t *guide,
                                        uint32_t guide_shift, uint32_t u)
{
    int32_t i = guide[u >> guide_shift];
    while (u > threshold[i + 3])
        i += 4;
    return i + (u > threshold[i]) + (u > threshold[i + 1]) + (u > threshold[i + 2]);
}

/* Draws from a table. */
static inline int32_t ech_dtable_sample_u32(const ech_dtable *t, uint32_t u)
{
    /* Most demand tables are slow movers whose first value (0) takes most draws:
     * answer those without touching the table's arrays. */
    if (u <= t->threshold0)
        return t->base;
    return t->base + ech_dtable_search(t->threshold, t->guide, t->guide_shift, u);
}

static inline int32_t ech_dtable_sample(const ech_dtable *t, ech_pcg32 *rng)
{
    return ech_dtable_sample_u32(t, ech_pcg32_next(rng));
}

/* Builds a table from probabilities pmf[0..n-1] of the values base..base+n-1.  The
 * pmf need not sum exactly to one (it is normalised); entries must be >= 0 and
 * finite with a positive sum.  Returns 0, or -1 if the pmf is unusable.  The table's
 * arrays live in the arena. */
int ech_dtable_from_pmf(ech_dtable *t, ech_arena *arena, int32_t base, const double *pmf,
                        int32_t n);

/* Demand tables.  zero_prob in [0, 1) mixes in extra zeros (zero-inflation for
 * intermittent items): P(0) = zero_prob + (1 - zero_prob) P_base(0).  A mean of 0
 * gives the table that is always 0.  negbin: variance = var_ratio * mean, var_ratio
 * > 1 (var_ratio == 1 is Poisson).  Returns 0, or -1 for invalid parameters. */
int ech_dtable_poisson(ech_dtable *t, ech_arena *arena, double mean, double zero_prob);
int ech_dtable_negbin(ech_dtable *t, ech_arena *arena, double mean, double var_ratio,
                      double zero_prob);

/* A Poisson or negative binomial family (its variance ratio and extra zeros) whose
 * tables are built for many means, as a demand point's seasonal tables are: what
 * depends on the family alone (a logarithm) is worked out once.  The tables are
 * those of ech_dtable_poisson and ech_dtable_negbin, bit for bit. */
typedef struct ech_count_family {
    int negbin; /* 0: Poisson (also a negative binomial of variance ratio 1) */
    double var_ratio, zero_prob;
    double q, log_var_ratio; /* negative binomial: 1 - 1/var_ratio, log var_ratio */
} ech_count_family;

/* Returns 0, or -1 for invalid parameters (as ech_dtable_negbin and _poisson). */
int ech_count_family_init(ech_count_family *f, int negbin, double var_ratio, double zero_prob);

/* The family's table of the given mean (the distribution's own, before extra
 * zeros).  Returns 0, or -1 for an invalid mean. */
int ech_dtable_count(ech_dtable *t, ech_arena *arena, const ech_count_family *f, double mean);

/* The family's tables of mean[0..n-1] into t[0..n-1], built two at a time where the
 * CPU allows (the same tables as ech_dtable_count's).  Returns n, or the index of
 * the first mean whose table cannot be built. */
int32_t ech_dtable_count_many(ech_dtable *t, ech_arena *arena, const ech_count_family *f,
                              const double *mean, int32_t n);

/* Continuous lead-time distributions, discretised to whole days by rounding to the
 * nearest day and truncated to [min_days, max_days] (the mass outside is moved to
 * the bounds).  P(L = k) = F(k + 0.5) - F(k - 0.5), with ech_lead_time_P and _Q. */
/* ech_lead_time_dist is declared in enums.h. */

int ech_dtable_lead_time(ech_dtable *t, ech_arena *arena, ech_lead_time_dist dist, double mean,
                         double sd, int32_t min_days, int32_t max_days);

/* The CDF P(X <= x) and survival function P(X > x) of a continuous lead time:
 * gamma (a = shape, b = scale) or lognormal (a = mu, b = sigma), with echelon's own
 * incomplete gamma function and normal CDF (repro_math.h), so the same bits on any
 * CPU. */
double ech_lead_time_P(ech_lead_time_dist dist, double a, double b, double x);
double ech_lead_time_Q(ech_lead_time_dist dist, double a, double b, double x);

/* The quantile of a table: the smallest value v with P(X <= v) >= p (p in (0,1]),
 * using the table's 32-bit thresholds. */
int32_t ech_dtable_quantile(const ech_dtable *t, double p);

/* Direct samplers. */

/* Poisson(mean), mean >= 0: inversion by sequential search for mean < 10, the PTRS
 * transformed-rejection method (Hormann 1993) above. Exact in double precision. */
int64_t ech_sample_poisson(ech_pcg32 *rng, double mean);

/* Negative binomial with the given mean and variance = var_ratio * mean (var_ratio >
 * 1), as a gamma-Poisson mixture. */
int64_t ech_sample_negbin(ech_pcg32 *rng, double mean, double var_ratio);

/* Standard normal (Marsaglia's polar method; the spare value is not kept, so the
 * stream position depends only on how many variates were drawn). */
double ech_sample_normal(ech_pcg32 *rng);

/* Gamma(shape, scale), shape > 0 (Marsaglia and Tsang 2000; shape < 1 by the
 * U^(1/shape) boost). */
double ech_sample_gamma(ech_pcg32 *rng, double shape, double scale);

/* Lognormal: exp(mu + sigma Z). */
double ech_sample_lognormal(ech_pcg32 *rng, double mu, double sigma);

/* Bernoulli(p): 1 with probability p, using one 32-bit draw. */
int ech_sample_bernoulli(ech_pcg32 *rng, double p);

/* Parameter conversions used by the lead-time and generator code. */
void ech_gamma_from_mean_sd(double mean, double sd, double *shape, double *scale);
void ech_lognormal_from_mean_sd(double mean, double sd, double *mu, double *sigma);

#ifdef __cplusplus
}
#endif

#endif
