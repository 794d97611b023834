/* The analytic start of a SKU's target search; see ech_tune_start in
 * include/echelon/tune.h.
 *
 * A METRIC-type approximation of the SKU's tree.  Demand over an interval of t days
 * at a node is negative binomial (Poisson when not over-dispersed) with the mean
 * and variance of the outflow below it, plus the supplier's lead-time variance at
 * the root.  A node's customers wait, on average, W = E[backorders] / outflow days
 * (Little's law), which lengthens its children's lead times.  Internal nodes get a
 * cycle service level per echelon (one for the warehouse, one for all DCs, ...),
 * chosen from a grid by the approximate cost of the whole tree; demand points then
 * get the least level meeting their fill-rate target (service objective) or the
 * newsvendor fractile of their shortage and holding costs (cost objective).
 */
#include "echelon/repro_math.h"
#include "echelon/policy.h"
#include "echelon/tune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Demand over an interval: mean m and variance v. */
typedef struct demand {
    double m, v;
} demand;

/* Beyond this mean the normal approximation replaces the exact sums. */
#define EXACT_MEAN_MAX 40.0

/* E[(D - s)^+], the expected units short of s. */
static double expected_short(demand d, double s)
{
    if (d.m <= 0.0)
        return 0.0;
    if (s < 0.0)
        return d.m - s;
    double v = d.v > d.m ? d.v : d.m;
    if (d.m > EXACT_MEAN_MAX) {
        double sd = sqrt(v), z = (s - d.m) / sd;
        return sd * (ech_normal_pdf(z) - z * ech_normal_q(z));
    }
    /* E[(D - s)^+] = m - s + sum_{k<s} (s - k) P(D = k), the probabilities by
     * their recurrence (Poisson: m / (k+1); negative binomial: (k+r)(1-p) / (k+1)). */
    int poisson = v <= d.m * (1.0 + 1e-9);
    double p = poisson ? 0.0 : d.m / v, r = poisson ? 0.0 : d.m * p / (1.0 - p);
    double pk = poisson ? ech_exp(-d.m) : ech_pow(p, r);
    int64_t top = (int64_t)ceil(s);
    double sum = 0.0;
    for (int64_t k = 0; k < top; ++k) {
        sum += (s - (double)k) * pk;
        pk *= poisson ? d.m / (double)(k + 1) : ((double)k + r) * (1.0 - p) / (double)(k + 1);
    }
    double e = d.m - s + sum;
    return e > 0.0 ? e : 0.0;
}

/* P(D <= s). */
static double cdf(demand d, double s)
{
    if (s < 0.0)
        return 0.0;
    if (d.m <= 0.0)
        return 1.0;
    double v = d.v > d.m ? d.v : d.m;
    if (d.m > EXACT_MEAN_MAX)
        return ech_normal_p((floor(s) + 0.5 - d.m) / sqrt(v));
    if (v <= d.m * (1.0 + 1e-9))
        return ech_poisson_cdf(floor(s), d.m);
    double p = d.m / v;
    return ech_negbin_cdf(floor(s), p, d.m * p / (1.0 - p));
}

/* The least s in [lo, cap] with ok(s), by doubling then bisection (ok monotone);
 * cap when none. */
typedef int (*level_test)(const void *ctx, double s);
static int64_t least_level(level_test ok, const void *ctx, int64_t lo, int64_t cap)
{
    if (lo >= cap || ok(ctx, (double)lo))
        return lo < cap ? lo : cap;
    int64_t step = 1, hi = lo + 1;
    while (hi < cap && !ok(ctx, (double)hi)) {
        lo = hi;
        step *= 2;
        hi = lo + step < cap ? lo + step : cap;
    }
    if (hi >= cap && !ok(ctx, (double)cap))
        return cap;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ok(ctx, (double)mid))
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

typedef struct node {
    int32_t parent;
    int leaf;       /* a demand point */
    int ss;         /* (s,S): the lot stays, the trigger moves */
    double mu, var; /* daily outflow */
    double lead, lead_var;
    double review;
    double lot;        /* (s,S): S - s of the start, net of held stock */
    double hold;       /* holding cost per unit-day */
    double short_cost; /* cost objective: per unit short (lost) or unit-day (backorder) */
    int depth;
    /* Per trial. */
    double eff_lead; /* lead time plus the parent's expected delay */
    double level;    /* base stock S, or (s,S)'s trigger s */
    double wait;     /* expected delay of this node's customers */
    double cost;     /* approximate cost per day */
} node;

static demand over(const node *nd, double days)
{
    double mu2 = nd->mu * nd->mu;
    demand d = {nd->mu * days, nd->var * days + mu2 * nd->lead_var};
    return d;
}

/* Units short per day at level s: base stock reviewed every R days short
 * E(D[L+R] - s)^+ - E(D[L] - s)^+ per cycle; (s,S) with lot Q short
 * E(D[L+R] - s)^+ - E(D[L+R] - s - Q)^+ per order, an order every Q / mu days. */
