/* Loading scenarios: the CSV-driven example, an inline scenario with a snapshot start
 * and a demand history, overrides, the generators, supplier reliability, sites and
 * regions, empirical lead times, alternative sources, disruptions, variants, batches
 * and expiry, controlled substances, cold rooms, reserved and display stock, and the
 * resolved text. */
#include "echelon/rng.h"
#include "echelon/scenario_load.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char tmpdir[] = "/tmp/echelon_load_XXXXXX";

static const char *source_file(const char *rel)
{
    static char path[1024];
    const char *root = getenv("ECHELON_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
    return path;
}

static void write_tmp(const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void load_ok(const char *path, const ech_overrides *ov, ech_scenario *sc)
{
    ech_error err;
    ech_status st = ech_scenario_load(path, ov, sc, &err);
    if (st != ECH_OK)
        fail_msg("loading %s failed: %s", path, err.msg);
}

static int32_t loc(const ech_scenario *sc, const char *id)
{
    int32_t i = ech_scenario_find_location(sc, id);
    if (i < 0)
        fail_msg("no location %s", id);
    return i;
}

static int32_t sku(const ech_scenario *sc, const char *id)
{
    int32_t k = ech_scenario_find_sku(sc, id);
    if (k < 0)
        fail_msg("no SKU %s", id);
    return k;
}

static int64_t skuloc(const ech_scenario *sc, const char *s, const char *l)
{
    int64_t x = ech_scenario_find_skuloc(sc, sku(sc, s), loc(sc, l));
    if (x < 0)
        fail_msg("SKU %s is not stocked at %s", s, l);
    return x;
}

static double mean_of(const double *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; ++i)
        s += v[i];
    return s / n;
}

/* The skuloc table's structural promises (scenario.h). */
static void check_skuloc_structure(const ech_scenario *sc)
{
    const ech_skulocs *sl = &sc->sl;
    assert_int_equal(sl->sku_begin[0], 0);
    assert_int_equal(sl->sku_begin[sc->cat.n], sl->n);
    for (int32_t k = 0; k < sc->cat.n; ++k) {
        int64_t b = sl->sku_begin[k], e = sl->sku_begin[k + 1];
        assert_true(b <= e);
        if (b == e)
            continue;
        /* The root location comes first and every other skuloc's parent is the
         * skuloc of its parent location, earlier in the same range. */
        assert_int_equal(sl->location[b], sc->net.root);
        assert_int_equal(sl->parent[b], -1);
        for (int64_t x = b; x < e; ++x) {
            assert_int_equal(sl->sku[x], k);
            if (x > b) {
                assert_true(sc->net.topo_pos[sl->location[x - 1]] <
                            sc->net.topo_pos[sl->location[x]]);
                int64_t p = sl->parent[x];
                assert_true(p >= b && p < x);
                assert_int_equal(sl->location[p], sc->net.parent[sl->location[x]]);
                /* Demand only where nothing is supplied onward. */
                assert_int_equal(sl->demand_dist[p], ECH_DEMAND_NONE);
            }
            if (sl->demand_dist[x] != ECH_DEMAND_NONE)
                assert_int_equal(sc->net.kind[sl->location[x]], ECH_LOC_RETAIL);
        }
    }
}

/* ------------------------------------------------------------------------------
 * The CSV example
 * ------------------------------------------------------------------------------ */

static void test_pharmacy_chain(void **state)
{
    (void)state;
    ech_scenario sc;
    load_ok(source_file("scenarios/pharmacy_chain_csv.yaml"), NULL, &sc);

    assert_string_equal(sc.name, "pharmacy_chain_csv");
    assert_true(sc.seed == 20270104u);
    assert_int_equal(sc.replications, 50);
    assert_int_equal(sc.days, 365);
    assert_int_equal(sc.warmup_days, 0);
    char date[11];
    ech_format_date(sc.start_date, date);
    assert_string_equal(date, "2027-01-04");
    assert_int_equal(ech_scenario_weekday(&sc, 0), 0); /* a Monday */
    assert_int_equal(sc.unmet_demand, ECH_UNMET_LOST);
    assert_int_equal(sc.internal_shortfall, ECH_SHORTFALL_BACKORDER);
    assert_int_equal(sc.allocation, ECH_ALLOC_PRIORITY);
    assert_int_equal(sc.start_stock, ECH_START_SNAPSHOT);

    /* Profiles have mean 1 and keep their shape. */
    assert_true(fabs(mean_of(sc.weekly, 7) - 1.0) < 1e-12);
    assert_true(fabs(sc.weekly[4] / sc.weekly[2] - 1.2) < 1e-12);
    assert_int_equal(sc.seasons.n, 3);
    assert_string_equal(sc.seasons.name[0], "flat");
    assert_string_equal(sc.seasons.name[1], "allergy");
    assert_string_equal(sc.seasons.name[2], "flu");
    for (int p = 0; p < 3; ++p)
        assert_true(fabs(mean_of(sc.seasons.monthly[p], 12) - 1.0) < 1e-12);
    assert_true(sc.seasons.monthly[0][5] == 1.0);
    assert_true(sc.seasons.monthly[1][0] == 0.6); /* mean already 1: kept as written */
    assert_true(fabs(sc.seasons.monthly[2][0] / sc.seasons.monthly[2][5] - 1.7 / 0.5) < 1e-12);

    /* Suppliers; a lognormal's max_days defaults to ceil(mean + 10 sd). */
    assert_int_equal(sc.suppliers.n, 2);
    int32_t whs = ech_scenario_find_supplier(&sc, "WHS-NL");
    int32_t mfr = ech_scenario_find_supplier(&sc, "MFR-EU");
    assert_int_equal(whs, 0);
    assert_int_equal(mfr, 1);
    assert_int_equal(sc.suppliers.lead_time[whs].dist, ECH_LT_GAMMA);
    assert_true(sc.suppliers.lead_time[whs].sd == 0.8);
    assert_int_equal(sc.suppliers.lead_time[whs].min_days, 1);
    assert_int_equal(sc.suppliers.lead_time[whs].max_days, 7);
    assert_int_equal(sc.suppliers.lead_time[mfr].dist, ECH_LT_LOGNORMAL);
    assert_int_equal(sc.suppliers.lead_time[mfr].min_days, 5);
    assert_int_equal(sc.suppliers.lead_time[mfr].max_days, 52);

    /* Without reliability, sites, disruptions or variants in the file: perfect
     * suppliers, one site per supplier named as it in region "default" with its
     * lead time, no disruptions. */
    for (int32_t i = 0; i < sc.suppliers.n; ++i) {
        const ech_reliability *r = &sc.suppliers.reliability[i];
        assert_true(r->partial_prob == 0.0 && r->cancel_prob == 0.0);
        assert_int_equal(r->shortfall, ECH_SUPPLY_BACKORDER);
    }
    assert_int_equal(sc.n_regions, 1);
    assert_string_equal(sc.region[0], "default");
    assert_int_equal(sc.sites.n, 2);
    for (int32_t i = 0; i < 2; ++i) {
        assert_string_equal(sc.sites.id[i], sc.suppliers.id[i]);
        assert_int_equal(sc.sites.supplier[i], i);
        assert_int_equal(sc.sites.region[i], 0);
        assert_int_equal(sc.sites.lead_time[i].dist, sc.suppliers.lead_time[i].dist);
        assert_true(sc.sites.lead_time[i].mean == sc.suppliers.lead_time[i].mean);
        assert_int_equal(sc.sites.lead_time[i].max_days, sc.suppliers.lead_time[i].max_days);
        assert_null(sc.sites.lead_time[i].pmf);
    }
    assert_int_equal(sc.disruptions.n, 0);

    assert_true(sc.costs.holding_rate_per_year == 0.22);
    assert_true(sc.costs.supplier_order_cost == 40.0);
    assert_true(sc.costs.lost_sale_penalty == 0.1);
    const ech_policy_rule *cw = &sc.rule[ECH_LOC_CW], *rt = &sc.rule[ECH_LOC_RETAIL];
    assert_int_equal(cw->policy, ECH_POLICY_S_S);
    assert_int_equal(cw->target, ECH_TARGET_SERVICE_LEVEL);
    assert_int_equal(cw->review_days, 7);
    assert_true(cw->service_level == 0.98);
    assert_true(cw->order_days == 14.0);
    assert_int_equal(rt->policy, ECH_POLICY_BASE_STOCK);
    assert_int_equal(rt->review_days, 1);
    assert_true(rt->service_level == 0.95);
    assert_int_equal(sc.output.n_quantiles, 5);
    assert_true(sc.output.quantiles[1] == 0.25);
    assert_int_equal(sc.output.keep_replications, 0);

    /* Network. */
    assert_int_equal(sc.net.n, 11);
    int32_t kinds[3] = {0};
    for (int32_t i = 0; i < sc.net.n; ++i)
        kinds[sc.net.kind[i]]++;
    assert_int_equal(kinds[ECH_LOC_CW], 1);
    assert_int_equal(kinds[ECH_LOC_DC], 2);
    assert_int_equal(kinds[ECH_LOC_RETAIL], 8);
    assert_int_equal(sc.net.root, loc(&sc, "CW-UTR"));
    assert_int_equal(sc.net.parent[loc(&sc, "PH-MST")], loc(&sc, "DC-SOUTH"));
    assert_int_equal(sc.net.lead_time_days[loc(&sc, "PH-MST")], 2);
    assert_int_equal(sc.net.lead_time_days[loc(&sc, "DC-NORTH")], 2);
    assert_int_equal(sc.net.lead_time_days[sc.net.root], 0);
    assert_int_equal(sc.net.priority[loc(&sc, "PH-LWD")], 0);
    assert_int_equal(sc.net.priority[loc(&sc, "PH-ZWL")], 1);
    assert_string_equal(sc.net.name[loc(&sc, "PH-DBS")], "Apotheek 's-Hertogenbosch Centrum");

    /* Catalogue. */
    assert_int_equal(sc.cat.n, 40);
    int32_t para = sku(&sc, "PARA500-20"), ins = sku(&sc, "INGL-PEN5");
    assert_string_equal(sc.cat.name[para], "Paracetamol 500 mg tablets, 20");
    assert_true(sc.cat.unit_cost[para] == 0.62);
    assert_true(sc.cat.unit_price[para] == 1.79);
    assert_int_equal(sc.cat.pack_size[para], 24);
    assert_int_equal(sc.cat.supplier[para], whs);
    assert_int_equal(sc.cat.supplier[ins], mfr);
    for (int32_t k = 0; k < sc.cat.n; ++k) {
        assert_int_equal(sc.cat.site[k], sc.cat.supplier[k]); /* the supplier's one site */
        assert_int_equal(sc.cat.alt_site[k], -1);
        assert_int_equal(sc.cat.alt_rule[k], ECH_ALT_NONE);
    }
    assert_int_equal(sc.cat.storage[ins], ECH_STORAGE_COLD);
    assert_int_equal(sc.cat.handling[sku(&sc, "OXYC10-28")], ECH_HANDLING_CONTROLLED);
    assert_int_equal(sc.cat.substitution[sku(&sc, "LEVT50-90")], ECH_SUBST_UNIQUE);
    assert_int_equal(sc.cat.season_profile[sku(&sc, "CETI10-30")], 1);
    assert_int_equal(sc.cat.season_profile[sku(&sc, "AMOX500-21")], 2);
    assert_int_equal(sc.cat.season_profile[para], 0);
    assert_true(sc.cat.trend_per_year[sku(&sc, "SEMA1-PEN")] == 0.25);
    assert_true(sc.cat.trend_per_year[para] == 0.0);
    assert_int_equal(sc.n_segments, 6);
    assert_string_equal(sc.segment[0], "otc");
    assert_string_equal(sc.segment[sc.cat.segment[sku(&sc, "FENT25-5")]], "controlled");

    /* Skulocs: 301 assortment rows plus their ancestors. */
    assert_int_equal(sc.sl.n, 420);
    check_skuloc_structure(&sc);
    int64_t x = skuloc(&sc, "PARA500-20", "PH-ZWL");
    assert_int_equal(sc.sl.demand_dist[x], ECH_DEMAND_NEGBIN);
    assert_true(sc.sl.demand_var_ratio[x] == 1.8);
    assert_true(sc.sl.demand_mean[x] == 6.009);
    x = ech_scenario_find_skuloc(&sc, sku(&sc, "ADAL40-PEN2"), loc(&sc, "CW-UTR"));
    assert_true(x >= 0);
    assert_int_equal(sc.sl.demand_dist[x], ECH_DEMAND_NONE);
    assert_int_equal(sc.sl.policy[x], ECH_POLICY_S_S);
    assert_int_equal(sc.sl.review_days[x], 7);
    assert_int_equal(sc.sl.order_up_to[x], 6);
    assert_int_equal(sc.sl.reorder_point[x], 2);
    x = skuloc(&sc, "ADAL40-PEN2", "PH-LWD");
    assert_int_equal(sc.sl.order_up_to[x], 2);
    assert_int_equal(sc.sl.reorder_point[x], 0);
    assert_int_equal(ech_scenario_find_skuloc(&sc, sku(&sc, "ADAL40-PEN2"), loc(&sc, "PH-ZWL")),
                     -1);
    /* The skuloc table keeps the policy as given (-1 / FROM_RULE: from the kind's
     * rule); the numbers simulated are resolved into the variants.  Without a
     * variants section there is one, the baseline, with the scenario's rules. */
    assert_int_equal(sc.n_variants, 1);
    const ech_variant *base = &sc.variant[0];
    assert_string_equal(base->name, "baseline");
    assert_true(base->lead_time_factor == 1.0);
    assert_int_equal(base->allocation, ECH_ALLOC_PRIORITY);
    assert_memory_equal(base->rule, sc.rule, sizeof sc.rule);
    x = skuloc(&sc, "PARA500-20", "PH-ZWL");
    assert_int_equal(sc.sl.policy[x], ECH_POLICY_FROM_RULE);
    assert_int_equal(sc.sl.review_days[x], -1);
    assert_int_equal(sc.sl.order_up_to[x], -1);
    assert_int_equal(sc.sl.reorder_point[x], ECH_REORDER_NOT_GIVEN);
    assert_int_equal(sc.sl.min_order_qty[x], -1);
    assert_int_equal(base->policy[x], ECH_POLICY_BASE_STOCK);
    assert_int_equal(base->review_days[x], 1);
    assert_true(base->order_up_to[x] >= 1);
    assert_int_equal(base->reorder_point[x], base->order_up_to[x] - 1);
    assert_int_equal(base->min_order_qty[x], 0);
    x = ech_scenario_find_skuloc(&sc, sku(&sc, "ADAL40-PEN2"), loc(&sc, "CW-UTR"));
    assert_int_equal(base->policy[x], ECH_POLICY_S_S);
    assert_int_equal(base->review_days[x], 7);
    assert_int_equal(base->order_up_to[x], 6);
    assert_int_equal(base->reorder_point[x], 2);
    /* Policy targets were resolved for every skuloc. */
    for (int64_t k = 0; k < sc.sl.n; ++k) {
        assert_true(base->policy[k] != ECH_POLICY_FROM_RULE);
        assert_true(base->review_days[k] >= 1);
        assert_true(base->order_up_to[k] >= 0);
        assert_true(base->reorder_point[k] >= -1 && base->reorder_point[k] < base->order_up_to[k]);
    }

    /* Snapshot start. */
    assert_int_equal(sc.sl.start_on_hand[skuloc(&sc, "PARA500-20", "CW-UTR")], 1001);
    assert_int_equal(sc.sl.start_on_hand[skuloc(&sc, "PARA500-20", "PH-ZWL")], 31);
    assert_int_equal(sc.sl.start_on_hand[skuloc(&sc, "ADAL40-PEN2", "DC-NORTH")], 1);
    assert_int_equal(sc.sl.start_on_hand[skuloc(&sc, "ADAL40-PEN2", "PH-EHV")], 0);
    for (int64_t k = 0; k < sc.sl.n; ++k)
        assert_true(sc.sl.start_on_hand[k] >= 0);

    /* Open orders, sorted by skuloc then arrival day. */
    assert_int_equal(sc.open_orders.n, 15);
    for (int64_t i = 1; i < sc.open_orders.n; ++i) {
        int64_t a = sc.open_orders.skuloc[i - 1], b = sc.open_orders.skuloc[i];
        assert_true(a < b ||
                    (a == b && sc.open_orders.arrival_day[i - 1] <= sc.open_orders.arrival_day[i]));
    }
    int64_t want = skuloc(&sc, "PARA500-20", "CW-UTR");
    int found = 0;
    for (int64_t i = 0; i < sc.open_orders.n; ++i) {
        if (sc.open_orders.skuloc[i] == want) {
            assert_int_equal(sc.open_orders.arrival_day[i], 2);
            assert_int_equal(sc.open_orders.quantity[i], 1440);
            ++found;
        }
        if (sc.open_orders.skuloc[i] == skuloc(&sc, "DEXT-SYR200", "DC-NORTH"))
            assert_int_equal(sc.open_orders.arrival_day[i], 0);
    }
    assert_int_equal(found, 1);
    assert_int_equal(sc.replay.n, 0);

    /* Without expiry, controlled or reserve settings: every default.  The cold-chain
     * SKUs give a unit volume, the others none. */
    assert_int_equal(sc.expiry.enabled, 0);
    assert_int_equal(sc.expiry.min_remaining_days, 0);
    assert_true(sc.expiry.receipt_life_min == 1.0 && sc.expiry.receipt_life_max == 1.0);
    assert_int_equal(sc.expiry.returns, 0);
    assert_int_equal(sc.controlled.min_days_between_orders, 0);
    assert_true(sc.controlled.max_stock_days == 0.0);
    assert_int_equal(sc.controlled.extra_lead_time_days, 0);
    assert_true(sc.cw_reserve_share == 0.0);
    for (int32_t i = 0; i < sc.net.n; ++i)
        assert_true(sc.net.cold_capacity_litres[i] == 0.0);
    for (int32_t k = 0; k < sc.cat.n; ++k) {
        assert_true(isnan(sc.cat.receipt_life_min[k]) && isnan(sc.cat.receipt_life_max[k]));
        assert_int_equal(sc.cat.cw_reserved_units[k], -1);
        if (sc.cat.storage[k] == ECH_STORAGE_COLD)
            assert_true(sc.cat.unit_volume_litres[k] > 0.0);
        else
            assert_true(sc.cat.unit_volume_litres[k] == 0.0);
    }
    assert_true(sc.cat.unit_volume_litres[ins] == 0.12);
    for (int64_t k = 0; k < sc.sl.n; ++k)
        assert_int_equal(sc.sl.display_min[k], 0);

    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(text);
    assert_non_null(strstr(text, "  allocation: priority\n  cw_reserve_share: 0\n"
                                 "expiry:\n  enabled: false\n  min_remaining_days: 0\n"
                                 "  receipt_life: {min_fraction: 1, max_fraction: 1}\n"
                                 "  returns: {enabled: false}\n"
                                 "controlled:\n  min_days_between_orders: 0\n  max_stock_days: 0\n"
                                 "  extra_lead_time_days: 0\n"));
    assert_non_null(strstr(text, "cold_capacity_litres: {cw: 0, dc: 0, retail: 0}\n"));
    assert_non_null(strstr(text, "name: \"pharmacy_chain_csv\""));
    assert_non_null(strstr(text, "locations_file: \"data/pharmacy_chain/locations.csv\""));
    assert_non_null(strstr(text, "skus: 40"));
    assert_non_null(strstr(text, "skulocs: 420"));
    assert_non_null(strstr(text, "locations: 11"));
    assert_non_null(strstr(text, "open_order_count: 15"));
    assert_non_null(strstr(text, "quantiles: [0.05, 0.25, 0.5, 0.75, 0.95]"));
    free(text);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * Inline tables, snapshot with warm-up, demand history
 * ------------------------------------------------------------------------------ */

static const char *inline_yaml =
    "name: inline_test\n"
    "seed: 7\n"
    "replications: 3\n"
    "horizon:\n"
    "  start_date: 2027-03-01\n"
    "  days: 10\n"
    "  warmup_days: 4\n"
    "demand:\n"
    "  unmet: backorder\n"
    "  history: history.csv\n"
    "supply:\n"
    "  internal_shortfall: cut\n"
    "  allocation: alphabetical\n"
    "suppliers:\n"
    "  - id: S1\n"
    "    lead_time: {distribution: fixed, mean: 5}\n"
    "  - id: S2\n"
    "    lead_time: {distribution: gamma, mean: 10, sd: 2}\n"
    "costs:\n"
    "  supplier_order_cost: 12.5\n"
    "policies:\n"
    "  dc:\n"
    "    type: s_S\n"
    "    cover_days: 20\n"
    "  retail:\n"
    "    review_days: 2\n"
    "    order_up_to: 8\n"
    "    min_order_qty: 2\n"
    "start:\n"
    "  stock: snapshot\n"
    "  on_hand: on_hand.csv\n"
    "  open_orders: open_orders.csv\n"
    "network:\n"
    "  locations:\n"
    "    - {id: PH-B, name: Pharmacy B, kind: retail, parent: DC1, lead_time_days: 1}\n"
    "    - {id: CW, kind: cw}\n"
    "    - {id: DC1, kind: dc, parent: CW, lead_time_days: 2, review_offset: 1}\n"
    "    - id: PH-A\n"
    "      name: Pharmacy A\n"
    "      kind: retail\n"
    "      parent: DC1\n"
    "      lead_time_days: 1\n"
    "      priority: -1\n"
    "catalogue:\n"
    "  skus:\n"
    "    - {id: X, unit_cost: 2.5, unit_price: 4, supplier: S2, segment: chronic}\n"
    "    - {id: Y, name: Drug Y, unit_cost: 1, unit_price: 1.5, supplier: S1, pack_size: 10,\n"
    "       shelf_life_days: 30, storage: cold, handling: controlled, substitution: generic,\n"
    "       trend_per_year: -0.1}\n"
    "  assortment:\n"
    "    - {sku: Y, location: PH-B, demand_mean: 2, demand_var_ratio: 3}\n"
    "    - {sku: X, location: PH-A, demand_mean: 0.5}\n"
    "    - {sku: X, location: PH-B, demand_mean: 1.5, demand_zero_prob: 0.2, policy: s_S,\n"
    "       order_up_to: 9, reorder_point: 3}\n"
    "output:\n"
    "  quantiles: [0.1, 0.9]\n"
    "  keep_replications: true\n";

static void write_inline_scenario(void)
{
    write_tmp("inline.yaml", inline_yaml);
    write_tmp("on_hand.csv", "sku,location,on_hand\nX,CW,100\nX,PH-A,3\nY,DC1,20\n");
    write_tmp("open_orders.csv", "location,sku,arrival_date,quantity\n"
                                 "PH-B,Y,2027-03-03,5\n"
                                 "CW,X,2027-02-10,50\n"
                                 "CW,X,2027-03-05,30\n"
                                 "CW,X,2027-02-27,20\n");
    write_tmp("history.csv", "sku,location,date,quantity\n"
                             "X,PH-A,2027-02-25,3\n"
                             "X,PH-A,2027-03-01,4\n"
                             "X,PH-A,2027-03-10,6\n"
                             "X,PH-A,2027-03-11,9\n"
                             "X,PH-A,2026-01-01,100\n"
                             "Y,PH-B,2027-03-02,1\n");
}

static void test_inline_scenario(void **state)
{
    (void)state;
    write_inline_scenario();
    char path[600];
    snprintf(path, sizeof path, "%s/inline.yaml", tmpdir);
    ech_scenario sc;
    load_ok(path, NULL, &sc);

    assert_int_equal(sc.unmet_demand, ECH_UNMET_BACKORDER);
    assert_int_equal(sc.internal_shortfall, ECH_SHORTFALL_CUT);
    assert_int_equal(sc.allocation, ECH_ALLOC_ALPHABETICAL);
    assert_int_equal(sc.days, 10);
    assert_int_equal(sc.warmup_days, 4);
    assert_string_equal(sc.description, "");
    for (int d = 0; d < 7; ++d)
        assert_true(sc.weekly[d] == 1.0);
    assert_int_equal(sc.seasons.n, 1);
    assert_true(sc.costs.supplier_order_cost == 12.5);
    assert_true(sc.costs.holding_rate_per_year == 0.25); /* default */
    assert_true(sc.costs.internal_order_cost == 0.0);

    /* Rules: defaults for cw, cover days for dc, fixed numbers for retail. */
    const ech_policy_rule *r = sc.rule;
    assert_int_equal(r[ECH_LOC_CW].policy, ECH_POLICY_BASE_STOCK);
    assert_int_equal(r[ECH_LOC_CW].target, ECH_TARGET_SERVICE_LEVEL);
    assert_true(r[ECH_LOC_CW].service_level == 0.95);
    assert_int_equal(r[ECH_LOC_CW].review_days, 1);
    assert_int_equal(r[ECH_LOC_DC].policy, ECH_POLICY_S_S);
    assert_int_equal(r[ECH_LOC_DC].target, ECH_TARGET_COVER_DAYS);
    assert_true(r[ECH_LOC_DC].cover_days == 20.0);
    assert_true(r[ECH_LOC_DC].order_days == 7.0);
    assert_int_equal(r[ECH_LOC_RETAIL].target, ECH_TARGET_FIXED);
    assert_int_equal(r[ECH_LOC_RETAIL].order_up_to, 8);
    assert_int_equal(r[ECH_LOC_RETAIL].review_days, 2);
    assert_int_equal(r[ECH_LOC_RETAIL].min_order_qty, 2);

    /* A parent named before it is defined; defaults for name and review offset. */
    assert_int_equal(sc.net.n, 4);
    assert_int_equal(sc.net.root, loc(&sc, "CW"));
    assert_int_equal(sc.net.parent[loc(&sc, "PH-B")], loc(&sc, "DC1"));
    assert_string_equal(sc.net.name[loc(&sc, "CW")], "CW");
    assert_string_equal(sc.net.name[loc(&sc, "PH-A")], "Pharmacy A");
    assert_int_equal(sc.net.priority[loc(&sc, "PH-A")], -1);
    assert_int_equal(sc.net.review_offset[loc(&sc, "DC1")], 1);
    assert_int_equal(sc.net.review_offset[loc(&sc, "PH-B")], 0);

    int32_t X = sku(&sc, "X"), Y = sku(&sc, "Y");
    assert_int_equal(sc.cat.supplier[X], 1);
    assert_int_equal(sc.cat.pack_size[X], 1);
    assert_int_equal(sc.cat.shelf_life_days[X], 0);
    assert_int_equal(sc.cat.storage[X], ECH_STORAGE_AMBIENT);
    assert_string_equal(sc.cat.name[X], "X");
    assert_string_equal(sc.cat.name[Y], "Drug Y");
    assert_int_equal(sc.cat.pack_size[Y], 10);
    assert_int_equal(sc.cat.shelf_life_days[Y], 30);
    assert_int_equal(sc.cat.storage[Y], ECH_STORAGE_COLD);
    assert_int_equal(sc.cat.handling[Y], ECH_HANDLING_CONTROLLED);
    assert_int_equal(sc.cat.substitution[Y], ECH_SUBST_GENERIC);
    assert_true(sc.cat.trend_per_year[Y] == -0.1);
    assert_int_equal(sc.n_segments, 2);
    assert_string_equal(sc.segment[sc.cat.segment[X]], "chronic");
    assert_string_equal(sc.segment[sc.cat.segment[Y]], "all");

    /* X: CW, DC1, then the pharmacies in topological (input) order; Y: CW, DC1, PH-B. */
    assert_int_equal(sc.sl.n, 7);
    check_skuloc_structure(&sc);
    assert_int_equal(sc.sl.sku_begin[X + 1] - sc.sl.sku_begin[X], 4);
    assert_int_equal(sc.sl.sku_begin[Y + 1] - sc.sl.sku_begin[Y], 3);
    int64_t b = sc.sl.sku_begin[X];
    assert_int_equal(sc.sl.location[b + 0], loc(&sc, "CW"));
    assert_int_equal(sc.sl.location[b + 1], loc(&sc, "DC1"));
    assert_int_equal(sc.sl.location[b + 2], loc(&sc, "PH-B"));
    assert_int_equal(sc.sl.location[b + 3], loc(&sc, "PH-A"));
    int64_t yb = skuloc(&sc, "Y", "PH-B");
    assert_int_equal(sc.sl.demand_dist[yb], ECH_DEMAND_REPLAY); /* replaced by the history */
    int64_t xb = skuloc(&sc, "X", "PH-B");
    assert_int_equal(sc.sl.demand_dist[xb], ECH_DEMAND_POISSON);
    assert_true(sc.sl.demand_mean[xb] == 1.5);
    assert_true(sc.sl.demand_zero_prob[xb] == 0.2);
    assert_int_equal(sc.sl.policy[xb], ECH_POLICY_S_S);
    assert_int_equal(sc.sl.order_up_to[xb], 9);
    assert_int_equal(sc.sl.reorder_point[xb], 3);
    assert_int_equal(sc.sl.replay[xb], -1);

    /* Snapshot: listed skulocs as given, the others start empty. */
    assert_int_equal(sc.sl.start_on_hand[skuloc(&sc, "X", "CW")], 100);
    assert_int_equal(sc.sl.start_on_hand[skuloc(&sc, "X", "PH-A")], 3);
    assert_int_equal(sc.sl.start_on_hand[skuloc(&sc, "Y", "DC1")], 20);
    assert_int_equal(sc.sl.start_on_hand[skuloc(&sc, "X", "DC1")], 0);

    /* Open orders: an order due before the first simulated day arrives on it. */
    const ech_open_orders *oo = &sc.open_orders;
    assert_int_equal(oo->n, 4);
    int64_t xcw = skuloc(&sc, "X", "CW");
    int32_t days[4] = {-4, -2, 4, 2}, qty[4] = {50, 20, 30, 5};
    int64_t where[4] = {xcw, xcw, xcw, yb};
    for (int i = 0; i < 4; ++i) {
        assert_int_equal(oo->skuloc[i], where[i]);
        assert_int_equal(oo->arrival_day[i], days[i]);
        assert_int_equal(oo->quantity[i], qty[i]);
    }

    /* Replay: 14 simulated days from 2027-02-25 (day -4); rows outside ignored. */
    assert_int_equal(sc.replay.n, 2);
    assert_int_equal(sc.replay.n_days, 14);
    int64_t xa = skuloc(&sc, "X", "PH-A");
    assert_int_equal(sc.sl.demand_dist[xa], ECH_DEMAND_REPLAY);
    int32_t rx = sc.sl.replay[xa], ry = sc.sl.replay[yb];
    assert_int_equal(rx, 0);
    assert_int_equal(ry, 1);
    const int32_t *qx = sc.replay.quantity + (size_t)rx * 14;
    const int32_t *qy = sc.replay.quantity + (size_t)ry * 14;
    int32_t want_x[14] = {3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 6};
    for (int d = 0; d < 14; ++d) {
        assert_int_equal(qx[d], want_x[d]);
        assert_int_equal(qy[d], d == 5 ? 1 : 0);
    }
    /* Mean over the measured days only (d = 4..13). */
    assert_true(fabs(sc.sl.demand_mean[xa] - 1.0) < 1e-12);
    assert_true(fabs(sc.sl.demand_mean[yb] - 0.1) < 1e-12);

    assert_int_equal(sc.output.n_quantiles, 2);
    assert_int_equal(sc.output.keep_replications, 1);

    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "source: inline"));
    assert_non_null(strstr(text, "replayed_skulocs: 2"));
    assert_non_null(strstr(text, "open_order_count: 4"));
    assert_non_null(strstr(text, "history: \"history.csv\""));
    assert_non_null(strstr(text, "warmup_days: 4"));
    assert_non_null(strstr(text, "cover_days: 20"));
    assert_non_null(strstr(text, "order_up_to: 8"));
    assert_non_null(strstr(text, "unmet: backorder"));
    assert_non_null(strstr(text, "segments: [\"chronic\", \"all\"]"));
    free(text);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * Overrides
 * ------------------------------------------------------------------------------ */

static void test_overrides(void **state)
{
    (void)state;
    ech_overrides ov = ech_overrides_none();
    assert_true(ov.replications < 0 && ov.days < 0 && ov.warmup_days < 0);
    assert_false(ov.has_seed);
    assert_false(ov.keep_replications);

    ov.replications = 7;
    ov.days = 30;
    ov.warmup_days = 5;
    ov.has_seed = 1;
    ov.seed = 99;
    ov.keep_replications = 1;
    ech_scenario sc;
    load_ok(source_file("scenarios/pharmacy_chain_csv.yaml"), &ov, &sc);
    assert_int_equal(sc.replications, 7);
    assert_int_equal(sc.days, 30);
    assert_int_equal(sc.warmup_days, 5);
    assert_true(sc.seed == 99);
    assert_int_equal(sc.output.keep_replications, 1);
    /* Everything else as in the file. */
    assert_int_equal(sc.cat.n, 40);
    assert_int_equal(sc.output.n_quantiles, 5);

    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "\nreplications: 7\n"));
    assert_non_null(strstr(text, "\n  days: 30\n"));
    assert_non_null(strstr(text, "\n  warmup_days: 5\n"));
    assert_non_null(strstr(text, "\nseed: 99\n"));
    assert_non_null(strstr(text, "keep_replications: true"));
    assert_non_null(strstr(text, "last_date: 2027-02-02"));
    free(text);
    ech_scenario_free(&sc);

    /* Overrides are checked like the file's values. */
    ech_error err;
    ov = ech_overrides_none();
    ov.days = 0;
    assert_int_equal(
        ech_scenario_load(source_file("scenarios/pharmacy_chain_csv.yaml"), &ov, &sc, &err),
        ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--days"));
    ov = ech_overrides_none();
    ov.replications = 0;
    assert_int_equal(
        ech_scenario_load(source_file("scenarios/pharmacy_chain_csv.yaml"), &ov, &sc, &err),
        ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--replications"));
}

/* ------------------------------------------------------------------------------
 * Generated network and catalogue
 * ------------------------------------------------------------------------------ */

static void test_generated(void **state)
{
    (void)state;
    write_tmp("generated.yaml",
              "name: generated\n"
              "seed: 11\n"
              "replications: 2\n"
              "horizon: {start_date: 2027-01-04, days: 28}\n"
              "demand:\n"
              "  seasonality:\n"
              "    - {name: winter, monthly: [2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]}\n"
              "suppliers:\n"
              "  - {id: A, lead_time: {distribution: fixed, mean: 4}}\n"
              "  - {id: B, lead_time: {distribution: lognormal, mean: 8, sd: 3, max_days: 30}}\n"
              "network:\n"
              "  generate: {dcs: 2, retail_per_dc: 3, dc_lead_time_days: 2}\n"
              "catalogue:\n"
              "  generate: {skus: 25, assortment_density: 0.5}\n");
    char path[600];
    snprintf(path, sizeof path, "%s/generated.yaml", tmpdir);
    ech_scenario sc;
    load_ok(path, NULL, &sc);
    assert_int_equal(sc.net.n, 1 + 2 + 6);
    assert_int_equal(sc.cat.n, 25);
    assert_true(sc.sl.n > 0);
    assert_int_equal(sc.suppliers.lead_time[1].max_days, 30);
    check_skuloc_structure(&sc);
    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "source: generate"));
    assert_non_null(strstr(text, "retail_per_dc: 3"));
    assert_non_null(strstr(text, "skus: 25"));
    assert_non_null(strstr(text, "seed: 11")); /* the catalogue seed defaults to the scenario's */
    assert_non_null(strstr(text, "assortment_density: 0.5"));
    free(text);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * Supplier reliability, sites and regions, empirical lead times
 * ------------------------------------------------------------------------------ */

