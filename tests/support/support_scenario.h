/* Building small scenarios in code for engine tests, without the YAML loader, so
 * that engine tests do not depend on the parser and can set every field directly.
 * Header-only: include it in one test file. */
#ifndef ECHELON_TEST_SUPPORT_SCENARIO_H
#define ECHELON_TEST_SUPPORT_SCENARIO_H

#include "echelon/policy.h"
#include "echelon/scenario.h"
#include "echelon/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS_GROW(ptr, n) ((ptr) = realloc((ptr), (size_t)((n) + 1) * sizeof *(ptr)))

/* Room for row n of a table; the new row holds the columns' defaults. */
static inline void ts_row(const ech_table *t, void *table, int64_t n)
{
    int64_t cap = n;
    ech_table_reserve(t, table, n + 1, &cap);
}

/* A scenario with one flat season profile, one segment, no costs, lost sales,
 * backordering between locations, fair-share allocation, day 0 = 2027-01-04 (a
 * Monday), quantiles 5/50/95%. */
static inline void ts_init(ech_scenario *sc, int32_t days, int32_t warmup, int64_t reps,
                           uint64_t seed)
{
    memset(sc, 0, sizeof *sc);
    sc->name = strdup("test");
    sc->source_path = strdup("test.yaml");
    sc->source_text = strdup("# built in code\n");
    sc->seed = seed;
    sc->replications = reps;
    sc->days = days;
    sc->warmup_days = warmup;
    ech_parse_date("2027-01-04", &sc->start_date);
    for (int w = 0; w < 7; ++w)
        sc->weekly[w] = 1.0;
    sc->seasons.n = 1;
    sc->seasons.name = malloc(sizeof(char *));
    sc->seasons.name[0] = strdup("flat");
    sc->seasons.monthly = malloc(sizeof *sc->seasons.monthly);
    for (int m = 0; m < 12; ++m)
        sc->seasons.monthly[0][m] = 1.0;
    sc->n_segments = 1;
    sc->segment = malloc(sizeof(char *));
    sc->segment[0] = strdup("all");
    for (int k = 0; k < ECH_LOC_KIND_COUNT; ++k) {
        sc->rule[k].policy = ECH_POLICY_BASE_STOCK;
        sc->rule[k].target = ECH_TARGET_SERVICE_LEVEL;
        sc->rule[k].review_days = 1;
        sc->rule[k].service_level = 0.95;
        sc->rule[k].order_days = 7;
        sc->rule[k].reorder_point = ECH_REORDER_NOT_GIVEN;
    }
    sc->output.n_quantiles = 3;
    sc->output.quantiles = malloc(3 * sizeof(double));
    sc->output.quantiles[0] = 0.05;
    sc->output.quantiles[1] = 0.5;
    sc->output.quantiles[2] = 0.95;
}

static inline int32_t ts_add_supplier(ech_scenario *sc, const char *id, ech_lead_time_dist dist,
                                      double mean, double sd, int32_t min_days, int32_t max_days)
{
    ech_suppliers *s = &sc->suppliers;
    TS_GROW(s->id, s->n);
    TS_GROW(s->lead_time, s->n);
    s->id[s->n] = strdup(id);
    s->lead_time[s->n] = (ech_lead_time){(uint8_t)dist, mean, sd, min_days, max_days, NULL};
    return s->n++;
}

/* parent NULL for the root. */
static inline int32_t ts_add_location(ech_scenario *sc, const char *id, ech_location_kind kind,
                                      const char *parent, int32_t lead_time_days)
{
    ech_network *n = &sc->net;
    int32_t p = -1;
    for (int32_t i = 0; parent && i < n->n; ++i)
        if (strcmp(n->id[i], parent) == 0)
            p = i;
    ts_row(&ech_network_table, n, n->n);
    n->id[n->n] = strdup(id);
    n->name[n->n] = strdup(id);
    n->kind[n->n] = (uint8_t)kind;
    n->parent[n->n] = p;
    n->lead_time_days[n->n] = lead_time_days;
    n->priority[n->n] = 0;
    n->review_offset[n->n] = 0;
    return n->n++;
}

