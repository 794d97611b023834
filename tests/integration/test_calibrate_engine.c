/* echelon calibrate against the engine: sales histories simulated by the engine
 * (ech_engine_run_sku with a day-by-day trace: each pharmacy's units sold and
 * closing stock) at known demand models, with shelves tight enough to run out,
 * are calibrated and the models recovered within stated bounds; the naive fit
 * that reads stock-out days as demand = sales is biased low on the same data.
 *
 * The scenario: 8 pharmacies under one DC, three years, weekly review with targets
 * at a 60% cycle service level (about a tenth of the days end empty).  SKU A: levels
 * 2..5.5 a day, variance ratio 1.6, a weekly profile per location, a winter profile,
 * a trend of 10% a year, a promotion (uplift 1.7) three times a year.  SKU B: level
 * 2, variance ratio 2.5, zero inflation 0.3, flat.  Three replications give 24
 * series of each.  The fit's origin is the scenario's start, so its levels and
 * trends are the scenario's numbers. */
#include "echelon/demand_fit.h"
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

enum { N_PH = 8, REPS = 3, DAYS = 1096 };

static char tmpdir[] = "/tmp/echelon_calibrate_XXXXXX";

static const char *tmp_path(const char *name)
{
    static char path[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    return path[k];
}

static const double WEEKLY[7] = {1.1, 1.0, 1.0, 1.05, 1.25, 1.2, 0.4};
static const double WINTER[12] = {1.4, 1.35, 1.15, 1.0, 0.85, 0.75,
                                  0.7, 0.75, 0.85, 1.0, 1.15, 1.3};
static const char *const PROMOS[] = {"2025-03-03", "2025-07-07", "2025-11-03",
                                     "2026-03-02", "2026-07-06", "2026-11-02",
                                     "2027-03-01", "2027-07-05", "2027-11-01"};
enum { N_PROMOS = 9 };

static double mean_a(int ph)
{
    return 2 + 0.5 * ph;
}

static void write_scenario(void)
{
    FILE *f = fopen(tmp_path("scenario.yaml"), "w");
    assert_non_null(f);
    fprintf(f,
            "name: calibrate_engine\nseed: 5\nreplications: %d\n"
            "horizon: {start_date: 2025-01-06, days: %d, warmup_days: 14}\n"
            "demand:\n  weekly_profiles:\n    - {name: shop, daily: [",
            REPS, DAYS);
    for (int d = 0; d < 7; ++d)
        fprintf(f, "%s%g", d ? ", " : "", WEEKLY[d]);
    fprintf(f, "]}\n  seasonality:\n    - {name: winter, monthly: [");
    for (int m = 0; m < 12; ++m)
        fprintf(f, "%s%g", m ? ", " : "", WINTER[m]);
    fprintf(f, "]}\n  events:\n");
    for (int k = 0; k < N_PROMOS; ++k) {
        int32_t d;
        char end[16];
        assert_int_equal(ech_parse_date(PROMOS[k], &d), 0);
        ech_format_date(d + 6, end);
        fprintf(f, "    - {name: promo, start_date: %s, end_date: %s, uplift: 1.7, sku: A}\n",
                PROMOS[k], end);
    }
    fprintf(f, "suppliers:\n  - {id: SUP, lead_time: {distribution: fixed, mean: 3}}\n"
               "policies:\n  retail: {type: base_stock, review_days: 7, service_level: 0.6}\n"
               "network:\n  locations:\n    - {id: CW, kind: cw}\n"
               "    - {id: DC1, kind: dc, parent: CW, lead_time_days: 1}\n");
    for (int p = 0; p < N_PH; ++p)
        fprintf(f, "    - {id: PH%d, kind: retail, parent: DC1, lead_time_days: 2}\n", p);
    fprintf(f, "catalogue:\n  skus:\n"
               "    - {id: A, unit_cost: 1, unit_price: 2, seasonality: winter, "
               "trend_per_year: 0.1}\n"
               "    - {id: B, unit_cost: 1, unit_price: 2}\n  assortment:\n");
    for (int p = 0; p < N_PH; ++p)
        fprintf(f,
                "    - {sku: A, location: PH%d, demand_mean: %g, demand_var_ratio: 1.6, "
                "weekly_profile: shop}\n"
                "    - {sku: B, location: PH%d, demand_mean: 2, demand_var_ratio: 2.5, "
                "demand_zero_prob: 0.3}\n",
                p, mean_a(p), p);
    fclose(f);
    f = fopen(tmp_path("events.csv"), "w");
    assert_non_null(f);
    fputs("name,start_date,end_date,sku\n", f);
    for (int k = 0; k < N_PROMOS; ++k) {
        int32_t d;
        char end[16];
        ech_parse_date(PROMOS[k], &d);
        ech_format_date(d + 6, end);
        fprintf(f, "promo,%s,%s,A\n", PROMOS[k], end);
    }
    fclose(f);
}

/* The column of a trace header. */
static int column(char *header, const char *name)
{
    int k = 0;
    for (char *t = strtok(header, ",\n"); t; t = strtok(NULL, ",\n"), ++k)
        if (strcmp(t, name) == 0)
            return k;
    fail_msg("trace has no column %s", name);
    return -1;
}

/* Simulates every SKU and replication with a trace and writes the pharmacies'
 * measured days as HISTORY.csv rows (location "PHp-rR": a series per replication). */
static void simulate(const ech_scenario *sc, FILE *hist)
{
    ech_engine *e = ech_engine_new(sc);
    ech_error err;
    fputs("date,sku,location,sales,stock\n", hist);
    for (int32_t k = 0; k < sc->cat.n; ++k) {
        int64_t nodes = sc->sl.sku_begin[k + 1] - sc->sl.sku_begin[k];
        double *kpi = calloc((size_t)nodes * ECH_KPI_COUNT, sizeof *kpi);
        for (int64_t r = 0; r < REPS; ++r) {
            FILE *tf = tmpfile();
            assert_non_null(tf);
            ech_trace tr = {k, 0, r, tf};
            ech_engine_set_trace(e, &tr);
            if (ech_engine_run_sku(e, k, 0, r, r + 1, kpi, 1, NULL, &err) != ECH_OK)
                fail_msg("%s", err.msg);
            ech_engine_set_trace(e, NULL);
            rewind(tf);
            char line[1024], head[1024];
            assert_non_null(fgets(line, sizeof line, tf));
            int c_day, c_date, c_loc, c_on_hand, c_sold;
            strcpy(head, line);
            c_day = column(head, "day");
            strcpy(head, line);
            c_date = column(head, "date");
            strcpy(head, line);
            c_loc = column(head, "location");
            strcpy(head, line);
            c_on_hand = column(head, "on_hand");
            strcpy(head, line);
            c_sold = column(head, "sold");
            while (fgets(line, sizeof line, tf)) {
                char *cell[32];
                int n = 0;
                for (char *t = strtok(line, ",\n"); t && n < 32; t = strtok(NULL, ",\n"))
                    cell[n++] = t;
                if (atoi(cell[c_day]) < 0 || strncmp(cell[c_loc], "PH", 2) != 0)
                    continue;
                fprintf(hist, "%s,%s,%s-r%lld,%s,%s\n", cell[c_date], sc->cat.id[k], cell[c_loc],
                        (long long)r, cell[c_sold], cell[c_on_hand]);
            }
            fclose(tf);
        }
        free(kpi);
    }
    ech_engine_free(e);
}

static double norm_factor(const double *lf, int n, int i)
{
    double m = 0;
    for (int k = 0; k < n; ++k)
        m += exp(lf[k]) / n;
    return exp(lf[i]) / m;
}

static double plain_factor(const double *f, int n, int i)
{
    double m = 0;
    for (int k = 0; k < n; ++k)
        m += f[k] / n;
    return f[i] / m;
}

static void recovers_the_engine_model(void **state)
{
    (void)state;
    write_scenario();
    ech_scenario sc;
    ech_error err;
    if (ech_scenario_load(tmp_path("scenario.yaml"), NULL, &sc, &err) != ECH_OK)
        fail_msg("%s", err.msg);
    FILE *hist = fopen(tmp_path("history.csv"), "w");
    assert_non_null(hist);
    simulate(&sc, hist);
    fclose(hist);

    ech_dfit_options o = ech_dfit_options_default();
    o.holdout_days = 0;
    o.origin = sc.start_date;
    ech_dfit_history h;
    ech_dfit_events ev;
    ech_dfit_result res, naive;
    if (ech_dfit_read_history(tmp_path("history.csv"), &o, &h, &err) != ECH_OK ||
        ech_dfit_read_events(tmp_path("events.csv"), &ev, &err) != ECH_OK ||
        ech_dfit_run(&h, &ev, &o, &res, &err) != ECH_OK)
        fail_msg("%s", err.msg);
    o.ignore_censoring = 1;
    if (ech_dfit_run(&h, &ev, &o, &naive, &err) != ECH_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(h.period, ECH_PERIOD_DAY);
    assert_int_equal(res.n_series, 2 * N_PH * REPS);

    double err_a = 0, naive_a = 0, err_b = 0, naive_b = 0, r_a = 0, r_b = 0, pi_b = 0, trend = 0;
    double wk[7] = {0}, yr[12] = {0}, cen = 0, periods = 0;
    int na = 0, nb = 0;
    for (int32_t s = 0; s < res.n_series; ++s) {
        const ech_dfit_series_fit *f = &res.fit[s];
        int is_a = strcmp(h.sku[h.series[s].sku], "A") == 0;
        int ph = atoi(h.location[h.series[s].location] + 2);
        double truth = is_a ? mean_a(ph) : 2;
        double e = f->demand_mean / truth - 1, en = naive.fit[s].demand_mean / truth - 1;
        assert_int_equal(f->status, ECH_FIT_CONVERGED);
        assert_int_equal(f->periods, DAYS);
        /* Each series' level at the middle of its history (where a level and a trend
         * fitted together are best determined: the level at the start moves with
         * the trend's error) within 4 standard errors: 12% for A; 30% for B, whose
         * lumpy demand (a day's variance 3.4 times its mean) loses much of its tail
         * on the days it runs out (its fitted levels spread by about 8%). */
        double mid = DAYS / 2 / 365.25, tt = is_a ? 0.1 : 0;
        double em = f->demand_mean * (1 + f->m.trend * mid) / (truth * (1 + tt * mid)) - 1;
        if (!(fabs(em) < (is_a ? 0.12 : 0.3)))
            fail_msg("%s at %s: level at mid-history %.4f, true %.4f", h.sku[h.series[s].sku],
                     h.location[h.series[s].location], f->demand_mean * (1 + f->m.trend * mid),
                     truth * (1 + tt * mid));
        cen += f->censored;
        periods += f->periods;
        if (is_a) {
            err_a += e;
            naive_a += en;
            r_a += f->m.var_ratio;
            trend += f->m.trend;
            for (int d = 0; d < 7; ++d)
                wk[d] += norm_factor(f->m.weekly, 7, d);
            for (int m = 0; m < 12; ++m)
                yr[m] += norm_factor(f->m.yearly, 12, m);
            na++;
        } else {
            err_b += e;
            naive_b += en;
            r_b += f->m.var_ratio;
            pi_b += f->m.zero_prob;
            nb++;
        }
    }
    err_a /= na, naive_a /= na, err_b /= nb, naive_b /= nb, r_a /= na, r_b /= nb, pi_b /= nb;
    trend /= na;
    print_message("censored %.3f of the days; A: level error %+.4f (naive %+.4f), r %.3f, trend "
                  "%.4f; B: level error %+.4f (naive %+.4f), r %.3f, pi %.3f; promo uplift %.4f "
                  "(se of log %.4f)\n",
                  cen / periods, err_a, naive_a, r_a, trend, err_b, naive_b, r_b, pi_b,
                  res.uplift[0], res.uplift_se[0]);
    assert_true(cen / periods > 0.05);
    /* Levels (demand_mean, at the scenario's start): the average error within 4% (A)
     * and 6% (B), about 3 standard errors of a mean of 24; the naive fit's at least
     * 4% low and further from the truth. */
    assert_true(fabs(err_a) < 0.04 && fabs(err_b) < 0.06);
    assert_true(naive_a < -0.04 && naive_b < -0.04);
    assert_true(naive_a < err_a - 0.03 && naive_b < err_b - 0.03);
    /* Dispersion and zero inflation (averages over 24 series). */
    if (!(fabs(r_a - 1.6) < 0.15 && fabs(r_b - 2.5) < 0.4 && fabs(pi_b - 0.3) < 0.06))
        fail_msg("r %.3f / %.3f, pi %.3f", r_a, r_b, pi_b);
    /* Profiles: average factors within 0.03 per weekday and 0.04 per month; the
     * trend within 0.03 a year. */
    for (int d = 0; d < 7; ++d)
        if (!(fabs(wk[d] / na - plain_factor(WEEKLY, 7, d)) < 0.03))
            fail_msg("weekday %d: %.4f, true %.4f", d, wk[d] / na, plain_factor(WEEKLY, 7, d));
    for (int m = 0; m < 12; ++m)
        if (!(fabs(yr[m] / na - plain_factor(WINTER, 12, m)) < 0.04))
            fail_msg("month %d: %.4f, true %.4f", m, yr[m] / na, plain_factor(WINTER, 12, m));
    if (!(fabs(trend - 0.1) < 0.03))
        fail_msg("trend %.4f, true 0.1", trend);
    /* The promotion's uplift within 10% and 4 standard errors. */
    assert_int_equal(res.n_events, 1);
    assert_true(fabs(res.uplift[0] - 1.7) < 0.17);
    assert_true(fabs(log(res.uplift[0] / 1.7)) < 4 * res.uplift_se[0] + 0.01);
    ech_dfit_result_free(&res);
    ech_dfit_result_free(&naive);
    ech_dfit_events_free(&ev);
    ech_dfit_history_free(&h);
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
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recovers_the_engine_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
