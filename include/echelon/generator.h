/* Deterministic synthetic networks and catalogues.
 *
 * A scenario can ask for a generated network (a central warehouse, regional DCs and
 * pharmacies) and a generated catalogue shaped like a pharmacy chain's: a long tail
 * of slow and intermittent movers, a few fast movers, cold-chain and controlled
 * items, generics and unique drugs, and a sparse assortment (fast movers stocked
 * almost everywhere, slow movers at a few pharmacies).  The same parameters give the
 * same result on every machine, rank and thread count: all draws come from PCG
 * streams keyed by the generator seed (purpose ECH_STREAM_GENERATOR).
 */
#ifndef ECHELON_GENERATOR_H
#define ECHELON_GENERATOR_H

#include "echelon/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ech_network_gen and ech_catalogue_gen (the parameters) are declared in scenario.h:
 * they are part of what a scenario says. */

/* Defaults used for keys a scenario leaves out. */
ech_network_gen ech_network_gen_defaults(void);
ech_catalogue_gen ech_catalogue_gen_defaults(void);

/* Fills sc->net, cold-room capacities by location kind included.  The scenario's
 * other tables are untouched. */
ech_status ech_generate_network(const ech_network_gen *g, ech_scenario *sc, ech_error *err);

/* Fills sc->cat, sc->segment and the assortment rows of sc->sl.  A SKU is made at
 * one of its supplier's sites (sc->sites, when the scenario has them); a share of
 * the generics get an alternative source at another supplier's site, preferably in
 * another region, used while the primary is down (ech_alt_rule switch).  Every SKU
 * gets a unit volume (cold-chain units 0.02-0.5 litres, ambient ones 0.01-0.5), the
 * scenario's receipt lives (NaN) and the scenario's reserve share (cw_reserved_units
 * -1).  Assortment rows: demand at leaves, policy fields -1 so the location kind's
 * rule applies, a display minimum of 1-3 units on a display_share of them.  Needs
 * sc->net (finalised or not), sc->suppliers (at least one) and sc->seasons already
 * set: SKUs are spread over the suppliers and the season profiles. */
ech_status ech_generate_catalogue(const ech_catalogue_gen *g, ech_scenario *sc, ech_error *err);

#ifdef __cplusplus
}
#endif

#endif
