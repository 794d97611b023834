/* The results file's groups of what the run computed: per skuloc KPI distributions
 * (/skuloc and each variant's), totals, comparisons between variants and cold rooms;
 * see output_h5.h and results/README.md. */
#include "output_h5.h"
#include "echelon/kpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * skuloc groups: /skuloc (the baseline) and /variants/<name>/skuloc
 * ------------------------------------------------------------------------------ */

typedef struct skuloc_scales {
    hid_t skuloc, quantile, replication;
} skuloc_scales;

/* The scales of a skuloc group.  Every such group has its own (h5netcdf looks for
 * dimensions in the group and its ancestors only); the skuloc scale is as long as
 * the skulocs and every rank writes its block. */
static void skuloc_scales_create(writer *w, hid_t g, skuloc_scales *s)
{
    const ech_scenario *sc = w->sc;
    const hsize_t n = (hsize_t)sc->sl.n;
    const int64_t nloc = w->end - w->begin;
    s->skuloc = ech_h5_dataset_create(w, g, "skuloc", H5T_NATIVE_INT64, 1, &n, 1);
    ech_h5_describe(w, s->skuloc, "1",
                    "SKU-location index (skulocs sorted by SKU, then parents "
                    "before children)");
    int64_t *ids = ech_xmalloc((size_t)(nloc > 0 ? nloc : 1) * sizeof *ids, "skuloc scale");
    for (int64_t i = 0; i < nloc; ++i)
        ids[i] = w->begin + i;
    ech_h5_write_rows(w, s->skuloc, "skuloc", H5T_NATIVE_INT64, (hsize_t)w->begin, (hsize_t)nloc, 1,
                      ids, 1, 0);
    free(ids);
    if (s->skuloc >= 0 && !w->failed && H5DSset_scale(s->skuloc, "skuloc") < 0)
        ech_h5_fail(w, "making skuloc a dimension scale");

    s->quantile =
        ech_h5_scale_create(w, g, "quantile", H5T_NATIVE_DOUBLE, (hsize_t)sc->output.n_quantiles,
                            sc->output.quantiles, "1", "probability of each quantile");
    s->replication = ech_h5_replication_scale(w, g);
}

static void skuloc_scales_close(writer *w, skuloc_scales *s)
{
    ech_h5_close_dataset(w, s->replication);
    ech_h5_close_dataset(w, s->quantile);
    ech_h5_close_dataset(w, s->skuloc);
}

/* A per-skuloc column of the scenario (whole-scenario array `all`): each rank writes
 * its own block. */
static void skuloc_column(writer *w, hid_t g, const skuloc_scales *sc_, const char *name,
                          hid_t type, size_t elem_size, const void *all, const char *units,
                          const char *description, const char *codes)
{
    hsize_t n = (hsize_t)w->sc->sl.n;
    /* A category (codes given) is an enumeration over its uint8 values (rank 0 alone
     * makes HDF5 objects; the others need only the element size). */
    hid_t etype =
        codes && elem_size == 1 && w->rank == 0 && !w->failed ? ech_h5_enum_type(w, codes) : -1;
    if (etype >= 0)
        type = etype;
    hid_t d = ech_h5_dataset_create(w, g, name, type, 1, &n, 1);
    ech_h5_describe(w, d, units, description);
    ech_h5_skuloc_coordinates(w, d);
    if (codes)
        ech_h5_attr_text(w, d, "codes", codes);
    const char *base = (const char *)all + (size_t)w->begin * elem_size;
    ech_h5_write_rows(w, d, name, type, (hsize_t)w->begin, (hsize_t)(w->end - w->begin), 1, base, 1,
                      0);
    ech_h5_attach(w, d, sc_->skuloc, 0, name);
    ech_h5_close_dataset(w, d);
    if (etype >= 0)
        H5Tclose(etype);
}

/* What a KPI dataset holds per skuloc. */
typedef enum kpi_shape { KPI_ONE, KPI_QUANTILES, KPI_REPLICATIONS } kpi_shape;

/* One statistic of one KPI: rows of `cols` values taken from this rank's block of the
 * interleaved results array (`base`, row stride `stride`, first value at `offset`). */
