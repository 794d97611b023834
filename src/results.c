/* A rank's results and the figures derived from totals; see include/echelon/results.h. */
#include "echelon/results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ech_results_init(ech_results *res, const ech_scenario *sc, int32_t sku_begin, int32_t sku_end)
{
    memset(res, 0, sizeof *res);
    res->n_variants = sc->n_variants;
    res->n_groups = 1 + sc->n_segments;
    res->n_reps = sc->replications;
    res->n_stats = 2 + sc->output.n_quantiles;
    res->n_skus = sc->cat.n;
    res->n_locations = sc->net.n;
    res->sku_begin = sku_begin;
    res->sku_end = sku_end;
    res->skuloc_begin = sc->sl.sku_begin[sku_begin];
    res->skuloc_end = sc->sl.sku_begin[sku_end];

    const size_t nv = (size_t)res->n_variants;
    const size_t rows = (size_t)(res->skuloc_end - res->skuloc_begin);
    const size_t stats_len = rows * ECH_KPI_COUNT * (size_t)res->n_stats;
    const size_t reps_len = rows * ECH_KPI_COUNT * (size_t)res->n_reps;
    res->stats = ech_xcalloc(nv, sizeof *res->stats, "KPI statistics");
    for (size_t v = 0; v < nv; ++v)
        res->stats[v] =
            ech_xcalloc(stats_len ? stats_len : 1, sizeof **res->stats, "KPI statistics");
    if (sc->output.keep_replications) {
        res->reps = ech_xcalloc(nv, sizeof *res->reps, "KPI replications");
        for (size_t v = 0; v < nv; ++v)
            res->reps[v] =
                ech_xcalloc(reps_len ? reps_len : 1, sizeof **res->reps, "KPI replications");
    }
    size_t totals_len = nv * (size_t)res->n_groups * (size_t)res->n_reps * ECH_TOTAL_COUNT;
    res->totals = ech_xcalloc(totals_len ? totals_len : 1, sizeof *res->totals, "totals");
    size_t nk = nv * (size_t)(res->n_skus > 0 ? res->n_skus : 1);
    res->sku_lost = ech_xcalloc(nk, sizeof(int64_t), "SKU lost units");
    res->sku_recovery = ech_xcalloc(nk, sizeof(int64_t), "SKU recoveries");
    res->sku_disrupted = ech_xcalloc(nk, sizeof(int64_t), "SKU disruptions");
    res->location_lost = ech_xcalloc(nv * (size_t)(res->n_locations > 0 ? res->n_locations : 1),
                                     sizeof(int64_t), "location lost units");
    res->n_suppliers = sc->suppliers.n;
    res->n_months = ech_results_months(sc);
    size_t sm = nv * (size_t)(res->n_suppliers > 0 ? res->n_suppliers : 1) *
                (size_t)(res->n_months > 0 ? res->n_months : 1) *
                (size_t)(res->n_reps > 0 ? res->n_reps : 1);
    res->supplier_month_units = ech_xcalloc(sm, sizeof(int64_t), "purchases by month");
    res->supplier_month_value = ech_xcalloc(sm, sizeof(int64_t), "purchases by month");
}

int32_t ech_results_months(const ech_scenario *sc)
{
    int32_t n = 0;
    for (int32_t t = 0; t < sc->days; ++t)
        n += t == 0 || ech_scenario_month(sc, t) != ech_scenario_month(sc, t - 1);
    return n;
}

void ech_results_free(ech_results *res)
{
    if (!res)
        return;
    for (int32_t v = 0; res->stats && v < res->n_variants; ++v)
        free(res->stats[v]);
    for (int32_t v = 0; res->reps && v < res->n_variants; ++v)
        free(res->reps[v]);
    free(res->stats);
    free(res->reps);
    free(res->totals);
    free(res->sku_lost);
    free(res->sku_recovery);
    free(res->sku_disrupted);
    free(res->location_lost);
    ech_stock_bands_free(&res->bands);
    free(res->supplier_month_units);
    free(res->supplier_month_value);
    for (int32_t v = 0; res->cold && v < res->n_variants; ++v)
        ech_cold_stats_free(&res->cold[v]);
    for (int32_t v = 0; res->cold_rooms && v < res->n_variants; ++v)
        ech_cold_rooms_free(&res->cold_rooms[v]);
    free(res->cold);
    free(res->cold_rooms);
    memset(res, 0, sizeof *res);
}

