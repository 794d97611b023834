/* Cold-room occupancy: the volume of cold-chain stock each location holds, day by
 * day, summed over every cold-chain SKU on every rank.
 *
 * A SKU's simulation adds its stock's volume to the day's cell of each of its
 * locations; volumes are whole millilitres (int64), so the sums are exact and the
 * same in any order of SKUs, threads and ranks: the reduced occupancy is bitwise
 * reproducible.  A day's occupancy is the stock on hand after the day's receipts
 * (step 2 of the day), the fullest point of a location's day.
 */
#ifndef ECHELON_COLD_CHAIN_H
#define ECHELON_COLD_CHAIN_H

#include "echelon/error.h"
#include "echelon/scenario.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_cold_rooms {
    int32_t n;            /* locations that stock at least one cold-chain SKU */
    int32_t *location;    /* [n]: network index, in network order */
    int32_t *slot;        /* [net.n]: slot of a location, -1 when it has no cold stock */
    int64_t n_reps;       /* replications */
    int32_t n_days;       /* measured days */
    int64_t *ml;          /* [(slot * n_reps + r) * n_days + t]: occupancy, millilitres */
} ech_cold_rooms;

/* Volume of one unit of SKU k in whole millilitres (0 for ambient SKUs: only
 * cold-chain stock occupies the cold room). */
int64_t ech_cold_unit_ml(const ech_scenario *sc, int32_t sku);

/* Adds ml to a cell.  Called from several threads at once: an atomic integer add,
 * exact and order-free. */
static inline void ech_cold_rooms_add(ech_cold_rooms *c, int32_t slot, int64_t rep, int32_t day,
                                      int64_t ml)
{
    int64_t *cell = &c->ml[((int64_t)slot * c->n_reps + rep) * c->n_days + day];
#ifdef _OPENMP
#pragma omp atomic update
#endif
    *cell += ml;
}

#ifdef __cplusplus
}
#endif

#endif
