/* Supply contracts: the engine simulating them and the sizing against exact answers.
 *
 * One location with Poisson demand, backorders, base stock and a daily review buys
 * each day what was demanded the day before, so its need over a year of 365 measured
 * days is exactly Poisson(365 lambda).  On that need:
 *  - take-or-pay paid and not delivered, and a shortfall penalty: the recommended
 *    commitment is the critical fractile of the Poisson distribution within a unit;
 *  - a volume tier above that fractile is chosen exactly when its price pays for the
 *    extra units (the exact expected costs from the Poisson pmf on both sides);
 * and the contract in force:
 *  - the committed minimum arrives on its schedule (no demand, nothing ordered: the
 *    stock after each month's last day is the minimum due by then);
 *  - beyond the contract, orders go spot with the spot lead time, or are refused;
 *  - purchases, shortfalls and the contract cost follow the terms exactly (a
 *    discount counted on the units the year used, not on stock it added).
 * The engine checks conservation at the end of every replication.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/contract.h"
#include "echelon/engine.h"
#include "support_scenario.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { R = 20000 };
static const double LAMBDA = 2.0;
static const double UNIT_COST = 10.0;

/* Terms for SKU 0 of supplier 0, one tier at `price` (NaN: unit cost). */
static void add_terms(ech_scenario *sc, uint8_t commitment, uint8_t unneeded, double committed)
{
    ech_contracts *ct = &sc->contracts;
    ct->n = 1;
    ct->terms = calloc(1, sizeof *ct->terms);
    ct->of_sku = malloc(sizeof *ct->of_sku);
    ct->of_sku[0] = 0;
    ech_contract_terms *t = &ct->terms[0];
    t->supplier = 0;
    t->sku = 0;
    t->committed = committed;
    t->commitment = commitment;
    t->capacity = INFINITY;
    t->above = ECH_ABOVE_SPOT;
    t->spot_premium = 0.3;
    t->spot_lead_time_days = 0;
    t->unneeded = unneeded;
    t->schedule = ECH_SCHEDULE_MONTHLY;
    t->n_tiers = 1;
    t->tier_from = calloc(2, sizeof(double));
    t->tier_price = malloc(2 * sizeof(double));
    t->tier_discount = calloc(2, sizeof(double));
    t->tier_price[0] = NAN;
}

static void set_tiers(ech_scenario *sc, double p0, double from1, double p1)
{
    ech_contract_terms *t = &sc->contracts.terms[0];
    t->tier_price[0] = p0;
    t->n_tiers = from1 > 0 ? 2 : 1;
    t->tier_from[1] = from1;
    t->tier_price[1] = p1;
}

/* One location, Poisson(lambda) a day, backorders, base stock S reviewed daily,
 * supplier lead time `lead`. */
static void one_location(ech_scenario *sc, double lambda, int32_t S, int32_t lead)
{
    ts_init(sc, 365, 30, R, 5);
    sc->unmet_demand = ECH_UNMET_BACKORDER;
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, lead, 0, lead, lead);
    int32_t loc = ts_add_location(sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(sc, "A", UNIT_COST, 15.0, 1, sup);
    ts_add_skuloc(sc, sku, loc, ECH_DEMAND_POISSON, lambda, 1, 0, ECH_POLICY_BASE_STOCK, 1, S, -1);
    ts_finish(sc);
}

/* The SKU's root KPIs over reps replications of stream set 1. */
static double *simulate(const ech_scenario *sc, int64_t reps, uint8_t contract, double committed)
{
    ech_engine *e = ech_engine_new(sc);
    double *kpi = malloc((size_t)ECH_KPI_COUNT * (size_t)reps * sizeof *kpi);
    ech_eval_request req = {
        .sku = 0, .rep_end = reps, .stream_set = 1, .contract = contract, .committed = committed};
    ech_eval_out out = {.kpi = kpi, .rep_stride = reps};
    ech_error err;
    ech_error_clear(&err);
    if (ech_engine_evaluate(e, &req, &out, &err) != ECH_OK)
        fail_msg("evaluation failed: %s", err.msg);
    ech_engine_free(e);
    return kpi;
}

static double kpi_mean(const double *kpi, int k, int64_t reps)
{
    double s = 0.0;
    for (int64_t r = 0; r < reps; ++r)
        s += kpi[(int64_t)k * reps + r];
    return s / (double)reps;
}

