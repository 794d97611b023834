/* The engine against exact results, each within a 99% confidence interval built
 * from the replications (which are independent, so the interval is the usual mean
 * +- 2.576 standard errors of the replication means):
 *  - single-stage periodic-review base stock, Poisson demand, backorders;
 *  - the newsvendor (lost sales, zero lead time): costs, service and the critical
 *    fractile as the cost-minimising order-up-to level;
 *  - (s,S) with zero lead time and lost sales against the stationary distribution
 *    of its Markov chain, computed here;
 *  - a two-stage serial system (Clark and Scarf's setting) with installation base
 *    stocks, where the retailer's net inventory is S2 - (D(L1) - S1)^+ - D(L2 + 1);
 *  - a single stage with an unreliable supplier (Markov outages, full or partial
 *    capacity while down) against the stationary distribution of the chain over
 *    (stock, supplier state).
 * With this model's order of events (docs/MODEL.md) all of these are exact, not
 * approximations, so any systematic deviation is a bug. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "support_check.h"
#include "support_scenario.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

/* Replications per case: enough for intervals tight enough to catch small biases.
 * Under the sanitizers (which look for memory errors, not biases) a quarter: the
 * intervals widen with it, and the optimised build keeps the full power. */
static int64_t reps_per_case(void)
{
    return getenv("ECHELON_SANITIZED") ? 5000 : 20000;
}
#define REPS reps_per_case()

typedef struct sim {
    int64_t reps;
    int64_t nodes;
    double *v; /* [(node * ECH_KPI_COUNT + k) * reps + r] */
} sim;

static sim simulate(const ech_scenario *sc)
{
    sim s;
    s.reps = sc->replications;
    s.nodes = sc->sl.sku_begin[1] - sc->sl.sku_begin[0];
    s.v = calloc((size_t)(s.nodes * ECH_KPI_COUNT * s.reps), sizeof *s.v);
    ech_engine *e = ech_engine_new(sc);
    ech_error err;
    ech_error_clear(&err);
    ech_status st = ech_engine_run_sku(e, 0, 0, 0, s.reps, s.v, s.reps, NULL, &err);
    if (st != ECH_OK)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, ECH_OK);
    ech_engine_free(e);
    return s;
}

/* Replication values of KPI k at node i, scaled by `scale` (e.g. 1/days). */
static double kpi(const sim *s, int64_t i, int k, int64_t r)
{
    return s->v[(i * ECH_KPI_COUNT + k) * s->reps + r];
}

/* Per-replication series of a KPI divided by the measured days. */
static double *per_day(const sim *s, int64_t i, int k, double days)
{
    double *x = calloc((size_t)s->reps, sizeof *x);
    for (int64_t r = 0; r < s->reps; ++r)
        x[r] = kpi(s, i, k, r) / days;
    return x;
}

/* Units filled on the day they were demanded, per day: fill rate x demand / days
 * (a linear estimator; the per-replication ratio would carry a small bias). */
static double *filled_per_day(const sim *s, int64_t i, double days)
{
    double *x = calloc((size_t)s->reps, sizeof *x);
    for (int64_t r = 0; r < s->reps; ++r)
        x[r] = round(kpi(s, i, ECH_KPI_FILL_RATE, r) * kpi(s, i, ECH_KPI_DEMAND, r)) / days;
    return x;
}

static double poisson_pmf(int64_t k, double mean)
{
    if (k < 0)
        return 0.0;
    return mean > 0 ? gsl_ran_poisson_pdf((unsigned)k, mean) : (k == 0);
}

/* The upper end of the support worth summing for Poisson(mean). */
static int64_t poisson_top(double mean)
{
    return (int64_t)(mean + 12.0 * sqrt(mean + 1.0) + 30.0);
}

/* A single location supplied directly with a fixed lead time. */
static void single_stage(ech_scenario *sc, double lambda, int32_t lead, int32_t S, int32_t s_point,
                         ech_policy_kind policy, ech_unmet_demand unmet, int32_t days, int64_t reps,
                         uint64_t seed, double cost, double price, double rate)
{
    ts_init(sc, days, lead + 30, reps, seed);
    sc->unmet_demand = (uint8_t)unmet;
    sc->costs.holding_rate_per_year = rate;
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, lead, 0, lead, lead);
    int32_t loc = ts_add_location(sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(sc, "A", cost, price, 1, sup);
    ts_add_skuloc(sc, sku, loc, ECH_DEMAND_POISSON, lambda, 1, 0, policy, 1, S, s_point);
    ts_finish(sc);
}

