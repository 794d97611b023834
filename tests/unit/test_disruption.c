/* Disruption timelines (include/echelon/disruption.h).
 *
 * A small network built in code: 3 suppliers, 4 supplier sites in 2 regions,
 *
 *     site 0 "a-north"  supplier 0, region 1 (north)
 *     site 1 "a-south"  supplier 0, region 2 (south)
 *     site 2 "b-north"  supplier 1, region 1
 *     site 3 "c-south"  supplier 2, region 2
 *
 * and disruptions added per test.  Scripted spells, scopes and the merging of
 * several disruptions at a site are checked exactly (the merge also against a
 * day-by-day reference on random timelines); the Markov process statistically:
 * the share of down days and of replications that start down against MTTR / (MTBF
 * + MTTR) within 99% confidence intervals, and the lengths of up and down spells
 * (and of the spell under way on day 0) against their geometric distributions by
 * chi-square goodness of fit, p > 1e-3.  All at fixed seeds, so the outcome is
 * deterministic.
 *
 * Setting ECHELON_TEST_SEEDS=N runs every statistical case at N further seeds and
 * prints how often p fell below 0.01 and 0.001 (about 1% and 0.1% of runs when the
 * process is right): a check by hand that the fixed-seed pass is not luck. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "echelon/disruption.h"
#include "echelon/rng.h"
#include "support_scenario.h"

#include <gsl/gsl_cdf.h>

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIXED_SEED 20270104u
#define CI_P 0.01 /* two-sided: the 99% confidence interval */
#define CHISQ_P 1e-3

static int n_seeds = 1;

/* ------------------------------------------------------------------------------
 * The test network
 * ------------------------------------------------------------------------------ */

enum { NORTH = 1, SOUTH = 2 };

static void add_site(ech_scenario *sc, const char *id, int32_t supplier, int32_t region)
{
    ech_sites *s = &sc->sites;
    TS_GROW(s->id, s->n);
    TS_GROW(s->supplier, s->n);
    TS_GROW(s->region, s->n);
    TS_GROW(s->lead_time, s->n);
    s->id[s->n] = strdup(id);
    s->supplier[s->n] = supplier;
    s->region[s->n] = region;
    s->lead_time[s->n] = sc->suppliers.lead_time[supplier]; /* fixed: no pmf to own */
    s->n++;
}

/* The network above; add disruptions, then call finish(). */
static void build(ech_scenario *sc, int32_t days, int32_t warmup, uint64_t seed)
{
    ts_init(sc, days, warmup, 1, seed);
    ts_add_supplier(sc, "supplier-a", ECH_LT_FIXED, 10, 0, 10, 10);
    ts_add_supplier(sc, "supplier-b", ECH_LT_FIXED, 12, 0, 12, 12);
    ts_add_supplier(sc, "supplier-c", ECH_LT_FIXED, 7, 0, 7, 7);
    ts_add_location(sc, "CW", ECH_LOC_CW, NULL, 0);
    sc->n_regions = 3;
    sc->region = malloc(3 * sizeof *sc->region);
    sc->region[0] = strdup("default");
    sc->region[NORTH] = strdup("north");
    sc->region[SOUTH] = strdup("south");
    add_site(sc, "a-north", 0, NORTH);
    add_site(sc, "a-south", 0, SOUTH);
    add_site(sc, "b-north", 1, NORTH);
    add_site(sc, "c-south", 2, SOUTH);
}

static int32_t add_disruption(ech_scenario *sc, const char *name, ech_disruption_kind kind,
                              ech_disruption_scope scope, int32_t target, double mtbf, double mttr,
                              int32_t from, int32_t to, double capacity)
{
    ech_disruptions *d = &sc->disruptions;
    TS_GROW(d->name, d->n);
    TS_GROW(d->kind, d->n);
    TS_GROW(d->scope, d->n);
    TS_GROW(d->target, d->n);
    TS_GROW(d->mtbf_days, d->n);
    TS_GROW(d->mttr_days, d->n);
    TS_GROW(d->from_day, d->n);
    TS_GROW(d->to_day, d->n);
    TS_GROW(d->capacity, d->n);
    TS_GROW(d->key, d->n);
    d->name[d->n] = strdup(name);
    d->kind[d->n] = (uint8_t)kind;
    d->scope[d->n] = (uint8_t)scope;
    d->target[d->n] = scope == ECH_SCOPE_EACH_SITE ? -1 : target;
    d->mtbf_days[d->n] = mtbf;
    d->mttr_days[d->n] = mttr;
    d->from_day[d->n] = from;
    d->to_day[d->n] = to;
    d->capacity[d->n] = capacity;
    d->key[d->n] = ech_hash_string(name);
    return d->n++;
}

static int32_t add_markov(ech_scenario *sc, const char *name, ech_disruption_scope scope,
                          int32_t target, double mtbf, double mttr, double capacity)
{
    return add_disruption(sc, name, ECH_DISRUPT_MARKOV, scope, target, mtbf, mttr, 0, 0, capacity);
}

static int32_t add_scripted(ech_scenario *sc, const char *name, ech_disruption_scope scope,
                            int32_t target, int32_t from, int32_t to, double capacity)
{
    return add_disruption(sc, name, ECH_DISRUPT_SCRIPTED, scope, target, 0, 0, from, to, capacity);
}

static void finish(ech_scenario *sc)
{
    ech_error err;
    ech_error_clear(&err);
    if (ech_scenario_finalize(sc, "test", &err) != ECH_OK)
        fail_msg("test scenario invalid: %s", err.msg);
    assert_int_equal(sc->n_variants, 1);
}

/* A variant in which only the listed disruptions are active (list ends with -1). */
typedef struct test_variant {
    ech_variant v;
    uint8_t active[32];
} test_variant;

