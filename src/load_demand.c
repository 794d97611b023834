/* The demand model's parts beside the tables: weekly and yearly profiles from a file
 * (demand.profiles_file) and promotions and calendar events (demand.events,
 * demand.events_file); see load.h and scenarios/README.md ("Demand").  The demand
 * file over the assortment (catalogue.demand_file) is a table: table_rows.c. */
#include "load.h"

#include "echelon/demand_model.h"
#include "echelon/table_load.h"
#include "id_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ECH_COLUMN_SPEC(sym, name, req) {name, req},
const ech_csv_column ech_event_columns[ECH_EVCOL_COUNT] = {ECH_EVENT_COLUMNS(ECH_COLUMN_SPEC)};
const ech_csv_column ech_profile_columns[ECH_PROFCOL_COUNT] = {
    ECH_PROFILE_COLUMNS(ECH_COLUMN_SPEC)};
#undef ECH_COLUMN_SPEC

/* An event's uplift beyond this is a typing error (a thousandfold demand). */
#define MAX_UPLIFT 1000.0
/* Events beyond this many are not a calendar but a mistake. */
enum { MAX_EVENTS = 1000000 };

/* ------------------------------------------------------------------------------
 * Profiles
 * ------------------------------------------------------------------------------ */

/* The multipliers of a profile row (want of them), rescaled to mean 1 as the
 * scenario file's profiles are. */
static ech_status profile_values(const ech_row *row, int want, double *out, ech_error *err)
{
    ech_status st;
    double sum = 0.0;
    for (int i = 0; i < 12; ++i) {
        int col = ECH_PROFCOL_V1 + i;
        if (i >= want) {
            if (ech_row_text(row, col))
                return ech_row_fail(row, col, err,
                                    "a weekly profile has 7 numbers (v1..v7, Monday..Sunday): "
                                    "leave v8..v12 empty");
            continue;
        }
        if ((st = ech_row_require(row, col, err)) ||
            (st = ech_row_double(row, col, &out[i], NULL, err)))
            return st;
        if (!(out[i] >= 0.0 && out[i] <= 1e6))
            return ech_row_fail(row, col, err, "must be a multiplier between 0 and 1e6, got %s",
                                ech_row_text(row, col));
        sum += out[i];
    }
    if (!(sum > 0.0))
        return ech_row_fail(row, ECH_PROFCOL_V1, err, "the numbers are all 0: demand would vanish");
    ech_profile_to_mean_one(out, want, sum);
    return ECH_OK;
}

/* Adds a profile name to names[0..*n), growing the arrays; fails on a name taken. */
static ech_status profile_name(const ech_row *row, char ***names, int32_t n, ech_id_map *map,
                               const char *reserved, ech_error *err)
{
    const char *name = ech_row_text(row, ECH_PROFCOL_NAME);
    ech_status st = ech_check_id_text(row, ECH_PROFCOL_NAME, err);
    if (st != ECH_OK)
        return st;
    if (reserved && strcmp(name, reserved) == 0)
        return ech_row_fail(row, ECH_PROFCOL_NAME, err,
                            "'%s' is the built-in profile of all ones: choose another name", name);
    ech_id_map_sync(map, *names, n);
    if (ech_id_map_find(map, *names, name) >= 0)
        return ech_row_fail(row, ECH_PROFCOL_NAME, err, "profile '%s' is defined twice", name);
    return ECH_OK;
}

