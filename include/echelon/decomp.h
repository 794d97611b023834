/* Decomposition of the catalogue over MPI ranks.
 *
 * SKUs are split into contiguous blocks, one per rank, of roughly equal estimated
 * work (skulocs x simulated days; replications are the same for every SKU).  One
 * array, first_sku[0..n_ranks], gives every rank its loop bounds and, through the
 * skuloc ranges of its SKUs, its offset in the output datasets.  Contiguity keeps
 * each rank's slice of every per-skuloc dataset one hyperslab.
 */
#ifndef ECHELON_DECOMP_H
#define ECHELON_DECOMP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fills first_sku[0..n_ranks]: rank r owns SKUs [first_sku[r], first_sku[r+1]).
 * work[k] >= 0 is SKU k's estimated work.  Each boundary is placed where the
 * cumulative work is closest to r/n_ranks of the total, so no rank's share exceeds
 * the ideal by more than the largest single SKU. */
void ech_decompose(const int64_t *work, int32_t n_sku, int n_ranks, int32_t *first_sku);

#ifdef __cplusplus
}
#endif

#endif
