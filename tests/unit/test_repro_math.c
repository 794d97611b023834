/* Reproducible exponentials and logarithms (include/echelon/repro_math.h): their
 * error in ulp against long double references (x87, whatever glibc's double path),
 * their special values, and fixed bits for a few arguments, so that a change of
 * algorithm, which would change results, cannot pass unnoticed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "echelon/repro_math.h"
#include "echelon/rng.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The error of got against the exact value want, in units of got's last place. */
static double ulp_error(double got, long double want)
{
    if (got == (double)want)
        return 0.0;
    int e;
    frexp(got, &e);
    double ulp = ldexp(1.0, (e - 53 < -1074 ? -1074 : e - 53));
    return (double)fabsl((long double)got - want) / ulp;
}

typedef double (*fn1)(double);
typedef long double (*ref1)(long double);

/* The largest error over n arguments spread from lo to hi (logarithmically when
 * both are positive). */
static double max_error(fn1 f, ref1 ref, double lo, double hi, int n, int geometric)
{
    ech_pcg32 rng;
    ech_pcg32_seed(&rng, 20261206u, 1u);
    double worst = 0.0;
    for (int i = 0; i < n; ++i) {
        double u = ech_pcg32_uniform53(&rng);
        double x = geometric ? exp(log(lo) + u * (log(hi) - log(lo))) : lo + u * (hi - lo);
        double err = ulp_error(f(x), ref((long double)x));
        if (err > worst)
            worst = err;
    }
    return worst;
}

static void check_bound(const char *what, double err, double bound)
{
    if (!(err <= bound))
        fail_msg("%s: %.3f ulp, more than %.1f", what, err, bound);
}

static void test_exp(void **state)
{
    (void)state;
    check_bound("exp [-1, 1]", max_error(ech_exp, expl, -1.0, 1.0, 200000, 0), 2.0);
    check_bound("exp [-700, 700]", max_error(ech_exp, expl, -700.0, 700.0, 200000, 0), 2.0);
    check_bound("exp tiny", max_error(ech_exp, expl, 1e-300, 1e-3, 50000, 1), 2.0);
    check_bound("exp subnormal", max_error(ech_exp, expl, -744.0, -708.5, 50000, 0), 2.0);
    assert_true(ech_exp(0.0) == 1.0);
    assert_true(ech_exp(-INFINITY) == 0.0);
    assert_true(ech_exp(1000.0) == INFINITY);
    assert_true(isnan(ech_exp(NAN)));
}

static void test_log(void **state)
{
    (void)state;
    check_bound("log near 1", max_error(ech_log, logl, 0.5, 2.0, 200000, 0), 2.0);
    check_bound("log wide", max_error(ech_log, logl, 1e-300, 1e300, 200000, 1), 2.0);
    check_bound("log subnormal", max_error(ech_log, logl, 4.9e-324, 2e-308, 50000, 1), 2.0);
    assert_true(ech_log(1.0) == 0.0);
    assert_true(ech_log(0.0) == -INFINITY);
    assert_true(isnan(ech_log(-1.0)));
    assert_true(ech_log(INFINITY) == INFINITY);
}

static void test_log1p_expm1(void **state)
{
    (void)state;
    check_bound("log1p small", max_error(ech_log1p, log1pl, 1e-20, 0.5, 100000, 1), 3.0);
    check_bound("log1p negative", max_error(ech_log1p, log1pl, -0.999, 0.0, 100000, 0), 3.0);
    check_bound("log1p large", max_error(ech_log1p, log1pl, 0.5, 1e10, 100000, 1), 3.0);
    check_bound("expm1 small", max_error(ech_expm1, expm1l, -0.34, 0.34, 100000, 0), 2.0);
    check_bound("expm1 tiny", max_error(ech_expm1, expm1l, 1e-300, 1e-5, 50000, 1), 2.0);
    check_bound("expm1 wide", max_error(ech_expm1, expm1l, -30.0, 700.0, 100000, 0), 2.0);
    assert_true(ech_log1p(0.0) == 0.0);
    assert_true(ech_log1p(-1.0) == -INFINITY);
    assert_true(ech_expm1(0.0) == 0.0);
    assert_true(ech_expm1(-100.0) == -1.0);
}

