/* Reproducible exponentials and logarithms; see include/echelon/repro_math.h.
 *
 * Both reduce the argument exactly and sum a short series:
 *  - exp: x = k ln2 + r with |r| <= ln2/2 (ln2 split in a 32-bit head, so k ln2_hi
 *    is exact, and a tail), exp(r) by its Taylor series to r^14 (truncation below
 *    2^-60), the small part summed first so that adding 1 rounds once, then scaled by
 *    2^k through the exponent bits (two steps near the subnormal range).
 *  - log: x = 2^e m with m in [sqrt(1/2), sqrt(2)); with f = m - 1 (exact) and
 *    s = f / (2 + f), log m = 2 atanh(s) = 2s + 2s^3/3 + 2s^5/5 + ..., |s| < 0.172
 *    (to s^23, truncation below 2^-60); e ln2 is added in two parts.
 */
#include "echelon/repro_math.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ln 2 in a head of 32 significant bits (so k * LN2_HI is exact for |k| < 2^21)
 * and a tail. */
static const double LN2_HI = 6.93147180369123816490e-01; /* 0x3fe62e42fee00000 */
static const double LN2_LO = 1.90821492927058770002e-10; /* ln 2 - LN2_HI */
static const double INV_LN2 = 1.44269504088896338700e+00;

/* 2^k for -1022 <= k <= 1023, from its bits. */
static double pow2i(int k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

double ech_exp(double x)
{
    if (x != x)
        return x;
    if (x > 709.782712893384) /* above ln(DBL_MAX) */
        return HUGE_VAL;
    if (x < -745.1332191019412) /* below ln of the smallest subnormal / 2 */
        return 0.0;
    /* k = nearest integer to x / ln 2, without a libm call. */
    double kd = x * INV_LN2;
    kd = kd >= 0.0 ? (double)(int64_t)(kd + 0.5) : -(double)(int64_t)(0.5 - kd);
    int k = (int)kd;
    double hi = x - kd * LN2_HI; /* exact: kd * LN2_HI is, and it is close to x */
    double lo = kd * LN2_LO;
    double r = hi - lo;
    /* exp(r) - 1 - r by Horner, then added to 1 + r with the tail's correction. */
    double p = 1.0 / 87178291200.0;
    p = 1.0 / 6227020800.0 + r * p;
    p = 1.0 / 479001600.0 + r * p;
    p = 1.0 / 39916800.0 + r * p;
    p = 1.0 / 3628800.0 + r * p;
    p = 1.0 / 362880.0 + r * p;
    p = 1.0 / 40320.0 + r * p;
    p = 1.0 / 5040.0 + r * p;
    p = 1.0 / 720.0 + r * p;
    p = 1.0 / 120.0 + r * p;
    p = 1.0 / 24.0 + r * p;
    p = 1.0 / 6.0 + r * p;
    p = 0.5 + r * p;
    double r_err = (hi - r) - lo; /* what rounding hi - lo to r lost */
    double y = 1.0 + (r + (r_err + r * r * p));
    if (k < -1021) /* scale in two steps so a subnormal result rounds once */
        return (y * pow2i(k + 1000)) * pow2i(-1000);
    if (k > 1023)
        return (y * 2.0) * pow2i(k - 1);
    return y * pow2i(k);
}

double ech_log(double x)
{
    if (x != x || x < 0.0)
        return x != x ? x : NAN;
    if (x == 0.0)
        return -HUGE_VAL;
    if (x == HUGE_VAL)
        return x;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff);
    if (e == 0) {                 /* subnormal: scale into the normal range */
        x *= 18014398509481984.0; /* 2^54 */
        memcpy(&bits, &x, sizeof bits);
        e = (int)((bits >> 52) & 0x7ff) - 54;
    }
    e -= 1023;
    bits = (bits & UINT64_C(0x000fffffffffffff)) | UINT64_C(0x3ff0000000000000);
    double m;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        ++e;
    }
    double f = m - 1.0; /* exact (Sterbenz) */
    double s = f / (2.0 + f);
    double z = s * s;
    double p = 2.0 / 23.0;
    p = 2.0 / 21.0 + z * p;
    p = 2.0 / 19.0 + z * p;
    p = 2.0 / 17.0 + z * p;
    p = 2.0 / 15.0 + z * p;
    p = 2.0 / 13.0 + z * p;
    p = 2.0 / 11.0 + z * p;
    p = 2.0 / 9.0 + z * p;
    p = 2.0 / 7.0 + z * p;
    p = 2.0 / 5.0 + z * p;
    p = 2.0 / 3.0 + z * p;
    /* 2s = f - s f exactly in real numbers; f - hfsq + s (hfsq + z p) keeps the
     * large part f exact and rounds only the small corrections. */
    double hfsq = 0.5 * f * f;
    double logm = f - (hfsq - s * (hfsq + z * p));
    double ed = (double)e;
    return ed * LN2_HI + (logm + ed * LN2_LO);
}

