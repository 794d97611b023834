/* Expediting: the supplier's express mode under a dual-index policy at the central
 * warehouse.  One location, Poisson demand, backorders, a daily review, a regular
 * lead time of 10 days and an express one of 2:
 *  - without an expedite level nothing is expedited and nothing is charged;
 *  - with a level far above need every unit comes express (the regular order finds
 *    the position already up to S): the year ends with lambda x 2 units in transit
 *    (the express lead time, not the regular one), and the express cost is the
 *    premium on every unit plus a whole number of shipments;
 *  - with a level in between, expediting buys fill rate: some units come express,
 *    and fewer customers wait than without it.
 * The engine checks conservation at the end of every replication.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "support_scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
    printf("  expedite level 6: %.1f of %.1f units express; fill rate %.4f -> %.4f\n", x, d,
           fill0, fill1);
    assert_true(x > 0.0 && x < 0.5 * d);
    assert_true(fill1 > fill0 + 0.01);
    free(none);
    free(some);
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never),
        cmocka_unit_test(test_all_express),
        cmocka_unit_test(test_dual_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
