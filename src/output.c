/* The HDF5 results file: its layout and ech_output_write.  See
 * include/echelon/output.h; the layout is documented in results/README.md, which must
 * change with it.  The HDF5 underneath is in output_h5.c (one writer, rank 0, fed by
 * the ranks; how failures are agreed over the ranks is described there), the groups of what the run computed
 * (KPIs, totals, comparisons, cold rooms) in output_results.c.
 *
 * Variants.  The baseline (variant 0) is written where format 1.0 had the run's
 * results (/skuloc, /totals), every other variant under /variants/<name>/ with its
 * comparison to the baseline; the same functions write both, given the parent group
 * and the variant.
 */
#include "output_h5.h"
#include "echelon/contract_run.h"
#include "echelon/tune_run.h"
#include "echelon/run.h"
#include "echelon/kpi.h"
#include "echelon/scenario.h"
#include "echelon/scenario_load.h" /* ech_scenario_resolved_text */
#include "echelon/stop.h"
#include "echelon/table.h"
#include "echelon/version.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Metadata (and small raw data) is allocated in blocks of this many bytes. */
enum { META_BLOCK = 1 << 20 };

/* Chunk-index B-tree nodes of 2 x CHUNK_INDEX_K entries (HDF5's default, 32, makes
 * every chunked dataset's index a 2 KiB node, which in a file of many variants of a
 * few SKUs made up most of the file: 300 MB for 500 variants of 2 SKUs).  Datasets
 * have few chunks (up to 65,536 values each), so small nodes cost no depth. */
enum { CHUNK_INDEX_K = 4 };

/* ------------------------------------------------------------------------------
 * Root attributes
 * ------------------------------------------------------------------------------ */

/* The resolved scenario text (rank 0, which writes it; NULL elsewhere). */
static char *resolved_text(writer *w)
{
    if (w->rank != 0)
        return NULL;
    char *text = ech_scenario_resolved_text(w->sc);
    if (!text) /* not expected; keep at least the file as given */
        text = ech_xstrdup(w->sc->source_text ? w->sc->source_text : "",
                           "scenario text for the results file");
    return text;
}

/* What variant v changes, as attributes of obj, each name preceded by `prefix`:
 * on a variant's group (prefix "") and, for the baseline, at the root ("baseline_"). */
static void variant_attributes(writer *w, hid_t obj, int32_t v, const char *prefix)
{
    const ech_scenario *sc = w->sc;
    const ech_variant *var = &sc->variant[v];
    const ech_disruptions *d = &sc->disruptions;
    char name[64];
#define PREFIXED(s) (snprintf(name, sizeof name, "%s%s", prefix, s), name)
    ech_h5_attr_text(w, obj, PREFIXED("name"), var->name);
    ech_h5_attr_text(w, obj, PREFIXED("description"), var->description);
    ech_h5_attr_i32(w, obj, PREFIXED("variant_index"), v);
    ech_h5_attr_f64(w, obj, PREFIXED("lead_time_factor"), var->lead_time_factor);
    ech_h5_attr_text(w, obj, PREFIXED("allocation"),
                     ech_enum_word(&ech_allocation_enum, var->allocation));
    ech_h5_attr_i32(w, obj, PREFIXED("alternative_sources"), var->use_alternatives ? 1 : 0);
    char *active = ech_h5_join_names(d->name, d->n, var->disruption_active);
    ech_h5_attr_text(w, obj, PREFIXED("active_disruptions"), active);
    free(active);
    int32_t *index = ech_h5_iota32(d->n), n_active = 0;
    for (int32_t i = 0; i < d->n; ++i)
        if (var->disruption_active[i])
            index[n_active++] = i;
    ech_h5_attr(w, obj, PREFIXED("active_disruption_index"), H5T_NATIVE_INT32, n_active, index);
    free(index);
#undef PREFIXED
}

