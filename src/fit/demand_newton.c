/* The fitter of the demand calibration: a problem is one or more member series,
 * each with its own level, sharing the other parameters (a single series is a
 * problem of one member; a pool is many).  The penalised log-likelihood is
 * maximised by Newton's method with the exact Hessian: the levels form a diagonal
 * block, eliminated through the Schur complement, so a pool of many members costs
 * one small dense solve per step.  Steps are damped (Levenberg) until the matrix is
 * positive definite, kept inside the box bounds, and halved until the objective
 * rises; the iterations are capped.
 */
#include "demand_internal.h"
#include "echelon/repro_math.h"

#include "echelon/scenario.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DF_DAYS_MAX = 31 };

/* ------------------------------------------------------------------------------
 * Problem storage
 * ------------------------------------------------------------------------------ */

void df_problem_init(df_problem *pb)
{
    memset(pb, 0, sizeof *pb);
}

void df_problem_free(df_problem *pb)
{
    free(pb->theta);
    free(pb->lo);
    free(pb->hi);
    free(pb->prior_mean);
    free(pb->prior_prec);
    free(pb->free);
    free(pb->ev_global);
    free(pb->ev_var);
    free(pb->member);
    free(pb->cell);
    free(pb->y);
    free(pb->ev_index);
    free(pb->ev_share);
    memset(pb, 0, sizeof *pb);
}

static void grow(void **p, int32_t *cap, int32_t need, size_t size, const char *what)
{
    if (need <= *cap)
        return;
    int32_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    *p = ech_xrealloc(*p, (size_t)c * size, what);
    *cap = c;
}

/* Room for np shared parameters. */
static void set_np(df_problem *pb, int32_t np)
{
    size_t n = (size_t)np;
    pb->theta = ech_xrealloc(pb->theta, n * sizeof(double), "fit parameters");
    pb->lo = ech_xrealloc(pb->lo, n * sizeof(double), "fit parameters");
    pb->hi = ech_xrealloc(pb->hi, n * sizeof(double), "fit parameters");
    pb->prior_mean = ech_xrealloc(pb->prior_mean, n * sizeof(double), "fit parameters");
    pb->prior_prec = ech_xrealloc(pb->prior_prec, n * sizeof(double), "fit parameters");
    pb->free = ech_xrealloc(pb->free, n, "fit parameters");
    pb->ev_global =
        ech_xrealloc(pb->ev_global, (n > DF_EV ? n - DF_EV : 1) * sizeof(int32_t), "fit events");
    pb->ev_var =
        ech_xrealloc(pb->ev_var, (n > DF_EV ? n - DF_EV : 1) * sizeof(double), "fit events");
    pb->np = np;
}

void df_problem_reset(df_problem *pb)
{
    pb->n_members = pb->n_cells = pb->n_y = pb->n_evs = 0;
    pb->n_ev = 0;
    set_np(pb, DF_EV);
    pb->loglik = 0;
    pb->iterations = 0;
    pb->status = ECH_FIT_NONE;
}

static int32_t local_event(df_problem *pb, int32_t global)
{
    for (int32_t i = 0; i < pb->n_ev; ++i)
        if (pb->ev_global[i] == global)
            return i;
    set_np(pb, pb->np + 1);
    pb->ev_global[pb->n_ev] = global;
    return pb->n_ev++;
}

/* ------------------------------------------------------------------------------
 * Periods' covariates
 * ------------------------------------------------------------------------------ */

typedef struct period_cov {
    int8_t weekday, n_month;
    int8_t month[DF_MAX_MONTHS];
    double month_share[DF_MAX_MONTHS];
    double years;
    int32_t days;
    int32_t n_ev;
    int32_t ev[64];      /* event names covering the period */
    double ev_share[64]; /* share of the period's days they cover */
} period_cov;

