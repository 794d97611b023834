/* The demand model beside the tables: per-location profiles and trend (assortment
 * columns and a demand file), profiles from a file, promotions and calendar events.
 * The daily mean is checked by hand on chosen days, the expected outflow against
 * the average of the daily means, and the simulated demand of every demand point
 * against its expectation within a confidence interval. */
#include "echelon/demand_model.h"
#include "echelon/engine.h"
#include "echelon/kpi.h"
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

static char tmpdir[] = "/tmp/echelon_demand_XXXXXX";

static const char *tmp_path(const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static void write_tmp(const char *name, const char *text)
{
    FILE *f = fopen(tmp_path(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A warehouse, two DCs with a pharmacy each; A and B stocked at both pharmacies.
 * 2027-01-04 is a Monday. */
static const char *scenario_text =
    "name: demand_model\n"
    "seed: 11\n"
    "replications: 200\n"
    "horizon: {start_date: 2027-01-04, days: 120, warmup_days: 10}\n"
    "demand:\n"
    "  weekly_profile: [1, 1, 1, 1, 1, 1.5, 0.5]\n"
    "  seasonality:\n"
    "    - {name: winter, monthly: [2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]}\n"
    "  weekly_profiles:\n"
    "    - {name: weekdays, daily: [1.4, 1.4, 1.4, 1.4, 1.4, 0, 0]}\n"
    "  profiles_file: profiles.csv\n"
    "  events:\n"
    "    - {name: flu, start_date: 2027-02-01, end_date: 2027-02-14, uplift: 2, group: N02}\n"
    "  events_file: events.csv\n"
    "suppliers:\n"
    "  - {id: SUP, lead_time: {distribution: fixed, mean: 2}}\n"
    "policies:\n"
    "  retail: {type: base_stock, review_days: 1, service_level: 0.9}\n"
    "network:\n"
    "  locations:\n"
    "    - {id: CW, kind: cw}\n"
    "    - {id: DC1, kind: dc, parent: CW, lead_time_days: 1}\n"
    "    - {id: DC2, kind: dc, parent: CW, lead_time_days: 1}\n"
    "    - {id: PH1, kind: retail, parent: DC1, lead_time_days: 1}\n"
    "    - {id: PH2, kind: retail, parent: DC2, lead_time_days: 1}\n"
    "catalogue:\n"
    "  skus:\n"
    "    - {id: A, unit_cost: 1, unit_price: 2, group: N02, seasonality: winter}\n"
    "    - {id: B, unit_cost: 1, unit_price: 2, trend_per_year: 0.5}\n"
    "  assortment:\n"
    "    - {sku: A, location: PH1, demand_mean: 3}\n"
    "    - {sku: A, location: PH2, demand_mean: 3, weekly_profile: weekdays, trend_per_year: "
    "-0.5}\n"
    "    - {sku: B, location: PH1, demand_mean: 5}\n"
    "    - {sku: B, location: PH2, demand_mean: 5}\n"
    "  demand_file: demand.csv\n";

static void write_inputs(void)
{
    write_tmp("scenario.yaml", scenario_text);
    write_tmp("profiles.csv", "name,kind,v1,v2,v3,v4,v5,v6,v7,v8,v9,v10,v11,v12\n"
                              "spring,yearly,1,1,1,3,3,1,1,1,1,1,1,1\n"
                              "flat_week,weekly,2,2,2,2,2,2,2,,,,,\n");
    /* A promotion of B at DC2's pharmacies, overlapping a calendar event everywhere. */
    write_tmp("events.csv", "name,start_date,end_date,uplift,sku,group,location,region\n"
                            "promo,2027-03-01,2027-03-07,3,B,,DC2,\n"
                            "holiday,2027-03-05,2027-03-05,0.5,,,,\n");
    write_tmp("demand.csv", "sku,location,demand_mean,demand_var_ratio,seasonality,weekly_profile\n"
                            "B,PH2,4,2,spring,flat_week\n");
}

static void load(ech_scenario *sc)
{
    ech_error err;
    if (ech_scenario_load(tmp_path("scenario.yaml"), NULL, sc, &err) != ECH_OK)
        fail_msg("loading failed: %s", err.msg);
}

static int64_t skuloc(const ech_scenario *sc, const char *s, const char *l)
{
    return ech_scenario_find_skuloc(sc, ech_scenario_find_sku(sc, s),
                                    ech_scenario_find_location(sc, l));
}

static double day_of(const ech_scenario *sc, const char *date)
{
    int32_t d;
    assert_int_equal(ech_parse_date(date, &d), 0);
    return d - sc->start_date;
}

static void assert_near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want))))
        fail_msg("got %.12g, expected %.12g", got, want);
}