static void only(test_variant *t, const ech_scenario *sc, const int32_t *which)
{
    assert_true(sc->disruptions.n <= 32);
    memset(t, 0, sizeof *t);
    t->v.disruption_active = t->active;
    for (; *which >= 0; ++which)
        t->active[*which] = 1;
}

/* ------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------ */

static int32_t n_days(const ech_scenario *sc)
{
    return sc->warmup_days + sc->days;
}

/* A timeline in a growing buffer. */
typedef struct spells {
    ech_outage *s;
    int32_t n, cap;
} spells;

static void get_timeline(spells *b, const ech_scenario *sc, int32_t d, int32_t site, int64_t rep)
{
    b->n = ech_disruption_timeline(sc, d, site, rep, b->s, b->cap);
    if (b->n > b->cap) {
        b->cap = 2 * b->n;
        b->s = realloc(b->s, (size_t)b->cap * sizeof *b->s);
        b->n = ech_disruption_timeline(sc, d, site, rep, b->s, b->cap);
    }
    assert_true(b->n <= b->cap);
}

static void get_outages(spells *b, const ech_scenario *sc, const ech_variant *v, int32_t site,
                        int64_t rep)
{
    b->n = ech_site_outages(sc, v, site, rep, b->s, b->cap);
    if (b->n > b->cap) {
        b->cap = 2 * b->n;
        b->s = realloc(b->s, (size_t)b->cap * sizeof *b->s);
        b->n = ech_site_outages(sc, v, site, rep, b->s, b->cap);
    }
    assert_true(b->n <= b->cap);
}

static int same_spells(const spells *a, const spells *b)
{
    if (a->n != b->n)
        return 0;
    for (int32_t k = 0; k < a->n; ++k)
        if (a->s[k].start != b->s[k].start || a->s[k].end != b->s[k].end ||
            a->s[k].capacity != b->s[k].capacity)
            return 0;
    return 1;
}

/* Checks the shape every answer must have (non-empty, sorted, disjoint, inside the
 * simulated days; `merged`: touching spells differ in capacity) and spreads the
 * spells over days: cap_day[d] = the capacity on day d, 1 when up. */
static void to_days(const spells *b, int32_t days, int merged, double *cap_day)
{
    for (int32_t d = 0; d < days; ++d)
        cap_day[d] = 1.0;
    for (int32_t k = 0; k < b->n; ++k) {
        const ech_outage *o = &b->s[k];
        assert_true(o->start >= 0);
        assert_true(o->start < o->end);
        assert_true(o->end <= days);
        assert_true(o->capacity >= 0.0 && o->capacity < 1.0);
        if (k > 0) {
            assert_true(b->s[k - 1].end <= o->start);
            if (merged && b->s[k - 1].end == o->start)
                assert_true(b->s[k - 1].capacity != o->capacity);
        }
        for (int32_t d = o->start; d < o->end; ++d)
            cap_day[d] = o->capacity;
    }
}

static int32_t down_days(const spells *b)
{
    int32_t n = 0;
    for (int32_t k = 0; k < b->n; ++k)
        n += b->s[k].end - b->s[k].start;
    return n;
}

/* Two-sided p-value of a standard normal statistic. */
static double z_p(double z)
{
    return 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
}

/* Chi-square goodness of fit of lengths to the geometric distribution on 1, 2, ...
 * with success probability p.  hist[k] counts length k for k < kmax, and hist[kmax]
 * every length >= kmax (also lengths cut by the horizon and known only to be at
 * least kmax).  One bin per length while it and the tail beyond both expect at
 * least 5; the last bin is the tail.  p is known, not fitted: df = bins - 1. */
static double chisq_geometric(const int64_t *hist, int32_t kmax, double p, int64_t *n_out,
                              int *bins_out)
{
    int64_t n = 0;
    for (int32_t k = 1; k <= kmax; ++k)
        n += hist[k];
    double chi = 0.0, tail = (double)n; /* expected lengths >= k */
    int bins = 0;
    for (int32_t k = 1;; ++k) {
        double e = (double)n * p * pow(1.0 - p, k - 1);
        double next_tail = (double)n * pow(1.0 - p, k);
        if (k == kmax || e < 5.0 || next_tail < 5.0) {
            int64_t obs = 0;
            for (int32_t j = k; j <= kmax; ++j)
                obs += hist[j];
            chi += ((double)obs - tail) * ((double)obs - tail) / tail;
            ++bins;
            break;
        }
        chi += ((double)hist[k] - e) * ((double)hist[k] - e) / e;
        ++bins;
        tail = next_tail;
    }
    if (n_out)
        *n_out = n;
    if (bins_out)
        *bins_out = bins;
    return bins > 1 ? gsl_cdf_chisq_Q(chi, bins - 1) : 1.0;
}

/* ------------------------------------------------------------------------------
 * Statistical cases: each returns a p-value at a seed
 * ------------------------------------------------------------------------------ */

typedef struct markov_case {
    double mtbf, mttr;
} markov_case;

static const markov_case cases[] = {{60, 15}, {400, 40}};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

/* One site-scoped Markov disruption of the given case. */
static void markov_scenario(ech_scenario *sc, int32_t days, uint64_t seed, const markov_case *c)
{
    build(sc, days, 0, seed);
    add_markov(sc, "outage", ECH_SCOPE_SITE, 0, c->mtbf, c->mttr, 0.0);
    finish(sc);
}

/* The share of down days over 2000 replications x 365 days: the replications'
 * shares are i.i.d. with mean MTTR / (MTBF + MTTR) (the chain starts stationary). */
