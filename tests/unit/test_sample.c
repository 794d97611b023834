/* Samplers against GSL's distribution functions (include/echelon/sample.h).
 *
 * Every sampler is checked by a chi-square goodness-of-fit test at a fixed seed, so
 * the outcome is deterministic: bins are merged until each expects at least 5
 * draws, and the test requires p > 1e-3.  Tables are also checked exactly: their
 * cumulative probabilities must equal GSL's CDF to within the 2^-32 rounding the
 * format documents plus the folded tails, their means must equal the
 * distribution's, and quantiles must agree with the CDF.
 *
 * Setting ECHELON_TEST_SEEDS=N runs every goodness-of-fit case at N seeds and
 * prints how often p fell below 0.01 and 0.001 (about 1% and 0.1% of runs for a
 * correct sampler): a check by hand that the fixed-seed pass is not luck. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "echelon/arena.h"
#include "echelon/repro_math.h"
#include "echelon/rng.h"
#include "echelon/sample.h"

#include "support_check.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P_MIN 1e-3
#define DRAWS 1000000L
#define TWO32 4294967296.0
/* A table's CDF is the exact one rounded up to a multiple of 2^-32, so table minus
 * exact lies in [0, 2^-32), give or take the folded tails (ECH_DTABLE_TAIL each).
 * The reference (see ref_cdf) is itself off by up to ~5e-11 for the largest means
 * tested (measured against mpmath), hence the slack on each side. */
#define CDF_SLACK 6e-11
#define CDF_TOL (1.0 / TWO32 + CDF_SLACK)

static int n_seeds = 1;
static long runs, below_1pct, below_01pct;

/* ------------------------------------------------------------------------------
 * Distributions as GSL sees them
 * ------------------------------------------------------------------------------ */

typedef enum { D_POISSON, D_NEGBIN, D_PMF } dkind;

/* A count distribution: Poisson or negative binomial (mean, variance = ratio *
 * mean) with extra zeros, or an explicit pmf on lo..lo+n-1. */
typedef struct count_dist {
    dkind kind;
    double mean, ratio, zero;
    const double *pmf;
    int64_t lo, n;
} count_dist;

static double nb_p(const count_dist *d)
{
    return 1.0 / d->ratio;
}
static double nb_r(const count_dist *d)
{
    return d->mean / (d->ratio - 1.0);
}

static double base_pmf(const count_dist *d, int64_t k)
{
    if (k < 0)
        return 0.0;
    if (d->mean == 0.0)
        return k == 0 ? 1.0 : 0.0;
    if (d->kind == D_POISSON)
        return gsl_ran_poisson_pdf((unsigned)k, d->mean);
    return gsl_ran_negative_binomial_pdf((unsigned)k, nb_p(d), nb_r(d));
}

static double dist_pmf(const count_dist *d, int64_t k)
{
    if (d->kind == D_PMF)
        return k >= d->lo && k < d->lo + d->n ? d->pmf[k - d->lo] : 0.0;
    return (1.0 - d->zero) * base_pmf(d, k) + (k == 0 ? d->zero : 0.0);
}

/* P(X <= k). */
static double dist_cdf(const count_dist *d, int64_t k)
{
    double F = 0.0;
    if (d->kind == D_PMF) {
        for (int64_t j = d->lo; j <= k && j < d->lo + d->n; ++j)
            F += d->pmf[j - d->lo];
        return F;
    }
    if (k < 0)
        return 0.0;
    if (d->mean == 0.0)
        F = 1.0;
    else if (d->kind == D_POISSON)
        F = gsl_cdf_poisson_P((unsigned)k, d->mean);
    else
        F = gsl_cdf_negative_binomial_P((unsigned)k, nb_p(d), nb_r(d));
    return d->zero + (1.0 - d->zero) * F;
}

/* A range holding all but ~1e-13 of the mass on each side (plus 0 when zeros are
 * mixed in), found by stepping a fraction of a standard deviation at a time. */
static void dist_range(const count_dist *d, int64_t *kmin, int64_t *kmax)
{
    if (d->kind == D_PMF) {
        *kmin = d->lo;
        *kmax = d->lo + d->n - 1;
        return;
    }
    double var = d->kind == D_POISSON ? d->mean : d->mean * d->ratio;
    int64_t step = (int64_t)ceil(sqrt(var) / 8.0);
    int64_t k = (int64_t)floor(d->mean);
    while (k > 0 && dist_cdf(d, k - 1) > 1e-13)
        k -= step;
    *kmin = k < 0 || d->zero > 0.0 ? 0 : k;
    k = (int64_t)ceil(d->mean);
    while (1.0 - dist_cdf(d, k) > 1e-13)
        k += step;
    *kmax = k;
}

/* A distribution's CDF on [kmin, kmax], by summing GSL's pmf from the left (below
 * kmin it is taken as the GSL CDF at kmin - 1, a far-tail value).  Not
 * gsl_cdf_poisson_P: in GSL 2.7 it is off by up to 2.4e-7 just above the mean for
 * means of 2e4 and more (1.4e-8 at k = 50220, mean 5e4, against mpmath), more than
 * the 2^-32 the tables are checked to. */
typedef struct ref_cdf {
    int64_t kmin, kmax;
    double below;
    double *F;
} ref_cdf;

static void ref_cdf_init(ref_cdf *r, const count_dist *d, int64_t kmin, int64_t kmax)
{
    r->kmin = kmin;
    r->kmax = kmax;
    r->below = dist_cdf(d, kmin - 1);
    r->F = malloc((size_t)(kmax - kmin + 1) * sizeof *r->F);
    assert_non_null(r->F);
    long double sum = r->below;
    for (int64_t k = kmin; k <= kmax; ++k) {
        sum += dist_pmf(d, k);
        r->F[k - kmin] = sum < 1.0L ? (double)sum : 1.0;
    }
}

static double ref_at(const ref_cdf *r, int64_t k)
{
    if (k < r->kmin)
        return k == r->kmin - 1 ? r->below : 0.0;
    return k > r->kmax ? 1.0 : r->F[k - r->kmin];
}

