/* Random variate samplers; see include/echelon/sample.h. */
#include "echelon/repro_math.h"
#include "echelon/sample.h"
#include "echelon/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The largest table we build: 16 MiB of thresholds, while a Poisson table at the
 * largest mean accepted needs about 0.6 million entries.  Reaching it means the
 * parameters are nonsense (a variance ratio of millions, whose tail decays over
 * tens of millions of values), and the builders say so with -1 rather than
 * exhausting memory. */
#define DTABLE_MAX_N (INT32_C(1) << 22)

/* The largest mean a demand table accepts: values must stay inside int32_t with
 * room for the tails. */
#define DTABLE_MAX_MEAN 1e9

/* The pmf recursions stop once the mass not yet generated is below this fraction of
 * the mode's probability (so below it as a fraction of the total, too).  At 1e-4 of
 * ECH_DTABLE_TAIL, the folding in ech_dtable_from_pmf decides as if the tails had
 * been generated to the end, and the mass left out changes nothing at the tables'
 * 2^-32 resolution. */
#define PMF_GEN_EPS 1e-16

/* Demand pmfs up to this many entries (8 KiB) are built on the stack: every mean up
 * to about 60 with var_ratio up to 20, so rebuilding the seasonal tables of the
 * great majority of SKUs allocates nothing but the tables themselves. */
enum { PMF_STACK_N = 1024 };

/* The direct Poisson sampler switches from inversion to PTRS at this mean. */
#define POISSON_PTRS_MIN 10.0

/* Means above 2^52 cannot be sampled as exact integers in double precision. */
#define POISSON_MAX_MEAN 4503599627370496.0

/* ------------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------------ */

/* ceil(2^32 F) - 1 clamped to a 32-bit threshold, from 2^32 F: u <= threshold
 * exactly when u < 2^32 F, so a table value's cumulative probability is F rounded up
 * to the next multiple of 2^-32. */
static inline uint32_t threshold_of(double scaled)
{
    /* scaled = 2^32 F >= 0.  ceil by hand: a libm call per entry is a noticeable
     * part of building the small tables that are rebuilt for every season.  Up to 1
     * this gives 0 (floor 0 below 1, 1 - 1 at 1). */
    if (scaled > 4294967295.0)
        return UINT32_MAX;
    uint32_t floor_x = (uint32_t)scaled;
    return (double)floor_x < scaled ? floor_x : floor_x - (floor_x != 0u);
}

/* The thresholds of values lo, lo+1, ... of a pmf p (p[0] is value lo's) given the
 * mass below lo, `cum`, and the total: at most m of them, fewer when one reaches
 * 2^32-1 first.  Once a threshold reaches 2^32-1 no 32-bit draw can pass it, so the
 * values after it can never be drawn: the sampled distribution is the same without
 * them, and dropping them makes base + n - 1 the largest value a draw can return
 * (what callers sizing a pipeline by the longest lead time need).  Returns how
 * many were kept; the last is 2^32-1. */
static int32_t cumulative_thresholds(const double *p, int32_t m, double cum, double total,
                                     uint32_t *thr)
{
    for (int32_t j = 0; j < m - 1; ++j) {
        cum += p[j];
        thr[j] = threshold_of(cum / total * 4294967296.0);
        if (thr[j] == UINT32_MAX)
            return j + 1;
    }
    thr[m - 1] = UINT32_MAX;
    return m;
}

/* Lays out a table from its first `used` thresholds (the last already 2^32-1) and
 * the guide, in one arena block: thresholds, then guide. */
static void table_layout(ech_dtable *t, ech_arena *arena, int32_t base, const uint32_t *src,
                         int32_t used)
{
    /* The guide has at least two entries: with one, guide_shift would be 32 and
     * u >> 32 is undefined for a 32-bit u. */
    uint32_t log2_guide = used <= 2 ? 1u : 32u - (uint32_t)__builtin_clz((uint32_t)used - 1u);
    int64_t n_guide = INT64_C(1) << log2_guide;
    uint32_t shift = 32u - log2_guide;
    size_t padded = (size_t)used + ECH_DTABLE_PAD;
    size_t thr_bytes = (padded * sizeof(uint32_t) + 15u) & ~(size_t)15u;
    unsigned char *block =
        ech_arena_alloc(arena, thr_bytes + (size_t)n_guide * sizeof(int32_t), "sampling table");
    uint32_t *thr = (uint32_t *)block;
    int32_t *guide = (int32_t *)(block + thr_bytes);
    memcpy(thr, src, (size_t)used * sizeof *thr);
    for (size_t k = (size_t)used; k < padded; ++k)
        thr[k] = UINT32_MAX;
    /* guide[g] = i for the g with threshold[i-1] < g << shift <= threshold[i]: the
     * g up to threshold[i] >> shift not given to an earlier entry.  The last
     * threshold, 2^32-1, reaches the last guide entry. */
    int64_t g = (int64_t)(thr[0] >> shift) + 1;
    /* Slow movers' first threshold covers most of the guide: one fill of zeros. */
    memset(guide, 0, (size_t)g * sizeof *guide);
    /* The walk stops at the first threshold that reaches the last entry: the
     * tail's thresholds, most of a long-tailed table's, are never read. */
    for (int32_t i = 1; g < n_guide; ++i) {
        int64_t top = (int64_t)(thr[i] >> shift);
        while (g <= top)
            guide[g++] = i;
    }
    t->base = base;
    t->n = used;
    t->guide_shift = shift;
    t->threshold0 = thr[0];
    t->threshold = thr;
    t->guide = guide;
}

