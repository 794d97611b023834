/* Loading a scenario file: the load chain and the tables (CSV files, inline rows or
 * the generators); see include/echelon/scenario_load.h and, for how the loader's
 * parts fit together, load.h.
 *
 * The model is built in the order the header describes: settings (suppliers, then
 * their sites and regions, rules, disruptions, which name sites, suppliers and
 * regions, and variants, which name disruptions), overrides, network, catalogue and
 * assortment (SKU rows name sites), ech_scenario_finalize, the start snapshot, the
 * demand history and ech_policy_resolve.
 */
#include "load.h"
#include "echelon/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------------------
 * Network and catalogue
 * ------------------------------------------------------------------------------ */

/* How many of the given keys are present; `which` gets the first present. */
static int count_present(const loadctx *c, const char *const *keys, int n, int *which)
{
    int count = 0;
    *which = -1;
    for (int i = 0; i < n; ++i) {
        if (ech_yaml_has(c->ix, keys[i])) {
            if (*which < 0)
                *which = i;
            ++count;
        }
    }
    return count;
}

static ech_status build_network_gen(const loadctx *c, const y_network_gen *y, ech_network_gen *g)
{
    *g = ech_network_gen_defaults();
    if (!y)
        return ECH_OK;
    ech_status st;
    if ((y->dcs && (st = ech_key_int32(c, "network.generate.dcs", y->dcs, 0, 10000, &g->dcs))) ||
        (y->retail_per_dc &&
         (st = ech_key_int32(c, "network.generate.retail_per_dc", y->retail_per_dc, 1, 1000000,
                             &g->retail_per_dc))) ||
        (y->dc_lead_time_days &&
         (st = ech_key_int32(c, "network.generate.dc_lead_time_days", y->dc_lead_time_days, 0,
                             ECH_MAX_LANE_DAYS, &g->dc_lead_time_days))) ||
        (y->retail_lead_time_days &&
         (st = ech_key_int32(c, "network.generate.retail_lead_time_days", y->retail_lead_time_days,
                             0, ECH_MAX_LANE_DAYS, &g->retail_lead_time_days))) ||
        (y->cw_cold_capacity_litres &&
         (st = ech_key_double_range(c, "network.generate.cw_cold_capacity_litres",
                                    y->cw_cold_capacity_litres, 0.0, 0, 1e9, 0, "",
                                    &g->cw_cold_capacity_litres))) ||
        (y->dc_cold_capacity_litres &&
         (st = ech_key_double_range(c, "network.generate.dc_cold_capacity_litres",
                                    y->dc_cold_capacity_litres, 0.0, 0, 1e9, 0, "",
                                    &g->dc_cold_capacity_litres))) ||
        (y->retail_cold_capacity_litres &&
         (st = ech_key_double_range(c, "network.generate.retail_cold_capacity_litres",
                                    y->retail_cold_capacity_litres, 0.0, 0, 1e9, 0, "",
                                    &g->retail_cold_capacity_litres))))
        return st;
    return ECH_OK;
}

