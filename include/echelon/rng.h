/* Random number streams.
 *
 * The generator is PCG32 (O'Neill's XSH-RR output on a 64-bit LCG state, the
 * `pcg32` of the reference C++ library), bit-for-bit equal to it: a test compiled as
 * C++ checks that.  It is small (16 bytes), fast, and can jump ahead in log time.
 *
 * Reproducibility rests on one rule: a stream is named by what it is for, never by
 * who draws from it.  ech_stream_init derives a stream from (master seed, purpose,
 * global SKU index, replication, and a sub-key such as a location's id hash), so any
 * rank or thread that simulates that SKU-replication draws exactly the same numbers.
 * Purpose ids are part of the file format of results: new purposes get new numbers,
 * existing ones are never renumbered.
 */
#ifndef ECHELON_RNG_H
#define ECHELON_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_pcg32 {
    uint64_t state;
    uint64_t inc; /* always odd: selects one of 2^63 streams */
} ech_pcg32;

/* What a stream is used for. Never renumber: results depend on these values. */
typedef enum ech_stream_purpose {
    ECH_STREAM_DEMAND = 1,             /* daily demand at one SKU-location */
    ECH_STREAM_SUPPLIER_LEAD_TIME = 2, /* lead times of one SKU's supplier orders */
    ECH_STREAM_GENERATOR = 3,          /* the synthetic catalogue and network */
    ECH_STREAM_DISRUPTION = 4,         /* the timeline of one disruption (and site) */
    ECH_STREAM_SUPPLIER_RELIABILITY =
        5,                       /* partial deliveries and cancellations of a SKU's orders */
    ECH_STREAM_SHELF_LIFE = 6,   /* remaining shelf life of a SKU's receipts from the supplier */
    ECH_STREAM_SUBSTITUTION = 7, /* rounding the share of unmet demand that buys a substitute */
    ECH_STREAM_TEST = 99,        /* unit tests only */
} ech_stream_purpose;

#define ECH_PCG32_MULT UINT64_C(6364136223846793005)

/* Seeds exactly as the reference library's pcg32(seed, stream) constructor does. */
void ech_pcg32_seed(ech_pcg32 *rng, uint64_t seed, uint64_t stream);

/* PCG32's output from the state before a step (XSH RR): also the lanes' (engine),
 * which step their streams side by side. */
static inline uint32_t ech_pcg32_output(uint64_t old)
{
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* Next 32 random bits. */
static inline uint32_t ech_pcg32_next(ech_pcg32 *rng)
{
    uint64_t old = rng->state;
    rng->state = old * ECH_PCG32_MULT + rng->inc;
    return ech_pcg32_output(old);
}

/* A uniform double strictly inside (0, 1) from one 32-bit draw: (x + 0.5) / 2^32.
 * Never 0 or 1, so it is safe for log() and inverse CDFs. */
static inline double ech_pcg32_uniform(ech_pcg32 *rng)
{
    return ((double)ech_pcg32_next(rng) + 0.5) * (1.0 / 4294967296.0);
}

/* A uniform double in [0, 1) with 53 random bits (two draws). */
double ech_pcg32_uniform53(ech_pcg32 *rng);

/* An unbiased integer in [0, bound), bound >= 1 (Lemire's multiply-and-reject). */
uint32_t ech_pcg32_bounded(ech_pcg32 *rng, uint32_t bound);

/* Moves the stream `delta` steps ahead (or back, modulo 2^64) in O(log delta):
 * afterwards the generator is where `delta` calls of ech_pcg32_next would leave it. */
void ech_pcg32_advance(ech_pcg32 *rng, uint64_t delta);

/* A 64-bit mix with full avalanche (the SplitMix64 finaliser). */
uint64_t ech_mix64(uint64_t x);

/* A stable 64-bit hash of a string (FNV-1a followed by ech_mix64), used to key
 * streams by a location's id so that adding a location to a network leaves the
 * demand streams of every other location unchanged. */
uint64_t ech_hash_string(const char *s);

/* Initialises the stream for (seed, purpose, sku, replication, sub). */
void ech_stream_init(ech_pcg32 *rng, uint64_t master_seed, uint32_t purpose, uint64_t sku,
                     uint64_t replication, uint64_t sub);

#ifdef __cplusplus
}
#endif

#endif
