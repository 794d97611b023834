/* Fitting supplier lead times and reliability from history; see
 * include/echelon/supplier_fit.h.
 *
 * The file is read with the project's CSV reader.  That reader maps a header onto a
 * table's known columns and rejects unknown ones, while a history extract has
 * columns we do not know in advance (the USAID file has 33), so the header is read
 * first with libcsv directly, every column it names becomes a known (optional)
 * column, and the fields are then found among them by alias.
 */
#include "echelon/supplier_fit.h"
#include "echelon/repro_math.h"
#include "echelon/csv_reader.h"
#include "echelon/sample.h"
#include "echelon/scenario.h"
#include "echelon/version.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Lead times above this are typing errors (the scenario's limit too). */
#define MAX_LEAD_DAYS 3650
/* Expected count per chi-square bin. */
#define CHI2_MIN_EXPECTED 5.0

/* ==============================================================================
 * Dates
 * ============================================================================== */

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; ++i)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int all_alpha(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; ++i)
        if (!isalpha((unsigned char)s[i]))
            return 0;
    return 1;
}

static int to_int(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; ++i)
        v = 10 * v + (s[i] - '0');
    return v;
}

/* 1..12 for an English month name or its three-letter abbreviation, else 0. */
static int month_number(const char *s, size_t n)
{
    static const char *const names[12] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};
    if (n < 3)
        return 0;
    for (int m = 0; m < 12; ++m) {
        size_t len = strlen(names[m]);
        if (n != 3 && n != len)
            continue;
        size_t i = 0;
        while (i < n && tolower((unsigned char)s[i]) == names[m][i])
            ++i;
        if (i == n)
            return m + 1;
    }
    return 0;
}

static int full_year(const char *s, size_t n)
{
    int y = to_int(s, n);
    if (n == 2)
        y += y <= 68 ? 2000 : 1900;
    return y;
}

ech_date_parse ech_fit_parse_date(const char *text, ech_date_order order, int32_t *days)
{
    if (!text)
        return ECH_DATE_NOT_CAPTURED;
    while (isspace((unsigned char)*text))
        ++text;
    size_t len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        --len;
    int has_digit = 0;
    for (size_t i = 0; i < len; ++i)
        has_digit |= isdigit((unsigned char)text[i]) != 0;
    if (!has_digit)
        return ECH_DATE_NOT_CAPTURED;

    /* Three parts separated by one kind of separator, '-' or '/'. */
    const char *sep1 = NULL;
    for (size_t i = 0; i < len && !sep1; ++i)
        if (text[i] == '-' || text[i] == '/')
            sep1 = text + i;
    if (!sep1)
        return ECH_DATE_BAD;
    const char *end = text + len;
    const char *sep2 = memchr(sep1 + 1, *sep1, (size_t)(end - sep1 - 1));
    if (!sep2 || memchr(sep2 + 1, *sep1, (size_t)(end - sep2 - 1)))
        return ECH_DATE_BAD;
    const char *a = text, *b = sep1 + 1, *c = sep2 + 1;
    size_t na = (size_t)(sep1 - a), nb = (size_t)(sep2 - b), nc = (size_t)(end - c);

    int y, m, d;
    if (na == 4 && all_digits(a, na) && all_digits(b, nb) && nb <= 2 && all_digits(c, nc) &&
        nc <= 2) {
        y = to_int(a, na); /* ISO, or YYYY/MM/DD */
        m = to_int(b, nb);
        d = to_int(c, nc);
    } else if (all_digits(a, na) && na <= 2 && all_digits(b, nb) && nb <= 2 && all_digits(c, nc) &&
               (nc == 2 || nc == 4)) {
        int x1 = to_int(a, na), x2 = to_int(b, nb);
        m = order == ECH_DATES_MDY ? x1 : x2;
        d = order == ECH_DATES_MDY ? x2 : x1;
        y = full_year(c, nc);
    } else if (all_digits(a, na) && na <= 2 && all_alpha(b, nb) && all_digits(c, nc) &&
               (nc == 2 || nc == 4)) {
        d = to_int(a, na);
        m = month_number(b, nb);
        y = full_year(c, nc);
        if (m == 0)
            return ECH_DATE_BAD;
    } else {
        return ECH_DATE_BAD;
    }
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
        return ECH_DATE_BAD;
    char iso[16];
    snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
    return ech_parse_date(iso, days) == 0 ? ECH_DATE_OK : ECH_DATE_BAD;
}

/* ==============================================================================
 * Continuous maximum-likelihood fits (weights: counts per value, or NULL)
 * ============================================================================== */

static int gamma_mle_w(const double *x, const int64_t *w, int64_t n, double *shape, double *scale)
{
    double total = 0.0, sum = 0.0, slog = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        double wi = w ? (double)w[i] : 1.0;
        if (!(x[i] > 0.0) || !isfinite(x[i]))
            return -1;
        total += wi;
        sum += wi * x[i];
        slog += wi * ech_log(x[i]);
    }
    if (total < 2.0)
        return -1;
    double mean = sum / total;
    /* s >= 0 by Jensen's inequality, 0 only for a constant sample. */
    double s = ech_log(mean) - slog / total;
    if (!(s > 1e-12) || !isfinite(s))
        return -1;
    /* Minka's closed-form start, then Newton on f(k) = log k - psi(k) - s, which is
     * decreasing and convex, so Newton from this start converges monotonically.  f is
     * a difference of numbers near log k, known to a few 1e-16, so near the root its
     * steps are rounding noise (1e-14 k and more where f' is small): a step that
     * turns back has reached the root as far as f can tell it. */
    double k = (3.0 - s + sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
    double last_step = 0.0;
    int converged = 0;
    for (int it = 0; it < 200; ++it) {
        double f = ech_log(k) - ech_digamma(k) - s;
        double fp = 1.0 / k - ech_trigamma(k);
        double next = k - f / fp;
        if (!(next > 0.0))
            next = k / 2.0;
        double step = next - k;
        if (fabs(step) <= 1e-14 * k || step * last_step < 0.0) {
            k = fabs(step) <= 1e-14 * k ? next : k;
            converged = 1;
            break;
        }
        last_step = step;
        k = next;
    }
    if (!converged || !isfinite(k))
        return -1;
    *shape = k;
    *scale = mean / k;
    return 0;
}

static int lognormal_mle_w(const double *x, const int64_t *w, int64_t n, double *mu, double *sigma)
{
    double total = 0.0, slog = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        double wi = w ? (double)w[i] : 1.0;
        if (!(x[i] > 0.0) || !isfinite(x[i]))
            return -1;
        total += wi;
        slog += wi * ech_log(x[i]);
    }
    if (total < 2.0)
        return -1;
    double m = slog / total, ss = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        double e = ech_log(x[i]) - m;
        ss += (w ? (double)w[i] : 1.0) * e * e;
    }
    double s = sqrt(ss / total);
    if (!(s > 0.0) || !isfinite(s))
        return -1;
    *mu = m;
    *sigma = s;
    return 0;
}

int ech_fit_gamma_mle(const double *x, int64_t n, double *shape, double *scale)
{
    return gamma_mle_w(x, NULL, n, shape, scale);
}

int ech_fit_lognormal_mle(const double *x, int64_t n, double *mu, double *sigma)
{
    return lognormal_mle_w(x, NULL, n, mu, sigma);
}

/* ==============================================================================
 * The rounded model: L = round(X), X gamma or lognormal
 * ============================================================================== */

static double cont_P(int dist, double a, double b, double x)
{
    return ech_lead_time_P((ech_lead_time_dist)dist, a, b, x);
}

static double cont_Q(int dist, double a, double b, double x)
{
    return ech_lead_time_Q((ech_lead_time_dist)dist, a, b, x);
}

/* P(round(X) = k) for k >= 0: from P below the median and from Q above it, so that
 * neither tail's small masses are lost in differences against 1. */
static double day_prob(int dist, double a, double b, int32_t k)
{
    double lo = (double)k - 0.5, hi = (double)k + 0.5;
    double p_lo = cont_P(dist, a, b, lo);
    if (p_lo < 0.5)
        return cont_P(dist, a, b, hi) - p_lo;
    return cont_Q(dist, a, b, lo) - cont_Q(dist, a, b, hi);
}

double ech_fit_family_cdf(const ech_fit_family *f, int32_t k)
{
    if (k < 0)
        return 0.0;
    return cont_P(f->dist, f->a, f->b, (double)k + 0.5);
}

typedef struct rounded_data {
    int dist;
    const int32_t *values;
    const int64_t *counts;
    int32_t n_values;
} rounded_data;