/* ------------------------------------------------------------------------------
 * Base stock, backorders
 * ------------------------------------------------------------------------------ */

static void check_base_stock(double lambda, int32_t lead, int32_t S, uint64_t seed)
{
    printf("base stock: lambda %g, lead time %d, S %d\n", lambda, lead, S);
    const int32_t days = 365;
    ech_scenario sc;
    single_stage(&sc, lambda, lead, S, -1, ECH_POLICY_BASE_STOCK, ECH_UNMET_BACKORDER, days, REPS,
                 seed, 1.0, 2.0, 0.0);
    sim s = simulate(&sc);

    /* End-of-day net inventory S - X, X ~ Poisson(lambda (L + 1)); before the
     * day's demand, S - Y with Y ~ Poisson(lambda L); the day's demand Z. */
    double mx = lambda * (lead + 1), my = lambda * lead;
    double on_hand = 0, backlog = 0, p_short_end = 0;
    for (int64_t x = 0; x <= poisson_top(mx); ++x) {
        double p = poisson_pmf(x, mx);
        on_hand += p * (double)(S > x ? S - x : 0);
        backlog += p * (double)(x > S ? x - S : 0);
        if (x >= S)
            p_short_end += p;
    }
    double filled = 0, csl = 0;
    for (int64_t y = 0; y <= poisson_top(my); ++y) {
        double py = poisson_pmf(y, my);
        int64_t avail = S > y ? S - y : 0;
        for (int64_t z = 0; z <= poisson_top(lambda); ++z) {
            double pz = poisson_pmf(z, lambda);
            filled += py * pz * (double)(z < avail ? z : avail);
            if (z <= avail)
                csl += py * pz;
        }
    }

    double *x = per_day(&s, 0, ECH_KPI_MEAN_ON_HAND, 1.0);
    ts_check_mean("mean on hand", x, s.reps, on_hand);
    free(x);
    /* Mean backlog from the backorder cost: price 2 x 0.5 per unit-day. */
    x = calloc((size_t)s.reps, sizeof *x);
    for (int64_t r = 0; r < s.reps; ++r)
        x[r] = kpi(&s, 0, ECH_KPI_STOCKOUT_DAYS, r) / days;
    ts_check_mean("share of days ending out of stock", x, s.reps, p_short_end);
    free(x);
    x = filled_per_day(&s, 0, days);
    ts_check_mean("units filled on the day per day", x, s.reps, filled);
    free(x);
    x = per_day(&s, 0, ECH_KPI_CYCLE_SERVICE_LEVEL, 1.0);
    ts_check_mean("cycle service level (daily)", x, s.reps, csl);
    free(x);
    free(s.v);
    ech_scenario_free(&sc);

    /* The backlog through the backorder cost (1 currency per unit-day). */
    single_stage(&sc, lambda, lead, S, -1, ECH_POLICY_BASE_STOCK, ECH_UNMET_BACKORDER, days, REPS,
                 seed + 1, 1.0, 1.0, 0.0);
    sc.costs.backorder_cost_per_day = 1.0;
    s = simulate(&sc);
    x = per_day(&s, 0, ECH_KPI_SHORTAGE_COST, days);
    ts_check_mean("mean backlog", x, s.reps, backlog);
    free(x);
    free(s.v);
    ech_scenario_free(&sc);
}

static void test_base_stock_poisson(void **state)
{
    (void)state;
    check_base_stock(0.5, 2, 3, 101);
    check_base_stock(4.0, 5, 28, 102);
    check_base_stock(20.0, 1, 45, 103);
    check_base_stock(1.5, 0, 3, 104);
    check_base_stock(150.0, 3, 640, 105);
    check_base_stock(0.05, 7, 1, 106);
}

/* ------------------------------------------------------------------------------
 * Newsvendor
 * ------------------------------------------------------------------------------ */