/* ------------------------------------------------------------------------------
 * Chi-square with merged bins
 * ------------------------------------------------------------------------------ */

/* Cells in order, the last being "everything else"; adjacent cells are merged until
 * each bin expects at least 5 draws, and a short last bin joins the one before.
 * A draw in a cell of probability exactly 0 is an outright failure (returns p 0). */
static double chisq_merged(const uint64_t *obs, const double *prob, int64_t cells, double draws,
                           int *n_bins)
{
    double stat = 0.0, acc_e = 0.0, acc_o = 0.0, last_e = 0.0, last_o = 0.0;
    int bins = 0;
    for (int64_t c = 0; c < cells; ++c) {
        if (prob[c] == 0.0 && obs[c] > 0) {
            print_message("cell %" PRId64 " has probability 0 but %" PRIu64 " draws\n", c, obs[c]);
            *n_bins = 0;
            return 0.0;
        }
        acc_e += prob[c] * draws;
        acc_o += (double)obs[c];
        if (acc_e >= 5.0) {
            if (bins > 0)
                stat += (last_o - last_e) * (last_o - last_e) / last_e;
            last_e = acc_e;
            last_o = acc_o;
            acc_e = acc_o = 0.0;
            ++bins;
        }
    }
    last_e += acc_e;
    last_o += acc_o;
    if (bins > 0)
        stat += (last_o - last_e) * (last_o - last_e) / last_e;
    *n_bins = bins;
    if (bins < 2)
        return 1.0; /* one bin holds everything: nothing to test */
    return gsl_cdf_chisq_Q(stat, bins - 1);
}

static void note_p(const char *what, int seed, double p, int bins)
{
    ++runs;
    below_1pct += p < 0.01;
    below_01pct += p < 0.001;
    if (n_seeds > 1 || p <= P_MIN)
        print_message("%-44s seed %d: %4d bins, p = %.4g\n", what, seed, bins, p);
    if (seed == 0 && !(p > P_MIN))
        fail_msg("%s: goodness of fit p = %g", what, p);
}

/* ------------------------------------------------------------------------------
 * Discrete samplers
 * ------------------------------------------------------------------------------ */

typedef enum { S_TABLE, S_POISSON, S_NEGBIN } skind;

typedef struct count_sampler {
    skind kind;
    const ech_dtable *table;
    double mean, ratio;
} count_sampler;

static int64_t draw_count(const count_sampler *s, ech_pcg32 *rng)
{
    switch (s->kind) {
    case S_TABLE: return ech_dtable_sample(s->table, rng);
    case S_POISSON: return ech_sample_poisson(rng, s->mean);
    default: return ech_sample_negbin(rng, s->mean, s->ratio);
    }
}

static uint64_t case_counter;

static void gof_count(const char *what, const count_sampler *s, const count_dist *d, long draws)
{
    int64_t kmin, kmax;
    dist_range(d, &kmin, &kmax);
    int64_t cells = kmax - kmin + 2;
    uint64_t *obs = malloc((size_t)cells * sizeof *obs);
    double *prob = malloc((size_t)cells * sizeof *prob);
    assert_non_null(obs);
    assert_non_null(prob);
    double inside = 0.0;
    for (int64_t k = kmin; k <= kmax; ++k) {
        prob[k - kmin] = dist_pmf(d, k);
        inside += prob[k - kmin];
    }
    prob[cells - 1] = inside < 1.0 ? 1.0 - inside : 0.0;
    /* The "everything else" cell is never treated as impossible: GSL's pmf sums to
     * 1 only to rounding. */
    if (prob[cells - 1] == 0.0)
        prob[cells - 1] = 1e-300;
    uint64_t case_id = ++case_counter;
    for (int seed = 0; seed < n_seeds; ++seed) {
        memset(obs, 0, (size_t)cells * sizeof *obs);
        ech_pcg32 rng;
        ech_stream_init(&rng, (uint64_t)seed, ECH_STREAM_TEST, case_id, 0u, 0u);
        for (long i = 0; i < draws; ++i) {
            int64_t k = draw_count(s, &rng);
            ++obs[k >= kmin && k <= kmax ? k - kmin : cells - 1];
        }
        int bins;
        double p = chisq_merged(obs, prob, cells, (double)draws, &bins);
        note_p(what, seed, p, bins);
    }
    free(obs);
    free(prob);
}

/* ------------------------------------------------------------------------------
 * Table invariants and exact checks
 * ------------------------------------------------------------------------------ */

/* P(X <= k) as the table samples it. */
static double table_cdf(const ech_dtable *t, int64_t k)
{
    if (k < t->base)
        return 0.0;
    if (k >= (int64_t)t->base + t->n - 1)
        return 1.0;
    return ((double)t->threshold[k - t->base] + 1.0) / TWO32;
}

/* What the header promises of every table's layout. */
static void check_table_shape(const ech_dtable *t)
{
    assert_true(t->n >= 1);
    assert_true(t->guide_shift >= 1 && t->guide_shift <= 31);
    int64_t n_guide = INT64_C(1) << (32 - t->guide_shift);
    assert_true(n_guide >= t->n);
    assert_true(t->threshold[t->n - 1] == UINT32_MAX);
    /* The padding a search four thresholds at a time reads (the lanes'). */
    for (int32_t i = t->n; i < t->n + ECH_DTABLE_PAD; ++i)
        assert_true(t->threshold[i] == UINT32_MAX);
    for (int32_t i = 1; i < t->n; ++i)
        assert_true(t->threshold[i - 1] <= t->threshold[i]);
    /* Only the last entry may be 2^32-1: later ones could never be drawn. */
    for (int32_t i = 0; i + 1 < t->n; ++i)
        assert_true(t->threshold[i] < UINT32_MAX);
    /* guide[g] is the first i with threshold[i] >= g << guide_shift (the
     * thresholds being sorted, it is enough to look at i and i - 1). */
    for (int64_t g = 0; g < n_guide; ++g) {
        uint32_t start = (uint32_t)((uint64_t)g << t->guide_shift);
        int32_t i = t->guide[g];
        assert_true(i >= 0 && i < t->n);
        assert_true(t->threshold[i] >= start);
        assert_true(i == 0 || t->threshold[i - 1] < start);
    }
    assert_int_equal(ech_dtable_sample_u32(t, 0u), t->base);
    assert_int_equal(ech_dtable_sample_u32(t, UINT32_MAX), t->base + t->n - 1);
}

