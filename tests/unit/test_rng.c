/* Stream derivation, uniforms and hashing (include/echelon/rng.h).
 *
 * Bit-exactness against the reference PCG32 is test_pcg_reference.cpp's job; this
 * test covers what echelon builds on top: streams keyed by what they are for, the
 * uniform conversions' ranges, and the hash values that results depend on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "echelon/rng.h"

#include <gsl/gsl_cdf.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N_SIGNATURE = 4 };

typedef struct stream_key {
    uint64_t seed;
    uint32_t purpose;
    uint64_t sku, rep, sub;
} stream_key;

static void signature(const stream_key *k, uint32_t out[N_SIGNATURE], ech_pcg32 *first)
{
    ech_pcg32 rng;
    ech_stream_init(&rng, k->seed, k->purpose, k->sku, k->rep, k->sub);
    if (first)
        *first = rng;
    for (int i = 0; i < N_SIGNATURE; ++i)
        out[i] = ech_pcg32_next(&rng);
}

static void test_same_key_same_stream(void **state)
{
    (void)state;
    ech_pcg32 a, b;
    ech_stream_init(&a, 99u, ECH_STREAM_DEMAND, 123456u, 17u, ech_hash_string("DC-EAST"));
    ech_stream_init(&b, 99u, ECH_STREAM_DEMAND, 123456u, 17u, ech_hash_string("DC-EAST"));
    for (int i = 0; i < 10000; ++i)
        assert_int_equal(ech_pcg32_next(&a), ech_pcg32_next(&b));
}

/* Every key that differs in any one part, including neighbouring values and the
 * swap of two parts, gives a different state, a different increment (so the two
 * sequences are not shifted copies of one LCG orbit) and different first outputs. */
static void test_different_keys_different_streams(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {0u, 1u, 2u, UINT64_MAX};
    static const uint32_t purposes[] = {ECH_STREAM_DEMAND, ECH_STREAM_SUPPLIER_LEAD_TIME,
                                        ECH_STREAM_GENERATOR};
    static const uint64_t small[] = {0u, 1u, 2u, 1000000u};
    enum { N = 4 * 3 * 4 * 4 * 4 };
    stream_key *keys = malloc(N * sizeof *keys);
    uint32_t(*sig)[N_SIGNATURE] = malloc(N * sizeof *sig);
    ech_pcg32 *first = malloc(N * sizeof *first);
    assert_non_null(keys);
    assert_non_null(sig);
    assert_non_null(first);
    int n = 0;
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 3; ++b)
            for (int c = 0; c < 4; ++c)
                for (int d = 0; d < 4; ++d)
                    for (int e = 0; e < 4; ++e)
                        keys[n++] =
                            (stream_key){seeds[a], purposes[b], small[c], small[d], small[e]};
    assert_int_equal(n, N);
    for (int i = 0; i < N; ++i)
        signature(&keys[i], sig[i], &first[i]);
    for (int i = 0; i < N; ++i) {
        for (int j = i + 1; j < N; ++j) {
            if (first[i].state == first[j].state || first[i].inc == first[j].inc ||
                memcmp(sig[i], sig[j], sizeof sig[i]) == 0)
                fail_msg("keys %d and %d give related streams", i, j);
        }
    }
    free(keys);
    free(sig);
    free(first);
}

/* A state whose next output is all ones: with the top five bits (the rotation) zero,
 * bit j of the output is x_{j+27} ^ x_{j+45}, solved from the top down. */
static uint64_t state_for_all_ones(void)
{
    uint64_t x = 0;
    for (int j = 58; j >= 27; --j) {
        uint64_t above = j + 18 <= 63 ? (x >> (j + 18)) & 1u : 0u;
        x |= (1u ^ above) << j;
    }
    return x;
}

static void test_uniform_range(void **state)
{
    (void)state;
    ech_pcg32 rng;
    /* The extremes, forced: state 0 outputs 0, state_for_all_ones() 2^32 - 1. */
    rng.state = 0u;
    rng.inc = 1u;
    double u0 = ech_pcg32_uniform(&rng);
    assert_true(u0 > 0.0);
    assert_true(u0 == 0.5 / 4294967296.0);
    rng.state = state_for_all_ones();
    {
        ech_pcg32 probe = rng;
        assert_int_equal(ech_pcg32_next(&probe), UINT32_MAX);
    }
    double u1 = ech_pcg32_uniform(&rng);
    assert_true(u1 < 1.0);

    /* uniform53 at its extremes: two zero outputs give 0, two all-ones outputs
     * the largest double below 1.  The increment is chosen so that the second
     * state is the all-ones one too (any increment with the right low bit works;
     * bits 0..26 of the state do not reach the output). */
    rng.state = 0u;
    rng.inc = 1u;
    assert_true(ech_pcg32_uniform53(&rng) == 0.0);
    uint64_t s = state_for_all_ones();
    rng.state = s;
    rng.inc = (s - s * ECH_PCG32_MULT) | 1u;
    double top = ech_pcg32_uniform53(&rng);
    assert_true(top == 1.0 - 1.0 / 9007199254740992.0);

    ech_stream_init(&rng, 5u, ECH_STREAM_TEST, 0u, 0u, 0u);
    double lo = 1.0, hi = 0.0, sum = 0.0;
    for (int i = 0; i < 1000000; ++i) {
        double u = ech_pcg32_uniform(&rng);
        double v = ech_pcg32_uniform53(&rng);
        assert_true(u > 0.0 && u < 1.0);
        assert_true(v >= 0.0 && v < 1.0);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += v;
    }
    assert_true(lo < 1e-5 && hi > 1.0 - 1e-5);
    /* Mean of 1e6 uniforms: sd 0.00029. */
    assert_true(sum / 1e6 > 0.5 - 0.0015 && sum / 1e6 < 0.5 + 0.0015);
}

