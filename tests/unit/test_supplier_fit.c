/* Fitting supplier lead times and reliability from history (supplier_fit.h).
 *
 * - Dates: the three formats of the brief (ISO, m/d/YYYY, dd-Mon-yy), USAID's
 *   m-d-YYYY, day-first order, text that means "not captured", and bad dates.
 * - The maximum-likelihood fitters against references computed with SciPy: the
 *   continuous gamma and lognormal MLEs (to 1e-9) and the rounded model's fit of a
 *   small sample (to 1e-5: both sides stop a Nelder-Mead search at a tolerance).
 * - Recovery: a history written by this test's own generator (PCG streams of
 *   rng.h, ech_sample_gamma / ech_sample_lognormal, lead times rounded to whole days
 *   as the simulator rounds them) at known parameters, read back through the CSV
 *   reader and fitted.  Three suppliers of 3000 lines each:
 *     A  gamma, mean 40, sd 12, promised 45 days after the PO;
 *     B  lognormal, mean 90, sd 60;
 *     C  gamma, mean 20, sd 8, with cancellations (p 0.05) and partial deliveries
 *        (p 0.2 of the lines not cancelled, delivered fraction beta mean 0.6, sd 0.15).
 *   Tolerances (one fixed seed, so the outcome is deterministic; failing them means
 *   a bug, not bad luck):
 *     - fitted mean within 5% and within 4 standard errors (sd / sqrt(n): 0.55% of
 *       the mean for A, 1.2% for B);
 *     - fitted sd within 10% and within 4 standard errors (sd sqrt((kurtosis - 1) /
 *       4n): 1.5% for A, 3.2% for B).  The moment standard errors bound the MLE's,
 *       which are smaller for the right family;
 *     - the right family (by AIC) for A and B, both judged "good fit";
 *     - probabilities (late, cancelled, partial) and the fraction's mean and sd
 *       within 3 standard errors of the truth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support_check.h"

#include "echelon/rng.h"
#include "echelon/sample.h"
#include "echelon/scenario.h"
#include "echelon/supplier_fit.h"

#include <gsl/gsl_cdf.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int32_t iso(const char *s)
{
    int32_t d = 0;
    assert_int_equal(ech_parse_date(s, &d), 0);
    return d;
}

static void expect_date(const char *text, ech_date_order order, const char *want)
{
    int32_t d = -1;
    ech_date_parse rc = ech_fit_parse_date(text, order, &d);
    if (rc != ECH_DATE_OK || d != iso(want))
        fail_msg("'%s' read as %d (rc %d), expected %s", text, d, (int)rc, want);
}

static void expect_rc(const char *text, ech_date_order order, ech_date_parse want)
{
    int32_t d = 0;
    ech_date_parse rc = ech_fit_parse_date(text, order, &d);
    if (rc != want)
        fail_msg("'%s': rc %d, expected %d", text ? text : "(null)", (int)rc, (int)want);
}

static void test_dates(void **state)
{
    (void)state;
    expect_date("2015-09-29", ECH_DATES_MDY, "2015-09-29");
    expect_date(" 2015-9-29 ", ECH_DATES_MDY, "2015-09-29");
    expect_date("2015/09/29", ECH_DATES_DMY, "2015-09-29");
    expect_date("9/29/2015", ECH_DATES_MDY, "2015-09-29");
    expect_date("09/29/2015", ECH_DATES_MDY, "2015-09-29");
    expect_date("29/9/2015", ECH_DATES_DMY, "2015-09-29");
    expect_date("12-01-2006", ECH_DATES_MDY, "2006-12-01"); /* USAID's dashed m-d-YYYY */
    expect_date("12-01-2006", ECH_DATES_DMY, "2006-01-12");
    expect_date("02-Jun-06", ECH_DATES_MDY, "2006-06-02");
    expect_date("29-sep-15", ECH_DATES_DMY, "2015-09-29");
    expect_date("1-SEPTEMBER-2015", ECH_DATES_MDY, "2015-09-01");
    expect_date("29-Feb-16", ECH_DATES_MDY, "2016-02-29");
    expect_date("1/2/68", ECH_DATES_MDY, "2068-01-02");
    expect_date("1/2/69", ECH_DATES_MDY, "1969-01-02");

    const char *not_captured[] = {
        NULL, "", "   ", "Date Not Captured", "N/A - From RDC", "Pre-PQ Process", "n/a", "TBD"};
    for (size_t i = 0; i < sizeof not_captured / sizeof *not_captured; ++i)
        expect_rc(not_captured[i], ECH_DATES_MDY, ECH_DATE_NOT_CAPTURED);

    const char *bad[] = {"2014-13-45", "31/31/2014", "2015-02-29",  "29-Feb-15",  "32-Jan-15",
                         "12-Foo-15",  "13/1/2015",  "1/2/3/2015",  "12/1/20154", "7",
                         "2015-09",    "ASN-123",    "2015-09-29x", "1899-12-31", "9/29/215"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i)
        expect_rc(bad[i], ECH_DATES_MDY, ECH_DATE_BAD);
    expect_rc("13/1/2015", ECH_DATES_DMY, ECH_DATE_OK);
}

