/* Expediting: the supplier's express mode under a dual-index policy at the central
 * warehouse.  One location, Poisson demand, backorders, a daily review, a regular
 * lead time of 10 days and an express one of 2:
 *  - without an expedite level nothing is expedited and nothing is charged;
 *  - with a level far above need every unit comes express (the regular order finds
 *    the position already up to S): the year ends with lambda x 2 units in transit
 *    (the express lead time, not the regular one), and the express cost is the
 *    premium on every unit plus a whole number of shipments;
 *  - with a level in between, expediting buys fill rate: some units come express,
 *    and fewer customers wait than without it;
 *  - `tune` chooses the base-stock level and the expedite level together: on fresh
 *    replications their cost is within the noise of the best pair of an exhaustive
 *    search over a grid of both.
 * The engine checks conservation at the end of every replication.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "echelon/tune.h"
#include "support_scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REPS = 400 };
static const double LAMBDA = 2.0, PREMIUM = 0.5, SHIPMENT = 5.0, UNIT_COST = 10.0;

static void one_location(ech_scenario *sc, int32_t S)
{
    ts_init(sc, 365, 60, REPS, 9);
    sc->unmet_demand = ECH_UNMET_BACKORDER;
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, 10, 0, 10, 10);
    int32_t loc = ts_add_location(sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(sc, "A", UNIT_COST, 15.0, 1, sup);
    ts_add_skuloc(sc, sku, loc, ECH_DEMAND_POISSON, LAMBDA, 1, 0, ECH_POLICY_BASE_STOCK, 1, S, -1);
    ts_finish(sc);
    sc->suppliers.express = malloc(sizeof *sc->suppliers.express);
    sc->suppliers.express[0] = (ech_express){2, PREMIUM, SHIPMENT};
}

/* Root KPIs [k * REPS + r] at expedite level `level` (-1: none). */
static double *simulate(const ech_scenario *sc, int32_t level)
{
    ech_engine *e = ech_engine_new(sc);
    double *kpi = malloc((size_t)ECH_KPI_COUNT * REPS * sizeof *kpi);
    ech_eval_request req = {.sku = 0, .rep_end = REPS, .expedite_level = &level};
    ech_eval_out out = {.kpi = kpi, .rep_stride = REPS};
    ech_error err;
    ech_error_clear(&err);
    if (ech_engine_evaluate(e, &req, &out, &err) != ECH_OK)
        fail_msg("evaluation failed: %s", err.msg);
    ech_engine_free(e);
    return kpi;
}

static double mean(const double *kpi, int k)
{
    double s = 0.0;
    for (int r = 0; r < REPS; ++r)
        s += kpi[(int64_t)k * REPS + r];
    return s / REPS;
}

static void test_never(void **state)
{
    (void)state;
    ech_scenario sc;
    one_location(&sc, 26);
    double *kpi = simulate(&sc, -1);
    printf("  no expediting: fill rate %.4f, in transit at the end %.2f\n",
           mean(kpi, ECH_KPI_FILL_RATE), mean(kpi, ECH_KPI_END_IN_TRANSIT));
    assert_true(mean(kpi, ECH_KPI_EXPEDITED_UNITS) == 0.0);
    assert_true(mean(kpi, ECH_KPI_EXPEDITE_COST) == 0.0);
    free(kpi);
    ech_scenario_free(&sc);
}

static void test_all_express(void **state)
{
    (void)state;
    ech_scenario sc;
    one_location(&sc, 26);
    double *kpi = simulate(&sc, 100000);
    double transit = mean(kpi, ECH_KPI_END_IN_TRANSIT);
    double expedited = mean(kpi, ECH_KPI_EXPEDITED_UNITS);
    double demand = mean(kpi, ECH_KPI_DEMAND);
    printf("  everything express: %.1f expedited of %.1f demanded, regular orders %.1f, in "
           "transit at the end %.2f (lambda x express lead %.1f)\n",
           expedited, demand, mean(kpi, ECH_KPI_ORDERED), transit, LAMBDA * 2.0);
    assert_true(mean(kpi, ECH_KPI_ORDERED) == 0.0);
    assert_true(fabs(transit - LAMBDA * 2.0) < 4.0 * sqrt(LAMBDA * 2.0 / REPS));
    for (int r = 0; r < REPS; ++r) {
        double units = kpi[(int64_t)ECH_KPI_EXPEDITED_UNITS * REPS + r];
        double cost = kpi[(int64_t)ECH_KPI_EXPEDITE_COST * REPS + r];
        double shipments = (cost - units * PREMIUM * UNIT_COST) / SHIPMENT;
        assert_true(fabs(shipments - round(shipments)) < 1e-6);
        assert_true(shipments >= 1.0 && shipments <= 365.0 + 60.0);
        assert_true(kpi[(int64_t)ECH_KPI_PURCHASED_UNITS * REPS + r] == units);
    }
    free(kpi);
    ech_scenario_free(&sc);
}