static void check_quantiles(const ech_dtable *t, const ref_cdf *d)
{
    static const double ps[] = {1e-12, 1e-9, 1e-6, 0.001, 0.01,  0.1,      0.25,      0.5,
                                0.6,   0.75, 0.9,  0.99,  0.999, 1 - 1e-6, 1 - 1e-10, 1.0};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; ++i) {
        double p = ps[i];
        int32_t v = ech_dtable_quantile(t, p);
        /* By definition, from the table's own thresholds... */
        int32_t want = t->base;
        while (table_cdf(t, want) < p)
            ++want;
        assert_int_equal(v, want);
        /* ...and against the reference: F(v) reaches p and F(v - 1) does not, to within the
         * table's resolution. */
        if (d) {
            assert_true(ref_at(d, v) >= p - CDF_TOL);
            if (v > t->base)
                assert_true(ref_at(d, v - 1) < p + CDF_TOL);
        }
    }
}

/* The table's CDF against the distribution's over the whole range that matters, and
 * its mean against the distribution's. */
static void check_table_exact(const char *what, const ech_dtable *t, const count_dist *d,
                              double want_mean)
{
    check_table_shape(t);
    int64_t kmin, kmax;
    dist_range(d, &kmin, &kmax);
    if (t->base < kmin)
        kmin = t->base;
    if ((int64_t)t->base + t->n - 1 > kmax)
        kmax = (int64_t)t->base + t->n - 1;
    ref_cdf ref;
    ref_cdf_init(&ref, d, kmin, kmax);
    double lowest = 0.0, highest = 0.0;
    for (int64_t k = kmin; k <= kmax; ++k) {
        double diff = table_cdf(t, k) - ref_at(&ref, k);
        lowest = diff < lowest ? diff : lowest;
        highest = diff > highest ? diff : highest;
    }
    if (!(lowest >= -CDF_SLACK && highest <= CDF_TOL))
        fail_msg("%s: table CDF minus GSL's in [%g, %g], not [0, 2^-32]", what, lowest, highest);
    /* Folding a tail of mass below ECH_DTABLE_TAIL moves the mean by up to that mass
     * times the tail's mean excess, about var_ratio for a negative binomial's
     * geometric tail.  For means below ~1e-3 that is more than 1e-9 relative, so it
     * is allowed absolutely; from 0.01 up the mean must be good to 1e-9. */
    double spread = d->kind == D_NEGBIN ? d->ratio : 1.0;
    double err = fabs(t->mean - want_mean);
    if (!(err <= 1e-9 * want_mean + 4.0 * ECH_DTABLE_TAIL * (spread + 1.0)))
        fail_msg("%s: table mean %.17g, distribution mean %.17g (rel %g)", what, t->mean, want_mean,
                 err / want_mean);
    if (want_mean >= 0.01 && !(err <= 1e-9 * want_mean))
        fail_msg("%s: table mean %.17g, distribution mean %.17g (rel %g)", what, t->mean, want_mean,
                 err / want_mean);
    check_quantiles(t, &ref);
    free(ref.F);
}

/* ------------------------------------------------------------------------------
 * Tests: tables
 * ------------------------------------------------------------------------------ */

static void test_poisson_tables(void **state)
{
    (void)state;
    static const double means[] = {1e-4, 0.01, 0.3, 2.0, 17.0, 250.0, 1000.0, 50000.0, 100000.0};
    static const double zeros[] = {0.0, 0.3};
    ech_arena arena;
    ech_arena_init(&arena, 1 << 16);
    for (size_t i = 0; i < sizeof means / sizeof means[0]; ++i) {
        for (size_t j = 0; j < 2; ++j) {
            char what[96];
            snprintf(what, sizeof what, "poisson table mean %g zero %g", means[i], zeros[j]);
            ech_dtable t;
            assert_int_equal(ech_dtable_poisson(&t, &arena, means[i], zeros[j]), 0);
            count_dist d = {.kind = D_POISSON, .mean = means[i], .zero = zeros[j]};
            check_table_exact(what, &t, &d, (1.0 - zeros[j]) * means[i]);
            if (means[i] >= 0.01 && means[i] <= 50000.0) {
                count_sampler s = {.kind = S_TABLE, .table = &t};
                gof_count(what, &s, &d, DRAWS);
            }
            ech_arena_reset(&arena);
        }
    }
    ech_arena_free(&arena);
}

static void test_negbin_tables(void **state)
{
    (void)state;
    static const double means[] = {0.001, 0.05, 1.0, 12.0, 300.0, 20000.0};
    static const double ratios[] = {1.5, 4.0, 20.0};
    ech_arena arena;
    ech_arena_init(&arena, 1 << 16);
    for (size_t i = 0; i < sizeof means / sizeof means[0]; ++i) {
        for (size_t j = 0; j < 3; ++j) {
            for (int z = 0; z < 2; ++z) {
                double zero = z ? 0.4 : 0.0;
                char what[96];
                snprintf(what, sizeof what, "negbin table mean %g ratio %g zero %g", means[i],
                         ratios[j], zero);
                ech_dtable t;
                assert_int_equal(ech_dtable_negbin(&t, &arena, means[i], ratios[j], zero), 0);
                count_dist d = {
                    .kind = D_NEGBIN, .mean = means[i], .ratio = ratios[j], .zero = zero};
                check_table_exact(what, &t, &d, (1.0 - zero) * means[i]);
                /* Sampling is the same code for every table; a spread of cases is
                 * enough to catch a fault in how the pmf was turned into one. */
                if (means[i] >= 0.05 && (z == 0 || j == 2)) {
                    count_sampler s = {.kind = S_TABLE, .table = &t};
                    gof_count(what, &s, &d, DRAWS);
                }
                ech_arena_reset(&arena);
            }
        }
    }
    /* var_ratio 1 is the Poisson table. */
    ech_dtable a, b;
    assert_int_equal(ech_dtable_negbin(&a, &arena, 3.5, 1.0, 0.1), 0);
    assert_int_equal(ech_dtable_poisson(&b, &arena, 3.5, 0.1), 0);
    assert_int_equal(a.base, b.base);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.threshold, b.threshold, (size_t)a.n * sizeof *a.threshold);
    ech_arena_free(&arena);
}

