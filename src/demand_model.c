/* The demand model of a demand point; see include/echelon/demand_model.h. */
#include "echelon/demand_model.h"

#include "echelon/error.h"

#include <stdlib.h>
#include <string.h>

/* 1 when location `loc` is `scope` or lies below it. */
static int location_in(const ech_network *net, int32_t loc, int32_t scope)
{
    for (int32_t l = loc; l >= 0; l = net->parent[l])
        if (l == scope)
            return 1;
    return 0;
}

/* 1 when event i reaches skuloc x (its SKU is in the event's index already). */
static inline int event_reaches(const ech_scenario *sc, int32_t i, int64_t x)
{
    int32_t scope = sc->events.location[i];
    return scope < 0 || location_in(&sc->net, sc->sl.location[x], scope);
}

int ech_demand_is_custom(const ech_scenario *sc, int64_t x)
{
    const ech_skulocs *sl = &sc->sl;
    if (sl->weekly_profile[x] >= 0 || sl->season_profile[x] >= 0 ||
        sl->trend_per_year[x] == sl->trend_per_year[x])
        return 1;
    const ech_demand_events *ev = &sc->events;
    if (ev->n == 0)
        return 0;
    int32_t k = sl->sku[x];
    for (int64_t j = ev->of_sku_begin[k]; j < ev->of_sku_begin[k + 1]; ++j)
        if (event_reaches(sc, ev->of_sku[j], x))
            return 1;
    return 0;
}

double ech_demand_event_factor(const ech_scenario *sc, int64_t x, int32_t day)
{
    const ech_demand_events *ev = &sc->events;
    if (ev->n == 0)
        return 1.0;
    int32_t k = sc->sl.sku[x];
    double f = 1.0;
    for (int64_t j = ev->of_sku_begin[k]; j < ev->of_sku_begin[k + 1]; ++j) {
        int32_t i = ev->of_sku[j];
        if (day >= ev->first_day[i] && day <= ev->last_day[i] && event_reaches(sc, i, x))
            f *= ev->uplift[i];
    }
    return f;
}

double ech_demand_event_peak(const ech_scenario *sc, int64_t x, int32_t first, int32_t last)
{
    const ech_demand_events *ev = &sc->events;
    double peak = ev->n == 0 ? 1.0 : ech_demand_event_factor(sc, x, first);
    if (ev->n == 0)
        return peak;
    /* The factor only changes where an event starts: the largest is on one of those
     * days (or the first). */
    int32_t k = sc->sl.sku[x];
    for (int64_t j = ev->of_sku_begin[k]; j < ev->of_sku_begin[k + 1]; ++j) {
        int32_t d = ev->first_day[ev->of_sku[j]];
        if (d > first && d <= last) {
            double f = ech_demand_event_factor(sc, x, d);
            peak = f > peak ? f : peak;
        }
    }
    return peak;
}

/* What the model's mean at skuloc x takes from the skuloc alone. */
typedef struct skuloc_model {
    double mean, trend;
    const double *weekly, *season;
} skuloc_model;

static inline skuloc_model model_of(const ech_scenario *sc, int64_t x)
{
    return (skuloc_model){.mean = sc->sl.demand_mean[x],
                          .trend = ech_demand_trend(sc, x),
                          .weekly = ech_demand_weekly(sc, x),
                          .season = sc->seasons.monthly[ech_demand_season_profile(sc, x)]};
}

/* The model's mean at skuloc x (model m) on day t, given the day's weekday, month
 * and trend years (the one place the formula is written). */
static inline double mean_of(const ech_scenario *sc, int64_t x, const skuloc_model *m, int32_t day,
                             int weekday, int month, double years)
{
    if (m->mean <= 0.0)
        return 0.0;
    double trend = 1.0 + m->trend * years;
    if (trend < 0.0)
        trend = 0.0;
    double v = m->mean * m->weekly[weekday] * m->season[month] * trend;
    return sc->events.n > 0 ? v * ech_demand_event_factor(sc, x, day) : v;
}