/* A small network and catalogue shared by the scenarios below. */
static const char *small_network = "network:\n"
                                   "  locations:\n"
                                   "    - {id: CW, kind: cw}\n"
                                   "    - {id: DC, kind: dc, parent: CW, lead_time_days: 1}\n"
                                   "    - {id: PH1, kind: retail, parent: DC, lead_time_days: 1}\n"
                                   "    - {id: PH2, kind: retail, parent: DC, lead_time_days: 1}\n";

static void load_text(const char *name, const char *head, const char *catalogue, ech_scenario *sc)
{
    size_t n = strlen(head) + strlen(small_network) + strlen(catalogue) + 1;
    char *text = malloc(n);
    snprintf(text, n, "%s%s%s", head, small_network, catalogue);
    write_tmp(name, text);
    free(text);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    load_ok(path, NULL, sc);
}

static int32_t site(const ech_scenario *sc, const char *id)
{
    for (int32_t i = 0; i < sc->sites.n; ++i)
        if (strcmp(sc->sites.id[i], id) == 0)
            return i;
    fail_msg("no site %s", id);
    return -1;
}

static const char *supply_head =
    "name: supply_model\n"
    "seed: 3\n"
    "replications: 2\n"
    "horizon: {start_date: 2027-01-04, days: 90, warmup_days: 14}\n"
    "suppliers:\n"
    "  - id: GEN\n"
    "    lead_time: {distribution: gamma, mean: 14, sd: 5, max_days: 60}\n"
    "    partial: {probability: 0.1, fraction_mean: 0.6, fraction_sd: 0.2}\n"
    "    cancel_probability: 0.01\n"
    "    shortfall: cancel\n"
    "    sites:\n"
    "      - id: GEN-IT\n"
    "        region: EU-SOUTH\n"
    "      - id: GEN-IN\n"
    "        region: ASIA\n"
    "        lead_time: {distribution: empirical, values: [30, 20, 30, 45], weights: [1, 2, 3, "
    "4]}\n"
    "      - id: GEN-ES\n"
    "        region: EU-SOUTH\n"
    "      - id: GEN\n" /* a site may share its supplier's id */
    "        region: default\n"
    "  - id: ORIG\n"
    "    lead_time:\n"
    "      distribution: empirical\n"
    "      values: [9, 7, 8, 7]\n" /* any order, repeats add up, equal weights */
    "  - id: COLD\n"
    "    lead_time: {distribution: fixed, mean: 5}\n"
    "    partial: {probability: 1, fraction_mean: 0.5, fraction_sd: 0.1}\n"
    "    sites:\n"
    "      - {id: COLD-CH, region: ALPS, lead_time: {distribution: lognormal, mean: 6, sd: 2}}\n";

