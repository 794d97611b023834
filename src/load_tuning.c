/* The scenario's tuning: section: what `echelon tune` aims for and how hard it
 * searches; see load.h and scenarios/README.md ("Tuning targets"). */
#include "load.h"
#include "echelon/cold_chain.h"

#include "echelon/kpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_TUNING_REPLICATIONS = 1000000, MAX_TUNING_EVALUATIONS = 1000000 };

ech_status ech_build_tuning(const loadctx *c, const y_tuning *y, ech_scenario *sc)
{
    ech_tuning *t = &sc->tuning;
    ech_tuning_set_defaults(t);
    free(t->segment_fill_rate);
    t->segment_fill_rate = ech_xmalloc((size_t)sc->n_segments * sizeof *t->segment_fill_rate,
                                       "segment fill-rate targets");
    for (int32_t g = 0; g < sc->n_segments; ++g)
        t->segment_fill_rate[g] = NAN;
    if (!y)
        return ECH_OK;

    ech_status st;
    int v;
    if (y->objective) {
        if ((st = ech_key_enum(c, "tuning.objective", y->objective, &ech_tune_objective_enum, 0,
                               &v)) != ECH_OK)
            return st;
        t->objective = (uint8_t)v;
    }
    /* A fill rate of 1 cannot be promised where demand is random: targets are below. */
    if (y->fill_rate &&
        (st = ech_key_double_range(c, "tuning.fill_rate", y->fill_rate, 0.0, 1, 1.0, 1,
                                   "a fill-rate target", &t->fill_rate)) != ECH_OK)
        return st;
    for (unsigned i = 0; i < y->fill_rate_by_segment_count; ++i) {
        const y_segment_target *e = &y->fill_rate_by_segment[i];
        char key[128];
        ech_key_path(key, sizeof key, "tuning.fill_rate_by_segment[%u].segment", i);
        int32_t g;
        if ((st = ech_key_segment(c, key, e->segment, sc, &g)) != ECH_OK)
            return st;
        if (!isnan(t->segment_fill_rate[g]))
            return ech_key_fail(c, key, "segment '%s' has a target already", e->segment);
        ech_key_path(key, sizeof key, "tuning.fill_rate_by_segment[%u].fill_rate", i);
        if ((st = ech_key_double_range(c, key, e->fill_rate, 0.0, 1, 1.0, 1, "a fill-rate target",
                                       &t->segment_fill_rate[g])) != ECH_OK)
            return st;
    }
    if (y->replications && (st = ech_key_int(c, "tuning.replications", y->replications, 2,
                                             MAX_TUNING_REPLICATIONS, &t->replications)) != ECH_OK)
        return st;
    if (y->max_replications &&
        (st = ech_key_int(c, "tuning.max_replications", y->max_replications, 2,
                          MAX_TUNING_REPLICATIONS, &t->max_replications)) != ECH_OK)
        return st;
    if (!y->max_replications && t->max_replications < t->replications)
        t->max_replications = t->replications;
    if (t->max_replications < t->replications)
        return ech_key_fail(c, "tuning.max_replications",
                            "must be at least tuning.replications (%lld), got %lld",
                            (long long)t->replications, (long long)t->max_replications);
    if (y->significance &&
        (st = ech_key_double_range(c, "tuning.significance", y->significance, 0.0, 0, 10.0, 0,
                                   "standard errors a move must gain", &t->significance)) != ECH_OK)
        return st;
    if (y->tolerance &&
        (st = ech_key_double_range(c, "tuning.tolerance", y->tolerance, 0.0, 0, 1.0, 1,
                                   "a share of the cost", &t->tolerance)) != ECH_OK)
        return st;
    int64_t n;
    if (y->max_evaluations) {
        if ((st = ech_key_int(c, "tuning.max_evaluations", y->max_evaluations, 0,
                              MAX_TUNING_EVALUATIONS, &n)) != ECH_OK)
            return st;
        t->max_evaluations = (int32_t)n;
    }
    if (y->budget && (st = ech_key_double_range(
                          c, "tuning.budget", y->budget, 0.0, 1, ECH_MONEY_LIMIT / 1e3, 0,
                          "the mean inventory value the network may hold", &t->budget)) != ECH_OK)
        return st;
    for (unsigned i = 0; i < y->budget_by_location_count; ++i) {
        const y_location_budget *e = &y->budget_by_location[i];
        char key[128];
        ech_key_path(key, sizeof key, "tuning.budget_by_location[%u].location", i);
        int32_t loc = -1;
        for (int32_t l = 0; l < sc->net.n && loc < 0; ++l)
            if (strcmp(sc->net.id[l], e->location) == 0)
                loc = l;
        if (loc < 0)
            return ech_key_fail(c, key, "no location '%s' in the network", e->location);
        if (!t->location_budget) {
            t->location_budget =
                ech_xmalloc((size_t)sc->net.n * sizeof *t->location_budget, "location budgets");
            for (int32_t l = 0; l < sc->net.n; ++l)
                t->location_budget[l] = NAN;
        }
        if (!isnan(t->location_budget[loc]))
            return ech_key_fail(c, key, "location '%s' has a budget already", e->location);
        ech_key_path(key, sizeof key, "tuning.budget_by_location[%u].budget", i);
        if ((st = ech_key_double_range(c, key, e->budget, 0.0, 1, ECH_MONEY_LIMIT / 1e3, 0,
                                       "the mean inventory value the location may hold",
                                       &t->location_budget[loc])) != ECH_OK)
            return st;
    }
    if (y->cold_room_exceed_share) {
        const char *key = "tuning.cold_room_exceed_share";
        if ((st = ech_key_double_range(c, key, y->cold_room_exceed_share, 0.0, 1, 1.0, 1,
                                       "the share of days a cold room may be over capacity",
                                       &t->cold_exceed_share)) != ECH_OK)
            return st;
        /* A limit needs a cold room to hold to, and one the stock that cannot be
         * tuned away (display minimums) fits in. */
        int any = 0;
        double *floor =
            ech_xcalloc((size_t)(sc->net.n > 0 ? sc->net.n : 1), sizeof *floor, "cold-room floors");
        for (int64_t x = 0; x < sc->sl.n; ++x) {
            int64_t ml = ech_cold_unit_ml(sc, sc->sl.sku[x]);
            int32_t loc = sc->sl.location[x];
            if (ml > 0 && sc->net.cold_capacity_litres[loc] > 0.0) {
                any = 1;
                floor[loc] += 1e-3 * (double)ml * (sc->sl.display_min ? sc->sl.display_min[x] : 0);
            }
        }
        for (int32_t loc = 0; loc < sc->net.n && any; ++loc)
            if (floor[loc] > sc->net.cold_capacity_litres[loc]) {
                double need = floor[loc], cap = sc->net.cold_capacity_litres[loc];
                free(floor);
                return ech_key_fail(c, key,
                                    "cannot be met at '%s': the display minimums of its cold-chain "
                                    "SKUs alone take %.6g litres, more than its cold room's %.6g "
                                    "(cold_capacity_litres)",
                                    sc->net.id[loc], need, cap);
            }
        free(floor);
        if (!any)
            return ech_key_fail(c, key,
                                "no location that stocks cold-chain SKUs declares a cold room "
                                "(network cold_capacity_litres): nothing to hold the limit to");
    }
    return ECH_OK;
}
