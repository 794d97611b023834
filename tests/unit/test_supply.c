/* The supplier model (supply.c) on its own: cancellations and partial deliveries
 * with the configured probabilities and beta fractions, what happens to shortfalls
 * under each rule, reduced capacity during outages, the alternative source's
 * switch and split rules, and lead-time tables scaled by a variant's factor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/supply.h"
#include "support_scenario.h"

#include <math.h>

#define Z99 2.5758293035489004

/* One supplier with two sites (A, B) in two regions, one SKU on site A with an
 * alternative on site B, a fixed lead time of 3 days. */
static void build(ech_scenario *sc, double cancel, double partial, double fmean, double fsd,
                  ech_supply_shortfall shortfall, ech_alt_rule rule, double split)
{
    ts_init(sc, 100, 0, 1, 5);
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, 3, 0, 3, 3);
    ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    int32_t sku = ts_add_sku(sc, "X", 1, 2, 1, sup);
    ts_add_skuloc(sc, sku, 0, ECH_DEMAND_POISSON, 1, 1, 0, ECH_POLICY_BASE_STOCK, 1, 10, -1);
    ts_finish(sc);
    /* Replace the default single site by two, and set the reliability. */
    ech_sites *si = &sc->sites;
    si->id = realloc(si->id, 2 * sizeof *si->id);
    si->id[1] = strdup("B");
    si->supplier = realloc(si->supplier, 2 * sizeof *si->supplier);
    si->supplier[1] = sup;
    si->region = realloc(si->region, 2 * sizeof *si->region);
    si->region[1] = 0;
    si->lead_time = realloc(si->lead_time, 2 * sizeof *si->lead_time);
    si->lead_time[1] = (ech_lead_time){ECH_LT_FIXED, 5, 0, 5, 5, NULL};
    si->id_hash = realloc(si->id_hash, 2 * sizeof *si->id_hash);
    si->id_hash[1] = ech_hash_string("B");
    si->n = 2;
    ech_reliability *r = &sc->suppliers.reliability[sup];
    r->cancel_prob = cancel;
    r->partial_prob = partial;
    r->partial_mean = fmean;
    r->partial_sd = fsd;
    r->shortfall = (uint8_t)shortfall;
    sc->cat.alt_site[sku] = rule == ECH_ALT_NONE ? -1 : 1;
    sc->cat.alt_rule[sku] = (uint8_t)rule;
    sc->cat.alt_split[sku] = split;
}

static ech_dtable *tables(const ech_scenario *sc, ech_arena *a, double factor)
{
    ech_dtable *t = ech_arena_alloc(a, (size_t)sc->sites.n * sizeof *t, "tables");
    for (int32_t s = 0; s < sc->sites.n; ++s)
        assert_int_equal(ech_lead_time_table(&t[s], a, &sc->sites.lead_time[s], factor), 0);
    return t;
}

/* Counts over many orders of 100 units: cancelled orders, partial shipments and
 * the mean delivered fraction of the partial ones. */
static void test_cancel_and_partial(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 0.1, 0.3, 0.6, 0.15, ECH_SUPPLY_CANCEL, ECH_ALT_NONE, 0);
    ech_arena a;
    ech_arena_init(&a, 1 << 16);
    ech_supply s;
    assert_int_equal(ech_supply_init(&s, &sc, 0, tables(&sc, &a, 1.0), 1, NULL), 0);
    enum { N = 200000 };
    int64_t cancelled_orders = 0, partial = 0;
    double fraction_sum = 0;
    for (int64_t rep = 0; rep < N / 100; ++rep) {
        ech_supply_begin(&s, &sc, &sc.variant[0], 0, rep, &a);
        for (int32_t d = 0; d < 100; ++d) {
            ech_supply_order(&s, 100, d);
            ech_supply_day day = {0, 0};
            int32_t lead = -1;
            int32_t q = ech_supply_ship(&s.source[0], d, &lead, &day);
            assert_int_equal(q + day.cancelled, 100); /* shortfalls cancelled */
            assert_int_equal(s.source[0].owed, 0);
            if (q > 0)
                assert_int_equal(lead, 3);
            if (q == 0) {
                ++cancelled_orders;
            } else if (q < 100) {
                ++partial;
                fraction_sum += q / 100.0;
            }
        }
    }
    /* A partial shipment can round down to 100 (never) or 0 units: with these
     * fractions 0 is very unlikely, so counts compare directly. */
    double pc = (double)cancelled_orders / N;
    double pp = (double)partial / (N - cancelled_orders);
    printf("cancelled %.4f (0.1), partial %.4f (0.3), mean fraction %.4f (0.6 - 0.005 rounding)\n",
           pc, pp, fraction_sum / (double)partial);
    assert_true(fabs(pc - 0.1) < Z99 * sqrt(0.1 * 0.9 / N));
    assert_true(fabs(pp - 0.3) < Z99 * sqrt(0.3 * 0.7 / (N - cancelled_orders)));
    /* floor(100 f) is f - 0.005 on average; sd of a mean of ~54,000 fractions with
     * sd 0.15 is 0.00065. */
    assert_true(fabs(fraction_sum / (double)partial - 0.595) < 0.003);
    ech_arena_free(&a);
    ech_scenario_free(&sc);
}