static void kpi_dataset(writer *w, hid_t g, const skuloc_scales *s, const ech_field_info *kpi,
                        const char *name, kpi_shape shape, hsize_t cols, const char *statistic,
                        const double *base, hsize_t stride, hsize_t offset)
{
    hsize_t dims[2] = {(hsize_t)w->sc->sl.n, cols};
    int ndims = shape == KPI_ONE ? 1 : 2;
    char full[256];
    snprintf(full, sizeof full, "%s/%s", kpi->name, name);
    hid_t d = ech_h5_dataset_create(w, g, name, H5T_NATIVE_DOUBLE, ndims, dims, 1);
    ech_h5_describe(w, d, kpi->units, kpi->description);
    ech_h5_attr_text(w, d, "statistic", statistic);
    ech_h5_skuloc_coordinates(w, d);
    if (shape == KPI_QUANTILES) {
        const ech_output_options *o = &w->sc->output;
        ech_h5_attr(w, d, "probabilities", H5T_NATIVE_DOUBLE, (hssize_t)o->n_quantiles,
                    o->quantiles);
        ech_h5_attr_text(w, d, "quantile_method",
                         "linear interpolation between order statistics (Hyndman and Fan type 7, "
                         "the default of R and NumPy)");
    }
    /* Gathered into one contiguous block first: HDF5 is markedly slower (a quarter of
     * the write time) with a strided memory selection of one small block per row. */
    hsize_t rows = (hsize_t)(w->end - w->begin);
    double *block = ech_xmalloc((size_t)(rows * cols > 0 ? rows * cols : 1) * sizeof *block,
                                "KPI block for the results file");
    for (hsize_t i = 0; i < rows; ++i)
        memcpy(block + i * cols, base + i * stride + offset, (size_t)cols * sizeof *block);
    ech_h5_write_rows(w, d, full, H5T_NATIVE_DOUBLE, (hsize_t)w->begin, rows, cols, block, cols, 0);
    free(block);
    ech_h5_attach(w, d, s->skuloc, 0, full);
    if (shape == KPI_QUANTILES)
        ech_h5_attach(w, d, s->quantile, 1, full);
    else if (shape == KPI_REPLICATIONS)
        ech_h5_attach(w, d, s->replication, 1, full);
    ech_h5_close_dataset(w, d);
}

/* The coordinates sku and location of /skuloc (format 2.0): each skuloc's SKU and
 * location id, written whole by rank 0, which holds the whole scenario.  Every other
 * per-skuloc group links to these (ech_h5_link_skuloc_ids). */
static void skuloc_ids(writer *w, hid_t g, const skuloc_scales *s)
{
    const ech_scenario *sc = w->sc;
    const int64_t n = w->rank == 0 ? sc->sl.n : 0;
    char **ids = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *ids, "skuloc ids");
    for (int64_t i = 0; i < n; ++i)
        ids[i] = sc->cat.id[sc->sl.sku[i]];
    hid_t d = ech_h5_skuloc_text(w, g, "sku", ids, sc->sl.n, "SKU id of the skuloc");
    ech_h5_attach(w, d, s->skuloc, 0, "sku");
    ech_h5_close_dataset(w, d);
    for (int64_t i = 0; i < n; ++i)
        ids[i] = sc->net.id[sc->sl.location[i]];
    d = ech_h5_skuloc_text(w, g, "location", ids, sc->sl.n, "location id of the skuloc");
    ech_h5_attach(w, d, s->skuloc, 0, "location");
    ech_h5_close_dataset(w, d);
    free(ids);
}

/* The declared columns of a per-skuloc table with a dataset name: the skulocs'
 * own (/skuloc only) or a variant's resolved policy. */
static void skuloc_columns(writer *w, hid_t g, const skuloc_scales *s, const ech_table *t,
                           const void *table)
{
    for (int c = 0; c < t->n_columns; ++c) {
        const ech_column *col = &t->column[c];
        if (!col->h5)
            continue;
        char codes[512];
        if (col->values)
            ech_enum_codes(col->values, codes, sizeof codes);
        hid_t type = ech_h5_column_type(col->type);
        skuloc_column(w, g, s, col->h5, type, H5Tget_size(type), ech_table_array(t, table, c),
                      col->units, col->description, col->values ? codes : NULL);
    }
}