/* Units a replication added to the stock (on hand and in transit): bought, but not
 * used this year, so no discount is counted on them. */
static double carried(const double *kpi, int64_t reps, int64_t r)
{
#define K(k) kpi[(int64_t)(k)*reps + r]
    double c = K(ECH_KPI_END_ON_HAND) + K(ECH_KPI_END_IN_TRANSIT) - K(ECH_KPI_START_ON_HAND) -
               K(ECH_KPI_START_IN_TRANSIT);
#undef K
    return c > 0.0 ? c : 0.0;
}

/* The simulated need of the one-location chain, one value per replication. */
static double *need_sample(ech_scenario *sc)
{
    double *kpi = simulate(sc, R, ECH_CONTRACT_NONE, 0.0);
    double *need = malloc(R * sizeof *need);
    double sum = 0.0;
    for (int64_t r = 0; r < R; ++r) {
        need[r] = kpi[(int64_t)ECH_KPI_PURCHASED_UNITS * R + r];
        sum += need[r];
    }
    free(kpi);
    double m = LAMBDA * 365.0;
    printf("  need: mean %.2f over %d years (Poisson mean %.0f)\n", sum / R, R, m);
    assert_true(fabs(sum / R - m) < 4.0 * sqrt(m / R));
    return need;
}

/* The smallest c with P(V <= c) >= ratio, V ~ Poisson(m). */
static double poisson_fractile(double m, double ratio)
{
    unsigned c = 0;
    while (gsl_cdf_poisson_P(c, m) < ratio)
        ++c;
    return c;
}

/* E[(V - c)^+] and E[(c - V)^+] for V ~ Poisson(m), and so the exact expected cost
 * under a commitment c with flex 0 and tier price p. */
static double exact_cost(const ech_contract_offer *o, double m, double c, double p)
{
    double over = 0.0, under = 0.0;
    for (unsigned v = 0; v < (unsigned)(m + 20 * sqrt(m) + 50); ++v) {
        double pv = gsl_ran_poisson_pdf(v, m);
        if (v > c)
            over += pv * (v - c);
        else
            under += pv * (c - v);
    }
    double mean_under = m - over; /* E[min(V, c)] */
    double unneeded = o->take_or_pay ? p : o->penalty;
    return mean_under * (p - o->unit_cost) + over * o->beyond_cost + under * unneeded;
}

static void check_fractile(uint8_t commitment, double price, double penalty)
{
    ech_scenario sc;
    one_location(&sc, LAMBDA, 40, 0);
    add_terms(&sc, commitment, ECH_UNNEEDED_PAY, NAN);
    set_tiers(&sc, price, 0, 0);
    sc.contracts.terms[0].penalty = penalty;
    double *need = need_sample(&sc);
    ech_contract_offer o;
    ech_contract_offer_init(&o, &sc, 0);
    double cost;
    double c = ech_contract_best(&o, need, R, &cost);
    /* Underage: spot over contract price; overage: what an unneeded unit costs. */
    double under = o.beyond_cost - (price - UNIT_COST);
    double over = commitment == ECH_COMMIT_TAKE_OR_PAY ? price : penalty;
    double exact = poisson_fractile(LAMBDA * 365.0, under / (under + over));
    printf("  %s: critical ratio %.4f, exact commitment %.0f, recommended %.0f (cost %.2f)\n",
           commitment == ECH_COMMIT_TAKE_OR_PAY ? "take-or-pay" : "penalty", under / (under + over),
           exact, c, cost);
    assert_true(fabs(c - exact) <= 1.0);
    ech_contract_offer_free(&o);
    free(need);
    ech_scenario_free(&sc);
}

static void test_fractile_take_or_pay(void **state)
{
    (void)state;
    check_fractile(ECH_COMMIT_TAKE_OR_PAY, 9.0, 0.0); /* ratio (13 - 9) / 13 */
}

static void test_fractile_penalty(void **state)
{
    (void)state;
    check_fractile(ECH_COMMIT_PENALTY, 10.0, 2.0); /* ratio 3 / (3 + 2) */
}

/* A tier at B above the single-price optimum: chosen when its price makes B cheaper
 * than the optimum, exactly, and not otherwise. */