static void write_root(writer *w)
{
    const ech_scenario *sc = w->sc;
    const ech_run_info *info = w->info;
    hid_t root = w->file;
    char date[32];
    ech_format_date(sc->start_date, date);
    char *resolved = resolved_text(w);

    ech_h5_attr_text(w, root, "file_type", ECH_OUTPUT_FILE_TYPE);
    ech_h5_attr_text(w, root, "format_version", ECH_OUTPUT_FORMAT_VERSION);
    ech_h5_attr_text(w, root, "program_version", ECH_VERSION_STRING);
    ech_h5_attr_text(w, root, "git_commit", ECH_GIT_COMMIT);
    ech_h5_attr_text(w, root, "command_line", info->command_line);
    ech_h5_attr_text(w, root, "created", info->created);
    ech_h5_attr_text(w, root, "scenario_name", sc->name);
    ech_h5_attr_text(w, root, "scenario_description", sc->description);
    ech_h5_attr_text(w, root, "scenario_file", sc->source_path);
    ech_h5_attr_text(w, root, "scenario_text", sc->source_text);
    ech_h5_attr_text(w, root, "resolved_scenario", resolved);
    ech_h5_attr_u64(w, root, "seed", sc->seed);
    ech_h5_attr_i64(w, root, "replications", sc->replications);
    ech_h5_attr_i32(w, root, "days", sc->days);
    ech_h5_attr_i32(w, root, "warmup_days", sc->warmup_days);
    ech_h5_attr_text(w, root, "start_date", date);
    ech_h5_attr_text(w, root, "unmet_demand", ech_enum_word(&ech_unmet_enum, sc->unmet_demand));
    ech_h5_attr_text(w, root, "allocation",
                     ech_enum_word(&ech_allocation_enum, sc->variant[0].allocation));
    ech_h5_attr_text(w, root, "internal_shortfall",
                     ech_enum_word(&ech_shortfall_enum, sc->internal_shortfall));
    ech_h5_attr_i32(w, root, "n_ranks", info->n_ranks);
    ech_h5_attr_i32(w, root, "n_threads", info->n_threads);
    free(resolved);

    ech_h5_attr_i32(w, root, "n_variants", sc->n_variants);
    char **names = ech_h5_variant_names(sc);
    char *joined = ech_h5_join_names(names, sc->n_variants, NULL);
    ech_h5_attr_text(w, root, "variants", joined);
    free(joined);
    free(names);
    variant_attributes(w, root, 0, "baseline_");
}

/* ------------------------------------------------------------------------------
 * /catalogue, /network and /supply
 * ------------------------------------------------------------------------------ */

static void write_catalogue(writer *w)
{
    const ech_scenario *sc = w->sc;
    const ech_catalogue *cat = &sc->cat;
    hid_t g = ech_h5_group(w, w->file, "catalogue",
                           "the SKUs: one entry per SKU, indexed by the sku dimension");

    hid_t sku = ech_h5_id_scale(w, g, "sku", cat->id, cat->n,
                                "SKU id (the row is the sku_index of /skuloc)");
    ech_h5_table_columns(w, g, &ech_catalogue_table, cat, cat->n, sku);
    ech_h5_close_dataset(w, sku);

    hid_t sup = ech_h5_id_scale(w, g, "supplier", sc->suppliers.id, sc->suppliers.n,
                                "supplier id (the row is the supplier_index of a SKU)");
    ech_h5_text_table(w, g, "supplier_id", sc->suppliers.id, sc->suppliers.n, sup,
                      "supplier id as in the input");
    ech_h5_close_dataset(w, sup);

    hid_t seg = ech_h5_id_scale(w, g, "segment", sc->segment, sc->n_segments,
                                "segment name (the row is the segment_index of a SKU)");
    ech_h5_text_table(w, g, "segment_names", sc->segment, sc->n_segments, seg, "segment name");
    if (sc->subst.n_groups > 0) {
        hid_t grp =
            ech_h5_id_scale(w, g, "substitution_group", sc->subst.group_name, sc->subst.n_groups,
                            "substitution group key (the row is the "
                            "substitution_group_index of a SKU)");
        ech_h5_text_table(w, g, "substitution_group_names", sc->subst.group_name,
                          sc->subst.n_groups, grp, "substitution group key");
        ech_h5_close_dataset(w, grp);
    }
    ech_h5_close_dataset(w, seg);
    ech_h5_close_group(g);
}

static void write_network(writer *w)
{
    const ech_network *net = &w->sc->net;
    hid_t g = ech_h5_group(w, w->file, "network",
                           "the locations of the supply tree, indexed by the location dimension");
    hid_t loc = ech_h5_id_scale(w, g, "location", net->id, net->n,
                                "location id (the row is the location_index of /skuloc)");
    ech_h5_table_columns(w, g, &ech_network_table, net, net->n, loc);
    ech_h5_close_dataset(w, loc);
    ech_h5_close_group(g);
}

