/* The engine's evaluation API (ech_engine_evaluate): one SKU at all its locations,
 * under given targets, for a block of replications of a stream set, KPIs back.
 *
 *  - The variant's own targets given explicitly reproduce the run's values bit for
 *    bit, and blocks of replications evaluated apart (on other engines, between other
 *    SKUs) equal one evaluation of them all.
 *  - Given targets are what is simulated: the hand-worked case of test_engine.c
 *    (S = 5) is reproduced from a scenario whose own rule says S = 1; a node starts
 *    at its given order-up-to level.
 *  - Stream set 1 is another, reproducible family of replications: a base-stock
 *    system's mean stock on it agrees with the exact value as well as set 0's.
 *  - Targets outside 0 <= s < S are refused.
 *  - Holding rates by location kind price the same stock at each kind's rate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "support_check.h"
#include "support_scenario.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>

#define KPI(buf, i, k, r, stride) ((buf)[((int64_t)(i)*ECH_KPI_COUNT + (k)) * (stride) + (r)])

static ech_status evaluate(const ech_scenario *sc, ech_engine *e, int32_t sku, int64_t rb,
                           int64_t re, uint32_t set, const int32_t *S, const int32_t *s,
                           double *kpi, int64_t stride, int64_t *totals)
{
    ech_eval_request req = {.sku = sku,
                            .rep_begin = rb,
                            .rep_end = re,
                            .stream_set = set,
                            .order_up_to = S,
                            .reorder_point = s};
    ech_eval_out out = {.kpi = kpi, .rep_stride = stride, .totals = totals};
    ech_error err;
    ech_error_clear(&err);
    (void)sc;
    ech_status st = ech_engine_evaluate(e, &req, &out, &err);
    if (st != ECH_OK)
        print_message("evaluate: %s\n", err.msg);
    return st;
}

/* A CW, a DC and three pharmacies; two SKUs with seasonal negative binomial and
 * Poisson demand, a gamma supplier lead time. */
static void tree_case(ech_scenario *sc, int64_t reps)
{
    ts_init(sc, 120, 20, reps, 77);
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_GAMMA, 6, 2, 1, 20);
    ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    ts_add_location(sc, "DC", ECH_LOC_DC, "CW", 1);
    ts_add_location(sc, "P1", ECH_LOC_RETAIL, "DC", 1);
    ts_add_location(sc, "P2", ECH_LOC_RETAIL, "DC", 2);
    ts_add_location(sc, "P3", ECH_LOC_RETAIL, "CW", 1);
    int32_t a = ts_add_sku(sc, "A", 3.0, 5.0, 2, sup);
    int32_t b = ts_add_sku(sc, "B", 1.0, 1.5, 1, sup);
    ts_add_skuloc(sc, a, 2, ECH_DEMAND_NEGBIN, 2.5, 2.0, 0, ECH_POLICY_BASE_STOCK, -1, -1, -1);
    ts_add_skuloc(sc, a, 3, ECH_DEMAND_POISSON, 1.2, 1, 0, ECH_POLICY_BASE_STOCK, -1, -1, -1);
    ts_add_skuloc(sc, a, 4, ECH_DEMAND_POISSON, 0.4, 1, 0.3, ECH_POLICY_BASE_STOCK, -1, -1, -1);
    ts_add_skuloc(sc, b, 4, ECH_DEMAND_POISSON, 3.0, 1, 0, ECH_POLICY_BASE_STOCK, -1, -1, -1);
    ts_finish(sc);
}