/* The skuloc group of variant v in `parent`: the scales, the identity columns (the
 * baseline only), the resolved policy and one group per KPI. */
void ech_output_skuloc(writer *w, hid_t parent, int32_t v, const char *description)
{
    const ech_results *res = w->res;
    const hsize_t nq = (hsize_t)w->sc->output.n_quantiles;
    const hsize_t R = (hsize_t)w->sc->replications;
    const hsize_t K = ECH_KPI_COUNT;
    const hsize_t ns = (hsize_t)res->n_stats;
    /* A rank without skulocs may hold no arrays at all. */
    const double *stats = res->stats ? res->stats[v] : NULL;
    const double *reps = res->reps ? res->reps[v] : NULL;

    hid_t g = ech_h5_group(w, parent, "skuloc", description);
    skuloc_scales s;
    skuloc_scales_create(w, g, &s);
    if (v == 0) {
        skuloc_ids(w, g, &s);
        skuloc_columns(w, g, &s, &ech_skuloc_table, &w->sc->sl);
    } else {
        ech_h5_link_skuloc_ids(w, g);
    }
    skuloc_columns(w, g, &s, &ech_variant_policy_table, &w->sc->variant[v]);

    for (hsize_t k = 0; k < K; ++k) {
        const ech_field_info *kpi = &ech_kpi_info[k];
        hid_t kg = ech_h5_group(w, g, kpi->name, NULL);
        ech_h5_describe(w, kg, kpi->units, kpi->description);
        ech_h5_link_skuloc_ids(w, kg);
        /* stats[((x - begin) * K + k) * ns + j]: row stride K * ns, KPI k at k * ns. */
        kpi_dataset(w, kg, &s, kpi, "mean", KPI_ONE, 1, "mean across replications", stats, K * ns,
                    k * ns);
        kpi_dataset(w, kg, &s, kpi, "sd", KPI_ONE, 1,
                    "sample standard deviation across replications (0 with one replication)", stats,
                    K * ns, k * ns + 1);
        kpi_dataset(w, kg, &s, kpi, "quantiles", KPI_QUANTILES, nq,
                    "quantiles across replications at the probabilities of the quantile "
                    "dimension",
                    stats, K * ns, k * ns + 2);
        if (w->keep_replications)
            kpi_dataset(w, kg, &s, kpi, "replications", KPI_REPLICATIONS, R,
                        "value in each replication", reps, K * R, k * R);
        ech_h5_close_group(kg);
    }
    skuloc_scales_close(w, &s);
    ech_h5_close_group(g);
}

/* ------------------------------------------------------------------------------
 * totals and comparisons: /totals, /variants/<name>/{totals,comparison}
 * ------------------------------------------------------------------------------ */

/* A series over replications, written by rank 0, attached to the replication scale. */
static void totals_series(writer *w, hid_t g, hid_t scale, const char *name, hid_t type,
                          const void *base, hsize_t stride, const char *units,
                          const char *description)
{
    hsize_t R = (hsize_t)w->sc->replications;
    hid_t d = ech_h5_dataset_create(w, g, name, type, 1, &R, 0);
    ech_h5_describe(w, d, units, description);
    ech_h5_write_local(w, d, name, type, 0, R, 1, base, stride, 0);
    ech_h5_attach(w, d, scale, 0, name);
    ech_h5_close_dataset(w, d);
}

/* The figures (results.h) a totals group derives from its sums, and those a
 * comparison group holds as variant minus baseline, replication by replication. */
static const ech_figure DERIVED[] = {ECH_FIG_FILL_RATE, ECH_FIG_STOCKOUT_DAY_SHARE,
                                     ECH_FIG_MEAN_ON_HAND_VALUE, ECH_FIG_DAYS_OF_SUPPLY};
static const ech_figure COMPARED[] = {ECH_FIG_FILL_RATE, ECH_FIG_STOCKOUT_DAY_SHARE,
                                      ECH_FIG_LOST_UNITS, ECH_FIG_MEAN_ON_HAND_VALUE,
                                      ECH_FIG_TOTAL_COST};

