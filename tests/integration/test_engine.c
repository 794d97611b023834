/* The engine on small cases worked out by hand: the order of events in a day,
 * lead times, lost sales and backorders, allocation rules, cycles, conservation and
 * the independence of a SKU-replication's result from how work is split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "support_scenario.h"

#include <math.h>

/* KPI k of node i (local index) in replication r of an output buffer. */
#define KPI(buf, i, k, r, stride) ((buf)[((int64_t)(i)*ECH_KPI_COUNT + (k)) * (stride) + (r)])

static double *run_all(const ech_scenario *sc, int32_t sku, int64_t reps, int64_t *totals)
{
    int64_t nodes = sc->sl.sku_begin[sku + 1] - sc->sl.sku_begin[sku];
    double *out = calloc((size_t)(nodes * ECH_KPI_COUNT * reps), sizeof *out);
    ech_engine *e = ech_engine_new(sc);
    ech_error err;
    ech_error_clear(&err);
    ech_status st = ech_engine_run_sku(e, sku, 0, 0, reps, out, reps, totals, &err);
    if (st != ECH_OK)
        fprintf(stderr, "engine: %s\n", err.msg);
    assert_int_equal(st, ECH_OK);
    ech_engine_free(e);
    return out;
}

/* Single stage, S = 5, daily review, supplier lead time 2, lost sales, a replayed
 * demand: every day's stock is worked out in the comment. */
static void test_single_stage_by_hand(void **state)
{
    (void)state;
    ech_scenario sc;
    ts_init(&sc, 8, 0, 1, 1);
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 2, 0, 2, 2);
    int32_t loc = ts_add_location(&sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(&sc, "A", 2.0, 3.0, 1, sup);
    ts_add_skuloc(&sc, sku, loc, ECH_DEMAND_POISSON, 1.0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 5, -1);
    sc.costs.holding_rate_per_year = 0.365; /* 0.001 per unit-day at cost 1 */
    sc.costs.supplier_order_cost = 10;
    ts_finish(&sc);
    static const int32_t demand[8] = {3, 0, 2, 7, 1, 0, 4, 2};
    ts_set_replay(&sc, 0, demand);
    /* day: receive, order (IP -> q, arrives), demand, end on hand
     * 0: -, IP 5 -> 0, d3, oh 2        1: -, IP 2 -> 3 (day 3), d0, oh 2
     * 2: -, IP 5 -> 0, d2, oh 0        3: +3, IP 3 -> 2 (day 5), d7 lost 4, oh 0
     * 4: -, IP 2 -> 3 (day 6), d1 lost 1, oh 0
     * 5: +2, IP 5 -> 0, d0, oh 2       6: +3, IP 5 -> 0, d4, oh 1
     * 7: -, IP 1 -> 4 (day 9), d2 lost 1, oh 0 */
    int64_t totals[ECH_TOTAL_COUNT] = {0};
    double *v = run_all(&sc, sku, 1, totals);
    assert_float_equal(KPI(v, 0, ECH_KPI_DEMAND, 0, 1), 19, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_SOLD, 0, 1), 13, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_LOST, 0, 1), 6, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_FILL_RATE, 0, 1), 13.0 / 19.0, 1e-15);
    assert_float_equal(KPI(v, 0, ECH_KPI_MEAN_ON_HAND, 0, 1), 7.0 / 8.0, 1e-15);
    assert_float_equal(KPI(v, 0, ECH_KPI_MEAN_ON_HAND_VALUE, 0, 1), 2.0 * 7.0 / 8.0, 1e-15);
    assert_float_equal(KPI(v, 0, ECH_KPI_ORDERS, 0, 1), 4, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_ORDERED, 0, 1), 12, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_RECEIVED, 0, 1), 8, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_END_ON_HAND, 0, 1), 0, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_END_IN_TRANSIT, 0, 1), 4, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_STOCKOUT_DAYS, 0, 1), 4, 0);
    /* Daily cycles: shortages on days 3, 4 and 7 -> 5 of 8 cycles clean. */
    assert_float_equal(KPI(v, 0, ECH_KPI_CYCLE_SERVICE_LEVEL, 0, 1), 5.0 / 8.0, 1e-15);
    /* Costs: holding 0.001 x cost 2 x 7 unit-days; 4 orders x 10; lost margin 6 x 1. */
    assert_float_equal(KPI(v, 0, ECH_KPI_HOLDING_COST, 0, 1), 0.014, 1e-12);
    assert_float_equal(KPI(v, 0, ECH_KPI_ORDERING_COST, 0, 1), 40, 1e-12);
    assert_float_equal(KPI(v, 0, ECH_KPI_SHORTAGE_COST, 0, 1), 6, 1e-12);
    assert_int_equal(totals[ECH_TOTAL_DEMAND], 19);
    assert_int_equal(totals[ECH_TOTAL_FILLED], 13);
    assert_int_equal(totals[ECH_TOTAL_ON_HAND_UNIT_DAYS], 7);
    assert_int_equal(totals[ECH_TOTAL_TOTAL_COST], ech_money_to_fixed(0.014) + 400000 + 60000);
    free(v);
    ech_scenario_free(&sc);
}