static inline double mean_on(const ech_scenario *sc, int64_t x, int32_t day, int weekday, int month,
                             double years)
{
    skuloc_model m = model_of(sc, x);
    return mean_of(sc, x, &m, day, weekday, month, years);
}

double ech_demand_daily_mean(const ech_scenario *sc, int64_t x, int32_t day)
{
    return mean_on(sc, x, day, ech_scenario_weekday(sc, day), ech_scenario_month(sc, day),
                   ech_scenario_trend_years(sc, day));
}

void ech_demand_calendar_init(ech_demand_calendar *c, const ech_scenario *sc, const int32_t *day,
                              int32_t n)
{
    size_t k = (size_t)(n > 0 ? n : 1);
    c->n = n;
    c->day = ech_xmalloc(k * sizeof *c->day, "demand calendar");
    c->weekday = ech_xmalloc(k, "demand calendar");
    c->month = ech_xmalloc(k, "demand calendar");
    c->years = ech_xmalloc(k * sizeof *c->years, "demand calendar");
    for (int32_t q = 0; q < n; ++q) {
        c->day[q] = day[q];
        c->weekday[q] = (uint8_t)ech_scenario_weekday(sc, day[q]);
        c->month[q] = (uint8_t)ech_scenario_month(sc, day[q]);
        c->years[q] = ech_scenario_trend_years(sc, day[q]);
    }
}

void ech_demand_calendar_free(ech_demand_calendar *c)
{
    free(c->day);
    free(c->weekday);
    free(c->month);
    free(c->years);
    memset(c, 0, sizeof *c);
}

void ech_demand_calendar_means(const ech_scenario *sc, int64_t x, const ech_demand_calendar *c,
                               double *mean)
{
    /* The skuloc's part read once: the stores to mean[] could alias it. */
    skuloc_model m = model_of(sc, x);
    for (int32_t q = 0; q < c->n; ++q)
        mean[q] = mean_of(sc, x, &m, c->day[q], c->weekday[q], c->month[q], c->years[q]);
}

void ech_demand_custom_averages(const ech_scenario *sc, double *mean)
{
    const ech_skulocs *sl = &sc->sl;
    int32_t days = sc->days;
    /* The calendar of the measured days, once. */
    uint8_t *weekday = ech_xmalloc((size_t)days, "calendar");
    uint8_t *month = ech_xmalloc((size_t)days, "calendar");
    double *years = ech_xmalloc((size_t)days * sizeof *years, "calendar");
    for (int32_t t = 0; t < days; ++t) {
        weekday[t] = (uint8_t)ech_scenario_weekday(sc, t);
        month[t] = (uint8_t)ech_scenario_month(sc, t);
        years[t] = ech_scenario_trend_years(sc, t);
    }
    for (int64_t x = 0; x < sl->n; ++x) {
        if (sl->demand_dist[x] == ECH_DEMAND_NONE || sl->demand_dist[x] == ECH_DEMAND_REPLAY ||
            !ech_demand_is_custom(sc, x))
            continue;
        const double *w = ech_demand_weekly(sc, x);
        const double *s = sc->seasons.monthly[ech_demand_season_profile(sc, x)];
        double tr = ech_demand_trend(sc, x);
        int events = sc->events.n > 0;
        double sum = 0.0;
        for (int32_t t = 0; t < days; ++t) {
            double trend = 1.0 + tr * years[t];
            double f = w[weekday[t]] * s[month[t]] * (trend > 0.0 ? trend : 0.0);
            sum += events ? f * ech_demand_event_factor(sc, x, t) : f;
        }
        mean[x] = sl->demand_mean[x] * sum / (double)days;
    }
    free(weekday);
    free(month);
    free(years);
}

