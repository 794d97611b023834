/* The scenario's contracts: section: what each supplier offers for a year of its
 * SKUs (scenario.h, ech_contract_terms); see load.h and scenarios/README.md
 * ("Supply contracts"). */
#include "id_index.h"
#include "load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Volumes over a horizon: beyond this a number is a typing error. */
#define MAX_CONTRACT_UNITS 1e12

static ech_status build_tiers(const loadctx *c, const y_contract *y, unsigned i,
                              ech_contract_terms *t)
{
    char key[160];
    /* Below the first tier given (or without tiers) the SKU's unit_cost applies. */
    unsigned n = y->tiers_count;
    int list_below = n == 0;
    if (n > 0) {
        double first;
        ech_status st;
        ech_key_path(key, sizeof key, "contracts[%u].tiers[0].from_units", i);
        if ((st = ech_key_double_range(c, key, y->tiers[0].from_units, 0.0, 0, MAX_CONTRACT_UNITS,
                                       0, "units over the horizon", &first)) != ECH_OK)
            return st;
        list_below = first > 0.0;
    }
    t->n_tiers = (int32_t)n + list_below;
    t->tier_from = ech_xcalloc((size_t)t->n_tiers, sizeof *t->tier_from, "contract tiers");
    t->tier_price = ech_xcalloc((size_t)t->n_tiers, sizeof *t->tier_price, "contract tiers");
    t->tier_discount = ech_xcalloc((size_t)t->n_tiers, sizeof *t->tier_discount, "contract tiers");
    if (list_below)
        t->tier_price[0] = NAN; /* unit_cost x (1 - 0) */
    for (unsigned k = 0; k < n; ++k) {
        const y_tier *yt = &y->tiers[k];
        int32_t to = (int32_t)k + list_below;
        ech_status st;
        ech_key_path(key, sizeof key, "contracts[%u].tiers[%u].from_units", i, k);
        if ((st = ech_key_double_range(c, key, yt->from_units, 0.0, 0, MAX_CONTRACT_UNITS, 0,
                                       "units over the horizon", &t->tier_from[to])) != ECH_OK)
            return st;
        if (to > 0 && !(t->tier_from[to] > t->tier_from[to - 1]))
            return ech_key_fail(c, key,
                                "tiers overlap: from_units must increase from tier to tier (%g "
                                "after %g)",
                                t->tier_from[to], t->tier_from[to - 1]);
        ech_key_path(key, sizeof key, "contracts[%u].tiers[%u]", i, k);
        if ((yt->unit_price != NULL) == (yt->discount != NULL))
            return ech_key_fail(c, key, "give either unit_price or discount (one of them)");
        t->tier_price[to] = NAN;
        if (yt->unit_price) {
            if (!y->sku)
                return ech_key_fail(c, key,
                                    "unit_price applies to one SKU: give the contract's sku, or a "
                                    "discount (a share of each SKU's unit_cost) for the supplier's "
                                    "SKUs");
            ech_key_path(key, sizeof key, "contracts[%u].tiers[%u].unit_price", i, k);
            if ((st = ech_key_double_range(c, key, yt->unit_price, 0.0, 0, ECH_MAX_UNIT_MONEY, 0,
                                           "currency per unit", &t->tier_price[to])) != ECH_OK)
                return st;
        } else {
            ech_key_path(key, sizeof key, "contracts[%u].tiers[%u].discount", i, k);
            if ((st = ech_key_double_range(c, key, yt->discount, -10.0, 0, 1.0, 1,
                                           "a share of unit_cost off (negative: a surcharge)",
                                           &t->tier_discount[to])) != ECH_OK)
                return st;
        }
    }
    return ECH_OK;
}