/* The sites' lanes to the central warehouse: the lead-time records as columns. */
static void site_lead_times(writer *w, hid_t g, hid_t site)
{
    const ech_sites *s = &w->sc->sites;
    size_t n = (size_t)(s->n > 0 ? s->n : 1);
    uint8_t *dist = ech_xmalloc(n, "site lead-time columns");
    double *mean = ech_xmalloc(n * sizeof *mean, "site lead-time columns");
    double *sd = ech_xmalloc(n * sizeof *sd, "site lead-time columns");
    int32_t *lo = ech_xmalloc(n * sizeof *lo, "site lead-time columns");
    int32_t *hi = ech_xmalloc(n * sizeof *hi, "site lead-time columns");
    for (int32_t i = 0; i < s->n; ++i) {
        dist[i] = s->lead_time[i].dist;
        mean[i] = s->lead_time[i].mean;
        sd[i] = s->lead_time[i].sd;
        lo[i] = s->lead_time[i].min_days;
        hi[i] = s->lead_time[i].max_days;
    }
    hsize_t m = (hsize_t)s->n;
    ech_h5_small_table(w, g, "site_lead_time_distribution", H5T_NATIVE_UINT8, m, dist, site, "1",
                       "distribution of the lane's lead time (at lead_time_factor 1)",
                       "0=fixed,1=gamma,2=lognormal,3=empirical");
    ech_h5_small_table(w, g, "site_lead_time_mean", H5T_NATIVE_DOUBLE, m, mean, site, "day",
                       "mean lead time of the lane site -> central warehouse", NULL);
    ech_h5_small_table(w, g, "site_lead_time_sd", H5T_NATIVE_DOUBLE, m, sd, site, "day",
                       "standard deviation of the lead time (unused for fixed)", NULL);
    ech_h5_small_table(w, g, "site_lead_time_min_days", H5T_NATIVE_INT32, m, lo, site, "day",
                       "shortest lead time: sampled days are truncated to [min_days, max_days]",
                       NULL);
    ech_h5_small_table(w, g, "site_lead_time_max_days", H5T_NATIVE_INT32, m, hi, site, "day",
                       "longest lead time", NULL);
    free(dist);
    free(mean);
    free(sd);
    free(lo);
    free(hi);
}

/* How each supplier fails to deliver: the reliability records as columns. */
static void supplier_reliability(writer *w, hid_t g, hid_t supplier)
{
    const ech_suppliers *s = &w->sc->suppliers;
    size_t n = (size_t)(s->n > 0 ? s->n : 1);
    double *col = ech_xmalloc(4 * n * sizeof *col, "supplier reliability columns");
    uint8_t *shortfall = ech_xmalloc(n, "supplier reliability columns");
    for (int32_t i = 0; i < s->n; ++i) {
        col[0 * n + (size_t)i] = s->reliability[i].partial_prob;
        col[1 * n + (size_t)i] = s->reliability[i].partial_mean;
        col[2 * n + (size_t)i] = s->reliability[i].partial_sd;
        col[3 * n + (size_t)i] = s->reliability[i].cancel_prob;
        shortfall[i] = s->reliability[i].shortfall;
    }
    hsize_t m = (hsize_t)s->n;
    ech_h5_small_table(w, g, "partial_probability", H5T_NATIVE_DOUBLE, m, col, supplier, "1",
                       "probability that a shipment delivers only part of what is owed", NULL);
    ech_h5_small_table(w, g, "partial_fraction_mean", H5T_NATIVE_DOUBLE, m, col + n, supplier, "1",
                       "mean delivered fraction of a partial shipment (beta distribution)", NULL);
    ech_h5_small_table(w, g, "partial_fraction_sd", H5T_NATIVE_DOUBLE, m, col + 2 * n, supplier,
                       "1", "standard deviation of the delivered fraction of a partial shipment",
                       NULL);
    ech_h5_small_table(w, g, "cancel_probability", H5T_NATIVE_DOUBLE, m, col + 3 * n, supplier, "1",
                       "probability that an order is cancelled outright", NULL);
    ech_h5_small_table(w, g, "shortfall", H5T_NATIVE_UINT8, m, shortfall, supplier, "1",
                       "what happens to units a partial shipment or a disrupted site does not "
                       "deliver: they stay owed (backorder) or are dropped (cancel)",
                       "0=backorder,1=cancel");
    free(col);
    free(shortfall);
}

