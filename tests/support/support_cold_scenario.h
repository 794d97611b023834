/* A small scenario with cold-chain SKUs and cold rooms, built in code, for the
 * cold-room tests (test_cold_chain.c, test_mpi_cold_chain.c).  Header-only; include
 * it after support_scenario.h.
 *
 * Network: CW -> DC1 -> P1, P2; CW -> DC2 -> P3, P4, P5.  SKUs:
 *   INS   cold, 0.3 l a unit, Poisson demand at P1, P2, P3
 *   VAC   cold, 1.25 l, negative binomial demand at P2, P4 (packs of 5)
 *   AMB   ambient with a volume (2 l), at every pharmacy: takes no cold room
 *   TINY  cold, 0.0004 l (rounds to 0 ml), at P5 only: takes no cold room
 *   FRZ   cold, 0.75 l, intermittent demand at P3 and P4
 * so the cold locations are CW, DC1, DC2, P1, P2, P3, P4 (not P5).  Capacities:
 * DC2 and P2 small enough to be exceeded now and then, CW none declared.
 * n_variants 1..3: the baseline; "lean" (lower service levels); "rich" (days of
 * cover at the pharmacies), so every variant fills the rooms differently. */
#ifndef ECHELON_TEST_SUPPORT_COLD_SCENARIO_H
#define ECHELON_TEST_SUPPORT_COLD_SCENARIO_H

#include "support_scenario.h"

#include "echelon/policy.h"

enum { COLD_N_LOC = 8 };
static const char *const COLD_LOC_ID[COLD_N_LOC] = {"CW", "DC1", "DC2", "P1",
                                                    "P2", "P3",  "P4",  "P5"};
/* The cold locations, in network order. */
enum { COLD_N_ROOMS = 7 };
static const int32_t COLD_ROOMS[COLD_N_ROOMS] = {0, 1, 2, 3, 4, 5, 6};

static inline void cold_case(ech_scenario *sc, int64_t reps, int32_t days, int32_t warmup,
                             int n_variants, uint64_t seed)
{
    ts_init(sc, days, warmup, reps, seed);
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_GAMMA, 5, 2, 1, 20);
    ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    ts_add_location(sc, "DC1", ECH_LOC_DC, "CW", 1);
    ts_add_location(sc, "DC2", ECH_LOC_DC, "CW", 2);
    ts_add_location(sc, "P1", ECH_LOC_RETAIL, "DC1", 1);
    ts_add_location(sc, "P2", ECH_LOC_RETAIL, "DC1", 1);
    ts_add_location(sc, "P3", ECH_LOC_RETAIL, "DC2", 0);
    ts_add_location(sc, "P4", ECH_LOC_RETAIL, "DC2", 1);
    ts_add_location(sc, "P5", ECH_LOC_RETAIL, "DC2", 1);

    static const char *const sku_id[5] = {"INS", "VAC", "AMB", "TINY", "FRZ"};
    static const double volume[5] = {0.3, 1.25, 2.0, 0.0004, 0.75};
    static const uint8_t storage[5] = {ECH_STORAGE_COLD, ECH_STORAGE_COLD, ECH_STORAGE_AMBIENT,
                                       ECH_STORAGE_COLD, ECH_STORAGE_COLD};
    for (int k = 0; k < 5; ++k)
        ts_add_sku(sc, sku_id[k], 10.0 + k, 20.0 + k, k == 1 ? 5 : 1, sup);
    /* Pharmacies stocking each SKU (indices into the network), with mean demand. */
    static const int8_t where[5][4] = {
        {3, 4, 5, -1}, {4, 6, -1, -1}, {3, 4, 5, 6}, {7, -1, -1, -1}, {5, 6, -1, -1}};
    for (int k = 0; k < 5; ++k) {
        for (int j = 0; j < 4 && where[k][j] >= 0; ++j) {
            int32_t loc = where[k][j];
            ech_demand_dist dist = k == 1 ? ECH_DEMAND_NEGBIN : ECH_DEMAND_POISSON;
            double mean = k == 4 ? 0.4 : 1.5 + 1.25 * j;
            ts_add_skuloc(sc, k, loc, dist, mean, 2.0, k == 4 ? 0.5 : 0.0,
                          j % 2 ? ECH_POLICY_S_S : ECH_POLICY_BASE_STOCK, 1 + j % 3, -1, -1);
        }
    }
    sc->rule[ECH_LOC_CW].review_days = 7;
    sc->rule[ECH_LOC_DC].review_days = 2;
    sc->rule[ECH_LOC_CW].service_level = 0.97;

    /* The columns exist (ts_row allocates every declared column): set them. */
    ech_catalogue *cat = &sc->cat;
    for (int k = 0; k < 5; ++k) {
        cat->unit_volume_litres[k] = volume[k];
        cat->storage[k] = storage[k];
    }
    ech_network *net = &sc->net;
    static const double capacity[COLD_N_LOC] = {0, 400, 25, 20, 9, 30, 15, 1};
    for (int i = 0; i < COLD_N_LOC; ++i)
        net->cold_capacity_litres[i] = capacity[i];

    ech_error err;
    ech_error_clear(&err);
    if (ech_scenario_finalize(sc, "cold-test", &err) != ECH_OK) {
        fprintf(stderr, "cold test scenario invalid: %s\n", err.msg);
        abort();
    }
    /* Variants (the baseline exists now): copies of its rules, changed. */
    if (n_variants > 1) {
        sc->variant = realloc(sc->variant, (size_t)n_variants * sizeof *sc->variant);
        for (int v = 1; v < n_variants; ++v) {
            ech_variant *var = &sc->variant[v];
            const ech_variant *base = &sc->variant[0];
            memset(var, 0, sizeof *var);
            var->name = strdup(v == 1 ? "lean" : "rich");
            var->description = strdup("a cold-room test variant");
            var->lead_time_factor = 1.0;
            var->use_alternatives = 1;
            var->allocation = base->allocation;
            memcpy(var->rule, base->rule, sizeof var->rule);
            var->disruption_active = calloc(1, 1);
            if (v == 1) {
                for (int kind = 0; kind < ECH_LOC_KIND_COUNT; ++kind)
                    var->rule[kind].service_level = 0.8;
            } else {
                var->rule[ECH_LOC_RETAIL].target = ECH_TARGET_COVER_DAYS;
                var->rule[ECH_LOC_RETAIL].cover_days = 9;
            }
        }
        sc->n_variants = n_variants;
    }
    if (ech_policy_resolve(sc, &err) != ECH_OK) {
        fprintf(stderr, "cold test scenario invalid: %s\n", err.msg);
        abort();
    }
}

#endif