static void test_newsvendor(void **state)
{
    (void)state;
    /* Underage (lost margin) cu = 4, overage (holding one unit for a day) co = 1:
     * critical fractile 0.8.  Unit cost 365 at 100% a year makes co = 1. */
    const double lambda = 10.0, cu = 4.0, co = 1.0;
    const double fractile = cu / (cu + co);
    int32_t best = 0;
    while (gsl_cdf_poisson_P((unsigned)best, lambda) < fractile)
        ++best;
    printf("newsvendor: lambda %g, critical fractile %.2f -> S* = %d\n", lambda, fractile, best);
    const int32_t days = 365;
    double *cost[3];
    for (int j = 0; j < 3; ++j) {
        int32_t S = best - 1 + j;
        ech_scenario sc;
        /* The same seed for every S: common random numbers, paired differences. */
        single_stage(&sc, lambda, 0, S, -1, ECH_POLICY_BASE_STOCK, ECH_UNMET_LOST, days, REPS, 7,
                     365.0, 365.0 + cu, 1.0);
        sim s = simulate(&sc);
        double left = 0, lost = 0;
        for (int64_t d = 0; d <= poisson_top(lambda); ++d) {
            double p = poisson_pmf(d, lambda);
            left += p * (double)(S > d ? S - d : 0);
            lost += p * (double)(d > S ? d - S : 0);
        }
        char what[64];
        double *x = per_day(&s, 0, ECH_KPI_MEAN_ON_HAND, 1.0);
        snprintf(what, sizeof what, "S=%d leftover per day", S);
        ts_check_mean(what, x, s.reps, left);
        free(x);
        x = per_day(&s, 0, ECH_KPI_LOST, days);
        snprintf(what, sizeof what, "S=%d lost per day", S);
        ts_check_mean(what, x, s.reps, lost);
        free(x);
        x = per_day(&s, 0, ECH_KPI_CYCLE_SERVICE_LEVEL, 1.0);
        snprintf(what, sizeof what, "S=%d P(no stockout) = F(S)", S);
        ts_check_mean(what, x, s.reps, gsl_cdf_poisson_P((unsigned)S, lambda));
        free(x);
        cost[j] = per_day(&s, 0, ECH_KPI_TOTAL_COST, days);
        snprintf(what, sizeof what, "S=%d cost per day", S);
        ts_check_mean(what, cost[j], s.reps, co * left + cu * lost);
        free(s.v);
        ech_scenario_free(&sc);
    }
    /* S* beats both neighbours, significantly, on paired differences. */
    for (int j = 0; j < 3; j += 2) {
        double diff[REPS], sum = 0, ss = 0;
        for (int r = 0; r < REPS; ++r) {
            diff[r] = cost[j][r] - cost[1][r];
            sum += diff[r];
        }
        double mean = sum / REPS;
        for (int r = 0; r < REPS; ++r)
            ss += (diff[r] - mean) * (diff[r] - mean);
        double se = sqrt(ss / (REPS - 1) / REPS);
        printf("  cost(S=%d) - cost(S*) = %.4f +- %.4f\n", best - 1 + j, mean, Z99 * se);
        assert_true(mean - Z99 * se > 0);
    }
    for (int j = 0; j < 3; ++j)
        free(cost[j]);
}

/* ------------------------------------------------------------------------------
 * (s,S), zero lead time, lost sales: Markov chain on end-of-day stock
 * ------------------------------------------------------------------------------ */