static void test_tier_break(void **state)
{
    (void)state;
    ech_scenario sc;
    one_location(&sc, LAMBDA, 40, 0);
    add_terms(&sc, ECH_COMMIT_TAKE_OR_PAY, ECH_UNNEEDED_PAY, NAN);
    double *need = need_sample(&sc);
    double m = LAMBDA * 365.0, p0 = 10.0;
    set_tiers(&sc, p0, 0, 0);
    ech_contract_offer o;
    ech_contract_offer_init(&o, &sc, 0);
    double c0 = poisson_fractile(m, 3.0 / (3.0 + p0)), base = exact_cost(&o, m, c0, p0);
    double B = c0 + 40.0;
    /* The price at B whose exact cost equals the optimum's: bisection. */
    double lo = 5.0, hi = p0;
    for (int i = 0; i < 60; ++i) {
        double mid = 0.5 * (lo + hi);
        if (exact_cost(&o, m, B, mid) < base)
            lo = mid;
        else
            hi = mid;
    }
    double even = lo;
    ech_contract_offer_free(&o);
    printf("  single price: optimum %.0f (exact cost %.3f); a tier at %.0f pays below %.5f\n", c0,
           base, B, even);
    for (int pays = 0; pays < 2; ++pays) {
        /* A clear margin either side of the break-even price: the exact costs differ
         * by far more than the sample's noise. */
        double p1 = pays ? even - 0.02 : even + 0.02;
        set_tiers(&sc, p0, B, p1);
        ech_contract_offer_init(&o, &sc, 0);
        double cost;
        double c = ech_contract_best(&o, need, R, &cost);
        printf("  tier price %.4f (%s): exact cost at the break %.3f vs %.3f; recommended %.0f\n",
               p1, pays ? "pays" : "does not pay", exact_cost(&o, m, B, p1), base, c);
        if (pays)
            assert_true(c == B);
        else
            assert_true(fabs(c - c0) <= 1.0);
        ech_contract_offer_free(&o);
    }
    free(need);
    ech_scenario_free(&sc);
}

/* No demand: every unit bought is pushed, on the last measured day of each month,
 * up to the minimum due by then; take-or-pay at 9 a unit. */
static void test_schedule(void **state)
{
    (void)state;
    ech_scenario sc;
    one_location(&sc, 0.0, 0, 2);
    add_terms(&sc, ECH_COMMIT_TAKE_OR_PAY, ECH_UNNEEDED_DELIVER, NAN);
    set_tiers(&sc, 9.0, 0, 0);
    sc.contracts.terms[0].flex = 0.2;
    const double committed = 1000.0; /* minimum 800 */
    ech_engine *e = ech_engine_new(&sc);
    FILE *trace = tmpfile();
    ech_trace tr = {0, 0, 0, trace};
    ech_engine_set_trace(e, &tr);
    double kpi[ECH_KPI_COUNT];
    ech_eval_request req = {
        .sku = 0, .rep_end = 1, .contract = ECH_CONTRACT_GIVEN, .committed = committed};
    ech_eval_out out = {.kpi = kpi, .rep_stride = 1};
    ech_error err;
    ech_error_clear(&err);
    if (ech_engine_evaluate(e, &req, &out, &err) != ECH_OK)
        fail_msg("evaluation failed: %s", err.msg);
    ech_engine_free(e);
    /* Day by day: the stock is the minimum due by the last month end passed. */
    rewind(trace);
    char line[1024];
    int checked = 0, month_ends = 0;
    double due = 0.0;
    if (!fgets(line, sizeof line, trace))
        fail_msg("empty trace");
    while (fgets(line, sizeof line, trace)) {
        int t, y, mo, dd, on_hand;
        if (sscanf(line, "%*d,%d,%d-%d-%d,%*[^,],%*[^,],%d", &t, &y, &mo, &dd, &on_hand) != 5)
            fail_msg("trace row: %s", line);
        if (t < 0)
            continue;
        /* Is t the last day of its month (or of the horizon)? */
        int32_t next = ech_scenario_month(&sc, t + 1);
        int end = t == sc.days - 1 || next != ech_scenario_month(&sc, t);
        if (end) {
            ++month_ends;
            due = t == sc.days - 1 ? 800.0 : ceil(800.0 * (t + 1) / 365.0 - 1e-9);
        }
        if (on_hand != (int)due)
            fail_msg("day %d (%d-%02d-%02d): on hand %d, the minimum due by then is %.0f", t, y, mo,
                     dd, on_hand, due);
        ++checked;
    }
    fclose(trace);
    printf("  %d days checked, %d month ends: stock = the minimum due by then\n", checked,
           month_ends);
    int months = 1;
    for (int32_t t = 1; t < sc.days; ++t)
        months += ech_scenario_month(&sc, t) != ech_scenario_month(&sc, t - 1);
    assert_int_equal(checked, 365);
    assert_int_equal(month_ends, months);
    assert_true(kpi[ECH_KPI_PUSHED_UNITS] == 800.0);
    assert_true(kpi[ECH_KPI_PURCHASED_UNITS] == 800.0);
    assert_true(kpi[ECH_KPI_CONTRACT_SHORTFALL_UNITS] == 0.0);
    /* All 800 are still held at the end: next year's stock, no discount counted. */
    assert_true(carried(kpi, 1, 0) == 800.0);
    assert_true(kpi[ECH_KPI_CONTRACT_COST] == 0.0);
    assert_true(fabs(kpi[ECH_KPI_PURCHASED_VALUE] - 800.0 * 9.0) < 1e-9);
    ech_scenario_free(&sc);
}