static const char *supply_catalogue =
    "catalogue:\n"
    "  skus:\n"
    "    - {id: A, unit_cost: 1, unit_price: 2, supplier: GEN}\n"
    "    - {id: B, unit_cost: 1, unit_price: 2, site: GEN-IN, substitution: generic,\n"
    "       alt_supplier: ORIG, alt_rule: split, alt_split: 0.3, alt_premium: 0.1}\n"
    "    - {id: C, unit_cost: 1, unit_price: 2, supplier: ORIG, substitution: generic,\n"
    "       alt_site: GEN-ES, alt_rule: switch}\n"
    "    - {id: D, unit_cost: 1, unit_price: 2, supplier: GEN, site: GEN-ES, substitution: "
    "generic,\n"
    "       alt_site: GEN, alt_rule: switch, alt_premium: 0}\n"
    "    - {id: E, unit_cost: 1, unit_price: 2, site: COLD-CH}\n"
    "  assortment:\n"
    "    - {sku: A, location: PH1, demand_mean: 1}\n"
    "    - {sku: B, location: PH1, demand_mean: 1}\n"
    "    - {sku: C, location: PH2, demand_mean: 1}\n"
    "    - {sku: D, location: PH2, demand_mean: 1}\n"
    "    - {sku: E, location: PH2, demand_mean: 1}\n";