int ech_dtable_from_pmf(ech_dtable *t, ech_arena *arena, int32_t base, const double *pmf, int32_t n)
{
    if (!t || !arena || !pmf || n < 1 || n > DTABLE_MAX_N)
        return -1;
    if ((int64_t)base + n - 1 > INT32_MAX)
        return -1;
    double total = 0.0;
    for (int32_t i = 0; i < n; ++i) {
        if (!(pmf[i] >= 0.0) || !isfinite(pmf[i]))
            return -1;
        total += pmf[i];
    }
    if (!(total > 0.0) || !isfinite(total))
        return -1;

    /* Fold each tail: [0, lo) is the longest prefix and (hi, n) the longest suffix
     * with mass below ECH_DTABLE_TAIL.  Both are summed from the outside in, so tiny
     * tail masses are not lost against the bulk.  They cannot meet: together they
     * would hold the whole mass, which is far more than two tails' worth. */
    double cut = ECH_DTABLE_TAIL * total;
    int32_t lo = 0, hi = n - 1;
    double left = 0.0, right = 0.0;
    while (lo < n - 1 && left + pmf[lo] < cut)
        left += pmf[lo++];
    while (hi > lo && right + pmf[hi] < cut)
        right += pmf[hi--];
    int32_t m = hi - lo + 1;

    /* The mean of the folded distribution, taken about its first value so that the
     * offsets, not the absolute values, carry the precision. */
    double moment = 0.0;
    for (int32_t j = 1; j < m - 1; ++j)
        moment += (double)j * pmf[lo + j];
    if (m > 1)
        moment += (double)(m - 1) * (pmf[hi] + right);

    /* The thresholds go to scratch first: how many are kept shows only at the end. */
    uint32_t thr_small[64];
    uint32_t *thr = m <= 64 ? thr_small : ech_xmalloc((size_t)m * sizeof *thr, "sampling table");
    int32_t used = cumulative_thresholds(pmf + lo, m, left, total, thr);
    table_layout(t, arena, base + lo, thr, used);
    if (thr != thr_small)
        free(thr);
    t->mean = (double)t->base + moment / total;
    return 0;
}

int32_t ech_dtable_quantile(const ech_dtable *t, double p)
{
    /* P(X <= base+i) = (threshold[i] + 1) / 2^32, so the smallest value reaching p
     * is the one a draw u = ceil(2^32 p) - 1 selects. */
    if (!(p > 0.0))
        return t->base;
    if (p >= 1.0)
        return t->base + t->n - 1;
    return ech_dtable_sample_u32(t, (uint32_t)(ceil(p * 4294967296.0) - 1.0));
}

/* Scratch for building a count table: the pmf and the thresholds, on the stack while
 * they fit, then on the heap, doubling.  The capacity is checked inline where terms
 * are appended, so growing costs one comparison per term. */
typedef struct pmf_buf {
    double *p;
    uint32_t *thr;
    int64_t cap;
    double stack[PMF_STACK_N];
    uint32_t thr_stack[PMF_STACK_N];
} pmf_buf;

static void pmf_buf_init(pmf_buf *b)
{
    b->p = b->stack;
    b->thr = b->thr_stack;
    b->cap = PMF_STACK_N;
}

static void pmf_buf_grow(pmf_buf *b, int64_t n)
{
    int64_t cap = b->cap;
    while (cap < n)
        cap *= 2;
    if (b->p == b->stack) {
        double *p = ech_xmalloc((size_t)cap * sizeof *p, "demand pmf scratch");
        memcpy(p, b->stack, sizeof b->stack);
        b->p = p;
        b->thr = ech_xmalloc((size_t)cap * sizeof *b->thr, "demand table scratch");
    } else {
        b->p = ech_xrealloc(b->p, (size_t)cap * sizeof *b->p, "demand pmf scratch");
        b->thr = ech_xrealloc(b->thr, (size_t)cap * sizeof *b->thr, "demand table scratch");
    }
    b->cap = cap;
}

static void pmf_buf_release(pmf_buf *b)
{
    if (b->p != b->stack) {
        free(b->p);
        free(b->thr);
    }
}

static int single_value_table(ech_dtable *t, ech_arena *arena, int32_t value)
{
    const double one = 1.0;
    return ech_dtable_from_pmf(t, arena, value, &one, 1);
}

/* A count distribution given by the ratio of successive probabilities, which is all
 * the pmf recursions need: Poisson P(k+1)/P(k) = mean/(k+1); negative binomial with
 * size r and q = 1 - p, P(k+1)/P(k) = (k+r) q/(k+1).  Working outwards from the
 * mode with P(mode) = 1 keeps every term between about PMF_GEN_EPS and 1, so
 * nothing underflows whatever the mean, and no lgamma is needed: the table
 * normalises. */
typedef struct count_dist {
    int negbin;
    double mean; /* Poisson */
    double r, q; /* negative binomial */
    int64_t mode;
    double p0;         /* P(0), before zero-inflation */
    double table_mean; /* the distribution's mean, zero-inflation included */
} count_dist;

/* k is passed as a double (exact: k < 2^31) so the recursions convert no integers. */
static inline double ratio_up(const count_dist *d, double k)
{
    if (d->negbin)
        return (k + d->r) * d->q / (k + 1.0);
    return d->mean / (k + 1.0);
}

/* The first value worth keeping: walks down from the mode until the mass below is
 * under PMF_GEN_EPS (relative to the mode, so relative to the total too).  Going
 * down, P(k-1)/P(k) = 1/ratio_up(k-1) falls as k falls for both families (the
 * negative binomial has its mode above 0 only when r > 1, where that holds), so the
 * current ratio s bounds the rest by the geometric series term s / (1 - s). */