static ech_status build_catalogue_gen(const loadctx *c, const y_catalogue_gen *y,
                                      uint64_t scenario_seed, ech_catalogue_gen *g)
{
    *g = ech_catalogue_gen_defaults();
    g->seed = scenario_seed;
    ech_status st;
    if (!y) /* written empty ("generate:") */
        return ech_fail_at(c->err, c->path, ech_key_line(c, "catalogue.generate"),
                           "catalogue.generate.skus",
                           "required key is missing from "
                           "catalogue.generate");
    if ((st = ech_key_int32(c, "catalogue.generate.skus", y->skus, 1, 100000000, &g->skus)) !=
        ECH_OK)
        return st;
    if (y->seed && (st = ech_key_uint64(c, "catalogue.generate.seed", y->seed, &g->seed)) != ECH_OK)
        return st;
    struct {
        const char *key, *text;
        double *dst;
        int open_low; /* (0, 1] instead of [0, 1] */
    } shares[] = {
        {"catalogue.generate.fast_share", y->fast_share, &g->fast_share, 0},
        {"catalogue.generate.intermittent_share", y->intermittent_share, &g->intermittent_share, 0},
        {"catalogue.generate.cold_share", y->cold_share, &g->cold_share, 0},
        {"catalogue.generate.controlled_share", y->controlled_share, &g->controlled_share, 0},
        {"catalogue.generate.generic_share", y->generic_share, &g->generic_share, 0},
        {"catalogue.generate.assortment_density", y->assortment_density, &g->assortment_density, 1},
        {"catalogue.generate.alternative_share", y->alternative_share, &g->alternative_share, 0},
        {"catalogue.generate.display_share", y->display_share, &g->display_share, 0},
    };
    for (size_t i = 0; i < sizeof shares / sizeof shares[0]; ++i) {
        if (!shares[i].text)
            continue;
        double v;
        if ((st = ech_key_double(c, shares[i].key, shares[i].text, &v)) != ECH_OK)
            return st;
        if (shares[i].open_low ? !(v > 0.0 && v <= 1.0) : !(v >= 0.0 && v <= 1.0))
            return ech_key_fail(c, shares[i].key, "must be a share in %s0, 1], got %s",
                                shares[i].open_low ? "(" : "[", shares[i].text);
        *shares[i].dst = v;
    }
    if (y->alternative_premium) {
        double v;
        if ((st = ech_key_double(c, "catalogue.generate.alternative_premium",
                                 y->alternative_premium, &v)) != ECH_OK)
            return st;
        if (!(v >= 0.0 && v <= 10.0))
            return ech_key_fail(c, "catalogue.generate.alternative_premium",
                                "must be a fraction of unit cost in [0, 10], got %s",
                                y->alternative_premium);
        g->alternative_premium = v;
    }
    return ECH_OK;
}

void ech_inline_row(const loadctx *c, const char *list, unsigned i, const char *const *cells,
                    const ech_csv_column *cols, int n_cols, ech_row *row, long *lines, char *prefix,
                    size_t prefix_size)
{
    char k[256];
    snprintf(prefix, prefix_size, "%s[%u].", list, i);
    row->path = c->path;
    row->line = ech_key_line(c, ech_key_path(k, sizeof k, "%s[%u]", list, i));
    row->columns = cols;
    row->n_columns = n_cols;
    row->cell = cells;
    row->field_prefix = prefix;
    for (int j = 0; j < n_cols; ++j)
        lines[j] = cols[j].name
                       ? ech_key_line(c, ech_key_path(k, sizeof k, "%s%s", prefix, cols[j].name))
                       : 0;
    row->cell_line = lines;
}

typedef ech_status (*row_fn)(ech_table_loader *t, const ech_row *row, ech_error *err);
typedef ech_status (*finish_fn)(ech_table_loader *t, const char *where, long line, const char *key,
                                ech_error *err);

static ech_status load_inline(const loadctx *c, ech_table_loader *t, const char *list,
                              const y_row *rows, unsigned n, const ech_table *table, row_fn add,
                              finish_fn finish)
{
    long lines[ECH_TABLE_MAX_COLUMNS];
    char prefix[128];
    for (unsigned i = 0; i < n; ++i) {
        ech_row row;
        ech_inline_row(c, list, i, (const char *const *)rows[i].cell, table->csv, table->n_columns,
                       &row, lines, prefix, sizeof prefix);
        ech_status st = add(t, &row, c->err);
        if (st != ECH_OK)
            return st;
    }
    return finish(t, c->path, ech_key_line(c, list), list, c->err);
}

/* Loads the network and the catalogue; *finalize_path names the file messages of
 * ech_scenario_finalize refer to. */