/* Long tables built from P(0) upwards: more values than the builder's stack scratch
 * holds (once, the first 1,024 thresholds were lost when the scratch grew). */
static void test_long_tables_from_zero(void **state)
{
    (void)state;
    static const struct {
        double mean, ratio, zero;
    } cases[] = {{185.0, 29.0, 0.0}, {185.0, 29.0, 0.2}, {120.0, 40.0, 0.0}};
    ech_arena arena;
    ech_arena_init(&arena, 1 << 16);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        char what[96];
        snprintf(what, sizeof what, "long negbin table mean %g ratio %g zero %g", cases[i].mean,
                 cases[i].ratio, cases[i].zero);
        ech_dtable t;
        assert_int_equal(
            ech_dtable_negbin(&t, &arena, cases[i].mean, cases[i].ratio, cases[i].zero), 0);
        assert_int_equal(t.base, 0); /* built from P(0) */
        assert_true(t.n > 1024);
        count_dist d = {.kind = D_NEGBIN,
                        .mean = cases[i].mean,
                        .ratio = cases[i].ratio,
                        .zero = cases[i].zero};
        check_table_exact(what, &t, &d, (1.0 - cases[i].zero) * cases[i].mean);
        ech_arena_reset(&arena);
    }
    ech_arena_free(&arena);
}

/* The hash of (rc, base, n, thresholds) of 20,000 demand tables drawn from a fixed
 * stream: means 1e-3 to 60 (log-uniform), Poisson or negative binomial of variance
 * ratio 1.2-20, with or without extra zeros. */
static uint64_t pinned_tables_hash(long *n_thresholds)
{
    ech_arena arena;
    ech_arena_init(&arena, 1 << 16);
    ech_pcg32 rng;
    ech_pcg32_seed(&rng, 20261206u, 7u);
    uint64_t h = TS_FNV_OFFSET;
    long total = 0;
    for (int i = 0; i < 20000; ++i) {
        double mean = 1e-3 * ech_pow(6e4, ech_pcg32_uniform(&rng));
        double ratio = ech_pcg32_uniform(&rng) < 0.4 ? 1.0 : 1.2 + 18.8 * ech_pcg32_uniform(&rng);
        double zero = ech_pcg32_uniform(&rng) < 0.6 ? 0.0 : 0.8 * ech_pcg32_uniform(&rng);
        ech_dtable t;
        int rc = ratio == 1.0 ? ech_dtable_poisson(&t, &arena, mean, zero)
                              : ech_dtable_negbin(&t, &arena, mean, ratio, zero);
        h = ts_fnv1a(h, &rc, sizeof rc);
        if (rc == 0) {
            h = ts_fnv1a(h, &t.base, sizeof t.base);
            h = ts_fnv1a(h, &t.n, sizeof t.n);
            h = ts_fnv1a(h, t.threshold, (size_t)t.n * sizeof *t.threshold);
            total += t.n;
        }
        ech_arena_reset(&arena);
    }
    ech_arena_free(&arena);
    *n_thresholds = total;
    return h;
}

/* The demand tables' thresholds are part of every result: a faster builder must
 * give them bit for bit.  The hash was taken with the builder before the family
 * API (ech_dtable_count) and the register loop; a change to any threshold of these
 * 20,000 tables changes it. */
static void test_tables_pinned(void **state)
{
    (void)state;
    long n_thresholds = 0;
    uint64_t h = pinned_tables_hash(&n_thresholds);
    assert_int_equal(n_thresholds, 2197176);
    if (h != UINT64_C(0x283a46e4f36d6141))
        fail_msg("the demand tables changed: hash %016" PRIx64, h);
}

/* A family built once gives the tables of ech_dtable_negbin and _poisson. */
static void test_count_family(void **state)
{
    (void)state;
    ech_arena arena;
    ech_arena_init(&arena, 1 << 16);
    static const double means[] = {0.0, 0.01, 0.7, 31.0, 900.0};
    static const double ratios[] = {1.0, 1.7, 6.0};
    for (size_t j = 0; j < 3; ++j) {
        for (int z = 0; z < 2; ++z) {
            double zero = z ? 0.35 : 0.0;
            ech_count_family f;
            assert_int_equal(ech_count_family_init(&f, 1, ratios[j], zero), 0);
            assert_int_equal(f.negbin, ratios[j] != 1.0);
            for (size_t i = 0; i < sizeof means / sizeof means[0]; ++i) {
                ech_dtable a, b;
                assert_int_equal(ech_dtable_count(&a, &arena, &f, means[i]), 0);
                assert_int_equal(ech_dtable_negbin(&b, &arena, means[i], ratios[j], zero), 0);
                assert_int_equal(a.base, b.base);
                assert_int_equal(a.n, b.n);
                assert_memory_equal(a.threshold, b.threshold, (size_t)a.n * sizeof *a.threshold);
                assert_true(a.mean == b.mean);
            }
        }
    }
    /* Built two at a time: the same tables, whatever the neighbours' kinds (0, from
     * P(0), a P(0) below ECH_DTABLE_TAIL); an odd count; the first bad mean's index. */
    static const double many[] = {0.4, 0.45, 0.0, 3.0, 2.5, 60.0, 55.0, 0.02, 0.021, 300.0, 0.3};
    enum { N_MANY = sizeof many / sizeof many[0] };
    for (int z = 0; z < 2; ++z) {
        ech_count_family f;
        assert_int_equal(ech_count_family_init(&f, 1, 2.5, z ? 0.4 : 0.0), 0);
        ech_dtable t[N_MANY];
        assert_int_equal(ech_dtable_count_many(t, &arena, &f, many, N_MANY), N_MANY);
        for (int i = 0; i < N_MANY; ++i) {
            ech_dtable b;
            assert_int_equal(ech_dtable_count(&b, &arena, &f, many[i]), 0);
            assert_int_equal(t[i].base, b.base);
            assert_int_equal(t[i].n, b.n);
            assert_int_equal(t[i].guide_shift, b.guide_shift);
            assert_memory_equal(t[i].threshold, b.threshold, (size_t)b.n * sizeof *b.threshold);
            assert_memory_equal(t[i].guide, b.guide,
                                ((size_t)1 << (32 - b.guide_shift)) * sizeof *b.guide);
            assert_true(t[i].mean == b.mean);
        }
        double bad[] = {0.4, 0.5, 0.6, -1.0, 0.7};
        assert_int_equal(ech_dtable_count_many(t, &arena, &f, bad, 5), 3);
    }
    ech_count_family f;
    assert_int_equal(ech_count_family_init(&f, 1, 0.5, 0.0), -1);
    assert_int_equal(ech_count_family_init(&f, 1, NAN, 0.0), -1);
    assert_int_equal(ech_count_family_init(&f, 0, 1.0, 1.0), -1);
    assert_int_equal(ech_count_family_init(&f, 0, 1.0, 0.0), 0);
    ech_dtable t;
    assert_int_equal(ech_dtable_count(&t, &arena, &f, -1.0), -1);
    assert_int_equal(ech_dtable_count(&t, &arena, &f, NAN), -1);
    ech_arena_free(&arena);
}