/* Parameters from the optimiser's unconstrained coordinates. */
static void params_from(int dist, const gsl_vector *v, double *a, double *b)
{
    if (dist == ECH_LT_GAMMA) {
        *a = ech_exp(gsl_vector_get(v, 0)); /* shape */
        *b = ech_exp(gsl_vector_get(v, 1)); /* scale */
    } else {
        *a = gsl_vector_get(v, 0);          /* mu */
        *b = ech_exp(gsl_vector_get(v, 1)); /* sigma */
    }
}

static double loglik_at(int dist, double a, double b, const rounded_data *d)
{
    if (!isfinite(a) || !isfinite(b) || !(b > 0.0) || (dist == ECH_LT_GAMMA && !(a > 0.0)))
        return -INFINITY;
    double ll = 0.0;
    for (int32_t i = 0; i < d->n_values; ++i) {
        double p = day_prob(dist, a, b, d->values[i]);
        ll += (double)d->counts[i] * ech_log(p > 1e-300 ? p : 1e-300);
    }
    return ll;
}

static double neg_loglik(const gsl_vector *v, void *params)
{
    const rounded_data *d = params;
    double a, b;
    params_from(d->dist, v, &a, &b);
    double ll = loglik_at(d->dist, a, b, d);
    return isfinite(ll) ? -ll : 1e300;
}

/* Nelder-Mead from `start` with initial steps `step`; returns the minimum. */
static double minimise(const rounded_data *d, gsl_vector *x, double step)
{
    gsl_multimin_function fn = {.f = neg_loglik, .n = 2, .params = (void *)d};
    gsl_vector *ss = gsl_vector_alloc(2);
    gsl_vector_set_all(ss, step);
    gsl_multimin_fminimizer *m =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 2);
    gsl_multimin_fminimizer_set(m, &fn, x, ss);
    for (int it = 0; it < 5000; ++it) {
        if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS)
            break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-10) == GSL_SUCCESS)
            break;
    }
    gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(m));
    double f = gsl_multimin_fminimizer_minimum(m);
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(ss);
    return f;
}

/* Goodness of fit of the rounded model: KS distance over the day CDFs, and the
 * chi-square test on days merged left to right into bins of at least
 * CHI2_MIN_EXPECTED expected observations (the last bin takes the upper tail). */
static void goodness_of_fit(ech_fit_family *f, const rounded_data *d, int64_t n)
{
    double D = 0.0, chi2 = 0.0;
    int bins = 0;
    double e_open = 0.0, o_open = 0.0; /* the bin being filled */
    double e_last = 0.0, o_last = 0.0; /* the last closed bin, not yet added */
    int have_last = 0;
    int64_t cum = 0;
    int32_t i = 0;
    int32_t kmax = d->values[d->n_values - 1];
    double F_prev = 0.0;
    for (int32_t k = 0; k <= kmax; ++k) {
        int64_t c = 0;
        if (i < d->n_values && d->values[i] == k)
            c = d->counts[i++];
        cum += c;
        double F = ech_fit_family_cdf(f, k);
        double diff = fabs((double)cum / (double)n - F);
        if (diff > D)
            D = diff;
        e_open += (double)n * (F - F_prev);
        o_open += (double)c;
        F_prev = F;
        if (e_open >= CHI2_MIN_EXPECTED && k < kmax) {
            if (have_last) {
                chi2 += (o_last - e_last) * (o_last - e_last) / e_last;
                ++bins;
            }
            e_last = e_open;
            o_last = o_open;
            have_last = 1;
            e_open = o_open = 0.0;
        }
    }
    e_open += (double)n * cont_Q(f->dist, f->a, f->b, (double)kmax + 0.5);
    if (e_open < CHI2_MIN_EXPECTED && have_last) {
        e_open += e_last;
        o_open += o_last;
        have_last = 0;
    }
    if (have_last) {
        chi2 += (o_last - e_last) * (o_last - e_last) / e_last;
        ++bins;
    }
    if (e_open > 0.0) {
        chi2 += (o_open - e_open) * (o_open - e_open) / e_open;
        ++bins;
    }
    f->ks_d = D;
    f->chi2 = chi2;
    f->chi2_df = bins - 3 > 0 ? bins - 3 : 0;
    f->chi2_p = f->chi2_df > 0 ? ech_gamma_q(0.5 * (double)f->chi2_df, 0.5 * chi2) : NAN;
}

int ech_fit_lead_time(int dist, const int32_t *values, const int64_t *counts, int32_t n_values,
                      ech_fit_family *out)
{
    memset(out, 0, sizeof *out);
    out->dist = dist;
    out->chi2_p = NAN;
    if ((dist != ECH_LT_GAMMA && dist != ECH_LT_LOGNORMAL) || n_values < 2)
        return -1;
    int64_t n = 0;
    for (int32_t i = 0; i < n_values; ++i) {
        if (values[i] < 0 || counts[i] <= 0 || (i > 0 && values[i] <= values[i - 1]))
            return -1;
        n += counts[i];
    }

    /* Start: the continuous MLE of the midpoints of the rounding intervals, 0.25
     * for day 0 (whose interval is [0, 0.5)). */
    double *mid = malloc((size_t)n_values * sizeof *mid);
    if (!mid)
        return -1;
    for (int32_t i = 0; i < n_values; ++i)
        mid[i] = values[i] > 0 ? (double)values[i] : 0.25;
    double a, b;
    int rc = dist == ECH_LT_GAMMA ? gamma_mle_w(mid, counts, n_values, &a, &b)
                                  : lognormal_mle_w(mid, counts, n_values, &a, &b);
    free(mid);
    if (rc != 0)
        return -1;

    gsl_error_handler_t *old = gsl_set_error_handler_off();
    rounded_data d = {.dist = dist, .values = values, .counts = counts, .n_values = n_values};
    gsl_vector *x = gsl_vector_alloc(2);
    gsl_vector_set(x, 0, dist == ECH_LT_GAMMA ? ech_log(a) : a);
    gsl_vector_set(x, 1, ech_log(b));
    /* A restart from the optimum guards against Nelder-Mead stalling early. */
    double f1 = minimise(&d, x, 0.2);
    double f2 = minimise(&d, x, 0.02);
    (void)f1;
    params_from(dist, x, &a, &b);
    gsl_vector_free(x);

    out->a = a;
    out->b = b;
    out->loglik = -f2;
    if (dist == ECH_LT_GAMMA) {
        out->mean = a * b;
        out->sd = sqrt(a) * b;
    } else {
        out->mean = ech_exp(a + 0.5 * b * b);
        out->sd = out->mean * sqrt(ech_expm1(b * b));
    }
    if (!isfinite(out->loglik) || out->loglik <= -1e299 || !isfinite(out->mean) ||
        !isfinite(out->sd) || !(out->sd > 0.0)) {
        gsl_set_error_handler(old);
        return -1;
    }
    out->aic = 2.0 * 2.0 - 2.0 * out->loglik;
    goodness_of_fit(out, &d, n);
    gsl_set_error_handler(old);
    out->ok = 1;
    return 0;
}

/* ==============================================================================
 * Options and field names
 * ============================================================================== */

ech_fit_options ech_fit_options_default(void)
{
    ech_fit_options o;
    memset(&o, 0, sizeof o);
    o.date_order = ECH_DATES_MDY;
    o.min_lead_days = 0;
    o.group_by = ECH_GROUP_VENDOR;
    o.min_records = 20;
    o.pool_id = "OTHER";
    o.lead_form = ECH_FORM_AUTO;
    o.alpha = 0.01;
    o.max_ks = 0.05;
    o.shortfall = ECH_SUPPLY_BACKORDER;
    return o;
}

static const char *const field_names[ECH_FIT_N_FIELDS] = {
    "vendor", "po_date", "scheduled_date", "delivered_date", "ordered_qty", "delivered_qty", "site",
};

/* What each field is called in messages about a missing column. */
static const char *const field_what[ECH_FIT_N_FIELDS] = {
    "the vendor (supplier id)",
    "the PO (order) date",
    "the scheduled delivery date",
    "the delivered date",
    "the ordered quantity",
    "the delivered quantity",
    "the site",
};

static const char *const field_option[ECH_FIT_N_FIELDS] = {
    "--vendor-column",    "--po-column",      "--scheduled-column",
    "--delivered-column", "--ordered-column", "--delivered-qty-column",
    "--site-column",
};

/* Header names each field answers to, compared ignoring case, spaces and
 * punctuation; the first that the header has wins. */
