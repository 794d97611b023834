/* Calibrating demand from sales history (demand_fit.h).
 *
 * - The likelihood's pieces: the negative binomial's tail P(D >= s) against GSL's
 *   cdf (lower and upper sums, far tails), the tail mean against a direct sum, and
 *   every first and second derivative against central finite differences.
 * - Recovery: histories written by support_history.h (the scenario's demand model,
 *   a shelf with weekly review that runs out of stock) at known parameters, read
 *   back through the CSV reader and fitted.  The tolerances are stated with the
 *   test; one fixed seed makes the outcome deterministic, so failing them means a
 *   bug, not bad luck.  On the same data the naive fit (stock-outs read as demand =
 *   sales) is shown biased low.
 * - Sparse series take their pool's shape and keep their own level; weekly
 *   histories; the intermittency classes; results identical at 1 and 2 threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support_check.h"

#include "echelon/demand_fit.h"
#include "echelon/scenario.h"
#include "support_history.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sanitized(void)
{
    const char *s = getenv("ECHELON_SANITIZED");
    return s && s[0] && strcmp(s, "0") != 0;
}

static char tmpdir[256];

static void tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

/* ------------------------------------------------------------------------------
 * Likelihood pieces
 * ------------------------------------------------------------------------------ */

static void test_tail_against_gsl(void **state)
{
    (void)state;
    const double ks[] = {0.05, 0.7, 3, 40, 2500};
    const double ps[] = {0.02, 0.3, 0.5, 0.9, 0.999};
    for (size_t a = 0; a < 5; ++a)
        for (size_t b = 0; b < 5; ++b) {
            double k = ks[a], p = ps[b], mean = k * (1 - p) / p;
            const double ss[] = {1,
                                 2,
                                 floor(mean),
                                 floor(mean) + 1,
                                 ceil(2 * mean + 3),
                                 ceil(mean + 8 * sqrt(mean / p) + 5)};
            for (size_t c = 0; c < 6; ++c) {
                double s = ss[c] < 1 ? 1 : ss[c];
                double want = gsl_cdf_negative_binomial_Q((unsigned)s - 1, p, k);
                if (!(want > 1e-280))
                    continue;
                double got = ech_dfit_nb_log_tail(s, k, p, NULL, NULL);
                if (!(fabs(got - log(want)) <= 1e-8 * (1 + fabs(log(want)))))
                    fail_msg("log P(D >= %g) for k %g p %g: %.15g, GSL %.15g", s, k, p, got,
                             log(want));
                /* E[D | D >= s] by summing the pmf. */
                double num = 0, den = 0;
                for (unsigned j = (unsigned)s; j < (unsigned)s + 200000; ++j) {
                    double f = gsl_ran_negative_binomial_pdf(j, p, k);
                    num += j * f;
                    den += f;
                    if (j > mean && f < 1e-18 * den)
                        break;
                }
                if (den > 1e-250)
                    assert_close(ech_dfit_nb_tail_mean(s, k, p), num / den, 1e-7 * (1 + num / den));
            }
        }
    /* Nothing is known from a sale of 0. */
    assert_close(ech_dfit_nb_log_tail(0, 2, 0.4, NULL, NULL), 0, 0);
}

typedef double (*fun3)(const double *x, const void *ctx);

/* The analytic gradient g and Hessian h (upper triangle 00 01 02 11 12 22) of f at
 * x0 against central differences of f. */
