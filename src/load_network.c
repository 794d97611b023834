/* Network variants: a small scenario file that names a base scenario and changes its
 * network (the network_changes: section; scenarios/README.md, "network variants").
 *
 *   name: demo-close-dc02
 *   base: ../demo.yaml
 *   network_changes:
 *     close:      [{location: DC02, reassign_to: DC01}]
 *     reassign:   [{location: PH0013, parent: DC03, lead_time_days: 2}]
 *     add:        [{id: DC04, kind: dc, parent: CW, lead_time_days: 2, stock_like: ...}]
 *     lead_times: [{kind: retail, add_days: 1}, {location: DC01, lead_time_days: 3}]
 *
 * Everything but the name, the description and the network comes from the base: the
 * seed, replications, horizon, suppliers, catalogue (the same SKUs in the same order)
 * and rules.  The changes are applied to the base's network and raw assortment after
 * they are read (a generated assortment is generated on the base network) and before
 * they are finalised, so ancestors are added, targets resolved and every check made
 * on the changed network.  Demand streams are keyed by (SKU index, location id hash)
 * and the SKU indices are the base's, so a SKU-location of the base keeps its demand
 * in the variant: runs of the base and its variants use common random numbers.
 *
 * Order: add, close, reassign, lead_times (a closed DC's pharmacies can go to a new
 * DC; a reassignment can split them among several).  A closed location's own
 * SKU-locations are dropped, its demand with them (a closed pharmacy's patients are
 * lost to the chain); its children go to `reassign_to`. */
#include "load.h"

#include "echelon/error.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------
 * The document
 * ------------------------------------------------------------------------------ */

typedef struct y_close {
    char *location, *reassign_to, *lead_time_days;
} y_close;

typedef struct y_reassign {
    char *location, *parent, *lead_time_days;
} y_reassign;

/* An added location: the network's columns, and the location whose assortment rows
 * it copies. */
typedef struct y_add {
    char *cell[ECH_TABLE_MAX_COLUMNS];
    char *stock_like;
} y_add;

typedef struct y_lane {
    char *location, *kind, *lead_time_days, *add_days;
} y_lane;

typedef struct y_changes {
    y_close *close;
    unsigned close_count;
    y_reassign *reassign;
    unsigned reassign_count;
    y_add *add;
    unsigned add_count;
    y_lane *lead_times;
    unsigned lead_times_count;
} y_changes;

typedef struct y_netvar {
    char *name, *description, *base;
    y_changes *network_changes;
} y_netvar;

#define STR_REQ(key, st, m) \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, st, m, 0, CYAML_UNLIMITED)
#define STR_OPT(key, st, m) \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, m, 0, CYAML_UNLIMITED)
#define SEQ_OPT(key, st, m, entry)                                                            \
    CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL, st, m, entry, 0, \
                         CYAML_UNLIMITED)

static const cyaml_schema_field_t close_fields[] = {
    STR_REQ("location", y_close, location),
    STR_OPT("reassign_to", y_close, reassign_to),
    STR_OPT("lead_time_days", y_close, lead_time_days),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t close_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_close, close_fields),
};

static const cyaml_schema_field_t reassign_fields[] = {
    STR_REQ("location", y_reassign, location),
    STR_REQ("parent", y_reassign, parent),
    STR_OPT("lead_time_days", y_reassign, lead_time_days),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t reassign_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_reassign, reassign_fields),
};

static const cyaml_schema_field_t lane_fields[] = {
    STR_OPT("location", y_lane, location),
    STR_OPT("kind", y_lane, kind),
    STR_OPT("lead_time_days", y_lane, lead_time_days),
    STR_OPT("add_days", y_lane, add_days),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t lane_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_lane, lane_fields),
};

/* The network's input columns (made from their declarations on first use), then
 * stock_like. */
static cyaml_schema_field_t add_fields[ECH_TABLE_MAX_COLUMNS + 2];
static const cyaml_schema_value_t add_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, y_add, add_fields),
};

