/* The rows of the network, catalogue and assortment tables, from CSV files or inline
 * lists; see include/echelon/table_load.h.
 *
 * Each row function reserves the row in the table (defaults from the column
 * declarations), reads the generic columns with ech_table_read_row, then checks
 * what needs ids, other columns or other tables.
 */
#include "echelon/table_load.h"
#include "id_index.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ids and names longer than this are not ids but pasted text. */
enum { MAX_ID_BYTES = 256 };

#define GROW(ptr, cap, what) (ptr) = ech_xrealloc((ptr), (size_t)(cap) * sizeof *(ptr), what)

struct ech_table_loader {
    ech_scenario *sc;

    /* Locations: where each row came from, for checks after the last row. */
    int64_t loc_cap;  /* rows allocated in the network table */
    int32_t loc_rows; /* rows added through ech_location_row */
    ech_id_map loc_ids;
    char *loc_path;
    char **loc_parent; /* parent id as given; NULL for the root */
    char **loc_prefix; /* field prefix of inline rows; NULL for CSV rows */
    long *loc_line;
    long *loc_parent_line;
    long *loc_kind_line;

    int64_t sku_cap;
    ech_id_map sku_ids;
    long *sku_line;
    ech_id_map site_ids;
    int32_t *first_site; /* per supplier: its first site (built with the first SKU row) */
    int32_t seg_cap;
    ech_id_map seg_ids;
    int32_t group_cap;
    ech_id_map group_ids;
    ech_id_map season_ids, weekly_ids; /* profile names */

    int64_t sl_cap;
    ech_pair_map pairs;
};

ech_table_loader *ech_table_loader_new(ech_scenario *sc)
{
    ech_table_loader *t = ech_xcalloc(1, sizeof *t, "table loader");
    t->sc = sc;
    return t;
}

void ech_table_loader_free(ech_table_loader *t)
{
    if (!t)
        return;
    for (int32_t i = 0; i < t->loc_rows; ++i) {
        free(t->loc_parent[i]);
        free(t->loc_prefix[i]);
    }
    free(t->loc_parent);
    free(t->loc_prefix);
    free(t->loc_path);
    free(t->loc_line);
    free(t->loc_parent_line);
    free(t->loc_kind_line);
    ech_id_map_free(&t->loc_ids);
    ech_id_map_free(&t->sku_ids);
    free(t->sku_line);
    ech_id_map_free(&t->site_ids);
    free(t->first_site);
    ech_id_map_free(&t->seg_ids);
    ech_id_map_free(&t->group_ids);
    ech_id_map_free(&t->season_ids);
    ech_id_map_free(&t->weekly_ids);
    ech_pair_map_free(&t->pairs);
    free(t);
}

ech_status ech_check_id_text(const ech_row *row, int column, ech_error *err)
{
    const char *text = ech_row_text(row, column);
    if (!text)
        return ECH_OK;
    size_t n = strlen(text);
    if (n > MAX_ID_BYTES)
        return ech_row_fail(row, column, err, "longer than %d bytes (%zu)", MAX_ID_BYTES, n);
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f)
            return ech_row_fail(row, column, err,
                                "contains a control character (byte %zu is 0x%02x): ids and "
                                "names are one line of printable text",
                                i + 1, c);
    }
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Locations
 * ------------------------------------------------------------------------------ */

static void locations_reserve(ech_table_loader *t)
{
    ech_network *net = &t->sc->net;
    int64_t old = t->loc_cap;
    ech_table_reserve(&ech_network_table, net, (int64_t)net->n + 1, &t->loc_cap);
    if (t->loc_cap == old)
        return;
    GROW(t->loc_parent, t->loc_cap, "location parent ids");
    GROW(t->loc_prefix, t->loc_cap, "location row names");
    GROW(t->loc_line, t->loc_cap, "location lines");
    GROW(t->loc_parent_line, t->loc_cap, "location lines");
    GROW(t->loc_kind_line, t->loc_cap, "location lines");
}

ech_status ech_location_row(ech_table_loader *t, const ech_row *row, ech_error *err)
{
    ech_network *net = &t->sc->net;
    ech_status st;
    if ((st = ech_row_require(row, ECH_NETCOL_id, err)) != ECH_OK ||
        (st = ech_check_id_text(row, ECH_NETCOL_id, err)) != ECH_OK ||
        (st = ech_check_id_text(row, ECH_NETCOL_name, err)) != ECH_OK ||
        (st = ech_check_id_text(row, ECH_NETCOL_parent, err)) != ECH_OK)
        return st;
    const char *id = ech_row_text(row, ECH_NETCOL_id);
    ech_id_map_sync(&t->loc_ids, net->id, net->n);
    int32_t prev = ech_id_map_find(&t->loc_ids, net->id, id);
    if (prev >= 0)
        return ech_row_fail(row, ECH_NETCOL_id, err,
                            "duplicate location id '%s' (first on line %ld)", id,
                            t->loc_line ? t->loc_line[prev] : 0L);

    locations_reserve(t);
    int32_t i = net->n;
    if ((st = ech_table_read_row(&ech_network_table, net, i, row, err)) != ECH_OK)
        return st;

    const char *parent = ech_row_text(row, ECH_NETCOL_parent);
    if (parent && strcmp(parent, id) == 0)
        return ech_row_fail(row, ECH_NETCOL_parent, err, "a location cannot be its own parent");

    int32_t lead = 0;
    int has_lead = 0;
    if ((st = ech_row_int(row, ECH_NETCOL_lead_time_days, &lead, &has_lead, err)) != ECH_OK)
        return st;
    if (parent) {
        if (!has_lead)
            return ech_row_fail(row, ECH_NETCOL_lead_time_days, err,
                                "a value is required for a location with a parent (days from "
                                "'%s' to '%s')",
                                parent, id);
        if ((st = ech_table_check_value(&ech_network_table, ECH_NETCOL_lead_time_days, lead, row,
                                        err)) != ECH_OK)
            return st;
    } else if (has_lead && lead != 0) {
        return ech_row_fail(row, ECH_NETCOL_lead_time_days, err,
                            "'%s' has no parent, so it has no inbound lane: leave the lead time "
                            "empty or 0 (the suppliers' lead times apply)",
                            id);
    }

    const char *name = ech_row_text(row, ECH_NETCOL_name);
    net->id[i] = ech_xstrdup(id, "location id");
    net->name[i] = ech_xstrdup(name ? name : id, "location name");
    net->parent[i] = -1;
    net->lead_time_days[i] = parent ? lead : 0;
    t->loc_parent[i] = parent ? ech_xstrdup(parent, "parent id") : NULL;
    t->loc_prefix[i] = row->field_prefix ? ech_xstrdup(row->field_prefix, "row name") : NULL;
    t->loc_line[i] = row->line;
    t->loc_parent_line[i] = ech_row_line(row, ECH_NETCOL_parent);
    t->loc_kind_line[i] = ech_row_line(row, ECH_NETCOL_kind);
    if (!t->loc_path)
        t->loc_path = ech_xstrdup(row->path, "location file");
    net->n = i + 1;
    t->loc_rows = net->n;
    ech_id_map_put(&t->loc_ids, net->id, i);
    return ECH_OK;
}