static void write_supply(writer *w)
{
    const ech_scenario *sc = w->sc;
    const ech_sites *s = &sc->sites;
    const ech_disruptions *d = &sc->disruptions;
    hid_t g = ech_h5_group(w, w->file, "supply",
                           "the supply model: supplier sites and their lanes to the central "
                           "warehouse, regions, supplier reliability and disruptions");

    hid_t site = ech_h5_id_scale(w, g, "site", s->id, s->n,
                                 "site id (the row is the site_index and alt_site_index of "
                                 "/catalogue)");
    ech_h5_text_table(
        w, g, "site_id", s->id, s->n, site,
        "site id as in the input (a supplier given without sites has one site with the "
        "supplier's id)");
    ech_h5_small_table(w, g, "site_supplier_index", H5T_NATIVE_INT32, (hsize_t)s->n, s->supplier,
                       site, "1", "index of the site's supplier into supplier_id", NULL);
    ech_h5_small_table(w, g, "site_region_index", H5T_NATIVE_INT32, (hsize_t)s->n, s->region, site,
                       "1", "index of the site's region into region_names", NULL);
    site_lead_times(w, g, site);
    ech_h5_close_dataset(w, site);

    hid_t region = ech_h5_id_scale(w, g, "region", sc->region, sc->n_regions,
                                   "region name (the row is the site_region_index of a site)");
    ech_h5_text_table(w, g, "region_names", sc->region, sc->n_regions, region,
                      "region name (region 0 is \"default\")");
    ech_h5_close_dataset(w, region);

    hid_t sup = ech_h5_id_scale(w, g, "supplier", sc->suppliers.id, sc->suppliers.n,
                                "supplier id (the row is the site_supplier_index of a site)");
    ech_h5_text_table(w, g, "supplier_id", sc->suppliers.id, sc->suppliers.n, sup,
                      "supplier id as in the input");
    supplier_reliability(w, g, sup);
    ech_h5_close_dataset(w, sup);

    hsize_t n = (hsize_t)d->n;
    hid_t dis = ech_h5_id_scale(w, g, "disruption", d->name, d->n,
                                "disruption name (the row is the disruption index)");
    ech_h5_text_table(w, g, "disruption_name", d->name, d->n, dis,
                      "disruption name as in the input");
    ech_h5_small_table(w, g, "disruption_kind", H5T_NATIVE_UINT8, n, d->kind, dis, "1",
                       "markov: up and down spells in every replication; scripted: down over fixed "
                       "days",
                       "0=markov,1=scripted");
    ech_h5_small_table(w, g, "disruption_scope", H5T_NATIVE_UINT8, n, d->scope, dis, "1",
                       "what goes down: one site, every site of one supplier or of one region "
                       "together, or every site on its own timeline",
                       "0=site,1=supplier,2=region,3=each_site");
    ech_h5_small_table(
        w, g, "disruption_target_index", H5T_NATIVE_INT32, n, d->target, dis, "1",
        "by scope: index into site_id, supplier_id or region_names; -1 for each_site", NULL);
    ech_h5_small_table(w, g, "disruption_mtbf_days", H5T_NATIVE_DOUBLE, n, d->mtbf_days, dis, "day",
                       "markov: mean days up between failures (0 for scripted)", NULL);
    ech_h5_small_table(w, g, "disruption_mttr_days", H5T_NATIVE_DOUBLE, n, d->mttr_days, dis, "day",
                       "markov: mean days down (0 for scripted)", NULL);
    ech_h5_small_table(w, g, "disruption_from_day", H5T_NATIVE_INT32, n, d->from_day, dis, "day",
                       "scripted: first scenario day down (0 for markov)", NULL);
    ech_h5_small_table(w, g, "disruption_to_day", H5T_NATIVE_INT32, n, d->to_day, dis, "day",
                       "scripted: first scenario day up again (0 for markov)", NULL);
    ech_h5_small_table(w, g, "disruption_capacity", H5T_NATIVE_DOUBLE, n, d->capacity, dis, "1",
                       "share of normal supply a site still ships while down", NULL);
    ech_h5_close_dataset(w, dis);
    ech_h5_close_group(g);
}

