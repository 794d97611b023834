/* Exponentials and logarithms that give the same bits on every x86-64.
 *
 * glibc picks the code of exp, log, pow, log1p, expm1, lgamma, ... at run time by
 * the CPU's features (FMA or not), and the two paths differ in the last bit of some
 * results; a value that enters the model through one of them could make results
 * depend on the machine.  These use only IEEE-exact operations (+ - * / and
 * conversions; the project compiles with -ffp-contract=off, so no fused
 * multiply-adds), so they give the same bits wherever they run.
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
 * Q(a, x) = 1 - P(a, x), a > 0 (series below x = a + 1, continued fraction above):
 * within 1e-11 relative of GSL's where the value is above 1e-290, a < 500 and
 * x < 2000, ample for tables of 2^-32 resolution. */
double ech_gamma_p(double a, double x);
double ech_gamma_q(double a, double x);
/* The standard normal CDF, through P and Q of a = 1/2. */
double ech_normal_p(double z);

#ifdef __cplusplus
}
#endif

#endif