static void check_sS(double lambda, int32_t s_point, int32_t S, uint64_t seed)
{
    printf("(s,S): lambda %g, s %d, S %d\n", lambda, s_point, S);
    int n = S + 1;
    double *P = calloc((size_t)(n * n), sizeof *P);
    for (int x = 0; x < n; ++x) {
        int y = x <= s_point ? S : x;
        for (int x2 = 1; x2 <= y; ++x2)
            P[x * n + x2] = poisson_pmf(y - x2, lambda);
        P[x * n + 0] = 1.0 - gsl_cdf_poisson_P((unsigned)(y > 0 ? y - 1 : 0), lambda) * (y > 0);
        if (y == 0)
            P[x * n + 0] = 1.0;
    }
    /* Stationary distribution by power iteration (the chain is aperiodic). */
    double *pi = calloc((size_t)n, sizeof *pi), *next = calloc((size_t)n, sizeof *next);
    pi[S] = 1.0;
    for (int it = 0; it < 20000; ++it) {
        for (int j = 0; j < n; ++j)
            next[j] = 0;
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                next[j] += pi[i] * P[i * n + j];
        double diff = 0;
        for (int j = 0; j < n; ++j) {
            diff += fabs(next[j] - pi[j]);
            pi[j] = next[j];
        }
        if (diff < 1e-15)
            break;
    }
    double on_hand = 0, orders = 0, ordered = 0, lost = 0;
    for (int x = 0; x < n; ++x) {
        on_hand += pi[x] * x;
        int y = x <= s_point ? S : x;
        if (x <= s_point) {
            orders += pi[x];
            ordered += pi[x] * (S - x);
        }
        for (int64_t d = y + 1; d <= poisson_top(lambda) + y; ++d)
            lost += pi[x] * poisson_pmf(d, lambda) * (double)(d - y);
    }

    const int32_t days = 365;
    ech_scenario sc;
    single_stage(&sc, lambda, 0, S, s_point, ECH_POLICY_S_S, ECH_UNMET_LOST, days, REPS, seed, 1, 2,
                 0);
    sim s = simulate(&sc);
    double *x = per_day(&s, 0, ECH_KPI_MEAN_ON_HAND, 1.0);
    ts_check_mean("mean on hand", x, s.reps, on_hand);
    free(x);
    x = per_day(&s, 0, ECH_KPI_ORDERS, days);
    ts_check_mean("orders per day", x, s.reps, orders);
    free(x);
    x = per_day(&s, 0, ECH_KPI_ORDERED, days);
    ts_check_mean("units ordered per day", x, s.reps, ordered);
    free(x);
    x = per_day(&s, 0, ECH_KPI_LOST, days);
    ts_check_mean("units lost per day", x, s.reps, lost);
    free(x);
    x = filled_per_day(&s, 0, days);
    ts_check_mean("units filled per day", x, s.reps, lambda - lost);
    free(x);
    free(s.v);
    ech_scenario_free(&sc);
    free(P);
    free(pi);
    free(next);
}

static void test_sS_markov_chain(void **state)
{
    (void)state;
    check_sS(3.0, 2, 12, 201);
    check_sS(0.4, 0, 3, 202);
    check_sS(12.0, 10, 40, 203);
}

/* ------------------------------------------------------------------------------
 * Two-stage serial system, installation base stock, backorders at both stages
 * ------------------------------------------------------------------------------ */