static const char *const *field_aliases(int field)
{
    static const char *const vendor[] = {"vendor",      "supplier",      "vendor_id",
                                         "supplier_id", "vendor_name",   "supplier_name",
                                         "vendor_code", "supplier_code", NULL};
    static const char *const po[] = {"po_date",
                                     "PO Sent to Vendor Date",
                                     "order_date",
                                     "po_sent_date",
                                     "purchase_order_date",
                                     "ordered_date",
                                     "order_placed_date",
                                     NULL};
    static const char *const sched[] = {
        "scheduled_date", "Scheduled Delivery Date", "promised_date",  "due_date",
        "expected_date",  "expected_delivery_date",  "requested_date", NULL};
    static const char *const deliv[] = {
        "delivered_date", "Delivered to Client Date", "delivery_date",      "received_date",
        "receipt_date",   "actual_delivery_date",     "goods_receipt_date", NULL};
    static const char *const oqty[] = {"ordered_qty",
                                       "Line Item Quantity",
                                       "order_qty",
                                       "ordered_quantity",
                                       "quantity_ordered",
                                       "qty_ordered",
                                       "quantity",
                                       "qty",
                                       NULL};
    static const char *const dqty[] = {
        "delivered_qty", "delivered_quantity", "quantity_delivered", "qty_delivered",
        "received_qty",  "received_quantity",  "quantity_received",  NULL};
    static const char *const site[] = {
        "site", "Manufacturing Site", "vendor_site", "supplier_site", "plant", "ship_from", NULL};
    static const char *const *const all[ECH_FIT_N_FIELDS] = {vendor, po,   sched, deliv,
                                                             oqty,   dqty, site};
    return all[field];
}

const char *ech_fit_field_name(ech_fit_field field)
{
    return field >= 0 && field < ECH_FIT_N_FIELDS ? field_names[field] : "?";
}

/* Lower-case letters and digits only: "PO Sent to Vendor Date" -> "posenttovendordate". */
static void normalise(const char *s, char *out, size_t size)
{
    size_t j = 0;
    for (; *s && j + 1 < size; ++s)
        if (isalnum((unsigned char)*s))
            out[j++] = (char)tolower((unsigned char)*s);
    out[j] = '\0';
}

/* ==============================================================================
 * Reading the history
 * ============================================================================== */

/* --- the header, read with libcsv ------------------------------------------- */

typedef struct header_names {
    char **name;
    int n, cap;
    int done;
} header_names;

static void header_cell(void *data, size_t len, void *ctx)
{
    header_names *h = ctx;
    if (h->done)
        return;
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 32;
        h->name = ech_xrealloc(h->name, (size_t)h->cap * sizeof *h->name, "header names");
    }
    char *s = ech_xmalloc(len + 1, "header name");
    memcpy(s, data, len);
    s[len] = '\0';
    h->name[h->n++] = s;
}

static void header_end(int c, void *ctx)
{
    (void)c;
    header_names *h = ctx;
    if (h->n > 0)
        h->done = 1;
}

static void header_free(header_names *h)
{
    for (int i = 0; i < h->n; ++i)
        free(h->name[i]);
    free(h->name);
    memset(h, 0, sizeof *h);
}