static double case_share(uint64_t seed, const markov_case *c, int verbose)
{
    const int64_t reps = 2000;
    ech_scenario sc;
    markov_scenario(&sc, 365, seed, c);
    spells b = {0};
    double sum = 0.0, sum2 = 0.0;
    for (int64_t r = 0; r < reps; ++r) {
        get_timeline(&b, &sc, 0, 0, r);
        double share = (double)down_days(&b) / n_days(&sc);
        sum += share;
        sum2 += share * share;
    }
    double mean = sum / (double)reps;
    double sd = sqrt((sum2 - (double)reps * mean * mean) / (double)(reps - 1));
    double se = sd / sqrt((double)reps);
    double expect = c->mttr / (c->mtbf + c->mttr);
    double p = z_p((mean - expect) / se);
    if (verbose)
        print_message("  share down, mtbf %g mttr %g: %.5f, 99%% CI [%.5f, %.5f], expected %.5f,"
                      " p = %.3f\n",
                      c->mtbf, c->mttr, mean, mean - 2.5758 * se, mean + 2.5758 * se, expect, p);
    free(b.s);
    ech_scenario_free(&sc);
    return p;
}

/* The share of replications whose day 0 is down: binomial with P = MTTR / (MTBF +
 * MTTR); 20000 replications. */
static double case_start(uint64_t seed, const markov_case *c, int verbose)
{
    const int64_t reps = 20000;
    ech_scenario sc;
    markov_scenario(&sc, 365, seed, c);
    spells b = {0};
    int64_t down = 0;
    for (int64_t r = 0; r < reps; ++r) {
        get_timeline(&b, &sc, 0, 0, r);
        down += b.n > 0 && b.s[0].start == 0;
    }
    double expect = c->mttr / (c->mtbf + c->mttr);
    double share = (double)down / (double)reps;
    double se = sqrt(expect * (1.0 - expect) / (double)reps);
    double p = z_p((share - expect) / se);
    if (verbose)
        print_message("  start down, mtbf %g mttr %g: %.5f of %lld replications, expected "
                      "%.5f (99%% band [%.5f, %.5f]), p = %.3f\n",
                      c->mtbf, c->mttr, share, (long long)reps, expect, expect - 2.5758 * se,
                      expect + 2.5758 * se, p);
    free(b.s);
    ech_scenario_free(&sc);
    return p;
}

/* Lengths of the up and down spells that lie wholly inside the horizon.  Leaving
 * out the spells cut by the horizon's ends biases the rest towards short ones (a
 * long spell is more likely to be the one cut), by about one spell per replication
 * and edge; over a horizon of 400,000 days (thousands of spells per replication)
 * that bias is far below what the test can see, whereas over 365 days (a handful)
 * it is not.  `down` selects which kind of spell.  */
static double case_spells(uint64_t seed, const markov_case *c, int down, int verbose)
{
    const int64_t reps = 40;
    const int32_t kmax = 100000;
    ech_scenario sc;
    markov_scenario(&sc, 400000, seed, c);
    int32_t days = n_days(&sc);
    int64_t *hist = calloc((size_t)kmax + 1, sizeof *hist);
    spells b = {0};
    for (int64_t r = 0; r < reps; ++r) {
        get_timeline(&b, &sc, 0, 0, r);
        for (int32_t k = 0; k < b.n; ++k) {
            int32_t len;
            if (down) {
                if (b.s[k].start == 0 || b.s[k].end == days)
                    continue;
                len = b.s[k].end - b.s[k].start;
            } else {
                /* An up spell between two down spells is whole. */
                if (k + 1 >= b.n)
                    continue;
                len = b.s[k + 1].start - b.s[k].end;
            }
            assert_true(len >= 1);
            hist[len < kmax ? len : kmax]++;
        }
    }
    int64_t n;
    int bins;
    double prob = 1.0 / (down ? c->mttr : c->mtbf);
    double p = chisq_geometric(hist, kmax, prob, &n, &bins);
    if (verbose)
        print_message("  %s spells, mtbf %g mttr %g: %lld whole spells, %d bins, chi-square "
                      "p = %.3f\n",
                      down ? "down" : "up", c->mtbf, c->mttr, (long long)n, bins, p);
    free(hist);
    free(b.s);
    ech_scenario_free(&sc);
    return p;
}

/* The rest of the spell under way on day 0: geometric again (memorylessness), for
 * replications starting up and starting down; 20000 replications of 365 days, the
 * spells cut at the horizon's far end counted in the tail bin (>= 365 days). */
static double case_first_spell(uint64_t seed, const markov_case *c, int down, int verbose)
{
    const int64_t reps = 20000;
    ech_scenario sc;
    markov_scenario(&sc, 365, seed, c);
    int32_t days = n_days(&sc);
    int64_t *hist = calloc((size_t)days + 1, sizeof *hist);
    spells b = {0};
    for (int64_t r = 0; r < reps; ++r) {
        get_timeline(&b, &sc, 0, 0, r);
        int starts_down = b.n > 0 && b.s[0].start == 0;
        if (starts_down != down)
            continue;
        int32_t len = down ? b.s[0].end : (b.n > 0 ? b.s[0].start : days);
        hist[len]++;
    }
    int64_t n;
    int bins;
    double prob = 1.0 / (down ? c->mttr : c->mtbf);
    double p = chisq_geometric(hist, days, prob, &n, &bins);
    if (verbose)
        print_message("  first %s spell, mtbf %g mttr %g: %lld replications, %d bins, "
                      "chi-square p = %.3f\n",
                      down ? "down" : "up", c->mtbf, c->mttr, (long long)n, bins, p);
    free(hist);
    free(b.s);
    ech_scenario_free(&sc);
    return p;
}

/* each_site timelines are independent: the share of days on which two sites are
 * both down has mean P(down)^2 (2000 replications x 365 days). */
