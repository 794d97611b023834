/* Exponentials and logarithms, and the special functions and distributions built
 * on them, that give the same bits on every x86-64.
 *
 * glibc picks the code of exp, log, pow, log1p, expm1, lgamma, ... at run time by
 * the CPU's features (FMA or not), and the two paths differ in the last bit of some
 * results; a value that enters the model through one of them (directly, or inside
 * GSL's distribution functions) could make results depend on the machine.  These
 * use only IEEE-exact operations (+ - * /, sqrt and conversions; the project
 * compiles with -ffp-contract=off, so no fused multiply-adds), so they give the
 * same bits wherever they run.
 *
 * Accuracy, checked against long double references in tests/unit/test_repro_math.c:
 * ech_exp, ech_log and ech_expm1 within 2 ulp, ech_log1p within 3 ulp;
 * ech_pow(x, y) = ech_exp(y ech_log(x)) within 2 + 2 |y ln x| ulp (for x > 0; the
 * model's exponents are small).  Special values as in C: exp(-inf) = 0, log(0) =
 * -inf, log of a negative number NaN, overflow to +inf, NaN in, NaN out.
 */
#ifndef ECHELON_REPRO_MATH_H
#define ECHELON_REPRO_MATH_H

#ifdef __cplusplus
extern "C" {
#endif

double ech_exp(double x);
double ech_log(double x);
double ech_log1p(double x); /* log(1 + x), accurate near 0 */
double ech_expm1(double x); /* exp(x) - 1, accurate near 0 */
double ech_pow(double x, double y);
/* ln k! for a whole number k >= 0 (ln Gamma(k + 1)), within 4 ulp. */
double ech_log_factorial(double k);

/* ln Gamma(x) for x > 0, within 1e-14 absolute plus 4 ulp. */
double ech_lgamma(double x);
/* The regularised incomplete gamma functions P(a, x) = gamma(a, x) / Gamma(a) and
 * Q(a, x) = 1 - P(a, x), a > 0 (series below x = a + 1, continued fraction above;
 * from a = 15 on, the prefactor x^a e^-x / Gamma(a) through Stirling's formula):
 * within 1e-11 relative of GSL's where the value is above 1e-290, a < 500 and
 * x < 2000, and of 50-digit values at a up to 1e8. */
double ech_gamma_p(double a, double x);
double ech_gamma_q(double a, double x);
/* The standard normal CDF, through P and Q of a = 1/2; its upper tail Q(z) =
 * P(-z), and its density. */
double ech_normal_p(double z);
double ech_normal_q(double z);
double ech_normal_pdf(double z);
/* The standard normal quantile (Wichura's AS 241), within 2 ulp of GSL's
 * gsl_cdf_ugaussian_Pinv (the same approximation); -inf at 0, +inf at 1. */
double ech_normal_quantile(double p);
/* Student's t quantile with df > 0 degrees of freedom, by bisection on its tail
 * (through the incomplete beta function): within 1e-12 relative of GSL's. */
double ech_t_quantile(double p, double df);

/* The regularised incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1, by its
 * continued fraction, with the large parts of the prefactor's exponent cancelled
 * exactly through Stirling's formula: within 1e-12 relative of 50-digit values
 * (1e-14 for moderate shapes), where GSL's is off by 1e-11 at shapes of a few
 * thousand. */
double ech_beta_inc(double a, double b, double x);

/* The count distributions of demand, for a whole number k >= 0: the Poisson
 * distribution of the given mean, and the negative binomial NB(n, p) of
 * probability Gamma(n + k) / (Gamma(n) k!) p^n (1 - p)^k (GSL's parametrisation):
 * pmf, CDF P(X <= k) and survival P(X > k), through the incomplete gamma and beta
 * functions, within 1e-12 relative at means up to 1e8 (GSL's Poisson CDF is off by
 * 1e-2 at 1e7). */
double ech_poisson_pmf(double k, double mean);
double ech_poisson_cdf(double k, double mean);
double ech_poisson_sf(double k, double mean);
double ech_negbin_pmf(double k, double p, double n);
double ech_negbin_cdf(double k, double p, double n);
double ech_negbin_sf(double k, double p, double n);

/* The digamma and trigamma functions psi(x) and psi'(x) for x > 0: shifted up to
 * 15, then their asymptotic series. */
double ech_digamma(double x);
double ech_trigamma(double x);

#ifdef __cplusplus
}
#endif

#endif
