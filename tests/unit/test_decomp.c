/* Decomposition of SKUs over ranks: contiguous, complete, and balanced to within
 * the largest single SKU of the ideal share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/decomp.h"

#include <stdlib.h>

static void check(const int64_t *work, int32_t n, int ranks)
{
    int32_t *first = malloc(((size_t)ranks + 1) * sizeof *first);
    ech_decompose(work, n, ranks, first);
    assert_int_equal(first[0], 0);
    assert_int_equal(first[ranks], n);
    int64_t total = 0, biggest = 0;
    for (int32_t k = 0; k < n; ++k) {
        total += work[k];
        if (work[k] > biggest)
            biggest = work[k];
    }
    for (int r = 0; r < ranks; ++r) {
        assert_true(first[r] <= first[r + 1]);
        int64_t mine = 0;
        for (int32_t k = first[r]; k < first[r + 1]; ++k)
            mine += work[k];
        /* Within one SKU of the ideal share, on both sides (boundaries are placed at
         * the nearest SKU edge to the ideal cumulative share). */
        double ideal = (double)total / ranks;
        assert_true((double)mine <= ideal + (double)biggest);
        assert_true((double)mine >= ideal - (double)biggest);
    }
    free(first);
}

static void test_balanced(void **state)
{
    (void)state;
    enum { N = 5000 };
    int64_t work[N];
    uint64_t s = 99;
    for (int k = 0; k < N; ++k) {
        s = s * 6364136223846793005ULL + 1;
        /* A long tail: most SKUs light, a few heavy. */
        work[k] = 1 + (int64_t)((s >> 40) % 100) * ((s >> 20) % 50 == 0 ? 400 : 1);
    }
    for (int ranks = 1; ranks <= 64; ranks *= 2)
        check(work, N, ranks);
    check(work, N, 3);
    check(work, N, 1000);
}

static void test_more_ranks_than_skus(void **state)
{
    (void)state;
    const int64_t work[3] = {10, 1, 5};
    check(work, 3, 8); /* some ranks get no SKU: they still take part */
    const int64_t none[1] = {0};
    check(none, 0, 4);
}

static void test_one_heavy_sku(void **state)
{
    (void)state;
    const int64_t work[6] = {1, 1, 1000, 1, 1, 1};
    check(work, 6, 2);
    check(work, 6, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_balanced),
        cmocka_unit_test(test_more_ranks_than_skus),
        cmocka_unit_test(test_one_heavy_sku),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
