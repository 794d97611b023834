/* Fitting supplier lead times and reliability from order and delivery history.
 *
 * Input: a CSV file with one row per order line (an ERP extract, or public data
 * such as the USAID SCMS delivery history).  Columns are found by header name:
 * each field has a built-in list of aliases (compared ignoring case, spaces and
 * punctuation), or the caller names the column.  Fields:
 *   vendor         required  the supplier id (rows are grouped by it)
 *   po_date        required  the date the order was placed
 *   scheduled_date optional  the promised delivery date (for lateness)
 *   delivered_date required  the date the goods arrived
 *   ordered_qty    optional  quantity ordered
 *   delivered_qty  optional  quantity delivered (with ordered_qty: partial deliveries
 *                            and cancellations)
 *   site           optional  manufacturing or shipping site (--group-by site)
 *
 * Dates: ISO YYYY-MM-DD (also YYYY/MM/DD); numeric A/B/YYYY and A-B-YYYY (also 2-digit years) in
 * month-day order by default or day-month order (ECH_DATES_DMY); dd-Mon-yy and
 * dd-Mon-yyyy with English month abbreviations.  A date cell without any digit
 * ("Date Not Captured", "N/A - From RDC", "Pre-PQ Process", empty) means "not
 * captured": the row is skipped and counted under that text.  A cell with digits
 * that is not a valid date is bad input.
 *
 * Lead time L = delivered - PO date in whole days.  The simulator draws a continuous
 * lead time and rounds it to the nearest day, P(L = k) = F(k + 0.5) - F(k - 0.5)
 * with F(x) = 0 for x < 0, so that is the model fitted: gamma and lognormal by
 * maximum likelihood of the rounded (interval-censored) observations, started from
 * the continuous MLE (gamma: Newton on the shape with digamma/trigamma; lognormal:
 * closed form) of the midpoints (0.25 for a lead time of 0 days).  The family with
 * the lower AIC is chosen; goodness of fit is the Kolmogorov-Smirnov distance
 * between the observed and the fitted day distributions and a chi-square test on
 * days binned to at least 5 expected each (degrees of freedom: bins - 3).
 * The fit is poor when the test rejects at level `alpha` and the KS distance is
 * above `max_ks` (the difference is both real and material); then the empirical
 * distribution is written instead.
 */
#ifndef ECHELON_SUPPLIER_FIT_H
#define ECHELON_SUPPLIER_FIT_H

#include "echelon/error.h"

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------
 * Dates
 * ------------------------------------------------------------------------------ */

typedef enum ech_date_order {
    ECH_DATES_MDY = 0, /* 3/14/2015, 03-14-2015: month first (US, USAID) */
    ECH_DATES_DMY = 1, /* 14/3/2015, 14-03-2015: day first */
} ech_date_order;

typedef enum ech_date_parse {
    ECH_DATE_OK = 0,
    ECH_DATE_NOT_CAPTURED = 1, /* empty, or text without a digit */
    ECH_DATE_BAD = -1,         /* has digits but is not a valid date */
} ech_date_parse;

/* Parses a history date cell into days since 1970-01-01 (years 1900..2200).
 * Two-digit years are 2000..2068 for 00..68 and 1969..1999 for 69..99. */
ech_date_parse ech_fit_parse_date(const char *text, ech_date_order order, int32_t *days);

/* ------------------------------------------------------------------------------
 * Maximum-likelihood fitters (building blocks, exposed for tests)
 * ------------------------------------------------------------------------------ */

/* Continuous gamma MLE of x[0..n-1] (all > 0, not all equal): Newton's method on
 * log(k) - digamma(k) = log(mean) - mean(log x).  Returns 0, or -1 if the sample
 * cannot be fitted. */
int ech_fit_gamma_mle(const double *x, int64_t n, double *shape, double *scale);

/* Continuous lognormal MLE: mu = mean(log x), sigma^2 = mean((log x - mu)^2)
 * (divisor n).  Returns 0, or -1 if the sample cannot be fitted. */
int ech_fit_lognormal_mle(const double *x, int64_t n, double *mu, double *sigma);

/* One fitted family. */
typedef struct ech_fit_family {
    int ok;          /* the fit converged to finite parameters */
    int dist;        /* ECH_LT_GAMMA or ECH_LT_LOGNORMAL */
    double a, b;     /* gamma: shape, scale; lognormal: mu, sigma */
    double mean, sd; /* of the continuous distribution (the scenario's form) */
    double loglik;   /* of the rounded model at the data */
    double aic;      /* 2 x 2 - 2 loglik */
    double ks_d;     /* max |observed - fitted| over the day CDFs */
    double chi2;     /* chi-square statistic on binned days */
    int chi2_df;     /* bins - 3; 0 when too few bins for a test */
    double chi2_p;   /* its p-value; NAN when chi2_df is 0 */
} ech_fit_family;