/* Under the backorder rule the rest of a partial shipment is owed and ships the
 * next day; nothing is lost. */
static void test_partial_backordered(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 0.0, 1.0, 0.5, 0.1, ECH_SUPPLY_BACKORDER, ECH_ALT_NONE, 0);
    ech_arena a;
    ech_arena_init(&a, 1 << 16);
    ech_supply s;
    assert_int_equal(ech_supply_init(&s, &sc, 0, tables(&sc, &a, 1.0), 1, NULL), 0);
    ech_supply_begin(&s, &sc, &sc.variant[0], 0, 0, &a);
    ech_supply_order(&s, 1000, 0);
    ech_supply_day day = {0, 0};
    int32_t lead;
    int32_t first = ech_supply_ship(&s.source[0], 0, &lead, &day);
    assert_true(first > 0 && first < 1000);
    assert_int_equal(day.delayed, 1000 - first);
    assert_int_equal(ech_supply_owed(&s), 1000 - first);
    ech_supply_day day2 = {0, 0};
    int32_t second = ech_supply_ship(&s.source[0], 1, &lead, &day2);
    assert_int_equal(first + second, 1000);
    assert_int_equal(day2.delayed, 0);
    assert_int_equal(ech_supply_owed(&s), 0);
    ech_arena_free(&a);
    ech_scenario_free(&sc);
}

/* A scripted outage with capacity 0.25 on site A over days [10, 20): during it the
 * site ships a quarter of what it owes each day; with the switch rule, orders go to
 * site B while A is down. */
static void add_outage(ech_scenario *sc, int32_t from, int32_t to, double capacity)
{
    ech_disruptions *d = &sc->disruptions;
    d->n = 1;
    d->name = malloc(sizeof *d->name);
    d->name[0] = strdup("strike");
    d->kind = calloc(1, 1);
    d->kind[0] = ECH_DISRUPT_SCRIPTED;
    d->scope = calloc(1, 1);
    d->scope[0] = ECH_SCOPE_SITE;
    d->target = calloc(1, sizeof(int32_t));
    d->mtbf_days = calloc(1, sizeof(double));
    d->mttr_days = calloc(1, sizeof(double));
    d->from_day = malloc(sizeof(int32_t));
    d->to_day = malloc(sizeof(int32_t));
    d->capacity = malloc(sizeof(double));
    d->key = malloc(sizeof(uint64_t));
    d->target[0] = 0;
    d->from_day[0] = from;
    d->to_day[0] = to;
    d->capacity[0] = capacity;
    d->key[0] = ech_hash_string("strike");
    free(sc->variant[0].disruption_active);
    sc->variant[0].disruption_active = calloc(1, 1);
    sc->variant[0].disruption_active[0] = 1;
}

