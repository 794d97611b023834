/* Loading a scenario's tables: locations, SKUs, assortment, start snapshot, demand
 * history.
 *
 * Each table has one row function that checks a row and adds it to the scenario.
 * Rows come from CSV files (ERP extracts) or from inline lists in the scenario file;
 * both go through the same function, so the same rules and the same messages apply
 * ("PATH:LINE: COLUMN: problem").  A row's columns are the table's columns as
 * declared in scenario.h (table.h): the row function reads the generic ones with
 * ech_table_read_row (numbers and words, with their ranges) and checks what needs
 * more than one column or other tables (ids, parents, sources, demand).
 *
 * Order of use (ech_scenario_load does this):
 *   suppliers, their sites and the season profiles set in the scenario
 *   -> locations rows, ech_locations_finish
 *   -> SKU rows, ech_skus_finish
 *   -> assortment rows, ech_assortment_finish
 *   -> ech_scenario_finalize
 *   -> on-hand snapshot, open orders, demand history (these need the finalised
 *      skuloc table).
 * The column meanings and rules are documented in scenarios/README.md.
 */
#ifndef ECHELON_TABLE_LOAD_H
#define ECHELON_TABLE_LOAD_H

#include "echelon/csv_reader.h"
#include "echelon/scenario.h"
#include "echelon/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Column indices of each table's rows: the position of the column in its list in
 * scenario.h (ECH_NETCOL_parent, ECH_CATCOL_unit_cost, ECH_SLCOL_demand_mean). */
#define ECH_NETCOL_ENUM(field, ...) ECH_NETCOL_##field,
#define ECH_CATCOL_ENUM(field, ...) ECH_CATCOL_##field,
#define ECH_SLCOL_ENUM(field, ...) ECH_SLCOL_##field,
enum { ECH_NETWORK_COLUMNS(ECH_NETCOL_ENUM) ECH_NETCOL_COUNT };
enum { ECH_CATALOGUE_COLUMNS(ECH_CATCOL_ENUM) ECH_CATCOL_COUNT };
enum { ECH_SKULOC_COLUMNS(ECH_SLCOL_ENUM) ECH_SLCOL_COUNT };

/* The most columns of any table (inline rows in the scenario file reserve this many). */
enum { ECH_TABLE_MAX_COLUMNS = 40 };

/* Tables that fill other structures, with their CSV columns: X(symbol, name, required). */
#define ECH_ON_HAND_COLUMNS(X) \
    X(SKU, "sku", 1)           \
    X(LOCATION, "location", 1) \
    X(ON_HAND, "on_hand", 1)

#define ECH_OPEN_ORDER_COLUMNS(X) \
    X(SKU, "sku", 1)              \
    X(LOCATION, "location", 1)    \
    X(QUANTITY, "quantity", 1)    \
    X(ARRIVAL_DATE, "arrival_date", 1)

#define ECH_HISTORY_COLUMNS(X) \
    X(SKU, "sku", 1)           \
    X(LOCATION, "location", 1) \
    X(DATE, "date", 1)         \
    X(QUANTITY, "quantity", 1)

/* Targets (what `echelon tune --targets-csv` writes): the assortment's policy columns. */
#define ECH_TARGET_COLUMNS(X)            \
    X(SKU, "sku", 1)                     \
    X(LOCATION, "location", 1)           \
    X(POLICY, "policy", 0)               \
    X(ORDER_UP_TO, "order_up_to", 1)     \
    X(REORDER_POINT, "reorder_point", 0) \
    X(EXPEDITE_LEVEL, "expedite_level", 0)

/* Demand events (demand.events_file; the inline list has the same keys). */
#define ECH_EVENT_COLUMNS(X)       \
    X(NAME, "name", 1)             \
    X(START_DATE, "start_date", 1) \
    X(END_DATE, "end_date", 1)     \
    X(UPLIFT, "uplift", 1)         \
    X(SKU, "sku", 0)               \
    X(GROUP, "group", 0)           \
    X(LOCATION, "location", 0)     \
    X(REGION, "region", 0)

/* Weekly and yearly profiles (demand.profiles_file): v1..v7 Monday..Sunday, or
 * v1..v12 January..December. */
#define ECH_PROFILE_COLUMNS(X) \
    X(NAME, "name", 1)         \
    X(KIND, "kind", 1)         \
    X(V1, "v1", 1)             \
    X(V2, "v2", 1)             \
    X(V3, "v3", 1)             \
    X(V4, "v4", 1)             \
    X(V5, "v5", 1)             \
    X(V6, "v6", 1)             \
    X(V7, "v7", 1)             \
    X(V8, "v8", 0)             \
    X(V9, "v9", 0)             \
    X(V10, "v10", 0)           \
    X(V11, "v11", 0)           \
    X(V12, "v12", 0)