/* A message about location row i after all rows are read. */
static ech_status location_fail(const ech_table_loader *t, int32_t i, int column, ech_error *err,
                                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static ech_status location_fail(const ech_table_loader *t, int32_t i, int column, ech_error *err,
                                const char *fmt, ...)
{
    char field[256];
    snprintf(field, sizeof field, "%s%s", t->loc_prefix[i] ? t->loc_prefix[i] : "",
             ech_network_table.column[column].input);
    long line = column == ECH_NETCOL_parent ? t->loc_parent_line[i]
                : column == ECH_NETCOL_kind ? t->loc_kind_line[i]
                                            : t->loc_line[i];
    char msg[ECH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ech_fail_at(err, t->loc_path, line, field, "%s", msg);
}

/* Finds a cycle of parents, if any: returns a location on it (the first in input
 * order) or -1.  state: 0 unseen, 1 on the current walk, 2 done. */
static int32_t find_parent_cycle(const ech_network *net)
{
    int32_t n = net->n;
    uint8_t *state = ech_xcalloc((size_t)n, 1, "cycle check");
    int32_t found = -1;
    for (int32_t i = 0; i < n && found < 0; ++i) {
        int32_t j = i;
        while (j >= 0 && state[j] == 0) {
            state[j] = 1;
            j = net->parent[j];
        }
        if (j >= 0 && state[j] == 1) {
            /* j is on a cycle; report its first member in input order. */
            found = j;
            for (int32_t k = net->parent[j]; k != j; k = net->parent[k])
                if (k < found)
                    found = k;
        }
        for (int32_t k = i; k >= 0 && state[k] == 1; k = net->parent[k])
            state[k] = 2;
    }
    free(state);
    return found;
}

ech_status ech_locations_finish(ech_table_loader *t, const char *where, long line, const char *key,
                                ech_error *err)
{
    ech_network *net = &t->sc->net;
    int32_t n = net->n;
    if (n == 0)
        return ech_fail_at(err, where, line, key,
                           "no locations: the network needs at least a central warehouse");

    for (int32_t i = 0; i < n; ++i) {
        if (!t->loc_parent[i]) {
            net->parent[i] = -1;
            continue;
        }
        int32_t p = ech_id_map_find(&t->loc_ids, net->id, t->loc_parent[i]);
        if (p < 0)
            return location_fail(t, i, ECH_NETCOL_parent, err,
                                 "'%s' is not a location of this network", t->loc_parent[i]);
        net->parent[i] = p;
    }
    int32_t root = -1;
    for (int32_t i = 0; i < n; ++i) {
        int32_t p = net->parent[i];
        if (p >= 0 && net->kind[p] == ECH_LOC_RETAIL)
            return location_fail(t, i, ECH_NETCOL_parent, err,
                                 "'%s' is a retail location, and retail locations supply no "
                                 "one: stock moves down from the cw and dcs only",
                                 net->id[p]);
        if (p >= 0 && net->kind[i] == ECH_LOC_CW)
            return location_fail(t, i, ECH_NETCOL_kind, err,
                                 "'%s' has a parent, so it cannot be of kind cw: the central "
                                 "warehouse is the root of the network",
                                 net->id[i]);
        if (p < 0) {
            if (root >= 0)
                return location_fail(t, i, ECH_NETCOL_parent, err,
                                     "'%s' has no parent, and neither has '%s' (line %ld): the "
                                     "network must have exactly one root, the central warehouse",
                                     net->id[i], net->id[root], t->loc_line[root]);
            root = i;
        }
    }
    int32_t c = find_parent_cycle(net);
    if (c >= 0) {
        char chain[512];
        size_t used = 0;
        int32_t k = c;
        do {
            int m = snprintf(chain + used, sizeof chain - used, "%s -> ", net->id[k]);
            used += m > 0 ? (size_t)m : 0;
            k = net->parent[k];
        } while (k != c && used < sizeof chain);
        if (used < sizeof chain)
            snprintf(chain + used, sizeof chain - used, "%s", net->id[c]);
        return location_fail(t, c, ECH_NETCOL_parent, err, "'%s' is on a cycle of parents: %s",
                             net->id[c], chain);
    }
    if (root < 0) /* unreachable: no root means a cycle */
        return ech_fail_at(err, where, line, key, "the network has no root");
    if (net->kind[root] != ECH_LOC_CW)
        return location_fail(t, root, ECH_NETCOL_kind, err,
                             "'%s' has no parent, so it is the root of the network and must be "
                             "of kind cw, not %s",
                             net->id[root],
                             ech_enum_word(&ech_location_kind_enum, net->kind[root]));
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * SKUs
 * ------------------------------------------------------------------------------ */

/* Columns that only mean something with another: none of the n may be given
 * (`when` says when they may, `with` names the other). */
static ech_status none_given(const ech_row *row, const int *columns, size_t n, const char *when,
                             const char *with, ech_error *err)
{
    for (size_t i = 0; i < n; ++i)
        if (ech_row_text(row, columns[i]))
            return ech_row_fail(row, columns[i], err, "only allowed %s (%s%s)", when,
                                row->field_prefix ? row->field_prefix : "", with);
    return ECH_OK;
}

/* The index of `name` in the list names[0..*n) (segments, substitution groups),
 * added when new; *cap is the list's allocated length. */
static int32_t name_index(ech_id_map *map, char ***names, int32_t *n, int32_t *cap,
                          const char *name, const char *what)
{
    ech_id_map_sync(map, *names, *n);
    int32_t s = ech_id_map_find(map, *names, name);
    if (s >= 0)
        return s;
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        GROW(*names, *cap, what);
    }
    s = *n;
    (*names)[s] = ech_xstrdup(name, what);
    *n = s + 1;
    ech_id_map_put(map, *names, s);
    return s;
}

static int32_t segment_index(ech_table_loader *t, const char *name)
{
    ech_scenario *sc = t->sc;
    return name_index(&t->seg_ids, &sc->segment, &sc->n_segments, &t->seg_cap, name,
                      "segment names");
}

/* The SKU's substitution group, a key its substitutes share.  A SKU in a group has
 * generics, so the group implies substitution generic; written unique, it
 * contradicts the group. */
static ech_status sku_substitution(ech_table_loader *t, const ech_row *row, int32_t k,
                                   ech_error *err)
{
    ech_catalogue *cat = &t->sc->cat;
    const char *group = ech_row_text(row, ECH_CATCOL_subst_group);
    if (!group) {
        static const int only_in_group[] = {ECH_CATCOL_subst_rank, ECH_CATCOL_subst_share};
        return none_given(row, only_in_group, 2, "for a SKU in a substitution group",
                          "substitution_group", err);
    }
    ech_status st = ech_check_id_text(row, ECH_CATCOL_subst_group, err);
    if (st != ECH_OK)
        return st;
    if (ech_row_text(row, ECH_CATCOL_substitution) && cat->substitution[k] != ECH_SUBST_GENERIC)
        return ech_row_fail(row, ECH_CATCOL_substitution, err,
                            "SKU '%s' is in substitution group '%s', so it has generics: write "
                            "generic or leave the column empty",
                            ech_row_text(row, ECH_CATCOL_id), group);
    cat->substitution[k] = ECH_SUBST_GENERIC;
    ech_subst_rules *r = &t->sc->subst;
    cat->subst_group[k] = name_index(&t->group_ids, &r->group_name, &r->n_groups, &t->group_cap,
                                     group, "substitution group names");
    return ECH_OK;
}

/* The groups' SKUs in catalogue order; a group needs two SKUs, and more than
 * ECH_MAX_GROUP_SKUS is a typing error (one key given to unrelated SKUs). */
static ech_status subst_groups_finish(ech_table_loader *t, const char *where, ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_subst_rules *r = &sc->subst;
    if (r->n_groups == 0)
        return ECH_OK;
    ech_scenario_index_groups(sc);
    for (int32_t g = 0; g < r->n_groups; ++g) {
        int32_t size = r->group_begin[g + 1] - r->group_begin[g];
        int32_t k = r->member[r->group_begin[g]];
        long line = t->sku_line ? t->sku_line[k] : 0L;
        if (size < 2)
            return ech_fail_at(err, where, line, "substitution_group",
                               "group '%s' has only SKU '%s': a substitution group needs two SKUs "
                               "or more (leave the column empty for a SKU without substitutes)",
                               r->group_name[g], sc->cat.id[k]);
        if (size > ECH_MAX_GROUP_SKUS)
            return ech_fail_at(err, where, line, "substitution_group",
                               "group '%s' has %d SKUs, more than %d: is the key (INN, strength, "
                               "form) right?",
                               r->group_name[g], (int)size, ECH_MAX_GROUP_SKUS);
    }
    return ECH_OK;
}

/* "a, b, c" of the n strings, cut short when long (for messages). */
static void join_ids(char *buf, size_t size, char *const *ids, const int32_t *which, int32_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int32_t k = 0; k < n && used + 1 < size; ++k) {
        int m =
            snprintf(buf + used, size - used, "%s%s", used ? ", " : "", ids[which ? which[k] : k]);
        used += m > 0 ? (size_t)m : 0;
    }
    if (used >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

static int32_t site_by_id(ech_table_loader *t, const char *id)
{
    const ech_sites *si = &t->sc->sites;
    ech_id_map_sync(&t->site_ids, si->id, si->n);
    return ech_id_map_find(&t->site_ids, si->id, id);
}

static int32_t first_site_of(ech_table_loader *t, int32_t supplier)
{
    const ech_scenario *sc = t->sc;
    if (!t->first_site) {
        t->first_site =
            ech_xmalloc((size_t)(sc->suppliers.n > 0 ? sc->suppliers.n : 1) * sizeof *t->first_site,
                        "first sites");
        for (int32_t s = 0; s < sc->suppliers.n; ++s)
            t->first_site[s] = -1;
        for (int32_t i = sc->sites.n - 1; i >= 0; --i)
            t->first_site[sc->sites.supplier[i]] = i;
    }
    return t->first_site[supplier];
}

/* The sites of one supplier (or all, supplier < 0) for a message. */
static void site_list(const ech_scenario *sc, int32_t supplier, char *buf, size_t size)
{
    const ech_sites *si = &sc->sites;
    int32_t *which = ech_xmalloc((size_t)(si->n > 0 ? si->n : 1) * sizeof *which, "site list");
    int32_t n = 0;
    for (int32_t i = 0; i < si->n; ++i)
        if (supplier < 0 || si->supplier[i] == supplier)
            which[n++] = i;
    join_ids(buf, size, si->id, which, n);
    free(which);
}

/* Reads the supplier, site and alternative-source columns of SKU row k. */
static ech_status sku_sources(ech_table_loader *t, const ech_row *row, int32_t k, ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_catalogue *cat = &sc->cat;
    const ech_sites *si = &sc->sites;
    char list[512];
    ech_status st;
    int32_t supplier = -1, site_index = -1;

    const char *sup = ech_row_text(row, ECH_CATCOL_supplier);
    const char *site = ech_row_text(row, ECH_CATCOL_site);
    if (sup) {
        supplier = ech_scenario_find_supplier(sc, sup);
        if (supplier < 0) {
            join_ids(list, sizeof list, sc->suppliers.id, NULL, sc->suppliers.n);
            return ech_row_fail(row, ECH_CATCOL_supplier, err,
                                "unknown supplier '%s' (the scenario's suppliers: %s)", sup, list);
        }
    }
    if (site) {
        site_index = site_by_id(t, site);
        if (site_index < 0) {
            site_list(sc, supplier, list, sizeof list);
            return ech_row_fail(row, ECH_CATCOL_site, err, "unknown site '%s' (%s%s%s: %s)", site,
                                supplier >= 0 ? "the sites of supplier '" : "the scenario's sites",
                                supplier >= 0 ? sup : "", supplier >= 0 ? "'" : "", list);
        }
        int32_t owner = si->supplier[site_index];
        if (supplier >= 0 && owner != supplier) {
            site_list(sc, supplier, list, sizeof list);
            return ech_row_fail(row, ECH_CATCOL_site, err,
                                "site '%s' belongs to supplier '%s', not to '%s' (the sites of "
                                "'%s': %s)",
                                site, sc->suppliers.id[owner], sup, sup, list);
        }
        supplier = owner;
    } else {
        if (supplier < 0) {
            if (sc->suppliers.n != 1)
                return ech_row_fail(row, ECH_CATCOL_supplier, err,
                                    "a value is required: the scenario has %d suppliers (or give "
                                    "the SKU's site)",
                                    sc->suppliers.n);
            supplier = 0;
        }
        site_index = first_site_of(t, supplier);
    }
    cat->supplier[k] = supplier;
    cat->site[k] = site_index;

    /* The alternative source: a site, or a supplier meaning its first site. */
    const char *alt_sup = ech_row_text(row, ECH_CATCOL_alt_supplier);
    const char *alt_site = ech_row_text(row, ECH_CATCOL_alt_site);
    if (alt_sup && alt_site)
        return ech_row_fail(row, ECH_CATCOL_alt_site, err,
                            "give only one of alt_supplier and alt_site (alt_supplier is given "
                            "too)");
    int alt_col = alt_site ? ECH_CATCOL_alt_site : ECH_CATCOL_alt_supplier;
    const char *alt = alt_site ? alt_site : alt_sup;
    if (!alt) {
        static const int only_with_alt[] = {ECH_CATCOL_alt_rule, ECH_CATCOL_alt_split,
                                            ECH_CATCOL_alt_premium};
        return none_given(row, only_with_alt, 3, "with an alternative source",
                          "alt_site or alt_supplier", err);
    }
    if (cat->substitution[k] != ECH_SUBST_GENERIC)
        return ech_row_fail(row, alt_col, err,
                            "SKU '%s' is unique (substitution) and cannot have an alternative "
                            "source: only a SKU with substitution generic can",
                            ech_row_text(row, ECH_CATCOL_id));
    int32_t alt_index = site_by_id(t, alt);
    if (alt_index < 0) {
        int32_t s = ech_scenario_find_supplier(sc, alt);
        if (s < 0)
            return ech_row_fail(row, alt_col, err, "no site or supplier named '%s'", alt);
        alt_index = first_site_of(t, s);
    }
    if (alt_index == site_index)
        return ech_row_fail(row, alt_col, err,
                            "'%s' is the SKU's own site '%s': the alternative source must be "
                            "another site",
                            alt, si->id[site_index]);
    cat->alt_site[k] = alt_index;

    const char *rule_text = ech_row_text(row, ECH_CATCOL_alt_rule);
    if (!rule_text)
        return ech_row_fail(row, ECH_CATCOL_alt_rule, err,
                            "a value is required with an alternative source (switch or split)");
    int rule = ech_enum_parse(&ech_alt_rule_enum, rule_text);
    if (rule != ECH_ALT_SWITCH && rule != ECH_ALT_SPLIT)
        return ech_row_fail(row, ECH_CATCOL_alt_rule, err, "'%s' is not one of: switch, split",
                            rule_text);
    cat->alt_rule[k] = (uint8_t)rule;
    double split = 0.0, premium = 0.0;
    int has_split = 0, has_premium = 0;
    if ((st = ech_row_double(row, ECH_CATCOL_alt_split, &split, &has_split, err)) != ECH_OK)
        return st;
    if (rule == ECH_ALT_SPLIT) {
        if (!has_split)
            return ech_row_fail(row, ECH_CATCOL_alt_split, err,
                                "a value is required with alt_rule split (the share of each "
                                "order placed with the alternative)");
        if ((st = ech_table_check_value(&ech_catalogue_table, ECH_CATCOL_alt_split, split, row,
                                        err)) != ECH_OK)
            return st;
        cat->alt_split[k] = split;
    } else if (has_split) {
        return ech_row_fail(row, ECH_CATCOL_alt_split, err, "only allowed with alt_rule split");
    }
    if ((st = ech_row_double(row, ECH_CATCOL_alt_premium, &premium, &has_premium, err)) != ECH_OK)
        return st;
    if (has_premium && (st = ech_table_check_value(&ech_catalogue_table, ECH_CATCOL_alt_premium,
                                                   premium, row, err)) != ECH_OK)
        return st;
    cat->alt_premium[k] = premium;
    return ECH_OK;
}

/* The remaining shelf life at receipt from the supplier, as fractions of the shelf
 * life: both columns or neither (NaN: the scenario's expiry.receipt_life). */
static ech_status sku_receipt_life(const ech_row *row, double life[2], ech_error *err)
{
    static const int col[2] = {ECH_CATCOL_receipt_life_min, ECH_CATCOL_receipt_life_max};
    int given[2] = {0, 0};
    ech_status st;
    for (int i = 0; i < 2; ++i) {
        if ((st = ech_row_double(row, col[i], &life[i], &given[i], err)) != ECH_OK)
            return st;
        if (given[i] &&
            (st = ech_table_check_value(&ech_catalogue_table, col[i], life[i], row, err)) != ECH_OK)
            return st;
    }
    if (given[0] != given[1]) {
        int missing = given[0] ? 1 : 0;
        return ech_row_fail(row, col[missing], err,
                            "a value is required with %s%s (give both or neither; neither: the "
                            "scenario's expiry.receipt_life)",
                            row->field_prefix ? row->field_prefix : "",
                            row->columns[col[1 - missing]].name);
    }
    if (given[0] && life[0] > life[1])
        return ech_row_fail(row, col[0], err, "must be <= receipt_life_max (%s), got %s",
                            ech_row_text(row, col[1]), ech_row_text(row, col[0]));
    return ECH_OK;
}

/* The profile a row's column names among names[0..n) (looked up through map), into
 * *profile; `none` when the cell is empty. */
static ech_status profile_column(const ech_row *row, int column, char *const *names, int32_t n,
                                 ech_id_map *map, const char *kind, int32_t none, int32_t *profile,
                                 ech_error *err)
{
    const char *name = ech_row_text(row, column);
    *profile = none;
    if (!name)
        return ECH_OK;
    ech_id_map_sync(map, names, n);
    int32_t k = ech_id_map_find(map, names, name);
    if (k >= 0) {
        *profile = k;
        return ECH_OK;
    }
    char list[512];
    join_ids(list, sizeof list, names, NULL, n);
    return ech_row_fail(row, column, err, "unknown %s profile '%s' (profiles: %s)", kind, name,
                        n > 0 ? list : "none defined");
}

/* A SKU's therapeutic group: names are collected as they come; -1 when empty. */
static int32_t group_index(ech_table_loader *t, const char *name)
{
    ech_scenario *sc = t->sc;
    if (!name)
        return -1;
    ech_id_map_sync(&t->group_ids, sc->group, sc->n_groups);
    int32_t g = ech_id_map_find(&t->group_ids, sc->group, name);
    if (g >= 0)
        return g;
    if (sc->n_groups == t->group_cap) {
        t->group_cap = t->group_cap ? 2 * t->group_cap : 16;
        GROW(sc->group, t->group_cap, "group names");
    }
    g = sc->n_groups;
    sc->group[g] = ech_xstrdup(name, "group name");
    sc->n_groups = g + 1;
    ech_id_map_put(&t->group_ids, sc->group, g);
    return g;
}

ech_status ech_sku_row(ech_table_loader *t, const ech_row *row, ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_catalogue *cat = &sc->cat;
    ech_status st;
    if ((st = ech_row_require(row, ECH_CATCOL_id, err)) != ECH_OK ||
        (st = ech_check_id_text(row, ECH_CATCOL_id, err)) != ECH_OK ||
        (st = ech_check_id_text(row, ECH_CATCOL_name, err)) != ECH_OK ||
        (st = ech_check_id_text(row, ECH_CATCOL_segment, err)) != ECH_OK)
        return st;
    const char *id = ech_row_text(row, ECH_CATCOL_id);
    ech_id_map_sync(&t->sku_ids, cat->id, cat->n);
    int32_t prev = ech_id_map_find(&t->sku_ids, cat->id, id);
    if (prev >= 0)
        return ech_row_fail(row, ECH_CATCOL_id, err, "duplicate SKU id '%s' (first on line %ld)",
                            id, t->sku_line ? t->sku_line[prev] : 0L);

    int64_t old_cap = t->sku_cap;
    ech_table_reserve(&ech_catalogue_table, cat, (int64_t)cat->n + 1, &t->sku_cap);
    if (t->sku_cap != old_cap)
        GROW(t->sku_line, t->sku_cap, "SKU lines");
    int32_t k = cat->n;
    double life[2] = {NAN, NAN};
    int32_t profile = 0;
    if ((st = ech_table_read_row(&ech_catalogue_table, cat, k, row, err)) != ECH_OK ||
        (st = sku_substitution(t, row, k, err)) != ECH_OK ||
        (st = sku_sources(t, row, k, err)) != ECH_OK ||
        (st = profile_column(row, ECH_CATCOL_season_profile, sc->seasons.name, sc->seasons.n,
                             &t->season_ids, "season", 0, &profile, err)) != ECH_OK ||
        (st = ech_check_id_text(row, ECH_CATCOL_group, err)) != ECH_OK ||
        (st = sku_receipt_life(row, life, err)) != ECH_OK)
        return st;

    const char *name = ech_row_text(row, ECH_CATCOL_name);
    const char *segment = ech_row_text(row, ECH_CATCOL_segment);
    cat->id[k] = ech_xstrdup(id, "SKU id");
    cat->name[k] = ech_xstrdup(name ? name : id, "SKU name");
    cat->receipt_life_min[k] = life[0];
    cat->receipt_life_max[k] = life[1];
    cat->segment[k] = segment_index(t, segment ? segment : "all");
    cat->season_profile[k] = profile;
    cat->group[k] = group_index(t, ech_row_text(row, ECH_CATCOL_group));
    t->sku_line[k] = row->line;
    cat->n = k + 1;
    ech_id_map_put(&t->sku_ids, cat->id, k);
    return ECH_OK;
}

ech_status ech_skus_finish(ech_table_loader *t, const char *where, long line, const char *key,
                           ech_error *err)
{
    if (t->sc->cat.n == 0)
        return ech_fail_at(err, where, line, key, "no SKUs: the catalogue needs at least one");
    return subst_groups_finish(t, where, err);
}

/* ------------------------------------------------------------------------------
 * Assortment
 * ------------------------------------------------------------------------------ */

/* A row's column that may only be given together with another. */
static ech_status only_with(const ech_row *row, int column, int other, ech_error *err)
{
    if (ech_row_text(row, column) && !ech_row_text(row, other))
        return ech_row_fail(row, column, err, "only allowed together with %s%s",
                            row->field_prefix ? row->field_prefix : "", row->columns[other].name);
    return ECH_OK;
}

/* The demand columns of assortment row x. */
static ech_status assortment_demand(ech_scenario *sc, const ech_row *row, int64_t x, int32_t loc,
                                    ech_error *err)
{
    ech_skulocs *sl = &sc->sl;
    const ech_table *tab = &ech_skuloc_table;
    double mean = 0.0, var_ratio = 1.0, zero_prob = 0.0;
    int has_mean = 0, has_ratio = 0, has_zero = 0;
    ech_status st;
    if ((st = ech_row_double(row, ECH_SLCOL_demand_mean, &mean, &has_mean, err)) ||
        (st = ech_row_double(row, ECH_SLCOL_demand_var_ratio, &var_ratio, &has_ratio, err)) ||
        (st = ech_row_double(row, ECH_SLCOL_demand_zero_prob, &zero_prob, &has_zero, err)))
        return st;
    const char *dist_text = ech_row_text(row, ECH_SLCOL_demand_dist);
    int dist = dist_text ? ech_enum_parse(&ech_demand_dist_enum, dist_text) : -1;
    if (dist_text && dist != ECH_DEMAND_POISSON && dist != ECH_DEMAND_NEGBIN)
        return ech_row_fail(row, ECH_SLCOL_demand_dist, err, "'%s' is not one of: poisson, negbin",
                            dist_text);
    if ((st = only_with(row, ECH_SLCOL_demand_dist, ECH_SLCOL_demand_mean, err)) ||
        (st = only_with(row, ECH_SLCOL_demand_var_ratio, ECH_SLCOL_demand_mean, err)) ||
        (st = only_with(row, ECH_SLCOL_demand_zero_prob, ECH_SLCOL_demand_mean, err)))
        return st;
    if (!has_mean)
        return ECH_OK; /* not a demand point (the defaults) */
    if (sc->net.kind[loc] != ECH_LOC_RETAIL)
        return ech_row_fail(row, ECH_SLCOL_demand_mean, err,
                            "'%s' is a %s, and customer demand arises only at retail "
                            "locations: leave demand_mean empty",
                            sc->net.id[loc],
                            ech_enum_word(&ech_location_kind_enum, sc->net.kind[loc]));
    if ((st = ech_table_check_value(tab, ECH_SLCOL_demand_mean, mean, row, err)) ||
        (has_ratio &&
         (st = ech_table_check_value(tab, ECH_SLCOL_demand_var_ratio, var_ratio, row, err))) ||
        (has_zero &&
         (st = ech_table_check_value(tab, ECH_SLCOL_demand_zero_prob, zero_prob, row, err))))
        return st;
    if (dist < 0)
        dist = has_ratio && var_ratio > 1.0 ? ECH_DEMAND_NEGBIN : ECH_DEMAND_POISSON;
    if (dist == ECH_DEMAND_NEGBIN && !(var_ratio > 1.0))
        return ech_row_fail(row, has_ratio ? ECH_SLCOL_demand_var_ratio : ECH_SLCOL_demand_dist,
                            err, "negbin demand needs demand_var_ratio > 1");
    if (dist == ECH_DEMAND_POISSON && var_ratio > 1.0)
        return ech_row_fail(row, ECH_SLCOL_demand_var_ratio, err,
                            "a ratio > 1 needs demand_dist negbin (poisson has variance = mean)");
    sl->demand_dist[x] = (uint8_t)dist;
    sl->demand_mean[x] = mean;
    sl->demand_var_ratio[x] = var_ratio;
    sl->demand_zero_prob[x] = zero_prob;
    return ECH_OK;
}

/* The profiles of assortment row x (its trend is a generic column); only at a
 * demand point. */
static ech_status assortment_profiles(ech_table_loader *t, const ech_row *row, int64_t x,
                                      ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_skulocs *sl = &sc->sl;
    ech_status st;
    if ((st = only_with(row, ECH_SLCOL_season_profile, ECH_SLCOL_demand_mean, err)) ||
        (st = only_with(row, ECH_SLCOL_weekly_profile, ECH_SLCOL_demand_mean, err)) ||
        (st = only_with(row, ECH_SLCOL_trend_per_year, ECH_SLCOL_demand_mean, err)) ||
        (st = profile_column(row, ECH_SLCOL_season_profile, sc->seasons.name, sc->seasons.n,
                             &t->season_ids, "season", -1, &sl->season_profile[x], err)) ||
        (st = profile_column(row, ECH_SLCOL_weekly_profile, sc->weeklies.name, sc->weeklies.n,
                             &t->weekly_ids, "weekly", -1, &sl->weekly_profile[x], err)))
        return st;
    return ECH_OK;
}

/* The targets of assortment row x (the policy, review period, MOQ and display
 * minimum are generic columns). */
static ech_status assortment_targets(ech_scenario *sc, const ech_row *row, int64_t x,
                                     ech_error *err)
{
    ech_skulocs *sl = &sc->sl;
    const ech_table *tab = &ech_skuloc_table;
    int32_t up_to = -1, reorder = -1;
    int has_up_to = 0, has_reorder = 0;
    ech_status st;
    if ((st = ech_row_int(row, ECH_SLCOL_order_up_to, &up_to, &has_up_to, err)) ||
        (st = ech_row_int(row, ECH_SLCOL_reorder_point, &reorder, &has_reorder, err)))
        return st;
    if (has_up_to && (st = ech_table_check_value(tab, ECH_SLCOL_order_up_to, up_to, row, err)))
        return st;
    if (has_reorder) {
        if (!has_up_to)
            return ech_row_fail(row, ECH_SLCOL_reorder_point, err,
                                "only allowed together with %sorder_up_to",
                                row->field_prefix ? row->field_prefix : "");
        if (sl->policy[x] == ECH_POLICY_BASE_STOCK)
            return ech_row_fail(row, ECH_SLCOL_reorder_point, err,
                                "only for policy s_S (base_stock reorders below order_up_to)");
        if (reorder < -1 || reorder >= up_to)
            return ech_row_fail(row, ECH_SLCOL_reorder_point, err,
                                "must be >= -1 and below order_up_to (%d), got %d", up_to, reorder);
    }
    sl->order_up_to[x] = has_up_to ? up_to : -1;
    sl->reorder_point[x] = has_reorder ? reorder : ECH_REORDER_NOT_GIVEN;
    return ECH_OK;
}

/* The SKU and location an assortment-shaped row names: the SKU must exist; *loc is
 * -1 for an unknown location (the caller says what that means). */
static ech_status row_sku_location(ech_table_loader *t, const ech_row *row, int32_t *sku,
                                   int32_t *loc, ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_status st;
    if ((st = ech_row_require(row, ECH_SLCOL_sku, err)) != ECH_OK ||
        (st = ech_row_require(row, ECH_SLCOL_location, err)) != ECH_OK)
        return st;
    const char *sku_id = ech_row_text(row, ECH_SLCOL_sku);
    ech_id_map_sync(&t->sku_ids, sc->cat.id, sc->cat.n);
    ech_id_map_sync(&t->loc_ids, sc->net.id, sc->net.n);
    *sku = ech_id_map_find(&t->sku_ids, sc->cat.id, sku_id);
    if (*sku < 0)
        return ech_row_fail(row, ECH_SLCOL_sku, err, "unknown SKU '%s'", sku_id);
    *loc = ech_id_map_find(&t->loc_ids, sc->net.id, ech_row_text(row, ECH_SLCOL_location));
    return ECH_OK;
}

ech_status ech_assortment_row(ech_table_loader *t, const ech_row *row, ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_skulocs *sl = &sc->sl;
    ech_status st;
    int32_t sku = -1, loc = -1;
    if ((st = row_sku_location(t, row, &sku, &loc, err)) != ECH_OK)
        return st;
    const char *sku_id = ech_row_text(row, ECH_SLCOL_sku);
    const char *loc_id = ech_row_text(row, ECH_SLCOL_location);
    if (loc < 0)
        return ech_row_fail(row, ECH_SLCOL_location, err, "unknown location '%s'", loc_id);
    int64_t prev = ech_pair_map_find(&t->pairs, ech_pair_key(sku, loc));
    if (prev >= 0)
        return ech_row_fail(row, ECH_SLCOL_location, err,
                            "SKU '%s' is listed twice at '%s' (first on line %lld)", sku_id, loc_id,
                            (long long)sl->source_line[prev]);

    ech_table_reserve(&ech_skuloc_table, sl, sl->n + 1, &t->sl_cap);
    int64_t x = sl->n;
    if ((st = ech_table_read_row(&ech_skuloc_table, sl, x, row, err)) != ECH_OK ||
        (st = assortment_demand(sc, row, x, loc, err)) != ECH_OK ||
        (st = assortment_profiles(t, row, x, err)) != ECH_OK ||
        (st = assortment_targets(sc, row, x, err)) != ECH_OK)
        return st;
    sl->sku[x] = sku;
    sl->location[x] = loc;
    sl->source_line[x] = row->line;
    if (!sl->source)
        sl->source = ech_xstrdup(row->path, "assortment file");
    sl->n = x + 1;
    ech_pair_map_put(&t->pairs, ech_pair_key(sku, loc), x);
    return ECH_OK;
}

ech_status ech_assortment_finish(ech_table_loader *t, const char *where, long line, const char *key,
                                 ech_error *err)
{
    if (t->sc->sl.n == 0)
        return ech_fail_at(err, where, line, key, "no assortment rows: no SKU is stocked anywhere");
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Demand models over the assortment's (catalogue.demand_file)
 * ------------------------------------------------------------------------------ */

/* The columns a demand file may give: the demand model's. */
static int demand_column(int c)
{
    return c == ECH_SLCOL_sku || c == ECH_SLCOL_location || c == ECH_SLCOL_demand_mean ||
           c == ECH_SLCOL_demand_dist || c == ECH_SLCOL_demand_var_ratio ||
           c == ECH_SLCOL_demand_zero_prob || c == ECH_SLCOL_trend_per_year ||
           c == ECH_SLCOL_season_profile || c == ECH_SLCOL_weekly_profile;
}

/* One row of a demand file: the SKU-location's whole demand model (what the row
 * leaves empty takes its default). */
static ech_status demand_row(ech_table_loader *t, const ech_row *row, const uint8_t *has_child,
                             long *seen, ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_skulocs *sl = &sc->sl;
    ech_status st;
    for (int c = 0; c < row->n_columns; ++c)
        if (ech_row_text(row, c) && !demand_column(c))
            return ech_row_fail(row, c, err,
                                "not a demand column: a demand file gives sku, location, "
                                "demand_mean, demand_dist, demand_var_ratio, demand_zero_prob, "
                                "trend_per_year, seasonality and weekly_profile");
    int32_t sku = -1, loc = -1;
    if ((st = row_sku_location(t, row, &sku, &loc, err)) ||
        (st = ech_row_require(row, ECH_SLCOL_demand_mean, err)))
        return st;
    const char *sku_id = ech_row_text(row, ECH_SLCOL_sku);
    const char *loc_id = ech_row_text(row, ECH_SLCOL_location);
    /* A network variant leaves out its base's rows of closed locations and of
     * SKU-locations it no longer stocks. */
    for (int32_t i = 0; loc < 0 && i < sc->sources.n_closed_locations; ++i)
        if (strcmp(sc->sources.closed_locations[i], loc_id) == 0)
            return ECH_OK;
    if (loc < 0)
        return ech_row_fail(row, ECH_SLCOL_location, err, "unknown location '%s'", loc_id);
    int64_t x = ech_scenario_find_skuloc(sc, sku, loc);
    if (x < 0 && sc->sources.network_variant)
        return ECH_OK;
    if (x < 0)
        return ech_row_fail(row, ECH_SLCOL_location, err,
                            "SKU '%s' is not in the assortment at '%s'", sku_id, loc_id);
    if (seen[x])
        return ech_row_fail(row, ECH_SLCOL_location, err,
                            "SKU '%s' at '%s' is listed twice (first on line %ld)", sku_id, loc_id,
                            seen[x]);
    seen[x] = row->line;
    if (sl->demand_dist[x] == ECH_DEMAND_REPLAY)
        return ech_row_fail(row, ECH_SLCOL_location, err,
                            "SKU '%s' at '%s' replays its demand from the history file: give it "
                            "a demand model or a history, not both",
                            sku_id, loc_id);
    if (has_child[x])
        return ech_row_fail(row, ECH_SLCOL_location, err,
                            "SKU '%s' at '%s' supplies other locations, and customer demand "
                            "arises only where a SKU goes no further",
                            sku_id, loc_id);
    double trend = NAN;
    int has_trend = 0;
    if ((st = assortment_demand(sc, row, x, loc, err)) ||
        (st = assortment_profiles(t, row, x, err)) ||
        (st = ech_row_double(row, ECH_SLCOL_trend_per_year, &trend, &has_trend, err)) ||
        (has_trend && (st = ech_table_check_value(&ech_skuloc_table, ECH_SLCOL_trend_per_year,
                                                  trend, row, err))))
        return st;
    sl->trend_per_year[x] = has_trend ? trend : NAN;
    return ECH_OK;
}

ech_status ech_demand_load_csv(ech_scenario *sc, const char *path, ech_error *err)
{
    ech_csv *r;
    ech_status st = ech_csv_open(&r, path, ech_skuloc_table.csv, ech_skuloc_table.n_columns, err);
    if (st != ECH_OK)
        return st;
    ech_skulocs *sl = &sc->sl;
    size_t n = (size_t)(sl->n > 0 ? sl->n : 1);
    uint8_t *has_child = ech_xcalloc(n, 1, "demand points");
    long *seen = ech_xcalloc(n, sizeof *seen, "demand rows");
    for (int64_t x = 0; x < sl->n; ++x)
        if (sl->parent[x] >= 0)
            has_child[sl->parent[x]] = 1;
    ech_table_loader *t = ech_table_loader_new(sc);
    const ech_row *row;
    while ((st = ech_csv_next(r, &row, err)) == ECH_OK && row)
        if ((st = demand_row(t, row, has_child, seen, err)) != ECH_OK)
            break;
    ech_table_loader_free(t);
    free(has_child);
    free(seen);
    ech_csv_close(r);
    return st;
}

/* ------------------------------------------------------------------------------
 * Whole files
 * ------------------------------------------------------------------------------ */

typedef ech_status (*row_fn)(ech_table_loader *t, const ech_row *row, ech_error *err);
typedef ech_status (*finish_fn)(ech_table_loader *t, const char *where, long line, const char *key,
                                ech_error *err);

static ech_status load_table(ech_table_loader *t, const char *path, const ech_table *table,
                             row_fn add, finish_fn finish, ech_error *err)
{
    ech_csv *r;
    ech_status st = ech_csv_open(&r, path, table->csv, table->n_columns, err);
    if (st != ECH_OK)
        return st;
    const ech_row *row;
    while ((st = ech_csv_next(r, &row, err)) == ECH_OK && row)
        if ((st = add(t, row, err)) != ECH_OK)
            break;
    ech_csv_close(r);
    if (st != ECH_OK)
        return st;
    return finish(t, path, 0, NULL, err);
}

ech_status ech_locations_load_csv(ech_table_loader *t, const char *path, ech_error *err)
{
    return load_table(t, path, &ech_network_table, ech_location_row, ech_locations_finish, err);
}

ech_status ech_skus_load_csv(ech_table_loader *t, const char *path, ech_error *err)
{
    return load_table(t, path, &ech_catalogue_table, ech_sku_row, ech_skus_finish, err);
}

ech_status ech_assortment_load_csv(ech_table_loader *t, const char *path, ech_error *err)
{
    return load_table(t, path, &ech_skuloc_table, ech_assortment_row, ech_assortment_finish, err);
}
