/* Statistics across replications: mean, sample sd, type-7 quantiles (as NumPy's
 * default), NaN propagation, and independence from the input order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_known_values(void **state)
{
    (void)state;
    const double x[5] = {4, 1, 3, 2, 5};
    const double q[4] = {0.05, 0.5, 0.95, 1.0};
    double out[6], scratch[5];
    ech_stats_summarize(x, 5, q, 4, out, scratch);
    assert_float_equal(out[0], 3.0, 1e-15);
    assert_float_equal(out[1], sqrt(2.5), 1e-15);
    /* numpy.quantile([1,2,3,4,5], [0.05, 0.5, 0.95, 1]) = 1.2, 3, 4.8, 5 */
    assert_float_equal(out[2], 1.2, 1e-15);
    assert_float_equal(out[3], 3.0, 1e-15);
    assert_float_equal(out[4], 4.8, 1e-15);
    assert_float_equal(out[5], 5.0, 1e-15);
    /* The input is left alone. */
    assert_float_equal(x[0], 4, 0);
}

static void test_single_value(void **state)
{
    (void)state;
    const double x[1] = {7.5};
    const double q[2] = {0.05, 0.95};
    double out[4], scratch[1];
    ech_stats_summarize(x, 1, q, 2, out, scratch);
    assert_float_equal(out[0], 7.5, 0);
    assert_float_equal(out[1], 0.0, 0);
    assert_float_equal(out[2], 7.5, 0);
    assert_float_equal(out[3], 7.5, 0);
}

/* A constant series has exactly its value as mean and quantiles and sd 0 (a sum
 * of three 0.1s divided by 3 would not give 0.1 back). */
static void test_constant_series(void **state)
{
    (void)state;
    const double x[3] = {0.1, 0.1, 0.1};
    const double q[2] = {0.05, 0.95};
    double out[4], scratch[3];
    ech_stats_summarize(x, 3, q, 2, out, scratch);
    assert_true(out[0] == 0.1);
    assert_true(out[1] == 0.0);
    assert_true(out[2] == 0.1 && out[3] == 0.1);
}

static void test_nan_makes_everything_nan(void **state)
{
    (void)state;
    const double x[3] = {1, NAN, 3};
    const double q[1] = {0.5};
    double out[3], scratch[3];
    ech_stats_summarize(x, 3, q, 1, out, scratch);
    for (int j = 0; j < 3; ++j)
        assert_true(isnan(out[j]));
}

/* The same values in another order give bitwise the same statistics, which is what
 * lets results be identical whatever order replications arrive in. */
static void test_order_independent(void **state)
{
    (void)state;
    enum { N = 1000 };
    double a[N], b[N], scratch[N];
    uint64_t s = 12345;
    for (int i = 0; i < N; ++i) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        a[i] = (double)(s >> 11) * 0x1.0p-53 * 1e6 + 1e-7 * i;
    }
    for (int i = 0; i < N; ++i)
        b[i] = a[(i * 7919) % N]; /* a permutation: 7919 is prime to 1000 */
    const double q[3] = {0.05, 0.5, 0.95};
    double oa[5], ob[5];
    ech_stats_summarize(a, N, q, 3, oa, scratch);
    ech_stats_summarize(b, N, q, 3, ob, scratch);
    assert_memory_equal(oa, ob, sizeof oa);
}

/* The sorts (quicksort below 32 values, radix sort from 32, quicksort again beyond
 * 2,048 doubles; int64 by radix sort at any length from 32) order every length and
 * kind of value: negative, duplicated, integer-valued with shared high bytes, +-0,
 * skewed (most in a narrow range, a few far out: the radix sort's buckets then hold
 * many, sorted again on lower bits), powers of two; the same values as qsort. */