/* A level between: part of the units come express, and the fill rate rises. */
static void test_dual_index(void **state)
{
    (void)state;
    ech_scenario sc;
    one_location(&sc, 20); /* short of the 22 a 10-day lead time and a day's review need */
    double *none = simulate(&sc, -1);
    double *some = simulate(&sc, 6);
    double fill0 = mean(none, ECH_KPI_FILL_RATE), fill1 = mean(some, ECH_KPI_FILL_RATE);
    double x = mean(some, ECH_KPI_EXPEDITED_UNITS), d = mean(some, ECH_KPI_DEMAND);
    printf("  expedite level 6: %.1f of %.1f units express; fill rate %.4f -> %.4f\n", x, d, fill0,
           fill1);
    assert_true(x > 0.0 && x < 0.5 * d);
    assert_true(fill1 > fill0 + 0.01);
    free(none);
    free(some);
    ech_scenario_free(&sc);
}

/* The mean cost per day of (S, Se) on replications [0, reps) of stream set 2, and
 * each replication's in `per_rep`. */
static double cost_of(ech_engine *e, int32_t S, int32_t Se, int64_t reps, double *kpi,
                      double *per_rep)
{
    ech_eval_request req = {
        .sku = 0, .rep_end = reps, .stream_set = 2, .order_up_to = &S, .expedite_level = &Se};
    ech_eval_out out = {.kpi = kpi, .rep_stride = reps};
    ech_error err;
    ech_error_clear(&err);
    if (ech_engine_evaluate(e, &req, &out, &err) != ECH_OK)
        fail_msg("evaluation failed: %s", err.msg);
    double sum = 0.0;
    for (int64_t r = 0; r < reps; ++r) {
        per_rep[r] = kpi[(int64_t)ECH_KPI_TOTAL_COST * reps + r] / 365.0;
        sum += per_rep[r];
    }
    return sum / (double)reps;
}

static void test_tune_against_exhaustive(void **state)
{
    (void)state;
    ech_scenario sc;
    ts_init(&sc, 365, 40, 64, 21);
    sc.unmet_demand = ECH_UNMET_BACKORDER;
    sc.costs.holding_rate_per_year = 1.0; /* unit cost 365: 1 a unit-day */
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 8, 0, 8, 8);
    int32_t loc = ts_add_location(&sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(&sc, "A", 365.0, 374.0, 1, sup);
    ts_add_skuloc(&sc, sku, loc, ECH_DEMAND_POISSON, 1.5, 1, 0, ECH_POLICY_BASE_STOCK, 1, 10, -1);
    ts_finish(&sc);
    sc.costs.backorder_cost_per_day = 12.0 / sc.cat.unit_price[0];
    sc.suppliers.express = malloc(sizeof *sc.suppliers.express);
    sc.suppliers.express[0] = (ech_express){1, 0.004, 1.0}; /* 1.46 a unit, 1 a shipment */

    /* The exhaustive search: every (S, Se) of the grid on the same replications. */
    enum { R = 256 };
    ech_engine *e = ech_engine_new(&sc);
    double *kpi = malloc((size_t)ECH_KPI_COUNT * R * sizeof *kpi);
    double *best_rep = malloc(R * sizeof(double)), *rep = malloc(R * sizeof(double));
    double best = INFINITY;
    int32_t best_S = -1, best_Se = -2;
    for (int32_t S = 4; S <= 26; ++S)
        for (int32_t Se = -1; Se <= 8; ++Se) {
            double c = cost_of(e, S, Se, R, kpi, rep);
            if (c < best) {
                best = c;
                best_S = S;
                best_Se = Se;
                memcpy(best_rep, rep, R * sizeof(double));
            }
        }
    /* The tuning, from the scenario's S = 10 and no expediting, on stream set 1. */
    ech_tune_settings set;
    ech_tune_settings_default(&set);
    set.objective = ECH_TUNE_COST;
    set.stream_set = 1;
    set.reps_start = 64;
    set.reps_max = 512;
    int32_t S = 10, s = 9, Se = -1;
    ech_tune_sku t = {.sku = 0, .order_up_to = &S, .reorder_point = &s, .expedite_level = &Se};
    ech_error err;
    ech_error_clear(&err);
    if (ech_tune_sku_search(e, &set, &t, &err) != ECH_OK)
        fail_msg("tuning failed: %s", err.msg);
    double tuned = cost_of(e, S, Se, R, kpi, rep);
    double sd = 0.0, sd2 = 0.0;
    for (int r = 0; r < R; ++r) {
        sd += rep[r] - best_rep[r];
        sd2 += (rep[r] - best_rep[r]) * (rep[r] - best_rep[r]);
    }
    double md = sd / R, se = sqrt(fmax(0.0, (sd2 - R * md * md) / (R - 1.0)) / R);
    double no_expedite = cost_of(e, best_S, -1, R, kpi, rep);
    printf("  exhaustive: S %d, expedite level %d, %.4f a day (%.4f without expediting); tuned: "
           "S %d, level %d, %.4f (+%.4f +- %.4f), %d evaluations\n",
           best_S, best_Se, best, no_expedite, S, Se, tuned, md, se, t.evaluations);
    assert_true(best_Se >= 0); /* expediting pays in this case */
    assert_true(Se >= 0);      /* and the tuning found it */
    assert_true(md <= 2.0 * se + 0.005 * best);
    free(kpi);
    free(best_rep);
    free(rep);
    ech_engine_free(e);
    ech_scenario_free(&sc);
}