static double case_independent(uint64_t seed, int verbose)
{
    const int64_t reps = 2000;
    const double mtbf = 30, mttr = 10;
    ech_scenario sc;
    build(&sc, 365, 0, seed);
    add_markov(&sc, "each", ECH_SCOPE_EACH_SITE, -1, mtbf, mttr, 0.0);
    finish(&sc);
    int32_t days = n_days(&sc);
    double *c0 = malloc((size_t)days * sizeof *c0), *c1 = malloc((size_t)days * sizeof *c1);
    spells a = {0}, b = {0};
    double sum = 0.0, sum2 = 0.0;
    for (int64_t r = 0; r < reps; ++r) {
        get_timeline(&a, &sc, 0, 0, r);
        get_timeline(&b, &sc, 0, 3, r);
        to_days(&a, days, 1, c0);
        to_days(&b, days, 1, c1);
        int32_t both = 0;
        for (int32_t d = 0; d < days; ++d)
            both += c0[d] < 1.0 && c1[d] < 1.0;
        double share = (double)both / days;
        sum += share;
        sum2 += share * share;
    }
    double mean = sum / (double)reps;
    double sd = sqrt((sum2 - (double)reps * mean * mean) / (double)(reps - 1));
    double pi = mttr / (mtbf + mttr);
    double p = z_p((mean - pi * pi) / (sd / sqrt((double)reps)));
    if (verbose)
        print_message("  each_site, sites 0 and 3 both down: %.5f of days, expected %.5f, "
                      "p = %.3f\n",
                      mean, pi * pi, p);
    free(c0);
    free(c1);
    free(a.s);
    free(b.s);
    ech_scenario_free(&sc);
    return p;
}

/* Runs a case at the fixed seed (asserting p > p_min) and, with
 * ECHELON_TEST_SEEDS=N, at N more seeds, reporting how often p was small. */
#define RUN_CASE(p_min, call_with_seed_verbose)                                                  \
    do {                                                                                         \
        uint64_t seed_ = FIXED_SEED;                                                             \
        int verbose_ = 1;                                                                        \
        double p_ = (call_with_seed_verbose);                                                    \
        assert_true(p_ > (p_min));                                                               \
        if (n_seeds > 1) {                                                                       \
            int lo1_ = 0, lo01_ = 0;                                                             \
            verbose_ = 0;                                                                        \
            for (int s_ = 1; s_ <= n_seeds; ++s_) {                                              \
                seed_ = 1000u + (uint64_t)s_;                                                    \
                double q_ = (call_with_seed_verbose);                                            \
                lo1_ += q_ < 0.01;                                                               \
                lo01_ += q_ < 0.001;                                                             \
            }                                                                                    \
            print_message("    over %d seeds: p < 0.01 %d times, p < 0.001 %d times\n", n_seeds, \
                          lo1_, lo01_);                                                          \
        }                                                                                        \
    } while (0)

static void test_markov_share(void **state)
{
    (void)state;
    for (int c = 0; c < N_CASES; ++c)
        RUN_CASE(CI_P, case_share(seed_, &cases[c], verbose_));
}

static void test_markov_start(void **state)
{
    (void)state;
    for (int c = 0; c < N_CASES; ++c)
        RUN_CASE(CI_P, case_start(seed_, &cases[c], verbose_));
}

static void test_markov_spell_lengths(void **state)
{
    (void)state;
    for (int c = 0; c < N_CASES; ++c) {
        RUN_CASE(CHISQ_P, case_spells(seed_, &cases[c], 0, verbose_));
        RUN_CASE(CHISQ_P, case_spells(seed_, &cases[c], 1, verbose_));
        RUN_CASE(CHISQ_P, case_first_spell(seed_, &cases[c], 0, verbose_));
        RUN_CASE(CHISQ_P, case_first_spell(seed_, &cases[c], 1, verbose_));
    }
}

static void test_each_site_independent(void **state)
{
    (void)state;
    RUN_CASE(CI_P, case_independent(seed_, verbose_));
}

/* ------------------------------------------------------------------------------
 * Exact cases
 * ------------------------------------------------------------------------------ */

/* MTBF = MTTR = 1: the chain flips every day, so the timeline alternates one-day
 * spells from whichever state day 0 drew; a huge MTBF never fails after an up
 * start. */
static void test_markov_edges(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 100, 10, 7);
    int32_t flip = add_markov(&sc, "flip", ECH_SCOPE_SITE, 0, 1.0, 1.0, 0.5);
    int32_t never = add_markov(&sc, "never", ECH_SCOPE_SITE, 0, 1e300, 1.0, 0.0);
    finish(&sc);
    spells b = {0};
    int32_t days = n_days(&sc);
    int starts[2] = {0, 0};
    for (int64_t r = 0; r < 64; ++r) {
        get_timeline(&b, &sc, flip, 0, r);
        int32_t first = b.s[0].start;
        assert_true(first == 0 || first == 1);
        starts[first]++;
        assert_int_equal(b.n, (days - first + 1) / 2);
        for (int32_t k = 0; k < b.n; ++k) {
            assert_int_equal(b.s[k].start, first + 2 * k);
            assert_int_equal(b.s[k].end, first + 2 * k + 1);
            assert_true(b.s[k].capacity == 0.5);
        }
        /* P(down on day 0) = 1e300 / (1 + 1e300): never starts down, never fails. */
        get_timeline(&b, &sc, never, 0, r);
        assert_int_equal(b.n, 0);
    }
    assert_true(starts[0] > 10 && starts[1] > 10); /* day 0 is down half the time */
    free(b.s);
    ech_scenario_free(&sc);
}

/* Scripted spells: scenario days shift by the warm-up and clip to the simulated days
 * [0, warmup + days). */