static ech_status read_header_names(const char *path, header_names *h, ech_error *err)
{
    memset(h, 0, sizeof *h);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ech_fail(err, ECH_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fclose(f);
        return ech_fail(err, ECH_ERR_RUNTIME, "%s: cannot start the CSV parser", path);
    }
    char buf[65536];
    int first = 1;
    ech_status st = ECH_OK;
    while (!h->done) {
        size_t got = fread(buf, 1, sizeof buf, f);
        if (got == 0) {
            if (ferror(f))
                st = ech_fail(err, ECH_ERR_INPUT, "%s: cannot read: %s", path, strerror(errno));
            else
                csv_fini(&p, header_cell, header_end, h);
            break;
        }
        size_t off = 0;
        if (first && got >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            off = 3;
        first = 0;
        /* Errors are left to the CSV reader, which reports them with the line. */
        if (csv_parse(&p, buf + off, got - off, header_cell, header_end, h) != got - off)
            break;
    }
    csv_free(&p);
    fclose(f);
    if (st == ECH_OK && h->n == 0)
        st = ech_fail(err, ECH_ERR_INPUT,
                      "%s: the file is empty: a header line naming the columns is expected "
                      "(for example vendor,po_date,scheduled_date,delivered_date,ordered_qty,"
                      "delivered_qty)",
                      path);
    return st;
}

/* --- string interning --------------------------------------------------------- */

typedef struct strtab {
    char ***ids; /* where the strings live (the caller's array, grown here) */
    int32_t *n;
    int32_t cap;   /* of *ids */
    int32_t *slot; /* open addressing: index + 1, 0 empty */
    uint32_t mask;
} strtab;

static void strtab_init(strtab *t, char ***ids, int32_t *n)
{
    memset(t, 0, sizeof *t);
    t->ids = ids;
    t->n = n;
    t->mask = 255;
    t->slot = ech_xcalloc(t->mask + 1, sizeof *t->slot, "string table");
}

static void strtab_free(strtab *t)
{
    free(t->slot);
    t->slot = NULL;
}

/* The index of s, added if new; *added says whether it was. */
static int32_t strtab_intern(strtab *t, const char *s, int *added)
{
    uint32_t hpos = (uint32_t)ech_hash_string(s) & t->mask;
    while (t->slot[hpos]) {
        int32_t k = t->slot[hpos] - 1;
        if (strcmp((*t->ids)[k], s) == 0) {
            if (added)
                *added = 0;
            return k;
        }
        hpos = (hpos + 1) & t->mask;
    }
    int32_t k = *t->n;
    if (k == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        *t->ids = ech_xrealloc(*t->ids, (size_t)t->cap * sizeof **t->ids, "ids");
    }
    (*t->ids)[k] = ech_xstrdup(s, "id");
    *t->n = k + 1;
    t->slot[hpos] = k + 1;
    if (added)
        *added = 1;
    if ((uint32_t)(*t->n) * 2 > t->mask) {
        uint32_t mask = 2 * t->mask + 1;
        int32_t *slot = ech_xcalloc(mask + 1, sizeof *slot, "string table");
        for (int32_t i = 0; i < *t->n; ++i) {
            uint32_t p = (uint32_t)ech_hash_string((*t->ids)[i]) & mask;
            while (slot[p])
                p = (p + 1) & mask;
            slot[p] = i + 1;
        }
        free(t->slot);
        t->slot = slot;
        t->mask = mask;
    }
    return k;
}

/* --- growing arrays ----------------------------------------------------------- */

static void grow_rows(ech_fit_history *h, int64_t *cap)
{
    if (h->n < *cap)
        return;
    *cap = *cap ? 2 * *cap : 1024;
    size_t c = (size_t)*cap;
    h->group = ech_xrealloc(h->group, c * sizeof *h->group, "history rows");
    h->site = ech_xrealloc(h->site, c * sizeof *h->site, "history rows");
    h->lead = ech_xrealloc(h->lead, c * sizeof *h->lead, "history rows");
    h->late = ech_xrealloc(h->late, c * sizeof *h->late, "history rows");
    h->ordered = ech_xrealloc(h->ordered, c * sizeof *h->ordered, "history rows");
    h->delivered = ech_xrealloc(h->delivered, c * sizeof *h->delivered, "history rows");
}

static void count_skip(ech_fit_history *h, int field, const char *text, int32_t *cap)
{
    const char *t = text ? text : "";
    for (int32_t i = 0; i < h->n_skips; ++i)
        if (h->skip[i].field == field && strcmp(h->skip[i].text, t) == 0) {
            h->skip[i].count++;
            return;
        }
    if (h->n_skips == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        h->skip = ech_xrealloc(h->skip, (size_t)*cap * sizeof *h->skip, "skip reasons");
    }
    h->skip[h->n_skips++] =
        (ech_fit_skip){.field = field, .text = ech_xstrdup(t, "skip text"), .count = 1};
}

/* --- finding the fields' columns --------------------------------------------- */

/* Column index in the header for each field, -1 when absent. */
static ech_status resolve_columns(const char *path, const header_names *hn,
                                  const ech_fit_options *opt, int col[ECH_FIT_N_FIELDS],
                                  ech_error *err)
{
    char norm[512], want[512];
    int used[ECH_FIT_N_FIELDS] = {0};
    (void)used;
    for (int f = 0; f < ECH_FIT_N_FIELDS; ++f) {
        col[f] = -1;
        const char *given = opt->column[f];
        if (given) {
            for (int i = 0; i < hn->n && col[f] < 0; ++i)
                if (strcmp(hn->name[i], given) == 0)
                    col[f] = i;
            normalise(given, want, sizeof want);
            for (int i = 0; i < hn->n && col[f] < 0; ++i) {
                normalise(hn->name[i], norm, sizeof norm);
                if (want[0] && strcmp(norm, want) == 0)
                    col[f] = i;
            }
            if (col[f] < 0) {
                char list[600];
                size_t u = 0;
                list[0] = '\0';
                for (int i = 0; i < hn->n && u < sizeof list - 1; ++i) {
                    int k = snprintf(list + u, sizeof list - u, "%s%s", i ? ", " : "", hn->name[i]);
                    if (k < 0)
                        break;
                    u += (size_t)k;
                }
                return ech_fail_at(err, path, 1, given,
                                   "no such column (named by %s); the header has: %s",
                                   field_option[f], list);
            }
            continue;
        }
        const char *const *alias = field_aliases(f);
        for (int a = 0; alias[a] && col[f] < 0; ++a) {
            normalise(alias[a], want, sizeof want);
            for (int i = 0; i < hn->n; ++i) {
                normalise(hn->name[i], norm, sizeof norm);
                int taken = 0;
                for (int g = 0; g < f; ++g)
                    taken |= col[g] == i;
                if (!taken && strcmp(norm, want) == 0) {
                    col[f] = i;
                    break;
                }
            }
        }
    }
    int required[] = {ECH_FIT_VENDOR, ECH_FIT_PO_DATE, ECH_FIT_DELIVERED};
    if (opt->group_by != ECH_GROUP_VENDOR)
        required[0] = ECH_FIT_SITE;
    for (size_t r = 0; r < sizeof required / sizeof required[0]; ++r) {
        int f = required[r];
        if (col[f] >= 0)
            continue;
        char list[400];
        size_t u = 0;
        list[0] = '\0';
        const char *const *alias = field_aliases(f);
        for (int a = 0; alias[a] && u < sizeof list - 1; ++a) {
            int k = snprintf(list + u, sizeof list - u, "%s%s", a ? ", " : "", alias[a]);
            if (k < 0)
                break;
            u += (size_t)k;
        }
        return ech_fail_at(err, path, 1, field_names[f],
                           "required column is missing: no column for %s (looked for: %s); "
                           "name it with %s",
                           field_what[f], list, field_option[f]);
    }
    if (opt->group_by == ECH_GROUP_VENDOR_SITE && col[ECH_FIT_VENDOR] < 0)
        return ech_fail_at(err, path, 1, field_names[ECH_FIT_VENDOR],
                           "required column is missing: --group-by vendor-site needs %s (name it "
                           "with %s)",
                           field_what[ECH_FIT_VENDOR], field_option[ECH_FIT_VENDOR]);
    return ECH_OK;
}

/* --- rows --------------------------------------------------------------------- */

static ech_status row_date(const ech_row *row, int col, const ech_fit_options *opt, int32_t *day,
                           int *captured, ech_error *err)
{
    *captured = 0;
    if (col < 0)
        return ECH_OK;
    const char *t = ech_row_text(row, col);
    ech_date_parse rc = ech_fit_parse_date(t, opt->date_order, day);
    if (rc == ECH_DATE_BAD)
        return ech_row_fail(row, col, err,
                            "'%s' is not a valid date (expected YYYY-MM-DD, %s or DD-Mon-YY; text "
                            "without digits such as 'Date Not Captured' means not recorded)",
                            t, opt->date_order == ECH_DATES_MDY ? "M/D/YYYY" : "D/M/YYYY");
    *captured = rc == ECH_DATE_OK;
    return ECH_OK;
}

static ech_status row_quantity(const ech_row *row, int col, double *out, ech_error *err)
{
    *out = NAN;
    if (col < 0)
        return ECH_OK;
    int given = 0;
    double v;
    ech_status st = ech_row_double(row, col, &v, &given, err);
    if (st != ECH_OK)
        return st;
    if (!given)
        return ECH_OK;
    if (v < 0.0)
        return ech_row_fail(row, col, err, "a quantity must be >= 0, got '%s'",
                            ech_row_text(row, col));
    *out = v;
    return ECH_OK;
}

ech_status ech_fit_read_history(const char *path, const ech_fit_options *opt, ech_fit_history *h,
                                ech_error *err)
{
    memset(h, 0, sizeof *h);
    h->path = ech_xstrdup(path, "history path");
    header_names hn;
    ech_status st = read_header_names(path, &hn, err);
    if (st != ECH_OK)
        return st;
    int col[ECH_FIT_N_FIELDS];
    st = resolve_columns(path, &hn, opt, col, err);
    if (st != ECH_OK) {
        header_free(&hn);
        return st;
    }
    for (int f = 0; f < ECH_FIT_N_FIELDS; ++f)
        h->column[f] = col[f] >= 0 ? ech_xstrdup(hn.name[col[f]], "column name") : NULL;

    /* Every header column becomes a known, optional column of the reader. */
    ech_csv_column *cols = ech_xcalloc((size_t)hn.n, sizeof *cols, "history columns");
    for (int i = 0; i < hn.n; ++i)
        cols[i] = (ech_csv_column){.name = hn.name[i], .required = 0};
    ech_csv *r = NULL;
    st = ech_csv_open(&r, path, cols, hn.n, err);

    strtab groups, sites;
    strtab_init(&groups, &h->group_id, &h->n_groups);
    strtab_init(&sites, &h->site_id, &h->n_sites);
    int64_t cap = 0, cap_all = 0, n_all = 0, group_cap = 0;
    int32_t skip_cap = 0;
    char *key = NULL;
    size_t key_cap = 0;
    while (st == ECH_OK) {
        const ech_row *row;
        st = ech_csv_next(r, &row, err);
        if (st != ECH_OK || !row)
            break;
        h->rows_read++;

        int32_t po = 0, del = 0, sch = 0;
        int po_ok, del_ok, sch_ok;
        double oq, dq;
        if ((st = row_date(row, col[ECH_FIT_PO_DATE], opt, &po, &po_ok, err)) != ECH_OK ||
            (st = row_date(row, col[ECH_FIT_DELIVERED], opt, &del, &del_ok, err)) != ECH_OK ||
            (st = row_date(row, col[ECH_FIT_SCHEDULED], opt, &sch, &sch_ok, err)) != ECH_OK ||
            (st = row_quantity(row, col[ECH_FIT_ORDERED_QTY], &oq, err)) != ECH_OK ||
            (st = row_quantity(row, col[ECH_FIT_DELIVERED_QTY], &dq, err)) != ECH_OK)
            break;

        /* The group key. */
        const char *vendor =
            col[ECH_FIT_VENDOR] >= 0 ? ech_row_text(row, col[ECH_FIT_VENDOR]) : NULL;
        const char *site = col[ECH_FIT_SITE] >= 0 ? ech_row_text(row, col[ECH_FIT_SITE]) : NULL;
        const char *gkey = NULL;
        if (opt->group_by == ECH_GROUP_VENDOR) {
            gkey = vendor;
        } else if (opt->group_by == ECH_GROUP_SITE) {
            gkey = site;
        } else if (vendor && !site) {
            gkey = vendor; /* vendor-site: a row without a site keeps its vendor */
        } else if (vendor) {
            size_t need = strlen(vendor) + strlen(site) + 4;
            if (need > key_cap) {
                key_cap = need;
                key = ech_xrealloc(key, key_cap, "group key");
            }
            snprintf(key, key_cap, "%s / %s", vendor, site);
            gkey = key;
        }
        if (!gkey) {
            h->rows_no_group++;
            continue;
        }
        int added;
        int32_t g = strtab_intern(&groups, gkey, &added);
        if (added) {
            if (g >= group_cap) {
                group_cap = group_cap ? 2 * group_cap : 64;
                h->group_rows = ech_xrealloc(
                    h->group_rows, (size_t)group_cap * sizeof *h->group_rows, "group rows");
            }
            h->group_rows[g] = 0;
        }
        h->group_rows[g]++;

        if (!po_ok) {
            count_skip(h, ECH_FIT_PO_DATE, ech_row_text(row, col[ECH_FIT_PO_DATE]), &skip_cap);
            continue;
        }
        if (!del_ok) {
            count_skip(h, ECH_FIT_DELIVERED, ech_row_text(row, col[ECH_FIT_DELIVERED]), &skip_cap);
            continue;
        }
        int64_t lead = (int64_t)del - (int64_t)po;
        h->rows_dated++;
        if (n_all == cap_all) {
            cap_all = cap_all ? 2 * cap_all : 1024;
            h->lead_all =
                ech_xrealloc(h->lead_all, (size_t)cap_all * sizeof *h->lead_all, "lead times");
        }
        h->lead_all[n_all++] = (int32_t)lead;
        if (lead < opt->min_lead_days || lead > MAX_LEAD_DAYS) {
            if (!opt->drop_invalid) {
                char dpo[16], ddel[16];
                ech_format_date(po, dpo);
                ech_format_date(del, ddel);
                if (lead < 0)
                    st = ech_row_fail(row, col[ECH_FIT_DELIVERED], err,
                                      "delivered on %s, %lld day%s before the PO date %s (column "
                                      "'%s'): the lead time cannot be negative (--drop-invalid "
                                      "skips such rows)",
                                      ddel, (long long)-lead, lead == -1 ? "" : "s", dpo,
                                      h->column[ECH_FIT_PO_DATE]);
                else if (lead < opt->min_lead_days)
                    st = ech_row_fail(row, col[ECH_FIT_DELIVERED], err,
                                      "delivered on %s, %lld day%s after the PO date %s (column "
                                      "'%s'): below --min-lead %d (--drop-invalid skips such rows)",
                                      ddel, (long long)lead, lead == 1 ? "" : "s", dpo,
                                      h->column[ECH_FIT_PO_DATE], (int)opt->min_lead_days);
                else
                    st = ech_row_fail(row, col[ECH_FIT_DELIVERED], err,
                                      "delivered on %s, %lld days after the PO date %s (column "
                                      "'%s'): more than %d days, probably a mistyped year "
                                      "(--drop-invalid skips such rows)",
                                      ddel, (long long)lead, dpo, h->column[ECH_FIT_PO_DATE],
                                      MAX_LEAD_DAYS);
                break;
            }
            if (h->n_invalid < ECH_FIT_EXAMPLES)
                h->invalid[h->n_invalid] =
                    (ech_fit_invalid){.line = row->line, .group = g, .lead = (int32_t)lead};
            h->n_invalid++;
            continue;
        }

        grow_rows(h, &cap);
        int64_t i = h->n++;
        h->group[i] = g;
        h->site[i] = site ? strtab_intern(&sites, site, NULL) : -1;
        h->lead[i] = (int32_t)lead;
        h->late[i] = sch_ok ? del - sch : INT32_MIN;
        h->ordered[i] = oq;
        h->delivered[i] = dq;
    }
    free(key);
    strtab_free(&groups);
    strtab_free(&sites);
    ech_csv_close(r);
    free(cols);
    header_free(&hn);
    return st;
}

void ech_fit_history_free(ech_fit_history *h)
{
    if (!h)
        return;
    free(h->path);
    for (int f = 0; f < ECH_FIT_N_FIELDS; ++f)
        free(h->column[f]);
    for (int32_t i = 0; i < h->n_skips; ++i)
        free(h->skip[i].text);
    free(h->skip);
    ech_strings_free(h->group_id, h->n_groups);
    free(h->group_rows);
    ech_strings_free(h->site_id, h->n_sites);
    free(h->group);
    free(h->site);
    free(h->lead);
    free(h->late);
    free(h->ordered);
    free(h->delivered);
    free(h->lead_all);
    memset(h, 0, sizeof *h);
}

/* ==============================================================================
 * Fitting
 * ============================================================================== */

/* The p-quantile of sorted whole days given as a histogram (values, counts), by
 * linear interpolation between order statistics at position (n - 1) p (the
 * definition of R's type 7, numpy's and GSL's default). */
static double hist_quantile(const int32_t *values, const int64_t *counts, int32_t m, int64_t n,
                            double p)
{
    double h = (double)(n - 1) * p;
    int64_t lo = (int64_t)floor(h);
    double frac = h - (double)lo;
    double v_lo = 0.0, v_hi = 0.0;
    int64_t cum = 0;
    int found_lo = 0;
    for (int32_t i = 0; i < m; ++i) {
        int64_t next = cum + counts[i];
        if (!found_lo && lo < next) {
            v_lo = values[i];
            found_lo = 1;
        }
        if (lo + 1 < next || i == m - 1) {
            if (found_lo) {
                v_hi = values[i];
                break;
            }
        }
        cum = next;
    }
    return v_lo + frac * (v_hi - v_lo);
}

/* Histogram of whole days (each >= INT32_MIN / 2) into distinct values and counts. */
static void histogram(const int32_t *days, int64_t n, int32_t **values, int64_t **counts,
                      int32_t *m)
{
    *values = NULL;
    *counts = NULL;
    *m = 0;
    if (n == 0)
        return;
    int32_t lo = days[0], hi = days[0];
    for (int64_t i = 1; i < n; ++i) {
        lo = days[i] < lo ? days[i] : lo;
        hi = days[i] > hi ? days[i] : hi;
    }
    int64_t span = (int64_t)hi - lo + 1;
    int64_t *c = ech_xcalloc((size_t)span, sizeof *c, "day counts");
    for (int64_t i = 0; i < n; ++i)
        c[days[i] - lo]++;
    int32_t distinct = 0;
    for (int64_t k = 0; k < span; ++k)
        distinct += c[k] > 0;
    *values = ech_xmalloc((size_t)distinct * sizeof **values, "distinct days");
    *counts = ech_xmalloc((size_t)distinct * sizeof **counts, "day counts");
    for (int64_t k = 0; k < span; ++k)
        if (c[k] > 0) {
            (*values)[*m] = (int32_t)(lo + k);
            (*counts)[*m] = c[k];
            (*m)++;
        }
    free(c);
}

static ech_fit_stats stats_of(const int32_t *values, const int64_t *counts, int32_t m)
{
    ech_fit_stats s;
    memset(&s, 0, sizeof s);
    s.mean = s.sd = s.median = s.p90 = NAN;
    for (int32_t i = 0; i < m; ++i)
        s.n += counts[i];
    if (s.n == 0)
        return s;
    double sum = 0.0;
    for (int32_t i = 0; i < m; ++i)
        sum += (double)counts[i] * values[i];
    s.mean = sum / (double)s.n;
    double ss = 0.0;
    for (int32_t i = 0; i < m; ++i)
        ss += (double)counts[i] * (values[i] - s.mean) * (values[i] - s.mean);
    s.sd = s.n > 1 ? sqrt(ss / (double)(s.n - 1)) : NAN;
    s.median = hist_quantile(values, counts, m, s.n, 0.5);
    s.p90 = hist_quantile(values, counts, m, s.n, 0.9);
    s.min = values[0];
    s.max = values[m - 1];
    return s;
}

static ech_fit_stats stats_of_days(const int32_t *days, int64_t n)
{
    int32_t *v, m;
    int64_t *c;
    histogram(days, n, &v, &c, &m);
    ech_fit_stats s = stats_of(v, c, m);
    free(v);
    free(c);
    return s;
}

/* The p-quantile of a fitted family by bisection on its CDF (GSL's gamma inverse
 * fails to converge for some small shapes). */
static double family_quantile(const ech_fit_family *f, double p)
{
    double lo = 0.0, hi = f->mean > 1.0 ? f->mean : 1.0;
    while (cont_P(f->dist, f->a, f->b, hi) < p) {
        lo = hi;
        hi *= 2.0;
        if (hi > 1e9)
            return INFINITY;
    }
    for (int it = 0; it < 200 && hi - lo > 1e-9 * hi; ++it) {
        double mid = 0.5 * (lo + hi);
        if (cont_P(f->dist, f->a, f->b, mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Fits one supplier from the usable rows rows[0..n-1]. */
static void fit_one(ech_supplier_fit *s, const ech_fit_history *h, const int64_t *rows, int64_t n,
                    const ech_fit_options *opt, int32_t *site_mark, int32_t mark)
{
    int32_t *days = ech_xmalloc((size_t)n * sizeof *days, "lead times");
    double fsum = 0.0, fss = 0.0, late_sum = 0.0;
    for (int64_t j = 0; j < n; ++j) {
        int64_t i = rows[j];
        days[j] = h->lead[i];
        if (h->site[i] >= 0 && site_mark[h->site[i]] != mark) {
            site_mark[h->site[i]] = mark;
            s->n_sites++;
        }
        if (h->late[i] != INT32_MIN) {
            s->n_scheduled++;
            if (h->late[i] > 0) {
                s->n_late++;
                late_sum += h->late[i];
            } else if (h->late[i] < 0) {
                s->n_early++;
            }
        }
        double oq = h->ordered[i], dq = h->delivered[i];
        if (isfinite(oq) && isfinite(dq) && oq > 0.0) {
            s->n_qty++;
            if (dq == 0.0) {
                s->n_cancel++;
            } else if (dq < oq) {
                /* Welford's running mean and sum of squares. */
                double x = dq / oq;
                s->n_partial++;
                double d = x - fsum;
                fsum += d / (double)s->n_partial;
                fss += d * (x - fsum);
            }
        }
    }
    s->mean_days_late = s->n_late ? late_sum / (double)s->n_late : NAN;
    s->cancel_prob = s->n_qty ? (double)s->n_cancel / (double)s->n_qty : NAN;
    s->partial_prob =
        s->n_qty > s->n_cancel ? (double)s->n_partial / (double)(s->n_qty - s->n_cancel) : NAN;
    s->fraction_mean = s->n_partial ? fsum : NAN;
    s->fraction_sd = s->n_partial > 1 ? sqrt(fss / (double)(s->n_partial - 1)) : NAN;

    histogram(days, n, &s->values, &s->counts, &s->n_values);
    free(days);
    s->lead = stats_of(s->values, s->counts, s->n_values);

    s->best = -1;
    s->gamma.dist = ECH_LT_GAMMA;
    s->lognormal.dist = ECH_LT_LOGNORMAL;
    s->gamma.chi2_p = s->lognormal.chi2_p = NAN;
    if (s->n_values == 1) {
        s->verdict = ECH_VERDICT_CONSTANT;
        s->form = opt->lead_form == ECH_FORM_EMPIRICAL ? ECH_LT_EMPIRICAL : ECH_LT_FIXED;
        s->min_days = s->max_days = s->values[0];
        return;
    }
    ech_fit_lead_time(ECH_LT_GAMMA, s->values, s->counts, s->n_values, &s->gamma);
    ech_fit_lead_time(ECH_LT_LOGNORMAL, s->values, s->counts, s->n_values, &s->lognormal);
    /* A family whose mean is beyond the scenario's limit cannot be written. */
    int g_ok = s->gamma.ok && s->gamma.mean <= MAX_LEAD_DAYS;
    int l_ok = s->lognormal.ok && s->lognormal.mean <= MAX_LEAD_DAYS;
    const ech_fit_family *best = NULL;
    if (g_ok && (!l_ok || s->gamma.aic <= s->lognormal.aic))
        best = &s->gamma;
    else if (l_ok)
        best = &s->lognormal;
    if (!best) {
        s->verdict = ECH_VERDICT_NO_FIT;
        s->form = ECH_LT_EMPIRICAL;
        return;
    }
    s->best = best->dist;
    int rejected = best->chi2_df > 0 && best->chi2_p < opt->alpha;
    s->verdict = rejected && best->ks_d > opt->max_ks ? ECH_VERDICT_POOR : ECH_VERDICT_GOOD;
    if (opt->lead_form == ECH_FORM_EMPIRICAL)
        s->form = ECH_LT_EMPIRICAL;
    else if (opt->lead_form == ECH_FORM_PARAMETRIC || s->verdict == ECH_VERDICT_GOOD)
        s->form = (uint8_t)best->dist;
    else
        s->form = ECH_LT_EMPIRICAL;

    /* Bounds: the observed range widened to the fitted 0.1% and 99.9% quantiles. */
    double q_lo = family_quantile(best, 0.001), q_hi = family_quantile(best, 0.999);
    double lo = isfinite(q_lo) ? floor(q_lo + 0.5) : 0.0;
    double hi = isfinite(q_hi) ? ceil(q_hi - 0.5) : (double)MAX_LEAD_DAYS;
    s->min_days = lo < s->lead.min ? (int32_t)(lo > 0.0 ? lo : 0.0) : s->lead.min;
    s->max_days =
        hi > s->lead.max ? (int32_t)(hi < MAX_LEAD_DAYS ? hi : MAX_LEAD_DAYS) : s->lead.max;
}

typedef struct group_order {
    int64_t n;
    int32_t g;
    const char *id;
} group_order;

static int by_rows_desc(const void *pa, const void *pb)
{
    const group_order *a = pa, *b = pb;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->id, b->id);
}

ech_status ech_fit_suppliers(const ech_fit_history *h, const ech_fit_options *opt,
                             ech_fit_result *res, ech_error *err)
{
    (void)err;
    /* GSL's functions report trouble (an underflow in a far tail) by returning
     * error codes here, never by aborting the program. */
    gsl_error_handler_t *old_handler = gsl_set_error_handler_off();
    memset(res, 0, sizeof *res);
    res->opt = *opt;
    res->has_quantities = h->column[ECH_FIT_ORDERED_QTY] && h->column[ECH_FIT_DELIVERED_QTY];
    res->has_scheduled = h->column[ECH_FIT_SCHEDULED] != NULL;
    res->pooled = stats_of_days(h->lead, h->n);
    res->pooled_all = stats_of_days(h->lead_all, h->rows_dated);

    /* Rows of each group, contiguous (a counting sort keeps file order within). */
    int32_t G = h->n_groups;
    int64_t *begin = ech_xcalloc((size_t)G + 1, sizeof *begin, "group rows");
    for (int64_t i = 0; i < h->n; ++i)
        begin[h->group[i] + 1]++;
    for (int32_t g = 0; g < G; ++g)
        begin[g + 1] += begin[g];
    int64_t *rows = ech_xmalloc((size_t)(h->n ? h->n : 1) * sizeof *rows, "group rows");
    int64_t *fill = ech_xmalloc(((size_t)G + 1) * sizeof *fill, "group rows");
    memcpy(fill, begin, ((size_t)G + 1) * sizeof *fill);
    for (int64_t i = 0; i < h->n; ++i)
        rows[fill[h->group[i]]++] = i;
    free(fill);

    group_order *ord = ech_xmalloc(((size_t)G + 1) * sizeof *ord, "group order");
    for (int32_t g = 0; g < G; ++g)
        ord[g] = (group_order){.n = begin[g + 1] - begin[g], .g = g, .id = h->group_id[g]};
    qsort(ord, (size_t)G, sizeof *ord, by_rows_desc);

    res->s = ech_xcalloc((size_t)G + 1, sizeof *res->s, "supplier fits");
    res->small = ech_xmalloc(((size_t)G + 1) * sizeof *res->small, "small suppliers");
    res->small_rows = ech_xmalloc(((size_t)G + 1) * sizeof *res->small_rows, "small suppliers");
    res->unused = ech_xmalloc(((size_t)G + 1) * sizeof *res->unused, "unused suppliers");
    int32_t *site_mark = ech_xmalloc(((size_t)h->n_sites + 1) * sizeof *site_mark, "site marks");
    for (int32_t k = 0; k < h->n_sites; ++k)
        site_mark[k] = -1;
    int32_t mark = 0;

    for (int32_t j = 0; j < G; ++j) {
        int32_t g = ord[j].g;
        int64_t n = ord[j].n;
        if (n == 0) {
            res->unused[res->n_unused++] = g;
        } else if (n < opt->min_records) {
            res->small[res->n_small] = g;
            res->small_rows[res->n_small++] = n;
        } else {
            ech_supplier_fit *s = &res->s[res->n++];
            s->id = ech_xstrdup(h->group_id[g], "supplier id");
            fit_one(s, h, rows + begin[g], n, opt, site_mark, mark++);
        }
    }
    /* Groups with no usable row, by rows in the file. */
    for (int32_t a = 1; a < res->n_unused; ++a)
        for (int32_t b = a;
             b > 0 && h->group_rows[res->unused[b - 1]] < h->group_rows[res->unused[b]]; --b) {
            int32_t t = res->unused[b];
            res->unused[b] = res->unused[b - 1];
            res->unused[b - 1] = t;
        }

    if (opt->pool_small && res->n_small > 0) {
        int64_t total = 0;
        for (int32_t k = 0; k < res->n_small; ++k)
            total += res->small_rows[k];
        if (total >= opt->min_records) {
            int64_t *pool = ech_xmalloc((size_t)total * sizeof *pool, "pooled rows");
            int64_t u = 0;
            for (int32_t k = 0; k < res->n_small; ++k) {
                int32_t g = res->small[k];
                for (int64_t i = begin[g]; i < begin[g + 1]; ++i)
                    pool[u++] = rows[i];
            }
            ech_supplier_fit *s = &res->s[res->n++];
            /* The pool's id must not be a fitted supplier's. */
            const char *id = opt->pool_id ? opt->pool_id : "OTHER";
            int clash = 0;
            for (int32_t k = 0; k + 1 < res->n; ++k)
                clash |= strcmp(res->s[k].id, id) == 0;
            char buf[256];
            if (clash)
                snprintf(buf, sizeof buf, "%s (pooled)", id);
            s->id = ech_xstrdup(clash ? buf : id, "supplier id");
            s->pooled = res->n_small;
            fit_one(s, h, pool, total, opt, site_mark, mark++);
            free(pool);
        }
    }
    free(site_mark);
    free(ord);
    free(rows);
    free(begin);
    gsl_set_error_handler(old_handler);
    return ECH_OK;
}

void ech_fit_result_free(ech_fit_result *res)
{
    if (!res)
        return;
    for (int32_t i = 0; i < res->n; ++i) {
        free(res->s[i].id);
        free(res->s[i].values);
        free(res->s[i].counts);
    }
    free(res->s);
    free(res->small);
    free(res->small_rows);
    free(res->unused);
    memset(res, 0, sizeof *res);
}

/* ==============================================================================
 * Writing
 * ============================================================================== */

void ech_fit_yaml_quote(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\x%02x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static const char *form_name(int form)
{
    switch (form) {
    case ECH_LT_FIXED: return "fixed";
    case ECH_LT_GAMMA: return "gamma";
    case ECH_LT_LOGNORMAL: return "lognormal";
    default: return "empirical";
    }
}

static const char *verdict_text(const ech_supplier_fit *s)
{
    switch (s->verdict) {
    case ECH_VERDICT_GOOD: return "good fit";
    case ECH_VERDICT_POOR:
        return s->form == ECH_LT_EMPIRICAL ? "poor fit: use empirical" : "poor fit (kept)";
    case ECH_VERDICT_CONSTANT: return "constant: fixed";
    default: return "no fit: empirical";
    }
}

/* A p-value for people: 4 decimals, "<0.0001" below, "n/a" when there is none. */
static const char *fmt_p(char *buf, size_t size, double p)
{
    if (!isfinite(p))
        snprintf(buf, size, "n/a");
    else if (p < 1e-4)
        snprintf(buf, size, "<0.0001");
    else
        snprintf(buf, size, "%.4f", p);
    return buf;
}

static const ech_fit_family *best_family(const ech_supplier_fit *s)
{
    return s->best == ECH_LT_GAMMA ? &s->gamma : s->best == ECH_LT_LOGNORMAL ? &s->lognormal : NULL;
}

/* Rows skipped because a date was not captured. */
static int64_t skipped_rows(const ech_fit_history *h)
{
    int64_t k = 0;
    for (int32_t i = 0; i < h->n_skips; ++i)
        k += h->skip[i].count;
    return k;
}

/* Writes a flow list of integers, wrapped with `indent` spaces on continuation lines. */
static void write_int_list(FILE *out, const char *key, int indent, const int32_t *v32,
                           const int64_t *v64, int32_t n)
{
    int col = fprintf(out, "%*s%s: [", indent, "", key);
    for (int32_t i = 0; i < n; ++i) {
        char num[32];
        int len = snprintf(num, sizeof num, "%lld", v32 ? (long long)v32[i] : (long long)v64[i]);
        if (i > 0) {
            if (col + len + 2 > 96) {
                fprintf(out, ",\n%*s", indent + 4, "");
                col = indent + 4;
            } else {
                fputs(", ", out);
                col += 2;
            }
        }
        fputs(num, out);
        col += len;
    }
    fputs("]\n", out);
}

/* Beta moments of the delivered fraction, made valid: sd > 0 and sd^2 < m (1 - m).
 * With fewer than two partial lines the spread is unknown: sd^2 = m (1 - m) / 2
 * (a beta with a + b = 1, the widest that is not U-shaped at both ends). */
static void beta_moments(const ech_supplier_fit *s, double *m, double *sd)
{
    /* Strictly inside (0, 1) even after printing to 6 digits, as the loader wants. */
    *m = fmin(fmax(s->fraction_mean, 1e-4), 1.0 - 1e-4);
    double limit = sqrt(*m * (1.0 - *m));
    *sd = s->fraction_sd;
    if (!(*sd > 0.0))
        *sd = limit / sqrt(2.0);
    if (*sd > 0.99 * limit)
        *sd = 0.99 * limit;
}

void ech_fit_write_yaml(FILE *out, const ech_fit_history *h, const ech_fit_result *res)
{
    const ech_fit_options *opt = &res->opt;
    fprintf(out, "# Supplier lead times fitted by `echelon fit-suppliers` (echelon %s)\n",
            ECH_VERSION_STRING);
    fprintf(out, "# from %s: %lld rows read, %lld with a PO and a delivered date, %lld used",
            h->path, (long long)h->rows_read, (long long)h->rows_dated, (long long)h->n);
    if (h->n_invalid)
        fprintf(out, " (%lld invalid dropped)", (long long)h->n_invalid);
    fputs(".\n", out);
    fprintf(out,
            "# Lead time = delivered - PO date, whole days: gamma and lognormal fitted by\n"
            "# maximum likelihood of the rounded model, the better by AIC; the observed\n"
            "# days (empirical) where the fit is poor (chi-square p < %g and KS distance\n"
            "# > %g)%s.\n",
            opt->alpha, opt->max_ks,
            opt->lead_form == ECH_FORM_EMPIRICAL    ? "; --empirical: observed days throughout"
            : opt->lead_form == ECH_FORM_PARAMETRIC ? "; --parametric: the family throughout"
                                                    : "");
    fprintf(out, "# %d supplier%s fitted", (int)res->n, res->n == 1 ? "" : "s");
    if (res->n_small)
        fprintf(out, "; %d with fewer than %lld usable rows %s", (int)res->n_small,
                (long long)opt->min_records,
                res->n > 0 && res->s[res->n - 1].pooled ? "pooled" : "left out");
    if (res->n_unused)
        fprintf(out, "; %d with no usable row", (int)res->n_unused);
    fputs(".\n", out);
    if (!res->has_quantities)
        fputs("# Partial deliveries and cancellations: not in the data (it needs both an ordered "
              "and a\n# delivered quantity).\n",
              out);
    fputs("# Paste the entries into a scenario's `suppliers:` list.\n", out);
    if (res->n == 0) {
        fputs("suppliers: []\n", out);
        return;
    }
    fputs("suppliers:\n", out);
    for (int32_t i = 0; i < res->n; ++i) {
        const ech_supplier_fit *s = &res->s[i];
        const ech_fit_family *b = best_family(s);
        fprintf(out, "  # %lld lines", (long long)s->lead.n);
        if (s->pooled)
            fprintf(out, " from %d suppliers with fewer than %lld each", (int)s->pooled,
                    (long long)opt->min_records);
        fprintf(out, "; lead time mean %.1f, sd %.1f, median %g, p90 %g days\n", s->lead.mean,
                s->lead.sd, s->lead.median, s->lead.p90);
        char pbuf[32];
        if (b)
            fprintf(out, "  # %s (AIC %.1f; %s %.1f), KS D %.3f, chi-square p %s: %s\n",
                    form_name(b->dist), b->aic, b == &s->gamma ? "lognormal" : "gamma",
                    b == &s->gamma ? s->lognormal.aic : s->gamma.aic, b->ks_d,
                    fmt_p(pbuf, sizeof pbuf, b->chi2_p), verdict_text(s));
        else
            fprintf(out, "  # %s\n", verdict_text(s));
        fputs("  - id: ", out);
        ech_fit_yaml_quote(out, s->id);
        fputc('\n', out);
        switch (s->form) {
        case ECH_LT_FIXED:
            fprintf(out, "    lead_time: {distribution: fixed, mean: %d}\n", (int)s->values[0]);
            break;
        case ECH_LT_GAMMA:
        case ECH_LT_LOGNORMAL: {
            const ech_fit_family *f = s->form == ECH_LT_GAMMA ? &s->gamma : &s->lognormal;
            fprintf(out,
                    "    lead_time: {distribution: %s, mean: %.6g, sd: %.6g, min_days: %d, "
                    "max_days: %d}\n",
                    form_name(s->form), f->mean, f->sd, (int)s->min_days, (int)s->max_days);
            break;
        }
        default:
            fputs("    lead_time:\n      distribution: empirical\n", out);
            write_int_list(out, "values", 6, s->values, NULL, s->n_values);
            write_int_list(out, "weights", 6, NULL, s->counts, s->n_values);
            break;
        }
        if (res->has_quantities && s->n_qty > 0) {
            if (s->n_partial > 0) {
                double m, sd;
                beta_moments(s, &m, &sd);
                fprintf(
                    out,
                    "    partial: {probability: %.6g, fraction_mean: %.6g, fraction_sd: %.6g}\n",
                    s->partial_prob, m, sd);
            } else {
                fprintf(out, "    # no partial deliveries in %lld lines with both quantities\n",
                        (long long)s->n_qty);
            }
            /* The loader wants [0, 1): a supplier that cancelled every line in the
             * history still delivers with a tiny chance in the model. */
            fprintf(out, "    cancel_probability: %.6g\n", fmin(s->cancel_prob, 0.9999));
            if (s->n_partial > 0)
                fprintf(out, "    shortfall: %s\n",
                        opt->shortfall == ECH_SUPPLY_CANCEL ? "cancel" : "backorder");
        }
    }
}

/* The supplier column of the report: at most `width` bytes, cut on a UTF-8
 * character boundary and marked with "..". */
static void put_name(FILE *out, const char *s, int width)
{
    size_t len = strlen(s);
    if (len <= (size_t)width) {
        fprintf(out, "%-*s", width, s);
        return;
    }
    size_t cut = (size_t)width - 2;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        --cut;
    fprintf(out, "%.*s..%*s", (int)cut, s, (int)((size_t)width - 2 - cut), "");
}

static void put_stats(FILE *out, const char *what, const ech_fit_stats *st)
{
    if (st->n == 0) {
        fprintf(out, "%s: none\n", what);
        return;
    }
    fprintf(out, "%s: n %lld, mean %.1f, sd %.1f, median %g, p90 %g, min %d, max %d days\n", what,
            (long long)st->n, st->mean, st->n > 1 ? st->sd : 0.0, st->median, st->p90, (int)st->min,
            (int)st->max);
}

static void put_pct(FILE *out, int64_t k, int64_t n, int width)
{
    if (n > 0)
        fprintf(out, " %*.1f", width, 100.0 * (double)k / (double)n);
    else
        fprintf(out, " %*s", width, "-");
}

/* A comma-separated list wrapped at about 96 columns. */
typedef struct wrap {
    FILE *out;
    int col;
    int first;
} wrap;

static void wrap_item(wrap *w, const char *text)
{
    int len = (int)strlen(text);
    if (!w->first) {
        fputc(',', w->out);
        w->col++;
        if (w->col + len + 1 > 96) {
            fputs("\n   ", w->out);
            w->col = 3;
        } else {
            fputc(' ', w->out);
            w->col++;
        }
    }
    fputs(text, w->out);
    w->col += len;
    w->first = 0;
}

void ech_fit_write_report(FILE *out, const ech_fit_history *h, const ech_fit_result *res)
{
    const ech_fit_options *opt = &res->opt;
    fprintf(out, "echelon fit-suppliers: %s\n", h->path);
    fputs("Columns:", out);
    for (int f = 0; f < ECH_FIT_N_FIELDS; ++f) {
        fprintf(out, "%s %s ", f ? ";" : "", field_names[f]);
        if (h->column[f])
            fprintf(out, "\"%s\"", h->column[f]);
        else
            fputs("(none)", out);
    }
    fputc('\n', out);
    fprintf(out, "Rows read: %lld\n", (long long)h->rows_read);
    if (h->rows_no_group)
        fprintf(out, "  skipped, no %s: %lld\n",
                opt->group_by == ECH_GROUP_VENDOR ? "vendor"
                : opt->group_by == ECH_GROUP_SITE ? "site"
                                                  : "vendor or site",
                (long long)h->rows_no_group);
    int64_t skipped = skipped_rows(h);
    if (skipped) {
        fprintf(out, "  skipped, date not captured: %lld\n", (long long)skipped);
        for (int32_t i = 0; i < h->n_skips; ++i)
            fprintf(out, "    %s \"%s\": %lld\n", h->column[h->skip[i].field], h->skip[i].text,
                    (long long)h->skip[i].count);
    }
    fprintf(out, "  with a PO and a delivered date: %lld\n", (long long)h->rows_dated);
    if (h->n_invalid) {
        fprintf(out, "  invalid lead time (below %d or above %d days), dropped: %lld; first:",
                (int)opt->min_lead_days, MAX_LEAD_DAYS, (long long)h->n_invalid);
        for (int64_t i = 0; i < h->n_invalid && i < ECH_FIT_EXAMPLES; ++i)
            fprintf(out, "%s line %ld (%s, %d days)", i ? ";" : "", h->invalid[i].line,
                    h->group_id[h->invalid[i].group], (int)h->invalid[i].lead);
        fputc('\n', out);
    }
    fprintf(out, "Rows used: %lld\n", (long long)h->n);
    put_stats(out, "Lead time, all used rows", &res->pooled);
    if (h->n_invalid)
        put_stats(out, "Lead time, all dated rows (invalid included)", &res->pooled_all);
    int pooled = res->n > 0 && res->s[res->n - 1].pooled;
    fprintf(out, "Suppliers: %d in the file; %d fitted", (int)h->n_groups,
            (int)(res->n - (pooled ? 1 : 0)));
    if (res->n_small)
        fprintf(out, "; %d with fewer than %lld usable rows %s", (int)res->n_small,
                (long long)opt->min_records,
                pooled            ? "pooled into one"
                : opt->pool_small ? "(too few even pooled)"
                                  : "left out");
    if (res->n_unused)
        fprintf(out, "; %d with no usable row", (int)res->n_unused);
    fputs("\n", out);
    if (res->has_quantities)
        fprintf(out, "Partial deliveries and cancellations: from \"%s\" and \"%s\"\n",
                h->column[ECH_FIT_ORDERED_QTY], h->column[ECH_FIT_DELIVERED_QTY]);
    else
        fprintf(out, "Partial deliveries and cancellations: not in the data (no %s column)\n",
                h->column[ECH_FIT_ORDERED_QTY] ? "delivered-quantity" : "quantity");
    if (!res->has_scheduled)
        fputs("Lateness: not in the data (no scheduled-date column)\n", out);

    if (res->n > 0) {
        int width = 8;
        for (int32_t i = 0; i < res->n; ++i) {
            int len = (int)strlen(res->s[i].id);
            width = len > width ? len : width;
        }
        width = width > 36 ? 36 : width;
        fputc('\n', out);
        fprintf(out,
                "%-*s %6s %6s %6s %6s %6s  %-9s %7s %7s %9s %9s %6s %8s %6s %6s %6s %7s %7s  %s\n",
                width, "supplier", "lines", "mean", "sd", "median", "p90", "written", "fit mean",
                "fit sd", "AIC gamma", "AIC logn", "KS D", "chi2 p", "late%", "early%", "late d",
                "partial%", "cancel%", "verdict");
        for (int32_t i = 0; i < res->n; ++i) {
            const ech_supplier_fit *s = &res->s[i];
            const ech_fit_family *b = best_family(s);
            char pbuf[32];
            put_name(out, s->id, width);
            fprintf(out, " %6lld %6.1f %6.1f %6g %6g  %-9s", (long long)s->lead.n, s->lead.mean,
                    s->lead.sd, s->lead.median, s->lead.p90, form_name(s->form));
            if (b)
                fprintf(out, " %7.1f %7.1f", b->mean, b->sd);
            else
                fprintf(out, " %7s %7s", "-", "-");
            if (s->gamma.ok)
                fprintf(out, " %9.1f", s->gamma.aic);
            else
                fprintf(out, " %9s", "-");
            if (s->lognormal.ok)
                fprintf(out, " %9.1f", s->lognormal.aic);
            else
                fprintf(out, " %9s", "-");
            if (b)
                fprintf(out, " %6.3f %8s", b->ks_d, fmt_p(pbuf, sizeof pbuf, b->chi2_p));
            else
                fprintf(out, " %6s %8s", "-", "-");
            put_pct(out, s->n_late, s->n_scheduled, 6);
            put_pct(out, s->n_early, s->n_scheduled, 6);
            if (s->n_late)
                fprintf(out, " %6.1f", s->mean_days_late);
            else
                fprintf(out, " %6s", "-");
            if (res->has_quantities) {
                put_pct(out, s->n_partial, s->n_qty - s->n_cancel, 7);
                put_pct(out, s->n_cancel, s->n_qty, 7);
            } else {
                fprintf(out, " %7s %7s", "n/a", "n/a");
            }
            fprintf(out, "  %s\n", verdict_text(s));
        }
        fputc('\n', out);
        fprintf(
            out,
            "lines: usable rows; mean .. p90: observed lead time (days); written: the form in the\n"
            "YAML; fit mean, fit sd: the better family's (by AIC); KS D, chi2 p: its goodness of\n"
            "fit; a fit is poor when chi2 p < %g and KS D > %g.  late%%, early%%: of lines with a\n"
            "scheduled date; late d: mean days late of late lines; partial%%: of lines not\n"
            "cancelled; cancel%%: of lines with both quantities.\n",
            opt->alpha, opt->max_ks);
    }
    if (res->n_small) {
        fprintf(out, "\nFewer than %lld usable rows (%s):\n   ", (long long)opt->min_records,
                pooled ? "pooled" : "left out");
        wrap w = {.out = out, .col = 3, .first = 1};
        for (int32_t k = 0; k < res->n_small; ++k) {
            char item[512];
            snprintf(item, sizeof item, "%s (%lld)", h->group_id[res->small[k]],
                     (long long)res->small_rows[k]);
            wrap_item(&w, item);
        }
        fputc('\n', out);
    }
    if (res->n_unused) {
        fputs("\nNo usable row (rows in the file):\n   ", out);
        wrap w = {.out = out, .col = 3, .first = 1};
        for (int32_t k = 0; k < res->n_unused; ++k) {
            char item[512];
            snprintf(item, sizeof item, "%s (%lld)", h->group_id[res->unused[k]],
                     (long long)h->group_rows[res->unused[k]]);
            wrap_item(&w, item);
        }
        fputc('\n', out);
    }
}
