/* Sales histories generated from known demand models, for the calibration's tests
 * and benchmark.  Demand follows the scenario's model exactly (docs/MODEL.md section
 * 5): each day's mean is mean x weekly[weekday] x yearly[month] x max(0, 1 + trend x
 * years) x the uplifts of the events covering the day, the profiles rescaled to mean
 * 1, years counted from the month's 15th to `origin`; daily demand is zero with
 * probability pi and otherwise negative binomial with mean / (1 - pi), variance ratio
 * r.  A shelf with periodic review (order up to S every R days, lead time L, lost
 * sales) turns demand into sales and closing stock, so stock-outs censor demand.
 * Header-only: include it in one file. */
#ifndef ECHELON_TEST_SUPPORT_HISTORY_H
#define ECHELON_TEST_SUPPORT_HISTORY_H

#include "echelon/scenario.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sh_series {
    char sku[64], location[64], group[64], region[64];
    double mean, var_ratio, zero_prob, trend;
    double weekly[7], yearly[12]; /* multipliers, any scale */
    int32_t order_up_to;          /* 0: never short of stock */
    int32_t review_days, lead_days;
} sh_series;

typedef struct sh_event {
    char name[64];
    int32_t start, end;
    double uplift;
    char sku[64]; /* "" : every series */
} sh_event;

/* Calendar of the days [first, first + n): weekday (0 Monday), month (0..11), and
 * years from the 15th of the day's month to `origin`. */
typedef struct sh_calendar {
    int32_t first, n;
    int8_t *weekday, *month;
    double *years;
    char (*date)[11]; /* YYYY-MM-DD */
} sh_calendar;

static inline void sh_calendar_init(sh_calendar *c, int32_t first, int32_t n, int32_t origin)
{
    c->first = first;
    c->n = n;
    c->weekday = malloc((size_t)n);
    c->month = malloc((size_t)n);
    c->years = malloc((size_t)n * sizeof(double));
    c->date = malloc((size_t)n * sizeof *c->date);
    for (int32_t d = 0; d < n; ++d) {
        char buf[16];
        int32_t day = first + d, mid = 0;
        ech_format_date(day, buf);
        memcpy(c->date[d], buf, 11);
        c->weekday[d] = (int8_t)(((day + 3) % 7 + 7) % 7);
        c->month[d] = (int8_t)(atoi(buf + 5) - 1);
        buf[8] = '1';
        buf[9] = '5';
        ech_parse_date(buf, &mid);
        c->years[d] = (mid - origin) / 365.25;
    }
}

static inline void sh_calendar_free(sh_calendar *c)
{
    free(c->weekday);
    free(c->month);
    free(c->years);
    free(c->date);
}

/* The day's mean demand of series s. */
static inline double sh_mean(const sh_series *s, const sh_calendar *c, int32_t d,
                             const sh_event *ev, int n_ev)
{
    double w = 0, y = 0;
    for (int k = 0; k < 7; ++k)
        w += s->weekly[k] / 7;
    for (int k = 0; k < 12; ++k)
        y += s->yearly[k] / 12;
    double t = 1 + s->trend * c->years[d];
    double m =
        s->mean * s->weekly[c->weekday[d]] / w * s->yearly[c->month[d]] / y * (t > 0 ? t : 0);
    for (int k = 0; k < n_ev; ++k)
        if (c->first + d >= ev[k].start && c->first + d <= ev[k].end &&
            (!ev[k].sku[0] || strcmp(ev[k].sku, s->sku) == 0))
            m *= ev[k].uplift;
    return m;
}

static inline int32_t sh_draw(gsl_rng *rng, double mean, double r, double pi)
{
    if (mean <= 0)
        return 0;
    if (pi > 0 && gsl_rng_uniform(rng) < pi)
        return 0;
    double base = mean / (1 - pi);
    if (r <= 1.0000001)
        return (int32_t)gsl_ran_poisson(rng, base);
    return (int32_t)gsl_ran_negative_binomial(rng, 1 / r, base / (r - 1));
}

/* Writes the rows "date,sku,location,sales,stock,stockout_days,group,region" of
 * series s over the calendar's days, one row per `period` days (1: daily; 7: weeks
 * from the calendar's first day): the period's sales, its closing stock and the
 * days that ended without stock (stock and stockout_days empty when the series
 * never runs short); and the true daily demand into demand[0 .. c->n) when not
 * NULL. */
static inline void sh_write_series(FILE *out, const sh_series *s, const sh_calendar *c,
                                   const sh_event *ev, int n_ev, uint64_t seed, int32_t *demand,
                                   int period)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, (unsigned long)seed);
    int32_t on_hand = s->order_up_to, lead = s->lead_days > 0 ? s->lead_days : 0;
    int32_t *pipe = calloc((size_t)lead + 1, sizeof(int32_t));
    int32_t review = s->review_days > 0 ? s->review_days : 1;
    int32_t sales = 0, empty_days = 0;
    for (int32_t d = 0; d < c->n; ++d) {
        int32_t dem = sh_draw(rng, sh_mean(s, c, d, ev, n_ev), s->var_ratio, s->zero_prob);
        if (demand)
            demand[d] = dem;
        int32_t sold = dem;
        if (s->order_up_to > 0) {
            on_hand += pipe[d % (lead + 1)];
            pipe[d % (lead + 1)] = 0;
            if (d % review == 0) {
                int32_t pos = on_hand;
                for (int32_t k = 0; k <= lead; ++k)
                    pos += pipe[k];
                if (pos < s->order_up_to) {
                    if (lead == 0)
                        on_hand += s->order_up_to - pos;
                    else
                        pipe[(d + lead) % (lead + 1)] += s->order_up_to - pos;
                }
            }
            sold = dem < on_hand ? dem : on_hand;
            on_hand -= sold;
        }
        sales += sold;
        empty_days += s->order_up_to > 0 && on_hand == 0;
        if ((d + 1) % period != 0)
            continue;
        fprintf(out, "%s,%s,%s,%d,", c->date[d + 1 - period], s->sku, s->location, sales);
        if (s->order_up_to > 0)
            fprintf(out, "%d,%d", on_hand, empty_days);
        else
            fputc(',', out);
        fprintf(out, ",%s,%s\n", s->group, s->region);
        sales = empty_days = 0;
    }
    free(pipe);
    gsl_rng_free(rng);
}

#define SH_HEADER "date,sku,location,sales,stock,stockout_days,group,region\n"

#endif