ech_status ech_load_profiles_file(const loadctx *c, const y_demand *y, ech_scenario *sc)
{
    if (!y || !y->profiles_file)
        return ECH_OK;
    char *path = NULL;
    ech_status st = ech_key_file(c, "demand.profiles_file", y->profiles_file, &path);
    if (st != ECH_OK)
        return st;
    sc->sources.profiles_file = ech_xstrdup(y->profiles_file, "file name");
    ech_csv *r;
    if ((st = ech_csv_open(&r, path, ech_profile_columns, ECH_PROFCOL_COUNT, c->err)) != ECH_OK) {
        free(path);
        return st;
    }
    ech_id_map seasons = {0}, weeklies = {0};
    ech_season_profiles *sp = &sc->seasons;
    ech_weekly_profiles *wp = &sc->weeklies;
    const ech_row *row;
    while ((st = ech_csv_next(r, &row, c->err)) == ECH_OK && row) {
        const char *kind = ech_row_text(row, ECH_PROFCOL_KIND);
        if ((st = ech_row_require(row, ECH_PROFCOL_NAME, c->err)) ||
            (st = ech_row_require(row, ECH_PROFCOL_KIND, c->err)))
            break;
        double v[12];
        if (strcmp(kind, "yearly") == 0) {
            if ((st = profile_name(row, &sp->name, sp->n, &seasons, "flat", c->err)) ||
                (st = profile_values(row, 12, v, c->err)))
                break;
            sp->name = ech_xrealloc(sp->name, (size_t)(sp->n + 1) * sizeof *sp->name,
                                    "season profile names");
            sp->monthly = ech_xrealloc(sp->monthly, (size_t)(sp->n + 1) * sizeof *sp->monthly,
                                       "season profiles");
            memcpy(sp->monthly[sp->n], v, sizeof sp->monthly[0]);
            sp->name[sp->n] = ech_xstrdup(ech_row_text(row, ECH_PROFCOL_NAME), "profile name");
            ech_id_map_put(&seasons, sp->name, sp->n);
            sp->n++;
        } else if (strcmp(kind, "weekly") == 0) {
            if ((st = profile_name(row, &wp->name, wp->n, &weeklies, NULL, c->err)) ||
                (st = profile_values(row, 7, v, c->err)))
                break;
            wp->name = ech_xrealloc(wp->name, (size_t)(wp->n + 1) * sizeof *wp->name,
                                    "weekly profile names");
            wp->daily =
                ech_xrealloc(wp->daily, (size_t)(wp->n + 1) * sizeof *wp->daily, "weekly profiles");
            memcpy(wp->daily[wp->n], v, sizeof wp->daily[0]);
            wp->name[wp->n] = ech_xstrdup(ech_row_text(row, ECH_PROFCOL_NAME), "profile name");
            ech_id_map_put(&weeklies, wp->name, wp->n);
            wp->n++;
        } else {
            st = ech_row_fail(row, ECH_PROFCOL_KIND, c->err, "'%s' is not one of: weekly, yearly",
                              kind);
            break;
        }
    }
    ech_id_map_free(&seasons);
    ech_id_map_free(&weeklies);
    ech_csv_close(r);
    free(path);
    return st;
}

/* ------------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------------ */

typedef struct event_lookup {
    ech_id_map skus, locs, groups;
} event_lookup;

/* The id a scope column names among ids[0..n), -1 when empty, or a failure. */
static ech_status scope_column(const ech_row *row, int col, char *const *ids, int32_t n,
                               ech_id_map *map, const char *what, int32_t *out, ech_error *err)
{
    const char *id = ech_row_text(row, col);
    *out = -1;
    if (!id)
        return ECH_OK;
    ech_id_map_sync(map, ids, n);
    *out = ech_id_map_find(map, ids, id);
    if (*out < 0)
        return ech_row_fail(row, col, err, "unknown %s '%s'", what, id);
    return ECH_OK;
}

