/* Allocation rules (allocation.c) on their own and in the engine:
 *  - fair share: the shares sum to what is available, stay within one unit of the
 *    proportional share (the largest remainders get the units left over) and equal
 *    remainders take turns with the rotation;
 *  - lost margin: the shares sum to what is available, never exceed what a child
 *    is owed, and minimise the total expected shortfall: on random small cases it
 *    equals the brute-force minimum over every feasible allocation and is never
 *    worse than fair share;
 *  - the expected shortfall E[(D - y)+] against direct summation;
 *  - in the engine, a short warehouse serving pharmacies with very different demand
 *    and safety stock loses significantly fewer sales with lost-margin allocation
 *    than with fair share (two variants on common random numbers, paired
 *    differences with a 99% interval). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/allocation.h"
#include "echelon/engine.h"
#include "echelon/rng.h"
#include "support_scenario.h"

#include <gsl/gsl_randist.h>
#include <math.h>

#define Z99 2.5758293035489004

enum { MAX_K = 8 };

typedef struct scratch {
    unsigned char buf[4096];
    ech_alloc_scratch s;
} scratch;

static void scratch_init(scratch *sc, int32_t k)
{
    assert_true(ech_alloc_scratch_bytes(k) <= sizeof sc->buf);
    ech_alloc_scratch_init(&sc->s, sc->buf, k);
}

static int32_t uniform_int(ech_pcg32 *rng, int32_t lo, int32_t hi)
{
    return lo + (int32_t)ech_pcg32_bounded(rng, (uint32_t)(hi - lo + 1));
}

/* ------------------------------------------------------------------------------
 * Fair share
 * ------------------------------------------------------------------------------ */

static void fair(int32_t k, const int32_t *want, int32_t avail, int32_t rotation, int32_t *x)
{
    scratch s;
    scratch_init(&s, k);
    ech_allocate_fair_share(k, want, avail, rotation, x, &s.s);
}

static void test_fair_share_by_hand(void **state)
{
    (void)state;
    int32_t x[3];
    /* 5 units over three equal claims of 4: one each, the two left by turns. */
    const int32_t equal[3] = {4, 4, 4};
    const int32_t expect[4][3] = {{2, 2, 1}, {1, 2, 2}, {2, 1, 2}, {2, 2, 1}};
    for (int32_t rot = 0; rot < 4; ++rot) {
        fair(3, equal, 5, rot, x);
        for (int c = 0; c < 3; ++c)
            assert_int_equal(x[c], expect[rot][c]);
    }
    /* Claims 1, 2, 7 and 5 units: shares 0.5, 1, 3.5 -> 0, 1, 3 and one left for
     * child 0 or 2 (equal remainders), whichever comes first from the rotation. */
    const int32_t mixed[3] = {1, 2, 7};
    fair(3, mixed, 5, 0, x);
    assert_int_equal(x[0], 1);
    assert_int_equal(x[1], 1);
    assert_int_equal(x[2], 3);
    fair(3, mixed, 5, 1, x);
    assert_int_equal(x[0], 0);
    assert_int_equal(x[2], 4);
    fair(3, mixed, 5, 2, x);
    assert_int_equal(x[0], 0);
    assert_int_equal(x[2], 4);
    /* A larger remainder beats the rotation: claims 3 and 1, 3 units: shares 2.25
     * and 0.75 -> 2, 0, and the unit left goes to child 1 (remainder 3 of 4 against
     * 1 of 4) whatever the rotation. */
    const int32_t two[2] = {3, 1};
    for (int32_t rot = 0; rot < 2; ++rot) {
        fair(2, two, 3, rot, x);
        assert_int_equal(x[0], 2);
        assert_int_equal(x[1], 1);
    }
    /* Nothing to give. */
    fair(3, equal, 0, 1, x);
    for (int c = 0; c < 3; ++c)
        assert_int_equal(x[c], 0);
}

static void test_fair_share_random(void **state)
{
    (void)state;
    ech_pcg32 rng;
    ech_stream_init(&rng, 11, ECH_STREAM_TEST, 1, 0, 0);
    for (int it = 0; it < 20000; ++it) {
        int32_t k = uniform_int(&rng, 1, MAX_K), want[MAX_K], x[MAX_K];
        int64_t total = 0;
        for (int c = 0; c < k; ++c) {
            want[c] = uniform_int(&rng, 0, it % 3 == 0 ? 3 : 40);
            total += want[c];
        }
        if (total == 0)
            continue;
        int32_t avail = uniform_int(&rng, 0, (int32_t)total - 1);
        int32_t rot = uniform_int(&rng, 0, 1000);
        fair(k, want, avail, rot, x);
        int64_t sum = 0;
        double min_extra_rem = INFINITY, max_plain_rem = -INFINITY;
        for (int c = 0; c < k; ++c) {
            sum += x[c];
            int64_t base = (int64_t)avail * want[c] / total;
            int64_t rem = (int64_t)avail * want[c] % total;
            assert_true(x[c] >= 0 && x[c] <= want[c]);
            assert_true(x[c] == base || (x[c] == base + 1 && rem > 0));
            assert_true(fabs((double)x[c] - (double)avail * want[c] / (double)total) < 1.0);
            if (x[c] == base + 1 && rem < min_extra_rem)
                min_extra_rem = (double)rem;
            if (x[c] == base && rem > max_plain_rem)
                max_plain_rem = (double)rem;
        }
        assert_int_equal(sum, avail);
        /* The units left over went to the largest remainders. */
        assert_true(min_extra_rem >= max_plain_rem);
    }
}