/* Fits `dist` (ECH_LT_GAMMA or ECH_LT_LOGNORMAL) to lead times given as distinct
 * whole days values[0..n_values-1] >= 0 (increasing) with counts[] > 0, by maximum
 * likelihood of the rounded model, and computes its goodness of fit.  Returns 0, or
 * -1 (out->ok = 0) if it cannot be fitted (fewer than two distinct days). */
int ech_fit_lead_time(int dist, const int32_t *values, const int64_t *counts, int32_t n_values,
                      ech_fit_family *out);

/* P(L <= k) of the rounded model of a fitted family (k a whole number of days). */
double ech_fit_family_cdf(const ech_fit_family *f, int32_t k);

/* ------------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------------ */

typedef enum ech_fit_field {
    ECH_FIT_VENDOR = 0,
    ECH_FIT_PO_DATE,
    ECH_FIT_SCHEDULED,
    ECH_FIT_DELIVERED,
    ECH_FIT_ORDERED_QTY,
    ECH_FIT_DELIVERED_QTY,
    ECH_FIT_SITE,
    ECH_FIT_N_FIELDS
} ech_fit_field;

typedef enum ech_fit_group_by {
    ECH_GROUP_VENDOR = 0,      /* one supplier per vendor */
    ECH_GROUP_SITE = 1,        /* one per site */
    ECH_GROUP_VENDOR_SITE = 2, /* one per (vendor, site): id "VENDOR / SITE", or
                                * "VENDOR" for rows without a site */
} ech_fit_group_by;

typedef enum ech_fit_lead_form {
    ECH_FORM_AUTO = 0,       /* the best family, or empirical when its fit is poor */
    ECH_FORM_EMPIRICAL = 1,  /* always the observed days */
    ECH_FORM_PARAMETRIC = 2, /* always the best family, however it fits */
} ech_fit_lead_form;

typedef struct ech_fit_options {
    const char *column[ECH_FIT_N_FIELDS]; /* header names given by the user, or NULL */
    ech_date_order date_order;
    int32_t min_lead_days; /* lead times below this are invalid (default 0) */
    int drop_invalid;      /* skip and count invalid rows instead of failing */
    uint8_t group_by;      /* ech_fit_group_by */
    int64_t min_records;   /* suppliers with fewer usable rows are left out (default 20) */
    int pool_small;        /* ... or pooled into one supplier `pool_id` */
    const char *pool_id;   /* default "OTHER" */
    uint8_t lead_form;     /* ech_fit_lead_form */
    double alpha;          /* chi-square level for a poor fit (default 0.01) */
    double max_ks;         /* KS distance above which a rejected fit is poor (0.05) */
    uint8_t shortfall;     /* ech_supply_shortfall written with partial deliveries */
} ech_fit_options;

/* The defaults above. */
ech_fit_options ech_fit_options_default(void);

/* The field's name in messages and the plain schema ("vendor", "po_date", ...). */
const char *ech_fit_field_name(ech_fit_field field);

/* ------------------------------------------------------------------------------
 * Reading the history
 * ------------------------------------------------------------------------------ */

enum { ECH_FIT_EXAMPLES = 5 }; /* invalid rows remembered for the report */

/* Rows skipped because a date was not captured, by column and text. */
typedef struct ech_fit_skip {
    int field;  /* ech_fit_field */
    char *text; /* the cell's text ("" for an empty cell) */
    int64_t count;
} ech_fit_skip;

/* An invalid row (lead time out of range) dropped with drop_invalid. */
typedef struct ech_fit_invalid {
    long line;
    int32_t group;
    int32_t lead;
} ech_fit_invalid;

typedef struct ech_fit_history {
    char *path;
    char *column[ECH_FIT_N_FIELDS]; /* header names used; NULL when absent */
    int64_t rows_read;              /* data rows in the file */
    int64_t rows_dated;             /* rows with both a PO and a delivered date */
    int64_t n_invalid;              /* dated rows with an invalid lead time (dropped) */
    ech_fit_invalid invalid[ECH_FIT_EXAMPLES];
    int32_t n_skips;
    ech_fit_skip *skip;    /* not-captured reasons, in order of first appearance */
    int64_t rows_no_group; /* skipped: empty vendor (or site when grouping by it) */

    /* Groups (suppliers), in order of first appearance. */
    int32_t n_groups;
    char **group_id;
    int64_t *group_rows; /* rows naming the group, usable or not */

    /* Sites, when the file has a site column. */
    int32_t n_sites;
    char **site_id;

    /* Usable rows (dated, valid), in file order. */
    int64_t n;
    int32_t *group;
    int32_t *site;     /* -1 when unknown */
    int32_t *lead;     /* days */
    int32_t *late;     /* delivered - scheduled days; INT32_MIN when unknown */
    double *ordered;   /* NAN when unknown */
    double *delivered; /* NAN when unknown */

    /* Lead times of every dated row, invalid ones included (for comparisons with
     * published figures that do not drop them). */
    int32_t *lead_all;
} ech_fit_history;

