/* The work plan: every (SKU, replication) is simulated exactly once over the ranks,
 * pieces are balanced to within a few replications of one SKU, owners hold
 * contiguous blocks of SKUs, a SKU heavier than a rank's share is split over ranks,
 * threads get units heaviest first, and the split SKUs are listed consistently; the
 * SKUs of a substitution group whole on a rank are one unit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "echelon/work_plan.h"
#include "support_scenario.h"

/* A CW and `pharmacies` pharmacies; SKU k is stocked at stocked[k] of them (0: none). */
static void plan_case(ech_scenario *sc, int32_t pharmacies, const int32_t *stocked, int32_t n_sku,
                      int64_t reps)
{
    ts_init(sc, 30, 5, reps, 1);
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, 2, 0, 2, 2);
    int32_t cw = ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    char id[32];
    for (int32_t p = 0; p < pharmacies; ++p) {
        snprintf(id, sizeof id, "P%03d", (int)p);
        ts_add_location(sc, id, ECH_LOC_RETAIL, "CW", 1);
    }
    (void)cw;
    for (int32_t k = 0; k < n_sku; ++k) {
        snprintf(id, sizeof id, "K%03d", (int)k);
        int32_t sku = ts_add_sku(sc, id, 1.0, 2.0, 1, sup);
        for (int32_t p = 0; p < stocked[k]; ++p)
            ts_add_skuloc(sc, sku, 1 + p, ECH_DEMAND_POISSON, 1.0, 1, 0, ECH_POLICY_BASE_STOCK, 1,
                          3, -1);
    }
    ts_finish(sc);
}

/* Checks the plans of every rank of one layout against each other and the scenario. */
static void check_layout(const ech_scenario *sc, int n_ranks, int n_threads)
{
    const int32_t n_sku = sc->cat.n;
    const int64_t reps = sc->replications;
    uint8_t *seen = calloc((size_t)n_sku * (size_t)reps, 1);
    ech_work_plan *plans = calloc((size_t)n_ranks, sizeof *plans);
    int64_t total = 0, max_rep_cost = 0;
    for (int32_t k = 0; k < n_sku; ++k) {
        int64_t nodes = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
        int64_t c = nodes > 0 ? ech_engine_sku_cost(sc, k) : 0;
        total += c * reps;
        if (c > max_rep_cost)
            max_rep_cost = c;
    }
    for (int r = 0; r < n_ranks; ++r)
        ech_work_plan_make(&plans[r], sc, n_ranks, r, n_threads);
    for (int r = 0; r < n_ranks; ++r) {
        const ech_work_plan *p = &plans[r];
        /* Every rank computes the same cuts and owners. */
        for (int q = 0; q <= n_ranks; ++q) {
            assert_int_equal(p->cut_sku[q], plans[0].cut_sku[q]);
            assert_int_equal(p->cut_rep[q], plans[0].cut_rep[q]);
            assert_int_equal(p->first_sku[q], plans[0].first_sku[q]);
        }
        assert_int_equal(p->total_cost, total);
        /* Units: heaviest first, inside the rank's piece, each pair once. */
        int64_t cost = 0;
        for (int32_t u = 0; u < p->n_units; ++u) {
            const ech_work_unit *w = &p->unit[u];
            if (u > 0)
                assert_true(w->cost <= p->unit[u - 1].cost);
            assert_true(w->rep_begin < w->rep_end);
            /* A group's unit records every SKU of its group stocked somewhere. */
            const ech_subst_rules *g = &sc->subst;
            int32_t first = w->group >= 0 ? g->group_begin[w->group] : 0;
            int32_t last = w->group >= 0 ? g->group_begin[w->group + 1] : 1;
            if (w->group >= 0)
                assert_int_equal(w->sku, g->member[first]);
            for (int32_t m = first; m < last; ++m) {
                int32_t k = w->group >= 0 ? g->member[m] : w->sku;
                if (sc->sl.sku_begin[k + 1] == sc->sl.sku_begin[k])
                    continue;
                for (int64_t rep = w->rep_begin; rep < w->rep_end; ++rep) {
                    assert_int_equal(ech_work_plan_rank_of(p, k, rep), r);
                    uint8_t *cell = &seen[(size_t)k * (size_t)reps + (size_t)rep];
                    assert_int_equal(*cell, 0);
                    *cell = 1;
                }
            }
            cost += w->cost;
            int whole = w->rep_begin == 0 && w->rep_end == reps;
            if (w->split < 0) {
                assert_true(whole);
            } else {
                const ech_split_sku *s = &p->split[w->split];
                assert_int_equal(s->sku, w->sku);
                assert_int_equal(s->owner, ech_work_plan_rank_of(p, w->sku, 0));
            }
        }
        assert_int_equal(cost, p->my_cost);
        /* Balance: no piece exceeds its share by more than a few replications of
         * one SKU (the cuts snap to SKU edges within MIN_EDGE_REPS). */
        if (n_ranks > 1)
            assert_true(cost <= total / n_ranks + 9 * max_rep_cost);
        /* Owners: the rank holding replication 0, contiguous blocks. */
        for (int32_t k = p->first_sku[r]; k < p->first_sku[r + 1]; ++k)
            assert_int_equal(ech_work_plan_rank_of(p, k, 0), r);
        for (int32_t s = 0; s < p->n_split; ++s) {
            const ech_split_sku *sp = &p->split[s];
            int64_t b, e;
            ech_work_plan_reps_on(p, r, sp->sku, &b, &e);
            assert_int_equal(sp->cross_rank, b > 0 || e < reps);
        }
    }
    /* Every pair of every stocked SKU was simulated. */
    for (int32_t k = 0; k < n_sku; ++k) {
        int64_t nodes = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
        for (int64_t rep = 0; rep < reps; ++rep)
            assert_int_equal(seen[(size_t)k * (size_t)reps + (size_t)rep], nodes > 0);
    }
    for (int r = 0; r < n_ranks; ++r)
        ech_work_plan_free(&plans[r]);
    free(plans);
    free(seen);
}

