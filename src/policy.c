/* Resolving replenishment targets; see include/echelon/policy.h. */
#include "echelon/policy.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Mean daily-demand factors of a season profile over the measured days, split so
 * that a SKU's trend enters linearly: the average of weekly x season is `level`,
 * the average of weekly x season x years-since-day-0 (at mid-month) is `slope`. */
typedef struct profile_average {
    double level;
    double slope;
} profile_average;

static void average_profiles(const ech_scenario *sc, profile_average *avg)
{
    int32_t days = sc->days;
    for (int32_t p = 0; p < sc->seasons.n; ++p)
        avg[p].level = avg[p].slope = 0.0;
    for (int32_t t = 0; t < days; ++t) {
        double w = sc->weekly[ech_scenario_weekday(sc, t)];
        int m = ech_scenario_month(sc, t);
        char date[11];
        ech_format_date(sc->start_date + t, date);
        /* Years from day 0 to the 15th of the day's month. */
        int32_t mid;
        date[8] = '1';
        date[9] = '5';
        ech_parse_date(date, &mid);
        double years = (double)(mid - sc->start_date) / 365.25;
        for (int32_t p = 0; p < sc->seasons.n; ++p) {
            double f = w * sc->seasons.monthly[p][m];
            avg[p].level += f;
            avg[p].slope += f * years;
        }
    }
    for (int32_t p = 0; p < sc->seasons.n; ++p) {
        avg[p].level /= (double)days;
        avg[p].slope /= (double)days;
    }
}

/* Variance of one day's demand of a demand point with the given overall mean. */
static double daily_variance(const ech_skulocs *sl, int64_t x, double mean)
{
    double pi = sl->demand_zero_prob[x];
    double ratio = sl->demand_dist[x] == ECH_DEMAND_NEGBIN ? sl->demand_var_ratio[x] : 1.0;
    if (sl->demand_dist[x] == ECH_DEMAND_REPLAY)
        return mean; /* a history has no model: treat it as Poisson */
    if (pi <= 0.0)
        return ratio * mean;
    /* Zero-inflated: base mean mb = mean / (1 - pi), base variance ratio * mb;
     * mixture variance (1 - pi)(var_b + mb^2) - mean^2. */
    double mb = mean / (1.0 - pi);
    return (1.0 - pi) * (ratio * mb + mb * mb) - mean * mean;
}

/* The smallest k with P(X <= k) >= p for X negative binomial (or Poisson when the
 * variance does not exceed the mean) with the given mean and variance. */
static int64_t demand_quantile(double mean, double var, double p)
{
    if (mean <= 0.0)
        return 0;
    int poisson = var <= mean * (1.0 + 1e-9);
    double nb_n = 0.0, nb_p = 0.0;
    if (!poisson) {
        /* NB(n, p): mean n(1-p)/p, variance mean / p. */
        nb_p = mean / var;
        nb_n = mean * nb_p / (1.0 - nb_p);
    }
    double sd = sqrt(poisson ? mean : var);
    /* Start from the normal approximation and walk to the exact quantile. */
    double z = gsl_cdf_ugaussian_Pinv(p);
    int64_t k = (int64_t)floor(mean + z * sd);
    if (k < 0)
        k = 0;
#define CDF(kk) (poisson ? gsl_cdf_poisson_P((unsigned)(kk), mean) \
                         : gsl_cdf_negative_binomial_P((unsigned)(kk), nb_p, nb_n))
    while (k > 0 && CDF(k - 1) >= p)
        --k;
    while (CDF(k) < p)
        ++k;
#undef CDF
    return k;
}

/* Days a controlled SKU's shipments between locations take on top of the lane's. */
static int32_t controlled_extra_lead(const ech_scenario *sc, int32_t sku)
{
    return sc->cat.handling[sku] == ECH_HANDLING_CONTROLLED ? sc->controlled.extra_lead_time_days
                                                            : 0;
}

/* Resolves the policy numbers one variant simulates: the skuloc's own values where
 * the input gives them, else the variant's rule for the location's kind.  Targets
 * use the nominal lead times (a variant's lead_time_factor is what happens, not
 * what the planner assumed); a variant models re-planned buffers through its rules. */