/* Beyond the contract: spot orders arrive after the spot lead time (the year ends
 * with lambda x spot lead time units in transit instead of lambda x lead), at the
 * premium; or they are refused and the year's purchases stop at the limit. */
static void test_beyond(void **state)
{
    (void)state;
    const int64_t reps = 400;
    for (int spot = 1; spot >= 0; --spot) {
        ech_scenario sc;
        one_location(&sc, LAMBDA, 40, 2);
        add_terms(&sc, ECH_COMMIT_PENALTY, ECH_UNNEEDED_PAY, NAN);
        ech_contract_terms *t = &sc.contracts.terms[0];
        t->penalty = 1.0;
        t->above = spot ? ECH_ABOVE_SPOT : ECH_ABOVE_NONE;
        t->spot_lead_time_days = 9;
        set_tiers(&sc, 9.5, 0, 0);
        const double committed = 300.0; /* far below the need of 730 */
        double *kpi = simulate(&sc, reps, ECH_CONTRACT_GIVEN, committed);
        double purchased = kpi_mean(kpi, ECH_KPI_PURCHASED_UNITS, reps);
        double spot_units = kpi_mean(kpi, ECH_KPI_SPOT_UNITS, reps);
        double transit = kpi_mean(kpi, ECH_KPI_END_IN_TRANSIT, reps);
        double cost = kpi_mean(kpi, ECH_KPI_CONTRACT_COST, reps);
        double refused = kpi_mean(kpi, ECH_KPI_REFUSED_UNITS, reps);
        printf("  %s: purchased %.1f, spot %.1f, refused %.1f, in transit at the end %.2f, "
               "contract cost %.2f\n",
               spot ? "spot" : "refused", purchased, spot_units, refused, transit, cost);
        for (int64_t r = 0; r < reps; ++r) {
            double spot_r = kpi[(int64_t)ECH_KPI_SPOT_UNITS * reps + r];
            double under = 300.0 - fmin(carried(kpi, reps, r), 300.0);
            double expect = under * (9.5 - UNIT_COST) + spot_r * 0.3 * UNIT_COST;
            assert_true(fabs(kpi[(int64_t)ECH_KPI_CONTRACT_COST * reps + r] - expect) < 1e-6);
        }
        if (spot) {
            assert_true(fabs(transit - LAMBDA * 9.0) < 4.0 * sqrt(LAMBDA * 9.0 / reps));
            assert_true(fabs(spot_units - (purchased - 300.0)) < 1e-9);
        } else {
            for (int64_t r = 0; r < reps; ++r)
                assert_true(kpi[(int64_t)ECH_KPI_PURCHASED_UNITS * reps + r] == 300.0);
            assert_true(spot_units == 0.0 && refused > 0.0);
        }
        free(kpi);
        ech_scenario_free(&sc);
    }
}

/* A commitment above the need under a penalty: the shortfall is the minimum not
 * bought, charged at the penalty; nothing is pushed. */