static double short_per_day(const node *nd, double s)
{
    double R = nd->review > 0.0 ? nd->review : 1.0;
    demand long_ = over(nd, nd->eff_lead + R);
    if (nd->ss) {
        double q = nd->lot > 1.0 ? nd->lot : 1.0;
        double per = expected_short(long_, s) - expected_short(long_, s + q);
        return per * nd->mu / q;
    }
    demand short_ = over(nd, nd->eff_lead);
    return (expected_short(long_, s) - expected_short(short_, s)) / R;
}

typedef struct fill_ctx {
    const node *nd;
    double target;
} fill_ctx;

static int fill_met(const void *ctx, double s)
{
    const fill_ctx *f = ctx;
    return f->nd->mu <= 0.0 || 1.0 - short_per_day(f->nd, s) / f->nd->mu >= f->target;
}

typedef struct quantile_ctx {
    demand d;
    double p;
} quantile_ctx;

static int quantile_met(const void *ctx, double s)
{
    const quantile_ctx *q = ctx;
    return cdf(q->d, s) >= q->p;
}

/* The protection interval's demand: lead time plus the review period (the lot's
 * span for (s,S) is in its shortage formula). */
static demand protection(const node *nd)
{
    return over(nd, nd->eff_lead + (nd->ss ? nd->review : nd->review));
}

/* Places node i at `level` and derives its wait and cost per day. */
static void settle(node *nd, double level, int cost_objective)
{
    nd->level = level;
    double R = nd->review > 0.0 ? nd->review : 1.0;
    /* Mean backorders over a cycle, about those at the cycle's middle. */
    demand mid = over(nd, nd->eff_lead + (nd->ss ? 0.5 * R : 0.5 * R));
    double pos = nd->ss ? level + 0.5 * (nd->lot > 1.0 ? nd->lot : 1.0) : level;
    double backorders = expected_short(mid, pos);
    nd->wait = nd->mu > 0.0 ? backorders / nd->mu : 0.0;
    double on_hand = pos - mid.m + backorders;
    if (on_hand < 0.0)
        on_hand = 0.0;
    nd->cost = nd->hold * on_hand;
    if (cost_objective && nd->leaf)
        nd->cost += nd->short_cost * (nd->short_cost > 0.0 ? short_per_day(nd, level) : 0.0);
}

/* Service levels tried at internal nodes, one per echelon. */
static const double internal_grid[] = {0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995};
#define GRID_N ((int)(sizeof internal_grid / sizeof internal_grid[0]))
#define MAX_DEPTH 4 /* echelons chosen jointly; deeper ones take the deepest's level */