static void test_scripted(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 365, 30, 1); /* simulated days 0..394; scenario day t is d = t + 30 */
    struct {
        int32_t from, to;
        int32_t n, start, end;
    } want[] = {
        {100, 200, 1, 130, 230},  /* inside */
        {-50, 10, 1, 0, 40},      /* starts before the warm-up: clipped at day 0 */
        {-30, 0, 1, 0, 30},       /* exactly the warm-up */
        {300, 500, 1, 330, 395},  /* runs past the horizon: clipped */
        {0, 365, 1, 30, 395},     /* exactly the measured days */
        {-1000, 1000, 1, 0, 395}, /* everything */
        {364, 365, 1, 394, 395},  /* the last day */
        {400, 450, 0, 0, 0},      /* wholly after the horizon */
        {365, 366, 0, 0, 0},      /* the first day after it */
        {-100, -40, 0, 0, 0},     /* wholly before the warm-up */
        {-40, -30, 0, 0, 0},      /* ends where the warm-up starts */
        {50, 50, 0, 0, 0},        /* empty */
        {80, 60, 0, 0, 0},        /* reversed: empty */
    };
    int n_want = (int)(sizeof want / sizeof want[0]);
    char name[32];
    for (int k = 0; k < n_want; ++k) {
        snprintf(name, sizeof name, "script-%d", k);
        add_scripted(&sc, name, ECH_SCOPE_SITE, 1, want[k].from, want[k].to, 0.25);
    }
    finish(&sc);
    for (int k = 0; k < n_want; ++k) {
        for (int64_t rep = 0; rep < 3; ++rep) { /* the same in every replication */
            ech_outage out[2] = {{-7, -7, -7.0}, {-7, -7, -7.0}};
            int32_t n = ech_disruption_timeline(&sc, k, 1, rep, out, 2);
            assert_int_equal(n, want[k].n);
            if (n == 1) {
                assert_int_equal(out[0].start, want[k].start);
                assert_int_equal(out[0].end, want[k].end);
                assert_true(out[0].capacity == 0.25);
            } else {
                assert_int_equal(out[0].start, -7);
            }
            assert_int_equal(out[1].start, -7);
            /* The count alone, with no room. */
            assert_int_equal(ech_disruption_timeline(&sc, k, 1, rep, NULL, 0), want[k].n);
        }
    }
    /* No simulated days, no spells; an unknown disruption has none either. */
    assert_int_equal(ech_disruption_timeline(&sc, n_want, 1, 0, NULL, 0), 0);
    assert_int_equal(ech_disruption_timeline(&sc, -1, 1, 0, NULL, 0), 0);
    sc.days = 0;
    sc.warmup_days = 0;
    assert_int_equal(ech_disruption_timeline(&sc, 0, 1, 0, NULL, 0), 0);
    ech_scenario_free(&sc);
}

static void test_covers(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 365, 0, 1);
    int32_t d_site = add_markov(&sc, "site-2", ECH_SCOPE_SITE, 2, 50, 5, 0.0);
    int32_t d_sup = add_markov(&sc, "supplier-a", ECH_SCOPE_SUPPLIER, 0, 50, 5, 0.0);
    int32_t d_reg = add_markov(&sc, "north", ECH_SCOPE_REGION, NORTH, 50, 5, 0.0);
    int32_t d_each = add_markov(&sc, "each", ECH_SCOPE_EACH_SITE, -1, 50, 5, 0.0);
    finish(&sc);
    const int want[4][4] = {
        [0] = {0, 0, 1, 0}, /* site 2 */
        [1] = {1, 1, 0, 0}, /* supplier 0: sites 0 and 1 */
        [2] = {1, 0, 1, 0}, /* north: sites 0 and 2 */
        [3] = {1, 1, 1, 1}, /* each site */
    };
    assert_int_equal(d_site, 0);
    assert_int_equal(d_sup, 1);
    assert_int_equal(d_reg, 2);
    assert_int_equal(d_each, 3);
    for (int32_t d = 0; d < 4; ++d) {
        for (int32_t s = 0; s < 4; ++s)
            assert_int_equal(ech_disruption_covers(&sc, d, s), want[d][s]);
        assert_int_equal(ech_disruption_covers(&sc, d, -1), 0);
        assert_int_equal(ech_disruption_covers(&sc, d, 4), 0);
    }
    assert_int_equal(ech_disruption_covers(&sc, 4, 0), 0);
    assert_int_equal(ech_disruption_covers(&sc, -1, 0), 0);
    ech_scenario_free(&sc);
}

/* Correlated events: every site a regional (or supplier-wide) disruption strikes
 * gets the same timeline in a replication, the others none; each_site timelines
 * differ between sites and repeat for the same site. */
