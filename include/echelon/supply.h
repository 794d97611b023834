/* The supplier side of a SKU: where the central warehouse's orders go and how they
 * come back.
 *
 * A SKU is made at one site of its supplier and, for generics, may have an
 * alternative source (another site) used while the primary is down or for a fixed
 * share of every order.  Each source ships what it owes day by day:
 *   - an order may be cancelled outright (probability cancel_prob);
 *   - a shipment may be partial (probability partial_prob): the delivered fraction
 *     is beta-distributed; the rest stays owed (shortfall backorder, shipped from
 *     the next day on) or is cancelled (shortfall cancel);
 *   - while the site is disrupted it ships only `capacity` of what it owes each day
 *     (none when the capacity is 0); the rest stays owed or is cancelled, as above;
 *   - every shipment draws its own lead time from the site's lead-time table
 *     (scaled by the variant's lead_time_factor), so shipments can overtake.
 * The disruption spells come from disruption.h and depend only on (seed,
 * disruption, site, replication), so every SKU of a site sees the same outages.
 *
 * Random streams: reliability draws (purpose ECH_STREAM_SUPPLIER_RELIABILITY) and
 * lead times (ECH_STREAM_SUPPLIER_LEAD_TIME) per (SKU, replication, source), the
 * primary's keyed exactly as before sources existed, so a scenario without
 * alternative sources and unreliability gives the same numbers as before.
 */
#ifndef ECHELON_SUPPLY_H
#define ECHELON_SUPPLY_H

#include "echelon/arena.h"
#include "echelon/disruption.h"
#include "echelon/rng.h"
#include "echelon/sample.h"
#include "echelon/scenario.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Builds the discrete lead-time table of a lane with its mean and spread (or its
 * empirical days) multiplied by `factor`; 0 on success, -1 if unusable. */
int ech_lead_time_table(ech_dtable *t, ech_arena *arena, const ech_lead_time *lt, double factor);

/* What the sources did in a day, summed over sources: for the root's counters. */
typedef struct ech_supply_day {
    int32_t cancelled; /* units the supplier cancelled (orders and shortfalls) */
    int32_t delayed;   /* units not shipped on the day they were due (now owed) */
} ech_supply_day;

typedef struct ech_supply_source {
    int32_t site; /* -1: source not in use */
    const ech_dtable *lead_time;
    uint32_t cancel_threshold;  /* a 32-bit draw below it cancels the order */
    uint32_t partial_threshold; /* a 32-bit draw below it makes the shipment partial */
    double beta_a, beta_b;      /* delivered fraction of a partial shipment */
    uint8_t cancel_shortfall;   /* shortfall rule: 1 cancel, 0 backorder */

    /* Per replication. */
    ech_outage *spells;
    int32_t n_spells, cap_spells, next_spell;
    int32_t capacity_until; /* capacity_now holds for days before this one */
    double capacity_now;
    int32_t ordered_today; /* units ordered today, not yet processed */
    int32_t owed;          /* units owed from earlier days */
    ech_pcg32 lead_rng, reliability_rng;
} ech_supply_source;

/* A SKU's supply contract in force (scenario.h, ech_contract_terms) and how far the
 * replication has drawn on it.  Only measured days count: the warm-up buys at
 * unit_cost without limits. */
typedef struct ech_contract_state {
    int active;
    int64_t minimum; /* committed x (1 - flex): due on schedule, or paid for */
    int64_t limit;   /* what the contract sells: min(committed x (1 + flex), capacity) */
    double price;    /* the unit price of the tier the commitment buys */
    double unit_cost;
    double spot_premium; /* share of unit_cost */
    double penalty;      /* per unit short (commitment penalty) */
    uint8_t spot;        /* beyond the limit: 1 spot, 0 refused */
    uint8_t push;        /* the minimum is delivered on schedule (take-or-pay, deliver) */
    uint8_t take_or_pay;
    /* The schedule: on simulated day due_day[k] the minimum due by then is
     * due_units[k] (the last is the whole minimum); arrays owned by the caller. */
    int32_t n_due;
    int32_t *due_day;
    int64_t *due_units;

    /* Per replication. */
    int64_t bought; /* units bought under the contract (pushed ones included) */
    int32_t next_due;
} ech_contract_state;