/* Writes one aggregate's group contents; see write_aggregates. */
typedef void (*aggregate_fn)(writer *w, hid_t gid, hid_t scale, int32_t v, int64_t g);

/* The totals of aggregate g of variant v into group `gid`. */
static void totals_group(writer *w, hid_t gid, hid_t scale, int32_t v, int64_t g)
{
    const int64_t R = w->sc->replications;
    const int64_t T = ECH_TOTAL_COUNT;
    const int64_t *tot = ech_results_totals(w->res, v, g); /* [r * T + t] */
    double *buf = ech_xmalloc((size_t)(R > 0 ? R : 1) * sizeof *buf, "totals series");

    for (int64_t t = 0; t < T; ++t) {
        const ech_field_info *f = &ech_total_info[t];
        if (f->is_money) {
            for (int64_t r = 0; r < R; ++r)
                buf[r] = (double)tot[r * T + t] / ECH_MONEY_SCALE;
            totals_series(w, gid, scale, f->name, H5T_NATIVE_DOUBLE, buf, 1, f->units,
                          f->description);
        } else {
            totals_series(w, gid, scale, f->name, H5T_NATIVE_INT64, tot + t, (hsize_t)T, f->units,
                          f->description);
        }
    }
    for (size_t i = 0; i < sizeof DERIVED / sizeof DERIVED[0]; ++i) {
        const ech_field_info *f = &ech_figure_info[DERIVED[i]];
        for (int64_t r = 0; r < R; ++r) {
            double fig[ECH_FIG_COUNT];
            ech_figures(tot + r * T, (double)w->sc->days, fig);
            buf[r] = fig[DERIVED[i]];
        }
        totals_series(w, gid, scale, f->name, H5T_NATIVE_DOUBLE, buf, 1, f->units, f->description);
    }
    free(buf);
}

/* Variant v against the baseline in aggregate g, into group `gid`. */
static void comparison_group(writer *w, hid_t gid, hid_t scale, int32_t v, int64_t g)
{
    const int64_t R = w->sc->replications;
    const int64_t T = ECH_TOTAL_COUNT;
    const int64_t *tv = ech_results_totals(w->res, v, g), *t0 = ech_results_totals(w->res, 0, g);
    const double days = (double)w->sc->days;
    double *buf = ech_xmalloc((size_t)(R > 0 ? R : 1) * sizeof *buf, "comparison series");
    for (size_t i = 0; i < sizeof COMPARED / sizeof COMPARED[0]; ++i) {
        const ech_field_info *f = &ech_figure_info[COMPARED[i]];
        for (int64_t r = 0; r < R; ++r) {
            double fv[ECH_FIG_COUNT], f0[ECH_FIG_COUNT];
            ech_figures(tv + r * T, days, fv);
            ech_figures(t0 + r * T, days, f0);
            buf[r] = fv[COMPARED[i]] - f0[COMPARED[i]];
        }
        char description[512];
        snprintf(description, sizeof description, "variant minus baseline, per replication: %s",
                 f->description);
        totals_series(w, gid, scale, f->name, H5T_NATIVE_DOUBLE, buf, 1, f->units, description);
    }
    free(buf);
}

/* The aggregates of variant v under `parent`: network/ and segments/<name>/, each
 * filled by fn, their series attached to the replication scale `scale`. */
static void write_aggregates(writer *w, hid_t parent, hid_t scale, int32_t v, aggregate_fn fn)
{
    const ech_scenario *sc = w->sc;
    hid_t net = ech_h5_group(w, parent, "network", "the whole network");
    fn(w, net, scale, v, 0);
    ech_h5_close_group(net);

    hid_t segs = ech_h5_group(w, parent, "segments",
                              "one group per segment of the catalogue (attribute segment_name "
                              "holds the name as given)");
    char **links = ech_h5_link_names(sc->segment, sc->n_segments, "segment");
    for (int32_t s = 0; s < sc->n_segments; ++s) {
        hid_t sg = ech_h5_group(w, segs, links[s], NULL);
        ech_h5_attr_text(w, sg, "segment_name", sc->segment[s]);
        ech_h5_attr_i32(w, sg, "segment_index", s);
        fn(w, sg, scale, v, 1 + (int64_t)s);
        ech_h5_close_group(sg);
    }
    ech_h5_free_names(links, sc->n_segments);
    ech_h5_close_group(segs);
}

