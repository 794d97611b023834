/* The supplier side of a SKU; see include/echelon/supply.h. */
#include "echelon/supply.h"
#include "echelon/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ech_lead_time_table(ech_dtable *t, ech_arena *arena, const ech_lead_time *lt, double factor)
{
    if (!(factor > 0.0))
        return -1;
    int32_t lo = (int32_t)lround(lt->min_days * factor);
    int32_t hi = (int32_t)lround(lt->max_days * factor);
    switch (lt->dist) {
    case ECH_LT_EMPIRICAL: {
        /* Day k of the observed pmf becomes day round(k x factor). */
        if (!lt->pmf || lt->max_days < lt->min_days)
            return -1;
        int32_t n = hi - lo + 1;
        double *pmf = ech_xcalloc((size_t)n, sizeof *pmf, "scaled lead-time pmf");
        for (int32_t k = lt->min_days; k <= lt->max_days; ++k)
            pmf[lround(k * factor) - lo] += lt->pmf[k - lt->min_days];
        int rc = ech_dtable_from_pmf(t, arena, lo, pmf, n);
        free(pmf);
        return rc;
    }
    case ECH_LT_FIXED:
        return ech_dtable_lead_time(t, arena, ECH_LT_FIXED, lt->mean * factor, 0.0, lo, hi);
    default:
        return ech_dtable_lead_time(t, arena, (ech_lead_time_dist)lt->dist, lt->mean * factor,
                                    lt->sd * factor, lo, hi);
    }
}

static void source_init(ech_supply_source *src, const ech_scenario *sc, int32_t site,
                        const ech_dtable *tables, const ech_reliability *fill)
{
    memset(src, 0, sizeof *src);
    src->site = site;
    src->lead_time = &tables[site];
    ech_reliability own = sc->suppliers.reliability[sc->sites.supplier[site]];
    if (fill) {
        own.partial_prob = fill->partial_prob;
        own.partial_mean = fill->partial_mean;
        own.partial_sd = fill->partial_sd;
    }
    const ech_reliability *r = &own;
    /* Bernoulli thresholds on 32-bit draws: P(u < threshold) = threshold / 2^32. */
    src->cancel_threshold = (uint32_t)fmin(r->cancel_prob * 4294967296.0, 4294967295.0);
    src->partial_threshold = (uint32_t)fmin(r->partial_prob * 4294967296.0, 4294967295.0);
    if (r->partial_prob > 0.0) {
        /* Beta(a, b) with the given mean m and sd s: a + b = m (1 - m) / s^2 - 1. */
        double m = r->partial_mean, s = r->partial_sd;
        double k = m * (1.0 - m) / (s * s) - 1.0;
        src->beta_a = m * k;
        src->beta_b = (1.0 - m) * k;
    }
    src->cancel_shortfall = r->shortfall == ECH_SUPPLY_CANCEL;
}

int ech_supply_init(ech_supply *s, const ech_scenario *sc, int32_t sku, const ech_dtable *tables,
                    int use_alternatives, const ech_reliability *fill)
{
    memset(s, 0, sizeof *s);
    const ech_catalogue *cat = &sc->cat;
    source_init(&s->source[0], sc, cat->site[sku], tables, fill);
    s->n_sources = 1;
    s->alt_rule = cat->alt_rule[sku];
    if (use_alternatives && s->alt_rule != ECH_ALT_NONE && cat->alt_site[sku] >= 0) {
        source_init(&s->source[1], sc, cat->alt_site[sku], tables, fill);
        s->n_sources = 2;
        s->alt_split = cat->alt_split[sku];
    } else {
        s->alt_rule = ECH_ALT_NONE;
    }
    for (int k = 0; k < s->n_sources; ++k)
        if (s->source[k].lead_time->n < 1)
            return -1;
    return 0;
}

void ech_supply_set_spot(ech_supply *s, const ech_dtable *lead)
{
    memset(&s->spot, 0, sizeof s->spot);
    s->spot.site = -1;
    s->spot.lead_time = lead;
    s->has_spot = 1;
}

