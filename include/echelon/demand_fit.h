/* Calibrating demand models from sales history (`echelon calibrate`).
 *
 * Input: HISTORY.csv, one row per SKU-location and period (day, week or month) with
 * the units sold and, optionally, the closing stock or the days without stock; and
 * optionally EVENTS.csv (promotions, calendar events).  Output: per SKU-location the
 * demand model the scenario simulates (docs/MODEL.md section 5): a level, a
 * dispersion and zero inflation, a weekly and a yearly profile, a trend and the
 * events' uplifts, with every period's mean
 *
 *     mean(t) = level x weekly[weekday] x yearly[month] x max(0, 1 + trend x years)
 *               x product of the uplifts of the events covering t
 *
 * and demand drawn from the zero-inflated negative binomial of the scenario
 * (variance = var_ratio x mean of the base, size mean / (var_ratio - 1)).
 *
 * Fitting is by maximum likelihood (damped Newton with the exact Hessian, box
 * bounds, an iteration cap).  A period that ended without stock is censored: it
 * contributes P(demand >= sales), not P(demand = sales), so stock-outs do not bias
 * the level down.  Sparse series borrow the shape of their pool (SKU group and
 * location region, then all series); one uplift per event name is estimated from
 * every series the event covers.  docs/MODEL.md section 5.1 gives the model and the
 * procedure in full.
 */
#ifndef ECHELON_DEMAND_FIT_H
#define ECHELON_DEMAND_FIT_H

#include "echelon/error.h"

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------------ */

typedef enum ech_dfit_period {
    ECH_PERIOD_DETECT = -1, /* from the spacing of the dates (day when in doubt) */
    ECH_PERIOD_DAY = 0,
    ECH_PERIOD_WEEK = 1,  /* a row's date is the first day of its week */
    ECH_PERIOD_MONTH = 2, /* a row's date is the first day of its month */
} ech_dfit_period;

typedef struct ech_dfit_options {
    int period;           /* ech_dfit_period */
    int32_t holdout_days; /* periods starting in the last N days are forecast, not fitted,
                            * for the report's error figures (0: none; default 56) */
    int32_t min_nonzero;  /* series with fewer non-zero periods take their shape from a
                            * pool (default 100) */
    int32_t pool_sample;  /* at most this many members fit a pool's shape (default 200) */
    int weekly;           /* estimate weekly profiles (daily histories; default 1) */
    int yearly;           /* estimate yearly profiles (default 1) */
    int trend;            /* estimate trends (default 1) */
    int zero_inflation;   /* estimate zero inflation (daily histories; default 1) */
    int ignore_censoring; /* treat every period as uncensored (the naive estimate) */
    int32_t origin;       /* the date the level refers to and the trend counts from
                            * (days since 1970-01-01); INT32_MIN: the day after the
                            * history's last period */
    double prior_sd;      /* sd of the ridge on log profile factors and log uplifts
                            * (default 1) */
    int32_t max_iter;     /* Newton iterations per fit (default 100) */
    int threads;          /* OpenMP threads (0: the runtime's default) */
} ech_dfit_options;

ech_dfit_options ech_dfit_options_default(void);

/* Limits of the input: bigger numbers are bad input. */
#define ECH_DFIT_MAX_SALES 1e7      /* units in one period */
#define ECH_DFIT_MAX_SPAN_DAYS 7305 /* 20 years from a series' first to last period */
#define ECH_DFIT_MAX_UPLIFT 100.0   /* an event multiplies demand by at most this */

/* ------------------------------------------------------------------------------
 * The history
 * ------------------------------------------------------------------------------ */

/* Flags of a period. */
enum {
    ECH_DFIT_GIVEN = 1,         /* a row gave the period (else 0 sales, not censored) */
    ECH_DFIT_STOCK0 = 2,        /* the closing stock was 0 */
    ECH_DFIT_SO_SHIFT = 2,      /* stockout days are (flags >> 2) & 31 */
    ECH_DFIT_STOCK_KNOWN = 128, /* the row gave the closing stock */
};

/* Days of a period that ended without stock. */
static inline int ech_dfit_stockout_days(uint8_t flags)
{
    return (flags >> ECH_DFIT_SO_SHIFT) & 31;
}

typedef struct ech_dfit_series {
    int32_t sku, location;
    int32_t first; /* its first period (index into the history's periods) */
    int32_t n;     /* periods from its first to its last row, missing ones as 0 */
    float *sales;  /* n values */
    uint8_t *flags;
    long line; /* the line of its first row, for messages */
} ech_dfit_series;