static int64_t count_first(const count_dist *d)
{
    double term = 1.0;
    int64_t k = d->mode;
    while (k > 0) {
        double s = 1.0 / ratio_up(d, (double)(k - 1));
        if (s < 1.0 && term * s < PMF_GEN_EPS * (1.0 - s))
            break;
        term *= s;
        --k;
    }
    return k;
}

/* P(k+1)/P(k) at k = kd for the family `negbin` (a constant where inlined), and in
 * *bound a bound on every later ratio: every later ratio is at most the current one
 * for the Poisson; for the negative binomial the ratio tends to q, from above when
 * r > 1 and from below otherwise, so max(ratio, q) bounds the rest. */
static inline double step_up(const count_dist *d, int negbin, double kd, double *bound)
{
    if (negbin) {
        double rho = (kd + d->r) * d->q / (kd + 1.0);
        *bound = rho < d->q ? d->q : rho;
        return rho;
    }
    double rho = d->mean / (kd + 1.0);
    *bound = rho;
    return rho;
}

/* The terms above the mode, appended to the buffer from index `at` (the mode's) on:
 * upwards in one pass, until step_up's bound puts the rest below PMF_GEN_EPS.
 * Adds the terms to *sum; returns the index of the last term, or -1 when the table would be too
 * long.  Inlined into one copy per family, so the loop tests no flag. */
static inline int64_t count_upper(pmf_buf *b, const count_dist *d, int negbin, int64_t at,
                                  int64_t k_mode, double *sum)
{
    double term = 1.0, s = *sum;
    double kd = (double)k_mode;
    int64_t i = at;
    int64_t i_max =
        DTABLE_MAX_N - 1 < INT32_MAX - k_mode + at ? DTABLE_MAX_N - 1 : INT32_MAX - k_mode + at;
    double *p = b->p;
    for (;;) {
        double bound;
        double rho = step_up(d, negbin, kd, &bound);
        /* term bound >= PMF_GEN_EPS settles most steps with one product. */
        double next = term * bound;
        if (next < PMF_GEN_EPS && bound < 1.0 && next < PMF_GEN_EPS * (1.0 - bound))
            break;
        if (i + 1 > i_max)
            return -1;
        term *= rho;
        kd += 1.0;
        ++i;
        if (i >= b->cap) {
            pmf_buf_grow(b, i + 1);
            p = b->p;
        }
        p[i] = term;
        s += term;
    }
    *sum = s;
    return i;
}

/* ceil(x) - 1 for 0 < x <= 2^32 - 1, as threshold_of gives it: the truncation,
 * less one where x is a whole number (then the truncation is at least 1). */
static inline uint32_t threshold_of_positive(double scaled)
{
    int64_t floor_x = (int64_t)scaled;
    return (uint32_t)(floor_x - 1 + ((double)floor_x < scaled));
}

/* Makes room for at least `need` thresholds in *thr (capacity *cap), keeping the
 * first `kept`: from the caller's stack array to the heap, then doubling.  Returns
 * 0, or -1 past DTABLE_MAX_N. */
static int grow_thresholds(uint32_t **thr, int32_t *cap, const uint32_t *stack, int32_t kept,
                           int32_t need)
{
    if (need > DTABLE_MAX_N)
        return -1;
    int32_t c = *cap;
    while (c < need)
        c = c > DTABLE_MAX_N / 2 ? DTABLE_MAX_N : 2 * c;
    if (*thr == stack) {
        uint32_t *heap = ech_xmalloc((size_t)c * sizeof *heap, "demand table scratch");
        memcpy(heap, stack, (size_t)kept * sizeof *heap);
        *thr = heap;
    } else {
        *thr = ech_xrealloc(*thr, (size_t)c * sizeof **thr, "demand table scratch");
    }
    *cap = c;
    return 0;
}

/* The table of a count distribution whose P(0) is not negligible (at least
 * ECH_DTABLE_TAIL, so no lower tail is folded): the pmf from P(0) upwards by the
 * ratios, the CDF summed as it goes, and the thresholds only until they reach
 * 2^32-1 (or the mass left is below PMF_GEN_EPS).  No normalising sum is needed, so
 * nothing past the last threshold is generated: most demand tables (slow movers)
 * cost a few operations per value they can return.  The loop keeps the family's
 * parameters in registers and does per value only what the table needs: one ratio,
 * the pmf and CDF steps, the threshold and the stopping tests (each in the order
 * and with the roundings of step_up and count_upper).  Inlined once per family and
 * for extra zeros or none (where keep is 1, keep p is p exactly).  Returns 0, or
 * -1 when the table would be too long. */
