/* Supply disruptions: when each supplier site is down, replication by replication.
 *
 * A disruption (scenario.h, ech_disruptions) is either a Markov process — up and
 * down spells alternating day by day, a two-state discrete-time Markov chain that
 * fails with probability 1/MTBF on an up day and recovers with probability 1/MTTR
 * on a down day, started in its stationary distribution so that the long-run share
 * of down days, MTTR / (MTBF + MTTR), holds from day 0 — or a scripted spell over
 * fixed days.  Its scope says which sites it strikes: one site, every site of a
 * supplier or of a region together (a correlated event), or every site with its own
 * independent timeline.
 *
 * A timeline is a function of (seed, the disruption's key, replication, and the
 * site's id hash for each_site) only, never of the rank, thread or SKU asking, so
 * every rank holding a SKU of an affected site derives the same one.
 *
 * Days are simulated-day indices d = t + warmup_days in [0, warmup_days + days).
 */
#ifndef ECHELON_DISRUPTION_H
#define ECHELON_DISRUPTION_H

#include "echelon/scenario.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A spell of reduced supply: simulated days [start, end), during which the site
 * ships `capacity` (in [0, 1)) of what it owes. */
typedef struct ech_outage {
    int32_t start;
    int32_t end;
    double capacity;
} ech_outage;

/* The spells of one disruption in replication `rep`, sorted and disjoint, clipped
 * to the simulated days.  `site` selects the timeline of an each_site disruption and
 * is ignored otherwise.  Writes at most `cap` spells and returns how many there
 * are (a return above cap means out was too small: call again with more room). */
int32_t ech_disruption_timeline(const ech_scenario *sc, int32_t disruption, int32_t site,
                                int64_t rep, ech_outage *out, int32_t cap);

/* Whether disruption `disruption` strikes `site` (by its scope and target). */
int ech_disruption_covers(const ech_scenario *sc, int32_t disruption, int32_t site);

/* Every spell of reduced supply at `site` in replication `rep` under variant `v`:
 * the union of the timelines of the variant's active disruptions that cover the
 * site, as sorted, disjoint spells; where spells overlap, the smallest capacity
 * holds.  Same return convention as ech_disruption_timeline. */
int32_t ech_site_outages(const ech_scenario *sc, const ech_variant *v, int32_t site, int64_t rep,
                         ech_outage *out, int32_t cap);

#ifdef __cplusplus
}
#endif

#endif