/* One event, from a CSV row or an inline entry. */
static ech_status event_row(ech_scenario *sc, event_lookup *lk, const ech_row *row, ech_error *err)
{
    ech_demand_events *ev = &sc->events;
    ech_status st;
    int32_t first, last, sku, group, loc;
    double uplift;
    if ((st = ech_row_require(row, ECH_EVCOL_NAME, err)) ||
        (st = ech_check_id_text(row, ECH_EVCOL_NAME, err)) ||
        (st = ech_row_require(row, ECH_EVCOL_START_DATE, err)) ||
        (st = ech_row_require(row, ECH_EVCOL_END_DATE, err)) ||
        (st = ech_row_date(row, ECH_EVCOL_START_DATE, &first, NULL, err)) ||
        (st = ech_row_date(row, ECH_EVCOL_END_DATE, &last, NULL, err)) ||
        (st = ech_row_require(row, ECH_EVCOL_UPLIFT, err)) ||
        (st = ech_row_double(row, ECH_EVCOL_UPLIFT, &uplift, NULL, err)) ||
        (st = scope_column(row, ECH_EVCOL_SKU, sc->cat.id, sc->cat.n, &lk->skus, "SKU", &sku,
                           err)) ||
        (st = scope_column(row, ECH_EVCOL_GROUP, sc->group, sc->n_groups, &lk->groups,
                           "group (no SKU of the catalogue has it)", &group, err)) ||
        (st = scope_column(row, ECH_EVCOL_LOCATION, sc->net.id, sc->net.n, &lk->locs, "location",
                           &loc, err)))
        return st;
    if (last < first)
        return ech_row_fail(row, ECH_EVCOL_END_DATE, err, "ends before it starts (%s)",
                            ech_row_text(row, ECH_EVCOL_START_DATE));
    if (!(uplift > 0.0 && uplift <= MAX_UPLIFT))
        return ech_row_fail(row, ECH_EVCOL_UPLIFT, err,
                            "must be a multiplier of mean demand in (0, %g], got %s", MAX_UPLIFT,
                            ech_row_text(row, ECH_EVCOL_UPLIFT));
    if (ech_row_text(row, ECH_EVCOL_REGION))
        return ech_row_fail(row, ECH_EVCOL_REGION, err,
                            "locations have no region in a scenario: name a location, and the "
                            "event covers it and every location below it");
    if (ev->n >= MAX_EVENTS)
        return ech_row_fail(row, ECH_EVCOL_NAME, err, "more than %d events", MAX_EVENTS);
    int32_t i = ev->n;
#define GROW_EV(field) \
    ev->field = ech_xrealloc(ev->field, (size_t)(i + 1) * sizeof *ev->field, "events")
    GROW_EV(name);
    GROW_EV(first_day);
    GROW_EV(last_day);
    GROW_EV(uplift);
    GROW_EV(sku);
    GROW_EV(group);
    GROW_EV(location);
    GROW_EV(source_line);
#undef GROW_EV
    ev->name[i] = ech_xstrdup(ech_row_text(row, ECH_EVCOL_NAME), "event name");
    /* Scenario days. */
    ev->first_day[i] = first - sc->start_date;
    ev->last_day[i] = last - sc->start_date;
    ev->uplift[i] = uplift;
    ev->sku[i] = sku;
    ev->group[i] = group;
    ev->location[i] = loc;
    ev->source_line[i] = row->line;
    ev->n = i + 1;
    return ECH_OK;
}

ech_status ech_build_events(const loadctx *c, const y_demand *y, ech_scenario *sc)
{
    if (!y || (!ech_yaml_has(c->ix, "demand.events") && !y->events_file))
        return ECH_OK;
    event_lookup lk = {0};
    ech_status st = ECH_OK;
    long lines[ECH_EVCOL_COUNT];
    char prefix[128];
    for (unsigned i = 0; i < y->events_count && st == ECH_OK; ++i) {
        ech_row row;
        ech_inline_row(c, "demand.events", i, (const char *const *)y->events[i].cell,
                       ech_event_columns, ECH_EVCOL_COUNT, &row, lines, prefix, sizeof prefix);
        st = event_row(sc, &lk, &row, c->err);
    }
    if (st == ECH_OK && y->events_file) {
        char *path = NULL;
        ech_csv *r;
        sc->sources.events_file = ech_xstrdup(y->events_file, "file name");
        if ((st = ech_key_file(c, "demand.events_file", y->events_file, &path)) == ECH_OK &&
            (st = ech_csv_open(&r, path, ech_event_columns, ECH_EVCOL_COUNT, c->err)) == ECH_OK) {
            const ech_row *row;
            while ((st = ech_csv_next(r, &row, c->err)) == ECH_OK && row)
                if ((st = event_row(sc, &lk, row, c->err)) != ECH_OK)
                    break;
            ech_csv_close(r);
        }
        free(path);
    }
    ech_id_map_free(&lk.skus);
    ech_id_map_free(&lk.locs);
    ech_id_map_free(&lk.groups);
    if (st == ECH_OK)
        ech_demand_events_index(sc);
    return st;
}