/* References: scipy.stats.gamma.fit(x, floc=0) solved to full precision with
 * brentq on log k - digamma(k) = log(mean) - mean(log x); lognormal closed form. */
static void test_continuous_mle(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5, 7.5, 12};
    double k, theta, mu, sigma;
    assert_int_equal(ech_fit_gamma_mle(x, 7, &k, &theta), 0);
    assert_close(k, 2.0143987577125335, 1e-9 * 2.01);
    assert_close(theta, 2.4466712013703322, 1e-9 * 2.45);
    assert_int_equal(ech_fit_lognormal_mle(x, 7, &mu, &sigma), 0);
    assert_close(mu, 1.32675734473033, 1e-12);
    assert_close(sigma, 0.7664486099782981, 1e-12);

    /* A large shape: the Newton iteration must still converge. */
    const double tight[] = {99.5, 100, 100.5, 101, 99};
    assert_int_equal(ech_fit_gamma_mle(tight, 5, &k, &theta), 0);
    assert_true(k > 1e4);
    assert_close(k * theta, 100.0, 1e-9);

    const double constant[] = {3, 3, 3};
    const double with_zero[] = {0, 1, 2};
    assert_int_equal(ech_fit_gamma_mle(constant, 3, &k, &theta), -1);
    assert_int_equal(ech_fit_gamma_mle(with_zero, 3, &k, &theta), -1);
    assert_int_equal(ech_fit_gamma_mle(x, 1, &k, &theta), -1);
    assert_int_equal(ech_fit_lognormal_mle(constant, 3, &mu, &sigma), -1);
    assert_int_equal(ech_fit_lognormal_mle(with_zero, 3, &mu, &sigma), -1);
}

/* The rounded model on a small sample with zeros.  References: SciPy, maximising
 * sum c log(F(v + 0.5) - F(max(v - 0.5, 0))) with Nelder-Mead (xatol 1e-12). */
static void test_rounded_fit(void **state)
{
    (void)state;
    const int32_t v[] = {0, 1, 2, 3, 5, 8};
    const int64_t c[] = {3, 7, 6, 4, 2, 1};
    ech_fit_family g, l;
    assert_int_equal(ech_fit_lead_time(ECH_LT_GAMMA, v, c, 6, &g), 0);
    assert_int_equal(ech_fit_lead_time(ECH_LT_LOGNORMAL, v, c, 6, &l), 0);
    assert_true(g.ok && l.ok);
    assert_close(g.mean, 2.139210072877397, 1e-5);
    assert_close(g.sd, 1.760299637527334, 1e-5);
    assert_close(g.loglik, -41.90094245917094, 1e-7);
    assert_close(g.ks_d, 0.04897919113446425, 1e-5);
    assert_close(l.mean, 2.2260428471186335, 1e-5);
    assert_close(l.sd, 2.3745497597997316, 1e-5);
    assert_close(l.loglik, -42.39691482191472, 1e-7);
    assert_close(l.ks_d, 0.05841959266402169, 1e-5);
    assert_close(g.aic, 4.0 + 2.0 * 41.90094245917094, 1e-6);
    /* 23 observations make at most 4 bins of 5 expected: one degree of freedom. */
    assert_true(g.chi2_df >= 0 && g.chi2_df <= 1);
    if (g.chi2_df > 0)
        assert_true(g.chi2_p >= 0.0 && g.chi2_p <= 1.0);

    /* The model's day CDF (echelon's own incomplete gamma function, which agrees with
     * GSL's to about 1e-14 here). */
    assert_close(ech_fit_family_cdf(&g, -1), 0.0, 0.0);
    assert_close(ech_fit_family_cdf(&g, 0), gsl_cdf_gamma_P(0.5, g.a, g.b), 1e-13);

    /* Mostly same-day deliveries: the rounded model puts P(L = 0) = F(0.5) where the
     * data has it, and a tiny but positive mean. */
    const int32_t zv[] = {0, 1, 2};
    const int64_t zc[] = {500, 3, 1};
    for (int dist = ECH_LT_GAMMA; dist <= ECH_LT_LOGNORMAL; ++dist) {
        ech_fit_family z;
        assert_int_equal(ech_fit_lead_time(dist, zv, zc, 3, &z), 0);
        assert_true(z.mean > 0.0 && z.mean < 0.5);
        assert_close(ech_fit_family_cdf(&z, 0), 500.0 / 504.0, 2e-3);
    }

    /* One distinct day cannot be fitted; unsorted input is refused. */
    const int32_t one[] = {4};
    const int64_t n_one[] = {9};
    assert_int_equal(ech_fit_lead_time(ECH_LT_GAMMA, one, n_one, 1, &g), -1);
    assert_false(g.ok);
    const int32_t unsorted[] = {3, 1};
    const int64_t n2[] = {1, 1};
    assert_int_equal(ech_fit_lead_time(ECH_LT_GAMMA, unsorted, n2, 2, &g), -1);
}

