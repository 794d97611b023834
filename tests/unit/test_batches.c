/* Batches and FEFO (src/batches.h) on their own: lists sorted by expiry then entry,
 * equal batches merged, taking earliest expiry first with and without a minimum
 * expiry, selling from the front, expiry write-offs, chains, the age sums, and the
 * pool growing while lists stay valid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/batches.h"
#include "echelon/rng.h"

#include <string.h>

enum { NODES = 3 };

typedef struct fixture {
    ech_batch_pool pool;
    ech_batch_stock bs;
    int32_t head[NODES];
    int64_t entry[NODES], expiry[NODES];
} fixture;

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->pool.free = -1;
    f->bs.pool = &f->pool;
    f->bs.head = f->head;
    f->bs.entry_sum = f->entry;
    f->bs.expiry_sum = f->expiry;
    f->bs.stride = 1;
    ech_batches_reset(&f->bs, NODES);
}

/* The (expiry, entry, qty) triples of node i's list, flattened; returns the count. */
static int list_of(const fixture *f, int32_t i, int32_t *out, int max)
{
    int n = 0;
    for (int32_t k = f->head[i]; k >= 0 && n < max; k = f->pool.b[k].next) {
        out[3 * n] = f->pool.b[k].expiry;
        out[3 * n + 1] = f->pool.b[k].entry;
        out[3 * n + 2] = f->pool.b[k].qty;
        ++n;
    }
    return n;
}

/* The sums agree with the list. */
static void check_sums(const fixture *f, int32_t i)
{
    int64_t e = 0, x = 0;
    for (int32_t k = f->head[i]; k >= 0; k = f->pool.b[k].next) {
        e += (int64_t)f->pool.b[k].qty * f->pool.b[k].entry;
        x += (int64_t)f->pool.b[k].qty * f->pool.b[k].expiry;
    }
    assert_int_equal(e, f->entry[i]);
    assert_int_equal(x, f->expiry[i]);
}

static void test_sorted_and_merged(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    ech_batches_add(&f.bs, 0, 5, 30, 2);
    ech_batches_add(&f.bs, 0, 3, 20, 4);
    ech_batches_add(&f.bs, 0, 4, 30, 1);
    ech_batches_add(&f.bs, 0, 2, 20, 4); /* merges with (20, 4) */
    int32_t l[12];
    assert_int_equal(list_of(&f, 0, l, 4), 3);
    const int32_t want[9] = {20, 4, 5, 30, 1, 4, 30, 2, 5};
    assert_memory_equal(l, want, sizeof want);
    assert_int_equal(f.bs.next_expiry, 20);
    assert_int_equal(ech_batches_units(&f.bs, 0), 14);
    check_sums(&f, 0);
    free(f.pool.b);
}

static void test_take_fefo_and_minimum(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    ech_batches_add(&f.bs, 0, 4, 10, 0);
    ech_batches_add(&f.bs, 0, 6, 15, 0);
    ech_batches_add(&f.bs, 0, 5, 25, 0);
    /* Only batches expiring on day 15 or later: 6 from the second, 1 from the third. */
    int32_t chain = -1;
    assert_int_equal(ech_batches_take(&f.bs, 0, 7, 15, &chain), 7);
    assert_int_equal(ech_batch_chain_units(&f.pool, chain), 7);
    int32_t l[12];
    assert_int_equal(list_of(&f, 0, l, 4), 2);
    const int32_t left[6] = {10, 0, 4, 25, 0, 4};
    assert_memory_equal(l, left, sizeof left);
    check_sums(&f, 0);
    /* Usable from day 12 on: the batch expiring on day 10 is not. */
    assert_int_equal(ech_batches_usable(&f.bs, 0, 8, 12), 4);
    /* The chain files into another node in order. */
    ech_batches_put_chain(&f.bs, 1, chain);
    assert_int_equal(list_of(&f, 1, l, 4), 2);
    const int32_t moved[6] = {15, 0, 6, 25, 0, 1};
    assert_memory_equal(l, moved, sizeof moved);
    check_sums(&f, 1);
    /* More than there is: everything. */
    assert_int_equal(ech_batches_take(&f.bs, 0, 100, INT32_MIN, NULL), 8);
    assert_int_equal(f.head[0], -1);
    assert_int_equal(f.entry[0], 0);
    assert_int_equal(f.expiry[0], 0);
    free(f.pool.b);
}