/* Covariates of period i of series s. */
static void covariates(const df_context *cx, int32_t s, int32_t i, period_cov *c)
{
    const ech_dfit_history *h = cx->h;
    int32_t p = h->series[s].first + i;
    int32_t start = ech_dfit_period_start(h, p), days = ech_dfit_period_days(h, p);
    c->days = days;
    c->weekday = h->period == ECH_PERIOD_DAY ? (int8_t)ech_weekday_of_date(start) : -1;
    c->n_month = 0;
    for (int32_t d = 0; d < days; ++d) {
        int8_t m = (int8_t)(h->cal_month[start + d - h->first_date] % 12);
        if (c->n_month == 0 || c->month[c->n_month - 1] != m) {
            c->month[c->n_month] = m;
            c->month_share[c->n_month] = 0;
            c->n_month++;
        }
        c->month_share[c->n_month - 1] += 1.0 / days;
    }
    /* The trend at the middle of the month of the period's middle day, as the
     * scenario evaluates it (constant within a calendar month). */
    int32_t mid = start + (days - 1) / 2;
    int32_t ym = h->cal_month[mid - h->first_date] - h->cal_first_month;
    c->years = (double)(h->cal_mid[ym] - cx->origin) / 365.25;
    c->n_ev = 0;
    if (!cx->ev)
        return;
    for (int64_t r = cx->ev_row_begin[s]; r < cx->ev_row_begin[s + 1]; ++r) {
        int32_t row = cx->ev_rows[r];
        int32_t a = cx->ev->start[row] > start ? cx->ev->start[row] : start;
        int32_t b = cx->ev->end[row] < start + days - 1 ? cx->ev->end[row] : start + days - 1;
        if (b < a)
            continue;
        int32_t name = cx->ev->event[row], k = 0;
        while (k < c->n_ev && c->ev[k] != name)
            ++k;
        if (k == c->n_ev) {
            if (c->n_ev == 64)
                continue; /* more than 64 events at once: the rest are left out */
            c->ev[k] = name;
            c->ev_share[k] = 0;
            c->n_ev++;
        }
        c->ev_share[k] += (double)(b - a + 1) / days;
    }
}

int df_censored(const df_context *cx, const ech_dfit_series *se, int32_t i, double *share)
{
    *share = 1;
    if (cx->opt->ignore_censoring)
        return 0;
    uint8_t f = se->flags[i];
    int z = ech_dfit_stockout_days(f);
    int32_t days = ech_dfit_period_days(cx->h, se->first + i);
    if (days == 1 || z == 0)
        return z > 0 || (f & ECH_DFIT_STOCK0);
    /* A longer period with z days that ended without stock.  When each of its days
     * ran out is unknown, and depends on that week's demand, so the period is not
     * read as censored (that would make the censoring depend on the demand it
     * hides): the days that ended with stock sold all that was asked, the day the
     * stock ran out half of it on average, the others nothing.  Stock at the end
     * after the period before ended empty: the shelf was empty from the start until
     * a delivery, and no day ran out. */
    int carried = (f & ECH_DFIT_STOCK_KNOWN) && !(f & ECH_DFIT_STOCK0) && i > 0 &&
                  (se->flags[i - 1] & ECH_DFIT_STOCK0);
    *share = (days - z + (carried ? 0 : 0.5)) / days;
    return 0;
}

double df_period_mean(const df_context *cx, const ech_dfit_model *m, const double *ev_log,
                      int32_t s, int32_t i)
{
    period_cov c;
    covariates(cx, s, i, &c);
    double eta = m->level + ech_log((double)c.days);
    if (c.weekday >= 0)
        eta += m->weekly[c.weekday];
    for (int k = 0; k < c.n_month; ++k)
        eta += c.month_share[k] * m->yearly[c.month[k]];
    for (int32_t k = 0; k < c.n_ev; ++k)
        if (ev_log && ev_log[c.ev[k]] == ev_log[c.ev[k]])
            eta += c.ev_share[k] * ev_log[c.ev[k]];
    double trend = 1 + m->trend * c.years;
    return trend > 0 ? ech_exp(eta) * trend : 0;
}

/* ------------------------------------------------------------------------------
 * Building cells
 * ------------------------------------------------------------------------------ */

typedef struct prec {
    int8_t weekday, n_month;
    int8_t month[DF_MAX_MONTHS];
    double month_share[DF_MAX_MONTHS];
    double years, log_exposure;
    int32_t combo; /* events with parameters covering it (index into the combos) */
    int32_t i;     /* period of the series */
    int censored;
    double y;
} prec;

static int cmp_prec(const void *pa, const void *pb)
{
    const prec *a = pa, *b = pb;
#define CMP(x)        \
    if (a->x != b->x) \
        return a->x < b->x ? -1 : 1;
    CMP(weekday)
    CMP(n_month)
    for (int k = 0; k < a->n_month; ++k) {
        CMP(month[k])
        CMP(month_share[k])
    }
    CMP(years)
    CMP(log_exposure)
    CMP(combo)
    CMP(i)
#undef CMP
    return 0;
}

static int same_cell(const prec *a, const prec *b)
{
    if (a->weekday != b->weekday || a->n_month != b->n_month || a->years != b->years ||
        a->log_exposure != b->log_exposure || a->combo != b->combo)
        return 0;
    for (int k = 0; k < a->n_month; ++k)
        if (a->month[k] != b->month[k] || a->month_share[k] != b->month_share[k])
            return 0;
    return 1;
}