/* With lead time 0 an order arrives before the day's demand. */
static void test_zero_lead_time_arrives_before_demand(void **state)
{
    (void)state;
    ech_scenario sc;
    ts_init(&sc, 3, 0, 1, 1);
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 0, 0, 0, 0);
    int32_t loc = ts_add_location(&sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(&sc, "A", 1, 2, 1, sup);
    ts_add_skuloc(&sc, sku, loc, ECH_DEMAND_POISSON, 1, 1, 0, ECH_POLICY_BASE_STOCK, 1, 3, -1);
    ts_finish(&sc);
    static const int32_t demand[3] = {3, 3, 3};
    ts_set_replay(&sc, 0, demand);
    double *v = run_all(&sc, sku, 1, NULL);
    assert_float_equal(KPI(v, 0, ECH_KPI_LOST, 0, 1), 0, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_FILL_RATE, 0, 1), 1, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_MEAN_ON_HAND, 0, 1), 0, 0);
    free(v);
    ech_scenario_free(&sc);
}

/* Backorders wait and are served first; the position counts them. */
static void test_backorders(void **state)
{
    (void)state;
    ech_scenario sc;
    ts_init(&sc, 5, 0, 1, 1);
    sc.unmet_demand = ECH_UNMET_BACKORDER;
    sc.costs.backorder_cost_per_day = 0.5;
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 1, 0, 1, 1);
    int32_t loc = ts_add_location(&sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(&sc, "A", 1, 2, 1, sup);
    ts_add_skuloc(&sc, sku, loc, ECH_DEMAND_POISSON, 1, 1, 0, ECH_POLICY_BASE_STOCK, 1, 2, -1);
    ts_finish(&sc);
    /* 0: IP 2 -> 0, d5: served 2, backlog 3, oh 0
     * 1: IP -3 -> 5 (day 2), d0, backlog 3
     * 2: +5 -> oh 5, IP 2 -> 0, backlog served 3 then d1 -> oh 1
     * 3: IP 1 -> 1 (day 4), d0, oh 1      4: +1 oh 2, IP 2 -> 0, d0, oh 2 */
    static const int32_t demand[5] = {5, 0, 1, 0, 0};
    ts_set_replay(&sc, 0, demand);
    double *v = run_all(&sc, sku, 1, NULL);
    assert_float_equal(KPI(v, 0, ECH_KPI_DEMAND, 0, 1), 6, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_BACKORDERED, 0, 1), 3, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_LOST, 0, 1), 0, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_SOLD, 0, 1), 6, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_FILL_RATE, 0, 1), 3.0 / 6.0, 1e-15);
    assert_float_equal(KPI(v, 0, ECH_KPI_ORDERED, 0, 1), 6, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_END_ON_HAND, 0, 1), 2, 0);
    /* Backlog 3 at the end of days 0 and 1: 6 unit-days x 0.5 x price 2. */
    assert_float_equal(KPI(v, 0, ECH_KPI_SHORTAGE_COST, 0, 1), 6.0, 1e-12);
    free(v);
    ech_scenario_free(&sc);
}

