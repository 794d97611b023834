/* The lanes' day kernel (simd/lanes_days.inc) built for any x86-64 (SSE2); CMakeLists.txt
 * gives this file its instruction-set flags. */
#define LANES_DAYS_NAME ech_lanes_days_baseline
#include "lanes_days.inc"