void ech_output_totals(writer *w, hid_t parent, int32_t v)
{
    hid_t g = ech_h5_group(w, parent, "totals",
                           "per replication: sums over all SKU-locations of the network "
                           "(network/) and of each segment (segments/<name>/)");
    hid_t scale = ech_h5_replication_scale(w, g);
    write_aggregates(w, g, scale, v, totals_group);
    ech_h5_close_dataset(w, scale);
    ech_h5_close_group(g);
}

/* Per-replication means of integer sums over replications: (sums[i] - base[i]) / R
 * (base NULL: 0), attached to `scale`. */
static void replication_means(writer *w, hid_t g, hid_t scale, const char *name,
                              const int64_t *sums, const int64_t *base, int64_t n,
                              const char *units, const char *description)
{
    double *buf = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *buf, "per-replication means");
    for (int64_t i = 0; i < n; ++i)
        buf[i] = (double)(sums[i] - (base ? base[i] : 0)) / (double)w->sc->replications;
    ech_h5_small_table(w, g, name, H5T_NATIVE_DOUBLE, (hsize_t)(n > 0 ? n : 0), buf, scale, units,
                       description, NULL);
    free(buf);
}

/* The per-SKU sums of variant v as means per replication, in a group "sku" of
 * `parent` with its own sku scale: at the root for the baseline (lost_units), in a
 * variant's comparison (lost_units_change, against the baseline). */
void ech_output_sku_sums(writer *w, hid_t parent, int32_t v)
{
    const ech_results *rep = w->res;
    const int64_t nk = w->sc->cat.n;
    const size_t at = (size_t)v * (size_t)nk;
    hid_t g = ech_h5_group(w, parent, "sku",
                           v == 0 ? "per SKU, the baseline: means over replications of what "
                                    "variants are compared by"
                                  : "per SKU: this variant against the baseline, means over "
                                    "replications");
    hid_t sku = ech_h5_id_scale(w, g, "sku", w->sc->cat.id, nk, "SKU id (row of /catalogue)");
    if (v == 0)
        replication_means(w, g, sku, "lost_units", rep->sku_lost, NULL, nk, "unit",
                          "lost and backordered units at the SKU's demand points, per "
                          "replication");
    else
        replication_means(w, g, sku, "lost_units_change", rep->sku_lost + at, rep->sku_lost, nk,
                          "unit",
                          "change against the baseline in lost and backordered units at the "
                          "SKU's demand points, per replication");
    replication_means(w, g, sku, "recovery_days", rep->sku_recovery + at, NULL, nk, "day",
                      "the SKU's longest recovery (over its demand points) from a supply "
                      "disruption, mean over replications");
    replication_means(w, g, sku, "disrupted_days", rep->sku_disrupted + at, NULL, nk, "day",
                      "days the SKU's primary source was disrupted, mean over replications");
    ech_h5_close_dataset(w, sku);
    ech_h5_close_group(g);
}

void ech_output_comparison(writer *w, hid_t parent, int32_t v)
{
    const ech_results *rep = w->res;
    const int64_t nl = w->sc->net.n;
    hid_t g = ech_h5_group(w, parent, "comparison",
                           "this variant against the baseline (common random numbers: the "
                           "differences are paired replication by replication)");
    ech_h5_attr_text(w, g, "baseline", w->sc->variant[0].name);
    ech_output_sku_sums(w, g, v);

    hid_t lg = ech_h5_group(w, g, "location", "per location: this variant against the baseline");
    hid_t loc =
        ech_h5_id_scale(w, lg, "location", w->sc->net.id, nl, "location id (row of /network)");
    replication_means(w, lg, loc, "lost_units_change", rep->location_lost + (size_t)v * (size_t)nl,
                      rep->location_lost, nl, "unit",
                      "change against the baseline in lost and backordered units at the "
                      "location (demand points only), per replication");
    ech_h5_close_dataset(w, loc);
    ech_h5_close_group(lg);

    hid_t scale = ech_h5_replication_scale(w, g);
    write_aggregates(w, g, scale, v, comparison_group);
    ech_h5_close_dataset(w, scale);
    ech_h5_close_group(g);
}