static inline int32_t ts_add_sku(ech_scenario *sc, const char *id, double cost, double price,
                                 int32_t pack, int32_t supplier)
{
    ech_catalogue *c = &sc->cat;
    ts_row(&ech_catalogue_table, c, c->n);
    c->id[c->n] = strdup(id);
    c->name[c->n] = strdup(id);
    c->unit_cost[c->n] = cost;
    c->unit_price[c->n] = price;
    c->pack_size[c->n] = pack;
    c->supplier[c->n] = supplier;
    c->shelf_life_days[c->n] = 0;
    c->storage[c->n] = 0;
    c->handling[c->n] = 0;
    c->substitution[c->n] = 0;
    c->segment[c->n] = 0;
    c->season_profile[c->n] = 0;
    c->trend_per_year[c->n] = 0.0;
    return c->n++;
}

/* A row of the assortment.  dist ECH_DEMAND_NONE for an upstream row that only
 * sets the policy.  S < 0 leaves the target to the rule. */
static inline int64_t ts_add_skuloc(ech_scenario *sc, int32_t sku, int32_t loc,
                                    ech_demand_dist dist, double mean, double var_ratio,
                                    double zero_prob, ech_policy_kind policy, int32_t review,
                                    int32_t S, int32_t s)
{
    ech_skulocs *l = &sc->sl;
    ts_row(&ech_skuloc_table, l, l->n);
    l->sku[l->n] = sku;
    l->location[l->n] = loc;
    l->demand_dist[l->n] = (uint8_t)dist;
    l->demand_mean[l->n] = mean;
    l->demand_var_ratio[l->n] = var_ratio;
    l->demand_zero_prob[l->n] = zero_prob;
    l->replay[l->n] = -1;
    l->policy[l->n] = (uint8_t)policy;
    l->review_days[l->n] = review;
    l->order_up_to[l->n] = S;
    l->reorder_point[l->n] = s == -1 ? ECH_REORDER_NOT_GIVEN : s; /* -1 here: not given */
    l->min_order_qty[l->n] = 0;
    l->start_on_hand[l->n] = -1;
    return l->n++;
}

/* Finalises and resolves; aborts the test on failure. */
static inline void ts_finish(ech_scenario *sc)
{
    ech_error err;
    ech_error_clear(&err);
    if (ech_scenario_finalize(sc, "test", &err) != ECH_OK ||
        ech_policy_resolve(sc, &err) != ECH_OK) {
        fprintf(stderr, "test scenario invalid: %s\n", err.msg);
        abort();
    }
}

/* Turns batches and expiry on: every receipt from the supplier has `fraction` of its
 * SKU's shelf life left, and locations refuse batches with fewer than
 * `min_remaining` days left on arrival. */
static inline void ts_expiry_on(ech_scenario *sc, double fraction, int32_t min_remaining)
{
    sc->expiry.enabled = 1;
    sc->expiry.receipt_life_min = fraction;
    sc->expiry.receipt_life_max = fraction;
    sc->expiry.min_remaining_days = min_remaining;
}

/* Replays a demand series at skuloc x (after ts_finish): series[d] for simulated
 * day d (warm-up included); the same in every replication. */
static inline void ts_set_replay(ech_scenario *sc, int64_t x, const int32_t *series)
{
    ech_replay *r = &sc->replay;
    int32_t n_days = sc->warmup_days + sc->days;
    r->n_days = n_days;
    r->quantity = realloc(r->quantity, (size_t)(r->n + 1) * (size_t)n_days * sizeof(int32_t));
    memcpy(r->quantity + (size_t)r->n * (size_t)n_days, series, (size_t)n_days * sizeof(int32_t));
    sc->sl.demand_dist[x] = ECH_DEMAND_REPLAY;
    sc->sl.replay[x] = r->n++;
}

#endif