static void check_serial(double lambda, int32_t L1, int32_t L2, int32_t S1, int32_t S2,
                         uint64_t seed)
{
    printf("serial: lambda %g, L1 %d, L2 %d, S1 %d, S2 %d\n", lambda, L1, L2, S1, S2);
    const int32_t days = 365;
    ech_scenario sc;
    ts_init(&sc, days, L1 + L2 + 30, REPS, seed);
    sc.unmet_demand = ECH_UNMET_BACKORDER;
    sc.internal_shortfall = ECH_SHORTFALL_BACKORDER;
    sc.costs.backorder_cost_per_day = 1.0;
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, L1, 0, L1, L1);
    int32_t cw = ts_add_location(&sc, "CW", ECH_LOC_CW, NULL, 0);
    int32_t ret = ts_add_location(&sc, "R", ECH_LOC_RETAIL, "CW", L2);
    int32_t sku = ts_add_sku(&sc, "A", 1, 1, 1, sup);
    ts_add_skuloc(&sc, sku, cw, ECH_DEMAND_NONE, 0, 1, 0, ECH_POLICY_BASE_STOCK, 1, S1, -1);
    ts_add_skuloc(&sc, sku, ret, ECH_DEMAND_POISSON, lambda, 1, 0, ECH_POLICY_BASE_STOCK, 1, S2,
                  -1);
    ts_finish(&sc);
    sim s = simulate(&sc);

    /* B1 = (D(L1) - S1)^+ owed by the warehouse; the retailer's end-of-day net
     * inventory is S2 - B1 - D(L2 + 1); before the day's demand S2 - B1 - D(L2). */
    double m1 = lambda * L1;
    int64_t top1 = poisson_top(m1);
    double cw_on_hand = 0;
    double *pb = calloc((size_t)top1 + 1, sizeof *pb);
    for (int64_t d = 0; d <= top1; ++d) {
        double p = poisson_pmf(d, m1);
        cw_on_hand += p * (double)(S1 > d ? S1 - d : 0);
        pb[d > S1 ? d - S1 : 0] += p;
    }
    double oh2 = 0, bl2 = 0, filled = 0;
    for (int64_t b = 0; b <= top1; ++b) {
        if (pb[b] == 0)
            continue;
        double m = lambda * (L2 + 1);
        for (int64_t x = 0; x <= poisson_top(m); ++x) {
            double p = pb[b] * poisson_pmf(x, m);
            int64_t net = S2 - b - x;
            oh2 += p * (double)(net > 0 ? net : 0);
            bl2 += p * (double)(net < 0 ? -net : 0);
        }
        double my = lambda * L2;
        for (int64_t y = 0; y <= poisson_top(my); ++y) {
            double py = pb[b] * poisson_pmf(y, my);
            int64_t avail = S2 - b - y > 0 ? S2 - b - y : 0;
            for (int64_t z = 0; z <= poisson_top(lambda); ++z)
                filled += py * poisson_pmf(z, lambda) * (double)(z < avail ? z : avail);
        }
    }
    free(pb);

    double *x = per_day(&s, 0, ECH_KPI_MEAN_ON_HAND, 1.0);
    ts_check_mean("warehouse mean on hand", x, s.reps, cw_on_hand);
    free(x);
    x = per_day(&s, 1, ECH_KPI_MEAN_ON_HAND, 1.0);
    ts_check_mean("retailer mean on hand", x, s.reps, oh2);
    free(x);
    x = per_day(&s, 1, ECH_KPI_SHORTAGE_COST, days);
    ts_check_mean("retailer mean backlog", x, s.reps, bl2);
    free(x);
    x = filled_per_day(&s, 1, days);
    ts_check_mean("retailer units filled on the day per day", x, s.reps, filled);
    free(x);
    free(s.v);
    ech_scenario_free(&sc);
}

static void test_serial_two_stage(void **state)
{
    (void)state;
    check_serial(2.0, 4, 2, 7, 7, 301);
    check_serial(10.0, 1, 3, 8, 45, 302);
    check_serial(0.7, 6, 0, 3, 2, 303);
}

/* ------------------------------------------------------------------------------
 * A single stage with an unreliable supplier: a Markov chain over (stock, supplier)
 * ------------------------------------------------------------------------------ */

/* Base stock S, daily review, lost sales, same-day delivery from a supplier whose
 * site goes down and up as a two-state chain (fails with 1/MTBF a day, recovers
 * with 1/MTTR); while down it ships `capacity` of what it owes each day, the rest
 * stays owed.  Since the position counts what is owed, the owed units are always
 * S - x for end-of-day stock x, so (x, today's supplier state) is a Markov chain:
 * up today: stock before demand y = S; down: y = x + floor(capacity (S - x));
 * then x' = (y - D)^+ with D ~ Poisson(lambda). */