static void test_suppliers_sites_regions(void **state)
{
    (void)state;
    ech_scenario sc;
    load_text("supply.yaml", supply_head, supply_catalogue, &sc);

    /* Reliability. */
    const ech_suppliers *sup = &sc.suppliers;
    assert_int_equal(sup->n, 3);
    const ech_reliability *r = &sup->reliability[0];
    assert_true(r->partial_prob == 0.1);
    assert_true(r->partial_mean == 0.6);
    assert_true(r->partial_sd == 0.2);
    assert_true(r->cancel_prob == 0.01);
    assert_int_equal(r->shortfall, ECH_SUPPLY_CANCEL);
    r = &sup->reliability[1]; /* none given: a perfect supplier */
    assert_true(r->partial_prob == 0.0 && r->cancel_prob == 0.0);
    assert_int_equal(r->shortfall, ECH_SUPPLY_BACKORDER);
    assert_true(sup->reliability[2].partial_prob == 1.0);
    assert_true(sup->reliability[2].partial_sd == 0.1);

    /* An empirical supplier lead time: values 7, 7, 8, 9 with equal weights. */
    const ech_lead_time *lt = &sup->lead_time[1];
    assert_int_equal(lt->dist, ECH_LT_EMPIRICAL);
    assert_int_equal(lt->min_days, 7);
    assert_int_equal(lt->max_days, 9);
    assert_non_null(lt->pmf);
    assert_true(fabs(lt->pmf[0] - 0.5) < 1e-15);
    assert_true(fabs(lt->pmf[1] - 0.25) < 1e-15);
    assert_true(fabs(lt->pmf[2] - 0.25) < 1e-15);
    assert_true(fabs(lt->mean - 7.75) < 1e-12);
    assert_true(fabs(lt->sd - sqrt(0.5 * 0.5625 + 0.25 * 0.0625 + 0.25 * 1.5625)) < 1e-12);

    /* Sites in the order given, suppliers without a list get one named as they. */
    const ech_sites *si = &sc.sites;
    assert_int_equal(si->n, 6);
    const char *ids[6] = {"GEN-IT", "GEN-IN", "GEN-ES", "GEN", "ORIG", "COLD-CH"};
    const int32_t owner[6] = {0, 0, 0, 0, 1, 2};
    for (int32_t i = 0; i < 6; ++i) {
        assert_string_equal(si->id[i], ids[i]);
        assert_int_equal(si->supplier[i], owner[i]);
        assert_true(si->id_hash[i] == ech_hash_string(ids[i]));
    }
    /* Regions: "default" first, then by first appearance. */
    assert_int_equal(sc.n_regions, 4);
    assert_string_equal(sc.region[0], "default");
    assert_string_equal(sc.region[1], "EU-SOUTH");
    assert_string_equal(sc.region[2], "ASIA");
    assert_string_equal(sc.region[3], "ALPS");
    const int32_t region[6] = {1, 2, 1, 0, 0, 3};
    for (int32_t i = 0; i < 6; ++i)
        assert_int_equal(si->region[i], region[i]);

    /* Lane lead times: the supplier's unless the site overrides it. */
    assert_int_equal(si->lead_time[0].dist, ECH_LT_GAMMA);
    assert_true(si->lead_time[0].mean == 14.0 && si->lead_time[0].sd == 5.0);
    assert_int_equal(si->lead_time[0].max_days, 60);
    assert_null(si->lead_time[0].pmf);
    lt = &si->lead_time[1]; /* 20: 2, 30: 1 + 3, 45: 4 of 10 */
    assert_int_equal(lt->dist, ECH_LT_EMPIRICAL);
    assert_int_equal(lt->min_days, 20);
    assert_int_equal(lt->max_days, 45);
    for (int32_t d = 20; d <= 45; ++d) {
        double want = d == 20 ? 0.2 : d == 30 ? 0.4 : d == 45 ? 0.4 : 0.0;
        assert_true(fabs(lt->pmf[d - 20] - want) < 1e-15);
    }
    assert_true(fabs(lt->mean - 34.0) < 1e-12);
    assert_true(fabs(lt->sd - sqrt(0.2 * 196 + 0.4 * 16 + 0.4 * 121)) < 1e-12);
    /* The default site of ORIG has its own copy of the supplier's pmf. */
    lt = &si->lead_time[4];
    assert_int_equal(lt->dist, ECH_LT_EMPIRICAL);
    assert_non_null(lt->pmf);
    assert_true(lt->pmf != sup->lead_time[1].pmf);
    assert_memory_equal(lt->pmf, sup->lead_time[1].pmf, 3 * sizeof(double));
    assert_true(lt->mean == sup->lead_time[1].mean);
    assert_int_equal(si->lead_time[5].dist, ECH_LT_LOGNORMAL);
    assert_true(si->lead_time[5].mean == 6.0);
    assert_int_equal(si->lead_time[5].max_days, 26); /* ceil(6 + 10 x 2) */

    /* SKUs: site and supplier agree; the default site is the supplier's first. */
    const ech_catalogue *cat = &sc.cat;
    int32_t A = sku(&sc, "A"), B = sku(&sc, "B"), C = sku(&sc, "C"), D = sku(&sc, "D"),
            E = sku(&sc, "E");
    assert_int_equal(cat->site[A], site(&sc, "GEN-IT"));
    assert_int_equal(cat->supplier[A], 0);
    assert_int_equal(cat->site[B], site(&sc, "GEN-IN"));
    assert_int_equal(cat->supplier[B], 0); /* from the site: several suppliers, none given */
    assert_int_equal(cat->site[C], site(&sc, "ORIG"));
    assert_int_equal(cat->site[D], site(&sc, "GEN-ES"));
    assert_int_equal(cat->site[E], site(&sc, "COLD-CH"));
    assert_int_equal(cat->supplier[E], 2);
    for (int32_t k = 0; k < cat->n; ++k)
        assert_int_equal(cat->supplier[k], si->supplier[cat->site[k]]);

    /* Alternative sources. */
    assert_int_equal(cat->alt_site[A], -1);
    assert_int_equal(cat->alt_rule[A], ECH_ALT_NONE);
    assert_true(cat->alt_premium[A] == 0.0);
    assert_int_equal(cat->alt_site[B], site(&sc, "ORIG")); /* a supplier: its first site */
    assert_int_equal(cat->alt_rule[B], ECH_ALT_SPLIT);
    assert_true(cat->alt_split[B] == 0.3);
    assert_true(cat->alt_premium[B] == 0.1);
    assert_int_equal(cat->alt_site[C], site(&sc, "GEN-ES"));
    assert_int_equal(cat->alt_rule[C], ECH_ALT_SWITCH);
    assert_true(cat->alt_split[C] == 0.0);
    assert_true(cat->alt_premium[C] == 0.0);
    /* "GEN" names the site GEN (a site id wins over the supplier of that name). */
    assert_int_equal(cat->alt_site[D], site(&sc, "GEN"));
    assert_int_equal(cat->alt_site[E], -1);

    /* Service-level targets at the CW use the SKU's site lead time. */
    assert_int_equal(sc.n_variants, 1);
    assert_int_equal(sc.disruptions.n, 0);
    int64_t xb = skuloc(&sc, "B", "CW"), xa = skuloc(&sc, "A", "CW");
    assert_true(sc.variant[0].order_up_to[xb] > sc.variant[0].order_up_to[xa]);

    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text,
                           "    partial: {probability: 0.1, fraction_mean: 0.6, fraction_sd: 0.2}\n"
                           "    cancel_probability: 0.01\n"
                           "    shortfall: cancel\n"
                           "    sites:\n"
                           "      - id: \"GEN-IT\"\n"
                           "        region: \"EU-SOUTH\"\n"));
    assert_non_null(strstr(text, "distribution: empirical\n          mean: 34\n"));
    assert_non_null(strstr(text, "values: [20, 30, 45]\n          weights: [0.2, 0.4, 0.4]\n"));
    assert_non_null(strstr(text, "values: [7, 8, 9]\n      weights: [0.5, 0.25, 0.25]\n"));
    assert_non_null(strstr(text, "regions: [\"default\", \"EU-SOUTH\", \"ASIA\", \"ALPS\"]\n"));
    assert_non_null(strstr(text, "disruptions: []\n"));
    assert_non_null(strstr(text, "variants:\n  - name: \"baseline\"\n    disruptions: []\n"
                                 "    lead_time_factor: 1\n"));
    free(text);
    ech_scenario_free(&sc);
}

