/* Summary statistics across replications; see include/echelon/stats.h. */
#include "echelon/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Insertion sort, ascending: for short runs, and for keys nearly in order. */
#define ECH_DEFINE_INSERTION_SORT(name, type) \
    void name(type *a, int64_t n)             \
    {                                         \
        for (int64_t i = 1; i < n; ++i) {     \
            type v = a[i];                    \
            int64_t k = i - 1;                \
            while (k >= 0 && a[k] > v) {      \
                a[k + 1] = a[k];              \
                --k;                          \
            }                                 \
            a[k + 1] = v;                     \
        }                                     \
    }

/* Sorts ascending (doubles without NaN, or int64): a quicksort with
 * median-of-three pivots, its short runs by `insertion`.  Faster than qsort, whose
 * comparison goes through a function pointer, and statistics are sorted millions
 * of times.  One body for both element types; the radix sort below takes the
 * lengths where it is faster still. */
#define ECH_DEFINE_SORT(name, insertion, type)                                                  \
    void name(type *a, int64_t n)                                                               \
    {                                                                                           \
        while (n > 24) {                                                                        \
            type x = a[0], y = a[n / 2], z = a[n - 1];                                          \
            type pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y)); \
            int64_t i = 0, j = n - 1;                                                           \
            for (;;) {                                                                          \
                while (a[i] < pivot)                                                            \
                    ++i;                                                                        \
                while (a[j] > pivot)                                                            \
                    --j;                                                                        \
                if (i >= j)                                                                     \
                    break;                                                                      \
                type t = a[i];                                                                  \
                a[i] = a[j];                                                                    \
                a[j] = t;                                                                       \
                ++i;                                                                            \
                --j;                                                                            \
            }                                                                                   \
            /* Recurse into the smaller part, loop on the larger: O(log n) depth. */            \
            if (j + 1 < n - (j + 1)) {                                                          \
                name(a, j + 1);                                                                 \
                a += j + 1;                                                                     \
                n -= j + 1;                                                                     \
            } else {                                                                            \
                name(a + j + 1, n - (j + 1));                                                   \
                n = j + 1;                                                                      \
            }                                                                                   \
        }                                                                                       \
        insertion(a, n);                                                                        \
    }

/* (The definitions end without a ';', which clang-format would join into one
 * line.) */
/* clang-format off */
static ECH_DEFINE_INSERTION_SORT(insertion_sort_doubles, double)
static ECH_DEFINE_INSERTION_SORT(insertion_sort_i64, int64_t)
static ECH_DEFINE_INSERTION_SORT(insertion_sort_u64, uint64_t)
static ECH_DEFINE_SORT(quick_sort_doubles, insertion_sort_doubles, double)
static ECH_DEFINE_SORT(quick_sort_i64, insertion_sort_i64, int64_t)
/* clang-format on */

/* Sorts keys a[0..n-1] ascending as unsigned integers, using tmp[0..n-1]: by the
 * bits from the highest bit in which the keys differ, a byte a pass, least
 * significant first (a byte in which all keys agree takes no pass), as many bytes
 * as tell nearly all n keys apart (about 32 times more values than keys: 16 bits
 * for 200 keys, 24 for 73,000), then by insertion, which only has keys equal in
 * those bits to order.  The statistics of one KPI share most of their high bits: a
 * sort by every byte that differs took 7 or 8 passes.  Keys that do agree in those
 * bits (a cluster far below a few outliers) are sorted again on the bits below, so
 * the insertion stays short. */
#define RADIX_SMALL 16