static void test_pmf_tables(void **state)
{
    (void)state;
    ech_arena arena;
    ech_arena_init(&arena, 4096);
    ech_dtable t;

    /* An arbitrary pmf, unnormalised, with interior zeros. */
    static const double pmf[] = {3.0, 0.0, 1.0, 2.5, 0.0, 0.0, 0.5, 7.0};
    static const double unit[] = {3.0 / 14, 0.0, 1.0 / 14, 2.5 / 14, 0.0, 0.0, 0.5 / 14, 7.0 / 14};
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, -3, pmf, 8), 0);
    assert_int_equal(t.base, -3);
    assert_int_equal(t.n, 8);
    count_dist d = {.kind = D_PMF, .pmf = unit, .lo = -3, .n = 8};
    double mean = 0.0;
    for (int i = 0; i < 8; ++i)
        mean += (i - 3) * unit[i];
    check_table_shape(&t);
    assert_true(fabs(t.mean - mean) <= 1e-15);
    ref_cdf ref;
    ref_cdf_init(&ref, &d, -4, 5);
    for (int64_t k = -4; k <= 5; ++k)
        assert_true(fabs(table_cdf(&t, k) - ref_at(&ref, k)) <= CDF_TOL);
    check_quantiles(&t, &ref);
    free(ref.F);
    count_sampler s = {.kind = S_TABLE, .table = &t};
    gof_count("table from pmf", &s, &d, DRAWS);

    /* Tails below ECH_DTABLE_TAIL fold into the end entries, and the mean is the
     * folded distribution's. */
    static const double tails[] = {1e-14, 1e-13, 0.5, 0.5, 1e-13};
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 10, tails, 5), 0);
    assert_int_equal(t.base, 12);
    assert_int_equal(t.n, 2);
    double total = 1.0 + 2.1e-13;
    assert_true(fabs(t.mean - (12.0 + (0.5 + 1e-13) / total)) <= 1e-14);
    /* P(12) = (0.5 + 1.1e-13) / total = 0.5 + 5e-15: ceil(2^32 P) - 1 = 2^31. */
    assert_true(t.threshold[0] == UINT32_C(0x80000000));
    ech_arena_free(&arena);
}

static void test_single_value_tables(void **state)
{
    (void)state;
    ech_arena arena;
    ech_arena_init(&arena, 4096);
    ech_dtable t;

    static const double one[] = {0.7};
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 5, one, 1), 0);
    check_table_shape(&t);
    assert_int_equal(t.base, 5);
    assert_int_equal(t.n, 1);
    assert_true(t.mean == 5.0);
    assert_int_equal(ech_dtable_quantile(&t, 1e-9), 5);
    assert_int_equal(ech_dtable_quantile(&t, 1.0), 5);

    /* All the mass on one interior point: the zero ends fold away. */
    static const double spike[] = {0.0, 0.0, 3.0, 0.0};
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, -1, spike, 4), 0);
    check_table_shape(&t);
    assert_int_equal(t.base, 1);
    assert_int_equal(t.n, 1);
    assert_true(t.mean == 1.0);

    assert_int_equal(ech_dtable_poisson(&t, &arena, 0.0, 0.0), 0);
    check_table_shape(&t);
    assert_int_equal(t.base, 0);
    assert_int_equal(t.n, 1);
    assert_true(t.mean == 0.0);
    assert_int_equal(ech_dtable_poisson(&t, &arena, 0.0, 0.5), 0);
    assert_int_equal(t.n, 1);
    assert_int_equal(ech_dtable_negbin(&t, &arena, 0.0, 3.0, 0.2), 0);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.base, 0);

    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_FIXED, 7.4, 0.0, 0, 100), 0);
    check_table_shape(&t);
    assert_int_equal(t.base, 7);
    assert_int_equal(t.n, 1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_FIXED, 7.5, 0.0, 0, 100), 0);
    assert_int_equal(t.base, 8);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_FIXED, 3.0, 0.0, 5, 9), 0);
    assert_int_equal(t.base, 5);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_FIXED, 30.0, 0.0, 5, 9), 0);
    assert_int_equal(t.base, 9);
    /* Same-day delivery. */
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_FIXED, 0.0, 0.0, 0, 0), 0);
    assert_int_equal(t.base, 0);
    assert_int_equal(t.n, 1);
    /* A continuous distribution squeezed to one day. */
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_GAMMA, 10.0, 3.0, 6, 6), 0);
    check_table_shape(&t);
    assert_int_equal(t.base, 6);
    assert_int_equal(t.n, 1);

    ech_pcg32 rng;
    ech_stream_init(&rng, 1u, ECH_STREAM_TEST, 0u, 0u, 0u);
    for (int i = 0; i < 1000; ++i)
        assert_int_equal(ech_dtable_sample(&t, &rng), 6);
    ech_arena_free(&arena);
}