/* ------------------------------------------------------------------------------
 * /variants
 * ------------------------------------------------------------------------------ */

static void write_variants(writer *w)
{
    const ech_scenario *sc = w->sc;
    hid_t g = ech_h5_group(w, w->file, "variants",
                           "one group per variant other than the baseline (which is at the "
                           "root: /skuloc, /totals, /sku), in the scenario's order");
    char **names = ech_h5_variant_names(sc);
    char **links = ech_h5_link_names(names, sc->n_variants, "variant");
    free(names);
    for (int32_t v = 1; v < sc->n_variants; ++v) {
        hid_t vg = ech_h5_group(w, g, links[v], NULL);
        variant_attributes(w, vg, v, "");
        ech_output_skuloc(w, vg, v,
                          "per SKU-location in this variant: the resolved policy and one group per "
                          "KPI with its distribution across replications");
        ech_output_totals(w, vg, v);
        ech_output_comparison(w, vg, v);
        ech_output_cold_chain(w, vg, v);
        ech_output_purchases(w, vg, v);
        ech_output_stock_bands(w, vg, v);
        ech_h5_close_group(vg);
    }
    ech_h5_free_names(links, sc->n_variants);
    ech_h5_close_group(g);
}

/* ------------------------------------------------------------------------------
 * /runtime
 * ------------------------------------------------------------------------------ */

static void write_runtime(writer *w)
{
    const ech_run_info *info = w->info;
    hid_t g = ech_h5_group(w, w->file, "runtime",
                           "how the run went: timings (seconds, maximum over ranks), the "
                           "figure of merit and the verification hash");
    ech_h5_attr_f64(w, g, "setup_seconds", info->setup_seconds);
    ech_h5_attr_f64(w, g, "simulate_seconds", info->simulate_seconds);
    ech_h5_attr_i64(w, g, "skuloc_days", info->skuloc_days);
    ech_h5_attr_f64(w, g, "skuloc_days_per_second_per_core", info->skuloc_days_per_second_per_core);
    ech_h5_attr_u64(w, g, "verification_hash", info->verification_hash);
    ech_h5_attr_i32(w, g, "n_ranks", info->n_ranks);
    ech_h5_attr_i32(w, g, "n_threads", info->n_threads);
    ech_h5_attr_f64(w, g, "plan_seconds", info->plan_seconds);
    ech_h5_attr_f64(w, g, "exchange_seconds", info->exchange_seconds);
    ech_h5_attr_f64(w, g, "reduce_seconds", info->reduce_seconds);
    ech_h5_attr_f64(w, g, "stock_bands_seconds", info->bands_seconds);
    ech_h5_attr_i32(w, g, "split_skus", info->split_skus);
    if (w->res->tuning) /* here, not in /tuning, which is the same at any ranks x threads */
        ech_h5_attr_f64(w, g, "tuning_seconds", w->res->tuning->seconds);
    if (w->res->contract)
        ech_h5_attr_f64(w, g, "contract_sizing_seconds", w->res->contract->seconds);
    ech_h5_close_group(g);
}

/* ------------------------------------------------------------------------------
 * The file
 * ------------------------------------------------------------------------------ */

/* Closes whatever of the file is still open, so that rank 0 can close it (a file
 * left open breaks MPI_Finalize).  Nothing is left open after a complete write: an object still
 * open then is a leak in this writer, reported as an internal error. */
static void close_leftovers(writer *w)
{
    const unsigned types = H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR;
    ssize_t n = H5Fget_obj_count(w->file, types);
    if (n <= 0)
        return;
    hid_t *ids = ech_xmalloc((size_t)n * sizeof *ids, "open objects of the results file");
    n = H5Fget_obj_ids(w->file, types, (size_t)n, ids);
    for (ssize_t i = 0; i < n; ++i) {
        switch (H5Iget_type(ids[i])) {
        case H5I_DATASET: H5Dclose(ids[i]); break;
        case H5I_GROUP: H5Gclose(ids[i]); break;
        case H5I_DATATYPE: H5Tclose(ids[i]); break;
        case H5I_ATTR: H5Aclose(ids[i]); break;
        default: break;
        }
    }
    free(ids);
    if (n > 0 && !w->failed)
        ech_h5_fail(w, "internal error: %zd objects left open", n);
}