static void check_derivs(fun3 f, const void *ctx, const double *x0, int n, const double *g,
                         const double *h, double tol, const char *what)
{
    static const int HI[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
    double step[3];
    for (int i = 0; i < n; ++i)
        step[i] = 1e-4 * (fabs(x0[i]) + 1e-2);
    for (int i = 0; i < n; ++i) {
        double x[3] = {0, 0, 0};
        memcpy(x, x0, (size_t)n * sizeof *x);
        x[i] = x0[i] + step[i];
        double fp = f(x, ctx);
        x[i] = x0[i] - step[i];
        double fd = (fp - f(x, ctx)) / (2 * step[i]);
        if (!(fabs(fd - g[i]) <= tol * (1 + fabs(fd))))
            fail_msg("%s: d/dx%d = %.10g, finite difference %.10g", what, i, g[i], fd);
        for (int j = 0; j < n; ++j) {
            double v[4];
            for (int k = 0; k < 4; ++k) {
                memcpy(x, x0, (size_t)n * sizeof *x);
                x[i] += (k & 1 ? -1 : 1) * step[i];
                x[j] += (k & 2 ? -1 : 1) * step[j];
                v[k] = f(x, ctx);
            }
            double d2 = (v[0] - v[1] - v[2] + v[3]) / (4 * step[i] * step[j]);
            double an = h[HI[i][j]];
            if (!(fabs(d2 - an) <= 1e3 * tol * (1 + fabs(d2))))
                fail_msg("%s: d2/dx%d dx%d = %.10g, finite difference %.10g", what, i, j, an, d2);
        }
    }
}

typedef struct obs_ctx {
    double y;
    int censored;
} obs_ctx;

/* x = (log mu, r - 1, pi). */
static double obs_f(const double *x, const void *ctx)
{
    const obs_ctx *o = ctx;
    return ech_dfit_period_loglik(o->y, o->censored, exp(x[0]), 1 + x[1], x[2], NULL, NULL);
}

typedef struct tail_ctx {
    double s;
} tail_ctx;

/* x = (k, rho = log(1 / p - 1)). */
static double tail_f(const double *x, const void *ctx)
{
    const tail_ctx *t = ctx;
    return ech_dfit_nb_log_tail(t->s, x[0], 1 / (1 + exp(x[1])), NULL, NULL);
}

static void test_derivatives(void **state)
{
    (void)state;
    const obs_ctx obs[] = {{0, 0}, {1, 0}, {7, 0}, {2.5, 0}, {90, 0}, {3, 1}, {12, 1}, {1, 1}};
    const double xs[][3] = {
        {log(0.3), 0.4, 0.2}, {log(4), 1.5, 0.05}, {log(40), 0.2, 0.3}, {log(1.2), 3, 0.01}};
    for (size_t a = 0; a < sizeof obs / sizeof obs[0]; ++a)
        for (size_t b = 0; b < sizeof xs / sizeof xs[0]; ++b) {
            double g[3], h[6];
            ech_dfit_period_loglik(obs[a].y, obs[a].censored, exp(xs[b][0]), 1 + xs[b][1], xs[b][2],
                                   g, h);
            char what[128];
            snprintf(what, sizeof what, "y %g censored %d at (%g, %g, %g)", obs[a].y,
                     obs[a].censored, xs[b][0], xs[b][1], xs[b][2]);
            check_derivs(obs_f, &obs[a], xs[b], 3, g, h, 1e-5, what);
        }
    const double tk[][2] = {{0.5, 0.3}, {4, -0.5}, {30, 1.2}, {0.05, 2}};
    const double ts[] = {1, 3, 10, 60};
    for (size_t a = 0; a < 4; ++a)
        for (size_t b = 0; b < 4; ++b) {
            tail_ctx t = {ts[b]};
            double d[2], h2[3], h[6] = {0};
            ech_dfit_nb_log_tail(ts[b], tk[a][0], 1 / (1 + exp(tk[a][1])), d, h2);
            double g[3] = {d[0], d[1], 0};
            h[0] = h2[0];
            h[1] = h2[1];
            h[3] = h2[2];
            char what[128];
            snprintf(what, sizeof what, "tail s %g at k %g rho %g", ts[b], tk[a][0], tk[a][1]);
            check_derivs(tail_f, &t, tk[a], 2, g, h, 1e-5, what);
        }
}

/* ------------------------------------------------------------------------------
 * Recovery
 * ------------------------------------------------------------------------------ */

static int32_t iso(const char *s)
{
    int32_t d = 0;
    assert_int_equal(ech_parse_date(s, &d), 0);
    return d;
}

static void write_history(const char *path, const sh_series *s, int n, const sh_calendar *c,
                          const sh_event *ev, int n_ev, uint64_t seed, int period)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(SH_HEADER, f);
    for (int i = 0; i < n; ++i)
        sh_write_series(f, &s[i], c, ev, n_ev, seed + (uint64_t)i, NULL, period);
    fclose(f);
}