static void init_add_fields(void)
{
    static int done;
    if (done)
        return;
    int n = 0;
    for (int c = 0; c < ech_network_table.n_columns && c < ECH_TABLE_MAX_COLUMNS; ++c) {
        if (!ech_network_table.column[c].input)
            continue;
        add_fields[n++] = (cyaml_schema_field_t){
            .key = ech_network_table.column[c].input,
            .data_offset = (uint32_t)(offsetof(y_add, cell) + (size_t)c * sizeof(char *)),
            .value = {CYAML_VALUE_STRING(CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, char, 0,
                                         CYAML_UNLIMITED)},
        };
    }
    add_fields[n++] = (cyaml_schema_field_t)STR_OPT("stock_like", y_add, stock_like);
    add_fields[n] = (cyaml_schema_field_t)CYAML_FIELD_END;
    done = 1;
}

static const cyaml_schema_field_t changes_fields[] = {
    SEQ_OPT("close", y_changes, close, &close_entry),
    SEQ_OPT("reassign", y_changes, reassign, &reassign_entry),
    SEQ_OPT("add", y_changes, add, &add_entry),
    SEQ_OPT("lead_times", y_changes, lead_times, &lane_entry),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t netvar_fields[] = {
    STR_REQ("name", y_netvar, name),
    STR_OPT("description", y_netvar, description),
    STR_REQ("base", y_netvar, base),
    CYAML_FIELD_MAPPING_PTR("network_changes", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
                            y_netvar, network_changes, changes_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t netvar_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, y_netvar, netvar_fields),
};

/* ------------------------------------------------------------------------------
 * Applying the changes
 * ------------------------------------------------------------------------------ */

typedef struct changes_ctx {
    const loadctx *c; /* the variant file: messages name it */
    const y_changes *y;
} changes_ctx;

static int32_t find_location(const ech_network *net, const char *id)
{
    for (int32_t i = 0; i < net->n; ++i)
        if (strcmp(net->id[i], id) == 0)
            return i;
    return -1;
}

/* A location named at `key`: it must exist and be open. */
static ech_status open_location(const changes_ctx *x, const ech_network *net, const uint8_t *closed,
                                const char *key, const char *id, int32_t *out)
{
    ech_status st = ech_key_text(x->c, key, id);
    if (st != ECH_OK)
        return st;
    *out = find_location(net, id);
    if (*out < 0)
        return ech_key_fail(x->c, key, "unknown location '%s' (not in the base network%s)", id,
                            x->y->add_count ? " nor added" : "");
    if (closed[*out])
        return ech_key_fail(x->c, key, "location '%s' is closed by this variant", id);
    return ECH_OK;
}

/* A location that supplies others: not a pharmacy. */
static ech_status supplier_location(const changes_ctx *x, const ech_network *net, const char *key,
                                    int32_t p)
{
    if (net->kind[p] == ECH_LOC_RETAIL)
        return ech_key_fail(x->c, key,
                            "'%s' is a pharmacy (kind retail), which supplies no one: give a DC "
                            "or the central warehouse",
                            net->id[p]);
    return ECH_OK;
}

static ech_status lane_days(const changes_ctx *x, const char *key, const char *text, int32_t *out)
{
    return ech_key_int32(x->c, key, text, 0, ECH_MAX_LANE_DAYS, out);
}

/* Removes the rows whose keep[i] is 0 from every column of a table (in place, in
 * order); frees the strings of removed rows.  Returns the rows kept. */
static int64_t compact_table(const ech_table *t, void *table, int64_t n, const uint8_t *keep)
{
    static const size_t size[] = {
        [ECH_COL_TEXT] = sizeof(char *),
        [ECH_COL_U8] = 1,
        [ECH_COL_I32] = 4,
        [ECH_COL_I64] = 8,
        [ECH_COL_U64] = 8,
        [ECH_COL_F64] = 8,
    };
    int64_t kept = 0;
    for (int64_t i = 0; i < n; ++i)
        kept += keep[i] != 0;
    for (int c = 0; c < t->n_columns; ++c) {
        if (t->column[c].type == ECH_COL_NONE)
            continue;
        char *a = ech_table_array(t, table, c);
        if (!a)
            continue;
        size_t s = size[t->column[c].type];
        int64_t w = 0;
        for (int64_t i = 0; i < n; ++i) {
            if (!keep[i]) {
                if (t->column[c].type == ECH_COL_TEXT)
                    free(((char **)(void *)a)[i]);
                continue;
            }
            if (w != i)
                memmove(a + (size_t)w * s, a + (size_t)i * s, s);
            ++w;
        }
    }
    return kept;
}

static ech_status apply_add(const changes_ctx *x, ech_scenario *sc, int64_t *net_cap,
                            int64_t *sl_cap)
{
    const loadctx *c = x->c;
    ech_network *net = &sc->net;
    ech_skulocs *sl = &sc->sl;
    char prefix[128], k[256];
    long lines[ECH_TABLE_MAX_COLUMNS];
    ech_status st;
    for (unsigned a = 0; a < x->y->add_count; ++a) {
        const y_add *ya = &x->y->add[a];
        snprintf(prefix, sizeof prefix, "network_changes.add[%u].", a);
        for (int j = 0; j < ech_network_table.n_columns; ++j)
            lines[j] = ech_network_table.csv[j].name
                           ? ech_key_line(c, ech_key_path(k, sizeof k, "%s%s", prefix,
                                                          ech_network_table.csv[j].name))
                           : 0;
        ech_row row = {
            .path = c->path,
            .line = ech_key_line(c, ech_key_path(k, sizeof k, "network_changes.add[%u]", a)),
            .columns = ech_network_table.csv,
            .n_columns = ech_network_table.n_columns,
            .cell = (const char *const *)ya->cell,
            .cell_line = lines,
            .field_prefix = prefix,
        };
        if ((st = ech_row_require(&row, ECH_NETCOL_id, c->err)) != ECH_OK)
            return st;
        const char *id = ya->cell[ECH_NETCOL_id];
        int32_t prev = find_location(net, id);
        if (prev >= 0)
            return ech_row_fail(&row, ECH_NETCOL_id, c->err,
                                "location '%s' is already in the network", id);
        const char *parent = ya->cell[ECH_NETCOL_parent];
        if (!parent)
            return ech_row_fail(&row, ECH_NETCOL_parent, c->err,
                                "an added location needs a parent (the network has its one "
                                "central warehouse)");
        int32_t p = find_location(net, parent);
        if (p < 0)
            return ech_row_fail(&row, ECH_NETCOL_parent, c->err, "unknown location '%s'", parent);
        int32_t i = net->n;
        ech_table_reserve(&ech_network_table, net, (int64_t)i + 1, net_cap);
        ech_table_set_defaults(&ech_network_table, net, i);
        if ((st = ech_table_read_row(&ech_network_table, net, i, &row, c->err)) != ECH_OK)
            return st;
        if (net->kind[i] == ECH_LOC_CW)
            return ech_row_fail(&row, ECH_NETCOL_kind, c->err,
                                "a network has one central warehouse: add a dc or a retail "
                                "location");
        if (net->kind[p] == ECH_LOC_RETAIL)
            return ech_row_fail(&row, ECH_NETCOL_parent, c->err,
                                "'%s' is a pharmacy (kind retail), which supplies no one", parent);
        int32_t lead = 0;
        int has_lead = 0;
        if ((st = ech_row_int(&row, ECH_NETCOL_lead_time_days, &lead, &has_lead, c->err)) != ECH_OK)
            return st;
        if (!has_lead)
            return ech_row_fail(&row, ECH_NETCOL_lead_time_days, c->err,
                                "a value is required (days from '%s' to '%s')", parent, id);
        if ((st = ech_table_check_value(&ech_network_table, ECH_NETCOL_lead_time_days, lead, &row,
                                        c->err)) != ECH_OK)
            return st;
        const char *name = ya->cell[ECH_NETCOL_name];
        net->id[i] = ech_xstrdup(id, "location id");
        net->name[i] = ech_xstrdup(name ? name : id, "location name");
        net->parent[i] = p;
        net->lead_time_days[i] = lead;
        net->n = i + 1;

        if (ya->stock_like) {
            const char *key = ech_key_path(k, sizeof k, "%sstock_like", prefix);
            int32_t like = find_location(net, ya->stock_like);
            if (like < 0 || like == i)
                return ech_key_fail(c, key, "unknown location '%s'", ya->stock_like);
            if (net->kind[i] != ECH_LOC_RETAIL || net->kind[like] != ECH_LOC_RETAIL)
                return ech_key_fail(c, key,
                                    "a new pharmacy (kind retail) stocks like another pharmacy: "
                                    "'%s' is kind %s and '%s' kind %s",
                                    id, ech_enum_word(&ech_location_kind_enum, net->kind[i]),
                                    ya->stock_like,
                                    ech_enum_word(&ech_location_kind_enum, net->kind[like]));
            int64_t n0 = sl->n;
            for (int64_t r = 0; r < n0; ++r) {
                if (sl->location[r] != like)
                    continue;
                ech_table_reserve(&ech_skuloc_table, sl, sl->n + 1, sl_cap);
                ech_table_copy_row(&ech_skuloc_table, sl, sl->n, sl, r);
                sl->location[sl->n] = i;
                sl->n++;
            }
        }
    }
    return ECH_OK;
}

/* The network being changed: which locations are closed, and the key that last gave
 * each location its parent (for a message about a cycle; "" when unchanged). */
typedef struct net_edit {
    const changes_ctx *x;
    ech_network *net;
    int32_t n;
    uint8_t *closed;
    char (*why)[128];
} net_edit;

/* close[j]: the location's children go to reassign_to; it is marked closed. */
static ech_status apply_close(net_edit *e, unsigned j)
{
    const loadctx *c = e->x->c;
    const y_close *yc = &e->x->y->close[j];
    ech_network *net = e->net;
    char k[128], k2[128];
    int32_t loc, to = -1, lead = 0;
    ech_status st;
    ech_key_path(k, sizeof k, "network_changes.close[%u].location", j);
    if ((st = open_location(e->x, net, e->closed, k, yc->location, &loc)) != ECH_OK)
        return st;
    if (net->parent[loc] < 0)
        return ech_key_fail(c, k,
                            "'%s' is the central warehouse, the root of the network: it "
                            "cannot be closed",
                            yc->location);
    if (yc->reassign_to) {
        ech_key_path(k2, sizeof k2, "network_changes.close[%u].reassign_to", j);
        if ((st = open_location(e->x, net, e->closed, k2, yc->reassign_to, &to)) != ECH_OK ||
            (st = supplier_location(e->x, net, k2, to)) != ECH_OK)
            return st;
        if (to == loc)
            return ech_key_fail(c, k2, "'%s' is the location being closed", yc->reassign_to);
    }
    if (yc->lead_time_days &&
        (st = lane_days(e->x,
                        ech_key_path(k2, sizeof k2, "network_changes.close[%u].lead_time_days", j),
                        yc->lead_time_days, &lead)) != ECH_OK)
        return st;
    int32_t orphans = 0;
    char list[256] = "";
    for (int32_t i = 0; i < e->n; ++i) {
        if (e->closed[i] || net->parent[i] != loc)
            continue;
        if (to < 0) {
            if (orphans++ < 4) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s'%s'", used ? ", " : "", net->id[i]);
            }
            continue;
        }
        net->parent[i] = to;
        if (yc->lead_time_days)
            net->lead_time_days[i] = lead;
        snprintf(e->why[i], sizeof e->why[i], "network_changes.close[%u].reassign_to", j);
    }
    if (orphans)
        return ech_key_fail(c, k,
                            "closing '%s' would leave %d location(s) without a parent (%s%s): "
                            "give reassign_to, the location that supplies them instead",
                            yc->location, orphans, list, orphans > 4 ? ", ..." : "");
    e->closed[loc] = 1;
    return ECH_OK;
}