/* The SKU columns for sources in a CSV file. */
static void test_sources_from_csv(void **state)
{
    (void)state;
    write_tmp("src_skus.csv",
              "id,unit_cost,unit_price,supplier,site,substitution,alt_supplier,alt_site,alt_rule,"
              "alt_split,alt_premium\n"
              "A,1,2,GEN,,,,,,,\n"
              "B,1,2,,GEN-IN,generic,ORIG,,split,0.25,0.05\n"
              "C,1,2,ORIG,,generic,,GEN-ES,switch,,\n");
    write_tmp("src_assortment.csv", "sku,location,demand_mean\nA,PH1,1\nB,PH1,2\nC,PH2,0.5\n");
    ech_scenario sc;
    load_text("src.yaml", supply_head,
              "catalogue:\n  skus_file: src_skus.csv\n  assortment_file: src_assortment.csv\n",
              &sc);
    const ech_catalogue *cat = &sc.cat;
    int32_t A = sku(&sc, "A"), B = sku(&sc, "B"), C = sku(&sc, "C");
    assert_int_equal(cat->site[A], site(&sc, "GEN-IT"));
    assert_int_equal(cat->site[B], site(&sc, "GEN-IN"));
    assert_int_equal(cat->supplier[B], 0);
    assert_int_equal(cat->alt_site[B], site(&sc, "ORIG"));
    assert_int_equal(cat->alt_rule[B], ECH_ALT_SPLIT);
    assert_true(cat->alt_split[B] == 0.25);
    assert_true(cat->alt_premium[B] == 0.05);
    assert_int_equal(cat->supplier[C], 1);
    assert_int_equal(cat->alt_site[C], site(&sc, "GEN-ES"));
    assert_int_equal(cat->alt_rule[C], ECH_ALT_SWITCH);
    assert_int_equal(cat->alt_site[A], -1);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * Disruptions
 * ------------------------------------------------------------------------------ */

static const char *disruption_section =
    "disruptions:\n"
    "  - name: plant-failures\n"
    "    kind: markov\n"
    "    scope: each_site\n"
    "    mtbf_days: 730\n"
    "    mttr_days: 30\n"
    "  - {name: it-strike, kind: scripted, scope: site, target: GEN-IT, from_day: -10, to_day: "
    "20,\n"
    "     capacity: 0.25}\n"
    "  - {name: gen-recall, kind: scripted, scope: supplier, target: GEN, from_day: 120, to_day: "
    "200}\n"
    "  - {name: monsoon, kind: markov, scope: region, target: ASIA, mtbf_days: 300, mttr_days: "
    "14.5,\n"
    "     capacity: 0.5}\n"
    "  - {name: site-named-as-supplier, kind: scripted, scope: site, target: GEN, from_day: 400,\n"
    "     to_day: 500}\n"
    "  - {name: everywhere, kind: scripted, scope: region, target: default, from_day: 0, to_day: "
    "1}\n";

static char *concat(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s", a, b);
    return s;
}

static void test_disruptions(void **state)
{
    (void)state;
    char *head = concat(supply_head, disruption_section);
    ech_scenario sc;
    load_text("disruptions.yaml", head, supply_catalogue, &sc);
    free(head);

    const ech_disruptions *d = &sc.disruptions;
    assert_int_equal(d->n, 6);
    const char *names[6] = {"plant-failures",         "it-strike", "gen-recall", "monsoon",
                            "site-named-as-supplier", "everywhere"};
    for (int32_t i = 0; i < 6; ++i) {
        assert_string_equal(d->name[i], names[i]);
        assert_true(d->key[i] == ech_hash_string(names[i]));
    }
    /* each_site: no target. */
    assert_int_equal(d->kind[0], ECH_DISRUPT_MARKOV);
    assert_int_equal(d->scope[0], ECH_SCOPE_EACH_SITE);
    assert_int_equal(d->target[0], -1);
    assert_true(d->mtbf_days[0] == 730.0 && d->mttr_days[0] == 30.0);
    assert_true(d->capacity[0] == 0.0);
    /* site: may start in the warm-up. */
    assert_int_equal(d->kind[1], ECH_DISRUPT_SCRIPTED);
    assert_int_equal(d->scope[1], ECH_SCOPE_SITE);
    assert_int_equal(d->target[1], site(&sc, "GEN-IT"));
    assert_int_equal(d->from_day[1], -10);
    assert_int_equal(d->to_day[1], 20);
    assert_true(d->capacity[1] == 0.25);
    /* supplier. */
    assert_int_equal(d->scope[2], ECH_SCOPE_SUPPLIER);
    assert_int_equal(d->target[2], ech_scenario_find_supplier(&sc, "GEN"));
    assert_int_equal(d->from_day[2], 120);
    assert_int_equal(d->to_day[2], 200);
    /* region. */
    assert_int_equal(d->kind[3], ECH_DISRUPT_MARKOV);
    assert_int_equal(d->scope[3], ECH_SCOPE_REGION);
    assert_int_equal(d->target[3], 2); /* ASIA */
    assert_true(d->mttr_days[3] == 14.5);
    assert_true(d->capacity[3] == 0.5);
    /* A target is looked up by the scope: the site GEN, not the supplier GEN. */
    assert_int_equal(d->scope[4], ECH_SCOPE_SITE);
    assert_int_equal(d->target[4], site(&sc, "GEN"));
    assert_int_equal(d->to_day[4], 500); /* beyond the horizon: allowed */
    assert_int_equal(d->target[5], 0);

    /* The default variant has every disruption active. */
    assert_int_equal(sc.n_variants, 1);
    for (int32_t i = 0; i < 6; ++i)
        assert_int_equal(sc.variant[0].disruption_active[i], 1);

    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "  - name: \"plant-failures\"\n    kind: markov\n"
                                 "    scope: each_site\n    mtbf_days: 730\n    mttr_days: 30\n"
                                 "    capacity: 0\n"));
    assert_non_null(strstr(text, "  - name: \"it-strike\"\n    kind: scripted\n    scope: site\n"
                                 "    target: \"GEN-IT\"\n    from_day: -10\n    to_day: 20\n"
                                 "    capacity: 0.25\n"));
    assert_non_null(strstr(text, "    scope: region\n    target: \"ASIA\"\n"));
    assert_non_null(strstr(text,
                           "    disruptions: [\"plant-failures\", \"it-strike\", \"gen-recall\", "
                           "\"monsoon\", \"site-named-as-supplier\", \"everywhere\"]\n"));
    free(text);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * Variants
 * ------------------------------------------------------------------------------ */