/* The events without their uplifts (calibrate estimates them). */
static void write_events(const char *path, const sh_event *ev, int n_ev)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("name,start_date,end_date,sku\n", f);
    for (int k = 0; k < n_ev; ++k) {
        char a[16], b[16];
        ech_format_date(ev[k].start, a);
        ech_format_date(ev[k].end, b);
        fprintf(f, "%s,%s,%s,%s\n", ev[k].name, a, b, ev[k].sku);
    }
    fclose(f);
}

typedef struct fitted {
    ech_dfit_history h;
    ech_dfit_events ev;
    ech_dfit_result res;
    int has_events;
} fitted;

static void fit(fitted *ft, const char *hist, const char *events, const ech_dfit_options *o)
{
    ech_error err;
    memset(ft, 0, sizeof *ft);
    if (ech_dfit_read_history(hist, o, &ft->h, &err) != ECH_OK)
        fail_msg("%s", err.msg);
    ft->has_events = events != NULL;
    if (events && ech_dfit_read_events(events, &ft->ev, &err) != ECH_OK)
        fail_msg("%s", err.msg);
    if (ech_dfit_run(&ft->h, events ? &ft->ev : NULL, o, &ft->res, &err) != ECH_OK)
        fail_msg("%s", err.msg);
}

static void fitted_free(fitted *ft)
{
    ech_dfit_result_free(&ft->res);
    if (ft->has_events)
        ech_dfit_events_free(&ft->ev);
    ech_dfit_history_free(&ft->h);
}

/* Factor i of a profile scaled to mean 1: from log factors, or from multipliers. */
static double log_profile(const double *lf, int n, int i)
{
    double m = 0;
    for (int k = 0; k < n; ++k)
        m += exp(lf[k]) / n;
    return exp(lf[i]) / m;
}

static double profile(const double *f, int n, int i)
{
    double m = 0;
    for (int k = 0; k < n; ++k)
        m += f[k] / n;
    return f[i] / m;
}

/* The series of the censored recovery test: levels 2..7 a day, one weekly and one
 * yearly profile, a trend of 8% a year, a promotion; half of them plainly
 * overdispersed (r 1.8), half zero-inflated (pi 0.25, r 1.3); shelves reviewed
 * weekly, two days' lead time, order-up-to 0.9 x the mean demand over nine days. */
static void recovery_series(sh_series *s, int n)
{
    static const double weekly[7] = {1.15, 1.0, 0.95, 1.0, 1.2, 1.1, 0.6};
    for (int i = 0; i < n; ++i) {
        memset(&s[i], 0, sizeof s[i]);
        snprintf(s[i].sku, sizeof s[i].sku, "SKU%02d", i);
        snprintf(s[i].location, sizeof s[i].location, "PH%d", i % 3);
        snprintf(s[i].group, sizeof s[i].group, "G%d", i % 2);
        s[i].mean = 2 + i % 6;
        s[i].var_ratio = i % 2 ? 1.3 : 1.8;
        s[i].zero_prob = i % 2 ? 0.25 : 0;
        s[i].trend = 0.08;
        memcpy(s[i].weekly, weekly, sizeof weekly);
        for (int m = 0; m < 12; ++m)
            s[i].yearly[m] = 1 + 0.3 * cos(2 * M_PI * m / 12);
        s[i].review_days = 7;
        s[i].lead_days = 2;
        s[i].order_up_to = (int32_t)ceil(0.9 * 9 * s[i].mean);
    }
}