/* reassign[j]: the location gets another parent (and lead time). */
static ech_status apply_reassign(net_edit *e, unsigned j)
{
    const loadctx *c = e->x->c;
    const y_reassign *yr = &e->x->y->reassign[j];
    ech_network *net = e->net;
    char k[128], k2[128];
    int32_t loc, p, lead = 0;
    ech_status st;
    ech_key_path(k, sizeof k, "network_changes.reassign[%u].location", j);
    if ((st = open_location(e->x, net, e->closed, k, yr->location, &loc)) != ECH_OK)
        return st;
    if (net->parent[loc] < 0)
        return ech_key_fail(c, k,
                            "'%s' is the central warehouse, the root of the network: it has "
                            "no parent",
                            yr->location);
    ech_key_path(k2, sizeof k2, "network_changes.reassign[%u].parent", j);
    if ((st = open_location(e->x, net, e->closed, k2, yr->parent, &p)) != ECH_OK ||
        (st = supplier_location(e->x, net, k2, p)) != ECH_OK)
        return st;
    if (p == loc)
        return ech_key_fail(c, k2, "a location cannot be its own parent");
    if (yr->lead_time_days) {
        ech_key_path(k, sizeof k, "network_changes.reassign[%u].lead_time_days", j);
        if ((st = lane_days(e->x, k, yr->lead_time_days, &lead)) != ECH_OK)
            return st;
        net->lead_time_days[loc] = lead;
    }
    net->parent[loc] = p;
    snprintf(e->why[loc], sizeof e->why[loc], "%s", k2);
    return ECH_OK;
}