static void test_invalid_parameters(void **state)
{
    (void)state;
    ech_arena arena;
    ech_arena_init(&arena, 4096);
    ech_dtable t;
    const double nan = NAN, inf = INFINITY;

    static const double ok[] = {1.0, 2.0};
    const double neg[] = {1.0, -1e-300}, with_nan[] = {1.0, nan}, with_inf[] = {1.0, inf},
                 none[] = {0.0, 0.0}, huge[] = {1e308, 1e308};
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 0, ok, 0), -1);
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 0, ok, -1), -1);
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 0, NULL, 2), -1);
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 0, neg, 2), -1);
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 0, with_nan, 2), -1);
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 0, with_inf, 2), -1);
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 0, none, 2), -1);
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, 0, huge, 2), -1); /* sum overflows */
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, INT32_MAX, ok, 2), -1);
    assert_int_equal(ech_dtable_from_pmf(&t, &arena, INT32_MAX - 1, ok, 2), 0);

    assert_int_equal(ech_dtable_poisson(&t, &arena, -1.0, 0.0), -1);
    assert_int_equal(ech_dtable_poisson(&t, &arena, nan, 0.0), -1);
    assert_int_equal(ech_dtable_poisson(&t, &arena, inf, 0.0), -1);
    assert_int_equal(ech_dtable_poisson(&t, &arena, 1.0, -0.1), -1);
    assert_int_equal(ech_dtable_poisson(&t, &arena, 1.0, 1.0), -1);
    assert_int_equal(ech_dtable_poisson(&t, &arena, 1.0, nan), -1);
    assert_int_equal(ech_dtable_negbin(&t, &arena, 1.0, 0.99, 0.0), -1);
    assert_int_equal(ech_dtable_negbin(&t, &arena, 1.0, nan, 0.0), -1);
    assert_int_equal(ech_dtable_negbin(&t, &arena, 1.0, inf, 0.0), -1);
    assert_int_equal(ech_dtable_negbin(&t, &arena, -1.0, 2.0, 0.0), -1);
    assert_int_equal(ech_dtable_negbin(&t, &arena, 1.0, 2.0, 1.0), -1);
    /* A tail too long to tabulate is refused, not allocated. */
    assert_int_equal(ech_dtable_negbin(&t, &arena, 1.0, 1e7, 0.0), -1);
    assert_int_equal(ech_dtable_poisson(&t, &arena, 2e9, 0.0), -1);

    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_GAMMA, 10.0, 0.0, 0, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_GAMMA, 10.0, -1.0, 0, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_LOGNORMAL, 10.0, 0.0, 0, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_LOGNORMAL, 10.0, nan, 0, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_GAMMA, 0.0, 2.0, 0, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_GAMMA, -3.0, 2.0, 0, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_FIXED, -1.0, 0.0, 0, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_FIXED, nan, 0.0, 0, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_GAMMA, 10.0, 2.0, 20, 5), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, ECH_LT_GAMMA, 10.0, 2.0, -1, 50), -1);
    assert_int_equal(ech_dtable_lead_time(&t, &arena, (ech_lead_time_dist)7, 10.0, 2.0, 0, 50), -1);

    ech_pcg32 rng;
    ech_stream_init(&rng, 1u, ECH_STREAM_TEST, 0u, 0u, 0u);
    assert_int_equal(ech_sample_poisson(&rng, -1.0), -1);
    assert_int_equal(ech_sample_poisson(&rng, nan), -1);
    assert_int_equal(ech_sample_poisson(&rng, inf), -1);
    assert_int_equal(ech_sample_poisson(&rng, 0.0), 0);
    assert_int_equal(ech_sample_negbin(&rng, 1.0, 0.5), -1);
    assert_int_equal(ech_sample_negbin(&rng, -1.0, 2.0), -1);
    assert_int_equal(ech_sample_negbin(&rng, 0.0, 2.0), 0);
    assert_true(isnan(ech_sample_gamma(&rng, 0.0, 1.0)));
    assert_true(isnan(ech_sample_gamma(&rng, 1.0, -1.0)));
    ech_arena_free(&arena);
}

/* ------------------------------------------------------------------------------
 * Tests: lead times
 * ------------------------------------------------------------------------------ */

typedef struct lt_case {
    ech_lead_time_dist dist;
    double mean, sd;
    int32_t min_days, max_days;
} lt_case;

static double lt_cont_P(const lt_case *c, double x)
{
    if (c->dist == ECH_LT_GAMMA) {
        double shape = (c->mean / c->sd) * (c->mean / c->sd);
        return gsl_cdf_gamma_P(x, shape, c->sd * c->sd / c->mean);
    }
    double s2 = log(1.0 + (c->sd / c->mean) * (c->sd / c->mean));
    return gsl_cdf_lognormal_P(x, log(c->mean) - 0.5 * s2, sqrt(s2));
}