static void test_sell_and_expire(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    ech_batches_add(&f.bs, 2, 3, 5, 0);
    ech_batches_add(&f.bs, 2, 3, 8, 1);
    ech_batches_sell(&f.bs, 2, 2); /* the front batch holds them */
    ech_batches_sell(&f.bs, 2, 2); /* 1 from the front, 1 from the next */
    int32_t l[6];
    assert_int_equal(list_of(&f, 2, l, 2), 1);
    const int32_t left[3] = {8, 1, 2};
    assert_memory_equal(l, left, sizeof left);
    check_sums(&f, 2);
    assert_int_equal(ech_batches_expire(&f.bs, 2, 7), 0);
    assert_int_equal(ech_batches_expire(&f.bs, 2, 8), 2); /* written off on day 8 */
    assert_int_equal(f.head[2], -1);
    free(f.pool.b);
}

/* Many random operations against a plain model of each node's units by (expiry,
 * entry); the pool grows far past its first size on the way. */
static void test_against_a_model(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    enum { DAYS = 64, ENTRIES = 4 };
    static int64_t model[NODES][DAYS][ENTRIES];
    memset(model, 0, sizeof model);
    ech_pcg32 rng;
    ech_stream_init(&rng, 5, ECH_STREAM_TEST, 1, 0, 0);
    for (int step = 0; step < 20000; ++step) {
        int32_t i = (int32_t)ech_pcg32_bounded(&rng, NODES);
        int op = (int)ech_pcg32_bounded(&rng, 3);
        if (op == 0) {
            int32_t e = (int32_t)ech_pcg32_bounded(&rng, DAYS);
            int32_t n = (int32_t)ech_pcg32_bounded(&rng, ENTRIES);
            int32_t q = 1 + (int32_t)ech_pcg32_bounded(&rng, 9);
            ech_batches_add(&f.bs, i, q, e, n);
            model[i][e][n] += q;
        } else {
            int32_t q = 1 + (int32_t)ech_pcg32_bounded(&rng, 20);
            int32_t min_expiry = op == 1 ? INT32_MIN : (int32_t)ech_pcg32_bounded(&rng, DAYS);
            int32_t chain = -1;
            int32_t got = ech_batches_take(&f.bs, i, q, min_expiry, &chain);
            /* The model: earliest (expiry, entry) first among the allowed. */
            int32_t want = 0;
            for (int32_t e = min_expiry < 0 ? 0 : min_expiry; e < DAYS && want < q; ++e)
                for (int32_t n = 0; n < ENTRIES && want < q; ++n) {
                    int64_t m = model[i][e][n] < q - want ? model[i][e][n] : q - want;
                    model[i][e][n] -= m;
                    want += (int32_t)m;
                }
            assert_int_equal(got, want);
            assert_int_equal(ech_batch_chain_units(&f.pool, chain), got);
            /* Back to another node, so units are conserved. */
            int32_t j = (i + 1) % NODES;
            for (int32_t k = chain; k >= 0; k = f.pool.b[k].next)
                model[j][f.pool.b[k].expiry][f.pool.b[k].entry] += f.pool.b[k].qty;
            ech_batches_put_chain(&f.bs, j, chain);
        }
        for (int32_t n = 0; n < NODES; ++n) {
            int64_t units = 0;
            for (int32_t e = 0; e < DAYS; ++e)
                for (int32_t m = 0; m < ENTRIES; ++m)
                    units += model[n][e][m];
            assert_int_equal(ech_batches_units(&f.bs, n), units);
        }
    }
    for (int32_t n = 0; n < NODES; ++n) {
        check_sums(&f, n);
        int32_t last = INT32_MIN;
        for (int32_t k = f.head[n]; k >= 0; k = f.pool.b[k].next) {
            assert_true(f.pool.b[k].expiry >= last);
            assert_true(f.pool.b[k].qty > 0);
            last = f.pool.b[k].expiry;
        }
    }
    assert_true(f.pool.cap > 256);
    free(f.pool.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_and_merged),
        cmocka_unit_test(test_take_fefo_and_minimum),
        cmocka_unit_test(test_sell_and_expire),
        cmocka_unit_test(test_against_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