void ech_tune_start(const ech_scenario *sc, int32_t variant, int32_t sku,
                    ech_tune_objective objective, const double *fill_target, int32_t *order_up_to,
                    int32_t *reorder_point, double *scale)
{
    const ech_skulocs *sl = &sc->sl;
    const ech_variant *vt = &sc->variant[variant];
    int64_t first = sl->sku_begin[sku];
    int32_t n = (int32_t)(sl->sku_begin[sku + 1] - first);
    if (n <= 0)
        return;
    node *nodes = ech_xcalloc((size_t)n, sizeof *nodes, "tuning start");
    int cost_objective = objective == ECH_TUNE_COST;
    double unit_cost = sc->cat.unit_cost[sku], price = sc->cat.unit_price[sku];
    double margin = price > unit_cost ? price - unit_cost : 0.0;
    const ech_lead_time *supplier = &sc->sites.lead_time[sc->cat.site[sku]];
    int32_t extra =
        sc->cat.handling[sku] == ECH_HANDLING_CONTROLLED ? sc->controlled.extra_lead_time_days : 0;
    int depth_max = 0;

    /* Variances of the outflow: demand points' own, summed up the tree (children
     * follow their parents). */
    for (int32_t i = 0; i < n; ++i) {
        int64_t x = first + i;
        node *nd = &nodes[i];
        nd->parent = sl->parent[x] >= 0 ? (int32_t)(sl->parent[x] - first) : -1;
        nd->leaf = sl->demand_dist[x] != ECH_DEMAND_NONE;
        nd->ss = vt->policy[x] == ECH_POLICY_S_S;
        nd->mu = sl->expected_outflow[x];
        nd->review = vt->review_days[x] > 0 ? vt->review_days[x] : 1;
        double rate = ech_holding_rate(sc, x);
        nd->hold = rate * unit_cost / 365.0;
        nd->lot = 1.0;
        if (nd->ss) {
            /* The economic order quantity, in whole packs. */
            double order_cost =
                nd->parent < 0 ? sc->costs.supplier_order_cost : sc->costs.internal_order_cost;
            double q = nd->hold > 0.0 ? sqrt(2.0 * order_cost * nd->mu / nd->hold)
                                      : (double)(vt->order_up_to[x] - vt->reorder_point[x]);
            double pack = sc->cat.pack_size[sku] > 1 ? sc->cat.pack_size[sku] : 1;
            q = pack * round(q / pack);
            nd->lot = q > pack ? (q < 1e7 ? q : 1e7) : pack;
        }
        if (sc->unmet_demand == ECH_UNMET_BACKORDER)
            nd->short_cost = sc->costs.backorder_cost_per_day * price;
        else
            nd->short_cost = margin + sc->costs.lost_sale_penalty * price;
        if (nd->parent < 0) {
            nd->lead = supplier->mean;
            nd->lead_var = supplier->dist == ECH_LT_FIXED ? 0.0 : supplier->sd * supplier->sd;
        } else {
            nd->lead = sc->net.lead_time_days[sl->location[x]] + extra;
            nd->depth = nodes[nd->parent].depth + 1;
        }
        if (!nd->leaf && nd->depth > depth_max)
            depth_max = nd->depth;
    }
    for (int32_t i = n - 1; i >= 0; --i) {
        int64_t x = first + i;
        if (nodes[i].leaf)
            nodes[i].var += ech_policy_daily_variance(sl, x, sl->expected_outflow[x]);
        if (nodes[i].parent >= 0)
            nodes[nodes[i].parent].var += nodes[i].var;
    }
    if (depth_max >= MAX_DEPTH)
        depth_max = MAX_DEPTH - 1;

    /* Every combination of the internal echelons' levels; the cheapest wins (among
     * those meeting the targets, for the service objective). */
    int combos = 1;
    for (int d = 0; d <= depth_max; ++d)
        combos *= GRID_N;
    double best_cost = INFINITY;
    int best_combo = -1;
    double *best_level = ech_xmalloc((size_t)n * sizeof *best_level, "tuning start levels");
    double cap = 1e8 / (double)n;
    for (int c = 0; c < combos; ++c) {
        double total = 0.0;
        for (int32_t i = 0; i < n; ++i) {
            node *nd = &nodes[i];
            nd->eff_lead = nd->lead + (nd->parent >= 0 ? nodes[nd->parent].wait : 0.0);
            int64_t level;
            if (nd->leaf && nd->mu > 0.0) {
                double target = fill_target ? fill_target[i] : NAN;
                if (!cost_objective && !isnan(target)) {
                    fill_ctx f = {nd, target};
                    level = least_level(fill_met, &f, 0, (int64_t)cap);
                } else {
                    /* The newsvendor fractile: backorders cost per unit-day against
                     * holding per unit-day; a lost sale against a cycle's holding. */
                    double h =
                        nd->hold * (sc->unmet_demand == ECH_UNMET_BACKORDER ? 1.0 : nd->review);
                    double p = nd->short_cost > 0.0 ? nd->short_cost / (nd->short_cost + h) : 0.5;
                    if (!cost_objective)
                        p = 0.9; /* no target and no shortage cost in the objective */
                    quantile_ctx q = {protection(nd), p > 0.999999 ? 0.999999 : p};
                    level = least_level(quantile_met, &q, 0, (int64_t)cap);
                }
            } else {
                int d = nd->depth < depth_max ? nd->depth : depth_max;
                int g = c;
                for (int k = 0; k < d; ++k)
                    g /= GRID_N;
                quantile_ctx q = {protection(nd), internal_grid[g % GRID_N]};
                level = nd->mu > 0.0 ? least_level(quantile_met, &q, 0, (int64_t)cap) : 0;
            }
            if (nd->ss)
                level -= 1; /* the trigger: order when the position is at s or below */
            settle(nd, (double)level, cost_objective);
            total += nd->cost;
        }
        if (total < best_cost) {
            best_cost = total;
            best_combo = c;
            for (int32_t i = 0; i < n; ++i)
                best_level[i] = nodes[i].level;
        }
    }

    for (int32_t i = 0; best_combo >= 0 && i < n; ++i) {
        int64_t x = first + i;
        const node *nd = &nodes[i];
        int64_t held = vt->reserve[x] + (sl->display_min ? sl->display_min[x] : 0);
        int64_t level = (int64_t)best_level[i];
        int64_t S, s;
        if (nd->ss) {
            s = level < 0 ? 0 : level; /* s = -1 waits for a backorder to order */
            S = s + (int64_t)(nd->lot > 1.0 ? nd->lot : 1.0);
        } else {
            S = level;
            if (S < 1 && nd->mu > 0.0)
                S = 1; /* a listed item keeps a unit */
            s = S - 1;
        }
        S += held;
        s += held;
        if (S > cap)
            S = (int64_t)cap;
        if (s >= S)
            s = S - 1;
        order_up_to[i] = (int32_t)S;
        reorder_point[i] = (int32_t)s;
        if (scale) {
            demand d = protection(nd);
            scale[i] = sqrt(d.v > d.m ? d.v : d.m);
        }
    }
    free(best_level);
    free(nodes);
}