/* ------------------------------------------------------------------------------
 * Recovery from a synthetic history
 * ------------------------------------------------------------------------------ */

#define N_PER 3000
#define A_MEAN 40.0
#define A_SD 12.0
#define A_PROMISE 45
#define B_MEAN 90.0
#define B_SD 60.0
#define C_MEAN 20.0
#define C_SD 8.0
#define C_CANCEL 0.05
#define C_PARTIAL 0.2
#define C_FRAC_MEAN 0.6
#define C_FRAC_SD 0.15
#define N_NOT_CAPTURED 7
#define N_SMALL 10

static char history_path[256];

static void write_date(FILE *f, int32_t day, int style)
{
    char buf[16];
    ech_format_date(day, buf); /* YYYY-MM-DD */
    int y = atoi(buf), m = atoi(buf + 5), d = atoi(buf + 8);
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    switch (style) {
    case 0: fputs(buf, f); break;
    case 1: fprintf(f, "%d/%d/%d", m, d, y); break;
    default: fprintf(f, "%02d-%s-%02d", d, mon[m - 1], y % 100); break;
    }
}

/* Rounds a continuous lead time to whole days, as the simulator does. */
static int32_t round_days(double x)
{
    return (int32_t)floor(x + 0.5);
}

static int write_history(void)
{
    snprintf(history_path, sizeof history_path, "%s/echelon-fit-XXXXXX.csv",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemps(history_path, 4);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    fputs("\xEF\xBB\xBFvendor,po_date,scheduled_date,delivered_date,ordered_qty,delivered_qty\n",
          f);
    const int32_t base = iso("2012-01-02");
    double ka, ta, kc, tc, mub, sb;
    ech_gamma_from_mean_sd(A_MEAN, A_SD, &ka, &ta);
    ech_gamma_from_mean_sd(C_MEAN, C_SD, &kc, &tc);
    ech_lognormal_from_mean_sd(B_MEAN, B_SD, &mub, &sb);
    double fk = C_FRAC_MEAN * (1.0 - C_FRAC_MEAN) / (C_FRAC_SD * C_FRAC_SD) - 1.0;
    double fa = C_FRAC_MEAN * fk, fb = (1.0 - C_FRAC_MEAN) * fk;
    for (int v = 0; v < 3; ++v) {
        ech_pcg32 rng;
        ech_stream_init(&rng, 20261123, ECH_STREAM_TEST, (uint64_t)v, 0, 0);
        for (int i = 0; i < N_PER; ++i) {
            int32_t po = base + (int32_t)ech_pcg32_bounded(&rng, 1000);
            int32_t lead;
            long ordered = 10000, delivered = 10000;
            if (v == 0) {
                lead = round_days(ech_sample_gamma(&rng, ka, ta));
            } else if (v == 1) {
                lead = round_days(ech_sample_lognormal(&rng, mub, sb));
            } else {
                lead = round_days(ech_sample_gamma(&rng, kc, tc));
                if (ech_pcg32_uniform(&rng) < C_CANCEL) {
                    delivered = 0;
                } else if (ech_pcg32_uniform(&rng) < C_PARTIAL) {
                    double x = ech_sample_gamma(&rng, fa, 1.0), y = ech_sample_gamma(&rng, fb, 1.0);
                    delivered = (long)floor((double)ordered * x / (x + y));
                    delivered = delivered < 1 ? 1 : delivered >= ordered ? ordered - 1 : delivered;
                }
            }
            fprintf(f, "%c,", 'A' + v);
            write_date(f, po, v);
            fputc(',', f);
            if (v == 0)
                write_date(f, po + A_PROMISE, v);
            fputc(',', f);
            write_date(f, po + lead, v);
            fprintf(f, ",%ld,%ld\n", ordered, delivered);
            if (v == 0 && i < N_NOT_CAPTURED)
                fputs("A,Date Not Captured,,2013-01-01,100,100\n", f);
        }
    }
    for (int i = 0; i < N_SMALL; ++i)
        fprintf(f, "\"Small, \"\"quoted\"\" & Co.\",2013-03-01,,2013-03-%02d,5,5\n", 10 + i);
    return fclose(f);
}

static double gamma_kurtosis(double mean, double sd)
{
    double k = (mean / sd) * (mean / sd);
    return 3.0 + 6.0 / k;
}

static double lognormal_kurtosis(double mean, double sd)
{
    double s2 = log1p((sd / mean) * (sd / mean));
    return exp(4 * s2) + 2 * exp(3 * s2) + 3 * exp(2 * s2) - 3.0;
}

static double beta_kurtosis(double a, double b)
{
    double ex = 6.0 * ((a - b) * (a - b) * (a + b + 1) - a * b * (a + b + 2)) /
                (a * b * (a + b + 2) * (a + b + 3));
    return 3.0 + ex;
}

/* |est - truth| within 4 standard errors of the mean and sd, and within 5% / 10%. */
static void check_mean_sd(const char *who, const ech_fit_family *f, int64_t n, double mean,
                          double sd, double kurtosis)
{
    double se_mean = sd / sqrt((double)n);
    double se_sd = sd * sqrt((kurtosis - 1.0) / (4.0 * (double)n));
    printf("  %s: mean %.3f (truth %g, %.1f SE), sd %.3f (truth %g, %.1f SE)\n", who, f->mean, mean,
           (f->mean - mean) / se_mean, f->sd, sd, (f->sd - sd) / se_sd);
    assert_true(fabs(f->mean - mean) <= 4.0 * se_mean);
    assert_true(fabs(f->sd - sd) <= 4.0 * se_sd);
    assert_true(fabs(f->mean - mean) <= 0.05 * mean);
    assert_true(fabs(f->sd - sd) <= 0.10 * sd);
}

static void check_prob(const char *what, double est, double p, int64_t n)
{
    double se = sqrt(p * (1.0 - p) / (double)n);
    printf("  %s: %.4f (truth %g, %.1f SE)\n", what, est, p, (est - p) / se);
    assert_true(fabs(est - p) <= 3.0 * se);
}

static const ech_supplier_fit *find(const ech_fit_result *res, const char *id)
{
    for (int32_t i = 0; i < res->n; ++i)
        if (strcmp(res->s[i].id, id) == 0)
            return &res->s[i];
    fail_msg("supplier %s not fitted", id);
    return NULL;
}

static void test_recovery(void **state)
{
    (void)state;
    assert_int_equal(write_history(), 0);
    ech_fit_options opt = ech_fit_options_default();
    ech_fit_history h;
    ech_fit_result res;
    ech_error err;
    ech_error_clear(&err);
    assert_int_equal(ech_fit_read_history(history_path, &opt, &h, &err), ECH_OK);
    assert_int_equal(h.rows_read, 3 * N_PER + N_NOT_CAPTURED + N_SMALL);
    assert_int_equal(h.n, 3 * N_PER + N_SMALL);
    assert_int_equal(h.n_skips, 1);
    assert_string_equal(h.skip[0].text, "Date Not Captured");
    assert_int_equal(h.skip[0].count, N_NOT_CAPTURED);
    assert_int_equal(h.n_invalid, 0);
    assert_string_equal(h.column[ECH_FIT_VENDOR], "vendor");
    assert_null(h.column[ECH_FIT_SITE]);

    assert_int_equal(ech_fit_suppliers(&h, &opt, &res, &err), ECH_OK);
    assert_int_equal(res.n, 3);
    assert_int_equal(res.n_small, 1);
    assert_string_equal(h.group_id[res.small[0]], "Small, \"quoted\" & Co.");
    assert_true(res.has_quantities);

    const ech_supplier_fit *a = find(&res, "A"), *b = find(&res, "B"), *c = find(&res, "C");
    assert_int_equal(a->lead.n, N_PER);
    assert_int_equal(a->best, ECH_LT_GAMMA);
    assert_int_equal(a->form, ECH_LT_GAMMA);
    assert_int_equal(a->verdict, ECH_VERDICT_GOOD);
    check_mean_sd("A gamma", &a->gamma, N_PER, A_MEAN, A_SD, gamma_kurtosis(A_MEAN, A_SD));
    printf("  A: AIC gamma %.1f lognormal %.1f, KS D %.4f, chi2 p %.3f (df %d)\n", a->gamma.aic,
           a->lognormal.aic, a->gamma.ks_d, a->gamma.chi2_p, a->gamma.chi2_df);

    assert_int_equal(b->best, ECH_LT_LOGNORMAL);
    assert_int_equal(b->form, ECH_LT_LOGNORMAL);
    assert_int_equal(b->verdict, ECH_VERDICT_GOOD);
    check_mean_sd("B lognormal", &b->lognormal, N_PER, B_MEAN, B_SD,
                  lognormal_kurtosis(B_MEAN, B_SD));
    printf("  B: AIC gamma %.1f lognormal %.1f, KS D %.4f, chi2 p %.3f (df %d)\n", b->gamma.aic,
           b->lognormal.aic, b->lognormal.ks_d, b->lognormal.chi2_p, b->lognormal.chi2_df);
    check_mean_sd("C gamma", &c->gamma, N_PER, C_MEAN, C_SD, gamma_kurtosis(C_MEAN, C_SD));

    /* Bounds written with the parametric form cover the observed range. */
    assert_true(a->min_days <= a->lead.min && a->max_days >= a->lead.max);
    assert_true(a->max_days <= 3650);

    /* Lateness of A against a promise of 45 days: P(round(X) > 45) = Q(45.5). */
    double ka, ta;
    ech_gamma_from_mean_sd(A_MEAN, A_SD, &ka, &ta);
    assert_int_equal(a->n_scheduled, N_PER);
    check_prob("A late", (double)a->n_late / (double)a->n_scheduled,
               gsl_cdf_gamma_Q(A_PROMISE + 0.5, ka, ta), a->n_scheduled);
    assert_int_equal(b->n_scheduled, 0);

    /* C's reliability. */
    assert_int_equal(c->n_qty, N_PER);
    check_prob("C cancel", c->cancel_prob, C_CANCEL, c->n_qty);
    check_prob("C partial", c->partial_prob, C_PARTIAL, c->n_qty - c->n_cancel);
    double fk = C_FRAC_MEAN * (1.0 - C_FRAC_MEAN) / (C_FRAC_SD * C_FRAC_SD) - 1.0;
    double se_m = C_FRAC_SD / sqrt((double)c->n_partial);
    double se_s = C_FRAC_SD * sqrt((beta_kurtosis(C_FRAC_MEAN * fk, (1 - C_FRAC_MEAN) * fk) - 1.0) /
                                   (4.0 * (double)c->n_partial));
    printf("  C fraction: mean %.4f (%.1f SE), sd %.4f (%.1f SE), %lld partial lines\n",
           c->fraction_mean, (c->fraction_mean - C_FRAC_MEAN) / se_m, c->fraction_sd,
           (c->fraction_sd - C_FRAC_SD) / se_s, (long long)c->n_partial);
    assert_true(fabs(c->fraction_mean - C_FRAC_MEAN) <= 3.0 * se_m);
    assert_true(fabs(c->fraction_sd - C_FRAC_SD) <= 3.0 * se_s);
    assert_int_equal(a->n_partial + a->n_cancel + b->n_partial + b->n_cancel, 0);

    /* The YAML: every supplier, quoted ids, reliability keys only where seen. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ech_fit_write_yaml(mem, &h, &res);
    fclose(mem);
    assert_non_null(strstr(text, "suppliers:\n"));
    assert_non_null(strstr(text, "  - id: \"A\"\n    lead_time: {distribution: gamma, mean: "));
    assert_non_null(strstr(text, "  - id: \"B\"\n    lead_time: {distribution: lognormal, mean: "));
    assert_non_null(strstr(text, "    partial: {probability: "));
    assert_non_null(strstr(text, "    cancel_probability: 0.0"));
    assert_non_null(strstr(text, "    shortfall: backorder\n"));
    assert_null(strstr(text, "Small"));
    free(text);

    /* --empirical: observed days and their counts. */
    ech_fit_result_free(&res);
    opt.lead_form = ECH_FORM_EMPIRICAL;
    opt.pool_small = 1;
    opt.min_records = 3001;
    assert_int_equal(ech_fit_suppliers(&h, &opt, &res, &err), ECH_OK);
    assert_int_equal(res.n, 1); /* everything pooled */
    assert_string_equal(res.s[0].id, "OTHER");
    assert_int_equal(res.s[0].pooled, 4);
    assert_int_equal(res.s[0].lead.n, 3 * N_PER + N_SMALL);
    assert_int_equal(res.s[0].form, ECH_LT_EMPIRICAL);
    int64_t total = 0;
    for (int32_t i = 0; i < res.s[0].n_values; ++i)
        total += res.s[0].counts[i];
    assert_int_equal(total, 3 * N_PER + N_SMALL);

    ech_fit_result_free(&res);
    ech_fit_history_free(&h);
    unlink(history_path);
}

/* ------------------------------------------------------------------------------
 * Bad input and writing
 * ------------------------------------------------------------------------------ */

static ech_status read_text(const char *text, const ech_fit_options *opt, ech_fit_history *h,
                            ech_error *err, char *path, size_t size)
{
    snprintf(path, size, "%s/echelon-fit-XXXXXX.csv", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    ech_error_clear(err);
    ech_status st = ech_fit_read_history(path, opt, h, err);
    unlink(path);
    return st;
}

static void expect_input_error(const char *text, const ech_fit_options *opt, const char *part)
{
    ech_fit_history h;
    ech_error err;
    char path[256], want[512];
    ech_status st = read_text(text, opt, &h, &err, path, sizeof path);
    ech_fit_history_free(&h);
    assert_int_equal(st, ECH_ERR_INPUT);
    snprintf(want, sizeof want, "%s%s", path, part);
    if (!strstr(err.msg, want))
        fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static void test_bad_input(void **state)
{
    (void)state;
    ech_fit_options opt = ech_fit_options_default();
    expect_input_error("", &opt, ": the file is empty");
    expect_input_error("vendor,po_date,qty\nA,2014-01-01,3\n", &opt,
                       ":1: delivered_date: required column is missing");
    expect_input_error(
        "vendor,po_date,delivered_date\nA,2014-01-01,2014-02-01\nA,2014-13-45,2014-02-01\n", &opt,
        ":3: po_date: '2014-13-45' is not a valid date");
    expect_input_error("vendor,po_date,delivered_date\nA,1/2/2014,31/31/2014\n", &opt,
                       ":2: delivered_date: '31/31/2014' is not a valid date");
    expect_input_error("vendor,po_date,delivered_date\nA,2014-02-01,2014-01-30\n", &opt,
                       ":2: delivered_date: delivered on 2014-01-30, 2 days before the PO date");
    expect_input_error("vendor,po_date,delivered_date,ordered_qty\nA,2014-02-01,2014-03-01,x\n",
                       &opt, ":2: ordered_qty: 'x' is not a number");
    opt.column[ECH_FIT_VENDOR] = "Supplier Name";
    expect_input_error("vendor,po_date,delivered_date\n", &opt,
                       ":1: Supplier Name: no such column (named by --vendor-column)");

    /* --drop-invalid counts what it drops; --min-lead raises the bar. */
    opt = ech_fit_options_default();
    opt.drop_invalid = 1;
    opt.min_lead_days = 1;
    ech_fit_history h;
    ech_error err;
    char path[256];
    assert_int_equal(read_text("Supplier,Order Date,Receipt Date\n"
                               "A,2014-02-01,2014-01-30\nA,2014-02-01,2014-02-01\n"
                               "A,2014-02-01,2014-02-11\n",
                               &opt, &h, &err, path, sizeof path),
                     ECH_OK);
    assert_int_equal(h.n_invalid, 2);
    assert_int_equal(h.invalid[0].line, 2);
    assert_int_equal(h.invalid[0].lead, -2);
    assert_int_equal(h.invalid[1].lead, 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.lead[0], 10);
    assert_string_equal(h.column[ECH_FIT_PO_DATE], "Order Date");
    ech_fit_history_free(&h);
}

static void test_yaml_quote(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ech_fit_yaml_quote(mem, "He said \"hi\", \\ok: #1 & Co.\t\x01");
    fclose(mem);
    assert_string_equal(text, "\"He said \\\"hi\\\", \\\\ok: #1 & Co.\\t\\x01\"");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),       cmocka_unit_test(test_continuous_mle),
        cmocka_unit_test(test_rounded_fit), cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_bad_input),   cmocka_unit_test(test_yaml_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
