/* Forecast-driven ordering in the engine (docs/MODEL.md, "Forecast-driven
 * ordering"): a node whose rule has a forecast sets its targets at every review
 * from a forecast of its daily outflow made with what the planner knows that day:
 *
 *   moving_average  the mean of the node's outflow (units sold at a pharmacy, units
 *                   shipped to its children upstream) over the last `weeks` weeks
 *                   up to yesterday, days before the start counting at the
 *                   expected outflow;
 *   model           the demand model's mean over the coming days (seasonality,
 *                   trend and planned events are known in advance), times a level
 *                   that follows the sales of days that did not end empty (a day
 *                   that ended with an empty shelf only says demand >= sales, so
 *                   it is left out: restored demand); upstream, the sum over the
 *                   pharmacies below.
 *
 * The forecast times the rule's uplift gives the target as the rule says: cover
 * days of it, or the service-level quantile of demand over the protection interval
 * (normal approximation, variance from the demand model's variance ratio, plus the
 * supplier's lead-time variance at the root).  Everything is a function of the
 * SKU's own streams, so results stay bitwise identical at any ranks x threads.
 */
#include "engine_state.h"

#include "echelon/demand_model.h"
#include "echelon/policy.h"
#include "echelon/repro_math.h"

#include <math.h>
#include <string.h>

int ech_forecast_rules(const ech_scenario *sc, int32_t *window_days)
{
    int any = 0;
    *window_days = 0;
    for (int32_t v = 0; v < sc->n_variants; ++v) {
        const ech_variant *vt = &sc->variant[v];
        for (int32_t r = 0; r < ECH_LOC_KIND_COUNT + vt->n_segment_rules; ++r) {
            const ech_forecast_rule *f =
                r < ECH_LOC_KIND_COUNT ? &vt->rule[r].forecast
                                       : &vt->segment_rules[r - ECH_LOC_KIND_COUNT].rule.forecast;
            any |= f->method != ECH_FORECAST_NONE;
            if (f->method == ECH_FORECAST_MOVING_AVERAGE && f->weeks * 7 > *window_days)
                *window_days = f->weeks * 7;
        }
    }
    return any;
}

void ech_sku_forecast_build(ech_engine *e, sku_plan *p, double *model_mean)
{
    const ech_scenario *sc = e->sc;
    const ech_skulocs *sl = &sc->sl;
    ech_arena *a = &e->arena;
    forecast_plan *f = &p->fc;
    int32_t n = p->n;
    memset(f, 0, sizeof *f);
    f->window = e->fc_window;
    f->period_of_day = e->period_of_day;
    f->n_days = e->n_days;
    f->n_periods = e->n_periods;
    f->rule = ech_arena_calloc(a, (size_t)n, sizeof *f->rule, "forecast rules");
    f->target = ech_arena_alloc(a, (size_t)n, "forecast targets");
    f->policy = ech_arena_alloc(a, (size_t)n, "forecast policies");
    f->z = ech_arena_alloc(a, (size_t)n * sizeof *f->z, "forecast quantiles");
    f->cover = ech_arena_alloc(a, (size_t)n * sizeof *f->cover, "forecast cover");
    f->order_days = ech_arena_alloc(a, (size_t)n * sizeof *f->order_days, "forecast lots");
    f->lead_var = ech_arena_alloc(a, (size_t)n * sizeof *f->lead_var, "forecast lead var");
    f->ratio = ech_arena_alloc(a, (size_t)n * sizeof *f->ratio, "forecast variance ratios");
    f->span = ech_arena_alloc(a, (size_t)n * sizeof *f->span, "forecast spans");
    f->held = ech_arena_alloc(a, (size_t)n * sizeof *f->held, "forecast held stock");
    f->leaf_of = ech_arena_alloc(a, (size_t)n * sizeof *f->leaf_of, "forecast demand points");
    f->level_alpha = ech_arena_alloc(a, (size_t)n * sizeof *f->level_alpha, "forecast levels");

    /* Variance ratio of each node's outflow: demand points' daily variances summed
     * up the tree (children come after their parents). */
    double *var = ech_arena_calloc(a, (size_t)n, sizeof *var, "forecast variances");
    for (int32_t i = 0; i < n; ++i)
        f->leaf_of[i] = -1;
    for (int32_t j = 0; j < p->n_leaves; ++j) {
        int32_t i = p->leaf[j];
        f->leaf_of[i] = j;
        var[i] += ech_policy_daily_variance(sl, p->first + i, p->outflow[i]);
    }
    for (int32_t i = n - 1; i > 0; --i)
        var[p->parent[i]] += var[i];
    for (int32_t i = 0; i < n; ++i)
        f->ratio[i] = p->outflow[i] > 0.0 && var[i] > p->outflow[i] ? var[i] / p->outflow[i] : 1.0;

    /* The demand points below each node, for the model's forecast upstream. */
    f->below_begin = ech_arena_calloc(a, (size_t)n + 1, sizeof *f->below_begin, "forecast below");
    int32_t *count = ech_arena_calloc(a, (size_t)n, sizeof *count, "forecast below");
    for (int32_t j = 0; j < p->n_leaves; ++j)
        for (int32_t i = p->leaf[j]; i >= 0; i = p->parent[i])
            count[i]++;
    for (int32_t i = 0; i < n; ++i)
        f->below_begin[i + 1] = f->below_begin[i] + count[i];
    f->below = ech_arena_alloc(
        a, (size_t)(f->below_begin[n] > 0 ? f->below_begin[n] : 1) * sizeof *f->below,
        "forecast below");
    memset(count, 0, (size_t)n * sizeof *count);
    for (int32_t j = 0; j < p->n_leaves; ++j)
        for (int32_t i = p->leaf[j]; i >= 0; i = p->parent[i])
            f->below[f->below_begin[i] + count[i]++] = j;

    f->leaf_mean = model_mean; /* filled as the demand tables were built */
}

