/* PCG32 streams; see include/echelon/rng.h. */
#include "echelon/rng.h"

void ech_pcg32_seed(ech_pcg32 *rng, uint64_t seed, uint64_t stream)
{
    /* The reference library's order: set the increment, step once, add the seed,
     * step again. */
    rng->state = 0u;
    rng->inc = (stream << 1u) | 1u;
    (void)ech_pcg32_next(rng);
    rng->state += seed;
    (void)ech_pcg32_next(rng);
}

double ech_pcg32_uniform53(ech_pcg32 *rng)
{
    uint64_t hi = ech_pcg32_next(rng) >> 5; /* 27 bits */
    uint64_t lo = ech_pcg32_next(rng) >> 6; /* 26 bits */
    return (double)((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}

uint32_t ech_pcg32_bounded(ech_pcg32 *rng, uint32_t bound)
{
    uint64_t m = (uint64_t)ech_pcg32_next(rng) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (uint64_t)ech_pcg32_next(rng) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void ech_pcg32_advance(ech_pcg32 *rng, uint64_t delta)
{
    /* Brown's algorithm: compose the affine map x -> a x + c with itself by squaring,
     * applying the powers that the bits of delta select. */
    uint64_t cur_mult = ECH_PCG32_MULT, cur_plus = rng->inc;
    uint64_t acc_mult = 1u, acc_plus = 0u;
    while (delta > 0) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1u) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1u;
    }
    rng->state = acc_mult * rng->state + acc_plus;
}

uint64_t ech_mix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

uint64_t ech_hash_string(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return ech_mix64(h);
}

void ech_stream_init(ech_pcg32 *rng, uint64_t master_seed, uint32_t purpose, uint64_t sku,
                     uint64_t replication, uint64_t sub)
{
    /* Chain the key parts through the mixer so that every part changes every bit;
     * the state seed and the stream selector come from two different chains. */
    uint64_t h = ech_mix64(master_seed);
    h = ech_mix64(h ^ ((uint64_t)purpose * UINT64_C(0xd6e8feb86659fd93)));
    h = ech_mix64(h ^ sku);
    h = ech_mix64(h ^ replication);
    h = ech_mix64(h ^ sub);
    uint64_t stream = ech_mix64(h ^ UINT64_C(0x5851f42d4c957f2d));
    ech_pcg32_seed(rng, h, stream);
}