static void test_lead_time_tables(void **state)
{
    (void)state;
    static const lt_case cases[] = {
        {ECH_LT_GAMMA, 10.0, 3.0, 1, 30},       {ECH_LT_GAMMA, 20.0, 15.0, 0, 60},
        {ECH_LT_GAMMA, 3.0, 4.0, 0, 365},       {ECH_LT_GAMMA, 45.0, 2.0, 0, 1000000},
        {ECH_LT_LOGNORMAL, 7.0, 2.0, 2, 14},    {ECH_LT_LOGNORMAL, 30.0, 25.0, 5, 365},
        {ECH_LT_LOGNORMAL, 12.0, 40.0, 0, 200}, {ECH_LT_LOGNORMAL, 5.0, 1.0, 0, 2000000000},
    };
    ech_arena arena;
    ech_arena_init(&arena, 4096);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        const lt_case *c = &cases[i];
        char what[96];
        snprintf(what, sizeof what, "%s lead time mean %g sd %g [%d, %d]",
                 c->dist == ECH_LT_GAMMA ? "gamma" : "lognormal", c->mean, c->sd, (int)c->min_days,
                 (int)c->max_days);
        ech_dtable t;
        assert_int_equal(
            ech_dtable_lead_time(&t, &arena, c->dist, c->mean, c->sd, c->min_days, c->max_days), 0);
        check_table_shape(&t);
        assert_true(t.base >= c->min_days && t.base + t.n - 1 <= c->max_days);

        /* The rounded and truncated distribution from GSL: P(L <= k) = F(k + 1/2)
         * for min <= k < max. */
        int64_t hi = c->max_days < 100000 ? c->max_days : 100000;
        double *pmf = malloc((size_t)(hi + 1) * sizeof *pmf);
        assert_non_null(pmf);
        double prev = 0.0, mean = 0.0, lowest = 0.0, highest = 0.0;
        for (int64_t k = 0; k <= hi; ++k) {
            double F = k < c->min_days ? 0.0 : k >= c->max_days ? 1.0 : lt_cont_P(c, k + 0.5);
            pmf[k] = F - prev;
            mean += (double)k * pmf[k];
            prev = F;
            double diff = table_cdf(&t, k) - F;
            lowest = diff < lowest ? diff : lowest;
            highest = diff > highest ? diff : highest;
        }
        if (!(lowest >= -CDF_SLACK && highest <= CDF_TOL))
            fail_msg("%s: table CDF minus GSL's in [%g, %g], not [0, 2^-32]", what, lowest,
                     highest);
        if (!(fabs(t.mean - mean) <= 1e-9 * mean))
            fail_msg("%s: table mean %.17g, distribution %.17g", what, t.mean, mean);

        count_dist d = {.kind = D_PMF, .pmf = pmf, .lo = 0, .n = hi + 1};
        ref_cdf ref;
        ref_cdf_init(&ref, &d, 0, hi);
        check_quantiles(&t, &ref);
        free(ref.F);
        if (i % 2 == 0 || i == 5) {
            count_sampler s = {.kind = S_TABLE, .table = &t};
            gof_count(what, &s, &d, DRAWS / 2);
        }
        free(pmf);
        ech_arena_reset(&arena);
    }
    ech_arena_free(&arena);
}

/* ------------------------------------------------------------------------------
 * Tests: direct samplers
 * ------------------------------------------------------------------------------ */

static void test_direct_poisson(void **state)
{
    (void)state;
    static const double means[] = {0.001, 0.5, 3.0, 9.9, 10.0, 10.5, 40.0, 1000.0, 1e6};
    for (size_t i = 0; i < sizeof means / sizeof means[0]; ++i) {
        char what[64];
        snprintf(what, sizeof what, "direct poisson mean %g", means[i]);
        count_sampler s = {.kind = S_POISSON, .mean = means[i]};
        count_dist d = {.kind = D_POISSON, .mean = means[i]};
        gof_count(what, &s, &d, DRAWS);
    }
}

static void test_direct_negbin(void **state)
{
    (void)state;
    static const struct {
        double mean, ratio;
    } cases[] = {{0.05, 20.0}, {0.5, 4.0}, {8.0, 1.5}, {30.0, 4.0}, {200.0, 20.0}, {5000.0, 1.5}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        char what[64];
        snprintf(what, sizeof what, "direct negbin mean %g ratio %g", cases[i].mean,
                 cases[i].ratio);
        count_sampler s = {.kind = S_NEGBIN, .mean = cases[i].mean, .ratio = cases[i].ratio};
        count_dist d = {.kind = D_NEGBIN, .mean = cases[i].mean, .ratio = cases[i].ratio};
        gof_count(what, &s, &d, DRAWS);
    }
}

typedef enum { C_NORMAL, C_GAMMA, C_LOGNORMAL } ckind;

typedef struct cont_case {
    ckind kind;
    double a, b; /* gamma: shape, scale; lognormal: mu, sigma */
} cont_case;

static double cont_draw(const cont_case *c, ech_pcg32 *rng)
{
    switch (c->kind) {
    case C_NORMAL: return ech_sample_normal(rng);
    case C_GAMMA: return ech_sample_gamma(rng, c->a, c->b);
    default: return ech_sample_lognormal(rng, c->a, c->b);
    }
}

/* GSL's gamma quantile fails to converge (and aborts) for shapes below about 0.1,
 * so those are found by bisection on its CDF, in log x where the mass piles up
 * near 0. */
static double gamma_Pinv_bisect(double p, double shape, double scale)
{
    double lo = log(1e-300), hi = log(scale * (shape + 50.0));
    for (int i = 0; i < 200; ++i) {
        double mid = 0.5 * (lo + hi);
        if (gsl_cdf_gamma_P(exp(mid), shape, scale) < p)
            lo = mid;
        else
            hi = mid;
    }
    return exp(0.5 * (lo + hi));
}

static double cont_Pinv(const cont_case *c, double p)
{
    switch (c->kind) {
    case C_NORMAL: return gsl_cdf_ugaussian_Pinv(p);
    case C_GAMMA:
        return c->a < 0.1 ? gamma_Pinv_bisect(p, c->a, c->b) : gsl_cdf_gamma_Pinv(p, c->a, c->b);
    default: return gsl_cdf_lognormal_Pinv(p, c->a, c->b);
    }
}

