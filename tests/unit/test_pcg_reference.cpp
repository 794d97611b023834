/* ech_pcg32 against O'Neill's reference C++ implementation (pcg_random.hpp).
 *
 * Results files name their generator "PCG32"; this test is what makes that true:
 * seeding, every output, jumping ahead and jumping back must equal the reference
 * `pcg32` bit for bit.  Plain checks rather than cmocka, because cmocka.h declares
 * its functions without extern "C" on this platform and the test has no need of
 * fixtures.  Exits non-zero on any mismatch. */
#include <pcg_random.hpp>

#include "echelon/rng.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>

static int failures = 0;

#define CHECK(cond, ...)                                                               \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            ++failures;                                                                \
            std::fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,      \
                         #cond);                                                       \
            std::fprintf(stderr, __VA_ARGS__);                                         \
            std::fputc('\n', stderr);                                                  \
        }                                                                              \
    } while (0)

/* Seeds and streams: zero, small, typical, and the extremes, where a sign or shift
 * mistake in (stream << 1) | 1 would show. */
static const uint64_t seeds[] = {0u, 1u, 42u, UINT64_C(0x853c49e6748fea9b),
                                 UINT64_C(0xffffffffffffffff), UINT64_C(0x8000000000000000)};
static const uint64_t streams[] = {0u, 1u, 54u, UINT64_C(0xda3e39cb94b95bdb),
                                   UINT64_C(0x7fffffffffffffff), UINT64_C(0xffffffffffffffff)};

static void test_sequences()
{
    for (uint64_t seed : seeds) {
        for (uint64_t stream : streams) {
            pcg32 ref(seed, stream);
            ech_pcg32 rng;
            ech_pcg32_seed(&rng, seed, stream);
            int bad = 0;
            for (int i = 0; i < 5000 && !bad; ++i) {
                uint32_t want = ref();
                uint32_t got = ech_pcg32_next(&rng);
                if (want != got) {
                    bad = 1;
                    CHECK(want == got,
                          "seed %" PRIx64 " stream %" PRIx64 " draw %d: %08" PRIx32
                          " != %08" PRIx32,
                          seed, stream, i, got, want);
                }
            }
        }
    }
}

/* The published first outputs of pcg32_global's demo (seed 42, stream 54), so that
 * a broken header install could not make both sides agree on something else. */
static void test_known_values()
{
    static const uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                     0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    ech_pcg32 rng;
    ech_pcg32_seed(&rng, 42u, 54u);
    for (int i = 0; i < 6; ++i) {
        uint32_t got = ech_pcg32_next(&rng);
        CHECK(got == want[i], "draw %d: %08" PRIx32 " != %08" PRIx32, i, got, want[i]);
    }
}

static void test_advance()
{
    static const uint64_t deltas[] = {0u, 1u, 2u, 3u, 1000u, 4097u, 123456789u,
                                      UINT64_C(1) << 40, UINT64_C(0x0123456789abcdef),
                                      UINT64_C(0xffffffffffffffff)};
    for (uint64_t seed : seeds) {
        for (uint64_t stream : streams) {
            for (uint64_t delta : deltas) {
                pcg32 ref(seed, stream);
                ech_pcg32 rng;
                ech_pcg32_seed(&rng, seed, stream);
                /* Start from a point inside the stream, not at its beginning. */
                for (int i = 0; i < 7; ++i) {
                    ref();
                    ech_pcg32_next(&rng);
                }
                ref.advance(delta);
                ech_pcg32_advance(&rng, delta);
                for (int i = 0; i < 16; ++i) {
                    uint32_t want = ref(), got = ech_pcg32_next(&rng);
                    if (want != got) {
                        CHECK(want == got, "seed %" PRIx64 " stream %" PRIx64
                              " advance %" PRIu64 " draw %d", seed, stream, delta, i);
                        break;
                    }
                }
            }
        }
    }
}

/* Skip-ahead by n equals n draws, and a jump of -n (mod 2^64) equals the
 * reference's backstep(n) and returns to where the generator was. */
static void test_advance_is_draws_and_back()
{
    static const uint64_t ns[] = {1u, 2u, 17u, 1000u, 65537u};
    for (uint64_t stream : streams) {
        for (uint64_t n : ns) {
            ech_pcg32 stepped, jumped;
            ech_pcg32_seed(&stepped, 12345u, stream);
            jumped = stepped;
            for (uint64_t i = 0; i < n; ++i)
                ech_pcg32_next(&stepped);
            ech_pcg32_advance(&jumped, n);
            CHECK(stepped.state == jumped.state && stepped.inc == jumped.inc,
                  "stream %" PRIx64 " n %" PRIu64 ": advance != n draws", stream, n);

            pcg32 ref(12345u, stream);
            ref.advance(n);
            ref.backstep(n);
            ech_pcg32_advance(&jumped, (uint64_t)0 - n);
            ech_pcg32 start;
            ech_pcg32_seed(&start, 12345u, stream);
            CHECK(jumped.state == start.state, "stream %" PRIx64 " n %" PRIu64
                  ": advance by -n does not return", stream, n);
            for (int i = 0; i < 16; ++i) {
                uint32_t want = ref(), got = ech_pcg32_next(&jumped);
                if (want != got) {
                    CHECK(want == got, "stream %" PRIx64 " backstep %" PRIu64 " draw %d",
                          stream, n, i);
                    break;
                }
            }
        }
    }
}

/* The reference's bounded draw uses a different rejection rule, so only the range
 * and the degenerate bound are compared. */
static void test_bounded_range()
{
    static const uint32_t bounds[] = {1u, 2u, 3u, 7u, 1000u, 0x80000001u, 0xffffffffu};
    ech_pcg32 rng;
    ech_pcg32_seed(&rng, 7u, 3u);
    for (uint32_t bound : bounds) {
        uint32_t max_seen = 0;
        for (int i = 0; i < 20000; ++i) {
            uint32_t x = ech_pcg32_bounded(&rng, bound);
            if (x >= bound) {
                CHECK(x < bound, "bounded(%" PRIu32 ") gave %" PRIu32, bound, x);
                break;
            }
            if (x > max_seen)
                max_seen = x;
        }
        if (bound == 1u)
            CHECK(max_seen == 0u, "bounded(1) gave %" PRIu32, max_seen);
        if (bound >= 2u && bound <= 1000u)
            CHECK(max_seen == bound - 1u, "bounded(%" PRIu32 ") never reached %" PRIu32,
                  bound, bound - 1u);
    }
}

int main()
{
    test_known_values();
    test_sequences();
    test_advance();
    test_advance_is_draws_and_back();
    test_bounded_range();
    if (failures) {
        std::fprintf(stderr, "test_pcg_reference: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("test_pcg_reference: all checks passed\n");
    return 0;
}
