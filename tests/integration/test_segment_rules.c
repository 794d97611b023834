/* Policy rules per segment (policies.by_segment): a segment's rule for a location
 * kind replaces the kind's rule for that segment's SKUs, in the scenario and, over
 * it, in a variant; other segments keep the kind's rule.  Worked by hand on
 * tests/scenarios/segment_rules.yaml: Poisson demand of 4 a day at a pharmacy
 * reviewed weekly with a 2-day lane, so the protection interval is 9 days and its
 * demand Poisson(36). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/scenario_load.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The least k with P(Poisson(m) <= k) >= p. */
static int32_t poisson_quantile(double m, double p)
{
    int32_t k = 0;
    while (gsl_cdf_poisson_P((unsigned)k, m) < p)
        ++k;
    return k;
}

static int64_t skuloc_of(const ech_scenario *sc, const char *sku, const char *loc)
{
    for (int64_t x = 0; x < sc->sl.n; ++x)
        if (strcmp(sc->cat.id[sc->sl.sku[x]], sku) == 0 &&
            strcmp(sc->net.id[sc->sl.location[x]], loc) == 0)
            return x;
    fail_msg("no skuloc %s at %s", sku, loc);
    return -1;
}

static void test_segment_rules(void **state)
{
    (void)state;
    ech_scenario sc;
    ech_error err;
    ech_error_clear(&err);
    const char *root = getenv("ECHELON_SOURCE_DIR");
    if (!root)
        fail_msg("ECHELON_SOURCE_DIR is not set (ctest sets it)");
    char path[2048];
    snprintf(path, sizeof path, "%s/tests/scenarios/segment_rules.yaml", root);
    ech_status st = ech_scenario_load(path, NULL, &sc, &err);
    if (st != ECH_OK)
        fail_msg("load: %s", err.msg);
    int64_t a = skuloc_of(&sc, "A", "PH1"), b = skuloc_of(&sc, "B", "PH1");
    assert_int_equal(sc.n_variants, 2);
    const ech_variant *base = &sc.variant[0], *cover = &sc.variant[1];
    /* Segment 'critical' at 99.5%, 'routine' at the kind's 80%. */
    assert_int_equal(base->order_up_to[a], poisson_quantile(36.0, 0.995));
    assert_int_equal(base->order_up_to[b], poisson_quantile(36.0, 0.80));
    assert_true(base->order_up_to[a] > base->order_up_to[b]);
    /* The variant's rule for the segment: 30 days of cover = 120 units. */
    assert_int_equal(cover->order_up_to[a], 120);
    assert_int_equal(cover->order_up_to[b], poisson_quantile(36.0, 0.80));
    /* The resolved scenario says so. */
    char *text = ech_scenario_resolved_text(&sc);
    assert_non_null(strstr(text, "by_segment:"));
    assert_non_null(strstr(text, "segment: \"critical\""));
    free(text);
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
