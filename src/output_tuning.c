/* The results file's /tuning group: what `echelon tune` chose and how its searches
 * went (see output_h5.h and results/README.md). */
#include "output_h5.h"
#include "echelon/tune_run.h"

#include <stdlib.h>
#include <string.h>

/* A per-skuloc column of the tuning result (the whole array on every rank): each
 * rank writes its block, attached to the group's skuloc scale. */
static void skuloc_column(writer *w, hid_t g, hid_t scale, const char *name, hid_t type,
                          size_t elem_size, const void *all, const char *units,
                          const char *description)
{
    hsize_t n = (hsize_t)w->sc->sl.n;
    hid_t d = ech_h5_dataset_create(w, g, name, type, 1, &n, 1);
    ech_h5_describe(w, d, units, description);
    ech_h5_skuloc_coordinates(w, d);
    const char *base = (const char *)all + (size_t)w->begin * elem_size;
    ech_h5_write_rows(w, d, name, type, (hsize_t)w->begin, (hsize_t)(w->end - w->begin), 1, base, 1,
                      0);
    ech_h5_attach(w, d, scale, 0, name);
    ech_h5_close_dataset(w, d);
}

static void write_skulocs(writer *w, hid_t parent, const ech_tune_result *t)
{
    hid_t g = ech_h5_group(w, parent, "skuloc",
                           "per SKU-location: the targets before and after tuning (stock held "
                           "for display and reserve included, as in /skuloc/order_up_to), the "
                           "fill-rate target and the marginal value of one more pack");
    hsize_t n = (hsize_t)w->sc->sl.n;
    int64_t nloc = w->end - w->begin;
    hid_t scale = ech_h5_dataset_create(w, g, "skuloc", H5T_NATIVE_INT64, 1, &n, 1);
    ech_h5_describe(w, scale, "1", "SKU-location index (as /skuloc/skuloc)");
    int64_t *ids = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * sizeof *ids, "skuloc scale");
    for (int64_t i = 0; i < nloc; ++i)
        ids[i] = w->begin + i;
    ech_h5_write_rows(w, scale, "skuloc", H5T_NATIVE_INT64, (hsize_t)w->begin, (hsize_t)nloc, 1,
                      ids, 1, 0);
    free(ids);
    if (scale >= 0 && !w->failed && H5DSset_scale(scale, "skuloc") < 0)
        ech_h5_fail(w, "making skuloc a dimension scale");
    ech_h5_link_skuloc_ids(w, g);

    skuloc_column(w, g, scale, "order_up_to_before", H5T_NATIVE_INT32, sizeof(int32_t),
                  t->old_order_up_to, "unit", "order-up-to level S of the tuned variant before");
    skuloc_column(w, g, scale, "reorder_point_before", H5T_NATIVE_INT32, sizeof(int32_t),
                  t->old_reorder_point, "unit", "reorder point s before");
    skuloc_column(w, g, scale, "order_up_to", H5T_NATIVE_INT32, sizeof(int32_t), t->order_up_to,
                  "unit", "tuned order-up-to level S");
    skuloc_column(w, g, scale, "reorder_point", H5T_NATIVE_INT32, sizeof(int32_t), t->reorder_point,
                  "unit", "tuned reorder point s (S - 1 for base stock)");
    skuloc_column(w, g, scale, "fill_rate_target", H5T_NATIVE_DOUBLE, sizeof(double),
                  t->fill_target, "1",
                  "fill-rate target of a demand point (NaN: no customer demand, or the cost "
                  "objective)");
    skuloc_column(w, g, scale, "marginal_cost", H5T_NATIVE_DOUBLE, sizeof(double),
                  t->marginal_objective, "currency/day",
                  "change in the SKU's objective per day from one more pack at this location "
                  "(NaN: not possible)");
    skuloc_column(w, g, scale, "marginal_fill_rate", H5T_NATIVE_DOUBLE, sizeof(double),
                  t->marginal_fill, "1",
                  "change in the SKU's fill rate over its demand points from one more pack here");
    skuloc_column(w, g, scale, "inventory_value", H5T_NATIVE_DOUBLE, sizeof(double),
                  t->skuloc_value, "currency",
                  "mean inventory value at the tuned targets on the search's replications");
    skuloc_column(w, g, scale, "marginal_value", H5T_NATIVE_DOUBLE, sizeof(double),
                  t->marginal_value, "currency",
                  "change in the SKU's mean inventory value from one more pack here");
    ech_h5_close_dataset(w, scale);
    ech_h5_close_group(g);
}