static double chisq_p_uniform(const uint64_t *counts, int bins, double draws)
{
    double expect = draws / bins, stat = 0.0;
    for (int i = 0; i < bins; ++i) {
        double d = (double)counts[i] - expect;
        stat += d * d / expect;
    }
    return gsl_cdf_chisq_Q(stat, bins - 1);
}

/* A goodness-of-fit test of a derived stream: the top byte, the bottom byte and
 * each single bit must look uniform.  At a fixed seed, so the outcome is fixed;
 * the threshold only guards against a gross defect (a stuck bit, a bad mix). */
static void test_output_bits_uniform(void **state)
{
    (void)state;
    enum { DRAWS = 1 << 20 };
    uint64_t top[256] = {0}, bottom[256] = {0}, ones[32] = {0};
    ech_pcg32 rng;
    ech_stream_init(&rng, 2024u, ECH_STREAM_TEST, 31u, 4u, ech_hash_string("X"));
    for (int i = 0; i < DRAWS; ++i) {
        uint32_t x = ech_pcg32_next(&rng);
        ++top[x >> 24];
        ++bottom[x & 0xffu];
        for (int b = 0; b < 32; ++b)
            ones[b] += (x >> b) & 1u;
    }
    double p_top = chisq_p_uniform(top, 256, DRAWS);
    double p_bottom = chisq_p_uniform(bottom, 256, DRAWS);
    print_message("top byte p = %.4f, bottom byte p = %.4f\n", p_top, p_bottom);
    assert_true(p_top > 1e-3);
    assert_true(p_bottom > 1e-3);
    for (int b = 0; b < 32; ++b) {
        /* Each bit is Binomial(DRAWS, 1/2): sd 512; 5 sd is p ~ 6e-7. */
        double z = ((double)ones[b] - DRAWS / 2.0) / 512.0;
        if (z < -5.0 || z > 5.0)
            fail_msg("bit %d set %" PRIu64 " times of %d", b, ones[b], DRAWS);
    }
}

static void test_bounded_uniform(void **state)
{
    (void)state;
    enum { DRAWS = 700000 };
    uint64_t counts[7] = {0};
    ech_pcg32 rng;
    ech_stream_init(&rng, 1u, ECH_STREAM_TEST, 2u, 3u, 4u);
    for (int i = 0; i < DRAWS; ++i) {
        uint32_t x = ech_pcg32_bounded(&rng, 7u);
        assert_true(x < 7u);
        ++counts[x];
    }
    assert_true(chisq_p_uniform(counts, 7, DRAWS) > 1e-3);
    for (int i = 0; i < 100; ++i)
        assert_int_equal(ech_pcg32_bounded(&rng, 1u), 0u);
}

static void test_advance_equals_draws(void **state)
{
    (void)state;
    ech_pcg32 a, b;
    ech_stream_init(&a, 3u, ECH_STREAM_DEMAND, 9u, 0u, 0u);
    b = a;
    for (int i = 0; i < 12345; ++i)
        (void)ech_pcg32_next(&a);
    ech_pcg32_advance(&b, 12345u);
    assert_true(a.state == b.state && a.inc == b.inc);
    ech_pcg32_advance(&b, 0u);
    assert_true(a.state == b.state);
}

/* Pinned values.  A different hash or derivation would change every stream and so
 * every result; if one of these fails on purpose, results files change meaning and
 * the format version must change with it. */
static void test_pinned_values(void **state)
{
    (void)state;
    /* Known answers of the parts: SplitMix64's finaliser of 0 and the FNV-1a
     * offset basis (the hash of "") and FNV-1a("a") = 0xaf63dc4c8601ec8c. */
    assert_true(ech_mix64(0u) == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(ech_hash_string("") == ech_mix64(UINT64_C(0xcbf29ce484222325)));
    assert_true(ech_hash_string("a") == ech_mix64(UINT64_C(0xaf63dc4c8601ec8c)));
    /* And the values themselves, computed once. */
    assert_true(ech_hash_string("") == UINT64_C(0xc3817c016ba4ff30));
    assert_true(ech_hash_string("a") == UINT64_C(0x5f29c2aadd9b8527));
    assert_true(ech_hash_string("DC-EAST") == UINT64_C(0x8bd8ddd222b3aca4));
    assert_true(ech_hash_string("store-0001") == UINT64_C(0x4045dd3c1fd4c356));

    ech_pcg32 rng;
    ech_stream_init(&rng, 20240601u, ECH_STREAM_DEMAND, 12345u, 7u, ech_hash_string("DC-EAST"));
    assert_true(rng.state == UINT64_C(0x6988738e94ac0dce));
    assert_true(rng.inc == UINT64_C(0x86c630bafb0c8e07));
    static const uint32_t want[4] = {0xec898869u, 0xb7cd08cau, 0xdf9eeb54u, 0xab61fb56u};
    for (int i = 0; i < 4; ++i)
        assert_int_equal(ech_pcg32_next(&rng), want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_key_same_stream),
        cmocka_unit_test(test_different_keys_different_streams),
        cmocka_unit_test(test_uniform_range),
        cmocka_unit_test(test_output_bits_uniform),
        cmocka_unit_test(test_bounded_uniform),
        cmocka_unit_test(test_advance_equals_draws),
        cmocka_unit_test(test_pinned_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