static ech_status resolve_variant(const ech_scenario *sc, ech_variant *vt, const double *var,
                                  ech_error *err)
{
    const ech_skulocs *sl = &sc->sl;
    const ech_network *net = &sc->net;
    const char *path = sc->source_path;
    size_t n = (size_t)(sl->n > 0 ? sl->n : 1);
    ech_variant_free_policy(vt);
    vt->policy = ech_xmalloc(n, "variant policies");
    vt->review_days = ech_xmalloc(n * sizeof(int32_t), "variant review periods");
    vt->order_up_to = ech_xmalloc(n * sizeof(int32_t), "variant order-up-to levels");
    vt->reorder_point = ech_xmalloc(n * sizeof(int32_t), "variant reorder points");
    vt->min_order_qty = ech_xmalloc(n * sizeof(int32_t), "variant minimum orders");
    vt->reserve = ech_xmalloc(n * sizeof(int32_t), "variant reserves");

    for (int64_t x = 0; x < sl->n; ++x) {
        int32_t loc = sl->location[x];
        int32_t k = sl->sku[x];
        const ech_policy_rule *rule = &vt->rule[net->kind[loc]];
        uint8_t policy = sl->policy[x] == ECH_POLICY_FROM_RULE ? rule->policy : sl->policy[x];
        int32_t review = sl->review_days[x] >= 1 ? sl->review_days[x] : rule->review_days;
        int32_t moq = sl->min_order_qty[x] >= 0 ? sl->min_order_qty[x] : rule->min_order_qty;
        int64_t S, s;

        if (sl->order_up_to[x] >= 0) {
            S = sl->order_up_to[x];
            s = sl->reorder_point[x];
            if (s == -1 || policy == ECH_POLICY_BASE_STOCK)
                s = S - 1;
            if (s < -1 || s >= S)
                return ech_fail_at(err, path, 0, "reorder_point",
                                   "SKU '%s' at '%s': reorder point %lld must be below the "
                                   "order-up-to level %lld",
                                   sc->cat.id[k], net->id[loc], (long long)s, (long long)S);
        } else {
            double outflow = sl->expected_outflow[x];
            switch (rule->target) {
            case ECH_TARGET_FIXED:
                S = rule->order_up_to;
                s = rule->reorder_point >= 0 ? rule->reorder_point : S - 1;
                break;
            case ECH_TARGET_COVER_DAYS:
                S = (int64_t)ceil(outflow * rule->cover_days - 1e-9);
                if (S < 1 && outflow > 0.0)
                    S = 1; /* a listed item keeps at least one unit */
                s = S - 1;
                break;
            case ECH_TARGET_SERVICE_LEVEL:
            default: {
                /* Protection interval: lead time of the inbound lane plus the review
                 * period; at the root the supplier's lead time is random, which adds
                 * outflow^2 x Var(L) to the variance of demand over it. */
                double lead, lead_var = 0.0;
                if (sl->parent[x] < 0) {
                    const ech_lead_time *lt = &sc->sites.lead_time[sc->cat.site[k]];
                    lead = lt->mean;
                    if (lt->dist != ECH_LT_FIXED)
                        lead_var = lt->sd * lt->sd;
                } else {
                    lead = net->lead_time_days[loc] + controlled_extra_lead(sc, k);
                }
                double span = lead + review;
                double m = outflow * span;
                double v = var[x] * span + outflow * outflow * lead_var;
                int64_t q = demand_quantile(m, v, rule->service_level);
                /* A listed item keeps at least one unit: for a slow mover the
                 * quantile can be 0 (most protection intervals see no demand),
                 * which would meet the cycle service level by never stocking it
                 * and lose every sale. */
                if (q < 1 && outflow > 0.0)
                    q = 1;
                s = q - 1;
                S = q;
                break;
            }
            }
            if (policy == ECH_POLICY_S_S && rule->target != ECH_TARGET_FIXED) {
                /* The order quantity of (s,S): order_days of mean demand, at least one
                 * pack; the service-level or cover target sets the trigger s. */
                int64_t lot = (int64_t)llround(outflow * rule->order_days);
                int64_t pack = sc->cat.pack_size[k];
                if (lot < pack)
                    lot = pack;
                if (lot < 1)
                    lot = 1;
                S = s + lot;
            }
            if (policy == ECH_POLICY_BASE_STOCK || s >= S)
                s = S - 1;
        }
        /* Stock that is not there for the location's own customers rides on top of
         * the target: the display minimum, and the warehouse's reserve. */
        int64_t reserve = 0;
        if (sl->parent[x] < 0) {
            int32_t given = sc->cat.cw_reserved_units ? sc->cat.cw_reserved_units[k] : -1;
            reserve = given >= 0 ? given : llround(sc->cw_reserve_share * (double)S);
        }
        int64_t held = reserve + (sl->display_min ? sl->display_min[x] : 0);
        S += held;
        s += held;
        if (S > INT32_MAX / 2)
            return ech_fail_at(err, path, 0, "policies",
                               "the target for SKU '%s' at '%s' is %lld units, too large",
                               sc->cat.id[k], net->id[loc], (long long)S);
        vt->policy[x] = policy;
        vt->review_days[x] = review;
        vt->min_order_qty[x] = moq;
        vt->order_up_to[x] = (int32_t)S;
        vt->reorder_point[x] = (int32_t)(s < -1 ? -1 : s);
        vt->reserve[x] = (int32_t)reserve;
    }
    return ECH_OK;
}

ech_status ech_policy_resolve(ech_scenario *sc, ech_error *err)
{
    ech_skulocs *sl = &sc->sl;
    profile_average *avg = ech_xmalloc((size_t)sc->seasons.n * sizeof *avg, "season averages");
    average_profiles(sc, avg);

    free(sl->expected_outflow);
    sl->expected_outflow = ech_xcalloc((size_t)(sl->n ? sl->n : 1), sizeof(double),
                                       "expected outflow");
    double *var = ech_xcalloc((size_t)(sl->n ? sl->n : 1), sizeof(double), "outflow variance");

    /* Expected outflow and its daily variance: demand points from their model,
     * upstream skulocs as the sum over their children.  Children come after their
     * parents within a SKU, so one backward sweep accumulates whole subtrees. */
    for (int64_t x = sl->n - 1; x >= 0; --x) {
        if (sl->demand_dist[x] != ECH_DEMAND_NONE) {
            double mean;
            if (sl->demand_dist[x] == ECH_DEMAND_REPLAY) {
                mean = sl->demand_mean[x];
            } else {
                int32_t k = sl->sku[x];
                const profile_average *a = &avg[sc->cat.season_profile[k]];
                mean = sl->demand_mean[x] * (a->level + sc->cat.trend_per_year[k] * a->slope);
                if (mean < 0.0)
                    mean = 0.0;
            }
            sl->expected_outflow[x] += mean;
            var[x] += daily_variance(sl, x, mean);
        }
        if (sl->parent[x] >= 0) {
            sl->expected_outflow[sl->parent[x]] += sl->expected_outflow[x];
            var[sl->parent[x]] += var[x];
        }
    }

    ech_status st = ECH_OK;
    for (int32_t v = 0; v < sc->n_variants && st == ECH_OK; ++v)
        st = resolve_variant(sc, &sc->variant[v], var, err);
    free(var);
    free(avg);
    return st;
}