static void test_scope_timelines(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 365, 30, 99);
    int32_t d_reg = add_markov(&sc, "north-flood", ECH_SCOPE_REGION, NORTH, 30, 10, 0.1);
    int32_t d_sup = add_markov(&sc, "supplier-a-strike", ECH_SCOPE_SUPPLIER, 0, 30, 10, 0.2);
    int32_t d_each = add_markov(&sc, "breakdowns", ECH_SCOPE_EACH_SITE, -1, 30, 10, 0.3);
    finish(&sc);
    test_variant reg, sup, each;
    only(&reg, &sc, (int32_t[]){d_reg, -1});
    only(&sup, &sc, (int32_t[]){d_sup, -1});
    only(&each, &sc, (int32_t[]){d_each, -1});
    spells s[4] = {{0}}, again = {0}, t = {0};
    int64_t reps = 300, nonempty = 0, reg_eq_sup = 0, each_equal = 0;
    for (int64_t r = 0; r < reps; ++r) {
        /* Region north: sites 0 and 2 alike, 1 and 3 untouched. */
        for (int32_t site = 0; site < 4; ++site)
            get_outages(&s[site], &sc, &reg.v, site, r);
        assert_true(same_spells(&s[0], &s[2]));
        assert_int_equal(s[1].n, 0);
        assert_int_equal(s[3].n, 0);
        nonempty += s[0].n > 0;
        for (int32_t k = 0; k < s[0].n; ++k)
            assert_true(s[0].s[k].capacity == 0.1);
        /* The site argument does not matter to a regional timeline. */
        for (int32_t site = -1; site < 4; ++site) {
            get_timeline(&t, &sc, d_reg, site, r);
            assert_true(same_spells(&t, &s[0]));
        }
        /* Supplier a: sites 0 and 1 alike, 2 and 3 untouched; its own stream. */
        for (int32_t site = 0; site < 4; ++site)
            get_outages(&s[site], &sc, &sup.v, site, r);
        assert_true(same_spells(&s[0], &s[1]));
        assert_int_equal(s[2].n, 0);
        assert_int_equal(s[3].n, 0);
        get_timeline(&t, &sc, d_reg, 0, r);
        reg_eq_sup += s[0].n == t.n && (s[0].n == 0 || s[0].s[0].start == t.s[0].start);
        /* Each site: four different timelines, each the same when asked again. */
        for (int32_t site = 0; site < 4; ++site) {
            get_outages(&s[site], &sc, &each.v, site, r);
            get_outages(&again, &sc, &each.v, site, r);
            assert_true(same_spells(&s[site], &again));
            get_timeline(&t, &sc, d_each, site, r);
            assert_true(same_spells(&s[site], &t));
        }
        for (int32_t a = 0; a < 4; ++a)
            for (int32_t b = a + 1; b < 4; ++b)
                each_equal += same_spells(&s[a], &s[b]);
    }
    /* Down on a given day with probability 1/4: practically every year has spells. */
    assert_true(nonempty > reps * 9 / 10);
    assert_true(reg_eq_sup < reps / 10);
    assert_true(each_equal == 0);
    for (int k = 0; k < 4; ++k)
        free(s[k].s);
    free(again.s);
    free(t.s);
    ech_scenario_free(&sc);
}

/* Several disruptions at one site: the union, min capacity where they overlap. */
static void test_merge_exact(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 365, 0, 5);
    int32_t act[16], na = 0;
    act[na++] = add_scripted(&sc, "A", ECH_SCOPE_SITE, 0, 10, 50, 0.5);
    act[na++] = add_scripted(&sc, "B", ECH_SCOPE_SUPPLIER, 0, 30, 80, 0.2);
    act[na++] = add_scripted(&sc, "C", ECH_SCOPE_REGION, NORTH, 100, 120, 0.0);
    act[na++] = add_scripted(&sc, "D", ECH_SCOPE_EACH_SITE, -1, 120, 130, 0.0);
    act[na++] = add_scripted(&sc, "E", ECH_SCOPE_SITE, 0, 140, 200, 0.3);
    act[na++] = add_scripted(&sc, "F", ECH_SCOPE_SITE, 0, 150, 160, 0.6);
    act[na++] = add_scripted(&sc, "G", ECH_SCOPE_SUPPLIER, 0, 210, 220, 0.1);
    act[na++] = add_scripted(&sc, "H", ECH_SCOPE_REGION, NORTH, 205, 230, 0.4);
    int32_t inactive = add_scripted(&sc, "I", ECH_SCOPE_SITE, 0, 0, 5, 0.0);
    act[na++] = add_scripted(&sc, "J", ECH_SCOPE_SITE, 1, 240, 250, 0.0);
    act[na++] = add_scripted(&sc, "K", ECH_SCOPE_SITE, 0, 300, 310, 0.5);
    act[na++] = add_scripted(&sc, "L", ECH_SCOPE_REGION, NORTH, 305, 320, 0.5);
    act[na++] = add_scripted(&sc, "M", ECH_SCOPE_SITE, 0, 400, 500, 0.0); /* after the end */
    act[na] = -1;
    finish(&sc);
    /* The default variant has every disruption active, I included. */
    ech_outage all[16];
    int32_t n_all = ech_site_outages(&sc, &sc.variant[0], 0, 0, all, 16);
    assert_int_equal(n_all, 9);
    assert_int_equal(all[0].start, 0);
    assert_int_equal(all[0].end, 5);

    test_variant tv;
    only(&tv, &sc, act);
    assert_int_equal(tv.active[inactive], 0);
    const ech_outage want0[] = {
        {10, 30, 0.5},   {30, 80, 0.2},   {100, 130, 0.0}, {140, 200, 0.3},
        {205, 210, 0.4}, {210, 220, 0.1}, {220, 230, 0.4}, {300, 320, 0.5},
    };
    const int32_t n0 = (int32_t)(sizeof want0 / sizeof want0[0]);
    ech_outage out[16];
    for (int64_t rep = 0; rep < 2; ++rep) {
        int32_t n = ech_site_outages(&sc, &tv.v, 0, rep, out, 16);
        assert_int_equal(n, n0);
        for (int32_t k = 0; k < n0; ++k) {
            assert_int_equal(out[k].start, want0[k].start);
            assert_int_equal(out[k].end, want0[k].end);
            assert_true(out[k].capacity == want0[k].capacity);
        }
    }
    /* Site 1 (supplier a, south): B, D, G and J. */
    const ech_outage want1[] = {{30, 80, 0.2}, {120, 130, 0.0}, {210, 220, 0.1}, {240, 250, 0.0}};
    int32_t n1 = ech_site_outages(&sc, &tv.v, 1, 0, out, 16);
    assert_int_equal(n1, 4);
    for (int32_t k = 0; k < n1; ++k) {
        assert_int_equal(out[k].start, want1[k].start);
        assert_int_equal(out[k].end, want1[k].end);
        assert_true(out[k].capacity == want1[k].capacity);
    }
    /* Site 3 (supplier c, south): only D, through the single-disruption path. */
    assert_int_equal(ech_site_outages(&sc, &tv.v, 3, 0, out, 16), 1);
    assert_int_equal(out[0].start, 120);
    assert_int_equal(out[0].end, 130);

    /* Too little room: the full count comes back, only cap spells are written. */
    for (int32_t cap = 0; cap < n0; ++cap) {
        for (int k = 0; k < 16; ++k)
            out[k] = (ech_outage){-9, -9, -9.0};
        assert_int_equal(ech_site_outages(&sc, &tv.v, 0, 0, out, cap), n0);
        for (int32_t k = 0; k < cap; ++k) {
            assert_int_equal(out[k].start, want0[k].start);
            assert_int_equal(out[k].end, want0[k].end);
        }
        assert_int_equal(out[cap].start, -9);
    }
    assert_int_equal(ech_site_outages(&sc, &tv.v, 0, 0, NULL, 0), n0);
    /* Nothing active, nothing down. */
    only(&tv, &sc, (int32_t[]){-1});
    assert_int_equal(ech_site_outages(&sc, &tv.v, 0, 0, out, 16), 0);
    ech_scenario_free(&sc);
}