static const char *variant_section =
    "supply: {allocation: priority}\n"
    "policies:\n"
    "  cw: {type: s_S, review_days: 7, service_level: 0.98, order_days: 14}\n"
    "  retail: {review_days: 2, service_level: 0.9}\n"
    "variants:\n"
    "  - name: as-is\n"
    "    description: \"the network today\"\n"
    "  - name: no_disruptions\n"
    "    disruptions: []\n"
    "  - name: strike.and.monsoon\n"
    "    disruptions: [monsoon, it-strike]\n"
    "    lead_time_factor: 1.5\n"
    "    allocation: fair_share\n"
    "    policies:\n"
    "      retail: {order_up_to: 5, min_order_qty: 2}\n"
    "      dc: {type: s_S, cover_days: 10}\n";

static void test_variants(void **state)
{
    (void)state;
    char *head1 = concat(supply_head, disruption_section);
    char *head = concat(head1, variant_section);
    free(head1);
    ech_scenario sc;
    load_text("variants.yaml", head, supply_catalogue, &sc);

    assert_int_equal(sc.n_variants, 3);
    const ech_variant *v0 = &sc.variant[0], *v1 = &sc.variant[1], *v2 = &sc.variant[2];
    assert_string_equal(v0->name, "as-is");
    assert_string_equal(v0->description, "the network today");
    assert_string_equal(v1->name, "no_disruptions");
    assert_string_equal(v1->description, "");
    assert_string_equal(v2->name, "strike.and.monsoon");

    /* Disruptions: omitted = all, [] = none, a list = those. */
    for (int32_t i = 0; i < sc.disruptions.n; ++i) {
        assert_int_equal(v0->disruption_active[i], 1);
        assert_int_equal(v1->disruption_active[i], 0);
        assert_int_equal(v2->disruption_active[i], i == 1 || i == 3);
    }
    assert_true(v0->lead_time_factor == 1.0 && v1->lead_time_factor == 1.0);
    assert_true(v2->lead_time_factor == 1.5);
    assert_int_equal(v0->allocation, ECH_ALLOC_PRIORITY);
    assert_int_equal(v1->allocation, ECH_ALLOC_PRIORITY);
    assert_int_equal(v2->allocation, ECH_ALLOC_FAIR_SHARE);

    /* Rules: the scenario's, except the kinds a variant gives, which replace them
     * whole (keys left out take the defaults, not the top-level rule's values). */
    assert_memory_equal(v0->rule, sc.rule, sizeof sc.rule);
    assert_memory_equal(v1->rule, sc.rule, sizeof sc.rule);
    assert_memory_equal(&v2->rule[ECH_LOC_CW], &sc.rule[ECH_LOC_CW], sizeof sc.rule[0]);
    const ech_policy_rule *rr = &v2->rule[ECH_LOC_RETAIL];
    assert_int_equal(rr->target, ECH_TARGET_FIXED);
    assert_int_equal(rr->order_up_to, 5);
    assert_int_equal(rr->min_order_qty, 2);
    assert_int_equal(rr->review_days, 1);
    assert_int_equal(sc.rule[ECH_LOC_RETAIL].review_days, 2);
    const ech_policy_rule *rd = &v2->rule[ECH_LOC_DC];
    assert_int_equal(rd->policy, ECH_POLICY_S_S);
    assert_int_equal(rd->target, ECH_TARGET_COVER_DAYS);
    assert_true(rd->cover_days == 10.0);

    /* Resolved per variant from the skuloc values as given. */
    int64_t x = skuloc(&sc, "A", "PH1");
    assert_int_equal(sc.sl.order_up_to[x], -1);
    assert_int_equal(v2->order_up_to[x], 5);
    assert_int_equal(v2->reorder_point[x], 4);
    assert_int_equal(v2->min_order_qty[x], 2);
    assert_int_equal(v2->review_days[x], 1);
    assert_int_equal(v0->review_days[x], 2);
    assert_int_equal(v0->min_order_qty[x], 0);
    assert_int_equal(v0->order_up_to[x], v1->order_up_to[x]);
    int64_t dc = skuloc(&sc, "A", "DC");
    assert_int_equal(v0->policy[dc], ECH_POLICY_BASE_STOCK);
    assert_int_equal(v2->policy[dc], ECH_POLICY_S_S);
    int64_t cw = skuloc(&sc, "A", "CW");
    assert_int_equal(v0->policy[cw], ECH_POLICY_S_S);
    assert_int_equal(v2->order_up_to[cw], v0->order_up_to[cw]);
    assert_int_equal(v0->review_days[cw], 7);

    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "variants:\n  - name: \"as-is\"\n"
                                 "    description: \"the network today\"\n"));
    assert_non_null(strstr(text, "  - name: \"no_disruptions\"\n    disruptions: []\n"));
    assert_non_null(strstr(text, "  - name: \"strike.and.monsoon\"\n"
                                 "    disruptions: [\"it-strike\", \"monsoon\"]\n"
                                 "    lead_time_factor: 1.5\n    alternative_sources: true\n"
                                 "    allocation: fair_share\n"
                                 "    policies:\n      cw:\n        type: s_S\n"));
    assert_non_null(strstr(text, "      retail:\n        type: base_stock\n        review_days: 1\n"
                                 "        order_up_to: 5\n        min_order_qty: 2\n"));
    free(text);
    ech_scenario_free(&sc);

    /* Command-line overrides apply to the whole scenario, every variant included. */
    ech_overrides ov = ech_overrides_none();
    ov.replications = 4;
    ov.days = 30;
    char path[600];
    snprintf(path, sizeof path, "%s/variants.yaml", tmpdir);
    load_ok(path, &ov, &sc);
    assert_int_equal(sc.replications, 4);
    assert_int_equal(sc.days, 30);
    assert_int_equal(sc.n_variants, 3);
    assert_true(sc.variant[2].lead_time_factor == 1.5);
    ech_scenario_free(&sc);
    free(head);
}

/* Sites, disruptions and variants built before a later failure are freed (the
 * ASan build checks for leaks), and the scenario is left empty. */
