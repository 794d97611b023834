/* The lanes' day kernel (simd/lanes_days.inc) built for any x86-64 (SSE2), 32 lanes (a
 * SKU's replications 32 at a time); CMakeLists.txt gives this file its instruction-set
 * flags. */
#define LANES_WIDTH 32
#define LANES_DAYS_NAME ech_lanes32_days_baseline
#include "lanes_days.inc"