/* ------------------------------------------------------------------------------
 * Cold rooms: /cold_chain (the baseline) and /variants/<name>/cold_chain
 * ------------------------------------------------------------------------------ */

/* The cold rooms of variant v under `parent`: per location that stocks cold-chain
 * SKUs with a volume, the distribution of its daily occupancy over all
 * (replication, measured day) cells and how often it exceeds the capacity; with
 * replications kept, the whole daily occupancy. */
void ech_output_cold_chain(writer *w, hid_t parent, int32_t v)
{
    const ech_scenario *sc = w->sc;
    const ech_results *rep = w->res;
    const ech_cold_stats *cs = rep->n_cold > 0 ? &rep->cold[v] : NULL;
    const int32_t n = cs ? cs->n : 0;
    const hsize_t hn = (hsize_t)n, nq = (hsize_t)sc->output.n_quantiles;
    hid_t g = ech_h5_group(w, parent, "cold_chain",
                           "cold rooms: per location that stocks cold-chain SKUs with a unit "
                           "volume, its daily occupancy (stock on hand after the day's "
                           "receipts x unit volume, summed over the SKUs) over every "
                           "replication and measured day, and how often it exceeds the "
                           "location's capacity");
    ech_h5_attr_text(
        w, g, "occupancy_definition",
        "sum over cold-chain SKUs of units on hand after the day's receipts (step 2 of "
        "the day) x unit volume rounded to whole millilitres; measured days only");

    int32_t *loc = ech_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *loc, "cold locations");
    char **ids = ech_xcalloc((size_t)(n > 0 ? n : 1), sizeof *ids, "cold location ids");
    for (int32_t i = 0; i < n; ++i) {
        loc[i] = cs->location[i];
        ids[i] = sc->net.id[loc[i]];
    }
    hid_t scale = ech_h5_id_scale(w, g, "cold_location", ids, n,
                                  "cold location id (the locations, in network order, that "
                                  "stock a cold-chain SKU with a unit volume)");
    ech_h5_small_table(w, g, "location_index", H5T_NATIVE_INT32, hn, loc, scale, "1",
                       "row of /network", NULL);
    ech_h5_text_table(w, g, "location_id", ids, n, scale, "location id as in the input");
    free(ids);
    free(loc);

    static const double none = 0;
    const double *at = &none;
#define COLUMN(field, name, units, description)                                              \
    ech_h5_small_table(w, g, name, H5T_NATIVE_DOUBLE, hn, cs ? cs->field : at, scale, units, \
                       description, NULL)
    COLUMN(capacity_litres, "capacity_litres", "litre",
           "the location's cold-room volume (network cold_capacity_litres); 0: none declared");
    COLUMN(mean_litres, "occupancy_mean", "litre",
           "mean daily occupancy over every replication and measured day");
    COLUMN(sd_litres, "occupancy_sd", "litre",
           "sample standard deviation of the daily occupancy over every replication and "
           "measured day");
    COLUMN(max_litres, "occupancy_max", "litre", "largest daily occupancy in any replication");
    COLUMN(exceed_probability, "exceed_probability", "1",
           "share of location-days (replications x measured days) with occupancy above the "
           "capacity; NaN without a capacity");
    COLUMN(days_over_mean, "days_over_capacity_mean", "day",
           "days with occupancy above the capacity per replication, mean over replications; "
           "NaN without a capacity");
    COLUMN(any_over_share, "replications_over_capacity_share", "1",
           "share of replications with at least one day above the capacity; NaN without a "
           "capacity");