static ech_status build_terms(const loadctx *c, const y_contract *y, unsigned i,
                              const ech_scenario *sc, const ech_id_map *skus, ech_contract_terms *t)
{
    char key[160];
    ech_status st;
    int v;
    memset(t, 0, sizeof *t);
    t->sku = -1;
    t->committed = NAN;
    t->commitment = ECH_COMMIT_TAKE_OR_PAY;
    t->capacity = INFINITY;
    t->above = ECH_ABOVE_SPOT;
    t->spot_premium = 0.25;
    t->spot_lead_time_days = -1; /* the supplier's mean lead time doubled, below */
    t->unneeded = ECH_UNNEEDED_DELIVER;
    t->schedule = ECH_SCHEDULE_MONTHLY;

    ech_key_path(key, sizeof key, "contracts[%u].supplier", i);
    if ((t->supplier = ech_scenario_find_supplier(sc, y->supplier)) < 0)
        return ech_key_fail(c, key, "no supplier '%s' in suppliers", y->supplier);
    if (y->sku) {
        ech_key_path(key, sizeof key, "contracts[%u].sku", i);
        if ((t->sku = ech_id_map_find(skus, sc->cat.id, y->sku)) < 0)
            return ech_key_fail(c, key, "no SKU '%s' in the catalogue", y->sku);
        if (sc->cat.supplier[t->sku] != t->supplier)
            return ech_key_fail(c, key, "SKU '%s' comes from supplier '%s', not '%s'", y->sku,
                                sc->suppliers.id[sc->cat.supplier[t->sku]], y->supplier);
    }
#define KEY(name) ech_key_path(key, sizeof key, "contracts[%u]." name, i)
    if (y->commitment) {
        KEY("commitment");
        if ((st = ech_key_enum(c, key, y->commitment, &ech_commitment_enum, 0, &v)) != ECH_OK)
            return st;
        t->commitment = (uint8_t)v;
    }
    if (y->shortfall_penalty) {
        KEY("shortfall_penalty");
        if (t->commitment != ECH_COMMIT_PENALTY)
            return ech_key_fail(c, key, "applies to commitment: penalty only");
        if ((st = ech_key_double_range(c, key, y->shortfall_penalty, 0.0, 0, ECH_MAX_UNIT_MONEY, 0,
                                       "currency per unit short", &t->penalty)) != ECH_OK)
            return st;
    } else if (t->commitment == ECH_COMMIT_PENALTY) {
        ech_key_path(key, sizeof key, "contracts[%u]", i);
        return ech_key_missing(c, key, "shortfall_penalty",
                               "commitment: penalty needs shortfall_penalty (currency per unit "
                               "short of the committed minimum)");
    }
    if (y->flex) {
        KEY("flex");
        if ((st = ech_key_double_range(c, key, y->flex, 0.0, 0, 1.0, 1, "a share of the commitment",
                                       &t->flex)) != ECH_OK)
            return st;
    }
    if (y->committed_units) {
        KEY("committed_units");
        if (!y->sku)
            return ech_key_fail(c, key,
                                "a commitment is per SKU: give the contract's sku (supplier-wide "
                                "terms are sized per SKU by echelon contract)");
        if ((st = ech_key_double_range(c, key, y->committed_units, 0.0, 0, MAX_CONTRACT_UNITS, 0,
                                       "units over the horizon", &t->committed)) != ECH_OK)
            return st;
        t->committed = floor(t->committed);
    }
    if (y->capacity_units) {
        KEY("capacity_units");
        if ((st = ech_key_double_range(c, key, y->capacity_units, 0.0, 0, MAX_CONTRACT_UNITS, 0,
                                       "units over the horizon", &t->capacity)) != ECH_OK)
            return st;
        t->capacity = floor(t->capacity);
        double minimum = floor(t->committed * (1.0 - t->flex));
        if (t->committed == t->committed && t->capacity < minimum)
            return ech_key_fail(c, key,
                                "%g units is below the committed minimum (%g = committed_units "
                                "x (1 - flex))",
                                t->capacity, minimum);
    }
    if (y->above_capacity) {
        KEY("above_capacity");
        if ((st = ech_key_enum(c, key, y->above_capacity, &ech_above_contract_enum, 0, &v)) !=
            ECH_OK)
            return st;
        t->above = (uint8_t)v;
    }
    if (y->spot_premium) {
        KEY("spot_premium");
        if ((st = ech_key_double_range(c, key, y->spot_premium, 0.0, 0, 100.0, 0,
                                       "a share of unit_cost", &t->spot_premium)) != ECH_OK)
            return st;
    }
    if (y->spot_lead_time_days) {
        KEY("spot_lead_time_days");
        if ((st = ech_key_int32(c, key, y->spot_lead_time_days, 0, ECH_MAX_LANE_DAYS,
                                &t->spot_lead_time_days)) != ECH_OK)
            return st;
    } else {
        double mean = sc->suppliers.lead_time[t->supplier].mean;
        t->spot_lead_time_days = (int32_t)fmin(lround(2.0 * mean), ECH_MAX_LANE_DAYS);
    }
    if (y->unneeded) {
        KEY("unneeded");
        if ((st = ech_key_enum(c, key, y->unneeded, &ech_unneeded_enum, 0, &v)) != ECH_OK)
            return st;
        t->unneeded = (uint8_t)v;
    }
    if (y->schedule) {
        KEY("schedule");
        if ((st = ech_key_enum(c, key, y->schedule, &ech_schedule_enum, 0, &v)) != ECH_OK)
            return st;
        t->schedule = (uint8_t)v;
    }
#undef KEY
    return build_tiers(c, y, i, t);
}