/* lead_times[j]: the lanes into a location, or into every open location of a kind. */
static ech_status apply_lane(net_edit *e, unsigned j)
{
    const loadctx *c = e->x->c;
    const y_lane *yl = &e->x->y->lead_times[j];
    ech_network *net = e->net;
    char base[64], k[128], k2[128];
    ech_status st;
    ech_key_path(base, sizeof base, "network_changes.lead_times[%u]", j);
    if (!yl->location == !yl->kind)
        return ech_key_fail(c, base,
                            "give one of location and kind (the lanes into it, or "
                            "into every location of that kind)");
    if (!yl->lead_time_days == !yl->add_days)
        return ech_key_fail(c, base,
                            "give one of lead_time_days (the new lead time) and "
                            "add_days (days added to the lead time)");
    int32_t loc = -1;
    int kind = -1;
    if (yl->location) {
        ech_key_path(k, sizeof k, "%s.location", base);
        if ((st = open_location(e->x, net, e->closed, k, yl->location, &loc)) != ECH_OK)
            return st;
        if (net->parent[loc] < 0)
            return ech_key_fail(c, k,
                                "'%s' is the central warehouse: its lead times are its "
                                "suppliers' (change them with a variant's lead_time_factor)",
                                yl->location);
    } else if ((st = ech_key_enum(c, ech_key_path(k, sizeof k, "%s.kind", base), yl->kind,
                                  &ech_location_kind_enum, ECH_LOC_DC, &kind)) != ECH_OK) {
        return st;
    }
    int64_t value = 0;
    ech_key_path(k2, sizeof k2, "%s.%s", base, yl->lead_time_days ? "lead_time_days" : "add_days");
    if ((st = ech_key_int(c, k2, yl->lead_time_days ? yl->lead_time_days : yl->add_days,
                          yl->lead_time_days ? 0 : -ECH_MAX_LANE_DAYS, ECH_MAX_LANE_DAYS,
                          &value)) != ECH_OK)
        return st;
    for (int32_t i = 0; i < e->n; ++i) {
        if (e->closed[i] || net->parent[i] < 0 || (loc >= 0 ? i != loc : net->kind[i] != kind))
            continue;
        int64_t days = yl->lead_time_days ? value : net->lead_time_days[i] + value;
        if (days < 0 || days > ECH_MAX_LANE_DAYS)
            return ech_key_fail(c, k2,
                                "the lead time into '%s' would be %lld days: it must be "
                                "between 0 and %d",
                                net->id[i], (long long)days, ECH_MAX_LANE_DAYS);
        net->lead_time_days[i] = (int32_t)days;
    }
    return ECH_OK;
}

