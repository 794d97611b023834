/* Tables read after the network and assortment are final: the start snapshot (on
 * hand, open orders) and the demand history to replay; see
 * include/echelon/table_load.h. */
#include "echelon/table_load.h"
#include "id_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A day's replayed demand at one SKU-location beyond this is a typing error (and
 * would overflow the engine's counts over a long horizon). */
enum { MAX_HISTORY_UNITS = 10000000 };

#define GROW(ptr, cap, what) (ptr) = ech_xrealloc((ptr), (size_t)(cap) * sizeof *(ptr), what)

#define ECH_COLUMN_SPEC(sym, name, req) {name, req},
const ech_csv_column ech_on_hand_columns[ECH_OHCOL_COUNT] = {ECH_ON_HAND_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_open_order_columns[ECH_OOCOL_COUNT] = {
    ECH_OPEN_ORDER_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_history_columns[ECH_HISTCOL_COUNT] = {
    ECH_HISTORY_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_target_columns[ECH_TGTCOL_COUNT] = {ECH_TARGET_COLUMNS(ECH_COLUMN_SPEC)};
#undef ECH_COLUMN_SPEC

/* ------------------------------------------------------------------------------
 * Snapshot and history: rows naming a stocked SKU-location
 * ------------------------------------------------------------------------------ */

typedef struct skuloc_lookup {
    const ech_scenario *sc;
    ech_id_map skus, locs;
} skuloc_lookup;

static void lookup_init(skuloc_lookup *lk, const ech_scenario *sc)
{
    memset(lk, 0, sizeof *lk);
    lk->sc = sc;
    ech_id_map_sync(&lk->skus, sc->cat.id, sc->cat.n);
    ech_id_map_sync(&lk->locs, sc->net.id, sc->net.n);
}

static void lookup_free(skuloc_lookup *lk)
{
    ech_id_map_free(&lk->skus);
    ech_id_map_free(&lk->locs);
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
    int32_t sku = ech_id_map_find(&lk->skus, sc->cat.id, sku_id);
    if (sku < 0)
        return ech_row_fail(row, 0, err, "unknown SKU '%s'", sku_id);
    int32_t loc = ech_id_map_find(&lk->locs, sc->net.id, loc_id);
    /* A network variant leaves out its base's rows of closed locations and of
     * SKU-locations it no longer stocks (*out -1: skip the row). */
    *out = -1;
    for (int32_t i = 0; loc < 0 && i < sc->sources.n_closed_locations; ++i)
        if (strcmp(sc->sources.closed_locations[i], loc_id) == 0)
            return ECH_OK;
    if (loc < 0)
        return ech_row_fail(row, 1, err, "unknown location '%s'", loc_id);
    int64_t x = ech_scenario_find_skuloc(sc, sku, loc);
    if (x < 0 && sc->sources.network_variant)
        return ECH_OK;
    if (x < 0)
        return ech_row_fail(row, 1, err,
                            "SKU '%s' is not stocked at '%s' (the assortment has no row for it "
                            "there or at a location '%s' supplies)",
                            sku_id, loc_id, loc_id);
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
        if (x < 0)
            continue; /* a row a network variant leaves out */
        if (q < 0 || q > ECH_MAX_UNITS) {
            st = ech_row_fail(row, ECH_OHCOL_ON_HAND, err,
                              "must be between 0 and %.0f units, got %d", ECH_MAX_UNITS, q);
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

ech_status ech_targets_load_csv(ech_scenario *sc, const char *path, ech_error *err)
{
    ech_csv *r;
    ech_status st = ech_csv_open(&r, path, ech_target_columns, ECH_TGTCOL_COUNT, err);
    if (st != ECH_OK)
        return st;
    skuloc_lookup lk;
    lookup_init(&lk, sc);
    ech_skulocs *sl = &sc->sl;
    long *seen = ech_xcalloc((size_t)(sl->n > 0 ? sl->n : 1), sizeof *seen, "target rows");
    const ech_row *row;
    while ((st = ech_csv_next(r, &row, err)) == ECH_OK && row) {
        int64_t x;
        int32_t S = 0, s = ECH_REORDER_NOT_GIVEN, e = -1;
        int s_given = 0, e_given = 0;
        if ((st = row_skuloc(&lk, row, &x, err)) ||
            (st = ech_row_require(row, ECH_TGTCOL_ORDER_UP_TO, err)) ||
            (st = ech_row_int(row, ECH_TGTCOL_ORDER_UP_TO, &S, NULL, err)) ||
            (st = ech_row_int(row, ECH_TGTCOL_REORDER_POINT, &s, &s_given, err)) ||
            (st = ech_row_int(row, ECH_TGTCOL_EXPEDITE_LEVEL, &e, &e_given, err)))
            break;
        if (x < 0)
            continue; /* a row a network variant leaves out */
        if (e_given) {
            int32_t before = sl->expedite_level[x];
            sl->expedite_level[x] = e < -1 ? -1 : e;
            const char *why = ech_expedite_refusal(sc, x);
            sl->expedite_level[x] = before;
            if (why) {
                st = ech_row_fail(row, ECH_TGTCOL_EXPEDITE_LEVEL, err, "an expedite level %s", why);
                break;
            }
        }
        if (S < 0 || S > ECH_MAX_UNITS) {
            st = ech_row_fail(row, ECH_TGTCOL_ORDER_UP_TO, err,
                              "must be between 0 and %.0f units, got %d", ECH_MAX_UNITS, S);
            break;
        }
        if (s_given && (s < -1 || s >= S)) {
            st = ech_row_fail(row, ECH_TGTCOL_REORDER_POINT, err,
                              "must be between -1 and the order-up-to level minus one (%d), "
                              "got %d",
                              S - 1, s);
            break;
        }
        const char *policy = ech_row_text(row, ECH_TGTCOL_POLICY);
        int p = -1;
        if (policy && (p = ech_enum_parse(&ech_policy_enum, policy)) < 0) {
            char list[128];
            ech_enum_list(&ech_policy_enum, 0, list, sizeof list);
            st = ech_row_fail(row, ECH_TGTCOL_POLICY, err, "'%s' is not one of: %s", policy, list);
            break;
        }
        if (seen[x]) {
            st = ech_row_fail(row, ECH_TGTCOL_LOCATION, err,
                              "SKU '%s' at '%s' is listed twice (first on line %ld)",
                              ech_row_text(row, 0), ech_row_text(row, 1), seen[x]);
            break;
        }
        seen[x] = row->line;
        sl->order_up_to[x] = S;
        sl->reorder_point[x] = s_given ? s : ECH_REORDER_NOT_GIVEN;
        if (e_given)
            sl->expedite_level[x] = e < -1 ? -1 : e;
        if (p >= 0)
            sl->policy[x] = (uint8_t)p;
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
    int64_t *pending =
        ech_xcalloc((size_t)(sc->sl.n > 0 ? sc->sl.n : 1), sizeof *pending, "open order sums");
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
        if (x < 0)
            continue; /* a row a network variant leaves out */
        if (q <= 0 || q > ECH_MAX_UNITS) {
            st = ech_row_fail(row, ECH_OOCOL_QUANTITY, err,
                              "must be between 1 and %.0f units, got %d", ECH_MAX_UNITS, q);
            break;
        }
        /* The units on their way to one location stay a 32-bit count. */
        pending[x] += q;
        if (pending[x] > ECH_MAX_UNITS) {
            st = ech_row_fail(row, ECH_OOCOL_QUANTITY, err,
                              "open orders to SKU '%s' at '%s' add up to more than %.0f units",
                              ech_row_text(row, 0), ech_row_text(row, 1), ECH_MAX_UNITS);
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
    free(pending);
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
    int32_t *series = NULL; /* rows of n_days; -1 = no row yet for that day */
    int64_t *series_skuloc = NULL;
    int32_t n_series = 0, cap = 0;
    int32_t *replay_of =
        ech_xmalloc((size_t)(sl->n > 0 ? sl->n : 1) * sizeof *replay_of, "replay rows");
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
        if (x < 0)
            continue; /* a row a network variant leaves out */
        if (q < 0 || q > MAX_HISTORY_UNITS) {
            st = ech_row_fail(row, ECH_HISTCOL_QUANTITY, err,
                              "must be between 0 and %d units a day, got %d", MAX_HISTORY_UNITS, q);
            break;
        }
        if (!leaf[x]) {
            st = ech_row_fail(row, ECH_HISTCOL_LOCATION, err,
                              "'%s' supplies SKU '%s' to other locations, so it has no customer "
                              "demand to replay",
                              ech_row_text(row, 1), ech_row_text(row, 0));
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
            st = ech_row_fail(row, ECH_HISTCOL_DATE, err, "SKU '%s' at '%s' on %s is listed twice",
                              ech_row_text(row, 0), ech_row_text(row, 1),
                              ech_row_text(row, ECH_HISTCOL_DATE));
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
                         "against horizon.start_date",
                         first, last);
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
