/* Substitution among generics (docs/MODEL.md, "Substitution among generics"): one
 * pharmacy supplied directly with lead time 0 and a daily review, so each day starts
 * with every SKU at its order-up-to level S and the day's outcome has a closed form.
 *  - A never stocked (S = 0), B with ample stock: B sells its own demand plus
 *    share x A's demand in expectation, A loses the rest (99% intervals);
 *  - B with little stock (S = 5): the units substituted a day are
 *    E[min(W, (5 - D_B)^+)], W the rounded share of A's demand, summed exactly by
 *    convolution;
 *  - the order substitutes are offered in (cheapest, preferred, any), exactly;
 *  - conservation per replication (the engine checks it; here also substituted out =
 *    in, demand = filled + substituted + lost), with batches too;
 *  - each SKU sees the same demand as without substitution, SKUs outside the group
 *    are unchanged, and the results of a SKU do not depend on which member's
 *    evaluation recorded them nor on whether the group was simulated once for all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "support_check.h"
#include "support_scenario.h"

#include <gsl/gsl_randist.h>
#include <math.h>

#define DAYS 100

/* Replications per case (fewer under the sanitizers, where the engine is slower). */
static int64_t reps(void)
{
    return getenv("ECHELON_SANITIZED") ? 100 : 400;
}

typedef struct sku_def {
    const char *id;
    double lambda; /* Poisson daily demand */
    int32_t S;     /* order-up-to level (0: never stocked) */
    double price;
    int32_t rank;
    int in_group;
} sku_def;

/* One pharmacy P (the root, lead time 0, daily review); the SKUs marked in_group
 * form one substitution group. */
static void build(ech_scenario *sc, const sku_def *def, int n, double share, ech_subst_order order,
                  int life_days)
{
    ts_init(sc, DAYS, 5, reps(), 20271);
    sc->unmet_demand = ECH_UNMET_LOST;
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, 0, 0, 0, 0);
    int32_t loc = ts_add_location(sc, "P", ECH_LOC_RETAIL, NULL, 0);
    for (int k = 0; k < n; ++k) {
        int32_t sku = ts_add_sku(sc, def[k].id, 1.0, def[k].price, 1, sup);
        ts_add_skuloc(sc, sku, loc, ECH_DEMAND_POISSON, def[k].lambda, 1, 0, ECH_POLICY_BASE_STOCK,
                      1, def[k].S, -1);
        sc->cat.subst_group[sku] = def[k].in_group ? 0 : -1;
        sc->cat.subst_rank[sku] = def[k].rank;
        sc->cat.shelf_life_days[sku] = life_days;
    }
    if (life_days > 0)
        ts_expiry_on(sc, 1.0, 0);
    sc->subst.enabled = 1;
    sc->subst.share = share;
    sc->subst.order = (uint8_t)order;
    sc->subst.n_groups = 1;
    sc->subst.group_name = malloc(sizeof(char *));
    sc->subst.group_name[0] = strdup("INN 10 mg tablet");
    ech_scenario_index_groups(sc);
    ts_finish(sc);
}

/* KPI values of SKU k (one node) for every replication, and its totals. */
typedef struct result {
    int64_t reps;
    double *v;      /* [k * reps + r] */
    int64_t *total; /* [r * ECH_TOTAL_COUNT + t] */
} result;

static result evaluate(const ech_scenario *sc, int32_t sku)
{
    result res = {.reps = sc->replications};
    res.v = calloc((size_t)(ECH_KPI_COUNT * res.reps), sizeof *res.v);
    res.total = calloc((size_t)(ECH_TOTAL_COUNT * res.reps), sizeof *res.total);
    ech_engine *e = ech_engine_new(sc);
    ech_error err;
    ech_error_clear(&err);
    ech_status st = ech_engine_run_sku(e, sku, 0, 0, res.reps, res.v, res.reps, res.total, &err);
    if (st != ECH_OK)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, ECH_OK);
    ech_engine_free(e);
    return res;
}

static double kpi(const result *r, int k, int64_t rep)
{
    return r->v[(int64_t)k * r->reps + rep];
}

static void result_free(result *r)
{
    free(r->v);
    free(r->total);
}

/* Per-replication daily mean of a KPI. */
static double *per_day(const result *r, int k)
{
    double *x = calloc((size_t)(r->reps > 0 ? r->reps : 1), sizeof *x);
    for (int64_t rep = 0; rep < r->reps; ++rep)
        x[rep] = kpi(r, k, rep) / DAYS;
    return x;
}

/* The accounting identities of a demand point under lost sales. */
static void check_identities(const result *r)
{
    for (int64_t rep = 0; rep < r->reps; ++rep) {
        double demand = kpi(r, ECH_KPI_DEMAND, rep);
        double filled = round(kpi(r, ECH_KPI_FILL_RATE, rep) * demand);
        assert_true(filled + kpi(r, ECH_KPI_SUBSTITUTED_OUT, rep) + kpi(r, ECH_KPI_LOST, rep) ==
                    demand);
        assert_true(filled + kpi(r, ECH_KPI_SUBSTITUTED_IN, rep) == kpi(r, ECH_KPI_SOLD, rep));
        assert_true(r->total[rep * ECH_TOTAL_COUNT + ECH_TOTAL_SUBSTITUTED] ==
                    kpi(r, ECH_KPI_SUBSTITUTED_OUT, rep));
    }
}