static void test_variant_targets_and_blocks_reproduce_the_run(void **state)
{
    (void)state;
    ech_scenario sc;
    const int64_t R = 12;
    tree_case(&sc, R);
    const int32_t sku = 0;
    int64_t x0 = sc.sl.sku_begin[sku], nodes = sc.sl.sku_begin[sku + 1] - x0;
    size_t len = (size_t)nodes * ECH_KPI_COUNT * (size_t)R;
    double *whole = calloc(len, sizeof *whole), *parts = calloc(len, sizeof *parts);
    double *given = calloc(len, sizeof *given);
    int64_t tw[12 * ECH_TOTAL_COUNT] = {0}, tp[12 * ECH_TOTAL_COUNT] = {0};

    ech_engine *e1 = ech_engine_new(&sc), *e2 = ech_engine_new(&sc);
    assert_int_equal(evaluate(&sc, e1, sku, 0, R, 0, NULL, NULL, whole, R, tw), ECH_OK);
    /* Blocks on two engines, with the other SKU in between. */
    assert_int_equal(
        evaluate(&sc, e2, sku, 5, R, 0, NULL, NULL, parts + 5, R, tp + 5 * ECH_TOTAL_COUNT),
        ECH_OK);
    double *other = calloc(ECH_KPI_COUNT * 3 * (size_t)R, sizeof *other);
    assert_int_equal(evaluate(&sc, e2, 1, 0, 3, 0, NULL, NULL, other, 3, NULL), ECH_OK);
    assert_int_equal(evaluate(&sc, e2, sku, 0, 2, 0, NULL, NULL, parts, R, tp), ECH_OK);
    assert_int_equal(
        evaluate(&sc, e1, sku, 2, 5, 0, NULL, NULL, parts + 2, R, tp + 2 * ECH_TOTAL_COUNT),
        ECH_OK);
    assert_memory_equal(whole, parts, len * sizeof *whole);
    assert_memory_equal(tw, tp, sizeof tw);

    /* The variant's own targets, given explicitly. */
    int32_t *S = malloc((size_t)nodes * sizeof *S), *s = malloc((size_t)nodes * sizeof *s);
    for (int64_t i = 0; i < nodes; ++i) {
        S[i] = sc.variant[0].order_up_to[x0 + i];
        s[i] = sc.variant[0].reorder_point[x0 + i];
    }
    assert_int_equal(evaluate(&sc, e1, sku, 0, R, 0, S, s, given, R, NULL), ECH_OK);
    assert_memory_equal(whole, given, len * sizeof *whole);
    /* Base stock: reorder points left out are S - 1, the variant's too. */
    assert_int_equal(evaluate(&sc, e2, sku, 0, R, 0, S, NULL, given, R, NULL), ECH_OK);
    assert_memory_equal(whole, given, len * sizeof *whole);

    /* Other targets: more stock at the pharmacies, less lost. */
    for (int64_t i = 0; i < nodes; ++i)
        S[i] += 6;
    assert_int_equal(evaluate(&sc, e1, sku, 0, R, 0, S, NULL, given, R, NULL), ECH_OK);
    double lost_before = 0, lost_after = 0, stock_before = 0, stock_after = 0;
    for (int64_t i = 0; i < nodes; ++i)
        for (int64_t r = 0; r < R; ++r) {
            lost_before += KPI(whole, i, ECH_KPI_LOST, r, R);
            lost_after += KPI(given, i, ECH_KPI_LOST, r, R);
            stock_before += KPI(whole, i, ECH_KPI_MEAN_ON_HAND, r, R);
            stock_after += KPI(given, i, ECH_KPI_MEAN_ON_HAND, r, R);
        }
    assert_true(lost_after < lost_before);
    assert_true(stock_after > stock_before);

    /* Stream set 1: other numbers, the same on every call. */
    double *fresh = calloc(len, sizeof *fresh), *again = calloc(len, sizeof *again);
    assert_int_equal(evaluate(&sc, e1, sku, 0, R, 1, NULL, NULL, fresh, R, NULL), ECH_OK);
    assert_int_equal(evaluate(&sc, e2, sku, 0, R, 1, NULL, NULL, again, R, NULL), ECH_OK);
    assert_memory_equal(fresh, again, len * sizeof *fresh);
    assert_memory_not_equal(fresh, whole, len * sizeof *fresh);

    ech_engine_free(e1);
    ech_engine_free(e2);
    free(S);
    free(s);
    free(whole);
    free(parts);
    free(given);
    free(other);
    free(fresh);
    free(again);
    ech_scenario_free(&sc);
}