/* Equiprobable bins between GSL's quantiles, so every bin expects the same count. */
static void gof_continuous(const char *what, const cont_case *c, long draws)
{
    enum { BINS = 200 };
    double edge[BINS - 1];
    uint64_t obs[BINS];
    double prob[BINS];
    for (int i = 0; i < BINS - 1; ++i)
        edge[i] = cont_Pinv(c, (double)(i + 1) / BINS);
    for (int i = 0; i < BINS; ++i)
        prob[i] = 1.0 / BINS;
    uint64_t case_id = ++case_counter;
    for (int seed = 0; seed < n_seeds; ++seed) {
        memset(obs, 0, sizeof obs);
        ech_pcg32 rng;
        ech_stream_init(&rng, (uint64_t)seed, ECH_STREAM_TEST, case_id, 0u, 0u);
        double sum = 0.0;
        for (long i = 0; i < draws; ++i) {
            double x = cont_draw(c, &rng);
            if (!isfinite(x))
                fail_msg("%s: draw %ld is %g", what, i, x);
            sum += x;
            int lo = 0, hi = BINS - 1; /* the bin is the number of edges <= x */
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (edge[mid] <= x)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            ++obs[lo];
        }
        int bins;
        double p = chisq_merged(obs, prob, BINS, (double)draws, &bins);
        note_p(what, seed, p, bins);
    }
}

static void test_continuous(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        cont_case c;
    } cases[] = {
        {"normal", {C_NORMAL, 0.0, 0.0}},
        {"gamma shape 0.3 scale 2", {C_GAMMA, 0.3, 2.0}},
        {"gamma shape 1 scale 1", {C_GAMMA, 1.0, 1.0}},
        {"gamma shape 5.5 scale 0.7", {C_GAMMA, 5.5, 0.7}},
        {"gamma shape 0.05 scale 10", {C_GAMMA, 0.05, 10.0}},
        {"gamma shape 300 scale 0.01", {C_GAMMA, 300.0, 0.01}},
        {"lognormal mu 1 sigma 0.5", {C_LOGNORMAL, 1.0, 0.5}},
        {"lognormal mu -2 sigma 1.5", {C_LOGNORMAL, -2.0, 1.5}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        gof_continuous(cases[i].what, &cases[i].c, DRAWS);

    /* The normal's moments, as a second look at the tails the bins lump together. */
    ech_pcg32 rng;
    ech_stream_init(&rng, 0u, ECH_STREAM_TEST, 777u, 0u, 0u);
    double s1 = 0.0, s2 = 0.0, s4 = 0.0;
    for (long i = 0; i < DRAWS; ++i) {
        double z = ech_sample_normal(&rng);
        s1 += z;
        s2 += z * z;
        s4 += z * z * z * z;
    }
    /* Standard errors: mean 0.001, variance 0.0014, fourth moment 0.0096. */
    assert_true(fabs(s1 / DRAWS) < 0.005);
    assert_true(fabs(s2 / DRAWS - 1.0) < 0.007);
    assert_true(fabs(s4 / DRAWS - 3.0) < 0.05);
}

static void test_bernoulli(void **state)
{
    (void)state;
    static const double ps[] = {0.0, 1e-3, 0.3, 1.0};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; ++i) {
        ech_pcg32 rng, twin;
        ech_stream_init(&rng, 0u, ECH_STREAM_TEST, 900u + i, 0u, 0u);
        twin = rng;
        uint64_t obs[2] = {0, 0};
        for (long k = 0; k < DRAWS; ++k)
            ++obs[ech_sample_bernoulli(&rng, ps[i])];
        /* One 32-bit draw each, whatever p. */
        ech_pcg32_advance(&twin, (uint64_t)DRAWS);
        assert_true(twin.state == rng.state);
        if (ps[i] == 0.0) {
            assert_true(obs[1] == 0);
        } else if (ps[i] == 1.0) {
            assert_true(obs[0] == 0);
        } else {
            double prob[2] = {1.0 - ps[i], ps[i]};
            int bins;
            double p = chisq_merged(obs, prob, 2, (double)DRAWS, &bins);
            char what[48];
            snprintf(what, sizeof what, "bernoulli p %g", ps[i]);
            note_p(what, 0, p, bins);
        }
    }
    /* The extreme draws: u = 0 fires for any p >= 2^-33, u = 2^32-1 only for p = 1. */
    ech_pcg32 zero = {.state = 0u, .inc = 1u};
    assert_int_equal(ech_sample_bernoulli(&zero, 1e-9), 1);
    zero = (ech_pcg32){.state = 0u, .inc = 1u};
    assert_int_equal(ech_sample_bernoulli(&zero, 0.0), 0);
}

static void test_conversions(void **state)
{
    (void)state;
    double shape, scale, mu, sigma;
    ech_gamma_from_mean_sd(10.0, 5.0, &shape, &scale);
    assert_true(fabs(shape - 4.0) < 1e-14 && fabs(scale - 2.5) < 1e-14);
    ech_gamma_from_mean_sd(3.0, 6.0, &shape, &scale);
    assert_true(fabs(shape * scale - 3.0) < 1e-14);
    assert_true(fabs(sqrt(shape) * scale - 6.0) < 1e-13);
    ech_lognormal_from_mean_sd(30.0, 25.0, &mu, &sigma);
    double m = exp(mu + 0.5 * sigma * sigma);
    assert_true(fabs(m - 30.0) < 1e-12);
    assert_true(fabs(m * sqrt(expm1(sigma * sigma)) - 25.0) < 1e-12);
}

int main(void)
{
    const char *env = getenv("ECHELON_TEST_SEEDS");
    if (env && atoi(env) > 1)
        n_seeds = atoi(env);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmf_tables),         cmocka_unit_test(test_single_value_tables),
        cmocka_unit_test(test_invalid_parameters), cmocka_unit_test(test_poisson_tables),
        cmocka_unit_test(test_negbin_tables),      cmocka_unit_test(test_lead_time_tables),
        cmocka_unit_test(test_direct_poisson),     cmocka_unit_test(test_direct_negbin),
        cmocka_unit_test(test_continuous),         cmocka_unit_test(test_bernoulli),
        cmocka_unit_test(test_conversions),        cmocka_unit_test(test_long_tables_from_zero),
        cmocka_unit_test(test_tables_pinned),      cmocka_unit_test(test_count_family),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (n_seeds > 1)
        printf("%ld goodness-of-fit runs: %ld with p < 0.01, %ld with p < 0.001\n", runs,
               below_1pct, below_01pct);
    return rc;
}
