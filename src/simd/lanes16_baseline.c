/* The lanes' day kernel (simd/lanes_days.inc) built for any x86-64 (SSE2), 16 lanes (a
 * SKU's last 9 to 24 replications); CMakeLists.txt gives this file its instruction-set
 * flags. */
#define LANES_WIDTH 16
#define LANES_DAYS_NAME ech_lanes16_days_baseline
#include "lanes_days.inc"
