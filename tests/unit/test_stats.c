/* Statistics across replications: mean, sample sd, type-7 quantiles (as NumPy's
 * default), NaN propagation, and independence from the input order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/stats.h"

#include <math.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),      cmocka_unit_test(test_single_value),
        cmocka_unit_test(test_constant_series),   cmocka_unit_test(test_nan_makes_everything_nan),
        cmocka_unit_test(test_order_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