static inline __attribute__((always_inline)) int
count_table_from_zero_of(ech_dtable *t, ech_arena *arena, const count_dist *d, int negbin,
                         int inflated, double zero_prob)
{
    uint32_t stack[PMF_STACK_N];
    uint32_t *thr = stack;
    int32_t cap = PMF_STACK_N;
    const double r = d->r, q = d->q, mean = d->mean, keep = 1.0 - zero_prob;
    double p = d->p0, F = inflated ? zero_prob + keep * p : p;
    double kd = 0.0;
    /* w runs over the thresholds; end leaves room for the closing 2^32-1. */
    uint32_t *w = thr, *end = thr + cap - 1;
    for (;;) {
        double scaled = F * 4294967296.0;
        if (scaled > 4294967295.0)
            break;
        if (w == end) {
            int32_t j = (int32_t)(w - thr);
            if (grow_thresholds(&thr, &cap, stack, j, j + 2) != 0) {
                if (thr != stack)
                    free(thr);
                return -1;
            }
            w = thr + j;
            end = thr + cap - 1;
        }
        *w++ = threshold_of_positive(scaled);
        double k1 = kd + 1.0;
        double rho = negbin ? (kd + r) * q / k1 : mean / k1;
        double bound = negbin && rho < q ? q : rho;
        /* What is left is below PMF_GEN_EPS: the next value takes all of it. */
        double next = p * bound;
        if (next < PMF_GEN_EPS && bound < 1.0 && next < PMF_GEN_EPS * (1.0 - bound))
            break;
        p *= rho;
        kd = k1;
        F += inflated ? keep * p : p;
    }
    *w++ = UINT32_MAX;
    table_layout(t, arena, 0, thr, (int32_t)(w - thr));
    t->mean = d->table_mean;
    if (thr != stack)
        free(thr);
    return 0;
}

/* Calls builder(t, arena, d, negbin, inflated, zero_prob) with the family and the
 * extra zeros as constants, so that each of the four is compiled apart. */
#define COUNT_VARIANT(builder, t, arena, d, zero_prob)           \
    ((zero_prob) > 0.0                                           \
         ? ((d)->negbin ? builder(t, arena, d, 1, 1, zero_prob)  \
                        : builder(t, arena, d, 0, 1, zero_prob)) \
         : ((d)->negbin ? builder(t, arena, d, 1, 0, 0.0) : builder(t, arena, d, 0, 0, 0.0)))

static int count_table_from_zero(ech_dtable *t, ech_arena *arena, const count_dist *d,
                                 double zero_prob)
{
    return COUNT_VARIANT(count_table_from_zero_of, t, arena, d, zero_prob);
}

#if defined(__SSE2__)
/* Lanes of a pair stop one at a time: a lane whose table has ended gets NaN for its
 * F and pmf, so that neither stopping test fires for it again (comparisons with NaN
 * are false) and its values are never used. */
static inline void end_lanes(__m128d *F, __m128d *p, int lanes)
{
    const __m128d nan = _mm_set1_pd(NAN);
    __m128d mask = _mm_castsi128_pd(_mm_set_epi64x(lanes & 2 ? -1 : 0, lanes & 1 ? -1 : 0));
    *F = _mm_or_pd(_mm_andnot_pd(mask, *F), _mm_and_pd(mask, nan));
    *p = _mm_or_pd(_mm_andnot_pd(mask, *p), _mm_and_pd(mask, nan));
}

/* Two tables from P(0) upwards of one family built side by side, each in one lane
 * of SSE2's 128-bit registers: count_table_from_zero_of's operations on both at
 * once (the same IEEE operations in the same order, so the same bits; no fused
 * multiply-adds in intrinsics either), and half its instructions per value.  The
 * loop runs until both tables end (end_lanes); a lane's thresholds past its end
 * are overwritten or left out.  The threshold
 * ceil(2^32 F) - 1 comes from the low bits of 2^32 F + 2^52, which is 2^32 F
 * rounded to a whole number: less one where that did not round down.  Returns 0,
 * or -1 when a table would be too long (the caller then builds them one by one). */
