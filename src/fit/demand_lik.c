/* The likelihood of sales under the scenario's demand model (demand_fit.h), with
 * exact first and second derivatives.
 *
 * A period's demand D, given its mean mu, variance ratio r and zero inflation pi, is
 * 0 with probability pi and otherwise negative binomial with mean m = mu / (1 - pi),
 * size k = m / (r - 1) and success probability p = 1 / r (the scenario's sampler,
 * docs/MODEL.md section 5).  In the variables the fitter moves, eta = log mu,
 * phi = r - 1 and pi (on these scales, rather than their logarithms or logits,
 * the likelihood is close to concave up to the bounds phi, pi >= 0, where
 * overdispersion and zero inflation vanish):
 *     log k = eta - log(phi) - log(1 - pi),  log p = -log(1 + phi),
 *     log(1 - p) = log(phi) - log(1 + phi).
 * A period with sales y contributes
 *     log P(D = y)                          uncensored,
 *     log P(D >= y) = log(1 - pi) + log Q   censored with y > 0 (Q the NB's tail),
 *     0                                     censored with y = 0 (no information).
 * Periods with the same mean are evaluated together: the terms linear in k, log p
 * and log(1 - p) need only the counts and the sum of sales, so the jets (the value
 * with its gradient and Hessian in (eta, phi, pi)) are computed once per cell.
 */
#include "demand_internal.h"

#include <gsl/gsl_sf_psi.h>

#include <float.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * Jets
 * ------------------------------------------------------------------------------ */

static const int HI[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};

static jet jet_var(double v, int i)
{
    jet a;
    memset(&a, 0, sizeof a);
    a.v = v;
    a.g[i] = 1;
    return a;
}

static jet jet_add(jet a, jet b)
{
    a.v += b.v;
    for (int i = 0; i < 3; ++i)
        a.g[i] += b.g[i];
    for (int i = 0; i < 6; ++i)
        a.h[i] += b.h[i];
    return a;
}

static jet jet_scale(jet a, double c)
{
    a.v *= c;
    for (int i = 0; i < 3; ++i)
        a.g[i] *= c;
    for (int i = 0; i < 6; ++i)
        a.h[i] *= c;
    return a;
}

/* f(a) given f, f' and f'' at a.v. */
static jet jet_unary(jet a, double f, double f1, double f2)
{
    jet r;
    r.v = f;
    for (int i = 0; i < 3; ++i)
        r.g[i] = f1 * a.g[i];
    for (int i = 0; i < 3; ++i)
        for (int j = i; j < 3; ++j)
            r.h[HI[i][j]] = f1 * a.h[HI[i][j]] + f2 * a.g[i] * a.g[j];
    return r;
}

/* F(a, b) given F and its derivatives fa, fb, faa, fab, fbb at (a.v, b.v). */
static jet jet_binary(jet a, jet b, double f, double fa, double fb, double faa, double fab,
                      double fbb)
{
    jet r;
    r.v = f;
    for (int i = 0; i < 3; ++i)
        r.g[i] = fa * a.g[i] + fb * b.g[i];
    for (int i = 0; i < 3; ++i)
        for (int j = i; j < 3; ++j)
            r.h[HI[i][j]] = fa * a.h[HI[i][j]] + fb * b.h[HI[i][j]] + faa * a.g[i] * a.g[j] +
                            fab * (a.g[i] * b.g[j] + b.g[i] * a.g[j]) + fbb * b.g[i] * b.g[j];
    return r;
}

static jet jet_mul(jet a, jet b)
{
    return jet_binary(a, b, a.v * b.v, b.v, a.v, 0, 1, 0);
}

static jet jet_exp(jet a)
{
    double e = exp(a.v);
    return jet_unary(a, e, e, e);
}

/* ------------------------------------------------------------------------------
 * Gamma-function differences
 * ------------------------------------------------------------------------------ */