static void write_file(writer *w, const char *tmp)
{
    /* Rank 0 alone opens the file, with HDF5's POSIX driver (output_h5.c says why). */
    if (w->rank == 0) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
        /* The 1.8 file format: readable by any HDF5 since 1.8, and it moves attributes
         * too large for an object header (many dimension-scale references) to dense
         * storage.  Metadata is gathered into blocks of META_BLOCK bytes, so that the
         * many small object headers, heaps and B-tree nodes go out in few large
         * writes, and the chunk cache is off: every chunk is written whole, once. */
        if (fapl < 0 || fcpl < 0 || H5Pset_fapl_sec2(fapl) < 0 ||
            H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
            H5Pset_meta_block_size(fapl, META_BLOCK) < 0 ||
            H5Pset_small_data_block_size(fapl, META_BLOCK) < 0 ||
            H5Pset_cache(fapl, 0, 0, 0, 0.0) < 0 || H5Pset_istore_k(fcpl, CHUNK_INDEX_K) < 0 ||
            H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)
            ech_h5_fail(w, "setting up the file properties");
        w->file = w->failed ? -1 : H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl);
        if (w->file < 0)
            ech_h5_fail(w, "creating %s", tmp);
        if (fcpl >= 0)
            H5Pclose(fcpl);
        if (fapl >= 0)
            H5Pclose(fapl);
        if (w->file >= 0) /* for the room reserved on the disk (ech_h5_ready) */
            w->room_fd = open(tmp, O_WRONLY | O_CLOEXEC);
    }
    if (!ech_h5_all_ok(w)) {
        if (w->file >= 0) /* some other rank failed */
            H5Fclose(w->file);
        w->file = -1;
        ech_h5_release_room(w);
        return;
    }

    write_root(w);
    write_catalogue(w);
    write_network(w);
    write_supply(w);
    ech_output_skuloc(w, w->file, 0,
                      "per SKU-location: the resolved policy and one group per KPI with its "
                      "distribution across replications");
    ech_output_totals(w, w->file, 0);
    ech_output_sku_sums(w, w->file, 0);
    ech_output_cold_chain(w, w->file, 0);
    ech_output_purchases(w, w->file, 0);
    ech_output_stock_bands(w, w->file, 0);
    write_variants(w);
    if (w->res->tuning)
        ech_output_tuning(w);
    if (w->res->contract)
        ech_output_contract(w);
    write_runtime(w);

    /* Rank 0 closes the file with room for the metadata it still holds, whatever
     * failed before, and with nothing of the file left open. */
    if (w->file >= 0) {
        /* Room first: a close whose metadata cannot be written leaves HDF5 1.10 unable
         * to end cleanly (a failed flush leaves its cache unable to flush again, and
         * the half-closed file crashes MPI_Finalize), so it must not meet a full disk. */
        ech_h5_ready(w, 0);
        close_leftovers(w);
        ech_h5_refs_free(w);
        if (H5Fclose(w->file) < 0)
            ech_h5_fail(w, "closing the file");
        w->file = -1;
    }
    ech_h5_release_room(w);
}

/* What is wrong with the results handed in, or NULL. */
static const char *results_problem(const ech_scenario *sc, const ech_results *res)
{
    const ech_results *rep = res;
    int has_rows = res->skuloc_end > res->skuloc_begin;
    if (res->skuloc_begin < 0 || res->skuloc_end < res->skuloc_begin || res->skuloc_end > sc->sl.n)
        return "this rank's skuloc block lies outside the skulocs";
    if (sc->output.n_quantiles < 0 || res->n_stats != 2 + sc->output.n_quantiles)
        return "n_stats is not 2 + the number of quantiles";
    if (sc->output.n_quantiles > 0 && !sc->output.quantiles)
        return "no quantile probabilities";
    if (sc->replications < 1)
        return "no replications";
    if (sc->n_variants < 1 || !sc->variant)
        return "no variants";
    if (res->n_variants != sc->n_variants)
        return "the results' number of variants is not the scenario's";
    if (!rep->totals)
        return "no totals";
    if (rep->n_groups != 1 + (int64_t)sc->n_segments)
        return "the totals' number of groups is not 1 + the number of segments";
    if (!rep->sku_lost || !rep->sku_recovery || !rep->sku_disrupted || !rep->location_lost)
        return "no comparison sums";
    if (rep->n_cold > 0 && !rep->cold)
        return "no cold-room statistics";
    for (int32_t v = 0; rep->n_cold > 0 && v < sc->n_variants; ++v)
        if (rep->cold[v].n != rep->n_cold || rep->cold[v].n_quantiles != sc->output.n_quantiles)
            return "cold-room statistics of the wrong shape";
    for (int32_t v = 0; has_rows && v < sc->n_variants; ++v)
        if (!res->stats || !res->stats[v])
            return "no statistics";
    return NULL;
}