#undef COLUMN

    hid_t qscale = ech_h5_scale_create(w, g, "quantile", H5T_NATIVE_DOUBLE, nq,
                                       sc->output.quantiles, "1", "probability of each quantile");
    hsize_t qdims[2] = {hn, nq};
    hid_t d = ech_h5_dataset_create(w, g, "occupancy_quantiles", H5T_NATIVE_DOUBLE, 2, qdims, 0);
    ech_h5_describe(w, d, "litre",
                    "quantiles of the daily occupancy over every replication and measured day, at "
                    "the probabilities of the quantile dimension");
    ech_h5_attr(w, d, "probabilities", H5T_NATIVE_DOUBLE, (hssize_t)nq, sc->output.quantiles);
    ech_h5_attr_text(w, d, "quantile_method",
                     "linear interpolation between order statistics (Hyndman and Fan type 7, the "
                     "default of R and NumPy)");
    ech_h5_write_from_root(w, d, "occupancy_quantiles", H5T_NATIVE_DOUBLE, hn, nq,
                           cs ? cs->quantile_litres : at);
    ech_h5_attach(w, d, scale, 0, "occupancy_quantiles");
    ech_h5_attach(w, d, qscale, 1, "occupancy_quantiles");
    ech_h5_close_dataset(w, d);
    ech_h5_close_dataset(w, qscale);

    if (w->keep_replications) {
        const ech_cold_rooms *rooms = rep->cold_rooms ? &rep->cold_rooms[v] : NULL;
        if (w->rank == 0 && n > 0 && (!rooms || !rooms->ml || rooms->n != n))
            ech_h5_fail(w, "internal error: the cold-room occupancy is missing on rank 0");
        hid_t rscale = ech_h5_replication_scale(w, g);
        hid_t dscale = ech_h5_day_scale(w, g);
        hsize_t dims[3] = {hn, (hsize_t)sc->replications, (hsize_t)sc->days};
        hid_t od = ech_h5_cube_from_root(
            w, g, "occupancy_ml", H5T_NATIVE_INT64, dims, rooms ? rooms->ml : NULL, "millilitre",
            "daily occupancy of every cold location, replication and "
            "measured day, in whole millilitres (the exact sums; litres "
            "= ml / 1000)");
        ech_h5_attach(w, od, scale, 0, "occupancy_ml");
        ech_h5_attach(w, od, rscale, 1, "occupancy_ml");
        ech_h5_attach(w, od, dscale, 2, "occupancy_ml");
        ech_h5_close_dataset(w, od);
        ech_h5_close_dataset(w, dscale);
        ech_h5_close_dataset(w, rscale);
    }
    ech_h5_close_dataset(w, scale);
    ech_h5_close_group(g);
}

/* ------------------------------------------------------------------------------
 * Stock bands: /stock_bands (the baseline)
 * ------------------------------------------------------------------------------ */

/* A [band, day] statistic of rank 0's bands in variant v (column j of their
 * statistics). */
static void band_day_table(writer *w, hid_t g, int32_t v, const char *name, int j, hid_t band,
                           hid_t day, const char *description)
{
    const ech_stock_bands *b = &w->res->bands;
    const size_t cells = (size_t)b->n * (size_t)b->n_days;
    double *x = NULL;
    if (w->rank == 0 && b->stats) {
        const double *s = b->stats + (size_t)v * cells * ECH_STOCK_BAND_STATS;
        x = ech_xmalloc(cells * sizeof *x, "stock-band table");
        for (size_t c = 0; c < cells; ++c)
            x[c] = s[c * ECH_STOCK_BAND_STATS + (size_t)j];
    }
    hsize_t dims[2] = {(hsize_t)b->n, (hsize_t)b->n_days};
    hid_t d = ech_h5_dataset_create(w, g, name, H5T_NATIVE_DOUBLE, 2, dims, 1);
    ech_h5_describe(w, d, "unit", description);
    ech_h5_skuloc_coordinates(w, d);
    if (w->rank == 0)
        ech_h5_write_local(w, d, name, H5T_NATIVE_DOUBLE, 0, dims[0], dims[1], x, dims[1], 0);
    ech_h5_attach(w, d, band, 0, name);
    ech_h5_attach(w, d, day, 1, name);
    ech_h5_close_dataset(w, d);
    free(x);
}

