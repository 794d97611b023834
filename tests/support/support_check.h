/* Statistical checks shared by the tests that compare the engine with exact results.
 * Header-only: include it (after cmocka.h) in a test file. */
#ifndef ECHELON_TEST_SUPPORT_CHECK_H
#define ECHELON_TEST_SUPPORT_CHECK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* |a - b| <= eps in double precision (cmocka's assert_float_equal rounds to float). */
#define assert_close(a, b, eps)                                                          \
    do {                                                                                 \
        double a_ = (a), b_ = (b);                                                       \
        if (!(fabs(a_ - b_) <= (eps)))                                                   \
            fail_msg("%s = %.17g, expected %.17g within %g", #a, a_, b_, (double)(eps)); \
    } while (0)

/* FNV-1a over n bytes, continuing from h (start at TS_FNV_OFFSET): pins a set of
 * values to one number that any change to them moves. */
#define TS_FNV_OFFSET UINT64_C(0xcbf29ce484222325)
static inline uint64_t ts_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* The two-sided 99% normal quantile. */
#define Z99 2.5758293035489004

/* Checks that the mean of the independent replication values x[0..n-1] covers
 * `exact` with a 99% confidence interval (mean +- Z99 standard errors), printing
 * both; fails the test otherwise. */
static inline void ts_check_mean(const char *what, const double *x, int64_t n, double exact)
{
    double sum = 0, ss = 0;
    for (int64_t r = 0; r < n; ++r)
        sum += x[r];
    double mean = sum / (double)n;
    for (int64_t r = 0; r < n; ++r)
        ss += (x[r] - mean) * (x[r] - mean);
    double se = sqrt(ss / (double)(n - 1) / (double)n);
    double half = Z99 * se + 1e-12 * (1.0 + fabs(exact));
    printf("  %-44s exact %.6f  simulated %.6f +- %.6f\n", what, exact, mean, half);
    if (fabs(mean - exact) > half)
        fail_msg("%s: simulated %.6f, exact %.6f, outside the 99%% interval +- %.6f", what, mean,
                 exact, half);
}

#endif