void ech_sku_forecast_set_variant(const ech_engine *e, sku_plan *p)
{
    const ech_scenario *sc = e->sc;
    const ech_skulocs *sl = &sc->sl;
    const ech_variant *vt = &sc->variant[p->variant];
    forecast_plan *f = &p->fc;
    f->any = 0;
    for (int32_t i = 0; i < p->n; ++i) {
        int64_t x = p->first + i;
        f->rule[i] = NULL;
        if (!vt->forecast[x])
            continue;
        const ech_policy_rule *rule = ech_policy_rule_of(sc, vt, x);
        f->rule[i] = &rule->forecast;
        f->any = 1;
        f->target[i] = rule->target;
        f->policy[i] = sl->policy[x] == ECH_POLICY_FROM_RULE ? rule->policy : sl->policy[x];
        f->z[i] = rule->target == ECH_TARGET_SERVICE_LEVEL
                      ? ech_normal_quantile(rule->service_level)
                      : 0.0;
        f->cover[i] = rule->cover_days;
        f->order_days[i] = rule->order_days;
        /* The protection interval as the static targets take it (nominal lead times). */
        double lead;
        f->lead_var[i] = 0.0;
        if (p->parent[i] < 0) {
            const ech_lead_time *lt = &sc->sites.lead_time[sc->cat.site[p->sku]];
            lead = lt->mean;
            if (lt->dist != ECH_LT_FIXED)
                f->lead_var[i] = lt->sd * lt->sd;
        } else {
            lead = p->lead[i];
        }
        f->span[i] = (int32_t)ceil(lead - 1e-9) + vt->review_days[x];
        /* Stock held on top of the target: the warehouse's reserve and the display
         * minimum, as in the static targets. */
        f->held[i] = vt->reserve[x] + (sl->display_min ? sl->display_min[x] : 0);
    }
    /* A demand point's level serves its own rule and every model rule above it: its
     * smoothing is the nearest model rule's with one (0: the level stays 1). */
    for (int32_t i = 0; i < p->n; ++i) {
        double alpha = 0.0;
        for (int32_t k = i; f->leaf_of[i] >= 0 && k >= 0 && alpha == 0.0; k = p->parent[k])
            if (f->rule[k] && f->rule[k]->method == ECH_FORECAST_MODEL)
                alpha = f->rule[k]->smoothing;
        f->level_alpha[i] = alpha;
    }
}

void ech_sku_forecast_reset(const sku_plan *p, sku_state *s)
{
    forecast_state *fs = &s->fc;
    /* Outflow is counted from the node's counters as they stand. */
    for (int32_t i = 0; i < p->n; ++i) {
        fs->prev_out[i] = s->acc[i].sold + s->acc[i].shipped;
        fs->sum[i] = 0;
        fs->days[i] = 0;
        fs->num[i] = fs->den[i] = 1.0; /* the level starts at 1: the model as is */
    }
}

void ech_sku_forecast_rebase(const sku_plan *p, sku_state *s)
{
    for (int32_t i = 0; i < p->n; ++i)
        s->fc.prev_out[i] = s->acc[i].sold + s->acc[i].shipped;
}