static void radix_sort_u64(uint64_t *a, uint64_t *tmp, int64_t n)
{
    if (n <= RADIX_SMALL) {
        insertion_sort_u64(a, n);
        return;
    }
    uint64_t all_and = ~UINT64_C(0), all_or = 0;
    for (int64_t i = 0; i < n; ++i) {
        all_and &= a[i];
        all_or |= a[i];
    }
    uint64_t differ = all_and ^ all_or;
    if (differ == 0)
        return; /* all equal */
    int top = 63 - __builtin_clzll(differ);
    int bits = 64 - __builtin_clzll((uint64_t)n) + 5, digits = bits >= 64 ? 8 : (bits + 7) / 8;
    int low = top + 1 - 8 * digits > 0 ? top + 1 - 8 * digits : 0; /* bits low .. top */
    uint32_t count[8][256];
    memset(count, 0, (size_t)digits * sizeof count[0]);
    for (int64_t i = 0; i < n; ++i) {
        uint64_t x = a[i] >> low;
        for (int k = 0; k < digits; ++k)
            count[k][(x >> (8 * k)) & 255u]++;
    }
    uint32_t at[8][256], sum[8] = {0};
    for (int v = 0; v < 256; ++v) /* (the digits in one loop: independent chains of adds) */
        for (int k = 0; k < digits; ++k) {
            at[k][v] = sum[k];
            sum[k] += count[k][v];
        }
    uint64_t *src = a, *dst = tmp;
    for (int k = 0; k < digits; ++k) {
        int shift = low + 8 * k;
        if (count[k][(a[0] >> shift) & 255u] == (uint32_t)n)
            continue; /* one value: no pass */
        for (int64_t i = 0; i < n; ++i)
            dst[at[k][(src[i] >> shift) & 255u]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof *a);
    if (low == 0)
        return; /* sorted by every bit that differs */
    /* Keys equal in the digits' bits are next to each other.  No more than
     * RADIX_SMALL of them anywhere (the rule: tested without a branch a key): the
     * insertion orders them; else the runs of such keys are sorted on the bits
     * below. */
    int long_run = 0;
    for (int64_t i = RADIX_SMALL; i < n; ++i)
        long_run |= a[i] >> low == a[i - RADIX_SMALL] >> low;
    if (!long_run) {
        insertion_sort_u64(a, n);
        return;
    }
    for (int64_t b = 0, e; b < n; b = e) {
        uint64_t run = a[b] >> low;
        for (e = b + 1; e < n && a[e] >> low == run; ++e)
            ;
        if (e - b > 1)
            radix_sort_u64(a + b, tmp + b, e - b);
    }
}

/* Radix sorting pays from this many values (below, the quicksort's insertion sort
 * wins), up to what the stack buffer holds. */
#define RADIX_MIN 32
#define RADIX_STACK 2048

/* Doubles map to keys whose unsigned order is their numeric order (negative: all
 * bits flipped; otherwise the sign bit set), so -0.0 sorts before 0.0: a total
 * order, whatever the input's order. */
static inline uint64_t double_key(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static inline double key_double(uint64_t k)
{
    uint64_t u = k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static void sort_doubles(double *a, int64_t n)
{
    if (n < RADIX_MIN || n > RADIX_STACK) {
        quick_sort_doubles(a, n);
        return;
    }
    uint64_t key[RADIX_STACK], tmp[RADIX_STACK];
    for (int64_t i = 0; i < n; ++i)
        key[i] = double_key(a[i]);
    radix_sort_u64(key, tmp, n);
    for (int64_t i = 0; i < n; ++i)
        a[i] = key_double(key[i]);
}

void ech_sort_i64(int64_t *a, int64_t n)
{
    uint64_t *tmp = NULL, stack[RADIX_STACK];
    if (n >= RADIX_MIN)
        tmp = n <= RADIX_STACK ? stack : malloc((size_t)n * sizeof *tmp);
    if (!tmp) {
        quick_sort_i64(a, n);
        return;
    }
    /* The sign bit flipped: unsigned order is signed order. */
    uint64_t *key = (uint64_t *)a;
    for (int64_t i = 0; i < n; ++i)
        key[i] ^= UINT64_C(1) << 63;
    radix_sort_u64(key, tmp, n);
    for (int64_t i = 0; i < n; ++i)
        key[i] ^= UINT64_C(1) << 63;
    if (tmp != stack)
        free(tmp);
}

int64_t ech_lower_bound_i64(const int64_t *a, int64_t n, int64_t key)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void ech_stats_summarize(const double *x, int64_t n, const double *q, int nq, double *out,
                         double *scratch)
{
    /* All the same bits (not ==, which takes -0.0 for 0.0 and would answer with
     * whichever of them comes first). */
    uint64_t first;
    memcpy(&first, &x[0], sizeof first);
    int all_equal = 1;
    for (int64_t i = 0; i < n; ++i) {
        if (!isfinite(x[i])) {
            for (int j = 0; j < 2 + nq; ++j)
                out[j] = NAN;
            return;
        }
        uint64_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        all_equal &= bits == first;
    }
    /* Many series are constant (no lost sales in any replication, say): their
     * statistics need no sort. */
    if (all_equal) {
        out[0] = x[0];
        out[1] = 0.0;
        for (int j = 0; j < nq; ++j)
            out[2 + j] = x[0];
        return;
    }
    /* Sorting first makes every statistic, the floating-point sums included,
     * independent of the order of the replications. */
    memcpy(scratch, x, (size_t)n * sizeof *scratch);
    sort_doubles(scratch, n);

    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
        sum += scratch[i];
    double mean = sum / (double)n;
    double ss = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        double d = scratch[i] - mean;
        ss += d * d;
    }
    out[0] = mean;
    out[1] = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;

    for (int j = 0; j < nq; ++j) {
        /* Type 7: h = (n - 1) p, interpolate between x[floor h] and x[floor h + 1]. */
        double h = (double)(n - 1) * q[j];
        int64_t lo = (int64_t)floor(h);
        if (lo >= n - 1) {
            out[2 + j] = scratch[n - 1];
        } else {
            double frac = h - (double)lo;
            out[2 + j] = scratch[lo] + frac * (scratch[lo + 1] - scratch[lo]);
        }
    }
}