/* Event combinations of a member: lists of (local event, share). */
typedef struct combos {
    int32_t n, cap, n_items, cap_items;
    int32_t *first, *count;
    int32_t *ev;
    double *share;
} combos;

static int32_t combo_find(combos *cb, const int32_t *ev, const double *share, int32_t n)
{
    for (int32_t c = 0; c < cb->n; ++c) {
        if (cb->count[c] != n)
            continue;
        int same = 1;
        for (int32_t k = 0; k < n && same; ++k)
            same = cb->ev[cb->first[c] + k] == ev[k] && cb->share[cb->first[c] + k] == share[k];
        if (same)
            return c;
    }
    grow((void **)&cb->first, &cb->cap, cb->n + 1, sizeof(int32_t), "event combinations");
    cb->count = ech_xrealloc(cb->count, (size_t)cb->cap * sizeof(int32_t), "event combinations");
    int32_t cap = cb->cap_items;
    grow((void **)&cb->ev, &cb->cap_items, cb->n_items + n, sizeof(int32_t), "event combinations");
    if (cb->cap_items != cap)
        cb->share = ech_xrealloc(cb->share, (size_t)cb->cap_items * sizeof(double), "events");
    cb->first[cb->n] = cb->n_items;
    cb->count[cb->n] = n;
    if (n > 0) {
        memcpy(cb->ev + cb->n_items, ev, (size_t)n * sizeof(int32_t));
        memcpy(cb->share + cb->n_items, share, (size_t)n * sizeof(double));
    }
    cb->n_items += n;
    return cb->n++;
}

void df_add_member(df_problem *pb, const df_context *cx, int32_t s, int32_t n_use,
                   const double *ev_fixed_log)
{
    const ech_dfit_series *se = &cx->h->series[s];
    grow((void **)&pb->member, &pb->cap_members, pb->n_members + 1, sizeof(df_member),
         "fit members");
    df_member *mb = &pb->member[pb->n_members];
    memset(mb, 0, sizeof *mb);
    mb->series = s;
    mb->free = 1;
    mb->first_cell = pb->n_cells;
    mb->level = NAN;

    prec *pr = ech_xmalloc((size_t)(n_use > 0 ? n_use : 1) * sizeof *pr, "fit periods");
    combos cb;
    memset(&cb, 0, sizeof cb);
    int32_t n = 0;
    period_cov c;
    int32_t ev[64];
    double sh[64];
    for (int32_t i = 0; i < n_use; ++i) {
        double share;
        int cen = df_censored(cx, se, i, &share);
        double y = se->sales[i];
        mb->periods++;
        mb->nonzero += y > 0;
        if ((cen && y <= 0) || share <= 0)
            continue; /* demand >= 0, or no day could sell: no information */
        covariates(cx, s, i, &c);
        prec *q = &pr[n++];
        q->weekday = c.weekday;
        q->n_month = c.n_month;
        for (int k = 0; k < DF_MAX_MONTHS; ++k) {
            q->month[k] = k < c.n_month ? c.month[k] : 0;
            q->month_share[k] = k < c.n_month ? c.month_share[k] : 0;
        }
        q->years = c.years;
        q->log_exposure = ech_log(c.days * share);
        int32_t ne = 0;
        for (int32_t k = 0; k < c.n_ev; ++k) {
            double fixed = ev_fixed_log ? ev_fixed_log[c.ev[k]] : NAN;
            if (fixed == fixed) {
                q->log_exposure += c.ev_share[k] * fixed;
            } else {
                ev[ne] = local_event(pb, c.ev[k]);
                sh[ne++] = c.ev_share[k];
            }
        }
        q->combo = combo_find(&cb, ev, sh, ne);
        q->i = i;
        q->censored = cen;
        q->y = y;
    }
    qsort(pr, (size_t)n, sizeof *pr, cmp_prec);
    for (int32_t a = 0; a < n;) {
        int32_t b = a + 1;
        while (b < n && same_cell(&pr[a], &pr[b]))
            ++b;
        grow((void **)&pb->cell, &pb->cap_cells, pb->n_cells + 1, sizeof(dcell), "fit cells");
        dcell *cl = &pb->cell[pb->n_cells++];
        memset(cl, 0, sizeof *cl);
        cl->member = pb->n_members;
        cl->weekday = pr[a].weekday;
        cl->n_month = pr[a].n_month;
        for (int k = 0; k < DF_MAX_MONTHS; ++k) {
            cl->month[k] = pr[a].month[k];
            cl->month_share[k] = pr[a].month_share[k];
        }
        cl->years = pr[a].years;
        cl->log_exposure = pr[a].log_exposure;
        int32_t co = pr[a].combo;
        cl->ev_first = pb->n_evs;
        cl->n_ev = cb.count[co];
        int32_t cap = pb->cap_evs;
        grow((void **)&pb->ev_index, &pb->cap_evs, pb->n_evs + cl->n_ev, sizeof(int32_t),
             "fit events");
        if (pb->cap_evs != cap)
            pb->ev_share =
                ech_xrealloc(pb->ev_share, (size_t)pb->cap_evs * sizeof(double), "fit events");
        for (int32_t k = 0; k < cl->n_ev; ++k) {
            pb->ev_index[pb->n_evs] = cb.ev[cb.first[co] + k];
            pb->ev_share[pb->n_evs++] = cb.share[cb.first[co] + k];
        }
        /* The data: positive sales, then zeros (counted), then censored sales. */
        grow((void **)&pb->y, &pb->cap_y, pb->n_y + (b - a), sizeof(double), "fit data");
        cl->pos_first = pb->n_y;
        for (int32_t j = a; j < b; ++j)
            if (!pr[j].censored && pr[j].y > 0) {
                pb->y[pb->n_y++] = pr[j].y;
                cl->n_pos++;
                cl->sum_pos += pr[j].y;
                cl->lfact -= ech_lgamma(pr[j].y + 1);
            } else if (!pr[j].censored) {
                cl->n_zero++;
            }
        cl->cen_first = pb->n_y;
        for (int32_t j = a; j < b; ++j)
            if (pr[j].censored) {
                pb->y[pb->n_y++] = pr[j].y;
                cl->n_cen++;
            }
        a = b;
    }
    mb->n_cells = pb->n_cells - mb->first_cell;
    free(pr);
    free(cb.first);
    free(cb.count);
    free(cb.ev);
    free(cb.share);
    pb->n_members++;
}