static void daily_means_by_hand(void **state)
{
    (void)state;
    ech_scenario sc;
    load(&sc);
    /* Profiles are rescaled to mean 1: the scenario's week sums to 7 already; the
     * winter profile sums to 13 (x 12/13); spring sums to 16 (x 12/16, March 0.75). */
    double winter_jan = 2.0 * 12.0 / 13.0, spring_apr = 3.0 * 12.0 / 16.0;
    int64_t a1 = skuloc(&sc, "A", "PH1"), a2 = skuloc(&sc, "A", "PH2");
    int64_t b1 = skuloc(&sc, "B", "PH1"), b2 = skuloc(&sc, "B", "PH2");
    /* Saturday 2027-01-09: A at PH1, scenario week x winter. */
    int32_t t = (int32_t)day_of(&sc, "2027-01-09");
    assert_near(ech_demand_daily_mean(&sc, a1, t), 3.0 * 1.5 * winter_jan);
    /* A at PH2: its own week (Saturday 0) and trend. */
    assert_near(ech_demand_daily_mean(&sc, a2, t), 0.0);
    t = (int32_t)day_of(&sc, "2027-01-11"); /* a Monday */
    double years = (double)(day_of(&sc, "2027-01-15")) / 365.25;
    assert_near(ech_demand_daily_mean(&sc, a2, t), 3.0 * 1.4 * winter_jan * (1.0 - 0.5 * years));
    /* The flu event doubles group N02 (A) in its fortnight, everywhere. */
    t = (int32_t)day_of(&sc, "2027-02-03"); /* a Wednesday */
    years = day_of(&sc, "2027-02-15") / 365.25;
    assert_near(ech_demand_daily_mean(&sc, a1, t), 3.0 * 1.0 * 2.0 * 12.0 / 13.0 * 2.0);
    assert_near(ech_demand_daily_mean(&sc, b1, t), 5.0 * 1.0 * (1.0 + 0.5 * years));
    /* B at PH2 from the demand file: level 4, spring, flat week (x 2 / 2 = 1), its
     * trend the SKU's; the promotion (x3) and the holiday (x0.5) on 2027-03-05. */
    t = (int32_t)day_of(&sc, "2027-03-05");
    years = day_of(&sc, "2027-03-15") / 365.25;
    assert_near(ech_demand_daily_mean(&sc, b2, t), 4.0 * 0.75 * (1.0 + 0.5 * years) * 1.5);
    assert_near(ech_demand_daily_mean(&sc, b1, t), 5.0 * 1.0 * (1.0 + 0.5 * years) * 0.5);
    t = (int32_t)day_of(&sc, "2027-04-06");
    years = day_of(&sc, "2027-04-15") / 365.25;
    assert_near(ech_demand_daily_mean(&sc, b2, t), 4.0 * spring_apr * (1.0 + 0.5 * years));
    assert_int_equal(sc.sl.demand_dist[b2], ECH_DEMAND_NEGBIN);
    /* Expected outflow: the mean of the daily means over the measured days. */
    for (int64_t x = 0; x < sc.sl.n; ++x) {
        if (sc.sl.demand_dist[x] == ECH_DEMAND_NONE)
            continue;
        double sum = 0.0;
        for (int32_t d = 0; d < sc.days; ++d)
            sum += ech_demand_daily_mean(&sc, x, d);
        if (!(fabs(sc.sl.expected_outflow[x] - sum / sc.days) <= 1e-9 * sum / sc.days))
            fail_msg("skuloc %lld: expected outflow %.12g, mean of daily means %.12g", (long long)x,
                     sc.sl.expected_outflow[x], sum / sc.days);
    }
    ech_scenario_free(&sc);
}

/* Simulated customer demand of each demand point over the measured days against
 * the sum of its daily means, within 4 standard errors of the replications. */