/* A warehouse with 5 units and three pharmacies that each order 4 on day 0. */
static void build_allocation_case(ech_scenario *sc, ech_allocation_rule rule,
                                  ech_internal_shortfall shortfall)
{
    ts_init(sc, 2, 0, 1, 1);
    sc->allocation = (uint8_t)rule;
    sc->internal_shortfall = (uint8_t)shortfall;
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, 3, 0, 3, 3);
    int32_t cw = ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    const char *ids[3] = {"P1", "P2", "P3"};
    const char *names[3] = {"Charlie", "Alpha", "Bravo"};
    const int32_t prio[3] = {1, 3, 2};
    int32_t locs[3];
    for (int k = 0; k < 3; ++k) {
        locs[k] = ts_add_location(sc, ids[k], ECH_LOC_RETAIL, "CW", 1);
        free(sc->net.name[locs[k]]);
        sc->net.name[locs[k]] = strdup(names[k]);
        sc->net.priority[locs[k]] = prio[k];
    }
    int32_t sku = ts_add_sku(sc, "A", 1, 2, 1, sup);
    int64_t row =
        ts_add_skuloc(sc, sku, cw, ECH_DEMAND_NONE, 0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 5, -1);
    sc->sl.start_on_hand[row] = 5;
    for (int k = 0; k < 3; ++k) {
        row = ts_add_skuloc(sc, sku, locs[k], ECH_DEMAND_POISSON, 1, 1, 0, ECH_POLICY_BASE_STOCK, 1,
                            4, -1);
        sc->sl.start_on_hand[row] = 0;
    }
    ts_finish(sc);
    static const int32_t zeros[2] = {0, 0};
    for (int k = 1; k <= 3; ++k)
        ts_set_replay(sc, k, zeros);
}

static void check_allocation(ech_allocation_rule rule, ech_internal_shortfall shortfall,
                             const int expect[3], double cw_demand, double cw_lost,
                             double cw_backordered)
{
    ech_scenario sc;
    build_allocation_case(&sc, rule, shortfall);
    double *v = run_all(&sc, 0, 1, NULL);
    for (int k = 0; k < 3; ++k)
        assert_float_equal(KPI(v, 1 + k, ECH_KPI_RECEIVED, 0, 1), expect[k], 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_SHIPPED, 0, 1), 5, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_DEMAND, 0, 1), cw_demand, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_FILL_RATE, 0, 1), 5.0 / cw_demand, 1e-15);
    assert_float_equal(KPI(v, 0, ECH_KPI_LOST, 0, 1), cw_lost, 0);
    assert_float_equal(KPI(v, 0, ECH_KPI_BACKORDERED, 0, 1), cw_backordered, 0);
    free(v);
    ech_scenario_free(&sc);
}

static void test_allocation_rules(void **state)
{
    (void)state;
    /* Alphabetical: Alpha (P2) 4, Bravo (P3) 1, Charlie (P1) 0. */
    check_allocation(ECH_ALLOC_ALPHABETICAL, ECH_SHORTFALL_BACKORDER, (int[]){0, 4, 1}, 12, 0, 7);
    /* Priority 1 (P1) 4, 2 (P3) 1, 3 (P2) 0. */
    check_allocation(ECH_ALLOC_PRIORITY, ECH_SHORTFALL_BACKORDER, (int[]){4, 0, 1}, 12, 0, 7);
    /* Fair share: 5 x 4/12 = 1 each and 2 left, equal remainders, day 0's turn
     * order starts with the first child: P1 2, P2 2, P3 1. */
    check_allocation(ECH_ALLOC_FAIR_SHARE, ECH_SHORTFALL_BACKORDER, (int[]){2, 2, 1}, 12, 0, 7);
    /* Cut: the 7 units not shipped on day 0 are cancelled, so the pharmacies order
     * them again on day 1, when the warehouse is empty and cuts them again. */
    check_allocation(ECH_ALLOC_ALPHABETICAL, ECH_SHORTFALL_CUT, (int[]){0, 4, 1}, 19, 14, 0);
}