static void test_never_stocked(void **state)
{
    (void)state;
    const double share = 0.7, la = 6.0, lb = 4.0;
    sku_def def[] = {{"A", la, 0, 2.0, 0, 1}, {"B", lb, 200, 2.0, 0, 1}};
    ech_scenario sc;
    build(&sc, def, 2, share, ECH_SUBST_ORDER_CHEAPEST, 0);
    result a = evaluate(&sc, 0), b = evaluate(&sc, 1);
    check_identities(&a);
    check_identities(&b);
    for (int64_t rep = 0; rep < a.reps; ++rep) {
        assert_true(kpi(&a, ECH_KPI_SUBSTITUTED_OUT, rep) == kpi(&b, ECH_KPI_SUBSTITUTED_IN, rep));
        assert_true(kpi(&b, ECH_KPI_LOST, rep) == 0.0);
    }
    double *sold = per_day(&b, ECH_KPI_SOLD), *lost = per_day(&a, ECH_KPI_LOST);
    ts_check_mean("B sold a day = lambda_B + share lambda_A", sold, b.reps, lb + share * la);
    ts_check_mean("A lost a day = (1 - share) lambda_A", lost, a.reps, (1 - share) * la);
    free(sold);
    free(lost);
    result_free(&a);
    result_free(&b);
    ech_scenario_free(&sc);
}

/* E[min(W, r)] for W the rounded share of u ~ Poisson(la): floor(share u) plus one
 * with probability frac(share u). */
static double expected_min(double share, double la, int64_t r)
{
    double e = 0.0;
    for (int64_t u = 0; u < 200; ++u) {
        double x = share * (double)u, lo = floor(x), frac = x - lo;
        double w_lo = lo < (double)r ? lo : (double)r,
               w_hi = lo + 1 < (double)r ? lo + 1 : (double)r;
        e += gsl_ran_poisson_pdf((unsigned)u, la) * ((1 - frac) * w_lo + frac * w_hi);
    }
    return e;
}

static void test_little_stock(void **state)
{
    (void)state;
    const double share = 0.5, la = 6.0, lb = 4.0;
    const int32_t sb = 5;
    sku_def def[] = {{"A", la, 0, 2.0, 0, 1}, {"B", lb, sb, 2.0, 0, 1}};
    ech_scenario sc;
    build(&sc, def, 2, share, ECH_SUBST_ORDER_ANY, 0);
    result a = evaluate(&sc, 0), b = evaluate(&sc, 1);
    check_identities(&a);
    check_identities(&b);
    double exact = 0.0;
    for (int64_t d = 0; d < 200; ++d)
        exact +=
            gsl_ran_poisson_pdf((unsigned)d, lb) * expected_min(share, la, d < sb ? sb - d : 0);
    double *in = per_day(&b, ECH_KPI_SUBSTITUTED_IN);
    ts_check_mean("substituted a day = E[min(W, (5 - D_B)^+)]", in, b.reps, exact);
    free(in);
    for (int64_t rep = 0; rep < a.reps; ++rep)
        assert_true(kpi(&a, ECH_KPI_SUBSTITUTED_OUT, rep) == kpi(&b, ECH_KPI_SUBSTITUTED_IN, rep));
    result_free(&a);
    result_free(&b);
    ech_scenario_free(&sc);
}

/* Which of two ample substitutes B and C takes A's customers. */
static void check_order(ech_subst_order order, int32_t s_b, int32_t s_c, int b_takes)
{
    /* B is dearer, C preferred less (rank 2). */
    sku_def def[] = {
        {"A", 6.0, 0, 2.0, 0, 1}, {"B", 2.0, s_b, 3.0, 1, 1}, {"C", 2.0, s_c, 2.5, 2, 1}};
    ech_scenario sc;
    build(&sc, def, 3, 1.0, order, 0);
    result a = evaluate(&sc, 0), b = evaluate(&sc, 1), c = evaluate(&sc, 2);
    for (int64_t rep = 0; rep < a.reps; ++rep) {
        double out = kpi(&a, ECH_KPI_SUBSTITUTED_OUT, rep);
        assert_true(out == kpi(&a, ECH_KPI_DEMAND, rep)); /* share 1, ample stock */
        assert_true(kpi(b_takes ? &b : &c, ECH_KPI_SUBSTITUTED_IN, rep) == out);
        assert_true(kpi(b_takes ? &c : &b, ECH_KPI_SUBSTITUTED_IN, rep) == 0.0);
    }
    result_free(&a);
    result_free(&b);
    result_free(&c);
    ech_scenario_free(&sc);
}