#define ECH_COLUMN_ENUM_OH(sym, name, req) ECH_OHCOL_##sym,
#define ECH_COLUMN_ENUM_OO(sym, name, req) ECH_OOCOL_##sym,
#define ECH_COLUMN_ENUM_HIST(sym, name, req) ECH_HISTCOL_##sym,
#define ECH_COLUMN_ENUM_TGT(sym, name, req) ECH_TGTCOL_##sym,
#define ECH_COLUMN_ENUM_EV(sym, name, req) ECH_EVCOL_##sym,
#define ECH_COLUMN_ENUM_PROF(sym, name, req) ECH_PROFCOL_##sym,
enum { ECH_ON_HAND_COLUMNS(ECH_COLUMN_ENUM_OH) ECH_OHCOL_COUNT };
enum { ECH_OPEN_ORDER_COLUMNS(ECH_COLUMN_ENUM_OO) ECH_OOCOL_COUNT };
enum { ECH_HISTORY_COLUMNS(ECH_COLUMN_ENUM_HIST) ECH_HISTCOL_COUNT };
enum { ECH_TARGET_COLUMNS(ECH_COLUMN_ENUM_TGT) ECH_TGTCOL_COUNT };
enum { ECH_EVENT_COLUMNS(ECH_COLUMN_ENUM_EV) ECH_EVCOL_COUNT };
enum { ECH_PROFILE_COLUMNS(ECH_COLUMN_ENUM_PROF) ECH_PROFCOL_COUNT };

extern const ech_csv_column ech_on_hand_columns[ECH_OHCOL_COUNT];
extern const ech_csv_column ech_open_order_columns[ECH_OOCOL_COUNT];
extern const ech_csv_column ech_history_columns[ECH_HISTCOL_COUNT];
extern const ech_csv_column ech_target_columns[ECH_TGTCOL_COUNT];
extern const ech_csv_column ech_event_columns[ECH_EVCOL_COUNT];
extern const ech_csv_column ech_profile_columns[ECH_PROFCOL_COUNT];

/* ------------------------------------------------------------------------------
 * Network and catalogue (before ech_scenario_finalize)
 * ------------------------------------------------------------------------------ */

/* State kept while the tables are read: id indexes, and where each row came from so
 * that checks made after the last row can still name its line. */
typedef struct ech_table_loader ech_table_loader;

/* Starts loading into `sc`, whose location, SKU and skuloc tables must be empty.
 * sc->suppliers, sc->sites and sc->seasons must be set before SKU rows are added
 * (a SKU row names its supplier, site and season profile). */
ech_table_loader *ech_table_loader_new(ech_scenario *sc);
void ech_table_loader_free(ech_table_loader *t);

/* Adds one row.  Checks what one row can show (types, ranges, duplicates, names of
 * suppliers, SKUs and locations already read). */
ech_status ech_location_row(ech_table_loader *t, const ech_row *row, ech_error *err);
ech_status ech_sku_row(ech_table_loader *t, const ech_row *row, ech_error *err);
ech_status ech_assortment_row(ech_table_loader *t, const ech_row *row, ech_error *err);

/* Ends a table: checks what needs all rows (parents named later in the file, one
 * root, no cycles; at least one row) and trims the arrays to the rows read.  `where`
 * and `line` name the table for a message about it as a whole (the CSV file, or the
 * scenario file and the line of the inline list), `key` the scenario key or NULL. */
ech_status ech_locations_finish(ech_table_loader *t, const char *where, long line, const char *key,
                                ech_error *err);
ech_status ech_skus_finish(ech_table_loader *t, const char *where, long line, const char *key,
                           ech_error *err);
ech_status ech_assortment_finish(ech_table_loader *t, const char *where, long line, const char *key,
                                 ech_error *err);

/* A whole CSV file: open, every row, finish. */
ech_status ech_locations_load_csv(ech_table_loader *t, const char *path, ech_error *err);
ech_status ech_skus_load_csv(ech_table_loader *t, const char *path, ech_error *err);
ech_status ech_assortment_load_csv(ech_table_loader *t, const char *path, ech_error *err);

/* Checks an id or name: not empty, at most 256 bytes, no control characters (a
 * newline or tab in an id would break every CSV and log line it is written to). */
ech_status ech_check_id_text(const ech_row *row, int column, ech_error *err);

/* ------------------------------------------------------------------------------
 * Start snapshot and demand history (after ech_scenario_finalize)
 * ------------------------------------------------------------------------------ */

/* Snapshot start: every skuloc starts with 0 on hand except those the file lists. */
ech_status ech_on_hand_load_csv(ech_scenario *sc, const char *path, ech_error *err);

/* Orders placed before day 0 and still to arrive: fills sc->open_orders, sorted by
 * skuloc and arrival day.  An order due before the first simulated day arrives on
 * the first simulated day (-warmup_days). */
ech_status ech_open_orders_load_csv(ech_scenario *sc, const char *path, ech_error *err);

/* Demand history to replay: fills sc->replay with one dense series per skuloc the
 * file names (days without a row have no demand) over the simulated days, and
 * switches those skulocs to ECH_DEMAND_REPLAY with demand_mean set to the series'
 * mean over the measured days.  Rows outside the simulated days are checked and
 * otherwise ignored. */
ech_status ech_history_load_csv(ech_scenario *sc, const char *path, ech_error *err);

/* Demand models for some demand points (catalogue.demand_file, what `echelon
 * calibrate` writes): each row replaces the SKU-location's demand model (mean,
 * distribution, dispersion, extra zeros, trend, season and weekly profiles; what it
 * leaves empty takes the default) as the assortment's columns of the same names
 * would.  After the history: a replayed SKU-location takes no model. */
ech_status ech_demand_load_csv(ech_scenario *sc, const char *path, ech_error *err);

/* Targets for some skulocs (before ech_policy_resolve): each row sets the skuloc's
 * order_up_to, its reorder_point (when given) and its policy (when given), as the
 * assortment's columns of the same names would; other skulocs keep theirs. */
ech_status ech_targets_load_csv(ech_scenario *sc, const char *path, ech_error *err);

#ifdef __cplusplus
}
#endif

#endif