static inline __attribute__((always_inline)) int
count_pair_from_zero_of(ech_dtable *t, ech_arena *arena, const count_dist *d, int negbin,
                        int inflated, double zero_prob)
{
    uint32_t stack[2][PMF_STACK_N];
    uint32_t *thr[2] = {stack[0], stack[1]};
    int32_t cap = PMF_STACK_N, used[2] = {0, 0};
    int live = 3; /* lanes still running, one bit each */
    const __m128d two32 = _mm_set1_pd(4294967296.0), top = _mm_set1_pd(4294967295.0);
    const __m128d two52 = _mm_set1_pd(4503599627370496.0), one = _mm_set1_pd(1.0);
    const __m128d eps = _mm_set1_pd(PMF_GEN_EPS), keep = _mm_set1_pd(1.0 - zero_prob);
    const __m128d q = _mm_set1_pd(d[0].q);
    const __m128d num = negbin ? _mm_set_pd(d[1].r, d[0].r) : _mm_set_pd(d[1].mean, d[0].mean);
    __m128d p = _mm_set_pd(d[1].p0, d[0].p0);
    __m128d F = inflated ? _mm_add_pd(_mm_set1_pd(zero_prob), _mm_mul_pd(keep, p)) : p;
    __m128d kd = _mm_setzero_pd();
    int32_t j = 0;
    /* The scratch grows in the outer loop: the inner one makes no calls, which would
     * take the constants out of the registers.  Each value's test against
     * PMF_GEN_EPS and the next value's against 1 - 2^-32 are made together: a table
     * that ends by either has its last value, 2^32-1, at j. */
    __m128d scaled = _mm_mul_pd(F, two32);
    int ended = _mm_movemask_pd(_mm_cmpgt_pd(scaled, top));
    for (;;) {
        if (ended) {
            for (int lane = 0; lane < 2; ++lane)
                if (ended >> lane & 1)
                    used[lane] = j + 1;
            live &= ~ended;
            if (!live)
                break;
            end_lanes(&F, &p, ended);
            scaled = _mm_mul_pd(F, two32);
            ended = 0;
        }
        if (j + 2 > cap) {
            int32_t cap0 = cap;
            if (grow_thresholds(&thr[0], &cap, stack[0], j, j + 2) != 0 ||
                grow_thresholds(&thr[1], &cap0, stack[1], j, j + 2) != 0) {
                for (int lane = 0; lane < 2; ++lane)
                    if (thr[lane] != stack[lane])
                        free(thr[lane]);
                return -1;
            }
        }
        uint32_t *thr0 = thr[0], *thr1 = thr[1];
        for (int32_t limit = cap - 1; j < limit;) {
            __m128d whole = _mm_add_pd(scaled, two52);
            __m128i bits =
                _mm_add_epi64(_mm_castpd_si128(whole),
                              _mm_castpd_si128(_mm_cmpge_pd(_mm_sub_pd(whole, two52), scaled)));
            thr0[j] = (uint32_t)_mm_cvtsi128_si32(bits);
            thr1[j] = (uint32_t)_mm_cvtsi128_si32(_mm_shuffle_epi32(bits, 0xEE));
            ++j;
            __m128d k1 = _mm_add_pd(kd, one);
            __m128d rho =
                negbin ? _mm_div_pd(_mm_mul_pd(_mm_add_pd(kd, num), q), k1) : _mm_div_pd(num, k1);
            __m128d bound = negbin ? _mm_max_pd(rho, q) : rho;
            __m128d next = _mm_mul_pd(p, bound);
            __m128d small = _mm_cmplt_pd(next, eps);
            p = _mm_mul_pd(p, rho);
            kd = k1;
            F = _mm_add_pd(F, inflated ? _mm_mul_pd(keep, p) : p);
            scaled = _mm_mul_pd(F, two32);
            __m128d over = _mm_cmpgt_pd(scaled, top);
            if (_mm_movemask_pd(_mm_or_pd(small, over))) {
                ended = _mm_movemask_pd(over);
                /* count_table_from_zero_of's test in full, lane by lane. */
                int maybe = _mm_movemask_pd(small);
                double nx[2], bd[2];
                _mm_storeu_pd(nx, next);
                _mm_storeu_pd(bd, bound);
                for (int lane = 0; lane < 2; ++lane)
                    if ((maybe >> lane & 1) && bd[lane] < 1.0 &&
                        nx[lane] < PMF_GEN_EPS * (1.0 - bd[lane]))
                        ended |= 1 << lane;
                if (ended)
                    break;
            }
        }
    }
    for (int lane = 0; lane < 2; ++lane) {
        thr[lane][used[lane] - 1] = UINT32_MAX;
        table_layout(&t[lane], arena, 0, thr[lane], used[lane]);
        t[lane].mean = d[lane].table_mean;
        if (thr[lane] != stack[lane])
            free(thr[lane]);
    }
    return 0;
}

static int count_pair_from_zero(ech_dtable *t, ech_arena *arena, const count_dist *d,
                                double zero_prob)
{
    return COUNT_VARIANT(count_pair_from_zero_of, t, arena, d, zero_prob);
}
#else
/* Without SSE2 the two tables are built one after the other. */
static int count_pair_from_zero(ech_dtable *t, ech_arena *arena, const count_dist *d,
                                double zero_prob)
{
    if (count_table_from_zero(&t[0], arena, &d[0], zero_prob) != 0)
        return -1;
    return count_table_from_zero(&t[1], arena, &d[1], zero_prob);
}
#endif

/* Builds the table of a Poisson or negative binomial, zero-inflated by zero_prob,
 * whose P(0) is below ECH_DTABLE_TAIL (the others: count_table_from_zero).
 *
 * The thresholds are those ech_dtable_from_pmf would make of the same pmf, bit for
 * bit (the same sums in the same order), without its general passes: the terms are
 * known to be positive and finite, and the thresholds are computed only until they
 * reach 2^32-1, which happens before the upper tail that from_pmf would fold (a
 * suffix of mass below ECH_DTABLE_TAIL leaves F above 1 - 2^-32 where it starts).
 * The whole pmf is still generated: the normalising sum needs its tail to be the
 * same number. */
static int count_table(ech_dtable *t, ech_arena *arena, const count_dist *d, double zero_prob)
{
    int64_t first = count_first(d);
    /* Extra zeros need the value 0 in the table even when the distribution's own
     * mass there is negligible; the values between get probability 0. */
    int64_t base = zero_prob > 0.0 ? 0 : first;
    int64_t at = d->mode - base;
    if (at + 1 > DTABLE_MAX_N)
        return -1;
    pmf_buf buf;
    pmf_buf_init(&buf);
    if (at + 1 > buf.cap)
        pmf_buf_grow(&buf, at + 1);
    double *pmf = buf.p;
    for (int64_t k = base; k < first; ++k)
        pmf[k - base] = 0.0;

    double term = 1.0, sum = 1.0;
    pmf[at] = 1.0;
    for (int64_t k = d->mode; k > first; --k) {
        term /= ratio_up(d, (double)(k - 1));
        pmf[k - 1 - base] = term;
        sum += term;
    }
    /* Without extra zeros the upward pass can carry the normalising sum itself (in
     * index order, as ech_dtable_from_pmf takes it); with them, that sum must wait
     * for P(0), which needs the mode-outward sum of everything. */
    double total = 0.0;
    if (zero_prob > 0.0) {
        total = sum;
    } else {
        for (int64_t i = 0; i <= at; ++i)
            total += pmf[i];
    }
    int64_t last = d->negbin ? count_upper(&buf, d, 1, at, d->mode, &total)
                             : count_upper(&buf, d, 0, at, d->mode, &total);
    if (last < 0) {
        pmf_buf_release(&buf);
        return -1;
    }
    pmf = buf.p;
    int32_t n = (int32_t)(last + 1);

    if (zero_prob > 0.0) {
        /* In units where the distribution's own mass sums to `sum`, adding
         * zero_prob sum / (1 - zero_prob) at 0 makes P(0) = zero_prob +
         * (1 - zero_prob) P_base(0) once the table normalises. */
        sum = total;
        pmf[0] += zero_prob * sum / (1.0 - zero_prob);
        total = 0.0;
        for (int32_t i = 0; i < n; ++i)
            total += pmf[i];
    }
    /* The lower tail below ECH_DTABLE_TAIL folds into the first entry kept. */
    double cut = ECH_DTABLE_TAIL * total;
    int32_t lo = 0;
    double cum = 0.0;
    while (lo < n - 1 && cum + pmf[lo] < cut)
        cum += pmf[lo++];
    /* Computed until they reach 2^32-1, which they do by the start of the suffix
     * that ech_dtable_from_pmf would fold. */
    int32_t used = cumulative_thresholds(pmf + lo, n - lo, cum, total, buf.thr);
    table_layout(t, arena, (int32_t)(base + lo), buf.thr, used);
    t->mean = d->table_mean;
    pmf_buf_release(&buf);
    return 0;
}