/* A three-level network with random lead times, negative binomial demand and a
 * snapshot start: the engine's own conservation check must pass in every mode,
 * and results must not depend on how the replications are split into blocks. */
static void build_random_case(ech_scenario *sc, ech_unmet_demand unmet, ech_internal_shortfall sf,
                              ech_allocation_rule rule)
{
    ts_init(sc, 60, 20, 12, 42);
    sc->unmet_demand = (uint8_t)unmet;
    sc->internal_shortfall = (uint8_t)sf;
    sc->allocation = (uint8_t)rule;
    sc->weekly[5] = 1.5;
    sc->weekly[6] = 0.2;
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_GAMMA, 6, 3, 1, 30);
    ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    ts_add_location(sc, "DC1", ECH_LOC_DC, "CW", 2);
    ts_add_location(sc, "DC2", ECH_LOC_DC, "CW", 0);
    const char *ph[5] = {"P1", "P2", "P3", "P4", "P5"};
    const char *dc[5] = {"DC1", "DC1", "DC2", "DC2", "DC2"};
    for (int k = 0; k < 5; ++k)
        ts_add_location(sc, ph[k], ECH_LOC_RETAIL, dc[k], k % 3);
    for (int s = 0; s < 3; ++s) {
        int32_t sku = ts_add_sku(sc, s == 0 ? "A" : s == 1 ? "B" : "C", 3, 5, s == 2 ? 6 : 1, sup);
        for (int k = 0; k < 5; ++k) {
            if (s == 1 && k == 2)
                continue; /* sparse assortment */
            int32_t loc = ech_scenario_find_location(sc, ph[k]) >= 0 ? 3 + k : -1;
            ts_add_skuloc(sc, sku, loc, s == 0 ? ECH_DEMAND_POISSON : ECH_DEMAND_NEGBIN,
                          0.5 + 2.0 * k, 2.5, s == 2 ? 0.4 : 0.0,
                          k % 2 ? ECH_POLICY_S_S : ECH_POLICY_BASE_STOCK, 1 + k % 3, -1, -1);
        }
    }
    sc->rule[ECH_LOC_CW].service_level = 0.9;
    sc->rule[ECH_LOC_DC].service_level = 0.8;
    sc->rule[ECH_LOC_DC].review_days = 2;
    ts_finish(sc);
    /* Snapshot: some skulocs start below target with open orders in transit. */
    sc->sl.start_on_hand[0] = 3;
    sc->sl.start_on_hand[2] = 0;
    sc->open_orders.n = 2;
    sc->open_orders.skuloc = malloc(2 * sizeof(int64_t));
    sc->open_orders.arrival_day = malloc(2 * sizeof(int32_t));
    sc->open_orders.quantity = malloc(2 * sizeof(int32_t));
    sc->open_orders.skuloc[0] = 0;
    sc->open_orders.arrival_day[0] = -15;
    sc->open_orders.quantity[0] = 40;
    sc->open_orders.skuloc[1] = 2;
    sc->open_orders.arrival_day[1] = 50; /* beyond any pipe's reach */
    sc->open_orders.quantity[1] = 7;
}