static void test_failure_after_supply_model(void **state)
{
    (void)state;
    char *head1 = concat(supply_head, disruption_section);
    char *head = concat(head1, variant_section);
    free(head1);
    size_t n = strlen(head) + strlen(small_network) + 200;
    char *text = malloc(n);
    snprintf(text, n,
             "%s%scatalogue:\n  skus:\n    - {id: A, unit_cost: 1, unit_price: 2, "
             "supplier: GEN, alt_site: ORIG, alt_rule: switch}\n"
             "  assortment:\n    - {sku: A, location: PH1, demand_mean: 1}\n",
             head, small_network);
    write_tmp("late_failure.yaml", text);
    free(text);
    free(head);
    char path[600];
    snprintf(path, sizeof path, "%s/late_failure.yaml", tmpdir);
    ech_scenario sc;
    ech_error err;
    assert_int_equal(ech_scenario_load(path, NULL, &sc, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "catalogue.skus[0].alt_site: SKU 'A' is unique (substitution) "
                                    "and cannot have an alternative source"));
    assert_null(sc.variant);
    assert_int_equal(sc.n_variants, 0);
    assert_int_equal(sc.sites.n, 0);
    assert_int_equal(sc.disruptions.n, 0);
}

/* A reorder point of -1 is a reorder point (order only when the position is
 * negative), not "not given" (which is S - 1). */
static void test_reorder_point_minus_one(void **state)
{
    (void)state;
    write_tmp("reorder.yaml",
              "name: reorder\nseed: 1\nreplications: 2\n"
              "horizon: {start_date: 2027-01-04, days: 28}\n"
              "suppliers:\n  - id: S\n    lead_time: {distribution: fixed, mean: 2}\n"
              "network:\n  locations:\n    - {id: CW, kind: cw}\n"
              "    - {id: P1, kind: retail, parent: CW, lead_time_days: 1}\n"
              "    - {id: P2, kind: retail, parent: CW, lead_time_days: 1}\n"
              "catalogue:\n  skus: [{id: A, unit_cost: 1, unit_price: 2}]\n  assortment:\n"
              "    - {sku: A, location: P1, demand_mean: 1, policy: s_S, order_up_to: 5, "
              "reorder_point: -1}\n"
              "    - {sku: A, location: P2, demand_mean: 1, policy: s_S, order_up_to: 5}\n");
    char path[600];
    snprintf(path, sizeof path, "%s/reorder.yaml", tmpdir);
    ech_scenario sc;
    ech_error err;
    if (ech_scenario_load(path, NULL, &sc, &err) != ECH_OK)
        fail_msg("%s", err.msg);
    int64_t p1 = skuloc(&sc, "A", "P1"), p2 = skuloc(&sc, "A", "P2");
    assert_int_equal(sc.variant[0].reorder_point[p1], -1);
    assert_int_equal(sc.variant[0].reorder_point[p2], 4);
    ech_scenario_free(&sc);
}

/* A failed load leaves nothing behind (the ASan build checks for leaks). */
static void test_failure_leaves_scenario_empty(void **state)
{
    (void)state;
    write_inline_scenario();
    /* Break the history late in the chain, after everything else has been built. */
    write_tmp("history.csv", "sku,location,date,quantity\nX,PH-A,2027-03-01,-1\n");
    char path[600];
    snprintf(path, sizeof path, "%s/inline.yaml", tmpdir);
    ech_scenario sc;
    ech_error err;
    assert_int_equal(ech_scenario_load(path, NULL, &sc, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "history.csv:2: quantity: must be between 0 and"));
    assert_null(sc.name);
    assert_null(sc.source_text);
    assert_int_equal(sc.net.n, 0);
    assert_int_equal(sc.sl.n, 0);
    ech_scenario_free(&sc); /* harmless */

    assert_int_equal(ech_scenario_load("/nonexistent/dir/x.yaml", NULL, &sc, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/x.yaml: cannot open"));
}

/* ------------------------------------------------------------------------------
 * Batches and expiry, controlled substances, cold rooms, reserved and display stock
 * ------------------------------------------------------------------------------ */

static const char *batches_yaml =
    "name: batches\n"
    "seed: 5\n"
    "replications: 2\n"
    "horizon: {start_date: 2027-01-04, days: 60}\n"
    "supply:\n"
    "  allocation: lost_margin\n"
    "  cw_reserve_share: 0.2\n"
    "expiry:\n"
    "  min_remaining_days: 30\n"
    "  receipt_life: {min_fraction: 0.6, max_fraction: 0.9}\n"
    "  returns: {within_days: 60}\n"
    "controlled:\n"
    "  min_days_between_orders: 7\n"
    "  max_stock_days: 21.5\n"
    "  extra_lead_time_days: 2\n"
    "suppliers:\n"
    "  - {id: S, lead_time: {distribution: fixed, mean: 4}}\n"
    "variants:\n"
    "  - name: base\n"
    "  - name: fair\n"
    "    allocation: fair_share\n"
    "  - name: margin\n"
    "    allocation: lost_margin\n"
    "network:\n"
    "  locations:\n"
    "    - {id: CW, kind: cw, cold_capacity_litres: 2500}\n"
    "    - {id: DC, kind: dc, parent: CW, lead_time_days: 1, cold_capacity_litres: 400.5}\n"
    "    - {id: PH1, kind: retail, parent: DC, lead_time_days: 1, cold_capacity_litres: 60}\n"
    "    - {id: PH2, kind: retail, parent: DC, lead_time_days: 1}\n"
    "catalogue:\n"
    "  skus:\n"
    "    - {id: INS, unit_cost: 30, unit_price: 45, shelf_life_days: 365, storage: cold,\n"
    "       receipt_life_min: 0.5, receipt_life_max: 0.75, unit_volume_litres: 0.04,\n"
    "       cw_reserved_units: 12}\n"
    "    - {id: OXY, unit_cost: 5, unit_price: 8, shelf_life_days: 730, handling: controlled}\n"
    "    - {id: VIT, unit_cost: 3, unit_price: 6, receipt_life_min: 1, receipt_life_max: 1,\n"
    "       cw_reserved_units: 0}\n"
    "  assortment:\n"
    "    - {sku: INS, location: PH1, demand_mean: 0.4, display_min: 0}\n"
    "    - {sku: OXY, location: PH2, demand_mean: 0.3}\n"
    "    - {sku: VIT, location: PH2, demand_mean: 1, display_min: 1}\n"
    "    - {sku: VIT, location: PH1, demand_mean: 2, display_min: 3}\n";

static void test_batches_cold_reserve(void **state)
{
    (void)state;
    write_tmp("batches.yaml", batches_yaml);
    char path[600];
    snprintf(path, sizeof path, "%s/batches.yaml", tmpdir);
    ech_scenario sc;
    load_ok(path, NULL, &sc);

    assert_int_equal(sc.allocation, ECH_ALLOC_LOST_MARGIN);
    assert_true(sc.cw_reserve_share == 0.2);
    assert_int_equal(sc.expiry.enabled, 1); /* the section is there */
    assert_int_equal(sc.expiry.min_remaining_days, 30);
    assert_true(sc.expiry.receipt_life_min == 0.6 && sc.expiry.receipt_life_max == 0.9);
    assert_int_equal(sc.expiry.returns, 1);
    assert_int_equal(sc.expiry.return_within_days, 60);
    assert_int_equal(sc.controlled.min_days_between_orders, 7);
    assert_true(sc.controlled.max_stock_days == 21.5);
    assert_int_equal(sc.controlled.extra_lead_time_days, 2);

    /* Variants: the scenario's allocation unless they give their own. */
    assert_int_equal(sc.n_variants, 3);
    assert_int_equal(sc.variant[0].allocation, ECH_ALLOC_LOST_MARGIN);
    assert_int_equal(sc.variant[1].allocation, ECH_ALLOC_FAIR_SHARE);
    assert_int_equal(sc.variant[2].allocation, ECH_ALLOC_LOST_MARGIN);

    assert_true(sc.net.cold_capacity_litres[loc(&sc, "CW")] == 2500.0);
    assert_true(sc.net.cold_capacity_litres[loc(&sc, "DC")] == 400.5);
    assert_true(sc.net.cold_capacity_litres[loc(&sc, "PH1")] == 60.0);
    assert_true(sc.net.cold_capacity_litres[loc(&sc, "PH2")] == 0.0);

    int32_t ins = sku(&sc, "INS"), oxy = sku(&sc, "OXY"), vit = sku(&sc, "VIT");
    assert_true(sc.cat.receipt_life_min[ins] == 0.5 && sc.cat.receipt_life_max[ins] == 0.75);
    assert_true(isnan(sc.cat.receipt_life_min[oxy]) && isnan(sc.cat.receipt_life_max[oxy]));
    assert_true(sc.cat.receipt_life_min[vit] == 1.0 && sc.cat.receipt_life_max[vit] == 1.0);
    assert_true(sc.cat.unit_volume_litres[ins] == 0.04);
    assert_true(sc.cat.unit_volume_litres[oxy] == 0.0);
    assert_int_equal(sc.cat.cw_reserved_units[ins], 12);
    assert_int_equal(sc.cat.cw_reserved_units[oxy], -1);
    assert_int_equal(sc.cat.cw_reserved_units[vit], 0);

    /* Display minimums follow their rows through the sort; the locations added
     * above the listed ones have none. */
    check_skuloc_structure(&sc);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "VIT", "PH1")], 3);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "VIT", "PH2")], 1);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "VIT", "DC")], 0);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "VIT", "CW")], 0);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "INS", "PH1")], 0);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "OXY", "PH2")], 0);

    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "supply:\n  internal_shortfall: backorder\n"
                                 "  allocation: lost_margin\n  cw_reserve_share: 0.2\n"
                                 "expiry:\n  enabled: true\n  min_remaining_days: 30\n"
                                 "  receipt_life: {min_fraction: 0.6, max_fraction: 0.9}\n"
                                 "  returns: {enabled: true, within_days: 60}\n"
                                 "controlled:\n  min_days_between_orders: 7\n"
                                 "  max_stock_days: 21.5\n  extra_lead_time_days: 2\n"));
    assert_non_null(strstr(text, "  - name: \"fair\"\n    disruptions: []\n"
                                 "    lead_time_factor: 1\n    alternative_sources: true\n"
                                 "    allocation: fair_share\n"));
    assert_non_null(strstr(text, "  - name: \"margin\"\n    disruptions: []\n"
                                 "    lead_time_factor: 1\n    alternative_sources: true\n"
                                 "    allocation: lost_margin\n"));
    assert_non_null(strstr(text, "cold_capacity_litres: {cw: 2500, dc: 400.5, retail: 60}\n"));
    free(text);
    ech_scenario_free(&sc);
}

/* `expiry:` written empty turns batches on with every default; enabled: false keeps
 * the section's values but switches batches off. */