int ech_count_family_init(ech_count_family *f, int negbin, double var_ratio, double zero_prob)
{
    if (!f || !(zero_prob >= 0.0) || !(zero_prob < 1.0))
        return -1;
    if (negbin && (!(var_ratio >= 1.0) || !isfinite(var_ratio)))
        return -1;
    /* A variance ratio of exactly 1 is the Poisson limit (r infinite); accepting it
     * lets callers pass a fitted ratio through without a special case. */
    f->negbin = negbin && var_ratio != 1.0;
    f->var_ratio = f->negbin ? var_ratio : 1.0;
    f->zero_prob = zero_prob;
    /* variance / mean = 1/p, so p = 1/var_ratio, q = 1 - p and r = mean p / (1 - p);
     * P(0) = p^r = exp(-r log var_ratio). */
    f->q = f->negbin ? 1.0 - 1.0 / var_ratio : 0.0;
    f->log_var_ratio = f->negbin ? ech_log(var_ratio) : 0.0;
    return 0;
}

/* How a family's table of a mean is built. */
typedef enum count_kind {
    COUNT_INVALID,
    COUNT_SINGLE,    /* mean 0: always 0 */
    COUNT_FROM_ZERO, /* P(0) >= ECH_DTABLE_TAIL: count_table_from_zero */
    COUNT_GENERAL    /* count_table */
} count_kind;

static count_kind count_dist_of(const ech_count_family *f, double mean, count_dist *d)
{
    if (!(mean >= 0.0) || mean > DTABLE_MAX_MEAN)
        return COUNT_INVALID;
    if (mean == 0.0)
        return COUNT_SINGLE;
    *d = (count_dist){.negbin = f->negbin, .table_mean = (1.0 - f->zero_prob) * mean};
    if (f->negbin) {
        double var_ratio = f->var_ratio;
        d->r = mean / (var_ratio - 1.0);
        d->q = f->q;
        d->p0 = ech_exp(-d->r * f->log_var_ratio);
        if (d->p0 >= ECH_DTABLE_TAIL)
            return COUNT_FROM_ZERO;
        d->mode = d->r > 1.0 ? (int64_t)floor((d->r - 1.0) * (var_ratio - 1.0)) : 0;
    } else {
        d->mean = mean;
        d->p0 = ech_exp(-mean);
        if (d->p0 >= ECH_DTABLE_TAIL)
            return COUNT_FROM_ZERO;
        d->mode = (int64_t)floor(mean);
    }
    return COUNT_GENERAL;
}

static int count_table_of(ech_dtable *t, ech_arena *arena, count_kind kind, const count_dist *d,
                          double zero_prob)
{
    switch (kind) {
    case COUNT_SINGLE: return single_value_table(t, arena, 0);
    case COUNT_FROM_ZERO: return count_table_from_zero(t, arena, d, zero_prob);
    case COUNT_GENERAL: return count_table(t, arena, d, zero_prob);
    default: return -1;
    }
}

int ech_dtable_count(ech_dtable *t, ech_arena *arena, const ech_count_family *f, double mean)
{
    if (!t || !arena || !f)
        return -1;
    count_dist d;
    count_kind kind = count_dist_of(f, mean, &d);
    return count_table_of(t, arena, kind, &d, f->zero_prob);
}

int32_t ech_dtable_count_many(ech_dtable *t, ech_arena *arena, const ech_count_family *f,
                              const double *mean, int32_t n)
{
    if (!t || !arena || !f || !mean)
        return 0;
    count_dist d[2];
    count_kind kind[2];
    int32_t k = 0;
    while (k < n) {
        kind[0] = count_dist_of(f, mean[k], &d[0]);
        /* Two tables from P(0) side by side where the next one is one too. */
        if (kind[0] == COUNT_FROM_ZERO && k + 1 < n) {
            kind[1] = count_dist_of(f, mean[k + 1], &d[1]);
            if (kind[1] == COUNT_FROM_ZERO &&
                count_pair_from_zero(&t[k], arena, d, f->zero_prob) == 0) {
                k += 2;
                continue;
            }
        }
        if (count_table_of(&t[k], arena, kind[0], &d[0], f->zero_prob) != 0)
            return k;
        ++k;
    }
    return n;
}

int ech_dtable_poisson(ech_dtable *t, ech_arena *arena, double mean, double zero_prob)
{
    ech_count_family f;
    if (ech_count_family_init(&f, 0, 1.0, zero_prob) != 0)
        return -1;
    return ech_dtable_count(t, arena, &f, mean);
}