static void write_skus(writer *w, hid_t parent, const ech_tune_result *t)
{
    int32_t n = w->sc->cat.n;
    hid_t g = ech_h5_group(w, parent, "sku", "per SKU: how its search went");
    hid_t sku = ech_h5_id_scale(w, g, "sku", w->sc->cat.id, n, "SKU id (as /catalogue/sku)");
    ech_h5_small_table(w, g, "evaluations", H5T_NATIVE_INT32, (hsize_t)n, t->evaluations, sku, "1",
                       "candidate targets simulated", NULL);
    ech_h5_small_table(w, g, "replications", H5T_NATIVE_INT64, (hsize_t)n, t->replications, sku,
                       "1", "replications per evaluation when the search stopped", NULL);
    ech_h5_small_table(w, g, "objective", H5T_NATIVE_DOUBLE, (hsize_t)n, t->objective, sku,
                       "currency/day",
                       "the objective at the tuned targets on the search's "
                       "replications (cost a day; the budget's price of stock "
                       "included)",
                       NULL);
    ech_h5_small_table(w, g, "objective_se", H5T_NATIVE_DOUBLE, (hsize_t)n, t->objective_se, sku,
                       "currency/day", "its standard error", NULL);
    ech_h5_small_table(w, g, "fill_rate", H5T_NATIVE_DOUBLE, (hsize_t)n, t->fill_rate, sku, "1",
                       "fill rate over the SKU's demand points on the search's replications", NULL);
    ech_h5_small_table(
        w, g, "inventory_value", H5T_NATIVE_DOUBLE, (hsize_t)n, t->value, sku, "currency",
        "mean inventory value at the tuned targets on the search's replications", NULL);
    ech_h5_small_table(w, g, "feasible", H5T_NATIVE_UINT8, (hsize_t)n, t->feasible, sku, "1",
                       "1: every fill-rate target met on the search's replications", NULL);
    ech_h5_small_table(w, g, "converged", H5T_NATIVE_UINT8, (hsize_t)n, t->converged, sku, "1",
                       "1: stopped because no move improved beyond the noise (0: at the "
                       "evaluation limit)",
                       NULL);
    ech_h5_close_dataset(w, sku);
    ech_h5_close_group(g);
}

/* The frontier's points: budget, multiplier and inventory value on the searches'
 * replications (the verified KPIs are the variants frontier_1 ..). */
static void write_frontier(writer *w, hid_t parent, const ech_tune_result *t)
{
    int32_t n = t->n_frontier;
    hid_t g = ech_h5_group(w, parent, "frontier",
                           "the cost-inventory frontier in increasing inventory: point p tuned "
                           "within budget[p] (cost objective) or with its fill-rate targets' "
                           "shortfalls scaled by shortfall_scale[p] (service objective); its "
                           "verified KPIs are variant 'frontier_<p+1>' in /variant");
    hid_t point = ech_h5_index_scale(w, g, "point", n, "frontier point (variant frontier_<p+1>)");
    ech_h5_small_table(w, g, "budget", H5T_NATIVE_DOUBLE, (hsize_t)n, t->frontier_budget, point,
                       "currency", "mean inventory value allowed (NaN: a service-target point)",
                       NULL);
    ech_h5_small_table(w, g, "shortfall_scale", H5T_NATIVE_DOUBLE, (hsize_t)n, t->frontier_scale,
                       point, "1",
                       "service objective: each demand point's allowed shortfall 1 - target "
                       "times this (NaN: a budget point)",
                       NULL);
    ech_h5_small_table(w, g, "multiplier", H5T_NATIVE_DOUBLE, (hsize_t)n, t->frontier_price, point,
                       "1/day", "price of inventory value in the objective (Lagrange multiplier)",
                       NULL);
    ech_h5_small_table(w, g, "inventory_value", H5T_NATIVE_DOUBLE, (hsize_t)n, t->frontier_value,
                       point, "currency",
                       "mean inventory value of the point's targets on the searches' "
                       "replications",
                       NULL);
    ech_h5_close_dataset(w, point);
    ech_h5_close_group(g);
}