/* Reads a history file.  Input errors (the file cannot be read or is empty, a
 * required column is missing, a date or quantity does not parse, a lead time is
 * invalid without drop_invalid) fail with ECH_ERR_INPUT and a message naming the
 * file, line and column. */
ech_status ech_fit_read_history(const char *path, const ech_fit_options *opt, ech_fit_history *h,
                                ech_error *err);

void ech_fit_history_free(ech_fit_history *h);

/* ------------------------------------------------------------------------------
 * Fitting
 * ------------------------------------------------------------------------------ */

typedef enum ech_fit_verdict {
    ECH_VERDICT_GOOD = 0,     /* the chosen family fits */
    ECH_VERDICT_POOR = 1,     /* it does not: the empirical distribution is used */
    ECH_VERDICT_CONSTANT = 2, /* every lead time is the same day: fixed */
    ECH_VERDICT_NO_FIT = 3,   /* neither family could be fitted: empirical */
} ech_fit_verdict;

/* Summary statistics of a set of whole-day values. */
typedef struct ech_fit_stats {
    int64_t n;
    double mean, sd, median, p90; /* sd with divisor n - 1; quantiles interpolated */
    int32_t min, max;
} ech_fit_stats;

typedef struct ech_supplier_fit {
    char *id;
    int32_t pooled;  /* groups pooled into it (0: one group) */
    int32_t n_sites; /* distinct sites among its rows */
    ech_fit_stats lead;

    /* The observed distribution: distinct days and their counts. */
    int32_t n_values;
    int32_t *values;
    int64_t *counts;

    ech_fit_family gamma, lognormal;
    int best;                   /* ECH_LT_GAMMA or ECH_LT_LOGNORMAL; -1 when neither fits */
    uint8_t verdict;            /* ech_fit_verdict */
    uint8_t form;               /* what is written: ECH_LT_GAMMA, _LOGNORMAL, _FIXED, _EMPIRICAL */
    int32_t min_days, max_days; /* bounds written with a parametric form */

    /* Lateness against the scheduled date, over rows that have one. */
    int64_t n_scheduled, n_late, n_early;
    double mean_days_late; /* over late rows */

    /* Quantities, over rows with both quantities and ordered > 0. */
    int64_t n_qty, n_cancel, n_partial;
    double partial_prob;               /* partial lines / lines not cancelled */
    double cancel_prob;                /* cancelled lines / lines */
    double fraction_mean, fraction_sd; /* delivered fraction of partial lines (beta moments) */
} ech_supplier_fit;

typedef struct ech_fit_result {
    ech_fit_options opt;
    int has_quantities; /* the file has both quantity columns */
    int has_scheduled;
    ech_fit_stats pooled;     /* every usable row */
    ech_fit_stats pooled_all; /* every dated row, invalid ones included */
    int32_t n;                /* fitted suppliers, by usable rows (then id); pool last */
    ech_supplier_fit *s;
    int32_t n_small;     /* groups with too few usable rows (left out or pooled) */
    int32_t *small;      /* their group indices, by usable rows */
    int64_t *small_rows; /* their usable rows */
    int32_t n_unused;    /* groups with no usable row */
    int32_t *unused;     /* their group indices, by rows */
} ech_fit_result;

/* Fits every group with at least opt->min_records usable rows. */
ech_status ech_fit_suppliers(const ech_fit_history *h, const ech_fit_options *opt,
                             ech_fit_result *res, ech_error *err);

void ech_fit_result_free(ech_fit_result *res);

/* ------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------ */

/* Writes the fitted suppliers as a YAML `suppliers:` list in the scenario schema,
 * after a comment header naming the input and its row counts. */
void ech_fit_write_yaml(FILE *out, const ech_fit_history *h, const ech_fit_result *res);

/* Writes the human-readable report: what was read and skipped, then one table of
 * the suppliers sorted by record count. */
void ech_fit_write_report(FILE *out, const ech_fit_history *h, const ech_fit_result *res);

/* Writes s as a YAML double-quoted scalar (backslash escapes for '"', '\' and
 * control characters; other bytes, UTF-8 included, as they are). */
void ech_fit_yaml_quote(FILE *out, const char *s);

#ifdef __cplusplus
}
#endif

#endif