void ech_dfit_lgamma_diff(double y, double k, double *a, double *d1, double *d2)
{
    if (y == floor(y) && y <= 64) {
        /* A whole number of units: lgamma(y + k) - lgamma(k) = sum log(k + j), the
         * product taken in pieces that cannot overflow. */
        double prod = 1, la = 0, s1 = 0, s2 = 0;
        for (int j = 0; j < (int)y; ++j) {
            double x = k + j;
            prod *= x;
            if (prod > 1e250 || prod < 1e-250) {
                la += log(prod);
                prod = 1;
            }
            s1 += 1 / x;
            s2 += 1 / (x * x);
        }
        *a = la + log(prod);
        *d1 = s1;
        *d2 = -s2;
        return;
    }
    double l1, l2;
    int sg;
    l1 = lgamma_r(y + k, &sg);
    l2 = lgamma_r(k, &sg);
    *a = l1 - l2;
    *d1 = gsl_sf_psi(y + k) - gsl_sf_psi(k);
    *d2 = gsl_sf_psi_1(y + k) - gsl_sf_psi_1(k);
}

/* ------------------------------------------------------------------------------
 * The negative binomial's tail
 * ------------------------------------------------------------------------------ */

/* Adds term j (weight w relative to the scale, derivatives of log f_j given) to the
 * sums of f, df/da and d2f/da db over (k, rho). */
typedef struct tail_sums {
    double f, fd[2], fh[3], jf;
} tail_sums;

static void tail_add(tail_sums *t, double w, double j, double gk, double gr, double gkk, double gkr,
                     double grr)
{
    t->f += w;
    t->jf += w * j;
    t->fd[0] += w * gk;
    t->fd[1] += w * gr;
    t->fh[0] += w * (gkk + gk * gk);
    t->fh[1] += w * (gkr + gk * gr);
    t->fh[2] += w * (grr + gr * gr);
}

/* log f_j and the digamma differences at j. */
static double log_pmf(double j, double k, double lp, double l1p, double *d1, double *d2)
{
    double a;
    ech_dfit_lgamma_diff(j, k, &a, d1, d2);
    int sg;
    return a - lgamma_r(j + 1, &sg) + k * lp + j * l1p;
}

/* Sum of the pmf's terms j = from, from - 1, ... 0 (dir -1) or from, from + 1, ...
 * (dir +1) with their derivatives, relative to f_from; returns log f_from. */
static double tail_sum(double from, int dir, double k, double p, tail_sums *t)
{
    double lp = log(p), l1p = log1p(-p), q = 1 - p;
    double d1, d2;
    double lf = log_pmf(from, k, lp, l1p, &d1, &d2);
    double mode = k > 1 ? floor((k - 1) * q / p) : 0;
    memset(t, 0, sizeof *t);
    double w = 1, j = from;
    for (long it = 0; it < 100000000L; ++it) {
        /* d log f_j / dk = D1 + log p; d/drho = -k (1 - p) + j p. */
        tail_add(t, w, j, d1 + lp, -k * q + j * p, d2, -q, -(k + j) * p * q);
        if (dir < 0) {
            if (j <= 0)
                break;
            double x = k + j - 1;
            w *= j / (x * q);
            d1 -= 1 / x;
            d2 += 1 / (x * x);
            j -= 1;
        } else {
            double x = k + j;
            w *= x * q / (j + 1);
            d1 += 1 / x;
            d2 -= 1 / (x * x);
            j += 1;
        }
        if (w < 1e-17 * t->f && (dir < 0 || j > mode))
            break;
    }
    return lf;
}