static void test_recovery_censored(void **state)
{
    (void)state;
    enum { N = 30, DAYS = 1096, N_EV = 9 };
    int n = sanitized() ? 12 : N;
    sh_series s[N];
    recovery_series(s, n);
    int32_t first = iso("2021-01-04");
    sh_calendar c;
    sh_calendar_init(&c, first, DAYS, first + DAYS);
    sh_event ev[N_EV];
    for (int k = 0; k < N_EV; ++k) {
        memset(&ev[k], 0, sizeof ev[k]);
        snprintf(ev[k].name, sizeof ev[k].name, "promo");
        ev[k].start = first + 30 + 120 * k;
        ev[k].end = ev[k].start + 6;
        ev[k].uplift = 1.6;
    }
    char hist[512], evp[512];
    tmp_path(hist, sizeof hist, "recovery.csv");
    tmp_path(evp, sizeof evp, "events.csv");
    write_history(hist, s, n, &c, ev, N_EV, 42, 1);
    write_events(evp, ev, N_EV);

    ech_dfit_options o = ech_dfit_options_default();
    o.holdout_days = 0;
    fitted ft, naive;
    fit(&ft, hist, evp, &o);
    o.ignore_censoring = 1;
    fit(&naive, hist, evp, &o);

    double err_sum = 0, naive_sum = 0, cen = 0, periods = 0;
    double wk[7] = {0}, yr[12] = {0}, trend = 0, r_a = 0, r_b = 0, pi_b = 0;
    for (int i = 0; i < n; ++i) {
        const ech_dfit_series_fit *f = &ft.res.fit[i];
        assert_int_equal(f->status, ECH_FIT_CONVERGED);
        for (int b = 0; b < ECH_BLOCK_COUNT; ++b)
            assert_int_equal(f->source[b], ECH_SOURCE_OWN);
        double e = f->demand_mean / s[i].mean - 1;
        double en = naive.res.fit[i].demand_mean / s[i].mean - 1;
        print_message("series %2d: mean %.3f (true %.0f, naive %.3f), r %.3f pi %.3f trend %.3f, "
                      "%d of %d periods censored\n",
                      i, f->demand_mean, s[i].mean, naive.res.fit[i].demand_mean, f->m.var_ratio,
                      f->m.zero_prob, f->m.trend, f->censored, f->periods);
        /* Each level within 12% (about 4 standard errors of a level fitted from ~1,100
         * days with a fifth of them censored and 22 other parameters). */
        if (!(fabs(e) < 0.12))
            fail_msg("series %d: demand_mean %.4f, true %.4f", i, f->demand_mean, s[i].mean);
        err_sum += e;
        naive_sum += en;
        cen += f->censored;
        periods += f->periods;
        for (int d = 0; d < 7; ++d)
            wk[d] += log_profile(f->m.weekly, 7, d) / n;
        for (int m = 0; m < 12; ++m)
            yr[m] += log_profile(f->m.yearly, 12, m) / n;
        trend += f->m.trend / n;
        if (i % 2) {
            r_b += f->m.var_ratio / (n / 2);
            pi_b += f->m.zero_prob / (n / 2);
        } else {
            r_a += f->m.var_ratio / (n / 2);
        }
    }
    double bias = err_sum / n, naive_bias = naive_sum / n;
    print_message("censored share %.3f; mean level error %+.4f, naive %+.4f; r %.3f / %.3f, pi "
                  "%.3f, trend %.4f, uplift %.4f (se of log %.4f)\n",
                  cen / periods, bias, naive_bias, r_a, r_b, pi_b, trend, ft.res.uplift[0],
                  ft.res.uplift_se[0]);
    /* Enough stock-outs to matter: 10% of the days or more. */
    assert_true(cen / periods > 0.10);
    /* The levels' average error within 3% (the average of n errors of about 3% each:
     * about 4 standard errors at n = 12, 7 at n = 30). */
    assert_true(fabs(bias) < 0.03);
    /* The naive fit reads stock-out days as demand = sales: biased low by more than
     * 5%, and by more than the calibrated fit's error. */
    assert_true(naive_bias < -0.05);
    assert_true(naive_bias < bias - 0.04);
    /* Profiles: the average fitted factor within 0.03 of the truth per weekday, 0.04
     * per month (one series' factors have standard errors near 0.05 and 0.08). */
    for (int d = 0; d < 7; ++d)
        if (!(fabs(wk[d] - profile(s[0].weekly, 7, d)) < 0.03))
            fail_msg("weekday %d: %.4f, true %.4f", d, wk[d], profile(s[0].weekly, 7, d));
    for (int m = 0; m < 12; ++m)
        if (!(fabs(yr[m] - profile(s[0].yearly, 12, m)) < 0.04))
            fail_msg("month %d: %.4f, true %.4f", m, yr[m], profile(s[0].yearly, 12, m));
    /* Trend within 0.03 a year; dispersion: r within 0.2, pi within 0.06. */
    assert_close(trend, 0.08, 0.03);
    assert_close(r_a, 1.8, 0.2);
    assert_close(r_b, 1.3, 0.2);
    assert_close(pi_b, 0.25, 0.06);
    /* One uplift for the promotion, within 4 of its standard errors and 10%. */
    double se = ft.res.uplift_se[0];
    assert_true(se > 0 && se < 0.05);
    assert_true(fabs(log(ft.res.uplift[0] / 1.6)) < 4 * se + 0.01);
    assert_close(ft.res.uplift[0], 1.6, 0.16);
    fitted_free(&ft);
    fitted_free(&naive);
    sh_calendar_free(&c);
}