/* ------------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------------ */

/* Sparse derivative of a cell's eta: (shared parameter, coefficient). */
typedef struct deta {
    int32_t n;
    int32_t idx[8 + 64];
    double coef[8 + 64];
    double eta;
    double trend_d2; /* d2 eta / d trend2 */
    int ok;          /* 1 + trend x years > 0 */
} deta;

static void cell_eta(const df_problem *pb, const dcell *c, deta *d)
{
    const double *th = pb->theta;
    double eta = pb->member[c->member].level + c->log_exposure;
    d->n = 0;
    if (c->weekday >= 0) {
        eta += th[DF_W + c->weekday];
        d->idx[d->n] = DF_W + c->weekday;
        d->coef[d->n++] = 1;
    }
    for (int k = 0; k < c->n_month; ++k) {
        eta += c->month_share[k] * th[DF_S + c->month[k]];
        d->idx[d->n] = DF_S + c->month[k];
        d->coef[d->n++] = c->month_share[k];
    }
    for (int32_t k = 0; k < c->n_ev; ++k) {
        int32_t e = pb->ev_index[c->ev_first + k];
        double sh = pb->ev_share[c->ev_first + k];
        eta += sh * th[DF_EV + e];
        d->idx[d->n] = DF_EV + e;
        d->coef[d->n++] = sh;
    }
    double t = 1 + th[DF_TREND] * c->years;
    d->ok = t > 0;
    if (d->ok) {
        eta += ech_log(t);
        d->idx[d->n] = DF_TREND;
        d->coef[d->n++] = c->years / t;
        d->trend_d2 = -(c->years / t) * (c->years / t);
    }
    d->eta = eta;
}

/* Gradient and Hessian: shared block (np x np, full), per member level entries. */
typedef struct df_derivs {
    double *g, *H;          /* np, np * np */
    double *gl, *hll, *hls; /* n_members, n_members, n_members * np */
} df_derivs;