typedef struct ech_supply {
    int n_sources;    /* 1, or 2 with an alternative source */
    uint8_t alt_rule; /* ech_alt_rule */
    double alt_split;
    ech_supply_source source[2]; /* 0 primary, 1 alternative */
    /* Spot purchases beyond a contract: a source that always delivers in full after
     * the contract's spot lead time (has_spot: 0 without a contract that allows them). */
    int has_spot;
    ech_supply_source spot;
    /* The supplier's express mode (scenario.h, ech_express): likewise in full after
     * its fixed lead time. */
    int has_express;
    ech_supply_source express;
    ech_contract_state contract;
} ech_supply;

/* Sets up a SKU's supply for one variant: sources, their lead-time tables (from
 * `tables`, one per site of the variant, built by the caller with
 * ech_lead_time_table) and reliability; the alternative source only when
 * use_alternatives (a variant can switch them off); `fill`, when not NULL, replaces
 * every supplier's partial deliveries (a variant's supplier_fill).  Returns 0, or -1
 * if a table is unusable. */
int ech_supply_init(ech_supply *s, const ech_scenario *sc, int32_t sku, const ech_dtable *tables,
                    int use_alternatives, const ech_reliability *fill);

/* Start of a replication: fresh streams, nothing owed, the sites' outage spells
 * under variant v (arrays grown in the arena as needed). */
void ech_supply_begin(ech_supply *s, const ech_scenario *sc, const ech_variant *v, int32_t sku,
                      int64_t rep, ech_arena *arena);

/* The share of normal supply a source delivers on simulated day d: 1 when up.
 * Days must be asked in increasing order within a replication.  Asked every day,
 * so the answer is cached until the next change of spell. */
double ech_supply_capacity_change(ech_supply_source *src, int32_t d);

static inline double ech_supply_capacity(ech_supply_source *src, int32_t d)
{
    return d < src->capacity_until ? src->capacity_now : ech_supply_capacity_change(src, d);
}

/* The warehouse orders q units on day d: split between the sources by the SKU's
 * rule (while the primary is down, switch to the alternative).  Returns the units
 * ordered from the alternative source. */
int32_t ech_supply_order(ech_supply *s, int32_t q, int32_t d);

/* Step 4 at a source on day d: processes today's order (cancellation, partial
 * delivery) and ships what the day's capacity allows of what is owed.  Returns the
 * units shipped and sets *lead to their lead time (only when > 0); adds the day's
 * cancelled and delayed units to *day. */
int32_t ech_supply_ship(ech_supply_source *src, int32_t d, int32_t *lead, ech_supply_day *day);

/* Units the sources owe the warehouse (today's orders included). */
static inline int32_t ech_supply_owed(const ech_supply *s)
{
    int32_t owed = 0;
    for (int k = 0; k < s->n_sources; ++k)
        owed += s->source[k].ordered_today + s->source[k].owed;
    if (s->has_spot)
        owed += s->spot.ordered_today + s->spot.owed;
    if (s->has_express)
        owed += s->express.ordered_today + s->express.owed;
    return owed;
}

/* Sets up the spot source of a SKU whose contract allows spot purchases, with its
 * fixed lead-time table `lead` (built by the caller; the stream of source 2). */
void ech_supply_set_spot(ech_supply *s, const ech_dtable *lead);
/* The same for the supplier's express mode (the stream of source 3). */
void ech_supply_set_express(ech_supply *s, const ech_dtable *lead);

/* Puts a commitment of `committed` units (NaN: none) in force for SKU `sku` under
 * its terms: the minimum, the limit, the tier price and the schedule, whose due
 * days are the last measured simulated day of each month (month_end[0..n_months),
 * increasing) or of each quarter of them.  due_day and due_units must hold
 * n_months entries.  Without terms or commitment the contract is inactive. */
void ech_contract_setup(ech_contract_state *c, const ech_scenario *sc, int32_t sku,
                        double committed, const int32_t *month_end, int32_t n_months,
                        int32_t *due_day, int64_t *due_units);

/* The warehouse orders q units on a measured day: the units the contract still
 * sells are bought under it (the return value); *beyond gets the rest, bought spot
 * or refused as the terms say. */
static inline int32_t ech_contract_take(ech_contract_state *c, int32_t q, int32_t *beyond)
{
    int64_t room = c->limit - c->bought;
    int32_t under = room <= 0 ? 0 : (room < q ? (int32_t)room : q);
    c->bought += under;
    *beyond = q - under;
    return under;
}

#ifdef __cplusplus
}
#endif

#endif