/* Sparse series (fewer than min_nonzero non-zero days) take weekly and yearly
 * profiles, trend and dispersion from their group's pool and fit their own level;
 * series with enough sales fit their own.  Two groups with opposite yearly
 * profiles, 8 dense series (4 a day) and 16 sparse ones (0.06 a day, about 66 units
 * in three years) each; no stock-outs. */
static void test_pooling(void **state)
{
    (void)state;
    enum { PER = 24, DAYS = 1096 };
    sh_series s[2 * PER];
    for (int i = 0; i < 2 * PER; ++i) {
        int g = i / PER, dense = i % PER < 8;
        memset(&s[i], 0, sizeof s[i]);
        snprintf(s[i].sku, sizeof s[i].sku, "G%dSKU%02d", g, i % PER);
        snprintf(s[i].location, sizeof s[i].location, "PH1");
        snprintf(s[i].group, sizeof s[i].group, "G%d", g);
        s[i].mean = dense ? 4 : 0.06;
        s[i].var_ratio = 1.5;
        for (int d = 0; d < 7; ++d)
            s[i].weekly[d] = d == 6 ? 0.5 : 1;
        for (int m = 0; m < 12; ++m)
            s[i].yearly[m] = 1 + (g ? -0.35 : 0.35) * cos(2 * M_PI * m / 12);
    }
    int32_t first = iso("2021-01-04");
    sh_calendar c;
    sh_calendar_init(&c, first, DAYS, first + DAYS);
    char hist[512];
    tmp_path(hist, sizeof hist, "pooling.csv");
    write_history(hist, s, 2 * PER, &c, NULL, 0, 7, 1);
    ech_dfit_options o = ech_dfit_options_default();
    o.holdout_days = 0;
    fitted ft;
    fit(&ft, hist, NULL, &o);
    const ech_dfit_result *r = &ft.res;
    for (int g = 0; g < 2; ++g) {
        char name[16];
        snprintf(name, sizeof name, "group:G%d", g);
        double lvl = 0;
        for (int i = g * PER; i < (g + 1) * PER; ++i) {
            const ech_dfit_series_fit *f = &r->fit[i];
            int dense = i % PER < 8;
            assert_true(dense ? f->nonzero >= o.min_nonzero : f->nonzero < o.min_nonzero);
            for (int b = 0; b < ECH_BLOCK_COUNT; ++b) {
                if (dense) {
                    assert_int_equal(f->source[b], ECH_SOURCE_OWN);
                    continue;
                }
                if (b == ECH_BLOCK_TREND) /* three years identify a trend */
                    assert_true(f->source[b] >= 0);
                assert_true(f->source[b] >= 0);
                assert_string_equal(r->pool[f->source[b]].name, name);
            }
            if (!dense) {
                /* The pool's profile, exactly. */
                assert_memory_equal(f->m.yearly, r->pool[f->source[ECH_BLOCK_YEARLY]].m.yearly,
                                    sizeof f->m.yearly);
                lvl += f->demand_mean / s[i].mean / (PER - 8);
            }
        }
        /* The sparse series' levels: their average within 12% (one level from ~66
         * units has a standard error near 15%; 16 of them about 4%). */
        print_message("group %d: sparse levels / true %.4f\n", g, lvl);
        assert_close(lvl, 1, 0.12);
        const ech_dfit_pool *po = &r->pool[r->fit[g * PER + 10].source[ECH_BLOCK_YEARLY]];
        assert_int_equal(po->members, PER);
        assert_true(po->used);
        /* The pool's yearly profile: within 0.08 of the group's truth every month. */
        for (int m = 0; m < 12; ++m) {
            double got = log_profile(po->m.yearly, 12, m), want = profile(s[g * PER].yearly, 12, m);
            if (!(fabs(got - want) < 0.08))
                fail_msg("pool %s month %d: %.4f, true %.4f", name, m, got, want);
        }
    }
    fitted_free(&ft);
    sh_calendar_free(&c);
}