ech_status ech_build_contracts(const loadctx *c, const y_scenario *y, ech_scenario *sc)
{
    ech_contracts *ct = &sc->contracts;
    if (!y->contracts || y->contracts_count == 0)
        return ECH_OK;
    ct->n = (int32_t)y->contracts_count;
    ct->terms = ech_xcalloc((size_t)ct->n, sizeof *ct->terms, "contract terms");
    ct->of_sku = ech_xmalloc((size_t)(sc->cat.n > 0 ? sc->cat.n : 1) * sizeof *ct->of_sku,
                             "contracts of SKUs");
    int32_t *of_supplier = ech_xmalloc(
        (size_t)(sc->suppliers.n > 0 ? sc->suppliers.n : 1) * sizeof *of_supplier, "contracts");
    for (int32_t k = 0; k < sc->cat.n; ++k)
        ct->of_sku[k] = -1;
    for (int32_t s = 0; s < sc->suppliers.n; ++s)
        of_supplier[s] = -1;
    ech_id_map skus = {0};
    ech_id_map_sync(&skus, sc->cat.id, sc->cat.n);
    ech_status st = ECH_OK;
    for (unsigned i = 0; i < y->contracts_count && st == ECH_OK; ++i) {
        ech_contract_terms *t = &ct->terms[i];
        if ((st = build_terms(c, &y->contracts[i], i, sc, &skus, t)) != ECH_OK)
            break;
        char key[96];
        if (t->sku >= 0) {
            ech_key_path(key, sizeof key, "contracts[%u].sku", i);
            if (ct->of_sku[t->sku] >= 0)
                st = ech_key_fail(c, key, "SKU '%s' has terms already (contracts[%d])",
                                  sc->cat.id[t->sku], (int)ct->of_sku[t->sku]);
            else
                ct->of_sku[t->sku] = (int32_t)i;
        } else {
            ech_key_path(key, sizeof key, "contracts[%u].supplier", i);
            if (of_supplier[t->supplier] >= 0)
                st = ech_key_fail(c, key,
                                  "supplier '%s' has supplier-wide terms already (contracts[%d]); "
                                  "terms for one SKU name it with sku",
                                  sc->suppliers.id[t->supplier], (int)of_supplier[t->supplier]);
            else
                of_supplier[t->supplier] = (int32_t)i;
        }
    }
    /* SKUs without terms of their own take their supplier's. */
    for (int32_t k = 0; st == ECH_OK && k < sc->cat.n; ++k)
        if (ct->of_sku[k] < 0 && sc->cat.supplier[k] >= 0)
            ct->of_sku[k] = of_supplier[sc->cat.supplier[k]];
    free(of_supplier);
    ech_id_map_free(&skus);
    return st;
}
