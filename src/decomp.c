/* Work-balanced contiguous decomposition; see include/echelon/decomp.h. */
#include "echelon/decomp.h"

void ech_decompose(const int64_t *work, int32_t n_sku, int n_ranks, int32_t *first_sku)
{
    int64_t total = 0;
    for (int32_t k = 0; k < n_sku; ++k)
        total += work[k];
    first_sku[0] = 0;
    int32_t k = 0;
    int64_t prefix = 0; /* work of SKUs [0, k) */
    for (int r = 1; r < n_ranks; ++r) {
        /* Target boundary r/n of the total, in exact integer arithmetic. */
        __int128 target_num = (__int128)total * r; /* compare prefix * n_ranks with it */
        while (k < n_sku && (__int128)(prefix + work[k]) * n_ranks <= target_num) {
            prefix += work[k];
            ++k;
        }
        /* Take SKU k too if that lands closer to the target. */
        if (k < n_sku) {
            __int128 below = target_num - (__int128)prefix * n_ranks;
            __int128 above = (__int128)(prefix + work[k]) * n_ranks - target_num;
            if (above < below) {
                prefix += work[k];
                ++k;
            }
        }
        first_sku[r] = k;
    }
    first_sku[n_ranks] = n_sku;
}