static void test_capacity_and_switch(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 0.0, 0.0, 0.5, 0.1, ECH_SUPPLY_BACKORDER, ECH_ALT_NONE, 0);
    add_outage(&sc, 10, 20, 0.25);
    ech_arena a;
    ech_arena_init(&a, 1 << 16);
    ech_supply s;
    assert_int_equal(ech_supply_init(&s, &sc, 0, tables(&sc, &a, 1.0), 1, NULL), 0);
    ech_supply_begin(&s, &sc, &sc.variant[0], 0, 0, &a);
    assert_true(ech_supply_capacity(&s.source[0], 9) == 1.0);
    ech_supply_order(&s, 100, 10);
    ech_supply_day day = {0, 0};
    int32_t lead;
    assert_int_equal(ech_supply_ship(&s.source[0], 10, &lead, &day), 25);
    assert_int_equal(day.delayed, 75);
    assert_int_equal(ech_supply_ship(&s.source[0], 11, &lead, &day), 18); /* floor(75/4) */
    assert_int_equal(day.delayed, 75); /* already-owed units are not counted again */
    for (int32_t d = 12; d < 20; ++d)
        ech_supply_ship(&s.source[0], d, &lead, &day);
    int32_t owed = ech_supply_owed(&s);
    assert_true(owed > 0);
    assert_int_equal(ech_supply_ship(&s.source[0], 20, &lead, &day), owed); /* back up */
    ech_scenario_free(&sc);

    /* The switch rule: orders go to B during the outage and to A otherwise. */
    build(&sc, 0.0, 0.0, 0.5, 0.1, ECH_SUPPLY_BACKORDER, ECH_ALT_SWITCH, 0);
    add_outage(&sc, 10, 20, 0.0);
    assert_int_equal(ech_supply_init(&s, &sc, 0, tables(&sc, &a, 1.0), 1, NULL), 0);
    assert_int_equal(s.n_sources, 2);
    ech_supply_begin(&s, &sc, &sc.variant[0], 0, 0, &a);
    assert_int_equal(ech_supply_order(&s, 40, 5), 0);
    assert_int_equal(ech_supply_order(&s, 40, 12), 40);
    assert_int_equal(s.source[1].ordered_today, 40);
    assert_int_equal(ech_supply_ship(&s.source[1], 12, &lead, &day), 40);
    assert_int_equal(lead, 5); /* site B's own lead time */
    ech_scenario_free(&sc);

    /* The split rule: a fixed share of each order. */
    build(&sc, 0.0, 0.0, 0.5, 0.1, ECH_SUPPLY_BACKORDER, ECH_ALT_SPLIT, 0.3);
    assert_int_equal(ech_supply_init(&s, &sc, 0, tables(&sc, &a, 1.0), 1, NULL), 0);
    ech_supply_begin(&s, &sc, &sc.variant[0], 0, 0, &a);
    assert_int_equal(ech_supply_order(&s, 100, 0), 30);
    assert_int_equal(s.source[0].ordered_today, 70);
    ech_arena_free(&a);
    ech_scenario_free(&sc);
}

/* Lead-time tables scaled by a variant's factor: fixed, gamma and empirical. */
static void test_scaled_lead_times(void **state)
{
    (void)state;
    ech_arena a;
    ech_arena_init(&a, 1 << 16);
    ech_dtable t;
    ech_lead_time fixed = {ECH_LT_FIXED, 10, 0, 10, 10, NULL};
    assert_int_equal(ech_lead_time_table(&t, &a, &fixed, 1.5), 0);
    assert_int_equal(t.base, 15);
    assert_int_equal(t.n, 1);
    ech_lead_time gamma = {ECH_LT_GAMMA, 20, 5, 0, 120, NULL};
    assert_int_equal(ech_lead_time_table(&t, &a, &gamma, 1.5), 0);
    assert_float_equal(t.mean, 30.0, 0.05);
    double pmf[3] = {1, 2, 1};
    ech_lead_time emp = {ECH_LT_EMPIRICAL, 11, 0, 10, 12, pmf};
    assert_int_equal(ech_lead_time_table(&t, &a, &emp, 2.0), 0);
    assert_int_equal(t.base, 20);
    assert_float_equal(t.mean, 22.0, 1e-9);
    assert_int_equal(ech_lead_time_table(&t, &a, &emp, 0.0), -1);
    ech_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_and_partial),
        cmocka_unit_test(test_partial_backordered),
        cmocka_unit_test(test_capacity_and_switch),
        cmocka_unit_test(test_scaled_lead_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