static uint64_t next_u64(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s ^ (*s >> 29);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_sorts(void **state)
{
    (void)state;
    static const int64_t lengths[] = {1,  2,   17,   31,   32,   33,   63,   64,
                                      65, 200, 1000, 2048, 2049, 5000, 70000};
    enum { MAX = 70000 };
    static double x[MAX], y[MAX];
    static int64_t v[MAX], w[MAX];
    static double ref[MAX];
    uint64_t s = 99;
    for (size_t t = 0; t < sizeof lengths / sizeof *lengths; ++t) {
        int64_t n = lengths[t];
        for (int kind = 0; kind < 5; ++kind) {
            for (int64_t i = 0; i < n; ++i) {
                uint64_t r = next_u64(&s);
                switch (kind) {
                case 0: x[i] = ((double)(r >> 11) * 0x1.0p-53 - 0.5) * 1e9; break;
                case 1: x[i] = (double)(r % 17) - 4.0; break; /* few values, duplicated */
                case 2: x[i] = (r & 1) ? 0.0 : -0.0; break;
                case 3: /* 0.95-0.96 mostly, one in 50 from 0 to 1e6 */
                    x[i] = r % 50 ? 0.95 + (double)(r >> 20) * 0x1.0p-44 * 0.01
                                  : (double)(r >> 11) * 0x1.0p-53 * 1e6;
                    break;
                default: x[i] = ldexp(1.0, (int)(r % 200) - 100); break;
                }
                switch (kind) {
                case 0: v[i] = (int64_t)r; break;
                case 3: v[i] = r % 50 ? (int64_t)(r % 7) : (int64_t)(r >> 1); break;
                case 4: v[i] = (int64_t)1 << (r % 63); break;
                default: v[i] = (int64_t)(r % 1000) - 500; break;
                }
            }
            memcpy(ref, x, (size_t)n * sizeof *ref);
            qsort(ref, (size_t)n, sizeof *ref, cmp_double);
            memcpy(w, v, (size_t)n * sizeof *w);
            qsort(w, (size_t)n, sizeof *w, cmp_i64);
            /* Summaries through the sort: mean and extremes. */
            memcpy(y, x, (size_t)n * sizeof *y);
            double out[4], scratch_min = INFINITY, scratch_max = -INFINITY;
            for (int64_t i = 0; i < n; ++i) {
                scratch_min = y[i] < scratch_min ? y[i] : scratch_min;
                scratch_max = y[i] > scratch_max ? y[i] : scratch_max;
            }
            const double q[2] = {0.0, 1.0};
            static double scratch[MAX];
            ech_stats_summarize(x, n, q, 2, out, scratch);
            assert_true(out[2] == scratch_min && out[3] == scratch_max);
            int all_equal = 1; /* (then the summary does not sort) */
            for (int64_t i = 1; i < n; ++i)
                all_equal &= memcmp(&x[i], &x[0], sizeof x[0]) == 0;
            /* (kind 2: qsort leaves +-0 in either order, the sort puts -0.0 first) */
            if (!all_equal && kind != 2)
                assert_memory_equal(scratch, ref, (size_t)n * sizeof *ref);
            for (int64_t i = 1; i < n; ++i)
                assert_true(scratch[i - 1] <= scratch[i]);
            ech_sort_i64(v, n);
            assert_memory_equal(v, w, (size_t)n * sizeof *w);
        }
    }
    /* -0.0 sorts before 0.0 whatever the input order, so the largest value of a
     * series of zeros with one -0.0 anywhere (and a -1) is +0.0, the same bits both
     * ways. */
    double z1[64], z2[64], out1[3], out2[3], scratch[64];
    for (int i = 0; i < 64; ++i) {
        z1[i] = i == 5 ? -0.0 : 0.0;
        z2[i] = i == 63 ? -0.0 : 0.0;
    }
    z1[7] = z2[7] = -1.0; /* not all equal: the series is sorted */
    const double q1[1] = {1.0};
    ech_stats_summarize(z1, 64, q1, 1, out1, scratch);
    ech_stats_summarize(z2, 64, q1, 1, out2, scratch);
    assert_memory_equal(out1, out2, sizeof out1);
    assert_false(signbit(out1[2]));
    /* Zeros alone, the -0.0 first or last: the same bits too. */
    z1[7] = z2[7] = 0.0;
    z1[5] = 0.0, z1[0] = -0.0;
    ech_stats_summarize(z1, 64, q1, 1, out1, scratch);
    ech_stats_summarize(z2, 64, q1, 1, out2, scratch);
    assert_memory_equal(out1, out2, sizeof out1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),      cmocka_unit_test(test_single_value),
        cmocka_unit_test(test_constant_series),   cmocka_unit_test(test_nan_makes_everything_nan),
        cmocka_unit_test(test_order_independent), cmocka_unit_test(test_sorts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