/* ech_site_outages against a day-by-day reference (each day: the smallest capacity
 * of the spells covering it) on random timelines: a year with five disruptions of
 * every scope at each site, and a dense case (spells of 1-2 days over 3,000 days)
 * whose timelines outgrow the stack buffers. */
static void check_against_days(const ech_scenario *sc, const ech_variant *v, int64_t reps)
{
    int32_t days = n_days(sc);
    double *ref = malloc((size_t)days * sizeof *ref), *got = malloc((size_t)days * sizeof *got);
    double *one = malloc((size_t)days * sizeof *one);
    spells b = {0}, t = {0};
    int64_t spells_seen = 0;
    for (int64_t r = 0; r < reps; ++r) {
        for (int32_t site = 0; site < sc->sites.n; ++site) {
            for (int32_t d = 0; d < days; ++d)
                ref[d] = 1.0;
            for (int32_t i = 0; i < sc->disruptions.n; ++i) {
                if (!v->disruption_active[i] || !ech_disruption_covers(sc, i, site))
                    continue;
                get_timeline(&t, sc, i, site, r);
                to_days(&t, days, 0, one);
                for (int32_t d = 0; d < days; ++d)
                    if (one[d] < ref[d])
                        ref[d] = one[d];
            }
            get_outages(&b, sc, v, site, r);
            to_days(&b, days, 1, got);
            for (int32_t d = 0; d < days; ++d)
                assert_true(got[d] == ref[d]);
            spells_seen += b.n;
        }
    }
    assert_true(spells_seen > reps);
    free(ref);
    free(got);
    free(one);
    free(b.s);
    free(t.s);
}

static void test_merge_random(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 365, 60, 11);
    add_markov(&sc, "site-0", ECH_SCOPE_SITE, 0, 20, 5, 0.5);
    add_markov(&sc, "supplier-a", ECH_SCOPE_SUPPLIER, 0, 50, 10, 0.2);
    add_markov(&sc, "north", ECH_SCOPE_REGION, NORTH, 100, 20, 0.0);
    add_markov(&sc, "each", ECH_SCOPE_EACH_SITE, -1, 30, 3, 0.7);
    add_scripted(&sc, "fire", ECH_SCOPE_SITE, 0, 50, 150, 0.6);
    add_markov(&sc, "off", ECH_SCOPE_EACH_SITE, -1, 5, 5, 0.0);
    finish(&sc);
    test_variant tv;
    only(&tv, &sc, (int32_t[]){0, 1, 2, 3, 4, -1});
    check_against_days(&sc, &tv.v, 500);
    check_against_days(&sc, &sc.variant[0], 100);
    ech_scenario_free(&sc);

    build(&sc, 3000, 0, 12);
    add_markov(&sc, "a", ECH_SCOPE_SITE, 0, 1.5, 1.5, 0.5);
    add_markov(&sc, "b", ECH_SCOPE_SUPPLIER, 0, 2, 1.2, 0.25);
    add_markov(&sc, "c", ECH_SCOPE_EACH_SITE, -1, 1.3, 2, 0.75);
    add_scripted(&sc, "d", ECH_SCOPE_REGION, NORTH, 1000, 2000, 0.5);
    finish(&sc);
    spells t = {0};
    get_timeline(&t, &sc, 0, 0, 0);
    assert_true(t.n > 4 * 64); /* well past the stack buffers */
    free(t.s);
    check_against_days(&sc, &sc.variant[0], 20);
    ech_scenario_free(&sc);
}

/* Same inputs, same timeline; another replication or seed, another timeline; and a
 * timeline belongs to the disruption's name, not its position in the table. */
