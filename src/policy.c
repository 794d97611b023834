/* Resolving replenishment targets; see include/echelon/policy.h. */
#include "echelon/policy.h"

#include "echelon/demand_model.h"
#include "echelon/repro_math.h"
#include "echelon/table.h"

#include <stdarg.h>
#include <stdio.h>
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
        double years = ech_scenario_trend_years(sc, t);
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

double ech_policy_daily_variance(const ech_skulocs *sl, int64_t x, double mean)
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
 * variance does not exceed the mean) with the given mean and variance, or -1 when
 * it would exceed ECH_MAX_UNITS.  The search starts at the normal approximation and
 * walks to the exact quantile; a walk that takes long (a CDF that is inaccurate far
 * in a tail) finishes by bisection, so it always ends, with the same answer. */
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
    /* Beyond 40 standard deviations (and the normal approximation's error) no
     * service level below 1 - 1e-12 needs to look. */
    double top = ceil(mean + 40.0 * sd + 10.0);
    if (!(top <= ECH_MAX_UNITS))
        return -1;
    int64_t hi = (int64_t)top;
#define CDF(kk) \
    (poisson ? ech_poisson_cdf((double)(kk), mean) : ech_negbin_cdf((double)(kk), nb_p, nb_n))
    double z = ech_normal_quantile(p);
    double guess = floor(mean + z * sd);
    int64_t k = guess < 0.0 ? 0 : guess > (double)hi ? hi : (int64_t)guess;
    enum { MAX_WALK = 64 };
    int steps = 0;
    while (k > 0 && steps < MAX_WALK && CDF(k - 1) >= p) {
        --k;
        ++steps;
    }
    while (k < hi && steps < MAX_WALK && CDF(k) < p) {
        ++k;
        ++steps;
    }
    if (steps == MAX_WALK) {
        /* Bisection for the first k in [0, hi] with CDF(k) >= p (hi when none). */
        int64_t lo = 0;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (CDF(mid) >= p)
                hi = mid;
            else
                lo = mid + 1;
        }
        k = lo;
    }
#undef CDF
    return k;
}

/* Days a controlled SKU's shipments between locations take on top of the lane's. */
static int32_t controlled_extra_lead(const ech_scenario *sc, int32_t sku)
{
    return sc->cat.handling[sku] == ECH_HANDLING_CONTROLLED ? sc->controlled.extra_lead_time_days
                                                            : 0;
}

/* A problem with skulocs x's numbers, at the row it came from (the assortment file or
 * the scenario's inline list); an ancestor the input did not list is named by its
 * SKU and location alone. */
