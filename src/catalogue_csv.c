/* Tables of a scenario: row checks and CSV loaders; see include/echelon/catalogue_csv.h.
 *
 * Ids are looked up through small open-addressing hash indexes rather than the
 * linear ech_scenario_find_* functions: an assortment extract can have millions of
 * rows naming tens of thousands of SKUs.
 */
#include "echelon/catalogue_csv.h"
#include "echelon/rng.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECH_COLUMN_SPEC(sym, name, req) {name, req},
const ech_csv_column ech_location_columns[ECH_LOCCOL_COUNT] = {
    ECH_LOCATION_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_sku_columns[ECH_SKUCOL_COUNT] = {ECH_SKU_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_assortment_columns[ECH_ASSCOL_COUNT] = {
    ECH_ASSORTMENT_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_on_hand_columns[ECH_OHCOL_COUNT] = {
    ECH_ON_HAND_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_open_order_columns[ECH_OOCOL_COUNT] = {
    ECH_OPEN_ORDER_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_history_columns[ECH_HISTCOL_COUNT] = {
    ECH_HISTORY_COLUMNS(ECH_COLUMN_SPEC)};
#undef ECH_COLUMN_SPEC

/* Every table fits the inline-row struct of the scenario file's schema. */
_Static_assert((int)ECH_LOCCOL_COUNT <= (int)ECH_TABLE_MAX_COLUMNS, "too many location columns");
_Static_assert((int)ECH_SKUCOL_COUNT <= (int)ECH_TABLE_MAX_COLUMNS, "too many SKU columns");
_Static_assert((int)ECH_ASSCOL_COUNT <= (int)ECH_TABLE_MAX_COLUMNS, "too many assortment columns");

static const char *const kind_names[] = {"cw", "dc", "retail", NULL};
static const char *const storage_names[] = {"ambient", "cold", NULL};
static const char *const handling_names[] = {"normal", "controlled", NULL};
static const char *const substitution_names[] = {"unique", "generic", NULL};
static const char *const demand_dist_names[] = {"poisson", "negbin", NULL};
static const char *const policy_names[] = {"base_stock", "s_S", NULL};
static const char *const alt_rule_names[] = {"switch", "split", NULL}; /* ECH_ALT_SWITCH.. */

/* Lead times and review offsets longer than ten years are typing errors. */
enum { MAX_DAYS = 3650 };

/* ------------------------------------------------------------------------------
 * Hash indexes
 * ------------------------------------------------------------------------------ */

/* Id -> index into an array of strings that the caller passes on every call (the
 * array may move as it grows; the index stores positions, not pointers). */
typedef struct id_map {
    int32_t *slot; /* -1 = empty */
    size_t mask;
    size_t count;
} id_map;

static void id_map_free(id_map *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static void id_map_put(id_map *m, char *const *keys, int32_t index);

static void id_map_grow(id_map *m, char *const *keys)
{
    size_t cap = m->slot ? 2 * (m->mask + 1) : 64;
    int32_t *old = m->slot;
    size_t old_cap = old ? m->mask + 1 : 0;
    m->slot = ech_xmalloc(cap * sizeof *m->slot, "id index");
    for (size_t i = 0; i < cap; ++i)
        m->slot[i] = -1;
    m->mask = cap - 1;
    m->count = 0;
    for (size_t i = 0; i < old_cap; ++i)
        if (old[i] >= 0)
            id_map_put(m, keys, old[i]);
    free(old);
}

static void id_map_put(id_map *m, char *const *keys, int32_t index)
{
    if (!m->slot || 2 * (m->count + 1) > m->mask + 1)
        id_map_grow(m, keys);
    size_t h = (size_t)ech_hash_string(keys[index]) & m->mask;
    while (m->slot[h] >= 0)
        h = (h + 1) & m->mask;
    m->slot[h] = index;
    m->count++;
}

static int32_t id_map_find(const id_map *m, char *const *keys, const char *key)
{
    if (!m->slot)
        return -1;
    size_t h = (size_t)ech_hash_string(key) & m->mask;
    while (m->slot[h] >= 0) {
        if (strcmp(keys[m->slot[h]], key) == 0)
            return m->slot[h];
        h = (h + 1) & m->mask;
    }
    return -1;
}

/* Rebuilds the index unless it already holds all n keys (tables may come from the
 * generator rather than through the row functions). */
static void id_map_sync(id_map *m, char *const *keys, int32_t n)
{
    if ((size_t)n == m->count)
        return;
    id_map_free(m);
    for (int32_t i = 0; i < n; ++i)
        id_map_put(m, keys, i);
}

/* (SKU, location) -> assortment row. */
typedef struct pair_map {
    uint64_t *key; /* UINT64_MAX = empty */
    int64_t *val;
    size_t mask;
    size_t count;
} pair_map;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static void pair_map_free(pair_map *m)
{
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

static void pair_map_put(pair_map *m, uint64_t key, int64_t val);

static void pair_map_grow(pair_map *m)
{
    size_t old_cap = m->key ? m->mask + 1 : 0;
    uint64_t *old_key = m->key;
    int64_t *old_val = m->val;
    size_t cap = old_cap ? 2 * old_cap : 1024;
    m->key = ech_xmalloc(cap * sizeof *m->key, "assortment index");
    m->val = ech_xmalloc(cap * sizeof *m->val, "assortment index");
    memset(m->key, 0xff, cap * sizeof *m->key);
    m->mask = cap - 1;
    m->count = 0;
    for (size_t i = 0; i < old_cap; ++i)
        if (old_key[i] != UINT64_MAX)
            pair_map_put(m, old_key[i], old_val[i]);
    free(old_key);
    free(old_val);
}

static void pair_map_put(pair_map *m, uint64_t key, int64_t val)
{
    if (!m->key || 2 * (m->count + 1) > m->mask + 1)
        pair_map_grow(m);
    size_t h = (size_t)mix64(key) & m->mask;
    while (m->key[h] != UINT64_MAX)
        h = (h + 1) & m->mask;
    m->key[h] = key;
    m->val[h] = val;
    m->count++;
}

static int64_t pair_map_find(const pair_map *m, uint64_t key)
{
    if (!m->key)
        return -1;
    size_t h = (size_t)mix64(key) & m->mask;
    while (m->key[h] != UINT64_MAX) {
        if (m->key[h] == key)
            return m->val[h];
        h = (h + 1) & m->mask;
    }
    return -1;
}

static uint64_t pair_key(int32_t sku, int32_t loc)
{
    return (uint64_t)(uint32_t)sku << 32 | (uint32_t)loc;
}

/* ------------------------------------------------------------------------------
 * The loader
 * ------------------------------------------------------------------------------ */

struct ech_table_loader {
    ech_scenario *sc;

    /* Locations: where each row came from, for checks after the last row. */
    int32_t loc_cap;
    int32_t loc_rows;       /* rows added through ech_location_row */
    id_map loc_ids;
    char *loc_path;
    char **loc_parent;      /* parent id as given; NULL for the root */
    char **loc_prefix;      /* field prefix of inline rows; NULL for CSV rows */
    long *loc_line;
    long *loc_parent_line;
    long *loc_kind_line;

    int32_t sku_cap;
    id_map sku_ids;
    long *sku_line;
    id_map site_ids;
    int32_t *first_site;    /* per supplier: its first site (built with the first SKU row) */
    int32_t seg_cap;
    id_map seg_ids;

    int64_t sl_cap;
    pair_map pairs;
    long *sl_line;
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
    id_map_free(&t->loc_ids);
    id_map_free(&t->sku_ids);
    free(t->sku_line);
    id_map_free(&t->site_ids);
    free(t->first_site);
    id_map_free(&t->seg_ids);
    pair_map_free(&t->pairs);
    free(t->sl_line);
    free(t);
}

#define GROW(ptr, cap, what) (ptr) = ech_xrealloc((ptr), (size_t)(cap) * sizeof *(ptr), what)

/* ------------------------------------------------------------------------------
 * Locations
 * ------------------------------------------------------------------------------ */

static void locations_reserve(ech_table_loader *t)
{
    ech_network *net = &t->sc->net;
    if (net->n < t->loc_cap)
        return;
    int32_t cap = t->loc_cap ? 2 * t->loc_cap : 64;
    GROW(net->id, cap, "location ids");
    GROW(net->name, cap, "location names");
    GROW(net->kind, cap, "location kinds");
    GROW(net->parent, cap, "location parents");
    GROW(net->lead_time_days, cap, "location lead times");
    GROW(net->priority, cap, "location priorities");
    GROW(net->review_offset, cap, "location review offsets");
    GROW(net->cold_capacity_litres, cap, "location cold-room capacities");
    GROW(t->loc_parent, cap, "location parent ids");
    GROW(t->loc_prefix, cap, "location row names");
    GROW(t->loc_line, cap, "location lines");
    GROW(t->loc_parent_line, cap, "location lines");
    GROW(t->loc_kind_line, cap, "location lines");
    t->loc_cap = cap;
}

ech_status ech_location_row(ech_table_loader *t, const ech_row *row, ech_error *err)
{
    ech_network *net = &t->sc->net;
    ech_status st;
    if ((st = ech_row_require(row, ECH_LOCCOL_ID, err)) != ECH_OK)
        return st;
    const char *id = ech_row_text(row, ECH_LOCCOL_ID);
    id_map_sync(&t->loc_ids, net->id, net->n);
    int32_t prev = id_map_find(&t->loc_ids, net->id, id);
    if (prev >= 0)
        return ech_row_fail(row, ECH_LOCCOL_ID, err, "duplicate location id '%s' (first on line %ld)",
                            id, t->loc_line ? t->loc_line[prev] : 0L);
    const char *name = ech_row_text(row, ECH_LOCCOL_NAME);

    int kind = 0;
    if ((st = ech_row_require(row, ECH_LOCCOL_KIND, err)) != ECH_OK ||
        (st = ech_row_choice(row, ECH_LOCCOL_KIND, kind_names, &kind, NULL, err)) != ECH_OK)
        return st;

    const char *parent = ech_row_text(row, ECH_LOCCOL_PARENT);
    if (parent && strcmp(parent, id) == 0)
        return ech_row_fail(row, ECH_LOCCOL_PARENT, err, "a location cannot be its own parent");

    int32_t lead = 0;
    int has_lead = 0;
    if ((st = ech_row_int(row, ECH_LOCCOL_LEAD_TIME_DAYS, &lead, &has_lead, err)) != ECH_OK)
        return st;
    if (parent) {
        if (!has_lead)
            return ech_row_fail(row, ECH_LOCCOL_LEAD_TIME_DAYS, err,
                                "a value is required for a location with a parent (days from "
                                "'%s' to '%s')", parent, id);
        if (lead < 0 || lead > MAX_DAYS)
            return ech_row_fail(row, ECH_LOCCOL_LEAD_TIME_DAYS, err,
                                "must be between 0 and %d days, got %d", MAX_DAYS, lead);
    } else if (has_lead && lead != 0) {
        return ech_row_fail(row, ECH_LOCCOL_LEAD_TIME_DAYS, err,
                            "'%s' has no parent, so it has no inbound lane: leave the lead time "
                            "empty or 0 (the suppliers' lead times apply)", id);
    }

    int32_t priority = 0, offset = 0;
    if ((st = ech_row_int(row, ECH_LOCCOL_PRIORITY, &priority, NULL, err)) != ECH_OK)
        return st;
    if ((st = ech_row_int(row, ECH_LOCCOL_REVIEW_OFFSET, &offset, NULL, err)) != ECH_OK)
        return st;
    if (offset < 0 || offset > MAX_DAYS)
        return ech_row_fail(row, ECH_LOCCOL_REVIEW_OFFSET, err,
                            "must be between 0 and %d days, got %d", MAX_DAYS, offset);
    double cold = 0.0;
    if ((st = ech_row_double(row, ECH_LOCCOL_COLD_CAPACITY_LITRES, &cold, NULL, err)) != ECH_OK)
        return st;
    if (!(cold >= 0.0))
        return ech_row_fail(row, ECH_LOCCOL_COLD_CAPACITY_LITRES, err,
                            "must be >= 0 (litres of cold-room volume; 0 = none declared), got %s",
                            ech_row_text(row, ECH_LOCCOL_COLD_CAPACITY_LITRES));

    locations_reserve(t);
    int32_t i = net->n;
    net->id[i] = ech_xstrdup(id, "location id");
    net->name[i] = ech_xstrdup(name ? name : id, "location name");
    net->kind[i] = (uint8_t)kind;
    net->parent[i] = -1;
    net->lead_time_days[i] = parent ? lead : 0;
    net->priority[i] = priority;
    net->review_offset[i] = offset;
    net->cold_capacity_litres[i] = cold;
    t->loc_parent[i] = parent ? ech_xstrdup(parent, "parent id") : NULL;
    t->loc_prefix[i] = row->field_prefix ? ech_xstrdup(row->field_prefix, "row name") : NULL;
    t->loc_line[i] = row->line;
    t->loc_parent_line[i] = ech_row_line(row, ECH_LOCCOL_PARENT);
    t->loc_kind_line[i] = ech_row_line(row, ECH_LOCCOL_KIND);
    if (!t->loc_path)
        t->loc_path = ech_xstrdup(row->path, "location file");
    net->n = i + 1;
    t->loc_rows = net->n;
    id_map_put(&t->loc_ids, net->id, i);
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
             ech_location_columns[column].name);
    long line = column == ECH_LOCCOL_PARENT ? t->loc_parent_line[i]
              : column == ECH_LOCCOL_KIND   ? t->loc_kind_line[i]
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

ech_status ech_locations_finish(ech_table_loader *t, const char *where, long line,
                                const char *key, ech_error *err)
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
        int32_t p = id_map_find(&t->loc_ids, net->id, t->loc_parent[i]);
        if (p < 0)
            return location_fail(t, i, ECH_LOCCOL_PARENT, err,
                                 "'%s' is not a location of this network", t->loc_parent[i]);
        net->parent[i] = p;
    }
    int32_t root = -1;
    for (int32_t i = 0; i < n; ++i) {
        int32_t p = net->parent[i];
        if (p >= 0 && net->kind[p] == ECH_LOC_RETAIL)
            return location_fail(t, i, ECH_LOCCOL_PARENT, err,
                                 "'%s' is a retail location, and retail locations supply no "
                                 "one: stock moves down from the cw and dcs only",
                                 net->id[p]);
        if (p >= 0 && net->kind[i] == ECH_LOC_CW)
            return location_fail(t, i, ECH_LOCCOL_KIND, err,
                                 "'%s' has a parent, so it cannot be of kind cw: the central "
                                 "warehouse is the root of the network", net->id[i]);
        if (p < 0) {
            if (root >= 0)
                return location_fail(t, i, ECH_LOCCOL_PARENT, err,
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
        return location_fail(t, c, ECH_LOCCOL_PARENT, err,
                             "'%s' is on a cycle of parents: %s", net->id[c], chain);
    }
    if (root < 0) /* unreachable: no root means a cycle */
        return ech_fail_at(err, where, line, key, "the network has no root");
    if (net->kind[root] != ECH_LOC_CW)
        return location_fail(t, root, ECH_LOCCOL_KIND, err,
                             "'%s' has no parent, so it is the root of the network and must be "
                             "of kind cw, not %s", net->id[root], kind_names[net->kind[root]]);
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * SKUs
 * ------------------------------------------------------------------------------ */

static void skus_reserve(ech_table_loader *t)
{
    ech_catalogue *cat = &t->sc->cat;
    if (cat->n < t->sku_cap)
        return;
    int32_t cap = t->sku_cap ? 2 * t->sku_cap : 256;
    GROW(cat->id, cap, "SKU ids");
    GROW(cat->name, cap, "SKU names");
    GROW(cat->unit_cost, cap, "SKU unit costs");
    GROW(cat->unit_price, cap, "SKU unit prices");
    GROW(cat->pack_size, cap, "SKU pack sizes");
    GROW(cat->supplier, cap, "SKU suppliers");
    GROW(cat->site, cap, "SKU sites");
    GROW(cat->alt_site, cap, "SKU alternative sources");
    GROW(cat->alt_rule, cap, "SKU alternative rules");
    GROW(cat->alt_split, cap, "SKU alternative splits");
    GROW(cat->alt_premium, cap, "SKU alternative premiums");
    GROW(cat->shelf_life_days, cap, "SKU shelf lives");
    GROW(cat->receipt_life_min, cap, "SKU receipt lives");
    GROW(cat->receipt_life_max, cap, "SKU receipt lives");
    GROW(cat->unit_volume_litres, cap, "SKU unit volumes");
    GROW(cat->cw_reserved_units, cap, "SKU reserved units");
    GROW(cat->storage, cap, "SKU storage classes");
    GROW(cat->handling, cap, "SKU handling classes");
    GROW(cat->substitution, cap, "SKU substitution");
    GROW(cat->segment, cap, "SKU segments");
    GROW(cat->season_profile, cap, "SKU season profiles");
    GROW(cat->trend_per_year, cap, "SKU trends");
    GROW(t->sku_line, cap, "SKU lines");
    t->sku_cap = cap;
}

static int32_t segment_index(ech_table_loader *t, const char *name)
{
    ech_scenario *sc = t->sc;
    id_map_sync(&t->seg_ids, sc->segment, sc->n_segments);
    int32_t s = id_map_find(&t->seg_ids, sc->segment, name);
    if (s >= 0)
        return s;
    if (sc->n_segments == t->seg_cap) {
        t->seg_cap = t->seg_cap ? 2 * t->seg_cap : 16;
        GROW(sc->segment, t->seg_cap, "segment names");
    }
    s = sc->n_segments;
    sc->segment[s] = ech_xstrdup(name, "segment name");
    sc->n_segments = s + 1;
    id_map_put(&t->seg_ids, sc->segment, s);
    return s;
}

/* "a, b, c" of the n strings, cut short when long (for messages). */
static void join_ids(char *buf, size_t size, char *const *ids, const int32_t *which, int32_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int32_t k = 0; k < n && used + 1 < size; ++k) {
        int m = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                         ids[which ? which[k] : k]);
        used += m > 0 ? (size_t)m : 0;
    }
    if (used >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

/* Where a SKU comes from: its supplier and site, and the alternative source. */
typedef struct src_choice {
    int32_t supplier, site, alt_site;
    uint8_t alt_rule;
    double alt_split, alt_premium;
} src_choice;

static int32_t site_by_id(ech_table_loader *t, const char *id)
{
    const ech_sites *si = &t->sc->sites;
    id_map_sync(&t->site_ids, si->id, si->n);
    return id_map_find(&t->site_ids, si->id, id);
}

static int32_t first_site_of(ech_table_loader *t, int32_t supplier)
{
    const ech_scenario *sc = t->sc;
    if (!t->first_site) {
        t->first_site = ech_xmalloc((size_t)(sc->suppliers.n > 0 ? sc->suppliers.n : 1) *
                                    sizeof *t->first_site, "first sites");
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

/* Reads the supplier, site and alternative-source columns of a SKU row. */
static ech_status sku_sources(ech_table_loader *t, const ech_row *row, src_choice *out,
                              ech_error *err)
{
    const ech_scenario *sc = t->sc;
    const ech_sites *si = &sc->sites;
    char list[512];
    ech_status st;
    *out = (src_choice){.supplier = -1, .site = -1, .alt_site = -1, .alt_rule = ECH_ALT_NONE};

    const char *sup = ech_row_text(row, ECH_SKUCOL_SUPPLIER);
    const char *site = ech_row_text(row, ECH_SKUCOL_SITE);
    if (sup) {
        out->supplier = ech_scenario_find_supplier(sc, sup);
        if (out->supplier < 0) {
            join_ids(list, sizeof list, sc->suppliers.id, NULL, sc->suppliers.n);
            return ech_row_fail(row, ECH_SKUCOL_SUPPLIER, err,
                                "unknown supplier '%s' (the scenario's suppliers: %s)", sup, list);
        }
    }
    if (site) {
        out->site = site_by_id(t, site);
        if (out->site < 0) {
            site_list(sc, out->supplier, list, sizeof list);
            return ech_row_fail(row, ECH_SKUCOL_SITE, err, "unknown site '%s' (%s%s%s: %s)", site,
                                out->supplier >= 0 ? "the sites of supplier '" : "the scenario's sites",
                                out->supplier >= 0 ? sup : "", out->supplier >= 0 ? "'" : "", list);
        }
        int32_t owner = si->supplier[out->site];
        if (out->supplier >= 0 && owner != out->supplier) {
            site_list(sc, out->supplier, list, sizeof list);
            return ech_row_fail(row, ECH_SKUCOL_SITE, err,
                                "site '%s' belongs to supplier '%s', not to '%s' (the sites of "
                                "'%s': %s)", site, sc->suppliers.id[owner], sup, sup, list);
        }
        out->supplier = owner;
    } else {
        if (out->supplier < 0) {
            if (sc->suppliers.n != 1)
                return ech_row_fail(row, ECH_SKUCOL_SUPPLIER, err,
                                    "a value is required: the scenario has %d suppliers (or give "
                                    "the SKU's site)", sc->suppliers.n);
            out->supplier = 0;
        }
        out->site = first_site_of(t, out->supplier);
    }

    /* The alternative source: a site, or a supplier meaning its first site. */
    const char *alt_sup = ech_row_text(row, ECH_SKUCOL_ALT_SUPPLIER);
    const char *alt_site = ech_row_text(row, ECH_SKUCOL_ALT_SITE);
    if (alt_sup && alt_site)
        return ech_row_fail(row, ECH_SKUCOL_ALT_SITE, err,
                            "give only one of alt_supplier and alt_site (alt_supplier is given "
                            "too)");
    int alt_col = alt_site ? ECH_SKUCOL_ALT_SITE : ECH_SKUCOL_ALT_SUPPLIER;
    const char *alt = alt_site ? alt_site : alt_sup;
    const char *rule_text = ech_row_text(row, ECH_SKUCOL_ALT_RULE);
    if (!alt) {
        static const int only_with_alt[] = {ECH_SKUCOL_ALT_RULE, ECH_SKUCOL_ALT_SPLIT,
                                            ECH_SKUCOL_ALT_PREMIUM};
        for (size_t i = 0; i < sizeof only_with_alt / sizeof only_with_alt[0]; ++i)
            if (ech_row_text(row, only_with_alt[i]))
                return ech_row_fail(row, only_with_alt[i], err,
                                    "only allowed with an alternative source (%salt_site or "
                                    "alt_supplier)", row->field_prefix ? row->field_prefix : "");
        return ECH_OK;
    }
    int subst = ECH_SUBST_UNIQUE;
    if ((st = ech_row_choice(row, ECH_SKUCOL_SUBSTITUTION, substitution_names, &subst, NULL,
                             err)) != ECH_OK)
        return st;
    if (subst != ECH_SUBST_GENERIC)
        return ech_row_fail(row, alt_col, err,
                            "SKU '%s' is unique (substitution) and cannot have an alternative "
                            "source: only a SKU with substitution generic can",
                            ech_row_text(row, ECH_SKUCOL_ID));
    out->alt_site = site_by_id(t, alt);
    if (out->alt_site < 0) {
        int32_t s = ech_scenario_find_supplier(sc, alt);
        if (s < 0)
            return ech_row_fail(row, alt_col, err, "no site or supplier named '%s'", alt);
        out->alt_site = first_site_of(t, s);
    }
    if (out->alt_site == out->site)
        return ech_row_fail(row, alt_col, err,
                            "'%s' is the SKU's own site '%s': the alternative source must be "
                            "another site", alt, si->id[out->site]);
    int rule = 0;
    if (!rule_text)
        return ech_row_fail(row, ECH_SKUCOL_ALT_RULE, err,
                            "a value is required with an alternative source (switch or split)");
    if ((st = ech_row_choice(row, ECH_SKUCOL_ALT_RULE, alt_rule_names, &rule, NULL, err)) != ECH_OK)
        return st;
    out->alt_rule = (uint8_t)(rule == 0 ? ECH_ALT_SWITCH : ECH_ALT_SPLIT);
    int has_split = 0;
    if ((st = ech_row_double(row, ECH_SKUCOL_ALT_SPLIT, &out->alt_split, &has_split, err)) != ECH_OK)
        return st;
    if (out->alt_rule == ECH_ALT_SPLIT) {
        if (!has_split)
            return ech_row_fail(row, ECH_SKUCOL_ALT_SPLIT, err,
                                "a value is required with alt_rule split (the share of each "
                                "order placed with the alternative)");
        if (!(out->alt_split > 0.0 && out->alt_split < 1.0))
            return ech_row_fail(row, ECH_SKUCOL_ALT_SPLIT, err, "must be a share in (0, 1), got %s",
                                ech_row_text(row, ECH_SKUCOL_ALT_SPLIT));
    } else if (has_split) {
        return ech_row_fail(row, ECH_SKUCOL_ALT_SPLIT, err, "only allowed with alt_rule split");
    }
    if ((st = ech_row_double(row, ECH_SKUCOL_ALT_PREMIUM, &out->alt_premium, NULL, err)) != ECH_OK)
        return st;
    if (!(out->alt_premium >= 0.0))
        return ech_row_fail(row, ECH_SKUCOL_ALT_PREMIUM, err,
                            "must be >= 0 (a fraction of unit cost), got %s",
                            ech_row_text(row, ECH_SKUCOL_ALT_PREMIUM));
    return ECH_OK;
}

/* The remaining shelf life at receipt from the supplier, as fractions of the shelf
 * life: both columns or neither (NaN: the scenario's expiry.receipt_life). */
static ech_status sku_receipt_life(const ech_row *row, double life[2], ech_error *err)
{
    static const int col[2] = {ECH_SKUCOL_RECEIPT_LIFE_MIN, ECH_SKUCOL_RECEIPT_LIFE_MAX};
    int given[2] = {0, 0};
    ech_status st;
    for (int i = 0; i < 2; ++i) {
        if ((st = ech_row_double(row, col[i], &life[i], &given[i], err)) != ECH_OK)
            return st;
        if (given[i] && !(life[i] > 0.0 && life[i] <= 1.0))
            return ech_row_fail(row, col[i], err,
                                "must be a fraction of the shelf life in (0, 1], got %s",
                                ech_row_text(row, col[i]));
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

ech_status ech_sku_row(ech_table_loader *t, const ech_row *row, ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_catalogue *cat = &sc->cat;
    ech_status st;
    if ((st = ech_row_require(row, ECH_SKUCOL_ID, err)) != ECH_OK)
        return st;
    const char *id = ech_row_text(row, ECH_SKUCOL_ID);
    id_map_sync(&t->sku_ids, cat->id, cat->n);
    int32_t prev = id_map_find(&t->sku_ids, cat->id, id);
    if (prev >= 0)
        return ech_row_fail(row, ECH_SKUCOL_ID, err, "duplicate SKU id '%s' (first on line %ld)", id,
                            t->sku_line ? t->sku_line[prev] : 0L);
    const char *name = ech_row_text(row, ECH_SKUCOL_NAME);

    double cost = 0.0, price = 0.0, trend = 0.0;
    if ((st = ech_row_require(row, ECH_SKUCOL_UNIT_COST, err)) != ECH_OK ||
        (st = ech_row_double(row, ECH_SKUCOL_UNIT_COST, &cost, NULL, err)) != ECH_OK)
        return st;
    if (!(cost > 0.0))
        return ech_row_fail(row, ECH_SKUCOL_UNIT_COST, err, "must be > 0, got %s",
                            ech_row_text(row, ECH_SKUCOL_UNIT_COST));
    if ((st = ech_row_require(row, ECH_SKUCOL_UNIT_PRICE, err)) != ECH_OK ||
        (st = ech_row_double(row, ECH_SKUCOL_UNIT_PRICE, &price, NULL, err)) != ECH_OK)
        return st;
    if (price < 0.0)
        return ech_row_fail(row, ECH_SKUCOL_UNIT_PRICE, err, "must be >= 0, got %s",
                            ech_row_text(row, ECH_SKUCOL_UNIT_PRICE));

    int32_t pack = 1, shelf = 0;
    if ((st = ech_row_int(row, ECH_SKUCOL_PACK_SIZE, &pack, NULL, err)) != ECH_OK)
        return st;
    if (pack < 1)
        return ech_row_fail(row, ECH_SKUCOL_PACK_SIZE, err, "must be >= 1 (units per pack), got %d",
                            pack);

    src_choice src;
    if ((st = sku_sources(t, row, &src, err)) != ECH_OK)
        return st;

    if ((st = ech_row_int(row, ECH_SKUCOL_SHELF_LIFE_DAYS, &shelf, NULL, err)) != ECH_OK)
        return st;
    if (shelf < 0)
        return ech_row_fail(row, ECH_SKUCOL_SHELF_LIFE_DAYS, err,
                            "must be >= 0 (days; 0 = does not expire), got %d", shelf);

    int storage = ECH_STORAGE_AMBIENT, handling = ECH_HANDLING_NORMAL, subst = ECH_SUBST_UNIQUE;
    if ((st = ech_row_choice(row, ECH_SKUCOL_STORAGE, storage_names, &storage, NULL, err)) ||
        (st = ech_row_choice(row, ECH_SKUCOL_HANDLING, handling_names, &handling, NULL, err)) ||
        (st = ech_row_choice(row, ECH_SKUCOL_SUBSTITUTION, substitution_names, &subst, NULL, err)))
        return st;

    const char *season = ech_row_text(row, ECH_SKUCOL_SEASONALITY);
    int32_t profile = 0;
    if (season) {
        profile = -1;
        for (int32_t k = 0; k < sc->seasons.n; ++k)
            if (strcmp(sc->seasons.name[k], season) == 0)
                profile = k;
        if (profile < 0) {
            char list[512] = "";
            size_t used = 0;
            for (int32_t k = 0; k < sc->seasons.n && used < sizeof list; ++k) {
                int m = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                 sc->seasons.name[k]);
                used += m > 0 ? (size_t)m : 0;
            }
            return ech_row_fail(row, ECH_SKUCOL_SEASONALITY, err,
                                "unknown season profile '%s' (profiles: %s)", season, list);
        }
    }

    if ((st = ech_row_double(row, ECH_SKUCOL_TREND_PER_YEAR, &trend, NULL, err)) != ECH_OK)
        return st;
    if (!(trend > -1.0))
        return ech_row_fail(row, ECH_SKUCOL_TREND_PER_YEAR, err,
                            "must be > -1 (a yearly growth rate), got %s",
                            ech_row_text(row, ECH_SKUCOL_TREND_PER_YEAR));

    double life[2] = {NAN, NAN};
    if ((st = sku_receipt_life(row, life, err)) != ECH_OK)
        return st;
    double volume = 0.0;
    if ((st = ech_row_double(row, ECH_SKUCOL_UNIT_VOLUME_LITRES, &volume, NULL, err)) != ECH_OK)
        return st;
    if (!(volume >= 0.0))
        return ech_row_fail(row, ECH_SKUCOL_UNIT_VOLUME_LITRES, err,
                            "must be >= 0 (litres per unit), got %s",
                            ech_row_text(row, ECH_SKUCOL_UNIT_VOLUME_LITRES));
    int32_t reserved = -1;
    int has_reserved = 0;
    if ((st = ech_row_int(row, ECH_SKUCOL_CW_RESERVED_UNITS, &reserved, &has_reserved, err)) != ECH_OK)
        return st;
    if (has_reserved && reserved < 0)
        return ech_row_fail(row, ECH_SKUCOL_CW_RESERVED_UNITS, err,
                            "must be >= 0 (units; leave empty for the scenario's "
                            "supply.cw_reserve_share), got %d", reserved);

    const char *segment = ech_row_text(row, ECH_SKUCOL_SEGMENT);
    skus_reserve(t);
    int32_t k = cat->n;
    cat->id[k] = ech_xstrdup(id, "SKU id");
    cat->name[k] = ech_xstrdup(name ? name : id, "SKU name");
    cat->unit_cost[k] = cost;
    cat->unit_price[k] = price;
    cat->pack_size[k] = pack;
    cat->supplier[k] = src.supplier;
    cat->site[k] = src.site;
    cat->alt_site[k] = src.alt_site;
    cat->alt_rule[k] = src.alt_rule;
    cat->alt_split[k] = src.alt_split;
    cat->alt_premium[k] = src.alt_premium;
    cat->shelf_life_days[k] = shelf;
    cat->receipt_life_min[k] = life[0];
    cat->receipt_life_max[k] = life[1];
    cat->unit_volume_litres[k] = volume;
    cat->cw_reserved_units[k] = has_reserved ? reserved : -1;
    cat->storage[k] = (uint8_t)storage;
    cat->handling[k] = (uint8_t)handling;
    cat->substitution[k] = (uint8_t)subst;
    cat->segment[k] = segment_index(t, segment ? segment : "all");
    cat->season_profile[k] = profile;
    cat->trend_per_year[k] = trend;
    t->sku_line[k] = row->line;
    cat->n = k + 1;
    id_map_put(&t->sku_ids, cat->id, k);
    return ECH_OK;
}

ech_status ech_skus_finish(ech_table_loader *t, const char *where, long line, const char *key,
                           ech_error *err)
{
    if (t->sc->cat.n == 0)
        return ech_fail_at(err, where, line, key, "no SKUs: the catalogue needs at least one");
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Assortment
 * ------------------------------------------------------------------------------ */

static void assortment_reserve(ech_table_loader *t)
{
    ech_skulocs *sl = &t->sc->sl;
    if (sl->n < t->sl_cap)
        return;
    int64_t cap = t->sl_cap ? 2 * t->sl_cap : 1024;
    GROW(sl->sku, cap, "skuloc SKUs");
    GROW(sl->location, cap, "skuloc locations");
    GROW(sl->demand_dist, cap, "skuloc demand kinds");
    GROW(sl->demand_mean, cap, "skuloc demand means");
    GROW(sl->demand_var_ratio, cap, "skuloc demand dispersion");
    GROW(sl->demand_zero_prob, cap, "skuloc zero inflation");
    GROW(sl->replay, cap, "skuloc replay rows");
    GROW(sl->policy, cap, "skuloc policies");
    GROW(sl->review_days, cap, "skuloc review periods");
    GROW(sl->order_up_to, cap, "skuloc order-up-to levels");
    GROW(sl->reorder_point, cap, "skuloc reorder points");
    GROW(sl->min_order_qty, cap, "skuloc minimum orders");
    GROW(sl->start_on_hand, cap, "skuloc start stock");
    GROW(sl->display_min, cap, "skuloc display minimums");
    GROW(t->sl_line, cap, "assortment lines");
    t->sl_cap = cap;
}

/* A row's column that may only be given together with another. */
static ech_status only_with(const ech_row *row, int column, int other, ech_error *err)
{
    if (ech_row_text(row, column) && !ech_row_text(row, other))
        return ech_row_fail(row, column, err, "only allowed together with %s%s",
                            row->field_prefix ? row->field_prefix : "",
                            row->columns[other].name);
    return ECH_OK;
}

ech_status ech_assortment_row(ech_table_loader *t, const ech_row *row, ech_error *err)
{
    ech_scenario *sc = t->sc;
    ech_skulocs *sl = &sc->sl;
    ech_status st;
    if ((st = ech_row_require(row, ECH_ASSCOL_SKU, err)) != ECH_OK ||
        (st = ech_row_require(row, ECH_ASSCOL_LOCATION, err)) != ECH_OK)
        return st;
    const char *sku_id = ech_row_text(row, ECH_ASSCOL_SKU);
    const char *loc_id = ech_row_text(row, ECH_ASSCOL_LOCATION);
    id_map_sync(&t->sku_ids, sc->cat.id, sc->cat.n);
    id_map_sync(&t->loc_ids, sc->net.id, sc->net.n);
    int32_t sku = id_map_find(&t->sku_ids, sc->cat.id, sku_id);
    if (sku < 0)
        return ech_row_fail(row, ECH_ASSCOL_SKU, err, "unknown SKU '%s'", sku_id);
    int32_t loc = id_map_find(&t->loc_ids, sc->net.id, loc_id);
    if (loc < 0)
        return ech_row_fail(row, ECH_ASSCOL_LOCATION, err, "unknown location '%s'", loc_id);
    int64_t prev = pair_map_find(&t->pairs, pair_key(sku, loc));
    if (prev >= 0)
        return ech_row_fail(row, ECH_ASSCOL_LOCATION, err,
                            "SKU '%s' is listed twice at '%s' (first on line %ld)", sku_id, loc_id,
                            t->sl_line[prev]);

    /* Demand. */
    double mean = 0.0, var_ratio = 1.0, zero_prob = 0.0;
    int has_mean = 0, has_ratio = 0, has_dist = 0, dist = 0;
    if ((st = ech_row_double(row, ECH_ASSCOL_DEMAND_MEAN, &mean, &has_mean, err)) ||
        (st = ech_row_choice(row, ECH_ASSCOL_DEMAND_DIST, demand_dist_names, &dist, &has_dist, err)) ||
        (st = ech_row_double(row, ECH_ASSCOL_DEMAND_VAR_RATIO, &var_ratio, &has_ratio, err)) ||
        (st = ech_row_double(row, ECH_ASSCOL_DEMAND_ZERO_PROB, &zero_prob, NULL, err)))
        return st;
    if ((st = only_with(row, ECH_ASSCOL_DEMAND_DIST, ECH_ASSCOL_DEMAND_MEAN, err)) ||
        (st = only_with(row, ECH_ASSCOL_DEMAND_VAR_RATIO, ECH_ASSCOL_DEMAND_MEAN, err)) ||
        (st = only_with(row, ECH_ASSCOL_DEMAND_ZERO_PROB, ECH_ASSCOL_DEMAND_MEAN, err)))
        return st;
    uint8_t demand = ECH_DEMAND_NONE;
    if (has_mean) {
        if (mean < 0.0)
            return ech_row_fail(row, ECH_ASSCOL_DEMAND_MEAN, err,
                                "must be >= 0 (units per day), got %s",
                                ech_row_text(row, ECH_ASSCOL_DEMAND_MEAN));
        if (sc->net.kind[loc] != ECH_LOC_RETAIL)
            return ech_row_fail(row, ECH_ASSCOL_DEMAND_MEAN, err,
                                "'%s' is a %s, and customer demand arises only at retail "
                                "locations: leave demand_mean empty", loc_id,
                                kind_names[sc->net.kind[loc]]);
        if (has_ratio && var_ratio < 1.0)
            return ech_row_fail(row, ECH_ASSCOL_DEMAND_VAR_RATIO, err,
                                "must be >= 1 (variance / mean), got %s",
                                ech_row_text(row, ECH_ASSCOL_DEMAND_VAR_RATIO));
        if (!(zero_prob >= 0.0 && zero_prob < 1.0))
            return ech_row_fail(row, ECH_ASSCOL_DEMAND_ZERO_PROB, err,
                                "must be in [0, 1), got %s",
                                ech_row_text(row, ECH_ASSCOL_DEMAND_ZERO_PROB));
        if (!has_dist)
            dist = has_ratio && var_ratio > 1.0 ? 1 : 0;
        if (dist == 1 && !(var_ratio > 1.0))
            return ech_row_fail(row, has_ratio ? ECH_ASSCOL_DEMAND_VAR_RATIO : ECH_ASSCOL_DEMAND_DIST,
                                err, "negbin demand needs demand_var_ratio > 1");
        if (dist == 0 && var_ratio > 1.0)
            return ech_row_fail(row, ECH_ASSCOL_DEMAND_VAR_RATIO, err,
                                "a ratio > 1 needs demand_dist negbin (poisson has variance = "
                                "mean)");
        demand = dist == 1 ? ECH_DEMAND_NEGBIN : ECH_DEMAND_POISSON;
    }

    /* Policy. */
    int policy = ECH_POLICY_FROM_RULE, has_policy = 0;
    int32_t review = -1, up_to = -1, reorder = -1, moq = -1;
    int has_up_to = 0, has_reorder = 0;
    if ((st = ech_row_choice(row, ECH_ASSCOL_POLICY, policy_names, &policy, &has_policy, err)) ||
        (st = ech_row_int(row, ECH_ASSCOL_REVIEW_DAYS, &review, NULL, err)) ||
        (st = ech_row_int(row, ECH_ASSCOL_ORDER_UP_TO, &up_to, &has_up_to, err)) ||
        (st = ech_row_int(row, ECH_ASSCOL_REORDER_POINT, &reorder, &has_reorder, err)) ||
        (st = ech_row_int(row, ECH_ASSCOL_MIN_ORDER_QTY, &moq, NULL, err)))
        return st;
    if (!has_policy)
        policy = ECH_POLICY_FROM_RULE;
    if (ech_row_text(row, ECH_ASSCOL_REVIEW_DAYS) && (review < 1 || review > MAX_DAYS))
        return ech_row_fail(row, ECH_ASSCOL_REVIEW_DAYS, err,
                            "must be between 1 and %d days, got %d", MAX_DAYS, review);
    if (has_up_to && up_to < 0)
        return ech_row_fail(row, ECH_ASSCOL_ORDER_UP_TO, err, "must be >= 0 (units), got %d", up_to);
    if (has_reorder) {
        if (!has_up_to)
            return ech_row_fail(row, ECH_ASSCOL_REORDER_POINT, err,
                                "only allowed together with %sorder_up_to",
                                row->field_prefix ? row->field_prefix : "");
        if (has_policy && policy == ECH_POLICY_BASE_STOCK)
            return ech_row_fail(row, ECH_ASSCOL_REORDER_POINT, err,
                                "only for policy s_S (base_stock reorders below order_up_to)");
        if (reorder < -1 || reorder >= up_to)
            return ech_row_fail(row, ECH_ASSCOL_REORDER_POINT, err,
                                "must be >= -1 and below order_up_to (%d), got %d", up_to, reorder);
    }
    if (ech_row_text(row, ECH_ASSCOL_MIN_ORDER_QTY) && moq < 0)
        return ech_row_fail(row, ECH_ASSCOL_MIN_ORDER_QTY, err, "must be >= 0 (units), got %d", moq);
    int32_t display = 0;
    if ((st = ech_row_int(row, ECH_ASSCOL_DISPLAY_MIN, &display, NULL, err)) != ECH_OK)
        return st;
    if (display < 0)
        return ech_row_fail(row, ECH_ASSCOL_DISPLAY_MIN, err,
                            "must be >= 0 (units kept on display), got %d", display);

    assortment_reserve(t);
    int64_t x = sl->n;
    sl->sku[x] = sku;
    sl->location[x] = loc;
    sl->demand_dist[x] = demand;
    sl->demand_mean[x] = has_mean ? mean : 0.0;
    sl->demand_var_ratio[x] = has_mean ? var_ratio : 1.0;
    sl->demand_zero_prob[x] = has_mean ? zero_prob : 0.0;
    sl->replay[x] = -1;
    sl->policy[x] = (uint8_t)policy;
    sl->review_days[x] = review;
    sl->order_up_to[x] = up_to;
    sl->reorder_point[x] = reorder;
    sl->min_order_qty[x] = moq;
    sl->start_on_hand[x] = -1;
    sl->display_min[x] = display;
    t->sl_line[x] = row->line;
    sl->n = x + 1;
    pair_map_put(&t->pairs, pair_key(sku, loc), x);
    return ECH_OK;
}

ech_status ech_assortment_finish(ech_table_loader *t, const char *where, long line,
                                 const char *key, ech_error *err)
{
    if (t->sc->sl.n == 0)
        return ech_fail_at(err, where, line, key,
                           "no assortment rows: no SKU is stocked anywhere");
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * Whole files
 * ------------------------------------------------------------------------------ */

typedef ech_status (*row_fn)(ech_table_loader *t, const ech_row *row, ech_error *err);
typedef ech_status (*finish_fn)(ech_table_loader *t, const char *where, long line,
                                const char *key, ech_error *err);

static ech_status load_table(ech_table_loader *t, const char *path, const ech_csv_column *cols,
                             int n_cols, row_fn add, finish_fn finish, ech_error *err)
{
    ech_csv *r;
    ech_status st = ech_csv_open(&r, path, cols, n_cols, err);
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
    return load_table(t, path, ech_location_columns, ECH_LOCCOL_COUNT, ech_location_row,
                      ech_locations_finish, err);
}

ech_status ech_skus_load_csv(ech_table_loader *t, const char *path, ech_error *err)
{
    return load_table(t, path, ech_sku_columns, ECH_SKUCOL_COUNT, ech_sku_row, ech_skus_finish,
                      err);
}

ech_status ech_assortment_load_csv(ech_table_loader *t, const char *path, ech_error *err)
{
    return load_table(t, path, ech_assortment_columns, ECH_ASSCOL_COUNT, ech_assortment_row,
                      ech_assortment_finish, err);
}

/* ------------------------------------------------------------------------------
 * Snapshot and history: rows naming a stocked SKU-location
 * ------------------------------------------------------------------------------ */

typedef struct skuloc_lookup {
    const ech_scenario *sc;
    id_map skus, locs;
} skuloc_lookup;

static void lookup_init(skuloc_lookup *lk, const ech_scenario *sc)
{
    memset(lk, 0, sizeof *lk);
    lk->sc = sc;
    id_map_sync(&lk->skus, sc->cat.id, sc->cat.n);
    id_map_sync(&lk->locs, sc->net.id, sc->net.n);
}

static void lookup_free(skuloc_lookup *lk)
{
    id_map_free(&lk->skus);
    id_map_free(&lk->locs);
}

/* The skuloc a row names through its sku and location columns (0 and 1 in every
 * snapshot and history table). */
static ech_status row_skuloc(const skuloc_lookup *lk, const ech_row *row, int64_t *out,
                             ech_error *err)
{
    const ech_scenario *sc = lk->sc;
    ech_status st;
    if ((st = ech_row_require(row, 0, err)) || (st = ech_row_require(row, 1, err)))
        return st;
    const char *sku_id = ech_row_text(row, 0), *loc_id = ech_row_text(row, 1);
    int32_t sku = id_map_find(&lk->skus, sc->cat.id, sku_id);
    if (sku < 0)
        return ech_row_fail(row, 0, err, "unknown SKU '%s'", sku_id);
    int32_t loc = id_map_find(&lk->locs, sc->net.id, loc_id);
    if (loc < 0)
        return ech_row_fail(row, 1, err, "unknown location '%s'", loc_id);
    int64_t x = ech_scenario_find_skuloc(sc, sku, loc);
    if (x < 0)
        return ech_row_fail(row, 1, err,
                            "SKU '%s' is not stocked at '%s' (the assortment has no row for it "
                            "there or at a location '%s' supplies)", sku_id, loc_id, loc_id);
    *out = x;
    return ECH_OK;
}

ech_status ech_on_hand_load_csv(ech_scenario *sc, const char *path, ech_error *err)
{
    ech_csv *r;
    ech_status st = ech_csv_open(&r, path, ech_on_hand_columns, ECH_OHCOL_COUNT, err);
    if (st != ECH_OK)
        return st;
    skuloc_lookup lk;
    lookup_init(&lk, sc);
    ech_skulocs *sl = &sc->sl;
    long *seen = ech_xcalloc((size_t)(sl->n > 0 ? sl->n : 1), sizeof *seen, "on-hand rows");
    for (int64_t x = 0; x < sl->n; ++x)
        sl->start_on_hand[x] = 0;
    const ech_row *row;
    while ((st = ech_csv_next(r, &row, err)) == ECH_OK && row) {
        int64_t x;
        int32_t q = 0;
        if ((st = row_skuloc(&lk, row, &x, err)) ||
            (st = ech_row_require(row, ECH_OHCOL_ON_HAND, err)) ||
            (st = ech_row_int(row, ECH_OHCOL_ON_HAND, &q, NULL, err)))
            break;
        if (q < 0) {
            st = ech_row_fail(row, ECH_OHCOL_ON_HAND, err, "must be >= 0 (units), got %d", q);
            break;
        }
        if (seen[x]) {
            st = ech_row_fail(row, ECH_OHCOL_LOCATION, err,
                              "SKU '%s' at '%s' is listed twice (first on line %ld)",
                              ech_row_text(row, 0), ech_row_text(row, 1), seen[x]);
            break;
        }
        seen[x] = row->line;
        sl->start_on_hand[x] = q;
    }
    free(seen);
    lookup_free(&lk);
    ech_csv_close(r);
    return st;
}

typedef struct open_order {
    int64_t skuloc;
    int32_t day;
    int32_t quantity;
    int64_t seq;
} open_order;

static int cmp_open_orders(const void *a, const void *b)
{
    const open_order *x = a, *y = b;
    if (x->skuloc != y->skuloc)
        return x->skuloc < y->skuloc ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

ech_status ech_open_orders_load_csv(ech_scenario *sc, const char *path, ech_error *err)
{
    ech_csv *r;
    ech_status st = ech_csv_open(&r, path, ech_open_order_columns, ECH_OOCOL_COUNT, err);
    if (st != ECH_OK)
        return st;
    skuloc_lookup lk;
    lookup_init(&lk, sc);
    open_order *orders = NULL;
    int64_t n = 0, cap = 0;
    const ech_row *row;
    while ((st = ech_csv_next(r, &row, err)) == ECH_OK && row) {
        int64_t x;
        int32_t q = 0, date = 0;
        if ((st = row_skuloc(&lk, row, &x, err)) ||
            (st = ech_row_require(row, ECH_OOCOL_QUANTITY, err)) ||
            (st = ech_row_int(row, ECH_OOCOL_QUANTITY, &q, NULL, err)) ||
            (st = ech_row_require(row, ECH_OOCOL_ARRIVAL_DATE, err)) ||
            (st = ech_row_date(row, ECH_OOCOL_ARRIVAL_DATE, &date, NULL, err)))
            break;
        if (q <= 0) {
            st = ech_row_fail(row, ECH_OOCOL_QUANTITY, err, "must be > 0 (units), got %d", q);
            break;
        }
        int32_t day = date - sc->start_date;
        if (day < -sc->warmup_days)
            day = -sc->warmup_days;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            GROW(orders, cap, "open orders");
        }
        orders[n] = (open_order){x, day, q, n};
        ++n;
    }
    ech_csv_close(r);
    lookup_free(&lk);
    if (st != ECH_OK) {
        free(orders);
        return st;
    }
    if (n > 0)
        qsort(orders, (size_t)n, sizeof *orders, cmp_open_orders);
    ech_open_orders *oo = &sc->open_orders;
    free(oo->skuloc);
    free(oo->arrival_day);
    free(oo->quantity);
    size_t c = (size_t)(n > 0 ? n : 1);
    oo->n = n;
    oo->skuloc = ech_xmalloc(c * sizeof *oo->skuloc, "open order skulocs");
    oo->arrival_day = ech_xmalloc(c * sizeof *oo->arrival_day, "open order days");
    oo->quantity = ech_xmalloc(c * sizeof *oo->quantity, "open order quantities");
    for (int64_t i = 0; i < n; ++i) {
        oo->skuloc[i] = orders[i].skuloc;
        oo->arrival_day[i] = orders[i].day;
        oo->quantity[i] = orders[i].quantity;
    }
    free(orders);
    return ECH_OK;
}

ech_status ech_history_load_csv(ech_scenario *sc, const char *path, ech_error *err)
{
    ech_csv *r;
    ech_status st = ech_csv_open(&r, path, ech_history_columns, ECH_HISTCOL_COUNT, err);
    if (st != ECH_OK)
        return st;
    ech_skulocs *sl = &sc->sl;
    skuloc_lookup lk;
    lookup_init(&lk, sc);

    /* Replayed demand replaces a demand model, so it belongs at demand points: the
     * leaves of a SKU's tree. */
    uint8_t *leaf = ech_xmalloc((size_t)(sl->n > 0 ? sl->n : 1), "skuloc leaves");
    memset(leaf, 1, (size_t)(sl->n > 0 ? sl->n : 1));
    for (int64_t x = 0; x < sl->n; ++x)
        if (sl->parent[x] >= 0)
            leaf[sl->parent[x]] = 0;

    int32_t n_days = sc->warmup_days + sc->days;
    int32_t *series = NULL;   /* rows of n_days; -1 = no row yet for that day */
    int64_t *series_skuloc = NULL;
    int32_t n_series = 0, cap = 0;
    int32_t *replay_of = ech_xmalloc((size_t)(sl->n > 0 ? sl->n : 1) * sizeof *replay_of,
                                     "replay rows");
    for (int64_t x = 0; x < sl->n; ++x)
        replay_of[x] = -1;
    int64_t in_window = 0;

    const ech_row *row;
    while ((st = ech_csv_next(r, &row, err)) == ECH_OK && row) {
        int64_t x;
        int32_t date = 0, q = 0;
        if ((st = row_skuloc(&lk, row, &x, err)) ||
            (st = ech_row_require(row, ECH_HISTCOL_DATE, err)) ||
            (st = ech_row_date(row, ECH_HISTCOL_DATE, &date, NULL, err)) ||
            (st = ech_row_require(row, ECH_HISTCOL_QUANTITY, err)) ||
            (st = ech_row_int(row, ECH_HISTCOL_QUANTITY, &q, NULL, err)))
            break;
        if (q < 0) {
            st = ech_row_fail(row, ECH_HISTCOL_QUANTITY, err, "must be >= 0 (units), got %d", q);
            break;
        }
        if (!leaf[x]) {
            st = ech_row_fail(row, ECH_HISTCOL_LOCATION, err,
                              "'%s' supplies SKU '%s' to other locations, so it has no customer "
                              "demand to replay", ech_row_text(row, 1), ech_row_text(row, 0));
            break;
        }
        if (replay_of[x] < 0) {
            if (n_series == cap) {
                cap = cap ? 2 * cap : 64;
                series = ech_xrealloc(series, (size_t)cap * (size_t)n_days * sizeof *series,
                                      "demand history");
                GROW(series_skuloc, cap, "demand history skulocs");
            }
            int32_t *s = series + (size_t)n_series * (size_t)n_days;
            for (int32_t d = 0; d < n_days; ++d)
                s[d] = -1;
            series_skuloc[n_series] = x;
            replay_of[x] = n_series++;
        }
        int64_t d = (int64_t)date - sc->start_date + sc->warmup_days;
        if (d < 0 || d >= n_days)
            continue;
        int32_t *cell = &series[(size_t)replay_of[x] * (size_t)n_days + (size_t)d];
        if (*cell >= 0) {
            st = ech_row_fail(row, ECH_HISTCOL_DATE, err,
                              "SKU '%s' at '%s' on %s is listed twice", ech_row_text(row, 0),
                              ech_row_text(row, 1), ech_row_text(row, ECH_HISTCOL_DATE));
            break;
        }
        *cell = q;
        ++in_window;
    }
    int64_t rows = ech_csv_rows(r);
    ech_csv_close(r);
    lookup_free(&lk);
    free(leaf);
    free(replay_of);
    if (st == ECH_OK && rows > 0 && in_window == 0) {
        char first[11], last[11];
        ech_format_date(sc->start_date - sc->warmup_days, first);
        ech_format_date(sc->start_date + sc->days - 1, last);
        st = ech_fail_at(err, path, 0, NULL,
                         "no row falls within the simulated days (%s to %s): check the dates "
                         "against horizon.start_date", first, last);
    }
    if (st != ECH_OK) {
        free(series);
        free(series_skuloc);
        return st;
    }

    for (int32_t k = 0; k < n_series; ++k) {
        int32_t *s = series + (size_t)k * (size_t)n_days;
        double sum = 0.0;
        for (int32_t d = 0; d < n_days; ++d) {
            if (s[d] < 0)
                s[d] = 0;
            if (d >= sc->warmup_days)
                sum += s[d];
        }
        int64_t x = series_skuloc[k];
        sl->demand_dist[x] = ECH_DEMAND_REPLAY;
        sl->replay[x] = k;
        sl->demand_mean[x] = sc->days > 0 ? sum / sc->days : 0.0;
        sl->demand_var_ratio[x] = 1.0;
        sl->demand_zero_prob[x] = 0.0;
    }
    free(series_skuloc);
    free(sc->replay.quantity);
    sc->replay.n = n_series;
    sc->replay.n_days = n_days;
    sc->replay.quantity = series ? series : ech_xcalloc(1, sizeof(int32_t), "demand history");
    return ECH_OK;
}