static void test_determinism(void **state)
{
    (void)state;
    ech_scenario sc, sc2, sc3;
    build(&sc, 365, 0, 42);
    add_markov(&sc, "quake", ECH_SCOPE_REGION, SOUTH, 60, 15, 0.0);
    add_markov(&sc, "each", ECH_SCOPE_EACH_SITE, -1, 60, 15, 0.0);
    finish(&sc);
    build(&sc2, 365, 0, 43);
    add_markov(&sc2, "quake", ECH_SCOPE_REGION, SOUTH, 60, 15, 0.0);
    add_markov(&sc2, "each", ECH_SCOPE_EACH_SITE, -1, 60, 15, 0.0);
    finish(&sc2);
    build(&sc3, 365, 0, 42); /* as sc, with another disruption first */
    add_markov(&sc3, "storm", ECH_SCOPE_REGION, SOUTH, 60, 15, 0.0);
    add_markov(&sc3, "quake", ECH_SCOPE_REGION, SOUTH, 60, 15, 0.0);
    add_markov(&sc3, "each", ECH_SCOPE_EACH_SITE, -1, 60, 15, 0.0);
    finish(&sc3);
    spells a = {0}, b = {0}, prev = {0};
    int64_t differ_rep = 0, differ_seed = 0, reps = 50;
    for (int64_t r = 0; r < reps; ++r) {
        for (int32_t d = 0; d < 2; ++d) {
            get_timeline(&a, &sc, d, 1, r);
            get_timeline(&b, &sc, d, 1, r);
            assert_true(same_spells(&a, &b));
            get_timeline(&b, &sc3, d + 1, 1, r);
            assert_true(same_spells(&a, &b));
            get_timeline(&b, &sc2, d, 1, r);
            differ_seed += !same_spells(&a, &b);
            if (d == 0 && r > 0)
                differ_rep += !same_spells(&a, &prev);
            if (d == 0) {
                prev.cap = prev.cap > a.n ? prev.cap : a.n;
                prev.s = realloc(prev.s, (size_t)(prev.cap > 0 ? prev.cap : 1) * sizeof *prev.s);
                memcpy(prev.s, a.s, (size_t)a.n * sizeof *a.s);
                prev.n = a.n;
            }
        }
    }
    /* Two independent years are alike only if both are spell-free (about 0.2% each). */
    assert_true(differ_rep >= reps - 2);
    assert_true(differ_seed >= 2 * reps - 2);
    free(a.s);
    free(b.s);
    free(prev.s);
    ech_scenario_free(&sc);
    ech_scenario_free(&sc2);
    ech_scenario_free(&sc3);
}

/* Many threads at once give what one thread gives (no shared mutable state). */
static void test_threads(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 365, 30, 3);
    add_markov(&sc, "site-0", ECH_SCOPE_SITE, 0, 20, 5, 0.5);
    add_markov(&sc, "north", ECH_SCOPE_REGION, NORTH, 100, 20, 0.0);
    add_markov(&sc, "each", ECH_SCOPE_EACH_SITE, -1, 3, 2, 0.7); /* ~75 spells: heap path */
    finish(&sc);
    const int64_t reps = 2000;
    uint64_t *serial = calloc((size_t)reps, sizeof *serial);
    uint64_t *parallel = calloc((size_t)reps, sizeof *parallel);
    for (int pass = 0; pass < 2; ++pass) {
        uint64_t *h = pass ? parallel : serial;
#pragma omp parallel for schedule(dynamic, 7) if (pass)
        for (int64_t r = 0; r < reps; ++r) {
            ech_outage out[256];
            uint64_t x = 0;
            for (int32_t site = 0; site < 4; ++site) {
                int32_t n = ech_site_outages(&sc, &sc.variant[0], site, r, out, 256);
                for (int32_t k = 0; k < n && k < 256; ++k)
                    x = ech_mix64(x ^ ((uint64_t)out[k].start << 32 | (uint64_t)out[k].end)) +
                        (uint64_t)(out[k].capacity * 1024);
                x = ech_mix64(x + (uint64_t)n);
            }
            h[r] = x;
        }
    }
    for (int64_t r = 0; r < reps; ++r)
        assert_true(serial[r] == parallel[r]);
    print_message("  %lld replications on %d threads: the same timelines as on one\n",
                  (long long)reps, omp_get_max_threads());
    free(serial);
    free(parallel);
    ech_scenario_free(&sc);
}

/* Not a check: what a call of ech_site_outages costs for a year (365 days + 30 of
 * warm-up) at a site struck by one and by four disruptions. */
static void test_timing(void **state)
{
    (void)state;
    ech_scenario sc;
    build(&sc, 365, 30, 8);
    add_markov(&sc, "site-0", ECH_SCOPE_SITE, 0, 60, 15, 0.5);
    add_markov(&sc, "supplier-a", ECH_SCOPE_SUPPLIER, 0, 200, 20, 0.2);
    add_markov(&sc, "north", ECH_SCOPE_REGION, NORTH, 400, 40, 0.0);
    add_scripted(&sc, "fire", ECH_SCOPE_SITE, 0, 100, 160, 0.6);
    finish(&sc);
    test_variant one;
    only(&one, &sc, (int32_t[]){0, -1});
    const int64_t calls = 200000;
    ech_outage out[64];
    int64_t total = 0;
    for (int which = 0; which < 2; ++which) {
        const ech_variant *v = which ? &sc.variant[0] : &one.v;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int64_t r = 0; r < calls; ++r)
            total += ech_site_outages(&sc, v, 0, r, out, 64);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
                    (double)calls;
        print_message("  ech_site_outages, %s: %.0f ns per call\n",
                      which ? "4 disruptions (3 Markov, 1 scripted)" : "1 Markov disruption", ns);
    }
    assert_true(total > 0);
    ech_scenario_free(&sc);
}

int main(void)
{
    const char *env = getenv("ECHELON_TEST_SEEDS");
    if (env) {
        char *end;
        long n = strtol(env, &end, 10);
        if (end != env && *end == '\0' && n > 1 && n < 100000)
            n_seeds = (int)n;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scripted),
        cmocka_unit_test(test_covers),
        cmocka_unit_test(test_scope_timelines),
        cmocka_unit_test(test_merge_exact),
        cmocka_unit_test(test_merge_random),
        cmocka_unit_test(test_markov_edges),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_markov_share),
        cmocka_unit_test(test_markov_start),
        cmocka_unit_test(test_markov_spell_lengths),
        cmocka_unit_test(test_each_site_independent),
        cmocka_unit_test(test_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