/* Every open location reaches the root through open locations. */
static ech_status check_cycles(const net_edit *e)
{
    for (int32_t i = 0; i < e->n; ++i) {
        if (e->closed[i])
            continue;
        int32_t steps = 0;
        for (int32_t a = e->net->parent[i]; a >= 0; a = e->net->parent[a])
            if (++steps > e->n)
                return ech_key_fail(e->x->c, e->why[i][0] ? e->why[i] : "network_changes",
                                    "location '%s' would be on a cycle of parents (it would "
                                    "supply itself)",
                                    e->net->id[i]);
    }
    return ECH_OK;
}

/* Drops the closed locations and their SKU-locations and renumbers the rest; notes
 * the closed ids, whose rows in the base's snapshot, history and targets files are
 * left out when those are read (table_snapshot.c). */
static void drop_closed(const net_edit *e, ech_scenario *sc)
{
    ech_network *net = e->net;
    ech_skulocs *sl = &sc->sl;
    ech_sources *src = &sc->sources;
    int32_t n = e->n;
    src->network_variant = 1;
    for (int32_t i = 0; i < n; ++i) {
        if (!e->closed[i])
            continue;
        src->closed_locations =
            ech_xrealloc(src->closed_locations,
                         ((size_t)src->n_closed_locations + 1) * sizeof *src->closed_locations,
                         "closed locations");
        src->closed_locations[src->n_closed_locations++] =
            ech_xstrdup(net->id[i], "closed location");
    }
    int32_t *renum = ech_xmalloc((size_t)n * sizeof *renum, "location numbers");
    uint8_t *keep = ech_xmalloc((size_t)n, "open locations");
    int32_t m = 0;
    for (int32_t i = 0; i < n; ++i) {
        keep[i] = !e->closed[i];
        renum[i] = e->closed[i] ? -1 : m++;
    }
    for (int32_t i = 0; i < n; ++i)
        if (keep[i] && net->parent[i] >= 0)
            net->parent[i] = renum[net->parent[i]];
    net->n = (int32_t)compact_table(&ech_network_table, net, n, keep);
    free(keep);
    if (sl->n > 0) {
        uint8_t *row_keep = ech_xmalloc((size_t)sl->n, "kept assortment rows");
        for (int64_t r = 0; r < sl->n; ++r) {
            row_keep[r] = !e->closed[sl->location[r]];
            sl->location[r] = row_keep[r] ? renum[sl->location[r]] : -1;
        }
        sl->n = compact_table(&ech_skuloc_table, sl, sl->n, row_keep);
        free(row_keep);
    }
    free(renum);
}