static void test_layouts_cover_everything_once(void **state)
{
    (void)state;
    static const int32_t stocked[] = {3, 1, 0, 5, 2, 2, 8, 1, 1, 4, 0, 6, 2, 3, 1};
    ech_scenario sc;
    plan_case(&sc, 8, stocked, (int32_t)(sizeof stocked / sizeof stocked[0]), 50);
    for (int ranks = 1; ranks <= 7; ++ranks)
        for (int threads = 1; threads <= 3; ++threads)
            check_layout(&sc, ranks, threads);
    ech_scenario_free(&sc);
}

/* One SKU at every pharmacy outweighs the rest: it is spread over the ranks, owned by
 * the first, and cut into blocks for the threads. */
static void test_heavy_sku_is_split(void **state)
{
    (void)state;
    static const int32_t stocked[] = {1, 40, 1, 1};
    ech_scenario sc;
    plan_case(&sc, 40, stocked, 4, 200);
    for (int ranks = 1; ranks <= 4; ++ranks)
        check_layout(&sc, ranks, 2);
    ech_work_plan p;
    ech_work_plan_make(&p, &sc, 4, 2, 1);
    assert_true(p.n_cross_rank >= 2);
    int64_t b, e;
    ech_work_plan_reps_on(&p, 2, 1, &b, &e);
    assert_true(b > 0 && e > b); /* a middle piece of SKU 1's replications */
    assert_int_equal(ech_work_plan_rank_of(&p, 1, 0),
                     0); /* SKU 0 is light: SKU 1 starts on rank 0 */
    ech_work_plan_free(&p);

    /* One rank, four threads: SKU 1 becomes several units of one split SKU. */
    ech_work_plan_make(&p, &sc, 1, 0, 4);
    int units_of_1 = 0;
    for (int32_t u = 0; u < p.n_units; ++u)
        units_of_1 += p.unit[u].sku == 1;
    assert_true(units_of_1 > 1);
    assert_int_equal(p.n_split, 1);
    assert_int_equal(p.split[0].units, units_of_1);
    assert_int_equal(p.split[0].cross_rank, 0);
    ech_work_plan_free(&p);
    ech_scenario_free(&sc);
}

/* Substitution groups (SKUs 0, 3, 6; 1, 2, 9 with 2 stocked nowhere; 4, 5): on one
 * rank each group is one unit; over several, groups cut by the ranks' pieces fall
 * back to one unit per SKU, and every pair is still simulated once. */
static void test_groups_are_one_unit(void **state)
{
    (void)state;
    static const int32_t stocked[] = {3, 1, 0, 5, 2, 2, 8, 1, 1, 4, 0, 6};
    static const int32_t group[] = {0, 1, 1, 0, 2, 2, 0, -1, -1, 1, -1, -1};
    ech_scenario sc;
    plan_case(&sc, 8, stocked, 12, 40);
    for (int32_t k = 0; k < 12; ++k)
        sc.cat.subst_group[k] = group[k];
    sc.subst.enabled = 1;
    sc.subst.share = 0.5;
    sc.subst.n_groups = 3;
    sc.subst.group_name = calloc(3, sizeof(char *));
    for (int i = 0; i < 3; ++i)
        sc.subst.group_name[i] = strdup(i == 0 ? "a" : i == 1 ? "b" : "c");
    ech_scenario_index_groups(&sc);
    for (int ranks = 1; ranks <= 5; ++ranks)
        for (int threads = 1; threads <= 2; ++threads)
            check_layout(&sc, ranks, threads);
    ech_work_plan p;
    ech_work_plan_make(&p, &sc, 1, 0, 1);
    assert_int_equal(p.n_units, 12 - 2 - 2 - 1 - 1); /* 12 SKUs, 2 unstocked, 3 groups */
    assert_int_equal(p.max_group, 3);
    for (int32_t u = 0; u < p.n_units; ++u)
        assert_int_equal(p.unit[u].group, p.unit[u].sku < 7 ? group[p.unit[u].sku] : -1);
    ech_work_plan_free(&p);
    ech_scenario_free(&sc);
}

/* Few replications: cuts stay at SKU edges (nothing is split over ranks). */
static void test_few_replications_not_split(void **state)
{
    (void)state;
    static const int32_t stocked[] = {2, 3, 1, 4, 2};
    ech_scenario sc;
    plan_case(&sc, 5, stocked, 5, 6);
    for (int ranks = 1; ranks <= 6; ++ranks) {
        check_layout(&sc, ranks, 1);
        ech_work_plan p;
        ech_work_plan_make(&p, &sc, ranks, 0, 1);
        assert_int_equal(p.n_cross_rank, 0);
        ech_work_plan_free(&p);
    }
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layouts_cover_everything_once),
        cmocka_unit_test(test_heavy_sku_is_split),
        cmocka_unit_test(test_few_replications_not_split),
        cmocka_unit_test(test_groups_are_one_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