/* Equal claims: over k days in a row each child gets the units left over equally
 * often. */
static void test_fair_share_rotation_is_fair(void **state)
{
    (void)state;
    for (int32_t k = 2; k <= 7; ++k) {
        int32_t want[MAX_K], x[MAX_K], got[MAX_K] = {0};
        for (int c = 0; c < k; ++c)
            want[c] = 10;
        for (int32_t avail = 1; avail < 10 * k; ++avail) {
            for (int c = 0; c < k; ++c)
                got[c] = 0;
            for (int32_t day = 0; day < k; ++day) {
                fair(k, want, avail, day, x);
                for (int c = 0; c < k; ++c)
                    got[c] += x[c];
            }
            for (int c = 0; c < k; ++c)
                assert_int_equal(got[c], avail); /* k days x avail / k children */
        }
    }
}

/* ------------------------------------------------------------------------------
 * Expected shortfall and lost margin
 * ------------------------------------------------------------------------------ */

static double pmf(const ech_claim *c, int64_t d)
{
    if (c->var_ratio <= 1.0 + 1e-9)
        return gsl_ran_poisson_pdf((unsigned)d, c->mean);
    return gsl_ran_negative_binomial_pdf((unsigned)d, 1.0 / c->var_ratio,
                                         c->mean / (c->var_ratio - 1.0));
}

/* E[(D - y)+] by summing the pmf far into the tail. */
static double shortfall_direct(const ech_claim *c, int32_t q)
{
    if (c->mean <= 0)
        return 0.0;
    int64_t y = (int64_t)c->stock + q;
    double sum = 0.0;
    int64_t top = (int64_t)(c->mean * 30.0 + 60.0 * c->var_ratio + 200.0);
    for (int64_t d = 0; d <= top; ++d)
        if (d > y)
            sum += pmf(c, d) * (double)(d - y);
    return sum;
}

static ech_claim random_claim(ech_pcg32 *rng, int32_t max_want)
{
    ech_claim c;
    c.want = uniform_int(rng, 0, max_want);
    c.stock = uniform_int(rng, -4, 9);
    int32_t kind = uniform_int(rng, 0, 9);
    c.mean = kind == 0 ? 0.0 : 0.05 + 10.0 * ech_pcg32_uniform(rng);
    c.var_ratio = kind <= 4 ? 1.0 : 1.1 + 4.0 * ech_pcg32_uniform(rng);
    return c;
}

static void test_expected_shortfall(void **state)
{
    (void)state;
    ech_pcg32 rng;
    ech_stream_init(&rng, 12, ECH_STREAM_TEST, 2, 0, 0);
    for (int it = 0; it < 2000; ++it) {
        ech_claim c = random_claim(&rng, 6);
        for (int32_t q = 0; q <= 6; ++q) {
            double a = ech_claim_expected_shortfall(&c, q), b = shortfall_direct(&c, q);
            if (fabs(a - b) > 1e-9 * (1.0 + b))
                fail_msg("claim stock %d mean %g ratio %g, q %d: %.15g, direct %.15g", c.stock,
                         c.mean, c.var_ratio, q, a, b);
        }
    }
    /* By hand: Poisson(2), stock -3: E[(D + 3)+] = 5. */
    ech_claim c = {1, -3, 2.0, 1.0};
    assert_float_equal(ech_claim_expected_shortfall(&c, 0), 5.0, 1e-12);
    /* Stock 0, Poisson(m): E[D] = m. */
    c.stock = 0;
    assert_float_equal(ech_claim_expected_shortfall(&c, 0), 2.0, 1e-12);
    /* One unit: E[(D - 1)+] = m - 1 + P(D = 0). */
    assert_float_equal(ech_claim_expected_shortfall(&c, 1), 1.0 + exp(-2.0), 1e-12);
}

static double total_shortfall(int32_t k, const ech_claim *c, const int32_t *x)
{
    double s = 0;
    for (int32_t i = 0; i < k; ++i)
        s += ech_claim_expected_shortfall(&c[i], x[i]);
    return s;
}

