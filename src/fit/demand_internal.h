/* Private to the demand calibration (src/fit/demand_*.c): the likelihood of a
 * group of periods as a function of (log mean, r - 1, pi) with its first
 * and second derivatives, and the fitter's problem and workspace. */
#ifndef ECHELON_DEMAND_INTERNAL_H
#define ECHELON_DEMAND_INTERNAL_H

#include "echelon/demand_fit.h"

#include <stdint.h>

/* ------------------------------------------------------------------------------
 * Second-order jets in three variables: 0 = eta (log mean), 1 = rho (log(r - 1)),
 * 2 = pi (zero inflation).  h holds the Hessian's upper triangle: 00 01 02 11 12 22.
 * ------------------------------------------------------------------------------ */

typedef struct jet {
    double v, g[3], h[6];
} jet;

/* ------------------------------------------------------------------------------
 * A cell: periods of one member that share every covariate, so they share one mean
 * ------------------------------------------------------------------------------ */

enum { DF_MAX_MONTHS = 2 }; /* months a period touches (a week may straddle two) */

typedef struct dcell {
    int32_t member;
    int8_t weekday; /* 0..6, -1: none (weekly and monthly periods) */
    int8_t n_month;
    int8_t month[DF_MAX_MONTHS]; /* 0..11 */
    double month_share[DF_MAX_MONTHS];
    double years;           /* trend covariate: mid-month of the period's middle day - origin */
    double log_exposure;    /* log(days that could sell) */
    int32_t ev_first, n_ev; /* into the problem's ev_index / ev_share */
    /* The data: uncensored positive sales in y[pos_first .. + n_pos), uncensored
     * zeros, censored sales > 0 in y[cen_first .. + n_cen). */
    int32_t pos_first, n_pos, n_zero, cen_first, n_cen;
    double sum_pos; /* sum of the uncensored positive sales */
    double lfact;   /* -sum lgamma(y + 1) over them (a constant of the likelihood) */
} dcell;

/* What every cell of an evaluation shares: functions of phi and pi. */
typedef struct df_lik_shared {
    double phi, pi, p;
    double lp, lp1, lp2;                          /* log p and its first two derivatives in phi */
    double l1mp, l1mp1, l1mp2;                    /* log(1 - p) and its derivatives */
    double l1mpi;                                 /* log(1 - pi) */
    double kappa0, k_phi, k_phiphi, k_pi, k_pipi; /* log k - eta and its derivatives */
} df_lik_shared;

void ech_dfit_lik_shared(double phi, double pi, df_lik_shared *sh);

/* The log-likelihood of a cell at (eta, phi, pi), y its problem's values; without
 * the derivatives. */
jet ech_dfit_cell_jet(const dcell *c, const double *y, double eta, const df_lik_shared *sh);
double ech_dfit_cell_value(const dcell *c, const double *y, double eta, const df_lik_shared *sh);

/* A(y, k) = lgamma(y + k) - lgamma(k) and its first two derivatives in k. */
void ech_dfit_lgamma_diff(double y, double k, double *a, double *d1, double *d2);

/* The NB's tail P(D >= s) for s >= 1: log Q, and optionally its gradient and Hessian
 * in (k, rho) and the tail mean. */
double ech_dfit_tail(double s, double k, double p, double *d, double *h, double *tail_mean);

/* ------------------------------------------------------------------------------
 * The fitting problem: members (series) each with a level, shared parameters
 * ------------------------------------------------------------------------------ */

/* Shared parameter layout. */
enum {
    DF_W = 0, /* 7 weekday log factors */
    DF_S = 7, /* 12 month log factors */
    DF_TREND = 19,
    DF_PHI = 20, /* r - 1 */
    DF_PI = 21,
    DF_EV = 22, /* event log uplifts from here */
};

typedef struct df_member {
    int32_t series;
    double level;
    int free;
    int32_t first_cell, n_cells;
    int32_t nonzero, periods;
} df_member;

typedef struct df_problem {
    /* shared parameters */
    int32_t np;
    double *theta, *lo, *hi, *prior_mean, *prior_prec;
    uint8_t *free;
    int32_t n_ev;
    int32_t *ev_global; /* local event -> event name */
    /* members and their cells */
    int32_t n_members, cap_members;
    df_member *member;
    int32_t n_cells, cap_cells;
    dcell *cell;
    int32_t n_y, cap_y;
    double *y;
    int32_t n_evs, cap_evs;
    int32_t *ev_index;
    double *ev_share;
    /* results */
    double loglik; /* of the data at the estimate (no penalty) */
    int32_t iterations;
    uint8_t status;
    double *ev_var; /* per local event: variance of the estimate (NaN: not free) */
} df_problem;

/* Context shared by every fit: the history, its events, options, the origin. */
struct ech_dfit_context {
    const ech_dfit_history *h;
    const ech_dfit_events *ev;
    const ech_dfit_options *opt;
    int threads; /* OpenMP threads of the parallel loops */
    int32_t origin;
    int32_t n_events;
    /* per series: event rows that apply to it (CSR) */
    int64_t *ev_row_begin;
    int32_t *ev_rows;
};
typedef struct ech_dfit_context df_context;

void df_problem_init(df_problem *pb);
void df_problem_free(df_problem *pb);
void df_problem_reset(df_problem *pb);

/* Adds series s's periods [0, n_use) as a member (events in `ev_fixed` get no
 * parameter: their uplifts, log, go into the cells' exposure). */
void df_add_member(df_problem *pb, const df_context *cx, int32_t s, int32_t n_use,
                   const double *ev_fixed_log);

/* Maximises the penalised likelihood over the free parameters. */
void df_fit(df_problem *pb, int32_t max_iter);

/* Fits the members' levels with every shared parameter as it is (members whose
 * shape comes from a pool): each level makes the expected demand equal to the
 * sales with the censored periods' demand restored. */
void df_fit_levels(df_problem *pb, int32_t max_iter);

/* Penalised log-likelihood at the current parameters (no derivatives). */
double df_value(const df_problem *pb);

/* The daily-mean model of series s at period p from a model and event log uplifts. */
double df_period_mean(const df_context *cx, const ech_dfit_model *m, const double *ev_log,
                      int32_t s, int32_t p);

/* Whether period i of series s is censored as the fit sees it, and the share of the
 * period that could sell. */
int df_censored(const df_context *cx, const ech_dfit_series *se, int32_t i, double *share);

#endif