/* The writer needs a resolved scenario (ech_scenario_finalize makes the supply model
 * and the variants complete, ech_policy_resolve the variants' policy numbers). */
static const char *scenario_problem(const ech_scenario *sc)
{
    for (int32_t v = 0; v < sc->n_variants; ++v)
        if (!sc->variant[v].order_up_to)
            return "a variant's policy is not resolved (ech_policy_resolve)";
    return NULL;
}

/* Checks what the caller handed in; any rank may find a problem. */
static void check_arguments(writer *w)
{
    if (!w->path || !w->path[0]) {
        ech_fail(&w->e, ECH_ERR_INPUT, "cannot write results: no output file named");
        w->failed = 1;
        return;
    }
    const char *problem = results_problem(w->sc, w->res);
    if (!problem)
        problem = scenario_problem(w->sc);
    if (problem) {
        ech_fail(&w->e, ECH_ERR_RUNTIME, "cannot write results file %s: internal error: %s",
                 w->path, problem);
        w->failed = 1;
    }
}

/* The blocks of all ranks must tile [0, n_skulocs) without overlap (in any rank order). */
static void check_blocks(writer *w)
{
    int64_t mine[2] = {w->begin, w->end};
    int64_t *all = ech_xmalloc(2 * (size_t)w->size * sizeof *all, "skuloc blocks");
    MPI_Allgather(mine, 2, MPI_INT64_T, all, 2, MPI_INT64_T, w->comm);
    int64_t covered = 0;
    int overlap = 0;
    for (int i = 0; i < w->size; ++i) {
        covered += all[2 * i + 1] - all[2 * i];
        for (int j = 0; j < i; ++j)
            if (all[2 * i] < all[2 * j + 1] && all[2 * j] < all[2 * i + 1])
                overlap = 1;
    }
    free(all);
    if (overlap || covered != w->sc->sl.n) {
        ech_fail(&w->e, ECH_ERR_RUNTIME,
                 "cannot write results file %s: internal error: the ranks' skuloc blocks "
                 "do not cover the %lld skulocs exactly once",
                 w->path, (long long)w->sc->sl.n);
        w->failed = 1;
    }
}

/* The directory part of path ("." when there is none). */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ech_xstrdup(".", "directory name");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *dir = ech_xmalloc(len + 1, "directory name");
    memcpy(dir, path, len);
    dir[len] = '\0';
    return dir;
}

static void check_directory(writer *w)
{
    char *dir = directory_of(w->path);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ech_fail(&w->e, ECH_ERR_INPUT, "cannot write %s: directory %s does not exist", w->path,
                 dir);
        w->failed = 1;
    } else if (access(dir, W_OK | X_OK) != 0) {
        ech_fail(&w->e, ECH_ERR_INPUT, "cannot write %s: directory %s is not writable", w->path,
                 dir);
        w->failed = 1;
    }
    free(dir);
    /* The file is written under a temporary name and renamed over the target: over
     * a device or a pipe (say /dev/null) that would replace it with a file. */
    if (!w->failed && stat(w->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        ech_fail(&w->e, ECH_ERR_INPUT,
                 "cannot write %s: it exists and is not a regular file (to write no results, "
                 "use --no-output)",
                 w->path);
        w->failed = 1;
    }
}

