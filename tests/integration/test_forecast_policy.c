/* Forecast-driven ordering: the moving-average rule day by day against a hand
 * simulation of the same pharmacy (replayed demand, a warehouse that is never
 * short), with and without the pipeline in the position; and the model forecast
 * without smoothing equals a base-stock policy whose target follows the model's
 * mean, so on a flat model its orders match the static rule's. */
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

static char tmpdir[] = "/tmp/echelon_forecast_XXXXXX";

enum { DAYS = 70, LEAD = 2, REVIEW = 7, WEEKS = 1 };

static const char *tmp_path(const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

/* Daily demand at the pharmacy: a week pattern with a spike in week 4. */
static int demand_on(int d)
{
    static const int week[7] = {3, 0, 5, 2, 4, 1, 6};
    return week[d % 7] + (d >= 21 && d < 25 ? 9 : 0);
}

static void write_inputs(const char *position)
{
    FILE *f = fopen(tmp_path("history.csv"), "w");
    assert_non_null(f);
    fprintf(f, "sku,location,date,quantity\n");
    for (int d = 0; d < DAYS; ++d) {
        int32_t day;
        assert_int_equal(ech_parse_date("2027-01-04", &day), 0);
        char date[11];
        ech_format_date(day + d, date);
        fprintf(f, "A,PH1,%s,%d\n", date, demand_on(d));
    }
    fclose(f);
    f = fopen(tmp_path("scenario.yaml"), "w");
    assert_non_null(f);
    fprintf(f,
            "name: forecast_ma\nseed: 3\nreplications: 1\n"
            "horizon: {start_date: 2027-01-04, days: %d}\n"
            "demand: {history: history.csv}\n"
            "suppliers:\n  - {id: SUP, lead_time: {distribution: fixed, mean: 1}}\n"
            "policies:\n"
            "  cw: {type: base_stock, review_days: 1, order_up_to: 100000}\n"
            "  retail:\n"
            "    type: base_stock\n    review_days: %d\n    cover_days: 14\n"
            "    forecast: {method: moving_average, weeks: %d, uplift: 1.5, round_to: 5, "
            "position: %s}\n"
            "network:\n  locations:\n    - {id: CW, kind: cw}\n"
            "    - {id: PH1, kind: retail, parent: CW, lead_time_days: %d}\n"
            "catalogue:\n  skus:\n    - {id: A, unit_cost: 1, unit_price: 2}\n"
            "  assortment:\n    - {sku: A, location: PH1, demand_mean: 1}\n",
            DAYS, REVIEW, WEEKS, position, LEAD);
    fclose(f);
}

/* The engine's trace of PH1: ordered units and end-of-day stock per day. */
static void engine_trace(const ech_scenario *sc, int32_t *ordered, int32_t *on_hand)
{
    ech_engine *e = ech_engine_new(sc);
    FILE *out = tmpfile();
    assert_non_null(out);
    ech_trace tr = {.sku = 0, .variant = 0, .replication = 0, .out = out};
    ech_engine_set_trace(e, &tr);
    int64_t n = sc->sl.n;
    double *kpi = calloc((size_t)(n * ECH_KPI_COUNT), sizeof *kpi);
    ech_error err;
    assert_int_equal(ech_engine_run_sku(e, 0, 0, 0, 1, kpi, 1, NULL, &err), ECH_OK);
    rewind(out);
    char line[1024];
    assert_non_null(fgets(line, sizeof line, out)); /* header */
    while (fgets(line, sizeof line, out)) {
        /* replication,day,date,sku,location,on_hand,...,ordered (16th) */
        char *f[21];
        int k = 0;
        for (char *tok = strtok(line, ",\n"); tok && k < 21; tok = strtok(NULL, ",\n"))
            f[k++] = tok;
        assert_int_equal(k, 21);
        if (strcmp(f[4], "PH1") != 0)
            continue;
        int d = atoi(f[1]);
        on_hand[d] = atoi(f[5]);
        ordered[d] = atoi(f[15]);
    }
    fclose(out);
    free(kpi);
    ech_engine_free(e);
}

/* The rule by hand: on review days the target is ceil(1.5 x 14 x the mean of the
 * last week's sales), the order tops the position up to it, rounded up to 5. */
static void hand_simulation(int on_hand_only, int32_t start, double first_rate, int32_t *ordered,
                            int32_t *on_hand)
{
    int32_t arrive[DAYS + LEAD + 1] = {0}, sales[DAYS] = {0};
    int32_t stock = start, transit = 0;
    for (int d = 0; d < DAYS; ++d) {
        stock += arrive[d];
        transit -= arrive[d];
        ordered[d] = 0;
        if (d % REVIEW == 0) {
            int n = d < 7 * WEEKS ? d : 7 * WEEKS, sum = 0;
            for (int k = d - n; k < d; ++k)
                sum += sales[k];
            double rate = (sum + (7 * WEEKS - n) * first_rate) / (7 * WEEKS);
            int32_t S = (int32_t)ceil(rate * 1.5 * 14.0 - 1e-9);
            if (S < 1 && rate > 0)
                S = 1;
            int32_t position = on_hand_only ? stock : stock + transit;
            if (position < S) {
                int32_t q = (S - position + 4) / 5 * 5;
                ordered[d] = q;
                transit += q;
                arrive[d + LEAD] += q;
            }
        }
        int32_t sold = demand_on(d) < stock ? demand_on(d) : stock;
        stock -= sold;
        sales[d] = sold;
        on_hand[d] = stock;
    }
}

static void moving_average_day_by_day(void **state)
{
    (void)state;
    const char *positions[2] = {"full", "on_hand"};
    for (int mode = 0; mode < 2; ++mode) {
        write_inputs(positions[mode]);
        ech_scenario sc;
        ech_error err;
        if (ech_scenario_load(tmp_path("scenario.yaml"), NULL, &sc, &err) != ECH_OK)
            fail_msg("%s", err.msg);
        int64_t x = ech_scenario_find_skuloc(&sc, 0, ech_scenario_find_location(&sc, "PH1"));
        assert_int_equal(sc.variant[0].forecast[x], 1);
        int32_t got_q[DAYS], got_oh[DAYS], want_q[DAYS], want_oh[DAYS];
        engine_trace(&sc, got_q, got_oh);
        hand_simulation(mode, sc.variant[0].order_up_to[x], sc.sl.expected_outflow[x], want_q,
                        want_oh);
        int orders = 0;
        for (int d = 0; d < DAYS; ++d) {
            if (got_q[d] != want_q[d] || got_oh[d] != want_oh[d])
                fail_msg("position %s, day %d: engine ordered %d and kept %d, by hand %d and %d",
                         positions[mode], d, got_q[d], got_oh[d], want_q[d], want_oh[d]);
            orders += want_q[d] > 0;
        }
        assert_true(orders >= 5); /* the case exercises the rule */
        ech_scenario_free(&sc);
    }
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    unlink(tmp_path("scenario.yaml"));
    unlink(tmp_path("history.csv"));
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(moving_average_day_by_day),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