static ech_status load_tables(const loadctx *c, const y_scenario *y, ech_scenario *sc,
                              char **finalize_path)
{
    static const char *const net_keys[] = {"network.locations_file", "network.locations",
                                           "network.generate"};
    static const char *const cat_keys[] = {"catalogue.skus_file", "catalogue.skus",
                                           "catalogue.generate"};
    const y_network *yn = y->network;
    const y_catalogue *yc = y->catalogue;
    ech_status st = ECH_OK;
    int which;
    char *file = NULL;
    *finalize_path = NULL;

    int n = count_present(c, net_keys, 3, &which);
    if (n == 0)
        return ech_key_fail(c, "network", "give one of locations_file, locations or generate");
    if (n > 1) {
        int second = -1;
        for (int i = which + 1; i < 3 && second < 0; ++i)
            if (ech_yaml_has(c->ix, net_keys[i]))
                second = i;
        return ech_key_fail(c, net_keys[second],
                            "give only one of locations_file, locations and "
                            "generate (%s is given too)",
                            net_keys[which] + 8);
    }
    /* The catalogue: a pair of files, a pair of inline lists, or the generator. */
    int nc = count_present(c, cat_keys, 3, &which);
    int cat_which = which;
    int has_afile = ech_yaml_has(c->ix, "catalogue.assortment_file");
    int has_alist = ech_yaml_has(c->ix, "catalogue.assortment");
    if (nc == 0) {
        if (has_afile)
            return ech_key_fail(c, "catalogue.assortment_file", "needs catalogue.skus_file too");
        if (has_alist)
            return ech_key_fail(c, "catalogue.assortment",
                                "needs an inline catalogue.skus list too");
        return ech_key_fail(c, "catalogue",
                            "give skus_file and assortment_file, skus and assortment, "
                            "or generate");
    }
    if (nc > 1) {
        int second = -1;
        for (int i = which + 1; i < 3 && second < 0; ++i)
            if (ech_yaml_has(c->ix, cat_keys[i]))
                second = i;
        return ech_key_fail(c, cat_keys[second],
                            "give only one of skus_file, skus and generate "
                            "(%s is given too)",
                            cat_keys[which] + 10);
    }
    if (cat_which == 0 && !has_afile)
        return ech_key_fail(c, "catalogue.skus_file", "needs catalogue.assortment_file too");
    if (cat_which == 0 && has_alist)
        return ech_key_fail(c, "catalogue.assortment",
                            "with skus_file, give the assortment as "
                            "assortment_file");
    if (cat_which == 1 && !has_alist)
        return ech_key_fail(c, "catalogue.skus", "needs an inline catalogue.assortment list too");
    if (cat_which == 1 && has_afile)
        return ech_key_fail(c, "catalogue.assortment_file",
                            "with an inline skus list, give the "
                            "assortment inline too");
    if (cat_which == 2 && (has_afile || has_alist))
        return ech_key_fail(c, has_afile ? "catalogue.assortment_file" : "catalogue.assortment",
                            "not used with generate (the generator makes the assortment)");

    ech_table_loader *t = ech_table_loader_new(sc);

    /* Network. */
    if (yn->locations_file) {
        sc->sources.network = ECH_FROM_FILE;
        sc->sources.locations_file = ech_xstrdup(yn->locations_file, "file name");
        if ((st = ech_key_file(c, "network.locations_file", yn->locations_file, &file)) == ECH_OK)
            st = ech_locations_load_csv(t, file, c->err);
        *finalize_path = file;
        file = NULL;
    } else if (ech_yaml_has(c->ix, "network.locations")) {
        sc->sources.network = ECH_FROM_INLINE;
        st = load_inline(c, t, "network.locations", yn->locations, yn->locations_count,
                         &ech_network_table, ech_location_row, ech_locations_finish);
    } else {
        ech_network_gen *g = &sc->sources.network_gen;
        sc->sources.network = ECH_FROM_GENERATOR;
        if ((st = build_network_gen(c, yn->generate, g)) == ECH_OK)
            st = ech_generate_network(g, sc, c->err);
    }
    if (st != ECH_OK)
        goto done;

    /* Catalogue and assortment. */
    sc->sources.catalogue = cat_which == 0   ? ECH_FROM_FILE
                            : cat_which == 1 ? ECH_FROM_INLINE
                                             : ECH_FROM_GENERATOR;
    if (cat_which == 0) {
        sc->sources.skus_file = ech_xstrdup(yc->skus_file, "file name");
        sc->sources.assortment_file =
            ech_xstrdup(yc->assortment_file ? yc->assortment_file : "", "file name");
        if ((st = ech_key_file(c, "catalogue.skus_file", yc->skus_file, &file)) != ECH_OK)
            goto done;
        st = ech_skus_load_csv(t, file, c->err);
        free(file);
        file = NULL;
        if (st != ECH_OK)
            goto done;
        if ((st = ech_key_file(c, "catalogue.assortment_file", yc->assortment_file, &file)) !=
            ECH_OK)
            goto done;
        st = ech_assortment_load_csv(t, file, c->err);
        free(*finalize_path);
        *finalize_path = file;
        file = NULL;
    } else if (cat_which == 1) {
        st = load_inline(c, t, "catalogue.skus", yc->skus, yc->skus_count, &ech_catalogue_table,
                         ech_sku_row, ech_skus_finish);
        if (st == ECH_OK)
            st = load_inline(c, t, "catalogue.assortment", yc->assortment, yc->assortment_count,
                             &ech_skuloc_table, ech_assortment_row, ech_assortment_finish);
    } else {
        ech_catalogue_gen *g = &sc->sources.catalogue_gen;
        uint64_t file_seed = sc->seed;
        if (ech_parse_uint64(y->seed, &file_seed) != ECH_PARSE_OK)
            file_seed = sc->seed;
        if ((st = build_catalogue_gen(c, yc->generate, file_seed, g)) == ECH_OK)
            st = ech_generate_catalogue(g, sc, c->err);
    }
done:
    free(file);
    ech_table_loader_free(t);
    return st;
}