double ech_log1p(double x)
{
    if (x != x || x == HUGE_VAL)
        return x;
    if (x < -1.0)
        return NAN;
    double u = 1.0 + x;
    if (u == 1.0)
        return x;
    /* log(u) x / (u - 1): the rounding of 1 + x cancels to first order. */
    return ech_log(u) * (x / (u - 1.0));
}

double ech_expm1(double x)
{
    if (x != x)
        return x;
    if (x > -0.34657359027997264 && x < 0.34657359027997264) {
        /* Taylor series to x^15 (truncation below 2^-60 relative). */
        double p = 1.0 / 1307674368000.0;
        p = 1.0 / 87178291200.0 + x * p;
        p = 1.0 / 6227020800.0 + x * p;
        p = 1.0 / 479001600.0 + x * p;
        p = 1.0 / 39916800.0 + x * p;
        p = 1.0 / 3628800.0 + x * p;
        p = 1.0 / 362880.0 + x * p;
        p = 1.0 / 40320.0 + x * p;
        p = 1.0 / 5040.0 + x * p;
        p = 1.0 / 720.0 + x * p;
        p = 1.0 / 120.0 + x * p;
        p = 1.0 / 24.0 + x * p;
        p = 1.0 / 6.0 + x * p;
        p = 0.5 + x * p;
        return x + x * x * p;
    }
    if (x < -40.0)
        return -1.0;
    return ech_exp(x) - 1.0;
}

double ech_pow(double x, double y)
{
    if (y == 0.0)
        return 1.0;
    if (x == 1.0)
        return 1.0;
    if (x == 0.0)
        return y > 0.0 ? 0.0 : HUGE_VAL;
    if (!(x > 0.0))
        return NAN; /* the model raises only positive numbers to powers */
    return ech_exp(y * ech_log(x));
}

double ech_log_factorial(double k)
{
    if (!(k >= 0.0))
        return NAN;
    if (k < 16.0) {
        /* k! is exact in double up to 22!. */
        double f = 1.0;
        for (double j = 2.0; j <= k; j += 1.0)
            f *= j;
        return ech_log(f);
    }
    return ech_lgamma(k + 1.0); /* Stirling's series, unshifted from 17 on */
}

double ech_lgamma(double x)
{
    if (!(x > 0.0))
        return NAN;
    if (x == HUGE_VAL)
        return x;
    /* Below 15, shift up: ln Gamma(x) = ln Gamma(x + n) - ln(x (x+1) ... (x+n-1)). */
    double shift = 0.0;
    if (x < 15.0) {
        double prod = 1.0;
        while (x < 15.0) {
            prod *= x;
            x += 1.0;
        }
        shift = ech_log(prod);
    }
    /* Stirling's series to the z^-13 term: its truncation is below 2e-19 from 15 on. */
    double iz = 1.0 / x, iz2 = iz * iz;
    double series = 1.0 / 156.0;
    series = -691.0 / 360360.0 + iz2 * series;
    series = 1.0 / 1188.0 + iz2 * series;
    series = -1.0 / 1680.0 + iz2 * series;
    series = 1.0 / 1260.0 + iz2 * series;
    series = -1.0 / 360.0 + iz2 * series;
    series = 1.0 / 12.0 + iz2 * series;
    return ((x - 0.5) * ech_log(x) - x + 0.91893853320467274178 + iz * series) - shift;
}

/* exp(-x + a ln x - ln Gamma(a)), the factor both forms of the incomplete gamma
 * function share. */
static double gamma_prefactor(double a, double x)
{
    return ech_exp(-x + a * ech_log(x) - ech_lgamma(a));
}

/* P(a, x) by its series, for x < a + 1. */
static double gamma_p_series(double a, double x)
{
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000; ++n) {
        term *= x / (a + (double)n);
        sum += term;
        if (term < sum * 1e-17)
            break;
    }
    return sum * gamma_prefactor(a, x);
}

/* Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1. */
static double gamma_q_fraction(double a, double x)
{
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int n = 1; n < 10000; ++n) {
        double an = -(double)n * ((double)n - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1.0) < 1e-16)
            break;
    }
    return h * gamma_prefactor(a, x);
}

double ech_gamma_p(double a, double x)
{
    if (!(a > 0.0) || x != x)
        return NAN;
    if (x <= 0.0)
        return 0.0;
    if (x == HUGE_VAL)
        return 1.0;
    return x < a + 1.0 ? gamma_p_series(a, x) : 1.0 - gamma_q_fraction(a, x);
}

double ech_gamma_q(double a, double x)
{
    if (!(a > 0.0) || x != x)
        return NAN;
    if (x <= 0.0)
        return 1.0;
    if (x == HUGE_VAL)
        return 0.0;
    return x < a + 1.0 ? 1.0 - gamma_p_series(a, x) : gamma_q_fraction(a, x);
}

double ech_normal_p(double z)
{
    /* Phi(z) = erfc(-z / sqrt 2) / 2, and erfc(y) = Q(1/2, y^2) for y >= 0. */
    if (z != z)
        return z;
    double h = 0.5 * z * z;
    return z < 0.0 ? 0.5 * ech_gamma_q(0.5, h) : 0.5 + 0.5 * ech_gamma_p(0.5, h);
}