/* A lane between locations: a well-stocked warehouse and a pharmacy 6 days away by
 * the regular lane, 1 day by its express mode.  With a level far above need every
 * unit the pharmacy gets comes express (the year ends with lambda x 1 in transit to
 * it, not lambda x 6), the warehouse ships it first, and the pharmacy pays the
 * premium on every unit plus whole shipments; a level between raises its fill rate. */
static void lane(int batched)
{
    ech_scenario sc;
    ts_init(&sc, 365, 60, REPS, 13);
    sc.unmet_demand = ECH_UNMET_LOST;
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 3, 0, 3, 3);
    int32_t cw = ts_add_location(&sc, "CW", ECH_LOC_CW, NULL, 0);
    int32_t ph = ts_add_location(&sc, "PH", ECH_LOC_RETAIL, "CW", 6);
    int32_t sku = ts_add_sku(&sc, "A", UNIT_COST, 15.0, 1, sup);
    ts_add_skuloc(&sc, sku, cw, ECH_DEMAND_NONE, 0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 60, -1);
    ts_add_skuloc(&sc, sku, ph, ECH_DEMAND_POISSON, LAMBDA, 1, 0, ECH_POLICY_BASE_STOCK, 1, 12, -1);
    if (batched) { /* batches: express shipments carry theirs (checked every replication) */
        sc.cat.shelf_life_days[sku] = 200;
        ts_expiry_on(&sc, 0.9, 20);
    }
    ts_finish(&sc);
    sc.net.express_lead_time_days[ph] = 1;
    sc.net.express_premium[ph] = 0.1;
    sc.net.express_shipment_cost[ph] = 3.0;
    ech_engine *e = ech_engine_new(&sc);
    double *kpi = malloc((size_t)2 * ECH_KPI_COUNT * REPS * sizeof *kpi);
    double fill[2];
    /* With batches a level far above need would have the pharmacy hold (and write
     * off) a year's stock: a level near need there. */
    int32_t levels[2][2] = {{-1, -1}, {-1, batched ? 10 : 100000}};
    for (int c = 0; c < 2; ++c) {
        ech_eval_request req = {.sku = 0, .rep_end = REPS, .expedite_level = levels[c]};
        ech_eval_out out = {.kpi = kpi, .rep_stride = REPS};
        ech_error err;
        ech_error_clear(&err);
        if (ech_engine_evaluate(e, &req, &out, &err) != ECH_OK)
            fail_msg("evaluation failed: %s", err.msg);
#define PH(k, r) kpi[((int64_t)ECH_KPI_COUNT + (k)) * REPS + (r)]
        double transit = 0.0, expedited = 0.0, demand = 0.0;
        fill[c] = 0.0;
        for (int r = 0; r < REPS; ++r) {
            transit += PH(ECH_KPI_END_IN_TRANSIT, r) / REPS;
            expedited += PH(ECH_KPI_EXPEDITED_UNITS, r) / REPS;
            demand += PH(ECH_KPI_DEMAND, r) / REPS;
            fill[c] += PH(ECH_KPI_FILL_RATE, r) / REPS;
            if (c == 1 && !batched) {
                double units = PH(ECH_KPI_EXPEDITED_UNITS, r), cost = PH(ECH_KPI_EXPEDITE_COST, r);
                double shipments = (cost - units * 0.1 * UNIT_COST) / 3.0;
                assert_true(fabs(shipments - round(shipments)) < 1e-6 && shipments >= 1.0);
                assert_true(PH(ECH_KPI_ORDERED, r) == 0.0); /* no regular order at all */
            }
        }
        printf(
            "  lane%s %s: in transit to the pharmacy at the end %.2f, %.1f of %.1f units express, "
            "fill rate %.4f\n",
            batched ? " (batches)" : "",
            c ? (batched ? "level 10" : "all express") : "regular only", transit, expedited, demand,
            fill[c]);
        if (c == 1 && batched) {
            assert_true(expedited > 0.0 && expedited < demand);
        } else if (c == 1) {
            assert_true(fabs(transit - LAMBDA) < 4.0 * sqrt(LAMBDA / REPS));
            assert_true(expedited > 0.95 * demand);
        } else {
            assert_true(expedited == 0.0);
            assert_true(transit >
                        3.0 * LAMBDA); /* six days of sales (lost sales: less than demand) */
        }
#undef PH
    }
    assert_true(fill[1] > fill[0]);
    free(kpi);
    ech_engine_free(e);
    ech_scenario_free(&sc);
}

static void test_lane(void **state)
{
    (void)state;
    lane(0);
    lane(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never),      cmocka_unit_test(test_all_express),
        cmocka_unit_test(test_dual_index), cmocka_unit_test(test_tune_against_exhaustive),
        cmocka_unit_test(test_lane),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