static void test_conservation_and_blocks(void **state)
{
    (void)state;
    for (int mode = 0; mode < 6; ++mode) {
        ech_scenario sc;
        build_random_case(&sc, mode & 1 ? ECH_UNMET_BACKORDER : ECH_UNMET_LOST,
                          mode & 2 ? ECH_SHORTFALL_CUT : ECH_SHORTFALL_BACKORDER,
                          (ech_allocation_rule)(mode % 3));
        for (int32_t sku = 0; sku < sc.cat.n; ++sku) {
            int64_t reps = sc.replications;
            int64_t *t_all = calloc((size_t)(reps * ECH_TOTAL_COUNT), sizeof *t_all);
            double *all = run_all(&sc, sku, reps, t_all);
            /* The same replications in two blocks, with another engine. */
            int64_t nodes = sc.sl.sku_begin[sku + 1] - sc.sl.sku_begin[sku];
            double *split = calloc((size_t)(nodes * ECH_KPI_COUNT * reps), sizeof *split);
            int64_t *t_split = calloc((size_t)(reps * ECH_TOTAL_COUNT), sizeof *t_split);
            ech_engine *e = ech_engine_new(&sc);
            ech_error err;
            assert_int_equal(ech_engine_run_sku(e, sku, 0, 0, 5, split, reps, t_split, &err),
                             ECH_OK);
            assert_int_equal(ech_engine_run_sku(e, sku, 0, 5, reps, split + 5, reps,
                                                t_split + 5 * ECH_TOTAL_COUNT, &err),
                             ECH_OK);
            ech_engine_free(e);
            assert_memory_equal(all, split, (size_t)(nodes * ECH_KPI_COUNT * reps) * sizeof *all);
            assert_memory_equal(t_all, t_split, (size_t)(reps * ECH_TOTAL_COUNT) * sizeof *t_all);
            /* Conservation, read back from the KPIs, and some activity. */
            double sold = 0;
            for (int64_t i = 0; i < nodes; ++i) {
                for (int64_t r = 0; r < reps; ++r) {
                    double in = KPI(all, i, ECH_KPI_START_ON_HAND, r, reps) +
                                KPI(all, i, ECH_KPI_RECEIVED, r, reps);
                    double out = KPI(all, i, ECH_KPI_SOLD, r, reps) +
                                 KPI(all, i, ECH_KPI_SHIPPED, r, reps) +
                                 KPI(all, i, ECH_KPI_END_ON_HAND, r, reps);
                    assert_float_equal(in, out, 0);
                    sold += KPI(all, i, ECH_KPI_SOLD, r, reps);
                }
            }
            assert_true(sold > 0);
            /* Replications differ from each other. */
            assert_true(KPI(all, nodes - 1, ECH_KPI_DEMAND, 0, reps) !=
                            KPI(all, nodes - 1, ECH_KPI_DEMAND, 1, reps) ||
                        KPI(all, nodes - 1, ECH_KPI_DEMAND, 1, reps) !=
                            KPI(all, nodes - 1, ECH_KPI_DEMAND, 2, reps));
            free(all);
            free(split);
            free(t_all);
            free(t_split);
        }
        ech_scenario_free(&sc);
    }
}

/* Adding a location to the network leaves other locations' demand draws alone:
 * demand streams are keyed by location id, not position. */
