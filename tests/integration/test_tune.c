/* Target tuning (tune.h) against cases whose optimum is known exactly:
 *  - single stage, Poisson demand, base stock with backorders: the critical fractile;
 *  - the same with lost sales and a one-day lead time: the exact Markov chain of the
 *    stock after receipts, a' = S - min(a, D);
 *  - (s,S) with zero lead time, lost sales and an order cost: the exact chain of
 *    end-of-day stock, optimum by enumeration;
 *  - two- and three-stage serial systems (Clark and Scarf's setting) with installation
 *    base stocks, holding costs rising downstream and backorders at the end: costs
 *    exact by convolution, optimum by enumeration;
 *  - fill-rate targets on a small tree: the cheapest targets meeting them, against an
 *    exhaustive search on the same replications.
 * The tuned targets must be within a unit (a pack) of the optimum and their exact cost
 * within the noise of the optimum's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "echelon/engine.h"
#include "echelon/tune.h"
#include "support_check.h"
#include "support_scenario.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>

static double pois(int64_t k, double mean)
{
    return k < 0 ? 0.0 : gsl_ran_poisson_pdf((unsigned)k, mean);
}

static int64_t pois_top(double mean)
{
    return (int64_t)(mean + 12.0 * sqrt(mean + 1.0) + 30.0);
}

/* Tunes SKU 0 of a resolved scenario from the given start; prints what happened. */
static ech_tune_sku tune(const ech_scenario *sc, const ech_tune_settings *set, int32_t *S,
                         int32_t *s, const double *targets)
{
    ech_engine *e = ech_engine_new(sc);
    ech_tune_sku t = {
        .sku = 0, .variant = 0, .fill_target = targets, .order_up_to = S, .reorder_point = s};
    ech_error err;
    ech_error_clear(&err);
    ech_status st = ech_tune_sku_search(e, set, &t, &err);
    if (st != ECH_OK)
        fail_msg("tuning failed: %s", err.msg);
    ech_engine_free(e);
    int32_t n = (int32_t)(sc->sl.sku_begin[1] - sc->sl.sku_begin[0]);
    printf("  tuned:");
    for (int32_t i = 0; i < n; ++i)
        printf(" (s %d, S %d)", s[i], S[i]);
    printf("; objective %.4f +- %.4f a day, %d evaluations, %lld replications each, %s\n",
           t.objective, t.objective_se, t.evaluations, (long long)t.replications,
           t.converged ? "converged" : "stopped at the evaluation limit");
    return t;
}

/* The tuned cost, exact, is the optimum's within the noise the search could see. */
static void check_cost(double tuned, double best, const ech_tune_sku *t)
{
    double allowed = 2.0 * t->objective_se + 0.005 * best;
    printf("  exact cost: tuned %.5f, optimum %.5f (allowed %.5f more)\n", tuned, best, allowed);
    if (tuned > best + allowed)
        fail_msg("tuned cost %.5f exceeds the optimum %.5f by more than %.5f", tuned, best,
                 allowed);
}

static void single_stage(ech_scenario *sc, double lambda, int32_t lead, ech_policy_kind policy,
                         ech_unmet_demand unmet, uint64_t seed)
{
    ts_init(sc, 365, lead + 30, 100, seed);
    sc->unmet_demand = (uint8_t)unmet;
    sc->costs.holding_rate_per_year = 1.0; /* unit cost 365: 1 a unit-day */
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, lead, 0, lead, lead);
    int32_t loc = ts_add_location(sc, "P", ECH_LOC_RETAIL, NULL, 0);
    int32_t sku = ts_add_sku(sc, "A", 365.0, 374.0, 1, sup); /* margin 9 */
    ts_add_skuloc(sc, sku, loc, ECH_DEMAND_POISSON, lambda, 1, 0, policy, 1, -1, -1);
    ts_finish(sc);
}