typedef struct ech_dfit_history {
    char *path;
    uint8_t period; /* ech_dfit_period, detected or given */
    int has_stock, has_stockout;
    int64_t rows;
    int32_t first_date; /* start of period 0 (days since 1970-01-01) */
    int32_t n_periods;  /* periods from first_date to the last row's */

    int32_t n_skus;
    char **sku;
    int32_t *sku_group; /* -1: none */
    int32_t n_locations;
    char **location;
    int32_t *location_region; /* -1: none */
    int32_t n_groups;
    char **group;
    int32_t n_regions;
    char **region;

    int32_t n_series; /* in order of first appearance */
    ech_dfit_series *series;

    /* Calendar of the periods' days (private to the library). */
    int32_t cal_days;        /* days from first_date through the last period's end */
    int32_t *cal_month;      /* per day: year x 12 + month - 1 */
    int32_t cal_first_month; /* cal_month of day 0 */
    int32_t *cal_mid;        /* per month from cal_first_month: its 15th (days) */
    int32_t cal_months;
} ech_dfit_history;

/* Reads HISTORY.csv.  Columns (by header, order free, others refused): date, sku,
 * location, sales (required); stock, stockout_days, group, region (optional).
 * With opt->period ECH_PERIOD_DETECT the period is found from the dates.  Bad input
 * (negative or absurd numbers, a date out of order within a series, a duplicate
 * row, a week or month date that does not start its period, a SKU in two groups)
 * fails with ECH_ERR_INPUT naming the file, line and column. */
ech_status ech_dfit_read_history(const char *path, const ech_dfit_options *opt, ech_dfit_history *h,
                                 ech_error *err);

void ech_dfit_history_free(ech_dfit_history *h);

/* The first day of period p and its length in days. */
int32_t ech_dfit_period_start(const ech_dfit_history *h, int32_t p);
int32_t ech_dfit_period_days(const ech_dfit_history *h, int32_t p);

/* ------------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------------ */

typedef struct ech_dfit_events {
    char *path;
    int32_t n_names;
    char **name;
    double *given;        /* per name: the uplift the file gives, NaN: to estimate */
    int32_t n;            /* rows */
    int32_t *event;       /* per row: its name */
    int32_t *start, *end; /* inclusive, days since 1970-01-01 */
    char **sku, **group, **location, **region; /* scopes; NULL: any */
    long *line;
} ech_dfit_events;

/* Reads EVENTS.csv: name, start_date, end_date (required), uplift, sku, group,
 * location, region (optional).  Rows of one name give one uplift or none. */
ech_status ech_dfit_read_events(const char *path, ech_dfit_events *ev, ech_error *err);

void ech_dfit_events_free(ech_dfit_events *ev);

/* ------------------------------------------------------------------------------
 * Likelihood pieces (exposed for tests)
 * ------------------------------------------------------------------------------ */

/* log P(D >= s) for D negative binomial with size k > 0 and success probability p
 * (mean k (1 - p) / p), s >= 0 whole, and its derivatives with respect to k and to
 * rho = log(1 / p - 1) (d[0] = d/dk, d[1] = d/drho; h[0] = d2/dk2, h[1] = d2/dk drho,
 * h[2] = d2/drho2).  d and h may be NULL. */
double ech_dfit_nb_log_tail(double s, double k, double p, double *d, double *h);

/* E[D | D >= s] for the same distribution. */
double ech_dfit_nb_tail_mean(double s, double k, double p);

/* The log-likelihood of one period's sales y under the scenario's model at mean mu
 * (> 0), variance ratio r (>= 1) and zero inflation pi, censored (demand >= y) or
 * not, and its gradient with respect to (log mu, r - 1, pi) into g[3]
 * and Hessian into h[6] (00, 01, 02, 11, 12, 22); g and h may be NULL. */
double ech_dfit_period_loglik(double y, int censored, double mu, double r, double pi, double *g,
                              double *h);

/* ------------------------------------------------------------------------------
 * Fitting
 * ------------------------------------------------------------------------------ */

typedef enum ech_dfit_class {
    ECH_CLASS_SMOOTH = 0,       /* ADI < 1.32, CV2 < 0.49 */
    ECH_CLASS_ERRATIC = 1,      /* ADI < 1.32, CV2 >= 0.49 */
    ECH_CLASS_INTERMITTENT = 2, /* ADI >= 1.32, CV2 < 0.49 */
    ECH_CLASS_LUMPY = 3,        /* ADI >= 1.32, CV2 >= 0.49 */
    ECH_CLASS_NO_SALES = 4,     /* nothing sold */
} ech_dfit_class;

const char *ech_dfit_class_name(int cls);

typedef enum ech_dfit_status {
    ECH_FIT_CONVERGED = 0,
    ECH_FIT_ITER_LIMIT = 1, /* stopped at max_iter: the estimate is used as it is */
    ECH_FIT_FAILED = 2,     /* no finite fit: the shape of the pool, the level by moments */
    ECH_FIT_NONE = 3,       /* not fitted (no sales) */
} ech_dfit_status;