static void test_pow(void **state)
{
    (void)state;
    ech_pcg32 rng;
    ech_pcg32_seed(&rng, 7u, 2u);
    for (int i = 0; i < 100000; ++i) {
        double x = exp(-20.0 + 40.0 * ech_pcg32_uniform53(&rng));
        double y = -5.0 + 10.0 * ech_pcg32_uniform53(&rng);
        double err = ulp_error(ech_pow(x, y), powl((long double)x, (long double)y));
        double bound = 2.0 + 2.0 * fabs(y * log(x));
        if (!(err <= bound))
            fail_msg("pow(%.17g, %.17g): %.2f ulp, more than %.1f", x, y, err, bound);
    }
    assert_true(ech_pow(2.0, 10.0) == 1024.0);
    assert_true(ech_pow(5.0, 0.0) == 1.0);
    assert_true(ech_pow(0.0, 2.0) == 0.0);
}

static void test_log_factorial(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int k = 0; k <= 100000; k = k < 200 ? k + 1 : k * 11 / 10) {
        double err = ulp_error(ech_log_factorial((double)k), lgammal((long double)k + 1.0L));
        if (k >= 2 && err > worst)
            worst = err;
    }
    check_bound("log factorial", worst, 4.0);
    assert_true(ech_log_factorial(0.0) == 0.0);
    assert_true(ech_log_factorial(1.0) == 0.0);
}

static double rel_error(double got, double want)
{
    return got == want ? 0.0 : fabs(got - want) / fabs(want);
}

/* The incomplete gamma functions and the normal CDF against GSL's, over the shapes
 * lead times have (shape = (mean / sd)^2) and more. */
static void test_incomplete_gamma(void **state)
{
    (void)state;
    double worst = 0.0, worst_lg = 0.0;
    for (double a = 0.05; a < 500.0; a *= 1.37) {
        worst_lg = fmax(worst_lg, fabs(ech_lgamma(a) - (double)lgammal((long double)a)) /
                                      (1.0 + fabs(gsl_sf_lngamma(a))));
        for (double x = 1e-3; x < 2000.0; x *= 1.29) {
            double P = gsl_sf_gamma_inc_P(a, x), Q = gsl_sf_gamma_inc_Q(a, x);
            /* Where GSL's own P and Q disagree (its Q for small a and x, by up to
             * 1e-11), it is no reference. */
            if (!(fabs(P + Q - 1.0) <= 4e-16))
                continue;
            if (P > 1e-290)
                worst = fmax(worst, rel_error(ech_gamma_p(a, x), P));
            if (Q > 1e-290)
                worst = fmax(worst, rel_error(ech_gamma_q(a, x), Q));
        }
    }
    if (!(worst_lg <= 1e-14))
        fail_msg("lgamma: error %g", worst_lg);
    if (!(worst <= 1e-11))
        fail_msg("incomplete gamma: relative error %g", worst);
    double worst_n = 0.0;
    for (double z = -30.0; z <= 8.0; z += 0.0137)
        worst_n = fmax(worst_n, rel_error(ech_normal_p(z), gsl_cdf_ugaussian_P(z)));
    if (!(worst_n <= 1e-12))
        fail_msg("normal CDF: relative error %g", worst_n);
    assert_true(ech_gamma_p(2.0, 0.0) == 0.0 && ech_gamma_q(2.0, 0.0) == 1.0);
    assert_true(ech_normal_p(0.0) == 0.5);
}

/* Bits that results depend on: any change here changes results files. */
static void test_fixed_bits(void **state)
{
    (void)state;
    static const struct {
        double (*f)(double);
        double x;
        uint64_t bits;
    } cases[] = {
        {ech_exp, 0.5, UINT64_C(0x3ffa61298e1e069c)},
        {ech_exp, -3.25, UINT64_C(0x3fa3da368521902d)},
        {ech_log, 2.6, UINT64_C(0x3fee938cbceb16dd)},
        {ech_log, 0.03125, UINT64_C(0xc00bb9d3beb8c86b)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        double v = cases[i].f(cases[i].x);
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        if (b != cases[i].bits)
            fail_msg("case %zu: bits %016llx, expected %016llx", i, (unsigned long long)b,
                     (unsigned long long)cases[i].bits);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp),           cmocka_unit_test(test_log),
        cmocka_unit_test(test_log1p_expm1),   cmocka_unit_test(test_pow),
        cmocka_unit_test(test_log_factorial), cmocka_unit_test(test_incomplete_gamma),
        cmocka_unit_test(test_fixed_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
