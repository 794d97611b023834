/* The demand tables of a demand point: one sampling table (sample.h) per calendar
 * period of the horizon, made from the demand model's mean for that period
 * (demand_model.h); periods with the same mean share one table.
 *
 * The periods' calendar is worked out once per builder, identical means are found
 * by hashing (linear in the number of periods), and a demand point's table headers
 * sit in one arena block followed by their thresholds and guides.
 */
#ifndef ECHELON_DEMAND_TABLES_H
#define ECHELON_DEMAND_TABLES_H

#include "echelon/arena.h"
#include "echelon/sample.h"
#include "echelon/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ech_demand_tables ech_demand_tables;

/* A builder for the periods whose first scenario days are period_day[0..n-1].  One
 * per thread: it holds scratch. */
ech_demand_tables *ech_demand_tables_new(const ech_scenario *sc, const int32_t *period_day,
                                         int32_t n_periods);
void ech_demand_tables_free(ech_demand_tables *b);

/* Builds the tables of demand point x (Poisson or negative binomial demand) in the
 * arena and returns each period's table, [q] for period q, in the builder's own
 * array (valid until its next build); the period means go to mean[q] when mean is
 * not NULL.  Returns NULL when a table cannot be built (then *bad_mean is the mean
 * that failed). */
const ech_dtable *const *ech_demand_tables_build(ech_demand_tables *b, ech_arena *arena, int64_t x,
                                                 double *mean, double *bad_mean);

#ifdef __cplusplus
}
#endif

#endif