/* Where a block of a series' parameters came from. */
enum { ECH_SOURCE_NONE = -2, ECH_SOURCE_OWN = -1 }; /* else a pool's index */

enum {
    ECH_BLOCK_WEEKLY = 0,
    ECH_BLOCK_YEARLY,
    ECH_BLOCK_TREND,
    ECH_BLOCK_DISPERSION,
    ECH_BLOCK_COUNT
};

/* The fitted model of one series (or pool).  Log factors are as fitted (not yet
 * scaled to mean 1). */
typedef struct ech_dfit_model {
    double level;      /* log of the daily mean before profiles, trend and events */
    double weekly[7];  /* log factors Monday..Sunday */
    double yearly[12]; /* log factors January..December */
    double trend;      /* per year, from the origin */
    double var_ratio;  /* >= 1 */
    double zero_prob;
} ech_dfit_model;

typedef struct ech_dfit_series_fit {
    ech_dfit_model m;
    double demand_mean; /* daily, averaged over a year, at the origin (profiles at mean 1) */
    int32_t source[ECH_BLOCK_COUNT];
    uint8_t cls, status;
    int32_t periods, nonzero, censored;
    double adi, cv2;
    double loglik; /* at the fit, over the fitted periods */
    int32_t iterations;
    /* Hold-out: periods forecast, mean absolute scaled error, bias. */
    int32_t ho_periods;
    double mase, bias, rel_bias, mae_scale; /* NaN when undefined */
} ech_dfit_series_fit;

/* A pool: series sharing their shape, each with its own level. */
typedef struct ech_dfit_pool {
    char *name;             /* "all", "group:G", "region:R", "group:G@region:R" */
    int32_t members;        /* series in it with sales */
    int64_t nonzero;        /* their non-zero periods */
    int32_t fitted_members; /* those that fitted its shape */
    int estimated[ECH_BLOCK_COUNT];
    int used; /* some series takes a block from it */
    uint8_t status;
    ech_dfit_model m;
} ech_dfit_pool;

typedef struct ech_dfit_result {
    ech_dfit_options opt;
    int32_t origin;
    int32_t n_series;
    ech_dfit_series_fit *fit;
    int32_t n_pools;
    ech_dfit_pool *pool;
    int32_t n_events;
    double *uplift;        /* per event name */
    double *uplift_se;     /* standard error of log uplift; NaN when given or unknown */
    int32_t *event_series; /* series each event covers */
    double seconds;
    struct ech_dfit_context *ctx; /* private: what the writers need to evaluate means */
} ech_dfit_result;

/* Fits every series of h (ev may be NULL).  Results are the same at any number of
 * threads. */
ech_status ech_dfit_run(const ech_dfit_history *h, const ech_dfit_events *ev,
                        const ech_dfit_options *opt, ech_dfit_result *res, ech_error *err);

void ech_dfit_result_free(ech_dfit_result *res);

/* The fitted mean demand of series s over its period i (units in the period). */
double ech_dfit_period_mean(const ech_dfit_result *res, int32_t s, int32_t i);

/* ------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------ */

/* DEMAND.csv: sku,location,demand_mean,demand_var_ratio,demand_zero_prob,
 * trend_per_year,seasonality,weekly_profile. */
void ech_dfit_write_demand(FILE *out, const ech_dfit_history *h, const ech_dfit_result *res);

/* PROFILES.csv: name,kind,v1..v12 for every profile DEMAND.csv names. */
void ech_dfit_write_profiles(FILE *out, const ech_dfit_history *h, const ech_dfit_result *res);

/* EVENTS.csv as read, with the uplift column filled in. */
void ech_dfit_write_events(FILE *out, const ech_dfit_events *ev, const ech_dfit_result *res);

/* Restored demand: sku,location,date,sales,censored,demand per period: the sales,
 * or E[demand | demand >= sales] in censored periods. */
void ech_dfit_write_restored(FILE *out, const ech_dfit_history *h, const ech_dfit_events *ev,
                             const ech_dfit_result *res);

/* The report: one row per series (fit statistics, sources, hold-out errors, class). */
void ech_dfit_write_report(FILE *out, const ech_dfit_history *h, const ech_dfit_result *res);

/* A few lines for stdout: series, classes, censored share, median MASE, time. */
void ech_dfit_write_summary(FILE *out, const ech_dfit_history *h, const ech_dfit_events *ev,
                            const ech_dfit_result *res);

/* The name of series s's own profiles: "SKU@LOCATION". */
void ech_dfit_own_name(const ech_dfit_history *h, int32_t s, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