/* The hook: the changes in their order, on the base's network and raw assortment. */
static ech_status apply_changes(void *ctx, ech_scenario *sc, ech_error *err)
{
    const changes_ctx *x = ctx;
    const y_changes *y = x->y;
    (void)err; /* messages go to x->c->err, the same record */
    if (!y)
        return ECH_OK;
    int64_t net_cap = sc->net.n, sl_cap = sc->sl.n;
    ech_status st = apply_add(x, sc, &net_cap, &sl_cap);
    if (st != ECH_OK)
        return st;
    net_edit e = {.x = x, .net = &sc->net, .n = sc->net.n};
    e.closed = ech_xcalloc((size_t)e.n, 1, "closed locations");
    e.why = ech_xcalloc((size_t)e.n, sizeof *e.why, "parent change keys");
    for (unsigned j = 0; j < y->close_count && st == ECH_OK; ++j)
        st = apply_close(&e, j);
    for (unsigned j = 0; j < y->reassign_count && st == ECH_OK; ++j)
        st = apply_reassign(&e, j);
    for (unsigned j = 0; j < y->lead_times_count && st == ECH_OK; ++j)
        st = apply_lane(&e, j);
    if (st == ECH_OK)
        st = check_cycles(&e);
    if (st == ECH_OK)
        drop_closed(&e, sc);
    free(e.closed);
    free(e.why);
    return st;
}

/* ------------------------------------------------------------------------------
 * The variant file
 * ------------------------------------------------------------------------------ */

