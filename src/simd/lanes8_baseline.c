/* The lanes' day kernel (simd/lanes_days.inc) built for any x86-64 (SSE2), 8 lanes (a
 * SKU's last 5 to 8 replications); CMakeLists.txt gives this file its instruction-set
 * flags. */
#define LANES_WIDTH 8
#define LANES_DAYS_NAME ech_lanes8_days_baseline
#include "lanes_days.inc"