static void check_disrupted(double lambda, int32_t S, double mtbf, double mttr, double capacity,
                            uint64_t seed)
{
    printf("unreliable supplier: lambda %g, S %d, MTBF %g, MTTR %g, capacity %g\n", lambda, S, mtbf,
           mttr, capacity);
    int n = S + 1;
    double p_fail = 1.0 / mtbf, p_fix = 1.0 / mttr;
    /* States (x, u), u = 0 up, 1 down today; index 2 x + u. */
    double *P = calloc((size_t)(4 * n * n), sizeof *P);
    for (int x = 0; x < n; ++x) {
        for (int u = 0; u < 2; ++u) {
            for (int u2 = 0; u2 < 2; ++u2) {
                double pu = u == 0 ? (u2 ? p_fail : 1 - p_fail) : (u2 ? 1 - p_fix : p_fix);
                int y = u2 == 0 ? S : x + (int)floor(capacity * (S - x));
                for (int x2 = 1; x2 <= y; ++x2)
                    P[(2 * x + u) * 2 * n + 2 * x2 + u2] += pu * poisson_pmf(y - x2, lambda);
                P[(2 * x + u) * 2 * n + 0 + u2] +=
                    pu * (y > 0 ? 1.0 - gsl_cdf_poisson_P((unsigned)(y - 1), lambda) : 1.0);
            }
        }
    }
    int m = 2 * n;
    double *pi = calloc((size_t)m, sizeof *pi), *next = calloc((size_t)m, sizeof *next);
    pi[2 * S] = 1.0;
    for (int it = 0; it < 200000; ++it) {
        for (int j = 0; j < m; ++j)
            next[j] = 0;
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < m; ++j)
                next[j] += pi[i] * P[i * m + j];
        double diff = 0;
        for (int j = 0; j < m; ++j) {
            diff += fabs(next[j] - pi[j]);
            pi[j] = next[j];
        }
        if (diff < 1e-15)
            break;
    }
    /* Expected end-of-day stock and lost units a day: the stock before demand y
     * follows from the state of the previous day and today's supplier state. */
    double on_hand = 0, lost = 0, down = 0;
    for (int x = 0; x < n; ++x)
        for (int u = 0; u < 2; ++u) {
            on_hand += pi[2 * x + u] * x;
            down += pi[2 * x + u] * u;
            for (int u2 = 0; u2 < 2; ++u2) {
                double pu = u == 0 ? (u2 ? p_fail : 1 - p_fail) : (u2 ? 1 - p_fix : p_fix);
                int y = u2 == 0 ? S : x + (int)floor(capacity * (S - x));
                for (int64_t d = y + 1; d <= poisson_top(lambda) + y; ++d)
                    lost += pi[2 * x + u] * pu * poisson_pmf(d, lambda) * (double)(d - y);
            }
        }

    const int32_t days = 365;
    ech_scenario sc;
    single_stage(&sc, lambda, 0, S, -1, ECH_POLICY_BASE_STOCK, ECH_UNMET_LOST, days, REPS / 4, seed,
                 1.0, 2.0, 0.0);
    ech_disruptions *dis = &sc.disruptions;
    dis->n = 1;
    dis->name = malloc(sizeof *dis->name);
    dis->name[0] = strdup("plant");
    dis->kind = malloc(1);
    dis->kind[0] = ECH_DISRUPT_MARKOV;
    dis->scope = malloc(1);
    dis->scope[0] = ECH_SCOPE_SITE;
    dis->target = calloc(1, sizeof(int32_t));
    dis->mtbf_days = malloc(sizeof(double));
    dis->mtbf_days[0] = mtbf;
    dis->mttr_days = malloc(sizeof(double));
    dis->mttr_days[0] = mttr;
    dis->from_day = calloc(1, sizeof(int32_t));
    dis->to_day = calloc(1, sizeof(int32_t));
    dis->capacity = malloc(sizeof(double));
    dis->capacity[0] = capacity;
    dis->key = malloc(sizeof(uint64_t));
    dis->key[0] = ech_hash_string("plant");
    free(sc.variant[0].disruption_active);
    sc.variant[0].disruption_active = malloc(1);
    sc.variant[0].disruption_active[0] = 1;

    sim s = simulate(&sc);
    double *x = per_day(&s, 0, ECH_KPI_MEAN_ON_HAND, 1.0);
    ts_check_mean("mean on hand", x, s.reps, on_hand);
    free(x);
    x = per_day(&s, 0, ECH_KPI_LOST, days);
    ts_check_mean("units lost per day", x, s.reps, lost);
    free(x);
    x = per_day(&s, 0, ECH_KPI_DISRUPTED_DAYS, days);
    ts_check_mean("share of days the supplier is down", x, s.reps, down);
    free(x);
    free(s.v);
    ech_scenario_free(&sc);
    free(P);
    free(pi);
    free(next);
}

static void test_unreliable_supplier_markov_chain(void **state)
{
    (void)state;
    check_disrupted(2.0, 6, 40.0, 8.0, 0.0, 401);
    check_disrupted(5.0, 12, 25.0, 10.0, 0.5, 402);
    check_disrupted(0.5, 3, 120.0, 30.0, 0.0, 403);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_stock_poisson),
        cmocka_unit_test(test_newsvendor),
        cmocka_unit_test(test_sS_markov_chain),
        cmocka_unit_test(test_serial_two_stage),
        cmocka_unit_test(test_unreliable_supplier_markov_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