double ech_dfit_tail(double s, double k, double p, double *d, double *h, double *tail_mean)
{
    double q = 1 - p, mean = k * q / p;
    s = ceil(s);
    if (s <= 0) {
        if (d)
            d[0] = d[1] = 0;
        if (h)
            h[0] = h[1] = h[2] = 0;
        if (tail_mean)
            *tail_mean = mean;
        return 0;
    }
    tail_sums t;
    double lQ, Q, Qd[2], Qh[3];
    int upper = s - 1 >= mean;
    if (!upper) {
        /* 1 - F(s - 1), exact while F is not close to 1. */
        double lf = tail_sum(s - 1, -1, k, p, &t);
        double scale = exp(lf);
        double F = t.f * scale;
        if (s == 1)
            Q = -expm1(k * log(p)); /* 1 - p^k without cancellation */
        else
            Q = 1 - F;
        if (Q < 1e-4 && s > 1) {
            upper = 1;
        } else {
            lQ = log(Q);
            for (int i = 0; i < 2; ++i)
                Qd[i] = -t.fd[i] * scale;
            for (int i = 0; i < 3; ++i)
                Qh[i] = -t.fh[i] * scale;
            if (tail_mean)
                *tail_mean = (mean - t.jf * scale) / Q;
        }
    }
    if (upper) {
        /* The tail summed directly, relative to f_s. */
        double lf = tail_sum(s, +1, k, p, &t);
        lQ = lf + log(t.f);
        Q = 1; /* derivatives relative to the same scale */
        for (int i = 0; i < 2; ++i)
            Qd[i] = t.fd[i] / t.f;
        for (int i = 0; i < 3; ++i)
            Qh[i] = t.fh[i] / t.f;
        if (tail_mean)
            *tail_mean = t.jf / t.f;
    }
    if (d) {
        d[0] = Qd[0] / Q;
        d[1] = Qd[1] / Q;
    }
    if (h) {
        h[0] = Qh[0] / Q - Qd[0] * Qd[0] / (Q * Q);
        h[1] = Qh[1] / Q - Qd[0] * Qd[1] / (Q * Q);
        h[2] = Qh[2] / Q - Qd[1] * Qd[1] / (Q * Q);
    }
    return lQ;
}

double ech_dfit_nb_log_tail(double s, double k, double p, double *d, double *h)
{
    return ech_dfit_tail(s, k, p, d, h, NULL);
}

double ech_dfit_nb_tail_mean(double s, double k, double p)
{
    double m;
    ech_dfit_tail(s, k, p, NULL, NULL, &m);
    return m;
}

/* ------------------------------------------------------------------------------
 * A cell's log-likelihood
 * ------------------------------------------------------------------------------ */

void ech_dfit_lik_shared(double phi, double pi, df_lik_shared *sh)
{
    jet F = jet_var(phi, 1);
    /* rho = log(phi): the tail's derivatives are in rho. */
    sh->Rho = jet_unary(F, log(phi), 1 / phi, -1 / (phi * phi));
    sh->Pi = jet_var(pi, 2);
    sh->l1mpi = jet_unary(sh->Pi, log1p(-pi), -1 / (1 - pi), -1 / ((1 - pi) * (1 - pi)));
    sh->one_mpi = jet_scale(sh->Pi, -1);
    sh->one_mpi.v = 1 - pi;
    /* p = 1 / (1 + phi): log p = -log(1 + phi), log(1 - p) = log(phi) - log(1 + phi). */
    double q = 1 + phi;
    sh->lp = jet_unary(F, -log1p(phi), -1 / q, 1 / (q * q));
    sh->l1mp = jet_unary(F, log(phi) - log1p(phi), 1 / (phi * q), -1 / (phi * phi) + 1 / (q * q));
    /* log k = eta + kappa0 */
    sh->kappa0 = jet_add(jet_scale(sh->Rho, -1), jet_scale(sh->l1mpi, -1));
    sh->p = 1 / q;
}

/* log(pi + (1 - pi) p^k): the probability of a zero. */
static jet zero_jet(const df_lik_shared *sh, jet klp)
{
    jet z = jet_add(sh->Pi, jet_mul(sh->one_mpi, jet_exp(klp)));
    double v = z.v > 1e-300 ? z.v : 1e-300;
    return jet_unary(z, log(v), 1 / v, -1 / (v * v));
}