/* A weekly history (rows of seven days' sales, closing stock and days without
 * stock) recovers the daily level, the dispersion (the sum of a week of the
 * scenario's negative binomial days has the same variance ratio) and the yearly
 * profile; the weekly profile is not identified and left to the scenario. */
static void test_weekly_history(void **state)
{
    (void)state;
    enum { N = 12, DAYS = 7 * 157 };
    sh_series s[N];
    recovery_series(s, N);
    for (int i = 0; i < N; ++i) {
        s[i].zero_prob = 0;
        s[i].var_ratio = 2;
    }
    int32_t first = iso("2021-01-04");
    sh_calendar c;
    sh_calendar_init(&c, first, DAYS, first + DAYS);
    char hist[512];
    tmp_path(hist, sizeof hist, "weekly.csv");
    write_history(hist, s, N, &c, NULL, 0, 99, 7);
    ech_dfit_options o = ech_dfit_options_default();
    o.holdout_days = 0;
    fitted ft, naive;
    fit(&ft, hist, NULL, &o);
    assert_int_equal(ft.h.period, ECH_PERIOD_WEEK); /* detected */
    o.ignore_censoring = 1;
    fit(&naive, hist, NULL, &o);
    double err = 0, nerr = 0, r = 0, yr[12] = {0};
    for (int i = 0; i < N; ++i) {
        const ech_dfit_series_fit *f = &ft.res.fit[i];
        assert_int_equal(f->periods, 157);
        assert_int_equal(f->source[ECH_BLOCK_WEEKLY], ECH_SOURCE_NONE);
        assert_int_equal(f->source[ECH_BLOCK_YEARLY], ECH_SOURCE_OWN);
        assert_true(f->m.zero_prob == 0);
        err += (f->demand_mean / s[i].mean - 1) / N;
        nerr += (naive.res.fit[i].demand_mean / s[i].mean - 1) / N;
        r += f->m.var_ratio / N;
        for (int m = 0; m < 12; ++m)
            yr[m] += log_profile(f->m.yearly, 12, m) / N;
    }
    print_message("weekly: level error %+.4f (naive %+.4f), r %.3f\n", err, nerr, r);
    /* Levels within 4% on average, the naive ones at least 5% low; r within 0.35 (a
     * weekly series has 157 periods: a standard error near 0.25 each). */
    assert_true(fabs(err) < 0.04);
    assert_true(nerr < -0.05);
    assert_close(r, 2, 0.35);
    for (int m = 0; m < 12; ++m)
        if (!(fabs(yr[m] - profile(s[0].yearly, 12, m)) < 0.06))
            fail_msg("month %d: %.4f, true %.4f", m, yr[m], profile(s[0].yearly, 12, m));
    fitted_free(&ft);
    fitted_free(&naive);
    sh_calendar_free(&c);
}

/* Syntetos and Boylan's classes from ADI and CV2 of the sales, on series written
 * by hand; a series that sells nothing gets demand_mean 0. */
