/* The demand model of a demand point: its mean daily demand on a day and over the
 * horizon (docs/MODEL.md, section 5).
 *
 *   mean(t) = demand_mean x weekly_w[weekday(t)] x yearly_p[month(t)]
 *             x max(0, 1 + trend x years(t)) x (uplifts of the events covering t)
 *
 * where w, p and trend are the skuloc's own (assortment or demand_file columns
 * weekly_profile, seasonality, trend_per_year) or else the scenario's weekly
 * profile and the SKU's season profile and trend.  The yearly factor and the trend
 * are constant within a calendar month (the trend is taken at the 15th), so without
 * events the mean is constant within a (calendar month, weekday) pair; events
 * change it on their first day and the day after their last.
 */
#ifndef ECHELON_DEMAND_MODEL_H
#define ECHELON_DEMAND_MODEL_H

#include "echelon/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The profiles and trend that apply at skuloc x. */
static inline const double *ech_demand_weekly(const ech_scenario *sc, int64_t x)
{
    int32_t w = sc->sl.weekly_profile[x];
    return w >= 0 ? sc->weeklies.daily[w] : sc->weekly;
}
static inline int32_t ech_demand_season_profile(const ech_scenario *sc, int64_t x)
{
    int32_t p = sc->sl.season_profile[x];
    return p >= 0 ? p : sc->cat.season_profile[sc->sl.sku[x]];
}
static inline double ech_demand_trend(const ech_scenario *sc, int64_t x)
{
    double tr = sc->sl.trend_per_year[x];
    return tr == tr ? tr : sc->cat.trend_per_year[sc->sl.sku[x]];
}

/* 1 when skuloc x has a profile or trend of its own, or events may touch it: its
 * averages cannot be shared with the other locations of its SKU. */
int ech_demand_is_custom(const ech_scenario *sc, int64_t x);

/* Mean daily demand at skuloc x on scenario day t (0 when demand_mean is 0). */
double ech_demand_daily_mean(const ech_scenario *sc, int64_t x, int32_t day);

/* The weekday, month and trend years of a list of days, worked out once so that
 * the means of many demand points on those days cost no date arithmetic. */
typedef struct ech_demand_calendar {
    int32_t n;
    int32_t *day; /* scenario days */
    uint8_t *weekday, *month;
    double *years; /* ech_scenario_trend_years */
} ech_demand_calendar;

void ech_demand_calendar_init(ech_demand_calendar *c, const ech_scenario *sc, const int32_t *day,
                              int32_t n);
void ech_demand_calendar_free(ech_demand_calendar *c);

/* mean[q] = ech_demand_daily_mean(sc, x, c->day[q]) for every day of the calendar,
 * bit for bit. */
void ech_demand_calendar_means(const ech_scenario *sc, int64_t x, const ech_demand_calendar *c,
                               double *mean);

/* The product of the uplifts of the events covering skuloc x on day t (1: none). */
double ech_demand_event_factor(const ech_scenario *sc, int64_t x, int32_t day);

/* The largest event factor skuloc x meets on a day of [first, last]. */
double ech_demand_event_peak(const ech_scenario *sc, int64_t x, int32_t first, int32_t last);

/* Mean over the measured days of the daily mean at every custom demand point
 * (ech_demand_is_custom), into mean[x]; other entries are left as they are. */
void ech_demand_custom_averages(const ech_scenario *sc, double *mean);

/* The scenario days where the event factor of some skuloc may change (an event's
 * first day or the day after its last) within [first, last], sorted and distinct,
 * into a new array; *n their count.  Used to split the engine's demand periods. */
int32_t *ech_demand_event_boundaries(const ech_scenario *sc, int32_t first, int32_t last,
                                     int32_t *n);

/* Builds sc->events.of_sku, the events each SKU can meet; after the catalogue and
 * the events are loaded. */
void ech_demand_events_index(ech_scenario *sc);

/* Frees the events and zeroes them. */
void ech_demand_events_free(ech_demand_events *ev);

#ifdef __cplusplus
}
#endif

#endif