jet ech_dfit_cell_jet(const dcell *c, const double *y, double eta, const df_lik_shared *sh)
{
    jet E = jet_var(eta, 0);
    jet k = jet_exp(jet_add(E, sh->kappa0));
    jet klp = jet_mul(k, sh->lp);
    double kv = k.v;

    jet out;
    memset(&out, 0, sizeof out);
    if (c->n_pos > 0) {
        double a = 0, d1 = 0, d2 = 0;
        for (int32_t i = 0; i < c->n_pos; ++i) {
            double ai, e1, e2;
            ech_dfit_lgamma_diff(y[c->pos_first + i], kv, &ai, &e1, &e2);
            a += ai;
            d1 += e1;
            d2 += e2;
        }
        out = jet_add(out, jet_scale(jet_add(sh->l1mpi, klp), c->n_pos));
        out = jet_add(out, jet_scale(sh->l1mp, c->sum_pos));
        out = jet_add(out, jet_unary(k, a, d1, d2));
    }
    if (c->n_zero > 0)
        out = jet_add(out, jet_scale(zero_jet(sh, klp), c->n_zero));
    if (c->n_cen > 0) {
        double f = 0, fd[2] = {0, 0}, fh[3] = {0, 0, 0};
        for (int32_t i = 0; i < c->n_cen; ++i) {
            double d[2], h[3];
            f += ech_dfit_tail(y[c->cen_first + i], kv, sh->p, d, h, NULL);
            fd[0] += d[0];
            fd[1] += d[1];
            fh[0] += h[0];
            fh[1] += h[1];
            fh[2] += h[2];
        }
        /* The tail is a function of k and p; p depends on rho alone. */
        out = jet_add(out, jet_scale(sh->l1mpi, c->n_cen));
        out = jet_add(out, jet_binary(k, sh->Rho, f, fd[0], fd[1], fh[0], fh[1], fh[2]));
    }
    return out;
}

double ech_dfit_cell_value(const dcell *c, const double *y, double eta, const df_lik_shared *sh)
{
    double k = exp(eta + sh->kappa0.v), klp = k * sh->lp.v, v = 0;
    if (c->n_pos > 0) {
        for (int32_t i = 0; i < c->n_pos; ++i) {
            double a, d1, d2;
            ech_dfit_lgamma_diff(y[c->pos_first + i], k, &a, &d1, &d2);
            v += a;
        }
        v += c->n_pos * (sh->l1mpi.v + klp) + c->sum_pos * sh->l1mp.v;
    }
    if (c->n_zero > 0) {
        double z = sh->Pi.v + sh->one_mpi.v * exp(klp);
        v += c->n_zero * log(z > 1e-300 ? z : 1e-300);
    }
    for (int32_t i = 0; i < c->n_cen; ++i)
        v += sh->l1mpi.v + ech_dfit_tail(y[c->cen_first + i], k, sh->p, NULL, NULL, NULL);
    return v;
}

double ech_dfit_period_loglik(double y, int censored, double mu, double r, double pi, double *g,
                              double *h)
{
    dcell c;
    memset(&c, 0, sizeof c);
    if (censored && y > 0) {
        c.n_cen = 1;
    } else if (!censored && y > 0) {
        c.n_pos = 1;
        c.sum_pos = y;
    } else if (!censored) {
        c.n_zero = 1;
    }
    df_lik_shared sh;
    ech_dfit_lik_shared(r > 1 ? r - 1 : 1e-12, pi, &sh);
    jet j = ech_dfit_cell_jet(&c, &y, log(mu), &sh);
    if (g)
        memcpy(g, j.g, sizeof j.g);
    if (h)
        memcpy(h, j.h, sizeof j.h);
    int sg;
    return j.v - (!censored && y > 0 ? lgamma_r(y + 1, &sg) : 0);
}