/* The hand-worked single stage of test_engine.c (S = 5, demand replayed), from a
 * scenario whose own fixed rule says S = 1: the given targets are what runs. */
static void test_given_targets_by_hand(void **state)
{
    (void)state;
    ech_scenario sc;
    ts_init(&sc, 8, 0, 1, 1);
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 2, 0, 2, 2);
    int32_t loc = ts_add_location(&sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(&sc, "A", 2.0, 3.0, 1, sup);
    ts_add_skuloc(&sc, sku, loc, ECH_DEMAND_POISSON, 1.0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 1, -1);
    ts_finish(&sc);
    static const int32_t demand[8] = {3, 0, 2, 7, 1, 0, 4, 2};
    ts_set_replay(&sc, 0, demand);
    ech_engine *e = ech_engine_new(&sc);
    double v[ECH_KPI_COUNT];
    const int32_t S = 5;
    assert_int_equal(evaluate(&sc, e, sku, 0, 1, 0, &S, NULL, v, 1, NULL), ECH_OK);
    assert_float_equal(v[ECH_KPI_START_ON_HAND], 5, 0); /* starts at the given S */
    assert_float_equal(v[ECH_KPI_SOLD], 13, 0);
    assert_float_equal(v[ECH_KPI_LOST], 6, 0);
    assert_float_equal(v[ECH_KPI_ORDERS], 4, 0);
    assert_float_equal(v[ECH_KPI_ORDERED], 12, 0);
    assert_float_equal(v[ECH_KPI_MEAN_ON_HAND], 7.0 / 8.0, 1e-15);
    /* The scenario's own S = 1. */
    assert_int_equal(evaluate(&sc, e, sku, 0, 1, 0, NULL, NULL, v, 1, NULL), ECH_OK);
    assert_float_equal(v[ECH_KPI_START_ON_HAND], 1, 0);
    assert_true(v[ECH_KPI_LOST] > 6);

    /* Targets out of range. */
    const int32_t bad_S = -1, ok_S = 4, bad_s = 4;
    ech_eval_request req = {.sku = sku, .rep_end = 1, .order_up_to = &bad_S};
    ech_eval_out out = {.kpi = v, .rep_stride = 1};
    ech_error err;
    assert_int_equal(ech_engine_evaluate(e, &req, &out, &err), ECH_ERR_INPUT);
    req.order_up_to = &ok_S;
    req.reorder_point = &bad_s;
    assert_int_equal(ech_engine_evaluate(e, &req, &out, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "SKU 'A' at 'P'"));
    req.reorder_point = NULL;
    req.rep_end = 0;
    req.rep_begin = 1;
    assert_int_equal(ech_engine_evaluate(e, &req, &out, &err), ECH_ERR_RUNTIME);
    ech_engine_free(e);
    ech_scenario_free(&sc);
}

/* Holding rates by location kind (costs.holding_rate_by_kind): a kind's rate
 * applies where the skuloc gives none, the scenario's where the kind has none, a
 * skuloc's own rate wins; the stock itself does not change. */