int ech_dtable_negbin(ech_dtable *t, ech_arena *arena, double mean, double var_ratio,
                      double zero_prob)
{
    ech_count_family f;
    if (ech_count_family_init(&f, 1, var_ratio, zero_prob) != 0)
        return -1;
    return ech_dtable_count(t, arena, &f, mean);
}

/* A continuous lead-time distribution's CDF and survival function. */
typedef struct lead_time_cont {
    ech_lead_time_dist dist;
    double a, b; /* gamma: shape, scale; lognormal: mu, sigma */
} lead_time_cont;

double ech_lead_time_P(ech_lead_time_dist dist, double a, double b, double x)
{
    if (!(x > 0.0))
        return 0.0;
    if (dist == ECH_LT_GAMMA)
        return ech_gamma_p(a, x / b);
    return ech_normal_p((ech_log(x) - a) / b);
}

double ech_lead_time_Q(ech_lead_time_dist dist, double a, double b, double x)
{
    if (!(x > 0.0))
        return 1.0;
    if (dist == ECH_LT_GAMMA)
        return ech_gamma_q(a, x / b);
    return ech_normal_p(-((ech_log(x) - a) / b));
}

static double lt_P(const lead_time_cont *c, double x)
{
    return ech_lead_time_P(c->dist, c->a, c->b, x);
}

static double lt_Q(const lead_time_cont *c, double x)
{
    return ech_lead_time_Q(c->dist, c->a, c->b, x);
}

/* P(X <= x) and P(X > x), each computed directly where it is the smaller one:
 * differences of P lose the upper tail's masses to rounding against 1, differences
 * of Q the lower tail's. */
typedef struct cdf_pair {
    double P, Q;
} cdf_pair;

static cdf_pair lt_cdf(const lead_time_cont *c, double x)
{
    cdf_pair v;
    v.P = lt_P(c, x);
    v.Q = v.P < 0.5 ? 1.0 - v.P : lt_Q(c, x);
    return v;
}

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

int ech_dtable_lead_time(ech_dtable *t, ech_arena *arena, ech_lead_time_dist dist, double mean,
                         double sd, int32_t min_days, int32_t max_days)
{
    /* A fixed lead time of 0 days is valid (delivery before the same day's
     * demand); a random one needs a positive mean. */
    if (!t || !arena || !(mean >= 0.0) || mean > (double)INT32_MAX || min_days < 0 ||
        min_days > max_days || (dist != ECH_LT_FIXED && !(mean > 0.0)))
        return -1;
    if (dist == ECH_LT_FIXED) {
        int64_t v = (int64_t)round(mean);
        return single_value_table(t, arena, (int32_t)clamp64(v, min_days, max_days));
    }
    if (!(sd > 0.0) || !isfinite(sd))
        return -1;
    lead_time_cont c = {.dist = dist};
    if (dist == ECH_LT_GAMMA) {
        ech_gamma_from_mean_sd(mean, sd, &c.a, &c.b);
    } else if (dist == ECH_LT_LOGNORMAL) {
        ech_lognormal_from_mean_sd(mean, sd, &c.a, &c.b);
    } else {
        return -1;
    }
    if (!isfinite(c.a) || !isfinite(c.b) || !(c.b > 0.0))
        return -1;

    /* Days where the distribution has mass above PMF_GEN_EPS, found by doubling
     * (halving) away from the mean: a generous bound costs a few more CDF calls but
     * keeps a wide [min_days, max_days] from costing one call per day. */
    int64_t hi = (int64_t)ceil(mean);
    while (hi < max_days && lt_Q(&c, (double)hi + 0.5) >= PMF_GEN_EPS)
        hi = 2 * hi + 1;
    int64_t lo = (int64_t)floor(mean);
    while (lo > min_days && lt_P(&c, (double)lo - 0.5) >= PMF_GEN_EPS)
        lo /= 2;
    lo = clamp64(lo, min_days, max_days);
    hi = clamp64(hi, min_days, max_days);
    int64_t n = hi - lo + 1;
    if (n > DTABLE_MAX_N)
        return -1;

    /* The first and last entries take everything below and above them: the mass
     * outside [min_days, max_days], or the negligible tails cut off by the search. */
    double *pmf = ech_xmalloc((size_t)n * sizeof *pmf, "lead-time pmf scratch");
    if (n == 1) {
        pmf[0] = 1.0;
    } else {
        cdf_pair below = lt_cdf(&c, (double)lo + 0.5);
        pmf[0] = below.P;
        for (int64_t k = lo + 1; k < hi; ++k) {
            cdf_pair above = lt_cdf(&c, (double)k + 0.5);
            pmf[k - lo] = below.P >= 0.5 ? below.Q - above.Q : above.P - below.P;
            below = above;
        }
        pmf[n - 1] = below.Q;
    }
    int rc = ech_dtable_from_pmf(t, arena, (int32_t)lo, pmf, (int32_t)n);
    free(pmf);
    return rc;
}

/* ------------------------------------------------------------------------------
 * Direct samplers
 * ------------------------------------------------------------------------------ */

/* A uniform double strictly inside (0, 1) with 52 random bits, (x + 0.5) / 2^52:
 * exact in double precision, never 0 (safe for log) and never 1. */
static double uniform_open(ech_pcg32 *rng)
{
    uint64_t hi = ech_pcg32_next(rng) >> 6; /* 26 bits */
    uint64_t lo = ech_pcg32_next(rng) >> 6; /* 26 bits */
    return ((double)((hi << 26) | lo) + 0.5) * (1.0 / 4503599627370496.0);
}