static void simulated_demand_matches(void **state)
{
    (void)state;
    ech_scenario sc;
    load(&sc);
    ech_engine *e = ech_engine_new(&sc);
    int64_t reps = sc.replications;
    for (int32_t k = 0; k < sc.cat.n; ++k) {
        int64_t first = sc.sl.sku_begin[k], n = sc.sl.sku_begin[k + 1] - first;
        double *v = calloc((size_t)(n * ECH_KPI_COUNT * reps), sizeof *v);
        ech_error err;
        assert_int_equal(ech_engine_run_sku(e, k, 0, 0, reps, v, reps, NULL, &err), ECH_OK);
        for (int64_t i = 0; i < n; ++i) {
            int64_t x = first + i;
            if (sc.sl.demand_dist[x] == ECH_DEMAND_NONE)
                continue;
            double want = 0.0;
            for (int32_t d = 0; d < sc.days; ++d)
                want += ech_demand_daily_mean(&sc, x, d);
            double s = 0.0, s2 = 0.0;
            for (int64_t r = 0; r < reps; ++r) {
                double y = v[(i * ECH_KPI_COUNT + ECH_KPI_DEMAND) * reps + r];
                s += y;
                s2 += y * y;
            }
            double mean = s / reps, se = sqrt((s2 / reps - mean * mean) / (reps - 1));
            if (!(fabs(mean - want) <= 4.0 * se))
                fail_msg("%s at %s: simulated demand %.1f, expected %.1f (se %.2f)", sc.cat.id[k],
                         sc.net.id[sc.sl.location[x]], mean, want, se);
        }
        free(v);
    }
    ech_engine_free(e);
    ech_scenario_free(&sc);
}

/* Bad input in the new parts: one message naming the file, line and field. */
static void expect_failure(const char *file, const char *text, const char *where, const char *what)
{
    write_inputs();
    write_tmp(file, text);
    ech_scenario sc;
    ech_error err;
    ech_status st = ech_scenario_load(tmp_path("scenario.yaml"), NULL, &sc, &err);
    if (st != ECH_ERR_INPUT)
        fail_msg("%s: expected a failure naming %s", file, what);
    if (!strstr(err.msg, where) || !strstr(err.msg, what))
        fail_msg("%s: message '%s' lacks '%s' or '%s'", file, err.msg, where, what);
}

static void bad_inputs(void **state)
{
    (void)state;
    const char *ev = "name,start_date,end_date,uplift,sku,group,location,region\n";
    char text[512];
    snprintf(text, sizeof text, "%spromo,2027-03-08,2027-03-01,2,B,,,\n", ev);
    expect_failure("events.csv", text, "events.csv:2", "end_date");
    snprintf(text, sizeof text, "%spromo,2027-03-01,2027-03-08,0,B,,,\n", ev);
    expect_failure("events.csv", text, "events.csv:2", "uplift");
    snprintf(text, sizeof text, "%spromo,2027-03-01,2027-03-08,2,NOPE,,,\n", ev);
    expect_failure("events.csv", text, "events.csv:2", "NOPE");
    snprintf(text, sizeof text, "%spromo,2027-03-01,2027-03-08,2,,R03,,\n", ev);
    expect_failure("events.csv", text, "events.csv:2", "group");
    snprintf(text, sizeof text, "%spromo,2027-03-01,2027-03-08,2,,,,north\n", ev);
    expect_failure("events.csv", text, "events.csv:2", "region");
    snprintf(text, sizeof text, "%spromo,2027-13-01,2027-03-08,2,,,,\n", ev);
    expect_failure("events.csv", text, "events.csv:2", "start_date");
    expect_failure("profiles.csv", "name,kind,v1,v2,v3,v4,v5,v6,v7,v8\nw,weekly,1,1,1,1,1,1,1,1\n",
                   "profiles.csv:2", "v8");
    expect_failure("profiles.csv", "name,kind,v1,v2,v3,v4,v5,v6,v7\nw,monthly,1,1,1,1,1,1,1\n",
                   "profiles.csv:2", "kind");
    expect_failure("profiles.csv",
                   "name,kind,v1,v2,v3,v4,v5,v6,v7,v8,v9,v10,v11,v12\n"
                   "flat,yearly,1,1,1,1,1,1,1,1,1,1,1,1\n",
                   "profiles.csv:2", "flat");
    expect_failure("demand.csv", "sku,location,demand_mean\nB,DC2,4\n", "demand.csv:2",
                   "supplies other locations");
    expect_failure("demand.csv", "sku,location,demand_mean\nB,PH2,4\nB,PH2,5\n", "demand.csv:3",
                   "twice");
    expect_failure("demand.csv", "sku,location,demand_mean,order_up_to\nB,PH2,4,9\n",
                   "demand.csv:2", "order_up_to");
    expect_failure("demand.csv", "sku,location,demand_mean,seasonality\nB,PH2,4,summer\n",
                   "demand.csv:2", "summer");
    expect_failure("demand.csv", "sku,location,demand_mean,demand_var_ratio\nB,PH2,4,1e9\n",
                   "demand.csv:2", "demand_var_ratio");
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    write_inputs();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"scenario.yaml", "profiles.csv", "events.csv", "demand.csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        unlink(tmp_path(names[i]));
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(daily_means_by_hand),
        cmocka_unit_test(simulated_demand_matches),
        cmocka_unit_test(bad_inputs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