static ech_tune_settings cost_settings(void)
{
    ech_tune_settings set;
    ech_tune_settings_default(&set);
    set.reps_start = 64;
    set.reps_max = 2048;
    return set;
}

/* ------------------------------------------------------------------------------
 * Single stage, backorders: the critical fractile
 * ------------------------------------------------------------------------------ */

/* h E(S - X)^+ + b E(X - S)^+ a day, X ~ Poisson(lambda (L + 1)) the end-of-day
 * shortfall of the position. */
static double backorder_cost(double lambda, int32_t lead, int32_t S, double h, double b)
{
    double m = lambda * (lead + 1), c = 0.0;
    for (int64_t x = 0; x <= pois_top(m); ++x)
        c += pois(x, m) * (x < S ? h * (double)(S - x) : b * (double)(x - S));
    return c;
}

static void check_backorders(double lambda, int32_t lead, int32_t start, uint64_t seed)
{
    const double h = 1.0, b = 9.0;
    int32_t best = 0;
    while (gsl_cdf_poisson_P((unsigned)best, lambda * (lead + 1)) < b / (b + h))
        ++best;
    printf("base stock, backorders: lambda %g, L %d, start S %d: critical fractile S* = %d\n",
           lambda, lead, start, best);
    ech_scenario sc;
    single_stage(&sc, lambda, lead, ECH_POLICY_BASE_STOCK, ECH_UNMET_BACKORDER, seed);
    sc.costs.backorder_cost_per_day = b / sc.cat.unit_price[0];
    /* With the analytic start tried, and the search alone from the given start. */
    for (int analytic = 1; analytic >= 0; --analytic) {
        ech_tune_settings set = cost_settings();
        set.analytic_start = analytic;
        int32_t S = start, s = start - 1;
        ech_tune_sku t = tune(&sc, &set, &S, &s, NULL);
        assert_true(abs(S - best) <= 1);
        check_cost(backorder_cost(lambda, lead, S, h, b), backorder_cost(lambda, lead, best, h, b),
                   &t);
    }
    ech_scenario_free(&sc);
}

static void test_base_stock_backorders(void **state)
{
    (void)state;
    check_backorders(4.0, 5, 8, 11);
    check_backorders(4.0, 5, 60, 12);
    check_backorders(0.3, 2, 1, 13);
}

/* ------------------------------------------------------------------------------
 * Single stage, lost sales, lead time 1: a' = S - min(a, D)
 * ------------------------------------------------------------------------------ */

/* Stationary distribution of the stock after receipts a in [0, S], and the cost a
 * day: h E(a - D)^+ + u E(D - a)^+.  Also the mean end-of-day stock. */
static double lost_sales_cost(double lambda, int32_t S, double h, double u, double *on_hand)
{
    int n = S + 1;
    double *pi = calloc((size_t)n, sizeof *pi), *next = calloc((size_t)n, sizeof *next);
    pi[S] = 1.0;
    for (int it = 0; it < 100000; ++it) {
        for (int j = 0; j < n; ++j)
            next[j] = 0.0;
        for (int a = 0; a < n; ++a) {
            if (pi[a] == 0.0)
                continue;
            for (int k = 0; k < a; ++k)
                next[S - k] += pi[a] * pois(k, lambda);
            next[S - a] +=
                pi[a] * (1.0 - (a > 0 ? gsl_cdf_poisson_P((unsigned)(a - 1), lambda) : 0.0));
        }
        double diff = 0.0;
        for (int j = 0; j < n; ++j) {
            diff += fabs(next[j] - pi[j]);
            pi[j] = next[j];
        }
        if (diff < 1e-14)
            break;
    }
    double c = 0.0, oh = 0.0;
    for (int a = 0; a < n; ++a)
        for (int64_t d = 0; d <= pois_top(lambda) + a; ++d) {
            double p = pi[a] * pois(d, lambda);
            if (d < a) {
                c += p * h * (double)(a - d);
                oh += p * (double)(a - d);
            } else {
                c += p * u * (double)(d - a);
            }
        }
    free(pi);
    free(next);
    *on_hand = oh;
    return c;
}