static void test_holding_rate_by_kind(void **state)
{
    (void)state;
    ech_scenario sc;
    tree_case(&sc, 4);
    sc.costs.holding_rate_per_year = 0.25;
    int64_t n = sc.sl.sku_begin[1] - sc.sl.sku_begin[0];
    double *base = calloc((size_t)n * ECH_KPI_COUNT * 4, sizeof *base);
    double *kind = calloc((size_t)n * ECH_KPI_COUNT * 4, sizeof *kind);
    ech_engine *e = ech_engine_new(&sc);
    assert_int_equal(evaluate(&sc, e, 0, 0, 4, 0, NULL, NULL, base, 4, NULL), ECH_OK);
    ech_engine_free(e);
    sc.costs.has_holding_by_kind = 1;
    sc.costs.holding_rate_by_kind[ECH_LOC_CW] = NAN;
    sc.costs.holding_rate_by_kind[ECH_LOC_DC] = 2.0 * sc.costs.holding_rate_per_year;
    sc.costs.holding_rate_by_kind[ECH_LOC_RETAIL] = 3.0 * sc.costs.holding_rate_per_year;
    int64_t own = sc.sl.sku_begin[0] + n - 1; /* P3: its own rate */
    sc.sl.holding_rate_per_year[own] = 0.5 * sc.costs.holding_rate_per_year;
    e = ech_engine_new(&sc);
    assert_int_equal(evaluate(&sc, e, 0, 0, 4, 0, NULL, NULL, kind, 4, NULL), ECH_OK);
    ech_engine_free(e);
    for (int64_t i = 0; i < n; ++i) {
        int64_t x = sc.sl.sku_begin[0] + i;
        int k = sc.net.kind[sc.sl.location[x]];
        double factor = x == own ? 0.5 : k == ECH_LOC_DC ? 2.0 : k == ECH_LOC_RETAIL ? 3.0 : 1.0;
        assert_float_equal(ech_holding_rate(&sc, x), factor * sc.costs.holding_rate_per_year, 0);
        for (int64_t r = 0; r < 4; ++r) {
            assert_float_equal(KPI(kind, i, ECH_KPI_MEAN_ON_HAND, r, 4),
                               KPI(base, i, ECH_KPI_MEAN_ON_HAND, r, 4), 0);
            double h0 = KPI(base, i, ECH_KPI_HOLDING_COST, r, 4);
            assert_true(h0 > 0.0 || KPI(base, i, ECH_KPI_MEAN_ON_HAND, r, 4) == 0.0);
            assert_float_equal(KPI(kind, i, ECH_KPI_HOLDING_COST, r, 4), factor * h0, 1e-9 * h0);
        }
    }
    free(base);
    free(kind);
    ech_scenario_free(&sc);
}

/* Poisson base stock with backorders, lead time L: end-of-day on hand is (S -
 * D(L + 1))+, D Poisson.  Both stream sets agree with it within 99% intervals. */
static void test_stream_sets_both_exact(void **state)
{
    (void)state;
    const double lambda = 2.0;
    const int32_t L = 3, S = 10;
    const int64_t R = 4000;
    ech_scenario sc;
    ts_init(&sc, 60, 30, R, 2024);
    sc.unmet_demand = ECH_UNMET_BACKORDER;
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, L, 0, L, L);
    int32_t loc = ts_add_location(&sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(&sc, "A", 1.0, 2.0, 1, sup);
    ts_add_skuloc(&sc, sku, loc, ECH_DEMAND_POISSON, lambda, 1, 0, ECH_POLICY_BASE_STOCK, 1, 1, -1);
    ts_finish(&sc);
    double exact = 0.0;
    for (int k = 0; k < S; ++k)
        exact += (S - k) * gsl_ran_poisson_pdf((unsigned)k, lambda * (L + 1));
    ech_engine *e = ech_engine_new(&sc);
    double *v = calloc(ECH_KPI_COUNT * (size_t)R, sizeof *v);
    for (uint32_t set = 0; set < 2; ++set) {
        assert_int_equal(evaluate(&sc, e, sku, 0, R, set, &S, NULL, v, R, NULL), ECH_OK);
        const double *on_hand = v + ECH_KPI_MEAN_ON_HAND * R;
        ts_check_mean(set ? "mean on hand, stream set 1" : "mean on hand, stream set 0", on_hand, R,
                      exact);
    }
    free(v);
    ech_engine_free(e);
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variant_targets_and_blocks_reproduce_the_run),
        cmocka_unit_test(test_given_targets_by_hand),
        cmocka_unit_test(test_stream_sets_both_exact),
        cmocka_unit_test(test_holding_rate_by_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