/* ------------------------------------------------------------------------------
 * The load chain
 * ------------------------------------------------------------------------------ */

static ech_status read_text(const char *path, char **text, size_t *len, ech_error *err)
{
    *text = NULL;
    *len = 0;
    /* Checked before opening: opening a FIFO would wait for a writer. */
    struct stat info;
    if (stat(path, &info) == 0 && !S_ISREG(info.st_mode))
        return ech_fail(err, ECH_ERR_INPUT, "%s: not a regular file (a scenario is a YAML file)",
                        path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ech_fail(err, ECH_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = ech_xmalloc(cap, "scenario text");
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = ech_xrealloc(buf, cap, "scenario text");
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n > ECH_MAX_YAML_BYTES) {
            fclose(f);
            free(buf);
            return ech_fail(err, ECH_ERR_INPUT,
                            "%s: larger than %d MiB: a scenario file holds settings; give large "
                            "tables as CSV files",
                            path, ECH_MAX_YAML_BYTES >> 20);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return ech_fail(err, ECH_ERR_INPUT, "%s: cannot read", path);
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        free(buf);
        return ech_fail(err, ECH_ERR_INPUT, "%s: contains a NUL byte: not a YAML text file", path);
    }
    *text = buf;
    *len = n;
    return ECH_OK;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ech_xstrdup("", "scenario directory");
    size_t n = (size_t)(slash - path) + 1;
    char *d = ech_xmalloc(n + 1, "scenario directory");
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

ech_status ech_scenario_load(const char *path, const ech_overrides *ov, ech_scenario *sc,
                             ech_error *err)
{
    return ech_scenario_load_changed(path, ov, NULL, NULL, sc, err);
}

ech_status ech_scenario_load_changed(const char *path, const ech_overrides *ov,
                                     ech_tables_hook hook, void *hook_ctx, ech_scenario *sc,
                                     ech_error *err)
{
    memset(sc, 0, sizeof *sc);
    ech_error_clear(err);
    ech_error local;
    if (!err)
        err = &local;

    loadctx c = {.path = path, .dir = dir_of(path), .ix = NULL, .err = err};
    y_scenario *doc = NULL;
    char *text = NULL, *finalize_path = NULL, *file = NULL;
    size_t len = 0;
    ech_status st = read_text(path, &text, &len, err);
    if (st != ECH_OK)
        goto fail;
    sc->source_path = ech_xstrdup(path, "scenario path");
    sc->source_text = text;

    if ((st = ech_yaml_index_build(&c.ix, path, text, len, err)) != ECH_OK)
        goto fail;
    if (ech_yaml_has(c.ix, "base")) {
        /* A network variant: its base scenario with network changes (load_network.c),
         * which takes over the text. */
        sc->source_text = NULL;
        free(sc->source_path);
        sc->source_path = NULL;
        st = hook ? ech_fail_at(err, path, ech_yaml_line(c.ix, "base", 0), "base",
                                "this file is the base of a network variant and is itself "
                                "a network variant: a base must be a whole scenario")
                  : ech_network_variant_load(path, text, len, c.ix, ov, sc, err);
        if (hook)
            free(text);
        ech_yaml_index_free(c.ix);
        free(c.dir);
        return st;
    }
    if ((st = ech_yaml_parse(path, c.ix, text, len, &doc, err)) != ECH_OK)
        goto fail;
    if (!doc) {
        st = ech_fail_at(err, path, 0, NULL,
                         "the file is empty: a scenario needs at least name, seed, replications, "
                         "horizon, suppliers, network and catalogue");
        goto fail;
    }

    if ((st = ech_build_settings(&c, doc, sc)) != ECH_OK)
        goto fail;
    if ((st = ech_apply_overrides(ov, sc, err)) != ECH_OK)
        goto fail;
    if ((st = load_tables(&c, doc, sc, &finalize_path)) != ECH_OK)
        goto fail;
    if (hook && (st = hook(hook_ctx, sc, err)) != ECH_OK)
        goto fail;
    if ((st = ech_build_tuning(&c, doc->tuning, sc)) != ECH_OK ||
        (st = ech_build_contracts(&c, doc, sc)) != ECH_OK ||
        (st = ech_build_segment_rules(&c, doc, sc)) != ECH_OK)
        goto fail;
    if ((st = ech_scenario_finalize(sc, finalize_path ? finalize_path : path, err)) != ECH_OK)
        goto fail;

    if (sc->start_stock == ECH_START_SNAPSHOT) {
        sc->sources.on_hand_file = ech_xstrdup(doc->start->on_hand, "file name");
        if (doc->start->open_orders)
            sc->sources.open_orders_file = ech_xstrdup(doc->start->open_orders, "file name");
        if ((st = ech_key_file(&c, "start.on_hand", doc->start->on_hand, &file)) != ECH_OK ||
            (st = ech_on_hand_load_csv(sc, file, err)) != ECH_OK)
            goto fail;
        free(file);
        file = NULL;
        if (doc->start->open_orders &&
            ((st = ech_key_file(&c, "start.open_orders", doc->start->open_orders, &file)) !=
                 ECH_OK ||
             (st = ech_open_orders_load_csv(sc, file, err)) != ECH_OK))
            goto fail;
        free(file);
        file = NULL;
    }
    if (doc->demand && doc->demand->history)
        sc->sources.history_file = ech_xstrdup(doc->demand->history, "file name");
    if (doc->demand && doc->demand->history &&
        ((st = ech_key_file(&c, "demand.history", doc->demand->history, &file)) != ECH_OK ||
         (st = ech_history_load_csv(sc, file, err)) != ECH_OK))
        goto fail;
    free(file);
    file = NULL;

    /* Demand models over the assortment's, and events. */
    if (doc->catalogue->demand_file) {
        sc->sources.demand_file = ech_xstrdup(doc->catalogue->demand_file, "file name");
        if ((st = ech_key_file(&c, "catalogue.demand_file", doc->catalogue->demand_file, &file)) !=
                ECH_OK ||
            (st = ech_demand_load_csv(sc, file, err)) != ECH_OK)
            goto fail;
        free(file);
        file = NULL;
    }
    if ((st = ech_build_events(&c, doc->demand, sc)) != ECH_OK)
        goto fail;

    /* Targets over the assortment's: the scenario's file, then the command line's. */
    if (doc->catalogue->targets_file) {
        sc->sources.targets_file = ech_xstrdup(doc->catalogue->targets_file, "file name");
        if ((st = ech_key_file(&c, "catalogue.targets_file", doc->catalogue->targets_file,
                               &file)) != ECH_OK ||
            (st = ech_targets_load_csv(sc, file, err)) != ECH_OK)
            goto fail;
        free(file);
        file = NULL;
    }
    if (ov && ov->targets_path) {
        free(sc->sources.targets_file);
        sc->sources.targets_file = ech_xstrdup(ov->targets_path, "file name");
        if ((st = ech_targets_load_csv(sc, ov->targets_path, err)) != ECH_OK)
            goto fail;
    }

    if ((st = ech_policy_resolve(sc, err)) != ECH_OK)
        goto fail;

    free(finalize_path);
    ech_yaml_free(doc);
    ech_yaml_index_free(c.ix);
    free(c.dir);
    return ECH_OK;

fail:
    /* source_text is owned by the scenario once set; before that, by `text`. */
    if (!sc->source_text)
        free(text);
    free(file);
    free(finalize_path);
    ech_yaml_free(doc);
    ech_yaml_index_free(c.ix);
    free(c.dir);
    ech_scenario_free(sc);
    if (st == ECH_OK)
        st = ECH_ERR_RUNTIME;
    return st;
}