static void test_order(void **state)
{
    (void)state;
    check_order(ECH_SUBST_ORDER_CHEAPEST, 200, 200, 0);
    check_order(ECH_SUBST_ORDER_PREFERRED, 200, 200, 1);
    check_order(ECH_SUBST_ORDER_ANY, 200, 100, 1); /* the most stock on hand */
    check_order(ECH_SUBST_ORDER_ANY, 100, 200, 0);
}

/* Demand is each SKU's own, the SKU outside the group is untouched, and batches
 * stay consistent with substitute sales. */
static void test_alone_and_batches(void **state)
{
    (void)state;
    sku_def def[] = {{"A", 6.0, 4, 2.0, 0, 1}, {"B", 4.0, 6, 2.0, 0, 1}, {"X", 3.0, 5, 2.0, 0, 0}};
    for (int life = 0; life <= 2; life += 2) {
        def[1].S = life ? 12 : 6; /* with batches, stock left to expire */
        ech_scenario with, without;
        build(&with, def, 3, 0.8, ECH_SUBST_ORDER_CHEAPEST, life);
        build(&without, def, 3, 0.8, ECH_SUBST_ORDER_CHEAPEST, life);
        without.subst.enabled = 0;
        for (int32_t k = 0; k < 3; ++k) {
            result r1 = evaluate(&with, k), r0 = evaluate(&without, k);
            check_identities(&r1);
            double expired = 0;
            for (int64_t rep = 0; rep < r1.reps; ++rep)
                expired += kpi(&r1, ECH_KPI_EXPIRED, rep);
            assert_true(k != 1 || (expired > 0) == (life > 0));
            for (int64_t rep = 0; rep < r1.reps; ++rep)
                assert_true(kpi(&r1, ECH_KPI_DEMAND, rep) == kpi(&r0, ECH_KPI_DEMAND, rep));
            if (k == 2)
                assert_memory_equal(r1.v, r0.v, sizeof(double) * ECH_KPI_COUNT * (size_t)r1.reps);
            result_free(&r1);
            result_free(&r0);
        }
        /* Substitution sells what would have been lost: less lost in all. */
        result a1 = evaluate(&with, 0), a0 = evaluate(&without, 0);
        double lost1 = 0, lost0 = 0;
        for (int64_t rep = 0; rep < a1.reps; ++rep) {
            lost1 += kpi(&a1, ECH_KPI_LOST, rep);
            lost0 += kpi(&a0, ECH_KPI_LOST, rep);
        }
        printf("  shelf life %d: A lost %.0f units with substitution, %.0f without\n", life, lost1,
               lost0);
        assert_true(lost1 < lost0);
        result_free(&a1);
        result_free(&a0);
        ech_scenario_free(&with);
        ech_scenario_free(&without);
    }
}

/* The whole group simulated once (the run's unit of a group) records for every SKU
 * what evaluating that SKU alone records, bit for bit, also for a block of
 * replications. */
static void test_group_once(void **state)
{
    (void)state;
    sku_def def[] = {{"A", 6.0, 4, 2.0, 0, 1}, {"B", 4.0, 6, 2.5, 0, 1}, {"C", 3.0, 5, 2.2, 0, 1}};
    ech_scenario sc;
    build(&sc, def, 3, 0.6, ECH_SUBST_ORDER_CHEAPEST, 0);
    int64_t n = sc.replications, b = 3, e = n - 5;
    double *v = calloc((size_t)(3 * ECH_KPI_COUNT * n), sizeof *v);
    int64_t *tot = calloc((size_t)(3 * ECH_TOTAL_COUNT * n), sizeof *tot);
    ech_eval_out out[3];
    const ech_eval_out *outs[3];
    for (int k = 0; k < 3; ++k) {
        out[k] = (ech_eval_out){.kpi = v + (size_t)k * ECH_KPI_COUNT * (size_t)n + b,
                                .rep_stride = n,
                                .totals = tot + (size_t)k * ECH_TOTAL_COUNT * (size_t)n};
        outs[k] = &out[k];
    }
    ech_engine *eng = ech_engine_new(&sc);
    ech_error err;
    ech_error_clear(&err);
    assert_int_equal(ech_engine_run_group(eng, 0, 0, b, e, outs, &err), ECH_OK);
    ech_engine_free(eng);
    for (int k = 0; k < 3; ++k) {
        result alone = evaluate(&sc, k);
        for (int q = 0; q < ECH_KPI_COUNT; ++q)
            assert_memory_equal(&v[((size_t)k * ECH_KPI_COUNT + (size_t)q) * (size_t)n + (size_t)b],
                                &alone.v[(size_t)q * (size_t)n + (size_t)b],
                                (size_t)(e - b) * sizeof(double));
        assert_memory_equal(tot + (size_t)k * ECH_TOTAL_COUNT * (size_t)n,
                            alone.total + b * ECH_TOTAL_COUNT,
                            (size_t)(e - b) * ECH_TOTAL_COUNT * sizeof(int64_t));
        result_free(&alone);
    }
    free(v);
    free(tot);
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_stocked), cmocka_unit_test(test_little_stock),
        cmocka_unit_test(test_order),         cmocka_unit_test(test_alone_and_batches),
        cmocka_unit_test(test_group_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