/* The smallest total shortfall over every allocation with sum x = avail and
 * 0 <= x_c <= want_c (depth-first over the children). */
static double brute_min(int32_t k, const ech_claim *c, int32_t i, int32_t left, int32_t *x)
{
    if (i == k - 1) {
        if (left > c[i].want)
            return INFINITY;
        x[i] = left;
        return total_shortfall(k, c, x);
    }
    double best = INFINITY;
    for (int32_t q = 0; q <= c[i].want && q <= left; ++q) {
        x[i] = q;
        double v = brute_min(k, c, i + 1, left - q, x);
        if (v < best)
            best = v;
    }
    return best;
}

static void test_lost_margin_optimal(void **state)
{
    (void)state;
    ech_pcg32 rng;
    ech_stream_init(&rng, 13, ECH_STREAM_TEST, 3, 0, 0);
    int better = 0, cases = 0;
    for (int it = 0; it < 4000; ++it) {
        int32_t k = uniform_int(&rng, 2, 5);
        ech_claim c[MAX_K];
        int32_t want[MAX_K], x[MAX_K], xf[MAX_K], xb[MAX_K];
        int64_t total = 0;
        for (int32_t i = 0; i < k; ++i) {
            c[i] = random_claim(&rng, k <= 3 ? 7 : 5);
            want[i] = c[i].want;
            total += want[i];
        }
        if (total == 0)
            continue;
        int32_t avail = uniform_int(&rng, 0, (int32_t)total - 1);
        scratch s;
        scratch_init(&s, k);
        ech_allocate_lost_margin(k, c, avail, x, &s.s);
        int64_t sum = 0;
        for (int32_t i = 0; i < k; ++i) {
            assert_true(x[i] >= 0 && x[i] <= want[i]);
            sum += x[i];
        }
        assert_int_equal(sum, avail);
        double greedy = total_shortfall(k, c, x);
        double best = brute_min(k, c, 0, avail, xb);
        if (fabs(greedy - best) > 1e-9 * (1.0 + fabs(best)))
            fail_msg("case %d: lost margin %.15g, brute-force minimum %.15g", it, greedy, best);
        fair(k, want, avail, it, xf);
        double fs = total_shortfall(k, c, xf);
        assert_true(greedy <= fs + 1e-9 * (1.0 + fs));
        better += greedy < fs - 1e-9;
        ++cases;
    }
    printf("  lost margin optimal in %d random cases, strictly better than fair share in %d\n",
           cases, better);
    assert_true(better > cases / 4); /* the cases tell the rules apart */
}

/* Ties go to the earlier child; a child owed nothing or without demand gets
 * nothing while another can use the units. */
static void test_lost_margin_by_hand(void **state)
{
    (void)state;
    scratch s;
    int32_t x[3];
    ech_claim same[3] = {{5, 2, 3.0, 1.0}, {5, 2, 3.0, 1.0}, {5, 2, 3.0, 1.0}};
    scratch_init(&s, 3);
    ech_allocate_lost_margin(3, same, 1, x, &s.s);
    assert_int_equal(x[0], 1);
    assert_int_equal(x[1], 0);
    assert_int_equal(x[2], 0);
    ech_allocate_lost_margin(3, same, 4, x, &s.s);
    assert_int_equal(x[0], 2);
    assert_int_equal(x[1], 1);
    assert_int_equal(x[2], 1);
    /* A child that owes its customers (stock -2) is served first, up to 0; then
     * P(D > y) decides: Poisson(1) at 0 (0.632) beats Poisson(5) at 9 (0.032). */
    ech_claim mixed[3] = {{4, 9, 5.0, 1.0}, {3, -2, 1.0, 1.0}, {4, 3, 0.0, 1.0}};
    ech_allocate_lost_margin(3, mixed, 3, x, &s.s);
    assert_int_equal(x[0], 0);
    assert_int_equal(x[1], 3);
    assert_int_equal(x[2], 0);
}

/* ------------------------------------------------------------------------------
 * In the engine: lost margin against fair share on common random numbers
 * ------------------------------------------------------------------------------ */

/* A warehouse with too little stock for its lead time, and three pharmacies: a
 * fast mover with a thin buffer, a medium mover with a large one and a slow mover
 * far away.  Variant 0 allocates by fair share, variant 1 by lost margin. */
