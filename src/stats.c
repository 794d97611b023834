/* Summary statistics across replications; see include/echelon/stats.h. */
#include "echelon/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void ech_stats_summarize(const double *x, int64_t n, const double *q, int nq, double *out,
                         double *scratch)
{
    for (int64_t i = 0; i < n; ++i) {
        if (!isfinite(x[i])) {
            for (int j = 0; j < 2 + nq; ++j)
                out[j] = NAN;
            return;
        }
    }
    /* Sorting first makes every statistic, the floating-point sums included,
     * independent of the order of the replications. */
    memcpy(scratch, x, (size_t)n * sizeof *scratch);
    qsort(scratch, (size_t)n, sizeof *scratch, cmp_double);

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
