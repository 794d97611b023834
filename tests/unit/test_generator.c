/* Synthetic networks and catalogues (include/echelon/generator.h).
 *
 * Determinism (field by field), stability of the first SKUs when the catalogue
 * grows, the requested shares on 20,000 SKUs, the pharmacy-like shape (long tail of
 * demand, sparse assortment, every SKU stocked), unique ids and names, parameter
 * checks with messages naming the key, and that ech_scenario_finalize accepts the
 * result.  Run under ASan in CI: everything is freed with ech_scenario_free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "echelon/generator.h"
#include "echelon/scenario.h"
#include "echelon/scenario_load.h"

#include "support_check.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------------
 * A minimal scenario: seed, suppliers, season profiles, weekly factors, a start.
 * ------------------------------------------------------------------------------ */

static void scenario_init(ech_scenario *sc, int32_t n_suppliers, int32_t n_profiles)
{
    memset(sc, 0, sizeof *sc);
    sc->seed = 42;
    sc->days = 365;
    sc->replications = 1;
    assert_int_equal(ech_parse_date("2027-01-04", &sc->start_date), 0);
    for (int w = 0; w < 7; ++w)
        sc->weekly[w] = 1.0;

    sc->suppliers.n = n_suppliers;
    sc->suppliers.id = calloc((size_t)n_suppliers, sizeof(char *));
    sc->suppliers.lead_time = calloc((size_t)n_suppliers, sizeof(ech_lead_time));
    for (int32_t i = 0; i < n_suppliers; ++i) {
        char id[32];
        snprintf(id, sizeof id, "SUP%02d", (int)i + 1);
        sc->suppliers.id[i] = strdup(id);
        sc->suppliers.lead_time[i] = (ech_lead_time){ECH_LT_FIXED, 5.0, 0.0, 5, 5, NULL};
    }

    sc->seasons.n = n_profiles;
    sc->seasons.name = calloc((size_t)n_profiles, sizeof(char *));
    sc->seasons.monthly = calloc((size_t)n_profiles, sizeof *sc->seasons.monthly);
    for (int32_t p = 0; p < n_profiles; ++p) {
        char name[32];
        snprintf(name, sizeof name, p == 0 ? "flat" : "season%d", (int)p);
        sc->seasons.name[p] = strdup(name);
        for (int m = 0; m < 12; ++m)
            sc->seasons.monthly[p][m] = p == 0 ? 1.0 : 1.0 + 0.3 * cos(0.5236 * (m + p));
    }

    /* A segment list the generator must replace (and free). */
    sc->n_segments = 1;
    sc->segment = malloc(sizeof(char *));
    sc->segment[0] = strdup("all");
}

static ech_network_gen net_gen(int32_t dcs, int32_t per_dc)
{
    ech_network_gen g = ech_network_gen_defaults();
    g.dcs = dcs;
    g.retail_per_dc = per_dc;
    return g;
}

/* A scenario with a generated network and catalogue; fails the test on error. */
static void build(ech_scenario *sc, int32_t dcs, int32_t per_dc, const ech_catalogue_gen *cg,
                  int32_t n_profiles)
{
    ech_error err;
    ech_error_clear(&err);
    scenario_init(sc, 5, n_profiles);
    ech_network_gen g = net_gen(dcs, per_dc);
    assert_int_equal(ech_generate_network(&g, sc, &err), ECH_OK);
    if (ech_generate_catalogue(cg, sc, &err) != ECH_OK)
        fail_msg("%s", err.msg);
}

