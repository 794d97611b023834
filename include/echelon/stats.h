/* Summary statistics across replications.
 *
 * The per-skuloc distributions written to the output are the mean, the sample
 * standard deviation and quantiles of the replications' values.  Quantiles use
 * linear interpolation between order statistics (Hyndman and Fan's type 7, the
 * default of R and NumPy), so readers can reproduce them from the replications.
 * Non-finite values (a days-of-supply with no expected outflow) make every statistic
 * of that series NaN.  The order of the input does not change the result.
 */
#ifndef ECHELON_STATS_H
#define ECHELON_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Summarises x[0..n-1] (n >= 1): writes mean, sd (0 when n == 1) and the quantiles
 * at probabilities q[0..nq-1] to out[0], out[1], out[2..2+nq-1].  `scratch` holds
 * at least n doubles; x is left unchanged. */
/* Sorts n int64 values ascending, in place. */
void ech_sort_i64(int64_t *a, int64_t n);

/* The first index i of the ascending a[0..n-1] with a[i] >= key (n when none). */
int64_t ech_lower_bound_i64(const int64_t *a, int64_t n, int64_t key);

void ech_stats_summarize(const double *x, int64_t n, const double *q, int nq, double *out,
                         double *scratch);

#ifdef __cplusplus
}
#endif

#endif