void ech_output_stock_bands(writer *w, hid_t parent, int32_t v)
{
    const ech_scenario *sc = w->sc;
    const ech_stock_bands *b = &w->res->bands;
    const int32_t n = b->n, D = b->n_days;
    if (n <= 0)
        return;
    if (w->rank == 0 && !b->stats)
        ech_h5_fail(w, "internal error: the stock bands' statistics are missing on rank 0");
    hid_t g = ech_h5_group(w, parent, "stock_bands",
                           "the stock on hand at the end of every measured day of the worst "
                           "SKU-locations of the baseline, its distribution over the "
                           "replications in this variant (output.stock_bands)");
    ech_h5_attr_text(w, g, "variant", sc->variant[v].name);
    ech_h5_attr_text(w, g, "ranked_by", sc->variant[b->ranked_by].name);
    ech_h5_attr_text(w, g, "selection",
                     "the demand points with the most lost + backordered units a replication "
                     "(means) in variant ranked_by, then the lowest mean fill rate, then skuloc "
                     "order; worst first");
    ech_h5_attr_text(w, g, "quantile_method", "type 7 (NumPy's default)");
    hid_t band = ech_h5_index_scale(w, g, "band", n, "stock band: 0 is the worst SKU-location");
    hid_t day = ech_h5_day_scale(w, g);
    hid_t quantile = ech_h5_scale_create(
        w, g, "quantile", H5T_NATIVE_DOUBLE, ECH_STOCK_BAND_QUANTILES, ech_stock_band_probabilities,
        "1", "probability of the quantiles of the stock over the replications");

    char **sku = ech_xcalloc((size_t)n, sizeof *sku, "stock-band ids");
    char **loc = ech_xcalloc((size_t)n, sizeof *loc, "stock-band ids");
    for (int32_t i = 0; i < n; ++i) {
        sku[i] = sc->cat.id[sc->sl.sku[b->skuloc[i]]];
        loc[i] = sc->net.id[sc->sl.location[b->skuloc[i]]];
    }
    ech_h5_text_table(w, g, "sku", sku, n, band, "the band's SKU id");
    ech_h5_text_table(w, g, "location", loc, n, band, "the band's location id");
    free(sku);
    free(loc);
    hid_t d;
    ech_h5_small_table(w, g, "skuloc_index", H5T_NATIVE_INT64, (hsize_t)n, b->skuloc, band, "1",
                       "row of /skuloc", NULL);
    ech_h5_small_table(w, g, "unmet_units_mean", H5T_NATIVE_DOUBLE, (hsize_t)n, b->unmet_mean, band,
                       "unit",
                       "lost + backordered units a replication, mean over the replications "
                       "(the ranking)",
                       NULL);
    band_day_table(w, g, v, "mean", 0, band, day,
                   "end-of-day stock on hand, mean over the replications");
    band_day_table(w, g, v, "sd", 1, band, day,
                   "end-of-day stock on hand, sample standard deviation over the replications "
                   "(0 with one replication)");

    const size_t cells = (size_t)n * (size_t)D;
    double *q = NULL;
    if (w->rank == 0 && b->stats) {
        const double *s = b->stats + (size_t)v * cells * ECH_STOCK_BAND_STATS;
        q = ech_xmalloc(cells * ECH_STOCK_BAND_QUANTILES * sizeof *q, "stock-band quantiles");
        for (size_t c = 0; c < cells; ++c)
            memcpy(q + c * ECH_STOCK_BAND_QUANTILES, s + c * ECH_STOCK_BAND_STATS + 2,
                   ECH_STOCK_BAND_QUANTILES * sizeof *q);
    }
    hsize_t dims[3] = {(hsize_t)n, (hsize_t)D, ECH_STOCK_BAND_QUANTILES};
    d = ech_h5_cube_from_root(w, g, "quantiles", H5T_NATIVE_DOUBLE, dims, q, "unit",
                              "end-of-day stock on hand, quantiles over the replications at the "
                              "probabilities of the quantile scale");
    free(q);
    ech_h5_skuloc_coordinates(w, d);
    ech_h5_attach(w, d, band, 0, "quantiles");
    ech_h5_attach(w, d, day, 1, "quantiles");
    ech_h5_attach(w, d, quantile, 2, "quantiles");
    ech_h5_close_dataset(w, d);
    ech_h5_close_dataset(w, quantile);
    ech_h5_close_dataset(w, day);
    ech_h5_close_dataset(w, band);
    ech_h5_close_group(g);
}