void ech_sku_forecast_record(const sku_plan *p, sku_state *s, int32_t d)
{
    const forecast_plan *f = &p->fc;
    forecast_state *fs = &s->fc;
    for (int32_t i = 0; i < p->n; ++i) {
        const ech_forecast_rule *r = f->rule[i];
        double alpha = f->level_alpha[i];
        if (!r && alpha == 0.0)
            continue; /* nothing here looks at this node's outflow */
        int64_t now = s->acc[i].sold + s->acc[i].shipped;
        int32_t out = (int32_t)(now - fs->prev_out[i]);
        fs->prev_out[i] = now;
        if (r && r->method == ECH_FORECAST_MOVING_AVERAGE) {
            int32_t *ring = fs->ring + (size_t)i * (size_t)f->window;
            int32_t slot = d % f->window;
            int32_t w = r->weeks * 7;
            /* The ring keeps the last `window` days; the node's sum its last w. */
            int32_t leaving = d >= w ? ring[(d - w) % f->window] : 0;
            ring[slot] = out;
            fs->sum[i] += out - leaving;
            if (fs->days[i] < w)
                fs->days[i]++;
        }
        /* The model's level at a demand point, from days that did not end empty. */
        if (alpha > 0.0 && s->on_hand[i] > 0) {
            size_t j = (size_t)f->leaf_of[i];
            double m = f->leaf_mean[j * (size_t)f->n_periods + f->period_of_day[d]];
            fs->num[i] = (1.0 - alpha) * fs->num[i] + alpha * (double)out;
            fs->den[i] = (1.0 - alpha) * fs->den[i] + alpha * m;
        }
    }
}

/* The model's forecast of demand point j's demand over days d .. d + h - 1, times
 * its level. */
static double model_sum(const forecast_plan *f, const forecast_state *fs, int32_t node, int32_t j,
                        int32_t d, int32_t h)
{
    double sum = 0.0;
    const double *mean = f->leaf_mean + (size_t)j * (size_t)f->n_periods;
    for (int32_t k = 0; k < h; ++k) {
        int32_t day = d + k < f->n_days ? d + k : f->n_days - 1;
        sum += mean[f->period_of_day[day]];
    }
    double level = fs->den[node] > 0.0 ? fs->num[node] / fs->den[node] : 1.0;
    return sum * level;
}

void ech_sku_forecast_targets(const sku_plan *p, const sku_state *s, int32_t i, int32_t d,
                              int32_t *order_up_to, int32_t *reorder_point)
{
    const forecast_plan *f = &p->fc;
    const ech_forecast_rule *r = f->rule[i];
    int32_t h =
        f->target[i] == ECH_TARGET_COVER_DAYS ? (int32_t)ceil(f->cover[i] - 1e-9) : f->span[i];
    if (h < 1)
        h = 1;
    /* Daily rate over the coming h days. */
    double rate;
    if (r->method == ECH_FORECAST_MOVING_AVERAGE) {
        /* Days before the first of the run count at the expected outflow, as if
         * the history before day 0 had been average. */
        int32_t w = r->weeks * 7;
        rate = ((double)s->fc.sum[i] + (double)(w - s->fc.days[i]) * p->outflow[i]) / (double)w;
    } else {
        double sum = 0.0;
        for (int32_t b = f->below_begin[i]; b < f->below_begin[i + 1]; ++b) {
            int32_t j = f->below[b];
            sum += model_sum(f, &s->fc, p->leaf[j], j, d, h);
        }
        rate = sum / (double)h;
    }
    rate *= r->uplift;
    double S, sp;
    if (f->target[i] == ECH_TARGET_COVER_DAYS) {
        S = ceil(rate * f->cover[i] - 1e-9);
    } else {
        double m = rate * (double)h;
        double v = f->ratio[i] * m + rate * rate * f->lead_var[i];
        S = m > 0.0 ? ceil(m + f->z[i] * sqrt(v) - 1e-9) : 0.0;
    }
    if (S < 1.0 && rate > 0.0)
        S = 1.0; /* a listed item keeps at least one unit */
    if (S < 0.0)
        S = 0.0;
    sp = S - 1.0;
    if (f->policy[i] == ECH_POLICY_S_S) {
        double lot = round(rate * f->order_days[i]);
        if (lot < p->pack)
            lot = p->pack;
        if (lot < 1.0)
            lot = 1.0;
        S = sp + lot;
    }
    /* Far beyond what any count holds: a forecast gone wild is capped, not wrapped. */
    if (S > ECH_MAX_UNITS)
        S = ECH_MAX_UNITS;
    if (sp > S - 1.0)
        sp = S - 1.0;
    *order_up_to = (int32_t)S + f->held[i];
    *reorder_point = (int32_t)sp + f->held[i];
}