/* The best classic rule per segment. */
static void write_classic(writer *w, hid_t parent, const ech_tune_result *t)
{
    int32_t n = t->n_segments;
    hid_t g = ech_h5_group(w, parent, "classic",
                           "the best classic rule (variant 'classic'): one cycle service level "
                           "per segment at the pharmacies, each the least whose segment fill "
                           "rate reaches the tuned targets' on the searches' replications");
    hid_t seg =
        n == w->sc->n_segments
            ? ech_h5_id_scale(w, g, "segment", w->sc->segment, n,
                              "segment name (as /catalogue/segment_names)")
            : ech_h5_index_scale(w, g, "segment", n, "segment index (as /catalogue/segment_names)");
    ech_h5_small_table(w, g, "service_level", H5T_NATIVE_DOUBLE, (hsize_t)n,
                       t->classic_service_level, seg, "1",
                       "cycle service level of the segment's pharmacy rule", NULL);
    ech_h5_small_table(
        w, g, "fill_rate_tuned", H5T_NATIVE_DOUBLE, (hsize_t)n, t->tuned_fill, seg, "1",
        "the segment's fill rate under the tuned targets (searches' replications; NaN: no demand)",
        NULL);
    ech_h5_small_table(w, g, "fill_rate_classic", H5T_NATIVE_DOUBLE, (hsize_t)n, t->classic_fill,
                       seg, "1", "... under the classic rule", NULL);
    ech_h5_close_dataset(w, seg);
    ech_h5_close_group(g);
}

/* The budgets per location. */
static void write_location_budgets(writer *w, hid_t parent, const ech_tune_result *t)
{
    int32_t n = t->n_location_budgets;
    hid_t g = ech_h5_group(w, parent, "location_budgets",
                           "budgets per location (tuning.budget_by_location): the tuned "
                           "targets' mean inventory value there on the searches' replications "
                           "and the multiplier");
    hid_t b = ech_h5_index_scale(w, g, "budget", n, "budgeted location");
    ech_h5_small_table(w, g, "location_index", H5T_NATIVE_INT32, (hsize_t)n, t->budget_location, b,
                       "1", "network index of the location", NULL);
    ech_h5_small_table(w, g, "budget_value", H5T_NATIVE_DOUBLE, (hsize_t)n, t->location_budget, b,
                       "currency", "mean inventory value the location may hold", NULL);
    ech_h5_small_table(w, g, "inventory_value", H5T_NATIVE_DOUBLE, (hsize_t)n, t->location_value, b,
                       "currency", "mean inventory value of the tuned targets there", NULL);
    ech_h5_small_table(w, g, "multiplier", H5T_NATIVE_DOUBLE, (hsize_t)n, t->location_price, b,
                       "1/day", "price of inventory value held there, on top of value_price", NULL);
    ech_h5_attr_i32(w, g, "budgets_met", t->location_budgets_met);
    ech_h5_close_dataset(w, b);
    ech_h5_close_group(g);
}