static void build_short_warehouse(ech_scenario *sc, int64_t reps)
{
    ts_init(sc, 365, 60, reps, 2027);
    sc->unmet_demand = ECH_UNMET_LOST;
    sc->internal_shortfall = ECH_SHORTFALL_BACKORDER;
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_GAMMA, 6, 4, 1, 30);
    int32_t cw = ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    int32_t p1 = ts_add_location(sc, "P1", ECH_LOC_RETAIL, "CW", 1);
    int32_t p2 = ts_add_location(sc, "P2", ECH_LOC_RETAIL, "CW", 1);
    int32_t p3 = ts_add_location(sc, "P3", ECH_LOC_RETAIL, "CW", 3);
    int32_t sku = ts_add_sku(sc, "A", 1, 3, 1, sup);
    ts_add_skuloc(sc, sku, cw, ECH_DEMAND_NONE, 0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 80, -1);
    ts_add_skuloc(sc, sku, p1, ECH_DEMAND_POISSON, 8.0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 20, -1);
    ts_add_skuloc(sc, sku, p2, ECH_DEMAND_NEGBIN, 3.0, 2.0, 0, ECH_POLICY_BASE_STOCK, 1, 16, -1);
    ts_add_skuloc(sc, sku, p3, ECH_DEMAND_POISSON, 1.0, 1, 0, ECH_POLICY_BASE_STOCK, 1, 6, -1);
    sc->n_variants = 2;
    sc->variant = calloc(2, sizeof *sc->variant);
    for (int v = 0; v < 2; ++v) {
        ech_variant *vt = &sc->variant[v];
        vt->name = strdup(v ? "lost_margin" : "fair_share");
        vt->lead_time_factor = 1.0;
        vt->use_alternatives = 1;
        vt->allocation = (uint8_t)(v ? ECH_ALLOC_LOST_MARGIN : ECH_ALLOC_FAIR_SHARE);
        memcpy(vt->rule, sc->rule, sizeof vt->rule);
        vt->disruption_active = calloc(1, 1);
    }
    ts_finish(sc);
}

static void test_lost_margin_beats_fair_share_in_engine(void **state)
{
    (void)state;
    const int64_t reps = 400;
    ech_scenario sc;
    build_short_warehouse(&sc, reps);
    int64_t nodes = sc.sl.sku_begin[1] - sc.sl.sku_begin[0];
    double *v[2];
    ech_engine *e = ech_engine_new(&sc);
    ech_error err;
    ech_error_clear(&err);
    for (int var = 0; var < 2; ++var) {
        v[var] = calloc((size_t)(nodes * ECH_KPI_COUNT * reps), sizeof *v[var]);
        ech_status st = ech_engine_run_sku(e, 0, var, 0, reps, v[var], reps, NULL, &err);
        if (st != ECH_OK)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(st, ECH_OK);
    }
    ech_engine_free(e);
#define KPI(buf, i, k, r) ((buf)[((int64_t)(i)*ECH_KPI_COUNT + (k)) * reps + (r)])
    double sum = 0, ss = 0, lost[2] = {0, 0}, demand = 0;
    double *diff = malloc((size_t)reps * sizeof *diff);
    for (int64_t r = 0; r < reps; ++r) {
        double l[2] = {0, 0};
        for (int var = 0; var < 2; ++var)
            for (int64_t i = 1; i < nodes; ++i)
                l[var] += KPI(v[var], i, ECH_KPI_LOST, r);
        /* Common random numbers: the same customers in both variants. */
        for (int64_t i = 1; i < nodes; ++i) {
            assert_float_equal(KPI(v[0], i, ECH_KPI_DEMAND, r), KPI(v[1], i, ECH_KPI_DEMAND, r), 0);
            demand += KPI(v[0], i, ECH_KPI_DEMAND, r);
        }
        lost[0] += l[0];
        lost[1] += l[1];
        diff[r] = l[1] - l[0];
        sum += diff[r];
    }
    double mean = sum / (double)reps;
    for (int64_t r = 0; r < reps; ++r)
        ss += (diff[r] - mean) * (diff[r] - mean);
    double half = Z99 * sqrt(ss / (double)(reps - 1) / (double)reps);
    printf("  lost units a replication: fair share %.1f, lost margin %.1f (of %.1f demanded); "
           "difference %.2f +- %.2f\n",
           lost[0] / reps, lost[1] / reps, demand / reps, mean, half);
    assert_true(mean + half < 0.0);
    /* The warehouse was short often enough for the rules to matter. */
    double cw_backordered = 0;
    for (int64_t r = 0; r < reps; ++r)
        cw_backordered += KPI(v[0], 0, ECH_KPI_BACKORDERED, r);
    assert_true(cw_backordered > 0);
#undef KPI
    free(diff);
    free(v[0]);
    free(v[1]);
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fair_share_by_hand),
        cmocka_unit_test(test_fair_share_random),
        cmocka_unit_test(test_fair_share_rotation_is_fair),
        cmocka_unit_test(test_expected_shortfall),
        cmocka_unit_test(test_lost_margin_by_hand),
        cmocka_unit_test(test_lost_margin_optimal),
        cmocka_unit_test(test_lost_margin_beats_fair_share_in_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