/* Penalised log-likelihood; with d, its derivatives too. */
static double evaluate(const df_problem *pb, df_derivs *d)
{
    int32_t np = pb->np;
    const double *th = pb->theta;
    if (d) {
        memset(d->g, 0, (size_t)np * sizeof(double));
        memset(d->H, 0, (size_t)np * np * sizeof(double));
        memset(d->gl, 0, (size_t)pb->n_members * sizeof(double));
        memset(d->hll, 0, (size_t)pb->n_members * sizeof(double));
        memset(d->hls, 0, (size_t)pb->n_members * np * sizeof(double));
    }
    double total = 0;
    deta de;
    df_lik_shared sh;
    ech_dfit_lik_shared(th[DF_PHI], th[DF_PI], &sh);
    for (int32_t ci = 0; ci < pb->n_cells; ++ci) {
        const dcell *c = &pb->cell[ci];
        cell_eta(pb, c, &de);
        if (!de.ok)
            return -INFINITY;
        if (!d) {
            total += ech_dfit_cell_value(c, pb->y, de.eta, &sh);
            continue;
        }
        jet j = ech_dfit_cell_jet(c, pb->y, de.eta, &sh);
        total += j.v;
        int32_t m = c->member;
        double *hls = d->hls + (size_t)m * np;
        /* Level: coefficient 1. */
        d->gl[m] += j.g[0];
        d->hll[m] += j.h[0];
        hls[DF_PHI] += j.h[1];
        hls[DF_PI] += j.h[2];
        for (int32_t a = 0; a < de.n; ++a) {
            int32_t ia = de.idx[a];
            double ca = de.coef[a];
            d->g[ia] += j.g[0] * ca;
            hls[ia] += j.h[0] * ca;
            d->H[ia * np + DF_PHI] += j.h[1] * ca;
            d->H[ia * np + DF_PI] += j.h[2] * ca;
            for (int32_t b = 0; b < de.n; ++b)
                d->H[ia * np + de.idx[b]] += j.h[0] * ca * de.coef[b];
        }
        if (de.n > 0 && de.idx[de.n - 1] == DF_TREND)
            d->H[DF_TREND * np + DF_TREND] += j.g[0] * de.trend_d2;
        d->g[DF_PHI] += j.g[1];
        d->g[DF_PI] += j.g[2];
        d->H[DF_PHI * np + DF_PHI] += j.h[3];
        d->H[DF_PHI * np + DF_PI] += j.h[4];
        d->H[DF_PI * np + DF_PI] += j.h[5];
    }
    if (!(total == total))
        return -INFINITY;
    if (d) {
        /* Symmetric fill of the phi / pi rows written above only as columns. */
        for (int32_t a = 0; a < np; ++a) {
            if (a != DF_PHI && a != DF_PI) {
                d->H[DF_PHI * np + a] = d->H[a * np + DF_PHI];
                d->H[DF_PI * np + a] = d->H[a * np + DF_PI];
            }
        }
        d->H[DF_PI * np + DF_PHI] = d->H[DF_PHI * np + DF_PI];
    }
    for (int32_t a = 0; a < np; ++a) {
        if (!pb->free[a] || pb->prior_prec[a] <= 0)
            continue;
        double dev = th[a] - pb->prior_mean[a];
        total -= 0.5 * pb->prior_prec[a] * dev * dev;
        if (d) {
            d->g[a] -= pb->prior_prec[a] * dev;
            d->H[a * np + a] -= pb->prior_prec[a];
        }
    }
    return total;
}

double df_value(const df_problem *pb)
{
    return evaluate(pb, NULL);
}

/* ------------------------------------------------------------------------------
 * Newton's method
 * ------------------------------------------------------------------------------ */

/* Cholesky factorisation of the n x n matrix a (row-major, lower triangle used) in
 * place; 0, or -1 if it is not positive definite. */
static int cholesky(double *a, int n)
{
    for (int j = 0; j < n; ++j) {
        double s = a[j * n + j];
        for (int k = 0; k < j; ++k)
            s -= a[j * n + k] * a[j * n + k];
        if (!(s > 0))
            return -1;
        double l = sqrt(s);
        a[j * n + j] = l;
        for (int i = j + 1; i < n; ++i) {
            double t = a[i * n + j];
            for (int k = 0; k < j; ++k)
                t -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = t / l;
        }
    }
    return 0;
}

static void cholesky_solve(const double *l, int n, double *x)
{
    for (int i = 0; i < n; ++i) {
        double t = x[i];
        for (int k = 0; k < i; ++k)
            t -= l[i * n + k] * x[k];
        x[i] = t / l[i * n + i];
    }
    for (int i = n - 1; i >= 0; --i) {
        double t = x[i];
        for (int k = i + 1; k < n; ++k)
            t -= l[k * n + i] * x[k];
        x[i] = t / l[i * n + i];
    }
}

typedef struct newton_ws {
    df_derivs d, d2; /* at the current point; at a trial point */
    int32_t *idx;    /* free shared parameters this step */
    double *S, *L, *rhs, *ds, *dl;
    double *theta0, *level0;
} newton_ws;