static ech_catalogue_gen cat_gen(int32_t skus, uint64_t seed)
{
    ech_catalogue_gen g = ech_catalogue_gen_defaults();
    g.skus = skus;
    g.seed = seed;
    return g;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Asserts that n strings are pairwise different. */
static void assert_unique(char **s, int64_t n)
{
    char **copy = malloc((size_t)(n ? n : 1) * sizeof *copy);
    memcpy(copy, s, (size_t)n * sizeof *copy);
    qsort(copy, (size_t)n, sizeof *copy, cmp_str);
    for (int64_t i = 1; i < n; ++i)
        if (strcmp(copy[i - 1], copy[i]) == 0)
            fail_msg("duplicate string '%s'", copy[i]);
    free(copy);
}

/* Field-by-field equality of the first n_sku SKUs of two catalogues and of their
 * assortment rows. */
static void assert_same_prefix(const ech_scenario *a, const ech_scenario *b, int32_t n_sku)
{
    const ech_catalogue *x = &a->cat, *y = &b->cat;
    for (int32_t s = 0; s < n_sku; ++s) {
        assert_string_equal(x->id[s], y->id[s]);
        assert_string_equal(x->name[s], y->name[s]);
        assert_true(x->unit_cost[s] == y->unit_cost[s]);
        assert_true(x->unit_price[s] == y->unit_price[s]);
        assert_int_equal(x->pack_size[s], y->pack_size[s]);
        assert_int_equal(x->supplier[s], y->supplier[s]);
        assert_int_equal(x->shelf_life_days[s], y->shelf_life_days[s]);
        assert_int_equal(x->storage[s], y->storage[s]);
        assert_int_equal(x->handling[s], y->handling[s]);
        assert_int_equal(x->substitution[s], y->substitution[s]);
        assert_int_equal(x->segment[s], y->segment[s]);
        assert_int_equal(x->season_profile[s], y->season_profile[s]);
        assert_true(x->trend_per_year[s] == y->trend_per_year[s]);
        assert_true(x->unit_volume_litres[s] == y->unit_volume_litres[s]);
        assert_int_equal(x->cw_reserved_units[s], y->cw_reserved_units[s]);
    }
    /* Rows come grouped by SKU in SKU order: the prefix of rows of the first n_sku
     * SKUs must agree. */
    const ech_skulocs *p = &a->sl, *q = &b->sl;
    int64_t r = 0;
    for (; r < p->n && p->sku[r] < n_sku; ++r) {
        assert_true(r < q->n);
        assert_int_equal(p->sku[r], q->sku[r]);
        assert_int_equal(p->location[r], q->location[r]);
        assert_int_equal(p->demand_dist[r], q->demand_dist[r]);
        assert_true(p->demand_mean[r] == q->demand_mean[r]);
        assert_true(p->demand_var_ratio[r] == q->demand_var_ratio[r]);
        assert_true(p->demand_zero_prob[r] == q->demand_zero_prob[r]);
        assert_int_equal(p->replay[r], q->replay[r]);
        assert_int_equal(p->policy[r], q->policy[r]);
        assert_int_equal(p->review_days[r], q->review_days[r]);
        assert_int_equal(p->order_up_to[r], q->order_up_to[r]);
        assert_int_equal(p->reorder_point[r], q->reorder_point[r]);
        assert_int_equal(p->min_order_qty[r], q->min_order_qty[r]);
        assert_int_equal(p->start_on_hand[r], q->start_on_hand[r]);
        assert_int_equal(p->display_min[r], q->display_min[r]);
    }
    assert_true(r == q->n || q->sku[r] >= n_sku);
}

/* ------------------------------------------------------------------------------
 * Network
 * ------------------------------------------------------------------------------ */

static void test_network_shape(void **state)
{
    (void)state;
    ech_scenario sc;
    ech_error err;
    scenario_init(&sc, 1, 1);
    ech_network_gen g = net_gen(3, 12);
    g.dc_lead_time_days = 2;
    g.retail_lead_time_days = 1;
    assert_int_equal(ech_generate_network(&g, &sc, &err), ECH_OK);
    const ech_network *net = &sc.net;
    assert_int_equal(net->n, 1 + 3 + 36);

    assert_string_equal(net->id[0], "CW");
    assert_int_equal(net->kind[0], ECH_LOC_CW);
    assert_int_equal(net->parent[0], -1);
    assert_string_equal(net->id[1], "DC01");
    assert_string_equal(net->id[3], "DC03");
    assert_string_equal(net->id[4], "PH0001");
    assert_string_equal(net->id[39], "PH0036");

    int offsets_seen[7] = {0};
    int priorities_seen[4] = {0};
    for (int32_t i = 1; i < net->n; ++i) {
        if (i <= 3) {
            assert_int_equal(net->kind[i], ECH_LOC_DC);
            assert_int_equal(net->parent[i], 0);
            assert_int_equal(net->lead_time_days[i], 2);
        } else {
            int32_t k = i - 4;
            assert_int_equal(net->kind[i], ECH_LOC_RETAIL);
            assert_int_equal(net->parent[i], 1 + k / 12);
            assert_int_equal(net->lead_time_days[i], 1);
            assert_in_range(net->review_offset[i], 0, 6);
            offsets_seen[net->review_offset[i]]++;
            assert_in_range(net->priority[i], 1, 3);
            priorities_seen[net->priority[i]]++;
        }
        assert_non_null(net->name[i]);
        assert_true(strlen(net->name[i]) > 5);
    }
    for (int d = 0; d < 7; ++d)
        assert_true(offsets_seen[d] >= 4); /* staggered over the whole week */
    assert_true(priorities_seen[3] > 0);   /* most pharmacies are ordinary ones */

    assert_unique(net->id, net->n);
    assert_unique(net->name, net->n);

    /* Names are not in id order: some pharmacy of a DC sorts before one with a
     * smaller id. */
    int inversions = 0;
    for (int32_t i = 4; i < net->n - 1; ++i)
        if (net->parent[i] == net->parent[i + 1] && strcmp(net->name[i], net->name[i + 1]) > 0)
            ++inversions;
    assert_true(inversions >= 5);

    /* The derived columns exist from the start (table.h) and are computed by
     * ech_scenario_finalize. */
    assert_non_null(net->topo);
    assert_non_null(net->name_rank);

    /* Deterministic. */
    ech_scenario sc2;
    scenario_init(&sc2, 1, 1);
    assert_int_equal(ech_generate_network(&g, &sc2, &err), ECH_OK);
    for (int32_t i = 0; i < net->n; ++i) {
        assert_string_equal(net->id[i], sc2.net.id[i]);
        assert_string_equal(net->name[i], sc2.net.name[i]);
        assert_int_equal(net->priority[i], sc2.net.priority[i]);
        assert_int_equal(net->review_offset[i], sc2.net.review_offset[i]);
    }
    ech_scenario_free(&sc2);

    /* Generating again over an existing network replaces it. */
    g = net_gen(0, 5);
    assert_int_equal(ech_generate_network(&g, &sc, &err), ECH_OK);
    assert_int_equal(sc.net.n, 6);
    for (int32_t i = 1; i < 6; ++i) {
        assert_int_equal(sc.net.parent[i], 0);
        assert_int_equal(sc.net.kind[i], ECH_LOC_RETAIL);
    }
    ech_scenario_free(&sc);
}

static void test_network_large_unique(void **state)
{
    (void)state;
    ech_scenario sc;
    ech_error err;
    scenario_init(&sc, 1, 1);
    ech_network_gen g = net_gen(10, 1000);
    assert_int_equal(ech_generate_network(&g, &sc, &err), ECH_OK);
    assert_int_equal(sc.net.n, 1 + 10 + 10000);
    assert_string_equal(sc.net.id[11], "PH00001"); /* ids widen to stay sortable */
    assert_string_equal(sc.net.id[1], "DC01");
    assert_unique(sc.net.id, sc.net.n);
    assert_unique(sc.net.name, sc.net.n);
    /* Some hospital pharmacies, served first. */
    int hospitals = 0;
    for (int32_t i = 11; i < sc.net.n; ++i)
        hospitals += sc.net.priority[i] == 1;
    assert_in_range(hospitals, 300, 1000);
    ech_scenario_free(&sc);
}

static void expect_network_error(ech_network_gen g, const char *key)
{
    ech_scenario sc;
    ech_error err;
    ech_error_clear(&err);
    scenario_init(&sc, 1, 1);
    assert_int_equal(ech_generate_network(&g, &sc, &err), ECH_ERR_INPUT);
    assert_int_equal(err.status, ECH_ERR_INPUT);
    if (!strstr(err.msg, key))
        fail_msg("message '%s' does not name '%s'", err.msg, key);
    assert_int_equal(sc.net.n, 0);
    ech_scenario_free(&sc);
}

static void test_network_validation(void **state)
{
    (void)state;
    ech_network_gen g = net_gen(-1, 5);
    expect_network_error(g, "network.generate.dcs");
    g = net_gen(2, 0);
    expect_network_error(g, "network.generate.retail_per_dc: must be >= 1");
    g = net_gen(1000, 5000);
    expect_network_error(g, "network.generate.retail_per_dc");
    g = net_gen(2, 3);
    g.dc_lead_time_days = -1;
    expect_network_error(g, "network.generate.dc_lead_time_days");
    g = net_gen(2, 3);
    g.retail_lead_time_days = -2;
    expect_network_error(g, "network.generate.retail_lead_time_days");
}

/* ------------------------------------------------------------------------------
 * Catalogue
 * ------------------------------------------------------------------------------ */

static void test_catalogue_deterministic(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(3000, 7);
    ech_scenario a, b;
    build(&a, 3, 12, &cg, 3);
    build(&b, 3, 12, &cg, 3);
    assert_int_equal(a.cat.n, 3000);
    assert_int_equal(a.sl.n, b.sl.n);
    assert_same_prefix(&a, &b, 3000);
    assert_int_equal(a.n_segments, b.n_segments);
    for (int32_t i = 0; i < a.n_segments; ++i)
        assert_string_equal(a.segment[i], b.segment[i]);

    /* Another seed gives another catalogue. */
    ech_scenario c;
    cg.seed = 8;
    build(&c, 3, 12, &cg, 3);
    int differ = 0;
    for (int32_t s = 0; s < 3000; ++s)
        differ += a.cat.unit_cost[s] != c.cat.unit_cost[s];
    assert_true(differ > 2500);
    ech_scenario_free(&a);
    ech_scenario_free(&b);
    ech_scenario_free(&c);
}

/* The assortment is filled by threads; the result must not depend on how many. */
static void test_catalogue_thread_independent(void **state)
{
    (void)state;
    int threads = omp_get_max_threads();
    ech_catalogue_gen cg = cat_gen(4000, 13);
    cg.display_share = 0.4;
    ech_scenario a, b;
    omp_set_num_threads(1);
    build(&a, 4, 50, &cg, 2);
    omp_set_num_threads(3);
    build(&b, 4, 50, &cg, 2);
    omp_set_num_threads(threads);
    assert_int_equal(a.sl.n, b.sl.n);
    assert_same_prefix(&a, &b, 4000);
    ech_scenario_free(&a);
    ech_scenario_free(&b);
}

static void test_catalogue_prefix_stable(void **state)
{
    (void)state;
    ech_catalogue_gen small = cat_gen(1500, 11), big = cat_gen(4000, 11);
    ech_scenario a, b;
    build(&a, 2, 20, &small, 2);
    build(&b, 2, 20, &big, 2);
    assert_same_prefix(&a, &b, 1500);
    ech_scenario_free(&a);
    ech_scenario_free(&b);
}

/* Shares, shape, ids and names on 20,000 SKUs over 36 pharmacies. */
static void test_catalogue_shape(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(20000, 2024);
    cg.fast_share = 0.05;
    cg.intermittent_share = 0.25;
    cg.cold_share = 0.08;
    cg.controlled_share = 0.03;
    cg.generic_share = 0.6;
    cg.assortment_density = 0.2;
    ech_scenario sc;
    build(&sc, 3, 12, &cg, 4);
    const ech_catalogue *cat = &sc.cat;
    const ech_skulocs *sl = &sc.sl;
    int32_t n = cat->n;
    assert_int_equal(n, 20000);

    assert_int_equal(sc.n_segments, 4);
    assert_string_equal(sc.segment[0], "A-fast");
    assert_string_equal(sc.segment[3], "D-intermittent");
    assert_string_equal(cat->id[0], "SKU000001");
    assert_string_equal(cat->id[n - 1], "SKU020000");
    assert_unique(cat->id, n);
    assert_unique(cat->name, n);

    int seg[4] = {0}, cold = 0, controlled = 0, generic = 0, seasonal = 0, packed = 0;
    int supplier_count[5] = {0};
    for (int32_t s = 0; s < n; ++s) {
        assert_in_range(cat->segment[s], 0, 3);
        seg[cat->segment[s]]++;
        cold += cat->storage[s] == ECH_STORAGE_COLD;
        controlled += cat->handling[s] == ECH_HANDLING_CONTROLLED;
        generic += cat->substitution[s] == ECH_SUBST_GENERIC;
        assert_in_range(cat->season_profile[s], 0, 3);
        seasonal += cat->season_profile[s] != 0;
        assert_in_range(cat->supplier[s], 0, 4);
        supplier_count[cat->supplier[s]]++;
        assert_true(cat->unit_cost[s] > 0.0);
        double margin = cat->unit_price[s] / cat->unit_cost[s];
        if (!(margin > 1.0 && margin < 1.65))
            fail_msg("SKU %d: margin %g", (int)s, margin);
        assert_true(cat->pack_size[s] >= 1);
        packed += cat->pack_size[s] > 1;
        assert_in_range(cat->shelf_life_days[s], 180, 1095);
        if (cat->storage[s] == ECH_STORAGE_AMBIENT)
            assert_in_range(cat->shelf_life_days[s], 365, 1095);
        assert_true(cat->trend_per_year[s] > -0.5 && cat->trend_per_year[s] < 0.6);
    }
    double N = n;
    assert_true(fabs(seg[0] / N - cg.fast_share) < 0.01);
    assert_true(fabs(seg[3] / N - cg.intermittent_share) < 0.015);
    assert_true(fabs(cold / N - cg.cold_share) < 0.01);
    assert_true(fabs(controlled / N - cg.controlled_share) < 0.01);
    assert_true(fabs(generic / N - cg.generic_share) < 0.015);
    assert_true(seasonal / N > 0.15 && seasonal / N < 0.25);
    assert_true(seg[2] > seg[1]);                       /* slow movers outnumber regular ones */
    assert_true(supplier_count[0] > supplier_count[4]); /* a few big suppliers */
    assert_true(packed > 0 && packed < n / 10);

    /* Costs: median in the single digits to low tens of euros, a long tail. */
    double *cost = malloc((size_t)n * sizeof *cost);
    memcpy(cost, cat->unit_cost, (size_t)n * sizeof *cost);
    qsort(cost, (size_t)n, sizeof *cost, cmp_double);
    assert_true(cost[n / 2] > 3.0 && cost[n / 2] < 15.0);
    assert_true(cost[n - 1] > 1000.0);
    free(cost);

    /* Assortment: every row at a leaf (a pharmacy), every SKU at >= 1, no SKU twice
     * at one pharmacy, mean share near the density, fast movers nearly everywhere. */
    int32_t leaves = 36;
    int32_t *per_sku = calloc((size_t)n, sizeof *per_sku);
    int32_t *last_loc = malloc((size_t)n * sizeof *last_loc);
    for (int32_t s = 0; s < n; ++s)
        last_loc[s] = -1;
    double *mean = malloc((size_t)sl->n * sizeof *mean);
    for (int64_t r = 0; r < sl->n; ++r) {
        int32_t s = sl->sku[r], loc = sl->location[r];
        assert_in_range(s, 0, n - 1);
        assert_int_equal(sc.net.kind[loc], ECH_LOC_RETAIL);
        assert_true(loc > last_loc[s]); /* increasing within a SKU: no repeats */
        last_loc[s] = loc;
        if (r > 0)
            assert_true(sl->sku[r] >= sl->sku[r - 1]);
        per_sku[s]++;
        assert_true(sl->demand_mean[r] > 0.0);
        mean[r] = sl->demand_mean[r];
        assert_int_equal(sl->policy[r], ECH_POLICY_FROM_RULE);
        assert_int_equal(sl->review_days[r], -1);
        assert_int_equal(sl->order_up_to[r], -1);
        assert_int_equal(sl->reorder_point[r], ECH_REORDER_NOT_GIVEN);
        assert_int_equal(sl->min_order_qty[r], -1);
        assert_int_equal(sl->start_on_hand[r], -1);
        assert_int_equal(sl->replay[r], -1);
        switch (sl->demand_dist[r]) {
        case ECH_DEMAND_POISSON: assert_true(sl->demand_var_ratio[r] == 1.0); break;
        case ECH_DEMAND_NEGBIN:
            assert_true(sl->demand_var_ratio[r] > 1.0 && sl->demand_var_ratio[r] <= 4.0);
            break;
        default: fail_msg("row %lld: demand kind %d", (long long)r, sl->demand_dist[r]);
        }
        assert_true(sl->demand_zero_prob[r] >= 0.0 && sl->demand_zero_prob[r] < 1.0);
        if (cat->segment[s] == 3)
            assert_true(sl->demand_zero_prob[r] >= 0.3 && sl->demand_zero_prob[r] <= 0.8);
        else
            assert_true(sl->demand_zero_prob[r] == 0.0);
    }
    assert_null(sl->sku_begin); /* made by ech_scenario_finalize */
    double share = 0.0, fast_share = 0.0;
    for (int32_t s = 0; s < n; ++s) {
        assert_in_range(per_sku[s], 1, leaves);
        share += per_sku[s] / (double)leaves;
        if (cat->segment[s] == 0) {
            fast_share += per_sku[s] / (double)leaves;
            assert_true(per_sku[s] >= 33);
        }
    }
    share /= N;
    fast_share /= seg[0];
    if (fabs(share - cg.assortment_density) > 0.01)
        fail_msg("mean share %g, asked %g", share, cg.assortment_density);
    assert_true(fast_share > 0.95);

    /* Demand: long-tailed, most items slow. */
    qsort(mean, (size_t)sl->n, sizeof *mean, cmp_double);
    double median = mean[sl->n / 2], max = mean[sl->n - 1];
    assert_true(median < 1.0);
    assert_true(max > 10.0);

    free(mean);
    free(per_sku);
    free(last_loc);
    ech_scenario_free(&sc);
}

/* Pharmacy sizes are consistent across SKUs: a pharmacy's share of demand is
 * similar for the fast movers, and big pharmacies stock more SKUs. */
static void test_catalogue_pharmacy_sizes(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(5000, 5);
    ech_scenario sc;
    build(&sc, 0, 60, &cg, 1);
    int32_t nl = sc.net.n;
    double *demand = calloc((size_t)nl, sizeof *demand);
    int32_t *stocked = calloc((size_t)nl, sizeof *stocked);
    for (int64_t r = 0; r < sc.sl.n; ++r) {
        demand[sc.sl.location[r]] += sc.sl.demand_mean[r];
        stocked[sc.sl.location[r]]++;
    }
    /* Hospital pharmacies (priority 1) sell more and stock more than community
     * ones (priority 3) on average. */
    double d_h = 0, d_c = 0, s_h = 0, s_c = 0;
    int n_h = 0, n_c = 0;
    for (int32_t i = 1; i < nl; ++i) {
        if (sc.net.priority[i] == 1) {
            d_h += demand[i];
            s_h += stocked[i];
            ++n_h;
        } else if (sc.net.priority[i] == 3) {
            d_c += demand[i];
            s_c += stocked[i];
            ++n_c;
        }
    }
    assert_true(n_c > 0);
    if (n_h > 0) {
        assert_true(d_h / n_h > 2.0 * d_c / n_c);
        assert_true(s_h / n_h > s_c / n_c);
    }
    free(demand);
    free(stocked);
    ech_scenario_free(&sc);
}

static void test_catalogue_flat_without_profiles(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(2000, 3);
    ech_scenario sc;
    build(&sc, 1, 4, &cg, 1);
    for (int32_t s = 0; s < sc.cat.n; ++s)
        assert_int_equal(sc.cat.season_profile[s], 0);
    /* Generating again replaces catalogue, segments and rows (ASan checks leaks). */
    ech_error err;
    cg.skus = 10;
    assert_int_equal(ech_generate_catalogue(&cg, &sc, &err), ECH_OK);
    assert_int_equal(sc.cat.n, 10);
    assert_int_equal(sc.n_segments, 4);
    ech_scenario_free(&sc);
}

static void expect_catalogue_error(ech_catalogue_gen cg, const char *key)
{
    ech_scenario sc;
    ech_error err;
    ech_error_clear(&err);
    scenario_init(&sc, 2, 1);
    ech_network_gen g = net_gen(1, 3);
    assert_int_equal(ech_generate_network(&g, &sc, &err), ECH_OK);
    assert_int_equal(ech_generate_catalogue(&cg, &sc, &err), ECH_ERR_INPUT);
    if (!strstr(err.msg, key))
        fail_msg("message '%s' does not name '%s'", err.msg, key);
    assert_int_equal(sc.cat.n, 0);
    ech_scenario_free(&sc);
}

static void test_catalogue_validation(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(0, 1);
    expect_catalogue_error(cg, "catalogue.generate.skus");
    cg = cat_gen(10000001, 1);
    expect_catalogue_error(cg, "catalogue.generate.skus");
    cg = cat_gen(10, 1);
    cg.fast_share = -0.1;
    expect_catalogue_error(cg, "catalogue.generate.fast_share");
    cg = cat_gen(10, 1);
    cg.intermittent_share = 1.5;
    expect_catalogue_error(cg, "catalogue.generate.intermittent_share");
    cg = cat_gen(10, 1);
    cg.fast_share = 0.6;
    cg.intermittent_share = 0.6;
    expect_catalogue_error(cg, "catalogue.generate.intermittent_share");
    cg = cat_gen(10, 1);
    cg.cold_share = NAN;
    expect_catalogue_error(cg, "catalogue.generate.cold_share");
    cg = cat_gen(10, 1);
    cg.controlled_share = 2.0;
    expect_catalogue_error(cg, "catalogue.generate.controlled_share");
    cg = cat_gen(10, 1);
    cg.generic_share = -1.0;
    expect_catalogue_error(cg, "catalogue.generate.generic_share");
    cg = cat_gen(10, 1);
    cg.assortment_density = 0.0;
    expect_catalogue_error(cg, "catalogue.generate.assortment_density");
    cg = cat_gen(10, 1);
    cg.assortment_density = 1.01;
    expect_catalogue_error(cg, "catalogue.generate.assortment_density");

    /* No suppliers. */
    ech_scenario sc;
    ech_error err;
    scenario_init(&sc, 0, 1);
    ech_network_gen g = net_gen(1, 3);
    assert_int_equal(ech_generate_network(&g, &sc, &err), ECH_OK);
    cg = cat_gen(10, 1);
    assert_int_equal(ech_generate_catalogue(&cg, &sc, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "supplier"));
    ech_scenario_free(&sc);
}

/* Edge parameters: everything stocked everywhere, one pharmacy, all fast. */
static void test_catalogue_edges(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(300, 9);
    cg.assortment_density = 1.0;
    ech_scenario sc;
    build(&sc, 2, 5, &cg, 1);
    assert_int_equal(sc.sl.n, 300 * 10);
    ech_scenario_free(&sc);

    cg = cat_gen(300, 9);
    build(&sc, 0, 1, &cg, 1);
    assert_int_equal(sc.sl.n, 300);
    ech_scenario_free(&sc);

    cg = cat_gen(300, 9);
    cg.fast_share = 1.0;
    cg.intermittent_share = 0.0;
    cg.cold_share = 1.0;
    cg.controlled_share = 1.0;
    cg.generic_share = 0.0;
    build(&sc, 1, 20, &cg, 1);
    for (int32_t s = 0; s < 300; ++s)
        assert_int_equal(sc.cat.segment[s], 0);
    assert_unique(sc.cat.name, 300);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * With ech_scenario_finalize
 * ------------------------------------------------------------------------------ */

static void check_finalized(const ech_scenario *sc)
{
    const ech_skulocs *sl = &sc->sl;
    const ech_network *net = &sc->net;
    assert_non_null(sl->sku_begin);
    assert_true(sl->sku_begin[0] == 0);
    assert_true(sl->sku_begin[sc->cat.n] == sl->n);
    for (int32_t s = 0; s < sc->cat.n; ++s) {
        int64_t b = sl->sku_begin[s], e = sl->sku_begin[s + 1];
        assert_true(e > b);
        /* The root first (topological order), then the rest. */
        assert_int_equal(sl->location[b], net->root);
        for (int64_t x = b; x < e; ++x)
            assert_int_equal(sl->sku[x], s);
    }
    for (int64_t x = 0; x < sl->n; ++x) {
        int32_t loc = sl->location[x];
        int64_t p = sl->parent[x];
        if (net->parent[loc] < 0) {
            assert_true(p == -1);
            continue;
        }
        /* The parent skuloc is the same SKU at the parent location, earlier. */
        assert_true(p >= 0 && p < x);
        assert_int_equal(sl->sku[p], sl->sku[x]);
        assert_int_equal(sl->location[p], net->parent[loc]);
        assert_int_equal(sl->demand_dist[p], ECH_DEMAND_NONE);
        assert_true(ech_scenario_find_skuloc(sc, sl->sku[x], loc) == x);
    }
}

static void test_finalize_accepts(void **state)
{
    (void)state;
    ech_error err;
    ech_catalogue_gen cg = cat_gen(10000, 2025);
    ech_scenario sc;
    build(&sc, 3, 12, &cg, 2);
    int64_t leaf_rows = sc.sl.n;
    int32_t n_sku = sc.cat.n;

    /* Expected rows: leaf rows, plus the CW for each SKU, plus each SKU's DCs. */
    int64_t dc_rows = 0;
    {
        int dc_seen[4];
        int64_t r = 0;
        for (int32_t s = 0; s < n_sku; ++s) {
            memset(dc_seen, 0, sizeof dc_seen);
            for (; r < leaf_rows && sc.sl.sku[r] == s; ++r) {
                int32_t dc = sc.net.parent[sc.sl.location[r]];
                if (!dc_seen[dc]) {
                    dc_seen[dc] = 1;
                    ++dc_rows;
                }
            }
        }
    }
    /* Figures for the record (see the report of the generator's shape). */
    int slow = 0;
    for (int32_t s = 0; s < n_sku; ++s)
        slow += sc.cat.segment[s] == 2;
    double *mean = malloc((size_t)leaf_rows * sizeof *mean);
    double sum = 0.0;
    for (int64_t r = 0; r < leaf_rows; ++r) {
        mean[r] = sc.sl.demand_mean[r];
        sum += mean[r];
    }
    qsort(mean, (size_t)leaf_rows, sizeof *mean, cmp_double);

    if (ech_scenario_finalize(&sc, "generated", &err) != ECH_OK)
        fail_msg("%s", err.msg);
    assert_true(sc.sl.n == leaf_rows + n_sku + dc_rows);
    check_finalized(&sc);

    print_message("10000 SKUs x 36 pharmacies: slow share %.3f, demand per pharmacy median "
                  "%.3f mean %.3f max %.1f units/day, %.2f pharmacies per SKU, %lld leaf "
                  "skulocs, %lld skulocs after finalize\n",
                  slow / (double)n_sku, mean[leaf_rows / 2], sum / (double)leaf_rows,
                  mean[leaf_rows - 1], leaf_rows / (double)n_sku, (long long)leaf_rows,
                  (long long)sc.sl.n);
    free(mean);
    ech_scenario_free(&sc);

    /* Without DCs: pharmacies straight under the CW. */
    cg = cat_gen(500, 1);
    build(&sc, 0, 15, &cg, 1);
    leaf_rows = sc.sl.n;
    if (ech_scenario_finalize(&sc, "generated", &err) != ECH_OK)
        fail_msg("%s", err.msg);
    assert_true(sc.sl.n == leaf_rows + 500);
    check_finalized(&sc);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * Cold rooms, unit volumes, receipt lives, reserves and display stock
 * ------------------------------------------------------------------------------ */

static void test_cold_volume_display(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(4000, 31);
    cg.cold_share = 0.2;
    cg.display_share = 0.3;
    ech_network_gen g = net_gen(2, 10);
    g.cw_cold_capacity_litres = 4000;
    g.dc_cold_capacity_litres = 600.5;
    g.retail_cold_capacity_litres = 90;
    ech_scenario a, b;
    ech_error err;
    for (int pass = 0; pass < 2; ++pass) {
        ech_scenario *sc = pass ? &b : &a;
        scenario_init(sc, 5, 2);
        assert_int_equal(ech_generate_network(&g, sc, &err), ECH_OK);
        if (ech_generate_catalogue(&cg, sc, &err) != ECH_OK)
            fail_msg("%s", err.msg);
    }
    for (int32_t i = 0; i < a.net.n; ++i) {
        double want = a.net.kind[i] == ECH_LOC_CW   ? 4000.0
                      : a.net.kind[i] == ECH_LOC_DC ? 600.5
                                                    : 90.0;
        assert_true(a.net.cold_capacity_litres[i] == want);
    }
    const ech_catalogue *cat = &a.cat;
    double log_sum[2] = {0.0, 0.0};
    int count[2] = {0, 0};
    for (int32_t s = 0; s < cat->n; ++s) {
        int cold = cat->storage[s] == ECH_STORAGE_COLD;
        double v = cat->unit_volume_litres[s];
        if (cold)
            assert_true(v >= 0.02 && v <= 0.5);
        else
            assert_true(v >= 0.01 && v <= 0.5);
        assert_true(fabs(v * 1000.0 - round(v * 1000.0)) < 1e-9); /* whole millilitres */
        log_sum[cold] += log(v);
        count[cold]++;
        assert_true(isnan(cat->receipt_life_min[s]) && isnan(cat->receipt_life_max[s]));
        assert_int_equal(cat->cw_reserved_units[s], -1);
        /* Deterministic. */
        assert_true(v == b.cat.unit_volume_litres[s]);
    }
    /* Log-uniform: the geometric mean is sqrt(lo x hi). */
    assert_true(count[0] > 0 && count[1] > 0);
    assert_true(fabs(exp(log_sum[1] / count[1]) - 0.1) < 0.01);
    assert_true(fabs(exp(log_sum[0] / count[0]) - sqrt(0.005)) < 0.007);

    int64_t shown = 0;
    int by_value[4] = {0};
    assert_int_equal(a.sl.n, b.sl.n);
    for (int64_t x = 0; x < a.sl.n; ++x) {
        assert_in_range(a.sl.display_min[x], 0, 3);
        by_value[a.sl.display_min[x]]++;
        shown += a.sl.display_min[x] > 0;
        assert_int_equal(a.sl.display_min[x], b.sl.display_min[x]);
    }
    double share = (double)shown / (double)a.sl.n;
    if (fabs(share - 0.3) > 0.02)
        fail_msg("display share %g, asked 0.3", share);
    for (int v = 1; v <= 3; ++v)
        assert_true(fabs(by_value[v] / (double)shown - 1.0 / 3.0) < 0.05);

    /* Display minimums follow their rows through ech_scenario_finalize. */
    int32_t *sku_of = malloc((size_t)a.sl.n * sizeof *sku_of);
    int32_t *loc_of = malloc((size_t)a.sl.n * sizeof *loc_of);
    int32_t *shown_of = malloc((size_t)a.sl.n * sizeof *shown_of);
    int64_t rows = a.sl.n;
    for (int64_t x = 0; x < rows; ++x) {
        sku_of[x] = a.sl.sku[x];
        loc_of[x] = a.sl.location[x];
        shown_of[x] = a.sl.display_min[x];
    }
    if (ech_scenario_finalize(&a, "generated", &err) != ECH_OK)
        fail_msg("%s", err.msg);
    for (int64_t x = 0; x < rows; ++x)
        assert_int_equal(a.sl.display_min[ech_scenario_find_skuloc(&a, sku_of[x], loc_of[x])],
                         shown_of[x]);
    for (int64_t x = 0; x < a.sl.n; ++x)
        if (a.net.kind[a.sl.location[x]] != ECH_LOC_RETAIL)
            assert_int_equal(a.sl.display_min[x], 0);
    free(sku_of);
    free(loc_of);
    free(shown_of);
    ech_scenario_free(&a);
    ech_scenario_free(&b);

    /* Without display_share, no display stock; without capacities, none declared. */
    cg.display_share = 0.0;
    build(&a, 1, 5, &cg, 1);
    for (int64_t x = 0; x < a.sl.n; ++x)
        assert_int_equal(a.sl.display_min[x], 0);
    for (int32_t i = 0; i < a.net.n; ++i)
        assert_true(a.net.cold_capacity_litres[i] == 0.0);
    ech_scenario_free(&a);
}

/* A scenario built by code that knows nothing of the new arrays (an older loader,
 * a test): ech_scenario_finalize fills them with the defaults. */
/* Columns the generator does not set hold their declared defaults (scenario.h):
 * the scenario's receipt lives (NaN), its reserve share (-1), no cold room. */
static void test_defaults_for_code_built(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(200, 4);
    ech_scenario sc;
    build(&sc, 1, 6, &cg, 1);
    ech_error err;
    if (ech_scenario_finalize(&sc, "generated", &err) != ECH_OK)
        fail_msg("%s", err.msg);
    for (int32_t i = 0; i < sc.net.n; ++i)
        assert_true(sc.net.cold_capacity_litres[i] == 0.0);
    for (int32_t k = 0; k < sc.cat.n; ++k) {
        assert_true(isnan(sc.cat.receipt_life_min[k]) && isnan(sc.cat.receipt_life_max[k]));
        assert_int_equal(sc.cat.cw_reserved_units[k], -1);
    }
    for (int64_t x = 0; x < sc.sl.n; ++x) {
        assert_int_equal(sc.sl.display_min[x], 0);
        assert_int_equal(sc.sl.start_on_hand[x], -1);
        assert_int_equal(sc.sl.replay[x], -1);
    }
    /* Scenario-level settings of a code-built scenario are zero: batches off, no
     * rules for controlled SKUs, no reserve. */
    assert_int_equal(sc.expiry.enabled, 0);
    assert_int_equal(sc.controlled.extra_lead_time_days, 0);
    assert_true(sc.cw_reserve_share == 0.0);
    ech_scenario_free(&sc);
}

static void test_new_generator_keys_validation(void **state)
{
    (void)state;
    ech_network_gen g = net_gen(2, 3);
    g.cw_cold_capacity_litres = -1.0;
    expect_network_error(g, "network.generate.cw_cold_capacity_litres: must be");
    g = net_gen(2, 3);
    g.dc_cold_capacity_litres = NAN;
    expect_network_error(g, "network.generate.dc_cold_capacity_litres");
    g = net_gen(2, 3);
    g.retail_cold_capacity_litres = -0.5;
    expect_network_error(g, "network.generate.retail_cold_capacity_litres");
    ech_catalogue_gen cg = cat_gen(10, 1);
    cg.display_share = 1.5;
    expect_catalogue_error(cg, "catalogue.generate.display_share");
    cg = cat_gen(10, 1);
    cg.display_share = -0.1;
    expect_catalogue_error(cg, "catalogue.generate.display_share");
}

/* ------------------------------------------------------------------------------
 * Fixed values: fields that existed before a generator change must not move
 * ------------------------------------------------------------------------------ */

#define FNV_ARRAY(h, a, n) ts_fnv1a((h), (a), (size_t)(n) * sizeof *(a))

/* A fingerprint of every network, catalogue and assortment field the generator
 * made before batches, cold rooms, reserved and display stock were added. */
static uint64_t fingerprint(const ech_scenario *sc)
{
    uint64_t h = TS_FNV_OFFSET;
    const ech_network *net = &sc->net;
    for (int32_t i = 0; i < net->n; ++i) {
        h = ts_fnv1a(h, net->id[i], strlen(net->id[i]) + 1);
        h = ts_fnv1a(h, net->name[i], strlen(net->name[i]) + 1);
    }
    h = FNV_ARRAY(h, net->kind, net->n);
    h = FNV_ARRAY(h, net->parent, net->n);
    h = FNV_ARRAY(h, net->lead_time_days, net->n);
    h = FNV_ARRAY(h, net->priority, net->n);
    h = FNV_ARRAY(h, net->review_offset, net->n);
    const ech_catalogue *c = &sc->cat;
    for (int32_t s = 0; s < c->n; ++s) {
        h = ts_fnv1a(h, c->id[s], strlen(c->id[s]) + 1);
        h = ts_fnv1a(h, c->name[s], strlen(c->name[s]) + 1);
    }
    h = FNV_ARRAY(h, c->unit_cost, c->n);
    h = FNV_ARRAY(h, c->unit_price, c->n);
    h = FNV_ARRAY(h, c->pack_size, c->n);
    h = FNV_ARRAY(h, c->supplier, c->n);
    h = FNV_ARRAY(h, c->site, c->n);
    h = FNV_ARRAY(h, c->alt_site, c->n);
    h = FNV_ARRAY(h, c->alt_rule, c->n);
    h = FNV_ARRAY(h, c->alt_split, c->n);
    h = FNV_ARRAY(h, c->alt_premium, c->n);
    h = FNV_ARRAY(h, c->shelf_life_days, c->n);
    h = FNV_ARRAY(h, c->storage, c->n);
    h = FNV_ARRAY(h, c->handling, c->n);
    h = FNV_ARRAY(h, c->substitution, c->n);
    h = FNV_ARRAY(h, c->segment, c->n);
    h = FNV_ARRAY(h, c->season_profile, c->n);
    h = FNV_ARRAY(h, c->trend_per_year, c->n);
    const ech_skulocs *sl = &sc->sl;
    h = FNV_ARRAY(h, sl->sku, sl->n);
    h = FNV_ARRAY(h, sl->location, sl->n);
    h = FNV_ARRAY(h, sl->demand_dist, sl->n);
    h = FNV_ARRAY(h, sl->demand_mean, sl->n);
    h = FNV_ARRAY(h, sl->demand_var_ratio, sl->n);
    h = FNV_ARRAY(h, sl->demand_zero_prob, sl->n);
    h = FNV_ARRAY(h, sl->replay, sl->n);
    h = FNV_ARRAY(h, sl->policy, sl->n);
    h = FNV_ARRAY(h, sl->review_days, sl->n);
    h = FNV_ARRAY(h, sl->order_up_to, sl->n);
    /* "Not given" was -1 when the fingerprint was taken. */
    for (int64_t x = 0; x < sl->n; ++x) {
        int32_t s = sl->reorder_point[x] == ECH_REORDER_NOT_GIVEN ? -1 : sl->reorder_point[x];
        h = ts_fnv1a(h, &s, sizeof s);
    }
    h = FNV_ARRAY(h, sl->min_order_qty, sl->n);
    h = FNV_ARRAY(h, sl->start_on_hand, sl->n);
    return h;
}

static void test_existing_values_unchanged(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(3000, 20261204);
    cg.cold_share = 0.1;
    cg.alternative_share = 0.3;
    ech_scenario sc;
    build(&sc, 3, 12, &cg, 3);
    /* The values of the generator before the new fields (since its exponentials and
     * logarithms became ech_exp and ech_log: the same on every x86-64). */
    assert_true(fingerprint(&sc) == UINT64_C(0x03b31b7b0cce2b21));
    ech_scenario_free(&sc);

    /* The same with cold rooms and display stock asked for: the new fields come from
     * their own streams and move nothing else. */
    cg.display_share = 0.5;
    ech_network_gen g = net_gen(3, 12);
    g.cw_cold_capacity_litres = 5000;
    g.dc_cold_capacity_litres = 800;
    g.retail_cold_capacity_litres = 120;
    ech_error err;
    scenario_init(&sc, 5, 3);
    assert_int_equal(ech_generate_network(&g, &sc, &err), ECH_OK);
    if (ech_generate_catalogue(&cg, &sc, &err) != ECH_OK)
        fail_msg("%s", err.msg);
    assert_true(fingerprint(&sc) == UINT64_C(0x03b31b7b0cce2b21));
    ech_scenario_free(&sc);

    /* A bundled scenario with sites, regions and alternative sources, through the
     * loader (skulocs finalised). */
    char path[1024];
    const char *root = getenv("ECHELON_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/scenarios/regional_outage.yaml", root ? root : ".");
    if (ech_scenario_load(path, NULL, &sc, &err) != ECH_OK)
        fail_msg("%s", err.msg);
    assert_true(fingerprint(&sc) == UINT64_C(0xe98264b2aa826c08));
    ech_scenario_free(&sc);
}

/* 50,000 SKUs over 1,000 pharmacies must take well under a few seconds. */
static void test_catalogue_speed(void **state)
{
    (void)state;
    ech_catalogue_gen cg = cat_gen(50000, 77);
    ech_scenario sc;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    build(&sc, 10, 100, &cg, 3);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    print_message("50000 SKUs x 1000 pharmacies: %lld rows in %.2f s\n", (long long)sc.sl.n, s);
    /* Generous: sanitizer and debug builds are several times slower. */
    assert_true(s < 60.0);
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network_shape),
        cmocka_unit_test(test_network_large_unique),
        cmocka_unit_test(test_network_validation),
        cmocka_unit_test(test_catalogue_deterministic),
        cmocka_unit_test(test_catalogue_thread_independent),
        cmocka_unit_test(test_catalogue_prefix_stable),
        cmocka_unit_test(test_catalogue_shape),
        cmocka_unit_test(test_catalogue_pharmacy_sizes),
        cmocka_unit_test(test_catalogue_flat_without_profiles),
        cmocka_unit_test(test_catalogue_validation),
        cmocka_unit_test(test_catalogue_edges),
        cmocka_unit_test(test_finalize_accepts),
        cmocka_unit_test(test_cold_volume_display),
        cmocka_unit_test(test_defaults_for_code_built),
        cmocka_unit_test(test_new_generator_keys_validation),
        cmocka_unit_test(test_existing_values_unchanged),
        cmocka_unit_test(test_catalogue_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