static void test_classes(void **state)
{
    (void)state;
    char hist[512];
    tmp_path(hist, sizeof hist, "classes.csv");
    FILE *f = fopen(hist, "w");
    assert_non_null(f);
    fputs("date,sku,location,sales\n", f);
    int32_t first = iso("2024-01-01");
    for (int d = 0; d < 120; ++d) {
        char date[16];
        ech_format_date(first + d, date);
        /* smooth: 5 or 6 every day; erratic: 1 or 20 every day; intermittent: 2 every
         * third day; lumpy: 1 or 30 every fourth day; none: 0. */
        fprintf(f, "%s,SMOOTH,P,%d\n", date, 5 + d % 2);
        fprintf(f, "%s,ERRATIC,P,%d\n", date, d % 2 ? 20 : 1);
        fprintf(f, "%s,INTER,P,%d\n", date, d % 3 == 0 ? 2 : 0);
        fprintf(f, "%s,LUMPY,P,%d\n", date, d % 4 == 0 ? (d % 8 == 0 ? 30 : 1) : 0);
        fprintf(f, "%s,NONE,P,0\n", date);
    }
    fclose(f);
    ech_dfit_options o = ech_dfit_options_default();
    o.holdout_days = 28;
    fitted ft;
    fit(&ft, hist, NULL, &o);
    const ech_dfit_series_fit *r = ft.res.fit;
    assert_int_equal(ft.res.n_series, 5);
    assert_int_equal(r[0].cls, ECH_CLASS_SMOOTH);
    assert_int_equal(r[1].cls, ECH_CLASS_ERRATIC);
    assert_int_equal(r[2].cls, ECH_CLASS_INTERMITTENT);
    assert_int_equal(r[3].cls, ECH_CLASS_LUMPY);
    assert_int_equal(r[4].cls, ECH_CLASS_NO_SALES);
    assert_close(r[0].adi, 1, 1e-12);
    assert_close(r[0].cv2, 0.25 / 30.25, 1e-12);
    assert_close(r[2].adi, 3, 1e-12);
    assert_close(r[2].cv2, 0, 1e-12);
    assert_close(r[3].adi, 4, 1e-12);
    assert_close(r[3].cv2, (15.5 * 15.5 - 15.5 * 15.5 + 14.5 * 14.5) / (15.5 * 15.5), 1e-12);
    assert_true(r[4].demand_mean == 0 && r[4].status == ECH_FIT_NONE);
    assert_true(isnan(r[4].mase));
    /* The hold-out: 28 days forecast; the smooth series' level is near its 5.5. */
    assert_int_equal(r[0].ho_periods, 28);
    assert_true(r[0].mase > 0 && r[0].mase < 2);
    assert_close(r[0].demand_mean, 5.5, 0.3);
    fitted_free(&ft);
}

/* The same results, bit for bit, at 1 and 2 threads (pools, events and sparse
 * series included). */
static void test_threads_identical(void **state)
{
    (void)state;
    enum { N = 16, DAYS = 800 };
    sh_series s[N];
    recovery_series(s, N);
    for (int i = 8; i < N; ++i)
        s[i].mean = 0.08; /* sparse: pooled */
    int32_t first = iso("2021-01-04");
    sh_calendar c;
    sh_calendar_init(&c, first, DAYS, first + DAYS);
    sh_event ev[3];
    for (int k = 0; k < 3; ++k) {
        memset(&ev[k], 0, sizeof ev[k]);
        snprintf(ev[k].name, sizeof ev[k].name, k == 2 ? "winter" : "promo");
        ev[k].start = first + 60 + 250 * k;
        ev[k].end = ev[k].start + (k == 2 ? 30 : 6);
        ev[k].uplift = k == 2 ? 0.8 : 1.5;
    }
    char hist[512], evp[512];
    tmp_path(hist, sizeof hist, "threads.csv");
    tmp_path(evp, sizeof evp, "threads_events.csv");
    write_history(hist, s, N, &c, ev, 3, 5, 1);
    write_events(evp, ev, 3);
    ech_dfit_options o = ech_dfit_options_default();
    fitted a, b;
    o.threads = 1;
    fit(&a, hist, evp, &o);
    o.threads = 2;
    fit(&b, hist, evp, &o);
    assert_int_equal(a.res.n_series, N);
    for (int i = 0; i < N; ++i) {
        ech_dfit_series_fit fa = a.res.fit[i], fb = b.res.fit[i];
        assert_memory_equal(&fa.m, &fb.m, sizeof fa.m);
        assert_true(fa.demand_mean == fb.demand_mean && fa.loglik == fb.loglik);
        assert_true(fa.mase == fb.mase || (isnan(fa.mase) && isnan(fb.mase)));
    }
    assert_int_equal(a.res.n_events, 2);
    assert_memory_equal(a.res.uplift, b.res.uplift, 2 * sizeof(double));
    fitted_free(&a);
    fitted_free(&b);
    sh_calendar_free(&c);
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/echelon-dfit-XXXXXX", t ? t : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tail_against_gsl),  cmocka_unit_test(test_derivatives),
        cmocka_unit_test(test_recovery_censored), cmocka_unit_test(test_pooling),
        cmocka_unit_test(test_weekly_history),    cmocka_unit_test(test_classes),
        cmocka_unit_test(test_threads_identical),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