static ech_status skuloc_fail(const ech_scenario *sc, int64_t x, const char *field, ech_error *err,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static ech_status skuloc_fail(const ech_scenario *sc, int64_t x, const char *field, ech_error *err,
                              const char *fmt, ...)
{
    char msg[ECH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const ech_skulocs *sl = &sc->sl;
    if (sl->source && sl->source_line[x] > 0)
        return ech_fail_at(err, sl->source, sl->source_line[x], field, "%s", msg);
    return ech_fail_at(err, sc->source_path, 0, field, "%s", msg);
}

/* A resolved target beyond what the engine counts in 32-bit units. */
static ech_status target_too_large(const ech_scenario *sc, const ech_variant *vt, int64_t x,
                                   double units, ech_error *err)
{
    int32_t loc = sc->sl.location[x];
    return skuloc_fail(sc, x, sc->sl.demand_dist[x] != ECH_DEMAND_NONE ? "demand_mean" : "policies",
                       err,
                       "SKU '%s' at '%s' (variant '%s'): its target would be %.3g units, more "
                       "than %.0f: check the demand below it and the %s rule's numbers",
                       sc->cat.id[sc->sl.sku[x]], sc->net.id[loc], vt->name, units, ECH_MAX_UNITS,
                       ech_enum_word(&ech_location_kind_enum, sc->net.kind[loc]));
}

const ech_policy_rule *ech_policy_rule_of(const ech_scenario *sc, const ech_variant *vt, int64_t x)
{
    uint8_t kind = sc->net.kind[sc->sl.location[x]];
    const ech_policy_rule *rule = &vt->rule[kind];
    for (int32_t r = 0; r < vt->n_segment_rules; ++r)
        if (vt->segment_rules[r].kind == kind &&
            vt->segment_rules[r].segment == sc->cat.segment[sc->sl.sku[x]])
            rule = &vt->segment_rules[r].rule;
    return rule;
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
    ech_variant_free_policy(vt);
    ech_table_alloc(&ech_variant_policy_table, vt, sl->n);

    for (int64_t x = 0; x < sl->n; ++x) {
        int32_t loc = sl->location[x];
        int32_t k = sl->sku[x];
        const ech_policy_rule *rule = ech_policy_rule_of(sc, vt, x);
        uint8_t policy = sl->policy[x] == ECH_POLICY_FROM_RULE ? rule->policy : sl->policy[x];
        int32_t review = sl->review_days[x] >= 1 ? sl->review_days[x] : rule->review_days;
        int32_t moq = sl->min_order_qty[x] >= 0 ? sl->min_order_qty[x] : rule->min_order_qty;
        int64_t S, s;

        if (sl->order_up_to[x] >= 0) {
            S = sl->order_up_to[x];
            s = sl->reorder_point[x];
            if (s == ECH_REORDER_NOT_GIVEN || policy == ECH_POLICY_BASE_STOCK)
                s = S - 1;
            if (s < -1 || s >= S)
                return skuloc_fail(sc, x, "reorder_point", err,
                                   "SKU '%s' at '%s': reorder point %lld must be below the "
                                   "order-up-to level %lld",
                                   sc->cat.id[k], net->id[loc], (long long)s, (long long)S);
        } else {
            double outflow = sl->expected_outflow[x];
            switch (rule->target) {
            case ECH_TARGET_FIXED:
                S = rule->order_up_to;
                s = rule->reorder_point != ECH_REORDER_NOT_GIVEN ? rule->reorder_point : S - 1;
                break;
            case ECH_TARGET_COVER_DAYS: {
                double cover = ceil(outflow * rule->cover_days - 1e-9);
                if (!(cover <= ECH_MAX_UNITS))
                    return target_too_large(sc, vt, x, cover, err);
                S = (int64_t)cover;
                if (S < 1 && outflow > 0.0)
                    S = 1; /* a listed item keeps at least one unit */
                s = S - 1;
                break;
            }
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
                if (q < 0)
                    return target_too_large(sc, vt, x, m + 40.0 * sqrt(v), err);
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
                double lot_units = round(outflow * rule->order_days);
                if (!(lot_units <= ECH_MAX_UNITS))
                    return target_too_large(sc, vt, x, lot_units, err);
                int64_t lot = (int64_t)lot_units;
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
        if (S > ECH_MAX_UNITS)
            return target_too_large(sc, vt, x, (double)S, err);
        vt->policy[x] = policy;
        vt->review_days[x] = review;
        vt->min_order_qty[x] = moq;
        vt->order_up_to[x] = (int32_t)S;
        vt->reorder_point[x] = (int32_t)(s < -1 ? -1 : s);
        vt->reserve[x] = (int32_t)reserve;
        vt->expedite_level[x] = sl->expedite_level ? sl->expedite_level[x] : -1;
        /* A forecast re-sets the targets of the skulocs that follow the rule; the
         * numbers above start them (and size the run). */
        vt->forecast[x] = sl->order_up_to[x] < 0 && rule->forecast.method != ECH_FORECAST_NONE;
    }
    return ECH_OK;
}

/* What the engine can count.  Quantities in the day loop are 32-bit unit counts: a
 * SKU's targets, order sizes, start stock and open orders together, and a demand
 * point's backlog over the horizon, must stay far below 2^31.  A day's demand at one
 * point is drawn from a table whose size grows with its spread: the peak daily mean
 * (the yearly mean times the largest weekday, month and trend factors, over the
 * share of days that are not extra zeros) is bounded, and so is the memory of one
 * SKU's tables.  Numbers beyond these are typing errors, refused here with the row
 * they came from rather than met as overflows or exhausted memory in the run. */
#define ECH_MAX_SKU_UNITS 4e8
#define ECH_MAX_BACKLOG 1e9
#define ECH_MAX_SKU_TABLE_BYTES 2e9

static ech_status check_sizes(const ech_scenario *sc, ech_error *err)
{
    const ech_skulocs *sl = &sc->sl;
    double *month = ech_xcalloc((size_t)sc->seasons.n, sizeof *month, "season peaks");
    for (int32_t p = 0; p < sc->seasons.n; ++p)
        for (int m = 0; m < 12; ++m)
            month[p] = sc->seasons.monthly[p][m] > month[p] ? sc->seasons.monthly[p][m] : month[p];
    /* Years from day 0 at the ends of the horizon, a month beyond each (trend is
     * taken at mid-month). */
    double years_lo = (-(double)sc->warmup_days - 31.0) / 365.25;
    double years_hi = ((double)sc->days + 31.0) / 365.25;
    int64_t n_days = (int64_t)sc->warmup_days + sc->days;
    int backorder = sc->unmet_demand == ECH_UNMET_BACKORDER;
    ech_status st = ECH_OK;
    double *open_units =
        ech_xcalloc((size_t)(sc->cat.n > 0 ? sc->cat.n : 1), sizeof *open_units, "open order sums");
    for (int64_t o = 0; o < sc->open_orders.n; ++o)
        open_units[sl->sku[sc->open_orders.skuloc[o]]] += sc->open_orders.quantity[o];

    int32_t t_first = -sc->warmup_days, t_last = sc->days - 1;
    for (int32_t k = 0; k < sc->cat.n && st == ECH_OK; ++k) {
        double table_bytes = 0.0;
        for (int64_t x = sl->sku_begin[k]; x < sl->sku_begin[k + 1] && st == ECH_OK; ++x) {
            if (sl->demand_dist[x] == ECH_DEMAND_NONE)
                continue;
            double peak, spread;
            if (sl->demand_dist[x] == ECH_DEMAND_REPLAY) {
                const int32_t *q =
                    sc->replay.quantity + (size_t)sl->replay[x] * (size_t)sc->replay.n_days;
                double sum = 0.0;
                peak = 0.0;
                for (int32_t d = 0; d < sc->replay.n_days; ++d) {
                    sum += q[d];
                    peak = q[d] > peak ? q[d] : peak;
                }
                if (backorder && sum > ECH_MAX_BACKLOG)
                    st = skuloc_fail(sc, x, "demand", err,
                                     "SKU '%s' at '%s': the replayed demand adds up to %.3g "
                                     "units, more than the %.0f a backlog can count",
                                     sc->cat.id[k], sc->net.id[sl->location[x]], sum,
                                     ECH_MAX_BACKLOG);
                continue;
            }
            double ratio = sl->demand_dist[x] == ECH_DEMAND_NEGBIN ? sl->demand_var_ratio[x] : 1.0;
            const double *weekly = ech_demand_weekly(sc, x);
            double week = 0.0;
            for (int w = 0; w < 7; ++w)
                week = weekly[w] > week ? weekly[w] : week;
            double tr = ech_demand_trend(sc, x);
            double trend = fmax(fmax(1.0 + tr * years_lo, 1.0 + tr * years_hi), 0.0);
            double season = month[ech_demand_season_profile(sc, x)];
            double events = ech_demand_event_peak(sc, x, t_first, t_last);
            peak = sl->demand_mean[x] * week * season * trend * events /
                   (1.0 - sl->demand_zero_prob[x]);
            spread = sqrt(ratio * peak);
            if (!(peak <= ECH_MAX_DEMAND)) {
                st = skuloc_fail(sc, x, "demand_mean", err,
                                 "SKU '%s' at '%s': its peak daily demand would be %.3g units "
                                 "(mean %g x weekday %.3g x month %.3g x trend %.3g x events "
                                 "%.3g / (1 - zero share %g)), more than %.0f",
                                 sc->cat.id[k], sc->net.id[sl->location[x]], peak,
                                 sl->demand_mean[x], week, season, trend, events,
                                 sl->demand_zero_prob[x], ECH_MAX_DEMAND);
                break;
            }
            if (backorder && peak * (double)n_days > ECH_MAX_BACKLOG)
                st = skuloc_fail(sc, x, "demand_mean", err,
                                 "SKU '%s' at '%s': with backorders its backlog could reach "
                                 "%.3g units over %lld days, more than %.0f",
                                 sc->cat.id[k], sc->net.id[sl->location[x]], peak * (double)n_days,
                                 (long long)n_days, ECH_MAX_BACKLOG);
            /* About 28 standard deviations of entries, 8 bytes each, per month x
             * weekday of the horizon. */
            double periods = fmin((double)n_days, 7.0 * ((double)n_days / 28.0 + 2.0));
            table_bytes += (28.0 * spread + 16.0) * 8.0 * periods;
        }
        if (st == ECH_OK && table_bytes > ECH_MAX_SKU_TABLE_BYTES)
            st = ech_fail_at(err, sl->source ? sl->source : sc->source_path, 0, "demand_mean",
                             "SKU '%s': its demand tables would take %.3g GB (high, widely "
                             "spread demand at many locations): check its demand_mean and "
                             "demand_var_ratio",
                             sc->cat.id[k], table_bytes / 1e9);
        /* The SKU's stock: targets, order sizes, start stock and open orders. */
        for (int32_t v = 0; v < sc->n_variants && st == ECH_OK; ++v) {
            const ech_variant *vt = &sc->variant[v];
            double units = 0.0;
            for (int64_t x = sl->sku_begin[k]; x < sl->sku_begin[k + 1]; ++x) {
                int32_t lot = sc->cat.pack_size[k] > vt->min_order_qty[x] ? sc->cat.pack_size[k]
                                                                          : vt->min_order_qty[x];
                units += (double)vt->order_up_to[x] + lot +
                         (sl->start_on_hand[x] > 0 ? sl->start_on_hand[x] : 0);
            }
            units += open_units[k];
            if (units > ECH_MAX_SKU_UNITS)
                st = ech_fail_at(err, sl->source ? sl->source : sc->source_path, 0, "order_up_to",
                                 "SKU '%s' (variant '%s'): its targets, order sizes and start "
                                 "stock add up to %.3g units over its locations, more than %.0f "
                                 "the engine can count",
                                 sc->cat.id[k], vt->name, units, ECH_MAX_SKU_UNITS);
        }
    }
    free(month);
    free(open_units);
    return st;
}

ech_status ech_policy_resolve(ech_scenario *sc, ech_error *err)
{
    ech_skulocs *sl = &sc->sl;
    profile_average *avg = ech_xmalloc((size_t)sc->seasons.n * sizeof *avg, "season averages");
    average_profiles(sc, avg);

    /* Demand points with a model of their own: the average of their daily means. */
    double *custom = ech_xmalloc((size_t)(sl->n ? sl->n : 1) * sizeof *custom, "custom averages");
    for (int64_t x = 0; x < sl->n; ++x)
        custom[x] = NAN;
    ech_demand_custom_averages(sc, custom);

    memset(sl->expected_outflow, 0, (size_t)sl->n * sizeof *sl->expected_outflow);
    double *var = ech_xcalloc((size_t)(sl->n ? sl->n : 1), sizeof(double), "outflow variance");

    /* Expected outflow and its daily variance: demand points from their model,
     * upstream skulocs as the sum over their children.  Children come after their
     * parents within a SKU, so one backward sweep accumulates whole subtrees. */
    for (int64_t x = sl->n - 1; x >= 0; --x) {
        if (sl->demand_dist[x] != ECH_DEMAND_NONE) {
            double mean;
            if (sl->demand_dist[x] == ECH_DEMAND_REPLAY) {
                mean = sl->demand_mean[x];
            } else if (custom[x] == custom[x]) {
                mean = custom[x]; /* its own profiles, trend or events */
            } else {
                int32_t k = sl->sku[x];
                const profile_average *a = &avg[sc->cat.season_profile[k]];
                mean = sl->demand_mean[x] * (a->level + sc->cat.trend_per_year[k] * a->slope);
                if (mean < 0.0)
                    mean = 0.0;
            }
            sl->expected_outflow[x] += mean;
            var[x] += ech_policy_daily_variance(sl, x, mean);
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
    free(custom);
    if (st == ECH_OK)
        st = check_sizes(sc, err);
    return st;
}

ech_status ech_policy_resolve_variant(const ech_scenario *sc, ech_variant *vt, ech_error *err)
{
    const ech_skulocs *sl = &sc->sl;
    size_t n = (size_t)(sl->n > 0 ? sl->n : 1);
    double *below = ech_xcalloc(n, sizeof *below, "outflow below");
    double *var = ech_xcalloc(n, sizeof *var, "outflow variance");
    /* The variances ech_policy_resolve found, from the expected outflows: a demand
     * point's own mean is its outflow less its children's. */
    for (int64_t x = sl->n - 1; x >= 0; --x) {
        if (sl->demand_dist[x] != ECH_DEMAND_NONE) {
            double own = sl->expected_outflow[x] - below[x];
            var[x] += ech_policy_daily_variance(sl, x, own > 0.0 ? own : 0.0);
        }
        if (sl->parent[x] >= 0) {
            below[sl->parent[x]] += sl->expected_outflow[x];
            var[sl->parent[x]] += var[x];
        }
    }
    ech_status st = resolve_variant(sc, vt, var, err);
    free(below);
    free(var);
    return st;
}