static void ws_alloc(newton_ws *w, const df_problem *pb)
{
    size_t np = (size_t)pb->np, nm = (size_t)(pb->n_members ? pb->n_members : 1);
    for (int k = 0; k < 2; ++k) {
        df_derivs *d = k ? &w->d2 : &w->d;
        d->g = ech_xmalloc(np * sizeof(double), "fit gradient");
        d->H = ech_xmalloc(np * np * sizeof(double), "fit Hessian");
        d->gl = ech_xmalloc(nm * sizeof(double), "fit gradient");
        d->hll = ech_xmalloc(nm * sizeof(double), "fit Hessian");
        d->hls = ech_xmalloc(nm * np * sizeof(double), "fit Hessian");
    }
    w->idx = ech_xmalloc(np * sizeof(int32_t), "fit step");
    w->S = ech_xmalloc(np * np * sizeof(double), "fit step");
    w->L = ech_xmalloc(np * np * sizeof(double), "fit step");
    w->rhs = ech_xmalloc(np * sizeof(double), "fit step");
    w->ds = ech_xmalloc(np * sizeof(double), "fit step");
    w->dl = ech_xmalloc(nm * sizeof(double), "fit step");
    w->theta0 = ech_xmalloc(np * sizeof(double), "fit step");
    w->level0 = ech_xmalloc(nm * sizeof(double), "fit step");
}

static void ws_free(newton_ws *w)
{
    for (int k = 0; k < 2; ++k) {
        df_derivs *d = k ? &w->d2 : &w->d;
        free(d->g);
        free(d->H);
        free(d->gl);
        free(d->hll);
        free(d->hls);
    }
    free(w->idx);
    free(w->S);
    free(w->L);
    free(w->rhs);
    free(w->ds);
    free(w->dl);
    free(w->theta0);
    free(w->level0);
}

static const double LEVEL_LO = -13.8, LEVEL_HI = 16.2; /* 1e-6 .. 1e7 a day */

/* A parameter held at a bound because the gradient pushes it outward. */
static int pinned(double x, double lo, double hi, double g)
{
    return (x <= lo && g < 0) || (x >= hi && g > 0);
}

/* Solves S x = rhs for a symmetric S that is not positive definite, with S's
 * eigenvalues replaced by their absolute values (floored): along a direction of
 * positive curvature the step still goes uphill, by a length the curvature sets,
 * instead of the short steps a uniform damping gives (Dauphin et al.'s saddle-free
 * Newton). */
static int solve_modified(double *S, int n, double *x)
{
    gsl_matrix_view m = gsl_matrix_view_array(S, (size_t)n, (size_t)n);
    gsl_vector *eval = gsl_vector_alloc((size_t)n);
    gsl_matrix *evec = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc((size_t)n);
    int rc = gsl_eigen_symmv(&m.matrix, eval, evec, ws);
    if (rc == 0) {
        double top = 0;
        for (int i = 0; i < n; ++i)
            top = fabs(gsl_vector_get(eval, i)) > top ? fabs(gsl_vector_get(eval, i)) : top;
        double *c = ech_xmalloc((size_t)n * sizeof(double), "fit step");
        for (int i = 0; i < n; ++i) {
            double t = 0;
            for (int k = 0; k < n; ++k)
                t += gsl_matrix_get(evec, k, i) * x[k];
            double l = fabs(gsl_vector_get(eval, i));
            c[i] = t / (l > 1e-8 * top && l > 1e-300 ? l : (1e-8 * top > 1e-300 ? 1e-8 * top : 1));
        }
        for (int k = 0; k < n; ++k) {
            double t = 0;
            for (int i = 0; i < n; ++i)
                t += gsl_matrix_get(evec, k, i) * c[i];
            x[k] = t;
        }
        free(c);
    }
    gsl_eigen_symmv_free(ws);
    gsl_matrix_free(evec);
    gsl_vector_free(eval);
    return rc == 0 ? 0 : -1;
}

/* The Newton direction for the free parameters (the levels eliminated through the
 * Schur complement); where the negative Hessian is not positive definite, the
 * modified one of solve_modified.  0, or -1 if no direction could be found.  With
 * `exact`, only the plain Newton system (for the variances at the optimum). */