/* The cold rooms' limits. */
static void write_cold(writer *w, hid_t parent, const ech_tune_result *t)
{
    int32_t n = t->n_cold;
    hid_t g = ech_h5_group(w, parent, "cold_rooms",
                           "cold-room limits (tuning.cold_room_exceed_share): per location "
                           "stocking cold-chain SKUs, the tuned targets' share of days over "
                           "capacity on the searches' replications and the multiplier");
    char **ids = ech_xcalloc((size_t)(n > 0 ? n : 1), sizeof *ids, "cold location ids");
    for (int32_t i = 0; i < n; ++i)
        ids[i] = w->sc->net.id[t->cold_location[i]];
    hid_t slot = ech_h5_id_scale(w, g, "cold_location", ids, n,
                                 "cold location id (as /cold_chain/cold_location)");
    free(ids);
    ech_h5_small_table(w, g, "location_index", H5T_NATIVE_INT32, (hsize_t)n, t->cold_location, slot,
                       "1", "network index of the location", NULL);
    ech_h5_small_table(w, g, "capacity_litres", H5T_NATIVE_DOUBLE, (hsize_t)n, t->cold_capacity,
                       slot, "litre", "cold-room volume (0: none declared, no limit)", NULL);
    ech_h5_small_table(
        w, g, "exceed_share", H5T_NATIVE_DOUBLE, (hsize_t)n, t->cold_exceed, slot, "1",
        "share of location-days over capacity at the tuned targets (NaN: no capacity)", NULL);
    ech_h5_small_table(w, g, "multiplier", H5T_NATIVE_DOUBLE, (hsize_t)n, t->cold_price, slot,
                       "1/(litre day)", "objective per day per litre of cold stock held here",
                       NULL);
    ech_h5_attr_i32(w, g, "limits_met", t->cold_met);
    ech_h5_close_dataset(w, slot);
    ech_h5_close_group(g);
}

void ech_output_tuning(writer *w)
{
    const ech_tune_result *t = w->res->tuning;
    const ech_scenario *sc = w->sc;
    hid_t g = ech_h5_group(w, w->file, "tuning",
                           "what echelon tune chose: the variant 'tuned' simulates these targets "
                           "on the run's random numbers, which the searches did not use");
    const ech_tune_settings *s = &t->settings;
    ech_h5_attr_text(w, g, "objective", ech_enum_word(&ech_tune_objective_enum, s->objective));
    ech_h5_attr_f64(w, g, "fill_rate", sc->tuning.fill_rate);
    ech_h5_attr_i64(w, g, "replications", s->reps_start);
    ech_h5_attr_i64(w, g, "max_replications", s->reps_max);
    ech_h5_attr_f64(w, g, "significance", s->z);
    ech_h5_attr_f64(w, g, "tolerance", s->tolerance);
    ech_h5_attr_i32(w, g, "max_evaluations", s->max_evaluations);
    ech_h5_attr_i32(w, g, "search_stream_set", (int32_t)s->stream_set);
    ech_h5_attr_f64(w, g, "budget", t->budget);
    ech_h5_attr_f64(w, g, "value_price", t->value_price);
    ech_h5_attr_f64(w, g, "inventory_value", t->value_total);
    ech_h5_attr_f64(w, g, "inventory_value_unconstrained", t->value_unconstrained);
    ech_h5_attr_i32(w, g, "budget_binding", t->budget_binding);
    ech_h5_attr_i32(w, g, "budget_met", t->budget_met);
    ech_h5_attr_i32(w, g, "passes", t->passes);
    ech_h5_attr_i64(w, g, "evaluations", t->evaluations_total);
    ech_h5_attr_i64(w, g, "skuloc_days", t->skuloc_days);
    ech_h5_attr_i32(w, g, "infeasible_skus", t->infeasible);
    write_skulocs(w, g, t);
    write_skus(w, g, t);
    if (t->n_frontier > 0)
        write_frontier(w, g, t);
    if (t->has_classic)
        write_classic(w, g, t);
    if (t->has_cold)
        write_cold(w, g, t);
    if (t->n_location_budgets > 0)
        write_location_budgets(w, g, t);
    ech_h5_close_group(g);
}