static void test_streams_keyed_by_location(void **state)
{
    (void)state;
    ech_scenario a, b;
    for (int v = 0; v < 2; ++v) {
        ech_scenario *sc = v ? &b : &a;
        ts_init(sc, 30, 0, 3, 7);
        int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, 2, 0, 2, 2);
        ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
        if (v)
            ts_add_location(sc, "EXTRA", ECH_LOC_RETAIL, "CW", 1);
        int32_t p = ts_add_location(sc, "P", ECH_LOC_RETAIL, "CW", 1);
        int32_t sku = ts_add_sku(sc, "A", 1, 2, 1, sup);
        if (v)
            ts_add_skuloc(sc, sku, 1, ECH_DEMAND_POISSON, 3, 1, 0, ECH_POLICY_BASE_STOCK, 1, -1,
                          -1);
        ts_add_skuloc(sc, sku, p, ECH_DEMAND_POISSON, 2, 1, 0, ECH_POLICY_BASE_STOCK, 1, -1, -1);
        ts_finish(sc);
    }
    double *va = run_all(&a, 0, 3, NULL);
    double *vb = run_all(&b, 0, 3, NULL);
    int64_t ia =
        ech_scenario_find_skuloc(&a, 0, ech_scenario_find_location(&a, "P")) - a.sl.sku_begin[0];
    int64_t ib =
        ech_scenario_find_skuloc(&b, 0, ech_scenario_find_location(&b, "P")) - b.sl.sku_begin[0];
    for (int r = 0; r < 3; ++r)
        assert_float_equal(KPI(va, ia, ECH_KPI_DEMAND, r, 3), KPI(vb, ib, ECH_KPI_DEMAND, r, 3), 0);
    free(va);
    free(vb);
    ech_scenario_free(&a);
    ech_scenario_free(&b);
}

/* Each location reviews on the days t with t = its review offset mod its review
 * period, whether the periods' least common multiple is shorter than the horizon
 * (periods 2 and 3) or longer (5, 7, 11 and 13): with a unit of demand every day
 * and base stock, every review orders once. */
static void check_review_days(const int32_t *review, int n_ph, int32_t days, int32_t warmup)
{
    ech_scenario sc;
    ts_init(&sc, days, warmup, 1, 3);
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 1, 0, 1, 1);
    int32_t cw = ts_add_location(&sc, "CW", ECH_LOC_CW, NULL, 0);
    int32_t sku = ts_add_sku(&sc, "A", 1, 2, 1, sup);
    ts_add_skuloc(&sc, sku, cw, ECH_DEMAND_NONE, 0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 1000, -1);
    int32_t loc[8];
    const char *name[8] = {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"};
    for (int k = 0; k < n_ph; ++k) {
        loc[k] = ts_add_location(&sc, name[k], ECH_LOC_RETAIL, "CW", 1);
        sc.net.review_offset[loc[k]] = 3 * k + 1;
        ts_add_skuloc(&sc, sku, loc[k], ECH_DEMAND_POISSON, 1, 1, 0, ECH_POLICY_BASE_STOCK,
                      review[k], 10, -1);
    }
    ts_finish(&sc);
    int32_t *ones = malloc((size_t)(days + warmup) * sizeof *ones);
    for (int32_t d = 0; d < days + warmup; ++d)
        ones[d] = 1;
    for (int k = 0; k < n_ph; ++k)
        ts_set_replay(&sc, ech_scenario_find_skuloc(&sc, sku, loc[k]), ones);
    double *v = run_all(&sc, sku, 1, NULL);
    for (int k = 0; k < n_ph; ++k) {
        int32_t expected = 0;
        for (int32_t t = 0; t < days; ++t)
            expected +=
                ((t - sc.net.review_offset[loc[k]]) % review[k] + review[k]) % review[k] == 0;
        int64_t i = ech_scenario_find_skuloc(&sc, sku, loc[k]) - sc.sl.sku_begin[sku];
        assert_float_equal(KPI(v, i, ECH_KPI_ORDERS, 0, 1), expected, 0);
    }
    free(v);
    free(ones);
    ech_scenario_free(&sc);
}

static void test_reviews_follow_calendar(void **state)
{
    (void)state;
    check_review_days((const int32_t[]){2, 3, 3, 2}, 4, 40, 10);
    check_review_days((const int32_t[]){5, 7, 11, 13, 7}, 5, 60, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_stage_by_hand),
        cmocka_unit_test(test_zero_lead_time_arrives_before_demand),
        cmocka_unit_test(test_backorders),
        cmocka_unit_test(test_allocation_rules),
        cmocka_unit_test(test_conservation_and_blocks),
        cmocka_unit_test(test_streams_keyed_by_location),
        cmocka_unit_test(test_reviews_follow_calendar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