void ech_supply_set_express(ech_supply *s, const ech_dtable *lead)
{
    memset(&s->express, 0, sizeof s->express);
    s->express.site = -1;
    s->express.lead_time = lead;
    s->has_express = 1;
}

/* A source that always delivers in full (spot, express) at the start of a
 * replication, its lead-time stream number k. */
static void begin_full_source(ech_supply_source *src, const ech_scenario *sc, int32_t sku,
                              int64_t rep, uint64_t k)
{
    src->ordered_today = 0;
    src->owed = 0;
    src->n_spells = 0;
    src->capacity_until = INT32_MIN;
    ech_stream_init(&src->lead_rng, sc->seed, ECH_STREAM_SUPPLIER_LEAD_TIME, (uint64_t)sku,
                    (uint64_t)rep, k);
}

void ech_contract_setup(ech_contract_state *c, const ech_scenario *sc, int32_t sku,
                        double committed, const int32_t *month_end, int32_t n_months,
                        int32_t *due_day, int64_t *due_units)
{
    memset(c, 0, sizeof *c);
    int32_t k = sc->contracts.of_sku ? sc->contracts.of_sku[sku] : -1;
    if (k < 0 || !(committed >= 0.0) || n_months < 1)
        return;
    const ech_contract_terms *t = &sc->contracts.terms[k];
    c->active = 1;
    c->unit_cost = sc->cat.unit_cost[sku];
    double minimum, limit;
    ech_contract_band(committed, t->flex, t->capacity, &minimum, &limit);
    c->minimum = (int64_t)minimum;
    c->limit = (int64_t)limit;
    c->price = ech_contract_tier_price(t, ech_contract_tier(t, committed), c->unit_cost);
    c->spot_premium = t->spot_premium;
    c->penalty = t->penalty;
    c->spot = t->above == ECH_ABOVE_SPOT;
    c->take_or_pay = t->commitment == ECH_COMMIT_TAKE_OR_PAY;
    c->push = c->take_or_pay && t->unneeded == ECH_UNNEEDED_DELIVER && c->minimum > 0;
    c->due_day = due_day;
    c->due_units = due_units;
    /* Equal shares by days: the minimum due by the end of each period. */
    int32_t step = t->schedule == ECH_SCHEDULE_QUARTERLY ? 3 : 1;
    for (int32_t m = step - 1;; m += step) {
        if (m >= n_months - 1)
            m = n_months - 1;
        double elapsed = (double)(month_end[m] - sc->warmup_days + 1);
        int64_t due = m == n_months - 1
                          ? c->minimum
                          : (int64_t)ceil((double)c->minimum * elapsed / (double)sc->days - 1e-9);
        due_day[c->n_due] = month_end[m];
        due_units[c->n_due] = due;
        c->n_due++;
        if (m == n_months - 1)
            break;
    }
}

void ech_supply_begin(ech_supply *s, const ech_scenario *sc, const ech_variant *v, int32_t sku,
                      int64_t rep, ech_arena *arena)
{
    for (int k = 0; k < s->n_sources; ++k) {
        ech_supply_source *src = &s->source[k];
        src->ordered_today = 0;
        src->owed = 0;
        src->next_spell = 0;
        src->capacity_until = INT32_MIN; /* ask the spells on the first day */
        ech_stream_init(&src->lead_rng, sc->seed, ECH_STREAM_SUPPLIER_LEAD_TIME, (uint64_t)sku,
                        (uint64_t)rep, (uint64_t)k);
        ech_stream_init(&src->reliability_rng, sc->seed, ECH_STREAM_SUPPLIER_RELIABILITY,
                        (uint64_t)sku, (uint64_t)rep, (uint64_t)k);
        if (sc->disruptions.n == 0) {
            src->n_spells = 0;
            continue;
        }
        int32_t n = ech_site_outages(sc, v, src->site, rep, src->spells, src->cap_spells);
        if (n > src->cap_spells) {
            /* Grow in the SKU's arena: released with the SKU. */
            src->cap_spells = n + 8;
            src->spells = ech_arena_alloc(arena, (size_t)src->cap_spells * sizeof *src->spells,
                                          "outage spells");
            n = ech_site_outages(sc, v, src->site, rep, src->spells, src->cap_spells);
        }
        src->n_spells = n;
    }
    if (s->has_spot)
        begin_full_source(&s->spot, sc, sku, rep, 2);
    if (s->has_express)
        begin_full_source(&s->express, sc, sku, rep, 3);
    s->contract.bought = 0;
    s->contract.next_due = 0;
}