static void test_penalty_shortfall(void **state)
{
    (void)state;
    const int64_t reps = 200;
    ech_scenario sc;
    one_location(&sc, LAMBDA, 40, 2);
    add_terms(&sc, ECH_COMMIT_PENALTY, ECH_UNNEEDED_DELIVER, NAN);
    sc.contracts.terms[0].penalty = 2.5;
    set_tiers(&sc, 9.0, 0, 0);
    double *kpi = simulate(&sc, reps, ECH_CONTRACT_GIVEN, 1000.0);
    for (int64_t r = 0; r < reps; ++r) {
        double bought = kpi[(int64_t)ECH_KPI_PURCHASED_UNITS * reps + r];
        double shortfall = kpi[(int64_t)ECH_KPI_CONTRACT_SHORTFALL_UNITS * reps + r];
        double cost = kpi[(int64_t)ECH_KPI_CONTRACT_COST * reps + r];
        assert_true(kpi[(int64_t)ECH_KPI_PUSHED_UNITS * reps + r] == 0.0);
        assert_true(shortfall == 1000.0 - bought);
        double used = bought - fmin(carried(kpi, reps, r), bought);
        assert_true(fabs(cost - (used * (9.0 - UNIT_COST) + shortfall * 2.5)) < 1e-6);
    }
    free(kpi);
    ech_scenario_free(&sc);
}

/* On samples of other shapes and terms with a band, tiers, a capacity and every
 * rule for unneeded units: the recommendation's mean cost is the least over every
 * whole commitment up to well beyond the largest need (exhaustive). */
static void test_best_is_exhaustive(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    double tier_from[3] = {0.0, 150.0, 400.0};
    int cases = 0;
    for (int trial = 0; trial < 60; ++trial) {
        int64_t n = 50 + (int64_t)gsl_rng_uniform_int(rng, 200);
        double mean = 20.0 + 400.0 * gsl_rng_uniform(rng);
        double *need = malloc((size_t)n * sizeof *need);
        for (int64_t r = 0; r < n; ++r) /* overdispersed: gamma-mixed Poisson */
            need[r] = gsl_ran_poisson(rng, gsl_ran_gamma(rng, 4.0, mean / 4.0));
        double tier_price[3] = {10.0, 10.0 - 2.0 * gsl_rng_uniform(rng),
                                8.0 - 2.0 * gsl_rng_uniform(rng)};
        ech_contract_offer o = {
            .unit_cost = 10.0,
            .flex = 0.3 * gsl_rng_uniform(rng),
            .capacity = trial % 4 == 0 ? 0.8 * mean : INFINITY,
            .beyond_cost = 5.0 * gsl_rng_uniform(rng),
            .take_or_pay = trial % 3 != 0,
            .deliver = trial % 3 == 1,
            .penalty = 4.0 * gsl_rng_uniform(rng),
            .pushed_cost = 2.0 * gsl_rng_uniform(rng),
            .n_tiers = 1 + trial % 3,
            .tier_from = tier_from,
            .tier_price = tier_price,
        };
        double cost;
        double c = ech_contract_best(&o, need, n, &cost);
        double most = 0.0;
        for (int64_t r = 0; r < n; ++r)
            most = need[r] > most ? need[r] : most;
        double top = fmin(3.0 * most + 500.0, ech_contract_max_commitment(&o));
        double best = INFINITY, at = -1;
        for (double x = 0; x <= top; x += 1.0) {
            double y = ech_contract_mean_cost(&o, x, need, n);
            if (y < best - 1e-9) {
                best = y;
                at = x;
            }
        }
        if (cost > best + 1e-9 * fabs(best) + 1e-9)
            fail_msg("trial %d: recommended %.0f costs %.6f, but %.0f costs %.6f (flex %.3f, "
                     "%d tiers)",
                     trial, c, cost, at, best, o.flex, (int)o.n_tiers);
        assert_true(fabs(ech_contract_mean_cost(&o, c, need, n) - cost) < 1e-9);
        ++cases;
        free(need);
    }
    gsl_rng_free(rng);
    printf("  %d samples and terms: the recommendation is the exhaustive optimum\n", cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fractile_take_or_pay),
        cmocka_unit_test(test_fractile_penalty),
        cmocka_unit_test(test_tier_break),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_beyond),
        cmocka_unit_test(test_penalty_shortfall),
        cmocka_unit_test(test_best_is_exhaustive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