ech_status ech_output_write(const char *path, MPI_Comm comm, const ech_scenario *sc,
                            const ech_results *res, ech_error *err)
{
    const ech_run_info *info = &res->info;
    writer w;
    memset(&w, 0, sizeof w);
    w.path = path;
    w.sc = sc;
    w.res = res;
    w.info = info;
    w.comm = comm;
    w.file = w.dxpl = w.gcpl = w.vlstr = -1;
    w.room_fd = -1;
    w.begin = res->skuloc_begin;
    w.end = res->skuloc_end;
    ech_error_clear(&w.e);
    MPI_Comm_rank(comm, &w.rank);
    MPI_Comm_size(comm, &w.size);

    check_arguments(&w);
    if (ech_h5_agree(&w) == ECH_OK)
        check_blocks(&w);
    if (ech_h5_agree(&w) == ECH_OK && w.rank == 0)
        check_directory(&w);
    if (ech_h5_agree(&w) != ECH_OK) {
        if (err)
            *err = w.e;
        return w.e.status;
    }

    /* Replications are written when the engine kept them (a rank without skulocs may
     * hold none: ask every rank). */
    int have = res->reps != NULL, any = 0;
    for (int32_t v = 0; have && v < res->n_variants; ++v)
        have = res->reps[v] != NULL;
    MPI_Allreduce(&have, &any, 1, MPI_INT, MPI_MAX, comm);
    w.keep_replications = any;
    if (any && !have && w.end > w.begin) {
        ech_fail(&w.e, ECH_ERR_RUNTIME,
                 "cannot write results file %s: internal error: replications missing on "
                 "rank %d",
                 path, w.rank);
        w.failed = 1;
    }
    if (ech_h5_agree(&w) != ECH_OK) {
        if (err)
            *err = w.e;
        return w.e.status;
    }

    /* The temporary name: the final one with a token from rank 0 (its process id). */
    long token = (long)getpid();
    MPI_Bcast(&token, 1, MPI_LONG, 0, comm);
    size_t tmp_len = strlen(path) + 32;
    char *tmp = ech_xmalloc(tmp_len, "temporary results file name");
    snprintf(tmp, tmp_len, "%s.tmp-%ld", path, token);
    w.tmp = tmp;
    if (w.rank == 0) /* a second stop signal removes it (stop.h) */
        ech_temp_register(tmp);

    /* HDF5 would print its error stack itself: silence it while we write, and turn
     * every failure into one message instead. */
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    unsigned filter_config = 0;
    w.deflate = H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
                H5Zget_filter_info(H5Z_FILTER_DEFLATE, &filter_config) >= 0 &&
                (filter_config & H5Z_FILTER_CONFIG_ENCODE_ENABLED);
    w.dxpl = H5Pcreate(H5P_DATASET_XFER);
    w.gcpl = H5Pcreate(H5P_GROUP_CREATE);
    w.vlstr = H5Tcopy(H5T_C_S1);
    if (w.dxpl < 0 || w.gcpl < 0 ||
        H5Pset_link_creation_order(w.gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        w.vlstr < 0 || H5Tset_size(w.vlstr, H5T_VARIABLE) < 0 ||
        H5Tset_cset(w.vlstr, H5T_CSET_UTF8) < 0)
        ech_h5_fail(&w, "setting up the transfer properties");
    if (ech_h5_all_ok(&w))
        write_file(&w, tmp);
    ech_h5_refs_free(&w);
    if (w.vlstr >= 0)
        H5Tclose(w.vlstr);
    if (w.gcpl >= 0)
        H5Pclose(w.gcpl);
    if (w.dxpl >= 0)
        H5Pclose(w.dxpl);
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);

    /* Every rank has closed the file: rank 0 renames it into place, or removes it. */
    ech_status status = ech_h5_agree(&w);
    if (w.rank == 0) {
        if (status == ECH_OK && rename(tmp, path) != 0) {
            ech_fail(&w.e, ECH_ERR_RUNTIME, "cannot write results file %s: renaming %s: %s", path,
                     tmp, strerror(errno));
            w.failed = 1;
        }
        if (w.failed && unlink(tmp) != 0 && errno != ENOENT) {
            size_t used = strlen(w.e.msg);
            snprintf(w.e.msg + used, sizeof w.e.msg - used, " (and could not remove %s: %s)", tmp,
                     strerror(errno));
        }
    }
    status = ech_h5_agree(&w);
    if (w.rank == 0)
        ech_temp_forget(tmp);
    free(tmp);
    if (err)
        *err = w.e;
    return status;
}