double ech_supply_capacity_change(ech_supply_source *src, int32_t d)
{
    while (src->next_spell < src->n_spells && src->spells[src->next_spell].end <= d)
        ++src->next_spell;
    if (src->next_spell < src->n_spells && src->spells[src->next_spell].start <= d) {
        src->capacity_now = src->spells[src->next_spell].capacity;
        src->capacity_until = src->spells[src->next_spell].end;
    } else {
        src->capacity_now = 1.0;
        src->capacity_until =
            src->next_spell < src->n_spells ? src->spells[src->next_spell].start : INT32_MAX;
    }
    return src->capacity_now;
}

int32_t ech_supply_order(ech_supply *s, int32_t q, int32_t d)
{
    int32_t alt = 0;
    switch (s->alt_rule) {
    case ECH_ALT_SWITCH:
        if (ech_supply_capacity(&s->source[0], d) < 1.0)
            alt = q;
        break;
    case ECH_ALT_SPLIT: alt = (int32_t)lround(q * s->alt_split); break;
    default: break;
    }
    s->source[0].ordered_today += q - alt;
    if (alt > 0)
        s->source[1].ordered_today += alt;
    return alt;
}

/* The delivered share of a partial shipment: Beta(a, b) from two gamma draws. */
static double delivered_fraction(ech_supply_source *src)
{
    double x = ech_sample_gamma(&src->reliability_rng, src->beta_a, 1.0);
    double y = ech_sample_gamma(&src->reliability_rng, src->beta_b, 1.0);
    return x / (x + y);
}

int32_t ech_supply_ship(ech_supply_source *src, int32_t d, int32_t *lead, ech_supply_day *day)
{
    /* Today's order: cancelled outright, or partly deferred, or due in full. */
    int32_t due_new = 0, deferred = 0;
    if (src->ordered_today > 0) {
        int32_t q = src->ordered_today;
        src->ordered_today = 0;
        if (src->cancel_threshold &&
            ech_pcg32_next(&src->reliability_rng) < src->cancel_threshold) {
            day->cancelled += q;
            q = 0;
        } else if (src->partial_threshold &&
                   ech_pcg32_next(&src->reliability_rng) < src->partial_threshold) {
            int32_t now = (int32_t)floor(q * delivered_fraction(src));
            int32_t rest = q - now;
            if (src->cancel_shortfall)
                day->cancelled += rest;
            else
                deferred = rest; /* owed from tomorrow on */
            q = now;
        }
        due_new = q;
    }

    /* What the site can ship today: everything owed, or its reduced capacity's
     * share; the oldest units go first. */
    int32_t owed_old = src->owed;
    int32_t want = owed_old + due_new;
    int32_t ship = want;
    if (want > 0) {
        double capacity = ech_supply_capacity(src, d);
        if (capacity < 1.0)
            ship = (int32_t)floor(capacity * want);
    }
    int32_t unshipped = want - ship;
    if (src->cancel_shortfall) {
        day->cancelled += unshipped;
        src->owed = 0;
    } else {
        int32_t shipped_old = ship < owed_old ? ship : owed_old;
        int32_t new_unshipped = due_new - (ship - shipped_old);
        day->delayed += deferred + new_unshipped;
        src->owed = unshipped;
    }
    src->owed += deferred;
    if (ship > 0)
        *lead = ech_dtable_sample(src->lead_time, &src->lead_rng);
    return ship;
}
