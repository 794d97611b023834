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
#include "echelon/repro_math.h"

#include <float.h>
#include <math.h>
#include <string.h>

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
                la += ech_log(prod);
                prod = 1;
            }
            double inv = 1 / x;
            s1 += inv;
            s2 += inv * inv;
        }
        *a = la + ech_log(prod);
        *d1 = s1;
        *d2 = -s2;
        return;
    }
    double l1, l2;
    l1 = ech_lgamma(y + k);
    l2 = ech_lgamma(k);
    *a = l1 - l2;
    *d1 = ech_digamma(y + k) - ech_digamma(k);
    *d2 = ech_trigamma(y + k) - ech_trigamma(k);
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
    return a - ech_lgamma(j + 1) + k * lp + j * l1p;
}

/* Sum of the pmf's terms j = from, from - 1, ... 0 (dir -1) or from, from + 1, ...
 * (dir +1) with their derivatives, relative to f_from; returns log f_from. */
static double tail_sum(double from, int dir, double k, double p, tail_sums *t)
{
    double lp = ech_log(p), l1p = ech_log1p(-p), q = 1 - p;
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
        double scale = ech_exp(lf);
        double F = t.f * scale;
        if (s == 1)
            Q = -ech_expm1(k * ech_log(p)); /* 1 - p^k without cancellation */
        else
            Q = 1 - F;
        if (Q < 1e-4 && s > 1) {
            upper = 1;
        } else {
            lQ = ech_log(Q);
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
        lQ = lf + ech_log(t.f);
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
    double q = 1 + phi, r = 1 - pi;
    sh->phi = phi;
    sh->pi = pi;
    sh->p = 1 / q;
    sh->lp = -ech_log1p(phi); /* log p = -log(1 + phi) and its phi-derivatives */
    sh->lp1 = -1 / q;
    sh->lp2 = 1 / (q * q);
    sh->l1mp = ech_log(phi) - ech_log1p(phi); /* log(1 - p) */
    sh->l1mp1 = 1 / phi - 1 / q;
    sh->l1mp2 = -1 / (phi * phi) + 1 / (q * q);
    sh->l1mpi = ech_log1p(-pi);
    /* kappa = log k = eta + kappa0, and kappa0's derivatives in phi and pi. */
    sh->kappa0 = -ech_log(phi) - sh->l1mpi;
    sh->k_phi = -1 / phi;
    sh->k_phiphi = 1 / (phi * phi);
    sh->k_pi = 1 / r;
    sh->k_pipi = 1 / (r * r);
}

/* Derivatives of a cell's log-likelihood in (kappa, phi, pi), kappa = log k taken
 * as a variable of its own; chained to (eta, phi, pi) at the end. */
typedef struct kpq {
    double f, k, p, q, kk, kp, kq, pp, pq, qq;
} kpq;

/* n log(1 - pi). */
static void add_l1mpi(kpq *d, double n, const df_lik_shared *sh)
{
    double r = 1 - sh->pi;
    d->f += n * sh->l1mpi;
    d->q -= n / r;
    d->qq -= n / (r * r);
}

jet ech_dfit_cell_jet(const dcell *c, const double *y, double eta, const df_lik_shared *sh)
{
    double k = ech_exp(eta + sh->kappa0), kl = k * sh->lp;
    kpq d;
    memset(&d, 0, sizeof d);
    if (c->n_pos > 0) {
        /* n (log(1 - pi) + k log p) + S log(1 - p) + sum A(y, k). */
        double a = 0, d1 = 0, d2 = 0, n = c->n_pos, S = c->sum_pos;
        for (int32_t i = 0; i < c->n_pos; ++i) {
            double ai, e1, e2;
            ech_dfit_lgamma_diff(y[c->pos_first + i], k, &ai, &e1, &e2);
            a += ai;
            d1 += e1;
            d2 += e2;
        }
        add_l1mpi(&d, n, sh);
        d.f += n * kl + S * sh->l1mp + a;
        d.k += n * kl + k * d1;
        d.kk += n * kl + k * d1 + k * k * d2;
        d.p += n * k * sh->lp1 + S * sh->l1mp1;
        d.pp += n * k * sh->lp2 + S * sh->l1mp2;
        d.kp += n * k * sh->lp1;
    }
    if (c->n_zero > 0) {
        /* n log Z, Z = pi + (1 - pi) P0, P0 = p^k = exp(k log p). */
        double n = c->n_zero, r = 1 - sh->pi, P0 = ech_exp(kl);
        double kl1 = k * sh->lp1;
        double Pk = P0 * kl, Pkk = P0 * (kl + kl * kl), Pp = P0 * kl1;
        double Ppp = P0 * (k * sh->lp2 + kl1 * kl1), Pkp = P0 * (kl1 + kl * kl1);
        double Z = sh->pi + r * P0;
        Z = Z > 1e-300 ? Z : 1e-300;
        double Zk = r * Pk, Zp = r * Pp, Zq = 1 - P0;
        d.f += n * ech_log(Z);
        d.k += n * Zk / Z;
        d.p += n * Zp / Z;
        d.q += n * Zq / Z;
        d.kk += n * (r * Pkk / Z - Zk * Zk / (Z * Z));
        d.pp += n * (r * Ppp / Z - Zp * Zp / (Z * Z));
        d.kp += n * (r * Pkp / Z - Zk * Zp / (Z * Z));
        d.kq += n * (-Pk / Z - Zk * Zq / (Z * Z));
        d.pq += n * (-Pp / Z - Zp * Zq / (Z * Z));
        d.qq += n * (-Zq * Zq / (Z * Z));
    }
    if (c->n_cen > 0) {
        /* n log(1 - pi) + sum log Q(s; k, rho = log phi). */
        double v = 0, dk = 0, dr = 0, hkk = 0, hkr = 0, hrr = 0;
        for (int32_t i = 0; i < c->n_cen; ++i) {
            double g[2], h[3];
            v += ech_dfit_tail(y[c->cen_first + i], k, sh->p, g, h, NULL);
            dk += g[0];
            dr += g[1];
            hkk += h[0];
            hkr += h[1];
            hrr += h[2];
        }
        add_l1mpi(&d, c->n_cen, sh);
        double phi = sh->phi;
        d.f += v;
        d.k += k * dk;
        d.kk += k * dk + k * k * hkk;
        d.p += dr / phi;
        d.pp += (hrr - dr) / (phi * phi);
        d.kp += k * hkr / phi;
    }
    /* kappa = eta + kappa0(phi, pi): to (eta, phi, pi). */
    double cp = sh->k_phi, cq = sh->k_pi;
    jet out;
    out.v = d.f;
    out.g[0] = d.k;
    out.g[1] = d.p + d.k * cp;
    out.g[2] = d.q + d.k * cq;
    out.h[0] = d.kk;
    out.h[1] = d.kp + d.kk * cp;
    out.h[2] = d.kq + d.kk * cq;
    out.h[3] = d.pp + 2 * d.kp * cp + d.kk * cp * cp + d.k * sh->k_phiphi;
    out.h[4] = d.pq + d.kp * cq + d.kq * cp + d.kk * cp * cq;
    out.h[5] = d.qq + 2 * d.kq * cq + d.kk * cq * cq + d.k * sh->k_pipi;
    return out;
}

double ech_dfit_cell_value(const dcell *c, const double *y, double eta, const df_lik_shared *sh)
{
    double k = ech_exp(eta + sh->kappa0), klp = k * sh->lp, v = 0;
    if (c->n_pos > 0) {
        for (int32_t i = 0; i < c->n_pos; ++i) {
            double a, d1, d2;
            ech_dfit_lgamma_diff(y[c->pos_first + i], k, &a, &d1, &d2);
            v += a;
        }
        v += c->n_pos * (sh->l1mpi + klp) + c->sum_pos * sh->l1mp;
    }
    if (c->n_zero > 0) {
        double z = sh->pi + (1 - sh->pi) * ech_exp(klp);
        v += c->n_zero * ech_log(z > 1e-300 ? z : 1e-300);
    }
    for (int32_t i = 0; i < c->n_cen; ++i)
        v += sh->l1mpi + ech_dfit_tail(y[c->cen_first + i], k, sh->p, NULL, NULL, NULL);
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
    jet j = ech_dfit_cell_jet(&c, &y, ech_log(mu), &sh);
    if (g)
        memcpy(g, j.g, sizeof j.g);
    if (h)
        memcpy(h, j.h, sizeof j.h);
    return j.v - (!censored && y > 0 ? ech_lgamma(y + 1) : 0);
}