static void test_base_stock_lost_sales(void **state)
{
    (void)state;
    const double lambda = 4.0, h = 1.0, u = 9.0;
    int32_t best = 0;
    double best_cost = INFINITY, oh;
    for (int32_t S = 0; S < 40; ++S) {
        double c = lost_sales_cost(lambda, S, h, u, &oh);
        if (c < best_cost) {
            best_cost = c;
            best = S;
        }
    }
    printf("base stock, lost sales: lambda %g, L 1: exact optimum S* = %d, cost %.5f\n", lambda,
           best, best_cost);
    ech_scenario sc;
    single_stage(&sc, lambda, 1, ECH_POLICY_BASE_STOCK, ECH_UNMET_LOST, 21);

    /* The chain is the engine's model: its mean stock at S* agrees. */
    {
        int64_t R = 20000;
        double *v = calloc((size_t)ECH_KPI_COUNT * (size_t)R, sizeof *v);
        int32_t S = best;
        ech_engine *e = ech_engine_new(&sc);
        ech_eval_request req = {.sku = 0, .rep_end = R, .order_up_to = &S};
        ech_eval_out out = {.kpi = v, .rep_stride = R};
        ech_error err;
        ech_error_clear(&err);
        assert_int_equal(ech_engine_evaluate(e, &req, &out, &err), ECH_OK);
        lost_sales_cost(lambda, best, h, u, &oh);
        ts_check_mean("mean on hand at S*", v + (int64_t)ECH_KPI_MEAN_ON_HAND * R, R, oh);
        ech_engine_free(e);
        free(v);
    }

    ech_tune_settings set = cost_settings();
    int32_t S = 25, s = 24;
    ech_tune_sku t = tune(&sc, &set, &S, &s, NULL);
    assert_true(abs(S - best) <= 1);
    check_cost(lost_sales_cost(lambda, S, h, u, &oh), best_cost, &t);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * (s,S), zero lead time, lost sales, order cost
 * ------------------------------------------------------------------------------ */

/* End-of-day stock x: y = S if x <= s else x, then x' = (y - D)^+.  Cost a day:
 * h E x + K P(order) + u E(D - y)^+. */
static double sS_cost(double lambda, int32_t s_point, int32_t S, double h, double K, double u)
{
    int n = S + 1;
    double *pi = calloc((size_t)n, sizeof *pi), *next = calloc((size_t)n, sizeof *next);
    pi[S] = 1.0;
    for (int it = 0; it < 100000; ++it) {
        for (int j = 0; j < n; ++j)
            next[j] = 0.0;
        for (int x = 0; x < n; ++x) {
            int y = x <= s_point ? S : x;
            for (int x2 = 1; x2 <= y; ++x2)
                next[x2] += pi[x] * pois(y - x2, lambda);
            next[0] += pi[x] * (1.0 - (y > 0 ? gsl_cdf_poisson_P((unsigned)(y - 1), lambda) : 0));
        }
        double diff = 0.0;
        for (int j = 0; j < n; ++j) {
            diff += fabs(next[j] - pi[j]);
            pi[j] = next[j];
        }
        if (diff < 1e-14)
            break;
    }
    double c = 0.0;
    for (int x = 0; x < n; ++x) {
        int y = x <= s_point ? S : x;
        c += pi[x] * (h * (double)x + (x <= s_point ? K : 0.0));
        for (int64_t d = y + 1; d <= pois_top(lambda) + y; ++d)
            c += pi[x] * pois(d, lambda) * u * (double)(d - y);
    }
    free(pi);
    free(next);
    return c;
}

static void test_sS_zero_lead_time(void **state)
{
    (void)state;
    const double lambda = 3.0, h = 1.0, K = 20.0, u = 9.0;
    int32_t bs = 0, bS = 1;
    double best = INFINITY;
    for (int32_t S = 1; S <= 40; ++S)
        for (int32_t s = -1; s < S; ++s) {
            double c = sS_cost(lambda, s, S, h, K, u);
            if (c < best) {
                best = c;
                bs = s;
                bS = S;
            }
        }
    printf("(s,S), zero lead time: lambda %g, K %g: exact optimum (s %d, S %d), cost %.5f\n",
           lambda, K, bs, bS, best);
    ech_scenario sc;
    single_stage(&sc, lambda, 0, ECH_POLICY_S_S, ECH_UNMET_LOST, 31);
    sc.costs.supplier_order_cost = K;
    ech_tune_settings set = cost_settings();
    int32_t S = 30, s = 1;
    ech_tune_sku t = tune(&sc, &set, &S, &s, NULL);
    check_cost(sS_cost(lambda, s, S, h, K, u), best, &t);
    assert_true(abs(s - bs) <= 1);
    assert_true(abs(S - bS) <= 2);
    ech_scenario_free(&sc);
}

/* ------------------------------------------------------------------------------
 * Serial systems
 * ------------------------------------------------------------------------------ */

/* A serial line of n stages, stage 0 at the supplier with lead time lead[0], stage k
 * fed by stage k - 1 over lead[k] days, Poisson demand at the last; backorders
 * everywhere.  With installation base stocks the shortfalls propagate through
 * disjoint windows of demand: B_0 = (X_0 - S_0)^+, net_k = S_k - B_{k-1} - X_k,
 * X_k ~ Poisson(lambda lead[k]) upstream and Poisson(lambda (lead + 1)) at the last
 * stage.  Returns the exact cost a day, and the mean on hand of each stage and the
 * last stage's mean backlog when asked. */
enum { MAX_STAGES = 3, MAX_UNITS = 80 };

static double serial_cost(int n, double lambda, const int32_t *lead, const int32_t *S,
                          const double *h, double b, double *oh, double *backlog)
{
    double dist[MAX_UNITS + 1] = {1.0}; /* backlog owed to the stage, B_{k-1} */
    double cost = 0.0;
    for (int k = 0; k < n; ++k) {
        double m = lambda * (lead[k] + (k == n - 1 ? 1 : 0));
        double next[MAX_UNITS + 1] = {0}, on_hand = 0.0, short_units = 0.0;
        for (int bk = 0; bk <= MAX_UNITS; ++bk) {
            if (dist[bk] < 1e-300)
                continue;
            for (int64_t x = 0; x <= pois_top(m); ++x) {
                double p = dist[bk] * pois(x, m);
                int64_t net = S[k] - bk - x;
                if (net >= 0)
                    on_hand += p * (double)net;
                else {
                    short_units += p * (double)-net;
                    next[-net < MAX_UNITS ? -net : MAX_UNITS] += p;
                }
                if (net >= 0)
                    next[0] += p;
            }
        }
        cost += h[k] * on_hand;
        if (oh)
            oh[k] = on_hand;
        if (k == n - 1) {
            cost += b * short_units;
            if (backlog)
                *backlog = short_units;
        }
        memcpy(dist, next, sizeof dist);
    }
    return cost;
}

static void serial_scenario(ech_scenario *sc, int n, double lambda, const int32_t *lead,
                            const double *h, double b, uint64_t seed)
{
    ts_init(sc, 365, 40, 100, seed);
    sc->unmet_demand = ECH_UNMET_BACKORDER;
    sc->internal_shortfall = ECH_SHORTFALL_BACKORDER;
    int32_t sup = ts_add_supplier(sc, "S", ECH_LT_FIXED, lead[0], 0, lead[0], lead[0]);
    static const char *const id[MAX_STAGES] = {"CW", "DC", "R"};
    static const ech_location_kind kind[MAX_STAGES] = {ECH_LOC_CW, ECH_LOC_DC, ECH_LOC_RETAIL};
    int32_t loc[MAX_STAGES];
    for (int k = 0; k < n; ++k) {
        int kk = n == 2 && k == 1 ? 2 : k;
        loc[k] = ts_add_location(sc, id[kk], kind[kk], k ? id[n == 2 ? 0 : k - 1] : NULL,
                                 k ? lead[k] : 0);
    }
    int32_t sku = ts_add_sku(sc, "A", 365.0, 365.0, 1, sup);
    sc->costs.backorder_cost_per_day = b / 365.0;
    for (int k = 0; k < n; ++k) {
        int64_t x =
            ts_add_skuloc(sc, sku, loc[k], k == n - 1 ? ECH_DEMAND_POISSON : ECH_DEMAND_NONE,
                          k == n - 1 ? lambda : 0, 1, 0, ECH_POLICY_BASE_STOCK, 1, -1, -1);
        sc->sl.holding_rate_per_year[x] = h[k]; /* unit cost 365: h a unit-day */
    }
    ts_finish(sc);
}

static void check_serial(int n, double lambda, const int32_t *lead, const double *h, double b,
                         uint64_t seed)
{
    /* The exact optimum by enumeration. */
    int32_t best[MAX_STAGES] = {0}, S[MAX_STAGES] = {0};
    double best_cost = INFINITY;
    const int32_t top = 18;
    for (S[0] = 0; S[0] <= top; ++S[0])
        for (S[1] = 0; S[1] <= top; ++S[1])
            for (S[2] = 0; S[2] <= (n == 3 ? top : 0); ++S[2]) {
                double c = serial_cost(n, lambda, lead, S, h, b, NULL, NULL);
                if (c < best_cost) {
                    best_cost = c;
                    memcpy(best, S, sizeof best);
                }
            }
    printf("serial, %d stages: lambda %g: exact optimum S* = (%d, %d, %d), cost %.5f\n", n, lambda,
           best[0], best[1], best[2], best_cost);

    ech_scenario sc;
    serial_scenario(&sc, n, lambda, lead, h, b, seed);

    /* The formula is the engine's model: stock at every stage and the backlog agree
     * at the optimum. */
    {
        int64_t R = 4000;
        double *v = calloc((size_t)n * ECH_KPI_COUNT * (size_t)R, sizeof *v);
        ech_engine *e = ech_engine_new(&sc);
        ech_eval_request req = {.sku = 0, .rep_end = R, .order_up_to = best};
        ech_eval_out out = {.kpi = v, .rep_stride = R};
        ech_error err;
        ech_error_clear(&err);
        assert_int_equal(ech_engine_evaluate(e, &req, &out, &err), ECH_OK);
        double oh[MAX_STAGES], backlog;
        serial_cost(n, lambda, lead, best, h, b, oh, &backlog);
        for (int k = 0; k < n; ++k) {
            char what[64];
            snprintf(what, sizeof what, "stage %d mean on hand", k);
            ts_check_mean(what, v + ((int64_t)k * ECH_KPI_COUNT + ECH_KPI_MEAN_ON_HAND) * R, R,
                          oh[k]);
        }
        double *bl = calloc((size_t)R, sizeof *bl);
        for (int64_t r = 0; r < R; ++r)
            bl[r] =
                v[((int64_t)(n - 1) * ECH_KPI_COUNT + ECH_KPI_SHORTAGE_COST) * R + r] / b / 365.0;
        ts_check_mean("last stage mean backlog", bl, R, backlog);
        free(bl);
        ech_engine_free(e);
        free(v);
    }

    for (int analytic = 1; analytic >= 0; --analytic) {
        ech_tune_settings set = cost_settings();
        set.analytic_start = analytic;
        int32_t tS[MAX_STAGES], ts_[MAX_STAGES];
        for (int k = 0; k < n; ++k) {
            tS[k] = sc.variant[0].order_up_to[k];
            ts_[k] = tS[k] - 1;
        }
        ech_tune_sku t = tune(&sc, &set, tS, ts_, NULL);
        for (int k = 0; k < n; ++k)
            assert_true(abs(tS[k] - best[k]) <= 1);
        check_cost(serial_cost(n, lambda, lead, tS, h, b, NULL, NULL), best_cost, &t);
    }
    ech_scenario_free(&sc);
}

static void test_serial_two_stage(void **state)
{
    (void)state;
    const int32_t lead[2] = {3, 1};
    const double h[2] = {0.3, 1.0};
    check_serial(2, 1.5, lead, h, 19.0, 41);
}

static void test_serial_three_stage(void **state)
{
    (void)state;
    const int32_t lead[3] = {2, 1, 1};
    const double h[3] = {0.2, 0.5, 1.0};
    check_serial(3, 1.0, lead, h, 19.0, 42);
}

/* ------------------------------------------------------------------------------
 * Fill-rate targets on a tree, against exhaustive search
 * ------------------------------------------------------------------------------ */

typedef struct tree_eval {
    double cost;    /* holding + ordering a day, mean over the replications */
    double fill[2]; /* of the two pharmacies */
} tree_eval;

static tree_eval evaluate_tree(ech_engine *e, const int32_t *S, int64_t R, double *v)
{
    ech_eval_request req = {.sku = 0, .rep_end = R, .order_up_to = S};
    ech_eval_out out = {.kpi = v, .rep_stride = R};
    ech_error err;
    ech_error_clear(&err);
    assert_int_equal(ech_engine_evaluate(e, &req, &out, &err), ECH_OK);
    tree_eval t = {0};
    double demand[2] = {0}, filled[2] = {0};
    for (int64_t r = 0; r < R; ++r) {
        for (int i = 0; i < 3; ++i)
            t.cost += v[((int64_t)i * ECH_KPI_COUNT + ECH_KPI_TOTAL_COST) * R + r] -
                      v[((int64_t)i * ECH_KPI_COUNT + ECH_KPI_SHORTAGE_COST) * R + r];
        for (int j = 0; j < 2; ++j) {
            double d = v[((int64_t)(j + 1) * ECH_KPI_COUNT + ECH_KPI_DEMAND) * R + r];
            demand[j] += d;
            filled[j] +=
                round(d * v[((int64_t)(j + 1) * ECH_KPI_COUNT + ECH_KPI_FILL_RATE) * R + r]);
        }
    }
    t.cost /= (double)R * 180.0;
    for (int j = 0; j < 2; ++j)
        t.fill[j] = filled[j] / demand[j];
    return t;
}

static void test_fill_rate_targets_on_a_tree(void **state)
{
    (void)state;
    const int64_t R = 96;
    ech_scenario sc;
    ts_init(&sc, 180, 30, R, 51);
    sc.unmet_demand = ECH_UNMET_LOST;
    sc.internal_shortfall = ECH_SHORTFALL_BACKORDER;
    sc.costs.holding_rate_per_year = 1.0;
    sc.costs.supplier_order_cost = 0.0;
    int32_t sup = ts_add_supplier(&sc, "S", ECH_LT_FIXED, 4, 0, 4, 4);
    int32_t cw = ts_add_location(&sc, "CW", ECH_LOC_CW, NULL, 0);
    int32_t p1 = ts_add_location(&sc, "P1", ECH_LOC_RETAIL, "CW", 1);
    int32_t p2 = ts_add_location(&sc, "P2", ECH_LOC_RETAIL, "CW", 2);
    int32_t sku = ts_add_sku(&sc, "A", 365.0, 400.0, 1, sup);
    int64_t x0 =
        ts_add_skuloc(&sc, sku, cw, ECH_DEMAND_NONE, 0, 1, 0, ECH_POLICY_BASE_STOCK, 1, -1, -1);
    int64_t x1 = ts_add_skuloc(&sc, sku, p1, ECH_DEMAND_POISSON, 2.0, 1, 0, ECH_POLICY_BASE_STOCK,
                               1, -1, -1);
    int64_t x2 = ts_add_skuloc(&sc, sku, p2, ECH_DEMAND_NEGBIN, 0.6, 2.0, 0, ECH_POLICY_BASE_STOCK,
                               1, -1, -1);
    ts_finish(&sc);
    /* Holding is cheaper at the warehouse. */
    sc.sl.holding_rate_per_year[x0] = 0.4;
    sc.sl.holding_rate_per_year[x1] = 1.0;
    sc.sl.holding_rate_per_year[x2] = 1.0;
    const double target[3] = {NAN, 0.97, 0.92};

    /* Exhaustive search on the replications the tuner will use. */
    ech_engine *e = ech_engine_new(&sc);
    double *v = calloc((size_t)3 * ECH_KPI_COUNT * (size_t)R, sizeof *v);
    int32_t best[3] = {0}, S[3];
    double best_cost = INFINITY;
    for (S[1] = 0; S[1] <= 14; ++S[1])
        for (S[2] = 0; S[2] <= 10; ++S[2])
            for (S[0] = 0; S[0] <= 24; ++S[0]) {
                tree_eval t = evaluate_tree(e, S, R, v);
                if (t.fill[0] >= target[1] && t.fill[1] >= target[2] && t.cost < best_cost) {
                    best_cost = t.cost;
                    memcpy(best, S, sizeof best);
                }
            }
    printf("fill-rate targets 97%% / 92%%: exhaustive optimum S = (%d, %d, %d), %.4f a day\n",
           best[0], best[1], best[2], best_cost);
    assert_true(isfinite(best_cost));

    ech_tune_settings set;
    ech_tune_settings_default(&set);
    set.objective = ECH_TUNE_SERVICE;
    set.reps_start = set.reps_max = R; /* the same estimates as the exhaustive search */
    int32_t tS[3] = {sc.variant[0].order_up_to[0], sc.variant[0].order_up_to[1],
                     sc.variant[0].order_up_to[2]};
    int32_t tsp[3] = {tS[0] - 1, tS[1] - 1, tS[2] - 1};
    double mobj[3], mfill[3];
    ech_tune_sku t = {.sku = 0,
                      .variant = 0,
                      .fill_target = target,
                      .order_up_to = tS,
                      .reorder_point = tsp,
                      .marginal_objective = mobj,
                      .marginal_fill = mfill};
    ech_error err;
    ech_error_clear(&err);
    assert_int_equal(ech_tune_sku_search(e, &set, &t, &err), ECH_OK);
    tree_eval got = evaluate_tree(e, tS, R, v);
    printf("  tuned S = (%d, %d, %d), %.4f a day, fill %.4f / %.4f, %d evaluations\n", tS[0], tS[1],
           tS[2], got.cost, got.fill[0], got.fill[1], t.evaluations);
    assert_true(t.feasible);
    assert_true(got.fill[0] >= target[1] && got.fill[1] >= target[2]);
    assert_true(fabs(got.cost - t.objective) < 1e-9 * (1.0 + got.cost));
    assert_true(got.cost <= best_cost * 1.01);
    /* One more unit anywhere costs more and does not lower the fill rate. */
    for (int i = 0; i < 3; ++i) {
        printf("  one more unit at node %d: %+.4f a day, fill %+.5f\n", i, mobj[i], mfill[i]);
        assert_true(mobj[i] > 0.0);
        assert_true(mfill[i] >= -1e-12);
    }
    free(v);
    ech_engine_free(e);
    ech_scenario_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_stock_backorders),
        cmocka_unit_test(test_base_stock_lost_sales),
        cmocka_unit_test(test_sS_zero_lead_time),
        cmocka_unit_test(test_serial_two_stage),
        cmocka_unit_test(test_serial_three_stage),
        cmocka_unit_test(test_fill_rate_targets_on_a_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