/* ------------------------------------------------------------------------------
 * Figures
 * ------------------------------------------------------------------------------ */

const ech_field_info ech_figure_info[ECH_FIG_COUNT] = {
#define ECH_FIGURE_INFO(e, name, units, desc) {name, units, desc, 0},
    ECH_FIGURE_LIST(ECH_FIGURE_INFO)
#undef ECH_FIGURE_INFO
};

static double ratio_or_nan(double num, double den)
{
    return den != 0 ? num / den : NAN;
}

void ech_figures(const int64_t *x, double days, double out[ECH_FIG_COUNT])
{
    double demand = (double)x[ECH_TOTAL_DEMAND];
    out[ECH_FIG_FILL_RATE] = demand != 0 ? (double)x[ECH_TOTAL_FILLED] / demand : 1.0;
    out[ECH_FIG_STOCKOUT_DAY_SHARE] =
        ratio_or_nan((double)x[ECH_TOTAL_STOCKOUT_DAYS], (double)x[ECH_TOTAL_DEMAND_POINT_DAYS]);
    out[ECH_FIG_LOST_UNITS] = (double)(x[ECH_TOTAL_LOST] + x[ECH_TOTAL_BACKORDERED]);
    out[ECH_FIG_MEAN_ON_HAND_VALUE] =
        ratio_or_nan((double)x[ECH_TOTAL_ON_HAND_VALUE_DAYS] / ECH_MONEY_SCALE, days);
    out[ECH_FIG_RETAIL_ON_HAND_VALUE] =
        ratio_or_nan((double)x[ECH_TOTAL_RETAIL_ON_HAND_VALUE_DAYS] / ECH_MONEY_SCALE, days);
    out[ECH_FIG_DAYS_OF_SUPPLY] =
        ratio_or_nan((double)x[ECH_TOTAL_ON_HAND_VALUE_DAYS], (double)x[ECH_TOTAL_SOLD_VALUE]);
    out[ECH_FIG_TOTAL_COST] = (double)x[ECH_TOTAL_TOTAL_COST] / ECH_MONEY_SCALE;
    out[ECH_FIG_MEAN_RECOVERY] = x[ECH_TOTAL_RECOVERIES] > 0 ? (double)x[ECH_TOTAL_RECOVERY_DAYS] /
                                                                   (double)x[ECH_TOTAL_RECOVERIES]
                                                             : 0.0;
    out[ECH_FIG_EXPIRED_UNITS] = (double)x[ECH_TOTAL_EXPIRED];
    out[ECH_FIG_EXPIRED_VALUE] = (double)x[ECH_TOTAL_EXPIRED_VALUE] / ECH_MONEY_SCALE;
    double leaving = (double)(x[ECH_TOTAL_SOLD_VALUE] + x[ECH_TOTAL_EXPIRED_VALUE]);
    out[ECH_FIG_WRITE_OFF_VALUE_SHARE] =
        leaving > 0 ? (double)x[ECH_TOTAL_EXPIRED_VALUE] / leaving : 0.0;
    double batched = (double)x[ECH_TOTAL_BATCHED_UNIT_DAYS];
    out[ECH_FIG_MEAN_AGE] = ratio_or_nan((double)x[ECH_TOTAL_AGE_UNIT_DAYS], batched);
    out[ECH_FIG_MEAN_REMAINING_LIFE] = ratio_or_nan((double)x[ECH_TOTAL_LIFE_UNIT_DAYS], batched);
    out[ECH_FIG_RETURNED_UNITS] = (double)x[ECH_TOTAL_RETURNED];
    out[ECH_FIG_SUBSTITUTED_UNITS] = (double)x[ECH_TOTAL_SUBSTITUTED];
    out[ECH_FIG_SUBSTITUTED_SHARE] = demand != 0 ? (double)x[ECH_TOTAL_SUBSTITUTED] / demand : 0.0;
}