static int direction(df_problem *pb, newton_ws *w, int32_t nf, int exact)
{
    int32_t np = pb->np;
    const df_derivs *d = &w->d;
    for (int32_t a = 0; a < nf; ++a)
        for (int32_t b = 0; b < nf; ++b)
            w->S[a * nf + b] = -d->H[w->idx[a] * np + w->idx[b]];
    for (int32_t a = 0; a < nf; ++a)
        w->rhs[a] = d->g[w->idx[a]];
    for (int32_t m = 0; m < pb->n_members; ++m) {
        const df_member *mb = &pb->member[m];
        if (!mb->free || mb->n_cells == 0 || pinned(mb->level, LEVEL_LO, LEVEL_HI, d->gl[m])) {
            w->dl[m] = NAN; /* marks a level held fixed */
            continue;
        }
        /* A level's curvature is negative wherever the data have a positive mean;
         * its magnitude is used if rounding says otherwise. */
        double D = fabs(d->hll[m]);
        if (!(D > 1e-12)) {
            if (exact)
                return -1;
            D = 1e-12;
        }
        w->dl[m] = D;
        const double *hls = d->hls + (size_t)m * np;
        for (int32_t a = 0; a < nf; ++a) {
            double ba = hls[w->idx[a]];
            w->rhs[a] += ba * d->gl[m] / D;
            for (int32_t b = 0; b < nf; ++b)
                w->S[a * nf + b] -= ba * hls[w->idx[b]] / D;
        }
    }
    memcpy(w->ds, w->rhs, (size_t)nf * sizeof(double));
    memcpy(w->L, w->S, (size_t)nf * nf * sizeof(double));
    if (nf > 0 && cholesky(w->L, nf) == 0) {
        cholesky_solve(w->L, nf, w->ds);
    } else if (nf > 0) {
        if (exact)
            return -1;
        memcpy(w->L, w->S, (size_t)nf * nf * sizeof(double));
        if (solve_modified(w->L, nf, w->ds) != 0)
            return -1;
    }
    for (int32_t m = 0; m < pb->n_members; ++m) {
        if (!(w->dl[m] == w->dl[m])) {
            w->dl[m] = 0;
            continue;
        }
        const double *hls = d->hls + (size_t)m * np;
        double t = d->gl[m];
        for (int32_t a = 0; a < nf; ++a)
            t += hls[w->idx[a]] * w->ds[a];
        w->dl[m] = t / w->dl[m];
    }
    return 0;
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Moves to theta0 + t x step (clamped to the bounds). */
static void move(df_problem *pb, const newton_ws *w, int32_t nf, double t)
{
    memcpy(pb->theta, w->theta0, (size_t)pb->np * sizeof(double));
    for (int32_t a = 0; a < nf; ++a) {
        int32_t i = w->idx[a];
        pb->theta[i] = clamp(w->theta0[i] + t * w->ds[a], pb->lo[i], pb->hi[i]);
    }
    for (int32_t m = 0; m < pb->n_members; ++m)
        pb->member[m].level = clamp(w->level0[m] + t * w->dl[m], LEVEL_LO, LEVEL_HI);
}

void df_fit(df_problem *pb, int32_t max_iter)
{
    newton_ws w;
    ws_alloc(&w, pb);
    int32_t np = pb->np;
    for (int32_t i = 0; i < np; ++i)
        pb->theta[i] = clamp(pb->theta[i], pb->lo[i], pb->hi[i]);
    for (int32_t m = 0; m < pb->n_members; ++m)
        pb->member[m].level = clamp(pb->member[m].level, LEVEL_LO, LEVEL_HI);
    double f = evaluate(pb, &w.d);
    pb->status = ECH_FIT_ITER_LIMIT;
    if (!(f > -INFINITY))
        pb->status = ECH_FIT_FAILED;
    int32_t it = 0;
    for (; it < max_iter && pb->status == ECH_FIT_ITER_LIMIT; ++it) {
        int32_t nf = 0;
        for (int32_t i = 0; i < np; ++i)
            if (pb->free[i] && !pinned(pb->theta[i], pb->lo[i], pb->hi[i], w.d.g[i]))
                w.idx[nf++] = i;
        if (direction(pb, &w, nf, 0) != 0) {
            pb->status = ECH_FIT_FAILED;
            break;
        }
        /* The predicted rise of the objective. */
        double dec = 0;
        for (int32_t a = 0; a < nf; ++a)
            dec += w.d.g[w.idx[a]] * w.ds[a];
        for (int32_t m = 0; m < pb->n_members; ++m)
            dec += w.d.gl[m] * w.dl[m];
        if (dec < 1e-9) {
            pb->status = ECH_FIT_CONVERGED;
            break;
        }
        memcpy(w.theta0, pb->theta, (size_t)np * sizeof(double));
        for (int32_t m = 0; m < pb->n_members; ++m)
            w.level0[m] = pb->member[m].level;
        /* The full step is evaluated with its derivatives (usually it is taken, and
         * they serve the next step); shorter ones by value until one rises. */
        double t = 1;
        move(pb, &w, nf, t);
        double fn = evaluate(pb, &w.d2);
        int full = fn >= f + 1e-4 * dec;
        for (int k = 1; k < 40 && !full && !(fn >= f + 1e-4 * t * dec); ++k) {
            t *= 0.5;
            move(pb, &w, nf, t);
            fn = evaluate(pb, NULL);
        }
        if (!(fn >= f + 1e-4 * t * dec)) {
            /* No rise along the direction: at the optimum to rounding, or stuck. */
            move(pb, &w, nf, 0);
            pb->status = dec < 1e-5 * (1 + fabs(f)) ? ECH_FIT_CONVERGED : ECH_FIT_ITER_LIMIT;
            break;
        }
        double rise = fn - f;
        if (full) {
            df_derivs tmp = w.d;
            w.d = w.d2;
            w.d2 = tmp;
            f = fn;
        } else {
            f = evaluate(pb, &w.d);
        }
        if (rise < 1e-10 * (1 + fabs(f)) && dec < 1e-6) {
            pb->status = ECH_FIT_CONVERGED;
            ++it;
            break;
        }
    }
    pb->iterations = it;
    /* Variances of the event uplifts: the shared block of the inverse negative
     * Hessian is the inverse of the Schur complement. */
    for (int32_t e = 0; e < pb->n_ev; ++e)
        pb->ev_var[e] = NAN;
    if (pb->status != ECH_FIT_FAILED && pb->n_ev > 0) {
        evaluate(pb, &w.d);
        int32_t nf = 0;
        for (int32_t i = 0; i < np; ++i)
            if (pb->free[i])
                w.idx[nf++] = i;
        if (direction(pb, &w, nf, 1) == 0) {
            for (int32_t a = 0; a < nf; ++a) {
                if (w.idx[a] < DF_EV)
                    continue;
                memset(w.ds, 0, (size_t)nf * sizeof(double));
                w.ds[a] = 1;
                cholesky_solve(w.L, nf, w.ds);
                pb->ev_var[w.idx[a] - DF_EV] = w.ds[a];
            }
        }
    }
    /* The data's log-likelihood: without the penalty, with the constants. */
    double pen = 0, lf = 0;
    for (int32_t a = 0; a < np; ++a)
        if (pb->free[a] && pb->prior_prec[a] > 0) {
            double dev = pb->theta[a] - pb->prior_mean[a];
            pen += 0.5 * pb->prior_prec[a] * dev * dev;
        }
    for (int32_t c = 0; c < pb->n_cells; ++c)
        lf += pb->cell[c].lfact;
    pb->loglik = evaluate(pb, NULL) + pen + lf;
    ws_free(&w);
}

/* ------------------------------------------------------------------------------
 * Levels of members whose shape is given
 * ------------------------------------------------------------------------------ */

void df_fit_levels(df_problem *pb, int32_t max_iter)
{
    /* Each level solves sum(expected demand) = sum(sales, with E[demand | demand >=
     * sales] in censored periods): the mean of the demand restored under the given
     * shape.  Unlike the likelihood's score, this equation holds at the true level
     * whatever the dispersion, so a dispersion borrowed from a pool cannot bias
     * the level.  A fixed-point iteration: each step moves the level by the log
     * ratio of restored to expected demand. */
    df_lik_shared sh;
    ech_dfit_lik_shared(pb->theta[DF_PHI], pb->theta[DF_PI], &sh);
    double phi = sh.phi, pi = sh.pi;
    deta de;
    pb->status = ECH_FIT_CONVERGED;
    int32_t most = 0;
    for (int32_t m = 0; m < pb->n_members; ++m) {
        df_member *mb = &pb->member[m];
        if (!mb->free || mb->n_cells == 0)
            continue;
        int32_t it = 0;
        for (; it < max_iter; ++it) {
            double restored = 0, expected = 0;
            int ok = 1;
            for (int32_t ci = mb->first_cell; ci < mb->first_cell + mb->n_cells && ok; ++ci) {
                const dcell *c = &pb->cell[ci];
                cell_eta(pb, c, &de);
                ok = de.ok;
                double mu = ech_exp(de.eta);
                expected += (c->n_pos + c->n_zero + c->n_cen) * mu;
                restored += c->sum_pos;
                double k = mu / ((1 - pi) * phi);
                for (int32_t i = 0; i < c->n_cen; ++i)
                    restored += ech_dfit_nb_tail_mean(pb->y[c->cen_first + i], k, sh.p);
            }
            if (!ok || !(expected > 0) || !(restored > 0)) {
                pb->status = ECH_FIT_FAILED;
                break;
            }
            double step = ech_log(restored / expected);
            double next = mb->level + step;
            mb->level = next < LEVEL_LO ? LEVEL_LO : next > LEVEL_HI ? LEVEL_HI : next;
            if (fabs(step) < 1e-10 || mb->level == LEVEL_LO || mb->level == LEVEL_HI)
                break;
        }
        if (it == max_iter && pb->status == ECH_FIT_CONVERGED)
            pb->status = ECH_FIT_ITER_LIMIT;
        most = it + 1 > most ? it + 1 : most;
    }
    pb->iterations = most;
    double lf = 0;
    for (int32_t c = 0; c < pb->n_cells; ++c)
        lf += pb->cell[c].lfact;
    pb->loglik = evaluate(pb, NULL) + lf;
}