/* Inversion by sequential search from 0; about mean + 1 steps. */
static int64_t poisson_inversion(ech_pcg32 *rng, double mean)
{
    double u = uniform_open(rng);
    double p = ech_exp(-mean);
    double cdf = p;
    int64_t k = 0;
    while (u > cdf) {
        ++k;
        p *= mean / (double)k;
        double next = cdf + p;
        /* The sum stops growing a rounding error short of 1; a u above that is
         * given the last value the search reached rather than looping forever. */
        if (next == cdf)
            break;
        cdf = next;
    }
    return k;
}

/* PTRS, Hormann (1993), "The transformed rejection method for generating Poisson
 * random variables", Insurance: Mathematics and Economics 12, 39-45.  A transformed
 * uniform proposes k; most proposals pass the cheap first test and only the rest
 * need the log-pmf. */
static int64_t poisson_ptrs(ech_pcg32 *rng, double mean)
{
    double slam = sqrt(mean);
    double loglam = ech_log(mean);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    double v_r = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = uniform_open(rng) - 0.5;
        double v = uniform_open(rng);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= v_r)
            return (int64_t)k;
        if (k < 0.0 || (us < 0.013 && v > us))
            continue;
        /* ech_log_factorial rather than lgamma: lgamma writes the global signgam, a
         * data race between OpenMP threads, and its last bit depends on the CPU. */
        if (ech_log(v) + ech_log(inv_alpha) - ech_log(a / (us * us) + b) <=
            -mean + k * loglam - ech_log_factorial(k))
            return (int64_t)k;
    }
}

int64_t ech_sample_poisson(ech_pcg32 *rng, double mean)
{
    /* A negative, NaN or enormous mean is a caller's bug; -1 cannot be a count, so
     * it shows up rather than being silently clamped. */
    if (!(mean >= 0.0) || mean > POISSON_MAX_MEAN)
        return -1;
    if (mean == 0.0)
        return 0;
    if (mean < POISSON_PTRS_MIN)
        return poisson_inversion(rng, mean);
    return poisson_ptrs(rng, mean);
}

int64_t ech_sample_negbin(ech_pcg32 *rng, double mean, double var_ratio)
{
    if (!(mean >= 0.0) || !(var_ratio >= 1.0) || !isfinite(var_ratio))
        return -1;
    if (var_ratio == 1.0 || mean == 0.0)
        return ech_sample_poisson(rng, mean);
    /* Poisson(L) with L ~ Gamma(r, var_ratio - 1), r = mean / (var_ratio - 1): E L =
     * mean and Var = mean + r (var_ratio - 1)^2 = var_ratio mean. */
    double lambda = ech_sample_gamma(rng, mean / (var_ratio - 1.0), var_ratio - 1.0);
    return ech_sample_poisson(rng, lambda);
}

double ech_sample_normal(ech_pcg32 *rng)
{
    for (;;) {
        double x = 2.0 * uniform_open(rng) - 1.0;
        double y = 2.0 * uniform_open(rng) - 1.0;
        double s = x * x + y * y;
        if (s < 1.0 && s > 0.0)
            return x * sqrt(-2.0 * ech_log(s) / s);
    }
}

double ech_sample_gamma(ech_pcg32 *rng, double shape, double scale)
{
    if (!(shape > 0.0) || !(scale > 0.0) || !isfinite(shape) || !isfinite(scale))
        return NAN;
    if (shape < 1.0) {
        /* Gamma(a) = Gamma(a + 1) U^(1/a) (Marsaglia and Tsang, section 6). */
        double g = ech_sample_gamma(rng, shape + 1.0, scale);
        return g * ech_pow(uniform_open(rng), 1.0 / shape);
    }
    /* Marsaglia and Tsang (2000), "A simple method for generating gamma variables",
     * ACM TOMS 26(3): d (1 + c x)^3 with x normal, accepted by a cheap squeeze or
     * the log test. */
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = ech_sample_normal(rng);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = uniform_open(rng);
        double x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2)
            return d * v * scale;
        if (ech_log(u) < 0.5 * x2 + d * (1.0 - v + ech_log(v)))
            return d * v * scale;
    }
}

double ech_sample_lognormal(ech_pcg32 *rng, double mu, double sigma)
{
    return ech_exp(mu + sigma * ech_sample_normal(rng));
}

int ech_sample_bernoulli(ech_pcg32 *rng, double p)
{
    /* 1 when u < round(2^32 p): p = 0 never, p = 1 always (u < 2^32), and one draw
     * whatever p is, so the stream stays aligned.  A NaN p never fires. */
    double x = p * 4294967296.0;
    uint64_t threshold =
        x > 0.0 ? (x >= 4294967296.0 ? UINT64_C(4294967296) : (uint64_t)(x + 0.5)) : 0u;
    return (uint64_t)ech_pcg32_next(rng) < threshold;
}

void ech_gamma_from_mean_sd(double mean, double sd, double *shape, double *scale)
{
    /* mean = k theta, variance = k theta^2. */
    double cv = sd / mean;
    *shape = 1.0 / (cv * cv);
    *scale = sd * cv;
}

void ech_lognormal_from_mean_sd(double mean, double sd, double *mu, double *sigma)
{
    /* mean = exp(mu + sigma^2 / 2), variance = mean^2 (exp(sigma^2) - 1). */
    double cv = sd / mean;
    double s2 = ech_log1p(cv * cv);
    *mu = ech_log(mean) - 0.5 * s2;
    *sigma = sqrt(s2);
}