static void test_expiry_section_forms(void **state)
{
    (void)state;
    static const char *head = "name: expiry_forms\n"
                              "seed: 3\n"
                              "replications: 2\n"
                              "horizon: {start_date: 2027-01-04, days: 30}\n"
                              "suppliers:\n"
                              "  - {id: S, lead_time: {distribution: fixed, mean: 4}}\n";
    static const char *cat = "catalogue:\n"
                             "  skus:\n"
                             "    - {id: A, unit_cost: 1, unit_price: 2, shelf_life_days: 100}\n"
                             "  assortment:\n"
                             "    - {sku: A, location: PH1, demand_mean: 1}\n";
    ech_scenario sc;
    char *h = concat(head, "expiry:\ncontrolled:\n");
    load_text("expiry_empty.yaml", h, cat, &sc);
    free(h);
    assert_int_equal(sc.expiry.enabled, 1);
    assert_int_equal(sc.expiry.min_remaining_days, 0);
    assert_true(sc.expiry.receipt_life_min == 1.0 && sc.expiry.receipt_life_max == 1.0);
    assert_int_equal(sc.expiry.returns, 0);
    assert_int_equal(sc.controlled.min_days_between_orders, 0);
    assert_true(sc.controlled.max_stock_days == 0.0);
    assert_int_equal(sc.controlled.extra_lead_time_days, 0);
    assert_int_equal(sc.allocation, ECH_ALLOC_FAIR_SHARE);
    ech_scenario_free(&sc);

    h = concat(head, "expiry: {}\n");
    load_text("expiry_braces.yaml", h, cat, &sc);
    free(h);
    assert_int_equal(sc.expiry.enabled, 1);
    ech_scenario_free(&sc);

    h = concat(head, "expiry:\n  enabled: false\n  min_remaining_days: 5\n"
                     "  receipt_life: {min_fraction: 0.25, max_fraction: 0.25}\n"
                     "  returns: {within_days: 6}\n");
    load_text("expiry_off.yaml", h, cat, &sc);
    free(h);
    assert_int_equal(sc.expiry.enabled, 0);
    assert_int_equal(sc.expiry.min_remaining_days, 5);
    assert_true(sc.expiry.receipt_life_min == 0.25 && sc.expiry.receipt_life_max == 0.25);
    assert_int_equal(sc.expiry.returns, 1);
    assert_int_equal(sc.expiry.return_within_days, 6);
    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "expiry:\n  enabled: false\n  min_remaining_days: 5\n"
                                 "  receipt_life: {min_fraction: 0.25, max_fraction: 0.25}\n"
                                 "  returns: {enabled: true, within_days: 6}\n"));
    free(text);
    ech_scenario_free(&sc);

    /* Strict keys inside the new sections too. */
    h = concat(head, "expiry:\n  min_remaining_dayz: 5\n");
    char *text2 = concat(h, small_network);
    free(h);
    h = concat(text2, cat);
    free(text2);
    write_tmp("expiry_typo.yaml", h);
    free(h);
    char path[600];
    snprintf(path, sizeof path, "%s/expiry_typo.yaml", tmpdir);
    ech_error err;
    assert_int_equal(ech_scenario_load(path, NULL, &sc, &err), ECH_ERR_INPUT);
    assert_non_null(strstr(err.msg, "expiry_typo.yaml:8: expiry.min_remaining_dayz: unknown key "
                                    "(allowed here: enabled, min_remaining_days, receipt_life, "
                                    "returns)"));
}

/* The new columns in CSV files. */
static void test_new_columns_from_csv(void **state)
{
    (void)state;
    write_tmp("cold_locations.csv", "id,kind,parent,lead_time_days,cold_capacity_litres\n"
                                    "CW,cw,,,1200.5\n"
                                    "DC,dc,CW,1,\n"
                                    "PH1,retail,DC,1,35\n"
                                    "PH2,retail,DC,1,0\n");
    write_tmp("cold_skus.csv",
              "id,unit_cost,unit_price,shelf_life_days,storage,receipt_life_min,receipt_life_max,"
              "unit_volume_litres,cw_reserved_units\n"
              "INS,30,45,365,cold,0.7,0.95,0.12,4\n"
              "PARA,1,2,1095,ambient,,,,\n"
              "VAC,8,14,240,cold,0.4,0.4,0.018,0\n");
    write_tmp("cold_assortment.csv", "sku,location,demand_mean,display_min\n"
                                     "INS,PH1,0.3,\n"
                                     "PARA,PH1,5,2\n"
                                     "PARA,PH2,3,0\n"
                                     "VAC,PH2,0.5,1\n");
    write_tmp("cold.yaml", "name: cold\n"
                           "seed: 9\n"
                           "replications: 2\n"
                           "horizon: {start_date: 2027-01-04, days: 30}\n"
                           "suppliers:\n"
                           "  - {id: S, lead_time: {distribution: fixed, mean: 4}}\n"
                           "network:\n"
                           "  locations_file: cold_locations.csv\n"
                           "catalogue:\n"
                           "  skus_file: cold_skus.csv\n"
                           "  assortment_file: cold_assortment.csv\n");
    char path[600];
    snprintf(path, sizeof path, "%s/cold.yaml", tmpdir);
    ech_scenario sc;
    load_ok(path, NULL, &sc);
    assert_true(sc.net.cold_capacity_litres[loc(&sc, "CW")] == 1200.5);
    assert_true(sc.net.cold_capacity_litres[loc(&sc, "DC")] == 0.0);
    assert_true(sc.net.cold_capacity_litres[loc(&sc, "PH1")] == 35.0);
    int32_t ins = sku(&sc, "INS"), para = sku(&sc, "PARA"), vac = sku(&sc, "VAC");
    assert_true(sc.cat.receipt_life_min[ins] == 0.7 && sc.cat.receipt_life_max[ins] == 0.95);
    assert_true(isnan(sc.cat.receipt_life_min[para]) && isnan(sc.cat.receipt_life_max[para]));
    assert_true(sc.cat.receipt_life_min[vac] == 0.4 && sc.cat.receipt_life_max[vac] == 0.4);
    assert_true(sc.cat.unit_volume_litres[ins] == 0.12);
    assert_true(sc.cat.unit_volume_litres[para] == 0.0);
    assert_true(sc.cat.unit_volume_litres[vac] == 0.018);
    assert_int_equal(sc.cat.cw_reserved_units[ins], 4);
    assert_int_equal(sc.cat.cw_reserved_units[para], -1);
    assert_int_equal(sc.cat.cw_reserved_units[vac], 0);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "INS", "PH1")], 0);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "PARA", "PH1")], 2);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "PARA", "PH2")], 0);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "VAC", "PH2")], 1);
    assert_int_equal(sc.sl.display_min[skuloc(&sc, "PARA", "DC")], 0);
    /* Without the sections: expiry off, no rules for controlled SKUs, no reserve. */
    assert_int_equal(sc.expiry.enabled, 0);
    assert_true(sc.cw_reserve_share == 0.0);
    ech_scenario_free(&sc);
}

/* Cold rooms and display stock from the generators. */
static void test_generated_cold_display(void **state)
{
    (void)state;
    write_tmp("generated_cold.yaml",
              "name: generated_cold\n"
              "seed: 12\n"
              "replications: 2\n"
              "horizon: {start_date: 2027-01-04, days: 28}\n"
              "suppliers:\n"
              "  - {id: A, lead_time: {distribution: fixed, mean: 4}}\n"
              "network:\n"
              "  generate: {dcs: 2, retail_per_dc: 4, cw_cold_capacity_litres: 3000,\n"
              "             dc_cold_capacity_litres: 450, retail_cold_capacity_litres: 80}\n"
              "catalogue:\n"
              "  generate: {skus: 400, cold_share: 0.2, display_share: 0.25}\n");
    char path[600];
    snprintf(path, sizeof path, "%s/generated_cold.yaml", tmpdir);
    ech_scenario sc;
    load_ok(path, NULL, &sc);
    for (int32_t i = 0; i < sc.net.n; ++i) {
        double want = sc.net.kind[i] == ECH_LOC_CW   ? 3000.0
                      : sc.net.kind[i] == ECH_LOC_DC ? 450.0
                                                     : 80.0;
        assert_true(sc.net.cold_capacity_litres[i] == want);
    }
    for (int32_t k = 0; k < sc.cat.n; ++k) {
        assert_true(isnan(sc.cat.receipt_life_min[k]) && isnan(sc.cat.receipt_life_max[k]));
        assert_int_equal(sc.cat.cw_reserved_units[k], -1);
        assert_true(sc.cat.unit_volume_litres[k] >= 0.01 && sc.cat.unit_volume_litres[k] <= 0.5);
    }
    int64_t leaf_rows = 0, shown = 0;
    for (int64_t x = 0; x < sc.sl.n; ++x) {
        if (sc.net.kind[sc.sl.location[x]] != ECH_LOC_RETAIL) {
            assert_int_equal(sc.sl.display_min[x], 0);
            continue;
        }
        ++leaf_rows;
        assert_in_range(sc.sl.display_min[x], 0, 3);
        shown += sc.sl.display_min[x] > 0;
    }
    double share = (double)shown / (double)leaf_rows;
    if (!(share > 0.15 && share < 0.35))
        fail_msg("display share %g of %lld rows, asked 0.25", share, (long long)leaf_rows);

    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "cw_cold_capacity_litres: 3000, dc_cold_capacity_litres: 450, "
                                 "retail_cold_capacity_litres: 80}\n"));
    assert_non_null(strstr(text, "cold_capacity_litres: {cw: 3000, dc: 900, retail: 640}\n"));
    assert_non_null(strstr(text, "    display_share: 0.25\n"));
    free(text);
    ech_scenario_free(&sc);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pharmacy_chain),
        cmocka_unit_test(test_inline_scenario),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_failure_leaves_scenario_empty),
        cmocka_unit_test(test_reorder_point_minus_one),
        cmocka_unit_test(test_suppliers_sites_regions),
        cmocka_unit_test(test_sources_from_csv),
        cmocka_unit_test(test_disruptions),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_failure_after_supply_model),
        cmocka_unit_test(test_batches_cold_reserve),
        cmocka_unit_test(test_expiry_section_forms),
        cmocka_unit_test(test_new_columns_from_csv),
        cmocka_unit_test(test_generated_cold_display),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