static int cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int32_t *ech_demand_event_boundaries(const ech_scenario *sc, int32_t first, int32_t last,
                                     int32_t *n)
{
    const ech_demand_events *ev = &sc->events;
    int32_t *b = ech_xmalloc((size_t)(2 * ev->n + 1) * sizeof *b, "event boundaries");
    int32_t m = 0;
    for (int32_t i = 0; i < ev->n; ++i) {
        if (ev->first_day[i] >= first && ev->first_day[i] <= last)
            b[m++] = ev->first_day[i];
        if (ev->last_day[i] >= first && ev->last_day[i] < last)
            b[m++] = ev->last_day[i] + 1;
    }
    qsort(b, (size_t)m, sizeof *b, cmp_int32);
    int32_t u = 0;
    for (int32_t i = 0; i < m; ++i)
        if (u == 0 || b[i] != b[u - 1])
            b[u++] = b[i];
    *n = u;
    return b;
}

/* Calls add(k) for every SKU k event i can reach, in SKU order. */
#define FOR_EVENT_SKUS(sc, i, group_begin, group_sku, k, body)                                 \
    do {                                                                                       \
        const ech_demand_events *ev_ = &(sc)->events;                                          \
        if (ev_->sku[i] >= 0) {                                                                \
            int32_t k = ev_->sku[i];                                                           \
            if (ev_->group[i] < 0 || ev_->group[i] == (sc)->cat.group[k]) {                    \
                body;                                                                          \
            }                                                                                  \
        } else if (ev_->group[i] >= 0) {                                                       \
            for (int32_t g_ = group_begin[ev_->group[i]]; g_ < group_begin[ev_->group[i] + 1]; \
                 ++g_) {                                                                       \
                int32_t k = group_sku[g_];                                                     \
                body;                                                                          \
            }                                                                                  \
        } else {                                                                               \
            for (int32_t k = 0; k < (sc)->cat.n; ++k) {                                        \
                body;                                                                          \
            }                                                                                  \
        }                                                                                      \
    } while (0)

void ech_demand_events_index(ech_scenario *sc)
{
    ech_demand_events *ev = &sc->events;
    free(ev->of_sku_begin);
    free(ev->of_sku);
    int32_t n_skus = sc->cat.n, n_groups = sc->n_groups;
    /* The SKUs of each group. */
    int32_t *group_begin = ech_xcalloc((size_t)n_groups + 2, sizeof *group_begin, "group index");
    int32_t *group_sku =
        ech_xmalloc((size_t)(n_skus > 0 ? n_skus : 1) * sizeof *group_sku, "group index");
    for (int32_t k = 0; k < n_skus; ++k)
        if (sc->cat.group[k] >= 0)
            ++group_begin[sc->cat.group[k] + 2];
    for (int32_t g = 0; g < n_groups; ++g)
        group_begin[g + 2] += group_begin[g + 1];
    for (int32_t k = 0; k < n_skus; ++k)
        if (sc->cat.group[k] >= 0)
            group_sku[group_begin[sc->cat.group[k] + 1]++] = k;
    /* Each SKU's events in the order given: count, then place, events in order. */
    int64_t *begin = ech_xcalloc((size_t)n_skus + 2, sizeof *begin, "event index");
    for (int32_t i = 0; i < ev->n; ++i)
        FOR_EVENT_SKUS(sc, i, group_begin, group_sku, k, ++begin[k + 2]);
    for (int32_t k = 0; k < n_skus; ++k)
        begin[k + 2] += begin[k + 1];
    ev->of_sku =
        ech_xmalloc((size_t)(begin[n_skus + 1] > 0 ? begin[n_skus + 1] : 1) * sizeof *ev->of_sku,
                    "event index");
    for (int32_t i = 0; i < ev->n; ++i)
        FOR_EVENT_SKUS(sc, i, group_begin, group_sku, k, ev->of_sku[begin[k + 1]++] = i);
    ev->of_sku_begin = begin; /* begin[k] is now SKU k's first entry */
    free(group_begin);
    free(group_sku);
}
#undef FOR_EVENT_SKUS

void ech_demand_events_free(ech_demand_events *ev)
{
    ech_strings_free(ev->name, ev->n);
    free(ev->first_day);
    free(ev->last_day);
    free(ev->uplift);
    free(ev->sku);
    free(ev->group);
    free(ev->location);
    free(ev->source_line);
    free(ev->of_sku_begin);
    free(ev->of_sku);
    free(ev->source);
    memset(ev, 0, sizeof *ev);
}