static int safe_name(const char *s)
{
    if (!s[0])
        return 0;
    for (; *s; ++s)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

/* The line index's messages list the keys of the scenario schema; a variant file
 * has its own, so an unknown key's message gets them here. */
static void list_allowed_keys(ech_error *err)
{
    static const char empty[] = "(allowed here: )";
    char *at = strstr(err->msg, empty);
    if (!at)
        return;
    const cyaml_schema_field_t *fields = netvar_fields;
    const char *extra = "";
    if (strstr(err->msg, "network_changes.close["))
        fields = close_fields;
    else if (strstr(err->msg, "network_changes.reassign["))
        fields = reassign_fields;
    else if (strstr(err->msg, "network_changes.lead_times["))
        fields = lane_fields;
    else if (strstr(err->msg, "network_changes.add[")) {
        fields = NULL;
        extra = "the network's columns (id, name, kind, parent, lead_time_days, ...) and "
                "stock_like";
    } else if (strstr(err->msg, "network_changes."))
        fields = changes_fields;
    char list[512] = "";
    size_t used = 0;
    for (const cyaml_schema_field_t *f = fields; f && f->key && used < sizeof list; ++f) {
        int k = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", f->key);
        used += k > 0 ? (size_t)k : 0;
    }
    char tail[768];
    snprintf(tail, sizeof tail,
             "(allowed here: %s%s; a network variant file holds name, "
             "description, base and network_changes)",
             list, extra);
    size_t room = sizeof err->msg - (size_t)(at - err->msg);
    snprintf(at, room, "%s", tail);
}

static void free_doc(y_netvar *doc)
{
    if (doc) {
        ech_yaml_log log = {.len = 0};
        cyaml_config_t cfg = ech_yaml_config(&log);
        cyaml_free(&cfg, &netvar_schema, doc, 0);
    }
}

ech_status ech_network_variant_load(const char *path, char *text, size_t len,
                                    const ech_yaml_index *ix, const ech_overrides *ov,
                                    ech_scenario *sc, ech_error *err)
{
    init_add_fields();
    const char *slash = strrchr(path, '/');
    size_t dn = slash ? (size_t)(slash - path) + 1 : 0;
    char *dir = ech_xmalloc(dn + 1, "scenario directory");
    memcpy(dir, path, dn);
    dir[dn] = '\0';
    loadctx c = {.path = path, .dir = dir, .ix = (ech_yaml_index *)ix, .err = err};
    y_netvar *doc = NULL;
    char *base = NULL;
    ech_status st;

    ech_yaml_log log = {.len = 0};
    log.s[0] = '\0';
    cyaml_config_t cfg = ech_yaml_config(&log);
    cyaml_err_t rc = cyaml_load_data((const uint8_t *)text, len, &cfg, &netvar_schema,
                                     (cyaml_data_t **)&doc, NULL);
    if (rc != CYAML_OK) {
        doc = NULL;
        st = rc == CYAML_ERR_OOM
                 ? ech_fail(err, ECH_ERR_RUNTIME, "%s: out of memory while parsing", path)
                 : ech_yaml_failure(path, ix, &log, rc, err);
        list_allowed_keys(err);
        goto fail;
    }
    if ((st = ech_key_text(&c, "name", doc->name)) != ECH_OK)
        goto fail;
    if (!safe_name(doc->name)) {
        st = ech_key_fail(&c, "name",
                          "'%s' is not a safe name: use letters, digits, '-', '_' and '.' only "
                          "(it names the results)",
                          doc->name);
        goto fail;
    }
    if ((st = ech_key_file(&c, "base", doc->base, &base)) != ECH_OK)
        goto fail;

    changes_ctx x = {.c = &c, .y = doc->network_changes};
    if ((st = ech_scenario_load_changed(base, ov, apply_changes, &x, sc, err)) != ECH_OK)
        goto fail;

    /* The variant's own name and description; its text before the base's, for the
     * results' provenance. */
    free(sc->name);
    sc->name = ech_xstrdup(doc->name, "scenario name");
    if (doc->description) {
        free(sc->description);
        sc->description = ech_xstrdup(doc->description, "scenario description");
    }
    static const char sep[] = "\n# ---- base scenario: ";
    size_t blen = sc->source_text ? strlen(sc->source_text) : 0;
    size_t n = len + sizeof sep + strlen(base) + 8 + blen;
    char *all = ech_xmalloc(n + 1, "scenario text");
    snprintf(all, n + 1, "%s%s%s ----\n%s", text, sep, base,
             sc->source_text ? sc->source_text : "");
    free(sc->source_text);
    sc->source_text = all;
    free(sc->source_path);
    sc->source_path = ech_xstrdup(path, "scenario path");
    free(text);
    free(base);
    free(dir);
    free_doc(doc);
    return ECH_OK;

fail:
    ech_scenario_free(sc);
    free(text);
    free(base);
    free(dir);
    free_doc(doc);
    return st == ECH_OK ? ECH_ERR_RUNTIME : st;
}
