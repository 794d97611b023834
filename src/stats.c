/* Summary statistics across replications; see include/echelon/stats.h. */
#include "echelon/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Sorts ascending (doubles without NaN, or int64): insertion sort for short runs,
 * otherwise a quicksort with median-of-three pivots.  Faster than qsort, whose
 * comparison goes through a function pointer, and statistics are sorted millions
 * of times.  One body for both element types. */
#define ECH_DEFINE_SORT(name, type)                                                             \
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
        for (int64_t i = 1; i < n; ++i) {                                                       \
            type v = a[i];                                                                      \
            int64_t k = i - 1;                                                                  \
            while (k >= 0 && a[k] > v) {                                                        \
                a[k + 1] = a[k];                                                                \
                --k;                                                                            \
            }                                                                                   \
            a[k + 1] = v;                                                                       \
        }                                                                                       \
    }

static ECH_DEFINE_SORT(sort_doubles, double) ECH_DEFINE_SORT(ech_sort_i64, int64_t)

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
    int all_equal = 1;
    for (int64_t i = 0; i < n; ++i) {
        if (!isfinite(x[i])) {
            for (int j = 0; j < 2 + nq; ++j)
                out[j] = NAN;
            return;
        }
        all_equal &= x[i] == x[0];
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
